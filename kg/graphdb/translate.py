"""The one place driver exceptions become Research KG's typed errors, each with one clear line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from neo4j import exceptions as neo4j_exc

from kg.config import redact
from kg.errors import (
    ConstraintViolation,
    CredentialsRefused,
    DatabaseUnavailable,
    QueryError,
    QueryTimedOut,
)

# The server's codes for a transaction ended by a timeout: the one the client set at its start (a read with
# KG_QUERY_TIMEOUT) and the server's own db.transaction.timeout.
TIMEOUT_CODES = frozenset(
    {
        "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration",
        "Neo.ClientError.Transaction.TransactionTimedOut",
    }
)


@contextmanager
def translated_errors() -> Iterator[None]:
    """Turn driver exceptions into Research KG's own, by type and status code (never by message text)."""
    try:
        yield
    except neo4j_exc.AuthError as e:
        raise CredentialsRefused(
            "Neo4j refused the credentials (check KG_NEO4J_USER / KG_NEO4J_PASSWORD)"
        ) from e
    except (neo4j_exc.ServiceUnavailable, neo4j_exc.SessionExpired) as e:
        raise DatabaseUnavailable(f"Neo4j is unavailable: {first_line(e)}") from e
    except neo4j_exc.Neo4jError as e:
        if e.code in TIMEOUT_CODES:
            raise QueryTimedOut(f"{e.code}: {first_line(e)}") from e
        if isinstance(e, neo4j_exc.ConstraintError):
            raise ConstraintViolation(f"{e.code}: {first_line(e)}") from e
        if isinstance(e, neo4j_exc.TransientError):
            raise DatabaseUnavailable(f"Neo4j is busy: {first_line(e)}") from e
        raise QueryError(f"{e.code}: {first_line(e)}") from e
    except neo4j_exc.DriverError as e:
        raise DatabaseUnavailable(f"Neo4j driver error: {first_line(e)}") from e


def first_line(e: BaseException) -> str:
    """The error's text on one line (driver messages often span two), with any secret taken out."""
    text = redact(getattr(e, "message", None) or str(e))
    return " ".join(part.strip() for part in text.strip().splitlines() if part.strip()) or type(e).__name__
