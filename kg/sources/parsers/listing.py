"""An arXiv-style listing saved as text: header (score, category, date, Code), title+authors line, abstract."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from functools import partial

from kg.models import Provenance, Record, Reject, WorkRecord
from kg.sources.parsers.base import MONTH_RE, Input, RecordError, author_ref, guarded, month_number
from kg.sources.parsers.names import split_title_authors

# "LGFeb 3, 2023Code", "4.2 cs.LG Feb 3", "0.87CLDec 30, 2025 · DeepMind": optional score, category code, a date
# whose year may be missing, an optional "Code" flag and an optional " · Organisation".
HEADER = re.compile(
    r"^(?P<score>\d+(?:\.\d+)?(?=\s*[A-Za-z]))?\s*"
    r"(?P<cat>[a-z\-]+(?:\.[A-Za-z\-]+)?|[A-Z]{2,3}(?:\.[A-Z]{2})?)\s*"
    rf"(?P<mon>{MONTH_RE})\s*(?P<day>\d{{1,2}})(?:,?\s*(?P<year>\d{{4}}))?"
    r"\s*(?P<code>Code)?\s*(?:[·•|]\s*(?P<org>.+?))?\s*$"
)
_ORG_SUFFIX = re.compile(r"\s+·\s+(?P<org>[^·]+?)\s*$")


def looks_like_listing(text: str) -> bool:
    """A header line among the first few lines (a saved page may start with a heading or two)."""
    first = [ln.strip() for ln in text.splitlines()[:40] if ln.strip()][:5]
    return any(HEADER.match(ln) for ln in first)


def _entry(
    header: re.Match[str], body: list[tuple[int, str]], file: str, known: Collection[str] | None
) -> WorkRecord:
    if not body:
        raise RecordError("a listing header with no title line after it")
    line_no, title_line = body[0]
    org = header.group("org")
    m = _ORG_SUFFIX.search(title_line)
    if m:  # " · Organisation" after the author list
        org = org or m.group("org")
        title_line = title_line[: m.start()]
    split = split_title_authors(title_line, known)
    if not split.confident:
        raise RecordError("cannot tell where the title ends and the author list begins")
    abstract = " ".join(t for _, t in body[1:]) or None
    return WorkRecord(
        prov=Provenance(source="arxiv-listing", file=file, line=line_no),
        title=split.title,
        abstract=abstract,
        type="preprint",
        year=int(header.group("year")) if header.group("year") else None,
        month=month_number(header.group("mon")),
        day=int(header.group("day")),
        categories=[header.group("cat")],
        authors=[author_ref(name=n, position=i) for i, n in enumerate(split.authors, start=1)],
        authors_truncated=split.truncated,
        author_count=None if split.truncated else len(split.authors),
        score=float(header.group("score")) if header.group("score") else None,
        has_code=bool(header.group("code")),
        organisation=org,
    )


def parse(inp: Input, known_names: Collection[str] | None = None) -> Iterator[Record | Reject]:
    """Entries start at each header line; the next line is title+authors, the lines after it the abstract."""
    text = inp.read_text()
    header: re.Match[str] | None = None
    header_line = 0
    body: list[tuple[int, str]] = []

    def flush() -> Record | Reject | None:
        if header is None:
            return None
        h, b = header, list(body)
        return guarded(partial(_entry, h, b, inp.name, known_names), inp.name, line=header_line, raw=h.string)

    for n, raw in enumerate(text.splitlines(), start=1):
        ln = raw.strip()
        if not ln:
            continue
        m = HEADER.match(ln)
        if m:
            done = flush()
            if done is not None:
                yield done
            header, header_line, body = m, n, []
            continue
        if header is None:  # page chrome before the first entry ("Papers by …")
            continue
        body.append((n, ln))
    done = flush()
    if done is not None:
        yield done
