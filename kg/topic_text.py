"""A work's terms and keyphrases in one pass over its tokens, read as arrays, with what depends on the word alone
computed once per word: the same results as TermExtractor.doc_terms and keyphrases.keyphrases over the default
pipeline's Doc, at a fraction of the cost.

Over the default pipeline (spaCy's tokenizer, the lookup lemmatizer, kg_lemma_norm) everything both read of a token
but its position and its trailing space is a function of the word: the lexeme's flags (alphabetic, stop word,
punctuation, number-like, …) and the normal form kg_lemma_norm gives it, which depends on its lower case only. So the
Doc is only tokenised (the lemmatizer sets `lemma_`, which neither reads), its words' orth, trailing space and offset
are read with one `Doc.to_array`, each word is looked up once in a table, and the normal forms are set with one
`Doc.from_array` for the PhraseMatcher (it matches on NORM). tests/test_topic_text.py holds the results equal to the
token-by-token ones.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from spacy.attrs import IDX, NORM, ORTH, SPACY
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from kg.keyphrases import MAX_WORDS, Phrase, content_word, ranked, word_breaks

# the pipe names of the pipeline this reads fast (topic_vocab.build_pipeline without a trained model)
FAST_PIPES = ["lemmatizer", "kg_lemma_norm"]
JOINERS = frozenset({"-", "/"})
# words remembered per pipeline before the table starts over (the vocabulary of a large corpus stays far below)
MAX_WORDS_KEPT = 2_000_000


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    lower: str  # the text stripped and lower-cased (a one-word phrase's surface)
    norm: str
    key: tuple[str]  # (norm,): a one-word phrase's key
    long: bool  # len(norm) >= 3: a one-word phrase is kept
    norm_hash: int
    content: bool  # keyphrases.is_content_word
    breaks: bool  # ends a candidate keyphrase (keyphrases.word_breaks)
    joiner: bool  # "-" or "/"


class WordTable:
    """What the term and keyphrase passes need of each word, by orth, for one pipeline."""

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp
        # topic_vocab's kg_lemma_norm component (fast_for checked it has normal_form)
        self.normal_form: Callable[[str], str] = cast(Any, nlp.get_pipe("kg_lemma_norm")).normal_form
        self.words: dict[int, Word] = {}

    def __getitem__(self, orth: int) -> Word:
        w = self.words.get(orth)
        if w is None:
            if len(self.words) > MAX_WORDS_KEPT:
                self.words.clear()
            w = self.words[orth] = self._word(orth)
        return w

    def _word(self, orth: int) -> Word:
        vocab = self.nlp.vocab
        lex = vocab[orth]
        norm = self.normal_form(lex.lower_)
        return Word(
            text=lex.text,
            lower=lex.text.strip().lower(),
            norm=norm,
            key=(norm,),
            long=len(norm) >= 3,
            norm_hash=vocab.strings.add(norm),
            content=bool(content_word(lex, norm)),
            breaks=bool(word_breaks(lex, norm)),
            joiner=lex.text in JOINERS,
        )


def fast_for(nlp: Language) -> bool:
    """Whether this module reads the pipeline's Docs exactly (the default pipeline's components, nothing else)."""
    if list(nlp.pipe_names) != FAST_PIPES:
        return False
    return getattr(nlp.get_pipe("lemmatizer"), "mode", None) == "lookup" and hasattr(
        nlp.get_pipe("kg_lemma_norm"), "normal_form"
    )


def word_table(nlp: Language) -> WordTable:
    """The pipeline's word table, kept on its kg_lemma_norm component (it lives as long as the pipeline)."""
    component = cast(Any, nlp.get_pipe("kg_lemma_norm"))
    t: WordTable | None = getattr(component, "word_table", None)
    if t is None or t.nlp is not nlp:
        t = component.word_table = WordTable(nlp)
    return t


@dataclass
class Tokens:
    """One tokenised text: its words, trailing spaces, and how many of its tokens are the title's."""

    doc: Doc
    words: list[Word]
    spaces: list[int]
    title_tokens: int


