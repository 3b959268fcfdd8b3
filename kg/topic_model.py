"""The learned topic classifier: a pure function from work rows to scored OpenAlex topics (no database).

A work is scored against every topic of the taxonomy by a few signals, each a number per (work, topic):

* ``text``: cosine similarity of the work's TF-IDF vector (spaCy lookup lemmas of title and abstract, title
  counted twice, content-word bigrams, the taxonomy phrases the PhraseMatcher finds, the venue and arXiv
  categories as tokens of their own) with the topic's prototype: the taxonomy's own text for the topic (name,
  former label, keywords, summary) plus the labeled works that carry the topic (Rocchio).
* ``knn``: the topics of the most similar labeled works, weighted by similarity (a work's neighbours).
* ``subfield`` / ``field``: log-probabilities from multinomial logistic regressions over the same vectors, trained
  on labeled works (OpenAlex topics; arXiv categories mapped to subfields) and on the taxonomy's topic texts.
* graph context: the share of the work's cited works, of its authors' other works and of other works in the same
  venue whose known (source) topics are this topic, or sit in this topic's subfield.
* ``category``: an arXiv category that maps to the topic's subfield (or field).
* ``prior``: how common the topic is among the labeled works.

A logistic combiner, fitted on out-of-fold signals of the labeled works, turns a topic's signals into one logit;
a softmax over the candidate topics (temperature fitted on the same out-of-fold rows) gives P(topic is the work's
primary topic). Subfield and field probabilities are sums over their topics, so the three levels always agree
with the taxonomy. Everything the model needs is in `TopicModel` and saved as one .npz file.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from kg import topic_arrays, topic_text
from kg.errors import InputError
from kg.keyphrases import is_content_word, keyphrases

METHOD = "learned-v1"
MODEL_FORMAT = 1

TITLE_REPEAT = 2
KNN_NEIGHBOURS = 10
CANDIDATES_TEXT = 40
CANDIDATES_KNN = 20
CANDIDATES_PER_SUBFIELD = 6
TOP_SUBFIELDS = 4
TOP_K = 3
# class centroids' cosine similarities × this, through a softmax, read as the subfield / field log-probabilities
CENTROID_SHARPNESS = 20.0
MAX_EVIDENCE = 6

# the graph-context signals (ablated together)
# weight of a labeled work's secondary OpenAlex topics against its primary one (1.0), in training and when a
# work's topics come from its source
SECONDARY_WEIGHT = 0.3
GRAPH_CONTEXT = (
    "cite_topic",
    "cite_subfield",
    "author_topic",
    "author_subfield",
    "venue_topic",
    "venue_subfield",
)
# the signals a candidate topic is described by, in the combiner's column order
SIGNALS = (
    "text",
    "text_rank",
    "knn",
    "knn_subfield",
    "subfield",
    "field",
    *GRAPH_CONTEXT,
    "category",
    "prior",
)

_LATEX_MATH = re.compile(r"\$[^$]{0,400}\$")
_LATEX_CMD = re.compile(r"\\[a-zA-Z]+\*?(?:\{([^{}]*)\})?")
_NON_WORD = re.compile(r"[^0-9a-z]+")


@dataclass(frozen=True)
class TopicRow:
    """What the classifier reads of one work. `references` are ids of cited works and `author_ids` ids of its
    authors, in the id space of the `TopicContext` they are looked up in."""

    work_id: str
    title: str
    abstract: str = ""
    venue: str = ""
    categories: tuple[str, ...] = ()
    keyphrases: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    author_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScoredTopic:
    """One topic for a work: its Topic id, P(primary topic), the method, the taxonomy level, and why."""

    topic_id: str
    score: float
    method: str
    level: str = "topic"
    evidence: tuple[str, ...] = ()


@dataclass
class TopicContext:
    """What a graph already knows: the source topics of works (work id → [(topic id, weight)]), which works
    each author wrote, and the venue of each work. Read by the graph-context signals."""

    work_topics: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    author_works: dict[str, list[str]] = field(default_factory=dict)
    venue_works: dict[str, list[str]] = field(default_factory=dict)

    def add(
        self, work_id: str, topics: Sequence[tuple[str, float]], author_ids: Iterable[str], venue: str
    ) -> None:
        if topics:
            self.work_topics[work_id] = list(topics)
        for a in author_ids:
            self.author_works.setdefault(a, []).append(work_id)
        key = venue_key(venue)
        if key:
            self.venue_works.setdefault(key, []).append(work_id)


# ---- text → terms ---------------------------------------------------------------------------------------------


def clean_text(text: str | None) -> str:
    """Drop LaTeX math and commands (keeping a command's braced argument), collapse white space."""
    if not text:
        return ""
    t = _LATEX_MATH.sub(" ", text)
    t = _LATEX_CMD.sub(lambda m: f" {m.group(1) or ''} ", t)
    t = t.replace("{", " ").replace("}", " ").replace("~", " ")
    return re.sub(r"\s+", " ", t).strip()


def venue_key(venue: str | None) -> str:
    """'Journal of Informetrics' → 'journal of informetrics' (letters and digits, single spaces)."""
    return _NON_WORD.sub(" ", (venue or "").lower()).strip()


@dataclass
class TermExtractor:
    """Turns title, abstract, venue, categories and keyphrases into weighted terms with the spaCy pipeline:
    content-word lemmas and their adjacent pairs, 'k:' + each taxonomy phrase the PhraseMatcher finds (and each
    given keyphrase), 'v:' + the venue, 'c:' + each arXiv category. `signals` switches parts off (ablation)."""

    nlp: Language
    phrases: Sequence[str] = ()
    signals: frozenset[str] = frozenset({"title", "abstract", "venue", "categories", "keyphrases"})

    def __post_init__(self) -> None:
        self._is_content = is_content_word
        self.matcher: PhraseMatcher | None = None
        if self.phrases and "keyphrases" in self.signals:
            self.matcher = PhraseMatcher(self.nlp.vocab, attr="NORM")
            for key in self.phrases:
                words = key.split(" ")
                if len(words) < 2:
                    continue  # one word is already a term of its own
                pattern = Doc(self.nlp.vocab, words=words)
                for tok, w in zip(pattern, words, strict=True):
                    tok.norm_ = w
                self.matcher.add(key, [pattern])

    def text_of(self, row: TopicRow) -> tuple[str, int]:
        """The text the pipeline reads (title, then abstract) and how many of its characters are the title's."""
        t = clean_text(row.title) if "title" in self.signals else ""
        a = clean_text(row.abstract) if "abstract" in self.signals else ""
        return (f"{t}\n\n{a}" if a else t, len(t))

    def docs(self, rows: Sequence[TopicRow], batch_size: int = 256) -> Iterator[tuple[Doc, int]]:
        texts = [self.text_of(r) for r in rows]
        for doc, (_, title_chars) in zip(
            self.nlp.pipe((t for t, _ in texts), batch_size=batch_size), texts, strict=True
        ):
            yield doc, next((tok.i for tok in doc if tok.idx >= title_chars), len(doc))

    def terms(self, rows: Sequence[TopicRow]) -> list[dict[str, float]]:
        out = []
        for row, (doc, title_tokens) in zip(rows, self.docs(rows), strict=True):
            out.append(self.doc_terms(doc, title_tokens, row))
        return out

    def doc_terms(self, doc: Doc, title_tokens: int, row: TopicRow | None = None) -> dict[str, float]:
        counts: dict[str, float] = defaultdict(float)
        prev: str | None = None
        prev_i = -2
        for tok in doc:
            if not self._is_content(tok):
                continue
            w = tok.norm_
            weight = float(TITLE_REPEAT if tok.i < title_tokens else 1)
            counts[w] += weight
            if prev is not None and prev_i == tok.i - 1:
                counts[f"{prev} {w}"] += weight
            prev, prev_i = w, tok.i
        if self.matcher is not None:
            strings = self.nlp.vocab.strings
            for match_id, start, _ in self.matcher(doc):
                counts["k:" + strings[match_id]] += float(TITLE_REPEAT if start < title_tokens else 1)
        if row is not None:
            self.row_terms(counts, row)
        return counts

    def row_terms(self, counts: dict[str, float], row: TopicRow) -> None:
        """Add the row's given keyphrases, venue and categories to a work's term counts."""
        added: list[str] = []
        if "keyphrases" in self.signals:
            for kp in row.keyphrases:
                key = self.phrase_key(kp)
                if key:
                    added.append("k:" + key)
        if "venue" in self.signals:
            v = venue_key(row.venue)
            if v:
                added.append("v:" + v)
        if "categories" in self.signals:
            added.extend("c:" + c.strip().lower() for c in row.categories)
        for term in added:
            counts[term] = counts.get(term, 0.0) + 1.0

    def terms_and_keyphrases(
        self, rows: Sequence[TopicRow], top_k: int
    ) -> list[tuple[dict[str, float], list[str]]]:
        """For each row its terms (`doc_terms`) and the texts of its best `top_k` keyphrases
        (kg.keyphrases.keyphrases), from one pass over its tokens: kg.topic_text's word tables over the default
        pipeline, else token by token over the pipeline's Docs."""
        if topic_text.fast_for(self.nlp):
            texts = [self.text_of(r) for r in rows]
            found = topic_text.terms_and_keyphrases(self.nlp, self.matcher, texts, TITLE_REPEAT, top_k)
            for (counts, _), row in zip(found, rows, strict=True):
                self.row_terms(counts, row)
            return found
        return [
            (self.doc_terms(doc, n, row), [k.text for k in keyphrases(doc, title_tokens=n, top_k=top_k)])
            for row, (doc, n) in zip(rows, self.docs(rows), strict=True)
        ]

    def keyphrases(self, rows: Sequence[TopicRow], top_k: int) -> list[list[str]]:
        """The texts of each row's best `top_k` keyphrases (as `terms_and_keyphrases` gives them)."""
        if topic_text.fast_for(self.nlp):
            return topic_text.keyphrases_only(self.nlp, [self.text_of(r) for r in rows], top_k)
        return [[k.text for k in keyphrases(doc, title_tokens=n, top_k=top_k)] for doc, n in self.docs(rows)]

    def phrase_key(self, phrase: str) -> str:
        doc = self.nlp(clean_text(phrase))
        return " ".join(t.norm_ for t in doc if not (t.is_punct or t.is_space))


# ---- TF-IDF ---------------------------------------------------------------------------------------------------


@dataclass
class TermSpace:
    """A fixed vocabulary with IDF weights: dicts of term counts → L2-normalised sublinear TF-IDF rows."""

    index: dict[str, int]
    idf: np.ndarray

    @classmethod
    def fit(cls, docs: Sequence[Mapping[str, float]], min_df: int = 1) -> TermSpace:
        df: dict[str, int] = defaultdict(int)
        for d in docs:
            for t in d:
                df[t] += 1
        terms = sorted(t for t, n in df.items() if n >= min_df)
        n = len(docs)
        idf = np.array([math.log((1 + n) / (1 + df[t])) + 1.0 for t in terms], dtype=np.float32)
        return cls({t: i for i, t in enumerate(terms)}, idf)

    def transform(self, docs: Sequence[Mapping[str, float]]) -> sp.csr_matrix:
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        index = self.index
        idf = self.idf.tolist()  # Python floats: the values float(self.idf[j]) gives, read faster
        tf: dict[float, float] = {}  # 1 + log(count), per count (a few small counts recur)
        for d in docs:
            for t, c in d.items():
                j = index.get(t)
                if j is not None and c > 0:
                    w = tf.get(c)
                    if w is None:
                        w = tf[c] = 1.0 + math.log(c)
                    indices.append(j)
                    data.append(w * idf[j])
            indptr.append(len(indices))
        m = sp.csr_matrix(
            (np.asarray(data, dtype=np.float32), np.asarray(indices, dtype=np.int32), np.asarray(indptr)),
            shape=(len(docs), len(self.index)),
        )
        return normalise_rows(m)


def normalise_rows(m: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms).astype(np.float32) @ m)


