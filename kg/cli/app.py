"""The `kg` command: every sub-command has --help; errors are one clear line and an exit code."""

from __future__ import annotations

import functools
import importlib
import logging
import os
import sys
from pathlib import Path
from typing import Any

import typer

from kg import __version__
from kg.cli.help_text import tidy
from kg.config import ENV_FILE_VARIABLE, get_settings, redact
from kg.errors import ConfigError, KGError

app = typer.Typer(
    name="kg",
    help="Research KG: load scholarly records into Neo4j, resolve identities, and serve the research graph.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# One module per area; each defines register(app). Add a line here when an area gets commands.
COMMAND_MODULES = [
    "kg.cli.database",
    "kg.cli.cypher",
    "kg.cli.parse",
    "kg.cli.load",
    "kg.cli.stage",
    "kg.cli.harvest",
    "kg.cli.enrich",
    "kg.cli.identity",
    "kg.cli.coauthors",
    "kg.cli.synth",
    "kg.cli.sample",
    "kg.cli.main_job",
    "kg.cli.topics",
    "kg.cli.serve",
]


@functools.cache  # once: a test that builds the command twice would register every command twice
def _register_all() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)


@app.callback(invoke_without_command=True)
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
    env_file: Path | None = typer.Option(
        None,
        "--env-file",
        help=f"Read KG_* settings from this file too (the same as {ENV_FILE_VARIABLE}=FILE). No other file is "
        "read: a .env in the working directory is ignored unless named here.",
    ),
) -> None:
    if version:
        typer.echo(f"kg {__version__}")
        raise typer.Exit()
    if env_file is not None:
        # an environment variable, so `kg up`'s own `kg load` and `kg serve` read the same file
        os.environ[ENV_FILE_VARIABLE] = str(env_file.resolve())
        get_settings.cache_clear()


def command() -> Any:
    """`kg` as click runs it: every command module registered, the help set right (kg.cli.help_text)."""
    _register_all()
    return tidy(typer.main.get_command(app))


def _secrets() -> tuple[str, ...]:
    """The values no message may show: the Neo4j password (when the settings can be read at all)."""
    try:
        return (get_settings().neo4j_password.get_secret_value(),)
    except ConfigError:
        return ()


def _fail(message: str, code: int) -> None:
    print(f"error: {redact(message, *_secrets())}", file=sys.stderr)
    sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    # The driver logs each retry as a warning; the CLI reports failures itself, in one line.
    logging.getLogger("neo4j").setLevel(logging.ERROR)
    try:
        command()(args=argv, prog_name="kg")
    except KGError as e:
        _fail(str(e), e.exit_code)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        sys.exit(130)
    except OSError as e:  # a disk that filled up, a closed output, a path that cannot be written
        where = f"{e.filename}: " if e.filename else ""
        _fail(f"{where}{e.strerror or e}", 1)
    except Exception as e:
        # a bug: one line (secrets redacted) instead of a traceback that may quote settings; KG_DEBUG=1 shows it
        if os.environ.get("KG_DEBUG") == "1":
            raise
        _fail(out_of_memory(e) or f"unexpected {type(e).__name__}: {e} (KG_DEBUG=1 shows the traceback)", 1)


def out_of_memory(e: BaseException) -> str | None:
    """The one line for DuckDB running out of the stage store's memory limit (None for any other error): what
    happened and the setting that moves it, not DuckDB's advice to run SET statements a user cannot reach."""
    if type(e).__name__ != "OutOfMemoryException" or not type(e).__module__.lstrip("_").startswith("duckdb"):
        return None
    what = str(e).split("\n", 1)[0].removeprefix("Out of Memory Error: ")
    try:
        limit = get_settings().stage_memory_limit or "DuckDB's default"
    except ConfigError:
        limit = "?"
    return (
        f"the stage store ran out of memory ({what}) under KG_STAGE_MEMORY_LIMIT={limit}: raise it (e.g. "
        "KG_STAGE_MEMORY_LIMIT=2GB) and run the same command again; a load resumes where it stopped"
    )


if __name__ == "__main__":
    main()
