"""OpenAlex and arXiv records parse to their exact values; every shared sample file parses, counted file by file."""

from __future__ import annotations

import gzip
import io
from collections import Counter
from pathlib import Path

import pytest

from kg.models import InstitutionRecord, InstitutionRef, Reject, ResearcherRecord, TopicRecord, WorkRecord
from kg.sources.parsers import iter_records
from kg.sources.parsers.base import Input
from kg.sources.parsers.openalex import rebuild_abstract

pytestmark = pytest.mark.shared_data


def _one(path: Path) -> list:  # type: ignore[type-arg]
    return list(iter_records([path]))


def test_abstract_is_rebuilt_from_the_inverted_index() -> None:
    assert rebuild_abstract({"graphs": [1, 4], "Learning": [0], "on": [2], "large": [3]}) == (
        "Learning graphs on large graphs"
    )
    assert rebuild_abstract(None) is None
    assert rebuild_abstract({}) is None


def test_openalex_work_entity_exact_values(shared_data: Path) -> None:
    (w,) = _one(shared_data / "openalex/entities/W2741809807.json")
    assert isinstance(w, WorkRecord)
    assert w.title == (
        "The state of OA: a large-scale analysis of the prevalence and impact of Open Access articles"
    )
    assert (w.type, w.venue, w.year, w.month, w.day, w.language) == ("article", "PeerJ", 2018, 2, 13, "en")
    assert w.abstract is not None
    assert w.abstract.startswith(
        "Despite growing interest in Open Access (OA) to scholarly literature, there is an unmet need"
    )
    assert w.abstract.endswith("as a way to inform OA policy and practice.")
    assert len(w.abstract.split(" ")) == 258
    assert w.ids.model_dump() == {
        "doi": "10.7717/peerj.4375",
        "arxiv": None,
        "openalex": "W2741809807",
        "mag": "2741809807",
        "pmid": "29456894",
        "s2": None,
        "source_id": None,
    }
    assert [(a.position, a.name, a.openalex_id) for a in w.authors] == [
        (1, "Heather Piwowar", "A5048491430"),
        (2, "Jason Priem", "A5023888391"),
        (3, "Vincent Larivière", "A5068542997"),
        (4, "Juan Pablo Alperin", "A5085171399"),  # the raw name as printed (display name: Alperín)
        (5, "Lisa Matthias", "A5066880338"),
        (6, "Bree Norlander", "A5015414792"),
        (7, "Ashley Farley", "A5062989025"),
        (8, "Jevin West", "A5046879461"),
        (9, "Stefanie Haustein", "A5014077037"),
    ]
    assert w.author_count == 9 and w.authors_truncated is False
    assert w.authors[0].orcid == "0000-0003-1613-5981"
    assert w.authors[0].institutions == [
        InstitutionRef(
            name="Impact Technology Development (United States)",
            ror="05ppvf150",
            openalex_id="I4210166736",
            country_code="US",
            type="company",
        )
    ]
    assert w.authors[0].raw_affiliations == ["Impactstory, Sanford, NC, USA"]
    assert [i.openalex_id for i in w.authors[3].institutions] == ["I18014758", "I4387153203"]
    assert w.authors[3].institutions[1].country_code is None
    assert [(t.id, t.name, t.score, t.level) for t in w.topics] == [
        ("openalex:T10102", "scientometrics and bibliometrics research", 0.9969, "topic"),
        ("openalex:T13607", "Academic Publishing and Open Access", 0.9807, "topic"),
        ("openalex:T11937", "Research Data Management Practices", 0.9185, "topic"),
    ]
    assert len(w.references) == 45
    assert w.references[:3] == ["W1560783210", "W1724212071", "W1767272795"]
    # what OpenAlex states about citations and where the open-access PDF is
    assert w.cited_by_count == 962
    assert w.pdf_url == "https://peerj.com/articles/4375.pdf"
    assert w.prov.model_dump() == {
        "source": "openalex",
        "file": str(shared_data / "openalex/entities/W2741809807.json"),
        "line": 1,
        "record_id": "W2741809807",
    }


def test_openalex_old_schema_work_uses_host_venue(shared_data: Path) -> None:
    (w,) = _one(shared_data / "openalex/entities/W-api-response.json")
    assert w.title == "GW170104: Observation of a 50-Solar-Mass Binary Black Hole Coalescence at Redshift 0.2"
    assert (w.venue, w.year, w.ids.doi, w.ids.openalex) == (
        "Physical Review Letters",
        2017,
        "10.1103/physrevlett.118.091101",
        "W2755950973",
    )
    assert [(a.name, a.openalex_id) for a in w.authors] == [("B. P. Abbott", "A2150889177")]
    assert w.authors[0].institutions[0].ror == "05dxps055"
    assert w.abstract is not None and w.abstract.startswith("We present the observation of GW170104")
    assert [t.id for t in w.topics] == ["openalex:T10309"]
    assert w.prov.line is None  # a pretty-printed document: the record id names it


