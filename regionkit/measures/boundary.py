"""Exact Euclidean distance from points to the boundary of an enumerated region complex.

kind="activation": the union of every facet shared by two activation regions (the edges of
regionkit.measures.graph.adjacency); kind="linear": only the facets across which the affine map
changes (Hanin & Rolnick's B_N). Distances are in the domain's own coordinates (t-space).

A shared facet is taken from the lower-index region i of each edge (i, j): its rows with
positive facet volume whose label is one of the hyperplanes that flip across the edge and
whose facet point lies on the closure of j. 1-D boundaries are breakpoints (numpy);
otherwise the core computes point-to-facet distances by the face-lattice recursion on the
vertex form (regionkit.measures.vertexform), pruning facets by their hyperplane distance.

The distance from a point to the boundary of its own activation region, computed from the
network alone, is regionkit.measures.distance.distance_to_region_boundary.
"""
from __future__ import annotations

import numpy as np

from regionkit.core import _core
from regionkit.errors import PointsError, RegionkitError
from regionkit.measures.facets import facet_table
from regionkit.measures.graph import adjacency
from regionkit.measures.vertexform import vertex_form

__all__ = ["KINDS", "boundary_rows", "distance_to_boundary", "distance_to_complex_boundary"]

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
    # The complex is known only inside the closed domain: outside it the network's hyperplanes
    # go on, so a distance to the enumerated facets would not be the distance to the nearest
    # activation boundary. Points on the domain's boundary (within the enumeration's relative
    # tolerance of each domain row) are inside.
    dom = rs.domain
    slack = dom.b - X @ dom.A.T
    out = np.any(slack < -rs.tol.rtol * (np.abs(dom.b) + np.abs(dom.A) @ dom.box_radius),
                 axis=1)
    if np.any(out):
        i = int(np.flatnonzero(out)[0])
        raise PointsError(f"{int(out.sum())} point(s) lie outside the domain (first: row {i}, "
                          f"{X[i].tolist()}); the complex's boundary is known only inside "
                          "it. For the distance to a point's own activation region boundary "
                          "anywhere, use rk.distance_to_region_boundary(net, X)")
    return X


def boundary_rows(rs, kind: str = "activation") -> np.ndarray:
    """One inequality row per facet of the complex's boundary of the given kind.

    Parameters
    ----------
    rs : RegionSet
        A complete enumeration.
    kind : {"activation", "linear"}
        "activation": every facet shared by two activation regions; "linear": only those
        across which the affine map changes.

    Returns
    -------
    numpy.ndarray of int64
        Indices into ``rs.ineq_*``, one row per boundary facet, taken from the lower-index
        region of each adjacent pair.

    Raises
    ------
    RegionkitError
        If `kind` is unknown or the enumeration stopped early.

    Examples
    --------
    >>> import regionkit as rk
    >>> from regionkit.measures.boundary import boundary_rows
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
    ...                              [[0, 0, 0.5], [0]])
    >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    >>> len(boundary_rows(rs, "activation")), len(boundary_rows(rs, "linear"))
    (9, 6)
    """
    if kind not in KINDS:
        raise RegionkitError(f"kind must be 'activation' or 'linear', got {kind!r}")
    rs.require_complete("the complex's boundary")
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


def distance_to_complex_boundary(rs, points, kind: str = "activation") -> np.ndarray:
    """Exact distance from each point to the boundary of an enumerated region complex.

    Parameters
    ----------
    rs : RegionSet
        A complete enumeration.
    points : array_like, shape (n, dim)
        Points of the closed domain, in its own coordinates (t-space).
    kind : {"activation", "linear"}
        "activation": the union of every facet shared by two activation regions; "linear":
        only the facets across which the affine map changes (Hanin & Rolnick's B_N).

    Returns
    -------
    numpy.ndarray, shape (n,)
        Euclidean distance in domain coordinates; +inf when that boundary is empty (a
        single region).

    Raises
    ------
    PointsError
        If the points are not a finite (n, dim) array, or one lies outside the closed
        domain (outside it the network's hyperplanes go on past the enumerated facets).
    RegionkitError
        If `kind` is unknown or the enumeration stopped early.

    See Also
    --------
    regionkit.measures.distance.distance_to_region_boundary : distance from a point to the
        boundary of its own activation region, from the network alone.

    Examples
    --------
    >>> import regionkit as rk
    >>> from regionkit.measures.boundary import distance_to_complex_boundary
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
    ...                              [[0, 0, 0.5], [0]])
    >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    >>> distance_to_complex_boundary(rs, [[-0.5, 0.5]], "activation").round(4)
    array([0.3536])
    >>> distance_to_complex_boundary(rs, [[-0.5, 0.5]], "linear")
    array([0.5])
    """
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


def distance_to_boundary(rs, points, kind: str = "activation") -> np.ndarray:
    """Alias of distance_to_complex_boundary, kept for compatibility.

    Parameters
    ----------
    rs : RegionSet
        A complete enumeration.
    points : array_like, shape (n, dim)
        Points in the domain's own coordinates.
    kind : {"activation", "linear"}
        Which boundary.

    Returns
    -------
    numpy.ndarray, shape (n,)
        distance_to_complex_boundary(rs, points, kind).
    """
    return distance_to_complex_boundary(rs, points, kind)
