"""Staging a CSV bundle by SQL (kg.stage.csv_sql) leaves the store exactly as the record path leaves it: every staged
table row for row (EXCEPT ALL both ways, and the counts), the same rejects in the same order, on a synthetic bundle,
the awkward and the bad bundles of the record path's tests, bundles of tricky cells, random bundles, and bundles
DuckDB might read otherwise (staged whole by the record path)."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path
from typing import Any

import pytest

from bench.stage_speed import compare_stages
from kg.models import Reject
from kg.normalize import title_key
from kg.sources.parsers.csv_bundle import AUTHORSHIP_COLUMNS, AUTHORSHIPS, WORK_COLUMNS, WORKS
from kg.sources.parsers.read import iter_records
from kg.stage.csv_sql import SqlStaged, stage_bundle_sql
from kg.stage.store import StageStore
from kg.synth import SynthParams
from kg.synth import generate as synth
from tests.test_stage_rows import _awkward_bundle, _bad_bundle

RUN = "run:csv-sql"


def _both(bundle: Path, tmp: Path) -> tuple[SqlStaged, dict[str, dict[str, int]]]:
    """Stage the bundle by the record path and by SQL into two new stores; assert every staged table and the
    rejects are the same; return what SQL did and the table comparison."""
    a, b = tmp / f"{bundle.name}-records.duckdb", tmp / f"{bundle.name}-sql.duckdb"
    want: list[Reject] = []

    def records() -> Any:
        for it in iter_records([bundle]):
            if isinstance(it, Reject):
                want.append(it)
            else:
                yield it

    with StageStore(a) as st:
        counts = st.stage(RUN, records())
    with StageStore(b) as st:
        got = stage_bundle_sql(st, bundle, RUN)
    tables = compare_stages(a, b)
    differ = {t: c for t, c in tables.items() if c["only_baseline"] or c["only_this"]}
    assert differ == {}, f"tables differ: {differ}"
    assert [r.model_dump() for r in got.rejects] == [r.model_dump() for r in want]
    assert (got.counts.read, got.counts.new) == (counts.read, counts.new)
    assert got.sql_records + got.python_records == counts.read
    return got, tables


def _write(
    d: Path,
    works: list[tuple[str, ...]],
    auths: list[tuple[str, ...]],
    newline: str = "\n",
    quoting: int = csv.QUOTE_MINIMAL,
) -> Path:
    d.mkdir(parents=True)
    for name, columns, rows in ((WORKS, WORK_COLUMNS, works), (AUTHORSHIPS, AUTHORSHIP_COLUMNS, auths)):
        with (d / name).open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator=newline, quoting=quoting)
            w.writerow(columns)
            w.writerows(rows)
    return d


@pytest.mark.parametrize("parts", [1, 3])
def test_a_synthetic_bundle_is_staged_by_sql_whole_and_exactly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parts: int
) -> None:
    # (in parts, as a bundle whose authors' aggregates would not fit in DuckDB's memory limit is made)
    monkeypatch.setattr(StageStore, "parts_for", lambda self, rows: parts)
    synth(SynthParams(works=3_000, seed=11), tmp_path / "synth")
    got, tables = _both(tmp_path / "synth", tmp_path)
    assert got.whole_python is None
    # (583 of 100k synthetic titles are beyond ASCII: those are keyed by the Python function, in SQL's place)
    assert got.sql_records == 3_000 and got.python_records == 0
    assert tables["mention_src"]["rows"] > 6_000 and tables["inst_ref_src"]["rows"] > 0


def test_a_bundle_staged_by_sql_under_a_small_memory_limit_makes_its_works_in_parts_that_fit(
    tmp_path: Path,
) -> None:
    """A part's authorship rows hold their JSON and their share of their work's payload while the works are made:
    parts sized at the store's per-row allowance alone ran out of memory (the 1M bundle under the 512 MB default,
    once; this bundle under 64 MB, always), so each row counts csv_sql.SQL_ROW_WEIGHT allowances."""
    synth(SynthParams(works=30_000, seed=3), tmp_path / "synth")
    with StageStore(tmp_path / "s.duckdb", memory_limit="64MB") as st:
        got = stage_bundle_sql(st, tmp_path / "synth", RUN)
        staged = st.scalar("SELECT count(*) FROM work_recs")
    assert got.whole_python is None and got.sql_records + got.python_records == 30_000
    assert staged == 30_000


def test_sql_staging_says_how_far_it_is_part_by_part(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """on_progress (kg load's progress bar): what it is doing before the rows are made, then the works made after
    each part, out of those SQL makes, and the rows left to the record path as they are staged."""
    monkeypatch.setattr(StageStore, "parts_for", lambda self, rows: 4)
    bundle = _write(
        tmp_path / "b",
        [(f"w{i}", f"Title {i}" if i % 10 else "Tab\there", "2020", "", "", "", "") for i in range(200)],
        [(f"w{i}", "", f"Author {i % 37}", "1", "", "") for i in range(200)],
    )
    seen: list[tuple[str, int, int]] = []
    with StageStore(tmp_path / "s.duckdb") as st:
        got = stage_bundle_sql(st, bundle, RUN, on_progress=lambda *a: seen.append(a))
    assert (got.sql_records, got.python_records) == (180, 20)
    steps = [w for w, _, _ in seen]
    assert steps[:3] == [
        f"stage b by SQL: {w}" for w in ("check the files", "read the files", "check the rows")
    ]
    made = [(d, t) for w, d, t in seen if w == "stage b by SQL"]
    assert made[0] == (0, 180) and made[-1] == (180, 180) and len(made) == 5  # before, and after each part
    assert [d for d, _ in made] == sorted(d for d, _ in made)
    rest = [(d, t) for w, d, t in seen if "by the record path" in w]
    assert rest and rest[-1] == (20, 20)


def test_the_awkward_bundle_takes_both_paths_and_stages_exactly(tmp_path: Path) -> None:
    got, tables = _both(_awkward_bundle(tmp_path / "awkward"), tmp_path)
    # the work with control characters is repaired by the record path; the rest (a repeated work, names and titles
    # beyond ASCII, rows without positions, typed author ids) by SQL
    assert (got.sql_records, got.python_records) == (8, 1)
    assert tables["records"]["rows"] == 9 and tables["mention_src"]["rows"] == 17


def test_the_bad_bundle_stages_its_good_works_and_rejects_the_rest_in_order(tmp_path: Path) -> None:
    got, _ = _both(_bad_bundle(tmp_path / "bad"), tmp_path)
    assert [(Path(r.file).name, r.line) for r in got.rejects] == [
        (AUTHORSHIPS, 3), (AUTHORSHIPS, 4), (AUTHORSHIPS, 5), (WORKS, 3), (WORKS, 4), (WORKS, 6), (AUTHORSHIPS, 6),
    ]  # fmt: skip


# cells that test each transformation SQL makes: ids typed or not, DOIs and arXiv ids in every form, titles whose
# keys need LaTeX, punctuation and case handled, text SQL must leave to the record path
TRICKY_WORKS = [
    (
        "t1",
        'A "quoted" title with a \\backslash',
        "2020",
        "Venue, with comma",
        "https://doi.org/10.1000/ABC",
        "",
        "",
    ),
    (
        "t2",
        "$\\alpha$-Stable \\emph{Graphs}: under_score & punctuation!",
        "0999",
        "",
        "doi: 10.12345/x y",
        "",
        "",
    ),
    (
        "t3",
        "Year with zeros",
        "02020",
        "",
        "DOI:10.1234/Abc",
        "arXiv:2104.12255v3",
        "An abstract\nover two lines.",
    ),
    ("t4", "Old arXiv id", "1999", "", "10.123/too-short", "https://arxiv.org/abs/Quant-Ph/0201082v2", ""),
    ("t5", "  Edges  of  white space\u3000", "2001", " v ", "", "2104.1225", "\u00a0abstract\u2003"),
    ("t6", "Tab\tinside", "2002", "", "", "", ""),
    ("t7", "Bidi \u202eoverride", "2003", "", "", "", ""),
    # no title key (left to the record path; without a DOI too, the record path fails: "no id", in one_work_props)
    ("t8", "!!! ???", "2004", "", "10.1000/t8", "", ""),
    ("t9", "Ünïcödé " * 30, "2005", "", "", "", ""),  # a long title beyond ASCII
    ("t10", "A year out of range", "2101", "", "", "", ""),
    ("t11", "Position plus", "2006", "", "", "", ""),
    ("t12", "Ids of every kind", "", "", "10.5555/ÜNI", "", ""),
    ("t13", "Escapes \\u0041 and \\b in text", "2007", "", "", "", ""),
    ("t1", "A repeated work id", "2008", "", "", "", ""),
    ("", "", "", "", "", "", ""),  # a blank row
    ("t14", "DEL \x7f char", "2009", "", "", "", ""),
]
TRICKY_AUTHORS = [
    ("t1", "0000-0002-1825-009x", "Ana García", "2", "https://ror.org/00f54p054", "Uni"),
    ("t1", "https://openalex.org/a5000000001/", "X. Song", "1", "I4000000001", ""),
    ("t1", "A123 0000-0002-1825-0097", "Song, Xiang", "", "", "Name Only Institute"),
    ("t1", "p7", "van der Berg, Anna", "", "i9", "Uni  B"),
    ("t2", "a42", "Zhang Wei", "3", "", ""),
    ("t2", "", "Zhang Wei", "3", "", ""),  # the same name key twice: not simple
    ("t3", "orcid.org/0000-0001-2345-6789", "O'Brien, Seán", "1", "", ""),
    ("t3", "0000-0001-2345-6789", "Sean O'Brien", "2", "", ""),  # the same strong id twice
    ("t4", "Ax1", 'A "Quoted" Name', "1", "", ""),
    ("t4", "٠٠٠٠-٠٠٠٢-١٨٢٥-٠٠٩٧", "Arabic Digits", "2", "", ""),  # an ORCID in another script's digits
    ("t4", "a٤٢", "Arabic A", "3", "", ""),
    ("t5", "", "\u2002Spaced Name\u00a0", "1", "", "\u3000Spaced Inst "),
    ("t11", "", "Plus Position", "+1", "", ""),
    ("t12", "Ñ42", "Ünï Name", "1", "", ""),
    ("t13", "", "Back\\slash", "1", "", ""),
    ("t14", "", "D Name", "1", "", ""),
    ("t99", "", "Orphan", "1", "", ""),
    ("t9", "", "王芳", "007", "", "北京大学"),
    ("", "", "No Work", "1", "", ""),
    ("t10", "", "", "1", "", ""),  # no name
]


@pytest.mark.parametrize(
    ("newline", "quoting"), [("\n", csv.QUOTE_MINIMAL), ("\r\n", csv.QUOTE_MINIMAL), ("\r\n", csv.QUOTE_ALL)]
)
def test_tricky_cells_stage_exactly_by_one_path_or_the_other(
    tmp_path: Path, newline: str, quoting: int
) -> None:
    # (with CR LF rows, a line end inside a cell is CR LF too here; an LF alone among them is read alike, as the
    # random bundles and test_lf_alone_among_cr_lf_line_ends_stages_exactly check)
    works = [tuple(c.replace("\n", newline) for c in row) for row in TRICKY_WORKS]
    bundle = _write(tmp_path / "tricky", works, TRICKY_AUTHORS, newline, quoting)
    got, _ = _both(bundle, tmp_path)
    assert got.whole_python is None
    assert got.sql_records >= 5 and got.python_records >= 5


_CELLS = [
    "", "", "x", "Li Wang", "li  wang", "Wang, Li", "Zoë", "王芳", " pad ", "a,b", 'q"q', "multi\nline", "\\", "A1",
    "a5000000001", "0000-0002-1825-0097", "I4000000001", "https://ror.org/00f54p054", "10.1000/x", "2104.12255",
    "1", "2", "0", "-1", "01", "2020", "1500", "3000", "$x$", "_", "!", "\u00a0", "\u2028x", "tab\tx", "\x01",
]  # fmt: skip


# titles: none without a title key ("!", "_"): with no DOI either, the record path fails on them ("no id")
_TITLES = [c for c in _CELLS if title_key(c) or not c.strip() or c == "\x01"]


_YEARS = ["", "", "2020", "1999", "02001", "3000", "soon"]
_IDS = ["", "", "10.1000/X", "https://doi.org/10.1000/y", "2104.12255v1", "math/0101001", "10.1/short", "ü"]
_POSITIONS = ["", "1", "1", "2", "3", "0", "x"]


def _random_bundle(d: Path, rng: random.Random) -> Path:
    wids = [f"w{i}" for i in range(rng.randint(0, 8))] + [""]
    works = [
        (rng.choice(wids), rng.choice(_TITLES), rng.choice(_YEARS), rng.choice(_CELLS), rng.choice(_IDS),
         rng.choice(_IDS), rng.choice(_CELLS))
        for _ in range(rng.randint(0, 10))
    ]  # fmt: skip
    auths = [
        (rng.choice([*wids, "orphan"]), rng.choice(_CELLS), rng.choice(_CELLS), rng.choice(_POSITIONS),
         rng.choice(_CELLS), rng.choice(_CELLS))
        for _ in range(rng.randint(0, 25))
    ]  # fmt: skip
    return _write(d, works, auths, rng.choice(["\n", "\r\n"]), rng.choice([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))


def test_random_bundles_stage_exactly(tmp_path: Path) -> None:
    rng = random.Random(15)
    paths = {"sql": 0, "python": 0}
    for i in range(60):
        got, _ = _both(_random_bundle(tmp_path / f"r{i}", rng), tmp_path)
        paths["sql"] += got.sql_records
        paths["python"] += got.python_records
    assert paths["sql"] >= 20 and paths["python"] >= 20  # both paths were taken, often


@pytest.mark.parametrize(
    ("works_text", "why"),
    [
        ("w1,Title,2020,,,,\n\nw2,Other,2020,,,,\n", "blank line"),
        ('w1, "Spaced quote",2020,,,,\n', "white space before a quote"),
        ("w1,Title,2020,,,,\rw2,Other,2021,,,,\n", "mixes line ends"),
        ("w1,Title\x00,2020,,,,\n", "NUL byte"),
        ("w1,Title,2020,,,\n", "DuckDB reads it otherwise"),
        ('w1,"Title"x,2020,,,,\n', "DuckDB reads it otherwise"),
        ("w1,Title,2020,,,,,extra\n", "DuckDB reads it otherwise"),
        ("w1,Ti\udcfftle,2020,,,,\n", "DuckDB reads it otherwise"),  # a byte that is not UTF-8
    ],
)
def test_a_bundle_duckdb_may_read_otherwise_is_staged_by_the_record_path(
    tmp_path: Path, works_text: str, why: str
) -> None:
    d = tmp_path / "odd"
    d.mkdir()
    (d / WORKS).write_bytes((",".join(WORK_COLUMNS) + "\n" + works_text).encode("utf-8", "surrogateescape"))
    (d / AUTHORSHIPS).write_text(",".join(AUTHORSHIP_COLUMNS) + "\nw1,,Some One,1,,\n", encoding="utf-8")
    got, _ = _both(d, tmp_path)
    assert got.whole_python is not None and why in got.whole_python


def test_a_bundle_staged_again_adds_nothing(tmp_path: Path) -> None:
    bundle = _awkward_bundle(tmp_path / "awkward")
    with StageStore(tmp_path / "once.duckdb") as st:
        first = stage_bundle_sql(st, bundle, RUN)
        again = stage_bundle_sql(st, bundle, RUN)
        rows = st.stats()
    assert (first.counts.read, first.counts.new) == (9, 9)
    assert (again.counts.read, again.counts.new) == (9, 0)
    assert rows["records"] == 9 and rows["mention_src"] == 17


def test_sql_strips_a_cell_as_str_strip_does() -> None:
    """kg_strip (a short cut for cells edged by printable ASCII, else trim by every white-space character) against
    str.strip on random strings of white space, printable and control characters."""
    import duckdb

    from kg.stage.csv_sql import _MACROS

    con = duckdb.connect()
    con.execute(_MACROS)
    spaces = [chr(c) for c in range(0x110000) if chr(c).isspace()]
    pool = [*spaces, "a", "é", "~", "!", '"', "\x7f", "王", "\x01", "\u200b"]
    rng = random.Random(7)
    values = ["".join(rng.choice(pool) for _ in range(rng.randint(0, 5))) for _ in range(5_000)]
    got = con.execute("SELECT list(kg_strip(x) ORDER BY i) FROM unnest(?) WITH ORDINALITY t(x, i)", [values])
    assert got.fetchone()[0] == [v.strip() for v in values]  # type: ignore[index]


def _mixed_inputs(tmp: Path) -> list[Path]:
    """Inputs of every kind in one load: a bundle named by its works.csv, a file of rejects, a bundle of rejects, a
    directory that is a bundle and holds other files and bundles too (one DuckDB may read otherwise, one without its
    columns), another format."""
    import shutil

    bad = Path(__file__).resolve().parent / "data" / "bad"
    inputs = tmp / "inputs"
    inputs.mkdir()
    shutil.copy(bad / "truncated.jsonl", inputs / "a-truncated.jsonl")
    mixed = _awkward_bundle(inputs / "mixed")
    shutil.copy(bad / "invalid_json.jsonl", mixed / "more.jsonl")
    shutil.copytree(bad / "csv_extra_columns", mixed / "sub" / "extra")
    shutil.copytree(bad / "csv_missing_columns", mixed / "sub" / "missing")
    return [
        # a bundle named by its works.csv (by SQL too; by the record path, chunks made by the worker processes)
        kill_bundle(inputs / "named", works=40) / WORKS,
        inputs / "a-truncated.jsonl",
        _bad_bundle(inputs / "bad"),
        mixed,
        Path(__file__).resolve().parent.parent / "kg" / "data" / "openalex_works.jsonl.gz",
    ]


def test_kg_load_s_sql_staging_counts_and_stages_what_the_record_path_does(tmp_path: Path) -> None:
    """KG_STAGE_SQL in kg load (each bundle a SqlBundle of iter_units, staged by SQL in its place among the other
    inputs, through the worker pool): the same summary counts, the same rejects file byte for byte and the same
    staged tables as the record path, with bundles among other inputs and other files inside a bundle's
    directory."""
    from kg.pipeline import LoadSummary, RejectSink, counted_records
    from kg.sources.parsers.read import iter_units
    from kg.stage.parallel import Workers

    inputs = _mixed_inputs(tmp_path)
    assert inputs[-1].is_file()
    done = {}
    for way in ("records", "sql"):
        summary = LoadSummary(run_id=RUN, rejects_file=str(tmp_path / f"rejects-{way}.jsonl"))
        sink = RejectSink(str(summary.rejects_file))
        sources: list[tuple[str, Any]] = [
            (str(p), iter_units([p], chunk=5, sql_bundles=way == "sql")) for p in inputs
        ]
        seen: list[str] = []
        with StageStore(tmp_path / f"load-{way}.duckdb") as st, Workers(2, chunk=5, min_chunks=1) as workers:
            records = counted_records(
                sources, summary, sink, None, workers, lambda what, _d, _t, into=seen: into.append(what)
            )
            summary.new_records += st.stage(RUN, records).new
        sink.close()
        done[way] = summary
        # the named bundle, the three bundles in the mixed directory and the bad one are staged by SQL (or said to
        # go whole)
        assert sum("check the files" in w for w in seen) == (5 if way == "sql" else 0)
    a, b = done["records"], done["sql"]
    assert (b.read, b.loaded, b.new_records, b.rejected, b.notes, b.sources) == (
        a.read, a.loaded, a.new_records, a.rejected, a.notes, a.sources,
    )  # fmt: skip
    assert a.notes == 1 and a.loaded > 11 and a.rejected > 7
    rejects = [Path(str(s.rejects_file)).read_text(encoding="utf-8") for s in (a, b)]
    assert rejects[0] == rejects[1]
    files = ["/".join(Path(json.loads(line)["file"]).parts[-2:]) for line in rejects[0].splitlines()]
    # rejects of the inputs in their order: the bundles' among the others', not first
    assert files.index("named/authorships.csv") < files.index("inputs/a-truncated.jsonl")
    assert (
        files.index("inputs/a-truncated.jsonl")
        < files.index("bad/authorships.csv")
        < files.index("mixed/more.jsonl")
    )
    tables = compare_stages(tmp_path / "load-records.duckdb", tmp_path / "load-sql.duckdb")
    assert all(c["only_baseline"] == c["only_this"] == 0 for c in tables.values()), tables


# Staging by SQL paused (to be killed) at the Nth thing it says (argv[1]), three parts however small the bundle;
# then `kg load ARGS…` (argv[2] "load") or the load's staging of one bundle into a store (argv[2] "stage")
PAUSED = """
import sys, time
from pathlib import Path
from kg.stage import csv_sql
from kg.stage.store import StageStore

StageStore.parts_for = lambda self, rows: 3
_stage, at, seen = csv_sql.stage_bundle_sql, int(sys.argv[1]), []


def paused(store, directory, run_id, on_progress=None):
    def progress(what, done, total):
        seen.append(what)
        if len(seen) == at:
            print(f"paused at {what} {done}/{total}", flush=True)
            time.sleep(600)
        if on_progress:
            on_progress(what, done, total)

    return _stage(store, directory, run_id, progress)


csv_sql.stage_bundle_sql = paused

if __name__ == "__main__":
    if sys.argv[2] == "load":
        from kg.cli.app import main

        main(sys.argv[3:])
    else:
        from tests.test_stage_csv_sql import load_stage

        load_stage(Path(sys.argv[3]), Path(sys.argv[4]))
        print(f"done after {len(seen)}", flush=True)
"""


def kill_bundle(d: Path, works: int = 300) -> Path:
    """A bundle SQL stages in parts, with works left to the record path (a tab in the title) and rejects."""
    rows = [
        (f"k{i}", f"Killed {i}" + ("\tx" if i % 7 == 0 else ""), str(1990 + i % 30), "", "", "", "")
        for i in range(works)
    ]
    auths = [
        (f"k{i}", f"a{(i * j) % 97}", f"Author {(i * j) % 97}", str(j), "", "")
        for i in range(works)
        for j in (1, 2)
    ]
    return _write(
        d, rows, [*auths, ("k1", "", "Bad Position", "x", "", ""), ("k-none", "", "Orphan", "1", "", "")]
    )


def load_stage(bundle: Path, db: Path) -> None:
    """What kg load does to stage one bundle by SQL (iter_units, the workers' stream, StageStore.stage)."""
    from kg.pipeline import LoadSummary, RejectSink, counted_records
    from kg.sources.parsers.read import iter_units
    from kg.stage.parallel import Workers

    summary = LoadSummary(run_id=RUN, rejects_file=str(db.with_suffix(".rejects.jsonl")))
    sink = RejectSink(str(summary.rejects_file))
    sources: list[tuple[str, Any]] = [(str(bundle), iter_units([bundle], chunk=50, sql_bundles=True))]
    with StageStore(db) as st, Workers(1) as workers:
        st.stage(RUN, counted_records(sources, summary, sink, None, workers))
    sink.close()


def paused_process(tmp: Path, at: int, *args: str, env: dict[str, str] | None = None) -> Any:
    """The PAUSED script at `at`, once it says it is paused; or its exit code, when it finished without pausing."""
    import os
    import subprocess
    import sys

    script = tmp / "paused.py"
    script.write_text(PAUSED, encoding="utf-8")
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen(
        [sys.executable, str(script), str(at), *args],
        stdout=subprocess.PIPE,
        text=True,
        env={**(env or os.environ), "PYTHONPATH": str(root)},
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("paused at"):
            return proc
    return proc.wait()


def test_sql_staging_killed_at_any_point_then_run_again_stages_what_a_clean_load_stages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """kill -9 at every point SQL staging reports (before the rows are made, between parts of its one transaction,
    after the record path's rows), then the same staging again: every staged table equals one clean staging's."""
    import signal

    bundle = kill_bundle(tmp_path / "bundle")
    clean = tmp_path / "clean.duckdb"
    assert paused_process(tmp_path, 0, "stage", str(bundle), str(clean)) == 0
    points = []
    monkeypatch.setattr(StageStore, "parts_for", lambda self, rows: 3)  # (as PAUSED stages)
    with StageStore(tmp_path / "count.duckdb") as st:
        stage_bundle_sql(st, bundle, RUN, on_progress=lambda w, d, t: points.append((w, d, t)))
    assert len(points) >= 8 and any(0 < d < t for w, d, t in points if w.endswith("by SQL"))
    for at in range(1, len(points) + 1):
        killed = tmp_path / f"killed-{at}.duckdb"
        proc = paused_process(tmp_path, at, "stage", str(bundle), str(killed))
        assert not isinstance(proc, int), f"never paused at {at}"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        load_stage(bundle, killed)
        tables = compare_stages(clean, killed)
        assert all(c["only_baseline"] == c["only_this"] == 0 for c in tables.values()), (
            points[at - 1],
            tables,
        )


def test_sql_keys_an_ascii_title_as_title_key_does() -> None:
    """kg_title_key_ascii against kg.normalize.title_key on random ASCII titles (LaTeX, punctuation, controls)."""
    import duckdb

    from kg.stage.csv_sql import _MACROS

    con = duckdb.connect()
    con.execute(_MACROS)
    pool = ["a", "B", "z9", " ", "  ", "_", "-", "!", "$", "$x$", "\\alpha", "\\", "\t", "\x1c", "\x00"]  # fmt: skip
    rng = random.Random(3)
    titles = ["".join(rng.choice(pool) for _ in range(rng.randint(0, 8))) for _ in range(5_000)]
    got = con.execute(
        "SELECT list(kg_title_key_ascii(x) ORDER BY i) FROM unnest(?) WITH ORDINALITY t(x, i)", [titles]
    )
    assert got.fetchone()[0] == [title_key(t) for t in titles]  # type: ignore[index]


def test_kg_load_stages_bundles_by_sql_by_default_and_kg_stage_sql_0_is_the_way_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The setting, and what kg load's inputs give for a bundle directory with it on and off."""
    from kg.cli.load import _sources
    from kg.config import Settings
    from kg.sources.parsers.read import BundleChunk, SqlBundle

    bundle = kill_bundle(tmp_path / "b", works=20)
    monkeypatch.delenv("KG_STAGE_SQL", raising=False)
    assert Settings().stage_sql is True
    monkeypatch.setenv("KG_STAGE_SQL", "0")
    assert Settings().stage_sql is False
    for on, kind in ((True, SqlBundle), (False, BundleChunk)):
        # the bundle named by its directory or by one of its two files
        for named in (bundle, bundle / "works.csv", bundle / "authorships.csv"):
            units = [u for _, us in _sources([str(named)], None, None, on) for u in us]
            assert {type(u) for u in units} == {kind}, named
            assert all(u.directory == bundle for u in units if isinstance(u, SqlBundle))


@pytest.mark.parametrize(
    ("works_text", "by_sql"),
    [
        ("w1,Title,2020,,,,\r\nw2,Other,2021,,,,\nw3,Third,2022,,,,\r\n", True),  # rows ended both ways
        # LF alone in cells (those rows go the record path, as any line end in a cell does; the bundle is not whole)
        ('w1,"Two\nlines",2020,,,,\r\nw2,"Three\r\nlines\nhere",2021,,,,\r\nw3,Plain,2022,,,,\r\n', True),
        ('w1,"Ends in CR\r",2020,,,,\r\nw2,Other,2021,,,,\r\n', False),  # a CR alone: the record path's
    ],
)
def test_lf_alone_among_cr_lf_line_ends_stages_exactly(tmp_path: Path, works_text: str, by_sql: bool) -> None:
    """What Python's csv.writer writes for a cell holding an LF (its rows end in CR LF): staged by SQL, exactly."""
    d = tmp_path / "lf"
    d.mkdir()
    (d / WORKS).write_bytes((",".join(WORK_COLUMNS) + "\r\n" + works_text).encode())
    (d / AUTHORSHIPS).write_bytes((",".join(AUTHORSHIP_COLUMNS) + "\r\nw1,,Some One,1,,\r\n").encode())
    got, _ = _both(d, tmp_path)
    assert (got.whole_python is None) == by_sql and got.sql_records + got.python_records >= 2
    assert (got.sql_records > 0) == by_sql
