"""The one edge to Neo4j: the driver factory, running statements and transactions, the Cypher catalog, and driver
errors translated into typed ones at one point.

- `open_driver` / `shared_driver` / `connect` (kg.graphdb.driver): making a driver never starts a database.
- `run` / `transaction` (kg.graphdb.tx): one statement, or several in one unit of work; reads routed to readers,
  writes to the leader, the driver's bookmarks kept across every session of the process.
- `catalog` (kg.graphdb.catalog): every statement is a file under cypher/.
- `translated_errors` (kg.graphdb.translate): QueryTimedOut, ConstraintViolation, CredentialsRefused, … by code.
"""

from __future__ import annotations

from kg.graphdb import catalog
from kg.graphdb.driver import connect, open_driver, shared_driver
from kg.graphdb.translate import translated_errors
from kg.graphdb.tx import apply_schema, run, server_info, transaction

__all__ = [
    "apply_schema",
    "catalog",
    "connect",
    "open_driver",
    "run",
    "server_info",
    "shared_driver",
    "transaction",
    "translated_errors",
]
