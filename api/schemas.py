"""Pydantic response models of the API (each with an OpenAPI example) and the slice request limits."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# Hard limits: a request beyond them gets a 422, never a silently clamped answer.
MAX_NODES_DEFAULT = 40
MAX_NODES_LIMIT = 200
TYPE_CAP_LIMIT = 200
PER_NODE_DEFAULT = 5
PER_NODE_LIMIT = 50
EXCLUDE_LIMIT = 500
ID_MAX_LENGTH = 512
# Every id in the graph is typed: a lower-case prefix, a colon, the rest ("doi:10.1/x", "openalex:T10001",
# "name:<key>:<hash>"); anything else is a malformed parameter (422), not an unknown node (404).
ID_PATTERN = r"^[a-z][a-z0-9_-]*:.+$"
PAGE_DEFAULT = 20
PAGE_LIMIT = 100
# A works page lists this many authors per work (an export says "and others" past it).
WORK_AUTHORS_LISTED = 50
# A work's detail lists at most this many citing and cited works.
CITATIONS_LISTED = 50
SEARCH_PAGE_LIMIT = 50
SEARCH_OFFSET_LIMIT = 200
QUERY_MAX_LENGTH = 200


class NodeType(StrEnum):
    researcher = "researcher"
    work = "work"
    topic = "topic"
    institution = "institution"


# The order in which a slice fills its budget, one of each type in turn (so a tight budget still shows a mix).
TYPE_ORDER: tuple[NodeType, ...] = (NodeType.researcher, NodeType.work, NodeType.topic, NodeType.institution)

DEFAULT_TYPE_CAPS: dict[NodeType, int] = {
    NodeType.researcher: 12,
    NodeType.work: 15,
    NodeType.topic: 8,
    NodeType.institution: 5,
}


def _absent(value: Any) -> bool:
    return value is None


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(examples)})


class Problem(BaseModel):
    """An error as application/problem+json (RFC 9457)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None

    model_config = _examples(
        {
            "type": "about:blank",
            "title": "Not Found",
            "status": 404,
            "detail": "no researcher with id 'orcid:0000-0000-0000-0000'",
            "instance": "/api/v1/researchers/orcid:0000-0000-0000-0000",
        }
    )


class Health(BaseModel):
    status: str
    version: str

    model_config = _examples({"status": "ok", "version": "0.1.0"})


class Ready(BaseModel):
    status: str
    neo4j: str

    model_config = _examples({"status": "ready", "neo4j": "answers"})


# ---------------------------------------------------------------------------------------------- quick read


class InstitutionBrief(BaseModel):
    id: str
    name: str | None = None
    country_code: str | None = None
    type: str | None = None

    model_config = _examples(
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

    model_config = _examples(
        {
            "id": "openalex:T11001",
            "name": "Graph Neural Network Models",
            "level": "topic",
            "scheme": "openalex",
            "weight": 4.2,
            "works": 5,
        }
    )


class CollaboratorBrief(BaseModel):
    id: str
    name: str | None = None
    shared_works: int | None = None
    weight: float | None = None
    first_year: int | None = None
    last_year: int | None = None

    model_config = _examples(
        {
            "id": "orcid:0000-0002-0000-0001",
            "name": "Bruno Okafor",
            "shared_works": 4,
            "weight": 1.6667,
            "first_year": 2022,
            "last_year": 2026,
        }
    )


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

    model_config = _examples(
        {
            "works": 9,
            "topics": 6,
            "coauthors": 6,
            "close_collaborators": 4,
            "institutions": 0,
            "big_team_works": 0,
        }
    )


class ReportedCounts(BaseModel):
    """Counts a source stated about the researcher (a profile page's own numbers); never computed here."""

    works: int | None = None
    topics: int | None = None
    close_collaborators: int | None = None
    followers: int | None = None

    model_config = _examples({"works": 9, "topics": 6, "close_collaborators": 4, "followers": 0})


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

    model_config = _examples({"min_shared_works": 2, "top_k": 10})


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

    model_config = _examples(
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
            "counts": {
                "works": 9,
                "topics": 6,
                "coauthors": 6,
                "close_collaborators": 4,
                "institutions": 0,
                "big_team_works": 0,
            },
            "reported": {"works": 9, "topics": 6, "close_collaborators": 4, "followers": 0},
            "top_topics": [
                {
                    "id": "openalex:T11001",
                    "name": "Graph Neural Network Models",
                    "level": "topic",
                    "scheme": "openalex",
                    "weight": 4.2,
                    "works": 5,
                }
            ],
            "top_collaborators": [
                {
                    "id": "orcid:0000-0002-0000-0001",
                    "name": "Bruno Okafor",
                    "shared_works": 4,
                    "weight": 1.6667,
                    "first_year": 2022,
                    "last_year": 2026,
                }
            ],
            "close_rule": {"min_shared_works": 2, "top_k": 10},
            "sources": ["profile"],
        }
    )


