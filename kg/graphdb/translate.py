"""The one place driver exceptions become Research KG's typed errors, each with one clear line."""

from __future__ import annotations

import re
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

# After a few wrong passwords in a row (dbms.security.auth_max_failed_attempts) Neo4j refuses the user's logins for
# a while (dbms.security.auth_lock_time, 5 s by default) with this client error, which the driver does not raise as
# an AuthError.
AUTH_RATE_LIMIT = "Neo.ClientError.Security.AuthenticationRateLimit"


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
        raise DatabaseUnavailable(f"Neo4j is unavailable: {unavailable_reason(e)}") from e
    except neo4j_exc.Neo4jError as e:
        if e.code == AUTH_RATE_LIMIT:
            raise CredentialsRefused(
                "Neo4j refused the credentials too many times in a row and refuses this user's logins for a few "
                "seconds (check KG_NEO4J_USER / KG_NEO4J_PASSWORD)"
            ) from e
        if e.code in TIMEOUT_CODES:
            raise QueryTimedOut(f"{e.code}: {first_line(e)}") from e
        if isinstance(e, neo4j_exc.ConstraintError):
            raise ConstraintViolation(f"{e.code}: {first_line(e)}") from e
        if isinstance(e, neo4j_exc.TransientError):
            raise DatabaseUnavailable(f"Neo4j is busy: {first_line(e)}") from e
        raise QueryError(f"{e.code}: {first_line(e)}") from e
    except neo4j_exc.DriverError as e:
        raise DatabaseUnavailable(f"Neo4j driver error: {first_line(e)}") from e


# The driver's text when nothing listens ("Couldn't connect to H:P (resolved to ('H:P',)): Failed to establish
# connection to ResolvedIPv4Address(('H', P)) (reason [Errno 111] Connection refused)"): the address and the reason
_CANNOT_CONNECT = re.compile(
    r"Couldn't connect to (\S+?) \(resolved to .*?\(reason (?:\[Errno \d+\] )?([^)]+)\)"
)


def unavailable_reason(e: BaseException) -> str:
    """Why the driver found no server, said shortly when it is the usual "nothing answers at that address" (the
    error's type decides that it is unavailability; its text only gives the wording), else the driver's line."""
    text = first_line(e)
    m = _CANNOT_CONNECT.search(text)
    return f"cannot connect to {m.group(1)} ({m.group(2).strip().lower()})" if m else text


def first_line(e: BaseException) -> str:
    """The error's text on one line (driver messages often span two), with any secret taken out."""
    text = redact(getattr(e, "message", None) or str(e))
    return " ".join(part.strip() for part in text.strip().splitlines() if part.strip()) or type(e).__name__
