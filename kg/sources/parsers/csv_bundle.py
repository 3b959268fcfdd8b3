"""Bring-your-own data: works.csv plus authorships.csv (UTF-8, header row) in one directory, streamed."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import sqlite3
import tempfile
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import BinaryIO

import numpy as np

from kg.models import AuthorRef, Provenance, Record, Reject, WorkIds, WorkRecord, shared_institution
from kg.normalize import normalize_arxiv, normalize_doi
from kg.sources.parsers.base import (
    MAX_LINE_BYTES,
    SKIP_CHUNK,
    LineTooLong,
    RecordError,
    UnreadableInput,
    as_year,
    guarded,
    looks_binary,
    read_capped_line,
    reject,
    rejected,
)

WORK_COLUMNS = ("work_id", "title", "year", "venue", "doi", "arxiv_id", "abstract")
AUTHORSHIP_COLUMNS = ("work_id", "author_id", "author_name", "position", "institution_id", "institution_name")
WORKS, AUTHORSHIPS = "works.csv", "authorships.csv"
HASH_BLOCK = 1 << 20  # work-id hashes sorted in memory at a time (8 MB) by the duplicate check
SPILL_BATCH = 5_000  # authorship rows per sqlite executemany
SQLITE_CACHE_KB = 16_384  # the spill index's page cache: bounded, whatever the bundle's size

# (explicit position or None, line in authorships.csv, the author)
Entry = tuple[int | None, int, AuthorRef]
# an authorship row as read: (line in authorships.csv, {column: stripped cell})
RawAuthorship = tuple[int, dict[str, str]]
# a works row as read, with its usable authorship rows: what one work record (or its reject) is built from
WorkRow = tuple[int, dict[str, str], list[RawAuthorship]]


def is_bundle_dir(path: Path) -> bool:
    return (path / WORKS).is_file() and (path / AUTHORSHIPS).is_file()


class _Csv:
    """One file of a bundle, read row by row as often as needed: its header is checked on each read."""

    def __init__(self, path: Path, shown: str, columns: tuple[str, ...], *, where: bool = False) -> None:
        self.path, self.shown, self.columns = path, shown, columns
        self.header: list[str] = []
        # where: cells() keeps where the last row it yielded starts (the byte after the row before it, and the lines
        # before that byte) and ends, so the survey can cut the file into ranges that another process reads
        self.where = where
        self.start = self.end = (0, 0)  # (byte offset, lines before it)
        self.clean = True  # no row so far was a reject (malformed, too long, not UTF-8, wrong width)

    def cells(self) -> Iterator[tuple[int, list[str] | Reject]]:
        """(line, cells) for each data row, streamed; a malformed row comes back as a Reject."""
        for line, cells in self._cells():
            if isinstance(cells, Reject):
                self.clean = False
            yield line, cells

    def _cells(self) -> Iterator[tuple[int, list[str] | Reject]]:
        try:
            f = self.path.open("rb")
        except OSError as e:
            raise UnreadableInput(self.shown, f"cannot be read ({e.strerror or e})") from None
        with f:
            head = f.read(8192)
            if looks_binary(head):
                raise UnreadableInput(self.shown, "binary file, not CSV text")
            f.seek(0)
            too_long: list[tuple[int, LineTooLong]] = []
            read = [
                len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
            ]  # bytes read, BOM included
            lines = _text_lines(f, too_long)
            reader = csv.reader(_counted(lines, read) if self.where else lines)
            try:
                header = next(reader, None)
            except UnicodeDecodeError:
                raise UnreadableInput(self.shown, "not UTF-8 text", line=1) from None
            if too_long:
                raise UnreadableInput(
                    self.shown, too_long[0][1].reason.replace("line", "header line"), line=1
                )
            if header is None:
                raise UnreadableInput(self.shown, "empty file (a header row is required)")
            self.header = header = [h.strip() for h in header]
            self.end = (read[0], reader.line_num)
            missing = [c for c in self.columns if c not in header]
            if missing:
                yield (
                    1,
                    reject(
                        self.shown, f"missing columns: {', '.join(missing)}", line=1, raw=",".join(header)
                    ),
                )
                return
            width = len(header)
            while True:
                line = reader.line_num + 1
                try:
                    cells = next(reader)
                except StopIteration:
                    yield from self._too_long(too_long)
                    return
                except UnicodeDecodeError as e:
                    yield line, reject(self.shown, f"not UTF-8 text ({e.reason})", line=line)
                    return
                except csv.Error as e:
                    yield line, reject(self.shown, f"malformed CSV: {e}", line=line)
                    continue
                if too_long:  # (tested here: a generator made per row cost more than the rest of this loop)
                    yield from self._too_long(too_long)
                if not "".join(cells).strip():  # a blank row (only whitespace in any cell)
                    continue
                if len(cells) != width:
                    yield (
                        line,
                        reject(
                            self.shown,
                            f"row has {len(cells)} cells, the header has {len(header)}",
                            line=line,
                            raw=",".join(cells),
                        ),
                    )
                    continue
                if self.where:  # (csv.reader reads no line past the row it returns)
                    self.start, self.end = self.end, (read[0], reader.line_num)
                yield line, cells

    def _too_long(self, found: list[tuple[int, LineTooLong]]) -> Iterator[tuple[int, Reject]]:
        for line, what in found:
            yield line, reject(self.shown, what.reason, line=line)
        found.clear()

    def rows(self) -> Iterator[tuple[int, dict[str, str] | Reject]]:
        """(line, row) for each data row, a row as {column: stripped cell}; a malformed row as a Reject."""
        for line, cells in self.cells():
            yield line, cells if isinstance(cells, Reject) else self.row(cells)

    def row(self, cells: list[str]) -> dict[str, str]:
        # (callers check the length: cells() yields only rows with as many cells as the header)
        return dict(zip(self.header, map(str.strip, cells), strict=True))

    def index(self, column: str) -> int:
        """Where a column's cell is; a repeated header name means its last cell, as in row()."""
        return len(self.header) - 1 - self.header[::-1].index(column)


