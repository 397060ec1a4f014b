"""Exact Betti numbers of decision sets: {F > level}, {F < level} and {argmax F = c}, each
intersected with the open domain D (Bianchini & Scarselli's measure of complexity).

The set A is open and is the union of the cells U of the complex of the pieces
(regionkit.topology.cells) that lie in it; U is closed under going up (a cell whose closure holds a
cell of U is in U). Nothing is sampled:

* b_0: components of U joined by the cover relation (union-find).
* b_{d-1}: Alexander duality in the sphere D / boundary(D): the bounded components of the
  complement, i.e. the components of the other cells (a closed set, joined by covers) that
  do not reach the boundary of D.
* chi(A) = sum over U of (-1)^(d - dim): Poincare-Lefschetz duality, H_i(A) = H^(d-i)(D,
  D - A), whose cochains are the cells of U.
* d = 2: b_1 from duality is checked against b_0 - chi; d = 3: b_1 = b_0 + b_2 - chi.
* d >= 4: the same duality, H_i(A) = H^(d-i) of the cochain complex of U, by sparse
  elimination over GF(2) (rational Betti numbers could differ only through torsion).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from regionkit.errors import TopologyError
from regionkit.topology.cells import CellComplex

__all__ = ["DUALITY_MAX_DIM", "Betti", "homology"]

# Up to this dimension no linear algebra is needed (b_0, b_{d-1} and chi fix the rest).
DUALITY_MAX_DIM = 3


@dataclass(frozen=True)
class Betti:
    """Betti numbers of an open set A in the open domain, with its Euler characteristic.

    Parameters
    ----------
    betti : tuple of int
        b_0..b_{d-1}.
    euler : int
        Euler characteristic of A.
    bounded_components : int
        Components whose closure stays inside the open domain.
    n_pieces : int
        Full-dimensional pieces (d-cells) that make up A.
    n_cells : int
        Its relatively open cells, all dimensions.
    description : str
        Which set A is, e.g. "{F_0 > 0.5}".
    coefficients : str
        "any field" up to 3-D (integral homology is free there), "GF(2)" from 4-D on.

    Examples
    --------
    >>> import regionkit as rk
    >>> net = rk.Network.from_arrays([[[1, 0], [-1, 0], [0, 1], [0, -1]], [[1, 1, 1, 1]]],
    ...                              [[0, 0, 0, 0], [0]])
    >>> b = rk.betti_numbers(net, rk.Box(-1, 1, dim=2), level=0.5)
    >>> b.betti, b.euler, b.total, b.description
    ((1, 1), 0, 2, '{F_0 > 0.5}')
    """

    betti: tuple[int, ...]
    euler: int
    bounded_components: int
    n_pieces: int          # full-dimensional pieces (d-cells) that make up A
    n_cells: int           # its relatively open cells, all dimensions
    description: str
    coefficients: str

    @property
    def total(self) -> int:
        """Sum of the Betti numbers: Bianchini & Scarselli's B(S)."""
        return int(sum(self.betti))

    def to_dict(self) -> dict[str, Any]:
        """The fields and the total as a JSON-ready dict.

        Returns
        -------
        dict
            Keys set, betti (a list), total, euler, bounded_components, n_pieces, n_cells,
            coefficients.
        """
        return {"set": self.description, "betti": list(self.betti), "total": self.total,
                "euler": self.euler, "bounded_components": self.bounded_components,
                "n_pieces": self.n_pieces, "n_cells": self.n_cells,
                "coefficients": self.coefficients}


def _components(n: int, a: np.ndarray, b: np.ndarray) -> tuple[int, np.ndarray]:
    g = sparse.coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
    return connected_components(g, directed=False)


def _touches_boundary(cx: CellComplex, d: int) -> np.ndarray:
    """Whether each cell's closure meets the domain's boundary (through its faces)."""
    touch = cx.boundary.copy()
    for k in range(1, d + 1):
        up = cx.dim[cx.coface] == k
        touch[cx.coface[up][touch[cx.face[up]]]] = True
    return touch


