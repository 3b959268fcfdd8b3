"""What a slot's work is about, for identity: the project's topic model (kg.topic_model, the model shipped in the
package) read over the work's title, abstract, venue and arXiv categories, kept as soft vectors over the taxonomy's
topics, subfields and fields. Two titles with no word in common ("Transaction Processing: Concepts and Techniques",
"The Benchmark Handbook") may still both sit in "Information Systems / Database Systems": pairs compare these vectors
where lexical title overlap is too sparse to say anything.

A work's meaning depends on its text alone (no graph context), so every slot of a work gets the same one, whichever
block, batch or order it is computed in; it is computed once per distinct text (a bounded cache per process) and
rounded, so that float noise from batching never reaches a feature.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import scipy.sparse as sp

from kg.identity.context import SlotContext

MEANING_FEATURE_NAMES: tuple[str, ...] = (
    "meaning_topic_cosine",  # cosine of the two works' topic probability vectors
    "meaning_subfield_cosine",  # ... rolled up to the taxonomy's subfields
    "meaning_field_cosine",  # ... and to its fields
    "meaning_same_subfield",  # both works' most probable subfield is one
    "meaning_same_field",  # both works' most probable field is one
    "meaning_sharpness",  # the smaller of the two works' top subfield probabilities: how sure the model is
    "meaning_venue_cosine",  # cosine of the subfield profiles of the two slots' venues within the block
)
# topics with a probability under this are dropped from a work's vector (the long tail of the softmax)
MIN_TOPIC_P = 0.005
# distinct work texts kept per process: a work's slots sit in one block per author
CACHE_SIZE = 200_000
# pairs compared per sparse product (bounds the memory of a block's row gather)
PAIR_CHUNK = 50_000

Text = tuple[str, str, str, tuple[str, ...]]  # title, abstract, venue, arXiv categories
Sparse = tuple[np.ndarray, np.ndarray]  # indices, values


@dataclass(frozen=True)
class Meaning:
    """A work's soft topic vectors, each L2-normalised and sparse (indices, values): topics, subfields, fields;
    its most probable subfield and field, and that subfield's probability."""

    topics: tuple[np.ndarray, np.ndarray]
    subfields: tuple[np.ndarray, np.ndarray]
    fields: tuple[np.ndarray, np.ndarray]
    top_subfield: int
    top_field: int
    top_subfield_p: float


@lru_cache(maxsize=1)
def _assigner() -> Any:
    """The learned topic assigner over the model shipped in the package (never a locally retrained one: the
    pairwise model was trained on this one's output)."""
    from kg.topics import PACKAGED_MODEL, LearnedAssigner

    return LearnedAssigner.load(PACKAGED_MODEL)


def topic_model_sha() -> str:
    """The checksum of the topic model the meaning features come from (kept in the pairwise model's metadata)."""
    from kg.topic_model import file_sha
    from kg.topics import PACKAGED_MODEL

    return file_sha(PACKAGED_MODEL)


_CACHE: OrderedDict[Text, Meaning | None] = OrderedDict()
# what this process spent on the topic model: texts read, calls, CPU seconds (bench.identity_scale reports it)
READ: dict[str, float] = {"texts": 0, "calls": 0, "cpu_seconds": 0.0}


def text_of(c: SlotContext) -> Text:
    cats = tuple(sorted(v for k, v in c.topics.items() if k.startswith("cat:")))
    return ((c.title or "").strip(), (c.abstract or "").strip(), (c.venue or "").strip(), cats)


def _sparse(vec: dict[int, float]) -> tuple[np.ndarray, np.ndarray]:
    idx = np.asarray(sorted(vec), dtype=np.int32)
    val = np.asarray([vec[int(i)] for i in idx], dtype=np.float64)
    norm = float(np.sqrt((val * val).sum()))
    return idx, (val / norm if norm else val).astype(np.float32)


def _compute(texts: Sequence[Text]) -> list[Meaning | None]:
    from kg.topic_model import TopicContext, TopicRow

    a = _assigner()
    model = a.model
    c0 = time.process_time()
    rows = [
        TopicRow(work_id=str(i), title=t, abstract=ab, venue=v, categories=cats)
        for i, (t, ab, v, cats) in enumerate(texts)
    ]
    x = model.space.transform(a.extractor.terms(rows))
    cands, feats = model.signal_matrix(x, rows, TopicContext())
    out: list[Meaning | None] = []
    for i in range(len(rows)):
        if x[i].nnz == 0:
            out.append(None)  # no term the model knows: nothing to say
            continue
        probs = np.round(model.probabilities(feats[i]), 4)
        topics: dict[int, float] = {}
        subs: dict[int, float] = {}
        fields: dict[int, float] = {}
        for c, p in zip(cands[i].tolist(), probs.tolist(), strict=True):
            if p < MIN_TOPIC_P:
                continue
            s = int(model.topic_subfield[c])
            f = int(model.subfield_field[s])
            topics[c] = p
            subs[s] = subs.get(s, 0.0) + p
            fields[f] = fields.get(f, 0.0) + p
        if not topics:
            out.append(None)
            continue
        top_s = max(subs, key=lambda k: (subs[k], -k))
        top_f = max(fields, key=lambda k: (fields[k], -k))
        out.append(
            Meaning(_sparse(topics), _sparse(subs), _sparse(fields), top_s, top_f, round(subs[top_s], 4))
        )
    READ["texts"] += len(texts)
    READ["calls"] += 1
    READ["cpu_seconds"] += time.process_time() - c0
    return out


