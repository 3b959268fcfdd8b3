"""Collaborator discovery as a pure computation over arrays (numpy + scipy.sparse, no database), block by block.

This is the engine boundary: kg.discover reads the graph out of Neo4j into an EdgeList and writes the suggestions
back; everything in between is here, as products, gathers, sorts and segment sums over integer arrays, so a
distributed engine (Spark, #21) can reproduce it step by step.

Input (EdgeList): researchers 0..n-1, undirected co-author pairs (with the year they first wrote together), one row
per authored work (researcher, year, venue), researcher→topic profile weights, researcher→institution
memberships, SAME_AS pairs and the open_to_collaborate flags. Output: for each source researcher, the top-k people
they have not written with, each with its score, the score's parts and the reasons — per block of sources as
columns (SuggestionBlock: arrays, the reasons as offsets + flat arrays), so that millions of suggestions cost no
Python object each; Suggestion objects on demand (block.suggestions()).

Features of a candidate v for a source u (FEATURES, each reported with its contribution to the score):

    coauthor_aa  = Σ 1/log deg(z) over shared co-authors z with deg(z) ≤ hub_cap   (Adamic-Adar; hubs neither
                   relay candidates nor add to the sum)                          used as log1p(10·aa)
    topics       = Σ_t min(p_u(t), p_v(t)), p = WORKS_ON weights normalised to sum 1    (weighted overlap, 0..1)
    institutions = |I_u ∩ I_v| / |I_u ∪ I_v|                                    (Jaccard of affiliations, 0..1)
    venues       = Σ_s min(q_u(s), q_v(s)), q = the share of one's works in venue s     (weighted overlap, 0..1)
    activity     = log1p(works of v)
    recency      = exp(−(now − v's last year) / 3), now = the latest year in the data  (0 when unknown)
    degree       = log1p(co-authors of v)
    common       = the number of shared co-authors z with deg(z) ≤ hub_cap               used as log1p(common)
    open_triangles = Σ 1/log deg(z) over those shared co-authors z whose links u–z and z–v each lie in no
                   triangle (no third co-author of ≤ hub_cap co-authors wrote with both ends of the link): the
                   mark a paper of three leaves when its third pair has not written together yet; used as
                   log1p(10·open_triangles)

    score        = σ(intercept + Σ_f weight_f · feature_f) · open_boost          (a Model: weights fitted on held-out
                                                                                  co-author pairs, kg.linkpred_fit)
    open_boost   = Params.open_boost when prefer_open and v is open to collaborate, else 1

A feature's contribution is weight_f · feature_f: the reasons say how much each part moved the score.

Never suggested: u itself, u's co-authors, anyone in u's SAME_AS group, and anyone whose SAME_AS group holds one
of those (another identity of a co-author is a co-author). Of several SAME_AS identities of one candidate only the
best-ranked is kept. Ties rank by index, i.e. by researcher id.

Candidates (per source u, all capped, so work per source is bounded whatever the hubs):
  - 2-hop neighbours through co-authors z with deg(z) ≤ hub_cap; the best candidate_cap by coauthor_aa are kept;
  - for u's topic_top strongest topics, the topic_list researchers with the strongest weight in that topic.
Institutions and venues add to the score but bring no candidates (an institution of 50,000 people is no shortlist).

How a block of sources is ranked (all of it array work, no per-source Python loop):
  1. S = A[block] · diag(w) · A (scipy sparse product), w(z) = 1/log deg(z) for deg(z) ≤ hub_cap, hub columns left out
     of A[block] entirely, so S[u, v] is coauthor_aa and hubs cost nothing; the same product with w = 1 counts the
     same paths (common), same shape, same entry order; open_triangles is O[block] · diag(w) · O over
     the open links O (Graph.open_links: triangles per link, (A' · A) ∘ A, one whole-graph pass kept per graph);
  2. S − BIG·X, X the excluded pattern (self and co-authors; with SAME_AS groups G, X = G[block] · (I + A) · G);
     entries still > 0 are the RA candidates; only rows over candidate_cap are sorted to keep their best;
  3. the topic shortlists (first topic_top topics × first topic_list members, never whole topic lists) join them;
  4. the profile overlaps (topics, venues) and institution Jaccard for these candidate pairs only, each of v's
     entries looked up among the block's own (source, key) entries; activity, recency, degree are gathers;
  5. the model's score, top-k per source by a lexsort of the block's candidates; the detailed reasons (which
     co-authors — a sparse element-wise product of the two rows —, topics, institutions, venues) only for the
     final top-k pairs.

Complexity. Building the CSR arrays is O(N + E log E + W log W) (W authored works). A block costs O(P) for the
sparse product, with P the 2-hop paths it expands: P(u) = Σ_{z∈N(u), deg z ≤ hub_cap} deg(z) ≤ deg(u)·hub_cap,
plus a sort of the rows over the candidate cap, then O(C·t) for the overlaps of its C ≤ candidate_cap +
topic_top·topic_list candidates per source (t = profile entries per researcher). Blocks are cut so that Σ P ≤
batch_paths, which bounds working memory; total time is O(Σ_u P(u)) ≈ O(Σ_z deg(z)²) over non-hub z, and the
triangle pass once per graph costs the same Σ P(u) again (in blocks of batch_paths paths). Memory: O(N + E + W +
topic rows) for the graph, O(batch_paths) per block.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from kg.suggestion_block import (
    BoolArray,
    FloatArray,
    IntArray,
    Ragged,
    Suggestion,
    SuggestionBlock,
)

# The score's features, in the order of a Model's weights and of Suggestion.features (see the module docstring).
FEATURES: tuple[str, ...] = (
    "coauthor_aa",
    "topics",
    "institutions",
    "venues",
    "activity",
    "recency",
    "degree",
    "common",
    "open_triangles",
)
RECENCY_YEARS = 3.0  # recency = exp(−years since the candidate's last work / RECENCY_YEARS)
AA_SCALE = 10.0  # coauthor_aa and open_triangles enter the score as log1p(AA_SCALE · x)
# The model shipped with the package (fitted by `kg discover train`, see kg.linkpred_fit); a graph's own fitted
# model replaces it with --model.
DEFAULT_MODEL = Path(__file__).with_name("discover_model.json")


@dataclass(frozen=True)
class Model:
    """A linear score over the transformed FEATURES: σ(intercept + Σ weight_f · x_f). `report` is what the fit
    measured (data, hold-out, recall and MRR against the baselines), kept in the model file for whoever reads it."""

    weights: dict[str, float]
    intercept: float = 0.0
    report: dict[str, Any] = field(default_factory=dict)

    def vector(self) -> FloatArray:
        unknown = sorted(set(self.weights) - set(FEATURES))
        if unknown:
            raise ValueError(f"model has weights for unknown features: {', '.join(unknown)}")
        return np.array([float(self.weights.get(f, 0.0)) for f in FEATURES])

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "logistic",
            "features": list(FEATURES),
            "weights": {f: round(float(self.weights.get(f, 0.0)), 6) for f in FEATURES},
            "intercept": round(float(self.intercept), 6),
            "report": self.report,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Model:
        if doc.get("kind") != "logistic" or not isinstance(doc.get("weights"), dict):
            raise ValueError("not a discovery model (expected kind 'logistic' and a weights map)")
        m = cls({k: float(v) for k, v in doc["weights"].items()}, float(doc.get("intercept", 0.0)),
                dict(doc.get("report") or {}))  # fmt: skip
        m.vector()
        return m

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Model:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))


def coauthor_only_model() -> Model:
    """Adamic-Adar alone (the textbook baseline as a Model; used by tests and the benchmark)."""
    return Model({"coauthor_aa": 1.0})


@dataclass(frozen=True)
class Params:
    """The model and the caps that bound the work per source (documented in the module docstring)."""

    top_k: int = 10
    model: Model | None = None  # None: the shipped DEFAULT_MODEL
    prefer_open: bool = False
    open_boost: float = 1.5
    now_year: int | None = None  # None: the latest year among the works
    # Caps measured on a 200k-work synthetic graph: (100, 100, 3, 20) costs 1.8 ms CPU per source against 3.2 ms
    # for (200, 300, 5, 50), with the same suggestions count; RA through a co-author of >100 co-authors is ≤ 0.01.
    hub_cap: int = 100
    candidate_cap: int = 100
    topic_top: int = 3
    topic_list: int = 20
    reasons_cap: int = 5
    batch_paths: int = 2_000_000
    batch_sources: int = 512


def _empty_pairs() -> IntArray:
    return np.zeros((0, 2), dtype=np.int64)


def _empty_ints() -> IntArray:
    return np.zeros(0, dtype=np.int64)


@dataclass
class EdgeList:
    """The discovery job's whole input, as integer-indexed arrays."""

    n: int
    coauthor: IntArray  # (E, 2) undirected pairs of researcher indices (duplicates and self-loops ignored)
    coauthor_first_year: IntArray | None = None  # (E,) the year a pair first wrote together, −1 unknown
    n_topics: int = 0
    topic_rows: IntArray = field(default_factory=_empty_pairs)  # (researcher, topic)
    topic_weights: FloatArray = field(default_factory=lambda: np.zeros(0, dtype=np.float64))
    n_institutions: int = 0
    institution_rows: IntArray = field(default_factory=_empty_pairs)
    # one row per authored work: the researcher, the work's year (−1 unknown), its venue (−1 none)
    n_venues: int = 0
    work_researcher: IntArray = field(default_factory=_empty_ints)
    work_year: IntArray = field(default_factory=_empty_ints)
    work_venue: IntArray = field(default_factory=_empty_ints)
    same_as: IntArray = field(default_factory=_empty_pairs)
    open: BoolArray | None = None


