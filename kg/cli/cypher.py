"""`kg cypher list|show|check|run`: the analyst's Cypher library (cypher/queries) from the command line, read-only."""

from __future__ import annotations

import csv
import io
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from kg import cypherlib
from kg.cli.common import console, driver, err_console, settings

cypher_app = typer.Typer(
    help="The analyst's Cypher library: named, documented queries from cypher/queries, run read-only.",
    no_args_is_help=True,
)

LibraryOpt = Annotated[
    Path | None,
    typer.Option(
        "--library",
        help="A folder of query files in the library's format (default: cypher/queries).",
        exists=True,
        file_okay=False,
    ),
]


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def _cell(value: Any) -> str:
    """One table or CSV cell: text as it is, nested values as compact JSON, null as empty."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


@cypher_app.command("list")
def list_queries(
    library: LibraryOpt = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output: table, csv or json.")] = Format.table,
) -> None:
    """List the library: name, group, title and parameters of every query (invalid files are flagged)."""
    queries = cypherlib.load_library(library)
    if fmt is Format.json:
        out = [
            {
                "name": q.name,
                "group": q.group,
                "title": q.title,
                "answers": q.answers,
                "params": cypherlib.to_jsonable(q.examples),
                "returns": q.returns,
                "errors": list(q.errors),
            }
            for q in queries
        ]
        sys.stdout.write(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
        return
    if fmt is Format.csv:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["name", "group", "title", "params", "errors"])
        for q in queries:
            writer.writerow(
                [q.name, q.group, q.title, " ".join(p.name for p in q.params), "; ".join(q.errors)]
            )
        sys.stdout.write(buf.getvalue())
        return
    table = Table(show_lines=False, box=None, pad_edge=False)
    # the name is what `kg cypher show|run` takes: never folded (the title and parameters fold instead)
    table.add_column("name", no_wrap=True)
    for col in ("group", "title", "params"):
        table.add_column(col, overflow="fold")
    for q in queries:
        title = q.title if q.valid else f"INVALID: {q.errors[0]}"
        table.add_row(*(Text(c) for c in (q.name, q.group, title, ", ".join(p.name for p in q.params))))
    console.print(table)
    console.print(f"{len(queries)} queries ({sum(not q.valid for q in queries)} invalid)", markup=False)


@cypher_app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="The query's name, as `kg cypher list` shows it.")],
    browser: Annotated[
        bool,
        typer.Option(
            "--browser",
            help="Print `:param name => example;` lines, then the query: paste them all into the Browser.",
        ),
    ] = False,
    library: LibraryOpt = None,
) -> None:
    """Print a query file as it is (header and body), or ready to paste into the Neo4j Browser."""
    q = cypherlib.get(name, library)
    if browser:
        for line in cypherlib.browser_params(q):
            sys.stdout.write(line + ";\n")
        sys.stdout.write(q.body + ";\n")
    else:
        sys.stdout.write(q.text if q.text.endswith("\n") else q.text + "\n")
    for err in q.errors:
        err_console.print(f"warning: {q.name}: {err}", markup=False, soft_wrap=True)


@cypher_app.command("check")
def check(library: LibraryOpt = None) -> None:
    """Validate every query file (header, parameters, no literal values, read-only); exit 1 if any is invalid."""
    queries = cypherlib.load_library(library)
    bad = [q for q in queries if not q.valid]
    for q in bad:
        for err in q.errors:
            console.print(f"{q.path}: {err}", markup=False, soft_wrap=True)
    console.print(f"{len(queries)} queries checked, {len(bad)} invalid", markup=False)
    if bad:
        raise typer.Exit(1)


@cypher_app.command("run")
def run(
    name: Annotated[str, typer.Argument(help="The query's name, as `kg cypher list` shows it.")],
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            "-p",
            help='key=value, repeatable; the value is read as JSON when it parses (25, null, "x"), '
            "else as text. Parameters not given take the header's example value.",
        ),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output: table, csv or json.")] = Format.table,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds before the server cancels it.")] = 60.0,
    library: LibraryOpt = None,
) -> None:
    """Run a library query read-only (a read transaction: the server refuses any write) and print its rows."""
    q = cypherlib.get(name, library)
    if not q.valid:
        raise cypherlib.QueryFileError(f"{q.name} is not a valid library query: {q.errors[0]}")
    params = cypherlib.parse_cli_params(q, param or [])
    examples = {k: v for k, v in q.examples.items() if k not in params}
    if examples:
        # an example id runs as well as a real one and gives "(0 rows)": say what ran
        shown = ", ".join(
            f"{k}={json.dumps(cypherlib.to_jsonable(v), ensure_ascii=False)}" for k, v in examples.items()
        )
        err_console.print(
            f"note: {q.name} runs with the example values of the parameters not given: {shown} "
            "(--param NAME=VALUE sets one)",
            markup=False,
            soft_wrap=True,
        )
    if sys.stderr.isatty():
        with err_console.status(f"running {q.name}…"):
            result = cypherlib.run(driver(), q, params, settings=settings(), timeout=timeout)
    else:
        result = cypherlib.run(driver(), q, params, settings=settings(), timeout=timeout)
    rows = [cypherlib.to_jsonable(r) for r in result.rows]
    if fmt is Format.json:
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
    elif fmt is Format.csv:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(result.columns)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in result.columns])
        sys.stdout.write(buf.getvalue())
    else:
        table = Table(box=None, pad_edge=False, header_style="bold")
        for col in result.columns:
            table.add_column(col, overflow="fold")
        for row in rows:
            # Text, not markup: a JSON cell like ["a"] must print as it is.
            table.add_row(*(Text(_cell(row.get(c))) for c in result.columns))
        console.print(table)
        console.print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(cypher_app, name="cypher")
