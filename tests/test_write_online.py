"""The online writer's pure parts (no database): reading ahead, the partition rounds."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from kg.write.online import _rounds, read_ahead


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
