"""A researcher profile page saved as text: the person, the trust snapshot, the counts and every published work."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from functools import partial

from kg.models import Provenance, Record, Reject, ReportedCounts, ResearcherIds, ResearcherRecord, WorkRecord
from kg.normalize import name_key, short_hash, title_key
from kg.sources.parsers.base import Input, RecordError, guarded, reject

# Section headings and interface text of the page: never a name, headline, title or abstract.
_BADGES = re.compile(r"^Researcher(?P<aff>.*?)(?P<open>Open to collaborate)?$")
_TRUST = re.compile(
    r"Trust\s*(?P<score>\d+)\s*[-–—]\s*(?P<label>[A-Za-z][A-Za-z ]*?)\s*(?=Verification|Unclaimed|Claimed|$)"
)
_VERIFICATION = re.compile(r"Verification\s*(?P<level>L\d+|[A-Za-z0-9]+?)(?=Unclaimed|Claimed|$)")
_CLAIMED = re.compile(r"(?P<un>Un)?[Cc]laimed(?: author)?")
_COUNT = re.compile(r"^(?P<n>\d[\d,]*)\s*(?P<what>works?|followers?|topics?|close collaborators?)$")
_ITEMS = re.compile(r"^(?P<n>\d+) published item\(s\)$")
_WORK_HEAD = re.compile(r"^(?P<type>[a-z][a-z\-]*(?: [a-z\-]+)*?)(?P<year>\d{4})(?P<venue>.*)$")
_SECTIONS_AFTER_WORKS = {"Similar researchers", "Co-authors", "Topics"}
# Headings and buttons of the page's blocks: a page saved from one of them on (no name line above) must not take
# one of these for the person's name or headline.
_PAGE_TEXT = {
    "Researcher profile",
    "Trust snapshot",
    "Quick read",
    "Actions",
    "Decide how to stay connected",
    "Identity and collaboration",
    "How to connect with this researcher",
    "Log in to claim",
    "Direct collaboration",
    "Research graph",
    "See the researcher in context",
    "Open full explorer",
    "Building this graph slice",
    "Published work",
    *_SECTIONS_AFTER_WORKS,
}
_FOLLOW = re.compile(r"^Follow researcher\s*\d*$")


def looks_like_profile(text: str) -> bool:
    head = text.lstrip()[:4000]
    return head.startswith("Researcher profile") or ("Trust snapshot" in head and "Published work" in text)


def _lines(text: str) -> list[tuple[int, str]]:
    return [(i, ln.strip()) for i, ln in enumerate(text.splitlines(), start=1) if ln.strip()]


def _page_text(line: str) -> bool:
    """A heading, badge, count or button of the page: never the person's name or headline."""
    return bool(
        line in _PAGE_TEXT
        or _FOLLOW.match(line)
        or _BADGES.match(line)
        or _TRUST.search(line)
        or _COUNT.match(line)
        or _ITEMS.match(line)
    )


def _name_and_headline(lines: list[tuple[int, str]]) -> tuple[int | None, str | None, str | None]:
    """The line that names the person (the first one, after the optional "Researcher profile" title) and the
    headline under it; (None, None, None) when the page starts with one of its blocks instead."""
    idx = 1 if lines and lines[0][1] == "Researcher profile" else 0
    if idx >= len(lines) or _page_text(lines[idx][1]):
        return None, None, None
    headline = None
    if idx + 1 < len(lines) and not _page_text(lines[idx + 1][1]):
        headline = lines[idx + 1][1]
    return lines[idx][0], lines[idx][1], headline


