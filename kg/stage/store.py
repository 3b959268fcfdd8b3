"""The stage store: every parsed record, author mention, id and curated decision, in one embedded DuckDB file.

It is the memory of what was seen. A load adds records to it (a record is keyed by a hash of its whole content, so
staging the same file twice adds nothing); resolution reads it and keeps its results in it (the `resolved tables`,
see kg.resolve); the write stage keeps in it what the graph already holds (`written`), so only changes are written.

Everything a load does to the store happens in DuckDB transactions, and every step records what is still pending
(records not yet resolved, blocks not yet clustered, rows not yet written), so a load killed at any point and run
again ends in the same state. One process at a time: a file lock beside the database; a second load waits its turn
and says so.
"""

from __future__ import annotations

import fcntl
import gc
import hashlib
import multiprocessing
import os
import re
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from kg.errors import InputError, KGError
from kg.models import InstitutionRecord, Record, Reject, ResearcherRecord, TopicRecord, WorkRecord
from kg.stage import records

# 2: researcher_recs.strong holds a record's Semantic Scholar author id too (a store of version 1 is brought up to
# date when it is opened for writing: _upgrade_researcher_ids)
SCHEMA_VERSION = "2"

_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*", re.IGNORECASE)


def _memory_size(text: str) -> str:
    """A memory size as DuckDB reads it ("1GB", "512 MiB"); anything else is a ValueError (never into SQL)."""
    m = _SIZE.fullmatch(text)
    if not m:
        raise ValueError("expected a number and a unit")
    return f"{m.group(1)}{m.group(2)}"


# Memory a row of a statement that cannot spill (list aggregates) holds while it runs, about, with room to spare: such
# statements run in as many parts as the memory limit needs (StageStore.parts_for)
PART_BYTES_PER_ROW = 1000
# Records per staging transaction (StageStore.stage)
RECORDS_PER_COMMIT = 20_000
# DuckDB's checkpoint threshold while staging: by default (16 MiB) every staging commit is a checkpoint, whose cost
# grows with the store (the fifth 100,000 synthetic works committed into one store cost 13.5 CPU-s against 5.6 s
# for the first); with 1 GB, a checkpoint every ~200,000 works: 28.4 CPU-s instead of 49.5 for the 500,000, peak
# memory the same (`bench.stage_speed --replay 5`, BENCHMARKS). Committed rows wait in the write-ahead log, as safe;
# the threshold is put back after. Resolving works defers its checkpoints the same way (kg.resolve.works).
STAGE_CHECKPOINT_THRESHOLD = "1GB"
# DuckDB's memory limit while the store waits on another process (StageStore.idle)
IDLE_MEMORY_LIMIT = "64MB"

# The tables. Lists are DuckDB lists; payloads are the records' own JSON (pydantic), validated again when resolved.
_DDL = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY, started_at TIMESTAMP, finished_at TIMESTAMP, status VARCHAR, phase VARCHAR,
    paths VARCHAR[], rejects_file VARCHAR, read BIGINT, staged BIGINT, new_records BIGINT, rejected BIGINT,
    failed_files VARCHAR[], counts VARCHAR, sources VARCHAR[]
);
-- every record ever staged, by content
CREATE TABLE IF NOT EXISTS records (
    rec VARCHAR, kind VARCHAR, source VARCHAR, ref VARCHAR, run_id VARCHAR, payload VARCHAR
);
-- researcher records (profile pages, author entities): their strong ids tie clusters together
CREATE TABLE IF NOT EXISTS researcher_recs (
    rec VARCHAR PRIMARY KEY, source VARCHAR, name VARCHAR, block VARCHAR, strong VARCHAR[], payload VARCHAR,
    pending BOOLEAN
);
CREATE TABLE IF NOT EXISTS institution_recs (rec VARCHAR PRIMARY KEY, payload VARCHAR, pending BOOLEAN);
CREATE TABLE IF NOT EXISTS topic_recs (rec VARCHAR PRIMARY KEY, payload VARCHAR, pending BOOLEAN);
-- curated identity decisions (kg identity merge | split | claim), keyed on stable anchors
CREATE TABLE IF NOT EXISTS decisions (
    id VARCHAR PRIMARY KEY, kind VARCHAR, anchors_a VARCHAR[], anchors_b VARCHAR[], blocks VARCHAR[],
    "by" VARCHAR, "at" VARCHAR, why VARCHAR, claim VARCHAR, a VARCHAR, b VARCHAR
);
"""


# the tables staging fills (the rest hold runs, curation and what resolution and writing made of them)
STAGED_TABLES = ("records", "researcher_recs", "institution_recs", "topic_recs", *records.SCHEMAS)
# the order a chunk's tables are filled in (any order stages the same rows; this one is the record path's)
_TABLE_ORDER = ("records", *records.SCHEMAS, "researcher_recs", "institution_recs", "topic_recs")


def record_key(rec: Record, dumped: str | None = None) -> str:
    """A record's identity: a hash of its whole content, provenance included."""
    text = dumped if dumped is not None else rec.model_dump_json()
    return hashlib.sha1(f"{rec.kind}\x1f{text}".encode()).hexdigest()[:24]


