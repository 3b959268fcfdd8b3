"""Fitting and measuring discovery's score on held-out co-author pairs (pure arrays, like kg.linkpred).

One protocol for `kg discover train` and for bench/discover_eval.py:

1. hide pairs: `holdout_random` hides a random share of the co-author pairs; `holdout_recent` hides the pairs
   that first wrote together in the latest years (the cut year chosen so that about that share is hidden) and
   drops every work from those years, so the training graph is the graph as it was before the cut;
2. split the hidden pairs in two halves: the FIT half labels the candidates of its ends (pairs of the other half
   are left out of the training rows, neither positive nor negative), the REPORT half is only ever ranked; a
   random hold-out is drawn up to four times and the fit halves pooled (`train`'s draws);
3. fit a pairwise logistic regression with every weight ≥ 0 on the transformed FEATURES of the fit rows: the
   weights become a kg.linkpred.Model (a linear score, reproducible anywhere, each part's contribution readable
   and never against the suggestion); then tune those weights, one feature at a time and still ≥ 0, on the
   metric itself (recall@k + MRR of the FIT halves, `search_weights`);
4. rank the report half's ends with the model and with the textbook baselines on the same training graph
   (common neighbours, Adamic-Adar, resource allocation, no caps) and report recall@k and MRR for each.

What `train` holds and ranks past the training graphs themselves does not grow with the graph: the fit rows come
from at most FIT_SOURCES ends per draw, the search ranks at most SEARCH_PAIRS fit pairs per draw (their candidates
found once, re-scored per trial), the report at most REPORT_PAIRS report pairs (ranked a chunk of ends at a time),
each a sample drawn with the seed; none binds on ca-GrQc or DBLP. The report says how many of each it used.

A hidden pair counts when both its ends are still in the training graph (at least one co-author or one work
there): nobody can be suggested to someone the graph does not know. recall@k: the share of counted pairs where
either end has the other among its top k; MRR: the mean of 1/r, r the better of the two ends' ranks (0 beyond
EVAL_DEPTH).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy import sparse

from kg import linkpred
from kg.linkpred import EdgeList, FloatArray, Graph, IntArray, Model, Params

EVAL_DEPTH = 100  # ranks beyond this count as misses in MRR
RANK_PATHS = 4_000_000  # the report ranks its pairs' ends in chunks of at most this many 2-hop paths
BASELINES = ("common_neighbours", "adamic_adar", "resource_allocation")


def _pair_keys(pairs: IntArray, n: int) -> IntArray:
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    keys = np.minimum(pairs[:, 0], pairs[:, 1])
    keys *= n
    keys += np.maximum(pairs[:, 0], pairs[:, 1])
    return keys


def unique_pairs(edges: EdgeList) -> tuple[IntArray, IntArray]:
    """The co-author pairs once each (lower index first, self-loops dropped) and their first years (−1 unknown).
    Temporaries kept few: at the 1M-work graph each copy of the pairs' keys is 133 MB."""
    n = edges.n
    pairs = np.asarray(edges.coauthor, dtype=np.int64).reshape(-1, 2)
    years = (
        np.asarray(edges.coauthor_first_year)
        if edges.coauthor_first_year is not None
        else np.full(len(pairs), -1, dtype=np.int32)
    )
    keep = pairs[:, 0] != pairs[:, 1]
    if keep.all():
        keys = _pair_keys(pairs, n)
    else:
        keys, years = _pair_keys(pairs[keep], n), years[keep]
    uk, first = np.unique(keys, return_index=True)
    del keys
    out = np.empty((len(uk), 2), dtype=np.int64)
    np.floor_divide(uk, n, out=out[:, 0])
    np.remainder(uk, n, out=out[:, 1])
    return out, years[first]