def _counted(lines: Iterator[str], read: list[int]) -> Iterator[str]:
    """The lines, adding each one's size in UTF-8 bytes to read[0] (exact for every line _text_lines yields whole:
    a row that holds a too-long line is a reject, and a bundle with a reject is never cut into ranges)."""
    for line in lines:
        read[0] += len(line) if line.isascii() else len(line.encode("utf-8", "surrogatepass"))
        yield line


def _text_lines(
    f: BinaryIO, too_long: list[tuple[int, LineTooLong]], encoding: str = "utf-8-sig"
) -> Iterator[str]:
    """The file's lines as text for csv.reader, line ends kept (a quoted cell may span lines), a leading BOM
    dropped; a line past MAX_LINE_BYTES characters (as many bytes or more) is never held: it is noted in too_long
    and read as an empty line. Not UTF-8 raises UnicodeDecodeError, which ends the read (named by the caller)."""
    text = io.TextIOWrapper(f, encoding=encoding, newline="")
    readline = text.readline
    n = 0
    while True:
        first = readline(SKIP_CHUNK)
        if not first:
            return
        n += 1
        if (first[-1] == "\n" or len(first) < SKIP_CHUNK) and len(first) <= MAX_LINE_BYTES:
            # the whole line in one piece (nearly always), and under the cap: what read_capped_line returns for it,
            # without a call per line (this loop runs for every line of both files, twice)
            yield first
            continue
        got = read_capped_line(_after(first, readline), MAX_LINE_BYTES, "\n")
        if got is None:  # never: its first piece is `first`
            return
        line, size = got
        if size > MAX_LINE_BYTES:
            too_long.append((n, LineTooLong(size, MAX_LINE_BYTES, "characters")))
            yield "\n"
        else:
            yield line


