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
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from neo4j import Driver

from kg import discover, graphdb, linkpred
from kg.config import Settings, get_settings
from tests.conftest import SHARED_DATA
from tests.discover_graphs import build_graph, forget_lists, synthetic

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
    build_graph(graph, neo4j_settings, synthetic(seed=5, n=160, works=500))
    summary = discover.run_discovery(graph, settings=neo4j_settings, progress=False)
    embedded = _lists(graph, neo4j_settings)
    assert len(embedded) == summary.with_suggestions > 100
    assert any(json.loads(r)["s"] for _, _, reasons, _ in embedded.values() for r in reasons)  # venues shared
    forget_lists(graph, neo4j_settings)
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