@dataclass
class StageCounts:
    read: int = 0
    new: int = 0


class StageBusy(KGError):
    """Another process holds the stage store."""


def _is_duckdb_file(path: Path) -> bool:
    """DuckDB's file header: an 8-byte checksum, then the magic bytes DUCK."""
    with path.open("rb") as fh:
        return fh.read(12)[8:] == b"DUCK"


class StageStore:
    """One open stage store (DuckDB connection + the process lock)."""

    def __init__(
        self,
        path: Path,
        *,
        read_only: bool = False,
        wait: Callable[[str], None] | None = None,
        memory_limit: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_fh: Any = None
        if self.path.is_file() and not _is_duckdb_file(self.path):
            # DuckDB's own words for this are "Cannot launch in-memory database in read-only mode!" (read-only)
            # or an IO error that would read as "in use by another process" below
            raise InputError(
                f"{self.path} is not a stage store (not a DuckDB database file): name a stage store, or a path "
                "that does not exist yet, with --stage or KG_STAGE_PATH"
            )
        self._take_lock(wait, shared=read_only)
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only and self.path.exists())
        except duckdb.IOException as e:
            self._release_lock()
            raise StageBusy(f"the stage store {self.path} is in use by another process ({e})") from e
        except duckdb.Error as e:
            self._release_lock()
            raise InputError(f"cannot open the stage store {self.path}: {e}") from e
        # DuckDB uses every core by default; the machine also runs Neo4j
        self.con.execute(f"SET threads TO {max(1, min(4, os.cpu_count() or 1))}")
        self._bound_memory()
        self._memory_limit = None
        if memory_limit:
            try:
                self._memory_limit = _memory_size(memory_limit)
                self.con.execute(f"SET memory_limit = '{self._memory_limit}'")
            except (duckdb.Error, ValueError) as e:
                self.close()
                raise InputError(
                    f"KG_STAGE_MEMORY_LIMIT={memory_limit!r} is not a memory size (e.g. 1GB, 512MB): {e}"
                ) from e
        if not read_only:
            self.con.execute(_DDL)
            self.con.execute(records.DDL)
            from kg.resolve.tables import create_resolved_tables

            create_resolved_tables(self.con)
            if self.meta("stage_id") is None:
                self.set_meta("stage_id", uuid.uuid4().hex)
                self.set_meta("schema_version", SCHEMA_VERSION)
            elif self.meta("schema_version") == "1":
                self._upgrade_researcher_ids()

    def _upgrade_researcher_ids(self) -> None:
        """A version-1 store staged researcher records without their Semantic Scholar author id among their strong
        ids, so an S2 author entity became a researcher of its own beside the one its mentions went to. Its rows
        get the id now and are resolved again by the next load (they are few: one per profile or author entity)."""
        from kg.resolve.rows import researcher_record_strong

        rows = self.con.execute(
            "SELECT rec, payload FROM researcher_recs WHERE json_extract_string(payload, '$.ids.s2') IS NOT NULL"
        ).fetchall()
        with self.transaction():
            for rec, payload in rows:
                strong = researcher_record_strong(ResearcherRecord.model_validate_json(payload))
                self.con.execute(
                    "UPDATE researcher_recs SET strong = ?, pending = true WHERE rec = ?", [strong, rec]
                )
            self.set_meta("schema_version", SCHEMA_VERSION)

    def _bound_memory(self) -> None:
        """What keeps the process small besides the memory limit: spill files beside the store (under .kg/ by
        default), no insertion order kept where a query does not ask for one (every query that needs an order
        says ORDER BY), and freed memory handed back to the system soon rather than kept by the allocator."""
        tmp = _sql_path(self.path.with_name(self.path.name + ".tmp"))
        self.con.execute(f"SET temp_directory = '{tmp}'")
        self.con.execute("SET preserve_insertion_order = false")
        self.con.execute("SET allocator_background_threads = true")

    def memory_budget(self) -> int:
        """DuckDB's memory limit in bytes (what a statement that cannot spill must fit in)."""
        text = str(self.scalar("SELECT current_setting('memory_limit')") or "")
        m = re.fullmatch(r"\s*([\d.]+)\s*([KMGT]?i?B|bytes)\s*", text)
        if not m:
            return 1 << 30
        unit = m.group(2).replace("bytes", "B")
        scale = 1024 if "i" in unit else 1000
        return int(float(m.group(1)) * scale ** "BKMGT".index(unit[0]))

    @contextmanager
    def idle(self) -> Iterator[None]:
        """While another process does the work (the bulk import): DuckDB's cache of the store's pages dropped down
        to IDLE_MEMORY_LIMIT, so this process does not hold memory it will not use; the limit comes back after."""
        self.con.execute(f"SET memory_limit = '{IDLE_MEMORY_LIMIT}'")
        try:
            yield
        finally:
            if self._memory_limit:
                self.con.execute(f"SET memory_limit = '{self._memory_limit}'")
            else:
                self.con.execute("RESET memory_limit")

    def parts_for(self, rows: int) -> int:
        """How many parts a statement over `rows` input rows whose state stays in memory is run in, so that a
        part's state (about PART_BYTES_PER_ROW a row) fits in the memory limit."""
        per_part = max(1_000, self.memory_budget() // PART_BYTES_PER_ROW)
        return max(1, -(-rows // per_part))

    # ---- lifecycle ------------------------------------------------------------------------------------------

    def _take_lock(self, wait: Callable[[str], None] | None, *, shared: bool) -> None:
        """A writer waits for the store (and says so); a reader never waits: it gets StageBusy instead."""
        if getattr(multiprocessing.current_process(), "_inheriting", False):
            # a staging worker starting up: multiprocessing runs the script that started the load again in each
            # worker (as __mp_main__), and a script that loads at its top level would wait here forever on the
            # store its own parent holds. multiprocessing sets _inheriting for exactly this phase (its own check,
            # "An attempt has been made to start a new process before ... bootstrapping", reads it too).
            # (the fork server ends a worker that raises SystemExit without printing it: say it here)
            print(
                f"kg: the stage store {self.path} was opened while a staging worker was starting: the script that "
                'loads must keep its code under `if __name__ == "__main__":` (each worker runs the script again)',
                file=sys.stderr,
                flush=True,
            )
            raise SystemExit(1)
        lock_path = self.path.with_name(self.path.name + ".lock")
        fh = open(lock_path, "a+")  # noqa: SIM115 - held until close()
        try:
            fcntl.flock(fh, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            if shared:
                fh.close()
                raise StageBusy(f"the stage store {self.path} is busy with a load ({holder})") from None
            if wait:
                wait(f"waiting for another load to finish (stage store {self.path} held by {holder})")
            fcntl.flock(fh, fcntl.LOCK_EX)
        if not shared:
            fh.seek(0)
            fh.truncate()
            fh.write(f"pid {os.getpid()}")
            fh.flush()
        self._lock_fh = fh

    def _release_lock(self) -> None:
        if self._lock_fh is not None:
            try:
                fcntl.flock(self._lock_fh, fcntl.LOCK_UN)
            finally:
                self._lock_fh.close()
                self._lock_fh = None

    def close(self) -> None:
        try:
            self.con.close()
        finally:
            self._release_lock()

    def __enter__(self) -> StageStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        else:
            self.con.execute("COMMIT")

    # ---- small helpers --------------------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        rows = self.con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchall()
        return str(rows[0][0]) if rows else None

    def set_meta(self, key: str, value: str) -> None:
        self.con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])

    @property
    def stage_id(self) -> str:
        return self.meta("stage_id") or ""

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        rows = self.con.execute(sql, params or []).fetchall()  # fetched whole: DuckDB wants results finished
        return rows[0][0] if rows else None

    def insert_rows(
        self, table: str, rows: list[dict[str, Any]], schema: pa.Schema, *, ignore: bool = False
    ) -> None:
        """Append rows (dicts with the schema's fields) through Arrow: one round trip per call."""
        tbl = _arrow(rows, schema)
        if tbl is not None:
            self.insert_arrow(table, tbl, ignore=ignore)

    def insert_arrow(self, table: str, tbl: pa.Table, *, ignore: bool = False) -> None:
        name = f"_in_{table}"
        self.con.register(name, tbl)
        try:
            cols = ", ".join(f'"{c}"' for c in tbl.column_names)
            verb = "INSERT OR IGNORE" if ignore else "INSERT"
            self.con.execute(f'{verb} INTO {table} ({cols}) SELECT {cols} FROM "{name}"')
        finally:
            self.con.unregister(name)

    # ---- runs -----------------------------------------------------------------------------------------------

    def begin_run(self, run_id: str, paths: list[str], rejects_file: str | None) -> list[str]:
        """Record a new run; returns the ids of earlier runs that never finished (this run completes their work)."""
        unfinished = [
            r[0]
            for r in self.con.execute(
                "SELECT run_id FROM runs WHERE status = 'running' ORDER BY run_id"
            ).fetchall()
        ]
        if unfinished:
            self.con.execute(
                "UPDATE runs SET status = 'interrupted' WHERE status = 'running'",
            )
        self.con.execute(
            "INSERT INTO runs (run_id, started_at, status, phase, paths, rejects_file) "
            "VALUES (?, now(), 'running', 'stage', ?, ?)",
            [run_id, paths, rejects_file],
        )
        return unfinished

    def set_phase(self, run_id: str, phase: str) -> None:
        self.con.execute("UPDATE runs SET phase = ? WHERE run_id = ?", [phase, run_id])

    def finish_run(self, run_id: str, status: str, **fields: Any) -> None:
        sets = ", ".join(f"{k} = ?" for k in fields)
        self.con.execute(
            f"UPDATE runs SET status = ?, finished_at = now(){', ' + sets if sets else ''} WHERE run_id = ?",
            [status, *fields.values(), run_id],
        )

    def runs(self, limit: int = 20) -> list[dict[str, Any]]:
        cur = self.con.execute(
            "SELECT run_id, started_at, finished_at, status, phase, paths, read, new_records, rejected "
            "FROM runs ORDER BY started_at DESC LIMIT ?",
            [limit],
        )
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]

    # ---- staging --------------------------------------------------------------------------------------------

    def stage(
        self,
        run_id: str,
        records: Iterable[Record | StagedChunk | StageHere],
        *,
        chunk: int | None = None,
        on_chunk: Callable[[StageCounts], None] | None = None,
    ) -> StageCounts:
        """Add records to the store, `chunk` records per transaction (RECORDS_PER_COMMIT); records seen before add
        nothing. A chunk staged by a worker process (kg.stage.parallel) is inserted as it comes, in its place in
        the stream, into a transaction that commits once it holds `chunk` records or anything else comes; a load
        stopped before that commit leaves none of them. A StageHere runs in its place, after a commit. Checkpoints wait for STAGE_CHECKPOINT_THRESHOLD of
        write-ahead log, and the store is checkpointed once staging ends."""
        counts = StageCounts()
        buf: list[Record] = []
        per_records = per_staged = chunk or RECORDS_PER_COMMIT
        grouped = 0  # records in the open transaction of worker chunks (0: none open)

        def flush_records() -> None:
            nonlocal buf
            if buf:
                self._stage_chunk(run_id, buf, counts)
                buf = []
                gc.collect(1)  # the young generations: what this chunk made, not the whole heap
                if on_chunk:
                    on_chunk(counts)

        def commit_staged() -> None:
            nonlocal grouped
            if grouped:
                grouped = 0
                self.con.execute("COMMIT")

        with _collector_paused(), self.checkpoints_at(STAGE_CHECKPOINT_THRESHOLD):
            try:
                for rec in records:
                    if isinstance(rec, StageHere):
                        # what came before committed first: its own transactions must not nest in one open here
                        commit_staged()
                        flush_records()
                        got = rec.run(self)
                        counts.read += got.read
                        counts.new += got.new
                        if on_chunk:
                            on_chunk(counts)
                        continue
                    if isinstance(rec, StagedChunk):
                        flush_records()
                        if not grouped:
                            self.con.execute("BEGIN TRANSACTION")
                        # (a chunk of no records still opens one: grouped counts it as 1 so that it ends)
                        grouped += max(1, rec.records)
                        self._insert_staged(rec, counts)
                        if grouped >= per_staged:
                            commit_staged()
                        gc.collect(1)
                        if on_chunk:
                            on_chunk(counts)
                        continue
                    commit_staged()
                    buf.append(rec)
                    if len(buf) >= per_records:
                        flush_records()
                commit_staged()
                flush_records()
            except BaseException:
                if grouped:
                    self.con.execute("ROLLBACK")
                raise
        return counts

    @contextmanager
    def checkpoints_at(self, threshold: str) -> Iterator[None]:
        """DuckDB's automatic checkpoint threshold set to `threshold` for a while, then put back; a checkpoint when
        the while ends without an error (what was deferred is written now, not by whatever commits next)."""
        before = self.scalar("SELECT current_setting('checkpoint_threshold')")
        self.con.execute(f"SET checkpoint_threshold = '{_memory_size(threshold)}'")
        try:
            yield
        finally:
            self.con.execute(f"SET checkpoint_threshold = '{_memory_size(str(before))}'")
        self.con.execute("CHECKPOINT")

    def _stage_chunk(self, run_id: str, recs: list[Record], counts: StageCounts) -> None:
        rows = keyed_rows(run_id, recs)
        counts.read += len(recs)
        with self.transaction():
            seen = self._seen(list(rows))
            fresh = [row for k, row in rows.items() if k not in seen]
            if not fresh:
                return
            for name, tbl in stage_tables(fresh).items():
                self.insert_arrow(name, tbl)
            counts.new += len(fresh)

    def _seen(self, keys: list[str]) -> set[str]:
        """The keys among `keys` of records the store holds already."""
        self.con.register("_chunk_keys", pa.table({"rec": pa.array(keys, pa.string())}))
        try:
            return {
                k
                for (k,) in self.con.execute(
                    "SELECT c.rec FROM _chunk_keys c JOIN records r ON r.rec = c.rec"
                ).fetchall()
            }
        finally:
            self.con.unregister("_chunk_keys")

    def known_keys_file(self) -> Path | None:
        """The keys of every record the store holds, sorted, as a NumPy bytes array in a file next to the store
        (None when it holds none): staging workers read it (memory-mapped) to leave out the rows of records seen
        before, which the store would skip anyway. The caller deletes the file."""
        keys = self.con.sql("SELECT rec FROM records").to_arrow_table().column("rec")
        if not len(keys):
            return None
        arr = np.sort(np.asarray(keys.to_numpy(zero_copy_only=False), dtype=np.bytes_))
        fd, name = tempfile.mkstemp(prefix=f".{self.path.name}.known-", suffix=".npy", dir=self.path.parent)
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, arr, allow_pickle=False)
        return Path(name)

    def _insert_staged(self, c: StagedChunk, counts: StageCounts) -> None:
        """A chunk staged by a worker process, in the open transaction: exactly the rows _stage_chunk would have
        added for its records (a record the store holds already, committed or earlier in this transaction, adds
        nothing)."""
        counts.read += c.records
        seen = self._seen(c.keys)
        keep = [k for k in c.keys if k not in seen] if seen else c.keys
        made = c.keys if c.made is None else c.made
        if c.made is not None and (lost := set(keep).difference(made)):
            # the store lost records since the load began: never, records are only ever added
            raise KGError(f"a staging worker left out records the store does not hold: {sorted(lost)[:3]}")
        tables = c.tables if len(keep) == len(made) else _only(c.tables, set(keep))
        for name in _TABLE_ORDER:
            tbl = tables.get(name)
            if tbl is not None and tbl.num_rows:
                self.insert_arrow(name, tbl)
        counts.new += len(keep)

    # ---- inspection -----------------------------------------------------------------------------------------

    def stats(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for (table,) in self.con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() ORDER BY table_name"
        ).fetchall():
            out[str(table)] = int(self.scalar(f'SELECT count(*) FROM "{table}"') or 0)
        return out

    def export_parquet(self, directory: Path, tables: Iterable[str] | None = None) -> list[Path]:
        """One Parquet file per table (every table, or those of `tables` the store has)."""
        directory.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        known = self.stats()
        for table in [t for t in tables if t in known] if tables is not None else known:
            target = directory / f"{table}.parquet"
            self.export_query(f'SELECT * FROM "{table}"', target)
            written.append(target)
        return written

    def export_query(self, sql: str, target: Path) -> None:
        """The rows of a query over the store, as one Parquet file."""
        self.con.execute(f"COPY ({sql}) TO '{_sql_path(target)}' (FORMAT parquet)")

    def import_parquet(self, directory: Path, tables: Iterable[str]) -> None:
        """Replace tables with the Parquet files of the same name (the output of another engine)."""
        with self.transaction():
            for table in tables:
                src = directory / f"{table}.parquet"
                self.con.execute(f'DELETE FROM "{table}"')
                self.con.execute(f"INSERT INTO \"{table}\" SELECT * FROM read_parquet('{_sql_path(src)}')")


