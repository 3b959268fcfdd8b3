"""A local Neo4j of a test module's own for the bulk path, which stops it, imports into it and starts it again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kg.config import Settings
from tests.own_neo4j import own_local_neo4j


@pytest.fixture(scope="module")
def bulk_neo4j(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A local Neo4j of the test's own: the bulk path stops it, imports into it and starts it again."""
    with own_local_neo4j(
        tmp_path_factory.mktemp("bulk") / "neo4j",
        "the bulk path imports into a local Neo4j of its own",
        import_heap="300m",
    ) as s:
        yield s
