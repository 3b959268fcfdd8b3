"""Enrichment: works known only by their title (profile pages, listings) looked up in the live sources by arXiv id,
DOI or exact title, kept only on a strict match (same normalised title, years at most one apart, the researcher
among the authors; ids, when both sides have one, equal), and written as recorded responses the loaders read."""

from __future__ import annotations

import gzip
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kg.config import Settings
from kg.errors import HarvestError, InputError
from kg.models import ResearcherRecord, WorkRecord
from kg.normalize import block_key, given_compatible, normalize_arxiv, normalize_doi, title_key
from kg.sources.harvest.client import PoliteClient, Request

ENRICH_SOURCES = ("arxiv", "openalex", "semanticscholar", "crossref")
_ATOM = "http://www.w3.org/2005/Atom"
ET.register_namespace("", _ATOM)
ET.register_namespace("arxiv", "http://arxiv.org/schemas/atom")
ET.register_namespace("opensearch", "http://a9.com/-/spec/opensearch/1.1/")


@dataclass(frozen=True)
class Target:
    """A work to look up: what is known of it, and whose it is (the name the author check looks for)."""

    ref: str  # the Work's id in the graph, or file:line of the record
    title: str
    year: int | None = None
    doi: str | None = None
    arxiv: str | None = None
    person: str | None = None


@dataclass
class Candidate:
    source: str
    uri: str
    record: WorkRecord
    payload: Any  # the source's own answer for this one record (JSON, or an Atom feed holding its one entry)


@dataclass
class Outcome:
    target: Target
    match: Candidate | None = None
    notes: list[str] = field(default_factory=list)  # per source: what was found and why it was not taken


def strict_mismatch(t: Target, rec: WorkRecord) -> str | None:
    """Why a candidate is not the target's work (None: it is). Never a loose guess: an equal DOI or arXiv id, or the
    same normalised title within a year AND the person among its authors."""
    doi, arxiv = normalize_doi(rec.ids.doi), normalize_arxiv(rec.ids.arxiv)
    if t.doi and doi and t.doi != doi:
        return f"DOI {doi} is not {t.doi}"
    if t.arxiv and arxiv and t.arxiv != arxiv:
        return f"arXiv id {arxiv} is not {t.arxiv}"
    same_id = (t.doi and t.doi == doi) or (t.arxiv and t.arxiv == arxiv)
    if title_key(rec.title) != title_key(t.title):
        if same_id:
            return None
        return f"title differs ({rec.title[:60]!r})"
    if t.year is not None and rec.year is not None and abs(t.year - rec.year) > 1:
        return f"year {rec.year} is not {t.year}±1"
    if t.person:
        if not rec.authors:
            return "no author list to confirm it"
        if not any(_same_person(t.person, a.name) for a in rec.authors):
            return f"{t.person} is not among its {len(rec.authors)} authors"
    elif not same_id:
        return "no researcher name to confirm a title match"
    return None


def _same_person(a: str, b: str) -> bool:
    return block_key(a) == block_key(b) and given_compatible(a, b)


# ---- targets -------------------------------------------------------------------------------------------------


def targets_from_records(records: Iterable[Any]) -> Iterator[Target]:
    """Works without an author list in parsed records: a profile's works (the person is the page's researcher), and
    bare works (no person: only an id lookup can match them)."""
    for rec in records:
        if isinstance(rec, ResearcherRecord):
            for w in rec.works:
                if len(w.authors) <= 1:
                    yield _target(w, rec.name)
        elif isinstance(rec, WorkRecord) and not rec.authors:
            yield _target(rec, None)


def _target(w: WorkRecord, person: str | None) -> Target:
    return Target(
        ref=w.prov.ref,
        title=w.title,
        year=w.year,
        doi=normalize_doi(w.ids.doi),
        arxiv=normalize_arxiv(w.ids.arxiv),
        person=person,
    )


# ---- lookups -------------------------------------------------------------------------------------------------


def title_phrase(title: str) -> str:
    """A title as an arXiv phrase query takes it: words only."""
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s-]", " ", title)).strip()


