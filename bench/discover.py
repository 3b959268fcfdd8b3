"""Discovery benchmark: wall time and peak memory of `kg coauthors rebuild` and `kg discover` for all researchers."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
from typing import Any

from bench import common, graph1m
from kg import graphdb, localdb
from kg.config import Settings


def _available(*args: str) -> bool:
    return subprocess.run(common.kg_cmd(*args, "--help"), capture_output=True).returncode == 0


def _measure(s: Settings, *args: str) -> dict[str, Any]:
    if not _available(*args):
        return {"available": False, "why": f"`kg {' '.join(args)}` is not in this checkout yet"}
    # under /usr/bin/time -v when it is there: its own wall clock and max RSS are kept next to ours (from wait4)
    timer = ["/usr/bin/time", "-v"] if os.access("/usr/bin/time", os.X_OK) else []
    m = common.run_measured([*timer, *common.kg_cmd(*args)], env=common.kg_env(s))
    stderr = [
        ln
        for ln in m.stderr.splitlines()
        if not ln.startswith("\t") and not ln.startswith(("Command being timed", "Command exited"))
    ]
    out: dict[str, Any] = {
        "available": m.returncode == 0,
        "command": ("/usr/bin/time -v " if timer else "") + "kg " + " ".join(args),
        "exit_code": m.returncode,
        "seconds": round(m.seconds, 3),
        "peak_rss_mb": round(m.peak_rss_mb, 1),
        # the command's own summary (counts, where the time went), for whoever reads the numbers
        "output_tail": (m.stdout.strip().splitlines() + stderr)[-8:],
    }
    for line in m.stderr.splitlines():
        key, _, value = line.strip().partition(": ")
        if key == "Maximum resident set size (kbytes)":
            out["time_v_max_rss_mb"] = round(int(value) / 1024, 1)
        elif key.startswith("Elapsed (wall clock) time"):
            out["time_v_elapsed"] = value
        elif key in ("User time (seconds)", "System time (seconds)"):
            out["user_s" if key.startswith("User") else "system_s"] = float(value)
    if m.returncode != 0:
        tail = stderr or m.stdout.strip().splitlines()
        out["why"] = tail[-1][:300] if tail else f"exit {m.returncode}"
    return out


def rebuild_coauthors(s: Settings) -> dict[str, Any]:
    return _measure(s, "coauthors", "rebuild")


def run(
    s: Settings, works: int, coauthors: dict[str, Any] | None = None, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Time `kg discover` over everyone (COAUTHOR must be built: pass its measurement or it is rebuilt here)."""
    if coauthors is None:
        common.log("discover: kg coauthors rebuild")
        coauthors = rebuild_coauthors(s)
    common.log("discover: kg discover (all researchers)")
    load_before = list(os.getloadavg())
    disc = _measure(s, "discover")
    disc["load_average_before"] = load_before
    drv = graphdb.open_driver(s)
    try:
        counts = graphdb.run(drv, common.q("counts"), settings=s)[0]
    finally:
        drv.close()
    entry = {
        "works": works,
        "researchers": counts["researchers"],
        "graph": counts,
        "coauthors_rebuild": coauthors,
        "discover": disc,
        "target_seconds": 600,
        **(extra or {}),
    }
    common.update_result("discover", str(works), entry)
    return entry


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "--works", type=int, required=True, help="the corpus size the loaded graph was built from"
    )
    ap.add_argument("--skip-rebuild", action="store_true", help="COAUTHOR is already built")
    ap.add_argument(
        "--graph1m", action="store_true", help="measure the graph built by bench/graph1m.py (its own Neo4j)"
    )
    args = ap.parse_args(argv)
    s = graph1m.graph_settings() if args.graph1m else common.bench_settings()
    if s.uses_local_db:
        localdb.start(s)
    co = {"available": False, "why": "skipped"} if args.skip_rebuild else None
    if args.graph1m and args.skip_rebuild:
        # the rebuild bench/graph1m.py measured on this graph
        doc = json.loads((common.results_dir() / "graph.json").read_text(encoding="utf-8"))
        rebuild = doc["runs"].get(f"synth-{args.works}-s{common.SEED}", {}).get("coauthors_rebuild")
        if rebuild:
            co = {**rebuild, "available": rebuild.get("exit_code") == 0}
    entry = run(s, args.works, co, {"graph_built_by": "import"} if args.graph1m else None)
    common.log(f"discover {args.works:,}: {entry['discover']}")


if __name__ == "__main__":
    main()