@dataclass(frozen=True)
class StageHere:
    """Staging that writes into the store itself (a CSV bundle staged by SQL, kg.stage.csv_sql): stage() runs
    `run(store)` in its place in the stream, once everything before it is committed, and counts what it returns."""

    run: Callable[[StageStore], StageCounts]


@dataclass
class StagedChunk:
    """Records made into stage rows away from the store (kg.stage.parallel), in input order: each record's key
    (first occurrences only), the rows of every staged table as Arrow (as stage_tables makes them), how many
    records there were, and the rejects and repair notes read among them."""

    keys: list[str]
    tables: dict[str, pa.Table]
    records: int
    rejects: list[Reject]
    sources: dict[str, int]  # records per source
    # the keys whose rows are in `tables`, when not all of them: a worker leaves out the records the store held
    # when the load began (kg.stage.parallel), which the store would skip anyway
    made: list[str] | None = None
    # what making it cost the process that made it (the benchmarks report them): CPU seconds, peak memory so far
    cpu_seconds: float = 0.0
    peak_rss_mb: float = 0.0


def keyed_rows(run_id: str, recs: Iterable[Record], *, as_parsed: bool = False) -> dict[str, dict[str, Any]]:
    """The `records` row of each record by its key, the first of records with one key; "_obj" is the record.
    as_parsed: the records come straight from their parser, unchanged since, so the JSON their validation wrote
    is theirs (WorkRecord.parsed_json; kg.stage.parallel's chunks), not written again."""
    rows: dict[str, dict[str, Any]] = {}
    for r in recs:
        full = (r.parsed_json() if as_parsed else None) or r.model_dump_json()
        key = record_key(r, full)
        if key in rows:
            continue
        payload = r.model_dump_json(exclude={"works"}) if isinstance(r, ResearcherRecord) else full
        rows[key] = {
            "rec": key,
            "kind": r.kind,
            "source": r.prov.source,
            "ref": f"{r.prov.source}:{r.prov.ref}",
            "run_id": run_id,
            "payload": payload,
            "_obj": r,
        }
    return rows


