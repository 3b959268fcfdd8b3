"""Prototype scores for discovery (#20), measured like bench.discover_eval (same outer hold-outs, same "counted"
pairs, recall@10 either end, MRR) next to Adamic-Adar, before anything moves into kg/.

    python -m bench.discover_ideas [--seeds 3] [--only grqc,dblp] [--spectral]
    python -m bench.discover_ideas --spm [--spm-rounds 10] --only grqc
    python -m bench.discover_ideas --more --inner-seeds 6 --only grqc

Per seed: the TEST pairs are hidden exactly as bench.discover_eval hides them; every learned method is fitted on
pairs hidden INSIDE the training graph (`--inner-share` of its pairs, `--inner-seeds` draws, pooled), never on a
test pair. Candidates of a source: everyone within 3 hops but itself and its co-authors. What is compared:

- textbook: Adamic-Adar, resource allocation, common neighbours (2-hop only, ties by index);
- tie-breakers after Adamic-Adar (each key used only where the ones before it tie): RA over 3-hop paths (fills the
  lists that have fewer than 10 two-hop candidates), the candidate's co-author count, "open triangles" (shared
  co-authors z, AA-weighted, whose links to both ends lie in no triangle — the mark a paper of three leaves when
  one of its three pairs is hidden), spectral cosine (`--spectral`: top-128 eigenvectors of the normalised
  adjacency, scipy eigsh);
- learned over EXTRA features (the kernel's coauthor_aa and degree plus common neighbours, open triangles,
  triangle-discounted AA, 3-hop RA, Jaccard, mean triangles of the candidate's links to shared co-authors, shared
  share of the candidate's co-authors): a pairwise logistic regression (as kg.linkpred_fit.fit_model), the same
  then tuned on the inner pairs' recall@10 + MRR (as kg.linkpred_fit.search_weights), and LightGBM LambdaRank;
- an ORACLE, to read the others against: Adamic-Adar with its ties broken by the test labels themselves.

`--more` gives the learners six more columns (MORE, defined in more_features): the source's co-author count, its
and the candidate's open links, the source's count of 2-hop candidates (a tree ranker can weigh a list's features by
the list), and "persona" Adamic-Adar and common neighbours over ego-network components (a shared co-author counts
only when both ends are in one connected component of the graph among its co-authors); and measures persona
Adamic-Adar as a tie-breaker between open triangles and the co-author count. `--objective recall` has the linear
learner's metric search maximise the inner pairs' recall@10 alone (default: recall@10 + MRR, as the kernel's).

`--nonnegative-subsets` instead measures which of the extra features pay for a kernel that holds every weight ≥ 0
and ranks 2-hop candidates only: per feature subset, the non-negative pairwise fit, then the non-negative search.

`--spm` instead measures a global method, the structural perturbation method (Lü, Pan, Zhou, Zhang and Stanley,
PNAS 2015): a random tenth of the training graph's pairs ΔA is taken out, the rest A − ΔA is diagonalised, each
eigenvalue is moved by first-order perturbation (λ + xᵀΔAx) and the matrix rebuilt with the same eigenvectors;
averaged over `--spm-rounds` draws, its entries score every non-co-author (no hop limit). Ranked alone and as
Adamic-Adar's tie-breaker, against Adamic-Adar ranked the same way. Dense eigendecompositions: ca-GrQc only (a
5,242-node matrix per draw; DBLP's 22k nodes would take a 3.9 GB matrix per copy).

Whole-matrix sparse products over the training graph: fine for ca-GrQc and DBLP, not a kernel.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import numpy as np
from scipy import sparse

from bench import common
from bench.discover_eval import COAUTHORSHIP, dblp_edges, grqc_edges
from kg import linkpred
from kg import linkpred_fit as fit
from kg.linkpred import EdgeList, FloatArray, Graph, IntArray

K = 10
EXTRA = ("coauthor_aa", "degree", "common", "open_triangles", "aa_tri_discounted", "ra_3hop", "jaccard",
         "mean_link_triangles", "shared_share_of_candidate")  # fmt: skip
MORE = ("source_degree", "source_open_links", "candidate_open_links", "source_two_hop_candidates", "persona_aa",
        "persona_common")  # fmt: skip
NONE = np.zeros((0, 2), dtype=np.int64)


def _at(m: sparse.csr_matrix, r: IntArray, v: IntArray) -> FloatArray:
    return np.asarray(m[r, v]).ravel()


def link_triangles(g: Graph) -> FloatArray:
    """Triangles on each co-author link, per adjacency entry in CSR order: the kernel's count with no co-author
    left out as a hub."""
    return g.link_triangles(hub_cap=g.n).astype(np.float64)


def candidate_features(g: Graph, src: IntArray) -> tuple[IntArray, IntArray, FloatArray]:
    """(row in src, candidate, raw EXTRA features) for everyone within 3 hops of each source, not excluded."""
    a = g.adj_matrix
    d = g.deg.astype(np.float64)
    w_aa = np.where(d > 1, 1.0 / np.log(np.maximum(d, 2)), 0.0)
    w_ra = np.where(d > 0, 1.0 / np.maximum(d, 1), 0.0)
    a_src = a[src]
    aa = (a_src @ sparse.diags(w_aa) @ a).tocsr()
    cn = (a_src @ a).tocsr()
    ra3 = (a_src @ sparse.diags(w_ra) @ a @ sparse.diags(w_ra) @ a).tocsr()
    tri = link_triangles(g)

    def link_weighted(values: FloatArray) -> sparse.csr_matrix:
        return sparse.csr_matrix((values, a.indices, a.indptr), shape=a.shape)

    open_links = link_weighted((tri == 0).astype(np.float64))
    discounted = link_weighted(1.0 / (1.0 + tri))
    both_open = (open_links[src] @ sparse.diags(w_aa) @ open_links).tocsr()
    aa_disc = (discounted[src] @ sparse.diags(w_aa) @ discounted).tocsr()
    link_tri = (a_src @ link_weighted(tri)).tocsr()
    pattern = ((aa > 0).astype(np.float64) + (ra3 > 0).astype(np.float64)).tocsr()
    pattern = (pattern - 1e6 * g.excluded(src)).tocsr()
    pattern.data[pattern.data < 0] = 0
    pattern.eliminate_zeros()
    pattern.sort_indices()
    r = np.repeat(np.arange(len(src)), np.diff(pattern.indptr))
    v = pattern.indices.astype(np.int64)
    c = _at(cn, r, v)
    du, dv = d[src[r]], d[v]
    x = np.column_stack(
        [
            _at(aa, r, v),
            dv,
            c,
            _at(both_open, r, v),
            _at(aa_disc, r, v),
            _at(ra3, r, v),
            c / np.maximum(du + dv - c, 1),
            _at(link_tri, r, v) / np.maximum(c, 1),
            c / np.maximum(dv, 1),
        ]
    )
    return r, v, x


def ego_components(g: Graph) -> tuple[IntArray, IntArray]:
    """Per link (z, u), in the CSR order of the adjacency: which connected component of the co-authors of z
    (the graph among them, z left out) u is in, as an id unique over the graph, and that component's size.
    A co-author alone in z's component is an open link; each component is one of z's "personas" (Epasto, Lattanzi
    and Paes Leme, KDD 2017: ego-network splitting)."""
    from scipy.sparse.csgraph import connected_components

    a = g.adj_matrix.tocsr()
    comp = np.empty(len(a.indices), dtype=np.int64)
    size = np.empty(len(a.indices), dtype=np.int64)
    base = 0
    for z in range(g.n):
        lo, hi = int(a.indptr[z]), int(a.indptr[z + 1])
        if lo == hi:
            continue
        nb = a.indices[lo:hi]
        k, lab = connected_components(a[nb][:, nb], directed=False)
        comp[lo:hi] = base + lab
        size[lo:hi] = np.bincount(lab)[lab]
        base += k
    return comp, size


def more_features(g: Graph, src: IntArray, r: IntArray, v: IntArray, x: FloatArray) -> FloatArray:
    """MORE's raw values for candidate_features' rows: the source's co-author count, its and the candidate's open
    links (co-authors they share no third co-author with), how many 2-hop candidates the source has; "persona"
    Adamic-Adar and common neighbours: shared co-authors z that count only when both ends are in the same
    component of z's co-authors, of at least 2 (ego_components), weighted 1 / log(1 + its size)."""
    a = g.adj_matrix.tocsr()
    rows_all = np.repeat(np.arange(g.n), np.diff(a.indptr))
    open_links = np.bincount(rows_all, weights=(link_triangles(g) == 0).astype(np.float64), minlength=g.n)
    two_hop = np.bincount(r[x[:, 0] > 0], minlength=len(src)).astype(np.float64)
    comp, size = ego_components(g)
    w = np.where(size > 1, 1.0 / np.log1p(size), 0.0)
    m = int(comp.max()) + 1 if len(comp) else 1
    persona = sparse.csr_matrix((np.sqrt(w), (a.indices, comp)), shape=(g.n, m))
    member = sparse.csr_matrix(((size > 1).astype(np.float64), (a.indices, comp)), shape=(g.n, m))
    u = src[r]
    return np.column_stack(
        [
            g.deg[u].astype(np.float64),
            open_links[u],
            open_links[v],
            two_hop[r],
            _at((persona[src] @ persona.T).tocsr(), r, v),
            _at((member[src] @ member.T).tocsr(), r, v),
        ]
    )


