"""Staging stores exactly the rows each record stages as (kg.stage.records), whatever the fast path does on the way
(rows to Arrow as struct arrays, the cycle collector paused per chunk, cached keys): every stage table of a store
staged by StageStore.stage is compared row for row with a plain reference store, built record by record through
pa.Table.from_pylist, on CSV bundles with awkward cases and on one with bad rows (rejected with file and line)."""

from __future__ import annotations

import csv
import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from bench.stage_speed import compare_stages
from kg.models import Record, Reject, WorkRecord
from kg.sources.parsers.csv_bundle import AUTHORSHIP_COLUMNS, AUTHORSHIPS, WORK_COLUMNS, WORKS
from kg.sources.parsers.read import iter_records
from kg.stage import records as stage_records
from kg.stage.store import _RECORDS_SCHEMA, STAGED_TABLES, StageStore, record_key
from kg.synth import SynthParams
from kg.synth import generate as synth

RUN = "run:test-stage-rows"


def _write(path: Path, columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        w.writerows(rows)


W1 = ("w1", "Graph Learning at Scale", "2021", "NeurIPS", "10.1000/ABC.1", "2104.12255", "An abstract.")


def _awkward_bundle(d: Path) -> Path:
    """Missing fields, authors without ids, one name twice on a work, a name on two works, names and titles beyond
    ASCII, a work without authors, rows without positions, a repaired control character, a repeated work."""
    d.mkdir()
    _write(
        d / WORKS,
        WORK_COLUMNS,
        [
            W1,
            ("w2", "A work with nothing else", "", "", "", "", ""),
            ("w3", "Two Li Wangs on one paper", "2019", "", "", "", ""),
            ("w4", "No authors at all", "2020", "Some Venue", "", "", ""),
            ("w5", "Über $\\alpha$-Graphen: Zoë's café", "1999", "Zeitschrift für Graphen", "", "", "Ä"),
            ("w6", "graph learning at scale!", "2021", "", "", "", ""),  # the title key of w1
            ("w7", "Positions left blank", "2018", "", "", "", ""),
            ("w8", "A name with a control\x01 character", "2017", "", "", "", ""),
            W1,
        ],
    )
    _write(
        d / AUTHORSHIPS,
        AUTHORSHIP_COLUMNS,
        [
            ("w1", "A5000000001", "Xiang Song", "1", "I4000000001", "Uni A"),
            ("w1", "0000-0002-1825-0097", "Ana García", "2", "", "Instituto Sin Id"),
            ("w1", "", "No Id Person", "3", "", ""),
            ("w2", "", "Zhang Wei", "1", "", ""),
            ("w3", "", "Li Wang", "1", "", ""),
            ("w3", "p7", "Li Wang", "2", "i9", ""),
            ("w3", "", "li  wang", "3", "", ""),
            ("w5", "", "王芳", "1", "", "北京大学"),
            ("w5", "", "Zoë Ñúñez", "2", "https://ror.org/00f54p054", ""),
            ("w6", "A5000000001", "X. Song", "1", "I4000000001", "Uni A"),
            ("w7", "", "Later Author", "", "", ""),
            ("w7", "", "First Author", "1", "", ""),
            ("w7", "", "Also Later", "", "", ""),
            ("w8", "", "Con\x02trol Name", "1", "", ""),
        ],
    )
    return d


def _bad_bundle(d: Path) -> Path:
    """Good works among bad rows: each bad row is rejected with its file and line, the rest staged."""
    d.mkdir()
    _write(
        d / WORKS,
        WORK_COLUMNS,
        [
            ("b1", "A good work", "2020", "", "", "", ""),
            ("b2", "", "2020", "", "", "", ""),  # line 3: no title
            ("b3", "A year that is not one", "soon", "", "", "", ""),  # line 4
            ("b4", "Another good work", "1800", "", "", "", ""),
            ("", "No work id", "2020", "", "", "", ""),  # line 6
        ],
    )
    _write(
        d / AUTHORSHIPS,
        AUTHORSHIP_COLUMNS,
        [
            ("b1", "", "Good Author", "1", "", ""),
            ("b1", "", "Bad Position", "first", "", ""),  # line 3
            ("b1", "", "", "2", "", ""),  # line 4: no name
            ("b4", "", "Old Author", "0", "", ""),  # line 5: position 0
            ("b9", "", "Orphan Author", "1", "", ""),  # line 6: no such work
            ("b4", "", "Fine Author", "1", "", ""),
        ],
    )
    return d


def _items(bundle: Path) -> list[Record | Reject]:
    return list(iter_records([bundle]))


def _records(items: list[Record | Reject]) -> Iterator[Record]:
    return (it for it in items if not isinstance(it, Reject))


def _reference_store(path: Path, recs: list[Record]) -> None:
    """The stage tables built the plain way: one record at a time, rows as dicts, Arrow by from_pylist."""
    with StageStore(path) as st:
        seen: set[str] = set()
        tables: dict[str, list[dict[str, Any]]] = {name: [] for name in stage_records.SCHEMAS}
        rows: list[dict[str, Any]] = []
        for r in recs:
            assert isinstance(r, WorkRecord)
            payload = r.model_dump_json()
            key = record_key(r, payload)
            if key in seen:
                continue
            seen.add(key)
            ref = f"{r.prov.source}:{r.prov.ref}"
            rows.append(
                {
                    "rec": key,
                    "kind": r.kind,
                    "source": r.prov.source,
                    "ref": ref,
                    "run_id": RUN,
                    "payload": payload,
                }
            )
            stage_records.work_stage_rows(key, key, r, None, tables)
        for name, table_rows in [*tables.items(), ("records", rows)]:
            s = stage_records.SCHEMAS.get(name, _RECORDS_SCHEMA)
            if table_rows:
                st.insert_arrow(name, pa.Table.from_pylist(table_rows, schema=s))


def _staged(path: Path, recs: Iterator[Record], chunk: int) -> None:
    with StageStore(path) as st:
        st.begin_run(RUN, [], None)
        st.stage(RUN, recs, chunk=chunk)


def _same_as_reference(bundle: Path, tmp: Path, chunk: int) -> dict[str, int]:
    """Stage the bundle both ways; every staged table must hold the same rows. Returns the rows per table."""
    items = _items(bundle)
    _reference_store(tmp / "reference.duckdb", list(_records(items)))
    _staged(tmp / "staged.duckdb", _records(items), chunk)
    diff = compare_stages(tmp / "reference.duckdb", tmp / "staged.duckdb")
    assert {t: (d["only_baseline"], d["only_this"]) for t, d in diff.items()} == dict.fromkeys(
        STAGED_TABLES, (0, 0)
    )
    return {t: d["rows"] for t, d in diff.items()}


@pytest.mark.parametrize("chunk", [3, 20_000])
def test_an_awkward_bundle_stages_exactly_the_rows_of_its_records(tmp_path: Path, chunk: int) -> None:
    rows = _same_as_reference(_awkward_bundle(tmp_path / "awkward"), tmp_path, chunk)
    # nine records (w1 twice, from two lines: each copy gets all of w1's authors); its typed ids (doi, arXiv, title
    # key each), mentions and institutions; the tables this bundle gives nothing stay empty
    assert rows == {
        "records": 9,
        "work_recs": 9,
        "work_keys": 2 * 3 + 7,
        "mention_src": 2 * 3 + 1 + 3 + 2 + 1 + 3 + 1,
        "topic_ref_src": 0,
        "inst_ref_src": 2 * 2 + 1 + 2 + 1,
        "ref_src": 0,
        "researcher_recs": 0,
        "institution_recs": 0,
        "topic_recs": 0,
    }
    con = duckdb.connect(str(tmp_path / "staged.duckdb"), read_only=True)
    by_name = dict(
        con.execute(
            "SELECT name, strong FROM mention_src WHERE wrec IN (SELECT wrec FROM work_recs WHERE w_title = 'Graph Learning at Scale')"
        ).fetchall()
    )
    con.close()
    # an author without ids has no strong ids (an empty list, not a missing value); the others are typed
    assert by_name == {
        "Xiang Song": ["openalex:A5000000001"],
        "Ana García": ["orcid:0000-0002-1825-0097"],
        "No Id Person": [],
    }


def test_a_synthetic_bundle_stages_exactly_the_rows_of_its_records(tmp_path: Path) -> None:
    bundle = tmp_path / "synth"
    synth(SynthParams(works=1_500, seed=7), bundle)
    rows = _same_as_reference(bundle, tmp_path, chunk=400)
    assert rows["records"] == rows["work_recs"] == 1_500
    assert rows["mention_src"] > 3_000


def test_a_bundle_with_bad_rows_stages_the_good_ones_and_rejects_the_rest_by_file_and_line(
    tmp_path: Path,
) -> None:
    bundle = _bad_bundle(tmp_path / "bad")
    rejects = [(Path(it.file).name, it.line) for it in _items(bundle) if isinstance(it, Reject)]
    assert rejects == [
        (AUTHORSHIPS, 3),
        (AUTHORSHIPS, 4),
        (AUTHORSHIPS, 5),
        (WORKS, 3),
        (WORKS, 4),
        (WORKS, 6),
        (AUTHORSHIPS, 6),
    ]
    rows = _same_as_reference(bundle, tmp_path, chunk=1)
    assert rows["records"] == 2 and rows["mention_src"] == 2


def test_the_cycle_collector_runs_again_after_staging_even_when_it_fails(tmp_path: Path) -> None:
    def failing() -> Iterator[Record]:
        yield from _records(_items(_awkward_bundle(tmp_path / "awkward")))
        raise RuntimeError("the input broke")

    assert gc.isenabled()
    with pytest.raises(RuntimeError, match="the input broke"):
        _staged(tmp_path / "staged.duckdb", failing(), chunk=3)
    assert gc.isenabled()


def test_a_mention_s_strong_ids_are_typed_as_identity_types_them() -> None:
    """mention_strong writes out kg.identity.typed_strong_ids for one mention: every combination of its ids,
    a source id that reads like a typed id included, gives the same list."""
    from itertools import product

    from kg.identity import Mention, typed_strong_ids

    choices = {
        "orcid": [None, "0000-0002-1825-0097"],
        "openalex": [None, "A5023888391"],
        "profile": [None, "p-7"],
        "src_id": [None, "csv:A1", "orcid:0000-0002-1825-0097", "s2:99"],
    }
    for values in product(*choices.values()):
        m = Mention(source="csv", name="Ann Lee", **dict(zip(choices, values, strict=True)))
        expected = sorted(typed_strong_ids({k: [v] for k, v in m.strong().items()}))
        assert stage_records.mention_strong(m) == expected, values
