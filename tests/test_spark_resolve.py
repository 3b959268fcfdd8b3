"""The resolve stage on Spark (`kg load --engine spark`) gives exactly the Works and Researchers the embedded engine
gives: the same ids, the same member records, the same properties and evidence, on the shipped data, on the shared
data, on an incremental load, and in the graph a load writes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from neo4j import Driver

from kg import defaultdata
from kg.config import REPO_ROOT, Settings
from kg.identity.curation import stage_decision
from kg.models import Record
from kg.resolve.engine import EmbeddedEngine, ResolveReport
from kg.sources import parsers
from kg.stage.store import StageStore
from tests.conftest import kg_env, wipe
from tests.kg_process import run_kg
from tests.test_resolve import TABLES, _novak_decision, _novaks, _spellings, assert_every_slot_in_one_cluster
from tests.test_resolve_alone import ALONE, MERGED, _team, _work

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytest.importorskip("pyspark", reason="pyspark is not installed: pip install -e '.[dev]' (or '.[spark]')")

SHIPPED = [defaultdata.DATA_DIR / "openalex_works.jsonl.gz", defaultdata.DATA_DIR / "arxiv_metadata.jsonl.gz"]
# every resolved table, with the columns that order its rows
ALL_TABLES = {**TABLES, "work_member": "wrec", "record_target": "rec", "part_of": "src, dst"}


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    from kg.spark import spark_session

    session = spark_session(Settings(spark_master="local[2]", spark_driver_memory="1g"), "kg-tests")
    try:
        yield session
    finally:
        session.stop()


def _records(paths: list[Path]) -> list[Record]:
    return [r for r in parsers.iter_records([str(p) for p in paths]) if r.kind != "reject"]


def _staged(path: Path, records: list[Record]) -> Path:
    with StageStore(path) as st:
        st.stage("run:test", records)
    return path


def _resolve(path: Path, engine: Any) -> ResolveReport:
    with StageStore(path) as st:
        report: ResolveReport = engine.resolve(st)
    return report


def _dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with StageStore(path, read_only=True) as st:
        return {
            t: st.con.execute(f"SELECT * FROM {t} ORDER BY {order}").fetchall()
            for t, order in ALL_TABLES.items()
        }


def _works_and_researchers(path: Path) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(work id → its member records, researcher id → its slots "work_id#slot key")."""
    with StageStore(path, read_only=True) as st:
        works = dict(
            st.con.execute(
                "SELECT work_id, list(wrec ORDER BY wrec) FROM work_member GROUP BY work_id"
            ).fetchall()
        )
        researchers = dict(
            st.con.execute(
                "SELECT researcher, list(work_id || '#' || slot_key ORDER BY work_id, slot_key) "
                "FROM cluster_slot GROUP BY researcher"
            ).fetchall()
        )
    return works, researchers


def _both(
    tmp: Path, records: list[Record], spark: SparkSession, **engine: Any
) -> tuple[Path, Path, ResolveReport]:
    """The records staged once, then resolved by each engine in its own copy of the store (`engine`: options of
    the Spark engine)."""
    from kg.resolve.spark import SparkEngine

    embedded = _staged(tmp / "embedded.duckdb", records)
    on_spark = tmp / "spark.duckdb"
    shutil.copy(embedded, on_spark)
    _resolve(embedded, EmbeddedEngine())
    report = _resolve(on_spark, SparkEngine(Settings(spark_master="local[2]"), session=spark, **engine))
    return embedded, on_spark, report


def _assert_same(embedded: Path, on_spark: Path) -> None:
    works_e, researchers_e = _works_and_researchers(embedded)
    works_s, researchers_s = _works_and_researchers(on_spark)
    assert works_s == works_e
    assert researchers_s == researchers_e
    dump_e, dump_s = _dump(embedded), _dump(on_spark)
    for table in ALL_TABLES:
        assert dump_s[table] == dump_e[table], table


def test_nothing_imports_pyspark_unless_the_spark_engine_runs() -> None:
    code = (
        "import sys, kg.cli, kg.pipeline, kg.resolve.engine, kg.resolve.spark; "
        "from kg.config import Settings; from kg.resolve.choose import get_engine; "
        "assert get_engine(Settings()).name == 'embedded'; "
        "assert get_engine(Settings(resolve_engine='spark')).name == 'spark'; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pyspark'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=True
    )
    assert out.stdout.strip() == "[]"


def test_spark_resolves_the_shipped_data_exactly_as_the_embedded_engine(
    tmp_path: Path, spark: SparkSession
) -> None:
    # the shipped sample, and one author under several spellings and ids (strong-id groups and the model); its
    # work components found by Spark's rounds of joins, which the other tests' few linked keys leave to the driver
    records = [*_records(SHIPPED), *_spellings()]
    embedded, on_spark, report = _both(tmp_path, records, spark, driver_components_max=0)
    works, researchers = _works_and_researchers(on_spark)
    # not a vacuous comparison: papers merged from several records, researchers of several slots
    assert report.works_merged > 0 and any(len(m) > 1 for m in works.values())
    assert sum(len(m) > 1 for m in researchers.values()) > 10
    assert report.works == len(works)
    _assert_same(embedded, on_spark)


