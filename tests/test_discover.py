"""Discovery on a small graph reasoned out by hand: exact ranks, scores and reasons, exclusions, files, the CLI.

The graph (ids sort a < b < … so ties break by id):

    COAUTHOR  a–b, a–c, b–d, c–d, c–e, g–h          SAME_AS  h→a (a's other identity), b→k (b's other identity)
    WORKS_ON  a: T1 3, T2 1 (→ 0.75, 0.25)   e: T1   f: T1 2, T2 2 (→ 0.5, 0.5)   h, g, k, c: T1   j: T2
    AFFILIATED_WITH  a, d: I1    f: I1, I2                                open_to_collaborate: f

For a, with the test model σ(log1p(10·aa) + 0.5·topics + 0.25·institutions) (aa = Adamic-Adar, Σ 1/ln deg z):
    d: aa via b (1/ln 2) + via c (1/ln 3) = 2.352934, topics 0, institutions 1   → σ(ln(1 + 23.52934) + 0.25)
    e: aa via c 1/ln 3 = 0.910239, topics min(0.75, 1) = 0.75, institutions 0   → σ(ln(1 + 9.10239) + 0.375)
    f: aa 0, topics min(.75,.5) + min(.25,.5) = 0.75, institutions 1/2          → σ(0.375 + 0.125)
    j: topics min(0.25, 1) = 0.25                                               → σ(0.125)
Excluded although they share T1 with a: b, c (co-authors), h (a's own identity), g (co-author of h), k (b's
identity). f is open to collaborate: boosted × 1.5 its score is 0.933689, just under e's 0.936301; × 1.6 (0.995935) it passes e and d.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from neo4j import Driver

from kg import discover, graphdb, linkpred, linkpred_fit
from kg.config import Settings
from kg.errors import InputError, KGError, NotFound
from tests.discover_graphs import build_graph, forget_lists, synthetic

NAMES = {
    "a": "Ada",
    "b": "Bo",
    "c": "Cy",
    "d": "Di",
    "e": "Ed",
    "f": "Flo",
    "g": "Gus",
    "h": "Ada L.",
    "j": "Jo",
    "k": "B. O.",
}
COAUTHOR = [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d"), ("c", "e"), ("g", "h")]
WORKS_ON = [
    ("a", "T1", 3.0),
    ("a", "T2", 1.0),
    ("e", "T1", 1.0),
    ("f", "T2", 2.0),
    ("f", "T1", 2.0),
    ("h", "T1", 1.0),
    ("g", "T1", 1.0),
    ("k", "T1", 1.0),
    ("c", "T1", 1.0),
    ("j", "T2", 1.0),
]
AFFILIATED = [("a", "I1"), ("d", "I1"), ("f", "I1"), ("f", "I2")]
SAME_AS = [("h", "a"), ("b", "k")]
OPEN = {"f"}
MODEL = linkpred.Model({"coauthor_aa": 1.0, "topics": 0.5, "institutions": 0.25})
AA_D = 1 / math.log(2) + 1 / math.log(3)
AA_E = 1 / math.log(3)


def _sig(z: float) -> float:
    return 1 / (1 + math.exp(-z))


SCORE = {
    "d": round(_sig(math.log1p(10 * AA_D) + 0.25), 6),
    "e": round(_sig(math.log1p(10 * AA_E) + 0.375), 6),
    "f": round(_sig(0.5), 6),
    "j": round(_sig(0.125), 6),
}

# ---------------------------------------------------------------- the pure core, no database


def _edge_list() -> tuple[list[str], linkpred.EdgeList]:
    people = sorted(NAMES)
    ix = {p: i for i, p in enumerate(people)}
    topics, insts = {"T1": 0, "T2": 1}, {"I1": 0, "I2": 1}
    edges = linkpred.EdgeList(
        n=len(people),
        coauthor=np.array([[ix[x], ix[y]] for x, y in COAUTHOR]),
        n_topics=2,
        topic_rows=np.array([[ix[x], topics[t]] for x, t, _ in WORKS_ON]),
        topic_weights=np.array([w for _, _, w in WORKS_ON]),
        n_institutions=2,
        institution_rows=np.array([[ix[x], insts[i]] for x, i in AFFILIATED]),
        same_as=np.array([[ix[x], ix[y]] for x, y in SAME_AS]),
        open=np.array([p in OPEN for p in people]),
    )
    return people, edges


def _ranked(params: linkpred.Params, who: str = "a") -> list[tuple[str, float]]:
    people, edges = _edge_list()
    graph = linkpred.Graph(edges)
    out = []
    for _, sugs in linkpred.suggest(graph, np.array([people.index(who)]), params):
        out += [(people[s.target], round(s.score, 6)) for s in sugs]
    return out


P = linkpred.Params(model=MODEL)


def test_core_ranks_a_by_hand_computed_scores() -> None:
    assert _ranked(P) == [("d", SCORE["d"]), ("e", SCORE["e"]), ("f", SCORE["f"]), ("j", SCORE["j"])]
    assert _ranked(linkpred.Params(top_k=2, model=MODEL)) == [("d", SCORE["d"]), ("e", SCORE["e"])]


def test_core_prefer_open_boosts_open_people() -> None:
    ranked = _ranked(linkpred.Params(prefer_open=True, model=MODEL))
    assert ranked == [
        ("d", SCORE["d"]),
        ("e", SCORE["e"]),
        ("f", round(_sig(0.5) * 1.5, 6)),
        ("j", SCORE["j"]),
    ]
    ranked = _ranked(linkpred.Params(prefer_open=True, open_boost=1.6, model=MODEL))
    assert ranked == [
        ("f", round(_sig(0.5) * 1.6, 6)),
        ("d", SCORE["d"]),
        ("e", SCORE["e"]),
        ("j", SCORE["j"]),
    ]


def test_core_reasons_parts_for_a_to_d_and_f() -> None:
    people, edges = _edge_list()
    graph = linkpred.Graph(edges)
    (_, sugs), *_ = list(linkpred.suggest(graph, np.array([0]), P))
    d, _e, f, _j = sugs
    # features: coauthor_aa, topics, institutions, venues, activity, recency, degree (d has 2 co-authors),
    # common (b and c), open_triangles (the graph has no triangle: every link is open, so = coauthor_aa)
    assert d.rank == 1 and d.features == pytest.approx((AA_D, 0.0, 1.0, 0.0, 0.0, 0.0, 2.0, 2.0, AA_D))
    assert d.contributions == pytest.approx((math.log1p(10 * AA_D), 0.0, 0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0))
    assert [(people[z], c, o) for z, c, o in d.shared_coauthors] == [
        ("b", pytest.approx(1 / math.log(2)), 1.0),
        ("c", pytest.approx(1 / math.log(3)), 1.0),
    ]
    assert d.shared_coauthor_count == 2 and d.shared_topics == [] and d.shared_institutions == [0]
    assert f.features[:3] == (0.0, 0.75, 0.5) and f.target_open
    assert f.shared_topics == [(0, 0.75, 0.5), (1, 0.25, 0.5)]


def test_core_never_suggests_self_coauthors_or_same_as_identities() -> None:
    people, edges = _edge_list()
    graph = linkpred.Graph(edges)
    ix = {p: i for i, p in enumerate(people)}
    co = {frozenset(p) for p in COAUTHOR}
    groups = [{"a", "h"}, {"b", "k"}]
    seen = 0
    for _, sugs in linkpred.suggest(
        graph, np.arange(len(people)), linkpred.Params(batch_paths=1, model=MODEL)
    ):
        for s in sugs:
            u, v = people[s.source], people[s.target]
            assert u != v and frozenset((u, v)) not in co
            assert not any({u, v} <= g for g in groups)
            seen += 1
    assert seen > 0
    # a's identity h and h's co-author g both share T1 with a, yet neither is suggested to a; nor is k (b's identity)
    assert {t for t, _ in _ranked(P)} & {"h", "g", "k", "b", "c"} == set()
    # c would get b and b's other identity k with the same score: one person, suggested once (the first id)
    assert [t for t, _ in _ranked(P, "c")][:1] == ["b"]
    assert "k" not in [t for t, _ in _ranked(P, "c")]
    assert ix["k"] not in {s.target for _, b in linkpred.suggest(graph, np.array([ix["c"]]), P) for s in b}


def test_core_damps_hubs_above_the_cap() -> None:
    # u, v share y (2 co-authors) and z (3 co-authors, above hub_cap=2): z neither relays nor adds to AA
    edges = linkpred.EdgeList(n=5, coauthor=np.array([[0, 3], [1, 3], [0, 4], [1, 4], [2, 4]]))
    graph = linkpred.Graph(edges)
    (_, sugs), *_ = list(linkpred.suggest(graph, np.array([0]), linkpred.Params(hub_cap=2, model=MODEL)))
    assert [(s.target, s.coauthor_aa, s.shared_coauthor_count) for s in sugs] == [(1, 1 / math.log(2), 2)]
    assert sugs[0].shared_coauthors == [(3, 1 / math.log(2), 1.0), (4, 0.0, 1.0)]
    (_, sugs), *_ = list(linkpred.suggest(graph, np.array([0]), linkpred.Params(hub_cap=3, model=MODEL)))
    assert [(s.target, round(s.coauthor_aa, 6)) for s in sugs] == [
        (1, round(1 / math.log(2) + 1 / math.log(3), 6)),
        (2, round(1 / math.log(3), 6)),
    ]


def test_core_open_triangles_and_common_by_hand() -> None:
    """0 and 1 share z=2 and y=3; the link 0–3 lies in the triangle 0–3–4, the links through 2 in none: common 2,
    open_triangles = 2's share alone, and the reasons flag 2 (not 3) as a co-author each wrote with as a pair."""
    edges = linkpred.EdgeList(n=5, coauthor=np.array([[0, 2], [1, 2], [0, 3], [1, 3], [0, 4], [3, 4]]))
    graph = linkpred.Graph(edges)
    ends = zip(np.repeat(np.arange(5), graph.deg).tolist(), graph.adj.tolist(), strict=True)
    tri = dict(zip(ends, graph.link_triangles(100).tolist(), strict=True))
    assert {k: t for k, t in tri.items() if t} == {
        (0, 3): 1,
        (3, 0): 1,
        (0, 4): 1,
        (4, 0): 1,
        (3, 4): 1,
        (4, 3): 1,
    }
    model = linkpred.Model({"coauthor_aa": 1.0, "common": 0.5, "open_triangles": 0.25})
    (_, sugs), *_ = list(linkpred.suggest(graph, np.array([0]), linkpred.Params(model=model)))
    (s,) = sugs
    assert s.target == 1 and s.shared_coauthor_count == 2
    assert s.features[-2:] == pytest.approx((2.0, 1 / math.log(2)))
    assert s.contributions[-2:] == pytest.approx((0.5 * math.log1p(2.0), 0.25 * math.log1p(10 / math.log(2))))
    assert s.shared_coauthors == [
        (2, pytest.approx(1 / math.log(2)), 1.0),
        (3, pytest.approx(1 / math.log(3)), 0.0),
    ]


