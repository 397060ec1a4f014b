"""Bounds on region counts, exact arrangement counts, and Hanin & Rolnick expectations.

Every count is an exact Python int (math.comb, never floats), so bounds stay exact for any
architecture, n_in = 784 included. The formulas and the corrections of their source texts
are in docs/bounds.md (and ../shared/theory.md §1, ../shared/bounds-and-constructions.md).

Conventions: ``widths`` are the hidden-layer widths n_1..n_L (the linear output layer is not
counted); ``n_in`` is n_0, the input dimension, or the slice dimension for an affine slice.
Upper bounds bound the number of activation regions, hence also of linear regions. Lower
bounds are lower bounds on the *maximum over weights*: a given network may have fewer
regions, so they are never "violated".
"""
from __future__ import annotations

import itertools
import math
import numbers
import warnings
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Iterable, NamedTuple, Sequence

import numpy as np
from scipy.optimize import linprog

from regionkit.errors import BoundsInputError, BoundViolation, BoundViolationError
from regionkit.model.domains import Domain
from regionkit.model.network import Network

# Float entries whose exact binary value has a denominator up to this are taken as exact
# rationals (1/2, 3/4, 0.375 ...); any other float switches the arrangement to float mode.
EXACT_MAX_DENOMINATOR = 2 ** 20
# Float mode: a row lies in a span when its distance to the span is at most this fraction of
# its norm (rows are hyperplane equations scaled to unit normal).
FLOAT_RANK_RTOL = 1e-9
# A flat meets an open set when an LP finds one of its points at depth > this x (1 + max |h|)
# inside every inequality g.x < h (rows scaled to unit norm).
OPEN_SET_RTOL = 1e-9
# check() adds the exact Zaslavsky count of a one-layer net only up to this many flats (the
# poset is built in pure Python).
CHECK_MAX_FLATS = 5000


# --- input checks ------------------------------------------------------------------------

