"""Exact 2-D geometry of a partition: region polygons, boundaries, and the pieces and segments
of the decision boundaries.

Each region's output map is affine, so the level set {F = t} and the ties {F_i = F_j} are
straight inside it: a region is split into its class pieces by clipping its polygon with
half-planes, and each boundary is the chord of a line through a polygon. Nothing is sampled.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from regionkit.errors import PointsError, RegionkitError
from regionkit.measures.vertexform import vertex_form
from regionkit.plot._axes import require_dim
from regionkit.regions.regionset import RegionSet

__all__ = ["GEOMETRY_RTOL", "class_boundaries", "class_functions", "class_pieces",
           "clip_halfplane", "domain_coordinates", "linear_boundaries", "polygon_area",
           "region_polygons"]

# A vertex whose value a . t - b is within GEOMETRY_RTOL x (|a| max|t| + |b|) of 0 lies on
# the line; a piece with area under GEOMETRY_RTOL x its region's area is a sliver and dropped.
GEOMETRY_RTOL = 1e-9


def region_polygons(rs: RegionSet) -> list[np.ndarray]:
    """Vertices of every region of a 2-D RegionSet, counter-clockwise.

    Parameters
    ----------
    rs : RegionSet
        A 2-D enumeration (2-D engine, or LP form: each region is clipped to its corners).

    Returns
    -------
    list of numpy.ndarray
        One (n_vertices, 2) array per region, in domain coordinates.

    Raises
    ------
    RegionkitError
        If rs is not a RegionSet.
    DomainError
        If it is not 2-D.

    Examples
    --------
    >>> import regionkit as rk
    >>> from regionkit import plot
    >>> plt = plot.pyplot("Agg")
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
    ...                              [[0, 0, 0.5], [0]])
    >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    >>> polys = plot.region_polygons(rs)
    >>> len(polys), polys[0].tolist()
    (7, [[1.0, 0.0], [1.0, 1.0], [0.5, 1.0], [0.0, 0.5], [0.0, 0.0]])
    """
    require_dim(rs, 2, "region_polygons")
    if rs.kind.cyclic_vertices:
        return np.split(rs.vertices, rs.vertex_offsets[1:-1])
    vf = vertex_form(rs)    # LP-form runs: clip each region, then order its (convex) corners
    polys = []
    for r in range(rs.n_regions):
        P = vf.V[vf.voff[r]:vf.voff[r + 1]]
        d = P - P.mean(axis=0)
        polys.append(P[np.argsort(np.arctan2(d[:, 1], d[:, 0]))])
    return polys


def _row_segment(P: np.ndarray, a: np.ndarray, b: float) -> np.ndarray:
    """The side of convex polygon P on the line a . t = b: its extreme vertices on it."""
    res = np.abs(P @ a - b)
    scale = 1e-9 * (1.0 + np.abs(P).max())
    on = P[res <= max(10.0 * np.partition(res, 1)[1], scale)]
    s = on @ np.array([-a[1], a[0]])
    return np.stack([on[np.argmin(s)], on[np.argmax(s)]])


def linear_boundaries(rs: RegionSet, polys: list[np.ndarray] | None = None) -> np.ndarray:
    """Segments of a 2-D complex where the affine map changes, and of the domain's boundary.

    Parameters
    ----------
    rs : RegionSet
        A complete 2-D enumeration.
    polys : list of numpy.ndarray, optional
        region_polygons(rs), if already computed.

    Returns
    -------
    numpy.ndarray, shape (m, 2, 2)
        One segment per pair of adjacent activation regions with different maps, then the
        sides of the domain's boundary.

    Raises
    ------
    RegionkitError
        If the enumeration stopped early or rs is not a RegionSet.
    DomainError
        If it is not 2-D.

    Examples
    --------
    >>> import regionkit as rk
    >>> from regionkit import plot
    >>> plt = plot.pyplot("Agg")
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
    ...                              [[0, 0, 0.5], [0]])
    >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    >>> plot.linear_boundaries(rs).shape
    (16, 2, 2)
    """
    from regionkit.measures.facets import facet_table

    polys = region_polygons(rs) if polys is None else polys
    g = rs.adjacency()
    fvol = facet_table(rs).facet_volume
    rows = []
    for e in np.flatnonzero(g.map_changes):
        # The shared side lies on a hyperplane that flips across it: region i's row there.
        a, b = rs.ineq_offsets[g.i[e]], rs.ineq_offsets[g.i[e] + 1]
        flips = g.flip_index[g.flip_offsets[e]:g.flip_offsets[e + 1]]
        cand = np.flatnonzero(np.isin(rs.ineq_labels[a:b], flips) & (fvol[a:b] > 0))
        if len(cand):
            rows.append(a + cand[np.argmax(fvol[a:b][cand])])
    rows.extend(np.flatnonzero((rs.ineq_labels < 0) & (fvol > 0)).tolist())
    region_of = np.repeat(np.arange(rs.n_regions), np.diff(rs.ineq_offsets))
    segs = [_row_segment(polys[region_of[r]], rs.ineq_A[r], rs.ineq_b[r]) for r in rows]
    return np.array(segs).reshape(-1, 2, 2)


def domain_coordinates(domain: Any, x: Any) -> np.ndarray:
    """Domain coordinates of network inputs, by orthogonal projection onto the domain's span.

    Parameters
    ----------
    domain : Domain
        The domain.
    x : array_like, shape (n, n_in) or (n_in,)
        Network inputs.

    Returns
    -------
    numpy.ndarray, shape (n, dim)
        Least-squares coordinates on the domain's basis (exact for points on its span).

    Raises
    ------
    PointsError
        If the points are not a finite (n, input_dim) array.

    Examples
    --------
    >>> import regionkit as rk
    >>> from regionkit.plot import domain_coordinates
    >>> plane = rk.Plane([0, 0, 0], [1, 0, 0], [0, 1, 0])
    >>> domain_coordinates(plane, [[0.5, 0.25, 3.0]]).tolist()
    [[0.5, 0.25]]
    """
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))
    if x.ndim != 2 or x.shape[1] != domain.input_dim or not np.all(np.isfinite(x)):
        raise PointsError(f"points must be a finite (n, {domain.input_dim}) array of network "
                          f"inputs, got shape {x.shape}")
    t, *_ = np.linalg.lstsq(domain.basis, (x - domain.origin).T, rcond=None)
    return t.T


def polygon_area(P: np.ndarray) -> float:
    """Area of a simple polygon (shoelace formula).

    Parameters
    ----------
    P : numpy.ndarray, shape (n, 2)
        Its vertices in order.

    Returns
    -------
    float
        The area (0 for fewer than three vertices).

    Examples
    --------
    >>> from regionkit.plot import polygon_area
    >>> polygon_area([[0, 0], [2, 0], [2, 1], [0, 1]])
    2.0
    """
    P = np.asarray(P, dtype=np.float64)
    if len(P) < 3:
        return 0.0
    x, y = P[:, 0], P[:, 1]
    return float(0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def _on_line_tol(P: np.ndarray, a: np.ndarray, b: float) -> float:
    return GEOMETRY_RTOL * (float(np.linalg.norm(a)) * float(np.abs(P).max(initial=0.0))
                            + abs(b) + 1e-300)


def clip_halfplane(P: np.ndarray, a: Any, b: float) -> np.ndarray:
    """The part of a convex polygon where a . t <= b (Sutherland-Hodgman, one half-plane).

    Parameters
    ----------
    P : numpy.ndarray, shape (n, 2)
        A convex polygon, counter-clockwise.
    a : array_like, shape (2,)
        The half-plane's normal.
    b : float
        Its offset.

    Returns
    -------
    numpy.ndarray, shape (m, 2)
        The clipped polygon, counter-clockwise (m = 0 when nothing of positive width is
        left); vertices within GEOMETRY_RTOL of the line count as on it.

    Examples
    --------
    >>> from regionkit.plot import clip_halfplane
    >>> clip_halfplane([[0, 0], [2, 0], [2, 2], [0, 2]], [1, 0], 1.0).tolist()
    [[0.0, 0.0], [1.0, 0.0], [1.0, 2.0], [0.0, 2.0]]
    """
    P = np.asarray(P, dtype=np.float64)
    a = np.asarray(a, dtype=np.float64)
    s = P @ a - b
    eps = _on_line_tol(P, a, b)
    if np.all(s <= eps):
        return P
    if np.all(s >= -eps):
        return P[:0]
    out = []
    for k in range(len(P)):
        q = (k + 1) % len(P)
        if s[k] <= eps:
            out.append(P[k])
        if (s[k] < -eps and s[q] > eps) or (s[k] > eps and s[q] < -eps):
            out.append(P[k] + (s[k] / (s[k] - s[q])) * (P[q] - P[k]))
    return np.array(out)


def class_functions(rs: RegionSet, output: int | None = None, level: float = 0.0
                    ) -> tuple[np.ndarray, np.ndarray]:
    """The affine functions G_c whose argmax is the class, on every region.

    With one output, or a given `output`, the classes are {F_output <= level} (class 0) and
    {F_output > level} (class 1): G = (level, F_output). With several outputs and no
    `output`, class c is argmax_c F_c: G = F. Ties go to the lower class, as numpy.argmax.

    Parameters
    ----------
    rs : RegionSet
        A complete 2-D enumeration (its output maps).
    output : int, optional
        The output whose level set splits the classes (default: every output, argmax).
    level : float, default 0.0
        The level t of {F = t}.

    Returns
    -------
    A : numpy.ndarray, shape (n_regions, n_classes, 2)
        Gradients: G_c(t) = A[r, c] . t + c[r, c] on region r.
    c : numpy.ndarray, shape (n_regions, n_classes)
        Offsets.

    Raises
    ------
    RegionkitError
        If the run is incomplete, `output` is not an output index or `level` is not finite.

    Examples
    --------
    >>> import regionkit as rk
    >>> from regionkit import plot
    >>> net = rk.Network.from_arrays([[[1, 0]], [[2]]], [[0], [0]])
    >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    >>> A, c = plot.class_functions(rs, level=0.5)
    >>> A.shape, sorted(A[:, 1, 0].tolist()), c[0].tolist()
    ((2, 2, 2), [0.0, 2.0], [0.5, 0.0])
    """
    rs.require_complete("class functions")
    n_out = rs.network.n_out
    if output is not None and not (isinstance(output, (int, np.integer))
                                   and 0 <= output < n_out):
        raise RegionkitError(f"output must be in 0..{n_out - 1}, got {output!r}")
    if not np.isfinite(level):
        raise RegionkitError(f"level must be a finite number, got {level!r}")
    if output is None and n_out > 1:
        return rs.output_M.copy(), rs.output_m.copy()
    k = 0 if output is None else int(output)
    A = np.stack([np.zeros_like(rs.output_M[:, k]), rs.output_M[:, k]], axis=1)
    c = np.stack([np.full(rs.n_regions, float(level)), rs.output_m[:, k]], axis=1)
    return A, c


def _class_piece(P: np.ndarray, A: np.ndarray, c: np.ndarray, cls: int) -> np.ndarray:
    """Where class cls wins on polygon P: G_j <= G_cls for every j (ties to the lower)."""
    Q = P
    for j in range(len(c)):
        if j == cls or len(Q) < 3:
            continue
        a, b = A[j] - A[cls], c[cls] - c[j]
        if j < cls and np.all(np.abs(Q @ a - b) <= _on_line_tol(Q, a, b)):
            return P[:0]         # G_j = G_cls on the whole piece: it is j's
        Q = clip_halfplane(Q, a, b)
    return Q


def class_pieces(rs: RegionSet, output: int | None = None, level: float = 0.0,
                 polys: list[np.ndarray] | None = None
                 ) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Every region cut exactly into its class pieces (see class_functions).

    Parameters
    ----------
    rs : RegionSet
        A complete 2-D enumeration.
    output : int, optional
        Split by the level set of this output (default: argmax over several outputs, or the
        level set of the only one).
    level : float, default 0.0
        The level.
    polys : list of numpy.ndarray, optional
        region_polygons(rs), if already computed.

    Returns
    -------
    pieces : list of numpy.ndarray
        Counter-clockwise polygons (n_i, 2); together they tile the domain.
    region : numpy.ndarray of int
        The region of each piece.
    cls : numpy.ndarray of int
        Its class.

    Raises
    ------
    RegionkitError
        If the run is incomplete or `output` or `level` is invalid.
    DomainError
        If rs is not 2-D.

    Examples
    --------
    >>> import regionkit as rk
    >>> from regionkit import plot
    >>> net = rk.Network.from_arrays([[[1, 0]], [[2]]], [[0], [0]])
    >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    >>> pieces, region, cls = plot.class_pieces(rs, level=0.5)
    >>> cls.tolist(), [plot.polygon_area(p) for p in pieces]
    ([0, 1, 0], [0.5, 1.5, 2.0])
    """
    require_dim(rs, 2, "class_pieces")
    A, c = class_functions(rs, output, level)
    polys = region_polygons(rs) if polys is None else polys
    pieces, region, cls = [], [], []
    for r, P in enumerate(polys):
        floor = GEOMETRY_RTOL * polygon_area(P)
        for k in range(c.shape[1]):
            Q = _class_piece(P, A[r], c[r], k)
            if polygon_area(Q) > floor:
                pieces.append(Q)
                region.append(r)
                cls.append(k)
    return pieces, np.array(region, dtype=np.int64), np.array(cls, dtype=np.int64)