def _after(first: str, readline: Callable[[int], str]) -> Callable[[int], str]:
    """A readline that returns `first` once, then reads on."""
    pending = [first]

    def read(size: int) -> str:
        return pending.pop() if pending else readline(size)

    return read


def _position(name: str, pos_text: str) -> int | None:
    """An authorship row's explicit position (None when blank); RecordError names why the row is unusable."""
    if not name:
        raise RecordError("author_name is empty")
    try:
        pos = int(pos_text) if pos_text else None
    except ValueError:
        raise RecordError(f"position {pos_text!r} is not a number") from None
    if pos is not None and pos < 1:
        raise RecordError(f"position {pos} is not 1 or more")
    return pos


def _authorship(row: dict[str, str]) -> tuple[int | None, AuthorRef]:
    name = row["author_name"]
    pos = _position(name, row["position"])
    inst = []
    if row["institution_id"] or row["institution_name"]:  # (one model per place: named on many works)
        inst = [shared_institution(row["institution_id"] or None, row["institution_name"] or None)]
    return pos, AuthorRef(name=name, position=pos or 1, source_id=row["author_id"] or None, institutions=inst)


def _usable(row: dict[str, str]) -> bool:
    """Whether an authorship row passes _position; the survey has already rejected the ones that do not."""
    try:
        _position(row["author_name"], row["position"])
    except RecordError:
        return False
    return True


def _work(row: dict[str, str], authors: list[AuthorRef], prov: Provenance) -> WorkRecord:
    if not row["work_id"]:
        raise RecordError("work_id is empty")
    if not row["title"]:
        raise RecordError("title is empty")
    year = as_year(row["year"])
    return WorkRecord(
        prov=prov,
        title=row["title"],
        abstract=row["abstract"] or None,
        venue=row["venue"] or None,
        year=year,
        authors=authors,
        author_count=len(authors) or None,
        ids=WorkIds(
            source_id=row["work_id"], doi=normalize_doi(row["doi"]), arxiv=normalize_arxiv(row["arxiv_id"])
        ),
    )


def _hash(text: str) -> int:
    # a stable 64-bit digest: a collision only sends the bundle down the (equally exact) spill path
    return int.from_bytes(
        hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little"
    )


class _Scratch:
    """A temporary directory made on first use (most bundles never need one) and removed with the parse."""

    def __init__(self) -> None:
        self._dir: tempfile.TemporaryDirectory[str] | None = None

    def path(self) -> Path:
        if self._dir is None:
            self._dir = tempfile.TemporaryDirectory(prefix="kg-bundle-")
        return Path(self._dir.name)

    def cleanup(self) -> None:
        if self._dir is not None:
            self._dir.cleanup()


class _Distinct:
    """Whether a stream of work ids repeats one, in bounded memory: 64-bit hashes sorted in blocks of
    HASH_BLOCK (the first kept in memory, later ones in files), then each block checked against the others."""

    def __init__(self, scratch: _Scratch) -> None:
        self._scratch = scratch
        self._buf = np.empty(min(HASH_BLOCK, 1 << 14), dtype=np.uint64)  # grown as needed, up to a block
        self._n = 0
        self._blocks: list[np.ndarray | Path] = []
        self.repeated = False

    def add(self, text: str) -> None:
        self._buf[self._n] = _hash(text)
        self._n += 1
        if self._n == len(self._buf):
            if self._n < HASH_BLOCK:
                self._buf = np.resize(self._buf, min(HASH_BLOCK, 2 * self._n))
            else:
                self._seal()

    def _seal(self) -> None:
        block = np.sort(self._buf[: self._n])
        self._n = 0
        if block.size > 1 and bool(np.any(block[1:] == block[:-1])):
            self.repeated = True
        if not self._blocks:
            self._blocks.append(block)
            return
        path = self._scratch.path() / f"hashes-{len(self._blocks)}.npy"
        np.save(path, block)
        self._blocks.append(path)

    def unique(self) -> bool:
        """True when no id came twice (every block sealed and compared with every other)."""
        if self._n or not self._blocks:
            self._seal()
        for i, first in enumerate(self._blocks):
            if self.repeated:
                break
            a = first if isinstance(first, np.ndarray) else np.load(first)
            if a.size == 0:
                continue
            for other in self._blocks[i + 1 :]:
                b = other if isinstance(other, np.ndarray) else np.load(other, mmap_mode="r")
                at = np.searchsorted(a, b)
                hit = a[np.minimum(at, a.size - 1)] == b
                if bool(np.any(hit)):
                    self.repeated = True
                    break
        return not self.repeated


