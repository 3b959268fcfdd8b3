"""OpenAlex works, authors, institutions and topics from API pages, single entities, JSON Lines and gzipped parts."""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from kg.models import (
    InstitutionRecord,
    InstitutionRef,
    Provenance,
    Record,
    Reject,
    ReportedCounts,
    ResearcherIds,
    ResearcherRecord,
    TopicRecord,
    TopicRef,
    WorkIds,
    WorkRecord,
)
from kg.normalize import normalize_arxiv, normalize_doi, normalize_openalex, normalize_orcid, normalize_ror
from kg.sources.parsers.base import (
    Input,
    RecordError,
    as_year,
    author_ref,
    broken_gzip,
    guarded,
    iter_json_lines,
    reject,
)
from kg.topic_table import HEADER_COLUMNS, parse_row

# Entity kinds with no place in the graph model (concepts, sources, publishers, funders, keywords): skipped.
SKIPPED_KINDS = frozenset("CSPFK")


def rebuild_abstract(index: dict[str, list[int]] | None) -> str | None:
    """Words back in order from OpenAlex's abstract_inverted_index ({word: [positions]})."""
    if not index:
        return None
    last = max((max(ps) for ps in index.values() if ps), default=-1)
    if last < 0:
        return None
    words = [""] * (last + 1)
    for word, positions in index.items():
        for p in positions or ():
            words[p] = word
    return " ".join(w for w in words if w)


