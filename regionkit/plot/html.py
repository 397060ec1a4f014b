"""An interactive, offline HTML viewer of 2-D RegionSets (plotly, the "viewer" extra).

``to_html(rs, "regions.html")`` writes one self-contained page (plotly.js embedded, no
network access needed to open it): one filled shape per activation region; hovering a region
shows its id, activation pattern (layer by layer), area, interior point, affine output map,
linear region and neighbours. Scrolling or dragging a box zooms, so slivers thinner than a
pixel become reachable; every region also carries a small marker at its interior point (its
Chebyshev centre), which shows the same hover label, so a sliver can be found by its marker.

The page builders need plotly only to write the page; the hover texts are plain strings
(pattern_strings, affine_map_strings, hover_texts). Nothing here imports matplotlib.
"""
from __future__ import annotations

import os

import numpy as np

from regionkit.atomic import write_text
from regionkit.errors import DomainError, RegionkitError
from regionkit.optional import require
from regionkit.plot._axes import axis_names, require_dim
from regionkit.plot.colours import PALETTE, colour_classes
from regionkit.plot.geometry import region_polygons
from regionkit.regions.regionset import RegionSet

__all__ = ["EDGE_COLOUR", "HOVER_DISTANCE", "HTML_SUFFIXES", "MAX_NEIGHBOURS_SHOWN",
           "MAX_OUTPUTS_SHOWN", "MAX_REGIONS", "PATTERN_LINE_BITS", "affine_map_strings",
           "hover_texts", "html_page", "is_html_path", "pattern_strings", "to_html"]

# One SVG shape per region costs about 0.5 ms per region at every draw, zoom and pan
# (benchmarks/bench_viewer.py, headless Chromium, loaded 2-core machine: 3231 regions draw in
# 2.1 s and redraw after a zoom in 1.4 s, 5058 regions in 2.9 s and 2.3 s); to_html refuses
# more than this unless max_regions is raised.
MAX_REGIONS = 3000
# Hover labels stay readable: at most this many outputs' maps and neighbour ids are listed
# (the rest are counted), and a pattern longer than this many characters takes a line per
# layer, wrapped after this many bits.
MAX_OUTPUTS_SHOWN = 4
MAX_NEIGHBOURS_SHOWN = 16
PATTERN_LINE_BITS = 32
EDGE_COLOUR = "#404040"
# The hover picks an interior-point marker within this many pixels of the mouse, else the
# region whose fill is under it: small, so that markers take the hover only right at them.
HOVER_DISTANCE = 6
HTML_SUFFIXES = (".html", ".htm")


def _require_drawable(rs: RegionSet, what: str) -> None:
    """A complete 2-D RegionSet that kept its regions, or a clear error."""
    if isinstance(rs, RegionSet) and rs.dim == 1:
        raise DomainError(f"{what} draws 2-D RegionSets; draw the graph of this 1-D one "
                          f"({rs.domain!r}) with regionkit.plot.plot_line")
    require_dim(rs, 2, what)
    rs.require_complete(what)


def pattern_strings(rs: RegionSet) -> list[str]:
    """The activation pattern of every region as text: one 0/1 string per layer.

    Parameters
    ----------
    rs : RegionSet
        An enumeration that kept its patterns.

    Returns
    -------
    list of str
        Per region, the bits of each layer with hyperplanes (RegionSet.pattern_bits order),
        layers separated by " | ".

    Examples
    --------
    >>> import regionkit as rk
    >>> from regionkit.plot.html import pattern_strings
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
    ...                              [[0, 0, 0.5], [0]])
    >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    >>> pattern_strings(rs)[int(rs.locate([[0.5, 0.5]])[0])]
    '111'
    """
    chars = np.where(rs.pattern_bits(), "1", "0")
    off = rs.network.layer_hyperplane_offsets()
    layers = [(a, b) for a, b in zip(off[:-1], off[1:]) if b > a]
    return [" | ".join("".join(row[a:b]) for a, b in layers) for row in chars]


