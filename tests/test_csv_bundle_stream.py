"""The CSV bundle reader in bounded memory: any row order gives the same records and rejects, flat memory."""

from __future__ import annotations

import csv
import random
import tempfile
import tracemalloc
from collections import defaultdict
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from kg.models import Provenance, Record, Reject, WorkRecord
from kg.sources.parsers import csv_bundle
from kg.sources.parsers.base import UnreadableInput, guarded, reject
from kg.sources.parsers.csv_bundle import AUTHORSHIP_COLUMNS, AUTHORSHIPS, WORK_COLUMNS, WORKS, parse_bundle
from kg.synth import SynthParams
from kg.synth import generate as synth
from tests.corpus import generate

SHOWN = "bundle"  # the name files are shown under, so bundles in different directories compare equal


def _reference(directory: Path, shown: str) -> Iterator[Record | Reject]:
    """The reader as it was before it streamed, every authorship held in memory: the behaviour to keep."""
    w_name, a_name = f"{shown}/{WORKS}", f"{shown}/{AUTHORSHIPS}"
    by_work: dict[str, list[csv_bundle.Entry]] = defaultdict(list)
    auths = csv_bundle._Csv(directory / AUTHORSHIPS, a_name, csv_bundle.AUTHORSHIP_COLUMNS)
    for line, row in auths.rows():
        if isinstance(row, Reject):
            yield row
            continue
        got = guarded(partial(csv_bundle._authorship, row), a_name, line=line, raw=",".join(row.values()))
        if isinstance(got, Reject):
            yield got
            continue
        by_work[row["work_id"]].append((got[0], line, got[1]))
    seen: set[str] = set()
    works_usable = True
    works = csv_bundle._Csv(directory / WORKS, w_name, csv_bundle.WORK_COLUMNS)
    for line, row in works.rows():
        if isinstance(row, Reject):
            works_usable = works_usable and line != 1
            yield row
            continue
        wid = row["work_id"]
        entries = sorted(by_work.get(wid, []), key=lambda t: (t[0] is None, t[0] or 0, t[1]))
        authors = [ref.model_copy(update={"position": i}) for i, (_, _, ref) in enumerate(entries, start=1)]
        prov = Provenance(source="csv", file=w_name, line=line, record_id=wid or None)
        yield guarded(
            partial(csv_bundle._work, row, authors, prov), w_name, line=line, raw=",".join(row.values())
        )
        seen.add(wid)
    if works_usable:
        for wid in sorted(set(by_work) - seen):
            for _, line, _ in by_work[wid]:
                yield reject(a_name, f"work_id {wid!r} is not in {WORKS}", line=line)


def _outcome(items: Iterator[Record | Reject]) -> tuple[list[str], str | None]:
    """Every item as JSON, and the error that ended the stream (None when it ended normally)."""
    out: list[str] = []
    try:
        for item in items:
            out.append(item.model_dump_json())
    except UnreadableInput as e:
        return out, str(e)
    return out, None