def _without(edges: EdgeList, keep_pairs: IntArray, keep_years: IntArray, year_below: int | None) -> EdgeList:
    """The same input with only keep_pairs as co-authors and, with year_below, only the works before it."""
    out = dataclasses.replace(edges, coauthor=keep_pairs, coauthor_first_year=keep_years)
    if year_below is not None:
        wy = np.asarray(edges.work_year, dtype=np.int64)
        ok = wy < year_below  # unknown years (−1) stay
        out = dataclasses.replace(
            out,
            work_researcher=np.asarray(edges.work_researcher)[ok],
            work_year=wy[ok],
            work_venue=np.asarray(edges.work_venue)[ok],
        )
    return out


def holdout_random(edges: EdgeList, share: float, seed: int) -> tuple[EdgeList, IntArray]:
    """Hide a random share of the co-author pairs: (the training input, the hidden pairs)."""
    pairs, years = unique_pairs(edges)
    rng = np.random.default_rng(seed)
    hide = np.zeros(len(pairs), dtype=bool)
    hide[rng.permutation(len(pairs))[: round(share * len(pairs))]] = True
    return _without(edges, pairs[~hide], years[~hide], None), pairs[hide]


def holdout_recent(edges: EdgeList, share: float) -> tuple[EdgeList, IntArray, int]:
    """Hide the pairs that first wrote together from the cut year on, and every work from then: (the training
    input as it was before the cut, the hidden pairs, the cut year). The cut is the latest year that hides at
    least `share` of the pairs with a known first year."""
    pairs, years = unique_pairs(edges)
    known = np.sort(years[years >= 0])
    if len(known) == 0:
        raise ValueError("no co-author pair has a year: use a random hold-out")
    cut = int(known[max(0, int(len(known) * (1 - share)) - 1)]) + 1
    cut = min(cut, int(known[-1]))
    hide = years >= cut
    return _without(edges, pairs[~hide], years[~hide], cut), pairs[hide], cut


def known_in(graph: Graph, pairs: IntArray) -> BoolMask:
    """Which pairs have both ends known to the training graph (a co-author or a work there)."""
    known = (graph.deg > 0) | (graph.works > 0)
    return known[pairs[:, 0]] & known[pairs[:, 1]]


BoolMask = Any


def split_halves(pairs: IntArray, seed: int) -> tuple[IntArray, IntArray]:
    rng = np.random.default_rng(seed + 1)
    half = rng.permutation(len(pairs))
    cut = len(pairs) // 2
    return pairs[np.sort(half[:cut])], pairs[np.sort(half[cut:])]


def _ends(pairs: IntArray, limit: int | None, seed: int) -> IntArray:
    ends = np.unique(pairs.ravel())
    if limit is not None and len(ends) > limit:
        ends = np.sort(np.random.default_rng(seed + 2).choice(ends, limit, replace=False))
    return ends


def training_rows(
    graph: Graph,
    fit_pairs: IntArray,
    ignore_pairs: IntArray,
    params: Params,
    max_sources: int | None,
    seed: int,
) -> tuple[FloatArray, IntArray, IntArray]:
    """Raw FEATURES of every candidate of the fit pairs' ends (at most max_sources of them), label 1 for a fit
    pair; candidates that are ignore_pairs are left out. Returns (raw features, labels, source of each row)."""
    n = graph.n
    pos = _pair_keys(fit_pairs, n)
    skip = _pair_keys(ignore_pairs, n)
    xs, ys, us = [], [], []
    for batch in linkpred._batches(graph, _ends(fit_pairs, max_sources, seed), params):
        u_loc, v, links = linkpred.candidates(graph, batch, params)
        raw = graph.feature_values(params, batch, u_loc, v, links)
        u = batch[u_loc]
        k = np.minimum(u, v) * n + np.maximum(u, v)
        keep = ~np.isin(k, skip)
        xs.append(raw[keep])
        ys.append(np.isin(k[keep], pos).astype(np.int64))
        us.append(u[keep])
    if not xs:
        return np.zeros((0, len(linkpred.FEATURES))), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(us)


