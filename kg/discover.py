"""Batch collaborator discovery at the edges of the engine: read the graph out of Neo4j into kg.linkpred's arrays,
rank, and store each researcher's suggestions back as one list per property on the Researcher, with reasons.

Flow: (1) page through researchers in id order (keyset pages on the unique index) twice — ids, names, open flags,
the digest of their stored suggestions and their elementIds, then their COAUTHOR (first years only for training) /
WORKS_ON / AFFILIATED_WITH / SAME_AS edges and their works' years and venues, one row of flat columns per page (the
other end of an edge by elementId), two pages in flight, mapped straight to integer arrays (topic and institution
names are read once at the end); (2) the ranking engine ranks the candidates with the model (the shipped one, or a graph's
own from `kg discover train`): kg.linkpred block by block in this process (`embedded`), or the same computation on
Apache Spark (`spark`, kg.derive.discover_spark: the same suggestions, read back in blocks of sources), each block
as columns (linkpred.SuggestionBlock), from which kg.derive.suggestion_rows formats the stored rows with no Python
object per suggestion; (3) WRITERS
writer threads store earlier blocks while the next block is ranked: one row per researcher (suggested ids,
suggested_scores, suggested_reasons as compact JSON with ids only, suggested_run, suggested_digest), so batches
share no node and sessions never wait for each other; a researcher whose new suggestions have the digest already
stored is not written at all (a re-run that changes nothing writes nothing). With --out the same suggestions also go to JSON lines or CSV. Memory holds ids, names and integer
arrays, plus at most WRITERS + 1 blocks of suggestions in flight.

Why lists and not one SUGGESTED_COLLABORATOR relationship per suggestion: at 1.66M researchers × 10 suggestions,
creating 16M relationships ran at 14–29k/s on this machine (19 of the run's 25 minutes); setting three lists on
1.66M nodes is one write per researcher. The API and the analyst query read the lists and answer as before.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import time
import uuid
from array import array
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import numpy as np
from neo4j import Driver

from kg import graphdb, linkpred
from kg.config import Settings, get_settings
from kg.derive import suggestion_rows
from kg.derive.suggestion_reasons import (
    STORED_FORMAT,
    expand_all,
    summary_text,
)
from kg.derive.suggestion_rows import DIGITS, NO_DIGEST
from kg.errors import InputError, KGError, NotFound
from kg.graphdb.catalog import query
from kg.paging import keyset_pages
from kg.progress import progress_bar

log = logging.getLogger(__name__)

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
    *linkpred.FEATURES,
    "open_boost",
    "shared_coauthors",
    "shared_topics",
    "shared_institutions",
    "shared_venues",
    "summary",
    "reasons",
]
READ_PAGE = 5000
# Edge pages read at once (sessions of their own): Neo4j answers one while the client maps another.
READERS = 2
NAME_PAGE = 5000
# researchers per page of the check that the edges' ends still name the same researchers, and the reads made before
# giving up on a graph whose researchers keep being deleted and created
NODE_PAGE = 50_000
READ_ATTEMPTS = 3
# Researchers per write transaction (one row each, ≈ 10 suggestions): large enough that the per-transaction cost
# vanishes, small enough to stay far below the transaction memory limit.
WRITE_BATCH = 2000
# Concurrent writer sessions: rows of different researchers share no node, so they never lock each other.
WRITERS = 2

# advance(phase, done, total): progress callback.
Advance = Callable[[str, int, int], None]
# Where the ranking runs (`kg discover --engine`): this process, or Spark at KG_SPARK_MASTER.
ENGINES = ("embedded", "spark")


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
    venue_names: list[str] = field(default_factory=list)
    # the digest of each researcher's stored suggestions (NO_DIGEST: none stored)
    digests: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # the ids as object arrays, plain and JSON-escaped, made on first use (names())
    escaped: suggestion_rows.Names | None = None

    def names(self) -> suggestion_rows.Names:
        if self.escaped is None:
            self.escaped = suggestion_rows.Names.of(
                self.researcher_ids, self.topic_ids, self.institution_ids, self.venue_names
            )
        return self.escaped


@dataclass
class DiscoverySummary:
    run: str
    researchers: int  # sources covered
    with_suggestions: int
    suggestions: int  # suggestions of the covered researchers
    written: int  # researchers whose stored lists were (re)written: the others were unchanged
    graph_researchers: int
    coauthor_pairs: int
    out: Path | None = None
    seconds: float = 0.0
    params: dict[str, Any] = field(default_factory=dict)
    # where the time went: reading the graph, ranking (incl. formatting rows), the writers' busy time, and how
    # long ranking stood waiting for the writers (the write-bound share of the run)
    timings: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run": self.run,
            "researchers": self.researchers,
            "with_suggestions": self.with_suggestions,
            "suggestions": self.suggestions,
            "written": self.written,
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


def load_input(
    driver: Driver, settings: Settings, advance: Advance | None = None, *, first_years: bool = False
) -> DiscoveryInput:
    """Stream the researchers, their edges and their works' years and venues out of Neo4j into integer arrays;
    with first_years also the year each co-author pair first wrote together (training's recent hold-out: ranking
    does not use it, and it costs a relationship property read per pair). The read is made again when a node id it
    named an edge's end by came to name another researcher while it ran (_ends_still_named)."""
    for _ in range(READ_ATTEMPTS):
        inp, index = _read_input(driver, settings, advance, first_years=first_years)
        if _ends_still_named(driver, settings, index, inp.researcher_ids):
            return inp
        log.warning("researchers were deleted and created while discovery read the graph: reading it again")
    raise KGError(
        f"the graph's researchers kept changing while discovery read them ({READ_ATTEMPTS} reads): run "
        "kg discover again once the load that changes them has finished"
    )


