"""The FastAPI app: routers under /api/v1, one driver per process (lifespan), problem+json errors, CORS, the web panel."""

from __future__ import annotations

import importlib
import importlib.util
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse
from neo4j import Driver
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import problems
from api.config import ApiSettings
from api.deps import reject_unknown_query_params
from api.repository import GraphRepository, make_api_driver
from api.routes import graph, health, institutions, overview, researchers, search, topics, works
from kg import __version__
from kg.config import Settings, get_settings

API_PREFIX = "/api/v1"

DESCRIPTION = """Research KG's read-only API for the research graph panel: a researcher's quick read, bounded and
deterministic graph slices (node budget, per-type caps, per-node caps, `hidden_neighbours`, `truncated`), the
explorer's next ring, paginated lists and full-text search. Errors are `application/problem+json`."""


def create_app(
    settings: Settings | None = None,
    api_settings: ApiSettings | None = None,
    *,
    driver: Driver | None = None,
) -> FastAPI:
    """The app. With no driver given, the lifespan creates one for this process and closes it on shutdown."""
    s = settings or get_settings()
    a = api_settings or ApiSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = driver is None
        drv = make_api_driver(s, a) if driver is None else driver
        repo = GraphRepository(drv, s, a)
        app.state.repository = repo
        stop = threading.Event()
        warm = None
        if a.warm_up:
            # in the background: the API answers at once, and a Neo4j that is down only makes this a no-op
            warm = threading.Thread(target=repo.warm_up, args=(stop,), name="api-warm-up", daemon=True)
            warm.start()
        try:
            yield
        finally:
            stop.set()
            if warm is not None:
                # the driver is not safe to close under a query in flight in another thread; one query is
                # bounded by the server's transaction timeout
                warm.join(timeout=s.query_timeout + 5)
            if own and not (warm is not None and warm.is_alive()):
                drv.close()

    app = FastAPI(
        title="Research KG API",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    problems.install(app, a)
    app.add_middleware(HeadAsGet)
    if s.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=s.cors_origins,
            allow_methods=["GET", "OPTIONS"],
            allow_headers=["*"],
            expose_headers=["Retry-After"],
        )

    v1 = APIRouter(prefix=API_PREFIX, dependencies=[Depends(reject_unknown_query_params)])
    for module in (health, overview, researchers, graph, works, topics, institutions, search):
        v1.include_router(module.router)
    app.include_router(v1)
    # probes at the root too, for process managers that expect them there
    app.include_router(health.router, include_in_schema=False)
    _include_guide(app)
    _serve_web(app, a.web_dist)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


class HeadAsGet:
    """HEAD is answered as GET without the body (RFC 9110 §9.3.2) on every route: the same status and headers, so a
    probe sending HEAD /ready hears 503 while Neo4j is down, exactly as GET does. The routes stay GET-only in the
    OpenAPI document."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)


def _include_guide(app: FastAPI) -> None:
    """The Neo4j Browser guide (api/routes/guide.py, written by the Cypher-library work) when it exists."""
    if importlib.util.find_spec("api.routes.guide") is None:
        return
    module = importlib.import_module("api.routes.guide")
    app.include_router(module.router)


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document with error responses under application/problem+json, the media type they are sent as."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    doc = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    for path in doc.get("paths", {}).values():
        for op in path.values():
            for code, resp in op.get("responses", {}).items():
                content = resp.get("content")
                if code[:1] in "45" and content and "application/json" in content:
                    content[problems.PROBLEM_JSON] = content.pop("application/json")
    app.openapi_schema = doc
    return doc


# ---------------------------------------------------------------------------------------------- the web panel


# The panel's own pages (web/src/main.ts routes them); any other page path is answered with the panel's "not found"
# view and a 404 status, so a mistyped link says so instead of silently showing the landing page.
WEB_PAGES = ("/", "/researchers/{researcher_id:path}", "/works/{work_id:path}", "/search")


class _SpaFiles(StaticFiles):
    """web/dist as static files; a page path with no file gets index.html (whose router shows "not found") as a
    404."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            return await super().get_response(path, scope)
        except StarletteHTTPException as e:
            api_path = path == "api" or path.startswith("api/")
            if e.status_code != 404 or api_path or "." in Path(path).name:
                raise
            page = await super().get_response("index.html", scope)
            page.status_code = 404
            return page


def _serve_web(app: FastAPI, dist: Path) -> None:
    """Serve the panel's pages (WEB_PAGES) when web/dist has been built; the API works without it."""
    index = dist / "index.html"
    if not index.is_file():
        return

    async def page(request: Request) -> FileResponse:
        return FileResponse(index, media_type="text/html")

    for path in WEB_PAGES:
        app.add_api_route(path, page, methods=["GET"], include_in_schema=False)
    app.mount("/", _SpaFiles(directory=dist, html=True), name="web")
