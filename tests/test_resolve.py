"""The resolve stage without a database: the SQL shortcuts give exactly what the model gives, and resolution is a
function of the set of staged records, whichever load brought them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kg.identity.curation import stage_decision
from kg.models import AuthorRef, Provenance, Record, SourceName, WorkRecord
from kg.normalize import name_key
from kg.resolve import works as resolve_works_module
from kg.resolve.engine import EmbeddedEngine
from kg.sources import parsers
from kg.stage.store import StageStore
from kg.synth import SynthParams, generate

DATA = Path(__file__).parent / "data" / "load"

# Every table resolution fills, with the columns that order its rows.
TABLES = {
    "work": "id",
    "slot": "work_id, key",
    "cluster": "key",
    "cluster_slot": "work_id, slot_key",
    "researcher": "id",
    "authored": "src, dst",
    "affiliated": "src, dst, source",
    "institution": "id",
    "topic": "id",
    "has_topic": "src, dst",
    "cites": "src, dst",
}


def _work(source: SourceName, title: str, authors: list[AuthorRef], line: int, **kw: Any) -> WorkRecord:
    return WorkRecord(
        prov=Provenance(source=source, file=f"{source}.jsonl", line=line), title=title, authors=authors, **kw
    )


def _spellings() -> list[Record]:
    """One OpenAlex author under three compatible spellings, one under two incompatible ones (the model must
    decide that block), a CSV author id under any spelling, and two people of one name on one paper."""
    a = AuthorRef
    return [
        _work("openalex", "Graph sampling at scale", [a(name="Xiang Song", position=1, openalex_id="A1")], 1),
        _work("openalex", "Graph partitioning", [a(name="X. Song", position=1, openalex_id="A1")], 2),
        _work("openalex", "Sampling graphs", [a(name="Song, Xiang", position=1, openalex_id="A1")], 3),
        _work("openalex", "Soil carbon", [a(name="Xin Song", position=1, openalex_id="A2")], 4),
        _work("openalex", "Soil nitrogen", [a(name="Xiang Song", position=1, openalex_id="A2")], 5),
        _work("csv", "Weaving patterns", [a(name="Ada Lovelace", position=1, source_id="p1")], 6),
        _work("csv", "Weaving numbers", [a(name="Lovelace, Augusta", position=1, source_id="p1")], 7),
        _work(
            "csv",
            "Two of a name",
            [a(name="Li Wang", position=1, source_id="w1"), a(name="Li Wang", position=2, source_id="w2")],
            8,
        ),
        _work("arxiv-listing", "Graph partitioning", [a(name="Xiang Song", position=1)], 9, year=2021),
    ]


def _resolve(tmp: Path, name: str, records: list[Record], **engine: bool) -> StageStore:
    st = StageStore(tmp / f"{name}.duckdb")
    st.stage("run:test", records)
    EmbeddedEngine(**engine).resolve(st)
    return st


def _dump(st: StageStore) -> dict[str, list[tuple[Any, ...]]]:
    return {
        t: st.con.execute(f"SELECT * FROM {t} ORDER BY {order}").fetchall() for t, order in TABLES.items()
    }


def _corpus(tmp: Path) -> list[Record]:
    generate(SynthParams(works=600, seed=5), tmp / "synth")
    recs = [r for r in parsers.iter_records([str(tmp / "synth")]) if r.kind != "reject"]
    recs += [r for r in parsers.iter_records([str(DATA)]) if r.kind != "reject"]
    return recs + _spellings()


def test_the_sql_shortcuts_give_what_the_model_gives(tmp_path: Path) -> None:
    records = _corpus(tmp_path)
    fast = _resolve(tmp_path, "fast", records)
    slow = _resolve(tmp_path, "slow", records, copy_single_records=False, strong_in_sql=False)
    simple = fast.scalar("SELECT count(*) FROM cluster WHERE id LIKE 'openalex:%'")
    assert simple and simple > 300  # the synthetic authors are decided by their ids, most of them in SQL
    a, b = _dump(fast), _dump(slow)
    for table in TABLES:
        assert a[table] == b[table], table


def test_payloads_read_in_many_small_passes_give_the_same_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # each synthetic work arrives a second time, as a listing that names its authors only
    synth = [r for r in _corpus(tmp_path) if isinstance(r, WorkRecord)][:60]
    again = [
        _work(
            "arxiv-listing",
            r.title,
            [AuthorRef(name=a.name, position=a.position) for a in r.authors],
            i,
            year=r.year,
        )
        for i, r in enumerate(synth, start=1)
    ]
    records = _corpus(tmp_path) + again
    one = _resolve(tmp_path, "one", records)
    merged = one.scalar(
        "SELECT count(*) FROM (SELECT work_id FROM work_member GROUP BY work_id HAVING count(*) > 1)"
    )
    assert merged and merged > 20  # works made of several records: their payloads come in passes of 7 records
    one_pass = _dump(one)
    monkeypatch.setattr(resolve_works_module, "PAYLOAD_PASS", 7)
    monkeypatch.setattr(resolve_works_module, "CHUNK", 3)
    assert _dump(_resolve(tmp_path, "many", records)) == one_pass


def test_resolution_is_a_function_of_the_staged_records(tmp_path: Path) -> None:
    records = _corpus(tmp_path)
    whole = _dump(_resolve(tmp_path, "whole", records))
    st = StageStore(tmp_path / "parts.duckdb")
    # three loads, the last first: each resolved against what was staged before it
    for part in (records[1200:], records[:500], records[500:1200]):
        st.stage("run:part", part)
        EmbeddedEngine().resolve(st)
    assert _dump(st) == whole


def test_spellings_of_one_id_join_only_when_they_fit(tmp_path: Path) -> None:
    st = _resolve(tmp_path, "s", _spellings())
    clusters = dict(
        st.con.execute("SELECT name, list_sort(names) FROM cluster WHERE id = 'openalex:A1'").fetchall()
    )
    assert clusters == {"Xiang Song": ["Song, Xiang", "X. Song", "Xiang Song"]}
    # "Xin Song" and "Xiang Song" cannot be one person, even under one OpenAlex id: the model keeps two clusters
    a2 = sorted(r[0] for r in st.con.execute("SELECT name FROM cluster WHERE id = 'openalex:A2'").fetchall())
    assert a2 == ["Xiang Song", "Xin Song"]
    # a CSV author id joins any spellings; two Li Wang on one paper stay two people
    p1 = st.con.execute("SELECT list_sort(names) FROM cluster WHERE id = 'csv:p1'").fetchall()
    assert p1 == [(["Ada Lovelace", "Lovelace, Augusta"],)]
    wang = st.con.execute("SELECT id FROM cluster WHERE name = 'Li Wang' ORDER BY id").fetchall()
    assert wang == [("csv:w1",), ("csv:w2",)]


def _novaks() -> list[Record]:
    """J. Novak and W. Novak: two people by their CSV author ids, in two name blocks (novak|j, novak|w)."""
    a = AuthorRef
    return [
        _work("csv", "Lattice sieves", [a(name="Jan Novak", position=1, source_id="n1")], 1),
        _work("csv", "Sieve bounds", [a(name="J. Novak", position=1, source_id="n1")], 2),
        _work("csv", "Glass furnaces", [a(name="Wenzel Novak", position=1, source_id="n2")], 3),
        _work("csv", "Furnace linings", [a(name="W. Novak", position=1, source_id="n2")], 4),
    ]


def _novak_decision(st: StageStore, kind: str) -> dict[str, Any]:
    """A curated decision between csv:n1 and csv:n2, anchored as `kg identity merge | split` anchors it."""
    sides = []
    for rid in ("csv:n1", "csv:n2"):
        rows = st.con.execute(
            "SELECT s.work_id, s.names, w.ids FROM cluster_slot cs "
            "JOIN slot s ON s.key = cs.slot_key AND s.work_id = cs.work_id JOIN work w ON w.id = s.work_id "
            "WHERE cs.researcher = ?",
            [rid],
        ).fetchall()
        assert rows, rid
        sides.append(
            sorted(
                {f"{wid}#{name_key(n)}" for work, names, ids in rows for wid in {work, *ids} for n in names}
            )
        )
    return {
        "decision": f"{kind.lower()}:novak",
        "anchors_a": sides[0],
        "anchors_b": sides[1],
        "blocks": ["novak|j", "novak|w"],
        "by": "test",
        "at": "2026-12-04T00:00:00+00:00",
        "why": "",
        "a_name": "Jan Novak",
        "b_name": "Wenzel Novak",
    }


def assert_every_slot_in_one_cluster(st: StageStore) -> None:
    """Every slot in exactly one cluster, every cluster_slot row under a cluster that exists."""
    twice = st.con.execute(
        "SELECT slot_key, work_id, count(*) FROM cluster_slot GROUP BY ALL HAVING count(*) <> 1"
    ).fetchall()
    assert twice == []
    unassigned = st.scalar(
        "SELECT count(*) FROM slot s ANTI JOIN cluster_slot cs ON cs.slot_key = s.key AND cs.work_id = s.work_id"
    )
    assert unassigned == 0
    orphans = st.scalar("SELECT count(*) FROM cluster_slot cs ANTI JOIN cluster c ON c.key = cs.cluster")
    assert orphans == 0


def test_a_later_same_as_across_two_blocks_leaves_one_researcher_as_one_load_would(tmp_path: Path) -> None:
    st = _resolve(tmp_path, "parts", _novaks())
    assert st.con.execute("SELECT id FROM researcher ORDER BY id").fetchall() == [("csv:n1",), ("csv:n2",)]
    decision = _novak_decision(st, "SAME_AS")
    stage_decision(st, "SAME_AS", decision)
    EmbeddedEngine().resolve(st)
    assert_every_slot_in_one_cluster(st)
    ids = [r[0] for r in st.con.execute("SELECT DISTINCT researcher FROM cluster_slot").fetchall()]
    assert len(ids) == 1  # one person now, whichever id names them
    absorbed = {"csv:n1", "csv:n2"} - set(ids)
    assert [r[0] for r in st.con.execute("SELECT id FROM researcher").fetchall()] == ids
    assert st.con.execute("SELECT DISTINCT src FROM authored").fetchall() == [(ids[0],)]
    assert st.scalar("SELECT count(*) FROM authored") == 4
    assert not absorbed & {r[0] for r in st.con.execute("SELECT id FROM cluster").fetchall()}
    # incremental == whole: the records and the decision resolved in one load give the same tables
    whole = StageStore(tmp_path / "whole.duckdb")
    whole.stage("run:test", _novaks())
    stage_decision(whole, "SAME_AS", decision)
    EmbeddedEngine().resolve(whole)
    assert _dump(st) == _dump(whole)

    # the reverse: a NOT_SAME_AS on the same anchors replaces the SAME_AS and splits them back cleanly
    stage_decision(st, "NOT_SAME_AS", {**decision, "decision": "not_same_as:novak"})
    assert st.con.execute("SELECT kind FROM decisions").fetchall() == [("NOT_SAME_AS",)]
    EmbeddedEngine().resolve(st)
    assert_every_slot_in_one_cluster(st)
    assert st.con.execute("SELECT id FROM researcher ORDER BY id").fetchall() == [("csv:n1",), ("csv:n2",)]
    assert st.con.execute("SELECT src, count(*) FROM authored GROUP BY src ORDER BY src").fetchall() == [
        ("csv:n1", 2),
        ("csv:n2", 2),
    ]
    split = StageStore(tmp_path / "split.duckdb")
    split.stage("run:test", _novaks())
    stage_decision(split, "NOT_SAME_AS", {**decision, "decision": "not_same_as:novak"})
    EmbeddedEngine().resolve(split)
    assert _dump(st) == _dump(split)


def test_a_group_that_loses_a_block_leaves_no_slot_in_its_old_clusters(tmp_path: Path) -> None:
    """Blocks tied by a SAME_AS, then the decision gone by another way than its opposite (here: deleted from the
    stage, only one of its blocks marked pending): the block that leaves the group is clustered alone and the
    group's old clusters go, their other blocks clustered again too."""
    st = _resolve(tmp_path, "parts", _novaks())
    stage_decision(st, "SAME_AS", _novak_decision(st, "SAME_AS"))
    EmbeddedEngine().resolve(st)
    with st.transaction():
        st.con.execute("DELETE FROM decisions")
        st.con.execute("INSERT INTO pending_block VALUES ('novak|w')")
    EmbeddedEngine().resolve(st)
    assert_every_slot_in_one_cluster(st)
    assert _dump(st) == _dump(_resolve(tmp_path, "whole", _novaks()))