def _csr(rows: IntArray, cols: IntArray, n_rows: int) -> tuple[IntArray, IntArray]:
    """indptr, order: rows sorted (stable), so cols[order] grouped by row keep their incoming order."""
    order = np.argsort(rows, kind="stable")
    counts = np.bincount(rows, minlength=n_rows)
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return indptr, order


def _expand(indptr: IntArray, rows: IntArray, cap: int | None = None) -> tuple[IntArray, IntArray]:
    """For each i, the positions indptr[rows[i]]..indptr[rows[i]+1] (the first cap of them): (i repeated, positions)."""
    starts = indptr[rows]
    lens = indptr[rows + 1] - starts
    if cap is not None:
        lens = np.minimum(lens, cap)
    total = int(lens.sum())
    rep = np.repeat(np.arange(len(rows), dtype=np.int64), lens)
    if total == 0:
        return rep, np.zeros(0, dtype=np.int64)
    firsts = np.zeros(len(rows), dtype=np.int64)
    np.cumsum(lens[:-1], out=firsts[1:])
    pos = np.arange(total, dtype=np.int64) - np.repeat(firsts, lens) + np.repeat(starts, lens)
    return rep, pos


def _uniq(keys: IntArray) -> IntArray:
    """Sorted distinct values: a plain sort, several times faster than np.unique's hash path on big int arrays."""
    out = np.sort(keys)
    if len(out) < 2:
        return out
    return out[np.r_[True, out[1:] != out[:-1]]]


