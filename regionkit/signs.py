"""Signs of every network hyperplane at given points, with the engine's zero tolerance.

A value z of a unit counts as zero when |z - t| <= rtol * scale, where scale bounds the
magnitude of the terms summed to produce z (propagated exactly as the engine does, so a
point the engine would place on a hyperplane is placed on it here too). Along a direction D
the sign just beyond the point (at X + 0*D) breaks ties by the directional derivative.
"""
from __future__ import annotations

import numpy as np

from regionkit.network import Network


def input_scale(domain) -> np.ndarray:
    """Magnitude bound of each network input over the domain (the engine's first S)."""
    R = np.maximum(np.abs(domain.lo), np.abs(domain.hi))
    return np.abs(domain.origin) + np.abs(domain.basis) @ R


def point_signs(net: Network, X: np.ndarray, D: np.ndarray | None, S0: np.ndarray,
                rtol: float) -> tuple[np.ndarray, np.ndarray]:
    """(signs at X, signs at X + 0*D), each (n, n_hyperplanes) of int8 in {-1, 0, 1}.

    The second is the sign just beyond X along D: the value's sign where it is nonzero, else
    the sign of the directional derivative (0 if that vanishes too: identically zero).
    """
    n = len(X)
    h = X
    dh = np.zeros_like(X) if D is None else D
    S = np.broadcast_to(S0, X.shape)
    at, beyond = [], []
    for W, b, act, slope in zip(net.weights, net.biases, net.activations, net.slopes):
        z, dz = h @ W.T + b, dh @ W.T
        scale = S @ np.abs(W).T + np.abs(b)
        if act == "identity":
            h, dh, S = z, dz, scale
            continue
        thresholds = (-1.0, 1.0) if act == "hard_tanh" else (0.0,)
        side_at, side_beyond = [], []
        for t in thresholds:
            v = z - t
            tol = rtol * (scale + abs(t))
            s = np.where(v > tol, 1, np.where(v < -tol, -1, 0)).astype(np.int8)
            ds = np.sign(dz).astype(np.int8)
            side_at.append(s)
            side_beyond.append(np.where(s != 0, s, ds).astype(np.int8))
        at.append(np.stack(side_at, axis=2).reshape(n, -1))
        beyond.append(np.stack(side_beyond, axis=2).reshape(n, -1))
        # Continue with the local map just beyond X (the same as at X where X is generic).
        if act == "hard_tanh":
            lo_on, hi_on = side_beyond[0] > 0, side_beyond[1] > 0
            mid = lo_on & ~hi_on
            h = np.where(hi_on, 1.0, np.where(mid, z, -1.0))
            dh = np.where(mid, dz, 0.0)
            S = np.where(mid, scale, 1.0)
        else:
            k = np.where(side_beyond[0] > 0, 1.0, slope if act == "leaky_relu" else 0.0)
            h, dh, S = k * z, k * dz, np.abs(k) * scale
    if not at:
        empty = np.zeros((n, 0), np.int8)
        return empty, empty
    return np.concatenate(at, axis=1), np.concatenate(beyond, axis=1)
