"""Full-text search: a hit, the context that tells same-named hits apart, and a page of hits."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.schemas.base import NodeType, examples

# ---------------------------------------------------------------------------------------------- search


class SearchContext(BaseModel):
    """What tells hits with the same name apart (each field only for the kinds it names)."""

    works: int | None = Field(
        default=None, description="Researcher: works authored; topic: works carrying it (graph counts)."
    )
    institution: str | None = Field(default=None, description="Researcher: the most recent institution.")
    top_topic: str | None = Field(default=None, description="Researcher: the strongest topic of the profile.")
    latest_work: str | None = Field(default=None, description="Researcher: the title of the latest work.")
    latest_year: int | None = Field(default=None, description="Researcher: the year of the latest work.")
    first_author: str | None = Field(default=None, description="Work: the first author's name.")
    authors: int | None = Field(default=None, description="Work: authors in the graph.")
    year: int | None = Field(default=None, description="Work: the year.")
    venue: str | None = Field(default=None, description="Work: the venue.")
    cited_by_count: int | None = Field(default=None, description="Work: citations as a source states them.")
    parent: str | None = Field(default=None, description="Topic: the broader topic.")
    level: str | None = Field(default=None, description="Topic: domain, field, subfield, topic or category.")
    scheme: str | None = Field(default=None, description="Topic: openalex or arxiv.")
    country_code: str | None = Field(default=None, description="Institution: the country.")
    researchers: int | None = Field(default=None, description="Institution: affiliated researchers.")

    model_config = examples(
        {
            "works": 9,
            "institution": "Northbridge Institute of Technology",
            "top_topic": "Graph Neural Network Models",
        }
    )


class SearchHit(BaseModel):
    id: str
    type: NodeType
    label: str | None = None
    score: float = Field(description="Full-text relevance (Lucene); results are ranked by it, then by id.")
    detail: str | None = Field(
        None, description="A short second line: headline, year and venue, level, country."
    )
    context: SearchContext = Field(
        default_factory=lambda: SearchContext(),
        description="What tells this hit apart from others of the same name.",
    )

    model_config = examples(
        {
            "id": "profile:ada-ferreira",
            "type": "researcher",
            "label": "Ada Ferreira",
            "score": 3.72,
            "detail": None,
            "context": {
                "works": 9,
                "institution": "Northbridge Institute of Technology",
                "top_topic": "Graph Neural Network Models",
            },
        }
    )


class SearchPage(BaseModel):
    query: str
    items: list[SearchHit]
    next_cursor: str | None = None

    model_config = examples(
        {
            "query": "ferreira",
            "items": [
                {
                    "id": "profile:ada-ferreira",
                    "type": "researcher",
                    "label": "Ada Ferreira",
                    "score": 3.72,
                    "detail": None,
                }
            ],
            "next_cursor": None,
        }
    )
