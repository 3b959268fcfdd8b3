"""Normalised forms of ids, titles and names: the keys identity matches on, the same whatever the source."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
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


_OPENALEX = re.compile(r"^[A-Za-z]\d+$")
_ROR = re.compile(r"^0[a-z0-9]{6}\d{2}$")


def normalize_openalex(value: str | None, kind: str = "") -> str | None:
    """'https://openalex.org/W2755950973' → 'W2755950973' (upper-case letter prefix kept)."""
    if not value:
        return None
    v = value.strip().rstrip("/").rsplit("/", 1)[-1]
    if not _OPENALEX.match(v):
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
    return v if _ROR.match(v) else None


def normalize_s2_paper(value: str | None) -> str | None:
    """A Semantic Scholar paperId (40 hex digits, from the id or a semanticscholar.org URL), lower-case."""
    if not value:
        return None
    v = value.strip().rstrip("/").rsplit("/", 1)[-1].lower()
    return v if re.fullmatch(r"[0-9a-f]{40}", v) else None


def normalize_mag(value: str | int | None) -> str | None:
    v = str(value).strip() if value is not None else ""
    return v if v.isdigit() else None


def _normalize_openalex_work(value: str | None) -> str | None:
    return normalize_openalex(value, "W")


# The ids a work is known by besides its title: each kind (the WorkIds field it is read from and the prefix of its
# typed id, "doi:…") with its normalizer, in the order identifiable_work tries them. The one table for
# identifiable_work, typed_work_ref and kg.identity.works.work_typed_ids: a new kind of work id is added here.
WORK_ID_KINDS: tuple[tuple[str, Callable[[str | None], str | None]], ...] = (
    ("doi", normalize_doi),
    ("arxiv", normalize_arxiv),
    ("openalex", _normalize_openalex_work),
    ("s2", normalize_s2_paper),
    ("mag", normalize_mag),
)
_WORK_ID_NORMALIZERS = dict(WORK_ID_KINDS)


def typed_work_ref(ref: str | None) -> str | None:
    """A cited work's typed id in its normal form ("doi:…", "arxiv:…", "openalex:W…", "s2:…", "mag:…", or
    "title:<hash>" for one known only by its title); a bare OpenAlex id or URL ("W2741809807") is an OpenAlex id;
    None for anything else."""
    if not ref:
        return None
    kind, sep, value = ref.strip().partition(":")
    kind = kind.lower()
    if sep and kind == "title":
        # a cited work known only by its title: the id of kg.identity.title_id (exact normalised title)
        return f"title:{value}" if re.fullmatch(r"[0-9a-f]{16}", value) else None
    normalizer = _WORK_ID_NORMALIZERS.get(kind) if sep else None
    if normalizer is not None:
        norm = normalizer(value)
        return f"{kind}:{norm}" if norm else None
    oa = normalize_openalex(ref, "W")
    return f"openalex:{oa}" if oa else None


_LATEX = re.compile(r"\$[^$]*\$|\\[a-zA-Z]+")
_NON_WORD = re.compile(r"[^\w\s]", re.UNICODE)


@lru_cache(maxsize=4096)  # a record asks for its title's key several times over (ids, work props, stage rows)
def title_key(title: str) -> str:
    """Titles that differ only in case, accents, punctuation, LaTeX or spacing share one key."""
    t = fold(_LATEX.sub(" ", title))
    t = _NON_WORD.sub(" ", t).replace("_", " ")
    return re.sub(r"\s+", " ", t).strip()


def identifiable_work(title: str, ids: object) -> bool:
    """Whether a work has an id to be known by (kg.identity.works.work_typed_ids): one of WORK_ID_KINDS that
    normalizes in `ids` (a kg.models.WorkIds, which this module cannot import), or a title key (a title of
    punctuation alone has none). Stops at the first that does: it runs on every work parsed."""
    for kind, normalize in WORK_ID_KINDS:  # a loop, not any(…): no generator to build per work
        if normalize(getattr(ids, kind)):
            return True
    return bool(title_key(title))


# ---- names -------------------------------------------------------------------------------------------

# Lower-case words that may start or sit inside a family name ("van der Berg", "de la Cruz", "bin Salman",
# "Ortega y Gasset"): the one list, for name keys here and for the listing splitter (kg.sources.parsers.names).
NAME_PARTICLES = frozenset(
    {
        "van",
        "von",
        "der",
        "den",
        "de",
        "del",
        "della",
        "dei",
        "di",
        "da",
        "das",
        "dos",
        "du",
        "la",
        "le",
        "bin",
        "binti",
        "al",
        "el",
        "ter",
        "ten",
        "zu",
        "y",
    }
)
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
    # (a one-letter token is an initial, "John Y Smith", never the particle "y")
    while i - 1 > 0 and len(parts[i - 1]) > 1 and parts[i - 1].lower() in NAME_PARTICLES:
        i -= 1
    given = [g for p in parts[:i] for g in re.split(r"\.", p) if g]
    return given, " ".join(parts[i:])


# Marks dropped from names: the Latin/Greek/Cyrillic diacritics, Arabic harakat and Hebrew niqqud (written or not,
# the same name). Marks that make a letter in other scripts (Devanagari vowel signs, …) are kept.
_NAME_MARKS = re.compile(
    "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
    "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0591-\u05c7]"
)


def _keep_in_key(ch: str) -> bool:
    # ASCII: letters and digits only (so Latin keys are what they always were); beyond ASCII any letter, digit,
    # mark or symbol of any script (Han, Arabic, Greek, emoji …): never punctuation, spaces or controls
    if ch < "\x80":
        return ch.isascii() and (ch.isalnum())
    return unicodedata.category(ch)[0] in "LNMS"


def name_fold(text: str) -> str:
    """A name part as a key: NFKC, Latin letters transliterated, diacritics dropped, case folded, and only letters,
    digits, marks and symbols kept, in any script ('Xiàng' → 'xiang', '王芳' → '王芳', 'Σωκράτης' → 'σωκρατησ')."""
    if text.isascii():  # the common case: letters and digits, case folded
        return "".join(ch for ch in text.casefold() if ch.isalnum())
    t = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).translate(_TRANSLIT))
    t = unicodedata.normalize("NFC", _NAME_MARKS.sub("", t)).casefold()
    return "".join(ch for ch in t if _keep_in_key(ch))


_key_part = name_fold


def name_key(name: str) -> str:
    """Exact-but-forgiving key: 'Xiang Song', 'song, xiang' and 'Xiàng Song' → 'song|xiang'. Names in any script
    keep their letters ('王芳' → '王芳|'), so two different names never share a key."""
    given, family = split_name(name)
    return f"{_key_part(family)}|{' '.join(_key_part(g) for g in given if _key_part(g))}".strip()


def block_key(name: str) -> str:
    """Blocking key for candidate search: family name and first initial ('X. Song' and 'Xiang Song' → 'song|x').
    The one key a name is filed under; `block_keys` adds the variants that may name the same person."""
    given, family = split_name(name)
    first = next((_key_part(g) for g in given if _key_part(g)), "")
    return f"{_key_part(family)}|{first[:1]}"


# Family names that East Asian authors' names carry in either order ("Wei Zhang" / "Zhang Wei"): a name whose
# first token is one of them is also filed under the swapped order. Romanised Chinese (pinyin, Wade-Giles) and
# Korean surnames, the most frequent few dozen.
_EAST_ASIAN_FAMILY = frozenset(
    """wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he lin gao luo zheng liang xie song tang
    han feng deng cao peng zeng xiao tian dong pan yuan cai jiang yu du ye cheng wei su lu ding ren shen yao jin
    fu fan fang shi tan zou xiong bai meng qin qiu hou jiang yin xue yan duan lei long tao mao hao gu kong
    kim lee park choi jung jeong kang cho yoon yun jang lim han shin oh seo kwon hwang ahn an song hong
    chang chan cheung wong leung lau ng ho tsai hsu chiu""".split()
)


def _han_syllables(text: str) -> list[str] | None:
    """A name written in Han or Hangul without spaces, as transliterated syllables ('王芳' → ['wang', 'fang']);
    None for any other name."""
    chars = [ch for ch in text if not ch.isspace()]
    if not chars or not all(
        unicodedata.name(ch, "").startswith(("CJK UNIFIED", "HANGUL SYLLABLE")) for ch in chars
    ):
        return None
    from anyascii import anyascii

    return [s for s in (name_fold(anyascii(ch)) for ch in chars) if s]


def block_keys(name: str) -> set[str]:
    """Every blocking key a name may share with another spelling of the same person: `block_key` plus variants —
    each part of a hyphenated or compound family name ('García-Molina', 'Garcia Lopez'), the family name without
    its particles ('van der Berg' → 'berg'), given and family swapped for East Asian names ('Zhang Wei'),
    and the same for the name's transliteration ('Γιώργος Παπαδόπουλος', '王芳' → 'wang|f', 'fang|w').
    Variants only find candidate pairs: whether two names fit is decided by `given_compatible` and the model."""
    keys = {block_key(name)}
    keys |= _variant_keys(name)
    if any(ord(ch) > 0x24F for ch in name):
        syllables = _han_syllables(name)
        if syllables is not None:
            if len(syllables) >= 2:
                family, given = syllables[0], "".join(syllables[1:])
                keys.add(f"{family}|{given[:1]}")
                keys.add(f"{given}|{family[:1]}")
        else:
            from anyascii import anyascii

            latin = anyascii(name)
            if latin.strip() and any(unicodedata.category(ch)[0] == "L" for ch in name):
                keys.add(block_key(latin))
                keys |= _variant_keys(latin)
    keys.discard("|")
    return {k for k in keys if not k.startswith("|")}


def _variant_keys(name: str) -> set[str]:
    given, family = split_name(name)
    gkeys = [_key_part(g) for g in given if _key_part(g)]
    initial = gkeys[0][:1] if gkeys else ""
    out: set[str] = set()
    parts = [_key_part(p) for p in re.split(r"[\s\-‐‑]+", family) if _key_part(p)]
    meaningful = [p for p in parts if p not in NAME_PARTICLES]
    for p in meaningful:
        out.add(f"{p}|{initial}")
    if len(meaningful) > 1 or len(meaningful) != len(parts):
        out.add(f"{''.join(meaningful)}|{initial}")
    # "José García Lopez": the family name may be the last two tokens
    if len(gkeys) >= 2 and "," not in name:
        out.add(f"{gkeys[-1]}|{initial}")
        out.add(f"{gkeys[-1]}{_key_part(family)}|{initial}")
    # East Asian names in either order: "Zhang Wei" is also filed as family Zhang, given Wei
    fkey = _key_part(family)
    if gkeys and (gkeys[0] in _EAST_ASIAN_FAMILY or fkey in _EAST_ASIAN_FAMILY):
        out.add(f"{gkeys[0]}|{fkey[:1]}")
    return out


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