def fit_model(
    raw: FloatArray, labels: IntArray, sources: IntArray, seed: int = 7, negatives: int = 20
) -> Model:
    """A linear ranking score fitted by logistic regression (L2, C = 1, as scikit-learn's) on pairwise
    differences within a source: each positive row against up to `negatives` other candidates of the same
    source, so the weights learn what puts the right person above the others in ONE researcher's list (a
    pointwise fit across sources learns who has many collaborators instead). Every weight is held ≥ 0 (scipy's
    L-BFGS-B with bounds; scikit-learn has no sign constraint): each feature is "more is closer", so every part of
    a suggestion's reasons adds to its score and reads right ("2 shared co-authors" never counts against). A
    second one-feature logistic regression then calibrates the score's scale and intercept on the rows
    themselves, so σ(score) reads as a probability. Features that never vary in the data (no topics in the
    graph, say) get weight 0."""
    from sklearn.linear_model import LogisticRegression

    x = linkpred.transform(raw)
    if len(np.unique(labels)) < 2:
        raise ValueError("the held-out pairs gave no positive (or no negative) training row")
    std = x.std(axis=0)
    live = std > 1e-12
    z = np.zeros_like(x)
    z[:, live] = x[:, live] / std[live]
    rng = np.random.default_rng(seed)
    order = np.argsort(sources, kind="stable")
    s_sorted = sources[order]
    starts = np.r_[0, np.flatnonzero(np.diff(s_sorted)) + 1]
    ends = np.r_[starts[1:], len(s_sorted)]
    diffs = []
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        rows = order[a:b]
        pos, neg = rows[labels[rows] == 1], rows[labels[rows] == 0]
        if len(pos) == 0 or len(neg) == 0:
            continue
        for i in pos.tolist():
            pick = neg if len(neg) <= negatives else rng.choice(neg, negatives, replace=False)
            diffs.append(z[i] - z[pick])
    if not diffs:
        raise ValueError("no researcher had both a held-out partner and another candidate")
    d = np.concatenate(diffs)
    w = np.zeros(x.shape[1])
    w[live] = nonnegative_pairwise_fit(d[:, live]) / std[live]  # back to the transformed features' own scale
    s = (x @ w).reshape(-1, 1)
    calib = LogisticRegression(C=1e6, max_iter=2000).fit(s, labels)
    scale = float(calib.coef_[0, 0])
    if scale <= 0:  # the score does not rise with the label on these rows (tiny data): keep it uncalibrated
        return Model(dict(zip(linkpred.FEATURES, w.tolist(), strict=True)), 0.0)
    return Model(dict(zip(linkpred.FEATURES, (w * scale).tolist(), strict=True)), float(calib.intercept_[0]))


def nonnegative_pairwise_fit(d: FloatArray, c: float = 1.0) -> FloatArray:
    """argmin over w ≥ 0 of ½‖w‖² + c · Σ_i 2 log(1 + exp(−d_i · w)): scikit-learn's L2 logistic regression
    without intercept on the rows d_i (label 1) and −d_i (label 0), as fit_model used it, with the weights held
    non-negative (scipy.optimize L-BFGS-B, bounds)."""
    from scipy.optimize import minimize

    def loss(w: FloatArray) -> tuple[float, FloatArray]:
        m = d @ w
        value = 0.5 * float(w @ w) + 2.0 * c * float(np.logaddexp(0.0, -m).sum())
        grad = w - 2.0 * c * (d.T @ (0.5 * (1.0 - np.tanh(0.5 * m))))
        return value, grad

    res = minimize(loss, np.zeros(d.shape[1]), jac=True, method="L-BFGS-B",
                   bounds=[(0.0, None)] * d.shape[1], options={"maxiter": 2000})  # fmt: skip
    return np.maximum(np.asarray(res.x, dtype=np.float64), 0.0)


