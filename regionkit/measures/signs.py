"""Signs of every network hyperplane at points of a domain, with the engine's tolerance.

The core evaluates each point as a one-point region, with the engine's layer algebra and
tolerance (regionkit.model.tolerance), so a point the engine would place on a hyperplane is placed
on it here too. Along a direction D the sign just beyond the point (at X + 0*D) breaks ties
by the directional derivative.
"""
from __future__ import annotations

import numpy as np

from regionkit.core import _core
from regionkit.model.activations import core_table
from regionkit.model.network import Network
from regionkit.model.tolerance import Tolerance


def _core_net(net: Network, domain) -> tuple[list, dict[str, np.ndarray]]:
    """The layers and the domain's input map as the core's sign functions take them."""
    layers = [(W, b, core_table(a)) for W, b, a in
              zip(net.weights, net.biases, net.activations)]
    return layers, domain.input_map()


def region_signs(rs, poff: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Signs (n, n_hyperplanes) at points T lying in the closures of rs's regions, grouped
    by region (points poff[r]:poff[r+1] in region r), with each region's own local maps."""
    layers, first = _core_net(rs.network, rs.domain)
    return _core.signs_in_regions(layers, first, rs.pattern_bits().astype(np.uint8), poff, T,
                                  rs.tol.rtol, rs.tol.atol)


def domain_signs(net: Network, domain, T: np.ndarray, D: np.ndarray | None,
                 tol: Tolerance) -> tuple[np.ndarray, np.ndarray]:
    """(signs at T, signs at T + 0*D) of every hyperplane, T and D in domain coordinates.

    Computed by the core with the engine's own layer algebra and tolerance. Each result is
    (n, n_hyperplanes) of int8 in {-1, 0, 1}: the value's sign (0 within the tolerance)
    and, beyond the point, the sign of the directional derivative where the value is 0.
    """
    layers, first = _core_net(net, domain)
    return _core.signs_at_points(layers, first, T, D, tol.rtol, tol.atol)
