"""Resolve works alone, a baseline source tree against this one, on copies of one staged corpus (issue #15).

The store bench.resolve_ab stages (`resolve-ab-<works>-<seed>.duckdb` under the bench data directory) is copied
once a side; each side runs kg.resolve.works.resolve_works in a process of its own from `git archive` of its ref,
with the load's memory limit, one after the other. Wall and CPU seconds, records merged in Python and peak RSS of
each; the tables resolving works fills are then compared row for row (EXCEPT ALL both ways). At 1M works the whole
resolve_ab run takes too long to repeat: this is its first step alone.

    python -m bench.resolve_works_ab --works 1000000 [--base main] [--this HEAD]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path
from typing import Any

from bench.common import data_dir, log
from bench.resolve_ab import base_tree, child_result
from bench.spark_resolve import differences

TABLES = (
    "work", "work_member", "slot", "work_topic_src", "institution_src", "work_ref_src", "pending_block",
    "pending_derive", "work_recs",
)  # fmt: skip

_CHILD = r"""
import json, resource, sys, time
import kg
from kg.resolve.works import resolve_works
from kg.stage.store import StageStore

with StageStore(sys.argv[1], memory_limit=sys.argv[2]) as st:
    t, r0 = time.monotonic(), resource.getrusage(resource.RUSAGE_SELF)
    rep = resolve_works(st)
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    wall = time.monotonic() - t
hwm = [int(x.split()[1]) for x in open("/proc/self/status") if x.startswith("VmHWM:")][0]
cpu = r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime
print(json.dumps({"kg": kg.__file__, "wall": round(wall, 2), "cpu": round(cpu, 2), "merged": rep.merged,
                  "works": rep.works, "peak_rss_mb": round(hwm / 1024)}))
"""


def run_side(tree: Path, store: Path, limit: str) -> dict[str, Any]:
    return child_result(tree, _CHILD, store, limit)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--works", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--base", default="main", help="the baseline's git ref (default main)")
    ap.add_argument("--this", default="HEAD", help="this side's git ref (default HEAD: committed code only)")
    ap.add_argument("--memory-limit", default="512MB", help="the stage's DuckDB limit (the load's default)")
    args = ap.parse_args(argv)
    staged = data_dir() / f"resolve-ab-{args.works}-{args.seed}.duckdb"
    if not staged.exists():
        raise SystemExit(f"{staged} is missing: `python -m bench.resolve_ab --works {args.works}` stages it")
    work = Path(tempfile.mkdtemp(prefix="resolve-works-ab-", dir=data_dir()))
    try:
        stores: dict[str, Path] = {}
        results: dict[str, dict[str, Any]] = {}
        for side, ref in (("base", args.base), ("this", args.this)):
            tree = base_tree(ref, work / f"{side}-tree")
            stores[side] = work / f"{side}.duckdb"
            shutil.copy(staged, stores[side])
            results[side] = run_side(tree, stores[side], args.memory_limit)
            log(f"{side} ({ref}): {results[side]}")
        diffs = differences(stores["base"], stores["this"], TABLES)
        b, t = results["base"], results["this"]
        print(f"resolve works, {args.works} works: base {b['wall']} s ({b['cpu']} CPU-s), this {t['wall']} s "
              f"({t['cpu']} CPU-s): wall x{t['wall'] / b['wall']:.2f}, CPU x{t['cpu'] / b['cpu']:.2f}")  # fmt: skip
        print(f"records merged in Python: base {b['merged']}, this {t['merged']}; peak RSS MB: base "
              f"{b['peak_rss_mb']}, this {t['peak_rss_mb']}")  # fmt: skip
        print(f"the tables resolving works fills: {'; '.join(diffs) or 'equal'}")
        if diffs:
            raise SystemExit(1)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
