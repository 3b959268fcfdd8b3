"""Batch co-author discovery: stream the edge list out of Neo4j, rank with kg.linkpred, store and export reasons.

Flow: (1) page through researchers in id order (keyset pages on the unique index) twice — ids, names and open
flags, then their COAUTHOR / WORKS_ON / AFFILIATED_WITH / SAME_AS edges mapped straight to integer arrays (topic
and institution names are read once at the end); (2) kg.linkpred ranks candidates block by block (sparse products,
see its docstring for the score and the complexity); (3) WRITERS writer threads store earlier blocks' suggestions
while the next block is ranked: one write transaction per WRITE_BATCH edges replaces those sources'
SUGGESTED_COLLABORATOR edges {score, reasons (compact JSON, ids only), run}, grouped by source; with --out the same
suggestions also go to JSON lines (.jsonl/.ndjson/.json) or CSV (.csv). Memory holds ids, names and integer arrays,
plus at most WRITERS + 1 blocks of suggestions in flight.
"""

from __future__ import annotations

import csv
import json
import sys
import time
import uuid
from array import array
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import numpy as np
from neo4j import Driver

from kg import linkpred
from kg.coauthors import run_steps
from kg.config import Settings, get_settings
from kg.db import run_named
from kg.errors import InputError, NotFound

JSONL_SUFFIXES = {".jsonl", ".ndjson", ".json"}
CSV_SUFFIXES = {".csv"}
CSV_COLUMNS = [
    "run",
    "researcher_id",
    "researcher_name",
    "rank",
    "candidate_id",
    "candidate_name",
    "score",
    "coauthor_ra",
    "topics",
    "institutions",
    "open_boost",
    "shared_coauthors",
    "shared_topics",
    "shared_institutions",
    "reasons",
]
READ_PAGE = 5000
NAME_PAGE = 5000
DIGITS = 6
# The stored reasons' format version: compact JSON with ids only (see reasons_text); "v" tells it from others.
STORED_FORMAT = 2
# Edges per write transaction: big enough that the per-transaction cost vanishes, small enough to stay far
# below the transaction timeout and memory limits (≈ 2,000 sources' suggestions).
WRITE_BATCH = 20000
# Concurrent writer sessions. Blocks have disjoint sources, so they can be stored in any order; two transactions
# that lock the same target wait for each other (a deadlock is retried by the managed transaction). Measured on
# this 2-core machine: 19–21k edges/s with one writer, 22–29k with two.
WRITERS = 2

# advance(phase, done, total): progress callback.
Advance = Callable[[str, int, int], None]


@dataclass
class DiscoveryInput:
    """The edge list with the string ids its integer indices stand for."""

    researcher_ids: list[str]
    topic_ids: list[str]
    institution_ids: list[str]
    edges: linkpred.EdgeList
    researcher_names: list[str | None] = field(default_factory=list)
    topic_names: list[str | None] = field(default_factory=list)
    institution_names: list[str | None] = field(default_factory=list)
    # JSON-escaped researcher, topic and institution ids, made on first use by reasons_text
    escaped: tuple[list[str], ...] | None = None


@dataclass
class DiscoverySummary:
    run: str
    researchers: int  # sources covered (their previous suggestions replaced)
    with_suggestions: int
    suggestions: int
    graph_researchers: int
    coauthor_pairs: int
    out: Path | None = None
    seconds: float = 0.0
    params: dict[str, Any] = field(default_factory=dict)
    # where the time went: reading the edge list, ranking (incl. formatting rows), the writer's busy time, and how
    # long ranking stood waiting for the writer (the write-bound share of the run)
    timings: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run": self.run,
            "researchers": self.researchers,
            "with_suggestions": self.with_suggestions,
            "suggestions": self.suggestions,
            "graph_researchers": self.graph_researchers,
            "coauthor_pairs": self.coauthor_pairs,
            "out": str(self.out) if self.out else None,
            "seconds": round(self.seconds, 2),
            "timings": {k: round(v, 2) for k, v in self.timings.items()},
            "params": self.params,
        }


def out_format(path: Path) -> str:
    """'jsonl' or 'csv' from the file's extension; anything else is an InputError."""
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if suffix in CSV_SUFFIXES:
        return "csv"
    raise InputError(f"--out {path}: unknown format {suffix or '(no extension)'!r}; use .jsonl or .csv")


