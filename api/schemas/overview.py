"""The landing page: graph counts, recent load runs, featured researchers."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.schemas.base import examples

# ---------------------------------------------------------------------------------------------- the landing page

OVERVIEW_RESEARCHERS_DEFAULT = 8
OVERVIEW_RESEARCHERS_LIMIT = 50
OVERVIEW_LOAD_RUNS_DEFAULT = 5
OVERVIEW_LOAD_RUNS_LIMIT = 50


class OverviewCounts(BaseModel):
    researchers: int
    works: int
    topics: int = Field(description="Topic nodes: the whole taxonomy (every level) and arXiv categories.")
    topics_used: int = Field(description="Topics at least one work carries.")
    institutions: int
    coauthor_pairs: int = Field(
        description="COAUTHOR relationships: pairs of researchers who wrote together."
    )


class LoadRunBrief(BaseModel):
    id: str
    source: str | None = Field(None, description="The sources the run read, comma-separated.")
    status: str | None = Field(None, description="running, finished or failed.")
    started_at: str | None = None
    finished_at: str | None = None
    read: int | None = None
    loaded: int | None = None
    rejected: int | None = None
    written: dict[str, int] = Field(
        default_factory=dict, description="Nodes and relationships written, by kind."
    )


class FeaturedResearcher(BaseModel):
    id: str
    name: str | None = None
    works: int
    coauthors: int
    institutions: int
    topics: int


class GraphOverview(BaseModel):
    """What the graph holds, its last loads, and well-connected researchers to open first."""

    counts: OverviewCounts
    load_runs: list[LoadRunBrief]
    researchers: list[FeaturedResearcher] = Field(
        description="Researchers with at least min_works works and min_coauthors co-authors, most works first, "
        "then most co-authors, ties by id."
    )
    min_works: int
    min_coauthors: int

    model_config = examples(
        {
            "counts": {
                "researchers": 183,
                "works": 53,
                "topics": 4855,
                "topics_used": 54,
                "institutions": 48,
                "coauthor_pairs": 1042,
            },
            "load_runs": [
                {
                    "id": "run:20260101T120000Z-5c7966",
                    "source": "arxiv-metadata,openalex",
                    "status": "finished",
                    "started_at": "2026-01-01T12:00:00.000Z",
                    "finished_at": "2026-01-01T12:00:26.000Z",
                    "read": 53,
                    "loaded": 53,
                    "rejected": 0,
                    "written": {"Work": 53, "Researcher": 183},
                }
            ],
            "researchers": [
                {
                    "id": "openalex:A5003862560",
                    "name": "Stefano Pagiola",
                    "works": 7,
                    "coauthors": 14,
                    "institutions": 1,
                    "topics": 6,
                }
            ],
            "min_works": 2,
            "min_coauthors": 3,
        }
    )
