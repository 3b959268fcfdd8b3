"""The rest of the resolved graph, in SQL over the stage: authorships, affiliations, institutions, topics, topic
hierarchy, citations and curated decisions. Each table is rebuilt whole from the resolved works and researchers
(a few seconds at a million works), so it is always exactly a function of what is staged."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Any

import pyarrow as pa

from kg.identity import name_key
from kg.models import InstitutionRecord, ResearcherRecord, TopicRecord
from kg.resolve import rows as rowmod
from kg.resolve.researchers import load_decisions
from kg.stage.store import StageStore

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
_AUTHORED_COLUMNS = """
cs.researcher, s.work_id, s.position, s.name, s.names, s.source, s.sources, cs.confidence, s.institutions, s.block,
w.record_refs
"""
_AUTHORED_JOIN = (
    "JOIN slot s ON s.key = cs.slot_key AND s.work_id = cs.work_id JOIN work w ON w.id = s.work_id"
)
_AUTHORED_SQL = f"""
INSERT INTO authored
WITH two AS (SELECT researcher, work_id FROM cluster_slot GROUP BY ALL HAVING count(*) > 1)
SELECT {_AUTHORED_COLUMNS}
FROM (
    SELECT * FROM cluster_slot c ANTI JOIN two
    ON two.researcher IS NOT DISTINCT FROM c.researcher AND two.work_id IS NOT DISTINCT FROM c.work_id
) cs
{_AUTHORED_JOIN}
UNION ALL
SELECT {_AUTHORED_COLUMNS}
FROM (
    SELECT * FROM cluster_slot c SEMI JOIN two
    ON two.researcher IS NOT DISTINCT FROM c.researcher AND two.work_id IS NOT DISTINCT FROM c.work_id
) cs
{_AUTHORED_JOIN}
QUALIFY row_number() OVER (PARTITION BY cs.researcher, s.work_id ORDER BY s.position NULLS LAST, s.key) = 1
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


def build_graph_tables(store: StageStore) -> None:
    """Rebuild authored, affiliated, institution, topic, has_topic, part_of, cites, same_as and not_same_as."""
    con = store.con
    con.execute(_PROFILE_AFF_DDL)
    with store.transaction():
        con.execute("DELETE FROM authored")
        con.execute(_AUTHORED_SQL)
        con.execute("DELETE FROM affiliated")
        _insert_by_parts(
            store,
            """
            SELECT cs.researcher, inst, w.year, s.raw_affiliations[1] AS raw_affiliation, w.record_refs
            FROM cluster_slot cs JOIN slot s ON s.key = cs.slot_key AND s.work_id = cs.work_id
            JOIN work w ON w.id = s.work_id, unnest(s.institutions) AS u(inst)
            """,
            "researcher",
            """
            INSERT INTO affiliated
            SELECT researcher, inst, list_sort(list_distinct(list(year) FILTER (WHERE year IS NOT NULL))),
                   'authorships', min(raw_affiliation), first_refs(flatten(list(record_refs)))
            FROM {rows}
            GROUP BY researcher, inst
            UNION ALL
            SELECT t.researcher, p.institution, []::INTEGER[], p.source, min(p.raw_affiliation), first_refs(list(p.ref))
            FROM profile_affiliation_src p JOIN record_target t USING (rec)
            WHERE hash(t.researcher) % $parts = $part
            GROUP BY t.researcher, p.institution, p.source
            """,
            int(store.scalar("SELECT sum(len(institutions)) FROM slot") or 0),
        )
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
        con.execute("DELETE FROM has_topic")
        con.execute(
            """
            INSERT INTO has_topic
            SELECT work_id, topic, max(score), 'source', min(source), min(source), first_refs(list(ref))
            FROM work_topic_src GROUP BY work_id, topic
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
        con.execute("DELETE FROM cites")
        con.execute(
            """
            INSERT INTO cites
            WITH ids AS (SELECT id AS work_id, unnest(ids) AS x FROM work)
            SELECT r.work_id, ids.work_id, min(r.source), any_value(w.record_refs)
            FROM work_ref_src r JOIN ids ON ids.x = r.ref JOIN work w ON w.id = r.work_id
            WHERE ids.work_id <> r.work_id
            GROUP BY r.work_id, ids.work_id
            """
        )
        _decision_edges(store)


def _insert_by_parts(store: StageStore, rows_sql: str, key: str, insert_sql: str, rows: int) -> None:
    """An INSERT … SELECT … FROM {rows} GROUP BY (its groups keyed by the column `key` of `rows_sql`) run a hash
    partition of its groups at a time, as many parts as its `rows` input rows need to fit the memory limit
    (StageStore.parts_for). Its list aggregates (lists of refs, sources, years) hold their state in memory, which
    DuckDB cannot spill; a part holds every row of its groups, so the rows are those one statement gives.

    The input rows are computed once into a temp table sorted by part (a plain table, which DuckDB spills), and
    each part reads its own blocks of it: computing them again for every part (the joins, every row hashed) made
    the cost grow with the square of the corpus (parts grow with it), 70 % of the graph tables at 1M works.
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
        f"SELECT hash({key}) % $parts AS part, * FROM ({rows_sql})",
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
