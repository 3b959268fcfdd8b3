"""Browser tests: Debian's headless chromium (Playwright) drives the page the API serves on a real Neo4j graph."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from neo4j import Driver

from kg import graphdb
from kg.config import Settings
from tests.browser_support import Served, click_node, explorer_ids, overlapping, panel_ids, tid, wait_until
from tests.conftest import wipe

pytestmark = [pytest.mark.browser, pytest.mark.neo4j]

_pw = pytest.importorskip(
    "playwright.sync_api", reason="playwright (the Python client) is not installed: pip install -e '.[dev]'"
)
expect = _pw.expect

# ---------------------------------------------------------------------------------------------- the fixture graph
# A small graph in the project's model: Ada (a profile researcher) with more works than the panel's work cap, three
# co-authors, two topics and an institution; Bruno's own ring holds what expanding him must add; Lena has nothing.

ADA = "profile:ada-ferreira"
BRUNO = "orcid:0000-0002-0000-0001"
CHEN = "orcid:0000-0002-0000-0002"
DANA = "openalex:A5000000003"
EVE = "orcid:0000-0002-0000-0005"
LENA = "profile:lena-solo"
GNN = "openalex:T11001"
KGE = "openalex:T11003"
DIST_SYS = "openalex:T10054"
NORTHBRIDGE = "ror:02abc1234"

ADA_WORKS = [f"doi:10.5555/rkg.{i:04d}" for i in range(1, 18)]  # 17 works, years 2010…2026
WORK_CAP = 15  # the API's default cap on works in a slice (api/schemas.py DEFAULT_TYPE_CAPS)
BRUNO_ONLY_WORK = "arxiv:2403.01234"

RESEARCHERS = [
    {
        "id": ADA,
        "name": "Ada Ferreira",
        "headline": "Scalable graph learning systems",
        "claimed": False,
        "verification_level": "L1",
        "trust_score": 21,
        "trust_label": "Emerging",
        "affiliation_status": "known",
        "open_to_collaborate": True,
        "followers": 12,
        "reported_works": 17,
    },
    {"id": BRUNO, "name": "Bruno Okafor", "headline": "Distributed training"},
    {"id": CHEN, "name": "Chen Wei", "headline": None},
    {"id": DANA, "name": "Dana Kowalski", "headline": None},
    {"id": EVE, "name": "Eve Martins", "headline": "Consensus protocols"},
    {"id": LENA, "name": "Lena Solo", "headline": "Just arrived", "affiliation_status": "unknown"},
]
TITLES = [
    "Sharded Attention Kernels for Long-Context Graph Transformers",
    "Message Passing at Billion-Edge Scale",
    "Negative Sampling Strategies for Knowledge Graph Embeddings",
    "Temporal Link Prediction with Memory Modules",
    "A Benchmark for Inductive Node Classification",
    "Graph Contrastive Learning without Augmentations",
    "Pruning Graph Neural Networks for Edge Devices",
    "Heterogeneous Graph Attention for Scholarly Data",
    "Relational Reasoning over Citation Networks",
    "Sparse Mixture-of-Experts for Graph Transformers",
    "Explaining Link Predictions with Counterfactual Subgraphs",
    "Curriculum Learning for Entity Alignment",
    "Rotational Embeddings Revisited",
    "Scaling Laws for Graph Foundation Models",
    "Streaming Community Detection in Co-authorship Graphs",
    "Federated Graph Learning under Label Skew",
    "Hyperbolic Embeddings for Taxonomies",
]
WORKS = [
    {
        "id": wid,
        "title": TITLES[i],
        "year": 2010 + i,
        "venue": "arXiv" if i % 2 else "NeurIPS",
        "doi": wid[4:],
    }
    for i, wid in enumerate(ADA_WORKS)
] + [
    {
        "id": BRUNO_ONLY_WORK,
        "title": "Byzantine-Robust Gossip for Decentralised SGD",
        "year": 2024,
        "venue": "ICML",
    }
]
AUTHORED = (
    [{"r": ADA, "w": w, "position": 1} for w in ADA_WORKS]
    + [{"r": BRUNO, "w": w, "position": 2} for w in ADA_WORKS[:3]]
    + [{"r": CHEN, "w": w, "position": 3} for w in (ADA_WORKS[1], ADA_WORKS[3])]
    + [{"r": DANA, "w": ADA_WORKS[4], "position": 2}]
    + [{"r": BRUNO, "w": BRUNO_ONLY_WORK, "position": 1}, {"r": EVE, "w": BRUNO_ONLY_WORK, "position": 2}]
)
COAUTHOR = [  # stored once per pair, lower id -> higher id
    {"a": ADA, "b": BRUNO, "shared": 3, "weight": 1.5},
    {"a": ADA, "b": CHEN, "shared": 2, "weight": 1.0},
    {"a": ADA, "b": DANA, "shared": 1, "weight": 0.5},
    {"a": BRUNO, "b": CHEN, "shared": 1, "weight": 0.33},
    {"a": BRUNO, "b": EVE, "shared": 1, "weight": 0.5},
]
TOPICS = [
    {"id": GNN, "name": "Graph Neural Network Models", "level": "topic"},
    {"id": KGE, "name": "Knowledge Graph Embeddings", "level": "topic"},
    {"id": DIST_SYS, "name": "Distributed Systems and Consensus", "level": "topic"},
]
HAS_TOPIC = [{"w": w, "t": GNN, "score": 0.9} for w in ADA_WORKS[:8]] + [
    {"w": w, "t": KGE, "score": 0.7} for w in ADA_WORKS[8:]
]
WORKS_ON = [
    {"r": ADA, "t": GNN, "weight": 8.0},
    {"r": ADA, "t": KGE, "weight": 9.0},
    {"r": BRUNO, "t": GNN, "weight": 3.0},
    {"r": BRUNO, "t": DIST_SYS, "weight": 1.0},
]
INSTITUTIONS = [{"id": NORTHBRIDGE, "name": "Northbridge Institute of Technology", "country_code": "GB"}]
AFFILIATED = [{"r": ADA, "i": NORTHBRIDGE}, {"r": CHEN, "i": NORTHBRIDGE}]

FIXTURE_CYPHER = [
    (
        "UNWIND $rows AS row MERGE (r:Researcher {id: row.id}) SET r += row, r.sources = ['test'],"
        " r.updated_at = datetime(), r.load_run = 'test'",
        RESEARCHERS,
    ),
    (
        "UNWIND $rows AS row MERGE (w:Work {id: row.id}) SET w += row, w.sources = ['test'],"
        " w.updated_at = datetime(), w.load_run = 'test'",
        WORKS,
    ),
    (
        "UNWIND $rows AS row MERGE (t:Topic {id: row.id}) SET t += row, t.scheme = 'openalex', t.sources = ['test'],"
        " t.updated_at = datetime(), t.load_run = 'test'",
        TOPICS,
    ),
    (
        "UNWIND $rows AS row MERGE (i:Institution {id: row.id}) SET i += row, i.sources = ['test'],"
        " i.updated_at = datetime(), i.load_run = 'test'",
        INSTITUTIONS,
    ),
    (
        "UNWIND $rows AS row MATCH (r:Researcher {id: row.r}), (w:Work {id: row.w})"
        " MERGE (r)-[a:AUTHORED]->(w) SET a.position = row.position, a.source = 'test', a.confidence = 1.0",
        AUTHORED,
    ),
    (
        "UNWIND $rows AS row MATCH (a:Researcher {id: row.a}), (b:Researcher {id: row.b})"
        " MERGE (a)-[c:COAUTHOR]->(b) SET c.shared_works = row.shared, c.weight = row.weight",
        COAUTHOR,
    ),
    (
        "UNWIND $rows AS row MATCH (w:Work {id: row.w}), (t:Topic {id: row.t})"
        " MERGE (w)-[h:HAS_TOPIC]->(t) SET h.score = row.score, h.method = 'source'",
        HAS_TOPIC,
    ),
    (
        "UNWIND $rows AS row MATCH (r:Researcher {id: row.r}), (t:Topic {id: row.t})"
        " MERGE (r)-[o:WORKS_ON]->(t) SET o.weight = row.weight",
        WORKS_ON,
    ),
    (
        "UNWIND $rows AS row MATCH (r:Researcher {id: row.r}), (i:Institution {id: row.i})"
        " MERGE (r)-[a:AFFILIATED_WITH]->(i) SET a.source = 'test'",
        AFFILIATED,
    ),
]


def build_browser_fixture(driver: Driver, settings: Settings) -> None:
    for cypher, rows in FIXTURE_CYPHER:
        graphdb.run(driver, cypher, {"rows": rows}, write=True, settings=settings)


def ada_expected_slice() -> set[str]:
    """Ada's panel with the API's default budget: her 15 most recent works, co-authors, topics, institution."""
    recent = [w["id"] for w in sorted(WORKS[:17], key=lambda w: (-w["year"], w["id"]))][:WORK_CAP]
    return {ADA, BRUNO, CHEN, DANA, GNN, KGE, NORTHBRIDGE, *recent}


# ---------------------------------------------------------------------------------------------- the served graph


def _holds_browser_fixture(driver: Driver, settings: Settings) -> bool:
    rows = graphdb.run(
        driver,
        "CALL () { MATCH (n) RETURN count(n) AS nodes } "
        "CALL () { MATCH (l:Researcher {id: $lena}) RETURN count(l) AS lena } "
        "RETURN nodes, lena",
        {"lena": LENA},
        settings=settings,
    )
    size = len(RESEARCHERS) + len(WORKS) + len(TOPICS) + len(INSTITUTIONS)
    return bool(rows) and rows[0]["nodes"] == size and rows[0]["lena"] == 1


@pytest.fixture
def served(api_server: Served, neo4j_driver: Driver, neo4j_settings: Settings) -> Served:
    """The API over this module's hand-written graph (built once, rebuilt when another test replaced it)."""
    if not _holds_browser_fixture(neo4j_driver, neo4j_settings):
        wipe(neo4j_driver, neo4j_settings)
        build_browser_fixture(neo4j_driver, neo4j_settings)
    return api_server


