"""The load pipeline: parse → stage → resolve → write → derive, one run at a time per stage store.

- parse: the loaders stream records and rejects (rejects go to the rejects file, named on stderr);
- stage: records into the stage store (kg.stage), which remembers everything seen;
- resolve: works and researchers as a whole, in the stage (kg.resolve), never reading Neo4j;
- write: only what changed, as write-only batches into any Neo4j (kg.write.online), or the whole graph through
  `neo4j-admin database import` into an empty local Neo4j (kg.write.bulk);
- derive: COAUTHOR is computed in the stage with the resolved graph and written with it; topic assignment and
  researcher topic profiles run for what changed, both computed from the stage when the graph holds only this
  stage's writes (kg.derive.topic_input, kg.derive.topic_profiles: SQL, the model, write-only statements), else
  from graph reads (a graph someone else wrote too). On the bulk path they run before the import and their rows
  go into it (kg.derive.topic_bulk): after the start only the empty lists the import cannot write are written.

Every step leaves its pending work recorded in the stage, so a run killed at any point and run again ends in the
graph a clean run gives, derived edges included, and its LoadRun says so.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from neo4j import Driver

from kg.config import Settings, get_settings
from kg.errors import InputError
from kg.graphdb import apply_schema, catalog, open_driver, run
from kg.graphdb.catalog import query
from kg.models import Record, Reject
from kg.sources.parsers.read import SqlBundle, Unit
from kg.stage.parallel import Workers
from kg.stage.store import StageCounts, StagedChunk, StageHere, StageStore

if TYPE_CHECKING:
    from kg.derive.topic_bulk import EmptyLists, TopicBulk

log = logging.getLogger(__name__)

LABELS = ("Work", "Researcher", "Institution", "Topic")
# stage meta: a bulk load put its derived topics into the import and has not finished them (the empty lists come
# after the start): a derive on the graph then loads the taxonomy whole again, as the clean load's rows hold it
BULK_TOPICS = "bulk_topics_unfinished"

# on_step(text): a stage begins. on_progress(stage, done, total): progress inside one (total 0 when unknown).
Step = Callable[[str], None]
Progress = Callable[[str, int, int], None]


def new_run_id() -> str:
    return f"run:{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"


@dataclass
class LoadSummary:
    run_id: str
    read: int = 0
    loaded: int = 0
    new_records: int = 0
    rejected: int = 0
    notes: int = 0  # records repaired at parse time (control characters removed): in the rejects file, loaded
    failed_files: list[str] = field(default_factory=list)
    written: Counter[str] = field(default_factory=Counter)
    deleted: Counter[str] = field(default_factory=Counter)
    write_failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    stage_seconds: dict[str, float] = field(default_factory=dict)
    write_seconds: dict[str, float] = field(default_factory=dict)  # the bulk write's steps: export, import, …
    rejects_file: str | None = None
    sources: set[str] = field(default_factory=set)
    hooks: dict[str, str] = field(default_factory=dict)
    derived_seconds: float = 0.0
    resumed: list[str] = field(default_factory=list)
    bulk: bool = False
    generation: int | None = None  # the stage's write generation this run's write reached
    # the write left the graph equal to the stage's resolved tables (an empty graph bulk-written, or the stage's
    # own last write brought up to date without failures): derive may read its input from the stage
    graph_is_stage: bool = False

    @property
    def records_per_second(self) -> float:
        return self.read / self.seconds if self.seconds > 0 else 0.0

    @property
    def write_records_per_second(self) -> float:
        t = self.seconds - self.derived_seconds
        return self.read / t if t > 0 else 0.0

    @property
    def exit_code(self) -> int:
        if self.loaded == 0 and not self.resumed:
            return 1
        return 3 if self.rejected or self.failed_files or self.write_failures else 0


class RejectSink:
    """Rejects as JSON lines, the file created only when the first reject arrives."""

    def __init__(self, path: str, on_reject: Callable[[Reject], None] | None = None) -> None:
        self.path = path
        self.count = 0
        self._fh: Any = None
        self.on_reject = on_reject

    def add(self, rej: Reject) -> None:
        if self._fh is None:
            self._fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()
        row = {"file": rej.file, "line": rej.line, "offset": rej.offset, "reason": rej.reason, "raw": rej.raw}
        if rej.note:
            row["note"] = True
        self._fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        self._fh.flush()
        self.count += 1
        if self.on_reject:
            self.on_reject(rej)

    def close(self) -> None:
        if self._fh is not None:
            try:
                self._fh.close()
            except OSError:  # a full disk: what was flushed is kept; the load reports its own error
                log.warning("could not close the rejects file %s", self.path)


def open_stage(settings: Settings, stage_path: Path | None = None, on_wait: Step | None = None) -> StageStore:
    return StageStore(
        stage_path or settings.stage_file, wait=on_wait, memory_limit=settings.stage_memory_limit
    )


def load(
    driver: Driver,
    sources: Iterable[tuple[str, Iterable[Unit]]],
    *,
    run_id: str | None = None,
    batch_size: int | None = None,
    rejects_path: str | None = None,
    settings: Settings | None = None,
    stage_path: Path | None = None,
    bulk: bool = False,
    derive: bool = True,
    on_step: Step | None = None,
    on_progress: Progress | None = None,
    on_reject: Callable[[Reject], None] | None = None,
    on_file_error: Callable[[str, str], None] | None = None,
    on_write_failure: Callable[[str], None] | None = None,
    on_wait: Step | None = None,
    paths: Sequence[str] = (),
    stage: StageStore | None = None,
) -> LoadSummary:
    """Run the whole pipeline over (path, records) pairs and return what happened."""
    s = settings or get_settings()
    rid = run_id or new_run_id()
    summary = LoadSummary(
        run_id=rid, rejects_file=rejects_path or f"rejects-{rid.split(':', 1)[1]}.jsonl", bulk=bulk
    )
    own = stage is None
    st = stage or open_stage(s, stage_path, on_wait)
    try:
        _run(
            driver,
            st,
            sources,
            summary,
            s,
            batch_size,
            bulk,
            derive,
            on_step,
            on_progress,
            on_reject,
            on_file_error,
            on_write_failure,
            paths,
        )
    finally:
        if own:
            st.close()
    return summary


def counted_records(
    sources: Iterable[tuple[str, Iterable[Unit]]],
    summary: LoadSummary,
    sink: RejectSink,
    on_file_error: Callable[[str, str], None] | None,
    workers: Workers,
    progress: Progress | None = None,
) -> Iterator[Record | StagedChunk | StageHere]:
    """The records of every source (bundle chunks staged by the workers, a bundle left whole to SQL staged by
    kg.stage.csv_sql in its place), counted on the summary; rejects go to the sink in input order, an unreadable
    file is named."""
    for path, units in sources:
        try:
            for it in workers.staged(units, summary.run_id):
                if isinstance(it, SqlBundle):
                    yield _sql_staged(it, summary, sink, progress)
                    continue
                if isinstance(it, StagedChunk):
                    for rej in it.rejects:
                        summary.read += 1
                        _reject(rej, summary, sink)
                    summary.read += it.records
                    summary.loaded += it.records
                    summary.sources.update(it.sources)
                    yield it
                    continue
                summary.read += 1
                if isinstance(it, Reject):
                    _reject(it, summary, sink)
                    continue
                summary.sources.add(it.prov.source)
                summary.loaded += 1
                yield it
        except InputError as e:
            summary.failed_files.append(path)
            if on_file_error:
                on_file_error(path, str(e))


def _sql_staged(
    bundle: SqlBundle, summary: LoadSummary, sink: RejectSink, progress: Progress | None
) -> StageHere:
    """The staging of a bundle by SQL, for the store to run in its place in the stream: counted on the summary as
    counted_records counts the record path's, its rejects to the sink in the record path's order."""
    from kg.stage.csv_sql import stage_bundle_sql

    def run(st: StageStore) -> StageCounts:
        got = stage_bundle_sql(st, bundle.directory, summary.run_id, on_progress=progress)
        for rej in got.rejects:
            summary.read += 1
            _reject(rej, summary, sink)
        summary.read += got.counts.read
        summary.loaded += got.counts.read
        if got.counts.read:
            summary.sources.add("csv")
        log.info(
            "%s staged by SQL: %d records (%d by the record path%s)",
            bundle.directory,
            got.counts.read,
            got.python_records,
            f": {got.whole_python}" if got.whole_python else "",
        )
        return got.counts

    return StageHere(run)


def _reject(rej: Reject, summary: LoadSummary, sink: RejectSink) -> None:
    if rej.note:  # a record repaired at parse time: reported, and it loads
        summary.notes += 1
        summary.read -= 1  # the record it notes is counted when it comes
    else:
        summary.rejected += 1
    sink.add(rej)


def _start_graph_run(driver: Driver, s: Settings, summary: LoadSummary, paths: Sequence[str]) -> None:
    """The graph's schema, and the LoadRun node that says a run started."""
    apply_schema(driver, s)
    run(
        driver,
        query("load/loadrun_start"),
        {"id": summary.run_id, "paths": list(paths), "rejects_file": summary.rejects_file},
        write=True,
        settings=s,
    )


