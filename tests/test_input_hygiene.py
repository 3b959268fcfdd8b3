"""Smaller reliability promises (issue 24): types coerced where the meaning is clear, NUL bytes and bidi controls
removed with a note, blank names reported, an unwritable rejects file or a full disk said in one line with what was
saved, and HEAD answered wherever GET is."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from api.config import ApiSettings
from api.main import create_app
from kg import graphdb
from kg.config import REPO_ROOT, Settings
from kg.sources.parsers import iter_records
from tests.kg_process import run_kg, without_dac_override

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "\u202eSmith" draws as "htimS"


def _work(n: int, **extra: object) -> dict[str, object]:
    return {
        "id": f"https://openalex.org/W{8000 + n}",
        "title": f"Hygiene paper {n}",
        "publication_year": 2019,
        "authorships": [
            {"author": {"display_name": f"Clean Author{n}"}, "raw_author_name": f"Clean Author{n}"}
        ],
        **extra,
    }


def _jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


# ---- types ----------------------------------------------------------------------------------------------------


def test_a_year_given_as_a_string_is_a_year_and_a_word_is_a_clear_reject(tmp_path: Path) -> None:
    path = _jsonl(
        tmp_path / "w.jsonl",
        [
            _work(1, publication_year="2020"),
            _work(2, publication_year=" 1999 "),
            _work(3, publication_year="twenty"),
        ],
    )
    out = list(iter_records([path]))
    assert [(o.kind, getattr(o, "year", None)) for o in out[:2]] == [("work", 2020), ("work", 1999)]
    assert out[2].message == f"{path}:3: publication_year 'twenty' is not a year"


def test_arxiv_metadata_with_a_broken_date_is_a_clear_reject(tmp_path: Path) -> None:
    row = {"id": "2101.00001", "title": "Dated", "authors_parsed": [["Smith", "Jo", ""]], "submitter": "x"}
    path = _jsonl(
        tmp_path / "m.jsonl",
        [{**row, "versions": [{"created": "not a date"}]}, {**row, "update_date": "20xx-01-01"}],
    )
    assert [o.message for o in iter_records([path])] == [
        f"{path}:1: versions.0.created 'not a date' is not a date",
        f"{path}:2: update_date '20xx' is not a year",
    ]


# ---- NUL bytes, control and bidi characters ------------------------------------------------------------------


def test_a_nul_byte_early_in_a_csv_does_not_reject_the_file_and_none_lands_in_titles_or_names(
    tmp_path: Path,
) -> None:
    works = ["work_id,title,year,venue,doi,arxiv_id,abstract", "w1,Nul\x00 in the first row,2020,,,,"]
    works += [f"w{i},Filler paper {i},2020,,,,{'abstract text ' * 60}" for i in range(2, 40)]  # past 8 KB
    works.append("w40,Late \x00nul,2021,,,,")
    (tmp_path / "works.csv").write_text("\n".join(works) + "\n", encoding="utf-8")
    auths = [
        "work_id,author_id,author_name,position,institution_id,institution_name",
        "w1,,Ada\x00 Lovelace,1,,",
    ]
    auths += [f"w{i},,Filler Author{i},1,," for i in range(2, 41)]
    (tmp_path / "authorships.csv").write_text("\n".join(auths) + "\n", encoding="utf-8")
    assert (tmp_path / "works.csv").stat().st_size > 8192

    result = run_kg(["parse", "."], cwd=tmp_path)
    out = [json.loads(line) for line in result.stdout.splitlines()]
    works_out = [o for o in out if o["kind"] == "work"]
    assert len(works_out) == 40
    assert works_out[0]["title"] == "Nul in the first row"
    assert works_out[0]["authors"][0]["name"] == "Ada Lovelace"
    assert works_out[-1]["title"] == "Late nul"
    assert "\\u0000" not in result.stdout
    notes = [(o["file"], o["line"], o["reason"], o["note"]) for o in out if o["kind"] == "reject"]
    assert notes == [
        (
            "works.csv",
            2,
            "loaded after repair: title (control characters removed), authors.0.name (control characters removed)",
            True,
        ),
        ("works.csv", 41, "loaded after repair: title (control characters removed)", True),
    ]
    assert result.stderr.splitlines()[-1] == "40 parsed, 0 rejected, 2 loaded after repair"
    assert result.returncode == 3


def test_bidi_controls_are_removed_from_names_and_titles_at_parse_time(tmp_path: Path) -> None:
    name = f"Ali {RLO}Hassan"
    path = _jsonl(
        tmp_path / "w.jsonl",
        [
            _work(
                1, title=f"Title {RLO}reversed\u2066 isolated\u2069", authorships=[{"raw_author_name": name}]
            )
        ],
    )
    (work,) = list(iter_records([path]))
    assert work.title == "Title reversed isolated"
    assert [a.name for a in work.authors] == ["Ali Hassan"]
    # a plain direction mark cannot reorder text and stays (it is part of how some sources write Arabic names)
    rlm = _jsonl(tmp_path / "m.jsonl", [_work(2, authorships=[{"raw_author_name": "\u200fعلي حسن"}])])
    assert [a.name for a in next(iter(iter_records([rlm]))).authors] == ["\u200fعلي حسن"]


@pytest.mark.neo4j
def test_the_api_shows_names_without_bidi_controls(
    tmp_path: Path, graph: Driver, neo4j_settings: Settings, cli_env: dict[str, str]
) -> None:
    _jsonl(
        tmp_path / "w.jsonl",
        [
            _work(
                1,
                authorships=[
                    {"author": {"id": "https://openalex.org/A77"}, "raw_author_name": f"{RLO}Mallory Evil"}
                ],
            )
        ],
    )
    result = run_kg(["load", "w.jsonl", "--no-derived"], cwd=tmp_path, env=cli_env)
    assert result.returncode == 0, result.stderr
    app = create_app(neo4j_settings, ApiSettings(web_dist=Path("/nonexistent"), warm_up=False))
    with TestClient(app) as client:
        body = client.get("/api/v1/researchers/openalex:A77").json()
    assert body["name"] == "Mallory Evil"


# ---- blank names ----------------------------------------------------------------------------------------------


def test_a_name_of_white_space_only_is_reported_not_dropped(tmp_path: Path) -> None:
    blank = {"author": {"display_name": "  "}, "raw_author_name": " \t "}
    fallback = {"author": {"display_name": "Grace Hopper"}, "raw_author_name": "   "}
    path = _jsonl(
        tmp_path / "w.jsonl",
        [
            _work(1, authorships=[{"raw_author_name": "Real Person"}, blank]),
            _work(2, authorships=[fallback]),
            _work(
                3,
                authorships=[{"raw_author_name": "Somebody Else", "institutions": [{"display_name": "   "}]}],
            ),
        ],
    )
    out = list(iter_records([path]))
    assert [o.message for o in out if o.kind == "reject"] == [
        f"{path}:1: authorship 2 has a blank author name",
        f"{path}:3: loaded after repair: authors.0.institutions.0.name (blank, left out)",
    ]
    works = [o for o in out if o.kind == "work"]
    assert [[a.name for a in w.authors] for w in works] == [["Grace Hopper"], ["Somebody Else"]]


# ---- the rejects file: unwritable, or a full disk ------------------------------------------------------------


def _mixed(tmp_path: Path) -> Path:
    """30 good works, then three with a year that is no year, then 30 good works."""
    bad = [_work(100 + i, publication_year=f"year {i}") for i in range(3)]
    return _jsonl(
        tmp_path / "mixed.jsonl", [_work(i) for i in range(30)] + bad + [_work(i) for i in range(30, 60)]
    )


def _works(graph: Driver, settings: Settings) -> int:
    return int(graphdb.run(graph, "MATCH (w:Work) RETURN count(w) AS n", settings=settings)[0]["n"])


@pytest.mark.neo4j
def test_an_unwritable_rejects_path_is_one_line_before_anything_loads(
    tmp_path: Path, graph: Driver, neo4j_settings: Settings, cli_env: dict[str, str]
) -> None:
    _mixed(tmp_path)
    (tmp_path / "ro").mkdir()
    (tmp_path / "ro").chmod(0o555)
    try:
        result = run_kg(
            ["load", "mixed.jsonl", "--no-derived", "--rejects", "ro/rejects.jsonl"],
            cwd=tmp_path,
            env=cli_env,
            prefix=without_dac_override(),
        )
    finally:
        (tmp_path / "ro").chmod(0o755)
    assert result.stderr.splitlines() == [
        "error: cannot write the rejects file ro/rejects.jsonl: Permission denied (nothing was loaded; name "
        "another with --rejects)"
    ]
    assert result.returncode == 1
    assert _works(graph, neo4j_settings) == 0


def _load_run(graph: Driver, settings: Settings) -> list[dict[str, Any]]:
    return graphdb.run(graph, "MATCH (r:LoadRun) RETURN r.status AS status", settings=settings)


@pytest.mark.neo4j
def test_a_full_disk_under_the_rejects_file_is_one_line_saying_what_was_saved(
    tmp_path: Path, graph: Driver, neo4j_settings: Settings, cli_env: dict[str, str]
) -> None:
    _mixed(tmp_path)
    result = run_kg(
        ["load", "mixed.jsonl", "--no-derived", "--rejects", "/dev/full"], cwd=tmp_path, env=cli_env
    )
    assert "Traceback" not in result.stdout + result.stderr
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("error")]
    assert line.startswith(
        "error: a write failed: No space left on device; the load stopped during 'parse and stage', nothing was"
        " written to Neo4j (load run run:"
    )
    assert line.endswith(", marked failed; the next load resumes it), no rejects saved")
    assert result.returncode == 1
    assert _works(graph, neo4j_settings) == 0
    assert _load_run(graph, neo4j_settings) == [{"status": "failed"}]


def _tiny_tmpfs(where: Path) -> None:
    """A file system of one 4 KB page at `where`: a real full disk after a few lines (root only)."""
    where.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tiny tmpfs to fill up needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4k", "tmpfs", str(where)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")


@pytest.mark.neo4j
def test_a_disk_that_fills_up_mid_load_keeps_the_whole_rejects_written_before(
    tmp_path: Path, graph: Driver, neo4j_settings: Settings, cli_env: dict[str, str]
) -> None:
    bad = [_work(100 + i, publication_year=f"year {i} " + "x" * 200) for i in range(40)]
    _jsonl(tmp_path / "mixed.jsonl", [_work(i) for i in range(30)] + bad + [_work(i) for i in range(30, 60)])
    disk = tmp_path / "disk"
    _tiny_tmpfs(disk)
    try:
        result = run_kg(
            ["load", "mixed.jsonl", "--no-derived", "--rejects", "disk/rejects.jsonl"],
            cwd=tmp_path,
            env=cli_env,
        )
        text = (disk / "rejects.jsonl").read_text()
    finally:
        subprocess.run(["umount", str(disk)], check=True)
    saved = [json.loads(x) for x in text.splitlines()]
    assert text.endswith("\n")  # whole lines only: what the failed write left half-written was cut off
    assert 0 < len(saved) < 40
    assert [r["line"] for r in saved] == list(range(31, 31 + len(saved)))
    assert "Traceback" not in result.stdout + result.stderr
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("error")]
    assert line.startswith(
        "error: a write failed: No space left on device; the load stopped during 'parse and"
    )
    assert line.endswith(f", {len(saved)} reject(s) are in disk/rejects.jsonl")
    assert result.returncode == 1
    assert _works(graph, neo4j_settings) == 0
    assert _load_run(graph, neo4j_settings) == [{"status": "failed"}]

    # with room again, the same load completes the interrupted run and loads everything
    again = run_kg(
        ["load", "mixed.jsonl", "--no-derived", "--rejects", "rejects.jsonl"], cwd=tmp_path, env=cli_env
    )
    assert again.returncode == 3, again.stderr
    assert _works(graph, neo4j_settings) == 60


def test_kg_parse_to_a_full_disk_is_one_line(tmp_path: Path) -> None:
    _mixed(tmp_path)
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "kg.cli", "parse", "mixed.jsonl"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
            timeout=120,
        )
    errors = [x for x in result.stderr.splitlines() if not x.startswith("rejected ")]
    assert len(errors) == 1 and errors[0].startswith(
        "error: cannot write the output: No space left on device"
    )
    assert result.returncode == 1


# ---- HEAD wherever GET ----------------------------------------------------------------------------------------


def _get_paths(app: Any) -> list[str]:
    """Every GET path of the API as its OpenAPI document lists it ("/api/v1/works/{work_id}", …)."""
    return sorted(path for path, ops in app.openapi()["paths"].items() if "get" in ops)


@pytest.mark.neo4j
def test_head_answers_like_get_on_every_api_route(
    tmp_path: Path, graph: Driver, neo4j_settings: Settings, cli_env: dict[str, str]
) -> None:
    from tests.api_fixture_graph import PROFILE, ensure_fixture_graph

    ensure_fixture_graph(graph, neo4j_settings)
    some = {
        label: graphdb.run(
            graph, f"MATCH (n:{label}) RETURN n.id AS id ORDER BY id LIMIT 1", settings=neo4j_settings
        )[0]["id"]
        for label in ("Work", "Topic", "Institution")
    }
    params = {
        "{researcher_id}": PROFILE,
        "{work_id}": some["Work"],
        "{topic_id}": some["Topic"],
        "{institution_id}": some["Institution"],
    }
    queries = {"/api/v1/search": "?q=graph", "/api/v1/graph/expand": f"?node={PROFILE}"}
    web = tmp_path / "dist"
    web.mkdir()
    (web / "index.html").write_text("<!doctype html><title>panel</title>")
    app = create_app(neo4j_settings, ApiSettings(web_dist=web, warm_up=False))
    routes = _get_paths(app)
    assert len(routes) >= 15, routes
    with TestClient(app) as client:
        for route in routes:
            url = route
            for key, value in params.items():
                url = url.replace(key, value)
            url += queries.get(route, "")
            got, head = client.get(url), client.head(url)
            assert got.status_code == 200, (url, got.text[:200])
            assert (head.status_code, head.content) == (200, b""), url
            for header in ("content-type", "content-length"):
                assert head.headers[header] == got.headers[header], (url, header)


def test_head_ready_is_503_while_neo4j_is_down(tmp_path: Path) -> None:
    web = tmp_path / "dist"
    web.mkdir()
    (web / "index.html").write_text("<!doctype html><title>panel</title>")
    down = Settings(neo4j_uri="bolt://127.0.0.1:9")  # nothing listens on the discard port
    app = create_app(down, ApiSettings(web_dist=web, warm_up=False, transaction_retry_time=0.2))
    with TestClient(app) as client:
        for path in ("/ready", "/api/v1/ready"):
            head = client.head(path)
            assert head.status_code == 503, path
            assert head.headers["retry-after"] == "5"
            assert head.headers["content-type"] == "application/problem+json"
            assert head.content == b""
        assert client.head("/api/v1/health").status_code == 200
