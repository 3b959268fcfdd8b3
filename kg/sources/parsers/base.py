"""What every parser shares: opening inputs (files, gzip, stdin), strict decoding, rejects and small date helpers."""

from __future__ import annotations

import gzip
import io
import json
import re
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, AnyStr, BinaryIO, TypeVar

from pydantic import ValidationError
from pylatexenc.latex2text import LatexNodes2Text

from kg.errors import InputError
from kg.models import AuthorRef, Record, Reject

RAW_LIMIT = 2000  # characters of offending input kept in a reject
HEAD_SIZE = 64 * 1024  # bytes read to detect a format
GZIP_MAGIC = b"\x1f\x8b"
# Input is never read whole past these (a gzip "bomb" of a few hundred KB can inflate to gigabytes). One line of a
# line-based format (JSON Lines, CSV) is held at a time, up to MAX_LINE_BYTES; the largest real line in the
# sample data (an OpenAlex API page on one line) is 3.2 MB. Page-sized formats read whole (profile pages,
# listings, Atom feeds, pretty-printed JSON) stop at MAX_DOCUMENT_BYTES.
MAX_LINE_BYTES = 32 * 1024 * 1024
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
SKIP_CHUNK = 1024 * 1024  # bytes read at a time while skipping the rest of an overlong line

MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}
MONTH_RE = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"

T = TypeVar("T")


class UnreadableInput(InputError):
    """A file that cannot be read at all; carries the file and the bare reason so a directory walk can reject it."""

    def __init__(self, file: str, reason: str, line: int | None = None) -> None:
        self.file = file
        self.reason = reason
        self.line = line
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {reason}")

    def as_reject(self) -> Reject:
        return Reject(file=self.file, line=self.line, reason=self.reason)

    def __reduce__(self) -> tuple[type[UnreadableInput], tuple[str, str, int | None]]:
        # as made, not from the message: a staging worker's error reaches the load this way (kg.stage.parallel)
        return type(self), (self.file, self.reason, self.line)


def month_number(text: str) -> int:
    return MONTHS[text[:3].lower()]


def cut(raw: str | bytes | None, limit: int = RAW_LIMIT) -> str | None:
    if raw is None:
        return None
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    return text if len(text) <= limit else text[:limit] + "…"


def reject(
    file: str,
    reason: str,
    *,
    line: int | None = None,
    offset: int | None = None,
    raw: str | bytes | None = None,
) -> Reject:
    return Reject(file=file, line=line, offset=offset, reason=reason, raw=cut(raw))


def validation_problem(err: ValidationError) -> str:
    """The first problem of a pydantic error and where it is: "authors.3.name is 10,000 characters long (…)",
    "year: Input should be a valid integer"."""
    first = err.errors()[0]
    loc = ".".join(str(x) for x in first.get("loc", ())) or "record"
    more = f" (and {err.error_count() - 1} more)" if err.error_count() > 1 else ""
    msg = str(first.get("msg", "invalid"))
    if not first.get("loc"):  # a check of the whole record names the field itself
        return f"{msg.removeprefix('Value error, ')}{more}"
    if msg.startswith("Value error, is "):  # the record models' own checks read on from the field's name
        return f"{loc} {msg.removeprefix('Value error, ')}{more}"
    return f"{loc}: {msg.removeprefix('Value error, ')}{more}"


def validation_reason(err: ValidationError) -> str:
    """One line from a pydantic error: the first problem and where it is."""
    return f"invalid record: {validation_problem(err)}"


def author_ref(**fields: Any) -> AuthorRef:
    """An AuthorRef; a value it refuses (a name too long to index, a blank one) is a RecordError naming the
    author by position, so the reject says which author of the work is at fault."""
    try:
        return AuthorRef(**fields)
    except ValidationError as e:
        raise RecordError(f"author {fields.get('position')}'s {validation_problem(e)}") from None


def guarded(
    build: Callable[[], T],
    file: str,
    *,
    line: int | None = None,
    offset: int | None = None,
    raw: str | bytes | None,
) -> T | Reject:
    """Run a record builder; a shape or validation problem becomes a Reject instead of stopping the parse."""
    try:
        return build()
    except Exception as e:
        return rejected(e, file, line=line, offset=offset, raw=raw)