@pytest.fixture
def hub_graph(api_server: Served, neo4j_driver: Driver, neo4j_settings: Settings) -> dict[str, Any]:
    """The API's own fixture graph (tests/api_fixture_graph.py): a supernode topic and a prolific author."""
    fixture = pytest.importorskip(
        "tests.api_fixture_graph", reason="the API's fixture graph builder is absent"
    )
    data: dict[str, Any] = fixture.ensure_fixture_graph(neo4j_driver, neo4j_settings)
    return data


def open_explorer(page: Any, served: Served, rid: str = ADA) -> None:
    page.goto(served.profile(rid, "?view=explorer"))
    page.wait_for_selector('[data-testid="explorer"][data-state="ready"]')


# ---------------------------------------------------------------------------------------------- the profile


def test_profile_quick_read_and_works(page: Any, served: Served) -> None:
    page.goto(served.profile(ADA))
    quick = tid(page, "quick-read")
    quick.wait_for()
    assert tid(page, "profile-name").inner_text() == "Ada Ferreira"
    assert tid(page, "profile-headline").inner_text() == "Scalable graph learning systems"
    assert tid(page, "profile-claimed").inner_text() == "Profile not claimed"
    assert tid(page, "profile-verification").inner_text() == "Verification L1"
    assert tid(page, "profile-trust").inner_text() == "Trust 21 · Emerging"
    assert tid(page, "profile-affiliation-status").inner_text() == "Affiliation known"
    graph_counts = tid(page, "profile-counts")
    assert graph_counts.get_by_test_id("count-works").locator("dd").inner_text() == "17"
    assert graph_counts.get_by_test_id("count-coauthors").locator("dd").inner_text() == "3"
    assert graph_counts.get_by_test_id("count-topics").locator("dd").inner_text() == "2"
    assert graph_counts.get_by_test_id("count-institutions").locator("dd").inner_text() == "1"
    reported = tid(page, "profile-reported")
    assert reported.get_by_test_id("count-followers").locator("dd").inner_text() == "12"
    # Top topics by WORKS_ON weight: Knowledge Graph Embeddings (9.0) before Graph Neural Network Models (8.0).
    assert tid(page, "top-topics").locator("a").all_inner_texts() == [
        "Knowledge Graph Embeddings",
        "Graph Neural Network Models",
    ]
    # The works list: most recent first, every one of the 17 on the first page.
    items = tid(page, "work-item")
    items.nth(16).wait_for()
    assert items.count() == 17
    assert items.first.locator(".work-title").inner_text() == "Hyperbolic Embeddings for Taxonomies"
    assert tid(page, "works-more").is_hidden()


