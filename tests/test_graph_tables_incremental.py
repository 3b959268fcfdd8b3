"""The graph tables (authored, affiliated, has_topic, cites and the rest) built for what a load touched: equal row
for row to the whole rebuild over random sequences of loads (new works with institutions, topics and references,
works re-loaded with other authors, years, institutions or references, researchers merged by a later profile
carrying ids and institutions, curated merges and splits, loads killed before the build), and after a load killed
with SIGKILL between the researchers step and the graph tables, or during them.

No database server: the stage is a real DuckDB file."""

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

from kg.models import AuthorRef, InstitutionRef, Record, ResearcherRecord, TopicRef, WorkIds, WorkRecord
from kg.resolve import graph
from kg.resolve.engine import EmbeddedEngine
from kg.resolve.graph import GRAPH_TABLES, GraphBuild, build_graph_tables
from kg.stage.store import StageStore
from tests.test_coauthor_table import Loads, stage_next_load, synth_works

INSTITUTIONS = [InstitutionRef(source_id=f"inst{i}", name=f"University {i}") for i in range(6)]
TOPICS = [TopicRef(id=f"openalex:T{i}", name=f"Topic {i}", score=0.5 + i / 20) for i in range(5)]


class RichLoads(Loads):
    """Loads whose authorships name institutions, whose works have topics and cite earlier works (by DOI), and
    whose profiles name institutions: every input of the graph tables changes now and then."""

    def _authors(self) -> list[AuthorRef]:
        out = []
        for a in super()._authors():
            insts = self.rng.sample(INSTITUTIONS, self.rng.choice([0, 1, 1, 2]))
            raw = [f"Dept {self.rng.randint(0, 3)}"] if insts and self.rng.random() < 0.5 else []
            out.append(a.model_copy(update={"institutions": insts, "raw_affiliations": raw}))
        return out

    def _extras(self) -> dict[str, Any]:
        known = [w for w in self.works if w.ids.doi or w.ids.arxiv]  # (a listing is known by its title only)
        cited = self.rng.sample(known, min(len(known), self.rng.randint(0, 3)))
        return {
            "topics": self.rng.sample(TOPICS, self.rng.randint(0, 2)),
            "references": [f"doi:{w.ids.doi}" if w.ids.doi else f"arxiv:{w.ids.arxiv}" for w in cited],
        }

    def preprint(self) -> WorkRecord:
        """A work known by its arXiv id only (cited by it), until a later record gives its DOI too."""
        w = self.new_work()
        w = w.model_copy(update={"ids": WorkIds(arxiv=f"2101.{len(self.works):05d}")})
        self.works[-1] = w
        return w

    def published(self) -> WorkRecord | None:
        """A preprint again with a DOI: its work takes the DOI as its id, the old id goes (and what cited it
        cites the new one)."""
        pre = [w for w in self.works if w.ids.arxiv and not w.ids.doi]
        if not pre:
            return None
        w = self.rng.choice(pre)
        return w.model_copy(
            update={
                "prov": self._prov("crossref"),
                "ids": WorkIds(arxiv=w.ids.arxiv, doi=f"10.2000/{w.ids.arxiv}"),
            }
        )

    def load(self) -> list[Record]:
        recs = super().load()
        r = self.rng.random()
        extra = self.preprint() if r < 0.3 else self.published() if r < 0.55 else None
        return recs + ([extra] if extra else [])

    def new_work(self) -> WorkRecord:
        w = super().new_work().model_copy(update=self._extras())
        self.works[-1] = w
        return w

    def changed_work(self) -> WorkRecord:
        w = super().changed_work()
        return w.model_copy(update=self._extras()) if self.rng.random() < 0.5 else w

    def profile(self) -> ResearcherRecord:
        p = super().profile()
        return p.model_copy(update={"institutions": self.rng.sample(INSTITUTIONS, self.rng.randint(0, 2))})


