"""An institution: its detail and its own slice."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from api.deps import RepoDep, SliceDep, id_path, problem_responses
from api.schemas import GraphSlice, InstitutionDetail, NodeType

router = APIRouter(prefix="/institutions", tags=["institutions"])

InstitutionId = Annotated[str, id_path("institution", "ror:00f54p054")]


@router.get(
    "/{institution_id:path}/graph",
    response_model=GraphSlice,
    summary="The slice around an institution: its researchers (and, at hop 2, their ring).",
    responses=problem_responses(404, 422, 503),
)
def institution_graph(institution_id: InstitutionId, repo: RepoDep, request: SliceDep) -> GraphSlice:
    return repo.graph_slice(institution_id, request, expected=NodeType.institution)


@router.get(
    "/{institution_id:path}",
    response_model=InstitutionDetail,
    summary="An institution with how many researchers it has.",
    responses=problem_responses(404, 422, 503),
)
def institution_detail(institution_id: InstitutionId, repo: RepoDep) -> InstitutionDetail:
    return repo.institution(institution_id)
