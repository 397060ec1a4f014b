"""The intersection poset L(A) of a hyperplane arrangement, its Möbius function, and which
flats meet an open convex set.

Zaslavsky's counts are sums of Möbius values over flats; naming every flat by the set of
hyperplanes that contain it makes duplicate, parallel and concurrent hyperplanes exact.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import linprog

from regionkit.bounds.spans import ExactSpan, FloatSpan, augmented_rows
from regionkit.errors import BoundsInputError
from regionkit.model.domains import Domain

__all__ = ["Flat", "OPEN_SET_RTOL", "Poset"]

# A flat meets an open set when an LP finds one of its points at depth > this x (1 + max |h|)
# inside every inequality g.x < h (rows scaled to unit norm).
OPEN_SET_RTOL = 1e-9


@dataclass(frozen=True)
class Flat:
    """A flat of the arrangement, named by the hyperplanes that contain it.

    Parameters
    ----------
    mask : int
        Bit i set iff hyperplane i contains the flat (0 for R^d itself).
    dim : int
        Dimension of the flat.
    span : ExactSpan or FloatSpan
        Row span of the flat's equations.
    """

    mask: int  # bit i set iff hyperplane i contains the flat
    dim: int
    span: Any  # ExactSpan | FloatSpan of its equations


class Poset:
    """The intersection poset L(A) of an arrangement and its Möbius function from 0̂ = R^d.

    Flats are generated rank by rank as Y ∩ H_i and identified by the set of hyperplanes that
    contain them, so duplicate hyperplanes and non-generic intersections are handled.
    below[x] holds the indices of the flats strictly containing flats[x] (below it in L(A));
    it is assembled from the covering flats met during generation, never by pairwise tests.

    Parameters
    ----------
    W : array_like, shape (m, d)
        Normals of the m hyperplanes; no row may be zero.
    b : array_like, shape (m,)
        Offsets: hyperplane i is W_i x + b_i = 0.
    exact : bool or None
        Arithmetic mode, as in characteristic_polynomial.

    Attributes
    ----------
    d : int
        Dimension of the space.
    flats : list of Flat
        The flats by rank, flats[0] = R^d; a flat's subflats come after it.
    below : list of set of int
        Indices of the flats strictly containing each flat.
    mu : list of int
        μ(0̂, X) for every flat X, in flats order.

    Raises
    ------
    BoundsInputError
        When W, b are not finite numeric arrays of matching shapes or W has a zero row.
    """

    def __init__(self, W: Any, b: Any, exact: bool | None) -> None:
        self.d, self.rows, self.exact = augmented_rows(W, b, exact)
        span0 = ExactSpan(self.d) if self.exact else FloatSpan(self.d)
        self.flats = [Flat(0, self.d, span0)]
        self.below: list[set[int]] = [set()]
        self._generate()
        self.mu = [1]
        for lower in self.below[1:]:
            self.mu.append(-sum(self.mu[y] for y in lower))

    def _children(self, y: int) -> list[tuple[int, Any]]:
        """(mask, span) of every flat covered by flats[y] (one rank smaller)."""
        Y = self.flats[y]
        covered, out = Y.mask, []
        for i in range(len(self.rows) if Y.dim > 0 else 0):
            if covered >> i & 1:
                continue
            span = Y.span.extended(self.rows[i])
            if span is None:  # H_i is parallel to Y
                continue
            mask = span.members(self.rows)
            covered |= mask
            out.append((mask, span))
        return out

    def _generate(self) -> None:
        index = {0: 0}
        level = [0]
        while level:
            nxt = []
            for y in level:
                for mask, span in self._children(y):
                    x = index.get(mask)
                    if x is None:
                        x = index[mask] = len(self.flats)
                        self.flats.append(Flat(mask, self.d - span.rank, span))
                        self.below.append(set())
                        nxt.append(x)
                    self.below[x] |= self.below[y] | {y}
            level = nxt

    def mobius_interval(self, x: int) -> dict[int, int]:
        """μ(X, Y) for X = flats[x] and every flat Y ⊆ X (index -> value).

        Parameters
        ----------
        x : int
            Index of X in flats.

        Returns
        -------
        dict of int to int
            μ(X, Y) keyed by the index of Y, X itself included (μ(X, X) = 1).
        """
        mu = {x: 1}
        for y in range(x + 1, len(self.flats)):
            if x in self.below[y]:
                mu[y] = -sum(mu[z] for z in self.below[y] if z in mu)
        return mu

    def meets(self, box: Any) -> list[bool]:
        """Which flats meet the open set `box` ((lo, hi), a Domain, or None for R^d).

        Parameters
        ----------
        box : (lo, hi) or Domain or None
            The open set in the arrangement's coordinates; None means R^d.

        Returns
        -------
        list of bool
            One per flat, in flats order: whether it has a point inside the open set at
            depth above OPEN_SET_RTOL (R^d itself always counts).

        Raises
        ------
        BoundsInputError
            When box is neither (lo, hi) nor a Domain, is empty, or has another dimension.
        """
        open_set = _open_set(box, self.d)
        if open_set is None:
            return [True] * len(self.flats)
        return [X.mask == 0 or _flat_meets(X.span, *open_set) for X in self.flats]


def _flat_meets(span: Any, G: np.ndarray, h: np.ndarray) -> bool:
    """Whether the flat has a point at depth > tolerance in every g.x < h (unit rows).

    A point is checked directly; a larger flat by the LP max s s.t. A x = c, G x + s <= h.
    """
    A, c = span.equations()
    d = G.shape[1]
    tol = OPEN_SET_RTOL * (1.0 + float(np.max(np.abs(h))))
    if span.rank == d:
        return bool(np.min(h - G @ np.linalg.solve(A, c)) > tol)
    res = linprog(np.r_[np.zeros(d), -1.0], A_ub=np.hstack([G, np.ones((len(h), 1))]), b_ub=h,
                  A_eq=np.hstack([A, np.zeros((len(c), 1))]), b_eq=c,
                  bounds=[(None, None)] * d + [(None, 1.0)], method="highs")
    return res.status == 0 and -res.fun > tol


def _open_set(box: Any, d: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Inequalities G x < h (unit rows) of a (lo, hi) box or a regionkit Domain."""
    if box is None:
        return None
    if isinstance(box, Domain):
        G, h = np.asarray(box.A, float), np.asarray(box.b, float)
    else:
        try:
            lo, hi = (np.broadcast_to(np.asarray(v, float), (d,)) for v in box)
        except (TypeError, ValueError):
            raise BoundsInputError(f"box must be (lo, hi) or a regionkit Domain, got {box!r}") \
                from None
        if not np.all(lo < hi):
            raise BoundsInputError(f"empty box: lo={lo.tolist()} is not below hi={hi.tolist()}")
        G, h = np.vstack([-np.eye(d), np.eye(d)]), np.r_[-lo, hi]
    if G.shape[1] != d:
        raise BoundsInputError(f"the open set lives in R^{G.shape[1]}, the arrangement in R^{d}")
    norms = np.linalg.norm(G, axis=1)
    return G / norms[:, None], h / norms
