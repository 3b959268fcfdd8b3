"""Property: any small corpus loaded once, twice, or in another order gives the same graph (issue 11)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, assume, example, given, settings
from hypothesis import strategies as st
from neo4j import Driver

from kg.config import Settings
from tests.conftest import wipe
from tests.corpus import Bundle
from tests.graph_fingerprint import diff, fingerprint

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

NAMES = [
    "Ada Lovelace",
    "A. Lovelace",
    "Lovelace, Ada",
    "Alan Turing",
    "Grace Hopper",
    "Grace Hopper",
    "Edsger Dijkstra",
]
TITLES = [
    "Graph learning at scale",
    "Quantum proofs",
    "Sparse causal inference",
    "Protein folding nets",
    "Robust markets",
]


@st.composite
def corpora(draw: st.DrawFn) -> tuple[Bundle, list[int]]:
    n = draw(st.integers(min_value=1, max_value=7))
    b = Bundle()
    for i in range(n):
        title = draw(st.sampled_from(TITLES)) + ("" if draw(st.booleans()) else f" {i}")
        doi = draw(st.sampled_from(["", "", "10.5555/p.1", "10.5555/p.2"]))
        b.works.append({"work_id": f"w{i}", "title": title, "year": str(draw(st.integers(2019, 2022))),
                        "venue": draw(st.sampled_from(["", "Letters", "Journal"])), "doi": doi, "arxiv_id": "",
                        "abstract": draw(st.sampled_from(["", "An abstract.", "Another abstract."]))})  # fmt: skip
        people = draw(st.lists(st.integers(0, len(NAMES) - 1), min_size=1, max_size=4, unique=True))
        with_ids = draw(st.booleans())
        for pos, p in enumerate(people, start=1):
            b.authorships.append({"work_id": f"w{i}", "author_id": f"p{p}" if with_ids else "",
                                  "author_name": NAMES[p], "position": str(pos),
                                  "institution_id": "", "institution_name": ""})  # fmt: skip
    # Left out, two known limits of work identity (README, "Loading the same input twice"):
    # - a DOI-less work whose title fits two papers with different DOIs joins whichever of them was loaded first
    #   (a merged Work is never split again); pinned by test_a_title_fitting_two_papers_never_merges_them;
    # - two DOI-less papers with one title, further apart in years than the tolerance, get the same id (a title-only
    #   id does not carry the year), so which records end up on that node depends on the order.
    assume(not _title_fits_two_papers(b) and not _one_title_two_papers(b))
    return b, draw(st.permutations(list(range(n))))


def _by_title(b: Bundle) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for w in b.works:
        out.setdefault(w["title"], []).append(w)
    return out


def _title_fits_two_papers(b: Bundle) -> bool:
    return any(
        any(not w["doi"] for w in ws) and len({w["doi"] for w in ws} - {""}) >= 2
        for ws in _by_title(b).values()
    )


def _one_title_two_papers(b: Bundle) -> bool:
    def too_far(title: str, years: set[int]) -> bool:
        return max(years) - min(years) > (0 if len(title.split()) < 3 else 1)

    return any(too_far(t, {int(w["year"]) for w in ws}) for t, ws in _by_title(b).items())


def _work(i: int, title: str, year: int, venue: str, doi: str, abstract: str) -> dict[str, str]:
    return {"work_id": f"w{i}", "title": title, "year": str(year), "venue": venue, "doi": doi, "arxiv_id": "",
            "abstract": abstract}  # fmt: skip


def _authors(i: int, people: list[int], with_ids: bool = True) -> list[dict[str, str]]:
    return [{"work_id": f"w{i}", "author_id": f"p{p}" if with_ids else "", "author_name": NAMES[p],
             "position": str(pos), "institution_id": "", "institution_name": ""}
            for pos, p in enumerate(people, start=1)]  # fmt: skip


# Found by CI (session 3): "Lovelace, Ada" (p2) reached in one batch, then appended to in a later one, kept each
# batch's "only mention" evidence, while loaded in one batch she had none.
_SPLIT_THEN_APPENDED = Bundle(
    works=[
        _work(0, "Sparse causal inference 0", 2019, "", "", "An abstract."),
        _work(1, "Sparse causal inference", 2021, "Letters", "10.5555/p.2", ""),
        _work(2, "Sparse causal inference 2", 2019, "Letters", "10.5555/p.1", ""),
        _work(3, "Robust markets 3", 2020, "", "", "Another abstract."),
        _work(4, "Sparse causal inference 4", 2021, "Letters", "10.5555/p.2", "Another abstract."),
    ],
    authorships=[
        *_authors(0, [2]),
        *_authors(1, [1, 2, 3, 4]),
        *_authors(2, [5, 4, 6, 0]),
        *_authors(3, [3], with_ids=False),
        *_authors(4, [1, 2, 3, 4]),
    ],
)


# Found by a longer run (session 3): "Ada Lovelace" (p0) and "Lovelace, Ada" (p2) named together on w0 make one
# slot holding both ids, so csv:p0 holds p2 too; w6's p2 mention, loaded in a later batch, must find csv:p0 through
# p2 (it became a researcher of its own, and joined csv:p0 only when the same input was loaded again).
_HELD_THROUGH_A_SECOND_ID = Bundle(
    works=[
        _work(0, "Sparse causal inference 0", 2020, "Letters", "", "Another abstract."),
        _work(1, "Robust markets 1", 2019, "Journal", "10.5555/p.1", "An abstract."),
        _work(2, "Protein folding nets", 2019, "", "10.5555/p.1", "Another abstract."),
        _work(3, "Graph learning at scale 3", 2020, "", "", "An abstract."),
        _work(4, "Graph learning at scale", 2022, "Journal", "10.5555/p.2", "An abstract."),
        _work(5, "Robust markets 5", 2022, "Journal", "10.5555/p.2", "Another abstract."),
        _work(6, "Robust markets", 2020, "Journal", "", "Another abstract."),
    ],
    authorships=[
        *_authors(0, [4, 6, 0, 2]),
        *_authors(1, [6, 2, 0, 4], with_ids=False),
        *_authors(2, [3]),
        *_authors(3, [1], with_ids=False),
        *_authors(4, [1, 3, 0, 2]),
        *_authors(5, [1, 0, 6, 2], with_ids=False),
        *_authors(6, [2]),
    ],
)


def _load(env: dict[str, str], path: Path) -> None:
    res = subprocess.run(
        [sys.executable, "-m", "kg.cli", "load", "--no-derived", str(path), "--batch-size", "3"],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert res.returncode == 0, res.stdout + res.stderr


# Each example is three real loads; shrinking would replay dozens, so a failure prints its corpus instead.
@settings(
    max_examples=int(os.environ.get("KG_PROPERTY_EXAMPLES", "6")),  # a deeper run: KG_PROPERTY_EXAMPLES=80
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(example=corpora())
@example(example=(_SPLIT_THEN_APPENDED, [2, 0, 3, 1, 4]))
@example(example=(_HELD_THROUGH_A_SECOND_ID, [6, 5, 4, 3, 2, 1, 0]))
def test_loading_twice_or_shuffled_gives_the_same_graph(
    neo4j_driver: Driver, neo4j_settings: Settings, cli_env: dict[str, str], example: tuple[Bundle, list[int]]
) -> None:
    corpus, order = example
    with tempfile.TemporaryDirectory() as tmp:
        bundle = corpus.write(Path(tmp) / "bundle")
        # every example starts from nothing: an empty graph and a stage store of its own
        env = {**cli_env, "KG_STAGE_PATH": str(Path(tmp) / "stage.duckdb")}
        wipe(neo4j_driver, neo4j_settings)
        _load(env, bundle)
        once = fingerprint(neo4j_driver, neo4j_settings)
        once_any_line = fingerprint(neo4j_driver, neo4j_settings, ignore_lines=True)
        _load(env, bundle)
        twice = fingerprint(neo4j_driver, neo4j_settings)
        assert twice == once, f"{diff(once, twice)}\ncorpus: {corpus}"

        corpus.write(bundle, order=order)  # same path, so provenance compares equal
        # a fresh start: an empty graph and an empty stage store (which remembers every record it was given)
        wipe(neo4j_driver, neo4j_settings)
        _load({**cli_env, "KG_STAGE_PATH": str(Path(tmp) / "fresh-stage.duckdb")}, bundle)
        shuffled = fingerprint(neo4j_driver, neo4j_settings, ignore_lines=True)
        assert shuffled == once_any_line, f"{diff(once_any_line, shuffled)}\ncorpus: {corpus}\norder: {order}"


# "Graph learning at scale" without a DOI (w0, 2020) fits both the paper with DOI p.2 (w1, 2020) and the one with
# DOI p.1 (w3, 2021). Which one it joins depends on which was loaded first; what holds in every order is pinned.
_TITLE_FITS_TWO_PAPERS = Bundle(
    works=[
        _work(0, "Graph learning at scale", 2020, "Journal", "", "An abstract."),
        _work(1, "Graph learning at scale", 2020, "", "10.5555/p.2", "An abstract."),
        _work(2, "Protein folding nets", 2021, "", "10.5555/p.2", "An abstract."),
        _work(3, "Graph learning at scale", 2021, "Letters", "10.5555/p.1", "An abstract."),
    ],
    authorships=[
        *_authors(0, [1, 6, 5, 4]),
        *_authors(1, [4], with_ids=False),
        *_authors(2, [1, 6, 5, 4]),
        *_authors(3, [1, 2, 4], with_ids=False),
    ],
)


@pytest.mark.parametrize("order", [[0, 1, 2, 3], [3, 2, 1, 0], [3, 0, 2, 1]])
def test_a_title_fitting_two_papers_never_merges_them(
    neo4j_driver: Driver, neo4j_settings: Settings, cli_env: dict[str, str], order: list[int]
) -> None:
    """Two DOIs stay two papers however the DOI-less record between them arrives, and a second load of the same
    input changes nothing (it used to join both papers into one Work through the DOI-less record's title)."""
    with tempfile.TemporaryDirectory() as tmp:
        bundle = _TITLE_FITS_TWO_PAPERS.write(Path(tmp) / "bundle", order=order)
        wipe(neo4j_driver, neo4j_settings)
        _load(cli_env, bundle)
        once = fingerprint(neo4j_driver, neo4j_settings)
        _load(cli_env, bundle)
        assert fingerprint(neo4j_driver, neo4j_settings) == once
        rows, _, _ = neo4j_driver.execute_query(
            "MATCH (w:Work) RETURN w.doi AS doi, [r IN w.record_refs | split(r, '#')[1]] AS works ORDER BY doi",
            database_=neo4j_settings.neo4j_database,
        )
        works = {r["doi"]: sorted(r["works"]) for r in rows}
        assert set(works) == {"10.5555/p.1", "10.5555/p.2"}
        # each paper keeps its own records; w0 joined exactly one of them (which one depends on the order)
        assert [w for w in works["10.5555/p.1"] if w != "w0"] == ["w3"]
        assert [w for w in works["10.5555/p.2"] if w != "w0"] == ["w1", "w2"]
        assert sum(ws.count("w0") for ws in works.values()) == 1
