"""Batch co-author discovery: stream the edge list out of Neo4j, rank with kg.linkpred, store and export reasons.

Flow: (1) page through researchers in id order (keyset pages on the unique index) twice — ids and open flags, then
their COAUTHOR / WORKS_ON / AFFILIATED_WITH / SAME_AS edges mapped straight to integer arrays; (2) kg.linkpred ranks
candidates batch by batch (see its docstring for the score and the complexity); (3) per batch, one write
transaction replaces the batch's SUGGESTED_COLLABORATOR edges {score, reasons (JSON text), run} and, with --out,
the same suggestions go to JSON lines (.jsonl/.ndjson/.json) or CSV (.csv). Names for the reasons are fetched per
batch, so memory holds ids and integer arrays only.
"""

from __future__ import annotations

import csv
import json
import sys
import time
import uuid
from array import array
from collections.abc import Callable, Iterator, Sequence
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
DIGITS = 6

# advance(phase, done, total): progress callback.
Advance = Callable[[str, int, int], None]


@dataclass
class DiscoveryInput:
    """The edge list with the string ids its integer indices stand for."""

    researcher_ids: list[str]
    topic_ids: list[str]
    institution_ids: list[str]
    edges: linkpred.EdgeList


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
    return DiscoveryInput(ids, list(topic_index), list(inst_index), edges)


def _names(driver: Driver, settings: Settings, name: str, ids: set[str]) -> dict[str, str | None]:
    if not ids:
        return {}
    rows = run_named(driver, name, {"ids": sorted(ids)}, settings=settings)
    return {r["id"]: r["name"] for r in rows}


def _r(x: float) -> float:
    return round(float(x), DIGITS)


def reasons_for(
    s: linkpred.Suggestion,
    inp: DiscoveryInput,
    degrees: np.ndarray,
    params: linkpred.Params,
    rnames: dict[str, str | None],
    tnames: dict[str, str | None],
    inames: dict[str, str | None],
) -> dict[str, Any]:
    """The JSON-ready reasons of one suggestion: the score's parts and what the two people share."""
    rid, tid, iid = inp.researcher_ids, inp.topic_ids, inp.institution_ids
    return {
        "score": _r(s.score),
        "parts": {
            "coauthor_ra": _r(s.coauthor_ra),
            "topics": _r(s.topics),
            "institutions": _r(s.institutions),
            "open_boost": _r(s.open_boost),
        },
        "weights": {
            "coauthor_ra": params.w_coauthor,
            "topics": params.w_topics,
            "institutions": params.w_institutions,
        },
        "shared_coauthor_count": s.shared_coauthor_count,
        "shared_coauthors": [
            {
                "id": rid[z],
                "name": rnames.get(rid[z]),
                "coauthors": int(degrees[z]),
                "contribution": _r(c),
            }
            for z, c in s.shared_coauthors
        ],
        "shared_topics": [
            {
                "id": tid[t],
                "name": tnames.get(tid[t]),
                "weight": _r(wa),
                "candidate_weight": _r(wb),
                "overlap": _r(min(wa, wb)),
            }
            for t, wa, wb in s.shared_topics
        ],
        "shared_institutions": [{"id": iid[i], "name": inames.get(iid[i])} for i in s.shared_institutions],
        "candidate_open_to_collaborate": s.target_open,
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
    with _progress(progress) as advance:
        inp = load_input(driver, s, advance)
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
        try:
            for batch, suggestions in linkpred.suggest(graph, sources, p):
                written += _store_batch(driver, s, inp, graph, p, run, batch, suggestions, writer)
                covered += len(batch)
                with_any += len({x.source for x in suggestions})
                if advance:
                    advance("suggesting", covered, len(sources))
        finally:
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
    )


def _store_batch(
    driver: Driver,
    s: Settings,
    inp: DiscoveryInput,
    graph: linkpred.Graph,
    p: linkpred.Params,
    run: str,
    batch: np.ndarray,
    suggestions: list[linkpred.Suggestion],
    writer: _Writer | None,
) -> int:
    rid = inp.researcher_ids
    people = {rid[x.source] for x in suggestions} | {rid[x.target] for x in suggestions}
    people |= {rid[z] for x in suggestions for z, _ in x.shared_coauthors}
    rnames = _names(driver, s, "discover/researcher_names", people)
    tnames = _names(
        driver,
        s,
        "discover/topic_names",
        {inp.topic_ids[t] for x in suggestions for t, _, _ in x.shared_topics},
    )
    inames = _names(
        driver,
        s,
        "discover/institution_names",
        {inp.institution_ids[i] for x in suggestions for i in x.shared_institutions},
    )
    rows = []
    for x in suggestions:
        reasons = reasons_for(x, inp, graph.deg, p, rnames, tnames, inames)
        rows.append(
            {
                "source": rid[x.source],
                "target": rid[x.target],
                "score": reasons["score"],
                "reasons": json.dumps(reasons, ensure_ascii=False),
                "run": run,
            }
        )
        if writer:
            writer.write(
                {
                    "run": run,
                    "researcher_id": rid[x.source],
                    "researcher_name": rnames.get(rid[x.source]),
                    "rank": x.rank,
                    "candidate_id": rid[x.target],
                    "candidate_name": rnames.get(rid[x.target]),
                    "score": reasons["score"],
                    "reasons": reasons,
                }
            )
    res = run_steps(
        driver,
        s,
        [
            ("discover/delete_for", {"ids": [rid[i] for i in batch.tolist()]}),
            ("discover/write_suggestions", {"rows": rows}),
        ],
    )
    return res["discover/write_suggestions"]


def stored_suggestions(
    driver: Driver, researcher_id: str, settings: Settings | None = None
) -> list[dict[str, Any]]:
    """The SUGGESTED_COLLABORATOR edges stored for one researcher, best first, reasons parsed from JSON."""
    rows = run_named(driver, "discover/for_researcher", {"id": researcher_id}, settings=settings)
    for r in rows:
        r["reasons"] = json.loads(r["reasons"]) if r["reasons"] else None
    return rows
