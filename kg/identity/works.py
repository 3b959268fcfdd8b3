"""Work identity, pure code: which records are one paper (shared ids, title within a year), its best id, and its
properties merged from every record behind it whatever order they came in."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from kg.models import WorkRecord
from kg.normalize import WORK_ID_KINDS, short_hash, title_key, typed_work_ref

# Which source wins a property: API records over bring-your-own CSV over profile pages over listings.
SOURCE_RANK: dict[str, int] = {
    "openalex": 6,
    "crossref": 6,  # the publisher's own deposit: as good as OpenAlex for what it states
    "arxiv": 5,
    "arxiv-metadata": 5,
    "arxiv-abs": 5,
    "semanticscholar": 5,
    "csv": 4,
    "orcid": 4,  # a person's own list of works: summaries, often typed in by hand
    "profile": 3,
    "arxiv-listing": 2,
    "daily-papers": 1,
}

# Typed work id priority: the node id is the best id by this order (then the smallest string).
_WORK_ID_PRIORITY = {"doi": 0, "arxiv": 1, "openalex": 2, "s2": 3, "mag": 4, "title": 5}
_RESEARCHER_ID_PRIORITY = {"orcid": 0, "openalex": 1, "profile": 2}


def rank(source: str | None) -> int:
    return SOURCE_RANK.get(source or "", 0)


_REF_LINE = re.compile(r":\d+(?=#)")


def first_refs(refs: Iterable[str], n: int = 5) -> list[str]:
    """The first few provenance refs ("source:file:line#record") by source, file and record id, then line: the
    same order whatever line each record sat on, so a shuffled file keeps them in the same order."""
    return sorted(set(refs), key=lambda r: (_REF_LINE.sub("", r), r))[:n]


def title_id(tkey: str) -> str:
    return f"title:{short_hash(tkey)}"


def work_typed_ids(rec: WorkRecord) -> list[str]:
    """Every id the record carries, typed ("doi:…", "arxiv:…", "openalex:W…", "title:<hash>"), sorted."""
    ids = rec.ids
    given = ((kind, normalize(getattr(ids, kind))) for kind, normalize in WORK_ID_KINDS)
    out = {f"{kind}:{v}" for kind, v in given if v}
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


_PAPER_ID_KINDS = ("doi", "arxiv", "s2")


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


def merge_work_props(records: Sequence[WorkRecord]) -> dict[str, Any]:
    """The Work's properties from the records that describe it, independent of their order: each ranked property
    from the highest-ranked source that gives it (ties by value), sets unioned, counts maxed."""
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
        references.update(x for x in (typed_work_ref(ref) for ref in rec.references) if x)
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
    # (one candidate, as for every record staged alone, is its own best: the keys, which serialise values to
    # compare them, are computed only to choose between several)
    for f in _RANKED_WORK_FIELDS:
        if len(cands[f]) == 1:
            props[f] = cands[f][0][1]
        elif cands[f]:
            _r, v = max(cands[f], key=lambda c: (c[0], _value_key(c[1])))
            props[f] = v
        else:
            props[f] = None
    if cands["date_parts"]:
        # A date with a year beats one without ("May 31" from a listing), then rank, then completeness.
        _r, dt = (
            cands["date_parts"][0]
            if len(cands["date_parts"]) == 1
            else max(
                cands["date_parts"],
                key=lambda c: (
                    c[1][0] is not None,
                    c[0],
                    sum(x is not None for x in c[1]),
                    _value_key(list(c[1])),
                ),
            )
        )
        props["year"] = dt[0]
        props["date"] = _date_string(*dt)
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
    props["id"] = best_id(ids)
    return props


def one_work_props(rec: WorkRecord) -> dict[str, Any]:
    """merge_work_props([rec]): the properties of a Work of one record, with nothing to merge or choose between
    (the stage computes them for every record it stages; tests/test_stage_fast.py holds the two together)."""
    props: dict[str, Any] = {}
    for f in _RANKED_WORK_FIELDS:
        v = getattr(rec, f)
        if isinstance(v, str):
            v = v.strip() or None
        props[f] = v
    y, m, d = _date_tuple(rec)
    props["year"] = y
    props["date"] = _date_string(y, m, d)
    props["title_key"] = title_key(props["title"]) if props["title"] else None
    tk = title_key(rec.title)
    props["title_years"] = [title_year_entry(tk, rec.year)] if tk else []
    ids = work_typed_ids(rec)  # sorted, at most one id of each kind
    props["ids"] = ids
    for kind, prop in (("doi:", "doi"), ("arxiv:", "arxiv_id"), ("openalex:", "openalex_id")):
        props[prop] = next((i[len(kind) :] for i in ids if i.startswith(kind)), None)
    src = rec.prov.source
    props["sources"] = [src]
    props["record_refs"] = [f"{src}:{rec.prov.ref}"]
    props["categories"] = sorted({c for c in rec.categories if c})
    props["references"] = sorted({x for x in map(typed_work_ref, rec.references) if x})
    props["upvotes"] = rec.upvotes
    props["cited_by_count"] = rec.cited_by_count
    n = rec.author_count if rec.author_count is not None else len(rec.authors) or None
    props["author_count"] = None if n is None else max(n, len(rec.authors))
    props["authors_truncated"] = bool(rec.authors_truncated)
    props["has_code"] = rec.has_code
    props["id"] = best_id(ids)
    return props
