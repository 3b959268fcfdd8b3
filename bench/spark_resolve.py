"""The resolve stage on Spark against the embedded engine, side by side in one run (issue #21): a synthetic corpus
(`kg synth`) is staged once, copied, and resolved by each engine; the resolved tables must be equal (every row of
work, work_member, slot, cluster, cluster_slot, researcher, authored, …), and the times and their ratio are
reported, with each engine's phases. `--openalex` adds every work a second time as an OpenAlex record (two sources
per paper): every record is merged and every author group goes through the model — the engines' heavy path.

    python -m bench.spark_resolve --works 100000 [--openalex] [--master local[2]] [--base main [--this HEAD]]

With `--base REF`, the Spark engine runs twice more on copies of the one staged store, from `git archive` of REF and
of this side's ref, each in a process of its own (bench.resolve_ab.child_result), one after the other: their walls
and the CPU seconds of each side's whole process tree (Python driver, JVM, Python workers, from /proc) for resolve
works and for the whole stage, each side's tables compared with the embedded run's.

Results go to bench/results/spark_resolve.json (keyed by corpus and master).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bench.common import data_dir, log, update_result
from kg.config import Settings
from kg.resolve.engine import EmbeddedEngine
from kg.stage.store import StageStore
from kg.synth import SynthParams, generate

# every table the resolve stage fills, with the columns that order its rows
TABLES = {
    "work": "id",
    "work_member": "wrec",
    "slot": "work_id, key",
    "cluster": "key",
    "cluster_slot": "work_id, slot_key",
    "researcher": "id",
    "record_target": "rec",
    "authored": "src, dst",
    "affiliated": "src, dst, source",
    "institution": "id",
    "topic": "id",
    "has_topic": "src, dst",
    "part_of": "src, dst",
    "cites": "src, dst",
}


def corpus(works: int, seed: int, openalex: bool) -> Path:
    """The synthetic corpus for (works, seed, openalex), generated once under the bench data directory."""
    out = data_dir() / f"spark-resolve-{works}-{seed}{'-oa' if openalex else ''}"
    if not (out / "SOURCE.json").exists():
        log(f"generating {works:,} synthetic works into {out}")
        generate(SynthParams(works=works, seed=seed, openalex=openalex), out)
    return out


def stage(path: Path, src: Path) -> dict[str, Any]:
    from kg.sources import parsers

    t = time.monotonic()
    with StageStore(path) as st:
        counts = st.stage("run:bench", (r for r in parsers.iter_records([str(src)]) if r.kind != "reject"))
        work_records = int(st.scalar("SELECT count(*) FROM work_recs") or 0)
    return {"records": counts.new, "work_records": work_records, "seconds": round(time.monotonic() - t, 1)}


def differences(a: Path, b: Path, tables: Iterable[str] = TABLES) -> list[str]:
    """The tables whose rows differ between two resolved stores (compared in DuckDB, row for row)."""
    out = []
    with StageStore(a) as st:
        st.con.execute(f"ATTACH '{b}' AS other (READ_ONLY)")
        for table in tables:
            n = st.scalar(
                f"SELECT count(*) FROM ((SELECT * FROM {table} EXCEPT ALL SELECT * FROM other.{table}) "
                f"UNION ALL (SELECT * FROM other.{table} EXCEPT ALL SELECT * FROM {table}))"
            )
            if n:
                out.append(f"{table}: {n} rows differ")
        st.con.execute("DETACH other")
    return out


def counts(path: Path) -> dict[str, int]:
    with StageStore(path, read_only=True) as st:
        return {t: int(st.scalar(f"SELECT count(*) FROM {t}") or 0) for t in TABLES}


# One Spark side of an A/B (argv: the store, the master), its CPU that of its whole process tree: the JVM and the
# Python workers are its descendants. A finished process's CPU is in its parent's cutime/cstime once reaped.
_SPARK_CHILD = r"""
import json, os, sys, time
from pathlib import Path
import kg
from kg.config import Settings
from kg.resolve.spark import SparkEngine
from kg.spark import spark_session
from kg.stage.store import StageStore

