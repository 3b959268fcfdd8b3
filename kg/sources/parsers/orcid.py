"""ORCID public API v3.0 responses: /person, /record, /works, /work (and bulk /works/…); search hits carry no data.

Works belong to the person whose record lists them: they come out as that person's ResearcherRecord, so they are
attached by ORCID iD. A /works response does not carry the person's name: the works wait for the /person (or
/record) of the same iD in the same input, or take the name ORCID gives as their source when the person added
them; works whose person stays unnamed are rejected at the end, with a line saying what to fetch.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from kg.models import (
    AuthorRef,
    InstitutionRef,
    Provenance,
    Record,
    Reject,
    ResearcherIds,
    ResearcherRecord,
    SourceName,
    WorkIds,
    WorkRecord,
)
from kg.normalize import normalize_arxiv, normalize_doi, normalize_orcid, normalize_ror
from kg.sources.parsers.base import Input, RecordError, check_year, detex, each_json_value, guarded, reject

SOURCE: SourceName = "orcid"
_ORCID_PATH = re.compile(
    r"^/?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])(?:/(person|works|work/\d+|record|activities))?$", re.I
)
_TYPES = {"journal-article": "article", "conference-paper": "article", "preprint": "preprint", "book": "book"}


def looks_like_orcid(text: str) -> bool:
    head = text[:20000]
    return bool(
        re.search(r'"(?:orcid-identifier|put-code|given-names|expanded-result|num-found)"\s*:', head)
        or re.search(r'"path"\s*:\s*"/?\d{4}-\d{4}-\d{4}-\d{3}[\dX]', head)
    )


def _value(d: Any) -> str | None:
    """ORCID wraps scalars as {"value": …}."""
    if isinstance(d, dict):
        d = d.get("value")
    if d is None:
        return None
    t = re.sub(r"\s+", " ", str(d)).strip()
    return t or None


def owner_of(obj: dict[str, Any]) -> tuple[str | None, str]:
    """The iD a response belongs to and what it is ("person", "works", "work", "record"), from its path."""
    m = _ORCID_PATH.match(str(obj.get("path") or ""))
    if not m:
        return None, ""
    kind = (m.group(2) or "record").split("/", 1)[0]
    return m.group(1).upper(), kind


def person_name(p: dict[str, Any]) -> tuple[str | None, list[str]]:
    """The name a person goes by (credit name, else given and family names) and their other names."""
    name = p.get("name") or {}
    given, family = _value(name.get("given-names")), _value(name.get("family-name"))
    full = " ".join(x for x in (given, family) if x) or None
    credit = _value(name.get("credit-name"))
    others = [_value(o.get("content")) for o in ((p.get("other-names") or {}).get("other-name") or [])]
    aliases = [x for x in [full if credit else None, *others] if x]
    return credit or full, aliases


def _bibtex_authors(citation: Any) -> list[str]:
    """Author names from a BibTeX citation's author field ("Last, First and …"), TeX accents undone."""
    if not isinstance(citation, dict) or str(citation.get("citation-type", "")).lower() != "bibtex":
        return []
    text = str(citation.get("citation-value") or "")
    m = re.search(r"\bauthor\s*=\s*", text, re.I)
    if not m:
        return []
    i = m.end()
    if i >= len(text) or text[i] not in '{"':
        return []
    close, depth, j = ("}" if text[i] == "{" else '"'), 0, i
    while j < len(text):  # the field's extent, braces balanced
        ch = text[j]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if (close == "}" and depth == 0 and j > i) or (close == '"' and ch == '"' and j > i):
            break
        j += 1
    field = detex(text[i + 1 : j])
    names = []
    for part in re.split(r"\s+and\s+", field):
        family, sep, given = part.partition(",")
        name = f"{given.strip()} {family.strip()}" if sep else part.strip()
        name = re.sub(r"\s+", " ", name).strip()
        if name and name.lower() != "others":
            names.append(name)
    return names


def _date(w: dict[str, Any]) -> tuple[int | None, int | None, int | None]:
    d = w.get("publication-date") or {}
    parts = []
    for k in ("year", "month", "day"):
        v = _value(d.get(k))
        parts.append(int(v) if v and v.isdigit() and int(v) > 0 else None)  # "00": month not given
    y, m, day = parts
    return y, (m if y else None), (day if y and m else None)


def _work_ids(w: dict[str, Any]) -> WorkIds:
    doi = arxiv = pmid = None
    for x in (w.get("external-ids") or {}).get("external-id") or []:
        if not isinstance(x, dict) or x.get("external-id-relationship") not in (None, "self"):
            continue  # "part-of" names the journal or book, not this work
        kind = str(x.get("external-id-type") or "").lower()
        value = _value(x.get("external-id-normalized")) or _value(x.get("external-id-value"))
        if kind == "doi":
            doi = doi or normalize_doi(value)
        elif kind == "arxiv":
            arxiv = arxiv or normalize_arxiv(value if value and ":" in value else f"arXiv:{value}")
        elif kind == "pmid" and value and value.isdigit():
            pmid = pmid or value
    return WorkIds(doi=doi, arxiv=arxiv, pmid=pmid)


