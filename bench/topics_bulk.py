"""Side by side: `kg load --bulk` with derive by two source trees (a baseline and this one), alternating (issue #15
item 4: topics derived before the import and written by it, against derived after the import through Cypher).

    git archive <commit> | tar -x -C /tmp/topics-bulk-base        # any checkout of the baseline
    python -m bench.topics_bulk --baseline-src /tmp/topics-bulk-base --works 50000 [--sourced 0.5] [--rounds 1]

Each run empties the bench's own Neo4j (its store files removed), then runs the tree's `kg load --bulk` (the tree's
kg first on the path) on a `kg synth` bundle into a new stage store: wall seconds and CPU seconds of the loader with
the children it reaped (the import JVM), the Neo4j server's CPU seconds (every server process the load ran against,
the one it stopped and the one it started, read from /proc/<pid>/stat every 0.2 s), the loader's own step seconds
("stages: … derive …", "bulk write: …"), and after it a digest of the whole graph per label and type (WORKS_ON
included; updated_at and load_run left out), which must be the same for both trees. Which tree goes first alternates
per round. Results: bench/results/topics_bulk.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import threading
from pathlib import Path
from typing import Any

from bench import common, online_ab
from bench.topics_derive import bundle_for
from kg import graphdb, localdb
from kg.config import Settings

DERIVED_TYPES = ("WORKS_ON",)


def _cpu_of(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ServerCpu:
    """CPU seconds of the local Neo4j over a load that stops it and starts another: each server process's last
    reading minus its first (0 for one started during the load), sampled every `every` seconds."""

    def __init__(self, s: Settings, every: float = 0.2) -> None:
        self.s = s
        self.every = every
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> ServerCpu:
        self._sample(started=False)
        self._thread.start()
        return self

    def _sample(self, started: bool = True) -> None:
        pid = localdb.status(self.s, with_version=False).pid
        cpu = _cpu_of(pid) if pid else None
        if pid and cpu is not None:
            self.first.setdefault(pid, 0.0 if started else cpu)
            self.last[pid] = cpu

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            self._sample()

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        self._sample()
        return sum(self.last[p] - self.first[p] for p in self.last)


def graph_digest(s: Settings) -> dict[str, list[Any]]:
    """Per label and type, derived WORKS_ON included: the row count and an order-free digest of every row; and the
    number of assigned topic edges."""
    out: dict[str, list[Any]] = online_ab.fingerprint(s, DERIVED_TYPES)
    drv = graphdb.open_driver(s)
    try:
        topics = graphdb.run(drv, common.q("assigned_topics"), {"source": "source"}, settings=s)
        out["assigned_edges"] = [sum(len(r["topics"]) for r in topics), ""]
    finally:
        drv.close()
    return out


def _seconds_of(text: str, prefix: str) -> dict[str, float]:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip().startswith(prefix)), "")
    return {k: float(v) for k, v in re.findall(r"(\w+) ([\d.]+)s", line)}


def load_once(s: Settings, tree: Path, bundle: Path, stage: Path) -> dict[str, Any]:
    drv = graphdb.open_driver(s)
    common.empty_graph(drv, s, drop_store=True)
    drv.close()
    stage.unlink(missing_ok=True)
    env = {**common.kg_env(s), "KG_STAGE_PATH": str(stage), "PYTHONPATH": str(tree)}
    env.pop("KG_NEO4J_URI")  # the bulk path imports into the local Neo4j it manages: name the bench's own
    env.update({"KG_LOCALDB_HOME": str(s.localdb_home), "KG_BOLT_PORT": str(s.bolt_port),
                "KG_HTTP_PORT": str(s.http_port), "KG_HEAP_INITIAL": s.heap_initial, "KG_HEAP_MAX": s.heap_max,
                "KG_PAGECACHE": s.pagecache})  # fmt: skip
    cpu = ServerCpu(s).start()
    m = common.run_measured(
        [sys.executable, "-m", "kg.cli", "load", "--bulk", str(bundle)], env=env, cwd=tree, sample_every=None
    )
    neo = cpu.stop()
    if m.returncode not in (0, 3):
        raise RuntimeError(f"kg load failed ({m.returncode}): {(m.stderr or m.stdout).strip()[-600:]}")
    stages = _seconds_of(m.stdout, "stages: ")
    return {
        "seconds": round(m.seconds, 2),
        "loader_cpu_seconds": round(m.cpu_seconds, 1),
        "neo4j_cpu_seconds": round(neo, 1),
        "derive_seconds": stages.get("derive"),
        "stages": stages,
        "bulk_write": _seconds_of(m.stdout, "bulk write: "),
        "peak_rss_mb": round(m.peak_rss_mb, 1),
        "graph": graph_digest(s),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline-src", type=Path, required=True, help="a source tree of the baseline")
    ap.add_argument("--this-src", type=Path, default=common.REPO_ROOT)
    ap.add_argument("--works", type=int, default=50_000)
    ap.add_argument("--sourced", type=float, default=0.0, help="share of works that also have a source topic")
    ap.add_argument("--rounds", type=int, default=1, help="baseline/this pairs, the order alternating")
    args = ap.parse_args(argv)
    if not (args.baseline_src / "kg" / "pipeline.py").is_file():
        raise SystemExit(f"error: {args.baseline_src} holds no kg/pipeline.py")
    s = common.bench_settings()
    if not s.uses_local_db:
        raise SystemExit("the bulk path needs the bench's own local Neo4j (unset KG_NEO4J_URI)")
    if not localdb.status(s, with_version=False).running:
        localdb.start(s)
    bundle = bundle_for(args.works, args.sourced)
    trees = {"baseline": args.baseline_src.resolve(), "this": args.this_src.resolve()}
    runs: list[dict[str, Any]] = []
    for i in range(args.rounds):
        for name in ["baseline", "this"] if i % 2 == 0 else ["this", "baseline"]:
            common.log(f"round {i + 1}: {name} ({trees[name]}): kg load --bulk {bundle}")
            r = {
                "tree": name,
                "round": i + 1,
                **load_once(s, trees[name], bundle, common.data_dir() / "tb.duckdb"),
            }
            common.log(json.dumps({k: v for k, v in r.items() if k != "graph"}))
            runs.append(r)
    (common.data_dir() / "tb.duckdb").unlink(missing_ok=True)
    graphs = {json.dumps(r["graph"], sort_keys=True) for r in runs}
    keys = ("seconds", "loader_cpu_seconds", "neo4j_cpu_seconds", "derive_seconds")
    median = {
        t: {k: statistics.median(r[k] for r in runs if r["tree"] == t) for k in keys}
        for t in ("baseline", "this")
    }
    entry = {
        "command": " ".join(["python -m bench.topics_bulk", *sys.argv[1:]]),
        "baseline_src": str(trees["baseline"]),
        "works": args.works,
        "sourced": args.sourced,
        "runs": runs,
        "same_graph": len(graphs) == 1,
        "median": median,
        "ratio_this_over_baseline": {
            k: round(median["this"][k] / median["baseline"][k], 3) for k in keys if median["baseline"][k]
        },
    }
    path = common.update_result("topics_bulk", f"{args.works}-{args.sourced:g}", entry)
    common.log(f"results in {path}")
    print(json.dumps({k: v for k, v in entry.items() if k != "runs"}, indent=2))
    shutil.rmtree(s.localdb_home / "import" / "kg-bulk", ignore_errors=True)


if __name__ == "__main__":
    main()
