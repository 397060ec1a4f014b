"""Row spans of hyperplane equations, exact over Q or in floats with a named tolerance.

The intersection poset names a flat by the hyperplanes that contain it, which needs a
membership test "does this equation follow from those?". Integer, Fraction and short binary
float input is decided exactly by rational elimination; any other float by a relative
residual test, so near-degenerate float arrangements depend on FLOAT_RANK_RTOL only.
"""
from __future__ import annotations

import math
import numbers
from fractions import Fraction
from typing import Any, Sequence

import numpy as np

from regionkit.errors import BoundsInputError

__all__ = ["EXACT_MAX_DENOMINATOR", "ExactSpan", "FLOAT_RANK_RTOL", "FloatSpan", "augmented_rows"]

# Float entries whose exact binary value has a denominator up to this are taken as exact
# rationals (1/2, 3/4, 0.375 ...); any other float switches the arrangement to float mode.
EXACT_MAX_DENOMINATOR = 2 ** 20
# Float mode: a row lies in a span when its distance to the span is at most this fraction of
# its norm (rows are hyperplane equations scaled to unit normal).
FLOAT_RANK_RTOL = 1e-9


class ExactSpan:
    """Row space of augmented rows [a | c] (meaning a.x = c) over Q, in reduced echelon form.

    Only consistent systems are built: a pivot never lands in the constant column.

    Parameters
    ----------
    d : int
        Dimension of the space; rows have d + 1 entries.
    rows : tuple of tuple of Fraction, optional
        The rows in reduced echelon form; () for the zero span.
    pivots : tuple of int, optional
        The pivot column of each row.
    """

    def __init__(self, d: int, rows: tuple[tuple[Fraction, ...], ...] = (),
                 pivots: tuple[int, ...] = ()) -> None:
        self.d, self.rows, self.pivots = d, rows, pivots

    @property
    def rank(self) -> int:
        """Number of independent equations in the span."""
        return len(self.rows)

    def _reduce(self, row: Sequence[Fraction]) -> list[Fraction]:
        v = list(row)
        for p, r in zip(self.pivots, self.rows):
            if v[p]:
                f = v[p]
                v = [x - f * y for x, y in zip(v, r)]
        return v

    def contains(self, row: Sequence[Fraction]) -> bool:
        """Whether `row` lies in the span.

        Parameters
        ----------
        row : sequence of Fraction
            An augmented row [a | c], d + 1 entries.

        Returns
        -------
        bool
            True iff the row reduces to zero.
        """
        return not any(self._reduce(row))

    def members(self, rows: Sequence[Sequence[Fraction]]) -> int:
        """Bit mask of the rows that lie in the span.

        Parameters
        ----------
        rows : sequence of sequence of Fraction
            Augmented rows [a | c], d + 1 entries each.

        Returns
        -------
        int
            Bit i set iff rows[i] lies in the span.
        """
        return sum(1 << i for i, row in enumerate(rows) if self.contains(row))

    def extended(self, row: Sequence[Fraction]) -> "ExactSpan | None":
        """The span with `row` added, or None when the system becomes inconsistent.

        Parameters
        ----------
        row : sequence of Fraction
            An augmented row [a | c] not in the span.

        Returns
        -------
        ExactSpan or None
            The larger span; None when a.x = c has no solution on the flat.
        """
        v = self._reduce(row)
        p = next(i for i, x in enumerate(v) if x)  # callers never pass a row in the span
        if p == self.d:
            return None
        v = [x / v[p] for x in v]
        rows = tuple(tuple(x - r[p] * y for x, y in zip(r, v)) for r in self.rows)
        return ExactSpan(self.d, rows + (tuple(v),), self.pivots + (p,))

    def equations(self) -> tuple[np.ndarray, np.ndarray]:
        """Independent equations (A, c) of the flat, as floats.

        Returns
        -------
        tuple of ndarray
            A, shape (rank, d), and c, shape (rank,): the flat is A x = c.
        """
        M = np.array([[float(x) for x in r] for r in self.rows]).reshape(-1, self.d + 1)
        return M[:, :-1], M[:, -1]


