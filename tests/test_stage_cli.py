"""`kg stage show|stats|export`: what a user sees when they look inside the stage store after a load."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from neo4j import Driver

from kg import pipeline
from kg.config import Settings
from kg.errors import InputError
from kg.models import AuthorRef, Provenance, WorkIds, WorkRecord
from kg.stage.store import StageStore
from tests.conftest import kg_env
from tests.kg_process import run_kg, without_dac_override


def _work(source: str, title: str, doi: str, authors: list[tuple[str, str | None]], line: int) -> WorkRecord:
    return WorkRecord(
        prov=Provenance(source=source, file=f"{source}.jsonl", line=line, record_id=doi),  # type: ignore[arg-type]
        title=title,
        year=2020,
        ids=WorkIds(doi=doi),
        authors=[AuthorRef(name=n, position=i, openalex_id=oa) for i, (n, oa) in enumerate(authors, start=1)],
    )


@pytest.fixture
def stage(graph: Driver, neo4j_settings: Settings, tmp_path: Path) -> Path:
    path = tmp_path / "stage.duckdb"
    records = [
        # one paper from two sources: one Work made of two records
        _work(
            "openalex", "Graph sampling at scale", "10.1234/gs", [("Xiang Song", "A1"), ("Da Zheng", "A8")], 1
        ),
        _work(
            "crossref", "Graph Sampling at Scale", "10.1234/gs", [("X. Song", None), ("D. Zheng", None)], 1
        ),
        _work("openalex", "Soil carbon", "10.1234/sc", [("Xiang Song", "A1")], 2),
    ]
    pipeline.load(graph, [("fixture", records)], settings=neo4j_settings, derive=False, stage_path=path,
                  rejects_path=None)  # fmt: skip
    return path


def _kg(s: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kg.cli", "stage", *args], env=kg_env(s), capture_output=True,
                          text=True, timeout=120)  # fmt: skip


@pytest.mark.neo4j
def test_show_a_work_lists_the_records_it_was_merged_from_and_its_authors(
    stage: Path, neo4j_settings: Settings
) -> None:
    res = _kg(neo4j_settings, "show", "doi:10.1234/gs", "--json", "--stage", str(stage))
    assert res.returncode == 0, res.stderr
    work = json.loads(res.stdout)
    assert work["kind"] == "work" and work["title"] == "Graph sampling at scale"
    assert [(r["source"], r["ref"]) for r in work["records"]] == [
        ("crossref", "crossref:crossref.jsonl:1#10.1234/gs"),
        ("openalex", "openalex:openalex.jsonl:1#10.1234/gs"),
    ]
    assert [(a["position"], a["researcher"], a["raw_name"]) for a in work["authors"]] == [
        (1, "openalex:A1", "Xiang Song"),
        (2, "openalex:A8", "Da Zheng"),
    ]
    assert work["authors"][0]["sources"] == ["crossref", "openalex"]


@pytest.mark.neo4j
def test_show_a_researcher_lists_their_works(stage: Path, neo4j_settings: Settings) -> None:
    res = _kg(neo4j_settings, "show", "openalex:A1", "--json", "--stage", str(stage))
    assert res.returncode == 0, res.stderr
    person = json.loads(res.stdout)
    assert (person["kind"], person["name"], person["openalex_id"]) == ("researcher", "Xiang Song", "A1")
    assert sorted(w["title"] for w in person["works"]) == ["Graph sampling at scale", "Soil carbon"]


@pytest.mark.neo4j
def test_overview_stats_and_export_agree(stage: Path, neo4j_settings: Settings, tmp_path: Path) -> None:
    overview = json.loads(_kg(neo4j_settings, "show", "--json", "--stage", str(stage)).stdout)
    assert (overview["records"], overview["works"], overview["researchers"], overview["authorships"]) == (
        3,
        2,
        2,
        3,
    )
    assert [r["status"] for r in overview["runs"]] == ["completed"]
    stats = json.loads(_kg(neo4j_settings, "stats", "--json", "--stage", str(stage)).stdout)
    assert stats["work"] == 2 and stats["authored"] == 3 and stats["records"] == 3

    res = _kg(
        neo4j_settings, "export", str(tmp_path / "out"), "-t", "work", "-t", "authored", "--stage", str(stage)
    )
    assert res.returncode == 0, res.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["authored.parquet", "work.parquet"]
    titles = duckdb.sql(f"SELECT title FROM '{tmp_path / 'out' / 'work.parquet'}' ORDER BY title").fetchall()
    assert titles == [("Graph sampling at scale",), ("Soil carbon",)]


@pytest.mark.neo4j
def test_overview_prints_each_load_s_run_id_whole_in_80_columns(
    stage: Path, neo4j_settings: Settings
) -> None:
    """The run id is what `kg load` printed and a LoadRun holds; at 80 columns the table cut it to "run:202…"."""
    [run] = json.loads(_kg(neo4j_settings, "show", "--json", "--stage", str(stage)).stdout)["runs"]
    res = subprocess.run([sys.executable, "-m", "kg.cli", "stage", "show", "--stage", str(stage)],
                         env={**kg_env(neo4j_settings), "COLUMNS": "80"}, capture_output=True, text=True,
                         timeout=120)  # fmt: skip
    assert res.returncode == 0, res.stderr
    [line] = [ln for ln in res.stdout.splitlines() if ln.startswith("run:")]
    assert line.split()[:6] == [run["run_id"], "completed", "derive", "3", "3", "0"]


@pytest.mark.neo4j
def test_unknown_ids_tables_and_a_busy_store_get_one_clear_line(
    stage: Path, neo4j_settings: Settings
) -> None:
    res = _kg(neo4j_settings, "show", "doi:10.9/none", "--stage", str(stage))
    assert (
        res.returncode == 1
        and res.stderr.strip() == f"error: no work or researcher with id 'doi:10.9/none' in {stage}"
    )
    res = _kg(neo4j_settings, "export", "/tmp/unused", "-t", "nope", "--stage", str(stage))
    assert res.returncode == 1 and res.stderr.startswith("error: no table nope in the stage store (tables: ")
    with StageStore(stage):  # a load holds it
        res = _kg(neo4j_settings, "stats", "--stage", str(stage))
    assert res.returncode == 1 and "is busy with a load" in res.stderr and "Traceback" not in res.stderr
    res = _kg(neo4j_settings, "show", "--stage", str(stage.with_name("missing.duckdb")))
    assert res.returncode == 1 and "no stage store at" in res.stderr


def test_a_file_that_is_no_stage_store_is_named_as_such_and_left_as_it_was(tmp_path: Path) -> None:
    """`--stage` naming another file (a JSON Lines input, say) said "Catalog Error: Cannot launch in-memory
    database in read-only mode!"; a writer would have said the store is "in use by another process"."""
    other = tmp_path / "works.jsonl"
    other.write_text('{"id": "W1"}\n', encoding="utf-8")
    for args in (["show"], ["stats"]):
        res = subprocess.run([sys.executable, "-m", "kg.cli", "stage", *args, "--stage", str(other)],
                             capture_output=True, text=True, timeout=120)  # fmt: skip
        assert (res.returncode, res.stderr.splitlines()) == (
            1,
            [
                f"error: {other} is not a stage store (not a DuckDB database file): name a stage store, or a "
                "path that does not exist yet, with --stage or KG_STAGE_PATH"
            ],
        )
    with pytest.raises(InputError, match="is not a stage store"):
        StageStore(other)  # as a load opens it, to write
    assert other.read_text(encoding="utf-8") == '{"id": "W1"}\n'


