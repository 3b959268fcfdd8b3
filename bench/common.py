"""What every benchmark shares: the bench Neo4j, machine info, measured subprocesses (wall time, peak RSS), results."""

from __future__ import annotations

import json
import logging
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from neo4j import Driver

from kg import graphdb, localdb
from kg.config import REPO_ROOT, Settings
from kg.graphdb import catalog

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_RESULTS = BENCH_DIR / "results"
DEFAULT_DATA = BENCH_DIR / "data"
SEED = 42

# Pasted into the child scripts that time a load's steps (bench.resolve_ab, bench.graph_incremental; they run another
# tree's kg, so they cannot import this module): `progress` is the resolve's on_progress, `mark(name)` starts a step
# by hand (None ends the last), `steps` collects {step: {"wall", "cpu"}} of the child process (DuckDB's threads too).
# The script imports resource and time.
CHILD_STEP_TIMER = """
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime

steps, current = {}, [None, 0.0, 0.0]

def mark(name):
    now, c = time.monotonic(), cpu()
    if current[0] is not None:
        steps[current[0]] = {"wall": round(now - current[1], 2), "cpu": round(c - current[2], 2)}
    current[:] = [name, now, c]

def progress(name, done, total):
    if name != current[0]:
        mark(name)
"""

# Cypher notifications ("relationship type does not exist" on an empty graph) are noise in benchmark logs.
logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)


def results_dir() -> Path:
    return Path(os.environ.get("KG_BENCH_RESULTS", str(DEFAULT_RESULTS)))


def data_dir() -> Path:
    return Path(os.environ.get("KG_BENCH_DATA", str(DEFAULT_DATA)))


def bench_settings() -> Settings:
    """The Neo4j the benchmarks wipe and load: KG_NEO4J_URI when set, else a local Neo4j of their own
    (KG_BENCH_HOME, KG_BENCH_BOLT_PORT, KG_BENCH_HTTP_PORT) so no developer's graph is ever touched."""
    if os.environ.get("KG_NEO4J_URI"):
        return Settings()
    env = os.environ
    return Settings(
        neo4j_uri=None,
        localdb_home=Path(env.get("KG_BENCH_HOME", str(REPO_ROOT / ".kg" / "neo4j-bench"))),
        bolt_port=int(env.get("KG_BENCH_BOLT_PORT", "17719")),
        http_port=int(env.get("KG_BENCH_HTTP_PORT", "17819")),
        heap_initial=env.get("KG_BENCH_HEAP", "2g"),
        heap_max=env.get("KG_BENCH_HEAP", "2g"),
        pagecache=env.get("KG_BENCH_PAGECACHE", "3g"),
    )


def kg_env(s: Settings) -> dict[str, str]:
    """Environment for `kg …` subprocesses so they talk to the bench Neo4j."""
    env = dict(os.environ)
    env.update(
        {
            "KG_NEO4J_URI": s.uri,
            "KG_NEO4J_USER": s.neo4j_user,
            "KG_NEO4J_PASSWORD": s.neo4j_password.get_secret_value(),
            "KG_NEO4J_DATABASE": s.neo4j_database,
        }
    )
    return env


def q(name: str) -> str:
    return catalog.query(f"bench/{name}")


def scratch_settings(home: Path, bolt_port: int) -> Settings:
    """A small local Neo4j of its own for start/stop benches: its home, Bolt on bolt_port and HTTP on the next."""
    return Settings(
        neo4j_uri=None,
        localdb_home=home,
        bolt_port=bolt_port,
        http_port=bolt_port + 1,
        heap_initial="512m",
        heap_max="1g",
        pagecache="256m",
    )


def empty_graph(drv: Driver, s: Settings, *, drop_store: bool = False) -> None:
    """An empty graph with the schema. With drop_store (only for the bench's own local Neo4j) the store files are
    removed and Neo4j restarted, seconds at any size; otherwise the nodes are deleted in batches."""
    own_local = s.uses_local_db and s.localdb_home.resolve() != (REPO_ROOT / ".kg" / "neo4j").resolve()
    if drop_store and own_local and localdb.status(s, with_version=False).running:
        drv.close()
        localdb.stop(s)
        for sub in ("databases", "transactions"):
            shutil.rmtree(s.localdb_home / "data" / sub / s.neo4j_database, ignore_errors=True)
        localdb.start(s)
        drv2 = graphdb.open_driver(s)
        try:
            graphdb.apply_schema(drv2, s)
        finally:
            drv2.close()
        return
    graphdb.run(drv, q("wipe"), write=True, settings=s)
    if not graphdb.run(drv, q("has_schema"), settings=s):
        graphdb.apply_schema(drv, s)


