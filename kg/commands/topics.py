"""`kg topics load|assign|show|profiles`: the taxonomy as Topic nodes, assigned topics, and researcher profiles."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kg.commands.common import console, driver, fail, settings

topics_app = typer.Typer(
    help="Topics: the OpenAlex taxonomy and arXiv categories, topics assigned to works, researcher profiles.",
    no_args_is_help=True,
)


@topics_app.command("load")
def topics_load(
    path: Annotated[
        Path | None,
        typer.Argument(help="The OpenAlex topic table (default: <KG_DATA_DIR>/topics/openalex_topics.csv)."),
    ] = None,
) -> None:
    """Load the taxonomy (domains, fields, subfields, topics, with keywords) and the arXiv categories as Topic
    nodes linked child → parent with PART_OF. Idempotent."""
    from kg import db, taxonomy

    s = settings()
    target = path or taxonomy.default_path(s)
    with console.status(f"loading {target}"):
        counts = taxonomy.load_taxonomy(driver(), target, settings=s)
    console.print(
        "topics loaded: "
        + ", ".join(f"{counts[lvl]} {lvl}s" for lvl in ("domain", "field", "subfield", "topic"))
        + f", {counts['category']} arXiv categories",
        markup=False,
        soft_wrap=True,
    )
    for row in db.run_named(driver(), "topics/hierarchy_counts", settings=s):
        console.print(
            f"  {row['scheme']:<9} {row['level']:<9} {row['nodes']:>6} nodes  {row['with_parent']:>6} with a parent",
            markup=False,
        )


@topics_app.command("assign")
def topics_assign(
    all_works: Annotated[
        bool, typer.Option("--all", help="Re-assign every work (else only works with no topics yet).")
    ] = False,
    work: Annotated[
        list[str] | None, typer.Option("--work", "-w", help="A work id to (re-)assign; repeat for more.")
    ] = None,
    researchers: Annotated[
        bool,
        typer.Option(
            "--profiles/--no-profiles", help="Refresh researcher topic profiles (WORKS_ON) afterwards."
        ),
    ] = True,
) -> None:
    """Assign topics and keyphrases to works without source topics (spaCy over the taxonomy), replacing earlier
    assigned ones; works that carry OpenAlex topics keep them. Idempotent."""
    from kg import topics

    s = settings()
    drv = driver()
    if work and all_works:
        fail("give either --all or --work, not both")
    ids = list(work) if work else topics.work_ids_to_assign(drv, everything=all_works, settings=s)
    if not ids:
        console.print("no works to assign (use --all to re-assign every work)")
        return
    with console.status("loading the topic vocabulary"):
        assigner = topics.get_assigner(s)
    assigned = 0
    step = max(1, s.batch_size)
    with Progress(
        TextColumn("assigning topics"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not sys.stdout.isatty(),
    ) as progress:
        task = progress.add_task("assign", total=len(ids))
        for i in range(0, len(ids), step):
            batch = ids[i : i + step]
            assigned += topics.assign_for_works(drv, batch, assigner=assigner, settings=s)
            progress.advance(task, len(batch))
    console.print(f"topics assigned to {assigned} of {len(ids)} works ({topics.METHOD})", markup=False)
    if researchers:
        n = topics.refresh_researcher_topics(drv, None, settings=s)
        console.print(f"researcher topic profiles refreshed: {n}", markup=False)


@topics_app.command("profiles")
def topics_profiles(
    researcher: Annotated[
        list[str] | None,
        typer.Option("--researcher", "-r", help="A researcher id; repeat for more (default: all)."),
    ] = None,
) -> None:
    """Rebuild researchers' derived topic profiles (WORKS_ON {weight, works}) from their works' topics."""
    from kg import topics

    n = topics.refresh_researcher_topics(
        driver(), list(researcher) if researcher else None, settings=settings()
    )
    console.print(f"researcher topic profiles refreshed: {n}", markup=False)


@topics_app.command("show")
def topics_show(
    work_id: Annotated[str, typer.Argument(help="The work's id, e.g. arxiv:2302.01503 or doi:10.1000/x.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Show a work's topics (level, score, method, matched phrases) and keyphrases."""
    from kg import topics

    info = topics.show_work_topics(driver(), work_id, settings=settings())
    if as_json:
        console.print(json.dumps(info, ensure_ascii=False, indent=2), markup=False, soft_wrap=True)
        return
    console.print(f"{info['id']}  {info['title']}", markup=False, soft_wrap=True)
    if not info["topics"]:
        console.print("  no topics", markup=False)
    for t in info["topics"]:
        score = "-" if t["score"] is None else f"{t['score']:.3f}"
        console.print(
            f"  {score}  {t['id']}  {t['name']}  [{t['level']}, {t['method']}]", markup=False, soft_wrap=True
        )
        if t["evidence"]:
            console.print(f"         evidence: {', '.join(t['evidence'])}", markup=False, soft_wrap=True)
    if info["keyphrases"]:
        console.print(f"  keyphrases: {', '.join(info['keyphrases'])}", markup=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.add_typer(topics_app, name="topics")