class FloatSpan:
    """Row space of augmented rows [a | c] in floats, with an orthonormal basis.

    Parameters
    ----------
    d : int
        Dimension of the space; rows have d + 1 entries.
    basis : ndarray, shape (rank, d + 1), optional
        Orthonormal rows spanning the space; None for the zero span.
    """

    def __init__(self, d: int, basis: np.ndarray | None = None) -> None:
        self.d = d
        self.basis = np.zeros((0, d + 1)) if basis is None else basis

    @property
    def rank(self) -> int:
        """Number of independent equations in the span."""
        return self.basis.shape[0]

    def _residual(self, row: np.ndarray) -> np.ndarray:
        return row - self.basis.T @ (self.basis @ row)

    def contains(self, row: np.ndarray) -> bool:
        """Whether `row` lies in the span, up to FLOAT_RANK_RTOL.

        Parameters
        ----------
        row : ndarray, shape (d + 1,)
            An augmented row [a | c].

        Returns
        -------
        bool
            True iff the row's distance to the span is at most FLOAT_RANK_RTOL times its
            norm.
        """
        return bool(np.linalg.norm(self._residual(row)) <= FLOAT_RANK_RTOL * np.linalg.norm(row))

    def members(self, rows: np.ndarray) -> int:
        """Bit mask of the rows that lie in the span (vectorised).

        Parameters
        ----------
        rows : ndarray, shape (m, d + 1)
            Augmented rows [a | c].

        Returns
        -------
        int
            Bit i set iff rows[i] lies in the span (as in contains).
        """
        res = rows - (rows @ self.basis.T) @ self.basis
        inside = np.linalg.norm(res, axis=1) <= FLOAT_RANK_RTOL * np.linalg.norm(rows, axis=1)
        return sum(1 << int(i) for i in np.flatnonzero(inside))

    def extended(self, row: np.ndarray) -> "FloatSpan | None":
        """The span with `row` added, or None when the system becomes inconsistent.

        Parameters
        ----------
        row : ndarray, shape (d + 1,)
            An augmented row [a | c] not in the span.

        Returns
        -------
        FloatSpan or None
            The larger span; None when a.x = c has no solution on the flat (the constant
            row [0 | 1] then lies in the span, up to FLOAT_RANK_RTOL).
        """
        r = self._residual(row)
        span = FloatSpan(self.d, np.vstack([self.basis, r / np.linalg.norm(r)]))
        constant = np.zeros(self.d + 1)
        constant[-1] = 1.0
        return None if span.contains(constant) else span

    def equations(self) -> tuple[np.ndarray, np.ndarray]:
        """Independent equations (A, c) of the flat.

        Returns
        -------
        tuple of ndarray
            A, shape (rank, d), and c, shape (rank,): the flat is A x = c.
        """
        return self.basis[:, :-1], self.basis[:, -1]


def _rational(x: Any) -> Fraction | None:
    """x as an exact rational if it is one (see EXACT_MAX_DENOMINATOR), else None."""
    if isinstance(x, Fraction):
        return x
    if isinstance(x, numbers.Integral):
        return Fraction(int(x))
    if isinstance(x, numbers.Real) and math.isfinite(float(x)):
        f = Fraction(float(x))
        return f if f.denominator <= EXACT_MAX_DENOMINATOR else None
    return None


def augmented_rows(W: Any, b: Any, exact: bool | None) -> tuple[int, Any, bool]:
    """Hyperplanes W_i x + b_i = 0 as augmented rows [W_i | -b_i]: (d, rows, exact).

    exact=None picks exact rows (lists of Fractions) when every entry is a short rational,
    else float rows scaled to unit normal; True and False force a mode.

    Parameters
    ----------
    W : array_like, shape (m, d)
        Normals of the m hyperplanes; no row may be zero.
    b : array_like, shape (m,)
        Offsets: hyperplane i is W_i x + b_i = 0.
    exact : bool or None
        The arithmetic mode; None picks it from the entries.

    Returns
    -------
    d : int
        Dimension of the space.
    rows : list of list of Fraction, or ndarray of shape (m, d + 1)
        The augmented rows, exact or floats scaled to unit normal.
    exact : bool
        The mode used.

    Raises
    ------
    BoundsInputError
        When W, b are not finite numeric arrays of matching shapes or W has a zero row.
    """
    try:
        Wo = np.asarray(W, dtype=object)
        bo = np.asarray(b, dtype=object).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise BoundsInputError(f"W and b must be numeric arrays: {exc}") from None
    if Wo.ndim != 2 or Wo.shape[1] == 0:
        raise BoundsInputError(f"W must have shape (n_hyperplanes, d >= 1), got {Wo.shape}")
    if bo.shape[0] != Wo.shape[0]:
        raise BoundsInputError(f"b has {bo.shape[0]} entries but W has {Wo.shape[0]} rows")
    m, d = Wo.shape
    entries = [[*Wo[i], -bo[i]] for i in range(m)]
    try:
        as_float = np.array(entries, dtype=np.float64).reshape(m, d + 1)
    except (TypeError, ValueError) as exc:
        raise BoundsInputError(f"W and b must be numeric: {exc}") from None
    if not np.all(np.isfinite(as_float)):
        raise BoundsInputError("W and b must be finite")
    zero = np.flatnonzero(~as_float[:, :d].any(axis=1))
    if len(zero):
        raise BoundsInputError(f"row {int(zero[0])} of W is zero: it is not a hyperplane")
    rational = [[_rational(x) for x in row] for row in entries]
    if exact is None:
        exact = all(x is not None for row in rational for x in row)
    if exact:
        rows = [[x if x is not None else Fraction(float(y)) for x, y in zip(row, frow)]
                for row, frow in zip(rational, as_float)]
        return d, rows, True
    return d, as_float / np.linalg.norm(as_float[:, :d], axis=1)[:, None], False