def _equal_to_whole(st: StageStore, tmp: Path) -> dict[str, int]:
    """Every graph table against a whole rebuild of a copy of the stage: {table: rows that differ} (EXCEPT ALL both
    ways, and the counts), {} when equal."""
    st.con.execute("CHECKPOINT")  # everything in the file, so a copy of it is the stage
    copy = tmp / "whole.duckdb"
    shutil.copy(st.path, copy)
    with StageStore(copy) as other:
        assert build_graph_tables(other, mode="whole").whole
    st.con.execute(f"ATTACH '{copy}' AS whole (READ_ONLY)")
    out = {}
    try:
        for t in GRAPH_TABLES:
            n = st.scalar(
                f"SELECT count(*) FROM ((SELECT * FROM {t} EXCEPT ALL SELECT * FROM whole.{t}) "
                f"UNION ALL (SELECT * FROM whole.{t} EXCEPT ALL SELECT * FROM {t}))"
            )
            counts = st.scalar(f"SELECT (SELECT count(*) FROM {t}) - (SELECT count(*) FROM whole.{t})")
            if n or counts:
                out[t] = int(n or 0) + abs(int(counts or 0))
    finally:
        st.con.execute("DETACH whole")
    copy.unlink()
    return out


class _Killed(Exception):
    """The load stopped after resolving researchers, before the graph tables (as if killed there)."""


