"""The OpenAlex topic table (one CSV row per topic: topic → subfield → field → domain): its columns, the ids it
makes, what one row means, and reading it. The one place that knows the file; the taxonomy, the synthetic corpus
and the `kg parse` / `kg load` parser all read it through here."""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from kg.errors import InputError

COLUMNS = frozenset(
    {
        "topic_id",
        "new_topic_label",
        "subfield_id",
        "subfield_name",
        "field_id",
        "field_name",
        "domain_id",
        "domain_name",
        "keywords",
    }
)
# the header columns that tell the table from any other CSV (format detection)
HEADER_COLUMNS = ("topic_id", "new_topic_label", "subfield_id", "field_id", "domain_id")


def topic_node_id(level: str, raw_id: str | int) -> str:
    """'openalex:T10001' for a topic, 'openalex:subfield:1702', 'openalex:field:17', 'openalex:domain:3'."""
    if level == "topic":
        return f"openalex:T{raw_id}"
    return f"openalex:{level}:{raw_id}"


@dataclass(frozen=True)
class TopicEntry:
    """One row: the topic (its current label, else its former one), its keywords and summary, and its parents."""

    topic_id: int
    name: str
    old_name: str
    keywords: tuple[str, ...]
    summary: str
    subfield_id: int
    subfield_name: str
    field_id: int
    field_name: str
    domain_id: int
    domain_name: str

    def node_id(self, level: str) -> str:
        """The Topic node id of this row's node at `level` (topic, subfield, field, domain)."""
        return topic_node_id(level, self.topic_id if level == "topic" else getattr(self, f"{level}_id"))

    def level_name(self, level: str) -> str:
        return self.name if level == "topic" else str(getattr(self, f"{level}_name"))


def parse_row(row: Mapping[str, str]) -> TopicEntry:
    """One row as a TopicEntry; KeyError for a missing column, ValueError / TypeError for an id that is no number."""

    def text(column: str) -> str:
        return (row.get(column) or "").strip()

    new, old = text("new_topic_label"), text("old_topic_label")
    return TopicEntry(
        topic_id=int(row["topic_id"]),
        name=new or old,
        old_name=old,
        keywords=tuple(k.strip() for k in text("keywords").split(";") if k.strip()),
        summary=text("summary"),
        subfield_id=int(row["subfield_id"]),
        subfield_name=(row["subfield_name"] or "").strip(),
        field_id=int(row["field_id"]),
        field_name=(row["field_name"] or "").strip(),
        domain_id=int(row["domain_id"]),
        domain_name=(row["domain_name"] or "").strip(),
    )


def open_table(path: Path) -> IO[str]:
    """The table as text, gzipped or not."""
    with path.open("rb") as probe:
        gz = probe.read(2) == b"\x1f\x8b"
    if gz:
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return path.open(encoding="utf-8", newline="")


def read_table(path: Path) -> Iterator[TopicEntry]:
    """Every row of the table at `path`; one clear InputError naming the file (and line) for anything else."""
    if not path.is_file():
        raise InputError(f"{path}: no such taxonomy file")
    try:
        with open_table(path) as fh:
            reader = csv.DictReader(fh)
            missing = COLUMNS - set(reader.fieldnames or [])
            if missing:
                raise InputError(
                    f"{path}: not an OpenAlex topic table (missing columns: {', '.join(sorted(missing))})"
                )
            for i, row in enumerate(reader, start=2):
                try:
                    yield parse_row(row)
                except (TypeError, ValueError) as e:
                    raise InputError(f"{path}:{i}: an id is not a number ({e})") from e
    except (OSError, EOFError, UnicodeDecodeError, csv.Error) as e:
        raise InputError(f"{path}: cannot read the taxonomy ({e})") from e
