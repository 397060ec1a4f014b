"""Facets of every region: which inequality rows are facets, their volumes and centroids.

All later measures (region volumes, adjacency, boundary volume) read this one table, built
exactly: interval ends in 1-D, otherwise the core's cone recursion on the regions' vertex
form (regionkit.measures.vertexform).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from regionkit.core import _core
from regionkit.errors import SolverError
from regionkit.measures.vertexform import vertex_form

__all__ = ["DIVERGENCE_ATOL", "HULL_MAX_WORK", "MINKOWSKI_RTOL", "FacetTable", "facet_table",
           "hull_max_vertices"]

# A closed polytope's facet areas times their unit normals sum to zero (Minkowski). The cone
# recursion reads facets off the vertices' row incidences; where two nearly parallel rows
# (angle ~1e-9) both hold a vertex within the engine's tolerance, a facet can take vertices
# of its neighbour and the sum breaks (1e-2 of the facet areas on the regression nets;
# consistent regions stay below 1e-12 in the unit box). Past this fraction a region is
# measured from the convex hull of its vertices instead (qhull, see _mend_inconsistent).
MINKOWSKI_RTOL = 1e-9
# The recursion takes each facet's distance from the affine hull of the vertices it finds
# on the facet; where nearly parallel rows share vertices that hull can tilt while the
# facet areas, and so Minkowski's sum, stay right (a 4-D region measured 1.039 times its
# volume). The divergence theorem with the rows' own offsets, sum over facets of area x
# distance from the vertex centroid / d, then disagrees: past this fraction of the unit
# box's volume (2^d) the region is measured from its convex hull too.
DIVERGENCE_ATOL = 1e-9
# qhull's triangulation of an n-vertex d-polytope has up to ~n^(d/2) simplices: a region
# with more vertices than hull_max_vertices(d) is not re-measured that way (an 8-D region of
# 668 vertices took 66 s and 2.7 million simplices) but refused.
HULL_MAX_WORK = 128.0 ** 4
HULL_CHUNK = 1 << 13  # hull simplices measured at a time


def hull_max_vertices(d: int) -> int:
    """The most vertices a d-D region may have to be re-measured from its convex hull.

    Parameters
    ----------
    d : int
        The dimension.

    Returns
    -------
    int
        HULL_MAX_WORK ** (2 / d), rounded down: 128 vertices in 8-D, 645 in 6-D.

    Examples
    --------
    >>> hull_max_vertices(8)
    128
    """
    return int(HULL_MAX_WORK ** (2.0 / d) + 1e-9)


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
        # In unit-box coordinates u (see vertexform.unit_box), mapped back: t = centre +
        # half * u scales d-volumes by prod(half) and a facet on unit row a by
        # prod(half) / |half * a|.
        vf = vertex_form(rs)
        Au, log_norm = vf.unit_rows(vf.rows(rs.ineq_A))
        Vu = vf.unit_vertices()
        vol, fvol, fpt = _core.vertex_form_measures(vf.voff, Vu, vf.ioff, vf.inc, vf.roff, Au)
        _mend_inconsistent(vf, Vu, Au, vf.rows(rs.ineq_A) @ vf.centre, vf.rows(rs.ineq_b),
                           log_norm, vol, fvol, fpt)
        # Through logarithms: a +-1e300 box has facets of finite length but an area that
        # overflows (inf, never nan; RegionSet.volumes refuses it).
        log_scale = float(np.sum(np.log(vf.half)))
        with np.errstate(over="ignore"):
            vol = vol * np.exp(log_scale)
            fvol = np.where(fvol > 0, fvol * np.exp(log_scale - log_norm), 0.0)
        fpt = vf.centre + vf.half * fpt
        if not vf.all_rows:  # back to every region row; rows the clip dropped get 0
            pf, pc = fvol, fpt
            fvol, fpt = np.zeros(off[-1]), np.zeros((off[-1], rs.dim))
            fvol[vf.row_map], fpt[vf.row_map] = pf, pc
    return FacetTable(np.asarray(vol), fvol, fpt, row_region)


def _mend_inconsistent(vf, Vu: np.ndarray, Au: np.ndarray, a_centre: np.ndarray,
                       b: np.ndarray, log_norm: np.ndarray, vol: np.ndarray,
                       fvol: np.ndarray, fpt: np.ndarray) -> None:
    """Re-measure, in place and in unit-box coordinates, the regions whose facets break
    Minkowski's relation or the divergence theorem: volume from qhull's hull of the
    vertices (which are right: only their incidences are not), each hull facet's area and
    centroid given to the region row its vertices lie on most closely."""
    n = len(vf.voff) - 1
    reg = np.repeat(np.arange(n), np.diff(vf.roff))
    moment = np.zeros((n, Au.shape[1]))
    np.add.at(moment, reg, fvol[:, None] * Au)
    area = np.bincount(reg, weights=fvol, minlength=n)
    bu = (b - a_centre) / np.exp(log_norm)  # offsets of the unit-box rows
    d = Vu.shape[1]
    counts = np.diff(vf.voff)
    centroid = np.zeros((n, d))
    has = counts > 0
    if has.any():
        centroid[has] = np.add.reduceat(Vu, vf.voff[:-1][has], axis=0) / counts[has, None]
    height = bu - np.einsum("ij,ij->i", Au, centroid[reg])
    divergence = np.bincount(reg, weights=fvol * height, minlength=n) / d
    tilted = has & (np.abs(divergence - vol) > DIVERGENCE_ATOL * 2.0 ** d) & (d > 1)
    bad = np.flatnonzero((np.linalg.norm(moment, axis=1) > MINKOWSKI_RTOL * area) | tilted)
    if len(bad) == 0:
        return
    from scipy.spatial import ConvexHull, QhullError

    for r in bad:
        V = Vu[vf.voff[r]:vf.voff[r + 1]]
        if len(V) > hull_max_vertices(d):
            raise SolverError(
                f"volumes: region {r} ({len(V)} vertices in {d}-D) is nearly degenerate: its "
                f"facets, read from its vertices' row incidences, break Minkowski's relation "
                f"or the divergence theorem, and it has too many vertices to be measured from "
                f"its convex hull instead (qhull's triangulation grows like n^(d/2); at most "
                f"{hull_max_vertices(d)} here); the volumes are refused rather than given wrong")
        rows = np.arange(vf.roff[r], vf.roff[r + 1])
        try:
            hull = ConvexHull(V)
        except QhullError:  # a sliver qhull cannot merge: triangulate jiggled input
            try:  # (moves by ~1e-11 of the unit box, an absolute error at that level)
                hull = ConvexHull(V, qhull_options="QJ")
            except QhullError:  # flatter than qhull resolves: keep the recursion's answer
                continue
        vol[r] = hull.volume
        fvol[rows] = 0.0
        fpt[rows] = 0.0
        for lo in range(0, len(hull.simplices), HULL_CHUNK):
            # Each hull simplex's area and centroid go to the row its vertices lie on most
            # closely.
            P = V[hull.simplices[lo:lo + HULL_CHUNK]]                 # (m, d, d)
            row = rows[np.argmin(np.abs(P @ Au[rows].T - bu[rows]).max(axis=1), axis=1)]
            E = P[:, 1:] - P[:, :1]
            a = np.sqrt(np.maximum(np.linalg.det(E @ E.transpose(0, 2, 1)), 0.0)
                        ) / math.factorial(d - 1)
            np.add.at(fvol, row, a)
            np.add.at(fpt, row, a[:, None] * P.mean(axis=1))
        has = fvol[rows] > 0
        fpt[rows[has]] /= fvol[rows[has], None]
