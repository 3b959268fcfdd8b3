"""The Crossref, ORCID, Semantic Scholar, arXiv .abs and recorded-response parsers on the real samples: exact values."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import pytest

from kg.models import Reject, ResearcherRecord, WorkRecord
from kg.sources import parsers
from kg.sources.parsers import detect_format

pytestmark = pytest.mark.shared_data


def records(path: Path | str) -> list[WorkRecord | ResearcherRecord | Reject]:
    return list(parsers.iter_records([path]))  # type: ignore[arg-type]


def test_crossref_works_one_record_per_titled_doi_with_authors_orcids_affiliations_references(
    shared_data: Path,
) -> None:
    path = shared_data / "crossref" / "crossref_works.jsonl"
    assert detect_format(path, path.read_bytes()[:65536]) == "crossref"
    out = records(path)
    works = [r for r in out if isinstance(r, WorkRecord)]
    rejects = [r for r in out if isinstance(r, Reject)]
    assert len(works) == 502 and len(rejects) == 18
    assert all(r.reason.endswith("has no title") for r in rejects)
    # an issue record and figure/supplement DOIs: no title to show, named by file, line and DOI
    first = min(rejects, key=lambda r: r.line or 0)
    assert (first.line, first.reason) == (329, "work 10.1002/humu.2018.39.issue-6 has no title")
    assert len({a.orcid for w in works for a in w.authors if a.orcid}) == 276
    w = next(w for w in works if w.ids.doi == "10.1002/sys.21414")
    assert w.title == (
        "Assessing causal claims about complex engineered systems with quantitative data: internal, external,"
        " and construct validity"
    )
    assert (w.year, w.month, w.venue, w.type) == (2017, 11, "Systems Engineering", "article")
    assert [(a.name, a.orcid, a.position) for a in w.authors] == [
        ("David A. Broniatowski", "0000-0002-3302-9497", 1),
        ("Conrad Tucker", None, 2),
    ]
    assert w.authors[1].institutions[0].name == (
        "Department of Engineering Design and Industrial Engineering The Pennsylvania State University"
        " 213 Hammond Building University Park PA USA"
    )
    # 126 references, 91 of them with a DOI: typed ids of cited works
    assert len(w.references) == 91 and all(r.startswith("doi:10.") for r in w.references)
    assert w.prov.source == "crossref" and w.prov.record_id == "10.1002/sys.21414"


def test_crossref_work_list_page_and_work_message(tmp_path: Path, shared_data: Path) -> None:
    lines = (shared_data / "crossref" / "crossref_works.jsonl").read_text().splitlines()
    items = [json.loads(x) for x in lines[2:5]]
    page = {
        "status": "ok",
        "message-type": "work-list",
        "message-version": "1.0.0",
        "message": {"total-results": 3, "items": items, "items-per-page": 20, "next-cursor": "abc"},
    }
    single = {"status": "ok", "message-type": "work", "message-version": "1.0.0", "message": items[0]}
    failed = {
        "status": "failed",
        "message-type": "validation-failure",
        "message": [{"message": "bad filter"}],
    }
    f = tmp_path / "pages.jsonl"
    f.write_text("\n".join(json.dumps(x) for x in (page, single, failed)) + "\n")
    out = records(f)
    assert [type(r).__name__ for r in out] == ["WorkRecord"] * 4 + ["Reject"]
    assert [r.line if isinstance(r, Reject) else r.prov.line for r in out] == [1, 1, 1, 2, 3]
    assert out[0].ids.doi == out[3].ids.doi  # type: ignore[union-attr]
    assert "Crossref API error (failed)" in out[4].reason  # type: ignore[union-attr]


def test_semantic_scholar_paper_gives_itself_its_references_and_citing_papers(shared_data: Path) -> None:
    out = records(shared_data / "semanticscholar" / "Paper_with_1000_citations.json")
    assert len(out) == 1015 and all(isinstance(r, WorkRecord) for r in out)
    paper = out[0]
    assert isinstance(paper, WorkRecord)
    assert (paper.title, paper.year, paper.month, paper.day) == (
        "Computing Machinery and Intelligence",
        1950,
        10,
        1,
    )
    assert paper.ids.s2 == "2d5673caa9e6af3a7b82a43f19ee920992db07ad"
    assert (paper.ids.doi, paper.ids.mag) == ("10.1093/mind/lix.236.433", "2145482038")
    assert [(a.name, a.s2_id) for a in paper.authors] == [("A. Turing", "2262347")]
    assert paper.venue == "Mind" and paper.type == "article"
    # 14 references: 8 with a paperId (typed by every id they carry), 6 known to S2 by title only
    assert "s2:348f436fd9a3965f5ff17db031a9f43426f89b8e" in paper.references
    assert "doi:10.2307/3610576" in paper.references
    assert sum(r.startswith("title:") for r in paper.references) == 6
    citing = out[15:]
    assert len(citing) == 1000
    assert all("s2:2d5673caa9e6af3a7b82a43f19ee920992db07ad" in c.references for c in citing)  # type: ignore[union-attr]
    first = citing[0]
    assert isinstance(first, WorkRecord)
    assert first.title.startswith("The Journey/DAO/TAO of Embodied Intelligence")
    assert [a.name for a in first.authors][:2] == ["Tianyu Shen", "Jinlin Sun"] or first.authors


def test_semantic_scholar_author_with_papers(shared_data: Path) -> None:
    out = records(shared_data / "semanticscholar" / "Author_with_60_papers.json")
    person = [r for r in out if isinstance(r, ResearcherRecord)]
    works = [r for r in out if isinstance(r, WorkRecord)]
    assert len(person) == 1 and len(works) == 60
    assert (person[0].name, person[0].ids.s2, person[0].reported.works) == ("A. Turing", "2262347", 60)
    assert all(any(a.s2_id == "2262347" for a in w.authors) for w in works)


def test_semantic_scholar_cassette_pages(shared_data: Path) -> None:
    path = shared_data / "semanticscholar" / "s2_api_cassette_responses.json"
    assert detect_format(path, path.read_bytes()[:65536]) == "recorded"
    out = records(path)
    kinds = Counter(type(r).__name__ for r in out)
    # bulk search pages fetched with fields=citationCount carry no titles: each paper is named and rejected
    no_title = [r for r in out if isinstance(r, Reject) and "has no title" in r.reason]
    errors = [r.reason.split("): ", 1)[1] for r in out if isinstance(r, Reject) and "API error" in r.reason]
    assert errors == [
        "Semantic Scholar API error: Forbidden",
        "Semantic Scholar API error: No positive paper examples given",
        "Semantic Scholar API error: Paper with id 0 not found",
        "Semantic Scholar API error: Author with id 0 not found",
    ]
    assert kinds["Reject"] == len(no_title) + len(errors)
    # every author object (author search, batches, a paper's authors) and every titled paper in the 55 responses
    assert kinds["ResearcherRecord"] == 73 and kinds["WorkRecord"] == 1565
    turing = [
        r for r in out if isinstance(r, WorkRecord) and r.title == "Computing Machinery and Intelligence"
    ]
    assert turing and all(r.prov.line == 1 for r in turing)


def test_orcid_person_and_works_attach_works_to_the_person(shared_data: Path) -> None:
    path = shared_data / "orcid" / "orcid_v3_api_responses.json"
    out = records(path)
    assert not [r for r in out if isinstance(r, Reject)]
    people = [r for r in out if isinstance(r, ResearcherRecord)]
    eglen = [p for p in people if p.ids.orcid == "0000-0001-8607-8025"]
    assert [(p.name, len(p.works)) for p in eglen] == [("Stephen Eglen", 0), ("Stephen Eglen", 74)]
    w = eglen[1].works[0]
    assert (w.title, w.ids.doi, w.year, w.month, w.day, w.venue, w.type) == (
        "Open Code and Peer Review",
        "10.7557/19.5311",
        2020,
        2,
        4,
        "Open Science Talk",
        "article",
    )
    # full /work records with no /person in the file: named by ORCID's own source entry, authors from the BibTeX
    kreutzer = [p for p in people if p.ids.orcid == "0000-0002-0734-2199"]
    assert [p.name for p in kreutzer] == ["Sebastian Kreutzer"]
    titles = {x.title: [a.name for a in x.authors] for x in kreutzer[0].works}
    assert titles["Introducing an R package for luminescence dating analysis"] == [
        "Sebastian Kreutzer",
        "Christoph Schmidt",
        "Margret C Fuchs",
        "Michael Dietze",
        "Manfred Fischer",
        "Markus Fuchs",
    ]
    chamberlain = next(p for p in people if p.ids.orcid == "0000-0003-1444-9135")
    assert (chamberlain.name, chamberlain.aliases) == ("Scott A Chamberlain", ["Scott Chamberlain"])


def test_orcid_works_without_their_person_are_rejected_with_what_to_fetch(
    tmp_path: Path, shared_data: Path
) -> None:
    envs = json.loads((shared_data / "orcid" / "orcid_v3_api_responses.json").read_text())
    works = next(e for e in envs if e["uri"].endswith("0000-0002-9341-7985/works"))["response"]
    alone = tmp_path / "works.json"
    alone.write_text(json.dumps(works))
    # alone, the works take the name ORCID gives the person as the source of the work they added themselves
    out = records(alone)
    assert [(type(r).__name__, getattr(r, "name", None), len(getattr(r, "works", []))) for r in out] == [
        ("ResearcherRecord", "Peter Binfield", 8)
    ]

    def self_added(g: dict) -> bool:
        return any(
            (s["source"].get("source-orcid") or {}).get("path") == "0000-0002-9341-7985"
            for s in g["work-summary"]
        )

    others = dict(works, group=[g for g in works["group"] if not self_added(g)])
    unnamed = tmp_path / "unnamed.json"
    unnamed.write_text(json.dumps(others))
    out = records(unnamed)
    assert len(out) == 1 and isinstance(out[0], Reject)
    assert out[0].reason == (
        "7 work(s) of ORCID 0000-0002-9341-7985 without the person's name: load its /person response with them"
        " (kg harvest orcid fetches both)"
    )


def test_arxiv_abs_records_from_the_archive(shared_data: Path) -> None:
    path = shared_data / "arxiv" / "abs" / "arxiv_abs_pages.tar.gz"
    out = records(path)
    works = [r for r in out if isinstance(r, WorkRecord)]
    rejects = [r for r in out if isinstance(r, Reject)]
    assert len(works) == 1191
    assert [(r.file.rsplit("!", 1)[1], r.reason) for r in rejects] == [
        ("abs_files/ftp/math-ph/papers/0509/0509037.abs", "empty file")
    ]
    w = next(w for w in works if w.ids.arxiv == "0704.0001" and "/ftp/" in (w.prov.file or ""))
    assert w.title == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    assert [a.name for a in w.authors] == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan"]
    assert (w.year, w.month, w.day, w.categories) == (2007, 4, 2, ["hep-ph"])
    assert (w.ids.doi, w.venue) == ("10.1103/physrevd.76.013009", "Phys.Rev.D76:013009,2007")
    assert w.prov.line == 3 and w.abstract and w.abstract.startswith("A fully differential calculation")
    alma = next(w for w in works if w.ids.arxiv == "1501.99999")
    assert [(a.name, a.raw_affiliations) for a in alma.authors][:3] == [
        ("The SuperSuper Collaboration", []),
        ("Yoichi Tamura", []),
        ("Toshiki Saito", ["MPES & Oxford"]),
    ]
    boron = next(w for w in works if w.ids.arxiv == "1501.05201")
    assert [a.name for a in boron.authors] == ["Francesco Piscitelli"]  # "for the … collaboration" is a note
    latin1 = next(w for w in works if w.ids.arxiv == "1607.08199")
    assert [a.name for a in latin1.authors][:2] == ["Marcello Bernardara", "Emanuele Macrì"]


def test_recorded_responses_written_by_a_harvester_gzipped(tmp_path: Path, shared_data: Path) -> None:
    atom = (shared_data / "arxiv" / "atom" / "id_1605.08386_s0_m100_199195aa31ad.xml").read_text()
    page = json.loads((shared_data / "openalex" / "api_pages" / "keypaper_results_page1.json").read_text())
    f = tmp_path / "harvest.jsonl.gz"
    with gzip.open(f, "wt") as g:
        g.write(
            json.dumps(
                {"uri": "http://127.0.0.1:9/api/query?id_list=1605.08386", "source": "arxiv", "text": atom}
            )
            + "\n"
        )
        g.write(
            json.dumps({"uri": "http://127.0.0.1:9/works?cursor=*", "source": "openalex", "response": page})
            + "\n"
        )
        g.write(
            json.dumps(
                {
                    "uri": "http://127.0.0.1:9/works?cursor=x",
                    "source": "openalex",
                    "status": 500,
                    "response": None,
                }
            )
            + "\n"
        )
    out = records(f)
    assert [(type(r).__name__, r.line if isinstance(r, Reject) else r.prov.line) for r in out] == [
        ("WorkRecord", 1),
        ("WorkRecord", 2),
        ("WorkRecord", 2),
        ("Reject", 3),
    ]
    assert out[0].ids.arxiv == "1605.08386"  # type: ignore[union-attr]
    assert "HTTP status 500" in out[3].reason  # type: ignore[union-attr]
