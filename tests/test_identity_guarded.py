"""The guarded linkage: single linkage with a cluster-level check, so one strong pair cannot chain two people's
groups into one (the biggest error class of single linkage on the arnetminer development set), and a join it
refused is looked at again when either group grows; the strong-id and curated-decision guarantees hold under it."""

from __future__ import annotations

import dataclasses
import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.identity import Decision, Mention, Slot, SlotContext, cluster_block
from kg.identity import train as training
from kg.identity.cluster import _candidate_pairs
from kg.identity.model import PairModel, default_model

from .test_identity_model import _block, _partition, slot_strategy


def _slot(name: str) -> SlotContext:
    work = f"openalex:W{name}"
    m = Mention(source="openalex", name="Jing Zhang", position=1)
    return SlotContext(
        slot=Slot(work_id=work, mentions=[m]), work_ids={work}, coauthors={}, topics={}, venue=None, year=2010
    )


class _Table:
    """A scorer that gives each pair of slots (by work) the probability in its table, 0 for any other pair."""

    def __init__(
        self, slots: list[SlotContext], table: dict[frozenset[str], float], linkage: str, floor: float
    ):
        order = training.canonical(slots)
        pairs = _candidate_pairs(order, list(range(len(order))))
        self.probs = np.asarray(
            [
                table.get(frozenset((order[x].slot.work_id[-1], order[y].slot.work_id[-1])), 0.0)
                for x, y in pairs
            ]
        )
        self.threshold = 0.9
        self.linkage = linkage
        self.floor = floor

    def predict(self, features: np.ndarray) -> np.ndarray:
        assert features.shape[0] == len(self.probs)
        return self.probs


def _groups(slots: list[SlotContext], table: dict[str, float], linkage: str, floor: float = 0.0) -> list[str]:
    model = _Table(slots, {frozenset(k): v for k, v in table.items()}, linkage, floor)
    clusters = cluster_block(slots, model=model)
    return sorted("".join(sorted(m.slot.work_id[-1] for m in c.members)) for c in clusters)


def test_one_strong_pair_does_not_chain_two_pairs_into_one_researcher() -> None:
    slots = [_slot(x) for x in "abcd"]
    # a–b and c–d are sure; b–c is one strong pair between two people whose other pairs all disagree
    table = {"ab": 0.97, "cd": 0.96, "bc": 0.95, "ac": 0.05, "ad": 0.05, "bd": 0.05}
    assert _groups(slots, table, "single") == ["abcd"]  # the chain: what single linkage did
    assert _groups(slots, table, "guarded", floor=0.3) == ["ab", "cd"]  # mean a–b × c–d = 0.275


def test_a_refused_join_is_taken_when_a_group_grows_to_agree() -> None:
    slots = [_slot(x) for x in "abyz"]
    # {a, b} and y: one strong pair, one at 0 (mean 0.475 < 0.5: refused); then y joins z, whose pairs with a and b
    # (0.85, under the threshold alone) bring the mean between {a, b} and {y, z} to 0.66: joined then
    table = {"ab": 0.99, "ay": 0.95, "by": 0.0, "yz": 0.94, "az": 0.85, "bz": 0.85}
    assert _groups(slots, table, "guarded", floor=0.5) == ["abyz"]
    assert _groups(slots, table, "guarded", floor=0.7) == ["ab", "yz"]


def _guarded() -> PairModel:
    return dataclasses.replace(default_model(), linkage="guarded", threshold=0.9, floor=0.3)


@settings(max_examples=40, deadline=None)
@given(st.lists(slot_strategy, min_size=2, max_size=14), st.randoms(use_true_random=False))
def test_guarded_never_joins_two_orcids_or_two_openalex_ids_and_order_does_not_matter(
    raw: list[tuple], rnd: random.Random
) -> None:
    block = _block(raw)
    clusters = cluster_block(block, model=_guarded())
    for cl in clusters:
        orcids = {o for m in cl.members for o in m.slot.strong("orcid")}
        oas = {o for m in cl.members for o in m.slot.strong("openalex")}
        assert len(orcids) <= 1 and len(oas) <= 1
    shuffled = list(block)
    rnd.shuffle(shuffled)
    assert _partition(cluster_block(shuffled, model=_guarded())) == _partition(clusters)


@settings(max_examples=30, deadline=None)
@given(st.lists(slot_strategy, min_size=2, max_size=10), st.data())
def test_curated_decisions_win_under_the_guarded_linkage(raw: list[tuple], data: st.DataObject) -> None:
    block = _block([(n, co, v, w, None, None) for n, co, v, w, _, _ in raw])
    a, b = data.draw(st.lists(st.integers(0, len(block) - 1), min_size=2, max_size=2, unique=True))
    ca, cb = block[a], block[b]
    apart = Decision(
        id="d1", kind="NOT_SAME_AS", anchors_a=frozenset(ca.anchors), anchors_b=frozenset(cb.anchors)
    )
    for cl in cluster_block(block, [apart], model=_guarded()):
        assert not {ca.key, cb.key} <= {m.key for m in cl.members}
    together = Decision(
        id="d2", kind="SAME_AS", anchors_a=frozenset(ca.anchors), anchors_b=frozenset(cb.anchors)
    )
    joined = [
        cl
        for cl in cluster_block(block, [together], model=_guarded())
        if ca.key in {m.key for m in cl.members}
    ]
    assert cb.key in {m.key for m in joined[0].members} and joined[0].method == "curated"


def test_where_the_groups_agree_enough_guarded_joins_as_single_linkage_does() -> None:
    slots = [_slot(x) for x in "abc"]
    # c's best pair reaches the threshold and its mean with {a, b} (0.71) the floor: joined, as single linkage
    # joins it; average linkage at the same threshold would not
    table = {"ab": 0.97, "bc": 0.92, "ac": 0.5}
    assert _groups(slots, table, "guarded", floor=0.3) == _groups(slots, table, "single") == ["abc"]
    assert _groups(slots, table, "average") == ["ab", "c"]
