"""The stored rows built column-wise (kg.derive.suggestion_rows) are byte for byte the rows of the per-suggestion
definitions (kg.discover.reasons_text and digest, one Suggestion at a time, as the write path made them before):
on a real co-author graph, on numbers at the rounding edges, and on ids that need JSON escaping."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.discover_eval import COAUTHORSHIP, dblp_edges
from kg import discover, linkpred
from kg.derive import suggestion_rows
from kg.linkpred import Ragged, SuggestionBlock

DBLP = COAUTHORSHIP / "hypergcn"
F = len(linkpred.FEATURES)


def reference_rows(
    inp: discover.DiscoveryInput, batch: np.ndarray, sugs: list[linkpred.Suggestion]
) -> list[Any]:
    """The rows as the write path made them one suggestion at a time (discover._changed_rows before #20)."""
    rid = inp.researcher_ids
    lists: dict[int, tuple[list[str], list[float], list[str]]] = {}
    for x in sugs:
        targets, scores, texts = lists.setdefault(x.source, ([], [], []))
        targets.append(rid[x.target])
        scores.append(round(float(x.score), discover.DIGITS))
        texts.append(discover.reasons_text(x, inp))
    rows: list[Any] = []
    for i in batch.tolist():
        old = int(inp.digests[i])
        got = lists.get(i)
        if got is None:
            if old != discover.NO_DIGEST:
                rows.append([rid[i], None, None, None, None])
            continue
        d = discover.digest(*got)
        if d != old:
            rows.append([rid[i], *got, d])
    return rows


def _input(edges: linkpred.EdgeList, stored: np.ndarray | None = None) -> discover.DiscoveryInput:
    def ids(prefix: str, n: int) -> list[str]:
        # every 7th id needs escaping: quotes, a backslash, non-ASCII, a tab
        return [f"{prefix}:{i}" + (' "q" ü\\\t' if i % 7 == 3 else "") for i in range(n)]

    return discover.DiscoveryInput(
        ids("r", edges.n),
        ids("t", max(edges.n_topics, 1)),
        ids("i", max(edges.n_institutions, 1)),
        edges,
        researcher_names=[None] * edges.n,
        venue_names=ids("Venue", max(edges.n_venues, 1)),
        digests=np.zeros(edges.n, dtype=np.int64) if stored is None else stored,
    )


def _same(new: list[Any], ref: list[Any]) -> None:
    assert len(new) == len(ref)
    for a, b in zip(new, ref, strict=True):
        assert a == b
        assert [type(x) for x in a] == [type(x) for x in b]
        if a[2] is not None:
            assert [repr(x) for x in a[2]] == [repr(x) for x in b[2]]  # the scores, to the last bit and sign


@pytest.mark.skipif(not DBLP.exists(), reason=f"{DBLP} is absent")
def test_rows_equal_the_per_suggestion_rows_on_dblp() -> None:
    edges = dblp_edges(DBLP)
    # venues and years for the venue reasons (DBLP has none): a venue per authorship, drawn; institutions, drawn;
    # 50 people with no co-author and no topic (no suggestion)
    rng = np.random.default_rng(5)
    edges = dataclasses.replace(
        edges,
        n=edges.n + 50, n_venues=40, work_venue=rng.integers(-1, 40, len(edges.work_researcher)),
        work_year=rng.integers(2000, 2024, len(edges.work_researcher)),
        n_institutions=30, institution_rows=np.stack([rng.integers(0, edges.n, 9000), rng.integers(0, 30, 9000)], 1),
    )  # fmt: skip
    graph = linkpred.Graph(edges)
    sources = np.sort(np.r_[rng.choice(edges.n - 50, 4000, replace=False), np.arange(edges.n - 50, edges.n)])
    blocks = list(linkpred.suggest_blocks(graph, sources, linkpred.Params(batch_sources=300)))
    assert len(blocks) > 5
    inp = _input(edges)
    first = [(b, blk, blk.suggestions()) for b, blk in blocks]
    kinds = {k: 0 for k in ("c", "t", "i", "s", "none")}
    for batch, block, sugs in first:
        _same(discover._changed_rows(inp, "r", batch, block, None), reference_rows(inp, batch, sugs))
        for x in sugs:
            kinds["c"] += bool(x.shared_coauthors)
            kinds["t"] += bool(x.shared_topics)
            kinds["i"] += bool(x.shared_institutions)
            kinds["s"] += bool(x.shared_venues)
        kinds["none"] += len(batch) - len({x.source for x in sugs})
    assert min(kinds.values()) > 0, (
        kinds
    )  # every kind of reason, and sources with no suggestion, were formatted
    # a re-run: a third of the sources stored what they get now (not written), a third something else (rewritten),
    # and some with nothing to suggest now had lists stored (cleared)
    stored = np.zeros(edges.n, dtype=np.int64)
    for _, _, sugs in first:
        got: dict[int, list[linkpred.Suggestion]] = {}
        for x in sugs:
            got.setdefault(x.source, []).append(x)
        for i, xs in got.items():
            if i % 3 == 0:
                stored[i] = discover.digest(
                    [inp.researcher_ids[x.target] for x in xs],
                    [round(x.score, 6) for x in xs],
                    [discover.reasons_text(x, inp) for x in xs],
                )
            elif i % 3 == 1:
                stored[i] = 12345
    stored[sources[::5]] = np.where(stored[sources[::5]] == 0, 777, stored[sources[::5]])
    inp = _input(edges, stored)
    cleared = 0
    for batch, block, sugs in first:
        new = discover._changed_rows(inp, "r", batch, block, None)
        _same(new, reference_rows(inp, batch, sugs))
        cleared += sum(r[1] is None for r in new)
    assert cleared > 0


def _block(values: list[float], rng: np.random.Generator, sources: int = 3) -> SuggestionBlock:
    """A block whose every number (features, contributions, boost, score, reason weights) is drawn from values."""
    m = max(sources, len(values) // 4)
    pick = np.array(values, dtype=np.float64)

    def draw(*shape: int) -> np.ndarray:
        return pick[rng.integers(0, len(pick), shape)]

    def ragged(n_keys: int, weights: int) -> Ragged:
        ptr = np.zeros(m + 1, dtype=np.int64)
        np.cumsum(rng.integers(0, 4, m), out=ptr[1:])
        n = int(ptr[-1])
        cols = [draw(n) for _ in range(weights)]
        return Ragged(ptr, rng.integers(0, n_keys, n), *cols)

    return SuggestionBlock(
        source=np.sort(rng.integers(0, sources, m)),
        target=rng.integers(0, 20, m),
        rank=np.ones(m, dtype=np.int64),
        score=draw(m),
        features=draw(m, F),
        contributions=draw(m, F),
        open_boost=draw(m),
        target_open=rng.random(m) < 0.5,
        shared_coauthor_count=rng.integers(0, 12, m),
        coauthors=_flagged(ragged(20, 1), rng),
        topics=ragged(5, 2),
        institutions=ragged(5, 0),
        venues=ragged(5, 2),
    )


def _flagged(r: Ragged, rng: np.random.Generator) -> Ragged:
    """The shared co-authors' lists with their open flags (b: 1.0 or 0.0)."""
    return Ragged(r.ptr, r.key, r.a, rng.integers(0, 2, len(r.key)).astype(np.float64))


EDGES = [
    0.0, -0.0, 1.0, -1.0, 1e-7, -1e-9, 5e-7, 4.999999e-7, 5.000001e-7, 1.5e-6, 2.5e-6, 1e-5, 1.2e-5, 9.9e-5,
    1e-4, 0.0001005, 0.1 + 0.2, 2.675, 0.285, 1.0000005, 0.0078125, 1 / 3, 2 / 3, math.pi, 1 / math.log(2),
    123456.1234565, 999999.9999995, 1e15 + 0.3, 7.1e-5, 0.5, 0.123456500000001, 0.1234565, 3.0000004999999997,
]  # fmt: skip


def _small_input() -> discover.DiscoveryInput:
    """Ids for the keys _block draws: 20 researchers, 5 topics, institutions and venues."""
    none = np.zeros((0, 2), dtype=np.int64)
    return _input(linkpred.EdgeList(n=20, coauthor=none, n_topics=5, n_institutions=5, n_venues=5))


def _check_block(block: SuggestionBlock) -> None:
    inp = _small_input()
    sugs = block.suggestions()
    texts = suggestion_rows.stored_texts(block, inp.names())
    assert texts == [discover.reasons_text(x, inp) for x in sugs]
    batch = np.arange(5, dtype=np.int64)
    _same(discover._changed_rows(inp, "r", batch, block, None), reference_rows(inp, batch, sugs))


def test_rows_at_the_rounding_edges() -> None:
    """round(x, 6) and repr: ties, values just off a tie, −0.0, values that round to 0 from below, exponents
    (1e-05), big values; every one in every position of the text and the scores."""
    rng = np.random.default_rng(1)
    for _ in range(5):
        _check_block(_block(EDGES, rng))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6), min_size=1))
