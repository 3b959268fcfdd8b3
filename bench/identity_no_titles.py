"""What the resolve stage's slot contexts cost the pairwise model when they carry no title or abstract: out of fold on
the labeled sets (kg.identity.train's 5 folds by name block), the 22-feature booster trained with titles, each held-out
block clustered (guarded 0.90 / 0.30, the shipped setting) once with its contexts as the labeled readers build them and
once with title, abstract and references removed (what kg.resolve.researchers.slot_context gave before it read them).

    nice -n 19 python -m bench.identity_no_titles
"""

from __future__ import annotations

import dataclasses
import time

from kg.identity import train as training
from kg.identity.scores import scores


def main() -> int:
    t0 = time.monotonic()
    blocks = training.load_blocks()
    full = [training.prepare(b) for b in blocks]
    bare = [
        training.prepare(
            dataclasses.replace(
                b,
                contexts=[
                    dataclasses.replace(c, title=None, abstract=None, references=frozenset())
                    for c in b.contexts
                ],
            )
        )
        for b in blocks
    ]
    fold_of = training._folds(blocks, training.FOLDS)
    fold = [fold_of[b.group] for b in blocks]
    out: dict[str, dict[str, str]] = {"with titles": {}, "no titles": {}}
    for f in range(training.FOLDS):
        booster = training.fit_pairs([p for p, k in zip(full, fold, strict=True) if k != f])
        test = [i for i, k in enumerate(fold) if k == f and blocks[i].truth]
        for label, prepared in (("with titles", full), ("no titles", bare)):
            for i, probs in zip(
                test, training.predict_pairs(booster, [prepared[i] for i in test]), strict=True
            ):
                scorer = training._FixedScorer(probs, 0.9, "guarded", floor=0.3)
                got = training.cluster_prepared(prepared[i], probs, scorer)
                out[label].update({k: f"{f}:{blocks[i].key}:{v}" for k, v in got.items()})
    for label, pred in out.items():
        for ds in ("arnetminer", "openalex"):
            truth = {k: v for b in blocks if b.dataset == ds for k, v in b.truth.items()}
            s = scores(pred, truth)
            pw, b3 = s["pairwise"], s["bcubed"]
            print(
                f"{label:12} {ds:10} pairwise {pw['precision']:.3f} / {pw['recall']:.3f} / {pw['f1']:.3f}  "
                f"B-cubed {b3['precision']:.3f} / {b3['recall']:.3f} / {b3['f1']:.3f}"
            )
    print(f"{time.monotonic() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
