"""The learned topic classifier as a pure function: trained on a hand-written two-field taxonomy and a few
labeled works, it ranks the topic a text names, keeps the levels consistent, reads graph context exactly, saves
and loads; the shipped model on real seed works; cross-validation folds and the combiner."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kg import topic_train as tt
from kg.topic_model import SIGNALS, TopicContext, TopicModel, TopicRow, venue_key
from tests.topic_fixtures import LABELED, TWO_FIELDS, openalex_line


@pytest.fixture(scope="module")
def corpus() -> tt.Corpus:
    return tt.build_corpus(TWO_FIELDS, LABELED)


@pytest.fixture(scope="module")
def model(corpus: tt.Corpus) -> TopicModel:
    return tt.train(corpus)


def test_the_topic_a_text_names_ranks_first_with_a_probability(corpus: tt.Corpus, model: TopicModel) -> None:
    rows = [
        TopicRow("new:1", "Graph neural networks for node classification", "We pass messages between nodes."),
        TopicRow("new:2", "Payments for ecosystem services", "How conservation finance pays landowners."),
    ]
    found = model.assign(rows, corpus.extractor)
    assert [r[0].topic_id for r in found] == ["openalex:T91001", "openalex:T92002"]
    for topics in found:
        assert all(t.method == "learned-v1" and t.level == "topic" for t in topics)
        scores = [t.score for t in topics]
        assert scores == sorted(scores, reverse=True)
        assert 0 < sum(scores) <= 1.0
    # the words shared with the topic are its evidence
    assert "graph neural network" in found[0][0].evidence


def test_levels_are_sums_of_topic_probabilities(corpus: tt.Corpus, model: TopicModel) -> None:
    row = TopicRow("new:3", "Forest carbon and deforestation", "REDD+ pays to keep forests standing.")
    x = model.space.transform(corpus.extractor.terms([row]))
    cands, feats = model.signal_matrix(x, [row])
    probs = model.probabilities(feats[0])
    subs, fields = model.level_scores(cands[0], probs)
    assert sum(probs) < 1.0  # the rest is 'a topic not among the candidates'
    assert sum(subs.values()) == pytest.approx(float(probs.sum()))
    assert sum(fields.values()) == pytest.approx(float(probs.sum()))
    ranked = tt.rank_levels(model, corpus.taxonomy, cands[0], probs)
    assert ranked["topic"][0] == "openalex:T92003"
    assert ranked["subfield"][0] == "openalex:subfield:2306"
    assert ranked["field"][0] == "openalex:field:23"
    assert ranked["domain"] == ["openalex:domain:3"]


def test_graph_context_signals_are_exact_shares(model: TopicModel) -> None:
    ctx = TopicContext()
    ctx.add("C1", [("openalex:T92002", 1.0)], ("A9",), "")
    ctx.add("C2", [("openalex:T92001", 1.0), ("openalex:T92002", 0.3)], (), "Conservation Biology")
    ctx.add("C3", [("openalex:T91002", 1.0)], ("A9",), "")
    row = TopicRow(
        "new:4",
        "A note on funding",
        "",
        venue="Conservation  biology",
        references=("C1", "C2", "missing"),
        author_ids=("A9",),
    )
    x = model.space.transform([{"funding": 1.0}])
    cands, feats = model.signal_matrix(x, [row], ctx)
    by_topic = {
        model.topic_ids[int(c)]: dict(zip(SIGNALS, f, strict=True))
        for c, f in zip(cands[0], feats[0], strict=True)
    }
    # cited: C1 (T92002 primary) and C2 (T92001 primary, T92002 secondary) — 'missing' has no known topics
    assert by_topic["openalex:T92002"]["cite_topic"] == pytest.approx((1.0 + 0.3) / 2)
    assert by_topic["openalex:T92001"]["cite_topic"] == pytest.approx(1.0 / 2)
    # the authors' other works: C1 and C3 (A9)
    assert by_topic["openalex:T91002"]["author_topic"] == pytest.approx(1.0 / 2)
    assert by_topic["openalex:T92002"]["author_topic"] == pytest.approx(1.0 / 2)
    # the venue, normalised: C2
    assert venue_key("Conservation  biology") == venue_key("Conservation Biology")
    assert by_topic["openalex:T92001"]["venue_topic"] == pytest.approx(1.0)
    # a subfield share counts each work once: C2's two topics sit in two subfields
    assert by_topic["openalex:T92002"]["cite_subfield"] == pytest.approx((1.0 + 0.3) / 2)


def test_saved_model_loads_and_assigns_alike(corpus: tt.Corpus, model: TopicModel, tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    model.save(path)
    again = TopicModel.load(path)
    assert again.trained_on["works"] == {"openalex": 12}
    assert again.trained_on["taxonomy"]["file"] == "two_fields_topics.csv"
    rows = [TopicRow("new:5", "Pixel labeling for image segmentation", "Semantic segmentation of scans.")]
    a = model.assign(rows, corpus.extractor)[0]
    b = again.assign(rows, corpus.extractor)[0]
    assert [t.topic_id for t in a] == [t.topic_id for t in b]
    assert [t.score for t in a] == pytest.approx(
        [t.score for t in b], abs=2e-3
    )  # weights are kept as float16


def test_a_file_that_is_no_model_is_one_clear_error(tmp_path: Path) -> None:
    from kg.errors import InputError

    bad = tmp_path / "bad.npz"
    bad.write_text("not a model", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.npz: not a topic model"):
        TopicModel.load(bad)


def test_folds_are_stable_and_keep_two_records_of_a_paper_together() -> None:
    keys = [tt.title_key(t) for t in ("Biodiversity Finance", "biodiversity finance.", "Other paper")]
    folds = tt.folds_by_work(keys, 10)
    assert folds[0] == folds[1]
    assert folds == tt.folds_by_work(keys, 10)


def test_combiner_learns_which_signal_names_the_primary() -> None:
    rng = np.random.default_rng(0)
    rows = tt.SignalRows()
    for i in range(60):
        f = rng.random((8, len(SIGNALS))).astype(np.float32)
        primary = int(np.argmax(f[:, SIGNALS.index("knn")]))
        rows.work.append(i)
        rows.cands.append(np.arange(8))
        rows.feats.append(f)
        rows.primary.append(primary)
    coef, _, _ = tt.fit_combiner(rows)
    assert coef[SIGNALS.index("knn")] > 5 * max(abs(c) for j, c in enumerate(coef) if SIGNALS[j] != "knn")
    without = tt.fit_combiner(rows, [s for s in SIGNALS if s != "knn"])[0]
    assert without[SIGNALS.index("knn")] == 0.0


@pytest.mark.shared_data
@pytest.mark.xfail(
    strict=True,
    reason="known miss of learned-v1: with no labeled NAS work, 'architecture' ranks 'Architecture, Modernity, "
    "and Design' first for NAS-Bench-201 (a variant that fixes it misses the agreement targets; BENCHMARKS.md)",
)
def test_shipped_model_puts_architecture_search_in_computer_science(shared_data: Path) -> None:
    from kg.models import WorkRecord
    from kg.sources import parsers
    from kg.taxonomy import read_taxonomy
    from kg.topics import PACKAGED_MODEL, LearnedAssigner

    tax = read_taxonomy(shared_data / "topics" / "openalex_topics.csv")
    works = [
        r
        for r in parsers.iter_records([shared_data / "seeds" / "003_cc0be168ede23e5d.txt"])
        if isinstance(r, WorkRecord) and "Architecture Search" in r.title
    ]
    assert [w.title for w in works][:1] == [
        "NAS-Bench-201: Extending the Scope of Reproducible Neural Architecture Search"
    ]
    assigner = LearnedAssigner.load(PACKAGED_MODEL)
    found = assigner.assign_rows([tt.row_from_record(w) for w in works])
    for topics, _ in found:
        assert tax.ancestor_at(topics[0].topic_id, "field") == "openalex:field:17"  # Computer Science
        assert not any("Architecture, Modernity" in tax.nodes[t.topic_id].name for t in topics)


def test_kg_topics_train_and_eval_commands(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    works = tmp_path / "works.jsonl"
    works.write_text("".join(openalex_line(w, "t") + "\n" for w in LABELED), encoding="utf-8")
    env = {**os.environ, "KG_DATA_DIR": str(tmp_path / "none")}
    model = tmp_path / "model.npz"

    def kg(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "kg.cli", "topics", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    trained = kg("train", str(works), "--taxonomy", str(TWO_FIELDS), "--out", str(model))
    assert trained.returncode == 0, trained.stderr
    size = model.stat().st_size / 1e6
    assert trained.stdout.strip() == (
        f"topic model written to {model} ({size:.1f} MB): 12 openalex works, 6 topics"
    )
    meta = TopicModel.load(model).trained_on
    assert meta["works"] == {"openalex": 12}
    assert meta["sources"][0].startswith("works.jsonl sha256:")

    report = tmp_path / "report.json"
    evaluated = kg("eval", str(works), "--taxonomy", str(TWO_FIELDS), "--folds", "3", "--out", str(report))
    assert evaluated.returncode == 0, evaluated.stderr
    lines = evaluated.stdout.splitlines()
    assert lines[0] == "12 works, 3-fold cross-validation by work"
    assert [ln.split()[0] for ln in lines[2:6]] == ["domain", "field", "subfield", "topic"]
    import json

    doc = json.loads(report.read_text(encoding="utf-8"))
    assert doc["works_evaluated"] == 12
    assert doc["agreement"]["domain"]["primary_in_our_top3"] == 1.0

    missing = kg("train", str(tmp_path / "nowhere"), "--taxonomy", str(TWO_FIELDS), "--out", str(model))
    assert missing.returncode == 1
    assert missing.stderr.strip().startswith("error: ")
    assert "nowhere" in missing.stderr and "Traceback" not in missing.stderr
