"""`kg parse` as a user runs it: JSON lines on stdout, rejects named on stderr, exit codes 0 / 3 / 1."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "parse"


def kg(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", *args], input=stdin, capture_output=True, timeout=120, check=False
    )


def _lines(out: bytes) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(x) for x in out.decode().splitlines()]


def test_help() -> None:
    r = kg("parse", "--help")
    assert r.returncode == 0
    assert b"--format" in r.stdout and b"--known-names" in r.stdout


@pytest.mark.shared_data
def test_listing_seed_prints_one_work_per_entry(shared_data: Path) -> None:
    r = kg("parse", str(shared_data / "seeds/001_7842cf0743cc3464.txt"))
    assert r.returncode == 0, r.stderr
    assert r.stderr == b""
    recs = _lines(r.stdout)
    assert len(recs) == 12 and {x["kind"] for x in recs} == {"work"}
    assert recs[0]["title"] == "LazyGNN: Large-Scale Graph Neural Networks via Lazy Propagation"
    assert [a["name"] for a in recs[0]["authors"]] == ["Rui Xue", "Haoyu Han", "MohamadAli Torkamani"]
    assert recs[0]["prov"]["source"] == "arxiv-listing"


def test_some_rejected_exits_3_and_names_them_on_stderr() -> None:
    r = kg("parse", str(DATA / "truncated.jsonl"))
    assert r.returncode == 3
    recs = _lines(r.stdout)
    assert [x["kind"] for x in recs] == ["work", "reject"]
    assert recs[1] == {
        "kind": "reject",
        "file": f"{DATA}/truncated.jsonl",
        "line": 2,
        "offset": 582,
        "reason": "invalid JSON: Unterminated string starting at (column 50)",
        "raw": '{"id": "https://openalex.org/W900000002", "doi": "https://doi.org/10.5555/parse.',
        "note": False,
    }
    assert r.stderr.decode().splitlines() == [
        f"rejected {DATA}/truncated.jsonl:2: invalid JSON: Unterminated string starting at (column 50)",
        "1 parsed, 1 rejected",
    ]


def test_the_first_rejects_are_named_on_stderr_and_every_one_is_on_stdout(tmp_path: Path) -> None:
    """`kg parse` named every reject on stderr (thousands for a bad file), as `rejected: …` where `kg load` says
    `rejected …` and stops after REJECT_LINES."""
    from kg.cli.common import REJECT_LINES

    bad = REJECT_LINES + 10
    f = tmp_path / "works.jsonl"
    f.write_text(
        "".join(f'{{"id": "https://openalex.org/W{100 + i}", "display_name": "cut\n' for i in range(bad))
    )
    r = kg("parse", str(f))
    assert r.returncode == 1
    assert [x["line"] for x in _lines(r.stdout)] == list(range(1, bad + 1))
    lines = r.stderr.decode().splitlines()
    reason = "invalid JSON: Unterminated string starting at (column 53)"
    assert lines[:REJECT_LINES] == [f"rejected {f}:{n}: {reason}" for n in range(1, REJECT_LINES + 1)]
    assert lines[REJECT_LINES:] == [
        '… more rejects are not named here: every one is on standard output, as a "reject" record (their count '
        "comes at the end)",
        f"0 parsed, {bad} rejected",
    ]


@pytest.mark.shared_data
def test_error_feed_exits_1_and_empty_feed_exits_0(shared_data: Path) -> None:
    r = kg("parse", str(shared_data / "arxiv/atom/id_abc_s0_m100_b79c8dcf6bc3.xml"))
    assert r.returncode == 1
    (rec,) = _lines(r.stdout)
    assert (rec["kind"], rec["line"], rec["reason"]) == (
        "reject",
        9,
        "arXiv API error: incorrect id format for abc",
    )
    r = kg("parse", str(shared_data / "arxiv/atom/id_0000.0000_s0_m100_8b51d9633a68.xml"))
    assert (r.returncode, r.stdout, r.stderr) == (0, b"", b"")


def test_unreadable_file_is_one_error_line_and_exit_1() -> None:
    r = kg("parse", str(DATA / "binary.bin"))
    assert r.returncode == 1
    assert r.stdout == b""
    assert r.stderr.decode() == f"error: {DATA}/binary.bin: binary file, not a known format\n"
    r = kg("parse", str(DATA / "missing.jsonl"))
    assert r.returncode == 1
    assert r.stderr.decode() == f"error: {DATA}/missing.jsonl: no such file or directory\n"


def test_stdin_gzip_and_format_override() -> None:
    page = (DATA / "listing_wild.txt").read_bytes()
    r = kg("parse", "-", stdin=gzip.compress(page))
    assert r.returncode == 0, r.stderr
    assert [x["title"] for x in _lines(r.stdout)] == [
        "Sparse Attention for Long Documents",
        "Attention Is All You Need",
        "Seeing Is Believing in the UK",
    ]
    assert {x["prov"]["file"] for x in _lines(r.stdout)} == {"-"}
    # read as the wrong format on purpose: every line is rejected, nothing parsed → exit 1
    r = kg("parse", "--format", "arxiv-metadata", str(DATA / "listing_wild.txt"))
    assert r.returncode == 1
    assert {x["kind"] for x in _lines(r.stdout)} == {"reject"}


def test_known_names_file_changes_an_ambiguous_split(tmp_path: Path) -> None:
    page = tmp_path / "listing.txt"
    page.write_text("LGFeb 3, 2023\nLazy Propagation for GNNsMohamadAli Torkamani, Rui Xue\nAbstract.\n")
    names = tmp_path / "names.txt"
    names.write_text("MohamadAli Torkamani\n")
    plain = _lines(kg("parse", str(page)).stdout)[0]
    helped = _lines(kg("parse", "--known-names", str(names), str(page)).stdout)[0]
    assert [a["name"] for a in plain["authors"]] == ["Ali Torkamani", "Rui Xue"]
    assert [a["name"] for a in helped["authors"]] == ["MohamadAli Torkamani", "Rui Xue"]
    assert helped["title"] == "Lazy Propagation for GNNs"


def test_messages_print_file_names_and_text_as_they_are(tmp_path: Path) -> None:
    """The console is not a chat window: `:rocket:` in a file name (or a title, a name) stays `:rocket:` in the
    reject line, or the line names a file that does not exist (it read `notes 🚀.txt`)."""
    (tmp_path / "notes :rocket:.txt").write_text("hello\n")
    r = kg("parse", str(tmp_path))
    assert r.returncode == 1
    assert r.stderr.decode().splitlines() == [
        f"rejected {tmp_path / 'notes :rocket:.txt'}: unknown format (not a profile page, listing, daily papers, "
        "OpenAlex, Crossref, ORCID, Semantic Scholar, arXiv or CSV bundle)",
        "0 parsed, 1 rejected",
    ]


def test_a_format_that_reads_nothing_names_the_format_detection_finds(tmp_path: Path) -> None:
    """`--format crossref` on an OpenAlex file rejected each record ("not a Crossref work (no DOI)") and said
    nothing of the flag; the last line now names the format the file is detected as."""
    f = tmp_path / "works.jsonl"
    f.write_text(
        "".join(
            json.dumps({"id": f"https://openalex.org/W{i}", "display_name": f"Work {i}"}) + "\n"
            for i in (1, 2)
        )
    )
    r = kg("parse", "--format", "crossref", str(f))
    assert r.returncode == 1
    assert r.stderr.decode().splitlines()[-2:] == [
        "0 parsed, 2 rejected",
        f"note: nothing was read as --format crossref; without --format, {f} is detected as openalex",
    ]
    assert b"note:" not in kg("parse", "--format", "openalex", str(f)).stderr
