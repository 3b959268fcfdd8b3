"""Researcher topic profiles (WORKS_ON) computed from the stage: the semantics of cypher/topics/refresh_works_on.cypher
over the stage's source `has_topic`, the assigned topics the load wrote (recorded here in `assigned_topic`) and
`authored`, written by a write-only statement (cypher/topics/write_works_on.cypher).

Per researcher, each authored work spreads one unit over its topics of the scheme (source and assigned, any level)
in proportion to the scores (a missing score counts 0; equal shares when the scores add to 0), summed in the order
the Cypher sums them (works by id; a work's topics by score descending, then id); weight = that sum rounded to 4
places as Neo4j's round() does (half up on the shortest decimal form), works = works with the topic, top_works =
works whose first topic it is. Python does the arithmetic (not SQL) so the floating-point sums are the Cypher's.

`assigned_topic` mirrors the graph's assigned HAS_TOPIC edges only while every assignment on the graph went through
this stage's loads: the meta key RECORDED says so (set when the stage writes an empty graph, removed when the graph
holds another writer's data), and `recorded_matches_graph` checks the count and score sum against the graph before
the table is trusted (a `kg topics assign` on the graph changes them without the stage knowing).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby
from typing import Any

import duckdb

RECORDED = "assigned_topics_recorded"

_DDL = "CREATE TABLE IF NOT EXISTS assigned_topic (work VARCHAR, topic VARCHAR, score DOUBLE)"

_HITS = """
WITH r AS (SELECT DISTINCT unnest(?::VARCHAR[]) AS id),
aw AS (
    SELECT DISTINCT a.src AS r, a.dst AS w FROM authored a
    JOIN r ON r.id = a.src JOIN work ON work.id = a.dst JOIN researcher ON researcher.id = a.src
),
hits AS (
    SELECT DISTINCT h.src AS w, h.dst AS t, coalesce(h.score, 0.0) AS score FROM has_topic h
    JOIN topic_ctx_level l ON l.id = h.dst WHERE h.src IN (SELECT w FROM aw)
    UNION ALL
    SELECT d.work, d.topic, coalesce(d.score, 0.0) FROM assigned_topic d
    JOIN topic_ctx_level l ON l.id = d.topic WHERE d.work IN (SELECT w FROM aw)
)
SELECT aw.r, aw.w, h.t, h.score FROM aw JOIN hits h ON h.w = aw.w
ORDER BY aw.r, aw.w, h.score DESC, h.t
"""


def create_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_DDL)


def reset(con: duckdb.DuckDBPyConnection) -> None:
    """The graph was just written empty by this stage: it holds no assigned topics."""
    create_table(con)
    con.execute("DELETE FROM assigned_topic")


def record_assigned(con: duckdb.DuckDBPyConnection, rows: Sequence[dict[str, Any]]) -> None:
    """Mirror a `topics/write_assigned` batch: the works' assigned topics are replaced by the batch's."""
    create_table(con)
    ids = [r["id"] for r in rows]
    works = [r["id"] for r in rows for _ in r["topics"]]
    topics = [t["id"] for r in rows for t in r["topics"]]
    scores = [t["score"] for r in rows for t in r["topics"]]
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM assigned_topic WHERE work IN (SELECT unnest(?::VARCHAR[]))", [ids])
        con.execute(
            "INSERT INTO assigned_topic SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::DOUBLE[])",
            [works, topics, scores],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def recorded_totals(con: duckdb.DuckDBPyConnection) -> tuple[int, float]:
    create_table(con)
    n, total = con.execute("SELECT count(*), coalesce(sum(score), 0.0) FROM assigned_topic").fetchone() or (
        0,
        0.0,
    )
    return int(n), float(total)


def recorded_matches_graph(con: duckdb.DuckDBPyConnection, graph_count: int, graph_sum: float) -> bool:
    n, total = recorded_totals(con)
    return n == graph_count and math.isclose(total, graph_sum, rel_tol=1e-9, abs_tol=1e-6)


def neo4j_round(x: float, places: int = 4) -> float:
    """Neo4j's round(x, places): half up on the shortest decimal form of the double."""
    return float(Decimal(repr(x)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def profile_rows(con: duckdb.DuckDBPyConnection, researcher_ids: Sequence[str]) -> list[dict[str, Any]]:
    """`topics/write_works_on` rows for the researchers (every one, an empty topic list for no profile). Needs the
    temporary `topic_ctx_level` table (kg.derive.topic_input: the graph's topics of the scheme)."""
    create_table(con)
    cur = con.execute(_HITS, [list(researcher_ids)])
    out: dict[str, list[dict[str, Any]]] = {rid: [] for rid in researcher_ids}
    for rid, rows in groupby(_fetch(cur), key=lambda x: x[0]):
        weight: dict[str, float] = {}
        works: dict[str, int] = {}
        top: dict[str, int] = {}
        for _w, hits_iter in groupby(rows, key=lambda x: x[1]):
            hits = [(t, score) for _r, _w2, t, score in hits_iter]
            total = 0.0
            for _t, score in hits:
                total = total + score
            for i, (t, score) in enumerate(hits):
                share = score / total if total > 0 else 1.0 / len(hits)
                weight[t] = weight.get(t, 0) + share
                works[t] = works.get(t, 0) + 1
                top[t] = top.get(t, 0) + (1 if i == 0 else 0)
        out[rid] = [
            {"id": t, "weight": neo4j_round(w), "works": works[t], "top_works": top[t]}
            for t, w in weight.items()
        ]
    return [{"id": rid, "topics": topics} for rid, topics in out.items()]


def _fetch(cur: duckdb.DuckDBPyConnection, size: int = 100_000) -> Iterator[tuple[Any, ...]]:
    while True:
        chunk = cur.fetchmany(size)
        if not chunk:
            return
        yield from chunk
