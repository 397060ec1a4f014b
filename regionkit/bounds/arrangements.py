"""Exact counts of hyperplane arrangements: the regions and faces of one hidden layer.

A one-hidden-layer ReLU net cuts its input by the arrangement {W_i x + b_i = 0}, so its
activation regions are counted exactly by Zaslavsky's theorem from the intersection poset,
in R^d or inside an open convex set (a box or any regionkit Domain).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, NamedTuple

from regionkit.bounds.inputs import check_integer
from regionkit.bounds.poset import Poset

__all__ = ["ArrangementCount", "CharacteristicPolynomial", "binomial_sum",
           "characteristic_polynomial", "face_counts", "general_position_bounded",
           "general_position_regions", "zaslavsky"]


def binomial_sum(n: int, top: int) -> int:
    """Σ_{j=0}^{top} C(n, j): regions of n generic hyperplanes in R^top (no input checks).

    Parameters
    ----------
    n : int
        Number of hyperplanes, >= 0.
    top : int
        Last index of the sum (the dimension), >= 0.

    Returns
    -------
    int
        The sum (terms with j > n are zero).
    """
    return sum(math.comb(n, j) for j in range(min(n, top) + 1))


@dataclass(frozen=True)
class CharacteristicPolynomial:
    """χ_A(t) = Σ_X μ(0̂, X) t^dim X of an arrangement; calling it evaluates χ_A at t.

    Parameters
    ----------
    coeffs : tuple of int
        coeffs[i] is the coefficient of t^i, i = 0..d.
    rank : int
        Dimension of the span of the hyperplanes' normals.
    """

    coeffs: tuple[int, ...]
    rank: int  # dimension of the span of the normals

    def __call__(self, t: int | Fraction) -> int | Fraction:
        return sum(c * t ** i for i, c in enumerate(self.coeffs))

    @property
    def dim(self) -> int:
        """Degree of χ_A: the dimension d of the ambient space."""
        return len(self.coeffs) - 1

    def __str__(self) -> str:
        terms = [f"{c:+d}" + (f"*t^{i}" if i > 1 else "*t" if i == 1 else "")
                 for i, c in reversed(list(enumerate(self.coeffs))) if c]
        return " ".join(terms).lstrip("+") or "0"


class ArrangementCount(NamedTuple):
    """Region counts of an arrangement, as zaslavsky returns them.

    Parameters
    ----------
    regions : int
        Number of regions, in R^d or inside the open set.
    bounded : int or None
        Number of relatively bounded regions of R^d; None when counted inside an open set.
    """

    regions: int
    bounded: int | None


def characteristic_polynomial(W: Any, b: Any, *, exact: bool | None = None
                              ) -> CharacteristicPolynomial:
    """χ of the arrangement {W_i x + b_i = 0}, from its intersection poset.

    Parameters
    ----------
    W : array_like, shape (m, d)
        Normals of the m hyperplanes; no row may be zero.
    b : array_like, shape (m,)
        Offsets: hyperplane i is W_i x + b_i = 0.
    exact : bool or None, optional
        None decides per input: ints, Fractions and short binary floats (0.5, 0.25) are
        exact rationals and ranks come from rational elimination; any other float switches
        to float ranks with tolerance FLOAT_RANK_RTOL. True forces exact arithmetic on the
        exact binary values of the floats; False forces floats.

    Returns
    -------
    CharacteristicPolynomial
        Integer coefficients (ascending powers) and the rank of the normals.

    Raises
    ------
    BoundsInputError
        When W, b are not finite numeric arrays of matching shapes or W has a zero row.

    Examples
    --------
    >>> import regionkit as rk
    >>> str(rk.bounds.characteristic_polynomial([[1, 0], [0, 1]], [0, 0]))
    '1*t^2 -2*t +1'
    """
    poset = Poset(W, b, exact)
    coeffs = [0] * (poset.d + 1)
    for X, mu in zip(poset.flats, poset.mu):
        coeffs[X.dim] += mu
    rank = poset.d - min(X.dim for X in poset.flats)
    return CharacteristicPolynomial(tuple(coeffs), rank)


def zaslavsky(W: Any, b: Any, box: Any = None, *, exact: bool | None = None) -> ArrangementCount:
    """Regions of the arrangement {W_i x + b_i = 0}: a one-hidden-layer ReLU net's regions.

    In R^d the regions are r = (-1)^d χ(-1) = Σ_X |μ(0̂,X)| and the relatively bounded
    regions b = (-1)^rank χ(1) (Zaslavsky 1975). Inside an open convex set K the regions are
    Σ |μ(0̂,X)| over the flats X meeting K. Flats meeting K are found by an LP with tolerance
    OPEN_SET_RTOL, so a flat that only touches the boundary of K does not count.

    Parameters
    ----------
    W : array_like, shape (m, d)
        Normals of the m hyperplanes; no row may be zero.
    b : array_like, shape (m,)
        Offsets: hyperplane i is W_i x + b_i = 0.
    box : (lo, hi) or Domain or None, optional
        The open set K in the arrangement's coordinates; None counts in R^d.
    exact : bool or None, optional
        Arithmetic mode, as in characteristic_polynomial.

    Returns
    -------
    ArrangementCount
        (regions, bounded); bounded is None when a box is given.

    Raises
    ------
    BoundsInputError
        On malformed W, b, an empty box, or a box of another dimension.

    Examples
    --------
    >>> import regionkit as rk
    >>> rk.bounds.zaslavsky([[1, 0], [0, 1], [1, 1]], [0, 0, -1])
    ArrangementCount(regions=7, bounded=1)
    >>> rk.bounds.zaslavsky([[1, 0], [0, 1], [1, 1]], [0, 0, -1], box=(-1, 1))
    ArrangementCount(regions=5, bounded=None)

    In the open square the vertices (1, 0) and (0, 1) lie on the boundary and do not count.
    """
    poset = Poset(W, b, exact)
    meets = poset.meets(box)
    regions = sum(abs(mu) for mu, ok in zip(poset.mu, meets) if ok)
    if box is not None:
        return ArrangementCount(regions, None)
    return ArrangementCount(regions, abs(sum(poset.mu)))


def face_counts(W: Any, b: Any, box: Any = None, *, exact: bool | None = None
                ) -> tuple[int, ...]:
    """f_k = number of k-dimensional faces (k = 0..d) of the arrangement, in R^d or the box.

    f_k = Σ_{dim X = k, X meets K} Σ_{Y ⊆ X, Y meets K} |μ(X, Y)| (Zaslavsky 1975, restricted
    to the flats meeting K). f_d is the region count and f_{d-1} the number of pairs of
    adjacent regions. Cost grows like (number of flats)^3: small arrangements only.

    Parameters
    ----------
    W : array_like, shape (m, d)
        Normals of the m hyperplanes; no row may be zero.
    b : array_like, shape (m,)
        Offsets: hyperplane i is W_i x + b_i = 0.
    box : (lo, hi) or Domain or None, optional
        The open set K in the arrangement's coordinates; None counts in R^d.
    exact : bool or None, optional
        Arithmetic mode, as in characteristic_polynomial.

    Returns
    -------
    tuple of int
        (f_0, ..., f_d).

    Raises
    ------
    BoundsInputError
        On malformed W, b, an empty box, or a box of another dimension.

    Examples
    --------
    >>> import regionkit as rk
    >>> rk.bounds.face_counts([[1, 0], [0, 1]], [0, 0])
    (1, 4, 4)
    """
    poset = Poset(W, b, exact)
    meets = poset.meets(box)
    f = [0] * (poset.d + 1)
    for x, X in enumerate(poset.flats):
        if meets[x]:
            f[X.dim] += sum(abs(v) for y, v in poset.mobius_interval(x).items() if meets[y])
    return tuple(f)


def general_position_regions(n: int, d: int) -> int:
    """Σ_{i=0}^{d} C(n, i): regions of n hyperplanes in general position in R^d (the maximum).

    Parameters
    ----------
    n : int
        Number of hyperplanes, >= 0.
    d : int
        Dimension, >= 0.

    Returns
    -------
    int
        The most regions n hyperplanes can cut R^d into.

    Raises
    ------
    BoundsInputError
        When n or d is not an integer >= 0.

    Examples
    --------
    >>> import regionkit as rk
    >>> rk.bounds.general_position_regions(3, 2)
    7
    """
    return binomial_sum(check_integer("n", n, 0), check_integer("d", d, 0))


def general_position_bounded(n: int, d: int) -> int:
    """C(n-1, d): bounded regions of n hyperplanes in general position in R^d.

    Parameters
    ----------
    n : int
        Number of hyperplanes, >= 0.
    d : int
        Dimension, >= 1.

    Returns
    -------
    int
        The number of bounded regions (0 when n <= d).

    Raises
    ------
    BoundsInputError
        When n < 0, d < 1 or either is not an integer.

    Examples
    --------
    >>> import regionkit as rk
    >>> rk.bounds.general_position_bounded(4, 2)
    3
    """
    n, d = check_integer("n", n, 0), check_integer("d", d, 1)
    return math.comb(n - 1, d) if n >= 1 else 0
