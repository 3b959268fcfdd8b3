"""A small, realistic, hand-written research graph for API and browser tests, written to Neo4j with batched UNWINDs.

`fixture_data()` is the graph as plain Python (so tests can reason about expected slices without the database);
`build_fixture_graph(driver, settings)` writes it, following the graph model exactly, and returns the same dict.

What it holds (every person and paper is invented):
- Ada Ferreira (`profile:ada-ferreira`), the profile-page researcher: trust 21 "Emerging", verification L1,
  unclaimed, affiliation not imported, open to collaborate, the page's own counts (9 works, 6 topics, 4 close
  collaborators, 0 followers); 9 works with 7 co-authors, 4 of them close collaborators.
- An OpenAlex topic hierarchy (domain → field → subfields → topics) and two arXiv categories.
- Three institutions, COAUTHOR edges computed from the authorships (Σ 1/(n−1), lower id → higher id), WORKS_ON
  profiles computed from HAS_TOPIC, a few CITES, and SUGGESTED_COLLABORATOR edges with JSON reasons.
- A supernode topic (`openalex:T10100`, "Machine Learning Methods") with `supernode_works` works (default 3,000)
  and a prolific author (`openalex:A5000000099`, Hiroshi Tanaka) with `hub_works` + 1 works (default 2,001).

`ensure_fixture_graph` builds it only when the database does not already hold exactly this graph, so several test
modules share one build.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from itertools import combinations
from typing import Any

from neo4j import Driver

from kg import graphdb
from kg.config import Settings
from kg.normalize import block_key, name_key, short_hash, title_key

RUN_ID = "run:api-fixture"
PROFILE = "profile:ada-ferreira"
HUB = "openalex:A5000000099"
SUPERNODE = "openalex:T10100"

# --------------------------------------------------------------------------------------------- the data

_TOPICS: list[dict[str, Any]] = [
    {
        "id": "openalex:domain:3",
        "name": "Physical Sciences",
        "scheme": "openalex",
        "level": "domain",
        "parent": None,
    },
    {
        "id": "openalex:field:17",
        "name": "Computer Science",
        "scheme": "openalex",
        "level": "field",
        "parent": "openalex:domain:3",
    },
    {
        "id": "openalex:subfield:1702",
        "name": "Artificial Intelligence",
        "scheme": "openalex",
        "level": "subfield",
        "parent": "openalex:field:17",
    },
    {
        "id": "openalex:subfield:1705",
        "name": "Computer Networks and Communications",
        "scheme": "openalex",
        "level": "subfield",
        "parent": "openalex:field:17",
    },
    {
        "id": "openalex:T11001",
        "name": "Graph Neural Network Models",
        "scheme": "openalex",
        "level": "topic",
        "parent": "openalex:subfield:1702",
        "keywords": ["graph neural networks", "message passing", "node embeddings"],
    },
    {
        "id": "openalex:T11002",
        "name": "Distributed Training Systems",
        "scheme": "openalex",
        "level": "topic",
        "parent": "openalex:subfield:1705",
        "keywords": ["distributed training", "parameter servers", "gpu clusters"],
    },
    {
        "id": "openalex:T11003",
        "name": "Knowledge Graph Embeddings",
        "scheme": "openalex",
        "level": "topic",
        "parent": "openalex:subfield:1702",
        "keywords": ["knowledge graphs", "link prediction", "embeddings"],
    },
    {
        "id": "openalex:T11004",
        "name": "Computational Drug Repurposing",
        "scheme": "openalex",
        "level": "topic",
        "parent": "openalex:subfield:1702",
        "keywords": ["drug repurposing", "biomedical graphs"],
    },
    {
        "id": "openalex:T11005",
        "name": "Fraud and Risk Detection in E-commerce",
        "scheme": "openalex",
        "level": "topic",
        "parent": "openalex:subfield:1702",
        "keywords": ["fraud detection", "risk scoring", "cold start"],
    },
    {
        "id": SUPERNODE,
        "name": "Machine Learning Methods",
        "scheme": "openalex",
        "level": "topic",
        "parent": "openalex:subfield:1702",
        "keywords": ["machine learning", "neural networks", "deep learning"],
    },
    {"id": "arxiv:cs.LG", "name": "Machine Learning", "scheme": "arxiv", "level": "category", "parent": None},
    {
        "id": "arxiv:cs.DC",
        "name": "Distributed, Parallel, and Cluster Computing",
        "scheme": "arxiv",
        "level": "category",
        "parent": None,
    },
]

_INSTITUTIONS: list[dict[str, Any]] = [
    {
        "id": "ror:02abc1234",
        "name": "Northbridge Institute of Technology",
        "ror": "02abc1234",
        "country_code": "GB",
        "type": "education",
    },
    {
        "id": "openalex:I4200000002",
        "name": "Lakeside University",
        "ror": None,
        "country_code": "US",
        "type": "education",
    },
    {
        "id": f"name:{short_hash('harbor data lab')}",
        "name": "Harbor Data Lab",
        "ror": None,
        "country_code": "NL",
        "type": "company",
    },
]
HARBOR = _INSTITUTIONS[2]["id"]

_PEOPLE: list[dict[str, Any]] = [
    {
        "id": PROFILE,
        "name": "Ada Ferreira",
        "aliases": ["A. Ferreira"],
        "headline": "Ada Ferreira works on scalable graph learning systems.",
        "claimed": False,
        "verification_level": "L1",
        "trust_score": 21,
        "trust_label": "Emerging",
        "followers": 0,
        "open_to_collaborate": True,
        "affiliation_status": "not_imported",
        "reported_works": 9,
        "reported_topics": 6,
        "reported_close_collaborators": 4,
        "big_team_works": 0,
        "sources": ["profile"],
        "identity_method": "profile",
        "identity_confidence": 0.95,
        "identity_evidence": ["profile ada-ferreira", "shares co-author Bruno Okafor on doi:1 and doi:2"],
    },
    {
        "id": "orcid:0000-0002-0000-0001",
        "name": "Bruno Okafor",
        "orcid": "0000-0002-0000-0001",
        "affiliation_status": "known",
        "sources": ["openalex"],
    },
    {
        "id": "orcid:0000-0002-0000-0002",
        "name": "Chen Wei",
        "orcid": "0000-0002-0000-0002",
        "affiliation_status": "known",
        "sources": ["openalex"],
    },
    {
        "id": "openalex:A5000000003",
        "name": "Dana Kowalski",
        "openalex_id": "A5000000003",
        "affiliation_status": "known",
        "sources": ["openalex"],
    },
    {
        "id": "openalex:A5000000004",
        "name": "Emil Haddad",
        "openalex_id": "A5000000004",
        "affiliation_status": "unknown",
        "sources": ["openalex"],
    },
    {
        "id": f"name:{name_key('Farah Nasser')}:{short_hash('Farah Nasser|fixture', 8)}",
        "name": "Farah Nasser",
        "affiliation_status": "unknown",
        "sources": ["arxiv"],
    },
    {
        "id": "openalex:A5000000006",
        "name": "Gustavo Pereira",
        "openalex_id": "A5000000006",
        "affiliation_status": "unknown",
        "sources": ["openalex"],
    },
    {
        "id": HUB,
        "name": "Hiroshi Tanaka",
        "openalex_id": "A5000000099",
        "affiliation_status": "known",
        "sources": ["openalex"],
    },
    {
        "id": "orcid:0000-0003-0000-0007",
        "name": "Ines Laurent",
        "orcid": "0000-0003-0000-0007",
        "headline": "Knowledge graph embeddings for biomedicine.",
        "open_to_collaborate": True,
        "affiliation_status": "known",
        "sources": ["openalex"],
    },
    {
        "id": "openalex:A5000000008",
        "name": "Jonas Berg",
        "openalex_id": "A5000000008",
        "affiliation_status": "unknown",
        "sources": ["openalex"],
    },
    {
        "id": "openalex:A5000000010",
        "name": "Kofi Mensah",
        "openalex_id": "A5000000010",
        "affiliation_status": "unknown",
        "sources": ["openalex"],
    },
    {
        "id": "openalex:A5000000011",
        "name": "Song Xiang",
        "openalex_id": "A5000000011",
        "affiliation_status": "unknown",
        "sources": ["openalex"],
    },
]
FARAH = _PEOPLE[5]["id"]
R1, R2, R3, R4, R6, R7, R8, R10 = (
    "orcid:0000-0002-0000-0001",
    "orcid:0000-0002-0000-0002",
    "openalex:A5000000003",
    "openalex:A5000000004",
    "openalex:A5000000006",
    "orcid:0000-0003-0000-0007",
    "openalex:A5000000008",
    "openalex:A5000000010",
)
HUB_COAUTHORS = [f"openalex:A59000000{k:02d}" for k in range(1, 21)]

_W9_TITLE = "Repurposing Approved Drugs with Knowledge Graph Learning"
W9 = f"title:{short_hash(title_key(_W9_TITLE))}"

# id, title, year, type, venue, authors in order, topics {id: score}
_WORKS: list[tuple[str, str, int, str, str, list[str], dict[str, float]]] = [
    (
        "doi:10.5555/rkg.2026.001",
        "Sharded Attention Kernels for Long-Context Graph Transformers",
        2026,
        "preprint",
        "arXiv",
        [PROFILE, R1, R2],
        {"openalex:T11001": 0.91, "openalex:T11002": 0.62, "arxiv:cs.LG": 1.0, SUPERNODE: 0.40},
    ),
    (
        "arxiv:2205.01001",
        "Cold-Start Risk Scoring with Relational Graph Networks",
        2022,
        "preprint",
        "arXiv",
        [PROFILE, R1, R3],
        {"openalex:T11005": 0.88, "openalex:T11001": 0.55},
    ),
    (
        "arxiv:2205.01002",
        "Hybrid CPU-GPU Training of Graph Networks on Billion-Edge Graphs",
        2022,
        "preprint",
        "arXiv",
        [PROFILE, R1, R2, R4],
        {"openalex:T11002": 0.93, "openalex:T11001": 0.71, "arxiv:cs.DC": 1.0, SUPERNODE: 0.35},
    ),
    (
        "openalex:W4300000004",
        "Joint Training of Language Models and Graph Networks",
        2022,
        "article",
        "Proceedings of Graph Learning",
        [PROFILE, R2, FARAH],
        {"openalex:T11001": 0.84, "arxiv:cs.LG": 1.0},
    ),
    (
        "arxiv:2203.01003",
        "A Temporal Graph Learning Framework at Billion Scale",
        2022,
        "preprint",
        "arXiv",
        [PROFILE, R1, R3, R4],
        {"openalex:T11001": 0.80, "openalex:T11002": 0.66},
    ),
    (
        "doi:10.5555/rkg.2020.006",
        "A Knowledge Graph of Pandemic Literature for Retrieval",
        2020,
        "article",
        "Journal of Open Retrieval",
        [PROFILE, R6],
        {"openalex:T11003": 0.77},
    ),
    (
        "arxiv:2003.01007",
        "A Graph-Centric Library for Message Passing Networks",
        2020,
        "preprint",
        "arXiv",
        [PROFILE],
        {"openalex:T11001": 0.90, "arxiv:cs.LG": 1.0},
    ),
    (
        "arxiv:2004.01008",
        "Training Knowledge Graph Embeddings at Scale",
        2020,
        "preprint",
        "arXiv",
        [PROFILE, HUB],
        {"openalex:T11003": 0.95, "arxiv:cs.DC": 1.0},
    ),
    (W9, _W9_TITLE, 2020, "preprint", "arXiv", [PROFILE], {"openalex:T11004": 0.86, "openalex:T11003": 0.52}),
    (
        "doi:10.5555/rkg.2023.010",
        "Scalable Embeddings for Biomedical Knowledge Graphs",
        2023,
        "article",
        "Bioinformatics Letters",
        [R7, R2],
        {"openalex:T11003": 0.90, "openalex:T11004": 0.60},
    ),
    (
        "doi:10.5555/rkg.2024.011",
        "Graph Sampling for Fast Neighbour Aggregation",
        2024,
        "article",
        "Proceedings of Graph Learning",
        ["openalex:A5000000011", R1],
        {"openalex:T11001": 0.70},
    ),
]
PROFILE_WORKS = [w[0] for w in _WORKS[:9]]

_CITES = [
    ("doi:10.5555/rkg.2026.001", "arxiv:2205.01002"),
    ("doi:10.5555/rkg.2026.001", "arxiv:2003.01007"),
    ("arxiv:2203.01003", "arxiv:2205.01002"),
    (W9, "arxiv:2004.01008"),
]

_AFFILIATIONS = [
    (R1, "ror:02abc1234", [2022, 2023, 2024]),
    (HUB, "ror:02abc1234", [2015, 2020]),
    (R2, "openalex:I4200000002", [2021, 2022]),
    (R3, "openalex:I4200000002", [2022]),
    (R7, HARBOR, [2023]),
    *[(a, "ror:02abc1234", [2019]) for a in HUB_COAUTHORS[:5]],
]

_SUGGESTIONS = [
    (
        PROFILE,
        R7,
        0.82,
        {
            "shared_coauthors": [{"id": R2, "name": "Chen Wei"}],
            "shared_topics": [{"id": "openalex:T11003", "name": "Knowledge Graph Embeddings"}],
            "institutions": [],
            "parts": {"coauthors": 0.5, "topics": 0.32, "institutions": 0.0},
        },
    ),
    (
        PROFILE,
        R8,
        0.41,
        {
            "shared_coauthors": [],
            "shared_topics": [{"id": "openalex:T11001", "name": "Graph Neural Network Models"}],
            "institutions": [],
            "parts": {"coauthors": 0.0, "topics": 0.41, "institutions": 0.0},
        },
    ),
    (
        PROFILE,
        R10,
        0.41,
        {
            "shared_coauthors": [],
            "shared_topics": [{"id": "openalex:T11002", "name": "Distributed Training Systems"}],
            "institutions": [],
            "parts": {"coauthors": 0.0, "topics": 0.41, "institutions": 0.0},
        },
    ),
]


def fixture_data(
    *, supernode_works: int = 3000, hub_works: int = 2000, coauthor_cap: int = 50
) -> dict[str, Any]:
    """The fixture graph as plain data: nodes by label and relationships by type (the COAUTHOR and WORKS_ON edges
    derived from the authorships and topics exactly as the model defines them)."""
    works: list[dict[str, Any]] = []
    authored: list[dict[str, Any]] = []
    has_topic: list[dict[str, Any]] = []
    for wid, title, year, wtype, venue, authors, topics in _WORKS:
        works.append(_work(wid, title, year, wtype, venue, len(authors)))
        authored += [
            {"a": a, "b": wid, "position": i + 1, "raw_name": _name(a)} for i, a in enumerate(authors)
        ]
        has_topic += [{"a": wid, "b": t, "score": s, "method": "source"} for t, s in topics.items()]
    # the prolific author: every hub work has Tanaka and one of twenty students, and the supernode topic
    for i in range(1, hub_works + 1):
        wid = f"openalex:W51{i:08d}"
        works.append(
            _work(
                wid,
                f"Learning Study {i} on Adaptive Methods",
                2000 + i % 25,
                "article",
                "Journal of Learning Methods",
                2,
            )
        )
        student = HUB_COAUTHORS[(i - 1) % len(HUB_COAUTHORS)]
        authored += [
            {"a": HUB, "b": wid, "position": 1, "raw_name": "H. Tanaka"},
            {"a": student, "b": wid, "position": 2, "raw_name": _name(student)},
        ]
        has_topic.append(
            {"a": wid, "b": SUPERNODE, "score": round(0.30 + (i % 50) / 100, 2), "method": "source"}
        )
    # the supernode's other works: listed by a source without authors
    for i in range(1, supernode_works - hub_works - 1):
        wid = f"openalex:W52{i:08d}"
        works.append(
            _work(
                wid,
                f"Survey Note {i} on Machine Learning Methods",
                2010 + i % 15,
                "article",
                "Open Methods Review",
                None,
            )
        )
        has_topic.append(
            {"a": wid, "b": SUPERNODE, "score": round(0.20 + (i % 70) / 100, 2), "method": "source"}
        )

    people = [dict(p) for p in _PEOPLE] + [
        {
            "id": a,
            "name": f"Student {k + 1} Tanaka Lab",
            "openalex_id": a.split(":")[1],
            "affiliation_status": "known",
            "sources": ["openalex"],
        }
        for k, a in enumerate(HUB_COAUTHORS)
    ]
    for p in people:
        p["name_key"] = name_key(p["name"])
        p["block_key"] = block_key(p["name"])

    year_of = {w["id"]: w["year"] for w in works}
    authors_of: dict[str, list[str]] = defaultdict(list)
    for a in authored:
        authors_of[a["b"]].append(a["a"])
    coauthor = _coauthor_edges(authors_of, year_of, coauthor_cap)
    works_on = _works_on_edges(authored, has_topic)
    return {
        "run": RUN_ID,
        "profile": PROFILE,
        "hub": HUB,
        "supernode": SUPERNODE,
        "profile_works": list(PROFILE_WORKS),
        "researchers": people,
        "works": works,
        "topics": [{**t, "sources": [str(t["scheme"])]} for t in _TOPICS],
        "institutions": [{**i, "sources": ["openalex"]} for i in _INSTITUTIONS],
        "authored": authored,
        "has_topic": has_topic,
        "part_of": [{"a": t["id"], "b": t["parent"]} for t in _TOPICS if t["parent"]],
        "coauthor": coauthor,
        "works_on": works_on,
        "affiliated": [
            {"a": a, "b": i, "years": years, "source": "openalex", "raw_affiliation": _inst_name(i)}
            for a, i, years in _AFFILIATIONS
        ],
        "cites": [{"a": a, "b": b} for a, b in _CITES],
        "suggested": [
            {"a": a, "b": b, "score": s, "reasons": json.dumps(r, sort_keys=True), "run": "discover-fixture"}
            for a, b, s, r in _SUGGESTIONS
        ],
    }


def _work(
    wid: str, title: str, year: int, wtype: str, venue: str, author_count: int | None
) -> dict[str, Any]:
    w: dict[str, Any] = {
        "id": wid,
        "title": title,
        "title_key": title_key(title),
        "abstract": f"We study {title.lower()}.",
        "year": year,
        "type": wtype,
        "venue": venue,
        "author_count": author_count,
        "authors_truncated": False,
        "sources": ["arxiv" if wid.startswith("arxiv:") else "openalex"],
    }
    if wid.startswith("doi:"):
        w["doi"] = wid.removeprefix("doi:")
    if wid.startswith("arxiv:"):
        w["arxiv_id"] = wid.removeprefix("arxiv:")
        w["categories"] = ["cs.LG"]
    if wid.startswith("openalex:"):
        w["openalex_id"] = wid.removeprefix("openalex:")
    return w


def _name(researcher_id: str) -> str:
    for p in _PEOPLE:
        if p["id"] == researcher_id:
            return str(p["name"])
    return f"Student {HUB_COAUTHORS.index(researcher_id) + 1} Tanaka Lab"


def _inst_name(institution_id: str) -> str:
    return next(str(i["name"]) for i in _INSTITUTIONS if i["id"] == institution_id)


def _coauthor_edges(
    authors_of: dict[str, list[str]], year_of: dict[str, int], cap: int
) -> list[dict[str, Any]]:
    """COAUTHOR as the model defines it: once per pair (lower id → higher id), weight Σ 1/(n−1) over shared works."""
    pairs: dict[tuple[str, str], list[str]] = defaultdict(list)
    for wid, authors in authors_of.items():
        if 2 <= len(authors) <= cap:
            for a, b in combinations(sorted(set(authors)), 2):
                pairs[(a, b)].append(wid)
    out = []
    for (a, b), wids in sorted(pairs.items()):
        years = [year_of[w] for w in wids]
        recent = sorted(wids, key=lambda w: (-year_of[w], w))[:5]
        out.append(
            {
                "a": a,
                "b": b,
                "shared_works": len(wids),
                "weight": sum(1.0 / (len(authors_of[w]) - 1) for w in wids),
                "first_year": min(years),
                "last_year": max(years),
                "works": recent,
            }
        )
    return out


def _works_on_edges(authored: list[dict[str, Any]], has_topic: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A researcher's topic profile: weight = Σ HAS_TOPIC score over their works, works = how many works."""
    topics_of: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for h in has_topic:
        topics_of[h["a"]].append((h["b"], h["score"]))
    weight: dict[tuple[str, str], float] = defaultdict(float)
    count: dict[tuple[str, str], int] = defaultdict(int)
    for a in authored:
        for topic, score in topics_of[a["b"]]:
            weight[(a["a"], topic)] += score
            count[(a["a"], topic)] += 1
    return [
        {"a": r, "b": t, "weight": round(weight[(r, t)], 6), "works": count[(r, t)]}
        for (r, t) in sorted(weight)
    ]