def _stage_and_resolve(
    st: StageStore,
    records: Iterable[Record | StagedChunk | StageHere],
    workers: Workers,
    summary: LoadSummary,
    s: Settings,
    step: Step,
    progress: Progress,
) -> None:
    """Parse + stage every record, then resolve works and researchers and build the COAUTHOR table (no Neo4j)."""
    from kg.derive.coauthor_table import build_coauthor_table
    from kg.resolve.choose import get_engine

    rid = summary.run_id
    step("parse and stage")
    t = time.monotonic()
    counts = st.stage(rid, records, on_chunk=lambda c: progress("stage", c.read, 0))
    workers.close()  # idle from here on: their memory back before resolving
    summary.new_records += counts.new
    summary.stage_seconds["stage"] = time.monotonic() - t
    st.set_phase(rid, "resolve")

    t = time.monotonic()
    step("resolve works and researchers")
    phase = [""]

    def resolve_progress(name: str, done: int, total: int) -> None:
        if name != phase[0]:  # each part of the resolve stage is a step of its own (what a log shows)
            phase[0] = name
            step(name)
        progress(name, done, total)

    get_engine(s).resolve(st, on_progress=resolve_progress)
    summary.stage_seconds["resolve"] = time.monotonic() - t
    t = time.monotonic()
    step("build the COAUTHOR table")
    built = build_coauthor_table(st, s.coauthor_author_cap)
    summary.stage_seconds["coauthors"] = time.monotonic() - t
    log.info(
        "COAUTHOR table %s: %d pairs (%d recomputed; %d works changed)",
        "rebuilt whole" if built.whole else "updated for the works that changed",
        built.pairs,
        built.recomputed,
        built.changed_works,
    )
    st.set_phase(rid, "write")