def _date(value: str | None) -> tuple[int | None, int | None, int | None]:
    m = re.match(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", value or "")
    if not m:
        return None, None, None
    return int(m.group(1)), int(m.group(2)) if m.group(2) else None, int(m.group(3)) if m.group(3) else None


def _inst(d: dict[str, Any]) -> InstitutionRef:
    return InstitutionRef(
        name=d.get("display_name"),
        ror=normalize_ror(d.get("ror")),
        openalex_id=normalize_openalex(d.get("id"), "I"),
        country_code=d.get("country_code"),
        type=d.get("type"),
    )


def _text(value: object) -> bool:
    """Whether a value is a string with something besides white space in it."""
    return isinstance(value, str) and bool(value.strip())


def _pmid(value: str | None) -> str | None:
    m = re.search(r"(\d+)\s*$", value or "")
    return m.group(1) if m else None


def _arxiv_from_locations(r: dict[str, Any]) -> str | None:
    """OpenAlex does not list arXiv ids; an arXiv location's URL or a 10.48550/arXiv DOI gives it."""
    doi = normalize_doi(r.get("doi"))
    if doi and doi.startswith("10.48550/arxiv."):
        return normalize_arxiv(doi.removeprefix("10.48550/arxiv."))
    for loc in r.get("locations") or []:
        for key in ("landing_page_url", "pdf_url"):
            url = (loc or {}).get(key) or ""
            if "arxiv.org/" in url:
                found = normalize_arxiv(url)
                if found:
                    return found
    return None


def _venue(r: dict[str, Any]) -> str | None:
    src = ((r.get("primary_location") or {}).get("source") or {}).get("display_name")
    return src or (r.get("host_venue") or {}).get("display_name")


def _topic_ref(d: dict[str, Any] | None, level: str) -> TopicRef | None:
    if not d or not d.get("id"):
        return None
    num = str(d["id"]).rstrip("/").rsplit("/", 1)[-1]
    return TopicRef(id=f"openalex:{level}:{num}", name=d.get("display_name"), level=level)  # type: ignore[arg-type]


def work(r: dict[str, Any], prov: Provenance) -> WorkRecord:
    oid = normalize_openalex(r.get("id"), "W")
    d_year, month, day = _date(r.get("publication_date"))
    # "2020" as a string is a year too; a value that is no year names itself in the reject
    year = as_year(r.get("publication_year"), "publication_year") or d_year
    if year != d_year:  # a date that disagrees with the year says nothing reliable about month and day
        month = day = None
    authors = []
    for i, a in enumerate(r.get("authorships") or [], start=1):
        person = a.get("author") or {}
        # the name as printed, else OpenAlex's display name; a name of white space only is no name
        name = next((n for n in (a.get("raw_author_name"), person.get("display_name")) if _text(n)), None)
        if name is None:
            blank = any(
                isinstance(n, str) and n for n in (a.get("raw_author_name"), person.get("display_name"))
            )
            raise RecordError(f"authorship {i} has {'a blank' if blank else 'no'} author name")
        authors.append(
            author_ref(
                name=name,
                position=i,
                orcid=normalize_orcid(person.get("orcid")),
                openalex_id=normalize_openalex(person.get("id"), "A"),
                institutions=[_inst(x) for x in a.get("institutions") or []],
                raw_affiliations=[s for s in a.get("raw_affiliation_strings") or [] if s],
            )
        )
    ids = r.get("ids") or {}
    topics = []
    for t in r.get("topics") or []:
        tid = normalize_openalex(t.get("id"), "T")
        if tid:
            topics.append(TopicRef(id=f"openalex:{tid}", name=t.get("display_name"), score=t.get("score")))
    title = (r.get("title") or r.get("display_name") or "").strip()
    if not title:
        # real records sometimes lose their title (W2963341956 in the sample); a work needs one to be shown
        raise RecordError("the work has no title (empty title and display_name)")
    return WorkRecord(
        prov=prov,
        title=title,
        abstract=rebuild_abstract(r.get("abstract_inverted_index")),
        type=r.get("type"),
        venue=_venue(r),
        year=year,
        month=month,
        day=day,
        authors=authors,
        authors_truncated=r.get("is_authors_truncated") or False,
        author_count=len(authors),
        language=r.get("language"),
        ids=WorkIds(
            doi=normalize_doi(r.get("doi") or ids.get("doi")),
            arxiv=_arxiv_from_locations(r),
            openalex=oid,
            mag=str(ids["mag"]) if ids.get("mag") else None,
            pmid=_pmid(ids.get("pmid")),
        ),
        topics=topics,
        references=[w for w in (normalize_openalex(x, "W") for x in r.get("referenced_works") or []) if w],
        cited_by_count=_count(r.get("cited_by_count")),
        pdf_url=_pdf_url(r),
    )


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _pdf_url(r: dict[str, Any]) -> str | None:
    """The open-access PDF OpenAlex names (best location first), when it is a plain http(s) link."""
    for loc in [r.get("best_oa_location"), r.get("primary_location"), *(r.get("locations") or [])]:
        url = (loc or {}).get("pdf_url")
        if isinstance(url, str) and url.startswith(("https://", "http://")) and len(url) <= 2000:
            return url
    return None


def author(r: dict[str, Any], prov: Provenance) -> ResearcherRecord:
    name = r.get("display_name")
    if not name:
        raise RecordError("author has no display_name")
    insts = [x for x in r.get("last_known_institutions") or [] if x]
    if r.get("last_known_institution"):  # the older schema's single institution
        insts.append(r["last_known_institution"])
    if not insts:
        insts = [(a or {}).get("institution") for a in r.get("affiliations") or []][:1]
    refs = [_inst(x) for x in insts if x]
    return ResearcherRecord(
        prov=prov,
        name=name,
        aliases=[a for a in r.get("display_name_alternatives") or [] if _text(a) and a != name],
        affiliation=refs[0].name if refs else None,
        affiliation_status="known" if refs else "unknown",
        institutions=refs,
        reported=ReportedCounts(works=r.get("works_count")),
        ids=ResearcherIds(
            orcid=normalize_orcid(r.get("orcid")), openalex=normalize_openalex(r.get("id"), "A")
        ),
    )


def institution(r: dict[str, Any], prov: Provenance) -> InstitutionRecord:
    name = r.get("display_name")
    if not name:
        raise RecordError("institution has no display_name")
    return InstitutionRecord(
        prov=prov,
        name=name,
        ror=normalize_ror(r.get("ror")),
        openalex_id=normalize_openalex(r.get("id"), "I"),
        country_code=r.get("country_code"),
        type=r.get("type"),
    )


def topic(r: dict[str, Any], prov: Provenance) -> TopicRecord:
    tid = normalize_openalex(r.get("id"), "T")
    if not tid or not r.get("display_name"):
        raise RecordError("topic has no id or display_name")
    return TopicRecord(
        prov=prov,
        id=f"openalex:{tid}",
        name=r["display_name"],
        keywords=[k for k in r.get("keywords") or [] if isinstance(k, str)],
        subfield=_topic_ref(r.get("subfield"), "subfield"),
        field=_topic_ref(r.get("field"), "field"),
        domain=_topic_ref(r.get("domain"), "domain"),
    )


_BUILDERS = {"W": work, "A": author, "I": institution, "T": topic}


def entity(obj: Any, file: str, line: int | None, offset: int | None, raw: str) -> Iterator[Record | Reject]:
    """One decoded JSON value: an API page ({meta, results}) gives each result; an entity gives one record."""
    if isinstance(obj, dict) and isinstance(obj.get("results"), list) and "id" not in obj:
        for item in obj["results"]:
            yield from entity(item, file, line, offset, raw)
        return
    if not isinstance(obj, dict):
        yield reject(
            file, "not an OpenAlex record (a JSON object was expected)", line=line, offset=offset, raw=raw
        )
        return
    oid = normalize_openalex(obj.get("id") if isinstance(obj.get("id"), str) else None)
    if not oid:
        yield reject(file, "not an OpenAlex record (no OpenAlex id)", line=line, offset=offset, raw=raw)
        return
    kind = oid[0]
    if kind in SKIPPED_KINDS:
        return
    build = _BUILDERS.get(kind)
    if build is None:
        yield reject(
            file, f"unknown OpenAlex entity type {kind!r} ({oid})", line=line, offset=offset, raw=raw
        )
        return
    prov = Provenance(source="openalex", file=file, line=line, record_id=oid)
    built: Callable[[], Record] = partial(build, obj, prov)  # type: ignore[assignment]
    yield guarded(built, file, line=line, offset=offset, raw=raw)


def _json_error(e: json.JSONDecodeError) -> str:
    return f"invalid JSON: {e.msg} (column {e.colno})"


def parse(inp: Input) -> Iterator[Record | Reject]:
    """JSON Lines (one record or API page per line) streamed; a pretty-printed single document read whole; the
    topic taxonomy table (CSV) as topics."""
    if is_taxonomy_csv(inp.head):
        yield from parse_taxonomy(inp)
        return
    first = inp.head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    first_line = inp.head.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0].strip()
    if first in (b"{", b"[") and first_line in (b"{", b"["):
        yield from _document(inp)
        return
    lines = 0
    with inp.open() as stream:
        try:
            for item in iter_json_lines(stream, inp.name):
                lines = item.line or lines
                if isinstance(item, Reject):
                    yield item
                    continue
                n, offset, text, obj = item.line, item.offset, item.text, item.obj
                yield from entity(obj, inp.name, n, offset, text)
        except (gzip.BadGzipFile, EOFError, zlib.error) as e:
            yield broken_gzip(inp.name, e, lines)


