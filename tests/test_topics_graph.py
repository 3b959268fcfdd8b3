"""Topics in the real Neo4j: the taxonomy loaded with exact counts, assigned topics written exactly and
idempotently, source topics untouched, researcher topic profiles, and the `kg topics` commands."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver

from kg import graphdb, topics
from kg.config import Settings
from kg.errors import NotFound
from kg.graphdb import catalog
from kg.taxonomy import load_taxonomy, read_taxonomy
from kg.topic_match import TopicAssigner
from kg.topic_vocab import Vocabulary
from tests.kg_process import run_kg

pytestmark = pytest.mark.neo4j

TINY = Path(__file__).parent / "data" / "topics" / "tiny_topics.csv"


def _q(drv: Driver, s: Settings, cypher: str, **params: Any) -> list[dict[str, Any]]:
    return graphdb.run(drv, cypher, params, settings=s)


def _w(drv: Driver, s: Settings, cypher: str, **params: Any) -> None:
    graphdb.run(drv, cypher, params, write=True, settings=s)


@pytest.fixture(scope="module")
def tiny_assigner() -> TopicAssigner:
    return TopicAssigner(Vocabulary.build(read_taxonomy(TINY)), min_score=1.0)


def _edges(drv: Driver, s: Settings) -> list[tuple[str, str, str, float, Any]]:
    rows = _q(
        drv,
        s,
        "MATCH (w:Work)-[h:HAS_TOPIC]->(t:Topic) "
        "RETURN w.id AS w, t.id AS t, h.method AS m, h.score AS s, h.evidence AS e ORDER BY w, t",
    )
    return [(r["w"], r["t"], r["m"], r["s"], r["e"]) for r in rows]


def test_shared_taxonomy_loads_with_exact_counts_and_part_of_edges(
    graph: Driver, neo4j_settings: Settings, shared_data: Path
) -> None:
    s = neo4j_settings
    path = shared_data / "topics" / "openalex_topics.csv"
    counts = load_taxonomy(graph, path, settings=s)
    assert (counts["topic"], counts["subfield"], counts["field"], counts["domain"]) == (4516, 252, 26, 4)
    by_level = {
        (r["scheme"], r["level"]): (r["nodes"], r["with_parent"])
        for r in graphdb.run(graph, catalog.query("topics/hierarchy_counts"), settings=s)
    }
    assert by_level[("openalex", "topic")] == (4516, 4516)
    assert by_level[("openalex", "subfield")] == (252, 252)
    assert by_level[("openalex", "field")] == (26, 26)
    assert by_level[("openalex", "domain")] == (4, 0)
    assert by_level[("arxiv", "category")] == (counts["category"], counts["category"])
    chain = _q(
        graph,
        s,
        "MATCH p = (:Topic {id: 'openalex:T10001'})-[:PART_OF*3]->(:Topic) "
        "RETURN [n IN nodes(p) | n.id + ' ' + n.level] AS chain",
    )
    assert chain == [
        {
            "chain": [
                "openalex:T10001 topic",
                "openalex:subfield:1908 subfield",
                "openalex:field:19 field",
                "openalex:domain:3 domain",
            ]
        }
    ]
    lg = _q(
        graph,
        s,
        "MATCH (c:Topic {id: 'arxiv:cs.LG'})-[:PART_OF]->(p) RETURN c.name AS name, c.scheme AS scheme, "
        "c.level AS level, p.id AS parent",
    )
    assert lg == [
        {
            "name": "Machine Learning",
            "scheme": "arxiv",
            "level": "category",
            "parent": "openalex:subfield:1702",
        }
    ]
    t = _q(
        graph,
        s,
        "MATCH (t:Topic {id: 'openalex:T10001'}) RETURN t.keywords AS k, t.name AS n, t.sources AS src",
    )
    assert t[0]["n"] == "Geological and Geochemical Analysis"
    assert t[0]["k"][:2] == ["Zircon", "Geochronology"] and len(t[0]["k"]) == 10
    assert t[0]["src"] == ["openalex"]

    # idempotent: a second load leaves the same nodes and edges
    before = _q(
        graph,
        s,
        "MATCH (t:Topic) OPTIONAL MATCH (t)-[r:PART_OF]->() RETURN count(DISTINCT t) AS n, count(r) AS e",
    )
    assert load_taxonomy(graph, path, settings=s) == counts
    after = _q(
        graph,
        s,
        "MATCH (t:Topic) OPTIONAL MATCH (t)-[r:PART_OF]->() RETURN count(DISTINCT t) AS n, count(r) AS e",
    )
    assert (
        before
        == after
        == [{"n": 4516 + 252 + 26 + 4 + counts["category"], "e": 4516 + 252 + 26 + counts["category"]}]
    )


def test_a_reload_moves_a_topic_to_its_new_parent(
    graph: Driver, neo4j_settings: Settings, tmp_path: Path
) -> None:
    s = neo4j_settings
    load_taxonomy(graph, TINY, settings=s)
    moved = tmp_path / "moved.csv"
    moved.write_text(
        TINY.read_text(encoding="utf-8").replace(
            "90001,Graph Learning Methods,Graph Learning Methods,1702,Artificial Intelligence",
            "90001,Graph Learning Methods,Graph Learning Methods,1707,Computer Vision and Pattern Recognition",
        ),
        encoding="utf-8",
    )
    load_taxonomy(graph, moved, settings=s)
    parents = _q(graph, s, "MATCH (:Topic {id: 'openalex:T90001'})-[:PART_OF]->(p) RETURN p.id AS p")
    assert parents == [{"p": "openalex:subfield:1707"}]


def test_ensure_topic_nodes_completes_a_taxonomy_the_graph_holds_only_part_of(
    graph: Driver, neo4j_settings: Settings
) -> None:
    """Assigned topics need the whole taxonomy. A graph whose only topics came with works' records, or whose
    taxonomy load was killed part way (topics without their parent edge), gets the taxonomy loaded whole; a graph
    that holds it whole is left alone."""
    s = neo4j_settings.model_copy(update={"taxonomy_path": TINY})

    def held() -> list[dict[str, Any]]:
        return _q(
            graph,
            s,
            "MATCH (t:Topic) OPTIONAL MATCH (t)-[:PART_OF]->(p) RETURN t.id AS id, p.id AS parent ORDER BY id",
        )

    load_taxonomy(graph, TINY, settings=s)
    whole_graph = held()
    assert len(whole_graph) == len(read_taxonomy(TINY).nodes)
    assert sum(r["parent"] is not None for r in whole_graph) > 5

    # killed part way: the last topics written lost their parent edges
    _w(
        graph,
        s,
        "MATCH (t:Topic {level: 'topic'})-[r:PART_OF]->() WITH r ORDER BY t.id DESC LIMIT 2 DELETE r",
    )
    assert held() != whole_graph
    topics.ensure_topic_nodes(graph, settings=s)
    assert held() == whole_graph

    # only the topics works brought (no hierarchy): the taxonomy is loaded
    _w(graph, s, "MATCH (t:Topic) DETACH DELETE t")
    _w(
        graph,
        s,
        "CREATE (:Topic {id: 'openalex:T90001', name: 'Graph Learning Methods', scheme: 'openalex', level: 'topic'})",
    )
    topics.ensure_topic_nodes(graph, settings=s)
    assert held() == whole_graph

    # whole: nothing is written (a marker property set by hand survives)
    _w(graph, s, "MATCH (t:Topic {id: 'openalex:T90001'}) SET t.name = 'renamed by hand'")
    topics.ensure_topic_nodes(graph, settings=s)
    assert _q(graph, s, "MATCH (t:Topic {id: 'openalex:T90001'}) RETURN t.name AS n") == [
        {"n": "renamed by hand"}
    ]


def _small_graph(drv: Driver, s: Settings) -> None:
    load_taxonomy(drv, TINY, settings=s)
    _w(
        drv,
        s,
        """
        CREATE (:Work {id: 'arxiv:1', title: 'Graph neural networks for node classification',
                       abstract: 'We study message passing.', categories: ['LG']})
        CREATE (w2:Work {id: 'openalex:W2', title: 'Graph neural networks again', abstract: null})
        CREATE (:Work {id: 'title:3', title: 'On the weather in spring', abstract: 'Birds sing.'})
        WITH w2
        MATCH (t:Topic {id: 'openalex:T90003'})
        CREATE (w2)-[:HAS_TOPIC {score: 0.9, method: 'source', evidence: 'openalex'}]->(t)
        """,
    )


def test_assign_for_works_writes_exact_edges_and_is_idempotent(
    graph: Driver, neo4j_settings: Settings, tiny_assigner: TopicAssigner
) -> None:
    s = neo4j_settings
    _small_graph(graph, s)
    # a stale edge from an earlier method version is replaced
    _w(
        graph,
        s,
        "MATCH (w:Work {id: 'arxiv:1'}), (t:Topic {id: 'openalex:T90006'}) "
        "CREATE (w)-[:HAS_TOPIC {score: 0.5, method: 'vocab-v0', evidence: ['old']}]->(t)",
    )
    ids = ["arxiv:1", "openalex:W2", "title:3"]
    expected = tiny_assigner.assign(
        "Graph neural networks for node classification", "We study message passing.", ["LG"]
    )
    assert [a.topic_id for a in expected] == ["openalex:T90001"]
    assert topics.assign_for_works(graph, ids, assigner=tiny_assigner, settings=s) == 1
    first = _edges(graph, s)
    assert first == [
        (
            "arxiv:1",
            "openalex:T90001",
            "vocab-v1",
            expected[0].score,
            ["graph neural networks", "node classification", "message passing"],
        ),
        ("openalex:W2", "openalex:T90003", "source", 0.9, "openalex"),
    ]
    kp = _q(graph, s, "MATCH (w:Work) RETURN w.id AS id, w.keyphrases AS kp ORDER BY id")
    assert kp[0]["kp"][0] == "graph neural networks"
    assert kp[1]["kp"] == ["graph neural networks"]  # source topics kept, keyphrases added
    assert kp[2]["kp"] == ["birds sing", "spring", "weather"]

    assert topics.assign_for_works(graph, ids, assigner=tiny_assigner, settings=s) == 1
    assert _edges(graph, s) == first


def test_work_ids_to_assign_and_show(
    graph: Driver, neo4j_settings: Settings, tiny_assigner: TopicAssigner
) -> None:
    s = neo4j_settings
    _small_graph(graph, s)
    assert topics.work_ids_to_assign(graph, settings=s) == ["arxiv:1", "title:3"]
    assert topics.work_ids_to_assign(graph, everything=True, settings=s) == [
        "arxiv:1",
        "openalex:W2",
        "title:3",
    ]
    topics.assign_for_works(graph, ["arxiv:1"], assigner=tiny_assigner, settings=s)
    info = topics.show_work_topics(graph, "arxiv:1", settings=s)
    assert info["title"] == "Graph neural networks for node classification"
    assert [(t["id"], t["name"], t["level"], t["method"]) for t in info["topics"]] == [
        ("openalex:T90001", "Graph Learning Methods", "topic", "vocab-v1")
    ]
    with pytest.raises(NotFound):
        topics.show_work_topics(graph, "doi:10.1/none", settings=s)


def test_researcher_profiles_are_weighted_and_replaced(
    graph: Driver, neo4j_settings: Settings, tiny_assigner: TopicAssigner
) -> None:
    s = neo4j_settings
    _small_graph(graph, s)
    _w(
        graph,
        s,
        """
        MATCH (w1:Work {id: 'arxiv:1'}), (w2:Work {id: 'openalex:W2'}), (w3:Work {id: 'title:3'})
        MATCH (t:Topic {id: 'openalex:T90002'}), (t6:Topic {id: 'openalex:T90006'})
        CREATE (a:Researcher {id: 'orcid:A'})-[:AUTHORED {position: 1}]->(w1)
        CREATE (a)-[:AUTHORED {position: 1}]->(w2)
        CREATE (a)-[:AUTHORED {position: 1}]->(w3)
        CREATE (b:Researcher {id: 'orcid:B'})-[:AUTHORED {position: 2}]->(w2)
        CREATE (a)-[:WORKS_ON {weight: 9.0, works: 9}]->(t6)
        CREATE (w2)-[:HAS_TOPIC {score: 0.3, method: 'source', evidence: 'openalex'}]->(t)
        """,
    )
    topics.assign_for_works(graph, ["arxiv:1", "title:3"], assigner=tiny_assigner, settings=s)
    assert topics.refresh_researcher_topics(graph, None, settings=s) == 2

    def profile() -> list[tuple[str, str, float, int, int]]:
        rows = _q(
            graph,
            s,
            "MATCH (r:Researcher)-[e:WORKS_ON]->(t:Topic) RETURN r.id AS r, t.id AS t, e.weight AS w, "
            "e.works AS n, e.top_works AS top ORDER BY r, t",
        )
        return [(r["r"], r["t"], r["w"], r["n"], r["top"]) for r in rows]

    # W2 spreads one unit as 0.9 : 0.3 over T90003 and T90002; arxiv:1 gives T90001 a whole unit;
    # the stale WORKS_ON to T90006 is gone.
    expected = [
        ("orcid:A", "openalex:T90001", 1.0, 1, 1),
        ("orcid:A", "openalex:T90002", 0.25, 1, 0),
        ("orcid:A", "openalex:T90003", 0.75, 1, 1),
        ("orcid:B", "openalex:T90002", 0.25, 1, 0),
        ("orcid:B", "openalex:T90003", 0.75, 1, 1),
    ]
    assert profile() == expected
    assert topics.refresh_researcher_topics(graph, ["orcid:B"], settings=s) == 1
    assert profile() == expected


def test_kg_topics_commands(graph: Driver, neo4j_settings: Settings, cli_env: dict[str, str]) -> None:
    s = neo4j_settings
    out = subprocess.run(
        [sys.executable, "-m", "kg.cli", "topics", "load", str(TINY)],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == "topics loaded: 1 domains, 1 fields, 2 subfields, 7 topics, " + (
        f"{len(read_taxonomy(TINY).by_level('category'))} arXiv categories"
    )
    _w(
        graph,
        s,
        "CREATE (:Work {id: 'arxiv:9', title: 'Semantic segmentation of roads', abstract: 'Roads.'})",
    )
    shown = subprocess.run(
        [sys.executable, "-m", "kg.cli", "topics", "show", "arxiv:9", "--json"],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == {
        "id": "arxiv:9",
        "title": "Semantic segmentation of roads",
        "keyphrases": [],
        "topics": [],
    }
    missing = subprocess.run(
        [sys.executable, "-m", "kg.cli", "topics", "show", "arxiv:404"],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert missing.returncode == 1
    assert missing.stderr.strip() == "error: no work with id arxiv:404"


def test_kg_topics_show_prints_a_source_topic_s_evidence_as_one_word(
    graph: Driver, neo4j_settings: Settings, cli_env: dict[str, str]
) -> None:
    """A source topic's evidence is the source's name, stored as one string: it was printed letter by letter
    ("evidence: o, p, e, n, a, l, e, x") for every OpenAlex work."""
    _small_graph(graph, neo4j_settings)
    shown = run_kg(["topics", "show", "openalex:W2"], env=cli_env, timeout=300)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines() == [
        "openalex:W2  Graph neural networks again",
        "  0.900  openalex:T90003  Pixel Labelling  [topic, source]",
        "         evidence: openalex",
    ]


def test_kg_topics_assign_by_work_and_all(
    graph: Driver, neo4j_settings: Settings, cli_env: dict[str, str], tmp_path: Path
) -> None:
    s = neo4j_settings
    data = tmp_path / "data"
    (data / "topics").mkdir(parents=True)
    (data / "topics" / "openalex_topics.csv").write_text(TINY.read_text(encoding="utf-8"), encoding="utf-8")
    env = {**cli_env, "KG_DATA_DIR": str(data)}
    _small_graph(graph, s)
    _w(
        graph,
        s,
        "MATCH (w:Work {id: 'arxiv:1'}) CREATE (:Researcher {id: 'orcid:A'})-[:AUTHORED {position: 1}]->(w)",
    )

    def kg(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "kg.cli", "topics", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    one = kg("assign", "--work", "arxiv:1")
    assert one.returncode == 0, one.stderr
    assert one.stdout.splitlines() == [
        "topics assigned to 1 of 1 works (vocab-v1)",
        "researcher topic profiles refreshed: 1",
    ]
    first = _edges(graph, s)
    assert [(w, t, m) for w, t, m, _, _ in first] == [
        ("arxiv:1", "openalex:T90001", "vocab-v1"),
        ("openalex:W2", "openalex:T90003", "source"),
    ]
    everything = kg("assign", "--all", "--no-profiles")
    assert everything.returncode == 0, everything.stderr
    assert everything.stdout.splitlines() == ["topics assigned to 1 of 3 works (vocab-v1)"]
    assert _edges(graph, s) == first
    works_on = _q(
        graph, s, "MATCH (:Researcher {id: 'orcid:A'})-[e:WORKS_ON]->(t) RETURN t.id AS t, e.weight AS w"
    )
    assert works_on == [{"t": "openalex:T90001", "w": 1.0}]
    both = kg("assign", "--all", "--work", "arxiv:1")
    assert both.returncode == 1
    assert both.stderr.strip() == "error: give either --all or --work, not both"


@pytest.fixture(scope="module")
def learned_assigner() -> topics.LearnedAssigner:
    from kg import topic_train
    from tests.topic_fixtures import LABELED, TWO_FIELDS

    corpus = topic_train.build_corpus(TWO_FIELDS, LABELED)
    return topics.LearnedAssigner(topic_train.train(corpus), corpus.extractor)


def test_learned_assigner_reads_graph_context_and_writes_scored_edges(
    graph: Driver, neo4j_settings: Settings, learned_assigner: topics.LearnedAssigner
) -> None:
    from tests.topic_fixtures import TWO_FIELDS

    s = neo4j_settings
    load_taxonomy(graph, TWO_FIELDS, settings=s)
    _w(
        graph,
        s,
        """
        MATCH (fin:Topic {id: 'openalex:T92002'}), (bio:Topic {id: 'openalex:T92001'})
        CREATE (new:Work {id: 'doi:10.1/new', title: 'Who pays for nature?',
                          abstract: 'Landowners receive payments for ecosystem services.', venue: 'Ecology Letters'})
        CREATE (cited:Work {id: 'openalex:W10', title: 'Biodiversity offsets'})
        CREATE (other:Work {id: 'openalex:W11', title: 'Reserves and birds'})
        CREATE (new)-[:CITES]->(cited)
        CREATE (cited)-[:HAS_TOPIC {score: 0.99, method: 'source', evidence: 'openalex'}]->(fin)
        CREATE (other)-[:HAS_TOPIC {score: 0.97, method: 'source', evidence: 'openalex'}]->(bio)
        CREATE (r:Researcher {id: 'orcid:R'})-[:AUTHORED {position: 1}]->(new)
        CREATE (r)-[:AUTHORED {position: 1}]->(other)
        CREATE (new)-[:HAS_TOPIC {score: 0.5, method: 'vocab-v1', evidence: ['stale']}]->(bio)
        """,
    )
    rows = graphdb.run(
        graph,
        catalog.query("topics/works_to_assign"),
        {"ids": ["doi:10.1/new"], "source": "source", "scheme": "openalex", "context_limit": 50},
        settings=s,
    )
    topic_rows, ctx = topics.graph_rows(rows)
    assert topic_rows[0].references == ("openalex:W10",)
    assert topic_rows[0].author_ids == ("orcid:R",)
    assert ctx.work_topics == {
        "openalex:W10": [("openalex:T92002", 1.0)],
        "openalex:W11": [("openalex:T92001", 1.0)],
    }
    assert ctx.author_works == {"orcid:R": ["openalex:W11"]}

    assert topics.assign_for_works(graph, ["doi:10.1/new"], assigner=learned_assigner, settings=s) == 1
    first = _edges(graph, s)
    new_edges = [e for e in first if e[0] == "doi:10.1/new"]
    assert {m for _, _, m, _, _ in new_edges} == {"learned-v1"}  # the stale vocab-v1 edge is gone
    expected = learned_assigner.assign_rows(topic_rows, ctx)[0][0]
    assert [(t, sc) for _, t, _, sc, _ in sorted(new_edges, key=lambda e: -e[3])] == [
        (x.topic_id, x.score) for x in expected
    ]
    assert expected[0].topic_id == "openalex:T92002"
    assert "cited works (100%)" in expected[0].evidence
    # source edges are untouched, and a second run writes the same edges
    assert ("openalex:W10", "openalex:T92002", "source", 0.99, "openalex") in first
    topics.assign_for_works(graph, ["doi:10.1/new"], assigner=learned_assigner, settings=s)
    assert _edges(graph, s) == first
    shown = topics.show_work_topics(graph, "doi:10.1/new", settings=s)
    assert [t["score"] for t in shown["topics"]] == sorted((x.score for x in expected), reverse=True)
