"""COAUTHOR edges on hand-built graphs: exact pairs and properties, the author cap, update_for == rebuild, the CLI."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest
from neo4j import Driver

from kg import coauthors, graphdb
from kg.config import Settings

pytestmark = pytest.mark.neo4j

# Researchers a..f; works with years, some author_count values (missing, smaller than the list, or bigger than the
# cap), a 51-author work (over the default cap of 50 by its AUTHORED edges) and a 6-work pair for the 5-id limit.
BASE_GRAPH = """
UNWIND ['t:a','t:b','t:c','t:d','t:e','t:f'] AS id CREATE (:Researcher {id: id, name: 'R ' + id})
WITH count(*) AS done
CREATE (:Work {id: 'w:1', year: 2020, author_count: 3}), (:Work {id: 'w:2', year: 2022}),
       (:Work {id: 'w:3', author_count: 1}), (:Work {id: 'w:4', year: 2021, author_count: 60}),
       (:Work {id: 'w:5', year: 2019}), (:Work {id: 'w:6', year: 2015})
WITH 1 AS one
UNWIND [['t:a','w:1'],['t:b','w:1'],['t:c','w:1'],['t:a','w:2'],['t:b','w:2'],
        ['t:a','w:3'],['t:b','w:3'],['t:d','w:3'],['t:a','w:4'],['t:c','w:4'],
        ['t:b','w:5'],['t:e','w:6']] AS aw
