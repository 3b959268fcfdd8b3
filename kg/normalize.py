"""Normalised forms of ids, titles and names: the keys identity matches on, the same whatever the source."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

_TRANSLIT = str.maketrans(
    {
        "ß": "ss",
        "ø": "o",
        "Ø": "O",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "þ": "th",
        "ı": "i",
        "’": "'",
        "‘": "'",
        "‐": "-",
        "‑": "-",
        "–": "-",
        "—": "-",
    }
)


_WS = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case ASCII-ish form: accents removed, common letters transliterated, white space collapsed."""
    if text.isascii():  # nothing to decompose or transliterate (the common case, and the hot one)
        return _WS.sub(" ", text).strip().casefold()
    t = unicodedata.normalize("NFKD", text.translate(_TRANSLIT))
    t = "".join(ch for ch in t if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", t).strip().casefold()


def short_hash(text: str, n: int = 16) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:n]


_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)
_DOI_SHAPE = re.compile(r"^10\.\d{4,9}/\S+$")


def normalize_doi(value: str | None) -> str | None:
    if not value:
        return None
    v = _DOI_PREFIX.sub("", value.strip()).strip().lower()
    return v if _DOI_SHAPE.match(v) else None


_ARXIV_PREFIX = re.compile(r"^(?:arxiv:|https?://(?:www\.)?(?:export\.)?arxiv\.org/(?:abs|pdf)/)", re.I)
_ARXIV_NEW = re.compile(r"^(\d{4}\.\d{4,5})(?:v\d+)?(?:\.pdf)?$")
_ARXIV_OLD = re.compile(r"^([a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?(?:\.pdf)?$", re.I)


def normalize_arxiv(value: str | None) -> str | None:
    """'arXiv:2104.12255v1' and 'http://arxiv.org/abs/2104.12255v2' → '2104.12255'; old ids keep their archive."""
    if not value:
        return None
    v = _ARXIV_PREFIX.sub("", value.strip())
    m = _ARXIV_NEW.match(v)
    if m:
        return m.group(1)
    m = _ARXIV_OLD.match(v)
    if m:
        return m.group(1).lower()
    return None


def normalize_openalex(value: str | None, kind: str = "") -> str | None:
    """'https://openalex.org/W2755950973' → 'W2755950973' (upper-case letter prefix kept)."""
    if not value:
        return None
    v = value.strip().rstrip("/").rsplit("/", 1)[-1]
    if not re.match(r"^[A-Za-z]\d+$", v):
        return None
    v = v[0].upper() + v[1:]
    if kind and v[0] != kind.upper():
        return None
    return v


_ORCID = re.compile(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dX])", re.I)


def normalize_orcid(value: str | None) -> str | None:
    if not value:
        return None
    m = _ORCID.search(value)
    return m.group(1).upper() if m else None


def normalize_ror(value: str | None) -> str | None:
    if not value:
        return None
    v = value.strip().rstrip("/").rsplit("/", 1)[-1].lower()
    return v if re.match(r"^0[a-z0-9]{6}\d{2}$", v) else None


_LATEX = re.compile(r"\$[^$]*\$|\\[a-zA-Z]+")
_NON_WORD = re.compile(r"[^\w\s]", re.UNICODE)


def title_key(title: str) -> str:
    """Titles that differ only in case, accents, punctuation, LaTeX or spacing share one key."""
    t = fold(_LATEX.sub(" ", title))
    t = _NON_WORD.sub(" ", t).replace("_", " ")
    return re.sub(r"\s+", " ", t).strip()


# ---- names -------------------------------------------------------------------------------------------

_PARTICLES = {
    "van",
    "von",
    "der",
    "den",
    "de",
    "del",
    "della",
    "di",
    "da",
    "dos",
    "du",
    "la",
    "le",
    "bin",
    "al",
    "ter",
}
_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}


def split_name(name: str) -> tuple[list[str], str]:
    """(given names, family name) from 'Xiang Song', 'X. Song', 'Song, Xiang' or 'van der Berg, Anna'."""
    n = re.sub(r"\s+", " ", name.replace("\u00a0", " ")).strip().strip(",")
    if "," in n:
        last, _, first = n.partition(",")
        given = [g for g in re.split(r"[\s.]+", first.strip()) if g and g.lower() not in _SUFFIXES]
        return given, last.strip()
    parts = [p for p in n.split(" ") if p]
    while len(parts) > 1 and parts[-1].lower().rstrip(".") in {s.rstrip(".") for s in _SUFFIXES}:
        parts.pop()
    if len(parts) <= 1:
        return [], parts[0] if parts else ""
    # family name: last token plus any lower-case particles right before it ("van der Berg")
    i = len(parts) - 1
    while i - 1 > 0 and parts[i - 1].lower() in _PARTICLES:
        i -= 1
    given = [g for p in parts[:i] for g in re.split(r"\.", p) if g]
    return given, " ".join(parts[i:])


def _key_part(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(text))


def name_key(name: str) -> str:
    """Exact-but-forgiving key: 'Xiang Song', 'song, xiang' and 'Xiàng Song' → 'song|xiang'."""
    given, family = split_name(name)
    return f"{_key_part(family)}|{' '.join(_key_part(g) for g in given if _key_part(g))}".strip()


def block_key(name: str) -> str:
    """Blocking key for candidate search: family name and first initial ('X. Song' and 'Xiang Song' → 'song|x')."""
    given, family = split_name(name)
    first = next((_key_part(g) for g in given if _key_part(g)), "")
    return f"{_key_part(family)}|{first[:1]}"


@lru_cache(maxsize=100_000)
def _name_parts(name: str) -> tuple[str, tuple[str, ...]]:
    """(family key, given-name keys) of a name: what compatibility compares, computed once per spelling."""
    given, family = split_name(name)
    return _key_part(family), tuple(k for k in (_key_part(g) for g in given) if k)


def given_compatible(a: str, b: str) -> bool:
    """Whether two names can be the same person: same family name, and given names that agree where both
    are spelled out and agree by initial where one is abbreviated ('X. Song' ~ 'Xiang Song' ≁ 'Xin Song')."""
    fa, ka = _name_parts(a)
    fb, kb = _name_parts(b)
    if fa != fb:
        return False
    if not ka or not kb:
        return True
    # hyphenated or joined given names: "Xiao-Ming" ~ "Xiaoming"
    ja, jb = "".join(ka), "".join(kb)
    if len(ka[0]) > 1 and len(kb[0]) > 1:
        return ka[0] == kb[0] or ja == jb
    return ka[0][0] == kb[0][0]
