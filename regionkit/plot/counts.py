"""Region counts: per layer, and against depth, width or hidden units with bands over seeds."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from regionkit.errors import RegionkitError
from regionkit.plot._axes import new_axes
from regionkit.regions.regionset import RegionSet

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["count_bands", "plot_counts", "plot_layer_counts"]


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
    ax = new_axes(ax, (6.0, 4.0))
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


def count_bands(x: Any, counts: Any, band: str | tuple[float, float] = "minmax"
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Mean and spread of counts at each distinct x (over seeds, say).

    Parameters
    ----------
    x : array_like, shape (n,)
        The x value of each count.
    counts : array_like, shape (n,)
        The counts.
    band : "minmax" or (float, float)
        The band: the least and greatest count, or these two quantiles (0 to 1).

    Returns
    -------
    xs : numpy.ndarray
        The distinct x values, increasing.
    mean, lo, hi : numpy.ndarray
        The mean count at each, and the band's ends.

    Raises
    ------
    RegionkitError
        If the shapes differ or `band` is invalid.

    Examples
    --------
    >>> from regionkit.plot import count_bands
    >>> [a.tolist() for a in count_bands([1, 2, 1, 2], [4, 10, 6, 20])]
    [[1.0, 2.0], [5.0, 15.0], [4.0, 10.0], [6.0, 20.0]]
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(counts, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise RegionkitError(f"x and counts must be two 1-D arrays of one length, got shapes "
                             f"{x.shape} and {y.shape}")
    if band == "minmax":
        q = (0.0, 1.0)
    elif (isinstance(band, tuple) and len(band) == 2
          and all(isinstance(v, (int, float)) for v in band) and 0 <= band[0] <= band[1] <= 1):
        q = (float(band[0]), float(band[1]))
    else:
        raise RegionkitError(f"band must be 'minmax' or two quantiles 0 <= lo <= hi <= 1, "
                             f"got {band!r}")
    xs = np.unique(x)
    groups = [y[x == v] for v in xs]
    return (xs, np.array([g.mean() for g in groups]),
            np.array([np.quantile(g, q[0]) for g in groups]),
            np.array([np.quantile(g, q[1]) for g in groups]))


def _banded(ax: Axes, x: np.ndarray, y: np.ndarray, band: Any, gid: str, **style: Any) -> Any:
    """The mean line (gid), and where an x repeats the band around it (gid + '-band')."""
    xs, mean, lo, hi = count_bands(x, y, band)
    line, = ax.plot(xs, mean, gid=gid, **style)
    if len(xs) < len(x):
        ax.fill_between(xs, lo, hi, color=line.get_color(), alpha=0.25, linewidth=0,
                        gid=gid + "-band")
    return line


def plot_counts(results: Sequence[RegionSet | int], by: str | Sequence[float] = "depth",
                ax: Axes | None = None, *, linear: bool = False, label: str | None = None,
                xlabel: str | None = None, logy: bool = False,
                band: str | tuple[float, float] = "minmax", color: Any = None) -> Axes:
    """Region counts against depth, width, number of hidden units or given x values.

    Where several results share an x (seeds of one architecture), the line is their mean
    and a band shows their spread (gid "counts-band"); call again on the same axes for
    another family (one-layer and deep nets, say), so no line zigzags between families.
    Counts of incomplete runs are lower bounds, drawn as upward triangles (gid
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
    band : "minmax" or (float, float), default "minmax"
        The band over repeated x: least to greatest, or two quantiles (count_bands).
    color : matplotlib colour, optional
        Colour of the lines (default: the axes' next).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn into.

    Raises
    ------
    RegionkitError
        If `by` or `band` is invalid for the results, or linear=True without RegionSets.
    MissingExtraError
        If matplotlib is not installed.

    Examples
    --------
    >>> from regionkit import plot
    >>> plt = plot.pyplot("Agg")
    >>> ax = plot.plot_counts([5, 12, 30], by=[1, 2, 3], xlabel="hidden layers")
    >>> ax.lines[0].get_ydata().tolist()
    [5.0, 12.0, 30.0]
    >>> ax = plot.plot_counts([4, 6, 10, 20], by=[1, 1, 2, 2], ax=ax, label="seeds")
    >>> ax.lines[-1].get_ydata().tolist(), ax.collections[-1].get_gid()
    ([5.0, 15.0], 'counts-band')
    >>> plt.close(ax.figure)
    """
    results = list(results)
    if linear and not all(isinstance(r, RegionSet) for r in results):
        raise RegionkitError("linear=True needs RegionSets")
    x, default_xlabel = _x_values(results, by)
    counts = np.array([r.n_regions if isinstance(r, RegionSet) else int(r) for r in results],
                      dtype=np.float64)
    exact = np.array([r.complete if isinstance(r, RegionSet) else True for r in results])
    ax = new_axes(ax, (6.0, 4.0))
    line = _banded(ax, x, counts, band, "counts", marker="o", color=color,
                   label=label or "activation regions")
    if not exact.all():
        ax.plot(x[~exact], counts[~exact], linestyle="none", marker="^", markersize=9,
                color=line.get_color(), label="lower bound (incomplete run)",
                gid="lower-bounds")
    if linear:
        lin = np.array([r.n_linear_regions for r in results], dtype=np.float64)
        _banded(ax, x, lin, band, "linear-counts", marker="s", linestyle="--", color=color,
                label="linear regions" if label is None else f"{label}, linear regions")
    if np.all(x == np.round(x)):
        ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel(xlabel if xlabel is not None else default_xlabel)
    ax.set_ylabel("regions")
    if logy:
        ax.set_yscale("log")
    ax.legend()
    return ax
