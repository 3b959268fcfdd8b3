"""`kg serve` starts the API with uvicorn (host, port, workers) against the configured Neo4j, and fails clearly."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

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


def _serve_briefly(env: dict[str, str], port: int) -> tuple[list[str], int]:
    """`kg serve`'s output lines and what / answers, once the API is up."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "serve", "--port", str(port)],
        env={**env, "KG_API_WARM_UP": "false"},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        for _ in range(240):
            try:
                if _get(f"http://127.0.0.1:{port}/api/v1/health")[0] == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None
            time.sleep(0.25)
        root = _get(f"http://127.0.0.1:{port}/")[0]
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=60)
    return out.splitlines(), root


def test_kg_serve_says_whether_the_web_panel_is_built(tmp_path: Path) -> None:
    """Without web/dist every page URL answers 404 and only /api/v1 works: `kg serve` says so, and how to build
    the panel, instead of leaving a new user with a 404 at /. (No Neo4j needed: the API starts without one.)"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    env["KG_NEO4J_URI"] = f"bolt://127.0.0.1:{_free_port()}"
    missing = tmp_path / "none"
    port = _free_port()
    lines, root = _serve_briefly({**env, "KG_API_WEB_DIST": str(missing)}, port)
    assert root == 404
    assert lines[:2] == [
        f"Research KG API on http://127.0.0.1:{port}/api/v1/docs",
        f"note: the web panel is not built ({missing} has no index.html), so only the API answers: `make run` "
        "builds it, or `npm --prefix web ci && npm --prefix web run build`",
    ]
    built = tmp_path / "dist"
    built.mkdir()
    (built / "index.html").write_text("<!doctype html><title>panel</title>\n", encoding="utf-8")
    port = _free_port()
    lines, root = _serve_briefly({**env, "KG_API_WEB_DIST": str(built)}, port)
    assert root == 200
    assert lines[:2] == [
        f"Research KG API on http://127.0.0.1:{port}/api/v1/docs",
        f"the research graph panel on http://127.0.0.1:{port}/",
    ]
