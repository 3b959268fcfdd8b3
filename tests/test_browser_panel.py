"""The panel researchers use, checked in headless chromium on all of ../shared/data loaded as `kg up` loads it:
suggestions with their reasons, first-ring labels, drawn nodes that stay put, the work view, search with
disambiguators and the keyboard, the explorer's state in its URL, BibTeX and CSV export, a 390 px phone, and the
"not found" pages. Expected values come from the API and the graph, never from the page itself."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import pytest
from neo4j import Driver

from kg import graphdb
from kg.config import Settings
from tests.browser_support import TIMEOUT_MS, Served, click_node, overlapping, tid, wait_until
from tests.conftest import kg_env, wipe

pytestmark = [pytest.mark.browser, pytest.mark.neo4j, pytest.mark.shared_data, pytest.mark.timeout(1800)]

_pw = pytest.importorskip(
    "playwright.sync_api", reason="playwright (the Python client) is not installed: pip install -e '.[dev]'"
)
expect = _pw.expect

SEED = "profile:song|xiang"  # the seed profile page's researcher (seeds/000_…): Xiang Song


# ---------------------------------------------------------------------------------------------- the shared graph


def _holds_shared_graph(driver: Driver, settings: Settings) -> bool:
    rows = graphdb.run(
        driver,
        "CALL () { MATCH (s:Researcher {id: $seed}) RETURN count(s) AS seed } "
        "CALL () { MATCH (:Researcher {id: 'profile:ada-ferreira'}) RETURN count(*) AS fixture } "
        "CALL () { MATCH (:LoadRun) RETURN count(*) AS runs } "
        "CALL () { MATCH (s:Researcher) WHERE s.suggested IS NOT NULL WITH s LIMIT 1 RETURN count(s) AS suggested } "
        "CALL () { MATCH (w:Work) RETURN count(w) AS works } "
        "RETURN seed, fixture, runs, suggested, works",
        {"seed": SEED},
        settings=settings,
    )
    r = rows[0]
    return (
        r["seed"] == 1 and r["fixture"] == 0 and r["runs"] >= 1 and r["suggested"] == 1 and r["works"] > 4000
    )


@pytest.fixture(scope="module")
def shared_graph(shared_data: Path, neo4j_driver: Driver, neo4j_settings: Settings) -> None:
    """All of ../shared/data in the test Neo4j, loaded, derived and discovered by `kg up --no-serve` (reused while
    the database still holds it)."""
    if _holds_shared_graph(neo4j_driver, neo4j_settings):
        return
    wipe(neo4j_driver, neo4j_settings)
    proc = subprocess.run(
        [sys.executable, "-m", "kg.cli", "up", str(shared_data), "--no-serve"],
        env=kg_env(neo4j_settings),
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert _holds_shared_graph(neo4j_driver, neo4j_settings)


@pytest.fixture
def live(api_server: Served, shared_graph: None) -> Served:
    return api_server


def api(served: Served, path: str, **params: Any) -> Any:
    r = httpx.get(served.base + "/api/v1" + path, params=params, timeout=60)
    r.raise_for_status()
    return r.json()


def one(driver: Driver, settings: Settings, cypher: str, **params: Any) -> dict[str, Any]:
    rows = graphdb.run(driver, cypher, params, settings=settings)
    assert rows, cypher
    return rows[0]


@pytest.fixture
def most_close(neo4j_driver: Driver, neo4j_settings: Settings, shared_graph: None) -> str:
    """The researcher with the most close collaborators (2+ shared works)."""
    return str(
        one(
            neo4j_driver,
            neo4j_settings,
            "MATCH (r:Researcher)-[c:COAUTHOR]-() WHERE c.shared_works >= 2 "
            "WITH r, count(*) AS close RETURN r.id AS id ORDER BY close DESC, id LIMIT 1",
        )["id"]
    )


def expandable_close(served: Served, rid: str) -> list[str]:
    """The researcher's close collaborators that have neighbours the first slice does not draw (a click adds some)."""
    nodes = api(served, f"/researchers/{quote(rid, safe='')}/graph")["nodes"]
    hidden = {n["id"]: n["hidden_neighbours"] for n in nodes}
    close = [c["id"] for c in api(served, f"/researchers/{quote(rid, safe='')}")["top_collaborators"]]
    return [c for c in close if hidden.get(c, 0) > 0]


def wait_ready(page: Any, what: str = "explorer") -> None:
    page.locator(f'[data-testid="{what}"][data-state="ready"]').wait_for()


