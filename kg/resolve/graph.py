"""The rest of the resolved graph, in SQL over the stage: authorships, affiliations, institutions, topics, topic
hierarchy, citations and curated decisions, always exactly a function of what is staged (what a whole rebuild from
the resolved works and researchers gives).

The big ones are built for what resolution touched (issue #15: rebuilding them whole was 45 % of the resolve of
100k more works into a 1M stage). An AUTHORED row is a function of its work's slots, cluster_slot rows and work row;
a researcher's AFFILIATED_WITH rows of its authorships and of the profile records pointing at it; a work's
HAS_TOPIC rows of its topic rows; CITES rows of the citing work's references and refs and the cited work's ids.
Once the tables were built, resolution records in `pending_graph`, in the transactions that make the change: every
work re-resolved, old and new id (kg.resolve.works.replace_works), the researcher and work of every cluster_slot
row that appeared, went or changed researcher or confidence (kg.resolve.researchers.replace_groups), and the old and
new targets of every researcher record that changed or moved (kg.resolve.researchers._researcher_rows). A build
recomputes those works' and researchers' rows, and clears the record in its own transaction: a load killed before
or during the build leaves it, and the next build applies it (tests/test_graph_tables_incremental.py: incremental ==
whole over random loads, and under SIGKILL). Before the first build, or when more than WHOLE_REBUILD_SHARE of the
works or researchers were touched, everything is rebuilt; institutions, topics, the topic hierarchy and the curated
decisions' edges always are (few rows, from small inputs)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any, Literal

import pyarrow as pa

from kg.identity import name_key
from kg.models import InstitutionRecord, ResearcherRecord, TopicRecord
from kg.resolve import rows as rowmod
from kg.resolve.researchers import load_decisions
from kg.resolve.tables import GRAPH_BUILT
from kg.stage.store import StageStore, drop_temp

# the tables build_graph_tables makes
GRAPH_TABLES = (
    "authored",
    "affiliated",
    "institution",
    "topic",
    "has_topic",
    "part_of",
    "cites",
    "same_as",
    "not_same_as",
)
# Above this share of the works, or of the researchers, touched, rebuild whole. At 200k synthetic works (20k more
# staged, bench/graph_incremental.py --sweep, CPU of the build and its checkpoint) the incremental build was 2.4x
# faster with 5% of the works touched (11% of the researchers), 1.4x at 20% (35%), 1.2x at 30% (47%), even at 50%
# (66%); at 1M + 100k the whole build costs 9x what it does at 200k + 20k, so this errs towards whole.
WHOLE_REBUILD_SHARE = 0.5

Mode = Literal["auto", "whole", "incremental"]

_S = pa.string()
_LS = pa.list_(pa.string())

INSTITUTION_SRC_SCHEMA = pa.schema(
    [
        ("id", _S),
        ("name", _S),
        ("ror", _S),
        ("openalex_id", _S),
        ("country_code", _S),
        ("type", _S),
        ("source", _S),
        ("rank", pa.int32()),
        ("owner", _S),
        ("record_ref", _S),
        ("entity", pa.bool_()),
    ]
)
_TOPIC_SRC_SCHEMA = pa.schema(
    [
        ("id", _S),
        ("name", _S),
        ("scheme", _S),
        ("level", _S),
        ("keywords", _LS),
        ("source", _S),
        ("ref", _S),
        ("authoritative", pa.bool_()),
        ("parent", _S),
    ]
)
_PROFILE_AFF_SCHEMA = pa.schema(
    [("rec", _S), ("institution", _S), ("source", _S), ("raw_affiliation", _S), ("ref", _S)]
)
# made by stage_entities, which fills it, and by build_graph_tables, which reads it: whichever runs first
_PROFILE_AFF_DDL = (
    "CREATE TABLE IF NOT EXISTS profile_affiliation_src "
    "(rec VARCHAR, institution VARCHAR, source VARCHAR, raw_affiliation VARCHAR, ref VARCHAR)"
)


def stage_entities(store: StageStore) -> None:
    """Institution and topic records, and the institutions researcher records name, as source rows."""
    con = store.con
    con.execute(_PROFILE_AFF_DDL)
    with store.transaction():
        inst_rows: list[dict[str, Any]] = []
        for rec, payload in con.execute("SELECT rec, payload FROM institution_recs WHERE pending").fetchall():
            ir = InstitutionRecord.model_validate_json(payload)
            row = rowmod.institution_row(ir, ir.prov.source, f"{ir.prov.source}:{ir.prov.ref}")
            if row:
                row["owner"] = rec
                inst_rows.append(row)
        topic_rows: list[dict[str, Any]] = []
        for _rec, payload in con.execute("SELECT rec, payload FROM topic_recs WHERE pending").fetchall():
            tr = TopicRecord.model_validate_json(payload)
            ref = f"{tr.prov.source}:{tr.prov.ref}"
            chain = [tr.subfield, tr.field, tr.domain]
            parents = [t for t in chain if t is not None]
            topic_rows.append(
                {
                    "id": tr.id,
                    "name": tr.name,
                    "scheme": "openalex",
                    "level": "topic",
                    "keywords": list(tr.keywords),
                    "source": tr.prov.source,
                    "ref": ref,
                    "authoritative": True,
                    "parent": parents[0].id if parents else None,
                }
            )
            for i, t in enumerate(parents):
                topic_rows.append(
                    {
                        "id": t.id,
                        "name": t.name,
                        "scheme": t.scheme,
                        "level": t.level,
                        "keywords": [],
                        "source": tr.prov.source,
                        "ref": ref,
                        "authoritative": False,
                        "parent": parents[i + 1].id if i + 1 < len(parents) else None,
                    }
                )
        aff_rows: list[dict[str, Any]] = []
        for rec, payload in con.execute("SELECT rec, payload FROM researcher_recs WHERE pending").fetchall():
            r = ResearcherRecord.model_validate_json(payload)
            ref = f"{r.prov.source}:{r.prov.ref}"
            for iref in r.institutions:
                row = rowmod.institution_row(iref, r.prov.source, ref)
                if row:
                    row["owner"] = rec
                    inst_rows.append(row)
                    aff_rows.append(
                        {
                            "rec": rec,
                            "institution": row["id"],
                            "source": r.prov.source,
                            "raw_affiliation": r.affiliation,
                            "ref": ref,
                        }
                    )
        con.execute(
            "DELETE FROM institution_src WHERE owner IN (SELECT rec FROM institution_recs WHERE pending "
            "UNION ALL SELECT rec FROM researcher_recs WHERE pending)"
        )
        con.execute(
            "DELETE FROM profile_affiliation_src WHERE rec IN (SELECT rec FROM researcher_recs WHERE pending)"
        )
        con.execute("UPDATE institution_recs SET pending = false WHERE pending")
        con.execute("UPDATE topic_recs SET pending = false WHERE pending")
        store.insert_rows("institution_src", inst_rows, INSTITUTION_SRC_SCHEMA)
        store.insert_rows("topic_src", topic_rows, _TOPIC_SRC_SCHEMA)
        store.insert_rows("profile_affiliation_src", aff_rows, _PROFILE_AFF_SCHEMA)


# One AUTHORED row per (researcher, work): the slot of the lowest position (then key). A researcher holds two slots
# of one work rarely (none in 200k synthetic works), so only those pairs go through the window, whose sort of every
# wide row was ~60 % of the statement (200k: 5.7 -> 2.3 CPU-s, rows identical); the rest are taken as they are.
# {cs}: the cluster_slot rows to build from (all, or those of the touched works: a row is a function of its work's).
_AUTHORED_COLUMNS = """
cs.researcher, s.work_id, s.position, s.name, s.names, s.source, s.sources, cs.confidence, s.institutions, s.block,
w.record_refs
"""
_AUTHORED_JOIN = (
    "JOIN slot s ON s.key = cs.slot_key AND s.work_id = cs.work_id JOIN work w ON w.id = s.work_id"
)
_AUTHORED_SQL = f"""
INSERT INTO authored
WITH c AS NOT MATERIALIZED ({{cs}}),
two AS (SELECT researcher, work_id FROM c GROUP BY ALL HAVING count(*) > 1)
SELECT {_AUTHORED_COLUMNS}
FROM (
    SELECT * FROM c ANTI JOIN two
    ON two.researcher IS NOT DISTINCT FROM c.researcher AND two.work_id IS NOT DISTINCT FROM c.work_id
) cs
{_AUTHORED_JOIN}
UNION ALL
SELECT {_AUTHORED_COLUMNS}
FROM (
    SELECT * FROM c SEMI JOIN two
    ON two.researcher IS NOT DISTINCT FROM c.researcher AND two.work_id IS NOT DISTINCT FROM c.work_id
) cs
{_AUTHORED_JOIN}
QUALIFY row_number() OVER (PARTITION BY cs.researcher, s.work_id ORDER BY s.position NULLS LAST, s.key) = 1
"""

# AFFILIATED_WITH: a researcher's rows are a function of its authorships (their slots' institutions, their works'
# years and refs) and of the profile records pointing at it. {who}: the researchers to build (all: TRUE).
# The rows name their work, whose year and refs each part joins: narrow rows sort by part (_insert_by_parts) within
# the memory limit, which the works' ref lists did not (out of memory at 1M works).
_AFFILIATED_ROWS_SQL = """
SELECT cs.researcher, inst, s.raw_affiliations[1] AS raw_affiliation, s.work_id
FROM (SELECT * FROM cluster_slot WHERE {who}) cs JOIN slot s ON s.key = cs.slot_key AND s.work_id = cs.work_id,
unnest(s.institutions) AS u(inst)
"""
_AFFILIATED_SQL = """
INSERT INTO affiliated
SELECT r.researcher, r.inst, list_sort(list_distinct(list(w.year) FILTER (WHERE w.year IS NOT NULL))),
       'authorships', min(r.raw_affiliation), first_refs(flatten(list(w.record_refs)))
