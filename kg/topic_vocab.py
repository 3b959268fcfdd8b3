"""The phrase vocabulary of the OpenAlex taxonomy: the spaCy pipeline that normalises words to lookup lemmas, the
normalised phrases and words of every taxonomy node with their weights, and its on-disk cache.

How the weights are used is documented in kg/topic_match.py (the phrase matcher, method "vocab-v1")."""

from __future__ import annotations

import hashlib
import math
import os
import pickle
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from kg.config import REPO_ROOT
from kg.keyphrases import RESEARCH_FILLER, is_content_word
from kg.taxonomy import Taxonomy, read_taxonomy

# the phrase matcher's method name, which also keys the vocabulary cache
METHOD = "vocab-v1"
# Bump when Vocabulary.build or a constant it uses changes: the pickle cache is keyed by it (and the CSV hash).
VOCAB_FORMAT = 3

SINGLE_WORD_WEIGHT = 0.6
MAX_WORD_SHARE = 0.03
CACHE_DIR = REPO_ROOT / ".kg" / "cache"

_PAREN = re.compile(r"\s*\([^)]*\)")


# ---- the spaCy pipeline ---------------------------------------------------------------------------------------


class _LemmaNorm:
    """Sets token.norm_ to the lower-case lookup lemma, so the matcher sees 'Networks', 'networks' and
    'network' alike. The lookup table is case-sensitive, hence the lower-casing; words the table lacks lose a
    plural 's' ('embeddings' → 'embedding')."""

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp
        self.table: Any = None
        self.memo: dict[str, str] = {}

    def _table(self) -> Any:
        if self.table is None:
            lemmatizer = self.nlp.get_pipe("lemmatizer")
            self.table = lemmatizer.lookups.get_table("lemma_lookup")  # type: ignore[attr-defined]
        return self.table

    def normal_form(self, low: str) -> str:
        """The normal form of a lower-case word (what __call__ sets on its tokens)."""
        norm = self.memo.get(low)
        if norm is None:
            norm = self.memo[low] = normalise_word(low, self._table())
        return norm

    def __call__(self, doc: Doc) -> Doc:
        table = self._table()
        memo = self.memo
        for tok in doc:
            low = tok.lower_
            norm = memo.get(low)
            if norm is None:
                norm = memo[low] = normalise_word(low, table)
            tok.norm_ = norm
        return doc


def normalise_word(low: str, table: Any) -> str:
    lemma = table.get(low)
    if isinstance(lemma, str):
        return lemma
    if len(low) > 3 and low.endswith("s") and not low.endswith(("ss", "us", "is")) and low[-2].isalpha():
        return low[:-1]
    return low


@Language.factory("kg_lemma_norm")
def _make_lemma_norm(nlp: Language, name: str) -> _LemmaNorm:
    return _LemmaNorm(nlp)


def build_pipeline(model: str | None = None) -> Language:
    """A blank English pipeline with lookup lemmas (spacy-lookups-data) and the lemma-norm step. `model` names a
    trained pipeline to use instead when it is installed (never required; the blank one is the default)."""
    if model and spacy.util.is_package(model):
        nlp = spacy.load(model, exclude=["ner", "parser", "textcat"])
        if "lemmatizer" not in nlp.pipe_names:
            nlp.add_pipe("lemmatizer", config={"mode": "lookup"}).initialize()  # type: ignore[attr-defined]
    else:
        nlp = spacy.blank("en")
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.initialize()
    nlp.add_pipe("kg_lemma_norm", last=True)
    return nlp


@lru_cache(maxsize=1)
def default_pipeline() -> Language:
    return build_pipeline()


# ---- the vocabulary -----------------------------------------------------------------------------------------


@dataclass
class Vocabulary:
    """Normalised phrases → the taxonomy nodes they name, with IDF weights, and the node hierarchy."""

    # "graph neural network" → [(node id, kind), …]
    phrases: dict[str, list[tuple[str, str]]]
    idf: dict[str, float]
    # idf × length factor (with the single-word specificity): what one occurrence of the phrase is worth
    weight: dict[str, float]
    parent: dict[str, str | None]
    level: dict[str, str]
    names: dict[str, str]
    digest: str = ""
    # the bag-of-words signal: word → [(topic id, weight in the topic's unit-length TF-IDF vector)], and word IDF
    word_postings: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    word_idf: dict[str, float] = field(default_factory=dict)

    @classmethod
    def build(cls, taxonomy: Taxonomy, nlp: Language | None = None, *, digest: str = "") -> Vocabulary:
        nlp = nlp or default_pipeline()
        raw: list[tuple[str, str, str]] = []  # (surface phrase, node id, kind)
        for node in taxonomy.nodes.values():
            if node.scheme != "openalex":
                continue
            if node.level == "topic":
                for name in (node.name, *node.alt_names):
                    raw.append((name, node.id, "name"))
                for kw in node.keywords:
                    raw.append((kw, node.id, "keyword"))
            elif node.level == "domain":
                raw.append((node.name, node.id, "domain-name"))
            else:
                raw.append((node.name, node.id, "level-name"))
        variants: list[tuple[str, str, str]] = []
        for surface, node_id, kind in raw:
            for v in _surface_variants(surface):
                variants.append((v, node_id, kind))
        phrases: dict[str, list[tuple[str, str]]] = defaultdict(list)
        docs = nlp.pipe((v for v, _, _ in variants), batch_size=2000)
        for (_, node_id, kind), doc in zip(variants, docs, strict=True):
            key = " ".join(t.norm_ for t in doc if not t.is_space)
            if not key or all(t.is_punct or t.is_stop for t in doc):
                continue
            if " " not in key and key in RESEARCH_FILLER:
                continue  # 'model', 'method': every abstract says them
            if (node_id, kind) not in phrases[key]:
                phrases[key].append((node_id, kind))
        n_nodes = sum(1 for n in taxonomy.nodes.values() if n.scheme == "openalex")
        idf = {
            p: math.log(1.0 + n_nodes / len({nid for nid, _ in targets})) for p, targets in phrases.items()
        }
        weight = {p: idf[p] * length_factor(p) for p in phrases}
        postings, word_idf = _word_index(taxonomy, nlp)
        return cls(
            phrases={p: sorted(t) for p, t in sorted(phrases.items())},
            idf=idf,
            weight=weight,
            parent={n.id: n.parent for n in taxonomy.nodes.values()},
            level={n.id: n.level for n in taxonomy.nodes.values()},
            names={n.id: n.name for n in taxonomy.nodes.values()},
            digest=digest,
            word_postings=postings,
            word_idf=word_idf,
        )

    @classmethod
    def from_phrases(
        cls,
        nodes: Iterable[tuple[str, str, str | None, Sequence[str]]],
        nlp: Language | None = None,
    ) -> Vocabulary:
        """A small vocabulary from (id, level, parent, keywords) tuples, a node's own name being its id's
        name: for tests and experiments. Names are given as the first keyword prefixed with '='."""
        from kg.taxonomy import TopicNode

        tax = Taxonomy()
        for node_id, level, parent, words in nodes:
            name = next((w[1:] for w in words if w.startswith("=")), node_id)
            kws = tuple(w for w in words if not w.startswith("="))
            tax.nodes[node_id] = TopicNode(node_id, name, level, parent=parent, keywords=kws)
        return cls.build(tax, nlp)


