"""Topic assignment without a database: a tiny hand-written taxonomy pins the scoring, matching and fallbacks."""

from __future__ import annotations

import csv
import importlib.util
import json
import math
from pathlib import Path
from typing import Any

import pytest

from kg import topic_match, topic_vocab
from kg.taxonomy import arxiv_topic_id, read_taxonomy
from kg.topic_match import Assignment, TopicAssigner
from kg.topic_model import clean_text
from kg.topic_vocab import Vocabulary

TINY = Path(__file__).parent / "data" / "topics" / "tiny_topics.csv"
# 1 domain + 1 field + 2 subfields + 7 topics: the N of the IDF
N_NODES = 11
IDF_UNIQUE = math.log(1 + N_NODES / 1)
IDF_SHARED = math.log(1 + N_NODES / 2)


@pytest.fixture(scope="module")
def assigner() -> TopicAssigner:
    # min_score scaled down: a 7-topic vocabulary has far smaller IDFs than the 4,516-topic one; phrase
    # evidence only (the word-similarity signal has its own test)
    return TopicAssigner(Vocabulary.build(read_taxonomy(TINY)), min_score=1.0, bow_weight=0.0)


def _ids(result: list[Assignment]) -> list[str]:
    return [a.topic_id for a in result]


def _final_to_score(final: float) -> float:
    return round(final / (final + topic_match.SCORE_HALF), 4)


def test_case_and_plural_variants_match_the_same_keyword(assigner: TopicAssigner) -> None:
    for title in (
        "Graph Neural Network for molecules",
        "GRAPH NEURAL NETWORKS for molecules",
        "graph neural networks for molecules",
    ):
        result = assigner.assign(title)
        assert _ids(result) == ["openalex:T90001"], title
        assert result[0].evidence == (title.split(" for")[0].lower(),)
    # and the other way round: the vocabulary says "Recommender Systems", the text a singular
    assert _ids(assigner.assign("A recommender system")) == ["openalex:T90002"]


def test_one_title_match_scores_exactly_as_documented(assigner: TopicAssigner) -> None:
    # idf × length 1.0 × title 2.0 × keyword 1.0
    final = IDF_UNIQUE * topic_match.TITLE_WEIGHT
    assert assigner.assign("Semantic segmentation") == [
        Assignment("openalex:T90003", _final_to_score(final), ("semantic segmentation",), "topic")
    ]


def test_title_beats_abstract(assigner: TopicAssigner) -> None:
    result = assigner.assign(
        "Matrix factorization at scale", "We compare it with semantic segmentation of street scenes."
    )
    assert _ids(result)[0] == "openalex:T90002"
    same_in_abstract = assigner.assign("A note", "Matrix factorization at scale.")
    assert same_in_abstract[0].topic_id == "openalex:T90002"
    assert result[0].score > same_in_abstract[0].score


def test_ties_break_by_id_whatever_the_file_order(tmp_path: Path, assigner: TopicAssigner) -> None:
    title = "Graph neural networks with message passing for collaborative filtering and speech recognition"
    expected = ["openalex:T90001", "openalex:T90002", "openalex:T90004"]
    result = assigner.assign(title)
    assert _ids(result) == expected
    assert result[1].score == result[2].score
    # the same taxonomy with its rows reversed gives the same answer
    with TINY.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    reversed_csv = tmp_path / "reversed.csv"
    with reversed_csv.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(reversed(rows))
    other = TopicAssigner(Vocabulary.build(read_taxonomy(reversed_csv)), min_score=1.0, bow_weight=0.0)
    assert other.assign(title) == result


def test_no_topic_for_text_without_evidence(assigner: TopicAssigner) -> None:
    assert assigner.assign("On the weather in spring", "Birds sing and the days grow longer.") == []
    assert assigner.assign("", None) == []