def test_core_link_triangles_equal_the_sparse_definition_in_any_block_size() -> None:
    """Triangles per link through non-hub third co-authors, (A' · A) ∘ A, row block by row block."""
    rng = np.random.default_rng(5)
    pairs = rng.integers(0, 300, size=(3000, 2))
    graph = linkpred.Graph(linkpred.EdgeList(n=300, coauthor=pairs))
    a = graph.adj_matrix
    keep = sparse_diag((graph.deg <= 15).astype(np.float64))
    want = (a @ keep @ a).multiply(a).tocsr()
    want = np.asarray(want[np.repeat(np.arange(300), graph.deg), graph.adj]).ravel()
    assert int((graph.deg > 15).sum()) > 10 and want.sum() > 100
    for batch in (1, 50, 10_000_000):
        fresh = linkpred.Graph(linkpred.EdgeList(n=300, coauthor=pairs))
        assert fresh.link_triangles(15, batch_paths=batch).tolist() == want.astype(int).tolist()


def sparse_diag(values: np.ndarray) -> Any:
    from scipy import sparse

    return sparse.diags(values)


def test_core_batches_do_not_change_results() -> None:
    people, edges = _edge_list()
    graph = linkpred.Graph(edges)

    def everything(params: linkpred.Params) -> list[tuple[int, int, int, float]]:
        return [
            (s.source, s.rank, s.target, s.score)
            for _, sugs in linkpred.suggest(graph, np.arange(len(people)), params)
            for s in sugs
        ]

    assert everything(linkpred.Params(batch_paths=1, model=MODEL)) == everything(P)


