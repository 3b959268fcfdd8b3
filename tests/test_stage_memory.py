"""The stage store's memory bound (#15): a load's DuckDB gets a memory limit by default, spills beside the store, and
a tiny limit still resolves a corpus to the same tables, its unspillable statements run a partition at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kg.config import Settings
from kg.derive.coauthor_table import _partitions, build_coauthor_table
from kg.models import WorkRecord
from kg.pipeline import open_stage
from kg.resolve.engine import EmbeddedEngine
from kg.sources.parsers.csv_bundle import parse_bundle
from kg.stage import store
from kg.stage.store import StageStore
from kg.synth import SynthParams, generate

TABLES = ("work", "slot", "cluster_slot", "researcher", "institution", "authored", "affiliated", "coauthor")


def _setting(st: StageStore, name: str) -> Any:
    return st.scalar(f"SELECT current_setting('{name}')")


def test_a_load_opens_its_stage_with_the_default_memory_limit_and_spills_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KG_STAGE_MEMORY_LIMIT", raising=False)
    s = Settings()
    assert s.stage_memory_limit == "512MB"
    with open_stage(s, tmp_path / "stage.duckdb") as st:
        assert _setting(st, "memory_limit") == "488.2 MiB"  # 512 MB in DuckDB's unit, not 80 % of the machine
        assert _setting(st, "temp_directory") == str(tmp_path / "stage.duckdb.tmp")
        assert _setting(st, "preserve_insertion_order") is False
        assert st.memory_budget() == 511_914_803  # 488.2 MiB as DuckDB rounds it
    # an empty KG_STAGE_MEMORY_LIMIT leaves DuckDB's own default
    monkeypatch.setenv("KG_STAGE_MEMORY_LIMIT", "")
    with open_stage(Settings(), tmp_path / "other.duckdb") as st:
        assert st.memory_budget() > 511_914_803


def _resolved(corpus: Path, stage: Path, memory_limit: str | None) -> tuple[dict[str, list[Any]], int]:
    """Every resolved table (sorted rows) after staging, resolving and building COAUTHOR with this limit, and the
    partitions the COAUTHOR build ran in."""
    with StageStore(stage, memory_limit=memory_limit) as st:
        st.stage("run:1", (r for r in parse_bundle(corpus) if not hasattr(r, "reason")))  # type: ignore[misc]
        EmbeddedEngine().resolve(st)
        build_coauthor_table(st, 25)
        parts = _partitions(st)
        tables = {t: sorted(st.con.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in TABLES}
    return tables, parts


def test_a_tiny_memory_limit_resolves_the_same_tables_a_partition_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a row's state taken as 20 times what it is, so that 3,000 works under 64 MB take several parts, as a million
    # works do under the default limit
    monkeypatch.setattr(store, "PART_BYTES_PER_ROW", 20_000)
    corpus = tmp_path / "corpus"
    generate(SynthParams(works=3000, seed=7), corpus)
    free, free_parts = _resolved(corpus, tmp_path / "free.duckdb", None)
    tight, tight_parts = _resolved(corpus, tmp_path / "tight.duckdb", "64MB")
    # without a limit the build is one statement; under 64 MB it is split, and gives the same rows
    assert free_parts == 1 and tight_parts > 1
    assert len(free["coauthor"]) > 10_000 and len(free["affiliated"]) > 1_000, {
        t: len(free[t]) for t in TABLES
    }
    for t in TABLES:
        assert tight[t] == free[t], t


def _cached_bytes(st: StageStore) -> int:
    return int(st.scalar("SELECT sum(memory_usage_bytes) FROM duckdb_memory()") or 0)


@pytest.mark.parametrize("limit", ["256MB", None])
def test_an_idle_store_drops_its_page_cache_and_gets_its_limit_back(
    tmp_path: Path, limit: str | None
) -> None:
    # what the bulk path does while neo4j-admin imports: this process should not sit on the store's pages
    with StageStore(tmp_path / "s.duckdb", memory_limit=limit) as st:
        before = _setting(st, "memory_limit")
        st.con.execute("CREATE TABLE t AS SELECT range AS a, md5(range::VARCHAR) AS b FROM range(6000000)")
        st.con.execute("CHECKPOINT")
        st.scalar("SELECT max(b) || min(a) FROM t")  # reads every page of the table into the cache
        assert _cached_bytes(st) > 100_000_000
        with st.idle():
            assert _setting(st, "memory_limit") == "61.0 MiB"
            assert _cached_bytes(st) <= 64_000_000
            assert st.scalar("SELECT count(*) FROM t") == 6_000_000  # still usable, only smaller
        assert _setting(st, "memory_limit") == before


def test_an_incremental_coauthor_build_under_a_tiny_limit_runs_in_parts_and_gives_the_whole_builds_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """100k more works into a 1M stage recompute ~1.7M pairs, whose list aggregates in one statement ran out of the
    default 512 MB (bench.pipeline --works 1000000 --more 100000): the pairs a load changed are partitioned as the
    whole build's are, and give the rows the whole build gives."""
    from kg.derive import coauthor_table

    # as in the test above: under 64 MB, 3,000 works take parts as a million do under 512 MB
    monkeypatch.setattr(store, "PART_BYTES_PER_ROW", 20_000)
    corpus = tmp_path / "corpus"
    generate(SynthParams(works=3000, seed=11), corpus)
    recs = [r for r in parse_bundle(corpus) if isinstance(r, WorkRecord)]
    cut = len(recs) * 2 // 3  # the first two thirds of the works, then the rest
    first, more = recs[:cut], recs[cut:]
    parts_seen: list[int] = []
    real = coauthor_table._insert_pairs
    monkeypatch.setattr(coauthor_table, "_insert_pairs", lambda st, n: (parts_seen.append(n), real(st, n))[1])
    with StageStore(tmp_path / "tight.duckdb", memory_limit="64MB") as st:
        for i, part in enumerate((first, more)):
            st.stage(f"run:{i}", part)
            EmbeddedEngine().resolve(st)
            built = build_coauthor_table(st, 25, "incremental" if i else "auto")
        assert not built.whole and built.recomputed > 1_000
        tight = sorted(st.con.execute("SELECT * FROM coauthor").fetchall(), key=repr)
    assert parts_seen[1] > 1  # the incremental build ran in parts
    free, _ = _resolved(corpus, tmp_path / "free.duckdb", None)
    assert tight == free["coauthor"]


def test_running_out_of_the_stage_memory_limit_is_one_line_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import duckdb

    from kg.cli.app import out_of_memory
    from kg.config import get_settings

    monkeypatch.setenv("KG_STAGE_MEMORY_LIMIT", "512MB")
    get_settings.cache_clear()
    con = duckdb.connect()
    con.execute("SET memory_limit = '4MB'")
    con.execute("SET threads = 1")
    with pytest.raises(duckdb.OutOfMemoryException) as caught:  # a real one, from DuckDB itself
        con.execute("SELECT list(i ORDER BY i DESC) FROM range(5000000) t(i)").fetchall()
    line = out_of_memory(caught.value)
    assert line is not None and "\n" not in line
    assert line.startswith("the stage store ran out of memory (")
    assert line.endswith(
        "under KG_STAGE_MEMORY_LIMIT=512MB: raise it (e.g. KG_STAGE_MEMORY_LIMIT=2GB) and run the same command "
        "again; a load resumes where it stopped"
    )
    assert out_of_memory(ValueError("Out of Memory Error: not DuckDB's")) is None
    get_settings.cache_clear()
