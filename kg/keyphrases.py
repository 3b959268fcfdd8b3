"""RAKE-style keyphrases from a spaCy Doc: runs of content words between stop words and punctuation, scored by
word degree over frequency, with a bonus for phrases the title uses."""

from __future__ import annotations

from collections import defaultdict
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
    """RAKE scores of the candidate phrases (in document order), best first, the contained ones dropped."""
    freq: dict[str, int] = defaultdict(int)
    degree: dict[str, int] = defaultdict(int)
    for key, _, _ in phrases:
        for w in key:
            freq[w] += 1
            degree[w] += len(key)
    best: dict[tuple[str, ...], tuple[float, str]] = {}
    in_title: set[tuple[str, ...]] = {k for k, _, t in phrases if t}
    seen_count: dict[tuple[str, ...], int] = defaultdict(int)
    for key, surface, _ in phrases:
        seen_count[key] += 1
        if key in best:
            continue
        score = sum(degree[w] / freq[w] for w in key)
        best[key] = (score, surface)
    out: list[Keyphrase] = []
    for key, (score, surface) in best.items():
        s = score * (TITLE_BONUS if key in in_title else 1.0)
        # A single word said once is rarely a keyphrase; repeated ones are.
        if len(key) == 1 and seen_count[key] == 1 and key not in in_title:
            continue
        out.append(Keyphrase(surface, round(s, 4)))
    out.sort(key=lambda k: (-k.score, k.text))
    return _drop_contained(out)[:top_k]


def _drop_contained(ranked: Iterable[Keyphrase]) -> list[Keyphrase]:
    """Keep 'graph neural network' and drop a lower-ranked 'neural network' it already contains."""
    kept: list[Keyphrase] = []
    for kp in ranked:
        padded = f" {kp.text} "
        if any(padded in f" {k.text} " for k in kept):
            continue
        kept.append(kp)
    return kept
