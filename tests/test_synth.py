"""`kg synth`: same seed → same bytes, the CSV bundle's shape, and the skew a benchmark corpus needs."""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from kg.errors import InputError
from kg.synth import AUTHORSHIPS_HEADER, WORKS_HEADER, SynthParams, generate

N = 3000


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate(SynthParams(works=N, seed=7, openalex=True), out)
    return out


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_same_seed_writes_the_same_bytes_and_another_seed_does_not(bundle: Path, tmp_path: Path) -> None:
    generate(SynthParams(works=N, seed=7, openalex=True), tmp_path / "again")
    generate(SynthParams(works=N, seed=8), tmp_path / "other")
    for name in ("works.csv", "authorships.csv", "works.jsonl", "SOURCE.json"):
        assert _digest(bundle / name) == _digest(tmp_path / "again" / name), name
    assert _digest(bundle / "works.csv") != _digest(tmp_path / "other" / "works.csv")


def test_openalex_output_does_not_change_the_csv_bytes(bundle: Path, tmp_path: Path) -> None:
    generate(SynthParams(works=N, seed=7, openalex=False), tmp_path / "csv-only")
    assert not (tmp_path / "csv-only" / "works.jsonl").exists()
    for name in ("works.csv", "authorships.csv"):
        assert _digest(bundle / name) == _digest(tmp_path / "csv-only" / name)


def test_bundle_has_the_csv_format_and_consistent_rows(bundle: Path) -> None:
    with (bundle / "works.csv").open(encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == WORKS_HEADER
    with (bundle / "authorships.csv").open(encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == AUTHORSHIPS_HEADER
    works = _rows(bundle / "works.csv")
    auths = _rows(bundle / "authorships.csv")
    manifest = json.loads((bundle / "SOURCE.json").read_text())
    assert len(works) == N == manifest["stats"]["works"]
    assert len(auths) == manifest["stats"]["authorships"]
    ids = [w["work_id"] for w in works]
    assert len(set(ids)) == N
    dois = [w["doi"] for w in works if w["doi"]]
    arxiv = [w["arxiv_id"] for w in works if w["arxiv_id"]]
    assert len(set(dois)) == len(dois) and len(set(arxiv)) == len(arxiv)
    assert all(w["title"] and w["abstract"] and 1990 <= int(w["year"]) <= 2025 for w in works)
    positions: dict[str, list[int]] = defaultdict(list)
    for a in auths:
        positions[a["work_id"]].append(int(a["position"]))
        assert a["author_id"].startswith("A") and a["author_name"]
        assert bool(a["institution_id"]) == bool(a["institution_name"])
    assert set(positions) == set(ids)  # every work has authors, every authorship a work
    for pos in positions.values():
        assert sorted(pos) == list(range(1, len(pos) + 1))
    assert manifest["files"]["works.csv"] == _digest(bundle / "works.csv")


def test_corpus_is_skewed_like_real_scholarly_data(bundle: Path) -> None:
    auths = _rows(bundle / "authorships.csv")
    works_per_author = Counter(a["author_id"] for a in auths)
    counts = sorted(works_per_author.values())
    median = counts[len(counts) // 2]
    # heavy-tailed productivity: the top researcher has far more works than the typical one
    assert counts[-1] >= 50 * median
    # long-tailed team sizes: most works are small, a few have hundreds of authors
    team = Counter(a["work_id"] for a in auths)
    sizes = sorted(team.values())
    assert sizes[len(sizes) // 2] <= 5 and sizes[-1] >= 100
    # name collisions: one full name used by different author ids
    ids_by_name: dict[str, set[str]] = defaultdict(set)
    for a in auths:
        ids_by_name[a["author_name"]].add(a["author_id"])
    assert max(len(v) for v in ids_by_name.values()) >= 2
    # skewed institutions: the most popular one hosts many more authorships than the median one
    per_inst = sorted(Counter(a["institution_id"] for a in auths if a["institution_id"]).values())
    assert per_inst[-1] >= 10 * per_inst[len(per_inst) // 2]


def test_titles_carry_topic_vocabulary_and_jsonl_matches_the_csv(bundle: Path) -> None:
    works = {w["work_id"]: w for w in _rows(bundle / "works.csv")}
    lines = (bundle / "works.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == N
    with_keyword = 0
    for line in lines[:500]:
        rec = json.loads(line)
        wid = rec["id"].rsplit("/", 1)[-1]
        row = works[wid]
        assert rec["title"] == row["title"] and rec["publication_year"] == int(row["year"])
        assert (rec["doi"] or "") == (f"https://doi.org/{row['doi']}" if row["doi"] else "")
        topic = rec["primary_topic"]
        assert topic["id"].startswith("https://openalex.org/T") and topic["field"]["display_name"]
        words = " ".join(
            sorted(rec["abstract_inverted_index"], key=lambda w: rec["abstract_inverted_index"][w][0])
        )
        assert words.split()[:2] == row["abstract"].split()[:2]
        assert all(a["author"]["id"].startswith("https://openalex.org/A") for a in rec["authorships"])
        with_keyword += topic["display_name"].lower() in row["abstract"].lower()
    assert with_keyword == 500  # the abstract names its topic: topic assignment has signal


def test_works_below_one_is_an_input_error() -> None:
    with pytest.raises(InputError, match="at least 1"):
        generate(SynthParams(works=0), Path("/nonexistent"))


def _kg(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_cli_writes_the_bundle_and_reports_counts(tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    result = _kg(["synth", "--works", "200", "--seed", "3", "--out", str(out)])
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "SOURCE.json").read_text())
    st = manifest["stats"]
    assert result.stdout.strip() == (
        f"wrote 200 works and {st['authorships']:,} authorships to {out} (largest team {st['max_team']:,}; seed 3)"
    )
    assert {p.name for p in out.iterdir()} == {"authorships.csv", "SOURCE.json", "works.csv"}


def test_cli_rejects_zero_works_in_one_line(tmp_path: Path) -> None:
    result = _kg(["synth", "--works", "0", "--out", str(tmp_path / "x")])
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == ["error: --works must be at least 1"]
    helped = _kg(["synth", "--help"])
    assert helped.returncode == 0
    # --topics' default is the taxonomy kg.taxonomy finds, which the package ships: never "built-in" by default
    assert "KG_TAXONOMY_PATH" in helped.stdout and "else built-in" not in helped.stdout
