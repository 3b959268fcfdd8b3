"""A canonical fingerprint of the graph: every node, edge and property that should be stable across reloads."""

from __future__ import annotations

import json
from typing import Any

from neo4j import Driver

from kg import db
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


def _clean(props: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain(v) for k, v in sorted(props.items()) if k not in VOLATILE}


def _plain(v: Any) -> Any:
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if hasattr(v, "iso_format"):
        return v.iso_format()
    return v


def fingerprint(driver: Driver, settings: Settings) -> dict[str, list[str]]:
    """Sorted JSON lines of nodes and edges (without volatile properties); equal graphs give equal fingerprints."""
    nodes = sorted(
        json.dumps({"labels": sorted(r["labels"]), **_clean(r["props"])}, sort_keys=True, default=str)
        for r in db.run(driver, _NODES, settings=settings)
    )
    edges = sorted(
        json.dumps(
            {"s": r["start"], "t": r["type"], "e": r["end"], **_clean(r["props"])},
            sort_keys=True,
            default=str,
        )
        for r in db.run(driver, _EDGES, settings=settings)
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
            out += [f"  - {x[:300]}" for x in only_a] + [f"  + {x[:300]}" for x in only_b]
    return "\n".join(out) or "identical"
