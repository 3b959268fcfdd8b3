"""The pairwise model: the probability that two author slots of one name block are one person, from their pair
features (kg.identity.features). A LightGBM booster shipped as a small text file inside the package
(kg/identity/model/pairwise.txt, written by `kg identity train`), with the clustering linkage and threshold beside
it (pairwise.json; with the "guarded" linkage, the floor on the mean probability between two groups); with the
"two-step" linkage, a second booster (group.txt) scores two groups of slots from their
pooled evidence (kg.identity.merge)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from kg.identity.features import ALL_FEATURE_NAMES, FEATURE_NAMES, wants_meaning
from kg.identity.merge import GROUP_FEATURE_NAMES

MODEL_DIR = Path(str(resources.files("kg.identity") / "model"))
MODEL_FILE = "pairwise.txt"
META_FILE = "pairwise.json"
GROUP_FILE = "group.txt"


class PairScorer(Protocol):
    """What clustering needs from a model: probabilities for a feature matrix, and where to cut. A scorer may also
    say which pair features it reads (`features`, of kg.identity.features.ALL_FEATURE_NAMES; default the 22 of
    FEATURE_NAMES)."""

    threshold: float
    linkage: str

    def predict(self, features: np.ndarray) -> np.ndarray: ...


class GroupScorer(Protocol):
    """What the second clustering step needs: scores for group-pair features (kg.identity.merge), and where to cut."""

    threshold: float

    def predict(self, features: np.ndarray) -> np.ndarray: ...


@dataclass
class GroupModel:
    """The group booster and the average-linkage threshold over its scores."""

    booster: Any  # lightgbm.Booster
    threshold: float

    def predict(self, features: np.ndarray) -> np.ndarray:
        if features.shape[0] == 0:
            return np.zeros(0)
        return np.asarray(self.booster.predict(features, num_threads=1), dtype=np.float64)


@dataclass
class PairModel:
    """A trained booster, the linkage and threshold chosen for it, and with "two-step" the group model."""

    booster: Any  # lightgbm.Booster
    threshold: float
    linkage: str = "average"
    meta: dict[str, Any] = field(default_factory=dict)
    group: GroupModel | None = None
    floor: float = 0.0  # "guarded" linkage: the mean pair probability two groups must reach to join
    features: tuple[str, ...] = FEATURE_NAMES  # the pair features the booster reads, in its column order

    def predict(self, features: np.ndarray) -> np.ndarray:
        if features.shape[0] == 0:
            return np.zeros(0)
        return np.asarray(self.booster.predict(features, num_threads=1), dtype=np.float64)


def load(directory: Path | None = None) -> PairModel:
    """The model in `directory` (default: the one shipped in the package)."""
    import lightgbm

    d = directory or MODEL_DIR
    meta = json.loads((d / META_FILE).read_text(encoding="utf-8"))
    features = tuple(meta.get("features", ()))
    if not features or any(f not in ALL_FEATURE_NAMES for f in features):
        raise ValueError(f"{d / META_FILE}: the model was trained on other features; run `kg identity train`")
    if wants_meaning(features):
        from kg.identity.meaning import topic_model_sha

        if meta.get("topic_model_sha") != topic_model_sha():
            raise ValueError(
                f"{d / META_FILE}: the model reads the topic model's output, and the packaged topic model changed"
                " since it was trained; run `kg identity train`"
            )
    booster = lightgbm.Booster(model_str=(d / MODEL_FILE).read_text(encoding="utf-8"))
    group = None
    if "group" in meta:
        if tuple(meta["group"].get("features", ())) != GROUP_FEATURE_NAMES:
            raise ValueError(
                f"{d / META_FILE}: the group model was trained on other features; run `kg identity train`"
            )
        group = GroupModel(
            booster=lightgbm.Booster(model_str=(d / GROUP_FILE).read_text(encoding="utf-8")),
            threshold=float(meta["group"]["threshold"]),
        )
    return PairModel(
        booster=booster,
        threshold=float(meta["threshold"]),
        linkage=meta.get("linkage", "average"),
        meta=meta,
        group=group,
        floor=float(meta.get("floor", 0.0)),
        features=features,
    )


@lru_cache(maxsize=1)
def default_model() -> PairModel:
    return load()
