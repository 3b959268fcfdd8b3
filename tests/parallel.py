"""Runs the suite on two pytest-xdist workers, one test file per worker at a time, unless the command line says how
many (-n 0 for a serial run), turns xdist off (-p no:xdist) or KG_NEO4J_URI names the one database every test wipes
(two workers would wipe each other's graph; the local Neo4j is one per worker, tests/neo4j_fixture.py). Most tests
wait on Neo4j, a JVM or a subprocess, so two workers gain even on two cores. Loaded by pyproject's addopts
(-p tests.parallel): only a plugin, not a conftest, may still change the arguments pytest parses."""

from __future__ import annotations

import os

import pytest

WORKERS = "2"


def _names_workers(args: list[str]) -> bool:
    return any(a.startswith(("-n", "--numprocesses")) for a in args)


def pytest_load_initial_conftests(early_config: pytest.Config, args: list[str]) -> None:
    if "PYTEST_XDIST_WORKER" in os.environ or not early_config.pluginmanager.has_plugin("xdist"):
        return
    if os.environ.get("KG_NEO4J_URI"):
        return
    if not _names_workers(args):
        # loadfile: a module's tests share module fixtures (a corpus loaded once), so they stay on one worker
        args[:] = ["-n", WORKERS, "--dist", "loadfile", *args]
