"""Opaque cursors for keyset pagination: the sort key of the last item, tied to the list it came from."""

from __future__ import annotations

import base64
import binascii
import json
import math
from typing import Any

from kg.errors import KGError


class InvalidCursor(KGError):
    """A cursor that this API did not hand out for this list."""


def encode(kind: str, key: list[Any]) -> str:
    raw = json.dumps({"t": kind, "k": key}, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode(kind: str, cursor: str, types: tuple[type | tuple[type, ...], ...]) -> list[Any]:
    """The key inside a cursor, checked against the list kind and the key's element types."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8"))
    except (ValueError, UnicodeError, binascii.Error) as e:
        raise InvalidCursor("cursor is not one this API handed out") from e
    if not isinstance(data, dict) or data.get("t") != kind or not isinstance(data.get("k"), list):
        raise InvalidCursor(f"cursor does not belong to this list ({kind})")
    key = data["k"]
    if len(key) != len(types) or not all(
        isinstance(v, t) and _sendable(v) for v, t in zip(key, types, strict=True)
    ):
        raise InvalidCursor("cursor is malformed")
    return key


def _sendable(v: Any) -> bool:
    """A value Neo4j can take as a parameter: no bools posing as numbers, 64-bit integers, finite floats."""
    if isinstance(v, bool):
        return False
    if isinstance(v, int):
        return -(2**63) <= v < 2**63
    if isinstance(v, float):
        return math.isfinite(v)
    return isinstance(v, str)
