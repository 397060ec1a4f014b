"""Pictures of RegionSets (matplotlib, the "plot" extra): 2-D partitions, 1-D graphs, counts.

Each function draws into the Axes it is given (or a new figure) and returns the Axes, with
every drawn element tagged by a gid so its content can be checked: "regions" (one
PolyCollection, one polygon per activation region), "boundaries" (the linear-region
boundaries, a LineCollection), "points", "graph" and "breakpoints" (Line2D), "counts".
"""
from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from regionkit.errors import DomainError, PointsError, RegionkitError
from regionkit.measures.vertexform import vertex_form
from regionkit.optional import require
from regionkit.regions.regionset import RegionSet

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["EDGE_COLOR", "PALETTE", "QUALITATIVE_MAX", "SAMPLED_COLOURS", "colour_classes",
           "domain_coordinates", "line_graph", "linear_boundaries", "plot_counts",
           "plot_layer_counts", "plot_line", "plot_partition", "plot_partition_pair", "pyplot",
           "region_colours", "region_polygons"]

# Soft qualitative colours (Pastel1 without its near-white grey, then Pastel2): boundaries
# and markers stay readable on every one of them.
PALETTE = ("#fbb4ae", "#b3cde3", "#ccebc5", "#decbe4", "#fed9a6", "#ffffcc", "#e5d8bd",
           "#fddaec", "#b3e2cd", "#fdcdac", "#cbd5e8", "#f4cae4", "#e6f5c9", "#fff2ae",
           "#f1e2cc", "#cccccc")
EDGE_COLOR = "0.25"
# Colormaps with at most QUALITATIVE_MAX entries are lists of distinct colours, used as they
# are; longer ones (continuous maps) are sampled at SAMPLED_COLOURS evenly spaced points.
QUALITATIVE_MAX = 32
SAMPLED_COLOURS = 12


def pyplot(backend: str | None = None) -> ModuleType:
    """matplotlib.pyplot, optionally after selecting a backend.

    Parameters
    ----------
    backend : str, optional
        A matplotlib backend to select first ("Agg" draws to files only).

    Returns
    -------
    types.ModuleType
        matplotlib.pyplot.

    Raises
    ------
    MissingExtraError
        If matplotlib is not installed (pip install "regionkit[plot]").

    Examples
    --------
    >>> from regionkit import plot
    >>> plot.pyplot("Agg").__name__
    'matplotlib.pyplot'
    """
    if backend is not None:
        require("matplotlib", "plot", "regionkit.plot").use(backend)
    return require("matplotlib.pyplot", "plot", "regionkit.plot")


def _new_axes(ax: Axes | None, figsize: tuple[float, float], layout: str = "constrained"
              ) -> Axes:
    """ax, or the Axes of a new figure ("compressed" layout suits axes drawn to scale)."""
    plt = pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout=layout)
    return ax


def _require_dim(rs: RegionSet, dim: int, what: str) -> None:
    if not isinstance(rs, RegionSet):
        raise RegionkitError(f"{what} takes a RegionSet, got {type(rs).__name__}")
    if rs.dim != dim:
        raise DomainError(f"{what} draws {dim}-D RegionSets; this one lives on a {rs.dim}-D "
                          f"{rs.domain!r} (use a Plane or Segment slice of the input space)")


def _axis_names(rs: RegionSet) -> list[str]:
    kind = str(rs.domain.to_dict()["kind"])
    if kind == "plane":
        return ["s", "t"]            # x = origin + s u + t v
    if kind == "segment":
        return ["t"]                 # x = x0 + t (x1 - x0)
    if kind == "slice":
        return [f"t{k + 1}" for k in range(rs.dim)]
    return [f"x{k + 1}" for k in range(rs.dim)] if rs.dim > 1 else ["x"]


