"""The hold-out protocol of kg.linkpred_fit on small hand-made inputs: what is hidden, what the fit may see, ranks."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from kg import linkpred
from kg import linkpred_fit as fit
from kg.config import DEFAULT_SHARED_DATA

# 0–1 (2018), 1–2 (2019), 2–3 (2020), 3–4 (2021), 0–2 (2021), 1–3 (2022); works: one row per authorship
PAIRS = np.array([[0, 1], [1, 2], [2, 3], [3, 4], [0, 2], [1, 3]])
FIRST = np.array([2018, 2019, 2020, 2021, 2021, 2022])


def _edges() -> linkpred.EdgeList:
    wr = np.array([0, 1, 1, 2, 2, 3, 3, 4, 0, 2, 1, 3])
    wy = np.repeat(FIRST, 2)
    return linkpred.EdgeList(
        n=5,
        coauthor=PAIRS,
        coauthor_first_year=FIRST,
        n_venues=1,
        work_researcher=wr,
        work_year=wy,
        work_venue=np.zeros(len(wr), dtype=np.int64),
    )


def _keys(pairs: np.ndarray) -> set[tuple[int, int]]:
    return {(min(a, b), max(a, b)) for a, b in pairs.tolist()}


def test_random_holdout_hides_a_share_and_keeps_the_rest() -> None:
    train, hidden = fit.holdout_random(_edges(), 0.34, seed=1)
    assert len(hidden) == 2
    assert _keys(hidden) | _keys(train.coauthor) == _keys(PAIRS)
    assert not _keys(hidden) & _keys(train.coauthor)
    # works stay: a random hold-out hides pairs, not papers
    assert len(train.work_researcher) == 12


def test_recent_holdout_is_the_graph_before_the_cut() -> None:
    train, hidden, cut = fit.holdout_recent(_edges(), 0.34)
    assert cut == 2021
    assert _keys(hidden) == {(3, 4), (0, 2), (1, 3)}
    assert _keys(train.coauthor) == {(0, 1), (1, 2), (2, 3)}
    assert set(train.work_year.tolist()) == {2018, 2019, 2020}


def test_training_rows_leave_the_report_pairs_out() -> None:
    graph = linkpred.Graph(
        linkpred.EdgeList(n=5, coauthor=np.array([[0, 1], [1, 2], [2, 3], [3, 4], [1, 4]]))
    )
    fit_pairs, report_pairs = np.array([[0, 2]]), np.array([[0, 4]])
    raw, labels, sources = fit.training_rows(graph, fit_pairs, report_pairs, linkpred.Params(), None, 0)
    # candidates of 0 (2, 4 through 1) and of 2 (0, 4 through 1 and 3): 0–4 is a report pair, so never a row
    rows = sorted(zip(sources.tolist(), labels.tolist(), strict=True))
    assert rows == [(0, 1), (2, 0), (2, 1)]
    assert raw.shape == (3, len(linkpred.FEATURES))


def test_pair_ranks_take_the_better_end_and_skip_ignored_pairs() -> None:
    # source 0 ranks 5, 6, 7; source 7 ranks 1, 0; pair (0, 7) is 3rd at 0, 2nd at 7 → 2
    u = np.array([0, 0, 0, 7, 7])
    v = np.array([5, 6, 7, 1, 0])
    s = np.array([0.9, 0.8, 0.7, 0.6, 0.5])
    pairs = np.array([[0, 7], [0, 6], [2, 3]])
    assert fit.pair_ranks(8, (u, v, s), pairs, np.zeros((0, 2), dtype=np.int64)).tolist() == [2, 2, 101]
    # with (0, 5) known, 6 moves up to 1st in 0's list
    assert fit.pair_ranks(8, (u, v, s), pairs, np.array([[5, 0]])).tolist() == [2, 1, 101]
    assert fit.metrics(np.array([1, 2, 101]), 1) == {"recall@1": 0.3333, "mrr": 0.5}


def test_weight_search_undoes_a_weight_that_costs_the_top_of_the_list() -> None:
    # 0's only co-author is 1; 1 also wrote with 2 (4 co-authors) and 3 (1): both tie on Adamic-Adar for 0.
    # 2's best candidate is 7 (through 6, fewer co-authors than 1). The hidden pair is 0–2.
    graph = linkpred.Graph(
        linkpred.EdgeList(n=8, coauthor=np.array([[0, 1], [1, 2], [1, 3], [2, 4], [2, 5], [2, 6], [6, 7]]))
    )
    fit_pairs, none = np.array([[0, 2]]), np.zeros((0, 2), dtype=np.int64)
    params = linkpred.Params()
    raw, labels, _ = fit.training_rows(graph, fit_pairs, none, params, None, 0)
    # a fit that learned "fewer co-authors is better" puts 3 above 2 in 0's list: recall@1 0
    bad = linkpred.Model({"coauthor_aa": 1.0, "degree": -1.0})
    ranks = fit.pair_ranks(8, fit.model_ranker(graph, dataclasses.replace(params, model=bad))(np.array([0, 2])),
                           fit_pairs, none)  # fmt: skip
    assert ranks.tolist() == [2]
    tuned, info = fit.search_weights(graph, bad, raw, labels, fit_pairs, none, params, k=1)
    assert tuned.weights["degree"] >= 0 and tuned.weights["coauthor_aa"] > 0
    assert info["trace"][0] == {"start": 0.5} and info["trace"][-1]["objective"] == 2.0  # recall@1 1 + MRR 1
    ranks = fit.pair_ranks(8, fit.model_ranker(graph, dataclasses.replace(params, model=tuned))(np.array([0, 2])),
                           fit_pairs, none)  # fmt: skip
    assert ranks.tolist() == [1]


def test_model_file_round_trip_and_bad_files(tmp_path: pytest.TempPathFactory) -> None:
    m = linkpred.Model({"coauthor_aa": 2.0, "topics": 0.5}, -3.0, {"note": "x"})
    path = tmp_path / "m.json"  # type: ignore[operator]
    m.save(path)
    back = linkpred.Model.load(path)
    assert back.weights["coauthor_aa"] == 2.0 and back.weights["degree"] == 0.0 and back.intercept == -3.0
    with pytest.raises(ValueError, match="unknown features: shoe_size"):
        linkpred.Model.from_json({"kind": "logistic", "weights": {"shoe_size": 1.0}})
    with pytest.raises(ValueError, match="not a discovery model"):
        linkpred.Model.from_json({"weights": [1, 2]})


GRQC = DEFAULT_SHARED_DATA / "coauthorship" / "snap_ca_grqc" / "CA-GrQc.txt"


@pytest.mark.shared_data
@pytest.mark.skipif(not GRQC.exists(), reason=f"{GRQC} is absent")
def test_train_on_ca_grqc_reports_against_the_baselines() -> None:
    rows = np.loadtxt(GRQC, dtype=np.int64, skiprows=1)
    ids, inv = np.unique(rows, return_inverse=True)
    edges = linkpred.EdgeList(n=len(ids), coauthor=inv.reshape(-1, 2))
    model = fit.train(edges, seed=0)
    rep = model.report
    # 14,484 distinct pairs without self-loops, 10 % hidden, split in two halves among those the graph still knows
    assert (rep["pairs"], rep["hidden_pairs"]) == (14484, 1448)
    assert rep["fit_pairs"] + rep["report_pairs"] == rep["counted_pairs"] <= 1448
    assert set(rep["on_report_pairs"]) == {"model", "common_neighbours", "adamic_adar", "resource_allocation"}
    # only co-author structure in this data: the co-author feature carries the score, absent features weigh 0
    assert model.weights["coauthor_aa"] > 0
    assert model.weights["topics"] == model.weights["venues"] == model.weights["recency"] == 0.0


def test_nonnegative_pairwise_fit_is_sklearns_fit_when_no_bound_binds_and_zero_where_one_does() -> None:
    """The same objective as scikit-learn's L2 logistic regression without intercept on (d, 1) and (−d, 0): equal
    weights when the unconstrained optimum is already ≥ 0; a feature that counts against is held at 0."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(4)
    d = rng.normal(size=(400, 3)) + np.array([0.8, 0.3, 0.4])
    ref = LogisticRegression(C=1.0, max_iter=5000, tol=1e-10, fit_intercept=False)
    ref.fit(np.r_[d, -d], np.r_[np.ones(len(d)), np.zeros(len(d))])
    assert (ref.coef_ > 0).all()
    assert fit.nonnegative_pairwise_fit(d) == pytest.approx(ref.coef_.ravel(), abs=1e-4)
    d[:, 2] -= 1.4  # now the third feature sides with the wrong candidate
    ref.fit(np.r_[d, -d], np.r_[np.ones(len(d)), np.zeros(len(d))])
    assert ref.coef_[0, 2] < 0
    w = fit.nonnegative_pairwise_fit(d)
    assert w[2] == 0.0 and (w[:2] > 0).all()