def transform(x: FloatArray) -> FloatArray:
    z = np.array(x, dtype=np.float64, copy=True)
    for i, scale in ((0, 10.0), (1, 1.0), (2, 1.0), (3, 10.0), (4, 10.0), (5, 100.0), (7, 1.0)):
        z[:, i] = np.log1p(scale * z[:, i])
    return z


def learner_rows(g: Graph, src: IntArray, more: bool) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    """candidate_features' rows, their raw EXTRA values and the learners' inputs (transformed; with `more`, MORE's
    values as log1p, persona_aa scaled like Adamic-Adar)."""
    r, v, x = candidate_features(g, src)
    z = transform(x)
    if more:
        xm = more_features(g, src, r, v, x)
        xm[:, MORE.index("persona_aa")] *= 10.0
        z = np.column_stack([z, np.log1p(xm)])
    return r, v, x, z


def ranks_of(
    n: int, src: IntArray, r: IntArray, v: IntArray, keys: list[FloatArray], pairs: IntArray
) -> IntArray:
    """Rank each source's candidates by the keys in turn (descending), ties by index; the pairs' better-end ranks."""
    o = np.lexsort((v, *[-np.round(k, 12) for k in reversed(keys)], r))
    rank = np.empty(len(o), dtype=np.float64)
    rank[o] = linkpred._rank_in_group(r[o])
    return fit.pair_ranks(n, (src[r], v, -rank), pairs, NONE)


