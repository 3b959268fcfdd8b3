"""Topic assignment measured: agreement with OpenAlex on works the model never trained on, and assignment speed.

Usage: python -m bench.topics_eval [--folds 10] [--no-ablation] [--throughput N] [--out bench/results/topics.json]

1. Agreement (kg.topic_train.evaluation_report): the labeled works under <data>/openalex and <data>/arxiv are
   split by work into folds; each fold's OpenAlex works are assigned by a model trained on the other folds and the
   taxonomy, from their title, abstract, venue, authors and references only (topics, keywords and concepts are
   never read). Reported per level (topic, subfield, field, domain): OpenAlex's primary topic in our top 3, our
   top 1 = their primary, our top 1 among all their topics; calibration of the top score; the confusions that
   matter; an ablation table (each signal left out); and the phrase matcher (vocab-v1) on the same works.
2. Throughput: N synthetic works from `kg synth` (seed 42) as TopicRows, assigned in batches of 1,000 by the pure
   function (no database), in this process: works/s (wall and CPU), peak RSS, RSS after each batch (flat =
   bounded); the phrase matcher on the same works side by side as the baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kg.config import get_settings  # noqa: E402
from kg.taxonomy import default_path  # noqa: E402
from kg.topic_model import TopicRow  # noqa: E402

BATCH = 1000


def _rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as fh:
        pages = int(fh.read().split()[1])
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 1e6, 1)


def synthetic_rows(n: int, seed: int = 42) -> list[TopicRow]:
    from kg.synth import Corpus, SynthParams

    rows = []
    for w in Corpus(SynthParams(works=n, seed=seed)).works():
        rows.append(
            TopicRow(
                work_id=w["work_id"],
                title=w["title"],
                abstract=w["abstract"],
                venue=w["venue"],
                author_ids=tuple(a["researcher"].author_id for a in w["authors"]),
            )
        )
        if len(rows) >= n:
            break
    return rows


def throughput(n: int, baseline_n: int) -> dict[str, Any]:
    from kg.topics import get_assigner

    rows = synthetic_rows(n)
    t_load = time.perf_counter()
    learned = get_assigner(learned=True)
    load_s = time.perf_counter() - t_load
    rss_after: list[float] = []
    t0, c0 = time.perf_counter(), time.process_time()
    assigned = 0
    for i in range(0, len(rows), BATCH):
        for found, _ in learned.assign_rows(rows[i : i + BATCH]):
            assigned += bool(found)
        rss_after.append(_rss_mb())
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    vocab = get_assigner(learned=False)
    base_rows = rows[:baseline_n]
    t1, c1 = time.perf_counter(), time.process_time()
    for i in range(0, len(base_rows), BATCH):
        vocab.assign_rows(base_rows[i : i + BATCH])
    bwall, bcpu = time.perf_counter() - t1, time.process_time() - c1
    return {
        "works": len(rows),
        "batch": BATCH,
        "method": learned.method,
        "model_load_seconds": round(load_s, 2),
        "works_per_s": round(len(rows) / wall, 1),
        "works_per_cpu_s": round(len(rows) / cpu, 1),
        "works_with_topics": assigned,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1000, 1),
        "rss_mb_after_batch": rss_after,
        "baseline_vocab_v1": {
            "works": len(base_rows),
            "works_per_s": round(len(base_rows) / bwall, 1),
            "works_per_cpu_s": round(len(base_rows) / bcpu, 1),
        },
        "ratio_cpu_vs_vocab_v1": round((len(rows) / cpu) / (len(base_rows) / bcpu), 2),
        "projected_1m_cpu_hours": round(1_000_000 / (len(rows) / cpu) / 3600, 2),
        "load_average_1min": round(os.getloadavg()[0], 1),
    }


def main(argv: list[str] | None = None) -> int:
    from kg import topic_train

    s = get_settings()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=s.data_dir, help="the data directory (openalex/, arxiv/)")
    ap.add_argument("--taxonomy", type=Path, default=None, help="the OpenAlex topic table")
    ap.add_argument("--folds", type=int, default=10, help="0: measure throughput alone")
    ap.add_argument("--no-ablation", action="store_true", help="skip the ablation table")
    ap.add_argument(
        "--no-text-ablation",
        action="store_true",
        help="skip the text ablations (each a full cross-validation)",
    )
    ap.add_argument("--quick", action="store_true", help="3 folds, no ablation, 500 works of throughput")
    ap.add_argument("--throughput", type=int, default=20_000, metavar="N", help="synthetic works to assign")
    ap.add_argument("--baseline", type=int, default=2_000, metavar="N", help="of which the phrase matcher")
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "topics.json")
    args = ap.parse_args(argv)
    folds, ablate, n = args.folds, not args.no_ablation, args.throughput
    if args.quick:
        folds, ablate, n = 3, False, 500
    tax = args.taxonomy or default_path(s)
    if folds == 0:  # throughput alone, in a process that has done nothing else
        report: dict[str, Any] = {"throughput": throughput(n, min(n, args.baseline))}
        args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(
            json.dumps({k: v for k, v in report["throughput"].items() if k != "rss_mb_after_batch"}, indent=2)
        )
        return 0
    corpus = topic_train.load_corpus(tax, topic_train.default_training_paths(args.data))
    report = topic_train.evaluation_report(
        corpus,
        folds,
        ablate=ablate,
        ablate_text=ablate and not args.no_text_ablation,
        progress=lambda f, k: print(f"fold {f}/{k}", file=sys.stderr, flush=True),
    )
    if n > 0:
        report["throughput"] = throughput(n, min(n, args.baseline))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    summary = {k: report[k] for k in ("works_evaluated", "agreement", "vocab_v1_same_works") if k in report}
    if "throughput" in report:
        summary["throughput"] = {k: v for k, v in report["throughput"].items() if k != "rss_mb_after_batch"}
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
