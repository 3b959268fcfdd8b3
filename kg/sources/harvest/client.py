"""A polite HTTP client for the live sources: one request at a time with a delay between them, retries with backoff
on 429, 5xx, dropped connections and truncated bodies, honouring Retry-After."""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from kg import __version__
from kg.errors import HarvestError

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
BACKOFF_BASE = 1.0  # seconds before the first retry when the source does not say; doubled each time
BACKOFF_CAP = 60.0


@dataclass(frozen=True)
class Request:
    """One call to a source: what to fetch and how to read the answer."""

    url: str
    params: Mapping[str, str] = field(default_factory=dict)
    method: str = "GET"
    json_body: Any = None
    text: bool = False  # the body is text (arXiv's Atom XML), not JSON
    not_found_ok: bool = False  # a lookup: 404 means "no such record", not a failure
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Response:
    uri: str  # the URL fetched, without secret parameters
    status: int
    body: Any  # parsed JSON, or text when the request asked for text; None for a 404 lookup


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds a Retry-After header asks for: a number of seconds or an HTTP date."""
    if not value:
        return None
    v = value.strip()
    if v.isdigit():
        return float(v)
    try:
        when = email.utils.parsedate_to_datetime(v)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    base = datetime.now(UTC).timestamp() if now is None else now
    return max(0.0, when.timestamp() - base)


@dataclass
class Stats:
    requests: int = 0
    retries: int = 0
    waited: float = 0.0


class PoliteClient:
    """Fetches one source's requests in order, never faster than `delay` seconds apart."""

    def __init__(
        self,
        *,
        delay: float,
        retries: int,
        max_wait: float,
        timeout: float,
        mailto: str | None = None,
        headers: Mapping[str, str] | None = None,
        secret_params: frozenset[str] = frozenset(),
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        agent = f"research-kg/{__version__} (https://github.com/research-kg; " + (
            f"mailto:{mailto})" if mailto else "no contact address set: KG_MAILTO)"
        )
        self.http = httpx.Client(
            headers={"User-Agent": agent, **(headers or {})},
            timeout=timeout,
            follow_redirects=True,
            transport=transport,
        )
        self.delay = delay
        self.retries = retries
        self.max_wait = max_wait
        self.secret_params = secret_params
        self.sleep = sleep or time.sleep
        self.clock = clock or time.monotonic
        self.stats = Stats()
        self._last: float | None = None

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _pause(self, seconds: float) -> None:
        if seconds > 0:
            self.stats.waited += seconds
            self.sleep(seconds)

    def _space(self) -> None:
        if self._last is not None:
            self._pause(self.delay - (self.clock() - self._last))
        self._last = self.clock()

    def shown_uri(self, req: Request) -> str:
        """The URL as saved and shown: secret parameters (API keys) left out."""
        params = {k: v for k, v in req.params.items() if k not in self.secret_params}
        return str(httpx.URL(req.url, params=params))

    def fetch(self, req: Request) -> Response:
        """The answer to one request, after as many retries as needed and allowed; HarvestError otherwise."""
        shown = self.shown_uri(req)
        problem = ""
        for attempt in range(self.retries + 1):
            if attempt:
                self.stats.retries += 1
            self._space()
            self.stats.requests += 1
            wait: float | None = None
            try:
                r = self.http.request(
                    req.method,
                    req.url,
                    params=dict(req.params),
                    json=req.json_body,
                    headers=dict(req.headers),
                )
                body_bytes = r.read()
            except httpx.TransportError as e:  # refused, reset, timed out, or the body cut short
                problem = f"{type(e).__name__}: {e}"
            else:
                if r.status_code == 404 and req.not_found_ok:
                    return Response(shown, 404, None)
                if r.status_code in RETRY_STATUS:
                    problem = f"HTTP {r.status_code}"
                    wait = retry_after(r.headers.get("Retry-After"))
                    if wait is not None and wait > self.max_wait:
                        raise HarvestError(
                            f"{shown}: HTTP {r.status_code}, asked to wait {wait:.0f} s (more than"
                            f" KG_HARVEST_MAX_WAIT={self.max_wait:.0f}): try again later"
                        )
                elif r.status_code >= 400:
                    raise HarvestError(f"{shown}: HTTP {r.status_code}: {_snippet(body_bytes)}")
                else:
                    try:
                        text = body_bytes.decode("utf-8")
                        body = text if req.text else json.loads(text)
                    except (UnicodeDecodeError, json.JSONDecodeError) as e:
                        problem = f"unreadable body ({e}; {len(body_bytes)} bytes)"
                    else:
                        return Response(shown, r.status_code, body)
            if attempt == self.retries:
                break
            self._pause(wait if wait is not None else min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt))
        raise HarvestError(f"{shown}: {problem} after {self.retries + 1} tries")


def _snippet(body: bytes) -> str:
    text = body.decode("utf-8", errors="replace").strip().replace("\n", " ")
    try:  # the sources explain themselves in JSON: keep the message, not the markup
        obj = json.loads(text)
        if isinstance(obj, dict):
            for key in ("message", "error", "user-message", "developer-message"):
                if obj.get(key):
                    return str(obj[key])[:300]
    except json.JSONDecodeError:
        pass
    return text[:300]