def wait_expanded(page: Any, before: int) -> None:
    wait_until(
        page,
        lambda: (
            page.get_by_test_id("explorer").get_attribute("data-state") == "ready"
            and int(page.get_by_test_id("explorer").get_attribute("data-total-nodes") or 0) > before
        ),
        "the expansion to be drawn",
    )


def ids(page: Any, view: str = "explorer") -> set[str]:
    return set(page.evaluate(f"() => window.__researchKg.{view}.nodeIds()"))


def positions(page: Any, view: str = "explorer") -> dict[str, tuple[float, float]]:
    out = page.evaluate(
        "(v) => Object.fromEntries(window.__researchKg[v].nodeIds().map("
        "id => [id, window.__researchKg[v].modelPosition(id)]))",
        view,
    )
    return {k: (v["x"], v["y"]) for k, v in out.items() if v is not None}


# ---------------------------------------------------------------------------------------------- 1. suggestions


def reason_lines(s: dict[str, Any]) -> list[str]:
    """The plain words the page must show for one suggestion's reasons (web/src/words.ts, written out again)."""

    def names(xs: list[dict[str, Any]], total: int) -> str:
        shown = [x["name"] or x["id"] for x in xs][:3]
        rest = max(total, len(xs)) - len(shown)
        if rest > 0:
            return f"{', '.join(shown)} and {rest} other{'s' if rest != 1 else ''}"
        return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"

    r = s["reasons"]
    out = []
    if r["shared_coauthors"] or r["shared_coauthor_count"]:
        out.append(f"Both have written with {names(r['shared_coauthors'], r['shared_coauthor_count'])}")
    open_ = [c for c in r["shared_coauthors"] if c.get("open") is True]
    if open_:
        out.append(f"Both wrote with {names(open_, len(open_))} on papers without their other co-authors")
    if r["shared_topics"]:
        out.append(f"Both work on {names(r['shared_topics'], len(r['shared_topics']))}")
    if r["shared_institutions"]:
        out.append(f"Both at {names(r['shared_institutions'], len(r['shared_institutions']))}")
    if s["open_to_collaborate"]:
        out.append("Open to collaborate")
    return out


def test_profile_suggests_people_with_reasons_and_links(page: Any, live: Served, most_close: str) -> None:
    for rid in (SEED, most_close):
        expected = api(live, f"/researchers/{quote(rid, safe='')}/suggestions", limit=6)["items"]
        assert expected, f"discovery suggested nobody for {rid}"
        page.goto(live.profile(rid))
        section = tid(page, "suggestions")
        expect(section).to_have_attribute("data-state", "ready")
        assert section.locator("h2").inner_text() == "People you may want to work with"
        cards = tid(page, "suggestion")
        assert [cards.nth(i).get_attribute("data-id") for i in range(cards.count())] == [
            s["id"] for s in expected
        ]
        for i, s in enumerate(expected):
            card = cards.nth(i)
            assert card.get_by_test_id("suggestion-link").inner_text() == s["name"]
            reasons = card.get_by_test_id("suggestion-reason").all_inner_texts()
            assert reasons == reason_lines(s) and reasons, s["id"]
            # no score or weight in what a person reads
            assert "0." not in card.inner_text()
    # the link leads to the person
    first = expected[0]
    tid(page, "suggestion").first.get_by_test_id("suggestion-link").click()
    expect(tid(page, "profile-name")).to_have_text(first["name"])
    assert page.url == live.profile(first["id"])


def test_seed_profile_suggestion_reasons_read_as_written(page: Any, live: Served) -> None:
    """The seed profile's first suggestion, word for word (topics shared with Xiang Song)."""
    first = api(live, f"/researchers/{quote(SEED, safe='')}/suggestions", limit=1)["items"][0]
    topics = [t["name"] for t in first["reasons"]["shared_topics"]]
    assert topics, "the seed's best suggestion shares topics"
    page.goto(live.profile(SEED))
    card = tid(page, "suggestion").first
    card.wait_for()
    words = " and ".join(topics) if len(topics) <= 2 else f"{', '.join(topics[:2])} and {topics[2]}"
    assert card.get_by_test_id("suggestion-reason").first.inner_text() == f"Both work on {words}"