def test_rows_for_any_numbers(values: list[float]) -> None:
    _check_block(_block(values, np.random.default_rng(len(values))))


def test_an_id_holding_the_separator_is_escaped_alone() -> None:
    """The block's texts are cut apart at NUL; an id holding NUL is escaped as \\u0000 in the texts, so the
    digest's one-call escaping would cut wrong: it falls back to escaping each text alone."""
    rng = np.random.default_rng(2)
    block = _block([0.5, 0.25], rng)
    inp = _small_input()
    inp.researcher_ids[:] = [f"r\x00{i}" for i in range(20)]
    sugs = block.suggestions()
    assert any("\\u0000" in t for t in suggestion_rows.stored_texts(block, inp.names()))
    batch = np.arange(5, dtype=np.int64)
    _same(discover._changed_rows(inp, "r", batch, block, None), reference_rows(inp, batch, sugs))


def test_blocks_and_suggestion_objects_convert_both_ways() -> None:
    rng = np.random.default_rng(3)
    block = _block(EDGES, rng, sources=4)
    sugs = block.suggestions()
    again = SuggestionBlock.of(sugs, F)
    assert again.suggestions() == sugs
    for f in dataclasses.fields(SuggestionBlock):
        a, b = getattr(block, f.name), getattr(again, f.name)
        if isinstance(a, Ragged):
            for g in dataclasses.fields(Ragged):
                np.testing.assert_array_equal(getattr(a, g.name), getattr(b, g.name))
        else:
            np.testing.assert_array_equal(a, b)
    empty = SuggestionBlock.of([], F)
    assert len(empty) == 0 and empty.suggestions() == [] and len(empty.source_runs()) == 1
    inp = _small_input()
    assert suggestion_rows.stored_texts(empty, inp.names()) == []
    inp.digests[[1, 3]] = [5, 6]
    assert discover._changed_rows(inp, "r", np.array([3, 2, 1]), empty, None) == [
        ['r:3 "q" ü\\\t', None, None, None, None],
        ["r:1", None, None, None, None],
    ]