def _finish_props(summary: LoadSummary, st: StageStore, status: str, rejects: int) -> dict[str, Any]:
    """The LoadRun node's closing properties."""
    finish: dict[str, Any] = {
        "status": status,
        "source": ",".join(sorted(summary.sources)),
        "read": summary.read,
        "loaded": summary.loaded,
        "new_records": summary.new_records,
        "rejected": summary.rejected,
        "failed_files": summary.failed_files,
        "rejects_file": summary.rejects_file if rejects else None,
        "counts": json.dumps(dict(sorted(summary.written.items()))),
        "deleted": json.dumps(dict(sorted(summary.deleted.items()))),
        **{f"count_{label.lower()}": summary.written.get(label, 0) for label in LABELS},
        "seconds": round(summary.seconds, 3),
        "derived_seconds": round(summary.derived_seconds, 3),
        "stage_seconds": json.dumps({k: round(v, 2) for k, v in summary.stage_seconds.items()}),
        "resumed": summary.resumed,
        "stage": st.stage_id,
        "bulk": summary.bulk,
    }
    if summary.generation is not None:
        # this run brought the graph to the stage's write generation: later runs trust what the stage says
        # the graph holds only while the graph carries it
        finish["stage_generation"] = summary.generation
    return finish


def _finish_run(
    driver: Driver | None, st: StageStore, s: Settings, summary: LoadSummary, status: str, rejects: int
) -> None:
    """Record the run's end in the graph (when it has its LoadRun node) and in the stage."""
    rid = summary.run_id
    if driver is not None:
        try:
            finish = _finish_props(summary, st, status, rejects)
            run(driver, query("load/loadrun_finish"), {"id": rid, "props": finish}, write=True, settings=s)
            if summary.resumed:
                run(
                    driver,
                    query("load/loadrun_resumed"),
                    {"ids": summary.resumed, "by": rid},
                    write=True,
                    settings=s,
                )
        except Exception:  # the run's own record must not hide the error that stopped the load
            log.warning("could not record the end of load run %s", rid)
    st.finish_run(
        rid,
        status,
        read=summary.read,
        staged=summary.loaded,
        new_records=summary.new_records,
        rejected=summary.rejected,
        failed_files=summary.failed_files,
        counts=json.dumps(dict(sorted(summary.written.items()))),
        sources=sorted(summary.sources),
    )


