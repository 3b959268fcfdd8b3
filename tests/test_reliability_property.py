"""Property: any small corpus loaded once, twice, or in another order gives the same graph (issue 11)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
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
    return b, draw(st.permutations(list(range(n))))


def _load(env: dict[str, str], path: Path) -> None:
    res = subprocess.run(
        [sys.executable, "-m", "kg.cli", "load", "--no-derived", str(path), "--batch-size", "3"],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert res.returncode == 0, res.stdout + res.stderr


# Each example is three real loads; shrinking would replay dozens, so a failure prints its corpus instead.
@settings(
    max_examples=6,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(example=corpora())
def test_loading_twice_or_shuffled_gives_the_same_graph(
    neo4j_driver: Driver, neo4j_settings: Settings, cli_env: dict[str, str], example: tuple[Bundle, list[int]]
) -> None:
    corpus, order = example
    with tempfile.TemporaryDirectory() as tmp:
        bundle = corpus.write(Path(tmp) / "bundle")
        wipe(neo4j_driver, neo4j_settings)
        _load(cli_env, bundle)
        once = fingerprint(neo4j_driver, neo4j_settings)
        once_any_line = fingerprint(neo4j_driver, neo4j_settings, ignore_lines=True)
        _load(cli_env, bundle)
        twice = fingerprint(neo4j_driver, neo4j_settings)
        assert twice == once, f"{diff(once, twice)}\ncorpus: {corpus}"

        corpus.write(bundle, order=order)  # same path, so provenance compares equal
        wipe(neo4j_driver, neo4j_settings)
        _load(cli_env, bundle)
        shuffled = fingerprint(neo4j_driver, neo4j_settings, ignore_lines=True)
        assert shuffled == once_any_line, f"{diff(once_any_line, shuffled)}\ncorpus: {corpus}\norder: {order}"
