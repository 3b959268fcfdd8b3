"""The bulk load derives topics before the import (kg.derive.topic_bulk) and gives the graph the derive on the graph
gives: the same input bulk-loaded with derive, and loaded into the empty graph by the write path, whose derive step
writes with Cypher, end with equal graphs: every node and edge with its properties (assigned HAS_TOPIC {score,
method, evidence}, keyphrases, WORKS_ON, Topic nodes and PART_OF from the taxonomy), the same LoadRun counts and the
same record of the assigned topics in the stage; and no topic statement runs after the import but the one that
writes the empty lists the import cannot. (The write path and the bulk path give one graph without derive:
tests/test_pipeline.py.)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from kg import defaultdata, graphdb, pipeline, taxonomy, topics
from kg.config import Settings
from kg.derive import topic_profiles
from kg.sources.parsers import iter_records
from kg.stage.store import StageStore
from kg.synth import SynthParams, generate
from tests.conftest import wipe
from tests.graph_fingerprint import diff, fingerprint

SHIPPED = [defaultdata.DATA_DIR / "openalex_works.jsonl.gz", defaultdata.DATA_DIR / "arxiv_metadata.jsonl.gz"]
# the statements the derive on the graph writes with; none may run on the bulk path with derive
GRAPH_WRITERS = ("assign_for_works", "write_profiles", "refresh_researcher_topics", "ensure_topic_nodes")


def _bulk(s: Settings, files: list[Path], stage: Path, *, derive: bool) -> tuple[Any, dict[str, list[str]]]:
    """A load of the files into the emptied local Neo4j, its summary and the graph's fingerprint: with derive, a
    bulk load; without, the reference: the write path, then its derive step on the graph it wrote (an import, a
    stop and a start of Neo4j fewer than a bulk load without derive and the derive after it)."""
    records = [r for r in iter_records(files) if r.kind != "reject"]
    drv = graphdb.open_driver(s)
    try:
        wipe(drv, s)
        summary = pipeline.load(
            drv, [("sample", records)], settings=s, derive=True, bulk=derive, stage_path=stage,
            rejects_path=str(stage.with_suffix(".rejects.jsonl")),
        )  # fmt: skip
        assert summary.bulk == derive and summary.graph_is_stage
    finally:
        drv.close()
    drv = graphdb.open_driver(s)
    try:
        return summary, fingerprint(drv, s)
    finally:
        drv.close()


def _edges(fp: dict[str, list[str]], kind: str) -> list[dict[str, Any]]:
    return [e for e in map(json.loads, fp["edges"]) if e["t"] == kind]


def _recorded(stage: Path) -> list[tuple[Any, ...]]:
    st = StageStore(stage)
    try:
        return st.con.execute("SELECT work, topic, score FROM assigned_topic ORDER BY ALL").fetchall()
    finally:
        st.close()


class WithDerive(NamedTuple):
    """A bulk load with derive: the graph statements of the derive it called (none may run), its summary, the
    graph's fingerprint and its stage."""

    called: list[str]
    summary: Any
    graph: dict[str, list[str]]
    stage: Path


def _bulk_with_derive(s: Settings, files: list[Path], stage: Path) -> WithDerive:
    called: list[str] = []
    with pytest.MonkeyPatch.context() as mp:
        for name in GRAPH_WRITERS:
            mp.setattr(topics, name, lambda *a, _n=name, **k: called.append(_n))
        mp.setattr(taxonomy, "load_taxonomy", lambda *a, **k: called.append("load_taxonomy"))
        summary, graph = _bulk(s, files, stage, derive=True)
    return WithDerive(called, summary, graph, stage)


@pytest.fixture(scope="module")
def shipped_with_derive(bulk_neo4j: Settings, tmp_path_factory: pytest.TempPathFactory) -> WithDerive:
    """The shipped sample bulk-loaded with derive, once for the module: the first test compares it with the derive
    after the import, the stopped-load test with the graph a stopped load run again ends with. The same load of
    the same files gives the same graph (the first test's own equality rests on that), so it runs once, not twice."""
    return _bulk_with_derive(bulk_neo4j, SHIPPED, tmp_path_factory.mktemp("shipped") / "new.duckdb")