def test_panel_shows_loading_then_the_expected_slice(page: Any, served: Served) -> None:
    held: list[Any] = []
    page.route("**/api/v1/researchers/*/graph*", lambda route: held.append(route))
    page.goto(served.profile(ADA))
    loading = tid(page, "graph-loading")
    loading.wait_for()
    assert loading.inner_text() == "Building this graph slice…"
    wait_until(page, lambda: bool(held), "the slice request")
    held[0].continue_()
    panel = page.locator('[data-testid="graph-panel"][data-state="ready"]')
    panel.wait_for()
    api = served.get_json(f"/api/v1/researchers/{quote(ADA, safe='')}/graph")
    expected = ada_expected_slice()
    assert {n["id"] for n in api["nodes"]} == expected
    assert panel.get_attribute("data-nodes") == str(len(expected)) == "22"
    assert panel_ids(page) == expected
    assert panel.get_attribute("data-truncated") == "true"
    # Two of Ada's works are left out by the budget: the centre carries a "+2 more" stub.
    assert page.evaluate("() => window.__researchKg.panel.visibleNodeIds().length") == 22
    # The summary says what is drawn of what the researcher has, and what the explorer can add.
    assert tid(page, "graph-summary").inner_text() == (
        "Drawn: 3 co-authors, 15 of 17 works, 2 topics, 1 institution · 2 more connections in the explorer"
        " · click a node to explore it"
    )
    legend = tid(page, "graph-legend").locator("li").all_inner_texts()
    assert legend[:4] == ["Researcher", "Work", "Topic", "Institution"]
    assert not tid(page, "graph-loading").is_visible()


