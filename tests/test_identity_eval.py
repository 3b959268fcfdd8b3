"""The identity benchmark runs on a small hand-written OpenAlex fixture and reports sane, exact scores."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).parent / "data" / "load" / "openalex_small.jsonl"


def test_benchmark_scores_the_fixture_against_the_hidden_openalex_ids(tmp_path: Path) -> None:
    out = tmp_path / "identity.json"
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench" / "identity_eval.py"),
            "--works",
            str(FIXTURE),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text())
    res = data["resolution"]
    assert res["works"] == 4
    # Maria Garcia of w1+w2 (shared co-author John Smith) is not the soil scientist of w3; John Smith / J. Smith
    # of w1, w2, w4 is one person through Maria Garcia and Li Wei; Li Wei of w2+w4 through J. Smith.
    assert res["resolver"] == {
        "mentions": 9,
        "true_people": 5,
        "predicted_people": 5,
        "true_pairs": 5,
        "predicted_pairs": 5,
        "correct_pairs": 5,
        "precision": 1.0,
        "recall": 1.0,
        "f1": 1.0,
    }
    # the same-name baseline joins the two Maria Garcias and misses "J. Smith"
    base = res["baseline_same_name"]
    assert (base["predicted_pairs"], base["correct_pairs"]) == (5, 3)
    assert res["baseline_singletons"]["recall"] == 0.0
    split = data["listing_split"]
    assert split["lines"] == 4
    for row in split["by_known_fraction"].values():
        assert 0.0 <= row["accuracy"] <= 1.0 and row["exact"] <= row["confident"] <= 4
    assert "resolver: precision 1.0, recall 1.0, F1 1.0 over 9 mentions" in result.stdout
