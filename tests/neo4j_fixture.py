"""How the test run gets a real Neo4j: KG_NEO4J_URI, else testcontainers when a Docker engine answers, else the
local Neo4j (its own test home and ports, so a developer's loaded graph is never wiped), started once per run."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from kg.config import REPO_ROOT, Settings


def worker_instance(env: Mapping[str, str]) -> tuple[Path, int, int]:
    """The test Neo4j's home, Bolt port and HTTP port for this process. Each pytest-xdist worker (PYTEST_XDIST_WORKER
    gw0, gw1, ...) wipes its graph before every test, so each has a Neo4j of its own: its home beside the serial
    run's and its ports 10 apart per worker (KG_TEST_*_PORT name the first worker's, as they do a serial run's)."""
    home = Path(env.get("KG_TEST_LOCALDB_HOME", str(REPO_ROOT / ".kg" / "neo4j-test")))
    bolt, http = int(env.get("KG_TEST_BOLT_PORT", "17687")), int(env.get("KG_TEST_HTTP_PORT", "17474"))
    worker = env.get("PYTEST_XDIST_WORKER", "")
    if not (worker.startswith("gw") and worker[2:].isdigit()):
        return home, bolt, http
    n = int(worker[2:])
    return home.with_name(f"{home.name}-{worker}"), bolt + 10 * n, http + 10 * n


TEST_HOME, TEST_BOLT, TEST_HTTP = worker_instance(os.environ)


def _docker_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@contextmanager
def provide_neo4j() -> Iterator[tuple[Settings, str]]:
    """Yield settings pointing at a real Neo4j and a word saying which kind it is."""
    if os.environ.get("KG_NEO4J_URI"):
        yield Settings(), "uri"
        return
    if _docker_answers():
        try:
            from testcontainers.neo4j import Neo4jContainer  # type: ignore[import-not-found]
        except ImportError:
            pass
        else:
            password = "researchkg-test"
            with Neo4jContainer("neo4j:5.26-community", password=password) as container:
                yield (
                    Settings(neo4j_uri=container.get_connection_url(), neo4j_password=password),
                    "testcontainers",
                )
            return
    from kg import localdb

    s = Settings(
        neo4j_uri=None,
        localdb_home=TEST_HOME,
        bolt_port=TEST_BOLT,
        http_port=TEST_HTTP,
        heap_initial="512m",
        heap_max="2g",
        pagecache="1g",
    )
    was_running = localdb.status(s, with_version=False).running
    localdb.start(s)
    try:
        yield s, "local"
    finally:
        if not was_running and os.environ.get("KG_TEST_KEEP_DB") != "1":
            localdb.stop(s)
