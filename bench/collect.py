"""Collector: merge bench/results/*.json into summary.json, the BENCHMARKS.md table, and PNG plots against size."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

from bench import common
from kg.config import REPO_ROOT

OWN = ("load", "panel", "discover", "graph", "summary", "discover_eval")
# The other teams' result files hold many counts; the report keeps their headline figures.
KEY_FIGURES = re.compile(r"(precision|recall|f1|accuracy|top1|top3|per_s|_s$|seconds|rss|throughput)", re.I)
START = "<!-- results:start (written by `python -m bench.collect`; edit outside these markers) -->"
END = "<!-- results:end -->"
TARGETS = {
    "load_vs_naive": 20.0,  # at least this many times the naive loader
    "import_vs_load": 3.0,  # the import tool at most this many times faster
    "panel_p99_ms": 50.0,
    "discover_s": 600.0,
    "rss_growth_pct": 20.0,
}


def _read(path: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def _runs(doc: dict[str, Any] | None) -> list[tuple[int, dict[str, Any]]]:
    if not doc:
        return []
    return sorted(((int(k), v) for k, v in doc.get("runs", {}).items() if k.isdigit()), key=lambda kv: kv[0])


def _machine(entry: dict[str, Any]) -> str:
    m = entry.get("machine") or {}
    if not m:
        return ""
    load = m.get("load_average") or [0]
    return f"{m.get('cores')}-core {m.get('cpu', '')}, {m.get('memory_gb')} GB, load {load[0]:.1f}"


def _fmt(x: float | None, unit: str = "") -> str:
    if x is None:
        return "n/a"
    if abs(x) >= 100:
        return f"{x:,.0f}{unit}"
    return f"{x:,.1f}{unit}" if abs(x) >= 10 else f"{x:,.2f}{unit}"


def _size(n: int, e: dict[str, Any]) -> str:
    """The corpus size, and what was actually in the graph when that differs (a load that stopped early)."""
    loaded = (e.get("graph") or {}).get("works")
    if isinstance(loaded, int) and loaded != n:
        return f"{n:,}-work corpus ({loaded:,} works in the graph)"
    if e.get("graph_built_by") == "import":
        return f"{n:,} works (graph imported by bench/graph1m.py)"
    return f"{n:,} works"


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "missed")


Row = dict[str, str]


def _partial_aps(ours: dict[str, Any], e: dict[str, Any]) -> float | None:
    """Authorships/s of a load that failed part-way, up to the failure (what it did load, over its run time)."""
    got = e.get("graph_after_load") or {}
    if ours.get("authorships_per_s") or not ours.get("seconds") or not got.get("authored"):
        return None
    return float(got["authored"]) / float(ours["seconds"])


def _failed_load(ours: dict[str, Any], e: dict[str, Any]) -> str:
    """A load that failed part-way: how far it got and at what rate, then why it stopped."""
    got = e.get("graph_after_load") or {}
    secs = ours.get("seconds")
    if got.get("works") and secs:
        return (
            f"FAILED after {_fmt(secs)} s with {got['works']:,} works / {got.get('authored', 0):,} authorships "
            f"loaded ({_fmt(got.get('authored', 0) / secs)} ({_fmt(got['works'] / secs)}) until then): "
            f"{ours.get('why', '')[:140]}"
        )
    return f"not measured: {ours.get('why', '')[:200]}"


def load_rows(doc: dict[str, Any] | None) -> tuple[list[Row], dict[str, Any]]:
    rows: list[Row] = []
    facts: dict[str, Any] = {"rss": {}}
    for n, e in _runs(doc):
        ours, naive, tool = e.get("kg_load", {}), e.get("naive", {}), e.get("import_tool", {})
        mach = _machine(e)
        ours_aps = ours.get("authorships_per_s") if ours.get("available") else None
        partial = _partial_aps(ours, e)
        naive_aps = naive.get("authorships_per_s")
        tool_aps = tool.get("authorships_per_s") if tool.get("available") else None
        r1 = ours_aps / naive_aps if ours_aps and naive_aps else None
        p1 = partial / naive_aps if partial and naive_aps else None
        rows.append(
            {
                "figure": f"Load {n:,} works: authorships/s (works/s)",
                "ours": f"{_fmt(ours_aps)} ({_fmt(ours.get('works_per_s'))})"
                if ours_aps
                else _failed_load(ours, e),
                "baseline": f"naive per-record MERGE: {_fmt(naive_aps)} ({_fmt(naive.get('works_per_s'))}) "
                f"on {naive.get('sample_works', 0):,} works",
                "ratio": f"{_fmt(r1)}×" if r1 else (f"{_fmt(p1)}× until it failed" if p1 else "n/a"),
                "target": f"≥ {TARGETS['load_vs_naive']:.0f}×: "
                + (_verdict(r1 >= 20) if r1 is not None else ("missed" if p1 is not None else "n/a")),
                "machine": mach,
            }
        )
        r2 = tool_aps / ours_aps if ours_aps and tool_aps else None
        p2 = tool_aps / partial if partial and tool_aps else None
        rows.append(
            {
                "figure": f"Load {n:,} works vs neo4j-admin import",
                "ours": f"{_fmt(ours_aps)} authorships/s"
                if ours_aps
                else (f"{_fmt(partial)} authorships/s until it failed" if partial else "not measured"),
                "baseline": f"import tool: {_fmt(tool_aps)} authorships/s ({_fmt(tool.get('seconds'))} s)"
                if tool_aps
                else f"import tool not run: {tool.get('why', '')}",
                "ratio": f"tool {_fmt(r2)}× faster" if r2 else (f"tool {_fmt(p2)}× faster" if p2 else "n/a"),
                "target": "within 3×: "
                + (_verdict(r2 <= 3) if r2 is not None else ("missed" if p2 is not None else "n/a")),
                "machine": mach,
            }
        )
        syn = e.get("synth") or {}
        if syn.get("peak_rss_mb"):
            rows.append(
                {
                    "figure": f"`kg synth` {n:,} works ({e.get('authorships', 0):,} authorships)",
                    "ours": f"{_fmt(syn.get('seconds'))} s, peak {_fmt(syn['peak_rss_mb'])} MB",
                    "baseline": "",
                    "ratio": "",
                    "target": "",
                    "machine": mach,
                }
            )
        if ours.get("peak_rss_mb"):
            facts["rss"][n] = ours["peak_rss_mb"]
            rows.append(
                {
                    "figure": f"Loader peak RSS, {n:,} works",
                    "ours": f"{_fmt(ours['peak_rss_mb'])} MB",
                    "baseline": "",
                    "ratio": "",
                    "target": "",
                    "machine": mach,
                }
            )
    rss = facts["rss"]
    big = [n for n in rss if n >= 100_000]
    if len(big) >= 2:
        lo, hi = min(big), max(big)
        growth = (rss[hi] / rss[lo] - 1) * 100
        facts["rss_growth_pct"] = growth
        rows.append(
            {
                "figure": f"Loader memory flatness {lo:,} → {hi:,} works",
                "ours": f"{growth:+.1f}% ({_fmt(rss[lo])} → {_fmt(rss[hi])} MB)",
                "baseline": "",
                "ratio": "",
                "target": f"within 20%: {_verdict(abs(growth) <= 20)}",
                "machine": "",
            }
        )
    return rows, facts


def panel_rows(doc: dict[str, Any] | None) -> list[Row]:
    rows: list[Row] = []
    for n, e in _runs(doc):
        if not e.get("available"):
            rows.append(
                {"figure": f"Panel latency, {n:,} works", "ours": f"not measured: {e.get('why', '')}"}
            )
            continue
        naive = e.get("naive_two_hop", {})
        for endpoint, by_class in e.get("api", {}).items():
            for cls, m in by_class.items():
                base = naive.get(cls, {})
                ratio = (
                    base.get("p99_ms", 0) / m["p99_ms"] if m.get("p99_ms") and base.get("p99_ms") else None
                )
                failed = sum(base.get("failed", {}).values())
                rows.append(
                    {
                        "figure": f"{'/researchers/{id}/graph' if endpoint == 'researcher_graph' else '/graph/expand'}"
                        f" {cls}, {_size(n, e)}: p50/p95/p99, throughput",
                        "ours": f"{_fmt(m.get('p50_ms'))}/{_fmt(m.get('p95_ms'))}/{_fmt(m.get('p99_ms'))} ms, "
                        f"{_fmt(m.get('throughput_rps'))} req/s ({m.get('clients')} clients"
                        + (f", {sum(m['errors'].values())} errors" if m.get("errors") else "")
                        + ")",
                        "baseline": f"unbounded 2-hop Cypher: p50 {_fmt(base.get('p50_ms'))} / p99 "
                        f"{_fmt(base.get('p99_ms'))} ms, up to {base.get('rows_max', 0):,} rows"
                        + (f", {failed} failed" if failed else ""),
                        "ratio": f"{_fmt(ratio)}× faster at p99" if ratio else "n/a",
                        "target": f"p99 ≤ 50 ms: {_verdict(m['p99_ms'] <= TARGETS['panel_p99_ms'])}"
                        if m.get("p99_ms") is not None
                        else "",
                        "machine": _machine(e),
                    }
                )
    return rows


def discover_rows(doc: dict[str, Any] | None) -> list[Row]:
    rows: list[Row] = []
    for n, e in _runs(doc):
        d = e.get("discover", {})
        c = e.get("coauthors_rebuild", {})
        if not d.get("available"):
            rows.append(
                {"figure": f"Discovery, {n:,} works", "ours": f"not measured: {d.get('why', e.get('why'))}"}
            )
            continue
        rows.append(
            {
                "figure": f"`kg discover`, all {e.get('researchers', 0):,} researchers, {_size(n, e)}",
                "ours": f"{_fmt(d['seconds'])} s, peak {_fmt(d.get('peak_rss_mb'))} MB",
                "baseline": f"(`kg coauthors rebuild` before it: {_fmt(c.get('seconds'))} s, "
                f"peak {_fmt(c.get('peak_rss_mb'))} MB)"
                if c.get("available")
                else "",
                "ratio": "",
                "target": f"≤ 600 s at 1M works: {_verdict(d['seconds'] <= TARGETS['discover_s'])}"
                if n >= 1_000_000
                else "≤ 600 s at 1M works: n/a at this size",
                "machine": _machine(e),
            }
        )
    return rows


def graph_rows(doc: dict[str, Any] | None) -> list[Row]:
    """The graphs bench/graph1m.py built with the import tool, and `kg coauthors rebuild` on them."""
    rows: list[Row] = []
    for key, e in sorted((doc or {}).get("runs", {}).items()):
        works = e.get("works", 0)
        prep, imp, fin = e.get("prepare", {}), e.get("import", {}), e.get("finish", {})
        if imp:
            rows.append(
                {
                    "figure": f"{works:,}-work graph by bench/graph1m.py ({key}): CSV prep + import + schema",
                    "ours": f"{_fmt(prep.get('seconds'))} + {_fmt(imp.get('seconds'))} + "
                    f"{_fmt(fin.get('seconds'))} s",
                    "baseline": "(not `kg load`: identity given by the synthetic author_id)",
                    "ratio": "",
                    "target": "",
                    "machine": _machine(e),
                }
            )
        c = e.get("coauthors_rebuild") or {}
        if c:
            g = e.get("graph") or {}
            ok = c.get("exit_code") == 0
            rows.append(
                {
                    "figure": f"`kg coauthors rebuild`, {works:,}-work imported graph",
                    "ours": f"{_fmt(c.get('seconds'))} s, peak {_fmt(c.get('peak_rss_mb'))} MB, "
                    f"{g.get('coauthor', 0):,} COAUTHOR edges"
                    if ok
                    else f"FAILED after {_fmt(c.get('seconds'))} s: {(c.get('output_tail') or [''])[-1][:160]}",
                    "baseline": "",
                    "ratio": "",
                    "target": "",
                    "machine": _machine(e),
                }
            )
    return rows


def _numbers(obj: Any, prefix: str = "", depth: int = 0) -> list[tuple[str, float]]:
    """Numeric leaves of another team's result file (up to three levels), for the collected report."""
    out: list[tuple[str, float]] = []
    if isinstance(obj, dict) and depth < 3:
        for k, v in obj.items():
            if k in ("machine", "examples", "samples", "details", "errors", "misses"):
                continue
            out.extend(_numbers(v, f"{prefix}.{k}" if prefix else str(k), depth + 1))
    elif isinstance(obj, bool):
        pass
    elif isinstance(obj, int | float):
        out.append((prefix, float(obj)))
    return out


