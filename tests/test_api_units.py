"""The API's pure parts without a database: how a slice spends its budget, Lucene escaping, cursors, the OpenAPI document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from api import lucene, pagination
from api.main import create_app
from api.schemas import NodeType
from api.slices import SliceRequest, SliceSelection, interleave
from kg.config import Settings

R, W, T, INST = NodeType.researcher, NodeType.work, NodeType.topic, NodeType.institution


def _request(**kw: Any) -> SliceRequest:
    caps = kw.pop("caps", {R: 12, W: 15, T: 8, INST: 5})
    return SliceRequest(caps=caps, **kw)


def test_interleave_takes_one_of_each_list_in_turn() -> None:
    assert interleave([["r1", "r2", "r3"], [], ["t1"], ["i1", "i2"]]) == ["r1", "t1", "i1", "r2", "i2", "r3"]
    assert interleave([]) == []


def test_first_ring_fills_the_budget_one_type_at_a_time_and_says_it_was_truncated() -> None:
    sel = SliceSelection("c", R, _request(max_nodes=6))
    sel.take_first_ring({R: ["r1", "r2", "r3"], W: ["w1", "w2"], T: ["t1"], INST: []})
    assert [(n.id, n.hop) for n in sel.nodes] == [
        ("c", 0),
        ("r1", 1),
        ("w1", 1),
        ("t1", 1),
        ("r2", 1),
        ("w2", 1),
    ]
    assert sel.truncated  # r3 did not fit


def test_first_ring_honours_per_type_caps_and_is_not_truncated_when_everything_fits() -> None:
    sel = SliceSelection("c", R, _request(caps={R: 1, W: 15, T: 8, INST: 5}))
    sel.take_first_ring({R: ["r1"], W: ["w1", "w2"], T: [], INST: ["i1"]})
    assert [n.id for n in sel.nodes] == ["c", "r1", "w1", "i1", "w2"]
    assert not sel.truncated
    capped = SliceSelection("c", R, _request(caps={R: 1, W: 15, T: 8, INST: 5}))
    capped.take_first_ring({R: ["r1", "r2"], W: [], T: [], INST: []})
    assert [n.id for n in capped.nodes] == ["c", "r1"] and capped.truncated


def test_fetch_asks_one_more_than_fits_so_a_cut_is_visible_and_nothing_for_unwanted_types() -> None:
    sel = SliceSelection(
        "c", R, _request(types=frozenset({R, W}), caps={R: 3, W: 0, T: 8, INST: 5}, per_node=2)
    )
    assert sel.first_fetch() == {R: 4, W: 0, T: 0, INST: 0}
    sel.take_first_ring({R: ["r1", "r2", "r3"]})
    # researchers full: still ask for one, to know whether the second ring was cut
    assert sel.second_fetch() == {R: 1, W: 0, T: 0, INST: 0}


def test_second_ring_takes_at_most_per_node_from_each_parent_round_robin() -> None:
    sel = SliceSelection("c", R, _request(hops=2, per_node=2, max_nodes=20))
    sel.take_first_ring({R: ["a", "b"]})
    sel.take_second_ring({"a": {W: ["w1", "w2", "w3"], T: ["t1"]}, "b": {W: ["w1", "w4"]}})
    # rank 0: a gives w1, b's w1 is already in; rank 1: a gives t1 (a is then full), b gives w4
    assert [(n.id, n.hop) for n in sel.nodes] == [
        ("c", 0),
        ("a", 1),
        ("b", 1),
        ("w1", 2),
        ("t1", 2),
        ("w4", 2),
    ]
    assert sel.truncated  # w2, w3 left out by per_node


def test_second_ring_never_repeats_a_node_or_shows_an_excluded_one() -> None:
    sel = SliceSelection("c", R, _request(hops=2, exclude=("x",)))
    sel.take_first_ring({R: ["a", "x"]})
    sel.take_second_ring({"a": {R: ["c", "a", "x", "b"]}})
    assert [n.id for n in sel.nodes] == ["c", "a", "b"]
    assert not sel.truncated


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("ferreira", "ferreira OR ferreira*"),
        ("Ada Ferreira", '"ada ferreira"^4 OR ada OR ferreira OR ferreira*'),
        ("c++ AND (x)", '"c++ and (x)"^4 OR c\\+\\+ OR and OR \\(x\\)'),
        ('title:"x" OR y~', '"title:\\"x\\" or y~"^4 OR title\\:\\"x\\" OR or OR y\\~'),
        ("a/b\\c", "a\\/b\\\\c OR a\\/b\\\\c*"),
    ],
)
def test_lucene_query_escapes_every_special_character(text: str, query: str) -> None:
    assert lucene.build_query(text) == query


def test_lucene_query_is_none_when_nothing_is_searchable() -> None:
    assert lucene.build_query("  +-!() ") is None
    assert lucene.build_query("") is None


def test_cursor_round_trips_and_rejects_what_the_api_did_not_hand_out() -> None:
    c = pagination.encode("works", [2022, "arxiv:2205.01001"])
    assert pagination.decode("works", c, (int, str)) == [2022, "arxiv:2205.01001"]
    huge = pagination.encode("works", [10**30, "x"])
    nan = pagination.encode("works", [float("nan"), "x"])
    for bad in (
        "abc",
        "!!!",
        pagination.encode("search", [3]),
        pagination.encode("works", ["x", "y"]),
        "é",
        huge,
        nan,
    ):
        with pytest.raises(pagination.InvalidCursor):
            pagination.decode("works", bad, (int, str))


def test_openapi_document_is_complete() -> None:
    """Every operation has a typed 200 response and its problem+json errors; every schema carries examples."""
    app = create_app(Settings(neo4j_uri="bolt://127.0.0.1:1"))
    doc = app.openapi()
    paths = doc["paths"]
    expected = {
        "/api/v1/health",
        "/api/v1/ready",
        "/api/v1/researchers/{researcher_id}",
        "/api/v1/researchers/{researcher_id}/graph",
        "/api/v1/researchers/{researcher_id}/works",
        "/api/v1/researchers/{researcher_id}/collaborators",
        "/api/v1/researchers/{researcher_id}/suggestions",
        "/api/v1/graph/expand",
        "/api/v1/works/{work_id}",
        "/api/v1/works/{work_id}/graph",
        "/api/v1/topics/{topic_id}",
        "/api/v1/topics/{topic_id}/graph",
        "/api/v1/institutions/{institution_id}",
        "/api/v1/institutions/{institution_id}/graph",
        "/api/v1/search",
    }
    assert expected <= set(paths)
    for path in expected:
        op = paths[path]["get"]
        ok = op["responses"]["200"]["content"]["application/json"]["schema"]
        assert "$ref" in ok, path
        codes = set(op["responses"])
        if path != "/api/v1/health":
            assert {"503"} <= codes, path
            assert op["responses"]["503"]["headers"]["Retry-After"]["schema"] == {"type": "integer"}
        if op.get("parameters"):
            assert "422" in codes, path
        for code in codes - {"200"}:
            assert list(op["responses"][code]["content"]) == ["application/problem+json"], (path, code)
    schemas = doc["components"]["schemas"]
    for name in (
        "QuickRead",
        "GraphSlice",
        "SliceNode",
        "SliceEdge",
        "SliceBudget",
        "WorkPage",
        "CollaboratorPage",
        "SuggestionPage",
        "WorkDetail",
        "TopicDetail",
        "InstitutionDetail",
        "SearchPage",
        "Problem",
        "Health",
        "Ready",
    ):
        assert schemas[name].get("examples"), name
    graph_params = {
        p["name"]: p for p in paths["/api/v1/researchers/{researcher_id}/graph"]["get"]["parameters"]
    }
    assert graph_params["max_nodes"]["schema"]["maximum"] == 200
    assert graph_params["hops"]["schema"]["minimum"] == 1 and graph_params["hops"]["schema"]["maximum"] == 2


def test_web_panel_is_served_at_the_root_and_researcher_pages_when_built(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from api.config import ApiSettings

    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>panel</title>", encoding="utf-8")
    (dist / "assets" / "app.js").write_text("console.log('panel')", encoding="utf-8")
    app = create_app(Settings(neo4j_uri="bolt://127.0.0.1:1"), ApiSettings(web_dist=dist, warm_up=False))
    with TestClient(app) as c:
        for path in (
            "/",
            "/researchers/orcid:0000-0002-1825-0097",
            "/researchers/doi:10.1/x%2Fy",
            "/works/doi:10.1/x%2Fy",
            "/search?q=graph",
        ):
            r = c.get(path)
            assert r.status_code == 200 and r.text == "<!doctype html><title>panel</title>", path
            assert r.headers["content-type"].startswith("text/html")
        # Any other page path gets the panel (which shows its "not found" view) with a 404 status.
        for path in ("/explorer", "/people/ada"):
            r = c.get(path)
            assert r.status_code == 404 and r.text == "<!doctype html><title>panel</title>", path
            assert r.headers["content-type"].startswith("text/html")
        assert c.get("/assets/app.js").text == "console.log('panel')"
        assert c.get("/assets/missing.js").status_code == 404
        missing_api = c.get("/api/v1/nothing")
        assert (
            missing_api.status_code == 404
            and missing_api.headers["content-type"] == "application/problem+json"
        )
        assert c.get("/api/v1/health").json()["status"] == "ok"
    bare = create_app(
        Settings(neo4j_uri="bolt://127.0.0.1:1"), ApiSettings(web_dist=tmp_path / "none", warm_up=False)
    )
    with TestClient(bare) as c:
        assert c.get("/").status_code == 404
