"""Topic assignment's input read from the stage's resolved tables in SQL: the rows `topics/works_to_assign` reads.

When the graph carries the stage's last write, its works, CITES, AUTHORED and source HAS_TOPIC edges are the
stage's `work`, `cites`, `authored` and `has_topic` rows, so the text and context of the works to assign come from
DuckDB instead of per-work graph expansions. The shape and order are those of cypher/topics/works_to_assign.cypher:
per work its text, `has_source` (a source topic of the scheme, any level), up to `limit` cited works that have
source topics of the scheme at level "topic", ordered by id, each with its best three (score descending, a missing
score first as Neo4j orders it, then topic id); per author (ordered by id), up to `limit` of their other works with
such topics, same shape. A topic's scheme and level are the graph's (`scheme_levels`): the taxonomy load can fill a
level the records left empty. tests/test_topics_stage.py checks the assigned topics equal the graph path's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

SOURCE_METHOD = "source"
TOPIC_LEVEL = "topic"

# per work with source topics at level "topic": its best three (the context a cited or co-authored work gives)
_CONTEXT_TOPICS = """
CREATE OR REPLACE TEMP TABLE topic_ctx_work AS
SELECT h.src AS id, list(h.dst ORDER BY h.score DESC NULLS FIRST, h.dst)[1:3] AS topics
FROM (SELECT DISTINCT src, dst, score FROM has_topic WHERE method = ?) h
JOIN topic_ctx_level l ON l.id = h.dst AND l.level = ?
JOIN work w ON w.id = h.src
GROUP BY h.src
"""

# per researcher: their first limit + 1 context works by id (one may be the work being assigned, left out later)
_CONTEXT_AUTHORS = """
CREATE OR REPLACE TEMP TABLE topic_ctx_author AS
SELECT a.src AS id, list({'id': a.dst, 'topics': x.topics} ORDER BY a.dst)[1:?] AS works
FROM (SELECT DISTINCT src, dst FROM authored) a
JOIN topic_ctx_work x ON x.id = a.dst
GROUP BY a.src
"""

_ROWS = """
WITH b AS (SELECT DISTINCT unnest(?::VARCHAR[]) AS id),
cited AS (
    SELECT c.src AS id, list({'id': c.dst, 'topics': x.topics} ORDER BY c.dst)[1:?] AS cited
    FROM (SELECT DISTINCT src, dst FROM cites WHERE src IN (SELECT id FROM b)) c
    JOIN topic_ctx_work x ON x.id = c.dst
    GROUP BY c.src
),
authors AS (
    SELECT a.dst AS id,
           list({'id': a.src,
                 'works': coalesce(list_filter(ca.works, lambda o: o.id <> a.dst)[1:?], [])} ORDER BY a.src)
               AS authors
    FROM (SELECT DISTINCT src, dst FROM authored WHERE dst IN (SELECT id FROM b)) a
    JOIN researcher r ON r.id = a.src
    LEFT JOIN topic_ctx_author ca ON ca.id = a.src
    GROUP BY a.dst
),
sourced AS (
    SELECT DISTINCT h.src AS id FROM has_topic h JOIN topic_ctx_level l ON l.id = h.dst
    WHERE h.method = ? AND h.src IN (SELECT id FROM b)
)
SELECT w.id, w.title, w.abstract, w.venue, w.categories,
       coalesce(c.cited, []) AS cited, coalesce(a.authors, []) AS authors, s.id IS NOT NULL AS has_source
FROM b JOIN work w ON w.id = b.id
LEFT JOIN cited c ON c.id = w.id
LEFT JOIN authors a ON a.id = w.id
LEFT JOIN sourced s ON s.id = w.id
ORDER BY w.id
"""

_COLUMNS = ("id", "title", "abstract", "venue", "categories", "cited", "authors", "has_source")


def load_levels(con: duckdb.DuckDBPyConnection, scheme_levels: Sequence[tuple[str, str | None]]) -> None:
    """The temporary table `topic_ctx_level`: (id, level) of the graph's topics of the scheme."""
    con.execute("CREATE OR REPLACE TEMP TABLE topic_ctx_level (id VARCHAR, level VARCHAR)")
    con.execute(
        "INSERT INTO topic_ctx_level SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[])",
        [[r[0] for r in scheme_levels], [r[1] for r in scheme_levels]],
    )


def drop_levels(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DROP TABLE IF EXISTS topic_ctx_level")


class StageTopicInput:
    """Reads works' assignment rows from the stage. `scheme_levels`: (topic id, level) of every topic of the scheme
    in the graph. Build it once per derive (it prepares the per-work and per-author context as temporary tables),
    call `rows(ids)` per batch, then `close()`."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, scheme_levels: Sequence[tuple[str, str | None]], limit: int
    ) -> None:
        self.con = con
        self.limit = limit
        load_levels(con, scheme_levels)
        con.execute(_CONTEXT_TOPICS, [SOURCE_METHOD, TOPIC_LEVEL])
        con.execute(_CONTEXT_AUTHORS, [limit + 1])

    def rows(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        """The works' rows, shaped and ordered as `topics/works_to_assign` returns them (works not staged are left
        out, as the graph leaves out works it lacks)."""
        found = self.con.execute(_ROWS, [list(ids), self.limit, self.limit, SOURCE_METHOD]).fetchall()
        return [dict(zip(_COLUMNS, r, strict=True)) for r in found]

    def close(self) -> None:
        for table in ("topic_ctx_author", "topic_ctx_work", "topic_ctx_level"):
            self.con.execute(f"DROP TABLE IF EXISTS {table}")
