"""The one way to run Cypher: `run` for one statement, `transaction` for several in one unit of work.

Both open their session here, so every session of a process gets the same things: the database by name, the
driver's bookmark manager (a read after a write sees it, also on a cluster's followers, across a load's stages),
routing by access mode (reads to readers, writes to the leader behind a `neo4j://` URI), a managed transaction the
driver retries, an optional timeout, and driver errors translated into typed ones (kg.graphdb.translate).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

import neo4j
from neo4j import Driver

from kg.config import Settings, get_settings
from kg.graphdb import catalog
from kg.graphdb.translate import translated_errors

T = TypeVar("T")

# `CALL { … } IN TRANSACTIONS` (also `IN n CONCURRENT TRANSACTIONS`) commits batches itself: the server accepts it
# only in an implicit (auto-commit) transaction, never in a managed one.
_IN_TRANSACTIONS = re.compile(r"\bIN\s+(?:\S+\s+)?(?:CONCURRENT\s+)?TRANSACTIONS\b", re.IGNORECASE)

# Seconds `apply_schema` waits for new indexes to come online.
INDEX_WAIT_SECONDS = 300


@contextmanager
def _session(driver: Driver, settings: Settings, *, write: bool) -> Iterator[neo4j.Session]:
    with driver.session(
        database=settings.neo4j_database,
        default_access_mode=neo4j.WRITE_ACCESS if write else neo4j.READ_ACCESS,
        bookmark_manager=driver.execute_query_bookmark_manager,
    ) as session:
        yield session


def transaction(
    driver: Driver,
    work: Callable[[neo4j.ManagedTransaction], T],
    *,
    write: bool = False,
    settings: Settings | None = None,
    timeout: float | None = None,
) -> T:
    """Run `work(tx)` in one managed transaction (a write goes to the leader, a read to a reader) and return what
    it returns. The driver retries transient failures, so `work` may run more than once."""
    s = settings or get_settings()
    unit = neo4j.unit_of_work(timeout=timeout)(work) if timeout is not None else work
    with translated_errors(), _session(driver, s, write=write) as session:
        return session.execute_write(unit) if write else session.execute_read(unit)


def run(
    driver: Driver,
    cypher: str,
    params: Mapping[str, Any] | None = None,
    *,
    write: bool = False,
    settings: Settings | None = None,
    timeout: float | None = None,
    raw: bool = False,
) -> list[dict[str, Any]]:
    """Run one statement (its text from the catalog: `catalog.query(name)`) and return its rows as dicts.

    A managed transaction, except for a statement that commits its own batches (`CALL { … } IN TRANSACTIONS`),
    which runs in an implicit one as the server requires. raw: each row's values as the driver decoded them, not
    through Record.data() (which walks every element of every list in Python: seconds per million; nodes and
    relationships then stay the driver's objects)."""
    values = dict(params or {})
    as_dict: Callable[[neo4j.Record], dict[str, Any]] = (
        (lambda r: dict(zip(r.keys(), r.values(), strict=True))) if raw else neo4j.Record.data
    )
    if _IN_TRANSACTIONS.search(cypher):
        s = settings or get_settings()
        with translated_errors(), _session(driver, s, write=write) as session:
            return [as_dict(r) for r in session.run(neo4j.Query(cypher, timeout=timeout), values)]

    def rows(tx: neo4j.ManagedTransaction) -> list[dict[str, Any]]:
        return [as_dict(r) for r in tx.run(cypher, values)]

    return transaction(driver, rows, write=write, settings=settings, timeout=timeout)


def apply_schema(driver: Driver, settings: Settings | None = None) -> list[str]:
    """Apply cypher/schema.cypher (every statement is IF [NOT] EXISTS, so this is idempotent) and wait for its
    indexes."""
    stmts = catalog.get("schema").statements()
    for stmt in stmts:
        run(driver, stmt, write=True, settings=settings)
    run(driver, catalog.query("db/await_indexes"), {"seconds": INDEX_WAIT_SECONDS}, settings=settings)
    return stmts


def server_info(driver: Driver, settings: Settings | None = None) -> dict[str, Any]:
    """The server's version and edition ({} when it says nothing)."""
    rows = run(driver, catalog.query("db/server_info"), settings=settings)
    return rows[0] if rows else {}