# Multipliers tried for a feature's pairwise weight, and nudges (a share of coauthor_aa's contribution per standard
# deviation of the feature, either sign) small enough to act as tie-breakers between equal Adamic-Adar sums.
SEARCH_MULTIPLIERS = (0.0, 0.25, 0.5, 1.0)
SEARCH_NUDGES = (0.02, 0.05, 0.1, 0.2)
SEARCH_PAIRS = 3000  # at most this many fit pairs are ranked per trial (bounded cost on any graph)


def search_weights(
    graph: Graph,
    model: Model,
    raw: FloatArray,
    labels: IntArray,
    fit_pairs: IntArray,
    ignore_pairs: IntArray,
    params: Params,
    k: int = 10,
    seed: int = 7,
    rounds: int = 2,
    more: Sequence[tuple[Graph, IntArray, IntArray]] = (),
    advance: Advance | None = None,
) -> tuple[Model, dict[str, Any]]:
    """Tune the pairwise fit's weights on what is measured: recall@k + MRR (either end, as in compare) of the
    FIT pairs on the training graph, one feature at a time (coauthor_aa's weight held: a ranking does not change
    with the scale), a change kept only when it raises the objective. The pairwise logistic loss weighs every
    candidate of a list alike; the metric only looks at each list's top k, where the fitted weights of the other
    features can cost more than they bring (ca-GrQc: −1 point against Adamic-Adar alone). Then σ(score) is
    calibrated again on the training rows. `more`: other hold-outs' (graph, fit pairs, ignored pairs), whose
    objectives are averaged with this one's (raw and labels are then the rows of all). Each draw's objective ranks
    at most SEARCH_PAIRS of its fit pairs (drawn with the seed), their candidates found once (`rescorer`) and only
    re-scored per trial. Returns the model and a trace of the search."""
    from sklearn.linear_model import LogisticRegression

    draws = []
    for j, (g, fp, ip) in enumerate([(graph, fit_pairs, ignore_pairs), *more]):
        if len(fp) > SEARCH_PAIRS:
            pick = np.random.default_rng(seed + 3 + j).choice(len(fp), SEARCH_PAIRS, replace=False)
            fp = fp[np.sort(pick)]
        sources = np.unique(fp.ravel())
        draws.append((g.n, fp, _touching(ip, sources), rescorer(g, sources, params)))
        if advance:
            advance("weight search: candidates", j + 1, len(more) + 1)
    x = linkpred.transform(raw)
    std = x.std(axis=0)
    start = model.vector()
    # the feature held (a ranking does not change with scale): coauthor_aa, or if the fit left it at 0 the
    # biggest contribution per standard deviation
    i_aa = linkpred.FEATURES.index("coauthor_aa")
    if start[i_aa] <= 0:
        i_aa = int(np.argmax(np.abs(start) * std))
    aa_scale = abs(start[i_aa]) * max(float(std[i_aa]), 1e-12)

    trials = [0]

    def objective(w: FloatArray) -> float:
        model = Model(dict(zip(linkpred.FEATURES, w.tolist(), strict=True)))
        total = 0.0
        for n, fp, ip, rank in draws:
            m = metrics(pair_ranks(n, rank(model), fp, ip), k)
            total += m[f"recall@{k}"] + m["mrr"]
        trials[0] += 1
        if advance:
            advance("weight search: trials", trials[0], 0)
        return total / len(draws)

    best, trace = coordinate_search(
        start, std, objective, held=i_aa, aa_scale=aa_scale, names=linkpred.FEATURES, rounds=rounds
    )
    s = (x @ best).reshape(-1, 1)
    calib = LogisticRegression(C=1e6, max_iter=2000).fit(s, labels)
    scale, intercept = float(calib.coef_[0, 0]), float(calib.intercept_[0])
    info: dict[str, Any] = {
        "objective": f"recall@{k} + mrr on fit pairs",
        "pairs_per_draw": [len(d[1]) for d in draws],
        "trials": trials[0],
        "trace": trace,
    }
    # the rows do not rise with the score (tiny data): keep the weights as searched, uncalibrated
    if scale <= 0:
        scale, intercept = 1.0, model.intercept
        info["calibration"] = "skipped: the score does not rise with the label on the training rows"
    weights = dict(zip(linkpred.FEATURES, (best * scale).tolist(), strict=True))
    return Model(weights, intercept), info


