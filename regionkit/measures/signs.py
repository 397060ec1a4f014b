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

__all__ = ["domain_signs", "region_signs"]


def _core_net(net: Network, domain) -> tuple[list, dict[str, np.ndarray]]:
    """The layers and the domain's input map as the core's sign functions take them."""
    layers = [(W, b, core_table(a)) for W, b, a in
              zip(net.weights, net.biases, net.activations)]
    return layers, domain.input_map()


def region_signs(rs, poff: np.ndarray, T: np.ndarray, first: int = 0) -> np.ndarray:
    """Signs of every network hyperplane at points of the regions' closures.

    Each point is evaluated with its own region's local affine maps, so points on a region's
    boundary get that region's view of the hyperplanes through them.

    Parameters
    ----------
    rs : RegionSet
        The enumeration.
    poff : numpy.ndarray of int64, shape (n + 1,)
        Points poff[r]:poff[r + 1] lie in the closure of region first + r (n regions from
        `first` on: a chunk of them unpacks only its own patterns).
    T : numpy.ndarray, shape (n, dim)
        The points, in domain coordinates, grouped by region.
    first : int, default 0
        The first region poff refers to.

    Returns
    -------
    numpy.ndarray of int8, shape (n, n_hyperplanes)
        -1, 0 or 1: the sign of each hyperplane's value (0 within the engine's tolerance).

    Examples
    --------
    >>> import regionkit as rk
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
    ...                              [[0, 0, 0.5], [0]])
    >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    >>> import numpy as np
    >>> from regionkit.measures.signs import region_signs
    >>> region_signs(rs, np.arange(rs.n_regions + 1), rs.interior_points)[:2]
    array([[ 1,  1,  1],
           [ 1,  1, -1]], dtype=int8)
    """
    layers, input_map = _core_net(rs.network, rs.domain)
    rs.require_kept("patterns", "pattern_bits")
    bits = np.unpackbits(rs.patterns[first:first + len(poff) - 1], axis=1,
                         count=rs.network.n_hyperplanes, bitorder="little")
    return _core.signs_in_regions(layers, input_map, bits, poff, T, rs.tol.rtol, rs.tol.atol)


def domain_signs(net: Network, domain, T: np.ndarray, D: np.ndarray | None,
                 tol: Tolerance) -> tuple[np.ndarray, np.ndarray]:
    """Signs of every hyperplane at points, and just beyond them along directions.

    Computed by the core with the engine's own layer algebra and tolerance.

    Parameters
    ----------
    net : Network
        The network.
    domain : Domain
        The domain whose coordinates T and D are in.
    T : numpy.ndarray, shape (n, dim)
        The points.
    D : numpy.ndarray, shape (n, dim), or None
        A direction per point (None: no second result is needed).
    tol : Tolerance
        The zero tolerance.

    Returns
    -------
    at : numpy.ndarray of int8, shape (n, n_hyperplanes)
        The sign of each value at T (0 within the tolerance).
    beyond : numpy.ndarray of int8, shape (n, n_hyperplanes)
        The sign at T + 0*D: where the value is 0, the sign of its directional derivative.

    Examples
    --------
    >>> import numpy as np
    >>> import regionkit as rk
    >>> from regionkit.measures.signs import domain_signs
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1]], [[1, 1]]], [[0, 0], [0]])
    >>> at, beyond = domain_signs(net, rk.Box(-1, 1, dim=2), np.array([[0.0, 0.5]]),
    ...                           np.array([[-1.0, 0.0]]), rk.Tolerance())
    >>> at.tolist(), beyond.tolist()
    ([[0, 1]], [[-1, 1]])
    """
    layers, first = _core_net(net, domain)
    return _core.signs_at_points(layers, first, T, D, tol.rtol, tol.atol)