FROM {{rows}} r JOIN work w ON w.id = r.work_id
GROUP BY r.researcher, r.inst
UNION ALL
SELECT t.researcher, p.institution, []::INTEGER[], p.source, min(p.raw_affiliation), first_refs(list(p.ref))
FROM profile_affiliation_src p JOIN record_target t USING (rec)
WHERE hash(t.researcher) % $parts = $part AND {who}
GROUP BY t.researcher, p.institution, p.source
"""

# CITES from each work's references that name another work by one of its ids. {src}: the reference rows to build
# from; {keep}: which (r.work_id, ids.work_id) rows to keep.
_CITES_SQL = """
INSERT INTO cites
WITH ids AS (SELECT id AS work_id, unnest(ids) AS x FROM work), r AS ({src})
SELECT r.work_id, ids.work_id, min(r.source), any_value(w.record_refs)
FROM r JOIN ids ON ids.x = r.ref JOIN work w ON w.id = r.work_id
WHERE ids.work_id <> r.work_id AND {keep}
GROUP BY r.work_id, ids.work_id
"""
# a work's citations of others change with its references and refs; its citations by others with its ids
_SOME_CITES_SRC = """
SELECT * FROM work_ref_src WHERE work_id IN (SELECT id FROM _graph_works)
UNION ALL
SELECT * FROM work_ref_src
WHERE ref IN (SELECT unnest(ids) FROM work WHERE id IN (SELECT id FROM _graph_works))
  AND work_id NOT IN (SELECT id FROM _graph_works)
