"""Load benchmark: `kg load` on a synthetic bundle (throughput, peak RSS) against the naive one-transaction-per-record
MERGE loader and `neo4j-admin database import` into an empty database, all in the same run."""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import neo4j
from neo4j import Driver

from bench import common
from bench.bundle import ensure_bundle, institution_node_id, iter_works, researcher_node_id, work_node_id
from kg import graphdb, localdb
from kg.config import Settings


def _naive_tx(tx: neo4j.ManagedTransaction, work: dict[str, str], authors: list[dict[str, str]]) -> None:
    """What a naive loader does: one statement per entity and per edge, one transaction per record."""
    wid = work_node_id(work)
    tx.run(
        common.q("naive_work"),
        id=wid,
        title=work["title"],
        year=int(work["year"]) if work["year"] else None,
        venue=work["venue"] or None,
        doi=work["doi"] or None,
        arxiv_id=work["arxiv_id"] or None,
        openalex_id=work["work_id"],
        abstract=work["abstract"] or None,
    ).consume()
    for a in authors:
        rid = researcher_node_id(a["author_id"])
        tx.run(
            common.q("naive_researcher"), id=rid, name=a["author_name"], openalex_id=a["author_id"]
        ).consume()
        tx.run(
            common.q("naive_authored"),
            researcher_id=rid,
            work_id=wid,
            position=int(a["position"]),
            raw_name=a["author_name"],
        ).consume()
        if a["institution_id"]:
            tx.run(
                common.q("naive_institution"),
                institution_id=institution_node_id(a["institution_id"]),
                name=a["institution_name"],
                researcher_id=rid,
            ).consume()


def naive_load(drv: Driver, s: Settings, bundle: Path, sample: int) -> dict[str, Any]:
    """The naive loader on the first `sample` works of the bundle, reported as a rate."""
    works = authorships = 0
    t0 = time.perf_counter()
    for work, authors in iter_works(bundle, limit=sample):
        graphdb.transaction(drv, lambda tx, w=work, a=authors: _naive_tx(tx, w, a), write=True, settings=s)
        works += 1
        authorships += len(authors)
    seconds = time.perf_counter() - t0
    return {
        "method": "one write transaction per work; one MERGE statement per work, author, authorship, affiliation",
        "sample_works": works,
        "sample_authorships": authorships,
        "seconds": round(seconds, 3),
        "works_per_s": round(works / seconds, 1),
        "authorships_per_s": round(authorships / seconds, 1),
    }


def _import_csvs(bundle: Path, out: Path) -> dict[str, int]:
    """Node and relationship CSVs for the import tool, streamed from the bundle. The tool counts a repeated id as a
    bad entry, so researchers, institutions and affiliations are de-duplicated here (preparation, timed apart)."""
    out.mkdir(parents=True, exist_ok=True)
    n = {"works": 0, "authorships": 0}
    seen_r: set[str] = set()
    seen_i: set[str] = set()
    seen_f: set[tuple[str, str]] = set()
    with (
        (out / "works.csv").open("w", encoding="utf-8", newline="") as wf,
        (out / "researchers.csv").open("w", encoding="utf-8", newline="") as rf,
        (out / "institutions.csv").open("w", encoding="utf-8", newline="") as inf,
        (out / "authored.csv").open("w", encoding="utf-8", newline="") as af,
        (out / "affiliated.csv").open("w", encoding="utf-8", newline="") as ff,
    ):
        ww, rw, iw, aw, fw = (csv.writer(f, lineterminator="\n") for f in (wf, rf, inf, af, ff))
        ww.writerow(
            ["id:ID(Work)", "title", "year:int", "venue", "doi", "arxiv_id", "openalex_id", "abstract"]
        )
        rw.writerow(["id:ID(Researcher)", "name", "openalex_id"])
        iw.writerow(["id:ID(Institution)", "name"])
        aw.writerow([":START_ID(Researcher)", ":END_ID(Work)", "position:int", "raw_name"])
        fw.writerow([":START_ID(Researcher)", ":END_ID(Institution)", "source"])
        for work, authors in iter_works(bundle):
            wid = work_node_id(work)
            ww.writerow(
                [wid, work["title"], work["year"], work["venue"], work["doi"], work["arxiv_id"], work["work_id"],
                 work["abstract"]]
            )  # fmt: skip
            n["works"] += 1
            for a in authors:
                rid = researcher_node_id(a["author_id"])
                if rid not in seen_r:
                    seen_r.add(rid)
                    rw.writerow([rid, a["author_name"], a["author_id"]])
                aw.writerow([rid, wid, a["position"], a["author_name"]])
                if a["institution_id"]:
                    iid = institution_node_id(a["institution_id"])
                    if iid not in seen_i:
                        seen_i.add(iid)
                        iw.writerow([iid, a["institution_name"]])
                    if (rid, iid) not in seen_f:
                        seen_f.add((rid, iid))
                        fw.writerow([rid, iid, "csv"])
                n["authorships"] += 1
    return n