def meanings(contexts: Sequence[SlotContext]) -> list[Meaning | None]:
    """The meaning of each slot's work (None where the work has no title or abstract the model can read): one
    topic-model call for the texts not seen before."""
    texts = [text_of(c) for c in contexts]
    todo = sorted({t for t in texts if (t[0] or t[1]) and t not in _CACHE})
    if todo:
        for t, m in zip(todo, _compute(todo), strict=True):
            _CACHE[t] = m
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    out: list[Meaning | None] = []
    for t in texts:
        if not (t[0] or t[1]):
            out.append(None)
            continue
        m = _CACHE.get(t)
        # not in the cache: evicted by this very call's later texts (a block of more than CACHE_SIZE works)
        if m is None and t not in _CACHE:
            m = _compute([t])[0]
        else:
            _CACHE.move_to_end(t)
        out.append(m)
    return out


def _matrix(ms: Sequence[Meaning | None], level: str, width: int) -> sp.csr_matrix:
    return _sparse_rows([getattr(m, level) if m is not None else None for m in ms], width)


def venue_profiles(
    ms: Sequence[Meaning | None], venues: Sequence[str], works: Sequence[str]
) -> list[Sparse | None]:
    """For each slot, the subfield profile of its venue within the block: the sum of the subfield vectors of the
    block's works at that venue (each work once), L2-normalised; None without a venue or any meaning there. Two
    slots at different venues compare what their venues publish in this block (a workshop and a journal of one
    field), not only their own two titles."""
    acc: dict[str, dict[int, float]] = {}
    seen: set[tuple[str, str]] = set()
    for m, v, w in zip(ms, venues, works, strict=True):
        if m is None or not v or (v, w) in seen:
            continue
        seen.add((v, w))
        d = acc.setdefault(v, {})
        for i, x in zip(m.subfields[0].tolist(), m.subfields[1].tolist(), strict=True):
            d[i] = d.get(i, 0.0) + x
    prof = {v: _sparse({i: round(x, 4) for i, x in d.items()}) for v, d in acc.items()}
    return [prof.get(v) if v else None for v in venues]


def pair_matrix(
    ms: Sequence[Meaning | None],
    pairs: Sequence[tuple[int, int]],
    venues: Sequence[Sparse | None] | None = None,
) -> np.ndarray:
    """The MEANING_FEATURE_NAMES columns for pairs of slots (indices into `ms`); NaN where a side has no meaning
    (the venue column: where a side's venue has no profile, `venue_profiles`)."""
    out = np.full((len(pairs), len(MEANING_FEATURE_NAMES)), np.nan, dtype=np.float32)
    if not pairs:
        return out
    model = _assigner().model
    mats = [
        _matrix(ms, "topics", len(model.topic_ids)),
        _matrix(ms, "subfields", len(model.subfield_ids)),
        _matrix(ms, "fields", len(model.field_ids)),
    ]
    known = np.asarray([m is not None for m in ms])
    top_s = np.asarray([m.top_subfield if m else -1 for m in ms])
    top_f = np.asarray([m.top_field if m else -1 for m in ms])
    sharp = np.asarray([m.top_subfield_p if m else np.nan for m in ms], dtype=np.float32)
    p = np.asarray(pairs, dtype=np.int64)
    for lo in range(0, len(p), PAIR_CHUNK):
        a, b = p[lo : lo + PAIR_CHUNK, 0], p[lo : lo + PAIR_CHUNK, 1]
        rows = slice(lo, lo + len(a))
        for col, m in enumerate(mats):
            out[rows, col] = np.asarray(m[a].multiply(m[b]).sum(axis=1)).ravel()
        out[rows, 3] = top_s[a] == top_s[b]
        out[rows, 4] = top_f[a] == top_f[b]
        out[rows, 5] = np.minimum(sharp[a], sharp[b])
    both = known[p[:, 0]] & known[p[:, 1]]
    out[~both, :6] = np.nan
    if venues is not None:
        vm = _sparse_rows(venues, len(model.subfield_ids))
        has = np.asarray([v is not None for v in venues])
        for lo in range(0, len(p), PAIR_CHUNK):
            a, b = p[lo : lo + PAIR_CHUNK, 0], p[lo : lo + PAIR_CHUNK, 1]
            cos = np.asarray(vm[a].multiply(vm[b]).sum(axis=1)).ravel().astype(np.float32)
            cos[~(has[a] & has[b])] = np.nan
            out[lo : lo + len(a), 6] = cos
    return out


def _sparse_rows(vs: Sequence[Sparse | None], width: int) -> sp.csr_matrix:
    indptr = [0]
    idx: list[np.ndarray] = []
    val: list[np.ndarray] = []
    for v in vs:
        if v is not None:
            idx.append(v[0])
            val.append(v[1])
            indptr.append(indptr[-1] + len(v[0]))
        else:
            indptr.append(indptr[-1])
    return sp.csr_matrix(
        (
            np.concatenate(val) if val else np.zeros(0, dtype=np.float32),
            np.concatenate(idx) if idx else np.zeros(0, dtype=np.int32),
            np.asarray(indptr),
        ),
        shape=(len(vs), width),
    )
