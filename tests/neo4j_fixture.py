"""How the test run gets a real Neo4j: KG_NEO4J_URI, else testcontainers when a Docker engine answers, else the
local Neo4j (its own test home and ports, so a developer's loaded graph is never wiped), started once per run."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kg.config import REPO_ROOT, Settings

TEST_HOME = Path(os.environ.get("KG_TEST_LOCALDB_HOME", str(REPO_ROOT / ".kg" / "neo4j-test")))
TEST_BOLT = int(os.environ.get("KG_TEST_BOLT_PORT", "17687"))
TEST_HTTP = int(os.environ.get("KG_TEST_HTTP_PORT", "17474"))


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
