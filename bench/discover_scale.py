"""Discovery at scale: the ranking core over a synthetic corpus's co-author graph, and the edge writes into Neo4j.

Core: the edge list is built straight from a `kg synth` bundle (authorships.csv), the way `kg coauthors rebuild`
builds COAUTHOR (one clique per work of at most coauthor_author_cap authors) and AFFILIATED_WITH (the authorship's
institution); topic profiles are synthetic (1-8 topics per researcher, Zipf over the 4,516 OpenAlex topics),
because the synthetic bundle carries no WORKS_ON. Then linkpred.Graph + linkpred.suggest_blocks for ALL
researchers (or --sample of them), timed (wall and CPU); optionally the previous implementation (git revision) on a
sample, for the before. The whole-graph parts paid once per run (path costs, relay matrix, triangles per link) are
timed apart from the per-source ranking, and each side's peak RSS (VmHWM, reset before it) is reported.
Writes: --write-edges N stores N suggestions with reasons of the real compact shape through the same Cypher as
`kg discover` (lists on the Researcher), into the Neo4j of KG_NEO4J_URI, and reports suggestions/s; with
--before-rev, the same suggestions also as SUGGESTED_COLLABORATOR relationships through that revision's statement.

    python -m bench.discover_scale --bundle /tmp/synth1m [--before-rev cd8fbaf --before-sample 3000]
        [--write-edges 200000]

Rank + stored rows (--rows-sample N --before-rev REV): the whole path of `kg discover` between reading the graph
and writing to Neo4j — ranking, then the rows [id, targets, scores, reasons, digest] — for the same N sources
before (REV's linkpred.suggest + discover._changed_rows) and now, alternating --repeat times, CPU per source of
each, and whether all rows are equal byte for byte; --venues --no-topics give the input the 1M-work graph has
(works with years and venues, no topic profiles):

    python -m bench.discover_scale --bundle /tmp/synth1m --venues --no-topics --rows-sample 20000 --before-rev main
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gc
import importlib.util
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench import common
from kg import discover, linkpred
from kg.config import get_settings

ROOT = Path(__file__).resolve().parents[1]


def _clock() -> tuple[float, float]:
    return time.monotonic(), time.process_time()


def _since(t: tuple[float, float]) -> dict[str, float]:
    return {"wall_s": round(time.monotonic() - t[0], 2), "cpu_s": round(time.process_time() - t[1], 2)}


def _reset_peak() -> None:
    """Start a new peak-RSS window (Linux: writing 5 to clear_refs resets VmHWM to the current RSS)."""
    gc.collect()
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_mb() -> float | None:
    """This process's peak RSS (VmHWM) since the last _reset_peak, MiB; None off Linux."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def _whole_graph_once(g: Any, hub_cap: int) -> dict[str, float]:
    """The whole-graph parts a ranking pays once per run, timed apart from the per-source work (a sample of
    sources would otherwise carry all of it): path costs, the relay matrix and, where the kernel has them, the
    triangles per link and the open-link matrices."""
    t = _clock()
    g.path_cost(hub_cap)
    g.relay(hub_cap)
    if hasattr(g, "open_links"):
        g.open_links(hub_cap)
    return _since(t)


