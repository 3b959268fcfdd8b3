"""Side by side: parse + stage of one CSV bundle by the record path (as `kg load` stages it, worker processes
included) and by SQL (kg.stage.csv_sql: DuckDB reads the two files itself), alternating fresh processes; wall and
CPU seconds, peak memory, the share of records SQL made, and every staged table of the two stores compared row for
row (EXCEPT ALL both ways).

    python -m bench.stage_sql --bundle DIR [--repeats 2]
    python -m bench.stage_sql --works 100000 [--seed 42]

CPU seconds: the record path's are its process and its worker processes whole (bench.stage_speed.stage_once); the
SQL path's are its one process, DuckDB's threads included. Results: bench/results/stage_sql.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.stage_speed import compare_stages, stage_once, stage_sql_once

PATHS = ("records", "sql")


def _measure(path: str, bundle: Path, db: Path) -> dict[str, Any]:
    for p in (db, db.with_name(db.name + ".wal")):
        p.unlink(missing_ok=True)
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, "-m", "bench.stage_sql", f"--child-{path}", str(bundle), str(db)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"error: staging by {path} failed: {out.stderr.strip()[-2000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def run(bundle: Path, repeats: int, work: Path) -> dict[str, Any]:
    dbs = {p: work / f"stage-{p}.duckdb" for p in PATHS}
    got: dict[str, list[dict[str, Any]]] = {p: [] for p in PATHS}
    ratios: list[float] = []
    cpu_ratios: list[float] = []
    for i in range(repeats):
        order = list(PATHS) if i % 2 == 0 else list(reversed(PATHS))
        pair = {}
        for p in order:
            r = _measure(p, bundle, dbs[p])
            pair[p] = r
            got[p].append(r)
            _log(
                f"{p}: {r['read']:,} records in {r['seconds']:.2f} s, {r['cpu_seconds']:.1f} CPU s, "
                f"peak {r['peak_rss_mb']:.0f} MB" + (f", SQL made {r['sql_records']:,}" if p == "sql" else "")
            )
        ratios.append(pair["sql"]["seconds"] / pair["records"]["seconds"])
        cpu_ratios.append(pair["sql"]["cpu_seconds"] / pair["records"]["cpu_seconds"])
    diff = compare_stages(dbs["records"], dbs["sql"])
    for db in dbs.values():
        for f in (db, db.with_name(db.name + ".wal")):
            f.unlink(missing_ok=True)
    sql = got["sql"][-1]
    return {
        "bundle": str(bundle),
        "records": sql["read"],
        "repeats": repeats,
        "workers": got["records"][-1].get("workers"),
        "sql_records": sql["sql_records"],
        "python_records": sql["python_records"],
        "sql_share": round(sql["sql_records"] / max(1, sql["read"]), 4),
        "whole_python": sql["whole_python"],
        "seconds": {p: [round(r["seconds"], 2) for r in v] for p, v in got.items()},
        "cpu_seconds": {p: [round(r["cpu_seconds"], 2) for r in v] for p, v in got.items()},
        "main_cpu_seconds": {p: [round(r["main_cpu_seconds"], 2) for r in v] for p, v in got.items()},
        "workers_cpu_seconds": [r.get("workers_cpu_seconds") for r in got["records"]],
        "peak_rss_mb": {p: round(max(r["peak_rss_mb"] for r in v)) for p, v in got.items()},
        "worker_peak_rss_mb": round(max(r.get("worker_peak_rss_mb", 0.0) for r in got["records"])),
        "ratio_time_sql_over_records": round(statistics.median(ratios), 3),
        "paired_ratios": [round(r, 3) for r in ratios],
        "ratio_cpu_sql_over_records": round(statistics.median(cpu_ratios), 3),
        "paired_cpu_ratios": [round(r, 3) for r in cpu_ratios],
        "identical": all(d["only_baseline"] == 0 and d["only_this"] == 0 for d in diff.values()),
        "tables": diff,
    }


def _log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] in ("--child-records", "--child-sql"):
        once = stage_once if sys.argv[1] == "--child-records" else stage_sql_once
        print(json.dumps(once(sys.argv[2], sys.argv[3])))
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bundle", type=Path, help="a CSV bundle directory")
    ap.add_argument("--works", type=int, default=20_000, help="else synthetic works (kg synth, seed --seed)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=2, help="pairs of runs (default 2)")
    ap.add_argument("--key", help="the result's key in bench/results/stage_sql.json")
    args = ap.parse_args()
    from bench import common

    if args.bundle:
        key, bundle = f"bundle_{args.bundle.name}", args.bundle
    else:
        from kg.synth import SynthParams, generate

        bundle = common.data_dir() / f"synth-{args.works}-s{args.seed}"
        key = f"synth_{args.works}"
        if not (bundle / "works.csv").exists():
            generate(SynthParams(works=args.works, seed=args.seed), bundle)
    with tempfile.TemporaryDirectory(prefix="kg-stage-sql-", dir=os.environ.get("KG_BENCH_TMP")) as tmp:
        entry = run(bundle.resolve(), args.repeats, Path(tmp))
    entry["when"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    common.update_result("stage_sql", args.key or key, entry)
    print(json.dumps(entry, indent=2))
    if not entry["identical"]:
        raise SystemExit("error: the two paths staged different rows (see tables)")


if __name__ == "__main__":
    main()