def coordinate_search(
    start: FloatArray,
    std: FloatArray,
    objective: Callable[[FloatArray], float],
    *,
    held: int,
    aa_scale: float,
    names: Sequence[str] | None = None,
    rounds: int = 2,
    nonnegative: bool = True,
) -> tuple[FloatArray, list[dict[str, Any]]]:
    """`search_weights`' search: one weight at a time (`held`'s kept, as are features that do not vary), try
    SEARCH_MULTIPLIERS × its start and SEARCH_NUDGES (a share of AA's contribution per standard deviation; positive
    only when `nonnegative`, as the shipped model's weights are, else of either sign), keep a value only when
    `objective` rises; up to `rounds` passes. Returns the weights and a trace."""
    signs = (1.0,) if nonnegative else (1.0, -1.0)
    best = start.copy()
    best_obj = objective(best)
    trace: list[dict[str, Any]] = [{"start": round(best_obj, 4)}]
    for _ in range(rounds):
        changed = False
        for i in range(len(start)):
            if i == held or std[i] <= 1e-12:
                continue
            tried = {start[i] * m for m in SEARCH_MULTIPLIERS}
            tried |= {sg * c * aa_scale / float(std[i]) for c in SEARCH_NUDGES for sg in signs}
            if nonnegative:
                tried = {max(t, 0.0) for t in tried}
            for value in sorted(tried - {best[i]}):
                w = best.copy()
                w[i] = value
                obj = objective(w)
                if obj > best_obj + 1e-9:
                    best, best_obj, changed = w, obj, True
                    trace.append(
                        {(names[i] if names else str(i)): round(float(value), 6), "objective": round(obj, 4)}
                    )
        if not changed:
            break
    return best, trace


# --------------------------------------------------------------------------------------------- measuring

Ranked = tuple[IntArray, IntArray, FloatArray]  # (source, candidate, score) of each list entry
Ranker = Callable[[IntArray], Ranked]
Advance = Callable[[str, int, int], None]  # (what is being done, done, total or 0), as kg.discover's


def model_ranker(graph: Graph, params: Params) -> Ranker:
    """Rank sources' candidates with the kernel (what `kg discover` stores), EVAL_DEPTH deep."""
    deep = dataclasses.replace(params, top_k=EVAL_DEPTH)

    def rank(sources: IntArray) -> tuple[IntArray, IntArray, FloatArray]:
        blocks = [block for _, block in linkpred.suggest_blocks(graph, sources, deep)]
        if not blocks:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
        return (
            np.concatenate([b.source for b in blocks]).astype(np.int64),
            np.concatenate([b.target for b in blocks]).astype(np.int64),
            np.concatenate([b.score for b in blocks]),
        )

    return rank


def rescorer(graph: Graph, sources: IntArray, params: Params) -> Callable[[Model], Ranked]:
    """model_ranker's lists for these sources under any model: the candidates and their features do not depend on
    the weights, so they are found once here and each call only scores and ranks them (linkpred.top_candidates,
    the kernel's own selection: the same lists as model_ranker with that model)."""
    deep = dataclasses.replace(params, top_k=EVAL_DEPTH)
    blocks = []
    for batch in linkpred._batches(graph, np.asarray(sources, dtype=np.int64), deep):
        u_loc, v, links = linkpred.candidates(graph, batch, deep)
        raw = graph.feature_values(deep, batch, u_loc, v, links)
        blocks.append((batch, u_loc, v, linkpred.transform(raw), linkpred.shared_any(raw)))

    def rank(model: Model) -> Ranked:
        us, vs, ss = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)], [np.zeros(0)]
        for batch, u_loc, v, x, shared in blocks:
            top, _, score, _, _ = linkpred.top_candidates(graph, deep, model, u_loc, v, x, shared)
            us.append(batch[u_loc[top]].astype(np.int64))
            vs.append(v[top].astype(np.int64))
            ss.append(score[top])
        return np.concatenate(us), np.concatenate(vs), np.concatenate(ss)

    return rank