def test_openalex_author_institution_topic_entities(shared_data: Path) -> None:
    (a,) = _one(shared_data / "openalex/entities/A5023888391.json")
    assert isinstance(a, ResearcherRecord)
    assert (a.name, a.ids.openalex, a.ids.orcid) == ("Jason Priem", "A5023888391", "0000-0001-6187-6610")
    assert a.aliases == ["Priem Jason"]
    assert a.reported.works == 62
    assert a.affiliation_status == "known"
    (old,) = _one(shared_data / "openalex/entities/A-api-response.json")
    assert (old.name, old.ids.orcid, old.affiliation) == (
        "B. P. Abbott",
        "0000-0002-3666-1234",
        "California Institute of Technology",
    )
    assert old.aliases == ["Barry P. Abbott", "B.P. Abbott", "Abbott, B.P."]
    assert old.institutions[0].openalex_id == "I157725225"
    (i,) = _one(shared_data / "openalex/entities/I27837315.json")
    assert isinstance(i, InstitutionRecord)
    assert (i.name, i.ror, i.openalex_id, i.country_code, i.type) == (
        "University of Michigan",
        "00jmfr291",
        "I27837315",
        "US",
        "funder",
    )
    (t,) = _one(shared_data / "openalex/entities/T11636.json")
    assert isinstance(t, TopicRecord)
    assert (t.id, t.name) == ("openalex:T11636", "Artificial Intelligence in Healthcare and Education")
    assert t.keywords[:3] == ["Artificial Intelligence", "Machine Learning", "Healthcare"]
    assert len(t.keywords) == 10
    assert (t.subfield and t.subfield.id, t.field and t.field.id, t.domain and t.domain.id) == (
        "openalex:subfield:2718",
        "openalex:field:27",
        "openalex:domain:4",
    )
    assert t.domain is not None and t.domain.name == "Health Sciences"


def test_openalex_entities_outside_the_graph_model_are_skipped_not_rejected(shared_data: Path) -> None:
    for name in ("C71924100.json", "F4320332161.json", "P4310319965.json", "S137773608.json"):
        assert _one(shared_data / "openalex/entities" / name) == []


def test_openalex_sample_counts_and_the_one_record_without_a_title(shared_data: Path) -> None:
    out = _one(shared_data / "openalex/works_sample.jsonl")
    assert Counter(o.kind for o in out) == {"work": 266, "reject": 1}
    (rej,) = [o for o in out if isinstance(o, Reject)]
    assert rej.line == 235
    assert rej.reason == "the work has no title (empty title and display_name)"
    assert rej.raw is not None and '"id": "https://openalex.org/W2963341956"' in rej.raw
    works = [o for o in out if isinstance(o, WorkRecord)]
    assert len({w.ids.openalex for w in works}) == 266
    first = works[0]
    assert first.title == "bibliometrix : An R-tool for comprehensive science mapping analysis"
    assert [(a.name, a.orcid) for a in first.authors] == [
        ("Massimo Aria", "0000-0002-8517-9411"),
        ("Corrado Cuccurullo", "0000-0002-7401-8575"),
    ]
    assert first.venue == "Journal of Informetrics"
    assert [t.id for t in first.topics] == ["openalex:T13398", "openalex:T11986", "openalex:T10799"]


def test_gzipped_json_lines_and_stdin_give_the_same_records(shared_data: Path, tmp_path: Path) -> None:
    src = shared_data / "openalex/works_sample.jsonl"
    gz = tmp_path / "part_000.jsonl.gz"
    gz.write_bytes(gzip.compress(src.read_bytes()))
    plain = [o.model_dump(exclude={"prov"}) for o in _one(src) if o.kind == "work"]
    zipped = [o.model_dump(exclude={"prov"}) for o in _one(gz) if o.kind == "work"]
    assert zipped == plain
    from kg.sources.parsers import openalex

    piped = [
        o.model_dump(exclude={"prov"})
        for o in openalex.parse(Input.from_stdin(io.BytesIO(gzip.compress(src.read_bytes()))))
        if o.kind == "work"
    ]
    assert piped == plain


