"""Collaborator discovery on Apache Spark: kg.linkpred's ranking as DataFrame joins, aggregates and windows.

The same suggestions as the embedded kernel (kg.linkpred.suggest) — same targets, ranks and reasons, scores equal
to ~1e-12 — computed from the same tables, step by step (the numbers refer to kg.linkpred's docstring):

  1. Adamic-Adar: the co-author edges E(u, z) whose z has at most hub_cap co-authors, each weighted
     relay_weight(deg z), joined to E(z, v) on z: one row per 2-hop path, summed per (u, v). The sum is a fold
     in ascending z (as the sparse product adds), so equal path sets give bit-equal sums and ties rank by id the
     same way in both engines. The weights come from a table of the ≤ hub_cap + 1 possible degrees computed by
     kg.linkpred itself (no second definition of 1/log deg); the same paths counted give `common`;
     `open_triangles` is the same fold over the open links only: the links in no triangle through a non-hub
     third co-author (the wedges x – closing a triangle when their ends are co-authors – anti-joined away);
  2. exclusion as an anti-join on (source, SAME_AS group of the candidate) against the groups of the source's
     closed neighbourhood (itself and its co-authors), widened to every identity of the source — the embedded
     G·(I + A)·G; groups are the connected components of SAME_AS (curation decisions, few: joined up on the
     driver, the smallest index names the group, as in kg.linkpred); the best candidate_cap per source by
     rounded AA, then id (a window);
  3. topic candidates: each source's topic_top strongest topics × each topic's topic_list strongest members
     (windows, which Spark limits per group before shuffling), minus the excluded;
  4. overlaps per candidate pair by joins on (researcher, topic | institution | venue); profile sums are folds in
     the embedded kernel's order (the candidate's profile order), so they are bit-equal too;
  5. the model (log1p, tanh in Spark SQL: the last bit may differ from numpy's, hence the tolerance), the
     "shares something" filter, one identity per SAME_AS group, top-k per source by (score rounded to
     TIE_DIGITS, id), then the reasons of the top-k pairs only (shared co-authors, topics, institutions, venues).

Input and output go through Parquet in an exchange directory: the driver writes the EdgeList's arrays (what
kg.discover read from Neo4j), Spark reads them, ranks, and writes the suggestions sorted by (source, rank); the
driver streams them back, file by file, as kg.linkpred.Suggestion objects in source order, so kg.discover's write
path (changed lists only, --out files) is the same for both engines. On a cluster the exchange directory must be a
path every worker sees (a shared mount). Intermediate tables (the edges, the candidates, the top-k) are written
there too and read back, so each is computed once and no query plan carries the whole lineage. For a graph larger than the driver's memory, the input tables would be
written as Parquet by the stage (its coauthor table) or an export, instead of from the driver's arrays: from
`read_input` on, nothing here holds the graph in one process.

pyspark is imported only here, and only when this engine is chosen.
"""

from __future__ import annotations

import heapq
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from kg import linkpred
from kg.config import Settings
from kg.linkpred import FEATURES, IntArray, Params, Suggestion

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

TABLES = ("researchers", "coauthor", "topics", "institutions", "works", "same_as", "sources")
# Sources per yielded batch (what kg.discover hands to its writer threads at once).
BATCH_SOURCES = 2000
_TIE_SCALE = 10.0**linkpred.TIE_DIGITS  # np.round(x, d) is rint(x · 10^d) / 10^d: the same rint here


def _ints(a: Any) -> pa.Array:
    return pa.array(np.asarray(a, dtype=np.int64).reshape(-1))


