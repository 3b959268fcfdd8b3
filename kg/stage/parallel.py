"""Parse + stage in worker processes: CSV bundle chunks become stage rows (Arrow) away from the store, and the one
process that holds the store commits them in input order, so the store ends exactly as the one-process path
leaves it.

The main process reads the bundle (CSV cells, the survey, authorships matched to works: kg.sources.parsers) and
sends each chunk of works rows, as plain strings, to a worker; the worker builds the records (models, repair notes,
rejects), their keys and JSON and every stage row, converts them to Arrow and sends back a StagedChunk. Records
never cross a process boundary. Everything else (other formats, rejects between chunks, small inputs) stays in
the main process, in its place in the stream. Workers start only for an input of at least `min_chunks` chunks.
"""

from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.connection
import os
import resource
import signal
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import numpy as np

from kg.errors import KGError
from kg.models import Record, Reject, parsed_json_kept
from kg.sources.parsers.read import BundleChunk, SqlBundle, Unit, chunk_records
from kg.stage.store import StagedChunk, keyed_rows, stage_tables

# works rows per chunk sent to a worker: small enough to keep both workers busy to the end of a 40k-work file,
# large enough that sending it costs little next to building it
CHUNK_WORKS = 5_000
# an input of fewer chunks than this is staged in the main process: starting workers costs about a second
MIN_CHUNKS = 3


class StageWorkerError(KGError):
    """A staging worker process died (killed, or out of memory)."""


def _init_worker() -> None:
    # Ctrl-C reaches the whole process group: the main process stops the load and says so, workers stay quiet
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # no automatic collection in a worker: receiving a chunk (unpickling its rows) with the collector on cost 4-6
    # times what unpickling alone does, the collector rescanning the rows as they arrived; stage_chunk collects
    # the young generations once per chunk, after the chunk's records are gone (records make no cycles)
    gc.disable()
    # a load killed outright (SIGKILL, out of memory) takes its workers with it: each waits on the pipe the
    # process that started it holds, which closes when it dies (the pool's own queues do not tell a worker)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True).start()