def test_a_shared_coauthor_of_open_papers_reads_as_its_own_reason(
    page: Any, live: Served, neo4j_driver: Driver, neo4j_settings: Settings
) -> None:
    """Reasons format 4 marks a shared co-author whose papers with each of the two hold none of their other
    co-authors (an open triangle); the card says so in a line of its own, naming that co-author."""
    rows = graphdb.run(
        neo4j_driver,
        "MATCH (r:Researcher) WHERE r.suggested_reasons IS NOT NULL "
        "RETURN r.id AS id, r.suggested_reasons[0..6] AS reasons ORDER BY id",
        settings=neo4j_settings,
    )
    rid = next(
        (
            r["id"]
            for r in rows
            if any(c[2] for text in r["reasons"] for c in json.loads(text).get("c", []) if len(c) > 2)
        ),
        None,
    )
    assert rid, "no stored suggestion among the first six of anyone has an open shared co-author"
    expected = api(live, f"/researchers/{quote(rid, safe='')}/suggestions", limit=6)["items"]
    i, s = next(
        (i, s) for i, s in enumerate(expected) if any(c["open"] for c in s["reasons"]["shared_coauthors"])
    )
    open_names = [c["name"] or c["id"] for c in s["reasons"]["shared_coauthors"] if c["open"]]
    page.goto(live.profile(rid))
    card = tid(page, "suggestion").nth(i)
    card.wait_for()
    assert card.get_attribute("data-id") == s["id"]
    lines = card.get_by_test_id("suggestion-reason").all_inner_texts()
    assert lines == reason_lines(s)
    assert any(ln.startswith("Both wrote with ") and open_names[0] in ln for ln in lines), lines


def test_suggestions_layer_in_the_explorer_is_off_by_default(page: Any, live: Served) -> None:
    expected = [
        s["id"] for s in api(live, f"/researchers/{quote(SEED, safe='')}/suggestions", limit=10)["items"]
    ]
    page.goto(live.profile(SEED, "?view=explorer"))
    wait_ready(page)
    before = ids(page)
    assert not set(expected) & before
    layer = tid(page, "layer-suggestions")
    assert layer.get_attribute("aria-pressed") == "false"
    layer.click()
    expect(layer).to_have_attribute("aria-pressed", "true")
    wait_until(page, lambda: set(expected) <= ids(page), "the suggested people to be drawn")
    assert ids(page) == before | set(expected)
    expect(tid(page, "legend-suggested")).to_be_visible()
    assert "layers=suggestions" in page.url
    # their dashed ties say what they are
    click_node(page, "explorer", expected[0])
    page.locator(f'[data-testid="node-details"][data-id="{expected[0]}"]').wait_for()
    assert "suggested" in tid(page, "details-type").inner_text()
    layer.click()
    wait_until(page, lambda: ids(page) == before, "the layer to go")


# ---------------------------------------------------------------------------------------------- 2. a readable graph


def test_first_ring_is_labelled_close_collaborators_first(page: Any, live: Served, most_close: str) -> None:
    quick = api(live, f"/researchers/{quote(most_close, safe='')}")
    slice_ = api(live, f"/researchers/{quote(most_close, safe='')}/graph")
    close = [c["id"] for c in quick["top_collaborators"]]
    assert len(close) == quick["close_rule"]["top_k"] == 10
    page.goto(live.profile(most_close))
    wait_ready(page, "graph-panel")
    for view in ("panel", "explorer"):
        if view == "explorer":
            page.goto(live.profile(most_close, "?view=explorer"))
            wait_ready(page)
        boxes = page.evaluate(f"() => window.__researchKg.{view}.labelBoxes()")
        labelled = {b["id"] for b in boxes}
        drawn = ids(page, view)
        # every close collaborator is in the ring, and every ring node is labelled, none over another
        assert set(close) <= drawn, view
        assert drawn <= labelled, (view, drawn - labelled)
        assert overlapping(boxes) == [], view
        # close collaborators first: in their column, above every other co-author, strongest first
        where = positions(page, view)
        people = {n["id"] for n in slice_["nodes"] if n["type"] == "researcher" and n["id"] != most_close}
        others = people - set(close)
        column = {where[c][0] for c in close}
        assert len(column) == 1, view
        assert [where[c][1] for c in close] == sorted(where[c][1] for c in close), view
        below = [o for o in others if where[o][0] in column]
        assert all(where[o][1] > where[close[-1]][1] for o in below), view


