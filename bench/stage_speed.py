"""Side by side: parse + stage of one CSV bundle by two source trees (a baseline and this one), alternating, as
works/s and the ratio this/baseline; then every stage table of the two stores compared row for row.

    git archive <commit> | tar -x -C /tmp/stage-base        # any checkout of the baseline
    python -m bench.stage_speed --baseline-src /tmp/stage-base --works 20000 [--repeats 3]
    python -m bench.stage_speed --baseline-src /tmp/stage-base --dblp
    python -m bench.stage_speed --baseline-src /tmp/stage-base --works 100000 --replay 5
    python -m bench.stage_speed --baseline-src /tmp/stage-base --bundle DIR --sql

Each measurement is a fresh process (the tree's own kg first on its path) staging the bundle into a new store; its
time runs from the first record read to the last chunk committed (imports and store creation excluded). Which tree
goes first alternates, so the two times of a pair saw the same machine load. Results: bench/results/stage_speed.json.

--replay N measures the commits alone as the store grows: the bundle's chunks are made once (by this tree's
workers' code, in this process) and each tree's StageStore.stage commits them N times over, the keys of each copy
shifted so that every copy is new; CPU seconds per copy show what a commit costs as the store fills.

--sql times each tree's SQL staging of the bundle (kg.stage.csv_sql, how `kg load` stages a bundle directory) instead
of its record path: CPU seconds are the one process's, DuckDB's threads included. The stores (and DuckDB's spill
files beside them) go in KG_BENCH_TMP when it is set.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

RUN_ID = "run:stage-speed"


def stage_once(bundle: str, db: str) -> dict[str, Any]:
    """Parse and stage one bundle into a new store with whichever kg is first on the path (the child's job):
    through the staging worker processes (KG_STAGE_WORKERS, default one per core) where the tree has them."""
    from kg.config import Settings
    from kg.models import Reject
    from kg.stage.store import StageStore

    workers_peak = [0.0]
    workers_cpu = [0.0]
    processes_cpu: float | None = None
    # DuckDB's memory limit as a load sets it (KG_STAGE_MEMORY_LIMIT, 512MB by default): without it DuckDB takes up
    # to 80 % of the machine's memory, and the peak this reports is not a load's
    with StageStore(Path(db), memory_limit=Settings().stage_memory_limit) as st:
        st.begin_run(RUN_ID, [bundle], None)
        try:
            from kg.sources.parsers.read import iter_units
            from kg.stage.parallel import CHUNK_WORKS, Workers
        except ImportError:  # a tree from before the worker processes
            from kg.sources.parsers.read import iter_records

            t0, cpu0 = time.perf_counter(), time.process_time()
            counts = st.stage(RUN_ID, (r for r in iter_records([bundle]) if not isinstance(r, Reject)))
            seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
            workers = 1
        else:
            # trees of the first worker-process commits had kg.stage.parallel.default_workers (one per core) instead
            workers = getattr(Settings(), "stage_worker_count", None) or os.cpu_count() or 1

            def items(pool: Workers) -> Any:
                for it in pool.staged(iter_units([bundle], chunk=CHUNK_WORKS), RUN_ID):
                    if isinstance(it, Reject):
                        continue
                    workers_peak[0] = max(workers_peak[0], getattr(it, "peak_rss_mb", 0.0))
                    workers_cpu[0] += getattr(it, "cpu_seconds", 0.0)
                    yield it

            t0, cpu0 = time.perf_counter(), time.process_time()
            with Workers(workers) as pool:
                counts = st.stage(RUN_ID, items(pool))
                # before the pool stops: every chunk's result has come back, so the workers are idle
                processes_cpu = _pool_cpu(pool)
            seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    chunks_cpu = workers_cpu[0]
    return {
        "seconds": seconds,
        "read": counts.read,
        "new": counts.new,
        "peak_rss_mb": peak_mb,
        "workers": workers,
        "worker_peak_rss_mb": workers_peak[0],
        # CPU seconds of this process and of the worker processes, whole (receiving each chunk, making it, sending it
        # back, the fork server's start): what the speed costs, whatever the machine's load
        "cpu_seconds": cpu + (processes_cpu if processes_cpu is not None else chunks_cpu),
        "main_cpu_seconds": cpu,
        "workers_cpu_seconds": processes_cpu,
        # what the workers reported for their chunks alone (from the first record made to the tables built)
        "chunks_cpu_seconds": chunks_cpu,
    }


def stage_sql_once(bundle: str, db: str) -> dict[str, Any]:
    """Stage one bundle into a new store by kg.stage.csv_sql (the child's job), timed as stage_once times the record
    path: from the first byte read to the last row committed, the store opened before."""
    from kg.config import Settings
    from kg.stage.csv_sql import stage_bundle_sql
    from kg.stage.store import StageStore

    with StageStore(Path(db), memory_limit=Settings().stage_memory_limit) as st:
        st.begin_run(RUN_ID, [bundle], None)
        t0, cpu0 = time.perf_counter(), time.process_time()
        got = stage_bundle_sql(st, Path(bundle), RUN_ID)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    return {
        "seconds": seconds,
        "read": got.counts.read,
        "new": got.counts.new,
        "sql_records": got.sql_records,
        "python_records": got.python_records,
        "rejects": len(got.rejects),
        "whole_python": got.whole_python,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "cpu_seconds": cpu,
        "main_cpu_seconds": cpu,
    }


def _proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a live process so far (/proc/<pid>/stat, fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pool_cpu(pool: Any) -> float | None:
    """The CPU seconds of a Workers pool's processes and of the fork server that started them (None when the pool
    never started, or this is not Linux). Reads the pool's private attributes: a benchmark's view, not kg's."""
    import multiprocessing.forkserver

    executor = getattr(pool, "_pool", None)
    procs = getattr(executor, "_processes", None) or {}
    if not procs:
        return None
    pids = [*procs, getattr(multiprocessing.forkserver._forkserver, "_forkserver_pid", None)]
    try:
        return sum(_proc_cpu(pid) for pid in pids if pid)
    except OSError:
        return None


def _shifted(chunks: list[Any], i: int) -> Any:
    """Copy i of the chunks (i > 0: every record key and key column with its first characters replaced by i in
    hex, so the copy's records are new to the store and otherwise the same)."""
    import pyarrow.compute as pc

    from kg.stage.store import StagedChunk

    if i == 0:
        yield from chunks
        return
    p = f"{0xA0 + i:x}"
    for c in chunks:
        tables = {}
        for name, t in c.tables.items():
            for col in {"rec", "wrec", "profile_rec"} & set(t.column_names):
                at = t.column_names.index(col)
                t = t.set_column(at, col, pc.utf8_replace_slice(t.column(col), 0, len(p), p))
            tables[name] = t
        yield StagedChunk(
            keys=[p + k[len(p) :] for k in c.keys],
            tables=tables,
            records=c.records,
            rejects=[],
            sources=c.sources,
        )


def commit_replayed(chunks_file: str, db: str, copies: int) -> dict[str, Any]:
    """Commit the pickled chunks `copies` times over into a new store with whichever kg is first on the path (the
    child's job in --replay): CPU seconds of this process for each copy, and in all (staging's end included)."""
    import pickle

    from kg.config import Settings
    from kg.stage.store import StageStore

    with open(chunks_file, "rb") as fh:
        chunks = pickle.load(fh)
    per_copy: list[float] = []
    with StageStore(Path(db), memory_limit=Settings().stage_memory_limit) as st:
        st.begin_run(RUN_ID, [chunks_file], None)

        def copies_of() -> Any:
            last = time.process_time()
            for i in range(copies):
                yield from _shifted(chunks, i)
                now = time.process_time()
                per_copy.append(now - last)
                last = now

        t0, cpu0 = time.perf_counter(), time.process_time()
        counts = st.stage(RUN_ID, copies_of())
        seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    return {
        "seconds": seconds,
        "read": counts.read,
        "new": counts.new,
        "main_cpu_seconds": cpu,
        "cpu_seconds": cpu,
        "cpu_seconds_per_copy": per_copy,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "store_mb": Path(db).stat().st_size / 1e6,
    }


def _made_chunks(bundle: Path, out: Path) -> Path:
    """The bundle's worker chunks, made in this process with this tree's code, pickled to `out`."""
    import pickle

    from kg.sources.parsers.read import BundleChunk, iter_units
    from kg.stage.parallel import CHUNK_WORKS, stage_chunk

    chunks = [
        stage_chunk(RUN_ID, u) for u in iter_units([bundle], chunk=CHUNK_WORKS) if isinstance(u, BundleChunk)
    ]
    with out.open("wb") as fh:
        pickle.dump(chunks, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return out


def _measure(src: Path, bundle: Path, db: Path, replay: int = 0, sql: bool = False) -> dict[str, Any]:
    for p in (db, db.with_name(db.name + ".wal")):
        p.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": str(src)}
    # run as a script: its own folder (bench/) comes first on the path, then the tree's kg
    if replay:
        child = ["--child-commit", str(bundle), str(db), str(replay)]
    else:
        child = ["--child-sql" if sql else "--child", str(bundle), str(db)]
    out = subprocess.run(
        [sys.executable, __file__, *child],
        cwd=src,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"error: staging with {src} failed: {out.stderr.strip()[-2000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def compare_stages(a: Path, b: Path) -> dict[str, dict[str, int]]:
    """Per table that staging fills: its rows in store a, and the rows of each store that the other lacks (as
    multisets; the runs and meta tables hold times and the store's own id, so they always differ)."""
    import duckdb

    from kg.stage.store import STAGED_TABLES

    con = duckdb.connect()
    con.execute(f"ATTACH '{a}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{b}' AS b (READ_ONLY)")
    out: dict[str, dict[str, int]] = {}
    for t in STAGED_TABLES:
        rows = con.execute(f"SELECT count(*) FROM a.{t}").fetchall()[0][0]
        only_a = con.execute(f"SELECT count(*) FROM (FROM a.{t} EXCEPT ALL FROM b.{t})").fetchall()[0][0]
        only_b = con.execute(f"SELECT count(*) FROM (FROM b.{t} EXCEPT ALL FROM a.{t})").fetchall()[0][0]
        out[t] = {"rows": int(rows), "only_baseline": int(only_a), "only_this": int(only_b)}
    con.close()
    return out


def run(
    baseline: Path, this: Path, bundle: Path, repeats: int, work: Path, replay: int = 0, sql: bool = False
) -> dict[str, Any]:
    trees = {"baseline": baseline, "this": this}
    dbs = {name: work / f"stage-{name}.duckdb" for name in trees}
    took: dict[str, list[float]] = {name: [] for name in trees}
    rss: dict[str, float] = dict.fromkeys(trees, 0.0)
    worker_rss: dict[str, float] = dict.fromkeys(trees, 0.0)
    cpu: dict[str, list[float]] = {name: [] for name in trees}
    main_cpu: dict[str, list[float]] = {name: [] for name in trees}
    workers_cpu: dict[str, list[float | None]] = {name: [] for name in trees}
    chunks_cpu: dict[str, list[float]] = {name: [] for name in trees}
    workers: dict[str, int] = dict.fromkeys(trees, 1)
    ratios: list[float] = []
    cpu_ratios: list[float] = []
    read = 0
    per_copy: dict[str, list[list[float]]] = {name: [] for name in trees}
    store_mb: dict[str, float] = dict.fromkeys(trees, 0.0)
    if replay:
        _log(f"making the chunks of {bundle} once")
        bundle = _made_chunks(bundle, work / "chunks.pickle")
    for i in range(repeats):
        order = ["baseline", "this"] if i % 2 == 0 else ["this", "baseline"]
        pair: dict[str, float] = {}
        for name in order:
            got = _measure(trees[name], bundle, dbs[name], replay, sql)
            if replay:
                per_copy[name].append([round(c, 2) for c in got["cpu_seconds_per_copy"]])
                store_mb[name] = round(got["store_mb"])
            pair[name] = got["seconds"]
            read = got["read"]
            took[name].append(got["seconds"])
            rss[name] = max(rss[name], got["peak_rss_mb"])
            worker_rss[name] = max(worker_rss[name], got.get("worker_peak_rss_mb", 0.0))
            workers[name] = got.get("workers", 1)
            cpu[name].append(got.get("cpu_seconds", 0.0))
            main_cpu[name].append(got.get("main_cpu_seconds", 0.0))
            workers_cpu[name].append(got.get("workers_cpu_seconds"))
            chunks_cpu[name].append(got.get("chunks_cpu_seconds", 0.0))
            _log(
                f"{name}: {got['read']:,} works in {got['seconds']:.2f} s ({got['read'] / got['seconds']:,.0f}/s),"
                f" {got.get('cpu_seconds', 0):.1f} CPU s (this process {got.get('main_cpu_seconds', 0):.1f},"
                f" {got.get('workers', 1)} worker(s) {got.get('workers_cpu_seconds') or 0:.1f})"
            )
        ratios.append(pair["this"] / pair["baseline"])
        cpu_ratios.append(cpu["this"][-1] / max(cpu["baseline"][-1], 1e-9))
    diff = compare_stages(dbs["baseline"], dbs["this"])
    for db in dbs.values():
        for p in (db, db.with_name(db.name + ".wal")):
            p.unlink(missing_ok=True)
    med = {name: statistics.median(v) for name, v in took.items()}
    return {
        "bundle": str(bundle),
        **({"replay": replay, "cpu_seconds_per_copy": per_copy, "store_mb": store_mb} if replay else {}),
        "path": "sql" if sql else "records",
        "works": read,
        "repeats": repeats,
        "baseline_src": str(baseline),
        "works_per_s": {name: round(read / s) for name, s in med.items()},
        "seconds": {name: [round(s, 2) for s in v] for name, v in took.items()},
        "peak_rss_mb": {name: round(v) for name, v in rss.items()},
        # each staging worker's peak (0: no workers); the load's whole peak is main + workers × this at most
        "worker_peak_rss_mb": {name: round(v) for name, v in worker_rss.items()},
        "workers": workers,
        "cpu_seconds": {name: [round(s, 2) for s in v] for name, v in cpu.items()},
        "main_cpu_seconds": {name: [round(s, 2) for s in v] for name, v in main_cpu.items()},
        # the worker processes whole, fork server included (None: no workers ran)
        "workers_cpu_seconds": {
            name: [None if s is None else round(s, 2) for s in v] for name, v in workers_cpu.items()
        },
        # what the workers reported for their chunks alone (before 5 Dec the only worker figure in cpu_seconds)
        "chunks_cpu_seconds": {name: [round(s, 2) for s in v] for name, v in chunks_cpu.items()},
        "ratio_time_this_over_baseline": round(statistics.median(ratios), 3),
        "paired_ratios": [round(r, 3) for r in ratios],
        "ratio_cpu_this_over_baseline": round(statistics.median(cpu_ratios), 3),
        "paired_cpu_ratios": [round(r, 3) for r in cpu_ratios],
        "identical": all(d["only_baseline"] == 0 and d["only_this"] == 0 for d in diff.values()),
        "tables": diff,
    }


def _bundle(args: argparse.Namespace, work: Path) -> tuple[str, Path]:
    if args.bundle:
        return f"bundle_{Path(args.bundle).name}", Path(args.bundle)
    if args.dblp:
        from bench.pipeline import dblp_bundle

        out = work / "dblp-bundle"
        dblp_bundle(out)
        return "dblp", out
    from bench import common
    from kg.synth import SynthParams, generate

    corpus = common.data_dir() / f"synth-{args.works}-s{args.seed}"
    if not (corpus / "works.csv").exists():
        _log(f"synth: generating {args.works} works into {corpus}")
        generate(SynthParams(works=args.works, seed=args.seed), corpus)
    return f"synth_{args.works}", corpus


def _log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] in ("--child", "--child-sql"):
        once = stage_once if sys.argv[1] == "--child" else stage_sql_once
        print(json.dumps(once(sys.argv[2], sys.argv[3])))
        return
    if len(sys.argv) == 5 and sys.argv[1] == "--child-commit":
        print(json.dumps(commit_replayed(sys.argv[2], sys.argv[3], int(sys.argv[4]))))
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline-src", type=Path, required=True, help="a source tree of the baseline")
    ap.add_argument(
        "--this-src", type=Path, default=Path(__file__).resolve().parent.parent, help="the tree to compare"
    )
    ap.add_argument("--works", type=int, default=20_000, help="synthetic works (kg synth, seed --seed)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--dblp", action="store_true", help="the DBLP co-authorship bundle instead (bench.pipeline)"
    )
    ap.add_argument("--bundle", help="any CSV bundle directory instead")
    ap.add_argument("--repeats", type=int, default=3, help="pairs of runs (default 3)")
    ap.add_argument(
        "--replay",
        type=int,
        default=0,
        metavar="N",
        help="time the commits alone: the bundle's chunks made once, committed N times over (keys shifted)",
    )
    ap.add_argument(
        "--sql",
        action="store_true",
        help="both trees stage the bundle by SQL (kg.stage.csv_sql, as `kg load` stages a bundle directory)",
    )
    args = ap.parse_args()
    if args.sql and args.replay:
        raise SystemExit("error: --sql and --replay do not go together")
    if not (args.baseline_src / "kg" / "stage" / "store.py").is_file():
        raise SystemExit(f"error: {args.baseline_src} holds no kg/stage/store.py")
    from bench import common

    with tempfile.TemporaryDirectory(prefix="kg-stage-speed-", dir=os.environ.get("KG_BENCH_TMP")) as tmp:
        key, bundle = _bundle(args, Path(tmp))
        if args.this_src.resolve() == args.baseline_src.resolve():
            key += "_noise"  # the baseline against itself: how far apart two runs of one tree land
        if args.replay:
            key += f"_commits_x{args.replay}"
        if args.sql:
            key += "_sql"
        entry = run(
            args.baseline_src.resolve(),
            args.this_src.resolve(),
            bundle,
            args.repeats,
            Path(tmp),
            args.replay,
            args.sql,
        )
    common.update_result("stage_speed", key, entry)
    print(json.dumps(entry, indent=2))
    if not entry["identical"]:
        raise SystemExit("error: the two trees staged different rows (see tables)")


if __name__ == "__main__":
    main()