def test_weak_evidence_below_the_threshold_gives_nothing() -> None:
    strict = TopicAssigner(Vocabulary.build(read_taxonomy(TINY)), min_score=100.0)
    assert strict.assign("Semantic segmentation") == []


def test_tied_topics_in_one_subfield_fall_back_to_the_subfield(assigner: TopicAssigner) -> None:
    # "attention mechanism" is a keyword of two topics of subfield 1702 and nothing else is said
    raw = IDF_SHARED * topic_match.TITLE_WEIGHT
    assert assigner.assign("An attention mechanism") == [
        Assignment("openalex:subfield:1702", _final_to_score(2 * raw), ("attention mechanism",), "subfield")
    ]


def test_tied_subfields_fall_back_to_the_field(assigner: TopicAssigner) -> None:
    # "contrastive learning" belongs to one topic in 1702 and one in 1707: only the field is clear
    result = assigner.assign("Contrastive learning")
    assert [(a.topic_id, a.level, a.evidence) for a in result] == [
        ("openalex:field:17", "field", ("contrastive learning",))
    ]


def test_shared_words_find_a_topic_no_phrase_names() -> None:
    # "pixel" and "labelling" are words of topic 90003's name only (evidence shows their lemmas)
    with_words = TopicAssigner(Vocabulary.build(read_taxonomy(TINY)), min_score=1.0)
    result = with_words.assign("Labelling every pixel")
    assert [(a.topic_id, set(a.evidence)) for a in result] == [("openalex:T90003", {"pixel", "label"})]
    without = TopicAssigner(with_words.vocabulary, nlp=with_words.nlp, min_score=1.0, bow_weight=0.0)
    assert without.assign("Labelling every pixel") == []


def test_hyphen_and_parenthesis_variants_match(assigner: TopicAssigner) -> None:
    assert _ids(assigner.assign("Human computer interaction in the lab")) == ["openalex:T90003"]
    assert _ids(assigner.assign("Human-computer interaction in the lab")) == ["openalex:T90003"]
    assert _ids(assigner.assign("Quality of service for everyone")) == ["openalex:T90007"]


def test_a_former_topic_label_counts_as_the_topic_name(assigner: TopicAssigner) -> None:
    result = assigner.assign("Pretraining for text")
    assert _ids(result) == ["openalex:T90007"]
    raw = IDF_UNIQUE * topic_match.TITLE_WEIGHT * topic_match.KIND_WEIGHT["name"]
    assert result[0].score == _final_to_score(raw)


def test_a_nested_phrase_is_not_extra_evidence() -> None:
    vocab = Vocabulary.from_phrases(
        [
            ("openalex:field:17", "field", None, ["=Computing Things"]),
            ("openalex:subfield:1", "subfield", "openalex:field:17", ["=Sub One"]),
            ("openalex:subfield:2", "subfield", "openalex:field:17", ["=Sub Two"]),
            ("openalex:T1", "topic", "openalex:subfield:1", ["=Topic One", "Graph Neural Networks"]),
            ("openalex:T2", "topic", "openalex:subfield:2", ["=Topic Two", "Neural Networks"]),
        ]
    )
    result = TopicAssigner(vocab, min_score=0.5).assign("Graph neural networks")
    assert [(a.topic_id, a.evidence) for a in result] == [("openalex:T1", ("graph neural networks",))]


def test_arxiv_category_boosts_topics_of_its_subfield(assigner: TopicAssigner) -> None:
    # one keyword of a 1702 topic and one of a 1707 topic, both in the abstract: a tie without categories
    text = ("A study", "Collaborative filtering meets semantic segmentation.")
    plain = assigner.assign(*text)
    boosted = assigner.assign(*text, categories=["CV"])
    assert _ids(boosted)[0] == "openalex:T90003"
    assert plain != boosted


def test_latex_is_dropped_before_matching() -> None:
    assert (
        clean_text(r"We propose \textbf{DualKV}, with $N{\geq}16$ tokens")
        == "We propose DualKV , with tokens"
    )


