"""Every error the API returns is application/problem+json: 404, 422, 503 with Retry-After, never a traceback."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.config import ApiSettings
from api.pagination import InvalidCursor
from api.schemas import Problem
from kg.errors import DatabaseUnavailable, NotFound, QueryTimedOut

log = logging.getLogger("api")

PROBLEM_JSON = "application/problem+json"


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_JSON


def problem(
    request: Request,
    status: int,
    title: str,
    detail: str | None = None,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> ProblemResponse:
    body = Problem(title=title, status=status, detail=detail, instance=request.url.path, errors=errors)
    return ProblemResponse(
        jsonable_encoder(body.model_dump(exclude_none=True)), status_code=status, headers=headers
    )


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    # keep what a client can act on; pydantic's "input"/"ctx" may hold values that are not JSON
    return [
        {
            "loc": [str(p) for p in e.get("loc", ())],
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in exc.errors()
    ]


def install(app: FastAPI, api_settings: ApiSettings) -> None:
    retry_after = str(api_settings.retry_after)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> ProblemResponse:
        errors = _validation_errors(exc)
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        where = ".".join(first["loc"][1:] or first["loc"]) if first["loc"] else "request"
        return problem(request, 422, "Unprocessable Content", f"{where}: {first['msg']}", errors=errors)

    @app.exception_handler(InvalidCursor)
    async def _bad_cursor(request: Request, exc: InvalidCursor) -> ProblemResponse:
        return problem(request, 422, "Unprocessable Content", str(exc))

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> ProblemResponse:
        return problem(request, 404, "Not Found", str(exc))

    @app.exception_handler(DatabaseUnavailable)
    async def _unavailable(request: Request, exc: DatabaseUnavailable) -> ProblemResponse:
        log.warning("503: %s", exc)
        return problem(
            request,
            503,
            "Service Unavailable",
            "the graph database does not answer right now; try again shortly",
            headers={"Retry-After": retry_after},
        )

    @app.exception_handler(QueryTimedOut)
    async def _timed_out(request: Request, exc: QueryTimedOut) -> ProblemResponse:
        log.warning("503 (timeout): %s", exc)
        return problem(
            request,
            503,
            "Service Unavailable",
            "the query took longer than the API allows; try again shortly",
            headers={"Retry-After": retry_after},
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> ProblemResponse:
        titles = {404: "Not Found", 405: "Method Not Allowed"}
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem(
            request,
            exc.status_code,
            titles.get(exc.status_code, "Error"),
            detail,
            headers=dict(exc.headers) if exc.headers else None,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> ProblemResponse:
        # a bug: logged with its traceback for us, one line for the client
        log.exception("unexpected error on %s", request.url.path)
        return problem(request, 500, "Internal Server Error", "an unexpected error occurred")
