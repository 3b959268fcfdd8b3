"""GET /health (the process answers) and GET /ready (Neo4j answers a read)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import RepoDep, problem_responses
from api.schemas import Health, Ready
from kg import __version__

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health, summary="The API process answers (never touches Neo4j).")
def health() -> Health:
    return Health(status="ok", version=__version__)


@router.get(
    "/ready",
    response_model=Ready,
    summary="Neo4j answers a read: 200, else 503 with Retry-After.",
    responses=problem_responses(503),
)
def ready(repo: RepoDep) -> Ready:
    repo.ping()
    return Ready(status="ready", neo4j="answers")
