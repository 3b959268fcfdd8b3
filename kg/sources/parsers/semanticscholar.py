"""Semantic Scholar Graph API responses: papers (with their citations and references), authors, batches and pages."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any
from urllib.parse import unquote, urlsplit

from kg.identity import title_id
from kg.models import (
    AuthorRef,
    InstitutionRef,
    Provenance,
    Record,
    Reject,
    ReportedCounts,
    ResearcherIds,
    ResearcherRecord,
    SourceName,
    WorkIds,
    WorkRecord,
)
from kg.normalize import (
    normalize_arxiv,
    normalize_doi,
    normalize_mag,
    normalize_orcid,
    normalize_s2_paper,
    title_key,
)
from kg.sources.parsers.base import Input, RecordError, check_year, each_json_value, guarded, reject

SOURCE: SourceName = "semanticscholar"

# publicationTypes → the work types the graph uses elsewhere (OpenAlex's words)
_TYPES = {
    "JournalArticle": "article",
    "Conference": "article",
    "Review": "review",
    "Book": "book",
    "BookSection": "book-chapter",
    "Dataset": "dataset",
    "Editorial": "editorial",
    "LettersAndComments": "letter",
    "News": "news",
}


def looks_like_s2(text: str) -> bool:
    return bool(re.search(r'"(?:paperId|authorId)"\s*:', text[:20000]))


def _clean(text: Any) -> str | None:
    if not isinstance(text, str):
        return None
    t = re.sub(r"\s+", " ", text).strip()
    return t or None


def paper_ids(p: dict[str, Any]) -> WorkIds:
    ext = p.get("externalIds") or {}
    return WorkIds(
        s2=normalize_s2_paper(p.get("paperId")),
        doi=normalize_doi(ext.get("DOI")),
        arxiv=normalize_arxiv(ext.get("ArXiv")),
        mag=normalize_mag(ext.get("MAG")),
        pmid=str(ext["PubMed"]) if ext.get("PubMed") else None,
    )


def typed_ids(p: dict[str, Any]) -> list[str]:
    """Every typed id a paper object carries; a paper known by its title only is named by its title id."""
    ids = paper_ids(p)
    out = [
        f"{k}:{v}" for k, v in (("s2", ids.s2), ("doi", ids.doi), ("arxiv", ids.arxiv), ("mag", ids.mag)) if v
    ]
    if not out:
        tk = title_key(_clean(p.get("title")) or "")
        if tk:
            out.append(title_id(tk))
    return out


def _date(p: dict[str, Any]) -> tuple[int | None, int | None, int | None]:
    year = p.get("year") if isinstance(p.get("year"), int) else None
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})", str(p.get("publicationDate") or ""))
    if m and (year is None or int(m.group(1)) == year):
        return int(m.group(1)), int(m.group(2)), int(m.group(3))
    return year, None, None


def paper(p: dict[str, Any], prov: Provenance, references: list[str] | None = None) -> WorkRecord:
    title = _clean(p.get("title"))
    if not title:
        raise RecordError(
            f"paper {p.get('paperId') or '?'} has no title (the response was fetched without the title field)"
        )
    year, month, day = _date(p)
    authors = []
    raw_authors = p.get("authors")
    for i, a in enumerate(raw_authors or [], start=1):
        name = _clean((a or {}).get("name"))
        if not name:
            raise RecordError(f"author {i} has no name")
        authors.append(
            AuthorRef(name=name, position=i, s2_id=str(a["authorId"]) if a.get("authorId") else None)
        )
    journal = p.get("journal") or {}
    venue = (
        _clean(journal.get("name"))
        or _clean(p.get("venue"))
        or _clean((p.get("publicationVenue") or {}).get("name"))
    )
    types = [t for t in p.get("publicationTypes") or [] if isinstance(t, str)]
    wtype = _TYPES.get(types[0], types[0].lower()) if types else None
    ids = paper_ids(p)
    if wtype is None and ids.arxiv and not journal.get("name"):
        wtype = "preprint"
    refs = list(references or [])
    for r in p.get("references") or []:
        if isinstance(r, dict):
            refs.extend(typed_ids(r.get("citedPaper") or r))
    return WorkRecord(
        prov=prov.model_copy(update={"record_id": ids.s2 or prov.record_id}),
        title=title,
        abstract=_clean(p.get("abstract")),
        type=wtype,
        venue=venue,
        year=check_year(year),
        month=month,
        day=day,
        authors=authors,
        author_count=len(authors) if raw_authors is not None else None,
        ids=ids,
        references=list(dict.fromkeys(refs)),
    )


def author(a: dict[str, Any], prov: Provenance, works: list[WorkRecord]) -> ResearcherRecord:
    name = _clean(a.get("name"))
    if not name:
        raise RecordError(f"author {a.get('authorId') or '?'} has no name")
    ext = a.get("externalIds") or {}
    affs = [x for x in (_clean(s) for s in a.get("affiliations") or []) if x]
    aliases = [x for x in (_clean(s) for s in a.get("aliases") or []) if x and x != name]
    return ResearcherRecord(
        prov=prov.model_copy(update={"record_id": str(a.get("authorId") or "") or None}),
        name=name,
        aliases=sorted(set(aliases)),
        affiliation=affs[0] if affs else None,
        affiliation_status="known" if affs else "unknown",
        institutions=[InstitutionRef(name=x) for x in affs],
        reported=ReportedCounts(works=a.get("paperCount") if isinstance(a.get("paperCount"), int) else None),
        ids=ResearcherIds(
            s2=str(a["authorId"]) if a.get("authorId") else None,
            orcid=normalize_orcid(ext.get("ORCID") if isinstance(ext.get("ORCID"), str) else None),
        ),
        works=works,
    )


def _is_paper(obj: Any) -> bool:
    return isinstance(obj, dict) and "paperId" in obj


def _is_author(obj: Any) -> bool:
    return isinstance(obj, dict) and "authorId" in obj and "paperId" not in obj


def _context(uri: str | None) -> tuple[str | None, list[str]]:
    """From a request URI: which list a page is ("citations", "references", "papers") and the typed ids of the
    paper it belongs to (a paperId, "DOI:…", "ARXIV:…", "MAG:…" or a bare DOI in the path)."""
    if not uri:
        return None, []
    path = unquote(urlsplit(uri).path)
    m = re.search(r"/paper/(.+)/(citations|references|authors)$", path)
    if m:
        key, kind = m.group(1), m.group(2)
        prefix, _, rest = key.partition(":")
        p = prefix.upper()
        if p == "DOI":
            ids = [f"doi:{normalize_doi(rest)}"] if normalize_doi(rest) else []
        elif p == "ARXIV":
            ids = [f"arxiv:{normalize_arxiv(rest)}"] if normalize_arxiv(rest) else []
        elif p == "MAG":
            ids = [f"mag:{normalize_mag(rest)}"] if normalize_mag(rest) else []
        elif normalize_s2_paper(key):
            ids = [f"s2:{normalize_s2_paper(key)}"]
        else:
            ids = [f"doi:{normalize_doi(key)}"] if normalize_doi(key) else []
        return kind, ids
    if re.search(r"/author/[^/]+/papers$", path):
        return "papers", []
    return None, []


class Parser:
    """Turns decoded responses into records; one per input, so nested lists keep their file and line."""

    def __init__(self, file: str) -> None:
        self.file = file

    def _prov(self, line: int | None) -> Provenance:
        return Provenance(source=SOURCE, file=self.file, line=line)

    def _paper(
        self, p: dict[str, Any], line: int | None, raw: str, references: list[str] | None = None
    ) -> WorkRecord | Reject:
        build: Callable[[], WorkRecord] = partial(paper, p, self._prov(line), references)
        return guarded(build, self.file, line=line, raw=raw)

    def _paper_with_lists(self, p: dict[str, Any], line: int | None, raw: str) -> Iterator[Record | Reject]:
        """A paper; its nested references and citations as works of their own, each citing paper citing it."""
        yield self._paper(p, line, raw)
        own = typed_ids(p)
        for r in p.get("references") or []:
            if isinstance(r, dict):
                yield self._paper(r.get("citedPaper") or r, line, raw)
        for c in p.get("citations") or []:
            if isinstance(c, dict):
                yield self._paper(c.get("citingPaper") or c, line, raw, references=own)

    def response(
        self, obj: Any, line: int | None, raw: str, uri: str | None = None
    ) -> Iterator[Record | Reject]:
        """Records of one response body (a paper, an author, a batch list or a {data: […]} page)."""
        if isinstance(obj, list):  # /paper/batch, /author/batch: null for an id not found
            for item in obj:
                if isinstance(
                    item, dict
                ):  # (a list of anything else, e.g. dataset releases, holds no papers)
                    yield from self.response(item, line, raw, uri)
            return
        if not isinstance(obj, dict):
            yield reject(
                self.file, "not a Semantic Scholar response (a JSON object was expected)", line=line, raw=raw
            )
            return
        if _is_paper(obj):
            yield from self._paper_with_lists(obj, line, raw)
            return
        if _is_author(obj):
            yield from self._author(obj, line, raw)
            return
        if isinstance(obj.get("data"), list) or isinstance(obj.get("recommendedPapers"), list):
            kind, focal = _context(uri)
            for item in obj.get("data") or obj.get("recommendedPapers") or []:
                if not isinstance(item, dict):
                    continue
                if "citingPaper" in item:
                    yield self._paper(item["citingPaper"], line, raw, references=focal)
                elif "citedPaper" in item:
                    rec = self._paper(item["citedPaper"], line, raw)
                    yield rec
                    # the citing side is only known by id here: the edge comes when the focal paper is loaded
                else:
                    yield from self.response(item, line, raw, uri if kind else None)
            return
        message = obj.get("error") or obj.get("message")
        if isinstance(message, str):
            yield reject(self.file, f"Semantic Scholar API error: {message}", line=line, raw=raw)
        # anything else (dataset releases, empty search pages) carries no papers or authors

    def _author(self, a: dict[str, Any], line: int | None, raw: str) -> Iterator[Record | Reject]:
        """An author; papers that list their authors are works of their own, the others are the author's works."""
        own: list[WorkRecord] = []
        for p in a.get("papers") or []:
            if not isinstance(p, dict):
                continue
            rec = self._paper(p, line, raw)
            if isinstance(rec, WorkRecord) and not rec.authors:
                own.append(rec)
            else:
                yield rec
        build: Callable[[], ResearcherRecord] = partial(author, a, self._prov(line), own)
        yield guarded(build, self.file, line=line, raw=raw)


def parse(inp: Input) -> Iterator[Record | Reject]:
    """A file of Semantic Scholar responses: JSON Lines or one JSON document (a paper, an author, a batch list)."""
    yield from each_json_value(inp, Parser(inp.name).response)