# ---------------------------------------------------------------------------------------------- graph slices

FieldValue = str | int | float | bool | list[str] | None


class SliceNode(BaseModel):
    id: str
    type: NodeType
    label: str | None = Field(
        None, description="Name of a researcher, topic or institution; title of a work."
    )
    fields: dict[str, FieldValue] = Field(default_factory=dict, description="A few display fields per type.")
    hop: int = Field(description="0 for the centre, 1 for its ring, 2 for the ring after.")
    degree: int = Field(description="Relationships of the panel's types this node has in the whole graph.")
    hidden_neighbours: int = Field(
        description="How many of those relationships this response leaves out (the panel's '+N more')."
    )

    model_config = _examples(
        {
            "id": "orcid:0000-0002-0000-0001",
            "type": "researcher",
            "label": "Bruno Okafor",
            "fields": {"headline": None, "trust_score": None, "verification_level": None},
            "hop": 1,
            "degree": 7,
            "hidden_neighbours": 2,
        }
    )


class SliceEdge(BaseModel):
    source: str
    target: str
    type: str = Field(
        description="AUTHORED, COAUTHOR, HAS_TOPIC, WORKS_ON, AFFILIATED_WITH, PART_OF or CITES."
    )
    weight: float | None = Field(
        None, description="COAUTHOR and WORKS_ON weight, HAS_TOPIC score, AUTHORED confidence; else null."
    )
    # The facts below are left out of the JSON where they do not apply (most edges), so a slice is no larger for
    # them than it was without them.
    works: int | None = Field(
        None,
        description="COAUTHOR: the works the pair shares; absent otherwise.",
        exclude_if=_absent,
    )
    first_year: int | None = Field(
        None, description="COAUTHOR: the year of the pair's first shared work.", exclude_if=_absent
    )
    last_year: int | None = Field(
        None, description="COAUTHOR: the year of the pair's latest shared work.", exclude_if=_absent
    )
    position: int | None = Field(
        None, description="AUTHORED: the author's place in the author list (1-based).", exclude_if=_absent
    )

    model_config = _examples(
        {
            "source": "orcid:0000-0002-0000-0001",
            "target": "profile:ada-ferreira",
            "type": "COAUTHOR",
            "weight": 1.6667,
            "works": 4,
            "first_year": 2022,
            "last_year": 2026,
        }
    )


class TypeBudget(BaseModel):
    cap: int
    shown: int

    model_config = _examples({"cap": 15, "shown": 9})


class SliceBudget(BaseModel):
    max_nodes: int
    used: int = Field(description="Nodes in this response, the centre included.")
    hops: int
    per_node: int
    types: dict[str, TypeBudget]

    model_config = _examples(
        {
            "max_nodes": 40,
            "used": 22,
            "hops": 1,
            "per_node": 5,
            "types": {
                "researcher": {"cap": 12, "shown": 6},
                "work": {"cap": 15, "shown": 9},
                "topic": {"cap": 8, "shown": 6},
                "institution": {"cap": 5, "shown": 0},
            },
        }
    )


