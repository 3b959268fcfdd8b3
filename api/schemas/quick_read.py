"""The researcher quick read: the profile page's first answer (institutions, topics, close collaborators, counts)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from api.schemas.base import examples

# ---------------------------------------------------------------------------------------------- quick read

# The parts' examples, shown again inside the quick read's example (and a collaborator's in pages.py).
TOPIC_BRIEF_EXAMPLE: dict[str, Any] = {
    "id": "openalex:T11001",
    "name": "Graph Neural Network Models",
    "level": "topic",
    "scheme": "openalex",
    "weight": 4.2,
    "works": 5,
}
COLLABORATOR_BRIEF_EXAMPLE: dict[str, Any] = {
    "id": "orcid:0000-0002-0000-0001",
    "name": "Bruno Okafor",
    "shared_works": 4,
    "weight": 1.6667,
    "first_year": 2022,
    "last_year": 2026,
}
GRAPH_COUNTS_EXAMPLE: dict[str, Any] = {
    "works": 9,
    "topics": 6,
    "coauthors": 6,
    "close_collaborators": 4,
    "institutions": 0,
    "big_team_works": 0,
}
REPORTED_COUNTS_EXAMPLE: dict[str, Any] = {"works": 9, "topics": 6, "close_collaborators": 4, "followers": 0}
CLOSE_RULE_EXAMPLE: dict[str, Any] = {"min_shared_works": 2, "top_k": 10}


class InstitutionBrief(BaseModel):
    id: str
    name: str | None = None
    country_code: str | None = None
    type: str | None = None

    model_config = examples(
        {
            "id": "ror:02abc1234",
            "name": "Northbridge Institute of Technology",
            "country_code": "GB",
            "type": "education",
        }
    )


class TopicBrief(BaseModel):
    id: str
    name: str | None = None
    level: str | None = None
    scheme: str | None = None
    weight: float | None = Field(None, description="The researcher's WORKS_ON weight for this topic.")
    works: int | None = Field(None, description="How many of the researcher's works carry this topic.")

    model_config = examples(TOPIC_BRIEF_EXAMPLE)


class CollaboratorBrief(BaseModel):
    id: str
    name: str | None = None
    shared_works: int | None = None
    weight: float | None = None
    first_year: int | None = None
    last_year: int | None = None

    model_config = examples(COLLABORATOR_BRIEF_EXAMPLE)


class GraphCounts(BaseModel):
    """Counts computed from the graph itself."""

    works: int = Field(description="AUTHORED works in the graph.")
    topics: int = Field(description="Topics in the researcher's WORKS_ON profile.")
    coauthors: int = Field(description="Researchers joined by a COAUTHOR edge.")
    close_collaborators: int = Field(
        description="Co-authors meeting the close-collaborator definition (KG_CLOSE_MIN_SHARED_WORKS, "
        "at most KG_CLOSE_TOP_K)."
    )
    institutions: int = Field(description="AFFILIATED_WITH institutions in the graph.")
    big_team_works: int | None = Field(
        None, description="Works with more authors than the co-author cap (no COAUTHOR clique)."
    )

    model_config = examples(GRAPH_COUNTS_EXAMPLE)


class ReportedCounts(BaseModel):
    """Counts a source stated about the researcher (a profile page's own numbers); never computed here."""

    works: int | None = None
    topics: int | None = None
    close_collaborators: int | None = None
    followers: int | None = None

    model_config = examples(REPORTED_COUNTS_EXAMPLE)


class IdentityBrief(BaseModel):
    """How the resolver decided who this researcher is: by which method, how sure, and the evidence in words."""

    method: str | None = Field(
        None, description="orcid | openalex | profile | source-id | name-cluster | curated"
    )
    confidence: float | None = Field(
        None, description="0–1: how sure the resolver is of this researcher's works"
    )
    evidence: list[str] = Field(
        default_factory=list,
        description="e.g. 'shares co-author Ling Liu on doi:… and arxiv:…', 'same venue SIGMOD', 'orcid 0000-…'",
    )


class CloseRule(BaseModel):
    """The one definition of close collaborators (KG_CLOSE_MIN_SHARED_WORKS, KG_CLOSE_TOP_K)."""

    min_shared_works: int = Field(
        description="Shared works a co-author needs to count as a close collaborator."
    )
    top_k: int = Field(description="At most this many close collaborators, the strongest ties first.")

    model_config = examples(CLOSE_RULE_EXAMPLE)


class QuickRead(BaseModel):
    """The profile page's quick read of one researcher."""

    id: str
    name: str | None = None
    headline: str | None = None
    aliases: list[str] = Field(default_factory=list)
    orcid: str | None = None
    openalex_id: str | None = None
    affiliation_status: str | None = Field(None, description="known | not_imported | unknown")
    institutions: list[InstitutionBrief] = Field(default_factory=list)
    trust_score: float | None = None
    trust_label: str | None = None
    verification_level: str | None = None
    claimed: bool | None = None
    open_to_collaborate: bool | None = None
    counts: GraphCounts
    reported: ReportedCounts
    top_topics: list[TopicBrief] = Field(default_factory=list)
    top_collaborators: list[CollaboratorBrief] = Field(
        default_factory=list, description="The close collaborators, strongest first."
    )
    close_rule: CloseRule
    sources: list[str] = Field(default_factory=list)
    identity: IdentityBrief | None = None

    model_config = examples(
        {
            "id": "profile:ada-ferreira",
            "name": "Ada Ferreira",
            "headline": "Ada Ferreira works on scalable graph learning systems.",
            "aliases": ["A. Ferreira"],
            "orcid": None,
            "openalex_id": None,
            "affiliation_status": "not_imported",
            "institutions": [],
            "trust_score": 21,
            "trust_label": "Emerging",
            "verification_level": "L1",
            "claimed": False,
            "open_to_collaborate": True,
            "counts": GRAPH_COUNTS_EXAMPLE,
            "reported": REPORTED_COUNTS_EXAMPLE,
            "top_topics": [TOPIC_BRIEF_EXAMPLE],
            "top_collaborators": [COLLABORATOR_BRIEF_EXAMPLE],
            "close_rule": CLOSE_RULE_EXAMPLE,
            "sources": ["profile"],
        }
    )
