"""Cursor pages of a researcher's works, collaborators and suggested collaborators."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from api.schemas.base import WORK_AUTHORS_LISTED, examples
from api.schemas.quick_read import COLLABORATOR_BRIEF_EXAMPLE, CollaboratorBrief
from api.schemas.search import SearchContext

# ---------------------------------------------------------------------------------------------- paginated lists

# An item's example, shown again as its page's first item.
WORK_ITEM_EXAMPLE: dict[str, Any] = {
    "id": "doi:10.5555/rkg.0001",
    "title": "Sharded Attention Kernels for Long-Context Graph Transformers",
    "year": 2026,
    "type": "preprint",
    "venue": "arXiv",
    "doi": "10.5555/rkg.0001",
    "arxiv_id": None,
    "author_count": 3,
    "position": 1,
    "authors": ["Ada Ferreira", "Bruno Okafor", "Chen Wei"],
    "authors_truncated": False,
    "cited_by_count": 12,
    "pdf_url": None,
}
COLLABORATOR_ITEM_EXAMPLE: dict[str, Any] = {
    **COLLABORATOR_BRIEF_EXAMPLE,
    "works": ["doi:10.5555/rkg.0001"],
    "close": True,
}


class WorkItem(BaseModel):
    id: str
    title: str | None = None
    year: int | None = None
    type: str | None = None
    venue: str | None = None
    doi: str | None = None
    arxiv_id: str | None = None
    author_count: int | None = None
    position: int | None = Field(None, description="The researcher's place in the author list (1-based).")
    authors: list[str] = Field(
        default_factory=list, description=f"The first {WORK_AUTHORS_LISTED} author names in author order."
    )
    authors_truncated: bool = Field(
        False, description="True when the graph holds more authors of this work than `authors` lists."
    )
    cited_by_count: int | None = Field(None, description="Citations as a source states them (OpenAlex).")
    pdf_url: str | None = None

    model_config = examples(WORK_ITEM_EXAMPLE)


class WorkPage(BaseModel):
    items: list[WorkItem]
    next_cursor: str | None = Field(None, description="Pass as ?cursor= for the next page; null on the last.")

    model_config = examples(
        {
            "items": [WORK_ITEM_EXAMPLE],
            "next_cursor": "eyJ0Ijoid29ya3MiLCJrIjpbMjAyNiwiZG9pOjEwLjU1NTUvcmtnLjAwMDEiXX0",
        }
    )


# The quick read's collaborator, with a few shared works and whether close. (A docstring would add a description
# to the OpenAPI document.)
class CollaboratorItem(CollaboratorBrief):
    works: list[str] = Field(default_factory=list, description="A few shared work ids, most recent first.")
    close: bool = Field(description="Whether this co-author is one of the researcher's close collaborators.")

    model_config = examples(COLLABORATOR_ITEM_EXAMPLE)


class CollaboratorPage(BaseModel):
    items: list[CollaboratorItem]
    next_cursor: str | None = None

    model_config = examples(
        {
            "items": [COLLABORATOR_ITEM_EXAMPLE],
            "next_cursor": None,
        }
    )


class SuggestionItem(BaseModel):
    id: str
    name: str | None = None
    headline: str | None = None
    open_to_collaborate: bool | None = None
    score: float | None = None
    run: str | None = None
    reasons: Any = Field(
        None, description="Why this person is suggested (the discovery job's reasons, as JSON)."
    )
    context: SearchContext | None = Field(
        None, description="What tells this person apart from others of the same name."
    )

    model_config = examples(
        {
            "id": "orcid:0000-0003-0000-0007",
            "name": "Ines Laurent",
            "headline": "Knowledge graph embeddings at scale",
            "open_to_collaborate": True,
            "score": 0.82,
            "run": "discover-2026-11-20",
            "reasons": {
                "shared_coauthors": [{"id": "orcid:0000-0002-0000-0002", "name": "Chen Wei"}],
                "shared_topics": [{"id": "openalex:T11003", "name": "Knowledge Graph Embeddings"}],
            },
        }
    )


class SuggestionPage(BaseModel):
    items: list[SuggestionItem]
    next_cursor: str | None = None

    model_config = examples(
        {
            "items": [
                {
                    "id": "orcid:0000-0003-0000-0007",
                    "name": "Ines Laurent",
                    "headline": None,
                    "open_to_collaborate": True,
                    "score": 0.82,
                    "run": "discover-2026-11-20",
                    "reasons": {
                        "shared_topics": [{"id": "openalex:T11003", "name": "Knowledge Graph Embeddings"}]
                    },
                }
            ],
            "next_cursor": None,
        }
    )
