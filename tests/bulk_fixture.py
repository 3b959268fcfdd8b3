"""A local Neo4j of the bulk path's own (never the shared test one), which it stops, imports into and starts again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kg.config import Settings
from tests.own_neo4j import own_local_neo4j


@pytest.fixture(scope="session")
def bulk_neo4j(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A local Neo4j of the bulk tests' own: the bulk path stops it, imports into it and starts it again. One for
    the run, not one per module: each start of a JVM costs seconds, and every bulk test empties it before its load
    (an import needs an empty graph), so what one module leaves never reaches the next one's figures."""
    with own_local_neo4j(
        tmp_path_factory.mktemp("bulk") / "neo4j",
        "the bulk path imports into a local Neo4j of its own",
        import_heap="300m",
    ) as s:
        yield s
