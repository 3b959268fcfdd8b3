"""`kg up`: the main job — start Neo4j, apply the schema, load the sample data, derive, and serve the panel."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from kg import db, localdb
from kg.commands.common import console, driver, fail, settings


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _step(text: str) -> float:
    console.print(f"[bold]==[/bold] {text}")
    return time.monotonic()


def _kg(*args: str) -> int:
    """Run a `kg` sub-command in its own process, so its progress and exit code are its own."""
    return subprocess.run([sys.executable, "-m", "kg.cli", *args]).returncode


def up(
    data: Annotated[
        Path | None,
        typer.Argument(
            help="Directory of input files (default: ../shared/data when it exists, else a generated corpus)."
        ),
    ] = None,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the API and the panel at the end.")
    ] = True,
    host: Annotated[str | None, typer.Option(help="API host (default KG_API_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="API port (default KG_API_PORT).")] = None,
    synth_works: Annotated[
        int, typer.Option(help="Works to generate when there is no data directory.")
    ] = 5000,
) -> None:
    """Start the local Neo4j (unless KG_NEO4J_URI is set), apply the schema, load the topic taxonomy and the data,
    derive COAUTHOR, researcher topics and suggestions, then serve the API and the research graph panel."""
    s = settings()
    if s.uses_local_db:
        _step("starting the local Neo4j")
        for line in localdb.start(s).lines():
            console.print("   " + line, markup=False)
    else:
        console.print(f"== using Neo4j at {s.uri}", markup=False)
    drv = driver()
    _step("applying the schema")
    db.apply_schema(drv, s)

    data_dir = data if data is not None else (s.data_dir if s.data_dir.is_dir() else None)
    if data is not None and not data.is_dir():
        fail(f"{data} is not a directory")
    taxonomy = (data_dir / "topics" / "openalex_topics.csv") if data_dir else None
    if taxonomy and taxonomy.is_file() and _has("kg.taxonomy"):
        _step(f"loading the topic taxonomy from {taxonomy}")
        if _kg("topics", "load", str(taxonomy)) != 0:
            fail("the topic taxonomy did not load")

    if data_dir is None:
        if not _has("kg.synth"):
            fail(
                "no data directory (../shared/data is absent) and no generator to make one: name a directory"
            )
        data_dir = s.localdb_home.parent / "sample"
        if not (data_dir / "works.csv").exists():
            _step(f"generating a sample corpus of {synth_works} works in {data_dir}")
            if _kg("synth", "--works", str(synth_works), "--seed", "1", "--out", str(data_dir)) != 0:
                fail("the sample corpus could not be generated")
        inputs = [data_dir]
    else:
        inputs = sorted(p for p in data_dir.iterdir() if p.name != "topics" and not p.name.startswith("."))

    _step("loading " + ", ".join(str(p) for p in inputs))
    code = _kg("load", *map(str, inputs))
    if code == 1:
        fail("nothing loaded (see the messages above)")
    if code == 3:
        console.print("   some records were rejected (listed above and in the rejects file); the rest loaded")

    if _has("kg.coauthors"):
        _step("deriving COAUTHOR edges")
        _kg("coauthors", "rebuild")
    if _has("kg.discover"):
        _step("discovering collaborator suggestions")
        _kg("discover")

    if not serve:
        console.print("done (not serving: --no-serve)")
        return
    if not _has("api.main"):
        fail("the API is not installed in this checkout")
    h, p = host or s.api_host, port or s.api_port
    url = f"http://{h}:{p}/"
    rows = db.run(
        drv,
        "MATCH (r:Researcher) WHERE r.id STARTS WITH 'profile:' RETURN r.id AS id ORDER BY id LIMIT 1",
        settings=s,
    ) or db.run(
        drv,
        "MATCH (r:Researcher)-[:AUTHORED]->() WITH r, count(*) AS n RETURN r.id AS id ORDER BY n DESC, id LIMIT 1",
        settings=s,
    )
    if rows:
        from urllib.parse import quote

        url = f"http://{h}:{p}/researchers/{quote(str(rows[0]['id']), safe='')}"
    console.print(f"\nResearch KG is serving. Open: {url}\n", markup=False)
    sys.exit(_kg("serve", "--host", h, "--port", str(p)))


def register(app: typer.Typer) -> None:
    app.command("up")(up)