# --- 2-D partitions ------------------------------------------------------------------------
def region_polygons(rs: RegionSet) -> list[np.ndarray]:
    """Vertices of every region of a 2-D RegionSet, counter-clockwise.

    Parameters
    ----------
    rs : RegionSet
        A 2-D enumeration (2-D engine, or LP form: each region is clipped to its corners).

    Returns
    -------
    list of numpy.ndarray
        One (n_vertices, 2) array per region, in domain coordinates.

    Raises
    ------
    RegionkitError
        If rs is not a RegionSet.
    DomainError
        If it is not 2-D.

    Examples
    --------
    >>> import regionkit as rk
    >>> from regionkit import plot
    >>> plt = plot.pyplot("Agg")
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
    ...                              [[0, 0, 0.5], [0]])
    >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    >>> polys = plot.region_polygons(rs)
    >>> len(polys), polys[0].tolist()
    (7, [[1.0, 0.0], [1.0, 1.0], [0.5, 1.0], [0.0, 0.5], [0.0, 0.0]])
    """
    _require_dim(rs, 2, "region_polygons")
    if rs.kind.cyclic_vertices:
        return np.split(rs.vertices, rs.vertex_offsets[1:-1])
    vf = vertex_form(rs)    # LP-form runs: clip each region, then order its (convex) corners
    polys = []
    for r in range(rs.n_regions):
        P = vf.V[vf.voff[r]:vf.voff[r + 1]]
        d = P - P.mean(axis=0)
        polys.append(P[np.argsort(np.arctan2(d[:, 1], d[:, 0]))])
    return polys


def colour_classes(n: int, i: np.ndarray, j: np.ndarray, n_colours: int) -> np.ndarray:
    """A colour index per node of a graph, different across every edge.

    Greedy in node order; each node takes a hashed (deterministic) choice among the first
    n_colours indices its coloured neighbours leave free, so colours vary even where few are
    needed. A node whose neighbours use all n_colours gets the next unused index above.

    Parameters
    ----------
    n : int
        Number of nodes.
    i, j : array_like of int
        The edges (i[e], j[e]); self-loops are ignored.
    n_colours : int
        Number of colours to choose from first.

    Returns
    -------
    numpy.ndarray of int64, shape (n,)
        Colour index per node.

    Examples
    --------
    >>> from regionkit.plot import colour_classes
    >>> colour_classes(3, [0, 1], [1, 2], 2).tolist()
    [1, 0, 1]
    """
    i, j = np.asarray(i, np.int64), np.asarray(j, np.int64)
    keep = i != j
    src = np.concatenate([i[keep], j[keep]])
    dst = np.concatenate([j[keep], i[keep]])
    order = np.argsort(src, kind="stable")
    start = np.searchsorted(src[order], np.arange(n + 1))
    nbrs = dst[order]
    cls = np.full(n, -1, dtype=np.int64)
    for v in range(n):
        used = set(cls[nbrs[start[v]:start[v + 1]]].tolist())
        free = [c for c in range(n_colours) if c not in used]
        if free:
            cls[v] = free[(v * 2654435761 + 97) % 4294967296 % len(free)]
        else:
            cls[v] = min(set(range(n_colours, n_colours + len(used) + 1)) - used)
    return cls


def _colormap(cmap: Any) -> tuple[Any, int]:
    """The colormap (a name, a Colormap or a list of colours) and how many base colours it
    gives (see QUALITATIVE_MAX)."""
    mpl = require("matplotlib", "plot", "regionkit.plot")
    if isinstance(cmap, str):
        cm = mpl.colormaps[cmap]
    elif isinstance(cmap, mpl.colors.Colormap):
        cm = cmap
    else:
        cm = mpl.colors.ListedColormap(list(cmap))
    return cm, (cm.N if cm.N <= QUALITATIVE_MAX else SAMPLED_COLOURS)


def _palette(cmap: Any, count: int) -> np.ndarray:
    """count distinct RGBA colours: the colormap's own list (qualitative maps) or samples of
    it, then, if more are needed, light colours spread around the hue circle."""
    mpl = require("matplotlib", "plot", "regionkit.plot")
    cm, k = _colormap(cmap)
    base = cm(np.arange(k)) if k == cm.N else cm(np.linspace(0.0, 1.0, k))
    extra = max(count - k, 0)
    hues = mpl.colormaps["hsv"](np.arange(extra) / max(extra, 1))
    hues[:, :3] = 0.55 * hues[:, :3] + 0.45     # lighten towards white
    return np.concatenate([base, hues])


