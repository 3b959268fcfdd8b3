"""Side by side: the panel's slice endpoints served by two API builds (a baseline source tree and this one) against
the same Neo4j, each request asked of both back to back, as p50/p95 latencies and the median of the paired ratios
(this / baseline).

    git archive main | tar -x -C /tmp/main-src          # any checkout of the baseline
    python -m bench.panel_ab --baseline-src /tmp/main-src [--repeats 40]

The Neo4j is KG_NEO4J_URI when set, else the local one (KG_BOLT_PORT): whatever graph it holds is measured, by
both builds, with the same researchers (bench.panel.pick_nodes). Results go to bench/results/panel_ab.json.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench import common
from bench.panel import Server, _free_port, _paths, pick_nodes
from kg import graphdb, localdb
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


def paired(bases: dict[str, str], paths: list[str], repeats: int) -> dict[str, Any]:
    """Each path asked of both builds back to back (which goes first alternates), `repeats` times over: the two
    latencies of a pair saw the same machine load, so their ratio is robust on a busy machine."""
    lat: dict[str, list[float]] = {name: [] for name in bases}
    ratios: list[float] = []
    nodes: dict[str, int] = dict.fromkeys(bases, 0)
    errors: dict[str, int] = dict.fromkeys(bases, 0)
    names = list(bases)
    with httpx.Client(timeout=60) as client:
        for name in names:  # warm-up, not measured: connections, query plans, page cache
            for path in paths:
                client.get(bases[name] + path)
        for k in range(repeats):
            for i, path in enumerate(paths):
                order = names if (k + i) % 2 == 0 else list(reversed(names))
                took: dict[str, float] = {}
                for name in order:
                    t0 = time.perf_counter()
                    resp = client.get(bases[name] + path)
                    took[name] = time.perf_counter() - t0
                    if resp.status_code != 200:
                        errors[name] += 1
                        continue
                    nodes[name] = max(nodes[name], len(resp.json().get("nodes", [])))
                for name in names:
                    lat[name].append(took[name])
                ratios.append(took["this"] / took["baseline"])
    out: dict[str, Any] = {
        name: {**common.percentiles(v), "errors": errors[name], "max_nodes": nodes[name]}
        for name, v in lat.items()
    }
    out["pairs"] = len(ratios)
    out["ratio_median_of_pairs"] = round(statistics.median(ratios), 3)
    for p in ("p50_ms", "p95_ms"):
        out[f"ratio_{p}"] = round(out["this"][p] / out["baseline"][p], 3) if out["baseline"].get(p) else None
    return out


def measure(s: Settings, baseline: Path, repeats: int, this: Path = REPO_ROOT) -> dict[str, Any]:
    drv = graphdb.open_driver(s)
    try:
        picked = pick_nodes(drv, s, 5)
        counts = graphdb.run(drv, common.q("counts"), settings=s)[0]
    finally:
        drv.close()
    servers = {"baseline": SourceServer(s, baseline), "this": SourceServer(s, this)}
    results: dict[str, dict[str, Any]] = {}
    try:
        for srv in servers.values():
            srv.wait_ready()
        bases = {name: srv.base for name, srv in servers.items()}
        for endpoint in ("researcher_graph", "expand"):
            for cls, rows in picked.items():
                if rows:
                    common.log(f"panel_ab: {endpoint} {cls}, {repeats} × {len(rows)} pairs")
                    paths = _paths(endpoint, [x["id"] for x in rows])
                    results.setdefault(endpoint, {})[cls] = paired(bases, paths, repeats)
    finally:
        for srv in servers.values():
            srv.stop()
    return {
        "graph": counts,
        "nodes": {cls: [r["id"] for r in rows] for cls, rows in picked.items()},
        "results": results,
        "config": {
            "repeats": repeats,
            "baseline": str(baseline),
            "this": str(this),
            "method": "paired, one client",
        },
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline-src", type=Path, required=True, help="a source tree of the baseline API")
    ap.add_argument("--repeats", type=int, default=40, help="pairs per node, endpoint and class")
    ap.add_argument(
        "--this-src",
        type=Path,
        default=REPO_ROOT,
        help="the build to compare (default: this tree; the baseline's own tree measures the method's noise)",
    )
    ap.add_argument("--label", default="local", help="the key of this run in bench/results/panel_ab.json")
    a = ap.parse_args(argv)
    if not (a.baseline_src / "api" / "main.py").is_file():
        raise SystemExit(f"error: {a.baseline_src} holds no api/main.py")
    s = get_settings()
    if s.uses_local_db:
        localdb.start(s)
    entry = measure(s, a.baseline_src.resolve(), a.repeats, a.this_src.resolve())
    common.update_result("panel_ab", a.label, entry)
    for endpoint, by_cls in entry["results"].items():
        for cls, row in by_cls.items():
            common.log(
                f"{endpoint} {cls}: p50 {row['baseline']['p50_ms']:.1f} → {row['this']['p50_ms']:.1f} ms, "
                f"p95 {row['baseline']['p95_ms']:.1f} → {row['this']['p95_ms']:.1f} ms, median of "
                f"{row['pairs']} paired ratios ×{row['ratio_median_of_pairs']}, nodes ≤ {row['this']['max_nodes']}"
            )


if __name__ == "__main__":
    main()
