"""2-D partitions: regions coloured by region, linear region, output value or class, with the
decision boundary, data points by class and the labelled points a slice was built through."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from regionkit.errors import PointsError, RegionkitError
from regionkit.optional import require
from regionkit.plot._axes import axis_names, new_axes, rasterize, require_dim
from regionkit.plot.colours import (
    CLASS_TINT,
    EDGE_COLOR,
    MARKERS,
    PALETTE,
    class_colours,
    region_colours,
)
from regionkit.plot.geometry import (
    class_boundaries,
    class_pieces,
    domain_coordinates,
    linear_boundaries,
    region_polygons,
)
from regionkit.plot.style import ANCHOR_NAMES, pyplot
from regionkit.regions.regionset import RegionSet

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["COLOR_BY", "draw_anchors", "plot_partition", "plot_partition_pair"]

COLOR_BY = ("region", "linear", "output", "class")


def _class_names(rs: RegionSet, output: int | None, level: float,
                 names: Sequence[str] | None, n: int) -> list[str]:
    """Legend names: the given ones, "class c" (argmax), or the two sides of the level."""
    if names is not None:
        if len(names) < n:
            raise RegionkitError(f"{len(names)} class names for {n} classes")
        return [str(s) for s in names]
    if output is None and rs.network.n_out > 1:
        return [f"class {c}" for c in range(n)]
    f = "F" if rs.network.n_out == 1 else f"F{0 if output is None else output}"
    return [f"{f} ≤ {level:g}", f"{f} > {level:g}"]


def draw_anchors(ax: Axes, domain: Any, names: Sequence[str] = ANCHOR_NAMES,
                 y: np.ndarray | None = None) -> np.ndarray | None:
    """Mark and label the points a Plane.through or Segment.through domain was built from.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes (the domain's coordinates).
    domain : Domain
        The domain; nothing is drawn when it keeps no points.
    names : sequence of str, default ANCHOR_NAMES
        Their labels, in the order they were given.
    y : numpy.ndarray, optional
        For a 1-D domain, the height of each point (the graph's value there).

    Returns
    -------
    numpy.ndarray or None
        The points' domain coordinates (n, dim), or None.

    Raises
    ------
    RegionkitError
        If there are fewer names than points.

    Examples
    --------
    >>> import numpy as np, regionkit as rk
    >>> from regionkit import plot
    >>> plt = plot.pyplot("Agg")
    >>> plane = rk.Plane.through([0, 0, 0], [1, 0, 0], [0, 1, 0])
    >>> fig, ax = plt.subplots()
    >>> T = plot.draw_anchors(ax, plane)
    >>> [t.get_text() for t in ax.texts]
    ['$x_a$', '$x_b$', '$x_c$']
    >>> plt.close(fig)
    """
    pts = getattr(domain, "points", None)
    if pts is None:
        return None
    if len(names) < len(pts):
        raise RegionkitError(f"{len(names)} names for {len(pts)} points")
    pe = require("matplotlib.patheffects", "plot", "regionkit.plot")
    T = domain_coordinates(domain, pts)
    h = T[:, 1] if y is None else np.asarray(y, dtype=np.float64)
    ax.plot(T[:, 0], h, linestyle="none", marker="o", markersize=6, markerfacecolor="white",
            markeredgecolor="black", markeredgewidth=1.3, zorder=5, gid="anchors")
    for name, x0, y0 in zip(names, T[:, 0], h):
        ax.annotate(name, (x0, y0), xytext=(4, 4), textcoords="offset points", zorder=6,
                    gid="anchor-labels",
                    path_effects=[pe.withStroke(linewidth=2.5, foreground="white")])
    return T


def _draw_points(ax: Axes, T: np.ndarray, classes: Any, names: list[str] | None,
                 handles: list[Any]) -> None:
    if classes is None:
        ax.plot(T[:, 0], T[:, 1], linestyle="none", marker="o", markersize=5,
                markerfacecolor="white", markeredgecolor="black", markeredgewidth=1.0,
                zorder=4, gid="points")
        return
    cls = np.asarray(classes)
    if cls.shape != (len(T),) or not np.issubdtype(cls.dtype, np.integer) or np.any(cls < 0):
        raise PointsError(f"classes must be one non-negative integer per point ({len(T)}), "
                          f"got shape {cls.shape} and dtype {cls.dtype}")
    colours = class_colours(int(cls.max(initial=0)) + 1)
    for c in np.unique(cls):
        sel = cls == c
        name = names[c] if names is not None and c < len(names) else f"class {c}"
        line, = ax.plot(T[sel, 0], T[sel, 1], linestyle="none",
                        marker=MARKERS[c % len(MARKERS)], markersize=4.5,
                        markerfacecolor=colours[c], markeredgecolor="black",
                        markeredgewidth=0.5, zorder=4, gid="points", label=f"data: {name}")
        handles.append(line)


def plot_partition(rs: RegionSet, ax: Axes | None = None, *, color_by: str = "region",
                   output: int | None = None, level: float = 0.0, boundary: bool | None = None,
                   points: Any = None, classes: Any = None,
                   class_names: Sequence[str] | None = None, anchors: bool = True,
                   cmap: Any = None, edgecolor: Any = EDGE_COLOR, linewidth: float = 0.4,
                   colorbar: bool = True, legend: bool = True, rasterized: bool | None = None,
                   title: bool = True) -> Axes:
    """Draw a 2-D RegionSet: its regions, coloured four ways, and what lies on them.

    Every activation region is one polygon of the PolyCollection with gid "regions". The view
    is the domain's box, widened to hold every marked point, to scale unless one side is 10x
    the other.

    Parameters
    ----------
    rs : RegionSet
        A 2-D enumeration.
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).
    color_by : {"region", "linear", "output", "class"}
        "region": neighbouring activation regions differ, every boundary drawn. "linear":
        each region takes its linear region's colour, only the boundaries where the map
        changes are drawn (gid "boundaries"). "output": the exact output value, each region
        shaded linearly between its vertices (Gouraud shading of the affine map, gid
        "output"), with a colour bar. "class": the class pieces (class_pieces, gid
        "classes"): the sides of {F = level} for one output, argmax F for several.
    output : int, optional
        "output": the output shown (default 0). "class" and the boundary: split by this
        output's level set instead of argmax.
    level : float, default 0.0
        The level t of the decision boundary {F = t}.
    boundary : bool, optional
        Draw the decision boundary or class boundaries (class_boundaries, gid
        "decision-boundary"); default for "output" and "class".
    points : array_like, shape (n, n_in), optional
        Network inputs to mark (gid "points"), projected into the domain's coordinates.
    classes : array_like of int, shape (n,), optional
        The class of each point: a marker shape and colour per class, in the legend.
    class_names : sequence of str, optional
        Legend names of the classes (default: the sides of {F = level}, or "class c").
    anchors : bool, default True
        Mark and label the points a Plane.through domain was built from (draw_anchors).
    cmap : str, matplotlib Colormap or sequence of colours, optional
        Region colours (default PALETTE), or the colormap of "output" (default viridis).
    edgecolor : matplotlib colour, default EDGE_COLOR
        Colour of the region boundaries.
    linewidth : float, default 0.4
        Width of the region boundaries.
    colorbar : bool, default True
        "output": add a colour bar.
    legend : bool, default True
        Add a legend below the axes when something is named (classes, boundary, points).
    rasterized : bool, optional
        Rasterise the region collections in vector output: True, False, or (default) when
        there are more than RASTER_THRESHOLD regions.
    title : bool, default True
        Title the axes with the region count.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn into.

    Raises
    ------
    RegionkitError
        If rs is not a RegionSet or `color_by`, `output`, `level` or `class_names` is
        invalid, or "linear", "output" or "class" is asked of an incomplete run.
    DomainError
        If rs is not 2-D.
    PointsError
        If `points` are not finite network inputs or `classes` do not match them.
    MissingExtraError
        If matplotlib is not installed.

    Examples
    --------
    >>> import regionkit as rk
    >>> from regionkit import plot
    >>> plt = plot.pyplot("Agg")
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
    ...                              [[0, 0, 0.5], [0]])
    >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    >>> ax = plot.plot_partition(rs, color_by="linear")
    >>> ax.get_title(), [c.get_gid() for c in ax.collections]
    ('4 linear regions', ['regions', 'boundaries'])
    >>> ax = plot.plot_partition(rs, color_by="class", level=0.5)
    >>> [c.get_gid() for c in ax.collections]
    ['classes', 'regions', 'decision-boundary']
    >>> plt.close("all")
    """
    require_dim(rs, 2, "plot_partition")
    if color_by not in COLOR_BY:
        raise RegionkitError(f"color_by must be one of {', '.join(COLOR_BY)}, got {color_by!r}")
    if color_by in ("output", "class") or boundary:
        rs.require_complete(f"color_by={color_by!r} and the decision boundary")
    n_out = rs.network.n_out
    if output is not None and not (isinstance(output, (int, np.integer)) and 0 <= output < n_out):
        raise RegionkitError(f"output must be in 0..{n_out - 1}, got {output!r}")
    ax = new_axes(ax, (5.0, 5.0), "compressed")
    mc = require("matplotlib.collections", "plot", "regionkit.plot")
    polys = region_polygons(rs)
    shown = (0 if output is None else output) if color_by == "output" else output
    dense: list[Any] = []
    handles: list[Any] = []
    names: list[str] | None = None
    if color_by in ("region", "linear"):
        colours = region_colours(rs, color_by, PALETTE if cmap is None else cmap)
        if color_by == "linear":
            # Edges in the fill colour hide the seams between pieces of one linear region.
            pc = mc.PolyCollection(polys, facecolors=colours, edgecolors="face",
                                   linewidths=0.6, gid="regions")
            lc = mc.LineCollection(linear_boundaries(rs, polys), colors=edgecolor,
                                   linewidths=linewidth, gid="boundaries")
            ax.add_collection(pc)
            ax.add_collection(lc)
            dense += [pc, lc]
        else:
            pc = mc.PolyCollection(polys, facecolors=colours, edgecolors=edgecolor,
                                   linewidths=linewidth, gid="regions")
            ax.add_collection(pc)
            dense.append(pc)
    else:
        if color_by == "output":
            mesh = _output_mesh(ax, rs, polys, int(shown or 0),
                                "viridis" if cmap is None else cmap)
            dense.append(mesh)
            if colorbar:
                cb = ax.figure.colorbar(mesh, ax=ax, shrink=0.8, pad=0.02)
                cb.set_label("output" if rs.network.n_out == 1 else f"output {shown}")
                cb.ax.set_gid("colorbar")
        else:
            pieces, _, cls = class_pieces(rs, output, level, polys)
            n_cls = _n_classes(rs, output)
            names = _class_names(rs, output, level, class_names, n_cls)
            fills = class_colours(n_cls, CLASS_TINT)
            pc = mc.PolyCollection(pieces, facecolors=fills[cls], edgecolors="face",
                                   linewidths=0.3, gid="classes")
            ax.add_collection(pc)
            dense.append(pc)
            mp = require("matplotlib.patches", "plot", "regionkit.plot")
            handles += [mp.Patch(facecolor=fills[c], edgecolor="0.5", linewidth=0.4,
                                 label=names[c]) for c in np.unique(cls)]
        outline = mc.PolyCollection(polys, facecolors="none", edgecolors=edgecolor,
                                    linewidths=linewidth, alpha=0.3, gid="regions")
        ax.add_collection(outline)
        dense.append(outline)
    rasterize(dense, rs.n_regions, rasterized)
    if boundary or (boundary is None and color_by in ("output", "class")):
        segs, _, _ = class_boundaries(rs, shown, level, polys)
        single = shown is not None or rs.network.n_out == 1
        f = "F" if rs.network.n_out == 1 else f"F{shown}"
        lc = mc.LineCollection(segs, colors="black", linewidths=1.4, zorder=3,
                               gid="decision-boundary",
                               label=f"{f} = {level:g}" if single else "class boundary")
        ax.add_collection(lc)
        handles.append(lc)
    lo, hi = rs.domain.lo.astype(float), rs.domain.hi.astype(float)
    marked = []
    if points is not None:
        T = domain_coordinates(rs.domain, points)
        _draw_points(ax, T, classes, names if names is not None else
                     (list(class_names) if class_names is not None else None), handles)
        marked.append(T)
    elif classes is not None:
        raise PointsError("classes label points: give points too")
    anchor_t = draw_anchors(ax, rs.domain) if anchors else None
    if anchor_t is not None:
        marked.append(anchor_t)
    if marked:
        every = np.concatenate(marked)
        pad = 0.03 * (hi - lo)
        lo = np.minimum(lo, every.min(axis=0) - pad)
        hi = np.maximum(hi, every.max(axis=0) + pad)
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    span = hi - lo
    if span.max() <= 10 * span.min():
        ax.set_aspect("equal")
    axes_names = axis_names(rs)
    ax.set_xlabel(axes_names[0])
    ax.set_ylabel(axes_names[1])
    if legend and handles:
        _legend_below(ax, handles)
    if title:
        text = (f"{rs.n_linear_regions} linear regions" if color_by == "linear"
                else f"{rs.n_regions} activation regions")
        ax.set_title(text + ("" if rs.complete else f" (incomplete: {rs.stop_reason})"))
    return ax


def _legend_below(ax: Axes, handles: list[Any]) -> None:
    """A legend under the axes' tick labels and x label (their heights from rcParams)."""
    mpl = require("matplotlib", "plot", "regionkit.plot")
    fm = require("matplotlib.font_manager", "plot", "regionkit.plot")
    rc = mpl.rcParams

    def pts(size: Any) -> float:
        return float(fm.FontProperties(size=size).get_size_in_points())

    below = (rc["xtick.major.size"] + rc["xtick.major.pad"] + 1.2 * pts(rc["xtick.labelsize"])
             + rc["axes.labelpad"] + 1.2 * pts(rc["axes.labelsize"]) + 2.0)
    shift = mpl.transforms.ScaledTranslation(0, -below / 72.0, ax.figure.dpi_scale_trans)
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0),
              bbox_transform=ax.transAxes + shift, ncols=min(len(handles), 3),
              frameon=False, handlelength=1.5, columnspacing=1.2)