"""
_SOME_CITES_KEEP = (
    "(r.work_id IN (SELECT id FROM _graph_works) OR ids.work_id IN (SELECT id FROM _graph_works))"
)

_HAS_TOPIC_SQL = """
INSERT INTO has_topic
SELECT work_id, topic, max(score), 'source', min(source), min(source), first_refs(list(ref))
FROM work_topic_src WHERE {which} GROUP BY work_id, topic
"""


# One institution row from every source row naming it: each field from the entity record first, then the best-ranked
# source; sources sorted, the first refs (kg.resolve.tables.FIRST_REFS_AGG_MACRO).
INSTITUTION_SQL = """
INSERT INTO institution
SELECT id,
       arg_max(name, (entity, rank, name)) FILTER (WHERE name IS NOT NULL),
       arg_max(ror, (entity, rank, ror)) FILTER (WHERE ror IS NOT NULL),
       arg_max(openalex_id, (entity, rank, openalex_id)) FILTER (WHERE openalex_id IS NOT NULL),
       arg_max(country_code, (entity, rank, country_code)) FILTER (WHERE country_code IS NOT NULL),
       arg_max(type, (entity, rank, type)) FILTER (WHERE type IS NOT NULL),
       list_sort(coalesce(list(DISTINCT source) FILTER (WHERE source IS NOT NULL), []::VARCHAR[])),
       first_refs_agg(record_ref)
