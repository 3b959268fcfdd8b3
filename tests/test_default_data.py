"""The data shipped in the package (kg/data): what it holds, that it was chosen by connectivity as SOURCE.json
says, that it rebuilds byte for byte from the shared data, and the graph it loads into."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from api.config import ApiSettings
from api.main import create_app
from kg import defaultdata, graphdb
from kg.cli.main_job import data_inputs
from kg.config import Settings
from kg.graphdb import catalog
from kg.models import AuthorRef, InstitutionRef, Provenance, TopicRef, WorkIds, WorkRecord
from kg.sample import choose, measure, unique_works
from kg.sources.parsers import iter_records
from kg.taxonomy import default_path, read_taxonomy

DATA = defaultdata.DATA_DIR
SOURCE = json.loads((DATA / "SOURCE.json").read_text(encoding="utf-8"))
PAGIOLA = "openalex:A5003862560"
LIAKATA = "orcid:0000-0001-5765-0416"


def _shipped_works() -> list[WorkRecord]:
    out = list(iter_records([DATA / "openalex_works.jsonl.gz", DATA / "arxiv_metadata.jsonl.gz"]))
    assert [o for o in out if o.kind == "reject"] == []
    return [o for o in out if isinstance(o, WorkRecord)]


# ---------------------------------------------------------------------------------------------- what is shipped


def test_the_shipped_files_are_the_ones_source_json_describes_and_stay_small() -> None:
    for name, info in SOURCE["files"].items():
        data = (DATA / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == info["sha256"], name
        assert len(data) == info["bytes"], name
    # the sample and the taxonomy (the topic classifier's model beside them is its own issue's: 4.3 MB)
    total = sum(p.stat().st_size for p in DATA.rglob("*") if p.is_file() and p.name != "topic_model.npz")
    assert total < 2_000_000  # "a few MB at most": 1.1 MB today
    assert (DATA / "SOURCE.md").is_file() and "CC0" in (DATA / "SOURCE.md").read_text(encoding="utf-8")


def test_the_sample_measures_as_recorded_and_every_record_is_cc0_source() -> None:
    works = _shipped_works()
    assert {w.prov.source for w in works} == {"openalex", "arxiv-metadata"}
    conn = measure(unique_works(works), coauthor_cap=50)
    assert conn.summary() == SOURCE["sample"]
    assert (conn.works, len(conn.researchers), len(conn.well_connected)) == (53, 183, 48)
    top = conn.well_connected[0]
    assert (top.name, top.works, top.coauthors) == ("Greg Corrado", 2, 34)
    by_works = sorted(conn.well_connected, key=lambda r: (-r.works, -r.coauthors, r.key))
    assert [(r.name, r.works, r.coauthors) for r in by_works[:2]] == [
        ("Stefano Pagiola", 7, 14),
        ("Maria Liakata", 7, 10),
    ]
    # every component of the sample holds a researcher worth opening
    assert all(c.well_connected for c in conn.components)


def test_the_packaged_taxonomy_is_the_whole_openalex_table_and_the_default_without_shared_data(
    tmp_path: Path,
) -> None:
    tax = read_taxonomy(defaultdata.TAXONOMY)
    assert tax.counts() == {"domain": 4, "field": 26, "subfield": 252, "topic": 4516, "category": 57}
    assert tax.nodes["openalex:T10001"].parent == "openalex:subfield:1908"
    assert len(tax.nodes["openalex:T10001"].keywords) == 10
    nowhere = Settings(data_dir=tmp_path / "no-shared-data")
    assert default_path(nowhere) == defaultdata.TAXONOMY
    own = tmp_path / "own"
    (own / "topics").mkdir(parents=True)
    (own / "topics" / "openalex_topics.csv").write_text("topic_id\n", encoding="utf-8")
    assert default_path(Settings(data_dir=own)) == own / "topics" / "openalex_topics.csv"
    assert default_path(Settings(data_dir=own, taxonomy_path=Path("/x.csv"))) == Path("/x.csv")


# ---------------------------------------------------------------------------------------------- the choice


def _work(key: str, authors: list[str], *, inst: str | None = None, topic: str | None = None) -> WorkRecord:
    return WorkRecord(
        prov=Provenance(source="openalex", file="t.jsonl", line=1),
        title=f"Work {key}",
        ids=WorkIds(openalex=key),
        authors=[
            AuthorRef(
                name=name,
                position=i + 1,
                institutions=[InstitutionRef(name=inst)] if inst else [],
            )
            for i, name in enumerate(authors)
        ],
        topics=[TopicRef(id=topic)] if topic else [],
    )


def test_measure_counts_works_coauthors_and_components_and_big_teams_join_nobody() -> None:
    works = unique_works(
        [
            _work("W1", ["Ana Lima", "Bo Chen", "Cy Dube"], inst="Uni A", topic="openalex:T1"),
            _work("W2", ["Ana Lima", "Di Eze"], inst="Uni B"),
            _work("W1", ["Someone Else"]),  # the same paper again: the first copy counts
            _work("W3", ["Ed Fox", "Fay Gil"]),
            _work(
                "W4", ["Ana Lima", *[f"{g} Member" for g in ("Ann", "Ben", "Cal", "Dot", "Eli")]]
            ),  # over the cap of 4
        ]
    )
    conn = measure(works, coauthor_cap=4, sizes={"openalex:W1": 10, "openalex:W2": 5, "openalex:W3": 7})
    ana = conn.researchers["name:lima|ana"]
    assert (ana.works, ana.coauthors, ana.well_connected) == (3, 3, True)
    assert conn.researchers["name:chen|bo"].coauthors == 2
    assert conn.researchers["name:member|ann"].coauthors == 0
    first = conn.components[0]
    assert first.researchers == ["name:chen|bo", "name:dube|cy", "name:eze|di", "name:lima|ana"]
    assert first.works == ["openalex:W1", "openalex:W2", "openalex:W4"]
    assert (first.well_connected, first.institutions, first.topics, first.bytes) == (
        ["name:lima|ana"],
        2,
        1,
        15,
    )
    assert len(conn.components) == 1 + 1 + 5  # Ana's, Ed and Fay's, and each big-team member alone


def test_choose_takes_the_best_components_that_fit_and_never_one_without_a_well_connected_researcher() -> (
    None
):
    works = unique_works(
        [
            _work("W1", ["Ana Lima", "Bo Chen", "Cy Dube"]),
            _work("W2", ["Ana Lima", "Di Eze"]),
            _work("W3", ["Gus Hale", "Ivy Jo", "Kai Lu"]),
            _work("W4", ["Gus Hale", "Mo Ng"]),
            _work("W5", ["Ed Fox", "Fay Gil"]),
        ]
    )
    sizes = {"openalex:W1": 40, "openalex:W2": 40, "openalex:W3": 10, "openalex:W4": 10, "openalex:W5": 1}
    comps = measure(works, coauthor_cap=50, sizes=sizes).components
    assert [c.bytes for c in choose(comps, 1000)] == [80, 20]  # Ed and Fay (no one well connected) never
    assert [c.works for c in choose(comps, 50)] == [["openalex:W3", "openalex:W4"]]  # Ana's does not fit
    assert choose(comps, 5) == []


# ---------------------------------------------------------------------------------------------- rebuilt, loaded


@pytest.mark.shared_data
def test_kg_sample_build_rebuilds_the_shipped_data_byte_for_byte(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "data"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "kg.cli",
            "sample",
            "build",
            str(shared_data / "openalex"),
            str(shared_data / "arxiv" / "kaggle_arxiv_metadata_sample_200.jsonl"),
            "--taxonomy",
            str(shared_data / "topics" / "openalex_topics.csv"),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == (
        f"chose 16 of 443 co-author components: 53 works (811 KB of records) into {out}"
    )
    for name in [*SOURCE["files"], "SOURCE.json"]:
        assert (out / name).read_bytes() == (DATA / name).read_bytes(), name


@pytest.mark.neo4j
def test_the_sample_loads_into_the_graph_it_was_measured_as(
    graph: Driver, neo4j_settings: Settings, cli_env: dict[str, str], tmp_path: Path
) -> None:
    s = neo4j_settings
    for args in (
        ["topics", "load", str(defaultdata.TAXONOMY)],
        # what kg up loads: the records beside topics/ (a kg load of the whole directory reads the taxonomy too)
        ["load", *map(str, data_inputs(DATA)), "--rejects", str(tmp_path / "rejects.jsonl")],
    ):
        r = subprocess.run(
            [sys.executable, "-m", "kg.cli", *args], env=cli_env, capture_output=True, text=True, timeout=900
        )
        assert r.returncode == 0, r.stderr
    counts = graphdb.run(graph, catalog.query("api/overview_counts"), settings=s)[0]
    # the sample measures 183 people by name and ids; the identity model keeps the two arXiv papers of "Shlomo
    # Gelaki" (no shared co-author) apart: 184 researchers
    assert (counts["works"], counts["researchers"]) == (53, 184)
    assert counts["topics"] >= 4516 + 252 + 26 + 4 and counts["institutions"] > 0
    rows = graphdb.run(
        graph,
        "MATCH (r:Researcher {id: $id})-[:AUTHORED]->(w:Work) RETURN w.title AS title ORDER BY title",
        {"id": PAGIOLA},
        settings=s,
    )
    assert len(rows) == 7
    assert rows[0]["title"] == (
        "Assessing the potential for synergy in the implementation of Payment for Environmental Services (PES) "
        "programs: an empirical analysis in Costa Rica"
    )
    with TestClient(create_app(s, ApiSettings(web_dist=Path("/nonexistent"), warm_up=False))) as c:
        o = c.get("/api/v1/overview", params={"researchers": 2}).json()
        assert [(r["id"], r["name"], r["works"], r["coauthors"]) for r in o["researchers"]] == [
            (PAGIOLA, "Stefano Pagiola", 7, 14),
            (LIAKATA, "Maria Liakata", 7, 10),
        ]
        assert o["counts"]["works"] == 53 and o["counts"]["researchers"] == 184
        [run] = o["load_runs"]
        assert (run["status"], run["source"], run["read"], run["loaded"], run["rejected"]) == (
            "completed",
            "arxiv-metadata,openalex",
            53,
            53,
            0,
        )
        assert run["written"]["Work"] == 53 and run["written"]["Researcher"] == 184
        q = c.get(f"/api/v1/researchers/{PAGIOLA}").json()
        assert (q["counts"]["works"], q["counts"]["coauthors"]) == (7, 14)
        assert q["sources"] == ["openalex"]
