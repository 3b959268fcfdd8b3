"""The one edge to Neo4j (kg.graphdb): typed errors by code, reads in read mode, bookmarks kept, no side effects."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from neo4j import Driver
from pydantic import SecretStr

from kg import graphdb
from kg.config import Settings
from kg.errors import ConstraintViolation, CredentialsRefused, DatabaseUnavailable, QueryError, QueryTimedOut
from tests.kg_process import free_port, run_kg

# A read that takes minutes unless something stops it (the range is lazy: nothing is materialised).
SLOW_READ = "UNWIND range(1, $n) AS x WITH x WHERE x % 7 = 99 RETURN count(*) AS n"


def test_a_read_past_its_timeout_is_a_query_timed_out(graph: Driver, neo4j_settings: Settings) -> None:
    with pytest.raises(QueryTimedOut) as e:
        graphdb.run(graph, SLOW_READ, {"n": 10**11}, settings=neo4j_settings, timeout=0.3)
    assert "TransactionTimedOut" in str(e.value)
    # the same statement with room to finish answers
    assert graphdb.run(graph, SLOW_READ, {"n": 1000}, settings=neo4j_settings, timeout=30) == [{"n": 0}]


def test_a_second_node_with_a_unique_id_is_a_constraint_violation(
    graph: Driver, neo4j_settings: Settings
) -> None:
    graphdb.run(graph, "CREATE (:Work {id: $id})", {"id": "w:1"}, write=True, settings=neo4j_settings)
    with pytest.raises(ConstraintViolation):
        graphdb.run(graph, "CREATE (:Work {id: $id})", {"id": "w:1"}, write=True, settings=neo4j_settings)
    assert graphdb.run(graph, "MATCH (w:Work) RETURN w.id AS id", settings=neo4j_settings) == [{"id": "w:1"}]


def test_a_read_runs_in_read_mode_so_the_server_refuses_a_write_in_it(
    graph: Driver, neo4j_settings: Settings
) -> None:
    """Reads are sent as reads (a cluster routes them to readers): the server itself refuses a write in one."""
    with pytest.raises(QueryError) as e:
        graphdb.run(graph, "CREATE (:Work {id: $id})", {"id": "w:read"}, settings=neo4j_settings)
    assert not isinstance(e.value, QueryTimedOut | ConstraintViolation)
    assert graphdb.run(graph, "MATCH (w:Work) RETURN count(w) AS n", settings=neo4j_settings) == [{"n": 0}]


def test_every_session_keeps_the_drivers_bookmarks(graph: Driver, neo4j_settings: Settings) -> None:
    """A write through run or transaction advances the driver's bookmarks, which the next session starts from (a
    read after a write sees it, on a cluster's followers too)."""
    manager = graph.execute_query_bookmark_manager
    before = set(manager.get_bookmarks())
    graphdb.run(graph, "CREATE (:Work {id: $id})", {"id": "w:b1"}, write=True, settings=neo4j_settings)
    after_run = set(manager.get_bookmarks())
    assert after_run and after_run != before

    def two_writes(tx: object) -> int:
        run = tx.run  # type: ignore[attr-defined]
        run("CREATE (:Work {id: $id})", id="w:b2").consume()
        return int(run("MATCH (w:Work) RETURN count(w) AS n").single()["n"])

    assert graphdb.transaction(graph, two_writes, write=True, settings=neo4j_settings) == 2
    after_tx = set(manager.get_bookmarks())
    assert after_tx and after_tx != after_run
    # a statement that commits its own batches runs in an implicit transaction, with the same bookmarks
    graphdb.run(
        graph,
        "MATCH (w:Work) CALL (w) { SET w.seen = true } IN TRANSACTIONS OF 1 ROWS",
        write=True,
        settings=neo4j_settings,
    )
    assert set(manager.get_bookmarks()) != after_tx
    assert graphdb.run(
        graph, "MATCH (w:Work) WHERE w.seen RETURN count(w) AS n", settings=neo4j_settings
    ) == [{"n": 2}]


