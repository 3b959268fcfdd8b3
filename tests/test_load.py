"""`kg load` against the real Neo4j: exact nodes and edges, idempotency, order independence, rejects, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver

from kg import graphdb, pipeline
from kg.config import Settings
from kg.models import (
    AuthorRef,
    InstitutionRef,
    Provenance,
    Record,
    Reject,
    TopicRef,
    WorkIds,
    WorkRecord,
)

pytestmark = pytest.mark.neo4j

DATA = Path(__file__).parent / "data" / "load"


def work(
    source: str,
    title: str,
    authors: Iterable[str | AuthorRef] = (),
    *,
    line: int = 1,
    **kw: Any,
) -> WorkRecord:
    refs = [
        a if isinstance(a, AuthorRef) else AuthorRef(name=a, position=i + 1) for i, a in enumerate(authors)
    ]
    return WorkRecord(
        prov=Provenance(source=source, file="fixture", line=line), title=title, authors=refs, **kw
    )  # type: ignore[arg-type]


def load(
    drv: Driver, s: Settings, records: Iterable[Record | Reject], batch_size: int = 50
) -> pipeline.LoadSummary:
    return pipeline.load(
        drv, [("fixture", list(records))], batch_size=batch_size, settings=s, derive=False, rejects_path=None
    )


_VOLATILE = {"updated_at", "load_run"}


def dump(drv: Driver, s: Settings) -> dict[str, Any]:
    """Canonical graph: every node but LoadRun and every edge with their properties, minus run-specific ones."""
    nodes = graphdb.run(
        drv,
        "MATCH (n) WHERE NOT n:LoadRun RETURN labels(n)[0] AS label, properties(n) AS props ORDER BY n.id",
        settings=s,
    )
    rels = graphdb.run(
        drv,
        "MATCH (a)-[r]->(b) RETURN a.id AS a, type(r) AS type, b.id AS b, properties(r) AS props "
        "ORDER BY a, type, b",
        settings=s,
    )

    def clean(p: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in p.items() if k not in _VOLATILE}

    return {
        "nodes": sorted(
            (n["label"], json.dumps(clean(n["props"]), sort_keys=True, default=str)) for n in nodes
        ),
        "rels": sorted(
            (r["a"], r["type"], r["b"], json.dumps(clean(r["props"]), sort_keys=True, default=str))
            for r in rels
        ),
    }


def authored(drv: Driver, s: Settings) -> list[tuple[str, str]]:
    rows = graphdb.run(
        drv, "MATCH (r:Researcher)-[:AUTHORED]->(w:Work) RETURN r.id AS r, w.id AS w", settings=s
    )
    return sorted((r["r"], r["w"]) for r in rows)


def test_one_paper_from_three_sources_is_one_work_with_the_richest_fields(
    graph: Driver, neo4j_settings: Settings
) -> None:
    s = neo4j_settings
    listing = work(
        "arxiv-listing",
        "LazyGNN: Large-Scale Graph Neural Networks via Lazy Propagation",
        ["Rui Xue", "Haoyu Han"],
        authors_truncated=True,
        categories=["LG"],
        month=2,
        day=3,
        has_code=True,
    )
    arxiv = work(
        "arxiv",
        "LazyGNN: Large-scale graph neural networks via lazy propagation",
        ["Rui Xue", "Haoyu Han", "MohamadAli Torkamani", "Jian Pei", "Xiaorui Liu"],
        ids=WorkIds(arxiv="2302.01503v1"),
        year=2023,
        month=2,
        day=3,
        abstract="Recent works have demonstrated the benefits of capturing long-distance dependency.",
        categories=["cs.LG"],
        topics=[TopicRef(id="arxiv:cs.LG", name="cs.LG", scheme="arxiv", level="category")],
    )
    summary = load(graph, s, [listing, arxiv])
    assert (summary.read, summary.loaded, summary.rejected, summary.exit_code) == (2, 2, 0, 0)
    rows = graphdb.run(graph, "MATCH (w:Work) RETURN properties(w) AS p", settings=s)
    assert len(rows) == 1
    p = rows[0]["p"]
    assert p["id"] == "arxiv:2302.01503"
    assert p["title"] == "LazyGNN: Large-scale graph neural networks via lazy propagation"
    assert p["abstract"].startswith("Recent works have demonstrated")
    assert p["date"] == "2023-02-03" and p["year"] == 2023
    assert p["authors_truncated"] is False and p["author_count"] == 5
    assert p["has_code"] is True
    assert p["categories"] == ["LG", "cs.LG"]
    assert p["sources"] == ["arxiv", "arxiv-listing"]
    assert p["arxiv_id"] == "2302.01503"
    assert "title:" in " ".join(p["ids"]) and "arxiv:2302.01503" in p["ids"]
    names = graphdb.run(
        graph,
        "MATCH (r:Researcher)-[a:AUTHORED]->(:Work) RETURN a.position AS pos, r.name AS name, a.sources AS src "
        "ORDER BY pos",
        settings=s,
    )
    assert [(n["pos"], n["name"], n["src"]) for n in names] == [
        (1, "Rui Xue", ["arxiv", "arxiv-listing"]),
        (2, "Haoyu Han", ["arxiv", "arxiv-listing"]),
        (3, "MohamadAli Torkamani", ["arxiv"]),
        (4, "Jian Pei", ["arxiv"]),
        (5, "Xiaorui Liu", ["arxiv"]),
    ]
    topics = graphdb.run(
        graph, "MATCH (:Work)-[h:HAS_TOPIC]->(t:Topic) RETURN t.id AS t, h.method AS m", settings=s
    )
    assert topics == [{"t": "arxiv:cs.LG", "m": "source"}]


BUNDLE = DATA / "bundle"
W1, W3 = "doi:10.1145/1234.5678", "arxiv:2203.01234"


def _w2() -> str:
    from kg.normalize import short_hash, title_key

    return f"title:{short_hash(title_key(CYPHER_TITLE))}"


CYPHER_TITLE = "'}) DETACH DELETE n //"


def load_paths(
    drv: Driver, s: Settings, paths: list[str], batch_size: int = 50, rejects_path: str | None = None
) -> pipeline.LoadSummary:
    from kg.sources import parsers

    return pipeline.load(
        drv,
        [(p, parsers.iter_records([p])) for p in paths],
        batch_size=batch_size,
        settings=s,
        derive=False,
        rejects_path=rejects_path,
    )


def works_of(drv: Driver, s: Settings) -> dict[str, list[str]]:
    rows = graphdb.run(
        drv,
        "MATCH (r:Researcher)-[:AUTHORED]->(w:Work) RETURN r.id AS r, r.name AS name, collect(w.id) AS works",
        settings=s,
    )
    out: dict[str, list[str]] = {}
    for row in rows:
        out.setdefault(row["name"], []).append(sorted(row["works"]))
    return {k: sorted(v) for k, v in out.items()}


def test_csv_bundle_gives_exact_nodes_and_edges(graph: Driver, neo4j_settings: Settings) -> None:
    s = neo4j_settings
    summary = load_paths(graph, s, [str(BUNDLE)])
    assert (summary.read, summary.loaded, summary.rejected, summary.exit_code) == (3, 3, 0, 0)
    titles = graphdb.run(
        graph, "MATCH (w:Work) RETURN w.id AS id, w.title AS t, w.year AS y ORDER BY id", settings=s
    )
    assert titles == [
        {"id": W3, "t": "Temporal Graph Networks at Scale", "y": 2022},
        {"id": W1, "t": "Graph Sampling for Scalable Training", "y": 2021},
        {"id": _w2(), "t": CYPHER_TITLE, "y": 2022},
    ]
    # Ada has an ORCID; Babbage is two people by the evidence: w1 and w3 share co-author Ada, w2 shares nothing
    assert works_of(graph, s) == {
        "Ada Lovelace": [sorted([W1, W3])],
        "Charles Babbage": sorted([[_w2()], sorted([W1, W3])]),
        "Mary Somerville": [[_w2()]],
    }
    ada = graphdb.run(
        graph,
        "MATCH (r:Researcher {id: 'orcid:0000-0002-1825-0097'}) RETURN r.identity_method AS m, "
        "r.identity_confidence AS c, r.orcid AS orcid, r.sources AS sources",
        settings=s,
    )
    assert ada == [{"m": "orcid", "c": 1.0, "orcid": "0000-0002-1825-0097", "sources": ["csv"]}]
    babbage = graphdb.run(
        graph,
        "MATCH (r:Researcher {name: 'Charles Babbage'})-[a:AUTHORED]->(w:Work {id: $w1}) "
        "RETURN r.identity_method AS m, r.identity_evidence AS ev, a.confidence AS conf, a.position AS pos",
        {"w1": W1},
        settings=s,
    )
    assert babbage[0]["m"] == "name-cluster" and babbage[0]["pos"] == 2
    assert f"shares co-author Ada Lovelace on {W3} and {W1}" in babbage[0]["ev"] or (
        f"shares co-author Ada Lovelace on {W1} and {W3}" in babbage[0]["ev"]
    )
    assert 0.6 < babbage[0]["conf"] < 1.0
    aff = graphdb.run(
        graph,
        "MATCH (r:Researcher)-[x:AFFILIATED_WITH]->(i:Institution) RETURN r.name AS r, i.name AS i, "
        "x.years AS years, x.source AS source",
        settings=s,
    )
    assert aff == [
        {
            "r": "Ada Lovelace",
            "i": "Analytical Engine Institute",
            "years": [2021, 2022],
            "source": "authorships",
        }
    ]
    # provenance on every node and every edge
    missing = graphdb.run(
        graph,
        "MATCH (n) WHERE NOT n:LoadRun AND (n.sources IS NULL OR n.load_run IS NULL) RETURN count(n) AS n",
        settings=s,
    )
    assert missing == [{"n": 0}]
    missing_edges = graphdb.run(
        graph,
        # COAUTHOR is derived with the load: its provenance is the works it lists
        "MATCH ()-[r]->() WHERE NOT r:COAUTHOR AND "
        "(r.load_run IS NULL OR r.source IS NULL OR size(coalesce(r.record_refs, [])) = 0) "
        "RETURN count(r) AS n",
        settings=s,
    )
    assert missing_edges == [{"n": 0}]
    refs = graphdb.run(
        graph,
        "MATCH (n) WHERE NOT n:LoadRun AND size(coalesce(n.record_refs, [])) = 0 RETURN count(n) AS n",
        settings=s,
    )
    assert refs == [{"n": 0}]
    w1_refs = graphdb.run(graph, "MATCH (w:Work {id: $id}) RETURN w.record_refs AS r", {"id": W1}, settings=s)
    assert w1_refs == [{"r": [f"csv:{BUNDLE / 'works.csv'}:2#w1"]}]
    run = graphdb.run(
        graph,
        "MATCH (l:LoadRun) RETURN l.read AS read, l.loaded AS loaded, l.rejected AS rejected, "
        "l.count_work AS works, l.source AS source, l.started_at IS NOT NULL AND l.finished_at IS NOT NULL AS t",
        settings=s,
    )
    assert run == [{"read": 3, "loaded": 3, "rejected": 0, "works": 3, "source": "csv", "t": True}]


def test_a_title_that_looks_like_cypher_is_stored_verbatim(graph: Driver, neo4j_settings: Settings) -> None:
    s = neo4j_settings
    evil = work("csv", "x'}) MATCH (n) DETACH DELETE n //", ["Eve"], year=2020)
    load(graph, s, [work("csv", "A harmless paper", ["Bob"], year=2020), evil])
    rows = graphdb.run(graph, "MATCH (w:Work) RETURN w.title AS t ORDER BY t", settings=s)
    assert rows == [{"t": "A harmless paper"}, {"t": "x'}) MATCH (n) DETACH DELETE n //"}]


def test_loading_twice_leaves_the_identical_graph(graph: Driver, neo4j_settings: Settings) -> None:
    s = neo4j_settings
    records = _mixed_records()
    load_paths(graph, s, [str(BUNDLE)])
    load(graph, s, records)
    first = dump(graph, s)
    load_paths(graph, s, [str(BUNDLE)])
    load(graph, s, records)
    assert dump(graph, s) == first
    assert graphdb.run(graph, "MATCH (l:LoadRun) RETURN count(l) AS n", settings=s) == [{"n": 4}]


def _mixed_records() -> list[Record]:
    return [
        work(
            "arxiv-listing",
            "Graph Sampling for Scalable Training",
            ["Ada Lovelace", "Charles Babbage"],
            authors_truncated=True,
            categories=["LG"],
            line=3,
        ),
        work(
            "openalex",
            "Graph sampling for scalable training",
            [
                AuthorRef(name="Ada Lovelace", position=1, orcid="0000-0002-1825-0097"),
                AuthorRef(
                    name="C. Babbage",
                    position=2,
                    openalex_id="A123",
                    institutions=[
                        InstitutionRef(name="Difference Engine Lab", ror="https://ror.org/00f54p054")
                    ],
                ),
                AuthorRef(name="Grace Hopper", position=3),
            ],
            ids=WorkIds(doi="https://doi.org/10.1145/1234.5678", openalex="W42"),
            year=2021,
            abstract="The full abstract.",
            topics=[TopicRef(id="openalex:T10001", name="Graph sampling", score=0.9)],
            references=["https://openalex.org/W43"],
        ),
        work(
            "openalex",
            "A cited paper",
            [AuthorRef(name="Grace Hopper", position=1)],
            ids=WorkIds(openalex="W43"),
            year=2019,
        ),
        work("daily-papers", "Graph Sampling for Scalable Training", [], author_count=3, upvotes=12),
    ]


def test_record_order_does_not_change_the_graph(graph: Driver, neo4j_settings: Settings) -> None:
    s = neo4j_settings
    records = _mixed_records()
    dumps = []
    for order in (records, records[::-1], [records[2], records[0], records[3], records[1]]):
        graph.execute_query("MATCH (n) DETACH DELETE n")
        load(graph, s, order, batch_size=1)
        dumps.append(dump(graph, s))
    assert dumps[0] == dumps[1] == dumps[2]
    w = graphdb.run(graph, "MATCH (w:Work {id: $id}) RETURN properties(w) AS p", {"id": W1}, settings=s)[0][
        "p"
    ]
    # the richer record wins; a truncated listing and a count-only listing never take anything away
    assert w["abstract"] == "The full abstract."
    assert w["authors_truncated"] is False and w["author_count"] == 3 and w["upvotes"] == 12
    assert w["openalex_id"] == "W42" and w["doi"] == "10.1145/1234.5678"
    assert sorted(w["sources"]) == ["arxiv-listing", "daily-papers", "openalex"]
    cites = graphdb.run(graph, "MATCH (a:Work)-[:CITES]->(b:Work) RETURN a.id AS a, b.id AS b", settings=s)
    assert cites == [{"a": W1, "b": "openalex:W43"}]
    babbage = graphdb.run(
        graph,
        "MATCH (r:Researcher)-[a:AUTHORED]->(:Work {id: $id}) WHERE a.position = 2 "
        "RETURN r.id AS id, r.name AS name, a.names AS names",
        {"id": W1},
        settings=s,
    )
    assert babbage == [
        {"id": "openalex:A123", "name": "Charles Babbage", "names": ["C. Babbage", "Charles Babbage"]}
    ]


def test_a_better_id_rekeys_the_work_and_a_bridging_record_merges_two(
    graph: Driver, neo4j_settings: Settings
) -> None:
    s = neo4j_settings
    title_only = work(
        "arxiv-listing",
        "Bridging Two Records",
        ["Ann Lee"],
        topics=[TopicRef(id="arxiv:cs.LG", scheme="arxiv", level="category")],
    )
    by_arxiv = work(
        "arxiv", "Bridging two records (extended)", ["Ann Lee"], ids=WorkIds(arxiv="2101.00001"), year=2021
    )
    by_doi = work(
        "csv", "Bridging two records: journal", ["Ann Lee"], ids=WorkIds(doi="10.1234/bridge"), year=2021
    )
    load(graph, s, [title_only, by_arxiv, by_doi])
    ids = graphdb.run(graph, "MATCH (w:Work) RETURN w.id AS id ORDER BY id", settings=s)
    assert len(ids) == 3  # three titles, no shared id: three works so far
    bridge = work(
        "openalex",
        "Bridging Two Records",
        ["Ann Lee"],
        ids=WorkIds(arxiv="2101.00001", doi="10.1234/BRIDGE"),
        year=2021,
    )
    load(graph, s, [bridge])
    rows = graphdb.run(
        graph,
        "MATCH (w:Work) RETURN w.id AS id, w.ids AS ids, COUNT { (w)-[:HAS_TOPIC]->() } AS topics, "
        "COUNT { (w)<-[:AUTHORED]-() } AS authors",
        settings=s,
    )
    assert len(rows) == 1
    assert rows[0]["id"] == "doi:10.1234/bridge"
    assert {"doi:10.1234/bridge", "arxiv:2101.00001"} <= set(rows[0]["ids"])
    assert rows[0]["topics"] == 1 and rows[0]["authors"] == 1


def test_a_load_killed_half_way_and_run_again_ends_like_a_clean_load(
    graph: Driver, neo4j_settings: Settings
) -> None:
    s = neo4j_settings
    records = _mixed_records()
    load(graph, s, records, batch_size=1)
    clean = dump(graph, s)
    graph.execute_query("MATCH (n) DETACH DELETE n")

    class Killed(Exception):
        pass

    def dies_after_two() -> Iterable[Record]:
        yield from records[:2]
        raise Killed

    with pytest.raises(Killed):
        pipeline.load(graph, [("fixture", dies_after_two())], batch_size=1, settings=s, derive=False)
    runs = graphdb.run(graph, "MATCH (l:LoadRun) RETURN l.status AS status, l.loaded AS loaded", settings=s)
    assert runs == [{"status": "failed", "loaded": 2}]
    load(graph, s, records, batch_size=1)
    assert dump(graph, s) == clean


# ---- the command ---------------------------------------------------------------------------------------


def kg(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    code = (
        "import sys\nfrom kg import cli\n"
        "for m in ('kg.cli.load', 'kg.cli.identity'):\n"
        "    if m not in cli.COMMAND_MODULES:\n        cli.COMMAND_MODULES.append(m)\n"
        "cli.main(sys.argv[1:])\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300
    )


def test_cli_rejects_truncated_json_and_exits_3(
    graph: Driver, cli_env: dict[str, str], tmp_path: Path
) -> None:
    good = {
        "id": "https://openalex.org/W1",
        "display_name": "A good work",
        "publication_year": 2020,
        "authorships": [
            {
                "author_position": "first",
                "author": {"id": "https://openalex.org/A1", "display_name": "Kim Lee"},
            }
        ],
    }
    f = tmp_path / "works.jsonl"
    f.write_text(json.dumps(good) + "\n" + '{"id": "https://openalex.org/W2", "display_name": "cut he' + "\n")
    result = kg(["load", str(f), "--no-derived", "--rejects", str(tmp_path / "rej.jsonl")], cli_env, tmp_path)
    assert result.returncode == 3, result.stderr
    rejects = [json.loads(x) for x in (tmp_path / "rej.jsonl").read_text().splitlines()]
    assert len(rejects) == 1
    assert rejects[0]["file"] == str(f) and rejects[0]["line"] == 2
    assert rejects[0]["raw"].startswith('{"id": "https://openalex.org/W2"')
    assert set(rejects[0]) == {"file", "line", "offset", "reason", "raw"}
    assert f"rejected {f}:2:" in result.stderr
    assert "read 2, loaded 1, rejected 1" in result.stdout
    assert "Traceback" not in result.stderr
    titles = graph.execute_query("MATCH (w:Work) RETURN w.title AS t").records
    assert [r["t"] for r in titles] == ["A good work"]


def test_cli_default_rejects_file_is_named_after_the_run(
    graph: Driver, cli_env: dict[str, str], tmp_path: Path, shared_data: Path
) -> None:
    feed = shared_data / "arxiv" / "atom" / "id_abc_s0_m100_b79c8dcf6bc3.xml"
    result = kg(["load", str(feed), "--no-derived"], cli_env, tmp_path)
    assert result.returncode == 1, result.stderr  # an error feed: nothing loaded
    files = list(tmp_path.glob("rejects-*.jsonl"))
    assert len(files) == 1
    rej = json.loads(files[0].read_text().splitlines()[0])
    assert "arXiv API error" in rej["reason"] and rej["file"] == str(feed)
    run_id = files[0].name.removeprefix("rejects-").removesuffix(".jsonl")
    runs = graph.execute_query("MATCH (l:LoadRun) RETURN l.id AS id, l.rejects_file AS f").records
    assert [(r["id"], r["f"]) for r in runs] == [(f"run:{run_id}", files[0].name)]


def test_cli_unreadable_file_fails_with_one_line(
    graph: Driver, cli_env: dict[str, str], tmp_path: Path
) -> None:
    missing = kg(["load", str(tmp_path / "nope.jsonl")], cli_env, tmp_path)
    assert missing.returncode == 1
    assert missing.stderr.strip().splitlines() == [
        f"error: cannot read {tmp_path / 'nope.jsonl'}: no such file or directory"
    ]
    latin = tmp_path / "bundle"
    latin.mkdir()
    (latin / "works.csv").write_bytes(
        "work_id,title,year,venue,doi,arxiv_id,abstract\nw1,Caf\xe9s,2020,,,,\n".encode("latin-1")
    )
    (latin / "authorships.csv").write_bytes(
        "work_id,author_id,author_name,position,institution_id,institution_name\nw1,,Jos\xe9 P\xe9rez,1,,\n".encode(
            "latin-1"
        )
    )
    result = kg(
        ["load", str(latin), "--no-derived", "--rejects", str(tmp_path / "r.jsonl")], cli_env, tmp_path
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert graph.execute_query("MATCH (w:Work) RETURN count(w) AS n").records[0]["n"] == 0


def test_cli_unknown_format_fails_with_one_line_before_the_load_starts(tmp_path: Path) -> None:
    """`kg load --format bogus` says so at once, as `kg parse` does: no Neo4j is asked (this one does not answer),
    no stage store or rejects file is made, no load run is opened."""
    from tests.conftest import kg_env
    from tests.kg_process import free_port

    env = kg_env(Settings(neo4j_uri=f"bolt://127.0.0.1:{free_port()}"))
    env["KG_STAGE_PATH"] = str(tmp_path / "stage.duckdb")
    f = tmp_path / "works.jsonl"
    f.write_text('{"id": "https://openalex.org/W1", "display_name": "A work"}\n')
    result = kg(["load", "--format", "bogus", str(f)], env, tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error: unknown format 'bogus' (one of: profile, arxiv-listing, daily-papers, openalex, arxiv-atom, "
        "arxiv-metadata, arxiv-abs, crossref, orcid, semanticscholar, recorded, csv-bundle)"
    ]
    assert result.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["works.jsonl"]


def test_cli_names_the_first_rejects_on_stderr_and_keeps_every_one_in_the_rejects_file(
    graph: Driver, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """A file of thousands of bad records printed thousands of reject lines (6,699 for a recorded Semantic Scholar
    session): the first REJECT_LINES are named, then one line says where the rest are."""
    from kg.cli.common import REJECT_LINES

    bad = REJECT_LINES + 10
    f = tmp_path / "works.jsonl"
    f.write_text("".join(f'{{"id": "https://openalex.org/W{i}", "display_name": "cut\n' for i in range(bad)))
    rejects = tmp_path / "rej.jsonl"
    result = kg(["load", str(f), "--no-derived", "--rejects", str(rejects)], cli_env, tmp_path)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    named = [x for x in lines if x.startswith(f"rejected {f}:")]
    assert [x.split(":", 2)[1] for x in named] == [str(n) for n in range(1, REJECT_LINES + 1)]
    assert (
        lines.count(
            f"… more rejects are not named here: every one is in {rejects} (their count comes at the end)"
        )
        == 1
    )
    assert f"{bad} rejected record(s) in {rejects}" in lines
    assert len(rejects.read_text(encoding="utf-8").splitlines()) == bad


def test_cli_a_format_that_loads_nothing_names_the_format_detection_finds(
    graph: Driver, cli_env: dict[str, str], tmp_path: Path
) -> None:
    f = tmp_path / "works.jsonl"
    f.write_text(json.dumps({"id": "https://openalex.org/W1", "display_name": "A work"}) + "\n")
    args = ["load", str(f), "--no-derived", "--rejects", str(tmp_path / "r.jsonl")]
    wrong = kg([*args, "--format", "crossref"], cli_env, tmp_path)
    assert wrong.returncode == 1
    assert wrong.stderr.splitlines()[-1] == (
        f"note: nothing was read as --format crossref; without --format, {f} is detected as openalex"
    )
    right = kg([*args, "--format", "openalex"], cli_env, tmp_path)
    assert right.returncode == 0 and "note:" not in right.stderr


def test_cli_load_help(cli_env: dict[str, str], tmp_path: Path) -> None:
    result = kg(["load", "--help"], cli_env, tmp_path)
    assert result.returncode == 0
    for opt in ("--format", "--batch-size", "--rejects"):
        assert opt in result.stdout


def test_derived_topics_and_coauthors_do_not_change_identity_on_reload(
    graph: Driver, neo4j_settings: Settings
) -> None:
    s = neo4j_settings
    records = _mixed_records()

    def identity_snapshot() -> list[tuple[str, str, int]]:
        rows = graphdb.run(
            graph,
            "MATCH (r:Researcher)-[a:AUTHORED]->(w:Work) RETURN r.id AS r, w.id AS w, a.position AS p "
            "ORDER BY r, w",
            settings=s,
        )
        return [(x["r"], x["w"], x["p"]) for x in rows]

    pipeline.load(graph, [("fixture", records)], batch_size=2, settings=s, derive=True)
    first = identity_snapshot()
    pipeline.load(graph, [("fixture", records)], batch_size=2, settings=s, derive=True)
    assert identity_snapshot() == first
    assert len(first) == 4  # Ada, Babbage and Grace Hopper on W42; Grace Hopper on W43


def test_an_unavailable_database_is_retried_with_a_bounded_backoff_then_one_clear_error(
    tmp_path: Path,
) -> None:
    import socket

    from neo4j import GraphDatabase

    from kg.errors import DatabaseUnavailable

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    s = Settings(neo4j_uri=f"bolt://127.0.0.1:{port}")
    drv = GraphDatabase.driver(
        s.uri, auth=("neo4j", "x"), connection_timeout=0.5, max_transaction_retry_time=0.1
    )
    from kg.stage.store import StageStore
    from kg.write import online

    waits: list[float] = []
    with StageStore(tmp_path / "stage.duckdb") as st:
        writer = online.OnlineWriter(
            drv, st, s, "run:test", merge=None, batch_size=10, sessions=1, sleep=waits.append
        )
        try:
            with pytest.raises(DatabaseUnavailable, match=r"gave up after 5 retries"):
                writer._write(online.Statement.once("RETURN 1"), [{"id": "w"}], "rows")
        finally:
            drv.close()
    assert waits == list(online.RETRY_DELAYS)


@pytest.mark.neo4j
def test_a_row_the_database_refuses_is_isolated_named_and_the_rest_of_its_batch_is_written(
    graph: Driver, neo4j_settings: Settings, tmp_path: Path
) -> None:
    """A batch refused for a reason that is not transient is halved down to the row that fails: that row is
    reported in one line, every other row of the batch is written, and only written rows are confirmed."""
    from kg.stage.store import StageStore
    from kg.write import online
    from kg.write.changes import Kind

    # the row whose id is 'w-bad' divides by zero: a client error, not a transient one
    stmt = online.Statement.once(
        "UNWIND $rows AS row WITH row WHERE row.id <> 'w-bad' OR 1 / 0 = 1 CREATE (:IsoProbe {id: row.id})"
    )
    ids = [f"w-{i}" for i in range(7)] + ["w-bad"] + [f"w-{i}" for i in range(7, 12)]
    failures: list[str] = []
    with StageStore(tmp_path / "stage.duckdb") as st:
        writer = online.OnlineWriter(
            graph, st, neo4j_settings, "run:test", merge=None, batch_size=100, sessions=1,
            on_failure=failures.append,
        )  # fmt: skip
        kind = Kind("IsoProbe", "work", (), False)
        confirmed = writer._write_isolating(
            kind, stmt, [online.Item({"id": i}, i, 1, True) for i in ids], "rows"
        )
    written = graphdb.run(graph, "MATCH (n:IsoProbe) RETURN n.id AS id ORDER BY id", settings=neo4j_settings)
    graphdb.run(graph, "MATCH (n:IsoProbe) DELETE n", write=True, settings=neo4j_settings)
    assert sorted(r["id"] for r in written) == sorted(i for i in ids if i != "w-bad")
    assert [c.key for c in confirmed] == [i for i in ids if i != "w-bad"]
    assert len(failures) == 1 and failures[0].startswith("IsoProbe w-bad: not written: ")
    assert "/ by zero" in failures[0] and writer.report.failed == failures
