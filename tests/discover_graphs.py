"""A random co-authorship world for discovery tests (every feature: years, venues, institutions, weighted topics,
SAME_AS chains, hubs, open flags), as arrays (`SynthGraph.edges`) and as a graph in Neo4j (`build_graph`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from neo4j import Driver

from kg import graphdb, linkpred
from kg.config import Settings


@dataclass
class SynthGraph:
    """A random co-authorship world: works (authors, year or −1, venue or −1), topic weights, institutions."""

    n: int
    works: list[tuple[list[int], int, int]]
    topics: list[tuple[int, int, float]]
    institutions: list[tuple[int, int]]
    same_as: list[tuple[int, int]]
    open: list[bool]

    def edges(self) -> linkpred.EdgeList:
        co = [(a, b) for authors, _, _ in self.works for i, a in enumerate(authors) for b in authors[i + 1 :]]
        rows = [(a, y, v) for authors, y, v in self.works for a in authors]
        return linkpred.EdgeList(
            n=self.n,
            coauthor=np.array(co, dtype=np.int64).reshape(-1, 2),
            n_topics=40,
            topic_rows=np.array([(r, t) for r, t, _ in self.topics], dtype=np.int64).reshape(-1, 2),
            topic_weights=np.array([w for _, _, w in self.topics], dtype=np.float64),
            n_institutions=25,
            institution_rows=np.array(self.institutions, dtype=np.int64).reshape(-1, 2),
            n_venues=30,
            work_researcher=np.array([r for r, _, _ in rows], dtype=np.int64),
            work_year=np.array([y for _, y, _ in rows], dtype=np.int64),
            work_venue=np.array([v for _, _, v in rows], dtype=np.int64),
            same_as=np.array(self.same_as, dtype=np.int64).reshape(-1, 2),
            open=np.array(self.open),
        )


def synthetic(seed: int, n: int, works: int) -> SynthGraph:
    """Twelve communities writing 1–5-author works, researchers 0–4 hubs on 30 % of all works, weighted topics
    near the community's (weights whose sums round: 0.1, 0.2, 0.3), institutions, SAME_AS chains, open flags."""
    rng = np.random.default_rng(seed)
    comm = rng.integers(0, 12, n)
    out: list[tuple[list[int], int, int]] = []
    for _ in range(works):
        pool = np.flatnonzero(comm == rng.integers(0, 12))
        size = min(int(rng.integers(1, 6)), len(pool))
        authors = set(rng.choice(pool, size=size, replace=False).tolist())
        if rng.random() < 0.3:
            authors.add(int(rng.integers(0, 5)))
        year = int(rng.integers(2000, 2025)) if rng.random() < 0.9 else -1
        venue = int(rng.integers(0, 30)) if rng.random() < 0.8 else -1
        out.append((sorted(authors), year, venue))
    topics = [
        (r, int((t + comm[r] * 3) % 40), float(rng.choice([0.1, 0.2, 0.3, 0.7, 1.0, 2.5])))
        for r in range(n)
        for t in rng.choice(40, size=int(rng.integers(0, 5)), replace=False).tolist()
    ]
    topics.append((7, 39, 0.0))  # a zero weight is no profile entry
    insts = sorted({(r, int(rng.integers(0, 25))) for r in range(n) for _ in range(int(rng.integers(0, 3)))})
    same = [(10, 11), (11, 12), (20, 21), (n // 2, 30), (45, 46)]
    return SynthGraph(n, out, topics, insts, same, (rng.random(n) < 0.2).tolist())


GRAPH_CYPHER = """
UNWIND $people AS p CREATE (:Researcher {id: p[0], name: p[1], open_to_collaborate: p[2]})
WITH count(*) AS done
UNWIND $topics AS t CREATE (:Topic {id: t, name: 'Topic ' + t})
WITH count(*) AS done
UNWIND $insts AS i CREATE (:Institution {id: i, name: 'Institution ' + i})
WITH count(*) AS done
UNWIND $works AS w CREATE (x:Work {id: w[0], year: w[1], venue: w[2]})
  WITH x, w UNWIND w[3] AS rid MATCH (r:Researcher {id: rid}) CREATE (r)-[:AUTHORED]->(x)
WITH count(*) AS done
UNWIND $co AS e MATCH (x:Researcher {id: e[0]}), (y:Researcher {id: e[1]})
CREATE (x)-[:COAUTHOR {shared_works: 1, weight: 1.0, first_year: e[2]}]->(y)
WITH count(*) AS done
UNWIND $works_on AS e MATCH (x:Researcher {id: e[0]}), (t:Topic {id: e[1]}) CREATE (x)-[:WORKS_ON {weight: e[2]}]->(t)
WITH count(*) AS done
UNWIND $aff AS e MATCH (x:Researcher {id: e[0]}), (i:Institution {id: e[1]}) CREATE (x)-[:AFFILIATED_WITH]->(i)
WITH count(*) AS done
UNWIND $same AS e MATCH (x:Researcher {id: e[0]}), (y:Researcher {id: e[1]}) CREATE (x)-[:SAME_AS {by: 'test'}]->(y)
"""


def build_graph(drv: Driver, s: Settings, g: SynthGraph) -> None:
    rid = [f"t:r{i:04d}" for i in range(g.n)]
    first: dict[tuple[int, int], int | None] = {}
    for authors, year, _ in g.works:
        for i, a in enumerate(authors):
            for b in authors[i + 1 :]:
                y = first.get((a, b))
                first[(a, b)] = year if year >= 0 and (y is None or year < y) else y
    graphdb.run(
        drv,
        GRAPH_CYPHER,
        {
            "people": [[rid[i], f"Person {i}", g.open[i]] for i in range(g.n)],
            "topics": [f"openalex:T{t}" for t in range(40)],
            "insts": [f"ror:I{i}" for i in range(25)],
            "works": [
                [
                    f"w:{k:05d}",
                    y if y >= 0 else None,
                    f"Venue {v}" if v >= 0 else None,
                    [rid[a] for a in authors],
                ]
                for k, (authors, y, v) in enumerate(g.works)
            ],
            "co": [[rid[a], rid[b], y] for (a, b), y in first.items()],
            "works_on": [[rid[r], f"openalex:T{t}", w] for r, t, w in g.topics],
            "aff": [[rid[r], f"ror:I{i}"] for r, i in g.institutions],
            "same": [[rid[a], rid[b]] for a, b in g.same_as],
        },
        write=True,
        settings=s,
    )


def forget_lists(drv: Driver, s: Settings) -> None:
    """Every stored suggestion list gone, digests too: the next run writes every list again."""
    graphdb.run(
        drv,
        "MATCH (a:Researcher) SET a.suggested = null, a.suggested_scores = null, a.suggested_reasons = null, "
        "a.suggested_digest = null",
        write=True,
        settings=s,
    )
