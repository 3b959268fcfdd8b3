"""Resolve + graph tables + COAUTHOR table of one staged corpus, a baseline source tree against this one (issue #15).

A `kg synth` corpus is staged once; each side then resolves a fresh copy of that store in a subprocess of its own
(each from `git archive` of its ref, on PYTHONPATH), the sides alternated, with the load's memory limit
(Settings().stage_memory_limit) and COAUTHOR cap. Every resolved and derived table of each run must equal the
baseline's first run, row for row (bench.spark_resolve.differences). Wall and CPU seconds (user + system of the
process, DuckDB's threads included) per step, and the process's peak RSS (VmHWM), go to bench/results/resolve_ab.json.

    python -m bench.resolve_ab --works 200000 [--base main] [--repeats 2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import CHILD_STEP_TIMER, data_dir, log, update_result
from bench.spark_resolve import TABLES, corpus, differences, stage

# besides the resolve stage's tables (bench.spark_resolve.TABLES): what the COAUTHOR build and the bookkeeping fill
MORE_TABLES = (
    "coauthor",
    "coauthor_work",
    "coauthor_basis",
    "same_as",
    "not_same_as",
    "work_topic_src",
    "institution_src",
    "work_ref_src",
    "topic_src",
    "profile_affiliation_src",
    "block_group",
    "named_block",
    "pending_block",
    "pending_researcher",
    "pending_derive",
    "pending_coauthor",
    "work_recs",
    "researcher_recs",
)

# Run by each side in its own process with its own tree first on sys.path: only the API both trees share.
_CHILD = r"""
import json, resource, sys, time
store_path, limit = sys.argv[1], sys.argv[2]
import kg
from kg.config import Settings
from kg.derive.coauthor_table import build_coauthor_table
from kg.resolve.engine import EmbeddedEngine
from kg.stage.store import StageStore

{timer}
with StageStore(store_path, memory_limit=limit or None) as st:
    EmbeddedEngine().resolve(st, on_progress=progress)
    mark("build the COAUTHOR table")
    build_coauthor_table(st, Settings().coauthor_author_cap)
    mark(None)
