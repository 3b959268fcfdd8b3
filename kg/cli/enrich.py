"""`kg enrich`: look up works known only by title in the live sources (strict matches only), then load the files
and what matched: the works gain their author lists and ids, their researcher gains co-authors. --dry-run shows the
matches first."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from kg.cli.common import SaidRejects, console, err_console, settings
from kg.errors import InputError
from kg.models import Reject
from kg.sources.harvest.enrich import Target


def enrich_command(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help="Files with works known by title (a profile page, a listing); they are loaded too."
        ),
    ] = None,
    researcher: Annotated[
        str | None, typer.Option("--researcher", "-r", help="A researcher in the graph: enrich their works.")
    ] = None,
    sources: Annotated[
        list[str] | None,
        typer.Option(
            "--source",
            help="Where to look, in order (repeatable): arxiv, openalex, semanticscholar, crossref.",
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the matches; load nothing.")] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Where the matched records go (default KG_HARVEST_DIR).")
    ] = None,
    keep_answers: Annotated[
        bool,
        typer.Option("--keep-answers", help="Also save every answer the sources gave (to check a decision)."),
    ] = False,
) -> None:
    """Enrich works known only by title: matched by arXiv id, DOI or exact title within a year with the researcher
    among the authors (never a loose guess), then loaded."""
    from kg.sources import parsers
    from kg.sources.harvest import enrich as en
    from kg.sources.harvest import sources as hs

    s = settings()
    chosen = list(sources or en.ENRICH_SOURCES)
    unknown = [x for x in chosen if x not in en.ENRICH_SOURCES]
    if unknown:
        raise InputError(f"unknown source {unknown[0]!r} (one of: {', '.join(en.ENRICH_SOURCES)})")
    if not paths and not researcher:
        raise InputError("give a file of works (a profile page) or --researcher ID")
    targets: list[Target] = []
    parse_rejects: list[Reject] = []
    for p in paths or []:
        targets += list(en.targets_from_records(_kept_aside(parsers.iter_records([p]), parse_rejects)))
    if researcher:
        targets += _graph_targets(researcher)
    # the files' rejects are named by the load that follows; on a dry run none follows, so here (before the slow
    # lookups)
    rejects = SaidRejects()
    if dry_run:
        for rej in parse_rejects:
            rejects(rej)
    if not targets:
        console.print(
            f"no works to enrich (every work already has its authors){rejects.summary}", markup=False
        )
        # the files are loaded all the same: a user enriching then loading expects the load either way
        raise typer.Exit(rejects.exit_code if dry_run else _load(paths or []))

    delays = {
        "arxiv": s.arxiv_delay,
        "openalex": s.openalex_delay,
        "semanticscholar": s.s2_delay,
        "crossref": s.crossref_delay,
    }
    lookups: dict[str, en.Lookup] = {}
    for src in chosen:
        headers = {}
        if src == "semanticscholar" and s.s2_api_key:
            headers["x-api-key"] = s.s2_api_key.get_secret_value()
        lookups[src] = en.Lookup(src, s, hs.client_for(s, delays[src], headers=headers))
    try:
        outcomes = en.enrich(targets, chosen, s, lookups)
    finally:
        for lk in lookups.values():
            lk.client.close()

    matched = 0
    for o in outcomes:
        if o.match is not None:
            matched += 1
            r = o.match.record
            rid = (
                f"doi:{r.ids.doi}"
                if r.ids.doi
                else f"arxiv:{r.ids.arxiv}"
                if r.ids.arxiv
                else r.ids.openalex or r.ids.s2
            )
            console.print(
                f"match  {o.target.title[:70]} → {rid} ({o.match.source}, {r.year}, {len(r.authors)} authors)",
                markup=False,
                soft_wrap=True,
            )
        else:
            console.print(
                f"none   {o.target.title[:70]}: {' | '.join(o.notes)}", markup=False, soft_wrap=True
            )
    console.print(f"{matched} of {len(outcomes)} works matched{rejects.summary}", markup=False)
    out_dir = out or s.harvest_dir
    if keep_answers:
        raw = en.write_raw(lookups.values(), out_dir / "answers")
        if raw:
            err_console.print(f"answers kept in {raw}", markup=False, soft_wrap=True)
    if dry_run:
        console.print("dry run: nothing loaded", markup=False)
        raise typer.Exit(rejects.exit_code)
    path = en.write_matches(outcomes, out_dir)
    raise typer.Exit(_load([*(paths or []), *([str(path)] if path else [])]))


def _load(paths: list[str]) -> int:
    """`kg load PATHS`' exit code; 0 when there is nothing to load (a --researcher with nothing matched)."""
    if not paths:
        return 0
    from kg.cli.load import run_load

    return run_load(paths)


def _kept_aside(records: Iterable[Any], rejects: list[Reject]) -> Iterator[Any]:
    """The records, with the rejects among them put in REJECTS."""
    for rec in records:
        if isinstance(rec, Reject):
            rejects.append(rec)
        else:
            yield rec


def _graph_targets(researcher: str) -> list[Target]:
    from kg import graphdb
    from kg.cli.common import driver
    from kg.graphdb import catalog
    from kg.normalize import normalize_arxiv, normalize_doi

    rows = graphdb.run(
        driver(), catalog.query("enrich/researcher_works"), {"id": researcher}, settings=settings()
    )
    if not rows:
        exists = graphdb.run(
            driver(),
            catalog.query("enrich/researcher_exists"),
            {"id": researcher},
            settings=settings(),
        )
        if not exists:
            raise InputError(f"no researcher {researcher!r} in the graph")
    return [
        Target(
            ref=r["id"],
            title=r["title"],
            year=r["year"],
            doi=normalize_doi(r["doi"]),
            arxiv=normalize_arxiv(r["arxiv"]),
            person=r["person"],
        )
        for r in rows
        if r["title"]
    ]


def register(app: typer.Typer) -> None:
    app.command("enrich")(enrich_command)