def _linear_form(coef: np.ndarray, const: float, names: list[str]) -> str:
    """'a·x1 - b·x2 + c', with zero coefficients left out."""
    terms = [(c, f"{abs(c):.4g}·{n}") for c, n in zip(coef, names) if c != 0]
    if const != 0 or not terms:
        terms.append((const, f"{abs(const):.4g}"))
    text = ("-" if terms[0][0] < 0 else "") + terms[0][1]
    return text + "".join((" - " if c < 0 else " + ") + t for c, t in terms[1:])


def affine_map_strings(rs: RegionSet, max_outputs: int = MAX_OUTPUTS_SHOWN) -> list[str]:
    """The affine output map of every region as text, in the domain's coordinates.

    Parameters
    ----------
    rs : RegionSet
        A complete enumeration.
    max_outputs : int, default MAX_OUTPUTS_SHOWN
        Outputs written out; the others are counted in a last line.

    Returns
    -------
    list of str
        Per region, one line per output, "F(x1, x2) = a·x1 + b·x2 + c" (F1, F2, ... for
        several outputs); coefficients to 4 significant digits, zero terms left out.

    Raises
    ------
    RegionkitError
        If the run stopped early (its maps are unknown) or max_outputs < 1.

    Examples
    --------
    >>> import regionkit as rk
    >>> from regionkit.plot.html import affine_map_strings
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
    ...                              [[0, 0, 0.5], [0]])
    >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    >>> affine_map_strings(rs)[int(rs.locate([[0.5, -0.5]])[0])]
    'F(x1, x2) = 1·x1'
    """
    rs.require_complete("affine_map_strings")
    if max_outputs < 1:
        raise RegionkitError(f"max_outputs must be at least 1, got {max_outputs}")
    names = axis_names(rs)
    n_out = rs.network.n_out
    shown = min(n_out, max_outputs)
    heads = ["F"] if n_out == 1 else [f"F{k + 1}" for k in range(shown)]
    args = f"({', '.join(names)}) = "
    more = [f"... {n_out - shown} more outputs"] if n_out > shown else []
    return ["\n".join([h + args + _linear_form(M[k], m[k], names) for k, h in enumerate(heads)]
                      + more)
            for M, m in zip(rs.output_M, rs.output_m)]


def _neighbours(rs: RegionSet) -> list[np.ndarray]:
    """The sorted neighbour ids of every region (RegionSet.adjacency)."""
    g = rs.adjacency()
    src, dst = np.concatenate([g.i, g.j]), np.concatenate([g.j, g.i])
    order = np.lexsort((dst, src))
    start = np.searchsorted(src[order], np.arange(rs.n_regions + 1))
    return np.split(dst[order], start[1:-1])


def _wrap(pattern: str) -> str:
    """A pattern (pattern_strings) for a hover label: one line if it fits in
    PATTERN_LINE_BITS characters, else a line per layer, long layers wrapped."""
    if len(pattern) <= PATTERN_LINE_BITS:
        return pattern
    layers = pattern.split(" | ")
    lines = []
    for k, bits in enumerate(layers):
        chunks = [bits[i:i + PATTERN_LINE_BITS] for i in range(0, len(bits), PATTERN_LINE_BITS)]
        lines += chunks[:-1] + [chunks[-1] + (" |" if k < len(layers) - 1 else "")]
    return "<br>".join(lines)


