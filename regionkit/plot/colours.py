"""Colours of regions and classes: colour-blind-safe palettes, neighbours always distinct.

Regions are filled with Paul Tol's "light" scheme (made for fills under black lines and
text, distinguishable with colour vision deficiencies); classes take Okabe and Ito's colours
(OKABE_ITO), lightened for fills and full for markers, with a marker shape per class too.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from regionkit.errors import RegionkitError
from regionkit.optional import require
from regionkit.plot.style import OKABE_ITO
from regionkit.regions.regionset import RegionSet

__all__ = ["CLASS_COLOURS", "CLASS_TINT", "EDGE_COLOR", "MARKERS", "PALETTE", "QUALITATIVE_MAX",
           "SAMPLED_COLOURS", "class_colours", "colour_classes", "region_colours"]

# Paul Tol's "light" qualitative scheme (personal.sron.nl/~pault): nine fill colours that stay
# apart for colour-blind readers and keep black boundaries, text and markers readable.
PALETTE = ("#77AADD", "#EE8866", "#44BB99", "#EEDD88", "#99DDFF", "#FFAABB", "#BBCC33",
           "#AAAA00", "#DDDDDD")
# Class colours: Okabe-Ito without black (blue and orange first: the two classes of a binary
# classifier), and the marker shape of each class (colour and shape both tell classes apart).
CLASS_COLOURS = OKABE_ITO[:7]
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
# Class fills are the class colour mixed with white in this proportion of white.
CLASS_TINT = 0.6
EDGE_COLOR = "0.25"
# Colormaps with at most QUALITATIVE_MAX entries are lists of distinct colours, used as they
# are; longer ones (continuous maps) are sampled at SAMPLED_COLOURS evenly spaced points.
QUALITATIVE_MAX = 32
SAMPLED_COLOURS = 12


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


def _palette(cmap: Any, count: int, lighten: bool = True) -> np.ndarray:
    """count distinct RGBA colours: the colormap's own list (qualitative maps) or samples of
    it, then, if more are needed, colours spread around the hue circle (lightened)."""
    mpl = require("matplotlib", "plot", "regionkit.plot")
    cm, k = _colormap(cmap)
    base = cm(np.arange(k)) if k == cm.N else cm(np.linspace(0.0, 1.0, k))
    extra = max(count - k, 0)
    hues = mpl.colormaps["hsv"](np.arange(extra) / max(extra, 1))
    if lighten:
        hues[:, :3] = 0.55 * hues[:, :3] + 0.45     # towards white
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


def class_colours(n: int, tint: float = 0.0) -> np.ndarray:
    """The RGBA colour of classes 0..n-1 (CLASS_COLOURS, then hues), optionally lightened.

    Parameters
    ----------
    n : int
        Number of classes.
    tint : float, default 0.0
        Proportion of white mixed in (CLASS_TINT for fills).

    Returns
    -------
    numpy.ndarray, shape (n, 4)
        RGBA colours.

    Examples
    --------
    >>> from regionkit.plot import class_colours
    >>> class_colours(2).round(3).tolist()
    [[0.0, 0.447, 0.698, 1.0], [0.902, 0.624, 0.0, 1.0]]
    """
    c = _palette(CLASS_COLOURS, n, lighten=False)[:n].copy()
    c[:, :3] = (1.0 - tint) * c[:, :3] + tint
    return c