def test_empty_state_for_a_researcher_with_no_neighbours(page: Any, served: Served) -> None:
    page.goto(served.profile(LENA))
    empty = tid(page, "graph-empty")
    empty.wait_for()
    assert empty.locator("strong").inner_text() == "No connections in the graph yet."
    assert tid(page, "graph-panel").get_attribute("data-state") == "empty"
    expect(tid(page, "profile-name")).to_have_text("Lena Solo")
    expect(tid(page, "works-status")).to_have_text("No works in the graph yet.")


def test_error_state_when_the_api_fails_then_recovers(page: Any, served: Served) -> None:
    problem = {
        "type": "about:blank",
        "title": "Service Unavailable",
        "status": 503,
        "detail": "Neo4j does not answer",
    }
    page.route(
        "**/api/v1/researchers/*/graph*",
        lambda route: route.fulfill(
            status=503,
            headers={"Content-Type": "application/problem+json", "Retry-After": "5"},
            body=json.dumps(problem),
        ),
    )
    page.goto(served.profile(ADA))
    error = tid(page, "graph-error")
    error.wait_for()
    assert error.locator("strong").inner_text() == "Could not build this graph slice."
    assert (
        tid(page, "graph-error-message").inner_text()
        == "The graph database is not answering right now. Try again in 5 s."
    )
    assert tid(page, "graph-panel").get_attribute("data-state") == "error"
    # The quick read comes from another endpoint and still shows.
    expect(tid(page, "profile-name")).to_have_text("Ada Ferreira")
    page.unroute("**/api/v1/researchers/*/graph*")
    tid(page, "graph-retry").click()
    page.locator('[data-testid="graph-panel"][data-state="ready"]').wait_for()
    assert panel_ids(page) == ada_expected_slice()


def test_error_state_when_the_api_is_unreachable(page: Any, served: Served) -> None:
    page.route("**/api/v1/**", lambda route: route.abort("connectionrefused"))
    page.goto(served.profile(ADA))
    tid(page, "graph-error").wait_for()
    assert tid(page, "graph-error-message").inner_text() == (
        "The Research KG API cannot be reached. Check that it is running, then try again."
    )
    expect(tid(page, "profile-error")).to_be_visible()


