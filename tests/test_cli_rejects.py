"""Commands that read inputs through the parsers name each reject as `kg load` does (one line on stderr naming the
file and line, the rest used), count it in their summary, and exit 3 as `kg load` does for "some rejects, rest
ok". `kg topics train`, `kg topics eval` and `kg enrich` skipped a broken line without a word."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from neo4j import Driver

from kg import graphdb
from kg.config import Settings
from tests.kg_process import run_kg
from tests.replay_server import Reply, replay_server
from tests.topic_fixtures import LABELED, TWO_FIELDS, openalex_line

CUT = '{"id": "https://openalex.org/W99", "title": "cut'
CUT_SAID = "rejected works.jsonl:4: invalid JSON: Unterminated string starting at (column 45)"
# an arXiv answer with no entries: every title lookup finds nothing
EMPTY_FEED = (
    '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
    'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"><opensearch:totalResults>0</opensearch:totalResults>'
    "</feed>"
)


def _works_with_a_cut_line(folder: Path, lines: list[str]) -> None:
    """LINES as works.jsonl, with a line cut short as its 4th."""
    (folder / "works.jsonl").write_text("\n".join([*lines[:3], CUT, *lines[3:]]) + "\n", encoding="utf-8")


def _topics_with_a_cut_line(folder: Path, *args: str) -> list[str]:
    """`kg topics ARGS` on works.jsonl and the two-field taxonomy: it exits 3, the cut line named on stderr alone;
    the lines it printed."""
    env = {**os.environ, "KG_DATA_DIR": str(folder / "none")}
    res = run_kg(["topics", *args, "works.jsonl", "--taxonomy", str(TWO_FIELDS)], cwd=folder, env=env)
    assert (res.returncode, res.stderr.splitlines()) == (3, [CUT_SAID]), res.stderr
    return res.stdout.splitlines()


def test_topics_train_and_eval_name_a_broken_line_and_count_it(tmp_path: Path) -> None:
    _works_with_a_cut_line(tmp_path, [openalex_line(w, "t") for w in LABELED])
    trained = _topics_with_a_cut_line(tmp_path, "train", "--out", "m.npz")
    size = (tmp_path / "m.npz").stat().st_size / 1e6
    assert trained == [
        f"topic model written to m.npz ({size:.1f} MB): 12 openalex works, 6 topics; 1 record(s) rejected"
    ]
    evaluated = _topics_with_a_cut_line(tmp_path, "eval", "--folds", "3")
    assert evaluated[0] == "12 works, 3-fold cross-validation by work; 1 record(s) rejected"


def test_enrich_dry_run_names_a_broken_line_as_no_load_follows(tmp_path: Path) -> None:
    """A dry run loads nothing, so no load names the file's rejects: enrich does (a real run leaves them to the
    load it ends with, which names them once and keeps them in its rejects file)."""
    env = {
        **os.environ,
        "KG_NEO4J_URI": "bolt://127.0.0.1:9",
        "KG_HARVEST_DIR": str(tmp_path / "harvest"),
    }  # no database
    _works_with_a_cut_line(tmp_path, [openalex_line(w, "t") for w in LABELED])  # no authors: 12 to look up
    with replay_server() as srv:
        srv.add("/api/query", Reply.text(EMPTY_FEED))
        env |= {"KG_ARXIV_API": f"{srv.url}/api/query", "KG_ARXIV_DELAY": "0"}
        dry = run_kg(["enrich", "works.jsonl", "--source", "arxiv", "--dry-run"], cwd=tmp_path, env=env)
    assert dry.returncode == 3, dry.stderr
    assert dry.stderr.splitlines() == [CUT_SAID]
    assert dry.stdout.splitlines()[-2:] == [
        "0 of 12 works matched; 1 record(s) rejected",
        "dry run: nothing loaded",
    ]


@pytest.mark.neo4j
def test_enrich_with_nothing_to_enrich_still_loads_the_file(
    graph: Driver, neo4j_settings: Settings, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """Every work has its authors: enrich says so, then loads the file as it does after enriching; the cut line
    is named once, by that load, and kept in its rejects file."""
    authored = {"authorships": [{"author": {"id": "https://openalex.org/A1", "display_name": "Ann Lee"}}]}
    _works_with_a_cut_line(
        tmp_path,
        [
            json.dumps({**authored, "id": f"https://openalex.org/W{i}", "display_name": f"Authored work {i}"})
            for i in (1, 2, 3)
        ],
    )
    env = {**cli_env, "KG_HARVEST_DIR": str(tmp_path / "harvest")}  # nothing to look up: no source is asked
    nothing = run_kg(["enrich", "works.jsonl"], cwd=tmp_path, env=env)
    assert nothing.returncode == 3, nothing.stderr
    assert [x for x in nothing.stderr.splitlines() if "works.jsonl" in x] == [CUT_SAID]
    out = nothing.stdout.splitlines()
    assert out[0] == "no works to enrich (every work already has its authors)"
    assert out[1].startswith("load run run:") and ": read 4, loaded 3, rejected 1 " in out[1]
    (kept,) = tmp_path.glob("rejects-*.jsonl")
    assert [json.loads(x)["line"] for x in kept.read_text().splitlines()] == [4]
    works = graphdb.run(
        graph,
        "MATCH (w:Work)<-[:AUTHORED]-(r:Researcher) RETURN w.id AS id, w.title AS title, r.name AS name "
        "ORDER BY id",
        settings=neo4j_settings,
    )
    assert [(w["id"], w["title"], w["name"]) for w in works] == [
        (f"openalex:W{i}", f"Authored work {i}", "Ann Lee") for i in (1, 2, 3)
    ]
