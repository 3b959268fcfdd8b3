"""The benchmark machinery: percentiles, bundle reading, the collector's table and plots, and a quick end-to-end run
against the real Neo4j that must produce well-formed results (never asserting timings)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver

from bench import collect, common
from bench.bundle import iter_works, researcher_node_id, work_node_id
from kg.config import Settings

PNG = b"\x89PNG\r\n\x1a\n"


def test_percentiles_are_nearest_rank_in_milliseconds() -> None:
    values = [i / 1000 for i in range(1, 101)]  # 1 ms … 100 ms
    p = common.percentiles(values)
    assert (p["n"], p["p50_ms"], p["p95_ms"], p["p99_ms"], p["max_ms"]) == (100, 50.0, 95.0, 99.0, 100.0)
    assert common.percentiles([]) == {"n": 0}


def test_bundle_reader_pairs_each_work_with_its_authors_and_model_ids(tmp_path: Path) -> None:
    (tmp_path / "works.csv").write_text(
        "work_id,title,year,venue,doi,arxiv_id,abstract\n"
        "W1,First,2020,V,https://doi.org/10.1234/ABC,,a\n"
        "W2,Second,2021,V,,2104.12255v2,b\n"
        "W3,Third,2022,V,,,c\n",
        encoding="utf-8",
    )
    (tmp_path / "authorships.csv").write_text(
        "work_id,author_id,author_name,position,institution_id,institution_name\n"
        "W1,A1,Ann Lee,1,I1,Uni\n"
        "W1,A2,Bo Li,2,,\n"
        "W3,A1,Ann Lee,1,I1,Uni\n",
        encoding="utf-8",
    )
    got = [(work_node_id(w), [a["author_id"] for a in authors]) for w, authors in iter_works(tmp_path)]
    assert got == [("doi:10.1234/abc", ["A1", "A2"]), ("arxiv:2104.12255", []), ("openalex:W3", ["A1"])]
    assert researcher_node_id("A5100000000") == "openalex:A5100000000"
    assert [w["work_id"] for w, _ in iter_works(tmp_path, limit=2)] == ["W1", "W2"]


def _write(path: Path, doc: dict[str, Any]) -> None:
    path.write_text(json.dumps(doc), encoding="utf-8")


def test_rss_trace_follows_a_process_until_it_exits(capsys: pytest.CaptureFixture[str]) -> None:
    import io
    import subprocess
    import sys

    from bench import rss_trace

    # a child that holds 60 MB it has written to (so it is resident), then exits
    child = subprocess.Popen([sys.executable, "-c", "import time; b = b'x' * 60_000_000; time.sleep(1.5)"])
    out = io.StringIO()
    n = rss_trace.trace(child.pid, out, every=0.2, works=lambda: 7)
    child.wait()
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert n == len(rows) >= 3
    assert {k for r in rows for k in r} == {"t", "at", "rss_mb", "hwm_mb", "works"}
    assert all(r["works"] == 7 and r["hwm_mb"] >= r["rss_mb"] >= 0 for r in rows)  # 0 while it still execs
    assert max(r["hwm_mb"] for r in rows) >= 57  # the 60 MB it held
    assert [r["t"] for r in rows] == sorted(r["t"] for r in rows)
    assert rss_trace.read_status(child.pid) is None  # reaped: nothing left to read
    assert rss_trace.main([str(child.pid)]) == 1
    assert capsys.readouterr().err == f"error: no running process {child.pid}\n"


def test_collector_writes_the_table_with_ratios_verdicts_and_plots(tmp_path: Path) -> None:
    machine = {"cores": 2, "cpu": "Test CPU", "memory_gb": 8.0, "load_average": [1.5, 1, 1]}

    def load_run(aps: float, rss: float) -> dict[str, Any]:
        return {
            "kg_load": {
                "available": True,
                "authorships_per_s": aps,
                "works_per_s": aps / 5,
                "peak_rss_mb": rss,
            },
            "naive": {"authorships_per_s": 100.0, "works_per_s": 20.0, "sample_works": 1000},
            "import_tool": {"available": True, "authorships_per_s": 40000.0, "seconds": 12.0},
            "machine": machine,
        }

    _write(
        tmp_path / "load.json",
        {"runs": {"100000": load_run(5000.0, 300.0), "1000000": load_run(4000.0, 330.0)}},
    )
    api = {"p50_ms": 8.0, "p95_ms": 20.0, "p99_ms": 30.0, "throughput_rps": 150.0, "clients": 4, "errors": {}}
    slow = {**api, "p99_ms": 80.0}
    _write(
        tmp_path / "panel.json",
        {
            "runs": {
                "1000000": {
                    "available": True,
                    "api": {"researcher_graph": {"ordinary": api, "supernode": slow}},
                    "naive_two_hop": {
                        "ordinary": {"p50_ms": 50.0, "p99_ms": 90.0, "rows_max": 500, "failed": {}},
                        "supernode": {
                            "p50_ms": 9000.0,
                            "p99_ms": 30000.0,
                            "rows_max": 0,
                            "failed": {"Timeout": 3},
                        },
                    },
                    "machine": machine,
                }
            }
        },
    )
    _write(
        tmp_path / "discover.json",
        {
            "runs": {
                "1000000": {
                    "researchers": 1234,
                    "discover": {"available": True, "seconds": 420.0, "peak_rss_mb": 900.0},
                    "coauthors_rebuild": {"available": True, "seconds": 60.0, "peak_rss_mb": 100.0},
                    "machine": machine,
                }
            }
        },
    )
    _write(
        tmp_path / "topics.json", {"agreement": {"topic": {"primary_in_our_top3": 0.5}}, "works_per_s": 80}
    )
    md = tmp_path / "BENCHMARKS.md"
    md.write_text("# Benchmarks\n\nHand-written intro.\n", encoding="utf-8")

    summary = collect.collect(tmp_path, md)

    rows = {r["figure"]: r for r in summary["rows"]}
    first = rows["Load 100,000 works: authorships/s (works/s)"]
    assert (first["ours"], first["ratio"], first["target"]) == ("5,000 (1,000)", "50.0×", "≥ 20×: met")
    assert first["machine"] == "2-core Test CPU, 8.0 GB, load 1.5"
    tool = rows["Load 1,000,000 works vs neo4j-admin import"]
    assert (tool["ratio"], tool["target"]) == ("tool 10.0× faster", "within 3×: missed")
    flat = rows["Loader memory flatness 100,000 → 1,000,000 works"]
    assert (flat["ours"], flat["target"]) == ("+10.0% (300 → 330 MB)", "within 20%: met")
    sup = rows["/researchers/{id}/graph supernode, 1,000,000 works: p50/p95/p99, throughput"]
    assert (sup["ours"], sup["target"]) == ("8.00/20.0/80.0 ms, 150 req/s (4 clients)", "p99 ≤ 50 ms: missed")
    assert sup["baseline"] == "unbounded 2-hop Cypher: p50 9,000 / p99 30,000 ms, up to 0 rows, 3 failed"
    assert sup["ratio"] == "375× faster at p99"
    disc = rows["`kg discover`, all 1,234 researchers, 1,000,000 works"]
    assert (disc["ours"], disc["target"]) == ("420 s, peak 900 MB", "≤ 600 s at 1M works: met")
    assert rows["topics: agreement.topic.primary_in_our_top3"]["ours"] == "0.50"

    text = md.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\nHand-written intro.\n")
    assert "| figure | our number | baseline | ratio | target | machine |" in text
    assert "![throughput](throughput.png)" in text and "![latency](latency.png)" in text
    for img in ("throughput.png", "latency.png"):
        assert (tmp_path / img).read_bytes()[:8] == PNG
    # a second collect replaces the generated block instead of appending another
    collect.collect(tmp_path, md)
    assert md.read_text(encoding="utf-8").count(collect.START) == 1
    assert json.loads((tmp_path / "summary.json").read_text())["rss_growth_pct"] == pytest.approx(10.0)


@pytest.mark.neo4j
def test_quick_bench_run_produces_well_formed_results(
    graph: Driver, neo4j_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bench import load as load_mod
    from bench import run as bench_run

    monkeypatch.setenv("KG_BENCH_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("KG_BENCH_DATA", str(tmp_path / "data"))
    works = 500  # the quick mode's code path on an even smaller corpus, to keep the test command fast
    bench_run.run_size(neo4j_settings, works, quick=True)
    results = tmp_path / "results"

    load = json.loads((results / "load.json").read_text())["runs"][str(works)]
    assert load["works"] == works and load["authorships"] > works
    assert load["machine"]["cores"] >= 1 and load["machine"]["memory_gb"] > 0
    naive = load["naive"]
    assert naive["sample_works"] == 20 and naive["sample_authorships"] > 0 and naive["authorships_per_s"] > 0
    tool = load["import_tool"]
    assert tool["available"] is True, tool
    assert tool["authorships_per_s"] > 0 and tool["peak_rss_mb"] > 0
    ours = load["kg_load"]
    panel = json.loads((results / "panel.json").read_text())["runs"][str(works)]
    disc = json.loads((results / "discover.json").read_text())["runs"][str(works)]
    if not load_mod.kg_load_available():
        # without `kg load` nothing downstream can run, and the results say so instead of inventing numbers
        assert ours["why"] and panel["available"] is False and disc["available"] is False
    else:
        assert ours["available"] is True, ours
        assert ours["exit_code"] in (0, 3) and ours["peak_rss_mb"] > 0 and ours["authorships_per_s"] > 0
        assert load["graph_after_load"]["works"] == works
        assert disc["discover"]["available"] is True and disc["discover"]["peak_rss_mb"] > 0
        assert panel["available"] is True
        for endpoint in ("researcher_graph", "expand"):
            for cls in ("ordinary", "supernode"):
                m = panel["api"][endpoint][cls]
                assert m["n"] + sum(m["errors"].values()) == 20
                assert m["errors"] == {} and m["p50_ms"] <= m["p95_ms"] <= m["p99_ms"] <= m["max_ms"]
        supers = panel["nodes"]["supernode"]
        assert [s["degree"] for s in supers] == sorted((s["degree"] for s in supers), reverse=True)
        ordinary = panel["nodes"]["ordinary"]
        assert ordinary and all(2 <= o["works"] <= 10 for o in ordinary)
        assert set(panel["naive_two_hop"]) == {"ordinary", "supernode"}

    summary = collect.collect(results, tmp_path / "BENCHMARKS.md")
    figures = [r["figure"] for r in summary["rows"]]
    assert f"Load {works:,} works: authorships/s (works/s)" in figures
    assert (results / "throughput.png").read_bytes()[:8] == PNG
