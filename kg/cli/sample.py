"""`kg sample measure|build`: how well input files tie researchers together, and the default data cut from them."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer

from kg import defaultdata
from kg.cli.common import SaidRejects, console, settings
from kg.errors import InputError
from kg.models import Reject, WorkRecord
from kg.sample import Connectivity, choose, measure, unique_works, work_key

sample_app = typer.Typer(
    help="The default data: measure how well files tie researchers together; rebuild kg/data from a corpus.",
    no_args_is_help=True,
)

# Sources whose records are public-domain (CC0) and can be cut out of their files one record at a time.
CC0_SOURCES = {"openalex": "openalex_works.jsonl.gz", "arxiv-metadata": "arxiv_metadata.jsonl.gz"}
DEFAULT_BUDGET_KB = 2500


def _works(paths: list[Path]) -> tuple[list[WorkRecord], int]:
    """Every work record the parsers find under paths (in file order) and how many records were rejected; each
    reject named on stderr as `kg parse` and `kg load` name them."""
    from kg.sources.parsers import iter_records

    works: list[WorkRecord] = []
    rejects = SaidRejects()
    recorded: dict[str, bool] = {}
    for rec in iter_records(paths):
        if isinstance(rec, WorkRecord):
            # recorded API responses (kg harvest's envelopes) are not cut into the sample: it is built from the
            # records as the sources publish them, one per line or per API page
            f = rec.prov.file or ""
            if f not in recorded:
                recorded[f] = _is_recorded(f)
            if not recorded[f]:
                works.append(rec)
        elif isinstance(rec, Reject):
            rejects(rec)
    return works, rejects.rejected


def _is_recorded(file: str) -> bool:
    from kg.sources.parsers import detect_format
    from kg.sources.parsers.base import HEAD_SIZE

    try:
        with open(file, "rb") as fh:
            return detect_format(Path(file), fh.read(HEAD_SIZE)) == "recorded"
    except (OSError, InputError):
        return False


def _print(conn: Connectivity, rejected: int) -> None:
    s = conn.summary()
    console.print(
        f"{s['works']} works, {s['researchers']} researchers, {s['well_connected_researchers']} well connected "
        f"(≥ 2 works and ≥ 3 co-authors), {s['components']} co-author components"
        + (f"; {rejected} record(s) rejected" if rejected else ""),
        markup=False,
        soft_wrap=True,
    )
    for i, c in enumerate(conn.components[:8], start=1):
        console.print(
            f"  component {i}: {len(c.works)} works, {len(c.researchers)} researchers, "
            f"{len(c.well_connected)} well connected, {c.institutions} institutions, {c.topics} topics",
            markup=False,
            soft_wrap=True,
        )
    for r in conn.well_connected[:10]:
        console.print(
            f"  {r.works:>3} works {r.coauthors:>3} co-authors  {r.name}  ({r.key})",
            markup=False,
            soft_wrap=True,
        )


@sample_app.command("measure")
def sample_measure(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Files or directories (default: the data shipped in the package)."),
    ] = None,
) -> None:
    """Parse the inputs (no database) and print how they connect: researchers with at least 2 works and 3
    co-authors, the co-author components (largest first) and the best-connected researchers."""
    targets = list(paths) if paths else [defaultdata.DATA_DIR]
    works, rejected = _works(targets)
    _print(measure(unique_works(works), coauthor_cap=settings().coauthor_author_cap), rejected)


class _RawRecords:
    """The raw JSON of a parsed record, cut out of its file: the line itself, or the API page result it names."""

    def __init__(self) -> None:
        self._files: dict[str, list[str]] = {}

    def _lines(self, file: str) -> list[str]:
        if file not in self._files:
            data = Path(file).read_bytes()
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            # lines as the parsers count them: "\n" only (str.splitlines also splits at U+2028 inside strings)
            self._files[file] = data.decode("utf-8").split("\n")
        return self._files[file]

    def text(self, w: WorkRecord) -> str:
        file, line, rid = w.prov.file, w.prov.line, w.prov.record_id
        if file is None:
            raise InputError(f"{w.prov.ref}: a record read from standard input cannot be cut out")
        lines = self._lines(file)
        raw = lines[line - 1] if line is not None else "\n".join(lines)
        obj = json.loads(raw)
        if line is not None and isinstance(obj, dict) and "results" not in obj:
            return raw.strip()  # one record per line: kept byte for byte
        found = _find_record(obj, rid) if rid else None
        if found is not None:
            return json.dumps(found, ensure_ascii=False, separators=(",", ":"))
        raise InputError(f"{w.prov.ref}: the record is not where the parser found it")


def _find_record(obj: Any, rid: str) -> dict[str, Any] | None:
    """The record with this OpenAlex id in an API page, a list of records, or recorded API responses
    ({"uri", "json" | "response"} envelopes holding pages)."""
    if isinstance(obj, list):
        for item in obj:
            found = _find_record(item, rid)
            if found is not None:
                return found
        return None
    if not isinstance(obj, dict):
        return None
    if str(obj.get("id", "")).rsplit("/", 1)[-1] == rid and "uri" not in obj:
        return obj
    for key in ("results", "json", "response"):
        if key in obj:
            found = _find_record(obj[key], rid)
            if found is not None:
                return found
    return None


def _gzip(data: bytes) -> bytes:
    """gzip with no name and no time stamp, so the same input gives the same bytes."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(data)
    return buf.getvalue()


