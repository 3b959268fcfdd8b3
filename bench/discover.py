"""Discovery benchmark: wall time and peak memory of `kg coauthors rebuild` and `kg discover` for all researchers.

Next to the command's wall clock, peak RSS (wait4's max RSS: the kg process's VmHWM) and CPU seconds, it keeps the
CPU seconds the bench's own Neo4j spent meanwhile (from /proc/<pid>/stat) and the phase split `kg discover`
prints (read, rank, writers busy, ranking waiting for the writers). `--clear` removes every stored suggestion list
first, so a timed run writes all of them (a re-run with the same suggestions writes nothing)."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import time
from pathlib import Path
from typing import Any

from bench import common, graph1m
from kg import graphdb, localdb
from kg.config import Settings
from kg.paging import keyset_pages


def _available(*args: str, cwd: Path | None = None) -> bool:
    return subprocess.run(common.kg_cmd(*args, "--help"), capture_output=True, cwd=cwd).returncode == 0


def checkout(rev: str) -> Path:
    """A detached work tree of `rev` (made once, under the bench's data dir): `python -m kg.cli` run there imports
    that revision's kg (the current directory comes first on sys.path)."""
    sha = subprocess.run(
        ["git", "rev-parse", "--verify", f"{rev}^{{commit}}"],
        cwd=common.REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    path = common.data_dir() / f"rev-{sha[:12]}"
    if not (path / "kg").is_dir():
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(path), sha],
            cwd=common.REPO_ROOT,
            capture_output=True,
            check=True,
        )
    return path


def phase_split(stdout: str) -> dict[str, float]:
    """The read / rank / writers busy / ranking waited seconds `kg discover` prints (its console wraps lines)."""
    found = re.search(
        r"time: read ([\d.]+)s, rank ([\d.]+)s, writers busy ([\d.]+)s \(summed\), ranking waited for the "
        r"writers ([\d.]+)s",
        " ".join(stdout.split()),
    )
    keys = ("read_s", "rank_s", "write_busy_s", "write_wait_s")
    return dict(zip(keys, map(float, found.groups()), strict=True)) if found else {}


def _cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU seconds of a running process so far (None when it cannot be read)."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _neo4j_pid(s: Settings) -> int | None:
    return localdb.status(s, with_version=False).pid if s.uses_local_db else None


def _measure(s: Settings, *args: str, cwd: Path | None = None) -> dict[str, Any]:
    if not _available(*args, cwd=cwd):
        return {"available": False, "why": f"`kg {' '.join(args)}` is not in this checkout yet"}
    # under /usr/bin/time -v when it is there: its own wall clock and max RSS are kept next to ours (from wait4)
    timer = ["/usr/bin/time", "-v"] if os.access("/usr/bin/time", os.X_OK) else []
    neo4j = _neo4j_pid(s)
    neo4j_cpu = _cpu_seconds(neo4j)
    m = common.run_measured([*timer, *common.kg_cmd(*args)], env=common.kg_env(s), cwd=cwd)
    neo4j_after = _cpu_seconds(neo4j)
    stderr = [
        ln
        for ln in m.stderr.splitlines()
        if not ln.startswith("\t") and not ln.startswith(("Command being timed", "Command exited"))
    ]
    out: dict[str, Any] = {
        "available": m.returncode == 0,
        "command": ("/usr/bin/time -v " if timer else "") + "kg " + " ".join(args),
        "exit_code": m.returncode,
        "seconds": round(m.seconds, 3),
        "peak_rss_mb": round(m.peak_rss_mb, 1),
        "cpu_seconds": round(m.cpu_seconds, 1),
        **(
            {"neo4j_cpu_seconds": round(neo4j_after - neo4j_cpu, 1)}
            if neo4j_cpu is not None and neo4j_after is not None
            else {}
        ),
        # the command's own summary (counts, where the time went), for whoever reads the numbers
        "output_tail": (m.stdout.strip().splitlines() + stderr)[-8:],
    }
    for line in m.stderr.splitlines():
        key, _, value = line.strip().partition(": ")
        if key == "Maximum resident set size (kbytes)":
            out["time_v_max_rss_mb"] = round(int(value) / 1024, 1)
        elif key.startswith("Elapsed (wall clock) time"):
            out["time_v_elapsed"] = value
        elif key in ("User time (seconds)", "System time (seconds)"):
            out["user_s" if key.startswith("User") else "system_s"] = float(value)
    timings = phase_split(m.stdout)
    if timings:
        out["timings"] = timings
    if m.returncode != 0:
        tail = stderr or m.stdout.strip().splitlines()
        out["why"] = tail[-1][:300] if tail else f"exit {m.returncode}"
    return out


def rebuild_coauthors(s: Settings) -> dict[str, Any]:
    return _measure(s, "coauthors", "rebuild")


