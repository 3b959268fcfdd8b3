"""Bring-your-own data: works.csv plus authorships.csv (UTF-8, header row) in one directory."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator
from functools import partial
from pathlib import Path

from kg.models import AuthorRef, InstitutionRef, Provenance, Record, Reject, WorkIds, WorkRecord
from kg.normalize import normalize_arxiv, normalize_doi
from loaders.base import RecordError, UnreadableInput, guarded, reject

WORK_COLUMNS = ("work_id", "title", "year", "venue", "doi", "arxiv_id", "abstract")
AUTHORSHIP_COLUMNS = ("work_id", "author_id", "author_name", "position", "institution_id", "institution_name")
WORKS, AUTHORSHIPS = "works.csv", "authorships.csv"


def is_bundle_dir(path: Path) -> bool:
    return (path / WORKS).is_file() and (path / AUTHORSHIPS).is_file()


def _rows(path: Path, shown: str, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str] | Reject]]:
    """(line, row) for each data row, streamed; a malformed row comes back as a Reject."""
    try:
        f = path.open("rb")
    except OSError as e:
        raise UnreadableInput(shown, f"cannot be read ({e.strerror or e})") from None
    with f:
        if b"\x00" in f.read(8192):
            raise UnreadableInput(shown, "binary file, not CSV text")
        f.seek(0)
        text = io.TextIOWrapper(f, encoding="utf-8-sig", newline="")
        reader = csv.reader(text)
        try:
            header = next(reader, None)
        except UnicodeDecodeError:
            raise UnreadableInput(shown, "not UTF-8 text", line=1) from None
        if header is None:
            raise UnreadableInput(shown, "empty file (a header row is required)")
        header = [h.strip() for h in header]
        missing = [c for c in columns if c not in header]
        if missing:
            yield 1, reject(shown, f"missing columns: {', '.join(missing)}", line=1, raw=",".join(header))
            return
        while True:
            line = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as e:
                yield line, reject(shown, f"not UTF-8 text ({e.reason})", line=line)
                return
            except csv.Error as e:
                yield line, reject(shown, f"malformed CSV: {e}", line=line)
                continue
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                yield (
                    line,
                    reject(
                        shown,
                        f"row has {len(cells)} cells, the header has {len(header)}",
                        line=line,
                        raw=",".join(cells),
                    ),
                )
                continue
            yield line, {h: c.strip() for h, c in zip(header, cells, strict=True)}


def _authorship(row: dict[str, str]) -> tuple[int | None, AuthorRef]:
    name = row["author_name"]
    if not name:
        raise RecordError("author_name is empty")
    pos_text = row["position"]
    try:
        pos = int(pos_text) if pos_text else None
    except ValueError:
        raise RecordError(f"position {pos_text!r} is not a number") from None
    if pos is not None and pos < 1:
        raise RecordError(f"position {pos} is not 1 or more")
    inst = []
    if row["institution_id"] or row["institution_name"]:
        inst = [InstitutionRef(source_id=row["institution_id"] or None, name=row["institution_name"] or None)]
    return pos, AuthorRef(name=name, position=pos or 1, source_id=row["author_id"] or None, institutions=inst)


def _work(row: dict[str, str], authors: list[AuthorRef], prov: Provenance) -> WorkRecord:
    if not row["work_id"]:
        raise RecordError("work_id is empty")
    if not row["title"]:
        raise RecordError("title is empty")
    year_text = row["year"]
    try:
        year = int(year_text) if year_text else None
    except ValueError:
        raise RecordError(f"year {year_text!r} is not a number") from None
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


def parse_bundle(directory: Path, shown: str | None = None) -> Iterator[Record | Reject]:
    """Authorships are grouped by work first (memory grows with authorships.csv), then works.csv is streamed."""
    base = shown if shown is not None else str(directory)
    w_name, a_name = str(Path(base) / WORKS), str(Path(base) / AUTHORSHIPS)
    by_work: dict[str, list[tuple[int | None, int, AuthorRef]]] = defaultdict(list)
    for line, row in _rows(directory / AUTHORSHIPS, a_name, AUTHORSHIP_COLUMNS):
        if isinstance(row, Reject):
            yield row
            continue
        got = guarded(partial(_authorship, row), a_name, line=line, raw=",".join(row.values()))
        if isinstance(got, Reject):
            yield got
            continue
        pos, ref = got
        by_work[row["work_id"]].append((pos, line, ref))
    seen: set[str] = set()
    works_usable = True
    for line, row in _rows(directory / WORKS, w_name, WORK_COLUMNS):
        if isinstance(row, Reject):
            works_usable = works_usable and line != 1  # a bad header makes the whole file unusable
            yield row
            continue
        wid = row["work_id"]
        # explicit positions first in their order, rows without a position after them in file order
        entries = sorted(by_work.get(wid, []), key=lambda t: (t[0] is None, t[0] or 0, t[1]))
        authors = [ref.model_copy(update={"position": i}) for i, (_, _, ref) in enumerate(entries, start=1)]
        prov = Provenance(source="csv", file=w_name, line=line, record_id=wid or None)
        yield guarded(
            partial(_work, row, authors, prov),
            w_name,
            line=line,
            raw=",".join(row.values()),
        )
        seen.add(wid)
    if not works_usable:
        return
    for wid in sorted(set(by_work) - seen):
        for _, line, _ in by_work[wid]:
            yield reject(a_name, f"work_id {wid!r} is not in {WORKS}", line=line)