def homology(cx: CellComplex, inside: np.ndarray, d: int, description: str = "A",
             by_rank: bool = False) -> Betti:
    """Betti numbers of the open set that is the union of some cells of a complex.

    See the module notes for the method.

    Parameters
    ----------
    cx : CellComplex
        The complex of the pieces.
    inside : array_like of bool, shape (n_cells,)
        The cells of the set: closed under going up, none on the domain's boundary.
    d : int
        Dimension of the domain.
    description : str, default "A"
        Which set it is, for the result.
    by_rank : bool, default False
        Compute every b_i by GF(2) ranks, in any dimension (a cross-check of duality).

    Returns
    -------
    Betti
        The set's Betti numbers.

    Raises
    ------
    TopologyError
        If the cells are not an open set inside the domain, or the complex is
        inconsistent.

    Examples
    --------
    >>> import regionkit as rk
    >>> from regionkit.topology.homology import homology
    >>> net = rk.Network.from_arrays([[[1, 0], [-1, 0], [0, 1], [0, -1]], [[1, 1, 1, 1]]],
    ...                              [[0, 0, 0, 0], [0]])
    >>> dr = rk.decision_regions(net, rk.Box(-1, 1, dim=2), level=0.5)
    >>> homology(dr.complex(), dr.set_cells("above"), 2, by_rank=True).betti
    (1, 1)
    """
    n = cx.n_cells
    inside = np.asarray(inside, dtype=bool)
    if np.any(inside & cx.boundary):
        raise TopologyError("the set's cells must lie inside the open domain")
    both_in = inside[cx.face] & inside[cx.coface]
    if np.any(inside[cx.face] & ~inside[cx.coface]):
        raise TopologyError("the set is not open: a cell of it lies on the boundary of a "
                            "cell outside it")
    n_in = int(inside.sum())
    k, labels = _components(n, cx.face[both_in], cx.coface[both_in])
    b0 = k - (n - n_in)
    reach = np.unique(labels[inside & _touches_boundary(cx, d)])
    bounded = b0 - len(reach)
    euler = int(np.sum((-1) ** (d - cx.dim[inside])))
    # Alexander duality: components of the complement, the boundary joined to one node.
    out = ~inside
    edges = out[cx.face] & out[cx.coface]
    rim = np.flatnonzero(cx.boundary)
    k, _ = _components(n + 1, np.concatenate([cx.face[edges], rim]),
                       np.concatenate([cx.coface[edges], np.full(len(rim), n)]))
    b_top = k - n_in - 1
    if by_rank or d > DUALITY_MAX_DIM:
        betti = _betti_by_rank(cx, inside, d)
        if betti[0] != b0 or (d > 1 and betti[d - 1] != b_top):
            raise TopologyError(f"GF(2) ranks give b_0={betti[0]}, b_{d - 1}={betti[d - 1]}, "
                                f"union-find b_0={b0}, b_{d - 1}={b_top}: the complex is "
                                "inconsistent")
    elif d == 1:
        betti = [b0]
    elif d == 2:
        betti = [b0, b_top]
    else:
        betti = [b0, b0 + b_top - euler, b_top]
    alternating = sum((-1) ** i * b for i, b in enumerate(betti))
    if alternating != euler or min(betti) < 0:
        raise TopologyError(f"Betti numbers {betti} do not give the Euler characteristic "
                            f"{euler} of the cells: the complex is inconsistent")
    return Betti(tuple(int(b) for b in betti), euler, int(bounded), int(inside[cx.dim == d].sum()),
                 n_in, description, "any field" if d <= DUALITY_MAX_DIM else "GF(2)")


def _betti_by_rank(cx: CellComplex, inside: np.ndarray, d: int) -> list[int]:
    """b_i = dim H^(d-i) of the cochain complex of the cells inside (coboundary = covers),
    over GF(2): b_i = n_(d-i) - r_(d-i) - r_(d-i-1), r_k the rank of the covers from
    k-cells to (k+1)-cells, on the complex left by _reduce (same cohomology)."""
    both = inside[cx.face] & inside[cx.coface]
    alive, face, coface = _reduce(inside, cx.face[both], cx.coface[both])
    dims = cx.dim.astype(np.int64)
    count = np.bincount(dims[alive], minlength=d + 1)
    local = np.zeros(cx.n_cells, dtype=np.int64)
    for k in range(d + 1):
        sel = alive & (dims == k)
        local[sel] = np.arange(int(sel.sum()))
    rank = np.zeros(d + 1, dtype=np.int64)   # rank[k]: covers k-cells -> (k+1)-cells
    for k in range(d):
        sel = dims[face] == k
        rank[k] = _rank_gf2(local[face[sel]], local[coface[sel]])
    return [int(count[d - i] - rank[d - i] - (rank[d - i - 1] if d - i >= 1 else 0))
            for i in range(d)]


def _reduce(alive: np.ndarray, face: np.ndarray, coface: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Remove pairs of cells that change no cohomology and fill nothing in.

    A pair (a, b), b covering a, where b is a's only coface left or a is b's only face
    left, is a reduction of the cochain complex whose coboundary on the other cells is the
    old one with a and b dropped (Kaczynski, Mrozek & Slusarek's reduction pairs;
    collapses and coreductions). Rounds of disjoint pairs, until none is left.

    Returns the cells left (mask) and the covers between them.
    """
    alive = alive.copy()
    n = len(alive)
    while len(face):
        up = np.bincount(face, minlength=n)
        down = np.bincount(coface, minlength=n)
        cand = np.flatnonzero((up[face] == 1) | (down[coface] == 1))
        if not len(cand):
            break
        # One pair per cell: first by face, then by coface, then no cell in two roles.
        cand = cand[np.unique(face[cand], return_index=True)[1]]
        cand = cand[np.unique(coface[cand], return_index=True)[1]]
        taken = np.zeros(n, dtype=bool)
        taken[coface[cand]] = True
        cand = cand[~taken[face[cand]]]
        alive[face[cand]] = False
        alive[coface[cand]] = False
        keep = alive[face] & alive[coface]
        face, coface = face[keep], coface[keep]
    return alive, face, coface


def _rank_gf2(rows: np.ndarray, cols: np.ndarray) -> int:
    """Rank over GF(2) of the 0/1 matrix with ones at (rows, cols): columns as Python
    integers (bit sets), reduced by their highest bit."""
    order = np.argsort(cols, kind="stable")
    rows, cols = rows[order], cols[order]
    cuts = np.flatnonzero(np.diff(cols)) + 1
    pivots: dict[int, int] = {}
    for part in np.split(rows, cuts) if len(rows) else []:
        v = 0
        for r in part.tolist():
            v ^= 1 << r
        while v:
            top = v.bit_length() - 1
            other = pivots.get(top)
            if other is None:
                pivots[top] = v
                break
            v ^= other
    return len(pivots)
