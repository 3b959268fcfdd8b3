"""Neo4j going away: a load survives a database restart, and the API answers 503 then recovers (issue 11).

These tests stop and start a Neo4j of their own (a separate local home on free ports), never the shared test one."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kg import graphdb, localdb
from kg.config import Settings
from tests.corpus import generate
from tests.graph_fingerprint import diff, fingerprint
from tests.own_neo4j import own_local_neo4j

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]


@pytest.fixture(scope="module")
def own_neo4j(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    with own_local_neo4j(
        tmp_path_factory.mktemp("outage") / "neo4j", "stops and starts a local Neo4j of its own"
    ) as s:
        drv = graphdb.open_driver(s)
        graphdb.apply_schema(drv, s)
        drv.close()
        yield s


def _env(s: Settings) -> dict[str, str]:
    return {**os.environ, "KG_NEO4J_URI": s.uri, "KG_NEO4J_PASSWORD": s.neo4j_password.get_secret_value()}


def _works(s: Settings) -> int:
    drv = graphdb.open_driver(s)
    try:
        return int(graphdb.run(drv, "MATCH (w:Work) RETURN count(w) AS n", settings=s)[0]["n"])
    finally:
        drv.close()


def _wipe(s: Settings) -> None:
    drv = graphdb.open_driver(s)
    try:
        graphdb.run(
            drv,
            "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS",
            write=True,
            settings=s,
        )
    finally:
        drv.close()


def _load_cmd(corpus: Path) -> list[str]:
    return [sys.executable, "-m", "kg.cli", "load", "--no-derived", str(corpus), "--batch-size", "20"]


def test_a_database_restart_mid_load_ends_in_the_clean_graph(own_neo4j: Settings, tmp_path: Path) -> None:
    s = own_neo4j
    corpus = generate(seed=21, n_works=300, n_people=80, id_prefix="r").write(tmp_path / "corpus")
    _wipe(s)
    assert subprocess.run(_load_cmd(corpus), env=_env(s), capture_output=True, timeout=600).returncode == 0
    drv = graphdb.open_driver(s)
    clean = fingerprint(drv, s)
    drv.close()
    _wipe(s)

    proc = subprocess.Popen(
        _load_cmd(corpus), env=_env(s), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None and _works(s) < 60:
        time.sleep(0.1)
    assert proc.poll() is None, "the load finished before the restart could happen"
    localdb.stop(s)
    time.sleep(2)
    localdb.start(s)
    _, err = proc.communicate(timeout=600)

    if proc.returncode != 0:
        # it may give up while the database is away, but then in one clear line and with whole batches only
        assert "Traceback" not in err
        assert "error:" in err and "Neo4j" in err, err
        rerun = subprocess.run(_load_cmd(corpus), env=_env(s), capture_output=True, text=True, timeout=600)
        assert rerun.returncode == 0, rerun.stderr
    drv = graphdb.open_driver(s)
    after = fingerprint(drv, s)
    drv.close()
    assert after == clean, diff(clean, after)


def test_api_answers_503_while_neo4j_is_down_and_recovers_without_restart(own_neo4j: Settings) -> None:
    from api.config import ApiSettings
    from api.main import create_app

    s = own_neo4j
    _wipe(s)
    drv = graphdb.open_driver(s)
    graphdb.run(
        drv,
        "CREATE (:Researcher {id: 'orcid:0000-0001-0000-0001', name: 'Ada Lovelace'})",
        write=True,
        settings=s,
    )
    drv.close()
    path = "/api/v1/researchers/orcid:0000-0001-0000-0001"
    app = create_app(s, ApiSettings(warm_up=False))
    with TestClient(app, raise_server_exceptions=False) as client:
        ok = client.get(path)
        assert ok.status_code == 200 and ok.json()["name"] == "Ada Lovelace"

        localdb.stop(s)
        try:
            for probe in (path, "/api/v1/ready", "/api/v1/search?q=ada"):
                t0 = time.monotonic()
                down = client.get(probe)
                waited = time.monotonic() - t0
                assert down.status_code == 503, (probe, down.status_code, down.text)
                assert down.headers["content-type"].startswith("application/problem+json")
                assert int(down.headers["Retry-After"]) > 0
                assert waited < s.query_timeout + 15, f"{probe} hung for {waited:.1f}s"
            assert client.get("/api/v1/health").status_code == 200
        finally:
            localdb.start(s)

        statuses = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            r = client.get(path)
            statuses.append(r.status_code)
            if r.status_code == 200:
                break
            time.sleep(0.5)
        assert statuses[-1] == 200, statuses
        assert set(statuses) <= {200, 503}, statuses
