"""A canonical fingerprint of the graph: every node, edge and property that should be stable across reloads."""

from __future__ import annotations

import json
import re
from typing import Any

from neo4j import Driver

from kg import graphdb
from kg.config import Settings

# Volatile by design: when a thing was last written and by which run.
VOLATILE = {"updated_at", "load_run", "started_at", "finished_at"}

_NODES = """
MATCH (n) WHERE NOT n:LoadRun
RETURN labels(n) AS labels, properties(n) AS props
"""
_EDGES = """
MATCH (a)-[r]->(b) WHERE NOT a:LoadRun AND NOT b:LoadRun
RETURN a.id AS start, type(r) AS type, b.id AS end, properties(r) AS props
"""
# "works.csv:3#w0" → "works.csv#w0": where a record sat in its file changes when the file is shuffled.
_LINE_REF = re.compile(r"\.(csv|jsonl|json|xml|txt|gz):\d+")


def _clean(props: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain(v) for k, v in sorted(props.items()) if k not in VOLATILE}


def _plain(v: Any) -> Any:
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if hasattr(v, "iso_format"):
        return v.iso_format()
    return v


def fingerprint(driver: Driver, settings: Settings, *, ignore_lines: bool = False) -> dict[str, list[str]]:
    """Sorted JSON lines of nodes and edges (without volatile properties); equal graphs give equal fingerprints.
    With ignore_lines, provenance keeps the file and record id but not the line number."""

    def line(doc: dict[str, Any]) -> str:
        text = json.dumps(doc, sort_keys=True, default=str)
        return _LINE_REF.sub(r".\1", text) if ignore_lines else text

    nodes = sorted(
        line({"labels": sorted(r["labels"]), **_clean(r["props"])})
        for r in graphdb.run(driver, _NODES, settings=settings)
    )
    edges = sorted(
        line({"s": r["start"], "t": r["type"], "e": r["end"], **_clean(r["props"])})
        for r in graphdb.run(driver, _EDGES, settings=settings)
    )
    return {"nodes": nodes, "edges": edges}


def diff(a: dict[str, list[str]], b: dict[str, list[str]], limit: int = 5) -> str:
    """A short readable difference for assertion messages."""
    out = []
    for part in ("nodes", "edges"):
        only_a = sorted(set(a[part]) - set(b[part]))[:limit]
        only_b = sorted(set(b[part]) - set(a[part]))[:limit]
        if only_a or only_b:
            out.append(f"{part}: {len(a[part])} vs {len(b[part])}")
            out += [f"  - {x[:600]}" for x in only_a] + [f"  + {x[:600]}" for x in only_b]
    return "\n".join(out) or "identical"