def work(w: dict[str, Any], prov: Provenance) -> WorkRecord:
    """A work summary (from /works) or a full work (from /work): its contributors, or the authors of its BibTeX."""
    title = _value((w.get("title") or {}).get("title"))
    if not title:
        raise RecordError(f"work {w.get('put-code')} has no title")
    year, month, day = _date(w)
    authors: list[AuthorRef] = []
    contributors = (w.get("contributors") or {}).get("contributor") or []
    for c in contributors:
        name = _value(c.get("credit-name"))
        if not name:
            continue
        attrs = c.get("contributor-attributes") or {}
        if attrs.get("contributor-role") not in (None, "author", "AUTHOR"):
            continue
        orcid = normalize_orcid((c.get("contributor-orcid") or {}).get("path"))
        authors.append(AuthorRef(name=name, position=len(authors) + 1, orcid=orcid))
    if not authors:
        authors = [
            AuthorRef(name=n, position=i) for i, n in enumerate(_bibtex_authors(w.get("citation")), start=1)
        ]
    wtype = w.get("type")
    return WorkRecord(
        prov=prov.model_copy(update={"record_id": str(w.get("put-code") or "") or None}),
        title=title,
        abstract=_value(w.get("short-description")),
        type=_TYPES.get(wtype, wtype) if isinstance(wtype, str) else None,
        venue=_value(w.get("journal-title")),
        year=check_year(year),
        month=month,
        day=day,
        authors=authors,
        author_count=len(authors) or None,
        language=_value(w.get("language-code")),
        ids=_work_ids(w),
    )


def _employments(activities: dict[str, Any]) -> list[tuple[InstitutionRef, bool]]:
    """(institution, current) of each employment in an activities summary."""
    out = []
    for group in (activities.get("employments") or {}).get("affiliation-group") or []:
        for s in group.get("summaries") or []:
            e = s.get("employment-summary") or {}
            org = e.get("organization") or {}
            name = _value(org.get("name"))
            if not name:
                continue
            dis = org.get("disambiguated-organization") or {}
            ror = None
            if str(dis.get("disambiguation-source", "")).upper() == "ROR":
                ror = normalize_ror(dis.get("disambiguated-organization-identifier"))
            country = _value((org.get("address") or {}).get("country"))
            out.append((InstitutionRef(name=name, ror=ror, country_code=country), e.get("end-date") is None))
    return out


@dataclass
class _Pending:
    """Works of an iD waiting for the person's name: a fallback name and where they came from."""

    works: list[WorkRecord]
    line: int | None
    fallback: str | None = None


