"""The COAUTHOR table in the stage, built for what a load touched: equal row for row to the whole rebuild over random
sequences of loads (new works, works re-loaded with other authors or years, researchers merged by a later record
carrying ids, curated merges and splits, loads whose build was killed), and exactly 61,456 pairs on DBLP.

No database server: the stage is a real DuckDB file; each test runs in a few seconds."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bench.pipeline import DBLP_TSV, dblp_bundle
from kg.derive.coauthor_table import build_coauthor_table
from kg.identity.curation import anchors_of
from kg.models import AuthorRef, Provenance, Record, ResearcherIds, ResearcherRecord, WorkIds, WorkRecord
from kg.resolve.engine import EmbeddedEngine
from kg.sources import parsers
from kg.stage.store import StageStore
from kg.synth import SynthParams, generate
from tests.test_resolve import assert_every_slot_in_one_cluster

CAP = 5  # small, so random works cross it both ways


def synth_works(directory: Path, works: int, seed: int) -> list[WorkRecord]:
    """The work records of a `kg synth` corpus of that size and seed, written into `directory` and parsed."""
    generate(SynthParams(works=works, seed=seed), directory)
    return [r for r in parsers.iter_records([str(directory)]) if isinstance(r, WorkRecord)]


def _coauthor(st: StageStore) -> list[tuple[Any, ...]]:
    return st.con.execute("SELECT * FROM coauthor ORDER BY src, dst").fetchall()


def _big_team(st: StageStore) -> list[tuple[Any, ...]]:
    return st.con.execute("SELECT id, big_team_works FROM researcher ORDER BY id").fetchall()


def _authored(st: StageStore) -> list[tuple[Any, ...]]:
    return st.con.execute("SELECT src, dst FROM authored ORDER BY src, dst").fetchall()


# People whose names share blocks (the model must tell them apart), each with an OpenAlex id and an ORCID that
# authorships carry or not, so a later record holding both ids merges what was two researchers.
FIRST = ["Jan", "Jana", "J.", "Wei", "W.", "Maria", "M.", "Ana", "Anna", "Li"]
LAST = ["Novak", "Wang", "Rossi", "Silva", "Chen"]
PEOPLE = [(f"{f} {last}", f"A{i:03d}", f"0000-0002-0000-{i:04d}") for i, (f, last) in enumerate(
    (f, last) for last in LAST for f in FIRST
)]  # fmt: skip


class Loads:
    """A random sequence of loads; every record is new content (the stage keys records by content)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.n = 0
        self.works: list[WorkRecord] = []

    def _prov(self, source: Any = "openalex") -> Provenance:
        self.n += 1
        return Provenance(source=source, file="loads.jsonl", line=self.n, record_id=f"r{self.n}")

    def _authors(self) -> list[AuthorRef]:
        k = self.rng.choice([1, 2, 2, 3, 3, 4, 5, 6, 7])
        out = []
        for pos, (name, oa, orcid) in enumerate(self.rng.sample(PEOPLE, k), start=1):
            ids = self.rng.choice(
                [{}, {"openalex_id": oa}, {"orcid": orcid}, {"openalex_id": oa, "orcid": orcid}]
            )
            out.append(AuthorRef(name=name, position=pos, **ids))
        return out

    def _year(self) -> int | None:
        return self.rng.choice([None, 2015, 2018, 2019, 2020, 2021, 2022, 2023])

    def _count(self, authors: list[AuthorRef]) -> int | None:
        return self.rng.choice([None, None, len(authors), len(authors) + self.rng.randint(1, 6)])

    def new_work(self) -> WorkRecord:
        i = len(self.works)
        authors = self._authors()
        w = WorkRecord(
            prov=self._prov(),
            title=f"Paper number {i} on topic {self.rng.randint(0, 10**6)}",
            year=self._year(),
            authors=authors,
            author_count=self._count(authors),
            ids=WorkIds(doi=f"10.1000/w{i}"),
        )
        self.works.append(w)
        return w

    def changed_work(self) -> WorkRecord:
        """An earlier work (same DOI) from another source, with another year and/or author list."""
        old = self.rng.choice(self.works)
        authors = self._authors() if self.rng.random() < 0.7 else list(old.authors)
        return old.model_copy(
            update={
                "prov": self._prov("crossref"),
                "year": self._year(),
                "authors": authors,
                "author_count": self._count(authors),
            }
        )

    def name_only_work(self) -> WorkRecord:
        """A listing that names authors without ids: the model decides whom each joins."""
        authors = [AuthorRef(name=a.name, position=a.position) for a in self._authors()]
        i = len(self.works)
        w = WorkRecord(
            prov=self._prov("arxiv-listing"), title=f"Listing {i} {self.rng.random()}", authors=authors
        )
        self.works.append(w)
        return w

    def profile(self) -> ResearcherRecord:
        """A researcher record holding both ids of a person: the two researchers they were become one."""
        name, oa, orcid = self.rng.choice(PEOPLE)
        return ResearcherRecord(
            prov=self._prov(), name=name, ids=ResearcherIds(openalex=oa, orcid=orcid, profile=f"p-{oa}")
        )

    def load(self) -> list[Record]:
        recs: list[Record] = []
        for _ in range(self.rng.randint(1, 6)):
            r = self.rng.random()
            if r < 0.45 or not self.works:
                recs.append(self.new_work())
            elif r < 0.7:
                recs.append(self.changed_work())
            elif r < 0.85:
                recs.append(self.name_only_work())
            else:
                recs.append(self.profile())
        return recs


