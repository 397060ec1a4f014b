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
from regionkit.core.frontier import Frontier
from regionkit.core.geometry import Geometry
from regionkit.errors import SolverError
from regionkit.measures.vertexform import SLIVER_CLIP_RTOL, unit_box, unit_halfspaces, vertex_form

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
# _polished: a vertex's basis rows must have a pivoted-QR diagonal above this fraction of
# the first (else the vertex is kept as clipped); refinement steps, each gaining about
# 1e9 (the basis' condition number at angles of 1e-9) times the extended precision's 1e-19.
POLISH_RCOND = 1e-14
POLISH_STEPS = 3
# A polished vertex further than this from the clipped one (unit box) is not taken: a guard
# against a basis that names another point of a sliver, inside every row. Rounding moves
# crossings by 1e-16 / angle (1e-7 at 1e-9; more along chains of crossings: a bound of 1e-6
# left a fuzz case 2e-8 off); the fuzz's polishes all moved less than this.
POLISH_MAX_MOVE = 1e-4
# Exact vertex enumeration of a region that neither re-clip makes consistent gives up past
# this many vertices in flight (then qhull measures it).
EXACT_MAX_VERTICES = 2048
# Two measures of a region's volume agree within this fraction of the unit box's volume
# (_two_of_three, _ill_conditioned): on the fuzz's regions confirmed pairs agreed to 1e-18
# of it on slivers and 1e-13 on the rest; the failures were off by factors of 2 to 4 on
# slivers (1e-10 of the box) and by 2e-9 to 4e-8 of the box on the rest.
AGREE_ATOL = 1e-11
# _ill_conditioned: a region whose normal-based recursion divided by the sine of an angle
# under this (its heights then lose over 1e-16 / 1e-5 of themselves) has its volume checked
# by the general recursion.
NEAR_PARALLEL = 1e-5


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
        cond = np.ones(rs.n_regions)
        vol, fvol, fpt = _core.vertex_form_measures(vf.voff, Vu, vf.ioff, vf.inc, vf.roff, Au,
                                                    cond)
        _mend_inconsistent(rs, vf, Vu, Au, vf.centre_values(vf.rows(rs.ineq_A)),
                           vf.rows(rs.ineq_b), log_norm, vol, fvol, fpt, cond)
        # Through logarithms: a +-1e300 box has facets of finite length but an area that
        # overflows (inf, never nan; RegionSet.volumes refuses it).
        log_scale = float(np.sum(np.log(vf.half)))
        with np.errstate(over="ignore"):
            vol = vol * np.exp(log_scale)
            fvol = np.where(fvol > 0, fvol * np.exp(log_scale - log_norm), 0.0)
        fpt = (vf.centre + vf.half * fpt) + vf.centre_err
        if not vf.all_rows:  # back to every region row; rows the clip dropped get 0
            pf, pc = fvol, fpt
            fvol, fpt = np.zeros(off[-1]), np.zeros((off[-1], rs.dim))
            fvol[vf.row_map], fpt[vf.row_map] = pf, pc
    return FacetTable(np.asarray(vol), fvol, fpt, row_region)


def _inconsistent(voff: np.ndarray, roff: np.ndarray, Vu: np.ndarray, Au: np.ndarray,
                  bu: np.ndarray, vol: np.ndarray, fvol: np.ndarray) -> np.ndarray:
    """Which regions' measured facets break Minkowski's relation or the divergence theorem
    (MINKOWSKI_RTOL, DIVERGENCE_ATOL), in unit-box coordinates."""
    n, d = len(voff) - 1, Vu.shape[1]
    reg = np.repeat(np.arange(n), np.diff(roff))
    moment = np.zeros((n, d))
    np.add.at(moment, reg, fvol[:, None] * Au)
    area = np.bincount(reg, weights=fvol, minlength=n)
    counts = np.diff(voff)
    centroid = np.zeros((n, d))
    has = counts > 0
    if has.any():
        centroid[has] = np.add.reduceat(Vu, voff[:-1][has], axis=0) / counts[has, None]
    height = bu - np.einsum("ij,ij->i", Au, centroid[reg])
    divergence = np.bincount(reg, weights=fvol * height, minlength=n) / d
    tilted = has & (np.abs(divergence - vol) > DIVERGENCE_ATOL * 2.0 ** d) & (d > 1)
    return (np.linalg.norm(moment, axis=1) > MINKOWSKI_RTOL * area) | tilted


