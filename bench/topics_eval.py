"""Topic assignment measured against OpenAlex: hide the topics of the OpenAlex sample, assign locally, compare.

Usage: python bench/topics_eval.py [--quick N] [--out bench/results/topics.json] [--seeds]

For every sample work with an OpenAlex primary topic we assign topics from its title and its abstract (rebuilt
from abstract_inverted_index) and report, at topic, subfield, field and domain level:
  primary_in_our_top3  OpenAlex's primary topic (taken at that level) is among our top 3 (taken at that level);
  our_top1_in_theirs   our top-1 (taken at that level) is among all of OpenAlex's topics (taken at that level).
An assignment that fell back to a subfield or field has no topic-level (or subfield-level) reading and counts as a
miss there. Throughput is works per second through TopicAssigner.assign_many (nlp.pipe), vocabulary loaded.
With --seeds it also lists the topics given to the works on the seed pages (parsed with loaders.iter_records, or
roughly from the text when the parsers are absent).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kg.config import get_settings  # noqa: E402
from kg.taxonomy import Taxonomy, read_taxonomy  # noqa: E402
from kg.topics import METHOD, Assignment, TopicAssigner, cached_vocabulary  # noqa: E402

LEVELS = ("topic", "subfield", "field", "domain")


def rebuild_abstract(inverted: dict[str, list[int]] | None) -> str:
    """OpenAlex stores abstracts as word → positions; put the words back in order."""
    if not inverted:
        return ""
    slots: dict[int, str] = {}
    for word, positions in inverted.items():
        for p in positions:
            slots[p] = word
    return " ".join(slots[i] for i in sorted(slots))


def _oa_topic_id(url: str) -> str:
    return "openalex:" + url.rstrip("/").rsplit("/", 1)[-1]


def read_sample(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    works = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            rec = json.loads(line)
            primary = rec.get("primary_topic")
            if not primary:
                continue
            works.append(
                {
                    "id": rec["id"].rsplit("/", 1)[-1],
                    "title": rec.get("title") or rec.get("display_name") or "",
                    "abstract": rebuild_abstract(rec.get("abstract_inverted_index")),
                    "primary": _oa_topic_id(primary["id"]),
                    "theirs": [_oa_topic_id(t["id"]) for t in rec.get("topics") or []],
                }
            )
            if limit and len(works) >= limit:
                break
    return works


def at_level(tax: Taxonomy, node_id: str, level: str) -> str | None:
    return tax.ancestor_at(node_id, level) if node_id in tax.nodes else None


def evaluate(
    tax: Taxonomy, works: list[dict[str, Any]], results: list[list[Assignment]]
) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    n = len(works)
    for level in LEVELS:
        in_top3 = 0
        top1_in = 0
        for w, ours in zip(works, results, strict=True):
            ours_lv = {at_level(tax, a.topic_id, level) for a in ours[:3]} - {None}
            theirs_lv = {at_level(tax, t, level) for t in w["theirs"]} - {None}
            if at_level(tax, w["primary"], level) in ours_lv:
                in_top3 += 1
            if ours and at_level(tax, ours[0].topic_id, level) in theirs_lv:
                top1_in += 1
        out[level] = {
            "primary_in_our_top3": round(in_top3 / n, 4) if n else 0.0,
            "our_top1_in_theirs": round(top1_in / n, 4) if n else 0.0,
        }
    return out


def run(sample: Path, taxonomy: Path, limit: int | None = None) -> dict[str, Any]:
    t0 = time.perf_counter()
    vocab = cached_vocabulary(taxonomy)
    assigner = TopicAssigner(vocab)
    load_s = time.perf_counter() - t0
    tax = read_taxonomy(taxonomy)
    works = read_sample(sample, limit)
    t1, c1 = time.perf_counter(), time.process_time()
    pairs = assigner.assign_many([(w["title"], w["abstract"], []) for w in works])
    elapsed, cpu = time.perf_counter() - t1, time.process_time() - c1
    results = [p[0] for p in pairs]
    # ablation: the phrase matcher alone, without the word-similarity signal
    phrases_only = TopicAssigner(vocab, nlp=assigner.nlp, bow_weight=0.0)
    docs = phrases_only.make_docs((w["title"], w["abstract"]) for w in works)
    phrase_results = [phrases_only.assign_doc(doc, n) for doc, n in docs]
    levels: dict[str, int] = {"topic": 0, "subfield": 0, "field": 0, "none": 0}
    for r in results:
        levels[r[0].level if r else "none"] += 1
    examples = [
        {
            "work": w["id"],
            "title": w["title"],
            "openalex_primary": f"{w['primary']} {tax.nodes[w['primary']].name}"
            if w["primary"] in tax.nodes
            else w["primary"],
            "ours": [f"{a.topic_id} {tax.nodes[a.topic_id].name} ({a.score})" for a in r],
            "evidence": list(r[0].evidence) if r else [],
            "keyphrases": p[1],
        }
        for w, r, p in list(zip(works, results, pairs, strict=True))[:12]
    ]
    return {
        "method": METHOD,
        "sample": str(sample.name),
        "works": len(works),
        "with_abstract": sum(1 for w in works if w["abstract"]),
        "assigned_level": levels,
        "agreement": evaluate(tax, works, results),
        "agreement_phrases_only": evaluate(tax, works, phrase_results),
        "throughput_works_per_s": round(len(works) / elapsed, 1) if elapsed > 0 else None,
        # CPU time of this process: on a shared, busy machine wall time mostly measures the neighbours
        "throughput_works_per_cpu_s": round(len(works) / cpu, 1) if cpu > 0 else None,
        "assign_seconds": round(elapsed, 3),
        "assign_cpu_seconds": round(cpu, 3),
        "load_average_1min": round(os.getloadavg()[0], 1),
        "vocabulary_load_seconds": round(load_s, 3),
        "examples": examples,
    }


# ---- the seed pages: rough parsing, only to show a reader what topics the seed works get ----------------------

_LISTING_HEAD = re.compile(r"^(?P<cat>[A-Z]{2})(?P<date>[A-Z][a-z]{2} \d{1,2}, \d{4})(?:Code)?$")


def seed_works(seeds: Path) -> list[tuple[str, str, str, list[str]]]:
    """(page, title, abstract, categories) parsed roughly from the three seed pages."""
    out: list[tuple[str, str, str, list[str]]] = []
    for page in sorted(seeds.glob("*.txt")):
        lines = [ln.strip() for ln in page.read_text(encoding="utf-8").splitlines()]
        if page.name.startswith("000_"):
            for i, ln in enumerate(lines):
                if re.match(r"^(preprint|article|journal-article|proceedings)\d{4}", ln) and i + 2 < len(
                    lines
                ):
                    title = next((x for x in lines[i + 1 :] if x), "")
                    j = lines.index(title, i + 1)
                    abstract = next((x for x in lines[j + 1 :] if x), "")
                    if re.match(r"^(preprint|article)\d{4}", abstract):
                        abstract = ""
                    out.append((page.name[:4], title, abstract, []))
        elif page.name.startswith("001_"):
            for i, ln in enumerate(lines):
                m = _LISTING_HEAD.match(ln)
                if m and i + 2 < len(lines):
                    # the title runs into the author list: cut before the first "Name Name," run
                    head = lines[i + 1]
                    title = re.split(r"(?<=[a-z0-9)])(?=[A-Z][a-zA-Z]+ [A-Z][a-zA-Z\-]+(?:,| et al))", head)[
                        0
                    ]
                    out.append((page.name[:4], title, lines[i + 2], [m.group("cat")]))
        elif page.name.startswith("003_"):
            blocks = [ln for ln in lines if ln]
            for i, ln in enumerate(blocks[:-1]):
                nxt = blocks[i + 1]
                if 20 < len(ln) < 200 and len(nxt) > 300 and not ln.endswith("."):
                    out.append((page.name[:4], ln, nxt, []))
    return out


def seed_works_parsed(seeds: Path) -> list[tuple[str, str, str, list[str]]] | None:
    """The same, through the project's parsers (loaders.iter_records) when they are installed."""
    try:
        import loaders
        from kg.models import ResearcherRecord, WorkRecord
    except ImportError:
        return None
    out: list[tuple[str, str, str, list[str]]] = []
    for rec in loaders.iter_records([seeds]):
        works = (
            rec.works if isinstance(rec, ResearcherRecord) else [rec] if isinstance(rec, WorkRecord) else []
        )
        for w in works:
            page = Path(w.prov.file or "").name[:4]
            out.append((page, w.title, w.abstract or "", list(w.categories)))
    return out


