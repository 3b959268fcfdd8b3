"""What every browser test needs: web/dist built, the real API serving it on a free port, Debian's headless chromium
with a page that may reach only the API's origin and fails on any uncaught error, and helpers that read the drawn
graph through window.__researchKg (web/src/testhook.ts). Test modules import the fixtures they use."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from kg.config import REPO_ROOT, Settings
from tests.own_neo4j import free_port

WEB = REPO_ROOT / "web"
DIST = WEB / "dist"
TIMEOUT_MS = 20_000


def _dist_stale() -> bool:
    index = DIST / "index.html"
    if not index.is_file():
        return True
    built = index.stat().st_mtime
    sources = [
        WEB / "index.html",
        WEB / "package-lock.json",
        WEB / "vite.config.ts",
        *(WEB / "src").rglob("*"),
    ]
    return any(p.is_file() and p.stat().st_mtime > built for p in sources)


@pytest.fixture(scope="session")
def web_dist() -> Path:
    """web/dist, built with `npm run build` when it is missing or older than its sources."""
    if _dist_stale():
        npm = shutil.which("npm")
        if npm is None or not (WEB / "node_modules").is_dir():
            pytest.skip(
                "web/dist is not built and npm or web/node_modules is missing (run scripts/setup.sh --dev)"
            )
        proc = subprocess.run([npm, "run", "build"], cwd=WEB, capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            pytest.fail(f"npm run build failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return DIST


@pytest.fixture(scope="session")
def browser(chromium: Any) -> Any:
    return chromium


@dataclass
class Served:
    base: str

    def url(self, path: str) -> str:
        return self.base + path

    def profile(self, rid: str, query: str = "") -> str:
        return f"{self.base}/researchers/{quote(rid, safe='')}{query}"

    def get_json(self, path: str) -> Any:
        import httpx

        resp = httpx.get(self.base + path, timeout=30)
        resp.raise_for_status()
        return resp.json()


@contextmanager
def serve_api(settings: Settings, web_dist: Path) -> Iterator[Served]:
    """The real API (uvicorn in a thread, its own driver) serving web/dist, on a free loopback port."""
    import uvicorn

    from api.config import ApiSettings
    from api.main import create_app

    port = free_port()
    app = create_app(settings, ApiSettings(web_dist=web_dist))
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="api-under-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the API did not start")
        time.sleep(0.05)
    try:
        yield Served(f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture(scope="module")
def api_server(neo4j_settings: Settings, web_dist: Path) -> Iterator[Served]:
    """One API for the module; each test puts the graph it needs under it (the API reads it live)."""
    with serve_api(neo4j_settings, web_dist) as s:
        yield s


@pytest.fixture
def page(browser: Any, api_server: Served) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, device_scale_factor=1)
    # The page must work from the API's origin alone: any request elsewhere fails the test.
    foreign: list[str] = []

    def guard(route: Any) -> None:
        if route.request.url.startswith(api_server.base):
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    p = context.new_page()
    p.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    # the stack names the bundle's lines: `node web/scripts/…` or the source map in web/dist leads back to web/src
    p.on("pageerror", lambda exc: errors.append(f"{exc}\n{exc.stack or ''}"))
    try:
        yield p
    finally:
        context.close()
    assert not foreign, f"the page reached beyond its origin: {foreign}"
    assert not errors, f"uncaught errors in the page: {errors}"


def tid(page: Any, testid: str) -> Any:
    return page.get_by_test_id(testid)


def panel_ids(page: Any) -> set[str]:
    return set(page.evaluate("() => window.__researchKg.panel.nodeIds()"))


def explorer_ids(page: Any, visible: bool = False) -> set[str]:
    fn = "visibleNodeIds" if visible else "nodeIds"
    return set(page.evaluate(f"() => window.__researchKg.explorer.{fn}()"))


def click_node(page: Any, view: str, node_id: str) -> None:
    """Click a node where it is drawn on the canvas, as a person would."""
    pos = page.evaluate("([v, id]) => window.__researchKg[v].clientPosition(id)", [view, node_id])
    assert pos is not None, f"{node_id} is not drawn in the {view}"
    page.mouse.click(pos["x"], pos["y"])


def wait_until(page: Any, predicate: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        page.wait_for_timeout(100)


def overlapping(boxes: list[dict[str, Any]]) -> list[tuple[str, str]]:
    out = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            # a pixel of anti-aliasing is not an overlap
            if (
                a["x1"] + 1 < b["x2"]
                and b["x1"] + 1 < a["x2"]
                and a["y1"] + 1 < b["y2"]
                and b["y1"] + 1 < a["y2"]
            ):
                out.append((a["id"], b["id"]))
    return out