def _document(inp: Input) -> Iterator[Record | Reject]:
    text = inp.read_text()
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        yield reject(inp.name, _json_error(e), line=e.lineno, offset=e.pos, raw=text)
        return
    items = obj if isinstance(obj, list) else [obj]
    for item in items:
        # a pretty-printed document has no meaningful line per record: the OpenAlex id names it
        yield from entity(item, inp.name, None, None, text[:4000])


def is_taxonomy_csv(head: bytes) -> bool:
    first = head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].decode("utf-8", errors="replace")
    return all(c in first.split(",") for c in HEADER_COLUMNS)


def _taxonomy_row(row: dict[str, str], prov: Provenance) -> TopicRecord:
    t = parse_row(row)

    def ref(level: str) -> TopicRef:
        return TopicRef(id=t.node_id(level), name=t.level_name(level) or None, level=level)  # type: ignore[arg-type]

    return TopicRecord(
        prov=prov.model_copy(update={"record_id": f"T{t.topic_id}"}),
        id=t.node_id("topic"),
        name=t.name,
        keywords=list(t.keywords),
        subfield=ref("subfield"),
        field=ref("field"),
        domain=ref("domain"),
    )


def parse_taxonomy(inp: Input) -> Iterator[Record | Reject]:
    """The OpenAlex topic table (topic → subfield → field → domain, keywords '; '-separated) as TopicRecords."""
    import csv
    import io

    with inp.open() as f:
        text = io.TextIOWrapper(f, encoding="utf-8-sig", newline="")
        reader = csv.DictReader(text)
        try:
            for row in reader:
                line = reader.line_num
                prov = Provenance(source="openalex", file=inp.name, line=line)
                yield guarded(
                    partial(_taxonomy_row, row, prov),
                    inp.name,
                    line=line,
                    raw=",".join(str(v) for v in row.values()),
                )
        except UnicodeDecodeError as e:
            yield reject(
                inp.name,
                f"not UTF-8 text ({e.reason}); the rest of the file is lost",
                line=reader.line_num + 1,
            )
