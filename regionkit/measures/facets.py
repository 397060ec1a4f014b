"""Facets of every region: which inequality rows are facets, their volumes and centroids.

All later measures (region volumes, adjacency, boundary volume) read this one table, built
exactly: interval ends in 1-D, otherwise the core's cone recursion on the regions' vertex
form (regionkit.measures.vertexform).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from regionkit.core import _core
from regionkit.measures.vertexform import vertex_form

__all__ = ["FacetTable", "facet_table"]


@dataclass(frozen=True)
class FacetTable:
    """Region volumes, and facet data per inequality row (aligned with ``rs.ineq_*``).

    Parameters
    ----------
    region_volume : numpy.ndarray, shape (n_regions,)
        Volume of each region.
    facet_volume : numpy.ndarray, shape (n_rows,)
        (d-1)-volume of each row's facet; 0 where the row is not a facet (or repeats one).
    facet_point : numpy.ndarray, shape (n_rows, dim)
        A relative-interior point of each facet.
    row_region : numpy.ndarray, shape (n_rows,)
        The region each row belongs to.
    """

    region_volume: np.ndarray   # (n_regions,)
    facet_volume: np.ndarray    # (n_rows,), 0 where the row is not a facet (or repeats one)
    facet_point: np.ndarray     # (n_rows, dim), a relative-interior point of the facet
    row_region: np.ndarray      # (n_rows,), the region each row belongs to


def facet_table(rs) -> FacetTable:
    """The facet table of a RegionSet, built once and kept in its measure cache.

    Parameters
    ----------
    rs : RegionSet
        An enumeration (complete or not).

    Returns
    -------
    FacetTable
        Exact region volumes and facet volumes and points.

    Examples
    --------
    >>> import regionkit as rk
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
    ...                              [[0, 0, 0.5], [0]])
    >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    >>> from regionkit.measures.facets import facet_table
    >>> ft = facet_table(rs)
    >>> float(ft.region_volume.sum()), int((ft.facet_volume > 0).sum())
    (4.0, 28)
    """
    return rs.measure_cache.get("facet_table", lambda: _facet_table(rs))


def _facet_table(rs) -> FacetTable:
    off = rs.ineq_offsets
    row_region = np.repeat(np.arange(rs.n_regions), np.diff(off))
    if rs.kind.is_interval:
        vol = rs.vertices[1::2, 0] - rs.vertices[0::2, 0]
        fvol = np.ones(len(row_region))
        fpt = rs.vertices.copy()
    else:
        vf = vertex_form(rs)
        vol, fvol, fpt = _core.vertex_form_measures(vf.voff, vf.V, vf.ioff, vf.inc, vf.roff,
                                                    vf.rows(rs.ineq_A))
        if not vf.all_rows:  # back to every region row; rows the clip dropped get 0
            pf, pc = fvol, fpt
            fvol, fpt = np.zeros(off[-1]), np.zeros((off[-1], rs.dim))
            fvol[vf.row_map], fpt[vf.row_map] = pf, pc
    return FacetTable(np.asarray(vol), fvol, fpt, row_region)