def _check(
    s: Settings, files: list[Path], tmp_path: Path, with_derive: WithDerive | None = None
) -> tuple[dict[str, list[str]], Any]:
    old_summary, old = _bulk(s, files, tmp_path / "old.duckdb", derive=False)
    called, new_summary, new, stage = with_derive or _bulk_with_derive(s, files, tmp_path / "new.duckdb")

    assert called == []
    assert new == old, diff(old, new)
    assert new_summary.hooks == old_summary.hooks == {"topics": "ok"}
    assert new_summary.written == old_summary.written
    assert "derive" in new_summary.stage_seconds and new_summary.derived_seconds > 0
    # the stage's record of the graph's assigned topics (what the profiles check trusts) is the same
    assert _recorded(stage) == _recorded(tmp_path / "old.duckdb")
    st = StageStore(stage)
    try:
        assert st.meta(topic_profiles.RECORDED)
        assert st.scalar("SELECT count(*) FROM pending_derive") == 0
    finally:
        st.close()
    return new, new_summary


@pytest.mark.neo4j
def test_the_shipped_sample_bulk_loaded_with_derive_equals_the_write_path_with_derive(
    bulk_neo4j: Settings, shipped_with_derive: WithDerive, tmp_path: Path
) -> None:
    graph, _summary = _check(bulk_neo4j, SHIPPED, tmp_path, shipped_with_derive)
    has_topic = _edges(graph, "HAS_TOPIC")
    assigned = [e for e in has_topic if e["method"] != "source"]
    assert assigned and all(e["evidence"] is not None and e["score"] > 0 for e in assigned)
    assert any(e["method"] == "source" for e in has_topic)
    assert _edges(graph, "WORKS_ON") and _edges(graph, "PART_OF")
    nodes = [json.loads(n) for n in graph["nodes"]]
    # every work has keyphrases; the taxonomy's topics are there, with their (possibly empty) keyword lists
    assert all("keyphrases" in n for n in nodes if "Work" in n["labels"])
    tax_topics = [n for n in nodes if "Topic" in n["labels"] and "keywords" in n]
    assert len(tax_topics) > 4000 and any(n["keywords"] == [] for n in tax_topics)


@pytest.mark.neo4j
@pytest.mark.slow
def test_the_shared_samples_bulk_loaded_with_derive_equal_the_write_path_with_derive(
    bulk_neo4j: Settings, shared_data: Path, tmp_path: Path
) -> None:
    files = [
        shared_data / "openalex" / "works_sample.jsonl",
        shared_data / "openalex" / "works_sample_2.jsonl",
        shared_data / "arxiv" / "kaggle_arxiv_metadata_sample_200.jsonl",
    ]
    graph, summary = _check(bulk_neo4j, files, tmp_path)
    assert summary.written["Work"] > 500
    assert [e for e in _edges(graph, "HAS_TOPIC") if e["method"] != "source"] and _edges(graph, "WORKS_ON")


