"""Per-record limits at parse time (issue 24): a value too large for Neo4j's index keys, too many authors, an
overlong line or a compressed "bomb" is one reject naming the file and line; everything else loads."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from neo4j import Driver
from pydantic import ValidationError

from kg import graphdb
from kg.config import REPO_ROOT, Settings
from kg.models import MAX_AUTHORS, AuthorRef, Provenance, Reject, WorkRecord
from kg.sources.parsers import iter_records
from kg.sources.parsers.csv_bundle import parse_bundle
from tests.kg_process import run_kg

# The limits as a user reads them in the messages (kg/sources/parsers/base.py and kg/models.py hold them).
MAX_LINE_BYTES = 32 * 1024 * 1024
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
MAX_KEY_BYTES = 4_000

GOOD = 60


def _work(n: int, **extra: object) -> dict[str, object]:
    return {
        "id": f"https://openalex.org/W{7000 + n}",
        "doi": f"https://doi.org/10.5555/limits.{n}",
        "title": f"A perfectly ordinary paper number {n}",
        "publication_year": 2000 + n % 20,
        "authorships": [
            {"author": {"display_name": f"Ordinary Author{n}"}, "raw_author_name": f"Ordinary Author{n}"}
        ],
        **extra,
    }


def _oversized_name() -> dict[str, object]:
    name = "N" * 10_000
    return _work(999, authorships=[{"author": {"display_name": name}, "raw_author_name": name}])


def _oversized_doi() -> dict[str, object]:
    return _work(998, doi="https://doi.org/10.5555/" + "d" * 9_000)


def _file(tmp_path: Path, bad: dict[str, object], name: str = "works.jsonl") -> Path:
    """GOOD ordinary records with the bad one in the middle (line 31)."""
    rows = [_work(n) for n in range(GOOD // 2)] + [bad] + [_work(n) for n in range(GOOD // 2, GOOD)]
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (_oversized_name, "author 1's name is 10,000 characters long (at most 1,000)"),
        (_oversized_doi, "invalid record: doi is 9,008 characters long (at most 1,000)"),
    ],
)
def test_kg_parse_rejects_the_oversized_record_and_keeps_the_other_60(
    tmp_path: Path, bad: object, reason: str
) -> None:
    _file(tmp_path, bad())  # type: ignore[operator]
    result = run_kg(["parse", "works.jsonl"], cwd=tmp_path)
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["title"] for o in out if o["kind"] == "work"] == [_work(n)["title"] for n in range(GOOD)]
    rejects = [o for o in out if o["kind"] == "reject"]
    assert [(r["file"], r["line"], r["reason"]) for r in rejects] == [("works.jsonl", 31, reason)]
    assert result.stderr.splitlines() == [f"rejected works.jsonl:31: {reason}", "60 parsed, 1 rejected"]
    assert result.returncode == 3


@pytest.mark.neo4j
def test_kg_load_rejects_the_oversized_records_and_loads_the_other_60(
    tmp_path: Path, graph: Driver, neo4j_settings: Settings, cli_env: dict[str, str]
) -> None:
    rows = (
        [_work(n) for n in range(GOOD // 2)]
        + [_oversized_name()]
        + [_work(n) for n in range(GOOD // 2, GOOD)]
        + [_oversized_doi()]
    )
    (tmp_path / "works.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = run_kg(
        ["load", "works.jsonl", "--no-derived", "--rejects", "rejects.jsonl"], cwd=tmp_path, env=cli_env
    )
    assert result.returncode == 3, result.stderr
    assert result.stdout.startswith("load run run:")
    assert ": read 62, loaded 60, rejected 2 (" in result.stdout.splitlines()[0]
    titles = graphdb.run(graph, "MATCH (w:Work) RETURN w.title AS t ORDER BY t", settings=neo4j_settings)
    assert [r["t"] for r in titles] == sorted(_work(n)["title"] for n in range(GOOD))
    authors = graphdb.run(
        graph, "MATCH (r:Researcher) RETURN max(size(r.name)) AS longest", settings=neo4j_settings
    )
    assert authors == [{"longest": len("Ordinary Author59")}]
    rejects = [json.loads(line) for line in (tmp_path / "rejects.jsonl").read_text().splitlines()]
    assert [(r["file"], r["line"], r["reason"]) for r in rejects] == [
        ("works.jsonl", 31, "author 1's name is 10,000 characters long (at most 1,000)"),
        ("works.jsonl", 62, "invalid record: doi is 9,008 characters long (at most 1,000)"),
    ]


@pytest.mark.neo4j
def test_the_largest_values_the_parser_accepts_load(
    tmp_path: Path, graph: Driver, neo4j_settings: Settings, cli_env: dict[str, str]
) -> None:
    """The limits are below what Neo4j can index: names, DOIs and titles at the limit, in characters that take
    the most bytes, load without an index error."""
    from kg.models import key_bytes

    name = "𝔄" * 1_000  # 4 bytes each in UTF-8; NFKD-normalised, 1 byte
    assert key_bytes(name) == MAX_KEY_BYTES
    title = "ﷺ " * 117  # NFKD expands each to 18 characters (33 bytes): 3,978 bytes as a key
    assert MAX_KEY_BYTES - 34 < key_bytes(title) <= MAX_KEY_BYTES
    doi = "10.5555/" + "é" * 992  # 1,000 characters, 1,992 bytes
    big = _work(1, doi=f"https://doi.org/{doi}", title=title)
    big["authorships"] = [{"author": {"display_name": name}, "raw_author_name": name}]
    (tmp_path / "big.jsonl").write_text(json.dumps(big) + "\n", encoding="utf-8")
    result = run_kg(["load", "big.jsonl", "--no-derived"], cwd=tmp_path, env=cli_env)
    assert result.returncode == 0, result.stderr
    rows = graphdb.run(
        graph,
        "MATCH (r:Researcher)-[:AUTHORED]->(w:Work) RETURN r.name AS name, w.doi AS doi, w.title AS title",
        settings=neo4j_settings,
    )
    assert rows == [{"name": name, "doi": doi.lower(), "title": title.strip()}]


def test_the_limits_in_the_messages_are_the_code_s() -> None:
    from kg import models
    from kg.sources.parsers import base

    assert (base.MAX_LINE_BYTES, base.MAX_DOCUMENT_BYTES, models.MAX_KEY_BYTES) == (
        MAX_LINE_BYTES,
        MAX_DOCUMENT_BYTES,
        MAX_KEY_BYTES,
    )


def test_index_key_limits_hold_in_the_record_models() -> None:
    prov = Provenance(source="csv", file="x.csv", line=2)
    with pytest.raises(ValidationError, match="takes 14,850 bytes as an index key"):
        AuthorRef(name="ﷺ" * 450, position=1)  # 450 characters, 33 bytes each once normalised
    with pytest.raises(ValidationError, match="List should have at most 5000 items"):
        WorkRecord(
            prov=prov,
            title="Too many",
            authors=[AuthorRef(name=f"A{i} Person", position=i) for i in range(1, MAX_AUTHORS + 2)],
        )
    with pytest.raises(ValidationError, match="is blank"):
        WorkRecord(prov=prov, title=" \t ")
    # positions are 1-based: a 0 would read as "no position" in a mention's JSON
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        AuthorRef(name="Zero Based", position=0)


def _peak_rss_kb(args: list[str], cwd: Path) -> tuple[int, str, int]:
    """Peak memory (KB), standard error and exit code of `kg` run as a child process."""
    with open(cwd / "stderr.txt", "w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "kg.cli", *args],
            stdout=subprocess.DEVNULL,
            stderr=err,
            cwd=cwd,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        )
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss, (cwd / "stderr.txt").read_text(), proc.returncode


@pytest.mark.slow
def test_a_gzip_line_bomb_is_skipped_in_bounded_memory(tmp_path: Path) -> None:
    """300 KB of gzip holding a 300 MB line between two good records: the line is one reject, never held whole."""
    size = 300 * 1024 * 1024
    with gzip.open(tmp_path / "bomb.jsonl.gz", "wb", compresslevel=9) as f:
        f.write(json.dumps(_work(1)).encode() + b"\n")
        f.write(b'{"id": "https://openalex.org/W1", "title": "')
        chunk = b"a" * (1 << 20)
        for _ in range(size // len(chunk)):
            f.write(chunk)
        f.write(b'"}\n')
        f.write(json.dumps(_work(2)).encode() + b"\n")
    assert (tmp_path / "bomb.jsonl.gz").stat().st_size < 1024 * 1024
    (tmp_path / "small.jsonl").write_text(json.dumps(_work(3)) + "\n")
    baseline, _, _ = _peak_rss_kb(["parse", "small.jsonl"], tmp_path)
    peak, stderr, code = _peak_rss_kb(["parse", "bomb.jsonl.gz"], tmp_path)
    line = size + len('{"id": "https://openalex.org/W1", "title": "') + len('"}\n')
    assert stderr.splitlines() == [
        f"rejected bomb.jsonl.gz:2: line is {line:,} bytes long (at most {MAX_LINE_BYTES:,}): skipped",
        "2 parsed, 1 rejected",
    ]
    assert code == 3
    # one line buffer at most, far from the 300 MB (and its Python objects) a whole read costs
    assert peak - baseline < 2 * MAX_LINE_BYTES // 1024, (baseline, peak)


@pytest.mark.slow
def test_a_gzip_document_bomb_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    """A pretty-printed JSON document (read whole by design) that inflates past the document limit."""
    size = 100 * 1024 * 1024
    with gzip.open(tmp_path / "page.json.gz", "wb", compresslevel=9) as f:
        f.write(b'{\n  "meta": {},\n  "results": [\n    {"id": "https://openalex.org/W5", "title": "')
        chunk = b"b" * (1 << 20)
        for _ in range(size // len(chunk)):
            f.write(chunk)
        f.write(b'"}\n  ]\n}\n')
    (tmp_path / "small.jsonl").write_text(json.dumps(_work(3)) + "\n")
    baseline, _, _ = _peak_rss_kb(["parse", "small.jsonl"], tmp_path)
    peak, stderr, code = _peak_rss_kb(["parse", "page.json.gz"], tmp_path)
    assert stderr.splitlines() == [
        f"error: page.json.gz: larger than {MAX_DOCUMENT_BYTES:,} bytes once decompressed: this format is read "
        "whole, so the file is refused (split it, or use a line-based format)"
    ]
    assert code == 1
    assert peak - baseline < 2 * MAX_DOCUMENT_BYTES // 1024, (baseline, peak)


def test_an_overlong_csv_line_is_one_reject_and_the_other_rows_load(tmp_path: Path) -> None:
    works = ["work_id,title,year,venue,doi,arxiv_id,abstract", "w1,First paper,2020,,,,"]
    long_row = "w2,Second paper,2020,,,," + "x" * (MAX_LINE_BYTES + 10)
    works.append(long_row)
    works.append("w3,Third paper,2021,,,,")
    (tmp_path / "works.csv").write_text("\n".join(works) + "\n", encoding="utf-8")
    (tmp_path / "authorships.csv").write_text(
        "work_id,author_id,author_name,position,institution_id,institution_name\n"
        "w1,,Ada Lovelace,1,,\nw3,,Alan Turing,1,,\n",
        encoding="utf-8",
    )
    out = list(parse_bundle(tmp_path, shown="b"))
    assert [(o.title, [a.name for a in o.authors]) for o in out if o.kind == "work"] == [
        ("First paper", ["Ada Lovelace"]),
        ("Third paper", ["Alan Turing"]),
    ]
    assert [o.message for o in out if o.kind == "reject"] == [
        f"b/works.csv:3: line is {len(long_row) + 1:,} characters long (at most {MAX_LINE_BYTES:,}): skipped"
    ]


def test_iter_records_names_the_line_of_an_overlong_json_line(tmp_path: Path) -> None:
    lines = [json.dumps(_work(1)), json.dumps(_work(2, abstract_inverted_index={"x" * MAX_LINE_BYTES: [0]}))]
    (tmp_path / "w.jsonl").write_text("\n".join([*lines, json.dumps(_work(3))]) + "\n", encoding="utf-8")
    out = list(iter_records([tmp_path / "w.jsonl"]))
    assert [o.kind for o in out] == ["work", "reject", "work"]
    assert out[1].line == 2 and out[1].reason.startswith("line is ")


def test_a_long_line_under_the_limit_is_read_whole(tmp_path: Path) -> None:
    """A 3 MB line (an OpenAlex API page on one line is this long) spans several read chunks and still parses."""
    page = {
        "meta": {"count": 40},
        "results": [
            _work(n, abstract_inverted_index={f"w{n}x{i}": [i] for i in range(4000)}) for n in range(40)
        ],
    }
    line = json.dumps(page)
    assert 2 * 1024 * 1024 < len(line) < MAX_LINE_BYTES
    (tmp_path / "page.jsonl").write_text(json.dumps(_work(99)) + "\n" + line + "\n", encoding="utf-8")
    out = list(iter_records([tmp_path / "page.jsonl"]))
    assert [o.kind for o in out] == ["work"] * 41
    assert out[1].abstract is not None and out[1].abstract.startswith("w0x0 w0x1 w0x2")


def test_a_csv_row_longer_than_a_read_chunk_is_read_through(tmp_path: Path) -> None:
    """A works row of 1.5 MB (past the 1 MB piece a line is read in, under the line limit) is read through to its
    end: one reject naming its line (csv's own cell limit refuses a 1.5 MB abstract), and the rows after it keep
    their line numbers."""
    b = tmp_path / "b"
    b.mkdir()
    abstract = "word " * 300_000
    assert len(abstract) > 1024 * 1024
    (b / "works.csv").write_text(
        "work_id,title,year,venue,doi,arxiv_id,abstract\n"
        f"w1,First paper,2020,,,,{abstract}\n"
        "w2,Second paper,2021,,,,\n"
        "w3,,2021,,,,\n",
        encoding="utf-8",
    )
    (b / "authorships.csv").write_text(
        "work_id,author_id,author_name,position,institution_id,institution_name\nw2,a1,Ann Lee,1,,\n",
        encoding="utf-8",
    )
    out = list(iter_records([b]))
    assert [(o.kind, o.line if isinstance(o, Reject) else o.prov.line) for o in out] == [
        ("reject", 2),
        ("work", 3),
        ("reject", 4),
    ]
    assert isinstance(out[0], Reject) and out[0].reason.startswith(
        "malformed CSV: field larger than field limit"
    )
    assert isinstance(out[1], WorkRecord) and [a.name for a in out[1].authors] == ["Ann Lee"]