def test_unknown_researcher_says_so(page: Any, served: Served) -> None:
    missing = "orcid:0000-0000-0000-0000"
    page.goto(served.profile(missing))
    error = tid(page, "profile-error")
    error.wait_for()
    assert error.locator("strong").inner_text() == "No researcher with this id."
    assert missing in error.inner_text()
    # One message, not three: the panel, the suggestions and the works list give way to it (no "Try again").
    expect(tid(page, "graph-panel")).to_be_hidden()
    expect(tid(page, "works-list")).to_be_hidden()
    expect(tid(page, "suggestions")).to_be_hidden()
    expect(tid(page, "graph-retry")).to_have_count(0)


# ---------------------------------------------------------------------------------------------- the explorer


def test_open_explorer_from_the_panel_and_back(page: Any, served: Served) -> None:
    page.goto(served.profile(ADA))
    page.locator('[data-testid="graph-panel"][data-state="ready"]').wait_for()
    tid(page, "open-explorer").click()
    page.locator('[data-testid="explorer"][data-state="ready"]').wait_for()
    assert page.url == served.profile(ADA, "?view=explorer")
    assert explorer_ids(page) == ada_expected_slice()
    assert tid(page, "explorer-title").inner_text() == "Explorer · Ada Ferreira"
    tid(page, "explorer-back").click()
    tid(page, "quick-read").wait_for()
    assert page.url == served.profile(ADA)


def test_click_expands_a_node_and_adds_its_neighbours(page: Any, served: Served) -> None:
    open_explorer(page, served)
    before = explorer_ids(page)
    click_node(page, "explorer", BRUNO)
    details = tid(page, "node-details")
    page.locator(f'[data-testid="node-details"][data-id="{BRUNO}"]').wait_for()
    page.locator('[data-testid="explorer"][data-state="ready"][data-last-added]').wait_for()
    assert tid(page, "details-title").inner_text() == "Bruno Okafor"
    after = explorer_ids(page)
    # Bruno's next ring beyond what was drawn: the two shared works Ada's budget left out, his own work, its
    # co-author Eve, and his second topic.
    assert after - before == {ADA_WORKS[0], ADA_WORKS[1], BRUNO_ONLY_WORK, EVE, DIST_SYS}
    assert tid(page, "explorer").get_attribute("data-last-added") == "5"
    assert tid(page, "explorer").get_attribute("data-total-nodes") == "27"
    neighbours = details.get_by_test_id("details-neighbours").locator("button").all_inner_texts()
    # Drawn connections, people first and the most shared papers first, in plain words (no weights).
    assert [" ".join(t.split()) for t in neighbours[:3]] == [
        "Ada Ferreira · 3 shared papers",
        "Eve Martins · 1 shared paper",
        "Chen Wei · 1 shared paper",
    ]


def test_more_stub_fetches_what_the_budget_left_out(page: Any, served: Served) -> None:
    open_explorer(page, served)
    more = page.evaluate(f"() => window.__researchKg.explorer.moreId({json.dumps(ADA)})")
    click_node(page, "explorer", more)
    page.locator('[data-testid="explorer"][data-state="ready"][data-last-added="2"]').wait_for()
    assert explorer_ids(page) - ada_expected_slice() == set(ADA_WORKS[:2])
    assert tid(page, "details-hidden").inner_text() == "0"


def test_type_filter_hides_a_type(page: Any, served: Served) -> None:
    open_explorer(page, served)
    works = set(ADA_WORKS)
    assert explorer_ids(page, visible=True) & works
    tid(page, "filter-work").uncheck()
    shown = explorer_ids(page, visible=True)
    assert not shown & works
    assert shown == {ADA, BRUNO, CHEN, DANA, GNN, KGE, NORTHBRIDGE}
    assert tid(page, "explorer").get_attribute("data-visible-nodes") == "7"
    assert tid(page, "explorer-status").inner_text().startswith("Showing 7 of 22 nodes")
    tid(page, "filter-work").check()
    assert explorer_ids(page, visible=True) == ada_expected_slice()