def hover_texts(rs: RegionSet) -> list[str]:
    """The hover label of every region (plotly's HTML subset: <b>, <br>).

    Parameters
    ----------
    rs : RegionSet
        A complete 2-D enumeration.

    Returns
    -------
    list of str
        Per region: its id, pattern (pattern_strings; long layers wrap), area, interior
        point, affine map (affine_map_strings), linear region and neighbour ids (at most
        MAX_NEIGHBOURS_SHOWN listed).

    Raises
    ------
    RegionkitError
        If rs is not a RegionSet or the run stopped early.
    DomainError
        If rs is not 2-D.

    Examples
    --------
    >>> import regionkit as rk
    >>> from regionkit.plot.html import hover_texts
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
    ...                              [[0, 0, 0.5], [0]])
    >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    >>> print(hover_texts(rs)[0].replace("<br>", "\\n"))
    <b>region 0</b>
    pattern: 111
    area: 0.875
    interior point: (0.5607, 0.4393)
    F(x1, x2) = 1·x1 + 1·x2
    linear region: 0
    neighbours (3): 1, 2, 3
    """
    _require_drawable(rs, "hover_texts")
    pats, maps, nbrs = pattern_strings(rs), affine_map_strings(rs), _neighbours(rs)
    vols, centres, lab = rs.volumes(), rs.interior_points, rs.linear_regions()
    texts = []
    for r in range(rs.n_regions):
        ids = ", ".join(str(int(k)) for k in nbrs[r][:MAX_NEIGHBOURS_SHOWN])
        if len(nbrs[r]) > MAX_NEIGHBOURS_SHOWN:
            ids += f", ... ({len(nbrs[r]) - MAX_NEIGHBOURS_SHOWN} more)"
        point = ", ".join(f"{v:.4g}" for v in centres[r])
        texts.append("<br>".join([
            f"<b>region {r}</b>",
            "pattern: " + _wrap(pats[r]),
            f"area: {vols[r]:.6g}",
            f"interior point: ({point})",
            maps[r].replace("\n", "<br>"),
            f"linear region: {lab[r]}",
            f"neighbours ({len(nbrs[r])}): {ids}",
        ]))
    return texts


def _colours(rs: RegionSet) -> list[str]:
    """A fill colour per region, different across every edge (regionkit.plot's palette,
    then spread hues where a region's neighbours use it all)."""
    g = rs.adjacency()
    cls = colour_classes(rs.n_regions, g.i, g.j, len(PALETTE))
    return [PALETTE[c] if c < len(PALETTE) else f"hsl({(c * 137) % 360}, 60%, 80%)"
            for c in cls.tolist()]


