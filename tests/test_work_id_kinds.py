"""The work id kinds are one table (kg.normalize.WORK_ID_KINDS): each kind alone makes a work identifiable at parse
time, gives the typed id identity resolves on, and reads the same as a typed reference."""

from __future__ import annotations

import pytest

from kg.identity.works import work_typed_ids
from kg.models import Provenance, WorkIds, WorkRecord
from kg.normalize import WORK_ID_KINDS, typed_work_ref

# (kind, as a source gives it, its normal form)
AS_GIVEN = [
    ("doi", "https://doi.org/10.1000/ABC.def", "10.1000/abc.def"),
    ("arxiv", "arXiv:2104.12255v2", "2104.12255"),
    ("openalex", "https://openalex.org/W2755950973", "W2755950973"),
    ("s2", "649DEF34F8BE52C8B66281AF98AE884C09AEF38B", "649def34f8be52c8b66281af98ae884c09aef38b"),
    ("mag", "2755950973", "2755950973"),
]


def test_the_table_holds_every_kind_in_order() -> None:
    assert [kind for kind, _ in WORK_ID_KINDS] == [kind for kind, _, _ in AS_GIVEN]


@pytest.mark.parametrize(("kind", "given", "normal"), AS_GIVEN)
def test_one_id_of_a_kind_is_enough_for_a_work_with_a_title_of_punctuation(
    kind: str, given: str, normal: str
) -> None:
    rec = WorkRecord(prov=Provenance(source="csv"), title="---", ids=WorkIds(**{kind: given}))
    assert work_typed_ids(rec) == [f"{kind}:{normal}"]
    assert typed_work_ref(f"{kind}:{given}") == f"{kind}:{normal}"


def test_an_id_that_does_not_normalize_is_no_id() -> None:
    with pytest.raises(ValueError, match="has no letter or digit to know it by"):
        WorkRecord(prov=Provenance(source="csv"), title="---", ids=WorkIds(doi="not a doi", mag="12a"))
    assert typed_work_ref("doi:not a doi") is None
