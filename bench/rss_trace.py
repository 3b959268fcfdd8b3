"""Memory over time of a running process (a long `kg load`), with the works already in the bench graph.

A peak RSS says how high memory went, not whether it grew with the input. This samples a live process once a
`--every` seconds until it exits: its resident set now, its peak so far (VmHWM) and, with `--works`, how many Work
nodes the bench Neo4j holds, so memory can be read against progress within one run (flat, or growing with it).

    python -m bench.rss_trace PID [--out FILE] [--every SECONDS] [--works]

Each sample is one JSON line: {"t": seconds since start, "at": clock, "rss_mb", "hwm_mb", "works"}.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO


def read_status(pid: int) -> dict[str, float] | None:
    """VmRSS and VmHWM of `pid` in MB from /proc, or None once the process is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    try:
        return {
            "rss_mb": round(int(fields["VmRSS"].split()[0]) / 1024, 1),
            "hwm_mb": round(int(fields["VmHWM"].split()[0]) / 1024, 1),
        }
    except (KeyError, ValueError, IndexError):
        return None  # a zombie has no memory lines left


def trace(pid: int, out: TextIO, every: float, works: Callable[[], Any] | None = None) -> int:
    """Sample until `pid` exits, with the graph's Work count from `works` when given. Returns the samples taken."""
    t0 = time.monotonic()
    n = 0
    while (mem := read_status(pid)) is not None:
        row: dict[str, Any] = {"t": round(time.monotonic() - t0, 1), "at": time.strftime("%H:%M:%S"), **mem}
        if works is not None:
            try:
                row["works"] = works()
            except Exception as e:  # the graph being busy or restarting is no reason to stop tracing memory
                row["works"] = None
                row["why"] = str(e).splitlines()[0][:200] if str(e) else type(e).__name__
        out.write(json.dumps(row) + "\n")
        out.flush()
        n += 1
        time.sleep(every)
    return n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pid", type=int, help="the process to follow (e.g. `pgrep -f 'kg.cli load'`)")
    ap.add_argument("--out", type=Path, default=None, help="JSON lines file (default: standard output)")
    ap.add_argument("--every", type=float, default=60.0, help="seconds between samples (default 60)")
    ap.add_argument("--works", action="store_true", help="also count the Work nodes in the bench Neo4j")
    args = ap.parse_args(argv)
    if read_status(args.pid) is None:
        print(f"error: no running process {args.pid}", file=sys.stderr)
        return 1
    counter: Callable[[], Any] | None = None
    driver = None
    if args.works:
        from bench import common
        from kg import graphdb

        s = common.bench_settings()
        driver = drv = graphdb.open_driver(s)

        def count_works() -> Any:
            return graphdb.run(drv, common.q("counts"), settings=s)[0]["works"]  # from the count store: cheap

        counter = count_works

    try:
        if args.out:
            with args.out.open("a", encoding="utf-8") as f:
                n = trace(args.pid, f, args.every, counter)
        else:
            n = trace(args.pid, sys.stdout, args.every, counter)
    finally:
        if driver is not None:
            driver.close()
    print(f"rss_trace: {n} samples of process {args.pid}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
