"""`kg up`: the main job — start Neo4j, apply the schema, load the taxonomy and the data, derive, and serve."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import typer
from neo4j import Driver

from kg import __version__, defaultdata, graphdb, localdb
from kg.cli.common import console, driver, fail, settings
from kg.config import Settings
from kg.graphdb import catalog
from kg.sample import WELL_CONNECTED_COAUTHORS, WELL_CONNECTED_WORKS

# Names in a data directory that are never input (as the parsers' directory walk skips them too).
NOT_INPUT = ("TOPICS", "SOURCE", "README", "LICENSE", "LICENCE")
STATE_FILE = "up-state.json"
# The status a load run ends with when all went well ("finished" before the staged pipeline).
DONE = ("completed", "finished")
# Set by scripts/run.sh to the time `make run` began, so the total covers the setup too.
RUN_STARTED_ENV = "KG_RUN_STARTED"


def _elapsed(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 60}m{s % 60:02d}s" if s >= 60 else f"{seconds:.1f}s"


def _done(text: str, t0: float) -> None:
    console.print(f"✓ {text} ({_elapsed(time.monotonic() - t0)})", markup=False, soft_wrap=True)


@contextmanager
def _spinner(label: str) -> Iterator[None]:
    """A spinner with the step's label while it runs, on a terminal only (the finished line says the rest)."""
    if console.is_terminal:
        with console.status(label):
            yield
    else:
        yield


def _kg(args: Sequence[str], env: dict[str, str], *, spinner: str | None = None) -> tuple[int, list[str]]:
    """Run a `kg` sub-command in its own process: its standard output is returned (the caller shows the summary),
    its standard error (progress bars, rejects, errors) goes straight to the terminal."""
    cmd = [sys.executable, "-m", "kg.cli", *args]
    with _spinner(spinner) if spinner else _nothing():
        proc = subprocess.run(
            cmd, env=env, stdout=subprocess.PIPE, text=True, encoding="utf-8", errors="replace"
        )
    return proc.returncode, [ln for ln in proc.stdout.splitlines() if ln.strip()]


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def data_inputs(directory: Path) -> list[Path]:
    """The entries of a data directory that are input: everything but topics/, SOURCE/README files, dot files."""
    return sorted(
        p
        for p in directory.iterdir()
        if not p.name.startswith(".") and p.name.split(".", 1)[0].upper() not in NOT_INPUT
    )