def _run(
    driver: Driver,
    st: StageStore,
    sources: Iterable[tuple[str, Iterable[Unit]]],
    summary: LoadSummary,
    s: Settings,
    batch_size: int | None,
    bulk: bool,
    derive: bool,
    on_step: Step | None,
    on_progress: Progress | None,
    on_reject: Callable[[Reject], None] | None,
    on_file_error: Callable[[str, str], None] | None,
    on_write_failure: Callable[[str], None] | None,
    paths: Sequence[str],
) -> None:
    step = on_step or (lambda _t: None)
    progress = on_progress or (lambda _s, _d, _t: None)
    t0 = time.monotonic()
    if bulk:  # refused before this run is begun or anything staged, not after the whole stage and resolve
        _require_empty(driver, s)
    rid = summary.run_id
    sink = RejectSink(summary.rejects_file or "rejects.jsonl", on_reject)
    summary.resumed = st.begin_run(rid, list(paths), summary.rejects_file)
    if summary.resumed:
        step(f"completing {len(summary.resumed)} interrupted run(s): {', '.join(summary.resumed)}")
    graph_ready = False
    fresh_driver: Driver | None = None
    if not bulk:
        _start_graph_run(driver, s, summary, paths)
        graph_ready = True
    status = "failed"
    workers = Workers(s.stage_worker_count, known=st.known_keys_file)
    try:
        _stage_and_resolve(
            st,
            counted_records(sources, summary, sink, on_file_error, workers, progress),
            workers,
            summary,
            s,
            step,
            progress,
        )

        t = time.monotonic()
        if bulk:
            # derive before the import: its topics, keyphrases and WORKS_ON go into the import's CSVs
            empty = _bulk_write(driver, st, s, rid, summary, step, progress, derive)
            # a new database: the old driver's bookmarks point past its transactions
            driver = fresh_driver = open_driver(s)
            t_schema = time.monotonic()
            _start_graph_run(driver, s, summary, paths)
            summary.write_seconds["schema"] = time.monotonic() - t_schema
            graph_ready = True
            if empty:
                t_empty = time.monotonic()
                _write_empty_lists(driver, s, empty)
                summary.derived_seconds += time.monotonic() - t_empty
        else:
            _online_write(driver, st, s, rid, summary, batch_size, step, progress, on_write_failure)
        summary.stage_seconds["write"] = time.monotonic() - t - summary.derived_seconds
        st.set_phase(rid, "derive")

        if bulk and derive:  # derived with the import
            st.con.execute("DELETE FROM pending_derive")
            st.con.execute("DELETE FROM meta WHERE key = ?", [BULK_TOPICS])
            summary.stage_seconds["derive"] = summary.derived_seconds
        # derive on the graph: topics of new works, researchers' topic profiles
        elif derive:
            t = time.monotonic()
            step("derive topics")
            summary.hooks = derive_topics(driver, st, s, from_stage=summary.graph_is_stage)
            summary.derived_seconds = time.monotonic() - t
            summary.stage_seconds["derive"] = summary.derived_seconds
        status = "completed"
    finally:
        workers.close()
        sink.close()
        summary.seconds = time.monotonic() - t0
        _finish_run(driver if graph_ready else None, st, s, summary, status, sink.count)
        if fresh_driver is not None:
            fresh_driver.close()
    if not sink.count:
        summary.rejects_file = None


