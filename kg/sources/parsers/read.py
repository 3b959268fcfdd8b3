"""Parsers for every source: detect a file's format from its content and stream canonical records or rejects."""

from __future__ import annotations

import gzip
import os
import re
import zlib
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from kg.errors import InputError
from kg.models import Record, Reject
from kg.sources.parsers import (
    arxiv,
    arxiv_abs,
    crossref,
    csv_bundle,
    daily,
    listing,
    openalex,
    orcid,
    profile,
    recorded,
    semanticscholar,
)
from kg.sources.parsers.base import GZIP_MAGIC, Input, UnreadableInput, broken_gzip, looks_binary
from kg.sources.parsers.csv_bundle import BundleChunk

if TYPE_CHECKING:
    import tarfile


@dataclass(frozen=True)
class SqlBundle:
    """A CSV bundle directory given whole to the stage, unread, in its place among the units: kg.stage.csv_sql
    stages it by SQL there (iter_units with sql_bundles)."""

    directory: Path


# what iter_units yields: a record or reject as iter_records does, a CSV bundle's chunk of works rows, or a bundle
# left whole to SQL staging
Unit = Record | Reject | BundleChunk | SqlBundle


@dataclass(frozen=True)
class _Chunks:
    """How iter_units gives a CSV bundle: in chunks of `size` works rows, or (sql) whole as a SqlBundle."""

    size: int
    sql: bool = False


__all__ = [
    "FORMATS",
    "BundleChunk",
    "SqlBundle",
    "bundle_records",
    "check_format",
    "chunk_records",
    "detect_format",
    "detected_instead",
    "iter_records",
    "iter_units",
    "repair_note",
]

FORMATS = (
    "profile",
    "arxiv-listing",
    "daily-papers",
    "openalex",
    "arxiv-atom",
    "arxiv-metadata",
    "arxiv-abs",
    "crossref",
    "orcid",
    "semanticscholar",
    "recorded",
    "csv-bundle",
)
SKIPPED_FILES = re.compile(r"^(?:SOURCE(?:\.\w+)?|README(?:\.\w+)?|LICEN[CS]E(?:\.\w+)?|\..*)$", re.I)

_Parser = Callable[[Input, Collection[str] | None], Iterator[Record | Reject]]


def _gunzip_head(head: bytes) -> bytes:
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 256 * 1024)
    except zlib.error:
        return b""


def detect_format(path: Path, head: bytes) -> str:
    """The format of a file from its first bytes (gzip undone); InputError naming the file when unknown."""
    name = str(path)
    if head[:2] == GZIP_MAGIC:
        head = _gunzip_head(head)
        if not head:
            raise UnreadableInput(name, "not a readable gzip file")
    if not head.strip():
        raise UnreadableInput(name, "empty file")
    if is_tar(head):
        return "tar"
    if looks_binary(head):
        raise UnreadableInput(name, "binary file, not a known format")
    if path.name in (csv_bundle.WORKS, csv_bundle.AUTHORSHIPS):
        return "csv-bundle"
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    first_line = text.split("\n", 1)[0].strip()
    if text.startswith("<"):
        if re.search(r"<feed\b[^>]*http://www\.w3\.org/2005/Atom", text[:4000]):
            return "arxiv-atom"
        raise UnreadableInput(name, "XML that is not an Atom feed")
    if text.startswith(("{", "[")):
        if _ENVELOPE.match(text) and recorded.looks_like_recorded(text):
            return "recorded"
        if '"authors_parsed"' in text[:20000] or re.search(r'"submitter"\s*:', text[:20000]):
            return "arxiv-metadata"
        if semanticscholar.looks_like_s2(text):
            return "semanticscholar"
        if crossref.looks_like_crossref(text):
            return "crossref"
        if orcid.looks_like_orcid(text):
            return "orcid"
        if "openalex.org/" in text[:20000] or re.search(r'"meta"\s*:', text[:2000]):
            return "openalex"
        raise UnreadableInput(
            name,
            "JSON that is not OpenAlex, Crossref, ORCID, Semantic Scholar, arXiv metadata or recorded responses",
        )
    if arxiv_abs.looks_like_abs(text):
        return "arxiv-abs"
    if openalex.is_taxonomy_csv(text.encode()):
        return "openalex"
    if first_line.replace(" ", "").startswith("work_id,"):
        return "csv-bundle"
    if profile.looks_like_profile(text):
        return "profile"
    if daily.looks_like_daily(text):
        return "daily-papers"
    if listing.looks_like_listing(text):
        return "arxiv-listing"
    raise UnreadableInput(
        name,
        "unknown format (not a profile page, listing, daily papers, OpenAlex, Crossref, ORCID, Semantic Scholar,"
        " arXiv or CSV bundle)",
    )


