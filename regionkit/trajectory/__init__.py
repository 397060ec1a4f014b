"""Exact trajectories through a network: segments, lines, polylines, arcs, great circles.

Raghu et al. (theory.md section 1.11) measure expressivity along a one-dimensional path
x(t): the pieces it is cut into, its distinct activation patterns, neuron transitions and
the length of its image at every layer; Hanin & Rolnick (section 3.1) count the pieces of
whole lines through MNIST space. Both sampled or split slowly. Here every number is exact,
because on each piece of a path every pre-activation has a closed form:

* on a line x(t) = x0 + t u it is affine, a t + g, so a crossing of a threshold c (0 for
  ReLU and leaky ReLU, -1 and +1 for hard tanh) is one division, t = (c - g) / a;
* on an arc x(th) = cos(th) x0 + sin(th) x1 it is A cos th + B sin th + G, so the crossings
  solve R cos(th - phi) = c - G: th = phi +- arccos((c - G) / R).

The network is processed layer by layer for all pieces of all paths at once (numpy over
pieces): a layer's pre-activations on a piece are combinations of the path's basis
functions ((t, 1) on lines, (cos, sin, 1) on arcs), each piece is cut at its crossings, and
the activation maps the coefficients on to the next layer. Lengths of the image at every
layer are then exact sums over pieces: |A u| (hi - lo) on lines, incomplete elliptic
integrals of the second kind on arcs (images of arcs are elliptic arcs).

Tolerances follow regionkit.model.tolerance: a pre-activation value v = w.h + b is zero when
``|v| <= atol + rtol * scale``, ``scale = |w|.|h| + |b|`` the sum of the absolute values of its
terms at the point (per basis function: |W| |coef| + |b|). A crossing splits a piece only when
it lies farther than ``delta = (atol + rtol * scale) / |dv/dt|`` from both ends; crossings
closer than that to each other are one breakpoint; a slope or amplitude below ``rtol`` times
its scale is rounding noise (the value is constant on the piece). Adjacent children of a piece
whose states agree are merged again, so a hyperplane that only touches a piece (a tangent
arc) splits nothing. Unlike the engine's bound, the scale is not propagated through earlier
layers (|W| applied to earlier scales): that worst case grows like the product of the
layers' absolute row sums, about 7x per layer for a 100-wide hard-tanh net at sigma_w^2 = 2,
and at depth 8 would widen rtol = 1e-10 to about 1e-3 of the values. Rounding inherited from
earlier layers is relative to their values and is carried by W like the values themselves.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
from scipy.special import ellipeinc

from regionkit.errors import DomainError, NetworkError, RegionkitError
from regionkit.model.network import Network
from regionkit.model.tolerance import Tolerance

# Absolute error of scipy.special.ellipeinc(phi, m), per unit of 1 + |phi|: measured below
# 5e-16 against mpmath at 40 digits for |phi| <= 4 pi and every m in [0, 1]; 4x margin.
ELLIPE_ERR = 2e-15
# Relative rounding error of a length assembled from coefficients: sums of up to ~10^4
# products each rounded at 2.2e-16, with margin.
LENGTH_RTOL = 1e-12
# Final pieces the batch helpers aim for per pass over the layers: measured fastest (arrays
# stay in cache) for 784-64-64-64-10 lines and 100-wide depth-8 hard-tanh arcs alike.
BATCH_PIECES = 4096
# Thresholds each activation is cut at; a unit's state counts the thresholds it exceeds,
# shifted so that ReLU is {0, 1} and hard tanh {-1, 0, 1} (Raghu's activation pattern).
THRESHOLDS = {"relu": (0.0,), "leaky_relu": (0.0,), "hard_tanh": (-1.0, 1.0)}
STATE_SHIFT = {"relu": 0, "leaky_relu": 0, "hard_tanh": -1}
TWO_PI = 2.0 * math.pi


# --- results ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Transitions:
    """Neuron transitions along a path (Raghu et al. section 2.1).

    ``per_neuron[l][i]`` counts how often unit i of layer l switches linear piece: ReLU and
    leaky ReLU off <-> on; hard tanh between -1, linear and +1, a direct jump -1 <-> +1
    (a linear zone thinner than the tolerance) counting two; maxout from one winning piece
    to another. Identity layers never
    transition. On closed paths the step back to the start is included, so every count is
    even.
    """

    per_neuron: tuple[np.ndarray, ...]

    @property
    def per_layer(self) -> np.ndarray:
        """T^(d): transitions summed over each layer's units."""
        return np.array([int(t.sum()) for t in self.per_neuron], dtype=np.int64)

    @property
    def output(self) -> int:
        """Transitions of the output layer's units (0 when the output layer is linear)."""
        return int(self.per_neuron[-1].sum())

    @property
    def total(self) -> int:
        return int(sum(int(t.sum()) for t in self.per_neuron))


@dataclass(frozen=True)
class Lengths:
    """Length of the image of the path at every layer (Raghu et al. section 2.2).

    ``pre[l]`` is the length of z_l(x(t)), ``post[l]`` of h_l(x(t)) = act(z_l); ``input`` is
    the path's own length. Unbounded pieces with a non-constant image give ``inf``.
    ``error`` bounds the absolute error of every entry: rounding for lines and polylines,
    plus the elliptic-integral evaluation for arcs.
    """

    input: float
    pre: np.ndarray
    post: np.ndarray
    error: float

    @property
    def output(self) -> float:
        return float(self.post[-1])

    @property
    def growth(self) -> np.ndarray:
        """Per-layer ratios post[l] / post[l-1] (post[-1] := input): Raghu's Fig. 13c,d."""
        before = np.r_[self.input, self.post[:-1]]
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.post / before


