"""The phrase matcher (method "vocab-v1"): taxonomy topics for a title and abstract from the phrases and words of
kg/topic_vocab.py; pure (no database), the fallback when no learned model fits and a signal the learned model reads.

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

import heapq
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from kg.keyphrases import is_content_word
from kg.keyphrases import keyphrases as rake_keyphrases
from kg.taxonomy import arxiv_category_code, default_path
from kg.topic_model import ScoredTopic, TopicContext, TopicRow, clean_text
from kg.topic_vocab import METHOD, Vocabulary, cached_vocabulary, default_pipeline

TITLE_WEIGHT = 2.0
REPEAT_WEIGHT = 0.3
KIND_WEIGHT = {"name": 1.5, "keyword": 1.0, "level-name": 1.0, "domain-name": 0.5}
CATEGORY_SUBFIELD_BOOST = 1.5
CATEGORY_FIELD_BOOST = 1.2
BOW_WEIGHT = 150.0
BOW_CANDIDATES = 50
MIN_SCORE = 4.0
MARGIN = 1.03
FIELD_COHERENCE = 0.3
RELATIVE_CUT = 0.4
TOP_K = 3
SCORE_HALF = 8.0
MAX_EVIDENCE = 8
MAX_WORD_EVIDENCE = 4
KEYPHRASES = 8


@dataclass(frozen=True)
class Assignment:
    """One topic given to a work: the Topic id, a score in [0, 1), and the matched phrases behind it."""

    topic_id: str
    score: float
    evidence: tuple[str, ...]
    level: str = "topic"


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
