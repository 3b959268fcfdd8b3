"""Turns what a person typed into a safe Lucene query for Neo4j's full-text indexes (every special character escaped)."""

from __future__ import annotations

import re

# Lucene's query syntax characters; `&&` and `||` are covered by escaping `&` and `|` one by one.
_SPECIAL = set('+-&|!(){}[]^"~*?:\\/')
_WORD = re.compile(r"\w", re.UNICODE)
MAX_TERMS = 12


def escape(term: str) -> str:
    """One term with every Lucene special character backslash-escaped."""
    return "".join("\\" + ch if ch in _SPECIAL else ch for ch in term)


def terms(text: str) -> list[str]:
    """The searchable terms of the input: whitespace-separated, lower-cased (so AND/OR/NOT are never operators),
    only those with a letter or digit, at most MAX_TERMS."""
    out = [t.lower() for t in text.split() if _WORD.search(t)]
    return out[:MAX_TERMS]


def build_query(text: str) -> str | None:
    """A ranked query: the whole input as a phrase (boosted), each term, and the last term as a prefix so a name
    being typed already matches. None when nothing searchable is left."""
    words = terms(text)
    if not words:
        return None
    escaped = [escape(w) for w in words]
    parts: list[str] = []
    if len(words) > 1:
        phrase = " ".join(w.replace("\\", "\\\\").replace('"', '\\"') for w in words)
        parts.append(f'"{phrase}"^4')
    parts.extend(escaped)
    last = escaped[-1]
    # a prefix on a term that ends in an escaped character would be odd; only plain word endings get one
    if _WORD.match(words[-1][-1]):
        parts.append(f"{last}*")
    return " OR ".join(parts)