@dataclass
class _Cuts:
    """Where each chunk of `size` works rows starts in works.csv and in authorships.csv (byte offset, lines before
    it), found by the survey; `clean` stays True while neither file has given a reject."""

    size: int
    works: list[tuple[int, int]] = field(default_factory=list)
    auths: list[tuple[int, int]] = field(default_factory=list)
    clean: bool = True
    # the survey read works.csv to its end (it stops early when there is nothing to merge)
    whole: bool = False
    rows: int = 0  # works rows seen
    # set by ready(): per file, its path, where each chunk starts and where the last one ends, header and stamp
    files: list[tuple[str, list[tuple[int, int]], tuple[str, ...], tuple[int, int]]] | None = None

    def work(self, n: int, at: tuple[int, int]) -> None:
        """The n-th works row (from 0) starts at `at`."""
        if n % self.size == 0:
            self.works.append(at)
        self.rows = n + 1

    def run(self, n: int, at: tuple[int, int]) -> None:
        """A run of authorship rows that starts at `at` belongs to the n-th works row: it starts the authorship
        rows of that row's chunk and of every chunk before it that has none yet."""
        while len(self.auths) <= n // self.size:
            self.auths.append(at)

    def ready(self, works: _Csv, auths: _Csv, stamps: list[tuple[int, int]]) -> None:
        """The survey read both files to their end, without a reject: the ranges of every chunk."""
        while len(self.auths) < len(self.works):  # chunks whose works have no authorship rows
            self.auths.append(auths.end)
        self.files = [
            (str(f.path), [*at, f.end], tuple(f.header), stamp)
            for f, at, stamp in ((works, self.works, stamps[0]), (auths, self.auths, stamps[1]))
        ]

    def chunks(self, works_file: str, authorships_file: str) -> Iterator[BundleChunk]:
        """The ranged chunks, once ready() has found them (none otherwise)."""
        if self.files is None:
            return
        (w_path, w_at, w_header, w_stamp), (a_path, a_at, a_header, a_stamp) = self.files
        for i in range(len(self.works)):
            n = min(self.size, self.rows - i * self.size)
            yield BundleChunk(
                works_file,
                authorships_file,
                [],
                n,
                (
                    _Range(w_path, w_at[i][0], w_at[i + 1][0], w_at[i][1], w_header, w_stamp),
                    _Range(a_path, a_at[i][0], a_at[i + 1][0], a_at[i][1], a_header, a_stamp),
                ),
            )