# ---------------------------------------------------------------- against the real Neo4j

GRAPH_CYPHER = """
UNWIND $people AS p CREATE (:Researcher {id: 't:' + p[0], name: p[1], open_to_collaborate: p[2]})
WITH count(*) AS done
UNWIND [['T1', 'Graph learning'], ['T2', 'Bibliometrics']] AS t CREATE (:Topic {id: 'openalex:' + t[0], name: t[1]})
WITH count(*) AS done
UNWIND [['I1', 'Uni One'], ['I2', 'Uni Two']] AS i CREATE (:Institution {id: 'ror:' + i[0], name: i[1]})
WITH count(*) AS done
UNWIND $co AS e MATCH (x:Researcher {id: 't:' + e[0]}), (y:Researcher {id: 't:' + e[1]})
CREATE (x)-[:COAUTHOR {shared_works: 1, weight: 1.0}]->(y)
WITH count(*) AS done
UNWIND $topics AS e MATCH (x:Researcher {id: 't:' + e[0]}), (t:Topic {id: 'openalex:' + e[1]})
CREATE (x)-[:WORKS_ON {weight: e[2]}]->(t)
WITH count(*) AS done
UNWIND $aff AS e MATCH (x:Researcher {id: 't:' + e[0]}), (i:Institution {id: 'ror:' + e[1]})
CREATE (x)-[:AFFILIATED_WITH]->(i)
WITH count(*) AS done
UNWIND $same AS e MATCH (x:Researcher {id: 't:' + e[0]}), (y:Researcher {id: 't:' + e[1]})
CREATE (x)-[:SAME_AS {by: 'test'}]->(y)
"""


def _build(drv: Driver, s: Settings) -> None:
    graphdb.run(
        drv,
        GRAPH_CYPHER,
        {
            "people": [[p, n, p in OPEN] for p, n in NAMES.items()],
            "co": [list(e) for e in COAUTHOR],
            "topics": [list(e) for e in WORKS_ON],
            "aff": [list(e) for e in AFFILIATED],
            "same": [list(e) for e in SAME_AS],
        },
        write=True,
        settings=s,
    )


def _stored(drv: Driver, s: Settings) -> dict[str, list[tuple[str, float, str]]]:
    rows = graphdb.run(
        drv,
        "MATCH (a:Researcher) WHERE a.suggested IS NOT NULL UNWIND range(0, size(a.suggested) - 1) AS i "
        "RETURN a.id AS a, a.suggested[i] AS b, a.suggested_scores[i] AS score, a.suggested_run AS run "
        "ORDER BY a.id, i",
        settings=s,
    )
    out: dict[str, list[tuple[str, float, str]]] = {}
    for r in rows:
        out.setdefault(r["a"], []).append((r["b"], r["score"], r["run"]))
    return out


