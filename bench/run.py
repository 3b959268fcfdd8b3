"""Every benchmark in order for each corpus size (synth → load with baselines → COAUTHOR → discover → panel), then
the collector: `python -m bench.run` (100k works), `--works 1000000` for more, `--quick` for the 2k-work smoke run."""

from __future__ import annotations

import argparse
from typing import Any

from bench import collect, common, discover, graph1m, load, panel
from kg import localdb
from kg.config import Settings

QUICK_WORKS = 2000
# From this size on, the graph for COAUTHOR, discovery and the panel is built by bench/graph1m.py (neo4j-admin
# import with the properties kg load sets) into its own Neo4j, because `kg load` cannot load it in a bench window;
# the load figures (kg load, naive, import tool) are still measured on the bench Neo4j when asked.
IMPORT_ABOVE = 500_000


def run_size(
    s: Settings,
    works: int,
    *,
    quick: bool = False,
    drop_store: bool = False,
    with_import_tool: bool = True,
    naive_sample: int | None = None,
    batch_size: int | None = None,
    import_graph: bool = False,
    with_kg_load: bool = True,
) -> dict[str, Any]:
    """One corpus size, end to end; later steps are skipped (and say why) when `kg load` is not available."""
    out: dict[str, Any] = {}
    if import_graph:
        return run_imported(s, works, with_kg_load=with_kg_load, naive_sample=naive_sample or 1000)
    out["load"] = load.run(
        s,
        works,
        naive_sample=naive_sample or (20 if quick else 1000),
        drop_store=drop_store,
        with_import_tool=with_import_tool,
        batch_size=batch_size,
    )
    if not out["load"]["kg_load"].get("available"):
        why = out["load"]["kg_load"].get("why", "kg load failed")
        for name in ("discover", "panel"):
            common.update_result(name, str(works), {"available": False, "why": f"no graph: {why}"})
        return out
    common.log("coauthors rebuild")
    co = discover.rebuild_coauthors(s)
    out["discover"] = discover.run(s, works, co)
    cfg = (
        panel.PanelConfig(
            clients=2, requests=20, ids_per_class=3, naive_repeats=1, naive_timeout=10, workers=1
        )
        if quick
        else panel.PanelConfig()
    )
    out["panel"] = panel.run(s, works, cfg)
    return out


def run_imported(s: Settings, works: int, *, with_kg_load: bool, naive_sample: int) -> dict[str, Any]:
    """A size `kg load` cannot load here: the load baselines (and `kg load`, when asked) on the bench Neo4j, then
    the graph built by bench/graph1m.py in its own Neo4j, `kg coauthors rebuild`, `kg discover` and the panel."""
    out: dict[str, Any] = {}
    out["load"] = load.run(
        s, works, naive_sample=naive_sample, drop_store=s.uses_local_db, with_kg_load=with_kg_load
    )
    if s.uses_local_db:
        localdb.stop(s)  # the large graph's Neo4j needs the memory
    g = graph1m.graph_settings()
    graph1m.main(["--works", str(works), "--skip-rebuild"])
    co = graph1m.rebuild_coauthors(g)
    how = {"graph_built_by": "import"}
    out["discover"] = discover.run(g, works, co, how)
    # one naive round: the unbounded two-hop query runs into its 30 s timeout on supernodes at this size
    out["panel"] = panel.run(g, works, panel.PanelConfig(naive_repeats=1), how)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--works", type=int, action="append", help="corpus size (repeatable); default 100000")
    ap.add_argument(
        "--quick", action="store_true", help=f"one small corpus ({QUICK_WORKS} works), fewer requests"
    )
    ap.add_argument("--no-import-tool", action="store_true", help="skip the neo4j-admin import baseline")
    ap.add_argument(
        "--naive-sample", type=int, default=None, help="works the naive loader is timed on (1000)"
    )
    ap.add_argument("--batch-size", type=int, default=None, help="kg load --batch-size (default: its own)")
    ap.add_argument(
        "--import-above",
        type=int,
        default=IMPORT_ABOVE,
        help="sizes from this on get their graph from bench/graph1m.py (import tool), not kg load",
    )
    ap.add_argument(
        "--kg-load-large",
        action="store_true",
        help="also time `kg load` on the sizes whose graph is imported (hours at 1M works today)",
    )
    args = ap.parse_args(argv)
    s = common.bench_settings()
    if s.uses_local_db:
        common.log(f"bench Neo4j at {s.localdb_home} (bolt {s.bolt_port})")
        localdb.start(s)
    sizes = [QUICK_WORKS] if args.quick else (args.works or [100_000])
    for n in sizes:
        run_size(
            s,
            n,
            quick=args.quick,
            drop_store=s.uses_local_db,
            with_import_tool=not args.no_import_tool,
            naive_sample=args.naive_sample,
            batch_size=args.batch_size,
            import_graph=not args.quick and n >= args.import_above,
            with_kg_load=args.kg_load_large,
        )
    collect.main([])


if __name__ == "__main__":
    main()