def stage_tables(fresh: list[dict[str, Any]]) -> dict[str, pa.Table]:
    """Every staged table's rows for these records (keyed_rows' rows), as Arrow, in _TABLE_ORDER; empty ones left
    out. Pure: the store's own staging and the worker processes both make their rows here."""
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in records.SCHEMAS}
    res_rows: list[dict[str, Any]] = []
    inst_rows: list[dict[str, Any]] = []
    topic_rows: list[dict[str, Any]] = []
    for row in fresh:
        obj = row["_obj"]
        if isinstance(obj, WorkRecord):
            records.work_stage_rows(row["rec"], row["rec"], obj, None, out)
        elif isinstance(obj, ResearcherRecord):
            res_rows.append(_researcher_row(row["rec"], obj, row["payload"]))
            for i, w in enumerate(obj.works):
                records.work_stage_rows(f"{row['rec']}/{i}", row["rec"], w, obj, out)
        elif isinstance(obj, InstitutionRecord):
            inst_rows.append({"rec": row["rec"], "payload": row["payload"], "pending": True})
        elif isinstance(obj, TopicRecord):
            topic_rows.append({"rec": row["rec"], "payload": row["payload"], "pending": True})
    tables = {
        # (the rows' "_obj" is no field of the schema: the conversion reads the schema's fields only)
        "records": _arrow(fresh, _RECORDS_SCHEMA),
        **{name: _arrow(out[name], schema) for name, schema in records.SCHEMAS.items()},
        "researcher_recs": _arrow(res_rows, _RESEARCHER_RECS_SCHEMA),
        "institution_recs": _arrow(inst_rows, _PAYLOAD_SCHEMA),
        "topic_recs": _arrow(topic_rows, _PAYLOAD_SCHEMA),
    }
    return {name: tbl for name, tbl in tables.items() if tbl is not None}


