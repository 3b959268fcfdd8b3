"""Prototype scores for discovery (#20), measured like bench.discover_eval (same hold-outs, same "counted" pairs,
recall@10 either end, MRR) next to Adamic-Adar, before anything moves into kg/.

    python -m bench.discover_ideas [--seeds 3] [--only grqc,dblp]

Whole-matrix sparse products over the training graph: fine for ca-GrQc and DBLP, not a kernel.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import sparse

from bench import common
from bench.discover_eval import COAUTHORSHIP, dblp_edges, grqc_edges
from kg import linkpred
from kg import linkpred_fit as fit
from kg.linkpred import EdgeList, FloatArray, Graph, IntArray

K = 10
Scorer = Callable[[Graph, IntArray], list[sparse.csr_matrix]]


def _excl(g: Graph, src: IntArray) -> sparse.csr_matrix:
    return g.excluded(src)


def rank_lex(g: Graph, src: IntArray, keys: list[sparse.csr_matrix]) -> tuple[IntArray, IntArray, FloatArray]:
    """Rank each source's candidates (the union of the keys' nonzeros, minus the excluded) by the keys in turn
    (first key first, descending), ties by index; scores returned as −rank so pair_ranks keeps that order."""
    pattern = keys[0].copy()
    for k in keys[1:]:
        pattern = pattern + k
    pattern = pattern.tocsr()
    pattern.data[:] = 1.0
    pattern = (pattern - 1e6 * _excl(g, src)).tocsr()
    pattern.eliminate_zeros()
    pattern.sort_indices()
    r = np.repeat(np.arange(len(src), dtype=np.int64), np.diff(pattern.indptr))
    ok = pattern.data > 0
    r, v = r[ok], pattern.indices[ok].astype(np.int64)
    cols = []
    for k in keys:
        kk = k.tocsr()
        cols.append(np.asarray(kk[r, v]).ravel())
    o = np.lexsort((v, *[-np.round(c, 12) for c in reversed(cols)], r))
    r, v = r[o], v[o]
    rank = linkpred._rank_in_group(r)
    return src[r], v, -rank.astype(np.float64)


def measure(g: Graph, counted: IntArray, keys: list[sparse.csr_matrix], src: IntArray) -> dict[str, float]:
    ranked = rank_lex(g, src, keys)
    return fit.metrics(fit.pair_ranks(g.n, ranked, counted, np.zeros((0, 2), dtype=np.int64)), K)


def aa_weights(g: Graph) -> FloatArray:
    deg = g.deg.astype(np.float64)
    return np.where(deg > 1, 1.0 / np.log(np.maximum(deg, 2)), 0.0)


def run(name: str, edges: EdgeList, seed: int, rebuild: Any = None) -> dict[str, Any]:
    train_edges, test = fit.holdout_random(edges, 0.1, seed)
    if rebuild is not None:
        train_edges = fit._without(rebuild(test), train_edges.coauthor, train_edges.coauthor_first_year, None)
    g = Graph(train_edges)
    counted = test[fit.known_in(g, test)]
    src = np.unique(counted.ravel())
    a = g.adj_matrix
    d = g.deg.astype(np.float64)
    w_aa = aa_weights(g)
    w_ra = np.where(d > 0, 1.0 / np.maximum(d, 1), 0.0)
    a_src = a[src]
    aa = (a_src @ sparse.diags(w_aa) @ a).tocsr()
    ra = (a_src @ sparse.diags(w_ra) @ a).tocsr()
    cn = (a_src @ a).tocsr()
    # 3-hop: paths u-x-y-v weighted by RA at both relays (a resource spread two steps)
    ra3 = (a_src @ sparse.diags(w_ra) @ a @ sparse.diags(w_ra) @ a).tocsr()
    out: dict[str, Any] = {}
    out["AA"] = measure(g, counted, [aa], src)
    out["RA"] = measure(g, counted, [ra], src)
    out["AA then RA3 (3-hop fill)"] = measure(g, counted, [aa, ra3], src)
    out["AA+0.05*RA3"] = measure(g, counted, [aa + 0.05 * ra3], src)
    # diagnostics on the misses of AA
    ranks = fit.pair_ranks(g.n, rank_lex(g, src, [aa]), counted, np.zeros((0, 2), dtype=np.int64))
    pos = {int(s): i for i, s in enumerate(src)}
    ui = np.array([pos[int(x)] for x in counted[:, 0]])
    vi = np.array([pos[int(x)] for x in counted[:, 1]])
    cn_uv = np.asarray(cn[ui, counted[:, 1]]).ravel()
    c2 = np.diff((cn - 1e6 * _excl(g, src)).tocsr().multiply(cn > 0).tocsr().indptr)  # rough
    n2 = np.array([(cn[i] > 0).sum() for i in range(len(src))]) - 0  # 2-hop reach incl. excluded
    miss = ranks > K
    out["diag"] = {
        "counted": len(counted),
        "aa_miss": int(miss.sum()),
        "miss_no_cn": int((miss & (cn_uv == 0)).sum()),
        "miss_cn": int((miss & (cn_uv > 0)).sum()),
        "miss_no_cn_small_list(min end 2hop<10+deg)": int(
            (miss & (cn_uv == 0) & (np.minimum(n2[ui], n2[vi]) < 10 + 10)).sum()
        ),
        "c2_unused": int(c2.sum()),
    }
    common.log(f"{name} seed {seed}: {out}")
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--only", default="grqc")
    args = ap.parse_args(argv)
    only = set(args.only.split(","))
    if "grqc" in only:
        e = grqc_edges(COAUTHORSHIP / "snap_ca_grqc" / "CA-GrQc.txt")
        for s in range(args.seeds):
            run("ca-GrQc", e, s)
    if "dblp" in only:
        folder = COAUTHORSHIP / "hypergcn"
        e = dblp_edges(folder)
        for s in range(args.seeds):
            run("DBLP", e, s, rebuild=lambda hidden: dblp_edges(folder, hidden))


if __name__ == "__main__":
    main()
