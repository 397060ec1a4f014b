"""Packed activation patterns -> region index, vectorised (point location, graph crossing).

Each pattern row is hashed to 64 bits and the hashes are sorted once; a lookup is a
searchsorted and a full comparison of the candidate's pattern, so a hit is always exact.
Should two regions' patterns ever share a hash, the index falls back to a dict of the
patterns' bytes, so no region is ever unreachable.
"""
from __future__ import annotations

import numpy as np

__all__ = ["PatternIndex"]

# Odd multipliers for the 64-bit words of a pattern (fixed: results never depend on them).
_MULTIPLIERS = np.random.default_rng(0x9E3779B9).integers(1, 2**63, size=64,
                                                          dtype=np.uint64) | np.uint64(1)


def _words(rows: np.ndarray) -> np.ndarray:
    n, w = rows.shape
    padded = np.zeros((n, -(-w // 8) * 8), dtype=np.uint8)
    padded[:, :w] = rows
    return padded.view(np.uint64)


def _hash(words: np.ndarray) -> np.ndarray:
    k = words.shape[1]
    mult = np.resize(_MULTIPLIERS, k) + np.arange(k, dtype=np.uint64) * np.uint64(2)
    with np.errstate(over="ignore"):
        h = (words * mult).sum(axis=1, dtype=np.uint64)
        h ^= h >> np.uint64(31)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(29)
    return h


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
