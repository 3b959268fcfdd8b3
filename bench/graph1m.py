"""The large benchmark graph: a `kg synth` bundle imported with neo4j-admin into a Neo4j home kg.localdb starts.

`kg load` (the identity-resolving loader) cannot load 1M works in a benchmark window, so this builds the graph the
way bench/load.py's import-tool baseline does, but with the properties `kg load` would have set and the API and
discovery read, computed in Python with the same kg.normalize functions and written into the import CSVs:

- Work {id (doi > arXiv > OpenAlex, as the graph model says), title, title_key, abstract, year, venue, doi, arxiv_id,
  openalex_id, author_count, authors_truncated, type, sources, load_run}
- Researcher {id "csv:<author_id>" (what `kg load` resolves a CSV bundle's author to: identity is GIVEN by the
  synthetic author_id here, not resolved), name (the most frequent full spelling), name_key, block_key, aliases,
  affiliation_status, sources, load_run}
- Institution {id, name, openalex_id, sources, load_run}; AUTHORED {position, raw_name, source, confidence};
  AFFILIATED_WITH {years, source, raw_affiliation}

then starts that Neo4j (kg.localdb), applies cypher/schema.cypher, sets `updated_at` and the LoadRun node with
batched Cypher (cypher/bench/graph_*.cypher, CALL … IN TRANSACTIONS), and runs `kg coauthors rebuild` in its own
process (wall time and peak RSS measured). The synthetic CSV bundle carries no topics, so the graph has none
(no HAS_TOPIC, no WORKS_ON): discovery's topic part is empty on it.

    python -m bench.graph1m [--works 1000000] [--seed 42] [--skip-import] [--skip-rebuild]

Neo4j: KG_BENCH1M_HOME (default .kg/neo4j-bench1m), Bolt KG_BENCH1M_BOLT_PORT (18720), HTTP KG_BENCH1M_HTTP_PORT
(18820), heap KG_BENCH1M_HEAP (3g), page cache KG_BENCH1M_PAGECACHE (5g). The home is REPLACED by an import.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench import common
from bench.bundle import ensure_bundle, institution_node_id, iter_works, work_node_id
from kg import graphdb, localdb
from kg.config import REPO_ROOT, Settings
from kg.normalize import block_key, name_key, normalize_arxiv, normalize_doi, normalize_openalex, title_key

SOURCE = "csv"
YEAR0 = 1900  # affiliation years are kept as a bit set over years since YEAR0 while the bundle streams


def graph_settings() -> Settings:
    """The ONE Neo4j the large runs use (its own home and ports, never a developer's or a test's)."""
    env = os.environ
    heap = env.get("KG_BENCH1M_HEAP", "3g")
    return Settings(
        neo4j_uri=None,
        localdb_home=Path(env.get("KG_BENCH1M_HOME", str(REPO_ROOT / ".kg" / "neo4j-bench1m"))),
        bolt_port=int(env.get("KG_BENCH1M_BOLT_PORT", "18720")),
        http_port=int(env.get("KG_BENCH1M_HTTP_PORT", "18820")),
        heap_initial=heap,
        heap_max=heap,
        pagecache=env.get("KG_BENCH1M_PAGECACHE", "5g"),
    )


def researcher_id(author_id: str) -> str:
    """What `kg load` makes of a CSV bundle's author: the source's own id, scoped to it (kg.identity)."""
    return f"csv:{author_id}"


def _is_full(name: str) -> bool:
    """A spelling with a full given name ('Valentina Smith'), not 'V. Smith' or 'Smith, Valentina'."""
    first = name.split(" ", 1)[0]
    return "," not in name and not first.endswith(".") and len(first) > 1


def prepare_csvs(bundle: Path, out: Path, run_id: str) -> dict[str, int]:
    """Node and relationship CSVs for the import tool, streamed from the bundle (people, institutions and
    affiliations de-duplicated in memory: the tool counts a repeated id as a bad entry)."""
    out.mkdir(parents=True, exist_ok=True)
    n = {"works": 0, "authorships": 0, "researchers": 0, "institutions": 0, "affiliations": 0}
    spellings: dict[str, Counter[str]] = {}
    institutions: dict[str, str] = {}
    affil: dict[tuple[str, str], list[Any]] = {}  # (rid, iid) → [years bit set, first raw name]
    with (
        (out / "works.csv").open("w", encoding="utf-8", newline="") as wf,
        (out / "authored.csv").open("w", encoding="utf-8", newline="") as af,
    ):
        ww, aw = csv.writer(wf, lineterminator="\n"), csv.writer(af, lineterminator="\n")
        ww.writerow(
            ["id:ID(Work)", "title", "title_key", "abstract", "year:int", "venue", "doi", "arxiv_id",
             "openalex_id", "type", "author_count:int", "authors_truncated:boolean", "sources:string[]",
             "load_run"]
        )  # fmt: skip
        aw.writerow(
            [
                ":START_ID(Researcher)",
                ":END_ID(Work)",
                "position:int",
                "raw_name",
                "source",
                "confidence:float",
            ]
        )
        for work, authors in iter_works(bundle):
            wid = work_node_id(work)
            year = int(work["year"]) if work["year"] else None
            ww.writerow(
                [wid, work["title"], title_key(work["title"]), work["abstract"], year if year is not None else "",
                 work["venue"], normalize_doi(work["doi"]) or "", normalize_arxiv(work["arxiv_id"]) or "",
                 normalize_openalex(work["work_id"], "W") or "", "article", len(authors), "false", SOURCE, run_id]
            )  # fmt: skip
            n["works"] += 1
            for a in authors:
                rid = researcher_id(a["author_id"])
                name = a["author_name"].strip()
                spellings.setdefault(rid, Counter())[name] += 1
                aw.writerow([rid, wid, a["position"], name, SOURCE, 1.0])
                n["authorships"] += 1
                if a["institution_id"]:
                    iid = institution_node_id(a["institution_id"])
                    institutions.setdefault(iid, a["institution_name"])
                    slot = affil.get((rid, iid))
                    if slot is None:
                        slot = affil[(rid, iid)] = [0, a["institution_name"]]
                    if year is not None and year >= YEAR0:
                        slot[0] |= 1 << (year - YEAR0)
    affiliated: set[str] = set()
    with (out / "affiliated.csv").open("w", encoding="utf-8", newline="") as ff:
        fw = csv.writer(ff, lineterminator="\n")
        fw.writerow(
            [":START_ID(Researcher)", ":END_ID(Institution)", "years:int[]", "source", "raw_affiliation"]
        )
        for (rid, iid), (bits, raw) in affil.items():
            years = [YEAR0 + i for i in range(bits.bit_length()) if bits >> i & 1]
            fw.writerow([rid, iid, ";".join(map(str, years)), SOURCE, raw])
            affiliated.add(rid)
            n["affiliations"] += 1
    del affil
    with (out / "researchers.csv").open("w", encoding="utf-8", newline="") as rf:
        rw = csv.writer(rf, lineterminator="\n")
        rw.writerow(
            ["id:ID(Researcher)", "name", "name_key", "block_key", "aliases:string[]", "affiliation_status",
             "identity_method", "sources:string[]", "load_run"]
        )  # fmt: skip
        for rid, names in spellings.items():
            # the display name: the most frequent full spelling (ties by the text), as a cluster's name would be
            ranked = sorted(names.items(), key=lambda kv: (not _is_full(kv[0]), -kv[1], kv[0]))
            name = ranked[0][0]
            aliases = sorted(x for x in names if x != name)
            rw.writerow(
                [rid, name, name_key(name), block_key(name), ";".join(aliases),
                 "known" if rid in affiliated else "unknown", "source_id", SOURCE, run_id]
            )  # fmt: skip
            n["researchers"] += 1
    with (out / "institutions.csv").open("w", encoding="utf-8", newline="") as inf:
        iw = csv.writer(inf, lineterminator="\n")
        iw.writerow(["id:ID(Institution)", "name", "openalex_id", "sources:string[]", "load_run"])
        for iid, name in institutions.items():
            iw.writerow(
                [
                    iid,
                    name,
                    iid.removeprefix("openalex:") if iid.startswith("openalex:") else "",
                    SOURCE,
                    run_id,
                ]
            )
            n["institutions"] += 1
    return n


def import_csvs(s: Settings, csv_dir: Path) -> dict[str, Any]:
    """`neo4j-admin database import full` into the (emptied) home's default database."""
    home = s.localdb_home
    if localdb.status(s, with_version=False).running:
        localdb.stop(s)
    shutil.rmtree(home, ignore_errors=True)
    conf = home / "run" / "import-conf"
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "neo4j.conf").write_text("", encoding="utf-8")
    lib = s.localdb_jars / "lib"
    cmd = common.import_command(lib, csv_dir, home / "run" / "import.report", s.neo4j_database, "3g")
    env = {**os.environ, "NEO4J_HOME": str(home.resolve()), "NEO4J_CONF": str(conf.resolve())}
    m = common.run_measured(cmd, env=env, cwd=home)
    if m.returncode != 0:
        tail = (m.stderr or m.stdout).strip().splitlines()
        raise RuntimeError(f"neo4j-admin import failed: {tail[-1] if tail else m.returncode}")
    return {"seconds": round(m.seconds, 2), "peak_rss_mb": round(m.peak_rss_mb, 1)}


