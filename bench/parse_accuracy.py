"""Title/author split accuracy on the listing seeds (and on real titles glued to real names), and parse throughput.

Prints one JSON document. Run: python bench/parse_accuracy.py [--data ../shared/data] [--repeat 20]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Collection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kg.config import DEFAULT_SHARED_DATA
from kg.models import WorkRecord
from kg.sources.parsers import iter_records
from kg.sources.parsers.names import split_title_authors
from tests.test_parse_seeds import DAILY, DAILY_EXPECTED, LISTING, LISTING_EXPECTED


def _names_from(paths: list[Path]) -> set[str]:
    names: set[str] = set()
    for rec in iter_records(paths):
        if isinstance(rec, WorkRecord):
            names.update(a.name for a in rec.authors)
    return names


def listing_accuracy(data: Path, known: Collection[str] | None) -> dict[str, object]:
    works = [r for r in iter_records([data / LISTING], known_names=known) if isinstance(r, WorkRecord)]
    wrong = []
    ok = 0
    for w, exp in zip(works, LISTING_EXPECTED, strict=False):
        title, authors, truncated = exp[3], exp[4], exp[5]
        if w.title == title and [a.name for a in w.authors] == authors and w.authors_truncated == truncated:
            ok += 1
        else:
            wrong.append({"got": [w.title, [a.name for a in w.authors]], "want": [title, authors]})
    n = len(LISTING_EXPECTED)
    return {"entries": n, "parsed": len(works), "exact": ok, "accuracy": round(ok / n, 4), "wrong": wrong}


def daily_accuracy(data: Path, known: Collection[str] | None) -> dict[str, object]:
    """The daily page names no authors: 'author list right' means the count or organisation it shows."""
    works = [r for r in iter_records([data / DAILY], known_names=known) if isinstance(r, WorkRecord)]
    ok = sum(
        1
        for w, (title, count, org, *_rest) in zip(works, DAILY_EXPECTED, strict=False)
        if w.title == title and w.author_count == count and w.organisation == org
    )
    n = len(DAILY_EXPECTED)
    return {"entries": n, "parsed": len(works), "exact": ok, "accuracy": round(ok / n, 4)}


def glued_accuracy(data: Path, known: Collection[str] | None) -> dict[str, object]:
    """Real titles glued to their real first authors (≤3, "et al." beyond) as a listing shows them: how often
    the split gives back exactly the title and the names. Ground truth is the structured record itself."""
    cases = []
    for rec in iter_records(
        [data / "openalex/works_sample.jsonl", data / "arxiv/kaggle_arxiv_metadata_sample_200.jsonl"]
    ):
        if isinstance(rec, WorkRecord) and rec.authors:
            names = [a.name for a in rec.authors[:3]]
            more = len(rec.authors) > 3
            line = rec.title + ", ".join(names) + (" et al." if more else "")
            cases.append((line, rec.title, names))
    ok = 0
    for line, title, names in cases:
        s = split_title_authors(line, known)
        # the splitter collapses white space (no-break spaces inside names included): compare the same way
        ok += int(s.title == _ws(title) and s.authors == [_ws(n) for n in names])
    return {"entries": len(cases), "exact": ok, "accuracy": round(ok / max(len(cases), 1), 4)}


def _ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def throughput(data: Path, repeat: int) -> dict[str, object]:
    src = data / "openalex/works_sample.jsonl"
    out: dict[str, object] = {"file": str(src), "bytes": src.stat().st_size}
    with tempfile.TemporaryDirectory() as tmp:
        gz = Path(tmp) / "works_sample.jsonl.gz"
        gz.write_bytes(gzip.compress(src.read_bytes()))
        for label, path in (("jsonl", src), ("jsonl.gz", gz)):
            rates = []
            n = 0
            for _ in range(repeat):
                t0 = time.perf_counter()
                n = sum(1 for _ in iter_records([path]))
                rates.append(n / (time.perf_counter() - t0))
            out[label] = {
                "records": n,
                "runs": repeat,
                "records_per_s_median": round(statistics.median(rates)),
                "records_per_s_min": round(min(rates)),
            }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=DEFAULT_SHARED_DATA)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    data: Path = args.data
    openalex_names = _names_from([data / "openalex/works_sample.jsonl"])
    arxiv_names = _names_from([data / "arxiv/atom", data / "arxiv/kaggle_arxiv_metadata_sample_200.jsonl"])
    seed_names = {
        a.name for r in iter_records([data / LISTING]) if isinstance(r, WorkRecord) for a in r.authors
    }
    corpus_names = openalex_names | arxiv_names
    result = {
        "listing_seed_001": {
            "without_known_names": listing_accuracy(data, None),
            "with_openalex_sample_names": listing_accuracy(data, openalex_names),
            "with_arxiv_names": listing_accuracy(data, arxiv_names),
        },
        "daily_seed_003": {
            "without_known_names": daily_accuracy(data, None),
            "with_listing_seed_names": daily_accuracy(data, seed_names),
        },
        "glued_real_titles_and_names": {
            "without_known_names": glued_accuracy(data, None),
            "with_all_corpus_names": glued_accuracy(data, corpus_names),
        },
        "known_names_sizes": {"openalex_sample": len(openalex_names), "arxiv": len(arxiv_names)},
        "throughput_openalex_sample": throughput(data, args.repeat),
    }
    json.dump(result, sys.stdout, indent=2, ensure_ascii=False)
    print()


if __name__ == "__main__":
    main()
