"""What the bulk path's topic derive (kg.derive.topic_bulk.derive) gives on fixed corpora, without a database: every
work's keyphrases, every assigned HAS_TOPIC {score, method, evidence} and every WORKS_ON row, in order.

tests/test_topic_text.py holds this tree's rows equal to the ones stored in tests/data/topics/, which were written by
the tree before the fast term, keyphrase, candidate and evidence paths (main c577d40):

    git archive c577d40 | tar -x -C /tmp/base
    PYTHONPATH=/tmp/base python tests/topic_expected.py tests/data/topics   # run by its path: only kg is imported

WORKS_ON rows name researchers, so they follow identity, not topics. When the resolve stage began giving the pairwise
model each work's title and abstract (5e41187), three researchers of ../shared/data's samples split (Debashish
Goswami, I. Grabec, T. Kosel) and the shared file was written again by this tree (7c292c7): its keyphrases and
assigned tables are byte-identical to c577d40's, its WORKS_ON differs in those three researchers' rows only.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any

from kg import defaultdata, pipeline, topics
from kg.config import get_settings
from kg.derive import topic_bulk
from kg.resolve.choose import get_engine
from kg.sources.parsers import iter_records
from kg.stage.store import StageStore
from kg.synth import SynthParams, generate

SHIPPED = [defaultdata.DATA_DIR / "openalex_works.jsonl.gz", defaultdata.DATA_DIR / "arxiv_metadata.jsonl.gz"]
# ../shared/data beside the checkout this file is in (the generator may run another tree's kg)
SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
SHARED = (
    "openalex/works_sample.jsonl",
    "openalex/works_sample_2.jsonl",
    "arxiv/kaggle_arxiv_metadata_sample_200.jsonl",
)


def corpus_files(name: str, tmp: Path) -> list[Path]:
    """`shipped`: the package's sample plus 800 synthetic works of which the first 400 come with a source topic (the
    others have co-authored context); `shared`: ../shared/data's OpenAlex and arXiv samples."""
    if name == "shared":
        return [SHARED_DATA / f for f in SHARED]
    bundle = tmp / "synth"
    generate(SynthParams(works=800, seed=3, openalex=True), bundle)
    lines = (bundle / "works.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    (bundle / "works.jsonl").unlink()
    (bundle / "sourced.jsonl").write_text("".join(lines[:400]), encoding="utf-8")
    return [*SHIPPED, bundle]


def derived_rows(files: list[Path], stage: Path) -> dict[str, list[list[Any]]]:
    """Stage and resolve the files (no database), run the derive, and return its rows."""
    s = get_settings()
    st = StageStore(stage)
    try:
        st.begin_run("topic-expected", [str(f) for f in files], None)
        st.stage("topic-expected", (r for r in iter_records(files) if r.kind != "reject"))
        get_engine(s).resolve(st)
        works, researchers = pipeline._pending_derive(st)
        topic_bulk.derive(st.con, s, works, researchers, topics_mod=topics)
        out = {
            "keyphrases": st.con.execute(
                f"SELECT id, keyphrases FROM {topic_bulk.KEYPHRASES} ORDER BY id"
            ).fetchall(),
            "assigned": st.con.execute(f"SELECT * FROM {topic_bulk.ASSIGNED} ORDER BY src, dst").fetchall(),
            "works_on": st.con.execute(f"SELECT * FROM {topic_bulk.WORKS_ON} ORDER BY src, dst").fetchall(),
        }
        topic_bulk.drop(st.con)
    finally:
        st.close()
    return {k: [list(r) for r in rows] for k, rows in out.items()}


def expected_path(directory: Path, name: str) -> Path:
    return directory / f"expected_derive_{name}.json.gz"


def main(directory: Path) -> None:
    import tempfile

    for name in ("shipped", "shared"):
        with tempfile.TemporaryDirectory() as d:
            rows = derived_rows(corpus_files(name, Path(d)), Path(d) / "stage.duckdb")
        text = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
        with gzip.GzipFile(expected_path(directory, name), "wb", mtime=0) as fh:  # the same bytes every time
            fh.write(text.encode("utf-8"))
        print(name, {k: len(v) for k, v in rows.items()})


if __name__ == "__main__":
    main(Path(sys.argv[1]))