def _chord(Q: np.ndarray, a: np.ndarray, b: float) -> np.ndarray | None:
    """The segment where the line a . t = b crosses convex polygon Q, or None."""
    s = Q @ a - b
    eps = _on_line_tol(Q, a, b)
    if np.all(np.abs(s) <= eps):
        return None              # the line holds the whole polygon: no chord
    pts = [Q[np.abs(s) <= eps]]
    q = np.roll(np.arange(len(Q)), -1)
    cross = np.flatnonzero(((s < -eps) & (s[q] > eps)) | ((s > eps) & (s[q] < -eps)))
    w = s[cross] / (s[cross] - s[q[cross]])
    pts.append(Q[cross] + w[:, None] * (Q[q[cross]] - Q[cross]))
    pts = np.concatenate(pts)
    if len(pts) < 2:
        return None
    along = pts @ np.array([-a[1], a[0]])
    seg = pts[[np.argmin(along), np.argmax(along)]]
    if np.linalg.norm(seg[1] - seg[0]) <= GEOMETRY_RTOL * (np.abs(Q).max() + 1e-300):
        return None
    return seg


def class_boundaries(rs: RegionSet, output: int | None = None, level: float = 0.0,
                     polys: list[np.ndarray] | None = None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The decision boundary {F = level}, or the class boundaries {F_i = F_j = max F}, exactly.

    In each region the boundary between classes i and j is the chord of the line
    G_i = G_j through the part of the region where both beat every other class. A chord
    along a region's edge is found from both regions beside it.

    Parameters
    ----------
    rs : RegionSet
        A complete 2-D enumeration.
    output : int, optional
        Draw the level set of this output (default: as class_pieces).
    level : float, default 0.0
        The level.
    polys : list of numpy.ndarray, optional
        region_polygons(rs), if already computed.

    Returns
    -------
    segments : numpy.ndarray, shape (m, 2, 2)
        The segments.
    region : numpy.ndarray of int, shape (m,)
        The region each lies in.
    pairs : numpy.ndarray of int, shape (m, 2)
        The two classes it separates.

    Raises
    ------
    RegionkitError
        If the run is incomplete or `output` or `level` is invalid.
    DomainError
        If rs is not 2-D.

    Examples
    --------
    >>> import regionkit as rk
    >>> from regionkit import plot
    >>> net = rk.Network.from_arrays([[[1, 0]], [[2]]], [[0], [0]])
    >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    >>> segs, region, pairs = plot.class_boundaries(rs, level=0.5)
    >>> segs.round(6).tolist(), pairs.tolist()
    ([[[0.25, 1.0], [0.25, -1.0]]], [[0, 1]])
    """
    require_dim(rs, 2, "class_boundaries")
    A, c = class_functions(rs, output, level)
    polys = region_polygons(rs) if polys is None else polys
    k = c.shape[1]
    segs, region, pairs = [], [], []
    for r, P in enumerate(polys):
        for i in range(k):
            for j in range(i + 1, k):
                Q = P
                for o in range(k):
                    if o not in (i, j) and len(Q) >= 3:
                        Q = clip_halfplane(Q, A[r, o] - A[r, i], c[r, i] - c[r, o])
                seg = None if len(Q) < 3 else _chord(Q, A[r, i] - A[r, j], c[r, j] - c[r, i])
                if seg is not None:
                    segs.append(seg)
                    region.append(r)
                    pairs.append((i, j))
    return (np.array(segs).reshape(-1, 2, 2), np.array(region, dtype=np.int64),
            np.array(pairs, dtype=np.int64).reshape(-1, 2))