def edge_list(
    bundle: Path, cap: int, seed: int = 7, max_works: int = 0, *, venues: bool = False, topics: bool = True
) -> tuple[linkpred.EdgeList, dict[str, Any]]:
    """The discovery input of a synth bundle (see the module docstring), optionally its first max_works works.
    venues: also one work row per authorship with the work's year and venue (works.csv), as kg.discover reads
    them from the graph; topics=False: no topic profiles (the 1M-work graph has none)."""
    work_ix: dict[str, int] = {}
    auth_ix: dict[str, int] = {}
    inst_ix: dict[str, int] = {}
    wk: list[int] = []
    au: list[int] = []
    ins: list[int] = []
    with (bundle / "authorships.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if max_works and row["work_id"] not in work_ix and len(work_ix) >= max_works:
                break
            wk.append(work_ix.setdefault(row["work_id"], len(work_ix)))
            au.append(auth_ix.setdefault(row["author_id"], len(auth_ix)))
            iid = row["institution_id"]
            ins.append(inst_ix.setdefault(iid, len(inst_ix)) if iid else -1)
    w, a, i = np.array(wk), np.array(au), np.array(ins)
    n = len(auth_ix)
    wa = np.unique(w * n + a)
    w2, a2 = wa // n, wa % n
    sizes = np.bincount(w2)
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    pairs = []
    for size in range(2, cap + 1):
        ws = np.flatnonzero(sizes == size)
        if not len(ws):
            continue
        m = a2[starts[ws][:, None] + np.arange(size)[None, :]]
        ii, jj = np.triu_indices(size, 1)
        pairs.append(np.stack([m[:, ii].ravel(), m[:, jj].ravel()], 1))
    co = np.concatenate(pairs)
    del pairs, wa, w2, a2
    gc.collect()
    rng = np.random.default_rng(seed)
    k = rng.integers(1, 9, n)
    tr = np.repeat(np.arange(n), k)
    tt = np.minimum((rng.pareto(1.0, len(tr)) * 20).astype(np.int64), 4515)
    tw = rng.integers(1, 20, len(tr)).astype(float)
    keep = i >= 0
    edges = linkpred.EdgeList(
        n=n,
        coauthor=co,
        n_topics=4516 if topics else 0,
        topic_rows=np.stack([tr, tt], 1) if topics else np.zeros((0, 2), dtype=np.int64),
        topic_weights=tw if topics else np.zeros(0),
        n_institutions=len(inst_ix),
        institution_rows=np.stack([a[keep], i[keep]], 1),
        open=rng.random(n) < 0.2,
    )
    info = {
        "works": len(work_ix),
        "authorships": len(wk),
        "researchers": n,
        "topic_rows": len(tr) if topics else 0,
    }
    if venues:
        year = np.full(len(work_ix), -1, dtype=np.int64)
        venue = np.full(len(work_ix), -1, dtype=np.int64)
        venue_ix: dict[str, int] = {}
        with (bundle / "works.csv").open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                w_ix = work_ix.get(row["work_id"])
                if w_ix is not None:
                    year[w_ix] = int(row["year"]) if row["year"] else -1
                    venue[w_ix] = venue_ix.setdefault(row["venue"], len(venue_ix)) if row["venue"] else -1
        edges.n_venues = len(venue_ix)
        edges.work_researcher, edges.work_year, edges.work_venue = a, year[w], venue[w]
        info["venues"] = len(venue_ix)
    return edges, info


def _old_module(rev: str, path: str) -> Any:
    """A kg module as of a git revision (the before), imported from a temporary file, with that revision's
    discovery model file beside it (linkpred finds its default model next to itself)."""

    def show(p: str) -> str | None:
        out = subprocess.run(["git", "show", f"{rev}:{p}"], cwd=ROOT, capture_output=True, text=True)
        return out.stdout if out.returncode == 0 else None

    src = show(path)
    if src is None:
        raise SystemExit(f"{path} is not in revision {rev}")
    folder = Path(tempfile.mkdtemp())
    name = Path(path).stem + "_before"
    (folder / f"{name}.py").write_text(src, encoding="utf-8")
    model = show("kg/discover_model.json")
    if model is not None:
        (folder / "discover_model.json").write_text(model, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, folder / f"{name}.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def _old_linkpred(rev: str) -> Any:
    return _old_module(rev, "kg/linkpred.py")


def core(edges: linkpred.EdgeList, sample: int | None, lp: Any = linkpred) -> dict[str, Any]:
    """Rank `sample` random sources (all if None) with the kernel module lp (this one, or a revision's)."""
    _reset_peak()
    t = _clock()
    if lp is not linkpred:
        fields = lp.EdgeList.__dataclass_fields__
        edges = lp.EdgeList(**{k: v for k, v in edges.__dict__.items() if k in fields})
    g = lp.Graph(edges)
    prep = _since(t)
    sources = np.arange(g.n, dtype=np.int64)
    if sample:
        sources = np.sort(np.random.default_rng(3).choice(g.n, min(sample, g.n), replace=False))
    p = lp.Params()
    once = _whole_graph_once(g, p.hub_cap)
    t = _clock()
    total = done = with_any = 0
    last = time.monotonic()
    for batch, block in lp.suggest_blocks(g, sources, p):
        total += len(block)
        done += len(batch)
        with_any += len(np.unique(block.source))
        if time.monotonic() - last > 30:
            common.log(f"core: {done:,}/{len(sources):,} sources, {total:,} suggestions")
            last = time.monotonic()
    rank = _since(t)
    return {
        "coauthor_pairs": len(g.adj) // 2,
        "max_degree": int(g.deg.max()),
        "mean_path_cost": round(float(g.path_cost(p.hub_cap).mean()), 1),
        "sources": len(sources),
        "suggestions": total,
        "sources_with_suggestions": with_any,
        "prepare": prep,
        "whole_graph_once": once,
        "rank": rank,
        "cpu_ms_per_source": round(1000 * rank["cpu_s"] / max(len(sources), 1), 4),
        "peak_rss_mb": _peak_mb(),
        "params": {k: v for k, v in p.__dict__.items()},
    }


def before(edges: linkpred.EdgeList, rev: str, sample: int) -> dict[str, Any]:
    old = _old_linkpred(rev)
    fields = old.EdgeList.__dataclass_fields__  # the before knows fewer inputs: give it those it has
    _reset_peak()
    t = _clock()
    g = old.Graph(old.EdgeList(**{k: v for k, v in edges.__dict__.items() if k in fields}))
    prep = _since(t)
    sources = np.sort(np.random.default_rng(3).choice(g.n, min(sample, g.n), replace=False))
    once = _whole_graph_once(g, old.Params().hub_cap)
    t = _clock()
    # column-wise blocks where the revision has them (as `kg discover` ranks), else its Suggestion lists
    rank_fn = old.suggest_blocks if hasattr(old, "suggest_blocks") else old.suggest
    total = sum(len(s) for _, s in rank_fn(g, sources, old.Params()))
    rank = _since(t)
    return {
        "prepare": prep,
        "whole_graph_once": once,
        "peak_rss_mb": _peak_mb(),
        "revision": rev,
        "sources": len(sources),
        "suggestions": total,
        "rank": rank,
        "cpu_ms_per_source": round(1000 * rank["cpu_s"] / len(sources), 4),
    }


def _synthetic_input(edges: linkpred.EdgeList, module: Any) -> Any:
    """A DiscoveryInput of `module` (kg.discover now or before) for an EdgeList: ids shaped like the 1M graph's
    ("csv:A51…"), no names (the stored rows carry ids only), nothing stored yet (a first run writes everyone)."""
    return module.DiscoveryInput(
        [f"csv:A{5100000000 + i}" for i in range(edges.n)],
        [f"openalex:T{10000 + i}" for i in range(edges.n_topics)],
        [f"openalex:I{4200000000 + i}" for i in range(edges.n_institutions)],
        edges,
        researcher_names=[None] * edges.n,
        topic_names=[None] * edges.n_topics,
        institution_names=[None] * edges.n_institutions,
        venue_names=[f"Venue {i}" for i in range(edges.n_venues)],
        digests=np.zeros(edges.n, dtype=np.int64),
    )


def rows_path(edges: linkpred.EdgeList, rev: str, sample: int, repeat: int = 2) -> dict[str, Any]:
    """The whole rank + stored-rows path of `kg discover` (everything between reading the graph and writing to
    Neo4j) on the same random sources, before (linkpred.suggest and discover._changed_rows of revision rev: a
    Suggestion object per suggestion, its reasons text and digest formatted one by one) and now (suggest_blocks
    and the column-wise rows), alternating `repeat` times; CPU per source of each, and whether every row is
    equal (ids, lists, reasons texts and digests, byte for byte)."""
    old_lp, old_disc = _old_module(rev, "kg/linkpred.py"), _old_module(rev, "kg/discover.py")
    fields = old_lp.EdgeList.__dataclass_fields__
    old_g = old_lp.Graph(old_lp.EdgeList(**{k: v for k, v in edges.__dict__.items() if k in fields}))
    g = linkpred.Graph(edges)
    sources = np.sort(np.random.default_rng(3).choice(g.n, min(sample, g.n), replace=False))
    old_in, new_in = _synthetic_input(edges, old_disc), _synthetic_input(edges, discover)
    # The whole-graph parts both compute once per run (the block cut's path costs, the relay matrix) are made
    # before the clocks start and timed apart: in `kg discover` they are paid once for all 1.7M researchers, so
    # charging them to a sample of sources would make every source look seconds / sample dearer.
    t = _clock()
    g.path_cost(linkpred.Params().hub_cap)
    g.relay(linkpred.Params().hub_cap)
    g.open_links(linkpred.Params().hub_cap)
    fixed = _since(t)
    old_cost = old_g.path_cost(old_lp.Params().hub_cap)
    old_g.path_cost = lambda hub_cap: old_cost  # the before recomputes it on every suggest call
    old_g.relay(old_lp.Params().hub_cap)

    def before_run() -> tuple[list[list[Any]], int]:
        rows: list[list[Any]] = []
        count = 0
        for batch, sugs in old_lp.suggest(old_g, sources, old_lp.Params()):
            rows += old_disc._changed_rows(old_in, "bench", batch, sugs, None)
            count += len(sugs)
        return rows, count

    def now_run() -> tuple[list[list[Any]], int]:
        rows: list[list[Any]] = []
        count = 0
        for batch, block in linkpred.suggest_blocks(g, sources, linkpred.Params()):
            rows += discover._changed_rows(new_in, "bench", batch, block, None)
            count += len(block)
        return rows, count

    def kernel_run() -> int:
        return sum(len(b) for _, b in linkpred.suggest_blocks(g, sources, linkpred.Params()))

    cpu: dict[str, list[float]] = {"before": [], "now": [], "now_kernel_only": []}
    same = True
    counts = set()
    for _ in range(repeat):
        for label, fn in (("before", before_run), ("now", now_run)):
            gc.collect()
            t = _clock()
            rows, count = fn()
            cpu[label].append(_since(t)["cpu_s"])
            counts.add(count)
            if label == "before":
                reference = rows
            else:
                same = same and rows == reference
            del rows
        t = _clock()
        counts.add(kernel_run())
        cpu["now_kernel_only"].append(_since(t)["cpu_s"])
    per = {k: round(1000 * min(v) / len(sources), 4) for k, v in cpu.items()}
    commit = subprocess.run(
        ["git", "rev-parse", "--short", rev], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "revision": rev,
        "revision_commit": commit,
        "sources": len(sources),
        "whole_graph_once": fixed,
        "suggestions": sorted(counts),
        "rows_equal": same,
        "cpu_s": cpu,
        "cpu_ms_per_source": per,
        "speedup": round(per["before"] / max(per["now"], 1e-9), 2),
        "now_rows_share": round(1 - per["now_kernel_only"] / max(per["now"], 1e-9), 3),
    }


def _old_statement(rev: str, name: str) -> str:
    return subprocess.run(
        ["git", "show", f"{rev}:cypher/discover/{name}.cypher"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def writes(n_edges: int, top_k: int = 10, before_rev: str = "") -> dict[str, Any]:
    """Store n_edges suggestions of n_edges/top_k throw-away researchers through discover's own list write (one
    row per researcher, WRITERS sessions); with before_rev, the same suggestions also as SUGGESTED_COLLABORATOR
    relationships through that revision's write statement (the before), in the same run."""
    from concurrent.futures import ThreadPoolExecutor

    from kg import graphdb

    s = get_settings()
    drv = graphdb.open_driver(s)
    people = max(n_edges // top_k, top_k + 1)
    ids = [f"bench-disc:{i:08d}" for i in range(people)]
    for start in range(0, people, 20000):
        graphdb.run(
            drv,
            common.q("disc_researchers"),
            {"ids": ids[start : start + 20000]},
            write=True,
            settings=s,
        )
    rng = np.random.default_rng(1)
    # a suggestion with 2 shared co-authors and a shared topic, in the stored compact shape
    inp = discover.DiscoveryInput(
        ["openalex:A5100000001", "openalex:A5100000002"],
        ["openalex:T10001"],
        [],
        linkpred.EdgeList(n=2, coauthor=np.zeros((0, 2), dtype=np.int64)),
        researcher_names=["Mia Wang", "Minh Le"],
        topic_names=["Graph learning"],
    )
    feats = (1.2, 0.5, 0.0, 0.1, 2.3, 0.7, 3.0)
    sug = linkpred.Suggestion(
        0, 1, 1, 0.5, feats, feats, 1.0, False, 3, [(0, 0.125), (1, 0.125)], [(0, 0.5, 0.6)], [], []
    )
    text = discover.reasons_text(sug, inp)
    targets = [[ids[int(x)] for x in rng.integers(0, people, top_k)] for _ in range(people)]
    rows = [[ids[i], targets[i], [0.5] * top_k, [text] * top_k, i + 1] for i in range(people)]
    out: dict[str, Any] = {
        "edges": people * top_k,
        "researchers": people,
        "reasons_bytes": len(text.encode()),
    }
    t = _clock()
    batches = [rows[i : i + discover.WRITE_BATCH] for i in range(0, len(rows), discover.WRITE_BATCH)]
    with ThreadPoolExecutor(max_workers=discover.WRITERS) as pool:
        written = sum(pool.map(lambda b: discover.write_lists(drv, s, "bench", b), batches))
    took = _since(t)
    out["lists"] = {**took, "written": written, "edges_per_s": round(written / max(took["wall_s"], 1e-9))}
    if before_rev:
        old = _old_statement(before_rev, "write_suggestions")
        t = _clock()
        created = 0
        step = 2000  # the before's WRITE_BATCH of 20,000 edges, one writer
        for i in range(0, people, step):
            chunk = [[r[0], r[1], r[2], r[3]] for r in rows[i : i + step]]
            created += int(
                graphdb.run(drv, old, {"rows": chunk, "run": "bench"}, write=True, settings=s)[0]["written"]
            )
        took = _since(t)
        out["relationships_before"] = {
            **took,
            "revision": before_rev,
            "written": created,
            "edges_per_s": round(created / max(took["wall_s"], 1e-9)),
        }
        out["speedup"] = round(
            out["lists"]["edges_per_s"] / max(out["relationships_before"]["edges_per_s"], 1), 2
        )
    # clean up: the throw-away researchers and their edges
    while graphdb.run(
        drv,
        common.q("disc_cleanup"),
        {"prefix": "bench-disc:", "batch": 5000},
        write=True,
        settings=s,
    )[0]["n"]:
        pass
    drv.close()
    return out


def end_to_end() -> dict[str, Any]:
    """run_discovery for everyone in the Neo4j of KG_NEO4J_URI (read, rank, write): what `kg discover` does."""
    from kg import graphdb

    s = get_settings()
    drv = graphdb.open_driver(s)
    t = _clock()
    summary = discover.run_discovery(drv, settings=s, progress=False)
    took = _since(t)
    drv.close()
    return {
        **{k: v for k, v in summary.as_dict().items() if k != "params"},
        **took,
        "edges_per_s_overall": round(summary.suggestions / max(took["wall_s"], 1e-9)),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bundle", type=Path, help="a `kg synth` output folder (authorships.csv)")
    ap.add_argument("--sample", type=int, default=0, help="rank only this many random sources (0: everyone)")
    ap.add_argument(
        "--before-rev", default="", help="git revision of the previous kg/linkpred.py to time too"
    )
    ap.add_argument("--before-sample", type=int, default=3000)
    ap.add_argument(
        "--kernel-rev",
        default="",
        help="rank with this git revision's kg/linkpred.py instead of the current one (its own peak RSS, alone)",
    )
    ap.add_argument("--write-edges", type=int, default=0, help="also time writing this many suggestion edges")
    ap.add_argument(
        "--end-to-end", action="store_true", help="time run_discovery on the graph in KG_NEO4J_URI"
    )
    ap.add_argument("--max-works", type=int, default=0, help="only the bundle's first N works")
    ap.add_argument(
        "--venues", action="store_true", help="works' years and venues too (as the graph has them)"
    )
    ap.add_argument("--no-topics", action="store_true", help="no topic profiles (as the 1M-work graph)")
    ap.add_argument(
        "--rows-sample",
        type=int,
        default=0,
        help="with --before-rev: time rank + stored rows before and now on this many sources (no kernel run)",
    )
    ap.add_argument("--repeat", type=int, default=2, help="--rows-sample: alternating runs of each")
    ap.add_argument("--profile", action="store_true", help="print a cProfile of the ranking (top 25)")
    ap.add_argument("--key", default="", help="result key (default: the bundle's works count)")
    args = ap.parse_args(argv)
    entry: dict[str, Any] = {"command": "python -m bench.discover_scale " + " ".join(argv or sys.argv[1:])}
    if args.bundle:
        t = _clock()
        edges, info = edge_list(
            args.bundle,
            get_settings().coauthor_author_cap,
            max_works=args.max_works,
            venues=args.venues,
            topics=not args.no_topics,
        )
        entry["input"] = {**info, "build": _since(t)}
        common.log(f"edge list: {info}")
        if args.rows_sample:
            if not args.before_rev:
                raise SystemExit("--rows-sample needs --before-rev")
            entry["rows_path"] = rows_path(edges, args.before_rev, args.rows_sample, args.repeat)
            common.log(f"rank + rows: {entry['rows_path']}")
            entry["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
            common.update_result("discover_scale", args.key or f"rows-{info['works']}", entry)
            return
        if args.profile:
            import cProfile
            import pstats

            prof = cProfile.Profile()
            prof.enable()
        lp = _old_linkpred(args.kernel_rev) if args.kernel_rev else linkpred
        entry["core"] = {**core(edges, args.sample or None, lp), "kernel_rev": args.kernel_rev or "this tree"}
        if args.profile:
            prof.disable()
            pstats.Stats(prof).sort_stats("tottime").print_stats(25)
        common.log(f"core: {entry['core']}")
        if args.before_rev:
            entry["before"] = before(edges, args.before_rev, args.before_sample)
            common.log(f"before: {entry['before']}")
    if args.write_edges:
        entry["writes"] = writes(args.write_edges, before_rev=args.before_rev)
        common.log(f"writes: {entry['writes']}")
    if args.end_to_end:
        entry["end_to_end"] = end_to_end()
        common.log(f"end to end: {entry['end_to_end']}")
    entry["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    key = args.key or str(entry.get("input", {}).get("works", "writes"))
    common.update_result("discover_scale", key, entry)


if __name__ == "__main__":
    main()
