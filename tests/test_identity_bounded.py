"""Identity in bounded mode: a batch re-clusters its slots with their candidates, not whole name blocks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver

from kg import db, store
from kg.config import Settings
from kg.identity import (
    Mention,
    SlotContext,
    id_token,
    identity_keys,
    probe_query,
    slot_tokens,
    unify_mentions,
)
from kg.models import AuthorRef, Provenance, SourceName, WorkRecord
from tests.graph_fingerprint import diff, fingerprint

# ---- pure code ------------------------------------------------------------------------------------------


def _ctx(name: str, coauthors: list[str], openalex: str | None = None) -> SlotContext:
    slot = unify_mentions("w1", [Mention(source="openalex", name=name, position=1, openalex=openalex)])[0]
    return SlotContext(
        slot=slot,
        work_ids={"w1"},
        coauthors={f"{c.split()[-1].lower()}|{c[0].lower()}": c for c in coauthors},
        topics={},
        venue="Graphs",
        year=2020,
    )


def test_a_probe_asks_for_shared_evidence_from_researchers_free_of_the_slots_strong_id_kinds() -> None:
    c = _ctx("Xiang Song", ["George Karypis"], openalex="A1")
    q = probe_query(c)
    assert q is not None
    tokens = slot_tokens(c)
    assert len(tokens) == 2  # the co-author and the venue
    assert q == "+(" + " ".join(tokens) + ") +no_openalex"
    # a name-only slot asks for any researcher sharing its evidence
    assert probe_query(_ctx("Xiang Song", ["George Karypis"])) == "+(" + " ".join(tokens) + ")"


def test_identity_keys_hold_the_feature_tokens_the_strong_ids_and_the_kinds_of_strong_id_a_researcher_lacks() -> (
    None
):
    c = _ctx("Xiang Song", ["George Karypis"], openalex="A1")
    keys = identity_keys([c], {"openalex": ["A1"], "src": ["csv:7"]}).split()
    assert keys == sorted(
        [*slot_tokens(c), id_token("openalex:A1"), id_token("csv:7"), "no_orcid", "no_profile"]
    )
    assert id_token("openalex:A1") != id_token("openalex:A2")


def test_unify_mentions_of_a_thousand_author_work_keeps_one_slot_per_author_and_joins_spellings() -> None:
    names = [f"Author{i:04d} Family{i:04d}" for i in range(1000)]
    first = [
        Mention(source="openalex", name=n, position=i + 1, openalex=f"A{i}") for i, n in enumerate(names)
    ]
    # a listing spells a few of them with initials, at the same positions, without ids
    listing = [
        Mention(source="arxiv-listing", name=f"A. Family{i:04d}", position=i + 1) for i in (0, 499, 999)
    ]
    slots = unify_mentions("w", first + listing)
    assert len(slots) == 1000
    by_pos = {s.position: s for s in slots}
    assert by_pos[500].names == ["A. Family0499", "Author0499 Family0499"]
    assert by_pos[500].strong("openalex") == {"A499"}
    assert by_pos[2].names == ["Author0001 Family0001"]


# ---- against the real Neo4j ------------------------------------------------------------------------------


def _work(source: SourceName, title: str, authors: list[tuple[str, str | None]], line: int = 1) -> WorkRecord:
    return WorkRecord(
        prov=Provenance(source=source, file=f"{source}.jsonl", line=line, record_id=title),
        title=title,
        year=2021,
        venue="Graph Learning",
        authors=[AuthorRef(name=n, position=i, openalex_id=oa) for i, (n, oa) in enumerate(authors, start=1)],
    )


def _records() -> list[Any]:
    # Three different people named (X.) Song with OpenAlex ids, each with their own co-authors; then listings that
    # name "Xiang Song" with no id: one with a co-author of A1 (that is A1), one with a stranger (nobody known).
    return [
        _work("openalex", "Distributed graph training", [("Xiang Song", "A1"), ("George Karypis", "A9")]),
        _work("openalex", "Sampling large graphs", [("Xiang Song", "A1"), ("Da Zheng", "A8")], 2),
        _work("openalex", "Quantum dots", [("Xiang Song", "A2"), ("Maria Rossi", "A7")], 3),
        _work("openalex", "Soil carbon", [("Xin Song", "A3"), ("Jan Novak", "A6")], 4),
        _work("arxiv-listing", "Partitioning for GNNs", [("Xiang Song", None), ("George Karypis", None)], 5),
        _work("arxiv-listing", "A survey of deserts", [("Xiang Song", None), ("Pat Stranger", None)], 6),
    ]


def _authored(drv: Driver, s: Settings) -> list[tuple[str, str]]:
    rows = db.run(
        drv,
        "MATCH (r:Researcher)-[:AUTHORED]->(w:Work) WHERE r.name ENDS WITH 'Song' "
        "RETURN r.id AS r, w.title AS w ORDER BY r, w",
        settings=s,
    )
    return [(r["r"], r["w"]) for r in rows]


@pytest.mark.neo4j
def test_bounded_mode_joins_a_name_only_mention_to_the_researcher_it_shares_a_coauthor_with(
    graph: Driver, neo4j_settings: Settings
) -> None:
    bounded = neo4j_settings.model_copy(update={"identity_block_limit": 0})
    recs = _records()
    # one record a batch: every later batch finds the earlier researchers only through its candidates
    store.load(graph, [("fixture", recs)], batch_size=1, settings=bounded, hooks=False)
    got = _authored(graph, bounded)
    stranger = [r for r, w in got if w == "A survey of deserts"]
    assert len(stranger) == 1 and stranger[0].startswith("name:")
    assert got == sorted(
        [
            ("openalex:A1", "Distributed graph training"),
            ("openalex:A1", "Partitioning for GNNs"),
            ("openalex:A1", "Sampling large graphs"),
            ("openalex:A2", "Quantum dots"),
            ("openalex:A3", "Soil carbon"),
            (stranger[0], "A survey of deserts"),
        ]
    )
    # the same records re-clustered whole, in one batch, give the same graph
    bounded_fp = fingerprint(graph, bounded)
    graph.execute_query("MATCH (n) DETACH DELETE n")
    whole = neo4j_settings.model_copy(update={"identity_block_limit": -1})
    store.load(graph, [("fixture", recs)], batch_size=1, settings=whole, hooks=False)
    assert diff(bounded_fp, fingerprint(graph, whole)) == "identical"


def _load_runs(drv: Driver, s: Settings) -> dict[str, str]:
    rows = db.run(drv, "MATCH (r:Researcher) RETURN r.id AS id, r.load_run AS run", settings=s)
    return {r["id"]: r["run"] for r in rows}


@pytest.mark.neo4j
def test_a_batch_does_not_rewrite_the_researchers_it_leaves_unchanged(
    graph: Driver, neo4j_settings: Settings
) -> None:
    s = neo4j_settings.model_copy(update={"identity_block_limit": 0})
    recs = _records()
    first = store.load(graph, [("fixture", recs[:4])], settings=s, hooks=False)
    second = store.load(graph, [("fixture", recs[4:])], settings=s, hooks=False)
    runs = _load_runs(graph, s)
    # A1 gained a work in the second load; A2, A3 and their co-authors did not
    assert runs["openalex:A1"] == second.run_id
    assert {runs[x] for x in ("openalex:A2", "openalex:A3", "openalex:A7", "openalex:A6")} == {first.run_id}
    # loading the second part again changes nothing and writes no researcher
    third = store.load(graph, [("fixture", recs[4:])], settings=s, hooks=False)
    assert third.written["Researcher"] == 0
    assert _load_runs(graph, s) == runs


@pytest.mark.neo4j
def test_bounded_and_whole_block_resolution_give_the_same_graph_on_the_shared_data(
    graph: Driver, neo4j_settings: Settings, shared_data: Path, tmp_path: Path
) -> None:
    import loaders

    files = [
        str(p) for p in sorted(shared_data.rglob("*")) if p.is_file() and not p.name.startswith("SOURCE")
    ]
    prints = []
    for limit in (-1, 0):
        graph.execute_query("MATCH (n) DETACH DELETE n")
        s = neo4j_settings.model_copy(update={"identity_block_limit": limit})
        store.load(
            graph,
            [(p, loaders.iter_records([p])) for p in files],
            batch_size=200,
            settings=s,
            hooks=False,
            rejects_path=str(
                tmp_path / f"rejects-{limit}.jsonl"
            ),  # the shared data holds an arXiv error feed
        )
        prints.append(fingerprint(graph, s))
    assert len(prints[0]["nodes"]) > 2000
    assert diff(prints[0], prints[1]) == "identical"


@pytest.mark.neo4j
def test_appending_to_researchers_by_their_ids_gives_the_graph_whole_re_clustering_gives(
    graph: Driver, neo4j_settings: Settings, tmp_path: Path
) -> None:
    # A synthetic corpus whose authors all carry ids and write under two spellings ("Ali Hernandez", "A. Hernandez"),
    # loaded in small batches: most slots are appended to researchers found by their ids, without re-reading them.
    import loaders
    from kg.synth import SynthParams, generate

    bundle = tmp_path / "bundle"
    generate(SynthParams(works=400, seed=5), bundle)
    prints = []
    for limit in (-1, 0):
        graph.execute_query("MATCH (n) DETACH DELETE n")
        s = neo4j_settings.model_copy(update={"identity_block_limit": limit})
        store.STATEMENT_SECONDS.pop("load/authorship_affiliations", None)
        store.load(
            graph, [(str(bundle), loaders.iter_records([bundle]))], batch_size=25, settings=s, hooks=False
        )
        prints.append(fingerprint(graph, s))
        # the append path ran (it reads the appended researchers' affiliations) only in bounded mode
        assert ("load/authorship_affiliations" in store.STATEMENT_SECONDS) == (limit == 0)
    renamed = db.run(
        graph,
        "MATCH (r:Researcher) WHERE size(r.aliases) > 0 AND r.mention_count > 1 RETURN count(r) AS n",
        settings=neo4j_settings,
    )
    assert renamed[0]["n"] > 20  # researchers that were appended to under another spelling
    assert diff(prints[0], prints[1]) == "identical"
