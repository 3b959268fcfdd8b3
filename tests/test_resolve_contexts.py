"""The resolve stage's slot contexts carry what the pairwise model was trained on (kg.identity.labeled builds the
training contexts from the records alone): here, each work's references, and so shared references and
self-citations. No database: the records are staged and resolved in DuckDB."""

from __future__ import annotations

from pathlib import Path

from kg.identity import labeled
from kg.identity.context import SlotContext, bare_openalex
from kg.identity.features import FEATURE_NAMES, block_evidence, pair_features
from kg.models import AuthorRef, Provenance, WorkIds, WorkRecord
from kg.resolve.engine import EmbeddedEngine
from kg.resolve.researchers import _group_contexts
from kg.stage.store import StageStore


def _novak(line: int, oa: str, title: str, references: list[str]) -> WorkRecord:
    # no author id: the block goes to the model, so its contexts are built by _group_contexts
    return WorkRecord(
        prov=Provenance(source="openalex", file="openalex.jsonl", line=line),
        title=title,
        ids=WorkIds(openalex=oa),
        authors=[AuthorRef(name="Jan Novak", position=1)],
        references=references,
    )


def _contexts(tmp: Path, records: list[WorkRecord]) -> dict[str, SlotContext]:
    """Each work's (only) slot context as the resolve stage builds it, by the work's OpenAlex id."""
    st = StageStore(tmp / "stage.duckdb")
    try:
        st.stage("run:test", records)
        EmbeddedEngine().resolve(st)
        groups = [g for (g,) in st.con.execute("SELECT DISTINCT block FROM slot ORDER BY block").fetchall()]
        ctxs = [c for _, cs, _ in _group_contexts(st, groups) for c in cs]
    finally:
        st.close()
    return {w: c for c in ctxs for w in bare_openalex(c.work_ids)}


def test_a_staged_work_s_context_carries_its_references_as_in_training(tmp_path: Path) -> None:
    cited = _novak(1, "W100", "Graph sampling", ["https://openalex.org/W7", "W8"])
    citing = _novak(2, "W200", "Soil carbon", ["W100", "W8", "W9", "doi:10.1000/xyz"])
    got = _contexts(tmp_path, [cited, citing])

    # the bare OpenAlex ids kg.identity.labeled gives the model (a cited DOI is not one)
    assert got["W100"].references == frozenset({"W7", "W8"})
    assert got["W200"].references == frozenset({"W100", "W8", "W9"})
    for rec in (cited, citing):
        (trained, _), *_ = labeled.work_contexts(rec)
        assert got[rec.ids.openalex or ""].references == trained.references

    ev, stats = block_evidence([got["W100"], got["W200"]])
    features = dict(zip(FEATURE_NAMES, pair_features(ev[0], ev[1], stats), strict=True))
    assert features["references_shared"] == 1.0  # W8
    assert features["self_citation"] == 1.0  # W200 cites W100


def test_a_work_without_references_leaves_the_reference_features_unknown(tmp_path: Path) -> None:
    got = _contexts(tmp_path, [_novak(1, "W100", "Graph sampling", []), _novak(2, "W200", "Soil", ["W9"])])
    assert got["W100"].references == frozenset()

    ev, stats = block_evidence([got["W100"], got["W200"]])
    features = dict(zip(FEATURE_NAMES, pair_features(ev[0], ev[1], stats), strict=True))
    assert features["references_shared"] != features["references_shared"]  # NaN: unknown, not "none shared"
    assert features["self_citation"] == 0.0