# a JSON object (or an array of them) whose first key is an envelope's: {"uri": …}, {"source": …}, cassette extracts
_ENVELOPE = re.compile(r'^\[?\s*\{\s*"(?:uri|source|source_file)"\s*:')


def is_tar(head: bytes) -> bool:
    """A tar archive (after gzip is undone): the ustar magic of its first header."""
    return head[257:262] == b"ustar"


def _openalex(inp: Input, known: Collection[str] | None) -> Iterator[Record | Reject]:
    return openalex.parse(inp)


def _atom(inp: Input, known: Collection[str] | None) -> Iterator[Record | Reject]:
    return arxiv.parse_atom(inp)


def _metadata(inp: Input, known: Collection[str] | None) -> Iterator[Record | Reject]:
    return arxiv.parse_metadata(inp)


def _plain(parse: Callable[[Input], Iterator[Record | Reject]]) -> _Parser:
    def run(inp: Input, known: Collection[str] | None) -> Iterator[Record | Reject]:
        return parse(inp)

    return run


PARSERS: dict[str, _Parser] = {
    "profile": profile.parse,
    "arxiv-listing": listing.parse,
    "daily-papers": daily.parse,
    "openalex": _openalex,
    "arxiv-atom": _atom,
    "arxiv-metadata": _metadata,
    "arxiv-abs": _plain(arxiv_abs.parse),
    "crossref": _plain(crossref.parse),
    "orcid": _plain(orcid.parse),
    "semanticscholar": _plain(semanticscholar.parse),
    "recorded": _plain(recorded.parse),
}


def _tar_members(inp: Input, known: Collection[str] | None, fmt: str | None) -> Iterator[Record | Reject]:
    """Every regular file of a tar archive (gzipped or not), in the archive's order, its format detected like a
    file's; one that cannot be read becomes a Reject naming "archive!member". Each member streams into its parser,
    so a stream cut inside one ends it as a cut file ends (its whole lines kept, then a reject naming the line),
    and one more reject names the member the archive broke in or after."""
    import tarfile

    member: tarfile.TarInfo | None = None
    fh: IO[bytes] | None = None
    try:
        with inp.open() as stream, tarfile.open(fileobj=stream, mode="r|") as tar:
            for member in tar:  # streamed: an archive is never unpacked to disk
                fh = None
                if not member.isfile() or SKIPPED_FILES.match(Path(member.name).name):
                    continue
                fh = tar.extractfile(member)
                if fh is None:
                    continue
                name = f"{inp.name}!{member.name}"
                try:
                    sub = Input.from_stdin(fh)
                    sub.name = name
                    kind = fmt or detect_format(Path(member.name), sub.head)
                    if kind in ("tar", "csv-bundle"):
                        yield Reject(file=name, reason=f"a {kind} inside an archive is not read")
                        continue
                    yield from _gzip_guarded(PARSERS[kind](sub, known), name)
                except UnreadableInput as e:
                    yield Reject(file=name, line=e.line, reason=e.reason)
    except (tarfile.TarError, EOFError, OSError, zlib.error) as e:
        yield Reject(file=inp.name, reason=_broken_archive(e, member, fh))


def _broken_archive(e: Exception, member: tarfile.TarInfo | None, fh: IO[bytes] | None) -> str:
    """Why an archive's reading stopped and what is lost: the member it broke in or after (`member`, the last one
    reached; `fh` its data, None when it was not read)."""
    what = (
        "gzip stream is broken"
        if isinstance(e, EOFError | zlib.error | gzip.BadGzipFile)
        else "broken tar archive"
    )
    if member is None:
        return f"{what} before its first member ({e}); nothing in it is read"
    where = "inside" if fh is not None and fh.tell() < member.size else "after"
    return f"{what} {where} member {member.name} ({e}); the members after it are lost"


class _Seen:
    """What a run has read, by real path (symbolic links resolved): a directory is walked once and a file read
    once, however many links lead to them, so a link loop ends and `ln -s . me` reads nothing twice."""

    def __init__(self) -> None:
        self.dirs: set[str] = set()
        self.files: set[str] = set()
        self.bundles: set[str] = set()

    @staticmethod
    def skipped(path: Path, real: str, what: str) -> Reject:
        via = f"a symbolic link to {real}, " if os.path.islink(path) else ""
        return Reject(file=str(path), reason=f"skipped: {via}{what} already read in this run")


def _dangling(path: Path) -> Reject | None:
    """A symbolic link that leads nowhere (broken, or a loop of links), as a reject; None for anything else."""
    if os.path.islink(path) and not os.path.exists(path):
        return Reject(
            file=str(path), reason="skipped: a symbolic link to nothing (broken, or a loop of links)"
        )
    return None


