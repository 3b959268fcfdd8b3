"""A schema-driven fuzz run (schemathesis) against the running app in-process on the fixture graph: no input gives a
5xx, and every response matches the OpenAPI document (status code, media type, headers, body schema)."""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from neo4j import Driver
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.config import ApiSettings
from api.main import create_app
from kg.config import Settings
from tests.api_fixture_graph import HUB, PROFILE, SUPERNODE, ensure_fixture_graph

pytestmark = pytest.mark.neo4j

# Ids that exist in the fixture graph, so fuzzed parameters also reach real slices, pages and details.
REAL_IDS = {
    "researcher_id": [PROFILE, HUB, "orcid:0000-0002-0000-0001"],
    "work_id": ["doi:10.5555/rkg.2026.001", "arxiv:2205.01002"],
    "topic_id": [SUPERNODE, "openalex:subfield:1702", "arxiv:cs.LG"],
    "institution_id": ["ror:02abc1234"],
    "node": [PROFILE, SUPERNODE, "doi:10.5555/rkg.2026.001", "ror:02abc1234"],
}


# The schema is read at import from an app whose settings do not matter (the OpenAPI document never touches
# Neo4j); each case is then sent to `api_app`, the same app wired to the test Neo4j with the fixture graph.
schema = schemathesis.openapi.from_asgi(
    "/api/v1/openapi.json",
    create_app(
        Settings(neo4j_uri="bolt://127.0.0.1:1"), ApiSettings(web_dist=Path("/nonexistent"), warm_up=False)
    ),
)


@pytest.fixture(scope="module")
def api_app(neo4j_driver: Driver, neo4j_settings: Settings) -> Any:
    ensure_fixture_graph(neo4j_driver, neo4j_settings)
    return create_app(neo4j_settings, ApiSettings(web_dist=Path("/nonexistent"), warm_up=False))


def _point_at_real_nodes(case: Any) -> None:
    """Half the generated cases (chosen by a hash of the case, so a run is reproducible) get a real id."""
    seed = zlib.crc32(repr((case.path_parameters, case.query)).encode("utf-8", "surrogatepass"))
    if seed % 2:
        return
    for name, ids in REAL_IDS.items():
        if case.path_parameters and name in case.path_parameters:
            case.path_parameters[name] = ids[seed % len(ids)]
        if name == "node" and case.query and "node" in case.query:
            case.query["node"] = ids[seed % len(ids)]


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_input_gives_a_5xx_or_a_response_outside_the_schema(case: Any, api_app: Any) -> None:
    _point_at_real_nodes(case)
    case.call_and_validate(
        app=api_app,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_headers_conformance,
            response_schema_conformance,
            negative_data_rejection,
        ],
    )
