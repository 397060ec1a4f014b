"""Exact Euclidean distance from points to the boundary between regions of a RegionSet.

kind="activation": the union of every facet shared by two activation regions (the edges of
regionkit.measures.graph.adjacency); kind="linear": only the facets across which the affine map
changes (Hanin & Rolnick's B_N). Distances are in the domain's own coordinates (t-space).

A shared facet is taken from the lower-index region i of each edge (i, j): its rows with
positive facet volume whose label is one of the hyperplanes that flip across the edge and
whose facet point lies on the closure of j. 1-D boundaries are breakpoints (numpy);
otherwise the core computes point-to-facet distances by the face-lattice recursion on the
vertex form (regionkit.measures.vertexform), pruning facets by their hyperplane distance.
"""
from __future__ import annotations

import numpy as np

from regionkit.core import _core
from regionkit.errors import PointsError, RegionkitError
from regionkit.measures.facets import facet_table
from regionkit.measures.graph import adjacency
from regionkit.measures.vertexform import vertex_form

KINDS = ("activation", "linear")


def _check_points(rs, points) -> np.ndarray:
    try:
        X = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise PointsError(f"points must be a numeric (n, {rs.dim}) array: {exc}") from None
    if X.ndim != 2 or X.shape[1] != rs.dim:
        raise PointsError(f"points must have shape (n, {rs.dim}) (domain coordinates), "
                          f"got {X.shape}")
    if not np.all(np.isfinite(X)):
        raise PointsError("points must be finite")
    return X


def boundary_rows(rs, kind: str = "activation") -> np.ndarray:
    """Indices into rs.ineq_* of one row per boundary facet of the given kind."""
    if kind not in KINDS:
        raise RegionkitError(f"kind must be 'activation' or 'linear', got {kind!r}")
    if not rs.complete:
        raise RegionkitError("distance_to_boundary needs a complete enumeration (this run "
                             f"stopped early: {rs.stop_reason})")
    g = adjacency(rs)
    ft = facet_table(rs)
    edges = np.arange(len(g.i)) if kind == "activation" else np.flatnonzero(g.map_changes)
    off = rs.ineq_offsets
    picked = []
    for e in edges:
        i, j = int(g.i[e]), int(g.j[e])
        flips = g.flip_index[g.flip_offsets[e]:g.flip_offsets[e + 1]]
        rows = np.arange(off[i], off[i + 1])
        rows = rows[(ft.facet_volume[rows] > 0) & np.isin(rs.ineq_labels[rows], flips)]
        if len(rows) > 1:  # keep the rows whose facet lies on j's closure
            Aj, bj = rs.ineq_A[off[j]:off[j + 1]], rs.ineq_b[off[j]:off[j + 1]]
            P = ft.facet_point[rows]
            scale = 1.0 + np.abs(P).max(axis=1) + np.abs(bj).max()
            on_j = ((P @ Aj.T - bj).max(axis=1) <= 1e-7 * scale)
            if on_j.any():
                rows = rows[on_j]
        picked.append(rows)
    return np.concatenate(picked).astype(np.int64) if picked else np.zeros(0, np.int64)


def distance_to_boundary(rs, points, kind: str = "activation") -> np.ndarray:
    """Exact distance from each point (n, dim; domain coordinates) to the boundary of the
    given kind; +inf when that boundary is empty (a single region)."""
    X = _check_points(rs, points)
    rows = boundary_rows(rs, kind)
    if len(X) == 0:
        return np.zeros(0)
    if len(rows) == 0:
        return np.full(len(X), np.inf)
    if rs.kind.is_interval:
        pts = np.unique(facet_table(rs).facet_point[rows, 0])
        return np.abs(X[:, :1] - pts[None, :]).min(axis=1)
    vf = vertex_form(rs)
    local = np.full(rs.ineq_offsets[-1], -1, dtype=np.int64)
    local[vf.row_map] = np.arange(len(vf.row_map))
    region = facet_table(rs).row_region[rows]
    vrow = local[rows]
    if np.any(vrow < 0):
        raise RegionkitError("a boundary facet has no row in the vertex form")
    return _core.vertex_form_facet_distances(
        vf.voff, vf.V, vf.ioff, vf.inc, vf.roff, region, vrow - vf.roff[region],
        rs.ineq_A[rows], rs.ineq_b[rows], X)