def load_input(driver: Driver, settings: Settings, advance: Advance | None = None) -> DiscoveryInput:
    """Stream the researchers and their edges out of Neo4j in pages into integer arrays."""
    total = int(run_named(driver, "discover/count_researchers", settings=settings)[0]["n"])
    ids: list[str] = []
    names: list[str | None] = []
    open_flags = array("b")
    after = ""
    while True:
        rows = run_named(
            driver, "discover/researcher_page", {"after": after, "limit": READ_PAGE}, settings=settings
        )
        if not rows:
            break
        for r in rows:
            ids.append(r["id"])
            names.append(r["name"])
            open_flags.append(1 if r["open"] is True else 0)
        after = ids[-1]
        if advance:
            advance("reading researchers", len(ids), max(total, len(ids)))
    index = {rid: i for i, rid in enumerate(ids)}
    topic_index: dict[str, int] = {}
    inst_index: dict[str, int] = {}
    co, tr, tw, ir, sa = array("q"), array("q"), array("d"), array("q"), array("q")
    for start in range(0, len(ids), READ_PAGE):
        page = ids[start : start + READ_PAGE]
        for r in run_named(driver, "discover/edges_page", {"ids": page}, settings=settings):
            a = index[r["id"]]
            for b in r["coauthors"]:
                j = index.get(b)
                if j is not None:
                    co.extend((a, j))
            for tid, weight in r["topics"]:
                tr.extend((a, topic_index.setdefault(tid, len(topic_index))))
                tw.append(float(weight))
            for iid in r["institutions"]:
                ir.extend((a, inst_index.setdefault(iid, len(inst_index))))
            for b in r["same_as"]:
                j = index.get(b)
                if j is not None:
                    sa.extend((a, j))
        if advance:
            advance("reading edges", min(start + READ_PAGE, len(ids)), len(ids))
    edges = linkpred.EdgeList(
        n=len(ids),
        coauthor=np.frombuffer(co, dtype=np.int64).reshape(-1, 2),
        n_topics=len(topic_index),
        topic_rows=np.frombuffer(tr, dtype=np.int64).reshape(-1, 2),
        topic_weights=np.frombuffer(tw, dtype=np.float64),
        n_institutions=len(inst_index),
        institution_rows=np.frombuffer(ir, dtype=np.int64).reshape(-1, 2),
        same_as=np.frombuffer(sa, dtype=np.int64).reshape(-1, 2),
        open=np.frombuffer(open_flags, dtype=np.int8).astype(bool),
    )
    topic_ids, inst_ids = list(topic_index), list(inst_index)
    return DiscoveryInput(
        ids,
        topic_ids,
        inst_ids,
        edges,
        researcher_names=names,
        topic_names=_all_names(driver, settings, "discover/topic_names", topic_ids),
        institution_names=_all_names(driver, settings, "discover/institution_names", inst_ids),
    )


def _all_names(driver: Driver, settings: Settings, name: str, ids: list[str]) -> list[str | None]:
    """Names for ids (in order), read in pages."""
    found: dict[str, str | None] = {}
    for start in range(0, len(ids), NAME_PAGE):
        rows = run_named(driver, name, {"ids": ids[start : start + NAME_PAGE]}, settings=settings)
        found.update({r["id"]: r["name"] for r in rows})
    return [found.get(i) for i in ids]


def _r(x: float) -> float:
    return round(float(x), DIGITS)


def reasons_for(s: linkpred.Suggestion, inp: DiscoveryInput) -> dict[str, Any]:
    """The JSON-ready reasons of one suggestion, compact: the score's parts and what the two people share (ids and
    names; a shared co-author's contribution is 1/its co-author count, a shared topic's overlap min(p_u, p_v)).
    The score itself is on the edge, the weights in the run's parameters, the candidate's open flag on its node."""
    rid, rn = inp.researcher_ids, inp.researcher_names
    return {
        "parts": {
            "coauthor_ra": _r(s.coauthor_ra),
            "topics": _r(s.topics),
            "institutions": _r(s.institutions),
            "open_boost": _r(s.open_boost),
        },
        "shared_coauthor_count": s.shared_coauthor_count,
        "shared_coauthors": [
            {"id": rid[z], "name": rn[z], "contribution": _r(c)} for z, c in s.shared_coauthors
        ],
        "shared_topics": [
            {"id": inp.topic_ids[t], "name": inp.topic_names[t], "overlap": _r(min(wa, wb))}
            for t, wa, wb in s.shared_topics
        ],
        "shared_institutions": [
            {"id": inp.institution_ids[i], "name": inp.institution_names[i]} for i in s.shared_institutions
        ],
    }


