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

import numpy as np

from regionkit.errors import TopologyError
from regionkit.measures.faces import face_listing, unique_rows

__all__ = ["PAIR_CHUNK", "CellComplex", "cell_complex"]

# Face pairs compared at a time when reading off the cover relation (bounds the memory).
PAIR_CHUNK = 1 << 20


@dataclass(frozen=True)
class CellComplex:
    """Cells of the closed domain (all dimensions, boundary cells included) and their covers.

    Parameters
    ----------
    dim : numpy.ndarray of int, shape (n_cells,)
        Dimension of each cell.
    volume : numpy.ndarray, shape (n_cells,)
        Its dim-volume (1 for vertices).
    point : numpy.ndarray, shape (n_cells, d)
        A relative-interior point (domain coordinates).
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
    point: np.ndarray        # a relative-interior point (domain coordinates)
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


def cell_complex(rs) -> CellComplex:
    """The cell complex of a complete RegionSet (elementwise activations).

    Parameters
    ----------
    rs : RegionSet
        A complete enumeration.

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
    fl = face_listing(rs)
    # Faces of one region, each dimension together, in decreasing dimension.
    order = np.lexsort((-fl.dim, fl.owner))
    owner, dims = fl.owner[order], fl.dim[order]
    pos, neg, on_dom = fl.positive[order], fl.negative[order], fl.on_domain[order]
    dom_bits = np.packbits(on_dom, axis=1)
    first, cell = unique_rows(pos, neg, dom_bits)
    H = rs.network.n_hyperplanes
    # Zero set of each face (hyperplanes that vanish there, then domain rows) as words.
    valid = np.packbits(np.ones(H, dtype=bool))
    zeros = np.concatenate([~(pos | neg) & valid, dom_bits], axis=1)
    zeros = np.ascontiguousarray(np.concatenate(
        [zeros, np.zeros((len(zeros), -zeros.shape[1] % 8), np.uint8)], axis=1)).view(np.uint64)
    lo, hi = _cover_pairs(owner, dims, zeros, rs.domain.dim, rs.n_regions)
    n_cells = len(first)
    pairs = np.sort(cell[lo] * n_cells + cell[hi])
    pairs = pairs[np.concatenate([[True], pairs[1:] != pairs[:-1]])] if len(pairs) else pairs
    src = order[first]
    return CellComplex(fl.dim[src], fl.volume[src], fl.point[src], pos[first], neg[first],
                       on_dom[first].any(axis=1), pairs // n_cells, pairs % n_cells, H)


def _cover_pairs(owner: np.ndarray, dims: np.ndarray, zeros: np.ndarray, d: int,
                 n_regions: int) -> tuple[np.ndarray, np.ndarray]:
    """(a, c) positions in the listing with a a facet of c inside one region's closure.

    The listing is sorted by region, then by decreasing dimension. Every k-face is compared
    with every (k+1)-face of its region: a <= c iff zeros(c) is a subset of zeros(a).
    """
    group = owner * (d + 1) + dims
    size = np.bincount(group, minlength=n_regions * (d + 1))
    start = np.zeros_like(size)
    first = np.flatnonzero(np.concatenate([[True], group[1:] != group[:-1]]))
    start[group[first]] = first   # groups are contiguous in the listing
    lower = np.flatnonzero(dims < d)
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
