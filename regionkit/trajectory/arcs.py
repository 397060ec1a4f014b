"""Arcs, circles and weight sweeps: exact pieces from closed-form crossings.

An arc x(th) = cos(th) x0 + sin(th) x1 is not an affine slice, so the engine's 1-D core
cannot cut it. The exact alternative through the engine, enumerating the plane of x0 and x1
around the arc in 2-D and intersecting the circle with every polygon, costs a 2-D
enumeration of a band around the arc per path (several times the pieces, and several engine
calls per path): far slower than this, so arcs keep their own propagation. It follows the
engine's algebra and tolerance rule exactly:

* on a piece every pre-activation is A cos th + B sin th + G = R cos(th - phi) + G, so the
  crossings of a threshold c solve R cos(th - phi) = c - G: th = phi +- arccos((c - G) / R);
* the layer input h has, like the engine's region maps, a magnitude bound S over the box
  |cos th|, |sin th| <= 1 of the arc's plane, S = |A| + |B| + |G| for the input and
  |slope| (|A| + |B| + |G|) + |offset| after an activation piece; a value of hyperplane
  z_j = c is zero within eps = atol + rtol (sum_k |W_jk| S_k + |b_j| + |c|) (maxout pairs
  P_a - P_j: |W_a - W_j| S + |b_a - b_j|), per piece;
* a crossing splits a piece only when it lies farther than eps / |dv/dth| from both ends (the
  1-D core splits where the values at both ends are beyond +-eps); crossings closer than
  that to each other are one breakpoint; a unit whose amplitude R is within eps does not
  cross. Adjacent children of a piece whose patterns agree are joined, so a hyperplane that
  only touches the arc splits nothing.

All pieces of a batch of paths go through the layers together (numpy over pieces). Lengths
of arc images are elliptic arcs: incomplete elliptic integrals of the second kind.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy.special import ellipeinc

from regionkit.model.activations import Activation, Maxout
from regionkit.model.network import Network
from regionkit.model.tolerance import Tolerance
from regionkit.trajectory.counts import Pieces
from regionkit.trajectory.results import LENGTH_RTOL

__all__ = ["ELLIPE_ERR", "TWO_PI", "ArcPieces", "Layer", "Run", "network_layers", "propagate"]

# Absolute error of scipy.special.ellipeinc(phi, m), per unit of 1 + |phi|: measured below
# 5e-16 against mpmath at 40 digits for |phi| <= 4 pi and every m in [0, 1]; 4x margin.
ELLIPE_ERR = 2e-15
TWO_PI = 2.0 * math.pi

Layer = tuple[np.ndarray, np.ndarray, Activation]  # (W, b, activation table)


@dataclass
class ArcPieces:
    """Pieces of a batch of arcs, sorted by (path, lo), with the current layer input on each.

    Parameters
    ----------
    path : numpy.ndarray
        (P,) path index of every piece.
    lo, hi : numpy.ndarray
        (P,) angle intervals (radians).
    coef : numpy.ndarray
        (P, 3, n): the layer input on piece p is
        coef[p, 0] cos th + coef[p, 1] sin th + coef[p, 2].
    S : numpy.ndarray
        (P, n) bounds on its magnitude over the box |cos th|, |sin th| <= 1.
    """

    path: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    coef: np.ndarray
    S: np.ndarray

    @classmethod
    def start(cls, x0: np.ndarray, x1: np.ndarray, span: float) -> "ArcPieces":
        """One piece per path of cos(th) x0[i] + sin(th) x1[i], th in (0, span).

        Parameters
        ----------
        x0, x1 : numpy.ndarray
            (n_paths, n) the arcs' vectors.
        span : float
            The angle every arc covers.

        Returns
        -------
        ArcPieces
            The uncut network inputs.
        """
        n = x0.shape[0]
        return cls(np.arange(n), np.zeros(n), np.full(n, span),
                   np.stack([x0, x1, np.zeros_like(x0)], axis=1), np.abs(x0) + np.abs(x1))


@dataclass
class Run:
    """Final pieces with their patterns and per-path image lengths (angles in radians).

    Parameters
    ----------
    pieces : Pieces
        The final pieces with their full patterns.
    input_len : numpy.ndarray
        (n_paths,) lengths of the arcs themselves.
    pre, post : numpy.ndarray
        (n_paths, n_layers) image lengths before and after each layer's activation.
    error : numpy.ndarray
        (n_paths,) a bound on the error of every length of the path.
    """

    pieces: Pieces
    input_len: np.ndarray
    pre: np.ndarray  # (n_paths, n_layers)
    post: np.ndarray
    error: np.ndarray  # per path, bound over all its lengths


def _basis(th: np.ndarray) -> np.ndarray:
    return np.stack([np.cos(th), np.sin(th), np.ones_like(th)], axis=1)


def _crossings(Z: np.ndarray, eps: np.ndarray, lo: np.ndarray, hi: np.ndarray,
               thresholds: Sequence[float],
               tol: Tolerance) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(piece, root, delta) of the crossings of R cos(th - phi) + G = c inside a piece.

    A value with amplitude R moves by at most R |th - mid| from its value at the piece's
    midpoint, so only units within R (hi - lo) / 2 + eps of c there are solved for.
    """
    R = np.hypot(Z[:, 0], Z[:, 1])
    mid, reach = 0.5 * (lo + hi), 0.5 * (hi - lo)
    zmid = np.einsum("pk,pkm->pm", _basis(mid), Z)
    out = []
    for c in thresholds:
        e = eps + tol.rtol * abs(c)
        p, u = np.nonzero((R > e) & (np.abs(zmid - c) <= R * reach[:, None] + e))
        Rs, e = R[p, u], e[p, u]
        q = (c - Z[p, 2, u]) / Rs
        ok = np.abs(q) < 1.0
        p, u, q, Rs, e = p[ok], u[ok], q[ok], Rs[ok], e[ok]
        phi, half = np.arctan2(Z[p, 1, u], Z[p, 0, u]), np.arccos(q)
        delta = e / (Rs * np.sin(half))  # eps / |dv/dth| at both roots
        for r in (np.mod(phi + half, TWO_PI), np.mod(phi - half, TWO_PI)):
            inside = (r - delta > lo[p]) & (r + delta < hi[p])
            out.append((p[inside], r[inside], delta[inside]))
    return out


