"""Request limits (a request beyond one is a 422, never clamped), the node types, the problem and health models,
and the OpenAPI example helper every model uses."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

# Hard limits: a request beyond them gets a 422, never a silently clamped answer.
MAX_NODES_DEFAULT = 40
MAX_NODES_LIMIT = 200
TYPE_CAP_LIMIT = 200
PER_NODE_DEFAULT = 5
PER_NODE_LIMIT = 50
EXCLUDE_LIMIT = 500
ID_MAX_LENGTH = 512
# Every id in the graph is typed: a lower-case prefix, a colon, the rest ("doi:10.1/x", "openalex:T10001",
# "name:<key>:<hash>"); anything else is a malformed parameter (422), not an unknown node (404).
ID_PATTERN = r"^[a-z][a-z0-9_-]*:.+$"
PAGE_DEFAULT = 20
PAGE_LIMIT = 100
# A works page lists this many authors per work (an export says "and others" past it).
WORK_AUTHORS_LISTED = 50
# A work's detail lists at most this many citing and cited works.
CITATIONS_LISTED = 50
SEARCH_PAGE_LIMIT = 50
SEARCH_OFFSET_LIMIT = 200
QUERY_MAX_LENGTH = 200


class NodeType(StrEnum):
    researcher = "researcher"
    work = "work"
    topic = "topic"
    institution = "institution"


# The order in which a slice fills its budget, one of each type in turn (so a tight budget still shows a mix).
TYPE_ORDER: tuple[NodeType, ...] = (NodeType.researcher, NodeType.work, NodeType.topic, NodeType.institution)

DEFAULT_TYPE_CAPS: dict[NodeType, int] = {
    NodeType.researcher: 12,
    NodeType.work: 15,
    NodeType.topic: 8,
    NodeType.institution: 5,
}


def absent(value: Any) -> bool:
    return value is None


def examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(examples)})


class Problem(BaseModel):
    """An error as application/problem+json (RFC 9457)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None

    model_config = examples(
        {
            "type": "about:blank",
            "title": "Not Found",
            "status": 404,
            "detail": "no researcher with id 'orcid:0000-0000-0000-0000'",
            "instance": "/api/v1/researchers/orcid:0000-0000-0000-0000",
        }
    )


class Health(BaseModel):
    status: str
    version: str

    model_config = examples({"status": "ok", "version": "0.1.0"})


class Ready(BaseModel):
    status: str
    neo4j: str

    model_config = examples({"status": "ready", "neo4j": "answers"})
