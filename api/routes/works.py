"""A work: its detail and its own slice."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from api.deps import RepoDep, SliceDep, id_path, problem_responses
from api.schemas import GraphSlice, NodeType, WorkDetail

router = APIRouter(prefix="/works", tags=["works"])

WorkId = Annotated[str, id_path("work", "doi:10.1016/j.joi.2017.08.007")]


@router.get(
    "/{work_id:path}/graph",
    response_model=GraphSlice,
    summary="The slice around a work: its authors, topics and citing or cited works.",
    responses=problem_responses(404, 422, 503),
)
def work_graph(work_id: WorkId, repo: RepoDep, request: SliceDep) -> GraphSlice:
    return repo.graph_slice(work_id, request, expected=NodeType.work)


@router.get(
    "/{work_id:path}",
    response_model=WorkDetail,
    summary="A work with its authors in order and its topics.",
    responses=problem_responses(404, 422, 503),
)
def work_detail(work_id: WorkId, repo: RepoDep) -> WorkDetail:
    return repo.work(work_id)