def test_arxiv_atom_entry_exact_values(shared_data: Path) -> None:
    (w,) = _one(shared_data / "arxiv/atom/id_astro-ph_0601001_s0_m100_3150dca9dc76.xml")
    assert w.title == (
        "Frequency of Hot Jupiters and Very Hot Jupiters from the OGLE-III Transit Surveys Toward the "
        "Galactic Bulge and Carina"
    )
    assert w.ids.arxiv == "astro-ph/0601001"
    assert (w.year, w.month, w.day, w.type, w.venue) == (2006, 1, 2, "preprint", "ActaAstron.56:1-50,2006")
    assert w.categories == ["astro-ph"]
    assert [(a.position, a.name, a.raw_affiliations) for a in w.authors] == [
        (1, "Andrew Gould", ["Ohio State"]),
        (2, "Susan Dorsher", ["Ohio State"]),
        (3, "B. Scott Gaudi", ["CfA"]),
        (4, "Andrzej Udalski", ["Warsaw University Observatory"]),
    ]
    assert w.abstract is not None and w.abstract.startswith("We derive the frequencies of hot Jupiters")
    assert "Gould & Morgan (2003)" in w.abstract and "V_max<17.5" in w.abstract
    (w2,) = _one(shared_data / "arxiv/atom/id_2104.12255v1_s0_m100_6ae69987ffe1.xml")
    assert (w2.title, w2.ids.arxiv, w2.categories) == ("0", "2104.12255", ["cs.CR"])
    assert [a.name for a in w2.authors] == ["Quan Thoi Minh Nguyen"]


def test_arxiv_error_feed_is_a_reject_and_empty_feeds_are_zero_records(shared_data: Path) -> None:
    (rej,) = _one(shared_data / "arxiv/atom/id_abc_s0_m100_b79c8dcf6bc3.xml")
    assert isinstance(rej, Reject)
    assert rej.message == (
        f"{shared_data}/arxiv/atom/id_abc_s0_m100_b79c8dcf6bc3.xml:9: arXiv API error: incorrect id format for abc"
    )
    assert _one(shared_data / "arxiv/atom/id_0000.0000_s0_m100_8b51d9633a68.xml") == []
    assert _one(shared_data / "arxiv/atom/id_0808.05394_s0_m100_7b0c7d0a7cdd.xml") == []


def test_arxiv_metadata_snapshot(shared_data: Path) -> None:
    out = _one(shared_data / "arxiv/kaggle_arxiv_metadata_sample_200.jsonl")
    assert Counter(o.kind for o in out) == {"work": 200}
    first = out[0]
    assert first.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert [a.name for a in first.authors] == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan"]
    assert (first.ids.arxiv, first.ids.doi, first.categories) == (
        "0704.0001",
        "10.1103/physrevd.76.013009",
        ["hep-ph"],
    )
    assert (first.year, first.month, first.day) == (2007, 4, 2)  # the first version's date
    assert first.venue == "Phys.Rev.D76:013009,2007"
    second = out[1]
    assert [a.name for a in second.authors] == ["Ileana Streinu", "Louis Theran"]
    assert second.categories == ["math.CO", "cs.CG"]
    by_id = {o.ids.arxiv: o for o in out}
    assert [(a.name, a.raw_affiliations) for a in by_id["0704.0031"].authors] == [
        ("V. M. Biryukov", ["Serpukhov, IHEP"])
    ]
    # footnote markers in the affiliation slot are not affiliations
    assert by_id["0704.0025"].authors[0].raw_affiliations == []


