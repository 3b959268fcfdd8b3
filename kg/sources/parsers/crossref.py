"""Crossref REST API works: `work` messages, `work-list` pages and bare work objects, as JSON Lines or documents."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from kg.models import AuthorRef, InstitutionRef, Provenance, Record, Reject, SourceName, WorkIds, WorkRecord
from kg.normalize import normalize_arxiv, normalize_doi, normalize_orcid, normalize_ror
from kg.sources.parsers.base import Input, RecordError, check_year, each_json_value, guarded, reject

SOURCE: SourceName = "crossref"

# Crossref's types → the work types the graph uses elsewhere (OpenAlex's words); others are kept as they are
_TYPES = {
    "journal-article": "article",
    "proceedings-article": "article",
    "posted-content": "preprint",
    "book-chapter": "book-chapter",
    "reference-entry": "reference-entry",
    "dissertation": "dissertation",
    "dataset": "dataset",
}
_DATE_FIELDS = ("issued", "published", "published-print", "published-online", "posted")


def looks_like_crossref(text: str) -> bool:
    head = text[:20000]
    if re.search(r'"message-type"\s*:\s*"work(?:-list)?"', head):
        return True
    return bool(re.search(r'"DOI"\s*:\s*"10\.', head)) and bool(
        re.search(r'"(?:prefix|member|container-title|reference-count|indexed)"\s*:|"title"\s*:\s*\[', head)
    )


def _text(value: Any) -> str | None:
    """Crossref titles and abstracts carry markup (<i>, <sub>, JATS <jats:p>) and entities: plain text out."""
    if not isinstance(value, str):
        return None
    t = re.sub(r"<(?:jats:)?title>\s*(?:Abstract|Summary)\s*</(?:jats:)?title>", " ", value, flags=re.I)
    t = html.unescape(re.sub(r"<[^>]+>", " ", t))
    t = re.sub(r"\s+", " ", t).strip()
    return t or None


def _first(values: Any) -> str | None:
    for v in values if isinstance(values, list) else [values]:
        t = _text(v)
        if t:
            return t
    return None


def _date(r: dict[str, Any]) -> tuple[int | None, int | None, int | None]:
    """The earliest publication date Crossref states (issued), else the first dated of the others."""
    for f in _DATE_FIELDS:
        parts = ((r.get(f) or {}).get("date-parts") or [[None]])[0] or [None]
        if parts and isinstance(parts[0], int):
            y = parts[0]
            m = parts[1] if len(parts) > 1 and isinstance(parts[1], int) else None
            d = parts[2] if len(parts) > 2 and isinstance(parts[2], int) and m else None
            return y, m, d
    return None, None, None


def _affiliation(a: dict[str, Any]) -> InstitutionRef | None:
    name = _text(a.get("name"))
    ror = None
    for x in a.get("id") or []:
        if isinstance(x, dict) and str(x.get("id-type", "")).upper() == "ROR":
            ror = normalize_ror(x.get("id"))
    if not (name or ror):
        return None
    return InstitutionRef(name=name, ror=ror)


def _author(a: dict[str, Any], position: int) -> AuthorRef | None:
    name = " ".join(x for x in (_text(a.get("given")), _text(a.get("family")), _text(a.get("suffix"))) if x)
    name = name or _text(a.get("name")) or ""  # an organisation as author has only "name"
    if not name:
        return None
    affs = [x for x in (_affiliation(f) for f in a.get("affiliation") or [] if isinstance(f, dict)) if x]
    return AuthorRef(
        name=name,
        position=position,
        orcid=normalize_orcid(a.get("ORCID")),
        institutions=affs,
        raw_affiliations=[x.name for x in affs if x.name],
    )


def work(r: dict[str, Any], prov: Provenance) -> WorkRecord:
    doi = normalize_doi(r.get("DOI"))
    if not doi:
        raise RecordError(f"DOI {r.get('DOI')!r} is not a DOI")
    title = _first(r.get("title"))
    if not title:
        raise RecordError(f"work {doi} has no title")
    year, month, day = _date(r)
    authors: list[AuthorRef] = []
    for a in r.get("author") or []:
        ref = _author(a, len(authors) + 1) if isinstance(a, dict) else None
        if ref is not None:  # an entry with no name at all names nobody
            authors.append(ref)
    refs = [
        f"doi:{d}"
        for d in (normalize_doi(x.get("DOI")) for x in r.get("reference") or [] if isinstance(x, dict))
        if d
    ]
    arxiv = (
        normalize_arxiv(doi.removeprefix("10.48550/arxiv.")) if doi.startswith("10.48550/arxiv.") else None
    )
    ctype = r.get("type")
    return WorkRecord(
        prov=prov.model_copy(update={"record_id": doi}),
        title=title,
        abstract=_text(r.get("abstract")),
        type=_TYPES.get(ctype, ctype) if isinstance(ctype, str) else None,
        venue=_first(r.get("container-title")),
        year=check_year(year),
        month=month,
        day=day,
        authors=authors,
        author_count=len(authors) if "author" in r else None,
        language=r.get("language") if isinstance(r.get("language"), str) else None,
        ids=WorkIds(doi=doi, arxiv=arxiv),
        references=list(dict.fromkeys(refs)),
    )


def response(obj: Any, file: str, line: int | None, raw: str) -> Iterator[Record | Reject]:
    """One decoded value: a {message-type: work | work-list} response, a bare work, or a list of either."""
    if isinstance(obj, list):
        for item in obj:
            yield from response(item, file, line, raw)
        return
    if not isinstance(obj, dict):
        yield reject(file, "not a Crossref record (a JSON object was expected)", line=line, raw=raw)
        return
    if "message-type" in obj or ("status" in obj and "message" in obj):
        kind, message = obj.get("message-type"), obj.get("message")
        if obj.get("status") not in (None, "ok"):
            yield reject(
                file, f"Crossref API error ({obj.get('status')}): {str(message)[:300]}", line=line, raw=raw
            )
        elif kind == "work" and isinstance(message, dict):
            yield from response(message, file, line, raw)
        elif kind == "work-list" and isinstance(message, dict):
            for item in message.get("items") or []:
                yield from response(item, file, line, raw)
        else:
            yield reject(file, f"not a Crossref work response (message-type {kind!r})", line=line, raw=raw)
        return
    if "DOI" not in obj:
        yield reject(file, "not a Crossref work (no DOI)", line=line, raw=raw)
        return
    prov = Provenance(source=SOURCE, file=file, line=line)
    build: Callable[[], WorkRecord] = partial(work, obj, prov)
    yield guarded(build, file, line=line, raw=raw)


def parse(inp: Input) -> Iterator[Record | Reject]:
    """JSON Lines (one work or page per line) streamed, or a pretty-printed document read whole."""
    yield from each_json_value(inp, lambda obj, line, raw: response(obj, inp.name, line, raw))
