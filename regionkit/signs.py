"""Signs of every network hyperplane at points of a domain, with the engine's tolerance.

A value z of a unit counts as zero when |z - t| <= rtol * scale, where scale bounds the
magnitude of the terms summed to produce z (propagated exactly as the engine does, so a
point the engine would place on a hyperplane is placed on it here too). Along a direction D
the sign just beyond the point (at X + 0*D) breaks ties by the directional derivative.
"""
from __future__ import annotations

import numpy as np

from regionkit import _core
from regionkit.network import ACTIVATION_CODES, Network


def domain_signs(net: Network, domain, T: np.ndarray, D: np.ndarray | None,
                 rtol: float) -> tuple[np.ndarray, np.ndarray]:
    """(signs at T, signs at T + 0*D) of every hyperplane, T and D in domain coordinates.

    The domain's affine map is composed into the first layer, as the engine does, so a
    784-input net on a plane costs a 2-input forward pass; the first layer keeps the
    engine's magnitude bound |W0| S0 + |b0| of the uncomposed sum. Each result is
    (n, n_hyperplanes) of int8 in {-1, 0, 1}: the value's sign (0 within the tolerance)
    and, beyond the point, the sign of the directional derivative where the value is 0.
    """
    R = np.maximum(np.abs(domain.lo), np.abs(domain.hi))
    S_in = np.abs(domain.origin) + np.abs(domain.basis) @ R
    W0, b0 = net.weights[0], net.biases[0]
    first_scale = np.abs(W0) @ S_in + np.abs(b0)
    layers = [(W0 @ domain.basis, W0 @ domain.origin + b0, ACTIVATION_CODES[net.activations[0]],
               net.slopes[0])]
    layers += [(W, b, ACTIVATION_CODES[a], s) for W, b, a, s in
               zip(net.weights[1:], net.biases[1:], net.activations[1:], net.slopes[1:])]
    T = np.asarray(T, dtype=np.float64)
    return _core.signs_at_points(layers, T, D, R, first_scale, rtol)