def region_colours(rs: RegionSet, color_by: str = "region", cmap: Any = PALETTE) -> np.ndarray:
    """A deterministic RGBA colour for every activation region.

    Parameters
    ----------
    rs : RegionSet
        The enumeration.
    color_by : {"region", "linear"}
        "region": adjacent activation regions differ (on an incomplete run, whose adjacency
        is unknown, colours are a hash of the region index). "linear": the regions of one
        linear region share a colour, adjacent linear regions differ.
    cmap : str, matplotlib Colormap or sequence of colours, default PALETTE
        Colours to use (see QUALITATIVE_MAX).

    Returns
    -------
    numpy.ndarray, shape (n_regions, 4)
        RGBA colours.

    Raises
    ------
    RegionkitError
        If `color_by` is unknown, or "linear" on an incomplete run.
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
    >>> plot.region_colours(rs, "linear").shape
    (7, 4)
    """
    k = _colormap(cmap)[1]
    if color_by == "region":
        if rs.complete:
            g = rs.adjacency()
            cls = colour_classes(rs.n_regions, g.i, g.j, k)
        else:
            cls = (np.arange(rs.n_regions, dtype=np.int64) * 2654435761 + 97) % 4294967296 % k
    elif color_by == "linear":
        g = rs.adjacency()
        lab = g.linear_labels
        cls = colour_classes(g.n_linear, lab[g.i[g.map_changes]], lab[g.j[g.map_changes]],
                             k)[lab]
    else:
        raise RegionkitError(f"color_by must be 'region' or 'linear', got {color_by!r}")
    return _palette(cmap, int(cls.max(initial=0)) + 1)[cls]


def _row_segment(P: np.ndarray, a: np.ndarray, b: float) -> np.ndarray:
    """The side of convex polygon P on the line a . t = b: its extreme vertices on it."""
    res = np.abs(P @ a - b)
    scale = 1e-9 * (1.0 + np.abs(P).max())
    on = P[res <= max(10.0 * np.partition(res, 1)[1], scale)]
    s = on @ np.array([-a[1], a[0]])
    return np.stack([on[np.argmin(s)], on[np.argmax(s)]])


def linear_boundaries(rs: RegionSet, polys: list[np.ndarray] | None = None) -> np.ndarray:
    """Segments of a 2-D complex where the affine map changes, and of the domain's boundary.

    Parameters
    ----------
    rs : RegionSet
        A complete 2-D enumeration.
    polys : list of numpy.ndarray, optional
        region_polygons(rs), if already computed.

    Returns
    -------
    numpy.ndarray, shape (m, 2, 2)
        One segment per pair of adjacent activation regions with different maps, then the
        sides of the domain's boundary.

    Raises
    ------
    RegionkitError
        If the enumeration stopped early or rs is not a RegionSet.
    DomainError
        If it is not 2-D.

    Examples
    --------
    >>> import regionkit as rk
    >>> from regionkit import plot
    >>> plt = plot.pyplot("Agg")
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
    ...                              [[0, 0, 0.5], [0]])
    >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    >>> plot.linear_boundaries(rs).shape
    (16, 2, 2)
    """
    from regionkit.measures.facets import facet_table

    polys = region_polygons(rs) if polys is None else polys
    g = rs.adjacency()
    fvol = facet_table(rs).facet_volume
    rows = []
    for e in np.flatnonzero(g.map_changes):
        # The shared side lies on a hyperplane that flips across it: region i's row there.
        a, b = rs.ineq_offsets[g.i[e]], rs.ineq_offsets[g.i[e] + 1]
        flips = g.flip_index[g.flip_offsets[e]:g.flip_offsets[e + 1]]
        cand = np.flatnonzero(np.isin(rs.ineq_labels[a:b], flips) & (fvol[a:b] > 0))
        if len(cand):
            rows.append(a + cand[np.argmax(fvol[a:b][cand])])
    rows.extend(np.flatnonzero((rs.ineq_labels < 0) & (fvol > 0)).tolist())
    region_of = np.repeat(np.arange(rs.n_regions), np.diff(rs.ineq_offsets))
    segs = [_row_segment(polys[region_of[r]], rs.ineq_A[r], rs.ineq_b[r]) for r in rows]
    return np.array(segs).reshape(-1, 2, 2)