def _n_classes(rs: RegionSet, output: int | None) -> int:
    return rs.network.n_out if output is None and rs.network.n_out > 1 else 2


def _output_mesh(ax: Axes, rs: RegionSet, polys: list[np.ndarray], output: int,
                 cmap: Any) -> Any:
    """Gouraud-shaded triangles fanned out of each region, valued by the region's own map:
    linear interpolation of an affine map is the map, so the shading is exact."""
    mtri = require("matplotlib.tri", "plot", "regionkit.plot")
    counts = np.array([len(P) for P in polys])
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    V = np.concatenate(polys)
    values = rs.outputs(V, np.repeat(np.arange(rs.n_regions), counts))[:, output]
    tris = np.concatenate([np.stack([np.full(n - 2, s), s + np.arange(1, n - 1),
                                     s + np.arange(2, n)], axis=1)
                           for s, n in zip(start, counts)])
    mesh = ax.tripcolor(mtri.Triangulation(V[:, 0], V[:, 1], tris), values,
                        shading="gouraud", cmap=cmap, vmin=values.min(), vmax=values.max())
    mesh.set_gid("output")
    return mesh


def plot_partition_pair(rs: RegionSet, axes: Sequence[Axes] | None = None,
                        **kwargs: Any) -> tuple[Axes, Axes]:
    """Activation regions (left) and linear regions (right) side by side.

    Parameters
    ----------
    rs : RegionSet
        A 2-D enumeration.
    axes : sequence of two matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).
    **kwargs
        Passed to plot_partition.

    Returns
    -------
    tuple of matplotlib.axes.Axes
        The left and right axes.

    Raises
    ------
    RegionkitError
        If rs is not a RegionSet or the run is incomplete (linear regions need the graph).
    DomainError
        If rs is not 2-D.
    MissingExtraError
        If matplotlib is not installed.

    Examples
    --------
    >>> import regionkit as rk
    >>> from regionkit import plot
    >>> plt = plot.pyplot("Agg")
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
    ...                              [[0, 0, 0.5], [0]])
    >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    >>> left, right = plot.plot_partition_pair(rs)
    >>> left.get_title(), right.get_title()
    ('7 activation regions', '4 linear regions')
    >>> plt.close(left.figure)
    """
    require_dim(rs, 2, "plot_partition_pair")
    if axes is None:
        _, axes = pyplot().subplots(1, 2, figsize=(10.0, 5.0), layout="compressed")
    left = plot_partition(rs, axes[0], color_by="region", **kwargs)
    right = plot_partition(rs, axes[1], color_by="linear", **kwargs)
    return left, right