def tree_cpu():
    parent, ticks = {}, {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                f = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parent[int(d.name)] = int(f[1])
            ticks[int(d.name)] = sum(int(x) for x in f[11:15])
    tree, todo = set(), [os.getpid()]
    while todo:
        p = todo.pop()
        tree.add(p)
        todo.extend(c for c, pp in parent.items() if pp == p and c not in tree)
    return sum(ticks.get(p, 0) for p in tree) / os.sysconf("SC_CLK_TCK")

settings = Settings(spark_master=sys.argv[2], spark_driver_memory=os.environ.get("KG_SPARK_DRIVER_MEMORY", "3g"))
session = spark_session(settings, "bench spark_resolve")
marks = {}

def progress(step, done, total):  # resolve works ends where the next step first reports
    if step != "resolve works" and "works" not in marks:
        marks["works"] = (time.monotonic(), tree_cpu())

with StageStore(sys.argv[1]) as st:
    t, c = time.monotonic(), tree_cpu()
    rep = SparkEngine(settings, session=session).resolve(st, on_progress=progress)
    wall, cpu = time.monotonic() - t, tree_cpu() - c
session.stop()
print(json.dumps({"kg": kg.__file__, "wall": round(wall, 1), "cpu": round(cpu, 1),
                  "works_wall": round(marks["works"][0] - t, 1), "works_cpu": round(marks["works"][1] - c, 1),
                  "works_merged": rep.works_merged, "phases": {k: round(v, 1) for k, v in rep.seconds.items()}}))
"""


def spark_sides(staged: Path, work: Path, master: str, refs: dict[str, str]) -> dict[str, Any]:
    """The Spark engine of each ref (side -> git ref) on its own copy of the staged store, one side after the other;
    each side's result, with its tables' differences from the embedded run's (work/embedded.duckdb)."""
    from bench.resolve_ab import base_tree, child_result

    out: dict[str, Any] = {}
    for side, ref in refs.items():
        tree = base_tree(ref, work / f"{side}-tree")
        store = work / f"{side}.duckdb"
        shutil.copy(staged, store)
        log(f"resolving: spark {master} from {ref} ({side})")
        # child_result passes its last argument (a memory limit elsewhere) as argv[2]: here the master
        out[side] = {"ref": ref, **child_result(tree, _SPARK_CHILD, store, master)}
        out[side]["differences"] = differences(work / "embedded.duckdb", store)
        log(f"{side}: {out[side]}")
        store.unlink()
    return out


def run(
    works: int, seed: int, openalex: bool, master: str, keep: bool, refs: dict[str, str] | None = None
) -> dict[str, Any]:
    from kg.resolve.spark import SparkEngine
    from kg.spark import spark_session

    src = corpus(works, seed, openalex)
    work = Path(tempfile.mkdtemp(prefix="spark-resolve-", dir=data_dir()))
    try:
        staged = work / "staged.duckdb"
        log("staging")
        st_info = stage(staged, src)
        log(f"staged {st_info}")
        emb, spk = work / "embedded.duckdb", work / "spark.duckdb"
        shutil.copy(staged, emb)
        shutil.copy(staged, spk)

        log("resolving: embedded")
        t = time.monotonic()
        with StageStore(emb) as st:
            r_emb = EmbeddedEngine().resolve(st)
        emb_s = time.monotonic() - t

        log(f"resolving: spark {master}")
        settings = Settings(
            spark_master=master, spark_driver_memory=os.environ.get("KG_SPARK_DRIVER_MEMORY", "3g")
        )
        t = time.monotonic()
        session = spark_session(settings, "bench spark_resolve")
        start_s = time.monotonic() - t
        try:
            t = time.monotonic()
            with StageStore(spk) as st:
                r_spk = SparkEngine(settings, session=session).resolve(st)
            spk_s = time.monotonic() - t
        finally:
            session.stop()

        sides = spark_sides(staged, work, master, refs) if refs else {}
        staged.unlink()
        log("comparing")
        diff = differences(emb, spk)
        sizes = counts(emb)
        entry = {
            "works": works,
            "seed": seed,
            "openalex": openalex,
            "master": master,
            "staged": st_info,
            "tables": sizes,
            "equal": not diff,
            "differences": diff,
            "embedded": {
                "seconds": round(emb_s, 1),
                "phases": {k: round(v, 1) for k, v in r_emb.seconds.items()},
            },
            "spark": {
                "seconds": round(spk_s, 1),
                "session_start_seconds": round(start_s, 1),
                "phases": {k: round(v, 1) for k, v in r_spk.seconds.items()},
            },
            "spark_over_embedded": round(spk_s / emb_s, 2) if emb_s else None,
            "spark_sides": sides,
            "report": {
                "work_records": r_emb.work_records,
                "works": r_emb.works,
                "works_merged": r_emb.works_merged,
                "groups": r_emb.groups,
                "slots": r_emb.slots,
                "researchers": r_emb.researchers,
            },
        }
        return entry
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--works", type=int, default=10_000, help="synthetic works (e.g. 100000)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--openalex", action="store_true", help="every work also as an OpenAlex record")
    ap.add_argument("--master", default="local[2]", help="the Spark master (default local[2])")
    ap.add_argument("--keep", action="store_true", help="keep the resolved stores (under the bench data dir)")
    ap.add_argument(
        "--base", help="also run the Spark engine of this git ref and of --this, each in its own process"
    )
    ap.add_argument(
        "--this", default="HEAD", help="with --base: this side's git ref (default HEAD: committed code)"
    )
    args = ap.parse_args(argv)
    refs = {"base": args.base, "this": args.this} if args.base else None
    entry = run(args.works, args.seed, args.openalex, args.master, args.keep, refs)
    key = f"{args.works}{'-openalex' if args.openalex else ''}-{args.master}"
    if args.base:
        key += f"-vs-{args.base}"
    path = update_result("spark_resolve", key, entry)
    emb, spk = entry["embedded"], entry["spark"]
    print(
        f"{args.works:,} works{' (+OpenAlex)' if args.openalex else ''}: embedded {emb['seconds']}s, "
        f"spark {args.master} {spk['seconds']}s (+{spk['session_start_seconds']}s session start), "
        f"ratio spark/embedded {entry['spark_over_embedded']}; tables equal: {entry['equal']}"
    )
    print(f"  embedded phases: {emb['phases']}")
    print(f"  spark phases:    {spk['phases']}")
    if not entry["equal"]:
        print("  DIFFERENT: " + "; ".join(entry["differences"]))
    sides = entry["spark_sides"]
    for side, r in sides.items():
        print(
            f"  spark {side} ({r['ref']}): resolve works {r['works_wall']} s ({r['works_cpu']} CPU-s of the tree), "
            f"whole stage {r['wall']} s ({r['cpu']} CPU-s), records merged {r['works_merged']}; tables equal to "
            f"the embedded run's: {'; '.join(r['differences']) or 'yes'}"
        )
    if sides:
        b, t = sides["base"], sides["this"]
        print(
            f"  this / base: resolve works wall x{t['works_wall'] / b['works_wall']:.2f}, "
            f"CPU x{t['works_cpu'] / b['works_cpu']:.2f}; whole stage wall x{t['wall'] / b['wall']:.2f}, "
            f"CPU x{t['cpu'] / b['cpu']:.2f}"
        )
    print(f"results: {path}")
    if not entry["equal"] or any(r["differences"] for r in sides.values()):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