def test_search_jumps_to_a_node_not_yet_drawn(page: Any, served: Served) -> None:
    open_explorer(page, served)
    assert EVE not in explorer_ids(page)
    tid(page, "explorer-search").fill("Martins")
    hit = page.locator(f'[data-testid="search-result"][data-id="{EVE}"]')
    hit.wait_for()
    assert hit.get_attribute("data-type") == "researcher"
    hit.click()
    page.locator(f'[data-testid="node-details"][data-id="{EVE}"]').wait_for()
    assert tid(page, "details-title").inner_text() == "Eve Martins"
    assert EVE in explorer_ids(page, visible=True)
    # Her ring came with her: her work and her co-author.
    assert {BRUNO_ONLY_WORK, BRUNO} <= explorer_ids(page)
    assert page.evaluate(f"() => window.__researchKg.explorer.clientPosition({json.dumps(EVE)}) !== null")


def test_search_jumps_to_a_work_already_drawn(page: Any, served: Served) -> None:
    open_explorer(page, served)
    tid(page, "explorer-search").fill("Hyperbolic Taxonomies")
    hit = page.locator(f'[data-testid="search-result"][data-id="{ADA_WORKS[16]}"]')
    hit.wait_for()
    hit.click()
    page.locator(f'[data-testid="node-details"][data-id="{ADA_WORKS[16]}"]').wait_for()
    assert tid(page, "details-title").inner_text() == "Hyperbolic Embeddings for Taxonomies"
    assert tid(page, "details-type").inner_text().strip() == "Work"


def test_expand_failure_shows_an_error_and_keeps_the_graph(page: Any, served: Served) -> None:
    open_explorer(page, served)
    page.route("**/api/v1/graph/expand*", lambda route: route.fulfill(status=500, body="boom"))
    click_node(page, "explorer", CHEN)
    banner = tid(page, "explorer-error")
    banner.wait_for()
    assert banner.inner_text() == "Could not expand Chen Wei: The API failed (500): 500 Internal Server Error"
    assert explorer_ids(page) == ada_expected_slice()


def test_panel_click_opens_the_explorer_on_that_node(page: Any, served: Served) -> None:
    page.goto(served.profile(ADA))
    page.locator('[data-testid="graph-panel"][data-state="ready"]').wait_for()
    click_node(page, "panel", DANA)
    page.locator(f'[data-testid="node-details"][data-id="{DANA}"]').wait_for()
    assert tid(page, "details-title").inner_text() == "Dana Kowalski"
    # The explorer expanded her as a click would, and its URL says so.
    page.locator('[data-testid="explorer"][data-state="ready"][data-last-added]').wait_for()
    assert page.url == served.profile(
        ADA, "?" + urlencode([("view", "explorer"), ("x", DANA), ("focus", DANA)])
    )


def test_landing_search_opens_a_profile(page: Any, served: Served) -> None:
    page.goto(served.url("/"))
    tid(page, "home-search").fill("Chen Wei")
    hit = page.locator(f'[data-testid="search-result"][data-id="{CHEN}"]')
    hit.click()
    expect(tid(page, "profile-name")).to_have_text("Chen Wei")
    assert page.url == served.profile(CHEN)
    # Back in history returns to the landing page.
    page.go_back()
    tid(page, "landing").wait_for()


# Leaving a view while it still loads or draws: the page it left must let go quietly (the `page` fixture fails a test
# on any uncaught error in the page, and these also check that the page the person went to is left alone).


def test_leaving_a_profile_before_its_graph_arrives(page: Any, served: Served) -> None:
    held: list[Any] = []
    page.route("**/api/v1/researchers/*/graph", lambda route: held.append(route))
    page.goto(served.url("/"))
    tid(page, "home-search").fill("Chen Wei")
    page.locator(f'[data-testid="search-result"][data-id="{CHEN}"]').click()
    expect(tid(page, "profile-name")).to_have_text("Chen Wei")
    wait_until(page, lambda: bool(held), "the panel to ask for its graph")
    page.go_back()
    tid(page, "landing").wait_for()
    with page.expect_response(lambda r: r.url.endswith("/graph")) as arrived:
        held[0].continue_()
    assert arrived.value.ok  # the slice has arrived, for a view that is gone
    page.wait_for_timeout(500)
    expect(tid(page, "landing")).to_be_visible()
    expect(tid(page, "graph-panel")).to_have_count(0)
    assert page.title() == "Research KG"


