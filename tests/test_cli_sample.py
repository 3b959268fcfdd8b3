"""`kg sample measure` as a user runs it: how the inputs connect on stdout, each reject named on stderr."""

from __future__ import annotations

import json
from pathlib import Path

from tests.kg_process import run_kg


def test_measure_names_each_reject_by_file_and_line(tmp_path: Path) -> None:
    """It said '1 records rejected' and named none (kg parse and kg load name each by file and line)."""
    good = {
        "id": "https://openalex.org/W1",
        "display_name": "A good work",
        "publication_year": 2021,
        "authorships": [{"author": {"id": "https://openalex.org/A1", "display_name": "Ann Lee"}}],
    }
    (tmp_path / "works.jsonl").write_text(
        json.dumps(good) + "\n" + '{"id": "https://openalex.org/W2", "display_name": "cut\n', encoding="utf-8"
    )
    result = run_kg(["sample", "measure", "works.jsonl"], cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        "rejected works.jsonl:2: invalid JSON: Unterminated string starting at (column 51)"
    ]
    assert result.stdout.splitlines()[0] == (
        "1 works, 1 researchers, 0 well connected (≥ 2 works and ≥ 3 co-authors), 1 co-author components; "
        "1 record(s) rejected"
    )