class GraphSlice(BaseModel):
    """A bounded, deterministic slice of the graph around one node."""

    center: str
    nodes: list[SliceNode]
    edges: list[SliceEdge] = Field(
        description="Every relationship of the panel's types among the nodes (and, for /graph/expand, between "
        "them and the excluded ids the client already shows)."
    )
    truncated: bool = Field(description="True when the budget or a cap left out nodes the request asked for.")
    budget: SliceBudget

    model_config = _examples(
        {
            "center": "profile:ada-ferreira",
            "nodes": [
                {
                    "id": "profile:ada-ferreira",
                    "type": "researcher",
                    "label": "Ada Ferreira",
                    "fields": {
                        "headline": "Graph learning systems",
                        "trust_score": 21,
                        "verification_level": "L1",
                    },
                    "hop": 0,
                    "degree": 21,
                    "hidden_neighbours": 19,
                },
                {
                    "id": "orcid:0000-0002-0000-0001",
                    "type": "researcher",
                    "label": "Bruno Okafor",
                    "fields": {"headline": None, "trust_score": None, "verification_level": None},
                    "hop": 1,
                    "degree": 7,
                    "hidden_neighbours": 6,
                },
            ],
            "edges": [
                {
                    "source": "orcid:0000-0002-0000-0001",
                    "target": "profile:ada-ferreira",
                    "type": "COAUTHOR",
                    "weight": 1.6667,
                }
            ],
            "truncated": True,
            "budget": {
                "max_nodes": 2,
                "used": 2,
                "hops": 1,
                "per_node": 5,
                "types": {
                    "researcher": {"cap": 12, "shown": 1},
                    "work": {"cap": 15, "shown": 0},
                    "topic": {"cap": 8, "shown": 0},
                    "institution": {"cap": 5, "shown": 0},
                },
            },
        }
    )


# ---------------------------------------------------------------------------------------------- paginated lists


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

    model_config = _examples(
        {
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
    )


class WorkPage(BaseModel):
    items: list[WorkItem]
    next_cursor: str | None = Field(None, description="Pass as ?cursor= for the next page; null on the last.")

    model_config = _examples(
        {
            "items": [
                {
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
            ],
            "next_cursor": "eyJ0Ijoid29ya3MiLCJrIjpbMjAyNiwiZG9pOjEwLjU1NTUvcmtnLjAwMDEiXX0",
        }
    )


class CollaboratorItem(BaseModel):
    id: str
    name: str | None = None
    shared_works: int | None = None
    weight: float | None = None
    first_year: int | None = None
    last_year: int | None = None
    works: list[str] = Field(default_factory=list, description="A few shared work ids, most recent first.")
    close: bool = Field(description="Whether this co-author is one of the researcher's close collaborators.")

    model_config = _examples(
        {
            "id": "orcid:0000-0002-0000-0001",
            "name": "Bruno Okafor",
            "shared_works": 4,
            "weight": 1.6667,
            "first_year": 2022,
            "last_year": 2026,
            "works": ["doi:10.5555/rkg.0001"],
            "close": True,
        }
    )


class CollaboratorPage(BaseModel):
    items: list[CollaboratorItem]
    next_cursor: str | None = None

    model_config = _examples(
        {
            "items": [
                {
                    "id": "orcid:0000-0002-0000-0001",
                    "name": "Bruno Okafor",
                    "shared_works": 4,
                    "weight": 1.6667,
                    "first_year": 2022,
                    "last_year": 2026,
                    "works": ["doi:10.5555/rkg.0001"],
                    "close": True,
                }
            ],
            "next_cursor": None,
        }
    )


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

    model_config = _examples(
        {
            "works": 9,
            "institution": "Northbridge Institute of Technology",
            "top_topic": "Graph Neural Network Models",
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

    model_config = _examples(
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

    model_config = _examples(
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


# ---------------------------------------------------------------------------------------------- details


class AuthorBrief(BaseModel):
    id: str
    name: str | None = None
    position: int | None = None

    model_config = _examples({"id": "profile:ada-ferreira", "name": "Ada Ferreira", "position": 1})


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

    model_config = _examples(
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

    model_config = _examples(
        {"id": "arxiv:2205.01001", "title": "Message Passing at Billion-Edge Scale", "year": 2022}
    )


class WorkCounts(BaseModel):
    authors: int
    topics: int
    cites: int
    cited_by: int

    model_config = _examples({"authors": 3, "topics": 3, "cites": 1, "cited_by": 0})


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

    model_config = _examples(
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

    model_config = _examples(
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

    model_config = _examples({"id": "orcid:0000-0002-0000-0001", "name": "Bruno Okafor"})


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

    model_config = _examples(
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


# ---------------------------------------------------------------------------------------------- search


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

    model_config = _examples(
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

    model_config = _examples(
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

    model_config = _examples(
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
