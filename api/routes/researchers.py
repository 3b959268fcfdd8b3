"""A researcher: the quick read, the panel's graph slice, and paginated works, collaborators and suggestions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from api import pagination
from api.deps import Cursor, PageLimit, RepoDep, SliceDep, id_path, problem_responses
from api.schemas import (
    PAGE_DEFAULT,
    CollaboratorPage,
    GraphSlice,
    NodeType,
    QuickRead,
    SuggestionPage,
    WorkPage,
)

router = APIRouter(prefix="/researchers", tags=["researchers"])

ResearcherId = Annotated[str, id_path("researcher", "orcid:0000-0002-1825-0097")]


def _after_number(kind: str, cursor: str | None) -> tuple[float, str] | None:
    """The (weight or score, id) key in a cursor of a list sorted by a number; JSON may give the number back as an
    int, the repository takes a float."""
    after = pagination.decode(kind, cursor, ((int, float), str)) if cursor else None
    return (float(after[0]), after[1]) if after else None


def _next_cursor(kind: str, nxt: tuple[Any, str] | None) -> str | None:
    return pagination.encode(kind, list(nxt)) if nxt else None


@router.get(
    "/{researcher_id:path}/graph",
    response_model=GraphSlice,
    summary="The panel's slice: the researcher, nearby works, co-authors, topics and institutions.",
    responses=problem_responses(404, 422, 503),
)
def researcher_graph(researcher_id: ResearcherId, repo: RepoDep, request: SliceDep) -> GraphSlice:
    return repo.graph_slice(researcher_id, request, expected=NodeType.researcher)


@router.get(
    "/{researcher_id:path}/works",
    response_model=WorkPage,
    summary="The researcher's works, most recent first (cursor pagination).",
    responses=problem_responses(404, 422, 503),
)
def researcher_works(
    researcher_id: ResearcherId, repo: RepoDep, limit: PageLimit = PAGE_DEFAULT, cursor: Cursor = None
) -> WorkPage:
    after = pagination.decode("works", cursor, (int, str)) if cursor else None
    items, nxt = repo.researcher_works(researcher_id, limit, (after[0], after[1]) if after else None)
    return WorkPage(items=items, next_cursor=_next_cursor("works", nxt))


@router.get(
    "/{researcher_id:path}/collaborators",
    response_model=CollaboratorPage,
    summary="The researcher's co-authors by COAUTHOR weight, close collaborators marked (cursor pagination).",
    responses=problem_responses(404, 422, 503),
)
def researcher_collaborators(
    researcher_id: ResearcherId, repo: RepoDep, limit: PageLimit = PAGE_DEFAULT, cursor: Cursor = None
) -> CollaboratorPage:
    items, nxt = repo.researcher_collaborators(researcher_id, limit, _after_number("collaborators", cursor))
    return CollaboratorPage(items=items, next_cursor=_next_cursor("collaborators", nxt))


@router.get(
    "/{researcher_id:path}/suggestions",
    response_model=SuggestionPage,
    summary="Suggested collaborators with their reasons, best first (cursor pagination).",
    responses=problem_responses(404, 422, 503),
)
def researcher_suggestions(
    researcher_id: ResearcherId, repo: RepoDep, limit: PageLimit = PAGE_DEFAULT, cursor: Cursor = None
) -> SuggestionPage:
    items, nxt = repo.researcher_suggestions(researcher_id, limit, _after_number("suggestions", cursor))
    return SuggestionPage(items=items, next_cursor=_next_cursor("suggestions", nxt))


@router.get(
    "/{researcher_id:path}",
    response_model=QuickRead,
    summary="The quick read: graph-computed counts kept apart from the counts a source reported.",
    responses=problem_responses(404, 422, 503),
)
def researcher_quick_read(researcher_id: ResearcherId, repo: RepoDep) -> QuickRead:
    return repo.quick_read(researcher_id)