def _mend_inconsistent(rs, vf, Vu: np.ndarray, Au: np.ndarray, a_centre: np.ndarray,
                       b: np.ndarray, log_norm: np.ndarray, vol: np.ndarray,
                       fvol: np.ndarray, fpt: np.ndarray, cond: np.ndarray) -> None:
    """Re-measure, in place and in unit-box coordinates, the regions whose facets break
    Minkowski's relation or the divergence theorem.

    Such a region's vertices came from cuts whose tolerance let a vertex within it of a
    hyperplane lie on it, and from chains of edge crossings that rounding moves by
    1e-16 / (angle between nearly parallel units). The recursion measures it again, if its
    facets are then consistent, (1) from its own rows, clipped afresh out of the unit box
    with the sliver tolerance and each vertex solved again from its rows (_clip_again),
    then (2, a complete run) from every row of its pattern with its vertices enumerated in
    exact arithmetic and rounded once (RegionSet.pattern_polytope; the engine keeps only
    rows holding dim of its vertices, and a sliver can lose a bounding row that way).
    Otherwise qhull's hull of the engine's vertices measures it: each hull facet's area and
    centroid go to the region row its vertices lie on most closely.
    """
    bu = (b - a_centre) / np.exp(log_norm)  # offsets of the unit-box rows
    inconsistent = _inconsistent(vf.voff, vf.roff, Vu, Au, bu, vol, fvol)
    ill = _ill_conditioned(vf.voff, vf.ioff, vf.inc, vf.roff, Vu, vol, cond) & ~inconsistent
    bad = np.flatnonzero(inconsistent | ill)
    if len(bad) == 0:
        return
    d = Vu.shape[1]
    labels = vf.rows(rs.ineq_labels)
    def attempts(r: int, rows: np.ndarray):
        """(exact, region) to measure, in order, each computed only when reached."""
        if not ill[r]:  # an ill-conditioned region's re-clip meets the same recursion
            yield False, _clip_again(Au[rows], bu[rows])
        if rs.complete:
            yield True, _exact_polytope(rs, r, labels[rows])

    for r in bad:
        rows = np.arange(vf.roff[r], vf.roff[r + 1])
        for exact, got in attempts(r, rows):
            if got is None:
                continue
            F, W, A, bb, slot = got
            lab = F["lab"]
            c = np.ones(1)
            v, fv, fc = _core.vertex_form_measures(F["voff"], W, F["ioff"], F["inc"],
                                                   F["roff"], A[lab], c)
            if exact:
                v, fv, fc = _two_of_three(F, W, (v, fv, fc))
            if exact or not (
                    _inconsistent(F["voff"], F["roff"], W, A[lab], bb[lab], v, fv)[0]
                    or _ill_conditioned(F["voff"], F["ioff"], F["inc"], F["roff"], W, v, c)[0]):
                vol[r] = v[0]
                fvol[rows], fpt[rows] = 0.0, 0.0
                mine = slot[lab] >= 0  # facets on rows the region keeps (the others are
                fvol[rows[slot[lab][mine]]] = fv[mine]  # thinner than the tolerance)
                fpt[rows[slot[lab][mine]]] = fc[mine]
                break
        else:
            _hull_measure(Vu[vf.voff[r]:vf.voff[r + 1]], Au, bu, rows, r, d, vol, fvol, fpt)