def _arrow(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table | None:
    """Rows (dicts with the schema's fields) as an Arrow table, None for none. As one struct array, converted
    in C++: several times faster than pa.Table.from_pylist (a missing field is null in both)."""
    if not rows:
        return None
    return pa.Table.from_struct_array(pa.array(rows, type=pa.struct(list(schema))))


def _only(tables: dict[str, pa.Table], keep: set[str]) -> dict[str, pa.Table]:
    """The rows of the records in `keep` (by `rec`, or the record part of `wrec`: "<rec>" or "<rec>/<i>")."""
    out: dict[str, pa.Table] = {}
    if not keep:
        return out
    for name, tbl in tables.items():
        col = tbl.column("wrec" if "wrec" in tbl.column_names else "rec").to_pylist()
        mask = pa.array([str(v).split("/", 1)[0] in keep for v in col], pa.bool_())
        out[name] = tbl.filter(mask)
    return out


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while records are parsed and staged (the caller collects the young objects
    once per chunk). Left on, it scans the chunk's ever larger heap of records again and again: a third of the
    staging time. Records and stage rows make no reference cycles, so nothing waits for the collector."""
    if not gc.isenabled():  # someone else manages collection
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _sql_path(p: Path) -> str:
    return str(p).replace("'", "''")


def _researcher_row(rec: str, r: ResearcherRecord, payload: str) -> dict[str, Any]:
    from kg.identity import block_key
    from kg.resolve.rows import researcher_record_strong

    return {
        "rec": rec,
        "source": r.prov.source,
        "name": r.name.strip(),
        "block": block_key(r.name),
        # every strong id the record carries, its Semantic Scholar author id too: resolve points the record at the
        # cluster holding any of them, so an S2 author entity joins the researcher its S2 mentions went to even
        # when an ORCID names that researcher
        "strong": researcher_record_strong(r),
        "payload": payload,
        "pending": True,
    }


_RECORDS_SCHEMA = pa.schema(
    [
        ("rec", pa.string()),
        ("kind", pa.string()),
        ("source", pa.string()),
        ("ref", pa.string()),
        ("run_id", pa.string()),
        ("payload", pa.string()),
    ]
)
_RESEARCHER_RECS_SCHEMA = pa.schema(
    [
        ("rec", pa.string()),
        ("source", pa.string()),
        ("name", pa.string()),
        ("block", pa.string()),
        ("strong", pa.list_(pa.string())),
        ("payload", pa.string()),
        ("pending", pa.bool_()),
    ]
)
_PAYLOAD_SCHEMA = pa.schema([("rec", pa.string()), ("payload", pa.string()), ("pending", pa.bool_())])


def drop_temp(con: duckdb.DuckDBPyConnection, *names: str) -> None:
    """Drop a step's temporary tables once it is done with them: they live as long as the connection, in memory
    until DuckDB spills them, so a step that leaves one holds its rows through every later step of the load."""
    for name in names:
        con.execute(f"DROP TABLE IF EXISTS temp.main.{name}")
