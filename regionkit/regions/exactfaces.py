"""Faces of the region complex in exact rational arithmetic, for small elementwise nets.

The float path (regionkit.measures.faces) reads each region's faces off its float vertex
form; a region thinner than the tolerance can have a degenerate one (a 3-D slab between two
planes that never meet in the box, clipped to a wedge), and the faces found then do not
form a partition. Here every region's closure is rebuilt exactly: its rows
(RationalNet.rows), its facets (rational.facets, exact LPs), its vertices (every d facets
whose rows meet in one point that satisfies every row), the rows each vertex lies on, and
its faces (the nonempty intersections of facets' vertex sets, each face's dimension an
exact rank). A face's sign vector is 0 on the hyperplanes whose rows hold all its vertices
and the region's side elsewhere, as in the float path; faces on the domain's boundary are
left out. Face volumes and points are floats computed from the exact vertices.

The cost grows with the number of d-subsets of each region's facets, so faces() takes this
path only for runs within EXACT_FACES_MAX_WORK.
"""
from __future__ import annotations

import math
from itertools import combinations

import numpy as np

from regionkit.measures.faces import Faces
from regionkit.regions.rational import (
    RationalNet,
    Row,
    _dot,
    _rank,
    _solve,
    facets,
    interior_point,
    q,
)

__all__ = ["EXACT_FACES_MAX_WORK", "exact_faces", "exact_faces_work"]

# The most d-subsets of rows (summed over the regions) an exact face listing may take on:
# about 0.5 ms each in Python rationals (exact LPs for the facets included), so ~20 s.
EXACT_FACES_MAX_WORK = 40_000


def exact_faces_work(rs) -> int:
    """An upper estimate of the exact solves exact_faces needs.

    Parameters
    ----------
    rs : RegionSet
        The enumeration.

    Returns
    -------
    int
        The number of d-subsets of each region's rows, summed over the regions.
    """
    counts = np.diff(rs.ineq_offsets) if rs.ineq_offsets is not None else np.zeros(0, int)
    return int(sum(math.comb(int(c), rs.dim) for c in counts))


def exact_faces(rs) -> Faces:
    """Every face of the complex inside the open domain, found in exact arithmetic.

    Parameters
    ----------
    rs : RegionSet
        A complete enumeration of an elementwise net (every hyperplane is one row of each
        region).

    Returns
    -------
    Faces
        One entry per distinct face: its dimension, its volume and a relative-interior
        point (floats from the exact vertices).

    Examples
    --------
    >>> import regionkit as rk
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
    ...                              [[0, 0, 0.5], [0]])
    >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    >>> exact_faces(rs).f_vector(2)
    array([3, 9, 7])
    """
    ex = RationalNet(rs.network, rs.domain)
    n_h = rs.network.n_hyperplanes
    seen: dict[tuple[int, ...], tuple[int, float, np.ndarray]] = {}
    for bits, point in zip(rs.pattern_bits(), rs.interior_points):
        rows, _ = ex.rows([bool(x) for x in bits])
        inside, _ = interior_point(rows, [[q(x) for x in point]])
        if inside is None:  # not genuine: certify() reports it; it has no faces here
            continue
        for key, dim, verts in _region_faces(rows, inside, bits, n_h):
            if key not in seen:
                seen[key] = (dim, *_measure(verts, dim))
    if not seen:
        return Faces(np.zeros(0, np.int64), np.zeros(0), np.zeros((0, rs.dim)))
    dims, vols, pts = zip(*seen.values())
    return Faces(np.array(dims, np.int64), np.array(vols), np.array(pts))


def _region_faces(rows: list[Row], inside: list, bits: np.ndarray, n_h: int):
    """(sign vector, dimension, exact vertices) of every face of one region's closure that
    lies in the open domain."""
    d = len(inside)
    facet_rows = [f.rows[0] for f in facets(rows, inside)]
    found: dict[tuple, None] = {}  # the vertices, each once, in the order found
    for S in combinations(facet_rows, d):
        t = _solve([list(rows[i].a) for i in S], [-rows[i].c for i in S])
        if t is not None and all(_dot(r.a, t) + r.c <= 0 for r in rows):
            found[tuple(t)] = None
    verts = list(found)
    tight = [frozenset(i for i, r in enumerate(rows) if _dot(r.a, t) + r.c == 0)
             for t in verts]
    every = frozenset(range(len(verts)))
    faces = {every}
    facet_sets = [f for f in (frozenset(v for v in every if i in tight[v])
                              for i in facet_rows) if f]
    frontier = facet_sets
    while frontier:  # every proper face is an intersection of facets
        new = []
        for f in frontier:
            if f not in faces:
                faces.add(f)
                new.extend(h for h in (f & g for g in facet_sets) if h and h != f)
        frontier = new
    side = np.where(np.asarray(bits[:n_h], bool), 1, -1)
    for F in faces:
        held = frozenset.intersection(*(tight[v] for v in F))
        if any(rows[i].label < 0 for i in held):
            continue  # on the domain's boundary
        sign = side.copy()
        sign[[rows[i].label for i in held]] = 0
        pts = [verts[v] for v in sorted(F)]
        yield tuple(sign.tolist()), _rank([[a - b for a, b in zip(p, pts[0])]
                                           for p in pts[1:]]), pts


def _measure(verts: list[tuple], dim: int) -> tuple[float, np.ndarray]:
    """A face's dim-volume and centroid, in floats, from its exact vertices."""
    P = np.array([[float(x) for x in v] for v in verts])
    centre = P.mean(axis=0)
    if dim == 0:
        return 1.0, centre
    if dim == 1:
        return float(np.max(np.linalg.norm(P - P[0], axis=1))), centre
    # coordinates in an orthonormal basis of the face's affine hull
    _, _, Vt = np.linalg.svd(P - centre)
    local = (P - centre) @ Vt[:dim].T
    from scipy.spatial import ConvexHull, QhullError

    try:
        return float(ConvexHull(local).volume), centre
    except QhullError:  # flatter than floats resolve
        return 0.0, centre
