"""Take the README's and docs/screenshots' pictures of a running Research KG page: a profile (quick read, graph panel,
suggestions), the explorer after one expansion, a work, the search box, the explorer on a 390 px phone, "not found".

    python web/scripts/screenshots.py http://127.0.0.1:8000 'name:gao|wen:edc10804' [--out docs/screenshots]
    python web/scripts/screenshots.py http://127.0.0.1:8000 'profile:song|xiang' --prefix seed- --only profile,explorer

Drives Debian's headless chromium (/usr/bin/chromium) with Playwright; never downloads a browser.
"""

from __future__ import annotations

import argparse
import json
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from playwright.sync_api import Page, sync_playwright

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = ("profile", "explorer", "work", "search", "phone", "not-found")


def get(base: str, path: str) -> Any:
    with urllib.request.urlopen(f"{base}/api/v1{path}") as resp:
        return json.load(resp)


def node_to_expand(base: str, rid: str) -> str | None:
    """The strongest close collaborator with neighbours left to draw; else the work with the most left out."""
    q = quote(rid, safe="")
    hidden = {n["id"]: n["hidden_neighbours"] for n in get(base, f"/researchers/{q}/graph")["nodes"]}
    for c in get(base, f"/researchers/{q}")["top_collaborators"]:
        if hidden.get(c["id"], 0) > 0:
            return str(c["id"])
    works = [(h, i) for i, h in hidden.items() if i != rid and h > 0]
    return max(works)[1] if works else None


def a_work(base: str, rid: str) -> str | None:
    """The researcher's most recent work with an abstract (else the most recent)."""
    items = get(base, f"/researchers/{quote(rid, safe='')}/works?limit=20")["items"]
    for w in items:
        if get(base, f"/works/{quote(w['id'], safe='')}").get("abstract"):
            return str(w["id"])
    return str(items[0]["id"]) if items else None


def settle(page: Page, ms: int = 600) -> None:
    page.mouse.move(2, 2)
    page.wait_for_timeout(ms)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("base", help="where the API serves the page, e.g. http://127.0.0.1:8000")
    ap.add_argument("researcher", help="the researcher id to show")
    ap.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    ap.add_argument("--prefix", default="", help="file name prefix, e.g. seed- for seed-profile.png")
    ap.add_argument("--only", default=",".join(SHOTS), help=f"comma-separated subset of {','.join(SHOTS)}")
    ap.add_argument("--search", default="Rui Xue", help="what to type into the search box")
    ap.add_argument(
        "--work",
        action="append",
        default=[],
        help="a work id to show (repeat: work.png, work-2.png, …); default: the researcher's latest with an abstract",
    )
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    a = ap.parse_args()
    base = a.base.rstrip("/")
    only = {s.strip() for s in a.only.split(",") if s.strip()}
    a.out.mkdir(parents=True, exist_ok=True)
    rid = quote(a.researcher, safe="")

    def out(name: str) -> str:
        path = a.out / f"{a.prefix}{name}.png"
        print(f"wrote {path}")
        return str(path)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=a.chromium, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, device_scale_factor=1)
        page.set_default_timeout(30_000)
        if "profile" in only:
            page.goto(f"{base}/researchers/{rid}")
            page.locator('[data-testid="graph-panel"][data-state="ready"]').wait_for()
            page.locator('[data-testid="suggestions"]:not([data-state="loading"])').wait_for()
            page.get_by_test_id("work-item").first.wait_for()
            settle(page)
            page.screenshot(path=out("profile"))
        if "explorer" in only:
            page.set_viewport_size({"width": 1400, "height": 900})
            page.goto(f"{base}/researchers/{rid}?view=explorer")
            page.locator('[data-testid="explorer"][data-state="ready"]').wait_for()
            other = node_to_expand(base, a.researcher)
            if other:
                pos = page.evaluate("(id) => window.__researchKg.explorer.clientPosition(id)", other)
                if pos:
                    page.mouse.click(pos["x"], pos["y"])
                    page.locator('[data-testid="explorer"][data-state="ready"][data-last-added]').wait_for()
                    page.get_by_test_id("zoom-fit").click()
            settle(page, 900)
            page.screenshot(path=out("explorer"))
        if "work" in only:
            works = a.work or [w for w in [a_work(base, a.researcher)] if w]
            for i, wid in enumerate(works):
                page.set_viewport_size({"width": 1200, "height": 900})
                page.goto(f"{base}/works/{quote(wid, safe='')}")
                page.get_by_test_id("work-view").wait_for()
                settle(page)
                page.screenshot(path=out("work" if i == 0 else f"work-{i + 1}"))
        if "search" in only:
            page.set_viewport_size({"width": 1100, "height": 800})
            page.goto(f"{base}/")
            page.get_by_test_id("home-search").fill(a.search)
            page.get_by_test_id("search-result").first.wait_for()
            page.get_by_test_id("home-search").press("ArrowDown")
            page.get_by_test_id("home-search").press("ArrowDown")
            page.wait_for_timeout(400)
            page.screenshot(path=out("search"))
        if "phone" in only:
            phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, has_touch=True)
            phone.goto(f"{base}/researchers/{rid}?view=explorer")
            phone.locator('[data-testid="explorer"][data-state="ready"]').wait_for()
            phone.wait_for_timeout(700)
            phone.screenshot(path=out("phone-explorer"))
            phone.close()
        if "not-found" in only:
            page.set_viewport_size({"width": 1100, "height": 600})
            page.goto(f"{base}/no/such/page?{urlencode({'from': 'an old link'})}")
            page.get_by_test_id("not-found").wait_for()
            page.screenshot(path=out("not-found"))
        browser.close()


if __name__ == "__main__":
    main()
