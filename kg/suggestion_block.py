"""The ranking's results (kg.linkpred): one suggestion with the score's parts and its reasons, and a block of them
held column-wise (what kg.discover formats its stored rows from), with the reasons as flat ragged lists."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

# Loose aliases: numpy's dtype-level typing fights every gather and bincount for no safety gained here.
IntArray = npt.NDArray[Any]
FloatArray = npt.NDArray[Any]
BoolArray = npt.NDArray[Any]


@dataclass
class Suggestion:
    """One ranked suggestion with the score's parts and its reasons (indices into the EdgeList's spaces)."""

    source: int
    target: int
    rank: int
    score: float
    features: tuple[float, ...]  # raw values, in kg.linkpred.FEATURES order
    contributions: tuple[float, ...]  # weight · transformed value, in kg.linkpred.FEATURES order
    open_boost: float
    target_open: bool
    shared_coauthor_count: int
    # (researcher, its 1/log deg share of coauthor_aa, 1.0 when both its links to the two are open — in no
    # triangle, see open_triangles — else 0.0), biggest share first
    shared_coauthors: list[tuple[int, float, float]]
    shared_topics: list[tuple[int, float, float]]  # (topic, p_source, p_target), biggest overlap first
    shared_institutions: list[int]
    shared_venues: list[tuple[int, float, float]]  # (venue, q_source, q_target), biggest overlap first

    @property
    def coauthor_aa(self) -> float:
        return self.features[0]


@dataclass(frozen=True)
class Ragged:
    """One list per suggestion, flat: suggestion i's items are rows ptr[i]:ptr[i + 1] of key (and of a, b where the
    items carry weights: a shared co-author's share of coauthor_aa; a shared topic's or venue's p_source, p_target)."""

    ptr: IntArray
    key: IntArray
    a: FloatArray = field(default_factory=lambda: np.zeros(0))
    b: FloatArray = field(default_factory=lambda: np.zeros(0))

    def lists(self, *cols: str) -> list[list[Any]]:
        """The lists as Python values: keys alone, or (key, *cols) tuples."""
        flat: list[Any] = self.key.tolist()
        if cols:
            flat = list(zip(flat, *(getattr(self, c).tolist() for c in cols), strict=True))
        bounds = self.ptr.tolist()
        return [flat[i:j] for i, j in itertools.pairwise(bounds)]

    @classmethod
    def of(cls, lists: Sequence[Sequence[Any]], weights: int = 0) -> Ragged:
        """From Python lists of keys (weights=0) or of (key, a[, b]) tuples."""
        ptr = np.zeros(len(lists) + 1, dtype=np.int64)
        np.cumsum([len(x) for x in lists], out=ptr[1:])
        flat = [item for x in lists for item in x]
        if not weights:
            return cls(ptr, np.array(flat, dtype=np.int64))
        cols = np.array(flat, dtype=np.float64).reshape(len(flat), weights + 1)
        return cls(ptr, cols[:, 0].astype(np.int64), *(cols[:, c].copy() for c in range(1, weights + 1)))


@dataclass(frozen=True)
class SuggestionBlock:
    """A block's suggestions column-wise, row i one suggestion (rows grouped by source, each source's best first),
    the reasons as Ragged lists. What kg.discover formats its stored rows from with no object per suggestion;
    suggestions() makes Suggestion objects for the readers that want them (--out files, the evaluation)."""

    source: IntArray
    target: IntArray
    rank: IntArray  # 1 = best
    score: FloatArray
    features: FloatArray  # (m, F) raw values, in kg.linkpred.FEATURES order
    contributions: FloatArray  # (m, F) weight · transformed value
    open_boost: FloatArray
    target_open: BoolArray
    shared_coauthor_count: IntArray
    coauthors: Ragged  # key: researcher, a: its share of coauthor_aa, b: 1.0 both links open; biggest first
    topics: Ragged  # key: topic, a: p_source, b: p_target; biggest overlap first
    institutions: Ragged  # key: institution
    venues: Ragged  # key: venue, a: q_source, b: q_target; biggest overlap first

    def __len__(self) -> int:
        return len(self.source)

    def source_runs(self) -> IntArray:
        """Offsets of the runs of one source: source k's suggestions are rows runs[k]:runs[k + 1]."""
        s = self.source
        return (
            np.r_[0, np.flatnonzero(s[1:] != s[:-1]) + 1, len(s)] if len(s) else np.zeros(1, dtype=np.int64)
        )

    def suggestions(self) -> list[Suggestion]:
        cols = zip(
            self.source.tolist(),
            self.target.tolist(),
            self.rank.tolist(),
            self.score.tolist(),
            map(tuple, self.features.tolist()),
            map(tuple, self.contributions.tolist()),
            self.open_boost.tolist(),
            self.target_open.tolist(),
            self.shared_coauthor_count.tolist(),
            self.coauthors.lists("a", "b"),
            self.topics.lists("a", "b"),
            self.institutions.lists(),
            self.venues.lists("a", "b"),
            strict=True,
        )
        return [Suggestion(*c) for c in cols]

    @classmethod
    def of(cls, sugs: Sequence[Suggestion], n_features: int) -> SuggestionBlock:
        """The block of Suggestion objects (another engine's output, a test's), each with `n_features` features."""
        f = n_features

        def col(name: str, dtype: Any) -> Any:
            return np.array([getattr(x, name) for x in sugs], dtype=dtype)

        return cls(
            source=col("source", np.int64),
            target=col("target", np.int64),
            rank=col("rank", np.int64),
            score=col("score", np.float64),
            features=col("features", np.float64).reshape(len(sugs), f),
            contributions=col("contributions", np.float64).reshape(len(sugs), f),
            open_boost=col("open_boost", np.float64),
            target_open=col("target_open", bool),
            shared_coauthor_count=col("shared_coauthor_count", np.int64),
            coauthors=Ragged.of([x.shared_coauthors for x in sugs], 2),
            topics=Ragged.of([x.shared_topics for x in sugs], 2),
            institutions=Ragged.of([x.shared_institutions for x in sugs]),
            venues=Ragged.of([x.shared_venues for x in sugs], 2),
        )
