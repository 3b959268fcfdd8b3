"""Full-text tokens of a slot's evidence, for the batch loader's candidate search in large name blocks (kg.store):
each researcher carries `identity_keys`, and an incoming slot's probe finds the researchers it could join."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache

from kg.identity.context import SlotContext
from kg.identity.names import block_key
from kg.normalize import short_hash


def _features(c: SlotContext) -> set[str]:
    f = (
        {f"co:{x}" for x in c.coauthors}
        | {f"t:{x}" for x in c.topics}
        | {f"i:{x}" for x in c.slot.institutions}
    )
    if c.venue:
        f.add(f"v:{c.venue.casefold()}")
    return f


_STRONG_KINDS = ("orcid", "openalex", "profile", "src")

# Candidate search in large blocks (kg.store): each researcher carries `identity_keys`, full-text tokens of the
# evidence its slots could link by (one per blocking key and feature) plus one token per kind of strong id it does
# NOT hold. A probe for an incoming slot asks the full-text index for researchers sharing any of its tokens and
# free of every kind of strong id the slot has (a different id of the same kind could never join it; the same id
# is looked up directly), so Lucene ranks by shared rare evidence and the store reads a bounded set of candidates.
FREE_TOKENS = {"orcid": "no_orcid", "openalex": "no_openalex", "profile": "no_profile", "src": "no_src"}
MAX_PROBE_TOKENS = 400  # Lucene's default limit is 1,024 clauses a query


@lru_cache(maxsize=200_000)
def feature_token(block: str, feature: str) -> str:
    return short_hash(f"{block}\x1f{feature}", 12)


def slot_tokens(c: SlotContext) -> list[str]:
    b = block_key(c.slot.name)
    return sorted({feature_token(b, f) for f in _features(c)})


def id_token(typed_id: str) -> str:
    """The identity_keys token of one strong id held by a researcher ("csv:p2", "orcid:0000-…")."""
    return "id_" + short_hash(f"id\x1f{typed_id}", 12)


def typed_strong_ids(strong: Mapping[str, Iterable[str]]) -> set[str]:
    """Strong ids by kind as one set of typed ids: a source's author id is typed already ("csv:p2")."""
    return {v if k == "src" else f"{k}:{v}" for k, vs in strong.items() for v in vs}


def identity_keys(members: Iterable[SlotContext], strong: dict[str, list[str]]) -> str:
    """The `identity_keys` string of a researcher: its slots' feature tokens, its strong-id kind tokens, and one
    token per strong id it holds (kg.store finds a researcher by any of them, not only by its own id)."""
    tokens = {t for c in members for t in slot_tokens(c)}
    tokens.update(tok for k, tok in FREE_TOKENS.items() if not strong.get(k))
    tokens.update(id_token(x) for x in typed_strong_ids(strong))
    return " ".join(sorted(tokens))


def probe_query(c: SlotContext) -> str | None:
    """The full-text query finding the researchers an incoming slot could join by evidence (None: no evidence)."""
    tokens = slot_tokens(c)[:MAX_PROBE_TOKENS]
    if not tokens:
        return None
    required = sorted(FREE_TOKENS[k] for k in _STRONG_KINDS if c.slot.strong(k))
    return "+(" + " ".join(tokens) + ")" + "".join(f" +{t}" for t in required)
