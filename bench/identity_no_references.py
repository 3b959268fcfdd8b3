"""What the pairwise model loses when the resolve stage's slot contexts carry no references (what
kg.resolve.researchers.slot_context gave before it read the work's "references"): out of fold on the labeled sets, the
booster trained with them, each held-out block clustered (guarded 0.90 / 0.30) with its contexts as kg.identity.labeled
builds them and with the references removed (bench/identity_no_titles.py's out_of_fold). Besides the scores: how many
labeled pairs the references speak for, and every labeled pair whose clustering changes, right or wrong.

    nice -n 19 python -m bench.identity_no_references   # → bench/results/identity_no_references.json
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from bench.identity_no_titles import DATASETS, Variant, out_of_fold, score_table
from kg.identity import train as training
from kg.identity.context import SlotContext

OUT = Path(__file__).parent / "results" / "identity_no_references.json"
WITH, WITHOUT = "with references", "no references"


def _no_references(c: SlotContext) -> SlotContext:
    return dataclasses.replace(c, references=frozenset()) if c.references else c


def _oa(c: SlotContext) -> set[str]:
    return {w.split(":", 1)[1] for w in c.work_ids if w.startswith("openalex:")}


def _labeled_pairs(b: training.Block) -> list[tuple[SlotContext, SlotContext]]:
    labeled = sorted((c for c in b.contexts if c.key in b.truth), key=lambda c: c.key)
    return list(itertools.combinations(labeled, 2))


def reference_evidence(blocks: list[training.Block]) -> dict[str, dict[str, int]]:
    """Per labeled set: its slots with references, and its labeled same-block pairs where both have some (the
    feature `references_shared` is known), share one, or one cites the other (`self_citation`), by truth."""
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for b in blocks:
        n = out[b.dataset]
        n["slots"] += len(b.contexts)
        n["slots with references"] += sum(1 for c in b.contexts if c.references)
        for x, y in _labeled_pairs(b):
            same = "same person" if b.truth[x.key] == b.truth[y.key] else "different people"
            n[f"labeled pairs, {same}"] += 1
            if x.references and y.references:
                n[f"both with references, {same}"] += 1
            if x.references & y.references:
                n[f"sharing a reference, {same}"] += 1
            if x.references & _oa(y) or y.references & _oa(x):
                n[f"one citing the other, {same}"] += 1
    return {ds: dict(sorted(out[ds].items())) for ds in DATASETS}


def changed_pairs(blocks: list[training.Block], a: Variant, b: Variant) -> list[dict[str, Any]]:
    """Every labeled same-block pair clustered together under one variant and apart under the other: whether the
    references made it right ("fixed") or wrong ("broken"), the pair's probabilities and what its works share."""
    out = []
    for blk in blocks:
        for x, y in _labeled_pairs(blk):
            together_a, together_b = a.pred[x.key] == a.pred[y.key], b.pred[x.key] == b.pred[y.key]
            if together_a == together_b:
                continue
            same = blk.truth[x.key] == blk.truth[y.key]
            pair = (x.key, y.key) if (x.key, y.key) in a.probs else (y.key, x.key)
            out.append(
                {
                    "dataset": blk.dataset,
                    "names": [x.slot.name, y.slot.name],
                    "works": [x.slot.work_id, y.slot.work_id],
                    "same person": same,
                    "with references": "together" if together_a else "apart",
                    "verdict": "fixed" if together_a == same else "broken",
                    "p with": round(a.probs[pair], 4) if pair in a.probs else None,
                    "p without": round(b.probs[pair], 4) if pair in b.probs else None,
                    "shared references": len(x.references & y.references),
                    "one cites the other": bool(x.references & _oa(y) or y.references & _oa(x)),
                }
            )
    return out


def main() -> int:
    t0 = time.monotonic()
    blocks, variants = out_of_fold({WITH: None, WITHOUT: _no_references})
    table = score_table(blocks, variants)
    evidence = reference_evidence(blocks)
    changed = changed_pairs(blocks, variants[WITH], variants[WITHOUT])
    for ds, n in evidence.items():
        print(ds, json.dumps(n))
    print(f"blocks whose contexts lose references: {variants[WITHOUT].changed_blocks}")
    print(f"labeled pairs clustered differently: {dict(Counter(c['verdict'] for c in changed))}")
    for c in changed:
        print(json.dumps(c))
    result = {
        "command": "python -m bench.identity_no_references",
        "setting": "guarded 0.90 / 0.30, 22 features, out of fold (5 folds by name block)",
        "scores": table,
        "reference_evidence": evidence,
        "blocks_changed": variants[WITHOUT].changed_blocks,
        "changed_pairs": changed,
        "seconds": round(time.monotonic() - t0, 1),
    }
    OUT.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"{result['seconds']:.0f} s → {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
