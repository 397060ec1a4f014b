"""PatternIndex: vectorised pattern lookup, exact on hits, and the dict fallback."""
from __future__ import annotations

import numpy as np

from regionkit.core.patternindex import PatternIndex


def test_lookup_finds_every_row_and_only_those():
    rng = np.random.default_rng(0)
    pats = np.unique(rng.integers(0, 256, size=(5000, 13), dtype=np.uint8), axis=0)
    index = PatternIndex(pats)
    perm = rng.permutation(len(pats))
    np.testing.assert_array_equal(index.lookup(pats[perm]), perm)
    other = pats[:100].copy()
    other[:, 0] ^= 1  # one flipped bit: absent unless it happens to be another row
    present = {row.tobytes(): i for i, row in enumerate(pats)}
    want = [present.get(row.tobytes(), -1) for row in other]
    np.testing.assert_array_equal(index.lookup(other), want)


def test_equal_hashes_fall_back_to_exact_lookup(monkeypatch):
    import regionkit.core.patternindex as P

    monkeypatch.setattr(P, "_hash", lambda words: np.zeros(len(words), dtype=np.uint64))
    pats = np.array([[1, 2], [3, 4], [5, 6]], dtype=np.uint8)
    index = PatternIndex(pats)
    np.testing.assert_array_equal(index.lookup(np.array([[5, 6], [1, 2], [9, 9]], np.uint8)),
                                  [2, 0, -1])


def test_empty_index():
    index = PatternIndex(np.zeros((0, 3), dtype=np.uint8))
    np.testing.assert_array_equal(index.lookup(np.zeros((2, 3), np.uint8)), [-1, -1])


def test_patterns_differing_in_high_bits_do_not_collide():
    """Every subset of the top 8 bits of each of two words (65 536 patterns): a linear hash of
    the words (sum of word x odd multiplier) collides on these, as it did on real nets'
    patterns (5 collisions among 2-64-64-64-1's 5 058 regions), sending lookups to the
    dict."""
    from regionkit.core.patternindex import hash_columns

    top = np.arange(256, dtype=np.uint64) << np.uint64(56)
    a, b = np.meshgrid(top, top, indexing="ij")
    h = hash_columns([a.ravel(), b.ravel()])
    assert len(np.unique(h)) == 65536
    pats = np.stack([a.ravel(), b.ravel()], axis=1).view(np.uint8)
    assert PatternIndex(pats).fallback is None


def test_hash_sees_every_column():
    from regionkit.core.patternindex import hash_columns

    x = np.arange(1000, dtype=np.uint64)
    z = np.zeros(1000, dtype=np.uint64)
    assert len(np.unique(hash_columns([x, z, z]))) == 1000
    assert len(np.unique(hash_columns([z, z, x]))) == 1000
    assert np.count_nonzero(hash_columns([x, z]) == hash_columns([z, x])) == 1  # only x = 0
