"""Identity benchmark: resolve OpenAlex authors from names and context alone, scored against OpenAlex's own ids.

1. Resolver: every authorship of the OpenAlex works, author ids (OpenAlex, ORCID) hidden, clustered exactly as the
   store does (kg.identity: author slots, blocking key, evidence links, LINK_THRESHOLD). Pairwise precision, recall
   and F1 over authorship pairs against the hidden OpenAlex author ids, next to two baselines (same normalised
   name = same person; every mention its own person).
2. Listing split: each work rendered as a listing line (title immediately followed by up to three authors and
   "et al."), split by loaders.names.split_title_authors with the names a growing graph knows (0 %, 25 %, 50 %,
   100 % of the other works' authors): exact title+authors accuracy.
3. Duplicates (with --neo4j, on a SCRATCH database: it is wiped): every file under the data directory loaded in
   two orders; Work and Researcher ids compared, Works sharing an id counted, same-title Works listed.

    python bench/identity_eval.py [--works FILE] [--data DIR] [--neo4j] [--out bench/results/identity.json]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from math import comb
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kg.identity import (  # noqa: E402
    LINK_THRESHOLD,
    SlotContext,
    best_id,
    category_label,
    cluster_block,
    mention_from_author,
    unify_mentions,
    work_typed_ids,
)
from kg.models import AuthorRef, WorkRecord  # noqa: E402
from kg.normalize import block_key, normalize_openalex  # noqa: E402

DEFAULT_WORKS = REPO.parent / "shared" / "data" / "openalex" / "works_sample.jsonl"
DEFAULT_DATA = REPO.parent / "shared" / "data"


def read_works(path: Path) -> list[WorkRecord]:
    import loaders

    return [r for r in loaders.iter_records([str(path)]) if isinstance(r, WorkRecord)]


def _hidden(a: AuthorRef) -> AuthorRef:
    return a.model_copy(update={"orcid": None, "openalex_id": None, "source_id": None})


def resolve_without_ids(works: Sequence[WorkRecord]) -> tuple[dict[str, str], dict[str, str]]:
    """(slot key → predicted cluster, slot key → true OpenAlex author id) for every authorship."""
    contexts: list[SlotContext] = []
    truth: dict[str, str] = {}
    for rec in works:
        wid = best_id(work_typed_ids(rec))
        mentions = []
        for a in rec.authors:
            if not a.name.strip():
                continue
            m = mention_from_author(_hidden(a), rec.prov.source, rec.authors_truncated)
            mentions.append((m, normalize_openalex(a.openalex_id, "A")))
        slots = unify_mentions(wid, [m for m, _ in mentions])
        topics = {t.id: t.name or t.id for t in rec.topics}
        topics.update({f"cat:{category_label(c)}": c for c in rec.categories})
        for s in slots:
            ctx = SlotContext(
                slot=s,
                work_ids=set(work_typed_ids(rec)),
                coauthors={block_key(o.name): o.name for o in slots if o is not s},
                topics=topics,
                venue=rec.venue,
                year=rec.year,
            )
            contexts.append(ctx)
            true_ids = {oa for m, oa in mentions if m in s.mentions and oa}
            if len(true_ids) == 1:
                truth[ctx.key] = true_ids.pop()
    by_block: dict[str, list[SlotContext]] = defaultdict(list)
    for c in contexts:
        by_block[block_key(c.slot.name)].append(c)
    predicted: dict[str, str] = {}
    for members in by_block.values():
        for cl in cluster_block(members):
            for member in cl.members:
                predicted[member.key] = cl.id
    return predicted, truth


def pairwise(predicted: dict[str, str], truth: dict[str, str]) -> dict[str, float | int]:
    """Pairwise precision / recall / F1 over the mentions that have a true id."""
    keys = [k for k in truth if k in predicted]
    pred_sizes = Counter(predicted[k] for k in keys)
    true_sizes = Counter(truth[k] for k in keys)
    both = Counter((predicted[k], truth[k]) for k in keys)
    tp = sum(comb(n, 2) for n in both.values())
    pp = sum(comb(n, 2) for n in pred_sizes.values())
    tpairs = sum(comb(n, 2) for n in true_sizes.values())
    p = tp / pp if pp else 1.0
    r = tp / tpairs if tpairs else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "mentions": len(keys),
        "true_people": len(true_sizes),
        "predicted_people": len(pred_sizes),
        "true_pairs": tpairs,
        "predicted_pairs": pp,
        "correct_pairs": tp,
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(f1, 4),
    }


def resolver_eval(works: Sequence[WorkRecord]) -> dict[str, Any]:
    predicted, truth = resolve_without_ids(works)
    by_name = {
        k: k.split("#", 1)[1] for k in predicted
    }  # slot key is "<work>#<name key>": same name, same person
    singletons = {k: k for k in predicted}
    return {
        "works": len(works),
        "link_threshold": LINK_THRESHOLD,
        "resolver": pairwise(predicted, truth),
        "baseline_same_name": pairwise(by_name, truth),
        "baseline_singletons": pairwise(singletons, truth),
    }


def _listing_line(rec: WorkRecord) -> tuple[str, str, list[str], bool]:
    names = [a.name for a in rec.authors]
    shown = names[:3]
    truncated = len(names) > 3
    return rec.title + ", ".join(shown) + (" et al." if truncated else ""), rec.title, shown, truncated


def split_eval(
    works: Sequence[WorkRecord], fractions: Iterable[float] = (0.0, 0.25, 0.5, 1.0)
) -> dict[str, Any]:
    """Exact title/author split of synthetic listing lines, as the graph knows more names."""
    from loaders.names import split_title_authors

    cases = [_listing_line(w) for w in works if w.authors and w.title]
    rng = random.Random(20261120)
    order = list(range(len(works)))
    rng.shuffle(order)
    out: dict[str, Any] = {"lines": len(cases), "by_known_fraction": {}}
    for f in fractions:
        chosen = order[: round(f * len(works))]
        known = {a.name for i in chosen for a in works[i].authors}
        exact = confident = 0
        for line, title, authors, _ in cases:
            split = split_title_authors(line, known or None)
            confident += bool(split.confident)
            exact += bool(split.confident and split.title == title and list(split.authors) == authors)
        out["by_known_fraction"][f"{f:.2f}"] = {
            "known_names": len(known),
            "confident": confident,
            "exact": exact,
            "accuracy": round(exact / len(cases), 4) if cases else None,
        }
    return out


def seed_listing_eval(data: Path, known: set[str]) -> dict[str, Any]:
    """How the real listing seeds parse with no known names and with the names the graph holds."""
    import loaders

    out: dict[str, Any] = {}
    for seed in sorted((data / "seeds").glob("00[13]_*")):
        row: dict[str, Any] = {}
        for label, names in (("no_known_names", None), ("graph_names", known)):
            recs = list(loaders.iter_records([str(seed)], known_names=names))
            works = [r for r in recs if isinstance(r, WorkRecord)]
            row[label] = {
                "works": len(works),
                "rejects": len(recs) - len(works),
                "splits": [[w.title, [a.name for a in w.authors]] for w in works],
            }
        row["changed_splits"] = sum(
            a != b
            for a, b in zip(row["no_known_names"]["splits"], row["graph_names"]["splits"], strict=False)
        )
        for label in ("no_known_names", "graph_names"):
            row[label].pop("splits")
        out[seed.name] = row
    return out


def duplicates_eval(data: Path) -> dict[str, Any]:
    """Load every file in two orders into the configured (scratch!) Neo4j and compare."""
    import loaders
    from kg import db, pipeline
    from kg.config import get_settings

    s = get_settings()
    drv = db.make_driver(s)
    files = [str(p) for p in sorted(data.rglob("*")) if p.is_file() and not p.name.startswith("SOURCE")]
    snaps = []
    timings = []
    for order in (files, files[::-1]):
        db.run_autocommit(
            drv, "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS", settings=s
        )
        t0 = time.monotonic()
        # the shared data holds an arXiv error feed: its reject goes to a scratch file, not the cwd
        with tempfile.TemporaryDirectory() as stage_dir:  # each order from nothing: empty graph, empty stage
            summary = pipeline.load(
                drv,
                [(p, loaders.iter_records([p])) for p in order],
                settings=s,
                derive=False,
                stage_path=Path(stage_dir) / "stage.duckdb",
                rejects_path=str(Path(tempfile.gettempdir()) / "identity_eval-rejects.jsonl"),
            )
        timings.append({"read": summary.read, "seconds": round(time.monotonic() - t0, 1)})
        works = db.run(drv, "MATCH (w:Work) RETURN w.id AS id ORDER BY id", settings=s)
        people = db.run(drv, "MATCH (r:Researcher) RETURN r.id AS id ORDER BY id", settings=s)
        edges = db.run(
            drv,
            "MATCH (r:Researcher)-[:AUTHORED]->(w:Work) RETURN r.id AS r, w.id AS w ORDER BY r, w",
            settings=s,
        )
        shared_id = db.run(
            drv,
            "MATCH (w:Work) UNWIND [x IN w.ids WHERE NOT x STARTS WITH 'title:'] AS i "
            "WITH i, count(w) AS n WHERE n > 1 RETURN count(i) AS n",
            settings=s,
        )[0]["n"]
        same_title = db.run(
            drv,
            "MATCH (w:Work) WITH w.title_key AS k, collect(w.id) AS ids WHERE size(ids) > 1 "
            "RETURN k, ids ORDER BY k",
            settings=s,
        )
        snaps.append(
            {
                "works": [r["id"] for r in works],
                "researchers": [r["id"] for r in people],
                "authored": [(r["r"], r["w"]) for r in edges],
                "shared_id_duplicates": shared_id,
                "same_title_groups": same_title,
            }
        )
    drv.close()
    a, b = snaps
    return {
        "files": len(files),
        "loads": timings,
        "works": len(a["works"]),
        "researchers": len(a["researchers"]),
        "authored": len(a["authored"]),
        "same_ids_both_orders": a["works"] == b["works"] and a["researchers"] == b["researchers"],
        "same_authored_both_orders": a["authored"] == b["authored"],
        "duplicate_works_sharing_an_id": [a["shared_id_duplicates"], b["shared_id_duplicates"]],
        "same_title_work_groups": [len(a["same_title_groups"]), len(b["same_title_groups"])],
        "same_title_examples": a["same_title_groups"][:10],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--works", type=Path, default=DEFAULT_WORKS, help="OpenAlex works (JSON lines)")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="directory of every input file")
    ap.add_argument(
        "--neo4j", action="store_true", help="also load --data in two orders (WIPES the database)"
    )
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "identity.json")
    args = ap.parse_args(argv)
    works = read_works(args.works)
    result: dict[str, Any] = {"works_file": str(args.works), "command": " ".join(["python", *sys.argv])}
    result["resolution"] = resolver_eval(works)
    result["listing_split"] = split_eval(works)
    if args.neo4j:
        result["duplicates"] = duplicates_eval(args.data)
        from kg import db
        from kg.config import get_settings

        drv = db.make_driver(get_settings())
        known = {r["name"] for r in db.run_named(drv, "load/known_names", settings=get_settings())}
        drv.close()
        result["seed_listings"] = seed_listing_eval(args.data, known)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    r = result["resolution"]["resolver"]
    print(
        f"resolver: precision {r['precision']}, recall {r['recall']}, F1 {r['f1']} over {r['mentions']} mentions"
    )
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