def _survey(
    works: _Csv, auths: _Csv, scratch: _Scratch, cuts: _Cuts | None = None
) -> Generator[Reject, None, tuple[bool, UnreadableInput | None]]:
    """Yield the authorship rows' rejects in file order and return (mergeable, error reading works.csv).

    Mergeable means each work's usable authorship rows form one run and the runs come in works.csv order:
    every run is matched, greedily, to the next works row with its id, and no work id is listed twice in
    works.csv (a repeated id gets every row of that id, which a merge cannot give). With cuts, where each chunk
    starts in both files is noted on them (the files must be _Csv(where=True))."""
    work_ids = _work_ids(works, cuts)
    works_error: UnreadableInput | None = None
    distinct = _Distinct(scratch)
    matching, runs, current = True, False, ""
    taken = 0  # works rows matched or passed so far
    for line, cells in auths.cells():
        if isinstance(cells, Reject):
            if cuts is not None:
                cuts.clean = False
            yield cells
            continue
        if not runs:
            wid_at, name_at, pos_at = (auths.index(c) for c in ("work_id", "author_name", "position"))
        try:
            _position(cells[name_at].strip(), cells[pos_at].strip())
        except RecordError as e:
            if cuts is not None:
                cuts.clean = False
            yield reject(auths.shown, str(e), line=line, raw=",".join(auths.row(cells).values()))
            continue
        wid = cells[wid_at].strip()
        if runs and wid == current:
            continue
        runs, current = True, wid
        if matching and works_error is None:
            try:
                for w in work_ids:
                    distinct.add(w)
                    taken += 1
                    if w == wid:
                        if cuts is not None:
                            cuts.run(taken - 1, auths.start)
                        break
                else:  # no work ahead has this run's id: out of order, scattered or not in works.csv
                    matching = False
            except UnreadableInput as e:
                works_error = e
    if works_error is None and (not runs or not matching):
        # authorship rows before works: an unreadable works.csv is still named after them
        try:
            next(work_ids, None)
        except UnreadableInput as e:
            works_error = e
    if works_error is not None or not runs or not matching:
        # nothing to merge when works.csv's header is unusable: no work is read, no authorship is an orphan
        return not runs or matching or not _works_usable(works), works_error
    for w in work_ids:
        distinct.add(w)
    if cuts is not None:
        cuts.whole = True
    return distinct.unique(), None


def _stamp(path: Path) -> tuple[int, int] | None:
    """A file's size and modification time (None when it cannot be read: the survey names why)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def _work_ids(works: _Csv, cuts: _Cuts | None = None) -> Iterator[str]:
    """The work_id of each works row that parses (what the records are keyed by), streamed; with cuts, where
    each chunk starts is noted on them."""
    at = -1
    n = 0
    for _, cells in works.cells():
        if isinstance(cells, Reject):
            if cuts is not None:
                cuts.clean = False
            continue
        if at < 0:
            at = works.index("work_id")
        if cuts is not None:
            cuts.work(n, works.start)
        n += 1
        yield cells[at].strip()


def _works_usable(works: _Csv) -> bool:
    """False when works.csv's header lacks columns (then no work is read and no authorship is an orphan)."""
    return all(c in works.header for c in works.columns)


class _Merge:
    """The fast path: authorships.csv read alongside works.csv, one work's rows held at a time."""

    def __init__(self, auths: _Csv) -> None:
        self._rows = self._entries(auths)
        self._head = next(self._rows, None)

    def _entries(self, auths: _Csv) -> Iterator[tuple[str, RawAuthorship]]:
        for line, row in auths.rows():
            if isinstance(row, Reject) or not _usable(row):
                continue  # the survey yielded it
            yield row["work_id"], (line, row)

    def take(self, wid: str) -> list[RawAuthorship]:
        out = []
        while self._head is not None and self._head[0] == wid:
            out.append(self._head[1])
            self._head = next(self._rows, None)
        return out

    def orphans(self, shown: str) -> Iterator[Reject]:
        if self._head is not None:  # the survey matched every run: the file changed between the two reads
            raise UnreadableInput(shown, "changed while it was being read")
        return iter(())

    def close(self) -> None:
        return None