# VmHWM, not ru_maxrss: that one keeps the parent's peak across fork + exec
hwm = [int(x.split()[1]) for x in open("/proc/self/status") if x.startswith("VmHWM:")][0]
print(json.dumps({"kg": kg.__file__, "steps": steps, "peak_rss_mb": round(hwm / 1024)}))
""".replace("{timer}", CHILD_STEP_TIMER)

STEPS = ("resolve works", "resolve researchers", "build the graph tables", "build the COAUTHOR table")


def base_tree(ref: str, into: Path) -> Path:
    """`git archive REF` unpacked into `into` (made again each time: REF may have moved)."""
    shutil.rmtree(into, ignore_errors=True)
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", ref], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def child_result(tree: Path, child: str, store: Path, limit: str) -> dict[str, Any]:
    """Run `child` (a script printing one JSON line last) with `tree` first on the path, and check that it ran that
    tree's kg."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(
        [sys.executable, "-c", child, str(store), limit], cwd=tree, env=env, capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit(f"the side {tree} failed: {out.stderr.strip().splitlines()[-1:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    if not result["kg"].startswith(str(tree)):
        raise SystemExit(f"the side meant to run {tree} imported kg from {result['kg']}")
    return result


def run_side(tree: Path, store: Path, limit: str) -> dict[str, Any]:
    result = child_result(tree, _CHILD, store, limit)
    total_wall = sum(s["wall"] for s in result["steps"].values())
    total_cpu = sum(s["cpu"] for s in result["steps"].values())
    result["total"] = {"wall": round(total_wall, 2), "cpu": round(total_cpu, 2)}
    return result


def against_reference(stores: dict[str, Path], reference: str) -> dict[str, list[str]]:
    """Every resolved store's tables against the reference run's, row for row: the differences of each (none: equal),
    each logged."""
    diffs: dict[str, list[str]] = {}
    for name, store in stores.items():
        if name != reference:
            diffs[name] = differences(stores[reference], store, (*TABLES, *MORE_TABLES))
            log(f"{name} against {reference}: {'; '.join(diffs[name]) or 'equal'}")
    return diffs


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for step in (*STEPS, "total"):
        rows = [
            r["total"] if step == "total" else r["steps"].get(step, {"wall": 0.0, "cpu": 0.0}) for r in runs
        ]
        out[step] = {
            "wall": round(statistics.median(r["wall"] for r in rows), 2),
            "cpu": round(statistics.median(r["cpu"] for r in rows), 2),
        }
    out["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--works", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--base", default="main", help="the baseline's git ref (default main)")
    ap.add_argument("--this", default="HEAD", help="this side's git ref (default HEAD: committed code only)")
    ap.add_argument("--repeats", type=int, default=2, help="runs of each side, alternated")
    ap.add_argument("--memory-limit", default="512MB", help="the stage's DuckDB limit (the load's default)")
    ap.add_argument("--keep", action="store_true", help="keep the staged and resolved stores")
    ap.add_argument(
        "--key", help="the results key (default synth_<works>_<memory limit>; a rerun under it replaces it)"
    )
    args = ap.parse_args(argv)

    src = corpus(args.works, args.seed, openalex=False)
    work = Path(tempfile.mkdtemp(prefix="resolve-ab-", dir=data_dir()))
    try:
        base = base_tree(args.base, work / "base-tree")
        this_commit = subprocess.run(
            ["git", "rev-parse", "--short", args.this], capture_output=True, text=True, check=True
        ).stdout.strip()
        here = base_tree(this_commit, work / "this-tree")
        # staged once per corpus and kept (staging is not what is compared)
        staged = data_dir() / f"resolve-ab-{args.works}-{args.seed}.duckdb"
        staged_info: dict[str, Any] = {"path": str(staged), "reused": staged.exists()}
        if not staged.exists():
            log(f"staging {src}")
            partial = staged.with_suffix(".partial")
            partial.unlink(missing_ok=True)
            staged_info |= stage(partial, src)
            partial.rename(staged)
            log(f"staged {staged_info}")
        runs: dict[str, list[dict[str, Any]]] = {"base": [], "this": []}
        stores: dict[str, Path] = {}
        for i in range(args.repeats):
            for side, tree in (
                (("base", base), ("this", here)) if i % 2 == 0 else (("this", here), ("base", base))
            ):
                store = work / f"{side}-{i}.duckdb"
                shutil.copy(staged, store)
                log(f"run {i + 1}/{args.repeats}: {side}")
                r = run_side(tree, store, args.memory_limit)
                log(f"  {side}: {r['steps']} peak {r['peak_rss_mb']} MB")
                runs[side].append(r)
                stores[f"{side}-{i}"] = store
        diffs = against_reference(stores, "base-0")
        sb, st = summary(runs["base"]), summary(runs["this"])
        entry = {
            "works": args.works,
            "seed": args.seed,
            "base": args.base,
            "this": this_commit,
            "memory_limit": args.memory_limit,
            "staged": staged_info,
            "load_average": os.getloadavg(),
            "equal": all(not d for d in diffs.values()),
            "differences": diffs,
            "base_median": sb,
            "this_median": st,
            "runs": runs,
        }
        path = update_result("resolve_ab", args.key or f"synth_{args.works}_{args.memory_limit}", entry)
        print(f"{'step':28} {'base wall':>10} {'this wall':>10} {'base cpu':>9} {'this cpu':>9}")
        for step in (*STEPS, "total"):
            print(
                f"{step:28} {sb[step]['wall']:>10} {st[step]['wall']:>10} {sb[step]['cpu']:>9} {st[step]['cpu']:>9}"
            )
        print(f"peak RSS MB: base {sb['peak_rss_mb']}, this {st['peak_rss_mb']}")
        print(f"every table equal to the base's first run: {entry['equal']}  results: {path}")
        if not entry["equal"]:
            raise SystemExit(1)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
