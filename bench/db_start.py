"""Starting the local Neo4j and the import tool, with and without class data sharing (kg.cds).

Every `kg db start`, every `kg load --bulk` (its import tool, then the server again) and the test suite's many
Neo4j starts pay the JVM's class loading. This runs, in a scratch home with its own ports and an empty graph, with
KG_JVM_CLASS_SHARING off and on, alternating the sides `--repeats` times:
- the server: `kg.localdb.start` (until Bolt answers) and `stop`;
- the import tool: `neo4j-admin database import full` of a two-node, one-relationship graph (the server stopped),
  which is the tool's fixed cost: its JVM, its checks, its four stages with nothing in them.
Before the alternation, one cycle of each with sharing on makes the archives if there are none yet (reported as
`first`: the one start that records, and the stop that writes and checks the archive).

    python -m bench.db_start --repeats 4

Results go to bench/results/db_start.json (medians of each side and their ratios).
"""

from __future__ import annotations

import argparse
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
from kg.write import bulk


def _tiny_import(s: Settings, directory: Path) -> bulk.BulkReport:
    """Two researchers and one COAUTHOR between them, as the pipeline's CSVs name them."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "researcher.csv").write_text("id:ID(Researcher),name\nr1,Ada\nr2,Bo\n", encoding="utf-8")
    (directory / "coauthor.csv").write_text(
        ":START_ID(Researcher),:END_ID(Researcher),weight:double\nr1,r2,1.0\n", encoding="utf-8"
    )
    return bulk.BulkReport(
        files={"node:Researcher": directory / "researcher.csv", "rel:COAUTHOR": directory / "coauthor.csv"}
    )


def import_once(s: Settings, report: bulk.BulkReport) -> float:
    """Seconds of one import of the tiny graph into the scratch home's database (the server stopped)."""
    share = localdb.class_sharing(s, cds.IMPORT)
    env = bulk.import_env(s)
    log = s.localdb_home / "logs" / "import.log"
    t = time.monotonic()
    proc = subprocess.run(
        bulk.import_command(s, report, log, share.flags), capture_output=True, env=env, cwd=s.localdb_home
    )
    seconds = time.monotonic() - t
    if proc.returncode != 0:
        raise RuntimeError(f"import failed: {(proc.stdout + proc.stderr).decode(errors='replace')[-400:]}")
    localdb.keep_recording(s, share)
    return round(seconds, 2)


def cycle(s: Settings, report: bulk.BulkReport) -> dict[str, float]:
    t = time.monotonic()
    localdb.start(s)
    started = time.monotonic()
    localdb.stop(s)
    stopped = time.monotonic()
    return {
        "start": round(started - t, 2),
        "stop": round(stopped - started, 2),
        "import": import_once(s, report),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=4, help="cycles per side (alternated)")
    ap.add_argument("--bolt-port", type=int, default=17733, help="the scratch Neo4j's Bolt port (HTTP: +1)")
    args = ap.parse_args(argv)
    runs: dict[str, list[dict[str, float]]] = {"off": [], "on": []}
    with tempfile.TemporaryDirectory() as d:
        base = common.scratch_settings(Path(d) / "neo4j", args.bolt_port)
        sides = {side: base.model_copy(update={"jvm_class_sharing": side == "on"}) for side in runs}
        report = _tiny_import(base, Path(d) / "csv")
        first = cycle(sides["on"], report)
        common.log(f"first, sharing on (records what is missing): {first}")
        for i in range(args.repeats):
            for side in ("off", "on") if i % 2 == 0 else ("on", "off"):
                r = cycle(sides[side], report)
                common.log(f"{side}: {r}")
                runs[side].append(r)
    out: dict[str, Any] = {
        "command": "python -m bench.db_start " + " ".join(sys.argv[1:] if argv is None else argv),
        "machine": common.machine(),
        "first": first,
    }
    for side, rs in runs.items():
        out[side] = {
            "runs": rs,
            **{f"median_{k}": round(statistics.median(r[k] for r in rs), 2) for k in rs[0]},
        }
    for k in ("start", "stop", "import"):
        out[f"{k}_ratio_on_off"] = round(out["on"][f"median_{k}"] / out["off"][f"median_{k}"], 3)
    path = common.update_result("db_start", f"repeats_{args.repeats}", out)
    print(
        f"median start: off {out['off']['median_start']}s, on {out['on']['median_start']}s "
        f"(x{out['start_ratio_on_off']}); import: off {out['off']['median_import']}s, on "
        f"{out['on']['median_import']}s (x{out['import_ratio_on_off']}); written {path}"
    )


if __name__ == "__main__":
    main()
