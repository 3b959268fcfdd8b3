"""Reading a CSV bundle for the baselines: works with their authorships, streamed, and the graph ids they get."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from itertools import groupby
from pathlib import Path
from typing import Any

from kg.normalize import normalize_arxiv, normalize_doi, normalize_openalex
from kg.synth import SynthParams, generate

# csv's cell limit while the baselines read a bundle (the default is 131,072 characters); set only inside
# iter_works and put back after: it is process-wide, and kg's own CSV reader must not inherit it
WIDE_FIELDS = 1 << 24


def work_node_id(row: dict[str, str]) -> str:
    """The id the graph model gives a work: doi, else arXiv, else OpenAlex (the synthetic work_id is W…)."""
    doi = normalize_doi(row.get("doi"))
    if doi:
        return f"doi:{doi}"
    arxiv = normalize_arxiv(row.get("arxiv_id"))
    if arxiv:
        return f"arxiv:{arxiv}"
    oa = normalize_openalex(row.get("work_id"), "W")
    return f"openalex:{oa}" if oa else f"csv:{row['work_id']}"


def researcher_node_id(author_id: str) -> str:
    oa = normalize_openalex(author_id, "A")
    return f"openalex:{oa}" if oa else f"csv:{author_id}"


def institution_node_id(institution_id: str) -> str:
    oa = normalize_openalex(institution_id, "I")
    return f"openalex:{oa}" if oa else f"csv:{institution_id}"


def iter_works(
    bundle: Path, limit: int | None = None
) -> Iterator[tuple[dict[str, str], list[dict[str, str]]]]:
    """(work row, its authorship rows) in file order; authorships.csv lists each work's authors together."""
    previous = csv.field_size_limit(WIDE_FIELDS)
    try:
        yield from _works_with_authors(bundle, limit)
    finally:
        csv.field_size_limit(previous)


def _works_with_authors(
    bundle: Path, limit: int | None
) -> Iterator[tuple[dict[str, str], list[dict[str, str]]]]:
    with (
        (bundle / "works.csv").open(encoding="utf-8", newline="") as wf,
        (bundle / "authorships.csv").open(encoding="utf-8", newline="") as af,
    ):
        works = csv.DictReader(wf)
        groups = groupby(csv.DictReader(af), key=lambda r: r["work_id"])
        pending: tuple[str, list[dict[str, str]]] | None = None
        for n, work in enumerate(works):
            if limit is not None and n >= limit:
                return
            authors: list[dict[str, str]] = []
            if pending is None:
                nxt = next(groups, None)
                pending = (nxt[0], list(nxt[1])) if nxt else None
            if pending is not None and pending[0] == work["work_id"]:
                authors = pending[1]
                pending = None
            yield work, authors


def ensure_bundle(out: Path, works: int, seed: int) -> dict[str, Any]:
    """The synthetic bundle for (works, seed), generated once and reused while its manifest matches."""
    manifest_path = out / "SOURCE.json"
    if manifest_path.exists():
        try:
            m: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
        except ValueError:
            m = {}
        if m.get("works") == works and m.get("seed") == seed and (out / "authorships.csv").exists():
            return m
    return generate(SynthParams(works=works, seed=seed), out)