def _exit_with(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(1)


# the known-keys file a worker has open (path, memory-mapped array): one per load
_known: tuple[str, np.ndarray] | None = None


def _known_keys(path: str) -> np.ndarray:
    global _known
    if _known is None or _known[0] != path:
        _known = (path, np.load(path, mmap_mode="r", allow_pickle=False))
    return _known[1]


def _not_known(keys: list[str], known_path: str | None) -> list[str] | None:
    """The keys not in the store's known-keys file (StageStore.known_keys_file), in order; None for all."""
    if known_path is None or not keys:
        return None
    known = _known_keys(known_path)
    k = np.asarray(keys, dtype=np.bytes_)
    at = np.minimum(np.searchsorted(known, k), len(known) - 1)
    seen = known[at] == k
    return None if not seen.any() else [key for key, s in zip(keys, seen.tolist(), strict=True) if not s]


def stage_chunk(run_id: str, chunk: BundleChunk, known_path: str | None = None) -> StagedChunk:
    """A worker's job: a chunk's records and rejects, as StagedChunk (what StageStore._stage_chunk would stage).
    With known_path, the rows of records the store held when the load began are left out (the store skips them:
    a reload costs the records and their keys, not their rows)."""
    cpu = time.process_time()
    enabled = gc.isenabled()
    gc.disable()  # as StageStore.stage: records make no cycles, and the collector would rescan them all
    try:
        with parsed_json_kept():  # keyed_rows(as_parsed=True) reads it
            staged = _staged_chunk(run_id, chunk, known_path)
    finally:
        if enabled:
            gc.enable()
    # the young generations, once the chunk's records and rows are freed: only what survives them is scanned
    # (collected while they were alive, this took a tenth of the worker's time)
    gc.collect(1)
    staged.cpu_seconds = time.process_time() - cpu
    staged.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    return staged


def _staged_chunk(run_id: str, chunk: BundleChunk, known_path: str | None) -> StagedChunk:
    recs: list[Record] = []
    rejects: list[Reject] = []
    for it in chunk_records(chunk):
        if isinstance(it, Reject):
            rejects.append(it)
        else:
            recs.append(it)
    rows = keyed_rows(run_id, recs, as_parsed=True)  # records made just above from the chunk's rows
    made = _not_known(list(rows), known_path)
    tables = stage_tables(list(rows.values()) if made is None else [rows[k] for k in made])
    sources: Counter[str] = Counter(str(r.prov.source) for r in recs)
    return StagedChunk(
        keys=list(rows),
        made=made,
        tables=tables,
        records=len(recs),
        rejects=rejects,
        sources=dict(sources),
    )


class Workers:
    """A pool of staging processes, started when an input first needs it and stopped on close()."""

    def __init__(
        self,
        workers: int,
        *,
        chunk: int = CHUNK_WORKS,
        min_chunks: int = MIN_CHUNKS,
        known: Callable[[], Path | None] | None = None,
    ) -> None:
        self.workers = workers
        self.chunk = chunk  # the chunk size the units were cut to (kg.sources.parsers.iter_units)
        self.min_chunks = min_chunks
        # makes the store's known-keys file (StageStore.known_keys_file) when the pool starts; deleted on close
        self._make_known = known
        self._known: Path | None = None
        self._pool: ProcessPoolExecutor | None = None
        self.used = False  # whether any chunk went to a worker (for the summary and the tests)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._known is not None:
            self._known.unlink(missing_ok=True)
            self._known = None

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # forkserver: workers are forked from a clean process that has imported the parsers and the stage
            # code once, never from this one (which holds DuckDB's threads). pyarrow imports pandas, where it is
            # installed (the spark extra), on a worker's first conversion of rows: 0.2-0.3 CPU-s in each worker,
            # paid once in the fork server instead (a preload that is not installed is skipped)
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["kg.stage.parallel", "pandas"])
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=ctx, initializer=_init_worker
            )
            self.used = True
            if self._make_known is not None:
                self._known = self._make_known()
        return self._pool

    def staged(
        self, units: Iterable[Unit], run_id: str
    ) -> Iterator[Record | Reject | StagedChunk | SqlBundle]:
        """The units in order, each bundle chunk as its StagedChunk (made by a worker) or, with one worker or a
        small input, as its records and rejects (made here); a SqlBundle as it is. An error reading the input
        comes after everything read before it."""
        if self.workers <= 1:
            for u in units:
                if isinstance(u, BundleChunk):
                    yield from chunk_records(u)
                else:
                    yield u
            return
        queue: deque[Any] = deque()  # Future[StagedChunk] | BundleChunk (held) | Record | Reject, in order
        ahead = 2 * self.workers  # chunks in flight: one being built and one waiting, per worker
        it = iter(units)
        while True:
            try:
                u = next(it)
            except StopIteration:
                break
            except Exception:
                yield from self._drain(queue)
                raise
            if isinstance(u, BundleChunk):
                if self._pool is not None:
                    queue.append(self._submit(u, run_id))
                else:
                    queue.append(u)
                    held = [q for q in queue if isinstance(q, BundleChunk)]
                    if len(held) >= self.min_chunks:
                        self._start()
                        for i, q in enumerate(queue):
                            if isinstance(q, BundleChunk):
                                queue[i] = self._submit(q, run_id)
                    elif u.works < self.chunk:  # the bundle's last chunk, and the bundle is small
                        yield from self._drain(queue)
            else:
                if self._pool is None:  # whatever was held is all of a small bundle: made here
                    yield from self._drain(queue)
                queue.append(u)
            yield from self._release(queue, ahead)
        yield from self._drain(queue)

    def _submit(self, chunk: BundleChunk, run_id: str) -> Future[StagedChunk]:
        assert self._pool is not None
        try:
            known = str(self._known) if self._known is not None else None
            return self._pool.submit(stage_chunk, run_id, chunk, known)
        except BrokenProcessPool as e:
            raise _died(e) from None

    @staticmethod
    def _release(queue: deque[Any], ahead: int) -> Iterator[Record | Reject | StagedChunk | SqlBundle]:
        """Yield from the head of the queue what is ready; wait for the first chunk when enough are in flight or
        anything else queues behind one (so what waits here stays bounded)."""
        while queue:
            head = queue[0]
            if isinstance(head, BundleChunk):
                return  # held until the pool starts or the bundle turns out small
            if isinstance(head, Future):
                in_flight = sum(isinstance(q, Future) for q in queue)
                only_chunks = in_flight == len(queue)
                if not head.done() and in_flight < ahead and only_chunks:
                    return
                queue.popleft()
                yield _result(head)
            else:
                yield queue.popleft()

    @staticmethod
    def _drain(queue: deque[Any]) -> Iterator[Record | Reject | StagedChunk | SqlBundle]:
        while queue:
            head = queue.popleft()
            if isinstance(head, BundleChunk):
                yield from chunk_records(head)
            elif isinstance(head, Future):
                yield _result(head)
            else:
                yield head


def _result(fut: Future[StagedChunk]) -> StagedChunk:
    try:
        return fut.result()
    except BrokenProcessPool as e:
        raise _died(e) from None


def _died(e: BaseException) -> StageWorkerError:
    return StageWorkerError(
        f"a staging worker process died ({e}); what was committed stays staged and the next load resumes"
        " (KG_STAGE_WORKERS=1 stages in this process only)"
    )
