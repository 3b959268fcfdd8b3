"""Training and cross-validating the pairwise model (`kg identity train`): labeled pairs from the arnetminer
development set (people labeled by hand) and from OpenAlex works (same OpenAlex author id = same person, different
ids = different people), a LightGBM classifier over kg.identity.features, and the average-linkage threshold chosen
by cross-validation by name block (no block is ever scored by a model that saw it)."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kg.identity import labeled
from kg.identity.cluster import _candidate_pairs, cluster_block
from kg.identity.context import SlotContext
from kg.identity.features import FEATURE_NAMES, block_evidence, feature_matrix
from kg.identity.model import META_FILE, MODEL_DIR, MODEL_FILE, PairModel, PairScorer
from kg.identity.names import block_key
from kg.identity.scores import scores

SEED = 20261121
FOLDS = 5
# (linkage, thresholds) tried by cross-validation; the best is shipped with the model
THRESHOLDS = (0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.85, 0.9, 0.93, 0.95, 0.97)
PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 31,
    "min_data_in_leaf": 40,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "seed": SEED,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 2,
    "verbose": -1,
}
ROUNDS = 300
LINKAGES = ("average", "single")


def config_name(linkage: str, threshold: float) -> str:
    return f"{linkage}@{threshold:.2f}"


@dataclass
class Block:
    """One name block of a labeled set: its slots, and which of them are labeled with whom."""

    dataset: str
    key: str
    group: str  # what cross-validation folds by: the arnetminer name file, or the block itself
    contexts: list[SlotContext]
    truth: dict[str, str]


def blocks_of(ls: labeled.LabeledSet) -> list[Block]:
    by_block: dict[str, list[SlotContext]] = defaultdict(list)
    for c in ls.contexts:
        by_block[block_key(c.slot.name)].append(c)
    out = []
    for key in sorted(by_block):
        ctxs = by_block[key]
        truth = {c.key: ls.truth[c.key] for c in ctxs if c.key in ls.truth}
        groups = sorted({ls.group[k] for k in truth})
        out.append(Block(ls.name, key, f"{ls.name}:{groups[0] if groups else key}", ctxs, truth))
    return out


def block_pairs(b: Block) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels of the block's candidate pairs whose two slots are both labeled."""
    order = sorted(b.contexts, key=lambda c: c.key)
    pairs = [
        (x, y)
        for x, y in _candidate_pairs(order, list(range(len(order))))
        if order[x].key in b.truth and order[y].key in b.truth
    ]
    if not pairs:
        return np.zeros((0, len(FEATURE_NAMES)), dtype=np.float32), np.zeros(0)
    ev, stats = block_evidence(order)
    labels = np.asarray([b.truth[order[x].key] == b.truth[order[y].key] for x, y in pairs], dtype=np.float64)
    return feature_matrix(ev, stats, pairs), labels


def fit(features: np.ndarray, labels: np.ndarray, weights: np.ndarray) -> Any:
    import lightgbm

    data = lightgbm.Dataset(features, label=labels, weight=weights, feature_name=list(FEATURE_NAMES))
    return lightgbm.train(PARAMS, data, num_boost_round=ROUNDS)


