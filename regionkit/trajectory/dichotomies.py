"""Dichotomies: the sign labellings of fixed inputs while one layer's weights sweep a great
circle (Raghu et al. appendix B.3), cut exactly like input arcs."""
from __future__ import annotations

from typing import Any

import numpy as np

from regionkit.errors import NetworkError
from regionkit.model.activations import relu
from regionkit.model.network import Network
from regionkit.model.tolerance import Tolerance
from regionkit.trajectory import arcs
from regionkit.trajectory.activations import post_values
from regionkit.trajectory.counts import Counted, Layout, count, layer_pieces
from regionkit.trajectory.inputs import check_net, rows
from regionkit.trajectory.results import Dichotomies

__all__ = ["dichotomies"]


def dichotomies(net: Network, X: Any, layer: int = 0, W1: Any = None, *, output: int = 0,
                rng: np.random.Generator | int | None = None,
                tol: Tolerance | float | None = None) -> Dichotomies:
    """Distinct sign labellings of inputs while one layer's weights sweep a great circle.

    The layer's weights are W(t) = cos t W0 + sin t W1, t in [0, 2 pi), W0 the network's
    weights of that layer. For each input the swept layer's pre-activations are
    cos t (W0 h) + sin t (W1 h) + b with h its fixed input to that layer: an arc, cut exactly
    like input arcs, and the sign of ``output`` (output > 0 is label 1) is one more cut.

    Parameters
    ----------
    net : Network
        The network, without maxout layers.
    X : array_like
        (s, n_in) inputs.
    layer : int
        The swept layer, 0 .. n_layers - 1.
    W1 : array_like or None
        The sweep's second matrix, of W0's shape; by default a random matrix orthogonal to
        W0 of the same Frobenius norm, so |W(t)| is constant.
    output : int
        The output unit whose sign labels the inputs.
    rng : numpy.random.Generator, int or None
        Draws the default W1.
    tol : Tolerance, float or None
        Zero tolerance; a float is rtol.

    Returns
    -------
    Dichotomies
        The distinct labellings, the angles where labels flip, and the transition counts.

    Raises
    ------
    NetworkError
        Maxout layers, a bad layer or output index, a bad W1, all-zero swept weights.
    DomainError
        Inputs X that are not finite or of the wrong shape.
    RegionkitError
        net is not a Network.

    Examples
    --------
    relu(x) + relu(y) with its first layer rotated by t: the label of an input (output > 0)
    is off while the rotated input lies in the closed negative quadrant.

    >>> import math
    >>> import regionkit as rk
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1]], [[1, 1]]], [[0, 0], [0]])
    >>> d = rk.trajectory.dichotomies(net, [[1, 0], [0, 1]], W1=[[0, -1], [1, 0]])
    >>> d.labellings.tolist()
    [[True, True], [True, False], [False, True]]
    >>> [round(t / (math.pi / 2), 9) for t in d.breakpoints.tolist()]
    [1.0, 2.0, 3.0]
    """
    check_net(net)
    net.require_elementwise("dichotomies")
    tol = Tolerance.coerce(tol)
    Xs = rows("X", X, net.n_in)
    if not (isinstance(layer, (int, np.integer)) and 0 <= layer < net.n_layers):
        raise NetworkError(f"layer must be an index in 0..{net.n_layers - 1}, got {layer!r}")
    if not (isinstance(output, (int, np.integer)) and 0 <= output < net.n_out):
        raise NetworkError(f"output must be an index in 0..{net.n_out - 1}, got {output!r}")
    W0 = net.weights[layer]
    W1 = _sweep_partner(W0, np.random.default_rng(rng)) if W1 is None else _partner(W1, W0)
    H = Xs if layer == 0 else _inputs_of(net, layer, Xs)
    s, n = H.shape
    start = arcs.ArcPieces.start(np.hstack([H, np.zeros_like(H)]),
                                 np.hstack([np.zeros_like(H), H]), arcs.TWO_PI)
    layers = arcs.network_layers(net)[layer:]
    layers[0] = (np.hstack([W0, W1]),) + layers[0][1:]
    sign = np.zeros((1, net.n_out))
    sign[0, output] = 1.0
    layers.append((sign, np.zeros(1), relu()))  # labels: the bit of this cut
    run = arcs.propagate(start, layers, s, tol)
    full = Layout.of(net)
    off = full.offsets[layer:] - full.offsets[layer]
    layout = Layout(np.r_[off, off[-1] + 1], full.widths[layer:] + (1,),
                    full.grouped[layer:] + (False,))
    return _labellings(count(layout, run.pieces, s, True, arcs.TWO_PI), s, tol)


def _inputs_of(net: Network, layer: int, X: np.ndarray) -> np.ndarray:
    """The outputs of layer - 1 at X (the swept layer's fixed inputs)."""
    pieces = layer_pieces(Layout.of(net), net.pattern(X))[layer - 1]
    return post_values(net.activations[layer - 1], net.preactivations(X)[layer - 1], pieces)


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


def _labellings(fin: Counted, s: int, tol: Tolerance) -> Dichotomies:
    """Sweep the label flips of all inputs in angle order; count distinct labellings."""
    labels = fin.bits[:, -1]
    first = np.cumsum(fin.n_pieces) - fin.n_pieces
    prev = np.arange(labels.shape[0]) - 1  # cyclic predecessor within each input's circle
    prev[first] = first + fin.n_pieces - 1
    # A flip at t = 0 (a first piece that did not wrap) closes the sweep at t = 2 pi.
    flip = np.flatnonzero((labels != labels[prev]) & (fin.lo != 0.0))
    t, who = np.mod(fin.lo[flip], arcs.TWO_PI), fin.path[flip]
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
    together = np.r_[t[1:] - t[:-1] <= tol.rtol * arcs.TWO_PI, False]
    state = state[np.r_[True, ~together]]
    _, idx = np.unique(state, axis=0, return_index=True)
    seen = state[np.sort(idx)]
    bits = (seen[:, np.arange(s) // 64] >> (np.arange(s) % 64).astype(np.uint64)) & np.uint64(1)
    return Dichotomies(bits.astype(bool), np.unique(t), int(fin.per_neuron[:, -1].sum()),
                       int(fin.per_neuron[:, :-1].sum()))