def test_drawn_nodes_stay_put_when_a_ring_is_added(page: Any, live: Served, most_close: str) -> None:
    page.goto(live.profile(most_close, "?view=explorer"))
    wait_ready(page)
    before = positions(page)
    first_close = expandable_close(live, most_close)[0]
    for node in (first_close, most_close):  # a ring node, then the centre's "+N more"
        total = int(tid(page, "explorer").get_attribute("data-total-nodes"))
        if node == most_close:
            # the view followed the last ring: fit it all back in view, then click the centre's stub
            tid(page, "zoom-fit").click()
            page.wait_for_timeout(500)
            click_node(
                page, "explorer", page.evaluate(f"() => window.__researchKg.explorer.moreId('{node}')")
            )
        else:
            click_node(page, "explorer", node)
        wait_expanded(page, total)
        page.wait_for_timeout(400)  # the view pans to the new ring; the drawing itself does not move
        after = positions(page)
        assert set(before) < set(after)
        moved = {i: (before[i], after[i]) for i in before if before[i] != after[i]}
        assert moved == {}, moved
        boxes = page.evaluate("() => window.__researchKg.explorer.labelBoxes()")
        assert overlapping(boxes) == []
        # honest about what it added
        added = int(tid(page, "explorer").get_attribute("data-last-added"))
        assert added == len(after) - len(before) > 0
        status = tid(page, "explorer-status").inner_text()
        assert status.startswith(f"Showing {len(after)} of {len(after)} nodes") and " · Added " in status
        before = after


def test_focus_mode_zoom_fit_and_reset(page: Any, live: Served, most_close: str) -> None:
    page.goto(live.profile(most_close, "?view=explorer"))
    wait_ready(page)
    person = api(live, f"/researchers/{quote(most_close, safe='')}")["top_collaborators"][1]["id"]
    tid(page, "focus-toggle").click()
    expect(tid(page, "focus-toggle")).to_have_attribute("aria-pressed", "true")
    click_node(page, "explorer", person)
    page.locator(f'[data-testid="node-details"][data-id="{person}"]').wait_for()
    wait_ready(page)
    slice_ = api(live, f"/researchers/{quote(most_close, safe='')}/graph")
    dimmed = set(page.evaluate("() => window.__researchKg.explorer.dimmedIds()"))
    ties = {e["source"] for e in slice_["edges"] if e["target"] == person} | {
        e["target"] for e in slice_["edges"] if e["source"] == person
    }
    assert dimmed and not (dimmed & (ties | {person}))
    zoom = page.evaluate("() => window.__researchKg.explorer.zoom()")
    tid(page, "zoom-in").click()
    wait_until(
        page, lambda: page.evaluate("() => window.__researchKg.explorer.zoom()") > zoom * 1.2, "zoom in"
    )
    tid(page, "zoom-fit").click()
    tid(page, "graph-reset").click()
    wait_ready(page)
    assert ids(page) == {n["id"] for n in slice_["nodes"]}
    assert page.url == live.profile(most_close, "?view=explorer")


# ---------------------------------------------------------------------------------------------- 3. plain words


def test_ties_read_as_shared_papers_and_ids_stay_in_a_disclosure(
    page: Any, live: Served, most_close: str, neo4j_driver: Driver, neo4j_settings: Settings
) -> None:
    top = api(live, f"/researchers/{quote(most_close, safe='')}")["top_collaborators"][0]
    span = (
        f"({top['first_year']})"
        if top["first_year"] == top["last_year"]
        else f"({top['first_year']}–{top['last_year']})"
    )
    page.goto(live.profile(most_close))
    row = tid(page, "top-collaborators").locator(f'li[data-id="{top["id"]}"]')
    expect(row).to_have_text(f"{top['name']} · {top['shared_works']} shared papers {span}")
    assert tid(page, "collaborators-heading").text_content() == "Close collaborators"
    # the id only inside the closed "Ids" disclosure
    assert most_close not in tid(page, "quick-read").inner_text()
    assert tid(page, "profile-ids").get_attribute("open") is None
    page.goto(live.profile(most_close, "?view=explorer"))
    wait_ready(page)
    line = tid(page, "details-neighbours").locator(f'button[data-id="{top["id"]}"]')
    assert (
        " ".join(line.inner_text().split()) == f"{top['name']} · {top['shared_works']} shared papers {span}"
    )
    assert "weight" not in tid(page, "node-details").inner_text()
    # nobody meets the bar: the top co-authors, named as such
    lonely = one(
        neo4j_driver,
        neo4j_settings,
        "MATCH (r:Researcher) WHERE COUNT { (r)-[:COAUTHOR]-() } >= 3 "
        "AND NOT EXISTS { (r)-[c:COAUTHOR]-() WHERE c.shared_works >= 2 } "
        "RETURN r.id AS id ORDER BY COUNT { (r)-[:COAUTHOR]-() } DESC, id LIMIT 1",
    )["id"]
    page.goto(live.profile(lonely))
    wait_until(
        page, lambda: tid(page, "collaborators-heading").text_content() == "Top co-authors", "the heading"
    )
    assert tid(page, "count-close_collaborators").locator("dd").inner_text() == "0"
    expected = api(live, f"/researchers/{quote(lonely, safe='')}/collaborators", limit=5)["items"]
    rows = tid(page, "top-collaborators").locator("li")
    expect(rows).to_have_count(len(expected))
    assert [rows.nth(i).get_attribute("data-id") for i in range(len(expected))] == [c["id"] for c in expected]
    year = expected[0]["first_year"]
    assert rows.first.inner_text() == f"{expected[0]['name']} · 1 shared paper" + (
        f" ({year})" if year else ""
    )


