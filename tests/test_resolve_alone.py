"""Records that share a title with others but that group_works never joins to them are decided in SQL
(kg.resolve.works.pending_components) and copied as staged: the tables must be the ones the model gives when it
merges every record with every record it shares a key with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kg.models import AuthorRef, Provenance, Record, SourceName, WorkIds, WorkRecord
from kg.resolve.engine import EmbeddedEngine
from kg.resolve.works import pending_components
from kg.stage.store import StageStore
from tests.test_resolve import TABLES

_TABLES = {
    **TABLES,
    "work_member": "wrec",
    "work_topic_src": "work_id, topic",
    "work_ref_src": "work_id, ref",
}


def _work(source: SourceName, line: int, title: str, year: int | None, **ids: str) -> WorkRecord:
    authors = [AuthorRef(name=f"Author {line} {i}", position=i, openalex_id=f"A{line}0{i}") for i in (1, 2)]
    return WorkRecord(
        prov=Provenance(source=source, file=f"{source}.jsonl", line=line),
        title=title,
        year=year,
        authors=authors,
        ids=WorkIds(**ids),
        references=[f"10.9/ref{line}"],
    )


# line → (what group_works makes of it, the record)
ALONE = {
    # one title, two DOIs: two papers whatever the years
    1: _work("crossref", 1, "Graph neural networks for molecules", 2020, doi="10.1000/a"),
    2: _work("crossref", 2, "Graph neural networks for molecules", 2020, doi="10.1000/b"),
    # one title years apart: a DOI'd paper and one known by its title only (two ids, two works)
    3: _work("crossref", 3, "A survey of sparse attention", 2012, doi="10.1000/c"),
    4: _work("arxiv-listing", 4, "A survey of sparse attention", 2019),
    # two arXiv ids under one title, one year apart
    5: _work("arxiv", 5, "Scaling laws revisited", 2021, arxiv="2101.00001"),
    6: _work("arxiv", 6, "Scaling laws revisited", 2022, arxiv="2201.00002"),
    # a short title a year apart: no link (group_works), though the SQL counts it as a possible one
    7: _work("openalex", 7, "Introduction", 2019, openalex="W7"),
    8: _work("openalex", 8, "Introduction", 2020, openalex="W8"),
}
MERGED = {
    # the published paper and its listing a year before: one paper
    11: _work("crossref", 11, "Contrastive pretraining of protein models", 2021, doi="10.1000/d"),
    12: _work("arxiv-listing", 12, "Contrastive pretraining of protein models", 2020),
    # no year known: a long title joins
    13: _work("openalex", 13, "Learning to rank with sparse features", None, openalex="W13"),
    14: _work("arxiv-listing", 14, "Learning to rank with sparse features", 2018),
    # known by title only, years apart: one id, so one Work
    15: _work("arxiv-listing", 15, "Notes on kernel methods", 2001),
    16: _work("arxiv-listing", 16, "Notes on kernel methods", 2011),
}


def _resolved(tmp: Path, name: str, parts: list[list[Record]], **engine: bool) -> dict[str, list[Any]]:
    with StageStore(tmp / f"{name}.duckdb") as st:
        for part in parts:
            st.stage("run:test", part)
            EmbeddedEngine(**engine).resolve(st)
        return {t: st.con.execute(f"SELECT * FROM {t} ORDER BY {o}").fetchall() for t, o in _TABLES.items()}


def _lines_of(st: StageStore, wrecs: list[str]) -> set[int]:
    rows = st.con.execute(
        "SELECT r.payload FROM work_recs w JOIN records r ON r.rec = w.rec WHERE list_contains(?, w.wrec)",
        [wrecs],
    ).fetchall()
    return {WorkRecord.model_validate_json(p).prov.line for (p,) in rows}


def test_records_sharing_a_title_they_cannot_join_go_down_the_copy_path(tmp_path: Path) -> None:
    records: list[Record] = [*ALONE.values(), *MERGED.values()]
    with StageStore(tmp_path / "split.duckdb") as st:
        st.stage("run:test", records)
        fast, slow = pending_components(st)
        model_fast, model_slow = pending_components(st, alone_in_sql=False)
        assert _lines_of(st, fast) == {1, 2, 3, 4, 5, 6}
        pairs = [[7, 8], [11, 12], [13, 14], [15, 16]]
        assert sorted(sorted(_lines_of(st, c)) for c in slow) == pairs
        # without the SQL, every record shares a key with another: components of two, all merged in Python
        assert model_fast == []
        assert sorted(sorted(_lines_of(st, c)) for c in model_slow) == [[1, 2], [3, 4], [5, 6], *pairs]
        EmbeddedEngine().resolve(st)
        works = st.con.execute(
            "SELECT work_id, count(*) FROM work_member GROUP BY work_id HAVING count(*) > 1"
        ).fetchall()
        assert len(works) == 3  # 11+12, 13+14, 15+16; the eight others alone
        assert st.scalar("SELECT count(*) FROM work") == 11
    model = _resolved(tmp_path, "model", [records], copy_single_records=False, strong_in_sql=False)
    ours = _resolved(tmp_path, "ours", [records])
    for table in _TABLES:
        assert ours[table] == model[table], table


def test_a_record_left_alone_joins_a_later_record_of_its_paper_as_one_load_would(tmp_path: Path) -> None:
    """Loaded first, records 1 and 2 are alone (two DOIs); a later listing of record 1's paper a year before
    (and a later copy of record 4's title with its own DOI, still alone) resolves as loading all at once."""
    later: list[Record] = [
        _work("arxiv-listing", 21, "Graph neural networks for molecules", 2019),
        _work("crossref", 22, "A survey of sparse attention", 2016, doi="10.1000/e"),
    ]
    first: list[Record] = list(ALONE.values())
    whole = _resolved(tmp_path, "whole", [first + later], copy_single_records=False, strong_in_sql=False)
    assert _resolved(tmp_path, "parts", [first, later]) == whole
    assert _resolved(tmp_path, "reversed", [later, first]) == whole


def _team(line: int, *authors: tuple[str, int | None, dict[str, str]]) -> WorkRecord:
    return WorkRecord(
        prov=Provenance(source="openalex", file="openalex.jsonl", line=line),
        title=f"Team paper number {line}",
        year=2020,
        authors=[AuthorRef(name=n, position=p, **ids) for n, p, ids in authors],
    )


def test_authors_of_one_name_key_told_apart_by_their_ids_are_copied_as_unify_mentions_numbers_them(
    tmp_path: Path,
) -> None:
    teams: list[Record] = [
        # two Li Wang (and a "Wang, L.": another name key), each an OpenAlex id of their own: the second "@2"
        _team(
            31,
            ("Li Wang", 3, {"openalex_id": "A31"}),
            ("Ada Byron", 1, {"openalex_id": "A32"}),
            ("Li Wang", 2, {"openalex_id": "A33"}),
            ("Wang, L.", 4, {"openalex_id": "A34"}),
        ),
        # an OpenAlex id and an ORCID do not tell two Li Wang apart: unify_mentions joins them
        _team(32, ("Li Wang", 1, {"openalex_id": "A35"}), ("Li Wang", 2, {"orcid": "0000-0002-1825-0097"})),
        # the source's own author ids tell them apart too
        _team(33, ("Li Wang", 1, {"source_id": "x1"}), ("Li Wang", 2, {"source_id": "x2"})),
        # ... but not from an OpenAlex id: unify_mentions joins them
        _team(36, ("Li Wang", 1, {"openalex_id": "A36"}), ("Li Wang", 2, {"source_id": "x3"})),
        # one position for two: unify_mentions decides
        _team(34, ("Li Wang", 1, {"openalex_id": "A38"}), ("Li Wang", 1, {"openalex_id": "A39"})),
        # one id twice: unify_mentions decides
        _team(35, ("Li Wang", 1, {"openalex_id": "A40"}), ("Lee Wang", 2, {"openalex_id": "A40"})),
    ]
    with StageStore(tmp_path / "split.duckdb") as st:
        st.stage("run:test", teams)
        assert st.scalar("SELECT count(*) FROM work_recs WHERE simple") == 0
        fast, slow = pending_components(st)
        assert _lines_of(st, fast) == {31, 33}
        assert sorted(sorted(_lines_of(st, c)) for c in slow) == [[32], [34], [35], [36]]
        EmbeddedEngine().resolve(st)
        slots = st.con.execute(
            "SELECT s.position, replace(s.key, w.id, '') FROM slot s JOIN work w ON w.id = s.work_id "
            "WHERE w.title = 'Team paper number 31' ORDER BY s.position"
        ).fetchall()
    assert slots == [(1, "#byron|ada"), (2, "#wang|li"), (3, "#wang|li@2"), (4, "#wang|l")]
    model = _resolved(tmp_path, "model", [teams], copy_single_records=False, strong_in_sql=False)
    assert _resolved(tmp_path, "ours", [teams]) == model
