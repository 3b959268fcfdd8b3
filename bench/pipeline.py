"""The load pipeline against its baselines, side by side in one run (issue #15):

- DBLP (the real co-authorship corpus, author ids given): `kg load` end to end (works, researchers, AUTHORED,
  COAUTHOR) against a plain `UNWIND … MERGE` loader handed the resolved ids that writes only works, researchers and
  AUTHORED, on the same Neo4j, emptied between the two; exact counts checked.
- N synthetic works (`--works`, e.g. 1000000): `kg load --bulk` (files to a queryable graph with COAUTHOR) against
  `neo4j-admin database import` alone on the CSV files the pipeline exports for the same graph; then `--more` works
  of the same corpus into that graph through the write-only path: authorships/s and transaction-log growth.

    python -m bench.pipeline --dblp
    python -m bench.pipeline --works 1000000 --more 100000

Results go to bench/results/pipeline.json. Needs the bench's own local Neo4j (see bench/common.py); it is wiped.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import shutil
import sys
import tempfile
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import common
from kg import cds, graphdb, localdb
from kg.config import DEFAULT_SHARED_DATA, Settings
from kg.synth import SynthParams, generate

DBLP_TSV = DEFAULT_SHARED_DATA / "coauthorship" / "hypergcn" / "dblp_author_paper.tsv"
PLAIN_BATCH = 5000
# how often a measured load's process tree is sampled (memory and CPU per process and per step)
SAMPLE_EVERY = 0.25


# ---- DBLP ----------------------------------------------------------------------------------------------------


def dblp_bundle(out: Path) -> dict[str, int]:
    """The CSV bundle of the DBLP co-authorship data: one work per paper id ("DBLP paper <id>", no year), its
    authors in the order the file lists them, each author's name as their author_id (the data's own identity)."""
    by_paper: OrderedDict[str, list[str]] = OrderedDict()
    with DBLP_TSV.open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            by_paper.setdefault(row["paper_id"], [])
            if row["author_name"] not in by_paper[row["paper_id"]]:
                by_paper[row["paper_id"]].append(row["author_name"])
    out.mkdir(parents=True, exist_ok=True)
    with (out / "works.csv").open("w", encoding="utf-8", newline="") as wf:
        w = csv.writer(wf)
        w.writerow(["work_id", "title", "year", "venue", "doi", "arxiv_id", "abstract"])
        for pid in sorted(by_paper, key=int):
            w.writerow([f"dblp{pid}", f"DBLP paper {pid}", "", "", "", "", ""])
    n = 0
    with (out / "authorships.csv").open("w", encoding="utf-8", newline="") as af:
        a = csv.writer(af)
        a.writerow(["work_id", "author_id", "author_name", "position", "institution_id", "institution_name"])
        for pid in sorted(by_paper, key=int):
            for i, name in enumerate(by_paper[pid], start=1):
                a.writerow([f"dblp{pid}", name, name, i, "", ""])
                n += 1
    return {"works": len(by_paper), "authorships": n}


def plain_load(s: Settings, bundle: Path) -> dict[str, Any]:
    """The baseline: works, researchers and AUTHORED by their resolved ids, UNWIND batches, MERGE."""
    works = [
        {"id": f"csv:{r['work_id']}", "title": r["title"], "year": None}
        for r in csv.DictReader((bundle / "works.csv").open(encoding="utf-8"))
    ]
    authorships = list(csv.DictReader((bundle / "authorships.csv").open(encoding="utf-8")))
    people = sorted({r["author_id"] for r in authorships})
    drv = graphdb.open_driver(s)
    t0 = time.perf_counter()
    try:
        for name, rows in (
            ("plain_works", works),
            ("plain_researchers", [{"id": f"csv:{p}", "name": p} for p in people]),
            (
                "plain_authored",
                [
                    {
                        "researcher": f"csv:{r['author_id']}",
                        "work": f"csv:{r['work_id']}",
                        "position": int(r["position"]),
                        "name": r["author_name"],
                    }
                    for r in authorships
                ],
            ),
        ):
            for i in range(0, len(rows), PLAIN_BATCH):
                graphdb.run(drv, common.q(name), {"rows": rows[i : i + PLAIN_BATCH]}, write=True, settings=s)
        seconds = time.perf_counter() - t0
        counts = graphdb.run(drv, common.q("counts"), settings=s)[0]
    finally:
        drv.close()
    return {"seconds": round(seconds, 2), "counts": counts}


def kg_load(
    s: Settings, bundle: Path, stage: Path, *extra: str, env_extra: dict[str, str] | None = None
) -> dict[str, Any]:
    env = {**common.kg_env(s), "KG_STAGE_PATH": str(stage), **(env_extra or {})}
    if "--bulk" in extra and s.uses_local_db:
        # the bulk path imports into the local Neo4j it manages: name the bench's own, not a URI
        env.pop("KG_NEO4J_URI")
        env.update({"KG_LOCALDB_HOME": str(s.localdb_home), "KG_BOLT_PORT": str(s.bolt_port),
                    "KG_HTTP_PORT": str(s.http_port), "KG_HEAP_INITIAL": s.heap_initial, "KG_HEAP_MAX": s.heap_max,
                    "KG_PAGECACHE": s.pagecache})  # fmt: skip
    m = common.run_measured(
        common.kg_cmd("load", "--no-derived", *extra, str(bundle)), env=env, sample_every=SAMPLE_EVERY
    )
    if m.returncode not in (0, 3):
        raise RuntimeError(f"kg load failed ({m.returncode}): {(m.stderr or m.stdout).strip()[-600:]}")

    def seconds_of(prefix: str) -> dict[str, float]:
        return {k: float(v) for k, v in re.findall(r"(\w+) ([\d.]+)s", _line(m.stdout, prefix))}

    bulk_parts = seconds_of("bulk write: ")
    return {
        "seconds": round(m.seconds, 2),
        "cpu_seconds": round(m.cpu_seconds, 1),
        # the largest single process among the loader and the children it reaped (the import JVM, staging
        # workers), as wait4 gives it: the figure reported before #15's memory work
        "peak_rss_mb": round(m.peak_rss_mb, 1),
        # the loader alone, its children by role, and both per step the loader printed (bench.tree_memory)
        "memory": m.memory,
        "stages": seconds_of("stages: "),
        **({"bulk_write": bulk_parts} if bulk_parts else {}),
        "summary": _line(m.stdout, "load run "),
        "written": _line(m.stdout, "written: "),
    }


def _line(text: str, prefix: str) -> str:
    return next((ln.strip() for ln in text.splitlines() if ln.strip().startswith(prefix)), "")


def run_dblp(s: Settings, work: Path, sessions: list[int] | None = None) -> dict[str, Any]:
    bundle = work / "dblp-bundle"
    sizes = dblp_bundle(bundle)
    drv = graphdb.open_driver(s)
    common.empty_graph(drv, s, drop_store=True)
    drv.close()
    common.log(f"dblp: plain UNWIND loader, {sizes['works']} works, {sizes['authorships']} authorships")
    plain = plain_load(s, bundle)
    drv = graphdb.open_driver(s)
    common.empty_graph(drv, s, drop_store=True)
    drv.close()
    common.log("dblp: kg load (parse, stage, resolve, write, COAUTHOR)")
    stage = work / "dblp-stage.duckdb"
    stage.unlink(missing_ok=True)
    ours = kg_load(s, bundle, stage)
    drv = graphdb.open_driver(s)
    try:
        ours["counts"] = graphdb.run(drv, common.q("counts"), settings=s)[0]
    finally:
        drv.close()
    common.log("dblp: kg load again (nothing changed)")
    again = kg_load(s, bundle, stage)
    by_sessions = {}
    for n in sessions or []:
        # the same load into an empty graph with another number of writer sessions (KG_WRITE_SESSIONS)
        drv = graphdb.open_driver(s)
        common.empty_graph(drv, s, drop_store=True)
        drv.close()
        common.log(f"dblp: kg load with KG_WRITE_SESSIONS={n}")
        stage.unlink(missing_ok=True)
        by_sessions[str(n)] = kg_load(s, bundle, stage, env_extra={"KG_WRITE_SESSIONS": str(n)})
    bulk = _dblp_bulk(s, bundle, stage) if s.uses_local_db else {}
    return {
        "corpus": {"source": str(DBLP_TSV), **sizes},
        "plain_unwind_merge": plain,
        "kg_load": ours,
        "kg_load_again": again,
        "ratio_kg_load_to_plain": round(ours["seconds"] / plain["seconds"], 2),
        **({"kg_load_by_write_sessions": by_sessions} if by_sessions else {}),
        **bulk,
        **(
            {  # against the mean of the baseline's two runs (before ours and after)
                "ratio_kg_load_bulk_to_plain": round(
                    bulk["kg_load_bulk"]["seconds"]
                    / ((plain["seconds"] + bulk["plain_unwind_merge_after"]["seconds"]) / 2),
                    2,
                )
            }
            if bulk
            else {}
        ),
        "coauthor_pairs_expected": 61456,
    }


def _dblp_bulk(s: Settings, bundle: Path, stage: Path) -> dict[str, Any]:
    """`kg load --bulk`, the path for an empty database of the local Neo4j (stop, neo4j-admin import, start,
    schema), from a fresh stage into an empty graph; then the plain loader once more, so that the ratio is taken
    against the baseline's two runs, one before and one after everything of ours."""
    drv = graphdb.open_driver(s)
    common.empty_graph(drv, s, drop_store=True)
    drv.close()
    common.log("dblp: kg load --bulk into the empty local database")
    stage.unlink(missing_ok=True)
    bulk = kg_load(s, bundle, stage, "--bulk")
    drv = graphdb.open_driver(s)
    try:
        bulk["counts"] = graphdb.run(drv, common.q("counts"), settings=s)[0]
        common.empty_graph(drv, s, drop_store=True)
    finally:
        drv.close()
    common.log("dblp: the plain UNWIND loader again")
    plain_after = plain_load(s, bundle)
    return {"kg_load_bulk": bulk, "plain_unwind_merge_after": plain_after}