def _word_index(
    taxonomy: Taxonomy, nlp: Language
) -> tuple[dict[str, list[tuple[str, float]]], dict[str, float]]:
    """Each topic as a unit-length TF-IDF vector of the content words of its name (counted twice), former
    label, keywords and summary; words used by more than MAX_WORD_SHARE of the topics are left out."""
    topic_nodes = [n for n in taxonomy.nodes.values() if n.scheme == "openalex" and n.level == "topic"]
    texts = (". ".join([n.name, n.name, *n.alt_names, ", ".join(n.keywords), n.summary]) for n in topic_nodes)
    counts: dict[str, dict[str, int]] = {}
    for node, doc in zip(topic_nodes, nlp.pipe(texts, batch_size=256), strict=True):
        c: dict[str, int] = defaultdict(int)
        for tok in doc:
            if is_content_word(tok):
                c[tok.norm_] += 1
        counts[node.id] = c
    df: dict[str, int] = defaultdict(int)
    for c in counts.values():
        for w in c:
            df[w] += 1
    n = len(counts)
    word_idf = {w: math.log(n / d) for w, d in df.items() if d <= max(1, MAX_WORD_SHARE * n)}
    postings: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for tid in sorted(counts):
        vec = {w: (1.0 + math.log(k)) * word_idf[w] for w, k in counts[tid].items() if w in word_idf}
        norm = math.sqrt(sum(x * x for x in vec.values()))
        for w, x in sorted(vec.items()):
            if norm > 0 and x > 0:
                postings[w].append((tid, x / norm))
    return dict(postings), word_idf


@lru_cache(maxsize=1)
def _word_logprob() -> Any:
    from spacy.lookups import load_lookups

    return load_lookups("en", ["lexeme_prob"]).get_table("lexeme_prob")


def specificity(word: str) -> float:
    """How specific a single word is, from its English frequency: 0.1 for everyday words, 1.0 for rare ones."""
    logp = _word_logprob().get(word)
    if not isinstance(logp, float):
        return 1.0
    return min(1.0, max(0.1, (-logp - 9.0) / 5.0))


def length_factor(phrase: str) -> float:
    """1.0 for a phrase of several words; a single word is ambiguous: 0.6 × its specificity."""
    words = phrase.split(" ")
    if len(words) > 1:
        return 1.0
    return SINGLE_WORD_WEIGHT * specificity(words[0])


def _surface_variants(surface: str) -> list[str]:
    """The phrase, without a parenthesised part, and with hyphens as spaces."""
    out = [surface.strip()]
    bare = _PAREN.sub("", surface).strip()
    if bare and bare not in out:
        out.append(bare)
    for v in list(out):
        spaced = re.sub(r"(?<=\w)-(?=\w)", " ", v)
        if spaced not in out:
            out.append(spaced)
    return out


def file_digest(path: Path) -> str:
    h = hashlib.sha1()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def cached_vocabulary(
    path: Path, *, cache_dir: Path | None = None, nlp: Language | None = None
) -> Vocabulary:
    """The vocabulary for a taxonomy file, built once and pickled under .kg/cache keyed by the file's hash and
    the method version (later calls load it in a fraction of the build time)."""
    digest = file_digest(path)
    cache = (cache_dir or CACHE_DIR) / f"topics-vocab-{digest}-{METHOD}-f{VOCAB_FORMAT}.pkl"
    if cache.is_file():
        try:
            with cache.open("rb") as fh:
                vocab = pickle.load(fh)
            if isinstance(vocab, Vocabulary) and vocab.digest == digest:
                return vocab
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
            pass  # a stale or broken cache is rebuilt below
    vocab = Vocabulary.build(read_taxonomy(path), nlp, digest=digest)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        # a name of this process's own: two processes building the same cache at once (a parallel test run,
        # two commands) must not write into one file, which the first to finish would move into place half-written
        tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(vocab, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(cache)
    except OSError:
        pass  # a read-only checkout still works, it just rebuilds next time
    return vocab