def test_an_incremental_spark_load_ends_where_one_embedded_load_of_everything_does(
    tmp_path: Path, spark: SparkSession
) -> None:
    from kg.resolve.spark import SparkEngine

    records = [*_records(SHIPPED), *_spellings()]
    whole = _staged(tmp_path / "whole.duckdb", records)
    _resolve(whole, EmbeddedEngine())
    engine = SparkEngine(Settings(spark_master="local[2]"), session=spark)
    # the second half holds the records that join works and authors of the first (the spellings come last)
    half = len(records) // 2
    parts = tmp_path / "parts.duckdb"
    with StageStore(parts) as st:
        st.stage("run:one", records[:half])
        engine.resolve(st)
        st.stage("run:two", records[half:])
        engine.resolve(st)
    _assert_same(whole, parts)


def test_a_later_same_as_across_two_blocks_on_spark_ends_where_one_embedded_load_does(
    tmp_path: Path, spark: SparkSession
) -> None:
    """Spark replaces the groups with the embedded engine's replace_groups: a curated SAME_AS tying two name
    blocks leaves no slot in the absorbed block's old clusters."""
    from kg.resolve.spark import SparkEngine

    engine = SparkEngine(Settings(spark_master="local[2]"), session=spark)
    parts = _staged(tmp_path / "parts.duckdb", _novaks())
    with StageStore(parts) as st:
        engine.resolve(st)
        decision = _novak_decision(st, "SAME_AS")
        stage_decision(st, "SAME_AS", decision)
        engine.resolve(st)
        assert_every_slot_in_one_cluster(st)
    whole = _staged(tmp_path / "whole.duckdb", _novaks())
    with StageStore(whole) as st:
        stage_decision(st, "SAME_AS", decision)
        EmbeddedEngine().resolve(st)
    _assert_same(whole, parts)


@pytest.mark.shared_data
@pytest.mark.slow
def test_spark_resolves_the_shared_data_exactly_as_the_embedded_engine(
    tmp_path: Path, spark: SparkSession, shared_data: Path
) -> None:
    records = [r for r in parsers.iter_records([str(shared_data)]) if r.kind != "reject"]
    embedded, on_spark, report = _both(tmp_path, records, spark)
    works, researchers = _works_and_researchers(on_spark)
    assert report.works_merged > 0 and len(works) > 5000
    assert any(len(m) > 1 for m in researchers.values())
    _assert_same(embedded, on_spark)


def _graph(drv: Driver, s: Settings) -> dict[str, Any]:
    with drv.session(database=s.neo4j_database) as session:
        works = sorted(r["id"] for r in session.run("MATCH (w:Work) RETURN w.id AS id"))
        researchers = sorted(r["id"] for r in session.run("MATCH (r:Researcher) RETURN r.id AS id"))
        authored = sorted(
            (r["r"], r["w"])
            for r in session.run("MATCH (r:Researcher)-[:AUTHORED]->(w:Work) RETURN r.id AS r, w.id AS w")
        )
    return {"works": works, "researchers": researchers, "authored": authored}


@pytest.mark.neo4j
@pytest.mark.slow
def test_kg_load_engine_spark_writes_the_graph_an_embedded_load_writes(
    graph: Driver, neo4j_settings: Settings, tmp_path: Path
) -> None:
    env = {**kg_env(neo4j_settings), "KG_SPARK_MASTER": "local[2]", "KG_SPARK_DRIVER_MEMORY": "1g"}
    files = [str(p) for p in SHIPPED]
    graphs = []
    for engine in ("embedded", "spark"):
        wipe(graph, neo4j_settings)
        out = run_kg(
            [
                "load",
                *files,
                "--engine",
                engine,
                "--no-derived",
                "--stage",
                str(tmp_path / f"{engine}.duckdb"),
            ],
            cwd=tmp_path,
            env=env,
        )
        assert out.returncode == 0, out.stderr[-2000:]
        graphs.append(_graph(graph, neo4j_settings))
    embedded, on_spark = graphs
    with StageStore(tmp_path / "embedded.duckdb", read_only=True) as st:
        expected = {
            "works": sorted(r[0] for r in st.con.execute("SELECT id FROM work").fetchall()),
            "researchers": sorted(r[0] for r in st.con.execute("SELECT id FROM researcher").fetchall()),
            "authored": sorted(st.con.execute("SELECT src, dst FROM authored").fetchall()),
        }
    assert embedded == expected
    assert len(on_spark["works"]) == len(expected["works"]) and len(on_spark["authored"]) > 200
    assert on_spark == embedded


def _merged_by_embedded_rules(path: Path) -> int:
    """Records the embedded engine merges in Python on a staged store (kg.resolve.works.pending_components)."""
    from kg.resolve.works import pending_components

    with StageStore(path, read_only=True) as st:
        return sum(len(c) for c in pending_components(st)[1])


