"""Topic assignment and researcher topic profiles computed before a bulk import, as rows the import writes.

On the bulk path the graph will be exactly the stage's resolved tables, so the derive step needs nothing from Neo4j:
it runs here, between resolve and export, and leaves temporary tables in the stage connection that
kg.write.bulk.export_csv writes as import CSVs (`BULK_TABLES`). The graph they give is the one the derive on the
imported graph writes through Cypher (kg.pipeline.derive_topics, tests/test_topics_bulk.py compares them):

- Topic nodes and PART_OF: the stage's, with the taxonomy merged in as kg.topics.ensure_topic_nodes merges it
  (write/topic_merge: the taxonomy sets name, scheme and level, its keywords when it has any, adds its scheme to
  sources; topics/part_of: a taxonomy node keeps only the PART_OF edge to its taxonomy parent), unless the stage
  already holds the whole taxonomy (then, as there, nothing is merged);
- the assigned HAS_TOPIC edges {score, method, evidence} and every pending work's keyphrases (topics/write_assigned),
  the model fed by kg.derive.topic_input in the same batches, each batch recorded in `assigned_topic`;
- WORKS_ON {weight, works, top_works} from kg.derive.topic_profiles over source + assigned topics.

The import tool writes no empty list (an empty array cell is no property), while Cypher stores `[]`: the few empty
keyphrase, keyword and evidence lists are returned (`EmptyLists`) for one small statement after the import.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb

from kg.config import Settings
from kg.derive import topic_input, topic_profiles
from kg.taxonomy import Taxonomy, default_path, read_taxonomy
from kg.write.bulk import Derived

SCHEME = "openalex"

# the temporary tables this module leaves for the export, and what they stand for in the graph
TOPIC, PART_OF, KEYPHRASES, ASSIGNED, WORKS_ON = (
    "bulk_topic",
    "bulk_part_of",
    "bulk_keyphrases",
    "bulk_assigned",
    "bulk_works_on",
)
BULK_TABLES = (TOPIC, PART_OF, KEYPHRASES, ASSIGNED, WORKS_ON, "bulk_tax")

_TABLES = f"""
CREATE OR REPLACE TEMP TABLE {KEYPHRASES} (id VARCHAR, keyphrases VARCHAR[]);
CREATE OR REPLACE TEMP TABLE {ASSIGNED} (src VARCHAR, dst VARCHAR, score DOUBLE, method VARCHAR, evidence VARCHAR[]);
CREATE OR REPLACE TEMP TABLE {WORKS_ON} (src VARCHAR, dst VARCHAR, weight DOUBLE, works BIGINT, top_works BIGINT);
CREATE OR REPLACE TEMP TABLE bulk_tax (
    id VARCHAR, name VARCHAR, scheme VARCHAR, level VARCHAR, keywords VARCHAR[], parent VARCHAR
);
"""

# how many taxonomy nodes the stage holds with the parent the taxonomy gives them (topics/taxonomy_held)
_HELD = """
SELECT count(*) FROM bulk_tax x JOIN topic t ON t.id = x.id
WHERE x.parent IS NULL
   OR EXISTS (SELECT 1 FROM part_of p JOIN topic q ON q.id = p.dst WHERE p.src = x.id AND p.dst = x.parent)
"""

# write/topic_merge with authoritative rows over the stage's topics (a keyword list the graph lacks: the import
# wrote none for an empty one, so the taxonomy's list, empty or not, is set)
_MERGED_TOPICS = f"""
CREATE OR REPLACE TEMP TABLE {TOPIC} AS
SELECT coalesce(x.id, t.id) AS id,
       CASE WHEN x.id IS NULL THEN t.name ELSE coalesce(x.name, t.name) END AS name,
       CASE WHEN x.id IS NULL THEN t.scheme ELSE coalesce(x.scheme, t.scheme) END AS scheme,
       CASE WHEN x.id IS NULL THEN t.level ELSE coalesce(x.level, t.level) END AS level,
       CASE WHEN x.id IS NULL THEN t.keywords
            WHEN len(x.keywords) > 0 OR coalesce(len(t.keywords), 0) = 0 THEN x.keywords
            ELSE t.keywords END AS keywords,
       CASE WHEN x.id IS NULL THEN t.sources
            ELSE list_sort(list_distinct(coalesce(t.sources, []::VARCHAR[]) || [x.scheme])) END AS sources,
       t.record_refs AS record_refs,
       t.authoritative AS authoritative
