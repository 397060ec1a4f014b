"""Exact distance from points to the boundary of their own activation region, and Jacobians.

Hanin & Rolnick section 2.2: inside its activation region every pre-activation z is affine,
so the Euclidean distance from x to the region's boundary is min over units of
|z(x) - t| / ||grad z(x)|| over the unit's thresholds t (the breakpoints of its activation's
table: 0 for ReLU and leaky ReLU, -1 and +1 for hard tanh); a maxout unit's region ends
where its winning piece a ties with another piece j, at distance (z_a - z_j) /
||grad (z_a - z_j)||. Taking the minimum over every
unit, redundant ones included, is exact: a ball around x stays in the region iff it stays
on the same side of every hyperplane.

Only the norms of the gradients are needed, so the forward pass carries the Gram matrix
G_l = J_l J_l^T (units x units) instead of the Jacobian J_l (units x inputs): the cost does
not grow with the input dimension, and 784-dimensional inputs need no enumeration.

This is a pointwise measure of the network. The distance to the boundary of an enumerated
region complex (every shared facet, or only facets where the affine map changes) is
regionkit.measures.boundary.distance_to_complex_boundary.
"""
from __future__ import annotations

import numpy as np

from regionkit.errors import PointsError
from regionkit.model.activations import Maxout, maxout_winners
from regionkit.model.network import Network

__all__ = ["BATCH", "distance_to_boundary", "distance_to_region_boundary", "jacobian"]

BATCH = 512  # points per block, bounding memory at BATCH * width^2 doubles


def distance_to_region_boundary(net: Network, points: np.ndarray) -> np.ndarray:
    """Distance from each point to the boundary of its own activation region.

    Hanin & Rolnick's pointwise distance (section 2.2), computed from the network at each
    point: no enumeration, so any input dimension works. Units whose gradient vanishes at a
    point never bound its region there and are skipped; a point whose region is the whole
    input space gets inf.

    Parameters
    ----------
    net : Network
        The network.
    points : array_like, shape (n, n_in) or (n_in,)
        Network inputs; a single input is one row.

    Returns
    -------
    numpy.ndarray, shape (n,)
        Euclidean distance, in input space, from each point to the nearest point with
        another activation pattern (inf where there is none).

    Raises
    ------
    NetworkError
        If the points do not have shape (n, n_in).
    PointsError
        If a point has a NaN or infinite coordinate.

    See Also
    --------
    regionkit.measures.boundary.distance_to_complex_boundary : distance to the boundary of
        an enumerated complex (RegionSet.distance_to_complex_boundary).

    Examples
    --------
    Two ReLU units x > 0 and y > 0: the point (0.5, 0.25) is 0.25 from the line y = 0.

    >>> import regionkit as rk
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1]], [[1, 1]]], [[0, 0], [0]])
    >>> rk.distance_to_region_boundary(net, [[0.5, 0.25], [-2.0, 3.0]])
    array([0.25, 2.  ])
    """
    X = _finite_batch(net, points)
    out = np.empty(len(X))
    for s in range(0, len(X), BATCH):
        out[s:s + BATCH] = _distance_block(net, X[s:s + BATCH])
    return out


def distance_to_boundary(net: Network, points: np.ndarray) -> np.ndarray:
    """Alias of distance_to_region_boundary, kept for compatibility.

    Parameters
    ----------
    net : Network
        The network.
    points : array_like, shape (n, n_in) or (n_in,)
        Network inputs.

    Returns
    -------
    numpy.ndarray, shape (n,)
        distance_to_region_boundary(net, points).
    """
    return distance_to_region_boundary(net, points)


