"""The online writer's pure parts (no Neo4j): reading ahead, the partition rounds, recording what was written."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kg.config import Settings
from kg.stage.store import StageStore
from kg.write.online import Confirmed, OnlineWriter, _rounds, read_ahead


def test_read_ahead_yields_every_item_in_order() -> None:
    assert list(read_ahead(iter(range(1000)), depth=3)) == list(range(1000))
    assert list(read_ahead(iter([]))) == []


def test_read_ahead_produces_the_next_item_while_the_consumer_works() -> None:
    produced: list[int] = []
    seen_ahead: list[int] = []

    def items() -> Iterator[int]:
        for i in range(4):
            produced.append(i)
            yield i

    for i in read_ahead(items()):
        time.sleep(0.2)  # the consumer's work (a write); meanwhile the producer builds the next item
        seen_ahead.append(len(produced) - 1 - i)
    # while item i was consumed, the next had been produced already (one in the queue and at most one more
    # waiting to enter it: depth + 1), except after the last
    assert all(1 <= a <= 2 for a in seen_ahead[:2]), seen_ahead
    assert seen_ahead[-2:] == [1, 0]


def test_read_ahead_raises_the_producers_error_where_it_happened() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("bad row in the stage")

    got = []
    with pytest.raises(ValueError, match="bad row in the stage"):
        for x in read_ahead(items()):
            got.append(x)
    assert got == [1, 2]


def test_leaving_the_loop_early_stops_the_producer() -> None:
    produced: list[int] = []

    def items() -> Iterator[int]:
        for i in range(10_000):
            produced.append(i)
            yield i

    before = threading.active_count()
    with pytest.raises(RuntimeError):
        for x in read_ahead(items(), depth=2):
            if x == 5:
                raise RuntimeError("a write failed")
    assert threading.active_count() == before  # the producer thread has ended
    assert len(produced) <= 5 + 1 + 2 + 1  # it stopped a few items ahead, not at the end


@pytest.mark.parametrize("p", [1, 2, 3, 4, 5])
def test_the_rounds_cover_every_cell_once_and_no_round_shares_a_partition(p: int) -> None:
    for same_label in (False, True):
        rounds = _rounds(p, same_label)
        cells = [c for r in rounds for c in r]
        want = {(a, b) for a in range(p) for b in range(p) if not same_label or a <= b}
        assert sorted(cells) == sorted(want)
        for r in rounds:
            used = [x for a, b in r for x in ({a, b} if same_label else {("s", a), ("e", b)})]
            assert len(used) == len(set(used)), (p, same_label, r)


# ---- the stage's record of what the graph holds (`written`) ------------------------------------------------------


class _CountingCon:
    """The stage's DuckDB connection, counting the statements that delete from `written`."""

    def __init__(self, con: Any) -> None:
        self._con = con
        self.deletes = 0

    def execute(self, sql: str, *args: Any, **kwargs: Any) -> Any:
        if "DELETE FROM written" in sql:
            self.deletes += 1
        return self._con.execute(sql, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def _writer(store: StageStore) -> OnlineWriter:
    return OnlineWriter(
        None,  # type: ignore[arg-type]  # recording in the stage never talks to Neo4j
        store,
        Settings(),
        "run:test",
        merge=frozenset(),
        batch_size=10,
        sessions=1,
    )


def _written(store: StageStore) -> list[tuple[str, str, int]]:
    return [tuple(r) for r in store.con.execute("SELECT kind, key, h FROM written ORDER BY ALL").fetchall()]


def test_rows_new_to_the_stage_are_recorded_without_deleting_from_written(tmp_path: Path) -> None:
    # the DELETE scans the whole table (≈ 25M rows at 1M works) whatever the batch: new rows need none
    with StageStore(tmp_path / "s.duckdb") as store:
        store.con.execute("INSERT INTO written VALUES ('Work', 'w0', 1)")
        counting = _CountingCon(store.con)
        store.con = counting  # type: ignore[assignment]
        w = _writer(store)
        w._fresh = [Confirmed("Work", f"w{i}", i * 10, True) for i in range(1, 4)]
        w._flush(replaced=True)
        assert counting.deletes == 0
        assert _written(store) == [
            ("Work", "w0", 1),
            ("Work", "w1", 10),
            ("Work", "w2", 20),
            ("Work", "w3", 30),
        ]


def test_changed_and_deleted_rows_replace_what_written_held_once_at_the_end(tmp_path: Path) -> None:
    with StageStore(tmp_path / "s.duckdb") as store:
        store.con.execute(
            "INSERT INTO written VALUES ('Work', 'a', 1), ('Work', 'b', 2), ('Researcher', 'a', 3)"
        )
        counting = _CountingCon(store.con)
        store.con = counting  # type: ignore[assignment]
        w = _writer(store)
        w._replaced = [
            Confirmed("Work", "a", 11, False),
            Confirmed("Work", "b", None, False),
        ]  # a changed, b deleted
        w._fresh = [Confirmed("Work", "c", 12, True)]
        w._flush(replaced=False)  # between batches: only the new row is recorded
        assert counting.deletes == 0
        assert _written(store) == [
            ("Researcher", "a", 3),
            ("Work", "a", 1),
            ("Work", "b", 2),
            ("Work", "c", 12),
        ]
        w._flush(replaced=True)  # the end of the write
        assert counting.deletes == 1
        assert _written(store) == [("Researcher", "a", 3), ("Work", "a", 11), ("Work", "c", 12)]
        assert w._fresh == [] and w._replaced == []


def test_deletions_are_the_keys_written_holds_that_the_resolved_table_lacks(tmp_path: Path) -> None:
    from kg.write import changes

    with StageStore(tmp_path / "s.duckdb") as store:
        store.con.execute("INSERT INTO coauthor (src, dst) VALUES ('r1', 'r2'), ('r2', 'r3')")
        sep = changes.SEP
        store.con.execute(
            "INSERT INTO written VALUES ('COAUTHOR', ?, 1), ('COAUTHOR', ?, 2), ('COAUTHOR', ?, 3), ('Work', ?, 4)",
            [f"r1{sep}r2", f"r1{sep}r3", f"r3{sep}r2", f"r1{sep}r3"],
        )
        kind = next(k for k in changes.rel_kinds() if k.name == "COAUTHOR")
        gone = sorted(k for b in changes.deletions(store, kind) for k in b.column("_key").to_pylist())
        assert gone == [f"r1{sep}r3", f"r3{sep}r2"]  # another kind's key and the table's own pairs stay
        assert changes.counts(store)["COAUTHOR"][1] == 2