FROM topic t FULL OUTER JOIN bulk_tax x ON x.id = t.id
"""

# topics/part_of: a taxonomy node's PART_OF edges to any other parent go, the edge to its parent is merged (a new
# one has no properties)
_MERGED_PART_OF = f"""
CREATE OR REPLACE TEMP TABLE {PART_OF} AS
SELECT p.src, p.dst, p.source, p.record_refs FROM part_of p LEFT JOIN bulk_tax x ON x.id = p.src
WHERE x.id IS NULL OR p.dst = x.parent
UNION ALL
SELECT x.id, x.parent, NULL, NULL FROM bulk_tax x
WHERE x.parent IS NOT NULL AND NOT EXISTS (SELECT 1 FROM part_of p WHERE p.src = x.id AND p.dst = x.parent)
"""


@dataclass
class EmptyLists:
    """Empty lists the Cypher derive stores and the import cannot (topics/bulk_empty_lists writes them)."""

    works: list[str] = field(default_factory=list)  # keyphrases = []
    topics: list[str] = field(default_factory=list)  # keywords = []
    edges: list[dict[str, str]] = field(default_factory=list)  # assigned HAS_TOPIC {src, dst}: evidence = []

    def __len__(self) -> int:
        return len(self.works) + len(self.topics) + len(self.edges)


@dataclass
class TopicBulk:
    derived: Derived
    empty: EmptyLists
    method: str = ""
    works: int = 0  # works given keyphrases (every pending work)
    assigned: int = 0  # works that got topics
    edges: int = 0  # assigned HAS_TOPIC edges
    profiles: int = 0  # researchers with a WORKS_ON edge
    works_on: int = 0
    taxonomy_merged: bool = False
    seconds: dict[str, float] = field(default_factory=dict)


def derive(
    con: duckdb.DuckDBPyConnection,
    s: Settings,
    works: Sequence[str],
    researchers: Sequence[str],
    *,
    topics_mod: Any,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> TopicBulk:
    """Compute the pending works' topics and keyphrases and the pending researchers' profiles into the temporary
    tables (`assigned_topic` holds the assigned topics afterwards, as after the Cypher derive). `topics_mod` is
    kg.topics (passed in: the pipeline imports it only when derive runs)."""
    progress = on_progress or (lambda _s, _d, _t: None)
    seconds: dict[str, float] = {}
    t = time.monotonic()
    con.execute(_TABLES)
    merged = _merge_taxonomy(con, read_taxonomy(default_path(s)))
    levels = _scheme_levels(con, TOPIC if merged else "topic")
    seconds["taxonomy"] = time.monotonic() - t

    t = time.monotonic()
    out = TopicBulk(derived=_derived(merged), empty=EmptyLists(), taxonomy_merged=merged)
    topic_profiles.reset(con)
    if works:
        assigner = topics_mod.get_assigner(s)
        out.method = assigner.method
        reader = topic_input.StageTopicInput(con, levels, topics_mod.CONTEXT_LIMIT)
        try:
            for batch in _chunks(works, max(1, s.derive_batch_size)):
                rows, n = topics_mod.assigned_rows(reader.rows(batch), assigner)
                out.assigned += n
                out.works += len(rows)
                topic_profiles.record_assigned(con, rows)
                _add_assigned(con, rows, assigner.method)
                progress("assign topics", out.works, len(works))
        finally:
            reader.close()
    seconds["assign"] = time.monotonic() - t

    t = time.monotonic()
    if researchers:
        topic_input.load_levels(con, levels)
        try:
            profiles = topic_profiles.profile_rows(con, researchers)
        finally:
            topic_input.drop_levels(con)
        _add_works_on(con, profiles)
        out.profiles = sum(1 for r in profiles if r["topics"])
    seconds["profiles"] = time.monotonic() - t
    out.edges = int(_scalar(con, f"SELECT count(*) FROM {ASSIGNED}"))
    out.works_on = int(_scalar(con, f"SELECT count(*) FROM {WORKS_ON}"))
    out.empty = _empty_lists(con, merged)
    out.seconds = seconds
    return out


def drop(con: duckdb.DuckDBPyConnection) -> None:
    for table in BULK_TABLES:
        con.execute(f"DROP TABLE IF EXISTS {table}")


def _derived(merged: bool) -> Derived:
    return Derived(
        replaced={"topic": TOPIC, "part_of": PART_OF} if merged else {},
        node_props={"Work": (KEYPHRASES, "keyphrases")},
        rels={
            "HAS_TOPIC": (ASSIGNED, "Work", "Topic", ("score", "method", "evidence")),
            "WORKS_ON": (WORKS_ON, "Researcher", "Topic", ("weight", "works", "top_works")),
        },
    )


def _merge_taxonomy(con: duckdb.DuckDBPyConnection, tax: Taxonomy) -> bool:
    """bulk_topic and bulk_part_of: the stage's topics with the taxonomy merged in; False (and neither table)
    when the stage holds the whole taxonomy already, as ensure_topic_nodes then loads nothing."""
    nodes = list(tax.nodes.values())
    con.execute(
        "INSERT INTO bulk_tax SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), "
        "unnest(?::VARCHAR[]), unnest(?::VARCHAR[][]), unnest(?::VARCHAR[])",
        [
            [n.id for n in nodes],
            [n.name for n in nodes],
            [n.scheme for n in nodes],
            [n.level for n in nodes],
            [list(n.keywords) for n in nodes],
            [n.parent for n in nodes],
        ],
    )
    if int(_scalar(con, _HELD)) >= len(nodes):
        return False
    con.execute(_MERGED_TOPICS)
    con.execute(_MERGED_PART_OF)
    return True


def _scheme_levels(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str | None]]:
    """(id, level) of the topics of the scheme as the imported graph will hold them (topics/scheme_topics)."""
    rows = con.execute(f"SELECT id, level FROM {table} WHERE scheme = ? ORDER BY id", [SCHEME]).fetchall()
    return [(str(r[0]), r[1]) for r in rows]


def _add_assigned(con: duckdb.DuckDBPyConnection, rows: Sequence[dict[str, Any]], method: str) -> None:
    con.execute(
        f"INSERT INTO {KEYPHRASES} SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[][])",
        [[r["id"] for r in rows], [list(r["keyphrases"]) for r in rows]],
    )
    edges = [(r["id"], t) for r in rows for t in r["topics"]]
    if edges:
        con.execute(
            f"INSERT INTO {ASSIGNED} SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::DOUBLE[]), ?, "
            "unnest(?::VARCHAR[][])",
            [
                [w for w, _ in edges],
                [t["id"] for _, t in edges],
                [t["score"] for _, t in edges],
                method,
                [list(t["evidence"]) for _, t in edges],
            ],
        )


def _add_works_on(con: duckdb.DuckDBPyConnection, profiles: Sequence[dict[str, Any]]) -> None:
    edges = [(r["id"], t) for r in profiles for t in r["topics"]]
    for part in _chunks(edges, 200_000):
        con.execute(
            f"INSERT INTO {WORKS_ON} SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::DOUBLE[]), "
            "unnest(?::BIGINT[]), unnest(?::BIGINT[])",
            [
                [r for r, _ in part],
                [t["id"] for _, t in part],
                [t["weight"] for _, t in part],
                [t["works"] for _, t in part],
                [t["top_works"] for _, t in part],
            ],
        )


def _empty_lists(con: duckdb.DuckDBPyConnection, merged: bool) -> EmptyLists:
    out = EmptyLists()
    out.works = [
        r[0] for r in con.execute(f"SELECT id FROM {KEYPHRASES} WHERE len(keyphrases) = 0").fetchall()
    ]
    out.edges = [
        {"src": r[0], "dst": r[1]}
        for r in con.execute(f"SELECT src, dst FROM {ASSIGNED} WHERE len(evidence) = 0").fetchall()
    ]
    if merged:  # a taxonomy node whose keywords the merge set to an empty list
        out.topics = [
            r[0]
            for r in con.execute(
                f"SELECT b.id FROM {TOPIC} b JOIN bulk_tax x ON x.id = b.id WHERE len(b.keywords) = 0"
            ).fetchall()
        ]
    return out


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    row = con.execute(sql).fetchone()
    return row[0] if row else 0


def _chunks(seq: Sequence[Any], n: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]
