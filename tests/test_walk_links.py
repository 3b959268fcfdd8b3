"""Directory walks (issue 24): a symbolic link loop ends, `ln -s . me` reads every file once, what is skipped is
said, and an unreadable subdirectory is one line while its readable siblings still load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from neo4j import Driver

from kg import graphdb
from kg.config import Settings
from tests.kg_process import run_kg, without_dac_override


def _work(n: int, title: str) -> str:
    return json.dumps(
        {
            "id": f"https://openalex.org/W{900 + n}",
            "title": title,
            "publication_year": 2021,
            "authorships": [
                {"author": {"display_name": f"Walker Number{n}"}, "raw_author_name": f"Walker Number{n}"}
            ],
        }
    )


def _parsed(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines()]


@pytest.fixture
def looped(tmp_path: Path) -> Path:
    """data/ with two files, a link loop (loop/self → ../loop) and a link to itself (me → .)."""
    data = tmp_path / "data"
    (data / "loop").mkdir(parents=True)
    (data / "top.jsonl").write_text(_work(1, "Top of the tree") + "\n", encoding="utf-8")
    (data / "loop" / "inner.jsonl").write_text(_work(2, "Inside the loop") + "\n", encoding="utf-8")
    (data / "loop" / "self").symlink_to("../loop")
    (data / "me").symlink_to(".")
    return data


def test_a_link_loop_ends_and_every_file_is_read_once(looped: Path) -> None:
    result = run_kg(["parse", "data"], cwd=looped.parent)
    out = _parsed(result.stdout)
    assert sorted(o["title"] for o in out if o["kind"] == "work") == ["Inside the loop", "Top of the tree"]
    assert sorted((o["file"], o["reason"]) for o in out if o["kind"] == "reject") == [
        (
            "data/loop/self",
            f"skipped: a symbolic link to {looped / 'loop'}, a directory already read in this run",
        ),
        ("data/me", f"skipped: a symbolic link to {looped}, a directory already read in this run"),
    ]
    assert result.stderr.splitlines() == [
        f"rejected data/loop/self: skipped: a symbolic link to {looped / 'loop'}, a directory already read in this run",
        f"rejected data/me: skipped: a symbolic link to {looped}, a directory already read in this run",
        "2 parsed, 2 rejected",
    ]
    assert result.returncode == 3


def test_a_file_named_twice_or_reached_by_a_link_is_read_once(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text(_work(3, "Only once") + "\n", encoding="utf-8")
    (tmp_path / "alias.jsonl").symlink_to("a.jsonl")
    (tmp_path / "nowhere.jsonl").symlink_to("missing.jsonl")
    result = run_kg(["parse", ".", "a.jsonl"], cwd=tmp_path)
    out = _parsed(result.stdout)
    assert [o["title"] for o in out if o["kind"] == "work"] == ["Only once"]
    assert [o["reason"] for o in out if o["kind"] == "reject"] == [
        f"skipped: a symbolic link to {tmp_path / 'a.jsonl'}, a file already read in this run",
        "skipped: a symbolic link to nothing (broken, or a loop of links)",
        "skipped: a file already read in this run",
    ]


@pytest.fixture
def with_locked_dir(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    for sub, n in (("a", 4), ("locked", 5), ("z", 6)):
        (data / sub).mkdir(parents=True)
        (data / sub / f"{sub}.jsonl").write_text(_work(n, f"Work in {sub}") + "\n", encoding="utf-8")
    (data / "locked").chmod(0)
    yield data
    (data / "locked").chmod(0o755)


def test_an_unreadable_subdirectory_is_one_line_and_its_siblings_load(with_locked_dir: Path) -> None:
    result = run_kg(["parse", "data"], cwd=with_locked_dir.parent, prefix=without_dac_override(), timeout=120)
    out = _parsed(result.stdout)
    assert [o["title"] for o in out if o["kind"] == "work"] == ["Work in a", "Work in z"]
    assert result.stderr.splitlines() == [
        "rejected data/locked: skipped: the directory cannot be read (Permission denied)",
        "2 parsed, 1 rejected",
    ]
    assert result.returncode == 3


@pytest.mark.neo4j
def test_kg_load_of_a_looped_directory_ends_and_loads_each_work_once(
    looped: Path, graph: Driver, neo4j_settings: Settings, cli_env: dict[str, str]
) -> None:
    result = run_kg(
        ["load", "data", "--no-derived", "--rejects", str(looped.parent / "rejects.jsonl")],
        cwd=looped.parent,
        env=cli_env,
        timeout=300,
    )
    assert result.returncode == 3, result.stderr
    assert "read 4, loaded 2, rejected 2" in result.stdout
    rows = graphdb.run(
        graph, "MATCH (w:Work) RETURN w.title AS title ORDER BY title", settings=neo4j_settings
    )
    assert [r["title"] for r in rows] == ["Inside the loop", "Top of the tree"]
    rejects = [json.loads(line) for line in (looped.parent / "rejects.jsonl").read_text().splitlines()]
    assert [r["file"] for r in rejects] == ["data/loop/self", "data/me"]
