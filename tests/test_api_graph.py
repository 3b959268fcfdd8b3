"""The API against the real Neo4j on the fixture graph: exact slices, expand, the quick read, lists, search, errors."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from api.config import ApiSettings
from api.main import create_app
from api.repository import GraphRepository
from kg.config import Settings
from kg.errors import QueryError
from kg.graphdb import catalog
from tests.api_fixture_graph import (
    FARAH,
    HUB,
    PROFILE,
    R1,
    R2,
    R3,
    R4,
    R6,
    R7,
    R8,
    R10,
    SUPERNODE,
    W9,
    ensure_fixture_graph,
)

pytestmark = pytest.mark.neo4j

V1 = "/api/v1"
W1, W2, W3, W4, W5 = (
    "doi:10.5555/rkg.2026.001",
    "arxiv:2205.01001",
    "arxiv:2205.01002",
    "openalex:W4300000004",
    "arxiv:2203.01003",
)
W6, W7, W8, W11 = (
    "doi:10.5555/rkg.2020.006",
    "arxiv:2003.01007",
    "arxiv:2004.01008",
    "doi:10.5555/rkg.2024.011",
)
T_GNN, T_DIST, T_KGE, T_DRUG, T_FRAUD = (f"openalex:T1100{i}" for i in range(1, 6))
LG, DC = "arxiv:cs.LG", "arxiv:cs.DC"
SONG = "openalex:A5000000011"
AI = "openalex:subfield:1702"

PANEL_RELS = {
    "authored": "AUTHORED",
    "coauthor": "COAUTHOR",
    "has_topic": "HAS_TOPIC",
    "works_on": "WORKS_ON",
    "affiliated": "AFFILIATED_WITH",
    "part_of": "PART_OF",
    "cites": "CITES",
}


@pytest.fixture(scope="module")
def data(neo4j_driver: Driver, neo4j_settings: Settings) -> dict[str, Any]:
    return ensure_fixture_graph(neo4j_driver, neo4j_settings)


@pytest.fixture(scope="module")
def client(neo4j_settings: Settings, data: dict[str, Any]) -> Iterator[TestClient]:
    app = create_app(neo4j_settings, ApiSettings(web_dist=Path("/nonexistent"), warm_up=False))
    with TestClient(app) as c:
        yield c


def get(client: TestClient, path: str, **params: Any) -> Any:
    r = client.get(V1 + path, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def all_edges(data: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(e["a"], e["b"], t) for key, t in PANEL_RELS.items() for e in data[key]]


def expected_edges(
    data: dict[str, Any], shown: set[str], also: set[str] = frozenset()
) -> set[tuple[str, str, str]]:
    """The panel's relationships among the shown nodes (and between them and `also`), from the fixture data."""
    within = shown | also
    return {
        (a, b, t) for a, b, t in all_edges(data) if a in within and b in within and (a in shown or b in shown)
    }


def degree(data: dict[str, Any], node: str) -> int:
    return sum(1 for a, b, _ in all_edges(data) if node in (a, b))


def edge_set(slice_: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(e["source"], e["target"], e["type"]) for e in slice_["edges"]}


def check_hidden(data: dict[str, Any], slice_: dict[str, Any]) -> None:
    """degree and hidden_neighbours of every node, recomputed from the fixture data."""
    edges = edge_set(slice_)
    for n in slice_["nodes"]:
        shown = sum(1 for s, t, _ in edges if n["id"] in (s, t))
        assert n["degree"] == degree(data, n["id"]), n["id"]
        assert n["hidden_neighbours"] == n["degree"] - shown, n["id"]


# ------------------------------------------------------------------------------------------------ slices


PROFILE_SLICE_ORDER = [
    (PROFILE, "researcher", 0),
    (R1, "researcher", 1),
    (W1, "work", 1),
    (T_GNN, "topic", 1),
    (R2, "researcher", 1),
    (W5, "work", 1),
    (LG, "topic", 1),
    (R3, "researcher", 1),
    (W2, "work", 1),
    (T_KGE, "topic", 1),
    (R4, "researcher", 1),
    (W3, "work", 1),
    (T_DIST, "topic", 1),
    (R6, "researcher", 1),
    (W4, "work", 1),
    (DC, "topic", 1),
    (HUB, "researcher", 1),
    (W7, "work", 1),
    (T_FRAUD, "topic", 1),
    (FARAH, "researcher", 1),
    (W8, "work", 1),
    (T_DRUG, "topic", 1),
    (W6, "work", 1),
    (SUPERNODE, "topic", 1),
    (W9, "work", 1),
]