def test_keyphrases_come_from_the_same_doc(assigner: TopicAssigner) -> None:
    doc, title_tokens = assigner.make_doc(
        "LazyGNN: Large-Scale Graph Neural Networks via Lazy Propagation",
        "Deeper graph neural networks suffer from the neighborhood explosion problem. "
        "Lazy propagation avoids the neighborhood explosion in large-scale graphs.",
    )
    phrases = assigner.keyphrases(doc, title_tokens)
    assert phrases[0] == "large-scale graph neural networks"
    assert any("lazy propagation" in p for p in phrases)
    assert "neighborhood explosion" in phrases
    assert all(p == p.lower() for p in phrases)
    assert assigner.keyphrases(doc, title_tokens) == phrases


def test_assign_many_agrees_with_assign(assigner: TopicAssigner) -> None:
    items: list[tuple[str | None, str | None, list[str]]] = [
        ("Semantic segmentation", None, []),
        ("On the weather", "Nothing here.", []),
    ]
    many = assigner.assign_many(items)
    assert [m[0] for m in many] == [assigner.assign("Semantic segmentation"), []]


def test_vocabulary_cache_is_reused(tmp_path: Path) -> None:
    first = topic_vocab.cached_vocabulary(TINY, cache_dir=tmp_path)
    cached = list(tmp_path.glob("topics-vocab-*.pkl"))
    assert len(cached) == 1
    second = topic_vocab.cached_vocabulary(TINY, cache_dir=tmp_path)
    assert second.phrases == first.phrases and second.weight == first.weight


def test_arxiv_bare_codes_map_to_cs_categories() -> None:
    assert arxiv_topic_id("LG") == "arxiv:cs.LG"
    assert arxiv_topic_id("cs.cl") == "arxiv:cs.CL"
    assert arxiv_topic_id("stat.ML") == "arxiv:stat.ML"
    assert arxiv_topic_id("XX") is None


def test_the_shared_taxonomy_parses_with_exact_counts(shared_data: Path) -> None:
    tax = read_taxonomy(shared_data / "topics" / "openalex_topics.csv")
    counts = tax.counts()
    assert (counts["topic"], counts["subfield"], counts["field"], counts["domain"]) == (4516, 252, 26, 4)
    assert tax.nodes["arxiv:cs.LG"].name == "Machine Learning"
    assert tax.ancestors("openalex:T10001") == [
        "openalex:subfield:1908",
        "openalex:field:19",
        "openalex:domain:3",
    ]


def _bench_module() -> Any:
    """bench/topics_eval.py (a script, not a package module)."""
    spec = importlib.util.spec_from_file_location(
        "topics_eval", Path(__file__).parent.parent / "bench" / "topics_eval.py"
    )
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


def test_the_evaluation_quick_mode_reports_agreement_at_every_level(
    shared_data: Path, tmp_path: Path
) -> None:
    bench = _bench_module()
    out = tmp_path / "topics.json"
    assert bench.main(["--quick", "--out", str(out)]) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["method"] == "learned-v1"
    # the 326 OpenAlex works of the shared data that have a primary topic and a title
    assert result["works_evaluated"] == 326
    assert result["labeled_works"]["openalex"] == 326
    for key in ("agreement", "vocab_v1_same_works"):
        assert set(result[key]) == {"topic", "subfield", "field", "domain"}
        for level in result[key].values():
            assert all(0.0 <= x <= 1.0 for x in level.values())
    assert set(result["agreement"]["topic"]) == {
        "primary_in_our_top3",
        "our_top1_is_primary",
        "our_top1_in_theirs",
    }
    assert sum(b["works"] for b in result["calibration_top1"]) == 326
    assert set(result["confusions"]) == {"field", "subfield", "topic"}
    speed = result["throughput"]
    assert speed["works"] == 500 and speed["works_per_s"] > 0 and len(speed["rss_mb_after_batch"]) == 1
