"""The import tool with and without its optimising compiler (C2), on the CSVs of one resolved stage.

`kg.write.bulk.import_command` runs `neo4j-admin database import full` C1-only (`-XX:TieredStopAtLevel=1`) below
`C1_ONLY_BELOW_BYTES` of CSV: on 2 cores a small import ends before C2's compiled code pays for the compiling. This
measures where that holds: it exports the CSVs of a stage that has been loaded (`kg load --bulk` leaves one), then
imports them into a scratch home `--repeats` times per side, alternated: "tiered" (the JVM's default) and "c1"
(C1 only), both with the same class data sharing as a load (kg.cds). The import's own phases come from its output.

    python -m bench.import_jit --stage .kg/stage.duckdb --repeats 3

Results go to bench/results/import_jit.json under the CSVs' size (medians of each side and their ratio).
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import common
from kg import cds, localdb
from kg.config import Settings
from kg.stage.store import StageStore
from kg.write import bulk

C1 = "-XX:TieredStopAtLevel=1"


def import_once(s: Settings, report: bulk.BulkReport, *, c1: bool) -> dict[str, Any]:
    """One import of the exported CSVs into the scratch home's database, C1-only or tiered."""
    share = localdb.class_sharing(s, cds.IMPORT)
    cmd = [a for a in bulk.import_command(s, report, s.localdb_home / "import.log", share.flags) if a != C1]
    if c1:
        cmd.insert(1, C1)
    env = bulk.import_env(s)
    t = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=s.localdb_home)
    seconds = time.monotonic() - t
    if proc.returncode != 0:
        raise RuntimeError(f"import failed: {(proc.stdout + proc.stderr)[-400:]}")
    localdb.keep_recording(s, share)
    phases = dict(re.findall(r"^(\w[\w ]*?) COMPLETED in (.+)$", proc.stdout, re.MULTILINE))
    return {"seconds": round(seconds, 2), "phases": phases}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stage", type=Path, required=True, help="a stage store with a resolved graph")
    ap.add_argument("--repeats", type=int, default=3, help="imports per side (alternated)")
    args = ap.parse_args(argv)
    runs: dict[str, list[dict[str, Any]]] = {"tiered": [], "c1": []}
    with tempfile.TemporaryDirectory(dir=common.data_dir()) as d:
        s = Settings(neo4j_uri=None, localdb_home=Path(d) / "neo4j")
        csv = Path(d) / "csv"
        with StageStore(args.stage) as st:
            report = bulk.export_csv(st, csv, "run:bench-import-jit")
        size = sum(p.stat().st_size for p in report.files.values())
        common.log(f"{size / 2**20:.1f} MiB of CSV; {sum(report.rows.values()):,} rows")
        for i in range(args.repeats):
            for side in ("tiered", "c1") if i % 2 == 0 else ("c1", "tiered"):
                r = import_once(s, report, c1=side == "c1")
                common.log(f"{side}: {r['seconds']} s {r['phases']}")
                runs[side].append(r)
        shutil.rmtree(csv, ignore_errors=True)
    out: dict[str, Any] = {
        "command": "python -m bench.import_jit " + " ".join(sys.argv[1:] if argv is None else argv),
        "machine": common.machine(),
        "csv_mib": round(size / 2**20, 1),
        "rows": report.rows,
        "c1_only_below_mib": bulk.C1_ONLY_BELOW_BYTES / 2**20,
    }
    for side, rs in runs.items():
        out[side] = {"runs": rs, "median_seconds": round(statistics.median(r["seconds"] for r in rs), 2)}
    out["ratio_c1_tiered"] = round(out["c1"]["median_seconds"] / out["tiered"]["median_seconds"], 3)
    path = common.update_result("import_jit", f"csv_{round(size / 2**20)}mib", out)
    print(
        f"{out['csv_mib']} MiB: tiered {out['tiered']['median_seconds']} s, c1 {out['c1']['median_seconds']} s "
        f"(x{out['ratio_c1_tiered']}); written {path}"
    )


if __name__ == "__main__":
    main()
