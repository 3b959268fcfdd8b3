"""Topic assignment's input read from the stage equals the graph's: on real loaded samples, the rows (text, cited and
co-authored context, has_source) and then every topic, score, evidence and keyphrase written are the same for every
work, whichever path read them; the load takes the stage path only when the graph carries the stage's write."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver

from kg import defaultdata, graphdb, pipeline, topics
from kg.config import Settings
from kg.derive import topic_profiles
from kg.derive.topic_input import StageTopicInput
from kg.sources.parsers import iter_records
from kg.stage.store import StageStore
from kg.synth import SynthParams, generate

pytestmark = pytest.mark.neo4j

DEFAULT_FILES = [
    defaultdata.DATA_DIR / "openalex_works.jsonl.gz",
    defaultdata.DATA_DIR / "arxiv_metadata.jsonl.gz",
]


def _shared_files(shared: Path) -> list[Path]:
    return [
        shared / "openalex" / "works_sample.jsonl",
        shared / "openalex" / "works_sample_2.jsonl",
        shared / "arxiv" / "kaggle_arxiv_metadata_sample_200.jsonl",
    ]


def _load(drv: Driver, s: Settings, files: list[Path], stage: Path, *, derive: bool) -> pipeline.LoadSummary:
    records = [r for r in iter_records(files) if r.kind != "reject"]
    return pipeline.load(
        drv, [("sample", records)], settings=s, derive=derive, stage_path=stage, rejects_path=None
    )


def _assigned(drv: Driver, s: Settings) -> dict[str, Any]:
    """Every work's keyphrases and its assigned (non-source) topics with score, method and evidence."""
    rows = graphdb.run(
        drv,
        "MATCH (w:Work) OPTIONAL MATCH (w)-[h:HAS_TOPIC]->(t:Topic) WHERE h.method <> 'source' "
        "WITH w, t, h ORDER BY t.id "
        "RETURN w.id AS id, w.keyphrases AS kps, "
        "collect(CASE WHEN t IS NULL THEN NULL ELSE [t.id, h.score, h.method, h.evidence] END) AS topics",
        settings=s,
    )
    return {r["id"]: (r["kps"], r["topics"]) for r in rows}


def _works_on(drv: Driver, s: Settings) -> list[tuple[Any, ...]]:
    rows = graphdb.run(
        drv,
        "MATCH (r:Researcher)-[e:WORKS_ON]->(t:Topic) "
        "RETURN r.id AS r, t.id AS t, e.weight AS w, e.works AS n, e.top_works AS top ORDER BY r, t",
        settings=s,
    )
    return [(r["r"], r["t"], r["w"], r["n"], r["top"]) for r in rows]


def _clear_assigned(drv: Driver, s: Settings) -> None:
    graphdb.run(
        drv,
        "MATCH (w:Work) REMOVE w.keyphrases WITH w MATCH (w)-[h:HAS_TOPIC]->() WHERE h.method <> 'source' DELETE h",
        write=True,
        settings=s,
    )


def _normal(row: dict[str, Any]) -> dict[str, Any]:
    """A works_to_assign row with its authors in id order (Cypher's collect leaves their order open)."""
    out = dict(row)
    out["categories"] = list(row.get("categories") or [])
    out["authors"] = sorted(row["authors"], key=lambda a: a["id"])
    return out


def _check_stage_equals_graph(drv: Driver, s: Settings, stage: Path) -> dict[str, int]:
    work_ids = [r["id"] for r in graphdb.run(drv, "MATCH (w:Work) RETURN w.id AS id ORDER BY id", settings=s)]
    topics.ensure_topic_nodes(drv, settings=s)
    st = StageStore(stage)
    try:
        reader = StageTopicInput(st.con, topics.scheme_topic_levels(drv, settings=s), topics.CONTEXT_LIMIT)
        try:
            from_stage = reader.rows(work_ids)
            from_graph = topics.graph_read_rows(drv, work_ids, settings=s)
            assert [r["id"] for r in from_stage] == work_ids
            assert [_normal(r) for r in from_stage] == [_normal(r) for r in from_graph]

            topics.assign_for_works(drv, work_ids, settings=s)
            by_graph = _assigned(drv, s)
            _clear_assigned(drv, s)
            topic_profiles.reset(st.con)
            topics.assign_for_works(
                drv,
                work_ids,
                settings=s,
                read_rows=reader.rows,
                on_written=lambda rows: topic_profiles.record_assigned(st.con, rows),
            )
            by_stage = _assigned(drv, s)
            assert by_stage == by_graph
            # profiles: the Cypher aggregation over the graph == the stage's, written write-only
            assert topic_profiles.recorded_matches_graph(st.con, *topics.assigned_totals(drv, settings=s))
            researchers = [r[0] for r in st.con.execute("SELECT id FROM researcher ORDER BY id").fetchall()]
            profiles_graph = topics.refresh_researcher_topics(drv, researchers, settings=s)
            works_on_graph = _works_on(drv, s)
            rows = topic_profiles.profile_rows(st.con, researchers)
            assert topics.write_profiles(drv, rows, settings=s) == profiles_graph
            assert _works_on(drv, s) == works_on_graph
        finally:
            reader.close()
    finally:
        st.close()
    return {
        "profiles": profiles_graph,
        "works_on": len(works_on_graph),
        "works": len(work_ids),
        "sourced": sum(r["has_source"] for r in from_stage),
        "assigned": sum(bool(t) for _, t in by_stage.values()),
        "with_cited": sum(bool(r["cited"]) for r in from_stage if not r["has_source"]),
        "with_author_works": sum(
            any(a["works"] for a in r["authors"]) for r in from_stage if not r["has_source"]
        ),
    }


