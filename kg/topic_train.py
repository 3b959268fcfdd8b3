"""Training the learned topic classifier: labeled works from the sources, the taxonomy's own text, out-of-fold
signals for the combiner, and cross-validation by work for an honest reading of agreement with OpenAlex."""

from __future__ import annotations

import hashlib
import itertools
import math
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from kg.taxonomy import ARXIV_CATEGORIES, Taxonomy, arxiv_category_code, read_taxonomy
from kg.topic_model import (
    GRAPH_CONTEXT,
    SECONDARY_WEIGHT,
    SIGNALS,
    TermExtractor,
    TermSpace,
    TopicContext,
    TopicModel,
    TopicRow,
    file_sha,
    normalise_rows,
)

if TYPE_CHECKING:
    from kg.models import Reject

# The signals the combiner reads by default. The topic prior (how common a topic is among the labeled works) is
# computed but left out: in cross-validation it lowered agreement at every level (the ablation table reports it
# added back), as the neighbours already carry what the labeled works say.
DEFAULT_SIGNALS = tuple(s for s in SIGNALS if s != "prior")
# a topic's prototype: its taxonomy text plus this much of the centroid of its labeled works
CENTROID_WEIGHT = 1.0
# labeled works against taxonomy texts in the subfield and field classifiers
WORK_SAMPLE_WEIGHT = 3.0
PRIOR_SMOOTHING = 0.5
INNER_FOLDS = 3
COMBINER_L2 = 1e-3


@dataclass(frozen=True)
class LabeledWork:
    """A work with what a source says about its topics: OpenAlex topics (primary first, with weights), or only a
    subfield (an arXiv category's), or only a field."""

    row: TopicRow
    topics: tuple[tuple[str, float], ...] = ()
    subfield: str | None = None
    field: str | None = None
    source: str = ""

    @property
    def primary(self) -> str | None:
        return self.topics[0][0] if self.topics else None


