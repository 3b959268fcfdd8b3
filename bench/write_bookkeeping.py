"""The write stage's memory of what the graph holds (`written`), at the size of a big graph, before and after (#15).

After each batch Neo4j confirms, the write stage records the rows' hashes in the stage's `written` table (kind, key,
hash), so the next load writes only what changed. A 1M-work graph holds ≈ 25M such rows (Work, Researcher,
AUTHORED, AFFILIATED_WITH, COAUTHOR). Recording a batch used to be a DELETE of the batch's keys and an INSERT,
every 100,000 rows; the DELETE is a join that scans the whole table whatever the batch. Now rows `written` lacks
(new nodes and relationships, most of a load) are appended, and only rows it holds are deleted first, in batches
of 500,000.

This builds a `written` table of `--rows` synthetic keys in a scratch stage store, then records `--load` confirmed
rows (`--changed` of them keys the table holds) with the write stage's own code (kg.write.online.OnlineWriter
._flush), once the old way (every row replaced, every 100,000) and once the new way, and times both.

    python -m bench.write_bookkeeping --rows 25000000 --load 3000000 --changed 0.15

Results go to bench/results/write_bookkeeping.json.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import common
from kg.config import Settings
from kg.stage.store import StageStore
from kg.write import online


def _writer(store: StageStore) -> online.OnlineWriter:
    return online.OnlineWriter(
        None,  # type: ignore[arg-type]  # _flush never talks to Neo4j
        store,
        Settings(),
        "run:bench",
        merge=frozenset(),
        batch_size=5000,
        sessions=1,
    )


def record(store: StageStore, load: int, changed: float, *, old_way: bool) -> float:
    """Seconds to record `load` confirmed rows the way the write stage does (old_way: all as replaced rows, every
    FLUSH_ROWS, which is what it did before)."""
    w = _writer(store)
    n_changed = int(load * changed)
    t = time.perf_counter()
    for i in range(load):
        if i < n_changed:
            c = online.Confirmed("COAUTHOR", _key(i * 7), i, False)  # a key the table holds (see main)
        else:
            c = online.Confirmed("COAUTHOR", "new" + _key(i), i, True)
        if old_way:
            w._replaced.append(c._replace(unrecorded=False))
            if len(w._replaced) >= online.FLUSH_ROWS:
                w._flush(replaced=True)
        else:
            (w._fresh if c.unrecorded else w._replaced).append(c)
            if len(w._fresh) >= online.FLUSH_ROWS or len(w._replaced) >= online.FLUSH_REPLACED_ROWS:
                w._flush(replaced=len(w._replaced) >= online.FLUSH_REPLACED_ROWS)
    w._flush(replaced=True)
    return time.perf_counter() - t


def _key(i: int) -> str:
    """A COAUTHOR key the shape of the real ones: two researcher ids joined by kg.write.changes.SEP."""
    return f"openalex:A{5_100_000_000 + i}\x1fopenalex:A{6_100_000_000 + i}"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=25_000_000, help="rows `written` holds before the load")
    ap.add_argument("--load", type=int, default=3_000_000, help="rows the load writes")
    ap.add_argument("--changed", type=float, default=0.15, help="share of them the table held already")
    args = ap.parse_args(argv)
    out: dict[str, Any] = {
        "command": "python -m bench.write_bookkeeping " + " ".join(sys.argv[1:] if argv is None else argv)
    }
    with tempfile.TemporaryDirectory(dir=common.data_dir() if common.data_dir().exists() else None) as d:
        for name, old_way in (("before", True), ("after", False)):
            path = Path(d) / f"{name}.duckdb"
            with StageStore(path) as store:
                t = time.perf_counter()
                store.con.execute(
                    "INSERT INTO written SELECT 'COAUTHOR', 'openalex:A' || (5100000000 + i)::VARCHAR || chr(31) "
                    "|| 'openalex:A' || (6100000000 + i)::VARCHAR, hash(i) FROM range($n) t(i)",
                    {"n": args.rows},
                )
                store.con.execute("CHECKPOINT")
                common.log(f"{name}: {args.rows} rows in `written` ({time.perf_counter() - t:.1f}s)")
                secs = record(store, args.load, args.changed, old_way=old_way)
                rows = int(store.scalar("SELECT count(*) FROM written") or 0)
                keys = int(store.scalar("SELECT count(DISTINCT key) FROM written") or 0)
            common.log(f"{name}: recorded {args.load} rows in {secs:.1f}s; {rows} rows, {keys} keys")
            out[name] = {"seconds": round(secs, 2), "rows_after": rows, "distinct_keys_after": keys}
            path.unlink(missing_ok=True)
    out["speedup"] = round(out["before"]["seconds"] / out["after"]["seconds"], 2)
    out["args"] = vars(args)
    path = common.update_result("write_bookkeeping", f"rows_{args.rows}_load_{args.load}", out)
    print(out)
    print(f"written {path}")


if __name__ == "__main__":
    main()
