"""Discovery quality: recall@10 and MRR of the fitted score against common neighbours, Adamic-Adar and resource
allocation, on held-out co-author pairs of real and synthetic data, all in one run.

Datasets (each an EdgeList built here straight from the files, no database):
- ca-GrQc (SNAP, ../shared/data/coauthorship/snap_ca_grqc): co-author pairs only; random 10 % pair hold-out.
- DBLP (HyperGCN's author→paper table, ../shared/data/coauthorship/hypergcn): pairs from the papers, a topic
  profile per author from their papers' classes (papers that hold a hidden pair left out of the profiles, so
  the hidden pairs leave no trace); random 10 % pair hold-out.
- a synthetic corpus (`kg synth`, years, venues, institutions): time split, the pairs that first wrote together
  in the latest years hidden, and every work from those years dropped.
- the OpenAlex samples (../shared/data/openalex, real records: years, venues, topics, institutions): the same
  time split (a small graph: few hidden pairs, read its counts before its ratios).

Hold-out hygiene, per dataset: the TEST pairs are hidden first (kg.linkpred_fit.holdout_random / holdout_recent);
the model is then fitted by kg.linkpred_fit.train on the training input ALONE (which hides its own pairs inside
it), so the test pairs are in neither the training graph nor the fitted weights' training pairs. Every method
ranks on the same training graph; a test pair counts when both its ends are still in it. Seeds: several random
hold-outs per random-split dataset, each reported, with the mean.

    python -m bench.discover_eval [--seeds 3] [--synth-works 20000] [--only grqc,dblp,synth,openalex]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from bench import common
from bench.bundle import ensure_bundle, iter_works
from kg import linkpred
from kg import linkpred_fit as fit
from kg.config import DEFAULT_SHARED_DATA
from kg.linkpred import EdgeList

COAUTHORSHIP = DEFAULT_SHARED_DATA / "coauthorship"
OPENALEX = DEFAULT_SHARED_DATA / "openalex"
K = 10


def grqc_edges(path: Path) -> EdgeList:
    rows = np.loadtxt(path, dtype=np.int64, skiprows=1)
    ids, inv = np.unique(rows, return_inverse=True)
    return EdgeList(n=len(ids), coauthor=inv.reshape(-1, 2))


def _cliques(groups: list[list[int]]) -> np.ndarray:
    pairs = [(a, b) for g in groups for i, a in enumerate(g) for b in g[i + 1 :]]
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)


def dblp_edges(folder: Path, hidden: np.ndarray | None = None) -> EdgeList:
    """Pairs from the papers; topic profiles from the papers' classes, leaving out papers that hold a hidden pair;
    one work row per authorship (no years, no venues)."""
    authors: dict[str, int] = {}
    papers: dict[str, list[int]] = defaultdict(list)
    with (folder / "dblp_author_paper.tsv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            papers[row["paper_id"]].append(authors.setdefault(row["author_name"], len(authors)))
    labels: dict[str, int] = {}
    with (folder / "dblp_paper_labels.tsv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            labels[row["paper_id"]] = int(row["label"])
    n = len(authors)
    groups = [sorted(set(g)) for g in papers.values()]
    hidden_keys = set()
    if hidden is not None:
        hidden_keys = set(
            (np.minimum(hidden[:, 0], hidden[:, 1]) * n + np.maximum(hidden[:, 0], hidden[:, 1])).tolist()
        )
    tr: list[tuple[int, int]] = []
    wr: list[int] = []
    for pid, g in papers.items():
        members = sorted(set(g))
        wr.extend(members)
        if pid not in labels:
            continue
        if hidden_keys and any(
            a * n + b in hidden_keys for i, a in enumerate(members) for b in members[i + 1 :]
        ):
            continue
        tr.extend((a, labels[pid]) for a in members)
    topic_rows = np.array(tr, dtype=np.int64).reshape(-1, 2)
    return EdgeList(
        n=n,
        coauthor=_cliques(groups),
        n_topics=max(labels.values()) + 1,
        topic_rows=topic_rows,
        topic_weights=np.ones(len(topic_rows)),
        work_researcher=np.array(wr, dtype=np.int64),
        work_year=np.full(len(wr), -1, dtype=np.int64),
        work_venue=np.full(len(wr), -1, dtype=np.int64),
    )


def _work_edges(
    works: list[tuple[int, str, list[str], list[str], list[str]]], cap: int = 50
) -> tuple[EdgeList, dict[str, Any]]:
    """An EdgeList from (year, venue, author ids, institution ids, topic ids) per work: pairs with their first year
    from works of at most cap authors (as `kg coauthors rebuild`), one work row per authorship, topic profiles by
    work counts, institutions by authorship."""
    people: dict[str, int] = {}
    venues: dict[str, int] = {}
    insts: dict[str, int] = {}
    topics: dict[str, int] = {}
    first: dict[tuple[int, int], int] = {}
    wr, wy, wv, ir, tr = [], [], [], [], []
    for year, venue, authors, work_insts, work_topics in works:
        ids = sorted({people.setdefault(a, len(people)) for a in authors})
        v = venues.setdefault(venue, len(venues)) if venue else -1
        for a in ids:
            wr.append(a)
            wy.append(year)
            wv.append(v)
            tr.extend((a, topics.setdefault(t, len(topics))) for t in work_topics)
        for a, i in zip(authors, work_insts, strict=True):
            if i:
                ir.append((people[a], insts.setdefault(i, len(insts))))
        if len(ids) <= cap:
            for x, a in enumerate(ids):
                for b in ids[x + 1 :]:
                    y = first.get((a, b))
                    if y is None or (year >= 0 and (y < 0 or year < y)):
                        first[(a, b)] = year
    pairs = np.array(list(first), dtype=np.int64).reshape(-1, 2)
    topic_rows = np.array(tr, dtype=np.int64).reshape(-1, 2)
    edges = EdgeList(
        n=len(people),
        coauthor=pairs,
        coauthor_first_year=np.array(list(first.values()), dtype=np.int64),
        n_topics=len(topics),
        topic_rows=topic_rows,
        topic_weights=np.ones(len(topic_rows)),
        n_institutions=len(insts),
        institution_rows=np.array(ir, dtype=np.int64).reshape(-1, 2),
        n_venues=len(venues),
        work_researcher=np.array(wr, dtype=np.int64),
        work_year=np.array(wy, dtype=np.int64),
        work_venue=np.array(wv, dtype=np.int64),
    )
    return edges, {
        "works": len(works),
        "researchers": len(people),
        "venues": len(venues),
        "topics": len(topics),
    }


def synth_edges(bundle: Path) -> tuple[EdgeList, dict[str, Any]]:
    works = []
    for w, authors in iter_works(bundle):
        year = int(w["year"]) if w["year"] else -1
        works.append(
            (year, w["venue"], [a["author_id"] for a in authors], [a["institution_id"] for a in authors], [])
        )
    return _work_edges(works)


def openalex_edges(folder: Path) -> tuple[EdgeList, dict[str, Any]]:
    seen: set[str] = set()
    works = []
    records: list[dict[str, Any]] = []
    for path in sorted(folder.glob("works_sample*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                continue  # the samples hold a few truncated lines on purpose (the loaders' reject tests)
    for path in sorted((folder / "api_pages").glob("*.json")):
        page = json.loads(path.read_text(encoding="utf-8"))
        records += page.get("results", []) if isinstance(page, dict) else []
    for r in records:
        if not isinstance(r, dict):
            continue
        wid = r.get("id")
        if not wid or wid in seen:
            continue
        seen.add(wid)
        authors, insts = [], []
        for a in r.get("authorships") or []:
            aid = (a.get("author") or {}).get("id")
            if aid:
                authors.append(aid)
                found = [i.get("id") for i in a.get("institutions") or [] if i.get("id")]
                insts.append(found[0] if found else "")
        venue = (((r.get("primary_location") or {}).get("source")) or {}).get("display_name") or ""
        topics = [t["id"] for t in r.get("topics") or [] if t.get("id")]
        year = r.get("publication_year")
        works.append((int(year) if isinstance(year, int) else -1, venue, authors, insts, topics))
    return _work_edges(works)


def evaluate(
    name: str,
    edges: EdgeList,
    holdout: str,
    seed: int,
    rebuild: Any = None,
    inner_holdout: str | None = None,
    draws: int = 4,
) -> dict[str, Any]:
    """Hide TEST pairs, fit on the rest alone, compare every method on the test pairs."""
    t0 = time.monotonic()
    if holdout == "random":
        train_edges, test = fit.holdout_random(edges, 0.1, seed)
        cut = None
        if (
            rebuild is not None
        ):  # inputs derived from the works (topic profiles) rebuilt without the test pairs
            train_edges = fit._without(
                rebuild(test), train_edges.coauthor, train_edges.coauthor_first_year, None
            )
    else:
        train_edges, test, cut = fit.holdout_recent(edges, 0.1)
    try:
        model = fit.train(train_edges, holdout=inner_holdout or holdout, share=0.1, seed=seed, draws=draws)
        fitted = "fitted on this training input alone"
    except ValueError as e:
        # too small to hide pairs inside the training input: rank with the shipped model, fitted on other data
        model = linkpred.Model.load(linkpred.DEFAULT_MODEL)
        fitted = f"the shipped model (fitted on DBLP): this training input could not be fitted on ({e})"
    graph = linkpred.Graph(train_edges)
    counted = test[fit.known_in(graph, test)]
    if len(counted) == 0:
        raise ValueError(f"none of the {len(test)} test pairs has both ends in the training graph")
    none = np.zeros((0, 2), dtype=np.int64)
    params = linkpred.Params(model=model)
    results = fit.compare(graph, counted, none, params, K, model)
    ra_only = linkpred.Params(model=linkpred.coauthor_only_model())
    results["kernel_ra_only"] = fit.metrics(
        fit.pair_ranks(graph.n, fit.model_ranker(graph, ra_only)(np.unique(counted.ravel())), counted, none),
        K,
    )
    misses = {"model": _misses(graph, counted, fit.model_ranker(graph, params)),
              "adamic_adar": _misses(graph, counted, fit.textbook_ranker(graph, "adamic_adar"))}  # fmt: skip
    entry = {
        "dataset": name,
        "holdout": holdout,
        "seed": seed,
        "cut_year": cut,
        "researchers": edges.n,
        "test_pairs": len(test),
        "counted_test_pairs": len(counted),
        "results": results,
        "misses_by_shared_coauthors": misses,
        "model": {**model.to_json(), "fitted": fitted},
        "seconds": round(time.monotonic() - t0, 1),
    }
    r = results
    common.log(
        f"{name} ({holdout}, seed {seed}): model {r['model']} | AA {r['adamic_adar']} | RA "
        f"{r['resource_allocation']} | CN {r['common_neighbours']} ({len(counted)} counted test pairs); "
        f"misses by shared co-authors, model {misses['model']}, AA {misses['adamic_adar']}"
    )
    return entry


def _misses(graph: linkpred.Graph, pairs: np.ndarray, ranker: fit.Ranker) -> dict[str, dict[str, int]]:
    """The counted test pairs neither end has in its top K, by how many co-authors the two share in the training
    graph (0: no 2-hop path at all), each with how many pairs of that kind there are."""
    none = np.zeros((0, 2), dtype=np.int64)
    ranks = fit.pair_ranks(graph.n, ranker(np.unique(pairs.ravel())), pairs, none)
    a = graph.adj_matrix
    shared = np.asarray(a[pairs[:, 0]].multiply(a[pairs[:, 1]]).sum(axis=1)).ravel().astype(int)
    kinds = {"0": shared == 0, "1": shared == 1, "2": shared == 2, "3+": shared >= 3}
    return {k: {"missed": int((m & (ranks > K)).sum()), "pairs": int(m.sum())} for k, m in kinds.items()}


def _mean(entries: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for method in entries[0]["results"]:
        out[method] = {
            k: round(float(np.mean([e["results"][method][k] for e in entries])), 4)
            for k in entries[0]["results"][method]
        }
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=3, help="random hold-outs per random-split dataset")
    ap.add_argument(
        "--synth-works", type=int, default=20000, help="size of the synthetic corpus (time split)"
    )
    ap.add_argument("--only", default="grqc,dblp,synth,openalex", help="comma-separated datasets to run")
    ap.add_argument("--key", default="all", help="result key in bench/results/discover_eval.json")
    ap.add_argument("--draws", type=int, default=4, help="kg.linkpred_fit.train's hold-out draws")
    ap.add_argument(
        "--ship-model",
        action="store_true",
        help=f"fit the package's default model on the whole DBLP data and write it to {linkpred.DEFAULT_MODEL.name}",
    )
    args = ap.parse_args(argv)
    if args.ship_model:
        model = fit.train(dblp_edges(COAUTHORSHIP / "hypergcn"), holdout="random", share=0.1, seed=7)
        report = {**model.report, "data": "DBLP co-authorship (HyperGCN author-paper table), topics = paper classes",
                  "command": "python -m bench.discover_eval --ship-model"}  # fmt: skip
        linkpred.Model(model.weights, model.intercept, report).save(linkpred.DEFAULT_MODEL)
        common.log(
            f"model written to {linkpred.DEFAULT_MODEL}: {model.weights} {model.report['on_report_pairs']}"
        )
        return
    only = set(args.only.split(","))
    doc: dict[str, Any] = {
        "command": "python -m bench.discover_eval " + " ".join(argv or sys.argv[1:]),
        "k": K,
    }
    runs: dict[str, Any] = {}
    grqc = COAUTHORSHIP / "snap_ca_grqc" / "CA-GrQc.txt"
    if "grqc" in only:
        if grqc.exists():
            e = grqc_edges(grqc)
            runs["ca-GrQc"] = [
                evaluate("ca-GrQc", e, "random", s, draws=args.draws) for s in range(args.seeds)
            ]
        else:
            runs["ca-GrQc"] = {"skipped": f"{grqc} is absent"}
    dblp = COAUTHORSHIP / "hypergcn"
    if "dblp" in only:
        if (dblp / "dblp_author_paper.tsv").exists():
            e = dblp_edges(dblp)
            runs["DBLP"] = [
                evaluate(
                    "DBLP", e, "random", s, rebuild=lambda hidden: dblp_edges(dblp, hidden), draws=args.draws
                )
                for s in range(args.seeds)
            ]
        else:
            runs["DBLP"] = {"skipped": f"{dblp} is absent"}
    if "synth" in only:
        bundle = common.data_dir() / f"synth-{args.synth_works}-s{common.SEED}"
        ensure_bundle(bundle, args.synth_works, common.SEED)
        e, info = synth_edges(bundle)
        key = f"synth-{args.synth_works}"
        runs[key] = [{**evaluate(key, e, "recent", 0), "corpus": info}]
    if "openalex" in only:
        if OPENALEX.exists():
            e, info = openalex_edges(OPENALEX)
            try:
                runs["openalex-samples"] = [{**evaluate("openalex-samples", e, "recent", 0), "corpus": info}]
            except ValueError as err:
                runs["openalex-samples"] = {"skipped": str(err)}
        else:
            runs["openalex-samples"] = {"skipped": f"{OPENALEX} is absent"}
    doc["datasets"] = {
        name: {"runs": entries, "mean": _mean(entries)} if isinstance(entries, list) else entries
        for name, entries in runs.items()
    }
    common.update_result("discover_eval", args.key, doc)


if __name__ == "__main__":
    main()