# ---- synthetic corpus at scale ---------------------------------------------------------------------------------


def _split_csv(
    src: Path, first: Path, rest: Path, goes_first: Callable[[int, list[str]], bool]
) -> tuple[int, int]:
    """Rows of one CSV (header kept in both) into `first` where goes_first(index, row), else into `rest`."""
    n = [0, 0]
    with src.open(encoding="utf-8", newline="") as f:
        r = csv.reader(f)
        header = next(r)
        with (
            (first / src.name).open("w", encoding="utf-8", newline="") as a,
            (rest / src.name).open("w", encoding="utf-8", newline="") as b,
        ):
            out = (csv.writer(a), csv.writer(b))
            for w in out:
                w.writerow(header)
            for i, row in enumerate(r):
                side = 0 if goes_first(i, row) else 1
                out[side].writerow(row)
                n[side] += 1
    return n[0], n[1]


def split_bundle(src: Path, first: Path, rest: Path, n_first: int) -> dict[str, int]:
    """The first n_first works of a bundle (and their authorships) into `first`, the others into `rest`."""
    for d in (first, rest):
        d.mkdir(parents=True, exist_ok=True)
    keep: set[str] = set()

    def first_works(i: int, row: list[str]) -> bool:
        if i < n_first:
            keep.add(row[0])
            return True
        return False

    fw, rw = _split_csv(src / "works.csv", first, rest, first_works)
    fa, ra = _split_csv(src / "authorships.csv", first, rest, lambda _i, row: row[0] in keep)
    return {"first_works": fw, "rest_works": rw, "first_authorships": fa, "rest_authorships": ra}


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def import_alone(s: Settings, stage: Path, work: Path) -> dict[str, Any]:
    """neo4j-admin import of the CSVs the pipeline exports for this graph, into a scratch home, timed alone."""
    from kg.stage.store import StageStore
    from kg.write import bulk

    csv_dir = work / "import-csv"
    shutil.rmtree(csv_dir, ignore_errors=True)
    with StageStore(stage) as st:
        report = bulk.export_csv(st, csv_dir, "run:bench-import-alone")
    home = work / "import-alone-home"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    scratch = s.model_copy(update={"localdb_home": home})
    # the same class data sharing as kg load's import (kg.cds), so the two JVMs start alike
    share = localdb.class_sharing(scratch, cds.IMPORT)
    cmd = bulk.import_command(scratch, report, home / "import.log", share.flags)
    env = bulk.import_env(scratch)
    m = common.run_measured(cmd, env=env, cwd=home)
    if m.returncode != 0:
        raise RuntimeError(f"neo4j-admin import failed: {(m.stderr or m.stdout).strip()[-400:]}")
    localdb.keep_recording(scratch, share)
    out = {
        "seconds": round(m.seconds, 2),
        "cpu_seconds": round(m.cpu_seconds, 1),
        "peak_rss_mb": round(m.peak_rss_mb, 1),
        "rows": report.rows,
    }
    shutil.rmtree(home, ignore_errors=True)
    shutil.rmtree(csv_dir, ignore_errors=True)
    return out


