"""Topics for works without source topics, keyphrases, and each researcher's derived topic profile (WORKS_ON).

Two assigners share one interface (`assign_rows`): the learned classifier of kg/topic_model.py (method
"learned-v1": the default whenever a trained model is found: `.kg/topics/topic_model.npz` from `kg topics train`,
else the one shipped in the package), and the phrase matcher below (method "vocab-v1": no training, the taxonomy
alone), kept as the fallback and as a signal the learned model reads (its taxonomy phrases).
`assign_topics(rows)` is the pure entry point (no database); `assign_for_works` runs it on works in Neo4j.

Phrase-matcher scoring (method "vocab-v1"), all documented here so a reader can check any HAS_TOPIC edge by hand:

* The vocabulary is every topic's name (and its former OpenAlex label) and its keywords, plus subfield, field and
  domain names, normalised to lower-case lookup lemmas ("Graph Neural Networks" → "graph neural network"); the
  PhraseMatcher matches on that normalised form, so case and plural variants match. A hyphenated phrase also
  matches with a space ("human computer interaction"), a parenthesised part is optional.
* A match nested inside a longer match is no evidence of its own ("neural network" inside "graph neural
  network"); overlapping matches that are not nested both count.
* A matched phrase p is worth  weight(p) × place(p) × repeat(p)  where weight(p) = idf(p) × length(p),
  idf(p) = ln(1 + N / df(p)) with N the number of OpenAlex taxonomy nodes and df(p) how many nodes use p (rare
  keywords weigh more), length = 1.0 for a phrase of several words and, for one word, 0.6 × specificity where
  specificity = clamp((−ln P(word) − 9) / 5, 0.1, 1) from spaCy's English word probabilities (spacy-lookups-data
  lexeme_prob; a word it lacks counts as rare): 'training' (ln P −9.7) counts 0.14, 'propagation' (−14.3) 1.0;
  place = 2.0 when p occurs in the title and 1.0 when only in the abstract (title matches count more);
  repeat = 1 + 0.3·ln(occurrences). Single words like 'model' or 'method' are not phrases at all.
* Words: each topic is also a unit-length TF-IDF vector of the content words (lookup lemmas, no stop words) of its
  name, former label, keywords and OpenAlex summary; words used by more than 3 % of the topics are dropped. The
  work's title and abstract make the same kind of vector (title words counted twice). Their cosine similarity
  × 150 (BOW_WEIGHT) is added to the score of the 50 most similar topics: it ranks topics whose keywords never
  occur verbatim.
* A node's raw score is the sum of its phrases' worth times the phrase kind (1.5 for a topic's own name or former
  label, 1.0 for a keyword or a subfield/field name, 0.5 for a domain name), plus the word similarity for topics.
  A subfield's support is its raw score plus its topics'; a field's is its own plus its subfields'; and so on.
  Field coherence: a topic's score is multiplied by 0.7 + 0.3 × support(its field) / support(the best field), so
  a stray match in a field the rest of the text does not support ("architecture" in a machine-learning abstract)
  ranks lower. Optional arXiv categories (a listing's "LG", "CV") multiply the score of topics under the
  category's subfield by 1.5 and under its field by 1.2.
* A topic is *clear* when its score is at least MIN_SCORE (4.0) and beats the runner-up by MARGIN (×1.03).
  Then the top-k (3) topics scoring at least max(MIN_SCORE, 0.4 × best) are assigned, best first. Otherwise the
  work falls back to the best-supported subfield (if its support reaches MIN_SCORE and is clear of the next one),
  else the best field, else nothing. Ties always break by node id, so the result is deterministic.
* The stored score is s / (s + 8), in [0, 1). Evidence lists the matched phrases (strongest first), then up to 4
  shared words the phrases do not already contain.
* Constants were chosen by a small sweep on the OpenAlex sample that bench/topics_eval.py also reports on (there
  is no held-out set), so the reported agreement is optimistic by however much that sweep overfits.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import math
import pickle
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import spacy
from neo4j import Driver
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from kg import graphdb
from kg.config import REPO_ROOT, Settings, get_settings
from kg.errors import NotFound
from kg.graphdb import catalog
from kg.keyphrases import RESEARCH_FILLER, is_content_word
from kg.keyphrases import keyphrases as rake_keyphrases
from kg.taxonomy import Taxonomy, arxiv_category_code, default_path, read_taxonomy
from kg.topic_model import (
    SECONDARY_WEIGHT,
    ScoredTopic,
    TermExtractor,
    TopicContext,
    TopicModel,
    TopicRow,
    clean_text,
)

METHOD = "vocab-v1"
METHOD_PREFIX = "vocab-"
SOURCE_METHOD = "source"
# Bump when Vocabulary.build or a constant it uses changes: the pickle cache is keyed by it (and the CSV hash).
VOCAB_FORMAT = 3

TITLE_WEIGHT = 2.0
SINGLE_WORD_WEIGHT = 0.6
REPEAT_WEIGHT = 0.3
KIND_WEIGHT = {"name": 1.5, "keyword": 1.0, "level-name": 1.0, "domain-name": 0.5}
CATEGORY_SUBFIELD_BOOST = 1.5
CATEGORY_FIELD_BOOST = 1.2
BOW_WEIGHT = 150.0
BOW_CANDIDATES = 50
MAX_WORD_SHARE = 0.03
MIN_SCORE = 4.0
MARGIN = 1.03
FIELD_COHERENCE = 0.3
RELATIVE_CUT = 0.4
TOP_K = 3
SCORE_HALF = 8.0
MAX_EVIDENCE = 8
MAX_WORD_EVIDENCE = 4
KEYPHRASES = 8
CACHE_DIR = REPO_ROOT / ".kg" / "cache"
MODEL_FILE = "topic_model.npz"
# `kg topics train` writes here; a fresh install reads the model shipped in the package
TRAINED_MODEL = REPO_ROOT / ".kg" / "topics" / MODEL_FILE
PACKAGED_MODEL = Path(__file__).resolve().parent / "data" / "topics" / MODEL_FILE
# graph context read per work: at most this many cited works, and this many other works per author
CONTEXT_LIMIT = 50

_PAREN = re.compile(r"\s*\([^)]*\)")


@dataclass(frozen=True)
class Assignment:
    """One topic given to a work: the Topic id, a score in [0, 1), and the matched phrases behind it."""

    topic_id: str
    score: float
    evidence: tuple[str, ...]
    level: str = "topic"


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
        tmp = cache.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            pickle.dump(vocab, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(cache)
    except OSError:
        pass  # a read-only checkout still works, it just rebuilds next time
    return vocab


# ---- the assigner -------------------------------------------------------------------------------------------


@dataclass
class _Match:
    key: str
    surface: str
    in_title: bool


@dataclass
class TopicAssigner:
    """Assigns taxonomy topics to a title and abstract; pure (no database)."""

    vocabulary: Vocabulary
    nlp: Language = field(default_factory=default_pipeline)
    top_k: int = TOP_K
    min_score: float = MIN_SCORE
    bow_weight: float = BOW_WEIGHT
    method: str = METHOD

    def __post_init__(self) -> None:
        self._chains: dict[str, tuple[str, ...]] = {}
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="NORM")
        for key in self.vocabulary.phrases:
            words = key.split(" ")
            pattern = Doc(self.nlp.vocab, words=words)
            for tok, w in zip(pattern, words, strict=True):
                tok.norm_ = w
            self.matcher.add(key, [pattern])

    @classmethod
    def from_taxonomy(cls, path: Path | None = None, **kw: Any) -> TopicAssigner:
        return cls(cached_vocabulary(path or default_path()), **kw)

    # -- text → Doc

    def make_doc(self, title: str | None, abstract: str | None) -> tuple[Doc, int]:
        """One Doc for title and abstract; returns it with the number of title tokens."""
        return next(self.make_docs([(title, abstract)]))

    def make_docs(
        self, items: Iterable[tuple[str | None, str | None]], batch_size: int = 256
    ) -> Iterator[tuple[Doc, int]]:
        texts: list[tuple[str, int]] = []
        for title, abstract in items:
            t, a = clean_text(title), clean_text(abstract)
            texts.append((f"{t}\n\n{a}" if a else t, len(t)))
        for doc, (_, title_chars) in zip(
            self.nlp.pipe((t for t, _ in texts), batch_size=batch_size), texts, strict=True
        ):
            title_tokens = next((tok.i for tok in doc if tok.idx >= title_chars), len(doc))
            yield doc, title_tokens

    # -- scoring

    def _matches(self, doc: Doc, title_tokens: int) -> list[_Match]:
        # Several phrases share a span only if they normalise alike, and then they are one key.
        spans = {(s, e): self.nlp.vocab.strings[m] for m, s, e in self.matcher(doc)}
        out = []
        reach = -1
        # By start, longest first: a span ending within the reach of an earlier one is nested in it. A match
        # inside a longer match is no evidence of its own ('neural network' in 'graph neural network');
        # overlapping matches that are not nested both count.
        for (start, end), key in sorted(spans.items(), key=lambda kv: (kv[0][0], -kv[0][1])):
            if end <= reach:
                continue
            reach = end
            out.append(_Match(key, doc[start:end].text.lower(), start < title_tokens))
        return out

    def assign_doc(self, doc: Doc, title_tokens: int, categories: Sequence[str] = ()) -> list[Assignment]:
        v = self.vocabulary
        worth: dict[str, float] = {}
        surfaces: dict[str, str] = {}
        occurrences: dict[str, int] = defaultdict(int)
        in_title: set[str] = set()
        for m in self._matches(doc, title_tokens):
            occurrences[m.key] += 1
            surfaces.setdefault(m.key, m.surface)
            if m.in_title:
                in_title.add(m.key)
        for key, n in occurrences.items():
            place = TITLE_WEIGHT if key in in_title else 1.0
            worth[key] = v.weight[key] * place * (1.0 + REPEAT_WEIGHT * math.log(n))

        raw: dict[str, float] = defaultdict(float)
        evidence: dict[str, dict[str, float]] = defaultdict(dict)
        for key, w in worth.items():
            for node_id, kind in v.phrases[key]:
                raw[node_id] += w * KIND_WEIGHT[kind]
                evidence[node_id][surfaces[key]] = w
        doc_words = self._doc_words(doc, title_tokens)
        if self.bow_weight:
            sims = self._word_similarity(doc_words)
            # the long tail of topics sharing one common word adds time, not signal
            for tid, cos in heapq.nlargest(BOW_CANDIDATES, sims.items(), key=lambda kv: (kv[1], kv[0])):
                raw[tid] += self.bow_weight * cos
        support: dict[str, float] = defaultdict(float)
        for node_id, sc in raw.items():
            support[node_id] += sc
            for anc in self._ancestors(node_id):
                support[anc] += sc
                for phrase, w in evidence[node_id].items() if node_id in evidence else ():
                    evidence[anc][phrase] = max(evidence[anc].get(phrase, 0.0), w)

        boost_sub, boost_field = self._category_boosts(categories)
        top_field = max((sc for nid, sc in support.items() if v.level.get(nid) == "field"), default=0.0)
        final: dict[str, float] = {}
        for node_id, sc in raw.items():
            if v.level.get(node_id) != "topic":
                continue
            sub = v.parent.get(node_id)
            fld = v.parent.get(sub) if sub else None
            score = sc
            if FIELD_COHERENCE and top_field > 0 and fld:
                # a topic in the field the whole text points at keeps its score; one in a minor field loses some
                score *= 1.0 - FIELD_COHERENCE + FIELD_COHERENCE * support[fld] / top_field
            if sub in boost_sub:
                score *= CATEGORY_SUBFIELD_BOOST
            elif sub and v.parent.get(sub) in boost_field:
                score *= CATEGORY_FIELD_BOOST
            final[node_id] = score

        ranked = sorted(final.items(), key=lambda kv: (-kv[1], kv[0]))
        if ranked and ranked[0][1] >= self.min_score and _clear(ranked):
            cut = max(self.min_score, RELATIVE_CUT * ranked[0][1])
            chosen = [(nid, sc) for nid, sc in ranked[: self.top_k] if sc >= cut]
            return [
                self._assignment(nid, sc, evidence.get(nid, {}), self._shared_words(nid, doc_words), "topic")
                for nid, sc in chosen
            ]
        for level in ("subfield", "field"):
            ranked_level = sorted(
                ((nid, sc) for nid, sc in support.items() if v.level.get(nid) == level),
                key=lambda kv: (-kv[1], kv[0]),
            )
            if ranked_level and ranked_level[0][1] >= self.min_score and _clear(ranked_level):
                nid, sc = ranked_level[0]
                # the words of the best topic beneath the fallback node stand for the word evidence
                best_below = next((t for t, _ in ranked if nid in self._ancestors(t)), None)
                words = self._shared_words(best_below, doc_words) if best_below else []
                return [self._assignment(nid, sc, evidence.get(nid, {}), words, level)]
        return []

    def _doc_words(self, doc: Doc, title_tokens: int) -> dict[str, float]:
        """The doc's content words as a unit-length TF-IDF vector (title words counted twice)."""
        idf = self.vocabulary.word_idf
        counts: dict[str, int] = defaultdict(int)
        for tok in doc:
            if tok.norm_ in idf and is_content_word(tok):
                counts[tok.norm_] += 2 if tok.i < title_tokens else 1
        vec = {w: (1.0 + math.log(k)) * idf[w] for w, k in counts.items()}
        norm = math.sqrt(sum(x * x for x in vec.values()))
        return {w: x / norm for w, x in vec.items()} if norm > 0 else {}

    def _word_similarity(self, doc_words: dict[str, float]) -> dict[str, float]:
        """Cosine similarity of the doc's word vector with every topic sharing a word with it."""
        sims: dict[str, float] = defaultdict(float)
        postings = self.vocabulary.word_postings
        for w, x in doc_words.items():
            for tid, y in postings.get(w, ()):
                sims[tid] += x * y
        return sims

    def _shared_words(self, topic_id: str, doc_words: dict[str, float]) -> list[str]:
        """The words a topic shares with the doc, by their share of the similarity (ties by word)."""
        postings = self.vocabulary.word_postings
        shared = []
        for w, x in doc_words.items():
            y = next((y for tid, y in postings.get(w, ()) if tid == topic_id), 0.0)
            if y > 0:
                shared.append((x * y, w))
        shared.sort(key=lambda p: (-p[0], p[1]))
        return [w for _, w in shared[:MAX_WORD_EVIDENCE]]

    def _ancestors(self, node_id: str) -> tuple[str, ...]:
        chain = self._chains.get(node_id)
        if chain is None:
            out = []
            cur = self.vocabulary.parent.get(node_id)
            while cur is not None:
                out.append(cur)
                cur = self.vocabulary.parent.get(cur)
            chain = self._chains[node_id] = tuple(out)
        return chain

    def _category_boosts(self, categories: Sequence[str]) -> tuple[set[str], set[str]]:
        from kg.taxonomy import ARXIV_CATEGORIES

        subs: set[str] = set()
        fields: set[str] = set()
        for c in categories:
            code = arxiv_category_code(c)
            if code is None:
                continue
            target = ARXIV_CATEGORIES[code][1]
            if self.vocabulary.level.get(target) == "subfield":
                subs.add(target)
                par = self.vocabulary.parent.get(target)
                if par:
                    fields.add(par)
            elif self.vocabulary.level.get(target) == "field":
                fields.add(target)
        return subs, fields

    def _assignment(
        self, node_id: str, score: float, ev: dict[str, float], words: Sequence[str], level: str
    ) -> Assignment:
        phrases = [p for p, _ in sorted(ev.items(), key=lambda kv: (-kv[1], kv[0]))]
        # matched phrases first; then shared words the phrases do not already contain
        said = " ".join(phrases)
        extra = [w for w in words if w not in said]
        return Assignment(
            topic_id=node_id,
            score=round(score / (score + SCORE_HALF), 4),
            evidence=tuple([*phrases, *extra][:MAX_EVIDENCE]),
            level=level,
        )

    def assign(
        self, title: str | None, abstract: str | None = None, categories: Sequence[str] = ()
    ) -> list[Assignment]:
        doc, title_tokens = self.make_doc(title, abstract)
        return self.assign_doc(doc, title_tokens, categories)

    def keyphrases(self, doc: Doc, title_tokens: int = 0, top_k: int = KEYPHRASES) -> list[str]:
        return [k.text for k in rake_keyphrases(doc, title_tokens=title_tokens, top_k=top_k)]

    def assign_rows(
        self, rows: Sequence[TopicRow], context: TopicContext | None = None
    ) -> list[tuple[list[ScoredTopic], list[str]]]:
        """The common interface: topics (as ScoredTopic) and keyphrases per row; graph context is not read."""
        pairs = self.assign_many([(r.title, r.abstract, r.categories) for r in rows])
        return [
            ([ScoredTopic(a.topic_id, a.score, self.method, a.level, a.evidence) for a in found], kps)
            for found, kps in pairs
        ]

    def assign_many(
        self, items: Sequence[tuple[str | None, str | None, Sequence[str]]], batch_size: int = 256
    ) -> list[tuple[list[Assignment], list[str]]]:
        """Topics and keyphrases for many (title, abstract, categories), through nlp.pipe."""
        out = []
        docs = self.make_docs(((t, a) for t, a, _ in items), batch_size=batch_size)
        for (_, _, cats), (doc, title_tokens) in zip(items, docs, strict=True):
            out.append((self.assign_doc(doc, title_tokens, cats), self.keyphrases(doc, title_tokens)))
        return out