# Reasons: a one-line summary, the raw features and the open boost, each feature's contribution to the logit
# (weight · transformed value), and what the two share (ids, names, each one's share); the score is in the list.
REASONS_A_D: dict[str, Any] = {
    # the hand graph has no triangle: a's and d's links to Bo and Cy are all open
    "summary": "2 shared co-authors: Bo, Cy; you both wrote with Bo, Cy on papers without your other co-authors; "
    "both at Uni One",
    "parts": {
        "coauthor_aa": round(AA_D, 6),
        "topics": 0.0,
        "institutions": 1.0,
        "venues": 0.0,
        "activity": 0.0,
        "recency": 0.0,
        "degree": 2.0,
        "common": 2.0,
        "open_triangles": round(AA_D, 6),
        "open_boost": 1.0,
    },
    "contributions": {
        "coauthor_aa": round(math.log1p(10 * AA_D), 6),
        "topics": 0.0,
        "institutions": 0.25,
        "venues": 0.0,
        "activity": 0.0,
        "recency": 0.0,
        "degree": 0.0,
        "common": 0.0,
        "open_triangles": 0.0,
    },
    "shared_coauthor_count": 2,
    "shared_coauthors": [
        {"id": "t:b", "name": "Bo", "contribution": round(1 / math.log(2), 6), "open": True},
        {"id": "t:c", "name": "Cy", "contribution": round(1 / math.log(3), 6), "open": True},
    ],
    "shared_topics": [],
    "shared_institutions": [{"id": "ror:I1", "name": "Uni One"}],
    "shared_venues": [],
}
REASONS_A_F_TOPICS = [
    {"id": "openalex:T1", "name": "Graph learning", "overlap": 0.5},
    {"id": "openalex:T2", "name": "Bibliometrics", "overlap": 0.25},
]


@pytest.mark.neo4j
def test_run_discovery_stores_exact_suggestions_with_reasons(graph: Driver, neo4j_settings: Settings) -> None:
    _build(graph, neo4j_settings)
    summary = discover.run_discovery(
        graph, settings=neo4j_settings, run_id="run-1", progress=False, model=MODEL
    )
    assert (summary.researchers, summary.graph_researchers, summary.coauthor_pairs) == (10, 10, 6)
    stored = _stored(graph, neo4j_settings)
    assert stored["t:a"] == [
        ("t:d", SCORE["d"], "run-1"),
        ("t:e", SCORE["e"], "run-1"),
        ("t:f", SCORE["f"], "run-1"),
        ("t:j", SCORE["j"], "run-1"),
    ]
    assert summary.suggestions == sum(len(v) for v in stored.values())
    rows = discover.stored_suggestions(graph, "t:a", neo4j_settings)
    assert [(r["id"], r["name"]) for r in rows] == [
        ("t:d", "Di"),
        ("t:e", "Ed"),
        ("t:f", "Flo"),
        ("t:j", "Jo"),
    ]
    assert rows[0]["reasons"] == REASONS_A_D
    assert rows[2]["reasons"]["shared_topics"] == REASONS_A_F_TOPICS
    assert rows[2]["reasons"]["shared_institutions"] == [{"id": "ror:I1", "name": "Uni One"}]
    assert rows[2]["reasons"]["parts"]["open_boost"] == 1.0
    assert rows[2]["reasons"]["summary"] == "both work on Graph learning, Bibliometrics; both at Uni One"
    # never: self, co-authors, SAME_AS identities (for anyone)
    co = {frozenset(("t:" + x, "t:" + y)) for x, y in COAUTHOR}
    for src, sugs in stored.items():
        for dst, _, _ in sugs:
            assert src != dst and frozenset((src, dst)) not in co
            assert {src, dst} not in ({"t:a", "t:h"}, {"t:b", "t:k"})


# Works for the read test: (work id, year, venue, authors); a null or non-integer year reads as -1, a null, empty or
# non-string venue as no venue (-1); COAUTHOR first years as set below (c–e has none, b–d a text).
WORKS: list[tuple[str, Any, Any, list[str]]] = [
    ("w1", 2019, "Venue A", ["a", "b"]),
    ("w2", None, "Venue B", ["a", "c", "d"]),
    ("w3", "2020", None, ["c", "e"]),
    ("w4", 2021, "", ["j"]),
    ("w5", 2022, 7, ["g", "h", "k"]),
    ("w6", 2018, "Venue A", ["k"]),
]
FIRST_YEAR = {("a", "b"): 2019, ("a", "c"): 2017, ("b", "d"): "2016", ("c", "d"): 2020, ("g", "h"): 2022}


