"""arXiv `.abs` metadata records: the plain-text header (Paper id, From, Date per version, Title, Authors, …),
then the abstract between `\\\\` lines."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from functools import partial

from kg.models import AuthorRef, Provenance, Record, Reject, SourceName, WorkIds, WorkRecord
from kg.normalize import normalize_arxiv, normalize_doi
from kg.sources.parsers.base import Input, RecordError, check_year, detex, guarded, reject

SOURCE: SourceName = "arxiv-abs"
_HEAD = re.compile(r"^-{20,}[ \t]*\r?\n\\\\[ \t]*\r?\n(?:arXiv|Paper):", re.M)
_FIELD = re.compile(r"^((?:arXiv|[A-Z][A-Za-z-]*)(?: \(revised v\d+\))?):\s?(.*)$")


def looks_like_abs(text: str) -> bool:
    return bool(_HEAD.match(text.lstrip("\ufeff")))


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    t = re.sub(r"\s+", " ", text).strip()
    return t or None


def _split_top(text: str, sep: re.Pattern[str]) -> list[str]:
    """Split on a separator outside parentheses."""
    parts, depth, start = [], 0, 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            m = sep.match(text, i)
            if m:
                parts.append(text[start:i])
                start = i = m.end()
                continue
        i += 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


_AUTHOR_SEP = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s*;\s*")
_AFFIL = re.compile(r"\s*\(([^()]*(?:\([^()]*\)[^()]*)*)\)\s*$")


def split_authors(field: str) -> tuple[list[tuple[str, list[str]]], bool]:
    """(name, affiliations) in order from an Authors field, TeX undone; and whether it ended with "et al."."""
    text = detex(re.sub(r"\s+", " ", field)).strip()
    truncated = bool(re.search(r"\bet\s+al\.?\s*$", text))
    text = re.sub(r"[\s,]*\bet\s+al\.?\s*$", "", text)
    out: list[tuple[str, list[str]]] = []
    for part in _split_top(text, _AUTHOR_SEP):
        affs: list[str] = []
        m = _AFFIL.search(part)
        while m:  # "Toshiki Saito (MPES & Oxford)"; a bare footnote number "(1)" is no affiliation
            aff = m.group(1).strip()
            if aff and not re.fullmatch(r"[\d\s,*]+", aff):
                affs.insert(0, aff)
            part = part[: m.start()].rstrip()
            m = _AFFIL.search(part)
        part = re.sub(r"^\(.*\)$", "", part).strip()
        if not part or part.lower().startswith(("for the ", "on behalf of ")):
            continue  # "…, for the X collaboration …": a note on the list, not an author
        out.append((part, affs))
    return out, truncated


def _fields(lines: list[str]) -> tuple[dict[str, tuple[int, str]], int]:
    """Header fields (first occurrence, continuation lines joined) with their line numbers, and the index of the
    line after the header's closing `\\\\`."""
    fields: dict[str, tuple[int, str]] = {}
    key = None
    i = 2
    while i < len(lines):
        ln = lines[i]
        if ln.strip() == "\\\\":
            return fields, i + 1
        m = _FIELD.match(ln)
        if m and not ln[:1].isspace():
            key = m.group(1)
            fields.setdefault(key, (i + 1, m.group(2)))
        elif key and ln[:1].isspace() and ln.strip():
            n, v = fields[key]
            fields[key] = (n, f"{v} {ln.strip()}")
        i += 1
    raise RecordError("the header is not closed by a \\\\ line")


def record(text: str, file: str) -> WorkRecord:
    lines = text.splitlines()
    fields, body = _fields(lines)
    id_line, raw_id = fields.get("arXiv") or fields.get("Paper") or (3, "")
    arxiv_id = normalize_arxiv(raw_id.strip())
    if not arxiv_id:
        raise RecordError(f"{raw_id.strip()!r} is not an arXiv id")
    title = _clean(fields.get("Title", (0, ""))[1])
    if not title:
        raise RecordError(f"arXiv:{arxiv_id} has no title")
    year = month = day = None
    date = fields.get("Date", (0, ""))[1]
    if date:
        try:
            dt = parsedate_to_datetime(re.sub(r"\s*\(.*\)\s*$", "", date).strip())
            year, month, day = dt.year, dt.month, dt.day
        except (TypeError, ValueError):
            raise RecordError(f"unreadable date {date!r}") from None
    names, truncated = split_authors(fields.get("Authors", (0, ""))[1])
    authors = [AuthorRef(name=n, position=i, raw_affiliations=a) for i, (n, a) in enumerate(names, start=1)]
    end = next((k for k in range(body, len(lines)) if lines[k].strip() == "\\\\"), len(lines))
    doi = next((d for d in (normalize_doi(x) for x in fields.get("DOI", (0, ""))[1].split()) if d), None)
    return WorkRecord(
        prov=Provenance(source=SOURCE, file=file, line=id_line, record_id=arxiv_id),
        title=title,
        abstract=_clean(" ".join(lines[body:end])),
        type="preprint",
        venue=_clean(fields.get("Journal-ref", (0, ""))[1]),
        year=check_year(year),
        month=month,
        day=day,
        categories=fields.get("Categories", (0, ""))[1].split(),
        authors=authors,
        authors_truncated=truncated,
        author_count=len(authors),
        ids=WorkIds(arxiv=arxiv_id, doi=doi),
    )


def parse(inp: Input) -> Iterator[Record | Reject]:
    """One record per file. Old records may be Latin-1: text that is not UTF-8 is read as Latin-1."""
    with inp.open() as f:
        data = f.read()
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    if not looks_like_abs(text):
        yield reject(
            inp.name, "not an arXiv .abs record (no dashed line, \\\\ and arXiv: id)", line=1, raw=text[:500]
        )
        return
    yield guarded(partial(record, text, inp.name), inp.name, line=3, raw=text[:2000])
