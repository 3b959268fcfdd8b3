"""The one driver factory: every Neo4j driver of the project is made here, and making one never starts a database.

Starting the local Neo4j is the command line's decision (kg.cli's `driver()`, `kg db start`, `kg serve`), taken
before it asks for a driver; a driver for a database that is down connects when first used and fails then.
"""

from __future__ import annotations

import threading

from neo4j import Driver, GraphDatabase, NotificationMinimumSeverity
from neo4j import exceptions as neo4j_exc

from kg.config import Settings, get_settings
from kg.errors import ConfigError
from kg.graphdb.translate import first_line, translated_errors

# How long the driver keeps retrying a managed transaction that failed transiently (a leader change in a cluster,
# a deadlock, a restart): long enough to ride out a leader election.
RETRY_SECONDS = 15.0

_lock = threading.Lock()
_shared: dict[str, Driver] = {}


def open_driver(
    settings: Settings | None = None,
    *,
    pool_size: int | None = None,
    retry_seconds: float = RETRY_SECONDS,
    user_agent: str = "research-kg",
) -> Driver:
    """A new driver for the configured Neo4j (`bolt://` for one server, `neo4j://` to route in a cluster); the
    caller closes it. Creating it does not connect. Server notifications are off: the project's statements are
    reviewed in cypher/, and a graph without some optional property is normal, not worth a log line."""
    s = settings or get_settings()
    try:
        return GraphDatabase.driver(
            s.uri,
            auth=(s.neo4j_user, s.neo4j_password.get_secret_value()),
            max_connection_pool_size=pool_size or s.max_pool_size,
            connection_timeout=s.connection_timeout,
            connection_acquisition_timeout=s.connection_timeout * 2,
            max_transaction_retry_time=retry_seconds,
            user_agent=user_agent,
            notifications_min_severity=NotificationMinimumSeverity.OFF,
        )
    except (neo4j_exc.ConfigurationError, ValueError) as e:
        raise ConfigError(f"KG_NEO4J_URI cannot be used: {first_line(e)}") from None


def shared_driver(settings: Settings | None = None) -> Driver:
    """The process-wide driver for these settings (made once, closed by close_all)."""
    s = settings or get_settings()
    key = f"{s.uri}|{s.neo4j_user}|{s.neo4j_database}"
    with _lock:
        drv = _shared.get(key)
        if drv is None:
            drv = open_driver(s)
            _shared[key] = drv
        return drv


def connect(settings: Settings | None = None) -> Driver:
    """The process-wide driver, checked once so an unreachable Neo4j fails fast with one line instead of retrying."""
    drv = shared_driver(settings)
    with translated_errors():
        drv.verify_connectivity()
    return drv
