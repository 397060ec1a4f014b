"""Single paths: segments, whole lines and polylines (affine legs cut by the engine, see
regionkit.trajectory.affine), arcs and circles (closed-form crossings, see
regionkit.trajectory.arcs)."""
from __future__ import annotations

import math
import time
from typing import Any, Callable

import numpy as np

from regionkit.errors import DomainError
from regionkit.model.network import Network
from regionkit.model.tolerance import Tolerance
from regionkit.trajectory import affine, arcs
from regionkit.trajectory.counts import Layout, Pieces, count, per_layer, states
from regionkit.trajectory.inputs import check_independent, check_net, rows, vector
from regionkit.trajectory.results import Lengths, Trajectory, Transitions

__all__ = ["arc", "circle", "line", "polyline", "segment"]

Curve = Callable[[np.ndarray], np.ndarray]


def segment(net: Network, x0: Any, x1: Any, tol: Tolerance | float | None = None) -> Trajectory:
    """The segment x(t) = x0 + t (x1 - x0), t in [0, 1], cut into its pieces.

    Parameters
    ----------
    net : Network
        The network.
    x0, x1 : array_like
        The endpoints, n_in entries each, distinct.
    tol : Tolerance, float or None
        Zero tolerance (regionkit.model.tolerance); a float is rtol.

    Returns
    -------
    Trajectory
        The pieces of ``enumerate_regions(net, Segment(x0, x1))``, with transitions and
        per-layer image lengths.

    Raises
    ------
    DomainError
        Endpoints that are not finite vectors of n_in entries, or coincide.
    RegionkitError
        net is not a Network.

    Examples
    --------
    Telgarsky's sawtooth t^3 cuts [0, 1] into 8 pieces, its output rising or falling by 1 on
    each:

    >>> import regionkit as rk
    >>> saw = rk.constructions.sawtooth(3)
    >>> tr = rk.trajectory.segment(saw.network, [0.0], [1.0])
    >>> tr.n_pieces, tr.breakpoints.tolist()
    (8, [0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875])
    >>> tr.transitions.per_layer.tolist(), tr.lengths.output
    ([1, 2, 4, 0], 8.0)
    """
    start = time.perf_counter()
    check_net(net)
    tol = Tolerance.coerce(tol)
    a, b = vector("x0", x0, net.n_in), vector("x1", x1, net.n_in)
    if np.array_equal(a, b):
        raise DomainError("segment endpoints coincide: the segment is a point")
    u = b - a
    legs = [(a, u, 0.0, affine.window(net, a, u, 0.0, 1.0, tol))]
    return _affine_trajectory("segment", net, legs, lambda t: a + t[:, None] * u, start)


def line(net: Network, x0: Any, direction: Any,
         tol: Tolerance | float | None = None) -> Trajectory:
    """The whole line x(t) = x0 + t direction, t in R: every breakpoint, as H&R count them.

    Parameters
    ----------
    net : Network
        The network.
    x0, direction : array_like
        A point of the line and its direction (not zero), n_in entries each.
    tol : Tolerance, float or None
        Zero tolerance; a float is rtol.

    Returns
    -------
    Trajectory
        The first and last pieces are unbounded (lo = -inf, hi = +inf); a non-constant image
        on them has infinite length.

    Raises
    ------
    DomainError
        Vectors that are not finite or of the wrong size; a zero direction.
    RegionkitError
        net is not a Network.

    Examples
    --------
    relu(x) + relu(y) along x = t, y = t + 1/2: y turns on at t = -1/2, x at t = 0.

    >>> import regionkit as rk
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1]], [[1, 1]]], [[0, 0], [0]])
    >>> tr = rk.trajectory.line(net, [0, 0.5], [1, 1])
    >>> tr.lo.tolist(), tr.hi.tolist()
    ([-inf, -0.5, 0.0], [-0.5, 0.0, inf])
    """
    start = time.perf_counter()
    check_net(net)
    tol = Tolerance.coerce(tol)
    a, u = vector("x0", x0, net.n_in), vector("direction", direction, net.n_in)
    if not np.any(u):
        raise DomainError("direction is the zero vector")
    legs = [(a, u, 0.0, affine.line(net, a, u, tol))]
    return _affine_trajectory("line", net, legs, lambda t: a + t[:, None] * u, start)


def polyline(net: Network, points: Any, closed: bool = False,
             tol: Tolerance | float | None = None) -> Trajectory:
    """The polyline through points[0], points[1], ...; segment i is t in [i, i + 1].

    Parameters
    ----------
    net : Network
        The network.
    points : array_like
        (k, n_in) vertices, k >= 2, consecutive ones distinct.
    closed : bool
        Add the segment back to points[0] (period k).
    tol : Tolerance, float or None
        Zero tolerance; a float is rtol.

    Returns
    -------
    Trajectory
        A piece continues across a vertex when the pattern does not change there.

    Raises
    ------
    DomainError
        Fewer than two points, coinciding neighbours, or points of the wrong size.
    RegionkitError
        net is not a Network.
    """
    start = time.perf_counter()
    check_net(net)
    tol = Tolerance.coerce(tol)
    P = rows("points", points, net.n_in)
    if closed:
        P = np.vstack([P, P[:1]])
    if P.shape[0] < 2:
        raise DomainError("a polyline needs at least two points")
    U = np.diff(P, axis=0)
    if np.any(~np.any(U, axis=1)):
        raise DomainError(f"points {int(np.argmin(np.any(U, axis=1)))} and the next coincide")
    legs = [(P[i], U[i], float(i), affine.window(net, P[i], U[i], 0.0, 1.0, tol))
            for i in range(U.shape[0])]

    def curve(t: np.ndarray) -> np.ndarray:
        t = np.mod(t, U.shape[0]) if closed else t
        i = np.clip(np.floor(t), 0, U.shape[0] - 1).astype(np.int64)
        return P[i] + (t - i)[:, None] * U[i]

    return _affine_trajectory("polyline", net, legs, curve, start, closed=closed,
                              period=float(U.shape[0]))


