"""Identity at scale, pure code: the resolve stage's researcher clustering over a whole synthetic corpus (`kg synth`),
timed stage by stage — slots and contexts from the bundle, blocking, `cluster_block` over every block — with the
pairs the model scored and the peak memory. `--hide-ids` drops the authors' ids (every slot a name only: the
model's worst case); by default the corpus's author ids are kept (what the pipeline meets on a CSV bundle). With the
ids hidden, the clusters are also scored against them (pairwise and B-cubed precision / recall / F1: the hidden
author ids are the truth), so a candidate model (`--model DIR`, a directory `kg identity train --out` wrote) can be
checked on a corpus it never saw before it is shipped.

    python -m bench.identity_scale --works 100000 [--hide-ids] [--bundle DIR] [--model DIR]
    flock /work/heavy.lock python -m bench.identity_scale --works 1000000
"""

from __future__ import annotations

import argparse
import resource
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from bench.bundle import ensure_bundle, iter_works, work_node_id
from bench.common import data_dir, machine, update_result
from kg.identity import SlotContext, block_key, cluster_block, mention_from_author, unify_mentions
from kg.identity.meaning import READ
from kg.identity.model import PairModel, default_model, load
from kg.identity.scores import scores
from kg.models import AuthorRef, InstitutionRef


class CountingModel:
    """The shipped model, counting the pairs it scores and the calls."""

    def __init__(self, model: PairModel) -> None:
        self.model = model
        self.threshold = model.threshold
        self.linkage = model.linkage
        self.group = model.group
        self.floor = model.floor  # the guarded linkage's floor
        self.features = model.features  # the pair features it reads (the meaning ones call the topic model)
        self.pairs = 0
        self.calls = 0

    def predict(self, features: np.ndarray) -> np.ndarray:
        self.pairs += features.shape[0]
        self.calls += 1
        return self.model.predict(features)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_contexts(
    bundle: Path, hide_ids: bool, limit: int | None, truth: dict[str, str] | None = None
) -> list[SlotContext]:
    """The slots of the bundle's works with their contexts; `truth`, when given, is filled with slot key → the
    corpus's author id (the slot's, when its mentions agree on one)."""
    out: list[SlotContext] = []
    for work, authors in iter_works(bundle, limit):
        wid = work_node_id(work)
        refs = [
            AuthorRef(
                name=a["author_name"],
                position=int(a["position"]),
                source_id=None if hide_ids else a["author_id"] or None,
                institutions=[InstitutionRef(source_id=a["institution_id"], name=a["institution_name"])]
                if a.get("institution_id")
                else [],
            )
            for a in authors
            if a["author_name"].strip()
        ]
        slots = unify_mentions(wid, [mention_from_author(r, "csv", False, "csv:") for r in refs])
        if truth is not None:
            by_position = {int(a["position"]): a["author_id"] for a in authors if a["author_name"].strip()}
            for s in slots:
                ids = {by_position.get(m.position) for m in s.mentions if m.position is not None} - {None, ""}
                if len(ids) == 1:
                    truth[s.key] = str(ids.pop())
        year = int(work["year"]) if work.get("year") else None
        coauthor_keys = {id(s): block_key(s.name) for s in slots} if len(slots) <= 50 else {}
        for s in slots:
            out.append(
                SlotContext(
                    slot=s,
                    work_ids={wid},
                    coauthors={
                        k: o.name for o in slots if o is not s for k in [coauthor_keys.get(id(o), "")] if k
                    },
                    topics={},
                    venue=work.get("venue") or None,
                    year=year,
                    title=work.get("title"),
                )
            )
    return out


