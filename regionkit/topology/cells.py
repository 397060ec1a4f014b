"""The closed domain as a regular cell complex: every face of every region's closure, once,
with the faces of each cell.

A cell is a relatively open convex polytope on which every network hyperplane and every
domain inequality has one sign (regionkit.measures.faces): the faces of the regions'
closures, told apart by their full sign vectors. Two faces of one region's closure satisfy
a <= c (a lies in the closure of c) iff every constraint vanishing on c vanishes on a, so
the cover relation (a a facet of c) is read off each region's face list by comparing zero
sets. The complex is what the exact topology (regionkit.topology.homology) and the
level-set volumes (regionkit.topology.decision) use.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from regionkit.core.patternindex import hash_columns
from regionkit.errors import TopologyError
from regionkit.measures.faces import face_listing, unique_rows
from regionkit.measures.vertexform import vertex_form

__all__ = ["CHUNK_VERTICES", "PAIR_CHUNK", "CellComplex", "cell_complex"]

# Face pairs compared at a time when reading off the cover relation (bounds the memory).
PAIR_CHUNK = 1 << 20
# Region vertices whose faces are listed at a time (a 4-D region has about 5 faces per
# vertex, each with a sign vector of 2 bits per hyperplane): bounds the listing's memory.
CHUNK_VERTICES = 1 << 16


@dataclass(frozen=True)
class CellComplex:
    """Cells of the closed domain (all dimensions, boundary cells included) and their covers.

    Parameters
    ----------
    dim : numpy.ndarray of int, shape (n_cells,)
        Dimension of each cell.
    volume : numpy.ndarray, shape (n_cells,)
        Its dim-volume (1 for vertices).
    positive, negative : numpy.ndarray of uint8
        np.packbits rows: bit h is set when hyperplane h is > 0 (< 0) on the cell.
    boundary : numpy.ndarray of bool, shape (n_cells,)
        Whether the cell lies on the domain's boundary.
    face, coface : numpy.ndarray of int
        Cover pairs: cell face[e] is a facet of cell coface[e].
    n_hyperplanes : int
        Number of network hyperplanes.
    """

    dim: np.ndarray          # (n_cells,) dimension of each cell
    volume: np.ndarray       # its dim-volume (1 for vertices)
    positive: np.ndarray     # packed bits per cell: hyperplane > 0 on it
    negative: np.ndarray     # packed bits per cell: hyperplane < 0 on it
    boundary: np.ndarray     # bool: the cell lies on the domain's boundary
    face: np.ndarray         # cover pairs: cell face[e] is a facet of cell coface[e]
    coface: np.ndarray
    n_hyperplanes: int

    @property
    def n_cells(self) -> int:
        """Number of cells, all dimensions."""
        return int(self.dim.shape[0])

    def signs(self, hyperplanes: np.ndarray) -> np.ndarray:
        """Sign of the given hyperplanes on every cell.

        Parameters
        ----------
        hyperplanes : array_like of int
            Hyperplane indices.

        Returns
        -------
        numpy.ndarray of int8, shape (n_cells, len(hyperplanes))
            -1, 0 or 1.
        """
        h = np.asarray(hyperplanes, dtype=np.int64)
        byte, shift = h // 8, (7 - h % 8).astype(np.uint8)   # np.packbits is big-endian
        pos = (self.positive[:, byte] >> shift) & 1
        neg = (self.negative[:, byte] >> shift) & 1
        return pos.astype(np.int8) - neg.astype(np.int8)

    def check(self, d: int) -> None:
        """Check that the cells subdivide a d-ball.

        Every (d-1)-cell inside the domain must be a facet of two d-cells (of one on the
        boundary), and the alternating count of the cells must be 1.

        Parameters
        ----------
        d : int
            Dimension of the domain.

        Raises
        ------
        TopologyError
            If a check fails: the network is too degenerate for the tolerance.
        """
        top = self.dim[self.coface] == d
        count = np.bincount(self.face[top], minlength=self.n_cells)
        ridge = self.dim == d - 1
        want = np.where(self.boundary, 1, 2)
        bad = int(np.count_nonzero(ridge & (count != want)))
        euler = int(np.sum((-1) ** self.dim))
        if bad or euler != 1:
            failed = ([f"{bad} facets with the wrong number of sides"] if bad else []) + (
                [f"Euler characteristic {euler}, not 1"] if euler != 1 else [])
            raise TopologyError(
                f"the cells do not subdivide the domain ({'; '.join(failed)}): the network "
                "is too degenerate for the tolerance; try another rtol")


def cell_complex(rs, progress: Callable[[int], None] | None = None) -> CellComplex:
    """The cell complex of a complete RegionSet (elementwise activations).

    Built a chunk of regions at a time (CHUNK_VERTICES vertices): each chunk's faces are
    listed, told apart by their sign vectors and related by covers inside their regions,
    and only its distinct cells are kept, so the memory is that of the cells and covers
    output plus one chunk's face listing.

    Parameters
    ----------
    rs : RegionSet
        A complete enumeration.
    progress : callable, optional
        Called with the number of regions of each chunk once it is done.

    Returns
    -------
    CellComplex
        Every face of every region's closure once, with the cover relation.

    Raises
    ------
    RegionkitError
        If the enumeration stopped early.

    Examples
    --------
    >>> import regionkit as rk
    >>> net = rk.Network.from_arrays([[[1, 0], [-1, 0], [0, 1], [0, -1]], [[1, 1, 1, 1]]],
    ...                              [[0, 0, 0, 0], [0]])
    >>> box = rk.Box(-1, 1, dim=2)
    >>> from regionkit.topology.cells import cell_complex
    >>> cx = cell_complex(rk.enumerate_regions(net, box))
    >>> cx.check(2)
    >>> cx.n_cells, cx.signs([0, 2])[:3].tolist()
    (25, [[0, 0], [0, 1], [0, -1]])
    """
    rs.require_complete("the cell complex")
    H, d = rs.network.n_hyperplanes, rs.domain.dim
    valid = np.packbits(np.ones(H, dtype=bool))
    merged: list | None = None   # the distinct cells so far, merged now and then
    parts: list[list] = []
    for lo, hi in _chunks(rs):
        fl = face_listing(rs, (lo, hi))
        # Faces of one region, each dimension together, in decreasing dimension.
        order = np.lexsort((-fl.dim, fl.owner))
        owner, dims = fl.owner[order] - lo, fl.dim[order]
        pos, neg, on_dom = fl.positive[order], fl.negative[order], fl.on_domain[order]
        dom_bits = np.packbits(on_dom, axis=1)
        first, cell = unique_rows(pos, neg, dom_bits)
        # Zero set of each face (hyperplanes that vanish there, then domain rows) as words.
        zeros = _words(~(pos | neg) & valid, dom_bits)
        a, c = _cover_pairs(owner, dims, zeros, d, hi - lo)
        n = len(first)
        pairs = _sorted_unique(cell[a] * n + cell[c])
        src = order[first]
        parts.append([_words(pos[first], neg[first], dom_bits[first]),
                      fl.dim[src].astype(np.int8), fl.volume[src],
                      on_dom[first].any(axis=1), pairs // n, pairs % n])
        del fl, order, owner, dims, pos, neg, on_dom, dom_bits, zeros, a, c, cell
        # Merge once the chunks' cells outnumber the merged ones: each cell is sorted
        # O(log(chunks)) times, and cells seen from several chunks are kept once.
        # (_merge lets go of each array it has merged, the old merged ones included.)
        if merged is None or sum(len(p[1]) for p in parts) > len(merged[1]):
            merged, parts = _merge(([] if merged is None else [merged]) + parts), []
        if progress is not None:
            progress(hi - lo)
    if parts:
        merged = _merge([merged, *parts])
    keys, dim, volume, boundary, face, coface = merged
    nb = (H + 7) // 8
    signs = keys.view(np.uint8)
    return CellComplex(dim, volume, np.ascontiguousarray(signs[:, :nb]),
                       np.ascontiguousarray(signs[:, nb:2 * nb]), boundary, face, coface, H)


def _chunks(rs) -> list[tuple[int, int]]:
    """Consecutive region ranges of about CHUNK_VERTICES vertices each."""
    n = rs.n_regions
    if rs.kind.is_interval:
        return [(0, n)]
    voff = vertex_form(rs).voff
    cuts = np.searchsorted(voff, np.arange(CHUNK_VERTICES, voff[-1], CHUNK_VERTICES))
    cuts = np.unique(np.concatenate([[0], np.clip(cuts, 1, n), [n]]))
    return list(zip(cuts[:-1].tolist(), cuts[1:].tolist()))


def _words(*planes: np.ndarray) -> np.ndarray:
    """Packed bit planes side by side, as rows of 64-bit words (zero-padded)."""
    packed = np.concatenate(planes, axis=1)
    return np.ascontiguousarray(np.concatenate(
        [packed, np.zeros((len(packed), -packed.shape[1] % 8), np.uint8)], axis=1)).view(np.uint64)


def _merge(parts: list[list]) -> list:
    """Cells of several chunks identified by their sign-vector words (exactly, by sorting
    them), in the order of the words, with their covers once each. Each chunk's arrays
    are let go as soon as they are merged (the caller holds no other reference)."""
    sizes = [len(p[1]) for p in parts]
    keys = np.concatenate([p[0] for p in parts])
    for p in parts:
        p[0] = None
    order = np.lexsort(keys.T[::-1]) if keys.shape[1] else np.arange(len(keys))
    ordered = keys[order]
    new = np.ones(len(keys), dtype=bool)
    new[1:] = np.any(ordered[1:] != ordered[:-1], axis=1)
    del ordered
    first = order[new]
    cell = np.empty(len(keys), dtype=np.int64)
    cell[order] = np.cumsum(new) - 1
    del order, new
    keys = keys[first]
    n_cells = len(first)
    index = np.int32 if n_cells < 2 ** 31 else np.int64
    codes = []
    for b, p in zip(np.cumsum([0] + sizes), parts):
        codes.append(cell[b + p[4]] * n_cells + cell[b + p[5]])
        p[4] = p[5] = None
    del cell
    codes = _sorted_unique(np.concatenate(codes))
    picked = [keys]
    for k in range(1, 4):
        picked.append(np.concatenate([p[k] for p in parts])[first])
        for p in parts:
            p[k] = None
    return [*picked, (codes // n_cells).astype(index), (codes % n_cells).astype(index)]


def _sorted_unique(x: np.ndarray) -> np.ndarray:
    """np.unique of integers by sorting (numpy 2's hash-based unique is slower here)."""
    x = np.sort(x)
    return x[np.concatenate([[True], x[1:] != x[:-1]])] if len(x) else x


def _popcount(words: np.ndarray) -> np.ndarray:
    """Set bits of each 64-bit word (np.bitwise_count from numpy 2 on)."""
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(words).astype(np.int64)
    return np.unpackbits(words.view(np.uint8).reshape(-1, 8), axis=1).sum(axis=1)


def _hash(owner: np.ndarray, dims: np.ndarray, words: np.ndarray) -> np.ndarray:
    """A 64-bit hash of (region, dimension, zero-set words) per face (collisions are
    detected by the caller)."""
    return hash_columns([owner, dims, *words.T])


def _cover_pairs(owner: np.ndarray, dims: np.ndarray, zeros: np.ndarray, d: int,
                 n_regions: int) -> tuple[np.ndarray, np.ndarray]:
    """(a, c) positions in the listing with a a facet of c inside one region's closure.

    a <= c iff zeros(c) is a subset of zeros(a). A k-face on exactly d - k zero rows
    (generic) has cofaces on d - k - 1 of them only, so its cofaces are among its zero set
    with one row dropped, looked up by hash; any other face is compared with every
    (k+1)-face of its region. A hash collision among the faces sends the whole chunk down
    the comparison path, so the result is exact.
    """
    count = np.zeros(len(dims), dtype=np.int64)
    for col in zeros.T:
        count += _popcount(col)
    generic = (count == d - dims) & (dims < d)
    h = _hash(owner, dims, zeros)
    order = np.argsort(h)
    sh = h[order]
    if len(sh) < 2 or np.any(sh[1:] == sh[:-1]):
        return _compare_pairs(owner, dims, zeros, d, n_regions, dims < d)
    # Drop each zero row of each generic face in turn.
    bits = np.unpackbits(zeros[generic].view(np.uint8), axis=1, bitorder="little")
    row, bit = np.nonzero(bits)
    del bits
    a = np.flatnonzero(generic)[row]
    cand = zeros[a]
    cand[np.arange(len(a)), bit // 64] &= ~(np.uint64(1) << (bit % 64).astype(np.uint64))
    ch = _hash(owner[a], dims[a] + 1, cand)
    at = np.minimum(np.searchsorted(sh, ch), len(sh) - 1)
    c = order[at]
    hit = ((sh[at] == ch) & (owner[c] == owner[a]) & (dims[c] == dims[a] + 1)
           & np.all(zeros[c] == cand, axis=1))
    a2, c2 = _compare_pairs(owner, dims, zeros, d, n_regions, ~generic & (dims < d))
    return np.concatenate([a[hit], a2]), np.concatenate([c[hit], c2])


def _compare_pairs(owner: np.ndarray, dims: np.ndarray, zeros: np.ndarray, d: int,
                   n_regions: int, which: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Covers of the faces `which`, by comparing each with every (k+1)-face of its region."""
    group = owner * (d + 1) + dims
    size = np.bincount(group, minlength=n_regions * (d + 1))
    start = np.zeros_like(size)
    first = np.flatnonzero(np.concatenate([[True], group[1:] != group[:-1]]))
    start[group[first]] = first   # groups are contiguous in the listing
    lower = np.flatnonzero(which)
    up = group[lower] + 1
    cnt = size[up]
    a = np.repeat(lower, cnt)
    offset = np.repeat(np.cumsum(cnt) - cnt, cnt)
    c = np.repeat(start[up], cnt) + (np.arange(len(a)) - offset)
    keep = np.ones(len(a), dtype=bool)
    for col in np.ascontiguousarray(zeros.T):   # one 64-bit word of every zero set at a time
        for i in range(0, len(a), PAIR_CHUNK):
            s = slice(i, i + PAIR_CHUNK)
            keep[s] &= (col[c[s]] & ~col[a[s]]) == 0
    return a[keep], c[keep]