@dataclass(frozen=True, eq=False)
class Trajectory:
    """A path cut into its pieces: maximal parameter intervals of one activation pattern.

    ``lo[i] < hi[i]`` bound piece i in the path's own parameter t, in path order. On a closed
    path the piece through the start point wraps: its ``lo`` is negative (one period
    earlier). ``states[l]`` is (n_pieces, n_l) in {0, 1} for ReLU and leaky ReLU, in
    {-1, 0, 1} for hard tanh, the winning piece 0..k-1 for maxout, and has no columns for
    identity layers. ``n_patterns`` counts
    the distinct patterns: n_pieces on lines and segments (Raghu's Corollary 1), fewer when a
    polyline or an arc re-enters a region.
    """

    kind: str
    network: Network
    lo: np.ndarray
    hi: np.ndarray
    states: tuple[np.ndarray, ...]
    n_patterns: int
    transitions: Transitions
    lengths: Lengths
    closed: bool
    seconds: float
    curve: Callable[[np.ndarray], np.ndarray] = field(repr=False)
    period: float = field(default=math.inf, repr=False)

    @property
    def n_pieces(self) -> int:
        return int(self.lo.shape[0])

    @property
    def breakpoints(self) -> np.ndarray:
        """Parameters where the pattern changes, sorted (on closed paths within [0, period))."""
        if self.closed:
            return np.sort(np.mod(self.lo, self.period)) if self.n_pieces > 1 else self.lo[:0]
        return self.lo[1:].copy()

    @property
    def patterns(self) -> np.ndarray:
        """(n_pieces, n_hyperplanes) bools in the convention of Network.pattern."""
        cols = []
        for s, act, k in zip(self.states, self.network.activations, self.network.pieces):
            if act == "maxout":
                cols.append((s[:, :, None] == np.arange(k)).reshape(s.shape[0], -1))
            elif act == "hard_tanh":
                both = np.empty((s.shape[0], 2 * s.shape[1]), dtype=bool)
                both[:, 0::2], both[:, 1::2] = s >= 0, s == 1
                cols.append(both)
            elif act != "identity":
                cols.append(s == 1)
        return np.concatenate(cols, axis=1) if cols else np.zeros((self.n_pieces, 0), bool)

    def midpoints(self) -> np.ndarray:
        """A parameter inside every piece (one unit inside an unbounded end)."""
        t = _LineFamily.representative(self.lo, self.hi)
        return np.mod(t, self.period) if self.closed else t

    def points(self, t: np.ndarray) -> np.ndarray:
        """Network inputs x(t), shape (len(t), n_in)."""
        return self.curve(np.atleast_1d(np.asarray(t, dtype=np.float64)))

    def summary(self) -> dict[str, Any]:
        """JSON-ready scalars and per-layer lists; an infinite length is None."""
        def num(v: float) -> float | None:
            return float(v) if math.isfinite(v) else None

        L = self.lengths
        return {"kind": self.kind, "n_pieces": self.n_pieces, "n_patterns": self.n_patterns,
                "closed": self.closed, "breakpoints": [float(b) for b in self.breakpoints],
                "transitions": {"total": self.transitions.total,
                                "output": self.transitions.output,
                                "per_layer": self.transitions.per_layer.tolist()},
                "lengths": {"input": num(L.input), "pre": [num(v) for v in L.pre],
                            "post": [num(v) for v in L.post], "output": num(L.output),
                            "error": num(L.error)},
                "architecture": [self.network.n_in] + self.network.widths,
                "seconds": self.seconds}


@dataclass(frozen=True)
class Dichotomies:
    """Sign labellings of s fixed inputs while one layer's weights sweep a great circle.

    ``labellings`` holds the distinct labellings (output > 0) in order of first appearance;
    ``breakpoints`` the sweep angles t in [0, 2 pi) where some label flips; ``label_flips``
    counts single-input flips (a closed sweep, so it is even); ``transitions`` the neuron
    transitions of the swept layer and the layers above, summed over the inputs.
    """

    labellings: np.ndarray
    breakpoints: np.ndarray
    label_flips: int
    transitions: int

    @property
    def n_dichotomies(self) -> int:
        return int(self.labellings.shape[0])


# --- path families: closed-form crossings and lengths on a piece ----------------------------