def _lengths(Z: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


def _split(lo: np.ndarray, hi: np.ndarray, Z: np.ndarray, eps: np.ndarray,
           thresholds: Sequence[float], tol: Tolerance) -> tuple[np.ndarray, ...]:
    """Cut every piece at its units' crossings; (parent, lo, hi, thresholds exceeded) of the
    children, siblings that exceed the same thresholds joined."""
    found = _crossings(Z, eps, lo, hi, thresholds, tol)
    p, r, d = (np.concatenate([f[i] for f in found]) for i in range(3))
    order = np.lexsort((r, p))
    p, r, d = p[order], r[order], d[order]
    first = np.ones(p.shape[0], dtype=bool)  # one breakpoint per cluster of close roots
    first[1:] = (p[1:] != p[:-1]) | (r[1:] - r[:-1] > np.maximum(d[1:], d[:-1]))
    parent, clo, chi = _cut(lo, hi, p[first], r[first])
    z = np.einsum("pk,pkm->pm", _basis(0.5 * (clo + chi)), Z[parent])
    count = np.zeros(z.shape, dtype=np.int64)
    for c in thresholds:
        count += z - c > eps[parent] + tol.rtol * abs(c)
    keep = np.ones(parent.shape[0], dtype=bool)
    keep[1:] = (parent[1:] != parent[:-1]) | np.any(count[1:] != count[:-1], axis=1)
    starts = np.flatnonzero(keep)
    ends = np.r_[starts[1:], parent.shape[0]] - 1
    return parent[starts], clo[starts], chi[ends], count[starts]


def _affine(C: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Coefficients (P, 3, n) through z = W h + b: the bias goes on the constant."""
    Z = C @ W.T
    Z[:, -1] += b
    return Z


def _eps(S: np.ndarray, W: np.ndarray, b: np.ndarray, tol: Tolerance) -> np.ndarray:
    """The engine's zero tolerance of W h + b on every piece: atol + rtol (|W| S + |b|)."""
    return tol.atol + tol.rtol * (S @ np.abs(W).T + np.abs(b))


def _elementwise(pc: ArcPieces, Z: np.ndarray, eps: np.ndarray, table: Activation,
                 tol: Tolerance) -> tuple[np.ndarray, ArcPieces, np.ndarray]:
    """Cut by the thresholds of an elementwise layer; (parent, next pieces, pattern bits)."""
    th = table.breakpoints
    if not th:
        return (np.arange(pc.lo.shape[0]),
                ArcPieces(pc.path, pc.lo, pc.hi, Z, np.abs(Z).sum(axis=1)),
                np.zeros((pc.lo.shape[0], 0), dtype=bool))
    parent, lo, hi, count = _split(pc.lo, pc.hi, Z, eps, th, tol)
    Zc = Z[parent]
    slope, offset = np.asarray(table.slopes)[count], np.asarray(table.offsets)[count]
    coef = Zc * slope[:, None, :]
    coef[:, -1, :] += offset
    S = np.abs(slope) * np.abs(Zc).sum(axis=1) + np.abs(offset)
    bits = (count[:, :, None] > np.arange(len(th))).reshape(count.shape[0], -1)
    return parent, ArcPieces(pc.path[parent], lo, hi, coef, S), bits


def _maxout(pc: ArcPieces, Z: np.ndarray, W: np.ndarray, b: np.ndarray, k: int,
            tol: Tolerance) -> tuple[np.ndarray, ArcPieces, np.ndarray]:
    """Cut where a maxout unit's winner changes; (parent, next pieces, pattern bits).

    The pieces are first cut by every ordered difference P_a - P_j (state 1 where it exceeds
    its tolerance, as the engine's clips decide), then piece a wins where it beats every
    lower piece and no higher piece beats it; siblings with the same winners are joined.
    Z holds the layer's pre-activations on the pieces.
    """
    U = W.shape[0] // k
    if k == 1:  # a single piece always wins
        return (np.arange(pc.lo.shape[0]),
                ArcPieces(pc.path, pc.lo, pc.hi, Z, np.abs(Z).sum(axis=1)),
                np.ones((pc.lo.shape[0], U), dtype=bool))
    a, j = np.nonzero(~np.eye(k, dtype=bool))                  # ordered pairs, a-major
    rows_a = (np.arange(U)[:, None] * k + a).reshape(-1)
    rows_j = (np.arange(U)[:, None] * k + j).reshape(-1)
    dW, db = W[rows_a] - W[rows_j], b[rows_a] - b[rows_j]
    parent, lo, hi, count = _split(pc.lo, pc.hi, _affine(pc.coef, dW, db),
                                   _eps(pc.S, dW, db, tol), (0.0,), tol)
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
    sel = np.arange(U) * k + winner
    coef = np.take_along_axis(Z[parent], sel[:, None, :], axis=2)
    bits = np.zeros((parent.shape[0], U * k), dtype=bool)
    np.put_along_axis(bits, sel, True, axis=1)
    return parent, ArcPieces(pc.path[parent], lo, hi, coef, np.abs(coef).sum(axis=1)), bits


def propagate(pc: ArcPieces, layers: Sequence[Layer], n_paths: int, tol: Tolerance) -> Run:
    """Cut the pieces by every layer in turn, accumulating image lengths per path.

    Parameters
    ----------
    pc : ArcPieces
        The arcs' pieces before the first layer (``ArcPieces.start``).
    layers : sequence of Layer
        (W, b, activation) per layer (``network_layers``).
    n_paths : int
        Number of paths in ``pc``.
    tol : Tolerance
        The engine's zero tolerance.

    Returns
    -------
    Run
        The final pieces, their patterns and the image lengths.
    """
    L = len(layers)
    pre, post = np.zeros((n_paths, L)), np.zeros((n_paths, L))
    inp, err = _lengths(pc.coef, pc.lo, pc.hi)
    error = np.bincount(pc.path, err, minlength=n_paths)
    input_len = np.bincount(pc.path, inp, minlength=n_paths)
    parents, layer_bits = [], []
    for li, (W, b, table) in enumerate(layers):
        Z = _affine(pc.coef, W, b)
        length, err = _lengths(Z, pc.lo, pc.hi)
        pre[:, li] = np.bincount(pc.path, length, minlength=n_paths)
        error += np.bincount(pc.path, err, minlength=n_paths)
        if isinstance(table, Maxout):
            parent, pc, bits = _maxout(pc, Z, W, b, table.pieces, tol)
        else:
            parent, pc, bits = _elementwise(pc, Z, _eps(pc.S, W, b, tol), table, tol)
        length, err = _lengths(pc.coef, pc.lo, pc.hi)
        post[:, li] = np.bincount(pc.path, length, minlength=n_paths)
        error += np.bincount(pc.path, err, minlength=n_paths)
        parents.append(parent)
        layer_bits.append(bits)
    idx = np.arange(pc.lo.shape[0])
    final: list[np.ndarray] = [np.empty(0)] * L
    for li in range(L - 1, -1, -1):  # trace every final piece back through its ancestors
        final[li] = layer_bits[li][idx]
        idx = parents[li][idx]
    bits = np.concatenate(final, axis=1) if L else np.zeros((pc.lo.shape[0], 0), dtype=bool)
    return Run(Pieces(pc.path, pc.lo, pc.hi, bits), input_len, pre, post, error)


def network_layers(net: Network) -> list[Layer]:
    """The layers of a network as ``propagate`` reads them.

    Parameters
    ----------
    net : Network
        The network.

    Returns
    -------
    list of Layer
        (W, b, activation) per layer.
    """
    return list(zip(net.weights, net.biases, net.activations))