FROM {rows} GROUP BY id
"""


@dataclass
class GraphBuild:
    whole: bool  # built whole (else only the touched works' and researchers' rows)
    works: int  # works whose authorships were recomputed (all of them when whole)
    researchers: int  # researchers whose affiliations were recomputed (all of them when whole)


def build_graph_tables(store: StageStore, mode: Mode = "auto") -> GraphBuild:
    """Make authored, affiliated, institution, topic, has_topic, part_of, cites, same_as and not_same_as what the
    resolved works and researchers give. `auto` recomputes authored, affiliated, has_topic and cites only for what
    resolution touched since the last build (pending_graph) when the tables were built before and the touched works
    or researchers are at most WHOLE_REBUILD_SHARE of all; `incremental` does so whenever they were built before.
    The other tables are rebuilt whole (a few thousand rows from small inputs; BENCHMARKS.md)."""
    con = store.con
    con.execute(_PROFILE_AFF_DDL)
    with store.transaction():
        whole = mode == "whole" or store.meta(GRAPH_BUILT) is None
        works = researchers = 0
        if not whole:
            works, researchers = _touched(store)
            if mode == "auto":
                total_works = int(store.scalar("SELECT count(*) FROM work") or 0)
                total_researchers = int(store.scalar("SELECT count(*) FROM researcher") or 0)
                whole = (
                    works > WHOLE_REBUILD_SHARE * total_works
                    or researchers > WHOLE_REBUILD_SHARE * total_researchers
                )
        if whole:
            _whole_rows(store)
        else:
            _touched_rows(store)
        _entity_tables(store)
        _decision_edges(store)
        if whole:
            works = int(store.scalar("SELECT count(DISTINCT dst) FROM authored") or 0)
            researchers = int(store.scalar("SELECT count(DISTINCT src) FROM affiliated") or 0)
        con.execute("DELETE FROM pending_graph")
        drop_temp(con, "_graph_works", "_graph_authored", "_graph_researchers")
        store.set_meta(GRAPH_BUILT, "1")
    return GraphBuild(whole=whole, works=works, researchers=researchers)


def _touched(store: StageStore) -> tuple[int, int]:
    """What resolution touched since the last build, as temp tables: _graph_works (works re-resolved: their slots,
    refs, topics, references or ids may have changed), _graph_authored (those and the works of every authorship
    clustered differently), _graph_researchers (the researchers of those authorships, of the re-resolved works, and
    those profile records point to or pointed to). Returns (authored works, researchers)."""
    con = store.con
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _graph_works AS "
        "SELECT DISTINCT work AS id FROM pending_graph WHERE researcher IS NULL AND work IS NOT NULL"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _graph_authored AS "
        "SELECT DISTINCT work AS id FROM pending_graph WHERE work IS NOT NULL"
    )
    # cluster_slot as it is, not joined to slot: a re-resolved work's researchers whose slot rows went are there
    # until their blocks are clustered again, which records them (kg.resolve.researchers.replace_groups)
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _graph_researchers AS
        SELECT researcher AS id FROM pending_graph WHERE researcher IS NOT NULL
        UNION SELECT researcher FROM cluster_slot WHERE work_id IN (SELECT id FROM _graph_works)
        """
    )
    return (
        int(store.scalar("SELECT count(*) FROM _graph_authored") or 0),
        int(store.scalar("SELECT count(*) FROM _graph_researchers") or 0),
    )


