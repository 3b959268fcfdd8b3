"""Stage × resolve, two source trees (issue #15): is a resolve regression in the resolve code or in how the stage was written?

bench.resolve_ab stages once and resolves copies with each tree, so a cost that comes from how staging WROTE the
store (transactions, checkpoints, row groups, write-ahead log) is invisible to it. Here each tree stages the same
`kg synth` corpus the way `kg load` does (bundle chunks made by the worker processes, kg.stage.parallel, committed
by StageStore.stage, the load's DuckDB memory limit), in a subprocess of its own (`git archive` of its ref on
PYTHONPATH); then every staged store is resolved (resolve works, researchers, graph tables, COAUTHOR table) by each
tree in a subprocess of its own, on a fresh copy, alternated: the 2 × 2. Every resolved table of every run must equal
the (base stage, base resolve) run's, row for row (bench.spark_resolve.differences). Per staged store: wall and CPU
of staging, the write-ahead log left when StageStore.stage returned, the file size, and the row groups of the staged
tables. Results: bench/results/resolve_ab.json, key `stage2x2_<works>_<limit>`.

    python -m bench.stage_resolve_ab --works 200000 --memory-limit 100MB [--base 32d710c] [--this HEAD]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import data_dir, log, update_result
from bench.resolve_ab import STEPS, against_reference, base_tree, run_side, summary
from bench.spark_resolve import corpus

# the tables staging fills (kg.stage.store.STAGED_TABLES of both trees)
STAGED = (
    "records",
    "work_recs",
    "work_keys",
    "mention_src",
    "topic_ref_src",
    "inst_ref_src",
    "ref_src",
    "researcher_recs",
)

# Run by each side in its own process with its own tree first on sys.path: what `kg load` does up to resolving
# (kg.pipeline._stage_and_resolve's first step), with only the API both trees share.
_STAGE_CHILD = r"""
import json, os, resource, sys, time
store_path, src, limit = sys.argv[1], sys.argv[2], sys.argv[3]
import kg
from kg.config import Settings
from kg.models import Reject
from kg.sources.parsers.read import iter_units
from kg.stage.parallel import CHUNK_WORKS, Workers
from kg.stage.store import StageStore

def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime

s = Settings()
wal = store_path + ".wal"
with StageStore(store_path, memory_limit=limit or None) as st:
    rid = "run:bench"
    st.begin_run(rid, [src], None)
    workers = Workers(s.stage_worker_count, known=st.known_keys_file)

    def records():
        for it in workers.staged(iter_units([src], chunk=CHUNK_WORKS), rid):
            if not isinstance(it, Reject):
                yield it

    t, c = time.monotonic(), cpu()
    counts = st.stage(rid, records())
    wall, used = time.monotonic() - t, cpu() - c
    wal_mb = os.path.getsize(wal) / 2**20 if os.path.exists(wal) else 0.0
    workers.close()
    steps = {}
    if len(sys.argv) > 4:  # then resolve, in this process on this connection, as `kg load` does
        from kg.derive.coauthor_table import build_coauthor_table
        from kg.resolve.engine import EmbeddedEngine

        st.con.execute(f"SET memory_limit = '{sys.argv[4]}'")
        current = [None, 0.0, 0.0]

        def mark(name):
            now, c = time.monotonic(), cpu()
            if current[0] is not None:
                steps[current[0]] = {"wall": round(now - current[1], 2), "cpu": round(c - current[2], 2)}
            current[:] = [name, now, c]

        EmbeddedEngine().resolve(st, on_progress=lambda name, d, n: name != current[0] and mark(name))
        mark("build the COAUTHOR table")
        build_coauthor_table(st, s.coauthor_author_cap)
        mark(None)
    t, c = time.monotonic(), cpu()
hwm = [int(x.split()[1]) for x in open("/proc/self/status") if x.startswith("VmHWM:")][0]
print(json.dumps({
    "kg": kg.__file__, "records": counts.new, "wall": round(wall, 2), "cpu": round(used, 2),
    "wal_mb_after_stage": round(wal_mb, 1),
    "close": {"wall": round(time.monotonic() - t, 2), "cpu": round(cpu() - c, 2)},
    "peak_rss_mb": round(hwm / 1024), "steps": steps,
}))
"""


def stage_side(
    tree: Path, store: Path, src: Path, limit: str, resolve_limit: str | None = None
) -> dict[str, Any]:
    """Stage `src` into `store` with the tree's code; with `resolve_limit`, resolve it after in the same process
    (the steps' wall and CPU under "steps"), as the load does."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            _STAGE_CHILD,
            str(store),
            str(src),
            limit,
            *([resolve_limit] if resolve_limit else []),
        ],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"staging by {tree} failed: {out.stderr.strip().splitlines()[-1:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    if not result["kg"].startswith(str(tree)):
        raise SystemExit(f"the side meant to run {tree} imported kg from {result['kg']}")
    return result


