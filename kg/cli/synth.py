"""`kg synth`: write a realistic synthetic corpus (CSV bundle, optionally OpenAlex JSONL) for benchmarks and demos."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kg.cli.common import console
from kg.progress import progress_bar


def synth(
    works: Annotated[
        int, typer.Option("--works", "-n", help="How many works to generate (at least 1).")
    ] = 10_000,
    seed: Annotated[
        int, typer.Option("--seed", "-s", help="Random seed: the same seed writes the same bytes.")
    ] = 0,
    out: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="Directory for works.csv, authorships.csv and SOURCE.json (the manifest)."
        ),
    ] = Path("bench/data/synth"),
    openalex: Annotated[
        bool, typer.Option("--openalex", help="Also write works.jsonl in the OpenAlex API shape.")
    ] = False,
    topics: Annotated[
        Path | None,
        typer.Option(
            "--topics",
            help="OpenAlex topics CSV for the vocabulary (default: the taxonomy `kg topics load` reads: "
            "KG_TAXONOMY_PATH, else ../shared/data/topics/openalex_topics.csv, else the package's copy).",
        ),
    ] = None,
) -> None:
    """Stream a synthetic scholarly corpus in the CSV bundle format: heavy-tailed productivity, long-tailed team
    sizes, skewed topics and institutions, name collisions. Memory stays flat whatever --works is."""
    from kg.synth import SynthParams, generate

    params = SynthParams(works=works, seed=seed, openalex=openalex, topics_csv=topics)
    with progress_bar("synth", total=works) as bar:
        manifest = generate(params, out, progress=bar.advance)
    st = manifest["stats"]
    console.print(
        f"wrote {st['works']:,} works and {st['authorships']:,} authorships to {out} "
        f"(largest team {st['max_team']:,}; seed {seed})",
        markup=False,
        soft_wrap=True,
    )


def register(app: typer.Typer) -> None:
    app.command("synth")(synth)