def _training_matrix(
    blocks: Sequence[Block], cache: dict[str, tuple[np.ndarray, np.ndarray]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xs, ys, ws = [], [], []
    for b in blocks:
        x, y = cache[f"{b.dataset}:{b.key}"]
        if len(y) == 0:
            continue
        xs.append(x)
        ys.append(y)
        # each block weighs by the square root of its pairs: the 100,000 pairs of one prolific name do not
        # drown the fifty others
        ws.append(np.full(len(y), 1.0 / np.sqrt(len(y))))
    return np.vstack(xs), np.concatenate(ys), np.concatenate(ws)


def predict_block(b: Block, model: PairScorer) -> dict[str, str]:
    """Slot key → predicted researcher for every slot of the block."""
    out: dict[str, str] = {}
    for cl in cluster_block(b.contexts, model=model):
        for m in cl.members:
            out[m.key] = cl.id
    return out


class _FixedScorer:
    """Probabilities computed once per block, reused for every threshold tried."""

    def __init__(self, probs: np.ndarray, threshold: float, linkage: str) -> None:
        self.probs = probs
        self.threshold = threshold
        self.linkage = linkage

    def predict(self, features: np.ndarray) -> np.ndarray:
        if features.shape[0] != len(self.probs):
            raise ValueError("the block changed between scoring and clustering")
        return self.probs


def _block_probabilities(b: Block, model: PairModel) -> np.ndarray:
    from kg.identity.cluster import pair_probabilities

    order = sorted(
        b.contexts, key=lambda c: (c.key, json.dumps(sorted(m.to_json() for m in c.slot.mentions)))
    )
    pairs = _candidate_pairs(order, _strong_roots(order))
    return pair_probabilities(order, pairs, model) if pairs else np.zeros(0)


def _strong_roots(order: Sequence[SlotContext]) -> list[int]:
    """Each slot's first slot sharing a strong id (what cluster_block's hard links make its root, for the
    candidate filter)."""
    first: dict[tuple[str, str], int] = {}
    roots = list(range(len(order)))
    for i, c in enumerate(order):
        for k in ("orcid", "openalex", "profile", "src"):
            for v in sorted(c.slot.strong(k)):
                roots[i] = min(roots[i], first.setdefault((k, v), i))
    return roots


def cross_validate(
    blocks: Sequence[Block],
    folds: int = FOLDS,
    thresholds: Sequence[float] = THRESHOLDS,
    log: Callable[[str], None] = print,
    linkages: Sequence[str] = LINKAGES,
) -> dict[str, Any]:
    """Out-of-fold clusterings for every threshold: folds by group (a name file is never split between training and
    scoring), scored per dataset."""
    cache = {f"{b.dataset}:{b.key}": block_pairs(b) for b in blocks}
    groups = sorted({b.group for b in blocks})
    rng = np.random.default_rng(SEED)
    fold_of = {g: i % folds for i, g in enumerate(rng.permutation(groups).tolist())}
    configs = [(lk, t) for lk in linkages for t in thresholds]
    predicted: dict[tuple[str, float], dict[str, str]] = {c: {} for c in configs}
    for f in range(folds):
        train = [b for b in blocks if fold_of[b.group] != f]
        test = [b for b in blocks if fold_of[b.group] == f and b.truth]
        x, y, w = _training_matrix(train, cache)
        booster = fit(x, y, w)
        fold_model = PairModel(booster=booster, threshold=0.5)
        for b in test:
            probs = _block_probabilities(b, fold_model)
            for lk, t in configs:
                got = predict_block(b, _FixedScorer(probs, t, lk))
                predicted[(lk, t)].update({k: f"{f}:{v}" for k, v in got.items()})
        log(
            f"fold {f + 1}/{folds}: trained on {len(y):,} pairs, scored {sum(len(b.truth) for b in test)} mentions"
        )
    by_threshold: dict[str, Any] = {}
    for lk, t in configs:
        row = {}
        for ds in sorted({b.dataset for b in blocks}):
            truth = {k: v for b in blocks if b.dataset == ds for k, v in b.truth.items()}
            row[ds] = scores(predicted[(lk, t)], truth)
        by_threshold[config_name(lk, t)] = row
    return {"folds": folds, "fold_of_group": fold_of, "by_threshold": by_threshold, "predicted": predicted}


def choose_threshold(cv: dict[str, Any]) -> tuple[str, float]:
    """The linkage and threshold with the best mean, out of fold, of the three figures the targets name: B-cubed
    and pairwise F1 on arnetminer, pairwise F1 on OpenAlex."""

    def value(row: dict[str, Any]) -> float:
        parts = [row[ds]["bcubed"]["f1"] for ds in row if ds == "arnetminer"]
        parts += [row[ds]["pairwise"]["f1"] for ds in row]
        return sum(parts) / len(parts)

    best = max(cv["by_threshold"].items(), key=lambda kv: (value(kv[1]), kv[0]))
    linkage, _, t = best[0].partition("@")
    return linkage, float(t)


def load_blocks() -> list[Block]:
    return [*blocks_of(labeled.arnetminer()), *blocks_of(labeled.openalex())]


def train(
    out_dir: Path = MODEL_DIR,
    log: Callable[[str], None] = print,
    config: tuple[str, float] | None = None,
) -> dict[str, Any]:
    """Cross-validate, choose the linkage and threshold, train on everything, write the model and its metadata.
    With `config` ((linkage, threshold), e.g. what bench/identity_eval.py's cross-validation chose) the
    cross-validation is skipped and the model is trained with it."""
    t0 = time.monotonic()
    blocks = load_blocks()
    log(f"{len(blocks)} name blocks, {sum(len(b.truth) for b in blocks)} labeled mentions")
    cv_row: dict[str, Any] | None = None
    if config is None:
        cv = cross_validate(blocks, log=log)
        linkage, threshold = choose_threshold(cv)
        cv_row = cv["by_threshold"][config_name(linkage, threshold)]
    else:
        linkage, threshold = config
    cache = {f"{b.dataset}:{b.key}": block_pairs(b) for b in blocks}
    x, y, w = _training_matrix(blocks, cache)
    booster = fit(x, y, w)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MODEL_FILE).write_text(booster.model_to_string(), encoding="utf-8")
    importance = dict(
        zip(FEATURE_NAMES, (round(float(v), 1) for v in booster.feature_importance("gain")), strict=True)
    )
    meta = {
        "features": list(FEATURE_NAMES),
        "threshold": threshold,
        "linkage": linkage,
        "trained_on": {"pairs": len(y), "positive": int(y.sum()), "blocks": len(blocks)},
        "params": PARAMS,
        "rounds": ROUNDS,
        "cv_at_threshold": cv_row,
        "importance_gain": importance,
        "command": "kg identity train"
        + ("" if config is None else f" --linkage {linkage} --threshold {threshold}"),
    }
    (out_dir / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    log(f"{linkage} linkage at {threshold}; wrote {out_dir / MODEL_FILE} in {time.monotonic() - t0:.0f} s")
    return meta