def test_profile_slice_shows_every_neighbour_in_weight_order_with_all_edges_among_them(
    client: TestClient, data: dict[str, Any]
) -> None:
    s = get(client, f"/researchers/{PROFILE}/graph")
    # co-authors: the close collaborators (2+ shared works) first, each group by COAUTHOR weight (ties by id); works
    # newest first, topics by WORKS_ON weight; one type at a time
    assert [(n["id"], n["type"], n["hop"]) for n in s["nodes"]] == PROFILE_SLICE_ORDER
    assert s["center"] == PROFILE
    assert s["truncated"] is False
    assert s["budget"] == {
        "max_nodes": 40,
        "used": 25,
        "hops": 1,
        "per_node": 5,
        "types": {
            "researcher": {"cap": 12, "shown": 7},
            "work": {"cap": 15, "shown": 9},
            "topic": {"cap": 8, "shown": 8},
            "institution": {"cap": 5, "shown": 0},
        },
    }
    ids = {n["id"] for n in s["nodes"]}
    assert edge_set(s) == expected_edges(data, ids)
    assert len(s["edges"]) == len(edge_set(s))
    check_hidden(data, s)
    by_id = {n["id"]: n for n in s["nodes"]}
    assert by_id[PROFILE]["degree"] == 24 and by_id[PROFILE]["hidden_neighbours"] == 0
    # the author of 2,001 papers: only his paper with Ada, his edge to her and three of his topics are shown
    assert by_id[HUB]["degree"] == 2026 and by_id[HUB]["hidden_neighbours"] == 2021
    assert by_id[PROFILE]["label"] == "Ada Ferreira"
    assert by_id[PROFILE]["fields"] == {
        "headline": "Ada Ferreira works on scalable graph learning systems.",
        "trust_score": 21,
        "verification_level": "L1",
    }
    assert by_id[W1]["fields"] == {
        "type": "preprint",
        "venue": "arXiv",
        "year": 2026,
        "doi": "10.5555/rkg.2026.001",
        "arxiv_id": None,
        "cited_by_count": None,
    }
    # each edge says what it rests on, in the words a page shows
    facts = {
        (e["source"], e["target"], e["type"]): tuple(
            e.get(k) for k in ("works", "first_year", "last_year", "position")
        )
        for e in s["edges"]
    }
    # the facts are left out where they do not apply: a topic's edge carries none of them
    has_topic = next(e for e in s["edges"] if e["type"] == "HAS_TOPIC")
    assert set(has_topic) == {"source", "target", "type", "weight"}
    coauthor = next(c for c in data["coauthor"] if {c["a"], c["b"]} == {PROFILE, R1})
    assert facts[(coauthor["a"], coauthor["b"], "COAUTHOR")] == (
        4,
        coauthor["first_year"],
        coauthor["last_year"],
        None,
    )
    assert facts[(PROFILE, W1, "AUTHORED")][3] == 1
    assert by_id[LG]["fields"] == {"level": "category", "scheme": "arxiv"}


def test_a_tight_budget_gives_exactly_these_six_nodes_and_edges(
    client: TestClient, data: dict[str, Any]
) -> None:
    s = get(client, f"/researchers/{PROFILE}/graph", max_nodes=6)
    assert [n["id"] for n in s["nodes"]] == [PROFILE, R1, W1, T_GNN, R2, W5]
    assert s["truncated"] is True
    assert s["budget"]["used"] == 6
    assert {t: b["shown"] for t, b in s["budget"]["types"].items()} == {
        "researcher": 2,
        "work": 2,
        "topic": 1,
        "institution": 0,
    }
    edges = {(e["source"], e["target"], e["type"]): e["weight"] for e in s["edges"]}
    assert edges == pytest.approx(
        {
            (PROFILE, W1, "AUTHORED"): None,
            (PROFILE, W5, "AUTHORED"): None,
            (R1, W1, "AUTHORED"): None,
            (R1, W5, "AUTHORED"): None,
            (R2, W1, "AUTHORED"): None,
            (R1, PROFILE, "COAUTHOR"): 1 / 2 + 1 / 2 + 1 / 3 + 1 / 3,
            (R2, PROFILE, "COAUTHOR"): 1 / 2 + 1 / 3 + 1 / 2,
            (R1, R2, "COAUTHOR"): 1 / 2 + 1 / 3,
            (W1, T_GNN, "HAS_TOPIC"): 0.91,
            (W5, T_GNN, "HAS_TOPIC"): 0.80,
            (PROFILE, T_GNN, "WORKS_ON"): 4.71,
            (R1, T_GNN, "WORKS_ON"): 0.91 + 0.55 + 0.71 + 0.80 + 0.70,
            (R2, T_GNN, "WORKS_ON"): 0.91 + 0.71 + 0.84,
        }
    )
    hidden = {n["id"]: n["hidden_neighbours"] for n in s["nodes"]}
    assert hidden[PROFILE] == 24 - 5
    check_hidden(data, s)


def test_the_same_request_gives_the_same_slice(client: TestClient) -> None:
    for params in ({}, {"hops": 2}, {"hops": 2, "max_nodes": 120, "per_node": 7}):
        first = client.get(f"{V1}/researchers/{PROFILE}/graph", params=params)
        second = client.get(f"{V1}/researchers/{PROFILE}/graph", params=params)
        assert first.status_code == 200
        assert first.content == second.content
    a = client.get(f"{V1}/topics/{SUPERNODE}/graph", params={"hops": 2})
    b = client.get(f"{V1}/topics/{SUPERNODE}/graph", params={"hops": 2})
    assert a.content == b.content


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (f"/researchers/{PROFILE}/graph", {"hops": 2}),
        (f"/researchers/{PROFILE}/graph", {"hops": 2, "max_nodes": 200, "per_node": 50, "max_works": 200}),
        (f"/researchers/{HUB}/graph", {"hops": 2, "max_nodes": 60}),
        (f"/topics/{SUPERNODE}/graph", {"max_nodes": 200, "max_works": 200, "max_researchers": 200}),
        (f"/topics/{SUPERNODE}/graph", {"hops": 2, "max_nodes": 30, "per_node": 3}),
        (f"/institutions/{'ror:02abc1234'}/graph", {"hops": 2, "max_nodes": 15}),
        (f"/works/{W3}/graph", {"hops": 2, "max_topics": 2, "max_researchers": 3}),
    ],
)
def test_budgets_caps_and_per_node_limits_are_honoured(
    client: TestClient, data: dict[str, Any], path: str, params: dict[str, Any]
) -> None:
    s = get(client, path, **params)
    nodes = s["nodes"]
    ids = [n["id"] for n in nodes]
    assert len(ids) == len(set(ids)) == s["budget"]["used"] <= params.get("max_nodes", 40)
    assert nodes[0]["hop"] == 0 and nodes[0]["id"] == s["center"]
    for t, b in s["budget"]["types"].items():
        assert b["shown"] == sum(1 for n in nodes if n["type"] == t and n["hop"] > 0) <= b["cap"]
    assert all(n["hop"] <= params.get("hops", 1) for n in nodes)
    assert edge_set(s) == expected_edges(data, set(ids))
    check_hidden(data, s)