def finish_graph(s: Settings, run_id: str, counts: dict[str, int]) -> dict[str, Any]:
    """Start the imported store, apply the schema (waits for the indexes), stamp provenance in batches."""
    t0 = time.perf_counter()
    localdb.start(s)
    drv = graphdb.open_driver(s)
    try:
        started = time.perf_counter()
        graphdb.apply_schema(drv, s)
        graphdb.run(drv, graphdb.catalog.query("db/await_indexes"), {"seconds": 3600}, settings=s)
        schema_s = time.perf_counter() - started
        started = time.perf_counter()
        graphdb.run(drv, common.q("graph_updated_at"), {"batch": 50000}, write=True, settings=s)
        graphdb.run(
            drv,
            common.q("graph_loadrun"),
            {"id": run_id, "counts": list(counts.items())},
            write=True,
            settings=s,
        )
        stamp_s = time.perf_counter() - started
        graph = graphdb.run(drv, common.q("counts"), settings=s)[0]
    finally:
        drv.close()
    return {
        "start_schema_seconds": round(schema_s, 2),
        "provenance_seconds": round(stamp_s, 2),
        "seconds": round(time.perf_counter() - t0, 2),
        "graph": graph,
    }


def rebuild_coauthors(s: Settings, batch_size: int | None = None) -> dict[str, Any]:
    """`kg coauthors rebuild` in its own process: wall time, peak RSS, and the load average around it."""
    extra = ["--batch-size", str(batch_size)] if batch_size else []
    before = list(os.getloadavg())
    m = common.run_measured(common.kg_cmd("coauthors", "rebuild", *extra), env=common.kg_env(s))
    out: dict[str, Any] = {
        "available": m.returncode == 0,
        "command": " ".join(["kg coauthors rebuild", *extra]),
        "exit_code": m.returncode,
        "seconds": round(m.seconds, 2),
        "peak_rss_mb": round(m.peak_rss_mb, 1),
        "load_average_before": before,
        "load_average_after": list(os.getloadavg()),
        "output_tail": (m.stdout + m.stderr).strip().splitlines()[-4:],
    }
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--works", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=common.SEED)
    ap.add_argument("--skip-import", action="store_true", help="the home already holds the imported graph")
    ap.add_argument("--skip-rebuild", action="store_true", help="do not run kg coauthors rebuild")
    ap.add_argument("--rebuild-batch-size", type=int, default=None, help="kg coauthors rebuild --batch-size")
    args = ap.parse_args(argv)
    s = graph_settings()
    bundle = common.data_dir() / f"synth-{args.works}-s{args.seed}"
    manifest = ensure_bundle(bundle, args.works, args.seed)
    key = f"synth-{args.works}-s{args.seed}"
    run_id = f"bench-import-{key}"
    entry: dict[str, Any] = {
        "works": manifest["stats"]["works"],
        "bundle": bundle.name,
        "neo4j_home": str(s.localdb_home),
    }
    if not args.skip_import:
        csv_dir = common.data_dir() / f"graph-csv-{key}"
        common.log(f"graph: preparing import CSVs from {bundle}")
        t0 = time.perf_counter()
        counts = prepare_csvs(bundle, csv_dir, run_id)
        entry["prepare"] = {
            "seconds": round(time.perf_counter() - t0, 2),
            "counts": counts,
            "load_average": list(os.getloadavg()),
        }
        common.log(f"graph: neo4j-admin import into {s.localdb_home} ({counts})")
        entry["import"] = {**import_csvs(s, csv_dir), "load_average": list(os.getloadavg())}
        shutil.rmtree(csv_dir, ignore_errors=True)
        common.log("graph: start, schema, provenance")
        entry["finish"] = finish_graph(s, run_id, counts)
    else:
        # keep what the import run recorded (prepare, import, schema timings); this run adds the rebuild
        previous = common.results_dir() / "graph.json"
        if previous.exists():
            entry = {**json.loads(previous.read_text(encoding="utf-8")).get("runs", {}).get(key, {}), **entry}
            entry.pop("machine", None)
        localdb.start(s)
    if not args.skip_rebuild:
        common.log("graph: kg coauthors rebuild")
        entry["coauthors_rebuild"] = rebuild_coauthors(s, args.rebuild_batch_size)
        common.log(f"graph: {entry['coauthors_rebuild']}")
    drv = graphdb.open_driver(s)
    try:
        entry["graph"] = graphdb.run(drv, common.q("counts"), settings=s)[0]
    finally:
        drv.close()
    entry["how"] = (
        "neo4j-admin import of the kg synth bundle with the properties kg load sets (identity given by the "
        "synthetic author_id → csv:<author_id>, not resolved by kg load); no topics (the bundle has none)"
    )
    common.update_result("graph", key, entry)
    common.log(f"graph {key}: {entry['graph']}")


if __name__ == "__main__":
    main()
