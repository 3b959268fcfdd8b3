"""A local Neo4j of a test module's own, on free ports, for tests that stop, start or import into their database
(never the shared test one)."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from kg import localdb
from kg.config import Settings


def free_port() -> int:
    """A TCP port nothing listens on now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def own_local_neo4j(home: Path, why: str, **extra: Any) -> Iterator[Settings]:
    """Start a local Neo4j in `home` on free ports with a small heap (`extra` overrides Settings fields), yield its
    settings, stop it after. Skips when KG_NEO4J_URI is set (`why` says why the test needs its own) or when it
    cannot start."""
    if os.environ.get("KG_NEO4J_URI"):
        pytest.skip(f"{why}; KG_NEO4J_URI points elsewhere")
    s = Settings(
        neo4j_uri=None,
        localdb_home=home,
        bolt_port=free_port(),
        http_port=free_port(),
        heap_initial="256m",
        heap_max="1g",
        pagecache="256m",
        **extra,
    )
    try:
        localdb.start(s)
    except Exception as e:  # no Java or jars: the fixture for the shared tests would have failed too
        pytest.skip(f"cannot start a second local Neo4j: {e}")
    try:
        yield s
    finally:
        localdb.stop(s)