# --------------------------------------------------------------------------------------------- writing it

# The graph is written into an emptied database, so plain CREATE (no MERGE look-ups) keeps the build quick.
_NODE_CYPHER = {
    label: f"UNWIND $rows AS row CREATE (n:{label} {{id: row.id}}) "
    "SET n += row.props, n.updated_at = datetime(), n.load_run = $run"
    for label in ("Researcher", "Work", "Topic", "Institution")
}

# relationship type -> (start label, end label)
_REL_ENDS = {
    "AUTHORED": ("Researcher", "Work"),
    "HAS_TOPIC": ("Work", "Topic"),
    "PART_OF": ("Topic", "Topic"),
    "COAUTHOR": ("Researcher", "Researcher"),
    "WORKS_ON": ("Researcher", "Topic"),
    "AFFILIATED_WITH": ("Researcher", "Institution"),
    "CITES": ("Work", "Work"),
}
# the discovery job's suggestions: lists on the source Researcher, best first (kg.discover)
_SUGGESTED_CYPHER = (
    "UNWIND $rows AS row MATCH (r:Researcher {id: row.a}) SET r.suggested = row.ids, "
    "r.suggested_scores = row.scores, r.suggested_reasons = row.reasons, r.suggested_run = row.run"
)
_REL_CYPHER = {
    rel: f"UNWIND $rows AS row MATCH (a:{start} {{id: row.a}}) MATCH (b:{end} {{id: row.b}}) "
    f"CREATE (a)-[r:{rel}]->(b) SET r += row.props"
    for rel, (start, end) in _REL_ENDS.items()
}
_RUN_CYPHER = (
    "CREATE (l:LoadRun {id: $run}) SET l.source = 'fixture', l.started_at = datetime(), "
    "l.finished_at = datetime(), l.sources = ['fixture'], l.updated_at = datetime(), l.load_run = $run"
)