@pytest.mark.neo4j
def test_load_input_reads_every_column_across_pages_in_flight(
    graph: Driver, neo4j_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """load_input reads the graph's edges, works' years and venues into the EdgeList, researcher by researcher at
    the right index (the other end of an edge named by its elementId), also with pages of 3 researchers read 2 at a
    time (several pages in flight)."""
    _build(graph, neo4j_settings)
    graphdb.run(
        graph,
        "UNWIND $works AS w CREATE (x:Work {id: w[0]}) SET x.year = w[1], x.venue = w[2] "
        "WITH x, w UNWIND w[3] AS p MATCH (r:Researcher {id: 't:' + p}) CREATE (r)-[:AUTHORED]->(x)",
        {"works": [list(w) for w in WORKS]},
        write=True,
        settings=neo4j_settings,
    )
    graphdb.run(
        graph,
        "UNWIND $years AS e MATCH (:Researcher {id: 't:' + e[0]})-[c:COAUTHOR]->(:Researcher {id: 't:' + e[1]}) "
        "SET c.first_year = e[2]",
        {"years": [[x, y, v] for (x, y), v in FIRST_YEAR.items()]},
        write=True,
        settings=neo4j_settings,
    )
    monkeypatch.setattr(discover, "READ_PAGE", 3)
    monkeypatch.setattr(discover, "READERS", 2)
    inp = discover.load_input(graph, neo4j_settings, first_years=True)
    e = inp.edges
    rid = [x.removeprefix("t:") for x in inp.researcher_ids]
    assert rid == sorted(NAMES) and inp.researcher_names == [NAMES[x] for x in rid]
    assert e.open.tolist() == [x in OPEN for x in rid]

    def year(v: Any) -> int:
        return v if isinstance(v, int) else -1

    assert sorted(
        (rid[a], rid[b], y)
        for (a, b), y in zip(e.coauthor.tolist(), e.coauthor_first_year.tolist(), strict=True)
    ) == sorted((x, y, year(FIRST_YEAR.get((x, y)))) for x, y in COAUTHOR)
    assert sorted(
        (rid[a], inp.topic_ids[t], w)
        for (a, t), w in zip(e.topic_rows.tolist(), e.topic_weights.tolist(), strict=True)
    ) == sorted((x, "openalex:" + t, w) for x, t, w in WORKS_ON)
    assert sorted((rid[a], inp.institution_ids[i]) for a, i in e.institution_rows.tolist()) == sorted(
        (x, "ror:" + i) for x, i in AFFILIATED
    )
    assert sorted((rid[a], rid[b]) for a, b in e.same_as.tolist()) == sorted(SAME_AS)
    assert inp.topic_names == [
        {"openalex:T1": "Graph learning", "openalex:T2": "Bibliometrics"}[t] for t in inp.topic_ids
    ]
    assert inp.institution_names == [
        {"ror:I1": "Uni One", "ror:I2": "Uni Two"}[i] for i in inp.institution_ids
    ]
    venues = [*inp.venue_names]
    assert sorted(
        (rid[a], y, venues[v] if v >= 0 else "-")
        for a, y, v in zip(
            e.work_researcher.tolist(), e.work_year.tolist(), e.work_venue.tolist(), strict=True
        )
    ) == sorted(
        (p, year(y), v if isinstance(v, str) and v else "-") for _, y, v, authors in WORKS for p in authors
    )
    assert sorted(venues) == ["Venue A", "Venue B"]
    assert (e.n, e.n_topics, e.n_institutions, e.n_venues) == (10, 2, 2, 2)
    # ranking's read: the same arrays without the first years (training's alone)
    ranking = discover.load_input(graph, neo4j_settings).edges
    assert ranking.coauthor_first_year is None
    for f in dataclasses.fields(e):
        if f.name != "coauthor_first_year":
            assert np.array_equal(getattr(ranking, f.name), getattr(e, f.name)), f.name


def test_a_node_id_that_names_another_researcher_than_the_read_knew_is_seen() -> None:
    index, ids = {"4:db:0": 0, "4:db:1": 1}, ["t:a", "t:b"]
    assert not discover._renamed(
        index, ids, [{"id": "t:a", "node": "4:db:0"}, {"id": "t:b", "node": "4:db:1"}]
    )
    # a researcher created since the read (a node it never saw) is not a renaming; one that took a known id is
    assert not discover._renamed(index, ids, [{"id": "t:c", "node": "4:db:2"}])
    assert discover._renamed(index, ids, [{"id": "t:a", "node": "4:db:0"}, {"id": "t:c", "node": "4:db:1"}])


@pytest.mark.neo4j
def test_the_read_is_checked_against_the_graph_and_made_again_when_an_edge_end_changed_researcher(
    graph: Driver, neo4j_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _build(graph, neo4j_settings)
    monkeypatch.setattr(discover, "NODE_PAGE", 3)  # the check reads several pages
    inp, index = discover._read_input(graph, neo4j_settings, None, first_years=False)
    assert len(index) == len(NAMES) and discover._ends_still_named(
        graph, neo4j_settings, index, inp.researcher_ids
    )
    # the node the read knew as t:a now holds another researcher id (as when Neo4j reuses a deleted node's id)
    graphdb.run(
        graph, "MATCH (r:Researcher {id: 't:a'}) SET r.id = 't:zed'", write=True, settings=neo4j_settings
    )
    assert not discover._ends_still_named(graph, neo4j_settings, index, inp.researcher_ids)
    # load_input reads again while the check fails, and gives up with one line after READ_ATTEMPTS reads
    answers = iter([False, True])
    reads: list[int] = []
    real = discover._read_input

    def counted(*args: Any, **kw: Any) -> Any:
        reads.append(1)
        return real(*args, **kw)

    monkeypatch.setattr(discover, "_read_input", counted)
    monkeypatch.setattr(discover, "_ends_still_named", lambda *a: next(answers))
    again = discover.load_input(graph, neo4j_settings)
    assert len(reads) == 2 and "t:zed" in again.researcher_ids and "t:a" not in again.researcher_ids
    monkeypatch.setattr(discover, "_ends_still_named", lambda *a: False)
    with pytest.raises(KGError, match="kept changing while discovery read them"):
        discover.load_input(graph, neo4j_settings)
    assert len(reads) == 2 + discover.READ_ATTEMPTS


@pytest.mark.neo4j
def test_many_blocks_stored_by_concurrent_writers_give_the_same_edges(
    graph: Driver, neo4j_settings: Settings
) -> None:
    _build(graph, neo4j_settings)
    discover.run_discovery(graph, settings=neo4j_settings, run_id="one", progress=False, model=MODEL)
    one_block = {k: [(b, sc) for b, sc, _ in v] for k, v in _stored(graph, neo4j_settings).items()}
    # the same suggestions again: nothing is rewritten (the lists keep the first run's id)
    again = discover.run_discovery(
        graph, settings=neo4j_settings, run_id="again", progress=False, model=MODEL
    )
    assert (again.written, again.suggestions) == (0, sum(len(v) for v in one_block.values()))
    assert {r for v in _stored(graph, neo4j_settings).values() for _, _, r in v} == {"one"}
    # another model: two sources per block, the writer threads store several blocks at once, in any order
    other = linkpred.Model({"coauthor_aa": 1.0, "topics": 2.0})
    small = linkpred.Params(batch_sources=2, model=other)
    summary = discover.run_discovery(
        graph, settings=neo4j_settings, run_id="two", progress=False, params=small
    )
    whole = discover.run_discovery(
        graph, settings=neo4j_settings, run_id="three", progress=False, model=other
    )
    assert whole.written == 0  # the blocks wrote exactly what one block computes
    stored = _stored(graph, neo4j_settings)
    changed = {k for k, v in stored.items() if [(b, sc) for b, sc, _ in v] != one_block.get(k)}
    # exactly the researchers whose lists changed were rewritten (by the run "two"); the others keep run "one"
    assert changed and {k for k, v in stored.items() if v[0][2] == "two"} == changed
    assert {k for k, v in stored.items() if v[0][2] == "one"} == set(stored) - changed
    assert (summary.written, summary.suggestions) == (len(changed), sum(len(v) for v in stored.values()))


@pytest.mark.neo4j
def test_a_new_run_replaces_only_the_covered_researchers_edges(
    graph: Driver, neo4j_settings: Settings
) -> None:
    _build(graph, neo4j_settings)
    discover.run_discovery(graph, settings=neo4j_settings, run_id="run-1", progress=False, model=MODEL)
    before = _stored(graph, neo4j_settings)
    summary = discover.run_discovery(
        graph, ["t:a"], top_k=3, prefer_open=True, settings=neo4j_settings, run_id="run-2", progress=False,
        model=MODEL,
    )  # fmt: skip
    assert (summary.researchers, summary.suggestions, summary.written) == (1, 3, 1)
    after = _stored(graph, neo4j_settings)
    assert after["t:a"] == [
        ("t:d", SCORE["d"], "run-2"),
        ("t:e", SCORE["e"], "run-2"),
        ("t:f", round(_sig(0.5) * 1.5, 6), "run-2"),
    ]
    # f is open to collaborate: with --prefer-open its reasons carry the boost
    assert (
        discover.stored_suggestions(graph, "t:a", neo4j_settings)[2]["reasons"]["parts"]["open_boost"] == 1.5
    )
    assert {k: v for k, v in after.items() if k != "t:a"} == {k: v for k, v in before.items() if k != "t:a"}


@pytest.mark.neo4j
def test_out_files_jsonl_and_csv(graph: Driver, neo4j_settings: Settings, tmp_path: Path) -> None:
    _build(graph, neo4j_settings)
    jl = tmp_path / "s.jsonl"
    discover.run_discovery(
        graph, ["t:a"], out=jl, settings=neo4j_settings, run_id="r", progress=False, model=MODEL
    )
    lines = [json.loads(x) for x in jl.read_text(encoding="utf-8").splitlines()]
    assert [(x["rank"], x["candidate_id"], x["candidate_name"], x["score"]) for x in lines] == [
        (1, "t:d", "Di", SCORE["d"]),
        (2, "t:e", "Ed", SCORE["e"]),
        (3, "t:f", "Flo", SCORE["f"]),
        (4, "t:j", "Jo", SCORE["j"]),
    ]
    assert lines[0]["researcher_id"] == "t:a" and lines[0]["researcher_name"] == "Ada"
    assert lines[0]["run"] == "r" and lines[0]["reasons"] == REASONS_A_D
    cv = tmp_path / "sub" / "s.csv"
    discover.run_discovery(
        graph, ["t:a"], top_k=1, out=cv, settings=neo4j_settings, run_id="r", progress=False, model=MODEL
    )
    with cv.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows == [
        {
            "run": "r",
            "researcher_id": "t:a",
            "researcher_name": "Ada",
            "rank": "1",
            "candidate_id": "t:d",
            "candidate_name": "Di",
            "score": str(SCORE["d"]),
            **{k: str(v) for k, v in REASONS_A_D["parts"].items()},
            "shared_coauthors": "Bo; Cy",
            "shared_topics": "",
            "shared_institutions": "Uni One",
            "shared_venues": "",
            "summary": REASONS_A_D["summary"],
            "reasons": json.dumps(REASONS_A_D, ensure_ascii=False),
        }
    ]
    with pytest.raises(InputError, match="unknown format"):
        discover.run_discovery(graph, ["t:a"], out=tmp_path / "s.txt", settings=neo4j_settings)
    with pytest.raises(NotFound, match="t:nobody"):
        discover.run_discovery(graph, ["t:nobody"], settings=neo4j_settings, progress=False)


def test_cli_show_prints_small_scores_in_significant_digits(capsys: pytest.CaptureFixture[str]) -> None:
    """Fitted scores are often below 1e-4 (3.4e-05 for the shipped sample's best-connected researcher): `--show`
    printed every one of them as 0.0000, which tells the reader nothing about the ranking."""
    from kg.cli.coauthors import _print_suggestions

    reasons = {"parts": {"topics": 0.72, "activity": 1.0}, "shared_topics": [{"id": "t:1", "name": "Graphs"}]}
    rows = [
        {"id": "t:d", "name": "Di", "score": 3.4e-05, "reasons": reasons},
        {"id": "t:e", "name": "Ed", "score": 0.8125, "reasons": reasons},
    ]
    _print_suggestions("t:a", rows)
    assert capsys.readouterr().out.splitlines() == [
        "t:a:",
        "  3.4e-05  Di (t:d)  [topics 0.72; activity 1.0]",
        "      shared topics: Graphs",
        "  0.812  Ed (t:e)  [topics 0.72; activity 1.0]",
        "      shared topics: Graphs",
    ]


def test_cli_show_without_a_researcher_is_refused_before_ranking_anyone(tmp_path: Path) -> None:
    """`kg discover --show` ranked every researcher of the graph, wrote their lists, then printed nothing: --show
    prints only the researchers named with --researcher. Refused at once (this Neo4j does not even answer)."""
    from tests.conftest import kg_env
    from tests.kg_process import free_port, run_kg

    env = kg_env(Settings(neo4j_uri=f"bolt://127.0.0.1:{free_port()}"))
    r = run_kg(["discover", "--show"], tmp_path, env)
    assert (r.returncode, r.stdout, r.stderr.splitlines()) == (
        1,
        "",
        [
            "error: --show prints the suggestions of the researchers named with --researcher ID: name at least one"
        ],
    )


@pytest.mark.neo4j
def test_cli_discover_exit_codes_and_output(
    graph: Driver, neo4j_settings: Settings, cli_env: dict[str, str], tmp_path: Path
) -> None:
    _build(graph, neo4j_settings)

    def kg(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["kg", *args], capture_output=True, text=True, env=cli_env, timeout=120)

    out = tmp_path / "all.jsonl"
    r = kg("discover", "--top", "3", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "suggestions for" in r.stdout and "of 10 researchers" in r.stdout
    assert len(out.read_text(encoding="utf-8").splitlines()) == sum(
        len(v) for v in _stored(graph, neo4j_settings).values()
    )
    r = kg("discover", "-r", "t:a", "--show")
    assert r.returncode == 0, r.stderr
    assert (
        "Di (t:d)" in r.stdout
        and "via co-authors: Bo, Cy" in r.stdout
        and "shared institutions: Uni One" in r.stdout
    )
    r = kg("discover", "-r", "t:nobody")
    assert (r.returncode, r.stderr.strip()) == (1, "error: no researcher with id t:nobody")
    r = kg("discover", "--out", str(tmp_path / "x.txt"))
    assert r.returncode == 1 and r.stderr.startswith("error: --out") and "Traceback" not in r.stderr
    r = kg("discover", "--top", "0")
    assert r.returncode == 2


@pytest.mark.neo4j
def test_kg_discover_train_fits_on_the_graph_and_kg_discover_ranks_with_its_file(
    graph: Driver, neo4j_settings: Settings, cli_env: dict[str, str], tmp_path: Path
) -> None:
    world = synthetic(seed=5, n=160, works=500)
    build_graph(graph, neo4j_settings, world)

    def kg(*args: str) -> subprocess.CompletedProcess[str]:
        # a wide console: rich breaks a path longer than the line inside a word (an xdist worker's tmp_path is)
        env = {**cli_env, "COLUMNS": "250"}
        return subprocess.run(["kg", *args], capture_output=True, text=True, env=env, timeout=300)

    out = tmp_path / "model.json"
    r = kg("discover", "train", "--out", str(out))
    assert r.returncode == 0, r.stderr
    model = linkpred.Model.load(out)
    rep = model.report
    # the world's distinct co-author pairs, 10 % of them hidden (the default share), counted as the fit counts them
    pairs = {(a, b) for authors, _, _ in world.works for i, a in enumerate(authors) for b in authors[i + 1 :]}
    assert (rep["researchers"], rep["pairs"], rep["hidden_pairs"]) == (160, len(pairs), int(0.1 * len(pairs)))
    said = " ".join(r.stdout.split())
    assert f"model written to {out}: {rep['hidden_pairs']} pairs hidden (random)" in said
    assert set(rep["on_report_pairs"]) == {"model", "common_neighbours", "adamic_adar", "resource_allocation"}
    for name in rep["on_report_pairs"]:
        assert f"{name} recall@10" in said
    assert min(model.weights.values()) >= 0.0 and model.weights["coauthor_aa"] > 0.0
    # the read gives the world's co-author pairs, and the file is the fit on the read with the defaults (seed 7)
    inp = discover.load_input(graph, neo4j_settings, first_years=True)
    ids = inp.researcher_ids
    assert {tuple(sorted((ids[a], ids[b]))) for a, b in inp.edges.coauthor.tolist()} == {
        (f"t:r{a:04d}", f"t:r{b:04d}") for a, b in pairs
    }
    direct = linkpred_fit.train(inp.edges, seed=7).to_json()
    assert (model.weights, model.intercept) == (direct["weights"], direct["intercept"])
    # kg discover --model ranks with the file: the lists it stores are what the loaded model stores in-process
    r = kg("discover", "--model", str(out))
    assert r.returncode == 0, r.stderr

    def lists() -> dict[str, list[tuple[str, float]]]:
        return {a: [(b, score) for b, score, _ in v] for a, v in _stored(graph, neo4j_settings).items()}

    stored = lists()
    assert sum(len(v) for v in stored.values()) > 1000
    forget_lists(graph, neo4j_settings)
    discover.run_discovery(graph, settings=neo4j_settings, model=model, progress=False)
    assert lists() == stored
    # bad options and a graph too small to hide pairs from: one line each, no traceback
    r = kg("discover", "train", "--share", "1.5", "--out", str(tmp_path / "x.json"))
    assert (r.returncode, r.stderr.strip()) == (1, "error: --share must be between 0 and 1 (got 1.5)")
    r = kg("discover", "train", "--holdout", "oldest")
    assert (r.returncode, r.stderr.strip()) == (
        1,
        "error: --holdout must be 'random' or 'recent' (got 'oldest')",
    )
    assert not (tmp_path / "x.json").exists()


def test_stored_reasons_text_expands_to_exactly_the_out_reasons() -> None:
    # the stored text is compact (ids only) and formatted by hand for speed: parsed and expanded with the names it
    # refers to, it must be exactly the --out reasons; ids that need JSON escaping survive the trip
    people, edges = _edge_list()
    # works with venues (one name needs escaping), so shared venues are in the reasons too
    ix = {p: i for i, p in enumerate(people)}
    works = [("a", 2020, 0), ("a", 2021, 1), ("d", 2022, 0), ("e", 2019, 1), ("f", 2023, 0)]
    edges = dataclasses.replace(
        edges,
        n_venues=2,
        work_researcher=np.array([ix[p] for p, _, _ in works]),
        work_year=np.array([y for _, y, _ in works]),
        work_venue=np.array([v for _, _, v in works]),
    )
    inp = discover.DiscoveryInput(
        [p + ' "q" ü\\' if p == "b" else p for p in people],
        ["openalex:T1", "openalex:T2"],
        ["ror:I1", "ror:I2"],
        edges,
        researcher_names=[NAMES[p] + ' "quoted" ü\\' for p in people],
        topic_names=["Graph learning", None],
        institution_names=["Uni One", "Uni Two"],
        venue_names=['J. "Graphs" ü', "Proc. Bibliometrics"],
    )
    graph = linkpred.Graph(edges)
    sugs = [s for _, b in linkpred.suggest(graph, np.arange(len(people)), P) for s in b]
    assert len(sugs) > 10 and any(x.shared_venues for x in sugs)
    names: dict[str, str | None] = dict(zip(inp.researcher_ids, inp.researcher_names, strict=True))
    names.update(zip(inp.topic_ids, inp.topic_names, strict=True))
    names.update(zip(inp.institution_ids, inp.institution_names, strict=True))
    asked: list[dict[str, list[str]]] = []

    def lookup(ids: dict[str, list[str]]) -> dict[str, str | None]:
        asked.append(ids)
        return {i: names[i] for group in ids.values() for i in group}

    stored = [discover.reasons_text(s, inp) for s in sugs]
    assert all(json.loads(t)["v"] == discover.STORED_FORMAT and '"name"' not in t for t in stored)
    assert any('b \\"q\\" ü' in t for t in stored)  # the escaped id is in some stored reasons
    assert discover.expand_all(stored, lookup) == [discover.reasons_for(s, inp) for s in sugs]
    assert len(asked) == 1  # one name lookup for the whole page
    # reasons in any other shape (an older run, another tool) are passed on parsed, untouched
    assert discover.expand_all(['["shared topic: X"]', "not json", None], lookup) == [
        ["shared topic: X"],
        "not json",
        None,
    ]


def test_the_stored_reasons_format_names_the_features_in_the_models_order() -> None:
    """Format 4 stores the score's parts by position: the reader's names must be the model's, in its order
    (a new or moved feature is a new STORED_FORMAT)."""
    from kg.derive import suggestion_reasons

    assert suggestion_reasons.STORED_FEATURES == linkpred.FEATURES
    assert discover.STORED_FORMAT == suggestion_reasons.STORED_FORMAT == 4


def test_lists_stored_in_format_3_still_read() -> None:
    """A list written before format 4 (seven parts, co-authors as [id, share]) expands as it was written."""
    from kg.derive import suggestion_reasons

    old = (
        '{"v":3,"f":[1.2,0.5,0.0,0.0,1.1,0.0,1.6],"w":[3.1,0.4,0.0,0.0,1.1,0.0,-0.9],"o":1.0,"n":1,'
        '"c":[["r:b",1.442695]],"t":[["t:1",0.5]],"i":[],"s":[["J. Graphs",0.25]]}'
    )
    (got,) = suggestion_reasons.expand_all([old], lambda ids: {"r:b": "Bo", "t:1": "Graphs"})
    assert got["parts"] == {**dict(zip(linkpred.FEATURES[:7], [1.2, 0.5, 0.0, 0.0, 1.1, 0.0, 1.6], strict=True)),
                            "open_boost": 1.0}  # fmt: skip
    assert got["contributions"]["degree"] == -0.9 and "common" not in got["contributions"]
    assert got["shared_coauthors"] == [{"id": "r:b", "name": "Bo", "contribution": 1.442695}]
    assert got["summary"] == "1 shared co-author: Bo; both work on Graphs; both publish in J. Graphs"
    new = old.replace('"v":3', '"v":4').replace("1.6]", "1.6,1.0,1.442695]").replace("-0.9]", "0.0,0.4,0.2]")
    new = new.replace("1.442695]]", "1.442695,1]]")
    (got,) = suggestion_reasons.expand_all([new], lambda ids: {"r:b": "Bo", "t:1": "Graphs"})
    assert got["parts"]["open_triangles"] == 1.442695 and got["contributions"]["common"] == 0.4
    assert got["shared_coauthors"] == [{"id": "r:b", "name": "Bo", "contribution": 1.442695, "open": True}]
    assert got["summary"] == (
        "1 shared co-author: Bo; you both wrote with Bo on papers without your other co-authors; both work on Graphs; "
        "both publish in J. Graphs"
    )
