"""Stopping the local Neo4j, with and without the Bolt shutdown quiet period set to 0 (kg.localdb.write_config).

Neo4j 5.26 waits 5 s after it has checkpointed and closed its databases before the Bolt server's event loops end
(Netty's quiet period). `kg load --bulk` stops the local Neo4j once per load, and the test suite many times. This
starts a scratch local Neo4j (its own home and ports, an empty graph), stops it, and does that `--repeats` times per
side, alternating the sides: "before" is the configuration without the setting, "after" the one `kg db start` writes.

    python -m bench.db_stop --repeats 3

Results go to bench/results/db_stop.json (the median stop of each side and their ratio).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import common
from kg import localdb
from kg.config import Settings


def _without_setting(write: Any) -> Any:
    """write_config, with the quiet period line taken out again (the configuration before the change)."""

    def write_config(s: Settings) -> Path:
        conf: Path = write(s)
        kept = [
            ln
            for ln in conf.read_text(encoding="utf-8").splitlines()
            if localdb.BOLT_SHUTDOWN_QUIET not in ln
        ]
        conf.write_text("\n".join(kept) + "\n", encoding="utf-8")
        return conf

    return write_config


def cycle(s: Settings, *, before: bool) -> dict[str, float]:
    """Seconds to start and to stop the scratch Neo4j once, configured the old way or the new."""
    write = localdb.write_config
    if before:
        localdb.write_config = _without_setting(write)  # type: ignore[assignment]
    try:
        t = time.monotonic()
        localdb.start(s)
        started = time.monotonic()
        localdb.stop(s)
        stopped = time.monotonic()
    finally:
        localdb.write_config = write  # type: ignore[assignment]
    return {"start": round(started - t, 2), "stop": round(stopped - started, 2)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3, help="start/stop cycles per side (alternated)")
    ap.add_argument("--bolt-port", type=int, default=17731, help="the scratch Neo4j's Bolt port (HTTP: +1)")
    args = ap.parse_args(argv)
    runs: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    with tempfile.TemporaryDirectory() as d:
        s = common.scratch_settings(Path(d) / "neo4j", args.bolt_port)
        for i in range(args.repeats):
            for side in ("before", "after") if i % 2 == 0 else ("after", "before"):
                r = cycle(s, before=side == "before")
                common.log(f"{side}: start {r['start']}s, stop {r['stop']}s")
                runs[side].append(r)
    out: dict[str, Any] = {
        "command": "python -m bench.db_stop " + " ".join(sys.argv[1:] if argv is None else argv)
    }
    for side, rs in runs.items():
        out[side] = {"runs": rs, "median_stop": statistics.median(r["stop"] for r in rs)}
    out["stop_ratio_after_before"] = round(out["after"]["median_stop"] / out["before"]["median_stop"], 3)
    path = common.update_result("db_stop", f"repeats_{args.repeats}", out)
    print(f"median stop: before {out['before']['median_stop']}s, after {out['after']['median_stop']}s "
          f"(x{out['stop_ratio_after_before']}); written {path}")  # fmt: skip


if __name__ == "__main__":
    main()
