"""A local Neo4j of a test module's own for the bulk path, which stops it, imports into it and starts it again."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest

from kg import localdb
from kg.config import Settings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def bulk_neo4j(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A local Neo4j of the test's own: the bulk path stops it, imports into it and starts it again."""
    if os.environ.get("KG_NEO4J_URI"):
        pytest.skip("the bulk path imports into a local Neo4j of its own; KG_NEO4J_URI points elsewhere")
    s = Settings(
        neo4j_uri=None,
        localdb_home=tmp_path_factory.mktemp("bulk") / "neo4j",
        bolt_port=_free_port(),
        http_port=_free_port(),
        heap_initial="256m",
        heap_max="1g",
        import_heap="300m",
        pagecache="256m",
    )
    try:
        localdb.start(s)
    except Exception as e:  # no Java or jars: the fixture for the shared tests would have failed too
        pytest.skip(f"cannot start a second local Neo4j: {e}")
    yield s
    localdb.stop(s)