@dataclass
class Corpus:
    """The taxonomy, its topic texts as rows, and the labeled works, with each row's terms computed once."""

    taxonomy: Taxonomy
    taxonomy_path: Path
    works: list[LabeledWork]
    extractor: TermExtractor
    topic_ids: list[str] = field(default_factory=list)
    topic_terms: list[dict[str, float]] = field(default_factory=list)
    work_terms: list[dict[str, float]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


# ---- reading labeled works -------------------------------------------------------------------------------------


def read_labeled(
    paths: Sequence[Path], taxonomy: Taxonomy, on_reject: Callable[[Reject], None] | None = None
) -> tuple[list[LabeledWork], list[str]]:
    """Works that arrive with source topics, from the project's parsers: OpenAlex works with topics, and arXiv
    works whose categories map to an OpenAlex subfield. One per OpenAlex id / arXiv id / DOI / title (the first
    seen). Returns the works and the files they came from; the parsers' rejects go to ON_REJECT."""
    from kg.models import Reject, WorkRecord
    from kg.sources import parsers

    seen: set[str] = set()
    out: list[LabeledWork] = []
    files: set[str] = set()
    for rec in parsers.iter_records([str(p) for p in paths]):
        if isinstance(rec, Reject) and on_reject is not None:
            on_reject(rec)
        if not isinstance(rec, WorkRecord):
            continue
        # OpenAlex works are one per OpenAlex id (two records of one paper share a fold: see folds_by_work);
        # another source's work is left out when any id or its title was seen
        keys = {k for k in (rec.ids.openalex, rec.ids.arxiv, rec.ids.doi, title_key(rec.title)) if k}
        if (rec.ids.openalex in seen) if rec.ids.openalex else bool(keys & seen):
            continue
        row = row_from_record(rec)
        topics = tuple(
            (t.id, 1.0 if i == 0 else SECONDARY_WEIGHT)
            for i, t in enumerate(x for x in rec.topics if x.scheme == "openalex" and x.level == "topic")
            if t.id in taxonomy.nodes
        )
        labeled: LabeledWork | None = None
        if topics:
            labeled = LabeledWork(row, topics, source="openalex")
        else:
            sub = next((s for s in (category_subfield(c) for c in rec.categories) if s), None)
            if sub and taxonomy.nodes.get(sub) and taxonomy.nodes[sub].level == "subfield":
                labeled = LabeledWork(row, subfield=sub, source="arxiv")
        if labeled is None:
            continue
        seen |= keys
        out.append(labeled)
        if rec.prov.file:
            files.add(rec.prov.file)
    return out, [_named(Path(f), paths) for f in sorted(files)]


def _named(path: Path, roots: Sequence[Path]) -> str:
    """A training file as 'openalex/works_sample.jsonl sha256:…' (relative to the folder given, so a model
    names its data the same on every machine)."""
    shown = path.name
    for root in roots:
        r = Path(root).resolve()
        try:
            shown = str(path.resolve().relative_to(r.parent))
            break
        except ValueError:
            continue
    return f"{shown} sha256:{file_sha(path)}" if path.is_file() else shown


def title_key(title: str) -> str:
    return " ".join(re.findall(r"[0-9a-z]+", title.lower()))


def category_subfield(category: str) -> str | None:
    code = arxiv_category_code(category)
    return ARXIV_CATEGORIES[code][1] if code else None


def row_from_record(rec: Any) -> TopicRow:
    """A TopicRow from a parsed WorkRecord: OpenAlex ids bare ('W…', 'A…') so references meet work ids."""
    wid = (
        rec.ids.openalex or (f"arxiv:{rec.ids.arxiv}" if rec.ids.arxiv else None) or rec.ids.doi or rec.title
    )
    return TopicRow(
        work_id=wid,
        title=rec.title,
        abstract=rec.abstract or "",
        venue=rec.venue or "",
        categories=tuple(rec.categories),
        keyphrases=(),
        references=tuple(rec.references),
        author_ids=tuple(a.openalex_id or a.orcid or "" for a in rec.authors if a.openalex_id or a.orcid),
    )


def topic_rows(taxonomy: Taxonomy) -> tuple[list[str], list[TopicRow]]:
    """Each OpenAlex topic's own text as a row: name (twice, as the title) and former label; summary as the
    abstract; its keywords as keyphrases."""
    ids: list[str] = []
    rows: list[TopicRow] = []
    for n in taxonomy.nodes.values():
        if n.scheme != "openalex" or n.level != "topic":
            continue
        ids.append(n.id)
        title = ". ".join([n.name, *n.alt_names])
        rows.append(
            TopicRow(
                work_id=n.id,
                title=title,
                abstract=f"{', '.join(n.keywords)}. {n.summary}",
                keyphrases=tuple(n.keywords),
            )
        )
    return ids, rows


def build_corpus(
    taxonomy_path: Path,
    works: Sequence[LabeledWork],
    *,
    signals: Iterable[str] | None = None,
    sources: Sequence[str] = (),
) -> Corpus:
    from kg.topic_vocab import cached_vocabulary, default_pipeline

    taxonomy = read_taxonomy(taxonomy_path)
    vocab = cached_vocabulary(taxonomy_path)
    phrases = sorted(p for p in vocab.phrases if " " in p)
    extractor = TermExtractor(default_pipeline(), phrases)
    if signals is not None:
        extractor = TermExtractor(default_pipeline(), phrases, frozenset(signals))
    ids, rows = topic_rows(taxonomy)
    full = TermExtractor(extractor.nlp, phrases)  # the taxonomy's text is always read whole
    corpus = Corpus(taxonomy, taxonomy_path, list(works), extractor, ids, sources=list(sources))
    corpus.topic_terms = full.terms(rows)
    corpus.work_terms = extractor.terms([w.row for w in works])
    return corpus


# ---- fitting ---------------------------------------------------------------------------------------------------


@dataclass
class Hierarchy:
    topic_ids: list[str]
    subfield_ids: list[str]
    field_ids: list[str]
    topic_subfield: np.ndarray
    subfield_field: np.ndarray
    topic_names: list[str]
    category_subfield: dict[str, int]

    @classmethod
    def of(cls, taxonomy: Taxonomy, topic_ids: list[str]) -> Hierarchy:
        subfield_ids = sorted(
            n.id for n in taxonomy.nodes.values() if n.scheme == "openalex" and n.level == "subfield"
        )
        field_ids = sorted(
            n.id for n in taxonomy.nodes.values() if n.scheme == "openalex" and n.level == "field"
        )
        s_index = {s: i for i, s in enumerate(subfield_ids)}
        f_index = {f: i for i, f in enumerate(field_ids)}
        topic_subfield = np.array(
            [s_index[taxonomy.nodes[t].parent or ""] for t in topic_ids], dtype=np.int64
        )
        subfield_field = np.array(
            [f_index[taxonomy.nodes[s].parent or ""] for s in subfield_ids], dtype=np.int64
        )
        cats: dict[str, int] = {}
        for code, (_, target) in ARXIV_CATEGORIES.items():
            if target in s_index:
                cats[code.lower()] = s_index[target]
            elif target in f_index:
                cats[code.lower()] = -1 - f_index[target]
        for bare, code in ((c.split(".", 1)[1], c) for c in ARXIV_CATEGORIES if c.startswith("cs.")):
            if code.lower() in cats:
                cats.setdefault(bare.lower(), cats[code.lower()])
        return cls(
            topic_ids,
            subfield_ids,
            field_ids,
            topic_subfield,
            subfield_field,
            [taxonomy.nodes[t].name for t in topic_ids],
            cats,
        )


def _label_matrix(works: Sequence[LabeledWork], topic_index: dict[str, int]) -> sp.csr_matrix:
    rows, cols, vals = [], [], []
    for i, w in enumerate(works):
        for tid, wt in w.topics:
            j = topic_index.get(tid)
            if j is not None:
                rows.append(i)
                cols.append(j)
                vals.append(wt)
    return sp.csr_matrix(
        (np.asarray(vals, dtype=np.float32), (rows, cols)), shape=(len(works), len(topic_index))
    )


def _centroids(x: sp.csr_matrix, y: np.ndarray, weights: np.ndarray, n_classes: int) -> sp.csr_matrix:
    """One unit-length centroid per class (Rocchio): the weighted sum of its rows. Sparse and fitted in a blink;
    SGDClassifier (logistic, one-vs-rest) took 50 s per fit here and left a dense 252 × 113k weight matrix."""
    onehot = sp.csr_matrix((weights.astype(np.float32), (y, np.arange(len(y)))), shape=(n_classes, len(y)))
    return normalise_rows(sp.csr_matrix(onehot @ x))


@dataclass
class Components:
    """What one fit yields before the combiner: a TopicModel with a placeholder combiner."""

    model: TopicModel


def fit_components(corpus: Corpus, train: Sequence[int]) -> TopicModel:
    """Term space, prototypes, neighbours, subfield/field classifiers, prior and context from the taxonomy and
    the labeled works `train` (indices into corpus.works). The combiner is left neutral."""
    hier = Hierarchy.of(corpus.taxonomy, corpus.topic_ids)
    topic_index = {t: i for i, t in enumerate(hier.topic_ids)}
    s_index = {s: i for i, s in enumerate(hier.subfield_ids)}
    f_index = {f: i for i, f in enumerate(hier.field_ids)}
    works = [corpus.works[i] for i in train]
    terms = [corpus.work_terms[i] for i in train]
    space = TermSpace.fit([*corpus.topic_terms, *terms])
    x_tax = space.transform(corpus.topic_terms)
    x_works = space.transform(terms) if terms else sp.csr_matrix((0, len(space.index)), dtype=np.float32)

    topical = [k for k, w in enumerate(works) if w.topics]
    y_topics = _label_matrix([works[k] for k in topical], topic_index)
    x_topical = x_works[topical] if topical else sp.csr_matrix((0, x_tax.shape[1]), dtype=np.float32)
    centroids = (
        normalise_rows(sp.csr_matrix(y_topics.T @ x_topical)) if topical else sp.csr_matrix(x_tax.shape)
    )
    prototypes = normalise_rows(sp.csr_matrix(x_tax + CENTROID_WEIGHT * centroids))

    # subfield and field classifiers: the taxonomy texts, OpenAlex works (primary), arXiv works (subfield)
    sub_rows: list[sp.csr_matrix] = [x_tax]
    sub_y: list[int] = list(hier.topic_subfield)
    sub_w: list[float] = [1.0] * len(hier.topic_ids)
    field_y: list[int] = [int(hier.subfield_field[s]) for s in hier.topic_subfield]
    field_w: list[float] = [1.0] * len(hier.topic_ids)
    field_rows: list[sp.csr_matrix] = [x_tax]
    for k, w in enumerate(works):
        sub = None
        if w.primary:
            sub = int(hier.topic_subfield[topic_index[w.primary]])
        elif w.subfield in s_index:
            sub = s_index[w.subfield]
        if sub is not None:
            sub_rows.append(x_works[k])
            sub_y.append(sub)
            sub_w.append(WORK_SAMPLE_WEIGHT)
            field_rows.append(x_works[k])
            field_y.append(int(hier.subfield_field[sub]))
            field_w.append(WORK_SAMPLE_WEIGHT)
        elif w.field in f_index:
            field_rows.append(x_works[k])
            field_y.append(f_index[w.field])
            field_w.append(WORK_SAMPLE_WEIGHT)
    sub_coef = _centroids(
        sp.csr_matrix(sp.vstack(sub_rows)), np.array(sub_y), np.array(sub_w), len(hier.subfield_ids)
    )
    field_coef = _centroids(
        sp.csr_matrix(sp.vstack(field_rows)), np.array(field_y), np.array(field_w), len(hier.field_ids)
    )

    counts = np.zeros(len(hier.topic_ids), dtype=np.float64)
    for w in works:
        if w.primary:
            counts[topic_index[w.primary]] += 1
    prior = np.log((counts + PRIOR_SMOOTHING) / (counts.sum() + PRIOR_SMOOTHING * len(counts))).astype(
        np.float32
    )
    prior -= prior.max()

    ctx = TopicContext()
    for w in works:
        ctx.add(w.row.work_id, list(w.topics), w.row.author_ids, w.row.venue)

    return TopicModel(
        topic_ids=hier.topic_ids,
        subfield_ids=hier.subfield_ids,
        field_ids=hier.field_ids,
        topic_subfield=hier.topic_subfield,
        subfield_field=hier.subfield_field,
        topic_names=hier.topic_names,
        phrases=list(corpus.extractor.phrases),
        space=space,
        prototypes=prototypes,
        labeled=sp.csr_matrix(x_topical),
        labeled_topics=y_topics,
        subfield_coef=sub_coef,
        subfield_intercept=np.zeros(len(hier.subfield_ids), dtype=np.float32),
        field_coef=field_coef,
        field_intercept=np.zeros(len(hier.field_ids), dtype=np.float32),
        prior=prior,
        combiner_coef=np.zeros(len(SIGNALS)),
        combiner_intercept=0.0,
        temperature=1.0,
        signals=list(SIGNALS),
        trained_on={},
        category_subfield=hier.category_subfield,
        context=ctx,
    )


def folds_by_work(keys: Sequence[str], k: int) -> list[int]:
    """A fold number for each work from a hash of its key (its title key: two records of one paper, e.g. a
    preprint and its article, fall in the same fold): the same split on every run and machine."""
    return [int(hashlib.sha1(w.encode("utf-8")).hexdigest(), 16) % k for w in keys]


@dataclass
class SignalRows:
    """Out-of-fold candidate signals: per work, candidate topic indices, their signals, and the primary's index
    (or -1)."""

    work: list[int] = field(default_factory=list)
    cands: list[np.ndarray] = field(default_factory=list)
    feats: list[np.ndarray] = field(default_factory=list)
    primary: list[int] = field(default_factory=list)


def signals_for(model: TopicModel, corpus: Corpus, idx: Sequence[int]) -> SignalRows:
    out = SignalRows()
    topical = [i for i in idx if corpus.works[i].primary]
    if not topical:
        return out
    x = model.space.transform([corpus.work_terms[i] for i in topical])
    cands, feats = model.signal_matrix(x, [corpus.works[i].row for i in topical])
    for i, c, f in zip(topical, cands, feats, strict=True):
        p = model.topic_index(corpus.works[i].primary or "")
        out.work.append(i)
        out.cands.append(c)
        out.feats.append(f)
        out.primary.append(int(np.searchsorted(c, p)) if p is not None and p in set(c.tolist()) else -1)
    return out


def out_of_fold(corpus: Corpus, train: Sequence[int], k: int) -> SignalRows:
    """Signals of the labeled works in `train`, each from components fitted without its fold."""
    folds = folds_by_work([title_key(corpus.works[i].row.title) for i in train], k)
    out = SignalRows()
    for f in range(k):
        inner = [i for i, g in zip(train, folds, strict=True) if g != f]
        held = [i for i, g in zip(train, folds, strict=True) if g == f]
        part = signals_for(fit_components(corpus, inner), corpus, held)
        for name in ("work", "cands", "feats", "primary"):
            getattr(out, name).extend(getattr(part, name))
    return out


def fit_combiner(rows: SignalRows, use: Sequence[str] = DEFAULT_SIGNALS) -> tuple[np.ndarray, float, float]:
    """The combiner: weights over the chosen signals that maximise the likelihood of each labeled work's
    primary topic under a softmax over its candidates plus one outcome 'not among the candidates' (its logit is
    the intercept): a conditional logit, fitted with scipy's L-BFGS and a small L2 penalty. The softmax is the
    calibration: its probabilities are what HAS_TOPIC scores say."""
    from scipy.optimize import minimize

    mask = np.array([s in use for s in SIGNALS], dtype=np.float64)
    groups = [(f.astype(np.float64) * mask, p) for f, p in zip(rows.feats, rows.primary, strict=True)]
    if not groups:
        coef = np.zeros(len(SIGNALS))
        coef[SIGNALS.index("text")] = 10.0
        return coef * mask, 0.0, 1.0
    k = len(SIGNALS)

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = params[:k], params[k]
        total = COMBINER_L2 * float(w @ w)
        grad = np.zeros(k + 1)
        grad[:k] = 2.0 * COMBINER_L2 * w
        for f, p in groups:
            z = f @ w
            top = max(float(z.max()), b)
            e = np.exp(z - top)
            eo = math.exp(b - top)
            denom = float(e.sum()) + eo
            q = e / denom
            qo = eo / denom
            if p >= 0:
                total -= float(z[p] - top) - math.log(denom)
                grad[:k] -= f[p] - q @ f
                grad[k] += qo
            else:
                total -= (b - top) - math.log(denom)
                grad[:k] += q @ f
                grad[k] -= 1.0 - qo
        return total / len(groups), grad / len(groups)

    res = minimize(loss, np.zeros(k + 1), jac=True, method="L-BFGS-B")
    return np.asarray(res.x[:k]) * mask, float(res.x[k]), 1.0


def with_combiner(model: TopicModel, combiner: tuple[np.ndarray, float, float]) -> TopicModel:
    coef, intercept, temperature = combiner
    return replace(model, combiner_coef=coef, combiner_intercept=intercept, temperature=temperature)


def train(
    corpus: Corpus, train_idx: Sequence[int] | None = None, use: Sequence[str] = DEFAULT_SIGNALS
) -> TopicModel:
    """The whole fit: components on every training work, combiner on their out-of-fold signals."""
    idx = list(range(len(corpus.works))) if train_idx is None else list(train_idx)
    oof = out_of_fold(corpus, idx, INNER_FOLDS)
    model = with_combiner(fit_components(corpus, idx), fit_combiner(oof, use))
    counts = Counter(corpus.works[i].source for i in idx)
    model.trained_on = {
        "taxonomy": {"file": corpus.taxonomy_path.name, "sha256_16": file_sha(corpus.taxonomy_path)},
        "works": dict(sorted(counts.items())),
        "sources": corpus.sources,
        "signals": list(use),
        "text_signals": sorted(corpus.extractor.signals),
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    return model


# ---- cross-validation ------------------------------------------------------------------------------------------

LEVELS = ("topic", "subfield", "field", "domain")


@dataclass
class Ranked:
    """One held-out work's ranked predictions at every level, with its OpenAlex truth."""

    work: int
    ranked: dict[str, list[str]]
    truth: dict[str, str]
    theirs: dict[str, set[str]]
    top_prob: float


def rank_levels(
    model: TopicModel, taxonomy: Taxonomy, cands: np.ndarray, probs: np.ndarray
) -> dict[str, list[str]]:
    order = np.argsort(-probs, kind="stable")
    topics = [model.topic_ids[int(cands[k])] for k in order]
    subs, fields = model.level_scores(cands, probs)
    domains: dict[str, float] = defaultdict(float)
    for f, p in fields.items():
        domains[taxonomy.nodes[model.field_ids[f]].parent or ""] += p
    return {
        "topic": topics,
        "subfield": [model.subfield_ids[s] for s, _ in sorted(subs.items(), key=lambda kv: (-kv[1], kv[0]))],
        "field": [model.field_ids[f] for f, _ in sorted(fields.items(), key=lambda kv: (-kv[1], kv[0]))],
        "domain": [d for d, _ in sorted(domains.items(), key=lambda kv: (-kv[1], kv[0]))],
    }


def truth_levels(taxonomy: Taxonomy, work: LabeledWork) -> tuple[dict[str, str], dict[str, set[str]]]:
    truth: dict[str, str] = {}
    theirs: dict[str, set[str]] = {}
    for level in LEVELS:
        truth[level] = taxonomy.ancestor_at(work.primary or "", level) or ""
        theirs[level] = {a for a in (taxonomy.ancestor_at(t, level) for t, _ in work.topics) if a}
    return truth, theirs


def cross_validate(
    corpus: Corpus,
    folds: int = 10,
    *,
    evaluate: Sequence[int] | None = None,
    ablations: Mapping[str, Sequence[str]] | None = None,
    progress: Any = None,
) -> dict[str, list[Ranked]]:
    """Split the labeled OpenAlex works by work into `folds` folds; for each, train on every other labeled work
    (and the taxonomy), predict the held-out fold. `ablations` name signal subsets to fit the combiner on (the
    components are shared, so each ablation costs a combiner fit). Returns ranked predictions per variant."""
    targets = list(evaluate) if evaluate is not None else [i for i, w in enumerate(corpus.works) if w.primary]
    fold_of = dict(
        zip(
            targets,
            folds_by_work([title_key(corpus.works[i].row.title) for i in targets], folds),
            strict=True,
        )
    )
    variants = {"all": list(DEFAULT_SIGNALS), **{k: list(v) for k, v in (ablations or {}).items()}}
    out: dict[str, list[Ranked]] = {name: [] for name in variants}
    for f in range(folds):
        test = [i for i in targets if fold_of[i] == f]
        if not test:
            continue
        train_idx = [i for i in range(len(corpus.works)) if fold_of.get(i) != f]
        oof = out_of_fold(corpus, train_idx, INNER_FOLDS)
        base = fit_components(corpus, train_idx)
        rows = signals_for(base, corpus, test)
        for name, use in variants.items():
            model = with_combiner(base, fit_combiner(oof, use))
            for i, c, feats in zip(rows.work, rows.cands, rows.feats, strict=True):
                probs = model.probabilities(feats * np.array([s in use for s in SIGNALS]))
                truth, theirs = truth_levels(corpus.taxonomy, corpus.works[i])
                out[name].append(
                    Ranked(
                        i, rank_levels(model, corpus.taxonomy, c, probs), truth, theirs, float(probs.max())
                    )
                )
        if progress:
            progress(f + 1, folds)
    return out


def agreement(results: Sequence[Ranked]) -> dict[str, dict[str, float]]:
    """Per level: OpenAlex's primary in our top 3, our top 1 = their primary, our top 1 among all their topics."""
    out: dict[str, dict[str, float]] = {}
    n = len(results)
    for level in LEVELS:
        in3 = sum(1 for r in results if r.truth[level] in r.ranked[level][:3])
        top1 = sum(1 for r in results if r.ranked[level][:1] == [r.truth[level]])
        top1_any = sum(1 for r in results if r.ranked[level][:1] and r.ranked[level][0] in r.theirs[level])
        out[level] = {
            "primary_in_our_top3": round(in3 / n, 4) if n else 0.0,
            "our_top1_is_primary": round(top1 / n, 4) if n else 0.0,
            "our_top1_in_theirs": round(top1_any / n, 4) if n else 0.0,
        }
    return out


def calibration(results: Sequence[Ranked], bins: int = 5) -> list[dict[str, Any]]:
    """Reliability of the top topic's probability: per bin, mean predicted vs how often it was the primary."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    out = []
    for lo, hi in itertools.pairwise(edges):
        sel = [r for r in results if lo <= r.top_prob < hi or (hi == 1.0 and r.top_prob == 1.0)]
        if not sel:
            continue
        out.append(
            {
                "bin": f"{lo:.1f}-{hi:.1f}",
                "works": len(sel),
                "mean_predicted": round(float(np.mean([r.top_prob for r in sel])), 3),
                "observed": round(
                    sum(1 for r in sel if r.ranked["topic"][:1] == [r.truth["topic"]]) / len(sel), 3
                ),
            }
        )
    return out


def confusions(
    results: Sequence[Ranked], taxonomy: Taxonomy, level: str, top: int = 10
) -> list[dict[str, Any]]:
    """The most frequent (their primary → our top 1) pairs where they differ, at one level."""
    pairs: Counter[tuple[str, str]] = Counter()
    for r in results:
        ours = r.ranked[level][0] if r.ranked[level] else ""
        if ours != r.truth[level]:
            pairs[(r.truth[level], ours)] += 1
    name = lambda i: taxonomy.nodes[i].name if i in taxonomy.nodes else i  # noqa: E731
    return [
        {"openalex": f"{t} {name(t)}", "ours": f"{o} {name(o)}", "works": n}
        for (t, o), n in sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    ]


def default_training_paths(data_dir: Path) -> list[Path]:
    """The shipped default training data: OpenAlex works and arXiv metadata under the data directory."""
    return [p for p in (data_dir / "openalex", data_dir / "arxiv") if p.exists()]


# ---- the commands' bodies --------------------------------------------------------------------------------------

# Ablations: each leaves one signal (or group) out of the combiner; the components are shared.
SIGNAL_ABLATIONS: dict[str, tuple[str, ...]] = {
    "text (prototypes)": ("text", "text_rank"),
    "neighbours (kNN)": ("knn", "knn_subfield"),
    "subfield/field centroids": ("subfield", "field"),
    "cited works' topics": ("cite_topic", "cite_subfield"),
    "authors' other works' topics": ("author_topic", "author_subfield"),
    "venue's works' topics": ("venue_topic", "venue_subfield"),
    "arXiv categories": ("category",),
    "all graph context": GRAPH_CONTEXT,
}
WITH_PRIOR = "(added) topic prior"
# Text ablations: the works' terms are rebuilt without one part (the taxonomy's text is always whole).
TEXT_ABLATIONS: dict[str, str] = {
    "abstract": "abstract",
    "venue as a term": "venue",
    "taxonomy phrases / keyphrases as terms": "keyphrases",
    "categories as terms": "categories",
}


def load_corpus(
    taxonomy_path: Path,
    paths: Sequence[Path],
    signals: Iterable[str] | None = None,
    on_reject: Callable[[Reject], None] | None = None,
) -> Corpus:
    taxonomy = read_taxonomy(taxonomy_path)
    works, files = read_labeled(paths, taxonomy, on_reject)
    return build_corpus(taxonomy_path, works, signals=signals, sources=files)


def with_text_signals(corpus: Corpus, signals: Iterable[str]) -> Corpus:
    """The same corpus with the works' terms rebuilt from only the given parts of their text."""
    extractor = TermExtractor(corpus.extractor.nlp, corpus.extractor.phrases, frozenset(signals))
    out = replace(corpus, extractor=extractor)
    out.work_terms = extractor.terms([w.row for w in corpus.works])
    return out


def evaluation_report(
    corpus: Corpus,
    folds: int = 10,
    *,
    ablate: bool = True,
    ablate_text: bool | None = None,
    progress: Any = None,
) -> dict[str, Any]:
    """Cross-validated agreement with OpenAlex (split by work), calibration, confusions, the ablation table and
    the phrase matcher (vocab-v1) on the same works side by side."""
    t0 = time.perf_counter()
    abl: dict[str, list[str]] = {}
    if ablate:
        abl = {name: [s for s in DEFAULT_SIGNALS if s not in drop] for name, drop in SIGNAL_ABLATIONS.items()}
        abl[WITH_PRIOR] = [*DEFAULT_SIGNALS, "prior"]
    results = cross_validate(corpus, folds, ablations=abl, progress=progress)
    full = results["all"]
    report: dict[str, Any] = {
        "method": "learned-v1",
        "protocol": (
            f"{folds}-fold cross-validation by work (folds by a hash of the title key, so two records of one "
            "paper share a fold): every fold is predicted by a model trained on the other folds' labeled works "
            "and the taxonomy, its combiner on their out-of-fold signals; the held-out works' topics, keywords "
            "and concepts are never read (a TopicRow has no field for them)"
        ),
        "works_evaluated": len(full),
        "labeled_works": dict(Counter(w.source for w in corpus.works)),
        "sources": corpus.sources,
        "agreement": agreement(full),
        "calibration_top1": calibration(full),
        "confusions": {lvl: confusions(full, corpus.taxonomy, lvl) for lvl in ("field", "subfield", "topic")},
    }
    table = []
    base = agreement(full)
    for name in abl:
        a = agreement(results[name])
        table.append(
            {
                "without": name if name != WITH_PRIOR else "(nothing; added) topic prior",
                **{f"{lvl}_top3": a[lvl]["primary_in_our_top3"] for lvl in ("field", "subfield", "topic")},
                **{
                    f"{lvl}_top3_change": round(
                        a[lvl]["primary_in_our_top3"] - base[lvl]["primary_in_our_top3"], 4
                    )
                    for lvl in ("field", "subfield", "topic")
                },
            }
        )
    if ablate if ablate_text is None else ablate_text:
        for name, part in TEXT_ABLATIONS.items():
            keep = set(corpus.extractor.signals) - {part}
            variant = cross_validate(with_text_signals(corpus, keep), folds)["all"]
            a = agreement(variant)
            table.append(
                {
                    "without": name,
                    **{
                        f"{lvl}_top3": a[lvl]["primary_in_our_top3"] for lvl in ("field", "subfield", "topic")
                    },
                    **{
                        f"{lvl}_top3_change": round(
                            a[lvl]["primary_in_our_top3"] - base[lvl]["primary_in_our_top3"], 4
                        )
                        for lvl in ("field", "subfield", "topic")
                    },
                }
            )
    report["ablation"] = table
    report["vocab_v1_same_works"] = vocab_baseline(corpus, [r.work for r in full])
    report["majority_same_folds"] = majority_baseline(corpus, folds)
    report["seconds"] = round(time.perf_counter() - t0, 1)
    return report


def majority_baseline(corpus: Corpus, folds: int) -> dict[str, dict[str, float]]:
    """What the sample's concentration alone gives: every held-out work gets the three most common primary
    topics (subfields, fields, domains) of its training folds, whatever it says."""
    targets = [i for i, w in enumerate(corpus.works) if w.primary]
    fold_of = dict(
        zip(
            targets,
            folds_by_work([title_key(corpus.works[i].row.title) for i in targets], folds),
            strict=True,
        )
    )
    ranked: list[Ranked] = []
    for f in range(folds):
        train_idx = [i for i in targets if fold_of[i] != f]
        common: dict[str, list[str]] = {}
        for lvl in LEVELS:
            counts = Counter(
                corpus.taxonomy.ancestor_at(corpus.works[i].primary or "", lvl) for i in train_idx
            )
            common[lvl] = [k for k, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0] or "")) if k]
        for i in targets:
            if fold_of[i] == f:
                truth, theirs = truth_levels(corpus.taxonomy, corpus.works[i])
                ranked.append(Ranked(i, common, truth, theirs, 0.0))
    return agreement(ranked)


def vocab_baseline(corpus: Corpus, idx: Sequence[int]) -> dict[str, dict[str, float]]:
    """The phrase matcher (no training) on the same works, read the same way."""
    from kg.topic_match import TopicAssigner
    from kg.topic_vocab import cached_vocabulary

    assigner = TopicAssigner(cached_vocabulary(corpus.taxonomy_path), nlp=corpus.extractor.nlp)
    rows = [corpus.works[i].row for i in idx]
    found = assigner.assign_rows(rows)
    ranked = []
    for i, (topics, _) in zip(idx, found, strict=True):
        truth, theirs = truth_levels(corpus.taxonomy, corpus.works[i])
        levels: dict[str, list[str]] = {}
        for lvl in LEVELS:
            seen: list[str] = []
            for t in topics:
                a = corpus.taxonomy.ancestor_at(t.topic_id, lvl)
                if a and a not in seen:
                    seen.append(a)
            levels[lvl] = seen
        ranked.append(Ranked(i, levels, truth, theirs, topics[0].score if topics else 0.0))
    return agreement(ranked)
