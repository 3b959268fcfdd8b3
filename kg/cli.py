"""The `kg` command: every sub-command has --help; errors are one clear line and an exit code."""

from __future__ import annotations

import importlib
import logging
import os
import sys

import typer

from kg import __version__
from kg.errors import KGError

app = typer.Typer(
    name="kg",
    help="Research KG: load scholarly records into Neo4j, resolve identities, and serve the research graph.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# One module per area; each defines register(app). Add a line here when an area gets commands.
COMMAND_MODULES = [
    "kg.commands.database",
    "kg.commands.cypher",
    "kg.commands.parse",
    "kg.commands.load",
    "kg.commands.identity",
    "kg.commands.coauthors",
    "kg.commands.synth",
    "kg.commands.sample",
    "kg.commands.main_job",
    "kg.commands.topics",
    "kg.commands.serve",
]


def _register_all() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)


@app.callback(invoke_without_command=True)
def _root(version: bool = typer.Option(False, "--version", help="Print the version and exit.")) -> None:
    if version:
        typer.echo(f"kg {__version__}")
        raise typer.Exit()


def main(argv: list[str] | None = None) -> None:
    # The driver logs each retry as a warning; the CLI reports failures itself, in one line.
    logging.getLogger("neo4j").setLevel(logging.ERROR)
    _register_all()
    try:
        app(args=argv, prog_name="kg")
    except KGError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        sys.exit(130)
    except (
        Exception
    ) as e:  # a bug or an unforeseen failure: still one line, the traceback only when asked for
        if os.environ.get("KG_DEBUG") == "1":
            raise
        print(
            f"error: unexpected {type(e).__name__}: {e} (a bug: please report it; KG_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
