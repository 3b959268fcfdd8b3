"""The batch statements of a load and its derive steps stay anchored on the rows they are given.

Each is one `UNWIND` over thousands of ids or rows. The planner chooses per statement and per list size, and a
pattern that names a label it can look up (`(:Topic {level: 'topic'})`) or a relationship type it can scan lets
it start there instead: then every row pays for every Topic or every HAS_TOPIC edge, and a 1,500-work load that
takes seconds stalls for minutes in topic assignment (it did). EXPLAIN on a loaded graph, with the lists a real
load passes, must show no operator that reads a whole label, index or relationship type.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver

from kg import graphdb
from kg.config import Settings
from kg.graphdb import catalog
from tests.corpus import generate

# operators that read a whole label, index or relationship type instead of following the given rows
SCANS = ("AllNodesScan", "NodeByLabelScan", "NodeIndexScan", "RelationshipTypeScan", "DirectedRelationshipTypeScan",
         "UndirectedRelationshipTypeScan", "NodeIndexContainsScan", "NodeIndexEndsWithScan")  # fmt: skip
LONG = 5000  # rows in one batch (the default write batch)


def _suspect(op: str) -> bool:
    """A scan, or an index lookup not keyed by the rows' ids (`Topic(level) WHERE level = 'topic'`)."""
    kind, _, details = op.partition(": ")
    return kind in SCANS or ("IndexSeek" in kind and "(id) WHERE id = " not in details)


def _operators(plan: Any) -> list[str]:
    out = [f"{plan['operatorType'].split('@')[0]}: {plan.get('args', {}).get('Details', '')[:90]}"]
    for child in plan.get("children", []):
        out += _operators(child)
    return out


def _explain(drv: Driver, s: Settings, cypher: str, params: dict[str, Any]) -> list[str]:
    with drv.session(database=s.neo4j_database) as session:
        summary = session.run("EXPLAIN " + cypher, params).consume()
    assert summary.plan is not None
    return _operators(summary.plan)


@pytest.fixture(scope="module")
def loaded(
    neo4j_driver: Driver, neo4j_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Driver:
    from tests.conftest import kg_env, wipe

    wipe(neo4j_driver, neo4j_settings)
    tmp = tmp_path_factory.mktemp("plans")
    corpus = generate(seed=3, n_works=400, n_people=80, id_prefix="p").write(tmp / "corpus")
    env = {**kg_env(neo4j_settings), "KG_STAGE_PATH": str(tmp / "stage.duckdb")}
    res = subprocess.run([sys.executable, "-m", "kg.cli", "load", str(corpus)], env=env, capture_output=True,
                         text=True, timeout=600)  # fmt: skip
    assert res.returncode == 0, res.stderr
    return neo4j_driver


def _ids(drv: Driver, s: Settings, label: str) -> list[str]:
    rows = graphdb.run(drv, f"MATCH (n:{label}) RETURN n.id AS id ORDER BY id", settings=s)
    ids = [r["id"] for r in rows]
    assert ids, f"the corpus gave no {label}"
    return (ids * (LONG // len(ids) + 1))[:LONG]


def _statements(drv: Driver, s: Settings) -> list[tuple[str, str, dict[str, Any]]]:
    works, people = _ids(drv, s, "Work"), _ids(drv, s, "Researcher")
    topic = graphdb.run(drv, "MATCH (t:Topic {level: 'topic'}) RETURN t.id AS id LIMIT 1", settings=s)[0][
        "id"
    ]
    assigned = [{"id": w, "keyphrases": ["graph"], "topics": [{"id": topic, "score": 0.5, "evidence": []}]}
                for w in works]  # fmt: skip
    pairs = [{"src": a, "dst": b, "props": {}} for a, b in zip(people, reversed(people), strict=True)]
    authored = [{"src": a, "dst": w, "props": {}} for a, w in zip(people, works, strict=True)]
    has_topic = [{"src": w, "dst": topic, "props": {"source": "openalex"}} for w in works]
    out: list[tuple[str, str, dict[str, Any]]] = [
        ("topics/works_to_assign", catalog.query("topics/works_to_assign"),
         {"ids": works, "source": "source", "scheme": "openalex", "context_limit": 50}),
        ("topics/write_assigned", catalog.query("topics/write_assigned"),
         {"rows": assigned, "method": "learned", "source": "source"}),
        ("topics/refresh_works_on", catalog.query("topics/refresh_works_on"),
         {"ids": people, "schemes": ["openalex"]}),
        ("topics/write_works_on", catalog.query("topics/write_works_on"),
         {"rows": [{"id": p, "topics": [{"id": topic, "weight": 1.0, "works": 1, "top_works": 1}]}
                   for p in people]}),
    ]  # fmt: skip
    for name, start, typ, end, rows in (
        ("write/rel_merge", "Researcher", "COAUTHOR", "Researcher", pairs),
        ("write/rel_merge", "Researcher", "AUTHORED", "Work", authored),
        ("write/rel_merge", "Work", "HAS_TOPIC", "Topic", has_topic),
        ("write/rel_create", "Researcher", "AUTHORED", "Work", authored),
        ("write/rel_delete", "Researcher", "AUTHORED", "Work", authored),
    ):
        out.append(
            (
                f"{name} {typ}",
                catalog.template(name, type=typ, start=start, end=end),
                {"rows": rows, "run": "r"},
            )
        )
    for name in ("write/node_merge", "write/node_create"):
        rows = [{"id": w, "props": {"title": "t"}} for w in works]
        out.append((f"{name} Work", catalog.template(name, label="Work"), {"rows": rows, "run": "r"}))
    return out


def test_batch_statements_follow_their_rows_and_never_scan(loaded: Driver, neo4j_settings: Settings) -> None:
    bad = {}
    for name, cypher, params in _statements(loaded, neo4j_settings):
        scans = [op for op in _explain(loaded, neo4j_settings, cypher, params) if _suspect(op)]
        if scans:
            bad[name] = scans
    assert not bad, "statements that scan instead of following their rows:\n" + "\n".join(
        f"  {k}: {v}" for k, v in bad.items()
    )


def test_the_check_sees_scans_and_lookups_not_keyed_by_the_rows(
    loaded: Driver, neo4j_settings: Settings
) -> None:
    """A check that cannot fail checks nothing: a lookup by venue (no index) must scan the Work label, and the
    assignment read as it was before (`tests/data/plans/`, with :Topic patterns) plans some Topic lookup not keyed
    by the rows, or a scan, on this graph."""
    works = _ids(loaded, neo4j_settings, "Work")
    scan = _explain(loaded, neo4j_settings, "UNWIND $ids AS v MATCH (w:Work) WHERE w.venue = v RETURN count(w)",
                    {"ids": works})  # fmt: skip
    assert any(_suspect(op) for op in scan), scan
    before = (Path(__file__).parent / "data" / "plans" / "works_to_assign_labelled.cypher").read_text()
    ops = _explain(loaded, neo4j_settings, before, {"ids": works, "source": "source", "scheme": "openalex",
                                                      "context_limit": 50})  # fmt: skip
    if not any(_suspect(op) for op in ops):
        pytest.xfail("on this graph's statistics the planner kept the labelled statement anchored (it does not "
                     "always: a 1,500-work load with 4,855 topics planned Topic(level) lookups)")  # fmt: skip
