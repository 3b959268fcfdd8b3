"""One Neo4j driver per process, managed read/write transactions, and driver errors translated at this edge."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, cast

import neo4j
from neo4j import Driver, GraphDatabase, RoutingControl
from neo4j import exceptions as neo4j_exc

from kg import catalog
from kg.config import Settings, get_settings, redact
from kg.errors import ConfigError, DatabaseUnavailable, QueryError

_lock = threading.Lock()
_drivers: dict[str, Driver] = {}


def make_driver(settings: Settings | None = None, *, ensure_local: bool = True) -> Driver:
    """A new driver for the configured Neo4j; with no KG_NEO4J_URI, the local Neo4j is started first."""
    s = settings or get_settings()
    if s.uses_local_db and ensure_local:
        from kg import localdb

        localdb.ensure_running(s)
    try:
        return GraphDatabase.driver(
            s.uri,
            auth=(s.neo4j_user, s.neo4j_password.get_secret_value()),
            max_connection_pool_size=s.max_pool_size,
            connection_timeout=s.connection_timeout,
            connection_acquisition_timeout=s.connection_timeout * 2,
            max_transaction_retry_time=15.0,
            user_agent="research-kg",
        )
    except (neo4j_exc.ConfigurationError, ValueError) as e:
        raise ConfigError(f"KG_NEO4J_URI cannot be used: {_first_line(e)}") from None


def get_driver(settings: Settings | None = None) -> Driver:
    """The process-wide driver for these settings (created once)."""
    s = settings or get_settings()
    key = f"{s.uri}|{s.neo4j_user}|{s.neo4j_database}"
    with _lock:
        drv = _drivers.get(key)
        if drv is None:
            drv = make_driver(s)
            _drivers[key] = drv
        return drv


def connect(settings: Settings | None = None) -> Driver:
    """The process-wide driver, checked once so an unreachable Neo4j fails fast with one line instead of retrying."""
    drv = get_driver(settings)
    with translated_errors():
        drv.verify_connectivity()
    return drv


def close_all() -> None:
    with _lock:
        for drv in _drivers.values():
            drv.close()
        _drivers.clear()


@contextmanager
def translated_errors() -> Iterator[None]:
    """Turn driver exceptions into Research KG's own, with one clear line each."""
    try:
        yield
    except (neo4j_exc.ServiceUnavailable, neo4j_exc.SessionExpired) as e:
        raise DatabaseUnavailable(f"Neo4j is unavailable: {_first_line(e)}") from e
    except neo4j_exc.AuthError as e:
        raise DatabaseUnavailable(
            "Neo4j refused the credentials (check KG_NEO4J_USER / KG_NEO4J_PASSWORD)"
        ) from e
    except neo4j_exc.Neo4jError as e:
        if e.code and "TransientError" in e.code:
            raise DatabaseUnavailable(f"Neo4j is busy: {_first_line(e)}") from e
        raise QueryError(f"{e.code}: {_first_line(e)}") from e
    except neo4j_exc.DriverError as e:
        raise DatabaseUnavailable(f"Neo4j driver error: {_first_line(e)}") from e


def _first_line(e: BaseException) -> str:
    """The error's text on one line (driver messages often span two)."""
    text = redact(getattr(e, "message", None) or str(e))
    return " ".join(part.strip() for part in text.strip().splitlines() if part.strip()) or type(e).__name__


def run(
    driver: Driver,
    cypher: str,
    params: Mapping[str, Any] | None = None,
    *,
    write: bool = False,
    settings: Settings | None = None,
    timeout: float | None = None,
) -> list[dict[str, Any]]:
    """Run one statement in a managed transaction (retried by the driver) and return its rows as dicts."""
    s = settings or get_settings()
    with translated_errors():
        if timeout is None:
            records, _, _ = driver.execute_query(
                cypher,
                parameters_=dict(params or {}),
                routing_=RoutingControl.WRITE if write else RoutingControl.READ,
                database_=s.neo4j_database,
            )
            return [r.data() for r in records]
        tx_fn = _rows_in_tx(cypher, dict(params or {}))
        wrapped = neo4j.unit_of_work(timeout=timeout)(tx_fn)
        with driver.session(database=s.neo4j_database) as session:
            if write:
                return cast(list[dict[str, Any]], session.execute_write(wrapped))
            return cast(list[dict[str, Any]], session.execute_read(wrapped))


def _rows_in_tx(cypher: str, params: dict[str, Any]) -> Any:
    def work(tx: neo4j.ManagedTransaction) -> list[dict[str, Any]]:
        result = tx.run(cypher, params)
        return [r.data() for r in result]

    return work


def run_named(
    driver: Driver, name: str, params: Mapping[str, Any] | None = None, *, write: bool = False, **kw: Any
) -> list[dict[str, Any]]:
    """Run cypher/<name>.cypher."""
    return run(driver, catalog.query(name), params, write=write, **kw)


def apply_schema(driver: Driver, settings: Settings | None = None) -> list[str]:
    """Apply cypher/schema.cypher (every statement is IF NOT EXISTS, so this is idempotent)."""
    stmts = catalog.get("schema").statements()
    for stmt in stmts:
        run(driver, stmt, write=True, settings=settings)
    run(driver, "CALL db.awaitIndexes(300)", write=False, settings=settings)
    return stmts


def server_info(driver: Driver, settings: Settings | None = None) -> dict[str, Any]:
    rows = run(
        driver,
        "CALL dbms.components() YIELD name, versions, edition RETURN name, versions[0] AS version, edition",
        settings=settings,
    )
    return rows[0] if rows else {}


def run_autocommit(
    driver: Driver, cypher: str, params: Mapping[str, Any] | None = None, *, settings: Settings | None = None
) -> list[dict[str, Any]]:
    """Run in an auto-commit transaction: needed for `CALL { … } IN TRANSACTIONS` batches inside Neo4j."""
    s = settings or get_settings()
    with translated_errors(), driver.session(database=s.neo4j_database) as session:
        return [r.data() for r in session.run(cypher, dict(params or {}))]
