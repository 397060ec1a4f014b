"""Segments, whole lines and polyline legs: affine slices cut by the engine's 1-D core.

A leg x(t) = origin + t u over a window lo < t < hi is the 1-D domain
``Slice(origin, u[:, None], lo, hi)``: ``enumerate_regions`` splits it exactly (sorted
breakpoints) with the engine's tolerance (regionkit.model.tolerance) and gives every
interval its full activation pattern. On an interval every layer is affine in t, so image
lengths are exact from the layer values at the interval's ends, computed through the
interval's own activation pieces (regionkit.trajectory.activations).

A whole line is cut in windows of its parameter, each one engine call whose tolerance
scale bounds |x| over that window (as for a segment of that size): [-1, 1], then the
shells 2^(k-1) <= |t| <= 2^k. Activation regions are convex, and so is the set of points
with one pattern in ``Network.pattern``'s convention (z > c, maxout ties to the lowest
piece), so a shell whose two ends have the same pattern holds no breakpoint and needs no
call. Probing the ends of the shells out to
|t| = 2^LINE_DOUBLINGS beyond the scale |t u| = |x0| finds every breakpoint a pre-activation
threshold of ordinary size can make; beyond that the pattern is taken as constant, and the
two outer pieces as unbounded.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from regionkit.model.activations import Activation
from regionkit.model.domains import Slice
from regionkit.model.network import Network
from regionkit.model.tolerance import Tolerance
from regionkit.regions.engine import enumerate_regions
from regionkit.trajectory.activations import (
    piece_bits,
    pieces_at,
    post_differences,
    post_values,
)
from regionkit.trajectory.counts import Layout, layer_pieces
from regionkit.trajectory.results import LENGTH_RTOL

__all__ = ["LINE_DOUBLINGS", "Cut", "Prepared", "lengths", "line", "window"]

# Doublings of the parameter probed beyond |t u| = |x0| for a whole line's outermost
# breakpoints: a pre-activation a t + g meets a threshold c there only if
# |a| < |c - g| / 2^64, a slope far below any tolerance (rtol = 1e-10) of its terms.
LINE_DOUBLINGS = 64

Cut = tuple[np.ndarray, np.ndarray, np.ndarray]  # (lo, hi, pattern bits) of sorted pieces


def window(net: Network, origin: np.ndarray, u: np.ndarray, lo: float, hi: float,
           tol: Tolerance) -> Cut:
    """The pieces of origin + t u, lo < t < hi: one engine call.

    Parameters
    ----------
    net : Network
        The network.
    origin, u : numpy.ndarray
        The point at t = 0 and the direction, n_in entries each.
    lo, hi : float
        The parameter window, lo < hi, both finite.
    tol : Tolerance
        The engine's zero tolerance.

    Returns
    -------
    Cut
        (lo, hi, pattern bits) of the pieces, sorted by lo.
    """
    rs = enumerate_regions(net, Slice(origin, u[:, None], lo, hi), tol, progress=False)
    assert rs.vertices is not None  # 1-D regions always carry their two ends
    ends = rs.vertices.reshape(-1, 2)
    order = np.argsort(ends[:, 0], kind="stable")
    return ends[order, 0], ends[order, 1], rs.pattern_bits()[order]


def line(net: Network, x0: np.ndarray, u: np.ndarray, tol: Tolerance) -> Cut:
    """The pieces of the whole line x0 + t u; the first and last are unbounded.

    Parameters
    ----------
    net : Network
        The network.
    x0, u : numpy.ndarray
        A point of the line and its direction (not zero), n_in entries each.
    tol : Tolerance
        The engine's zero tolerance.

    Returns
    -------
    Cut
        (lo, hi, pattern bits) of the pieces, sorted by lo; lo[0] = -inf, hi[-1] = inf.
    """
    ratio = float(np.linalg.norm(x0) / np.linalg.norm(u))
    K = LINE_DOUBLINGS + (math.ceil(math.log2(ratio)) if ratio > 1.0 else 0)
    edge = 2.0 ** np.arange(K + 1)  # shell k is edge[k-1] <= |t| <= edge[k]
    tables = list(net.activations)
    probe = np.concatenate(_values(net, tables, x0, u, np.r_[-edge[::-1], edge])[2], axis=1)
    parts = [window(net, x0, u, -1.0, 1.0, tol)]
    for sign, P in ((-1.0, probe[K::-1]), (1.0, probe[K + 1:])):
        same = np.all(P[1:] == P[:-1], axis=1)  # same[k - 1]: shell k holds no breakpoint
        k = 1
        while k <= K:
            j = k
            while j <= K and same[j - 1]:
                j += 1
            if j > k:  # shells k .. j-1 hold no breakpoint: one piece
                parts.append(_piece(sign * edge[k - 1], sign * edge[j - 1], P[k - 1]))
                k = j
            else:
                a, b = sorted((sign * edge[k - 1], sign * edge[k]))
                parts.append(window(net, x0, u, a, b, tol))
                k += 1
        parts.append(_piece(sign * edge[K], sign * math.inf, P[K]))
    lo, hi, bits = (np.concatenate([p[i] for p in parts]) for i in range(3))
    order = np.argsort(lo, kind="stable")
    return lo[order], hi[order], bits[order]


def _piece(a: float, b: float, bits: np.ndarray) -> Cut:
    return np.array([min(a, b)]), np.array([max(a, b)]), bits[None]


def _values(net: Network, tables: list[Activation], x0: np.ndarray, u: np.ndarray, t: np.ndarray,
            pieces: list[np.ndarray] | None = None
            ) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Per layer, the pre-activations, outputs and pattern bits at x0 + t u.

    The first layer is W (x0 + t u) + b = (W x0 + b) + t (W u): two products per line, not
    one per point. ``pieces`` (per layer, one row per t) fixes the piece of every unit;
    otherwise it is the one the values select, as ``Network.pattern`` does.
    """
    W, b = net.weights[0], net.biases[0]
    z = (W @ x0 + b) + t[:, None] * (W @ u)
    Z: list[np.ndarray] = []
    H: list[np.ndarray] = []
    B: list[np.ndarray] = []
    for li, table in enumerate(tables):
        if li:
            z = H[-1] @ net.weights[li].T + net.biases[li]
        piece = pieces_at(table, z) if pieces is None else pieces[li]
        Z.append(z)
        H.append(post_values(table, z, piece))
        B.append(piece_bits(table, piece) if pieces is None else np.zeros((len(t), 0), bool))
    return Z, H, B


