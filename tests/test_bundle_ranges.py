"""A CSV bundle read without a reject is cut into ranges of its two files that each chunk reads itself (so the
loading process reads each file once): expanding the chunks gives exactly parse_bundle's records and rejects,
whatever the chunk size, with a BOM, CRLF line ends, cells spanning lines, non-ASCII text, blank rows and works
without authors; a bundle with a reject is chunked as before; a file changed after the survey is named."""

from __future__ import annotations

import csv
import io
import pickle
from pathlib import Path

import pytest

from kg.sources.parsers.base import UnreadableInput
from kg.sources.parsers.csv_bundle import AUTHORSHIPS, WORKS, BundleChunk
from kg.sources.parsers.read import chunk_records, iter_records, iter_units
from kg.synth import SynthParams
from kg.synth import generate as synth


def _write(path: Path, rows: list[list[str]], *, bom: bool, end: str) -> None:
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator=end)
    for i, row in enumerate(rows):
        out.writerow(row)
        if i % 37 == 5:
            buf.write(end)  # a blank row
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode("utf-8"))


def _awkward(root: Path) -> Path:
    """A synthetic bundle rewritten: BOMs, CRLF works rows, multi-line quoted abstracts with non-ASCII text,
    non-ASCII author names, blank rows, works without authors (first chunk, middle, end), a title-less work."""
    src, out = root / "src", root / "awkward"
    synth(SynthParams(works=300, seed=5), src)
    out.mkdir()
    with (src / WORKS).open(newline="", encoding="utf-8") as fh:
        works = list(csv.reader(fh))
    with (src / AUTHORSHIPS).open(newline="", encoding="utf-8") as fh:
        auths = list(csv.reader(fh))
    for i in range(1, len(works), 7):
        works[i][6] = 'Zürich – naïve ☃ over\nthree\r\nlines, with "quotes"'
    for i in range(1, len(auths), 5):
        auths[i][2] += " Ñoño 李"
    works[40][1] = ""  # a work without a title: a reject made from a row the CSV reads well
    nobody = [["nobody-0", "C", "2019", "", "", "", ""]]
    works = [works[0], *nobody, *works[1:60], ["nobody-1", "A", "2020", "", "", "", ""], *works[60:]]
    works.append(["nobody-2", "B", "2021", "", "", "", ""])
    _write(out / WORKS, works, bom=True, end="\r\n")
    _write(out / AUTHORSHIPS, auths, bom=True, end="\n")
    return out


def _expanded(bundle: Path, size: int) -> tuple[list[str], int, int]:
    """What the chunks of a bundle give (sent through pickle, as to a worker), and how many were ranged of all."""
    got: list[str] = []
    ranged = chunks = 0
    for unit in iter_units([bundle], chunk=size):
        if isinstance(unit, BundleChunk):
            chunks += 1
            ranged += unit.ranges is not None and not unit.items
            got.extend(r.model_dump_json() for r in chunk_records(pickle.loads(pickle.dumps(unit))))
        else:
            got.append(unit.model_dump_json())
    return got, ranged, chunks


@pytest.mark.parametrize("size", [1, 3, 50, 10_000])
def test_a_clean_bundle_is_read_in_ranges_that_give_exactly_its_records(tmp_path: Path, size: int) -> None:
    bundle = _awkward(tmp_path)
    want = [r.model_dump_json() for r in iter_records([bundle])]
    got, ranged, chunks = _expanded(bundle, size)
    assert ranged == chunks == -(-303 // size)  # 300 synthetic works and 3 without authors
    assert got == want
    assert sum('"reason":"title is empty"' in r for r in got) == 1


def test_a_bundle_with_a_reject_is_chunked_from_its_rows(tmp_path: Path) -> None:
    bundle = _awkward(tmp_path)
    text = (bundle / AUTHORSHIPS).read_text(encoding="utf-8").splitlines(keepends=True)
    text[3] = text[3].rstrip("\n") + ",an extra cell\n"  # line 4: a row with more cells than the header
    (bundle / AUTHORSHIPS).write_text("".join(text), encoding="utf-8")
    want = [r.model_dump_json() for r in iter_records([bundle])]
    got, ranged, chunks = _expanded(bundle, 50)
    assert (ranged, chunks) == (0, 7)
    assert got == want
    assert '"line":4' in got[0] and "cells" in got[0]


def test_a_file_changed_after_the_survey_is_named(tmp_path: Path) -> None:
    bundle = _awkward(tmp_path)
    units = list(iter_units([bundle], chunk=100))
    with (bundle / AUTHORSHIPS).open("a", encoding="utf-8") as fh:
        fh.write("W-late,,Late Author,1,,\n")
    chunk = units[1]
    assert isinstance(chunk, BundleChunk) and chunk.ranges is not None
    with pytest.raises(UnreadableInput) as caught:
        list(chunk_records(chunk))
    # as a worker's error reaches the load: through pickle, file and reason kept
    err = pickle.loads(pickle.dumps(caught.value))
    assert (Path(err.file).name, err.reason) == (AUTHORSHIPS, "changed while it was being read")
    assert str(err) == str(caught.value)


def test_a_bundle_without_authorship_rows_gives_every_work(tmp_path: Path) -> None:
    """The survey stops early when authorships.csv has no rows: such a bundle is chunked from its rows."""
    bundle = _awkward(tmp_path)
    header = (bundle / AUTHORSHIPS).read_text(encoding="utf-8").splitlines(keepends=True)[0]
    (bundle / AUTHORSHIPS).write_text(header, encoding="utf-8")
    want = [r.model_dump_json() for r in iter_records([bundle])]
    got, ranged, chunks = _expanded(bundle, 50)
    assert got == want and len(want) == 303
    assert (ranged, chunks) == (0, 7)