def show_seeds(seeds: Path, taxonomy: Path) -> list[dict[str, Any]]:
    assigner = TopicAssigner(cached_vocabulary(taxonomy))
    tax = read_taxonomy(taxonomy)
    parsed = seed_works_parsed(seeds)
    items = parsed if parsed is not None else seed_works(seeds)
    pairs = assigner.assign_many([(t, a, c) for _, t, a, c in items])
    shown = []
    for (page, title, _, cats), (assignments, kps) in zip(items, pairs, strict=True):
        shown.append(
            {
                "page": page,
                "title": title,
                "categories": cats,
                "topics": [
                    f"{a.topic_id} {tax.nodes[a.topic_id].name} [{a.level}] {a.score} ({', '.join(a.evidence[:4])})"
                    for a in assignments
                ],
                "keyphrases": kps,
            }
        )
    return shown


def main(argv: list[str] | None = None) -> int:
    s = get_settings()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=Path, default=s.data_dir / "openalex" / "works_sample.jsonl")
    ap.add_argument("--taxonomy", type=Path, default=s.data_dir / "topics" / "openalex_topics.csv")
    ap.add_argument("--quick", type=int, default=None, metavar="N", help="only the first N works")
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "topics.json")
    ap.add_argument("--seeds", action="store_true", help="also list the topics of the seed pages' works")
    args = ap.parse_args(argv)
    result = run(args.sample, args.taxonomy, args.quick)
    if args.seeds:
        result["seed_examples"] = show_seeds(s.data_dir / "seeds", args.taxonomy)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    summary = {
        k: result[k]
        for k in (
            "works",
            "assigned_level",
            "agreement",
            "throughput_works_per_s",
            "throughput_works_per_cpu_s",
            "load_average_1min",
        )
    }
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