class _Spill:
    """The general path: authorships indexed by work id in a temporary sqlite database, each with its line."""

    COLUMNS = ("author_id", "author_name", "position", "institution_id", "institution_name")

    def __init__(self, auths: _Csv, tmp: Path) -> None:
        self._db = sqlite3.connect(tmp / "authorships.sqlite")
        db = self._db
        for pragma in ("journal_mode = OFF", "synchronous = OFF", f"cache_size = -{SQLITE_CACHE_KB}"):
            db.execute(f"PRAGMA {pragma}")
        db.execute(
            "CREATE TABLE a (wid BLOB NOT NULL, line INTEGER NOT NULL, author_id TEXT, author_name TEXT,"
            " position TEXT, institution_id TEXT, institution_name TEXT)"
        )
        db.execute("CREATE TABLE seen (wid BLOB PRIMARY KEY) WITHOUT ROWID")
        batch: list[tuple[object, ...]] = []
        for line, row in auths.rows():
            if isinstance(row, Reject) or not _usable(row):
                continue  # the survey yielded it
            batch.append(
                (row["work_id"].encode("utf-8", "surrogatepass"), line, *(row[c] for c in self.COLUMNS))
            )
            if len(batch) >= SPILL_BATCH:
                db.executemany("INSERT INTO a VALUES (?, ?, ?, ?, ?, ?, ?)", batch)
                batch.clear()
        db.executemany("INSERT INTO a VALUES (?, ?, ?, ?, ?, ?, ?)", batch)
        # covering: a work's rows sit together in the index, so a lookup never visits the table
        db.execute(f"CREATE INDEX a_wid ON a (wid, line, {', '.join(self.COLUMNS)})")
        db.commit()

    def take(self, wid: str) -> list[RawAuthorship]:
        key = wid.encode("utf-8", "surrogatepass")
        out: list[RawAuthorship] = []
        for line, *cells in self._db.execute(
            "SELECT line, author_id, author_name, position, institution_id, institution_name"
            " FROM a WHERE wid = ? ORDER BY line",
            (key,),
        ):
            row = dict(zip(self.COLUMNS, cells, strict=True))
            row["work_id"] = wid
            out.append((line, row))
        if out:
            self._db.execute("INSERT OR IGNORE INTO seen VALUES (?)", (key,))
        return out

    def orphans(self, shown: str) -> Iterator[Reject]:
        """Rows whose work_id no works row has, by work id then line (UTF-8 bytes sort as code points do)."""
        for wid, line in self._db.execute(
            "SELECT wid, line FROM a WHERE wid NOT IN (SELECT wid FROM seen) ORDER BY wid, line"
        ):
            yield reject(
                shown, f"work_id {bytes(wid).decode('utf-8', 'surrogatepass')!r} is not in {WORKS}", line=line
            )

    def close(self) -> None:
        self._db.close()


def parse_bundle(directory: Path, shown: str | None = None) -> Iterator[Record | Reject]:
    """The work records in works.csv order, each with its authors; memory stays flat whatever the size.

    Output, exactly as when everything was read into memory: first the rejects of authorships.csv in file
    order, then each works row (a record or its reject), then the authorship rows whose work_id is not in
    works.csv (by work id, then line).

    How: a survey reads authorships.csv once, with works.csv's work_id column alongside (CSV parsing, no
    models: about a fifth of the CPU of a whole parse of a synthetic bundle), yields its rejects and decides
    the path. A single streaming pass cannot decide it: a work yielded without authors might find rows further
    down the file, so the order is proven before the first record.
    - merge (fast path): every work's rows are together and in works.csv order, and no work id is repeated (a
      64-bit hash per work, sorted in fixed-size blocks): both files are read side by side, one work's rows
      held at a time. Any orphan row breaks the proof and takes the spill path.
    - spill (otherwise: rows scattered, in another order, orphans, repeated work ids): authorships.csv is read
      again into a temporary sqlite database indexed by work id, rows kept with their line; works.csv is
      streamed and each work fetches its rows; the rows no work asked for are the orphans."""
    works_file, authorships_file = _names(directory, shown)
    for item in _bundle_items(directory, works_file, authorships_file):
        if isinstance(item, Reject):
            yield item
        else:
            yield from build_work(item, works_file, authorships_file)


@dataclass(frozen=True)
class _Range:
    """Rows of one file of a bundle that a chunk reads itself: bytes [start, end) of the file, `lines` lines before
    start, the file's header, and its size and modification time when the survey read it."""

    path: str
    start: int
    end: int
    lines: int
    header: tuple[str, ...]
    stamp: tuple[int, int]