class _Writer:
    """JSON lines or CSV, chosen by the file's extension."""

    def __init__(self, path: Path) -> None:
        self.kind = out_format(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.fh: IO[str] = path.open("w", encoding="utf-8", newline="")
        except OSError as e:
            raise InputError(f"--out {path}: cannot write ({e.strerror})") from e
        self.csv = csv.DictWriter(self.fh, fieldnames=CSV_COLUMNS) if self.kind == "csv" else None
        if self.csv:
            self.csv.writeheader()

    def write(self, rec: dict[str, Any]) -> None:
        if self.csv is None:
            self.fh.write(json.dumps(rec, ensure_ascii=False, sort_keys=False) + "\n")
            return
        rs = rec["reasons"]
        self.csv.writerow(
            {
                "run": rec["run"],
                "researcher_id": rec["researcher_id"],
                "researcher_name": rec["researcher_name"],
                "rank": rec["rank"],
                "candidate_id": rec["candidate_id"],
                "candidate_name": rec["candidate_name"],
                "score": rec["score"],
                **{k: v for k, v in rs["parts"].items()},
                "shared_coauthors": "; ".join(c["name"] or c["id"] for c in rs["shared_coauthors"]),
                "shared_topics": "; ".join(t["name"] or t["id"] for t in rs["shared_topics"]),
                "shared_institutions": "; ".join(i["name"] or i["id"] for i in rs["shared_institutions"]),
                "reasons": json.dumps(rs, ensure_ascii=False),
            }
        )

    def close(self) -> None:
        self.fh.close()


@contextmanager
def _progress(enabled: bool | None) -> Iterator[Advance | None]:
    """A rich progress bar on stderr when it is a terminal (or when asked), else nothing."""
    show = sys.stderr.isatty() if enabled is None else enabled
    if not show:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    tasks: dict[str, Any] = {}
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
    ) as bar:

        def advance(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total)
            bar.update(tasks[phase], completed=done, total=total)

        yield advance


def new_run_id() -> str:
    return f"discover-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:6]}"


def run_discovery(
    driver: Driver,
    researcher_ids: Sequence[str] | None = None,
    top_k: int = 10,
    prefer_open: bool = False,
    out: Path | str | None = None,
    *,
    settings: Settings | None = None,
    params: linkpred.Params | None = None,
    progress: bool | None = None,
    run_id: str | None = None,
) -> DiscoverySummary:
    """Rank collaborators for every researcher (or the given ones), store SUGGESTED_COLLABORATOR edges, export."""
    s = settings or get_settings()
    if top_k < 1:
        raise InputError(f"--top must be at least 1 (got {top_k})")
    out_path = Path(out) if out is not None else None
    if out_path is not None:
        out_format(out_path)  # fail before any work on an unknown extension
    base = params or linkpred.Params()
    p = linkpred.Params(**{**base.__dict__, "top_k": top_k, "prefer_open": prefer_open})
    run = run_id or new_run_id()
    started = time.monotonic()
    timings: dict[str, float] = {"read_s": 0.0, "rank_s": 0.0, "write_busy_s": 0.0, "write_wait_s": 0.0}
    with _progress(progress) as advance:
        inp = load_input(driver, s, advance)
        timings["read_s"] = time.monotonic() - started
        index = {rid: i for i, rid in enumerate(inp.researcher_ids)}
        if researcher_ids:
            missing = sorted({r for r in researcher_ids if r not in index})
            if missing:
                raise NotFound(f"no researcher with id {', '.join(missing)}")
            sources = np.array(sorted({index[r] for r in researcher_ids}), dtype=np.int64)
        else:
            sources = np.arange(len(inp.researcher_ids), dtype=np.int64)
        graph = linkpred.Graph(inp.edges)
        writer = _Writer(out_path) if out_path is not None else None
        covered = written = with_any = 0
        # WRITERS writer threads store earlier blocks while this thread ranks the next one; at most WRITERS + 1
        # blocks in flight, so memory stays bounded whatever the graph.
        pending: deque[Future[int]] = deque()

        def store(batch: np.ndarray, rows: list[tuple[str, str, float, str]]) -> int:
            t0 = time.monotonic()
            try:
                return _store_rows(driver, s, run, inp, batch, rows)
            finally:
                timings["write_busy_s"] += time.monotonic() - t0

        def drain(keep: int) -> int:
            t0 = time.monotonic()
            done = 0
            while len(pending) > keep:
                done += pending.popleft().result()
            timings["write_wait_s"] += time.monotonic() - t0
            return done

        try:
            with ThreadPoolExecutor(max_workers=WRITERS) as pool:
                t_rank = time.monotonic()
                for batch, suggestions in linkpred.suggest(graph, sources, p):
                    rows = _rows(inp, run, suggestions, writer)
                    timings["rank_s"] += time.monotonic() - t_rank
                    pending.append(pool.submit(store, batch, rows))
                    covered += len(batch)
                    with_any += len({x.source for x in suggestions})
                    written += drain(WRITERS)
                    if advance:
                        advance("suggesting", covered, len(sources))
                    t_rank = time.monotonic()
                written += drain(0)
        finally:
            for f in pending:
                f.cancel()
            if writer:
                writer.close()
    return DiscoverySummary(
        run=run,
        researchers=covered,
        with_suggestions=with_any,
        suggestions=written,
        graph_researchers=len(inp.researcher_ids),
        coauthor_pairs=len(graph.adj) // 2,
        out=out_path,
        seconds=time.monotonic() - started,
        params={k: v for k, v in p.__dict__.items()},
        timings=timings,
    )


