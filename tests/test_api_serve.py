"""`kg serve` starts the API with uvicorn (host, port, workers) against the configured Neo4j, and fails clearly."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.neo4j


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.headers["content-type"], r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers["content-type"], e.read()


def test_kg_serve_answers_on_the_given_port_with_two_workers(cli_env: dict[str, str]) -> None:
    port = _free_port()
    env = {**cli_env, "KG_API_WARM_UP": "false"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kg.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "2",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):  # up to a minute on a busy machine
            try:
                status, _, _ = _get(f"{base}/api/v1/health")
                if status == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            time.sleep(0.25)
        else:
            raise AssertionError("kg serve did not answer")
        assert _get(f"{base}/api/v1/ready")[0] == 200
        status, ctype, body = _get(f"{base}/api/v1/researchers/orcid:0000-0000-0000-0000")
        assert (status, ctype) == (404, "application/problem+json")
        assert json.loads(body)["detail"] == "no researcher with id 'orcid:0000-0000-0000-0000'"
        status, _, body = _get(f"{base}/api/v1/openapi.json")
        assert status == 200 and json.loads(body)["info"]["title"] == "Research KG API"
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=60)
    assert f"Research KG API on http://127.0.0.1:{port}/api/v1/docs" in out


def test_kg_serve_rejects_bad_options_in_one_line(cli_env: dict[str, str]) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "kg.cli", "serve", "--workers", "0"],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 1
    assert r.stderr.strip().splitlines() == ["error: --workers must be at least 1"]
    h = subprocess.run(
        [sys.executable, "-m", "kg.cli", "serve", "--help"], capture_output=True, text=True, timeout=120
    )
    assert h.returncode == 0 and "--workers" in h.stdout and "--port" in h.stdout