def _touching(pairs: IntArray, sources: IntArray) -> IntArray:
    """The pairs with an end among sources (the only ones a list of those sources can hold)."""
    return pairs[np.isin(pairs[:, 0], sources) | np.isin(pairs[:, 1], sources)]


def textbook_ranker(graph: Graph, kind: str) -> Ranker:
    """Plain common neighbours, Adamic-Adar (Σ 1/log deg z) or resource allocation (Σ 1/deg z) over the whole
    2-hop neighbourhood, no caps; self and co-authors excluded."""
    deg = graph.deg.astype(np.float64)
    with np.errstate(divide="ignore"):
        if kind == "common_neighbours":
            w = np.ones(graph.n)
        elif kind == "adamic_adar":
            w = np.where(deg > 1, 1.0 / np.log(np.maximum(deg, 2)), 0.0)
        elif kind == "resource_allocation":
            w = np.where(deg > 0, 1.0 / np.maximum(deg, 1), 0.0)
        else:
            raise ValueError(f"unknown baseline {kind!r}")
    a = graph.adj_matrix
    weigh = sparse.diags(w)

    def rank(sources: IntArray) -> tuple[IntArray, IntArray, FloatArray]:
        us, vs, ss = [], [], []
        for start in range(0, len(sources), 2048):
            b = sources[start : start + 2048]
            # the block's rows weighted, not a weighted copy of the whole matrix (0.4 GB at the 1M-work graph)
            s = ((a[b] @ weigh) @ a).tocsr()
            s = (s - linkpred._BIG * graph.excluded(b)).tocsr()
            r = np.repeat(np.arange(len(b), dtype=np.int64), np.diff(s.indptr))
            ok = s.data > 0
            us.append(b[r[ok]])
            vs.append(s.indices[ok].astype(np.int64))
            ss.append(s.data[ok])
        return np.concatenate(us), np.concatenate(vs), np.concatenate(ss)

    return rank


def pair_ranks(
    n: int, ranked: tuple[IntArray, IntArray, FloatArray], pairs: IntArray, ignore: IntArray
) -> IntArray:
    """For each pair, the better of the two ends' ranks of each other (ties by index; ignore pairs taken out of
    the lists first); EVAL_DEPTH + 1 when neither list holds the other within EVAL_DEPTH."""
    u, v, s = ranked
    if len(ignore):
        keep = ~np.isin(np.minimum(u, v) * n + np.maximum(u, v), _pair_keys(ignore, n))
        u, v, s = u[keep], v[keep], s[keep]
    o = np.lexsort((v, -np.round(s, linkpred.TIE_DIGITS), u))
    u, v = u[o], v[o]
    r = linkpred._rank_in_group(u) + 1
    keys = u * n + v
    order = np.argsort(keys)
    keys, r = keys[order], r[order]

    def look(a: IntArray, b: IntArray) -> IntArray:
        q = a * n + b
        pos = np.minimum(np.searchsorted(keys, q), max(len(keys) - 1, 0))
        hit = (keys[pos] == q) if len(keys) else np.zeros(len(q), dtype=bool)
        return np.where(hit, r[pos] if len(keys) else 0, EVAL_DEPTH + 1)

    best = np.minimum(look(pairs[:, 0], pairs[:, 1]), look(pairs[:, 1], pairs[:, 0]))
    return np.minimum(best, EVAL_DEPTH + 1)


def metrics(ranks: IntArray, k: int) -> dict[str, float]:
    hit = ranks <= k
    rr = np.where(ranks <= EVAL_DEPTH, 1.0 / ranks, 0.0)
    return {
        f"recall@{k}": round(float(hit.mean()) if len(ranks) else 0.0, 4),
        "mrr": round(float(rr.mean()) if len(ranks) else 0.0, 4),
    }


