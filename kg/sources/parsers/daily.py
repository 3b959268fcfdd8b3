"""A daily-papers listing saved as text: title, abstract, author count or organisation, date (year optional), upvotes."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from functools import partial

from kg.models import Provenance, Record, Reject, WorkRecord
from kg.sources.parsers.base import MONTH_RE, Input, RecordError, guarded, month_number

_COUNT = re.compile(r"^[•·\-*]?\s*(?P<n>\d+)\s+authors?$")
_DATE = re.compile(
    rf"^(?P<mon>{MONTH_RE})\s+(?P<day>\d{{1,2}})(?:,\s*(?P<year>\d{{4}}))?(?:\s+(?P<up>\d+))?$"
)
_DOT = "·"
_PAGE_TEXT = {"new", "Get trending papers in your email inbox!", "Subscribe", "Daily Papers"}


def looks_like_daily(text: str) -> bool:
    lines = [ln.strip() for ln in text.splitlines()[:400]]
    return "Daily Papers" in lines or sum(1 for ln in lines if _COUNT.match(ln)) >= 2


def _meta_line(line: str) -> tuple[int | None, str | None]:
    """'• 7 authors' → (7, None); 'antgroup Ant Group' → (None, 'Ant Group'): a handle, then the display name."""
    m = _COUNT.match(line)
    if m:
        return int(m.group("n")), None
    parts = line.split(None, 1)
    if len(parts) == 2 and " " not in parts[0]:
        return None, parts[1].strip()
    return None, line.strip()


def _entry(block: list[tuple[int, str]], meta: str, date: str, file: str) -> WorkRecord:
    if not block:
        raise RecordError("an entry with no title")
    line_no, title = block[0]
    d = _DATE.match(date)
    if not d:
        raise RecordError(f"expected a date like 'Feb 20, 2025' or 'Feb 9 2', got {date!r}")
    count, org = _meta_line(meta)
    return WorkRecord(
        prov=Provenance(source="daily-papers", file=file, line=line_no),
        title=title,
        abstract=" ".join(t for _, t in block[1:]) or None,
        year=int(d.group("year")) if d.group("year") else None,
        month=month_number(d.group("mon")),
        day=int(d.group("day")),
        authors_truncated=True,  # the page names no authors, only a count or an organisation
        author_count=count,
        upvotes=int(d.group("up")) if d.group("up") else None,
        organisation=org,
    )


def parse(inp: Input, known_names: Collection[str] | None = None) -> Iterator[Record | Reject]:
    """Each entry ends with '<count or organisation>', '·', '<date> [upvotes]'; what precedes is title and abstract."""
    text = inp.read_text()
    lines = [(n, ln.strip()) for n, ln in enumerate(text.splitlines(), start=1) if ln.strip()]
    # the page header: interface text and the listing's own date ("Feb 12") before the first entry
    k = 0
    while k < len(lines) and (
        lines[k][1] in _PAGE_TEXT or lines[k][1].startswith("byAK") or _DATE.match(lines[k][1])
    ):
        k += 1
    block: list[tuple[int, str]] = []
    while k < len(lines):
        n, ln = lines[k]
        # "• 7 authors · Feb 20, 2025 3" on one line, or the three parts on three lines
        if _DOT in ln and ln != _DOT and _DATE.match(ln.rsplit(_DOT, 1)[1].strip()):
            meta, date = (x.strip() for x in ln.rsplit(_DOT, 1))
            k += 1
        elif ln == _DOT and k + 1 < len(lines) and block:
            meta = block.pop()[1]
            date = lines[k + 1][1]
            k += 2
        else:
            block.append((n, ln))
            k += 1
            continue
        b = block
        yield guarded(
            partial(_entry, b, meta, date, inp.name),
            inp.name,
            line=b[0][0] if b else n,
            raw="\n".join(t for _, t in b)[:2000],
        )
        block = []
    if block:
        yield guarded(partial(_entry, block, "", "", inp.name), inp.name, line=block[0][0], raw=block[0][1])
