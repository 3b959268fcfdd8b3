"""Identity resolution, pure code: one Work per paper and one Researcher per person, decided before the store writes.

Everything here is a function of the SET of things seen (records, ids, authorship mentions, curation decisions),
never of the order they arrived in, so two load orders give the same graph:

- Works are grouped by shared DOI / arXiv id / OpenAlex id, then by normalised title with a year tolerance of ±1
  (unless two DOIs or two arXiv ids disagree). A node's id is the best id over every id ever seen for it.
- A property is won by the highest-ranked source; ties go to the richer, then the larger value (a max, which is
  order-independent). Aggregates (categories, upvotes, counts, flags) are unions / maxima / conjunctions.
- Authorship mentions (one author as one source lists them on one work) are unified into author *slots* per work;
  slots of the same blocking key (kg.normalize.block_key) are clustered: hard links on shared strong ids, curated
  SAME_AS links, then evidence links (shared co-authors, institutions, topics, venue) at or above LINK_THRESHOLD,
  applied strongest first with a deterministic tie order, never joining two ORCIDs / two OpenAlex ids / two
  profiles / two source ids (the CSV bundle's author_id, scoped to its source: "csv:<author_id>"), two authors
  of one paper, or two sides of a curated NOT_SAME_AS. One source id joins its mentions in a block whatever
  their spellings, and a person known only by one is the researcher "csv:<author_id>".
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import lru_cache
from itertools import combinations
from typing import Any

from kg import normalize as _norm
from kg.models import AuthorRef, WorkRecord
from kg.normalize import (
    normalize_arxiv,
    normalize_doi,
    normalize_openalex,
    normalize_orcid,
    short_hash,
    title_key,
)

# The same few thousand names are normalised millions of times while clustering: remember the answers.
split_name = lru_cache(maxsize=20_000)(_norm.split_name)
name_key = lru_cache(maxsize=20_000)(_norm.name_key)
block_key = lru_cache(maxsize=20_000)(_norm.block_key)
given_compatible = lru_cache(maxsize=50_000)(_norm.given_compatible)

# Which source wins a property: API records over bring-your-own CSV over profile pages over listings.
SOURCE_RANK: dict[str, int] = {
    "openalex": 6,
    "arxiv": 5,
    "arxiv-metadata": 5,
    "csv": 4,
    "profile": 3,
    "arxiv-listing": 2,
    "daily-papers": 1,
}

# Typed work id priority: the node id is the best id by this order (then the smallest string).
_WORK_ID_PRIORITY = {"doi": 0, "arxiv": 1, "openalex": 2, "title": 3}
_RESEARCHER_ID_PRIORITY = {"orcid": 0, "openalex": 1, "profile": 2}

# Evidence weights between two compatible-name author slots on different works; a link needs LINK_THRESHOLD.
# One shared co-author is enough (names of people who write together recur); topics or a venue alone are not.
LINK_THRESHOLD = 1.0
# Co-authors are identity evidence on works with at most this many authors: on a 1,000-author collaboration,
# sharing a co-author says little about who is who, and reading every such list would dominate the load.
IDENTITY_COAUTHOR_CAP = 50
W_COAUTHOR = 1.0  # per shared co-author (blocking key of the co-author's name), at most 2 counted
W_INSTITUTION = 0.8  # per shared institution, at most 1 counted
W_TOPIC = 0.3  # per shared topic or arXiv category, at most 2 counted
W_VENUE = 0.3
W_YEARS = 0.1  # publication years within 3 of each other, only on top of other evidence
W_FULL_NAME = 0.4  # the same spelled-out given name(s) (not just an initial), only on top of other evidence


def rank(source: str | None) -> int:
    return SOURCE_RANK.get(source or "", 0)


_REF_LINE = re.compile(r":\d+(?=#)")


def first_refs(refs: Iterable[str], n: int = 5) -> list[str]:
    """The first few provenance refs ("source:file:line#record") by source, file and record id, then line: the
    same order whatever line each record sat on, so a shuffled file keeps them in the same order."""
    return sorted(set(refs), key=lambda r: (_REF_LINE.sub("", r), r))[:n]


# ---- works -----------------------------------------------------------------------------------------------


def title_id(tkey: str) -> str:
    return f"title:{short_hash(tkey)}"


def work_typed_ids(rec: WorkRecord) -> list[str]:
    """Every id the record carries, typed ("doi:…", "arxiv:…", "openalex:W…", "title:<hash>"), sorted."""
    out: set[str] = set()
    doi = normalize_doi(rec.ids.doi)
    if doi:
        out.add(f"doi:{doi}")
    arx = normalize_arxiv(rec.ids.arxiv)
    if arx:
        out.add(f"arxiv:{arx}")
    oa = normalize_openalex(rec.ids.openalex, "W")
    if oa:
        out.add(f"openalex:{oa}")
    tk = title_key(rec.title)
    if tk:
        out.add(title_id(tk))
    return sorted(out)


def best_id(ids: Iterable[str], priority: dict[str, int] = _WORK_ID_PRIORITY) -> str:
    """The best typed id: by priority of its type, then the smallest string (so it is the same in any order)."""
    ranked = sorted(ids, key=lambda i: (priority.get(i.split(":", 1)[0], 99), i))
    if not ranked:
        raise ValueError("no id")
    return ranked[0]


def ids_of_type(ids: Iterable[str], kind: str) -> set[str]:
    return {i.split(":", 1)[1] for i in ids if i.startswith(kind + ":")}


@dataclass
class WorkItem:
    """One thing to group: an incoming record or an existing Work node."""

    ids: set[str]  # typed, including title ids
    title_key: str
    year: int | None
    # every (title key, year) of the records behind it: a Work merged from a preprint and its published version
    # keeps both titles and years, so what a later record is matched against does not depend on which won
    titles: frozenset[tuple[str, int | None]] = frozenset()

    def title_years(self) -> frozenset[tuple[str, int | None]]:
        return self.titles or (frozenset({(self.title_key, self.year)}) if self.title_key else frozenset())


def title_year_entry(tkey: str, year: int | None) -> str:
    """One entry of a Work's `title_years` list: "2021|graph learning at scale" ("|…" when the year is unknown)."""
    return f"{'' if year is None else year}|{tkey}"