def _ends_still_named(driver: Driver, settings: Settings, index: dict[str, int], ids: list[str]) -> bool:
    """Whether every elementId the read mapped an edge's end through still names the researcher it named when the
    researcher pages were read. Neo4j reuses a deleted node's id, so a researcher a load deleted during the read and
    one it created could otherwise be taken for each other."""
    return not any(
        _renamed(index, ids, rows)
        for rows in keyset_pages(driver, "discover/researcher_nodes", settings, NODE_PAGE, raw=True)
    )


def _renamed(index: dict[str, int], ids: list[str], rows: list[dict[str, Any]]) -> bool:
    """Whether any of these (id, node) rows has a node the read knew under another researcher id."""
    for r in rows:
        i = index.get(r["node"])
        if i is not None and ids[i] != r["id"]:
            return True
    return False


def _read_input(
    driver: Driver, settings: Settings, advance: Advance | None, *, first_years: bool
) -> tuple[DiscoveryInput, dict[str, int]]:
    """One read of the graph (load_input), and the researchers' indices by node elementId it named edge ends by."""
    total = int(graphdb.run(driver, query("discover/count_researchers"), settings=settings)[0]["n"])
    ids: list[str] = []
    names: list[str | None] = []
    open_flags = array("b")
    digests = array("q")
    # each researcher's index by its elementId, which names the other end of an edge (load_input checks afterwards
    # that none came to name another researcher while the read ran)
    index: dict[str, int] = {}
    for rows in keyset_pages(driver, "discover/researcher_page", settings, READ_PAGE, raw=True):
        for r in rows:
            index[r["node"]] = len(ids)
            ids.append(r["id"])
            names.append(r["name"])
            open_flags.append(1 if r["open"] is True else 0)
            d = r["digest"]
            digests.append(d if isinstance(d, int) else NO_DIGEST)
        if advance:
            advance("reading researchers", len(ids), max(total, len(ids)))
    topic_index: dict[str, int] = {}
    inst_index: dict[str, int] = {}
    venue_index: dict[str, int] = {"": -1}  # '' is a work without a venue
    co, tr, tw, ir, sa = array("q"), array("q"), array("d"), array("q"), array("q")
    cy = array("i")  # first years: 4 bytes each (66 MB less at the 1M-work graph's 16.6M pairs)
    wr, wy, wv = array("q"), array("q"), array("q")

    def page(start: int) -> dict[str, Any]:
        rows = graphdb.run(
            driver,
            query("discover/edges_page"),
            {"ids": ids[start : start + READ_PAGE], "first_years": first_years},
            settings=settings,
            raw=True,
        )
        return rows[0] if rows else {}

    def known(b: list[str]) -> tuple[list[int], list[int] | None]:
        """The indices of researchers b, and which of them to keep (None: all): a researcher created since the id
        pages were read is left out, as the per-researcher read did."""
        j = [index.get(x, -1) for x in b]
        return j, ([k for k, x in enumerate(j) if x >= 0] if -1 in j else None)

    def add(at: int, r: dict[str, Any]) -> None:
        if not r:
            return
        a, years = r["co_a"], r["co_year"]
        j, keep = known(r["co_b"])
        if keep is not None:
            a, j = [a[k] for k in keep], [j[k] for k in keep]
            years = [years[k] for k in keep] if years else years
        pairs(co, at, a, j)
        cy.extend(years)
        pairs(tr, at, r["tp_a"], [topic_index.setdefault(t, len(topic_index)) for t in r["tp_t"]])
        tw.extend(r["tp_w"])
        pairs(ir, at, r["in_a"], [inst_index.setdefault(i, len(inst_index)) for i in r["in_i"]])
        a = r["sa_a"]
        j, keep = known(r["sa_b"])
        if keep is not None:
            a, j = [a[k] for k in keep], [j[k] for k in keep]
        pairs(sa, at, a, j)
        wr.frombytes((np.array(r["wk_a"], dtype=np.int64) + at).tobytes())
        wy.extend(r["wk_year"])
        wv.extend([venue_index.setdefault(v, len(venue_index) - 1) for v in r["wk_venue"]])

    # READERS pages in flight: Neo4j answers the next page while this thread decodes and maps the last one
    starts = list(range(0, len(ids), READ_PAGE))
    with ThreadPoolExecutor(max_workers=READERS) as pool:
        ahead: deque[tuple[int, Future[dict[str, Any]]]] = deque()
        for start in starts:
            ahead.append((start, pool.submit(page, start)))
            if len(ahead) > READERS:
                at, f = ahead.popleft()
                add(at, f.result())
                if advance:
                    advance("reading edges", min(at + READ_PAGE, len(ids)), len(ids))
        while ahead:
            at, f = ahead.popleft()
            add(at, f.result())
            if advance:
                advance("reading edges", min(at + READ_PAGE, len(ids)), len(ids))
    del venue_index[""]

    def ints(a: array[int]) -> np.ndarray:
        return np.frombuffer(a, dtype=np.int64) if len(a) else np.zeros(0, dtype=np.int64)

    edges = linkpred.EdgeList(
        n=len(ids),
        coauthor=ints(co).reshape(-1, 2),
        coauthor_first_year=(np.frombuffer(cy, dtype=np.int32) if len(cy) else np.zeros(0, np.int32))
        if first_years
        else None,
        n_topics=len(topic_index),
        topic_rows=ints(tr).reshape(-1, 2),
        topic_weights=np.frombuffer(tw, dtype=np.float64) if len(tw) else np.zeros(0),
        n_institutions=len(inst_index),
        institution_rows=ints(ir).reshape(-1, 2),
        n_venues=len(venue_index),
        work_researcher=ints(wr),
        work_year=ints(wy),
        work_venue=ints(wv),
        same_as=ints(sa).reshape(-1, 2),
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
        venue_names=list(venue_index),
        digests=ints(digests).copy(),
    ), index