def write_input(edges: linkpred.EdgeList, sources: IntArray, folder: Path) -> None:
    """The EdgeList's arrays as one Parquet table each under folder (integer indices, as kg.linkpred takes them)."""
    folder.mkdir(parents=True, exist_ok=True)
    n = edges.n
    open_ = np.asarray(edges.open, dtype=bool) if edges.open is not None else np.zeros(n, dtype=bool)
    co = np.asarray(edges.coauthor, dtype=np.int64).reshape(-1, 2)
    tr = np.asarray(edges.topic_rows, dtype=np.int64).reshape(-1, 2)
    ir = np.asarray(edges.institution_rows, dtype=np.int64).reshape(-1, 2)
    sa = np.asarray(edges.same_as, dtype=np.int64).reshape(-1, 2)
    tables = {
        "researchers": {"r": _ints(np.arange(n)), "open": pa.array(open_)},
        "coauthor": {"a": _ints(co[:, 0]), "b": _ints(co[:, 1])},
        # pos: the row's place in the input, the order in which the embedded kernel sums duplicate rows
        "topics": {
            "pos": _ints(np.arange(len(tr))),
            "r": _ints(tr[:, 0]),
            "t": _ints(tr[:, 1]),
            "w": pa.array(np.asarray(edges.topic_weights, dtype=np.float64)),
        },
        "institutions": {"r": _ints(ir[:, 0]), "i": _ints(ir[:, 1])},
        "works": {
            "r": _ints(edges.work_researcher),
            "year": _ints(edges.work_year),
            "venue": _ints(edges.work_venue),
        },
        "same_as": {"a": _ints(sa[:, 0]), "b": _ints(sa[:, 1])},
        "sources": {"r": _ints(sources)},
    }
    for name, cols in tables.items():
        path = folder / name
        path.mkdir(exist_ok=True)
        pq.write_table(pa.table(cols), path / "part-0.parquet")


@dataclass
class Frames:
    """The input tables as DataFrames (see write_input for their columns)."""

    researchers: DataFrame
    coauthor: DataFrame
    topics: DataFrame
    institutions: DataFrame
    works: DataFrame
    same_as: DataFrame
    sources: DataFrame | None  # None: every researcher is a source


def read_input(spark: SparkSession, folder: Path | str, all_sources: bool) -> Frames:
    """The Parquet tables of write_input (or the same columns written by anything else, e.g. on HDFS or S3)."""
    base = str(folder).rstrip("/")

    def read(name: str) -> DataFrame:
        return spark.read.parquet(f"{base}/{name}")

    return Frames(
        read("researchers"),
        read("coauthor"),
        read("topics"),
        read("institutions"),
        read("works"),
        read("same_as"),
        None if all_sources else read("sources"),
    )


def _fold_sum(items: Column, field: str) -> Column:
    """Σ items[field] added left to right from 0.0 over the (already sorted) array: a fixed summation order."""
    from pyspark.sql import functions as F

    return F.aggregate(items, F.lit(0.0), lambda acc, x: acc + x[field])


def _groups(spark: SparkSession, same_as: list[tuple[int, int]]) -> DataFrame:
    """(r, g): the SAME_AS group of every researcher in a SAME_AS pair, g = the smallest index of its connected
    component, as kg.linkpred's union-find. SAME_AS pairs are curation decisions (people's claims and merges,
    thousands where the graph has millions of edges), so they are joined up here, on the driver."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while x != root:
            parent[x], x = root, parent[x]
        return root

    for a, b in same_as:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    members = sorted({x for pair in same_as for x in pair})
    return spark.createDataFrame([(x, find(x)) for x in members], "r long, g long")


class _Stager:
    """Writes an intermediate table to Parquet under folder and reads it back: the plans that follow start from
    files, not from the whole lineage (a plan that repeats its inputs grows until printing it runs out of heap),
    and each table is computed once. Plain files, so it works the same on a cluster's shared directory."""

    def __init__(self, spark: SparkSession, folder: Path | str) -> None:
        self.spark = spark
        self.base = str(folder).rstrip("/")

    def __call__(self, df: DataFrame, name: str) -> DataFrame:
        path = f"{self.base}/{name}"
        df.write.mode("overwrite").parquet(path)
        return self.spark.read.parquet(path)


