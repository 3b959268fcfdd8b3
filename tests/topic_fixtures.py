"""A hand-written two-field taxonomy and twelve labeled works: enough to train the learned topic model in tests."""

from __future__ import annotations

import json
from pathlib import Path

from kg import topic_train as tt
from kg.topic_model import TopicRow

TWO_FIELDS = Path(__file__).parent / "data" / "topics" / "two_fields_topics.csv"


def _work(wid: str, title: str, abstract: str, topic: str, **kw: object) -> tt.LabeledWork:
    return tt.LabeledWork(
        TopicRow(work_id=wid, title=title, abstract=abstract, **kw),  # type: ignore[arg-type]
        ((topic, 1.0),),
        source="openalex",
    )


LABELED = [
    _work(
        "W1",
        "Message passing on molecular graphs",
        "Graph neural networks predict node labels.",
        "openalex:T91001",
    ),
    _work(
        "W2",
        "Node classification with graph convolutions",
        "Neighbourhood aggregation on graphs.",
        "openalex:T91001",
    ),
    _work(
        "W3",
        "Matrix factorization for movie ratings",
        "Collaborative filtering of user ratings.",
        "openalex:T91002",
    ),
    _work(
        "W4",
        "Implicit feedback recommendation",
        "Recommender systems from clicks and ratings.",
        "openalex:T91002",
    ),
    _work(
        "W5",
        "Semantic segmentation of street scenes",
        "Every pixel of an image gets a label.",
        "openalex:T91003",
    ),
    _work("W6", "Medical image segmentation", "Pixel labeling of scans with encoders.", "openalex:T91003"),
    _work(
        "W7",
        "Protected areas and species decline",
        "Biodiversity in reserves.",
        "openalex:T92001",
        author_ids=("A1",),
        venue="Conservation Biology",
    ),
    _work("W8", "Saving endangered birds", "Species conservation in protected areas.", "openalex:T92001"),
    _work(
        "W9",
        "Paying farmers for ecosystem services",
        "Conservation finance through payments.",
        "openalex:T92002",
        author_ids=("A1",),
    ),
    _work(
        "W10",
        "Biodiversity offsets in mining",
        "Who funds conservation: offsets and trust funds.",
        "openalex:T92002",
    ),
    _work("W11", "Carbon in tropical forests", "Deforestation releases forest carbon.", "openalex:T92003"),
    _work(
        "W12",
        "REDD+ payments and deforestation",
        "Forest carbon schemes pay to avoid deforestation.",
        "openalex:T92003",
    ),
]


def openalex_line(w: tt.LabeledWork, name: str) -> str:
    """A labeled work as one OpenAlex JSON line (its first topic, no authors)."""
    words = w.row.abstract.split()
    topic = w.topics[0][0].split(":", 1)[1]
    rec = {
        "id": f"https://openalex.org/{w.row.work_id}",
        "title": w.row.title,
        "publication_year": 2020,
        "abstract_inverted_index": {x: [i for i, y in enumerate(words) if y == x] for x in words},
        "authorships": [],
        "topics": [{"id": f"https://openalex.org/{topic}", "display_name": name, "score": 0.99}],
    }
    return json.dumps(rec)
