"""`kg harvest SOURCE …`: fetch from a live source (OpenAlex, arXiv, Crossref, ORCID, Semantic Scholar) politely,
save the raw responses, resume where an interrupted harvest stopped, then load them (--load) or say how."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from kg.cli.common import console, err_console, settings
from kg.errors import InputError

harvest_app = typer.Typer(
    help="Fetch records from a live source into gzipped JSON Lines of raw responses (then `kg load` them). "
    "Sources: openalex, arxiv, crossref, orcid, semanticscholar.",
    no_args_is_help=True,
)

OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out", help="Directory for the responses and the checkpoint (default KG_HARVEST_DIR, .kg/harvest)."
    ),
]
RestartOpt = Annotated[
    bool, typer.Option("--restart", help="Forget the checkpoint and fetch everything again.")
]
LoadOpt = Annotated[
    bool, typer.Option("--load", help="Load the responses into the graph when the harvest is done.")
]
NoDerivedOpt = Annotated[
    bool, typer.Option("--no-derived", help="With --load: skip topics and co-author updates after the load.")
]
MaxPagesOpt = Annotated[
    int | None, typer.Option("--max-pages", min=1, help="Stop after this many pages (a later run resumes).")
]


def _run(
    plan: object,
    base: str,
    out: Path | None,
    restart: bool,
    load: bool,
    max_pages: int | None,
    no_derived: bool = False,
) -> None:
    from kg.sources.harvest.plan import Plan
    from kg.sources.harvest.run import Checkpoint, run_harvest

    assert isinstance(plan, Plan)
    s = settings()
    out_dir = out or s.harvest_dir
    tty = sys.stderr.isatty()

    def progress(cp: Checkpoint) -> None:
        line = f"{plan.source}: page {cp.pages} · {cp.records} records · task {min(cp.task + 1, len(plan.tasks))}/{len(plan.tasks)}"
        err_console.print(line, markup=False, soft_wrap=True, end="\r" if tty else "\n")

    err_console.print(f"harvest {plan.describe()}", markup=False, soft_wrap=True)
    result = run_harvest(plan, out_dir, base=base, restart=restart, max_pages=max_pages, progress=progress)
    if tty:
        err_console.print("", markup=False)
    if result.already_done:
        console.print(
            f"{plan.source}: already harvested ({result.pages} pages, {result.records} records) in {result.output};"
            " --restart fetches again",
            markup=False,
            soft_wrap=True,
        )
    else:
        resumed = f", resumed after page {result.resumed_from}" if result.resumed_from else ""
        console.print(
            f"{plan.source}: {result.pages} pages, {result.records} records, {result.requests} requests,"
            f" {result.retries} retries, {result.waited:.1f}s waited{resumed} → {result.output}",
            markup=False,
            soft_wrap=True,
        )
    for uri in result.not_found:
        err_console.print(f"not found: {uri}", markup=False, soft_wrap=True)
    finished = _done(result.checkpoint)
    if not finished:
        console.print("stopped before the end: run the same command again to resume", markup=False)
    if not result.output.exists():
        console.print("nothing to load", markup=False)
        return
    if load and finished:
        from kg.cli.load import run_load

        raise typer.Exit(run_load([str(result.output)], no_derived=no_derived))
    console.print(f"kg load {result.output}", markup=False, soft_wrap=True)


def _done(cp_path: Path) -> bool:
    from kg.sources.harvest.run import Checkpoint

    return Checkpoint.read(cp_path).done if cp_path.exists() else False


@harvest_app.command("openalex")
def openalex_command(
    search: Annotated[
        str | None, typer.Option("--search", help="Full-text search of titles, abstracts, text.")
    ] = None,
    author: Annotated[
        str | None, typer.Option("--author", help="Works of an author: OpenAlex id (A…) or ORCID iD.")
    ] = None,
    institution: Annotated[
        str | None, typer.Option("--institution", help="Works of an institution: OpenAlex id (I…) or ROR id.")
    ] = None,
    topic: Annotated[str | None, typer.Option("--topic", help="Works of an OpenAlex topic (T…).")] = None,
    from_updated_date: Annotated[
        str | None,
        typer.Option("--from-updated-date", metavar="DATE", help="Works changed since YYYY-MM-DD."),
    ] = None,
    filter: Annotated[
        str | None,
        typer.Option("--filter", help="More of OpenAlex's filter syntax, e.g. publication_year:2024."),
    ] = None,
    out: OutOpt = None,
    restart: RestartOpt = False,
    load: LoadOpt = False,
    max_pages: MaxPagesOpt = None,
    no_derived: NoDerivedOpt = False,
) -> None:
    """OpenAlex works (cursor paging, 200 a page, KG_MAILTO for the polite pool)."""
    from kg.sources.harvest.sources import OpenAlex, openalex_filter

    s = settings()
    f = openalex_filter(author, institution, topic, from_updated_date, filter)
    _run(OpenAlex(s, search=search, filter=f), s.openalex_api, out, restart, load, max_pages, no_derived)


@harvest_app.command("arxiv")
def arxiv_command(
    query: Annotated[
        str | None, typer.Argument(help="Search terms, or an arXiv query such as 'ti:graph'.")
    ] = None,
    category: Annotated[str | None, typer.Option("--category", help="An arXiv category, e.g. cs.LG.")] = None,
    author: Annotated[str | None, typer.Option("--author", help="An author name.")] = None,
    since: Annotated[
        str | None, typer.Option("--from", metavar="DATE", help="Submitted on or after YYYY-MM-DD.")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", metavar="DATE", help="Submitted on or before YYYY-MM-DD.")
    ] = None,
    ids: Annotated[list[str] | None, typer.Option("--id", help="arXiv ids to fetch (repeatable).")] = None,
    out: OutOpt = None,
    restart: RestartOpt = False,
    load: LoadOpt = False,
    max_pages: MaxPagesOpt = None,
    no_derived: NoDerivedOpt = False,
) -> None:
    """arXiv API search (100 a page, KG_ARXIV_DELAY seconds between requests: arXiv asks for 3)."""
    from kg.sources.harvest.sources import Arxiv, arxiv_query

    s = settings()
    q = (
        arxiv_query(query, category, author, since, until)
        if (query or category or author or since or until)
        else None
    )
    _run(
        Arxiv(s, search_query=q, ids=list(ids or [])), s.arxiv_api, out, restart, load, max_pages, no_derived
    )


@harvest_app.command("crossref")
def crossref_command(
    query: Annotated[
        str | None, typer.Option("--query", help="Bibliographic search (titles, authors, venues).")
    ] = None,
    orcid: Annotated[
        str | None, typer.Option("--orcid", help="Works Crossref lists with this ORCID iD.")
    ] = None,
    dois: Annotated[list[str] | None, typer.Option("--doi", help="DOIs to fetch (repeatable).")] = None,
    doi_file: Annotated[
        Path | None,
        typer.Option("--doi-file", help="A file of DOIs, one a line.", exists=True, dir_okay=False),
    ] = None,
    out: OutOpt = None,
    restart: RestartOpt = False,
    load: LoadOpt = False,
    max_pages: MaxPagesOpt = None,
    no_derived: NoDerivedOpt = False,
) -> None:
    """Crossref works (cursor paging; KG_MAILTO for the polite pool)."""
    from kg.sources.harvest.sources import Crossref

    s = settings()
    all_dois = list(dois or []) + _lines(doi_file)
    _run(
        Crossref(s, query=query, orcid=orcid, dois=all_dois),
        s.crossref_api,
        out,
        restart,
        load,
        max_pages,
        no_derived,
    )


@harvest_app.command("orcid")
def orcid_command(
    orcids: Annotated[
        list[str], typer.Argument(help="ORCID iDs (0000-0002-1825-0097 or https://orcid.org/…).")
    ],
    out: OutOpt = None,
    restart: RestartOpt = False,
    load: LoadOpt = False,
    max_pages: MaxPagesOpt = None,
    no_derived: NoDerivedOpt = False,
) -> None:
    """An ORCID iD's person (name, other names) and works, from the public API v3.0."""
    from kg.sources.harvest.sources import Orcid

    s = settings()
    _run(Orcid(s, orcids=orcids), s.orcid_api, out, restart, load, max_pages, no_derived)