def _write(path: Path, data: bytes) -> dict[str, Any]:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


@sample_app.command("build")
def sample_build(
    inputs: Annotated[
        list[Path],
        typer.Argument(
            help="Public-domain (CC0) record files or directories to choose from: OpenAlex works, arXiv metadata."
        ),
    ],
    taxonomy: Annotated[
        Path | None,
        typer.Option("--taxonomy", help="The OpenAlex topic table (CSV) to ship gzipped beside the sample."),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Where to write it.")] = defaultdata.DATA_DIR,
    budget_kb: Annotated[
        int, typer.Option("--budget-kb", min=1, help="Most kilobytes of records (before gzip) to keep.")
    ] = DEFAULT_BUDGET_KB,
) -> None:
    """Rebuild the default data: the co-author components with the most well-connected researchers that fit the
    budget, cut record by record out of the inputs you vouch for as CC0 (only OpenAlex and arXiv metadata records
    are taken), written as gzipped JSON Lines with SOURCE.json (what was chosen, from which file, how it
    measures); and the taxonomy, gzipped. Same inputs, same bytes."""
    for p in [*inputs, *([taxonomy] if taxonomy else [])]:
        if not p.exists():
            raise InputError(f"{p}: no such file or directory")
    base = Path(os.path.commonpath([p.resolve() if p.is_dir() else p.resolve().parent for p in inputs]))
    works, _ = _works(list(inputs))
    raws = _RawRecords()
    # only CC0 records that can be cut out of their file are candidates; the first copy of a paper wins
    candidates: dict[str, WorkRecord] = {}
    text: dict[str, str] = {}
    for w in works:
        key = work_key(w)
        if key in candidates or w.prov.source not in CC0_SOURCES:
            continue
        candidates[key] = w
        text[key] = raws.text(w)
    sizes = {k: len(t.encode()) for k, t in text.items()}
    cap = settings().coauthor_author_cap
    every = measure(candidates, coauthor_cap=cap, sizes=sizes)
    chosen = choose(every.components, budget_kb * 1024)
    keys = sorted({w for c in chosen for w in c.works})

    manifest: dict[str, Any] = {
        "built_by": "kg sample build "
        + " ".join(
            str(p.resolve().relative_to(base)) if p.resolve().is_relative_to(base) else p.name for p in inputs
        )
        + f" --budget-kb {budget_kb}",
        "licence": "CC0 1.0 (OpenAlex and arXiv metadata are public domain); see SOURCE.md",
        "files": {},
        "records_from": {},
    }
    per_file: dict[str, list[str]] = {}
    origins: Counter[str] = Counter()
    for k in keys:
        w = candidates[k]
        per_file.setdefault(CC0_SOURCES[w.prov.source], []).append(text[k])
        origins[str(Path(w.prov.file or "-").resolve().relative_to(base))] += 1
    for name, lines in sorted(per_file.items()):
        info = _write(out / name, _gzip(("\n".join(lines) + "\n").encode()))
        manifest["files"][name] = {"records": len(lines), **info}
    for stale in set(CC0_SOURCES.values()) - set(per_file):
        (out / stale).unlink(missing_ok=True)
    manifest["records_from"] = dict(sorted(origins.items()))
    # the written files must read back as exactly the chosen works: a record cut out wrongly fails the build
    written, rejected = _works([out / name for name in sorted(per_file)])
    if rejected or sorted(work_key(w) for w in written) != keys:
        raise InputError(f"{out}: the written sample does not read back as the {len(keys)} chosen works")

    if taxonomy is not None:
        info = _write(out / defaultdata.TAXONOMY_NAME, _gzip(taxonomy.read_bytes()))
        manifest["files"][defaultdata.TAXONOMY_NAME] = {
            "from": taxonomy.name,
            "source_sha256": hashlib.sha256(taxonomy.read_bytes()).hexdigest(),
            **info,
        }

    sample = measure({k: candidates[k] for k in keys}, coauthor_cap=cap)
    manifest["candidates"] = every.summary()
    manifest["sample"] = sample.summary()
    manifest["components"] = [
        {
            "works": len(c.works),
            "researchers": len(c.researchers),
            "well_connected": len(c.well_connected),
            "institutions": c.institutions,
            "topics": c.topics,
            "bytes": c.bytes,
        }
        for c in chosen
    ]
    (out / "SOURCE.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    console.print(
        f"chose {len(chosen)} of {len(every.components)} co-author components: {len(keys)} works "
        f"({sum(c.bytes for c in chosen) // 1024} KB of records) into {out}",
        markup=False,
        soft_wrap=True,
    )
    _print(sample, 0)


def register(app: typer.Typer) -> None:
    app.add_typer(sample_app, name="sample")
