"""The stored rows of a block of suggestions, built column-wise: per source [id, targets, scores, reasons, digest].

Byte for byte what kg.discover's per-suggestion definitions make (reasons_text: the compact JSON of
suggestion_reasons.STORED_FORMAT; digest: blake2b over the three lists as compact JSON; numbers as
repr(round(x, DIGITS))), but with no Python object or format call per suggestion: each distinct number is formatted
once (Python's own round and repr, so the text cannot drift from the definition), the pieces are gathered into
token arrays with numpy, and a whole block's texts come out of one str.join and one str.split at a separator no
JSON text holds (JSON escapes every control character). A run over 1.7M researchers formats some 17M suggestions;
one object and a dozen format calls each was most of its time.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from json.encoder import encode_basestring  # what json.dumps(…, ensure_ascii=False) escapes strings with
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from kg.derive.suggestion_reasons import STORED_FORMAT
from kg.linkpred import FEATURES, IntArray, Ragged, SuggestionBlock

DIGITS = 6  # stored numbers are round(x, DIGITS)
NO_DIGEST = 0  # a researcher without stored suggestions
ObjArray = npt.NDArray[np.object_]
_CUT = "\x00"  # never in a JSON text (escaped as \u0000), so it cuts a joined block back into its texts


@dataclass(frozen=True)
class Names:
    """The ids a stored row names, as object arrays indexed like the EdgeList: researcher ids as they are (the
    target lists), and JSON-escaped researcher, topic and institution ids and venue names (the reasons)."""

    researchers: ObjArray
    researchers_json: ObjArray
    topics_json: ObjArray
    institutions_json: ObjArray
    venues_json: ObjArray

    @classmethod
    def of(
        cls, researchers: list[str], topics: list[str], institutions: list[str], venues: list[str]
    ) -> Names:
        def escaped(xs: list[str]) -> ObjArray:
            return _objects([encode_basestring(x) for x in xs])

        return cls(_objects(researchers), escaped(researchers), escaped(topics), escaped(institutions),
                   escaped(venues))  # fmt: skip


def _objects(xs: list[Any]) -> ObjArray:
    out = np.empty(len(xs), dtype=object)
    out[:] = xs
    return out


def _numbers(values: npt.NDArray[Any]) -> tuple[IntArray, list[float]]:
    """(for each value the index of its distinct value, the distinct values rounded to DIGITS). Distinct by bit
    pattern, so −0.0 keeps its '-0.0'; found by Arrow's hash-based dictionary encoding (O(n): numpy's unique sorts,
    ≈ 25× slower here); rounded by Python's own round, once per distinct value."""
    bits = np.ascontiguousarray(values, dtype=np.float64).ravel().view(np.int64)
    coded = pa.array(bits).dictionary_encode()
    distinct = coded.dictionary.to_numpy().view(np.float64).tolist()
    return coded.indices.to_numpy(), [round(x, DIGITS) for x in distinct]


def number_texts(values: npt.NDArray[Any]) -> ObjArray:
    """repr(round(x, DIGITS)) of each value (flattened), as an object array."""
    index, nums = _numbers(values)
    return _objects(list(map(repr, nums)))[index]


# A part of m rows of text: one string for every row, a column of m strings, or a ragged list per row given as
# (ptr, the item's tokens: each one string for every item or a column of one string per item).
Part = str | ObjArray | tuple[IntArray, list[str | ObjArray]]


def _rows(m: int, parts: list[Part]) -> list[str]:
    """The m rows of text the parts make, concatenated left to right: every token placed at its position in one
    object array, then one str.join and one str.split for the whole block."""
    lens = np.ones(m, dtype=np.int64)  # the cut after each row
    for part in parts:
        lens += len(part[1]) * np.diff(part[0]) if isinstance(part, tuple) else 1
    cursor = np.zeros(m, dtype=np.int64)
    np.cumsum(lens[:-1], out=cursor[1:])
    tokens = np.empty(int(lens.sum()), dtype=object)
    for part in parts:
        if not isinstance(part, tuple):
            tokens[cursor] = part
            cursor += 1
            continue
        ptr, item = part
        count = np.diff(ptr)
        row = np.repeat(np.arange(m, dtype=np.int64), count)
        at = cursor[row] + (np.arange(len(row), dtype=np.int64) - ptr[row]) * len(item)
        for k, token in enumerate(item):
            tokens[at + k] = token
        cursor += len(item) * count
    tokens[cursor] = _CUT
    return "".join(tokens.tolist()).split(_CUT)[:-1]


def _separators(ptr: IntArray, last: str = "", other: str = ",") -> ObjArray:
    """For each item of ragged lists, the text after it: `other` between items, `last` after a list's last."""
    out = np.full(int(ptr[-1]), other, dtype=object)
    ends = ptr[1:][np.diff(ptr) > 0] - 1
    out[ends] = last
    return out


def _pairs(r: Ragged, keys: ObjArray, values: npt.NDArray[Any]) -> tuple[IntArray, list[str | ObjArray]]:
    """Ragged '[key,number]' items, comma-separated."""
    return r.ptr, ["[", keys[r.key], ",", number_texts(values), _separators(r.ptr, "]", "],")]