@dataclass
class _Graph:
    """The graph as the ranking's steps share it: undirected edges (u, z), people (r, open, deg, works, last, g),
    SAME_AS groups (r, g) when any, the relay weights by degree, each researcher's degree as zdeg (z, zdeg), the
    sources asked for (u) or None for all, the newest year, and the co-author pair count."""

    edges: DataFrame
    people: DataFrame
    groups: DataFrame | None
    relay_w: DataFrame
    zdeg: DataFrame
    sources: DataFrame | None
    now: int | None
    pairs_count: int
    open_links: DataFrame


def suggestions_frame(spark: SparkSession, fr: Frames, p: Params, stage: _Stager) -> tuple[int, DataFrame]:
    """The graph's co-author pair count, and the top-k suggestions of every source with their features,
    contributions and reasons, one row per pair: u, v, rank (1-based), score, raw, contrib (arrays in FEATURES
    order), boost, target_open, ccount, co (array of (z, share)), tp and vn (arrays of (key, w_u, w_v)), inst
    (array of ids)."""
    g = _graph(spark, fr, p, stage)
    cands, topic_prof = _candidates(g, fr, p, stage)
    top, works_prof, insts = _top(g, fr, p, stage, cands, topic_prof)
    return g.pairs_count, _with_reasons(g, p, top, topic_prof, works_prof, insts)


def _graph(spark: SparkSession, fr: Frames, p: Params, stage: _Stager) -> _Graph:
    """Undirected pairs, degrees, per-researcher gathers."""
    from pyspark.sql import functions as F

    col = F.col
    pairs = (
        fr.coauthor.where(col("a") != col("b"))
        .select(F.least("a", "b").alias("lo"), F.greatest("a", "b").alias("hi"))
        .distinct()
    )
    edges = stage(
        pairs.select(col("lo").alias("u"), col("hi").alias("z")).union(
            pairs.select(col("hi").alias("u"), col("lo").alias("z"))
        ),
        "edges",
    )
    deg = edges.groupBy("u").agg(F.count("*").alias("deg"))
    works = fr.works.groupBy("r").agg(
        F.count("*").alias("works"), F.greatest(F.max("year"), F.lit(-1)).alias("last")
    )
    same = [(int(r["a"]), int(r["b"])) for r in fr.same_as.collect()]
    has_groups = bool(same)
    groups = stage(_groups(spark, same), "groups") if has_groups else None
    people = (
        fr.researchers.join(deg.withColumnRenamed("u", "r"), "r", "left")
        .join(works, "r", "left")
        .select(
            "r",
            col("open"),
            F.coalesce(col("deg"), F.lit(0)).alias("deg"),
            F.coalesce(col("works"), F.lit(0)).alias("works"),
            F.coalesce(col("last"), F.lit(-1)).alias("last"),
        )
    )
    if groups is not None:
        people = people.join(groups, "r", "left").withColumn("g", F.coalesce(col("g"), col("r")))
    else:
        people = people.withColumn("g", col("r"))
    people = stage(people, "people")
    stats = people.agg(
        F.max(F.when(col("last") >= 0, col("last"))).alias("y"), F.sum("deg").alias("ends")
    ).first()
    pairs_count = int(stats["ends"] or 0) // 2 if stats is not None else 0
    now = p.now_year
    if now is None:
        now = None if stats is None or stats["y"] is None else int(stats["y"])

    # relay weights of the possible degrees, from kg.linkpred itself (≤ hub_cap + 1 rows)
    degs = np.arange(p.hub_cap + 1, dtype=np.int64)
    relay_w = spark.createDataFrame(
        [(int(d), float(w)) for d, w in zip(degs, linkpred.relay_weight(degs), strict=True)],
        "zdeg long, w double",
    )
    zdeg = people.select(col("r").alias("z"), col("deg").alias("zdeg"))
    sources = fr.sources.select(col("r").alias("u")) if fr.sources is not None else None
    return _Graph(
        edges, people, groups, relay_w, zdeg, sources, now, pairs_count, _open_links(edges, zdeg, p, stage)
    )