def ranks_of(
    graph: Graph,
    ranker: Ranker,
    pairs: IntArray,
    ignore: IntArray,
    max_paths: int = RANK_PATHS,
    advance: Callable[[int, int], None] | None = None,
) -> IntArray:
    """pair_ranks of ranker's lists of the pairs' ends, the ends ranked a chunk at a time (each chunk's 2-hop paths
    through every co-author, hubs too, at most max_paths, or one end) so that memory holds one chunk's lists, not
    every end's: the uncapped baselines list thousands of candidates for a hub's co-author. The same ranks as one
    call (an end's list is whole within its chunk); advance(ends done, ends)."""
    sources = np.unique(pairs.ravel())
    ignore = _touching(np.asarray(ignore, dtype=np.int64).reshape(-1, 2), sources)
    best = np.full(len(pairs), EVAL_DEPTH + 1, dtype=np.int64)
    cost = np.asarray(graph.adj_matrix[sources] @ graph.deg.astype(np.float64)).ravel() + 1
    csum = np.cumsum(cost)
    start = 0
    while start < len(sources):
        below = csum[start - 1] if start else 0.0
        end = max(start + 1, int(np.searchsorted(csum, below + max_paths, side="right")))
        chunk = sources[start:end]
        mine = np.flatnonzero(np.isin(pairs[:, 0], chunk) | np.isin(pairs[:, 1], chunk))
        ranks = pair_ranks(graph.n, ranker(chunk), pairs[mine], ignore)
        best[mine] = np.minimum(best[mine], ranks)
        start = end
        if advance:
            advance(start, len(sources))
    return best


def compare(
    graph: Graph,
    pairs: IntArray,
    ignore: IntArray,
    params: Params,
    k: int = 10,
    model: Model | None = None,
    advance: Advance | None = None,
) -> dict[str, dict[str, float]]:
    """recall@k and MRR of the model and of each textbook baseline on the same pairs, same training graph (every
    pair's ends ranked, a chunk at a time: `ranks_of`)."""
    out: dict[str, dict[str, float]] = {}
    p = dataclasses.replace(params, model=model) if model is not None else params
    for name in ("model", *BASELINES):
        ranker = model_ranker(graph, p) if name == "model" else textbook_ranker(graph, name)

        def step(done: int, total: int, name: str = name) -> None:
            if advance:
                advance(f"report: {name}", done, total)

        out[name] = metrics(ranks_of(graph, ranker, pairs, ignore, advance=step), k)
    return out


DRAW_PAIRS = 10_000_000  # train's hold-out draws, all held at once, stop at this many co-author pairs in all
FIT_SOURCES = 10_000  # the fit rows: candidates of at most this many ends of each draw's fit pairs
REPORT_PAIRS = 20_000  # the report ranks at most this many report pairs' ends


def _sample(pairs: IntArray, limit: int, seed: int) -> IntArray:
    if len(pairs) <= limit:
        return pairs
    return pairs[np.sort(np.random.default_rng(seed).choice(len(pairs), limit, replace=False))]