def _triples(
    r: Ragged, keys: ObjArray, values: npt.NDArray[Any], flags: npt.NDArray[Any]
) -> tuple[IntArray, list[str | ObjArray]]:
    """Ragged '[key,number,0|1]' items, comma-separated."""
    return r.ptr, ["[", keys[r.key], ",", number_texts(values), _objects([",0", ",1"])[flags.astype(np.int64)],
                   _separators(r.ptr, "]", "],")]  # fmt: skip


def stored_texts(block: SuggestionBlock, names: Names) -> list[str]:
    """The stored reasons of every suggestion of the block: kg.discover.reasons_text's bytes."""
    m = len(block)
    if m == 0:
        return []
    f = len(FEATURES)
    index, nums = _numbers(np.column_stack([block.features, block.contributions, block.open_boost]))
    index = index.reshape(m, 2 * f + 1)
    text = list(map(repr, nums))
    plain, comma = _objects(text), _objects([t + "," for t in text])

    def listed(first: int) -> list[Part]:
        out: list[Part] = [comma[index[:, j]] for j in range(first, first + f - 1)]
        return [*out, plain[index[:, first + f - 1]]]

    insts = block.institutions
    return _rows(m, [
        f'{{"v":{STORED_FORMAT},"f":[', *listed(0), '],"w":[', *listed(f), '],"o":', plain[index[:, 2 * f]],
        ',"n":', _objects(list(map(str, block.shared_coauthor_count.tolist()))),
        ',"c":[', _triples(block.coauthors, names.researchers_json, block.coauthors.a, block.coauthors.b > 0),
        '],"t":[', _pairs(block.topics, names.topics_json, np.minimum(block.topics.a, block.topics.b)),
        '],"i":[', (insts.ptr, [names.institutions_json[insts.key], _separators(insts.ptr)]),
        '],"s":[', _pairs(block.venues, names.venues_json, np.minimum(block.venues.a, block.venues.b)),
        "]}",
    ])  # fmt: skip


def _escaped(texts: list[str]) -> ObjArray:
    """json.dumps(text, ensure_ascii=False) of each text without its quotes: the whole block escaped by one call, cut back at the
    escaped separator (escaping is character by character). A text that holds the separator's escape itself
    (an id with a NUL character) would cut wrong: then each text is escaped alone."""
    joined = _CUT.join(texts)
    if "\\u0000" not in joined:
        parts = encode_basestring(joined)[1:-1].split("\\u0000")
        if len(parts) == len(texts):
            return _objects(parts)
    return _objects([encode_basestring(x)[1:-1] for x in texts])


def digests(payloads: list[str]) -> IntArray:
    """kg.discover.digest of each compact JSON payload: blake2b-64, shifted to 63 bits, 0 made 1."""
    raw = b"".join(hashlib.blake2b(p.encode(), digest_size=8).digest() for p in payloads)
    out = (np.frombuffer(raw, dtype=">u8") >> np.uint64(1)).astype(np.int64)
    out[out == 0] = 1
    return out


def changed_rows(block: SuggestionBlock, batch: IntArray, names: Names, stored: IntArray) -> list[list[Any]]:
    """The write rows [id, targets, scores, reasons, digest] of the block's sources whose lists differ from the
    stored ones (stored: each researcher's stored digest, NO_DIGEST for none) — and [id, null, null, null, null]
    for a source of the batch that has a digest stored but no suggestions now."""
    rows: list[list[Any]] = []
    changed = np.zeros(0, dtype=np.int64)
    runs = block.source_runs()
    sources = block.source[runs[:-1]]
    if len(block):
        texts = stored_texts(block, names)
        score_index, scores = _numbers(block.score)
        sep = _separators(runs)
        payloads = _rows(len(sources), [
            "[[", (runs, [names.researchers_json[block.target], sep]),
            "],[", (runs, [_objects(list(map(repr, scores)))[score_index], sep]),
            "],[", (runs, ['"', _escaped(texts), _separators(runs, '"', '",')]),
            "]]",
        ])  # fmt: skip
        new = digests(payloads)
        changed = np.flatnonzero(new != stored[sources])
        if len(changed):
            targets = names.researchers[block.target].tolist()
            score_list = _objects(scores)[score_index].tolist()
            bounds = runs.tolist()
            for k, i, d in zip(
                changed.tolist(), sources[changed].tolist(), new[changed].tolist(), strict=True
            ):
                a, b = bounds[k], bounds[k + 1]
                rows.append([names.researchers[i], targets[a:b], score_list[a:b], texts[a:b], d])
    gone = np.setdiff1d(batch[stored[batch] != NO_DIGEST], sources)
    if not len(gone):
        return rows
    # in the batch's order, as the sources came
    at = np.r_[sources[changed], gone]
    sorter = np.argsort(batch, kind="stable")
    order = np.argsort(sorter[np.searchsorted(batch, at, sorter=sorter)], kind="stable")
    rows += [[names.researchers[i], None, None, None, None] for i in gone.tolist()]
    return [rows[k] for k in order.tolist()]
