"""`kg discover train`'s fit (kg.linkpred_fit.train) on growing synthetic graphs: time and peak memory per step.

The input is the discovery EdgeList of a `kg synth` bundle's first --works works (bench.discover_scale.edge_list:
COAUTHOR as `kg coauthors rebuild` builds it, institutions, works' years and venues, no topic profiles, as the
1M-work graph), so no Neo4j is needed. Each step train takes (the hold-out, the training graph, the fit rows, the
pairwise fit, the weight search, the report's comparison) is timed, wall and CPU, with this process's peak RSS
during it (VmHWM, reset before each step; Linux; where the revision has ranks_of, each method's ranking in the
report is a step of its own inside compare, whose peak is then its last method's). --rev runs a git revision's kg/linkpred_fit.py instead (the
before), with the same wrapping.

    python -m bench.discover_train_scale --bundle /work/benchdata/synth-1000000-s42 --works 100000 [--rev main]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import resource
import sys
from pathlib import Path
from typing import Any

from bench import common
from bench.discover_scale import _clock, _old_module, _peak_mb, _reset_peak, _since, edge_list
from kg import linkpred_fit
from kg.config import get_settings

# train's steps, as the names it calls them by in its module
STEPS = ("holdout_random", "Graph", "training_rows", "fit_model", "search_weights", "compare", "ranks_of")


def _rss_mb() -> float | None:
    """This process's resident memory now (VmRSS), MiB; None off Linux."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return None


def _timed(steps: list[dict[str, Any]], name: str, fn: Any) -> Any:
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        _reset_peak()
        before = _rss_mb()
        t = _clock()
        out = fn(*args, **kwargs)
        steps.append({"step": name, **_since(t), "rss_before_mb": before, "peak_rss_mb": _peak_mb()})
        common.log(f"{name}: {steps[-1]}")
        return out

    return run


def measure(module: Any, edges: Any, seed: int) -> dict[str, Any]:
    """Run module.train on edges with every step wrapped; the steps, the whole, and the report's figures."""
    steps: list[dict[str, Any]] = []
    for name in STEPS:
        if hasattr(module, name):  # ranks_of (compare's per-method ranking) is new in this branch
            setattr(module, name, _timed(steps, name, getattr(module, name)))
    t = _clock()
    model = module.train(edges, seed=seed)
    whole = _since(t)
    rep = model.report
    return {
        "steps": steps,
        "train": whole,
        "report": {k: v for k, v in rep.items() if k != "weight_search"},
        "weights": model.weights,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bundle", type=Path, required=True, help="a `kg synth` output folder")
    ap.add_argument("--works", type=int, required=True, help="the bundle's first N works")
    ap.add_argument("--rev", default="", help="a git revision's kg/linkpred_fit.py instead of this tree's")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--key", default="", help="result key (default: works and revision)")
    args = ap.parse_args(argv)
    t = _clock()
    edges, info = edge_list(args.bundle, get_settings().coauthor_author_cap, max_works=args.works, venues=True,
                            topics=False)  # fmt: skip
    info["coauthor_rows"] = len(edges.coauthor)
    common.log(f"edge list: {info}")
    module = _old_module(args.rev, "kg/linkpred_fit.py") if args.rev else linkpred_fit
    entry: dict[str, Any] = {
        "command": "python -m bench.discover_train_scale " + " ".join(argv or sys.argv[1:]),
        "input": {**info, "build": _since(t)},
        "revision": args.rev or "this tree",
        **measure(module, edges, args.seed),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    common.log(f"train: {entry['train']}, peak {entry['peak_rss_mb']} MB, report {entry['report']}")
    common.update_result("discover_train_scale", args.key or f"{args.works}-{args.rev or 'now'}", entry)


if __name__ == "__main__":
    main()
