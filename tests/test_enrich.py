"""`kg enrich` on the seed profile against the replay server: strict matches only, then the profile's works gain their
author lists and the researcher gains co-authors (real Neo4j). Never the internet."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver

from kg import graphdb
from kg.config import Settings
from kg.models import WorkRecord
from kg.sources import parsers
from kg.sources.harvest.enrich import Target, strict_mismatch, targets_from_records, title_phrase
from tests.replay_server import ReplayServer, Reply, replay_server

pytestmark = pytest.mark.shared_data

SEED = "seeds/000_f2563290c831939d.txt"
HANDWRITTEN = Path(__file__).parent / "data" / "replay" / "arxiv_handwritten"


def serve_seed_answers(srv: ReplayServer, shared: Path) -> None:
    """arXiv title searches for the nine seed works: hand-written answers for the seven whose author lists were
    checked (tests/data/replay/arxiv_handwritten/README.md); for the other two, real recorded arXiv answers that
    must not match: an empty feed, and a feed of ten other papers."""
    targets = list(targets_from_records(parsers.iter_records([shared / SEED])))
    by_title = {}
    for f in HANDWRITTEN.glob("*.xml"):
        rec = next(r for r in parsers.iter_records([f]) if isinstance(r, WorkRecord))
        by_title[rec.title] = f.read_text()
    atom = shared / "arxiv" / "atom"
    empty = next(atom.glob("id_0000.0000_*.xml")).read_text()
    others = next(atom.glob("q_testing_s0_m10_*.xml")).read_text()
    for t in targets:
        body = by_title.get(t.title) or (others if t.title.startswith("DualKV") else empty)
        srv.add("/api/query", Reply.text(body), query={"search_query": f'ti:"{title_phrase(t.title)}"'})


def kg(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", *args], env=env, capture_output=True, text=True, timeout=600
    )


def test_strict_match_needs_title_year_and_the_person(shared_data: Path) -> None:
    rec = next(r for r in parsers.iter_records([HANDWRITTEN / "2004.08532.xml"]) if isinstance(r, WorkRecord))
    t = Target(
        ref="x", title="DGL-KE: training knowledge graph embeddings at scale", year=2020, person="Xiang Song"
    )
    assert strict_mismatch(t, rec) is None
    assert strict_mismatch(Target("x", t.title, 2020, person="Xiang Song", arxiv="2004.08533"), rec) == (
        "arXiv id 2004.08532 is not 2004.08533"
    )
    assert strict_mismatch(Target("x", t.title, 2023, person="Xiang Song"), rec) == "year 2020 is not 2023±1"
    assert (
        strict_mismatch(Target("x", t.title, 2020, person="Xin Song"), rec)
        == "Xin Song is not among its 9 authors"
    )
    assert strict_mismatch(
        Target("x", "DGL-KE: Training Knowledge Graph Embeddings", 2020, person="Xiang Song"), rec
    ) == ("title differs ('DGL-KE: Training Knowledge Graph Embeddings at Scale')")
    assert strict_mismatch(Target("x", t.title, 2020), rec) == "no researcher name to confirm a title match"
    # an id settles it whatever the title says
    assert strict_mismatch(Target("x", "DGL-KE (preprint)", None, arxiv="2004.08532"), rec) is None


def env_for(srv: ReplayServer, cli_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return {
        **cli_env,
        "KG_ARXIV_API": f"{srv.url}/api/query",
        "KG_ARXIV_DELAY": "0",
        "KG_HARVEST_DIR": str(tmp_path),
        "COLUMNS": "250",
    }


@pytest.mark.neo4j
def test_enrich_the_seed_profile_gives_its_works_author_lists_and_the_researcher_co_authors(
    graph: Driver, neo4j_settings: Settings, cli_env: dict[str, str], shared_data: Path, tmp_path: Path
) -> None:
    s = neo4j_settings

    def q(cypher: str, **params: Any) -> list[dict[str, Any]]:
        return graphdb.run(graph, cypher, params, settings=s)

    seed = str(shared_data / SEED)
    with replay_server() as srv:
        serve_seed_answers(srv, shared_data)
        env = env_for(srv, cli_env, tmp_path)
        loaded = kg(["load", seed], env)
        assert loaded.returncode == 0, loaded.stderr
        person = q("MATCH (r:Researcher {name: 'Xiang Song'}) RETURN r.id AS id")[0]["id"]
        assert person == "profile:song|xiang"  # the id the README's example uses
        assert q("MATCH ()-[a:AUTHORED]->() RETURN count(a) AS n")[0]["n"] == 9  # titles only: no co-authors

        dry = kg(["enrich", "--researcher", person, "--source", "arxiv", "--dry-run"], env)
        assert dry.returncode == 0, dry.stderr
        out = dry.stdout.splitlines()
        assert "7 of 9 works matched" in out and "dry run: nothing loaded" in out
        assert (
            "match  DGL-KE: Training Knowledge Graph Embeddings at Scale → arxiv:2004.08532 (arxiv, 2020, 9 authors)"
            in out
        )
        dual = next(x for x in out if x.startswith("none   DualKV"))
        assert "arxiv: 10 found, none strict (title differs" in dual  # ten real papers, none of them this one
        hybrid = next(x for x in out if x.startswith("none   Distributed Hybrid CPU"))
        assert hybrid.endswith("arxiv: nothing found")
        assert q("MATCH ()-[a:AUTHORED]->() RETURN count(a) AS n")[0]["n"] == 9  # the dry run changed nothing

        done = kg(["enrich", "--researcher", person, "--source", "arxiv"], env)
        assert done.returncode == 0, done.stderr + done.stdout
        asked = len(srv.requests_to("/api/query"))
    assert asked == 18  # nine searches for the dry run, nine for the real one

    works = q(
        "MATCH (r:Researcher {id: $id})-[:AUTHORED]->(w:Work) "
        "RETURN w.id AS id, w.title AS title, COUNT { (w)<-[:AUTHORED]-() } AS authors ORDER BY id",
        id=person,
    )
    assert [(w["id"], w["authors"]) for w in works if not w["id"].startswith("title:")] == [
        ("arxiv:1909.01315", 15),
        ("arxiv:2004.08532", 9),
        ("arxiv:2005.10831", 9),
        ("arxiv:2007.12731", 9),
        ("arxiv:2203.14883", 6),
        ("arxiv:2205.12318", 4),
        ("arxiv:2206.10781", 9),
    ]
    assert sorted(w["title"] for w in works if w["id"].startswith("title:")) == [
        "Distributed Hybrid CPU and GPU training for Graph Neural Networks on Billion-Scale Graphs",
        "DualKV: Shared-Prompt Flash Attention for Efficient RL Training with Large Rollouts and Long Contexts",
    ]
    dglke = q(
        "MATCH (r:Researcher)-[a:AUTHORED]->(:Work {id: 'arxiv:2004.08532'}) RETURN a.position AS p, r.id AS id, "
        "r.name AS name ORDER BY p"
    )
    assert [x["name"] for x in dglke] == [
        "Da Zheng",
        "Xiang Song",
        "Chao Ma",
        "Zeyuan Tan",
        "Zihao Ye",
        "Jin Dong",
        "Hao Xiong",
        "Zheng Zhang",
        "George Karypis",
    ]
    assert dglke[1]["id"] == person  # the profile's person is the arXiv list's "Xiang Song"
    coauthors = q(
        "MATCH (:Researcher {id: $id})-[c:COAUTHOR]-(o:Researcher) RETURN o.name AS name, c.shared_works AS n "
        "ORDER BY n DESC, name",
        id=person,
    )
    top = {c["name"]: c["n"] for c in coauthors}
    assert top["George Karypis"] == 6 and top["Da Zheng"] == 4 and top["Zheng Zhang"] == 3
    assert len(coauthors) == len({a for a in top}) > 40


def test_enrich_a_profile_file_dry_run_needs_no_database(shared_data: Path, tmp_path: Path) -> None:
    with replay_server() as srv:
        serve_seed_answers(srv, shared_data)
        env = {
            **os.environ,
            "KG_ARXIV_API": f"{srv.url}/api/query",
            "KG_ARXIV_DELAY": "0",
            "KG_HARVEST_DIR": str(tmp_path),
            "KG_NEO4J_URI": "bolt://127.0.0.1:9",  # nothing listens there: a dry run never asks
        }
        dry = kg(["enrich", str(shared_data / SEED), "--source", "arxiv", "--dry-run", "--keep-answers"], env)
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.splitlines()
    assert [x.split(" → ")[1] for x in lines if x.startswith("match")] == [
        "arxiv:2205.12318 (arxiv, 2022, 4 authors)",  # in the page's order
        "arxiv:2206.10781 (arxiv, 2022, 9 authors)",
        "arxiv:2203.14883 (arxiv, 2022, 6 authors)",
        "arxiv:2007.12731 (arxiv, 2020, 9 authors)",
        "arxiv:1909.01315 (arxiv, 2019, 15 authors)",
        "arxiv:2004.08532 (arxiv, 2020, 9 authors)",
        "arxiv:2005.10831 (arxiv, 2020, 9 authors)",
    ]
    assert "7 of 9 works matched" in lines
    kept = list((tmp_path / "answers").glob("enrich-answers-*.jsonl.gz"))
    assert len(kept) == 1 and not list(
        tmp_path.glob("enrich-2*.jsonl.gz")
    )  # answers kept, nothing to load written
