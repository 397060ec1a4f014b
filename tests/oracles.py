"""Independent reference methods and known-answer constructions for the engine tests.

Nothing here calls regionkit's engine, its RegionSet or its compiled core: networks and
domains are read only as plain data (weights, biases, activation names, slopes; a domain's
inequalities ``A t < b`` and its map ``x = origin + basis @ t``). Linear programs are solved
by scipy's HiGHS, exact ones with fractions.Fraction.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction
from math import comb

import numpy as np
from scipy.optimize import linprog

# A candidate region exists when its Chebyshev radius exceeds MARGIN and does not exist when
# the (signed) radius is below -MARGIN; anything in between is too close to call robustly.
MARGIN = 1e-6


class AmbiguousOracle(Exception):
    """The brute force met a region whose radius is within MARGIN of zero: change the seed."""


# --- plain forward pass ----------------------------------------------------------------------

def _layers(net):
    return zip(net.weights, net.biases, net.activations, net.slopes)


def forward_pattern(net, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(patterns, outputs) of inputs X (n, n_in) by a forward pass written from the spec.

    Bits: one per ReLU / leaky unit (z > 0), two per hard tanh unit (z > -1, z > 1).
    """
    h = np.atleast_2d(np.asarray(X, dtype=np.float64))
    bits = []
    for W, b, act, slope in _layers(net):
        z = h @ W.T + b
        if act == "relu":
            bits.append(z > 0)
            h = np.where(z > 0, z, 0.0)
        elif act == "leaky_relu":
            bits.append(z > 0)
            h = np.where(z > 0, z, slope * z)
        elif act == "hard_tanh":
            bits.append(np.stack([z > -1, z > 1], axis=2).reshape(len(z), -1))
            h = np.minimum(np.maximum(z, -1.0), 1.0)
        else:
            h = z
    pattern = np.concatenate(bits, axis=1) if bits else np.zeros((len(h), 0), dtype=bool)
    return pattern, h


# --- brute force over sign patterns ------------------------------------------------------------

def chebyshev_lp(A: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, float]:
    """HiGHS: max s subject to a_i.x + s ||a_i|| <= b_i; (centre, signed radius s)."""
    k = A.shape[1]
    norms = np.linalg.norm(A, axis=1)
    res = linprog(np.r_[np.zeros(k), -1.0], A_ub=np.hstack([A, norms[:, None]]), b_ub=b,
                  bounds=[(None, None)] * (k + 1), method="highs")
    assert res.status == 0, res.message
    return res.x[:k], float(res.x[k])


@dataclass
class OracleRegion:
    """One activation region found by brute force, in domain coordinates t."""

    pattern: tuple[bool, ...]
    A: np.ndarray  # A t < b
    b: np.ndarray
    center: np.ndarray
    radius: float
    out_M: np.ndarray  # network output = out_M @ t + out_m on the region
    out_m: np.ndarray


def _layer_hyperplanes(W, bias, act, M, m):
    """(a, c, magnitude) of each hyperplane value a.t + c of a layer whose input is M t + m,
    and the layer's pre-activation map (P, q). Magnitude bounds the terms summed in c."""
    P, q = W @ M, W @ m + bias
    mag = np.abs(W) @ (np.abs(M).sum(axis=1) + np.abs(m)) + np.abs(bias)
    if act == "identity":
        return [], P, q
    if act == "hard_tanh":
        return [(P[j], q[j] + s, mag[j] + 1) for j in range(len(q)) for s in (1.0, -1.0)], P, q
    return [(P[j], q[j], mag[j]) for j in range(len(q))], P, q


def _post_activation(act, slope, P, q, bits):
    """The layer output map (M, m) on a piece with the given layer bits."""
    if act == "identity":
        return P, q
    if act == "hard_tanh":
        lo, hi = np.array(bits[0::2]), np.array(bits[1::2])
        k = (lo & ~hi).astype(float)
        return k[:, None] * P, k * q + np.where(hi, 1.0, np.where(lo, 0.0, -1.0))
    k = np.where(bits, 1.0, 0.0 if act == "relu" else slope)
    return k[:, None] * P, k * q


