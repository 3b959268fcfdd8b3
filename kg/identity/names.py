"""Name keys as identity uses them: kg.normalize's functions, cached (the same few thousand names are normalised
millions of times while clustering)."""

from __future__ import annotations

from functools import lru_cache

from kg import normalize as _norm

split_name = lru_cache(maxsize=20_000)(_norm.split_name)
name_key = lru_cache(maxsize=20_000)(_norm.name_key)
block_key = lru_cache(maxsize=20_000)(_norm.block_key)
given_compatible = lru_cache(maxsize=50_000)(_norm.given_compatible)


@lru_cache(maxsize=20_000)
def block_keys(name: str) -> frozenset[str]:
    """Every blocking key of a name (kg.normalize.block_keys), cached."""
    return frozenset(_norm.block_keys(name))


def given_len(name: str) -> int:
    """Letters in a name's given names: how spelled-out it is ("Xiang Song" 5, "X. Song" 1)."""
    given, _ = split_name(name)
    return sum(len(g) for g in given)