def _ill_conditioned(voff: np.ndarray, ioff: np.ndarray, inc: np.ndarray, roff: np.ndarray,
                     Vu: np.ndarray, vol: np.ndarray, cond: np.ndarray) -> np.ndarray:
    """Regions the normal-based recursion measured dividing by the sine of an angle under
    NEAR_PARALLEL (cond: vertex_form_measures' conditioning) whose volume the general
    recursion contradicts.

    The normal-based recursion (which simple regions take) reads a face's height through
    a row's normal projected off the face's rows: for nearly parallel facets that
    projection loses 1e-16 / angle of its direction, and a 5-D region 3/8 of the box came
    out 5e-8 small while its facets stayed consistent with each other. The general
    recursion, 4 to 10 times slower, checks only those regions.
    """
    out = cond < NEAR_PARALLEL ** 2
    suspect = np.flatnonzero(out)
    if len(suspect):
        rows = np.zeros(roff[-1])
        sub = Frontier(Geometry.VERTEX, {"voff": voff, "V": Vu, "ioff": ioff, "inc": inc,
                                         "roff": roff, "A": rows[:, None], "b": rows,
                                         "lab": rows}).take(suspect).data
        general = _core.vertex_form_measures(sub["voff"], sub["V"], sub["ioff"], sub["inc"],
                                             sub["roff"])[0]
        agree = np.abs(general - vol[suspect]) <= AGREE_ATOL * 2.0 ** Vu.shape[1]
        out[suspect[agree]] = False
    return out


def _two_of_three(F: dict, U: np.ndarray, by_normals: tuple) -> tuple:
    """The measures of one region whose vertices and incidences are exact, by the recursion
    whose volume another method confirms.

    The normal-based recursion (given the rows' normals) and the general one (vertices
    only) each fail somewhere even on exact vertices: the first where nearly parallel
    facets meet (a 4-D half box 4e-8 short), the second on slivers thinner than its rank
    tests (volumes 2 to 4 times too small); qhull's hull of the vertices merges slivers'
    facets. Two agreeing (AGREE_ATOL) decide: the general recursion's measures if qhull or
    the normal-based one confirms its volume, else the normal-based one's; where no two
    agree, the normal-based one's with the median volume.
    """
    from scipy.spatial import ConvexHull, QhullError

    general = _core.vertex_form_measures(F["voff"], U, F["ioff"], F["inc"], F["roff"])
    scale = 2.0 ** U.shape[1]

    def agree(a: float, b: float) -> bool:
        return abs(a - b) <= AGREE_ATOL * scale

    g, n = float(general[0][0]), float(by_normals[0][0])
    if agree(g, n):
        return general
    try:  # the third opinion, only where the two recursions differ
        hull = ConvexHull(np.array(U)).volume
    except QhullError:
        hull = np.nan
    if agree(g, hull):
        return general
    if agree(n, hull):
        return by_normals
    return (np.array([np.nanmedian([g, n, hull])]),) + tuple(by_normals[1:])