_KILLED_MID_RESOLVE = """
import sys, time
from kg.resolve import works
from kg.stage.store import StageStore

if __name__ == "__main__":
    works.FAST_CHUNK, works.CHUNK = 100, 20  # many small commits

    def stop(done, total):
        if done >= total // 2:
            print("committed", flush=True)
            time.sleep(120)

    with StageStore(sys.argv[1]) as st:
        works.resolve_works(st, stop)
"""


def test_works_resolve_killed_between_checkpoints_then_run_again_ends_with_the_same_tables(
    tmp_path: Path,
) -> None:
    """Resolving works commits each batch to DuckDB's write-ahead log and checkpoints once at the end
    (StageStore.checkpoints_at): kill -9 after some batches, resolve again, and the store holds exactly what one
    uninterrupted resolve holds; the checkpoint threshold is DuckDB's own again after a resolve."""
    import os
    import shutil
    import signal
    import subprocess
    import sys

    staged = tmp_path / "staged.duckdb"
    with StageStore(staged) as st:
        st.stage("run:test", _corpus(tmp_path))
        default = st.scalar("SELECT current_setting('checkpoint_threshold')")
    killed, clean = tmp_path / "killed.duckdb", tmp_path / "clean.duckdb"
    shutil.copy(staged, killed)
    shutil.copy(staged, clean)
    script = tmp_path / "killed.py"
    script.write_text(_KILLED_MID_RESOLVE, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(script), str(killed)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "committed"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert Path(f"{killed}.wal").exists()  # batches committed, not yet checkpointed
    dumps = []
    for db in (killed, clean):
        with StageStore(db) as st:
            if db == killed:  # some works were resolved before the kill, not all
                resolved = st.scalar("SELECT count(*) FROM work_recs WHERE NOT pending") or 0
                assert 0 < resolved < (st.scalar("SELECT count(*) FROM work_recs") or 0)
            EmbeddedEngine().resolve(st)
            assert st.scalar("SELECT current_setting('checkpoint_threshold')") == default
            dumps.append(_dump(st))
    assert dumps[0] == dumps[1]