def import_tool(s: Settings, bundle: Path, work_dir: Path) -> dict[str, Any]:
    """`neo4j-admin database import full` from the Neo4j jars into an empty database on its own NEO4J_HOME."""
    lib = s.localdb_jars / "lib"
    if not localdb.jars_ready(s) or shutil.which("java") is None:
        return {"available": False, "why": f"no Neo4j jars in {lib} or no java"}
    csv_dir = work_dir / "csv"
    home = work_dir / "home"
    shutil.rmtree(work_dir, ignore_errors=True)
    t0 = time.perf_counter()
    counts = _import_csvs(bundle, csv_dir)
    prep = time.perf_counter() - t0
    (home / "conf").mkdir(parents=True, exist_ok=True)
    (home / "conf" / "neo4j.conf").write_text("", encoding="utf-8")
    cmd = common.import_command(lib, csv_dir, work_dir / "import.report", "neo4j", "2g")
    env = {**os.environ, "NEO4J_HOME": str(home.resolve()), "NEO4J_CONF": str((home / "conf").resolve())}
    m = common.run_measured(cmd, env=env, cwd=home)
    result: dict[str, Any] = {
        "available": m.returncode == 0,
        "command": "java -cp 'localdb/target/lib/*' org.neo4j.cli.AdminTool database import full "
        "--nodes=Work=… --nodes=Researcher=… --nodes=Institution=… --relationships=AUTHORED=… "
        "--relationships=AFFILIATED_WITH=… neo4j",
        "what": "Work, Researcher, Institution nodes, AUTHORED and AFFILIATED_WITH edges into an empty database "
        "(no indexes: the tool builds none); CSV preparation (de-duplication) timed separately",
        "prepare_seconds": round(prep, 3),
        "seconds": round(m.seconds, 3),
        "peak_rss_mb": round(m.peak_rss_mb, 1),
    }
    if m.returncode != 0:
        tail = (m.stderr or m.stdout).strip().splitlines()
        result["why"] = tail[-1][:300] if tail else f"exit {m.returncode}"
        return result
    result["works_per_s"] = round(counts["works"] / m.seconds, 1)
    result["authorships_per_s"] = round(counts["authorships"] / m.seconds, 1)
    shutil.rmtree(work_dir, ignore_errors=True)  # the CSVs and store are as large as the corpus
    return result