def domain_coordinates(domain: Any, x: Any) -> np.ndarray:
    """Domain coordinates of network inputs, by orthogonal projection onto the domain's span.

    Parameters
    ----------
    domain : Domain
        The domain.
    x : array_like, shape (n, n_in) or (n_in,)
        Network inputs.

    Returns
    -------
    numpy.ndarray, shape (n, dim)
        Least-squares coordinates on the domain's basis (exact for points on its span).

    Raises
    ------
    PointsError
        If the points are not a finite (n, input_dim) array.

    Examples
    --------
    >>> import regionkit as rk
    >>> from regionkit.plot import domain_coordinates
    >>> plane = rk.Plane([0, 0, 0], [1, 0, 0], [0, 1, 0])
    >>> domain_coordinates(plane, [[0.5, 0.25, 3.0]]).tolist()
    [[0.5, 0.25]]
    """
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))
    if x.ndim != 2 or x.shape[1] != domain.input_dim or not np.all(np.isfinite(x)):
        raise PointsError(f"points must be a finite (n, {domain.input_dim}) array of network "
                          f"inputs, got shape {x.shape}")
    t, *_ = np.linalg.lstsq(domain.basis, (x - domain.origin).T, rcond=None)
    return t.T


def plot_partition(rs: RegionSet, ax: Axes | None = None, *, color_by: str = "region",
                   points: Any = None, cmap: Any = PALETTE, edgecolor: Any = EDGE_COLOR,
                   linewidth: float = 0.4, title: bool = True) -> Axes:
    """Draw a 2-D RegionSet: one polygon per activation region, in one PolyCollection.

    The view is the domain's box, widened to hold every marked point, to scale unless one
    side is 10x the other.

    Parameters
    ----------
    rs : RegionSet
        A 2-D enumeration.
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).
    color_by : {"region", "linear"}
        "region": adjacent activation regions get different colours and every region
        boundary is drawn. "linear": each activation region takes its linear region's
        colour and only the boundaries where the affine map changes are drawn (gid
        "boundaries").
    points : array_like, shape (n, n_in), optional
        Network inputs to mark (gid "points"), projected into the domain's coordinates;
        by default the three points a Plane.through domain was built from.
    cmap : str, matplotlib Colormap or sequence of colours, default PALETTE
        Region colours.
    edgecolor : matplotlib colour, default EDGE_COLOR
        Colour of the boundaries.
    linewidth : float, default 0.4
        Width of the boundaries.
    title : bool, default True
        Title the axes with the region count.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn into.

    Raises
    ------
    RegionkitError
        If rs is not a RegionSet, `color_by` is unknown, or "linear" on an incomplete run.
    DomainError
        If rs is not 2-D.
    PointsError
        If `points` are not finite network inputs.
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
    >>> plt.close(ax.figure)
    """
    _require_dim(rs, 2, "plot_partition")
    ax = _new_axes(ax, (5.0, 5.0), "compressed")
    mc = require("matplotlib.collections", "plot", "regionkit.plot")
    polys = region_polygons(rs)
    colours = region_colours(rs, color_by, cmap)
    if color_by == "linear":
        # Edges in the fill colour hide the seams between pieces of one linear region.
        pc = mc.PolyCollection(polys, facecolors=colours, edgecolors="face", linewidths=0.6,
                            gid="regions")
        ax.add_collection(pc)
        ax.add_collection(mc.LineCollection(linear_boundaries(rs, polys), colors=edgecolor,
                                         linewidths=linewidth, gid="boundaries"))
    else:
        pc = mc.PolyCollection(polys, facecolors=colours, edgecolors=edgecolor,
                            linewidths=linewidth, gid="regions")
        ax.add_collection(pc)
    lo, hi = rs.domain.lo.astype(float), rs.domain.hi.astype(float)
    if points is None:
        points = getattr(rs.domain, "points", None)
    if points is not None:
        T = domain_coordinates(rs.domain, points)
        ax.plot(T[:, 0], T[:, 1], linestyle="none", marker="o", markersize=7,
                markerfacecolor="white", markeredgecolor="black", markeredgewidth=1.5,
                zorder=3, gid="points")
        pad = 0.03 * (hi - lo)
        lo, hi = np.minimum(lo, T.min(axis=0) - pad), np.maximum(hi, T.max(axis=0) + pad)
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    span = hi - lo
    if span.max() <= 10 * span.min():
        ax.set_aspect("equal")
    names = _axis_names(rs)
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    if title:
        text = (f"{rs.n_linear_regions} linear regions" if color_by == "linear"
                else f"{rs.n_regions} activation regions")
        ax.set_title(text + ("" if rs.complete else f" (incomplete: {rs.stop_reason})"))
    return ax


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
    _require_dim(rs, 2, "plot_partition_pair")
    if axes is None:
        _, axes = pyplot().subplots(1, 2, figsize=(10.0, 5.0), layout="compressed")
    left = plot_partition(rs, axes[0], color_by="region", **kwargs)
    right = plot_partition(rs, axes[1], color_by="linear", **kwargs)
    return left, right