def test_leaving_a_profile_while_its_graph_draws(page: Any, served: Served) -> None:
    for _ in range(3):
        page.goto(served.url("/"))
        tid(page, "home-search").fill("Chen Wei")
        page.locator(f'[data-testid="search-result"][data-id="{CHEN}"]').click()
        page.locator('[data-testid="graph-panel"][data-state="ready"]').wait_for()
        page.go_back()
        tid(page, "landing").wait_for()
        page.wait_for_timeout(500)
    expect(tid(page, "landing")).to_be_visible()


def test_leaving_the_explorer_while_an_expansion_animates(page: Any, served: Served) -> None:
    page.goto(served.url("/"))
    open_explorer(page, served)
    click_node(page, "explorer", BRUNO)
    page.locator('[data-testid="explorer"][data-state="ready"][data-last-added]').wait_for()
    page.go_back()
    tid(page, "landing").wait_for()
    page.wait_for_timeout(800)  # the expansion's 350 ms animation would have ended on a detached drawing
    expect(tid(page, "landing")).to_be_visible()


# ---------------------------------------------------------------------------------------------- readability


def test_labels_never_overlap_and_the_people_are_named(page: Any, served: Served) -> None:
    page.goto(served.profile(ADA))
    page.locator('[data-testid="graph-panel"][data-state="ready"]').wait_for()
    boxes = page.evaluate("() => window.__researchKg.panel.labelBoxes()")
    assert overlapping(boxes) == []
    assert {ADA, BRUNO, CHEN, DANA} <= {b["id"] for b in boxes}
    open_explorer(page, served)
    click_node(page, "explorer", BRUNO)
    page.locator('[data-testid="explorer"][data-state="ready"][data-last-added]').wait_for()
    page.wait_for_timeout(500)  # the expansion animates the nodes into place
    boxes = page.evaluate("() => window.__researchKg.explorer.labelBoxes()")
    assert overlapping(boxes) == []
    assert {ADA, BRUNO, CHEN, DANA, EVE} <= {b["id"] for b in boxes}


# ---------------------------------------------------------------------------------------------- hubs


def test_supernode_topic_draws_its_bounded_slice(
    page: Any, api_server: Served, hub_graph: dict[str, Any]
) -> None:
    topic = hub_graph["supernode"]
    page.goto(api_server.url("/?" + urlencode({"explore": topic, "type": "topic"})))
    page.locator('[data-testid="explorer"][data-state="ready"]').wait_for()
    api = api_server.get_json("/api/v1/graph/expand?" + urlencode({"node": topic}))
    expected = {n["id"] for n in api["nodes"]}
    assert explorer_ids(page) == expected
    assert len(expected) <= api["budget"]["max_nodes"]
    assert api["truncated"] is True
    centre = next(n for n in api["nodes"] if n["id"] == topic)
    assert centre["hidden_neighbours"] > 2900
    # The details pane says how many of the hub's neighbours the budget left out, exactly as the API counts them.
    expect(tid(page, "details-hidden")).to_have_text(f"{centre['hidden_neighbours']:,}")
    assert tid(page, "details-title").inner_text() == "Machine Learning Methods"

    # "+N more" on the hub fetches its next ring, excluding everything already drawn.
    more = page.evaluate(f"() => window.__researchKg.explorer.moreId({json.dumps(topic)})")
    click_node(page, "explorer", more)
    page.locator('[data-testid="explorer"][data-state="ready"][data-last-added]').wait_for()
    added = int(tid(page, "explorer").get_attribute("data-last-added"))
    assert added > 0
    grown = explorer_ids(page)
    assert expected < grown
    assert len(grown) == len(expected) + added


