"""Keyset paging over a catalog statement: rows in id order, page after page, each page starting after the last
id of the one before (`$after`, '' to start; `$limit`), so a walk over every researcher never holds them all."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from neo4j import Driver

from kg.config import Settings
from kg.graphdb import catalog, run


def keyset_pages(
    driver: Driver,
    name: str,
    settings: Settings,
    limit: int,
    params: Mapping[str, Any] | None = None,
    key: str = "id",
    *,
    raw: bool = False,
) -> Iterator[list[dict[str, Any]]]:
    """The pages of statement `name` (which reads `$after` and `$limit` and orders by `key`) until one is empty
    (raw: rows as graphdb.run(raw=True) gives them)."""
    after = ""
    while True:
        rows = run(
            driver,
            catalog.query(name),
            {**(params or {}), "after": after, "limit": limit},
            settings=settings,
            raw=raw,
        )
        if not rows:
            return
        yield rows
        after = rows[-1][key]