@pytest.mark.neo4j
@pytest.mark.slow
def test_a_synthetic_corpus_rich_in_context_bulk_loaded_with_derive_equals_the_write_path_with_derive(
    bulk_neo4j: Settings, tmp_path: Path
) -> None:
    """Half the works also come as OpenAlex records with a source topic, the other half have co-authored and
    cited works with topics: the context the real samples have little of."""
    bundle = tmp_path / "synth"
    generate(SynthParams(works=1200, seed=3, openalex=True), bundle)
    lines = (bundle / "works.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    (bundle / "works.jsonl").unlink()
    (bundle / "sourced.jsonl").write_text("".join(lines[:600]), encoding="utf-8")
    graph, _summary = _check(bulk_neo4j, [bundle], tmp_path)
    assigned = {e["s"] for e in _edges(graph, "HAS_TOPIC") if e["method"] != "source"}
    assert len(assigned) > 500 and len(_edges(graph, "WORKS_ON")) > 1000


def _tiny_taxonomy() -> taxonomy.Taxonomy:
    tax = taxonomy.Taxonomy()
    for node in (
        taxonomy.TopicNode("d", "Domain", "domain"),
        taxonomy.TopicNode("f", "Field", "field", parent="d"),
        taxonomy.TopicNode("t", "Topic", "topic", parent="f", keywords=("k1", "k2")),
    ):
        tax.nodes[node.id] = node
    return tax


def test_the_taxonomy_merges_into_stage_topics_as_topic_merge_and_part_of_do(tmp_path: Path) -> None:
    """No database: the merge rules of write/topic_merge (authoritative rows) and topics/part_of, in SQL."""
    from kg.derive import topic_bulk

    st = StageStore(tmp_path / "s.duckdb")
    try:
        con = st.con
        # the records knew "t" with another name and parent, "x" (not in the taxonomy) and "f" with keywords
        con.execute(
            "INSERT INTO topic VALUES ('t', 'old', NULL, NULL, NULL, ['zz'], ['r1'], false), "
            "('x', 'X', 'openalex', 'topic', NULL, ['openalex'], NULL, false), "
            "('f', 'F', 'openalex', 'field', ['fk'], ['openalex'], NULL, true)"
        )
        con.execute(
            "INSERT INTO part_of VALUES ('t', 'other', 'openalex', ['r1']), ('x', 'f', 'openalex', NULL)"
        )
        con.execute(topic_bulk._TABLES)
        assert topic_bulk._merge_taxonomy(con, _tiny_taxonomy())
        topics_ = {r[0]: r[1:] for r in con.execute(f"SELECT * FROM {topic_bulk.TOPIC}").fetchall()}
        assert topics_ == {
            # the taxonomy's name, scheme, level, keywords; its scheme added to the sources; refs kept
            "t": ("Topic", "openalex", "topic", ["k1", "k2"], ["openalex", "zz"], ["r1"], False),
            "x": ("X", "openalex", "topic", None, ["openalex"], None, False),
            # a taxonomy node without keywords keeps the ones the records gave
            "f": ("Field", "openalex", "field", ["fk"], ["openalex"], None, True),
            # a new node: an empty keyword list (written after the import), no refs
            "d": ("Domain", "openalex", "domain", [], ["openalex"], None, None),
        }
        part_of = sorted(con.execute(f"SELECT * FROM {topic_bulk.PART_OF}").fetchall())
        # t's edge to another parent is gone, x's (not a taxonomy node) kept, the taxonomy's edges added bare
        assert part_of == [("f", "d", None, None), ("t", "f", None, None), ("x", "f", "openalex", None)]
        assert topic_bulk._empty_lists(con, True).topics == ["d"]
        # a stage that holds the whole taxonomy with its parents: nothing merged (ensure_topic_nodes loads nothing)
        con.execute("DELETE FROM part_of WHERE src = 't'")
        con.execute("INSERT INTO part_of VALUES ('t', 'f', NULL, NULL), ('f', 'd', NULL, NULL)")
        con.execute("INSERT INTO topic VALUES ('d', 'D', 'openalex', 'domain', NULL, NULL, NULL, false)")
        con.execute(topic_bulk._TABLES)
        assert not topic_bulk._merge_taxonomy(con, _tiny_taxonomy())
    finally:
        st.close()


@pytest.mark.neo4j
@pytest.mark.slow
def test_a_bulk_load_stopped_after_its_import_then_run_again_ends_with_the_clean_graph(
    bulk_neo4j: Settings, shipped_with_derive: WithDerive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The import holds the derived topics and the empty lists come after the start: a load that stops in between
    (here that statement fails) and runs again (without --bulk: the graph is no longer empty) ends with the graph a
    clean bulk load gives, the taxonomy's empty keyword lists included."""
    s = bulk_neo4j
    # the clean bulk load: the module's one (no graph statement of the derive ran, so recording them changed nothing)
    assert shipped_with_derive.called == []
    clean = shipped_with_derive.graph

    def stop(*_a: Any, **_k: Any) -> None:
        raise RuntimeError("stopped after the import")

    monkeypatch.setattr(pipeline, "_write_empty_lists", stop)
    with pytest.raises(RuntimeError, match="stopped after the import"):
        _bulk(s, SHIPPED, tmp_path / "stopped.duckdb", derive=True)
    monkeypatch.undo()
    records = [r for r in iter_records(SHIPPED) if r.kind != "reject"]
    drv = graphdb.open_driver(s)
    try:
        again = pipeline.load(
            drv, [("sample", records)], settings=s, stage_path=tmp_path / "stopped.duckdb",
            rejects_path=str(tmp_path / "again.rejects.jsonl"),
        )  # fmt: skip
        assert again.hooks == {"topics": "ok"}
        after = fingerprint(drv, s)
    finally:
        drv.close()
    assert after == clean, diff(clean, after)