def discover_eval_rows(doc: dict[str, Any] | None) -> list[Row]:
    """Discovery quality (bench/discover_eval.py): the fitted score against Adamic-Adar on the same test pairs,
    the mean over the random hold-outs of each dataset."""
    rows: list[Row] = []
    run = (doc or {}).get("runs", {}).get("all")
    if not run:
        return rows
    k = run.get("k", 10)
    for name, data in run.get("datasets", {}).items():
        if "mean" not in data:
            rows.append({"figure": f"Discovery recall@{k}, {name}", "ours": f"not measured: {data.get('skipped', '')}",
                         "baseline": "", "ratio": "", "target": "", "machine": ""})  # fmt: skip
            continue
        m, aa = data["mean"]["model"], data["mean"]["adamic_adar"]
        first = data["runs"][0]
        what = f"{first['holdout']} hold-out, {len(data['runs'])} seed(s), {first['counted_test_pairs']:,} test pairs"
        target = f"≥ 0.90 and above AA: {_verdict(m[f'recall@{k}'] >= 0.9 and m[f'recall@{k}'] > aa[f'recall@{k}'])}"
        rows.append(
            {
                "figure": f"Discovery recall@{k} / MRR, {name} ({what})",
                "ours": f"{m[f'recall@{k}']:.4f} / {m['mrr']:.4f}",
                "baseline": f"Adamic-Adar {aa[f'recall@{k}']:.4f} / {aa['mrr']:.4f}; RA "
                f"{data['mean']['resource_allocation'][f'recall@{k}']:.4f}; CN "
                f"{data['mean']['common_neighbours'][f'recall@{k}']:.4f}",
                "ratio": f"{m[f'recall@{k}'] / max(aa[f'recall@{k}'], 1e-9):.3f}×",
                "target": target if name == "ca-GrQc" else "",
                "machine": "",
            }
        )
    return rows