def labels_of(n: int, src: IntArray, r: IntArray, v: IntArray, pairs: IntArray) -> IntArray:
    u = src[r]
    return np.isin(np.minimum(u, v) * n + np.maximum(u, v), fit._pair_keys(pairs, n)).astype(np.int64)


def pairwise_lr(z: FloatArray, y: IntArray, q: IntArray, seed: int, negatives: int = 30) -> FloatArray:
    """Pairwise logistic regression within a source (kg.linkpred_fit.fit_model's objective), standardised."""
    from sklearn.linear_model import LogisticRegression

    sd = z.std(axis=0)
    sd[sd <= 1e-12] = 1.0
    zs = z / sd
    rng = np.random.default_rng(seed)
    starts = np.r_[0, np.flatnonzero(np.diff(q)) + 1]
    ends = np.r_[starts[1:], len(q)]
    diffs = []
    for s0, e0 in zip(starts.tolist(), ends.tolist(), strict=True):
        yy = y[s0:e0]
        pos, neg = np.flatnonzero(yy == 1), np.flatnonzero(yy == 0)
        if not len(pos) or not len(neg):
            continue
        for p in pos.tolist():
            pick = neg if len(neg) <= negatives else rng.choice(neg, negatives, replace=False)
            diffs.append(zs[s0 + p] - zs[s0 + pick])
    dd = np.concatenate(diffs)
    lr = LogisticRegression(C=1.0, max_iter=3000, fit_intercept=False)
    lr.fit(np.r_[dd, -dd], np.r_[np.ones(len(dd)), np.zeros(len(dd))])
    return np.asarray(lr.coef_.ravel() / sd)


