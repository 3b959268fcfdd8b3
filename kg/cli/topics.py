"""`kg topics load|train|eval|assign|show|profiles`: the taxonomy as Topic nodes, the topic classifier, assigned
topics, and researcher profiles."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from kg.cli.common import SaidRejects, console, driver, fail, settings
from kg.progress import progress_bar

topics_app = typer.Typer(
    help="Topics: the OpenAlex taxonomy and arXiv categories, the topic classifier (train, eval), topics "
    "assigned to works, researcher profiles.",
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
    from kg import graphdb, taxonomy
    from kg.graphdb import catalog

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
    for row in graphdb.run(driver(), catalog.query("topics/hierarchy_counts"), settings=s):
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
    """Assign topics and keyphrases to works without source topics (the learned classifier when a model is
    found, else the phrase matcher over the taxonomy), replacing earlier assigned ones; works that carry OpenAlex
    topics keep them. Idempotent."""
    from kg import topics

    s = settings()
    drv = driver()
    if work and all_works:
        fail("give either --all or --work, not both")
    ids = list(work) if work else topics.work_ids_to_assign(drv, everything=all_works, settings=s)
    if not ids:
        console.print("no works to assign (use --all to re-assign every work)")
        return
    with console.status("loading the topic model"):
        assigner = topics.get_assigner(s)
    assigned = 0
    step = max(1, s.derive_batch_size)
    with progress_bar("assigning topics", total=len(ids)) as bar:
        for i in range(0, len(ids), step):
            batch = ids[i : i + step]
            assigned += topics.assign_for_works(drv, batch, assigner=assigner, settings=s)
            bar.advance(len(batch))
    console.print(f"topics assigned to {assigned} of {len(ids)} works ({assigner.method})", markup=False)
    if researchers:
        n = topics.refresh_researcher_topics(drv, None, settings=s)
        console.print(f"researcher topic profiles refreshed: {n}", markup=False)


@topics_app.command("train")
def topics_train(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Files or folders of works that carry source topics: OpenAlex works (topics), arXiv works "
            "(categories mapped to subfields). Default: <KG_DATA_DIR>/openalex and <KG_DATA_DIR>/arxiv."
        ),
    ] = None,
    taxonomy_csv: Annotated[
        Path | None,
        typer.Option("--taxonomy", help="The OpenAlex topic table (default: the configured one)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Where to write the model (default: .kg/topics/topic_model.npz)."),
    ] = None,
) -> None:
    """Fit the learned topic classifier on labeled works and the taxonomy's own text, and save it with the
    names and hashes of what it was trained on. `kg topics assign` uses it from then on."""
    from kg import taxonomy, topic_train, topics

    s = settings()
    tax_path = taxonomy_csv or taxonomy.default_path(s)
    sources = list(paths) if paths else topic_train.default_training_paths(s.data_dir)
    target = out or topics.TRAINED_MODEL
    rejects = SaidRejects()
    with console.status("reading labeled works and the taxonomy"):
        corpus = topic_train.load_corpus(tax_path, sources, on_reject=rejects)
    counts = Counter(w.source for w in corpus.works)
    if not corpus.works:
        console.print("no labeled works found: the model learns from the taxonomy's text alone", markup=False)
    with console.status(f"training on {len(corpus.works)} labeled works"):
        model = topic_train.train(corpus)
        model.save(target)
    console.print(
        f"topic model written to {target} ({target.stat().st_size / 1e6:.1f} MB): "
        + ", ".join(f"{n} {src} works" for src, n in sorted(counts.items()))
        + f", {len(model.topic_ids)} topics"
        + rejects.summary,
        markup=False,
        soft_wrap=True,
    )
    raise typer.Exit(rejects.exit_code)


@topics_app.command("eval")
def topics_eval(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Labeled works, as for `kg topics train` (default: the same)."),
    ] = None,
    taxonomy_csv: Annotated[Path | None, typer.Option("--taxonomy", help="The OpenAlex topic table.")] = None,
    folds: Annotated[
        int, typer.Option("--folds", min=2, help="Cross-validation folds (split by work).")
    ] = 10,
    ablation: Annotated[
        bool, typer.Option("--ablation/--no-ablation", help="Also measure each signal left out (slower).")
    ] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Write the full report as JSON here.")] = None,
) -> None:
    """Agreement with OpenAlex on works the model was not trained on (cross-validation by work): the OpenAlex
    primary topic in our top 3 and our top 1, at topic, subfield, field and domain level."""
    from kg import taxonomy, topic_train

    s = settings()
    tax_path = taxonomy_csv or taxonomy.default_path(s)
    sources = list(paths) if paths else topic_train.default_training_paths(s.data_dir)
    rejects = SaidRejects()
    with console.status("reading labeled works and the taxonomy"):
        corpus = topic_train.load_corpus(tax_path, sources, on_reject=rejects)
    if not any(w.primary for w in corpus.works):
        fail("no works with OpenAlex topics to evaluate against")
    with console.status(f"cross-validating ({folds} folds)"):
        report = topic_train.evaluation_report(corpus, folds, ablate=ablation)
    console.print(
        f"{report['works_evaluated']} works, {folds}-fold cross-validation by work{rejects.summary}",
        markup=False,
    )
    console.print(
        "level      primary in our top 3   our top 1 = primary   (phrase matcher: top 3)", markup=False
    )
    for lvl in ("domain", "field", "subfield", "topic"):
        a = report["agreement"][lvl]
        v = report["vocab_v1_same_works"][lvl]
        console.print(
            f"{lvl:<10} {a['primary_in_our_top3']:>20.1%} {a['our_top1_is_primary']:>21.1%}"
            f"   ({v['primary_in_our_top3']:.1%})",
            markup=False,
        )
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        console.print(f"report written to {out}", markup=False)
    raise typer.Exit(rejects.exit_code)


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
        # an assigned topic's evidence is its matched phrases (a list); a source topic's is the source's name
        evidence = [t["evidence"]] if isinstance(t["evidence"], str) else t["evidence"]
        if evidence:
            console.print(f"         evidence: {', '.join(evidence)}", markup=False, soft_wrap=True)
    if info["keyphrases"]:
        console.print(f"  keyphrases: {', '.join(info['keyphrases'])}", markup=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.add_typer(topics_app, name="topics")
