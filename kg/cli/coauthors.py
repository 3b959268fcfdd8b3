"""`kg coauthors rebuild|update|show` (the derived COAUTHOR graph) and `kg discover` (suggested collaborators)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from kg import coauthors, discover
from kg.cli.common import console, driver, fail, settings
from kg.progress import progress_bar

coauthors_app = typer.Typer(
    help="The derived COAUTHOR graph: rebuild it, update it for some researchers, show close collaborators.",
    no_args_is_help=True,
)


@contextmanager
def _bar(label: str) -> Iterator[coauthors.Progress | None]:
    """The job's (done, total) callback drawing a progress bar, when stderr is a terminal."""
    with progress_bar(label) as bar:
        yield (lambda done, total: bar.update(done=done, total=total)) if bar.shown else None


@coauthors_app.command("rebuild")
def rebuild_cmd(
    batch_size: Annotated[
        int | None,
        typer.Option("--batch-size", min=1, help="Researchers per write transaction (KG_DERIVE_BATCH_SIZE)."),
    ] = None,
) -> None:
    """Recompute every COAUTHOR edge and Researcher.big_team_works from AUTHORED, in batches."""
    s = settings()
    with _bar("rebuilding COAUTHOR") as progress:
        written = coauthors.rebuild(driver(), settings=s, batch_size=batch_size, progress=progress)
    console.print(
        f"COAUTHOR rebuilt: {written} edges (works with more than {s.coauthor_author_cap} authors make none)",
        markup=False,
    )


@coauthors_app.command("update")
def update_cmd(
    ids: Annotated[list[str], typer.Argument(help="Researcher ids whose AUTHORED edges changed.")],
) -> None:
    """Recompute COAUTHOR for the pairs touching these researchers and the other authors of their works."""
    with _bar("updating COAUTHOR") as progress:
        written = coauthors.update_for(driver(), ids, settings=settings(), progress=progress)
    console.print(f"COAUTHOR updated: {written} edges written", markup=False)