def arc(net: Network, x0: Any, x1: Any, tol: Tolerance | float | None = None) -> Trajectory:
    """Raghu's circular arc x(t) = cos(pi t / 2) x0 + sin(pi t / 2) x1, t in [0, 1].

    Parameters
    ----------
    net : Network
        The network.
    x0, x1 : array_like
        Linearly independent vectors of n_in entries.
    tol : Tolerance, float or None
        Zero tolerance; a float is rtol.

    Returns
    -------
    Trajectory
        Lengths are elliptic-arc lengths, exact up to ``lengths.error``.

    Raises
    ------
    DomainError
        Vectors that are not finite, of the wrong size or linearly dependent.
    RegionkitError
        net is not a Network.

    Examples
    --------
    relu(x) + relu(y) on the quarter circle of radius sqrt(2) from (1, -1) to (1, 1): y turns
    on half way.

    >>> import regionkit as rk
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1]], [[1, 1]]], [[0, 0], [0]])
    >>> tr = rk.trajectory.arc(net, [1, -1], [1, 1])
    >>> tr.breakpoints.tolist(), tr.states[0].tolist()
    ([0.5], [[1, 0], [1, 1]])
    >>> round(tr.lengths.input, 6)  # pi / 2 * sqrt(2)
    2.221441
    """
    return _arc_trajectory("arc", net, x0, x1, 0.5 * math.pi, tol)


def circle(net: Network, x0: Any, x1: Any, tol: Tolerance | float | None = None) -> Trajectory:
    """The closed great circle x(t) = cos(2 pi t) x0 + sin(2 pi t) x1, t in [0, 1).

    An ellipse when |x0| != |x1| or x0.x1 != 0. Transitions include the return to t = 0, so
    every unit's count is even.

    Parameters
    ----------
    net : Network
        The network.
    x0, x1 : array_like
        Linearly independent vectors of n_in entries.
    tol : Tolerance, float or None
        Zero tolerance; a float is rtol.

    Returns
    -------
    Trajectory
        A closed path of period 1; a piece running through t = 0 has a negative ``lo``.

    Raises
    ------
    DomainError
        Vectors that are not finite, of the wrong size or linearly dependent.
    RegionkitError
        net is not a Network.
    """
    return _arc_trajectory("circle", net, x0, x1, arcs.TWO_PI, tol)


def _arc_trajectory(kind: str, net: Network, x0: Any, x1: Any, span: float,
                    tol: Tolerance | float | None) -> Trajectory:
    start = time.perf_counter()
    check_net(net)
    tol = Tolerance.coerce(tol)
    a, b = vector("x0", x0, net.n_in), vector("x1", x1, net.n_in)
    check_independent(a[None], b[None], tol)

    def curve(t: np.ndarray) -> np.ndarray:
        th = span * t  # t runs over [0, 1]
        return np.cos(th)[:, None] * a + np.sin(th)[:, None] * b

    run = arcs.propagate(arcs.ArcPieces.start(a[None], b[None], span),
                         arcs.network_layers(net), 1, tol)
    pc = run.pieces
    lengths = Lengths(float(run.input_len[0]), run.pre[0].copy(), run.post[0].copy(),
                      float(run.error[0]))
    closed = kind == "circle"
    return _trajectory(kind, net, Pieces(pc.path, pc.lo / span, pc.hi / span, pc.bits),
                       lengths, curve, start, closed, 1.0 if closed else math.inf)


def _affine_trajectory(kind: str, net: Network,
                       legs: list[tuple[np.ndarray, np.ndarray, float, affine.Cut]],
                       curve: Curve, start: float, closed: bool = False,
                       period: float = math.inf) -> Trajectory:
    """Legs (origin, direction, parameter offset, pieces) into one trajectory."""
    prep = affine.Prepared.of(net)
    length_in, pre, post, error = 0.0, np.zeros(net.n_layers), np.zeros(net.n_layers), 0.0
    for origin, u, _, cut in legs:
        leg_in, leg_pre, leg_post, leg_error = affine.lengths(prep, origin, u, cut)
        length_in, pre, post, error = (length_in + leg_in, pre + leg_pre, post + leg_post,
                                       error + leg_error)
    lo = np.concatenate([cut[0] + shift for _, _, shift, cut in legs])
    hi = np.concatenate([cut[1] + shift for _, _, shift, cut in legs])
    bits = np.concatenate([cut[2] for *_, cut in legs])
    pc = Pieces(np.zeros(lo.shape[0], dtype=np.int64), lo, hi, bits)
    return _trajectory(kind, net, pc, Lengths(length_in, pre, post, error), curve, start,
                       closed, period)


def _trajectory(kind: str, net: Network, pc: Pieces, lengths: Lengths, curve: Curve,
                start: float, closed: bool, period: float) -> Trajectory:
    layout = Layout.of(net)
    c = count(layout, pc, 1, closed, period)
    return Trajectory(kind, net, c.lo, c.hi, states(layout, c.bits), c.bits,
                      int(c.n_patterns[0]), Transitions(per_layer(layout, c.per_neuron[0])),
                      lengths, closed, time.perf_counter() - start, curve, period)