@dataclass
class BundleChunk:
    """Consecutive works rows of one bundle, each with its authorship rows, and the rejects read among them, in
    file order: read in one process and turned into records in another (kg.stage.parallel) by records(), which
    yields exactly what parse_bundle yields for them. Plain strings and dicts, so it is cheap to send. A chunk of
    a bundle whose files the survey read without a reject holds no items but `ranges`: where its works rows and
    their authorship rows are in the two files, which records() reads (so the process that reads the bundle
    reads each file once, and sends a few numbers instead of the rows)."""

    works_file: str
    authorships_file: str
    items: list[Reject | WorkRow]
    works: int  # how many works rows the chunk has
    ranges: tuple[_Range, _Range] | None = None  # (works.csv, authorships.csv)

    def records(self) -> Iterator[Record | Reject]:
        items = self.items if self.ranges is None else _ranged_rows(self)
        for item in items:
            if isinstance(item, Reject):
                yield item
            else:
                yield from build_work(item, self.works_file, self.authorships_file)


def _ranged_rows(chunk: BundleChunk) -> list[WorkRow]:
    """A ranged chunk's works rows with their authorship rows, read from its ranges as _Merge reads them from the
    whole files. The survey read both files without a reject and proved every run of authorship rows matches its
    works row: anything else found here means a file changed since."""
    assert chunk.ranges is not None
    works, auths = chunk.ranges
    changed = {works.path: chunk.works_file, auths.path: chunk.authorships_file}
    for r in (works, auths):
        try:
            st = os.stat(r.path)
        except OSError:
            st = None
        if st is None or (st.st_size, st.st_mtime_ns) != r.stamp:
            raise UnreadableInput(changed[r.path], "changed while it was being read")
    runs = ((row["work_id"], (line, row)) for line, row in _range_rows(auths, changed[auths.path]))
    head = next(runs, None)
    out: list[WorkRow] = []
    for line, row in _range_rows(works, changed[works.path]):
        wid = row["work_id"]
        got: list[RawAuthorship] = []
        while head is not None and head[0] == wid:
            if not _usable(head[1][1]):
                raise UnreadableInput(chunk.authorships_file, "changed while it was being read")
            got.append(head[1])
            head = next(runs, None)
        out.append((line, row, got))
    if head is not None:
        raise UnreadableInput(chunk.authorships_file, "changed while it was being read")
    if len(out) != chunk.works:
        raise UnreadableInput(chunk.works_file, "changed while it was being read")
    return out


