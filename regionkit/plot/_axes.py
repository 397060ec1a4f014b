"""Helpers shared by the drawing modules: new axes, dimension checks, axis names, rasterising."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from regionkit.errors import DomainError, RegionkitError
from regionkit.plot.style import RASTER_THRESHOLD, pyplot
from regionkit.regions.regionset import RegionSet

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def new_axes(ax: Axes | None, figsize: tuple[float, float], layout: str = "constrained",
             **kw: Any) -> Axes:
    """ax, or the Axes of a new figure ("compressed" layout suits axes drawn to scale)."""
    if ax is None:
        _, ax = pyplot().subplots(figsize=figsize, layout=layout, **kw)
    return ax


def require_dim(rs: RegionSet, dim: int, what: str) -> None:
    """Refuse anything but a RegionSet of dimension dim."""
    if not isinstance(rs, RegionSet):
        raise RegionkitError(f"{what} takes a RegionSet, got {type(rs).__name__}")
    if rs.dim != dim:
        hint = ("use a Plane or Segment slice of the input space" if dim < 3 else
                "plot_partition_3d draws 3-D boxes")
        raise DomainError(f"{what} draws {dim}-D RegionSets; this one lives on a {rs.dim}-D "
                          f"{rs.domain!r} ({hint})")


def axis_names(rs: RegionSet) -> list[str]:
    """The names of the domain coordinates."""
    kind = str(rs.domain.to_dict()["kind"])
    if kind == "plane":
        return ["s", "t"]            # x = origin + s u + t v
    if kind == "segment":
        return ["t"]                 # x = x0 + t (x1 - x0)
    if kind == "slice":
        return [f"t{k + 1}" for k in range(rs.dim)]
    return [f"x{k + 1}" for k in range(rs.dim)] if rs.dim > 1 else ["x"]


def rasterize(artists: list[Any], count: int, flag: bool | None) -> None:
    """Rasterise dense artists: when flag is True, or flag is None and count is large."""
    on = count > RASTER_THRESHOLD if flag is None else bool(flag)
    for a in artists:
        a.set_rasterized(on)
