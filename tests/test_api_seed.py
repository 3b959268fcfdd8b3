"""The seed profile page, loaded by `kg load`, read back through the API: its works count is 9, from the graph, and
the page's own numbers stay apart as reported counts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from api.config import ApiSettings
from api.main import create_app
from kg.config import Settings

pytestmark = [pytest.mark.neo4j, pytest.mark.shared_data]

SEED = "seeds/000_f2563290c831939d.txt"


def test_seed_profile_quick_read_counts_works_from_the_graph(
    graph: Driver, neo4j_settings: Settings, shared_data: Path, cli_env: dict[str, str], tmp_path: Path
) -> None:
    page = shared_data / SEED
    if not page.is_file():
        pytest.skip(f"{page} is absent")
    loaded = subprocess.run(
        [
            sys.executable,
            "-m",
            "kg.cli",
            "load",
            str(page),
            "--no-derived",
            "--rejects",
            str(tmp_path / "r.jsonl"),
        ],
        capture_output=True,
        text=True,
        env=cli_env,
        timeout=300,
    )
    assert loaded.returncode == 0, loaded.stderr
    with TestClient(
        create_app(neo4j_settings, ApiSettings(web_dist=Path("/nonexistent"), warm_up=False))
    ) as c:
        hits = c.get("/api/v1/search", params={"q": "Xiang Song", "type": "researcher"}).json()["items"]
        assert [h["label"] for h in hits] == ["Xiang Song"]
        rid = hits[0]["id"]
        q = c.get(f"/api/v1/researchers/{rid}").json()
        assert q["name"] == "Xiang Song"
        assert q["counts"]["works"] == 9  # AUTHORED edges in the graph
        assert q["reported"] == {"works": 9, "topics": 6, "close_collaborators": 4, "followers": 0}
        assert (q["trust_score"], q["trust_label"], q["verification_level"]) == (21, "Emerging", "L1")
        assert (q["claimed"], q["open_to_collaborate"], q["affiliation_status"]) == (
            False,
            True,
            "not_imported",
        )
        works = c.get(f"/api/v1/researchers/{rid}/works", params={"limit": 100}).json()["items"]
        assert len(works) == 9 and works[0]["year"] == 2026
        assert works[0]["title"].startswith("DualKV: Shared-Prompt Flash Attention")
        s = c.get(f"/api/v1/researchers/{rid}/graph", params={"types": "work"}).json()
        assert s["budget"]["used"] == 10 and s["nodes"][0]["hidden_neighbours"] == 0