def pairs(out: array[int], at: int, a: list[int], j: list[int]) -> None:
    """Append the pairs (at + a[k], j[k]) to out, as int64."""
    both = np.empty((len(a), 2), dtype=np.int64)
    both[:, 0] = a
    both[:, 0] += at
    both[:, 1] = j
    out.frombytes(both.tobytes())


def _all_names(driver: Driver, settings: Settings, name: str, ids: list[str]) -> list[str | None]:
    """Names for ids (in order), read in pages."""
    found: dict[str, str | None] = {}
    for start in range(0, len(ids), NAME_PAGE):
        rows = graphdb.run(driver, query(name), {"ids": ids[start : start + NAME_PAGE]}, settings=settings)
        found.update({r["id"]: r["name"] for r in rows})
    return [found.get(i) for i in ids]


def _r(x: float) -> float:
    return round(float(x), DIGITS)


def reasons_for(s: linkpred.Suggestion, inp: DiscoveryInput) -> dict[str, Any]:
    """The JSON-ready reasons of one suggestion: a one-line summary, the score's parts (raw feature values and
    the open boost), each part's contribution to the model's logit, and what the two people share (ids and
    names; a shared co-author's contribution to coauthor_aa is 1/log of its co-author count, a topic's or
    venue's overlap min(p_u, p_v)). The score itself is on the list, the model's weights in its file."""
    rid, rn = inp.researcher_ids, inp.researcher_names
    out: dict[str, Any] = {
        "parts": {**{f: _r(x) for f, x in zip(linkpred.FEATURES, s.features, strict=True)},
                  "open_boost": _r(s.open_boost)},
        "contributions": {f: _r(x) for f, x in zip(linkpred.FEATURES, s.contributions, strict=True)},
        "shared_coauthor_count": s.shared_coauthor_count,
        "shared_coauthors": [
            {"id": rid[z], "name": rn[z], "contribution": _r(c), "open": bool(o)} for z, c, o in s.shared_coauthors
        ],
        "shared_topics": [
            {"id": inp.topic_ids[t], "name": inp.topic_names[t], "overlap": _r(min(wa, wb))}
            for t, wa, wb in s.shared_topics
        ],
        "shared_institutions": [
            {"id": inp.institution_ids[i], "name": inp.institution_names[i]} for i in s.shared_institutions
        ],
        "shared_venues": [{"name": inp.venue_names[v], "overlap": _r(min(wa, wb))} for v, wa, wb in s.shared_venues],
    }  # fmt: skip
    return {"summary": summary_text(out), **out}


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
                "shared_venues": "; ".join(v["name"] for v in rs["shared_venues"]),
                "summary": rs["summary"],
                "reasons": json.dumps(rs, ensure_ascii=False),
            }
        )

    def close(self) -> None:
        self.fh.close()


