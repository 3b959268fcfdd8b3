"""`kg parse PATH…`: print the canonical records of any input as JSON lines, without touching the database."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from kg.cli.common import err_console, fail, say_format_hint, say_reject
from kg.errors import InputError
from kg.progress import progress_bar

FORMAT_HELP = (
    "Skip detection and read every input as this format: profile, arxiv-listing, daily-papers, openalex, "
    "arxiv-atom, arxiv-metadata, arxiv-abs, crossref, orcid, semanticscholar, recorded, csv-bundle."
)


def _known_names(path: Path | None) -> set[str] | None:
    if path is None:
        return None
    try:
        return {ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()}
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read the known-names file ({e})") from None


def parse_command(
    paths: Annotated[
        list[str], typer.Argument(help="Files, directories (every file inside) or - for standard input.")
    ],
    fmt: Annotated[str | None, typer.Option("--format", "-f", help=FORMAT_HELP)] = None,
    known_names: Annotated[
        Path | None,
        typer.Option(
            "--known-names", help="A file of author names, one per line, that helps split listing lines."
        ),
    ] = None,
) -> None:
    """Parse inputs and print each record as one JSON line ({"kind": "work" | "researcher" | "institution" |
    "topic" | "reject", …}). The first 50 rejects are also named on standard error, and so are notes (a reject
    with "note": true: a record kept after parsing removed control characters from it). Exit 0 when nothing
    was rejected or repaired, 3 when some records were, 1 when everything was rejected or an input cannot be
    read."""
    from kg.sources.parsers import iter_records

    names = _known_names(known_names)
    parsed = rejected = noted = 0
    out = sys.stdout
    # progress only when the records go somewhere else than the terminal that watches
    show = err_console.is_terminal and not out.isatty()
    try:
        with progress_bar("parsing", show=show) as bar:
            for rec in iter_records(paths, fmt, names):
                out.write(rec.model_dump_json())
                out.write("\n")
                if rec.kind == "reject":
                    if rec.note:
                        noted += 1
                    else:
                        rejected += 1
                    say_reject(rec, rejected + noted, 'on standard output, as a "reject" record')
                else:
                    parsed += 1
                if (parsed + rejected) % 500 == 0:
                    bar.update(f"parsed {parsed}, rejected {rejected}")
    except InputError as e:
        out.flush()
        fail(str(e))
    except BrokenPipeError:  # `kg parse … | head` closed the pipe: stop quietly
        sys.stderr.close()
        raise typer.Exit(0) from None
    except OSError as e:  # the output's disk is full (or the output went away)
        _drop_pending_output()
        fail(f"cannot write the output: {e.strerror or e}; stopped after {parsed + rejected} record(s)")
    try:
        out.flush()
    except OSError as e:
        _drop_pending_output()
        fail(f"cannot write the output: {e.strerror or e}; stopped after {parsed + rejected} record(s)")
    if rejected or noted:
        repaired = f", {noted} loaded after repair" if noted else ""
        err_console.print(f"{parsed} parsed, {rejected} rejected{repaired}", markup=False)
        if parsed == 0:
            say_format_hint(paths, fmt)
        raise typer.Exit(1 if parsed == 0 else 3)


def _drop_pending_output() -> None:
    """Point standard output at /dev/null, so the interpreter's last flush of what could not be written fails
    no second time."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def register(app: typer.Typer) -> None:
    app.command("parse")(parse_command)