# 3 sequences in the test command; KG_TEST_GRAPH_SEEDS=50 for more
@pytest.mark.parametrize("seed", range(int(os.environ.get("KG_TEST_GRAPH_SEEDS", "3"))))
def test_the_incremental_tables_are_the_whole_rebuild_over_random_loads(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After every load the graph tables are built only for what the loads since the last build touched (now and
    then a load stops before them, and the next load builds what both touched), and equal the whole rebuild."""
    monkeypatch.setattr(graph, "WHOLE_REBUILD_SHARE", 1e9)  # never whole once built, however much was touched
    builds: list[GraphBuild] = []
    kill = [False]

    def build(store: StageStore) -> GraphBuild:
        if kill[0]:
            raise _Killed
        builds.append(build_graph_tables(store))
        return builds[-1]

    monkeypatch.setattr(graph, "build_graph_tables", build)
    loads = RichLoads(seed)
    rng = random.Random(2000 + seed)
    st = StageStore(tmp_path / "stage.duckdb")
    for step in range(16):
        stage_next_load(st, loads, rng, step)
        kill[0] = step > 0 and rng.random() < 0.2
        try:
            EmbeddedEngine().resolve(st)
        except _Killed:
            continue
        assert builds[-1].whole == (step == 0)  # the first build has nothing to start from
        # every step drops its temporary tables: they would hold their rows through the rest of the load
        assert st.con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall() == []
        assert _equal_to_whole(st, tmp_path) == {}, f"seed {seed}, load {step}"
    assert sum(not b.whole for b in builds) >= 8
    assert any(b.works < st.scalar("SELECT count(*) FROM work") for b in builds[1:])  # not always everything
    for t in ("authored", "affiliated", "has_topic", "cites", "institution", "topic"):
        assert st.scalar(f"SELECT count(*) FROM {t}"), f"{t} is empty: the loads do not exercise it"
    assert st.scalar(
        "SELECT count(*) FROM affiliated WHERE source <> 'authorships'"
    )  # profiles' affiliations
    st.close()


def test_a_load_that_changes_nothing_touches_nothing_and_auto_falls_back_to_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads = RichLoads(99)
    st = StageStore(tmp_path / "s.duckdb")
    recs = [loads.new_work() for _ in range(40)]
    st.stage("run:1", recs)
    EmbeddedEngine().resolve(st)  # the first build: whole, and nothing recorded before it
    assert st.scalar("SELECT count(*) FROM pending_graph") == 0
    st.stage("run:2", recs)  # the same records again: nothing touched, nothing to build
    EmbeddedEngine().resolve(st)
    again = build_graph_tables(st)
    assert (again.whole, again.works, again.researchers) == (False, 0, 0)
    # as many works again, the build left to the end: more than WHOLE_REBUILD_SHARE touched, auto rebuilds whole
    monkeypatch.setattr(graph, "build_graph_tables", lambda store: None)
    st.stage("run:3", [loads.new_work() for _ in range(60)])  # 60 of 100 works: over WHOLE_REBUILD_SHARE
    EmbeddedEngine().resolve(st)
    assert st.scalar("SELECT count(DISTINCT work) FROM pending_graph") >= 60
    many = build_graph_tables(st)
    assert many.whole and many.works >= 100
    assert st.scalar("SELECT count(*) FROM pending_graph") == 0
    assert _equal_to_whole(st, tmp_path) == {}
    st.close()


# A resolve in a child process that stops (prints, then waits to be killed) between the researchers step and the
# graph tables, or that builds them (killed at some point during the build).
_RESOLVE_IN_CHILD = """
import sys, time
from kg.resolve import graph
from kg.resolve.engine import EmbeddedEngine
from kg.stage.store import StageStore

build = graph.build_graph_tables

def stop_or_build(store):
    print("building", flush=True)
    if sys.argv[2] == "before":
        time.sleep(600)
    return build(store, "incremental")

graph.build_graph_tables = stop_or_build
st = StageStore(sys.argv[1])
EmbeddedEngine().resolve(st)
st.close()
print("built", flush=True)
"""


def _resolve_capturing_builds(st: StageStore) -> list[GraphBuild]:
    """Resolve what is pending; the graph tables builds it made."""
    built: list[GraphBuild] = []
    build = graph.build_graph_tables

    def capture(store: StageStore) -> GraphBuild:
        built.append(build(store))
        return built[-1]

    graph.build_graph_tables = capture  # type: ignore[assignment]
    try:
        EmbeddedEngine().resolve(st)
    finally:
        graph.build_graph_tables = build  # type: ignore[assignment]
    return built


def _kill_at(stage: Path, where: str, delay: float) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", _RESOLVE_IN_CHILD, str(stage), where], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "building"
    time.sleep(delay)
    proc.kill()
    proc.communicate(timeout=30)


def test_a_load_killed_with_sigkill_before_or_during_the_graph_tables_is_built_right_by_the_next(
    tmp_path: Path,
) -> None:
    """kill -9 after the researchers step committed (the graph tables not built yet), or while they are being
    built: what the load touched is still recorded, and the next resolve (nothing left to resolve) builds the
    tables the whole rebuild gives, for only what was touched."""
    works = synth_works(tmp_path / "synth", 3000, seed=5)
    base = tmp_path / "base.duckdb"
    with StageStore(base) as st:
        st.stage("run:1", works[:2700])
        EmbeddedEngine().resolve(st)
        st.stage("run:2", works[2700:])
        st.con.execute("CHECKPOINT")
    rng = random.Random(11)
    attempts = [("before", 0.0)] + [("during", rng.uniform(0, 0.2)) for _ in range(20)]
    killed_during = False
    for i, (where, delay) in enumerate(attempts):
        stage = tmp_path / f"killed-{i}.duckdb"
        shutil.copy(base, stage)
        _kill_at(stage, where, delay)
        with StageStore(stage) as st:
            assert st.scalar("SELECT count(*) FROM pending_block") == 0  # the researchers step had committed
            if not st.scalar("SELECT count(*) FROM pending_graph"):
                assert where == "during"
                continue  # the build had committed before the kill: try again, sooner
            assert _equal_to_whole(st, tmp_path), "the killed load's tables are not yet the new ones"
            built = _resolve_capturing_builds(st)
            assert not built[0].whole and 0 < built[0].works < 3000
            assert _equal_to_whole(st, tmp_path) == {}
            assert st.scalar("SELECT count(*) FROM pending_graph") == 0
        stage.unlink()
        killed_during = where == "during"
        if killed_during:
            break
    assert killed_during, "every kill came after the build had committed"


def test_an_incremental_build_under_a_tiny_limit_runs_in_parts_and_gives_the_whole_builds_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As tests/test_stage_memory.py does for the whole build: under 64 MB, 3,000 works take parts as a million do
    under 512 MB, and the touched researchers' affiliations computed a part at a time are the whole build's."""
    from kg.stage import store

    monkeypatch.setattr(store, "PART_BYTES_PER_ROW", 20_000)
    monkeypatch.setattr(graph, "WHOLE_REBUILD_SHARE", 1e9)
    works = synth_works(tmp_path / "synth", 3000, seed=13)
    parts: list[int] = []
    real = graph._insert_by_parts
    monkeypatch.setattr(
        graph, "_insert_by_parts", lambda st, *a: (parts.append(st.parts_for(a[-1])), real(st, *a))[1]
    )
    with StageStore(tmp_path / "tight.duckdb", memory_limit="64MB") as st:
        st.stage("run:1", works[:2000])
        EmbeddedEngine().resolve(st)
        st.stage("run:2", works[2000:])
        parts.clear()
        built = _resolve_capturing_builds(st)
        assert not built[0].whole and built[0].researchers > 500
        assert parts[0] > 1  # the touched researchers' affiliations, in parts
        assert _equal_to_whole(st, tmp_path) == {}