def search(w0: FloatArray, z: FloatArray, objective: Any) -> FloatArray:
    """kg.linkpred_fit.search_weights' coordinate search (AA's weight held) on precomputed inner rows."""
    std = z.std(axis=0)
    aa_scale = abs(w0[0]) * max(float(std[0]), 1e-12)
    best, _ = fit.coordinate_search(w0, std, objective, held=0, aa_scale=aa_scale, nonnegative=False)
    return best


def run(
    name: str, edges: EdgeList, seed: int, args: argparse.Namespace, rebuild: Any = None
) -> dict[str, Any]:
    t0 = time.process_time()
    train_edges, test = fit.holdout_random(edges, 0.1, seed)
    if rebuild is not None:
        train_edges = fit._without(rebuild(test), train_edges.coauthor, train_edges.coauthor_first_year, None)
    g = Graph(train_edges)
    counted = test[fit.known_in(g, test)]
    src = np.unique(counted.ravel())
    out: dict[str, Any] = {}
    for kind in fit.BASELINES:
        out[kind] = fit.metrics(fit.pair_ranks(g.n, fit.textbook_ranker(g, kind)(src), counted, NONE), K)
    r, v, x, z = learner_rows(g, src, args.more)
    aa = x[:, 0]
    names = EXTRA + (MORE if args.more else ())

    def measure(keys: list[FloatArray]) -> dict[str, float]:
        return fit.metrics(ranks_of(g.n, src, r, v, keys, counted), K)

    two_hop = aa > 0
    out["aa_then_ra_3hop"] = measure([aa, x[:, 5]])
    out["aa_then_degree"] = measure([np.where(two_hop, aa, -1), np.where(two_hop, x[:, 1], 0)])
    out["aa_then_open_triangles"] = measure([np.where(two_hop, aa, -1), x[:, 3]])
    out["aa_then_open_triangles_then_degree_then_ra_3hop"] = measure(
        [aa, x[:, 3], np.where(two_hop, x[:, 1], 0), x[:, 5]]
    )
    if args.more:
        out["aa_then_open_triangles_then_persona_aa_then_degree"] = measure(
            [
                np.where(two_hop, aa, -1),
                x[:, 3],
                z[:, len(EXTRA) + MORE.index("persona_aa")],
                np.where(two_hop, x[:, 1], 0),
            ]
        )
    if args.spectral:
        from scipy.sparse.linalg import eigsh

        d = g.deg.astype(np.float64)
        dinv = sparse.diags(np.where(d > 0, 1.0 / np.sqrt(np.maximum(d, 1)), 0.0))
        vals, vecs = eigsh((dinv @ (g.adj_matrix + sparse.identity(g.n)) @ dinv).tocsr(), k=128, which="LA")
        emb = vecs * np.sqrt(np.maximum(vals, 0))
        emb /= np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-12)
        out["aa_then_spectral_cosine"] = measure([aa, np.einsum("ij,ij->i", emb[src[r]], emb[v])])
    lab = labels_of(g.n, src, r, v, counted)
    out["ORACLE_aa_ties_broken_by_test_labels"] = measure([aa, lab.astype(np.float64)])
    # learners: rows from pairs hidden inside the training graph
    zs, ys, qs = [], [], []
    inner_sets = []
    for j in range(args.inner_seeds):
        itrain, ihidden = fit.holdout_random(train_edges, args.inner_share, 1000 + 10 * seed + j)
        ig = Graph(itrain)
        ic = ihidden[fit.known_in(ig, ihidden)]
        isrc = np.unique(ic.ravel())
        ir, iv, _, iz = learner_rows(ig, isrc, args.more)
        zs.append(iz)
        ys.append(labels_of(ig.n, isrc, ir, iv, ic))
        qs.append(ir + j * (g.n + 1))
        inner_sets.append((ig.n, isrc, ir, iv, ic, len(ir)))
    zi, yi, qi = np.concatenate(zs), np.concatenate(ys), np.concatenate(qs)
    w_lr = pairwise_lr(zi, yi, qi, seed)
    out["extra_features_pairwise_lr"] = measure([z @ w_lr])

    def inner_objective(w: FloatArray) -> float:
        s = zi @ w
        total, start = 0.0, 0
        for n_i, isrc, ir, iv, ic, m in inner_sets:
            met = fit.metrics(ranks_of(n_i, isrc, ir, iv, [s[start : start + m]], ic), K)
            total += met[f"recall@{K}"] + (met["mrr"] if args.objective == "recall+mrr" else 0.0)
            start += m
        return total / len(inner_sets)

    w_s = search(w_lr, zi, inner_objective)
    out["extra_features_pairwise_lr_then_metric_search"] = measure([z @ w_s])
    out["weights"] = {
        "pairwise_lr": dict(zip(names, np.round(w_lr, 4).tolist(), strict=True)),
        "then_search": dict(zip(names, np.round(w_s, 4).tolist(), strict=True)),
    }
    import lightgbm as lgb

    groups = np.diff(np.r_[0, np.flatnonzero(np.diff(qi)) + 1, len(qi)])
    ranker = lgb.LGBMRanker(objective="lambdarank", n_estimators=300, learning_rate=0.05, num_leaves=15,
                            min_child_samples=50, lambdarank_truncation_level=20, random_state=seed, verbose=-1)  # fmt: skip
    ranker.fit(zi, yi, group=groups)
    out["extra_features_lightgbm_lambdarank"] = measure([np.asarray(ranker.predict(z))])
    out["counted_test_pairs"] = len(counted)
    out["cpu_seconds"] = round(time.process_time() - t0, 1)
    common.log(f"{name} seed {seed}: " + " | ".join(f"{k} {v}" for k, v in out.items() if k != "weights"))
    return out


