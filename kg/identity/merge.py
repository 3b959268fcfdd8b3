"""The second clustering step: whether two precise groups of one name block (what high-threshold single linkage on
the pairwise model leaves) are one person, from their pooled evidence. A person's papers seen together say more than
any two of them: the co-authors, venues, title words and years of a whole group against another's, beside the pair
probabilities between their members. A second LightGBM booster scores group pairs; clustering joins the groups
(average linkage over these scores, under the same constraints).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np

from kg.identity.features import NAN, SlotEvidence

GROUP_FEATURE_NAMES: tuple[str, ...] = (
    "p_max",
    "p_mean",
    "p_top3",
    "p_frac50",
    "scored_frac",
    "size_small",
    "size_big",
    "block_size",
    "block_groups",
    "big_share",
    "coauthors_small",
    "coauthors_big",
    "coauthors_shared",
    "coauthors_idf",
    "coauthors_cosine",
    "venue_cosine",
    "venue_shared",
    "title_cosine",
    "affiliation_cosine",
    "topics_cosine",
    "year_gap",
    "year_mid_gap",
    "same_name_key",
)


def _norm(c: Mapping[str, float]) -> dict[str, float]:
    n = math.sqrt(sum(v * v for v in c.values()))
    return {k: v / n for k, v in c.items()} if n else {}


def _cos(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b[k] for k, v in a.items() if k in b)


class Pooled:
    """One group's evidence pooled over its members."""

    __slots__ = (
        "affil",
        "co_vec",
        "coauthors",
        "names",
        "size",
        "title",
        "topics",
        "venue_vec",
        "venues",
        "years",
    )

    def __init__(self, members: Sequence[SlotEvidence]) -> None:
        co: Counter[str] = Counter()
        venues: Counter[str] = Counter()
        title: dict[str, float] = {}
        affil: Counter[str] = Counter()
        topics: Counter[str] = Counter()
        for e in members:
            co.update(e.coauthors)
            if e.venue:
                venues[e.venue] += 1
            for w, v in e.title.items():
                title[w] = title.get(w, 0.0) + v
            affil.update(e.affiliation_words)
            topics.update(e.topics)
        self.coauthors = frozenset(co)
        self.co_vec = _norm(co)
        self.venues = frozenset(venues)
        self.venue_vec = _norm(venues)
        self.title = _norm(title)
        self.affil = _norm(affil)
        self.topics = _norm(topics)
        self.years = sorted(e.year for e in members if e.year is not None)
        self.names = frozenset(e.name_key for e in members)
        self.size = len(members)


def group_features(
    a: Pooled, b: Pooled, probs: Sequence[float], stats: Mapping[str, float], groups_in_block: int
) -> list[float]:
    """The feature vector of two groups, in GROUP_FEATURE_NAMES order; `probs` are the pair probabilities scored
    between their members."""
    ps = sorted(probs, reverse=True)
    shared_co = a.coauthors & b.coauthors
    co_idf = sum(1.0 / math.log(1.0 + stats.get(f"co:{k}", 1.0)) for k in shared_co)
    has_co = bool(a.coauthors) and bool(b.coauthors)
    has_venue = bool(a.venues) and bool(b.venues)
    if a.years and b.years:
        gap = float(max(0, max(a.years[0], b.years[0]) - min(a.years[-1], b.years[-1])))
        mid = float(abs(a.years[len(a.years) // 2] - b.years[len(b.years) // 2]))
    else:
        gap = mid = NAN
    return [
        ps[0] if ps else NAN,
        float(np.mean(ps)) if ps else NAN,
        float(np.mean(ps[:3])) if ps else NAN,
        sum(1 for p in ps if p >= 0.5) / len(ps) if ps else NAN,
        len(ps) / (a.size * b.size),
        math.log1p(min(a.size, b.size)),
        math.log1p(max(a.size, b.size)),
        math.log1p(stats.get("size", 0.0)),
        math.log1p(groups_in_block),
        max(a.size, b.size) / max(stats.get("size", 1.0), 1.0),
        math.log1p(len((a if a.size <= b.size else b).coauthors)),
        math.log1p(len((b if a.size <= b.size else a).coauthors)),
        float(len(shared_co)) if has_co else NAN,
        co_idf if has_co else NAN,
        _cos(a.co_vec, b.co_vec) if has_co else NAN,
        _cos(a.venue_vec, b.venue_vec) if has_venue else NAN,
        float(len(a.venues & b.venues)) if has_venue else NAN,
        _cos(a.title, b.title) if a.title and b.title else NAN,
        _cos(a.affil, b.affil) if a.affil and b.affil else NAN,
        _cos(a.topics, b.topics) if a.topics and b.topics else NAN,
        gap,
        mid,
        float(bool(a.names & b.names)),
    ]


def group_pair_matrix(
    evidence: Sequence[SlotEvidence],
    stats: Mapping[str, float],
    groups: Mapping[int, Sequence[int]],
    pair_probs: Mapping[tuple[int, int], list[float]],
) -> tuple[list[tuple[int, int]], np.ndarray]:
    """Features of every pair of groups (by root) that has at least one scored pair between them, in sorted order.
    `pair_probs[(root a, root b)]` (a < b) holds the probabilities scored between their members."""
    pooled = {r: Pooled([evidence[i] for i in members]) for r, members in groups.items()}
    keys = sorted(pair_probs)
    rows = [group_features(pooled[a], pooled[b], pair_probs[(a, b)], stats, len(groups)) for a, b in keys]
    if not rows:
        return keys, np.zeros((0, len(GROUP_FEATURE_NAMES)), dtype=np.float32)
    return keys, np.asarray(rows, dtype=np.float32)