def _clear(ranked: Sequence[tuple[str, float]]) -> bool:
    return len(ranked) == 1 or ranked[0][1] >= MARGIN * ranked[1][1]


@dataclass
class LearnedAssigner:
    """The learned classifier with its spaCy term extractor: one spaCy pass per work gives its terms (for the
    model) and its keyphrases."""

    model: TopicModel
    extractor: TermExtractor

    @property
    def method(self) -> str:
        return self.model.method

    @classmethod
    def load(cls, path: Path) -> LearnedAssigner:
        model = TopicModel.load(path)
        return cls(model, TermExtractor(default_pipeline(), model.phrases))

    def assign_rows(
        self, rows: Sequence[TopicRow], context: TopicContext | None = None
    ) -> list[tuple[list[ScoredTopic], list[str]]]:
        docs = list(self.extractor.docs(rows))
        terms = [self.extractor.doc_terms(doc, n, row) for row, (doc, n) in zip(rows, docs, strict=True)]
        found = self.model.assign_terms(rows, terms, context)
        kps = [[k.text for k in rake_keyphrases(doc, title_tokens=n, top_k=KEYPHRASES)] for doc, n in docs]
        return list(zip(found, kps, strict=True))


Assigner = TopicAssigner | LearnedAssigner


@lru_cache(maxsize=4)
def _assigner_for(path: Path) -> TopicAssigner:
    return TopicAssigner.from_taxonomy(path)


