"""The topic model's pair features (kg.identity.meaning) measured against the 22 pair features they would join, side
by side on one preparation and the same folds: cross-validation by name block on the arnetminer development set
and the OpenAlex samples (ids hidden), every setting out of fold (`by_threshold`) and, unless `--quick`, nested
(the setting chosen inside each outer fold on its training folds alone: the honest figure) among the one-step
settings (average, single, guarded linkage); the errors and B-cubed losses of each nested choice; and how well each
new feature alone ranks the labeled pairs (ROC AUC), over every pair and over the pairs nothing else ties (no shared
co-author, venue or title word). Pure code, no database; the boosters are deterministic, so the "base" rows
reproduce the 22-feature model's figures of bench/identity_eval.py on the same grid.

    nice -n 19 flock /work/heavy.lock python -m bench.identity_meaning [--quick | --guarded-only] [--sets base,meaning]
        [--out bench/results/identity_meaning.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import machine
from kg.identity import block_key, labeled
from kg.identity import train as training
from kg.identity.features import ALL_FEATURE_NAMES, FEATURE_SETS
from kg.identity.meaning import MEANING_FEATURE_NAMES
from kg.identity.scores import bcubed_losses, errors

REPO = Path(__file__).resolve().parent.parent


def feature_auc(prepared: list[training.Prepared]) -> dict[str, Any]:
    """ROC AUC of each meaning feature alone (NaN as the lowest value) on the labeled pairs, per dataset: over
    every pair, and over the pairs with no shared co-author, venue or title word."""
    from sklearn.metrics import roc_auc_score

    names = prepared[0].names
    xs = [p.features[p.labeled] for p in prepared if p.labeled.any()]
    ys = [p.labels[p.labeled] for p in prepared if p.labeled.any()]
    ds = [np.full(int(p.labeled.sum()), p.block.dataset) for p in prepared if p.labeled.any()]
    x, y, d = np.vstack(xs), np.concatenate(ys), np.concatenate(ds)

    def col(n: str) -> np.ndarray:
        return np.nan_to_num(x[:, names.index(n)], nan=-1.0)

    hard = (col("coauthors_shared") <= 0) & (col("venue_same") <= 0) & (col("title_shared") <= 0)
    out: dict[str, Any] = {}
    for dataset in sorted(set(d.tolist())):
        for subset, mask in (("all pairs", d == dataset), ("no shared co-author, venue, title word", hard)):
            m = mask & (d == dataset)
            if len(set(y[m].tolist())) < 2:
                continue
            out[f"{dataset}: {subset}"] = {
                "pairs": int(m.sum()),
                "positive": int(y[m].sum()),
                "auc": {
                    n: round(float(roc_auc_score(y[m], col(n)[m])), 3)
                    for n in (*MEANING_FEATURE_NAMES, "title_cosine", "venue_words")
                },
            }
    return out


def pair_ranking(
    blocks: list[training.Block], prepared: list[training.Prepared], sets: list[str]
) -> dict[str, Any]:
    """How well each feature set's booster ranks the labeled pairs out of fold (same 5 folds as cross_validate):
    ROC AUC, average precision, and the share of true and false pairs at p ≥ 0.9 (what the guarded linkage joins
    at), over every pair and over the pairs with no shared co-author, venue or title word."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    fold_of = training._folds(blocks, training.FOLDS)
    fold = [fold_of[b.group] for b in blocks]
    probs = {
        s: training.out_of_fold(training.select(prepared, FEATURE_SETS[s]), fold, range(training.FOLDS))
        for s in sets
    }
    names = prepared[0].names
    out: dict[str, Any] = {}
    for ds in ("arnetminer", "openalex"):
        idx = [i for i, b in enumerate(blocks) if b.dataset == ds and prepared[i].labeled.any()]
        y = np.concatenate([prepared[i].labels[prepared[i].labeled] for i in idx])
        x = np.vstack([prepared[i].features[prepared[i].labeled] for i in idx])

        def col(n: str, x: np.ndarray = x) -> np.ndarray:
            return np.nan_to_num(x[:, names.index(n)], nan=-1.0)

        hard = (col("coauthors_shared") <= 0) & (col("venue_same") <= 0) & (col("title_shared") <= 0)
        for s in sets:
            p = np.concatenate([probs[s][i][prepared[i].labeled] for i in idx])
            for subset, m in (("all pairs", np.ones(len(y), dtype=bool)), ("nothing shared", hard)):
                if len(set(y[m].tolist())) < 2:
                    continue
                out[f"{ds}: {subset}: {s}"] = {
                    "pairs": int(m.sum()),
                    "positive": int(y[m].sum()),
                    "auc": round(float(roc_auc_score(y[m], p[m])), 3),
                    "average_precision": round(float(average_precision_score(y[m], p[m])), 3),
                    "true_at_0.9": round(float(np.mean(p[m][y[m] == 1] >= 0.9)), 3),
                    "false_at_0.9": round(float(np.mean(p[m][y[m] == 0] >= 0.9)), 4),
                }
    return out


