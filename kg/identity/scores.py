"""How good a clustering is against the truth: pairwise and B-cubed precision, recall and F1 over labeled mentions,
and its errors by type (wrong merges, wrong splits)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from math import comb
from typing import Any


def pairwise(predicted: Mapping[str, str], truth: Mapping[str, str]) -> dict[str, float | int]:
    """Pairwise precision / recall / F1 over the mentions that have a truth and a prediction."""
    keys = [k for k in truth if k in predicted]
    pred_sizes = Counter(predicted[k] for k in keys)
    true_sizes = Counter(truth[k] for k in keys)
    both = Counter((predicted[k], truth[k]) for k in keys)
    tp = sum(comb(n, 2) for n in both.values())
    pp = sum(comb(n, 2) for n in pred_sizes.values())
    tpairs = sum(comb(n, 2) for n in true_sizes.values())
    p = tp / pp if pp else 1.0
    r = tp / tpairs if tpairs else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "mentions": len(keys),
        "true_people": len(true_sizes),
        "predicted_people": len(pred_sizes),
        "true_pairs": tpairs,
        "predicted_pairs": pp,
        "correct_pairs": tp,
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(f1, 4),
    }


def bcubed(predicted: Mapping[str, str], truth: Mapping[str, str]) -> dict[str, float]:
    """B-cubed precision / recall / F1: per mention, the overlap of its predicted and true clusters, averaged."""
    keys = [k for k in truth if k in predicted]
    if not keys:
        return {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    pred_sizes = Counter(predicted[k] for k in keys)
    true_sizes = Counter(truth[k] for k in keys)
    both = Counter((predicted[k], truth[k]) for k in keys)
    p = sum(both[(predicted[k], truth[k])] / pred_sizes[predicted[k]] for k in keys) / len(keys)
    r = sum(both[(predicted[k], truth[k])] / true_sizes[truth[k]] for k in keys) / len(keys)
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4)}


def scores(predicted: Mapping[str, str], truth: Mapping[str, str]) -> dict[str, Any]:
    return {"pairwise": pairwise(predicted, truth), "bcubed": bcubed(predicted, truth)}


def errors(
    predicted: Mapping[str, str], truth: Mapping[str, str], names: Mapping[str, str], limit: int = 10
) -> dict[str, Any]:
    """Wrong merges (one predicted researcher holding several true people) and wrong splits (one true person spread
    over several predicted researchers), largest first, with examples of the mentions involved."""
    keys = [k for k in truth if k in predicted]
    by_pred: dict[str, list[str]] = defaultdict(list)
    by_true: dict[str, list[str]] = defaultdict(list)
    for k in keys:
        by_pred[predicted[k]].append(k)
        by_true[truth[k]].append(k)
    merges: list[dict[str, Any]] = []
    for cid, members in by_pred.items():
        people = Counter(truth[k] for k in members)
        if len(people) > 1:
            wrong_pairs = comb(len(members), 2) - sum(comb(v, 2) for v in people.values())
            merges.append(
                {
                    "predicted": cid,
                    "wrong_pairs": wrong_pairs,
                    "people": dict(people.most_common(5)),
                    "examples": sorted(f"{names.get(k, '')} @ {k}" for k in members)[:4],
                }
            )
    splits: list[dict[str, Any]] = []
    for person, members in by_true.items():
        parts = Counter(predicted[k] for k in members)
        if len(parts) > 1:
            missed = comb(len(members), 2) - sum(comb(v, 2) for v in parts.values())
            splits.append(
                {
                    "person": person,
                    "missed_pairs": missed,
                    "parts": sorted(parts.values(), reverse=True)[:8],
                    "examples": sorted(f"{names.get(k, '')} @ {k}" for k in members)[:4],
                }
            )
    merges.sort(key=lambda m: (-int(m["wrong_pairs"]), str(m["predicted"])))
    splits.sort(key=lambda s: (-int(s["missed_pairs"]), str(s["person"])))
    return {
        "wrong_merges": {
            "count": len(merges),
            "wrong_pairs": sum(m["wrong_pairs"] for m in merges),
            "largest": merges[:limit],
        },
        "wrong_splits": {
            "count": len(splits),
            "missed_pairs": sum(s["missed_pairs"] for s in splits),
            "largest": splits[:limit],
        },
    }


def bcubed_losses(
    predicted: Mapping[str, str], truth: Mapping[str, str], block: Mapping[str, str], limit: int = 10
) -> dict[str, Any]:
    """Where B-cubed F1 is lost, by type and by name block: each mention's precision loss (the share of its
    predicted researcher that is other people: wrong merges) and recall loss (the share of its true person placed
    elsewhere: wrong splits), summed per block and over all (1 - B-cubed precision and 1 - recall)."""
    keys = [k for k in truth if k in predicted]
    pred_sizes = Counter(predicted[k] for k in keys)
    true_sizes = Counter(truth[k] for k in keys)
    both = Counter((predicted[k], truth[k]) for k in keys)
    by_block: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    n = len(keys) or 1
    for k in keys:
        o = both[(predicted[k], truth[k])]
        row = by_block[block.get(k, "")]
        row[0] += (1 - o / pred_sizes[predicted[k]]) / n
        row[1] += (1 - o / true_sizes[truth[k]]) / n
        row[2] += 1
    people: dict[str, set[str]] = defaultdict(set)
    for k in keys:
        people[block.get(k, "")].add(truth[k])
    largest = sorted(by_block.items(), key=lambda kv: (-(kv[1][0] + kv[1][1]), kv[0]))[:limit]
    return {
        "precision_loss_wrong_merges": round(sum(r[0] for r in by_block.values()), 4),
        "recall_loss_wrong_splits": round(sum(r[1] for r in by_block.values()), 4),
        "largest_blocks": [
            {
                "block": b,
                "mentions": int(r[2]),
                "people": len(people[b]),
                "precision_loss": round(r[0], 4),
                "recall_loss": round(r[1], 4),
            }
            for b, r in largest
        ],
    }
