"""`kg db start|stop|status|logs` for the local Neo4j, and `kg schema apply|show`."""

from __future__ import annotations

from typing import Annotated

import typer

from kg import graphdb, localdb
from kg.cli.common import console, driver, settings
from kg.graphdb import catalog

db_app = typer.Typer(
    help="Run the local Neo4j 5.26 Community (from Maven Central jars).", no_args_is_help=True
)
schema_app = typer.Typer(
    help="The graph schema: constraints and indexes from cypher/schema.cypher.", no_args_is_help=True
)


@db_app.command("start")
def db_start() -> None:
    """Start the local Neo4j (fetching its jars once); returns when Bolt answers. A no-op when it runs."""
    s = settings()
    was = localdb.status(s, with_version=False).running
    st = localdb.start(s)
    if was:
        console.print("already running")
    for line in st.lines():
        console.print(line, markup=False)


@db_app.command("stop")
def db_stop() -> None:
    """Shut the local Neo4j down cleanly; its data stays in the home directory."""
    console.print("stopped" if localdb.stop(settings()) else "not running")


@db_app.command("status")
def db_status() -> None:
    """Say whether the local Neo4j runs, its version and edition, and its Bolt and Browser addresses."""
    s = settings()
    st = localdb.status(s)
    for line in st.lines():
        console.print(line, markup=False)
    if s.neo4j_uri:
        console.print(
            f"(KG_NEO4J_URI is set: commands use {s.neo4j_uri}, not this local Neo4j)", markup=False
        )
    if not st.running:
        raise typer.Exit(3)


@db_app.command("logs")
def db_logs(
    lines: Annotated[int, typer.Option("--lines", "-n", help="How many lines from the end.")] = 50,
) -> None:
    """Print the end of the local Neo4j's log."""
    for line in localdb.tail_log(settings(), lines):
        console.print(line, markup=False, soft_wrap=True)


@schema_app.command("apply")
def schema_apply() -> None:
    """Create every constraint and index in cypher/schema.cypher (idempotent)."""
    stmts = graphdb.apply_schema(driver(), settings())
    console.print(f"schema applied: {len(stmts)} statements")


@schema_app.command("show")
def schema_show() -> None:
    """List the constraints and indexes the database has."""
    drv = driver()
    for row in graphdb.run(drv, catalog.query("db/constraints")):
        console.print(f"constraint  {row['name']}  {row['type']}", markup=False)
    for row in graphdb.run(drv, catalog.query("db/indexes")):
        console.print(f"index       {row['name']}  {row['type']}  {row['state']}", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
    app.add_typer(schema_app, name="schema")
