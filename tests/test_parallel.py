"""The suite's two workers (tests/parallel.py) each get a test Neo4j of their own, and a serial run keeps its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import parallel
from tests.neo4j_fixture import worker_instance

ENV = {"KG_TEST_LOCALDB_HOME": "/x/neo4j-test", "KG_TEST_BOLT_PORT": "17800", "KG_TEST_HTTP_PORT": "17801"}


def test_a_serial_run_keeps_the_home_and_ports_it_is_given() -> None:
    assert worker_instance(ENV) == (Path("/x/neo4j-test"), 17800, 17801)
    assert worker_instance({**ENV, "PYTEST_XDIST_WORKER": "master"}) == (Path("/x/neo4j-test"), 17800, 17801)


def test_each_worker_has_a_home_and_ports_of_its_own() -> None:
    first = worker_instance({**ENV, "PYTEST_XDIST_WORKER": "gw0"})
    second = worker_instance({**ENV, "PYTEST_XDIST_WORKER": "gw1"})
    assert first == (Path("/x/neo4j-test-gw0"), 17800, 17801)
    assert second == (Path("/x/neo4j-test-gw1"), 17810, 17811)
    assert not {first[1], first[2]} & {second[1], second[2]}


@pytest.mark.parametrize(
    ("args", "named"),
    [
        ([], False),
        (["-ra", "tests/test_load.py"], False),
        (["-n", "0"], True),
        (["-n0"], True),
        (["--numprocesses=auto"], True),
    ],
)
def test_the_command_line_decides_the_number_of_workers_when_it_names_one(
    args: list[str], named: bool
) -> None:
    assert parallel._names_workers(args) is named