def _range_rows(r: _Range, shown: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) for each data row in a range, as _Csv.rows() gives them; any reject means the file changed."""
    with open(r.path, "rb") as f:
        f.seek(r.start)
        data = f.read(r.end - r.start)
    if len(data) != r.end - r.start:
        raise UnreadableInput(shown, "changed while it was being read")
    too_long: list[tuple[int, LineTooLong]] = []
    # (no BOM to drop: a range starts after the header)
    reader = csv.reader(_text_lines(io.BytesIO(data), too_long, encoding="utf-8"))
    header, width = r.header, len(r.header)
    while True:
        line = r.lines + reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except (csv.Error, UnicodeDecodeError):
            raise UnreadableInput(shown, "changed while it was being read") from None
        if too_long:
            raise UnreadableInput(shown, "changed while it was being read")
        if not "".join(cells).strip():
            continue
        if len(cells) != width:
            raise UnreadableInput(shown, "changed while it was being read")
        yield line, dict(zip(header, map(str.strip, cells), strict=True))


def bundle_chunks(directory: Path, size: int, shown: str | None = None) -> Iterator[BundleChunk]:
    """parse_bundle cut into chunks of `size` works rows (the last one shorter): the same rejects and records,
    in the same order, once each chunk's records() is read. An error that stops the parse (a file changed while
    it was read) comes after the chunk holding everything read before it. When the survey finds both files
    without a reject and mergeable, the chunks are ranges of the files (BundleChunk.ranges), read by records()."""
    works_file, authorships_file = _names(directory, shown)
    items: list[Reject | WorkRow] = []
    works = 0
    cuts = _Cuts(size)
    try:
        for item in _bundle_items(directory, works_file, authorships_file, cuts):
            items.append(item)
            if not isinstance(item, Reject):
                works += 1
                if works >= size:
                    yield BundleChunk(works_file, authorships_file, items, works)
                    items, works = [], 0
    except Exception:
        if items:
            yield BundleChunk(works_file, authorships_file, items, works)
        raise
    if items:
        yield BundleChunk(works_file, authorships_file, items, works)
    yield from cuts.chunks(works_file, authorships_file)


def _names(directory: Path, shown: str | None) -> tuple[str, str]:
    base = shown if shown is not None else str(directory)
    return str(Path(base) / WORKS), str(Path(base) / AUTHORSHIPS)


def _bundle_items(
    directory: Path, works_file: str, authorships_file: str, cuts: _Cuts | None = None
) -> Iterator[Reject | WorkRow]:
    """The rejects and works rows (with their authorship rows) of a bundle in parse_bundle's order: CSV reading,
    the survey and the matching of authorships to works, but no models. With cuts: when the survey finds both
    files without a reject and mergeable, nothing after the survey (cuts.ready says where each chunk lies)."""
    where = cuts is not None
    works = _Csv(directory / WORKS, works_file, WORK_COLUMNS, where=where)
    auths = _Csv(directory / AUTHORSHIPS, authorships_file, AUTHORSHIP_COLUMNS, where=where)
    stamps = [_stamp(f.path) for f in (works, auths)] if where else []
    scratch = _Scratch()
    try:
        mergeable, works_error = yield from _survey(works, auths, scratch, cuts)
        if works_error is not None:
            raise works_error
        if (
            cuts is not None
            and mergeable
            and cuts.clean
            and cuts.whole
            and works.clean
            and auths.clean
            and cuts.works
            and None not in stamps
            and stamps == [_stamp(f.path) for f in (works, auths)]
        ):
            cuts.ready(works, auths, [st for st in stamps if st is not None])
            return
        source: _Merge | _Spill = _Merge(auths) if mergeable else _Spill(auths, scratch.path())
        try:
            yield from _work_rows(works, source, auths.shown)
        finally:
            source.close()
    finally:
        scratch.cleanup()


def _work_rows(works: _Csv, source: _Merge | _Spill, a_name: str) -> Iterator[Reject | WorkRow]:
    """Each works row with the authorship rows the source holds for it, then the orphan authorships."""
    works_usable = True
    for line, row in works.rows():
        if isinstance(row, Reject):
            works_usable = works_usable and line != 1  # a bad header makes the whole file unusable
            yield row
            continue
        yield line, row, source.take(row["work_id"])
    if works_usable:
        yield from source.orphans(a_name)


def build_work(item: WorkRow, works_file: str, authorships_file: str) -> Iterator[Record | Reject]:
    """The work record of one works row (or its reject), after the rejects of any of its authorship rows that the
    model refuses (the survey has refused the rest already, so these are not expected)."""
    line, row, raw = item
    entries: list[Entry] = []
    for a_line, a_row in raw:
        try:  # (what guarded does, with the row's text joined only for a reject)
            got: tuple[int | None, AuthorRef] | Reject = _authorship(a_row)
        except Exception as e:
            got = rejected(e, authorships_file, line=a_line, raw=",".join(a_row.values()))
        if isinstance(got, Reject):
            yield got
            continue
        entries.append((got[0], a_line, got[1]))
    # explicit positions first in their order, rows without a position after them in file order
    entries.sort(key=lambda t: (t[0] is None, t[0] or 0, t[1]))
    authors = []
    for i, (_, _, ref) in enumerate(entries, start=1):
        # each ref was made for this row alone: its position is set in place, as model_copy(update=…) would set it
        # on a copy (no validation either way; a position from 1 up is valid)
        ref.__dict__["position"] = i
        authors.append(ref)
    prov = Provenance(source="csv", file=works_file, line=line, record_id=row["work_id"] or None)
    yield guarded(partial(_work, row, authors, prov), works_file, line=line, raw=",".join(row.values()))
