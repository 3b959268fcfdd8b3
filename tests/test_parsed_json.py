"""A record's JSON as its validation wrote it (WorkRecord.parsed_json), which the staging workers use instead of
writing it again: it is the record's own JSON for every CSV bundle record, is never offered for a record that
cleaning or a later assignment changed, and is kept only where asked for (parsed_json_kept)."""

from __future__ import annotations

import csv
from pathlib import Path

from kg.models import Provenance, Reject, WorkRecord, parsed_json_kept
from kg.sources.parsers.read import iter_records
from kg.stage.store import keyed_rows
from kg.synth import SynthParams
from kg.synth import generate as synth


def _bundle(root: Path) -> Path:
    d = root / "b"
    synth(SynthParams(works=300, seed=3), d)
    with (d / "works.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    rows[5][1] = "A title with a NUL\x00 inside"  # repaired: loaded without the control character
    rows[9][1] = ""  # rejected: no title
    with (d / "works.csv").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return d


def test_every_csv_record_offers_its_own_json_or_none_when_repaired(tmp_path: Path) -> None:
    bundle = _bundle(tmp_path)
    assert all(
        r.parsed_json() is None for r in iter_records([bundle]) if not isinstance(r, Reject)
    )  # not kept unless asked for
    with parsed_json_kept():
        recs = [r for r in iter_records([bundle]) if not isinstance(r, Reject)]
    assert len(recs) == 299
    repaired = [r for r in recs if r.repairs]
    assert len(repaired) == 1 and repaired[0].parsed_json() is None
    assert repaired[0].title == "A title with a NUL inside"
    others = [r for r in recs if not r.repairs]
    assert all(r.parsed_json() == r.model_dump_json() for r in others)
    # the rows the workers stage from it are the rows written from fresh JSON
    fresh = keyed_rows("run:t", recs)
    parsed = keyed_rows("run:t", recs, as_parsed=True)
    assert list(fresh) == list(parsed)
    strip = [{k: v for k, v in row.items() if k != "_obj"} for row in fresh.values()]
    assert strip == [{k: v for k, v in row.items() if k != "_obj"} for row in parsed.values()]


def test_a_field_set_after_validation_withdraws_the_parsed_json() -> None:
    with parsed_json_kept():
        rec = WorkRecord(prov=Provenance(source="csv", file="w.csv", line=2), title="First")
    assert rec.parsed_json() == rec.model_dump_json()
    rec.title = "Second"
    assert rec.parsed_json() is None
    row = next(iter(keyed_rows("run:t", [rec], as_parsed=True).values()))
    assert '"title":"Second"' in row["payload"]
