"""Shared fixtures: one real Neo4j for the whole run, a clean graph per test, and the shared sample data."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver

from kg import graphdb
from kg.config import DEFAULT_SHARED_DATA, Settings
from tests.browser_support import api_server, browser, page, web_dist  # noqa: F401 (fixtures of browser tests)
from tests.bulk_fixture import bulk_neo4j  # noqa: F401 (the bulk path's own Neo4j)
from tests.neo4j_fixture import provide_neo4j

SHARED_DATA = Path(os.environ.get("KG_SHARED_DATA", str(DEFAULT_SHARED_DATA)))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """pytest-xdist hands tests to its workers by node id, so two items with one id run once between them: the
    other is dropped without a word. schemathesis gives every API operation's item its function's id; each gets its
    own name's (test_...[GET /api/v1/health]). Any other duplicate stops the run rather than lose a test."""
    seen = Counter(item.nodeid for item in items)
    for item in items:
        if seen[item.nodeid] > 1 and item.parent is not None:
            named = f"{item.parent.nodeid}::{item.name}"
            if hasattr(item, "_id"):  # pytest 9.2 keeps a structured id (NodeId) under the string
                item._id = type(item._id).parse(named)
            else:
                item._nodeid = named
    left = sorted(nodeid for nodeid, n in Counter(item.nodeid for item in items).items() if n > 1)
    if left:
        raise pytest.UsageError(f"tests share a node id (pytest-xdist would run only one of each): {left}")


@pytest.fixture(scope="session", autouse=True)
def _session_stage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Loads remember what they staged (kg.stage): a test run never reads or writes a developer's stage store."""
    before = os.environ.get("KG_STAGE_PATH")
    os.environ["KG_STAGE_PATH"] = str(tmp_path_factory.mktemp("stage-session") / "stage.duckdb")
    yield
    if before is None:
        os.environ.pop("KG_STAGE_PATH", None)
    else:
        os.environ["KG_STAGE_PATH"] = before


@pytest.fixture(autouse=True)
def _test_stage(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test its own stage store, like its own empty graph (`graph` wipes the database)."""
    monkeypatch.setenv("KG_STAGE_PATH", str(tmp_path_factory.mktemp("stage") / "stage.duckdb"))


@pytest.fixture(scope="session")
def neo4j_settings() -> Iterator[Settings]:
    with provide_neo4j() as (settings, _kind):
        # the stage store comes from KG_STAGE_PATH at each call (one per test, see _test_stage), not from here
        yield settings.model_copy(update={"stage_path": None})


@pytest.fixture(scope="session")
def neo4j_driver(neo4j_settings: Settings) -> Iterator[Driver]:
    drv = graphdb.open_driver(neo4j_settings)
    try:
        drv.verify_connectivity()
        graphdb.apply_schema(drv, neo4j_settings)
        yield drv
    finally:
        drv.close()


def wipe(drv: Driver, settings: Settings) -> None:
    """Empty the graph in small transactions (relationships first), so a large test graph never needs one huge one."""
    graphdb.run(
        drv,
        "MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 5000 ROWS",
        write=True,
        settings=settings,
    )
    graphdb.run(
        drv, "MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS OF 5000 ROWS", write=True, settings=settings
    )


@pytest.fixture
def graph(neo4j_driver: Driver, neo4j_settings: Settings) -> Driver:
    """A real Neo4j with an empty graph and the schema applied."""
    wipe(neo4j_driver, neo4j_settings)
    return neo4j_driver


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"../shared/data is absent ({SHARED_DATA}): this test reads the real sample data")
    return SHARED_DATA


def kg_env(settings: Settings) -> dict[str, str]:
    """Environment for running `kg` as a subprocess against the Neo4j of `settings`."""
    env = dict(os.environ)
    env.update(
        {
            "KG_NEO4J_URI": settings.uri,
            "KG_NEO4J_USER": settings.neo4j_user,
            "KG_NEO4J_PASSWORD": settings.neo4j_password.get_secret_value(),
            "KG_NEO4J_DATABASE": settings.neo4j_database,
        }
    )
    return env


@pytest.fixture
def cli_env(neo4j_settings: Settings) -> dict[str, str]:
    """Environment for running `kg` as a subprocess against the test Neo4j."""
    return kg_env(neo4j_settings)


CHROMIUM = Path(os.environ.get("KG_TEST_CHROMIUM", "/usr/bin/chromium"))
# Debian's chromium, headless, with nothing that reaches out to the network on its own.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless chromium for the whole run. Playwright's sync API allows one instance per process (a second
    sync_playwright() inside the first one's loop fails), so every browser test shares this one."""
    sync_api = pytest.importorskip(
        "playwright.sync_api",
        reason="playwright (the Python client) is not installed: pip install -e '.[dev]'",
    )
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is absent: install Debian's chromium (apt-get install chromium) for browser tests"
        )
    pw = sync_api.sync_playwright().start()
    try:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        pw.stop()
