"""The graph tables rebuilt whole against built for what a load changed, side by side in one run (issue #15).

A synthetic corpus (`kg synth`, N + M works, or --corpus) is split in two; the first N works are staged, resolved
and COAUTHOR built (the store a first load leaves, kept under bench/data for the next run). The M more works are
staged once into a copy of it; then on two copies of that store the resolve runs, each in a child process with its
steps timed (wall and CPU, DuckDB's threads included): on one as before #15 (the copy forgets the graph tables
were ever built, so resolution records nothing and they are rebuilt whole), on the other recording what it touches
and building the graph tables for that. Every graph table must end equal, row for row (EXCEPT ALL both ways).
`--sweep` also times the graph tables build alone on copies of the N-work store with a random share of its works
(and their authors) marked touched: where the incremental build stops paying, which sets WHOLE_REBUILD_SHARE.

    python -m bench.graph_incremental --works 200000 --more 20000 [--sweep 0.02,0.05,0.1,0.2,0.4]
    python -m bench.graph_incremental --works 1000000 --more 100000 --corpus /work/benchdata/synth-1100000-s42
    python -m bench.graph_incremental --works 200000 --more 20000 --no-load --against main --repeats 2

`--against REF` also resolves the staged rest by the tree of a git ref and by this one, alternated (before and after,
as `kg load` runs it); the graph tables must end equal. Results go to bench/results/graph_incremental.json (keyed by
N+M).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from bench.common import CHILD_STEP_TIMER, data_dir, log, update_result
from bench.pipeline import split_bundle
from kg.config import get_settings
from kg.resolve.graph import GRAPH_TABLES, WHOLE_REBUILD_SHARE
from kg.resolve.tables import GRAPH_BUILT
from kg.stage.store import StageStore
from kg.synth import SynthParams, generate

# Run in a child process: `resolve` (the whole resolve stage, each step timed) or `build` (the graph tables alone)
_CHILD = r"""
import json, resource, sys, time
path, what, mode = sys.argv[1], sys.argv[2], sys.argv[3]
from kg.config import get_settings
from kg.resolve.engine import EmbeddedEngine
from kg.resolve.graph import build_graph_tables
from kg.stage.store import StageStore

{timer}
built = None
with StageStore(path, memory_limit=get_settings().stage_memory_limit) as st:
    t0, c0 = time.monotonic(), cpu()
    if what == "resolve":
        EmbeddedEngine().resolve(st, on_progress=progress)
    else:
        mark("build the graph tables")
        built = vars(build_graph_tables(st, mode))
    # what the commits left for a checkpoint (an incremental build's deletes and the resolve's): paid by the commit
    # that crosses the WAL threshold or at the latest when the load closes the store, so timed for both sides
    mark("checkpoint")
    st.con.execute("CHECKPOINT")
    mark(None)
    total = {"wall": round(time.monotonic() - t0, 2), "cpu": round(cpu() - c0, 2)}