def _write_mode(driver: Driver, st: StageStore, s: Settings, owned: bool) -> frozenset[str] | None:
    """The labels and types whose new rows must be MERGEd, not CREATEd, because the graph may hold them without
    the stage knowing: None (all of them) after an interrupted write; none when the graph carries this stage's last
    write and no other stage has loaded since (`owned`, from `_owns_graph`); else (a graph this stage did not write,
    or written since by another stage) every label and type the graph holds any of, and the stage forgets what it
    wrote."""
    if st.meta("write_dirty"):
        return None
    if owned:
        return frozenset()
    # the graph does not carry this stage's last write alone: start from nothing known
    from kg.write import changes

    st.con.execute("DELETE FROM written")
    present = set()
    for kind in changes.node_kinds() + changes.rel_kinds():
        cypher = (
            catalog.template("write/type_present", type=kind.name)
            if kind.rel
            else catalog.template("write/label_present", label=kind.name)
        )
        found = run(driver, cypher, settings=s)
        if found and found[0]["present"]:
            present.add(kind.name)
    return frozenset(present)


def _owns_graph(driver: Driver, st: StageStore, s: Settings, rid: str) -> bool:
    """The graph's LoadRuns record this stage's last write generation, and no other stage's run (`rid` aside)
    started after it: what the stage remembers writing is what the graph holds."""
    generation = int(st.meta("generation") or 0)
    row = run(driver, query("write/stage_generation"), {"stage": st.stage_id}, settings=s)
    in_graph = row[0]["generation"] if row else None
    carried = in_graph is not None and int(in_graph) == generation and generation > 0
    return carried and _written_only_by_stage(driver, st, s, rid)


def _online_write(
    driver: Driver,
    st: StageStore,
    s: Settings,
    rid: str,
    summary: LoadSummary,
    batch_size: int | None,
    step: Step,
    progress: Progress,
    on_write_failure: Callable[[str], None] | None,
) -> None:
    from kg.derive import topic_profiles
    from kg.write.online import OnlineWriter

    owned = _owns_graph(driver, st, s, rid)
    merge = _write_mode(driver, st, s, owned)
    # derive may read the stage instead of the graph only if the graph holds nothing but this stage's writes:
    # merge is empty when the stage owns the graph, or when the graph holds nothing of any kind
    alone = merge == frozenset()
    empty = alone and not owned
    if not alone:  # another writer's assigned topics may be in the graph: the stage's record of them is void
        st.con.execute("DELETE FROM meta WHERE key = ?", [topic_profiles.RECORDED])
    step(
        "write changes to Neo4j"
        + (" (merging: the graph may hold part of an earlier write)" if merge is None else "")
        + (f" (merging {', '.join(sorted(merge))}: the graph holds some already)" if merge else "")
    )
    st.set_meta("write_dirty", rid)
    report = OnlineWriter(
        driver,
        st,
        s,
        rid,
        merge=merge,
        batch_size=batch_size or s.batch_size,
        sessions=s.writer_sessions,
        on_progress=lambda kind, n: progress(f"write {kind}", n, 0),
        on_failure=on_write_failure,
    ).write()
    summary.written.update(report.written)
    summary.deleted.update(report.deleted)
    summary.write_failures = report.failed
    summary.generation = int(st.meta("generation") or 0) + 1
    st.set_meta("generation", str(summary.generation))
    st.con.execute("DELETE FROM meta WHERE key = 'write_dirty'")
    summary.graph_is_stage = alone and not report.failed
    if empty:  # the graph held nothing: no assigned topics but those this stage's derive will record
        topic_profiles.reset(st.con)
        st.set_meta(topic_profiles.RECORDED, str(summary.generation))


