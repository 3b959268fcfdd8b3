"""`kg stage show|stats|export`: look inside the stage store (the DuckDB file a load parses into and resolves in).

Read-only: none of these change the store or the graph. While a load holds the store they say so and stop
(they never wait, and never read a store halfway through a load).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated, Any

import duckdb
import typer
from rich.table import Table

from kg.cli.common import StageOpt, console, fail, settings
from kg.stage.store import StageBusy, StageStore

stage_app = typer.Typer(
    help="Look inside the stage store: its loads, what a work or researcher was resolved from, row counts, "
    "a Parquet export.",
    no_args_is_help=True,
)


def _open(stage: Path | None) -> StageStore:
    path = stage or settings().stage_file
    if path.is_dir():  # "no stage store at DIR: `kg load` makes one" sent the user to a load that cannot
        fail(f"{path} is a directory: name the stage store's file with --stage or KG_STAGE_PATH")
    if not path.is_file():
        fail(f"no stage store at {path}: `kg load` makes one (or name another with --stage / KG_STAGE_PATH)")
    try:
        return StageStore(path, read_only=True)
    except StageBusy as e:
        fail(f"{e}; try again when it has finished")


def _size(path: Path) -> str:
    n = sum(
        p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file() and p.suffix != ".lock"
    )
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} B"


def _rows(st: StageStore, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = st.con.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def _overview(st: StageStore, as_json: bool) -> None:
    counts = st.stats()
    runs = st.runs(10)
    info: dict[str, Any] = {
        "path": str(st.path),
        "size": _size(st.path),
        "stage_id": st.meta("stage_id"),
        "schema_version": st.meta("schema_version"),
        "records": counts.get("records", 0),
        "works": counts.get("work", 0),
        "researchers": counts.get("researcher", 0),
        "authorships": counts.get("authored", 0),
        "coauthor_pairs": counts.get("coauthor", 0),
        "decisions": counts.get("decisions", 0),
        "rows_in_graph": counts.get("written", 0),
        "runs": runs,
    }
    if as_json:
        console.print_json(json.dumps(info, default=str))
        return
    for k in ("path", "size", "stage_id", "records", "works", "researchers", "authorships", "coauthor_pairs",
              "decisions", "rows_in_graph"):  # fmt: skip
        console.print(f"{k.replace('_', ' ')}: {info[k]}", markup=False)
    if not runs:  # an empty table of loads, headers only, said nothing
        console.print("loads: none yet (`kg load PATH…` fills the stage store)", markup=False)
        return
    # The run id is what `kg load` printed and what a LoadRun node holds: whole, on one line, even at 80
    # columns (it was cut to "run:202…"). It carries the start time (UTC), so no column repeats it; the paths fold.
    t = Table(title="loads (newest first)", box=None, pad_edge=False)
    for col in ("run", "status", "phase"):
        t.add_column(col, no_wrap=True)
    for col in ("read", "new", "rejected"):
        t.add_column(col, justify="right", no_wrap=True)
    t.add_column("paths", overflow="fold")
    for r in runs:
        paths = r["paths"] or []
        shown = ", ".join(paths[:2]) + (f" (+{len(paths) - 2})" if len(paths) > 2 else "")
        t.add_row(str(r["run_id"]), str(r["status"]), str(r["phase"] or ""), str(r["read"] or 0),
                  str(r["new_records"] or 0), str(r["rejected"] or 0), shown)  # fmt: skip
    console.print(t)


def _work(st: StageStore, wid: str) -> dict[str, Any] | None:
    found = _rows(st, "SELECT id, title, year, venue, doi, arxiv_id, openalex_id, sources FROM work WHERE id = ?",
                  [wid])  # fmt: skip
    if not found:
        return None
    out = found[0]
    out["records"] = _rows(
        st,
        "SELECT r.source, r.ref FROM work_member m JOIN work_recs w ON w.wrec = m.wrec "
        "JOIN records r ON r.rec = w.rec WHERE m.work_id = ? ORDER BY r.source, r.ref",
        [wid],
    )
    out["authors"] = _rows(
        st,
        "SELECT a.position, a.src AS researcher, a.raw_name, a.sources, round(a.confidence, 3) AS confidence "
        "FROM authored a WHERE a.dst = ? ORDER BY a.position, a.src",
        [wid],
    )
    return out


def _researcher(st: StageStore, rid: str) -> dict[str, Any] | None:
    found = _rows(
        st,
        "SELECT id, name, aliases, orcid, openalex_id, identity_method, round(identity_confidence, 3) AS "
        "identity_confidence, identity_evidence, sources, mention_count FROM researcher WHERE id = ?",
        [rid],
    )
    if not found:
        return None
    out = found[0]
    out["works"] = _rows(
        st,
        "SELECT w.id, w.title, w.year, a.raw_name, a.sources, round(a.confidence, 3) AS confidence "
        "FROM authored a JOIN work w ON w.id = a.dst WHERE a.src = ? ORDER BY w.year DESC NULLS LAST, w.id",
        [rid],
    )
    out["decisions"] = _rows(
        st,
        'SELECT kind, "by", "at", why FROM decisions WHERE a = ? OR b = ? ORDER BY "at"',
        [rid, rid],
    )
    return out


@stage_app.command("show")
def show_cmd(
    node_id: Annotated[
        str | None,
        typer.Argument(
            help="A Work or Researcher id: what it was resolved from. Without one: the store and its loads."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    stage: StageOpt = None,
) -> None:
    """The stage store at a glance (size, counts, the last loads), or what one work or researcher is made of:
    a work's source records and authors, a researcher's works, names as written and identity evidence."""
    with _open(stage) as st:
        if node_id is None:
            _overview(st, as_json)
            return
        found = _work(st, node_id)
        kind = "work"
        if found is None:
            found, kind = _researcher(st, node_id), "researcher"
        if found is None:
            fail(f"no work or researcher with id {node_id!r} in {st.path}")
    if as_json:
        console.print_json(json.dumps({"kind": kind, **found}, default=str))
        return
    items = [(k, v) for k, v in found.items() if not isinstance(v, list) or k in ("sources", "aliases")]
    for k, v in items:
        if v not in (None, [], ""):
            console.print(f"{k}: {', '.join(v) if isinstance(v, list) else v}", markup=False)
    for k in ("records", "authors", "works", "decisions"):
        rows = found.get(k)
        if rows:
            t = Table(title=k)
            for col in rows[0]:
                t.add_column(col, overflow="fold")  # ids whole, if folded, never cut to "doi:10.1080/…"
            for r in rows:
                t.add_row(*(", ".join(map(str, v)) if isinstance(v, list) else str(v) for v in r.values()))
            console.print(t)


@stage_app.command("stats")
def stats_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    stage: StageOpt = None,
) -> None:
    """Rows in every table of the stage store."""
    with _open(stage) as st:
        counts = st.stats()
    if as_json:
        console.print_json(json.dumps(counts))
        return
    t = Table(title=f"stage store tables ({sum(counts.values())} rows)")
    t.add_column("table")
    t.add_column("rows", justify="right")
    for name, n in counts.items():
        t.add_row(name, f"{n:,}")
    console.print(t)


@stage_app.command("export")
def export_cmd(
    directory: Annotated[Path, typer.Argument(help="Where the Parquet files go (made if missing).")],
    table: Annotated[
        list[str] | None,
        typer.Option("--table", "-t", help="Only this table (repeatable); default every table."),
    ] = None,
    stage: StageOpt = None,
) -> None:
    """Every table of the stage store (or the named ones) as one Parquet file each, for DuckDB, Spark or pandas."""
    with _open(stage) as st:
        known = st.stats()
        unknown = sorted(set(table or []) - set(known))
        if unknown:
            fail(f"no table {', '.join(unknown)} in the stage store (tables: {', '.join(known)})")
        _check_writable_dir(directory)
        try:
            written = st.export_parquet(directory, tables=table or None)
        except duckdb.IOException as e:  # a file there that cannot be replaced, a full disk
            fail(f"the export into {directory} stopped: {e}")
    for p in written:
        console.print(f"{p}  ({known[p.stem]:,} rows)", markup=False)


def _check_writable_dir(directory: Path) -> None:
    """Make DIRECTORY and write a file in it, or fail in one line naming it, before any table is exported: DuckDB's
    own error came as "unexpected IOException: … Permission denied", a bug's wording, and a file there as "File
    exists"."""
    if directory.exists() and not directory.is_dir():
        fail(f"{directory} is a file: name a directory for the Parquet files")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=directory).close()
    except OSError as e:
        fail(f"cannot write the Parquet files into {directory}: {e.strerror or e}")


def register(app: typer.Typer) -> None:
    app.add_typer(stage_app, name="stage")
