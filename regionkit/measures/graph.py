"""Region adjacency graph and linear regions.

Two activation regions are adjacent iff their closures share a (d-1)-face inside the open
domain. Every facet of every region (a row with positive facet volume whose label names a
network hyperplane) is crossed at a relative-interior point p along its outward normal n:
the neighbour's pattern is the pattern at p + 0*n (regionkit.measures.signs: units that vanish at p,
with the engine's tolerance, take the sign of their directional derivative along n). Each
edge is therefore found from both sides, which the tests use as a consistency check.

Linear regions (Serra et al. Definition 1) are the connected components of the graph kept
to edges across which the affine output map does not change: the maps agree on the shared
facet by continuity, so they are equal iff their gradients are, within LINEAR_RTOL.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from regionkit.core.patternindex import PatternIndex
from regionkit.measures.facets import facet_table
from regionkit.measures.signs import domain_signs

__all__ = ["LINEAR_RTOL", "Adjacency", "adjacency", "adjacency_in_chunks"]

# Gradients equal within this fraction of their size: same affine map (linear regions).
LINEAR_RTOL = 1e-9


@dataclass(frozen=True)
class Adjacency:
    """Edges (i < j) between adjacent regions, with their facets, and the linear regions.

    Parameters
    ----------
    i, j : numpy.ndarray of int, shape (n_edges,)
        The regions of each edge, i < j.
    facet_volume : numpy.ndarray, shape (n_edges,)
        (d-1)-volume of the shared facet.
    map_changes : numpy.ndarray of bool, shape (n_edges,)
        Whether the affine output map differs across the edge (within LINEAR_RTOL).
    flip_offsets, flip_index : numpy.ndarray of int64
        CSR: the hyperplanes whose pattern bit differs across edge e are
        flip_index[flip_offsets[e]:flip_offsets[e + 1]].
    unmatched_facets : int
        Facets whose far side matched no region (0 on a consistent complex).
    linear_labels : numpy.ndarray of int, shape (n_regions,)
        Linear region of each activation region.
    n_linear : int
        Number of linear regions.
    """

    i: np.ndarray
    j: np.ndarray
    facet_volume: np.ndarray
    map_changes: np.ndarray
    flip_offsets: np.ndarray     # CSR: hyperplanes whose bit differs across edge e are
    flip_index: np.ndarray       #   flip_index[flip_offsets[e]:flip_offsets[e + 1]]
    unmatched_facets: int        # facets whose far side matched no region (should be 0)
    linear_labels: np.ndarray    # linear region of each activation region
    n_linear: int


def _row_keys(rs, first: int = 0) -> np.ndarray:
    """(region + first) * (H + 1) + label of every row (label H: a domain row)."""
    H = rs.network.n_hyperplanes
    return (np.repeat(np.arange(first, first + rs.n_regions), np.diff(rs.ineq_offsets))
            * (H + 1) + np.where(rs.ineq_labels >= 0, rs.ineq_labels, H))


def _flip_neighbours(rs, rows: np.ndarray, src: np.ndarray, index: PatternIndex,
                     row_keys: np.ndarray) -> np.ndarray:
    """Neighbour across each facet row when only its own unit flips there, else -1.

    Crossing the facet of unit h at a generic point flips bit h alone: the region with that
    pattern, if it exists and has a facet row on unit h, is the neighbour (it lies in the
    layer cell across h, and its facet on h is cut out by the same later units, which are
    continuous across h). Facets where other units vanish too find no such region. `index`
    and `row_keys` (_row_keys) cover every region, of which rs may be a chunk.
    """
    H = rs.network.n_hyperplanes
    h = rs.ineq_labels[rows]
    cand = rs.patterns[src].copy()
    back = _flip(cand, h, *rs.network.hyperplane_groups())
    dst = index.lookup(cand)
    # Confirm the candidate has a row on the same unit.
    has = np.zeros(len(rows), dtype=bool)
    found = dst >= 0
    if found.any():
        # Keys span n_regions * (H + 1) integers: a lookup table beats sorting (measured
        # 2 ms against 120 ms for 3-32-32-32's 169k rows).
        has[found] = np.isin(dst[found] * (H + 1) + back[found], row_keys, kind="table")
    dst[~has] = -1
    return dst


def _flip(patterns: np.ndarray, h: np.ndarray, start: np.ndarray, size: np.ndarray
          ) -> np.ndarray:
    """Flip bit h of each packed pattern in place, and for a maxout unit also clear its
    winner's bit (the facet P_a = P_h hands the unit from piece a to piece h); return the
    label the neighbour's facet row carries: h itself, or the source's winner a."""
    rows = np.arange(len(h))
    back = h.copy()
    for j in range(int(size[h].max(initial=1))):
        b = np.minimum(start[h] + j, len(start) - 1)
        on = (patterns[rows, b // 8] >> (b % 8).astype(np.uint8)) & 1
        won = (size[h] > 1) & (j < size[h]) & (b != h) & (on == 1)
        back[won] = b[won]
    patterns[rows, h // 8] ^= (1 << (h % 8)).astype(np.uint8)
    mx = back != h
    patterns[rows[mx], back[mx] // 8] ^= (1 << (back[mx] % 8)).astype(np.uint8)
    return back


def adjacency(rs, fast: bool = True) -> Adjacency:
    """The adjacency of a RegionSet's activation regions, and its linear regions.

    Parameters
    ----------
    rs : RegionSet
        A complete enumeration.
    fast : bool, default True
        True: find neighbours by flipping one pattern bit, crossing geometrically only
        where that fails, and keep the result in the measure cache. False: cross every
        facet geometrically, uncached (the tests check the fast path with it).

    Returns
    -------
    Adjacency
        The edges and the linear-region labels.

    Raises
    ------
    RegionkitError
        If the enumeration stopped early.

    Examples
    --------
    >>> import regionkit as rk
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
    ...                              [[0, 0, 0.5], [0]])
    >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    >>> from regionkit.measures.graph import adjacency
    >>> g = adjacency(rs)
    >>> len(g.i), int(g.map_changes.sum()), g.n_linear
    (9, 6, 4)
    """
    if fast:
        return rs.measure_cache.get("graph", lambda: _adjacency(rs, True))
    return _adjacency(rs, False)


def _adjacency(rs, fast: bool) -> Adjacency:
    rs.require_complete("adjacency")
    src, dst, vol, unmatched = _sightings(rs, rs.pattern_index(), _row_keys(rs), 0, fast)
    return _edges(rs.n_regions, rs.patterns, rs.output_M, src, dst, vol, unmatched)


def adjacency_in_chunks(chunks: Callable[[], Iterable[Any]], n_regions: int,
                        patterns: np.ndarray) -> Adjacency:
    """The adjacency of a complete run read a chunk of consecutive regions at a time.

    Two passes: the rows' units and the output maps of every region, then each chunk's
    facets crossed (as adjacency does) against the index of every pattern. Memory: the
    patterns, one key per row, the output maps, the edges and one chunk.

    Parameters
    ----------
    chunks : callable
        Returns a fresh iterable of RegionSets of consecutive regions, all of them in order
        (e.g. StoredRegionSet.iter_chunks).
    n_regions : int
        Number of regions.
    patterns : numpy.ndarray of uint8, shape (n_regions, n_bytes)
        Every region's packed pattern.

    Returns
    -------
    Adjacency
        Equal to adjacency(rs) of the whole run.

    Raises
    ------
    RegionkitError
        If the run stopped early.
    """
    keys, maps, first = [], [], 0
    for c in chunks():
        c.require_complete("adjacency")
        keys.append(_row_keys(c, first))
        maps.append(c.output_M)
        first += c.n_regions
    row_keys = np.concatenate(keys)
    M = np.concatenate(maps)
    del keys, maps
    index = PatternIndex(patterns)
    parts, first = [], 0
    for c in chunks():
        parts.append(_sightings(c, index, row_keys, first, True))
        first += c.n_regions
    src, dst, vol = (np.concatenate([p[k] for p in parts]) for k in range(3))
    return _edges(n_regions, patterns, M, src, dst, vol, sum(p[3] for p in parts))


def _sightings(rs, index: PatternIndex, row_keys: np.ndarray, first: int,
               fast: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Each facet of the regions of rs (regions first.. of the whole) crossed: source and
    neighbour (whole-run indices) and facet volume, and how many facets matched nothing."""
    ft = facet_table(rs)
    rows = np.flatnonzero((ft.facet_volume > 0) & (rs.ineq_labels >= 0))
    src = ft.row_region[rows]
    dst = (_flip_neighbours(rs, rows, src, index, row_keys) if fast
           else np.full(len(rows), -1, np.int64))
    # Degenerate facets (several units vanish on them) and any facet the fast path could not
    # confirm: cross them geometrically.
    slow = np.flatnonzero(dst < 0)
    if len(slow):
        _, beyond = domain_signs(rs.network, rs.domain, ft.facet_point[rows[slow]],
                                 rs.ineq_A[rows[slow]], rs.tol)  # along the outward normals
        pats = np.packbits(beyond > 0, axis=1, bitorder="little")
        dst[slow] = index.lookup(pats)
    src = src + first
    ok = (dst >= 0) & (dst != src)
    return src[ok], dst[ok], ft.facet_volume[rows][ok], int(np.count_nonzero(~ok))