# ---- the model -------------------------------------------------------------------------------------------------


@dataclass
class TopicModel:
    """Everything assignment needs, as arrays: the term space, topic prototypes, labeled works (for neighbours),
    the subfield and field classifiers, the combiner, and the taxonomy's topic → subfield → field arrays."""

    topic_ids: list[str]
    subfield_ids: list[str]
    field_ids: list[str]
    topic_subfield: np.ndarray  # topic index → subfield index
    subfield_field: np.ndarray  # subfield index → field index
    topic_names: list[str]
    phrases: list[str]
    space: TermSpace
    prototypes: sp.csr_matrix  # topics × terms
    labeled: sp.csr_matrix  # labeled works × terms
    labeled_topics: sp.csr_matrix  # labeled works × topics (label weights)
    subfield_coef: sp.csr_matrix  # subfields × terms
    subfield_intercept: np.ndarray
    field_coef: sp.csr_matrix  # fields × terms
    field_intercept: np.ndarray
    prior: np.ndarray  # log prior per topic
    combiner_coef: np.ndarray  # over SIGNALS
    combiner_intercept: float
    temperature: float
    signals: list[str]
    trained_on: dict[str, Any]
    category_subfield: dict[str, int]  # 'cs.lg' → subfield index (or -1 - field index for a whole field)
    context: TopicContext = field(default_factory=TopicContext)

    def __post_init__(self) -> None:
        self._topic_index = {t: i for i, t in enumerate(self.topic_ids)}
        self._sub_index = {s: i for i, s in enumerate(self.subfield_ids)}
        self._field_index = {f: i for i, f in enumerate(self.field_ids)}
        self._prototypes_t = sp.csr_matrix(self.prototypes.T)
        self._labeled_t = sp.csr_matrix(self.labeled.T)
        self._sub_t = sp.csr_matrix(self.subfield_coef.T)
        self._field_t = sp.csr_matrix(self.field_coef.T)
        self._terms = {i: t for t, i in self.space.index.items()}
        self.topic_field = self.subfield_field[self.topic_subfield]
        n_topics = len(self.topic_ids)
        # per topic its prototype row's columns sorted, their values, and whether the row was sorted (evidence)
        self._proto_rows: dict[int, tuple[np.ndarray, np.ndarray | None, bool]] = {}
        self._subfield_members = [
            np.flatnonzero(self.topic_subfield == s) for s in range(len(self.subfield_ids))
        ]
        self._topic_to_subfield = sp.csr_matrix(
            (np.ones(n_topics, dtype=np.float32), (np.arange(n_topics), self.topic_subfield)),
            shape=(n_topics, len(self.subfield_ids)),
        )

    @property
    def method(self) -> str:
        return METHOD

    def topic_index(self, topic_id: str) -> int | None:
        return self._topic_index.get(topic_id)

    # -- signals

    def signal_matrix(
        self, x: sp.csr_matrix, rows: Sequence[TopicRow], context: TopicContext | None = None
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """For each work: its candidate topic indices and their signals (candidates × SIGNALS)."""
        ctx = context if context is not None else self.context
        text = np.asarray((x @ self._prototypes_t).todense(), dtype=np.float32)
        knn = self._knn(x)
        knn_sub = np.asarray(knn @ self._topic_to_subfield.todense(), dtype=np.float32)
        sub_lp = _log_softmax(
            CENTROID_SHARPNESS * np.asarray((x @ self._sub_t).todense()) + self.subfield_intercept
        )
        field_lp = _log_softmax(
            CENTROID_SHARPNESS * np.asarray((x @ self._field_t).todense()) + self.field_intercept
        )
        # the candidates' shortlists, every row at once (the rows' members of topic_arrays.top(…, k), in no order)
        text_top = topic_arrays.top_members(text, CANDIDATES_TEXT)
        knn_top = topic_arrays.top_members(knn, CANDIDATES_KNN, positive=True)
        sub_top = topic_arrays.top_sets(sub_lp, TOP_SUBFIELDS)
        cands_out: list[np.ndarray] = []
        extra: list[tuple[int, list[Mapping[int, float]], tuple[set[int], set[int]]]] = []
        for i, row in enumerate(rows):
            cite_t, cite_s = self._context_shares(self._cited_topics(row, ctx))
            auth_t, auth_s = self._context_shares(self._author_topics(row, ctx))
            ven_t, ven_s = self._context_shares(self._venue_topics(row, ctx))
            cats = self._category_targets(row.categories)
            cands_out.append(
                self._candidates(
                    text[i], knn[i], text_top[i], knn_top[i], sub_top[i], (cite_t, auth_t, ven_t)
                )
            )
            shares: list[Mapping[int, float]] = [cite_t, cite_s, auth_t, auth_s, ven_t, ven_s]
            if any(shares) or cats[0] or cats[1]:
                extra.append((i, shares, cats))
        # every candidate of the batch in one array (row by row), its signals looked up at once
        sizes = [len(c) for c in cands_out]
        starts = np.cumsum([0, *sizes])
        cands = np.concatenate(cands_out) if cands_out else np.zeros(0, dtype=np.int64)
        work = np.repeat(np.arange(len(sizes)), sizes)
        subs = self.topic_subfield[cands]
        fields = self.subfield_field[subs]
        f = np.zeros((len(cands), len(SIGNALS)), dtype=np.float32)
        f[:, 0] = text[work, cands]
        # rank by text within the work, ties in candidate order (a stable sort per work, as argsort(kind="stable"))
        order = np.lexsort((-f[:, 0], work))
        rank = np.empty(len(cands), dtype=np.float32)
        rank[order] = (np.arange(len(cands)) - starts[work[order]]).astype(np.float32)
        f[:, 1] = 1.0 / (1.0 + rank)
        f[:, 2] = knn[work, cands]
        f[:, 3] = knn_sub[work, subs]
        f[:, 4] = sub_lp[work, subs]
        f[:, 5] = field_lp[work, fields]
        f[:, 13] = self.prior[cands]
        # the context and category columns stay 0 for a work without context or categories
        for i, shares, cats in extra:
            a, b = int(starts[i]), int(starts[i + 1])
            for col, (share, keys) in enumerate(zip(shares, [cands, subs] * 3, strict=True), start=6):
                if share:
                    f[a:b, col] = [share.get(int(k), 0.0) for k in keys[a:b]]
            if cats[0] or cats[1]:
                f[a:b, 12] = [
                    1.0 if int(s) in cats[0] else 0.5 if int(fl) in cats[1] else 0.0
                    for s, fl in zip(subs[a:b], fields[a:b], strict=True)
                ]
        return cands_out, [f[starts[i] : starts[i + 1]] for i in range(len(sizes))]

    def _knn(self, x: sp.csr_matrix) -> np.ndarray:
        n_topics = len(self.topic_ids)
        if self.labeled.shape[0] == 0:
            return np.zeros((x.shape[0], n_topics), dtype=np.float32)
        sims = np.asarray((x @ self._labeled_t).todense(), dtype=np.float32)
        k = min(KNN_NEIGHBOURS, sims.shape[1])
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        weights = np.zeros_like(sims)
        np.put_along_axis(weights, top, np.take_along_axis(sims, top, axis=1), axis=1)
        return np.asarray(sp.csr_matrix(weights) @ self.labeled_topics.todense(), dtype=np.float32)

    def _candidates(
        self,
        text: np.ndarray,
        knn: np.ndarray,
        text_top: np.ndarray,
        knn_top: np.ndarray,
        sub_top: np.ndarray,
        context: Sequence[Mapping[int, float]],
    ) -> np.ndarray:
        """A work's candidate topics, ascending: the `CANDIDATES_TEXT` best by text (`text_top`), those of the
        `CANDIDATES_KNN` best by neighbours that have any (`knn_top`), the `CANDIDATES_PER_SUBFIELD` best by text of
        each of the `TOP_SUBFIELDS` best subfields (`sub_top`), and every topic the context names. The shortlists are
        topic_arrays.top's members (a tie at the cut is settled by argpartition, as there)."""
        parts = [text_top, knn_top]
        for s in sub_top:
            members = self._subfield_members[int(s)]
            if len(members) <= CANDIDATES_PER_SUBFIELD:
                parts.append(members)
            else:
                parts.append(members[topic_arrays.top_set(text[members], CANDIDATES_PER_SUBFIELD)])
        for shares in context:
            if shares:
                parts.append(np.fromiter(shares, dtype=np.int64, count=len(shares)))
        return np.unique(np.concatenate(parts).astype(np.int64, copy=False))

    def _cited_topics(self, row: TopicRow, ctx: TopicContext) -> list[list[tuple[str, float]]]:
        return [ctx.work_topics[r] for r in row.references if r in ctx.work_topics and r != row.work_id]

    def _author_topics(self, row: TopicRow, ctx: TopicContext) -> list[list[tuple[str, float]]]:
        seen: set[str] = {row.work_id}
        out = []
        for a in row.author_ids:
            for w in ctx.author_works.get(a, ()):
                if w not in seen and w in ctx.work_topics:
                    seen.add(w)
                    out.append(ctx.work_topics[w])
        return out

    def _venue_topics(self, row: TopicRow, ctx: TopicContext) -> list[list[tuple[str, float]]]:
        key = venue_key(row.venue)
        if not key:
            return []
        return [
            ctx.work_topics[w]
            for w in ctx.venue_works.get(key, ())
            if w != row.work_id and w in ctx.work_topics
        ]

    def _context_shares(
        self, works: Sequence[Sequence[tuple[str, float]]]
    ) -> tuple[dict[int, float], dict[int, float]]:
        """The share of the works carrying each topic (and each subfield), a work's topics weighted as labels."""
        if not works:
            return {}, {}
        topic_share: dict[int, float] = defaultdict(float)
        sub_share: dict[int, float] = defaultdict(float)
        for topics in works:
            subs_seen: dict[int, float] = {}
            for tid, w in topics:
                j = self._topic_index.get(tid)
                if j is None:
                    continue
                topic_share[j] += w
                s = int(self.topic_subfield[j])
                subs_seen[s] = max(subs_seen.get(s, 0.0), w)
            for s, w in subs_seen.items():
                sub_share[s] += w
        n = float(len(works))
        return {k: v / n for k, v in topic_share.items()}, {k: v / n for k, v in sub_share.items()}

    def _category_targets(self, categories: Sequence[str]) -> tuple[set[int], set[int]]:
        subs: set[int] = set()
        fields: set[int] = set()
        for c in categories:
            target = self.category_subfield.get(c.strip().lower())
            if target is None:
                continue
            if target >= 0:
                subs.add(target)
                fields.add(int(self.subfield_field[target]))
            else:
                fields.add(-1 - target)
        return subs, fields

    # -- scoring

    def logits(self, feats: np.ndarray) -> np.ndarray:
        return np.asarray(feats @ self.combiner_coef + self.combiner_intercept, dtype=np.float64)

    def probabilities(self, feats: np.ndarray) -> np.ndarray:
        """P(candidate is the primary topic): a softmax over the candidates and one more outcome, 'a topic that
        is not among them', whose logit is the combiner's intercept."""
        z = self.logits(feats) - self.combiner_intercept
        top = max(float(z.max()), self.combiner_intercept)
        e = np.exp(z - top)
        return np.asarray(e / (e.sum() + math.exp(self.combiner_intercept - top)))

    def level_scores(self, cands: np.ndarray, probs: np.ndarray) -> tuple[dict[int, float], dict[int, float]]:
        """Subfield and field probabilities: sums over their candidate topics."""
        subs: dict[int, float] = defaultdict(float)
        fields: dict[int, float] = defaultdict(float)
        for c, p in zip(cands, probs, strict=True):
            s = int(self.topic_subfield[c])
            subs[s] += float(p)
            fields[int(self.subfield_field[s])] += float(p)
        return subs, fields

    def evidence(self, x_row: sp.csr_matrix, topic: int, row: TopicRow, feats: np.ndarray) -> tuple[str, ...]:
        """The terms the work shares with the topic's prototype (strongest first), then the context signals
        that speak for it."""
        prod = x_row.multiply(self.prototypes[topic]).tocoo()
        return self._evidence_of(prod.col, prod.data, row, feats)

    def _evidence_at(
        self, x: sp.csr_matrix, i: int, topic: int, row: TopicRow, feats: np.ndarray
    ) -> tuple[str, ...]:
        """`evidence(x[i], topic, row, feats)` without building sparse matrices per work."""
        cols, vals = self._shared_terms(x, i, topic)
        return self._evidence_of(cols, vals, row, feats)

    def _shared_terms(self, x: sp.csr_matrix, i: int, topic: int) -> tuple[np.ndarray, np.ndarray]:
        """The columns and values of `x[i].multiply(prototypes[topic])` in scipy's order (topic_arrays)."""
        proto = self._proto_rows.get(topic)
        if proto is None:
            proto = self._proto_rows[topic] = topic_arrays.sorted_row(self.prototypes, topic)
        if proto[1] is None:  # a repeated column (none in a saved model): scipy sums them
            prod = x[i].multiply(self.prototypes[topic]).tocoo()
            return prod.col, prod.data
        return topic_arrays.row_product(x, i, proto)

    def _evidence_of(
        self, cols: np.ndarray, vals: np.ndarray, row: TopicRow, feats: np.ndarray
    ) -> tuple[str, ...]:
        order = np.argsort(-vals, kind="stable")[: 4 * MAX_EVIDENCE]
        phrases: list[str] = []
        pairs: list[str] = []
        singles: list[str] = []
        for c in cols[order].tolist():
            term = self._terms[c]
            if term.startswith(("v:", "c:")):
                continue
            if term.startswith("k:"):
                phrases.append(term[2:])
            elif " " in term:
                pairs.append(term)
            else:
                singles.append(term)
        # taxonomy phrases first, then word pairs and words that no phrase already contains
        words = list(phrases)
        padded = [f" {p} " for p in words]
        for w in [*pairs, *singles]:
            if len(words) >= MAX_EVIDENCE:  # what follows would be cut
                break
            pw = f" {w} "
            if not any(pw in p for p in padded):
                words.append(w)
                padded.append(pw)
        words = words[:MAX_EVIDENCE]
        signals = dict(zip(SIGNALS, feats, strict=True))
        if signals["cite_topic"] > 0:
            words.append(f"cited works ({signals['cite_topic']:.0%})")
        if signals["author_topic"] > 0:
            words.append(f"authors' works ({signals['author_topic']:.0%})")
        if signals["venue_topic"] > 0 and row.venue:
            words.append(f"venue {row.venue}")
        if signals["category"] >= 1.0:
            words.append("arXiv " + ", ".join(row.categories))
        return tuple(words[: MAX_EVIDENCE + 2])

    # -- the pure function

    def assign(
        self,
        rows: Sequence[TopicRow],
        extractor: TermExtractor,
        context: TopicContext | None = None,
        top_k: int = TOP_K,
        min_score: float = 0.05,
    ) -> list[list[ScoredTopic]]:
        """Topics for each row, best first: up to `top_k` topics whose P(primary) is at least `min_score`; when
        no topic reaches it, the best subfield (or field) when that one does. Scores are probabilities."""
        return self.assign_terms(rows, extractor.terms(rows), context, top_k, min_score)

    def assign_terms(
        self,
        rows: Sequence[TopicRow],
        terms: Sequence[Mapping[str, float]],
        context: TopicContext | None = None,
        top_k: int = TOP_K,
        min_score: float = 0.05,
    ) -> list[list[ScoredTopic]]:
        """`assign` for rows whose terms are already extracted (one spaCy pass serves keyphrases too)."""
        x = self.space.transform(terms)
        cands, feats = self.signal_matrix(x, rows, context)
        out: list[list[ScoredTopic]] = []
        for i, row in enumerate(rows):
            probs = self.probabilities(feats[i])
            order = np.argsort(-probs, kind="stable")
            chosen = [int(k) for k in order[:top_k] if probs[k] >= min_score]
            result = [
                ScoredTopic(
                    self.topic_ids[int(cands[i][k])],
                    round(float(probs[k]), 4),
                    METHOD,
                    "topic",
                    self._evidence_at(x, i, int(cands[i][k]), row, feats[i][k]),
                )
                for k in chosen
            ]
            if not result:
                subs, fields = self.level_scores(cands[i], probs)
                s, ps = max(subs.items(), key=lambda kv: (kv[1], -kv[0]))
                f, pf = max(fields.items(), key=lambda kv: (kv[1], -kv[0]))
                best_topic = int(cands[i][order[0]])
                ev = self._evidence_at(x, i, best_topic, row, feats[i][order[0]])
                if ps >= min_score:
                    result = [ScoredTopic(self.subfield_ids[s], round(ps, 4), METHOD, "subfield", ev)]
                elif pf >= min_score:
                    result = [ScoredTopic(self.field_ids[f], round(pf, 4), METHOD, "field", ev)]
            out.append(result)
        return out

    # -- saving

    def save(self, path: Path) -> None:
        arrays: dict[str, Any] = {}
        for name in ("prototypes", "labeled", "labeled_topics", "subfield_coef", "field_coef"):
            m: sp.csr_matrix = getattr(self, name)
            arrays[f"{name}_data"] = m.data.astype(np.float16)
            arrays[f"{name}_indices"] = m.indices.astype(np.int32)
            arrays[f"{name}_indptr"] = m.indptr.astype(np.int32)
            arrays[f"{name}_shape"] = np.array(m.shape, dtype=np.int64)
        arrays["idf"] = self.space.idf.astype(np.float16)
        arrays["topic_subfield"] = self.topic_subfield.astype(np.int16)
        arrays["subfield_field"] = self.subfield_field.astype(np.int16)
        arrays["subfield_intercept"] = self.subfield_intercept.astype(np.float32)
        arrays["field_intercept"] = self.field_intercept.astype(np.float32)
        arrays["prior"] = self.prior.astype(np.float32)
        arrays["combiner_coef"] = self.combiner_coef.astype(np.float64)
        terms = sorted(self.space.index, key=self.space.index.__getitem__)
        meta = {
            "format": MODEL_FORMAT,
            "method": METHOD,
            "topic_ids": self.topic_ids,
            "subfield_ids": self.subfield_ids,
            "field_ids": self.field_ids,
            "topic_names": self.topic_names,
            "phrases": self.phrases,
            "terms": terms,
            "combiner_intercept": self.combiner_intercept,
            "temperature": self.temperature,
            "signals": self.signals,
            "trained_on": self.trained_on,
            "category_subfield": self.category_subfield,
            "context": {
                "work_topics": self.context.work_topics,
                "author_works": self.context.author_works,
                "venue_works": self.context.venue_works,
            },
        }
        arrays["meta"] = np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("wb") as fh:
            np.savez_compressed(fh, **arrays)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> TopicModel:
        try:
            raw = path.read_bytes()
            with np.load(io.BytesIO(raw), allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
            meta = json.loads(arrays["meta"].tobytes().decode("utf-8"))
        except (OSError, ValueError, KeyError) as e:
            raise InputError(f"{path}: not a topic model ({e})") from e
        if meta.get("format") != MODEL_FORMAT:
            raise InputError(
                f"{path}: topic model format {meta.get('format')} (this version reads {MODEL_FORMAT})"
            )

        def csr(name: str) -> sp.csr_matrix:
            return sp.csr_matrix(
                (
                    arrays[f"{name}_data"].astype(np.float32),
                    arrays[f"{name}_indices"],
                    arrays[f"{name}_indptr"],
                ),
                shape=tuple(int(v) for v in arrays[f"{name}_shape"]),
            )

        ctx = meta["context"]
        return cls(
            topic_ids=meta["topic_ids"],
            subfield_ids=meta["subfield_ids"],
            field_ids=meta["field_ids"],
            topic_subfield=arrays["topic_subfield"].astype(np.int64),
            subfield_field=arrays["subfield_field"].astype(np.int64),
            topic_names=meta["topic_names"],
            phrases=meta["phrases"],
            space=TermSpace({t: i for i, t in enumerate(meta["terms"])}, arrays["idf"].astype(np.float32)),
            prototypes=csr("prototypes"),
            labeled=csr("labeled"),
            labeled_topics=csr("labeled_topics"),
            subfield_coef=csr("subfield_coef"),
            subfield_intercept=arrays["subfield_intercept"],
            field_coef=csr("field_coef"),
            field_intercept=arrays["field_intercept"],
            prior=arrays["prior"],
            combiner_coef=arrays["combiner_coef"],
            combiner_intercept=float(meta["combiner_intercept"]),
            temperature=float(meta["temperature"]),
            signals=list(meta["signals"]),
            trained_on=meta["trained_on"],
            category_subfield={k: int(v) for k, v in meta["category_subfield"].items()},
            context=TopicContext(
                work_topics={k: [(t, float(w)) for t, w in v] for k, v in ctx["work_topics"].items()},
                author_works={k: list(v) for k, v in ctx["author_works"].items()},
                venue_works={k: list(v) for k, v in ctx["venue_works"].items()},
            ),
        )


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    return np.asarray(z - np.log(np.exp(z).sum(axis=1, keepdims=True)), dtype=np.float32)


def file_sha(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]
