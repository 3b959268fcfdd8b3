"""The bulk path's topic derive (kg.derive.topic_bulk.derive) timed on its own, no Neo4j: two source trees side by
side on the same staged input, CPU seconds per 1,000 works, and a digest of every row it derives (issue #15 item 4).

    python bench/topics_assign.py prepare --works 50000 [--sourced 0.5]      # synth bundle → staged, resolved store
    python bench/topics_assign.py compare --baseline-src /tmp/base --works 50000 [--rounds 2]
    python bench/topics_assign.py run --stage S [--profile out.prof]          # one derive in this process

`prepare` stages and resolves a `kg synth` bundle (bench.topics_derive.bundle_for) into
bench/data/topics-assign-<works>-<sourced>.duckdb as `kg load` does before its write, without a database. `run`
copies that store, loads the model (timed apart), runs topic_bulk.derive over the pending works and researchers
and prints one JSON line: wall and CPU seconds of the derive, its own step seconds, and a sha256 of the keyphrase,
assigned HAS_TOPIC and WORKS_ON rows it leaves (ordered; floats as repr). `compare` runs `run` in a fresh process per
tree (PYTHONPATH = the tree, this file run by its path so it needs only the tree's kg), alternating the order per
round, and says whether the digests are equal. Results: bench/results/topics_assign.json.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

THIS_ROOT = Path(__file__).resolve().parent.parent


def _stage_path(works: int, sourced: float) -> Path:
    data = Path(os.environ.get("KG_BENCH_DATA", str(THIS_ROOT / "bench" / "data")))
    return data / f"topics-assign-{works}-{sourced:g}.duckdb"


def prepare(works: int, sourced: float) -> Path:
    sys.path.insert(0, str(THIS_ROOT))
    from bench.topics_derive import bundle_for
    from kg.config import get_settings
    from kg.resolve.choose import get_engine
    from kg.sources.parsers import iter_records
    from kg.stage.store import StageStore

    out = _stage_path(works, sourced)
    if out.exists():
        return out
    bundle = bundle_for(works, sourced)
    tmp = out.with_name(out.name + ".part")
    tmp.unlink(missing_ok=True)
    st = StageStore(tmp)
    try:
        st.begin_run("bench-topics-assign", [str(bundle)], None)
        st.stage("bench-topics-assign", (r for r in iter_records([bundle]) if r.kind != "reject"))
        get_engine(get_settings()).resolve(st)
    finally:
        st.close()
    tmp.replace(out)
    tmp.with_name(tmp.name + ".lock").unlink(missing_ok=True)  # the store's process lock, beside the old name
    return out


def _digest(con: Any, table: str, order: str) -> tuple[str, int]:
    h = hashlib.sha256()
    n = 0
    for row in con.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall():
        h.update(repr(row).encode())
        n += 1
    return h.hexdigest()[:16], n


def run_once(stage: Path, profile: Path | None) -> dict[str, Any]:
    from kg import pipeline, topics
    from kg.config import get_settings
    from kg.derive import topic_bulk
    from kg.stage.store import StageStore

    s = get_settings()
    with tempfile.TemporaryDirectory(dir=stage.parent) as d:
        copy = Path(d) / "stage.duckdb"
        shutil.copyfile(stage, copy)
        st = StageStore(copy)
        try:
            works, researchers = pipeline._pending_derive(st)
            c0, t0 = time.process_time(), time.perf_counter()
            topics.get_assigner(s)  # the model load, apart
            load_cpu = time.process_time() - c0
            prof = cProfile.Profile() if profile else None
            c0, t0 = time.process_time(), time.perf_counter()
            if prof:
                prof.enable()
            found = topic_bulk.derive(st.con, s, works, researchers, topics_mod=topics)
            if prof:
                prof.disable()
            cpu, wall = time.process_time() - c0, time.perf_counter() - t0
            if prof and profile:
                prof.dump_stats(str(profile))
            digests = {
                "keyphrases": _digest(st.con, topic_bulk.KEYPHRASES, "id"),
                "assigned": _digest(st.con, topic_bulk.ASSIGNED, "src, dst"),
                "works_on": _digest(st.con, topic_bulk.WORKS_ON, "src, dst"),
                "recorded": _digest(st.con, "assigned_topic", "ALL"),
            }
            topic_bulk.drop(st.con)
        finally:
            st.close()
    return {
        "works": len(works),
        "researchers": len(researchers),
        "assigned": found.assigned,
        "edges": found.edges,
        "works_on": found.works_on,
        "model_load_cpu_seconds": round(load_cpu, 2),
        "derive_wall_seconds": round(wall, 2),
        "derive_cpu_seconds": round(cpu, 2),
        "cpu_ms_per_work": round(1000 * cpu / max(1, len(works)), 3),
        "steps": {k: round(v, 2) for k, v in found.seconds.items()},
        "digests": digests,
    }


def compare(baseline: Path, works: int, sourced: float, rounds: int) -> dict[str, Any]:
    stage = prepare(works, sourced)
    trees = {"baseline": baseline.resolve(), "this": THIS_ROOT}
    runs: list[dict[str, Any]] = []
    for i in range(rounds):
        for name in ["baseline", "this"] if i % 2 == 0 else ["this", "baseline"]:
            env = {**os.environ, "PYTHONPATH": str(trees[name])}
            done = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "run", "--stage", str(stage)],
                env=env, cwd=trees[name], capture_output=True, text=True, check=False,
            )  # fmt: skip
            if done.returncode != 0:
                raise SystemExit(f"{name} failed ({done.returncode}): {done.stderr.strip()[-800:]}")
            r = {"tree": name, "round": i + 1, **json.loads(done.stdout.strip().splitlines()[-1])}
            print(json.dumps(r), file=sys.stderr, flush=True)
            runs.append(r)
    keys = ("derive_wall_seconds", "derive_cpu_seconds", "cpu_ms_per_work")
    median = {
        t: {k: statistics.median(r[k] for r in runs if r["tree"] == t) for k in keys}
        for t in ("baseline", "this")
    }
    return {
        "command": " ".join(["python bench/topics_assign.py", *sys.argv[1:]]),
        "baseline_src": str(trees["baseline"]),
        "works": works,
        "sourced": sourced,
        "runs": runs,
        "same_rows": len({json.dumps(r["digests"], sort_keys=True) for r in runs}) == 1,
        "median": median,
        "ratio_this_over_baseline": {k: round(median["this"][k] / median["baseline"][k], 3) for k in keys},
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare", help="stage and resolve a synth bundle (no database)")
    p.add_argument("--works", type=int, default=50_000)
    p.add_argument("--sourced", type=float, default=0.0)
    r = sub.add_parser("run", help="one derive over a prepared store, in this process")
    r.add_argument("--stage", type=Path, required=True)
    r.add_argument("--profile", type=Path, help="write cProfile stats of the derive here")
    c = sub.add_parser("compare", help="baseline tree and this tree side by side")
    c.add_argument("--baseline-src", type=Path, required=True)
    c.add_argument("--works", type=int, default=50_000)
    c.add_argument("--sourced", type=float, default=0.0)
    c.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args(argv)
    if args.cmd == "prepare":
        print(prepare(args.works, args.sourced))
    elif args.cmd == "run":
        print(json.dumps(run_once(args.stage, args.profile)))
    else:
        entry = compare(args.baseline_src, args.works, args.sourced, args.rounds)
        sys.path.insert(0, str(THIS_ROOT))
        from bench import common

        path = common.update_result("topics_assign", f"{args.works}-{args.sourced:g}", entry)
        print(json.dumps({k: v for k, v in entry.items() if k != "runs"}, indent=2))
        print(f"results in {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
