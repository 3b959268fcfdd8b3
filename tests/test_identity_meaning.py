"""The topic model's pair features (kg.identity.meaning): a work's meaning depends on its text alone, two titles with
no word in common can still mean one field, a side without text gives NaN, and only a model trained on them makes
clustering call the topic model."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from kg.identity import Mention, Slot, SlotContext, cluster_block, meaning
from kg.identity.features import ALL_FEATURE_NAMES, FEATURE_NAMES, block_evidence, feature_matrix
from kg.identity.meaning import MEANING_FEATURE_NAMES
from kg.identity.model import META_FILE, MODEL_DIR, MODEL_FILE, load


def _ctx(i: int, title: str | None, venue: str | None = None, name: str = "Jim Gray") -> SlotContext:
    work = f"openalex:W{i}"
    return SlotContext(
        slot=Slot(work_id=work, mentions=[Mention(source="openalex", name=name, position=1)]),
        work_ids={work},
        coauthors={},
        topics={},
        venue=venue,
        year=1990 + i,
        title=title,
    )


DB_A = "Query optimization for relational databases"
DB_B = "Concurrency control and recovery in transaction processing"
BIO = "Protein folding pathways in yeast cells"


def _features(ctxs: list[SlotContext], pairs: list[tuple[int, int]]) -> list[dict[str, float]]:
    ev, stats = block_evidence(ctxs, meaning=True)
    m = feature_matrix(ev, stats, pairs, ALL_FEATURE_NAMES)
    return [dict(zip(ALL_FEATURE_NAMES, row.tolist(), strict=True)) for row in m]


def test_two_database_titles_without_a_common_word_mean_more_alike_than_database_and_biology() -> None:
    db_db, db_bio = _features([_ctx(0, DB_A), _ctx(1, DB_B), _ctx(2, BIO)], [(0, 1), (0, 2)])
    assert db_db["title_shared"] == 0 and db_bio["title_shared"] == 0  # no word in common either way
    assert db_db["meaning_subfield_cosine"] > db_bio["meaning_subfield_cosine"] + 0.2
    assert db_db["meaning_field_cosine"] > db_bio["meaning_field_cosine"]
    assert db_db["meaning_same_field"] == 1.0 and db_bio["meaning_same_field"] == 0.0
    for f in MEANING_FEATURE_NAMES[:-1]:
        assert 0.0 <= db_db[f] <= 1.0 + 1e-6
    assert math.isnan(db_db["meaning_venue_cosine"])  # no venue


def test_a_works_meaning_is_the_same_alone_or_among_others_and_in_any_order() -> None:
    meaning._CACHE.clear()
    alone = meaning.meanings([_ctx(0, DB_A)])[0]
    meaning._CACHE.clear()
    among = meaning.meanings([_ctx(5, BIO), _ctx(3, DB_B), _ctx(0, DB_A)])[2]
    assert alone is not None and among is not None
    for level in ("topics", "subfields", "fields"):
        np.testing.assert_array_equal(getattr(alone, level)[0], getattr(among, level)[0])
        np.testing.assert_array_equal(getattr(alone, level)[1], getattr(among, level)[1])
    assert (alone.top_subfield, alone.top_field, alone.top_subfield_p) == (
        among.top_subfield,
        among.top_field,
        among.top_subfield_p,
    )


def test_a_side_without_text_gives_nan_and_the_base_features_do_not_change() -> None:
    ctxs = [_ctx(0, DB_A, "SIGMOD"), _ctx(1, None, "SIGMOD"), _ctx(2, DB_B, "VLDB")]
    rows = _features(ctxs, [(0, 1), (0, 2)])
    assert all(math.isnan(rows[0][f]) for f in MEANING_FEATURE_NAMES[:-1])
    assert rows[0]["meaning_venue_cosine"] > 0.99  # its venue's profile is what slot 0's title gives SIGMOD
    assert not any(math.isnan(rows[1][f]) for f in MEANING_FEATURE_NAMES)
    ev, stats = block_evidence(ctxs)
    base = feature_matrix(ev, stats, [(0, 1), (0, 2)])
    assert base.shape == (2, len(FEATURE_NAMES))
    with_meaning = np.asarray([[r[f] for f in FEATURE_NAMES] for r in rows], dtype=np.float32)
    np.testing.assert_array_equal(np.nan_to_num(base, nan=-9), np.nan_to_num(with_meaning, nan=-9))


def test_the_venue_profile_compares_what_two_venues_publish_in_the_block() -> None:
    ctxs = [
        _ctx(0, DB_A, "SIGMOD"),
        _ctx(1, "Indexing large relational tables", "SIGMOD"),
        _ctx(2, DB_B, "VLDB"),
        _ctx(3, BIO, "Cell"),
        _ctx(4, DB_A + " again", None),
    ]
    sigmod_vldb, sigmod_cell, no_venue = _features(ctxs, [(1, 2), (1, 3), (1, 4)])
    assert sigmod_vldb["meaning_venue_cosine"] > sigmod_cell["meaning_venue_cosine"] + 0.2
    assert math.isnan(no_venue["meaning_venue_cosine"])
    # SIGMOD's profile holds both its titles: slot 0's own title changes slot 1's pair to VLDB
    alone = _features([ctxs[1], ctxs[2]], [(0, 1)])[0]
    assert alone["meaning_venue_cosine"] != sigmod_vldb["meaning_venue_cosine"]


def test_meaning_columns_asked_of_evidence_built_without_them_is_an_error() -> None:
    ev, stats = block_evidence([_ctx(0, DB_A), _ctx(1, DB_B)])
    with pytest.raises(ValueError, match="meaning"):
        feature_matrix(ev, stats, [(0, 1)], ALL_FEATURE_NAMES)


class _Scorer:
    threshold = 0.5
    linkage = "average"

    def __init__(self, features: tuple[str, ...] | None) -> None:
        if features is not None:
            self.features = features
        self.seen: list[int] = []

    def predict(self, x: np.ndarray) -> np.ndarray:
        self.seen.append(x.shape[1])
        return np.full(x.shape[0], 0.9)


def test_only_a_model_that_reads_meaning_makes_clustering_call_the_topic_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    block = [_ctx(0, DB_A), _ctx(1, DB_B), _ctx(2, BIO)]
    calls: list[int] = []
    real = meaning._compute

    def counting(texts: list[meaning.Text]) -> list[meaning.Meaning | None]:
        calls.append(len(texts))
        return real(texts)

    monkeypatch.setattr(meaning, "_compute", counting)
    meaning._CACHE.clear()
    plain = _Scorer(None)
    cluster_block(block, model=plain)
    assert calls == [] and plain.seen == [len(FEATURE_NAMES)]
    reads = _Scorer(ALL_FEATURE_NAMES)
    cluster_block(block, model=reads)
    assert calls == [3] and reads.seen == [len(ALL_FEATURE_NAMES)]
    cluster_block(list(reversed(block)), model=reads)
    assert calls == [3]  # each work's text read once per process


def test_a_model_reading_meaning_must_match_the_packaged_topic_model(tmp_path: Path) -> None:
    meta = json.loads((MODEL_DIR / META_FILE).read_text(encoding="utf-8"))
    meta["features"] = list(ALL_FEATURE_NAMES)
    (tmp_path / MODEL_FILE).write_text((MODEL_DIR / MODEL_FILE).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / META_FILE).write_text(json.dumps({**meta, "topic_model_sha": "0" * 64}), encoding="utf-8")
    with pytest.raises(ValueError, match="topic model changed"):
        load(tmp_path)
    (tmp_path / META_FILE).write_text(
        json.dumps({**meta, "topic_model_sha": meaning.topic_model_sha()}), encoding="utf-8"
    )
    assert load(tmp_path).features == ALL_FEATURE_NAMES
    meta["features"] = ["same_name_key", "no_such_feature"]
    (tmp_path / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ValueError, match="other features"):
        load(tmp_path)