@dataclass(frozen=True)
class Prepared:
    """What ``lengths`` needs of a network, computed once per call of the public functions.

    Parameters
    ----------
    net : Network
        The network.
    tables : list of Activation
        Its layers' activations.
    layout : Layout
        Where its pattern bits lie.
    w_norm, b_norm : numpy.ndarray
        |W|_F and |b| per layer, for the error bound.
    """

    net: Network
    tables: list[Activation]
    layout: Layout
    w_norm: np.ndarray
    b_norm: np.ndarray

    @classmethod
    def of(cls, net: Network) -> "Prepared":
        """Compute what ``lengths`` needs of a network.

        Parameters
        ----------
        net : Network
            The network.

        Returns
        -------
        Prepared
            Its tables, layout and norms.
        """
        return cls(net, list(net.activations), Layout.of(net),
                   np.array([np.linalg.norm(W) for W in net.weights]),
                   np.array([np.linalg.norm(b) for b in net.biases]))


def _norms(v: np.ndarray) -> np.ndarray:
    return np.sqrt(np.einsum("ij,ij->i", v, v))


def lengths(prep: Prepared, origin: np.ndarray, u: np.ndarray,
            cut: Cut) -> tuple[float, np.ndarray, np.ndarray, float]:
    """Image lengths, at every layer, of contiguous pieces of origin + t u.

    Each layer is affine on a piece, so its image there has length |v(hi) - v(lo)|, with the
    values at the ends computed through the piece's own activation pieces (the pieces of the
    left neighbour at a shared end give the same values: the network is continuous). An
    unbounded piece has length inf when its values at two of its points differ, else 0.
    ``error`` bounds the rounding of the values at the ends: LENGTH_RTOL times the size of
    the terms summed into them (at most |W|_F |h| + |b|), per end, layer and image.

    Parameters
    ----------
    prep : Prepared
        The network's tables, layout and norms.
    origin, u : numpy.ndarray
        The point at t = 0 and the direction.
    cut : Cut
        Contiguous pieces of the path (``window`` or ``line``).

    Returns
    -------
    tuple of (float, numpy.ndarray, numpy.ndarray, float)
        The input length, the per-layer pre- and post-activation lengths, and the error
        bound.
    """
    net, lo, hi, bits = prep.net, *cut
    unbounded = np.isinf(lo) | np.isinf(hi)
    bounded = ~unbounded
    t = np.r_[np.where(np.isinf(lo), 2.0 * hi, lo),
              2.0 * lo[-1] if np.isinf(hi[-1]) else hi[-1]]
    left = np.r_[0, np.arange(lo.shape[0])]  # the piece whose map gives the values at t
    pieces = layer_pieces(prep.layout, bits)
    Z, H, _ = _values(net, prep.tables, origin, u, t, [p[left] for p in pieces])
    n_in = float(np.linalg.norm(u)) * (hi - lo)
    pre, post = np.zeros(net.n_layers), np.zeros(net.n_layers)
    error = LENGTH_RTOL * float(n_in[bounded].sum())
    size = _norms(origin + t[:, None] * u)  # |h| of the layer input
    for li, table in enumerate(prep.tables):
        dz = Z[li][1:] - Z[li][:-1]
        for out, d in ((pre, dz), (post, post_differences(table, dz, pieces[li]))):
            step = _norms(d)
            out[li] = step[bounded].sum() + (math.inf if np.any(step[unbounded] > 0) else 0.0)
        terms = prep.w_norm[li] * size + prep.b_norm[li]
        error += 2.0 * LENGTH_RTOL * float((terms[:-1] + terms[1:])[bounded].sum())
        size = _norms(H[li])
    return float(n_in.sum()), pre, post, error