def _written_only_by_stage(driver: Driver, st: StageStore, s: Settings, rid: str) -> bool:
    found = run(
        driver,
        query("load/written_only_by_stage"),
        {"stage": st.stage_id, "generation": int(st.meta("generation") or 0), "run": rid},
        settings=s,
    )
    return bool(found and found[0]["alone"])


def _bulk_write(
    driver: Driver,
    st: StageStore,
    s: Settings,
    rid: str,
    summary: LoadSummary,
    step: Step,
    progress: Progress,
    derive: bool,
) -> EmptyLists | None:
    """Export, import, start. With `derive`, topics and profiles are computed first and imported with the graph;
    returns the empty lists the import cannot write (kg.derive.topic_bulk), for after the start."""
    from kg.derive import topic_bulk, topic_profiles
    from kg.write import bulk, changes

    _require_empty(driver, s)  # again: the graph may have been written to while this load staged
    # a new database: no assigned topics but those this load's derive records
    topic_profiles.reset(st.con)
    derived = _derive_for_import(st, s, summary, step, progress) if derive else None
    directory = s.localdb_home / "import" / "kg-bulk"
    step(f"export the resolved graph as CSV ({directory})")
    report = bulk.export_csv(st, directory, rid, derived.derived if derived else None)
    topic_bulk.drop(st.con)
    if derived is not None:  # cleared once the load's derive is whole in the graph (see derive_topics)
        st.set_meta(BULK_TOPICS, rid)
    # the driver stays open: its pooled connections die with the server and it opens new ones after the restart
    with st.idle():
        bulk.import_into_local(s, report, on_step=step)
    t = time.monotonic()
    st.set_meta("write_dirty", rid)
    with st.transaction():
        changes.mark_all_written(st)
    summary.write_seconds.update(
        {
            "export": report.export_seconds,
            "stop": report.stop_seconds,
            "import": report.import_seconds,
            "start": report.start_seconds,
            "bookkeeping": time.monotonic() - t,
        }
    )
    for key, n in report.rows.items():
        _kind, name = key.split(":", 1)
        summary.written[name] += n
    summary.generation = int(st.meta("generation") or 0) + 1
    st.set_meta("generation", str(summary.generation))
    st.con.execute("DELETE FROM meta WHERE key = 'write_dirty'")
    summary.graph_is_stage = True
    # the graph's assigned topics are those recorded in the stage (none without derive)
    st.set_meta(topic_profiles.RECORDED, str(summary.generation))
    shutil_rmtree(directory)
    return derived.empty if derived and len(derived.empty) else None


def _require_empty(driver: Driver, s: Settings) -> None:
    empty = run(driver, query("write/graph_is_empty"), settings=s)
    if not (empty and empty[0]["empty"]):
        raise InputError(
            "--bulk replaces the local database and needs it empty: load without --bulk to add to this graph"
        )


def _derive_for_import(
    st: StageStore, s: Settings, summary: LoadSummary, step: Step, progress: Progress
) -> TopicBulk:
    """The derive step on the bulk path: the pending works' topics and researchers' profiles from the stage."""
    from kg.derive import topic_bulk

    t = time.monotonic()
    step("derive topics")
    works, researchers = _pending_derive(st)
    from kg import topics as topics_mod

    found = topic_bulk.derive(st.con, s, works, researchers, topics_mod=topics_mod, on_progress=progress)
    summary.hooks = {"topics": "ok"}
    summary.derived_seconds += time.monotonic() - t
    log.info(
        "topics for the import: %d of %d works assigned (%d edges), %d profiles (%d WORKS_ON), taxonomy %s",
        found.assigned,
        found.works,
        found.edges,
        found.profiles,
        found.works_on,
        "merged" if found.taxonomy_merged else "held already",
    )
    return found