def test_per_node_cap_limits_what_each_ring_node_adds(client: TestClient) -> None:
    s = get(
        client,
        f"/researchers/{PROFILE}/graph",
        hops=2,
        types="researcher",
        per_node=1,
        max_nodes=200,
        max_researchers=200,
    )
    hop1 = [n["id"] for n in s["nodes"] if n["hop"] == 1]
    hop2 = [n["id"] for n in s["nodes"] if n["hop"] == 2]
    assert hop1 == [R1, R2, R3, R4, R6, HUB, FARAH]
    # each co-author adds at most one of their own co-authors: Bruno → Song Xiang, Chen → Ines Laurent,
    # Tanaka → his strongest student; the rest have no co-author outside the ring
    assert hop2 == [SONG, R7, "openalex:A5900000001"]
    assert s["truncated"] is True  # Tanaka has 19 more students


def test_types_filter_keeps_only_the_asked_types_and_counts_the_rest_as_hidden(
    client: TestClient, data: dict[str, Any]
) -> None:
    s = get(client, f"/researchers/{PROFILE}/graph", types="topic")
    assert [n["id"] for n in s["nodes"]] == [
        PROFILE,
        T_GNN,
        LG,
        T_KGE,
        T_DIST,
        DC,
        T_FRAUD,
        T_DRUG,
        SUPERNODE,
    ]
    assert {n["type"] for n in s["nodes"][1:]} == {"topic"}
    assert s["nodes"][0]["hidden_neighbours"] == 24 - 8
    assert s["truncated"] is False
    assert s["budget"]["types"]["work"] == {"cap": 0, "shown": 0}
    check_hidden(data, s)
    two = get(client, f"/researchers/{PROFILE}/graph", types=["work", "institution"], max_works=3)
    assert [n["id"] for n in two["nodes"]] == [PROFILE, W1, W5, W2]
    assert two["truncated"] is True


def test_every_type_is_reachable_from_the_profile_and_from_each_kind_of_node(client: TestClient) -> None:
    s = get(client, f"/researchers/{PROFILE}/graph", hops=2, max_nodes=120)
    assert {n["type"] for n in s["nodes"]} == {"researcher", "work", "topic", "institution"}
    institutions = [n["id"] for n in s["nodes"] if n["type"] == "institution"]
    assert {"ror:02abc1234", "openalex:I4200000002"} <= set(institutions)
    assert all(
        n["hop"] == 2 for n in s["nodes"] if n["type"] == "institution"
    )  # Ada's affiliation is not imported

    work = get(client, f"/works/{W1}/graph")
    # authors in author order, cited works by id, topics by score
    assert [n["id"] for n in work["nodes"]] == [W1, PROFILE, W7, LG, R1, W3, T_GNN, R2, T_DIST, SUPERNODE]
    topic = get(client, f"/topics/{T_GNN}/graph", max_nodes=12)
    assert [n["id"] for n in topic["nodes"]] == [T_GNN, PROFILE, W1, AI, R1, W7, R2, W4, R4, W5, R3, W3]
    inst = get(client, "/institutions/openalex:I4200000002/graph")
    assert [n["id"] for n in inst["nodes"]] == ["openalex:I4200000002", R3, R2]
    expanded = get(client, "/graph/expand", node="ror:02abc1234", max_researchers=2)
    assert [n["id"] for n in expanded["nodes"]] == ["ror:02abc1234", HUB, "openalex:A5900000001"]
    assert expanded["truncated"] is True


def test_supernode_slice_stays_within_budget(client: TestClient, data: dict[str, Any]) -> None:
    s = get(client, f"/topics/{SUPERNODE}/graph")
    works_on = [e for e in data["works_on"] if e["b"] == SUPERNODE]
    has_topic = [e for e in data["has_topic"] if e["b"] == SUPERNODE]
    assert len(has_topic) == 3000
    centre = s["nodes"][0]
    assert centre["degree"] == len(has_topic) + len(works_on) + 1 == degree(data, SUPERNODE)
    assert s["budget"]["used"] == 1 + 12 + 15 + 1
    assert s["truncated"] is True
    # the twelve researchers with the heaviest profile on the topic, the broader topic, fifteen works
    strongest = sorted(works_on, key=lambda e: (-e["weight"], e["a"]))[:12]
    assert [n["id"] for n in s["nodes"] if n["type"] == "researcher"] == [e["a"] for e in strongest]
    assert [n["id"] for n in s["nodes"] if n["type"] == "topic"] == [SUPERNODE, AI]
    assert sum(1 for n in s["nodes"] if n["type"] == "work") == 15
    assert centre["hidden_neighbours"] == centre["degree"] - sum(
        1 for e in s["edges"] if SUPERNODE in (e["source"], e["target"])
    )
    check_hidden(data, s)
    big = get(client, f"/topics/{SUPERNODE}/graph", hops=2, max_nodes=200, max_works=200, per_node=50)
    assert big["budget"]["used"] == 200 and big["truncated"] is True