def brute_force_regions(net, domain) -> dict[tuple[bool, ...], OracleRegion]:
    """Every full-dimensional activation region of `net` on `domain`, by sign patterns.

    A depth-first search fixes one hyperplane bit at a time (bit 1: value > 0; bit 0: the
    interior of value <= 0) and keeps a partial pattern only if its polyhedron has a
    Chebyshev radius above MARGIN (HiGHS). A hyperplane identically zero on the domain
    coordinates (zero gradient) is decided by its constant alone. Raises AmbiguousOracle
    when a candidate's radius lies within MARGIN of zero.
    """
    layers = list(_layers(net))
    found: dict[tuple[bool, ...], OracleRegion] = {}
    x0, r0 = chebyshev_lp(domain.A, domain.b)
    assert r0 > MARGIN

    def decide(A, b):
        x, s = chebyshev_lp(A, b)
        if abs(s) <= MARGIN:
            raise AmbiguousOracle(f"candidate region with Chebyshev radius {s:.3g}")
        return (x, s) if s > 0 else None

    def visit_layer(li, M, m, A, b, x, s, bits):
        if li == len(layers):
            found[tuple(bits)] = OracleRegion(tuple(bits), A, b, x, s, M, m)
            return
        W, bias, act, slope = layers[li]
        planes, P, q = _layer_hyperplanes(W, bias, act, M, m)

        def visit_plane(j, A, b, x, s, layer_bits):
            if j == len(planes):
                M2, m2 = _post_activation(act, slope, P, q, layer_bits)
                visit_layer(li + 1, M2, m2, A, b, x, s, bits + layer_bits)
                return
            a, c, mag = planes[j]
            norm = float(np.linalg.norm(a))
            if norm <= 1e-12 * mag:  # constant c on the whole domain; |c| <= 1e-12 mag is 0
                visit_plane(j + 1, A, b, x, s, layer_bits + [bool(c > 1e-12 * mag)])
                return
            dist = (a @ x + c) / norm
            for bit in (True, False):
                row, rhs = (-a, c) if bit else (a, -c)
                A2, b2 = np.vstack([A, row]), np.r_[b, rhs]
                if (dist > 0) == bit and abs(dist) >= s:
                    child = (x, s)  # the parent's Chebyshev ball lies on this side
                else:
                    child = decide(A2, b2)
                if child is not None:
                    visit_plane(j + 1, A2, b2, child[0], child[1], layer_bits + [bit])

        visit_plane(0, A, b, x, s, [])

    visit_layer(0, domain.basis, domain.origin, domain.A, domain.b, x0, r0, [])
    return found


# --- random networks ---------------------------------------------------------------------------

def gaussian_net(rk, arch, activations=None, seed=0, bias_scale=0.5):
    """Network with N(0,1)/sqrt(fan_in) weights and N(0, bias_scale^2) biases (generic)."""
    rng = np.random.default_rng(seed)
    Ws = [rng.normal(size=(o, i)) / np.sqrt(i) for i, o in zip(arch[:-1], arch[1:])]
    bs = [bias_scale * rng.normal(size=o) for o in arch[1:]]
    return rk.Network.from_arrays(Ws, bs, activations)


# --- hyperplane arrangements -------------------------------------------------------------------

def zaslavsky_general_position(n: int, d: int) -> int:
    """Regions of n affine hyperplanes in general position in R^d."""
    return sum(comb(n, i) for i in range(d + 1))


def arrangement_vertices(W: np.ndarray, c: np.ndarray) -> np.ndarray:
    """All points where d of the hyperplanes W x + c = 0 meet (general position)."""
    d = W.shape[1]
    pts = [np.linalg.solve(W[list(S)], -c[list(S)])
           for S in itertools.combinations(range(len(c)), d)]
    return np.array(pts)


def line_regions_in_box(W: np.ndarray, c: np.ndarray, lo, hi) -> int:
    """Regions cut from the open rectangle (lo, hi) by lines W x + c = 0, by geometry.

    Euler: 1 + #lines crossing the open rectangle + #crossings inside it. Asserts general
    position there: no crossing within 1e-9 of the boundary, no three lines concurrent.
    """
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    corners = np.array([[lo[0], lo[1]], [hi[0], lo[1]], [hi[0], hi[1]], [lo[0], hi[1]]])
    vals = corners @ W.T + c
    crossing = (vals.max(axis=0) > 1e-9) & (vals.min(axis=0) < -1e-9)
    points = []
    for i, j in itertools.combinations(range(len(c)), 2):
        p = np.linalg.solve(W[[i, j]], -c[[i, j]])
        gap = min(np.min(p - lo), np.min(hi - p))
        assert abs(gap) > 1e-9, "crossing on the rectangle's boundary"
        if gap > 0:
            points.append(p)
    points = np.array(points).reshape(-1, 2)
    for i, p in enumerate(points):
        assert np.all(np.linalg.norm(points[i + 1:] - p, axis=1) > 1e-9), "concurrent lines"
    return 1 + int(crossing.sum()) + len(points)


