"""Secrets stay secret: the Neo4j password is never printed, logged or returned by the CLI (issue 11)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from kg.config import Settings

SECRET = "s3cret-Hunter2-never-shown"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _kg(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_settings_never_show_the_password() -> None:
    s = Settings(neo4j_password=SECRET)
    assert SECRET not in repr(s)
    assert SECRET not in str(s)
    assert SECRET not in s.model_dump_json()


def test_unreachable_neo4j_gives_one_line_without_the_password() -> None:
    env = {**os.environ, "KG_NEO4J_URI": f"bolt://127.0.0.1:{_closed_port()}", "KG_NEO4J_PASSWORD": SECRET}
    result = _kg(["schema", "apply"], env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: Neo4j is unavailable:")
    assert SECRET not in result.stdout + result.stderr


@pytest.mark.neo4j
def test_wrong_password_is_refused_without_echoing_it(cli_env: dict[str, str]) -> None:
    env = {**cli_env, "KG_NEO4J_PASSWORD": SECRET}
    result = _kg(["schema", "apply"], env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines == ["error: Neo4j refused the credentials (check KG_NEO4J_USER / KG_NEO4J_PASSWORD)"]
    assert SECRET not in result.stdout + result.stderr


def test_local_neo4j_listens_on_loopback_only(tmp_path: object) -> None:
    from kg import localdb

    s = Settings(localdb_home=tmp_path / "home")  # type: ignore[operator]
    conf = localdb.write_config(s).read_text()
    assert "server.default_listen_address=127.0.0.1" in conf
    assert f"server.bolt.listen_address=127.0.0.1:{s.bolt_port}" in conf
    assert f"server.http.listen_address=127.0.0.1:{s.http_port}" in conf
    assert "dbms.security.auth_enabled=true" in conf
    assert SECRET not in conf and s.neo4j_password.get_secret_value() not in conf