def machine() -> dict[str, Any]:
    """What the numbers were measured on (and with what else running: the load average)."""
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    java = shutil.which("java")
    java_v = ""
    if java:
        out = subprocess.run([java, "-version"], capture_output=True, text=True)
        java_v = (out.stderr or out.stdout).splitlines()[0] if (out.stderr or out.stdout) else ""
    return {
        "host": platform.node(),
        "os": f"{platform.system()} {platform.release()}",
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": sys.version.split()[0],
        "java": java_v,
        "neo4j": "5.26 Community (local jars)",
        "load_average": list(os.getloadavg()),
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def update_result(name: str, key: str, entry: dict[str, Any], extra: dict[str, Any] | None = None) -> Path:
    """Merge one run (keyed, e.g. by corpus size) into bench/results/<name>.json, keeping the other runs."""
    out = results_dir()
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.json"
    doc: dict[str, Any] = {}
    if path.exists():
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            doc = {}
    doc["benchmark"] = name
    runs = doc.setdefault("runs", {})
    # said, not silent: a rerun under the same key replaces figures BENCHMARKS.md may cite
    if key in runs:
        log(f"{path.name}: the earlier run under {key!r} is replaced (a bench with --key can keep both)")
    runs[key] = {**entry, "machine": machine()}
    if extra:
        doc.update(extra)
    path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


@dataclass
class Measured:
    seconds: float
    peak_rss_mb: float  # the largest single process of the tree that was reaped (wait4's ru_maxrss)
    returncode: int
    stdout: str
    stderr: str
    cpu_seconds: float = 0.0  # user + system of the command and every descendant it reaped
    memory: dict[str, Any] | None = (
        None  # with sample_every: bench.tree_memory's report (per process, per stage)
    )


def run_measured(
    cmd: Sequence[str],
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    *,
    sample_every: float | None = None,
) -> Measured:
    """Run a command; its wall time, CPU time and peak resident memory (the kernel's max RSS of the child and the
    descendants it reaped, from wait4). With `sample_every`, the process tree is also sampled that often
    (bench.tree_memory): the command's own peak apart from its children's, per step it prints on stderr."""
    from bench.tree_memory import LastStep, TreeSampler

    # own temporary files: several benchmarks (or engineers) may run at once, and a shared name lost the output
    results_dir().mkdir(parents=True, exist_ok=True)
    with (
        tempfile.NamedTemporaryFile(dir=results_dir(), prefix=".stdout-", delete=False) as out,
        tempfile.NamedTemporaryFile(dir=results_dir(), prefix=".stderr-", delete=False) as err,
    ):
        out_path, err_path = Path(out.name), Path(err.name)
        t0 = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdout=out, stderr=err, env=env, cwd=cwd or REPO_ROOT)
        sampler = TreeSampler(proc.pid, sample_every, LastStep(err_path)).start() if sample_every else None
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            if sampler is not None:
                sampler.stop()
        seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    stdout = out_path.read_text(encoding="utf-8", errors="replace")
    stderr = err_path.read_text(encoding="utf-8", errors="replace")
    out_path.unlink(missing_ok=True)
    err_path.unlink(missing_ok=True)
    # ru_maxrss is in kilobytes on Linux
    return Measured(
        seconds,
        usage.ru_maxrss / 1024,
        proc.returncode,
        stdout,
        stderr,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        memory=sampler.report() if sampler is not None else None,
    )


def import_command(lib: Path, csv_dir: Path, report: Path, database: str, heap: str) -> list[str]:
    """`neo4j-admin database import full` from the jars in `lib` over the CSV files the benchmarks write
    (works, researchers, institutions, authored, affiliated), run as a plain java command."""
    return [
        shutil.which("java") or "java",
        "-Xms1g",
        f"-Xmx{heap}",
        "-cp",
        f"{lib.resolve()}/*",
        localdb.ADMIN_TOOL,
        "database",
        "import",
        "full",
        f"--nodes=Work={csv_dir / 'works.csv'}",
        f"--nodes=Researcher={csv_dir / 'researchers.csv'}",
        f"--nodes=Institution={csv_dir / 'institutions.csv'}",
        f"--relationships=AUTHORED={csv_dir / 'authored.csv'}",
        f"--relationships=AFFILIATED_WITH={csv_dir / 'affiliated.csv'}",
        "--overwrite-destination=true",
        f"--report-file={report}",
        database,
    ]


def percentiles(values: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/max/mean in milliseconds (nearest-rank percentiles) of seconds."""
    if not values:
        return {"n": 0}
    v = sorted(values)

    def rank(p: float) -> float:
        return v[max(0, min(len(v) - 1, math.ceil(p / 100 * len(v)) - 1))] * 1000

    return {
        "n": len(v),
        "p50_ms": round(rank(50), 2),
        "p95_ms": round(rank(95), 2),
        "p99_ms": round(rank(99), 2),
        "max_ms": round(v[-1] * 1000, 2),
        "mean_ms": round(statistics.fmean(v) * 1000, 2),
    }


def kg_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "kg.cli", *args]


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)