def _open_links(edges: DataFrame, zdeg: DataFrame, p: Params, stage: _Stager) -> DataFrame:
    """(u, z): the co-author links (both directions) in no triangle through a third co-author of at most hub_cap
    co-authors (kg.linkpred.Graph.link_triangles = 0): the wedges u – x – z through a non-hub x whose ends are
    co-authors close their link, the rest stay open."""
    from pyspark.sql import functions as F

    col = F.col
    through = zdeg.where(col("zdeg") <= p.hub_cap).select(col("z").alias("x"))
    wedges = (
        edges.select("u", col("z").alias("x"))
        .join(through, "x")
        .join(edges.select(col("u").alias("x"), "z"), "x")
        .where(col("u") != col("z"))
        .select("u", "z")
        .distinct()
    )
    closed = wedges.join(edges, ["u", "z"], "left_semi")
    return stage(edges.join(closed, ["u", "z"], "left_anti"), "open_links")


def _candidates(g: _Graph, fr: Frames, p: Params, stage: _Stager) -> tuple[DataFrame, DataFrame]:
    """Steps 1–3: Adamic-Adar over 2-hop paths, the exclusions, the topic candidates; the candidate pairs
    (u, v, ra) and the topic profiles."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    col = F.col
    edges, people, groups, sources = g.edges, g.people, g.groups, g.sources

    # ---- 1. Adamic-Adar over 2-hop paths through non-hub co-authors, summed in ascending z
    relay = edges if sources is None else edges.join(sources, "u", "left_semi")
    relay = relay.join(g.zdeg, "z").join(F.broadcast(g.relay_w), "zdeg").select("u", "z", "w")
    paths = relay.join(edges.select(col("u").alias("z"), col("z").alias("v")), "z")
    ra = paths.groupBy("u", "v").agg(
        _fold_sum(F.array_sort(F.collect_list(F.struct("z", "w"))), "w").alias("ra"),
        F.count("*").cast("double").alias("common"),
    )
    otri = _open_triangles(g, p)

    # ---- 2. exclusion: (u, group) pairs never suggested; a candidate v is out when (u, g(v)) is among them
    gof = people.select("r", "g")
    closed = edges.select("u", col("z").alias("x")).union(
        people.select(col("r").alias("u"), col("r").alias("x"))
    )
    if sources is not None:
        closed = closed.join(sources, "u", "left_semi")
    excluded = closed.join(gof.withColumnRenamed("r", "x"), "x").select("u", "g")
    if groups is not None:
        # every identity of the source: another identity's co-authors are the source's co-authors
        mates = (
            groups.alias("a")
            .join(groups.alias("b"), "g")
            .where(col("a.r") != col("b.r"))
            .select(col("a.r").alias("u"), col("b.r").alias("u2"))
        )
        if sources is not None:
            mates = mates.join(sources, "u", "left_semi")
        mate_closed = edges.select(col("u").alias("u2"), col("z").alias("x")).union(
            people.select(col("r").alias("u2"), col("r").alias("x"))
        )
        excluded = excluded.union(
            mates.join(mate_closed, "u2").join(gof.withColumnRenamed("r", "x"), "x").select("u", "g")
        )
    excluded = stage(excluded.distinct(), "excluded")

    def allowed(pairs_uv: DataFrame) -> DataFrame:
        with_g = pairs_uv.join(gof.select(col("r").alias("v"), "g"), "v")
        return with_g.join(excluded, ["u", "g"], "left_anti").drop("g")

    by_ra = Window.partitionBy("u").orderBy(F.rint(col("ra") * _TIE_SCALE).desc(), col("v"))
    ra_kept = (
        allowed(ra)
        .withColumn("n", F.row_number().over(by_ra))
        .where(col("n") <= p.candidate_cap)
        .drop("n")
        .join(otri, ["u", "v"], "left")
    )

    # ---- 3. topic candidates (normalised profiles: duplicates and totals summed in the kernel's order)
    topic_prof = stage(_profile(fr.topics.where(col("w") > 0)), "topic_profiles")
    utop = topic_prof.withColumn(
        "n", F.row_number().over(Window.partitionBy("r").orderBy(col("p").desc(), col("t")))
    ).where(col("n") <= p.topic_top)
    if sources is not None:
        utop = utop.join(sources.withColumnRenamed("u", "r"), "r", "left_semi")
    tlist = topic_prof.withColumn(
        "n", F.row_number().over(Window.partitionBy("t").orderBy(col("p").desc(), col("r")))
    ).where(col("n") <= p.topic_list)
    tcand = (
        utop.select(col("r").alias("u"), "t")
        .join(tlist.select("t", col("r").alias("v")), "t")
        .select("u", "v")
    ).distinct()
    cands = stage(
        allowed(tcand)
        .join(ra_kept, ["u", "v"], "full_outer")
        .select(
            "u",
            "v",
            *[F.coalesce(col(c), F.lit(0.0)).alias(c) for c in ("ra", "common", "otri")],
        ),
        "candidates",
    )
    return cands, topic_prof


def _open_triangles(g: _Graph, p: Params) -> DataFrame:
    """(u, v, otri): open_triangles, Σ relay_weight(deg z) over the shared co-authors z of at most hub_cap
    co-authors whose links to u and to v are both in no triangle through a third co-author of at most hub_cap
    co-authors (kg.linkpred.Graph.link_triangles / open_links), summed in ascending z as the sparse product."""
    from pyspark.sql import functions as F

    col = F.col
    open_links = g.open_links
    rel = open_links if g.sources is None else open_links.join(g.sources, "u", "left_semi")
    rel = rel.join(g.zdeg, "z").join(F.broadcast(g.relay_w), "zdeg").select("u", "z", "w")
    paths = rel.join(open_links.select(col("u").alias("z"), col("z").alias("v")), "z").where(
        col("u") != col("v")
    )
    return paths.groupBy("u", "v").agg(
        _fold_sum(F.array_sort(F.collect_list(F.struct("z", "w"))), "w").alias("otri")
    )


def _top(
    g: _Graph, fr: Frames, p: Params, stage: _Stager, cands: DataFrame, topic_prof: DataFrame
) -> tuple[DataFrame, DataFrame, DataFrame]:
    """Steps 4–5: the candidates' overlaps and features, the model, each source's top k; with the venue
    profiles and the institutions the reasons need."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    col = F.col
    people, now = g.people, g.now
    model = linkpred.resolve_model(p)
    weights = [float(x) for x in model.vector()]

    # ---- 4. overlaps and gathers for the candidate pairs
    works_prof = stage(
        _profile(
            fr.works.where(col("venue") >= 0).select(
                F.monotonically_increasing_id().alias("pos"),
                "r",
                col("venue").alias("t"),
                F.lit(1.0).alias("w"),
            )
        ),
        "venue_profiles",
    )
    topics = _overlap_sum(cands, topic_prof, "topics")
    venues = _overlap_sum(cands, works_prof, "venues")
    insts = stage(fr.institutions.select("r", "i").distinct(), "institutions")
    isize = insts.groupBy("r").agg(F.count("*").alias("isize"))
    shared_i = (
        cands.select("u", "v")
        .join(insts.select(col("r").alias("v"), "i"), "v")
        .join(insts.select(col("r").alias("u"), "i"), ["u", "i"])
        .groupBy("u", "v")
        .agg(F.count("*").alias("si"))
    )
    pv = people.select(
        col("r").alias("v"),
        col("open").alias("target_open"),
        col("deg").alias("vdeg"),
        col("works").alias("vworks"),
        col("last").alias("vlast"),
        col("g").alias("gv"),
    )
    feats = (
        cands.join(topics, ["u", "v"], "left")
        .join(venues, ["u", "v"], "left")
        .join(shared_i, ["u", "v"], "left")
        .join(isize.select(col("r").alias("u"), col("isize").alias("iu")), "u", "left")
        .join(isize.select(col("r").alias("v"), col("isize").alias("iv")), "v", "left")
        .join(pv, "v")
    )
    si = F.coalesce(col("si"), F.lit(0)).cast("double")
    union_i = F.coalesce(col("iu"), F.lit(0)) + F.coalesce(col("iv"), F.lit(0)) - si
    if now is None:
        recency = F.lit(0.0)
    else:
        gap = F.greatest(F.lit(now) - col("vlast"), F.lit(0))
        recency = F.when(col("vlast") >= 0, F.exp((-gap).cast("double") / linkpred.RECENCY_YEARS)).otherwise(
            0.0
        )
    raw = [
        col("ra"),
        F.coalesce(col("topics"), F.lit(0.0)),
        F.when(union_i > 0, si / union_i).otherwise(0.0),
        F.coalesce(col("venues"), F.lit(0.0)),
        col("vworks").cast("double"),
        recency,
        col("vdeg").cast("double"),
        col("common"),
        col("otri"),
    ]
    feats = feats.select("u", "v", "gv", "target_open", *[x.alias(f"f{i}") for i, x in enumerate(raw)])
    # ---- 5. the model: transform (kg.linkpred.transform), contributions, σ, the boost
    x = [F.log1p(F.lit(linkpred.AA_SCALE) * col("f0")), col("f1"), col("f2"), col("f3"),
         F.log1p(col("f4")), col("f5"), F.log1p(col("f6")), F.log1p(col("f7")),
         F.log1p(F.lit(linkpred.AA_SCALE) * col("f8"))]  # fmt: skip
    contrib = [xi * F.lit(w) for xi, w in zip(x, weights, strict=True)]
    feats = feats.select("*", *[c.alias(f"c{i}") for i, c in enumerate(contrib)])
    logit: Column = F.lit(0.0)
    for i in range(len(FEATURES)):
        logit = logit + col(f"c{i}")
    boost = (
        F.when(col("target_open"), F.lit(p.open_boost)).otherwise(F.lit(1.0)) if p.prefer_open else F.lit(1.0)
    )
    scored = feats.select(
        "*",
        boost.alias("boost"),
        (F.lit(0.5) * (F.lit(1.0) + F.tanh(F.lit(0.5) * (F.lit(model.intercept) + logit))) * boost).alias(
            "score"
        ),
    )
    scored = scored.where(((col("f0") > 0) | (col("f1") > 0) | (col("f2") > 0)) & (col("score") > 0))
    key = [F.rint(col("score") * _TIE_SCALE).desc(), col("v")]
    if g.groups is not None:
        # one suggestion per person: of several identities of a candidate, the best-ranked
        scored = (
            scored.withColumn("n", F.row_number().over(Window.partitionBy("u", "gv").orderBy(*key)))
            .where(col("n") == 1)
            .drop("n")
        )
    top = stage(
        scored.withColumn("rank", F.row_number().over(Window.partitionBy("u").orderBy(*key))).where(
            col("rank") <= p.top_k
        ),
        "top",
    )
    return top, works_prof, insts


