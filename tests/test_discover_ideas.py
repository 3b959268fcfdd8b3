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


def test_persona_features_count_a_shared_co_author_only_within_one_of_its_ego_components() -> None:
    # z = 0 wrote with 1, 2, 3, 4, 5; among those, 1-2 and 2-5 wrote together, 3 and 4 with no one else
    pairs = np.array([(0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (1, 2), (2, 5)])
    g = linkpred.Graph(linkpred.EdgeList(n=6, coauthor=pairs))
    comp, size = ideas.ego_components(g)
    a = g.adj_matrix.tocsr()
    lo, hi = a.indptr[0], a.indptr[1]
    of_zero = dict(zip(a.indices[lo:hi].tolist(), size[lo:hi].tolist(), strict=True))
    assert of_zero == {1: 3, 2: 3, 3: 1, 4: 1, 5: 3}
    zero = comp[lo:hi]
    rest = np.r_[comp[:lo], comp[hi:]]
    # three components among 0's co-authors, their ids used by no other co-author's links
    assert len(set(zero.tolist())) == 3 and not set(zero.tolist()) & set(rest.tolist())
    src = np.array([1, 3])
    r, v, x = ideas.candidate_features(g, src)
    more = ideas.more_features(g, src, r, v, x)
    got = {(int(src[i]), int(c)): row for i, c, row in zip(r, v, more, strict=True)}
    # 1 and 5 share 0 and 2, and sit in one component of each one's co-authors (size 3 both times)
    assert np.allclose(got[(1, 5)][4:], [2 / np.log(4), 2])
    # 3 and 4 share 0 but each is alone among 0's co-authors; 3 and 1 are in different components of them
    assert np.allclose(got[(3, 4)][4:], [0, 0]) and np.allclose(got[(3, 1)][4:], [0, 0])
    # source-level columns: 1 has 2 co-authors and no open link; 3 has 1 co-author, its link to 0 open
    assert got[(1, 5)][:2].tolist() == [2.0, 0.0] and got[(3, 4)][:3].tolist() == [1.0, 1.0, 1.0]
    assert got[(3, 4)][3] == 4.0  # 3's 2-hop candidates: 1, 2, 4, 5