def _rows(
    inp: DiscoveryInput, run: str, suggestions: list[linkpred.Suggestion], writer: _Writer | None
) -> list[tuple[str, str, float, str]]:
    """(source, target, score, reasons JSON) for one block, source order, best first; and the --out records."""
    rid, rn = inp.researcher_ids, inp.researcher_names
    rows = []
    for x in suggestions:
        score = _r(x.score)
        rows.append((rid[x.source], rid[x.target], score, reasons_text(x, inp)))
        if writer:
            writer.write(
                {
                    "run": run,
                    "researcher_id": rid[x.source],
                    "researcher_name": rn[x.source],
                    "rank": x.rank,
                    "candidate_id": rid[x.target],
                    "candidate_name": rn[x.target],
                    "score": score,
                    "reasons": reasons_for(x, inp),
                }
            )
    return rows


def _js(x: str | None) -> str:
    return json.dumps(x, ensure_ascii=False)


def reasons_text(s: linkpred.Suggestion, inp: DiscoveryInput) -> str:
    """The reasons as STORED on the edge: compact JSON with ids only (STORED_FORMAT), formatted directly. It runs
    once per stored edge (millions), and the stored bytes are most of what a SUGGESTED_COLLABORATOR write costs
    Neo4j: names and long keys made the text three times longer and the writes about 35% slower (measured on this
    machine: 11.7k edges/s at 469 bytes, 15.7k at 157, 19.5k without reasons). Readers expand it back to
    reasons_for's shape with current names: expand_reasons (stored_suggestions, the API)."""
    if inp.escaped is None:
        inp.escaped = (
            [_js(x) for x in inp.researcher_ids],
            [_js(x) for x in inp.topic_ids],
            [_js(x) for x in inp.institution_ids],
        )
    rid, tid, iid = inp.escaped
    co = ",".join(f"[{rid[z]},{_r(c)!r}]" for z, c in s.shared_coauthors)
    tp = ",".join(f"[{tid[t]},{_r(min(wa, wb))!r}]" for t, wa, wb in s.shared_topics)
    it = ",".join(iid[i] for i in s.shared_institutions)
    return (
        f'{{"v":{STORED_FORMAT},"p":[{_r(s.coauthor_ra)!r},{_r(s.topics)!r},{_r(s.institutions)!r},'
        f'{_r(s.open_boost)!r}],"n":{s.shared_coauthor_count},"c":[{co}],"t":[{tp}],"i":[{it}]}}'
    )


def is_stored_format(obj: Any) -> bool:
    """Whether parsed reasons are the compact stored form (else they are passed on as they are)."""
    return isinstance(obj, dict) and obj.get("v") == STORED_FORMAT