# --- 1-D graphs ----------------------------------------------------------------------------
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
    _require_dim(rs, 1, "line_graph")
    rs.require_complete("the graph")
    if not 0 <= output < rs.network.n_out:
        raise RegionkitError(f"output must be in 0..{rs.network.n_out - 1}, got {output}")
    lo, hi = rs.vertices[0::2, 0], rs.vertices[1::2, 0]
    order = np.argsort(lo)
    x = np.append(lo[order], hi[order[-1]])
    y = rs.outputs(x[:, None], np.append(order, order[-1]))[:, output]
    return x, y


def plot_line(rs: RegionSet, ax: Axes | None = None, *, output: int = 0,
              breakpoints: str = "activation", points: Any = None, color: Any = "C0") -> Axes:
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
        Network inputs to mark on the graph (gid "points"), projected onto the segment; by
        default the two a Segment.through domain was built from.
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
    if points is None:
        points = getattr(rs.domain, "points", None)
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
    ax = _new_axes(ax, (6.0, 4.0))
    ax.plot(x, y, color=color, linewidth=1.5, gid="graph")
    ax.plot(x[1:-1][mark], y[1:-1][mark], linestyle="none", marker="o", markersize=4,
            markerfacecolor="white", markeredgecolor=color, zorder=3, gid="breakpoints")
    if points is not None:   # the graph is linear between its corners: interpolation is exact
        ax.plot(t, np.interp(t, x, y), linestyle="none", marker="o", markersize=7,
                markerfacecolor="black", markeredgecolor="black", zorder=4, gid="points")
    ax.set_xlim(x[0], x[-1])
    name = _axis_names(rs)[0]
    ax.set_xlabel("t  (x = x0 + t (x1 - x0))" if name == "t" and rs.domain.input_dim > 1
                  else name)
    ax.set_ylabel("output" if rs.network.n_out == 1 else f"output {output}")
    ax.set_title(f"{len(x) - 1} pieces, {int(mark.sum())} {breakpoints} breakpoints")
    return ax


# --- counts --------------------------------------------------------------------------------
def _architecture(rs: RegionSet) -> str:
    return "-".join(str(w) for w in [rs.network.n_in] + rs.network.widths)


def plot_layer_counts(results: RegionSet | Sequence[RegionSet], ax: Axes | None = None, *,
                      labels: Sequence[str] | None = None, logy: bool = False) -> Axes:
    """Number of activation regions after each layer (RegionSet.per_layer), one line per result.

    Parameters
    ----------
    results : RegionSet or sequence of RegionSet
        The enumerations.
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).
    labels : sequence of str, optional
        One legend label per result (default: the architectures).
    logy : bool, default False
        Logarithmic count axis.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn into.

    Raises
    ------
    RegionkitError
        If the number of labels differs from the number of results.
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
    >>> ax = plot.plot_layer_counts(rs)
    >>> ax.lines[0].get_ydata().tolist()
    [7, 7]
    >>> plt.close(ax.figure)
    """
    results = [results] if isinstance(results, RegionSet) else list(results)
    if labels is not None and len(labels) != len(results):
        raise RegionkitError(f"{len(labels)} labels for {len(results)} results")
    ax = _new_axes(ax, (6.0, 4.0))
    for k, rs in enumerate(results):
        layers = np.arange(1, len(rs.per_layer) + 1)
        label = labels[k] if labels is not None else _architecture(rs)
        ax.plot(layers, rs.per_layer, marker="o", label=label, gid="counts")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("layer")
    ax.set_ylabel("activation regions")
    if logy:
        ax.set_yscale("log")
    ax.legend()
    return ax


