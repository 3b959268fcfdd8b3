"""The stored form of a suggestion's reasons: the compact JSON the discovery job writes, expanded for readers.

Pure JSON work with no numerical library, so a reader (the API process) decodes suggestions without loading the
discovery job (numpy, scipy). kg.discover writes this form (reasons_text) and reads it back (stored_suggestions).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

# The stored reasons' format version: compact JSON with ids only; "v" tells it from other forms.
STORED_FORMAT = 4
# The score's parts in the order format 4 stores them ("f" and "w"). It is the order of kg.linkpred.FEATURES when
# the format was fixed (a test holds the two equal): a new feature or order is a new format version.
STORED_FEATURES: tuple[str, ...] = (
    "coauthor_aa",
    "topics",
    "institutions",
    "venues",
    "activity",
    "recency",
    "degree",
    "common",
    "open_triangles",
)
# Every format a reader still expands, with its parts. Format 3 (before 5 Dec 2026): the first seven features, and
# shared co-authors as [id, share]; format 4 adds common and open_triangles, and a shared co-author is
# [id, share, 1 when both its links are open else 0]. Lists stored by an older run read as they were written until
# the next `kg discover` rewrites them (its digest differs, so every list is rewritten).
FORMAT_FEATURES: dict[int, tuple[str, ...]] = {3: STORED_FEATURES[:7], 4: STORED_FEATURES}


def summary_text(reasons: Mapping[str, Any]) -> str:
    """One line a person reads: "2 shared co-authors: Bo, Cy; you both wrote with Bo on papers without your other
    co-authors; both work on Graph learning; both at Uni One" (the second part names the shared co-authors whose
    links to both lie in no triangle: see kg.linkpred's open_triangles)."""
    bits = []
    n = reasons.get("shared_coauthor_count") or 0
    open_names = [c.get("name") or c["id"] for c in reasons.get("shared_coauthors", []) if c.get("open")]
    if n:
        names = ", ".join(c.get("name") or c["id"] for c in reasons.get("shared_coauthors", []))
        more = n - len(reasons.get("shared_coauthors", []))
        bits.append(
            f"{n} shared co-author{'s' if n != 1 else ''}: {names}{f' and {more} more' if more > 0 else ''}"
        )
    if open_names:
        bits.append(f"you both wrote with {', '.join(open_names)} on papers without your other co-authors")
    topics = [t.get("name") or t["id"] for t in reasons.get("shared_topics", [])]
    if topics:
        bits.append("both work on " + ", ".join(topics))
    insts = [i.get("name") or i["id"] for i in reasons.get("shared_institutions", [])]
    if insts:
        bits.append("both at " + ", ".join(insts))
    venues = [v["name"] for v in reasons.get("shared_venues", [])]
    if venues:
        bits.append("both publish in " + ", ".join(venues))
    return "; ".join(bits)


def is_stored_format(obj: Any) -> bool:
    """Whether parsed reasons are the compact stored form (else they are passed on as they are)."""
    return isinstance(obj, dict) and obj.get("v") in FORMAT_FEATURES


def reason_ids(obj: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """The researcher, topic and institution ids compact reasons refer to (whose names a reader looks up)."""
    return [c[0] for c in obj["c"]], [t[0] for t in obj["t"]], list(obj["i"])


def expand_reasons(obj: dict[str, Any], names: Mapping[str, str | None]) -> dict[str, Any]:
    """Compact stored reasons in reasons_for's shape, with names from `names` (id → name; None when unknown)."""
    features = FORMAT_FEATURES[obj["v"]]
    if obj["v"] >= 4:
        coauthors = [
            {"id": c[0], "name": names.get(c[0]), "contribution": c[1], "open": bool(c[2])} for c in obj["c"]
        ]
    else:
        coauthors = [{"id": c[0], "name": names.get(c[0]), "contribution": c[1]} for c in obj["c"]]
    out: dict[str, Any] = {
        "parts": {**dict(zip(features, obj["f"], strict=True)), "open_boost": obj["o"]},
        "contributions": dict(zip(features, obj["w"], strict=True)),
        "shared_coauthor_count": obj["n"],
        "shared_coauthors": coauthors,
        "shared_topics": [{"id": t, "name": names.get(t), "overlap": o} for t, o in obj["t"]],
        "shared_institutions": [{"id": i, "name": names.get(i)} for i in obj["i"]],
        "shared_venues": [{"name": v, "overlap": o} for v, o in obj["s"]],
    }
    return {"summary": summary_text(out), **out}


def expand_all(
    reasons: Sequence[Any], lookup: Callable[[dict[str, list[str]]], Mapping[str, str | None]]
) -> list[Any]:
    """Parse stored reasons texts and expand the compact ones, resolving every name they need with ONE call of
    lookup({researcher_ids, topic_ids, institution_ids}) → {id: name}. Other values are passed on parsed."""
    parsed: list[Any] = []
    for raw in reasons:
        if isinstance(raw, str):
            try:
                parsed.append(json.loads(raw))
            except ValueError:
                parsed.append(raw)
        else:
            parsed.append(raw)
    compact = [p for p in parsed if is_stored_format(p)]
    if not compact:
        return parsed
    want: dict[str, set[str]] = {"researcher_ids": set(), "topic_ids": set(), "institution_ids": set()}
    for p in compact:
        r, t, i = reason_ids(p)
        want["researcher_ids"].update(r)
        want["topic_ids"].update(t)
        want["institution_ids"].update(i)
    names = lookup({k: sorted(v) for k, v in want.items()})
    return [expand_reasons(p, names) if is_stored_format(p) else p for p in parsed]
