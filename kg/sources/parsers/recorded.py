"""Recorded API responses: envelopes `{"uri", "response"}` (what `kg harvest` writes, one per line, gzipped; and
cassette extracts, a JSON array of them), each response handed to its source's parser.

An envelope names its source (`"source": "crossref"`, written by the harvester); without one, the host of its URI
decides (api.openalex.org, api.crossref.org, pub.orcid.org, api.semanticscholar.org, export.arxiv.org), and failing
that the response's own shape. A response may be JSON (`"response"`, or `"json"` in some cassettes) or the text of an
XML body (`"text"`: arXiv's Atom feeds).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from kg.models import Record, Reject
from kg.sources.parsers import arxiv, crossref, openalex, orcid, semanticscholar
from kg.sources.parsers.base import Input, iter_json_values, reject

SOURCES = ("openalex", "crossref", "orcid", "semanticscholar", "arxiv")
_HOSTS = (
    ("openalex", "openalex"),
    ("crossref", "crossref"),
    ("orcid", "orcid"),
    ("semanticscholar", "semanticscholar"),
    ("arxiv", "arxiv"),
)


def looks_like_recorded(text: str) -> bool:
    head = text[:4000]
    return bool(re.search(r'"uri"\s*:', head)) and bool(
        re.search(r'"(?:response|json|text)"\s*:', text[:200000])
    )


def is_envelope(obj: Any) -> bool:
    return (
        isinstance(obj, dict)
        and isinstance(obj.get("uri"), str)
        and any(k in obj for k in ("response", "json", "text"))
    )


def source_of(envelope: dict[str, Any], body: Any) -> str | None:
    declared = envelope.get("source")
    if declared in SOURCES:
        return str(declared)
    host = urlsplit(envelope.get("uri") or "").hostname or ""
    for needle, source in _HOSTS:
        if needle in host:
            return source
    if isinstance(body, str):
        return "arxiv" if "<feed" in body[:2000] else None
    sample = _sample(body)
    if semanticscholar.looks_like_s2(sample):
        return "semanticscholar"
    if crossref.looks_like_crossref(sample):
        return "crossref"
    if orcid.looks_like_orcid(sample):
        return "orcid"
    if "openalex.org/" in sample:
        return "openalex"
    return None


def _sample(body: Any) -> str:
    import json

    return json.dumps(body, ensure_ascii=False)[:20000]


class Dispatcher:
    """Hands each recorded response of one input to its source's parser (the stateful ones kept per input)."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.orcid = orcid.Parser(file)
        self.s2 = semanticscholar.Parser(file)

    def envelope(self, env: dict[str, Any], line: int | None, raw: str) -> Iterator[Record | Reject]:
        status = env.get("status")
        if isinstance(status, int) and status >= 400:
            yield reject(
                self.file,
                f"recorded response has HTTP status {status} ({env.get('uri')})",
                line=line,
                raw=raw,
            )
            return
        body = env["response"] if "response" in env else env.get("json", env.get("text"))
        if body is None:
            return  # a recorded call whose body was not kept
        uri = env.get("uri")
        source = source_of(env, body)
        if source == "openalex":
            yield from openalex.entity(body, self.file, line, None, raw)
        elif source == "crossref":
            yield from crossref.response(body, self.file, line, raw)
        elif source == "orcid":
            yield from self.orcid.response(body, line, raw, uri)
        elif source == "semanticscholar":
            yield from self.s2.response(body, line, raw, uri)
        elif source == "arxiv":
            if not isinstance(body, str):
                yield reject(
                    self.file, "a recorded arXiv response must be the feed's XML text", line=line, raw=raw
                )
            else:
                yield from arxiv.atom_records(body.encode("utf-8"), self.file, at_line=line)
        else:
            yield reject(self.file, f"recorded response from an unknown source ({uri})", line=line, raw=raw)

    def finish(self) -> Iterator[Record | Reject]:
        yield from self.orcid.finish()


def parse(inp: Input) -> Iterator[Record | Reject]:
    """Envelopes as JSON Lines (streamed) or a JSON array."""
    d = Dispatcher(inp.name)
    for item in iter_json_values(inp):
        if isinstance(item, Reject):
            yield item
            continue
        values = item.obj if isinstance(item.obj, list) else [item.obj]
        for k, env in enumerate(values, start=1):
            if not is_envelope(env):
                yield reject(
                    inp.name,
                    "not a recorded response ({uri, response} expected)",
                    line=item.line,
                    raw=item.text,
                )
                continue
            for out in d.envelope(env, item.line, item.text):
                if isinstance(out, Reject) and len(values) > 1:
                    # many responses on one line (a cassette extract): say which one
                    out = out.model_copy(update={"reason": f"response {k} ({env['uri']}): {out.reason}"})
                yield out
    yield from d.finish()