def test_prolific_author_panel_stays_within_budget(
    page: Any, api_server: Served, hub_graph: dict[str, Any]
) -> None:
    hub = hub_graph["hub"]
    page.goto(api_server.profile(hub))
    panel = page.locator('[data-testid="graph-panel"][data-state="ready"]')
    panel.wait_for()
    api = api_server.get_json(f"/api/v1/researchers/{quote(hub, safe='')}/graph")
    assert panel_ids(page) == {n["id"] for n in api["nodes"]}
    assert int(panel.get_attribute("data-nodes")) == len(api["nodes"]) <= api["budget"]["max_nodes"]
    assert panel.get_attribute("data-truncated") == "true"


def test_seed_profile_counts_come_from_the_graph(
    page: Any, api_server: Served, hub_graph: dict[str, Any]
) -> None:
    works = hub_graph["profile_works"]
    page.goto(api_server.profile(hub_graph["profile"]))
    counts = tid(page, "profile-counts")
    counts.wait_for()
    assert counts.get_by_test_id("count-works").locator("dd").inner_text() == str(len(works)) == "9"
    assert tid(page, "profile-name").inner_text() == "Ada Ferreira"
    items = tid(page, "work-item")
    items.nth(len(works) - 1).wait_for()
    assert items.count() == len(works)
    assert {items.nth(i).get_attribute("data-id") for i in range(len(works))} == set(works)


# ---------------------------------------------------------------------------------------------- the landing page


def test_landing_counts_the_graph_and_opens_a_well_connected_researcher(
    page: Any, served: Served, neo4j_driver: Driver, neo4j_settings: Settings
) -> None:
    # Ada: 17 works, co-authors Bruno, Chen and Dana; Bruno: 4 works, co-authors Ada, Chen and Eve; Chen has 2
    # co-authors only, the others one work each
    page.goto(served.url("/"))
    page.locator('[data-testid="overview"][data-state="ready"]').wait_for()
    counts = {
        k: tid(page, f"count-{k}").get_attribute("data-value") for k in ("researchers", "works", "topics")
    }
    assert counts == {"researchers": "6", "works": "18", "topics": "2"}  # of 3: one only in a WORKS_ON
    assert tid(page, "count-topics").inner_text() == "2 topics in use of 3"
    assert tid(page, "count-institutions").inner_text() == "1 institution"
    featured = tid(page, "featured-researcher")
    assert featured.all_inner_texts() == ["Ada Ferreira", "Bruno Okafor"]
    assert [featured.nth(i).get_attribute("data-id") for i in range(2)] == [ADA, BRUNO]
    assert (
        page.locator(".featured li").first.inner_text()
        == "Ada Ferreira 17 works · 3 co-authors · 1 institution"
    )
    assert tid(page, "load-runs-empty").is_visible()  # the hand-written graph came from no load
    expect_search = tid(page, "home-search")
    assert expect_search.is_visible()

    featured.first.click()
    tid(page, "profile-name").wait_for()
    assert tid(page, "profile-name").inner_text() == "Ada Ferreira"
    assert page.url == served.profile(ADA)


def test_landing_lists_the_last_load_runs(
    page: Any, served: Served, neo4j_driver: Driver, neo4j_settings: Settings
) -> None:
    graphdb.run(
        neo4j_driver,
        "CREATE (:LoadRun {id: 'run:test-landing', status: 'completed', source: 'arxiv-metadata,openalex',"
        " started_at: datetime('2026-01-02T03:04:00Z'), loaded: 53, rejected: 1,"
        ' counts: \'{"Researcher": 183, "Work": 53}\'})',
        write=True,
        settings=neo4j_settings,
    )
    try:
        page.goto(served.url("/"))
        row = page.locator('[data-testid="load-run"][data-id="run:test-landing"]')
        row.wait_for()
        cells = row.locator("td").all_inner_texts()
        assert cells[1:] == [
            "completed",
            "arxiv-metadata, openalex",
            "53 loaded, 1 rejected",
            "Researcher 183, Work 53",
        ]
        assert cells[0].startswith("2 Jan 2026")
    finally:
        graphdb.run(
            neo4j_driver,
            "MATCH (l:LoadRun {id: 'run:test-landing'}) DELETE l",
            write=True,
            settings=neo4j_settings,
        )
