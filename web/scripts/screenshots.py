"""Take the README's screenshots of a running Research KG page: the profile with its graph panel, and the explorer.

    python web/scripts/screenshots.py http://127.0.0.1:8000 'orcid:0000-0001-5765-0416' [--out docs/screenshots]
    python web/scripts/screenshots.py http://127.0.0.1:8000 'profile:song|xiang' --prefix seed-

Drives Debian's headless chromium (/usr/bin/chromium) with Playwright; never downloads a browser.
"""

from __future__ import annotations

import argparse
import json
import urllib.request
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import sync_playwright

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


def node_to_expand(base: str, rid: str) -> str | None:
    """The co-author tied to the researcher by the heaviest COAUTHOR edge in the panel's slice; without one, the
    work with the most neighbours left out (its co-authors and topics make a good second ring)."""
    with urllib.request.urlopen(f"{base}/api/v1/researchers/{quote(rid, safe='')}/graph") as resp:
        data = json.load(resp)
    best: tuple[float, str] | None = None
    for e in data["edges"]:
        if e["type"] == "COAUTHOR" and rid in (e["source"], e["target"]):
            other = e["target"] if e["source"] == rid else e["source"]
            key = (e["weight"] or 0.0, other)
            if best is None or key > best:
                best = key
    if best:
        return best[1]
    works = [(n["hidden_neighbours"], n["id"]) for n in data["nodes"] if n["type"] == "work"]
    return max(works)[1] if works else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("base", help="where the API serves the page, e.g. http://127.0.0.1:8000")
    ap.add_argument("researcher", help="the researcher id to show")
    ap.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    ap.add_argument("--prefix", default="", help="file name prefix, e.g. seed- for seed-profile.png")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    a = ap.parse_args()
    base = a.base.rstrip("/")
    a.out.mkdir(parents=True, exist_ok=True)
    profile_url = f"{base}/researchers/{quote(a.researcher, safe='')}"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=a.chromium, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 900}, device_scale_factor=1)
        page.set_default_timeout(30_000)
        page.goto(profile_url)
        page.locator('[data-testid="graph-panel"][data-state="ready"]').wait_for()
        page.get_by_test_id("work-item").first.wait_for()
        page.wait_for_timeout(300)
        shot = a.out / f"{a.prefix}profile.png"
        page.screenshot(path=str(shot))
        print(f"wrote {shot}")

        page.get_by_test_id("open-explorer").click()
        page.locator('[data-testid="explorer"][data-state="ready"]').wait_for()
        other = node_to_expand(base, a.researcher)
        if other:
            pos = page.evaluate("(id) => window.__researchKg.explorer.clientPosition(id)", other)
            if pos:
                page.mouse.click(pos["x"], pos["y"])
                page.locator('[data-testid="explorer"][data-state="ready"][data-last-added]').wait_for()
        page.mouse.move(5, 5)
        page.wait_for_timeout(800)
        shot = a.out / f"{a.prefix}explorer.png"
        page.screenshot(path=str(shot))
        print(f"wrote {shot}")
        browser.close()


if __name__ == "__main__":
    main()