def _x_values(results: list[Any], by: str | Sequence[float]) -> tuple[np.ndarray, str]:
    if not isinstance(by, str):
        x = np.asarray(by, dtype=np.float64)
        if x.shape != (len(results),):
            raise RegionkitError(f"{x.size} x values for {len(results)} results")
        return x, ""
    if not all(isinstance(r, RegionSet) for r in results):
        raise RegionkitError(f"by={by!r} reads the networks of RegionSets; for plain counts "
                             "give the x values as a sequence")
    widths = [r.network.hidden_widths for r in results]
    if by == "depth":
        return np.array([len(w) for w in widths], dtype=np.float64), "hidden layers"
    if by == "neurons":
        return np.array([sum(w) for w in widths], dtype=np.float64), "hidden units"
    if by == "width":
        if any(len(set(w)) != 1 for w in widths):
            raise RegionkitError("by='width' needs every network to have one hidden width; "
                                 "give the x values as a sequence instead")
        return np.array([w[0] for w in widths], dtype=np.float64), "hidden width"
    raise RegionkitError(f"by must be 'depth', 'width', 'neurons' or a sequence, got {by!r}")


def plot_counts(results: Sequence[RegionSet | int], by: str | Sequence[float] = "depth",
                ax: Axes | None = None, *, linear: bool = False, label: str | None = None,
                xlabel: str | None = None, logy: bool = False) -> Axes:
    """Region counts against depth, width, number of hidden units or given x values.

    Counts of incomplete runs are lower bounds and are drawn as upward triangles (gid
    "lower-bounds").

    Parameters
    ----------
    results : sequence of RegionSet or int
        Enumerations, or plain counts when `by` gives the x values.
    by : {"depth", "width", "neurons"} or sequence of float
        The x axis: read from the RegionSets' networks, or given, one value per result.
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).
    linear : bool, default False
        Add the linear region counts as a second line (RegionSets only).
    label : str, optional
        Legend label of the counts.
    xlabel : str, optional
        Label of the x axis (default: from `by`).
    logy : bool, default False
        Logarithmic count axis.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn into.

    Raises
    ------
    RegionkitError
        If `by` is invalid for the results, or linear=True without RegionSets.
    MissingExtraError
        If matplotlib is not installed.

    Examples
    --------
    >>> import regionkit as rk
    >>> from regionkit import plot
    >>> plt = plot.pyplot("Agg")
    >>> ax = plot.plot_counts([5, 12, 30], by=[1, 2, 3], xlabel="hidden layers")
    >>> ax.lines[0].get_ydata().tolist()
    [5.0, 12.0, 30.0]
    >>> plt.close(ax.figure)
    """
    results = list(results)
    if linear and not all(isinstance(r, RegionSet) for r in results):
        raise RegionkitError("linear=True needs RegionSets")
    x, default_xlabel = _x_values(results, by)
    counts = np.array([r.n_regions if isinstance(r, RegionSet) else int(r) for r in results],
                      dtype=np.float64)
    exact = np.array([r.complete if isinstance(r, RegionSet) else True for r in results])
    order = np.argsort(x, kind="stable")
    ax = _new_axes(ax, (6.0, 4.0))
    line, = ax.plot(x[order], counts[order], marker="o", label=label or "activation regions",
                    gid="counts")
    if not exact.all():
        ax.plot(x[~exact], counts[~exact], linestyle="none", marker="^", markersize=9,
                color=line.get_color(), label="lower bound (incomplete run)",
                gid="lower-bounds")
    if linear:
        lin = np.array([r.n_linear_regions for r in results], dtype=np.float64)
        ax.plot(x[order], lin[order], marker="s", linestyle="--", label="linear regions",
                gid="linear-counts")
    ax.set_xlabel(xlabel if xlabel is not None else default_xlabel)
    ax.set_ylabel("regions")
    if logy:
        ax.set_yscale("log")
    ax.legend()
    return ax