def reason_ids(obj: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """The researcher, topic and institution ids compact reasons refer to (whose names a reader looks up)."""
    return [c[0] for c in obj["c"]], [t[0] for t in obj["t"]], list(obj["i"])


def expand_reasons(obj: dict[str, Any], names: Mapping[str, str | None]) -> dict[str, Any]:
    """Compact stored reasons in reasons_for's shape, with names from `names` (id → name; None when unknown)."""
    ra, tp, it, ob = obj["p"]
    return {
        "parts": {"coauthor_ra": ra, "topics": tp, "institutions": it, "open_boost": ob},
        "shared_coauthor_count": obj["n"],
        "shared_coauthors": [{"id": z, "name": names.get(z), "contribution": c} for z, c in obj["c"]],
        "shared_topics": [{"id": t, "name": names.get(t), "overlap": o} for t, o in obj["t"]],
        "shared_institutions": [{"id": i, "name": names.get(i)} for i in obj["i"]],
    }


def expand_all(
    reasons: Sequence[Any], lookup: Callable[[dict[str, list[str]]], Mapping[str, str | None]]
) -> list[Any]:
    """Parse stored reasons texts and expand the compact ones, resolving every name they need with ONE call of
    lookup({researcher_ids, topic_ids, institution_ids}) → {id: name}. Other values are passed on parsed."""
    parsed: list[Any] = []
    for raw in reasons:
        if isinstance(raw, str):
            try:
                parsed.append(json.loads(raw))
            except ValueError:
                parsed.append(raw)
        else:
            parsed.append(raw)
    compact = [p for p in parsed if is_stored_format(p)]
    if not compact:
        return parsed
    want: dict[str, set[str]] = {"researcher_ids": set(), "topic_ids": set(), "institution_ids": set()}
    for p in compact:
        r, t, i = reason_ids(p)
        want["researcher_ids"].update(r)
        want["topic_ids"].update(t)
        want["institution_ids"].update(i)
    names = lookup({k: sorted(v) for k, v in want.items()})
    return [expand_reasons(p, names) if is_stored_format(p) else p for p in parsed]


def _store_rows(
    driver: Driver,
    s: Settings,
    run: str,
    inp: DiscoveryInput,
    batch: np.ndarray,
    rows: list[tuple[str, str, float, str]],
) -> int:
    """Replace the block's sources' suggestions, in transactions of about WRITE_BATCH edges (whole sources)."""
    by_source: dict[str, list[tuple[str, str, float, str]]] = {}
    for r in rows:
        by_source.setdefault(r[0], []).append(r)
    written = 0
    chunk_sources: list[str] = []
    chunk_rows: list[tuple[str, str, float, str]] = []
    for i in batch.tolist():
        src = inp.researcher_ids[i]
        chunk_sources.append(src)
        chunk_rows.extend(by_source.get(src, ()))
        if len(chunk_rows) >= WRITE_BATCH:
            written += write_rows(driver, s, run, chunk_sources, chunk_rows)
            chunk_sources, chunk_rows = [], []
    if chunk_sources:
        written += write_rows(driver, s, run, chunk_sources, chunk_rows)
    return written


def write_rows(
    driver: Driver, s: Settings, run: str, sources: list[str], rows: list[tuple[str, str, float, str]]
) -> int:
    """One write transaction: drop the sources' SUGGESTED_COLLABORATOR edges, create rows (source, target, score,
    reasons); grouped by source, as parallel lists (each source node is looked up once, and lists of plain values
    cost the driver far less to send than one map per edge). Returns the edges created."""
    grouped: dict[str, tuple[list[str], list[float], list[str]]] = {}
    for src, dst, score, reasons in rows:
        g = grouped.setdefault(src, ([], [], []))
        g[0].append(dst)
        g[1].append(score)
        g[2].append(reasons)
    res = run_steps(
        driver,
        s,
        [
            ("discover/delete_for", {"ids": sources}),
            (
                "discover/write_suggestions",
                {"rows": [[k, *v] for k, v in grouped.items()], "run": run},
            ),
        ],
    )
    return res["discover/write_suggestions"]


def stored_suggestions(
    driver: Driver, researcher_id: str, settings: Settings | None = None
) -> list[dict[str, Any]]:
    """The SUGGESTED_COLLABORATOR edges stored for one researcher, best first, reasons parsed from JSON and
    expanded with the current names of the people, topics and institutions they name."""
    rows = run_named(driver, "discover/for_researcher", {"id": researcher_id}, settings=settings)

    def lookup(ids: dict[str, list[str]]) -> dict[str, str | None]:
        return {
            r["id"]: r["name"]
            for r in run_named(driver, "discover/reason_names", {"lists": ids}, settings=settings)
        }

    for r, reasons in zip(rows, expand_all([r["reasons"] for r in rows], lookup), strict=True):
        r["reasons"] = reasons if r["reasons"] else None
    return rows
