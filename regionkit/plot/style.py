"""The paper style of regionkit's figures: matplotlib itself, one rc context, the palettes.

paper_style() is the one documented style: sizes for a single-column figure, fonts embedded
as TrueType in PDF and PostScript, text kept as text in SVG, thin lines, and a colour cycle
safe for colour-blind readers (Okabe and Ito's eight colours).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

from regionkit.errors import RegionkitError
from regionkit.optional import require

__all__ = ["ANCHOR_NAMES", "OKABE_ITO", "PAPER_RC", "RASTER_THRESHOLD", "paper_style", "pyplot"]

# Labels of the data points a Plane.through / Segment.through domain was built from, in the
# order they were given (the arguments xa, xb, xc).
ANCHOR_NAMES = ("$x_a$", "$x_b$", "$x_c$")

# Collections of more than RASTER_THRESHOLD polygons or segments are rasterised (drawn as an
# image at savefig.dpi inside a vector PDF/SVG; axes, text, the decision boundary and markers
# stay vector). Measured with paper_style (3.4 x 2.6 in, 300 dpi), region colouring: as
# vector paths a partition costs about 28-35 KiB of PDF per 1000 regions (1036 regions:
# 35 KiB; 5058: 143 KiB; 21457: 580 KiB), rasterised 0.7, 1.4 and 2.3 MB, growing towards
# the 3.2 MB of raw pixels. Vector PDFs stay smaller up to about 100000 regions.
RASTER_THRESHOLD = 100_000

# Okabe & Ito (2008), "Color Universal Design": distinguishable under every common colour
# vision deficiency. The cycle of lines and markers in paper_style.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442",
             "#000000")

# The rc parameters of paper_style: a 3.4 x 2.6 inch figure (one column of a two-column
# paper), 8 pt text, TrueType fonts in PDF/PS (type 3 fonts are refused by many venues),
# SVG text as text, 300 dpi for raster output and rasterised artists in vector files.
PAPER_RC: dict[str, Any] = {
    "figure.figsize": (3.4, 2.6),
    "figure.dpi": 100,
    "savefig.dpi": 300,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.02,
    "font.size": 8.0,
    "axes.titlesize": 8.0,
    "axes.labelsize": 8.0,
    "xtick.labelsize": 7.0,
    "ytick.labelsize": 7.0,
    "legend.fontsize": 7.0,
    "legend.frameon": False,
    "axes.linewidth": 0.6,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "xtick.major.size": 2.5,
    "ytick.major.size": 2.5,
    "lines.linewidth": 1.2,
    "lines.markersize": 4.0,
    "patch.linewidth": 0.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "image.cmap": "viridis",
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "svg.fonttype": "none",
    "mathtext.fontset": "dejavusans",
}


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


@contextmanager
def paper_style(rc: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
    """Draw figures for a paper: PAPER_RC (and any overrides) while the context is open.

    Parameters
    ----------
    rc : dict, optional
        rc parameters to set on top of PAPER_RC (for example {"font.size": 9}).

    Yields
    ------
    dict
        The rc parameters in force.

    Raises
    ------
    RegionkitError
        If an override names no matplotlib rc parameter.
    MissingExtraError
        If matplotlib is not installed.

    Examples
    --------
    >>> from regionkit import plot
    >>> plt = plot.pyplot("Agg")
    >>> with plot.paper_style({"font.size": 9}):
    ...     fig, ax = plt.subplots()
    ...     size = plt.rcParams["font.size"], plt.rcParams["pdf.fonttype"]
    >>> size
    (9.0, 42)
    >>> plt.close(fig)
    """
    mpl = require("matplotlib", "plot", "regionkit.plot")
    unknown = sorted(set(rc or {}) - set(mpl.rcParams))
    if unknown:
        raise RegionkitError(f"paper_style: {unknown} name no matplotlib rc parameter")
    params = {**PAPER_RC, "axes.prop_cycle": mpl.cycler(color=list(OKABE_ITO)), **(rc or {})}
    with mpl.rc_context(params):
        yield params
