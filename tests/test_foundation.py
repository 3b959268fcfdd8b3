"""The foundation: schema applied idempotently, the local Neo4j's life cycle, and clear start failures."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from neo4j import Driver

from kg import graphdb, localdb
from kg.config import Settings
from kg.graphdb import catalog
from tests.own_neo4j import free_port

pytestmark = pytest.mark.neo4j

EXPECTED_CONSTRAINTS = {
    "researcher_id",
    "work_id",
    "topic_id",
    "institution_id",
    "loadrun_id",
}
EXPECTED_INDEXES = {
    "work_doi",
    "work_arxiv_id",
    "work_openalex_id",
    "work_title_key",
    "work_year",
    "researcher_orcid",
    "researcher_openalex_id",
    "researcher_name_key",
    "researcher_block_key",
    "institution_ror",
    "institution_openalex_id",
    "topic_name",
    "topic_level",
    "researcher_names",
    "work_text",
    "topic_names",
    "institution_names",
}


def _schema(drv: Driver, s: Settings) -> tuple[set[str], set[str]]:
    cons = {r["name"] for r in graphdb.run(drv, "SHOW CONSTRAINTS YIELD name RETURN name", settings=s)}
    idx = {
        r["name"]
        for r in graphdb.run(
            drv, "SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP' RETURN name", settings=s
        )
    }
    return cons, idx


def test_schema_apply_twice_leaves_the_same_constraints_and_indexes(
    graph: Driver, neo4j_settings: Settings
) -> None:
    graphdb.apply_schema(graph, neo4j_settings)
    first = _schema(graph, neo4j_settings)
    graphdb.apply_schema(graph, neo4j_settings)
    second = _schema(graph, neo4j_settings)
    assert first == second
    cons, idx = first
    assert cons == EXPECTED_CONSTRAINTS
    # every constraint brings its own backing index named after it
    assert idx == EXPECTED_INDEXES | EXPECTED_CONSTRAINTS


def test_uniqueness_constraint_rejects_a_second_node_with_the_same_id(
    graph: Driver, neo4j_settings: Settings
) -> None:
    graphdb.run(graph, "CREATE (:Work {id: 'doi:10.1/x'})", write=True, settings=neo4j_settings)
    with pytest.raises(Exception, match="already exists"):
        graphdb.run(graph, "CREATE (:Work {id: 'doi:10.1/x'})", write=True, settings=neo4j_settings)


def test_catalog_reads_the_schema_file_and_splits_statements() -> None:
    stmts = catalog.get("schema").statements()
    assert len(stmts) == 25  # 22 CREATE … IF NOT EXISTS, 3 DROP … IF EXISTS of what the old resolver used
    assert [s.split(" IF ")[0].split()[0] for s in stmts] == ["CREATE"] * 22 + ["DROP"] * 3
    assert all("IF NOT EXISTS" in s if s.startswith("CREATE") else "IF EXISTS" in s for s in stmts)


def _kg(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", *args], capture_output=True, text=True, env=env, timeout=300
    )


def _local_env(home: Path, bolt: int, http: int) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_NEO4J_URI")}
    env.update(
        {
            "KG_LOCALDB_HOME": str(home),
            "KG_BOLT_PORT": str(bolt),
            "KG_HTTP_PORT": str(http),
            "KG_HEAP_INITIAL": "256m",
            "KG_HEAP_MAX": "1g",
            "KG_PAGECACHE": "256m",
        }
    )
    return env


@pytest.mark.slow
def test_local_db_life_cycle_keeps_data_and_a_second_start_is_a_no_op(tmp_path: Path) -> None:
    env = _local_env(tmp_path / "neo4j", free_port(), free_port())
    started = _kg(["db", "start"], env)
    assert started.returncode == 0, started.stderr
    try:
        status = _kg(["db", "status"], env)
        assert status.returncode == 0
        assert "Neo4j 5.26." in status.stdout and "Community: running" in status.stdout
        assert f"bolt://127.0.0.1:{env['KG_BOLT_PORT']}" in status.stdout
        browser = f"http://127.0.0.1:{env['KG_HTTP_PORT']}/browser/"
        assert browser in status.stdout
        with urllib.request.urlopen(browser, timeout=10) as resp:
            page = resp.read().decode("utf-8", "replace")
        assert resp.status == 200 and "Neo4j Browser" in page

        s = Settings(
            localdb_home=tmp_path / "neo4j",
            bolt_port=int(env["KG_BOLT_PORT"]),
            http_port=int(env["KG_HTTP_PORT"]),
        )
        drv = graphdb.open_driver(s)
        graphdb.run(drv, "CREATE (:Work {id: 'kept:1', title: 'survives a restart'})", write=True, settings=s)
        drv.close()

        again = _kg(["db", "start"], env)
        assert again.returncode == 0 and "already running" in again.stdout

        assert _kg(["db", "stop"], env).returncode == 0
        assert localdb.status(s, with_version=False).running is False
        # after a start and a clean stop the server's class archive is there (recorded now or earlier; kg.cds)...
        jars = Path(env.get("KG_LOCALDB_JARS", str(s.localdb_jars)))
        archives = list((jars / "cds").glob("server-*.jsa"))
        assert len(archives) == 1, archives
        assert _kg(["db", "start"], env).returncode == 0
        # ... and the next start maps it
        pid = localdb.status(s, with_version=False).pid
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        assert f"-XX:SharedArchiveFile={archives[0]}".encode() in cmdline
        drv = graphdb.open_driver(s)
        rows = graphdb.run(drv, "MATCH (w:Work {id: 'kept:1'}) RETURN w.title AS title", settings=s)
        drv.close()
        assert rows == [{"title": "survives a restart"}]
    finally:
        _kg(["db", "stop"], env)


@pytest.mark.slow
def test_a_password_changed_after_the_local_neo4j_s_first_start_is_named_as_the_cause(tmp_path: Path) -> None:
    """The local Neo4j takes KG_NEO4J_PASSWORD at its first start and keeps it: a user who changes the setting
    later was told only to check it, with nothing saying the old one still holds."""
    home = tmp_path / "neo4j"
    env = {**_local_env(home, free_port(), free_port()), "KG_NEO4J_PASSWORD": "the-first-one"}
    assert _kg(["db", "start"], env).returncode == 0
    try:
        r = _kg(["cypher", "run", "graph_overview"], {**env, "KG_NEO4J_PASSWORD": "a-second-one"})
        assert (r.returncode, r.stderr.splitlines()) == (
            1,
            [
                "error: Neo4j refused the credentials (check KG_NEO4J_USER / KG_NEO4J_PASSWORD); the local Neo4j "
                f"in {home} keeps the password set at its first start: use that one, or name a new home with "
                "KG_LOCALDB_HOME"
            ],
        )
        assert _kg(["cypher", "run", "graph_overview"], env).returncode == 0
    finally:
        _kg(["db", "stop"], env)


def test_an_unreachable_kg_neo4j_uri_is_named_in_the_error() -> None:
    """A KG_NEO4J_URI left in the environment sends every command to a Neo4j that may be gone: the line names
    the setting, not only the driver's words about an address."""
    import os

    port = free_port()
    env = {**os.environ, "KG_NEO4J_URI": f"bolt://127.0.0.1:{port}"}
    r = _kg(["cypher", "run", "graph_overview"], env)
    [line] = r.stderr.splitlines()
    assert r.returncode == 1 and line.startswith("error: Neo4j is unavailable: ")
    assert line.endswith(f"(KG_NEO4J_URI is bolt://127.0.0.1:{port}; unset it to use the local Neo4j)")


