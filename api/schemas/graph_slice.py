"""A bounded graph slice: its nodes, edges, per-type budget and what was left out."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.schemas.base import NodeType, absent, examples

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

    model_config = examples(
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
        exclude_if=absent,
    )
    first_year: int | None = Field(
        None, description="COAUTHOR: the year of the pair's first shared work.", exclude_if=absent
    )
    last_year: int | None = Field(
        None, description="COAUTHOR: the year of the pair's latest shared work.", exclude_if=absent
    )
    position: int | None = Field(
        None, description="AUTHORED: the author's place in the author list (1-based).", exclude_if=absent
    )

    model_config = examples(
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

    model_config = examples({"cap": 15, "shown": 9})


class SliceBudget(BaseModel):
    max_nodes: int
    used: int = Field(description="Nodes in this response, the centre included.")
    hops: int
    per_node: int
    types: dict[str, TypeBudget]

    model_config = examples(
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

    model_config = examples(
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
