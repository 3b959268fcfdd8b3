"""Topic assignment in the load's derive step, its input read from the graph vs from the stage (issue #15 item 4).

A `kg synth --works N` bundle is bulk-loaded without derived data; then every work is assigned, alternating the
graph read (`topics/works_to_assign`) and the stage read (kg.derive.topic_input) on that same graph: wall seconds,
this process's CPU seconds (the model, the reads' client side, DuckDB), the Neo4j server's CPU seconds (from
/proc/<pid>/stat), and a digest of what each run wrote (topics, scores, methods, evidence, keyphrases), which must
be the same for both reads; then every researcher's topic profile (WORKS_ON), by the Cypher aggregation or from
the stage (kg.derive.topic_profiles), timed the same way and compared the same way. `--sourced F`: the first F of the works also come as OpenAlex records with a source
topic, so the other works have topic context (their authors' other works) to read.

    python -m bench.topics_derive --works 50000 [--sourced 0.5] [--rounds 2]

Results go to bench/results/topics_derive.json. Needs the bench's own local Neo4j (see bench/common.py); it is
wiped.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import common
from bench.pipeline import kg_load
from kg import graphdb, localdb, topics
from kg.config import Settings
from kg.derive import topic_input, topic_profiles
from kg.derive.topic_input import StageTopicInput
from kg.stage.store import StageStore
from kg.synth import SynthParams, generate


def bundle_for(works: int, sourced: float) -> Path:
    """The synthetic bundle (CSV), with the first `sourced` share of works.jsonl beside it when asked."""
    out = common.data_dir() / f"synth-topics-{works}-{sourced:g}"
    if not (out / "works.csv").exists():
        generate(SynthParams(works=works, seed=0, openalex=sourced > 0), out)
        full = out / "works.jsonl"
        if full.exists():
            keep = int(works * sourced)
            with (
                full.open(encoding="utf-8") as src,
                (out / "sourced.jsonl").open("w", encoding="utf-8") as dst,
            ):
                dst.writelines(itertools.islice(src, keep))
            full.unlink()
    return out


def server_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def written_digest(drv: Any, s: Settings) -> tuple[str, int]:
    rows = graphdb.run(drv, common.q("assigned_topics"), {"source": topics.SOURCE_METHOD}, settings=s)
    h = hashlib.sha256()
    n = 0
    for r in rows:
        h.update(json.dumps(r, sort_keys=True, default=str).encode())
        n += len(r["topics"])
    return h.hexdigest()[:16], n


def one_run(drv: Any, s: Settings, st: StageStore, ids: Sequence[str], mode: str, pid: int) -> dict[str, Any]:
    read_s = [0.0, 0.0]  # wall, client CPU of the reads

    t0, c0, n0 = time.perf_counter(), time.process_time(), server_cpu(pid)
    reader = None
    if mode == "stage":
        topics.ensure_topic_nodes(drv, settings=s)
        reader = StageTopicInput(st.con, topics.scheme_topic_levels(drv, settings=s), topics.CONTEXT_LIMIT)
        base = reader.rows
    else:

        def base(batch: Sequence[str]) -> list[dict[str, Any]]:
            return topics.graph_read_rows(drv, batch, settings=s)

    def timed(batch: Sequence[str]) -> list[dict[str, Any]]:
        a, b = time.perf_counter(), time.process_time()
        out = base(batch)
        read_s[0] += time.perf_counter() - a
        read_s[1] += time.process_time() - b
        return out

    try:
        assigned = topics.assign_for_works(
            drv,
            ids,
            settings=s,
            read_rows=timed,
            on_written=lambda rows: topic_profiles.record_assigned(st.con, rows),
        )
    finally:
        if reader is not None:
            reader.close()
    wall, cpu, neo = time.perf_counter() - t0, time.process_time() - c0, server_cpu(pid) - n0
    digest, edges = written_digest(drv, s)
    profiles = profile_run(drv, s, st, mode, pid)
    return {
        "mode": mode,
        "seconds": round(wall, 2),
        "client_cpu_seconds": round(cpu, 2),
        "neo4j_cpu_seconds": round(neo, 2),
        "profiles": profiles,
        "derive_seconds": round(wall + profiles["seconds"], 2),
        "derive_neo4j_cpu_seconds": round(neo + profiles["neo4j_cpu_seconds"], 2),
        "derive_client_cpu_seconds": round(cpu + profiles["client_cpu_seconds"], 2),
        "read_seconds": round(read_s[0], 2),
        "read_client_cpu_seconds": round(read_s[1], 2),
        "works": len(ids),
        "assigned": assigned,
        "edges": edges,
        "digest": digest,
    }


def profile_run(drv: Any, s: Settings, st: StageStore, mode: str, pid: int) -> dict[str, Any]:
    """Every researcher's WORKS_ON: the Cypher aggregation (graph) or the stage's SQL + Python and a write-only
    statement (stage), after an assignment run of the same mode recorded its topics."""
    ids = [r[0] for r in st.con.execute("SELECT id FROM researcher ORDER BY id").fetchall()]
    t0, c0, n0 = time.perf_counter(), time.process_time(), server_cpu(pid)
    if mode == "stage":
        ok = topic_profiles.recorded_matches_graph(st.con, *topics.assigned_totals(drv, settings=s))
        if not ok:
            raise SystemExit("the stage's record of the assigned topics does not match the graph")
        topic_input.load_levels(st.con, topics.scheme_topic_levels(drv, settings=s))
        try:
            rows = topic_profiles.profile_rows(st.con, ids)
        finally:
            topic_input.drop_levels(st.con)
        n = topics.write_profiles(drv, rows, settings=s)
    else:
        n = topics.refresh_researcher_topics(drv, ids, settings=s)
    wall, cpu, neo = time.perf_counter() - t0, time.process_time() - c0, server_cpu(pid) - n0
    rows_on = graphdb.run(drv, common.q("works_on_all"), settings=s)
    h = hashlib.sha256(json.dumps(rows_on, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return {
        "seconds": round(wall, 2),
        "client_cpu_seconds": round(cpu, 2),
        "neo4j_cpu_seconds": round(neo, 2),
        "researchers": len(ids),
        "profiles": n,
        "edges": len(rows_on),
        "digest": h,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--works", type=int, default=50_000)
    ap.add_argument("--sourced", type=float, default=0.0, help="share of works that also have a source topic")
    ap.add_argument("--rounds", type=int, default=2, help="graph/stage pairs after the warm-up run")
    args = ap.parse_args(argv)
    s = common.bench_settings()
    if s.uses_local_db and not localdb.status(s, with_version=False).running:
        localdb.start(s)
    bundle = bundle_for(args.works, args.sourced)
    stage = common.data_dir() / f"topics-derive-{args.works}.duckdb"
    stage.unlink(missing_ok=True)
    drv = graphdb.open_driver(s)
    common.empty_graph(drv, s, drop_store=True)
    drv.close()
    common.log(f"bulk load of {bundle} (no derived data)")
    load = kg_load(s, bundle, stage, "--bulk")
    drv = graphdb.open_driver(s)
    st = StageStore(stage)
    runs = []
    try:
        ids = [r[0] for r in st.con.execute("SELECT id FROM work ORDER BY id").fetchall()]
        pid = localdb.status(s, with_version=False).pid
        if pid is None:
            raise SystemExit("the bench Neo4j must be the local one (its server CPU is read from /proc)")
        for mode in ["graph", *(["stage", "graph"] * args.rounds)]:
            common.log(f"assign {len(ids)} works, input from the {mode}")
            runs.append(one_run(drv, s, st, ids, mode, pid))
            common.log(json.dumps(runs[-1]))
    finally:
        st.close()
        drv.close()
    measured = runs[1:]  # the warm-up run writes into a graph with no assigned topics yet, on cold caches
    by_mode = {m: [r for r in measured if r["mode"] == m] for m in ("graph", "stage")}
    entry = {
        "command": " ".join(["python -m bench.topics_derive", *sys.argv[1:]]),
        "load_seconds": load["seconds"],
        "warm_up": runs[0],
        "runs": measured,
        "same_result": len({r["digest"] for r in runs}) == 1
        and len({r["profiles"]["digest"] for r in runs}) == 1,
        "median": {
            m: {
                k: sorted(r[k] for r in rs)[len(rs) // 2]
                for k in (
                    "seconds",
                    "client_cpu_seconds",
                    "neo4j_cpu_seconds",
                    "derive_seconds",
                    "derive_client_cpu_seconds",
                    "derive_neo4j_cpu_seconds",
                )
            }
            for m, rs in by_mode.items()
            if rs
        },
    }
    path = common.update_result("topics_derive", f"{args.works}-{args.sourced:g}", entry)
    common.log(f"results in {path}")
    print(json.dumps(entry, indent=2))
    shutil.rmtree(common.data_dir() / "kg-bulk", ignore_errors=True)


if __name__ == "__main__":
    main()
