"""Signs of every network hyperplane at given points, with the engine's zero tolerance.

A value z of a unit counts as zero when |z - t| <= rtol * scale, where scale bounds the
magnitude of the terms summed to produce z (propagated exactly as the engine does, so a
point the engine would place on a hyperplane is placed on it here too). Along a direction D
the sign just beyond the point (at X + 0*D) breaks ties by the directional derivative.
"""
from __future__ import annotations

import numpy as np

from regionkit import _core
from regionkit.network import ACTIVATION_CODES, Network


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
    layers = [(W, b, ACTIVATION_CODES[a], s)
              for W, b, a, s in zip(net.weights, net.biases, net.activations, net.slopes)]
    return _core.signs_at_points(layers, np.asarray(X, dtype=np.float64), D, S0, rtol)