def html_page(rs: RegionSet, *, title: str | None = None,
              max_regions: int = MAX_REGIONS) -> str:
    """The viewer page of a 2-D RegionSet: one self-contained HTML document.

    Parameters
    ----------
    rs : RegionSet
        A complete 2-D enumeration.
    title : str, optional
        Page and plot title (default: the region counts, network and domain).
    max_regions : int, default MAX_REGIONS
        Refuse RegionSets with more regions (each is one SVG shape; see MAX_REGIONS).

    Returns
    -------
    str
        The HTML: plotly.js embedded, one scatter trace per region (named "region R", filled,
        hovered on its fill), then one marker trace ("interior points") with a marker per
        region carrying the same hover text.

    Raises
    ------
    RegionkitError
        If rs is not a RegionSet, the run stopped early, or it has more than max_regions
        regions.
    DomainError
        If rs is not 2-D.
    MissingExtraError
        If plotly is not installed (pip install "regionkit[viewer]").
    """
    _require_drawable(rs, "the HTML viewer")
    if rs.n_regions > max_regions:
        raise RegionkitError(f"the HTML viewer draws one shape per region: {rs.n_regions} "
                             f"regions exceed max_regions={max_regions} (the page would be "
                             "slow to draw and pan); view a smaller box or plane, or raise "
                             "max_regions")
    pio = require("plotly.io", "viewer", "the HTML viewer")
    texts, colours = hover_texts(rs), _colours(rs)
    traces: list[dict] = []
    for r, (P, text, colour) in enumerate(zip(region_polygons(rs), texts, colours)):
        closed = np.vstack([P, P[:1]])
        traces.append({"type": "scatter", "name": f"region {r}", "x": closed[:, 0].tolist(),
                       "y": closed[:, 1].tolist(), "mode": "lines", "fill": "toself",
                       "fillcolor": colour, "line": {"color": EDGE_COLOUR, "width": 0.6},
                       "hoveron": "fills", "text": text, "showlegend": False})
    centres = rs.interior_points
    traces.append({"type": "scatter", "name": "interior points", "x": centres[:, 0].tolist(),
                   "y": centres[:, 1].tolist(), "mode": "markers", "hovertext": texts,
                   "hoverinfo": "text", "marker": {"size": 3, "color": EDGE_COLOUR},
                   "showlegend": False})
    lo, hi = rs.domain.lo.astype(float), rs.domain.hi.astype(float)
    names = axis_names(rs)
    if title is None:
        title = (f"{rs.n_regions} activation regions, {rs.n_linear_regions} linear regions"
                 f"<br><sup>{rs.network!r} on {rs.domain!r}</sup>")
    span = hi - lo
    yaxis = {"range": [lo[1], hi[1]], "title": {"text": names[1]}, "showgrid": False,
             "zeroline": False}
    if span.max() <= 10 * span.min():   # to scale, as plot_partition draws it
        yaxis.update(scaleanchor="x", scaleratio=1)
    layout = {"title": {"text": title, "font": {"size": 14}},
              "xaxis": {"range": [lo[0], hi[0]], "title": {"text": names[0]},
                        "showgrid": False, "zeroline": False, "constrain": "domain"},
              "yaxis": yaxis, "hovermode": "closest", "hoverdistance": HOVER_DISTANCE,
              "hoverlabel": {"font": {"family": "monospace", "size": 12},
                             "bgcolor": "white", "align": "left"},
              "plot_bgcolor": "white", "margin": {"l": 60, "r": 20, "t": 70, "b": 50}}
    config = {"scrollZoom": True, "displaylogo": False, "responsive": True}
    return pio.to_html({"data": traces, "layout": layout}, include_plotlyjs=True,
                       full_html=True, config=config, validate=False,
                       default_width="100%", default_height="95vh")


def is_html_path(path: str | os.PathLike) -> bool:
    """Whether a file name asks for the HTML viewer (suffix in HTML_SUFFIXES).

    Parameters
    ----------
    path : str or os.PathLike
        The file name.

    Returns
    -------
    bool
        True for .html and .htm, in any case.

    Examples
    --------
    >>> from regionkit.plot.html import is_html_path
    >>> is_html_path("regions.HTML"), is_html_path("regions.png")
    (True, False)
    """
    return os.path.splitext(os.fspath(path))[1].lower() in HTML_SUFFIXES


def to_html(rs: RegionSet, path: str | os.PathLike, *, title: str | None = None,
            max_regions: int = MAX_REGIONS) -> None:
    """Write the interactive viewer of a 2-D RegionSet to one offline HTML file.

    The file is written atomically and needs nothing else to open: plotly.js is embedded
    (a 4.8 MB page, plus 1.3 to 1.6 kB per region).

    Parameters
    ----------
    rs : RegionSet
        A complete 2-D enumeration.
    path : str or os.PathLike
        The file to write, ending in .html or .htm; its directory must exist.
    title : str, optional
        Page and plot title (default: the region counts, network and domain).
    max_regions : int, default MAX_REGIONS
        Refuse RegionSets with more regions.

    Raises
    ------
    RegionkitError
        If the path does not end in .html/.htm or its directory does not exist, or as
        html_page raises.
    DomainError
        If rs is not 2-D.
    MissingExtraError
        If plotly is not installed (pip install "regionkit[viewer]").
    """
    if not is_html_path(path):
        raise RegionkitError(f"the HTML viewer writes .html or .htm files, got {str(path)!r}")
    folder = os.path.dirname(os.path.abspath(os.fspath(path)))
    if not os.path.isdir(folder):
        raise RegionkitError(f"cannot write {str(path)!r}: the directory {folder!r} does not "
                             "exist")
    write_text(path, html_page(rs, title=title, max_regions=max_regions))