hwm = next(int(x.split()[1]) for x in open("/proc/self/status") if x.startswith("VmHWM"))
print(json.dumps({"steps": steps, "total": total, "build": built, "peak_rss_mb": round(hwm / 1024, 1)}))
""".replace("{timer}", CHILD_STEP_TIMER)


def child(path: Path, what: str, mode: str = "auto", tree: Path | None = None) -> dict[str, Any]:
    """The child run on `path`, with `tree`'s kg (default: this one's)."""
    import os
    import subprocess

    env = {**os.environ, "PYTHONPATH": str(tree)} if tree else None
    p = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), what, mode],
        capture_output=True,
        text=True,
        check=False,
        cwd=tree,
        env=env,
    )
    if p.returncode != 0:
        raise RuntimeError(f"the {what} ({mode}) child failed: {p.stderr.strip()[-1500:]}")
    out: dict[str, Any] = json.loads(p.stdout.strip().splitlines()[-1])
    return out


def stage(path: Path, bundle: Path, run: str) -> None:
    """Stage a bundle as `kg load` does (its worker processes make the records)."""
    from kg.models import Reject
    from kg.sources.parsers.read import iter_units
    from kg.stage.parallel import CHUNK_WORKS, Workers

    s = get_settings()
    with StageStore(path, memory_limit=s.stage_memory_limit) as st:
        st.begin_run(run, [str(bundle)], None)
        workers = Workers(s.stage_worker_count, known=st.known_keys_file)
        try:
            items = workers.staged(iter_units([str(bundle)], chunk=CHUNK_WORKS), run)
            st.stage(run, (it for it in items if not isinstance(it, Reject)))
        finally:
            workers.close()


def differences(a: Path, b: Path) -> dict[str, int]:
    """Rows of each graph table in one store and not the other (both ways, with multiplicity); {} when equal."""
    out = {}
    with StageStore(a, read_only=True) as st:
        st.con.execute(f"ATTACH '{b}' AS other (READ_ONLY)")
        for t in GRAPH_TABLES:
            n = int(
                st.scalar(
                    f"SELECT count(*) FROM ((SELECT * FROM {t} EXCEPT ALL SELECT * FROM other.{t}) "
                    f"UNION ALL (SELECT * FROM other.{t} EXCEPT ALL SELECT * FROM {t}))"
                )
                or 0
            )
            if n:
                out[t] = n
        st.con.execute("DETACH other")
    return out


def forget_graph(path: Path) -> None:
    """As before #15: the store does not know its graph tables were built, so nothing is recorded for them and
    the next build is whole."""
    with StageStore(path) as st:
        st.con.execute("DELETE FROM meta WHERE key = ?", [GRAPH_BUILT])
        st.con.execute("DELETE FROM pending_graph")


def base_store(work: Path, corpus: Path, works: int) -> tuple[Path, Path, dict[str, Any]]:
    """The first N works staged, resolved (graph tables built whole) and COAUTHOR built; then a copy with the
    rest staged. Both kept in `work` for the next run (a marker file says each is complete)."""
    from kg.derive.coauthor_table import build_coauthor_table

    first, rest = work / "first", work / "more"
    base, more = work / "base.duckdb", work / "more.duckdb"
    info: dict[str, Any] = {}
    if not (work / "split.json").exists():
        (work / "split.json").write_text(json.dumps(split_bundle(corpus, first, rest, works)))
    info["split"] = json.loads((work / "split.json").read_text())
    if not (work / "base.done").exists():
        base.unlink(missing_ok=True)
        log(f"staging the first {works:,} works")
        stage(base, first, "run:bench-first")
        log("resolving them")
        info["base_resolve"] = child(base, "resolve")
        with StageStore(base, memory_limit=get_settings().stage_memory_limit) as st:
            build_coauthor_table(st, get_settings().coauthor_author_cap)
        (work / "base.done").write_text(json.dumps(info["base_resolve"]))
    info["base_resolve"] = json.loads((work / "base.done").read_text())
    if not (work / "more.done").exists():
        shutil.copy(base, more)
        log("staging the rest")
        stage(more, rest, "run:bench-more")
        (work / "more.done").touch()
    return base, more, info


def mark_built(base: Path, more: Path) -> None:
    """A base resolved by a tree before #15 has a whole build's tables but not its marker: build them whole once
    (which marks them), and mark the staged copy (whose tables are the same). A base deleted to save disk space
    once its copy was marked is left alone."""
    if not base.exists():
        return
    with StageStore(base, read_only=True) as st:
        built = st.meta(GRAPH_BUILT) is not None
    if not built:
        log("graph tables of the base built whole once (marks them built)")
        child(base, "build", "whole")
        with StageStore(base, read_only=True) as st:
            value = st.meta(GRAPH_BUILT)
        with StageStore(more) as st:
            st.set_meta(GRAPH_BUILT, str(value))


def load_more(work: Path, more: Path) -> dict[str, Any]:
    """The resolve of the staged rest, as before (graph tables whole) and recording what it touches."""
    sides = {}
    for side in ("whole", "incremental"):
        path = work / f"{side}.duckdb"
        shutil.copy(more, path)
        if side == "whole":
            forget_graph(path)
        log(f"resolve, graph tables {side}")
        sides[side] = child(path, "resolve")
        log(json.dumps(sides[side]))
    diff = differences(work / "whole.duckdb", work / "incremental.duckdb")
    with StageStore(work / "incremental.duckdb", read_only=True) as st:
        counts = {t: int(st.scalar(f"SELECT count(*) FROM {t}") or 0) for t in GRAPH_TABLES}
    for side in sides:
        (work / f"{side}.duckdb").unlink()

    def graph(side: str, k: str) -> float:  # the build and what it left for the checkpoint
        return sum(
            sides[side]["steps"].get(s, {}).get(k, 0.0) for s in ("build the graph tables", "checkpoint")
        )

    return {
        **sides,
        "rows": counts,
        "equal": not diff,
        "differences": diff,
        "graph_and_checkpoint_whole_over_incremental": {
            k: round(graph("whole", k) / max(graph("incremental", k), 0.01), 2) for k in ("wall", "cpu")
        },
        "resolve_whole_over_incremental": {
            k: round(sides["whole"]["total"][k] / max(sides["incremental"]["total"][k], 0.01), 2)
            for k in ("wall", "cpu")
        },
    }


def against(work: Path, more: Path, ref: str, repeats: int) -> dict[str, Any]:
    """The resolve of the staged rest by `ref`'s tree (`git archive`) and by this one, alternated, `repeats` each,
    every run on a fresh copy: before and after, as `kg load` runs it. The graph tables must end equal."""
    from bench.resolve_ab import base_tree

    trees = {ref: base_tree(ref, work / "tree-base"), "this": Path(__file__).resolve().parent.parent}
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in trees}
    paths = {name: work / f"against-{i}.duckdb" for i, name in enumerate(trees)}
    for i in range(repeats):
        for name in list(trees) if i % 2 == 0 else list(trees)[::-1]:
            shutil.copy(more, paths[name])
            log(f"resolve by {name} ({i + 1}/{repeats})")
            runs[name].append(child(paths[name], "resolve", tree=trees[name]))
            log(json.dumps(runs[name][-1]))
    diff = differences(paths[ref], paths["this"])
    for p in paths.values():
        p.unlink()
    shutil.rmtree(work / "tree-base", ignore_errors=True)

    def mean(name: str, step: str, k: str) -> float:
        vals = [
            r["total"][k] if step == "total" else r["steps"].get(step, {}).get(k, 0.0) for r in runs[name]
        ]
        return round(sum(vals) / len(vals), 2)

    steps = ("resolve works", "resolve researchers", "build the graph tables", "checkpoint", "total")
    means = {name: {s: {k: mean(name, s, k) for k in ("wall", "cpu")} for s in steps} for name in trees}
    return {"ref": ref, "runs": runs, "means": means, "equal": not diff, "differences": diff}


def sweep(work: Path, base: Path, share: float, seed: int) -> dict[str, Any]:
    """The graph tables built alone on the base store with a random `share` of its works marked touched (as a
    re-resolve of them records them), whole against incremental."""
    out: dict[str, Any] = {}
    paths = {m: work / f"sweep-{m}.duckdb" for m in ("whole", "incremental")}
    for mode, path in paths.items():
        shutil.copy(base, path)
        with StageStore(path) as st:
            st.con.execute(
                "INSERT INTO pending_graph SELECT DISTINCT NULL, id FROM work WHERE hash(id || ?) % 10000 < ?",
                [str(seed), int(share * 10000)],
            )
        out[mode] = child(path, "build", mode)
    diff = differences(paths["whole"], paths["incremental"])
    for p in paths.values():
        p.unlink()
    return {
        **out,
        "equal": not diff,
        "differences": diff,
        "whole_over_incremental": {  # the build and its checkpoint
            k: round(out["whole"]["total"][k] / max(out["incremental"]["total"][k], 0.01), 2)
            for k in ("wall", "cpu")
        },
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--works", type=int, default=200_000, help="works of the first load")
    ap.add_argument("--more", type=int, default=20_000, help="works of the second load")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument(
        "--corpus", type=Path, help="a kg synth bundle of at least works + more works (read only)"
    )
    ap.add_argument("--sweep", default="", help="shares of works to mark touched, e.g. 0.05,0.1,0.3")
    ap.add_argument(
        "--against", help="also the resolve by this git ref's tree against this one's (e.g. main)"
    )
    ap.add_argument(
        "--repeats", type=int, default=2, help="resolves of each side with --against (alternated)"
    )
    ap.add_argument("--base-only", action="store_true", help="only make the stores to start from")
    ap.add_argument("--no-load", action="store_true", help="only the sweep")
    ap.add_argument("--clean", action="store_true", help="delete the stores and split bundles afterwards")
    args = ap.parse_args(argv)
    total = args.works + args.more
    corpus = args.corpus or data_dir() / f"synth-{total}-s{args.seed}"
    if not (corpus / "works.csv").exists():
        log(f"synth: generating {total:,} works into {corpus}")
        generate(SynthParams(works=total, seed=args.seed), corpus)
    work = data_dir() / f"graph-incremental-{args.works}+{args.more}-s{args.seed}"
    work.mkdir(parents=True, exist_ok=True)
    try:
        base, more, entry = base_store(work, corpus, args.works)
        if args.base_only:
            return
        mark_built(base, more)
        entry.update(
            works=args.works, more=args.more, seed=args.seed, whole_rebuild_share=WHOLE_REBUILD_SHARE
        )
        entry["corpus"] = str(corpus)
        if not args.no_load:
            entry["load_more"] = load_more(work, more)
        if args.against:
            entry["against"] = against(work, more, args.against, args.repeats)
        shares = [float(x) for x in args.sweep.split(",") if x.strip()]
        if shares:
            entry["sweep"] = {}
            for share in shares:
                log(f"sweep: {share:.0%} of works touched")
                entry["sweep"][str(share)] = sweep(work, base, share, args.seed)
                log(json.dumps(entry["sweep"][str(share)]))
    finally:
        if args.clean:
            shutil.rmtree(work, ignore_errors=True)
    entry["command"] = " ".join(["python -m bench.graph_incremental", *(argv or sys.argv[1:])])
    suffix = "" if not args.no_load else f"-against-{args.against}" if args.against else "-sweep"
    key = f"{args.works}+{args.more}{suffix}"
    path = update_result("graph_incremental", key, entry)
    print(json.dumps({k: v for k, v in entry.items() if k in ("load_more", "sweep", "against")}, indent=1))
    print(f"results: {path}")
    bad = not entry.get("load_more", {}).get("equal", True) or not entry.get("against", {}).get("equal", True)
    bad = bad or not all(r["equal"] for r in entry.get("sweep", {}).values())
    if bad:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
