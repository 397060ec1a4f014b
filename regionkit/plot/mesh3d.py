"""3-D partitions: the boundaries between the regions of a 3-input net, as a mesh of facets."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from regionkit.measures.facets import facet_table
from regionkit.measures.vertexform import vertex_form
from regionkit.optional import require
from regionkit.plot._axes import axis_names, rasterize, require_dim
from regionkit.plot.style import OKABE_ITO, pyplot
from regionkit.regions.regionset import RegionSet

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["boundary_facets", "plot_partition_3d"]


def boundary_facets(rs: RegionSet) -> tuple[list[np.ndarray], np.ndarray]:
    """The facets between the regions of a 3-D RegionSet, each boundary piece drawn once.

    A boundary piece on hyperplane h is the facet of the region on h's negative side (the
    region on the positive side has the same piece, or pieces of it); facets on the
    domain's boundary are left out.

    Parameters
    ----------
    rs : RegionSet
        A 3-D enumeration (vertex form or LP form).

    Returns
    -------
    facets : list of numpy.ndarray
        One polygon (n_i, 3) per facet, its vertices in order around it.
    hyperplane : numpy.ndarray of int
        The hyperplane (pattern bit) each lies on.

    Raises
    ------
    RegionkitError
        If rs is not a RegionSet or keeps no regions.
    DomainError
        If it is not 3-D.

    Examples
    --------
    >>> import regionkit as rk
    >>> from regionkit import plot
    >>> net = rk.Network.from_arrays([[[1, 0, 0], [0, 1, 0]], [[1, 1]]], [[0, 0], [0]])
    >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=3))
    >>> facets, h = plot.boundary_facets(rs)
    >>> sorted(len(f) for f in facets), sorted(h.tolist())
    ([4, 4, 4, 4], [0, 0, 1, 1])
    """
    require_dim(rs, 3, "boundary_facets")
    rs.require_kept("regions", "boundary facets")
    vf = vertex_form(rs)
    fvol = vf.rows(facet_table(rs).facet_volume)
    labels = vf.rows(rs.ineq_labels)
    A = vf.rows(rs.ineq_A)
    bits = rs.pattern_bits()
    facets, planes = [], []
    for r in range(rs.n_regions):
        V = vf.V[vf.voff[r]:vf.voff[r + 1]]
        n_rows = vf.roff[r + 1] - vf.roff[r]
        words = (vf.ioff[r + 1] - vf.ioff[r]) // max(len(V), 1)
        inc = vf.inc[vf.ioff[r]:vf.ioff[r + 1]].reshape(len(V), words)
        for k in range(n_rows):
            row = vf.roff[r] + k
            h = labels[row]
            if h < 0 or fvol[row] <= 0 or bits[r, h]:
                continue
            on = (inc[:, k // 64] >> np.uint64(k % 64)) & np.uint64(1) == 1
            facets.append(_ordered(V[on], A[row]))
            planes.append(int(h))
    return facets, np.array(planes, dtype=np.int64)


def _ordered(P: np.ndarray, normal: np.ndarray) -> np.ndarray:
    """The vertices of a convex planar polygon, in order around it."""
    u = np.linalg.svd(normal[None, :])[2][1:]     # two unit vectors across the normal
    d = (P - P.mean(axis=0)) @ u.T
    return P[np.argsort(np.arctan2(d[:, 1], d[:, 0]))]


def plot_partition_3d(rs: RegionSet, ax: Axes | None = None, *, alpha: float = 0.25,
                      edgecolor: Any = "0.2", linewidth: float = 0.3,
                      rasterized: bool | None = None, title: bool = True) -> Axes:
    """Draw the region boundaries of a 3-D RegionSet as a mesh of facets, coloured by layer.

    Parameters
    ----------
    rs : RegionSet
        A 3-D enumeration (a box of a 3-input net).
    ax : mpl_toolkits.mplot3d.axes3d.Axes3D, optional
        3-D axes to draw into (default: a new figure).
    alpha : float, default 0.25
        Opacity of the facets.
    edgecolor : matplotlib colour, default "0.2"
        Colour of the facets' edges.
    linewidth : float, default 0.3
        Width of the edges.
    rasterized : bool, optional
        Rasterise the facets in vector output (default: above RASTER_THRESHOLD facets).
    title : bool, default True
        Title the axes with the region and facet counts.

    Returns
    -------
    mpl_toolkits.mplot3d.axes3d.Axes3D
        The axes drawn into; the facets are the Poly3DCollection with gid "facets", the
        domain's box the lines with gid "domain".

    Raises
    ------
    RegionkitError
        If rs is not a RegionSet or keeps no regions.
    DomainError
        If it is not 3-D.
    MissingExtraError
        If matplotlib is not installed.

    Examples
    --------
    >>> import regionkit as rk
    >>> from regionkit import plot
    >>> plt = plot.pyplot("Agg")
    >>> net = rk.Network.from_arrays([[[1, 0, 0], [0, 1, 0]], [[1, 1]]], [[0, 0], [0]])
    >>> ax = plot.plot_partition_3d(rk.enumerate_regions(net, rk.Box(-1, 1, dim=3)))
    >>> ax.get_title()
    '4 activation regions, 4 boundary facets'
    >>> plt.close(ax.figure)
    """
    require_dim(rs, 3, "plot_partition_3d")
    facets, planes = boundary_facets(rs)
    art3d = require("mpl_toolkits.mplot3d.art3d", "plot", "regionkit.plot")
    if ax is None:
        fig = pyplot().figure(figsize=(5.0, 5.0), layout="constrained")
        ax = fig.add_subplot(projection="3d")
    off = rs.network.layer_hyperplane_offsets()
    layer = np.searchsorted(off, planes, side="right") - 1
    colours = np.array([_rgba(OKABE_ITO[k % len(OKABE_ITO)], alpha) for k in layer]
                       ).reshape(-1, 4)
    pc = art3d.Poly3DCollection(facets, facecolors=colours, edgecolors=edgecolor,
                                linewidths=linewidth, gid="facets")
    ax.add_collection3d(pc)
    rasterize([pc], len(facets), rasterized)
    lo, hi = rs.domain.lo.astype(float), rs.domain.hi.astype(float)
    for a in range(3):       # the 12 edges of the domain's box
        for b in range(4):
            p = np.array([lo, lo], dtype=float)
            others = [k for k in range(3) if k != a]
            for bit, k in enumerate(others):
                p[:, k] = hi[k] if (b >> bit) & 1 else lo[k]
            p[1, a] = hi[a]
            ax.plot(p[:, 0], p[:, 1], p[:, 2], color="0.5", linewidth=0.5, gid="domain")
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_zlim(lo[2], hi[2])
    ax.set_box_aspect(hi - lo)
    for axis, a, b in zip((ax.xaxis, ax.yaxis, ax.zaxis), lo, hi):
        axis.set_ticks([a, (a + b) / 2, b])
        axis.set_pane_color((1.0, 1.0, 1.0, 0.0))
    names = axis_names(rs)
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    ax.set_zlabel(names[2])
    mp = require("matplotlib.patches", "plot", "regionkit.plot")
    shown = np.unique(layer)
    if len(shown) > 1:
        ax.legend(handles=[mp.Patch(facecolor=_rgba(OKABE_ITO[k % len(OKABE_ITO)], alpha),
                                    edgecolor=edgecolor, label=f"layer {k + 1}")
                           for k in shown], loc="upper left")
    if title:
        ax.set_title(f"{rs.n_regions} activation regions, {len(facets)} boundary facets")
    return ax


def _rgba(colour: str, alpha: float) -> tuple[float, float, float, float]:
    mc = require("matplotlib.colors", "plot", "regionkit.plot")
    return mc.to_rgba(colour, alpha)
