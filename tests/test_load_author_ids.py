"""The CSV bundle's author_id and institution_id are the user's own identities for people and places."""

from __future__ import annotations

from pathlib import Path

import pytest
from neo4j import Driver

from kg import graphdb, pipeline
from kg.config import Settings
from kg.identity import Mention, Slot, SlotContext, cluster_block
from kg.normalize import block_key

BUNDLE = Path(__file__).parent / "data" / "load" / "author_ids"


def _ctx(work: str, name: str, coauthors: list[str], src: str | None) -> SlotContext:
    m = Mention(source="csv", name=name, position=1, src_id=src, institutions=("csv:aei",))
    return SlotContext(
        slot=Slot(work_id=work, mentions=[m]),
        work_ids={work},
        coauthors={block_key(c): c for c in coauthors},
        topics={},
        venue="Scientific Memoirs",
        year=1843,
    )


def test_two_author_ids_are_never_joined_and_one_author_id_joins_its_spellings() -> None:
    slots = [
        _ctx("w1", "Ada Lovelace", ["Charles Babbage"], "csv:ada-1"),
        _ctx("w2", "Ada Lovelace", ["Charles Babbage"], "csv:ada-2"),  # every piece of evidence, another id
        _ctx("w3", "A. Lovelace", [], "csv:ada-1"),  # no evidence at all, the same id
        _ctx("w4", "Ada Lovelace", ["Charles Babbage"], None),  # no id: evidence may join it to one of them
    ]
    clusters = cluster_block(slots)
    by_id = {c.id: sorted(m.slot.work_id for m in c.members) for c in clusters}
    assert set(by_id) == {"csv:ada-1", "csv:ada-2"}
    assert by_id["csv:ada-1"][:2] == ["w1", "w3"] and "w2" in by_id["csv:ada-2"]
    assert sorted(w for ws in by_id.values() for w in ws) == ["w1", "w2", "w3", "w4"]
    assert {c.method for c in clusters} == {"source-id"}


def _people(drv: Driver, s: Settings) -> list[dict[str, object]]:
    return graphdb.run(
        drv,
        "MATCH (r:Researcher)-[:AUTHORED]->(w:Work) WITH r, w ORDER BY w.title "
        "RETURN r.id AS id, r.name AS name, coalesce(r.aliases, []) AS aliases, r.identity_method AS method, "
        "collect(w.title) AS works ORDER BY id",
        settings=s,
    )


def _places(drv: Driver, s: Settings) -> list[dict[str, object]]:
    return graphdb.run(
        drv,
        "MATCH (r:Researcher)-[:AFFILIATED_WITH]->(i:Institution) "
        "RETURN i.id AS id, i.name AS name, collect(r.id) AS people ORDER BY id",
        settings=s,
    )


EXPECTED_PEOPLE = [
    {
        "id": "csv:ada-1",
        "name": "Ada Lovelace",
        "aliases": ["A. Lovelace", "Lovelace, Ada"],
        "method": "source-id",
        "works": [
            "A calculus of the nervous system",
            "Bernoulli numbers by machine",
            "Notes on the difference engine",
        ],
    },
    {
        "id": "csv:ada-2",
        "name": "Ada Lovelace",
        "aliases": [],
        "method": "source-id",
        "works": ["Weaving algebraic patterns"],
    },
    {
        "id": "csv:cb",
        "name": "Charles Babbage",
        "aliases": [],
        "method": "source-id",
        "works": ["Notes on the difference engine", "Weaving algebraic patterns"],
    },
]
EXPECTED_PLACES = [
    {"id": "csv:aei-london", "name": "Analytical Engine Institute", "people": ["csv:ada-1"]},
    {"id": "csv:aei-turin", "name": "Analytical Engine Institute", "people": ["csv:ada-2"]},
]


@pytest.mark.neo4j
@pytest.mark.parametrize("batch_size", [1, 50])
def test_a_bundle_with_author_ids_gives_one_researcher_per_author_id(
    graph: Driver, neo4j_settings: Settings, batch_size: int
) -> None:
    from kg.sources import parsers

    s = neo4j_settings
    summary = pipeline.load(
        graph,
        [(str(BUNDLE), parsers.iter_records([str(BUNDLE)]))],
        batch_size=batch_size,
        settings=s,
        derive=False,
    )
    assert (summary.loaded, summary.rejected) == (4, 0)
    assert _people(graph, s) == EXPECTED_PEOPLE
    assert _places(graph, s) == EXPECTED_PLACES
    # a reload changes nothing, and the load locks leave no node behind
    pipeline.load(
        graph, [(str(BUNDLE), parsers.iter_records([str(BUNDLE)]))], batch_size=2, settings=s, derive=False
    )
    assert _people(graph, s) == EXPECTED_PEOPLE
    assert graphdb.run(graph, "MATCH (l:_Lock) RETURN count(l) AS n", settings=s) == [{"n": 0}]
