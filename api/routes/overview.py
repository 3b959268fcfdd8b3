"""GET /overview: what the graph holds, its last loads and well-connected researchers (the landing page)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import RepoDep, problem_responses
from api.schemas import (
    OVERVIEW_LOAD_RUNS_DEFAULT,
    OVERVIEW_LOAD_RUNS_LIMIT,
    OVERVIEW_RESEARCHERS_DEFAULT,
    OVERVIEW_RESEARCHERS_LIMIT,
    GraphOverview,
)

router = APIRouter(tags=["overview"])


@router.get(
    "/overview",
    response_model=GraphOverview,
    summary="Counts of researchers, works, topics and institutions, the last load runs, well-connected researchers.",
    responses=problem_responses(422, 503),
)
def overview(
    repo: RepoDep,
    researchers: Annotated[
        int, Query(ge=0, le=OVERVIEW_RESEARCHERS_LIMIT, description="Well-connected researchers to list.")
    ] = OVERVIEW_RESEARCHERS_DEFAULT,
    load_runs: Annotated[
        int, Query(ge=0, le=OVERVIEW_LOAD_RUNS_LIMIT, description="Newest load runs to list.")
    ] = OVERVIEW_LOAD_RUNS_DEFAULT,
) -> GraphOverview:
    return repo.overview(researchers, load_runs)
