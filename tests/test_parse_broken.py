"""Broken and unusual inputs: each gives the exact reject or error naming the file and line; the rest still parses."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from kg.errors import InputError
from kg.models import Reject, WorkRecord
from kg.sources.parsers import detect_format, iter_records
from kg.sources.parsers.base import Input
from kg.sources.parsers.openalex import parse as parse_openalex

DATA = Path(__file__).parent / "data" / "parse"


def _all(path: Path | str, **kw: object) -> list:  # type: ignore[type-arg]
    return list(iter_records([path], **kw))  # type: ignore[arg-type]


def test_truncated_json_line_is_rejected_with_its_line_and_offset() -> None:
    good, bad = _all(DATA / "truncated.jsonl")
    assert isinstance(good, WorkRecord) and good.title == "A sound first record"
    assert good.abstract == "Hello graph world graph"
    assert isinstance(bad, Reject)
    assert (
        bad.message == f"{DATA}/truncated.jsonl:2: invalid JSON: Unterminated string starting at (column 50)"
    )
    assert bad.offset == 582  # the byte where line 2 starts
    assert bad.raw == '{"id": "https://openalex.org/W900000002", "doi": "https://doi.org/10.5555/parse.'


def test_invalid_utf8_line_is_rejected_and_the_next_line_still_parses() -> None:
    out = _all(DATA / "invalid_utf8.jsonl")
    assert [o.kind for o in out] == ["work", "reject", "work"]
    assert out[1].message == f"{DATA}/invalid_utf8.jsonl:2: not UTF-8 text (byte 0xe9 at column 98)"
    assert out[2].title == "After the bad line"


def test_binary_and_empty_files_named_alone_fail_with_one_line() -> None:
    with pytest.raises(InputError) as e:
        _all(DATA / "binary.bin")
    assert str(e.value) == f"{DATA}/binary.bin: binary file, not a known format"
    with pytest.raises(InputError) as e:
        _all(DATA / "empty.jsonl")
    assert str(e.value) == f"{DATA}/empty.jsonl: empty file"
    with pytest.raises(InputError) as e:
        _all(DATA / "no-such-file.jsonl")
    assert str(e.value) == f"{DATA}/no-such-file.jsonl: no such file or directory"
    with pytest.raises(InputError) as e:
        _all(DATA / "truncated.jsonl", fmt="pdf")
    assert "unknown format 'pdf'" in str(e.value)


def test_a_page_that_is_not_utf8_fails_naming_file_and_line(tmp_path: Path) -> None:
    page = tmp_path / "listing.txt"
    page.write_bytes(b"LGFeb 3, 2023\nA TitleRui Xue\nAn abstract with a bad byte \xff here.\n")
    with pytest.raises(InputError) as e:
        _all(page)
    assert str(e.value) == f"{page}:3: not UTF-8 text (byte 0xff at offset 57)"


def test_malformed_xml_is_rejected_with_its_line() -> None:
    (rej,) = _all(DATA / "not_atom.xml")
    assert rej.message == f"{DATA}/not_atom.xml:5: not well-formed XML (mismatched tag: line 5, column 4)"


def test_csv_with_missing_columns_is_rejected_at_its_header() -> None:
    (rej,) = _all(DATA / "csv_missing_columns")
    assert (
        rej.message
        == f"{DATA}/csv_missing_columns/works.csv:1: missing columns: venue, doi, arxiv_id, abstract"
    )


def test_csv_bundle_rows_parse_and_bad_rows_are_rejected_one_by_one() -> None:
    out = _all(DATA / "csv_bundle")
    assert [o.message for o in out if isinstance(o, Reject)] == [
        f"{DATA}/csv_bundle/authorships.csv:4: author_name is empty",
        f"{DATA}/csv_bundle/works.csv:3: row has 8 cells, the header has 7",
        f"{DATA}/csv_bundle/works.csv:4: year 'twenty' is not a year",
        f"{DATA}/csv_bundle/authorships.csv:5: work_id 'w9' is not in works.csv",
    ]
    w1, w4 = [o for o in out if isinstance(o, WorkRecord)]
    assert (w1.title, w1.year, w1.venue, w1.abstract) == (
        "A fine work",
        2020,
        "Journal of Tests",
        "An abstract, with a comma",
    )
    assert (w1.ids.source_id, w1.ids.doi, w1.ids.arxiv) == ("w1", "10.5555/csv.1", "2104.12255")
    # authorships come in position order whatever their order in the file
    assert [(a.position, a.name, a.source_id) for a in w1.authors] == [
        (1, "Ada Lovelace", "a1"),
        (2, "Alan Turing", "a2"),
    ]
    assert [(i.source_id, i.name) for i in w1.authors[1].institutions] == [("i1", "University of Manchester")]
    assert w1.prov.ref == f"{DATA}/csv_bundle/works.csv:2#w1"
    assert (w4.title, w4.year, w4.authors) == ("No authors listed", None, [])
    # naming both files of a bundle reads the bundle once
    assert [o.model_dump() for o in _all(DATA / "csv_bundle/works.csv")] == [o.model_dump() for o in out]
    both = list(iter_records([DATA / "csv_bundle/works.csv", DATA / "csv_bundle/authorships.csv"]))
    assert len(both) == len(out)


def test_listing_in_the_wild_score_dates_without_year_and_organisation() -> None:
    a, b, c = _all(DATA / "listing_wild.txt")
    assert (a.title, [x.name for x in a.authors], a.authors_truncated) == (
        "Sparse Attention for Long Documents",
        ["Maria Lopez", "Kenji Tanaka"],
        True,
    )
    assert (a.score, a.categories, a.year, a.month, a.day, a.has_code, a.organisation) == (
        4.5,
        ["LG"],
        None,
        2,
        3,
        True,
        "DeepMind",
    )
    assert (b.title, [x.name for x in b.authors], b.author_count) == (
        "Attention Is All You Need",
        ["Ashish Vaswani"],
        1,
    )
    assert (b.score, b.categories, b.year, b.month, b.day, b.has_code) == (
        0.87,
        ["cs.CL"],
        2024,
        5,
        31,
        False,
    )
    assert b.abstract == "First abstract line. Second abstract line."
    assert (c.title, [x.name for x in c.authors], c.organisation, c.categories) == (
        "Seeing Is Believing in the UK",
        ["Oliver Smith", "Li Wei"],
        "Meta AI",
        ["CV"],
    )


def test_openalex_api_page_gives_every_result() -> None:
    out = _all(DATA / "openalex_page.json")
    assert [(o.title, o.year, o.ids.openalex) for o in out] == [
        ("First on the page", 2020, "W900000005"),
        ("Second on the page", 2021, "W900000006"),
    ]


def test_a_directory_walk_rejects_unreadable_files_and_goes_on() -> None:
    out = list(iter_records([DATA]))
    assert [o.message for o in out if isinstance(o, Reject)] == [
        f"{DATA}/binary.bin: binary file, not a known format",
        f"{DATA}/csv_bundle/authorships.csv:4: author_name is empty",
        f"{DATA}/csv_bundle/works.csv:3: row has 8 cells, the header has 7",
        f"{DATA}/csv_bundle/works.csv:4: year 'twenty' is not a year",
        f"{DATA}/csv_bundle/authorships.csv:5: work_id 'w9' is not in works.csv",
        f"{DATA}/csv_missing_columns/works.csv:1: missing columns: venue, doi, arxiv_id, abstract",
        f"{DATA}/empty.jsonl: empty file",
        f"{DATA}/invalid_utf8.jsonl:2: not UTF-8 text (byte 0xe9 at column 98)",
        f"{DATA}/not_atom.xml:5: not well-formed XML (mismatched tag: line 5, column 4)",
        f"{DATA}/truncated.jsonl:2: invalid JSON: Unterminated string starting at (column 50)",
    ]
    assert [o.title for o in out if isinstance(o, WorkRecord)] == [
        "A fine work",
        "No authors listed",
        "A sound first record",
        "After the bad line",
        "Sparse Attention for Long Documents",
        "Attention Is All You Need",
        "Seeing Is Believing in the UK",
        "First on the page",
        "Second on the page",
        "A sound first record",
    ]


def test_out_of_range_year_and_long_raw_text_are_bounded() -> None:
    line = (
        '{"id": "https://openalex.org/W1", "title": "From the far future", "publication_year": 20250, '
        '"authorships": [], "padding": "' + "x" * 5000 + '"}\n'
    )
    (rej,) = list(parse_openalex(Input.from_stdin(io.BytesIO(line.encode()))))
    assert isinstance(rej, Reject)
    assert rej.message == "-:1: year 20250 is out of range"
    assert rej.raw is not None and len(rej.raw) == 2001 and rej.raw.endswith("…")


@pytest.mark.parametrize(
    ("name", "head", "fmt"),
    [
        ("x.jsonl", b'{"id": "https://openalex.org/W1", "title": "t"}\n', "openalex"),
        ("x.json", b'{\n  "meta": {"count": 1},\n  "results": []\n}', "openalex"),
        ("x.jsonl", b'{"id": "0704.0001", "submitter": "A", "authors_parsed": []}\n', "arxiv-metadata"),
        ("x.xml", b'<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom"></feed>', "arxiv-atom"),
        ("works.csv", b"work_id,title,year,venue,doi,arxiv_id,abstract\n", "csv-bundle"),
        ("x.txt", b"Researcher profile\n\nAda Lovelace\n", "profile"),
        ("x.txt", b"LGFeb 3, 2023Code\nA TitleRui Xue\n", "arxiv-listing"),
        ("x.txt", b"Daily Papers\n\nA title\n\n  \xe2\x80\xa2 7 authors\n", "daily-papers"),
    ],
)
def test_detect_format_from_content(name: str, head: bytes, fmt: str) -> None:
    assert detect_format(Path(name), head) == fmt


def test_detect_format_names_the_file_when_unknown() -> None:
    with pytest.raises(InputError) as e:
        detect_format(Path("notes.txt"), b"just some words\n")
    assert str(e.value) == (
        "notes.txt: unknown format (not a profile page, listing, daily papers, OpenAlex, Crossref, ORCID, Semantic Scholar,"
        " arXiv or CSV bundle)"
    )


def _cut_gzip(tmp: Path, name: str, lines: list[str]) -> Path:
    """The lines gzipped, cut in the middle of the compressed stream (a download that stopped)."""
    import gzip

    whole = gzip.compress(("\n".join(lines) + "\n").encode(), compresslevel=1)
    path = tmp / name
    path.write_bytes(whole[: len(whole) // 2])
    return path


@pytest.mark.parametrize("fmt", ["arxiv-metadata", "openalex"])
def test_a_gzip_stream_cut_midway_loads_every_whole_line_then_names_the_line_it_broke_after(
    tmp_path: Path, fmt: str
) -> None:
    import gzip
    import json
    import random

    from kg.defaultdata import DATA_DIR

    sample = DATA_DIR / ("arxiv_metadata.jsonl.gz" if fmt == "arxiv-metadata" else "openalex_works.jsonl.gz")
    with gzip.open(sample, "rt", encoding="utf-8") as f:
        template = json.loads(f.readline())
    rnd = random.Random(7)  # abstracts that do not compress away, so the cut falls after many lines
    lines = []
    for i in range(400):
        rec = dict(template)
        if fmt == "arxiv-metadata":
            rec.update(id=f"0704.{i:04d}", abstract=rnd.randbytes(300).hex())
        else:
            rec.update(
                id=f"https://openalex.org/W9{i:09d}", abstract_inverted_index={rnd.randbytes(300).hex(): [0]}
            )
        lines.append(json.dumps(rec))
    path = _cut_gzip(tmp_path, f"cut-{fmt}.jsonl.gz", lines)
    *records, last = _all(path)
    assert 0 < len(records) < 400 and all(isinstance(r, WorkRecord) for r in records)
    # every line read whole loaded, in order; the one reject says after which line the stream broke
    assert [r.prov.line for r in records] == list(range(1, len(records) + 1))
    n = len(records)
    assert isinstance(last, Reject) and last.line == n + 1
    assert last.message == (
        f"{path}:{n + 1}: gzip stream is broken after line {n} (Compressed file ended before the end-of-stream "
        f"marker was reached); the records from line {n + 1} on are lost"
    )


def test_a_cut_tar_gz_keeps_its_whole_members_and_lines_then_names_where_it_broke(tmp_path: Path) -> None:
    """A cut .tar.gz said only 'broken tar archive (…); members after this point are lost': not which member, nor
    that the member it broke in had whole lines that could be kept (it was read whole first, so they were lost)."""
    import gzip
    import io
    import json
    import random
    import tarfile

    rnd = random.Random(7)  # titles that do not compress away, so the cut falls inside the second member

    def member(first: int, n: int) -> bytes:
        works = (
            {"id": f"https://openalex.org/W{first + i}", "title": rnd.randbytes(200).hex()} for i in range(n)
        )
        return "".join(json.dumps(w) + "\n" for w in works).encode()

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in (
            ("a.jsonl", member(1, 3)),
            ("b.jsonl", member(100, 400)),
            ("c.jsonl", member(900, 3)),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    whole = gzip.compress(buf.getvalue(), compresslevel=1)
    path = tmp_path / "works.tar.gz"
    path.write_bytes(whole[: len(whole) // 2])
    *records, in_member, archive = _all(path)
    assert [(r.prov.file, r.prov.line) for r in records[:3]] == [(f"{path}!a.jsonl", n) for n in (1, 2, 3)]
    n = len(records) - 3  # the lines of b.jsonl read whole, every one kept
    assert 0 < n < 400 and [r.prov.line for r in records[3:]] == list(range(1, n + 1))
    cut = "Compressed file ended before the end-of-stream marker was reached"
    assert in_member.message == (
        f"{path}!b.jsonl:{n + 1}: gzip stream is broken after line {n} ({cut}); the records from line {n + 1} on "
        "are lost"
    )
    assert (
        archive.message
        == f"{path}: gzip stream is broken inside member b.jsonl ({cut}); the members after it are lost"
    )


def test_a_work_with_no_id_and_a_title_of_punctuation_is_rejected_and_the_rest_stages(tmp_path: Path) -> None:
    """No DOI, arXiv or OpenAlex id and no title key: no Work could ever be named for it. It used to pass parsing
    and stop the whole load in the stage ("unexpected ValueError: no id")."""
    from kg.stage.store import StageStore

    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "works.csv").write_text(
        "work_id,title,year,venue,doi,arxiv_id,abstract\n"
        'W1,"!!! ???",2020,Venue,,,\n'
        "W2,A real title about graphs,2021,Venue,,,\n"
        'W3,"…",2021,Venue,10.1000/xyz,,\n'
    )
    (bundle / "authorships.csv").write_text(
        "work_id,author_id,author_name,position,institution_id,institution_name\n"
        + "".join(f"W{i},A1,Ada Lovelace,1,,\n" for i in (1, 2, 3))
    )
    out = _all(bundle)
    rejects = [r.message for r in out if isinstance(r, Reject)]
    assert rejects == [
        f"{bundle}/works.csv:2: invalid record: the work has no DOI, arXiv, OpenAlex, Semantic Scholar or MAG id, "
        "and its title '!!! ???' has no letter or digit to know it by"
    ]
    works = [r for r in out if isinstance(r, WorkRecord)]
    assert [w.title for w in works] == ["A real title about graphs", "…"]  # a DOI is id enough
    with StageStore(tmp_path / "stage.duckdb") as st:
        assert st.stage("run:test", works).new == 2
