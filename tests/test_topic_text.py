"""The fast paths of topic assignment give what the slow ones gave, to the byte: the derive's keyphrases, assigned
topics (score, method, evidence) and WORKS_ON rows on the shipped sample with a synthetic corpus rich in context and
on ../shared/data equal the rows the tree before them wrote (tests/topic_expected.py); a work's terms and keyphrases
read as arrays (kg/topic_text.py) equal the token-by-token ones; evidence's shared terms come in scipy's product
order; the batch shortlists have top's members, ties at the cut included."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

from kg import topics
from kg.keyphrases import keyphrases
from kg.topic_arrays import top, top_members, top_sets
from kg.topic_match import KEYPHRASES
from kg.topic_model import TermExtractor, TopicModel, TopicRow
from kg.topic_text import fast_for
from kg.topic_vocab import build_pipeline, default_pipeline
from tests import topic_expected

EXPECTED = Path(__file__).parent / "data" / "topics"

TRICKY = [
    TopicRow(
        "t:1", "Graph neural-networks for SDN/NFV", "We don't  study e.g. 3D modelling of $x^2$ \\emph{maps}."
    ),
    TopicRow(
        "t:2",
        "Large-scale    models - a survey",
        "Self-supervised learning/ fine-tuning -- see https://x.org",
    ),
    TopicRow("t:3", "", "Only an abstract: deep reinforcement learning, deep reinforcement learning again."),
    TopicRow("t:4", "A title alone: Bayesian inference in ecology", ""),
    TopicRow(
        "t:5", "Payments for ecosystem services", "Contact a@b.org. 10,000 landowners; 42 % paid.\n\nNew."
    ),
    TopicRow("t:6", "Ünïcödé wörds and naïve café-culture", "Über-efficient α-helix folding / β-sheets."),
    TopicRow("t:7", "-", "/ - / -"),
    TopicRow("t:8", "", ""),
]


@pytest.fixture(scope="module")
def learned() -> topics.LearnedAssigner:
    return topics.LearnedAssigner.load(topics.PACKAGED_MODEL)


def _check_rows(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    monkeypatch.setattr(topics, "TRAINED_MODEL", tmp_path / "no-trained-model.npz")  # the shipped model
    got = topic_expected.derived_rows(topic_expected.corpus_files(name, tmp_path), tmp_path / "stage.duckdb")
    got = json.loads(json.dumps(got))  # tuples as lists, as stored
    with gzip.open(topic_expected.expected_path(EXPECTED, name), "rt", encoding="utf-8") as fh:
        want: dict[str, list[list[Any]]] = json.load(fh)
    for table in ("keyphrases", "assigned", "works_on"):
        diff = [(g, w) for g, w in zip(got[table], want[table], strict=False) if g != w]
        assert not diff, f"{table}: {len(diff)} rows differ, the first: {diff[0]}"
        assert len(got[table]) == len(want[table]), table
    return {k: len(v) for k, v in got.items()}


def test_the_derive_gives_the_rows_of_the_tree_before_it_on_the_shipped_and_synthetic_corpus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    n = _check_rows("shipped", tmp_path, monkeypatch)
    assert n == {"keyphrases": 853, "assigned": 447, "works_on": 3618}


@pytest.mark.shared_data
def test_the_derive_gives_the_rows_of_the_tree_before_it_on_the_shared_samples(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    n = _check_rows("shared", tmp_path, monkeypatch)
    assert n == {"keyphrases": 532, "assigned": 239, "works_on": 2607}


def _reference(ex: TermExtractor, rows: list[TopicRow]) -> list[tuple[dict[str, float], list[str]]]:
    return [
        (ex.doc_terms(doc, n, row), [k.text for k in keyphrases(doc, title_tokens=n, top_k=KEYPHRASES)])
        for row, (doc, n) in zip(rows, ex.docs(rows), strict=True)
    ]


def test_terms_and_keyphrases_read_as_arrays_equal_the_token_by_token_ones(
    learned: topics.LearnedAssigner,
) -> None:
    ex = learned.extractor
    assert fast_for(ex.nlp) and ex.matcher is not None
    rows = [*TRICKY, *(TopicRow(f"v:{i}", r.title, r.abstract, venue="Nature", categories=("cs.LG",))
                       for i, r in enumerate(TRICKY))]  # fmt: skip
    fast = ex.terms_and_keyphrases(rows, KEYPHRASES)
    slow = _reference(ex, rows)
    for row, (ft, fk), (st, sk) in zip(rows, fast, slow, strict=True):
        assert list(ft.items()) == list(st.items()), row.work_id  # the same terms in the same order
        assert fk == sk, row.work_id
    # not vacuous: words, pairs, the matcher's phrases, the row's own terms and joined keyphrases are all there
    assert {"graph", "graph neural", "k:sdn / nfv"} <= set(fast[0][0])
    assert "k:bayesian inference" in fast[3][0]
    assert {"v:nature", "c:cs.lg"} <= set(fast[len(TRICKY)][0])
    assert fast[0][1] == ["graph neural-networks", "sdn/nfv"] and fast[6][1] == [] == fast[7][1]
    assert [kps for _, kps in fast] == ex.keyphrases(rows, KEYPHRASES)
    # no matcher (the extractor of works with source topics): keyphrases alone, the same
    plain = TermExtractor(default_pipeline())
    assert plain.keyphrases(rows, KEYPHRASES) == [k for _, k in _reference(plain, rows)]


def test_a_pipeline_with_other_components_is_read_token_by_token(learned: topics.LearnedAssigner) -> None:
    nlp = build_pipeline()
    nlp.add_pipe("sentencizer")
    assert not fast_for(nlp)
    ex = TermExtractor(nlp, learned.model.phrases)
    assert ex.terms_and_keyphrases(TRICKY, KEYPHRASES) == _reference(ex, TRICKY)


def _model_with(prototypes: sp.csr_matrix) -> TopicModel:
    """A TopicModel shell around given prototypes (what _shared_terms reads)."""
    m = object.__new__(TopicModel)
    m.prototypes = prototypes
    m._proto_rows = {}
    return m


def _shuffled_rows(m: sp.csr_matrix, rng: np.random.Generator, share: float) -> sp.csr_matrix:
    """The matrix with a share of its rows' stored order reversed or shuffled (same values)."""
    out = m.copy()
    for i in range(out.shape[0]):
        a, b = out.indptr[i], out.indptr[i + 1]
        if b - a > 1 and rng.random() < share:
            order = rng.permutation(b - a)
            out.indices[a:b], out.data[a:b] = out.indices[a:b][order], out.data[a:b][order]
    out.has_sorted_indices = False
    return out