def _walk(directory: Path, seen: _Seen) -> Iterator[Path | Reject]:
    """Every file under a directory, sorted; a directory holding works.csv and authorships.csv is one bundle.
    A directory reached twice (a link back up the tree) is skipped with a reject naming it; so is one that
    cannot be read, and the walk goes on with its siblings."""
    real = os.path.realpath(directory)
    if real in seen.dirs:
        yield seen.skipped(directory, real, "a directory")
        return
    seen.dirs.add(real)
    try:
        entries = sorted(directory.iterdir())
    except OSError as e:
        yield Reject(file=str(directory), reason=f"skipped: the directory cannot be read ({e.strerror or e})")
        return
    bundle = csv_bundle.is_bundle_dir(directory)
    if bundle:
        yield directory
    for p in entries:
        if SKIPPED_FILES.match(p.name):
            continue
        dangling = _dangling(p)
        if dangling is not None:
            yield dangling
        elif p.is_dir():
            yield from _walk(p, seen)
        elif not (bundle and p.name in (csv_bundle.WORKS, csv_bundle.AUTHORSHIPS)):
            yield p


def _bundle(directory: Path, chunk: _Chunks | None) -> Iterator[Unit]:
    """A CSV bundle's records (whole, or in chunks), or the bundle left whole to SQL staging (chunk.sql), however
    it was named: by its directory or by one of its two files."""
    if chunk is not None and chunk.sql:
        yield SqlBundle(directory)
    elif chunk is None:
        yield from csv_bundle.parse_bundle(directory)
    else:
        yield from csv_bundle.bundle_chunks(directory, chunk.size)


def _one(
    spec: Path | None, fmt: str | None, known: Collection[str] | None, chunk: _Chunks | None
) -> Iterator[Unit]:
    """Records of one file, bundle directory or standard input (spec None); a bundle's in chunks when `chunk`."""
    if spec is not None and spec.is_dir():  # only bundle directories reach here
        yield from _bundle(spec, chunk)
        return
    inp = Input.from_stdin() if spec is None else Input.from_path(spec)
    kind = detect_format(spec or Path("-"), inp.head)
    if kind == "tar":
        yield from _tar_members(inp, known, fmt)
        return
    kind = fmt or kind
    if kind == "csv-bundle":
        if spec is None:
            raise UnreadableInput(
                "-", "a CSV bundle needs works.csv and authorships.csv files, not standard input"
            )
        if not csv_bundle.is_bundle_dir(spec.parent):
            raise UnreadableInput(
                str(spec), f"a CSV bundle needs both {csv_bundle.WORKS} and {csv_bundle.AUTHORSHIPS}"
            )
        yield from _bundle(spec.parent, chunk)
        return
    yield from _gzip_guarded(PARSERS[kind](inp, known), inp.name)


def _gzip_guarded(items: Iterator[Record | Reject], name: str) -> Iterator[Record | Reject]:
    """A parser's records, ended by one reject naming the last line read when the gzip stream under them breaks
    (the JSON Lines readers catch it themselves, knowing every line they read; this is for every other format,
    which would otherwise stop the run with the bare "Aborted." of an EOFError)."""
    lines = 0
    try:
        for item in items:
            line = (
                item.line if isinstance(item, Reject) else getattr(getattr(item, "prov", None), "line", None)
            )
            lines = line or lines
            yield item
    except (gzip.BadGzipFile, EOFError, zlib.error) as e:
        yield broken_gzip(name, e, lines)


MAX_REPAIRS_SHOWN = 5


def repair_note(rec: Record) -> Reject | None:
    """A note (a Reject with note=True) naming what parsing removed from a record that still loads: control
    characters (NUL bytes above all) and blank optional names; None when nothing was repaired."""
    if not rec.repairs:
        return None
    shown = ", ".join(rec.repairs[:MAX_REPAIRS_SHOWN])
    more = len(rec.repairs) - MAX_REPAIRS_SHOWN
    return Reject(
        file=rec.prov.file or "-",
        line=rec.prov.line,
        reason=f"loaded after repair: {shown}" + (f" and {more} more" if more > 0 else ""),
        note=True,
    )


def _noted(items: Iterator[Unit]) -> Iterator[Unit]:
    """Each record preceded by its repair note, if it has one (a chunk's records are noted by chunk_records)."""
    for it in items:
        if not isinstance(it, Reject | BundleChunk | SqlBundle):
            note = repair_note(it)
            if note is not None:
                yield note
        yield it


def chunk_records(chunk: BundleChunk) -> Iterator[Record | Reject]:
    """A bundle chunk's records and rejects, with repair notes, exactly as iter_records yields them."""
    return _noted(chunk.records())  # type: ignore[return-value]  # a chunk's records hold no chunk


