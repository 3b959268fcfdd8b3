"""Discovery ranking on Spark (local[N]) against the embedded kernel, side by side in one run, same input.

Per dataset and engine, a fresh child process builds the EdgeList (as kg.discover would hand it over), ranks every
researcher and reads all suggestions back as kg.linkpred.Suggestion objects (what the write path consumes); the
parent times the child and samples the resident memory of its whole process tree (Python and, for Spark, the JVM
it starts) every 0.2 s for the peak. The children save (source, target, rank, score) and the parent checks the
engines agree: identical (source, target, rank) and the largest score difference. No Neo4j: reading and writing
are the same code for both engines (kg.discover).

Datasets: ca-GrQc and DBLP (../shared/data/coauthorship), a `kg synth` corpus's co-author graph (--synth-works,
synthetic topics and institutions as bench.discover_scale builds them).

    python -m bench.spark_discover [--datasets grqc,dblp,synth] [--synth-works 100000] [--workers 2]
        [--scaling-workers 1]   # also Spark local[1] on DBLP, for the workers paragraph of BENCHMARKS.md
        [--sample 20000]        # rank that many random researchers of the whole graph (the 1M-work graph)

Results: bench/results/spark_discover.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench import common
from bench.discover_eval import COAUTHORSHIP, dblp_edges, grqc_edges
from kg import linkpred
from kg.config import get_settings

ROOT = Path(__file__).resolve().parents[1]


def dataset(name: str, synth_works: int) -> tuple[linkpred.EdgeList, dict[str, Any]]:
    if name == "grqc":
        e = grqc_edges(COAUTHORSHIP / "snap_ca_grqc" / "CA-GrQc.txt")
        return e, {"researchers": e.n}
    if name == "dblp":
        e = dblp_edges(COAUTHORSHIP / "hypergcn")
        return e, {"researchers": e.n}
    if name == "synth":
        from bench.bundle import ensure_bundle
        from bench.discover_scale import edge_list

        bundle = common.data_dir() / f"synth-{synth_works}-s42"
        ensure_bundle(bundle, synth_works, 42)
        return edge_list(bundle, get_settings().coauthor_author_cap)
    raise SystemExit(f"unknown dataset {name!r}: grqc, dblp or synth")


def child(engine: str, name: str, synth_works: int, workers: int, out: Path, sample: int = 0) -> None:
    """One engine on one dataset; prints a JSON line with its timings and saves the suggestions to out (.npz).
    sample: rank only this many researchers (the same random ones for both engines) on the whole graph."""
    t0 = time.monotonic()
    edges, info = dataset(name, synth_works)
    sources = np.arange(edges.n, dtype=np.int64)
    if 0 < sample < edges.n:
        sources = np.sort(np.random.default_rng(3).choice(edges.n, sample, replace=False))
    info = {**info, "sources": len(sources)}
    p = linkpred.Params()
    built = time.monotonic()
    rows: list[tuple[int, int, int, float]] = []
    timing: dict[str, float] = {"input_s": round(built - t0, 2)}
    if engine == "embedded":
        g = linkpred.Graph(edges)
        pairs = len(g.adj) // 2
        batches = linkpred.suggest(g, sources, p)
    else:
        from kg.derive import discover_spark
        from kg.spark import spark_session

        s = get_settings().model_copy(update={"spark_master": f"local[{workers}]"})
        session = spark_session(s, app="bench-spark-discover")
        timing["session_start_s"] = round(time.monotonic() - built, 2)
        built = time.monotonic()
        common.data_dir().mkdir(parents=True, exist_ok=True)
        ranked = discover_spark.rank(edges, sources, p, s, spark=session, workdir=common.data_dir())
        pairs = ranked.coauthor_pairs
        batches = ranked.batches
    for _, sugs in batches:
        rows += [(x.source, x.target, x.rank, x.score) for x in sugs]
    timing["rank_s"] = round(time.monotonic() - built, 2)
    arr = np.array(rows, dtype=np.float64).reshape(-1, 4)
    np.savez(out, triples=arr[:, :3].astype(np.int64), scores=arr[:, 3])
    print(json.dumps({**info, **timing, "coauthor_pairs": pairs, "suggestions": len(rows)}), flush=True)


def _tree_rss_mb(pid: int) -> float:
    """The resident memory of pid and all its descendants, in MB (from /proc)."""
    total = 0.0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
            for task in Path(f"/proc/{p}/task").iterdir():
                stack += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return total


def run_child(
    engine: str, name: str, synth_works: int, workers: int, out: Path, sample: int = 0
) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.spark_discover", "--child", engine, "--datasets", name,
           "--synth-works", str(synth_works), "--workers", str(workers), "--out", str(out),
           "--sample", str(sample)]  # fmt: skip
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0.0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_rss_mb(proc.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{engine} on {name} failed:\n{stderr[-3000:]}")
    doc: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    return {**doc, "wall_s": round(time.monotonic() - t0, 2), "peak_tree_rss_mb": round(peak[0], 1)}


def compare(a: Path, b: Path) -> dict[str, Any]:
    x, y = np.load(a), np.load(b)
    same = x["triples"].shape == y["triples"].shape and bool((x["triples"] == y["triples"]).all())
    diff = float(np.abs(x["scores"] - y["scores"]).max()) if same and len(x["scores"]) else None
    return {"same_targets_and_ranks": same, "max_score_diff": diff}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", default="grqc,dblp,synth")
    ap.add_argument("--synth-works", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2, help="Spark local[N]")
    ap.add_argument("--scaling-workers", default="", help="also these local[N] on DBLP, e.g. 1")
    ap.add_argument(
        "--sample",
        type=int,
        default=0,
        help="rank only this many random researchers of each graph (both engines the same), e.g. 20000 at 1M",
    )
    ap.add_argument("--child", choices=["embedded", "spark"], help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        child(a.child, a.datasets, a.synth_works, a.workers, a.out, a.sample)
        return
    tmp = Path(tempfile.mkdtemp(prefix="bench-spark-discover-"))
    for name in a.datasets.split(","):
        key = (f"synth-{a.synth_works}" if name == "synth" else name) + (
            f"-sample{a.sample}" if a.sample else ""
        )
        common.log(f"{key}: embedded")
        emb = run_child("embedded", name, a.synth_works, a.workers, tmp / f"{name}-embedded.npz", a.sample)
        common.log(f"{key}: {emb}")
        common.log(f"{key}: spark local[{a.workers}]")
        spk = run_child("spark", name, a.synth_works, a.workers, tmp / f"{name}-spark.npz", a.sample)
        common.log(f"{key}: {spk}")
        entry: dict[str, Any] = {
            "embedded": emb,
            f"spark_local{a.workers}": spk,
            "agreement": compare(tmp / f"{name}-embedded.npz", tmp / f"{name}-spark.npz"),
            "spark_over_embedded_rank": round(spk["rank_s"] / max(emb["rank_s"], 1e-9), 1),
            "command": "python -m bench.spark_discover "
            + " ".join(argv if argv is not None else sys.argv[1:]),
        }
        if name == "dblp" and a.scaling_workers:
            for w in (int(x) for x in a.scaling_workers.split(",")):
                common.log(f"{key}: spark local[{w}]")
                entry[f"spark_local{w}"] = run_child(
                    "spark", name, a.synth_works, w, tmp / f"{name}-spark{w}.npz"
                )
        path = common.update_result("spark_discover", key, entry)
        common.log(f"{key}: {json.dumps(entry['agreement'])} → {path}")
    for f in tmp.iterdir():
        f.unlink()
    os.rmdir(tmp)


if __name__ == "__main__":
    main()