def _with_reasons(
    g: _Graph, p: Params, top: DataFrame, topic_prof: DataFrame, works_prof: DataFrame, insts: DataFrame
) -> DataFrame:
    """The reasons of the top-k pairs only: shared co-authors, topics, institutions and venues."""
    from pyspark.sql import functions as F

    col = F.col
    edges, zdeg, relay_w = g.edges, g.zdeg, g.relay_w
    uv = top.select("u", "v")
    ol = g.open_links.select("u", "z", F.lit(1.0).alias("ou"))
    co = (
        uv.join(edges, "u")
        .join(edges.select(col("u").alias("v"), "z"), ["v", "z"], "left_semi")
        .join(zdeg, "z")
        .join(F.broadcast(relay_w), "zdeg", "left")
        .join(ol, ["u", "z"], "left")
        .join(ol.select(col("u").alias("v"), "z", col("ou").alias("ov")), ["v", "z"], "left")
        .select(
            "u",
            "v",
            "z",
            F.coalesce(col("w"), F.lit(0.0)).alias("share"),
            F.when(col("ou").isNotNull() & col("ov").isNotNull(), F.lit(1.0))
            .otherwise(F.lit(0.0))
            .alias("op"),
        )
        .groupBy("u", "v")
        .agg(
            F.count("*").alias("ccount"),
            F.slice(
                F.array_sort(F.collect_list(F.struct((-col("share")).alias("k"), "z", "share", "op"))),
                1,
                p.reasons_cap,
            ).alias("co"),
        )
    )
    inst = (
        uv.join(insts.select(col("r").alias("u"), "i"), "u")
        .join(insts.select(col("r").alias("v"), "i"), ["v", "i"], "left_semi")
        .groupBy("u", "v")
        .agg(F.slice(F.array_sort(F.collect_list("i")), 1, p.reasons_cap).alias("inst"))
    )
    out = (
        top.join(co, ["u", "v"], "left")
        .join(
            _shared_profile(uv, topic_prof, p.reasons_cap).withColumnRenamed("items", "tp"),
            ["u", "v"],
            "left",
        )
        .join(inst, ["u", "v"], "left")
        .join(
            _shared_profile(uv, works_prof, p.reasons_cap).withColumnRenamed("items", "vn"),
            ["u", "v"],
            "left",
        )
    )
    return out.select(
        "u",
        "v",
        "rank",
        "score",
        F.array(*[col(f"f{i}") for i in range(len(FEATURES))]).alias("raw"),
        F.array(*[col(f"c{i}") for i in range(len(FEATURES))]).alias("contrib"),
        "boost",
        "target_open",
        F.coalesce(col("ccount"), F.lit(0)).alias("ccount"),
        F.transform(F.coalesce(col("co"), F.array()), lambda e: F.struct(e["z"].alias("k"), e["share"].alias("a"), e["op"].alias("b")))
        .alias("co"),
        F.transform(F.coalesce(col("tp"), F.array()), _key_weights).alias("tp"),
        F.coalesce(col("inst"), F.array()).alias("inst"),
        F.transform(F.coalesce(col("vn"), F.array()), _key_weights).alias("vn"),
    )  # fmt: skip