def tokenise(nlp: Language, text: str, title_chars: int, *, norms: bool) -> Tokens:
    """The text tokenised; with `norms`, the tokens' NORM set as kg_lemma_norm sets it (for the PhraseMatcher)."""
    table = word_table(nlp)
    doc = nlp.make_doc(text)
    arr = doc.to_array([ORTH, SPACY, IDX])
    words = [table[o] for o in arr[:, 0].tolist()]
    if norms and words:
        norm_hashes = np.array([w.norm_hash for w in words], dtype=np.uint64).reshape(-1, 1)
        doc.from_array([NORM], cast(Any, norm_hashes))
    idx = arr[:, 2].tolist()
    return Tokens(doc, words, arr[:, 1].tolist(), bisect_left(idx, title_chars))


def term_counts(tokens: Tokens, title_repeat: int) -> dict[str, float]:
    """TermExtractor.doc_terms' word and word-pair counts (before the matcher's phrases), in its insertion order."""
    counts: dict[str, float] = {}
    prev: str | None = None
    prev_i = -2
    title = tokens.title_tokens
    for i, word in enumerate(tokens.words):
        if not word.content:
            continue
        w = word.norm
        weight = float(title_repeat if i < title else 1)
        counts[w] = counts.get(w, 0.0) + weight
        if prev is not None and prev_i == i - 1:
            pair = f"{prev} {w}"
            counts[pair] = counts.get(pair, 0.0) + weight
        prev, prev_i = w, i
    return counts


def phrases(tokens: Tokens) -> list[Phrase]:
    """keyphrases.keyphrases' candidate phrases, in document order: runs of words that do not break a phrase, a
    "-" or "/" between two such words, with no space around it, joining them."""
    words, spaces, title = tokens.words, tokens.spaces, tokens.title_tokens
    n = len(words)
    out: list[Phrase] = []
    run: list[Word] = []
    start = 0
    for i, w in enumerate(words):
        if not w.breaks or (
            run and w.joiner and i + 1 < n and not spaces[i - 1] and not spaces[i] and not words[i + 1].breaks
        ):
            if not run:
                start = i
            run.append(w)
            continue
        if run:
            if len(run) == 1:  # most phrases: one word (never a joiner, which needs a word before it)
                if run[0].long:
                    out.append((run[0].key, run[0].lower, start < title))
            else:
                _add(out, run, spaces, start, title)
            run = []
    if run:
        _add(out, run, spaces, start, title)
    return out


def _add(out: list[Phrase], run: list[Word], spaces: list[int], start: int, title_tokens: int) -> None:
    key = tuple([w.norm for w in run if not w.joiner])
    if not key or len(key) > MAX_WORDS or all(len(w) < 3 for w in key):
        return
    surface = "".join([w.text + " " if spaces[j] else w.text for j, w in enumerate(run, start)])
    out.append((key, surface.strip().lower(), start < title_tokens))


def keyphrase_texts(tokens: Tokens, top_k: int) -> list[str]:
    return [k.text for k in ranked(phrases(tokens), top_k)]


def terms_and_keyphrases(
    nlp: Language,
    matcher: PhraseMatcher | None,
    texts: Sequence[tuple[str, int]],
    title_repeat: int,
    top_k: int,
) -> list[tuple[dict[str, float], list[str]]]:
    """For each (text, title characters): TermExtractor.doc_terms of its Doc before the row's own terms (words,
    word pairs, then the matcher's phrases), and the texts of its `top_k` keyphrases."""
    out: list[tuple[dict[str, float], list[str]]] = []
    strings = nlp.vocab.strings
    for text, title_chars in texts:
        tokens = tokenise(nlp, text, title_chars, norms=matcher is not None)
        counts = term_counts(tokens, title_repeat)
        if matcher is not None:
            for match_id, start, _ in matcher(tokens.doc):
                key = "k:" + strings[match_id]
                counts[key] = counts.get(key, 0.0) + float(title_repeat if start < tokens.title_tokens else 1)
        out.append((counts, keyphrase_texts(tokens, top_k)))
    return out


def keyphrases_only(nlp: Language, texts: Sequence[tuple[str, int]], top_k: int) -> list[list[str]]:
    return [keyphrase_texts(tokenise(nlp, text, n, norms=False), top_k) for text, n in texts]
