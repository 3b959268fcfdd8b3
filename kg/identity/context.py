"""What clustering works on: a slot with what its work says about it (SlotContext), curated decisions, and the
clusters (researchers) it returns."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kg.identity.mentions import Slot
from kg.identity.names import name_key


def bare_openalex(typed_ids: Iterable[str]) -> frozenset[str]:
    """The OpenAlex ids among typed ids ("openalex:W1" -> "W1"), bare as SlotContext.references holds them."""
    return frozenset(i.split(":", 1)[1] for i in typed_ids if i.startswith("openalex:"))


@dataclass
class SlotContext:
    """A slot with what its work says about it: the evidence clustering weighs."""

    slot: Slot
    work_ids: set[str]  # every id of the slot's work (curation anchors match on any of them)
    coauthors: dict[str, str]  # block key of each co-author → a display name
    topics: dict[str, str]  # topic id or category → a display label
    venue: str | None
    year: int | None
    # More evidence for the pairwise model (kg.identity.features); the resolve stage fills what the work has:
    title: str | None = None  # the work's title (shared title words)
    abstract: str | None = None  # its abstract (shared abstract words)
    references: frozenset[str] = (
        frozenset()
    )  # OpenAlex work ids it cites ("W…"): shared references, self-citation

    @property
    def key(self) -> str:
        return self.slot.key

    @property
    def anchors(self) -> set[str]:
        nks = {name_key(n) for n in self.slot.names}
        return {f"{w}#{nk}" for w in self.work_ids for nk in nks}


@dataclass(frozen=True)
class Decision:
    """A curated SAME_AS / NOT_SAME_AS, keyed on stable anchors ("<work id>#<name key>") of both sides."""

    id: str
    kind: str  # "SAME_AS" | "NOT_SAME_AS"
    anchors_a: frozenset[str]
    anchors_b: frozenset[str]
    by: str = ""
    at: str = ""
    why: str = ""
    claim: str | None = None  # "profile:KEY": the anchored person is that profile's researcher


@dataclass
class Cluster:
    id: str
    method: str
    members: list[SlotContext]
    confidence: float
    evidence: list[str]
    slot_confidence: dict[str, float]
    strong: dict[str, list[str]]
    name: str


def category_label(c: str) -> str:
    """'cs.LG' and 'LG' are one category for evidence."""
    return c.rsplit(".", 1)[-1].lower()
