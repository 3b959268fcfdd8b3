"""Authorship mentions (one author as one source lists them on one work) and their unification into author slots
(one author position on one work, joining the mentions of it from every source)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import Any

import orjson

from kg.identity.names import given_compatible, given_len, name_key
from kg.identity.works import rank
from kg.models import AuthorRef
from kg.normalize import normalize_openalex, normalize_orcid, short_hash


@dataclass(frozen=True)
class Mention:
    """One author as one source lists them on one work: the unit researcher identity is decided from."""

    source: str
    name: str
    position: int | None = None
    orcid: str | None = None
    openalex: str | None = None
    profile: str | None = None
    # a source's own author id, typed: the CSV bundle's author_id ("csv:<id>", a hard link between mentions, not a
    # public id) or a Semantic Scholar author id ("s2:<id>")
    src_id: str | None = None
    institutions: tuple[str, ...] = ()
    raw_affiliations: tuple[str, ...] = ()
    truncated: bool = False

    def to_json(self) -> str:
        # computed once per mention (sorting and storing slots asks for it again and again); kept beside the
        # fields, so equality and hashing still see the fields only
        cached: str | None = self.__dict__.get("_json")
        if cached is None:
            d = {f: getattr(self, f) for f in _MENTION_FIELDS if getattr(self, f) not in (None, (), False)}
            d["institutions"] = list(self.institutions)
            d["raw_affiliations"] = list(self.raw_affiliations)
            cached = orjson.dumps(d, option=orjson.OPT_SORT_KEYS).decode()
            object.__setattr__(self, "_json", cached)
        return cached

    @classmethod
    def from_json(cls, text: str) -> Mention:
        d = json.loads(text)
        d["institutions"] = tuple(d.get("institutions") or ())
        d["raw_affiliations"] = tuple(d.get("raw_affiliations") or ())
        return cls(**d)

    def strong(self) -> dict[str, str]:
        return {
            k: v
            for k, v in (
                ("orcid", self.orcid),
                ("openalex", self.openalex),
                ("profile", self.profile),
                ("src", self.src_id),
            )
            if v
        }


_MENTION_FIELDS = tuple(f.name for f in fields(Mention))


def institution_id(ref: Any) -> str | None:
    """Institution id from an InstitutionRef-like object: ror > OpenAlex > a hash of the folded name."""
    return _institution_id(
        getattr(ref, "source_id", None),
        getattr(ref, "ror", None),
        getattr(ref, "openalex_id", None),
        getattr(ref, "name", None),
    )


@lru_cache(maxsize=100_000)  # a few thousand places, named again on every work of their people
def _institution_id(
    source_id: str | None, ror_id: str | None, openalex_id: str | None, name: str | None
) -> str | None:
    from kg.normalize import fold, normalize_ror

    src = (source_id or "").strip()
    ror = normalize_ror(ror_id) or (normalize_ror(src) if "ror.org/" in src else None)
    if ror:
        return f"ror:{ror}"
    oa = normalize_openalex(openalex_id, "I") or (normalize_openalex(src, "I") if src[:1] in "Ii" else None)
    if oa:
        return f"openalex:{oa}"
    if src:
        # the CSV bundle's institution_id: the user's own key for the place, whatever its name is spelled
        return f"csv:{src}"
    if name and name.strip():
        return f"name:{short_hash(fold(name))}"
    return None


def mention_from_author(a: AuthorRef, source: str, truncated: bool, csv_scope: str = "") -> Mention:
    src_id = a.source_id.strip() if a.source_id else None
    orcid = normalize_orcid(a.orcid) or (normalize_orcid(src_id) if src_id else None)
    openalex = normalize_openalex(a.openalex_id, "A") or (
        normalize_openalex(src_id, "A") if src_id and src_id[:1] in "Aa" else None
    )
    insts = tuple(sorted({i for i in (institution_id(x) for x in a.institutions) if i}))
    # a Semantic Scholar author id is public, not scoped to the file's source: "s2:<id>" from any source
    scoped = f"s2:{a.s2_id.strip()}" if a.s2_id and a.s2_id.strip() else None
    if scoped is None and src_id:
        scoped = f"{csv_scope}{src_id}"
    return Mention(
        source=source,
        name=a.name.strip(),
        position=a.position,
        orcid=orcid,
        openalex=openalex,
        src_id=scoped if not (orcid or openalex) else None,
        institutions=insts,
        raw_affiliations=tuple(sorted(set(a.raw_affiliations)))[:3],
        truncated=truncated,
    )


@dataclass
class Slot:
    """One author position on one work, joining the mentions of it from every source."""

    work_id: str
    mentions: list[Mention] = field(default_factory=list)
    # "" for the first slot of a name on a work; "@2", "@3", … for further authors of one work sharing that name
    # (two "Li Wang" on one paper), so a slot's key is unique on its work
    suffix: str = ""
    _key: tuple[int, str, str] = (-1, "", "")  # (mention count, suffix, key) it was computed for
    _name: tuple[int, str] = (0, "")  # (mention count it was computed for, name): mentions only grow
    _strong: tuple[int, dict[str, frozenset[str]]] = (
        -1,
        {},
    )  # (mention count, strong ids by kind), the same way

    @property
    def position(self) -> int | None:
        ps = [m.position for m in self.mentions if m.position is not None]
        return min(ps) if ps else None

    @property
    def name(self) -> str:
        # The fullest spelling from the best source: "Xiang Song" over "X. Song"
        if self._name[0] != len(self.mentions):
            best = max(self.mentions, key=lambda m: (given_len(m.name), rank(m.source), m.name)).name
            self._name = (len(self.mentions), best)
        return self._name[1]

    @property
    def names(self) -> list[str]:
        return sorted({m.name for m in self.mentions})

    @property
    def source(self) -> str:
        return max(self.mentions, key=lambda m: (rank(m.source), m.source)).source

    def strong(self, kind: str) -> frozenset[str]:
        if self._strong[0] != len(self.mentions):
            by_kind: dict[str, set[str]] = defaultdict(set)
            for m in self.mentions:
                for k, v in m.strong().items():
                    by_kind[k].add(v)
            self._strong = (len(self.mentions), {k: frozenset(v) for k, v in by_kind.items()})
        return self._strong[1].get(kind, frozenset())

    @property
    def institutions(self) -> list[str]:
        return sorted({i for m in self.mentions for i in m.institutions})

    @property
    def raw_affiliations(self) -> list[str]:
        return sorted({a for m in self.mentions for a in m.raw_affiliations})

    @property
    def key(self) -> str:
        n = len(self.mentions)
        if self._key[0] != n or self._key[1] != self.suffix:
            self._key = (n, self.suffix, f"{self.work_id}#{name_key(self.name)}{self.suffix}")
        return self._key[2]

    def conflicts(self, m: Mention) -> bool:
        # two authors of one paper with different ids of one kind (a source's own author ids too) are two slots
        for kind in ("orcid", "openalex", "profile", "src"):
            mine = self.strong(kind)
            theirs = m.strong().get(kind)
            if mine and theirs and theirs not in mine:
                return True
        return False


def unify_mentions(work_id: str, mentions: Iterable[Mention]) -> list[Slot]:
    """Author slots of one work from every mention of it, in a fixed order so the result depends on the set only.

    A mention joins the first slot (in creation order) sharing one of its strong ids; failing that, the first slot
    it does not conflict with that has its position and a compatible name or a name with its name key; failing
    that, a position-less mention joins the one compatible slot if there is exactly one, and a name-only mention
    of a paper other sources list too joins the one compatible slot no mention of its own source holds (the same
    author in a preprint's listing and in the published article, at other positions). The lookups go through
    indexes, so a 1,000-author collaboration costs no more than its mentions.
    """
    uniq = sorted(
        set(mentions),
        key=lambda m: (m.position is None, -rank(m.source), m.position or 0, m.name, m.to_json()),
    )
    slots: list[Slot] = []
    by_strong: dict[tuple[str, str], int] = {}  # (kind, id) → first slot holding it
    by_position: dict[int, set[int]] = defaultdict(set)  # a slot's position (the smallest of its mentions)
    by_name_key: dict[str, set[int]] = defaultdict(set)  # name keys of a slot's spellings
    position_of: list[int | None] = []
    by_family: dict[str, set[int]] = defaultdict(set)  # family-name keys of a slot's spellings
    multi_source = len({m.source for m in uniq}) > 1
    for m in uniq:
        target: int | None = None
        strong = m.strong()
        hits = [by_strong[(k, v)] for k, v in strong.items() if (k, v) in by_strong]
        if hits:
            target = min(hits)
        if target is None:
            nk = name_key(m.name)
            cands = set(by_name_key.get(nk, ()))
            if m.position is not None:
                cands |= by_position.get(m.position, set())
            for i in sorted(cands):
                s = slots[i]
                if s.conflicts(m):
                    continue
                if m.position is not None and s.position == m.position and given_compatible(m.name, s.name):
                    target = i
                    break
                if nk in {name_key(x) for x in s.names}:
                    target = i
                    break
        if target is None and m.position is None:
            compatible = [
                i for i, s in enumerate(slots) if not s.conflicts(m) and given_compatible(m.name, s.name)
            ]
            if len(compatible) == 1:
                target = compatible[0]
        if target is None and not strong and multi_source:
            # A name-only mention from another record of the same paper (a preprint's listing beside the
            # published article) whose position and spelling differ ("Jane Doe" 3rd of 4 vs "Jane Q. Doe" 2nd of
            # 3): it joins the one slot its name fits that no mention of its own source holds yet.
            compatible = [
                i
                for i in sorted(by_family.get(name_key(m.name).split("|", 1)[0], ()))
                if given_compatible(m.name, slots[i].name)
                and all(x.source != m.source for x in slots[i].mentions)
            ]
            if len(compatible) == 1:
                target = compatible[0]
        if target is None:
            slots.append(Slot(work_id=work_id))
            position_of.append(None)
            target = len(slots) - 1
        slot = slots[target]
        slot.mentions.append(m)
        for k, v in strong.items():
            by_strong.setdefault((k, v), target)
        by_name_key[name_key(m.name)].add(target)
        by_family[name_key(m.name).split("|", 1)[0]].add(target)
        pos = slot.position
        if pos != position_of[target]:
            if position_of[target] is not None:
                by_position[position_of[target]].discard(target)  # type: ignore[index]
            if pos is not None:
                by_position[pos].add(target)
            position_of[target] = pos
    seen_keys: dict[str, int] = {}
    for s in slots:
        k = s.key
        n = seen_keys.get(k, 0) + 1
        seen_keys[k] = n
        if n > 1:
            s.suffix = f"@{n}"
    return slots