# ---------------------------------------------------------------------------------------------- 4. works


def test_work_view_with_its_doi_pdf_citations_and_authors(page: Any, live: Served) -> None:
    wid = "doi:10.7717/peerj.4375"
    w = api(live, f"/works/{wid}")
    author = w["authors"][0]
    page.goto(live.profile(author["id"]))
    item = tid(page, "work-item").and_(page.locator(f'[data-id="{wid}"]'))
    item.get_by_test_id("work-link").click()
    expect(tid(page, "work-title")).to_have_text(w["title"])
    assert page.url == live.url(f"/works/{quote(wid, safe='')}")
    doi = tid(page, "work-doi")
    assert doi.get_attribute("href") == "https://doi.org/10.7717/peerj.4375"
    assert (
        tid(page, "work-pdf").get_attribute("href") == w["pdf_url"] == "https://peerj.com/articles/4375.pdf"
    )
    assert tid(page, "work-citations").inner_text() == (
        f"Cited {w['cited_by_count']:,} times (as OpenAlex counts) · {w['counts']['cited_by']} citing works in this graph"
    )
    assert tid(page, "work-authors").locator("a").all_inner_texts() == [a["name"] for a in w["authors"]]
    assert tid(page, "work-meta").inner_text().startswith("PeerJ · 2018")
    cited_by = tid(page, "work-cited-by").locator("li")
    assert [cited_by.nth(i).get_attribute("data-id") for i in range(cited_by.count())] == [
        c["id"] for c in w["cited_by"]
    ]
    assert tid(page, "work-abstract").inner_text().startswith("Despite growing interest in Open Access")
    assert [a.inner_text() for a in tid(page, "work-topics").locator("a").all()] == [
        t["name"] for t in w["topics"]
    ]
    # a citing work leads to its own view
    cited_by.first.locator("a").click()
    expect(tid(page, "work-title")).to_have_text(w["cited_by"][0]["title"])


def test_work_abstract_renders_its_latex(page: Any, live: Served) -> None:
    wid = "arxiv:2106.13414"  # "The Price of Tolerance in Distribution Testing": $\varepsilon_1$, $\{1, \dots, n\}$
    w = api(live, f"/works/{wid}")
    assert "$\\varepsilon_1$" in w["abstract"]
    page.goto(live.url(f"/works/{quote(wid, safe='')}"))
    abstract = tid(page, "work-abstract")
    abstract.wait_for()
    assert abstract.locator(".katex").count() >= 3
    text = abstract.inner_text()
    assert "$" not in text and "\\varepsilon" not in text
    assert "ε" in text
    assert tid(page, "work-arxiv").get_attribute("href") == "https://arxiv.org/abs/2106.13414"
    assert tid(page, "work-pdf").get_attribute("href") == "https://arxiv.org/pdf/2106.13414"


def test_works_are_shaded_by_year_with_a_legend(page: Any, live: Served) -> None:
    slice_ = api(live, f"/researchers/{quote(SEED, safe='')}/graph")
    years = [n["fields"]["year"] for n in slice_["nodes"] if n["type"] == "work" and n["fields"].get("year")]
    page.goto(live.profile(SEED))
    wait_ready(page, "graph-panel")
    legend = tid(page, "legend-years")
    assert (int(legend.get_attribute("data-from")), int(legend.get_attribute("data-to"))) == (
        min(years),
        max(years),
    )
    assert legend.inner_text().replace("\n", " ").split() == [
        "Works",
        "by",
        "year:",
        str(min(years)),
        str(max(years)),
    ]


