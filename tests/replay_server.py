"""A real HTTP server on 127.0.0.1 that replays recorded responses: routes by method, path and query, each route a
script of replies (a 429 with Retry-After, a 500, a body cut short, a reply held until the test lets it go)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    truncate: bool = False  # announce the whole body, send half of it, close the connection
    hold: threading.Event | None = None  # wait for this before answering (a request in flight)

    @classmethod
    def json(cls, obj: Any, status: int = 200, headers: dict[str, str] | None = None, **kw: Any) -> Reply:
        return cls(
            json.dumps(obj).encode(), status, {"Content-Type": "application/json", **(headers or {})}, **kw
        )

    @classmethod
    def text(cls, text: str, content_type: str = "application/atom+xml", **kw: Any) -> Reply:
        return cls(text.encode(), 200, {"Content-Type": content_type}, **kw)


@dataclass
class Route:
    method: str
    path: str
    query: dict[str, str] | None
    replies: list[Reply]
    served: int = 0

    def matches(self, method: str, path: str, query: dict[str, str]) -> bool:
        if method != self.method or path != self.path:
            return False
        return all(query.get(k) == v for k, v in (self.query or {}).items())


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    body: bytes
    headers: dict[str, str]


class ReplayServer:
    def __init__(self) -> None:
        self.routes: list[Route] = []
        self.log: list[Seen] = []
        self.requested = threading.Condition()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def _serve(self, method: str) -> None:
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with server.requested:
                    server.log.append(Seen(method, parts.path, query, body, dict(self.headers.items())))
                    server.requested.notify_all()
                reply = server.reply_for(method, parts.path, query)
                if reply.hold is not None:
                    reply.hold.wait(30)
                self.send_response(reply.status)
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(reply.body)))
                if reply.truncate:
                    self.send_header("Connection", "close")
                self.end_headers()
                if reply.truncate:
                    self.wfile.write(reply.body[: len(reply.body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(reply.body)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def add(
        self, path: str, *replies: Reply, query: dict[str, str] | None = None, method: str = "GET"
    ) -> Route:
        route = Route(method, path, query, list(replies))
        self.routes.append(route)
        return route

    def reply_for(self, method: str, path: str, query: dict[str, str]) -> Reply:
        for route in self.routes:
            if route.matches(method, path, query):
                k = min(route.served, len(route.replies) - 1)  # the last reply repeats
                route.served += 1
                return route.replies[k]
        return Reply.json({"error": f"no recorded response for {method} {path} {query}"}, 404)

    def requests_to(self, path: str) -> list[Seen]:
        return [s for s in self.log if s.path == path]

    def wait_for(self, count: int, timeout: float = 30) -> bool:
        with self.requested:
            return self.requested.wait_for(lambda: len(self.log) >= count, timeout)


@contextmanager
def replay_server() -> Iterator[ReplayServer]:
    server = ReplayServer()
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        for route in server.routes:
            for r in route.replies:
                if r.hold is not None:
                    r.hold.set()
        server.httpd.shutdown()
        server.httpd.server_close()
