"""The cross-validation that measures the disambiguation model chooses its setting honestly: inside each outer fold,
on the training folds alone, so the held-out fold's labels never decide how it is clustered (nested selection)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from kg.identity import Mention, Slot, SlotContext
from kg.identity import train as training
from kg.normalize import block_key

FAMILIES = ["Wang", "Gray", "Gao", "Xue", "Zhang", "Gupta", "Martin", "Deng", "Wagner", "Schreiber"]
TOPICS = [["graph", "query", "index"], ["protein", "cell", "membrane"], ["storage", "stream", "disk"]]


def _labeled_blocks(rng: random.Random) -> list[training.Block]:
    """Ten name files, each one name block of three people told apart by co-authors, venue and title words."""
    blocks = []
    work = 0
    for family in FAMILIES:
        contexts: list[SlotContext] = []
        truth: dict[str, str] = {}
        for person, words in enumerate(TOPICS):
            coauthors = [f"{c} {family}son" for c in ("Li", "Bo", "Ada", "Hui")][person : person + 2]
            for _ in range(5):
                work += 1
                wid = f"openalex:W{work}"
                m = Mention(source="openalex", name=f"Wei {family}", position=1)
                co = rng.sample([*coauthors, "Jim Smith", "Yu Chen"], 2)
                ctx = SlotContext(
                    slot=Slot(work_id=wid, mentions=[m]),
                    work_ids={wid},
                    coauthors={block_key(c): c for c in co},
                    topics={},
                    venue=["SIGMOD", "Cell", "FAST"][person] if rng.random() < 0.8 else "Nature",
                    year=2010 + person * 3 + rng.randrange(3),
                    title=" ".join([*rng.sample(words, 2), rng.choice(["new", "fast", "large"])]),
                )
                contexts.append(ctx)
                truth[ctx.key] = f"{family}#{person}"
        blocks.append(training.Block("arnetminer", block_key(f"Wei {family}"), family, contexts, truth))
    return blocks


@pytest.fixture
def small_rounds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(training, "ROUNDS", 20)
    monkeypatch.setattr(training, "GROUP_ROUNDS", 10)
    monkeypatch.setattr(training, "PARAMS", {**training.PARAMS, "min_data_in_leaf": 5})
    monkeypatch.setattr(training, "GROUP_PARAMS", {**training.GROUP_PARAMS, "min_data_in_leaf": 2})


def _cv(blocks: list[training.Block]) -> dict[str, object]:
    return training.cross_validate(
        blocks, thresholds=(0.3, 0.6, 0.9), two_step=((0.9, 0.5),), log=lambda _: None
    )


def test_the_held_out_folds_labels_never_choose_its_setting(small_rounds: None) -> None:
    blocks = _labeled_blocks(random.Random(7))
    cv = _cv(blocks)
    nested = cv["nested"]
    assert isinstance(nested, dict) and set(nested) == {"any", "one-step", "any-unguarded"}
    fold_of = cv["fold_of_group"]
    assert isinstance(fold_of, dict)
    # scramble the labels of fold 0's blocks only: the figures of every setting on fold 0 change, the settings
    # fold 0 is clustered with do not (they were chosen on the other folds), and nor do its clusters
    scrambled = []
    for b in blocks:
        truth = dict(b.truth)
        if fold_of[b.group] == 0:
            people = sorted(set(truth.values()))
            truth = {
                k: people[(people.index(v) + i) % len(people)]
                for i, (k, v) in enumerate(sorted(truth.items()))
            }
        scrambled.append(training.Block(b.dataset, b.key, b.group, b.contexts, truth))
    again = _cv(scrambled)
    assert again["by_threshold"] != cv["by_threshold"]
    held_out = {k for b in blocks if fold_of[b.group] == 0 for k in b.truth}
    for family in ("any", "one-step", "any-unguarded"):
        before, after = nested[family], again["nested"][family]  # type: ignore[index]
        assert after["chosen_by_fold"][0] == before["chosen_by_fold"][0]
        assert {k: after["predicted"][k] for k in held_out} == {k: before["predicted"][k] for k in held_out}
    # (the other folds train on fold 0: their choices may move, as they should)


def test_nested_clusters_are_each_folds_chosen_setting_out_of_fold(small_rounds: None) -> None:
    blocks = _labeled_blocks(random.Random(11))
    cv = _cv(blocks)
    fold_of = cv["fold_of_group"]
    predicted = cv["predicted"]
    assert isinstance(fold_of, dict) and isinstance(predicted, dict)
    for family in ("any", "one-step", "any-unguarded"):
        n = cv["nested"][family]  # type: ignore[index]
        assert len(n["chosen_by_fold"]) == training.FOLDS
        if family == "one-step":
            assert not any(c.startswith("two-step") for c in n["chosen_by_fold"])
        if family == "any-unguarded":
            assert not any(c.startswith("guarded") for c in n["chosen_by_fold"])
        for b in blocks:
            setting = training.parse_config(n["chosen_by_fold"][fold_of[b.group]])
            for k in b.truth:
                assert n["predicted"][k] == predicted[setting][k]
        assert n["scores"]["arnetminer"]["pairwise"]["mentions"] == sum(len(b.truth) for b in blocks)


def test_one_preparation_selected_to_the_22_features_gives_the_22_feature_figures(small_rounds: None) -> None:
    """bench/identity_meaning compares feature sets on one preparation: its "base" rows are the plain ones."""
    from kg.identity.features import ALL_FEATURE_NAMES, FEATURE_NAMES

    blocks = _labeled_blocks(random.Random(5))
    plain = training.cross_validate(blocks, thresholds=(0.5,), two_step=(), nested=False, log=lambda _: None)
    full = [training.prepare(b, ALL_FEATURE_NAMES) for b in blocks]
    selected = training.cross_validate(
        blocks,
        thresholds=(0.5,),
        two_step=(),
        nested=False,
        log=lambda _: None,
        prepared=training.select(full, FEATURE_NAMES),
    )
    assert selected["by_threshold"] == plain["by_threshold"]
    assert full[0].features.shape[1] == len(ALL_FEATURE_NAMES)
    assert training.select(full, FEATURE_NAMES)[0].names == FEATURE_NAMES


def test_monotone_constraints_are_given_by_name_and_reach_lightgbm_in_column_order() -> None:
    names = ("title_cosine", "coauthors_min", "year_gap", "coauthors_shared")
    got = training.booster_params({"monotone_constraints": {"coauthors_shared": 1, "year_gap": -1}}, names)
    assert got["monotone_constraints"] == [0, 0, -1, 1]
    # a constraint on a feature this booster does not read is left out; a misspelt one is an error
    assert training.booster_params({"monotone_constraints": {"abstract_cosine": 1}}, names)[
        "monotone_constraints"
    ] == [0, 0, 0, 0]
    with pytest.raises(ValueError, match="coauthors_sharde"):
        training.booster_params({"monotone_constraints": {"coauthors_sharde": 1}}, names)
    assert "monotone_constraints_method" not in training.booster_params(
        {"monotone_constraints_method": "intermediate"}, names
    )


def test_a_constrained_booster_never_lowers_a_pair_as_its_agreement_rises(small_rounds: None) -> None:
    """The params given to fit_pairs (what bench/identity_monotone varies) are the ones the booster is trained with:
    on these blocks the unconstrained booster's probability drops somewhere as title_cosine rises (by 0.007)."""
    from kg.identity.features import FEATURE_NAMES

    prepared = [training.prepare(b) for b in _labeled_blocks(random.Random(3))]
    rows = np.vstack([p.features[p.labeled] for p in prepared])
    params = {
        **training.PARAMS,
        "monotone_constraints": training.MONOTONE,
        "monotone_constraints_method": "intermediate",
    }
    booster = training.fit_pairs(prepared, params)
    for name in training.MONOTONE:
        j = FEATURE_NAMES.index(name)
        grid = np.unique(rows[:, j][~np.isnan(rows[:, j])])  # every value the blocks hold
        probs = []
        for v in grid:
            x = rows.copy()
            x[:, j] = v
            probs.append(booster.predict(x))
        assert len(grid) < 2 or np.diff(np.vstack(probs), axis=0).min() >= -1e-12, name
