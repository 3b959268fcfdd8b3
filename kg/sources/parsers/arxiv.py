"""arXiv: Atom API feeds (an error entry is a reject, an empty feed zero records) and metadata-snapshot JSON Lines."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from functools import partial
from typing import Any

from kg.models import Provenance, Record, Reject, WorkIds, WorkRecord
from kg.normalize import normalize_arxiv, normalize_doi
from kg.sources.parsers.base import (
    Input,
    RecordError,
    as_year,
    author_ref,
    check_year,
    cut,
    decode_utf8,
    guarded,
    iter_json_lines,
    reject,
)

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"


def _clean(text: str | None) -> str | None:
    """arXiv hard-wraps titles and abstracts: white space collapsed to single spaces."""
    if text is None:
        return None
    t = re.sub(r"\s+", " ", text).strip()
    return t or None


def _entry_lines(text: str) -> list[int]:
    """The line of each <entry> in document order (ElementTree does not keep line numbers)."""
    return [text.count("\n", 0, m.start()) + 1 for m in re.finditer(r"<(?:\w+:)?entry[\s>]", text)]


def _atom_entry(e: ET.Element, prov: Provenance) -> WorkRecord:
    arxiv_id = normalize_arxiv(e.findtext(f"{ATOM}id"))
    if not arxiv_id:
        raise RecordError(f"entry id {e.findtext(f'{ATOM}id')!r} is not an arXiv id")
    title = _clean(e.findtext(f"{ATOM}title"))
    if not title:
        raise RecordError("the entry has no title")
    published = e.findtext(f"{ATOM}published") or ""
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", published)
    pc = e.find(f"{ARXIV}primary_category")
    primary = pc.get("term") if pc is not None else None
    cats = [c.get("term") or "" for c in e.findall(f"{ATOM}category")]
    categories = [c for c in dict.fromkeys([primary or "", *cats]) if c]
    authors = []
    for i, a in enumerate(e.findall(f"{ATOM}author"), start=1):
        name = _clean(a.findtext(f"{ATOM}name"))
        if not name:
            raise RecordError(f"author {i} has no name")
        affs = [x for x in (_clean(af.text) for af in a.findall(f"{ARXIV}affiliation")) if x]
        authors.append(author_ref(name=name, position=i, raw_affiliations=affs))
    return WorkRecord(
        prov=prov.model_copy(update={"record_id": arxiv_id}),
        title=title,
        abstract=_clean(e.findtext(f"{ATOM}summary")),
        type="preprint",
        venue=_clean(e.findtext(f"{ARXIV}journal_ref")),
        year=check_year(int(m.group(1))) if m else None,
        month=int(m.group(2)) if m else None,
        day=int(m.group(3)) if m else None,
        categories=categories,
        authors=authors,
        author_count=len(authors),
        ids=WorkIds(arxiv=arxiv_id, doi=normalize_doi(e.findtext(f"{ARXIV}doi"))),
    )


def parse_atom(inp: Input) -> Iterator[Record | Reject]:
    """An Atom feed page (API pages are bounded, so the page is read whole)."""
    yield from atom_records(inp.read_bytes(), inp.name)


def atom_records(data: bytes, file: str, at_line: int | None = None) -> Iterator[Record | Reject]:
    """The entries of one Atom feed. `at_line`: the feed is one line of a larger file (a recorded response), so
    every record and reject is named by that line instead of a line inside the feed."""
    text = decode_utf8(data, file)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as err:
        line = err.position[0] if getattr(err, "position", None) else None
        yield reject(file, f"not well-formed XML ({err})", line=at_line or line, raw=text)
        return
    if root.tag != f"{ATOM}feed":
        yield reject(
            file, f"not an Atom feed (root element {root.tag!r})", line=at_line or 1, raw=text[:2000]
        )
        return
    lines = _entry_lines(text)
    for k, e in enumerate(root.findall(f"{ATOM}entry")):
        line = at_line or (lines[k] if k < len(lines) else None)
        eid = e.findtext(f"{ATOM}id") or ""
        if "/api/errors" in eid or (e.findtext(f"{ATOM}title") or "").strip() == "Error":
            # the API reports a failed query as a feed with one "Error" entry whose summary is the message
            msg = _clean(e.findtext(f"{ATOM}summary")) or "unknown error"
            yield reject(file, f"arXiv API error: {msg}", line=line, raw=ET.tostring(e, encoding="unicode"))
            continue
        prov = Provenance(source="arxiv", file=file, line=line)
        yield guarded(partial(_atom_entry, e, prov), file, line=line, raw=eid)


_FOOTNOTE = re.compile(r"^[\d\s,;*†‡&]*(?:and[\d\s,;]*)*$")


def _metadata(r: dict[str, Any], prov: Provenance) -> WorkRecord:
    arxiv_id = normalize_arxiv(str(r.get("id") or ""))
    if not arxiv_id:
        raise RecordError(f"id {r.get('id')!r} is not an arXiv id")
    title = _clean(r.get("title"))
    if not title:
        raise RecordError("the record has no title")
    authors = []
    for i, parts in enumerate(r.get("authors_parsed") or [], start=1):
        family = (parts[0] if parts else "").strip()
        given = re.sub(r"\s+-", "-", (parts[1] if len(parts) > 1 else "").strip())  # "C. -P." → "C.-P."
        suffix = (parts[2] if len(parts) > 2 else "").strip()
        name = " ".join(x for x in (given, family, suffix) if x)
        if not name:
            raise RecordError(f"author {i} has no name")
        aff = (parts[3] if len(parts) > 3 else "").strip()
        affs = [aff] if aff and not _FOOTNOTE.match(aff) else []
        authors.append(author_ref(name=name, position=i, raw_affiliations=affs))
    year = month = day = None
    versions = r.get("versions") or []
    if versions and versions[0].get("created"):
        created = versions[0]["created"]  # the first version is the paper's date
        try:
            dt = parsedate_to_datetime(str(created))
        except (TypeError, ValueError):
            raise RecordError(f"versions.0.created {cut(repr(created), 80)} is not a date") from None
        year, month, day = dt.year, dt.month, dt.day
    elif r.get("update_date"):
        year = as_year(str(r["update_date"])[:4], "update_date")
    doi = next((d for d in (normalize_doi(x) for x in str(r.get("doi") or "").split()) if d), None)
    return WorkRecord(
        prov=prov.model_copy(update={"record_id": arxiv_id}),
        title=title,
        abstract=_clean(r.get("abstract")),
        type="preprint",
        venue=_clean(r.get("journal-ref")),
        year=check_year(year),
        month=month,
        day=day,
        categories=str(r.get("categories") or "").split(),
        authors=authors,
        author_count=len(authors),
        ids=WorkIds(arxiv=arxiv_id, doi=doi),
    )


def parse_metadata(inp: Input) -> Iterator[Record | Reject]:
    """The metadata snapshot: one JSON object per line, streamed."""
    with inp.open() as stream:
        for item in iter_json_lines(stream, inp.name):
            if isinstance(item, Reject):
                yield item
                continue
            n, offset, text, obj = item.line, item.offset, item.text, item.obj
            if not isinstance(obj, dict):
                yield reject(inp.name, "not an arXiv metadata record", line=n, offset=offset, raw=text)
                continue
            prov = Provenance(source="arxiv-metadata", file=inp.name, line=n)
            yield guarded(partial(_metadata, obj, prov), inp.name, line=n, offset=offset, raw=text)