def test_best_first_orders_as_the_three_key_lexsort() -> None:
    """The ranking's one-key sort gives np.lexsort's order (row, rounded value descending, id): with exact ties,
    values a hair apart (equal at TIE_DIGITS, so tied), and outside its range (the lexsort itself)."""
    rng = np.random.default_rng(4)
    for scale, rows_n in ((1.0, 512), (3000.0, 100), (1e5, 50), (1.0, 4000)):
        n = 20000
        rows = np.sort(rng.integers(0, rows_n, n))
        ids = rng.integers(0, 10**6, n)
        o = np.lexsort((ids, rows))
        rows, ids = rows[o], ids[o]  # positions in (row, id) order, as the callers give them
        values = rng.random(n) * scale
        values[::5] = values[1::5][: len(values[::5])]  # exact ties
        values[2::5] = values[3::5][: len(values[2::5])] * (1 + 1e-15)  # ties at TIE_DIGITS
        want = np.lexsort((ids, -np.round(values, linkpred.TIE_DIGITS), rows))
        np.testing.assert_array_equal(linkpred._best_first(rows, values), want)
    values = np.array([0.5, np.nan, 0.5, 0.25])
    rows = np.array([0, 0, 0, 1])
    np.testing.assert_array_equal(
        linkpred._best_first(rows, values), np.lexsort((-np.round(values, linkpred.TIE_DIGITS), rows))
    )
