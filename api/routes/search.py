"""GET /search: full-text search over researcher names, work titles and abstracts, topics and institutions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api import pagination
from api.deps import Cursor, RepoDep, problem_responses
from api.schemas import (
    QUERY_MAX_LENGTH,
    SEARCH_OFFSET_LIMIT,
    SEARCH_PAGE_LIMIT,
    TYPE_ORDER,
    NodeType,
    SearchPage,
)

router = APIRouter(tags=["search"])


@router.get(
    "/search",
    response_model=SearchPage,
    summary="Ranked full-text search (user input is escaped, never Lucene syntax), paginated.",
    responses=problem_responses(422, 503),
)
def search(
    repo: RepoDep,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=QUERY_MAX_LENGTH,
            description="What to look for.",
            examples=["graph neural"],
        ),
    ],
    type: Annotated[
        NodeType | None, Query(description="Only this kind of node; all kinds when absent.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=SEARCH_PAGE_LIMIT, description="Hits per page.")] = 10,
    cursor: Cursor = None,
) -> SearchPage:
    offset = 0
    if cursor:
        (offset,) = pagination.decode("search", cursor, (int,))
        if not 0 <= offset <= SEARCH_OFFSET_LIMIT:
            raise pagination.InvalidCursor("cursor is malformed")
    types = [type] if type else list(TYPE_ORDER)
    items, nxt = repo.search(q, types, offset, limit)
    return SearchPage(
        query=q, items=items, next_cursor=pagination.encode("search", [nxt]) if nxt is not None else None
    )
