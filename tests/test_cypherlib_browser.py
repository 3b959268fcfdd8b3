"""The guide in the real Neo4j Browser (headless chromium): `:play <api>/guide` opens it and every query runs."""

from __future__ import annotations

import importlib.util
import json
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from neo4j import Driver

from api.routes import guide
from kg import cypherlib, graphdb
from kg.config import Settings
from tests import cypherlib_fixture as fx
from tests.conftest import CHROMIUM
from tests.own_neo4j import free_port
from tests.test_cypherlib import EXPECTED

pytestmark = [
    pytest.mark.browser,
    pytest.mark.neo4j,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
    pytest.mark.skipif(
        importlib.util.find_spec("playwright") is None,
        reason="needs the playwright package (pip install playwright)",
    ),
]


def host_allowed(url: str, allowlist: str) -> bool:
    """Neo4j Browser 5's hostIsAllowed: the URL's host name, or scheme://host name, must be listed (ports ignored)."""
    if allowlist.strip() == "*":
        return True
    parts = urlsplit(url if "://" in url else "http://" + url)
    listed = [entry.strip().rstrip("/") for entry in allowlist.split(",")]
    return parts.hostname in listed or f"{parts.scheme}://{parts.hostname}" in listed


def test_host_allowed_matches_the_browsers_rule() -> None:
    assert host_allowed("http://127.0.0.1:8000/guide", "http://127.0.0.1,http://localhost")
    assert host_allowed("http://localhost:8000/guide", "guides.neo4j.com, localhost")
    assert host_allowed("http://example.org/guide", "*")
    # a port in the list never matches: the Browser compares host names only
    assert not host_allowed("http://127.0.0.1:8000/guide", "http://127.0.0.1:8000,http://localhost:8000")


@pytest.fixture(scope="module")
def guide_url() -> Iterator[str]:
    """The guide router in a tiny FastAPI app on a free port (the real app includes the same router)."""
    import uvicorn
    from fastapi import FastAPI

    app = FastAPI()
    app.include_router(guide.router)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the guide server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/guide"
    server.should_exit = True
    thread.join(timeout=10)


def _marker(value: Any, avoid: str) -> str | None:
    """A string from the expected rows that the query text does not contain: seeing it means the rows arrived."""
    if isinstance(value, str):
        return value if value and value not in avoid else None
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    for item in items:
        found = _marker(item, avoid)
        if found:
            return found
    return None


def test_the_guide_opens_in_the_local_browser_and_every_query_runs(
    graph: Driver, neo4j_settings: Settings, guide_url: str, chromium: Any
) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    if not neo4j_settings.uses_local_db:
        pytest.skip(
            "the Browser check drives the local Neo4j's own Browser (KG_NEO4J_URI / a container is set)"
        )
    allowlist = graphdb.run(
        graph,
        "CALL dbms.clientConfig() YIELD name, value WHERE name = $name RETURN value",
        {"name": "browser.remote_content_hostname_whitelist"},
        settings=neo4j_settings,
    )
    configured = str(allowlist[0]["value"]) if allowlist else "guides.neo4j.com,localhost"
    assert host_allowed(guide_url, configured), (
        f"the local Neo4j refuses `:play {guide_url}`: browser.remote_content_hostname_whitelist={configured!r}; "
        "Neo4j Browser 5 compares host names without ports, so it must list e.g. http://127.0.0.1,http://localhost "
        "(kg/localdb.py write_config), then restart the local Neo4j"
    )
    fx.load_fixture(graph, neo4j_settings)
    queries = [q for q in cypherlib.load_library() if q.valid]

    page = chromium.new_page(viewport={"width": 1400, "height": 1100})
    try:
        page.set_default_timeout(30_000)
        s = neo4j_settings
        page.goto(
            f"http://127.0.0.1:{s.http_port}/browser/?dbms=bolt://{s.neo4j_user}@127.0.0.1:{s.bolt_port}"
        )
        page.wait_for_selector("[data-testid=connect]")
        page.select_option("[data-testid=authenticationMethod]", "NATIVE")
        page.fill("[data-testid=username]", s.neo4j_user)
        page.fill("[data-testid=password]", s.neo4j_password.get_secret_value())
        page.click("[data-testid=connect]")
        page.get_by_text("You are connected as user").wait_for()

        def command(text: str) -> None:
            page.click("[data-testid=activeEditor]")
            page.keyboard.press("Control+A")
            page.keyboard.press("Backspace")
            page.keyboard.insert_text(text)
            page.click("[data-testid=editor-Run]")

        guide_frame = page.locator("[data-testid=frame]").filter(
            has=page.locator("[data-testid=frameCommand]", has_text=f":play {guide_url}")
        )
        # The Browser reads the server's allowlist just after connecting: until then a :play may be refused.
        opened = False
        for _attempt in range(5):
            command(f":play {guide_url}")
            try:
                guide_frame.first.get_by_text(f"1 / {len(queries) + 2}").wait_for(timeout=5_000)
                opened = True
                break
            except PlaywrightTimeout:
                page.wait_for_timeout(1_000)
        assert opened, (
            f"the Browser did not open {guide_url}: {page.locator('[data-testid=frame]').first.inner_text()}"
        )
        guide_frame = guide_frame.first
        assert guide_frame.locator("h3").first.inner_text() == "Research KG: the analyst's library"
        for q in queries:
            assert guide_frame.get_by_text(q.name, exact=True).count() == 1, q.name

        guide_frame.locator("[data-testid=nextSlide]").click()
        assert guide_frame.locator("h3").first.inner_text() == "The graph model"

        seen = []
        for _ in queries:
            guide_frame.locator("[data-testid=nextSlide]").click()
            title = guide_frame.locator("h3").first.inner_text()
            match = next(x for x in queries if x.title == title)
            blocks = guide_frame.locator("pre.runnable")
            if match.params:
                assert blocks.nth(0).inner_text().strip() == guide.param_block(match)
                blocks.nth(0).locator("i").first.click()  # the play icon: sets every example parameter
                frame = page.locator("[data-testid=frame]").first
                if len(match.params) > 1:  # several statements: one status each
                    frame.locator("[title='Status: success']").nth(len(match.params) - 1).wait_for()
                    assert frame.locator("[title='Status: error']").count() == 0, match.name
                else:  # one :param: the frame shows the parameters as JSON
                    frame.get_by_text(f'"{match.params[0].name}"').first.wait_for()
                    assert frame.get_by_text("ERROR").count() == 0, match.name
                frame.get_by_title("Close").first.click()
            query_block = blocks.nth(1 if match.params else 0)
            assert query_block.inner_text().strip() == guide.query_block(match)
            query_block.locator("i").first.click()  # runs the query with those parameters
            frame = page.locator("[data-testid=frame]").first
            marker = _marker(EXPECTED[match.name], guide.param_block(match) + match.body)
            assert marker, match.name
            # the rows arrive: a value only the result holds shows in the frame
            frame.get_by_text(json.dumps(marker)[1:-1]).first.wait_for()
            assert frame.get_by_text("ERROR").count() == 0, match.name
            frame.get_by_title("Close").first.click()
            seen.append(match.name)
        assert sorted(seen) == sorted(q.name for q in queries)
    finally:
        page.close()