def _integer(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise BoundsInputError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise BoundsInputError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _integers(name: str, values: Any, minimum: int) -> list[int]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise BoundsInputError(f"{name} must be a sequence of integers, got {values!r}")
    return [_integer(f"{name}[{i}]", v, minimum) for i, v in enumerate(values)]


def _widths(widths: Sequence[int]) -> list[int]:
    ws = _integers("widths", widths, 1)
    if not ws:
        raise BoundsInputError("widths must list at least one hidden layer")
    return ws


def _sum_comb(n: int, top: int) -> int:
    """Σ_{j=0}^{top} C(n, j): regions of n generic hyperplanes in R^top."""
    return sum(math.comb(n, j) for j in range(min(n, top) + 1))


# --- exact linear algebra on hyperplane equations -----------------------------------------

class _ExactSpan:
    """Row space of augmented rows [a | c] (meaning a.x = c) over Q, in reduced echelon form.

    Only consistent systems are built: a pivot never lands in the constant column.
    """

    def __init__(self, d: int, rows: tuple[tuple[Fraction, ...], ...] = (),
                 pivots: tuple[int, ...] = ()) -> None:
        self.d, self.rows, self.pivots = d, rows, pivots

    @property
    def rank(self) -> int:
        return len(self.rows)

    def _reduce(self, row: Sequence[Fraction]) -> list[Fraction]:
        v = list(row)
        for p, r in zip(self.pivots, self.rows):
            if v[p]:
                f = v[p]
                v = [x - f * y for x, y in zip(v, r)]
        return v

    def contains(self, row: Sequence[Fraction]) -> bool:
        return not any(self._reduce(row))

    def members(self, rows: Sequence[Sequence[Fraction]]) -> int:
        """Bit mask of the rows that lie in the span."""
        return sum(1 << i for i, row in enumerate(rows) if self.contains(row))

    def extended(self, row: Sequence[Fraction]) -> "_ExactSpan | None":
        """The span with `row` added, or None when the system becomes inconsistent."""
        v = self._reduce(row)
        p = next(i for i, x in enumerate(v) if x)  # callers never pass a row in the span
        if p == self.d:
            return None
        v = [x / v[p] for x in v]
        rows = tuple(tuple(x - r[p] * y for x, y in zip(r, v)) for r in self.rows)
        return _ExactSpan(self.d, rows + (tuple(v),), self.pivots + (p,))

    def equations(self) -> tuple[np.ndarray, np.ndarray]:
        """Independent equations (A, c) of the flat, as floats."""
        M = np.array([[float(x) for x in r] for r in self.rows]).reshape(-1, self.d + 1)
        return M[:, :-1], M[:, -1]


class _FloatSpan:
    """Row space of augmented rows [a | c] in floats, with an orthonormal basis."""

    def __init__(self, d: int, basis: np.ndarray | None = None) -> None:
        self.d = d
        self.basis = np.zeros((0, d + 1)) if basis is None else basis

    @property
    def rank(self) -> int:
        return self.basis.shape[0]

    def _residual(self, row: np.ndarray) -> np.ndarray:
        return row - self.basis.T @ (self.basis @ row)

    def contains(self, row: np.ndarray) -> bool:
        return bool(np.linalg.norm(self._residual(row)) <= FLOAT_RANK_RTOL * np.linalg.norm(row))

    def members(self, rows: np.ndarray) -> int:
        """Bit mask of the rows that lie in the span (vectorised)."""
        res = rows - (rows @ self.basis.T) @ self.basis
        inside = np.linalg.norm(res, axis=1) <= FLOAT_RANK_RTOL * np.linalg.norm(rows, axis=1)
        return sum(1 << int(i) for i in np.flatnonzero(inside))

    def extended(self, row: np.ndarray) -> "_FloatSpan | None":
        r = self._residual(row)
        span = _FloatSpan(self.d, np.vstack([self.basis, r / np.linalg.norm(r)]))
        constant = np.zeros(self.d + 1)
        constant[-1] = 1.0
        return None if span.contains(constant) else span

    def equations(self) -> tuple[np.ndarray, np.ndarray]:
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


def _augmented_rows(W: Any, b: Any, exact: bool | None) -> tuple[int, Any, bool]:
    """Hyperplanes W_i x + b_i = 0 as augmented rows [W_i | -b_i]: (d, rows, exact)."""
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


# --- the intersection poset ----------------------------------------------------------------

@dataclass(frozen=True)
class _Flat:
    mask: int  # bit i set iff hyperplane i contains the flat
    dim: int
    span: Any  # _ExactSpan | _FloatSpan of its equations


class _Poset:
    """The intersection poset L(A) of an arrangement and its Möbius function from 0̂ = R^d.

    Flats are generated rank by rank as Y ∩ H_i and identified by the set of hyperplanes that
    contain them, so duplicate hyperplanes and non-generic intersections are handled.
    below[x] holds the indices of the flats strictly containing flats[x] (below it in L(A));
    it is assembled from the covering flats met during generation, never by pairwise tests.
    """

    def __init__(self, W: Any, b: Any, exact: bool | None) -> None:
        self.d, self.rows, self.exact = _augmented_rows(W, b, exact)
        span0 = _ExactSpan(self.d) if self.exact else _FloatSpan(self.d)
        self.flats = [_Flat(0, self.d, span0)]
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
                        self.flats.append(_Flat(mask, self.d - span.rank, span))
                        self.below.append(set())
                        nxt.append(x)
                    self.below[x] |= self.below[y] | {y}
            level = nxt

    def mobius_interval(self, x: int) -> dict[int, int]:
        """μ(X, Y) for X = flats[x] and every flat Y ⊆ X (index -> value)."""
        mu = {x: 1}
        for y in range(x + 1, len(self.flats)):
            if x in self.below[y]:
                mu[y] = -sum(mu[z] for z in self.below[y] if z in mu)
        return mu

    def meets(self, open_set: tuple[np.ndarray, np.ndarray] | None) -> list[bool]:
        """Which flats meet the open set {x : G x < h} (all of them when it is None)."""
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


# --- arrangements: public API ------------------------------------------------------------

@dataclass(frozen=True)
class CharacteristicPolynomial:
    """χ_A(t) = Σ_X μ(0̂, X) t^dim X; coeffs[i] is the (int) coefficient of t^i."""

    coeffs: tuple[int, ...]
    rank: int  # dimension of the span of the normals

    def __call__(self, t: int | Fraction) -> int | Fraction:
        return sum(c * t ** i for i, c in enumerate(self.coeffs))

    @property
    def dim(self) -> int:
        return len(self.coeffs) - 1

    def __str__(self) -> str:
        terms = [f"{c:+d}" + (f"*t^{i}" if i > 1 else "*t" if i == 1 else "")
                 for i, c in reversed(list(enumerate(self.coeffs))) if c]
        return " ".join(terms).lstrip("+") or "0"


class ArrangementCount(NamedTuple):
    """regions; bounded = relatively bounded regions of R^d (None for an open box)."""

    regions: int
    bounded: int | None


def characteristic_polynomial(W: Any, b: Any, *, exact: bool | None = None
                              ) -> CharacteristicPolynomial:
    """χ of the arrangement {W_i x + b_i = 0}, from its intersection poset.

    exact=None decides per input: ints, Fractions and short binary floats (0.5, 0.25) are
    exact rationals and ranks are computed by rational elimination; any other float switches
    to float ranks with tolerance FLOAT_RANK_RTOL. exact=True forces exact arithmetic on the
    exact binary values of the floats; exact=False forces floats.
    """
    poset = _Poset(W, b, exact)
    coeffs = [0] * (poset.d + 1)
    for X, mu in zip(poset.flats, poset.mu):
        coeffs[X.dim] += mu
    rank = poset.d - min(X.dim for X in poset.flats)
    return CharacteristicPolynomial(tuple(coeffs), rank)


def zaslavsky(W: Any, b: Any, box: Any = None, *, exact: bool | None = None) -> ArrangementCount:
    """Regions of the arrangement {W_i x + b_i = 0}: a one-hidden-layer ReLU net's regions.

    box=None: R^d, regions r = (-1)^d χ(-1) = Σ_X |μ(0̂,X)| and relatively bounded regions
    b = (-1)^rank χ(1) (Zaslavsky). box=(lo, hi) or a regionkit Domain (in the arrangement's
    coordinates): regions inside that open convex set, Σ |μ(0̂,X)| over the flats X meeting it
    (bounds-and-constructions.md §1.1); `bounded` is then None. Flats meeting the set are
    found by an LP with tolerance OPEN_SET_RTOL, so a flat that only touches the boundary of
    the set does not count.
    """
    poset = _Poset(W, b, exact)
    meets = poset.meets(_open_set(box, poset.d))
    regions = sum(abs(mu) for mu, ok in zip(poset.mu, meets) if ok)
    if box is not None:
        return ArrangementCount(regions, None)
    return ArrangementCount(regions, abs(sum(poset.mu)))


def face_counts(W: Any, b: Any, box: Any = None, *, exact: bool | None = None
                ) -> tuple[int, ...]:
    """f_k = number of k-dimensional faces (k = 0..d) of the arrangement, in R^d or the box.

    f_k = Σ_{dim X = k, X meets K} Σ_{Y ⊆ X, Y meets K} |μ(X, Y)| (Zaslavsky 1975; with K,
    bounds-and-constructions.md §1.1). f_d is the region count and f_{d-1} the number of
    pairs of adjacent regions. Cost grows like (number of flats)^3: small arrangements only.
    """
    poset = _Poset(W, b, exact)
    meets = poset.meets(_open_set(box, poset.d))
    f = [0] * (poset.d + 1)
    for x, X in enumerate(poset.flats):
        if meets[x]:
            f[X.dim] += sum(abs(v) for y, v in poset.mobius_interval(x).items() if meets[y])
    return tuple(f)


def general_position_regions(n: int, d: int) -> int:
    """Σ_{i=0}^{d} C(n, i): regions of n hyperplanes in general position in R^d (the maximum)."""
    return _sum_comb(_integer("n", n, 0), _integer("d", d, 0))


def general_position_bounded(n: int, d: int) -> int:
    """C(n-1, d): bounded regions of n hyperplanes in general position in R^d (d >= 1)."""
    n, d = _integer("n", n, 0), _integer("d", d, 1)
    return math.comb(n - 1, d) if n >= 1 else 0


# --- bounds for ReLU networks --------------------------------------------------------------

def trivial_upper(n_units: int, n_hard_tanh_units: int = 0) -> int:
    """2^N (one on/off bit per ReLU unit) times 3^M (three states per hard tanh unit)."""
    return 2 ** _integer("n_units", n_units, 0) * 3 ** _integer("n_hard_tanh_units",
                                                               n_hard_tanh_units, 0)


def single_layer_upper(n_in: int, n_units: int) -> int:
    """Σ_{j=0}^{n_in} C(N, j): the exact maximum for ONE hidden layer of N units (Zaslavsky).

    S1 states it as a "global upper bound" for N neurons in any depth: that is FALSE for
    deep nets (the Telgarsky sawtooth has 2^k regions from 2k units in 1-D, above 2k + 1).
    Use it only for one hidden layer, or as the "shallow net with the same N" reference.
    """
    return _sum_comb(_integer("n_units", n_units, 0), _integer("n_in", n_in, 1))


def serra_upper(n_in: int, widths: Sequence[int], ranks: Sequence[int] | None = None) -> int:
    """Serra, Tjandraatmadja & Ramalingam 2018, Theorem 1 (L = number of hidden layers).

    Σ_{(j_1..j_L) ∈ J} Π_l C(n_l, j_l), J = {0 <= j_l <= min(n_0, n_1-j_1, ..., n_{l-1}-j_{l-1},
    n_l)}, evaluated without enumerating J by the dynamic program over the dimension cap c:
    f(L+1, c) = 1, f(l, c) = Σ_{j <= min(c, n_l)} C(n_l, j) f(l+1, min(c, n_l - j)).
    With `ranks`, the rank-refined variant as Serra state it: j_l is also capped by
    rank(W_l) (the dimension passed on is still min(c, n_l - j_l)).
    """
    n0, ws = _integer("n_in", n_in, 1), _widths(widths)
    caps = ws if ranks is None else _ranks(ranks, ws)
    top = max(ws)
    f = [1] * (top + 1)  # f[c] for the layers after the current one
    for n, cap in zip(reversed(ws), reversed(caps)):
        f = _serra_layer(f, n, cap, top)
    return f[min(n0, top)]


def _serra_layer(g: list[int], n: int, cap: int, top: int) -> list[int]:
    """f[c] = Σ_{j <= min(c, cap)} C(n, j) g[min(c, n - j)] for c = 0..top, in O(top + n).

    Terms with j <= n - c all use g[c]; the others use g[n - j]: two prefix sums.
    """
    comb = [math.comb(n, j) for j in range(cap + 1)]
    S = list(itertools.accumulate(comb))
    P = [0, *itertools.accumulate(comb[j] * g[n - j] for j in range(cap + 1))]
    f = []
    for c in range(top + 1):
        hi = min(c, cap)
        split = min(hi, n - c)  # the last j with n - j >= c (negative when c > n)
        first = g[c] * S[split] if split >= 0 else 0
        f.append(first + P[hi + 1] - P[max(split, -1) + 1])
    return f


def _ranks(ranks: Sequence[int], widths: list[int]) -> list[int]:
    out = _integers("ranks", ranks, 0)
    if len(out) != len(widths):
        raise BoundsInputError(f"ranks must give one rank per hidden layer ({len(widths)})")
    bad = [i for i, (r, n) in enumerate(zip(out, widths)) if r > n]
    if bad:
        raise BoundsInputError(f"ranks[{bad[0]}] = {out[bad[0]]} exceeds the layer width")
    return out


def layer_ranks(network: Network, domain: Domain | None = None) -> list[int]:
    """Rank of each splitting layer's weights, for serra_upper(..., ranks=...).

    Identity layers are composed into the next layer, and a slice domain's map into the
    first, so the ranks are those of the maps that actually cut the domain.
    """
    return [int(np.linalg.matrix_rank(W)) for W, _, _ in _splitting_layers(network, domain)]


def montufar2017_upper(n_in: int, widths: Sequence[int]) -> int:
    """Montúfar 2017: Π_l Σ_{j <= d_l} C(n_l, j), d_l = min(n_0, n_1, ..., n_l)."""
    n0, ws = _integer("n_in", n_in, 1), _widths(widths)
    caps = itertools.accumulate([n0] + ws, min)
    next(caps)
    return math.prod(_sum_comb(n, d) for n, d in zip(ws, caps))


def raghu_upper(n_in: int, widths: Sequence[int], hard_tanh: bool = False) -> int:
    """Raghu et al. 2017, Thm 1 made explicit: Π_l Σ_{i <= n_0} C(T n_l, i) activation patterns.

    The proof cuts every region by a fresh arrangement of the layer's T n_l hyperplanes
    (T = 1 for ReLU or leaky ReLU, T = 2 for hard tanh: w.x + b = ±1); equal widths k and
    depth n give (Σ_{i<=m} C(k, i))^n. Valid for any one- or two-breakpoint activation.
    """
    n0, ws = _integer("n_in", n_in, 1), _widths(widths)
    t = 2 if hard_tanh else 1
    return math.prod(_sum_comb(t * n, n0) for n in ws)


def montufar_lower(n_in: int, widths: Sequence[int]) -> int | None:
    """Montúfar et al. 2014: (Π_{l<L} ⌊n_l/n_0⌋^{n_0}) Σ_{j<=n_0} C(n_L, j) regions exist.

    A lower bound on the maximum over weights. None when its hypothesis n_l >= n_0 fails.
    """
    n0, ws = _integer("n_in", n_in, 1), _widths(widths)
    if min(ws) < n0:
        return None
    return math.prod((n // n0) ** n0 for n in ws[:-1]) * _sum_comb(ws[-1], n0)


def serra_lower(n_in: int, widths: Sequence[int]) -> int | None:
    """Serra et al. 2018, Thm 6: (Π_{l<L} (⌊n_l/n_0⌋ + 1)^{n_0}) Σ_{j<=n_0} C(n_L, j).

    A lower bound on the maximum over weights. None when its hypothesis n_l >= 3 n_0 fails.
    """
    n0, ws = _integer("n_in", n_in, 1), _widths(widths)
    if min(ws) < 3 * n0:
        return None
    return math.prod((n // n0 + 1) ** n0 for n in ws[:-1]) * _sum_comb(ws[-1], n0)


def one_dimensional_max(widths: Sequence[int]) -> int:
    """Π_l (n_l + 1): an upper bound for n_0 = 1 (Montúfar 2017 with d_l = 1), and the exact
    maximum when every n_l >= 3 (Serra et al. 2018, Thm 5; see constructions.serra_1d)."""
    return math.prod(n + 1 for n in _widths(widths))


def _arora_count(n_in: int, m: int, w: int, n_layers: int, base_plus: int) -> int:
    n0 = _integer("n_in", n_in, 1)
    m, w = _integer("m", m, 1), _integer("w", w, 2)
    L = _integer("n_layers", n_layers, 1)
    return 2 * _sum_comb(m - 1, n0 - 1) * (w + base_plus) ** (L - 1)


def arora_lower(n_in: int, m: int, w: int, n_layers: int) -> int:
    """Arora et al. 2018, Thm 2.11(i): 2 Σ_{j<n_0} C(m-1, j) w^{L-1} regions exist.

    Architecture: a first layer of 2m units (a zonotope) and L-1 layers of w units.
    """
    return _arora_count(n_in, m, w, n_layers, 0)


def serra_arora_lower(n_in: int, m: int, w: int, n_layers: int) -> int:
    """Serra et al. 2018, Thm 7: Arora's construction improved to 2 Σ_{j<n_0} C(m-1, j)
    (w+1)^{L-1}, same architecture (2m units, then L-1 layers of w units)."""
    return _arora_count(n_in, m, w, n_layers, 1)


# --- maxout --------------------------------------------------------------------------------

def maxout_upper(n_in: int, widths: Sequence[int], k: int) -> int:
    """Serra et al. 2018, Thm 8, for L layers of rank-k maxout units:
    Π_l Σ_{j <= d_l} C(k(k-1)/2 · n_l, j), d_l = min(n_0, ..., n_l). Equals montufar2017_upper
    for k = 2."""
    n0, ws, k = _integer("n_in", n_in, 1), _widths(widths), _integer("k", k, 2)
    caps = itertools.accumulate([n0] + ws, min)
    next(caps)
    pairs = k * (k - 1) // 2
    return math.prod(_sum_comb(pairs * n, d) for n, d in zip(ws, caps))


def maxout_single_layer_upper(n_in: int, n_units: int, k: int) -> int:
    """Montúfar et al. 2014, one layer of m rank-k maxout units: min{Σ_{j=0}^{n_0} C(k² m, j),
    k^m}. The survey S0 starts the sum at j = 1; j = 0 is correct (and the larger bound)."""
    n0, m, k = _integer("n_in", n_in, 1), _integer("n_units", n_units, 1), _integer("k", k, 2)
    return min(_sum_comb(k * k * m, n0), k ** m)


def maxout_single_layer_lower(n_in: int, n_units: int, k: int) -> int:
    """Montúfar et al. 2014: one layer of m rank-k maxout units reaches k^{min(n_0, m)}."""
    n0, m, k = _integer("n_in", n_in, 1), _integer("n_units", n_units, 1), _integer("k", k, 2)
    return k ** min(n0, m)


def maxout_deep_lower(n_in: int, n_layers: int, k: int) -> int:
    """Montúfar et al. 2014, Thm 8: L layers of width n_0 and rank k reach k^{L-1} k^{n_0}."""
    n0, L, k = _integer("n_in", n_in, 1), _integer("n_layers", n_layers, 1), _integer("k", k, 2)
    return k ** (L - 1 + n0)


# --- check: measured counts beside every applicable bound ----------------------------------

HOLDS, TIGHT, VIOLATED, MATCHES, INFO, REACHED, UNKNOWN = (
    "holds", "tight", "VIOLATED", "matches", "info", "reached", "holds so far")


@dataclass(frozen=True)
class BoundRow:
    """One bound beside the measured counts. kind: 'upper', 'exact', 'lower' or 'reference'."""

    name: str
    kind: str
    value: int
    source: str
    activation_status: str
    linear_status: str | None

    @property
    def violated(self) -> bool:
        return VIOLATED in (self.activation_status, self.linear_status)


def _status(kind: str, value: int, measured: int | None, complete: bool) -> str | None:
    """How a measured count (a lower bound on the truth when incomplete) sits against value."""
    if measured is None:
        return None
    if kind in ("lower", "reference"):
        return REACHED if measured >= value else INFO
    if measured > value or (kind == "exact" and complete and measured != value):
        return VIOLATED
    if not complete:
        return UNKNOWN
    if kind == "exact":
        return MATCHES
    return TIGHT if measured == value else HOLDS


def _fmt(v: int) -> str:
    """Exact up to 15 digits, then d.ddde+NN (exact ints can exceed the float range)."""
    s = str(v)
    return s if len(s) <= 15 else f"{s[0]}.{s[1:4]}e+{len(s) - 1}"


@dataclass(frozen=True)
class BoundsTable:
    """Every bound that applies to a network on a domain, beside its measured region counts."""

    architecture: str
    domain: str
    n0: int
    n_activation: int
    n_linear: int | None
    complete: bool
    rows: tuple[BoundRow, ...]

    @property
    def violations(self) -> list[BoundRow]:
        return [r for r in self.rows if r.violated]

    def _cells(self) -> tuple[list[str], list[list[str]]]:
        head = ["bound", "kind", "value", "activation"]
        if self.n_linear is not None:
            head.append("linear")
        body = []
        for r in self.rows:
            cells = [r.name, r.kind, _fmt(r.value), r.activation_status]
            if self.n_linear is not None:
                cells.append(r.linear_status or "-")
            body.append(cells)
        return head, body

    def _header(self) -> str:
        lin = "" if self.n_linear is None else f", {self.n_linear} linear regions"
        state = "" if self.complete else " (INCOMPLETE run: counts are lower bounds)"
        return (f"{self.architecture} on {self.domain} (n0 = {self.n0}): "
                f"{self.n_activation} activation regions{lin}{state}")

    def __str__(self) -> str:
        head, body = self._cells()
        widths = [max(len(row[i]) for row in [head] + body) for i in range(len(head))]
        lines = [self._header(), "  ".join(h.ljust(w) for h, w in zip(head, widths))]
        lines.append("  ".join("-" * w for w in widths))
        lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in body]
        return "\n".join(lines)

    def to_markdown(self) -> str:
        head, body = self._cells()
        lines = [self._header(), "", "| " + " | ".join(head) + " |",
                 "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(row) + " |" for row in body]
        return "\n".join(lines)


def _splitting_layers(network: Network, domain: Domain | None
                      ) -> list[tuple[np.ndarray, np.ndarray, str]]:
    """(W, b, activation) of each non-identity layer, in the domain's coordinates; maxout
    layers are named 'maxout:k' and their W holds the pieces' rows.

    Identity layers are composed into the next layer and a slice map x = origin + U t into
    the first, so the first entry is the arrangement that cuts the domain.
    """
    if domain is None:
        M, m = np.eye(network.n_in), np.zeros(network.n_in)
    else:
        M, m = np.asarray(domain.basis, float), np.asarray(domain.origin, float)
    out = []
    for W, b, act, name, k in zip(network.weights, network.biases, network.activations,
                                  network.activation_names(), network.pieces):
        M, m = W @ M, W @ m + b
        if act != "identity":
            out.append((M, m, name if act == "maxout" else act))
            M, m = np.eye(W.shape[0] // k), np.zeros(W.shape[0] // k)
    return out


def _single_layer_arrangement(W: np.ndarray, b: np.ndarray, act: str
                              ) -> tuple[np.ndarray, np.ndarray]:
    """Hyperplanes of one layer: z = 0 (ReLU, leaky), z = ±1 (hard tanh); dead rows dropped."""
    if act == "hard_tanh":
        W, b = np.vstack([W, W]), np.r_[b + 1.0, b - 1.0]
    live = W.any(axis=1)
    return W[live], b[live]


def _relu_rows(n0: int, ws: list[int], ranks: list[int]) -> list[tuple[str, str, int, str]]:
    L, N = len(ws), sum(ws)
    serra, refined = serra_upper(n0, ws), serra_upper(n0, ws, ranks)
    rows = [("Serra Thm 1", "upper", serra, "Serra et al. 2018")]
    if refined < serra:
        rows.append(("Serra Thm 1, rank-refined", "upper", refined,
                     "Serra et al. 2018, rank remark"))
    rows.append(("Montufar 2017", "upper", montufar2017_upper(n0, ws), "Montufar 2017"))
    if n0 == 1:
        rows.append(("1-D max prod(n_l+1)", "upper", one_dimensional_max(ws),
                     "Serra et al. 2018, Thm 5"))
    rows.append(("Raghu product", "upper", raghu_upper(n0, ws), "Raghu et al. 2017, Thm 1"))
    rows.append(("2^N", "upper", trivial_upper(N), "trivial"))
    if L > 1:
        rows.append(("shallow sum C(N,j) (false for deep nets)", "reference",
                     single_layer_upper(n0, N), "S1; valid for one hidden layer only"))
    for name, value, src in (("Montufar 2014", montufar_lower(n0, ws), "Montufar et al. 2014"),
                             ("Serra Thm 6", serra_lower(n0, ws), "Serra et al. 2018")):
        if value is not None:
            rows.append((name, "lower", value, src))
    if L > 1 and ws[0] % 2 == 0 and len(set(ws[1:])) == 1 and ws[1] >= 2:
        rows.append(("Serra Thm 7 (Arora-type)", "lower",
                     serra_arora_lower(n0, ws[0] // 2, ws[1], L), "Serra et al. 2018"))
    return rows


def _maxout_rows(n0: int, layers: list, acts: set[str]) -> list[tuple[str, str, int, str]]:
    """Bounds for nets with maxout layers: Serra's Thm 8 and Montufar's one-layer bound when
    every splitting layer is maxout of one rank k; always the product over layers of the
    regions of an arrangement of their hyperplanes (a maxout unit's argmax cells are unions
    of the cells of its k(k-1)/2 piece differences, a hard tanh unit has 2, others 1)."""
    def hyperplanes(W: np.ndarray, act: str) -> int:
        if act.startswith("maxout"):
            k = int(act.partition(":")[2])
            return W.shape[0] // k * (k * (k - 1) // 2)
        return W.shape[0] * (2 if act == "hard_tanh" else 1)

    rows = [("product of layer arrangements", "upper",
             math.prod(_sum_comb(hyperplanes(W, a), n0) for W, _, a in layers),
             "Raghu et al. 2017, Thm 1 argument")]
    if len(acts) == 1:
        k = int(next(iter(acts)).partition(":")[2])
        if k >= 2:
            units = [W.shape[0] // k for W, _, _ in layers]
            rows.insert(0, ("Serra Thm 8 (maxout)", "upper", maxout_upper(n0, units, k),
                            "Serra et al. 2018"))
            if len(layers) == 1:
                rows.insert(1, ("Montufar 2014, one maxout layer", "upper",
                                maxout_single_layer_upper(n0, units[0], k),
                                "Montufar et al. 2014"))
    return rows


def _rows_for(network: Network, domain: Domain) -> list[tuple[str, str, int, str]]:
    """(name, kind, value, source) of every bound that applies to this network and domain."""
    layers = _splitting_layers(network, domain)
    if not layers:
        return [("affine network", "exact", 1, "no splitting layer")]
    n0 = domain.dim
    ws = [W.shape[0] for W, _, _ in layers]
    acts = {act for _, _, act in layers}
    if acts == {"relu"}:
        rows = _relu_rows(n0, ws, layer_ranks(network, domain))
    elif any(a.startswith("maxout") for a in acts):
        return _maxout_rows(n0, layers, acts)
    else:
        t = [2 if act == "hard_tanh" else 1 for _, _, act in layers]
        n_ht = sum(n for n, a in zip(ws, t) if a == 2)
        rows = [("Raghu product (T n_l hyperplanes)", "upper",
                 math.prod(_sum_comb(a * n, n0) for n, a in zip(ws, t)), "Raghu et al. 2017"),
                ("2^N 3^M (M hard tanh units)", "upper", trivial_upper(sum(ws) - n_ht, n_ht),
                 "trivial")]
    if len(layers) == 1:
        W, b = _single_layer_arrangement(*layers[0])
        if general_position_regions(len(W), n0) <= CHECK_MAX_FLATS:
            rows.insert(0, ("Zaslavsky on the domain", "exact",
                            zaslavsky(W, b, domain, exact=False).regions if len(W) else 1,
                            "Zaslavsky; bounds-and-constructions.md §1.1"))
    return rows


def check(region_set: Any, strict: bool = False, linear: bool = True) -> BoundsTable:
    """Every bound that applies to the network, beside the measured counts of `region_set`.

    Bounds use n0 = the domain's dimension (a slice composes an affine map into layer 1).
    ReLU nets get Serra, Montúfar, Raghu, 2^N and the lower bounds; hard tanh and leaky
    ReLU nets the Raghu product and 2^N 3^M; a net with one splitting layer also gets the
    exact Zaslavsky count on the domain. A measured count above an upper bound, or different
    from an exact count, is a bug somewhere: it warns with BoundViolation, or raises
    BoundViolationError when strict=True. The linear-region count is shown when the
    RegionSet has one (n_linear_regions); linear=False skips it, since computing it needs the
    region adjacency graph.
    """
    net, domain = region_set.network, region_set.domain
    complete = bool(region_set.complete)
    n_act = int(region_set.n_regions)
    n_lin = getattr(region_set, "n_linear_regions", None) if linear else None
    n_lin = n_lin() if callable(n_lin) else n_lin
    n_lin = None if n_lin is None else int(n_lin)
    rows = tuple(BoundRow(name, kind, value, src, _status(kind, value, n_act, complete),
                          None if kind == "exact" else _status(kind, value, n_lin, complete))
                 for name, kind, value, src in _rows_for(net, domain))
    arch = "-".join(str(w) for w in [net.n_in] + net.widths)
    table = BoundsTable(f"{arch} ({','.join(sorted(set(net.activation_names())))})", repr(domain),
                        domain.dim, n_act, n_lin, complete, rows)
    if table.violations:
        msg = ("measured region counts break proven bounds (a bug in the engine, the bound "
               "or the tolerances):\n" + "\n".join(
                   f"  {r.name} = {r.value}: measured {n_act} activation"
                   + ("" if n_lin is None else f", {n_lin} linear") for r in table.violations))
        if strict:
            raise BoundViolationError(msg)
        warnings.warn(msg, BoundViolation, stacklevel=2)
    return table


# --- Hanin & Rolnick 2019 ------------------------------------------------------------------

@dataclass(frozen=True)
class MonteCarloEstimate:
    """mean ± stderr over n_networks independent networks, n_points points each."""

    mean: float
    stderr: float
    n_networks: int
    n_points: int

    def __str__(self) -> str:
        return f"{self.mean:.6g} ± {self.stderr:.2g}"


def gaussian_density(std: float) -> Callable[[np.ndarray], np.ndarray]:
    """Density of N(0, std²), for hanin_rolnick_volume's bias_density."""
    std = float(std)
    if not (math.isfinite(std) and std > 0):
        raise BoundsInputError(f"std must be positive, got {std}")
    return lambda v: np.exp(-0.5 * (np.asarray(v) / std) ** 2) / (std * math.sqrt(2 * math.pi))


def _relu_layers(net: Network) -> None:
    if net.activations[-1] != "identity" or any(a != "relu" for a in net.activations[:-1]):
        raise BoundsInputError("Hanin & Rolnick's Theorem 3 needs ReLU hidden layers and a "
                               f"linear output layer, got {net.activations}")


def _pass(net: Network, X: np.ndarray, U: np.ndarray, zeroed: frozenset
          ) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Per hidden layer: bias-free pre-activations z(x), gradients dz/dt, open (active) masks.

    Units in `zeroed` ((layer, unit) pairs) sit exactly at their threshold: output 0, and
    treated as closed downstream, which is the state of the network on their boundary.
    """
    h, G = X, np.broadcast_to(U, (X.shape[0],) + U.shape)
    zs, grads, opens = [], [], []
    for li, (W, b) in enumerate(zip(net.weights[:-1], net.biases[:-1])):
        z = h @ W.T
        g = np.einsum("ij,pjd->pid", W, G)
        open_ = z + b > 0
        for layer, unit in zeroed:
            if layer == li:
                open_[:, unit] = False
        zs.append(z)
        grads.append(g)
        opens.append(open_)
        h = np.where(open_, z + b, 0.0)
        G = g * open_[:, :, None]
    return zs, grads, opens


def _good(net: Network, opens: list[np.ndarray]) -> list[np.ndarray]:
    """good[l][p, i]: a path of open neurons leads from unit i of layer l to the output."""
    reach = np.ones((opens[-1].shape[0], net.n_out))  # the linear outputs are always open
    good = []
    for W, open_ in zip(reversed(net.weights[1:]), reversed(opens)):
        g = reach @ (W != 0) > 0
        good.append(g)
        reach = (g & open_).astype(float)
    return good[::-1]


def _subset_integrand(net: Network, X: np.ndarray, U: np.ndarray, subset: tuple,
                      bias_density: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Y_{z_1..z_k}(x) = ||J|| Π ρ(b_z = -z(x)) 1{all good} with the k units at threshold."""
    zs, grads, opens = _pass(net, X, U, frozenset(subset))
    good = _good(net, opens)
    J = np.stack([grads[li][:, i, :] for li, i in subset], axis=1)
    norm = np.sqrt(np.clip(np.linalg.det(J @ np.swapaxes(J, 1, 2)), 0.0, None))
    dens = np.prod([bias_density(-zs[li][:, i]) for li, i in subset], axis=0)
    ok = np.all([good[li][:, i] for li, i in subset], axis=0)
    return norm * dens * ok


def hanin_rolnick_volume(sample_network: Callable[[np.random.Generator], Network],
                         bias_density: Callable[[np.ndarray], np.ndarray], domain: Domain,
                         k: int = 1, *, n_networks: int = 64, n_points: int = 256,
                         seed: int | np.random.Generator | None = 0) -> MonteCarloEstimate:
    """Monte Carlo estimate of E[vol_{d-k}(B_{N,k} ∩ K)] by Hanin & Rolnick 2019, Theorem 3.

    E = Σ_{distinct units z_1..z_k} ∫_K E[ ||J_{z_1..z_k}(x)|| ρ(b_{z_1}..b_{z_k} at the
    values putting the units at threshold) 1{each z_j good at x} ] dx, where J is the k x d
    Jacobian of the bias-free pre-activations and z is good when a path of open neurons
    leads from it to the output. Estimated as vol(K) times the mean over uniform points and
    sampled networks; the units z_j are put exactly at threshold (output 0) for the
    downstream pass, which is the network's state on their boundary.

    sample_network(rng) draws one network (ReLU hidden layers, linear output);
    bias_density(v) is the density of every hidden bias (iid), evaluated elementwise; with
    regionkit's sign convention relu(W h + b), unit z is at threshold when b_z = -z(x).
    k = d gives the expected number of vertices, and for d = 1 the expected number of
    breakpoints of the linear regions (regions = breakpoints + 1 on an interval).
    Slices work in their own coordinates (lengths in t). The standard error is over networks.
    """
    k = _integer("k", k, 1)
    if k > domain.dim:
        raise BoundsInputError(f"k = {k} exceeds the domain dimension {domain.dim}")
    R = _integer("n_networks", n_networks, 2)
    P = _integer("n_points", n_points, 1)
    rng = np.random.default_rng(seed)
    U = np.asarray(domain.basis, float)
    per_net = np.empty(R)
    for r in range(R):
        net = sample_network(rng)
        _relu_layers(net)
        domain.check_network(net.n_in)
        X = domain.to_input(domain.sample(P, rng))
        units = [(li, i) for li, n in enumerate(net.hidden_widths) for i in range(n)]
        total = sum(_subset_integrand(net, X, U, s, bias_density).mean()
                    for s in itertools.combinations(units, k))
        per_net[r] = domain.volume * total
    return MonteCarloEstimate(float(per_net.mean()), float(per_net.std(ddof=1) / math.sqrt(R)),
                              R, P)


def hanin_rolnick_regions_1d(n_neurons: int, length: float, breakpoints: int = 1,
                             constant: float = 1.0) -> float:
    """Theorem 1 (informal): E[#regions in I] ≈ constant · |I| · T · #neurons.

    T = breakpoints of the activation (1 for ReLU, 2 for hard tanh); `constant` stands for the
    C_grad·C_bias product the informal statement hides. A curve to plot measured counts
    against, not a bound. |I| is the length of an input interval (not a training-set size,
    as the survey S0 misreads it).
    """
    n = _integer("n_neurons", n_neurons, 0)
    T = _integer("breakpoints", breakpoints, 1)
    return float(constant) * float(length) * T * n


def hanin_rolnick_cor4_upper(n_neurons: int, k: int, c_grad: float, c_bias: float) -> float:
    """Corollary 4, eq. (9): E[vol_{d-k}(B_{N,k} ∩ K)]/vol(K) <= C(N, k) (C_grad C_bias)^k."""
    n, k = _integer("n_neurons", n_neurons, 0), _integer("k", k, 1)
    return math.comb(n, k) * (float(c_grad) * float(c_bias)) ** k


def hanin_rolnick_cor4_lower(n_neurons: int, k: int, c_bias_min: float) -> float:
    """Corollary 4, eq. (10): C(N, k) c_bias^k <= E[vol_{d-k}(B_{N,k} ∩ K)]/vol(K), with
    c_bias = inf_{|b| <= η} ρ_b(b) (see hanin_rolnick_eta)."""
    n, k = _integer("n_neurons", n_neurons, 0), _integer("k", k, 1)
    return math.comb(n, k) * float(c_bias_min) ** k


def hanin_rolnick_eta(sup_norm_sq: float, n_in: int, bias_vars: Sequence[float],
                      widths: Sequence[int], c_prime: float) -> float:
    """η = (sup_K ||x||²/n_in + Σ_j σ²_{b_j}) exp(C' Σ_j 1/n_j), transcribed as printed in
    Corollary 4 (dimensionally a square root of the bracket may be intended: S2 is unclear)."""
    n0, ws = _integer("n_in", n_in, 1), _widths(widths)
    return (float(sup_norm_sq) / n0 + float(sum(bias_vars))) * math.exp(
        float(c_prime) * sum(1.0 / n for n in ws))


def gaussian_c_bias(std: float) -> float:
    """C_bias = sup ρ = 1/(σ √(2π)) for N(0, σ²) biases (≈ 398.9 at H&R's σ² = 1e-6)."""
    return float(gaussian_density(std)(0.0))