def run_scale(s: Settings, work: Path, works: int, more: int, seed: int) -> dict[str, Any]:
    total = works + more
    corpus = common.data_dir() / f"synth-{total}-s{seed}"
    if not (corpus / "works.csv").exists():
        common.log(f"synth: generating {total} works")
        generate(SynthParams(works=total, seed=seed), corpus)
    first, rest = work / f"first-{works}", work / f"more-{more}"
    common.log(f"synth: splitting into {works} + {more}")
    split = split_bundle(corpus, first, rest, works)
    drv = graphdb.open_driver(s)
    common.empty_graph(drv, s, drop_store=True)
    drv.close()
    stage = work / f"synth-{works}-stage.duckdb"
    stage.unlink(missing_ok=True)
    common.log(f"bulk: kg load --bulk of {works} works")
    bulk_run = kg_load(s, first, stage, "--bulk")
    drv = graphdb.open_driver(s)
    try:
        bulk_run["counts"] = graphdb.run(drv, common.q("counts"), settings=s)[0]
    finally:
        drv.close()
    bulk_run["stage_file_mb"] = round(stage.stat().st_size / 1e6, 1)
    common.log("bulk: neo4j-admin import alone on the same graph's CSVs")
    alone = import_alone(s, stage, work)
    result: dict[str, Any] = {
        "corpus": {"path": str(corpus), "seed": seed, **split},
        "kg_load_bulk": bulk_run,
        "neo4j_admin_import_alone": alone,
        "ratio_bulk_to_import": round(bulk_run["seconds"] / alone["seconds"], 2),
    }
    if more:
        tx_dir = s.localdb_home / "data" / "transactions" / s.neo4j_database
        before = _du(tx_dir)
        common.log(f"online: kg load of {more} more works into the graph (write-only batches)")
        online = kg_load(s, rest, stage)
        online["tx_log_growth_mb"] = round((_du(tx_dir) - before) / 1e6, 1)
        online["authorships_per_s"] = round(split["rest_authorships"] / online["seconds"], 1)
        drv = graphdb.open_driver(s)
        try:
            online["counts"] = graphdb.run(drv, common.q("counts"), settings=s)[0]
        finally:
            drv.close()
        result["kg_load_more_online"] = online
    return result


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    ap.add_argument("--dblp", action="store_true", help="DBLP: kg load against the plain UNWIND loader")
    ap.add_argument("--works", type=int, default=0, help="synthetic works for the bulk path (e.g. 1000000)")
    ap.add_argument("--more", type=int, default=0, help="then this many more works through the online path")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument(
        "--sessions",
        default="",
        help="with --dblp: also run kg load into an empty graph with each of these KG_WRITE_SESSIONS (e.g. 1,2)",
    )
    ap.add_argument("--keep", action="store_true", help="keep the bench Neo4j running and its graph")
    args = ap.parse_args(argv)
    if not args.dblp and not args.works:
        ap.error("say what to run: --dblp and/or --works N")
    s = common.bench_settings()
    if s.uses_local_db:
        localdb.start(s)
    out: dict[str, Any] = {
        "machine": common.machine(),
        "command": " ".join(["python -m bench.pipeline", *sys.argv[1:]]),
    }
    common.data_dir().mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="kg-bench-pipeline-", dir=common.data_dir()))
    try:
        if args.dblp:
            out["dblp"] = run_dblp(s, work, [int(x) for x in args.sessions.split(",") if x.strip()])
            print(json.dumps(out["dblp"], indent=2))
        if args.works:
            out[f"synth_{args.works}"] = run_scale(s, work, args.works, args.more, args.seed)
            print(json.dumps(out[f"synth_{args.works}"], indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if s.uses_local_db and not args.keep:
            localdb.stop(s)
    path = common.results_dir() / "pipeline.json"
    old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    old.update({k: v for k, v in out.items()})
    path.write_text(json.dumps(old, indent=2) + "\n", encoding="utf-8")
    print(f"written {path}")


if __name__ == "__main__":
    main()