def run(
    sets: list[str], quick: bool, log: Any = print, guarded_only: bool = False, pairs_only: bool = False
) -> dict[str, Any]:
    arn, oa = labeled.arnetminer(), labeled.openalex()
    blocks = [*training.blocks_of(arn), *training.blocks_of(oa)]
    t0, c0 = time.monotonic(), time.process_time()
    prepared = [training.prepare(b, ALL_FEATURE_NAMES) for b in blocks]
    out: dict[str, Any] = {
        "method": "cross-validation by name block (kg.identity.train.cross_validate) of each feature set on one"
        " preparation, same folds; `nested`: the one-step setting chosen inside each outer fold on its training"
        " folds alone",
        "prepare_seconds": round(time.monotonic() - t0, 1),
        "prepare_cpu_seconds": round(time.process_time() - c0, 1),
        "grid": {
            "average": [] if quick or guarded_only else list(training.THRESHOLDS),
            "single": [] if quick or guarded_only else list(training.THRESHOLDS),
            "guarded": training.GUARDED,
        },
        "feature_auc": feature_auc(prepared),
        "sets": {},
        "machine": machine(),
    }
    if pairs_only:
        out["pair_ranking"] = pair_ranking(blocks, prepared, sets)
        sets = []
    for name in sets:
        t1, c1 = time.monotonic(), time.process_time()
        log(f"{name}: {len(FEATURE_SETS[name])} features")
        cv = training.cross_validate(
            blocks,
            linkages=() if quick or guarded_only else training.LINKAGES,
            two_step=(),
            nested=not quick,
            prepared=training.select(prepared, FEATURE_SETS[name]),
            log=log,
        )
        row: dict[str, Any] = {
            "features": list(FEATURE_SETS[name]),
            "seconds": round(time.monotonic() - t1, 1),
            "cpu_seconds": round(time.process_time() - c1, 1),
            "by_threshold": cv["by_threshold"],
        }
        shipped = training.parse_config("guarded@0.90/0.30")
        clusterings = {"guarded@0.90/0.30 (out of fold)": cv["predicted"][shipped]}
        if not quick:
            row["nested"] = {
                f: {k: v for k, v in n.items() if k != "predicted"} for f, n in cv["nested"].items()
            }
            clusterings["nested one-step"] = cv["nested"]["one-step"]["predicted"]
        for ls in (arn, oa):
            names = {c.key: c.slot.name for c in ls.contexts}
            block = {k: block_key(n) for k, n in names.items()}
            row[ls.name] = {
                label: {
                    "errors": errors(pred, ls.truth, names),
                    "bcubed_losses": bcubed_losses(pred, ls.truth, block),
                }
                for label, pred in clusterings.items()
            }
        out["sets"][name] = row
    out["seconds"] = round(time.monotonic() - t0, 1)
    out["cpu_seconds"] = round(time.process_time() - c0, 1)
    return out


def prf(d: dict[str, Any]) -> str:
    """Precision / recall / F1 of a score row, as the identity benches print them."""
    return f"{d['precision']:.3f} / {d['recall']:.3f} / {d['f1']:.3f}"


def _line(name: str, row: dict[str, Any]) -> str:
    a, o = row["arnetminer"], row["openalex"]
    return (
        f"{name:34} arnetminer pairwise {prf(a['pairwise'])}  B-cubed {prf(a['bcubed'])}  "
        f"OpenAlex pairwise {prf(o['pairwise'])}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument(
        "--quick", action="store_true", help="out of fold only, guarded settings only (no nesting)"
    )
    ap.add_argument(
        "--guarded-only",
        action="store_true",
        help="nested, but among the guarded settings only (no average, single)",
    )
    ap.add_argument(
        "--pairs",
        action="store_true",
        help="only the out-of-fold ranking of the labeled pairs by each set's booster",
    )
    ap.add_argument("--sets", default="base,meaning", help=f"feature sets, of {', '.join(FEATURE_SETS)}")
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "identity_meaning.json")
    args = ap.parse_args(argv)
    sets = [s for s in args.sets.split(",") if s]
    unknown = [s for s in sets if s not in FEATURE_SETS]
    if unknown:
        ap.error(f"unknown feature set {unknown[0]!r} (of {', '.join(FEATURE_SETS)})")
    result = run(sets, args.quick, guarded_only=args.guarded_only, pairs_only=args.pairs)
    result["command"] = " ".join(
        ["python -m bench.identity_meaning", *(sys.argv[1:] if argv is None else argv)]
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for key, r in result.get("pair_ranking", {}).items():
        print(key, r)
    for key, auc in result["feature_auc"].items():
        print(f"AUC {key} ({auc['pairs']} pairs, {auc['positive']} positive): {auc['auc']}")
    for name, row in result["sets"].items():
        for setting in ("guarded@0.90/0.30", "guarded@0.93/0.30"):
            print(_line(f"{name} {setting}", row["by_threshold"][setting]))
        for family, n in row.get("nested", {}).items():
            print(_line(f"{name} nested {family}", n["scores"]), n["chosen_by_fold"])
    print(f"{result['seconds']} s ({result['cpu_seconds']} s CPU) → {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
