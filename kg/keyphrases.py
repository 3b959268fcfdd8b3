"""RAKE-style keyphrases from a spaCy Doc: runs of content words between stop words and punctuation, scored by
word degree over frequency, with a bonus for phrases the title uses."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.lexeme import Lexeme
from spacy.tokens import Doc, Token

# Words that carry no topic in a paper's abstract: RAKE splits phrases on them just as on stop words.
RESEARCH_FILLER = frozenset(
    """
    paper propose proposed proposes present presents presented show shows shown demonstrate demonstrates
    approach approaches method methods result results work works study studies novel new existing based
    using use used via also however furthermore moreover specifically respectively significantly significant
    state art experiment experiments experimental extensive comprehensive evaluate evaluation evaluations
    achieve achieves achieved outperform outperforms performance improve improves improved effective
    efficiently efficient introduce introduces first key recent recently various different several many
    well including include includes et al e.g. i.e. etc towards toward within without
    address addresses problem problems task tasks framework frameworks model models technique techniques
    yield yields enable enables allow allows provide provides leverage leverages find finds found
    """.split()
)

# Words every OpenAlex topic summary uses ("This cluster of papers explores …"): no topic signal.
SUMMARY_FILLER = frozenset(
    """
    cluster paper research researcher topic focus explore cover aspect various application impact role relate
    particular emphasis investigate examine encompass delve include understand understanding insight area field
    """.split()
)


def is_content_word(tok: Token) -> bool:
    """A word that can carry a topic: alphabetic, not a stop word, longer than two letters, not filler."""
    return content_word(tok, tok.norm_)


def content_word(word: Token | Lexeme, norm: str) -> bool:
    """is_content_word of a token, or of the lexeme of one whose normal form is `norm`."""
    return (
        word.is_alpha
        and not word.is_stop
        and len(norm) > 2
        and norm not in RESEARCH_FILLER
        and norm not in SUMMARY_FILLER
    )


MAX_WORDS = 5
TITLE_BONUS = 1.5


@dataclass(frozen=True)
class Keyphrase:
    text: str
    score: float


_BREAKS: dict[int, bool] = {}


def _is_break(tok: Token) -> bool:
    """Whether a token ends a candidate phrase; it depends on the word alone, so it is remembered per word."""
    known = _BREAKS.get(tok.orth)
    if known is None:
        if len(_BREAKS) > 500_000:
            _BREAKS.clear()
        known = _BREAKS[tok.orth] = _word_breaks(tok)
    return known


def _word_breaks(tok: Token) -> bool:
    return word_breaks(tok, tok.norm_)


def word_breaks(word: Token | Lexeme, norm: str) -> bool:
    """Whether a word (a token, or the lexeme of one whose normal form is `norm`) ends a candidate phrase."""
    low = word.lower_
    return (
        word.is_space
        or word.is_punct
        or word.like_num
        or word.like_url
        or word.like_email
        or low in STOP_WORDS
        or low in RESEARCH_FILLER
        or norm in RESEARCH_FILLER
        or not any(ch.isalpha() for ch in word.text)
    )


def _is_joiner(doc: Doc, i: int) -> bool:
    """A hyphen or slash inside a word ('large-scale', 'SDN/NFV') joins rather than splits."""
    tok = doc[i]
    if tok.text not in {"-", "/"} or i == 0 or i + 1 >= len(doc):
        return False
    return doc[i - 1].whitespace_ == "" and tok.whitespace_ == "" and not _is_break(doc[i + 1])


def _candidates(doc: Doc) -> list[list[Token]]:
    out: list[list[Token]] = []
    cur: list[Token] = []
    for i, tok in enumerate(doc):
        if _is_joiner(doc, i) and cur:
            cur.append(tok)
            continue
        if _is_break(tok):
            if cur:
                out.append(cur)
            cur = []
            continue
        cur.append(tok)
    if cur:
        out.append(cur)
    return out


# a candidate phrase: its words' normal forms, its surface text (lower case), whether it starts in the title
Phrase = tuple[tuple[str, ...], str, bool]


def keyphrases(doc: Doc, *, title_tokens: int = 0, top_k: int = 8) -> list[Keyphrase]:
    """The doc's best keyphrases (lower-case surface text), best first; ties by text. Tokens before
    `title_tokens` are the title: phrases found there score TITLE_BONUS times more."""
    phrases: list[Phrase] = []
    for cand in _candidates(doc):
        words = [t for t in cand if t.text not in {"-", "/"}]
        if not words or len(words) > MAX_WORDS:
            continue
        key = tuple(t.norm_ for t in words)
        if all(len(w) < 3 for w in key):
            continue
        surface = "".join(t.text_with_ws for t in cand).strip().lower()
        phrases.append((key, surface, cand[0].i < title_tokens))
    return ranked(phrases, top_k)


def ranked(phrases: Sequence[Phrase], top_k: int) -> list[Keyphrase]:
    """RAKE scores of the candidate phrases (in document order), best first (ties by text), the contained ones
    dropped: a phrase scores the sum over its words of degree / frequency, TITLE_BONUS times more when the title
    has it."""
    freq: dict[str, int] = {}
    degree: dict[str, int] = {}
    for key, _, _ in phrases:
        n = len(key)
        for w in key:
            freq[w] = freq.get(w, 0) + 1
            degree[w] = degree.get(w, 0) + n
    best: dict[tuple[str, ...], tuple[float, str]] = {}  # the first surface of each phrase
    in_title: set[tuple[str, ...]] = set()
    seen_count: dict[tuple[str, ...], int] = {}
    for key, surface, title in phrases:
        if title:
            in_title.add(key)
        count = seen_count.get(key)
        if count is None:
            seen_count[key] = 1
            best[key] = (sum(degree[w] / freq[w] for w in key), surface)
        else:
            seen_count[key] = count + 1
    scored: list[tuple[float, str]] = []
    for key, (score, surface) in best.items():
        title = key in in_title
        # A single word said once is rarely a keyphrase; repeated ones are.
        if len(key) == 1 and seen_count[key] == 1 and not title:
            continue
        scored.append((round(score * (TITLE_BONUS if title else 1.0), 4), surface))
    scored.sort(key=lambda k: (-k[0], k[1]))
    return [Keyphrase(text, score) for score, text in _drop_contained(scored, top_k)]


def _drop_contained(ranked: Iterable[tuple[float, str]], top_k: int) -> list[tuple[float, str]]:
    """The first `top_k` phrases, best first, that no better-ranked kept one contains: keep 'graph neural network'
    and drop a lower-ranked 'neural network' it already contains."""
    kept: list[tuple[float, str]] = []
    padded_kept: list[str] = []
    for kp in ranked:
        if len(kept) >= top_k:
            break
        padded = f" {kp[1]} "
        if any(padded in k for k in padded_kept):
            continue
        kept.append(kp)
        padded_kept.append(padded)
    return kept
