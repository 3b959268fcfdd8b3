"""What the resolve stage's slot contexts cost the pairwise model when they carry no title or abstract: out of fold on
the labeled sets (kg.identity.train's 5 folds by name block), the 22-feature booster trained with titles, each held-out
block clustered (guarded 0.90 / 0.30, the shipped setting) once with its contexts as the labeled readers build them and
once with title, abstract and references removed (what kg.resolve.researchers.slot_context gave before it read them).
bench/identity_no_references.py measures the references alone with the same code (`out_of_fold`).

    nice -n 19 python -m bench.identity_no_titles
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kg.identity import train as training
from kg.identity.context import SlotContext
from kg.identity.scores import scores

# A context as one variant gives it to the model; it returns the context itself when it takes nothing away (the
# block's preparation is then shared with the full contexts').
Strip = Callable[[SlotContext], SlotContext]
DATASETS = ("arnetminer", "openalex")


@dataclass
class Variant:
    """Out of fold: every labeled block's clustering (slot key → "fold:block:cluster") and its candidate pairs'
    probabilities ((slot key, slot key) → p) under one variant of the contexts."""

    pred: dict[str, str] = field(default_factory=dict)
    probs: dict[tuple[str, str], float] = field(default_factory=dict)
    changed_blocks: int = 0  # blocks whose contexts the variant changed


def out_of_fold(
    strips: Mapping[str, Strip | None], threshold: float = 0.9, floor: float = 0.3
) -> tuple[list[training.Block], dict[str, Variant]]:
    """The labeled blocks and, per variant, their clusterings: each fold's booster is trained on the full contexts
    of the other folds (as the shipped model is), then scores and clusters the held-out blocks' contexts as the
    variant gives them (None: the full contexts)."""
    blocks = training.load_blocks()
    full = [training.prepare(b) for b in blocks]
    prepared: dict[str, list[training.Prepared]] = {}
    out = {label: Variant() for label in strips}
    for label, strip in strips.items():
        prepared[label] = []
        for b, p in zip(blocks, full, strict=True):
            ctxs = [strip(c) for c in b.contexts] if strip else b.contexts
            if all(s is c for s, c in zip(ctxs, b.contexts, strict=True)):
                prepared[label].append(p)
            else:
                out[label].changed_blocks += 1
                prepared[label].append(training.prepare(dataclasses.replace(b, contexts=ctxs)))
    fold_of = training._folds(blocks, training.FOLDS)
    fold = [fold_of[b.group] for b in blocks]
    for f in range(training.FOLDS):
        booster = training.fit_pairs([p for p, k in zip(full, fold, strict=True) if k != f])
        test = [i for i, k in enumerate(fold) if k == f and blocks[i].truth]
        for label, variant in prepared.items():
            for i, probs in zip(
                test, training.predict_pairs(booster, [variant[i] for i in test]), strict=True
            ):
                p = variant[i]
                scorer = training._FixedScorer(probs, threshold, "guarded", floor=floor)
                got = training.cluster_prepared(p, probs, scorer)
                out[label].pred.update({k: f"{f}:{blocks[i].key}:{v}" for k, v in got.items()})
                out[label].probs.update(
                    {
                        (p.order[x].key, p.order[y].key): float(q)
                        for (x, y), q in zip(p.pairs, probs, strict=True)
                    }
                )
    return blocks, out


def score_table(blocks: list[training.Block], variants: Mapping[str, Variant]) -> dict[str, dict[str, Any]]:
    """Pairwise and B-cubed scores of each variant on each labeled set, printed one line each."""
    out: dict[str, dict[str, Any]] = {}
    for label, v in variants.items():
        out[label] = {}
        for ds in DATASETS:
            truth = {k: t for b in blocks if b.dataset == ds for k, t in b.truth.items()}
            s = out[label][ds] = scores(v.pred, truth)
            pw, b3 = s["pairwise"], s["bcubed"]
            print(
                f"{label:16} {ds:10} pairwise {pw['precision']:.3f} / {pw['recall']:.3f} / {pw['f1']:.3f}  "
                f"B-cubed {b3['precision']:.3f} / {b3['recall']:.3f} / {b3['f1']:.3f}"
            )
    return out


def _no_text(c: SlotContext) -> SlotContext:
    return dataclasses.replace(c, title=None, abstract=None, references=frozenset())


def main() -> int:
    t0 = time.monotonic()
    blocks, variants = out_of_fold({"with titles": None, "no titles": _no_text})
    score_table(blocks, variants)
    print(f"{time.monotonic() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
