"""Discovery on Spark gives the embedded kernel's suggestions: same targets, ranks and reasons, scores within TOL.

Compared on the hand-reasoned graph of tests/test_discover.py, on a synthetic graph with every feature (years,
venues, institutions, weighted topics, SAME_AS groups, hubs over the cap, open flags) under small caps so that
each cap bites, on a real co-authorship graph (DBLP from ../shared/data/coauthorship, a subset), and end to end:
`kg discover --engine spark` stores exactly the lists an embedded run stores. One Spark session (local[2]) for the
module.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from neo4j import Driver

from kg import discover, graphdb, linkpred
from kg.config import Settings, get_settings
from tests.conftest import SHARED_DATA

pyspark = pytest.importorskip(
    "pyspark", reason="the Spark engine needs pyspark (pip install 'research-kg[spark]')"
)

from kg.derive import discover_spark  # noqa: E402 (after the skip: it is only used with pyspark)

# Scores, features and contributions: the same terms, summed by Spark's log1p/tanh and numpy's (the last bit can
# differ); the stored values (6 decimals) are compared exactly in the end-to-end test.
TOL = 1e-12
DBLP = SHARED_DATA / "coauthorship" / "hypergcn"


@pytest.fixture(scope="module")
def spark_settings() -> Iterator[Settings]:
    if shutil.which("java") is None:
        pytest.skip("the Spark engine needs Java 17 (java not on PATH)")
    from kg.spark import spark_session

    s = get_settings().model_copy(
        update={"spark_master": "local[2]", "spark_conf": "spark.sql.shuffle.partitions=4"}
    )
    session = spark_session(s, app="test-spark-discover")
    yield s
    session.stop()


def _both(
    edges: linkpred.EdgeList, p: linkpred.Params, s: Settings, tmp: Path
) -> tuple[list[linkpred.Suggestion], list[linkpred.Suggestion]]:
    sources = np.arange(edges.n, dtype=np.int64)
    emb = [x for _, batch in linkpred.suggest(linkpred.Graph(edges), sources, p) for x in batch]
    ranked = discover_spark.rank(edges, sources, p, s, workdir=tmp)
    assert ranked.coauthor_pairs == len(linkpred.Graph(edges).adj) // 2
    got = [x for _, batch in ranked.batches for x in batch]
    assert list(tmp.iterdir()) == [], "the exchange directory is removed once read"
    return emb, got


def _exact(x: linkpred.Suggestion) -> tuple[Any, ...]:
    """Everything that must be equal exactly: who, rank, what is shared (ids, in order), flags."""
    return (
        x.source,
        x.target,
        x.rank,
        x.target_open,
        x.open_boost,
        x.shared_coauthor_count,
        [(z, o) for z, _, o in x.shared_coauthors],
        [t for t, _, _ in x.shared_topics],
        x.shared_institutions,
        [v for v, _, _ in x.shared_venues],
    )


def _numbers(x: linkpred.Suggestion) -> list[float]:
    """Everything compared within TOL: score, raw features, contributions, each shared item's weights."""
    return [
        x.score,
        *x.features,
        *x.contributions,
        *[c for _, c, _ in x.shared_coauthors],
        *[w for _, a, b in x.shared_topics for w in (a, b)],
        *[w for _, a, b in x.shared_venues for w in (a, b)],
    ]


def assert_same(emb: list[linkpred.Suggestion], got: list[linkpred.Suggestion]) -> None:
    assert [_exact(x) for x in got] == [_exact(x) for x in emb]
    worst = max(
        (
            abs(a - b)
            for x, y in zip(emb, got, strict=True)
            for a, b in zip(_numbers(x), _numbers(y), strict=True)
        ),
        default=0.0,
    )
    assert worst <= TOL


# ---------------------------------------------------------------- graphs


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


