"""Monotone constraints on the pairwise booster's evidence features (kg.identity.train.MONOTONE), measured against the
unconstrained booster side by side on one preparation and the same folds: cross-validation by name block on the
arnetminer development set and the OpenAlex samples, nested (the guarded setting chosen inside each outer fold on its
training folds alone; the figure bench/identity_meaning quotes for the shipped model), with the errors of each
variant and the labeled pairs whose verdict changes against the unconstrained one; how monotone each variant's
booster (trained on every labeled block) really is over real pair rows; and the arXiv authors of issue #16 (T. Kosel's
"Part I / Part II" pair, I. Grabec, Debashish Goswami) after a stage and resolve of ../shared/data's samples with
each variant as the model. Candidate model directories are written for bench.identity_scale --model.

    nice -n 19 flock /work/heavy.lock python -m bench.identity_monotone [--variants a,b] [--models DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from math import comb
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import machine
from bench.identity_meaning import prf
from kg.identity import block_key, labeled
from kg.identity import train as training
from kg.identity.features import FEATURE_NAMES, feature_matrix
from kg.identity.model import META_FILE, MODEL_DIR, MODEL_FILE, PairModel
from kg.identity.scores import bcubed_losses, errors

REPO = Path(__file__).resolve().parent.parent
NAME_FEATURES = ("same_name_key", "first_given_equal", "middle_state")
UNCONSTRAINED = {k: v for k, v in training.PARAMS.items() if not k.startswith("monotone")}
VARIANTS: dict[str, dict[str, Any]] = {
    "unconstrained": UNCONSTRAINED,
    "monotone-basic": {**UNCONSTRAINED, "monotone_constraints": training.MONOTONE},
    "monotone-intermediate": {
        **UNCONSTRAINED,
        "monotone_constraints": training.MONOTONE,
        "monotone_constraints_method": "intermediate",
    },
    # and a longer gap between the two works never raises it
    "monotone-intermediate-year": {
        **UNCONSTRAINED,
        "monotone_constraints": {**training.MONOTONE, "year_gap": -1},
        "monotone_constraints_method": "intermediate",
    },
    # the name features left to the data (same_name_key, first_given_equal, middle_state)
    "monotone-intermediate-no-names": {
        **UNCONSTRAINED,
        "monotone_constraints": {k: v for k, v in training.MONOTONE.items() if k not in NAME_FEATURES},
        "monotone_constraints_method": "intermediate",
    },
    # and the co-author ones too: only what the work says (venue, title, abstract, topics, affiliation, references)
    "monotone-intermediate-work": {
        **UNCONSTRAINED,
        "monotone_constraints": {
            k: v
            for k, v in training.MONOTONE.items()
            if k not in NAME_FEATURES and not k.startswith("coauthors")
        },
        "monotone_constraints_method": "intermediate",
    },
    # only the evidence with many labeled pairs on both sets: co-authors and titles (abstract, topics and references
    # are known on the 221 OpenAlex pairs alone, venue on most)
    "monotone-intermediate-coauthors-titles": {
        **UNCONSTRAINED,
        "monotone_constraints": {
            k: v for k, v in training.MONOTONE.items() if k.startswith("coauthors") or k.startswith("title")
        },
        "monotone_constraints_method": "intermediate",
    },
    "monotone-advanced": {
        **UNCONSTRAINED,
        "monotone_constraints": training.MONOTONE,
        "monotone_constraints_method": "advanced",
    },
}
# the arXiv people (../shared/data/arxiv/kaggle_arxiv_metadata_sample_200.jsonl)
ARXIV_PEOPLE = ("Kosel", "Grabec", "Goswami")
SHIPPED = training.parse_config("guarded@0.90/0.30")


def pair_changes(
    base: Mapping[str, str], other: Mapping[str, str], truth: Mapping[str, str], block: Mapping[str, str]
) -> dict[str, Any]:
    """The labeled same-block pairs one clustering joins and the other does not, as true pairs (a split fixed or
    made) and false pairs (a merge made or undone), in all and by name block (largest first)."""
    keys = [k for k in truth if k in base and k in other]

    def joined(*parts: Callable[[str], str]) -> Counter[str]:
        cells = Counter((block[k], *(f(k) for f in parts)) for k in keys)
        out: Counter[str] = Counter()
        for cell, n in cells.items():
            out[cell[0]] += comb(n, 2)
        return out

    a, b, t = base.__getitem__, other.__getitem__, truth.__getitem__
    ja, jb, jab = joined(a), joined(b), joined(a, b)
    ta, tb, tab = joined(a, t), joined(b, t), joined(a, b, t)
    rows: list[dict[str, Any]] = []
    for blk in sorted(set(ja) | set(jb)):
        row: dict[str, Any] = {
            "block": blk,
            "true_pairs_joined": tb[blk] - tab[blk],  # splits the variant repairs
            "true_pairs_parted": ta[blk] - tab[blk],  # splits it makes
            "false_pairs_joined": (jb[blk] - tb[blk]) - (jab[blk] - tab[blk]),  # merges it makes
            "false_pairs_parted": (ja[blk] - ta[blk]) - (jab[blk] - tab[blk]),  # merges it undoes
        }
        if any(v for k, v in row.items() if k != "block"):
            rows.append(row)
    total = {k: sum(int(r[k]) for r in rows) for k in rows[0] if k != "block"} if rows else {}
    rows.sort(key=lambda r: (-sum(int(v) for k, v in r.items() if k != "block"), str(r["block"])))
    return {"total": total, "blocks_changed": len(rows), "largest": rows[:15]}


def monotone_check(booster: Any, prepared: Sequence[training.Prepared], rows: int = 1000) -> dict[str, Any]:
    """Over real labeled pair rows (a fixed random sample of `rows` per dataset), each evidence feature set in turn
    to every value of a grid (its distinct observed values, or 12 quantiles of them, and 0 and 1) with the rest of
    the row fixed: the share of rows whose probability drops somewhere as the value rises (more than 1e-9), the
    largest drop, and where the probability with the feature unknown (NaN) stands against the grid's extremes."""
    rng = np.random.default_rng(training.SEED)
    parts = []
    for ds in ("arnetminer", "openalex"):
        x = np.vstack([p.features[p.labeled] for p in prepared if p.labeled.any() and p.block.dataset == ds])
        parts.append(x[rng.choice(len(x), size=min(rows, len(x)), replace=False)])
    sample = np.vstack(parts)
    out: dict[str, Any] = {"rows": [len(x) for x in parts]}
    for name in (*training.MONOTONE, "year_gap"):
        j = FEATURE_NAMES.index(name)
        seen = np.unique(sample[:, j][~np.isnan(sample[:, j])])
        if len(seen) > 12:
            seen = np.quantile(seen, np.linspace(0, 1, 12))
        grid = np.unique(np.concatenate([seen, [0.0, 1.0]]))
        probs = []
        for v in (*grid, np.nan):
            y = sample.copy()
            y[:, j] = v
            probs.append(np.asarray(booster.predict(y, num_threads=2)))
        p = np.vstack(probs).T  # rows × (grid values, then NaN)
        steps = np.diff(p[:, :-1], axis=1)
        out[name] = {
            "grid": [round(float(v), 3) for v in grid],
            "rows_dropping": round(float(np.mean((steps < -1e-9).any(axis=1))), 4),
            "rows_rising": round(float(np.mean((steps > 1e-9).any(axis=1))), 4),
            "largest_drop": round(float(max(0.0, -steps.min())), 4),
            "largest_rise": round(float(max(0.0, steps.max())), 4),
            "nan_above_max": round(float(np.mean(p[:, -1] > p[:, -2] + 1e-9)), 4),
            "nan_below_min": round(float(np.mean(p[:, -1] < p[:, 0] - 1e-9)), 4),
        }
    return out


