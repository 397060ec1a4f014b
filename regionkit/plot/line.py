"""1-D graphs: the network output along a segment, exactly, with its breakpoints."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from regionkit.errors import PointsError, RegionkitError
from regionkit.plot._axes import axis_names, new_axes, require_dim
from regionkit.plot.geometry import domain_coordinates
from regionkit.plot.partition import draw_anchors
from regionkit.regions.regionset import RegionSet

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["line_graph", "plot_line"]


def line_graph(rs: RegionSet, output: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The network output along a 1-D domain, exactly, as the corners of a polyline.

    Parameters
    ----------
    rs : RegionSet
        A complete 1-D enumeration.
    output : int, default 0
        Which output.

    Returns
    -------
    x : numpy.ndarray
        The domain's ends and every breakpoint (region boundary), in increasing order.
    y : numpy.ndarray
        The output there; it is linear in between.

    Raises
    ------
    RegionkitError
        If the run is incomplete, rs is not a RegionSet, or `output` is out of range.
    DomainError
        If rs is not 1-D.

    Examples
    --------
    >>> import regionkit as rk
    >>> from regionkit import plot
    >>> plt = plot.pyplot("Agg")
    >>> net = rk.Network.from_arrays([[[1], [1]], [[1, -2]]], [[0, -0.5], [0]])
    >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1))
    >>> x, y = plot.line_graph(rs)
    >>> x.tolist(), y.tolist()
    ([-1.0, 0.0, 0.5, 1.0], [0.0, 0.0, 0.5, 0.0])
    """
    require_dim(rs, 1, "line_graph")
    rs.require_complete("the graph")
    if not 0 <= output < rs.network.n_out:
        raise RegionkitError(f"output must be in 0..{rs.network.n_out - 1}, got {output}")
    lo, hi = rs.vertices[0::2, 0], rs.vertices[1::2, 0]
    order = np.argsort(lo)
    x = np.append(lo[order], hi[order[-1]])
    y = rs.outputs(x[:, None], np.append(order, order[-1]))[:, output]
    return x, y


def plot_line(rs: RegionSet, ax: Axes | None = None, *, output: int = 0,
              breakpoints: str = "activation", points: Any = None, anchors: bool = True,
              color: Any = "C0") -> Axes:
    """Draw the network output along a 1-D RegionSet as the exact polyline through its corners.

    Parameters
    ----------
    rs : RegionSet
        A complete 1-D enumeration (a Segment, or a box of a 1-input net).
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).
    output : int, default 0
        Which output.
    breakpoints : {"activation", "linear"}
        Which interior breakpoints to mark (gid "breakpoints"): every region boundary, or
        only those where the affine map changes (between different linear regions).
    points : array_like, shape (n, n_in), optional
        Network inputs to mark on the graph (gid "points"), projected onto the segment.
    anchors : bool, default True
        Mark and label the two points a Segment.through domain was built from, on the graph
        (draw_anchors: gids "anchors" and "anchor-labels").
    color : matplotlib colour, default "C0"
        Colour of the graph.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn into.

    Raises
    ------
    RegionkitError
        If the run is incomplete, rs is not a RegionSet, or `output` or `breakpoints` is
        invalid.
    DomainError
        If rs is not 1-D.
    PointsError
        If a point projects outside the domain.
    MissingExtraError
        If matplotlib is not installed.

    Examples
    --------
    >>> import regionkit as rk
    >>> from regionkit import plot
    >>> plt = plot.pyplot("Agg")
    >>> net = rk.Network.from_arrays([[[1], [1]], [[1, -2]]], [[0, -0.5], [0]])
    >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1))
    >>> ax = plot.plot_line(rs)
    >>> ax.get_title()
    '3 pieces, 2 activation breakpoints'
    >>> plt.close(ax.figure)
    """
    x, y = line_graph(rs, output)
    if points is not None:
        t = domain_coordinates(rs.domain, points)[:, 0]
        if np.any((t < x[0]) | (t > x[-1])):
            raise PointsError(f"points project to t = {np.round(t, 4).tolist()}, outside "
                              f"the domain [{x[0]:g}, {x[-1]:g}]")
    if breakpoints == "activation":
        mark = np.ones(len(x) - 2, dtype=bool)
    elif breakpoints == "linear":
        lab = rs.linear_regions()[np.argsort(rs.vertices[0::2, 0])]
        mark = lab[1:] != lab[:-1]
    else:
        raise RegionkitError(f"breakpoints must be 'activation' or 'linear', got {breakpoints!r}")
    ax = new_axes(ax, (6.0, 4.0))
    ax.plot(x, y, color=color, linewidth=1.5, gid="graph")
    ax.plot(x[1:-1][mark], y[1:-1][mark], linestyle="none", marker="o", markersize=4,
            markerfacecolor="white", markeredgecolor=color, zorder=3, gid="breakpoints")
    if points is not None:   # the graph is linear between its corners: interpolation is exact
        ax.plot(t, np.interp(t, x, y), linestyle="none", marker="o", markersize=7,
                markerfacecolor="black", markeredgecolor="black", zorder=4, gid="points")
    pts = getattr(rs.domain, "points", None)
    if anchors and pts is not None:
        t = domain_coordinates(rs.domain, pts)[:, 0]
        if np.all((t >= x[0]) & (t <= x[-1])):
            draw_anchors(ax, rs.domain, y=np.interp(t, x, y))
    ax.set_xlim(x[0], x[-1])
    name = axis_names(rs)[0]
    ax.set_xlabel("t  (x = x0 + t (x1 - x0))" if name == "t" and rs.domain.input_dim > 1
                  else name)
    ax.set_ylabel("output" if rs.network.n_out == 1 else f"output {output}")
    ax.set_title(f"{len(x) - 1} pieces, {int(mark.sum())} {breakpoints} breakpoints")
    return ax
