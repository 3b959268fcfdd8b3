"""Write the resolved graph into any Neo4j 5 as write-only batches: only what changed, nodes first.

Rows come from kg.write.changes (resolved rows the graph lacks, rows it holds that resolution dropped). Each batch
is one `UNWIND` statement in one managed write transaction. New nodes and relationships are CREATEd (the stage
knows they are not there); changed ones are MERGEd; after an interrupted write, everything is MERGEd, so writing
again what already committed changes nothing. Several sessions write at once: nodes by a hash of their id, and
relationships in a grid of (start, end) partitions taken a diagonal at a time ("mix and batch"), so no two
concurrent batches touch one node and no two transactions wait on each other's locks.

A batch the database refuses for a reason that is not transient is split in halves down to the one row that
fails; that row is reported (one line naming it) and left out, and everything else is written.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

import neo4j
import pyarrow as pa
from neo4j import Driver

from kg.config import Settings
from kg.errors import ConstraintViolation, DatabaseUnavailable, QueryError
from kg.graphdb import catalog, transaction
from kg.stage.store import StageStore
from kg.write import changes
from kg.write.changes import SEP, Kind

log = logging.getLogger(__name__)


class Item(NamedTuple):
    """One row to write."""

    row: Any  # the statement's row
    key: str  # its key in `written`
    h: int | None  # its hash; None for a deletion
    unrecorded: bool  # `written` has no row for the key yet (recording it is an append, not a replacement)


class Confirmed(NamedTuple):
    """A written row as the stage records it."""

    kind: str
    key: str
    h: int | None
    unrecorded: bool


RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0, 16.0)
# Confirmed rows are recorded in the stage in batches this large (a crash between two flushes makes the next run
# MERGE what it cannot prove was written). Rows `written` lacks are appended; rows it holds (changed, deleted) must
# first have their old row deleted, and that DELETE scans the whole table whatever the batch (≈ 4 s at the 25M rows
# of a 1M-work graph, bench/write_bookkeeping.py), so those are recorded in far fewer, larger batches.
FLUSH_ROWS = 100_000
FLUSH_REPLACED_ROWS = 500_000
# Types other jobs also write (topic assignment adds HAS_TOPIC): never CREATE them blindly.
ALWAYS_MERGE = {"HAS_TOPIC", "Topic"}


@dataclass(frozen=True)
class Statement:
    """A batch's statement on its first attempt, and on any later one. A CREATE that is tried again may have
    committed the first time without the answer arriving (a connection lost, a server restarting): it is
    retried as the MERGE of the same rows, which finds what did commit."""

    first: str
    again: str

    @classmethod
    def once(cls, cypher: str) -> Statement:
        return cls(cypher, cypher)


@dataclass
class WriteReport:
    written: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0


Progress = Callable[[str, int], None]


class OnlineWriter:
    def __init__(
        self,
        driver: Driver,
        store: StageStore,
        settings: Settings,
        run_id: str,
        *,
        merge: Collection[str] | None,
        batch_size: int,
        sessions: int,
        on_progress: Progress | None = None,
        on_failure: Callable[[str], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.driver = driver
        self.store = store
        self.settings = settings
        self.run_id = run_id
        # labels and types whose new rows are MERGEd too (the graph may hold them already); None: all of them
        self.merge = None if merge is None else frozenset(merge) | ALWAYS_MERGE
        self.batch_size = max(1, batch_size)
        self.sessions = max(1, sessions)
        self.on_progress = on_progress
        self.on_failure = on_failure
        self.sleep = sleep
        self.report = WriteReport()
        self._fresh: list[Confirmed] = []  # written rows whose key `written` lacks: appended
        self._replaced: list[Confirmed] = []  # written rows whose key it holds, and deletions: replaced

    # ---- the whole write ------------------------------------------------------------------------------------

    def write(self) -> WriteReport:
        t0 = time.monotonic()
        nodes, rels = changes.node_kinds(), changes.rel_kinds()
        with ThreadPoolExecutor(max_workers=self.sessions, thread_name_prefix="kg-write") as pool:
            self.pool = pool
            for kind in rels:
                self._delete(kind)
            for kind in nodes:
                self._delete(kind)
            for kind in nodes:
                self._upsert(kind)
            for kind in rels:
                self._upsert(kind)
        self._flush(replaced=True)
        self.report.seconds = time.monotonic() - t0
        return self.report

    # ---- per kind -------------------------------------------------------------------------------------------

    def _delete(self, kind: Kind) -> None:
        n = 0
        for batch in changes.deletions(self.store, kind):
            keys = batch.column("_key").to_pylist()
            if kind.rel:
                keyed = kind.name in changes.REL_EXTRA_KEY
                name = "write/rel_delete_by_source" if keyed else "write/rel_delete"
                cypher = Statement.once(
                    catalog.template(name, type=kind.name, start=kind.start, end=kind.end)
                )
                items: list[Item] = []
                for k in keys:
                    parts = k.split(SEP)
                    row = {"src": parts[0], "dst": parts[1], **({"source": parts[2]} if keyed else {})}
                    items.append(Item(row, k, None, False))
                self._run_partitioned(kind, cypher, items, rel=True)
            else:
                cypher = Statement.once(catalog.template("write/node_delete", label=kind.name))
                self._run_nodes(kind, cypher, [Item(k, k, None, False) for k in keys], param="ids")
            n += len(keys)
        if n:
            self.report.deleted[kind.name] = n

    def _upsert(self, kind: Kind) -> None:
        n = 0
        t0 = time.monotonic()
        if kind.rel:
            merge_name = (
                "write/rel_merge_by_source" if kind.name in changes.REL_EXTRA_KEY else "write/rel_merge"
            )
            merge = catalog.template(merge_name, type=kind.name, start=kind.start, end=kind.end)
            create_stmt = catalog.template("write/rel_create", type=kind.name, start=kind.start, end=kind.end)
        elif kind.name == "Topic":
            merge = create_stmt = catalog.query("write/topic_merge")
        else:
            merge = catalog.template("write/node_merge", label=kind.name)
            create_stmt = catalog.template("write/node_create", label=kind.name)
        # the next batch's rows are read and built while this one's are written (the writers wait on the server
        # most of the time; building rows is the client's Python)
        for num_rows, new_rows, changed_rows in read_ahead(
            self._prepared(kind, changes.upserts(self.store, kind))
        ):
            # a CREATE batch tried again (its first attempt may have committed unseen) or refused for a duplicate
            # key (another writer added the node) is written with MERGE
            for rows, stmt in (
                (new_rows, Statement(create_stmt, merge)),
                (changed_rows, Statement.once(merge)),
            ):
                if not rows:
                    continue
                if kind.rel:
                    self._run_partitioned(kind, stmt, rows, rel=True)
                else:
                    self._run_nodes(kind, stmt, rows, param="rows")
            n += num_rows
            if self.on_progress:
                self.on_progress(kind.name, n)
        if n:
            self.report.written[kind.name] = n
            took = time.monotonic() - t0
            log.info("wrote %d %s in %.1fs (%.0f/s)", n, kind.name, took, n / took if took else 0.0)

    def _prepared(
        self, kind: Kind, batches: Iterable[pa.RecordBatch]
    ) -> Iterator[tuple[int, list[Item], list[Item]]]:
        """Per stage batch: its row count, the rows to CREATE and the rows to MERGE."""
        for batch in batches:
            new_rows: list[Item] = []
            changed_rows: list[Item] = []
            for row in batch.to_pylist():
                props = changes.props_of(row, kind)
                create = row["_new"] and self.merge is not None and kind.name not in self.merge
                if create:  # a new node or relationship has no property to remove: send only the set ones
                    props = {k: v for k, v in props.items() if v is not None}
                if kind.rel:
                    item: Any = {"src": row["src"], "dst": row["dst"], "props": props}
                else:
                    if kind.name == "Topic":
                        props["authoritative"] = bool(row.get("authoritative"))
                    item = {"id": row["id"], "props": props}
                target = new_rows if create else changed_rows
                target.append(Item(item, row["_key"], int(row["_h"]), bool(row["_new"])))
            yield batch.num_rows, new_rows, changed_rows

    # ---- partitioned, parallel batches ----------------------------------------------------------------------

    def _run_nodes(self, kind: Kind, cypher: Statement, items: list[Item], *, param: str) -> None:
        parts: list[list[Item]] = [[] for _ in range(self.sessions)]
        for it in items:
            parts[_bucket(it.key, self.sessions)].append(it)
        self._run_round(kind, cypher, parts, param)

    def _run_partitioned(self, kind: Kind, cypher: Statement, items: list[Item], *, rel: bool) -> None:
        p = self.sessions
        grid: dict[tuple[int, int], list[Item]] = defaultdict(list)
        same_label = kind.start == kind.end
        for it in items:
            a, b = _bucket(it.row["src"], p), _bucket(it.row["dst"], p)
            grid[(min(a, b), max(a, b)) if same_label else (a, b)].append(it)
        for cells in _rounds(p, same_label):
            self._run_round(kind, cypher, [grid.get(c, []) for c in cells], "rows")

    def _run_round(self, kind: Kind, cypher: Statement, parts: Sequence[list[Item]], param: str) -> None:
        futures = []
        for part in parts:
            for i in range(0, len(part), self.batch_size):
                futures.append(
                    self.pool.submit(
                        self._write_isolating, kind, cypher, part[i : i + self.batch_size], param
                    )
                )
        for f in futures:
            for c in f.result():
                (self._fresh if c.unrecorded else self._replaced).append(c)
        if len(self._fresh) >= FLUSH_ROWS or len(self._replaced) >= FLUSH_REPLACED_ROWS:
            self._flush(replaced=len(self._replaced) >= FLUSH_REPLACED_ROWS)

    def _write_isolating(
        self, kind: Kind, cypher: Statement, items: list[Item], param: str
    ) -> list[Confirmed]:
        """Write a batch; if the database refuses it (not transiently), halve it down to the failing rows."""
        try:
            try:
                self._write(cypher, [it.row for it in items], param)
            except ConstraintViolation:
                if cypher.first == cypher.again:
                    raise
                cypher = Statement.once(cypher.again)  # another writer created some of these nodes: MERGE
                self._write(cypher, [it.row for it in items], param)
        except QueryError as e:
            if len(items) == 1:
                what = items[0].key.replace(SEP, " → ")
                msg = f"{kind.name} {what}: not written: {e}"
                log.warning(msg)
                self.report.failed.append(msg)
                if self.on_failure:
                    self.on_failure(msg)
                return []
            half = len(items) // 2
            return self._write_isolating(kind, cypher, items[:half], param) + self._write_isolating(
                kind, cypher, items[half:], param
            )
        return [Confirmed(kind.name, it.key, it.h, it.unrecorded) for it in items]

    def _write(self, cypher: Statement, rows: list[Any], param: str) -> None:
        delays = list(RETRY_DELAYS)
        attempts = 0  # the driver retries inside execute_write too: every attempt after the first is `again`

        def work(tx: neo4j.ManagedTransaction) -> None:
            nonlocal attempts
            stmt = cypher.first if attempts == 0 else cypher.again
            attempts += 1
            tx.run(stmt, {param: rows, "run": self.run_id}).consume()

        while True:
            try:
                t0 = time.monotonic()
                transaction(self.driver, work, write=True, settings=self.settings)
                log.debug(
                    "batch of %d rows in %.2fs (%d attempts)", len(rows), time.monotonic() - t0, attempts
                )
                return
            except DatabaseUnavailable as e:
                if not delays:
                    raise DatabaseUnavailable(f"{e} (gave up after {len(RETRY_DELAYS)} retries)") from e
                d = delays.pop(0)
                log.warning("Neo4j unavailable, retrying a write batch in %.0fs: %s", d, e)
                self.sleep(d)

    # ---- the stage's memory of what the graph holds ---------------------------------------------------------

    def _flush(self, *, replaced: bool) -> None:
        """Record the confirmed rows `written` lacks (appended) and, with `replaced`, those it holds (their old
        rows deleted first), in one stage transaction."""
        fresh, self._fresh = self._fresh, []
        old: list[Confirmed] = []
        if replaced:
            old, self._replaced = self._replaced, []
        if not fresh and not old:
            return
        con = self.store.con
        with self.store.transaction():
            for name, rows in (("_replaced", old), ("_fresh", fresh)):
                if not rows:
                    continue
                con.register(name, _confirmed_table(rows))
                try:
                    if name == "_replaced":
                        con.execute(
                            "DELETE FROM written USING _replaced c WHERE written.kind = c.kind AND written.key = c.key"
                        )
                    con.execute(f"INSERT INTO written SELECT kind, key, h FROM {name} WHERE h IS NOT NULL")
                finally:
                    con.unregister(name)


def _confirmed_table(rows: list[Confirmed]) -> pa.Table:
    return pa.table(
        {
            "kind": pa.array([r.kind for r in rows], type=pa.string()),
            "key": pa.array([r.key for r in rows], type=pa.string()),
            "h": pa.array([r.h for r in rows], type=pa.uint64()),
        }
    )


T = TypeVar("T")


def read_ahead(items: Iterable[T], depth: int = 1) -> Iterator[T]:
    """Iterate over items while a background thread produces up to `depth` of them ahead. An exception in the
    producer is raised here, at the item where it happened; leaving the loop early stops the producer."""
    q: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for it in items:
                while not stop.is_set():
                    try:
                        q.put(("item", it), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(("end", None))
        except BaseException as e:  # handed to the consumer, which raises it
            q.put(("error", e))

    t = threading.Thread(target=produce, name="kg-read-ahead", daemon=True)
    t.start()
    try:
        while True:
            tag, val = q.get()
            if tag == "end":
                return
            if tag == "error":
                raise val
            yield val
    finally:
        stop.set()
        t.join()


def _rounds(p: int, same_label: bool) -> list[list[tuple[int, int]]]:
    """Cells of the partition grid to write at once, round after round, such that no two cells of a round share
    a partition of nodes. Start and end of another label: the diagonals (i, i + r). One label at both ends (a
    node may be either end): the pairs of a round-robin tournament, then the cells (i, i)."""
    if not same_label:
        return [[(i, (i + r) % p) for i in range(p)] for r in range(p)]
    teams = list(range(p)) + ([-1] if p % 2 else [])
    n = len(teams)
    out: list[list[tuple[int, int]]] = [[(i, i) for i in range(p)]]
    for _ in range(n - 1):
        pairs = [(teams[i], teams[n - 1 - i]) for i in range(n // 2)]
        out.append([(min(a, b), max(a, b)) for a, b in pairs if a >= 0 and b >= 0])
        teams = [teams[0], teams[-1], *teams[1:-1]]
    return [r for r in out if r]


def _bucket(key: str, n: int) -> int:
    return zlib.crc32(key.encode("utf-8")) % n if n > 1 else 0