def _whole_rows(store: StageStore) -> None:
    con = store.con
    con.execute("DELETE FROM authored")
    con.execute(_AUTHORED_SQL.format(cs="SELECT * FROM cluster_slot"))
    con.execute("DELETE FROM affiliated")
    _insert_by_parts(
        store,
        _AFFILIATED_ROWS_SQL.format(who="TRUE"),
        "researcher",
        _AFFILIATED_SQL.format(who="TRUE"),
        int(store.scalar("SELECT sum(len(institutions)) FROM slot") or 0),
    )
    con.execute("DELETE FROM has_topic")
    con.execute(_HAS_TOPIC_SQL.format(which="TRUE"))
    con.execute("DELETE FROM cites")
    con.execute(_CITES_SQL.format(src="SELECT * FROM work_ref_src", keep="TRUE"))


def _touched_rows(store: StageStore) -> None:
    """The rows of the touched works and researchers (_touched) deleted and computed again."""
    con = store.con
    con.execute("DELETE FROM authored WHERE dst IN (SELECT id FROM _graph_authored)")
    con.execute(
        _AUTHORED_SQL.format(
            cs="SELECT * FROM cluster_slot WHERE work_id IN (SELECT id FROM _graph_authored)"
        )
    )
    con.execute("DELETE FROM affiliated WHERE src IN (SELECT id FROM _graph_researchers)")
    who = "researcher IN (SELECT id FROM _graph_researchers)"
    rows = _AFFILIATED_ROWS_SQL.format(who=who)
    _insert_by_parts(
        store,
        rows,
        "researcher",
        _AFFILIATED_SQL.format(who=f"t.{who}"),
        int(
            store.scalar(
                f"SELECT sum(len(s.institutions)) FROM (SELECT * FROM cluster_slot WHERE {who}) cs "
                "JOIN slot s ON s.key = cs.slot_key AND s.work_id = cs.work_id"
            )
            or 0
        ),
    )
    con.execute("DELETE FROM has_topic WHERE src IN (SELECT id FROM _graph_works)")
    con.execute(_HAS_TOPIC_SQL.format(which="work_id IN (SELECT id FROM _graph_works)"))
    con.execute(
        "DELETE FROM cites WHERE src IN (SELECT id FROM _graph_works) OR dst IN (SELECT id FROM _graph_works)"
    )
    con.execute(_CITES_SQL.format(src=_SOME_CITES_SRC, keep=_SOME_CITES_KEEP))


def _entity_tables(store: StageStore) -> None:
    """Institutions, topics and the topic hierarchy, whole: rows per institution or topic, from every row naming
    it."""
    con = store.con
    con.execute("DELETE FROM institution")
    # an institution's state is bounded (its distinct sources, five refs; the DISTINCT inputs spill), so the
    # parts are sized by institutions, not by the rows naming them (500k synthetic works: 2.2M rows, 5,050
    # institutions; with lists of every row, 5 parts and a temp table: 6.9 -> 1.9 CPU-s, rows identical)
    _insert_by_parts(
        store,
        "SELECT id, name, ror, openalex_id, country_code, type, source, rank, record_ref, entity FROM institution_src",
        "id",
        INSTITUTION_SQL,
        int(store.scalar("SELECT approx_count_distinct(id) FROM institution_src") or 0),
    )
    con.execute("DELETE FROM topic")
    con.execute(
        """
        INSERT INTO topic
        WITH t AS (
            SELECT id, name, scheme, level, keywords, source, ref, authoritative FROM topic_src
            UNION ALL
            SELECT topic, name, scheme, level, []::VARCHAR[], source, ref, false FROM work_topic_src
        )
        SELECT id,
               arg_max(name, (authoritative, name)) FILTER (WHERE name IS NOT NULL),
               arg_max(scheme, (authoritative, scheme)) FILTER (WHERE scheme IS NOT NULL),
               arg_max(level, (authoritative, level)) FILTER (WHERE level IS NOT NULL),
               arg_max(keywords, (authoritative, len(keywords))) FILTER (WHERE len(keywords) > 0),
               list_sort(list_distinct(list(source))), first_refs(list(ref)), bool_or(authoritative)
        FROM t GROUP BY id
        """
    )
    con.execute("DELETE FROM part_of")
    con.execute(
        """
        INSERT INTO part_of
        SELECT id, parent, min(source), first_refs(list(ref)) FROM topic_src WHERE parent IS NOT NULL
        GROUP BY id, parent
        """
    )


