"""When Neo4j is unreachable the API answers 503 problems with Retry-After, and it recovers by itself when Neo4j
returns; a query past the timeout is a 503 too. Neo4j "goes away" behind a TCP proxy the test opens and closes."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from api.config import ApiSettings
from api.deps import RepoDep
from api.main import create_app
from kg.config import Settings
from tests.api_fixture_graph import PROFILE, ensure_fixture_graph

pytestmark = pytest.mark.neo4j

V1 = "/api/v1"


class BoltProxy:
    """A loopback TCP relay to the test Neo4j that can be switched off (refusing and cutting connections) and on."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self._server: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(16)
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            # shutdown first: on Linux a close alone does not wake the thread blocked in accept()
            with contextlib.suppress(OSError):
                self._server.shutdown(socket.SHUT_RDWR)
            self._server.close()
            self._server = None
        with self._lock:
            for c in self._conns:
                with contextlib.suppress(OSError):
                    c.shutdown(socket.SHUT_RDWR)
                c.close()
            self._conns.clear()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


@pytest.fixture(scope="module")
def data(neo4j_driver: Driver, neo4j_settings: Settings) -> dict[str, Any]:
    return ensure_fixture_graph(neo4j_driver, neo4j_settings)


@pytest.fixture
def proxy(neo4j_settings: Settings) -> Iterator[BoltProxy]:
    target = urlparse(neo4j_settings.uri)
    p = BoltProxy(target.hostname or "127.0.0.1", target.port or 7687)
    yield p
    p.stop()


def _assert_503(r: Any, path: str) -> None:
    assert r.status_code == 503, r.text
    assert r.headers["retry-after"] == "5"
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json() == {
        "type": "about:blank",
        "title": "Service Unavailable",
        "status": 503,
        "detail": "the graph database does not answer right now; try again shortly",
        "instance": path,
    }


def test_unreachable_neo4j_is_a_503_and_the_api_recovers_by_itself(
    neo4j_settings: Settings, data: dict[str, Any], proxy: BoltProxy
) -> None:
    s = neo4j_settings.model_copy(update={"neo4j_uri": f"bolt://127.0.0.1:{proxy.port}"})
    app = create_app(s, ApiSettings(web_dist=Path("/nonexistent"), retry_after=5, warm_up=False))
    quick_read = f"{V1}/researchers/{PROFILE}"
    with TestClient(app) as client:
        # Neo4j down when the API starts: the process is up, reads are 503
        assert client.get(f"{V1}/health").status_code == 200
        _assert_503(client.get(f"{V1}/ready"), f"{V1}/ready")
        _assert_503(client.get(quick_read), quick_read)
        _assert_503(client.get(f"{quick_read}/graph"), f"{quick_read}/graph")

        proxy.start()  # Neo4j comes back: the same app answers
        assert client.get(f"{V1}/ready").json() == {"status": "ready", "neo4j": "answers"}
        assert client.get(quick_read).json()["counts"]["works"] == 9

        proxy.stop()  # it goes away again, cutting the pooled connections
        _assert_503(client.get(f"{quick_read}/graph"), f"{quick_read}/graph")
        _assert_503(client.get(f"{V1}/search", params={"q": "graph"}), f"{V1}/search")

        proxy.start()  # and returns once more
        assert client.get(f"{quick_read}/graph").json()["budget"]["used"] == 25


def test_a_query_past_the_timeout_is_a_503(neo4j_settings: Settings, data: dict[str, Any]) -> None:
    s = neo4j_settings.model_copy(update={"query_timeout": 0.5})
    app = create_app(s, ApiSettings(web_dist=Path("/nonexistent"), warm_up=False))

    @app.get("/api/v1/test-only/slow")
    def slow(repo: RepoDep) -> dict[str, Any]:
        # a read that would take minutes: the server cancels it at the transaction timeout
        return repo.run_read("UNWIND range(1, 2000000000) AS x WITH x WHERE x % 7 = 3 RETURN count(x) AS n")[
            0
        ]

    with TestClient(app) as client:
        r = client.get("/api/v1/test-only/slow")
        assert r.status_code == 503
        assert r.headers["retry-after"] == "5"
        assert r.json()["detail"] == "the query took longer than the API allows; try again shortly"
        # and the next ordinary request is fine
        assert client.get(f"{V1}/researchers/{PROFILE}").status_code == 200