def test_a_fitted_model_has_no_negative_weight() -> None:
    """Fitted on rows where more co-authors of the candidate means less chance: the weight stays 0, not < 0, so
    no part of a reason counts against a suggestion."""
    rng = np.random.default_rng(2)
    n = 3000
    raw = np.zeros((n, len(linkpred.FEATURES)))
    raw[:, 0] = rng.exponential(0.3, n)
    raw[:, 6] = rng.integers(1, 60, n)
    labels = (rng.random(n) < 1 / (1 + np.exp(-(3 * raw[:, 0] - 0.08 * raw[:, 6])))).astype(np.int64)
    model = fit.fit_model(raw, labels, rng.integers(0, 100, n))
    assert model.weights["degree"] == 0.0 and model.weights["coauthor_aa"] > 0
    assert min(model.weights.values()) >= 0.0


def _community_graph(n: int, papers: int, seed: int) -> linkpred.EdgeList:
    """Papers of 2–4 authors, each drawn from one community of 40 (one author in ten from anywhere), with years,
    venues (one per community) and a few SAME_AS pairs: hidden pairs are mostly 2 hops apart, as in real data."""
    rng = np.random.default_rng(seed)
    pairs, wr, wy, wv = [], [], [], []
    for _ in range(papers):
        c = int(rng.integers(0, n // 40))
        size = int(rng.integers(2, 5))
        authors = np.unique(
            np.where(rng.random(size) < 0.1, rng.integers(0, n, size), c * 40 + rng.integers(0, 40, size))
        )
        year = int(rng.integers(2000, 2024))
        pairs += [(a, b) for i, a in enumerate(authors.tolist()) for b in authors[i + 1 :].tolist()]
        wr += authors.tolist()
        wy += [year] * len(authors)
        wv += [c] * len(authors)
    return linkpred.EdgeList(
        n=n,
        coauthor=np.array(pairs, dtype=np.int64).reshape(-1, 2),
        n_venues=n // 40,
        work_researcher=np.array(wr),
        work_year=np.array(wy),
        work_venue=np.array(wv),
        same_as=np.array([[0, 1], [5, n - 100], [41, n - 3]]),
        open=rng.random(n) < 0.3,
    )


def test_rescored_candidates_give_the_kernels_lists_for_any_model() -> None:
    """The weight search re-scores candidates found once: the lists must be model_ranker's, entry for entry."""
    graph = linkpred.Graph(_community_graph(800, 1500, 3))
    sources = np.arange(0, 800, 3)
    params = linkpred.Params(batch_paths=5000)  # several blocks
    rank = fit.rescorer(graph, sources, params)
    for weights in ({"coauthor_aa": 1.0}, {"coauthor_aa": 1.3, "degree": 0.4, "venues": 2.0, "recency": 0.5},
                    {"common": 1.0, "open_triangles": 0.2, "activity": 0.1}):  # fmt: skip
        model = linkpred.Model(weights)
        want = fit.model_ranker(graph, dataclasses.replace(params, model=model))(sources)
        got = rank(model)
        assert len(want[0]) > 1000
        for a, b in zip(got, want, strict=True):
            assert np.array_equal(a, b)


def test_ranks_in_chunks_are_the_ranks_of_one_call() -> None:
    train_edges, hidden = fit.holdout_random(_community_graph(800, 1500, 4), 0.2, 0)
    graph = linkpred.Graph(train_edges)
    pairs, ignore = hidden[:300], hidden[300:]
    model = fit.model_ranker(graph, linkpred.Params())
    for ranker in (model, fit.textbook_ranker(graph, "adamic_adar")):
        whole = fit.pair_ranks(graph.n, ranker(np.unique(pairs.ravel())), pairs, ignore)
        chunks: list[int] = []
        chunked = fit.ranks_of(
            graph, ranker, pairs, ignore, max_paths=2000, advance=lambda d, t, c=chunks: c.append(d)
        )
        assert len(chunks) > 10 and (whole <= 10).sum() > 20
        assert np.array_equal(chunked, whole)


def test_train_ranks_a_bounded_sample_whatever_the_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a graph larger than its bounds, train's kernel and baseline work stays within them: the fit rows come
    from at most max_sources ends per draw, the weight search finds the candidates of at most SEARCH_PAIRS fit
    pairs per draw once (not once per trial), the report ranks at most REPORT_PAIRS pairs' ends; and the report
    says how many it used. (The bounds are lowered here so that a small graph exceeds them.)"""
    monkeypatch.setattr(fit, "SEARCH_PAIRS", 40)
    monkeypatch.setattr(fit, "REPORT_PAIRS", 100, raising=False)
    kernel: list[int] = []
    baseline: list[int] = []
    candidates, textbook = linkpred.candidates, fit.textbook_ranker

    def counted_candidates(g: linkpred.Graph, batch: np.ndarray, p: linkpred.Params) -> object:
        kernel.append(len(batch))
        return candidates(g, batch, p)

    def counted_textbook(g: linkpred.Graph, kind: str) -> fit.Ranker:
        rank = textbook(g, kind)

        def counted(sources: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            baseline.append(len(sources))
            return rank(sources)

        return counted

    monkeypatch.setattr(linkpred, "candidates", counted_candidates)
    monkeypatch.setattr(fit, "textbook_ranker", counted_textbook)
    steps: set[str] = set()
    model = fit.train(
        _community_graph(4000, 9000, 5), seed=0, max_sources=60, draws=2,
        advance=lambda step, done, total: steps.add(step.split(":")[0]),
    )  # fmt: skip
    rep = model.report
    # the graph is larger than every bound
    assert rep["draws"] == 2 and rep["fit_pairs"] > 2 * 60 and rep["report_pairs"] > 2 * 100
    # sources given to the kernel: fit rows, the search's candidates (once), the report's model lists
    assert sum(kernel) <= 2 * 60 + 2 * (2 * 40) + 2 * 100
    assert sum(baseline) <= 3 * 2 * 100
    assert rep["fit_sources_per_draw"] == [60, 60]
    assert rep["weight_search"]["pairs_per_draw"] == [40, 40] and rep["weight_search"]["trials"] > 10
    assert rep["report_pairs_ranked"] == 100
    assert rep["on_report_pairs"]["model"]["recall@10"] > 0.5
    assert {"fit rows", "weight search", "report"} <= steps