class _LineFamily:
    """Pieces of lines: every value is a t + g, coefficients on the basis (t, 1)."""

    K = 2

    @staticmethod
    def basis(t: np.ndarray) -> np.ndarray:
        return np.stack([t, np.ones_like(t)], axis=1)

    @staticmethod
    def representative(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """The midpoint; one unit (relative) inside an unbounded end; 0 on the whole line."""
        with np.errstate(invalid="ignore"):
            mid = 0.5 * (lo + hi)
            mid = np.where(np.isinf(lo) & np.isfinite(hi), hi - 1.0 - np.abs(hi), mid)
            mid = np.where(np.isfinite(lo) & np.isinf(hi), lo + 1.0 + np.abs(lo), mid)
        return np.where(np.isinf(lo) & np.isinf(hi), 0.0, mid)

    @staticmethod
    def crossings(Z: np.ndarray, SZ: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                  thresholds: Sequence[float], tol: Tolerance) -> list[tuple[np.ndarray, ...]]:
        """(piece, root, delta) of the crossings of a t + g = c inside a piece, per c."""
        a, g, Sa, Sg = Z[:, 0], Z[:, 1], SZ[:, 0], SZ[:, 1]
        sloped = np.abs(a) > tol.rtol * Sa
        out = []
        for c in thresholds:
            with np.errstate(divide="ignore", invalid="ignore"):
                r = (c - g) / a
                delta = (tol.atol + tol.rtol * (Sa * np.abs(r) + Sg + abs(c))) / np.abs(a)
                inside = sloped & (r - delta > lo[:, None]) & (r + delta < hi[:, None])
            p, u = np.nonzero(inside)
            out.append((p, r[p, u], delta[p, u]))
        return out

    @staticmethod
    def lengths(Z: np.ndarray, SZ: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                tol: Tolerance) -> tuple[np.ndarray, np.ndarray]:
        """|a| (hi - lo) per piece (noise slopes dropped, so a constant image has length 0)."""
        a = np.where(np.abs(Z[:, 0]) > tol.rtol * SZ[:, 0], Z[:, 0], 0.0)
        speed = np.sqrt(np.einsum("pn,pn->p", a, a))
        with np.errstate(invalid="ignore"):
            L = np.where(speed > 0, speed * (hi - lo), 0.0)
        return L, np.where(np.isfinite(L), LENGTH_RTOL * L, 0.0)


class _ArcFamily:
    """Pieces of arcs in the angle th: values A cos th + B sin th + G, basis (cos, sin, 1)."""

    K = 3

    @staticmethod
    def basis(th: np.ndarray) -> np.ndarray:
        return np.stack([np.cos(th), np.sin(th), np.ones_like(th)], axis=1)

    @staticmethod
    def representative(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        return 0.5 * (lo + hi)

    @staticmethod
    def crossings(Z: np.ndarray, SZ: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                  thresholds: Sequence[float], tol: Tolerance) -> list[tuple[np.ndarray, ...]]:
        """(piece, root, delta) of the crossings of R cos(th - phi) + G = c inside a piece.

        A value with amplitude R moves by at most R |th - mid| from its value at the piece's
        midpoint, so only units within R * (hi - lo) / 2 of c there are solved for.
        """
        R = np.hypot(Z[:, 0], Z[:, 1])
        mid, reach = 0.5 * (lo + hi), 0.5 * (hi - lo)
        B = _ArcFamily.basis(mid)
        zmid = np.einsum("pk,pkm->pm", B, Z)
        slack = R * reach[:, None] + tol.atol + tol.rtol * np.einsum("pk,pkm->pm", np.abs(B), SZ)
        wavy = R > tol.rtol * (SZ[:, 0] + SZ[:, 1])
        out = []
        for c in thresholds:
            p, u = np.nonzero(wavy & (np.abs(zmid - c) <= slack + tol.rtol * abs(c)))
            Rs = R[p, u]
            q = (c - Z[p, 2, u]) / Rs
            solvable = np.abs(q) < 1.0
            p, u, q, Rs = p[solvable], u[solvable], q[solvable], Rs[solvable]
            phi, half = np.arctan2(Z[p, 1, u], Z[p, 0, u]), np.arccos(q)
            speed = Rs * np.sin(half)  # |dv/dth| at both roots
            for r in (np.mod(phi + half, TWO_PI), np.mod(phi - half, TWO_PI)):
                scale = (SZ[p, 0, u] * np.abs(np.cos(r)) + SZ[p, 1, u] * np.abs(np.sin(r))
                         + SZ[p, 2, u] + abs(c))
                delta = (tol.atol + tol.rtol * scale) / speed
                ok = (r - delta > lo[p]) & (r + delta < hi[p])
                out.append((p[ok], r[ok], delta[ok]))
        return out

    @staticmethod
    def lengths(Z: np.ndarray, SZ: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                tol: Tolerance) -> tuple[np.ndarray, np.ndarray]:
        """Elliptic-arc lengths and their error bounds per piece.

        speed^2 = |-A sin th + B cos th|^2 = c0 + rho cos(2 th - psi)
                = (c0 + rho) (1 - m sin^2 u),  u = th - psi / 2,  m = 2 rho / (c0 + rho),
        so the length is sqrt(c0 + rho) (E(u2 | m) - E(u1 | m)), E Legendre's incomplete
        elliptic integral of the second kind.
        """
        A, B = Z[:, 0], Z[:, 1]
        P, Q, R = (np.einsum("pn,pn->p", A, A), np.einsum("pn,pn->p", A, B),
                   np.einsum("pn,pn->p", B, B))
        c0, half_diff = 0.5 * (P + R), 0.5 * (R - P)
        rho, psi = np.hypot(half_diff, Q), np.arctan2(-Q, half_diff)
        top = c0 + rho
        m = np.clip(np.divide(2.0 * rho, top, out=np.zeros_like(top), where=top > 0), 0.0, 1.0)
        u1, u2 = lo - 0.5 * psi, hi - 0.5 * psi
        amp = np.sqrt(top)
        L = amp * (ellipeinc(u2, m) - ellipeinc(u1, m))
        return L, amp * ELLIPE_ERR * (2.0 + np.abs(u1) + np.abs(u2)) + LENGTH_RTOL * L


# --- the core: all pieces of a batch of paths, layer by layer ----------------------------------

@dataclass
class _Pieces:
    """Pieces sorted by (path, lo); the current layer input on piece p is
    sum_k coef[p, k] * basis_k."""

    path: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    coef: np.ndarray


@dataclass
class _Run:
    """Final pieces (before joins across path vertices) with their state in every layer."""

    path: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    origin: np.ndarray  # index of the initial piece each final piece came from
    states: list[np.ndarray]
    steps: list[bool]  # per layer: transitions are state steps (False: maxout, any change)
    input_len: np.ndarray  # per path
    pre: np.ndarray  # (n_paths, n_layers)
    post: np.ndarray
    error: np.ndarray  # per path, bound over all its lengths


def _cut(lo: np.ndarray, hi: np.ndarray, p: np.ndarray,
         r: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Children of every piece cut at roots r (sorted by piece p, then value)."""
    counts = np.bincount(p, minlength=lo.shape[0]) + 1
    parent = np.repeat(np.arange(lo.shape[0]), counts)
    first = np.zeros(parent.shape[0], dtype=bool)
    first[np.cumsum(counts) - counts] = True
    last = np.zeros_like(first)
    last[np.cumsum(counts) - 1] = True
    clo, chi = np.empty(parent.shape[0]), np.empty(parent.shape[0])
    clo[first], clo[~first] = lo, r
    chi[last], chi[~last] = hi, r
    return parent, clo, chi


def _states(fam: type, Zp: np.ndarray, SZp: np.ndarray, lo: np.ndarray, hi: np.ndarray,
            thresholds: Sequence[float], tol: Tolerance) -> np.ndarray:
    """Thresholds each unit exceeds (beyond the tolerance) inside each child; Zp and SZp are
    the parents' coefficients gathered per child."""
    B = fam.basis(fam.representative(lo, hi))
    z = np.einsum("pk,pkm->pm", B, Zp)
    scale = np.einsum("pk,pkm->pm", np.abs(B), SZp)
    count = np.zeros(z.shape, dtype=np.int8)
    for c in thresholds:
        count += z - c > tol.atol + tol.rtol * (scale + abs(c))
    return count


def _split(fam: type, pc: _Pieces, Z: np.ndarray, SZ: np.ndarray,
           thresholds: Sequence[float], tol: Tolerance) -> tuple[np.ndarray, ...]:
    """Cut every piece at its units' crossings.

    Returns the children's (parent, lo, hi, threshold counts) and their parents'
    coefficients and scales (Z, SZ gathered per child).
    """
    found = fam.crossings(Z, SZ, pc.lo, pc.hi, thresholds, tol)
    p, r, d = (np.concatenate([f[i] for f in found]) for i in range(3))
    order = np.lexsort((r, p))
    p, r, d = p[order], r[order], d[order]
    first = np.ones(p.shape[0], dtype=bool)  # one breakpoint per cluster of close roots
    first[1:] = (p[1:] != p[:-1]) | (r[1:] - r[:-1] > np.maximum(d[1:], d[:-1]))
    parent, lo, hi = _cut(pc.lo, pc.hi, p[first], r[first])
    Zp, SZp = Z[parent], SZ[parent]
    counts = _states(fam, Zp, SZp, lo, hi, thresholds, tol)
    keep = np.ones(parent.shape[0], dtype=bool)  # siblings in one state are one piece
    keep[1:] = (parent[1:] != parent[:-1]) | np.any(counts[1:] != counts[:-1], axis=1)
    if keep.all():
        return parent, lo, hi, counts, Zp, SZp
    starts = np.flatnonzero(keep)
    ends = np.r_[starts[1:], parent.shape[0]] - 1
    return parent[starts], lo[starts], hi[ends], counts[starts], Zp[starts], SZp[starts]


def _activate(Z: np.ndarray, state: np.ndarray, act: str, slope: float) -> np.ndarray:
    """Coefficients of the post-activation on pieces of constant state."""
    if act == "relu":
        D = state.astype(np.float64)
    elif act == "leaky_relu":
        D = np.where(state > 0, 1.0, slope)
    else:  # hard tanh: slope 1 in the linear zone, the constant +-1 when saturated
        D = (state == 0).astype(np.float64)
    coef = Z * D[:, None, :]
    if act == "hard_tanh":
        coef[:, -1, :] += state
    return coef


def _affine(C: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Coefficients (P, K, n) through z = W h + b: the bias goes on the constant."""
    Z = C @ W.T
    Z[:, -1] += b
    return Z


Layer = tuple[np.ndarray, np.ndarray, str, float, int]  # (W, b, act, leaky slope, pieces)


def _propagate(fam: type, pc: _Pieces, layers: Sequence[Layer], n_paths: int,
               tol: Tolerance) -> _Run:
    """Cut the pieces by every layer in turn, accumulating lengths per path."""
    L = len(layers)
    pre, post = np.zeros((n_paths, L)), np.zeros((n_paths, L))
    inp, err = fam.lengths(pc.coef, np.abs(pc.coef), pc.lo, pc.hi, tol)
    error = np.bincount(pc.path, err, minlength=n_paths)
    input_len = np.bincount(pc.path, inp, minlength=n_paths)
    parents, states = [], []
    for li, (W, b, act, slope, k) in enumerate(layers):
        Z, SZ = _affine(pc.coef, W, b), _affine(np.abs(pc.coef), np.abs(W), np.abs(b))
        length, err = fam.lengths(Z, SZ, pc.lo, pc.hi, tol)
        pre[:, li] = np.bincount(pc.path, length, minlength=n_paths)
        error += np.bincount(pc.path, err, minlength=n_paths)
        if act == "identity":
            parent = np.arange(pc.lo.shape[0])
            state = np.zeros((parent.shape[0], 0), dtype=np.int8)
            pc = _Pieces(pc.path, pc.lo, pc.hi, Z)
        elif act == "maxout":
            parent, lo, hi, state, coef, SZc = _split_maxout(fam, pc, Z, SZ, k, tol)
            pc = _Pieces(pc.path[parent], lo, hi, coef)
            length, err = fam.lengths(coef, SZc, lo, hi, tol)
            error += np.bincount(pc.path, err, minlength=n_paths)
        else:
            parent, lo, hi, count, Zc, SZc = _split(fam, pc, Z, SZ, THRESHOLDS[act], tol)
            state = count + np.int8(STATE_SHIFT[act])
            coef = _activate(Zc, state, act, slope)
            pc = _Pieces(pc.path[parent], lo, hi, coef)
            length, err = fam.lengths(coef, SZc, lo, hi, tol)
            error += np.bincount(pc.path, err, minlength=n_paths)
        post[:, li] = np.bincount(pc.path, length, minlength=n_paths)
        parents.append(parent)
        states.append(state)
    origin = np.arange(pc.lo.shape[0])
    final: list[np.ndarray] = [np.empty(0)] * L
    for li in range(L - 1, -1, -1):  # trace every final piece back through its ancestors
        final[li] = states[li][origin]
        origin = parents[li][origin]
    steps = [layer[2] != "maxout" for layer in layers]
    return _Run(pc.path, pc.lo, pc.hi, origin, final, steps, input_len, pre, post, error)


def _split_maxout(fam: type, pc: _Pieces, Z: np.ndarray, SZ: np.ndarray, k: int,
                  tol: Tolerance) -> tuple[np.ndarray, ...]:
    """Cut every piece where a maxout unit's winner changes.

    The pieces are first cut by every ordered difference P_a - P_j (state 1 where it
    exceeds its tolerance, as the engine's clips decide), then piece a wins where it beats
    every lower piece and no higher piece beats it; siblings with the same winners are
    joined. Returns (parent, lo, hi, winners, the winners' coefficients and scales).
    """
    U = Z.shape[2] // k
    a, j = np.nonzero(~np.eye(k, dtype=bool))                  # ordered pairs, a-major
    rows_a = (np.arange(U)[:, None] * k + a).reshape(-1)
    rows_j = (np.arange(U)[:, None] * k + j).reshape(-1)
    parent, lo, hi, count, _, _ = _split(fam, pc, Z[:, :, rows_a] - Z[:, :, rows_j],
                                         SZ[:, :, rows_a] + SZ[:, :, rows_j], (0.0,), tol)
    beats = np.zeros((parent.shape[0], U, k, k), dtype=bool)  # beats[., u, a, j]: a > j
    beats[:, :, a, j] = count.reshape(-1, U, k * (k - 1)) > 0
    lower = np.tril(np.ones((k, k), dtype=bool), -1)           # j < a
    wins = np.all(np.where(lower, beats, ~np.swapaxes(beats, 2, 3)) | np.eye(k, dtype=bool),
                  axis=3)
    # Near-ties that the tolerance leaves non-transitive: the piece beating most others.
    winner = np.where(wins.any(axis=2), wins.argmax(axis=2), beats.sum(axis=3).argmax(axis=2))
    keep = np.ones(parent.shape[0], dtype=bool)
    keep[1:] = (parent[1:] != parent[:-1]) | np.any(winner[1:] != winner[:-1], axis=1)
    starts = np.flatnonzero(keep)
    ends = np.r_[starts[1:], parent.shape[0]] - 1
    parent, lo, hi, winner = parent[starts], lo[starts], hi[ends], winner[starts]
    sel = (np.arange(U) * k + winner)[:, None, :]
    coef = np.take_along_axis(Z[parent], sel, axis=2)
    scale = np.take_along_axis(SZ[parent], sel, axis=2)
    return parent, lo, hi, winner.astype(np.int8), coef, scale


@dataclass
class _Final:
    """Pieces joined across path vertices (and around closed paths), with per-path counts."""

    path: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    states: list[np.ndarray]
    n_pieces: np.ndarray
    n_patterns: np.ndarray
    per_neuron: np.ndarray  # (n_paths, total units of non-identity layers)


def _finish(run: _Run, n_paths: int, lo: np.ndarray, hi: np.ndarray, closed: bool,
            period: float) -> _Final:
    """Join consecutive pieces of equal pattern, count pieces, patterns and transitions.

    Inside one initial piece consecutive pieces always differ; equal neighbours meet only at
    a polyline vertex or at the start of a closed path, where they are one region.
    """
    S = np.concatenate(run.states, axis=1).astype(np.int8)
    path = run.path
    keep = np.ones(path.shape[0], dtype=bool)
    keep[1:] = (path[1:] != path[:-1]) | np.any(S[1:] != S[:-1], axis=1)
    starts = np.flatnonzero(keep)
    ends = np.r_[starts[1:], path.shape[0]] - 1
    path, lo, hi, S = path[starts], lo[starts], hi[ends], S[starts]
    n_pieces = np.bincount(path, minlength=n_paths)
    first = np.cumsum(n_pieces) - n_pieces
    last = first + n_pieces - 1
    # Per column: transitions are state steps (hard tanh -1 -> +1 is two), or for maxout
    # any change of winner.
    steps = np.concatenate([np.full(st.shape[1], f) for st, f in zip(run.states, run.steps)]
                           + [np.zeros(0, dtype=bool)])
    diff = np.zeros(S.shape, dtype=np.int32)
    diff[:-1] = np.abs(np.diff(S, axis=0))
    diff[last] = np.abs(S[first] - S[last]) if closed else 0
    diff = np.where(steps, diff, diff > 0)
    per_neuron = np.add.reduceat(diff, first, axis=0)
    if closed:  # the piece through the start point: keep it once, starting a period early
        wrap = (n_pieces > 1) & np.all(S[first] == S[last], axis=1)
        lo[first[wrap]] = lo[last[wrap]] - period
        drop = np.zeros(path.shape[0], dtype=bool)
        drop[last[wrap]] = True
        path, lo, hi, S = path[~drop], lo[~drop], hi[~drop], S[~drop]
        n_pieces = n_pieces - wrap
    key = np.ascontiguousarray(np.hstack([path[:, None].view(np.int8).reshape(len(path), -1),
                                          S]))
    _, idx = np.unique(key.view(np.dtype((np.void, key.shape[1]))).ravel(), return_index=True)
    n_patterns = np.bincount(path[idx], minlength=n_paths)
    widths = [s.shape[1] for s in run.states]
    states = np.split(S, np.cumsum(widths)[:-1], axis=1)
    return _Final(path, lo, hi, states, n_pieces, n_patterns, per_neuron)


def _layers(net: Network) -> list[Layer]:
    return list(zip(net.weights, net.biases, net.activations, net.slopes, net.pieces))


def _per_layer(net: Network, per_neuron: np.ndarray) -> tuple[np.ndarray, ...]:
    """Split one path's per-unit transition counts by layer (zeros for identity layers)."""
    out, i = [], 0
    for n, act in zip(net.widths, net.activations):
        if act == "identity":
            out.append(np.zeros(n, dtype=np.int64))
        else:
            out.append(per_neuron[i:i + n].copy())
            i += n
    return tuple(out)


# --- input validation and path construction -------------------------------------------------

def _vector(name: str, v: Any, n: int) -> np.ndarray:
    try:
        a = np.array(v, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise DomainError(f"{name} must be numeric, got {v!r}") from None
    if a.shape[0] != n:
        raise DomainError(f"{name} has {a.shape[0]} entries but the network takes {n} inputs")
    if not np.all(np.isfinite(a)):
        raise DomainError(f"{name} contains NaN or infinite values")
    return a


def _rows(name: str, v: Any, n: int) -> np.ndarray:
    try:
        a = np.array(v, dtype=np.float64)
    except (TypeError, ValueError):
        raise DomainError(f"{name} must be numeric") from None
    a = a.reshape(1, -1) if a.ndim == 1 else a
    if a.ndim != 2 or a.shape[1] != n:
        raise DomainError(f"{name} must have shape (k, {n}) for a network with {n} inputs, "
                          f"got {np.shape(v)}")
    if not np.all(np.isfinite(a)):
        raise DomainError(f"{name} contains NaN or infinite values")
    return a


def _check_net(net: Network) -> None:
    if not isinstance(net, Network):
        raise RegionkitError(f"net must be a regionkit.Network, got {type(net).__name__}")


def _line_pieces(x0: np.ndarray, u: np.ndarray, lo: float, hi: float) -> _Pieces:
    """One piece per path of x0[i] + t u[i], t in (lo, hi)."""
    coef = np.stack([u, x0], axis=1)
    n = x0.shape[0]
    return _Pieces(np.arange(n), np.full(n, lo), np.full(n, hi), coef)


def _arc_pieces(x0: np.ndarray, x1: np.ndarray, span: float) -> _Pieces:
    """One piece per path of cos(th) x0[i] + sin(th) x1[i], th in (0, span)."""
    coef = np.stack([x0, x1, np.zeros_like(x0)], axis=1)
    n = x0.shape[0]
    return _Pieces(np.arange(n), np.zeros(n), np.full(n, span), coef)


def _check_independent(x0: np.ndarray, x1: np.ndarray, tol: Tolerance) -> None:
    """An arc needs two independent vectors; otherwise it is a segment traversed twice."""
    sv = np.linalg.svd(np.stack([x0, x1], axis=1), compute_uv=False)
    bad = np.flatnonzero(sv[:, 1] <= tol.rtol * sv[:, 0])
    if bad.size:
        raise DomainError(f"x0 and x1 of arc {int(bad[0])} are linearly dependent: the arc "
                          "degenerates to a segment (use segment or line)")


# --- single paths -----------------------------------------------------------------------------

def _trajectory(kind: str, net: Network, fam: type, pc: _Pieces, tol: Tolerance, *,
                to_param: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
                curve: Callable[[np.ndarray], np.ndarray], closed: bool = False,
                period: float = math.inf, start: float) -> Trajectory:
    run = _propagate(fam, pc, _layers(net), 1, tol)
    lo, hi = to_param(run.lo, run.hi, run.origin)
    fin = _finish(run, 1, lo, hi, closed, period)
    states = []
    for act in net.activations:
        states.append(fin.states.pop(0) if act != "identity"
                      else np.zeros((fin.lo.shape[0], 0), dtype=np.int8))
    lengths = Lengths(float(run.input_len[0]), run.pre[0].copy(), run.post[0].copy(),
                      float(run.error[0]))
    return Trajectory(kind, net, fin.lo, fin.hi, tuple(states), int(fin.n_patterns[0]),
                      Transitions(_per_layer(net, fin.per_neuron[0])), lengths, closed,
                      time.perf_counter() - start, curve, period)


def segment(net: Network, x0: Any, x1: Any, tol: Tolerance | float | None = None) -> Trajectory:
    """The segment x(t) = x0 + t (x1 - x0), t in [0, 1], cut into its pieces.

    Agrees with ``enumerate_regions(net, Segment(x0, x1))``; here without the engine, with
    transitions and per-layer lengths.
    """
    start = time.perf_counter()
    _check_net(net)
    tol = Tolerance.coerce(tol)
    a, b = _vector("x0", x0, net.n_in), _vector("x1", x1, net.n_in)
    if np.array_equal(a, b):
        raise DomainError("segment endpoints coincide: the segment is a point")
    u = b - a
    return _trajectory("segment", net, _LineFamily, _line_pieces(a[None], u[None], 0.0, 1.0),
                       tol, to_param=lambda lo, hi, o: (lo, hi),
                       curve=lambda t: a + t[:, None] * u, start=start)


def line(net: Network, x0: Any, direction: Any,
         tol: Tolerance | float | None = None) -> Trajectory:
    """The whole line x(t) = x0 + t direction, t in R: every breakpoint, as H&R count them.

    The first and last pieces are unbounded (lo = -inf, hi = +inf); a non-constant image on
    them has infinite length.
    """
    start = time.perf_counter()
    _check_net(net)
    tol = Tolerance.coerce(tol)
    a, u = _vector("x0", x0, net.n_in), _vector("direction", direction, net.n_in)
    if not np.any(u):
        raise DomainError("direction is the zero vector")
    return _trajectory("line", net, _LineFamily, _line_pieces(a[None], u[None], -np.inf, np.inf),
                       tol, to_param=lambda lo, hi, o: (lo, hi),
                       curve=lambda t: a + t[:, None] * u, start=start)


def polyline(net: Network, points: Any, closed: bool = False,
             tol: Tolerance | float | None = None) -> Trajectory:
    """The polyline through points[0], points[1], ...; segment i is t in [i, i + 1].

    A piece continues across a vertex when the pattern does not change there. closed=True
    adds the segment back to points[0] (period len(points)).
    """
    start = time.perf_counter()
    _check_net(net)
    tol = Tolerance.coerce(tol)
    P = _rows("points", points, net.n_in)
    if closed:
        P = np.vstack([P, P[:1]])
    if P.shape[0] < 2:
        raise DomainError("a polyline needs at least two points")
    U = np.diff(P, axis=0)
    if np.any(~np.any(U, axis=1)):
        raise DomainError(f"points {int(np.argmin(np.any(U, axis=1)))} and the next coincide")
    pc = _line_pieces(P[:-1], U, 0.0, 1.0)
    pc.path[:] = 0  # one path, one initial piece per segment

    def curve(t: np.ndarray) -> np.ndarray:
        t = np.mod(t, U.shape[0]) if closed else t
        i = np.clip(np.floor(t), 0, U.shape[0] - 1).astype(np.int64)
        return P[i] + (t - i)[:, None] * U[i]

    return _trajectory("polyline", net, _LineFamily, pc, tol,
                       to_param=lambda lo, hi, o: (lo + o, hi + o), curve=curve,
                       closed=closed, period=float(U.shape[0]), start=start)


def arc(net: Network, x0: Any, x1: Any, tol: Tolerance | float | None = None) -> Trajectory:
    """Raghu's circular arc x(t) = cos(pi t / 2) x0 + sin(pi t / 2) x1, t in [0, 1].

    x0 and x1 must be linearly independent. Lengths are elliptic-arc lengths, exact up to
    ``lengths.error``.
    """
    return _arc_trajectory("arc", net, x0, x1, 0.5 * math.pi, tol)


def circle(net: Network, x0: Any, x1: Any, tol: Tolerance | float | None = None) -> Trajectory:
    """The closed great circle x(t) = cos(2 pi t) x0 + sin(2 pi t) x1, t in [0, 1).

    An ellipse when |x0| != |x1| or x0.x1 != 0. Transitions include the return to t = 0, so
    every unit's count is even.
    """
    return _arc_trajectory("circle", net, x0, x1, TWO_PI, tol)


def _arc_trajectory(kind: str, net: Network, x0: Any, x1: Any, span: float,
                    tol: Tolerance | float | None) -> Trajectory:
    start = time.perf_counter()
    _check_net(net)
    tol = Tolerance.coerce(tol)
    a, b = _vector("x0", x0, net.n_in), _vector("x1", x1, net.n_in)
    _check_independent(a[None], b[None], tol)

    def curve(t: np.ndarray) -> np.ndarray:
        th = span * t  # t runs over [0, 1]
        return np.cos(th)[:, None] * a + np.sin(th)[:, None] * b

    closed = kind == "circle"
    return _trajectory(kind, net, _ArcFamily, _arc_pieces(a[None], b[None], span), tol,
                       to_param=lambda lo, hi, o: (lo / span, hi / span), curve=curve,
                       closed=closed, period=1.0 if closed else math.inf, start=start)


# --- many paths: one row per path -------------------------------------------------------------

KINDS = ("segment", "line", "arc", "circle")


def table(net: Network, kind: str, a: Any, b: Any, *, tol: Tolerance | float | None = None,
          chunk: int | None = None) -> np.ndarray:
    """One row per path for many paths of one kind, computed together (numpy over pieces).

    kind "segment": a[i] -> b[i]; "line": through a[i] with direction b[i]; "arc" and
    "circle": x0 = a[i], x1 = b[i]. Returns a numpy structured array (``pandas.DataFrame(t)``
    reads it as is) with columns path, n_pieces, n_patterns, transitions (all units),
    output_transitions, transitions_d (layer d = net.weights[d - 1]), length_in,
    length_pre_d, length_post_d, length_out and length_error. ``chunk`` paths go through the
    layers together; by default as many as give about BATCH_PIECES pieces.
    """
    _check_net(net)
    tol = Tolerance.coerce(tol)
    if kind not in KINDS:
        raise RegionkitError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if chunk is not None and not (isinstance(chunk, int) and chunk >= 1):
        raise RegionkitError(f"chunk must be a positive integer or None, got {chunk!r}")
    A, B = _rows("a", a, net.n_in), _rows("b", b, net.n_in)
    if A.shape[0] != B.shape[0]:
        raise DomainError(f"a has {A.shape[0]} rows but b has {B.shape[0]}")
    if kind == "segment" and np.any(np.all(A == B, axis=1)):
        raise DomainError("a segment's endpoints coincide")
    if kind == "line" and np.any(~np.any(B, axis=1)):
        raise DomainError("a line's direction is the zero vector")
    if kind in ("arc", "circle"):
        _check_independent(A, B, tol)
    rows, i, size = [], 0, chunk or 1
    while i < A.shape[0]:
        rows.append(_table_chunk(net, kind, A[i:i + size], B[i:i + size], tol))
        i += size
        if chunk is None:  # size the next group by the pieces per path seen so far
            size = max(1, int(BATCH_PIECES / max(1.0, rows[-1]["n_pieces"].mean())))
    out = np.concatenate(rows) if rows else np.zeros(0, dtype=_table_dtype(net))
    out["path"] = np.arange(out.shape[0])
    return out


def _table_dtype(net: Network) -> np.dtype:
    L = range(1, net.n_layers + 1)
    return np.dtype([("path", np.int64), ("n_pieces", np.int64), ("n_patterns", np.int64),
                     ("transitions", np.int64), ("output_transitions", np.int64)]
                    + [(f"transitions_{d}", np.int64) for d in L] + [("length_in", np.float64)]
                    + [(f"length_pre_{d}", np.float64) for d in L]
                    + [(f"length_post_{d}", np.float64) for d in L]
                    + [("length_out", np.float64), ("length_error", np.float64)])


def _table_chunk(net: Network, kind: str, A: np.ndarray, B: np.ndarray,
                 tol: Tolerance) -> np.ndarray:
    n = A.shape[0]
    if kind in ("segment", "line"):
        fam, closed = _LineFamily, False
        pc = (_line_pieces(A, B - A, 0.0, 1.0) if kind == "segment"
              else _line_pieces(A, B, -np.inf, np.inf))
    else:
        fam, closed = _ArcFamily, kind == "circle"
        pc = _arc_pieces(A, B, TWO_PI if closed else 0.5 * math.pi)
    run = _propagate(fam, pc, _layers(net), n, tol)
    fin = _finish(run, n, run.lo, run.hi, closed, TWO_PI)
    out = np.zeros(n, dtype=_table_dtype(net))
    out["n_pieces"], out["n_patterns"] = fin.n_pieces, fin.n_patterns
    out["length_in"], out["length_error"] = run.input_len, run.error
    out["length_out"] = run.post[:, -1]
    i = 0
    for d, (n_units, act) in enumerate(zip(net.widths, net.activations), start=1):
        width = 0 if act == "identity" else n_units
        out[f"transitions_{d}"] = fin.per_neuron[:, i:i + width].sum(axis=1)
        out[f"length_pre_{d}"], out[f"length_post_{d}"] = run.pre[:, d - 1], run.post[:, d - 1]
        i += width
    out["transitions"] = fin.per_neuron.sum(axis=1)
    out["output_transitions"] = out[f"transitions_{net.n_layers}"]
    return out


def random_lines(net: Network, n_lines: int, data: Any = None, *, through: str = "origin",
                 rng: np.random.Generator | int | None = None,
                 tol: Tolerance | float | None = None,
                 chunk: int | None = None) -> np.ndarray:
    """Whole lines as Hanin & Rolnick draw them (section 3.1), one table row per line.

    through="origin": the line through 0 and a random row of ``data``; through="pairs": the
    line through two distinct random rows. Without data the rows are standard normal
    vectors. Columns as in ``table``.
    """
    _check_net(net)
    if not (isinstance(n_lines, (int, np.integer)) and n_lines >= 1):
        raise RegionkitError(f"n_lines must be a positive integer, got {n_lines!r}")
    if through not in ("origin", "pairs"):
        raise RegionkitError(f"through must be 'origin' or 'pairs', got {through!r}")
    rng = np.random.default_rng(rng)
    X = (rng.standard_normal((max(2, n_lines), net.n_in)) if data is None
         else _rows("data", data, net.n_in))
    if through == "origin":
        D = X[rng.integers(0, X.shape[0], n_lines)]
        if np.any(~np.any(D, axis=1)):
            raise DomainError("data contains the zero vector: no line through it and the origin")
        return table(net, "line", np.zeros_like(D), D, tol=tol, chunk=chunk)
    if X.shape[0] < 2:
        raise DomainError("through='pairs' needs at least two data points")
    i = rng.integers(0, X.shape[0], n_lines)
    j = (i + rng.integers(1, X.shape[0], n_lines)) % X.shape[0]
    if np.any(~np.any(X[j] - X[i], axis=1)):
        raise DomainError("data contains duplicate points: no line through a pair of them")
    return table(net, "line", X[i], X[j] - X[i], tol=tol, chunk=chunk)


# --- dichotomies: sweeping one layer's weights (Raghu et al. appendix B.3) ----------------------

def dichotomies(net: Network, X: Any, layer: int = 0, W1: Any = None, *, output: int = 0,
                rng: np.random.Generator | int | None = None,
                tol: Tolerance | float | None = None) -> Dichotomies:
    """Distinct sign labellings of the inputs X while W_layer(t) = cos t W0 + sin t W1, t in
    [0, 2 pi), sweeps a great circle (W0 the network's weights of that layer).

    For each input the swept layer's pre-activations are cos t (W0 h) + sin t (W1 h) + b with
    h its fixed input to that layer: an arc, cut exactly like input arcs, and the sign of
    ``output`` (output > 0 is label 1) is one more cut. W1 defaults to a random matrix
    orthogonal to W0 of the same Frobenius norm, so |W(t)| is constant.
    """
    _check_net(net)
    net.require_elementwise("dichotomies")
    tol = Tolerance.coerce(tol)
    Xs = _rows("X", X, net.n_in)
    if not (isinstance(layer, (int, np.integer)) and 0 <= layer < net.n_layers):
        raise NetworkError(f"layer must be an index in 0..{net.n_layers - 1}, got {layer!r}")
    if not (isinstance(output, (int, np.integer)) and 0 <= output < net.n_out):
        raise NetworkError(f"output must be an index in 0..{net.n_out - 1}, got {output!r}")
    W0 = net.weights[layer]
    W1 = _sweep_partner(W0, np.random.default_rng(rng)) if W1 is None else _partner(W1, W0)
    H = Xs if layer == 0 else net.activate(layer - 1, net.preactivations(Xs)[layer - 1])
    s, n = H.shape
    coef = np.zeros((s, 3, 2 * n))
    coef[:, 0, :n], coef[:, 1, n:] = H, H
    pc = _Pieces(np.arange(s), np.zeros(s), np.full(s, TWO_PI), coef)
    layers = _layers(net)[layer:]
    layers[0] = (np.hstack([W0, W1]),) + layers[0][1:]
    sign = np.zeros((1, net.n_out))
    sign[0, output] = 1.0
    layers.append((sign, np.zeros(1), "relu", 0.0, 1))  # labels: the states of this cut
    run = _propagate(_ArcFamily, pc, layers, s, tol)
    fin = _finish(run, s, run.lo, run.hi, True, TWO_PI)
    return _labellings(fin, s, tol)


def _partner(W1: Any, W0: np.ndarray) -> np.ndarray:
    try:
        W = np.array(W1, dtype=np.float64)
    except (TypeError, ValueError):
        raise NetworkError("W1 must be numeric") from None
    if W.shape != W0.shape or not np.all(np.isfinite(W)):
        raise NetworkError(f"W1 must be a finite array of shape {W0.shape}, got {W.shape}")
    return W


def _sweep_partner(W0: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random matrix orthogonal to W0 (Frobenius) with the same norm."""
    norm = np.linalg.norm(W0)
    if norm == 0:
        raise NetworkError("the swept layer's weights are all zero: give W1 explicitly")
    G = rng.standard_normal(W0.shape)
    G -= (np.sum(G * W0) / norm ** 2) * W0
    return G * (norm / np.linalg.norm(G))


def _labellings(fin: _Final, s: int, tol: Tolerance) -> Dichotomies:
    """Sweep the label flips of all inputs in angle order; count distinct labellings."""
    labels = fin.states[-1][:, 0].astype(bool)
    first = np.cumsum(fin.n_pieces) - fin.n_pieces
    prev = np.arange(labels.shape[0]) - 1  # cyclic predecessor within each input's circle
    prev[first] = first + fin.n_pieces - 1
    # A flip at t = 0 (a first piece that did not wrap) closes the sweep at t = 2 pi.
    flip = np.flatnonzero((labels != labels[prev]) & (fin.lo != 0.0))
    t, who = np.mod(fin.lo[flip], TWO_PI), fin.path[flip]
    order = np.argsort(t, kind="stable")
    t, who = t[order], who[order]
    words = (s + 63) // 64
    state = np.zeros((t.shape[0] + 1, words), dtype=np.uint64)
    start = np.flatnonzero(labels[first])
    np.bitwise_xor.at(state[0], start // 64, np.uint64(1) << (start % 64).astype(np.uint64))
    np.bitwise_xor.at(state[1:], (np.arange(t.shape[0]), who // 64),
                      np.uint64(1) << (who % 64).astype(np.uint64))
    state = np.bitwise_xor.accumulate(state, axis=0)
    # Flips closer than the tolerance's resolution of the circle happen together.
    together = np.r_[t[1:] - t[:-1] <= tol.rtol * TWO_PI, False]
    state = state[np.r_[True, ~together]]
    _, idx = np.unique(state, axis=0, return_index=True)
    seen = state[np.sort(idx)]
    bits = (seen[:, np.arange(s) // 64] >> (np.arange(s) % 64).astype(np.uint64)) & np.uint64(1)
    return Dichotomies(bits.astype(bool), np.unique(t), int(fin.per_neuron[:, -1].sum()),
                       int(fin.per_neuron[:, :-1].sum()))