def run(
    works: int,
    seed: int,
    hide_ids: bool,
    bundle: Path | None,
    limit: int | None,
    model_dir: Path | None = None,
) -> dict[str, Any]:
    d = bundle or data_dir() / f"synth-{works}-s{seed}"
    if bundle is None:
        ensure_bundle(d, works, seed)
    t0, c0 = time.monotonic(), time.process_time()
    truth: dict[str, str] | None = {} if hide_ids else None
    contexts = build_contexts(d, hide_ids, limit, truth)
    t1 = time.monotonic()
    by_block: dict[str, list[SlotContext]] = defaultdict(list)
    for c in contexts:
        by_block[block_key(c.slot.name)].append(c)
    t2 = time.monotonic()
    model = CountingModel(load(model_dir) if model_dir else default_model())
    researchers = 0
    slowest: list[tuple[float, str, int]] = []
    predicted: dict[str, str] = {}
    for key in sorted(by_block):
        s0 = time.monotonic()
        clusters = cluster_block(by_block[key], model=model)
        researchers += len(clusters)
        predicted.update({m.key: cl.id for cl in clusters for m in cl.members})
        dt = time.monotonic() - s0
        if dt > 1.0:
            slowest.append((round(dt, 1), key, len(by_block[key])))
    t3 = time.monotonic()
    sizes = sorted((len(v) for v in by_block.values()), reverse=True)
    meta = model.model.meta
    return {
        "bundle": str(d),
        "model": {
            "dir": str(model_dir) if model_dir else "shipped",
            "linkage": meta.get("linkage"),
            "threshold": meta.get("threshold"),
            "group_threshold": meta.get("group", {}).get("threshold"),
            "floor": meta.get("floor"),
        },
        **(
            {"against_hidden_ids": {"people": len(set(truth.values())), **scores(predicted, truth)}}
            if truth is not None
            else {}
        ),
        "works": works if limit is None else limit,
        "author_ids": "hidden" if hide_ids else "kept",
        "slots": len(contexts),
        "blocks": len(by_block),
        "largest_blocks": sizes[:5],
        "researchers": researchers,
        "pairs_scored": model.pairs,
        "features": len(model.features),
        # the topic model's share of the clustering (kg.identity.meaning; zero for a model without its features)
        "topic_model": {k: round(v, 1) for k, v in READ.items()},
        "model_calls": model.calls,
        "cpu_seconds": round(time.process_time() - c0, 1),
        "seconds": {
            "slots_and_contexts": round(t1 - t0, 1),
            "blocking": round(t2 - t1, 1),
            "clustering": round(t3 - t2, 1),
        },
        "slowest_blocks": sorted(slowest, reverse=True)[:5],
        "peak_rss_mb": round(_peak_mb()),
        "machine": machine(),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--works", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--hide-ids", action="store_true", help="drop the authors' ids: every slot a name only")
    ap.add_argument(
        "--bundle", type=Path, help="an existing bundle directory (default: generated in bench/data)"
    )
    ap.add_argument("--limit", type=int, help="only the first N works of the bundle")
    ap.add_argument("--model", type=Path, help="a model directory (default: the shipped model)")
    args = ap.parse_args(argv)
    result = run(args.works, args.seed, args.hide_ids, args.bundle, args.limit, args.model)
    key = f"{result['works']}-ids-{result['author_ids']}" + (
        f"-model-{args.model.name}" if args.model else ""
    )
    path = update_result("identity_scale", key, result)
    print(
        f"{result['works']:,} works, {result['slots']:,} slots, {result['blocks']:,} blocks: "
        f"contexts {result['seconds']['slots_and_contexts']} s, blocking {result['seconds']['blocking']} s, "
        f"clustering {result['seconds']['clustering']} s ({result['pairs_scored']:,} pairs scored); "
        f"peak {result['peak_rss_mb']} MB → {path}"
    )
    if result["topic_model"]["texts"]:
        tm = result["topic_model"]
        print(
            f"topic model: {tm['texts']:,.0f} texts read in {tm['calls']:,.0f} calls, {tm['cpu_seconds']} s CPU"
        )
    if "against_hidden_ids" in result:
        sc = result["against_hidden_ids"]
        pw, b3 = sc["pairwise"], sc["bcubed"]
        print(
            f"against the hidden ids ({sc['people']:,} people, {pw['predicted_people']:,} researchers): pairwise P "
            f"{pw['precision']} R {pw['recall']} F1 {pw['f1']}; B-cubed P {b3['precision']} R {b3['recall']} "
            f"F1 {b3['f1']}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