def test_the_stage_memory_limit_bounds_duckdb_and_a_bad_one_is_one_clear_line(tmp_path: Path) -> None:
    with StageStore(tmp_path / "a.duckdb", memory_limit="512MB") as st:
        assert st.scalar("SELECT current_setting('memory_limit')") == "488.2 MiB"  # 512 MB in DuckDB's unit
    with StageStore(tmp_path / "b.duckdb", memory_limit=" 1 GB ") as st:
        assert st.scalar("SELECT current_setting('memory_limit')") == "953.6 MiB"
    # the value never reaches SQL unchecked: it is named in one line, and the store is released
    with pytest.raises(InputError) as err:
        StageStore(tmp_path / "c.duckdb", memory_limit="lots', threads='1")
    assert str(err.value) == (
        "KG_STAGE_MEMORY_LIMIT=\"lots', threads='1\" is not a memory size (e.g. 1GB, 512MB): expected a number and a unit"
    )
    with StageStore(tmp_path / "c.duckdb") as st:  # not left locked
        assert st.scalar("SELECT 1") == 1


def _empty_store(tmp_path: Path) -> Path:
    """A stage store no load has filled yet."""
    path = tmp_path / "stage.duckdb"
    StageStore(path).close()
    return path


def test_an_export_that_cannot_be_written_is_one_clear_line(tmp_path: Path) -> None:
    """A directory that cannot be written said "unexpected IOException: IO Error: Cannot open file …: Permission
    denied (KG_DEBUG=1 shows the traceback)", a bug's wording; a file named as the directory, "a-file: File exists"."""
    store = _empty_store(tmp_path)
    (tmp_path / "ro").mkdir()
    (tmp_path / "ro").chmod(0o555)
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    (tmp_path / "out" / "work.parquet").mkdir(parents=True)  # where the file would go, a directory
    said = {
        "ro": "error: cannot write the Parquet files into ro: Permission denied",
        "a-file": "error: a-file is a file: name a directory for the Parquet files",
        "out": 'error: the export into out stopped: IO Error: Cannot open file "out/work.parquet": File exists',
    }
    for directory, line in said.items():
        res = run_kg(
            ["stage", "export", directory, "-t", "work", "--stage", str(store)],
            cwd=tmp_path,
            prefix=without_dac_override(),
            timeout=120,
        )
        assert (res.returncode, res.stderr.splitlines()) == (1, [line])
    assert list((tmp_path / "ro").iterdir()) == []


def test_a_directory_named_as_the_store_is_said_to_be_one(tmp_path: Path) -> None:
    """It said "no stage store at DIR: `kg load` makes one", and `kg load` cannot make one there."""
    for args in (["show"], ["stats"], ["export", "out"]):
        res = run_kg(["stage", *args, "--stage", str(tmp_path)], cwd=tmp_path, timeout=120)
        assert (res.returncode, res.stderr.splitlines()) == (
            1,
            [f"error: {tmp_path} is a directory: name the stage store's file with --stage or KG_STAGE_PATH"],
        )
    assert not (tmp_path / "out").exists()


def test_an_empty_store_says_it_has_no_loads_yet(tmp_path: Path) -> None:
    """`kg stage show` on a store no load has filled printed the loads table's headers and nothing under them."""
    store = _empty_store(tmp_path)
    shown = run_kg(["stage", "show", "--stage", str(store)], cwd=tmp_path, timeout=120)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[-2:] == [
        "rows in graph: 0",
        "loads: none yet (`kg load PATH…` fills the stage store)",
    ]
    missing = run_kg(["stage", "show", "doi:10.1/x", "--stage", str(store)], cwd=tmp_path, timeout=120)
    assert (missing.returncode, missing.stderr.splitlines()) == (
        1,
        [f"error: no work or researcher with id 'doi:10.1/x' in {store}"],
    )
