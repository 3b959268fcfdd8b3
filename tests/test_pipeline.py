"""The load pipeline as a whole: resolution sees every staged mention, later loads resolve against earlier ones,
only changes are written, and the bulk path and the write-only path give one graph."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver

from kg import graphdb, pipeline
from kg.config import Settings
from kg.errors import InputError
from kg.models import AuthorRef, Provenance, SourceName, WorkRecord
from kg.sources import parsers
from kg.stage.store import StageStore
from kg.synth import SynthParams, generate
from tests.conftest import wipe
from tests.graph_fingerprint import diff, fingerprint

DATA = Path(__file__).parent / "data" / "load"


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


def _load(drv: Driver, s: Settings, records: list[Any], stage: Path) -> pipeline.LoadSummary:
    return pipeline.load(
        drv, [("fixture", records)], settings=s, derive=False, stage_path=stage, rejects_path=None
    )


def _mode(drv: Driver, st: StageStore, s: Settings) -> frozenset[str] | None:
    """What a write by a run of this stage would MERGE rather than CREATE."""
    return pipeline._write_mode(drv, st, s, pipeline._owns_graph(drv, st, s, "run:x"))


def _authored(drv: Driver, s: Settings) -> list[tuple[str, str]]:
    rows = graphdb.run(
        drv,
        "MATCH (r:Researcher)-[:AUTHORED]->(w:Work) WHERE r.name ENDS WITH 'Song' "
        "RETURN r.id AS r, w.title AS w ORDER BY r, w",
        settings=s,
    )
    return [(r["r"], r["w"]) for r in rows]


@pytest.mark.neo4j
def test_a_later_name_only_mention_joins_the_researcher_it_shares_a_coauthor_with(
    graph: Driver, neo4j_settings: Settings, tmp_path: Path
) -> None:
    s = neo4j_settings
    recs = _records()
    stage = tmp_path / "stage.duckdb"
    _load(graph, s, recs[:4], stage)
    _load(graph, s, recs[4:], stage)  # the listings come later: resolved against everything staged before
    pairs = _authored(graph, s)
    assert ("openalex:A1", "Partitioning for GNNs") in pairs
    assert next(p for p in pairs if p[1] == "A survey of deserts")[0].startswith("name:")
    assert {r for r, _ in pairs} >= {"openalex:A1", "openalex:A2", "openalex:A3"}
    incremental = fingerprint(graph, s)

    graphdb.run(
        graph, "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 1000 ROWS", write=True, settings=s
    )
    _load(graph, s, recs, tmp_path / "whole.duckdb")
    whole = fingerprint(graph, s)
    assert incremental == whole, diff(whole, incremental)


@pytest.mark.neo4j
def test_a_rerun_that_changes_nothing_writes_nothing(
    graph: Driver, neo4j_settings: Settings, tmp_path: Path
) -> None:
    s = neo4j_settings
    paths = sorted(str(p) for p in DATA.iterdir() if p.is_file())
    stage = tmp_path / "stage.duckdb"

    def run() -> pipeline.LoadSummary:
        return pipeline.load(
            graph, [(p, parsers.iter_records([p])) for p in paths], settings=s, derive=False, stage_path=stage,
            rejects_path=str(tmp_path / "rejects.jsonl"),
        )  # fmt: skip

    first = run()
    assert first.written["Work"] > 0 and first.written["AUTHORED"] > 0
    before = fingerprint(graph, s)
    second = run()
    assert second.new_records == 0
    assert dict(second.written) == {} and dict(second.deleted) == {}
    assert fingerprint(graph, s) == before
    runs = graphdb.run(
        graph, "MATCH (l:LoadRun) RETURN l.status AS status, l.stage_generation AS g ORDER BY g", settings=s
    )
    assert runs == [{"status": "completed", "g": 1}, {"status": "completed", "g": 2}]


@pytest.mark.neo4j
def test_files_loaded_one_by_one_give_the_graph_of_one_load_of_all(
    graph: Driver, neo4j_settings: Settings, tmp_path: Path
) -> None:
    s = neo4j_settings
    paths = sorted(str(p) for p in DATA.iterdir() if p.is_file())

    def load(batch: list[str], stage: Path) -> None:
        pipeline.load(
            graph, [(p, parsers.iter_records([p])) for p in batch], settings=s, derive=False, stage_path=stage,
            rejects_path=str(tmp_path / "rejects.jsonl"),
        )  # fmt: skip

    for p in reversed(paths):
        load([p], tmp_path / "one-by-one.duckdb")
    one_by_one = fingerprint(graph, s, ignore_lines=True)
    graphdb.run(
        graph, "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 1000 ROWS", write=True, settings=s
    )
    load(paths, tmp_path / "all.duckdb")
    all_at_once = fingerprint(graph, s, ignore_lines=True)
    assert one_by_one == all_at_once, diff(all_at_once, one_by_one)


def test_the_stage_store_waits_for_another_load_and_says_so(tmp_path: Path) -> None:
    import threading

    path = tmp_path / "stage.duckdb"
    said: list[str] = []
    first = StageStore(path)
    opened = threading.Event()

    def second() -> None:
        with StageStore(path, wait=said.append):
            opened.set()

    t = threading.Thread(target=second)
    t.start()
    assert not opened.wait(1.0)  # held: the second load waits
    first.close()
    assert opened.wait(30.0)
    t.join()
    assert len(said) == 1 and said[0].startswith("waiting for another load to finish")


@pytest.mark.neo4j
@pytest.mark.slow
def test_the_bulk_path_and_the_write_only_path_give_the_same_graph(
    bulk_neo4j: Settings, neo4j_settings: Settings, graph: Driver, shared_data: Path, tmp_path: Path
) -> None:
    paths = [
        str(shared_data / x)
        for x in ("seeds", "openalex", "arxiv/atom", "arxiv/kaggle_arxiv_metadata_sample_200.jsonl")
    ]

    def sources() -> list[tuple[str, Any]]:
        return [(p, parsers.iter_records([p])) for p in paths]

    online = pipeline.load(
        graph, sources(), settings=neo4j_settings, derive=False, stage_path=tmp_path / "online.duckdb",
        rejects_path=str(tmp_path / "rejects-online.jsonl"),
    )  # fmt: skip
    assert online.written["Work"] > 300
    online_graph = fingerprint(graph, neo4j_settings)

    drv = graphdb.open_driver(bulk_neo4j)
    try:
        wipe(drv, bulk_neo4j)  # the bulk Neo4j is the run's (tests/bulk_fixture.py): an import needs it empty
        bulk = pipeline.load(
            drv, sources(), settings=bulk_neo4j, derive=False, bulk=True, stage_path=tmp_path / "bulk.duckdb",
            rejects_path=str(tmp_path / "rejects-bulk.jsonl"),
        )  # fmt: skip
    finally:
        drv.close()
    assert bulk.bulk and bulk.written["Work"] == online.written["Work"]
    # the import ran with its own heap (KG_IMPORT_HEAP), not the server's
    import_log = (bulk_neo4j.localdb_home / "logs" / "import.log").read_text(encoding="utf-8")
    assert "Max heap memory : 300.0MiB" in import_log
    drv = graphdb.open_driver(bulk_neo4j)
    try:
        bulk_graph = fingerprint(drv, bulk_neo4j)
        # and a second load into the imported graph writes nothing: the stage knows what the import wrote
        again = pipeline.load(
            drv, sources(), settings=bulk_neo4j, derive=False, stage_path=tmp_path / "bulk.duckdb",
            rejects_path=str(tmp_path / "rejects-bulk.jsonl"),
        )  # fmt: skip
        assert dict(again.written) == {}
    finally:
        drv.close()
    assert bulk_graph == online_graph, diff(online_graph, bulk_graph)


@pytest.mark.neo4j
def test_a_bulk_load_into_a_graph_that_is_not_empty_is_refused_before_anything_is_read_or_staged(
    bulk_neo4j: Settings, tmp_path: Path
) -> None:
    shipped = str(Path(pipeline.__file__).parent / "data" / "openalex_works.jsonl.gz")
    read: list[Any] = []

    def records() -> Any:
        for rec in parsers.iter_records([shipped]):
            read.append(rec)
            yield rec

    stage = tmp_path / "stage.duckdb"
    drv = graphdb.open_driver(bulk_neo4j)
    try:
        wipe(drv, bulk_neo4j)
        graphdb.run(drv, "CREATE (:Work {id: 'kept:1'})", write=True, settings=bulk_neo4j)
        with pytest.raises(InputError, match=r"^--bulk replaces the local database and needs it empty"):
            pipeline.load(
                drv, [(shipped, records())], settings=bulk_neo4j, derive=False, bulk=True, stage_path=stage,
                rejects_path=str(tmp_path / "rejects.jsonl"),
            )  # fmt: skip
        assert read == []  # refused before the first record, not after the stage and resolve
        assert graphdb.run(drv, "MATCH (n) RETURN n.id AS id", settings=bulk_neo4j) == [{"id": "kept:1"}]
    finally:
        wipe(drv, bulk_neo4j)
        drv.close()
    if stage.exists():  # and no run begun in the stage (a begun run would be resumed by the next load)
        with StageStore(stage) as st:
            assert st.con.execute("SELECT count(*) FROM runs").fetchone() == (0,)
            assert st.con.execute("SELECT count(*) FROM records").fetchone() == (0,)


@pytest.mark.neo4j
def test_a_new_stage_creates_the_labels_the_graph_lacks_and_merges_the_ones_it_holds(
    graph: Driver, neo4j_settings: Settings, tmp_path: Path
) -> None:
    """A stage that never wrote this graph cannot know what it holds: it MERGEs the labels and types the graph has
    (here the taxonomy's Topic and PART_OF, loaded first as `kg up` does) and CREATEs the rest (the fast path);
    after an interrupted write it MERGEs everything."""
    s = neo4j_settings
    graphdb.run(
        graph,
        "CREATE (:Topic {id: 't1'})-[:PART_OF]->(:Topic {id: 't0'}), (:LoadRun {id: 'r0'})",
        write=True,
        settings=s,
    )
    with StageStore(tmp_path / "stage.duckdb") as st:
        assert _mode(graph, st, s) == frozenset({"Topic", "PART_OF"})
        st.set_meta("write_dirty", "run:1")
        assert _mode(graph, st, s) is None
    _load(graph, s, _records(), tmp_path / "other.duckdb")
    with StageStore(tmp_path / "third.duckdb") as st:
        assert {"Work", "Researcher", "AUTHORED", "Topic", "PART_OF"} <= (_mode(graph, st, s) or set())


@pytest.mark.neo4j
def test_a_stage_whose_graph_another_stage_wrote_since_merges_what_that_stage_created(
    graph: Driver, neo4j_settings: Settings, tmp_path: Path
) -> None:
    """Store A writes, store B writes more into the same graph, A writes again: the graph still carries A's last
    write, but B's works and researchers are in it without A knowing them, so A must MERGE them, not CREATE
    duplicates (or fail on the unique ids). The graph ends as one load of everything would leave it."""
    s = neo4j_settings
    first, rest = _records()[:2], _records()[2:]
    _load(graph, s, first, tmp_path / "a.duckdb")
    _load(graph, s, first + rest, tmp_path / "b.duckdb")
    again = _load(graph, s, first + rest, tmp_path / "a.duckdb")
    assert not again.write_failures
    shared = fingerprint(graph, s)
    wipe(graph, s)
    _load(graph, s, first + rest, tmp_path / "alone.duckdb")
    assert shared == fingerprint(graph, s), diff(fingerprint(graph, s), shared)


@pytest.mark.neo4j
def test_one_writer_session_and_three_give_the_same_graph(
    graph: Driver, neo4j_settings: Settings, tmp_path: Path
) -> None:
    # a synthetic corpus (big teams: many COAUTHOR pairs); three sessions in batches of 25 rows make many
    # partitioned batches run at once, one session writes them one after another
    generate(SynthParams(works=600, seed=11), tmp_path / "synth")
    paths = [str(tmp_path / "synth")]

    def load(sessions: int, name: str) -> pipeline.LoadSummary:
        s = neo4j_settings.model_copy(update={"write_sessions": sessions, "batch_size": 25})
        return pipeline.load(
            graph, [(p, parsers.iter_records([p])) for p in paths], settings=s, derive=False,
            stage_path=tmp_path / f"{name}.duckdb", rejects_path=str(tmp_path / f"rejects-{name}.jsonl"),
        )  # fmt: skip

    three = load(3, "three")
    assert three.written["Work"] == 600 and three.written["COAUTHOR"] > 1000
    three_graph = fingerprint(graph, neo4j_settings)
    wipe(graph, neo4j_settings)
    one = load(1, "one")
    assert one.written == three.written
    assert fingerprint(graph, neo4j_settings) == three_graph