@lru_cache(maxsize=2)
def _learned_for(path: Path, mtime: float) -> LearnedAssigner:
    return LearnedAssigner.load(path)


def model_path() -> Path | None:
    """The model assignment uses: the one `kg topics train` wrote, else the packaged one, else none."""
    for p in (TRAINED_MODEL, PACKAGED_MODEL):
        if p.is_file():
            return p
    return None


@lru_cache(maxsize=4)
def _taxonomy_topic_ids(path: Path, mtime: float) -> frozenset[str]:
    return frozenset(n.id for n in read_taxonomy(path, with_arxiv=False).by_level("topic"))


def get_assigner(
    settings: Settings | None = None, path: Path | None = None, *, learned: bool | None = None
) -> Assigner:
    """The process-wide assigner for the taxonomy file (`path`, else the configured one): the learned model
    when one is found and it was trained on the same topics (a model knows nothing of another taxonomy's
    topics), else the phrase matcher over the taxonomy (built or loaded from the cache once). `learned=True`
    takes the model whatever the taxonomy, `learned=False` the phrase matcher."""
    tax_path = (path or default_path(settings)).resolve()
    mp = model_path() if learned is not False else None
    if mp is not None:
        found = _learned_for(mp.resolve(), mp.stat().st_mtime)
        if learned or not tax_path.is_file():
            return found
        if frozenset(found.model.topic_ids) == _taxonomy_topic_ids(tax_path, tax_path.stat().st_mtime):
            return found
    return _assigner_for(tax_path)


