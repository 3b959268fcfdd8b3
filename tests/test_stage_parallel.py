"""Staging in worker processes (kg.stage.parallel) stages exactly what one process stages: the same rows in every
stage table, in the same order, the same rejects (file, line, reason) in the same order and the same counts, on a
synthetic corpus, a real OpenAlex file from the shipped data with a bad line, and CSV bundles with bad rows, read
by the merge path and by the spill path, and on a second load of the same input (every record seen before)."""

from __future__ import annotations

import csv
import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

from bench.stage_speed import compare_stages
from kg import pipeline
from kg.config import Settings
from kg.sources.parsers.csv_bundle import AUTHORSHIPS, WORKS
from kg.sources.parsers.read import iter_units
from kg.stage.parallel import Workers
from kg.stage.store import STAGED_TABLES, StagedChunk, StageStore
from kg.synth import SynthParams
from kg.synth import generate as synth

RUN = "run:test-stage-parallel"
CHUNK = 250  # works per chunk: the synthetic bundle makes a dozen chunks


def _rewrite(path: Path, edit: Any) -> None:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    rows = edit(rows)
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


def _inputs(root: Path) -> Path:
    """One directory, read in sorted order: a synthetic bundle with bad rows and a repeated work id (spill
    path), the shipped OpenAlex sample with a bad line (read in the main process, between the bundles), and
    another synthetic bundle with a bad works row (merge path)."""
    d = root / "inputs"
    d.mkdir()
    a = d / "a_bundle"
    synth(SynthParams(works=3000, seed=7), a)

    def bad_works(rows: list[list[str]]) -> list[list[str]]:
        rows[10][1] = ""  # line 11: a work without a title
        rows[700][2] = "soon"  # line 701: a year that is not one
        return [*rows, rows[5]]  # the work of line 6 again, as the last row: a repeated work id (spill path)

    def bad_authorships(rows: list[list[str]]) -> list[list[str]]:
        rows[20][3] = "first"  # line 21: a position that is not a number
        rows[900][2] = ""  # line 901: no author name
        return rows

    _rewrite(a / WORKS, bad_works)
    _rewrite(a / AUTHORSHIPS, bad_authorships)
    oa = d / "b_openalex.jsonl"
    with gzip.open(Path(pipeline.__file__).parent / "data" / "openalex_works.jsonl.gz", "rt") as fh:
        lines = fh.read().splitlines()
    oa.write_text("\n".join([*lines[:20], '{"id": "https://openalex.org/W1", "title": ', *lines[20:]]) + "\n")
    c = d / "c_merge"
    synth(SynthParams(works=2000, seed=8), c)
    _rewrite(c / WORKS, lambda rows: [*rows[:50], [*rows[50][:1], "", *rows[50][2:]], *rows[51:]])
    return d


def _stage(
    inputs: Path, db: Path, rejects: Path, workers: Workers, run: str = RUN
) -> tuple[pipeline.LoadSummary, Any]:
    summary = pipeline.LoadSummary(run_id=run)
    sink = pipeline.RejectSink(str(rejects))
    sources = [(str(inputs), iter_units([inputs], chunk=CHUNK))]
    with StageStore(db) as st, workers:
        st.begin_run(run, [str(inputs)], str(rejects))
        counts = st.stage(run, pipeline.counted_records(sources, summary, sink, None, workers))
    sink.close()
    return summary, counts


