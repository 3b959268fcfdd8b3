"""`kg load PATH…`: the load pipeline (parse → stage → resolve → write → derive), with rejects, progress and a summary."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from kg.commands.common import console, driver, err_console, settings
from kg.config import Settings
from kg.errors import InputError
from kg.models import Record, Reject


def _sources(
    paths: list[str], fmt: str | None, known: set[str] | None
) -> Iterator[tuple[str, Iterable[Record | Reject]]]:
    try:
        import loaders
    except ImportError as e:  # the parsers are another module; say so plainly rather than with a traceback
        raise InputError(f"the parsers (loaders package) are not available: {e}") from e
    for p in paths:
        yield p, loaders.iter_records([p], fmt=fmt, known_names=known)


def _check_paths(paths: list[str]) -> None:
    for p in paths:
        if p == "-":
            continue
        path = Path(p)
        if not path.exists():
            raise InputError(f"cannot read {p}: no such file or directory")
        if path.is_file():
            try:
                with path.open("rb") as fh:
                    fh.read(1)
            except OSError as e:
                raise InputError(f"cannot read {p}: {e.strerror or e}") from e


def load_command(
    paths: Annotated[
        list[str], typer.Argument(help="Files, directories (every file inside) or - for stdin.")
    ],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", help="Skip detection: profile, arxiv-listing, daily-papers, openalex, …"
        ),
    ] = None,
    batch_size: Annotated[
        int | None,
        typer.Option("--batch-size", "-b", min=1, help="Rows per write transaction (KG_BATCH_SIZE)."),
    ] = None,
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects", help="Where rejected records go (JSON lines); default rejects-<run>.jsonl."
        ),
    ] = None,
    no_derived: Annotated[
        bool,
        typer.Option(
            "--no-derived",
            help="Skip topic assignment and researcher topic profiles (a later load does them). COAUTHOR is always"
            " written: it is resolved with the graph.",
        ),
    ] = False,
    bulk: Annotated[
        bool,
        typer.Option(
            "--bulk",
            help="Write the whole graph with neo4j-admin import into the empty local Neo4j (stops and restarts"
            " it); much faster for a first large load.",
        ),
    ] = False,
    stage: Annotated[
        Path | None,
        typer.Option("--stage", help="The stage store (DuckDB file); default KG_STAGE_PATH or .kg/stage/…"),
    ] = None,
) -> None:
    """Load records: parse, stage (DuckDB), resolve works and researchers as a whole, write only what changed
    (or everything with --bulk), derive. Idempotent; a killed load resumes on the next run. Exit 0 all loaded,
    3 some rejected, 1 nothing loaded."""
    from kg import pipeline

    _check_paths(paths)
    s = settings()
    if stage is not None:
        s = s.model_copy(update={"stage_path": stage})
    if bulk and not s.uses_local_db:
        raise InputError(
            "--bulk imports into the local Neo4j only; with KG_NEO4J_URI set, load without --bulk"
        )
    drv = driver()
    show_bar = sys.stderr.isatty()

    def on_reject(rej: Reject) -> None:
        err_console.print(f"rejected {rej.message}", markup=False, soft_wrap=True)

    def on_file_error(path: str, message: str) -> None:
        err_console.print(f"error: cannot read {path}: {message}", markup=False, soft_wrap=True)

    def on_write_failure(message: str) -> None:
        err_console.print(f"not written: {message}", markup=False, soft_wrap=True)

    def on_wait(message: str) -> None:
        err_console.print(message, markup=False, soft_wrap=True)

    progress = Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[note]}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not show_bar,
    )
    task = progress.add_task("loading", total=None, note="")

    def on_step(text: str) -> None:
        if not show_bar:
            err_console.print(f"  {text}", markup=False, soft_wrap=True)
        progress.update(task, description=text, total=None, completed=0, note="")

    def on_progress(stage_name: str, done: int, total: int) -> None:
        note = f"{done:,} / {total:,}" if total else f"{done:,}"
        progress.update(task, description=stage_name, total=total or None, completed=done, note=note)

    known = _known_names(s)
    run_id = pipeline.new_run_id()
    with progress:
        summary = pipeline.load(
            drv,
            _sources(paths, fmt, known),
            run_id=run_id,
            batch_size=batch_size,
            rejects_path=str(rejects) if rejects else None,
            settings=s,
            bulk=bulk,
            derive=not no_derived,
            on_step=on_step,
            on_progress=on_progress,
            on_reject=on_reject,
            on_file_error=on_file_error,
            on_write_failure=on_write_failure,
            on_wait=on_wait,
            paths=paths,
        )
    per_label = ", ".join(f"{label} {summary.written.get(label, 0)}" for label in pipeline.LABELS)
    rels = ", ".join(f"{k} {v}" for k, v in sorted(summary.written.items()) if k not in pipeline.LABELS)
    console.print(
        f"load run {summary.run_id}: read {summary.read}, loaded {summary.loaded}, rejected {summary.rejected}"
        f" ({summary.new_records} new to the stage) in {summary.seconds:.1f}s"
        f" ({summary.records_per_second:.1f} records/s)",
        markup=False,
        soft_wrap=True,
    )
    console.print(
        "stages: " + ", ".join(f"{k} {v:.1f}s" for k, v in summary.stage_seconds.items()),
        markup=False,
        soft_wrap=True,
    )
    console.print(f"written: {per_label}" + (f"; {rels}" if rels else ""), markup=False, soft_wrap=True)
    if summary.deleted:
        console.print(
            "removed: " + ", ".join(f"{k} {v}" for k, v in sorted(summary.deleted.items())),
            markup=False,
            soft_wrap=True,
        )
    if summary.resumed:
        console.print(
            f"completed interrupted run(s): {', '.join(summary.resumed)}", markup=False, soft_wrap=True
        )
    for state in sorted(summary.hooks.values()):
        if state != "ok":
            console.print(f"note: {state}", markup=False, soft_wrap=True)
    if summary.rejects_file:
        err_console.print(
            f"{summary.rejected} rejected record(s) in {summary.rejects_file}", markup=False, soft_wrap=True
        )
    if summary.failed_files:
        err_console.print(
            f"{len(summary.failed_files)} file(s) could not be read", markup=False, soft_wrap=True
        )
    if summary.write_failures:
        err_console.print(
            f"{len(summary.write_failures)} row(s) Neo4j refused (listed above); everything else is written",
            markup=False,
            soft_wrap=True,
        )
    raise typer.Exit(summary.exit_code)


def _known_names(s: Settings) -> set[str] | None:
    """Researcher names seen before (they help split titles from author lists in listings), from the stage."""
    from kg.stage.store import StageBusy, StageStore

    path = s.stage_file
    if not path.exists():
        return None
    try:
        with StageStore(path, read_only=True) as st:
            names = {
                r[0] for r in st.con.execute("SELECT name FROM researcher WHERE name IS NOT NULL").fetchall()
            }
    except StageBusy:  # another load holds it: parse without the hint
        return None
    return names or None


def register(app: typer.Typer) -> None:
    app.command("load")(load_command)