def _insert_by_parts(store: StageStore, rows_sql: str, key: str, insert_sql: str, rows: int) -> None:
    """An INSERT … SELECT … FROM {rows} GROUP BY (its groups keyed by the column `key` of `rows_sql`) run a hash
    partition of its groups at a time, as many parts as its `rows` input rows need to fit the memory limit
    (StageStore.parts_for). Its list aggregates (lists of refs, sources, years) hold their state in memory, which
    DuckDB cannot spill; a part holds every row of its groups, so the rows are those one statement gives.

    The input rows are computed once into a temp table sorted by part (a plain table, which DuckDB spills), and
    each part reads its own blocks of it: computing them again for every part (the joins, every row hashed) made
    the cost grow with the square of the corpus (parts grow with it), 70 % of the graph tables at 1M works. Sorted,
    because a part's filter then skips the other parts' row groups (zone maps on `part`); unsorted, every part read
    the whole spilled table (1M works, affiliated: 496 MB read and 0.58 of 1.07 s a part). So `rows_sql` should
    give narrow rows: the sort holds them (wide ones, lists of refs, ran out of memory at 1M).
    `insert_sql` may use $parts and $part (for rows it reads besides {rows})."""
    con = store.con
    parts = store.parts_for(rows)

    def params(sql: str, part: int) -> dict[str, int]:
        return {k: v for k, v in (("parts", parts), ("part", part)) if re.search(rf"\${k}\b", sql)}

    if parts == 1:
        sql = insert_sql.format(rows=f"({rows_sql})")
        con.execute(sql, params(sql, 0))
        return
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _part_rows AS "
        f"SELECT hash({key}) % $parts AS part, * FROM ({rows_sql}) ORDER BY part",
        {"parts": parts},
    )
    sql = insert_sql.format(rows="(SELECT * EXCLUDE (part) FROM _part_rows WHERE part = $rows_part)")
    for part in range(parts):
        con.execute(sql, {**params(sql, part), "rows_part": part})
    con.execute("DROP TABLE _part_rows")


def _decision_edges(store: StageStore) -> None:
    """Each curated decision, between the researchers that hold most of each of its sides' anchors."""
    con = store.con
    con.execute("DELETE FROM same_as")
    con.execute("DELETE FROM not_same_as")
    decisions = load_decisions(store)
    if not decisions:
        return
    anchors = sorted({a for d, _ in decisions for a in d.anchors_a | d.anchors_b})
    wids = sorted({a.rsplit("#", 1)[0] for a in anchors})
    con.register("_wids", pa.table({"x": pa.array(wids, type=_S)}))
    try:
        rows = con.execute(
            """
            WITH ids AS (SELECT id AS work_id, unnest(ids) AS x FROM work)
            SELECT ids.x, s.names, cs.researcher
            FROM ids JOIN _wids USING (x) JOIN slot s ON s.work_id = ids.work_id
            JOIN cluster_slot cs ON cs.slot_key = s.key AND cs.work_id = s.work_id
            """
        ).fetchall()
    finally:
        con.unregister("_wids")
    holders: dict[str, set[str]] = defaultdict(set)
    for x, names, researcher in rows:
        for n in names or []:
            holders[f"{x}#{name_key(n)}"].add(researcher)
    researchers = {r[0] for r in con.execute("SELECT id FROM researcher").fetchall()}
    same: list[dict[str, Any]] = []
    different: list[dict[str, Any]] = []
    for d, _blocks in decisions:
        a = _holder(d.anchors_a, holders)
        b = _holder(d.anchors_b, holders)
        if d.claim:
            b = b or (d.claim if d.claim in researchers else None)
        if a is None or b is None:
            continue
        row = {"src": a, "dst": b, "decision": d.id, "by": d.by, "at": d.at, "why": d.why, "claim": d.claim}
        (same if d.kind == "SAME_AS" else different).append(row)
    schema = pa.schema([(c, _S) for c in ("src", "dst", "decision", "by", "at", "why", "claim")])
    store.insert_rows("same_as", same, schema)
    store.insert_rows("not_same_as", different, schema)


def _holder(anchors: frozenset[str], holders: dict[str, set[str]]) -> str | None:
    counts: Counter[str] = Counter()
    for a in anchors:
        for r in holders.get(a, ()):
            counts[r] += 1
    if not counts:
        return None
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