# ---------------------------------------------------------------------------------------------- 5. search


def _researchers_named(drv: Driver, s: Settings, name: str) -> int:
    """How many researchers of this name the graph holds (the identity model decides; the panel shows them all)."""
    return int(
        graphdb.run(
            drv, "MATCH (r:Researcher {name: $name}) RETURN count(r) AS n", {"name": name}, settings=s
        )[0]["n"]
    )


def test_search_tells_same_names_apart_and_answers_the_keyboard(
    page: Any, live: Served, neo4j_driver: Driver, neo4j_settings: Settings
) -> None:
    hits = api(live, "/search", q="Rui Xue", limit=24)["items"]
    people = [h for h in hits if h["type"] == "researcher" and h["label"] == "Rui Xue"]
    assert (
        len(people) == _researchers_named(neo4j_driver, neo4j_settings, "Rui Xue") >= 2
    )  # every Rui Xue the identity model tells apart
    page.goto(live.url("/"))
    box = tid(page, "home-search")
    box.fill("Rui Xue")
    group = page.locator('[data-testid="search-group"][data-type="researcher"]')
    group.wait_for()
    assert group.locator("h3").inner_text().lower() == "researchers"
    shown = group.get_by_test_id("search-result")
    for i in range(shown.count()):
        hit = next(h for h in hits if h["id"] == shown.nth(i).get_attribute("data-id"))
        line = shown.nth(i).get_by_test_id("result-context").inner_text()
        c = hit["context"]
        assert f"{c['works']} work" in line
        if c["top_topic"]:
            assert c["top_topic"] in line
        if c["latest_work"]:
            assert c["latest_work"][:30] in line
        assert shown.nth(i).locator(".result-label").inner_text() == hit["label"]  # the whole name, never cut
    # every Rui Xue is listed first, and same-named people read differently
    same = [
        i for i in range(shown.count()) if shown.nth(i).get_attribute("data-id") in {h["id"] for h in people}
    ]
    assert same == list(range(len(people)))
    lines = [shown.nth(i).get_by_test_id("result-context").inner_text() for i in same]
    assert len(set(lines)) == len(lines)
    # keyboard: down, down, Enter opens the second hit
    box.press("ArrowDown")
    box.press("ArrowDown")
    second = page.locator('[data-testid="search-result"]').nth(1)
    expect(second).to_have_attribute("aria-selected", "true")
    target = second.get_attribute("data-id")
    box.press("Enter")
    expect(tid(page, "quick-read")).to_have_attribute("data-id", target)
    assert page.url == live.profile(target)


def test_all_results_page_lists_every_hit_by_kind(
    page: Any, live: Served, neo4j_driver: Driver, neo4j_settings: Settings
) -> None:
    every: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"q": "Rui Xue", "type": "researcher", "limit": 25}
        if cursor:
            params["cursor"] = cursor
        body = api(live, "/search", **params)
        every += body["items"]
        cursor = body["next_cursor"]
        if not cursor:
            break
    page.goto(live.url("/"))
    tid(page, "home-search").fill("Rui Xue")
    tid(page, "search-all").click()
    expect(tid(page, "search-page")).to_be_visible()
    assert page.url == live.url("/search?" + urlencode({"q": "Rui Xue"}))
    tid(page, "results-tab-researcher").click()
    items = tid(page, "results-item")
    wait_until(page, lambda: items.count() >= min(25, len(every)), "the first page of results")
    while tid(page, "results-more").is_visible():
        n = items.count()
        tid(page, "results-more").click()
        wait_until(page, lambda n=n: items.count() > n, "the next page")
    assert [items.nth(i).get_attribute("data-id") for i in range(items.count())] == [h["id"] for h in every]
    assert sum(1 for h in every if h["label"] == "Rui Xue") == _researchers_named(
        neo4j_driver, neo4j_settings, "Rui Xue"
    )


# ---------------------------------------------------------------------------------------------- 6. state and export