def spm_scores(a: FloatArray, rounds: int, seed: int, share: float = 0.1) -> FloatArray:
    """The structural perturbation method's score matrix for the dense 0/1 adjacency `a` (symmetric, no loops)."""
    rng = np.random.default_rng(seed)
    pairs = np.argwhere(np.triu(a, 1) > 0)
    out = np.zeros_like(a)
    for _ in range(rounds):
        pick = pairs[rng.choice(len(pairs), int(share * len(pairs)), replace=False)]
        delta = np.zeros_like(a)
        delta[pick[:, 0], pick[:, 1]] = delta[pick[:, 1], pick[:, 0]] = 1.0
        lam, x = np.linalg.eigh(a - delta)
        out += (x * (lam + np.sum(x * (delta @ x), axis=0))) @ x.T
    return out / rounds


def dense_ranks(n: int, src: IntArray, keys: list[FloatArray], allowed: Any, pairs: IntArray) -> IntArray:
    """Each source's candidates (`allowed` row, True = may be suggested) ordered by the key rows in turn
    (descending, ties by index), its first EVAL_DEPTH kept; the pairs' better-end ranks, as fit.pair_ranks."""
    us, vs, ss = [], [], []
    idx = np.arange(n)
    for i, u in enumerate(src.tolist()):
        ok = np.flatnonzero(allowed[i])
        o = np.lexsort((idx[ok], *[-np.round(k[i, ok], 12) for k in reversed(keys)]))[: fit.EVAL_DEPTH]
        us.append(np.full(len(o), u))
        vs.append(ok[o])
        ss.append(-np.arange(len(o), dtype=np.float64))
    return fit.pair_ranks(n, (np.concatenate(us), np.concatenate(vs), np.concatenate(ss)), pairs, NONE)


def dense_adamic_adar(g: Graph, src: IntArray) -> tuple[FloatArray, FloatArray, Any]:
    """The dense 0/1 adjacency, the sources' Adamic-Adar rows, and who may be suggested to each source (not
    itself, not a co-author)."""
    a = (g.adj_matrix.toarray() > 0).astype(np.float64)
    np.fill_diagonal(a, 0.0)
    d = a.sum(axis=1)
    aa = (a[src] * np.where(d > 1, 1.0 / np.log(np.maximum(d, 2)), 0.0)) @ a
    allowed = a[src] == 0
    allowed[np.arange(len(src)), src] = False
    return a, aa, allowed


