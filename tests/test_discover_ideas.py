"""bench/discover_ideas' structural perturbation method (a global score measured against Adamic-Adar): its dense
ranking is the textbook baseline's to the rank, and its score finds what a perturbation of a clique takes out."""

from __future__ import annotations

import numpy as np

from bench import discover_ideas as ideas
from kg import linkpred
from kg import linkpred_fit as fit
from tests.test_linkpred_fit import _community_graph


def test_dense_ranking_of_adamic_adar_is_the_textbook_baseline_s() -> None:
    train_edges, hidden = fit.holdout_random(_community_graph(400, 700, 5), 0.1, 0)
    g = linkpred.Graph(train_edges)
    pairs = hidden[fit.known_in(g, hidden)]
    src = np.unique(pairs.ravel())
    _, aa, allowed = ideas.dense_adamic_adar(g, src)
    got = ideas.dense_ranks(g.n, src, [aa], allowed & (aa > 0), pairs)
    want = fit.pair_ranks(g.n, fit.textbook_ranker(g, "adamic_adar")(src), pairs, ideas.NONE)
    assert (want <= 10).sum() > 20 and (want > fit.EVAL_DEPTH).sum() > 0
    assert np.array_equal(got, want)


def test_spm_scores_a_clique_s_missing_pair_above_every_pair_across_cliques() -> None:
    # two 6-cliques joined by one bridge; each clique misses one of its pairs
    a = np.zeros((12, 12))
    for block in (range(6), range(6, 12)):
        for i in block:
            for j in block:
                a[i, j] = float(i != j)
    a[0, 6] = a[6, 0] = 1.0
    for u, v in ((1, 2), (7, 8)):
        a[u, v] = a[v, u] = 0.0
    s = ideas.spm_scores(a, rounds=20, seed=0)
    assert np.allclose(s, s.T)
    across = [s[i, j] for i in range(1, 6) for j in range(7, 12)]
    assert min(s[1, 2], s[7, 8]) > max(across)