@coauthors_app.command("show")
def show_cmd(
    researcher_id: Annotated[str, typer.Argument(help="A researcher id, e.g. orcid:0000-0002-1825-0097.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Show a researcher's close collaborators (the one definition: KG_CLOSE_MIN_SHARED_WORKS, KG_CLOSE_TOP_K)."""
    s = settings()
    drv = driver()
    who = coauthors.researcher_summary(drv, researcher_id, settings=s)
    if who is None:
        fail(f"no researcher with id {researcher_id}")
    rows = coauthors.close_collaborators(drv, researcher_id, settings=s)
    if as_json:
        console.print_json(json.dumps({"researcher": who, "close_collaborators": rows}))
        return
    console.print(
        f"{who['name'] or who['id']} ({who['id']}): {who['coauthors']} co-authors, "
        f"{who['big_team_works'] or 0} big-team works; close collaborators "
        f"(shared works ≥ {s.close_min_shared_works}, top {s.close_top_k} by weight):",
        markup=False,
    )
    if not rows:
        console.print("  none", markup=False)
        return
    table = Table()
    table.add_column("id", overflow="fold")
    for col in ("name", "shared works", "weight", "years", "example works"):
        table.add_column(col, overflow="fold")
    for r in rows:
        years = f"{r['first_year']}–{r['last_year']}" if r["first_year"] is not None else ""
        table.add_row(
            r["id"],
            r["name"] or "",
            str(r["shared_works"]),
            f"{r['weight']:.3f}",
            years,
            ", ".join(r["works"]),
        )
    console.print(table)


discover_app = typer.Typer(
    help="Suggest collaborators, each with its reasons; `kg discover train` fits the score on this graph.",
    invoke_without_command=True,
)


@discover_app.callback()
def discover_cmd(
    ctx: typer.Context,
    researcher: Annotated[
        list[str] | None,
        typer.Option("--researcher", "-r", help="Only these researchers (repeatable); default: everyone."),
    ] = None,
    top: Annotated[int, typer.Option("--top", "-k", min=1, help="Suggestions per researcher.")] = 10,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Also write the suggestions to FILE (.jsonl or .csv).")
    ] = None,
    model: Annotated[
        Path | None,
        typer.Option(
            "--model", "-m", help="A model file from `kg discover train` (default: the shipped one)."
        ),
    ] = None,
    prefer_open: Annotated[
        bool, typer.Option("--prefer-open", help="Boost people open to collaborate (score × 1.5).")
    ] = False,
    show: Annotated[
        bool, typer.Option("--show", help="Print each given researcher's suggestions with reasons.")
    ] = False,
    engine: Annotated[
        str, typer.Option("--engine", help="Rank here (embedded) or on Spark at KG_SPARK_MASTER (spark).")
    ] = "embedded",
) -> None:
    """Suggest collaborators: people a researcher has not written with, ranked by a fitted score over shared
    co-authors (resource allocation, hubs damped), shared topics, institutions and venues, and the candidate's
    activity and recency; stored on each Researcher as lists (suggested, suggested_scores, suggested_reasons)
    with their reasons. A re-run rewrites only the researchers whose suggestions changed."""
    if ctx.invoked_subcommand is not None:
        return
    if show and not researcher:  # it ranked everyone, then showed nothing
        fail("--show prints the suggestions of the researchers named with --researcher ID: name at least one")
    if out is not None:
        discover.out_format(out)
    fitted = discover.load_model(model)
    summary = discover.run_discovery(
        driver(),
        researcher_ids=researcher or None,
        top_k=top,
        prefer_open=prefer_open,
        out=out,
        model=fitted,
        settings=settings(),
        engine=engine,
    )
    console.print(
        f"run {summary.run}: {summary.suggestions} suggestions for {summary.with_suggestions} of "
        f"{summary.researchers} researchers ({summary.graph_researchers} in the graph, "
        f"{summary.coauthor_pairs} co-author pairs; {summary.written} researchers' lists written, the rest "
        f"unchanged) in {summary.seconds:.1f}s" + (f"; written to {summary.out}" if summary.out else ""),
        markup=False,
    )
    t = summary.timings
    if t:
        console.print(
            f"time: read {t['read_s']:.1f}s, rank {t['rank_s']:.1f}s, writers busy {t['write_busy_s']:.1f}s (summed), "
            f"ranking waited for the writers {t['write_wait_s']:.1f}s",
            markup=False,
        )
    if show and researcher:
        for rid in researcher:
            _print_suggestions(rid, discover.stored_suggestions(driver(), rid, settings()))


@discover_app.command("train")
def train_cmd(
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the model file (JSON).")] = Path(
        ".kg/discover_model.json"
    ),
    holdout: Annotated[
        str,
        typer.Option(
            "--holdout",
            help="Which pairs to hide: 'random' co-author pairs, or the 'recent' ones (first written together in "
            "the latest years; works from then are dropped too).",
        ),
    ] = "random",
    share: Annotated[float, typer.Option("--share", help="Share of the co-author pairs to hide.")] = 0.1,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the random hold-out and the split.")] = 7,
) -> None:
    """Fit discovery's score on this graph: hide co-author pairs, learn the weights from half of them, report
    recall@10 and MRR on the other half against common neighbours, Adamic-Adar and resource allocation, and
    write the model file (use it with `kg discover --model FILE`)."""
    if holdout not in ("random", "recent"):
        fail(f"--holdout must be 'random' or 'recent' (got {holdout!r})")
    model = discover.train_on_graph(
        driver(), out, holdout=holdout, share=share, seed=seed, settings=settings()
    )
    rep = model.report
    console.print(
        f"model written to {out}: {rep['hidden_pairs']} pairs hidden ({holdout}"
        + (f", from {rep['cut_year']} on" if rep.get("cut_year") else "")
        + f"), fitted on {rep['fit_pairs']}, reported on {rep['report_pairs']}",
        markup=False,
    )
    console.print(
        "weights: "
        + ", ".join(f"{k} {v:+.3f}" for k, v in model.weights.items())
        + f"; intercept {model.intercept:+.3f}",
        markup=False,
    )
    if rep.get("on_report_pairs"):
        console.print(
            f"on {rep['report_pairs_ranked']} of the {rep['report_pairs']} report pairs (fit rows from "
            f"{sum(rep['fit_sources_per_draw'])} researchers in {rep['draws']} draw(s), "
            f"{rep['training_rows']} rows):",
            markup=False,
        )
    for name, m in rep.get("on_report_pairs", {}).items():
        console.print(f"  {name:20s} recall@10 {m['recall@10']:.4f}  MRR {m['mrr']:.4f}", markup=False)
    if rep.get("seconds"):
        console.print("seconds: " + ", ".join(f"{k} {v}" for k, v in rep["seconds"].items()), markup=False)


def _print_suggestions(rid: str, rows: list[dict[str, Any]]) -> None:
    console.print(f"{rid}:", markup=False)
    for r in rows:
        rs = r["reasons"] or {}
        parts = rs.get("parts", {})
        bits = [f"{k} {v}" for k, v in parts.items() if v]
        via = ", ".join(c["name"] or c["id"] for c in rs.get("shared_coauthors", []))
        topics = ", ".join(t["name"] or t["id"] for t in rs.get("shared_topics", []))
        insts = ", ".join(i["name"] or i["id"] for i in rs.get("shared_institutions", []))
        # significant digits, not decimals: a fitted score is often far below 0.0001 (it ranks, it is no share)
        console.print(
            f"  {r['score']:.3g}  {r['name'] or r['id']} ({r['id']})  [{'; '.join(bits)}]", markup=False
        )
        if via:
            console.print(f"      via co-authors: {via}", markup=False)
        if topics:
            console.print(f"      shared topics: {topics}", markup=False)
        if insts:
            console.print(f"      shared institutions: {insts}", markup=False)
        venues = ", ".join(v["name"] for v in rs.get("shared_venues", []))
        if venues:
            console.print(f"      shared venues: {venues}", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(coauthors_app, name="coauthors")
    app.add_typer(discover_app, name="discover")