def _batches(rows: list[dict[str, Any]], size: int) -> Iterable[list[dict[str, Any]]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def _props(row: dict[str, Any], drop: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in drop and v is not None}


def build_fixture_graph(driver: Driver, settings: Settings, **sizes: int) -> dict[str, Any]:
    """Write the fixture graph (into a graph the caller has emptied) and return `fixture_data(**sizes)`."""
    data = fixture_data(**sizes)
    size = max(settings.batch_size, 5000)

    def write(cypher: str, rows: list[dict[str, Any]]) -> None:
        for batch in _batches(rows, size):
            graphdb.run(driver, cypher, {"rows": batch, "run": RUN_ID}, write=True, settings=settings)

    graphdb.run(driver, _RUN_CYPHER, {"run": RUN_ID}, write=True, settings=settings)
    nodes = {
        "Researcher": data["researchers"],
        "Work": data["works"],
        "Topic": [{k: v for k, v in t.items() if k != "parent"} for t in data["topics"]],
        "Institution": data["institutions"],
    }
    for label, rows in nodes.items():
        write(_NODE_CYPHER[label], [{"id": r["id"], "props": _props(r, ("id",))} for r in rows])
    rels = {
        "AUTHORED": data["authored"],
        "HAS_TOPIC": data["has_topic"],
        "PART_OF": data["part_of"],
        "COAUTHOR": data["coauthor"],
        "WORKS_ON": data["works_on"],
        "AFFILIATED_WITH": data["affiliated"],
        "CITES": data["cites"],
    }
    for rel, rows in rels.items():
        write(_REL_CYPHER[rel], [{"a": r["a"], "b": r["b"], "props": _props(r, ("a", "b"))} for r in rows])
    lists: dict[str, dict[str, Any]] = {}
    for r in sorted(data["suggested"], key=lambda r: (r["a"], -r["score"], r["b"])):
        row = lists.setdefault(r["a"], {"a": r["a"], "ids": [], "scores": [], "reasons": [], "run": r["run"]})
        row["ids"].append(r["b"])
        row["scores"].append(r["score"])
        row["reasons"].append(r["reasons"])
    write(_SUGGESTED_CYPHER, list(lists.values()))
    return data


def graph_size(data: dict[str, Any]) -> tuple[int, int]:
    """Nodes and relationships the fixture graph has (LoadRun included)."""
    nodes = 1 + sum(len(data[k]) for k in ("researchers", "works", "topics", "institutions"))
    rels = sum(
        len(data[k])
        for k in (
            "authored",
            "has_topic",
            "part_of",
            "coauthor",
            "works_on",
            "affiliated",
            "cites",
        )
    )
    return nodes, rels


def ensure_fixture_graph(driver: Driver, settings: Settings, **sizes: int) -> dict[str, Any]:
    """The fixture graph in the database: kept when the database holds exactly it (same run, same counts), else the
    database is wiped and the graph built."""
    data = fixture_data(**sizes)
    rows = graphdb.run(
        driver,
        "CALL () { MATCH (l:LoadRun) RETURN collect(l.id) AS runs } "
        "CALL () { MATCH (n) RETURN count(n) AS nodes } "
        "CALL () { MATCH ()-[r]->() RETURN count(r) AS rels } "
        "RETURN runs, nodes, rels",
        settings=settings,
    )
    if rows and rows[0]["runs"] == [RUN_ID] and (rows[0]["nodes"], rows[0]["rels"]) == graph_size(data):
        return data
    graphdb.run(
        driver,
        "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS",
        write=True,
        settings=settings,
    )
    return build_fixture_graph(driver, settings, **sizes)
