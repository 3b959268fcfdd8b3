"""`kg identity merge|split|claim|show|decisions|audit|train`: curated identity decisions, the evidence behind them,
and training the disambiguation model."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from kg.cli.common import console, driver, settings

identity_app = typer.Typer(
    help="Curate researcher identity: decisions that override the resolver and survive reloads.",
    no_args_is_help=True,
)

WhyOpt = Annotated[str, typer.Option("--why", help="Why (kept on the decision for analysts).")]
ByOpt = Annotated[str | None, typer.Option("--by", help="Who decides (default: the OS user).")]


def _print_decision(d: dict[str, Any]) -> None:
    console.print(
        f"{d['decision']}: {d['a_name']} ~ {d['b_name']} by {d['by']} at {d['at']}"
        + (f" ({d['why']})" if d.get("why") else ""),
        markup=False,
        soft_wrap=True,
    )
    if d.get("researchers"):
        console.print("re-resolved: " + ", ".join(d["researchers"]), markup=False, soft_wrap=True)


@identity_app.command("merge")
def merge_cmd(
    a: Annotated[str, typer.Argument(help="Researcher id.")],
    b: Annotated[str, typer.Argument(help="Researcher id of the same person.")],
    why: WhyOpt = "",
    by: ByOpt = None,
) -> None:
    """A and B are one person (SAME_AS): they become one researcher now and after every reload."""
    from kg.identity import curation

    _print_decision(curation.merge(driver(), a, b, why=why, by=by, settings=settings()))


@identity_app.command("split")
def split_cmd(
    a: Annotated[str, typer.Argument(help="Researcher id.")],
    b: Annotated[str | None, typer.Argument(help="Researcher id of a different person.")] = None,
    work: Annotated[
        list[str] | None,
        typer.Option("--work", "-w", help="Split A itself: the works (ids) that belong to another person."),
    ] = None,
    why: WhyOpt = "",
    by: ByOpt = None,
) -> None:
    """A and B are different people (NOT_SAME_AS): the resolver never joins them, whatever the evidence.
    With --work instead of B, A's authorships on those works are split off as a different person."""
    from kg.errors import InputError
    from kg.identity import curation

    if b is None and not work:
        raise InputError("name a second researcher, or the works to split off with --work")
    d = curation.split(driver(), a, b or a, why=why, by=by, works=work, settings=settings())
    _print_decision(d)


@identity_app.command("claim")
def claim_cmd(
    researcher: Annotated[str, typer.Argument(help="Researcher id (e.g. a name cluster).")],
    profile: Annotated[str, typer.Option("--profile", help="The profile page's key (profile:<KEY>).")],
    why: WhyOpt = "",
    by: ByOpt = None,
) -> None:
    """RESEARCHER is the person of profile page KEY: their works and the profile become one researcher."""
    from kg.identity import curation

    key = profile.removeprefix("profile:")
    _print_decision(curation.claim(driver(), researcher, key, why=why, by=by, settings=settings()))


@identity_app.command("show")
def show_cmd(researcher: Annotated[str, typer.Argument(help="Researcher id.")]) -> None:
    """The evidence behind a researcher's identity, as JSON."""
    from kg.identity import curation

    console.print_json(json.dumps(curation.evidence(driver(), researcher, settings()), default=str))


@identity_app.command("decisions")
def decisions_cmd() -> None:
    """Every curated decision, newest first (JSON lines)."""
    from kg.identity import curation

    for d in curation.decisions(driver(), settings()):
        console.print(json.dumps(d, default=str, ensure_ascii=False), markup=False, soft_wrap=True)


@identity_app.command("audit")
def audit_cmd(
    what: Annotated[str, typer.Argument(help="homonyms | duplicate-works")],
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many groups.")] = 50,
) -> None:
    """Analyst audits: suspected homonyms (one name, several researchers) or suspected duplicate works."""
    from kg.errors import InputError
    from kg.graphdb import catalog, run

    names = {
        "homonyms": "identity/suspected_homonyms",
        "duplicate-works": "identity/suspected_duplicate_works",
    }
    if what not in names:
        raise InputError(f"unknown audit {what!r} (homonyms or duplicate-works)")
    for row in run(driver(), catalog.query(names[what]), {"limit": limit}, settings=settings()):
        console.print(json.dumps(row, default=str, ensure_ascii=False), markup=False, soft_wrap=True)


@identity_app.command("train")
def train_cmd(
    out: Annotated[
        str | None,
        typer.Option(
            "--out",
            metavar="DIR",
            help="Directory for pairwise.txt and pairwise.json (default: the package's own).",
        ),
    ] = None,
    linkage: Annotated[
        str | None,
        typer.Option(
            "--linkage",
            help="average | single | guarded | two-step: skip the cross-validation, use this linkage",
        ),
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold",
            min=0.0,
            max=1.0,
            help="with --linkage: the clustering threshold (two-step: of its first, single-linkage step)",
        ),
    ] = None,
    group_threshold: Annotated[
        float | None,
        typer.Option(
            "--group-threshold", min=0.0, max=1.0, help="with --linkage two-step: the group model's threshold"
        ),
    ] = None,
    floor: Annotated[
        float | None,
        typer.Option(
            "--floor",
            min=0.0,
            max=1.0,
            help="with --linkage guarded: the mean pair probability two groups must also reach to join",
        ),
    ] = None,
    features: Annotated[
        str,
        typer.Option(
            "--features",
            help="base (the 22 pair features) | meaning (with the topic model's: what the two works are about,"
            " kg.identity.meaning) | meaning+venue (and their venues' subfield profiles in the block)",
        ),
    ] = "base",
) -> None:
    """Train the pairwise disambiguation model on the labeled data in ../shared/data (the arnetminer development
    set and OpenAlex works with their author ids as the truth), choose the linkage and threshold by 5-fold
    cross-validation by name block (or take them from --linkage/--threshold), and write the model (reproducible:
    fixed seed, deterministic LightGBM)."""
    from pathlib import Path

    from kg.errors import InputError
    from kg.identity import labeled, train

    if not (labeled.shared_data_dir() / "identity" / "arnetminer-dev").is_dir():
        raise InputError(f"no labeled data at {labeled.shared_data_dir() / 'identity' / 'arnetminer-dev'}")
    if (linkage is None) != (threshold is None) or linkage not in (
        None,
        "average",
        "single",
        "guarded",
        "two-step",
    ):
        raise InputError(
            "give --linkage (average, single, guarded or two-step) and --threshold together, or neither"
        )
    if (linkage == "two-step") != (group_threshold is not None):
        raise InputError("give --group-threshold with --linkage two-step, and only then")
    from kg.identity.features import FEATURE_SETS

    if features not in FEATURE_SETS:
        raise InputError(f"unknown --features {features!r} (of {', '.join(FEATURE_SETS)})")
    if (linkage == "guarded") != (floor is not None):
        raise InputError("give --floor with --linkage guarded, and only then")
    config: tuple[Any, ...] | None = None
    if linkage is not None and threshold is not None:
        extra = group_threshold if group_threshold is not None else floor
        config = (linkage, threshold) if extra is None else (linkage, threshold, extra)
    meta = train.train(
        Path(out) if out else train.MODEL_DIR,
        log=lambda line: console.print(line, markup=False),
        config=config,
        features=FEATURE_SETS[features],
    )
    if meta["cv_at_threshold"]:
        console.print(json.dumps(meta["cv_at_threshold"], indent=2), markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(identity_app, name="identity")