def test_a_hub_is_never_expanded_in_full(
    neo4j_driver: Driver, neo4j_settings: Settings, data: dict[str, Any]
) -> None:
    """The slice's ring query reads at most `hub_scan` relationships of the supernode per branch, and its edge query
    reads no hub's big relationship groups (db hits from PROFILE, not time)."""

    def db_hits(cypher: str, params: dict[str, Any]) -> int:
        with neo4j_driver.session(database=neo4j_settings.neo4j_database) as session:
            summary = session.run("PROFILE " + cypher, params).consume()
        assert summary.profile is not None

        def total(p: dict[str, Any]) -> int:
            return int(p.get("dbHits", 0)) + sum(total(c) for c in p.get("children", []))

        return total(summary.profile)

    params = {
        "lists": {"ids": [SUPERNODE], "exclude": [SUPERNODE]},
        "fetch_researcher": 13,
        "fetch_work": 16,
        "fetch_topic": 9,
        "fetch_institution": 0,
    }
    sampled = db_hits(catalog.query("api/ring_topic"), {**params, "scan": 100})
    wider = db_hits(catalog.query("api/ring_topic"), {**params, "scan": 1000})
    full = db_hits(
        "MATCH (t:Topic {id: $id})<-[h:HAS_TOPIC]-(w:Work) RETURN w.id, h.score ORDER BY h.score DESC, w.id LIMIT 16",
        {"id": SUPERNODE},
    )
    assert sampled < wider < full
    assert sampled * 5 < full

    # the edges among a slice that holds both hubs: found from the small ends, never by walking the hubs'
    # 2,001 AUTHORED and 3,000 HAS_TOPIC relationships (which an unbounded expansion does)
    ids = sorted(n for n, _, _ in PROFILE_SLICE_ORDER)
    lists = {"lists": {"all_ids": ids, "returned_ids": ids}}
    bounded = db_hits(catalog.query("api/slice_edges"), {**lists, "expand_limit": 100})
    unbounded = db_hits(catalog.query("api/slice_edges"), {**lists, "expand_limit": 10**9})
    assert bounded * 3 < unbounded
    repo = GraphRepository(neo4j_driver, neo4j_settings)
    assert repo.run_read(catalog.query("api/slice_edges"), {**lists, "expand_limit": 100}) == repo.run_read(
        catalog.query("api/slice_edges"), {**lists, "expand_limit": 10**9}
    )


def test_expand_leaves_out_what_the_client_shows_and_links_the_new_ring_to_it(
    client: TestClient, data: dict[str, Any]
) -> None:
    shown = [n for n, _, _ in PROFILE_SLICE_ORDER]
    r = client.get(f"{V1}/graph/expand", params=[("node", T_GNN), *[("exclude", x) for x in shown]])
    assert r.status_code == 200, r.text
    s = r.json()
    assert [(n["id"], n["type"], n["hop"]) for n in s["nodes"]] == [
        (T_GNN, "topic", 0),
        (SONG, "researcher", 1),
        (W11, "work", 1),
        (AI, "topic", 1),
    ]
    assert s["truncated"] is False
    returned = {n["id"] for n in s["nodes"]}
    assert edge_set(s) == expected_edges(data, returned, also=set(shown))
    assert (PROFILE, T_GNN, "WORKS_ON") in edge_set(s)  # an edge to a node the explorer already shows
    check_hidden(data, s)
    assert s["nodes"][0]["hidden_neighbours"] == 0


def test_expand_works_for_every_kind_of_node_and_unknown_ids_are_404(client: TestClient) -> None:
    for node in (PROFILE, W8, LG, "openalex:I4200000002"):
        s = get(client, "/graph/expand", node=node, max_nodes=5)
        assert s["center"] == node and 1 <= s["budget"]["used"] <= 5
    r = client.get(f"{V1}/graph/expand", params={"node": "openalex:W0000000000"})
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "no node with id 'openalex:W0000000000'",
        "instance": "/api/v1/graph/expand",
    }


# ------------------------------------------------------------------------------------------------ quick read