def _decide(st: StageStore, rng: random.Random, n: int) -> list[Any] | None:
    """A curated decision as `kg identity merge | split` records it (kg.identity.curation.anchors_of over the
    researchers' slots), computed from the stage: a merge of two researchers of one surname, or a split."""
    rows = st.con.execute(
        """
        SELECT r.id, r.block_key, list(struct_pack(work := s.work_id, names := s.names, work_ids := w.ids)
                                       ORDER BY s.work_id, s.key)
        FROM researcher r JOIN cluster_slot cs ON cs.researcher = r.id
        JOIN slot s ON s.key = cs.slot_key AND s.work_id = cs.work_id JOIN work w ON w.id = s.work_id
        GROUP BY r.id, r.block_key ORDER BY r.id
        """
    ).fetchall()
    people = [{"id": r[0], "block_key": r[1], "slots": r[2]} for r in rows]
    if len(people) < 2:
        return None
    a = rng.choice(people)
    works = sorted({s["work"] for s in a["slots"]})
    if rng.random() < 0.5 or len(works) < 2:
        b = rng.choice([p for p in people if p["id"] != a["id"]])
        kind, (aa, ba), (ab, bb) = "SAME_AS", anchors_of(a), anchors_of(b)
    else:
        side = set(rng.sample(works, len(works) // 2))
        kind, (aa, ba), (ab, bb) = "NOT_SAME_AS", anchors_of(a, side), anchors_of(a, side, exclude=True)
    return [f"{kind.lower()}:{n}", kind, aa, ab, sorted(set(ba) | set(bb)), "test", "2026-12-04", "", None]


def _record_decision(st: StageStore, decision: list[Any]) -> None:
    with st.transaction():
        st.con.execute(
            'INSERT INTO decisions (id, kind, anchors_a, anchors_b, blocks, "by", "at", why, claim) '
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            decision,
        )
        for b in decision[4]:
            st.con.execute("INSERT OR IGNORE INTO pending_block VALUES (?)", [b])


def stage_next_load(st: StageStore, loads: Loads, rng: random.Random, step: int) -> None:
    """One step of a random sequence: from the fourth load on, now and then a curated decision first; then the
    load's records staged."""
    if step > 2 and rng.random() < 0.25:
        decision = _decide(st, rng, step)
        if decision:
            _record_decision(st, decision)
    st.stage(f"run:{step}", loads.load())


def _whole(st: StageStore, tmp: Path) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The table and big_team_works a whole rebuild gives, on a copy of the stage."""
    st.con.execute("CHECKPOINT")  # everything in the file, so a copy of it is the stage
    copy = tmp / "whole.duckdb"
    shutil.copy(st.path, copy)
    with StageStore(copy) as other:
        build_coauthor_table(other, CAP, mode="whole")
        out = _coauthor(other), _big_team(other)
    copy.unlink()
    return out


# 3 sequences in the test command; KG_TEST_COAUTHOR_SEEDS=50 for more (about 10 s each)
@pytest.mark.parametrize("seed", range(int(os.environ.get("KG_TEST_COAUTHOR_SEEDS", "3"))))
def test_the_incremental_table_is_the_whole_rebuild_over_random_loads(tmp_path: Path, seed: int) -> None:
    """After every load the table is built only for what the loads since the last build touched (now and then the
    build is skipped, as when a load is killed after resolving), and equals the whole rebuild of the same stage."""
    loads = Loads(seed)
    rng = random.Random(1000 + seed)
    st = StageStore(tmp_path / "stage.duckdb")
    incremental_builds = 0
    for step in range(16):
        stage_next_load(st, loads, rng, step)
        EmbeddedEngine().resolve(st)
        # a decision tying two blocks left the absorbed block's slots in its old clusters too, before (#15)
        assert_every_slot_in_one_cluster(st)
        if step and rng.random() < 0.2:
            continue  # killed before the build: what the load touched waits for the next one
        built = build_coauthor_table(st, CAP, mode="incremental")
        assert built.whole == (step == 0)  # the first build has no table to start from
        incremental_builds += not built.whole
        assert (_coauthor(st), _big_team(st)) == _whole(st, tmp_path), f"seed {seed}, load {step}"
    assert incremental_builds >= 7
    pairs = _coauthor(st)
    assert len(pairs) > 20 and any(w < s for _a, _b, s, w, *_ in pairs)  # big enough, weights < shared works
    assert any(n for _id, n in _big_team(st))  # some works went over the cap
    st.close()


def test_a_load_that_changes_nothing_touches_nothing_and_auto_falls_back_to_whole(tmp_path: Path) -> None:
    loads = Loads(99)
    st = StageStore(tmp_path / "s.duckdb")
    recs = [loads.new_work() for _ in range(40)]
    st.stage("run:1", recs)
    EmbeddedEngine().resolve(st)
    first = build_coauthor_table(st, CAP)
    assert first.whole  # never built: whole
    table = _coauthor(st)
    st.stage("run:2", recs)  # the same records again
    EmbeddedEngine().resolve(st)
    again = build_coauthor_table(st, CAP)
    assert (again.whole, again.changed_works, again.recomputed) == (False, 0, 0)
    assert _coauthor(st) == table
    # as many works again: more than 40% of the pairs to recompute, auto rebuilds whole; another cap: whole
    st.stage("run:3", [loads.new_work() for _ in range(40)])
    EmbeddedEngine().resolve(st)
    many = build_coauthor_table(st, CAP)
    assert many.whole and many.changed_works >= 40
    assert build_coauthor_table(st, CAP + 1).whole
    st.close()


_BUILD_IN_CHILD = """
import sys
from kg.derive.coauthor_table import build_coauthor_table
from kg.stage.store import StageStore
st = StageStore(sys.argv[1])
print("building", flush=True)
build_coauthor_table(st, 50, mode="incremental")
st.close()
print("built", flush=True)
"""


def test_a_build_killed_with_sigkill_leaves_the_changes_recorded_and_the_next_build_applies_them(
    tmp_path: Path,
) -> None:
    """kill -9 while the table is being built: DuckDB rolls the build back on reopening, the changed authorships
    are still recorded, and the next build gives the whole rebuild's table."""
    works = synth_works(tmp_path / "synth", 3000, seed=3)
    base = tmp_path / "base.duckdb"
    with StageStore(base) as st:
        st.stage("run:1", works[:2500])
        EmbeddedEngine().resolve(st)
        build_coauthor_table(st, 50)
        st.stage("run:2", works[2500:])
        EmbeddedEngine().resolve(st)
        touched = st.scalar("SELECT count(*) FROM pending_coauthor")
    assert touched
    with StageStore(tmp_path / "whole.duckdb") as st:
        st.stage("run:1", works)
        EmbeddedEngine().resolve(st)
        build_coauthor_table(st, 50)
        expected = _coauthor(st), _big_team(st)
    rng = random.Random(7)
    for attempt in range(20):
        stage = tmp_path / f"killed-{attempt}.duckdb"
        shutil.copy(base, stage)
        proc = subprocess.Popen(
            [sys.executable, "-c", _BUILD_IN_CHILD, str(stage)], stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "building"
        time.sleep(rng.uniform(0, 0.05))
        proc.kill()
        proc.communicate(timeout=30)
        with StageStore(stage) as st:
            if st.scalar("SELECT count(*) FROM pending_coauthor") != touched:
                continue  # the build had committed before the kill: try again, sooner
            build_coauthor_table(st, 50)
            assert (_coauthor(st), _big_team(st)) == expected
        break
    else:
        pytest.fail("every kill came after the build had committed")


def _dblp_records(tmp: Path) -> list[Record]:
    """DBLP as the pipeline benchmark loads it: its CSV bundle (bench.pipeline.dblp_bundle), parsed."""
    dblp_bundle(tmp / "dblp-bundle")
    return [r for r in parsers.iter_records([str(tmp / "dblp-bundle")]) if r.kind != "reject"]


@pytest.mark.shared_data
@pytest.mark.skipif(not DBLP_TSV.is_file(), reason=f"the DBLP co-authorship data is not at {DBLP_TSV}")
def test_dblp_gives_61456_pairs_whole_and_incrementally(tmp_path: Path) -> None:
    """DBLP in two loads (90% then 10%), the table built after each: the same 61,456 pairs as one whole build."""
    works = _dblp_records(tmp_path)
    cut = len(works) * 9 // 10
    with StageStore(tmp_path / "dblp.duckdb") as st:
        st.stage("run:1", works[:cut])
        EmbeddedEngine().resolve(st)
        assert build_coauthor_table(st, 50).whole
        st.stage("run:2", works[cut:])
        EmbeddedEngine().resolve(st)
        built = build_coauthor_table(st, 50)
        assert not built.whole and 0 < built.recomputed < 0.4 * built.pairs
        assert built.pairs == 61456
        incremental = _coauthor(st)
        assert build_coauthor_table(st, 50, mode="whole").pairs == 61456
        assert _coauthor(st) == incremental
