"""A page or response that lists many works, one of them with no id and a title of punctuation alone ("---"): that
one work is rejected with the file, the line and its title; the page and its other works still parse and load
(real pages from ../shared/data, one title replaced by hand)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from neo4j import Driver

from kg import graphdb
from kg.config import Settings
from kg.models import Reject, ResearcherRecord, WorkRecord
from kg.sources.parsers import iter_records
from tests.kg_process import run_kg

pytestmark = pytest.mark.shared_data

UNIDENTIFIABLE = (
    "invalid record: the work has no DOI, arXiv, OpenAlex, Semantic Scholar or MAG id, and its title '---' has "
    "no letter or digit to know it by"
)


def _with_a_dash_title(src: Path, title: str, dst: Path) -> Path:
    text = src.read_text(encoding="utf-8")
    assert text.count(title) == 1
    dst.write_text(text.replace(title, "---"), encoding="utf-8")
    return dst


def test_a_profile_page_keeps_its_other_works(shared_data: Path, tmp_path: Path) -> None:
    seed = shared_data / "seeds" / "000_f2563290c831939d.txt"
    cold = (
        "ColdGuess: A General and Effective Relational Graph Convolutional Network to Tackle Cold Start Cases"
    )
    page = _with_a_dash_title(seed, cold, tmp_path / "profile.txt")  # the page has no links: the title is all
    whole = [w.title for r in iter_records([seed]) if isinstance(r, ResearcherRecord) for w in r.works]
    out = list(iter_records([page]))
    assert [r.message for r in out if isinstance(r, Reject)] == [f"{page}:63: {UNIDENTIFIABLE}"]
    (person,) = [r for r in out if isinstance(r, ResearcherRecord)]
    assert person.name == "Xiang Song"
    assert [w.title for w in person.works] == [t for t in whole if t != cold] and len(person.works) == 8
    assert not [r for r in out if isinstance(r, WorkRecord)]


@pytest.mark.neo4j
def test_kg_load_of_the_profile_page_writes_its_other_works(
    graph: Driver, neo4j_settings: Settings, cli_env: dict[str, str], shared_data: Path, tmp_path: Path
) -> None:
    seed = shared_data / "seeds" / "000_f2563290c831939d.txt"
    cold = (
        "ColdGuess: A General and Effective Relational Graph Convolutional Network to Tackle Cold Start Cases"
    )
    page = _with_a_dash_title(seed, cold, tmp_path / "profile.txt")
    whole = [w.title for r in iter_records([seed]) if isinstance(r, ResearcherRecord) for w in r.works]
    loaded = run_kg(
        ["load", str(page), "--no-derived", "--rejects", "rejects.jsonl"], cwd=tmp_path, env=cli_env
    )
    assert loaded.returncode == 3, loaded.stderr  # some rejected, the rest loaded
    assert f"rejected {page}:63: {UNIDENTIFIABLE}" in loaded.stderr.splitlines()
    assert ": read 2, loaded 1, rejected 1 " in loaded.stdout.splitlines()[0]
    (kept,) = [json.loads(x) for x in (tmp_path / "rejects.jsonl").read_text().splitlines()]
    assert (kept["file"], kept["line"], kept["raw"]) == (str(page), 63, "---")
    rows = graphdb.run(
        graph,
        "MATCH (r:Researcher)-[:AUTHORED]->(w:Work) RETURN r.name AS name, w.title AS title ORDER BY title",
        settings=neo4j_settings,
    )
    assert [(x["name"], x["title"]) for x in rows] == [("Xiang Song", t) for t in sorted(set(whole) - {cold})]


def test_a_daily_listing_keeps_its_other_entries(shared_data: Path, tmp_path: Path) -> None:
    seed = shared_data / "seeds" / "003_cc0be168ede23e5d.txt"
    lattica = (
        "Lattica: A Decentralized Cross-NAT Communication Framework for Scalable AI Inference and Training"
    )
    page = _with_a_dash_title(seed, lattica, tmp_path / "daily.txt")
    whole = [r.title for r in iter_records([seed]) if isinstance(r, WorkRecord)]
    out = list(iter_records([page]))
    assert [r.message for r in out if isinstance(r, Reject)] == [f"{page}:29: {UNIDENTIFIABLE}"]
    assert [r.title for r in out if isinstance(r, WorkRecord)] == [t for t in whole if t != lattica]


def test_an_orcid_works_list_keeps_its_other_works(shared_data: Path, tmp_path: Path) -> None:
    envelopes = json.loads((shared_data / "orcid" / "orcid_v3_api_responses.json").read_text())
    person, works = envelopes[3], envelopes[4]  # Stephen Eglen's /person and /works
    assert works["uri"].endswith("/0000-0001-8607-8025/works")
    whole = tmp_path / "whole.jsonl"
    whole.write_text(f"{json.dumps(person)}\n{json.dumps(works)}\n")
    group = works["response"]["group"][0]
    first = group["work-summary"][0]["title"]["title"]["value"]
    group["external-ids"] = {"external-id": []}
    for s in group["work-summary"]:  # the title "---", no DOI or other id, no link
        s["title"]["title"]["value"] = "---"
        s["external-ids"] = {"external-id": []}
        s["url"] = None
    cut = tmp_path / "orcid.jsonl"
    cut.write_text(f"{json.dumps(person)}\n{json.dumps(works)}\n")

    def titles(path: Path) -> list[str]:
        return [w.title for r in iter_records([path]) if isinstance(r, ResearcherRecord) for w in r.works]

    assert [r.message for r in iter_records([cut]) if isinstance(r, Reject)] == [f"{cut}:2: {UNIDENTIFIABLE}"]
    assert titles(whole)[0] == first and titles(cut) == titles(whole)[1:] and len(titles(cut)) == 73
