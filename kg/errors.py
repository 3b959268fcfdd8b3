"""One base exception for Research KG, with typed subclasses; the CLI and the API turn them into one clear line."""

from __future__ import annotations


class KGError(Exception):
    """Base class of every error Research KG raises on purpose."""

    exit_code = 1


class ConfigError(KGError):
    """The settings are wrong or incomplete."""


class LocalDBError(KGError):
    """The local Neo4j cannot be fetched, started, or stopped."""


class DatabaseUnavailable(KGError):
    """Neo4j does not answer (down, restarting, or unreachable)."""


class CredentialsRefused(DatabaseUnavailable):
    """Neo4j answers but refuses the user and password."""


class QueryError(KGError):
    """A Cypher statement failed for a reason that is not transient."""


class QueryTimedOut(QueryError):
    """A transaction ran past its timeout (the caller's, e.g. KG_QUERY_TIMEOUT, or the server's) and was ended."""


class ConstraintViolation(QueryError):
    """A write broke a schema constraint (e.g. a second node with an id that must be unique)."""


class InputError(KGError):
    """An input file cannot be read at all (missing, unreadable, unknown format)."""


class OutputError(KGError):
    """A file cannot be written (a read-only directory, a full disk): the message says what was saved."""


class NotFound(KGError):
    """An id names nothing in the graph."""


class HarvestError(KGError):
    """A live source cannot be harvested: it refuses the request, keeps failing after the retries, or answers in a
    shape that is not its API's."""