def test_quick_read_keeps_graph_counts_apart_from_reported_counts(client: TestClient) -> None:
    q = get(client, f"/researchers/{PROFILE}")
    assert q == {
        "id": PROFILE,
        "name": "Ada Ferreira",
        "headline": "Ada Ferreira works on scalable graph learning systems.",
        "aliases": ["A. Ferreira"],
        "orcid": None,
        "openalex_id": None,
        "affiliation_status": "not_imported",
        "institutions": [],
        "trust_score": 21.0,
        "trust_label": "Emerging",
        "verification_level": "L1",
        "claimed": False,
        "open_to_collaborate": True,
        "counts": {
            "works": 9,
            "topics": 8,
            "coauthors": 7,
            "close_collaborators": 4,
            "institutions": 0,
            "big_team_works": 0,
        },
        "reported": {"works": 9, "topics": 6, "close_collaborators": 4, "followers": 0},
        "top_topics": [
            {"id": T_GNN, "name": "Graph Neural Network Models", "level": "topic", "scheme": "openalex",
             "weight": pytest.approx(4.71), "works": 6},
            {"id": LG, "name": "Machine Learning", "level": "category", "scheme": "arxiv",
             "weight": pytest.approx(3.0), "works": 3},
            {"id": T_KGE, "name": "Knowledge Graph Embeddings", "level": "topic", "scheme": "openalex",
             "weight": pytest.approx(2.24), "works": 3},
            {"id": T_DIST, "name": "Distributed Training Systems", "level": "topic", "scheme": "openalex",
             "weight": pytest.approx(2.21), "works": 3},
            {"id": DC, "name": "Distributed, Parallel, and Cluster Computing", "level": "category",
             "scheme": "arxiv", "weight": pytest.approx(2.0), "works": 2},
        ],
        "top_collaborators": [
            {"id": R1, "name": "Bruno Okafor", "shared_works": 4, "weight": pytest.approx(5 / 3),
             "first_year": 2022, "last_year": 2026},
            {"id": R2, "name": "Chen Wei", "shared_works": 3, "weight": pytest.approx(4 / 3),
             "first_year": 2022, "last_year": 2026},
            {"id": R3, "name": "Dana Kowalski", "shared_works": 2, "weight": pytest.approx(5 / 6),
             "first_year": 2022, "last_year": 2022},
            {"id": R4, "name": "Emil Haddad", "shared_works": 2, "weight": pytest.approx(2 / 3),
             "first_year": 2022, "last_year": 2022},
        ],
        "close_rule": {"min_shared_works": 2, "top_k": 10},
        "sources": ["profile"],
        "identity": {
            "method": "profile",
            "confidence": 0.95,
            "evidence": ["profile ada-ferreira", "shares co-author Bruno Okafor on doi:1 and doi:2"],
        },
    }  # fmt: skip


def test_quick_read_of_an_affiliated_researcher_lists_institutions(client: TestClient) -> None:
    q = get(client, f"/researchers/{HUB}")
    assert q["institutions"] == [
        {"id": "ror:02abc1234", "name": "Northbridge Institute of Technology", "country_code": "GB",
         "type": "education"}
    ]  # fmt: skip
    assert (
        q["counts"]["works"] == 2001 and q["counts"]["coauthors"] == 21 and q["counts"]["institutions"] == 1
    )
    assert q["reported"] == {"works": None, "topics": None, "close_collaborators": None, "followers": None}
    assert (
        q["counts"]["close_collaborators"] == 10
    )  # twenty students share 100 works each: the top 10 by weight


# ------------------------------------------------------------------------------------------------ lists


