"""The disambiguation model's guarantees, whatever it learned: strong ids never merge across, curated decisions win,
the clusters do not depend on the order slots arrive in; and a preprint's name-only author joins the article's."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from kg.identity import (
    Decision,
    Mention,
    Slot,
    SlotContext,
    cluster_block,
    mention_from_author,
    unify_mentions,
)
from kg.identity.model import default_model
from kg.models import AuthorRef
from kg.normalize import block_key

SPELLINGS = ["Wei Wang", "W. Wang", "Wei Wang", "Wang, Wei", "Wei J. Wang", "Wei K. Wang"]
COAUTHORS = ["Li Chen", "Ada Lovelace", "Hui Fang", "Jim Gray", "Yu Zhang", "Bo Liu"]
VENUES = ["SIGMOD", "VLDB", "Nature", None]
TITLE_WORDS = ["graph", "query", "index", "learning", "protein", "cell", "storage", "stream"]


def _ctx(
    i: int, name: str, coauthors: list[str], venue: str | None, words: list[str], **ids: str
) -> SlotContext:
    work = f"openalex:W{i}"
    m = Mention(source="openalex", name=name, position=1, **ids)  # type: ignore[arg-type]
    return SlotContext(
        slot=Slot(work_id=work, mentions=[m]),
        work_ids={work},
        coauthors={block_key(c): c for c in coauthors},
        topics={},
        venue=venue,
        year=2015 + i % 6,
        title=" ".join(words),
    )


slot_strategy = st.tuples(
    st.sampled_from(SPELLINGS),
    st.lists(st.sampled_from(COAUTHORS), max_size=3, unique=True),
    st.sampled_from(VENUES),
    st.lists(st.sampled_from(TITLE_WORDS), min_size=1, max_size=4),
    st.sampled_from([None, "0000-0002-0000-0001", "0000-0002-0000-0002", "0000-0002-0000-0003"]),
    st.sampled_from([None, "A1", "A2"]),
)


def _block(raw: list[tuple]) -> list[SlotContext]:
    out = []
    for i, (name, co, venue, words, orcid, oa) in enumerate(raw):
        ids = {k: v for k, v in (("orcid", orcid), ("openalex", oa)) if v}
        out.append(_ctx(i, name, co, venue, words, **ids))
    return out


def _partition(clusters: list) -> set[frozenset[str]]:
    return {frozenset(m.key for m in cl.members) for cl in clusters}


@settings(max_examples=60, deadline=None)
@given(st.lists(slot_strategy, min_size=2, max_size=14), st.randoms(use_true_random=False))
def test_no_cluster_holds_two_orcids_or_two_openalex_ids_and_order_does_not_matter(
    raw: list[tuple], rnd: random.Random
) -> None:
    block = _block(raw)
    clusters = cluster_block(block)
    for cl in clusters:
        orcids = {o for m in cl.members for o in m.slot.strong("orcid")}
        openalex = {o for m in cl.members for o in m.slot.strong("openalex")}
        assert len(orcids) <= 1 and len(openalex) <= 1, cl.id
        works = [m.slot.work_id for m in cl.members]
        assert len(works) == len(set(works))
        assert 0.0 <= cl.confidence <= 1.0
    shuffled = list(block)
    rnd.shuffle(shuffled)
    again = cluster_block(shuffled)
    assert _partition(again) == _partition(clusters)
    assert [c.id for c in again] == [c.id for c in clusters]


@settings(max_examples=40, deadline=None)
@given(st.lists(slot_strategy, min_size=2, max_size=10), st.data())
def test_curated_decisions_always_win(raw: list[tuple], data: st.DataObject) -> None:
    block = _block([(n, co, v, w, None, None) for n, co, v, w, _, _ in raw])  # names and evidence only
    a, b = data.draw(st.lists(st.integers(0, len(block) - 1), min_size=2, max_size=2, unique=True))
    ca, cb = block[a], block[b]
    apart = Decision(
        id="d1", kind="NOT_SAME_AS", anchors_a=frozenset(ca.anchors), anchors_b=frozenset(cb.anchors)
    )
    for cl in cluster_block(block, [apart]):
        assert not {ca.key, cb.key} <= {m.key for m in cl.members}
    together = Decision(
        id="d2", kind="SAME_AS", anchors_a=frozenset(ca.anchors), anchors_b=frozenset(cb.anchors)
    )
    joined = [cl for cl in cluster_block(block, [together]) if ca.key in {m.key for m in cl.members}]
    assert cb.key in {m.key for m in joined[0].members} and joined[0].method == "curated"


def test_a_coauthor_and_venue_in_common_join_two_spellings_and_the_evidence_says_why() -> None:
    block = [
        _ctx(1, "Wei Wang", ["Li Chen", "Hui Fang"], "SIGMOD", ["graph", "query", "index"]),
        _ctx(2, "W. Wang", ["Li Chen", "Hui Fang"], "SIGMOD", ["graph", "query", "storage"]),
        _ctx(3, "Wei Wang", ["Ada Lovelace"], "Nature", ["protein", "cell"]),
    ]
    clusters = cluster_block(block)
    joined = next(c for c in clusters if len(c.members) == 2)
    assert sorted(m.slot.work_id for m in joined.members) == ["openalex:W1", "openalex:W2"]
    assert "shares co-author Li Chen on openalex:W1 and openalex:W2" in joined.evidence
    assert "same venue SIGMOD" in joined.evidence
    assert any(e.startswith("model: ") and e.endswith("are one person") for e in joined.evidence)
    assert 0.5 < joined.confidence <= 1.0
    alone = next(c for c in clusters if len(c.members) == 1)
    assert alone.members[0].slot.work_id == "openalex:W3"


def test_the_shipped_model_loads_with_its_threshold() -> None:
    m = default_model()
    assert 0.0 < m.threshold < 1.0
    assert m.meta["trained_on"]["pairs"] > 100_000


def test_a_preprints_name_only_author_joins_the_articles_author_slot() -> None:
    # the published article (OpenAlex, ids) and the preprint's listing (name only, one more author, other spelling)
    article = [
        AuthorRef(name="Jane Q. Doe", position=1, openalex_id="A11"),
        AuthorRef(name="Omar Khan", position=2, openalex_id="A12"),
    ]
    preprint = [
        AuthorRef(name="Omar Khan", position=1),
        AuthorRef(name="Li Chen", position=2),
        AuthorRef(name="Jane Doe", position=3),
    ]
    mentions = [mention_from_author(a, "openalex", False) for a in article]
    mentions += [mention_from_author(a, "arxiv-listing", False) for a in preprint]
    slots = unify_mentions("doi:10.1/x", mentions)
    by_name = {s.name: sorted(m.source for m in s.mentions) for s in slots}
    assert by_name == {
        "Jane Q. Doe": ["arxiv-listing", "openalex"],
        "Omar Khan": ["arxiv-listing", "openalex"],
        "Li Chen": ["arxiv-listing"],
    }


def test_two_compatible_names_of_one_listing_stay_two_slots() -> None:
    one_source = [AuthorRef(name="Wei Wang", position=1), AuthorRef(name="W. Wang", position=4)]
    slots = unify_mentions("doi:10.1/y", [mention_from_author(a, "arxiv-listing", False) for a in one_source])
    assert len(slots) == 2