def _person(lines: list[tuple[int, str]], file: str, works: list[WorkRecord]) -> ResearcherRecord:
    if not lines:
        raise RecordError("no researcher name on the page")
    line, name, headline = _name_and_headline(lines)
    rec: dict[str, object] = {}
    counts: dict[str, int] = {}
    for _, ln in lines:
        if ln in ("Published work",):
            break
        b = _BADGES.match(ln)
        if b and ln != "Researcher profile" and "aff" not in rec:
            aff = b.group("aff").strip()
            if aff == "Affiliation not imported":
                rec["aff"], rec["status"] = None, "not_imported"
            elif aff:
                rec["aff"], rec["status"] = aff, "known"
            else:
                rec["aff"], rec["status"] = None, "unknown"
            rec["open"] = True if b.group("open") else None
            continue
        t = _TRUST.search(ln)
        if t:
            rec["trust_score"], rec["trust_label"] = int(t.group("score")), t.group("label").strip()
            v = _VERIFICATION.search(ln)
            rec["verification"] = v.group("level") if v else None
            c = _CLAIMED.search(ln[t.end() :])
            rec["claimed"] = (not c.group("un")) if c else None
            continue
        c2 = _COUNT.match(ln)
        if c2:
            what = c2.group("what").rstrip("s")
            key = {"work": "works", "follower": "followers", "topic": "topics"}.get(
                what, "close_collaborators"
            )
            counts.setdefault(key, int(c2.group("n").replace(",", "")))
    if name is None:
        # no name on the page: the person is known by their works alone, so the page's key comes from them
        basis = "\n".join(sorted(title_key(w.title) for w in works)) or "\n".join(ln for _, ln in lines)
        key = f"unnamed-{short_hash(basis)}"
    else:
        key = name_key(name)
    return ResearcherRecord(
        prov=Provenance(source="profile", file=file, line=line if line is not None else lines[0][0]),
        # "" is how a record says the source gives no name (the model's name is a string)
        name=name or "",
        headline=headline,
        affiliation=rec.get("aff"),  # type: ignore[arg-type]
        affiliation_status=rec.get("status", "unknown"),  # type: ignore[arg-type]
        trust_score=rec.get("trust_score"),  # type: ignore[arg-type]
        trust_label=rec.get("trust_label"),  # type: ignore[arg-type]
        verification_level=rec.get("verification"),  # type: ignore[arg-type]
        claimed=rec.get("claimed"),  # type: ignore[arg-type]
        open_to_collaborate=rec.get("open"),  # type: ignore[arg-type]
        reported=ReportedCounts(**counts),
        # the page has no stable id of its own: the person's name key names the profile
        ids=ResearcherIds(profile=key),
    )


def _works(lines: list[tuple[int, str]], file: str) -> Iterator[WorkRecord | Reject]:
    start = next((k for k, (_, ln) in enumerate(lines) if ln == "Published work"), None)
    if start is None:
        return
    k = start + 1
    if k < len(lines) and _ITEMS.match(lines[k][1]):
        k += 1
    while k < len(lines):
        n, ln = lines[k]
        if ln in _SECTIONS_AFTER_WORKS:
            break
        m = _WORK_HEAD.match(ln)
        if not m or k + 1 >= len(lines):
            yield reject(file, "expected a work header like 'preprint2026arXiv'", line=n, raw=ln)
            k += 1
            continue
        title_line, title = lines[k + 1]
        abstract = None
        nxt = k + 2
        if nxt < len(lines) and not _WORK_HEAD.match(lines[nxt][1]):
            abstract = lines[nxt][1]
            nxt += 1
        venue = m.group("venue").strip() or None
        fields = {
            "prov": Provenance(source="profile", file=file, line=title_line),
            "title": title,
            "abstract": abstract,
            "type": m.group("type"),
            "year": int(m.group("year")),
            "venue": venue,
        }
        yield guarded(partial(WorkRecord.model_validate, fields), file, line=title_line, raw=title)
        k = nxt


def parse(inp: Input, known_names: Collection[str] | None = None) -> Iterator[Record | Reject]:
    """One ResearcherRecord whose `works` are the page's published works (authored by that person)."""
    text = inp.read_text()
    lines = _lines(text)
    works: list[WorkRecord] = []
    for w in _works(lines, inp.name):
        if isinstance(w, Reject):
            yield w
        else:
            works.append(w)
    person = guarded(partial(_person, lines, inp.name, works), inp.name, line=1, raw=text[:2000])
    if isinstance(person, Reject):
        yield person
        return
    person.works = works
    yield person