def clear_suggestions(s: Settings, batch: int = 20000) -> float:
    """Remove every stored suggestion list; returns the seconds it took."""
    t0 = time.perf_counter()
    drv = graphdb.open_driver(s)
    try:
        while int(
            graphdb.run(drv, common.q("delete_suggestions"), {"batch": batch}, write=True, settings=s)[0][
                "deleted"
            ]
        ):
            pass
    finally:
        drv.close()
    return time.perf_counter() - t0


def stored_digests(s: Settings) -> dict[str, int | None]:
    """Every researcher's stored suggestion digest (None: no lists), read in id pages as kg discover reads them."""
    drv = graphdb.open_driver(s)
    try:
        return {
            r["id"]: r["digest"]
            for rows in keyset_pages(drv, "discover/researcher_page", s, 20000, raw=True)
            for r in rows
        }
    finally:
        drv.close()


def compare_digests(s: Settings, path: Path) -> dict[str, Any]:
    """The run's stored digests against those an earlier run left in `path` (written there when it is absent): the
    same digest is the same targets, scores and reasons bytes."""
    now = stored_digests(s)
    if not path.exists():
        path.write_text(json.dumps(now), encoding="utf-8")
        return {"digests_written_to": str(path), "researchers": len(now)}
    before = json.loads(path.read_text(encoding="utf-8"))
    differ = sorted(k for k in now.keys() | before.keys() if now.get(k) != before.get(k))
    return {
        "compared_with": str(path),
        "researchers": len(now),
        "with_lists": sum(v is not None for v in now.values()),
        "differing": len(differ),
        "differing_first": differ[:10],
    }


def run(
    s: Settings,
    works: int,
    coauthors: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    *,
    key: str | None = None,
    clear: bool = False,
    rev: str | None = None,
    digests: Path | None = None,
) -> dict[str, Any]:
    """Time `kg discover` over everyone (COAUTHOR must be built: pass its measurement or it is rebuilt here)."""
    if coauthors is None:
        common.log("discover: kg coauthors rebuild")
        coauthors = rebuild_coauthors(s)
    if clear:
        common.log("discover: removing the stored suggestion lists")
        extra = {**(extra or {}), "cleared_before_s": round(clear_suggestions(s), 1)}
    common.log("discover: kg discover (all researchers)")
    load_before = list(os.getloadavg())
    cwd = checkout(rev) if rev else None
    disc = _measure(s, "discover", cwd=cwd)
    if rev:
        disc["revision"] = rev
    disc["load_average_before"] = load_before
    if digests is not None:
        disc["digests"] = compare_digests(s, digests)
    drv = graphdb.open_driver(s)
    try:
        counts = graphdb.run(drv, common.q("counts"), settings=s)[0]
    finally:
        drv.close()
    entry = {
        "works": works,
        "researchers": counts["researchers"],
        "graph": counts,
        "coauthors_rebuild": coauthors,
        "discover": disc,
        "target_seconds": 600,
        **(extra or {}),
    }
    common.update_result("discover", key or str(works), entry)
    return entry


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "--works", type=int, required=True, help="the corpus size the loaded graph was built from"
    )
    ap.add_argument("--skip-rebuild", action="store_true", help="COAUTHOR is already built")
    ap.add_argument(
        "--graph1m", action="store_true", help="measure the graph built by bench/graph1m.py (its own Neo4j)"
    )
    ap.add_argument("--key", help="the run's key in bench/results/discover.json (default: the corpus size)")
    ap.add_argument("--clear", action="store_true", help="remove every stored suggestion list first")
    ap.add_argument(
        "--digests",
        type=Path,
        help="after the run, compare every stored digest with this file (or write it there)",
    )
    ap.add_argument("--rev", help="time `kg discover` of this git revision (a detached work tree of it)")
    args = ap.parse_args(argv)
    s = graph1m.graph_settings() if args.graph1m else common.bench_settings()
    if s.uses_local_db:
        localdb.start(s)
    co = {"available": False, "why": "skipped"} if args.skip_rebuild else None
    if args.graph1m and args.skip_rebuild:
        # the rebuild bench/graph1m.py measured on this graph
        doc = json.loads((common.results_dir() / "graph.json").read_text(encoding="utf-8"))
        rebuild = doc["runs"].get(f"synth-{args.works}-s{common.SEED}", {}).get("coauthors_rebuild")
        if rebuild:
            co = {**rebuild, "available": rebuild.get("exit_code") == 0}
    entry = run(
        s,
        args.works,
        co,
        {"graph_built_by": "import"} if args.graph1m else None,
        key=args.key,
        clear=args.clear,
        rev=args.rev,
        digests=args.digests,
    )
    common.log(f"discover {args.works:,}: {entry['discover']}")


if __name__ == "__main__":
    main()
