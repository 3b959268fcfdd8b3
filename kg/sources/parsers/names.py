"""Split a listing line where the title runs straight into the author list, using name shapes, not title lists."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from kg.normalize import NAME_PARTICLES, name_key

SUFFIXES = frozenset({"Jr", "Jr.", "Sr", "Sr.", "II", "III", "IV"})

_ET_AL = re.compile(r"[\s,]*\bet\s+al\.?\s*$", re.I)
_AND = re.compile(r"\s+(?:and|&)\s+")


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return (
        0x4E00 <= o <= 0x9FFF  # CJK unified ideographs
        or 0x3400 <= o <= 0x4DBF
        or 0x3040 <= o <= 0x30FF  # kana
        or 0xAC00 <= o <= 0xD7AF  # Hangul
    )


_HYPHENS = "-‐‑"  # ASCII hyphen, U+2010 and U+2011 (OpenAlex and publishers use all three inside names)
_APOSTROPHES = "'’"
# Multi-hump tokens that are ordinary family names ("McDonald", "DeLuca", "MacArthur", "LeCun", "VanderPlas").
_FAMILY_PREFIXES = (
    "Mc",
    "Mac",
    "De",
    "Di",
    "Da",
    "Du",
    "La",
    "Le",
    "Van",
    "Von",
    "Del",
    "Della",
    "Fitz",
    "Ka",
)


def _humps(part: str) -> list[str]:
    humps: list[str] = []
    cur = ""
    for ch in part:
        if ch.isupper() and cur:
            humps.append(cur)
            cur = ch
        else:
            cur += ch
    humps.append(cur)
    return humps


def _cap_part(part: str, *, compound: bool = True) -> bool:
    """'Xue', 'Łukasz', and — when `compound` — 'MohamadAli', 'McDonald': humps of one upper-case letter and
    lower-case letters."""
    if not part or not part[0].isupper():
        return False
    humps = _humps(part)
    if not all(len(h) >= 2 and h[1:].isalpha() and h[1:].islower() for h in humps):
        return False
    return compound or len(humps) == 1 or humps[0] in _FAMILY_PREFIXES


def _is_initials(tok: str) -> bool:
    """'J', 'J.', 'J.-P.', 'ZH', 'E.L.': up to three upper-case letters, each optionally dotted."""
    letters = [c for c in tok if c not in "." + _HYPHENS]
    return (
        1 <= len(letters) <= 3
        and all(c.isalpha() and c.isupper() for c in letters)
        and bool(re.fullmatch(rf"(?:[^\W\d_]\.?[{_HYPHENS}]?)+", tok))
    )


def _caps_word(tok: str) -> bool:
    """'CLIFTON', 'SÁNCHEZ‐AZOFEIFA', "D'AGOSTINO": a name written in capitals."""
    parts = re.split(rf"[{_HYPHENS}{_APOSTROPHES}]", tok)
    return all(p.isalpha() and p.isupper() for p in parts) and len(tok) >= 2


def is_name_token(tok: str, *, last: bool = False, first: bool = False) -> bool:
    """Whether one white-space token can be part of a person's name (the family name when `last`; compound
    given names like 'MohamadAli' only `first`)."""
    if not tok:
        return False
    if all(_is_cjk(c) for c in tok):
        return True
    if not last and tok in NAME_PARTICLES:
        return True
    if last and tok in SUFFIXES:
        return True
    if not last and (_is_initials(tok) or re.fullmatch(r"[A-Z][a-z]{1,3}\.", tok)):  # "J.-P.", "Ch.", "Jac."
        return True
    if any(a in tok for a in _APOSTROPHES):  # "O'Brien", "D'Angelo", "N'Diaye", "d'Ambrumenil"
        left, _, right = re.split(rf"([{_APOSTROPHES}])", tok, maxsplit=1)
        return ((len(left) == 1 and left.isalpha()) or _cap_part(left, compound=False)) and _cap_part(
            right, compound=False
        )
    parts = re.split(rf"[{_HYPHENS}]", tok)
    if all(_cap_part(p, compound=first) for p in parts):
        return True
    # a hyphenated given name with a lower-case second half: "Xiao-ming", "Jean-pierre"
    if not last and len(parts) == 2 and _cap_part(parts[0]) and parts[1].isalpha() and parts[1].islower():
        return True
    # an all-capitals family name ("Rui XUE")
    return last and _caps_word(tok)


def is_name(text: str) -> bool:
    """Whether `text` is shaped like one person's name: 2–6 name tokens (or one CJK token), ending in a family
    name (or, family-name-first, in an initial: 'Carlson Kimberly M')."""
    toks = text.split()
    if not toks or len(toks) > 6:
        return False
    if len(toks) == 1:
        return all(_is_cjk(c) for c in toks[0]) and len(toks[0]) >= 2
    if toks[-1] in SUFFIXES:
        toks = toks[:-1]
        if len(toks) < 2:
            return False
    if (
        toks[0] in NAME_PARTICLES
    ):  # a name never starts with a bare particle in a listing ("van" needs a given name)
        return False
    # a name in capitals ("JULIAN CLIFTON", "G. ARTURO SÁNCHEZ‐AZOFEIFA"): acronyms are short, names are not
    if all(_caps_word(t) or _is_initials(t) for t in toks) and any(
        len(t) >= 4 and _caps_word(t) for t in toks
    ):
        return _caps_word(toks[-1])
    if all(_caps_word(t) for t in toks):  # "GNN RAG" is an acronym pair, not a name
        return False
    last = toks[-1]
    if last in NAME_PARTICLES:
        return False
    # family name first and the given name as initials: "Carlson Kimberly M", "Shyju P J", "Masé G."
    if not is_name_token(last, last=True) and not (_is_initials(last) and _cap_part(toks[0], compound=False)):
        return False
    return all(is_name_token(t, first=(k == 0)) for k, t in enumerate(toks[:-1]))


@dataclass(frozen=True)
class Split:
    """A listing line cut into its title and its ordered author names."""

    title: str
    authors: list[str] = field(default_factory=list)
    truncated: bool = False  # the line ended with "et al."
    confident: bool = True  # False when no rule found a clean boundary (title is then the whole line)


def _known_keys(known_names: Collection[str] | None) -> set[str]:
    keys: set[str] = set()
    for n in known_names or ():
        keys.add(n if "|" in n else name_key(n))
    return keys


def _boundaries(seg: str) -> list[tuple[int, int]]:
    """(position, strength) where a name may start inside a token. Strong (1): lower→Upper ('PropagationRui'),
    digit or punctuation→Upper ('T1Zihan', '(GNNs)Rui', '$…$Wael', '--Ryo'). Weak (0): ACRONYM→Upper+lower
    ('MoEXinzhang', 'UKOliver') and the letters of an initials run ('R.T. Gahukar')."""
    out = []
    for p in range(1, len(seg)):
        c, prev = seg[p], seg[p - 1]
        if prev.isspace() or not (c.isupper() or _is_cjk(c)):
            continue
        nxt = seg[p + 1] if p + 1 < len(seg) else ""
        if prev.islower() or prev.isdigit() or _is_cjk(c) != _is_cjk(prev):
            out.append((p, 1))
        elif prev in _HYPHENS:
            if p >= 2 and (seg[p - 2] in _HYPHENS or seg[p - 2].isspace()):  # "--Ryo", not "Clutton-Brock"
                out.append((p, 1))
        elif prev == ".":
            out.append((p, 0))  # "R.T." — also after an abbreviation ending a title, rarer than initials
        elif not prev.isalnum() and prev not in _APOSTROPHES:
            out.append((p, 1))
        elif prev.isupper() and (nxt.islower() or nxt in ". "):
            out.append((p, 0))
    return out


def _title_ok(title: str) -> bool:
    t = title.strip()
    return bool(t) and any(ch.isalnum() for ch in t)


def split_title_authors(line: str, known_names: Collection[str] | None = None) -> Split:
    """Cut 'Title Of The PaperFirst Author, Second Author et al.' into the title and the author names.

    Rules, in order: a trailing "et al." marks a truncated list; the comma-separated segments at the end of the
    line that are each shaped like a name are authors; the segment before them holds the end of the title run
    straight into the first author, cut where a name starts inside a token (case boundary). Names the graph
    already knows (`known_names`: names or name keys) win over shape alone."""
    text = re.sub(r"\s+", " ", line).strip()
    truncated = bool(_ET_AL.search(text))
    text = _ET_AL.sub("", text).strip().rstrip(",").strip()
    known = _known_keys(known_names)

    segs = text.split(", ")
    # the segments at the end that are each a name (or "B and C") are authors
    tail: list[list[str]] = []
    i = len(segs) - 1
    while i >= 1:
        parts = _AND.split(segs[i])
        if len(parts) > 1 and all(is_name(p) for p in parts):
            tail.insert(0, parts)
        elif is_name(segs[i]):
            tail.insert(0, [segs[i]])
        else:
            break
        i -= 1
    # The boundary segment holds the title's end glued to the first author. If it has no clean cut, the
    # last segment taken for a name may be the glued one instead ("…, MalaysiaLydia Teh" looks like a name).
    for j in range(i, len(segs)):
        found = _cut(segs[j], known)
        if found is not None:
            head, first = found
            title = ", ".join([*segs[:j], head]) if j else head
            rest = [n for group in tail[j - i :] for n in group]
            return Split(title=title.strip(), authors=[*first, *rest], truncated=truncated)
    return Split(title=line.strip(), authors=[], truncated=truncated, confident=False)


def _cut(boundary: str, known: set[str]) -> tuple[str, list[str]] | None:
    """Where in one segment the title ends and the first author (or "A and B") begins, if anywhere."""
    best: tuple[tuple[int, int, int, int], str, list[str]] | None = None
    for p, strength in _boundaries(boundary):
        head, tail = boundary[:p], boundary[p:]
        names = [tail]
        parts = _AND.split(tail)
        if len(parts) > 1 and all(is_name(x) for x in parts):
            names = parts
        if not all(is_name(n) for n in names) or not _title_ok(head):
            continue
        is_known = int(any(name_key(n) in known for n in names))
        # Prefer names the graph knows; then plain first tokens over compounds ('TensorFlowJohn Smith' → 'John
        # Smith'); then a clean case boundary over one inside capitals or initials; then the shorter name.
        first_tok = names[0].split()[0]
        simple = int(not re.search(r"[a-z][A-Z]", first_tok))
        score = (is_known, simple, strength, p)
        if best is None or score > best[0]:
            best = (score, head, names)
    if best is None:
        return None
    return best[1], best[2]