def test_records_sharing_a_title_they_cannot_join_are_copied_on_spark_as_the_embedded_engine_copies_them(
    tmp_path: Path, spark: SparkSession
) -> None:
    records: list[Record] = [*ALONE.values(), *MERGED.values()]
    embedded, on_spark, report = _both(tmp_path, records, spark)
    # lines 7-8 (a short title a year apart: the SQL's superset) and 11-16 go to the Python merge; 1-6, which share
    # a title with records of other DOIs, arXiv ids or years, are copied (all 14 were merged before)
    assert report.works_merged == 8
    works, _ = _works_and_researchers(on_spark)
    assert sorted(len(m) for m in works.values()) == [1] * 8 + [2] * 3
    _assert_same(embedded, on_spark)


def test_a_title_sharer_copied_on_spark_joins_a_later_record_of_its_paper_as_one_embedded_load_would(
    tmp_path: Path, spark: SparkSession
) -> None:
    """Records 1-6 are copied alone in a first load; a later listing of record 1's paper a year before pulls it into
    a merge (a later DOI'd copy of record 4's title stays alone), in either order of the two loads."""
    from kg.resolve.spark import SparkEngine

    first: list[Record] = list(ALONE.values())
    later: list[Record] = [
        _work("arxiv-listing", 21, "Graph neural networks for molecules", 2019),
        _work("crossref", 22, "A survey of sparse attention", 2016, doi="10.1000/e"),
    ]
    whole = _staged(tmp_path / "whole.duckdb", first + later)
    _resolve(whole, EmbeddedEngine())
    works, _ = _works_and_researchers(whole)
    assert sorted(len(m) for m in works.values()) == [1] * 8 + [2]  # record 21 and one of 1-2: one paper
    engine = SparkEngine(Settings(spark_master="local[2]"), session=spark)
    for name, parts in (("parts", [first, later]), ("reversed", [later, first])):
        path = tmp_path / f"{name}.duckdb"
        merged = []
        with StageStore(path) as st:
            for part in parts:
                st.stage("run:test", part)
                merged.append(engine.resolve(st).works_merged)
        _assert_same(whole, path)
        if name == "parts":  # the second load re-merges the copied records its new one may join
            assert merged == [2, 3]  # 7-8; then 21 with 1 and 2 (22 stays alone)


def test_a_big_team_of_one_slot_each_is_copied_on_spark_as_the_embedded_engine_copies_it(
    tmp_path: Path, spark: SparkSession
) -> None:
    names = [f"Ann {c}{c.lower()}ton" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]  # 26 name keys
    team = _team(
        41,
        *((n, i, {"openalex_id": f"A41{i:02}"}) for i, n in enumerate(names, start=1)),
        # two Li Wang, each with an OpenAlex id of their own: one slot each, the second "@2"
        ("Li Wang", 28, {"openalex_id": "A4128"}),
        ("Li Wang", 27, {"openalex_id": "A4127"}),
    )
    # the same, but the two Li Wang are told apart by no two ids of one kind: unify_mentions joins them
    joined = _team(
        42,
        *((n, i, {"openalex_id": f"A42{i:02}"}) for i, n in enumerate(names, start=1)),
        ("Li Wang", 27, {"openalex_id": "A4227"}),
        ("Li Wang", 28, {"orcid": "0000-0002-1825-0097"}),
    )
    records: list[Record] = [team, joined]
    staged = _staged(tmp_path / "staged.duckdb", records)
    with StageStore(staged, read_only=True) as st:
        assert st.scalar("SELECT count(*) FROM work_recs WHERE simple") == 0
    embedded, on_spark, report = _both(tmp_path, records, spark)
    assert report.works_merged == _merged_by_embedded_rules(staged) == 1  # the team of line 42 alone
    with StageStore(on_spark, read_only=True) as st:
        slots = dict(
            st.con.execute(
                "SELECT w.title, list(replace(s.key, w.id, '') ORDER BY s.position) FILTER (s.name = 'Li Wang') "
                "FROM slot s JOIN work w ON w.id = s.work_id GROUP BY w.title"
            ).fetchall()
        )
    assert slots == {"Team paper number 41": ["#wang|li", "#wang|li@2"], "Team paper number 42": ["#wang|li"]}
    _assert_same(embedded, on_spark)


def test_work_components_follow_chains_of_shared_keys_to_their_smallest_record(spark: SparkSession) -> None:
    from kg.resolve.spark import components
    from kg.resolve.works import key_components

    # r6-r5-r4-r3-r2-r1 joined one key at a time (the smallest record at the far end: five rounds to reach r6),
    # a pair, and a record whose keys nobody shares
    pairs = [(f"r{i}", f"k{i}") for i in range(1, 6)] + [(f"r{i + 1}", f"k{i}") for i in range(1, 6)]
    pairs += [("p1", "doi:x"), ("p2", "doi:x"), ("p2", "title:y"), ("alone", "doi:z")]
    keys = spark.createDataFrame(pairs, "wrec string, key string")
    got = dict(components(keys).collect())
    assert got == {**{f"r{i}": "r1" for i in range(1, 7)}, "p1": "p1", "p2": "p1"}
    # the driver's union-find (the embedded engine's, used by this engine for few linked keys) finds the same,
    # in any row order
    assert key_components(pairs) == got
    assert key_components(reversed(pairs)) == got
