"""Pair features between two author slots of one name block: what the pairwise model weighs, and the words a person
reads as the evidence behind a link.

Everything a slot carries is used: its name parts (spelled-out or initials, middle names, how common the name is in
the block), co-authors (by name block and by full name, rarer shared co-authors count more), venue, title and
abstract words (TF-IDF over the block), topics, institutions and raw affiliations, year gap, shared references and
self-citation, source. Missing evidence is NaN (the model learns what absence means), never 0.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kg.identity.context import SlotContext, bare_openalex
from kg.identity.meaning import MEANING_FEATURE_NAMES, Meaning, meanings, pair_matrix, venue_profiles
from kg.identity.names import block_key, name_key, split_name
from kg.normalize import name_fold, title_key

FEATURE_NAMES: tuple[str, ...] = (
    "same_name_key",
    "both_given_spelled",
    "first_given_equal",
    "middle_state",
    "coauthors_shared",
    "coauthors_shared_full",
    "coauthors_jaccard",
    "coauthors_idf",
    "coauthors_min",
    "venue_same",
    "venue_words",
    "title_cosine",
    "title_shared",
    "abstract_cosine",
    "topics_shared",
    "topics_jaccard",
    "institutions_shared",
    "affiliation_words",
    "year_gap",
    "references_shared",
    "self_citation",
    "same_source",
)
# every feature a model may be trained on: the 22 above, and the topic model's reading of the two works
# (kg.identity.meaning), computed only for a model that asks for them
ALL_FEATURE_NAMES: tuple[str, ...] = (*FEATURE_NAMES, *MEANING_FEATURE_NAMES)
# the feature sets `kg identity train --features` and bench/identity_meaning know: the 22; with the topic model's
# reading of the two works; and with the subfield profiles of their venues within the block too
FEATURE_SETS: dict[str, tuple[str, ...]] = {
    "base": FEATURE_NAMES,
    "meaning": tuple(n for n in ALL_FEATURE_NAMES if n != "meaning_venue_cosine"),
    "meaning+venue": ALL_FEATURE_NAMES,
    # without the abstract cosine: abstracts are known on ~0.1 % of the labeled pairs (OpenAlex only), so the
    # booster learns "abstract known" from a few hundred rows, while every arXiv pair in the pipeline has one
    "no-abstract": tuple(n for n in FEATURE_NAMES if n != "abstract_cosine"),
    # without how sure the topic model is: the synthetic corpus's generated titles are read far more sharply
    "meaning-sharpness": tuple(
        n for n in ALL_FEATURE_NAMES if n not in ("meaning_venue_cosine", "meaning_sharpness")
    ),
}

NAN = float("nan")

_STOP = frozenset(
    """a an and are as at be by for from in into is of on or the to with via using based towards toward its their
    new approach method methods study analysis system systems paper under over between among we our vs""".split()
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def words(text: str | None) -> list[str]:
    """Content words of a text, lightly stemmed (first 6 letters): 'Networks' and 'networking' → 'networ'."""
    if not text:
        return []
    return [w[:6] for w in _WORD.findall(title_key(text)) if len(w) > 2 and w not in _STOP]


@dataclass
class SlotEvidence:
    """One slot's evidence in the forms pair features compare."""

    name_key: str
    given: tuple[str, ...]
    coauthors: frozenset[str]  # block keys of co-authors (own block removed)
    coauthors_full: frozenset[str]  # name keys of co-authors
    venue: str
    venue_words: frozenset[str]
    title: dict[str, float]  # TF-IDF, unit length
    abstract: dict[str, float]
    topics: frozenset[str]
    institutions: frozenset[str]
    affiliation_words: frozenset[str]
    year: int | None
    references: frozenset[str]
    work_oa: frozenset[str]  # the work's own OpenAlex ids (a self-citation is a reference to one of them)
    source: str
    meaning: Meaning | None = None  # what the topic model reads in the work (only when asked for)
    work: str = ""  # the slot's work id


def _tfidf(tokens: list[str], idf: dict[str, float]) -> dict[str, float]:
    counts = Counter(tokens)
    vec = {w: (1 + math.log(c)) * idf.get(w, 1.0) for w, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in vec.values()))
    return {w: v / norm for w, v in vec.items()} if norm else {}


def _idf(docs: Sequence[list[str]]) -> dict[str, float]:
    df: Counter[str] = Counter()
    for d in docs:
        df.update(set(d))
    n = len(docs)
    return {w: math.log((n + 1) / (c + 1)) + 1.0 for w, c in df.items()}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b[w] for w, v in a.items() if w in b)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else NAN


