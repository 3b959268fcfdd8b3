"""What routes get through FastAPI dependencies: the repository (one per process, on app.state) and slice limits."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import StringConstraints

from api.repository import GraphRepository
from api.schemas import (
    DEFAULT_TYPE_CAPS,
    EXCLUDE_LIMIT,
    ID_MAX_LENGTH,
    ID_PATTERN,
    MAX_NODES_DEFAULT,
    MAX_NODES_LIMIT,
    PAGE_LIMIT,
    PER_NODE_DEFAULT,
    PER_NODE_LIMIT,
    TYPE_CAP_LIMIT,
    NodeType,
    Problem,
)
from api.slices import SliceRequest


def get_repository(request: Request) -> GraphRepository:
    repo: GraphRepository = request.app.state.repository
    return repo


RepoDep = Annotated[GraphRepository, Depends(get_repository)]


def slice_request(
    max_nodes: Annotated[
        int,
        Query(
            ge=1,
            le=MAX_NODES_LIMIT,
            description=f"Node budget, the centre included (at most {MAX_NODES_LIMIT}).",
        ),
    ] = MAX_NODES_DEFAULT,
    types: Annotated[
        list[NodeType] | None,
        Query(description="Neighbour types to include (repeat the parameter); all four when absent."),
    ] = None,
    max_researchers: Annotated[int, Query(ge=0, le=TYPE_CAP_LIMIT, description="Cap on researchers.")] = (
        DEFAULT_TYPE_CAPS[NodeType.researcher]
    ),
    max_works: Annotated[
        int, Query(ge=0, le=TYPE_CAP_LIMIT, description="Cap on works.")
    ] = DEFAULT_TYPE_CAPS[NodeType.work],
    max_topics: Annotated[
        int, Query(ge=0, le=TYPE_CAP_LIMIT, description="Cap on topics.")
    ] = DEFAULT_TYPE_CAPS[NodeType.topic],
    max_institutions: Annotated[int, Query(ge=0, le=TYPE_CAP_LIMIT, description="Cap on institutions.")] = (
        DEFAULT_TYPE_CAPS[NodeType.institution]
    ),
    hops: Annotated[
        int, Query(ge=1, le=2, description="1: the node's ring; 2: also each ring node's ring.")
    ] = 1,
    per_node: Annotated[
        int, Query(ge=1, le=PER_NODE_LIMIT, description="Most new neighbours one ring node adds at hop 2.")
    ] = PER_NODE_DEFAULT,
) -> SliceRequest:
    return SliceRequest(
        max_nodes=max_nodes,
        types=frozenset(types) if types else frozenset(NodeType),
        caps={
            NodeType.researcher: max_researchers,
            NodeType.work: max_works,
            NodeType.topic: max_topics,
            NodeType.institution: max_institutions,
        },
        hops=hops,
        per_node=per_node,
    )


SliceDep = Annotated[SliceRequest, Depends(slice_request)]


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem+json errors a route can answer with."""
    descriptions = {
        404: "No node of this kind has this id.",
        422: "A parameter is malformed or beyond its limit (limits are enforced, never clamped).",
        503: "Neo4j does not answer (down, restarting, or the query timed out); retry after Retry-After seconds.",
    }
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        entry: dict[str, Any] = {"model": Problem, "description": descriptions[code]}
        if code == 503:
            entry["headers"] = {
                "Retry-After": {
                    "description": "Seconds to wait before retrying.",
                    "schema": {"type": "integer"},
                }
            }
        out[code] = entry
    return out


def id_path(what: str, example: str) -> Any:
    return Path(
        min_length=1,
        max_length=ID_MAX_LENGTH,
        pattern=ID_PATTERN,
        description=f"The {what}'s id (typed, e.g. {example}); slashes inside a DOI may stay unescaped.",
        examples=[example],
    )


PageLimit = Annotated[int, Query(ge=1, le=PAGE_LIMIT, description=f"Items per page (at most {PAGE_LIMIT}).")]
Cursor = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=1000,
        description="The next_cursor of the previous page; absent for the first.",
    ),
]
ExcludeIds = Annotated[
    list[Annotated[str, StringConstraints(min_length=1, max_length=ID_MAX_LENGTH, pattern=ID_PATTERN)]]
    | None,
    Query(
        max_length=EXCLUDE_LIMIT,
        description=f"Ids the client already shows (repeat the parameter; at most {EXCLUDE_LIMIT}).",
    ),
]


def _declared_query_names(dependant: Any) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _declared_query_names(sub)
    return names


def reject_unknown_query_params(request: Request) -> None:
    """A parameter the endpoint does not declare is a client mistake (a typo like `max_node=`): say so with a 422
    instead of silently answering as if it had not been sent."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    unknown = sorted(set(request.query_params.keys()) - _declared_query_names(dependant))
    if unknown:
        raise RequestValidationError(
            [
                {
                    "loc": ("query", name),
                    "msg": "unknown query parameter",
                    "type": "extra_forbidden",
                    "input": None,
                }
                for name in unknown
            ]
        )