def rejected(
    e: Exception, file: str, *, line: int | None = None, offset: int | None = None, raw: str | bytes | None
) -> Reject:
    """The Reject for what a record builder raised, as guarded makes it (for a hot loop that catches the error
    itself, so it pays for guarded's call and the record's raw text only when a record fails); anything but a
    shape or validation problem is raised again."""
    if isinstance(e, ValidationError):
        return reject(file, validation_reason(e), line=line, offset=offset, raw=raw)
    if isinstance(e, RecordError):
        return reject(file, str(e), line=line, offset=offset, raw=raw)
    if isinstance(e, (KeyError, TypeError, ValueError, AttributeError, IndexError)):
        # a field holding another kind of value than the format has (a list where an object belongs, …)
        return reject(
            file,
            f"unexpected record shape (a field holds the wrong kind of value): {type(e).__name__}: {e}",
            line=line,
            offset=offset,
            raw=raw,
        )
    raise e


class RecordError(ValueError):
    """One record is unusable (a value out of range, a required field missing); the message is the reason."""


def decode_utf8(data: bytes, file: str) -> str:
    """Strict UTF-8 (a leading BOM dropped); anything else is a file that cannot be read as text."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise UnreadableInput(
            file, f"not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start})", line=line
        ) from None
    return text.removeprefix("\ufeff")


def check_year(year: int | None) -> int | None:
    if year is not None and not 1000 <= year <= 2100:
        raise RecordError(f"year {year} is out of range")
    return year


def as_year(value: object, field: str = "year") -> int | None:
    """A year as sources give it: 2020, "2020", " 2020 ", 2020.0 → 2020; None or "" → None. Anything else
    (a word, a fraction, a list) is a RecordError naming the field and the value."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    year: int | None = None
    if isinstance(value, bool):
        year = None
    elif isinstance(value, int):
        year = value
    elif isinstance(value, float) and value.is_integer():
        year = int(value)
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        year = int(value.strip())
    if year is None:
        raise RecordError(f"{field} {cut(repr(value), 80)} is not a year")
    return check_year(year)


_NOT_TEXT = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F])