class Lookup:
    """One source's lookups, through one polite client."""

    def __init__(self, source: str, s: Settings, client: PoliteClient) -> None:
        self.source = source
        self.s = s
        self.client = client
        self.raw: list[dict[str, Any]] = []  # every answer, for the record

    def request(self, t: Target) -> Request:
        s = self.s
        mailto = {"mailto": s.mailto} if s.mailto else {}
        if self.source == "arxiv":
            if t.arxiv:
                return Request(s.arxiv_api, {"id_list": t.arxiv, "max_results": "5"}, text=True)
            return Request(
                s.arxiv_api, {"search_query": f'ti:"{title_phrase(t.title)}"', "max_results": "5"}, text=True
            )
        if self.source == "openalex":
            base = s.openalex_api.rstrip("/")
            if t.doi:
                return Request(f"{base}/works/doi:{t.doi}", mailto, not_found_ok=True)
            return Request(
                f"{base}/works",
                {"filter": f"title.search:{title_phrase(t.title)}", "per-page": "5", **mailto},
            )
        if self.source == "semanticscholar":
            from kg.sources.harvest.sources import PAPER_FIELDS

            base = s.s2_api.rstrip("/")
            key = f"DOI:{t.doi}" if t.doi else f"ARXIV:{t.arxiv}" if t.arxiv else None
            if key:
                return Request(f"{base}/paper/{key}", {"fields": PAPER_FIELDS}, not_found_ok=True)
            return Request(
                f"{base}/paper/search/match", {"query": t.title, "fields": PAPER_FIELDS}, not_found_ok=True
            )
        if self.source == "crossref":
            base = s.crossref_api.rstrip("/")
            if t.doi:
                return Request(f"{base}/works/{t.doi}", mailto, not_found_ok=True)
            return Request(f"{base}/works", {"query.bibliographic": t.title, "rows": "5", **mailto})
        raise InputError(f"unknown source {self.source!r} (one of: {', '.join(ENRICH_SOURCES)})")

    def candidates(self, t: Target) -> list[Candidate]:
        req = self.request(t)
        resp = self.client.fetch(req)
        self.raw.append(
            {
                "uri": resp.uri,
                "source": self.source,
                "status": resp.status,
                "target": t.ref,
                ("text" if req.text else "response"): resp.body,
            }
        )
        if resp.body is None:
            return []
        return list(self._parse(resp.uri, resp.body))

    def _parse(self, uri: str, body: Any) -> Iterator[Candidate]:
        from kg.sources.parsers import arxiv, crossref, openalex, semanticscholar

        name = f"{self.source}:{uri}"
        if self.source == "arxiv":
            try:
                root = ET.fromstring(body)
            except ET.ParseError as e:
                raise HarvestError(f"{uri}: the answer is not an Atom feed ({e})") from None
            for entry in root.findall(f"{{{_ATOM}}}entry"):
                feed = ET.Element(f"{{{_ATOM}}}feed")
                feed.append(entry)
                text = ET.tostring(feed, encoding="unicode")
                for rec in arxiv.atom_records(text.encode("utf-8"), name, at_line=1):
                    if isinstance(rec, WorkRecord):
                        yield Candidate(self.source, uri, rec, text)
            return
        if self.source == "openalex":
            items = body.get("results") if isinstance(body, dict) and "results" in body else [body]
            for item in items or []:
                for rec in openalex.entity(item, name, 1, None, ""):
                    if isinstance(rec, WorkRecord):
                        yield Candidate(self.source, uri, rec, item)
            return
        if self.source == "semanticscholar":
            items = body.get("data") if isinstance(body, dict) and "data" in body else [body]
            parser = semanticscholar.Parser(name)
            for item in items or []:
                for rec in parser.response(item, 1, ""):
                    if isinstance(rec, WorkRecord) and rec.ids.s2 == (item or {}).get("paperId"):
                        yield Candidate(
                            self.source,
                            uri,
                            rec,
                            {k: v for k, v in item.items() if k not in ("citations", "references")},
                        )
            return
        message = body.get("message") if isinstance(body, dict) else None
        items = message.get("items") if isinstance(message, dict) and "items" in message else [message]
        for item in items or []:
            for rec in crossref.response(item, name, 1, ""):
                if isinstance(rec, WorkRecord):
                    yield Candidate(self.source, uri, rec, item)


def enrich(
    targets: list[Target], sources: list[str], s: Settings, lookups: dict[str, Lookup]
) -> list[Outcome]:
    """Each target looked up in the sources in order, until one gives exactly one strict match."""
    outcomes = []
    for t in targets:
        out = Outcome(t)
        for src in sources:
            cands = lookups[src].candidates(t)
            good: dict[str, Candidate] = {}
            reasons = []
            for c in cands:
                why = strict_mismatch(t, c.record)
                if why is None:
                    key = (
                        c.record.ids.doi
                        or c.record.ids.arxiv
                        or c.record.ids.openalex
                        or c.record.ids.s2
                        or c.uri
                    )
                    good.setdefault(key, c)
                else:
                    reasons.append(why)
            if len(good) == 1:
                out.match = next(iter(good.values()))
                break
            if len(good) > 1:
                out.notes.append(f"{src}: {len(good)} different works match: ambiguous, none taken")
            elif not cands:
                out.notes.append(f"{src}: nothing found")
            else:
                out.notes.append(
                    f"{src}: {len(cands)} found, none strict ({'; '.join(sorted(set(reasons))[:3])})"
                )
        outcomes.append(out)
    return outcomes


def write_matches(outcomes: list[Outcome], out_dir: Path) -> Path | None:
    """The matched records as recorded responses (one envelope each, in its source's own shape)."""
    matched = [o for o in outcomes if o.match is not None]
    if not matched:
        return None
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = out_dir / f"enrich-{stamp}.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for o in matched:
            c = o.match
            assert c is not None
            env: dict[str, Any] = {"uri": c.uri, "source": c.source, "status": 200, "target": o.target.ref}
            env["text" if c.source == "arxiv" else "response"] = c.payload
            f.write(json.dumps(env, ensure_ascii=False) + "\n")
    return path


def write_raw(lookups: Iterable[Lookup], out_dir: Path) -> Path | None:
    rows = [r for lk in lookups for r in lk.raw]
    if not rows:
        return None
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"enrich-answers-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path