def flat_meets_open_box(W: np.ndarray, c: np.ndarray, lo, hi) -> bool:
    """Does {W x + c = 0} meet the open box? HiGHS: max s with lo + s <= x <= hi - s."""
    d = len(lo)
    A_ub = np.vstack([np.hstack([-np.eye(d), np.ones((d, 1))]),
                      np.hstack([np.eye(d), np.ones((d, 1))])])
    b_ub = np.r_[-np.asarray(lo, float), np.asarray(hi, float)]
    res = linprog(np.r_[np.zeros(d), -1.0], A_ub=A_ub, b_ub=b_ub,
                  A_eq=np.hstack([W, np.zeros((len(c), 1))]), b_eq=-c,
                  bounds=[(None, None)] * (d + 1), method="highs")
    if res.status == 2:
        return False
    assert res.status == 0, res.message
    assert abs(res.x[-1]) > MARGIN, "flat nearly tangent to the box"
    return res.x[-1] > 0


def general_position_regions_in_box(W: np.ndarray, c: np.ndarray, lo, hi) -> int:
    """Regions of a general-position arrangement in an open box: sum over j <= d of the
    number of j-subsets whose flat meets the box (theory.md A1), by one LP per subset."""
    d = W.shape[1]
    total = 1
    for j in range(1, d + 1):
        for S in itertools.combinations(range(len(c)), j):
            total += flat_meets_open_box(W[list(S)], c[list(S)], lo, hi)
    return total


def difference_arrangement(n: int, offsets) -> tuple[np.ndarray, np.ndarray]:
    """Hyperplanes x_i - x_j = k (i < j, k in offsets) as rows of W x + c = 0."""
    rows, consts = [], []
    for i, j in itertools.combinations(range(n), 2):
        for k in offsets:
            w = np.zeros(n)
            w[i], w[j] = 1.0, -1.0
            rows.append(w)
            consts.append(-float(k))
    return np.array(rows), np.array(consts)


def one_layer_net(rk, W: np.ndarray, c: np.ndarray):
    """The arrangement W x + c = 0 as a ReLU layer with unit output weights."""
    return rk.Network.from_arrays([W, np.ones((1, len(c)))], [c, np.zeros(1)])


# --- Telgarsky sawtooth --------------------------------------------------------------------------

def sawtooth_net(rk, k: int):
    """t^k with t(x) = 2 relu(x) - 4 relu(x - 1/2): k hidden layers of (relu(y), relu(y-1/2)),
    the combination 2 h1 - 4 h2 folded into the next layer's weights."""
    first = np.array([[1.0], [1.0]])
    folded = np.array([[2.0, -4.0], [2.0, -4.0]])
    half = np.array([0.0, -0.5])
    Ws = [first] + [folded] * (k - 1) + [np.array([[2.0, -4.0]])]
    bs = [half] * k + [np.zeros(1)]
    return rk.Network.from_arrays(Ws, bs)


def tent_power(x: np.ndarray, k: int) -> np.ndarray:
    """t^k(x) by direct iteration of the tent map 1 - |2x - 1|."""
    for _ in range(k):
        x = 1.0 - np.abs(2.0 * x - 1.0)
    return x


# --- exact linear programming ------------------------------------------------------------------

def _solve_exact(A: list[list[Fraction]], b: list[Fraction]) -> list[Fraction] | None:
    """Gauss-Jordan over the rationals; None if singular."""
    d = len(A)
    M = [row[:] + [rhs] for row, rhs in zip(A, b)]
    for col in range(d):
        piv = next((r for r in range(col, d) if M[r][col] != 0), None)
        if piv is None:
            return None
        M[col], M[piv] = M[piv], M[col]
        for r in range(d):
            if r != col and M[r][col] != 0:
                f = M[r][col] / M[col][col]
                M[r] = [x - f * y for x, y in zip(M[r], M[col])]
    return [M[i][d] / M[i][i] for i in range(d)]


def exact_lp_min(A, b, c) -> Fraction:
    """min c.x over the bounded polytope A x <= b (integers), by exact vertex enumeration."""
    A = [[Fraction(v) for v in row] for row in A]
    b = [Fraction(v) for v in b]
    c = [Fraction(v) for v in c]
    d = len(c)
    best = None
    for S in itertools.combinations(range(len(b)), d):
        x = _solve_exact([A[i] for i in S], [b[i] for i in S])
        if x is None or any(sum(a * v for a, v in zip(row, x)) > rhs for row, rhs in zip(A, b)):
            continue
        val = sum(ci * xi for ci, xi in zip(c, x))
        best = val if best is None else min(best, val)
    assert best is not None, "no vertex: the polytope is empty or unbounded"
    return best


# --- geometry ------------------------------------------------------------------------------------

def shoelace_area(P: np.ndarray) -> float:
    """Signed area of a polygon (positive when counter-clockwise)."""
    x, y = P[:, 0], P[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))