class Parser:
    """ORCID responses of one input: people come out at once, works once their person's name is known."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.names: dict[str, str] = {}
        self.pending: dict[str, _Pending] = {}

    def _person(
        self, orcid: str, p: dict[str, Any], line: int | None, activities: dict[str, Any] | None = None
    ) -> ResearcherRecord:
        name, aliases = person_name(p)
        if not name:
            raise RecordError(f"person {orcid} has no public name")
        jobs = _employments(activities or {})
        current = [i for i, cur in jobs if cur]
        return ResearcherRecord(
            prov=Provenance(source=SOURCE, file=self.file, line=line, record_id=orcid),
            name=name,
            aliases=sorted({a for a in aliases if a != name}),
            affiliation=current[0].name if current else None,
            affiliation_status="known" if current else "unknown",
            institutions=[i for i, _ in jobs],
            ids=ResearcherIds(orcid=orcid),
        )

    def _owned_works(
        self, orcid: str, line: int | None, raw: str, works: list[Any]
    ) -> Iterator[Record | Reject]:
        """Queue works for their person; flushed now if the name is known."""
        pend = self.pending.setdefault(orcid, _Pending([], line))
        for w in works:
            if not isinstance(w, dict):
                continue
            source = w.get("source") or {}
            if normalize_orcid((source.get("source-orcid") or {}).get("path")) == orcid:
                pend.fallback = pend.fallback or _value(source.get("source-name"))
            prov = Provenance(source=SOURCE, file=self.file, line=line)
            build: Callable[[], WorkRecord] = partial(work, w, prov)
            rec = guarded(build, self.file, line=line, raw=raw)
            if isinstance(rec, Reject):
                yield rec
            else:
                pend.works.append(rec)
        if orcid in self.names:
            yield from self._flush(orcid, self.names[orcid])

    def _flush(self, orcid: str, name: str) -> Iterator[Record]:
        pend = self.pending.pop(orcid, None)
        if pend and pend.works:
            yield ResearcherRecord(
                prov=Provenance(source=SOURCE, file=self.file, line=pend.line, record_id=orcid),
                name=name,
                ids=ResearcherIds(orcid=orcid),
                works=pend.works,
            )

    def response(
        self, obj: Any, line: int | None, raw: str, uri: str | None = None
    ) -> Iterator[Record | Reject]:
        if not isinstance(obj, dict):
            yield reject(self.file, "not an ORCID response (a JSON object was expected)", line=line, raw=raw)
            return
        if "response-code" in obj or "error-code" in obj:
            msg = obj.get("developer-message") or obj.get("user-message") or obj.get("error-code")
            yield reject(
                self.file, f"ORCID API error {obj.get('response-code', '')}: {msg}", line=line, raw=raw
            )
            return
        if isinstance(obj.get("bulk"), list):  # /works/{put-code,…}: full works, each with its own path
            for item in obj["bulk"]:
                if isinstance(item, dict) and isinstance(item.get("work"), dict):
                    yield from self.response(item["work"], line, raw, uri)
                elif isinstance(item, dict) and isinstance(item.get("error"), dict):
                    yield from self.response(item["error"], line, raw, uri)
            return
        if isinstance(obj.get("expanded-result"), list):
            yield from self._expanded_search(obj["expanded-result"], line, raw)
            return
        if "result" in obj or "num-found" in obj:
            return  # search hits are bare iDs: nothing to load (kg harvest orcid fetches each person)
        orcid, kind = owner_of(obj)
        if orcid is None and uri:
            orcid, kind = owner_of({"path": re.sub(r"^.*?/v3\.0", "", uri.split("?", 1)[0])})
        if orcid is None:
            yield reject(self.file, "not an ORCID response (no ORCID iD in its path)", line=line, raw=raw)
            return
        if kind in ("person", "record"):
            person = obj.get("person") if kind == "record" else obj
            acts = obj.get("activities-summary") if kind == "record" else None
            build: Callable[[], ResearcherRecord] = partial(self._person, orcid, person or {}, line, acts)
            rec = guarded(build, self.file, line=line, raw=raw)
            yield rec
            if isinstance(rec, ResearcherRecord):
                self.names[orcid] = rec.name
                if acts:
                    yield from self._owned_works(orcid, line, raw, _summaries(acts.get("works") or {}))
                yield from self._flush(orcid, rec.name)
        elif kind == "works":
            yield from self._owned_works(orcid, line, raw, _summaries(obj))
        elif kind == "work":
            yield from self._owned_works(orcid, line, raw, [obj])

    def _expanded_search(self, hits: list[Any], line: int | None, raw: str) -> Iterator[Record | Reject]:
        for h in hits:
            if not isinstance(h, dict):
                continue
            orcid = normalize_orcid(h.get("orcid-id"))
            given = " ".join(x for x in (h.get("given-names"), h.get("family-names")) if x) or None
            name = h.get("credit-name") or given
            if not orcid or not name:
                continue
            insts = [InstitutionRef(name=n) for n in h.get("institution-name") or [] if n]
            self.names.setdefault(orcid, name)
            yield ResearcherRecord(
                prov=Provenance(source=SOURCE, file=self.file, line=line, record_id=orcid),
                name=name,
                aliases=sorted({x for x in [given, *(h.get("other-name") or [])] if x and x != name}),
                institutions=insts,
                ids=ResearcherIds(orcid=orcid),
            )

    def finish(self) -> Iterator[Record | Reject]:
        """Works still waiting: named by the person's own source entry, or rejected."""
        for orcid in sorted(self.pending):
            pend = self.pending[orcid]
            if not pend.works:
                continue
            if pend.fallback:
                yield from self._flush(orcid, pend.fallback)
                continue
            yield reject(
                self.file,
                f"{len(pend.works)} work(s) of ORCID {orcid} without the person's name: load its /person "
                "response with them (kg harvest orcid fetches both)",
                line=pend.line,
            )
        self.pending.clear()


def _summaries(works: dict[str, Any]) -> list[dict[str, Any]]:
    """One summary per work group: the one ORCID shows first (highest display index), group ids added."""
    out = []
    for g in works.get("group") or []:
        summaries = [s for s in g.get("work-summary") or [] if isinstance(s, dict)]
        if not summaries:
            continue
        best = max(
            summaries,
            key=lambda s: (
                int(str(s.get("display-index") or 0)) if str(s.get("display-index") or 0).isdigit() else 0
            ),
        )
        group_ids = (g.get("external-ids") or {}).get("external-id") or []
        own_ids = (best.get("external-ids") or {}).get("external-id") or []
        out.append({**best, "external-ids": {"external-id": [*own_ids, *group_ids]}})
    return out


def parse(inp: Input) -> Iterator[Record | Reject]:
    """A file of ORCID responses: JSON Lines or one JSON document."""
    parser = Parser(inp.name)
    yield from each_json_value(inp, parser.response)
    yield from parser.finish()