class _Paths:
    """Counts which path each parse took, by watching the spill index being built."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.spills = 0
        real = csv_bundle._Spill

        def spy(*args: object) -> csv_bundle._Spill:
            self.spills += 1
            return real(*args)  # type: ignore[arg-type]

        monkeypatch.setattr(csv_bundle, "_Spill", spy)


def _write(path: Path, columns: list[str] | tuple[str, ...], rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(columns))
        writer.writeheader()
        writer.writerows(rows)


def test_works_order_shuffled_and_reversed_authorships_give_the_same_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = generate(seed=11, n_works=300)
    # some works without any authorship, and a row without a position (sorted after the explicit ones)
    bundle.authorships = [a for a in bundle.authorships if int(a["work_id"][2:]) % 7 != 3]
    for a in bundle.authorships:
        if int(a["work_id"][2:]) % 5 == 0 and a["position"] == "1":
            a["position"] = ""
    layouts = {
        "works-order": bundle.authorships,
        "shuffled": random.Random(3).sample(bundle.authorships, len(bundle.authorships)),
        "reversed": bundle.authorships[::-1],
    }
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    paths = _Paths(monkeypatch)
    streams = {}
    for name, auths in layouts.items():
        d = tmp_path / name
        d.mkdir()
        _write(d / WORKS, WORK_COLUMNS, bundle.works)
        _write(d / AUTHORSHIPS, AUTHORSHIP_COLUMNS, auths)
        before = paths.spills
        streams[name] = _outcome(parse_bundle(d, SHOWN))
        assert streams[name] == _outcome(_reference(d, SHOWN)), name
        assert paths.spills - before == (0 if name == "works-order" else 1), name
    assert streams["works-order"] == streams["shuffled"] == streams["reversed"]
    assert list((tmp_path / "tmp").iterdir()) == []  # the spill index is removed with its directory

    records = [WorkRecord.model_validate_json(j) for j in streams["works-order"][0]]
    assert [r.ids.source_id for r in records] == [w["work_id"] for w in bundle.works]
    w0 = records[0]  # gw0: the row without a position comes last
    listed = [a["author_name"] for a in bundle.authorships if a["work_id"] == "gw0"]
    assert [(a.position, a.name) for a in w0.authors] == list(enumerate(listed[1:] + listed[:1], start=1))
    assert records[3].authors == [] and records[3].author_count is None


ORPHANS_WORKS = [
    {"work_id": "w1", "title": "First work", "year": "2020"},
    {"work_id": "w2", "title": "Second work", "year": "2021"},
    {"work_id": "w3", "title": "Third work", "year": "2022"},
]
ORPHANS_AUTHS = [  # lines 2..7 in this order
    {"work_id": "w1", "author_id": "a1", "author_name": "Ada Lovelace", "position": "1"},
    {"work_id": "w1", "author_id": "a2", "author_name": "Alan Turing", "position": "2"},
    {"work_id": "w2", "author_id": "a3", "author_name": "Grace Hopper", "position": "1"},
    {"work_id": "zz", "author_id": "a4", "author_name": "Nobody Known", "position": "1"},
    {"work_id": "w3", "author_id": "a5", "author_name": "Edsger Dijkstra", "position": "1"},
    {"work_id": "ab", "author_id": "a6", "author_name": "Also Unknown", "position": "1"},
]


@pytest.mark.parametrize("order", ["works-order", "reversed"])
def test_orphan_authorships_are_rejected_with_their_lines_after_the_works(tmp_path: Path, order: str) -> None:
    auths = ORPHANS_AUTHS if order == "works-order" else ORPHANS_AUTHS[::-1]
    _write(tmp_path / WORKS, WORK_COLUMNS, [{c: w.get(c, "") for c in WORK_COLUMNS} for w in ORPHANS_WORKS])
    _write(
        tmp_path / AUTHORSHIPS,
        AUTHORSHIP_COLUMNS,
        [{c: a.get(c, "") for c in AUTHORSHIP_COLUMNS} for a in auths],
    )
    out = list(parse_bundle(tmp_path, SHOWN))
    line = {a["work_id"]: i for i, a in enumerate(auths, start=2)}
    assert [o.message for o in out if isinstance(o, Reject)] == [
        f"{SHOWN}/authorships.csv:{line['ab']}: work_id 'ab' is not in works.csv",
        f"{SHOWN}/authorships.csv:{line['zz']}: work_id 'zz' is not in works.csv",
    ]
    assert all(isinstance(o, Reject) for o in out[3:])  # after every work
    assert [(o.title, [a.name for a in o.authors]) for o in out[:3]] == [  # type: ignore[union-attr]
        ("First work", ["Ada Lovelace", "Alan Turing"]),
        ("Second work", ["Grace Hopper"]),
        ("Third work", ["Edsger Dijkstra"]),
    ]


def test_a_repeated_work_id_gives_every_copy_all_its_authors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    works = [
        {"work_id": w, "title": t}
        for w, t in [("w1", "First copy"), ("w2", "Between"), ("w1", "Second copy")]
    ]
    auths = [
        {"work_id": "w1", "author_name": "Ada Lovelace", "position": "1"},
        {"work_id": "w2", "author_name": "Alan Turing", "position": "1"},
    ]
    _write(tmp_path / WORKS, WORK_COLUMNS, [{c: w.get(c, "") for c in WORK_COLUMNS} for w in works])
    _write(
        tmp_path / AUTHORSHIPS,
        AUTHORSHIP_COLUMNS,
        [{c: a.get(c, "") for c in AUTHORSHIP_COLUMNS} for a in auths],
    )
    paths = _Paths(monkeypatch)
    out = list(parse_bundle(tmp_path, SHOWN))
    assert [(o.title, [a.name for a in o.authors]) for o in out] == [  # type: ignore[union-attr]
        ("First copy", ["Ada Lovelace"]),
        ("Between", ["Alan Turing"]),
        ("Second copy", ["Ada Lovelace"]),
    ]
    assert paths.spills == 1  # rows in works order, but a merge cannot give one run to two works


def _random_bundle(rng: random.Random, d: Path) -> None:
    """A small bundle with the awkward cases mixed in: repeated and empty ids, orphans, bad rows, headers."""
    pool = ["w1", "w2", "w3", "w4", "w5", "w6", ""]
    wids = rng.sample(pool[:6], rng.randint(0, 6))
    if wids and rng.random() < 0.2:
        wids.insert(rng.randint(0, len(wids)), rng.choice([*wids, ""]))  # a repeated or empty work id
    if rng.random() < 0.2:  # enough rows that a bad byte lands past the first block the decoder reads
        wids = [f"f{i}" for i in range(300)] + wids
    w_lines = [",".join(WORK_COLUMNS if rng.random() > 0.05 else WORK_COLUMNS[:3])]
    for wid in wids:
        title = rng.choice(["A title", "Another, title", ""]) if rng.random() < 0.2 else f"Title of {wid}"
        cells = [wid, f'"{title}"', rng.choice(["2020", "", "soon"]), "Venue", "", "", "abstract"]
        if rng.random() < 0.05:
            cells.append("surplus")
        w_lines.append(",".join(cells))
    if rng.random() < 0.05:
        w_lines.insert(rng.randint(max(1, len(w_lines) - 3), len(w_lines)), "w9,Bad \udcff bytes,2020,,,,")
    a_rows = []
    orphans = rng.sample(pool, 2) if rng.random() < 0.4 else []  # ids works.csv may not have
    for wid in wids + orphans:
        for _ in range(rng.randint(0, 3)):
            name = rng.choice(["Ada Lovelace", "Alan Turing", "", "Grace Hopper"])
            position = rng.choice(["1", "2", "3", "", "", "0", "x"])
            a_rows.append(
                [
                    wid,
                    rng.choice(["a1", "a2", ""]),
                    name,
                    position,
                    rng.choice(["", "i1"]),
                    rng.choice(["", "Uni"]),
                ]
            )
    layout = rng.choice(["grouped", "grouped", "shuffled", "reversed"])
    if layout == "shuffled":
        rng.shuffle(a_rows)
    elif layout == "reversed":
        a_rows.reverse()
    a_lines = [",".join(AUTHORSHIP_COLUMNS if rng.random() > 0.05 else AUTHORSHIP_COLUMNS[1:])]
    a_lines += [",".join(r) for r in a_rows]
    if rng.random() < 0.05:
        a_lines.insert(rng.randint(max(1, len(a_lines) - 3), len(a_lines)), "w1,a1,\udcff,1,,")
    for name, lines in ((WORKS, w_lines), (AUTHORSHIPS, a_lines)):
        data = ("\n".join(lines) + "\n").encode("utf-8", "surrogateescape")
        (d / name).write_bytes(data if rng.random() > 0.02 else b"")  # now and then an empty file


def test_random_bundles_read_exactly_as_the_in_memory_reader_did(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = _Paths(monkeypatch)
    for seed in range(400):
        d = tmp_path / str(seed)
        d.mkdir()
        _random_bundle(random.Random(seed), d)
        assert _outcome(parse_bundle(d, SHOWN)) == _outcome(_reference(d, SHOWN)), seed
    assert 50 < paths.spills < 350  # both paths were exercised


def test_repeats_are_found_within_and_across_hash_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_bundle, "HASH_BLOCK", 4)
    ids = [f"W{i}" for i in range(11)]
    for stream, unique in [(ids, True), ([*ids, "W2"], False), (["W1", "W1", *ids[2:]], False), ([], True)]:
        scratch = csv_bundle._Scratch()
        distinct = csv_bundle._Distinct(scratch)
        for text in stream:
            distinct.add(text)
        try:
            assert distinct.unique() is unique, stream
        finally:
            scratch.cleanup()


def _peak_traced(directory: Path) -> tuple[int, int]:
    """(records read, peak bytes traced while reading them)."""
    tracemalloc.start()
    try:
        n = sum(1 for item in parse_bundle(directory) if isinstance(item, WorkRecord))
        return n, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture(scope="module")
def synth_20k(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("synth") / "synth-20000"
    synth(SynthParams(works=20_000, seed=3), d)
    return d


@pytest.mark.parametrize("layout", ["works-order", "shuffled"])
def test_memory_stays_flat_on_a_20k_work_bundle(synth_20k: Path, tmp_path: Path, layout: str) -> None:
    d = synth_20k
    if layout == "shuffled":
        d = tmp_path / "shuffled"
        d.mkdir()
        (d / WORKS).write_bytes((synth_20k / WORKS).read_bytes())
        head, *rows = (synth_20k / AUTHORSHIPS).read_text(encoding="utf-8").splitlines(keepends=True)
        random.Random(5).shuffle(rows)  # the synthetic rows hold no line breaks inside quotes
        (d / AUTHORSHIPS).write_text(head + "".join(rows), encoding="utf-8")
    n, peak = _peak_traced(d)
    assert n == 20_000
    # measured on this bundle: the in-memory reader peaked at ~150 MB, the streaming one at ~2 MB on both paths
    # (the work-id hash block grows to 8 MB at most whatever the size; sqlite's own cache is not traced)
    assert peak < 40_000_000, peak