def _pattern(rows: IntArray, cols: IntArray, n_rows: int, n_cols: int) -> sparse.csr_matrix:
    """A 0/1 CSR matrix with the given entries (duplicates merged), indices sorted."""
    m = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_rows, n_cols))
    m.sum_duplicates()
    m.data[:] = 1.0
    return m


def _rank_in_group(groups: IntArray) -> IntArray:
    """Position of each element within its run of equal (sorted) group values."""
    if len(groups) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(groups)) + 1]
    lens = np.diff(np.r_[starts, len(groups)])
    return np.arange(len(groups), dtype=np.int64) - np.repeat(starts, lens)


def _profile(
    rows: IntArray, keys: IntArray, weights: FloatArray, n: int, width: int
) -> tuple[IntArray, IntArray, FloatArray]:
    """Per-row weight profiles: duplicates summed, normalised to sum 1, each row strongest first (then key).
    Returns (indptr, keys, weights) in CSR form."""
    keep = weights > 0
    rows, keys, weights = rows[keep], keys[keep], weights[keep]
    width = max(width, 1)
    uk, inv = np.unique(rows * width + keys, return_inverse=True)
    wsum = np.bincount(inv, weights=weights, minlength=len(uk))
    r, k = uk // width, uk % width
    totals = np.bincount(r, weights=wsum, minlength=n)
    p = wsum / totals[r] if len(r) else wsum
    o = np.lexsort((k, -p, r))
    ptr, _ = _csr(r, k, n)
    return ptr, k[o], p[o]