def new_run_id() -> str:
    return f"discover-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:6]}"


def load_model(path: Path | str | None) -> linkpred.Model:
    """A model file (from `kg discover train`), or the shipped default; a bad file is one clear InputError."""
    p = Path(path) if path is not None else linkpred.DEFAULT_MODEL
    try:
        return linkpred.Model.load(p)
    except OSError as e:
        raise InputError(f"--model {p}: cannot read ({e.strerror})") from e
    except (ValueError, KeyError, TypeError) as e:
        raise InputError(f"--model {p}: not a discovery model ({e})") from e


def run_discovery(
    driver: Driver,
    researcher_ids: Sequence[str] | None = None,
    top_k: int = 10,
    prefer_open: bool = False,
    out: Path | str | None = None,
    *,
    settings: Settings | None = None,
    params: linkpred.Params | None = None,
    model: linkpred.Model | None = None,
    progress: bool | None = None,
    run_id: str | None = None,
    engine: str = "embedded",
) -> DiscoverySummary:
    """Rank collaborators for every researcher (or the given ones) on the engine, store their suggestion lists,
    export."""
    s = settings or get_settings()
    if top_k < 1:
        raise InputError(f"--top must be at least 1 (got {top_k})")
    if engine not in ENGINES:
        raise InputError(f"--engine {engine}: the discovery engine is {' or '.join(ENGINES)}")
    out_path = Path(out) if out is not None else None
    if out_path is not None:
        out_format(out_path)  # fail before any work on an unknown extension
    base = params or linkpred.Params()
    p = replace(base, top_k=top_k, prefer_open=prefer_open, model=model or base.model or load_model(None))
    run = run_id or new_run_id()
    started = time.monotonic()
    timings: dict[str, float] = {"read_s": 0.0, "rank_s": 0.0, "write_busy_s": 0.0, "write_wait_s": 0.0}
    with progress_bar("discovery", show=progress) as bar:
        advance = bar.phase if bar.shown else None
        _drop_old_edges(driver, s)
        inp = load_input(driver, s, advance)
        timings["read_s"] = time.monotonic() - started
        if researcher_ids:
            # (only then: a dict of every id is some 150 MB at 1.7M researchers)
            index = {rid: i for i, rid in enumerate(inp.researcher_ids)}
            missing = sorted({r for r in researcher_ids if r not in index})
            if missing:
                raise NotFound(f"no researcher with id {', '.join(missing)}")
            sources = np.array(sorted({index[r] for r in researcher_ids}), dtype=np.int64)
        else:
            sources = np.arange(len(inp.researcher_ids), dtype=np.int64)
        t_rank = time.monotonic()
        pairs, ranked = rank(inp.edges, sources, p, engine, s)
        writer = _Writer(out_path) if out_path is not None else None
        covered = suggested = with_any = written = 0
        # WRITERS writer threads store earlier blocks while this thread ranks the next one; at most WRITERS + 1
        # blocks in flight, so memory stays bounded whatever the graph.
        pending: deque[Future[int]] = deque()

        def store(rows: list[list[Any]]) -> int:
            t0 = time.monotonic()
            try:
                for start in range(0, len(rows), WRITE_BATCH):
                    write_lists(driver, s, run, rows[start : start + WRITE_BATCH])
                return len(rows)
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
                for batch, block in ranked:
                    rows = _changed_rows(inp, run, batch, block, writer)
                    timings["rank_s"] += time.monotonic() - t_rank
                    if rows:
                        pending.append(pool.submit(store, rows))
                    covered += len(batch)
                    suggested += len(block)
                    with_any += len(block.source_runs()) - 1
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
        suggestions=suggested,
        written=written,
        graph_researchers=len(inp.researcher_ids),
        coauthor_pairs=pairs,
        out=out_path,
        seconds=time.monotonic() - started,
        params={k: v for k, v in p.__dict__.items() if k != "model"}
        | {"model": p.model.to_json() if p.model else None},
        timings=timings,
    )