def test_a_url_restores_an_expanded_explorer_and_back_brings_it_back(
    browser: Any, page: Any, live: Served, most_close: str
) -> None:
    page.goto(live.profile(most_close, "?view=explorer"))
    wait_ready(page)
    close = [{"id": c} for c in expandable_close(live, most_close)]
    for c in close[:2]:
        total = int(tid(page, "explorer").get_attribute("data-total-nodes"))
        tid(page, "zoom-fit").click()
        page.wait_for_timeout(400)
        click_node(page, "explorer", c["id"])
        wait_expanded(page, total)
    tid(page, "filter-topic").uncheck()
    wait_until(page, lambda: "hide=topic" in page.url, "the filter in the URL")
    url = page.url
    assert url == live.profile(
        most_close,
        "?"
        + urlencode(
            [
                ("view", "explorer"),
                ("x", close[0]["id"]),
                ("x", close[1]["id"]),
                ("focus", close[1]["id"]),
                ("hide", "topic"),
            ]
        ),
    )
    drawn, where = ids(page), positions(page)
    visible = set(page.evaluate("() => window.__researchKg.explorer.visibleNodeIds()"))
    # the same URL in a new browser context (a colleague's) draws the same graph, in the same places
    other = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        p2 = other.new_page()
        p2.set_default_timeout(TIMEOUT_MS)
        p2.goto(url)
        wait_until(
            p2,
            lambda: p2.get_by_test_id("node-details").get_attribute("data-id") == close[1]["id"],
            "the focus",
        )
        wait_ready(p2)
        assert ids(p2) == drawn
        assert positions(p2) == where
        assert set(p2.evaluate("() => window.__researchKg.explorer.visibleNodeIds()")) == visible
        assert not p2.get_by_test_id("filter-topic").is_checked()
    finally:
        other.close()
    # leave for a profile, then browser Back: the expanded graph comes back
    tid(page, "details-profile").click()
    expect(tid(page, "quick-read")).to_have_attribute("data-id", close[1]["id"])
    page.go_back()
    wait_until(page, lambda: page.url == url, "Back")
    wait_until(
        page, lambda: tid(page, "node-details").get_attribute("data-id") == close[1]["id"], "the restore"
    )
    wait_ready(page)
    assert ids(page) == drawn and positions(page) == where
    # the explorer was opened directly (no page of this app before it): its own "← Profile" goes to the profile
    tid(page, "explorer-back").click()
    expect(tid(page, "quick-read")).to_have_attribute("data-id", most_close)


def test_bibtex_and_csv_exports_parse_back(page: Any, live: Served) -> None:
    bibtexparser = pytest.importorskip("bibtexparser", reason="bibtexparser is a dev dependency")
    works = api(live, f"/researchers/{quote(SEED, safe='')}/works", limit=100)["items"]
    assert len(works) == 9
    page.goto(live.profile(SEED))
    tid(page, "work-item").first.wait_for()
    with page.expect_download() as dl:
        tid(page, "export-bibtex").click()
    assert dl.value.suggested_filename == "xiang-song-works.bib"
    text = Path(dl.value.path()).read_text(encoding="utf-8")
    lib = bibtexparser.parse_string(
        text, append_middleware=[bibtexparser.middlewares.LatexDecodingMiddleware()]
    )
    assert not lib.failed_blocks
    entries = lib.entries
    assert len(entries) == len(works) == len({e.key for e in entries})
    for e, w in zip(entries, works, strict=True):
        assert e["title"] == w["title"]
        assert e["year"] == str(w["year"])
        assert [a.strip() for a in e["author"].split(" and ")] == w["authors"]
        if w["doi"]:
            assert e["doi"] == w["doi"]
        if w["arxiv_id"]:
            assert e["eprint"] == w["arxiv_id"]
    expect(tid(page, "export-status")).to_have_text("9 works exported")
    with page.expect_download() as dl2:
        tid(page, "export-csv").click()
    rows = list(csv.DictReader(io.StringIO(Path(dl2.value.path()).read_text(encoding="utf-8"))))
    assert [r["id"] for r in rows] == [w["id"] for w in works]
    assert [r["title"] for r in rows] == [w["title"] for w in works]
    assert rows[0]["authors"] == "; ".join(works[0]["authors"])


def test_png_export_of_the_visible_graph(page: Any, live: Served) -> None:
    page.goto(live.profile(SEED, "?view=explorer"))
    wait_ready(page)
    with page.expect_download() as dl:
        tid(page, "export-png").click()
    data = Path(dl.value.path()).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width > 600 and height > 200
    assert dl.value.suggested_filename == "xiang-song-graph.png"


# ---------------------------------------------------------------------------------------------- 7. phone, 404


@pytest.fixture
def phone(browser: Any, api_server: Served) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, has_touch=True
    )
    p = context.new_page()
    p.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    p.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield p
    finally:
        context.close()
    assert not errors, errors