def layout(store: Path) -> dict[str, Any]:
    """File size and, per staged table, rows and row groups (DuckDB's storage_info), read only."""
    import duckdb

    out: dict[str, Any] = {"file_mb": round(store.stat().st_size / 2**20, 1)}
    con = duckdb.connect(str(store), read_only=True)
    try:
        for table in STAGED:
            rows, groups = con.execute(
                "SELECT (SELECT count(*) FROM " + table + "), "
                "(SELECT count(DISTINCT row_group_id) FROM pragma_storage_info(?))",
                [table],
            ).fetchone() or (0, 0)
            out[table] = {"rows": rows, "row_groups": groups}
    finally:
        con.close()
    return out


def same_process(
    args: argparse.Namespace, src: Path, work: Path, trees: dict[str, Path], commits: dict[str, str]
) -> None:
    """Each tree stages and then resolves in one process (the load's way), alternated; the stores compared."""
    runs: dict[str, list[dict[str, Any]]] = {"base": [], "this": []}
    stores: dict[str, Path] = {}
    for i in range(args.repeats):
        for side in ("base", "this") if i % 2 == 0 else ("this", "base"):
            store = work / f"inproc-{side}-{i}.duckdb"
            store.unlink(missing_ok=True)
            log(f"run {i + 1}/{args.repeats}: {side} ({commits[side]}) stages and resolves")
            res = stage_side(trees[side], store, src, args.stage_memory_limit, args.memory_limit)
            res["total"] = {k: round(sum(v[k] for v in res["steps"].values()), 2) for k in ("wall", "cpu")}
            log(
                f"  {side}: stage {res['wall']} s ({res['cpu']} CPU-s), {res['steps']} peak {res['peak_rss_mb']} MB"
            )
            runs[side].append(res)
            stores[f"{side}#{i}"] = store
    diffs = against_reference(stores, "base#0")
    medians = {side: summary(rs) for side, rs in runs.items()}
    for side, rs in runs.items():
        medians[side]["stage"] = {
            k: round(sorted(r[k] for r in rs)[len(rs) // 2], 2) for k in ("wall", "cpu")
        }
    entry = {
        "works": args.works,
        "base": args.base,
        "base_commit": commits["base"],
        "this": commits["this"],
        "memory_limit": args.memory_limit,
        "stage_memory_limit": args.stage_memory_limit,
        "load_average": os.getloadavg(),
        "equal": all(not d for d in diffs.values()),
        "differences": diffs,
        "medians": medians,
        "runs": runs,
    }
    path = update_result("resolve_ab", f"same_process_{args.works}_{args.memory_limit}", entry)
    print(f"{'step: CPU-s (wall s)':28} {'base ' + commits['base']:>22} {'this ' + commits['this']:>22}")
    for step in ("stage", *STEPS, "total"):
        cols = [f"{medians[x][step]['cpu']} ({medians[x][step]['wall']})" for x in ("base", "this")]
        print(f"{step:28} {cols[0]:>22} {cols[1]:>22}")
    print(f"peak RSS MB: base {medians['base']['peak_rss_mb']}, this {medians['this']['peak_rss_mb']}")
    print(f"every table equal to base#0's: {entry['equal']}  results: {path}")
    for store in stores.values():
        if not args.keep:
            store.unlink(missing_ok=True)
    if not entry["equal"]:
        raise SystemExit(1)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--works", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--base", default="main", help="the baseline's git ref (default main)")
    ap.add_argument("--this", default="HEAD", help="this side's git ref (default HEAD: committed code only)")
    ap.add_argument(
        "--repeats", type=int, default=1, help="resolve runs of each of the four cells, alternated"
    )
    ap.add_argument("--memory-limit", default="512MB", help="DuckDB's limit while resolving")
    ap.add_argument("--stage-memory-limit", default="512MB", help="DuckDB's limit while staging (the load's)")
    ap.add_argument("--keep", action="store_true", help="keep the staged and resolved stores")
    ap.add_argument(
        "--same-process",
        action="store_true",
        help="instead of the 2 x 2: each tree stages and resolves in one process, as `kg load` does",
    )
    ap.add_argument("--work", help="the directory of a kept run: its staged stores are resolved again")
    args = ap.parse_args(argv)

    src = corpus(args.works, args.seed, openalex=False)
    # --work: a directory of an earlier run (--keep) whose trees and staged stores are used again
    work = (
        Path(args.work).resolve()
        if args.work
        else Path(tempfile.mkdtemp(prefix="stage-resolve-ab-", dir=data_dir()))
    )
    try:
        commits = {
            side: subprocess.run(
                ["git", "rev-parse", "--short", ref], capture_output=True, text=True, check=True
            ).stdout.strip()
            for side, ref in (("base", args.base), ("this", args.this))
        }
        trees = {side: base_tree(commit, work / f"{side}-tree") for side, commit in commits.items()}
        if args.same_process:
            same_process(args, src, work, trees, commits)
            return
        staged: dict[str, Path] = {}
        staging: dict[str, Any] = {}
        for side in ("base", "this"):
            staged[side] = work / f"staged-{side}-{commits[side]}.duckdb"
            info = staged[side].with_suffix(".json")
            if info.exists():
                staging[side] = {**json.loads(info.read_text()), "reused": str(staged[side])}
                continue
            log(f"staging {src} with {side} ({commits[side]})")
            staging[side] = stage_side(trees[side], staged[side], src, args.stage_memory_limit)
            staging[side]["layout"] = layout(staged[side])
            info.write_text(json.dumps(staging[side]))
            log(f"  {side}: {staging[side]}")
        cells = [(s, r) for s in ("base", "this") for r in ("base", "this")]
        runs: dict[str, list[dict[str, Any]]] = {f"stage_{s}/resolve_{r}": [] for s, r in cells}
        stores: dict[str, Path] = {}
        for i in range(args.repeats):
            for s, r in cells if i % 2 == 0 else cells[::-1]:
                name = f"stage_{s}/resolve_{r}"
                store = work / f"s-{s}-r-{r}-{i}.duckdb"
                shutil.copy(staged[s], store)
                log(f"run {i + 1}/{args.repeats}: {name}")
                res = run_side(trees[r], store, args.memory_limit)
                log(f"  {name}: {res['steps']} peak {res['peak_rss_mb']} MB")
                runs[name].append(res)
                stores[f"{name}#{i}"] = store
        diffs = against_reference(stores, "stage_base/resolve_base#0")
        medians = {name: summary(rs) for name, rs in runs.items()}
        entry = {
            "works": args.works,
            "seed": args.seed,
            "base": args.base,
            "this": commits["this"],
            "base_commit": commits["base"],
            "memory_limit": args.memory_limit,
            "stage_memory_limit": args.stage_memory_limit,
            "staging": staging,
            "load_average": os.getloadavg(),
            "equal": all(not d for d in diffs.values()),
            "differences": diffs,
            "medians": medians,
            "runs": runs,
        }
        path = update_result("resolve_ab", f"stage2x2_{args.works}_{args.memory_limit}", entry)
        for side in ("base", "this"):
            g = staging[side]
            print(
                f"staged by {side} ({commits[side]}): {g['wall']} s wall, {g['cpu']} CPU-s, "
                f"WAL after stage {g['wal_mb_after_stage']} MB, file {g['layout']['file_mb']} MB, row groups "
                + ", ".join(f"{t} {g['layout'][t]['row_groups']}" for t in STAGED)
            )
        print(f"{'step: CPU-s (wall s)':28} " + " ".join(f"{n:>26}" for n in medians))
        for step in (*STEPS, "total"):
            cols = [f"{m[step]['cpu']} ({m[step]['wall']})" for m in medians.values()]
            print(f"{step:28} " + " ".join(f"{c:>26}" for c in cols))
        print("peak RSS MB: " + ", ".join(f"{n} {m['peak_rss_mb']}" for n, m in medians.items()))
        print(f"every table equal to stage_base/resolve_base's: {entry['equal']}  results: {path}")
        if not entry["equal"]:
            raise SystemExit(1)
    finally:
        for store in work.glob("s-*-r-*.duckdb*"):
            if not args.keep:
                store.unlink()
        if not args.keep and not args.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