@harvest_app.command("semanticscholar")
def semanticscholar_command(
    papers: Annotated[
        list[str] | None,
        typer.Option("--paper", help="A paper: S2 paperId, DOI:…, ARXIV:…, MAG:…, CorpusId:… (repeatable)."),
    ] = None,
    authors: Annotated[
        list[str] | None, typer.Option("--author", help="An S2 author id (repeatable).")
    ] = None,
    papers_file: Annotated[
        Path | None,
        typer.Option(
            "--papers-file", help="Paper ids one a line: fetched with the batch endpoint.", exists=True
        ),
    ] = None,
    citations: Annotated[
        bool, typer.Option("--citations", help="Also every paper citing each --paper.")
    ] = False,
    references: Annotated[
        bool, typer.Option("--references", help="Also every paper each --paper cites.")
    ] = False,
    out: OutOpt = None,
    restart: RestartOpt = False,
    load: LoadOpt = False,
    max_pages: MaxPagesOpt = None,
    no_derived: NoDerivedOpt = False,
) -> None:
    """Semantic Scholar papers and authors (KG_S2_API_KEY sent as x-api-key; KG_S2_DELAY between requests)."""
    from kg.sources.harvest.sources import SemanticScholar

    s = settings()
    plan = SemanticScholar(
        s,
        papers=list(papers or []),
        authors=list(authors or []),
        batch=_lines(papers_file),
        citations=citations,
        references=references,
    )
    _run(plan, s.s2_api, out, restart, load, max_pages, no_derived)


def _lines(path: Path | None) -> list[str]:
    if path is None:
        return []
    try:
        return [
            x.strip()
            for x in path.read_text(encoding="utf-8").splitlines()
            if x.strip() and not x.startswith("#")
        ]
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read {path}: {e}") from e


def register(app: typer.Typer) -> None:
    app.add_typer(harvest_app, name="harvest")