ATOM_COUNTS = {
    "id_0000.0000_s0_m100_8b51d9633a68.xml": 0,
    "id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.xml": 1,
    "id_0808.05394_s0_m100_7b0c7d0a7cdd.xml": 0,
    "id_1605.08386_s0_m100_199195aa31ad.xml": 1,
    "id_1707.08567_s0_m100_6a1afebfc6a3.xml": 1,
    "id_2104.12255v1_s0_m100_6ae69987ffe1.xml": 1,
    "id_abc_s0_m100_b79c8dcf6bc3.xml": 0,
    "id_astro-ph_0601001_s0_m100_3150dca9dc76.xml": 1,
    "id_quant-ph_0201082v1_s0_m100_86989fe779ef.xml": 1,
    "q_testing_s0_m100_cfe7536492ca.xml": 100,
    "q_testing_s0_m10_bc5a6c384fe9.xml": 10,
    "q_testing_s0_m15_80c242b59d59.xml": 15,
    "q_testing_s10_m10_34e56e15aaac.xml": 10,
    "q_testing_s20_m10_348a237fecab.xml": 10,
    "q_testing_s30_m10_f2e39f0143dc.xml": 10,
    "q_testing_s40_m10_96dd32eb854c.xml": 10,
    "q_testing_s50_m10_7f488ab8598c.xml": 10,
    "q_testing_s5_m10_c0e94a259d4a.xml": 10,
    "q_testing_s5_m15_bbcf6b23085b.xml": 15,
    "q_testing_s9_m15_0b78d4b4d476.xml": 15,
    "raw_xml_id_list=1111.2011v2.xml": 1,
    "raw_xml_search_query=au_del_maestro+AND+ti__quantum+criticality_.xml": 2,
    "raw_xml_search_query=au_del_maestro+AND+ti_checkerboard.xml": 1,
    "raw_xml_search_query=au_del_maestro+ANDNOT+_28ti_checkerboard+OR+ti_Pyrochlore_29.xml": 10,
    "raw_xml_search_query=au_del_maestro.xml": 10,
}


def test_every_shared_file_parses_counted_per_file(shared_data: Path) -> None:
    """The whole data directory in one walk: records per file, and rejects only where the data holds no record
    (untitled works, API responses that are not records, files of no loadable format)."""
    per_file: Counter[tuple[str, str]] = Counter()
    rejects = []
    rejects_per_dir: Counter[str] = Counter()
    for o in iter_records([shared_data]):
        if isinstance(o, Reject):
            if o.note:
                continue
            where = o.message.removeprefix(f"{shared_data}/")
            rejects.append(where)
            rejects_per_dir[where.split("/", 1)[0]] += 1
        else:
            per_file[
                (Path((o.prov.file or "").split("!")[0]).relative_to(shared_data).as_posix(), o.kind)
            ] += 1
    for known in (
        "arxiv/atom/id_abc_s0_m100_b79c8dcf6bc3.xml:9: arXiv API error: incorrect id format for abc",
        "openalex/works_sample.jsonl:235: the work has no title (empty title and display_name)",
    ):
        assert known in rejects
    # the co-authorship tables and the labeled identity set are not record formats; Crossref lists 18 untitled
    # DOIs (figures, tables, issues); most of the Semantic Scholar cassette is search hits and recommendation
    # lists without titles; one .abs file is empty
    assert rejects_per_dir == {
        "arxiv": 2,
        "coauthorship": 7,
        "crossref": 18,
        "identity": 3565,
        "openalex": 2,
        "semanticscholar": 6699,
    }
    assert per_file[("crossref/crossref_works.jsonl", "work")] == 502
    assert per_file[("arxiv/abs/arxiv_abs_pages.tar.gz", "work")] == 1191
    for name, n in ATOM_COUNTS.items():
        assert per_file[(f"arxiv/atom/{name}", "work")] == n, name
    assert sum(n for (f, _), n in per_file.items() if f.startswith("arxiv/atom/")) == 245
    assert per_file[("arxiv/kaggle_arxiv_metadata_sample_200.jsonl", "work")] == 200
    assert per_file[("openalex/works_sample.jsonl", "work")] == 266
    assert per_file[("topics/openalex_topics.csv", "topic")] == 4516
    assert per_file[("seeds/000_f2563290c831939d.txt", "researcher")] == 1
    assert per_file[("seeds/001_7842cf0743cc3464.txt", "work")] == 12
    assert per_file[("seeds/003_cc0be168ede23e5d.txt", "work")] == 47
    entity_kinds = {f.rsplit("/", 1)[1]: k for (f, k) in per_file if f.startswith("openalex/entities/")}
    assert entity_kinds == {
        "A-api-response.json": "researcher",
        "A5023888391.json": "researcher",
        "A5317838346.json": "researcher",
        "I27837315.json": "institution",
        "T11636.json": "topic",
        "W-api-response.json": "work",
        "W2741809807.json": "work",
    }


def test_topic_table_rows_become_topics_with_their_hierarchy(shared_data: Path) -> None:
    topics = [o for o in _one(shared_data / "topics/openalex_topics.csv") if isinstance(o, TopicRecord)]
    first = topics[0]
    assert (first.id, first.name) == ("openalex:T10001", "Geological and Geochemical Analysis")
    assert first.keywords[:2] == ["Zircon", "Geochronology"]
    assert (first.subfield and first.subfield.id, first.field and first.field.name) == (
        "openalex:subfield:1908",
        "Earth and Planetary Sciences",
    )
    assert first.prov.line == 2