def ensure_bundle_measured(bundle: Path, works: int, seed: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The bundle, generated by `kg synth` in its own process when missing (its time and peak RSS recorded)."""
    if (bundle / "SOURCE.json").exists():
        manifest = ensure_bundle(
            bundle, works, seed
        )  # reused when it matches, regenerated in-process otherwise
        return manifest, {"reused": True}
    m = common.run_measured(
        common.kg_cmd("synth", "--works", str(works), "--seed", str(seed), "--out", str(bundle.resolve()))
    )
    if m.returncode != 0:
        tail = (m.stderr or m.stdout).strip().splitlines()
        raise RuntimeError(f"kg synth failed: {tail[-1] if tail else m.returncode}")
    manifest = ensure_bundle(bundle, works, seed)
    return manifest, {"reused": False, "seconds": round(m.seconds, 2), "peak_rss_mb": round(m.peak_rss_mb, 1)}


def kg_load_available() -> bool:
    return subprocess.run(common.kg_cmd("load", "--help"), capture_output=True).returncode == 0


def kg_load(s: Settings, bundle: Path, batch_size: int | None = None) -> dict[str, Any]:
    """`kg load DIR` in its own process, beside the bundle (its rejects file lands there): wall time, peak RSS."""
    if not kg_load_available():
        return {"available": False, "why": "`kg load` is not in this checkout yet"}
    # --no-derived: the load alone, like its baselines; COAUTHOR and discovery are measured by bench/discover.py
    extra = ["--batch-size", str(batch_size)] if batch_size else []
    cmd = common.kg_cmd("load", "--no-derived", *extra, str(bundle.resolve()))
    m = common.run_measured(cmd, env=common.kg_env(s), cwd=bundle.parent)
    out: dict[str, Any] = {
        "available": m.returncode in (0, 3),
        "command": " ".join(["kg load --no-derived", *extra, bundle.name]),
        "exit_code": m.returncode,
        "seconds": round(m.seconds, 3),
        "peak_rss_mb": round(m.peak_rss_mb, 1),
        # the command's own summary (counts, statement timings), for whoever reads the numbers
        "output_tail": (m.stdout + m.stderr).strip().splitlines()[-8:],
    }
    if m.returncode not in (0, 3):
        tail = (m.stderr or m.stdout).strip().splitlines()
        out["why"] = tail[-1][:300] if tail else f"exit {m.returncode}"
    return out


def run(
    s: Settings,
    works: int,
    *,
    seed: int = common.SEED,
    naive_sample: int = 1000,
    drop_store: bool = False,
    with_import_tool: bool = True,
    with_kg_load: bool = True,
    batch_size: int | None = None,
) -> dict[str, Any]:
    """Generate (or reuse) the bundle, then measure the naive sample, the import tool and `kg load`."""
    bundle = common.data_dir() / f"synth-{works}-s{seed}"
    common.log(f"load: bundle of {works:,} works in {bundle}")
    manifest, synth = ensure_bundle_measured(bundle, works, seed)
    st = manifest["stats"]
    drv = graphdb.open_driver(s)
    try:
        common.log(f"load: naive loader on {min(naive_sample, works):,} works")
        common.empty_graph(drv, s, drop_store=drop_store)
        drv = graphdb.open_driver(s)
        naive = naive_load(drv, s, bundle, min(naive_sample, works))
        if with_import_tool:
            common.log("load: neo4j-admin database import")
            tool = import_tool(s, bundle, common.data_dir() / f"import-{works}")
        else:
            tool = {"available": False, "why": "not run (--no-import-tool)"}
        if with_kg_load:
            common.log("load: kg load")
            common.empty_graph(drv, s, drop_store=drop_store)
            drv = graphdb.open_driver(s)
            ours = kg_load(s, bundle, batch_size)
        else:
            ours = {"available": False, "why": "not run (--no-kg-load)"}
        counts = graphdb.run(drv, common.q("counts"), settings=s)[0]
    finally:
        drv.close()
    if ours.get("available"):
        ours["works_per_s"] = round(st["works"] / ours["seconds"], 1)
        ours["authorships_per_s"] = round(st["authorships"] / ours["seconds"], 1)
    entry: dict[str, Any] = {
        "works": st["works"],
        "authorships": st["authorships"],
        "seed": seed,
        "synth": synth,
        "graph_after_load": counts,
        "kg_load": ours,
        "naive": naive,
        "import_tool": tool,
        "ratios": _ratios(ours, naive, tool),
    }
    common.update_result("load", str(works), entry)
    return entry


def _ratios(ours: dict[str, Any], naive: dict[str, Any], tool: dict[str, Any]) -> dict[str, float | None]:
    def ratio(a: dict[str, Any], b: dict[str, Any]) -> float | None:
        if a.get("authorships_per_s") and b.get("authorships_per_s"):
            return round(a["authorships_per_s"] / b["authorships_per_s"], 2)
        return None

    return {"vs_naive": ratio(ours, naive), "import_tool_vs_ours": ratio(tool, ours)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--works", type=int, action="append", help="corpus size (repeatable); default 100000")
    ap.add_argument("--seed", type=int, default=common.SEED)
    ap.add_argument("--naive-sample", type=int, default=1000, help="works the naive loader is timed on")
    ap.add_argument("--batch-size", type=int, default=None, help="kg load --batch-size (default: its own)")
    ap.add_argument("--no-kg-load", action="store_true", help="only the baselines")
    ap.add_argument("--no-import-tool", action="store_true", help="skip the neo4j-admin import baseline")
    args = ap.parse_args(argv)
    s = common.bench_settings()
    if s.uses_local_db:
        localdb.start(s)
    for n in args.works or [100_000]:
        entry = run(
            s,
            n,
            seed=args.seed,
            naive_sample=args.naive_sample,
            drop_store=s.uses_local_db,
            with_import_tool=not args.no_import_tool,
            with_kg_load=not args.no_kg_load,
            batch_size=args.batch_size,
        )
        common.log(f"load {n:,}: {entry['ratios']} kg_load={entry['kg_load']}")


if __name__ == "__main__":
    main()
