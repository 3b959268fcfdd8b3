"""The resolve stage on Apache Spark: work components, work merging and the researcher model run on a cluster.

The staged tables go to Spark as Parquet (the stage's own export); Spark finds the connected components of the work
records that can share a Work (min-label propagation in DataFrame operations; which records can, and which big
teams are one slot each, the embedded engine's own SQL decides in DuckDB first, so both engines copy the same
records), then runs the embedded engine's own per-component and per-group functions on the workers
(kg.resolve.works.merge_component, kg.resolve.researchers.cluster_group, through mapInArrow), so the model is
written once. Its output, Parquet again, replaces the same rows of the stage's resolved
tables the embedded engine would replace, inside the same transactions (replace_works, replace_groups), so the
write stage is unchanged and an incremental load resolves what is pending against everything staged, as the
embedded engine does. The steps that are SQL over the whole stage (plain records copied, strong-id-only groups,
researcher rows, the graph tables) stay in DuckDB: they take seconds at a million works (BENCHMARKS.md).

pyspark is imported only here, and only when this engine is chosen. The exchange directory sits beside the stage
store: on a cluster it must be a path every worker sees (a shared mount).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from kg.config import Settings
from kg.resolve.engine import Progress, ResolveReport, researchers_and_graph
from kg.resolve.researchers import CLUSTER_SCHEMA, CLUSTER_SLOT_SCHEMA, GroupKnowledge
from kg.resolve.works import MEMBER_SCHEMA, SLOT_SCHEMA, WORK_SCHEMA
from kg.stage.records import WORK_COLUMNS
from kg.stage.store import StageStore

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

_S = pa.string()
# one row per component (works) or block group (researchers): the rows it resolves to, one list per table
_MERGED_SCHEMA = pa.schema(
    [
        ("comp", _S),
        ("work_member", pa.list_(pa.struct(list(MEMBER_SCHEMA)))),
        ("work", pa.list_(pa.struct(list(WORK_SCHEMA)))),
        ("slot", pa.list_(pa.struct(list(SLOT_SCHEMA)))),
    ]
)
_CLUSTERED_SCHEMA = pa.schema(
    [
        ("grp", _S),
        ("slots_in", pa.int64()),
        ("cluster", pa.list_(pa.struct(list(CLUSTER_SCHEMA)))),
        ("cluster_slot", pa.list_(pa.struct(list(CLUSTER_SLOT_SCHEMA)))),
    ]
)


def spark_type(t: pa.DataType) -> str:
    """The Spark DDL type of an Arrow type (the few the resolved tables use)."""
    if pa.types.is_string(t):
        return "string"
    if pa.types.is_int32(t):
        return "int"
    if pa.types.is_int64(t):
        return "bigint"
    if pa.types.is_float64(t):
        return "double"
    if pa.types.is_boolean(t):
        return "boolean"
    if pa.types.is_list(t):
        return f"array<{spark_type(t.value_type)}>"
    if pa.types.is_struct(t):
        return "struct<" + ", ".join(f"`{f.name}`: {spark_type(f.type)}" for f in t) + ">"
    raise TypeError(f"no Spark type for {t}")


def spark_schema(schema: pa.Schema) -> str:
    return ", ".join(f"`{f.name}` {spark_type(f.type)}" for f in schema)


# Up to this many rows of linked keys, which records are copied and which merged (with their components) is decided
# on the driver, by the embedded engine's own pending_components (a union-find: 2.4 CPU-s for 2M rows), not by
# Spark jobs, whose fixed cost (6-9 s at 200k works, BENCHMARKS.md "The Spark engine's copy/merge split on the
# driver") buys nothing when few records can share a Work: 146 of 200k and 966 of 500k synthetic records did.
DRIVER_COMPONENTS_MAX = 2_000_000


def components(keys: DataFrame, max_rounds: int = 100) -> DataFrame:
    """(wrec, comp) for every work record sharing a key with another record: comp is the smallest wrec of its
    connected component (records joined by shared keys), found by min-label propagation through the keys. Each
    round takes the smallest label over a key's records, then over a record's keys; rounds stop when no label
    falls (the component's diameter in rounds, a handful for real corpora)."""
    from pyspark.sql import functions as F

    shared = (
        keys.groupBy("key")
        .agg(F.collect_set("wrec").alias("ws"))
        .where(F.size("ws") > 1)
        .select("key", F.explode("ws").alias("wrec"))
        .localCheckpoint()
    )
    # round 0: a record's label is the smallest record of any key it holds
    first = shared.groupBy("key").agg(F.min("wrec").alias("kl"))
    labels = shared.join(first, "key").groupBy("wrec").agg(F.min("kl").alias("label")).localCheckpoint()
    for _ in range(max_rounds):
        by_key = shared.join(labels, "wrec").groupBy("key").agg(F.min("label").alias("kl"))
        new = shared.join(by_key, "key").groupBy("wrec").agg(F.min("kl").alias("label"))
        step = (
            new.join(labels.withColumnRenamed("label", "old"), "wrec")
            .select("wrec", "label", (F.col("label") < F.col("old")).alias("fell"))
            .localCheckpoint()
        )
        labels = step.select("wrec", "label")
        if step.where("fell").isEmpty():
            break
    else:  # pragma: no cover - a chain of more than max_rounds records
        raise RuntimeError(f"work components did not settle in {max_rounds} rounds")
    return labels.select("wrec", F.col("label").alias("comp"))


def _merge_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """On a worker: each component's records merged by kg.resolve.works.merge_component."""
    from kg.identity import Mention
    from kg.resolve.works import merge_component

    for batch in batches:
        out: list[dict[str, Any]] = []
        for row in batch.to_pylist():
            by_wrec: dict[str, tuple[Any, ...]] = {}
            mentions: dict[str, list[Mention]] = {}
            for r in row["recs"]:
                w = r["wrec"]
                by_wrec[w] = (
                    w, r["payload"], r["keys"], r["title_key"], r["year_key"], *(r[f"w_{c}"] for c in WORK_COLUMNS)
                )  # fmt: skip
                mentions[w] = [Mention.from_json(j) for j in r["mentions"] or []]
            members, works, slots = merge_component(sorted(by_wrec), by_wrec, mentions)
            out.append({"comp": row["comp"], "work_member": members, "work": works, "slot": slots})
        yield pa.RecordBatch.from_pylist(out, schema=_MERGED_SCHEMA)


def _cluster_batches(
    knowledge: GroupKnowledge,
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """On a worker: each block group's slots clustered by kg.resolve.researchers.cluster_group."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from kg.resolve.researchers import cluster_group, slot_context

        for batch in batches:
            out: list[dict[str, Any]] = []
            for row in batch.to_pylist():
                rows = sorted(row["rows"], key=lambda r: (r["key"], r["work_id"]))
                ctxs = [slot_context(r) for r in rows]
                refs = {r["key"]: list(r["record_refs"] or []) for r in rows}
                clusters, slots = cluster_group(row["grp"], ctxs, refs, knowledge)
                out.append(
                    {"grp": row["grp"], "slots_in": len(ctxs), "cluster": clusters, "cluster_slot": slots}
                )
            yield pa.RecordBatch.from_pylist(out, schema=_CLUSTERED_SCHEMA)

    return run


# The researcher step's input, one row per slot of a pending group (kg.resolve.researchers._group_contexts in
# Spark SQL): the slot, its work, the work's co-authors (when the work has no more than the cap) and topics.
_GROUP_ROWS_SQL = """
WITH ps AS (
    SELECT s.key, s.work_id, s.mentions, coalesce(bg.grp, s.block) AS grp
    FROM kg_slot s LEFT JOIN kg_block_group bg ON bg.block = s.block
    LEFT SEMI JOIN kg_groups g ON g.grp = coalesce(bg.grp, s.block)
),
pw AS (SELECT DISTINCT work_id FROM ps),
co AS (
    SELECT s.work_id,
           CASE WHEN count(*) <= {cap} THEN collect_list(named_struct('k', s.key, 'b', s.block, 'n', s.name)) END
               AS co
    FROM kg_slot s LEFT SEMI JOIN pw ON pw.work_id = s.work_id GROUP BY s.work_id
),
tp AS (
    SELECT t.work_id, array_sort(collect_set(t.topic)) AS topics
    FROM kg_work_topic_src t LEFT SEMI JOIN pw ON pw.work_id = t.work_id GROUP BY t.work_id
)
SELECT ps.grp, ps.key, ps.work_id, ps.mentions, w.ids, w.venue, w.year, w.categories, w.record_refs,
       w.title, w.abstract, w.`references`, co.co, tp.topics
FROM ps JOIN kg_work w ON w.id = ps.work_id LEFT JOIN co ON co.work_id = ps.work_id
LEFT JOIN tp ON tp.work_id = ps.work_id
"""


def _split_on_spark(
    spark: SparkSession, src: Path, wr: DataFrame, tmp: Path
) -> tuple[list[str], list[str], DataFrame]:
    """(pending records copied alone, records merged, (wrec, comp) of those merged), as
    kg.resolve.works.pending_components decides them, with the components found by Spark's rounds of joins."""
    from pyspark.sql import functions as F

    comp = components(spark.read.parquet(str(src / "linked_keys.parquet")))
    one_each = spark.read.parquet(str(src / "one_slot_each.parquet")).select(
        "wrec", F.lit(True).alias("one_each")
    )
    pending = (
        wr.where("pending")
        .join(one_each, "wrec", "left")
        .select(
            "wrec",
            (F.coalesce("simple", F.lit(False)) | F.coalesce("one_each", F.lit(False))).alias("simple"),
        )
    )
    touched = comp.join(pending.select("wrec"), "wrec").select("comp").distinct()
    lone = pending.join(comp, "wrec", "left_anti")
    slow = (
        comp.join(touched, "comp")
        .unionByName(lone.where("NOT simple").select("wrec", F.col("wrec").alias("comp")))
        .localCheckpoint()
    )
    lone.where("simple").select("wrec").write.parquet(str(tmp / "fast"))
    slow.select("wrec").write.parquet(str(tmp / "slow"))
    return sorted(_column(tmp / "fast", "wrec")), sorted(_column(tmp / "slow", "wrec")), slow


def _split_on_driver(
    spark: SparkSession, store: StageStore, src: Path, tmp: Path
) -> tuple[list[str], list[str], DataFrame]:
    """The same split, by the embedded engine's own pending_components (DuckDB and a union-find) over the two
    decisions' rows already exported (see DRIVER_COMPONENTS_MAX)."""
    from kg.resolve.works import pending_components

    fast, slow_components = pending_components(
        store,
        linked_keys_sql=f"SELECT wrec, key FROM read_parquet('{_quoted(src / 'linked_keys.parquet')}')",
        one_slot_each_sql=f"SELECT wrec FROM read_parquet('{_quoted(src / 'one_slot_each.parquet')}')",
    )
    # a component's id is its smallest record, as components() names it (pending_components sorts each)
    wrecs = [w for comp in slow_components for w in comp]
    comps = [comp[0] for comp in slow_components for _ in comp]
    out = tmp / "slow.parquet"
    pq.write_table(pa.table({"wrec": pa.array(wrecs, _S), "comp": pa.array(comps, _S)}), out)
    return fast, sorted(wrecs), spark.read.parquet(str(out))


class SparkEngine:
    """The resolve stage with its heavy parts on Spark (settings.spark_master); the same tables as EmbeddedEngine."""

    name = "spark"

    def __init__(
        self,
        settings: Settings,
        *,
        session: SparkSession | None = None,
        driver_components_max: int = DRIVER_COMPONENTS_MAX,
    ) -> None:
        self.settings = settings
        self._session = session
        self.driver_components_max = driver_components_max
        self._report = ResolveReport()

    def resolve(self, store: StageStore, *, on_progress: Progress | None = None) -> ResolveReport:
        from pyspark.sql import SparkSession

        from kg.spark import spark_session

        # a session this engine starts, it stops; one the caller runs (tests, a notebook) stays up
        own = self._session is None and SparkSession.getActiveSession() is None
        spark = self._session or spark_session(self.settings, "research-kg resolve")
        report = self._report = ResolveReport()
        tmp = Path(tempfile.mkdtemp(prefix="spark-resolve-", dir=store.path.parent))
        try:
            t = time.monotonic()
            self._works(spark, store, tmp, report, on_progress)
            report.seconds["works"] = time.monotonic() - t
            researchers_and_graph(
                store,
                report,
                on_progress,
                cluster_groups=lambda st, groups, knowledge, advance: self._cluster(
                    spark, st, groups, knowledge, advance, tmp
                ),
            )
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
            if own:
                spark.stop()
        return report

    # ---- works ----------------------------------------------------------------------------------------------

    def _works(
        self,
        spark: SparkSession,
        store: StageStore,
        tmp: Path,
        report: ResolveReport,
        on_progress: Progress | None,
    ) -> None:
        """Pending records: plain ones alone in their paper copied in SQL (kg.resolve.works.copy_plain_records),
        every component holding another merged on Spark; both replace their records' works like the embedded
        engine (replace_works). Which records are alone and which are plain is decided as the embedded engine
        decides it (kg.resolve.works.pending_components), so both copy and merge the same records."""
        from pyspark.sql import functions as F

        from kg.resolve.works import FAST_CHUNK, copy_plain_records, replace_works

        lap = _Lap(report, "works")
        src = tmp / "works-in"
        _export_works_input(store, src, lap)
        wr = spark.read.parquet(str(src / "work_recs.parquet"))
        if pq.read_metadata(src / "linked_keys.parquet").num_rows > self.driver_components_max:
            fast_wrecs, slow_wrecs, slow = _split_on_spark(spark, src, wr, tmp)
        else:
            fast_wrecs, slow_wrecs, slow = _split_on_driver(spark, store, src, tmp)
        lap("components")
        total = len(fast_wrecs) + len(slow_wrecs)
        done = 0
        for i in range(0, len(fast_wrecs), FAST_CHUNK):
            part = fast_wrecs[i : i + FAST_CHUNK]
            copy_plain_records(store, part)
            done += len(part)
            if on_progress:
                on_progress("resolve works", done, total)
        report.work_records = report.works = len(fast_wrecs)
        lap("copy")
        if not slow_wrecs:
            return
        records = spark.read.parquet(str(src / "records.parquet")).select("rec", F.col("payload").alias("rp"))
        mentions = (
            spark.read.parquet(str(src / "mention_src.parquet"))
            .join(slow.select("wrec"), "wrec", "left_semi")
            .groupBy("wrec")
            .agg(F.collect_list("json").alias("mentions"))
        )
        fields = [
            "wrec",
            "payload",
            "keys",
            "title_key",
            "year_key",
            *(f"w_{c}" for c in WORK_COLUMNS),
            "mentions",
        ]
        rows = (
            slow.join(wr, "wrec")
            .join(records, "rec", "left")
            .withColumn("payload", F.coalesce("payload", "rp"))
            .join(mentions, "wrec", "left")
        )
        # Python does the work here: several tasks per core, so one large partition does not leave cores idle
        # (adaptive execution would coalesce a small input into one or two partitions)
        merged = (
            rows.repartition(_python_partitions(spark), "comp")
            .groupBy("comp")
            .agg(F.collect_list(F.struct(*fields)).alias("recs"))
        )
        merged.mapInArrow(_merge_batches, spark_schema(_MERGED_SCHEMA)).write.parquet(str(tmp / "merged"))
        lap("merge")

        def insert() -> None:
            for table, schema in (
                ("work_member", MEMBER_SCHEMA),
                ("work", WORK_SCHEMA),
                ("slot", SLOT_SCHEMA),
            ):
                _insert_parquet(store, table, schema, tmp / "merged", table)

        replace_works(store, slow_wrecs, insert)
        lap("import")
        report.work_records += len(slow_wrecs)
        report.works_merged = len(slow_wrecs)
        report.works += int(
            store.scalar(f"SELECT sum(len(work)) FROM read_parquet('{_glob(tmp / 'merged')}')") or 0
        )
        if on_progress:
            on_progress("resolve works", total, total)

    # ---- researchers ----------------------------------------------------------------------------------------

    def _cluster(
        self,
        spark: SparkSession,
        store: StageStore,
        groups: list[str],
        knowledge: GroupKnowledge,
        advance: Callable[[int], None],
        tmp: Path,
    ) -> int:
        """The groups the model decides, clustered on Spark; their rows replace the groups' rows in one
        transaction (kg.resolve.researchers.replace_groups)."""
        from pyspark.sql import functions as F

        from kg import identity
        from kg.resolve.researchers import replace_groups

        if not groups:
            return 0
        lap = _Lap(self._report, "researchers")
        src = tmp / "researchers-in"
        store.export_parquet(src, ["slot", "block_group", "work", "work_topic_src"])
        lap("export")
        pq.write_table(pa.table({"grp": pa.array(groups, type=_S)}), src / "groups.parquet")
        for name in ("slot", "block_group", "work", "work_topic_src", "groups"):
            spark.read.parquet(str(src / f"{name}.parquet")).createOrReplaceTempView(f"kg_{name}")
        rows = spark.sql(_GROUP_ROWS_SQL.format(cap=int(identity.IDENTITY_COAUTHOR_CAP)))
        by_group = (
            rows.repartition(_python_partitions(spark), "grp")
            .groupBy("grp")
            .agg(F.collect_list(F.struct(*[c for c in rows.columns if c != "grp"])).alias("rows"))
        )
        by_group.mapInArrow(_cluster_batches(knowledge), spark_schema(_CLUSTERED_SCHEMA)).write.parquet(
            str(tmp / "clustered")
        )
        slots = int(
            store.scalar(f"SELECT sum(slots_in) FROM read_parquet('{_glob(tmp / 'clustered')}')") or 0
        )
        lap("cluster")

        def insert() -> None:
            _insert_parquet(store, "cluster", CLUSTER_SCHEMA, tmp / "clustered", "cluster")
            _insert_parquet(store, "cluster_slot", CLUSTER_SLOT_SCHEMA, tmp / "clustered", "cluster_slot")

        replace_groups(store, groups, insert)
        lap("import")
        advance(len(groups))
        return slots


def _python_partitions(spark: SparkSession) -> int:
    """Partitions for a stage that runs Python per component or group: four per core Spark has."""
    return max(2, 4 * int(spark.sparkContext.defaultParallelism))


class _Lap:
    """Seconds of each phase of a step, into report.seconds as "<step>.<phase>" (the benchmark shows them)."""

    def __init__(self, report: ResolveReport, step: str) -> None:
        self.report, self.step, self.t = report, step, time.monotonic()

    def __call__(self, phase: str) -> None:
        now = time.monotonic()
        self.report.seconds[f"{self.step}.{phase}"] = now - self.t
        self.t = now


def _quoted(path: Path) -> str:
    """A path inside a SQL string literal."""
    return str(path).replace("'", "''")


def _glob(directory: Path) -> str:
    return _quoted(directory / "*.parquet")


def _column(directory: Path, name: str) -> list[str]:
    """One string column of a Parquet directory Spark wrote, as a list."""
    return [str(x) for x in pq.read_table(directory, columns=[name]).column(name).to_pylist()]


# The records Spark may merge (a superset of those it does): the ones holding a key they share with a record they
# may share a Work with, and pending ones whose authors are not plain; only their mentions and payloads go to Spark
# (at 1M synthetic works a few thousand of the million).
_MAY_MERGE_SQL = """
SELECT wrec FROM _spark_linked_keys
UNION
(SELECT wrec FROM work_recs WHERE pending AND NOT coalesce(simple, false) EXCEPT SELECT wrec FROM _spark_one_slot_each)
"""
_WORKS_INPUT = {
    "linked_keys": "SELECT * FROM _spark_linked_keys",
    "one_slot_each": "SELECT * FROM _spark_one_slot_each",
    "work_recs": "SELECT * FROM work_recs",
    "mention_src": "SELECT m.* FROM mention_src m SEMI JOIN _spark_may_merge USING (wrec)",
    "records": "SELECT r.* FROM records r SEMI JOIN (SELECT w.rec FROM work_recs w SEMI JOIN _spark_may_merge "
    "USING (wrec)) USING (rec)",
}


def _export_works_input(store: StageStore, src: Path, lap: _Lap) -> None:
    """Resolve works' input for Spark, one Parquet file a table of _WORKS_INPUT, after the embedded engine's two
    decisions (pending_components in kg.resolve.works), SQL over the whole stage, so a function of the set of
    staged records: only the keys shared by records group_works could put in one Work join components (the others
    share a title with records of other DOIs or years apart, and are copied), and big teams whose authors
    unify_mentions keeps one slot each count as plain. Taken in DuckDB, not on Spark: the stage is there, the
    queries are the embedded engine's own (the engines cannot drift apart), and they took ~1 s at 200k works."""
    from kg.resolve.works import LINKED_KEYS_SQL, ONE_SLOT_EACH_SQL

    con = store.con
    src.mkdir(parents=True, exist_ok=True)
    temp = {
        "_spark_linked_keys": LINKED_KEYS_SQL,
        "_spark_one_slot_each": ONE_SLOT_EACH_SQL,
        "_spark_may_merge": _MAY_MERGE_SQL,
    }
    try:
        for name, sql in temp.items():
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
        lap("decide")
        for name, sql in _WORKS_INPUT.items():
            store.export_query(sql, src / f"{name}.parquet")
        lap("export")
    finally:
        for name in temp:
            con.execute(f"DROP TABLE IF EXISTS {name}")


def _insert_parquet(store: StageStore, table: str, schema: pa.Schema, directory: Path, column: str) -> None:
    """Append to a stage table the rows of one list column of the Parquet directory Spark wrote (one list of
    rows per component or group), column by column name."""
    cols = ", ".join(f'"{f.name}"' for f in schema)
    fields = ", ".join(f'x."{f.name}"' for f in schema)
    store.con.execute(
        f"INSERT INTO {table} ({cols}) SELECT {fields} "
        f"FROM (SELECT unnest({column}) AS x FROM read_parquet('{_glob(directory)}'))"
    )