def block_evidence(
    contexts: Sequence[SlotContext], *, meaning: bool = False
) -> tuple[list[SlotEvidence], dict[str, float]]:
    """The evidence of every slot of a block, with the block-wide statistics the features need (the IDF of title
    and abstract words, how many slots share each co-author and each name); with `meaning`, also each slot's
    work read by the topic model (one model call for the block's works not seen before)."""
    read = meanings(contexts) if meaning else [None] * len(contexts)
    title_tokens = [words(c.title) for c in contexts]
    abstract_tokens = [words(c.abstract) for c in contexts]
    title_idf = _idf(title_tokens)
    abstract_idf = _idf([t for t in abstract_tokens if t])
    out: list[SlotEvidence] = []
    for c, tt, at, m in zip(contexts, title_tokens, abstract_tokens, read, strict=True):
        own = block_key(c.slot.name)
        given, _ = split_name(c.slot.name)
        out.append(
            SlotEvidence(
                name_key=name_key(c.slot.name),
                given=tuple(g for g in (name_fold(x) for x in given) if g),
                coauthors=frozenset(k for k in c.coauthors if k != own),
                coauthors_full=frozenset(name_key(n) for k, n in c.coauthors.items() if k != own),
                venue=title_key(c.venue) if c.venue else "",
                venue_words=frozenset(words(c.venue)),
                title=_tfidf(tt, title_idf),
                abstract=_tfidf(at, abstract_idf),
                topics=frozenset(c.topics),
                institutions=frozenset(c.slot.institutions),
                affiliation_words=frozenset(w for a in c.slot.raw_affiliations for w in words(a)),
                year=c.year,
                references=c.references,
                work_oa=bare_openalex(c.work_ids),
                source=c.slot.source,
                meaning=m,
                work=c.slot.work_id,
            )
        )
    stats: dict[str, float] = {"size": float(len(contexts))}
    if meaning:
        stats["meaning"] = 1.0
    co_df: Counter[str] = Counter()
    names: Counter[str] = Counter()
    for e in out:
        co_df.update(e.coauthors)
        names[e.name_key] += 1
    stats.update({f"co:{k}": float(v) for k, v in co_df.items()})
    stats.update({f"name:{k}": float(v) for k, v in names.items()})
    return out, stats


def _middle_state(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """1 when both give a middle name and they agree (by initial), -1 when they disagree, 0 when one has none."""
    if len(a) < 2 or len(b) < 2:
        return 0.0
    return 1.0 if a[1][0] == b[1][0] else -1.0


def pair_features(a: SlotEvidence, b: SlotEvidence, stats: dict[str, float]) -> list[float]:
    """The feature vector of one pair, in FEATURE_NAMES order."""
    spelled_a = bool(a.given) and len(a.given[0]) > 1
    spelled_b = bool(b.given) and len(b.given[0]) > 1
    shared_co = a.coauthors & b.coauthors
    co_idf = sum(1.0 / math.log(1.0 + stats.get(f"co:{k}", 1.0)) for k in shared_co) if shared_co else 0.0
    has_co = bool(a.coauthors) and bool(b.coauthors)
    venue_known = bool(a.venue) and bool(b.venue)
    title_known = bool(a.title) and bool(b.title)
    abstract_known = bool(a.abstract) and bool(b.abstract)
    topics_known = bool(a.topics) and bool(b.topics)
    inst_known = bool(a.institutions) and bool(b.institutions)
    affil_known = bool(a.affiliation_words) and bool(b.affiliation_words)
    refs_known = bool(a.references) and bool(b.references)
    return [
        float(a.name_key == b.name_key),
        float(spelled_a and spelled_b),
        float(spelled_a and spelled_b and a.given[0] == b.given[0]),
        _middle_state(a.given, b.given),
        float(len(shared_co)) if has_co else NAN,
        float(len(a.coauthors_full & b.coauthors_full)) if has_co else NAN,
        _jaccard(a.coauthors, b.coauthors) if has_co else NAN,
        co_idf if has_co else NAN,
        float(min(len(a.coauthors), len(b.coauthors))),
        float(a.venue == b.venue) if venue_known else NAN,
        _jaccard(a.venue_words, b.venue_words) if venue_known else NAN,
        _cosine(a.title, b.title) if title_known else NAN,
        float(len(a.title.keys() & b.title.keys())) if title_known else NAN,
        _cosine(a.abstract, b.abstract) if abstract_known else NAN,
        float(len(a.topics & b.topics)) if topics_known else NAN,
        _jaccard(a.topics, b.topics) if topics_known else NAN,
        float(len(a.institutions & b.institutions)) if inst_known else NAN,
        _jaccard(a.affiliation_words, b.affiliation_words) if affil_known else NAN,
        float(abs(a.year - b.year)) if a.year is not None and b.year is not None else NAN,
        float(len(a.references & b.references)) if refs_known else NAN,
        float(bool(a.references & b.work_oa) or bool(b.references & a.work_oa)),
        float(a.source == b.source),
    ]


def wants_meaning(names: Sequence[str]) -> bool:
    """Whether features `names` hold any of the topic model's (kg.identity.meaning)."""
    return any(n in MEANING_FEATURE_NAMES for n in names)


def feature_matrix(
    evidence: Sequence[SlotEvidence],
    stats: dict[str, float],
    pairs: Sequence[tuple[int, int]],
    names: Sequence[str] = FEATURE_NAMES,
) -> np.ndarray:
    """Features `names` (of ALL_FEATURE_NAMES, in that order) of many pairs (indices into `evidence`) as one
    float32 matrix. The meaning columns need the evidence built with `block_evidence(..., meaning=True)`."""
    unknown = [n for n in names if n not in ALL_FEATURE_NAMES]
    if unknown:
        raise ValueError(f"unknown pair features: {', '.join(unknown)}")
    if not pairs:
        return np.zeros((0, len(names)), dtype=np.float32)
    base = np.asarray([pair_features(evidence[i], evidence[j], stats) for i, j in pairs], dtype=np.float32)
    if tuple(names) == FEATURE_NAMES:
        return base
    full = base
    if wants_meaning(names):
        if not stats.get("meaning"):
            raise ValueError(
                "meaning features asked of evidence built without them (block_evidence(meaning=True))"
            )
        ms = [e.meaning for e in evidence]
        venues = venue_profiles(ms, [e.venue for e in evidence], [e.work for e in evidence])
        full = np.hstack([base, pair_matrix(ms, pairs, venues)])
    cols = [ALL_FEATURE_NAMES.index(n) for n in names]
    return np.ascontiguousarray(full[:, cols])
