"""Side by side: the panel's slice endpoints served by two API builds (a baseline source tree and this one) against
the same Neo4j, in alternating rounds, as p50/p95 latencies and their ratio (this / baseline).

    git archive main | tar -x -C /tmp/main-src          # any checkout of the baseline
    python -m bench.panel_ab --baseline-src /tmp/main-src [--rounds 4] [--requests 120] [--clients 2]

The Neo4j is KG_NEO4J_URI when set, else the local one (KG_BOLT_PORT): whatever graph it holds is measured, by
both builds, with the same researchers (bench.panel.pick_nodes). Results go to bench/results/panel_ab.json.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench import common
from bench.panel import Server, _free_port, _paths, hammer, pick_nodes
from kg import db, localdb
from kg.config import REPO_ROOT, Settings, get_settings


class SourceServer(Server):
    """`kg serve` from a given source tree (its own kg, api and cypher) on a free port, without the web panel."""

    def __init__(self, s: Settings, src: Path) -> None:  # Server's own __init__ serves this tree: not called
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = common.kg_env(s)
        env["PYTHONPATH"] = str(src)
        env["KG_API_WEB_DIST"] = str(src / "no-web-dist")
        args = ["--host", "127.0.0.1", "--port", str(self.port), "--workers", "1", "--log-level", "warning"]
        # run from the tree itself: `python -m` puts the working directory first on sys.path
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kg.cli", "serve", *args],
            cwd=src,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )


def measure(s: Settings, baseline: Path, rounds: int, requests: int, clients: int) -> dict[str, Any]:
    drv = db.make_driver(s)
    try:
        picked = pick_nodes(drv, s, 5)
        counts = db.run(drv, common.q("counts"), settings=s)[0]
    finally:
        drv.close()
    builds = {"baseline": baseline, "this": REPO_ROOT}
    servers = {name: SourceServer(s, src) for name, src in builds.items()}
    samples: dict[str, dict[str, dict[str, list[dict[str, Any]]]]] = {}
    try:
        for srv in servers.values():
            srv.wait_ready()
        for r in range(rounds):
            order = list(builds) if r % 2 == 0 else list(reversed(builds))
            for name in order:
                for endpoint in ("researcher_graph", "expand"):
                    for cls, rows in picked.items():
                        if not rows:
                            continue
                        common.log(f"panel_ab: round {r + 1}/{rounds} {name} {endpoint} {cls}")
                        m = hammer(
                            servers[name].base, _paths(endpoint, [x["id"] for x in rows]), requests, clients
                        )
                        samples.setdefault(endpoint, {}).setdefault(cls, {}).setdefault(name, []).append(m)
    finally:
        for srv in servers.values():
            srv.stop()
    out: dict[str, Any] = {}
    for endpoint, by_cls in samples.items():
        for cls, by_build in by_cls.items():
            row: dict[str, Any] = {}
            for name, ms in by_build.items():
                row[name] = {
                    "p50_ms": statistics.median(m["p50_ms"] for m in ms),
                    "p95_ms": statistics.median(m["p95_ms"] for m in ms),
                    "errors": sum(sum(m["errors"].values()) for m in ms),
                    "max_nodes": max(m["nodes_per_response_max"] for m in ms),
                }
            for p in ("p50_ms", "p95_ms"):
                row[f"ratio_{p}"] = (
                    round(row["this"][p] / row["baseline"][p], 3) if row["baseline"][p] else None
                )
            out.setdefault(endpoint, {})[cls] = row
    return {
        "graph": counts,
        "nodes": {cls: [r["id"] for r in rows] for cls, rows in picked.items()},
        "results": out,
        "config": {"rounds": rounds, "requests": requests, "clients": clients, "baseline": str(baseline)},
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline-src", type=Path, required=True, help="a source tree of the baseline API")
    ap.add_argument("--rounds", type=int, default=4, help="alternating rounds per build")
    ap.add_argument("--requests", type=int, default=120, help="requests per endpoint, class and round")
    ap.add_argument("--clients", type=int, default=2)
    ap.add_argument("--label", default="local", help="the key of this run in bench/results/panel_ab.json")
    a = ap.parse_args(argv)
    if not (a.baseline_src / "api" / "main.py").is_file():
        raise SystemExit(f"error: {a.baseline_src} holds no api/main.py")
    s = get_settings()
    if s.uses_local_db:
        localdb.start(s)
    entry = measure(s, a.baseline_src.resolve(), a.rounds, a.requests, a.clients)
    common.update_result("panel_ab", a.label, entry)
    for endpoint, by_cls in entry["results"].items():
        for cls, row in by_cls.items():
            common.log(
                f"{endpoint} {cls}: p50 {row['baseline']['p50_ms']:.1f} → {row['this']['p50_ms']:.1f} ms "
                f"(×{row['ratio_p50_ms']}), p95 {row['baseline']['p95_ms']:.1f} → {row['this']['p95_ms']:.1f} ms "
                f"(×{row['ratio_p95_ms']}), nodes ≤ {row['this']['max_nodes']}"
            )


if __name__ == "__main__":
    main()