def test_start_on_a_taken_port_fails_with_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = int(taken.getsockname()[1])
        env = _local_env(tmp_path / "neo4j", port, free_port())
        result = _kg(["db", "start"], env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0] == (
        f"error: cannot start the local Neo4j: Bolt port {port} on 127.0.0.1 is already in use "
        "(set KG_BOLT_PORT to another port)"
    )


def test_a_command_that_starts_the_local_neo4j_says_so_before_the_wait(tmp_path: Path) -> None:
    """Any command that needs the graph starts the local Neo4j when it is down, which takes seconds to minutes: it
    was a silent wait. The port is taken here, so the start fails at once, after the line that announces it."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = int(taken.getsockname()[1])
        env = _local_env(tmp_path / "neo4j", port, free_port())
        result = _kg(["cypher", "run", "graph_overview"], env)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"starting the local Neo4j (bolt://127.0.0.1:{port}, home {tmp_path / 'neo4j'}; `kg db stop` stops it) …",
        f"error: cannot start the local Neo4j: Bolt port {port} on 127.0.0.1 is already in use "
        "(set KG_BOLT_PORT to another port)",
    ]


def test_a_stopped_process_that_is_a_zombie_counts_as_exited() -> None:
    """`kg load --bulk` stops a Neo4j that another live process started (the bench, a test session): it exits to a
    zombie its parent has not reaped yet, which signal 0 still reaches. stop() must see it as gone, not wait out its
    90 s timeout and SIGKILL."""
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        assert not localdb._exited(live.pid)
        for _ in range(200):  # until the short one has exited (it stays a zombie: nobody waits for it yet)
            state = Path(f"/proc/{done.pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
            if state == "Z":
                break
            time.sleep(0.05)
        assert state == "Z"
        assert localdb._exited(done.pid)
    finally:
        live.kill()
        live.wait()
        done.wait()
    assert localdb._exited(done.pid)  # reaped: gone