def _tables(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every staged table's rows, each as many times as it is stored, in one order: the store keeps no insertion
    order (StageStore: preserve_insertion_order off, so DuckDB may write a chunk's rows in parallel), and nothing
    reads a table in storage order."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in STAGED_TABLES}
    finally:
        con.close()


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("stage-parallel")
    inputs = _inputs(root)
    out: dict[str, Any] = {"inputs": inputs}
    for name, workers in (("one", Workers(1)), ("two", Workers(2, chunk=CHUNK, min_chunks=2))):
        db = root / f"{name}.duckdb"
        rejects = root / f"rejects-{name}.jsonl"
        summary, counts = _stage(inputs, db, rejects, workers)
        out[name] = {
            "db": db,
            "summary": summary,
            "counts": counts,
            "rejects": rejects.read_text(encoding="utf-8").splitlines(),
            "used": workers.used,
        }
    return out


def test_two_workers_stage_every_table_row_for_row_as_one_process(staged: dict[str, Any]) -> None:
    assert staged["two"]["used"] and not staged["one"]["used"]
    one, two = _tables(staged["one"]["db"]), _tables(staged["two"]["db"])
    # the repeated works row is a record of its own (its provenance names its line); three works rows rejected
    assert len(one["records"]) == 3001 + 49 + 2000 - 3
    assert len(one["mention_src"]) > 10_000
    for table in STAGED_TABLES:
        assert two[table] == one[table], table  # same rows, same order
    diff = compare_stages(staged["one"]["db"], staged["two"]["db"])
    assert all(d["only_baseline"] == 0 and d["only_this"] == 0 for d in diff.values())


def test_two_workers_give_the_same_rejects_in_the_same_order(staged: dict[str, Any]) -> None:
    one, two = staged["one"]["rejects"], staged["two"]["rejects"]
    assert two == one
    where = [
        (Path(r["file"]).parent.name + "/" + Path(r["file"]).name, r["line"]) for r in map(json.loads, one)
    ]
    assert ("a_bundle/authorships.csv", 21) in where
    assert ("a_bundle/authorships.csv", 901) in where
    assert ("a_bundle/works.csv", 11) in where
    assert ("a_bundle/works.csv", 701) in where
    assert ("inputs/b_openalex.jsonl", 21) in where
    assert ("c_merge/works.csv", 51) in where
    assert len(one) == 6
    s1, s2 = staged["one"]["summary"], staged["two"]["summary"]
    assert (s2.read, s2.loaded, s2.rejected, s2.notes, s2.sources) == (
        s1.read,
        s1.loaded,
        s1.rejected,
        s1.notes,
        s1.sources,
    )
    assert (staged["two"]["counts"].read, staged["two"]["counts"].new) == (
        staged["one"]["counts"].read,
        staged["one"]["counts"].new,
    )


def test_a_second_load_through_the_workers_adds_nothing(staged: dict[str, Any], tmp_path: Path) -> None:
    db = tmp_path / "again.duckdb"
    shutil.copy(staged["one"]["db"], db)
    _summary, counts = _stage(
        staged["inputs"], db, tmp_path / "r.jsonl", Workers(2, chunk=CHUNK, min_chunks=1), "run:again"
    )
    assert counts.new == 0 and counts.read == staged["one"]["counts"].read
    assert _tables(db) == _tables(staged["one"]["db"])


def test_workers_build_no_rows_for_records_the_store_held_and_stage_the_same(
    staged: dict[str, Any], tmp_path: Path
) -> None:
    """A load over a store that holds part of the input (the first bundle, staged by an earlier load, since when
    every 7th work's title changed): the workers read the store's keys and build rows only for the rest, and the
    store ends as the one-process path leaves it."""
    inputs = tmp_path / "inputs"
    shutil.copytree(staged["inputs"], inputs)
    edited = tmp_path / "edited.csv"
    shutil.copy(inputs / "a_bundle" / WORKS, edited)
    _rewrite(
        edited, lambda rows: [[r[0], r[1] + " (v2)", *r[2:]] if i % 7 == 3 else r for i, r in enumerate(rows)]
    )
    dbs, news, held = {}, {}, {}
    chunks: list[StagedChunk] = []
    for name in ("one", "two"):
        db = dbs[name] = tmp_path / f"{name}.duckdb"
        shutil.copy(staged["inputs"] / "a_bundle" / WORKS, inputs / "a_bundle" / WORKS)
        _stage(inputs / "a_bundle", db, tmp_path / f"r0-{name}.jsonl", Workers(1), "run:first")
        shutil.copy(edited, inputs / "a_bundle" / WORKS)
        held[name] = len(_tables(db)["records"])
        sink = pipeline.RejectSink(str(tmp_path / f"r1-{name}.jsonl"))
        with StageStore(db) as st:
            workers = (
                Workers(1)
                if name == "one"
                else Workers(2, chunk=CHUNK, min_chunks=1, known=st.known_keys_file)
            )
            st.begin_run("run:second", [str(inputs)], None)
            summary = pipeline.LoadSummary(run_id="run:second")
            units = [(str(inputs), iter_units([inputs], chunk=CHUNK))]
            with workers:

                def noted(items: Any) -> Any:
                    for it in items:
                        if isinstance(it, StagedChunk):
                            chunks.append(it)
                        yield it

                counts = st.stage(
                    "run:second", noted(pipeline.counted_records(units, summary, sink, None, workers))
                )
        sink.close()
        news[name] = counts.new
    # the new records: the edited works (every 7th of 3,000) and everything of the other two inputs
    assert news["two"] == news["one"] == len(_tables(dbs["one"])["records"]) - held["one"]
    # 429 works edited, one of them the work without a title (line 11), which now loads
    assert len(_tables(dbs["one"])["records"]) == len(_tables(staged["one"]["db"])["records"]) + 429
    assert _tables(dbs["two"]) == _tables(dbs["one"])  # same rows, same order
    first_bundle = [c for c in chunks if c.made is not None]  # a_bundle's chunks: most records held
    assert sum(c.records for c in first_bundle) >= 2900
    made = sum(len(c.made or []) for c in first_bundle)
    assert made == 429  # rows built for the edited works only
    assert sum(c.tables["records"].num_rows for c in first_bundle if "records" in c.tables) == made
    assert any(c.made is None for c in chunks)  # c_merge: nothing held, every row built
    assert not list(tmp_path.glob(".*known-*"))  # the keys file is gone with the workers


def test_a_small_input_is_staged_in_this_process(tmp_path: Path) -> None:
    synth(SynthParams(works=300, seed=1), tmp_path / "b")
    workers = Workers(2, chunk=CHUNK, min_chunks=3)
    _stage(tmp_path / "b", tmp_path / "s.duckdb", tmp_path / "r.jsonl", workers)
    assert not workers.used


def test_the_worker_count_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KG_STAGE_WORKERS", "3")
    assert Settings().stage_workers == Settings().stage_worker_count == 3
    monkeypatch.delenv("KG_STAGE_WORKERS")
    monkeypatch.setattr("os.cpu_count", lambda: 5)
    assert Settings().stage_worker_count == 5  # one per core by default
    assert Settings().writer_sessions == 2  # one per two cores
    monkeypatch.setenv("KG_STAGE_WORKERS", "0")
    with pytest.raises(ValueError):
        Settings()


def test_chunks_that_do_not_line_up_with_commits_stage_the_same_rows(
    staged: dict[str, Any], tmp_path: Path
) -> None:
    size = 97  # works per worker chunk; 1,500 records per transaction
    db = tmp_path / "s.duckdb"
    summary = pipeline.LoadSummary(run_id=RUN)
    sink = pipeline.RejectSink(str(tmp_path / "r.jsonl"))
    workers = Workers(2, chunk=size, min_chunks=1)
    sources = [(str(staged["inputs"]), iter_units([staged["inputs"]], chunk=size))]
    with StageStore(db) as st, workers:
        st.begin_run(RUN, [], None)
        st.stage(RUN, pipeline.counted_records(sources, summary, sink, None, workers), chunk=1500)
    sink.close()
    assert _tables(db) == _tables(staged["one"]["db"])


_HOLD_POOL = """
import sys, time
from kg.sources.parsers.read import iter_units
from kg.stage.parallel import Workers

if __name__ == "__main__":
    workers = Workers(2, chunk=50, min_chunks=1)
    for it in workers.staged(iter_units([sys.argv[1]], chunk=50), "run:held"):
        print("staged", flush=True)  # the pool is up: hold it, as a load killed mid-stage would
        time.sleep(120)
"""


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out: set[int] = set()
    todo = [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.add(c)
            todo.append(c)
    return out


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_load_killed_outright_takes_its_workers_with_it(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    synth(SynthParams(works=400, seed=2), tmp_path / "b")
    script = tmp_path / "hold.py"
    script.write_text(_HOLD_POOL, encoding="utf-8")
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path / "b")],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "staged"
        spawned = _descendants(proc.pid)
        assert len(spawned) >= 3  # the fork server and two workers (and the resource tracker)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in spawned):
        time.sleep(0.2)
    left = [p for p in spawned if Path(f"/proc/{p}").exists() and "Z" not in _state(p)]
    assert left == [], f"processes left behind by a killed load: {left}"


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


# a script that stages at its top level, with no `if __name__ == "__main__":` guard
_UNGUARDED = """
import sys
from kg import pipeline
from kg.errors import KGError
from kg.sources.parsers.read import iter_units
from kg.stage.parallel import Workers
from kg.stage.store import StageStore

summary = pipeline.LoadSummary(run_id="run:unguarded")
sink = pipeline.RejectSink(sys.argv[3])
workers = Workers(2, chunk=50, min_chunks=1)
try:
    with StageStore(sys.argv[2]) as st, workers:
        st.begin_run("run:unguarded", [], None)
        sources = [(sys.argv[1], iter_units([sys.argv[1]], chunk=50))]
        st.stage("run:unguarded", pipeline.counted_records(sources, summary, sink, None, workers))
except KGError as e:
    print(f"error: {e}", file=sys.stderr)
    sys.exit(1)
print("staged everything")
"""


def test_a_script_that_stages_without_a_main_guard_stops_with_one_line_instead_of_hanging(
    tmp_path: Path,
) -> None:
    import os
    import subprocess
    import sys

    synth(SynthParams(works=300, seed=3), tmp_path / "b")
    script = tmp_path / "unguarded.py"
    script.write_text(_UNGUARDED, encoding="utf-8")
    root = Path(__file__).resolve().parent.parent
    # each worker runs the script again; before, its StageStore waited forever on the lock its parent held
    proc = subprocess.run(
        [
            sys.executable,
            str(script),
            str(tmp_path / "b"),
            str(tmp_path / "s.duckdb"),
            str(tmp_path / "r.jsonl"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert proc.returncode == 1
    assert "staged everything" not in proc.stdout
    assert 'must keep its code under `if __name__ == "__main__":`' in proc.stderr
    assert "error: a staging worker process died" in proc.stderr
    assert "Traceback" not in proc.stderr


# stages a bundle through the workers, 300 records a transaction, and stops (to be killed) once 900 are read
_KILLED_MID_STAGE = """
import sys, time
from kg.sources.parsers.read import iter_units
from kg.stage.parallel import Workers
from kg.stage.store import StageStore

if __name__ == "__main__":
    def stop(counts):
        if counts.read >= 900:
            print("committed", flush=True)
            time.sleep(120)

    with StageStore(sys.argv[2]) as st, Workers(2, chunk=50, min_chunks=1) as workers:
        st.stage(sys.argv[3], workers.staged(iter_units([sys.argv[1]], chunk=50), sys.argv[3]), chunk=300, on_chunk=stop)
"""


def test_a_stage_killed_between_checkpoints_then_run_again_ends_with_the_same_tables(tmp_path: Path) -> None:
    """Staging commits go to DuckDB's write-ahead log and wait there for a checkpoint (STAGE_CHECKPOINT_THRESHOLD):
    kill -9 after some commits, stage again, and the store holds exactly what one uninterrupted staging holds."""
    import os
    import signal
    import subprocess
    import sys

    bundle = tmp_path / "b"
    synth(SynthParams(works=2000, seed=4), bundle)
    script = tmp_path / "killed.py"
    script.write_text(_KILLED_MID_STAGE, encoding="utf-8")
    root = Path(__file__).resolve().parent.parent
    killed = tmp_path / "killed.duckdb"
    proc = subprocess.Popen(
        [sys.executable, str(script), str(bundle), str(killed), RUN],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "committed"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert Path(f"{killed}.wal").exists()  # commits not yet checkpointed
    with StageStore(killed) as st:
        assert 0 < st.scalar("SELECT count(*) FROM records") < 2000
    for db in (killed, tmp_path / "clean.duckdb"):
        with StageStore(db) as st, Workers(2, chunk=50, min_chunks=1) as workers:
            st.stage(RUN, workers.staged(iter_units([bundle], chunk=50), RUN), chunk=300)
    assert _tables(killed) == _tables(tmp_path / "clean.duckdb")
