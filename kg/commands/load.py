"""`kg load PATH…`: stream every record into Neo4j in batches, resolving identities, with rejects and a summary."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated

import typer
from neo4j import Driver
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from kg.commands.common import console, driver, err_console, settings
from kg.errors import InputError, KGError, OutputError
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


def check_writable(path: Path) -> None:
    """OutputError now, before anything is loaded, when the rejects file cannot be written (its directory is
    missing or read-only, or it is a directory). Creating it and removing it again is the one honest test."""
    existed = path.exists()
    try:
        with path.open("a", encoding="utf-8"):
            pass
    except OSError as e:
        raise OutputError(
            f"cannot write the rejects file {path}: {e.strerror or e} (nothing was loaded; name another "
            "with --rejects)"
        ) from None
    if not existed:
        path.unlink(missing_ok=True)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size if path.is_file() else 0
    except OSError:
        return 0


def _cut_partial_line(path: Path, keep: int) -> None:
    """Drop what a failed write left past the last whole reject line, so the file holds exactly what was saved."""
    try:
        if path.is_file() and path.stat().st_size > keep:
            os.truncate(path, keep)
    except OSError:
        pass  # the file stays as the failure left it; the message still counts only whole lines


def _mark_failed(drv: Driver, run_id: str, loaded: int, reason: str) -> None:
    """Record on the LoadRun that this run stopped (best effort: the error that stopped it is what the user sees)."""
    from kg import db

    with contextlib.suppress(KGError):
        db.run_named(
            drv,
            "load/loadrun_finish",
            {"id": run_id, "props": {"status": "failed", "loaded": loaded, "error": reason}},
            write=True,
            settings=settings(),
        )


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
        int | None, typer.Option("--batch-size", "-b", min=1, help="Records per write transaction.")
    ] = None,
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects", help="Where rejected records go (JSON lines); default rejects-<run>.jsonl."
        ),
    ] = None,
    no_derived: Annotated[
        bool, typer.Option("--no-derived", help="Skip topics and co-author updates after the load.")
    ] = False,
) -> None:
    """Load records into the graph: identities resolved, batched MERGE writes, idempotent; exit 0 all loaded,
    3 some rejected, 1 nothing loaded."""
    from kg import store

    _check_paths(paths)
    run_id = store.new_run_id()
    rejects_file = rejects or Path(f"rejects-{run_id.split(':', 1)[1]}.jsonl")
    check_writable(rejects_file)
    s = settings()
    drv = driver()
    known = store.known_names(drv, s) or None
    show_bar = sys.stderr.isatty()

    saved = {"rejects": 0, "bytes": 0}

    def on_reject(rej: Reject) -> None:
        # called once the line is in the rejects file: what a failed write later must not cut into
        saved["rejects"] += 1
        saved["bytes"] = _size(rejects_file)
        word = "note" if rej.note else "rejected"
        err_console.print(f"{word} {rej.message}", markup=False, soft_wrap=True)

    def on_file_error(path: str, message: str) -> None:
        err_console.print(f"error: cannot read {path}: {message}", markup=False, soft_wrap=True)

    progress = Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn(
            "{task.fields[read]} read · {task.fields[loaded]} loaded · {task.fields[rejected]} rejected"
        ),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not show_bar,
    )
    task = progress.add_task("loading", total=None, read=0, loaded=0, rejected=0)
    last: list[store.LoadSummary] = []

    def on_progress(summary: store.LoadSummary, path: str) -> None:
        last[:] = [summary]
        progress.update(
            task,
            description=Path(path).name or path,
            read=summary.read,
            loaded=summary.loaded,
            rejected=summary.rejected,
        )

    try:
        with progress:
            summary = store.load(
                drv,
                _sources(paths, fmt, known),
                run_id=run_id,
                batch_size=batch_size,
                rejects_path=str(rejects_file),
                settings=s,
                on_progress=on_progress,
                on_reject=on_reject,
                on_file_error=on_file_error,
                hooks=not no_derived,
                paths=paths,
            )
    except OSError as e:  # a full disk, most likely under the rejects file
        loaded = last[0].loaded if last else 0
        _cut_partial_line(rejects_file, saved["bytes"])
        _mark_failed(drv, run_id, loaded, f"a write failed: {e.strerror or e}")
        where = f" ({e.filename})" if e.filename else ""
        kept = (
            f"{saved['rejects']} reject(s) are in {rejects_file}" if saved["rejects"] else "no rejects saved"
        )
        raise OutputError(
            f"a write failed{where}: {e.strerror or e}; stopped after loading {loaded} record(s) into Neo4j "
            f"(load run {run_id}, marked failed; loading again is safe), {kept}"
        ) from None
    per_label = ", ".join(f"{label} {summary.written.get(label, 0)}" for label in store.LABELS)
    console.print(
        f"load run {summary.run_id}: read {summary.read}, loaded {summary.loaded}, rejected {summary.rejected}"
        f" in {summary.seconds:.1f}s ({summary.records_per_second:.1f} records/s"
        + (
            f"; {summary.write_records_per_second:.1f} records/s before {summary.derived_seconds:.1f}s of"
            " derived topics and co-authors)"
            if summary.derived_seconds
            else ")"
        ),
        markup=False,
        soft_wrap=True,
    )
    console.print(f"written: {per_label}", markup=False, soft_wrap=True)
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
    raise typer.Exit(summary.exit_code)


def register(app: typer.Typer) -> None:
    app.command("load")(load_command)