def test_refused_credentials_are_their_own_error(neo4j_settings: Settings) -> None:
    wrong = neo4j_settings.model_copy(update={"neo4j_password": SecretStr("not-the-password")})
    drv = graphdb.open_driver(wrong)
    try:
        with pytest.raises(CredentialsRefused, match="refused the credentials"), graphdb.translated_errors():
            drv.verify_connectivity()
    finally:
        drv.close()


def test_a_user_locked_out_after_wrong_passwords_gets_one_line_naming_the_settings(
    graph: Driver, neo4j_settings: Settings, cli_env: dict[str, str]
) -> None:
    """After 3 wrong passwords Neo4j answers AuthenticationRateLimit, which the driver raises as a plain
    ClientError: `kg` printed its raw code and text. A user of its own, so the tests' user is never locked out."""
    user = "kg_test_lockout"
    system = neo4j_settings.model_copy(update={"neo4j_database": "system"})
    graphdb.run(
        graph,
        "CREATE OR REPLACE USER $user SET PASSWORD 'the-right-password' CHANGE NOT REQUIRED",
        {"user": user},
        write=True,
        settings=system,
    )
    wrong = neo4j_settings.model_copy(update={"neo4j_user": user, "neo4j_password": SecretStr("wrong")})
    try:
        for _ in range(3):
            drv = graphdb.open_driver(wrong)
            try:
                with pytest.raises(CredentialsRefused), graphdb.translated_errors():
                    drv.verify_connectivity()
            finally:
                drv.close()
        r = run_kg(
            ["cypher", "run", "graph_overview"],
            env={**cli_env, "KG_NEO4J_USER": user, "KG_NEO4J_PASSWORD": "wrong"},
            timeout=120,
        )
        assert (r.returncode, r.stderr.splitlines()) == (
            1,
            [
                "error: Neo4j refused the credentials too many times in a row and refuses this user's logins for "
                "a few seconds (check KG_NEO4J_USER / KG_NEO4J_PASSWORD)"
            ],
        )
    finally:
        graphdb.run(graph, "DROP USER $user IF EXISTS", {"user": user}, write=True, settings=system)


def test_making_a_driver_starts_no_database(tmp_path: Path) -> None:
    """Starting the local Neo4j is the command line's decision: the factory only makes a driver, and a driver for
    a database that is not running fails when used, with one line."""
    home = tmp_path / "neo4j-home"
    port = free_port()
    s = Settings(neo4j_uri=None, localdb_home=home, bolt_port=port, http_port=free_port())
    assert s.uses_local_db
    drv = graphdb.open_driver(s)
    try:
        assert not home.exists()  # nothing configured, fetched or started
        with pytest.raises(DatabaseUnavailable) as e, graphdb.translated_errors():
            drv.verify_connectivity()
        # the line says where nothing answered and why, without the driver's resolver internals
        assert (
            str(e.value) == f"Neo4j is unavailable: cannot connect to 127.0.0.1:{port} (connection refused)"
        )
    finally:
        drv.close()
    assert not home.exists()


# The driver calls that open sessions, run Cypher or make a driver: only kg/graphdb/ makes them.
EDGE_CALLS = {"session", "execute_query", "execute_read", "execute_write", "begin_transaction"}


def edge_calls_outside_graphdb() -> list[str]:
    root = Path(__file__).resolve().parent.parent
    found = []
    for folder in ("kg", "api", "bench"):
        for path in sorted((root / folder).rglob("*.py")):
            if "graphdb" in path.relative_to(root).parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                    continue
                fn = node.func
                owner = fn.value.id if isinstance(fn.value, ast.Name) else ""
                if fn.attr in EDGE_CALLS or (fn.attr == "driver" and owner == "GraphDatabase"):
                    found.append(f"{path.relative_to(root)}:{node.lineno}: .{fn.attr}(")
    return found


def test_only_the_edge_makes_drivers_opens_sessions_or_runs_statements() -> None:
    found = edge_calls_outside_graphdb()
    assert found == [], "use kg.graphdb (open_driver, run, transaction):\n" + "\n".join(found)
