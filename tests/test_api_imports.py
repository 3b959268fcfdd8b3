"""The API process stays light: building the app loads no numerical library and none of the batch jobs."""

from __future__ import annotations

import json
import subprocess
import sys

from kg.config import REPO_ROOT

# What the API must never pull in: the discovery and topic jobs and the libraries only they need.
HEAVY = ("scipy", "sklearn", "spacy", "duckdb", "pyspark", "kg.discover", "kg.linkpred", "kg.topic_model")
# numpy and pyarrow: the official driver (neo4j 6) imports them itself when they are installed
# (neo4j._optional_deps, for its vector and DataFrame types), so they are measured against a process that has
# imported the driver and FastAPI and nothing of ours.
DRIVER_OPTIONAL = ("numpy", "pyarrow")

PROBE = """
import json, sys
import fastapi, neo4j, pydantic, starlette
before = set(sys.modules)
import api.main
api.main.create_app()
after = set(sys.modules)
print(json.dumps({"loaded": sorted(after), "added": sorted(after - before)}))
"""


def _probe() -> dict[str, list[str]]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    result: dict[str, list[str]] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _top(names: list[str], wanted: tuple[str, ...]) -> list[str]:
    return sorted({w for n in names for w in wanted if n == w or n.startswith(w + ".")})


def test_the_api_app_loads_no_numerical_library_nor_a_batch_job() -> None:
    probe = _probe()
    assert "api.main" in probe["added"] and "api.repository" in probe["added"]  # the probe built the app
    assert _top(probe["loaded"], HEAVY) == []
    assert _top(probe["added"], DRIVER_OPTIONAL) == []
