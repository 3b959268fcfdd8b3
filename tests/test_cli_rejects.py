"""Commands that read inputs through the parsers name each reject as `kg load` does (one line on stderr naming the
file and line, the rest used), count it in their summary, and exit 3 as `kg load` does for "some rejects, rest
ok". `kg topics train`, `kg topics eval` and `kg enrich` skipped a broken line without a word."""

from __future__ import annotations

import json
import os
from pathlib import Path

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


def test_enrich_names_a_broken_line_when_no_load_follows(tmp_path: Path) -> None:
    """A dry run, and a file with no work to enrich: no load names the file's rejects, so enrich does (a real run
    leaves them to the load it ends with, which names them once and keeps them in its rejects file)."""
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

    authored = {
        "id": "https://openalex.org/W1",
        "display_name": "A work with its authors",
        "authorships": [{"author": {"id": "https://openalex.org/A1", "display_name": "Ann Lee"}}],
    }
    _works_with_a_cut_line(
        tmp_path, [json.dumps({**authored, "id": f"https://openalex.org/W{i}"}) for i in (1, 2, 3)]
    )
    nothing = run_kg(["enrich", "works.jsonl"], cwd=tmp_path, env=env)
    assert nothing.returncode == 3, nothing.stderr
    assert nothing.stderr.splitlines() == [CUT_SAID]
    assert nothing.stdout.splitlines() == [
        "no works to enrich (every work already has its authors); 1 record(s) rejected"
    ]