def _distance_block(net: Network, X: np.ndarray) -> np.ndarray:
    n = len(X)
    best = np.full(n, np.inf)
    h = X
    G = None  # Gram matrix of the layer input's Jacobian; None means the identity
    for W, b, act in zip(net.weights, net.biases, net.activations):
        z = h @ W.T + b
        if G is None:
            Gz = np.broadcast_to(W @ W.T, (n,) + (W.shape[0],) * 2)
        else:
            Gz = np.einsum("ij,njk,lk->nil", W, G, W, optimize=True)
        if isinstance(act, Maxout):
            win = maxout_winners(z, act.pieces)
            best = np.minimum(best, _maxout_distance(z, Gz, win, act.pieces))
            G = Gz[np.arange(n)[:, None, None], win[:, :, None], win[:, None, :]]
            h = z[np.arange(n)[:, None], win]
            continue
        if act.thresholds:
            grad = np.sqrt(np.maximum(np.einsum("nii->ni", Gz), 0.0))
            with np.errstate(divide="ignore", invalid="ignore"):
                for t in act.thresholds:
                    dist = np.where(grad > 0, np.abs(z - t) / grad, np.inf)
                    best = np.minimum(best, dist.min(axis=1))
        s = act.slope_at(z)
        G = s[:, :, None] * Gz * s[:, None, :]
        h = act(z)
    return best


def jacobian(net: Network, points: np.ndarray) -> np.ndarray:
    """Jacobian of the network output at each point: the linear part of its local affine map.

    Parameters
    ----------
    net : Network
        The network.
    points : array_like, shape (n, n_in) or (n_in,)
        Network inputs; a single input is one row.

    Returns
    -------
    numpy.ndarray, shape (n, n_out, n_in)
        d output / d input at each point, with the slopes of the activation pattern there
        (at a kink, the > 0 convention of Network.pattern).

    Raises
    ------
    NetworkError
        If the points do not have shape (n, n_in).
    PointsError
        If a point has a NaN or infinite coordinate.

    Examples
    --------
    >>> import regionkit as rk
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1]], [[1, 1]]], [[0, 0], [0]])
    >>> rk.jacobian(net, [[0.5, 0.25], [-0.5, 0.25]]).tolist()
    [[[1.0, 1.0]], [[0.0, 1.0]]]
    """
    X = _finite_batch(net, points)
    out = np.empty((len(X), net.n_out, net.n_in))
    for s in range(0, len(X), BATCH):
        Xb = X[s:s + BATCH]
        h, J = Xb, None
        for W, b, act in zip(net.weights, net.biases, net.activations):
            z = h @ W.T + b
            Jz = np.broadcast_to(W, (len(Xb),) + W.shape) if J is None else W @ J
            if isinstance(act, Maxout):
                win = maxout_winners(z, act.pieces)
                J = Jz[np.arange(len(Xb))[:, None], win]
                h = z[np.arange(len(Xb))[:, None], win]
                continue
            J = act.slope_at(z)[:, :, None] * Jz
            h = act(z)
        out[s:s + BATCH] = J
    return out


def _maxout_distance(z: np.ndarray, Gz: np.ndarray, win: np.ndarray, k: int) -> np.ndarray:
    """Per point, min over units and their other pieces j of (z_a - z_j) / ||grad(z_a - z_j)||
    with a the winner; pieces with the winner's gradient never bound the region."""
    n = len(z)
    rows = np.arange(n)[:, None, None]
    pieces = (win - win % k)[:, :, None] + np.arange(k)            # (n, units, k)
    za = z[np.arange(n)[:, None], win][:, :, None]
    Gaa = Gz[rows, win[:, :, None], win[:, :, None]]
    Gjj = Gz[rows, pieces, pieces]
    Gaj = Gz[rows, win[:, :, None], pieces]
    norm = np.sqrt(np.maximum(Gaa + Gjj - 2 * Gaj, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        dist = np.where(norm > 0, (za - z[rows, pieces]) / norm, np.inf)
    dist[pieces == win[:, :, None]] = np.inf
    return dist.reshape(n, -1).min(axis=1, initial=np.inf)


def _finite_batch(net: Network, points: np.ndarray) -> np.ndarray:
    """Points as an (n, n_in) batch; a NaN or infinite coordinate has no activation
    pattern (every comparison with NaN is false: it read as all units off)."""
    X = net.as_batch(points)
    if not np.all(np.isfinite(X)):
        bad = int(np.flatnonzero(~np.all(np.isfinite(X), axis=1))[0])
        raise PointsError(f"point {bad} is not finite: {X[bad].tolist()}")
    return X
