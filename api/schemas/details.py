"""Details of a work, a topic and an institution."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.schemas.base import CITATIONS_LISTED, examples
from api.schemas.quick_read import TopicBrief

# ---------------------------------------------------------------------------------------------- details


class AuthorBrief(BaseModel):
    id: str
    name: str | None = None
    position: int | None = None

    model_config = examples({"id": "profile:ada-ferreira", "name": "Ada Ferreira", "position": 1})


class WorkTopic(BaseModel):
    id: str
    name: str | None = None
    level: str | None = None
    scheme: str | None = None
    score: float | None = None
    method: str | None = Field(
        default=None,
        description="How the work got the topic: 'source' (the record said so) or the assigner "
        "('learned-v1', 'vocab-v1'); topics are listed best score first.",
    )

    model_config = examples(
        {
            "id": "openalex:T11001",
            "name": "Graph Neural Network Models",
            "level": "topic",
            "scheme": "openalex",
            "score": 0.93,
            "method": "learned-v1",
        }
    )


class WorkBrief(BaseModel):
    id: str
    title: str | None = None
    year: int | None = None

    model_config = examples(
        {"id": "arxiv:2205.01001", "title": "Message Passing at Billion-Edge Scale", "year": 2022}
    )


class WorkCounts(BaseModel):
    authors: int
    topics: int
    cites: int
    cited_by: int

    model_config = examples({"authors": 3, "topics": 3, "cites": 1, "cited_by": 0})


class WorkDetail(BaseModel):
    id: str
    title: str | None = None
    abstract: str | None = None
    year: int | None = None
    date: str | None = None
    type: str | None = None
    venue: str | None = None
    doi: str | None = None
    arxiv_id: str | None = None
    openalex_id: str | None = None
    author_count: int | None = None
    authors_truncated: bool | None = None
    categories: list[str] = Field(default_factory=list)
    has_code: bool | None = None
    upvotes: int | None = None
    score: float | None = None
    keyphrases: list[str] = Field(default_factory=list)
    cited_by_count: int | None = Field(
        None,
        description="Citations as a source states them (OpenAlex); counts.cited_by counts the graph's own.",
    )
    pdf_url: str | None = Field(None, description="An open-access PDF a source names.")
    authors: list[AuthorBrief] = Field(default_factory=list, description="In author order (at most 100).")
    topics: list[WorkTopic] = Field(default_factory=list)
    cites: list[WorkBrief] = Field(
        default_factory=list,
        description=f"Works in the graph this one cites, newest first (at most {CITATIONS_LISTED}).",
    )
    cited_by: list[WorkBrief] = Field(
        default_factory=list,
        description=f"Works in the graph citing this one, newest first (at most {CITATIONS_LISTED}).",
    )
    counts: WorkCounts
    sources: list[str] = Field(default_factory=list)

    model_config = examples(
        {
            "id": "doi:10.5555/rkg.0001",
            "title": "Sharded Attention Kernels for Long-Context Graph Transformers",
            "abstract": "We shard attention across devices.",
            "year": 2026,
            "date": "2026-02-11",
            "type": "preprint",
            "venue": "arXiv",
            "doi": "10.5555/rkg.0001",
            "arxiv_id": None,
            "openalex_id": None,
            "author_count": 3,
            "authors_truncated": False,
            "categories": ["cs.LG"],
            "has_code": True,
            "upvotes": 12,
            "score": None,
            "keyphrases": ["attention kernels"],
            "cited_by_count": 12,
            "pdf_url": None,
            "authors": [{"id": "profile:ada-ferreira", "name": "Ada Ferreira", "position": 1}],
            "topics": [
                {
                    "id": "openalex:T11001",
                    "name": "Graph Neural Network Models",
                    "level": "topic",
                    "scheme": "openalex",
                    "score": 0.93,
                }
            ],
            "cites": [
                {"id": "arxiv:2205.01001", "title": "Message Passing at Billion-Edge Scale", "year": 2022}
            ],
            "cited_by": [],
            "counts": {"authors": 3, "topics": 3, "cites": 1, "cited_by": 0},
            "sources": ["profile"],
        }
    )


class TopicDetail(BaseModel):
    id: str
    name: str | None = None
    scheme: str | None = None
    level: str | None = None
    keywords: list[str] = Field(default_factory=list)
    parents: list[TopicBrief] = Field(default_factory=list)
    children: list[TopicBrief] = Field(default_factory=list, description="At most 100, by id.")
    works: int = Field(description="Works carrying this topic (HAS_TOPIC).")
    researchers: int = Field(description="Researchers whose profile has this topic (WORKS_ON).")
    children_count: int
    sources: list[str] = Field(default_factory=list)

    model_config = examples(
        {
            "id": "openalex:subfield:1702",
            "name": "Artificial Intelligence",
            "scheme": "openalex",
            "level": "subfield",
            "keywords": [],
            "parents": [
                {
                    "id": "openalex:field:17",
                    "name": "Computer Science",
                    "level": "field",
                    "scheme": "openalex",
                }
            ],
            "children": [
                {
                    "id": "openalex:T11001",
                    "name": "Graph Neural Network Models",
                    "level": "topic",
                    "scheme": "openalex",
                }
            ],
            "works": 0,
            "researchers": 0,
            "children_count": 1,
            "sources": ["openalex"],
        }
    )


class ResearcherBrief(BaseModel):
    id: str
    name: str | None = None

    model_config = examples({"id": "orcid:0000-0002-0000-0001", "name": "Bruno Okafor"})


class InstitutionDetail(BaseModel):
    id: str
    name: str | None = None
    ror: str | None = None
    country_code: str | None = None
    type: str | None = None
    researchers: int = Field(description="Researchers AFFILIATED_WITH this institution.")
    members: list[ResearcherBrief] = Field(
        default_factory=list, description="At most 100 researchers, by id."
    )
    sources: list[str] = Field(default_factory=list)

    model_config = examples(
        {
            "id": "ror:02abc1234",
            "name": "Northbridge Institute of Technology",
            "ror": "02abc1234",
            "country_code": "GB",
            "type": "education",
            "researchers": 2,
            "members": [{"id": "orcid:0000-0002-0000-0001", "name": "Bruno Okafor"}],
            "sources": ["openalex"],
        }
    )