def write_model(booster: Any, params: Mapping[str, Any], directory: Path) -> Path:
    """A candidate model directory: the booster and the shipped model's metadata with these params (for
    bench.identity_scale --model)."""
    meta = json.loads((MODEL_DIR / META_FILE).read_text(encoding="utf-8"))
    meta.update(
        params=dict(params), command="python -m bench.identity_monotone (candidate)", cv_at_threshold=None
    )
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MODEL_FILE).write_text(booster.model_to_string(), encoding="utf-8")
    (directory / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return directory


def arxiv_cases(booster: Any) -> dict[str, Any]:
    """Stage and resolve ../shared/data's samples (no database) with this booster as the model (the shipped
    setting, guarded 0.90 / 0.30): every pair the model scores in the blocks of Kosel, Grabec and Goswami, with
    what the two share and the probability — as resolved, with the abstracts unknown, with titles and abstracts
    unknown — and the clusters holding them."""
    from kg.config import get_settings
    from kg.identity import cluster as clustering
    from kg.resolve import researchers
    from kg.resolve.choose import get_engine
    from kg.sources.parsers import iter_records
    from kg.stage.store import StageStore
    from tests import topic_expected

    model = PairModel(booster=booster, threshold=SHIPPED[1], linkage=SHIPPED[0], floor=SHIPPED[2])
    seen: dict[str, Any] = {"clusters": {}, "kosel_pair": None, "pairs": []}
    scored, clustered, default = clustering._scored, researchers.cluster_block, clustering.default_model

    hide = {
        "as resolved": (),
        "abstracts unknown": ("abstract_cosine",),
        "titles and abstracts unknown": ("title_cosine", "title_shared", "abstract_cosine"),
    }

    def probabilities(row: np.ndarray) -> dict[str, float]:
        out = {}
        for label, cols in hide.items():
            r = row.copy()
            r[[FEATURE_NAMES.index(c) for c in cols]] = np.nan
            out[label] = round(float(model.predict(r[None, :])[0]), 4)
        return out

    def spy_scored(order: Any, pairs: Any, scorer: Any) -> Any:
        ev, stats, p = scored(order, pairs, scorer)
        if not any(w in c.slot.name for c in order for w in ARXIV_PEOPLE):
            return ev, stats, p
        for (x, y), row in zip(pairs, feature_matrix(ev, stats, pairs), strict=True):
            case = {
                "names": [order[x].slot.name, order[y].slot.name],
                "works": sorted([order[x].slot.work_id, order[y].slot.work_id]),
                "probability": probabilities(row),
                # what the pair has in common (features neither unknown nor 0)
                "features": {
                    n: round(float(v), 3)
                    for n, v in zip(FEATURE_NAMES, row, strict=True)
                    if v == v and v != 0
                },
            }
            seen["pairs"].append(case)
            if "Kosel" in order[x].slot.name and "Kosel" in order[y].slot.name:
                seen["kosel_pair"] = case
        return ev, stats, p

    def spy_cluster(*args: Any, **kwargs: Any) -> Any:
        out = clustered(*args, **kwargs)
        for cl in out:
            names = sorted({m.slot.name for m in cl.members})
            if any(w in n for n in names for w in ARXIV_PEOPLE):
                seen["clusters"][cl.id] = {
                    "names": names,
                    "works": sorted(m.slot.work_id for m in cl.members),
                }
        return out

    clustering._scored, researchers.cluster_block = spy_scored, spy_cluster
    setattr(clustering, "default_model", lambda: model)  # noqa: B010  (an lru_cache'd function, for mypy)
    try:
        with tempfile.TemporaryDirectory() as d:
            files = topic_expected.corpus_files("shared", Path(d))
            st = StageStore(Path(d) / "s.duckdb")
            try:
                st.begin_run("identity-monotone", [str(f) for f in files], None)
                st.stage("identity-monotone", (r for r in iter_records(files) if r.kind != "reject"))
                get_engine(get_settings()).resolve(st)
            finally:
                st.close()
    finally:
        clustering._scored, researchers.cluster_block, clustering.default_model = scored, clustered, default
    by_person = {
        who: sorted(
            (c["works"] for c in seen["clusters"].values() if any(who in n for n in c["names"])), key=str
        )
        for who in ARXIV_PEOPLE
    }
    return {"kosel_pair": seen["kosel_pair"], "clusters_by_person": by_person, "pairs": seen["pairs"]}


def run(variants: Sequence[str], models: Path | None, log: Callable[[str], None] = print) -> dict[str, Any]:
    arn, oa = labeled.arnetminer(), labeled.openalex()
    blocks = [*training.blocks_of(arn), *training.blocks_of(oa)]
    t0, c0 = time.monotonic(), time.process_time()
    prepared = [training.prepare(b) for b in blocks]
    names = {c.key: c.slot.name for ls in (arn, oa) for c in ls.contexts}
    block = {k: block_key(n) for k, n in names.items()}
    out: dict[str, Any] = {
        "method": "kg.identity.train.cross_validate of each variant's params on one preparation (22 features), same"
        " 5 folds by name block, guarded settings only; `nested`: the setting chosen inside each outer fold on its"
        " training folds alone",
        "prepare_seconds": round(time.monotonic() - t0, 1),
        "grid": {"guarded": training.GUARDED},
        "monotone": training.MONOTONE,
        "variants": {},
        "machine": machine(),
    }
    base_pred: dict[str, dict[str, str]] = {}
    for name in variants:
        params = VARIANTS[name]
        t1, c1 = time.monotonic(), time.process_time()
        log(f"{name}: {json.dumps({k: v for k, v in params.items() if k.startswith('monotone')})}")
        cv = training.cross_validate(
            blocks, linkages=(), two_step=(), prepared=prepared, params=params, log=log
        )
        nested = cv["nested"]["one-step"]
        row: dict[str, Any] = {
            "params": params,
            "cv_seconds": round(time.monotonic() - t1, 1),
            "cv_cpu_seconds": round(time.process_time() - c1, 1),
            "nested": {k: v for k, v in nested.items() if k != "predicted"},
            "by_threshold": cv["by_threshold"],
        }
        clusterings = {
            "nested": nested["predicted"],
            "guarded@0.90/0.30 (out of fold)": cv["predicted"][SHIPPED],
        }
        for ls in (arn, oa):
            row[ls.name] = {
                label: {
                    "errors": errors(pred, ls.truth, names),
                    "bcubed_losses": bcubed_losses(pred, ls.truth, block),
                    **(
                        {
                            "pairs_changed_against_unconstrained": pair_changes(
                                base_pred[label], pred, ls.truth, block
                            )
                        }
                        if base_pred and name != "unconstrained"
                        else {}
                    ),
                }
                for label, pred in clusterings.items()
            }
        if name == "unconstrained":
            base_pred = clusterings
        t2 = time.monotonic()
        booster = training.fit_pairs(prepared, params)
        row["monotone_check"] = monotone_check(booster, prepared)
        row["arxiv"] = arxiv_cases(booster)
        if models is not None:
            row["model_dir"] = str(write_model(booster, params, models / name))
        row["full_model_seconds"] = round(time.monotonic() - t2, 1)
        out["variants"][name] = row
        log(_line(name, nested["scores"]) + f"  chosen {nested['chosen_by_fold']}")
    out["seconds"] = round(time.monotonic() - t0, 1)
    out["cpu_seconds"] = round(time.process_time() - c0, 1)
    return out


def _line(name: str, row: dict[str, Any]) -> str:
    a, o = row["arnetminer"], row["openalex"]
    return (
        f"{name:28} arnetminer pairwise {prf(a['pairwise'])}  B-cubed {prf(a['bcubed'])}  "
        f"OpenAlex pairwise {prf(o['pairwise'])}  B-cubed {prf(o['bcubed'])}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--variants", default=",".join(VARIANTS), help=f"of {', '.join(VARIANTS)}")
    ap.add_argument(
        "--models", type=Path, default=None, help="write each variant's full model under DIR/variant"
    )
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "identity_monotone.json")
    args = ap.parse_args(argv)
    variants = [v for v in args.variants.split(",") if v]
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        ap.error(f"unknown variant {unknown[0]!r} (of {', '.join(VARIANTS)})")
    result = run(variants, args.models)
    result["command"] = " ".join(
        ["python -m bench.identity_monotone", *(sys.argv[1:] if argv is None else argv)]
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for name, row in result["variants"].items():
        print(_line(f"{name} nested", row["nested"]["scores"]), row["nested"]["chosen_by_fold"])
        print(_line(f"{name} guarded@0.90/0.30", row["by_threshold"]["guarded@0.90/0.30"]))
        print(f"  arXiv: {json.dumps(row['arxiv']['kosel_pair']['probability'])}")
        print(f"  clusters: {json.dumps(row['arxiv']['clusters_by_person'])}")
    print(f"{result['seconds']} s ({result['cpu_seconds']} s CPU) → {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