def _exact_polytope(rs, r: int, kept: np.ndarray) -> tuple | None:
    """Region r from every row of its pattern, vertices exact and rounded once
    (RegionSet.pattern_polytope), as _clip_again gives a region, rows in unit-box
    coordinates; slot: for each row, the index among `kept` (the region's vertex-form row
    labels) of the row with its label, or -1."""
    got = rs.pattern_polytope(r, EXACT_MAX_VERTICES)
    if got is None:
        return None
    U, on, A, b, labels = got
    nv, d = U.shape
    facet = np.flatnonzero(on.sum(axis=0) >= d)  # rows holding fewer are no facets
    words = max((len(facet) + 63) // 64, 1)
    inc = np.zeros((nv, 8 * words), dtype=np.uint8)
    bits = np.packbits(on[:, facet], axis=1, bitorder="little")
    inc[:, :bits.shape[1]] = bits
    F = {"voff": np.array([0, nv]), "ioff": np.array([0, nv * words]),
         "inc": inc.view(np.uint64).reshape(-1), "roff": np.array([0, len(facet)]),
         "lab": np.arange(len(facet))}
    Au, bu = unit_halfspaces(A[facet], b[facet], *unit_box(rs.domain))
    where = {int(k): i for i, k in enumerate(kept)}
    slot = np.array([where.get(int(k), -1) for k in labels[facet]], dtype=np.int64)
    return F, U, Au, bu, slot


def _clip_again(A: np.ndarray, b: np.ndarray) -> tuple | None:
    """The polytope {A u < b} clipped out of the unit box with the sliver tolerance, and
    its vertices solved again from their rows (_polished), with its rows (each its own
    slot); None where that clip is empty or its rows do not bound it."""
    one = np.ones(A.shape[1])
    try:
        F = Frontier.clip_many(Geometry.VERTEX, -one, one, A, b, np.array([0, len(b)]),
                               SLIVER_CLIP_RTOL, 0.0).data
    except SolverError:  # thinner than even that tolerance
        return None
    if np.any(F["lab"] < 0):  # a side of the padded box
        return None
    return F, _polished(F["V"], F["inc"], A, b, F["lab"]), A, b, np.arange(len(b))


def _polished(V: np.ndarray, inc: np.ndarray, A: np.ndarray, b: np.ndarray,
              lab: np.ndarray) -> np.ndarray:
    """Each vertex solved again from dim independent rows it lies on (incidence bits over
    rows A[lab]), refined with residuals in extended precision.

    A vertex made by crossing edges inherits its ends' rounding, magnified by 1 / angle
    where nearly parallel rows meet (1e-7 of the unit box at angles of 1e-9, and 1e-8 of
    the box in volume sums); solving from its own rows leaves 1e-16 times the basis'
    condition number, and extended-precision residuals reduce that. A solve that would
    leave the vertex further outside the rows than before is not taken.
    """
    from scipy.linalg import qr

    n, d = V.shape
    words = len(inc) // max(n, 1)
    bits = np.unpackbits(inc.view(np.uint8).reshape(n, words * 8), axis=1,
                         bitorder="little")[:, :len(lab)].astype(bool)
    out = V.copy()
    Al, bl = A.astype(np.longdouble), b.astype(np.longdouble)
    for i in range(n):
        on = lab[np.flatnonzero(bits[i])]
        if len(on) < d:
            continue
        _, R, piv = qr(A[on].T, pivoting=True, mode="economic")
        if abs(R[d - 1, d - 1]) <= POLISH_RCOND * abs(R[0, 0]):
            continue
        basis = on[piv[:d]]
        x = V[i].astype(np.longdouble)
        for _ in range(POLISH_STEPS):
            residual = (bl[basis] - Al[basis] @ x).astype(np.float64)
            x = x + np.linalg.solve(A[basis], residual).astype(np.longdouble)
        moved = x.astype(np.float64)
        if (np.max(np.abs(moved - V[i])) <= POLISH_MAX_MOVE
                and np.max(Al @ x - bl) <= max(float(np.max(Al @ V[i] - bl)), SLIVER_CLIP_RTOL)):
            out[i] = moved
    return out


def _hull_measure(V: np.ndarray, Au: np.ndarray, bu: np.ndarray, rows: np.ndarray, r: int,
                  d: int, vol: np.ndarray, fvol: np.ndarray, fpt: np.ndarray) -> None:
    """Measure region r from qhull's convex hull of its vertices V (unit-box coordinates)."""
    from scipy.spatial import ConvexHull, QhullError

    if len(V) > hull_max_vertices(d):
        raise SolverError(
            f"volumes: region {r} ({len(V)} vertices in {d}-D) is nearly degenerate: its "
            f"facets, read from its vertices' row incidences, break Minkowski's relation "
            f"or the divergence theorem, and it has too many vertices to be measured from "
            f"its convex hull instead (qhull's triangulation grows like n^(d/2); at most "
            f"{hull_max_vertices(d)} here); the volumes are refused rather than given wrong")
    # qhull is given a copy: option Qbb rescales its input array in place (scipy 1.17).
    V = np.array(V)
    try:
        hull = ConvexHull(V)
    except QhullError:  # a sliver qhull cannot merge: triangulate jiggled input
        try:  # (moves by ~1e-11 of the unit box, an absolute error at that level)
            hull = ConvexHull(V, qhull_options="QJ")
        except QhullError:  # flatter than qhull resolves: keep the recursion's answer
            return
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