def test_the_stage_read_gives_the_graph_read_on_the_shipped_sample(
    graph: Driver, neo4j_settings: Settings, tmp_path: Path
) -> None:
    s = neo4j_settings
    summary = _load(graph, s, DEFAULT_FILES, tmp_path / "stage.duckdb", derive=False)
    assert summary.graph_is_stage
    n = _check_stage_equals_graph(graph, s, tmp_path / "stage.duckdb")
    # the sample has works with source topics and works to assign
    assert n["works"] == 53 and 0 < n["sourced"] < 53 and n["assigned"] > 0


def test_the_stage_read_gives_the_graph_read_on_the_shared_openalex_and_arxiv_samples(
    graph: Driver, neo4j_settings: Settings, shared_data: Path, tmp_path: Path
) -> None:
    s = neo4j_settings
    summary = _load(graph, s, _shared_files(shared_data), tmp_path / "stage.duckdb", derive=False)
    assert summary.graph_is_stage
    n = _check_stage_equals_graph(graph, s, tmp_path / "stage.duckdb")
    # 532 works, 321 with source topics; little context in these samples (1 work cites one with topics, 2 have
    # co-authored works with topics)
    assert n["sourced"] > 0 and n["assigned"] > 0 and n["with_cited"] + n["with_author_works"] > 0


def test_the_stage_read_gives_the_graph_read_on_a_synthetic_corpus_rich_in_context(
    graph: Driver, neo4j_settings: Settings, tmp_path: Path
) -> None:
    """Half the works also come as OpenAlex records with a source topic: the other half have many co-authored
    works with topics (heavy-tailed productivity), the context the real samples have little of."""
    s = neo4j_settings
    bundle = tmp_path / "synth"
    generate(SynthParams(works=1200, seed=3, openalex=True), bundle)
    lines = (bundle / "works.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    (bundle / "works.jsonl").unlink()
    (bundle / "sourced.jsonl").write_text("".join(lines[:600]), encoding="utf-8")
    summary = _load(graph, s, [bundle], tmp_path / "stage.duckdb", derive=False)
    assert summary.graph_is_stage
    n = _check_stage_equals_graph(graph, s, tmp_path / "stage.duckdb")
    assert n["works"] == 1200 and n["sourced"] == 600 and n["assigned"] > 500 and n["with_author_works"] > 100


def test_the_load_reads_from_the_stage_only_when_the_graph_carries_its_write(
    graph: Driver, neo4j_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = neo4j_settings
    graph_reads: list[str] = []
    for name in ("graph_read_rows", "refresh_researcher_topics"):
        real = getattr(topics, name)

        def spy(*args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
            graph_reads.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(topics, name, spy)
    first = _load(graph, s, DEFAULT_FILES, tmp_path / "one.duckdb", derive=True)
    assert graph_reads == []  # both assignment and profiles read the stage
    assert first.graph_is_stage and first.hooks == {"topics": "ok"}
    by_stage = _assigned(graph, s)
    assert sum(bool(t) for _, t in by_stage.values()) > 0
    # the graph-read path over the same graph writes the same topics and keyphrases
    ids = list(by_stage)
    _clear_assigned(graph, s)
    topics.assign_for_works(graph, ids, settings=s)
    assert _assigned(graph, s) == by_stage
    # the profiles the load computed from the stage are those the Cypher aggregation gives
    works_on = _works_on(graph, s)
    assert works_on
    graphdb.run(graph, "MATCH ()-[e:WORKS_ON]->() DELETE e", write=True, settings=s)
    topics.refresh_researcher_topics(graph, None, settings=s)
    assert _works_on(graph, s) == works_on
    # another stage's load into this graph reads the graph (it holds what this stage did not write)
    other = _load(graph, s, DEFAULT_FILES[:1], tmp_path / "other.duckdb", derive=True)
    assert not other.graph_is_stage
    assert "graph_read_rows" in graph_reads and "refresh_researcher_topics" in graph_reads
    # the first stage again: the graph no longer carries its last write
    again = _load(graph, s, DEFAULT_FILES, tmp_path / "one.duckdb", derive=True)
    assert not again.graph_is_stage
    assert _assigned(graph, s) == by_stage