def train(
    edges: EdgeList,
    *,
    holdout: str = "random",
    share: float = 0.1,
    seed: int = 7,
    params: Params | None = None,
    max_sources: int | None = FIT_SOURCES,
    k: int = 10,
    tune: bool = True,
    draws: int = 4,
    advance: Advance | None = None,
) -> Model:
    """The whole protocol of the module docstring on one input: a fitted Model whose report says how it did.
    A random hold-out is drawn up to `draws` times (seeds seed, seed + 1000, …): the fit's rows and the search's
    objective pool every draw's FIT half (more held-out pairs to learn from, as many pairs left in each training
    graph; ca-GrQc, seeds 0–2: recall@10 0.8799 with one draw, 0.8814 with two, 0.8832 with four); the report is on
    the first draw's REPORT half. Each draw's graph is held during the search, so draws stop at DRAW_PAIRS
    co-author pairs in all (one draw for the 1M-work graph's 16.6M pairs). A time split has one cut: one draw.
    Past the graph, memory and time are bounded by samples (max_sources, SEARCH_PAIRS, REPORT_PAIRS), and the
    report says how many of each it used; `advance(step, done, total)` hears of the long steps."""
    p = params or Params()
    say: Advance = advance or (lambda step, done, total: None)
    clock = _Clock()
    draws = max(1, min(draws, DRAW_PAIRS // max(len(edges.coauthor), 1)))
    say("hiding pairs", 0, draws)
    if holdout == "random":
        train_edges, hidden = holdout_random(edges, share, seed)
        cut = None
    elif holdout == "recent":
        train_edges, hidden, cut = holdout_recent(edges, share)
        draws = 1
    else:
        raise ValueError(f"unknown hold-out {holdout!r} (random or recent)")
    n_pairs = len(train_edges.coauthor) + len(hidden)
    graph = Graph(train_edges)
    del train_edges
    counted = hidden[known_in(graph, hidden)]
    fit_pairs, report_pairs = split_halves(counted, seed)
    say("fit rows: candidates of the fit pairs' ends", 0, draws)
    raw, labels, sources = training_rows(graph, fit_pairs, report_pairs, p, max_sources, seed)
    rows = [(raw, labels, sources)]
    more: list[tuple[Graph, IntArray, IntArray]] = []
    for j in range(1, max(draws, 1)):
        say("fit rows: candidates of the fit pairs' ends", j, draws)
        e_j, h_j = holdout_random(edges, share, seed + 1000 * j)
        g_j = Graph(e_j)
        del e_j
        fit_j, report_j = split_halves(h_j[known_in(g_j, h_j)], seed + 1000 * j)
        raw_j, labels_j, sources_j = training_rows(g_j, fit_j, report_j, p, max_sources, seed + 1000 * j)
        rows.append((raw_j, labels_j, sources_j + j * (edges.n + 1)))  # one list per (draw, source)
        more.append((g_j, fit_j, report_j))
    raw, labels, sources = (np.concatenate([r[i] for r in rows]) for i in range(3))
    fit_sources = [len(np.unique(r[2])) for r in rows]
    del rows
    clock.lap("graph and fit rows")
    say("fitting the weights", 0, 1)
    model = fit_model(raw, labels, sources, seed)
    clock.lap("fit")
    search: dict[str, Any] = {}
    if tune:
        model, search = search_weights(
            graph, model, raw, labels, fit_pairs, report_pairs, p, k, seed, more=more, advance=say
        )
    more.clear()  # the other draws' graphs: the report ranks on the first one only
    clock.lap("search")
    shown = _sample(report_pairs, REPORT_PAIRS, seed + 5)
    report = {
        "holdout": holdout,
        "share": share,
        "seed": seed,
        "draws": max(draws, 1),
        "cut_year": cut,
        "researchers": edges.n,
        "pairs": n_pairs,
        "hidden_pairs": len(hidden),
        "counted_pairs": len(counted),
        "fit_pairs": len(fit_pairs),
        "report_pairs": len(report_pairs),
        "training_rows": len(labels),
        "positive_rows": int(labels.sum()),
        "fit_sources_per_draw": fit_sources,
        "weight_search": search,
        "report_pairs_ranked": len(shown),
        "on_report_pairs": compare(graph, shown, fit_pairs, p, k, model, advance=say) if len(shown) else {},
    }
    clock.lap("report")
    report["seconds"] = clock.laps
    return Model(model.weights, model.intercept, report)


class _Clock:
    """Wall seconds of train's steps, for its report."""

    def __init__(self) -> None:
        self._last = time.monotonic()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.laps[name] = round(now - self._last, 1)
        self._last = now