class Graph:
    """The EdgeList prepared once: CSR adjacency, degrees, normalised profiles, topic shortlists, groups."""

    def __init__(self, edges: EdgeList) -> None:
        n = edges.n
        self.n = n
        pairs = np.asarray(edges.coauthor, dtype=np.int64).reshape(-1, 2)
        pairs = pairs[pairs[:, 0] != pairs[:, 1]]
        lo, hi = np.minimum(pairs[:, 0], pairs[:, 1]), np.maximum(pairs[:, 0], pairs[:, 1])
        und = _uniq(lo * n + hi)
        del pairs, lo, hi
        src = np.r_[und // n, und % n]
        dst = np.r_[und % n, und // n]
        del und
        # the row pointers (as _csr's, without its row sort: the lexsort below orders the neighbours)
        self.indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(src, minlength=n), out=self.indptr[1:])
        # neighbours sorted by index inside each row
        o = np.lexsort((dst, src))
        self.adj = dst[o].astype(np.int32 if n < 2**31 else np.int64)
        del src, dst, o
        self.deg = np.diff(self.indptr)

        # Topic profiles, and per topic the researchers with the strongest weight in it (then by index).
        self.n_topics = max(edges.n_topics, 1)
        trows = np.asarray(edges.topic_rows, dtype=np.int64).reshape(-1, 2)
        self.tptr, self.ttopic, self.tweight = _profile(
            trows[:, 0], trows[:, 1], np.asarray(edges.topic_weights, dtype=np.float64), n, self.n_topics
        )
        tr = np.repeat(np.arange(n, dtype=np.int64), np.diff(self.tptr))
        o = np.lexsort((tr, -self.tweight, self.ttopic))
        self.lptr, _ = _csr(self.ttopic, tr, self.n_topics)
        self.lmember = tr[o]

        irows = np.asarray(edges.institution_rows, dtype=np.int64).reshape(-1, 2)
        self.n_insts = max(edges.n_institutions, 1)
        ikeys = _uniq(irows[:, 0] * self.n_insts + irows[:, 1])
        ir, ii = ikeys // self.n_insts, ikeys % self.n_insts
        self.iptr, _ = _csr(ir, ii, n)
        self.inst = ii  # already sorted by (researcher, institution)

        # Activity from the authored works: how many, the last year, the venue profile.
        wr = np.asarray(edges.work_researcher, dtype=np.int64)
        wy = np.asarray(edges.work_year, dtype=np.int64)
        wv = np.asarray(edges.work_venue, dtype=np.int64)
        self.works = np.bincount(wr, minlength=n).astype(np.float64)
        self.last_year = np.full(n, -1, dtype=np.int64)
        if len(wr):
            np.maximum.at(self.last_year, wr, wy)
        known = self.last_year[self.last_year >= 0]
        self.data_year = int(known.max()) if len(known) else None
        self.n_venues = max(edges.n_venues, 1)
        has_venue = wv >= 0
        self.vptr, self.venue, self.vweight = _profile(
            wr[has_venue], wv[has_venue], np.ones(int(has_venue.sum())), n, self.n_venues
        )

        # SAME_AS groups (connected components): group id per researcher, and the members of each group.
        parent = np.arange(n, dtype=np.int64)

        def find(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = int(parent[x])
            return x

        same = np.asarray(edges.same_as, dtype=np.int64).reshape(-1, 2)
        for a, b in same.tolist():
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
        for x in np.unique(same).tolist():
            parent[x] = find(x)
        self.group = parent
        self.gptr, gorder = _csr(self.group, np.arange(n, dtype=np.int64), n)
        self.gmember = np.arange(n, dtype=np.int64)[gorder]
        self.has_groups = bool(len(same))
        self.open = np.asarray(edges.open, dtype=bool) if edges.open is not None else np.zeros(n, dtype=bool)

        # The same adjacency as a sparse matrix (rows sorted), for block products.
        self.adj_matrix = sparse.csr_matrix(
            (np.ones(len(self.adj), dtype=np.float64), self.adj, self.indptr), shape=(n, n)
        )
        self._relay: tuple[int, sparse.csr_matrix] | None = None
        self._path_cost: tuple[int, IntArray] | None = None
        self._open: tuple[int, sparse.csr_matrix, sparse.csr_matrix] | None = None
        # SAME_AS groups as a matrix G[x, y] = 1 iff x and y are one person (only built when there are groups).
        self._closed: sparse.csr_matrix | None = None
        self._gmatrix: sparse.csr_matrix | None = None
        if self.has_groups:
            rg, posg = _expand(self.gptr, self.group)
            self._gmatrix = _pattern(rg, self.gmember[posg], n, n)

    def relay(self, hub_cap: int) -> sparse.csr_matrix:
        """A · diag(w): w = relay_weight(deg z) for co-authors z with deg(z) ≤ hub_cap; hub columns are left out."""
        if self._relay is None or self._relay[0] != hub_cap:
            self._relay = None
            zdeg = self.deg[self.adj]
            keep = zdeg <= hub_cap
            counts = np.bincount(
                np.repeat(np.arange(self.n, dtype=np.int64), self.deg)[keep], minlength=self.n
            )
            ptr = np.zeros(self.n + 1, dtype=np.int64)
            np.cumsum(counts, out=ptr[1:])
            m = sparse.csr_matrix((relay_weight(zdeg[keep]), self.adj[keep], ptr), shape=(self.n, self.n))
            self._relay = (hub_cap, m)
        return self._relay[1]

    def excluded(self, batch: IntArray) -> sparse.csr_matrix:
        """Block × n pattern of who is never suggested to each source: itself, its co-authors, and with SAME_AS
        groups G, everyone in G[batch] · (I + A) · G (another identity of a co-author is a co-author)."""
        b = len(batch)
        if self._gmatrix is None:
            ident = _pattern(np.arange(b, dtype=np.int64), batch, b, self.n)
            x = (ident + self.adj_matrix[batch]).tocsr()
        else:
            if self._closed is None:
                self._closed = (sparse.identity(self.n, format="csr") + self.adj_matrix).tocsr()
            x = (self._gmatrix[batch] @ self._closed @ self._gmatrix).tocsr()
        x.sum_duplicates()
        x.sort_indices()
        x.data[:] = 1.0
        return x

    def path_cost(self, hub_cap: int) -> IntArray:
        """P(u): the 2-hop paths a source expands (its non-hub co-authors' degrees summed). Kept per hub_cap: a
        whole-graph pass (seconds at 1.7M researchers) that every suggest call over a few sources would repeat."""
        if self._path_cost is None or self._path_cost[0] != hub_cap:
            src = np.repeat(np.arange(self.n, dtype=np.int64), self.deg)
            zdeg = self.deg[self.adj]
            cost = np.bincount(src, weights=np.where(zdeg <= hub_cap, zdeg, 0), minlength=self.n).astype(
                np.int64
            )
            self._path_cost = (hub_cap, cost)
        return self._path_cost[1]

    def link_triangles(self, hub_cap: int, batch_paths: int = 2_000_000) -> IntArray:
        """Per adjacency entry (u, adj[i]): the triangles on that co-author link through a third co-author of at
        most hub_cap co-authors (the ends' shared non-hub co-authors; a hub's triangles are left out as its paths
        are everywhere else). (A' · A) ∘ A, A' = A without hub columns, row block by row block (each ≤ batch_paths
        2-hop paths, as the ranking's); a whole-graph pass as costly as one 2-hop product for every researcher.
        Not kept (4 bytes per adjacency entry, 127 MB at the 1M-work graph): open_links keeps what ranking needs."""
        relay = self.relay(hub_cap)  # its pattern with ones, sharing its index arrays (no copy of them)
        through = sparse.csr_matrix((np.ones(relay.nnz), relay.indices, relay.indptr), shape=relay.shape)
        out = np.zeros(len(self.adj), dtype=np.int32)
        csum = np.cumsum(self.path_cost(hub_cap) + 1)
        a, done = 0, 0
        while a < self.n:
            b = max(a + 1, int(np.searchsorted(csum, done + batch_paths, side="right")))
            tri = (through[a:b] @ self.adj_matrix).multiply(self.adj_matrix[a:b]).tocsr()
            tri.sum_duplicates()
            tri.sort_indices()
            # the block's adjacency entries in order are keys (row − a) · n + neighbour, sorted
            lo, hi = int(self.indptr[a]), int(self.indptr[b])
            keys = np.repeat(np.arange(b - a, dtype=np.int64), self.deg[a:b]) * self.n + self.adj[lo:hi]
            tkeys = np.repeat(np.arange(b - a, dtype=np.int64), np.diff(tri.indptr)) * self.n + tri.indices
            out[lo + np.searchsorted(keys, tkeys)] = np.rint(tri.data).astype(np.int32)
            done, a = int(csum[b - 1]), b
        return out

    def open_links(self, hub_cap: int) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
        """The co-author links in no triangle (link_triangles = 0): (as relay(): rows u, columns z of at most hub_cap
        co-authors, weighted relay_weight(deg z); the same links 0/1 with every column). Their product's
        entry (u, v) is open_triangles."""
        if self._open is None or self._open[0] != hub_cap:
            self._open = None
            is_open = self.link_triangles(hub_cap) == 0
            zdeg = self.deg[self.adj]
            row = np.repeat(np.arange(self.n, dtype=np.int64), self.deg)

            def links(keep: BoolArray, values: FloatArray) -> sparse.csr_matrix:
                ptr = np.zeros(self.n + 1, dtype=np.int64)
                np.cumsum(np.bincount(row[keep], minlength=self.n), out=ptr[1:])
                return sparse.csr_matrix((values, self.adj[keep], ptr), shape=(self.n, self.n))

            relay_keep = is_open & (zdeg <= hub_cap)
            self._open = (
                hub_cap,
                links(relay_keep, relay_weight(zdeg[relay_keep])),
                links(is_open, np.ones(int(is_open.sum()))),
            )
        return self._open[1], self._open[2]

    def feature_values(
        self, p: Params, batch: IntArray, u_loc: IntArray, v: IntArray, links: FloatArray
    ) -> FloatArray:
        """The raw FEATURES of the candidate pairs (batch[u_loc[i]], v[i]), given their co-author link features
        (coauthor_aa, common, open_triangles; `candidates`' third value): (m, F)."""
        m = len(v)
        u = batch[u_loc]
        topics = _lookup_sum(self.tptr, self.ttopic, self.tweight, batch, u_loc, v, self.n_topics, np.minimum)
        venues = _lookup_sum(self.vptr, self.venue, self.vweight, batch, u_loc, v, self.n_venues, np.minimum)
        shared_i = _lookup_sum(self.iptr, self.inst, None, batch, u_loc, v, self.n_insts, None)
        isize = np.diff(self.iptr)
        union_i = isize[u] + isize[v] - shared_i
        insts = np.divide(shared_i, union_i, out=np.zeros(m), where=union_i > 0)
        now = p.now_year if p.now_year is not None else self.data_year
        last = self.last_year[v]
        if now is None:
            recency = np.zeros(m)
        else:
            recency = np.where(last >= 0, np.exp(-np.maximum(now - last, 0) / RECENCY_YEARS), 0.0)
        links = np.asarray(links, dtype=np.float64).reshape(m, 3)
        return np.column_stack(
            [links[:, 0], topics, insts, venues, self.works[v], recency, self.deg[v].astype(np.float64),
             links[:, 1], links[:, 2]]
        )  # fmt: skip


def transform(raw: FloatArray) -> FloatArray:
    """The raw FEATURES as the model sees them (log1p for the unbounded ones; overlaps and recency as they are)."""
    x = np.array(raw, dtype=np.float64, copy=True)
    x[:, 0] = np.log1p(AA_SCALE * x[:, 0])
    x[:, 4] = np.log1p(x[:, 4])
    x[:, 6] = np.log1p(x[:, 6])
    x[:, 7] = np.log1p(x[:, 7])
    x[:, 8] = np.log1p(AA_SCALE * x[:, 8])
    return x


def relay_weight(deg: IntArray) -> FloatArray:
    """What a shared co-author of deg co-authors adds to coauthor_aa: 1/log(deg) (Adamic-Adar; deg ≥ 2 for anyone
    who links two people)."""
    return 1.0 / np.log(np.maximum(deg, 2).astype(np.float64))


def _sigmoid(z: FloatArray) -> FloatArray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _batches(graph: Graph, sources: IntArray, params: Params) -> Iterator[IntArray]:
    cost = graph.path_cost(params.hub_cap)[sources] + 1
    start = 0
    while start < len(sources):
        csum = np.cumsum(cost[start : start + params.batch_sources])
        end = start + max(1, int(np.searchsorted(csum, params.batch_paths, side="right")))
        yield sources[start:end]
        start = end


def _overlap(
    ptr: IntArray, col: IntArray, a: IntArray, b: IntArray, width: int
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Shared entries of rows a[i] and b[i]: (pair i, column, position in a's row, position in b's row)."""
    ra, pa = _expand(ptr, a)
    rb, pb = _expand(ptr, b)
    ka, kb = ra * width + col[pa], rb * width + col[pb]
    common, ia, ib = np.intersect1d(ka, kb, assume_unique=True, return_indices=True)
    return common // width, common % width, pa[ia], pb[ib]


def resolve_model(params: Params) -> Model:
    return params.model if params.model is not None else _default_model()


_DEFAULT: list[Model] = []


def _default_model() -> Model:
    if not _DEFAULT:
        _DEFAULT.append(Model.load(DEFAULT_MODEL))
    return _DEFAULT[0]


def candidates(g: Graph, batch: IntArray, p: Params) -> tuple[IntArray, IntArray, FloatArray]:
    """The block's candidate pairs (u_loc, v, links), sorted by (u_loc, v), links the (m, 3) co-author link
    features coauthor_aa, common, open_triangles: steps 1–3 of the docstring."""
    n, b = g.n, len(batch)
    aw = g.relay(p.hub_cap)[batch]
    # the same paths counted (common): a second product of the same sparsity, so the same entries in the same
    # order (scipy's complex product would give both sums in one pass, but runs ~10× slower than two real ones)
    ones = aw.copy()
    ones.data[:] = 1.0
    x = g.excluded(batch)
    s = (aw @ g.adj_matrix - _BIG * x).tocsr()
    c = (ones @ g.adj_matrix - _BIG * x).tocsr()
    s.sort_indices()
    c.sort_indices()
    if not (np.array_equal(s.indptr, c.indptr) and np.array_equal(s.indices, c.indices)):
        raise RuntimeError("the weighted and the counting 2-hop products differ in shape")
    r_loc = np.repeat(np.arange(b, dtype=np.int64), np.diff(s.indptr))
    ok = s.data > 0
    r_loc, v_ra, ra, common = r_loc[ok], s.indices[ok].astype(np.int64), s.data[ok], c.data[ok]
    # Cap per source: the best candidate_cap by RA (ties by index); only rows over the cap need sorting.
    counts = np.bincount(r_loc, minlength=b)
    over = counts[r_loc] > p.candidate_cap
    if over.any():
        io = np.flatnonzero(over)
        o = io[_best_first(r_loc[io], ra[io])]
        drop = o[_rank_in_group(r_loc[o]) >= p.candidate_cap]
        keep = np.ones(len(r_loc), dtype=bool)
        keep[drop] = False
        r_loc, v_ra, ra, common = r_loc[keep], v_ra[keep], ra[keep], common[keep]
    ra_keys = r_loc * n + v_ra  # sorted: CSR order is (row, column)
    o_rel, o_pat = g.open_links(p.hub_cap)
    links = np.column_stack([ra, common, _values_at((o_rel[batch] @ o_pat).tocsr(), r_loc, v_ra)])
    # topic candidates: the strongest researchers of each of u's strongest topics, minus the excluded
    # (only the first topic_top / topic_list entries are expanded: a popular topic has hundreds of thousands)
    rt, post = _expand(g.tptr, batch, p.topic_top)
    rl, posl = _expand(g.lptr, g.ttopic[post], p.topic_list)
    t_keys = _uniq(rt[rl] * n + g.lmember[posl])
    if len(t_keys):
        t_keys = t_keys[~_in_matrix(x, t_keys // n, t_keys % n)]
    if not len(t_keys) and bool(np.all(ra_keys[1:] > ra_keys[:-1])):
        # no topic candidates (a graph without topics): the RA ones, already in key order
        return r_loc, v_ra, links
    keys = _uniq(np.concatenate([ra_keys, t_keys]))
    links_all = np.zeros((len(keys), 3))
    if len(ra_keys):
        links_all[np.searchsorted(keys, ra_keys)] = links
    return keys // n, keys % n, links_all


def _values_at(m: sparse.csr_matrix, rows: IntArray, cols: IntArray) -> FloatArray:
    """m's entry at each (row, col), 0 where it stores none."""
    m.sum_duplicates()
    m.sort_indices()
    keys = np.repeat(np.arange(m.shape[0], dtype=np.int64), np.diff(m.indptr)) * m.shape[1] + m.indices
    q = rows * m.shape[1] + cols
    if not len(keys):
        return np.zeros(len(q))
    pos = np.minimum(np.searchsorted(keys, q), len(keys) - 1)
    return np.where(keys[pos] == q, m.data[pos], 0.0)


def suggest_blocks(
    graph: Graph, sources: IntArray, params: Params
) -> Iterator[tuple[IntArray, SuggestionBlock]]:
    """Yield (batch of sources, their suggestions column-wise, each source's best first) for the given sources."""
    sources = np.asarray(sources, dtype=np.int64)
    model = resolve_model(params)
    for batch in _batches(graph, sources, params):
        yield batch, _suggest_batch(graph, batch, params, model)


def suggest(graph: Graph, sources: IntArray, params: Params) -> Iterator[tuple[IntArray, list[Suggestion]]]:
    """suggest_blocks with one Suggestion object per suggestion (for readers that want objects, not columns)."""
    for batch, block in suggest_blocks(graph, sources, params):
        yield batch, block.suggestions()


def _suggest_batch(g: Graph, batch: IntArray, p: Params, model: Model) -> SuggestionBlock:
    u_loc, v, links = candidates(g, batch, p)
    u = batch[u_loc]
    raw = g.feature_values(p, batch, u_loc, v, links)
    top, rank, score, contrib, boost = top_candidates(g, p, model, u_loc, v, transform(raw), shared_any(raw))
    return _with_reasons(g, p, u[top], v[top], rank, score[top], raw[top], contrib[top], boost[top])


def shared_any(raw: FloatArray) -> BoolArray:
    """Which candidate pairs have something in common (a co-author, a topic, an institution): only those are
    suggested (a model could score strangers above 0)."""
    return (raw[:, 0] > 0) | (raw[:, 1] > 0) | (raw[:, 2] > 0)


def top_candidates(
    g: Graph, p: Params, model: Model, u_loc: IntArray, v: IntArray, x: FloatArray, shared: BoolArray
) -> tuple[IntArray, IntArray, FloatArray, FloatArray, FloatArray]:
    """Score a block's candidates (x: their transformed features) and keep each source's best p.top_k: (their
    positions best first by source, their ranks from 0, and for every candidate the score, contributions and
    open boost). kg.linkpred_fit re-scores the same candidates with other weights through this too."""
    m = len(v)
    contrib = x * model.vector()
    score = _sigmoid(model.intercept + contrib.sum(axis=1)) if m else np.zeros(0)
    boost = np.where(g.open[v], p.open_boost, 1.0) if p.prefer_open else np.ones(m)
    score = score * boost
    ok = np.flatnonzero(shared & (score > 0))
    order = ok[_best_first(u_loc[ok], score[ok])]
    # One suggestion per person: of several SAME_AS identities of a candidate, only the best-ranked stays.
    if g.has_groups:
        _, first = np.unique(u_loc[order] * g.n + g.group[v[order]], return_index=True)
        order = order[np.sort(first)]
    rank = _rank_in_group(u_loc[order])
    return order[rank < p.top_k], rank[rank < p.top_k], score, contrib, boost


# Scores are compared at 12 decimals: sums of the same terms in another order differ in the last bit, and such
# "ties" must still rank by id whatever the summation order (the sparse product's, the bincount's).
TIE_DIGITS = 12
_BIG = 1e12  # larger than any RA sum (≤ the number of co-authors)


def _best_first(rows: IntArray, values: FloatArray) -> IntArray:
    """Positions by row, then value rounded to TIE_DIGITS descending, then position: np.lexsort((position,
    -np.round(values, TIE_DIGITS), rows)). The callers' positions are in (row, researcher) order, so ties go by
    id. One stable sort of one integer key (row, −q), q = the rounded value in units of 10^-TIE_DIGITS — the same
    order and ties as the rounded values while they are ≥ 0 and < 4096 (q < 2^52, exact); else (NaN too) the
    lexsort."""
    r = np.round(values, TIE_DIGITS)
    if not len(r) or not (r.min() >= 0 and r.max() < 4096) or rows.min() < 0 or rows.max() >= 2**10:
        return np.lexsort((-r, rows))
    q = np.rint(r * 10.0**TIE_DIGITS).astype(np.int64)
    return np.argsort((rows.astype(np.int64) << 53) - q, kind="stable")


def _in_matrix(x: sparse.csr_matrix, rows: IntArray, cols: IntArray) -> BoolArray:
    """Whether each (row, col) is a stored entry of x (canonical CSR: sorted, no duplicates)."""
    keys = np.repeat(np.arange(x.shape[0], dtype=np.int64), np.diff(x.indptr)) * x.shape[1] + x.indices
    q = rows * x.shape[1] + cols
    pos = np.minimum(np.searchsorted(keys, q), max(len(keys) - 1, 0))
    return (keys[pos] == q) if len(keys) else np.zeros(len(q), dtype=bool)


def _lookup_sum(
    ptr: IntArray,
    col: IntArray,
    weight: FloatArray | None,
    batch: IntArray,
    u_loc: IntArray,
    v: IntArray,
    width: int,
    combine: Any,
) -> FloatArray:
    """Per pair (batch[u_loc[i]], v[i]): Σ over v's entries also in u's row of combine(w_u, w_v) (count if None)."""
    m = len(v)
    rb, pb = _expand(ptr, batch)
    bkeys = rb * width + col[pb]
    o = np.argsort(bkeys)
    bkeys, pb = bkeys[o], pb[o]
    rv, pv = _expand(ptr, v)
    if len(bkeys) == 0 or len(pv) == 0:
        return np.zeros(m)
    q = u_loc[rv] * width + col[pv]
    pos = np.minimum(np.searchsorted(bkeys, q), len(bkeys) - 1)
    hit = bkeys[pos] == q
    if weight is None:
        return np.bincount(rv[hit], minlength=m).astype(np.float64)
    vals = combine(weight[pb[pos[hit]]], weight[pv[hit]])
    return np.bincount(rv[hit], weights=vals, minlength=m)


def _with_reasons(
    g: Graph,
    p: Params,
    u: IntArray,
    v: IntArray,
    rank: IntArray,
    score: FloatArray,
    raw: FloatArray,
    contrib: FloatArray,
    boost: FloatArray,
) -> SuggestionBlock:
    f = len(u)
    # shared co-authors: contributions (0 for hubs), biggest first then index
    # (sparse element-wise product of the two rows: a linear merge, even for a source with thousands of co-authors)
    both = g.adj_matrix[u].multiply(g.adj_matrix[v]).tocsr()
    both.sum_duplicates()
    cpair = np.repeat(np.arange(f, dtype=np.int64), np.diff(both.indptr))
    cz = both.indices.astype(np.int64)
    cdeg = g.deg[cz]
    cval = np.where(cdeg <= p.hub_cap, relay_weight(cdeg), 0.0)
    o = np.lexsort((cz, -cval, cpair))
    cpair, cz, cval = cpair[o], cz[o], cval[o]
    ccount = np.bincount(cpair, minlength=f)
    ckeep = _rank_in_group(cpair) < p.reasons_cap
    cpair, cz, cval = cpair[ckeep], cz[ckeep], cval[ckeep]
    # the shared co-authors whose links to both ends are open (in no triangle)
    _, o_pat = g.open_links(p.hub_cap)
    both_open = o_pat[u].multiply(o_pat[v]).tocsr()
    copen = _values_at(both_open, cpair, cz) if f else np.zeros(0)
    ipair, ii, _, _ = _overlap(g.iptr, g.inst, u, v, g.n_insts)
    o = np.lexsort((ii, ipair))
    ipair, ii = ipair[o], ii[o]
    ikeep = _rank_in_group(ipair) < p.reasons_cap
    return SuggestionBlock(
        source=u,
        target=v,
        rank=rank + 1,
        score=score,
        features=raw,
        contributions=contrib,
        open_boost=boost,
        target_open=g.open[v],
        shared_coauthor_count=ccount,
        coauthors=Ragged(_offsets(cpair, f), cz, cval, (copen > 0).astype(np.float64)),
        topics=_shared_profile(g.tptr, g.ttopic, g.tweight, u, v, g.n_topics, p.reasons_cap),
        institutions=Ragged(_offsets(ipair[ikeep], f), ii[ikeep]),
        venues=_shared_profile(g.vptr, g.venue, g.vweight, u, v, g.n_venues, p.reasons_cap),
    )


def _offsets(groups: IntArray, size: int) -> IntArray:
    """CSR offsets of sorted group numbers 0..size-1: group i's items are [ptr[i], ptr[i + 1])."""
    ptr = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(np.bincount(groups, minlength=size), out=ptr[1:])
    return ptr


def _shared_profile(
    ptr: IntArray, key: IntArray, weight: FloatArray, u: IntArray, v: IntArray, width: int, cap: int
) -> Ragged:
    """Per pair, the shared profile entries (key, w_u, w_v), biggest min(w_u, w_v) first then key, at most cap."""
    pair, kk, pa, pb = _overlap(ptr, key, u, v, width)
    wmin = np.minimum(weight[pa], weight[pb])
    o = np.lexsort((kk, -wmin, pair))
    pair, kk, wa, wb = pair[o], kk[o], weight[pa][o], weight[pb][o]
    keep = _rank_in_group(pair) < cap
    return Ragged(_offsets(pair[keep], len(u)), kk[keep], wa[keep], wb[keep])