def _write_empty_lists(driver: Driver, s: Settings, empty: EmptyLists) -> None:
    """The empty lists the import cannot write (topics/bulk_empty_lists), in batches."""
    from kg.derive.topic_input import SOURCE_METHOD

    size = max(1, s.derive_batch_size)
    n = max(len(empty.works), len(empty.topics), len(empty.edges))
    for i in range(0, n, size):
        run(
            driver,
            query("topics/bulk_empty_lists"),
            {
                "works": empty.works[i : i + size],
                "topics": empty.topics[i : i + size],
                "edges": empty.edges[i : i + size],
                "source": SOURCE_METHOD,
            },
            write=True,
            settings=s,
        )


def shutil_rmtree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def _pending_derive(st: StageStore) -> tuple[list[str], list[str]]:
    """The works and researchers whose topics and profiles the derive step computes (those the load changed)."""
    works = [
        r[0]
        for r in st.con.execute(
            "SELECT DISTINCT p.id FROM pending_derive p JOIN work w ON w.id = p.id WHERE p.kind = 'work' ORDER BY 1"
        ).fetchall()
    ]
    researchers = [
        r[0]
        for r in st.con.execute(
            "SELECT DISTINCT p.id FROM pending_derive p JOIN researcher r ON r.id = p.id WHERE p.kind = 'researcher' ORDER BY 1"
        ).fetchall()
    ]
    return works, researchers


def derive_topics(driver: Driver, st: StageStore, s: Settings, *, from_stage: bool = False) -> dict[str, str]:
    """Topics for works without source topics and researchers' topic profiles, for what the load changed.
    `from_stage`: the graph holds exactly the stage's resolved tables, so the works' text and context are read
    from the stage (kg.derive.topic_input) rather than from the graph."""
    out: dict[str, str] = {}
    works, researchers = _pending_derive(st)
    from kg import topics as topics_mod

    if st.meta(BULK_TOPICS):
        # a bulk load stopped after its import: the taxonomy nodes' empty keyword lists may be missing, and
        # the graph holds the taxonomy's edges, so ensure_topic_nodes would not load it
        from kg.taxonomy import load_taxonomy

        load_taxonomy(driver, settings=s)
    _derive_with(topics_mod, driver, st, s, works, researchers, from_stage)
    out["topics"] = "ok"
    st.con.execute("DELETE FROM pending_derive")
    st.con.execute("DELETE FROM meta WHERE key = ?", [BULK_TOPICS])
    return out


def _derive_with(
    topics_mod: Any,
    driver: Driver,
    st: StageStore,
    s: Settings,
    works: list[str],
    researchers: list[str],
    from_stage: bool,
) -> None:
    """Assignment then profiles, their input from the stage when `from_stage` (and, for profiles, when the stage's
    record of the assigned topics matches the graph), else from the graph."""
    from kg.derive import topic_input, topic_profiles

    def record(rows: list[dict[str, Any]]) -> None:
        topic_profiles.record_assigned(st.con, rows)

    levels: list[tuple[str, str | None]] = []
    if from_stage:
        # the taxonomy first: the topics' levels the stage read takes from the graph are then the final ones
        topics_mod.ensure_topic_nodes(driver, settings=s)
        levels = topics_mod.scheme_topic_levels(driver, settings=s)
    if works and from_stage:
        reader = topic_input.StageTopicInput(st.con, levels, topics_mod.CONTEXT_LIMIT)
        try:
            topics_mod.assign_for_works(driver, works, settings=s, read_rows=reader.rows, on_written=record)
        finally:
            reader.close()
    elif works:
        topics_mod.assign_for_works(driver, works, settings=s, on_written=record)
    if not researchers:
        return
    if (
        from_stage
        and st.meta(topic_profiles.RECORDED)
        and topic_profiles.recorded_matches_graph(st.con, *topics_mod.assigned_totals(driver, settings=s))
    ):
        topic_input.load_levels(st.con, levels)
        try:
            rows = topic_profiles.profile_rows(st.con, researchers)
        finally:
            topic_input.drop_levels(st.con)
        topics_mod.write_profiles(driver, rows, settings=s)
    else:
        topics_mod.refresh_researcher_topics(driver, researchers, settings=s)
