"""Split a listing line where the title runs straight into the author list, using name shapes, not title lists."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from kg.normalize import name_key

# Lower-case words that may start or sit inside a family name ("van der Berg", "de la Cruz", "bin Salman").
PARTICLES = frozenset(
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


def _cap_part(part: str) -> bool:
    """'Xue', 'MohamadAli', 'McDonald', 'DeAndre', 'Łukasz': humps of one upper-case and then lower-case letters."""
    if not part or not part[0].isupper():
        return False
    humps: list[str] = []
    cur = ""
    for ch in part:
        if ch.isupper() and cur:
            humps.append(cur)
            cur = ch
        else:
            cur += ch
    humps.append(cur)
    return all(len(h) >= 2 and h[1:].isalpha() and h[1:].islower() for h in humps)


def _is_initials(tok: str) -> bool:
    """'J', 'J.', 'J.-P.', 'ZH', 'E.L.': up to three upper-case letters, each optionally dotted."""
    letters = [c for c in tok if c not in ".-"]
    return (
        1 <= len(letters) <= 3
        and all(c.isalpha() and c.isupper() for c in letters)
        and bool(re.fullmatch(r"(?:[^\W\d_]\.?-?)+", tok))
    )


def is_name_token(tok: str, *, last: bool = False) -> bool:
    """Whether one white-space token can be part of a person's name (the family name when `last`)."""
    if not tok:
        return False
    if all(_is_cjk(c) for c in tok):
        return True
    if not last and tok in PARTICLES:
        return True
    if last and tok in SUFFIXES:
        return True
    if not last and (_is_initials(tok) or re.fullmatch(r"[A-Z][a-z]\.", tok)):  # "J.-P.", "Ch."
        return True
    if "'" in tok or "’" in tok:  # "O'Brien", "D'Angelo", "N'Diaye"
        left, _, right = re.split(r"(['’])", tok, maxsplit=1)
        return ((len(left) == 1 and left.isupper()) or _cap_part(left)) and _cap_part(right)
    parts = tok.split("-")
    if all(_cap_part(p) for p in parts):
        return True
    # a hyphenated given name with a lower-case second half: "Xiao-ming", "Jean-pierre"
    if not last and len(parts) == 2 and _cap_part(parts[0]) and parts[1].isalpha() and parts[1].islower():
        return True
    # an all-capitals family name ("Rui XUE") — only as the last token, never a whole name
    return last and len(tok) >= 2 and tok.isalpha() and tok.isupper()


def is_name(text: str) -> bool:
    """Whether `text` is shaped like one person's name: 2–6 name tokens (or one CJK token), ending in a family name."""
    toks = text.split()
    if not toks or len(toks) > 6:
        return False
    if len(toks) == 1:
        return all(_is_cjk(c) for c in toks[0]) and len(toks[0]) >= 2
    if toks[-1] in SUFFIXES:
        toks = toks[:-1]
        if len(toks) < 2:
            return False
    if not is_name_token(toks[-1], last=True) or toks[-1] in PARTICLES:
        return False
    if (
        toks[0] in PARTICLES
    ):  # a name never starts with a bare particle in a listing ("van" needs a given name)
        return False
    if all(
        t.isupper() and len(t) > 1 and t.isalpha() for t in toks
    ):  # "GNN RAG" is an acronym pair, not a name
        return False
    return all(is_name_token(t) for t in toks[:-1])


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


def _boundaries(seg: str) -> list[int]:
    """Positions inside a token where a name may start: lower→Upper ('PropagationRui'), digit or closing
    punctuation→Upper ('T1Zihan', '(GNNs)Rui'), and ACRONYM→Upper+lower ('MoEXinzhang', 'GNNJ. Smith')."""
    out = []
    for p in range(1, len(seg)):
        c, prev = seg[p], seg[p - 1]
        if prev.isspace() or not (c.isupper() or _is_cjk(c)):
            continue
        nxt = seg[p + 1] if p + 1 < len(seg) else ""
        if (
            prev.islower()
            or prev.isdigit()
            or prev in ")]}?!.:;'\"’”"
            or _is_cjk(c) != _is_cjk(prev)
            or (prev.isupper() and (nxt.islower() or nxt in ". "))
        ):
            out.append(p)
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
    # the last segment may hold "B and C": split it when both sides are names
    tail_names: list[str] = []
    i = len(segs) - 1
    while i >= 1:
        seg = segs[i]
        parts = _AND.split(seg)
        if len(parts) > 1 and all(is_name(p) for p in parts):
            tail_names = parts + tail_names
        elif is_name(seg):
            tail_names.insert(0, seg)
        else:
            break
        i -= 1
    head_segs = segs[: i + 1]
    boundary = head_segs[-1]
    prefix = ", ".join(head_segs[:-1])

    # "… and First Author" inside the boundary segment ("A Title Smith and John Doe") is rare; the boundary
    # segment usually ends with exactly one name glued to the title.
    best: tuple[tuple[int, int, int], int, str] | None = None
    for p in _boundaries(boundary):
        head, tail = boundary[:p], boundary[p:]
        names = [tail]
        parts = _AND.split(tail)
        if len(parts) > 1 and all(is_name(x) for x in parts):
            names = parts
        if not all(is_name(n) for n in names) or not _title_ok(head):
            continue
        is_known = int(any(name_key(n) in known for n in names))
        # Prefer names the graph knows, then plain names over ones whose first token is itself a compound
        # ('TensorFlowJohn Smith' → 'John Smith'), then the later boundary (shorter name).
        first_tok = names[0].split()[0]
        simple = int(not re.search(r"[a-z][A-Z]", first_tok))
        score = (is_known, simple, p)
        if best is None or score > best[0]:
            best = (score, p, boundary)
    if best is None:
        # no rule found where the title ends: give the whole line back as the title, flagged
        return Split(title=line.strip(), authors=[], truncated=truncated, confident=False)
    _, p, _ = best
    head, tail = boundary[:p], boundary[p:]
    parts = _AND.split(tail)
    first = parts if len(parts) > 1 and all(is_name(x) for x in parts) else [tail]
    title = f"{prefix}, {head}" if prefix else head
    return Split(title=title.strip(), authors=[*first, *tail_names], truncated=truncated)
