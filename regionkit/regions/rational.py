"""Exact rational geometry of activation patterns: the reference arithmetic behind
certify() and method="exact".

Every float of the network and the domain (weights, biases, activation tables, the domain's
map ``x = origin + basis @ t`` and its inequalities ``A t < b``) is taken exactly as the
rational number it is, so patterns, regions and facets are computed without rounding.
Numbers are python-flint's ``fmpq`` when the ``exact`` extra is installed (faster) and
Python's ``fractions.Fraction`` otherwise; both give the same answers.

A pattern's region is the polyhedron of its *rows* (RationalNet.rows): one affine function
per hyperplane, oriented so that the region is where it is negative (``a.t + c < 0`` for a
set bit or a maxout piece that must beat a lower one, ``<= 0`` otherwise), and one per
domain inequality. A region is genuine when a point makes every row strictly negative;
its facets are the rows whose zero set meets its closure in a (d-1)-dimensional face,
found by exact linear programs (lp_max: the simplex method with Bland's rule, which cannot
cycle).
"""
from __future__ import annotations

import importlib
import itertools
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Sequence

import numpy as np

from regionkit.errors import SolverError
from regionkit.model.activations import Maxout
from regionkit.model.domains import Domain
from regionkit.model.network import Network

__all__ = ["BACKEND", "Facet", "RationalNet", "Row", "facets", "interior_point", "lp_max", "q",
           "vertex_enumeration"]


def _flint() -> Any:
    try:
        return importlib.import_module("flint")
    except ImportError:
        return None


_FLINT = _flint()
# Which rational type the exact code runs on: "flint" (python-flint, the `exact` extra) or
# "fractions" (the standard library).
BACKEND = "flint" if _FLINT is not None else "fractions"
_ZERO = _FLINT.fmpq(0) if _FLINT is not None else Fraction(0)


def q(x: float | int) -> Any:
    """The exact rational value of a float or an int.

    Parameters
    ----------
    x : float or int
        A finite number.

    Returns
    -------
    fractions.Fraction or flint.fmpq
        The same number, exactly.

    Examples
    --------
    >>> str(q(0.1)) == "3602879701896397/36028797018963968"
    True
    """
    f = Fraction(float(x)) if not isinstance(x, (int, np.integer)) else Fraction(int(x))
    return _FLINT.fmpq(f.numerator, f.denominator) if _FLINT is not None else f


def _qv(v: np.ndarray) -> list:
    return [q(x) for x in np.asarray(v, dtype=np.float64).reshape(-1)]


def _dot(a: Sequence, b: Sequence) -> Any:
    s = _ZERO
    for x, y in zip(a, b):
        if x and y:
            s += x * y
    return s


@dataclass(frozen=True)
class Row:
    """One affine function of a region, ``a.t + c``, negative on the region.

    Parameters
    ----------
    a : tuple
        Its gradient (rationals).
    c : rational
        Its constant.
    label : int
        The hyperplane (>= 0) or the domain inequality k (label -1-k) it comes from.
    strict : bool
        Whether the region needs ``a.t + c < 0`` (a set bit; a maxout piece beating a lower
        one; a domain row) or only ``<= 0``.
    """

    a: tuple
    c: Any
    label: int
    strict: bool