def looks_binary(head: bytes) -> bool:
    """Whether the first bytes are binary data rather than text: control bytes other than tab, line ends and escape
    (NUL above all) in more than 1% of them (UTF-16 text, images, archives). A stray NUL in a text file is not
    enough: parsers drop it and say so."""
    sample = head[:8192]
    controls = len(sample) - len(sample.translate(None, _NOT_TEXT))
    return controls > max(1, len(sample) // 100)


class _Prefixed(io.RawIOBase):
    """The bytes already read to detect the format, followed by the rest of a stream that cannot seek (stdin)."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(b), len(self._head))
            b[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(b))
        n = len(data)
        b[:n] = data
        return n


@dataclass
class Input:
    """One input: a file path or standard input, gzip undone, with the first bytes kept for format detection."""

    name: str
    path: Path | None
    head: bytes
    gzipped: bool
    _stdin: BinaryIO | None = None

    @classmethod
    def from_path(cls, path: Path, name: str | None = None) -> Input:
        shown = name or str(path)
        if not path.exists():
            raise UnreadableInput(shown, "no such file")
        if path.is_dir():
            raise UnreadableInput(shown, "is a directory")
        try:
            with path.open("rb") as f:
                magic = f.read(2)
            gz = magic == GZIP_MAGIC
            opener = gzip.open if gz else open
            with opener(path, "rb") as f:
                head = f.read(HEAD_SIZE)
        except PermissionError:
            raise UnreadableInput(shown, "permission denied") from None
        except (gzip.BadGzipFile, EOFError, zlib.error) as e:
            raise UnreadableInput(shown, f"not a readable gzip file ({e})") from None
        except OSError as e:
            raise UnreadableInput(shown, f"cannot be read ({e.strerror or e})") from None
        return cls(shown, path, head, gz)

    @classmethod
    def from_stdin(cls, stream: IO[bytes] | None = None) -> Input:
        raw = stream if stream is not None else sys.stdin.buffer
        first = raw.read(HEAD_SIZE)
        gz = first[:2] == GZIP_MAGIC
        prefixed: BinaryIO = io.BufferedReader(_Prefixed(first, raw))
        if gz:
            try:
                zipped = gzip.GzipFile(fileobj=prefixed, mode="rb")
                head = zipped.read(HEAD_SIZE)
            except (gzip.BadGzipFile, EOFError, zlib.error) as e:
                raise UnreadableInput("-", f"not a readable gzip stream ({e})") from None
            prefixed = io.BufferedReader(_Prefixed(head, zipped))  # type: ignore[arg-type]
        else:
            head = first
        return cls("-", None, head, gz, prefixed)

    def open(self) -> BinaryIO:
        """A fresh binary stream of the (decompressed) content; standard input can be opened once."""
        if self._stdin is not None:
            s, self._stdin = self._stdin, None
            return s
        if self.path is None:
            raise UnreadableInput(self.name, "standard input was already read")
        try:
            return gzip.open(self.path, "rb") if self.gzipped else self.path.open("rb")  # type: ignore[return-value]
        except OSError as e:
            raise UnreadableInput(self.name, f"cannot be read ({e.strerror or e})") from None

    def read_bytes(self, limit: int | None = None) -> bytes:
        """The whole (decompressed) content, for page-sized formats; UnreadableInput past `limit` bytes
        (MAX_DOCUMENT_BYTES), so a compressed "bomb" is never inflated whole."""
        cap = MAX_DOCUMENT_BYTES if limit is None else limit
        with self.open() as f:
            try:
                data = f.read(cap + 1)
            except (gzip.BadGzipFile, EOFError, zlib.error) as e:
                raise UnreadableInput(self.name, f"not a readable gzip file ({e})") from None
        if len(data) > cap:
            unzipped = " once decompressed" if self.gzipped else ""
            raise UnreadableInput(
                self.name,
                f"larger than {cap:,} bytes{unzipped}: this format is read whole, so the file is refused "
                "(split it, or use a line-based format)",
            )
        return data

    def read_text(self, limit: int | None = None) -> str:
        """The whole content as text, for page-sized formats (profile, listings), at most `limit` bytes."""
        return decode_utf8(self.read_bytes(limit), self.name)


@dataclass(frozen=True)
class LineTooLong:
    """A line past the length limit: skipped without being held, only its length is known."""

    size: int
    limit: int
    unit: str = "bytes"

    @property
    def reason(self) -> str:
        return f"line is {self.size:,} {self.unit} long (at most {self.limit:,}): skipped"


def read_capped_line(
    readline: Callable[[int], AnyStr], cap: int, newline: AnyStr
) -> tuple[AnyStr, int] | None:
    """The next line (its end kept) and its size, read in SKIP_CHUNK pieces; past `cap` the line is read through
    but not kept (an empty line comes back with the size, which is over cap). None at the end of the input."""
    first = readline(SKIP_CHUNK)
    if not first:
        return None
    size = len(first)
    if first.endswith(newline) or size < SKIP_CHUNK:  # the whole line came in one piece (nearly always)
        return (first if size <= cap else first[:0]), size
    parts = [first]
    line = first
    while not line.endswith(newline):
        line = readline(SKIP_CHUNK)
        if not line:
            break
        size += len(line)
        if size <= cap:
            parts.append(line)
        else:
            parts.clear()  # too long: let go of what was read
    return (first[:0].join(parts) if size <= cap else first[:0]), size


def iter_lines(stream: BinaryIO, limit: int | None = None) -> Iterator[tuple[int, int, bytes | LineTooLong]]:
    """(1-based line number, byte offset, the line without its end) — one line in memory at a time, never more
    than `limit` bytes (MAX_LINE_BYTES) with its end: a longer line comes back as LineTooLong."""
    cap = MAX_LINE_BYTES if limit is None else limit
    offset = 0
    n = 0
    while (got := read_capped_line(stream.readline, cap, b"\n")) is not None:
        raw, size = got
        n += 1
        yield n, offset, LineTooLong(size, cap) if size > cap else raw.rstrip(b"\r\n")
        offset += size


@dataclass(frozen=True)
class JsonLine:
    line: int
    offset: int
    text: str
    obj: object


def iter_json_lines(stream: BinaryIO, file: str) -> Iterator[JsonLine | Reject]:
    """JSON Lines, one line in memory at a time: each line parsed, or a Reject naming the line when it is not UTF-8
    or not JSON. Blank lines are skipped; a leading byte-order mark is dropped."""
    for n, offset, raw in iter_lines(stream):
        if isinstance(raw, LineTooLong):
            yield reject(file, raw.reason, line=n, offset=offset)
            continue
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError as e:
            yield reject(
                file,
                f"not UTF-8 text (byte 0x{raw[e.start]:02x} at column {e.start + 1})",
                line=n,
                offset=offset,
                raw=raw,
            )
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as e:
            yield reject(file, f"invalid JSON: {e.msg} (column {e.colno})", line=n, offset=offset, raw=text)
            continue
        yield JsonLine(n, offset, text, obj)


_JSON = json.JSONDecoder()


def _line_at(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _document_values(text: str, file: str) -> Iterator[JsonLine | Reject]:
    """The values of one pretty-printed JSON document: each element of a top-level array (with the line it starts
    on), or the document itself. A syntax error stops the document with a Reject naming its line."""
    start = len(text) - len(text.lstrip())
    if not text.startswith("[", start):
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as e:
            yield reject(file, f"invalid JSON: {e.msg} (column {e.colno})", line=e.lineno, raw=text)
            return
        yield JsonLine(_line_at(text, start), start, text[start : start + 4000], obj)
        return
    pos = start + 1
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text):
            yield reject(file, "invalid JSON: the array is not closed", line=_line_at(text, pos))
            return
        if text[pos] == "]":
            return
        try:
            obj, end = _JSON.raw_decode(text, pos)
        except json.JSONDecodeError as e:
            line = _line_at(text, e.pos)
            yield reject(
                file,
                f"invalid JSON: {e.msg}; the rest of the document is lost",
                line=line,
                raw=text[pos : pos + 2000],
            )
            return
        yield JsonLine(_line_at(text, pos), pos, text[pos : min(end, pos + 4000)], obj)
        pos = end


def iter_json_values(inp: Input) -> Iterator[JsonLine | Reject]:
    """JSON values of an input, each with its line: JSON Lines streamed one line at a time, or a pretty-printed
    document (its first line is a lone "[" or "{") read whole, each element of a top-level array on its own.
    A broken gzip stream ends the input with a Reject."""
    stripped = inp.head.lstrip(b"\xef\xbb\xbf \t\r\n")
    first_line = stripped.split(b"\n", 1)[0].strip()
    if first_line in (b"[", b"{"):
        try:
            with inp.open() as stream:
                data = stream.read()
        except (gzip.BadGzipFile, EOFError, zlib.error) as e:
            yield reject(inp.name, f"gzip stream is broken ({e}); the document is lost")
            return
        yield from _document_values(decode_utf8(data, inp.name), inp.name)
        return
    lines = 0
    try:
        with inp.open() as stream:
            for item in iter_json_lines(stream, inp.name):
                lines = item.line or lines
                yield item
    except (gzip.BadGzipFile, EOFError, zlib.error) as e:
        yield broken_gzip(inp.name, e, lines)


def broken_gzip(file: str, e: Exception, lines: int) -> Reject:
    """The reject that ends an input whose gzip stream breaks after `lines` lines were read whole (0: not known)."""
    if not lines:
        return reject(file, f"gzip stream is broken ({e}); the rest of the file is lost")
    return reject(
        file, f"gzip stream is broken after line {lines} ({e}); the records from line {lines + 1} on are lost",
        line=lines + 1,
    )  # fmt: skip


_LATEX = LatexNodes2Text()


def detex(text: str) -> str:
    """TeX accents and escapes undone ("Bal\\'azs" → "Balázs"), for names from arXiv headers and BibTeX; "&" and
    "%" are text there, not TeX's alignment and comment characters. pylatexenc does the TeX."""
    return _LATEX.latex_to_text(re.sub(r"(?<!\\)([&%])", r"\\\1", text))


def each_json_value(
    inp: Input, handle: Callable[[Any, int | None, str], Iterable[Record | Reject]]
) -> Iterator[Record | Reject]:
    """Every JSON value of an input (iter_json_values) through `handle(value, line, raw text)`; rejects pass through."""
    for item in iter_json_values(inp):
        if isinstance(item, Reject):
            yield item
        else:
            yield from handle(item.obj, item.line, item.text)