def _file(
    path: Path, seen: _Seen, fmt: str | None, known: Collection[str] | None, chunk: _Chunks | None
) -> Iterator[Unit]:
    """One file (or a bundle directory found by a walk), unless this run has read it already."""
    real = os.path.realpath(path)
    if path.is_dir() or (
        path.name in (csv_bundle.WORKS, csv_bundle.AUTHORSHIPS) and fmt in (None, "csv-bundle")
    ):
        # works.csv and authorships.csv are one bundle, read once, whichever of them (or the directory) is named
        bundle = real if path.is_dir() else os.path.dirname(real)
        if bundle in seen.bundles:
            return
        seen.bundles.add(bundle)
    elif real in seen.files:
        yield seen.skipped(path, real, "a file")
        return
    seen.files.add(real)
    yield from _noted(_one(path, fmt if not path.is_dir() else None, known, chunk))


def bundle_records(directory: Path) -> Iterator[Record | Reject]:
    """A bundle directory's records and rejects as iter_records yields them for it (its other files aside), an
    error reading it a reject naming it, as a walk makes one."""
    try:
        yield from _noted(_bundle(directory, None))  # type: ignore[misc]  # no chunks without a size
    except UnreadableInput as e:
        yield e.as_reject()
    except InputError as e:
        yield Reject(file=str(directory), reason=str(e))


def iter_records(
    paths: Sequence[str | Path], fmt: str | None = None, known_names: Collection[str] | None = None
) -> Iterator[Record | Reject]:
    """Stream records and rejects from files, directories (every file inside, sorted, each format detected) and
    "-" (standard input). A file named on its own that cannot be read raises InputError; one found inside a
    directory becomes a Reject and the walk goes on. Every file and directory is read once per call, however
    many paths or symbolic links lead to it; what is skipped is said in a Reject. A record that parsing repaired
    (control characters removed) is preceded by a note, a Reject with note=True."""
    return _units(paths, fmt, known_names, None)  # type: ignore[return-value]  # no chunks without a size


def iter_units(
    paths: Sequence[str | Path],
    fmt: str | None = None,
    known_names: Collection[str] | None = None,
    *,
    chunk: int,
    sql_bundles: bool = False,
) -> Iterator[Unit]:
    """iter_records with every CSV bundle's works rows in BundleChunks of `chunk` works (read, not yet made
    records), so another process can make them: expanding each chunk with chunk_records gives iter_records. With
    `sql_bundles`, a bundle directory is one SqlBundle instead, for the stage to read (kg.stage.csv_sql)."""
    return _units(paths, fmt, known_names, _Chunks(chunk, sql_bundles))


def detected_instead(paths: Sequence[str], fmt: str) -> list[tuple[str, str]]:
    """(file, detected format) for each file named in `paths` that detection reads as another format than `fmt`:
    what to tell a user whose --format rejected every record (directories and unreadable files are left out)."""
    found = []
    for p in paths:
        path = Path(p)
        if p == "-" or not path.is_file():
            continue
        try:
            kind = detect_format(path, Input.from_path(path).head)
        except InputError:
            continue
        if kind != fmt:
            found.append((p, kind))
    return found


def check_format(fmt: str | None) -> None:
    """InputError when `fmt` (a --format value) names no format: a command checks it before it starts any work."""
    if fmt is not None and fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r} (one of: {', '.join(FORMATS)})")


def _units(
    paths: Sequence[str | Path], fmt: str | None, known_names: Collection[str] | None, chunk: _Chunks | None
) -> Iterator[Unit]:
    """(A generator: a bad format raises where the records are read, as every other input error does.)"""
    check_format(fmt)
    yield from _walk_units(paths, fmt, known_names, chunk)


def _walk_units(
    paths: Sequence[str | Path], fmt: str | None, known_names: Collection[str] | None, chunk: _Chunks | None
) -> Iterator[Unit]:
    seen = _Seen()
    for raw in paths:
        if str(raw) == "-":
            yield from _noted(_one(None, fmt, known_names, chunk))
            continue
        path = Path(raw)
        if not path.exists():
            if os.path.islink(path):
                raise UnreadableInput(str(raw), "a symbolic link to nothing (broken, or a loop of links)")
            raise UnreadableInput(str(raw), "no such file or directory")
        if not path.is_dir():
            yield from _file(path, seen, fmt, known_names, chunk)
            continue
        for item in _walk(path, seen):
            if isinstance(item, Reject):
                yield item
                continue
            try:
                yield from _file(item, seen, fmt, known_names, chunk)
            except UnreadableInput as e:
                yield e.as_reject()
            except InputError as e:
                yield Reject(file=str(item), reason=str(e))
