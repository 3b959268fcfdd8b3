"""A Semantic Scholar author entity describes the researcher its S2 mentions went to, also when that researcher is
named by another strong id (an OpenAlex author id or an ORCID a merged work's other source gave): one person, one
Researcher. Pure: stage and resolve in DuckDB, no database."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.models import (
    AuthorRef,
    Provenance,
    Record,
    ResearcherIds,
    ResearcherRecord,
    SourceName,
    WorkIds,
    WorkRecord,
)
from kg.resolve.engine import EmbeddedEngine
from kg.sources.parsers.read import iter_records
from kg.stage.store import StageStore

# The same paper as OpenAlex lists it (built here: the shared OpenAlex samples do not hold it), its author carrying
# an OpenAlex author id, so the slot the two sources share is named by that id rather than by the S2 id.
OPENALEX_ID = "A5000000001"
MIND_1950 = WorkRecord(
    prov=Provenance(source="openalex", file="openalex.jsonl", line=1),
    title="Computing Machinery and Intelligence",
    year=1950,
    ids=WorkIds(doi="10.1093/mind/lix.236.433"),
    authors=[AuthorRef(name="Alan M. Turing", position=1, openalex_id=OPENALEX_ID)],
)


def _s2_author_file(shared: Path) -> list[Record]:
    """A. Turing as Semantic Scholar describes him (author 2262347) and his 60 papers."""
    path = shared / "semanticscholar" / "Author_with_60_papers.json"
    return [r for r in iter_records([path]) if isinstance(r, Record)]


def _turings(st: StageStore) -> list[tuple[str, str]]:
    sql = "SELECT id, name FROM researcher WHERE name IN ('A. Turing', 'Alan M. Turing') ORDER BY id"
    return st.con.execute(sql).fetchall()


@pytest.mark.parametrize("order", ["openalex first", "s2 first"])
def test_the_s2_author_entity_joins_the_researcher_its_s2_mentions_went_to(
    tmp_path: Path, shared_data: Path, order: str
) -> None:
    s2 = _s2_author_file(shared_data)
    assert sum(isinstance(r, ResearcherRecord) for r in s2) == 1
    recs = [MIND_1950, *s2] if order == "openalex first" else [*s2, MIND_1950]
    with StageStore(tmp_path / "stage.duckdb") as st:
        st.stage("run:test", recs)
        EmbeddedEngine().resolve(st)
        assert _turings(st) == [(f"openalex:{OPENALEX_ID}", "A. Turing")]
        (target,) = st.con.execute(
            "SELECT t.researcher FROM record_target t JOIN researcher_recs r USING (rec) WHERE r.source = ?",
            ["semanticscholar"],
        ).fetchone() or (None,)
        assert target == f"openalex:{OPENALEX_ID}"
        works = st.con.execute("SELECT count(DISTINCT dst) FROM authored WHERE src = ?", [target]).fetchone()
        assert works == (60,)  # the 60 S2 papers, the OpenAlex record being one of them (one DOI, one Work)


def test_a_store_staged_before_s2_ids_were_kept_is_brought_up_to_date_when_opened(
    tmp_path: Path, shared_data: Path
) -> None:
    path = tmp_path / "stage.duckdb"
    with StageStore(path) as st:
        st.stage("run:test", [MIND_1950, *_s2_author_file(shared_data)])
        EmbeddedEngine().resolve(st)
        # what a version-1 store holds: the author entity's S2 id left out of its strong ids, so it was resolved
        # into a researcher of its own
        st.con.execute("UPDATE researcher_recs SET strong = []")
        st.set_meta("schema_version", "1")
        EmbeddedEngine().resolve(st)
        assert [i for i, _ in _turings(st)] == [f"openalex:{OPENALEX_ID}", "s2:2262347"]
    with StageStore(path) as st:
        assert st.meta("schema_version") == "2"
        staged = st.con.execute("SELECT strong, pending FROM researcher_recs").fetchall()
        assert staged == [(["s2:2262347"], True)]
        EmbeddedEngine().resolve(st)
        assert _turings(st) == [(f"openalex:{OPENALEX_ID}", "A. Turing")]


def test_an_s2_author_entity_whose_ids_sit_with_two_orcids_never_joins_them(tmp_path: Path) -> None:
    """The entity gives ORCID X and S2 id 12345; ORCID X wrote one paper, ORCID Z another whose S2 record names
    author 12345 (S2 filed two people under one id, or OpenAlex did under two): two people stay two, and the entity
    describes the one its best id (the ORCID) names."""
    x, z = "0000-0002-1825-0097", "0000-0001-5109-3700"

    def work(source: SourceName, line: int, title: str, doi: str, author: AuthorRef) -> WorkRecord:
        prov = Provenance(source=source, file=f"{source}.json", line=line)
        return WorkRecord(prov=prov, title=title, year=2021, ids=WorkIds(doi=doi), authors=[author])

    def ada(**ids: str | None) -> AuthorRef:
        return AuthorRef.model_validate({"name": "Ada Lovelace", "position": 1, **ids})

    entity = ResearcherRecord(
        prov=Provenance(source="semanticscholar", file="author.json", line=1),
        name="Ada Lovelace",
        ids=ResearcherIds(s2="12345", orcid=x),
    )
    recs: list[Record] = [
        work("openalex", 1, "Deep graph kernels for molecules", "10.1000/x1", ada(orcid=x)),
        work("openalex", 2, "Soil carbon in alpine meadows", "10.1000/x2", ada(orcid=z)),
        work("semanticscholar", 3, "Soil carbon in alpine meadows", "10.1000/x2", ada(s2_id="12345")),
        entity,
    ]
    with StageStore(tmp_path / "stage.duckdb") as st:
        st.stage("run:test", recs)
        EmbeddedEngine().resolve(st)
        authored = st.con.execute("SELECT src, dst FROM authored ORDER BY ALL").fetchall()
        assert authored == [(f"orcid:{z}", "doi:10.1000/x2"), (f"orcid:{x}", "doi:10.1000/x1")]
        assert st.con.execute("SELECT researcher FROM record_target").fetchall() == [(f"orcid:{x}",)]
        assert st.con.execute("SELECT count(*) FROM researcher").fetchone() == (2,)