def _edges(n_regions: int, patterns: np.ndarray, output_M: np.ndarray, a: np.ndarray,
           b: np.ndarray, vol: np.ndarray, unmatched: int) -> Adjacency:
    """One edge per region pair from the facets' sightings, with the map changes, the
    flipped units and the linear regions."""
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    # Each facet is seen from both sides (and duplicate units give repeated rows): one edge
    # per region pair, with the facet volume averaged over the sightings of that pair.
    key = lo * n_regions + hi
    uniq, inv, counts = np.unique(key, return_inverse=True, return_counts=True)
    ei, ej = uniq // n_regions, uniq % n_regions
    evol = np.bincount(inv, weights=vol) / counts
    width = int(np.prod(output_M.shape[1:]))
    M = output_M.reshape(n_regions, width)
    diff = np.abs(M[ei] - M[ej]).max(axis=1, initial=0.0)
    size = np.abs(M).max(axis=1, initial=0.0)
    changes = diff > LINEAR_RTOL * np.maximum(np.maximum(size[ei], size[ej]),
                                              np.finfo(float).tiny)
    # Flipped hyperplanes: the nonzero bytes of the patterns' XOR, then their bits.
    differ = patterns[ei] ^ patterns[ej]
    byte_edge, byte = np.nonzero(differ)
    k, bit = np.nonzero(np.unpackbits(differ[byte_edge, byte][:, None], axis=1,
                                      bitorder="little"))
    edge_of, flip_index = byte_edge[k], 8 * byte[k] + bit
    flip_offsets = np.concatenate([[0], np.cumsum(np.bincount(edge_of, minlength=len(ei)))])
    keep = ~changes
    A = sparse.coo_matrix((np.ones(keep.sum()), (ei[keep], ej[keep])),
                          shape=(n_regions, n_regions))
    n_linear, labels = connected_components(A, directed=False)
    return Adjacency(ei, ej, evol, changes, flip_offsets.astype(np.int64),
                     flip_index.astype(np.int64), unmatched, labels, int(n_linear))
