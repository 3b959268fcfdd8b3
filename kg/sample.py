"""How well a set of works ties researchers together, and the choice of a small real sample that does it best."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from kg.models import AuthorRef, WorkRecord
from kg.normalize import name_key, normalize_arxiv, normalize_doi, title_key

# A researcher whose page is worth opening: at least this many works and this many distinct co-authors.
WELL_CONNECTED_WORKS = 2
WELL_CONNECTED_COAUTHORS = 3


def researcher_key(author: AuthorRef) -> str:
    """Who an author is, as far as the record alone tells: ORCID, else OpenAlex id, else the name key.

    The graph's identity resolution may merge more (same name with shared evidence); this is the conservative
    reading, so a sample chosen with it is at least this well connected once loaded."""
    if author.orcid:
        return f"orcid:{author.orcid}"
    if author.openalex_id:
        return f"openalex:{author.openalex_id}"
    return f"name:{name_key(author.name)}"


def work_key(work: WorkRecord) -> str:
    """One paper however many files hold it: DOI, else arXiv id, else OpenAlex id, else the title key."""
    ids = work.ids
    if ids.doi:
        return f"doi:{normalize_doi(ids.doi) or ids.doi}"
    if ids.arxiv:
        return f"arxiv:{normalize_arxiv(ids.arxiv) or ids.arxiv}"
    if ids.openalex:
        return f"openalex:{ids.openalex}"
    return f"title:{title_key(work.title)}"


@dataclass(frozen=True)
class ResearcherStats:
    key: str
    name: str
    works: int
    coauthors: int

    @property
    def well_connected(self) -> bool:
        return self.works >= WELL_CONNECTED_WORKS and self.coauthors >= WELL_CONNECTED_COAUTHORS


@dataclass
class Component:
    """Researchers joined by co-authorship (through works of at most coauthor_cap authors), and their works."""

    works: list[str]
    researchers: list[str]
    well_connected: list[str]
    institutions: int
    topics: int
    bytes: int = 0

    def rank(self) -> tuple[int, int, int, str]:
        """Best first: most well-connected researchers, then most works, then most researchers; ties by key."""
        return (-len(self.well_connected), -len(self.works), -len(self.researchers), self.works[0])


@dataclass
class Connectivity:
    """What a set of works holds and how it ties together."""

    works: int
    researchers: dict[str, ResearcherStats]
    components: list[Component] = field(default_factory=list)

    @property
    def well_connected(self) -> list[ResearcherStats]:
        """Well-connected researchers, most co-authors first, then most works, then key."""
        out = [r for r in self.researchers.values() if r.well_connected]
        return sorted(out, key=lambda r: (-r.coauthors, -r.works, r.key))

    def summary(self) -> dict[str, object]:
        top = self.well_connected
        return {
            "works": self.works,
            "researchers": len(self.researchers),
            "well_connected_researchers": len(top),
            "components": len(self.components),
            "largest_component": {
                "works": len(self.components[0].works),
                "researchers": len(self.components[0].researchers),
                "well_connected": len(self.components[0].well_connected),
            }
            if self.components
            else None,
            "top_researchers": [
                {"key": r.key, "name": r.name, "works": r.works, "coauthors": r.coauthors} for r in top[:10]
            ],
        }


def unique_works(works: Iterable[WorkRecord]) -> dict[str, WorkRecord]:
    """One record per paper (the first seen, so callers pass works in a stable order)."""
    out: dict[str, WorkRecord] = {}
    for w in works:
        out.setdefault(work_key(w), w)
    return out


def measure(
    works: Mapping[str, WorkRecord], *, coauthor_cap: int, sizes: Mapping[str, int] | None = None
) -> Connectivity:
    """Works and distinct co-authors per researcher and the co-author components, best first. Works with more
    than coauthor_cap authors count as works but join nobody (as the COAUTHOR derivation treats them)."""
    by_researcher: dict[str, set[str]] = defaultdict(set)
    coauthors: dict[str, set[str]] = defaultdict(set)
    names: dict[str, str] = {}
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    authors_of: dict[str, list[str]] = {}
    for wk in sorted(works):
        keys = list(dict.fromkeys(researcher_key(a) for a in works[wk].authors))
        authors_of[wk] = keys
        for a in works[wk].authors:
            names.setdefault(researcher_key(a), a.name)
        for k in keys:
            by_researcher[k].add(wk)
            find(k)
        if len(keys) > coauthor_cap:
            continue
        for k in keys:
            coauthors[k].update(x for x in keys if x != k)
        for k in keys[1:]:
            ra, rb = find(keys[0]), find(k)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)

    stats = {
        k: ResearcherStats(k, names[k], len(by_researcher[k]), len(coauthors[k]))
        for k in sorted(by_researcher)
    }
    members: dict[str, list[str]] = defaultdict(list)
    for k in sorted(by_researcher):
        members[find(k)].append(k)
    comps: list[Component] = []
    for people in members.values():
        wks = sorted({w for p in people for w in by_researcher[p]})
        insts = {
            i.openalex_id or i.ror or i.name or ""
            for w in wks
            for a in works[w].authors
            if researcher_key(a) in people
            for i in a.institutions
        }
        comps.append(
            Component(
                works=wks,
                researchers=people,
                well_connected=[p for p in people if stats[p].well_connected],
                institutions=len(insts - {""}),
                topics=len({t.id for w in wks for t in works[w].topics}),
                bytes=sum((sizes or {}).get(w, 0) for w in wks),
            )
        )
    comps.sort(key=Component.rank)
    return Connectivity(works=len(works), researchers=stats, components=comps)


def choose(components: Sequence[Component], budget_bytes: int) -> list[Component]:
    """The best components that fit the byte budget together, in rank order; a component without a single
    well-connected researcher adds scattered records, not a page worth opening, and is never chosen. A component
    shares no work with another (a work joins its authors' components), except a big-team work that joins nobody:
    it counts in each of its authors' components, so the budget is conservative."""
    chosen: list[Component] = []
    used = 0
    for c in sorted(components, key=Component.rank):
        if not c.well_connected:
            break
        if used + c.bytes > budget_bytes:
            continue
        chosen.append(c)
        used += c.bytes
    return chosen