def parse_title_years(entries: Iterable[str]) -> frozenset[tuple[str, int | None]]:
    out: set[tuple[str, int | None]] = set()
    for e in entries:
        y, _, tkey = e.partition("|")
        if tkey:
            out.add((tkey, int(y) if y else None))
    return frozenset(out)


_PAPER_ID_KINDS = ("doi", "arxiv")


def _ids_conflict(a: dict[str, set[str]], b: dict[str, set[str]]) -> bool:
    """Two different DOIs (or arXiv ids) are two papers, whatever their titles."""
    return any(a.get(k) and b.get(k) and not (a[k] & b[k]) for k in _PAPER_ID_KINDS)


def _title_gap(a: WorkItem, b: WorkItem) -> int | None:
    """How close two items come by title: the smallest year gap over a title both have within the tolerance (a
    short title needs the same year; an unknown year counts as 99), None if no title matches."""
    best: int | None = None
    for ka, ya in a.title_years():
        for kb, yb in b.title_years():
            if ka != kb:
                continue
            short = len(ka.split()) < 3
            if ya is None or yb is None:
                gap = None if short else 99  # "Introduction" with no year is not enough to join two records
            else:
                gap = abs(ya - yb) if abs(ya - yb) <= (0 if short else 1) else None
            if gap is not None and (best is None or gap < best):
                best = gap
    return best


