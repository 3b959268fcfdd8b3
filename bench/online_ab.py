"""The write-only path (`kg load` without --bulk into a graph that holds data), before and after, in one run
(issue #15: 100k more works into the 1M graph at >= 10,000 authorships/s).

N synthetic works go in through the bulk path once; the database and the stage are then copied aside, and each
`--more` size is loaded online from that same starting point by each revision in turn (`--before-rev`: an older
commit checked out in a scratch worktree, run with its own code; then this checkout). For each: wall seconds,
loader CPU seconds (user + system, from wait4), Neo4j CPU seconds (the server process's user + system over the
load), the stage timings the loader prints, transaction-log growth, and a fingerprint of the whole graph
(every node and relationship with its properties but updated_at / load_run), which must be equal across revisions.

    python -m bench.online_ab --works 100000 --more 5000,20000 --before-rev main
    python -m bench.online_ab --works 100000 --more 20000 --py-spy   # a flame graph of this checkout's loader

Results go to bench/results/online_ab.json. Needs the bench's own local Neo4j (bench/common.py); it is wiped.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import common
from bench.pipeline import _du, _line, split_bundle
from kg import graphdb, localdb
from kg.config import REPO_ROOT, Settings
from kg.graphdb import catalog
from kg.resolve.tables import NODE_TABLES, REL_TABLES
from kg.synth import SynthParams, generate

VOLATILE = {"updated_at", "load_run"}


def _cpu_of(pid: int | None) -> float:
    """User + system CPU seconds of a running process so far (0 when it is gone)."""
    if not pid:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _db_dirs(s: Settings) -> list[Path]:
    return [s.localdb_home / "data" / sub / s.neo4j_database for sub in ("databases", "transactions")]


def fingerprint(s: Settings, extra_types: tuple[str, ...] = ()) -> dict[str, Any]:
    """Per label and type (the resolved graph's, and `extra_types`): the row count and an order-free digest of every
    row (volatile properties left out)."""
    drv = graphdb.open_driver(s)
    out: dict[str, Any] = {}
    try:
        kinds = [
            ("node", name, catalog.template("bench/fingerprint_nodes", label=name)) for name in NODE_TABLES
        ]
        kinds += [
            ("rel", name, catalog.template("bench/fingerprint_rels", type=name))
            for name in (*REL_TABLES, *extra_types)
        ]
        for kind, name, cypher in kinds:

            def digest(tx: Any, kind: str = kind, cypher: str = cypher) -> tuple[int, int]:
                acc = 0
                n = 0
                for rec in tx.run(cypher):  # streamed: the whole graph never sits in memory
                    props = {k: v for k, v in rec["props"].items() if k not in VOLATILE}
                    head = [rec["id"]] if kind == "node" else [rec["src"], rec["dst"]]
                    text = json.dumps([*head, props], sort_keys=True, default=str)
                    acc = (acc + int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest())) % (
                        1 << 64
                    )
                    n += 1
                return n, acc

            n, acc = graphdb.transaction(drv, digest, settings=s)
            out[name] = [n, f"{acc:016x}"]
    finally:
        drv.close()
    return out


def prepare(s: Settings, work: Path, works: int, mores: list[int], seed: int) -> dict[str, Any]:
    """The corpus split into the first `works` and the next max(mores) (each smaller size a prefix of those), the
    first part bulk-loaded, and the database and stage copied aside."""
    total = works + max(mores)
    corpus = common.data_dir() / f"synth-{total}-s{seed}"
    if not (corpus / "works.csv").exists():
        common.log(f"synth: generating {total} works")
        generate(SynthParams(works=total, seed=seed), corpus)
    first, rest = work / f"first-{works}", work / "rest"
    split = split_bundle(corpus, first, rest, works)
    parts = {}
    for m in mores:
        parts[m] = split_bundle(rest, work / f"more-{m}", work / f"unused-{m}", m)
        shutil.rmtree(work / f"unused-{m}")
    drv = graphdb.open_driver(s)
    common.empty_graph(drv, s, drop_store=True)
    drv.close()
    stage = work / "base-stage.duckdb"
    common.log(f"bulk: kg load --bulk of {works} works")
    from bench.pipeline import kg_load

    bulk = kg_load(s, first, stage, "--bulk")
    localdb.stop(s)
    snap = work / "snapshot"
    for d in _db_dirs(s):
        shutil.copytree(d, snap / d.parent.name)
    return {
        "corpus": {"path": str(corpus), "seed": seed, **split},
        "more": {str(m): p["first_authorships"] for m, p in parts.items()},
        "bulk": {k: bulk[k] for k in ("seconds", "written")},
    }


def restore(s: Settings, work: Path, stage: Path) -> None:
    if localdb.status(s, with_version=False).running:
        localdb.stop(s)
    for d in _db_dirs(s):
        shutil.rmtree(d, ignore_errors=True)
        shutil.copytree(work / "snapshot" / d.parent.name, d)
    shutil.copyfile(work / "base-stage.duckdb", stage)
    localdb.start(s)


def before_checkout(rev: str, work: Path) -> Path:
    path = work / "before-src"
    subprocess.run(["git", "-C", str(REPO_ROOT), "worktree", "add", "--detach", str(path), rev], check=True,
                   capture_output=True)  # fmt: skip
    return path


def online(
    s: Settings,
    work: Path,
    more: int,
    authorships: int,
    src: Path | None,
    py_spy: Path | None,
    trace: Path | None = None,
    env_extra: dict[str, str] | None = None,
    with_fingerprint: bool = True,
) -> dict[str, Any]:
    """One online load of `more` works from the snapshot, by the code in `src` (None: this checkout)."""
    stage = work / "stage.duckdb"
    restore(s, work, stage)
    env = {**common.kg_env(s), "KG_STAGE_PATH": str(stage), **(env_extra or {})}
    cwd = REPO_ROOT
    if src is not None:
        env["PYTHONPATH"] = str(src)  # ahead of the editable install's finder
        cwd = src
    cmd = common.kg_cmd("load", "--no-derived", str(work / f"more-{more}"))
    if trace is not None:  # the loader's log (each write batch's rows and seconds) into a file
        setup = (
            "import logging, sys; logging.basicConfig(filename=sys.argv.pop(1), level=logging.DEBUG, "
            "format='%(relativeCreated)d %(threadName)s %(name)s %(message)s'); "
            "from kg.cli.app import main; main(sys.argv[1:])"
        )
        cmd = [cmd[0], "-c", setup, str(trace), *cmd[3:]]
    if py_spy is not None:
        cmd = ["py-spy", "record", "--subprocesses", "--rate", "50", "-o", str(py_spy), "--", *cmd]
    tx = s.localdb_home / "data" / "transactions" / s.neo4j_database
    tx0 = _du(tx)
    pid = localdb.status(s, with_version=False).pid
    cpu0 = _cpu_of(pid)
    m = common.run_measured(cmd, env=env, cwd=cwd)
    neo_cpu = _cpu_of(pid) - cpu0
    if m.returncode not in (0, 3):
        raise RuntimeError(f"kg load failed ({m.returncode}): {(m.stderr or m.stdout).strip()[-600:]}")
    stages = {k: float(v) for k, v in re.findall(r"(\w+) ([\d.]+)s", _line(m.stdout, "stages: "))}
    out = {
        "seconds": round(m.seconds, 2),
        "loader_cpu_s": round(m.cpu_seconds, 1),
        "neo4j_cpu_s": round(neo_cpu, 1),
        "peak_rss_mb": round(m.peak_rss_mb, 1),
        "authorships_per_s": round(authorships / m.seconds, 1),
        "stages": stages,
        "written": _line(m.stdout, "written: "),
        "tx_log_growth_mb": round((_du(tx) - tx0) / 1e6, 1),
    }
    common.log(f"  {json.dumps(out)}")
    if with_fingerprint:
        out["fingerprint"] = fingerprint(s)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--works", type=int, default=100_000)
    ap.add_argument("--more", default="5000,20000", help="comma-separated sizes of the online loads")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--before-rev", default="", help="git revision to run side by side with this checkout")
    ap.add_argument("--py-spy", action="store_true", help="record a py-spy flame graph of each load (slower)")
    ap.add_argument(
        "--variant",
        action="append",
        default=[],
        help="NAME:VAR=VALUE[,VAR=VALUE]: also load with this checkout and these settings (e.g. s2:KG_WRITE_SESSIONS=2)",
    )
    ap.add_argument("--no-fingerprint", action="store_true", help="skip comparing the graphs (saves minutes)")
    ap.add_argument("--trace", action="store_true", help="keep each load's debug log in bench/results")
    ap.add_argument(
        "--work",
        default="",
        help="a directory to keep the corpus split and the snapshot in, reused when there",
    )
    args = ap.parse_args(argv)
    mores = [int(x) for x in args.more.split(",") if x.strip()]
    s = common.bench_settings()
    if not s.uses_local_db:
        raise SystemExit("bench.online_ab copies the bench's own local Neo4j: unset KG_NEO4J_URI")
    localdb.start(s)
    common.data_dir().mkdir(parents=True, exist_ok=True)
    keep = bool(args.work)
    work = (
        Path(args.work) if keep else Path(tempfile.mkdtemp(prefix="kg-bench-online-", dir=common.data_dir()))
    )
    work.mkdir(parents=True, exist_ok=True)
    work = work.resolve()  # the older revision runs from its own checkout
    result: dict[str, Any] = {"command": "python -m bench.online_ab " + " ".join(argv or sys.argv[1:])}
    before_src: Path | None = None
    try:
        prepared = work / "prepared.json"
        if keep and prepared.exists():
            result.update(json.loads(prepared.read_text(encoding="utf-8")))
        else:
            ready = prepare(s, work, args.works, mores, args.seed)
            prepared.write_text(json.dumps(ready), encoding="utf-8")
            result.update(ready)
        if args.before_rev:
            before_src = before_checkout(args.before_rev, work)
            result["before_rev"] = subprocess.run(
                ["git", "-C", str(before_src), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
            ).stdout.strip()
        result["after_rev"] = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        runs: dict[str, Any] = {}
        for m in mores:
            n = result["more"][str(m)]
            entry: dict[str, Any] = {}
            plans: list[tuple[str, Path | None, dict[str, str]]] = []
            if before_src is not None:
                plans.append(("before", before_src, {}))
            plans.append(("after", None, {}))
            for v in args.variant:
                vname, _, assigns = v.partition(":")
                plans.append((vname, None, dict(a.split("=", 1) for a in assigns.split(",") if a)))
            for name, src, env_extra in plans:
                common.log(f"online: {m} more works ({n} authorships), {name} {env_extra or ''}")
                spy = common.results_dir() / f"online-{args.works}-{m}-{name}.svg" if args.py_spy else None
                log = common.results_dir() / f"online-{args.works}-{m}-{name}.log" if args.trace else None
                entry[name] = online(s, work, m, n, src, spy, log, env_extra, not args.no_fingerprint)
                entry[name]["env"] = env_extra
            if not args.no_fingerprint:
                prints = {name: entry[name]["fingerprint"] for name, _, _ in plans}
                entry["same_graph"] = all(fp == prints["after"] for fp in prints.values())
            if "before" in entry:
                entry["speedup"] = round(entry["before"]["seconds"] / entry["after"]["seconds"], 2)
                entry["loader_cpu_ratio"] = round(
                    entry["before"]["loader_cpu_s"] / entry["after"]["loader_cpu_s"], 2
                )
                entry["neo4j_cpu_ratio"] = round(
                    entry["before"]["neo4j_cpu_s"] / entry["after"]["neo4j_cpu_s"], 2
                )
            runs[str(m)] = entry
        result["runs"] = runs
        print(json.dumps(result, indent=2))
    finally:
        if before_src is not None:
            subprocess.run(["git", "-C", str(REPO_ROOT), "worktree", "remove", "--force", str(before_src)],
                           capture_output=True)  # fmt: skip
        localdb.stop(s)
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    result["machine"] = common.machine()
    path = common.results_dir() / "online_ab.json"
    old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    old[f"synth_{args.works}"] = result
    path.write_text(json.dumps(old, indent=2) + "\n", encoding="utf-8")
    print(f"written {path}")


if __name__ == "__main__":
    main()