MATCH (r:Researcher {id: aw[0]}), (w:Work {id: aw[1]})
CREATE (r)-[:AUTHORED {position: 1}]->(w)
WITH count(*) AS done
UNWIND range(0, 49) AS i
CREATE (z:Researcher {id: 'z:' + right('0' + toString(i), 2)})
WITH collect(z) AS zs
MATCH (b:Researcher {id: 't:b'}), (w5:Work {id: 'w:5'})
FOREACH (z IN zs | CREATE (z)-[:AUTHORED {position: 2}]->(w5))
WITH count(*) AS done
UNWIND [['p:3', 2019], ['p:1', 2019], ['p:2', 2019], ['p:4', 2021], ['p:5', 2018], ['p:6', 2020]] AS pw
CREATE (w:Work {id: pw[0], year: pw[1]})
WITH w
MATCH (e:Researcher {id: 't:e'}), (f:Researcher {id: 't:f'})
CREATE (e)-[:AUTHORED]->(w), (f)-[:AUTHORED]->(w)
"""

EXPECTED = {
    ("t:a", "t:b"): {
        "shared_works": 3,
        "weight": 2.0,
        "first_year": 2020,
        "last_year": 2022,
        "works": ["w:2", "w:1", "w:3"],
    },
    ("t:a", "t:c"): {
        "shared_works": 1,
        "weight": 0.5,
        "first_year": 2020,
        "last_year": 2020,
        "works": ["w:1"],
    },
    ("t:b", "t:c"): {
        "shared_works": 1,
        "weight": 0.5,
        "first_year": 2020,
        "last_year": 2020,
        "works": ["w:1"],
    },
    # w:3 has no year: Neo4j stores no first_year / last_year (a null property is no property)
    ("t:a", "t:d"): {"shared_works": 1, "weight": 0.5, "works": ["w:3"]},
    ("t:b", "t:d"): {"shared_works": 1, "weight": 0.5, "works": ["w:3"]},
    ("t:e", "t:f"): {
        "shared_works": 6,
        "weight": 6.0,
        "first_year": 2018,
        "last_year": 2021,
        "works": ["p:4", "p:6", "p:1", "p:2", "p:3"],
    },
}


def _edges(drv: Driver, s: Settings) -> dict[tuple[str, str], dict[str, Any]]:
    rows = graphdb.run(
        drv,
        "MATCH (a:Researcher)-[c:COAUTHOR]->(b:Researcher) RETURN a.id AS a, b.id AS b, properties(c) AS p",
        settings=s,
    )
    return {(r["a"], r["b"]): r["p"] for r in rows}


def _big(drv: Driver, s: Settings) -> dict[str, int | None]:
    rows = graphdb.run(drv, "MATCH (r:Researcher) RETURN r.id AS id, r.big_team_works AS big", settings=s)
    return {r["id"]: r["big"] for r in rows}


def _build(drv: Driver, s: Settings, cypher: str = BASE_GRAPH) -> None:
    graphdb.run(drv, cypher, write=True, settings=s)


@pytest.mark.parametrize("batch_size", [1000, 2])
def test_rebuild_writes_exact_pairs_once_lower_to_higher_with_cap(
    graph: Driver, neo4j_settings: Settings, batch_size: int
) -> None:
    _build(graph, neo4j_settings)
    written = coauthors.rebuild(graph, settings=neo4j_settings, batch_size=batch_size)
    assert written == len(EXPECTED)
    assert _edges(graph, neo4j_settings) == EXPECTED
    big = _big(graph, neo4j_settings)
    # w:4 is over the cap by author_count (60), w:5 by its 51 AUTHORED edges
    assert {k: v for k, v in big.items() if v} == {
        "t:a": 1,
        "t:c": 1,
        "t:b": 1,
        **{f"z:{i:02d}": 1 for i in range(50)},
    }
    assert big["t:d"] == 0 and big["t:e"] == 0


def test_the_derive_batch_setting_sizes_the_rebuild_and_the_load_batch_does_not(
    graph: Driver, neo4j_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """KG_DERIVE_BATCH_SIZE is the researchers per COAUTHOR transaction; KG_BATCH_SIZE (the load's) leaves it be."""
    _build(graph, neo4j_settings)
    monkeypatch.setenv("KG_DERIVE_BATCH_SIZE", "20")
    monkeypatch.setenv("KG_BATCH_SIZE", "1")
    assert (Settings().derive_batch_size, Settings().batch_size) == (20, 1)
    s = neo4j_settings.model_copy(update={"derive_batch_size": 20, "batch_size": 1})
    seen: list[tuple[int, int]] = []
    assert coauthors.rebuild(
        graph, settings=s, progress=lambda done, total: seen.append((done, total))
    ) == len(EXPECTED)
    total = coauthors.count_researchers(graph, s)
    assert seen == [(min(done, total), total) for done in range(20, total + 20, 20)]
    assert _edges(graph, s) == EXPECTED


def test_rebuild_replaces_stale_edges_and_is_idempotent(graph: Driver, neo4j_settings: Settings) -> None:
    _build(graph, neo4j_settings)
    # a stale edge in the wrong direction and one between people who never wrote together
    graphdb.run(
        graph,
        "MATCH (b:Researcher {id:'t:b'}), (a:Researcher {id:'t:a'}), (e:Researcher {id:'t:e'}) "
        "CREATE (b)-[:COAUTHOR {shared_works: 9}]->(a), (a)-[:COAUTHOR {shared_works: 1}]->(e)",
        write=True,
        settings=neo4j_settings,
    )
    coauthors.rebuild(graph, settings=neo4j_settings, batch_size=3)
    first = _edges(graph, neo4j_settings)
    assert first == EXPECTED
    assert coauthors.rebuild(graph, settings=neo4j_settings) == len(EXPECTED)
    assert _edges(graph, neo4j_settings) == first


# A load after the first rebuild: g joins w:1 (4 authors, over a cap of 3: a-b, a-c, b-c lose w:1), a new work w:8
# by d, e, g, and f gets a second identity-free work with a.
LOAD_CYPHER = """
CREATE (g:Researcher {id: 't:g', name: 'R t:g'})
CREATE (w8:Work {id: 'w:8', year: 2023})
WITH g, w8
MATCH (w1:Work {id: 'w:1'}), (d:Researcher {id: 't:d'}), (e:Researcher {id: 't:e'})
CREATE (g)-[:AUTHORED]->(w1), (g)-[:AUTHORED]->(w8), (d)-[:AUTHORED]->(w8), (e)-[:AUTHORED]->(w8)
WITH 1 AS one
MATCH (a:Researcher {id: 't:a'}), (f:Researcher {id: 't:f'})
CREATE (w9:Work {id: 'w:9', year: 2024}), (a)-[:AUTHORED]->(w9), (f)-[:AUTHORED]->(w9)
"""


@pytest.mark.parametrize("batch_size", [1000, 2])
def test_update_for_after_a_load_equals_a_full_rebuild(
    graph: Driver, neo4j_settings: Settings, batch_size: int
) -> None:
    s = neo4j_settings.model_copy(update={"coauthor_author_cap": 3})
    _build(graph, s)
    coauthors.rebuild(graph, settings=s)
    before = _edges(graph, s)
    _build(graph, s, LOAD_CYPHER)
    # the loader reports the researchers it wrote AUTHORED edges for
    coauthors.update_for(graph, ["t:g", "t:d", "t:e", "t:a", "t:f"], settings=s, batch_size=batch_size)
    updated, updated_big = _edges(graph, s), _big(graph, s)
    coauthors.rebuild(graph, settings=s)
    rebuilt, rebuilt_big = _edges(graph, s), _big(graph, s)
    assert updated == rebuilt
    assert updated_big == rebuilt_big
    assert updated != before
    # w:1 now has 4 authors, over the cap of 3: a-c and b-c are gone, a-b keeps w:2 and w:3 only
    assert ("t:a", "t:c") not in updated and ("t:b", "t:c") not in updated
    assert updated[("t:a", "t:b")] == {
        "shared_works": 2,
        "weight": 1.5,
        "first_year": 2022,
        "last_year": 2022,
        "works": ["w:2", "w:3"],
    }
    assert updated[("t:d", "t:g")] == {
        "shared_works": 1,
        "weight": 0.5,
        "first_year": 2023,
        "last_year": 2023,
        "works": ["w:8"],
    }
    assert updated[("t:a", "t:f")]["works"] == ["w:9"]
    assert updated_big["t:g"] == 1 and updated_big["t:c"] == 2


def test_a_large_update_falls_back_to_rebuild_with_the_same_edges(
    graph: Driver, neo4j_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _build(graph, neo4j_settings)
    monkeypatch.setattr(coauthors, "REBUILD_ABOVE", 2)
    assert coauthors.update_for(graph, ["t:d"], settings=neo4j_settings) == len(EXPECTED)
    assert _edges(graph, neo4j_settings) == EXPECTED


def test_update_for_unknown_or_empty_ids_writes_nothing(graph: Driver, neo4j_settings: Settings) -> None:
    _build(graph, neo4j_settings)
    assert coauthors.update_for(graph, [], settings=neo4j_settings) == 0
    assert coauthors.update_for(graph, ["t:nobody"], settings=neo4j_settings) == 0
    assert _edges(graph, neo4j_settings) == {}


def test_update_for_one_researcher_writes_their_pairs_and_their_coauthors_pairs(
    graph: Driver, neo4j_settings: Settings
) -> None:
    _build(graph, neo4j_settings)
    # d wrote w:3 with a and b: the closure is {a, b, d}, so every pair touching a or b is written too
    written = coauthors.update_for(graph, ["t:d"], settings=neo4j_settings)
    expected = {k: v for k, v in EXPECTED.items() if {"t:a", "t:b", "t:d"} & set(k)}
    assert written == len(expected)
    assert _edges(graph, neo4j_settings) == expected


def test_close_collaborators_uses_the_settings(graph: Driver, neo4j_settings: Settings) -> None:
    _build(graph, neo4j_settings)
    coauthors.rebuild(graph, settings=neo4j_settings)
    rows = coauthors.close_collaborators(graph, "t:a", settings=neo4j_settings)
    assert rows == [
        {
            "id": "t:b",
            "name": "R t:b",
            "shared_works": 3,
            "weight": 2.0,
            "first_year": 2020,
            "last_year": 2022,
            "works": ["w:2", "w:1", "w:3"],
        }
    ]
    loose = neo4j_settings.model_copy(update={"close_min_shared_works": 1, "close_top_k": 2})
    assert [r["id"] for r in coauthors.close_collaborators(graph, "t:a", settings=loose)] == ["t:b", "t:c"]
    assert coauthors.close_collaborators(graph, "t:nobody", settings=neo4j_settings) == []


def _kg(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["kg", *args], capture_output=True, text=True, env=env, timeout=120)


def test_cli_rebuild_show_and_errors(
    graph: Driver, neo4j_settings: Settings, cli_env: dict[str, str]
) -> None:
    _build(graph, neo4j_settings)
    r = _kg(cli_env, "coauthors", "rebuild")
    assert r.returncode == 0, r.stderr
    assert "COAUTHOR rebuilt: 6 edges" in r.stdout
    r = _kg(cli_env, "coauthors", "show", "t:a", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["researcher"] == {"id": "t:a", "name": "R t:a", "coauthors": 3, "big_team_works": 1}
    assert [c["id"] for c in data["close_collaborators"]] == ["t:b"]
    r = _kg(cli_env, "coauthors", "show", "t:a")
    assert r.returncode == 0 and "t:b" in r.stdout and "w:2, w:1, w:3" in r.stdout
    r = _kg(cli_env, "coauthors", "show", "t:nobody")
    assert r.returncode == 1
    assert r.stderr.strip() == "error: no researcher with id t:nobody"
    assert "Traceback" not in r.stderr
    r = _kg(cli_env, "coauthors", "update", "t:e")
    assert r.returncode == 0 and "COAUTHOR updated: 1 edges written" in r.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["coauthors", "--help"],
        ["coauthors", "rebuild", "--help"],
        ["coauthors", "show", "--help"],
        ["coauthors", "update", "--help"],
        ["discover", "--help"],
    ],
)
def test_cli_help(args: list[str]) -> None:
    r = subprocess.run(["kg", *args], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0
    assert "Usage: kg" in r.stdout