def test_shared_terms_come_in_scipys_product_order_sorted_or_not() -> None:
    rng = np.random.default_rng(7)
    x = sp.random(60, 40, density=0.3, format="csr", dtype=np.float32, random_state=1)
    x.data = np.round(x.data * 4) / 4  # ties in value, and a few stored zeros: their products are left out
    p = sp.random(25, 40, density=0.4, format="csr", dtype=np.float32, random_state=2)
    p.data = np.round(p.data * 4) / 4
    for xs, ps in ((x, p), (_shuffled_rows(x, rng, 0.5), p), (x, _shuffled_rows(p, rng, 0.5))):
        m = _model_with(ps)
        for i in range(xs.shape[0]):
            for t in range(ps.shape[0]):
                want = xs[i].multiply(ps[t]).tocoo()
                cols, vals = m._shared_terms(xs, i, t)
                assert cols.tolist() == want.col.tolist() and vals.tolist() == want.data.tolist(), (i, t)


def test_batch_shortlists_have_the_members_of_top_ties_at_the_cut_included() -> None:
    rng = np.random.default_rng(3)
    # small integers: many ties, at the cut too; a third of each row 0 (the neighbours' case)
    values = rng.integers(0, 6, size=(300, 97)).astype(np.float32)
    values[rng.random(values.shape) < 0.33] = 0
    values[:20, :] = 0  # rows with nothing
    values[20:40, 90:] = 0
    values[20:40, :90] = 0
    values[20:40, 3:9] = 2.5  # fewer positives than k
    for k in (1, 6, 20, 40, 97, 200):
        members = top_members(values, k)
        positive = top_members(values, k, positive=True)
        sets = top_sets(values, k)
        for i in range(values.shape[0]):
            want = set(top(values[i], k).tolist())
            assert set(members[i].tolist()) == want, (k, i)
            assert set(sets[i].tolist()) == want, (k, i)
            assert set(positive[i].tolist()) == {j for j in want if values[i][j] > 0}, (k, i)
