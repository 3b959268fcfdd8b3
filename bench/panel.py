"""Panel latency benchmark: p50/p95/p99 and throughput of /researchers/{id}/graph and /graph/expand over HTTP with
concurrent clients, for ordinary researchers and supernodes, against an unbounded two-hop Cypher for the same node."""

from __future__ import annotations

import argparse
import hashlib
import os
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import neo4j
from neo4j import Driver

from bench import common, graph1m
from kg import graphdb, localdb
from kg.config import Settings
from kg.errors import KGError


@dataclass
class PanelConfig:
    clients: int = 4
    requests: int = 200  # per endpoint and class of node, spread over the clients
    ids_per_class: int = 5
    naive_repeats: int = 3
    naive_timeout: float = 30.0
    workers: int = 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pick_nodes(drv: Driver, s: Settings, n: int) -> dict[str, list[dict[str, Any]]]:
    """Supernodes (the highest degree) and ordinary researchers: of those with 2–10 works and a co-author degree
    between the pool's quartiles (a typical degree), the n with the smallest sha1(id): deterministic, and spread
    over the graph rather than the first ids in id order (which synth hands out in productivity order)."""
    supers = graphdb.run(drv, common.q("supernodes"), {"limit": n}, settings=s)
    pool = graphdb.run(drv, common.q("ordinary_researchers"), {"low": 2, "high": 10}, settings=s)
    if pool:
        degrees = sorted(int(r["coauthors"]) for r in pool)
        q1, q3 = degrees[len(degrees) // 4], degrees[(3 * len(degrees)) // 4]
        pool = [r for r in pool if q1 <= int(r["coauthors"]) <= q3] or pool
    ordinary = sorted(pool, key=lambda r: hashlib.sha1(str(r["id"]).encode()).hexdigest())[:n]
    return {"ordinary": ordinary, "supernode": supers}


class Server:
    """`kg serve` in its own process group on a free port, against the bench Neo4j."""

    def __init__(self, s: Settings, workers: int) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = common.kg_env(s)
        args = [
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ]
        self.proc = subprocess.Popen(
            common.kg_cmd("serve", *args),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode("utf-8", "replace") if self.proc.stderr else ""
                raise RuntimeError(f"kg serve exited: {err.strip()[-300:]}")
            try:
                if httpx.get(f"{self.base}/api/v1/ready", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError("kg serve did not become ready")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait()


def _paths(endpoint: str, ids: list[str]) -> list[str]:
    if endpoint == "researcher_graph":
        return [f"/api/v1/researchers/{quote(i, safe='')}/graph" for i in ids]
    return [f"/api/v1/graph/expand?node={quote(i, safe='')}" for i in ids]


def hammer(base: str, paths: list[str], total: int, clients: int) -> dict[str, Any]:
    """`total` GETs spread round-robin over `paths`, by `clients` threads each with its own keep-alive client."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    nodes: list[int] = []
    truncated = 0
    lock = threading.Lock()
    counter = iter(range(total))
    start = threading.Barrier(clients + 1)

    def worker() -> None:
        nonlocal truncated
        with httpx.Client(base_url=base, timeout=60) as client:
            for path in paths:  # warm-up, not measured: connection, query plans, page cache
                client.get(path)
            start.wait()
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                path = paths[i % len(paths)]
                t0 = time.perf_counter()
                try:
                    resp = client.get(path)
                    elapsed = time.perf_counter() - t0
                    ok = resp.status_code == 200
                    key = str(resp.status_code)
                    body = resp.json() if ok else {}
                except httpx.HTTPError as e:
                    elapsed, ok, key, body = time.perf_counter() - t0, False, type(e).__name__, {}
                with lock:
                    if ok:
                        latencies.append(elapsed)
                        nodes.append(len(body.get("nodes", [])))
                        truncated += bool(body.get("truncated"))
                    else:
                        errors[key] = errors.get(key, 0) + 1

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    start.wait()  # the clock starts when every client is warm
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return {
        **common.percentiles(latencies),
        "throughput_rps": round(len(latencies) / wall, 1) if wall else 0.0,
        "errors": errors,
        "clients": clients,
        "nodes_per_response_max": max(nodes) if nodes else 0,
        "truncated_responses": truncated,
    }


def naive_two_hop(drv: Driver, s: Settings, ids: list[str], repeats: int, timeout: float) -> dict[str, Any]:
    """The unbounded two-hop query a naive panel would run, fetched in full, one at a time."""
    latencies: list[float] = []
    rows: list[int] = []
    failures: dict[str, int] = {}
    query = common.q("naive_two_hop")

    def fetch(node_id: str) -> Callable[[neo4j.ManagedTransaction], int]:
        return lambda tx: sum(1 for _ in tx.run(query, id=node_id))

    for _ in range(repeats):
        for node_id in ids:
            t0 = time.perf_counter()
            try:
                rows.append(graphdb.transaction(drv, fetch(node_id), settings=s, timeout=timeout))
                latencies.append(time.perf_counter() - t0)
            except KGError as e:
                # a timeout (QueryTimedOut) or the transaction memory limit: the baseline did not answer at all
                key = type(e).__name__
                failures[key] = failures.get(key, 0) + 1
                latencies.append(time.perf_counter() - t0)
    return {
        **common.percentiles(latencies),
        "rows_max": max(rows) if rows else 0,
        "rows_mean": round(sum(rows) / len(rows), 1) if rows else 0,
        "failed": failures,
        "timeout_s": timeout,
        "note": "latency of a failed query is the time until it failed (a lower bound)",
    }


def run(
    s: Settings, works: int, cfg: PanelConfig | None = None, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Measure the API and the naive baseline on whatever graph is loaded (tagged with its corpus size)."""
    cfg = cfg or PanelConfig()
    drv = graphdb.open_driver(s)
    try:
        picked = pick_nodes(drv, s, cfg.ids_per_class)
        counts = graphdb.run(drv, common.q("counts"), settings=s)[0]
        if not picked["ordinary"] and not picked["supernode"]:
            entry: dict[str, Any] = {"available": False, "why": "the graph has no researchers"}
            common.update_result("panel", str(works), entry)
            return entry
        common.log(f"panel: naive two-hop on {sum(len(v) for v in picked.values())} nodes")
        naive = {
            cls: naive_two_hop(drv, s, [r["id"] for r in rows], cfg.naive_repeats, cfg.naive_timeout)
            for cls, rows in picked.items()
            if rows
        }
    finally:
        drv.close()
    server = Server(s, cfg.workers)
    results: dict[str, dict[str, Any]] = {}
    try:
        server.wait_ready()
        for endpoint in ("researcher_graph", "expand"):
            for cls, rows in picked.items():
                if not rows:
                    continue
                common.log(f"panel: {endpoint} {cls} ({cfg.requests} requests, {cfg.clients} clients)")
                results.setdefault(endpoint, {})[cls] = hammer(
                    server.base, _paths(endpoint, [r["id"] for r in rows]), cfg.requests, cfg.clients
                )
    finally:
        server.stop()
    entry = {
        "available": True,
        "works": works,
        "graph": counts,
        "nodes": {
            cls: [{k: r[k] for k in ("id", "works", "degree", "coauthors") if k in r} for r in rows]
            for cls, rows in picked.items()
        },
        "api": results,
        "naive_two_hop": naive,
        "config": {
            "clients": cfg.clients,
            "requests_per_endpoint_and_class": cfg.requests,
            "api_workers": cfg.workers,
            "naive_repeats": cfg.naive_repeats,
        },
        **(extra or {}),
        "p99_ms_worst": max(
            (v.get("p99_ms", 0.0) for ep in results.values() for v in ep.values()), default=None
        ),
    }
    common.update_result("panel", str(works), entry)
    return entry


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "--works", type=int, required=True, help="the corpus size the loaded graph was built from"
    )
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--naive-repeats", type=int, default=3, help="rounds of the unbounded two-hop baseline")
    ap.add_argument(
        "--graph1m", action="store_true", help="measure the graph built by bench/graph1m.py (its own Neo4j)"
    )
    args = ap.parse_args(argv)
    s = graph1m.graph_settings() if args.graph1m else common.bench_settings()
    if s.uses_local_db:
        localdb.start(s)
    ap_cfg = PanelConfig(clients=args.clients, requests=args.requests, naive_repeats=args.naive_repeats)
    entry = run(s, args.works, ap_cfg, {"graph_built_by": "import"} if args.graph1m else None)
    common.log(f"panel {args.works:,}: worst p99 {entry.get('p99_ms_worst')} ms")


if __name__ == "__main__":
    main()
