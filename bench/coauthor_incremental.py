"""The COAUTHOR table rebuilt whole against built for what a load changed, side by side in one run (issue #15).

A synthetic corpus (`kg synth`, N + M works) is split in two; the first N works are staged, resolved and the table
built whole (the store a first load leaves). Then, on two copies of that store, the M more works are staged and
resolved, and the table built: whole on one (the copy forgets it ever had a table, so resolution records nothing,
as before #15), for the changed works' pairs on the other. Both tables (and big_team_works, and the per-work
states and basis) must be equal, row for row; the times (fastest of --repeats builds, each on a fresh copy), the
share of pairs recomputed and each build's peak RSS (the build runs in a child process) are reported. `--sweep` also
times both builds on the N-work store with every authorship of a random share of its works marked changed (5% …
70%): where the incremental build stops paying, which sets WHOLE_REBUILD_SHARE.

    python -m bench.coauthor_incremental --works 100000 --more 5000 [--repeats 3] [--sweep 0.05,0.1,0.3,0.5,0.7]

Results go to bench/results/coauthor_incremental.json (keyed by N+M); corpora and stores under bench/data.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import data_dir, log, run_measured, update_result
from bench.pipeline import split_bundle
from kg.config import get_settings
from kg.derive.coauthor_table import WHOLE_REBUILD_SHARE, build_coauthor_table
from kg.resolve.engine import EmbeddedEngine
from kg.resolve.tables import COAUTHOR_BUILT
from kg.stage.store import StageStore
from kg.synth import SynthParams, generate

# what the two builds must agree on, with the columns that order their rows
TABLES = {
    "coauthor": "SELECT * FROM {db}coauthor",
    "big_team_works": "SELECT id, big_team_works FROM {db}researcher",
    "coauthor_work": "SELECT * FROM {db}coauthor_work",
    "coauthor_basis": "SELECT * FROM {db}coauthor_basis",
}


def stage_and_resolve(path: Path, bundle: Path) -> dict[str, float]:
    from kg.sources import parsers

    with StageStore(path) as st:
        t = time.monotonic()
        st.stage("run:bench", (r for r in parsers.iter_records([str(bundle)]) if r.kind != "reject"))
        staged = time.monotonic() - t
        t = time.monotonic()
        EmbeddedEngine().resolve(st)
        return {"stage": round(staged, 2), "resolve": round(time.monotonic() - t, 2)}


def build_in_child(path: Path, mode: str) -> dict[str, Any]:
    """One build in a child process: its report, wall time and peak RSS (the child's own high-water mark, which
    starts at exec: the rusage a parent sees counts the parent's memory before the exec)."""
    m = run_measured(
        [sys.executable, "-m", "bench.coauthor_incremental", "--build", str(path), "--mode", mode]
    )
    if m.returncode != 0:
        raise RuntimeError(f"the {mode} build failed: {m.stderr.strip()[-600:]}")
    out: dict[str, Any] = json.loads(m.stdout.strip().splitlines()[-1])
    return out


def builds(prepared: Path, mode: str, repeats: int) -> dict[str, Any]:
    """`repeats` builds, each on a fresh copy of the prepared store (a build changes it); the last copy is kept as
    `prepared`.built for the comparison. Reports the fastest and every time."""
    runs = []
    for i in range(repeats):
        copy = prepared.with_suffix(".built")
        shutil.copy(prepared, copy)
        runs.append(build_in_child(copy, mode))
        if i + 1 < repeats:
            copy.unlink()
    best = min(runs, key=lambda r: r["seconds"])
    return {
        **best,
        "all_seconds": [r["seconds"] for r in runs],
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
    }


def differences(a: Path, b: Path) -> list[str]:
    out = []
    with StageStore(a, read_only=True) as st:
        st.con.execute(f"ATTACH '{b}' AS other (READ_ONLY)")
        for name, sql in TABLES.items():
            mine, theirs = sql.format(db=""), sql.format(db="other.")
            n = st.scalar(
                f"SELECT count(*) FROM (({mine} EXCEPT ALL {theirs}) UNION ALL ({theirs} EXCEPT ALL {mine}))"
            )
            if n:
                out.append(f"{name}: {n} rows differ")
        st.con.execute("DETACH other")
    return out


def side_by_side(base: Path, work: Path, label: str, prepare: Any, repeats: int) -> dict[str, Any]:
    """Copies of `base`: `prepare(path, whole)` brings each to the state to build, then whole vs incremental."""
    whole_path, inc_path = work / f"{label}-whole.duckdb", work / f"{label}-incremental.duckdb"
    shutil.copy(base, whole_path)
    shutil.copy(base, inc_path)
    prep = {"whole": prepare(whole_path, True), "incremental": prepare(inc_path, False)}
    whole = builds(whole_path, "whole", repeats)
    inc = builds(inc_path, "incremental", repeats)
    diff = differences(whole_path.with_suffix(".built"), inc_path.with_suffix(".built"))
    for p in (whole_path, inc_path):
        p.unlink()
        p.with_suffix(".built").unlink()
    return {
        "prepare": prep,
        "whole": whole,
        "incremental": inc,
        "equal": not diff,
        "differences": diff,
        "recomputed_share": round(inc["recomputed"] / max(inc["pairs"], 1), 4),
        "whole_over_incremental": round(whole["seconds"] / inc["seconds"], 2) if inc["seconds"] else None,
    }


def run(works: int, more: int, seed: int, sweep: list[float], repeats: int) -> dict[str, Any]:
    total = works + more
    corpus = data_dir() / f"synth-{total}-s{seed}"
    if not (corpus / "works.csv").exists():
        log(f"synth: generating {total:,} works into {corpus}")
        generate(SynthParams(works=total, seed=seed), corpus)
    work = Path(tempfile.mkdtemp(prefix="coauthor-incremental-", dir=data_dir()))
    try:
        first, rest = work / "first", work / "more"
        split = split_bundle(corpus, first, rest, works)
        base = work / "base.duckdb"
        log(f"staging and resolving the first {works:,} works")
        base_times = stage_and_resolve(base, first)
        log("first build (whole)")
        first_build = build_in_child(base, "auto")  # whole: the store never had a table
        entry: dict[str, Any] = {
            "works": works,
            "more": more,
            "seed": seed,
            "split": split,
            "base": {**base_times, "build": first_build},
            "whole_rebuild_share": WHOLE_REBUILD_SHARE,
            "repeats": repeats,
        }

        def add_more(path: Path, whole: bool) -> dict[str, float]:
            if whole:  # as before #15: no table known, so resolution records nothing and the build is whole
                with StageStore(path) as st:
                    st.con.execute("DELETE FROM meta WHERE key = ?", [COAUTHOR_BUILT])
            return stage_and_resolve(path, rest)

        log(f"{more:,} more works: whole rebuild vs incremental")
        entry["load_more"] = side_by_side(base, work, "more", add_more, repeats)
        log(json.dumps(entry["load_more"]))
        if sweep:
            entry["sweep"] = {}
            for share in sweep:

                def mark(path: Path, whole: bool, share: float = share) -> dict[str, float]:
                    with StageStore(path) as st:
                        st.con.execute(
                            "INSERT INTO pending_coauthor SELECT src, dst FROM authored "
                            "WHERE hash(dst || ?) % 10000 < ?",
                            [str(seed), int(share * 10000)],
                        )
                    return {}

                log(f"sweep: {share:.0%} of works marked changed")
                entry["sweep"][str(share)] = side_by_side(base, work, f"sweep-{share}", mark, repeats)
                log(json.dumps(entry["sweep"][str(share)]))
        return entry
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _child_build(path: Path, mode: str) -> None:
    with StageStore(path, memory_limit=get_settings().stage_memory_limit) as st:
        t = time.monotonic()
        built = build_coauthor_table(st, get_settings().coauthor_author_cap, mode)  # type: ignore[arg-type]
        seconds = time.monotonic() - t
    hwm = next(
        (
            int(ln.split()[1])
            for ln in Path("/proc/self/status").read_text().splitlines()
            if ln.startswith("VmHWM")
        ),
        0,
    )
    print(json.dumps({"seconds": round(seconds, 2), "peak_rss_mb": round(hwm / 1024, 1), **vars(built)}))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--works", type=int, default=100_000, help="works of the first load")
    ap.add_argument("--more", type=int, default=5_000, help="works of the second load")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument(
        "--repeats", type=int, default=3, help="builds of each kind, each on a fresh copy (fastest kept)"
    )
    ap.add_argument("--sweep", default="", help="shares of works to mark changed, e.g. 0.05,0.1,0.3")
    ap.add_argument("--build", type=Path, help=argparse.SUPPRESS)  # the child: one build of this store
    ap.add_argument("--mode", default="auto", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.build:
        _child_build(args.build, args.mode)
        return
    sweep = [float(x) for x in args.sweep.split(",") if x.strip()]
    entry = run(args.works, args.more, args.seed, sweep, args.repeats)
    entry["command"] = " ".join(["python -m bench.coauthor_incremental", *(argv or sys.argv[1:])])
    path = update_result("coauthor_incremental", f"{args.works}+{args.more}", entry)
    m = entry["load_more"]
    print(
        f"{args.works:,} + {args.more:,} works: whole {m['whole']['seconds']} s ({m['whole']['peak_rss_mb']} MB), "
        f"incremental {m['incremental']['seconds']} s ({m['incremental']['peak_rss_mb']} MB), "
        f"ratio {m['whole_over_incremental']}x; {m['incremental']['changed_works']:,} works changed, "
        f"{m['incremental']['recomputed']:,} of {m['incremental']['pairs']:,} pairs recomputed "
        f"({m['recomputed_share']:.1%}); tables equal: {m['equal']}"
    )
    for share, r in entry.get("sweep", {}).items():
        print(
            f"  {float(share):.0%} of works marked: {r['recomputed_share']:.1%} of pairs recomputed, whole "
            f"{r['whole']['seconds']} s, incremental {r['incremental']['seconds']} s, ratio "
            f"{r['whole_over_incremental']}x, equal {r['equal']}"
        )
    print(f"results: {path}")
    if not m["equal"] or not all(r["equal"] for r in entry.get("sweep", {}).values()):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