def _paper_ids(it: WorkItem) -> dict[str, set[str]]:
    return {k: ids_of_type(it.ids, k) for k in _PAPER_ID_KINDS}


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def group_works(items: Sequence[WorkItem]) -> list[list[int]]:
    """Indices of items that are one paper: shared non-title id, or same title key within the year tolerance.

    A title joins two groups only if that does not put two DOIs (or arXiv ids) in one paper: a record without ids
    whose title fits two papers (a preprint, a conference and a journal version) joins one of them, never both.
    Title links are taken closest year first, then in the order of the items' ids, not of their position, so the
    grouping of a set of items does not depend on the order they came in."""
    uf = _UnionFind(len(items))
    by_id: dict[str, int] = {}
    by_title: dict[str, list[int]] = defaultdict(list)
    for i, it in enumerate(items):
        for x in it.ids:
            if x.startswith("title:"):
                continue
            if x in by_id:
                uf.union(by_id[x], i)
            else:
                by_id[x] = i
        for tkey in sorted({k for k, _ in it.title_years()}):
            by_title[tkey].append(i)
    paper_ids: dict[int, dict[str, set[str]]] = {}
    for i, it in enumerate(items):
        root = paper_ids.setdefault(uf.find(i), {k: set() for k in _PAPER_ID_KINDS})
        for k, v in _paper_ids(it).items():
            root[k] |= v
    rank = {
        i: (sorted(it.ids), sorted((k, -1 if y is None else y) for k, y in it.title_years()))
        for i, it in enumerate(items)
    }
    links: list[tuple[int, tuple[Any, ...], tuple[Any, ...], int, int]] = []
    seen: set[tuple[int, int]] = set()
    for members in by_title.values():
        for a, b in combinations(members, 2):
            if (a, b) in seen:
                continue
            seen.add((a, b))
            gap = _title_gap(items[a], items[b])
            if gap is not None and not _ids_conflict(_paper_ids(items[a]), _paper_ids(items[b])):
                lo, hi = sorted((rank[a], rank[b]))
                links.append((gap, lo, hi, a, b))
    links.sort(key=lambda t: t[:3])
    for _, _, _, a, b in links:
        ra, rb = uf.find(a), uf.find(b)
        if ra == rb or _ids_conflict(paper_ids[ra], paper_ids[rb]):
            continue
        uf.union(ra, rb)
        merged = paper_ids.pop(ra)
        other = paper_ids.pop(rb)
        paper_ids[uf.find(ra)] = {k: merged[k] | other[k] for k in _PAPER_ID_KINDS}
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(items)):
        groups[uf.find(i)].append(i)
    return [sorted(g) for g in sorted(groups.values())]


_RANKED_WORK_FIELDS = ("title", "abstract", "type", "venue", "language", "organisation", "score", "pdf_url")


def _value_key(value: Any) -> tuple[int, str]:
    """Tie-break between two values from equally ranked sources: the richer one, then the larger one."""
    if isinstance(value, str):
        return (len(value), value)
    return (0, json.dumps(value, sort_keys=True, default=str))


def _date_tuple(rec: WorkRecord) -> tuple[int | None, int | None, int | None]:
    return (rec.year, rec.month if rec.year or rec.month else None, rec.day if rec.month else None)


def _date_string(y: int | None, m: int | None, d: int | None) -> str | None:
    if y is None:
        return None
    if m is None:
        return f"{y:04d}"
    if d is None:
        return f"{y:04d}-{m:02d}"
    return f"{y:04d}-{m:02d}-{d:02d}"


def _tri(v: bool | None) -> int:
    return -1 if v is None else int(v)