def _key_weights(e: Column) -> Column:
    from pyspark.sql import functions as F

    return F.struct(e["t"].alias("k"), e["pu"].alias("a"), e["pv"].alias("b"))


def _profile(rows: DataFrame) -> DataFrame:
    """(r, t, p): weights per (researcher, key) summed in input order (pos), normalised by their total summed in
    key order — kg.linkpred._profile's arithmetic, so the shares are bit-equal."""
    from pyspark.sql import functions as F

    summed = rows.groupBy("r", "t").agg(
        _fold_sum(F.array_sort(F.collect_list(F.struct("pos", "w"))), "w").alias("ws")
    )
    totals = summed.groupBy("r").agg(
        _fold_sum(F.array_sort(F.collect_list(F.struct("t", "ws"))), "ws").alias("total")
    )
    return summed.join(totals, "r").select("r", "t", (F.col("ws") / F.col("total")).alias("p"))


def _overlap_sum(cands: DataFrame, prof: DataFrame, name: str) -> DataFrame:
    """(u, v, name): Σ min(p_u(k), p_v(k)) over the keys both hold, added in v's profile order (p desc, key)."""
    from pyspark.sql import functions as F

    col = F.col
    return (
        cands.select("u", "v")
        .join(prof.select(col("r").alias("v"), "t", col("p").alias("pv")), "v")
        .join(prof.select(col("r").alias("u"), "t", col("p").alias("pu")), ["u", "t"])
        .groupBy("u", "v")
        .agg(
            _fold_sum(
                F.array_sort(
                    F.collect_list(F.struct((-col("pv")).alias("k"), "t", F.least("pu", "pv").alias("m")))
                ),
                "m",
            ).alias(name)
        )
    )


