"""GET /graph/expand: the explorer's next ring around any node, with the same shape and budgets as a slice."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ExcludeIds, RepoDep, SliceDep, problem_responses
from api.schemas import ID_MAX_LENGTH, ID_PATTERN, GraphSlice

router = APIRouter(prefix="/graph", tags=["graph"])


@router.get(
    "/expand",
    response_model=GraphSlice,
    summary="The next ring around a researcher, work, topic or institution, leaving out what the client shows.",
    responses=problem_responses(404, 422, 503),
)
def expand(
    node: Annotated[
        str,
        Query(
            min_length=1,
            max_length=ID_MAX_LENGTH,
            pattern=ID_PATTERN,
            description="The node to expand.",
            examples=["openalex:T11001"],
        ),
    ],
    repo: RepoDep,
    request: SliceDep,
    exclude: ExcludeIds = None,
) -> GraphSlice:
    return repo.graph_slice(node, replace(request, exclude=tuple(exclude or ())))
