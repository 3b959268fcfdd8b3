"""The stage's fast row builders make exactly the rows of the general functions they stand in for: one_work_props
is merge_work_props of one record, author_mention_row is mention_row of mention_from_author, and every stage table
of a batch of records is what the composition of those general functions (the stage before issue #15's worker
work, kept here as the reference) makes of them, on the shipped sample, every record of ../shared/data, a
synthetic corpus and a bundle with awkward cases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from kg import identity
from kg.identity import mention_from_author, merge_work_props
from kg.identity.works import one_work_props
from kg.models import (
    AuthorRef,
    InstitutionRef,
    Provenance,
    Record,
    Reject,
    ResearcherRecord,
    WorkIds,
    WorkRecord,
)
from kg.normalize import normalize_openalex, normalize_ror
from kg.sources.parsers.csv_bundle import AUTHORSHIP_COLUMNS, AUTHORSHIPS, WORK_COLUMNS, WORKS
from kg.sources.parsers.read import iter_records
from kg.stage import records as stage_records
from kg.stage.store import keyed_rows, stage_tables
from kg.synth import SynthParams
from kg.synth import generate as synth
from tests.test_stage_rows import _awkward_bundle, _write

SHIPPED = Path(stage_records.__file__).resolve().parent.parent / "data"


def _reference_institution_rows(wrec: str, rec: WorkRecord, ref: str) -> list[dict[str, Any]]:
    out = []
    for a in rec.authors:
        for iref in a.institutions:
            iid = identity.institution_id(iref)
            if not iid:
                continue
            out.append(
                {
                    "wrec": wrec, "id": iid, "name": (iref.name or "").strip() or None, "ror": normalize_ror(iref.ror),
                    "openalex_id": normalize_openalex(iref.openalex_id, "I"), "country_code": iref.country_code,
                    "type": iref.type, "source": rec.prov.source, "rank": identity.rank(rec.prov.source),
                    "record_ref": ref,
                }
            )  # fmt: skip
    return out


def _reference_work_stage_rows(
    wrec: str,
    parent: str,
    rec: WorkRecord,
    profile: ResearcherRecord | None,
    out: dict[str, list[dict[str, Any]]],
) -> None:
    """kg.stage.records.work_stage_rows as it was built from the general functions (merge_work_props of the one
    record, a Mention per author and mention_row of it, institution ids per reference)."""
    src = rec.prov.source
    ref = f"{src}:{rec.prov.ref}"
    props = merge_work_props([rec])
    mentions = [
        mention_from_author(a, src, rec.authors_truncated, f"{src}:") for a in rec.authors if a.name.strip()
    ]
    if profile is not None:
        mentions.append(stage_records.profile_mention(profile))
    m_rows = [stage_records.mention_row(wrec, m) for m in mentions]
    strong_ids = [x for r in m_rows for x in r["strong"]]
    simple = (
        profile is None
        and all(r["position"] is not None for r in m_rows)
        and len({r["name_key"] for r in m_rows}) == len(m_rows)
        and len(set(strong_ids)) == len(strong_ids)
    )
    tk = stage_records.title_key(rec.title)
    out["work_recs"].append(
        {
            "wrec": wrec, "rec": parent, "source": src, "title_key": tk or None, "year_key": rec.year,
            "keys": props["ids"], "profile_rec": parent if profile is not None else None,
            "payload": rec.model_dump_json() if profile is not None else None, "pending": True, "simple": simple,
            **{f"w_{c}": props.get(c) for c in stage_records.WORK_COLUMNS},
        }
    )  # fmt: skip
    out["work_keys"].extend({"wrec": wrec, "key": x} for x in props["ids"])
    out["mention_src"].extend(m_rows)
    seen: set[str] = set()
    for tr in [*rec.topics, *stage_records.arxiv_category_topics(rec)]:
        if tr.id not in seen:
            seen.add(tr.id)
            out["topic_ref_src"].append(
                {
                    "wrec": wrec, "topic": tr.id, "name": tr.name, "scheme": tr.scheme, "level": tr.level,
                    "score": tr.score, "source": src, "ref": ref,
                }
            )  # fmt: skip
    out["inst_ref_src"].extend(_reference_institution_rows(wrec, rec, ref))
    for r in sorted(set(rec.references)):
        typed = stage_records.typed_work_ref(r)
        if typed:
            out["ref_src"].append({"wrec": wrec, "ref": typed, "source": src})


def _reference_tables(recs: list[Record]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in stage_records.SCHEMAS}
    for row in keyed_rows("run:x", recs).values():
        obj = row["_obj"]
        if isinstance(obj, WorkRecord):
            _reference_work_stage_rows(row["rec"], row["rec"], obj, None, out)
        elif isinstance(obj, ResearcherRecord):
            for i, w in enumerate(obj.works):
                _reference_work_stage_rows(f"{row['rec']}/{i}", row["rec"], w, obj, out)
    return out


def _same_tables(recs: list[Record]) -> dict[str, int]:
    """The stage's tables of the records (kg.stage.store.stage_tables) against the reference's, row for row and in
    order; the rows per table."""
    assert recs
    got = stage_tables(list(keyed_rows("run:x", recs).values()))
    want = _reference_tables(recs)
    counts = {}
    for name, schema in stage_records.SCHEMAS.items():
        expected = pa.Table.from_pylist(want[name], schema=schema).to_pylist()
        actual = got[name].to_pylist() if name in got else []
        assert len(actual) == len(expected), name
        for a, e in zip(actual, expected, strict=True):
            assert a == e, name
        counts[name] = len(actual)
    return counts


def _records(*paths: Path) -> list[Record]:
    return [r for r in iter_records(list(paths)) if not isinstance(r, Reject)]


def test_the_shipped_sample_stages_the_reference_rows() -> None:
    counts = _same_tables(_records(SHIPPED))
    assert counts["work_recs"] >= 50 and counts["mention_src"] > 100 and counts["inst_ref_src"] > 0


@pytest.mark.shared_data
def test_every_record_of_the_shared_data_stages_the_reference_rows(shared_data: Path) -> None:
    recs = _records(shared_data)
    # profile pages (works staged with their person's mention), topics and works of every format are all there
    assert any(isinstance(r, ResearcherRecord) and r.works for r in recs)
    counts = _same_tables(recs)
    assert counts["work_recs"] > 1_000 and counts["topic_ref_src"] > 0 and counts["ref_src"] > 0


def test_a_synthetic_corpus_and_an_awkward_bundle_stage_the_reference_rows(tmp_path: Path) -> None:
    synth(SynthParams(works=3_000, seed=11), tmp_path / "synth")
    counts = _same_tables(_records(tmp_path / "synth", _awkward_bundle(tmp_path / "awkward")))
    assert counts["work_recs"] == 3_009 and counts["mention_src"] > 6_000


_ids = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "", " ", "A5000000001", " a5000000001 ", "https://openalex.org/A5000000001", "I4200000023", "W1",
            "0000-0002-1825-0097", "https://orcid.org/0000-0002-1825-0097", "orcid:0000-0002-1825-0097", "p7",
            "2262347", "s2:99", "https://ror.org/00f54p054", "00f54p054",
        ]
    ),
)  # fmt: skip
_institutions = st.lists(
    st.builds(
        InstitutionRef,
        name=st.one_of(st.none(), st.sampled_from(["Uni A", " Uni A ", "北京大学", "uni  a"])),
        ror=_ids,
        openalex_id=_ids,
        source_id=_ids,
        country_code=st.one_of(st.none(), st.just("DE")),
        type=st.one_of(st.none(), st.just("education")),
    ),
    max_size=3,
)
_authors = st.builds(
    AuthorRef,
    name=st.sampled_from(["Li Wang", " Li Wang ", "li  wang", "Wang, Li", "Zoë Ñúñez", "王芳", "X. Song"]),
    position=st.integers(min_value=1, max_value=4),  # AuthorRef: 1 or more
    orcid=_ids,
    openalex_id=_ids,
    source_id=_ids,
    s2_id=_ids,
    institutions=_institutions,
    raw_affiliations=st.lists(st.sampled_from(["Dept. A", "Dept. B", "Lab C", "Lab D"]), max_size=5),
)
_sources = st.sampled_from(["csv", "openalex", "semanticscholar", "arxiv-listing"])


@settings(max_examples=400, deadline=None)
@given(a=_authors, source=_sources, truncated=st.booleans())
def test_an_author_s_row_is_the_row_of_its_mention(a: AuthorRef, source: str, truncated: bool) -> None:
    # (the ids and names come again in other contexts across examples: the cached parts are functions of the
    # strings they are given, the scope included, never of the author they were first computed for)
    want = stage_records.mention_row("w", mention_from_author(a, source, truncated, f"{source}:"))
    assert stage_records.author_mention_row("w", a, source, truncated, f"{source}:") == want


def test_one_source_id_is_typed_by_the_scope_it_comes_with() -> None:
    a = AuthorRef(name="Li Wang", position=1, source_id="p7")
    rows = [
        stage_records.author_mention_row("w", a, src, False, f"{src}:") for src in ("csv", "openalex", "csv")
    ]
    assert [r["strong"] for r in rows] == [["csv:p7"], ["openalex:p7"], ["csv:p7"]]


def _work_or_none(**fields: Any) -> WorkRecord | None:
    """The record, or None for one parsing rejects: no id and a title of punctuation alone ("---" with no DOI,
    arXiv, OpenAlex, S2 or MAG id; tests/test_parse_broken.py), which never reaches the stage."""
    try:
        return WorkRecord(**fields)
    except ValidationError:
        return None


_works = st.builds(
    _work_or_none,
    prov=st.builds(Provenance, source=_sources, file=st.just("f.csv"), line=st.integers(1, 9)),
    title=st.sampled_from(["Graph Learning", " Graph  learning! ", "$\\alpha$-Graphen", "---"]),
    abstract=st.one_of(st.none(), st.sampled_from(["", " ", "An abstract."])),
    venue=st.one_of(st.none(), st.sampled_from(["", "NeurIPS "])),
    year=st.one_of(st.none(), st.integers(1990, 2030)),
    month=st.one_of(st.none(), st.integers(1, 12)),
    day=st.one_of(st.none(), st.integers(1, 31)),
    categories=st.lists(st.sampled_from(["", "cs.LG", "LG", "cs.LG", "math.ST"]), max_size=4),
    authors=st.lists(_authors, max_size=4),
    authors_truncated=st.booleans(),
    author_count=st.one_of(st.none(), st.integers(0, 8)),
    score=st.one_of(st.none(), st.floats(0, 10)),
    upvotes=st.one_of(st.none(), st.integers(0, 9)),
    has_code=st.one_of(st.none(), st.booleans()),
    ids=st.builds(
        WorkIds,
        doi=st.one_of(st.none(), st.sampled_from(["10.1000/ABC.1", "doi:10.1000/x", "not a doi"])),
        arxiv=st.one_of(st.none(), st.sampled_from(["2104.12255v2", "quant-ph/0201082", "x"])),
        openalex=st.one_of(st.none(), st.sampled_from(["W2755950973", "A1"])),
        s2=st.one_of(st.none(), st.just("0" * 40)),
        mag=st.one_of(st.none(), st.just("12345")),
    ),
    references=st.lists(
        st.sampled_from(["doi:10.1/a", "W2741809807", "title:0123456789abcdef", "x:y"]), max_size=4
    ),
    cited_by_count=st.one_of(st.none(), st.integers(0, 99)),
    pdf_url=st.one_of(st.none(), st.just("https://x.org/a.pdf")),
).filter(lambda r: r is not None)


@settings(max_examples=300, deadline=None)
@given(rec=_works)
def test_one_record_s_work_props_are_its_merged_props(rec: WorkRecord) -> None:
    assert one_work_props(rec) == merge_work_props([rec])


def test_an_institution_named_on_many_works_is_repaired_and_noted_on_each(tmp_path: Path) -> None:
    """The CSV bundle shares one InstitutionRef per (id, name) between its authors; one whose name cleaning
    changes is never shared, so every record naming it is repaired and noted, not only the first."""
    d = tmp_path / "b"
    d.mkdir()
    _write(d / WORKS, WORK_COLUMNS, [(f"w{i}", f"Work {i}", "2020", "", "", "", "") for i in range(3)])
    rows = [(f"w{i}", f"a{i}", "Ann Lee", "1", "i1", "Uni\x01 A") for i in range(3)]
    rows += [(f"w{i}", f"b{i}", "Bo Li", "2", "i2", "Uni B") for i in range(3)]
    # (enough text around the three control characters that the file is not taken for binary data)
    rows += [(f"w{i}", f"c{i}", f"Author {i}", "", "", "The University of Somewhere " * 5) for i in range(3)]
    _write(d / AUTHORSHIPS, AUTHORSHIP_COLUMNS, rows)
    items = list(iter_records([d]))
    notes = [it for it in items if isinstance(it, Reject) and it.note]
    assert len(notes) == 3 and all("institutions.0.name" in n.reason for n in notes)
    recs = [it for it in items if isinstance(it, WorkRecord)]
    assert [a.institutions[0].name for r in recs for a in r.authors[:2]] == ["Uni A", "Uni B"] * 3
    assert len({id(r.authors[1].institutions[0]) for r in recs}) == 1  # the clean one is shared
