"""How a graph slice spends its node budget: pure, deterministic selection from ordered candidate lists.

The Cypher (cypher/api/ring.cypher) returns, per centre node and neighbour type, the first few neighbours in a
fixed order (by weight, then id), already capped inside the query. This module decides which of them the slice
shows: one of each type in turn (researcher, work, topic, institution) so a tight budget still shows a mix, per-type
caps over the whole slice, at most `per_node` new neighbours per hop-1 node in the second ring, and the total budget
`max_nodes` (the centre included). Whatever a cap or the budget leaves out makes the slice `truncated`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from api.schemas import (
    DEFAULT_TYPE_CAPS,
    MAX_NODES_DEFAULT,
    PER_NODE_DEFAULT,
    TYPE_ORDER,
    NodeType,
)

T = TypeVar("T")

# centre id -> neighbour type -> neighbour ids in the query's order
RingCandidates = Mapping[str, Mapping[NodeType, Sequence[str]]]


@dataclass(frozen=True)
class SliceRequest:
    """What a client asked for; validated at the API edge (limits are never clamped here)."""

    max_nodes: int = MAX_NODES_DEFAULT
    types: frozenset[NodeType] = frozenset(NodeType)
    caps: Mapping[NodeType, int] = field(default_factory=lambda: dict(DEFAULT_TYPE_CAPS))
    hops: int = 1
    per_node: int = PER_NODE_DEFAULT
    exclude: tuple[str, ...] = ()

    def cap(self, t: NodeType) -> int:
        """The cap of a type, 0 when the type is not wanted at all."""
        return self.caps.get(t, 0) if t in self.types else 0


@dataclass(frozen=True)
class ChosenNode:
    id: str
    type: NodeType
    hop: int


def interleave(lists: Iterable[Sequence[T]]) -> list[T]:
    """Round-robin: the first of each list, then the second of each, … (stable and deterministic)."""
    seqs = [s for s in lists if s]
    out: list[T] = []
    rank = 0
    while seqs:
        for s in seqs:
            if rank < len(s):
                out.append(s[rank])
        rank += 1
        seqs = [s for s in seqs if rank < len(s)]
    return out


class SliceSelection:
    """The nodes a slice shows, in order: the centre, its ring, then (hops=2) the ring after."""

    def __init__(self, center: str, center_type: NodeType, request: SliceRequest) -> None:
        self.request = request
        self.nodes: list[ChosenNode] = [ChosenNode(center, center_type, 0)]
        self._ids: set[str] = {center}
        self.shown: Counter[NodeType] = Counter()
        self._left_out: set[str] = set()

    @property
    def ids(self) -> set[str]:
        return set(self._ids)

    @property
    def truncated(self) -> bool:
        return bool(self._left_out - self._ids)

    def hop1(self) -> list[ChosenNode]:
        return [n for n in self.nodes if n.hop == 1]

    def first_fetch(self) -> dict[NodeType, int]:
        """How many neighbours of each type to ask the centre for: one more than the cap, to see a cut."""
        return {t: (self.request.cap(t) + 1 if self.request.cap(t) > 0 else 0) for t in NodeType}

    def second_fetch(self) -> dict[NodeType, int]:
        """Per hop-1 node and type: what may still fit (at most per_node), plus one to see a cut."""
        out: dict[NodeType, int] = {}
        for t in NodeType:
            cap = self.request.cap(t)
            room = max(cap - self.shown[t], 0)
            out[t] = min(self.request.per_node, room) + 1 if cap > 0 else 0
        return out

    def _fits(self, t: NodeType) -> bool:
        return self.shown[t] < self.request.cap(t) and len(self.nodes) < self.request.max_nodes

    def _add(self, node_id: str, t: NodeType, hop: int) -> None:
        self.nodes.append(ChosenNode(node_id, t, hop))
        self._ids.add(node_id)
        self.shown[t] += 1

    def take_first_ring(self, candidates: Mapping[NodeType, Sequence[str]]) -> None:
        typed = [[(i, t) for i in candidates.get(t, ())] for t in TYPE_ORDER]
        for node_id, t in interleave(typed):
            if node_id in self._ids or node_id in self.request.exclude:
                continue
            if self._fits(t):
                self._add(node_id, t, 1)
            else:
                self._left_out.add(node_id)

    def take_second_ring(self, candidates: RingCandidates) -> None:
        parents = [n.id for n in self.hop1()]
        per_parent = [
            interleave([[(i, t) for i in candidates.get(p, {}).get(t, ())] for t in TYPE_ORDER])
            for p in parents
        ]
        taken: Counter[int] = Counter()
        rank = 0
        while any(rank < len(lst) for lst in per_parent):
            for k, lst in enumerate(per_parent):
                if rank >= len(lst):
                    continue
                node_id, t = lst[rank]
                if node_id in self._ids or node_id in self.request.exclude:
                    continue
                if taken[k] < self.request.per_node and self._fits(t):
                    self._add(node_id, t, 2)
                    taken[k] += 1
                else:
                    self._left_out.add(node_id)
            rank += 1


def incident_counts(edges: Iterable[tuple[str, str]]) -> Counter[str]:
    """How many of the shown edges touch each node (a self-loop counts once)."""
    counts: Counter[str] = Counter()
    for source, target in edges:
        counts[source] += 1
        if target != source:
            counts[target] += 1
    return counts


def hidden_neighbours(degree: int, shown_edges: int) -> int:
    """Relationships of a node the response leaves out: its degree minus the shown edges that touch it."""
    return max(degree - shown_edges, 0)