def walk(client: TestClient, path: str, limit: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(100):
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        page = get(client, path, **params)
        assert len(page["items"]) <= limit
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
        assert len(page["items"]) == limit
    raise AssertionError("pagination did not end")


def test_works_pages_follow_year_then_id_and_end(client: TestClient) -> None:
    works = walk(client, f"/researchers/{PROFILE}/works", 4)
    assert [w["id"] for w in works] == [W1, W5, W2, W3, W4, W7, W8, W6, W9]
    assert works[0] == {
        "id": W1,
        "title": "Sharded Attention Kernels for Long-Context Graph Transformers",
        "year": 2026,
        "type": "preprint",
        "venue": "arXiv",
        "doi": "10.5555/rkg.2026.001",
        "arxiv_id": None,
        "author_count": 3,
        "position": 1,
        "authors": ["Ada Ferreira", "Bruno Okafor", "Chen Wei"],
        "authors_truncated": False,
        "cited_by_count": None,
        "pdf_url": None,
    }
    hub = walk(client, f"/researchers/{HUB}/works", 100)
    assert len(hub) == 2001 == len({w["id"] for w in hub})
    keys = [(-w["year"], w["id"]) for w in hub]
    assert keys == sorted(keys)


def test_collaborators_pages_follow_weight_then_id_and_mark_close_ones(client: TestClient) -> None:
    items = walk(client, f"/researchers/{PROFILE}/collaborators", 3)
    assert [(c["id"], c["shared_works"], c["close"]) for c in items] == [
        (R1, 4, True),
        (R2, 3, True),
        (R6, 1, False),
        (HUB, 1, False),
        (R3, 2, True),
        (R4, 2, True),
        (FARAH, 1, False),
    ]
    assert items[0]["works"] == [W1, W5, W2, W3]


def test_suggestions_come_with_their_reasons_best_first(client: TestClient) -> None:
    items = walk(client, f"/researchers/{PROFILE}/suggestions", 2)
    assert [(s["id"], s["score"]) for s in items] == [(R7, 0.82), (R8, 0.41), (R10, 0.41)]
    assert items[0]["reasons"] == {
        "institutions": [],
        "parts": {"coauthors": 0.5, "institutions": 0.0, "topics": 0.32},
        "shared_coauthors": [{"id": R2, "name": "Chen Wei"}],
        "shared_topics": [{"id": T_KGE, "name": "Knowledge Graph Embeddings"}],
    }
    assert items[0]["name"] == "Ines Laurent" and items[0]["open_to_collaborate"] is True
    # what tells the suggested person apart, as search gives it
    hit = get(client, "/search", q="Ines Laurent", type="researcher")["items"][0]
    assert hit["id"] == R7 and items[0]["context"] == hit["context"]
    assert get(client, f"/researchers/{R3}/suggestions") == {"items": [], "next_cursor": None}


# ------------------------------------------------------------------------------------------------ details


def test_details_of_a_work_a_topic_and_an_institution(client: TestClient) -> None:
    w = get(client, f"/works/{W1}")
    assert [a["id"] for a in w["authors"]] == [PROFILE, R1, R2]
    assert [(t["id"], t["score"]) for t in w["topics"]] == [
        (LG, 1.0),
        (T_GNN, 0.91),
        (T_DIST, 0.62),
        (SUPERNODE, 0.4),
    ]
    assert w["counts"] == {"authors": 3, "topics": 4, "cites": 2, "cited_by": 0}
    assert w["doi"] == "10.5555/rkg.2026.001" and w["year"] == 2026
    # the works it cites, newest first, and none citing it
    assert [(c["id"], c["year"]) for c in w["cites"]] == [(W3, 2022), (W7, 2020)]
    assert w["cites"][0]["title"] == get(client, f"/works/{W3}")["title"]
    assert w["cited_by"] == []
    assert [c["id"] for c in get(client, f"/works/{W3}")["cited_by"]] == [W1, W5]
    t = get(client, f"/topics/{AI}")
    assert [p["id"] for p in t["parents"]] == ["openalex:field:17"]
    assert [c["id"] for c in t["children"]] == [SUPERNODE, T_GNN, T_KGE, T_DRUG, T_FRAUD]
    assert (t["works"], t["researchers"], t["children_count"]) == (0, 0, 5)
    sup = get(client, f"/topics/{SUPERNODE}")
    assert sup["works"] == 3000 and sup["keywords"] == [
        "machine learning",
        "neural networks",
        "deep learning",
    ]
    i = get(client, "/institutions/openalex:I4200000002")
    assert i == {
        "id": "openalex:I4200000002",
        "name": "Lakeside University",
        "ror": None,
        "country_code": "US",
        "type": "education",
        "researchers": 2,
        "members": [{"id": R3, "name": "Dana Kowalski"}, {"id": R2, "name": "Chen Wei"}],
        "sources": ["openalex"],
    }


def test_an_id_with_slashes_and_an_escaped_id_both_resolve(client: TestClient) -> None:
    assert get(client, f"/works/{W1}")["id"] == W1
    assert client.get(f"{V1}/works/{quote(W1, safe='')}").json()["id"] == W1
    assert client.get(f"{V1}/works/{quote(W1, safe='')}/graph").json()["center"] == W1


# ------------------------------------------------------------------------------------------------ search


def test_search_ranks_the_exact_name_first_and_never_parses_user_syntax(client: TestClient) -> None:
    r = get(client, "/search", q="Ada Ferreira")
    assert r["items"][0]["id"] == PROFILE and r["items"][0]["type"] == "researcher"
    song = get(client, "/search", q="xiang", type="researcher")
    assert [h["id"] for h in song["items"]] == [SONG]
    works = get(client, "/search", q="knowledge graph embeddings", type="work")
    assert [h["id"] for h in works["items"][:2]] == [W8, "doi:10.5555/rkg.2023.010"]
    scores = [h["score"] for h in works["items"]]
    assert scores == sorted(scores, reverse=True)
    topics = get(client, "/search", q="knowledge graph", type="topic")
    assert topics["items"][0]["id"] == T_KGE
    inst = get(client, "/search", q="lakeside")
    assert [(h["id"], h["type"], h["detail"]) for h in inst["items"]] == [
        ("openalex:I4200000002", "institution", "US")
    ]
    assert inst["items"][0]["context"]["country_code"] == "US"
    assert inst["items"][0]["context"]["researchers"] == 2
    for q in ('title:"x" OR *', "AND", "((", "\\", "a~2^3", "*:*"):
        r2 = client.get(f"{V1}/search", params={"q": q})
        assert r2.status_code == 200, (q, r2.text)
    assert get(client, "/search", q="*:*")["items"] == []


def test_search_hits_say_what_tells_them_apart(client: TestClient, data: dict[str, Any]) -> None:
    """A researcher's hit carries the institution, top topic, works count and latest work; a work's its first
    author, year and venue; a topic's its broader topic; every field from the graph."""
    works = {w["id"]: w for w in data["works"]}

    def latest(rid: str) -> dict[str, Any]:
        mine = [works[a["b"]] for a in data["authored"] if a["a"] == rid]
        w = min(mine, key=lambda w: (-(w["year"] or 0), w["id"]))
        return {"latest_work": w["title"], "latest_year": w["year"]}

    hub = get(client, "/search", q="Hiroshi Tanaka", type="researcher")["items"][0]
    assert hub["id"] == HUB
    assert {k: v for k, v in hub["context"].items() if v is not None} == {
        "works": 2001,
        "institution": "Northbridge Institute of Technology",
        "top_topic": "Machine Learning Methods",
        "latest_work": hub["context"]["latest_work"],
        "latest_year": hub["context"]["latest_year"],
    }
    # a hub's works are sampled (the first 500 read), so its "latest" is the latest of those: one of his works
    assert (hub["context"]["latest_work"], hub["context"]["latest_year"]) in {
        (works[a["b"]]["title"], works[a["b"]]["year"]) for a in data["authored"] if a["a"] == HUB
    }
    ada = get(client, "/search", q="Ada Ferreira", type="researcher")["items"][0]
    assert {k: v for k, v in ada["context"].items() if v is not None} == {
        "works": 9,
        "top_topic": "Graph Neural Network Models",
        "latest_work": "Sharded Attention Kernels for Long-Context Graph Transformers",
        "latest_year": 2026,
    }
    assert latest(PROFILE)["latest_work"] == ada["context"]["latest_work"]
    work = get(client, "/search", q="Sharded Attention Kernels", type="work")["items"][0]
    assert work["id"] == W1
    assert {k: v for k, v in work["context"].items() if v is not None} == {
        "first_author": "Ada Ferreira",
        "authors": 3,
        "year": 2026,
        "venue": "arXiv",
    }
    topic = get(client, "/search", q="Graph Neural Network Models", type="topic")["items"][0]
    assert topic["id"] == T_GNN
    assert {k: v for k, v in topic["context"].items() if v is not None} == {
        "parent": "Artificial Intelligence",
        "level": "topic",
        "scheme": "openalex",
        "works": sum(1 for e in data["has_topic"] if e["b"] == T_GNN),
    }
    assert topic["context"]["works"] == 7


def test_search_pages_give_the_same_order_as_one_page(client: TestClient) -> None:
    one = get(client, "/search", q="graph", limit=50)
    assert one["next_cursor"] is None
    assert len(one["items"]) > 10
    paged = walk_search(client, "graph", 4)
    assert [(h["id"], h["type"]) for h in paged] == [(h["id"], h["type"]) for h in one["items"]]


def walk_search(client: TestClient, q: str, limit: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(50):
        params: dict[str, Any] = {"q": q, "limit": limit}
        if cursor:
            params["cursor"] = cursor
        page = get(client, "/search", **params)
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("search pagination did not end")


# ------------------------------------------------------------------------------------------------ errors


def test_unknown_ids_are_404_problems(client: TestClient) -> None:
    for path in (
        "/researchers/orcid:0000-0000-0000-0000",
        f"/researchers/{W1}",  # a work is not a researcher
        "/researchers/orcid:0000-0000-0000-0009/graph",
        "/researchers/orcid:0000-0000-0000-0009/works",
        "/researchers/orcid:0000-0000-0000-0009/collaborators",
        "/researchers/orcid:0000-0000-0000-0009/suggestions",
        "/works/doi:10.9999/none",
        f"/works/{PROFILE}/graph",
        "/topics/openalex:T99999",
        "/institutions/ror:000000000",
        "/nothing-here",
    ):
        r = client.get(V1 + path)
        assert r.status_code == 404, path
        assert r.headers["content-type"] == "application/problem+json"
        body = r.json()
        assert body["status"] == 404 and body["title"] == "Not Found" and body["instance"] == V1 + path


@pytest.mark.parametrize(
    ("path", "params", "detail"),
    [
        (f"/researchers/{PROFILE}/graph", {"max_nodes": 0}, "max_nodes: Input should be greater than or equal to 1"),
        (f"/researchers/{PROFILE}/graph", {"max_nodes": 201}, "max_nodes: Input should be less than or equal to 200"),
        (f"/researchers/{PROFILE}/graph", {"hops": 3}, "hops: Input should be less than or equal to 2"),
        (f"/researchers/{PROFILE}/graph", {"per_node": 0}, "per_node: Input should be greater than or equal to 1"),
        (f"/researchers/{PROFILE}/graph", {"max_works": -1}, "max_works: Input should be greater than or equal to 0"),
        (f"/researchers/{PROFILE}/graph", {"max_nodes": "many"}, "max_nodes: Input should be a valid integer, unable to parse string as an integer"),
        (f"/researchers/{PROFILE}/graph", {"types": "paper"}, "types.0: Input should be 'researcher', 'work', 'topic' or 'institution'"),
        (f"/researchers/{PROFILE}/works", {"limit": 101}, "limit: Input should be less than or equal to 100"),
        (f"/researchers/{PROFILE}/works", {"cursor": "bm90LWEtY3Vyc29y"}, "cursor is not one this API handed out"),
        (f"/researchers/{PROFILE}/collaborators", {"cursor": "eyJ0Ijoid29ya3MiLCJrIjpbMjAyMiwieCJdfQ"}, "cursor does not belong to this list (collaborators)"),
        ("/search", {"q": ""}, "q: String should have at least 1 character"),
        ("/search", {"q": "x" * 201}, "q: String should have at most 200 characters"),
        ("/search", {"q": "graph", "type": "paper"}, "type: Input should be 'researcher', 'work', 'topic' or 'institution'"),
        ("/graph/expand", {}, "node: Field required"),
        ("/graph/expand", {"node": "nobody"}, "node: String should match pattern '^[a-z][a-z0-9_-]*:.+$'"),
        ("/graph/expand", {"node": PROFILE, "exclude": "Nobody"}, "exclude.0: String should match pattern '^[a-z][a-z0-9_-]*:.+$'"),
        ("/researchers/nobody", {}, "researcher_id: String should match pattern '^[a-z][a-z0-9_-]*:.+$'"),
        ("/works/10.1/x/graph", {}, "work_id: String should match pattern '^[a-z][a-z0-9_-]*:.+$'"),
    ],
)  # fmt: skip
def test_bad_parameters_are_422_problems_never_clamped(
    client: TestClient, path: str, params: dict[str, Any], detail: str
) -> None:
    r = client.get(V1 + path, params=params)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == 422 and body["title"] == "Unprocessable Content"
    assert body["detail"] == detail


def test_too_many_exclude_ids_is_a_422(client: TestClient) -> None:
    r = client.get(
        f"{V1}/graph/expand", params=[("node", PROFILE), *[("exclude", f"openalex:W{i}") for i in range(501)]]
    )
    assert r.status_code == 422
    assert r.json()["detail"] == "exclude: List should have at most 500 items after validation, not 501"


# ------------------------------------------------------------------------------------------------ read-only


def test_the_repository_refuses_a_write(
    neo4j_driver: Driver, neo4j_settings: Settings, data: dict[str, Any]
) -> None:
    repo = GraphRepository(neo4j_driver, neo4j_settings)
    before = repo.run_read("MATCH (n) RETURN count(n) AS n")
    with pytest.raises(QueryError, match=r"(?i)write"):
        repo.run_read("CREATE (:Work {id: 'api-write-attempt', title: 'should never exist'})")
    with pytest.raises(QueryError, match=r"(?i)write"):
        repo.run_read("MATCH (r:Researcher {id: $id}) SET r.name = 'changed'", {"id": PROFILE})
    assert repo.run_read("MATCH (n) RETURN count(n) AS n") == before
    assert repo.run_read("MATCH (r:Researcher {id: $id}) RETURN r.name AS name", {"id": PROFILE}) == [
        {"name": "Ada Ferreira"}
    ]


def test_warm_up_plans_every_api_query(
    neo4j_driver: Driver, neo4j_settings: Settings, data: dict[str, Any]
) -> None:
    """Every query of cypher/api runs with the parameter types the API sends (a Cypher error would show here)."""
    assert GraphRepository(neo4j_driver, neo4j_settings).warm_up() == (25, 25)


def test_shutdown_stops_the_warm_up_before_it_closes_the_driver(
    neo4j_settings: Settings, data: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`kg up` stopped by Ctrl-C right after start: the warm-up thread still has a query in flight, and closing
    the driver under it printed a BufferError traceback. Shutdown now stops the warm-up, waits for the query in
    flight, then closes the driver."""
    import api.main

    started = threading.Event()
    ran: list[str] = []
    read = GraphRepository._read

    def slow_read(self: GraphRepository, name: str, params: Any = None) -> list[dict[str, Any]]:
        started.set()
        time.sleep(0.3)
        rows = read(self, name, params)
        ran.append(name)
        return rows

    closed_with: list[list[str]] = []
    make = api.main.make_api_driver

    def recording_driver(*args: Any) -> Driver:
        drv = make(*args)
        close = drv.close

        def close_and_record() -> None:
            closed_with.append([t.name for t in threading.enumerate() if t.name == "api-warm-up"])
            close()

        drv.close = close_and_record  # type: ignore[method-assign]
        return drv

    monkeypatch.setattr(GraphRepository, "_read", slow_read)
    monkeypatch.setattr(api.main, "make_api_driver", recording_driver)
    with TestClient(create_app(neo4j_settings, ApiSettings(web_dist=Path("/nonexistent"), warm_up=True))):
        assert started.wait(10)
    assert closed_with == [[]]  # closed once, with no warm-up thread left
    assert 1 <= len(ran) < 25  # the warm-up stopped early, after the query it had in flight


def test_ready_and_health(client: TestClient) -> None:
    assert get(client, "/health") == {"status": "ok", "version": "0.1.0"}
    assert get(client, "/ready") == {"status": "ready", "neo4j": "answers"}
    assert client.get("/health").status_code == 200 and client.get("/ready").status_code == 200


def test_cors_allows_the_configured_origin_only(neo4j_settings: Settings, data: dict[str, Any]) -> None:
    s = neo4j_settings.model_copy(update={"cors_origins": ["http://panel.example"]})
    with TestClient(create_app(s, ApiSettings(web_dist=Path("/nonexistent"), warm_up=False))) as c:
        pre = c.options(
            f"{V1}/researchers/{PROFILE}",
            headers={"Origin": "http://panel.example", "Access-Control-Request-Method": "GET"},
        )
        assert pre.status_code == 200
        assert pre.headers["access-control-allow-origin"] == "http://panel.example"
        ok = c.get(f"{V1}/health", headers={"Origin": "http://panel.example"})
        assert ok.headers["access-control-allow-origin"] == "http://panel.example"
        other = c.get(f"{V1}/health", headers={"Origin": "http://elsewhere.example"})
        assert "access-control-allow-origin" not in other.headers
    with TestClient(
        create_app(neo4j_settings, ApiSettings(web_dist=Path("/nonexistent"), warm_up=False))
    ) as c:
        assert (
            "access-control-allow-origin" not in c.get(f"{V1}/health", headers={"Origin": "http://x"}).headers
        )


def test_problem_bodies_are_json_documents(client: TestClient) -> None:
    r = client.get(f"{V1}/researchers/{PROFILE}/graph", params={"hops": 9})
    body = json.loads(r.content)
    assert body["errors"] == [
        {
            "loc": ["query", "hops"],
            "msg": "Input should be less than or equal to 2",
            "type": "less_than_equal",
        }
    ]