def merge_work_props(existing: Sequence[dict[str, Any]], records: Sequence[WorkRecord]) -> dict[str, Any]:
    """The Work's properties from its existing node(s) and incoming records, independent of their order.

    `merge_state` (a JSON string on the node) remembers the rank of the source that won each ranked property,
    so a later lower-ranked record cannot overwrite it and a later higher-ranked one can.
    """
    cands: dict[str, list[tuple[int, Any]]] = defaultdict(list)
    ids: set[str] = set()
    sources: set[str] = set()
    refs: set[str] = set()
    categories: set[str] = set()
    references: set[str] = set()
    upvotes: list[int] = []
    cited_by: list[int] = []
    author_counts: list[int] = []
    truncated: list[bool] = []
    has_code: list[int] = []
    title_years: set[str] = set()

    for node in existing:
        if node.get("title_years"):
            title_years.update(node["title_years"])
        elif node.get("title_key"):
            title_years.add(title_year_entry(node["title_key"], node.get("year")))
        state = json.loads(node.get("merge_state") or "{}")
        for f in _RANKED_WORK_FIELDS:
            if node.get(f) is not None:
                cands[f].append((int(state.get(f, 0)), node[f]))
        if state.get("date_value"):
            cands["date_parts"].append((int(state.get("date_parts", 0)), tuple(state["date_value"])))
        ids.update(node.get("ids") or [])
        if node.get("id"):
            ids.add(node["id"])
        sources.update(node.get("sources") or [])
        refs.update(node.get("record_refs") or [])
        categories.update(node.get("categories") or [])
        references.update(node.get("references") or [])
        if node.get("upvotes") is not None:
            upvotes.append(int(node["upvotes"]))
        if node.get("cited_by_count") is not None:
            cited_by.append(int(node["cited_by_count"]))
        if node.get("author_count") is not None:
            author_counts.append(int(node["author_count"]))
        if node.get("authors_truncated") is not None:
            truncated.append(bool(node["authors_truncated"]))
        has_code.append(_tri(node.get("has_code")))

    for rec in records:
        if title_key(rec.title):
            title_years.add(title_year_entry(title_key(rec.title), rec.year))
        r = rank(rec.prov.source)
        for f in _RANKED_WORK_FIELDS:
            v = getattr(rec, f)
            if isinstance(v, str):
                v = v.strip() or None
            if v is not None:
                cands[f].append((r, v))
        dt = _date_tuple(rec)
        if any(x is not None for x in dt):
            cands["date_parts"].append((r, dt))
        ids.update(work_typed_ids(rec))
        sources.add(rec.prov.source)
        refs.add(f"{rec.prov.source}:{rec.prov.ref}")
        categories.update(c for c in rec.categories if c)
        references.update(x for x in (normalize_openalex(ref, "W") for ref in rec.references) if x)
        if rec.upvotes is not None:
            upvotes.append(rec.upvotes)
        if rec.cited_by_count is not None:
            cited_by.append(rec.cited_by_count)
        n = rec.author_count if rec.author_count is not None else len(rec.authors) or None
        if n is not None:
            author_counts.append(max(n, len(rec.authors)))
        truncated.append(rec.authors_truncated)
        has_code.append(_tri(rec.has_code))

    props: dict[str, Any] = {}
    won: dict[str, Any] = {}
    for f in _RANKED_WORK_FIELDS:
        if cands[f]:
            r, v = max(cands[f], key=lambda c: (c[0], _value_key(c[1])))
            props[f] = v
            won[f] = r
        else:
            props[f] = None
    if cands["date_parts"]:
        # A date with a year beats one without ("May 31" from a listing), then rank, then completeness.
        r, dt = max(
            cands["date_parts"],
            key=lambda c: (
                c[1][0] is not None,
                c[0],
                sum(x is not None for x in c[1]),
                _value_key(list(c[1])),
            ),
        )
        props["year"] = dt[0]
        props["date"] = _date_string(*dt)
        won["date_parts"] = r
        won["date_value"] = list(dt)
    else:
        props["year"] = None
        props["date"] = None
    props["title_key"] = title_key(props["title"]) if props["title"] else None
    props["title_years"] = sorted(title_years)
    props["ids"] = sorted(ids)
    for kind, prop in (("doi", "doi"), ("arxiv", "arxiv_id"), ("openalex", "openalex_id")):
        vals = sorted(ids_of_type(ids, kind))
        props[prop] = vals[0] if vals else None
    props["sources"] = sorted(sources)
    props["record_refs"] = first_refs(refs)  # the first few: a function of the set, bounded in size
    props["categories"] = sorted(categories)
    props["references"] = sorted(references)
    props["upvotes"] = max(upvotes) if upvotes else None
    # the highest count any source states (counts only grow; a source that saw fewer citations is older)
    props["cited_by_count"] = max(cited_by) if cited_by else None
    props["author_count"] = max(author_counts) if author_counts else None
    # Truncated only while every source showed a truncated list: one full list settles it.
    props["authors_truncated"] = all(truncated) if truncated else False
    hc = max(has_code) if has_code else -1
    props["has_code"] = None if hc < 0 else bool(hc)
    props["merge_state"] = json.dumps(won, sort_keys=True)
    props["id"] = best_id(ids)
    return props


# ---- authorship mentions and slots ----------------------------------------------------------------------


