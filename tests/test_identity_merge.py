"""The second clustering step: group features pool a group's evidence, and the two-step linkage joins groups by the
group model's score under the same constraints (never two ORCIDs, never two authors of one paper)."""

from __future__ import annotations

import math

import numpy as np

from kg.identity import Mention, Slot, SlotContext, cluster_block
from kg.identity.features import block_evidence
from kg.identity.merge import GROUP_FEATURE_NAMES, Pooled, group_features
from kg.identity.train import config_name, parse_config
from kg.normalize import block_key


def _ctx(
    i: int, name: str, coauthors: list[str], venue: str | None, title: str, year: int | None, **ids: str
) -> SlotContext:
    work = f"openalex:W{i}"
    m = Mention(source="openalex", name=name, position=1, **ids)  # type: ignore[arg-type]
    return SlotContext(
        slot=Slot(work_id=work, mentions=[m]),
        work_ids={work},
        coauthors={block_key(c): c for c in coauthors},
        topics={},
        venue=venue,
        year=year,
        title=title,
    )


def _features(block: list[SlotContext], a: list[int], b: list[int], probs: list[float]) -> dict[str, float]:
    ev, stats = block_evidence(block)
    row = group_features(Pooled([ev[i] for i in a]), Pooled([ev[i] for i in b]), probs, stats, 2)
    return dict(zip(GROUP_FEATURE_NAMES, row, strict=True))


def test_group_features_pool_coauthors_venues_and_years_of_each_group() -> None:
    block = [
        _ctx(1, "Jim Gray", ["Andreas Reuter"], "VLDB", "transaction processing concepts", 1991),
        _ctx(2, "Jim Gray", ["Pat Helland"], "SIGMOD", "the dangers of replication", 1996),
        _ctx(3, "Jim Gray", ["Pat Helland", "Alex Szalay"], "SIGMOD", "sky server data mining", 2002),
        _ctx(4, "Jim Gray", [], None, "benchmark handbook", None),
    ]
    f = _features(block, [0, 1], [2], [0.4, 0.9])
    assert f["coauthors_shared"] == 1.0  # Pat Helland, pooled from the first group's second paper
    assert f["venue_shared"] == 1.0 and 0.0 < f["venue_cosine"] < 1.0
    assert f["year_gap"] == 6.0  # 1991–1996 against 2002
    assert f["p_max"] == 0.9 and f["p_mean"] == 0.65 and f["p_frac50"] == 0.5
    assert f["scored_frac"] == 1.0 and f["size_small"] == math.log1p(1) and f["size_big"] == math.log1p(2)
    assert f["big_share"] == 0.5 and f["same_name_key"] == 1.0
    # a group with no co-authors, venue or year says nothing about them: missing, not zero
    g = _features(block, [0, 1, 2], [3], [0.2])
    assert math.isnan(g["coauthors_shared"]) and math.isnan(g["venue_cosine"]) and math.isnan(g["year_gap"])
    assert g["scored_frac"] == 1 / 3


class _Pairs:
    """A pairwise model that links nothing by itself (every pair 0.5, under the 0.9 first-step threshold)."""

    threshold = 0.9
    linkage = "two-step"

    def __init__(self, group: object) -> None:
        self.group = group

    def predict(self, features: np.ndarray) -> np.ndarray:
        return np.full(features.shape[0], 0.5)


class _Groups:
    """A group model that believes every two groups sharing a co-author are one person."""

    threshold = 0.5

    def predict(self, features: np.ndarray) -> np.ndarray:
        shared = features[:, GROUP_FEATURE_NAMES.index("coauthors_shared")]
        return np.where(np.nan_to_num(shared) > 0, 0.9, 0.1)


def test_two_step_joins_groups_by_the_group_model_and_never_across_orcids() -> None:
    block = [
        _ctx(1, "Wei Wang", ["Li Chen"], "SIGMOD", "graph query", 2015, orcid="0000-0002-0000-0001"),
        _ctx(2, "Wei Wang", ["Li Chen"], "SIGMOD", "graph index", 2016),
        _ctx(3, "Wei Wang", ["Li Chen"], "VLDB", "graph storage", 2017, orcid="0000-0002-0000-0002"),
        _ctx(4, "Wei Wang", ["Ada Lovelace"], "Nature", "protein cell", 2018),
    ]
    clusters = cluster_block(block, model=_Pairs(_Groups()))
    parts = sorted(sorted(m.slot.work_id for m in c.members) for c in clusters)
    # W2 joins one of the two ORCIDs (the first in canonical order), never both; W4 shares no one and stays alone
    assert parts == [["openalex:W1", "openalex:W2"], ["openalex:W3"], ["openalex:W4"]]
    joined = next(c for c in clusters if len(c.members) == 2)
    assert any(e.startswith("group model: 0.90 that Wei Wang on ") for e in joined.evidence)
    # the same clusters whatever order the slots arrive in
    again = cluster_block(list(reversed(block)), model=_Pairs(_Groups()))
    assert sorted(c.id for c in again) == sorted(c.id for c in clusters)


def test_settings_are_named_and_read_back() -> None:
    assert config_name("single", 0.9) == "single@0.90"
    assert config_name("two-step", 0.97, 0.7) == "two-step@0.97/0.70"
    assert parse_config("two-step@0.97/0.70") == ("two-step", 0.97, 0.7)
    assert parse_config("average@0.30") == ("average", 0.3)
