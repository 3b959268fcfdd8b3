"""`kg load` of Crossref, Semantic Scholar and ORCID samples against the real Neo4j: works, people, CITES."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver

from kg import graphdb, pipeline
from kg.config import Settings
from kg.sources import parsers

pytestmark = [pytest.mark.neo4j, pytest.mark.shared_data]


def load(drv: Driver, s: Settings, *paths: Path) -> list[pipeline.LoadSummary]:
    return [
        pipeline.load(drv, [(str(p), parsers.iter_records([p]))], settings=s, derive=False, rejects_path=None)
        for p in paths
    ]


def q(drv: Driver, s: Settings, cypher: str, **params: Any) -> list[dict[str, Any]]:
    return graphdb.run(drv, cypher, params, settings=s)


def test_crossref_gives_one_work_per_titled_doi_its_authors_orcid_researchers_and_citations(
    graph: Driver, neo4j_settings: Settings, shared_data: Path
) -> None:
    s = neo4j_settings
    (summary,) = load(graph, s, shared_data / "crossref" / "crossref_works.jsonl")
    assert (summary.read, summary.loaded, summary.rejected) == (520, 502, 18)
    assert q(graph, s, "MATCH (w:Work) RETURN count(w) AS n, count(w.doi) AS dois")[0] == {
        "n": 502,
        "dois": 502,
    }
    assert (
        q(graph, s, "MATCH (r:Researcher) WHERE r.orcid IS NOT NULL RETURN count(DISTINCT r.orcid) AS n")[0][
            "n"
        ]
        == 276
    )
    assert q(graph, s, "MATCH (r:Researcher) WHERE r.orcid IS NOT NULL RETURN count(r) AS n")[0]["n"] == 276
    row = q(
        graph,
        s,
        "MATCH (w:Work {id: 'doi:10.1002/sys.21414'}) "
        "RETURN w.title AS title, w.year AS year, w.venue AS venue, size(w.references) AS refs, w.sources AS sources, "
        "[(r)-[a:AUTHORED]->(w) | [a.position, r.id, r.name]] AS authors",
    )[0]
    assert row["title"].startswith("Assessing causal claims about complex engineered systems")
    assert (row["year"], row["venue"], row["refs"], row["sources"]) == (
        2017,
        "Systems Engineering",
        91,
        ["crossref"],
    )
    assert sorted(row["authors"])[0] == [1, "orcid:0000-0002-3302-9497", "David A. Broniatowski"]
    assert sorted(row["authors"])[1][2] == "Conrad Tucker"
    insts = q(
        graph,
        s,
        "MATCH (:Researcher {id: 'orcid:0000-0002-3302-9497'})-[:AFFILIATED_WITH]->(i:Institution) RETURN i.name AS n",
    )
    assert [r["n"] for r in insts] == [
        "Department of Engineering Management and Systems Engineering, School of Engineering and Applied Science"
        " The George Washington University 800 22nd St. NW #2700 Washington DC USA"
    ]
    # citations between the sample's own works, by the DOIs their reference lists give
    cites = q(
        graph,
        s,
        "MATCH (a:Work)-[c:CITES]->(b:Work) RETURN a.id AS a, b.id AS b, c.source AS src ORDER BY a, b",
    )
    assert len(cites) == 15
    assert {"a": "doi:10.7717/peerj.4794", "b": "doi:10.7717/peerj.616", "src": "crossref"} in cites
    assert {
        "a": "doi:10.1016/j.eng.2023.12.006",
        "b": "doi:10.1016/j.eng.2021.12.002",
        "src": "crossref",
    } in cites


def test_semantic_scholar_paper_its_citing_papers_and_references_with_cites(
    graph: Driver, neo4j_settings: Settings, shared_data: Path
) -> None:
    s = neo4j_settings
    (summary,) = load(graph, s, shared_data / "semanticscholar" / "Paper_with_1000_citations.json")
    assert (summary.loaded, summary.rejected) == (1015, 0)
    assert q(graph, s, "MATCH (w:Work) RETURN count(w) AS n")[0]["n"] == 1015
    row = q(
        graph,
        s,
        "MATCH (w:Work {doi: '10.1093/mind/lix.236.433'}) RETURN w.id AS id, w.title AS title, w.year AS year, "
        "[x IN w.ids WHERE x STARTS WITH 's2:'] AS s2, COUNT { (w)-[:CITES]->() } AS cites, COUNT { (w)<-[:CITES]-() } AS cited_by, "
        "[(r)-[:AUTHORED]->(w) | r.id + ' ' + r.name] AS authors",
    )[0]
    assert row == {
        "id": "doi:10.1093/mind/lix.236.433",
        "title": "Computing Machinery and Intelligence",
        "year": 1950,
        "s2": ["s2:2d5673caa9e6af3a7b82a43f19ee920992db07ad"],
        "cites": 14,
        "cited_by": 1000,
        "authors": ["s2:2262347 A. Turing"],
    }
    assert q(graph, s, "MATCH ()-[c:CITES]->() RETURN count(c) AS n")[0]["n"] == 1014
    # a reference S2 knows by title only is still cited (by its title id)
    hartree = q(
        graph,
        s,
        "MATCH (:Work {doi: '10.1093/mind/lix.236.433'})-[:CITES]->(b:Work {doi: '10.2307/3610576'}) RETURN b.title AS t",
    )
    assert hartree == [{"t": "Calculating Instruments and Machines"}]
    no_s2 = "MATCH (w:Work) WHERE none(x IN w.ids WHERE x STARTS WITH 's2:') RETURN count(w) AS n"
    assert q(graph, s, no_s2)[0]["n"] == 6


def test_semantic_scholar_author_record_and_paper_join_by_the_s2_author_id(
    graph: Driver, neo4j_settings: Settings, shared_data: Path
) -> None:
    s = neo4j_settings
    d = shared_data / "semanticscholar"
    load(graph, s, d / "Author_with_60_papers.json", d / "Paper_with_1000_citations.json")
    row = q(
        graph,
        s,
        "MATCH (r:Researcher {id: 's2:2262347'}) RETURN r.name AS name, r.reported_works AS reported, "
        "COUNT { (r)-[:AUTHORED]->() } AS works, r.sources AS sources",
    )
    # the author's 60 papers and the 1950 paper (one of them) are one person's: S2 id s2:2262347
    assert row == [{"name": "A. Turing", "reported": 60, "works": 60, "sources": ["semanticscholar"]}]


def test_orcid_records_attach_works_to_the_person_by_orcid_with_crossref(
    graph: Driver, neo4j_settings: Settings, shared_data: Path
) -> None:
    s = neo4j_settings
    load(
        graph,
        s,
        shared_data / "orcid" / "orcid_v3_api_responses.json",
        shared_data / "crossref" / "crossref_works.jsonl",
    )
    eglen = q(
        graph,
        s,
        "MATCH (r:Researcher {orcid: '0000-0001-8607-8025'}) "
        "RETURN r.id AS id, r.name AS name, COUNT { (r)-[:AUTHORED]->() } AS works",
    )
    # 74 work groups in ORCID; 13 repeat another's title within a year (a preprint and its paper), merged
    # unless both carry a DOI (two DOIs are two works)
    assert eglen == [{"id": "orcid:0000-0001-8607-8025", "name": "Stephen Eglen", "works": 67}]
    open_code = q(
        graph,
        s,
        "MATCH (w:Work {id: 'doi:10.7557/19.5311'}) RETURN w.title AS t, w.venue AS v, "
        "[(r)-[:AUTHORED]->(w) | r.id] AS authors",
    )
    assert open_code == [
        {"t": "Open Code and Peer Review", "v": "Open Science Talk", "authors": ["orcid:0000-0001-8607-8025"]}
    ]
    # Crossref lists Scott Chamberlain with his ORCID on two papers: the same researcher as his ORCID record
    chamberlain = q(
        graph,
        s,
        "MATCH (r:Researcher {orcid: '0000-0003-1444-9135'}) RETURN r.name AS name, r.sources AS src, "
        "[(r)-[:AUTHORED]->(w) WHERE 'crossref' IN w.sources | w.id] AS crossref_works",
    )
    assert len(chamberlain) == 1
    assert chamberlain[0]["name"] == "Scott A Chamberlain" and chamberlain[0]["src"] == ["crossref", "orcid"]
    assert sorted(chamberlain[0]["crossref_works"]) == [
        "doi:10.1111/2041-210x.12469",
        "doi:10.1111/2041-210x.13440",
        "doi:10.32614/cran.package.rfishbase",
    ]
