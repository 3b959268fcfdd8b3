"""JSON Lines are streamed: the first record comes out long before a large input has been read."""

from __future__ import annotations

import gzip
import io
import json

from kg.models import WorkRecord
from kg.sources.parsers.base import Input
from kg.sources.parsers.openalex import parse


class CountingStream(io.RawIOBase):
    """A large input made on the fly, counting how many bytes the parser has pulled."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.pulled = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        chunk = self._data.read(len(b))
        b[: len(chunk)] = chunk
        self.pulled += len(chunk)
        return len(chunk)


def _lines(n: int) -> bytes:
    rows = []
    for i in range(n):
        rows.append(
            json.dumps(
                {
                    "id": f"https://openalex.org/W{1000 + i}",
                    "title": f"Work number {i}",
                    "publication_year": 2020,
                    "authorships": [
                        {
                            "author": {
                                "id": f"https://openalex.org/A{5000 + i}",
                                "display_name": "Ada Lovelace",
                            }
                        }
                    ],
                    "abstract_inverted_index": {"Short": [0], "abstract": [1]},
                    "padding": "x" * 5000,  # a large record the parser ignores
                }
            )
        )
    return ("\n".join(rows) + "\n").encode()


def test_first_record_arrives_after_reading_a_small_part_of_a_large_input() -> None:
    data = _lines(4_000)
    assert len(data) > 20_000_000
    stream = CountingStream(data)
    records = parse(Input.from_stdin(io.BufferedReader(stream)))  # type: ignore[arg-type]
    first = next(records)
    assert isinstance(first, WorkRecord) and first.title == "Work number 0"
    assert stream.pulled < 1_000_000  # the head used for detection plus a buffer, not the 20 MB
    assert sum(1 for _ in records) == 3_999


def test_gzip_is_streamed_too() -> None:
    stream = CountingStream(gzip.compress(_lines(4_000)))
    records = parse(Input.from_stdin(io.BufferedReader(stream)))  # type: ignore[arg-type]
    assert next(records).title == "Work number 0"  # type: ignore[union-attr]
    assert stream.pulled < 1_000_000