def rank(
    edges: linkpred.EdgeList, sources: np.ndarray, p: linkpred.Params, engine: str, s: Settings
) -> tuple[int, Iterator[tuple[np.ndarray, linkpred.SuggestionBlock]]]:
    """The engine boundary: (the graph's co-author pairs, (block of sources, their suggestions column-wise) in
    source order) from kg.linkpred in this process or from Spark — the same suggestions either way."""
    if engine == "spark":
        from kg.derive import discover_spark

        ranked = discover_spark.rank(edges, sources, p, s)
        return ranked.coauthor_pairs, (
            (b, linkpred.SuggestionBlock.of(x, len(linkpred.FEATURES))) for b, x in ranked.batches
        )
    graph = linkpred.Graph(edges)
    return len(graph.adj) // 2, linkpred.suggest_blocks(graph, sources, p)


def _drop_old_edges(driver: Driver, s: Settings) -> None:
    """Suggestions used to be SUGGESTED_COLLABORATOR relationships: remove any an earlier version left, once."""
    if int(graphdb.run(driver, query("discover/old_edges"), settings=s)[0]["n"]) == 0:
        return
    while int(
        graphdb.run(driver, query("discover/delete_old_edges"), {"batch": 20000}, write=True, settings=s)[0][
            "deleted"
        ]
    ):
        pass


def digest(targets: list[str], scores: list[float], reasons: list[str]) -> int:
    """A stable 63-bit digest of one researcher's suggestion lists (what a re-run compares before writing)."""
    h = hashlib.blake2b(digest_size=8)
    h.update(json.dumps([targets, scores, reasons], ensure_ascii=False, separators=(",", ":")).encode())
    return int.from_bytes(h.digest(), "big") >> 1 or 1


def _changed_rows(
    inp: DiscoveryInput,
    run: str,
    batch: np.ndarray,
    block: linkpred.SuggestionBlock,
    writer: _Writer | None,
) -> list[list[Any]]:
    """One write row per source of the block whose lists differ from the stored ones (by digest), [id, targets,
    scores, reasons, digest] — null lists for a source that no longer has suggestions (built column-wise by
    kg.derive.suggestion_rows: the bytes of reasons_text and digest); and the --out records."""
    if writer:
        rid, rn = inp.researcher_ids, inp.researcher_names
        for x in block.suggestions():
            writer.write(
                {
                    "run": run,
                    "researcher_id": rid[x.source],
                    "researcher_name": rn[x.source],
                    "rank": x.rank,
                    "candidate_id": rid[x.target],
                    "candidate_name": rn[x.target],
                    "score": _r(x.score),
                    "reasons": reasons_for(x, inp),
                }
            )
    return suggestion_rows.changed_rows(block, batch, inp.names(), inp.digests)


