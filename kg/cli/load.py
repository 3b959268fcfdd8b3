"""`kg load PATH…`: the load pipeline (parse → stage → resolve → write → derive), with rejects, progress and a summary."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from neo4j import Driver

from kg.cli.common import StageOpt, console, driver, err_console, say_format_hint, say_reject, settings
from kg.config import Settings
from kg.errors import InputError, KGError, OutputError
from kg.graphdb import catalog
from kg.models import Reject
from kg.progress import progress_bar

if TYPE_CHECKING:
    from kg.pipeline import LoadSummary
    from kg.sources.parsers.read import Unit


def _sources(
    paths: list[str], fmt: str | None, known: set[str] | None, sql_bundles: bool = False
) -> Iterator[tuple[str, Iterable[Unit]]]:
    from kg.sources.parsers.read import iter_units
    from kg.stage.parallel import CHUNK_WORKS

    for p in paths:
        # CSV bundles in chunks of works rows, which the load's worker processes make into records, or (KG_STAGE_SQL)
        # each whole, for the stage to read by SQL
        yield p, iter_units([p], fmt=fmt, known_names=known, chunk=CHUNK_WORKS, sql_bundles=sql_bundles)


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


def _mark_failed(drv: Driver, s: Settings, run_id: str, reason: str) -> None:
    """Record on the LoadRun that this run stopped (best effort: the error that stopped it is what the user sees;
    the stage keeps the run open, so the next load resumes it)."""
    from kg import graphdb

    with contextlib.suppress(KGError):
        graphdb.run(
            drv,
            catalog.query("load/loadrun_finish"),
            {"id": run_id, "props": {"status": "failed", "error": reason}},
            write=True,
            settings=s,
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
    stage: StageOpt = None,
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine", help="The resolve stage's engine: embedded (default) or spark (KG_RESOLVE_ENGINE)."
        ),
    ] = None,
) -> None:
    """Load records: parse, stage (DuckDB), resolve works and researchers as a whole, write only what changed
    (or everything with --bulk), derive. Idempotent; a killed load resumes on the next run. Exit 0 all loaded,
    3 some rejected, 1 nothing loaded."""
    raise typer.Exit(run_load(paths, fmt, batch_size, rejects, no_derived, bulk, stage, engine))


def run_load(
    paths: list[str],
    fmt: str | None = None,
    batch_size: int | None = None,
    rejects: Path | None = None,
    no_derived: bool = False,
    bulk: bool = False,
    stage: Path | None = None,
    engine: str | None = None,
) -> int:
    """`kg load` without the command line (kg harvest --load and kg enrich use it): the exit code."""
    from kg import pipeline
    from kg.sources.parsers.read import check_format

    _check_paths(paths)
    # before the run starts: an unknown --format would otherwise surface mid-load, after a LoadRun was opened
    check_format(fmt)
    run_id = pipeline.new_run_id()
    rejects_file = rejects or Path(f"rejects-{run_id.split(':', 1)[1]}.jsonl")
    check_writable(rejects_file)
    s = settings()
    if stage is not None:
        s = s.model_copy(update={"stage_path": stage})
    if engine is not None:
        if engine not in ("embedded", "spark"):
            raise InputError(f"--engine {engine}: the resolve engine is embedded or spark")
        s = s.model_copy(update={"resolve_engine": engine})
    if bulk and not s.uses_local_db:
        raise InputError(
            "--bulk imports into the local Neo4j only; with KG_NEO4J_URI set, load without --bulk"
        )
    drv = driver()
    saved = {"rejects": 0, "bytes": 0}
    current = ["start"]

    def on_reject(rej: Reject) -> None:
        # called once the line is in the rejects file: what a failed write later must not cut into
        saved["rejects"] += 1
        saved["bytes"] = _size(rejects_file)
        say_reject(rej, saved["rejects"], f"in {rejects_file}")

    known = _known_names(s)
    try:
        with progress_bar("loading") as bar:

            def on_step(text: str) -> None:
                current[0] = text
                if not bar.shown:
                    err_console.print(f"  {text}", markup=False, soft_wrap=True)
                bar.update(text, 0, 0)

            summary = pipeline.load(
                drv,
                _sources(paths, fmt, known, s.stage_sql),
                run_id=run_id,
                batch_size=batch_size,
                rejects_path=str(rejects_file),
                settings=s,
                bulk=bulk,
                derive=not no_derived,
                on_step=on_step,
                on_progress=bar.phase,
                on_reject=on_reject,
                on_file_error=_say_file_error,
                on_write_failure=_say_not_written,
                on_wait=_say,
                paths=paths,
            )
    except OSError as e:  # a full disk, most likely under the rejects file
        _cut_partial_line(rejects_file, saved["bytes"])
        _mark_failed(drv, s, run_id, f"a write failed: {e.strerror or e}")
        where = f" ({e.filename})" if e.filename else ""
        kept = (
            f"{saved['rejects']} reject(s) are in {rejects_file}" if saved["rejects"] else "no rejects saved"
        )
        written = (
            "some rows were written to Neo4j"
            if current[0].startswith("write")
            else "nothing was written to Neo4j"
        )
        raise OutputError(
            f"a write failed{where}: {e.strerror or e}; the load stopped during '{current[0]}', {written} "
            f"(load run {run_id}, marked failed; the next load resumes it), {kept}"
        ) from None
    _print_summary(summary)
    if summary.loaded == 0 and summary.rejected:
        say_format_hint(paths, fmt)
    return summary.exit_code


def _say(message: str) -> None:
    err_console.print(message, markup=False, soft_wrap=True)


def _say_file_error(path: str, message: str) -> None:
    _say(f"error: cannot read {path}: {message}")


def _say_not_written(message: str) -> None:
    _say(f"not written: {message}")


def _print_summary(summary: LoadSummary) -> None:
    """What a load read, loaded, wrote and removed; rejects, unreadable files and refused rows on stderr."""
    from kg import pipeline

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
    if summary.write_seconds:
        console.print(
            "bulk write: " + ", ".join(f"{k} {v:.1f}s" for k, v in summary.write_seconds.items()),
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
        _say(f"{summary.rejected} rejected record(s) in {summary.rejects_file}")
    if summary.failed_files:
        _say(f"{len(summary.failed_files)} file(s) could not be read")
    if summary.write_failures:
        _say(f"{len(summary.write_failures)} row(s) Neo4j refused (listed above); everything else is written")


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