def fingerprint(inputs: Sequence[Path], taxonomy: Path, target: str) -> str:
    """What a load depends on: every input file (path, size, modification time), the taxonomy, the database it
    goes to and the version of Research KG. Equal fingerprints mean there is nothing new to load."""
    h = hashlib.sha256(json.dumps({"kg": __version__, "target": target}).encode())
    files: list[Path] = [taxonomy]
    for p in inputs:
        files.extend(sorted(q for q in p.rglob("*") if q.is_file()) if p.is_dir() else [p])
    for f in files:
        st = f.stat()
        h.update(f"{f.resolve()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _target(s: Settings) -> str:
    where = s.uri if not s.uses_local_db else f"{s.uri} {s.localdb_home.resolve()}"
    return f"{where} {s.neo4j_database}"


def _state_path(s: Settings) -> Path:
    return s.localdb_home.parent / STATE_FILE


def _read_state(s: Settings) -> dict[str, Any]:
    try:
        state = json.loads(_state_path(s).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _write_state(s: Settings, state: dict[str, Any]) -> None:
    path = _state_path(s)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")


def _load_run_ids(drv: Driver, s: Settings) -> set[str]:
    return {
        r["id"]
        for r in graphdb.run(drv, catalog.query("api/overview_load_runs"), {"limit": 1000}, settings=s)
    }


def still_loaded(drv: Driver, s: Settings, state: dict[str, Any], fp: str) -> bool:
    """The inputs are the ones last loaded into this database, and the graph still holds that load."""
    runs = state.get("load_runs")
    if state.get("fingerprint") != fp or not isinstance(runs, list) or not runs:
        return False
    found = graphdb.run(drv, catalog.query("up/load_run_status"), {"ids": runs}, settings=s)
    return len(found) == len(runs) and all(r["status"] in DONE for r in found)


def describe_written(runs: Sequence[dict[str, Any]]) -> str:
    """What load runs wrote, from their LoadRun nodes: 'load run run:…: failed after writing Work 53, …'."""
    if not runs:
        return "no load run was recorded, so nothing was written"
    parts = []
    for r in runs:
        try:
            counts = json.loads(r.get("counts") or "{}")
        except (TypeError, ValueError):
            counts = {}
        # nodes (Work, Researcher, …) first, then relationships (AUTHORED, …)
        kinds = sorted(counts.items(), key=lambda kv: (kv[0].isupper(), kv[0]))
        written = ", ".join(f"{k} {v}" for k, v in kinds if v) or "nothing"
        status = r.get("status") or "unknown"
        if status in DONE:
            parts.append(f"load run {r['id']} {status} and wrote {written}")
        elif counts and any(counts.values()):
            parts.append(f"load run {r['id']} {status} after writing {written}")
        else:
            parts.append(f"load run {r['id']} {status} before writing anything")
    return "; ".join(parts)


def featured_url(drv: Driver, s: Settings, base: str) -> tuple[str, str | None]:
    """The page to open first: the best-connected researcher's (most works, then most co-authors, among those
    with at least 2 works and 3 co-authors), else the landing page."""
    rows = graphdb.run(
        drv,
        catalog.query("api/overview_researchers"),
        {"min_works": WELL_CONNECTED_WORKS, "min_coauthors": WELL_CONNECTED_COAUTHORS, "limit": 1},
        settings=s,
    )
    if not rows:
        return base, None
    r = rows[0]
    return (
        f"{base}researchers/{quote(str(r['id']), safe='')}",
        f"{r['name'] or r['id']}: {r['works']} works, {r['coauthors']} co-authors",
    )


def up(
    data: Annotated[
        Path | None,
        typer.Argument(
            help="Directory of input files (default: the real sample shipped in the package, kg/data). A "
            "topics/openalex_topics.csv inside it is loaded as the taxonomy."
        ),
    ] = None,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the API and the panel at the end.")
    ] = True,
    host: Annotated[str | None, typer.Option(help="API host (default KG_API_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="API port (default KG_API_PORT).")] = None,
    reload: Annotated[
        bool, typer.Option("--reload", help="Load and derive again even when the inputs are unchanged.")
    ] = False,
) -> None:
    """Start the local Neo4j (unless KG_NEO4J_URI is set), apply the schema, load the topic taxonomy and the data,
    derive COAUTHOR edges and collaborator suggestions, then serve the API and the research graph panel and print
    the URL of a well-connected researcher's page. Unchanged inputs are not loaded twice."""
    started = time.time()
    with suppress(ValueError):
        started = min(started, float(os.environ.get(RUN_STARTED_ENV, started)))
    s = settings()
    data_dir = data if data is not None else defaultdata.DATA_DIR
    if not data_dir.is_dir():
        fail(f"{data_dir} is not a directory: name a directory of input files (make run DATA=/path/to/dir)")
    inputs = data_inputs(data_dir)
    if not inputs:
        fail(f"{data_dir} holds no input files (README: Bring your own data)")
    from kg.taxonomy import default_path

    # KG_TAXONOMY_PATH when set, else the directory's own topics/openalex_topics.csv, else the package's copy
    taxonomy = s.taxonomy_path or defaultdata.taxonomy_in(data_dir) or default_path(s)
    if not taxonomy.is_file():
        fail(
            f"no topic taxonomy at {taxonomy}: set KG_TAXONOMY_PATH to the OpenAlex topic table, or unset it"
        )
    h, p = host or s.api_host, port or s.api_port
    if serve and h in ("127.0.0.1", "0.0.0.0", "localhost") and not localdb.port_free(p, "127.0.0.1"):
        fail(f"port {p} is in use (another kg serve?): stop it, or choose another with --port or KG_API_PORT")
    # the sub-commands use the taxonomy this run loads, whatever their own default would be
    # (and print their summaries on one line each: a wide console, since their output is read, not shown)
    env = {**os.environ, "KG_TAXONOMY_PATH": str(taxonomy.resolve()), "COLUMNS": "1000"}

    from kg.cli.serve import panel_missing

    panel = panel_missing()
    if panel is not None:
        console.print(f"note: {panel}", markup=False, soft_wrap=True)
    t0 = time.monotonic()
    if s.uses_local_db:
        with _spinner("starting Neo4j"):
            st = localdb.start(s)
        _done(f"Neo4j running: {st.bolt}, Browser {st.browser}", t0)
    drv = driver()  # fails here, in one line, when KG_NEO4J_URI names a Neo4j that does not answer
    if not s.uses_local_db:
        console.print(f"✓ using the Neo4j at {s.uri}", markup=False)  # only once it answered
    t0 = time.monotonic()
    graphdb.apply_schema(drv, s)
    _done("schema applied", t0)

    fp = fingerprint(inputs, taxonomy, _target(s))
    state = _read_state(s)
    where = "the sample shipped in the package" if data is None else str(data_dir)
    if not reload and still_loaded(drv, s, state, fp):
        console.print(
            f"✓ {where} is loaded and unchanged since load run {state['load_runs'][-1]}: not loaded again "
            "(--reload to load it anyway)",
            markup=False,
            soft_wrap=True,
        )
    else:
        _write_state(s, {})  # a run that stops half-way must not pass for a finished one next time
        runs = _load_and_derive(drv, s, env, inputs, taxonomy, where)
        _write_state(s, {"fingerprint": fp, "load_runs": runs, "data": str(data_dir.resolve())})

    base = f"http://{'127.0.0.1' if h in ('0.0.0.0', '::') else h}:{p}/"
    url, who = featured_url(drv, s, base)
    if panel is not None:  # the researcher's page would answer 404 without the panel: point at what answers
        url, who = f"{base}api/v1/docs", None
    drv.close()
    total = _elapsed(time.time() - started)
    if not serve:
        console.print(
            f"Ready in {total} (not serving: --no-serve). The page to open: {url}",
            markup=False,
            soft_wrap=True,
        )
        return
    from kg.cli.serve import run_server

    console.print(
        f"\nReady in {total}. Open: {url}" + (f"  ({who})" if who else "") + "\n",
        markup=False,
        soft_wrap=True,
    )
    run_server(s, h, p, 1, log_level="warning", panel_noted=panel is not None)


def _load_and_derive(
    drv: Driver, s: Settings, env: dict[str, str], inputs: list[Path], taxonomy: Path, where: str
) -> list[str]:
    """Taxonomy, data, COAUTHOR, suggestions; one line each. Returns the load runs written. Any failure ends
    the job with one line saying what failed, what was written and what to do."""
    t0 = time.monotonic()
    code, out = _kg(["topics", "load", str(taxonomy)], env, spinner="loading the topic taxonomy")
    if code != 0:
        fail(f"the topic taxonomy did not load from {taxonomy} (see the message above); fix it and run again")
    _done(out[0] if out else f"topic taxonomy loaded from {taxonomy}", t0)

    t0 = time.monotonic()
    before = _load_run_ids(drv, s)
    n = len(inputs)
    console.print(f"… loading {where} ({n} {'entry' if n == 1 else 'entries'})", markup=False, soft_wrap=True)
    rejects = s.localdb_home.parent / "rejects-last-load.jsonl"
    rejects.unlink(missing_ok=True)
    code, out = _kg(["load", *map(str, inputs), "--rejects", str(rejects)], env)
    runs = [
        r
        for r in graphdb.run(drv, catalog.query("api/overview_load_runs"), {"limit": 20}, settings=s)
        if r["id"] not in before
    ]
    if code not in (0, 3):
        fail(
            f"loading {where} failed: {describe_written(runs)} (see the messages above); fix the cause and run again"
        )
    summary = next((ln for ln in out if ln.startswith("load run")), "loaded")
    written = next((ln for ln in out if ln.startswith("written:")), "")
    _done(f"{summary.split(': ', 1)[-1]}; {written}" if written else summary, t0)
    if code == 3:
        console.print(
            f"  some records were rejected (named above, kept in {rejects}); the rest loaded",
            markup=False,
            soft_wrap=True,
        )
    done_runs = [r["id"] for r in runs]

    # the load wrote COAUTHOR edges (and each researcher's big-team works) with the graph
    for label, args, what in (("discovering collaborator suggestions", ["discover"], "kg discover"),):
        t0 = time.monotonic()
        code, out = _kg(args, env)  # no spinner: these draw their own progress bars on a terminal
        if code != 0:
            fail(
                f"{label} failed (see the message above) after {describe_written(runs)}; "
                f"the data is loaded: run `{what}` to retry, or run again"
            )
        _done(out[0] if out else label, t0)
    return done_runs


def register(app: typer.Typer) -> None:
    app.command("up")(up)