def assign_topics(
    rows: Sequence[TopicRow], *, context: TopicContext | None = None, assigner: Assigner | None = None
) -> list[list[ScoredTopic]]:
    """The pure entry point: for each row (work id, title, abstract, venue, categories, keyphrases, references,
    author ids), its topics (topic id, score, method, level, evidence), best first. `context` holds what the
    graph knows (source topics of other works, who wrote what); without it the graph signals stay silent."""
    a = assigner or get_assigner()
    ctx = context if context is not None else TopicContext()
    return [found for found, _ in a.assign_rows(rows, ctx)]


# ---- the graph -----------------------------------------------------------------------------------------------


def _chunks(seq: Sequence[Any], n: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def assign_for_works(
    driver: Driver,
    work_ids: Sequence[str],
    *,
    assigner: Assigner | None = None,
    settings: Settings | None = None,
) -> int:
    """Assign topics to the given works that have no source topics (no HAS_TOPIC {method: "source"} to an
    OpenAlex topic), replacing their earlier assigned topics (any method but "source"), and store keyphrases on
    every given work. The graph context (source topics of cited works and of the authors' other works) is read
    with the text. Works with source topics keep those and lose any stale assigned edge. Returns how many works
    got topics."""
    s = settings or get_settings()
    ids = list(dict.fromkeys(work_ids))
    if not ids:
        return 0
    a = assigner or get_assigner(s)
    ensure_topic_nodes(driver, settings=s)
    assigned = 0
    for batch in _chunks(ids, max(1, s.derive_batch_size)):
        rows = graphdb.run(
            driver,
            catalog.query("topics/works_to_assign"),
            {
                "ids": list(batch),
                "source": SOURCE_METHOD,
                "scheme": "openalex",
                "context_limit": CONTEXT_LIMIT,
            },
            settings=s,
        )
        todo = [r for r in rows if not r["has_source"]]
        sourced = [r for r in rows if r["has_source"]]
        topic_rows, context = graph_rows(todo)
        out_rows = []
        for r, (found, kps) in zip(todo, a.assign_rows(topic_rows, context), strict=True):
            out_rows.append(
                {
                    "id": r["id"],
                    "keyphrases": kps,
                    "topics": [
                        {"id": x.topic_id, "score": x.score, "evidence": list(x.evidence)} for x in found
                    ],
                }
            )
            assigned += bool(found)
        # works with source topics get keyphrases only (and lose any stale assigned edge)
        docs = default_pipeline_docs(sourced)
        for r, (doc, title_tokens) in zip(sourced, docs, strict=True):
            kps = [k.text for k in rake_keyphrases(doc, title_tokens=title_tokens, top_k=KEYPHRASES)]
            out_rows.append({"id": r["id"], "keyphrases": kps, "topics": []})
        graphdb.run(
            driver,
            catalog.query("topics/write_assigned"),
            {"rows": out_rows, "method": a.method, "source": SOURCE_METHOD},
            write=True,
            settings=s,
        )
    return assigned


def graph_rows(records: Sequence[dict[str, Any]]) -> tuple[list[TopicRow], TopicContext]:
    """TopicRows and their graph context from `topics/works_to_assign` rows (pure)."""
    ctx = TopicContext()
    rows = []
    for r in records:
        cited = [c for c in r.get("cited") or [] if c]
        authors = [a for a in r.get("authors") or [] if a]
        for c in cited:
            ctx.work_topics[c["id"]] = _weighted(c["topics"])
        for a in authors:
            for o in a["works"] or []:
                if o:
                    ctx.work_topics[o["id"]] = _weighted(o["topics"])
                    ctx.author_works.setdefault(a["id"], []).append(o["id"])
        rows.append(
            TopicRow(
                work_id=r["id"],
                title=r.get("title") or "",
                abstract=r.get("abstract") or "",
                venue=r.get("venue") or "",
                categories=tuple(r.get("categories") or ()),
                references=tuple(c["id"] for c in cited),
                author_ids=tuple(a["id"] for a in authors),
            )
        )
    return rows, ctx


def _weighted(topic_ids: Sequence[str]) -> list[tuple[str, float]]:
    """Source topics best first → label weights as in training: the primary 1.0, the others less."""
    return [(t, 1.0 if i == 0 else SECONDARY_WEIGHT) for i, t in enumerate(topic_ids)]


def default_pipeline_docs(records: Sequence[dict[str, Any]]) -> list[tuple[Doc, int]]:
    rows = [
        TopicRow(work_id=r["id"], title=r.get("title") or "", abstract=r.get("abstract") or "")
        for r in records
    ]
    return list(TermExtractor(default_pipeline()).docs(rows)) if rows else []


def ensure_topic_nodes(driver: Driver, *, settings: Settings | None = None) -> None:
    """Load the taxonomy when the graph has no OpenAlex topics yet (assigned edges need their Topic nodes)."""
    s = settings or get_settings()
    rows = graphdb.run(
        driver, catalog.query("topics/count_topics"), {"scheme": "openalex", "level": "topic"}, settings=s
    )
    if not rows or rows[0]["n"] == 0:
        from kg.taxonomy import load_taxonomy

        load_taxonomy(driver, settings=s)


def work_ids_to_assign(
    driver: Driver, *, everything: bool = False, settings: Settings | None = None
) -> list[str]:
    """Ids of works to (re-)assign: all works, or only those with no topics at all."""
    s = settings or get_settings()
    rows = graphdb.run(driver, catalog.query("topics/work_ids"), {"all": everything}, settings=s)
    return [r["id"] for r in rows]


def refresh_researcher_topics(
    driver: Driver,
    researcher_ids: Sequence[str] | None = None,
    *,
    settings: Settings | None = None,
) -> int:
    """Rebuild (Researcher)-[:WORKS_ON {weight, works}]->(Topic) for the given researchers (None = everyone).

    Weighting: each authored work spreads one unit over its OpenAlex-scheme topics in proportion to the
    HAS_TOPIC scores (a work with three topics counts once, not three times; equal shares when scores are
    missing). weight = the sum of those shares over the researcher's works (rounded to 4 places), works = how
    many of their works have the topic, top_works = how many have it as their best topic (highest score, ties by
    topic id): the topics with top_works > 0 are the profile's headline topics. arXiv categories are left out:
    they restate the OpenAlex subfields.
    Returns how many researchers have a profile after the refresh."""
    s = settings or get_settings()
    ids = list(researcher_ids) if researcher_ids is not None else None
    if ids is None:
        ids = [r["id"] for r in graphdb.run(driver, catalog.query("topics/researcher_ids"), {}, settings=s)]
    total = 0
    for batch in _chunks(ids, max(1, s.derive_batch_size)):
        rows = graphdb.run(
            driver,
            catalog.query("topics/refresh_works_on"),
            {"ids": list(batch), "schemes": ["openalex"]},
            write=True,
            settings=s,
        )
        total += int(rows[0]["profiles"]) if rows else 0
    return total


def show_work_topics(driver: Driver, work_id: str, *, settings: Settings | None = None) -> dict[str, Any]:
    """A work's title, keyphrases and topics (with level, score, method and evidence), best first."""
    s = settings or get_settings()
    rows = graphdb.run(driver, catalog.query("topics/work_topics"), {"id": work_id}, settings=s)
    if not rows:
        raise NotFound(f"no work with id {work_id}")
    return rows[0]


def to_json(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, default=str)
