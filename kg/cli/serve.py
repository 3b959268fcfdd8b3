"""`kg serve`: run the read-only API (and the web panel when built) with uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from kg.cli.common import console, ensure_local_db, err_console, settings
from kg.config import Settings
from kg.errors import ConfigError, LocalDBError


def panel_missing() -> str | None:
    """None when the web panel is built (the API serves it at /), else one line saying it is not and how to build
    it: without it every page URL (/, /researchers/…) answers 404 and only /api/v1 works."""
    from api.config import ApiSettings

    dist = ApiSettings().web_dist
    if (dist / "index.html").is_file():
        return None
    return (
        f"the web panel is not built ({dist} has no index.html), so only the API answers: `make run` builds it, "
        "or `npm --prefix web ci && npm --prefix web run build`"
    )


def run_server(
    s: Settings, host: str, port: int, workers: int, *, log_level: str = "info", panel_noted: bool = False
) -> None:
    """Serve api.main:create_app on host:port; each worker process builds its own app and its own driver.
    panel_noted: the caller (kg up) has already said that the web panel is not built."""
    import uvicorn

    if workers < 1:
        raise ConfigError("--workers must be at least 1")
    if not 0 < port < 65536:
        raise ConfigError(f"--port must be between 1 and 65535 (got {port})")
    if s.uses_local_db:
        try:
            ensure_local_db(s)
        except LocalDBError as e:
            # the API still starts and answers 503 (with Retry-After) until Neo4j is reachable
            err_console.print(f"warning: {e}", markup=False, soft_wrap=True)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    console.print(f"Research KG API on http://{shown}:{port}/api/v1/docs", markup=False)
    missing = panel_missing()
    if missing is None:
        console.print(f"the research graph panel on http://{shown}:{port}/", markup=False, soft_wrap=True)
    elif not panel_noted:
        console.print(f"note: {missing}", markup=False, soft_wrap=True)
    uvicorn.run(
        "api.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        proxy_headers=False,
    )


def serve(
    host: Annotated[
        str | None, typer.Option("--host", help="Interface to listen on (default KG_API_HOST).")
    ] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port (default KG_API_PORT).")] = None,
    workers: Annotated[int, typer.Option("--workers", help="Worker processes, one Neo4j driver each.")] = 1,
    log_level: Annotated[str, typer.Option("--log-level", help="uvicorn log level.")] = "info",
) -> None:
    """Serve the read-only API under /api/v1 (docs at /api/v1/docs) and the web panel at / when web/dist exists."""
    s = settings()
    run_server(s, host or s.api_host, port or s.api_port, workers, log_level=log_level)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