def test_the_explorer_is_usable_on_a_390px_phone(phone: Any, live: Served) -> None:
    page = phone
    page.goto(live.profile(SEED, "?view=explorer"))
    wait_ready(page)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    search = tid(page, "explorer-search").bounding_box()
    canvas = tid(page, "explorer-canvas").bounding_box()
    assert search["width"] >= 340 and search["x"] >= 0 and search["x"] + search["width"] <= 390
    assert canvas["width"] >= 370 and canvas["height"] >= 300
    for button in ("zoom-in", "zoom-out", "zoom-fit", "graph-reset", "focus-toggle"):
        box = tid(page, button).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["height"] >= 24, button
    # tap the work or topic with the most neighbours not drawn yet: its details come up full width under the
    # graph, and its ring is drawn (the seed's works come from its profile page alone, so in this graph they may
    # have nothing left to show: then a topic does)
    nodes = api(live, f"/researchers/{quote(SEED, safe='')}/graph")["nodes"]
    hidden, work = max((n["hidden_neighbours"], n["id"]) for n in nodes if n["type"] in ("work", "topic"))
    assert hidden > 0, "the seed's slice should have a node to expand"
    total = int(tid(page, "explorer").get_attribute("data-total-nodes"))
    # a phone starts readable (labels at 80 % or more), around the centre; its ring is all there
    assert page.evaluate("() => window.__researchKg.explorer.zoom()") >= 0.8
    assert int(tid(page, "explorer").get_attribute("data-visible-nodes")) == len(nodes)
    pos = page.evaluate(f"() => window.__researchKg.explorer.clientPosition({work!r})")
    if not (0 <= pos["x"] <= 390 and canvas["y"] <= pos["y"] <= canvas["y"] + canvas["height"]):
        tid(page, "zoom-fit").click()  # the work is off screen: show it all
        page.wait_for_timeout(500)
        pos = page.evaluate(f"() => window.__researchKg.explorer.clientPosition({work!r})")
    page.touchscreen.tap(pos["x"], pos["y"])
    page.locator(f'[data-testid="node-details"][data-id="{work}"]').wait_for()
    details = tid(page, "node-details").bounding_box()
    assert details["width"] >= 350
    wait_expanded(page, total)
    # the search box answers on the phone too
    tid(page, "explorer-search").fill("Rui Xue")
    page.locator('[data-testid="search-result"]').first.wait_for()
    results = tid(page, "search-results").bounding_box()
    assert results["x"] >= 0 and results["x"] + results["width"] <= 390
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390


def test_not_found_pages_speak_plainly(page: Any, live: Served) -> None:
    r = httpx.get(live.url("/no/such/page"), timeout=30)
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]
    page.goto(live.url("/no/such/page"))
    nf = tid(page, "not-found")
    expect(nf.locator("h1")).to_have_text("Page not found")
    assert tid(page, "not-found-detail").inner_text() == (
        "There is no page at /no/such/page. It may have moved, or the link has a typo."
    )
    tid(page, "not-found-home").click()
    tid(page, "landing").wait_for()
    # a malformed id: one readable sentence, never the API's validation pattern
    page.goto(live.url("/researchers/Rui%20Xue"))
    bad = tid(page, "bad-id")
    expect(bad.locator("h1")).to_have_text("“Rui Xue” is not a researcher id")
    assert "orcid:0000-0002-1825-0097" in bad.inner_text()
    assert "pattern" not in bad.inner_text() and "^[a-z]" not in bad.inner_text()
    page.goto(live.url("/?explore=nonsense"))
    expect(tid(page, "bad-id").locator("h1")).to_have_text("“nonsense” is not an id")
    # an unknown but well-formed id: one message
    page.goto(live.profile("orcid:0000-0000-0000-0000"))
    expect(tid(page, "profile-error").locator("strong")).to_have_text("No researcher with this id.")
    expect(tid(page, "graph-retry")).to_have_count(0)
    page.goto(live.url("/works/doi:10.0000/none"))
    expect(tid(page, "work-error").locator("strong")).to_have_text("No work with this id.")
    page.goto(live.url("/?" + urlencode({"explore": "openalex:T00000", "type": "topic"})))
    expect(tid(page, "graph-error").locator("strong")).to_have_text("Nothing in the graph has this id.")
    expect(tid(page, "graph-retry")).to_have_count(0)