def _shared_profile(uv: DataFrame, prof: DataFrame, cap: int) -> DataFrame:
    """(u, v, items): the shared profile entries (t, pu, pv), biggest min(pu, pv) first then key, at most cap."""
    from pyspark.sql import functions as F

    col = F.col
    return (
        uv.join(prof.select(col("r").alias("u"), "t", col("p").alias("pu")), "u")
        .join(prof.select(col("r").alias("v"), "t", col("p").alias("pv")), ["v", "t"])
        .groupBy("u", "v")
        .agg(
            F.slice(
                F.array_sort(F.collect_list(F.struct((-F.least("pu", "pv")).alias("m"), "t", "pu", "pv"))),
                1,
                cap,
            ).alias("items")
        )
    )


@dataclass
class Ranked:
    """What rank() hands back: the graph's co-author pair count and the suggestions, in batches of sources."""

    coauthor_pairs: int
    batches: Iterator[tuple[IntArray, list[Suggestion]]]


def rank(
    edges: linkpred.EdgeList,
    sources: IntArray,
    params: Params,
    settings: Settings,
    *,
    spark: SparkSession | None = None,
    workdir: Path | None = None,
) -> Ranked:
    """Rank on Spark (the session of kg.spark from settings unless one is given): the input goes to Parquet under
    workdir (default: a new directory beside the stage store), the suggestions come back in source order."""
    from kg.spark import spark_session

    session = spark or spark_session(settings, app="research-kg discover")
    sources = np.asarray(sources, dtype=np.int64)
    base = workdir or settings.stage_file.parent
    base.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="spark-discover-", dir=base))
    try:
        write_input(edges, sources, tmp / "in")
        fr = read_input(session, tmp / "in", all_sources=len(sources) == edges.n)
        out = tmp / "out"
        pairs, frame = suggestions_frame(session, fr, params, _Stager(session, tmp / "work"))
        # each part file sorted by (source, rank); the driver merges them (no global sort: no sampling pass)
        frame.repartition("u").sortWithinPartitions("u", "rank").write.parquet(str(out))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Ranked(pairs, _batches(out, sources, tmp))