def spm_run(name: str, edges: EdgeList, seed: int, rounds: int) -> dict[str, Any]:
    """SPM alone and as Adamic-Adar's tie-breaker, next to Adamic-Adar, on one outer hold-out (no fitting)."""
    t0 = time.process_time()
    train_edges, test = fit.holdout_random(edges, 0.1, seed)
    g = Graph(train_edges)
    counted = test[fit.known_in(g, test)]
    src = np.unique(counted.ravel())
    a, aa, allowed = dense_adamic_adar(g, src)
    spm = spm_scores(a, rounds, seed)[src]
    out: dict[str, Any] = {
        "adamic_adar": fit.metrics(dense_ranks(g.n, src, [aa], allowed & (aa > 0), counted), K),
        "spm": fit.metrics(dense_ranks(g.n, src, [spm], allowed, counted), K),
        "adamic_adar_then_spm": fit.metrics(dense_ranks(g.n, src, [aa, spm], allowed, counted), K),
        "counted_test_pairs": len(counted),
        "spm_rounds": rounds,
    }
    out["cpu_seconds"] = round(time.process_time() - t0, 1)
    common.log(f"{name} seed {seed}: " + " | ".join(f"{k} {v}" for k, v in out.items()))
    return out


SUBSETS = {
    "aa": ["coauthor_aa"],
    "aa+degree+common+open_triangles": ["coauthor_aa", "degree", "common", "open_triangles"],
    "+aa_tri_discounted": ["coauthor_aa", "degree", "common", "open_triangles", "aa_tri_discounted"],
    "+ra_3hop": ["coauthor_aa", "degree", "common", "open_triangles", "ra_3hop"],
    "+aa_tri_discounted+ra_3hop": ["coauthor_aa", "degree", "common", "open_triangles", "aa_tri_discounted",
                                   "ra_3hop"],
    "all": list(EXTRA),
}  # fmt: skip


