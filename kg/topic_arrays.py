"""Array helpers of the topic model's ranking, exact to the orders it depends on: the k largest of a row (`top`)
and their members for a whole batch, and a work's terms shared with a topic's prototype in scipy's product order.

The candidates and the evidence of kg/topic_model.py used to be computed per work with argpartition and per-work
sparse matrices; these give the same members and the same order for a batch at a time. tests/test_topic_text.py holds
them equal to the per-work forms, ties included.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

# a CSR row's columns sorted, their values (None when a column repeats), and whether they were stored sorted
SortedRow = tuple[np.ndarray, np.ndarray | None, bool]


def sorted_row(m: sp.csr_matrix, i: int) -> SortedRow:
    """A CSR row's columns sorted, their values (None when a column repeats), and whether they were sorted."""
    a, b = int(m.indptr[i]), int(m.indptr[i + 1])
    cols, vals = m.indices[a:b], m.data[a:b]
    canonical = bool(np.all(cols[1:] > cols[:-1]))
    order = np.argsort(cols, kind="stable")
    cols, vals = cols[order], vals[order]
    if not bool(np.all(cols[1:] > cols[:-1])):
        return cols, None, canonical
    return cols, vals, canonical


def top_set(values: np.ndarray, k: int) -> np.ndarray:
    """The members of top(values, k), in no order."""
    k = min(k, len(values))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    return np.argpartition(-values, k - 1)[:k]


def top_sets(values: np.ndarray, k: int) -> np.ndarray:
    """top_set of every row of a matrix (rows × k): one argpartition along the rows, which partitions each row
    as a call on that row alone does (tests/test_topic_text.py holds them equal, ties included)."""
    k = min(k, values.shape[1])
    if k <= 0:
        return np.zeros((values.shape[0], 0), dtype=np.int64)
    return np.argpartition(-values, k - 1, axis=1)[:, :k]


def top_members(values: np.ndarray, k: int, *, positive: bool = False) -> list[np.ndarray]:
    """top_set of every row (with `positive`, only its members whose value is > 0), cheaper: a direct partition
    finds each row's k-th and (k+1)-th largest values; when they differ the k largest are exactly the values from the
    k-th up, whoever finds them, and only a row with a tie at the cut is settled by argpartition, as top does. With
    `positive`, a tie at 0 keeps every value > 0 (fewer than k are)."""
    n_rows, n = values.shape
    k = min(k, n)
    if k <= 0:
        return [np.zeros(0, dtype=np.int64)] * n_rows
    if k == n:
        every = np.arange(n, dtype=np.int64)
        return [every[values[i] > 0] if positive else every for i in range(n_rows)]
    cut = -values  # partitioned in place: the matrix is large
    cut.partition((k - 1, k), axis=1)
    kth, after = cut[:, k - 1], cut[:, k]
    clean = kth < after
    # rows cut cleanly: the values from the k-th up (with `positive`, of them those > 0), found for all at once
    keep = values >= np.where(clean, -kth, np.inf)[:, None]
    if positive:
        keep &= values > 0
    rows, cols = np.nonzero(keep)
    out = np.split(cols.astype(np.int64, copy=False), np.cumsum(np.bincount(rows, minlength=n_rows))[:-1])
    for i in np.flatnonzero(~clean).tolist():
        if positive and kth[i] == 0:
            members = np.flatnonzero(values[i] > 0)
        else:
            members = np.argpartition(-values[i], k - 1)[:k]
            if positive:
                members = members[values[i][members] > 0]
        out[i] = members
    return out


def top(values: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest values, largest first (ties by index)."""
    k = min(k, len(values))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-values, k - 1)[:k]
    return part[np.lexsort((part, -values[part]))]


def row_product(x: sp.csr_matrix, i: int, proto: SortedRow) -> tuple[np.ndarray, np.ndarray]:
    """The columns and values of `x[i].multiply(p)` for the prototype row `proto` (sorted_row of p, no repeated
    column), in the order scipy gives them, which is what evidence ranks ties by: its csr_elmul_csr keeps ascending
    columns when both rows are stored sorted, else it gives the first operand's columns in reverse (the linked list
    it walks starts at the last column it added); a zero product is left out."""
    cols_p, vals_p, canonical = proto
    if vals_p is None:
        raise ValueError("row_product needs a prototype row without repeated columns")
    a, b = int(x.indptr[i]), int(x.indptr[i + 1])
    cols_x, vals_x = x.indices[a:b], x.data[a:b]
    if not len(cols_p) or not len(cols_x):
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
    pos = np.minimum(np.searchsorted(cols_p, cols_x), len(cols_p) - 1)
    hit = cols_p[pos] == cols_x
    cols = cols_x[hit]
    vals = vals_x[hit] * vals_p[pos[hit]]
    nonzero = vals != 0
    if not nonzero.all():
        cols, vals = cols[nonzero], vals[nonzero]
    if not (canonical and bool(np.all(cols_x[1:] > cols_x[:-1]))):
        cols, vals = cols[::-1], vals[::-1]
    return cols, vals
