"""Packed activation patterns -> region index, vectorised (point location, graph crossing).

Each pattern row is hashed to 64 bits and the hashes are sorted once; a lookup is a
searchsorted and a full comparison of the candidate's pattern, so a hit is always exact.
Should two regions' patterns ever share a hash, the index falls back to a dict of the
patterns' bytes, so no region is ever unreachable.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["PatternIndex", "hash_columns"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix(z: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijection of 64-bit words whose every output bit depends on
    every input bit."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def hash_columns(columns: Sequence[np.ndarray]) -> np.ndarray:
    """A 64-bit hash of rows given as a sequence of uint64 columns (same length each).

    The columns are chained through a bijective mixer, h <- mix((h + golden) ^ column), so two
    rows that agree up to a column and differ in it never collide at that step, and a
    difference in any bit of any word reaches every bit of the hash (a linear combination of
    the words, tried before, collided on patterns differing in high bits only). Collisions
    stay possible, as in any hash: callers compare the rows.

    Parameters
    ----------
    columns : sequence of numpy.ndarray
        Non-negative integer columns, one value per row each (cast to uint64).

    Returns
    -------
    numpy.ndarray of uint64
        One hash per row.

    Examples
    --------
    >>> h = hash_columns([np.array([1, 2, 1], np.uint64), np.array([0, 0, 0], np.uint64)])
    >>> bool(h[0] == h[2]), bool(h[0] == h[1])
    (True, False)
    """
    h = np.zeros(len(columns[0]) if len(columns) else 0, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for col in columns:
            h = _mix((h + _GOLDEN) ^ col.astype(np.uint64, copy=False))
    return h


def _words(rows: np.ndarray) -> np.ndarray:
    n, w = rows.shape
    padded = np.zeros((n, -(-w // 8) * 8), dtype=np.uint8)
    padded[:, :w] = rows
    return padded.view(np.uint64)


def _hash(words: np.ndarray) -> np.ndarray:
    return hash_columns(words.T)


class PatternIndex:
    """Find the region (row of `patterns`) holding each given packed pattern, or -1.

    Parameters
    ----------
    patterns : array_like of uint8, shape (n_regions, n_bytes)
        The packed pattern of every region.

    Examples
    --------
    >>> index = PatternIndex(np.array([[1], [2], [5]], dtype=np.uint8))
    >>> index.lookup(np.array([[5], [3]], dtype=np.uint8)).tolist()
    [2, -1]
    """

    def __init__(self, patterns: np.ndarray) -> None:
        self.words = _words(np.ascontiguousarray(patterns, dtype=np.uint8))
        h = _hash(self.words)
        self.order = np.argsort(h, kind="stable")
        self.sorted = h[self.order]
        self.fallback = None
        if len(h) > 1 and np.any(self.sorted[1:] == self.sorted[:-1]):
            self.fallback = {row.tobytes(): i for i, row in enumerate(self.words)}

    def lookup(self, rows: np.ndarray) -> np.ndarray:
        """Region index of each packed pattern.

        Parameters
        ----------
        rows : array_like of uint8, shape (n, n_bytes)
            Packed patterns, as wide as the index's.

        Returns
        -------
        numpy.ndarray of int64, shape (n,)
            The region holding each pattern, -1 if none.
        """
        words = _words(np.ascontiguousarray(rows, dtype=np.uint8))
        if self.fallback is not None:
            return np.array([self.fallback.get(w.tobytes(), -1) for w in words], np.int64)
        if len(self.sorted) == 0:
            return np.full(len(words), -1, dtype=np.int64)
        h = _hash(words)
        pos = np.minimum(np.searchsorted(self.sorted, h), len(self.sorted) - 1)
        idx = self.order[pos]
        hit = (self.sorted[pos] == h) & np.all(self.words[idx] == words, axis=1)
        return np.where(hit, idx, -1).astype(np.int64)