def nonnegative_subsets(name: str, edges: EdgeList, seed: int, rebuild: Any = None) -> dict[str, Any]:
    """Which extra features pay with weights held ≥ 0 (as kg.linkpred_fit fits them) and 2-hop candidates only
    (as the kernel's): per feature subset, the pairwise fit (kg.linkpred_fit.nonnegative_pairwise_fit) and then the
    non-negative metric search, on two inner draws of 5 % as `run`; the test pairs as `run` hides them."""
    train_edges, test = fit.holdout_random(edges, 0.1, seed)
    if rebuild is not None:
        train_edges = fit._without(rebuild(test), train_edges.coauthor, train_edges.coauthor_first_year, None)
    g = Graph(train_edges)
    counted = test[fit.known_in(g, test)]
    src = np.unique(counted.ravel())
    r, v, x = candidate_features(g, src)
    two = x[:, 0] > 0
    r, v, z = r[two], v[two], transform(x[two])
    zs, ys, qs, sets = [], [], [], []
    for j in range(2):
        itrain, ihidden = fit.holdout_random(train_edges, 0.05, 1000 + 10 * seed + j)
        ig = Graph(itrain)
        ic = ihidden[fit.known_in(ig, ihidden)]
        isrc = np.unique(ic.ravel())
        ir, iv, ix = candidate_features(ig, isrc)
        k = ix[:, 0] > 0
        ir, iv, ix = ir[k], iv[k], ix[k]
        zs.append(transform(ix))
        ys.append(labels_of(ig.n, isrc, ir, iv, ic))
        qs.append(ir + j * (g.n + 1))
        sets.append((ig.n, isrc, ir, iv, ic, len(ir)))
    zi, yi, qi = np.concatenate(zs), np.concatenate(ys), np.concatenate(qs)
    out: dict[str, Any] = {}
    for sname, feats in SUBSETS.items():
        cols = [EXTRA.index(f) for f in feats]
        zc, zic = z[:, cols], zi[:, cols]
        sd = zic.std(axis=0)
        sd[sd <= 1e-12] = 1.0
        rng = np.random.default_rng(seed)
        starts = np.r_[0, np.flatnonzero(np.diff(qi)) + 1]
        ends = np.r_[starts[1:], len(qi)]
        diffs = []
        for s0, e0 in zip(starts.tolist(), ends.tolist(), strict=True):
            pos, neg = np.flatnonzero(yi[s0:e0] == 1), np.flatnonzero(yi[s0:e0] == 0)
            if not len(pos) or not len(neg):
                continue
            for p in pos.tolist():
                pick = neg if len(neg) <= 30 else rng.choice(neg, 30, replace=False)
                diffs.append((zic[s0 + p] - zic[s0 + pick]) / sd)
        w = fit.nonnegative_pairwise_fit(np.concatenate(diffs)) / sd

        def objective(wv: FloatArray, zic: FloatArray = zic) -> float:
            s, total, start = zic @ wv, 0.0, 0
            for n_i, isrc, ir, iv, ic, m in sets:
                met = fit.metrics(ranks_of(n_i, isrc, ir, iv, [s[start : start + m]], ic), K)
                total += met[f"recall@{K}"] + met["mrr"]
                start += m
            return total / len(sets)

        std = zic.std(axis=0)
        held = int(np.argmax(np.abs(w) * std))
        ws, _ = fit.coordinate_search(w, std, objective, held=held, aa_scale=abs(w[held]) * float(std[held]))
        out[sname] = {
            "pairwise_fit": fit.metrics(ranks_of(g.n, src, r, v, [zc @ w], counted), K),
            "then_search": fit.metrics(ranks_of(g.n, src, r, v, [zc @ ws], counted), K),
            "weights": dict(zip(feats, np.round(ws, 4).tolist(), strict=True)),
        }
    common.log(f"{name} seed {seed} (non-negative, 2-hop): " + " | ".join(
        f"{k} {v['then_search']}" for k, v in out.items()))  # fmt: skip
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--only", default="grqc,dblp")
    ap.add_argument("--inner-share", type=float, default=0.05)
    ap.add_argument("--inner-seeds", type=int, default=2)
    ap.add_argument("--spectral", action="store_true", help="also the spectral-embedding tie-breaker (slow)")
    ap.add_argument(
        "--spm", action="store_true", help="instead: the structural perturbation method (ca-GrQc)"
    )
    ap.add_argument("--spm-rounds", type=int, default=10, help="perturbations SPM averages over")
    ap.add_argument(
        "--more",
        action="store_true",
        help="the learners also get MORE: source-level counts and ego-network ('persona') features",
    )
    ap.add_argument(
        "--objective",
        choices=("recall+mrr", "recall"),
        default="recall+mrr",
        help="what the metric search of the linear learner maximises on the inner pairs (the kernel's: recall+mrr)",
    )
    ap.add_argument("--key", default="all")
    ap.add_argument(
        "--nonnegative-subsets",
        action="store_true",
        help="instead: feature subsets with weights >= 0 and 2-hop candidates (what the kernel can ship)",
    )
    args = ap.parse_args(argv)
    only = set(args.only.split(","))
    runs: dict[str, Any] = {}

    def go(name: str, e: EdgeList, seed: int, a: argparse.Namespace, rebuild: Any = None) -> dict[str, Any]:
        if a.nonnegative_subsets:
            return nonnegative_subsets(name, e, seed, rebuild)
        if a.spm:
            return spm_run(name, e, seed, a.spm_rounds)
        return run(name, e, seed, a, rebuild)

    if "grqc" in only:
        e = grqc_edges(COAUTHORSHIP / "snap_ca_grqc" / "CA-GrQc.txt")
        runs["ca-GrQc"] = [go("ca-GrQc", e, s, args) for s in range(args.seeds)]
    if "dblp" in only and not args.spm:
        folder = COAUTHORSHIP / "hypergcn"
        e = dblp_edges(folder)
        runs["DBLP"] = [
            go("DBLP", e, s, args, rebuild=lambda hidden: dblp_edges(folder, hidden))
            for s in range(args.seeds)
        ]
    doc: dict[str, Any] = {
        "command": "python -m bench.discover_ideas " + " ".join(argv or sys.argv[1:]),
        "k": K,
    }
    doc["datasets"] = {}
    for name, entries in runs.items():
        if args.nonnegative_subsets:
            doc["datasets"][name] = {"runs": entries, "mean": {
                sub: {stage: {k: round(float(np.mean([e[sub][stage][k] for e in entries])), 4)
                              for k in entries[0][sub][stage]} for stage in ("pairwise_fit", "then_search")}
                for sub in entries[0]}}  # fmt: skip
            continue
        methods = [m for m in entries[0] if isinstance(entries[0][m], dict) and "mrr" in entries[0][m]]
        doc["datasets"][name] = {
            "runs": entries,
            "mean": {
                m: {k: round(float(np.mean([e[m][k] for e in entries])), 4) for k in entries[0][m]}
                for m in methods
            },
        }
    common.update_result("discover_ideas", args.key, doc)


if __name__ == "__main__":
    main()