def _read_file(path: Path) -> Iterator[Suggestion]:
    """One part file of the suggestions, row by row, as kg.linkpred.Suggestion objects."""
    for rb in pq.ParquetFile(path).iter_batches(batch_size=8192):
        for r in rb.to_pylist():
            yield Suggestion(
                source=r["u"],
                target=r["v"],
                rank=r["rank"],
                score=r["score"],
                features=tuple(r["raw"]),
                contributions=tuple(r["contrib"]),
                open_boost=r["boost"],
                target_open=bool(r["target_open"]),
                shared_coauthor_count=r["ccount"],
                shared_coauthors=[(c["k"], c["a"], c["b"]) for c in r["co"]],
                shared_topics=[(t["k"], t["a"], t["b"]) for t in r["tp"]],
                shared_institutions=list(r["inst"]),
                shared_venues=[(v["k"], v["a"], v["b"]) for v in r["vn"]],
            )


def _read_sorted(out: Path) -> Iterator[Suggestion]:
    """The suggestions Spark wrote, in (source, rank) order: a streaming merge of its part files, each sorted."""
    files = sorted(out.glob("*.parquet"))
    return heapq.merge(*(_read_file(f) for f in files), key=lambda x: (x.source, x.rank))


def _batches(out: Path, sources: IntArray, tmp: Path) -> Iterator[tuple[IntArray, list[Suggestion]]]:
    """(sources, their suggestions) in blocks of BATCH_SOURCES sources in ascending order; the exchange directory
    is removed when the stream ends (or is dropped)."""
    try:
        stream = _read_sorted(out)
        pending = next(stream, None)
        order = np.sort(sources)
        for start in range(0, len(order), BATCH_SOURCES):
            batch = order[start : start + BATCH_SOURCES]
            last = int(batch[-1])
            got: list[Suggestion] = []
            while pending is not None and pending.source <= last:
                got.append(pending)
                pending = next(stream, None)
            yield batch, got
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