def reasons_text(s: linkpred.Suggestion, inp: DiscoveryInput) -> str:
    """The reasons of one suggestion as STORED in the lists: compact JSON with ids only (STORED_FORMAT; the stored
    bytes are most of what a write costs Neo4j). This is the format's definition, one suggestion at a time; the
    discovery run makes the same bytes for a whole block at once (suggestion_rows.stored_texts, held equal by the
    tests). Readers expand it back to reasons_for's shape with current names: expand_reasons (stored_suggestions,
    the API)."""
    names = inp.names()
    rid, tid, iid, vid = names.researchers_json, names.topics_json, names.institutions_json, names.venues_json
    co = ",".join(f"[{rid[z]},{_r(c)!r},{int(bool(o))}]" for z, c, o in s.shared_coauthors)
    tp = ",".join(f"[{tid[t]},{_r(min(wa, wb))!r}]" for t, wa, wb in s.shared_topics)
    it = ",".join(iid[i] for i in s.shared_institutions)
    vn = ",".join(f"[{vid[v]},{_r(min(wa, wb))!r}]" for v, wa, wb in s.shared_venues)
    f = ",".join(repr(_r(x)) for x in s.features)
    c = ",".join(repr(_r(x)) for x in s.contributions)
    return (
        f'{{"v":{STORED_FORMAT},"f":[{f}],"w":[{c}],"o":{_r(s.open_boost)!r},"n":{s.shared_coauthor_count},'
        f'"c":[{co}],"t":[{tp}],"i":[{it}],"s":[{vn}]}}'
    )


def write_lists(driver: Driver, s: Settings, run: str, rows: list[list[Any]]) -> int:
    """One write transaction: set the suggestion lists of the rows' researchers ([id, targets, scores, reasons,
    digest]; null lists remove them). Returns the suggestions written."""
    res = graphdb.run(
        driver, query("discover/write_suggestions"), {"rows": rows, "run": run}, write=True, settings=s
    )
    return int(res[0]["written"] or 0) if res else 0


def stored_suggestions(
    driver: Driver, researcher_id: str, settings: Settings | None = None
) -> list[dict[str, Any]]:
    """The suggestions stored for one researcher, best first, reasons parsed from JSON and expanded with the
    current names of the people, topics and institutions they name."""
    rows = graphdb.run(driver, query("discover/for_researcher"), {"id": researcher_id}, settings=settings)

    def lookup(ids: dict[str, list[str]]) -> dict[str, str | None]:
        return {
            r["id"]: r["name"]
            for r in graphdb.run(driver, query("discover/reason_names"), {"lists": ids}, settings=settings)
        }

    for r, reasons in zip(rows, expand_all([r["reasons"] for r in rows], lookup), strict=True):
        r["reasons"] = reasons if r["reasons"] else None
    return rows


def train_on_graph(
    driver: Driver,
    out: Path,
    *,
    holdout: str = "random",
    share: float = 0.1,
    seed: int = 7,
    settings: Settings | None = None,
    progress: bool | None = None,
) -> linkpred.Model:
    """`kg discover train`: read the graph, hide pairs, fit, report (kg.linkpred_fit), save the model to out. A
    progress bar on a terminal follows the reading and train's steps; the report keeps each step's seconds."""
    from kg import linkpred_fit

    s = settings or get_settings()
    if not 0 < share < 1:
        raise InputError(f"--share must be between 0 and 1 (got {share})")
    started = time.monotonic()
    with progress_bar("reading the graph", show=progress) as bar:
        edges = load_input(driver, s, bar.phase if bar.shown else None, first_years=True).edges
    # (the ids and names the read also gave are let go: training needs the arrays only)
    read = round(time.monotonic() - started, 1)
    try:
        with progress_bar("training", show=progress) as bar:
            model = linkpred_fit.train(
                edges, holdout=holdout, share=share, seed=seed, advance=bar.phase if bar.shown else None
            )
    except ValueError as e:
        raise InputError(f"cannot train on this graph: {e}") from e
    model.report["seconds"] = {"reading": read, **model.report.get("seconds", {})}
    try:
        model.save(out)
    except OSError as e:
        raise InputError(f"--out {out}: cannot write ({e.strerror})") from e
    return model
