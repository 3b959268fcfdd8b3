"""Profile pages saved without their name line: the person is nameless (or named by a line that truly names them),
never a section heading such as "Trust snapshot"; works, counts and flags parse as on the whole page."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from api.config import ApiSettings
from api.main import create_app
from kg.config import Settings
from kg.models import ResearcherRecord
from kg.normalize import short_hash, title_key
from kg.sources.parsers import iter_records

SEED = "seeds/000_f2563290c831939d.txt"
HEADINGS = {
    "Researcher profile",
    "Trust snapshot",
    "Quick read",
    "Actions",
    "Published work",
    "Research graph",
}


def _person(path: Path) -> ResearcherRecord:
    out = list(iter_records([path]))
    assert [o for o in out if o.kind == "reject"] == []
    [p] = out
    assert isinstance(p, ResearcherRecord)
    return p


def _unchanged(variant: ResearcherRecord, whole: ResearcherRecord) -> None:
    """Works, counts, trust and flags as the whole page gives them."""
    assert [(w.type, w.year, w.venue, w.title, w.abstract) for w in variant.works] == [
        (w.type, w.year, w.venue, w.title, w.abstract) for w in whole.works
    ]
    assert variant.reported == whole.reported
    assert (variant.trust_score, variant.trust_label, variant.verification_level, variant.claimed) == (
        whole.trust_score,
        whole.trust_label,
        whole.verification_level,
        whole.claimed,
    )


@pytest.fixture
def seed(shared_data: Path) -> str:
    page = shared_data / SEED
    if not page.is_file():
        pytest.skip(f"{page} is absent")
    return page.read_text(encoding="utf-8")


@pytest.mark.shared_data
def test_the_seed_cut_at_its_trust_snapshot_gives_a_nameless_researcher(seed: str, tmp_path: Path) -> None:
    whole_path = tmp_path / "whole.txt"
    whole_path.write_text(seed, encoding="utf-8")
    whole = _person(whole_path)
    assert whole.name == "Xiang Song"

    cut = tmp_path / "from_trust_snapshot.txt"
    cut.write_text(seed[seed.index("Trust snapshot") :], encoding="utf-8")
    p = _person(cut)
    assert p.name == "" and p.headline is None and p.name not in HEADINGS
    key = "unnamed-" + short_hash("\n".join(sorted(title_key(w.title) for w in whole.works)))
    assert p.ids.profile == key
    # the badge line sat above the snapshot: without it the page says nothing of affiliation or openness
    assert (p.affiliation_status, p.open_to_collaborate) == ("unknown", None)
    _unchanged(p, whole)
    assert (p.trust_score, p.trust_label, p.verification_level, p.claimed) == (21, "Emerging", "L1", False)
    assert p.reported.model_dump() == {"works": 9, "followers": 0, "topics": 6, "close_collaborators": 4}
    assert len(p.works) == 9 and p.works[0].title.startswith("DualKV: Shared-Prompt Flash Attention")

    # the page's title kept, its name line gone: the same nameless person
    titled = tmp_path / "titled.txt"
    titled.write_text("Researcher profile\n\n" + seed[seed.index("Trust snapshot") :], encoding="utf-8")
    t = _person(titled)
    assert (t.name, t.headline, t.ids.profile) == ("", None, key)
    _unchanged(t, whole)

    # no title line, but the name line is there: that line truly names the person
    named = tmp_path / "named.txt"
    named.write_text(seed[seed.index("Xiang Song") :], encoding="utf-8")
    n = _person(named)
    assert (n.name, n.ids.profile) == ("Xiang Song", "song|xiang")
    assert n.headline == "Xiang Song contributes to research discovery and scholarly infrastructure."
    assert (n.affiliation_status, n.open_to_collaborate) == ("not_imported", True)
    _unchanged(n, whole)


def test_a_small_page_that_starts_with_its_trust_snapshot(tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text(
        "Trust snapshot\n\nQuick read\n\nTrust 40 - EstablishedVerification L2Claimed author\n2works\n3followers\n"
        "1topics\n0close collaborators\n\nActions\n\nFollow researcher3\n\nPublished work\n\n2 published item(s)\n\n"
        "article2021Nature\n\nA first paper\n\nIts abstract.\n\npreprint2023arXiv\n\nA second paper\n",
        encoding="utf-8",
    )
    p = _person(page)
    assert (p.name, p.headline) == ("", None)
    assert (p.trust_score, p.trust_label, p.verification_level, p.claimed) == (40, "Established", "L2", True)
    assert p.reported.model_dump() == {"works": 2, "followers": 3, "topics": 1, "close_collaborators": 0}
    assert [(w.type, w.year, w.venue, w.title, w.abstract) for w in p.works] == [
        ("article", 2021, "Nature", "A first paper", "Its abstract."),
        ("preprint", 2023, "arXiv", "A second paper", None),
    ]


@pytest.mark.neo4j
@pytest.mark.shared_data
def test_a_nameless_profile_loads_as_a_researcher_without_a_name(
    graph: Driver, neo4j_settings: Settings, cli_env: dict[str, str], seed: str, tmp_path: Path
) -> None:
    cut = tmp_path / "from_trust_snapshot.txt"
    cut.write_text(seed[seed.index("Trust snapshot") :], encoding="utf-8")
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "kg.cli",
            "load",
            str(cut),
            "--no-derived",
            "--rejects",
            str(tmp_path / "r.jsonl"),
        ],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    rid = f"profile:{_person(cut).ids.profile}"
    with TestClient(
        create_app(neo4j_settings, ApiSettings(web_dist=Path("/nonexistent"), warm_up=False))
    ) as c:
        q = c.get(f"/api/v1/researchers/{rid}").json()
        assert q["name"] is None and q["headline"] is None
        assert q["counts"]["works"] == 9
        assert (q["trust_score"], q["trust_label"], q["verification_level"], q["claimed"]) == (
            21,
            "Emerging",
            "L1",
            False,
        )
        hits = c.get("/api/v1/search", params={"q": "Trust snapshot", "type": "researcher"}).json()["items"]
        assert hits == []