def other_rows(results: Path) -> tuple[list[Row], dict[str, Any]]:
    rows: list[Row] = []
    merged: dict[str, Any] = {}
    for path in sorted(results.glob("*.json")):
        if path.stem in OWN:
            continue
        doc = _read(path)
        if doc is None:
            continue
        merged[path.stem] = doc
        for key, value in [kv for kv in _numbers(doc) if KEY_FIGURES.search(kv[0])][:12]:
            rows.append(
                {
                    "figure": f"{path.stem}: {key}",
                    "ours": _fmt(value),
                    "baseline": "",
                    "ratio": "",
                    "target": "",
                    "machine": "",
                }
            )
    return rows, merged


def plots(results: Path, load_doc: dict[str, Any] | None, panel_doc: dict[str, Any] | None) -> list[str]:
    """throughput.png and latency.png against corpus size; only what was measured is drawn."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written: list[str] = []
    lr = _runs(load_doc)
    if lr:
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for label, key in (
            ("kg load", "kg_load"),
            ("naive per-record MERGE", "naive"),
            ("neo4j-admin import", "import_tool"),
        ):
            pts = [(n, e[key]["authorships_per_s"]) for n, e in lr if e.get(key, {}).get("authorships_per_s")]
            if key == "kg_load":
                part = [(n, _partial_aps(e.get(key, {}), e)) for n, e in lr]
                pts = sorted(pts + [(n, v) for n, v in part if v])
                label += " (until it failed, where it did)" if any(v for _, v in part) else ""
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("works in the corpus")
        ax.set_ylabel("authorships loaded per second")
        ax.set_title("Load throughput against corpus size")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
        fig.tight_layout()
        fig.savefig(results / "throughput.png", dpi=110)
        plt.close(fig)
        written.append("throughput.png")
    pr = [(n, e) for n, e in _runs(panel_doc) if e.get("available")]
    if pr:
        fig, ax = plt.subplots(figsize=(7, 4.5))
        series: dict[str, list[tuple[int, float]]] = {}
        for n, e in pr:
            for endpoint, by_class in e.get("api", {}).items():
                for cls, m in by_class.items():
                    if m.get("p99_ms") is not None:
                        series.setdefault(f"{endpoint} {cls} p99", []).append((n, m["p99_ms"]))
            for cls, m in e.get("naive_two_hop", {}).items():
                if m.get("p99_ms") is not None:
                    series.setdefault(f"naive 2-hop {cls} p99", []).append((n, m["p99_ms"]))
        for label, pts in sorted(series.items()):
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=label,
                    linestyle="--" if label.startswith("naive") else "-")  # fmt: skip
        ax.axhline(TARGETS["panel_p99_ms"], color="grey", linestyle=":", label="target p99 50 ms")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("works in the corpus")
        ax.set_ylabel("p99 latency (ms)")
        ax.set_title("Panel latency against corpus size")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(results / "latency.png", dpi=110)
        plt.close(fig)
        written.append("latency.png")
    return written


def table(rows: list[Row]) -> str:
    head = "| figure | our number | baseline | ratio | target | machine |\n|---|---|---|---|---|---|\n"
    body = "".join(
        "| "
        + " | ".join(
            (r.get(k) or "").replace("|", "\\|")
            for k in ("figure", "ours", "baseline", "ratio", "target", "machine")
        )
        + " |\n"
        for r in rows
    )
    return head + body


def write_markdown(md: Path, rows: list[Row], images: list[str], results: Path) -> None:
    rel = Path(_relpath(results, md.parent))
    block = [START, "", table(rows)]
    for img in images:
        block.append(f"![{img[:-4]}]({(rel / img).as_posix()})\n")
    block.append(END)
    text = "\n".join(block)
    if md.exists():
        current = md.read_text(encoding="utf-8")
        pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)
        new = (
            pattern.sub(lambda _: text, current)
            if pattern.search(current)
            else current.rstrip() + "\n\n" + text
        )
    else:
        new = "# Benchmarks\n\n" + text
    md.write_text(new.rstrip() + "\n", encoding="utf-8")


def _relpath(target: Path, start: Path) -> str:
    import os

    return os.path.relpath(target.resolve(), start.resolve())


def collect(results: Path, md: Path | None) -> dict[str, Any]:
    load_doc = _read(results / "load.json")
    panel_doc = _read(results / "panel.json")
    discover_doc = _read(results / "discover.json")
    lrows, facts = load_rows(load_doc)
    orows, others = other_rows(results)
    graph_doc = _read(results / "graph.json")
    rows = lrows + graph_rows(graph_doc) + panel_rows(panel_doc) + discover_rows(discover_doc)
    rows += discover_eval_rows(_read(results / "discover_eval.json")) + orows
    images = plots(results, load_doc, panel_doc)
    summary = {
        "benchmark": "summary",
        "rows": rows,
        "images": images,
        "load": load_doc,
        "panel": panel_doc,
        "discover": discover_doc,
        "graph": graph_doc,
        "collected": others,
        "rss_growth_pct": facts.get("rss_growth_pct"),
        "targets": TARGETS,
    }
    (results / "summary.json").write_text(
        json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    if md is not None:
        write_markdown(md, rows, images, results)
    return summary


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--md", type=Path, default=None, help="the note to update (default: BENCHMARKS.md)")
    args = ap.parse_args(argv)
    results = common.results_dir()
    results.mkdir(parents=True, exist_ok=True)
    md = args.md
    if md is None:
        md = REPO_ROOT / "BENCHMARKS.md" if results.resolve() == common.DEFAULT_RESULTS.resolve() else None
    summary = collect(results, md)
    common.log(
        f"collected {len(summary['rows'])} rows into {results / 'summary.json'}"
        + (f" and {md}" if md else "")
    )


if __name__ == "__main__":
    main()