@dataclass(frozen=True)
class Mention:
    """One author as one source lists them on one work: the unit researcher identity is decided from."""

    source: str
    name: str
    position: int | None = None
    orcid: str | None = None
    openalex: str | None = None
    profile: str | None = None
    src_id: str | None = None  # the CSV bundle's author_id: a hard link between mentions, not a public id
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
            cached = json.dumps(d, sort_keys=True, ensure_ascii=False)
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
    from kg.normalize import fold, normalize_ror

    src = (getattr(ref, "source_id", None) or "").strip()
    ror = normalize_ror(getattr(ref, "ror", None)) or (normalize_ror(src) if "ror.org/" in src else None)
    if ror:
        return f"ror:{ror}"
    oa = normalize_openalex(getattr(ref, "openalex_id", None), "I") or (
        normalize_openalex(src, "I") if src[:1] in "Ii" else None
    )
    if oa:
        return f"openalex:{oa}"
    if src:
        # the CSV bundle's institution_id: the user's own key for the place, whatever its name is spelled
        return f"csv:{src}"
    name = getattr(ref, "name", None)
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
    return Mention(
        source=source,
        name=a.name.strip(),
        position=a.position,
        orcid=orcid,
        openalex=openalex,
        src_id=f"{csv_scope}{src_id}" if src_id and not (orcid or openalex) else None,
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
            best = max(self.mentions, key=lambda m: (_given_len(m.name), rank(m.source), m.name)).name
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


def _given_len(name: str) -> int:
    given, _ = split_name(name)
    return sum(len(g) for g in given)


def unify_mentions(work_id: str, mentions: Iterable[Mention]) -> list[Slot]:
    """Author slots of one work from every mention of it, in a fixed order so the result depends on the set only.

    A mention joins the first slot (in creation order) sharing one of its strong ids; failing that, the first slot
    it does not conflict with that has its position and a compatible name or a name with its name key; failing
    that, a position-less mention joins the one compatible slot if there is exactly one. The lookups go through
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
        if target is None:
            slots.append(Slot(work_id=work_id))
            position_of.append(None)
            target = len(slots) - 1
        slot = slots[target]
        slot.mentions.append(m)
        for k, v in strong.items():
            by_strong.setdefault((k, v), target)
        by_name_key[name_key(m.name)].add(target)
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


# ---- clustering -----------------------------------------------------------------------------------------


@dataclass
class SlotContext:
    """A slot with what its work says about it: the evidence clustering weighs."""

    slot: Slot
    work_ids: set[str]  # every id of the slot's work (curation anchors match on any of them)
    coauthors: dict[str, str]  # block key of each co-author → a display name
    topics: dict[str, str]  # topic id or category → a display label
    venue: str | None
    year: int | None

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


def _link_score(a: SlotContext, b: SlotContext) -> tuple[float, list[str]]:
    score = 0.0
    why: list[str] = []
    own_a, own_b = block_key(a.slot.name), block_key(b.slot.name)
    shared_co = sorted((set(a.coauthors) & set(b.coauthors)) - {own_a, own_b})[:2]
    for co in shared_co:
        score += W_COAUTHOR
        why.append(f"shares co-author {a.coauthors[co]} on {a.slot.work_id} and {b.slot.work_id}")
    shared_inst = sorted(set(a.slot.institutions) & set(b.slot.institutions))[:1]
    for inst in shared_inst:
        score += W_INSTITUTION
        why.append(f"same institution {inst} on {a.slot.work_id} and {b.slot.work_id}")
    shared_topics = sorted(set(a.topics) & set(b.topics))[:2]
    for t in shared_topics:
        score += W_TOPIC
        why.append(f"shares topic {a.topics[t]} on {a.slot.work_id} and {b.slot.work_id}")
    if a.venue and b.venue and a.venue.casefold() == b.venue.casefold():
        score += W_VENUE
        why.append(f"same venue {a.venue}")
    if score > 0 and _full_name_match(a.slot.name, b.slot.name):
        score += W_FULL_NAME
        why.append(f"same full name {a.slot.name}")
    if score > 0 and a.year and b.year and abs(a.year - b.year) <= 3:
        score += W_YEARS
        why.append(f"close years {min(a.year, b.year)}–{max(a.year, b.year)}")
    return round(score, 3), why


def _full_name_match(a: str, b: str) -> bool:
    given_a, _ = split_name(a)
    spelled = [g for g in given_a if len(g.strip(".")) > 1]
    return bool(spelled) and name_key(a) == name_key(b)


def _features(c: SlotContext) -> set[str]:
    f = (
        {f"co:{x}" for x in c.coauthors}
        | {f"t:{x}" for x in c.topics}
        | {f"i:{x}" for x in c.slot.institutions}
    )
    if c.venue:
        f.add(f"v:{c.venue.casefold()}")
    return f


_STRONG_KINDS = ("orcid", "openalex", "profile", "src")

# Candidate search in large blocks (kg.store): each researcher carries `identity_keys`, full-text tokens of the
# evidence its slots could link by (one per blocking key and feature) plus one token per kind of strong id it does
# NOT hold. A probe for an incoming slot asks the full-text index for researchers sharing any of its tokens and
# free of every kind of strong id the slot has (a different id of the same kind could never join it; the same id
# is looked up directly), so Lucene ranks by shared rare evidence and the store reads a bounded set of candidates.
FREE_TOKENS = {"orcid": "no_orcid", "openalex": "no_openalex", "profile": "no_profile", "src": "no_src"}
MAX_PROBE_TOKENS = 400  # Lucene's default limit is 1,024 clauses a query


@lru_cache(maxsize=200_000)
def feature_token(block: str, feature: str) -> str:
    return short_hash(f"{block}\x1f{feature}", 12)


def slot_tokens(c: SlotContext) -> list[str]:
    b = block_key(c.slot.name)
    return sorted({feature_token(b, f) for f in _features(c)})


def id_token(typed_id: str) -> str:
    """The identity_keys token of one strong id held by a researcher ("csv:p2", "orcid:0000-…")."""
    return "id_" + short_hash(f"id\x1f{typed_id}", 12)


def typed_strong_ids(strong: Mapping[str, Iterable[str]]) -> set[str]:
    """Strong ids by kind as one set of typed ids: a source's author id is typed already ("csv:p2")."""
    return {v if k == "src" else f"{k}:{v}" for k, vs in strong.items() for v in vs}


def identity_keys(members: Iterable[SlotContext], strong: dict[str, list[str]]) -> str:
    """The `identity_keys` string of a researcher: its slots' feature tokens, its strong-id kind tokens, and one
    token per strong id it holds (kg.store finds a researcher by any of them, not only by its own id)."""
    tokens = {t for c in members for t in slot_tokens(c)}
    tokens.update(tok for k, tok in FREE_TOKENS.items() if not strong.get(k))
    tokens.update(id_token(x) for x in typed_strong_ids(strong))
    return " ".join(sorted(tokens))


def probe_query(c: SlotContext) -> str | None:
    """The full-text query finding the researchers an incoming slot could join by evidence (None: no evidence)."""
    tokens = slot_tokens(c)[:MAX_PROBE_TOKENS]
    if not tokens:
        return None
    required = sorted(FREE_TOKENS[k] for k in _STRONG_KINDS if c.slot.strong(k))
    return "+(" + " ".join(tokens) + ")" + "".join(f" +{t}" for t in required)


def cluster_block(slots: Sequence[SlotContext], decisions: Sequence[Decision] = ()) -> list[Cluster]:
    """Researchers for the slots of one blocking key: a function of the set of slots and decisions."""
    order = sorted(slots, key=lambda c: (c.key, json.dumps(sorted(m.to_json() for m in c.slot.mentions))))
    n = len(order)
    parent = list(range(n))
    # per-root constraint state
    works: list[set[str]] = [{c.slot.work_id} for c in order]
    strong: list[dict[str, set[str]]] = [
        {k: set(c.slot.strong(k)) for k in _STRONG_KINDS if c.slot.strong(k)} for c in order
    ]
    sides: list[set[tuple[str, str]]] = [set() for _ in order]
    # every spelling in a component must fit every spelling in the other: "X. Song" may not bridge
    # "Xiang Song" and "Xin Song" into one person
    spellings: list[set[str]] = [set(c.slot.names) for c in order]
    curated: list[bool] = [False] * n
    evidence: list[list[str]] = [[] for _ in order]
    best_link: dict[int, float] = {}

    anchor_index: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(order):
        for a in c.anchors:
            anchor_index[a].append(i)
    for d in decisions:
        if d.kind != "NOT_SAME_AS":
            continue
        for side, anchors in (("a", d.anchors_a), ("b", d.anchors_b)):
            for a in anchors:
                for i in anchor_index.get(a, []):
                    sides[i].add((d.id, side))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def allowed(ra: int, rb: int, *, check_strong: bool, spelling: bool = True) -> bool:
        if works[ra] & works[rb]:
            return False  # two authors of one paper are two people
        if (
            check_strong
            and spelling
            and not all(given_compatible(x, y) for x in spellings[ra] for y in spellings[rb])
        ):
            return False
        for did, side in sides[ra]:
            if (did, "b" if side == "a" else "a") in sides[rb]:
                return False
        if check_strong:
            for k in ("orcid", "openalex", "profile", "src"):
                sa, sb = strong[ra].get(k), strong[rb].get(k)
                if sa and sb and not (sa & sb):
                    return False
        return True

    def union(ra: int, rb: int) -> None:
        lo, hi = min(ra, rb), max(ra, rb)
        parent[hi] = lo
        works[lo] |= works[hi]
        for k, v in strong[hi].items():
            strong[lo].setdefault(k, set()).update(v)
        sides[lo] |= sides[hi]
        spellings[lo] |= spellings[hi]
        curated[lo] = curated[lo] or curated[hi]
        evidence[lo].extend(evidence[hi])

    # 1. curated SAME_AS: override everything but a curated NOT_SAME_AS and the one-paper rule
    for d in sorted(decisions, key=lambda d: d.id):
        if d.kind != "SAME_AS":
            continue
        members = sorted({i for a in d.anchors_a | d.anchors_b for i in anchor_index.get(a, [])})
        if not members:
            continue
        for i in members[1:]:
            ra, rb = find(members[0]), find(i)
            if ra != rb and allowed(ra, rb, check_strong=False):
                union(ra, rb)
        root = find(members[0])
        curated[root] = True
        note = f"curated SAME_AS by {d.by or 'unknown'} at {d.at}"
        evidence[root].append(f"{note}: {d.why}" if d.why else note)
        if d.claim and d.claim.startswith("profile:"):
            strong[root].setdefault("profile", set()).add(d.claim.split(":", 1)[1])

    # 2. hard links: the same strong id (ORCID, OpenAlex author, profile, CSV author id)
    by_strong: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, c in enumerate(order):
        for k in _STRONG_KINDS:
            for v in sorted(c.slot.strong(k)):
                by_strong[(k, v)].append(i)
    for strong_key, members in sorted(by_strong.items()):
        for i in members[1:]:
            ra, rb = find(members[0]), find(i)
            # a source's own author id is the user's word that these mentions are one person, whatever the
            # spellings ("A. Lovelace", "Ada Lovelace"); it still never joins two different ids of any kind
            if ra != rb and allowed(ra, rb, check_strong=True, spelling=strong_key[0] != "src"):
                union(ra, rb)
        for i in members:
            best_link[i] = max(best_link.get(i, 0.0), 10.0)

    # 3. evidence links between compatible names on different works, strongest first
    feats = [_features(c) for c in order]
    inverted: dict[str, list[int]] = defaultdict(list)
    for i, fs in enumerate(feats):
        for f in fs:
            inverted[f].append(i)
    # Two slots already joined by a strong id or a curated decision, each with a strong id of its own, gain
    # nothing from a link (no union, and their confidence does not depend on links): skip the pair. This keeps a
    # prolific researcher's thousands of hard-linked slots from costing a quadratic number of link scores.
    roots = [find(i) for i in range(n)]
    fixed = [any(c.slot.strong(k) for k in _STRONG_KINDS) for c in order]
    pairs: set[tuple[int, int]] = set()
    for members in inverted.values():
        if len(members) > 200:
            continue  # a feature shared by hundreds of slots (a huge topic) carries no identity evidence
        for x, y in combinations(members, 2):
            if fixed[x] and fixed[y] and roots[x] == roots[y]:
                continue
            pairs.add((x, y))
    links: list[tuple[float, int, int, list[str]]] = []
    for x, y in pairs:
        ca, cb = order[x], order[y]
        if ca.slot.work_id == cb.slot.work_id or not given_compatible(ca.slot.name, cb.slot.name):
            continue
        score, why = _link_score(ca, cb)
        if score >= LINK_THRESHOLD:
            links.append((score, x, y, why))
    links.sort(key=lambda t: (-t[0], order[t[1]].key, order[t[2]].key))
    for score, x, y, why in links:
        rx, ry = find(x), find(y)
        if rx != ry:
            if not allowed(rx, ry, check_strong=True):
                continue
            union(rx, ry)
            evidence[find(x)].extend(why)
        best_link[x] = max(best_link.get(x, 0.0), score)
        best_link[y] = max(best_link.get(y, 0.0), score)

    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        groups[find(i)].append(i)
    clusters: list[Cluster] = []
    for root, members in groups.items():
        ctxs = [order[i] for i in members]
        st = {k: sorted(v) for k, v in strong[root].items()}
        name = _cluster_name(ctxs)
        cid, method = _cluster_id(ctxs, st, name)
        if curated[root]:
            method = "curated"
        slot_conf: dict[str, float] = {}
        for i in members:
            c = order[i]
            tier = strong_slot_confidence(c.slot)
            if tier == 1.0:
                conf = 1.0
            elif curated[root]:
                conf = 0.95
            elif tier is not None:
                conf = tier
            elif len(members) == 1:
                conf = 0.6  # alone: nothing ties it to anyone else, nothing splits it either
            else:
                conf = min(0.95, 0.55 + 0.15 * best_link.get(i, LINK_THRESHOLD))
            slot_conf[c.key] = round(conf, 3)
        ev = cluster_evidence(evidence[root], st)
        if len(members) == 1 and not ev:
            ev = [f"only mention: {ctxs[0].slot.name} on {ctxs[0].slot.work_id}"]
        conf = (
            1.0 if method in FLAT_CONFIDENCE_METHODS else round(sum(slot_conf.values()) / len(slot_conf), 3)
        )
        clusters.append(
            Cluster(
                id=cid,
                method=method,
                members=ctxs,
                confidence=conf,
                evidence=ev[:20],
                slot_confidence=slot_conf,
                strong=st,
                name=name,
            )
        )
    clusters.sort(key=lambda c: c.id)
    return clusters


STRONG_EVIDENCE_KINDS = ("orcid", "openalex", "profile")
# a cluster found by one of these is certain, whatever its slots: its confidence is 1.0, not their mean
FLAT_CONFIDENCE_METHODS = ("orcid", "openalex", "curated")


def strong_slot_confidence(slot: Slot) -> float | None:
    """How sure a slot's own strong ids make its researcher: ORCID or OpenAlex 1.0, a profile page 0.95, a source's
    author id 0.9; None for a weak slot (a name only), whose confidence depends on the links it has."""
    if slot.strong("orcid") or slot.strong("openalex"):
        return 1.0
    if slot.strong("profile"):
        return 0.95
    if slot.strong("src"):
        return 0.9
    return None


def weak_count(ctxs: Iterable[SlotContext]) -> int:
    """How many of these slots carry no strong id."""
    return sum(1 for c in ctxs if strong_slot_confidence(c.slot) is None)


def cluster_evidence(reasons: Iterable[str], strong: Mapping[str, Sequence[str]]) -> list[str]:
    """A cluster's evidence in its one canonical order: its strong ids (profile, openalex, orcid), then the
    link reasons sorted. The same members give the same list however they were clustered or appended."""
    ev = sorted(set(reasons))
    for k in STRONG_EVIDENCE_KINDS:
        for v in sorted(set(strong.get(k, []))):
            ev.insert(0, f"{k} {v}")
    return ev


def merged_evidence(entries: Iterable[str]) -> list[str]:
    """The evidence of a researcher of two or more slots from the evidence lists of its parts: their strong ids and
    link reasons in the canonical order, never an "only mention"."""
    strong: dict[str, list[str]] = defaultdict(list)
    reasons: list[str] = []
    for e in entries:
        kind, _, value = e.partition(" ")
        if kind in STRONG_EVIDENCE_KINDS and value:
            strong[kind].append(value)
        elif is_link_reason(e):
            reasons.append(e)
    return cluster_evidence(reasons, strong)


def is_link_reason(entry: str) -> bool:
    """An evidence entry that came from a link between two mentions (not a strong id, not an "only mention")."""
    head = entry.split(" ", 1)[0]
    return head not in STRONG_EVIDENCE_KINDS and not entry.startswith("only mention: ")


def _cluster_name(ctxs: Sequence[SlotContext]) -> str:
    profile_names = [m.name for c in ctxs for m in c.slot.mentions if m.profile]
    if profile_names:
        return min(profile_names)
    return name_from_counts(spelling_counts(ctxs))


def spelling_counts(ctxs: Iterable[SlotContext]) -> dict[str, int]:
    """How many of a researcher's slots go by each spelling (kept on the node as `name_counts`)."""
    counts: dict[str, int] = defaultdict(int)
    for c in ctxs:
        counts[c.slot.name] += 1
    return dict(counts)


def name_from_counts(counts: dict[str, int]) -> str:
    """The display name: the most used spelling; on a tie the fuller one, and "Ada Lovelace" over "Lovelace,
    Ada" (the display form, not the catalogue form)."""
    return max(counts, key=lambda n: (counts[n], _given_len(n), "," not in n, n))


def _cluster_id(ctxs: Sequence[SlotContext], st: dict[str, list[str]], name: str) -> tuple[str, str]:
    for kind in ("orcid", "openalex", "profile"):
        if st.get(kind):
            return f"{kind}:{st[kind][0]}", kind
    if st.get("src"):
        # a person known by a source's own id ("csv:<author_id>"): that id, already scoped to its source
        return st["src"][0], "source-id"
    smallest = min(c.key for c in ctxs)
    return f"name:{name_key(name)}:{short_hash(smallest, 8)}", "name-cluster"


def researcher_strong_id(orcid: str | None, openalex: str | None, profile: str | None) -> str | None:
    for kind, v in (("orcid", orcid), ("openalex", openalex), ("profile", profile)):
        if v:
            return f"{kind}:{v}"
    return None
