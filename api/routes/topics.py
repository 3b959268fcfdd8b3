"""A topic: its detail (place in the hierarchy, how many works and researchers) and its own slice."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from api.deps import RepoDep, SliceDep, id_path, problem_responses
from api.schemas import GraphSlice, NodeType, TopicDetail

router = APIRouter(prefix="/topics", tags=["topics"])

TopicId = Annotated[str, id_path("topic", "openalex:T11636")]


@router.get(
    "/{topic_id:path}/graph",
    response_model=GraphSlice,
    summary="The slice around a topic: its top works and researchers, broader and narrower topics.",
    responses=problem_responses(404, 422, 503),
)
def topic_graph(topic_id: TopicId, repo: RepoDep, request: SliceDep) -> GraphSlice:
    return repo.graph_slice(topic_id, request, expected=NodeType.topic)


@router.get(
    "/{topic_id:path}",
    response_model=TopicDetail,
    summary="A topic with its parents, children and counts.",
    responses=problem_responses(404, 422, 503),
)
def topic_detail(topic_id: TopicId, repo: RepoDep) -> TopicDetail:
    return repo.topic(topic_id)
