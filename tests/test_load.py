"""`kg load` against the real Neo4j: exact nodes and edges, idempotency, order independence, rejects, exit codes."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver

from kg import db, store
from kg.config import Settings
from kg.models import (
    AuthorRef,
    InstitutionRef,
    Provenance,
    Record,
    Reject,
    ResearcherIds,
    ResearcherRecord,
    TopicRef,
    WorkIds,
    WorkRecord,
)

pytestmark = pytest.mark.neo4j

DATA = Path(__file__).parent / "data" / "load"


def work(
    source: str,
    title: str,
    authors: Iterable[str | AuthorRef] = (),
    *,
    line: int = 1,
    **kw: Any,
) -> WorkRecord:
    refs = [
        a if isinstance(a, AuthorRef) else AuthorRef(name=a, position=i + 1) for i, a in enumerate(authors)
    ]
    return WorkRecord(prov=Provenance(source=source, file="fixture", line=line), title=title, authors=refs, **kw)  # type: ignore[arg-type]


def load(drv: Driver, s: Settings, records: Iterable[Record | Reject], batch_size: int = 50) -> store.LoadSummary:
    return store.load(
        drv, [("fixture", list(records))], batch_size=batch_size, settings=s, hooks=False, rejects_path=None
    )


_VOLATILE = {"updated_at", "load_run"}


def dump(drv: Driver, s: Settings) -> dict[str, Any]:
    """Canonical graph: every node but LoadRun and every edge with their properties, minus run-specific ones."""
    nodes = db.run(
        drv,
        "MATCH (n) WHERE NOT n:LoadRun RETURN labels(n)[0] AS label, properties(n) AS props ORDER BY n.id",
        settings=s,
    )
    rels = db.run(
        drv,
        "MATCH (a)-[r]->(b) RETURN a.id AS a, type(r) AS type, b.id AS b, properties(r) AS props "
        "ORDER BY a, type, b",
        settings=s,
    )

    def clean(p: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in p.items() if k not in _VOLATILE}

    return {
        "nodes": sorted((n["label"], json.dumps(clean(n["props"]), sort_keys=True, default=str)) for n in nodes),
        "rels": sorted(
            (r["a"], r["type"], r["b"], json.dumps(clean(r["props"]), sort_keys=True, default=str)) for r in rels
        ),
    }


def authored(drv: Driver, s: Settings) -> list[tuple[str, str]]:
    rows = db.run(drv, "MATCH (r:Researcher)-[:AUTHORED]->(w:Work) RETURN r.id AS r, w.id AS w", settings=s)
    return sorted((r["r"], r["w"]) for r in rows)


def test_one_paper_from_three_sources_is_one_work_with_the_richest_fields(
    graph: Driver, neo4j_settings: Settings
) -> None:
    s = neo4j_settings
    listing = work(
        "arxiv-listing",
        "LazyGNN: Large-Scale Graph Neural Networks via Lazy Propagation",
        ["Rui Xue", "Haoyu Han"],
        authors_truncated=True,
        categories=["LG"],
        month=2,
        day=3,
        has_code=True,
    )
    arxiv = work(
        "arxiv",
        "LazyGNN: Large-scale graph neural networks via lazy propagation",
        ["Rui Xue", "Haoyu Han", "MohamadAli Torkamani", "Jian Pei", "Xiaorui Liu"],
        ids=WorkIds(arxiv="2302.01503v1"),
        year=2023,
        month=2,
        day=3,
        abstract="Recent works have demonstrated the benefits of capturing long-distance dependency.",
        categories=["cs.LG"],
        topics=[TopicRef(id="arxiv:cs.LG", name="cs.LG", scheme="arxiv", level="category")],
    )
    summary = load(graph, s, [listing, arxiv])
    assert (summary.read, summary.loaded, summary.rejected, summary.exit_code) == (2, 2, 0, 0)
    rows = db.run(graph, "MATCH (w:Work) RETURN properties(w) AS p", settings=s)
    assert len(rows) == 1
    p = rows[0]["p"]
    assert p["id"] == "arxiv:2302.01503"
    assert p["title"] == "LazyGNN: Large-scale graph neural networks via lazy propagation"
    assert p["abstract"].startswith("Recent works have demonstrated")
    assert p["date"] == "2023-02-03" and p["year"] == 2023
    assert p["authors_truncated"] is False and p["author_count"] == 5
    assert p["has_code"] is True
    assert p["categories"] == ["LG", "cs.LG"]
    assert p["sources"] == ["arxiv", "arxiv-listing"]
    assert p["arxiv_id"] == "2302.01503"
    assert "title:" in " ".join(p["ids"]) and "arxiv:2302.01503" in p["ids"]
    names = db.run(
        graph,
        "MATCH (r:Researcher)-[a:AUTHORED]->(:Work) RETURN a.position AS pos, r.name AS name, a.sources AS src "
        "ORDER BY pos",
        settings=s,
    )
    assert [(n["pos"], n["name"], n["src"]) for n in names] == [
        (1, "Rui Xue", ["arxiv", "arxiv-listing"]),
        (2, "Haoyu Han", ["arxiv", "arxiv-listing"]),
        (3, "MohamadAli Torkamani", ["arxiv"]),
        (4, "Jian Pei", ["arxiv"]),
        (5, "Xiaorui Liu", ["arxiv"]),
    ]
    topics = db.run(
        graph, "MATCH (:Work)-[h:HAS_TOPIC]->(t:Topic) RETURN t.id AS t, h.method AS m", settings=s
    )
    assert topics == [{"t": "arxiv:cs.LG", "m": "source"}]