def dblp_subset(rows: int) -> linkpred.EdgeList:
    """DBLP's first `rows` authorships (whole papers): co-author cliques per paper, paper classes as topics."""
    authors: dict[str, int] = {}
    papers: dict[str, list[int]] = {}
    with (DBLP / "dblp_author_paper.tsv").open(encoding="utf-8") as fh:
        for i, row in enumerate(csv.DictReader(fh, delimiter="\t")):
            if i >= rows and row["paper_id"] not in papers:
                break
            papers.setdefault(row["paper_id"], []).append(
                authors.setdefault(row["author_name"], len(authors))
            )
    labels: dict[str, int] = {}
    with (DBLP / "dblp_paper_labels.tsv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            labels[row["paper_id"]] = int(row["label"])
    groups = [sorted(set(g)) for g in papers.values()]
    co = [(a, b) for g in groups for i, a in enumerate(g) for b in g[i + 1 :]]
    tr = [(a, labels[pid]) for pid, g in papers.items() if pid in labels for a in sorted(set(g))]
    wr = [a for g in groups for a in g]
    return linkpred.EdgeList(
        n=len(authors),
        coauthor=np.array(co, dtype=np.int64).reshape(-1, 2),
        n_topics=max(labels.values()) + 1,
        topic_rows=np.array(tr, dtype=np.int64).reshape(-1, 2),
        topic_weights=np.ones(len(tr)),
        work_researcher=np.array(wr, dtype=np.int64),
        work_year=np.full(len(wr), -1, dtype=np.int64),
        work_venue=np.full(len(wr), -1, dtype=np.int64),
    )


# ---------------------------------------------------------------- Spark == embedded, no database


def test_hand_graph_same_suggestions_as_embedded(spark_settings: Settings, tmp_path: Path) -> None:
    from tests.test_discover import MODEL, _edge_list

    people, edges = _edge_list()
    emb, got = _both(
        edges, linkpred.Params(model=MODEL, prefer_open=True, open_boost=1.6), spark_settings, tmp_path
    )
    assert_same(emb, got)
    # the order tests/test_discover.py reasons out by hand, for a: f passes e and d when boosted × 1.6
    a = people.index("a")
    assert [people[x.target] for x in got if x.source == a] == ["f", "d", "e", "j"]


def test_synthetic_graph_with_every_feature_and_biting_caps(spark_settings: Settings, tmp_path: Path) -> None:
    edges = synthetic(seed=3, n=500, works=2000).edges()
    p = linkpred.Params(
        model=discover.load_model(None), hub_cap=30, candidate_cap=20, topic_top=2, topic_list=5, reasons_cap=3,
        prefer_open=True,
    )  # fmt: skip
    g = linkpred.Graph(edges)
    # the caps bite: hubs over hub_cap, sources with more RA candidates than candidate_cap
    assert int((g.deg > p.hub_cap).sum()) > 50
    reach = np.diff(
        (g.relay(p.hub_cap) @ g.adj_matrix).tocsr().indptr
    )  # 2-hop reach, self and co-authors too
    assert int((reach - g.deg - 1 > p.candidate_cap).sum()) > 200
    emb, got = _both(edges, p, spark_settings, tmp_path)
    assert len(emb) > 3000
    assert_same(emb, got)
    # every reason kind occurs, and a SAME_AS identity is never suggested next to its other identity
    assert all(
        any(getattr(x, k) for x in got) for k in ("shared_topics", "shared_institutions", "shared_venues")
    )
    for u in {x.source for x in got}:
        targets = {x.target for x in got if x.source == u}
        assert not {11, 12} <= targets and not {10, 11} <= targets


@pytest.mark.skipif(not DBLP.is_dir(), reason=f"the DBLP co-authorship data is not at {DBLP}")
def test_real_coauthorship_graph_same_suggestions_as_embedded(
    spark_settings: Settings, tmp_path: Path
) -> None:
    edges = dblp_subset(10_000)
    emb, got = _both(edges, linkpred.Params(), spark_settings, tmp_path)
    assert len({x.source for x in emb}) > 1000
    assert_same(emb, got)


# ---------------------------------------------------------------- kg discover --engine spark against Neo4j

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


def _build(drv: Driver, s: Settings, g: SynthGraph) -> None:
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


def _lists(drv: Driver, s: Settings) -> dict[str, Any]:
    rows = graphdb.run(
        drv,
        "MATCH (a:Researcher) WHERE a.suggested IS NOT NULL RETURN a.id AS id, a.suggested AS targets, "
        "a.suggested_scores AS scores, a.suggested_reasons AS reasons, a.suggested_digest AS digest ORDER BY a.id",
        settings=s,
    )
    return {r["id"]: (r["targets"], r["scores"], r["reasons"], r["digest"]) for r in rows}


@pytest.mark.neo4j
def test_kg_discover_engine_spark_stores_the_embedded_lists(
    graph: Driver, neo4j_settings: Settings, cli_env: dict[str, str], spark_settings: Settings
) -> None:
    _build(graph, neo4j_settings, synthetic(seed=5, n=160, works=500))
    summary = discover.run_discovery(graph, settings=neo4j_settings, progress=False)
    embedded = _lists(graph, neo4j_settings)
    assert len(embedded) == summary.with_suggestions > 100
    assert any(json.loads(r)["s"] for _, _, reasons, _ in embedded.values() for r in reasons)  # venues shared
    graphdb.run(
        graph,
        "MATCH (a:Researcher) SET a.suggested = null, a.suggested_scores = null, a.suggested_reasons = null, "
        "a.suggested_digest = null",
        write=True,
        settings=neo4j_settings,
    )
    env = {**cli_env, "KG_SPARK_MASTER": "local[2]", "KG_SPARK_CONF": "spark.sql.shuffle.partitions=4"}
    r = subprocess.run(
        ["kg", "discover", "--engine", "spark"], capture_output=True, text=True, env=env, timeout=600
    )
    assert r.returncode == 0, r.stderr
    said = " ".join(r.stdout.split())
    assert f"{summary.suggestions} suggestions for {summary.with_suggestions} of 160 researchers" in said
    assert _lists(graph, neo4j_settings) == embedded
    r = subprocess.run(
        ["kg", "discover", "--engine", "dask"], capture_output=True, text=True, env=env, timeout=120
    )
    assert (r.returncode, r.stderr.strip()) == (
        1,
        "error: --engine dask: the discovery engine is embedded or spark",
    )
