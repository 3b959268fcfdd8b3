"""COAUTHOR edges derived from AUTHORED: full rebuild, incremental update after a load, and close collaborators.

The pair computation is one Cypher statement (cypher/coauthors/write_pairs.cypher) used by both paths, so a rebuild
and an update give the same edges with the same properties. Both run in batches of researchers, each batch one
managed write transaction (retried by the driver), so no transaction grows with the graph:

- rebuild walks every researcher in id order (keyset pages); per batch it deletes the batch's outgoing COAUTHOR
  edges and writes the pairs whose lower id is in the batch. Every edge starts at some researcher, so the walk
  replaces all of them, including stale ones.
- update_for widens the given researchers to every author of their works (a new author changes n for every pair
  on that work), deletes the edges touching that set, and rewrites the pairs touching it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import neo4j
from neo4j import Driver

from kg.config import Settings, get_settings
from kg.graphdb import catalog, run, transaction
from kg.graphdb.catalog import query
from kg.paging import keyset_pages

# update_for switches to a full rebuild when a load touches more researchers than this.
REBUILD_ABOVE = 50_000
# update_for reads the co-authors of the touched researchers this many ids per query.
CLOSURE_PAGE = 5000
# A rebuild transaction covers at most this many AUTHORED edges (besides batch_size researchers): the pair
# statement sorts all its rows in memory, and the most productive researchers (thousands of works each, and
# adjacent in id order in a synthetic corpus) would otherwise put millions of rows in one transaction, past
# Neo4j's dbms.memory.transaction.total.max. A researcher with more works than this gets a transaction alone.
MAX_WORKS_PER_TX = 20_000

# progress(done, total): called after each batch; total is the number of researchers to cover.
Progress = Callable[[int, int], None]


def run_steps(
    driver: Driver,
    settings: Settings,
    steps: Sequence[tuple[str, dict[str, Any]]],
) -> dict[str, int]:
    """Run several catalog statements in ONE managed write transaction; returns the first column of each."""
    names = [name for name, _ in steps]
    queries = [(catalog.query(name), params) for name, params in steps]

    def work(tx: neo4j.ManagedTransaction) -> dict[str, int]:
        out: dict[str, int] = {}
        for name, (cypher, params) in zip(names, queries, strict=True):
            record = tx.run(cypher, params).single()
            out[name] = int(record[0] or 0) if record is not None else 0
        return out

    return transaction(driver, work, write=True, settings=settings)


def _researcher_pages(
    driver: Driver, settings: Settings, size: int, max_works: int = MAX_WORKS_PER_TX
) -> Iterator[list[str]]:
    """Researcher ids in id order, in batches of at most `size` researchers and `max_works` works (a researcher
    with more works than that is a batch alone)."""
    batch: list[str] = []
    works = 0
    for rows in keyset_pages(driver, "coauthors/researcher_page", settings, size):
        for r in rows:
            n = int(r["works"] or 0)
            if batch and (len(batch) >= size or works + n > max_works):
                yield batch
                batch, works = [], 0
            batch.append(r["id"])
            works += n
    if batch:
        yield batch


def count_researchers(driver: Driver, settings: Settings | None = None) -> int:
    s = settings or get_settings()
    return int(run(driver, query("coauthors/count_researchers"), settings=s)[0]["n"])


def rebuild(
    driver: Driver,
    *,
    settings: Settings | None = None,
    batch_size: int | None = None,
    progress: Progress | None = None,
) -> int:
    """Recompute every COAUTHOR edge and Researcher.big_team_works from AUTHORED; returns the edges written."""
    s = settings or get_settings()
    size = batch_size or s.derive_batch_size
    total = count_researchers(driver, s) if progress else 0
    written = done = 0
    for ids in _researcher_pages(driver, s, size):
        res = run_steps(
            driver,
            s,
            [
                ("coauthors/delete_outgoing", {"ids": ids}),
                (
                    "coauthors/write_pairs",
                    {"ids": ids, "touched": [], "all_lower": True, "cap": s.coauthor_author_cap},
                ),
                ("coauthors/big_team_works", {"ids": ids, "cap": s.coauthor_author_cap}),
            ],
        )
        written += res["coauthors/write_pairs"]
        done += len(ids)
        if progress:
            progress(done, max(total, done))
    return written


def touched_closure(
    driver: Driver, researcher_ids: Sequence[str], settings: Settings | None = None
) -> list[str]:
    """The given researchers (those that exist) and every other author of their works, sorted."""
    s = settings or get_settings()
    out: set[str] = set()
    ids = sorted(set(researcher_ids))
    for i in range(0, len(ids), CLOSURE_PAGE):
        rows = run(driver, query("coauthors/touched_closure"), {"ids": ids[i : i + CLOSURE_PAGE]}, settings=s)
        out.update(r["id"] for r in rows)
    return sorted(out)


def update_for(
    driver: Driver,
    researcher_ids: Sequence[str],
    *,
    settings: Settings | None = None,
    batch_size: int | None = None,
    progress: Progress | None = None,
) -> int:
    """After a load: recompute COAUTHOR for every pair touching these researchers (same result as rebuild).

    Pass the researchers whose AUTHORED edges the load created or changed. Returns the edges written.
    """
    s = settings or get_settings()
    size = batch_size or s.derive_batch_size
    touched = touched_closure(driver, researcher_ids, s)
    if not touched:
        return 0
    if len(touched) > REBUILD_ABOVE:
        # Every chunk carries the whole touched list (to write each pair once); past this size a rebuild, which
        # gives the same edges by construction, moves far less data.
        return rebuild(driver, settings=s, batch_size=batch_size, progress=progress)
    cap = s.coauthor_author_cap
    chunks = [touched[i : i + size] for i in range(0, len(touched), size)]
    written = 0

    def pairs(ids: list[str]) -> list[tuple[str, dict[str, Any]]]:
        return [
            ("coauthors/write_pairs", {"ids": ids, "touched": touched, "all_lower": False, "cap": cap}),
            ("coauthors/big_team_works", {"ids": ids, "cap": cap}),
        ]

    if len(chunks) == 1:
        # Small updates (the usual case) are one transaction: readers never see the pairs missing.
        res = run_steps(driver, s, [("coauthors/delete_touching", {"ids": touched}), *pairs(touched)])
        if progress:
            progress(len(touched), len(touched))
        return res["coauthors/write_pairs"]
    # Large updates: delete everything touching the set first, then write; writing a chunk before another
    # chunk's delete would lose the pairs between the two chunks.
    for ids in chunks:
        run_steps(driver, s, [("coauthors/delete_touching", {"ids": ids})])
    done = 0
    for ids in chunks:
        written += run_steps(driver, s, pairs(ids))["coauthors/write_pairs"]
        done += len(ids)
        if progress:
            progress(done, len(touched))
    return written


def close_collaborators(
    driver: Driver, researcher_id: str, *, settings: Settings | None = None
) -> list[dict[str, Any]]:
    """The one definition of close collaborators (cypher/coauthors/close_collaborators.cypher): co-authors with at
    least close_min_shared_works shared works, the top close_top_k by COAUTHOR weight, ties by id.

    Returns [] for an unknown id (callers that must tell "unknown" from "none" check the researcher first).
    """
    s = settings or get_settings()
    return run(
        driver,
        query("coauthors/close_collaborators"),
        {"id": researcher_id, "min_shared": s.close_min_shared_works, "top_k": s.close_top_k},
        settings=s,
    )


def researcher_summary(
    driver: Driver, researcher_id: str, *, settings: Settings | None = None
) -> dict[str, Any] | None:
    """Name, co-author count and big_team_works of one researcher, or None when the id names nobody."""
    rows = run(driver, catalog.query("coauthors/researcher"), {"id": researcher_id}, settings=settings)
    return rows[0] if rows else None
