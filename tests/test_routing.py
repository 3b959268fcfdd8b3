"""`neo4j://` routing URIs (clusters, Aura) work end to end: `kg load`, `kg discover` and the API give exactly what
they give over `bolt://`. The test Neo4j is a single server, which answers routing requests as its own cluster of
one, so reads are routed to readers and writes to the leader through the same driver machinery as on a cluster."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from api.config import ApiSettings
from api.main import create_app
from kg import graphdb
from kg.config import REPO_ROOT, Settings
from tests.conftest import kg_env, wipe
from tests.graph_fingerprint import diff, fingerprint

SAMPLE = [
    REPO_ROOT / "kg" / "data" / "openalex_works.jsonl.gz",
    REPO_ROOT / "kg" / "data" / "arxiv_metadata.jsonl.gz",
]
# which discovery run wrote a researcher's suggestions: a new id per run by design
_RUN = re.compile(r', "suggested_run": "[^"]*"')


def with_scheme(uri: str, routing: bool) -> str:
    """The same server as a direct (`bolt`) or a routing (`neo4j`) URI, keeping any TLS suffix (`+s`, `+ssc`)."""
    scheme, rest = uri.split("://", 1)
    tls = scheme.partition("+")[1] + scheme.partition("+")[2]
    return f"{'neo4j' if routing else 'bolt'}{tls}://{rest}"


def test_with_scheme() -> None:
    assert with_scheme("bolt://127.0.0.1:7687", True) == "neo4j://127.0.0.1:7687"
    assert with_scheme("neo4j+s://x.databases.neo4j.io", False) == "bolt+s://x.databases.neo4j.io"
    assert with_scheme("neo4j://h:1", True) == "neo4j://h:1"


def _kg(env: dict[str, str], *args: str) -> str:
    r = subprocess.run(
        [sys.executable, "-m", "kg.cli", *args], capture_output=True, text=True, env=env, timeout=600
    )
    assert r.returncode == 0, f"kg {' '.join(args)} failed ({r.returncode}): {r.stderr[-2000:]}"
    return r.stdout


def _load_and_discover(
    drv: Driver, s: Settings, uri: str, stage: Path
) -> tuple[dict[str, list[str]], str, str]:
    wipe(drv, s)
    env = {**kg_env(s), "KG_NEO4J_URI": uri, "KG_STAGE_PATH": str(stage)}
    loaded = _kg(env, "load", *map(str, SAMPLE), "--no-derived")
    discovered = _kg(env, "discover", "--top", "5")
    fp = fingerprint(drv, s)
    return {"nodes": [_RUN.sub("", n) for n in fp["nodes"]], "edges": fp["edges"]}, loaded, discovered


def _counts(summary: str) -> str:
    return re.sub(r"\d+(?:\.\d+)?\s*(?:s|ms|records/s)\b|run \S+", "", summary)


def _api_answers(settings: Settings, paths: list[str]) -> list[Any]:
    app = create_app(settings, ApiSettings(web_dist=Path("/nonexistent"), warm_up=False))
    out = []
    with TestClient(app) as client:
        for path in paths:
            r = client.get(path)
            assert r.status_code == 200, (path, r.status_code, r.text[:300])
            out.append(r.json())
    return out


@pytest.mark.skipif(not all(p.is_file() for p in SAMPLE), reason="the package's sample (kg/data) is absent")
def test_load_discover_and_the_api_over_a_routing_uri_equal_a_direct_one(
    graph: Driver, neo4j_settings: Settings, tmp_path: Path
) -> None:
    direct = with_scheme(neo4j_settings.uri, routing=False)
    routing = with_scheme(neo4j_settings.uri, routing=True)
    want, want_load, _ = _load_and_discover(graph, neo4j_settings, direct, tmp_path / "direct.duckdb")
    got, got_load, got_discover = _load_and_discover(
        graph, neo4j_settings, routing, tmp_path / "routing.duckdb"
    )

    assert len(want["nodes"]) > 200 and len(want["edges"]) > 500  # 53 works, 184 researchers and their ties
    assert sum('"suggested": [' in n for n in want["nodes"]) > 100  # discovery stored suggestions
    assert got == want, diff(got, want)
    # the same summary, up to the run ids and the times
    assert _counts(got_load) == _counts(want_load)
    assert "read 53, loaded 53, rejected 0" in got_load
    assert "suggestions for" in got_discover

    # the API reads the graph through the routing URI exactly as through the direct one
    top = graphdb.run(
        graph,
        "MATCH (r:Researcher) WHERE r.suggested IS NOT NULL RETURN r.id AS id ORDER BY COUNT { (r)--() } DESC, id "
        "LIMIT 1",
        settings=neo4j_settings,
    )[0]["id"]
    paths = [
        "/api/v1/overview",
        f"/api/v1/researchers/{top}",
        f"/api/v1/researchers/{top}/graph",
        f"/api/v1/researchers/{top}/suggestions",
        "/api/v1/search?q=ecosystem",
    ]
    over_routing = _api_answers(neo4j_settings.model_copy(update={"neo4j_uri": routing}), paths)
    over_direct = _api_answers(neo4j_settings.model_copy(update={"neo4j_uri": direct}), paths)
    assert over_routing == over_direct
    assert over_routing[3]["items"], json.dumps(over_routing[3])[
        :300
    ]  # the suggestions came back, reasons and all