class RationalNet:
    """A network and a domain with every number taken exactly.

    Parameters
    ----------
    net : Network
        The network.
    domain : Domain
        The domain; its coordinates t are the ones everything is in.

    Examples
    --------
    >>> import regionkit as rk
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1]], [[1, 1]]], [[0, 0], [0]])
    >>> ex = RationalNet(net, rk.Box(-1, 1, dim=2))
    >>> ex.pattern([q(0.5), q(-0.5)])
    (True, False)
    >>> ex.pattern([q(0), q(0)], [[q(1), q(0)]])  # just beyond 0 towards +t_1
    (True, False)
    """

    def __init__(self, net: Network, domain: Domain) -> None:
        self.net, self.domain, self.dim = net, domain, domain.dim
        self.layers = []
        for W, b, act in zip(net.weights, net.biases, net.activations):
            Wq = [_qv(row) for row in np.asarray(W)]
            table = None if isinstance(act, Maxout) else tuple(
                tuple(q(v) for v in vals) for vals in (act.breakpoints, act.slopes, act.offsets))
            self.layers.append((Wq, _qv(b), act, table))
        self.basis = [_qv(row) for row in domain.basis]
        self.origin = _qv(domain.origin)
        self.domain_rows = [Row(tuple(_qv(a)), -q(bk), -1 - k, True)
                            for k, (a, bk) in enumerate(zip(domain.A, domain.b))]

    def pattern(self, t: Sequence, directions: Sequence[Sequence] = ()) -> tuple[bool, ...]:
        """The exact pattern at t, or just beyond t along `directions` (lexicographically).

        With directions u_1, ..., u_k the pattern is that of t + e u_1 + e^2 u_2 + ... for
        every small enough e > 0: a value zero at t is decided by its derivative along u_1,
        then u_2, and so on; a value zero along all of them is at its threshold (bit off,
        maxout ties to the lowest piece), as the convention says.

        Parameters
        ----------
        t : sequence of rationals
            The point, in domain coordinates.
        directions : sequence of sequences of rationals
            The directions, each of length dim.

        Returns
        -------
        tuple of bool
            The pattern, one bit per hyperplane.
        """
        # Each quantity is a list [value, derivative along u_1, ...].
        x = [[_dot(row, t) + o] + [_dot(row, u) for u in directions]
             for row, o in zip(self.basis, self.origin)]
        bits: list[bool] = []
        for Wq, bq, act, table in self.layers:
            z = []
            for row, bj in zip(Wq, bq):
                v = [_ZERO] * (1 + len(directions))
                for w, xi in zip(row, x):
                    if w:
                        v = [vi + w * xij for vi, xij in zip(v, xi)]
                v[0] += bj
                z.append(v)
            if table is None:
                k = act.rows_per_unit
                x = []
                for u in range(len(z) // k):
                    group = z[u * k:(u + 1) * k]
                    win = 0
                    for j in range(1, k):
                        if group[j] > group[win]:  # lexicographic; ties keep the lower piece
                            win = j
                    bits += [j == win for j in range(k)]
                    x.append(group[win])
            else:
                breaks, slopes, offsets = table
                x = []
                for v in z:
                    ub = [_lexsign([v[0] - cb] + v[1:]) > 0 for cb in breaks]
                    bits += ub
                    s, o = slopes[sum(ub)], offsets[sum(ub)]
                    x.append([s * v[0] + o] + [s * vi for vi in v[1:]])
        return tuple(bits)

    def rows(self, bits: Sequence[bool] | np.ndarray, depth: int | None = None
             ) -> tuple[list[Row], tuple[list, list]] | None:
        """The rows of a pattern's region and the network output's map on it.

        Parameters
        ----------
        bits : sequence of bool or numpy.ndarray
            A pattern (one bit per hyperplane).
        depth : int, optional
            Only the first `depth` layers (a stopped run's region at that depth); the map
            is then that of layer depth's output. Default: every layer.

        Returns
        -------
        (rows, (M, m)) or None
            The rows (network hyperplanes in order, then the domain's), and the output
            ``M t + m``; None when the bits cannot be a pattern (a maxout unit with other
            than one bit set).
        """
        M = [list(r) for r in self.basis]
        m = list(self.origin)
        d = self.dim
        rows: list[Row] = []
        h0 = 0
        for Wq, bq, act, table in self.layers[:depth]:
            Z, z0 = [], []
            for row, bj in zip(Wq, bq):
                zr = [_ZERO] * d
                zc = bj
                for w, Mk, mk in zip(row, M, m):
                    if w:
                        zr = [zi + w * mi for zi, mi in zip(zr, Mk)]
                        zc += w * mk
                Z.append(zr)
                z0.append(zc)
            M2, m2 = [], []
            if table is None:
                k = act.rows_per_unit
                for u in range(len(Z) // k):
                    ub = bits[h0 + u * k:h0 + (u + 1) * k]
                    if sum(bool(x) for x in ub) != 1:
                        return None
                    a = int(np.argmax(ub))
                    ia = u * k + a
                    for j in range(k):
                        if j != a:
                            ij = u * k + j
                            rows.append(Row(tuple(x - y for x, y in zip(Z[ij], Z[ia])),
                                            z0[ij] - z0[ia], h0 + ij, j < a))
                    M2.append(Z[ia])
                    m2.append(z0[ia])
                h0 += len(Z)
            else:
                breaks, slopes, offsets = table
                nb = len(breaks)
                for j, (zr, zc) in enumerate(zip(Z, z0)):
                    ub = bits[h0 + j * nb:h0 + (j + 1) * nb]
                    for bi, cb in enumerate(breaks):
                        if ub[bi]:
                            rows.append(Row(tuple(-x for x in zr), cb - zc, h0 + j * nb + bi, True))
                        else:
                            rows.append(Row(tuple(zr), zc - cb, h0 + j * nb + bi, False))
                    s, o = slopes[sum(bool(x) for x in ub)], offsets[sum(bool(x) for x in ub)]
                    M2.append([s * x for x in zr])
                    m2.append(s * zc + o)
                h0 += nb * len(Z)
            M, m = M2, m2
        return rows + self.domain_rows, (M, m)


def _lexsign(v: Sequence) -> int:
    for x in v:
        if x:
            return 1 if x > 0 else -1
    return 0


# --- dense exact linear algebra ------------------------------------------------------------

def _solve(B: list[list], rhs: list) -> list | None:
    """x with B x = rhs (B square), or None when B is singular; Gauss-Jordan."""
    n = len(B)
    aug = [list(B[i]) + [rhs[i]] for i in range(n)]
    for col in range(n):
        piv = next((r for r in range(col, n) if aug[r][col]), None)
        if piv is None:
            return None
        aug[col], aug[piv] = aug[piv], aug[col]
        p = aug[col][col]
        rowp = [x / p for x in aug[col]]
        aug[col] = rowp
        for r in range(n):
            if r != col and aug[r][col]:
                f = aug[r][col]
                aug[r] = [x - f * y for x, y in zip(aug[r], rowp)]
    return [aug[i][n] for i in range(n)]


def _rank(vectors: list[list]) -> int:
    """The exact rank of a list of rational vectors (Gaussian elimination)."""
    R = [list(v) for v in vectors]
    rank = 0
    n = len(R[0]) if R else 0
    for col in range(n):
        piv = next((r for r in range(rank, len(R)) if R[r][col]), None)
        if piv is None:
            continue
        R[rank], R[piv] = R[piv], R[rank]
        for r in range(rank + 1, len(R)):
            if R[r][col]:
                f = R[r][col] / R[rank][col]
                R[r] = [x - f * y for x, y in zip(R[r], R[rank])]
        rank += 1
    return rank


def _null_vector(rows: list[list], n: int) -> list | None:
    """A nonzero x with r.x = 0 for every row (fewer rows than n, or dependent), else None."""
    R = [list(r) for r in rows]
    pivots: list[int] = []
    r0 = 0
    for col in range(n):
        piv = next((r for r in range(r0, len(R)) if R[r][col]), None)
        if piv is None:
            continue
        R[r0], R[piv] = R[piv], R[r0]
        p = R[r0][col]
        R[r0] = [x / p for x in R[r0]]
        for r in range(len(R)):
            if r != r0 and R[r][col]:
                f = R[r][col]
                R[r] = [x - f * y for x, y in zip(R[r], R[r0])]
        pivots.append(col)
        r0 += 1
    free = next((c for c in range(n) if c not in pivots), None)
    if free is None:
        return None
    x = [_ZERO] * n
    x[free] = q(1)
    for i, col in enumerate(pivots):
        x[col] = -R[i][free]
    return x


def lp_max(A: list[list], b: list, c: list, x0: list) -> tuple[list, Any, list[int], list]:
    """Maximise c.x subject to A x <= b, exactly, from a feasible point x0.

    The point is first moved to a vertex (each step along the null space of the rows
    tight so far, in a direction that does not decrease c.x, to the first row it meets);
    then the simplex method walks from vertex to vertex with Bland's rule (the leaving
    row of smallest index among negative multipliers, the entering row of smallest index
    among ties of the ratio test), which cannot cycle.

    Parameters
    ----------
    A : list of lists of rationals
        The rows, m x n.
    b : list of rationals
        The right-hand sides.
    c : list of rationals
        The objective.
    x0 : list of rationals
        A feasible point.

    Returns
    -------
    x, value, basis, y
        An optimal vertex, c.x there, the n rows tight there that form the final basis, and
        their multipliers (y >= 0, sum y_i A_i = c: the dual certificate of optimality).

    Raises
    ------
    SolverError
        If x0 is infeasible or the objective is unbounded above (or the feasible set holds a
        line, so there is no vertex).

    Examples
    --------
    >>> A = [[q(1), q(0)], [q(0), q(1)], [q(-1), q(-1)]]
    >>> x, v, _, _ = lp_max(A, [q(1), q(2), q(0)], [q(1), q(1)], [q(0), q(0)])
    >>> [str(t) for t in x], str(v)
    (['1', '2'], '3')
    """
    n = len(c)
    x = list(x0)
    slack = [bi - _dot(ai, x) for ai, bi in zip(A, b)]
    if any(s < 0 for s in slack):
        raise SolverError("lp_max: the starting point is infeasible")
    T: list[int] = []

    def ratio(d: list, skip: list[int]) -> tuple[Any, int | None]:
        best, hit = None, None
        for i, ai in enumerate(A):
            if i in skip:
                continue
            ad = _dot(ai, d)
            if ad > 0:
                r = slack[i] / ad
                if best is None or r < best:
                    best, hit = r, i
        return best, hit

    def move(step: Any, d: list) -> None:
        nonlocal x, slack
        x = [xi + step * di for xi, di in zip(x, d)]
        slack = [bi - _dot(ai, x) for ai, bi in zip(A, b)]

    while len(T) < n:  # purify to a vertex
        d = _null_vector([A[i] for i in T], n)
        if d is None:
            break
        if _dot(c, d) < 0:
            d = [-v for v in d]
        step, hit = ratio(d, T)
        if hit is None:
            if _dot(c, d) > 0:
                raise SolverError("lp_max: the objective is unbounded")
            d = [-v for v in d]
            step, hit = ratio(d, T)
            if hit is None:
                raise SolverError("lp_max: the feasible set contains a line")
        move(step, d)
        T.append(hit)
    if len(T) < n:
        raise SolverError("lp_max: no vertex (rows of rank below the dimension)")
    while True:
        BT = [[A[i][k] for i in T] for k in range(n)]  # columns are the basis rows
        y = _solve(BT, c)
        if y is None:
            raise SolverError("lp_max: singular basis")
        neg = [T[j] for j in range(n) if y[j] < 0]
        if not neg:
            return x, _dot(c, x), list(T), y
        leave = min(neg)
        j = T.index(leave)
        # Direction d: A_i d = 0 for the other basis rows, A_leave d = -1.
        B = [A[i] for i in T]
        d = _solve(B, [(-q(1) if k == j else _ZERO) for k in range(n)])
        if d is None:
            raise SolverError("lp_max: singular basis")
        step, hit = ratio(d, T)
        if hit is None:
            raise SolverError("lp_max: the objective is unbounded")
        move(step, d)
        T[j] = hit


# --- regions -------------------------------------------------------------------------------

def _l1(a: Sequence) -> Any:
    s = _ZERO
    for x in a:
        s += x if x > 0 else -x
    return s


def interior_point(rows: Sequence[Row], hints: Sequence[Sequence] = ()) -> tuple[list | None, Any]:
    """An exact point where every row is strictly negative, or proof that none exists.

    Hints (rational points) are tried first; otherwise an exact LP maximises the smallest
    margin ``-(a.t + c) / |a|_1`` (an L1-weighted Chebyshev centre, capped at 1). Rows of
    zero gradient are constants: negative ones hold everywhere, and so does a zero one
    that needs only ``<= 0`` (a unit identically at its threshold, bit off); a positive one,
    or a zero one that must be strictly negative, makes the region empty.

    Parameters
    ----------
    rows : sequence of Row
        The region's rows.
    hints : sequence of sequences of rationals
        Candidate points, tried in order.

    Returns
    -------
    (point, margin)
        The point (None if there is none) and the weighted margin the LP found there
        (for a hint that passed: its margin; <= 0 when there is no point).
    """
    live = [r for r in rows if any(r.a)]
    if any(not any(r.a) and (r.c > 0 or (r.c == 0 and r.strict)) for r in rows):
        return None, _ZERO
    if not live:
        return None, _ZERO
    w = [_l1(r.a) for r in live]
    for h in hints:
        m = min((-(_dot(r.a, h) + r.c)) / wi for r, wi in zip(live, w))
        if m > 0:
            return list(h), m
    d = len(live[0].a)
    A = [list(r.a) + [wi] for r, wi in zip(live, w)] + [[_ZERO] * d + [q(1)]]
    b = [-r.c for r in live] + [q(1)]
    t0 = list(hints[0]) if hints else [_ZERO] * d
    s0 = min(min((-(_dot(r.a, t0) + r.c)) / wi for r, wi in zip(live, w)), q(1))
    x, s, _, _ = lp_max(A, b, [_ZERO] * d + [q(1)], t0 + [s0])
    return (x[:d], s) if s > 0 else (None, s)


@dataclass(frozen=True)
class Facet:
    """A facet of a region's closure, as exact data.

    Parameters
    ----------
    rows : tuple of int
        Indices (into the region's rows) of every row whose zero set is the facet's
        hyperplane with the same orientation (usually one).
    point : list of rationals
        A point of the facet's relative interior.
    """

    rows: tuple[int, ...]
    point: list


def _same_halfspace(r: Row, s: Row) -> bool:
    """Whether s is a positive multiple of r (gradient and constant)."""
    k = next(i for i, x in enumerate(r.a) if x)
    lam = s.a[k] / r.a[k]
    return lam > 0 and all(y == lam * x for x, y in zip(r.a, s.a)) and s.c == lam * r.c


def _float_guess(rows: Sequence[Row], live: list[int], inside: Sequence
                 ) -> tuple[np.ndarray, np.ndarray] | None:
    """Vertices of the region in floats and, per vertex, which live rows pass through it
    (a guess that facets() proves or discards); None when floats cannot tell."""
    A = np.array([[float(x) for x in rows[i].a] for i in live])
    c = np.array([float(rows[i].c) for i in live])
    p = np.array([float(x) for x in inside])
    try:
        if A.shape[1] == 1:
            a = A[:, 0]
            V = np.array([[np.max(-c[a < 0] / a[a < 0])], [np.min(-c[a > 0] / a[a > 0])]])
        else:
            from scipy.spatial import HalfspaceIntersection

            V = HalfspaceIntersection(np.hstack([A, c[:, None]]), p).intersections
    except Exception:  # qhull refuses thin or degenerate regions: no guess
        return None
    size = np.abs(A) @ np.abs(V).T + np.abs(c)[:, None] + 1.0
    tight = (np.abs(A @ V.T + c[:, None]) <= _GUESS_RTOL * size).T  # (n_vertices, n_live)
    return V, tight


# Float vertices lie on a row (a guess only) when its residual is below this relative size.
_GUESS_RTOL = 1e-9


def facets(rows: Sequence[Row], inside: Sequence) -> list[Facet]:
    """Every facet of the closure of a genuine region, each with a relative-interior point.

    Row k is a facet exactly when some point of its zero set makes every row that is not a
    positive multiple of it strictly negative. A float guess of the vertices (qhull) is
    proven row by row: a guessed facet by an exact point (the centroid of its guessed
    vertices, projected exactly onto its zero set) strictly inside the other rows; any
    other row by exact multipliers y >= 0 on proven facets with sum y_i a_i = a_k and
    c_k < sum y_i c_i (so the proven facets alone keep it negative). A row neither proof
    settles gets an exact LP (the largest weighted margin on its zero set, > 0 for a
    facet, which also gives the point).

    Parameters
    ----------
    rows : sequence of Row
        The rows of a genuine region (interior_point found a point).
    inside : sequence of rationals
        A point of its interior (starts the LPs).

    Returns
    -------
    list of Facet
        The facets, in row order of their first row.
    """
    live = [i for i, r in enumerate(rows) if any(r.a)]
    d = len(inside)
    w = {i: _l1(rows[i].a) for i in live}
    groups: dict[int, tuple[int, ...]] = {}
    grouped: set[int] = set()
    for k in live:
        if k not in grouped:
            groups[k] = tuple(j for j in live if j == k or _same_halfspace(rows[k], rows[j]))
            grouped.update(groups[k])
    guess = _float_guess(rows, live, inside)
    col = {k: i for i, k in enumerate(live)}
    proven: dict[int, list] = {}

    def project(k: int, t: Sequence) -> list:
        rk = rows[k]
        lam = (_dot(rk.a, t) + rk.c) / _dot(rk.a, rk.a)
        return [x - lam * a for x, a in zip(t, rk.a)]

    def strictly_inside(k: int, t: Sequence) -> bool:
        return all(_dot(rows[j].a, t) + rows[j].c < 0 for j in live if j not in groups[k])

    if guess is not None:
        V, tight = guess
        for k in groups:
            on = V[np.any(tight[:, [col[j] for j in groups[k]]], axis=1)]
            if len(on):
                t = project(k, [q(x) for x in on.mean(axis=0)])
                if strictly_inside(k, t):
                    proven[k] = t
    for k in groups:
        if k in proven:
            continue
        if guess is not None and _implied(rows, k, proven, guess, col, d):
            continue
        rk = rows[k]
        others = [j for j in live if j not in groups[k]]
        t0 = project(k, inside)
        if not others or strictly_inside(k, t0):
            proven[k] = t0
            continue
        A = ([list(rows[j].a) + [w[j]] for j in others]
             + [list(rk.a) + [_ZERO], [-x for x in rk.a] + [_ZERO], [_ZERO] * d + [q(1)]])
        b = [-rows[j].c for j in others] + [-rk.c, rk.c, q(1)]
        s0 = min(min((-(_dot(rows[j].a, t0) + rows[j].c)) / w[j] for j in others), q(1))
        x, s, _, _ = lp_max(A, b, [_ZERO] * d + [q(1)], t0 + [s0])
        if s > 0:
            proven[k] = x[:d]
    return [Facet(groups[k], proven[k]) for k in sorted(proven)]


def _implied(rows: Sequence[Row], k: int, proven: dict[int, list], guess, col, d: int) -> bool:
    """Whether exact multipliers y >= 0 on d proven facets through the guessed vertex where
    row k is largest give sum y_i a_i = a_k and c_k < sum y_i c_i."""
    V, tight = guess
    rk = rows[k]
    a = np.array([float(x) for x in rk.a])
    v = int(np.argmax(V @ a))
    basis = [j for j in proven if tight[v, col[j]]]
    if len(basis) != d:
        return False
    y = _solve([[rows[j].a[i] for j in basis] for i in range(d)], list(rk.a))
    if y is None or any(yi < 0 for yi in y):
        return False
    return rk.c - sum((yi * rows[j].c for yi, j in zip(y, basis)), _ZERO) < 0


# --- exact vertex enumeration --------------------------------------------------------------

def vertex_enumeration(rows: Sequence[Row], lo: Sequence[float], hi: Sequence[float],
                       max_vertices: int = 2048) -> tuple[list[tuple], np.ndarray] | None:
    """The vertices of the closed polytope {t : a.t + c <= 0 for every row}, exactly.

    Double description: a box 1 % larger than (lo, hi) (which the rows must bound) is cut
    by one row at a time; a cut keeps the vertices on its side and adds one on each edge
    it crosses, an edge being a pair of vertices on either side that share at least dim - 1
    constraints which no third vertex shares too (the combinatorial test, exact here
    because every sign is).

    Parameters
    ----------
    rows : sequence of Row
        The polytope's rows.
    lo, hi : sequence of float
        A box that holds the polytope.
    max_vertices : int, default 2048
        Give up (None) when the vertices in flight exceed this.

    Returns
    -------
    tuple or None
        The vertices (tuples of rationals) and, per vertex, a bool array of the rows it
        lies on; None when the polytope is empty or flat, or past max_vertices.

    Examples
    --------
    >>> rows = [Row((q(1), q(1)), q(-1), 0, True),   # x + y <= 1, x >= 0, y >= 0
    ...         Row((q(-1), q(0)), q(0), -1, True), Row((q(0), q(-1)), q(0), -2, True)]
    >>> V, on = vertex_enumeration(rows, [0.0, 0.0], [1.0, 1.0])
    >>> sorted(tuple(float(x) for x in v) for v in V)
    [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0)]
    >>> on.sum(axis=1).tolist()
    [2, 2, 2]
    """
    d, m = len(lo), len(rows)
    lo_q, hi_q = [q(x) for x in lo], [q(x) for x in hi]
    pad = [(h - b) / 100 for b, h in zip(lo_q, hi_q)]
    box = [(b - p, h + p) for b, h, p in zip(lo_q, hi_q, pad)]
    words = (m + 2 * d + 63) // 64

    def bit(k: int) -> np.ndarray:
        z = np.zeros(words, dtype=np.uint64)
        z[k // 64] = np.uint64(1) << np.uint64(k % 64)
        return z

    V = [tuple(box[i][c] for i, c in enumerate(corner))
         for corner in itertools.product((0, 1), repeat=d)]
    Z = np.array([np.bitwise_or.reduce([bit(m + 2 * i + c) for i, c in enumerate(corner)])
                  for corner in itertools.product((0, 1), repeat=d)], dtype=np.uint64)
    for k, row in enumerate(rows):
        vals = [_dot(row.a, v) + row.c for v in V]
        sign = np.array([(x > 0) - (x < 0) for x in vals])
        if not np.any(sign > 0):
            Z[sign == 0] |= bit(k)
            continue
        if not np.any(sign < 0):
            return None
        pos, neg = np.flatnonzero(sign > 0), np.flatnonzero(sign < 0)
        common = Z[pos][:, None, :] & Z[neg][None, :, :]
        new_V, new_Z = [], []
        for pi, ni in np.argwhere(np.bitwise_count(common).sum(axis=2) >= d - 1):
            c = common[pi, ni]
            i, j = pos[pi], neg[ni]
            holders = np.flatnonzero(np.all((Z & c) == c, axis=1))
            if len(holders) > 2:  # a third vertex on all of them: not an edge
                continue
            t = vals[i] / (vals[i] - vals[j])
            new_V.append(tuple(x + t * (y - x) for x, y in zip(V[i], V[j])))
            new_Z.append(c | bit(k))
        keep = np.flatnonzero(sign <= 0)
        Z[sign == 0] |= bit(k)
        V = [V[i] for i in keep] + new_V
        Z = np.concatenate([Z[keep], np.array(new_Z, dtype=np.uint64).reshape(-1, words)])
        if len(V) > max_vertices:
            return None
    if len(V) <= d:
        return None
    on = np.unpackbits(Z.view(np.uint8).reshape(len(V), -1), axis=1, bitorder="little")
    return V, on[:, :m].astype(bool)
