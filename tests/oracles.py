"""Independent reference methods and known-answer constructions for the engine tests.

Nothing here calls regionkit's engine, its RegionSet or its compiled core (regionkit is
used only to build Network inputs): networks and domains are read as plain data (weights,
biases, each activation's table -- breakpoints, slopes, offsets -- or maxout pieces; a
domain's inequalities ``A t < b`` and its map ``x = origin + basis @ t``). Linear programs
are solved by scipy's HiGHS, exact ones with fractions.Fraction.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from math import comb

import numpy as np
from scipy.optimize import linprog
from scipy.spatial import ConvexHull, HalfspaceIntersection

from regionkit import Maxout, Network

# A candidate region exists when its Chebyshev radius exceeds MARGIN and does not exist when
# the (signed) radius is below -MARGIN; anything in between is too close to call robustly.
MARGIN = 1e-6


class AmbiguousOracle(Exception):
    """The brute force met a region whose radius is within MARGIN of zero: change the seed."""


# --- forward passes ----------------------------------------------------------------------------

def _layers(net):
    return zip(net.weights, net.biases, net.activations)


def _table_values(act, z: np.ndarray) -> np.ndarray:
    """A table evaluated as its first piece plus one hinge per breakpoint (continuity makes
    this the table): s_0 z + o_0 + sum_j (s_j - s_(j-1)) max(z - c_j, 0)."""
    s = act.slopes
    out = s[0] * z + act.offsets[0]
    for j, c in enumerate(act.breakpoints, start=1):
        out = out + (s[j] - s[j - 1]) * np.maximum(z - c, 0.0)
    return out


def _q(v) -> Fraction:
    """The exact rational value of an int or a float."""
    return Fraction(v) if isinstance(v, (int, Fraction)) else Fraction(float(v))


def layer_values(net, X: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(z, h, piece) of every layer for inputs X (n, n_in), by a forward pass written from
    the spec: pre-activations z, outputs h, and the piece each unit is on -- breakpoints
    exceeded (z > c) for a table, the first maximal piece for maxout."""
    h = np.atleast_2d(np.asarray(X, dtype=np.float64))
    out = []
    for W, b, act in _layers(net):
        z = h @ W.T + b
        if isinstance(act, Maxout):
            groups = z.reshape(len(z), -1, act.pieces)
            piece = np.argmax(groups == groups.max(axis=2, keepdims=True), axis=2)
            h = groups.max(axis=2)
        else:
            piece = (z[:, :, None] > np.asarray(act.breakpoints)).sum(axis=2)
            h = _table_values(act, z)
        out.append((z, h, piece))
    return out


def forward_pattern(net, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(patterns, outputs) of inputs X (n, n_in) by a forward pass written from the spec.

    Bits: one per breakpoint c of a unit's table (z > c: ReLU z > 0, hard tanh z > -1 and
    z > 1), one per maxout piece (set for the first maximal piece).
    """
    values = layer_values(net, X)
    bits = []
    for act, (_, _, piece) in zip(net.activations, values):
        if isinstance(act, Maxout):
            bit = np.arange(act.pieces) == piece[:, :, None]
        else:
            bit = np.arange(len(act.breakpoints)) < piece[:, :, None]
        bits.append(bit.reshape(len(piece), -1))
    n = values[-1][1].shape[0]
    pattern = np.concatenate(bits, axis=1) if bits else np.zeros((n, 0), dtype=bool)
    return pattern, values[-1][1]


def exact_pattern(net, domain, t) -> tuple[bool, ...]:
    """Pattern at domain point t in exact rational arithmetic (t and every weight converted
    exactly): a unit identically at its threshold is off, as the convention says, whereas
    a float forward pass may round it either way."""
    h = [sum((_q(u) * _q(ti) for u, ti in zip(row, t)), _q(o))
         for row, o in zip(domain.basis, domain.origin)]
    bits: list[bool] = []
    for W, b, act in _layers(net):
        z = [sum((_q(w) * v for w, v in zip(row, h)), _q(bj)) for row, bj in zip(W, b)]
        c = [_q(v) for v in act.breakpoints]
        s, o = [_q(v) for v in act.slopes], [_q(v) for v in act.offsets]
        unit_bits = [[v > cj for cj in c] for v in z]
        bits += [bit for ub in unit_bits for bit in ub]
        h = [s[sum(ub)] * v + o[sum(ub)] for v, ub in zip(z, unit_bits)]
    return tuple(bits)


# --- brute force over sign patterns ------------------------------------------------------------

def chebyshev_lp(A: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, float]:
    """HiGHS: max s subject to a_i.x + s ||a_i|| <= b_i; (centre, signed radius s)."""
    k = A.shape[1]
    norms = np.linalg.norm(A, axis=1)
    res = linprog(np.r_[np.zeros(k), -1.0], A_ub=np.hstack([A, norms[:, None]]), b_ub=b,
                  bounds=[(None, None)] * (k + 1), method="highs")
    assert res.status == 0, res.message
    return res.x[:k], float(res.x[k])


@dataclass
class OracleRegion:
    """One activation region found by brute force, in domain coordinates t."""

    pattern: tuple[bool, ...]
    A: np.ndarray  # A t < b
    b: np.ndarray
    center: np.ndarray
    radius: float
    out_M: np.ndarray  # network output = out_M @ t + out_m on the region
    out_m: np.ndarray


def _layer_hyperplanes(W, bias, act, M, m):
    """(a, c, magnitude) of each hyperplane value a.t + c of a layer whose input is M t + m,
    one per unit and breakpoint b of its table (z - b), and the layer's pre-activation map
    (P, q). Magnitude bounds the terms summed in c."""
    P, q = W @ M, W @ m + bias
    mag = np.abs(W) @ (np.abs(M).sum(axis=1) + np.abs(m)) + np.abs(bias)
    return ([(P[j], q[j] - b, mag[j] + abs(b)) for j in range(len(q))
             for b in act.breakpoints], P, q)


def _post_activation(act, P, q, bits):
    """The layer output map (M, m) on a piece with the given layer bits: each unit's piece
    is its number of set bits."""
    k = len(act.breakpoints)
    piece = np.array(bits, dtype=int).reshape(len(q), k).sum(axis=1)
    s, o = np.asarray(act.slopes)[piece], np.asarray(act.offsets)[piece]
    return s[:, None] * P, s * q + o


def brute_force_regions(net, domain) -> dict[tuple[bool, ...], OracleRegion]:
    """Every full-dimensional activation region of `net` on `domain`, by sign patterns.

    A depth-first search fixes one hyperplane bit at a time (bit 1: value > 0; bit 0: the
    interior of value <= 0) and keeps a partial pattern only if its polyhedron has a
    Chebyshev radius above MARGIN (HiGHS). A hyperplane identically zero on the domain
    coordinates (zero gradient) is decided by its constant alone. Raises AmbiguousOracle
    when a candidate's radius lies within MARGIN of zero.
    """
    layers = list(_layers(net))
    found: dict[tuple[bool, ...], OracleRegion] = {}
    x0, r0 = chebyshev_lp(domain.A, domain.b)
    assert r0 > MARGIN

    def decide(A, b):
        x, s = chebyshev_lp(A, b)
        if abs(s) <= MARGIN:
            raise AmbiguousOracle(f"candidate region with Chebyshev radius {s:.3g}")
        return (x, s) if s > 0 else None

    def visit_layer(li, M, m, A, b, x, s, bits):
        if li == len(layers):
            found[tuple(bits)] = OracleRegion(tuple(bits), A, b, x, s, M, m)
            return
        W, bias, act = layers[li]
        if isinstance(act, Maxout):
            visit_maxout(li, W @ M, W @ m + bias, act.pieces, 0, A, b, x, s, bits, [])
            return
        planes, P, q = _layer_hyperplanes(W, bias, act, M, m)

        def visit_plane(j, A, b, x, s, layer_bits):
            if j == len(planes):
                M2, m2 = _post_activation(act, P, q, layer_bits)
                visit_layer(li + 1, M2, m2, A, b, x, s, bits + layer_bits)
                return
            a, c, mag = planes[j]
            norm = float(np.linalg.norm(a))
            if norm <= 1e-12 * mag:  # constant c on the whole domain; |c| <= 1e-12 mag is 0
                visit_plane(j + 1, A, b, x, s, layer_bits + [bool(c > 1e-12 * mag)])
                return
            dist = (a @ x + c) / norm
            for bit in (True, False):
                row, rhs = (-a, c) if bit else (a, -c)
                A2, b2 = np.vstack([A, row]), np.r_[b, rhs]
                if (dist > 0) == bit and abs(dist) >= s:
                    child = (x, s)  # the parent's Chebyshev ball lies on this side
                else:
                    child = decide(A2, b2)
                if child is not None:
                    visit_plane(j + 1, A2, b2, child[0], child[1], layer_bits + [bit])

        visit_plane(0, A, b, x, s, [])

    def visit_maxout(li, P, q, k, u, A, b, x, s, bits, winners):
        """Unit u's argmax cells: piece a wins where P_a > P_j for every other piece j
        (a piece identical to a lower-index one never wins; to a higher one, ties to a)."""
        if u * k == len(q):
            rows = np.arange(len(winners)) * k + np.array(winners, dtype=int)
            visit_layer(li + 1, P[rows], q[rows], A, b, x, s, bits)
            return
        for a in range(k):
            ia, rows, rhs, ok = u * k + a, [], [], True
            for j in range(k):
                ij = u * k + j
                if j == a:
                    continue
                if np.array_equal(P[ij], P[ia]) and q[ij] == q[ia]:
                    ok = ok and j > a
                    continue
                mag = np.abs(P[ij]).sum() + np.abs(P[ia]).sum() + abs(q[ij]) + abs(q[ia])
                if np.abs(P[ij] - P[ia]).sum() <= 1e-12 * mag:  # constant difference
                    ok = ok and q[ia] - q[ij] > 1e-12 * mag
                    continue
                rows.append(P[ij] - P[ia])
                rhs.append(q[ia] - q[ij])
            if not ok:
                continue
            A2, b2 = (np.vstack([A] + rows), np.r_[b, rhs]) if rows else (A, b)
            child = decide(A2, b2) if rows else (x, s)
            if child is not None:
                onehot = [j == a for j in range(k)]
                visit_maxout(li, P, q, k, u + 1, A2, b2, child[0], child[1], bits + onehot,
                             winners + [a])

    visit_layer(0, domain.basis, domain.origin, domain.A, domain.b, x0, r0, [])
    return found


# --- faces of the brute-force regions ----------------------------------------------------------

# Vertices of one region lie on a row when |a.v - b| <= FACE_TOL (|a| + |b|); two faces found
# from different regions are one when their centroids are within FACE_TOL.
FACE_TOL = 1e-7


def _region_faces(A: np.ndarray, b: np.ndarray, center: np.ndarray):
    """(dimension, centroid) of every face of the closure of the polytope {A t < b} (d <= 3):
    vertices by scipy's half-space intersection, facets as rows whose vertices span a
    hyperplane, and every other face as an intersection of facets."""
    d = A.shape[1]
    if d == 1:
        a = A[:, 0]
        lo, hi = np.max(b[a < 0] / a[a < 0]), np.min(b[a > 0] / a[a > 0])
        return [(1, np.array([(lo + hi) / 2])), (0, np.array([lo])), (0, np.array([hi]))]
    V = HalfspaceIntersection(np.hstack([A, -b[:, None]]), center).intersections
    keep = [i for i in range(len(V))
            if not any(np.abs(V[i] - V[j]).max() <= FACE_TOL for j in range(i))]
    V = V[keep]
    on = np.abs(V @ A.T - b) <= FACE_TOL * (np.abs(A).sum(axis=1) + np.abs(b))

    def rank(vs: frozenset) -> int:
        P = V[sorted(vs)]
        return int(np.linalg.matrix_rank(P - P.mean(axis=0), tol=FACE_TOL)) if len(P) > 1 else 0

    facets = {frozenset(np.flatnonzero(on[:, j])) for j in range(len(b))}
    faces = {f for f in facets if len(f) >= d and rank(f) == d - 1}
    layer = set(faces)
    while layer:  # intersections of faces with facets: the lower-dimensional faces
        layer = {f & g for f in layer for g in faces if f & g and f & g != f} - faces
        faces |= layer
    faces |= {frozenset([i]) for i in range(len(V))}
    out = [(d, V.mean(axis=0))]
    out += [(rank(f), V[sorted(f)].mean(axis=0)) for f in faces]
    return out


def brute_force_faces(regions: dict[tuple[bool, ...], OracleRegion], domain) -> np.ndarray:
    """f-vector (f_0, ..., f_d) of the faces inside the open domain (d <= 3) of the complex of
    the regions brute_force_regions found: each region's faces from its own inequalities,
    matched across regions by their centroids, those in the domain's boundary dropped."""
    d = domain.dim
    found: list[tuple[int, np.ndarray]] = []
    for region in regions.values():
        found += _region_faces(region.A, region.b, region.center)
    scale = np.abs(domain.A).sum(axis=1) + np.abs(domain.b)
    f = np.zeros(d + 1, dtype=np.int64)
    for k in range(d + 1):
        pts = np.array([c for dim, c in found if dim == k]).reshape(-1, d)
        inside = np.all(domain.b - pts @ domain.A.T > FACE_TOL * scale, axis=1)
        pts = pts[inside]
        near = np.abs(pts[:, None, :] - pts[None, :, :]).max(axis=2) <= FACE_TOL
        f[k] = int(sum(not near[i, :i].any() for i in range(len(pts))))
    return f


# --- volumes and adjacency of the brute-force regions ------------------------------------------

def region_volume(region: OracleRegion) -> float:
    """d-volume of a brute-force region: an interval's length in 1-D, Qhull above."""
    if region.A.shape[1] == 1:
        return float(np.ptp(_vertices(region)))
    return halfspace_volume(region.A, region.b, region.center)


def _vertices(region: OracleRegion) -> np.ndarray:
    """Vertices of a bounded region's closure (Qhull; the two ends in 1-D)."""
    A, b = region.A, region.b
    if A.shape[1] == 1:
        a = A[:, 0]
        return np.array([[np.max(b[a < 0] / a[a < 0])], [np.min(b[a > 0] / a[a > 0])]])
    return HalfspaceIntersection(np.hstack([A, -b[:, None]]), region.center).intersections


# Closures meeting a hyperplane in a set of lower dimension (regions diagonal across a vertex
# or an edge) give a Chebyshev radius of 0 up to rounding in the hyperplane: at most TOUCH.
TOUCH = 1e-10


@dataclass
class SharedFacet:
    """The (d-1)-face two brute-force regions share: its (d-1)-volume (a point counts 1)
    and its vertices (k, d)."""

    volume: float
    vertices: np.ndarray


def _shared_facet(A: np.ndarray, b: np.ndarray, a: np.ndarray, c: float) -> SharedFacet | None:
    """{A t <= b} on the hyperplane a.t = c (d <= 3), or None when that set is not
    (d-1)-dimensional. In orthonormal coordinates y of the hyperplane it is {C y <= e}, of
    Chebyshev radius s: none when |s| <= TOUCH or s < 0, AmbiguousOracle when TOUCH < |s|
    <= MARGIN. Rows parallel to the hyperplane are decided by e alone (e >= -FACE_TOL
    scale: the hyperplane itself or a row beyond it)."""
    norm = float(np.linalg.norm(a))
    n, d = a / norm, A.shape[1]
    N = np.linalg.svd(n[None, :])[2][1:].T  # (d, d-1), orthonormal, orthogonal to n
    t0 = n * (c / norm)
    C, e = A @ N, b - A @ t0
    scale = np.abs(A).sum(axis=1) + np.abs(b)
    flat = np.linalg.norm(C, axis=1) <= 1e-12 * np.linalg.norm(A, axis=1)
    if np.any(e[flat] < -FACE_TOL * scale[flat]):
        return None
    C, e = C[~flat], e[~flat]
    if d == 1:
        return SharedFacet(1.0, t0[None, :])
    x, s = chebyshev_lp(C, e)
    if abs(s) <= TOUCH:  # the closures only touch: a vertex or an edge, not a facet
        return None
    if abs(s) <= MARGIN:
        raise AmbiguousOracle(f"shared facet with Chebyshev radius {s:.3g}")
    if s < 0:
        return None
    if d == 2:
        c0 = C[:, 0]
        Y = np.array([[np.max(e[c0 < 0] / c0[c0 < 0])], [np.min(e[c0 > 0] / c0[c0 > 0])]])
        volume = float(Y[1, 0] - Y[0, 0])
    else:
        Y = HalfspaceIntersection(np.hstack([C, -e[:, None]]), x).intersections
        volume = float(ConvexHull(Y).volume)
    return SharedFacet(volume, t0 + Y @ N.T)


def brute_force_adjacency(regions: dict[tuple[bool, ...], OracleRegion], domain
                          ) -> dict[frozenset, SharedFacet]:
    """Pairs of brute-force regions whose closures share a (d-1)-face inside the open domain
    (d <= 3), each with that face (its (d-1)-volume, 1 for a point in 1-D, and vertices).

    A facet shared by two regions lies on a hyperplane that bounds both, from opposite
    sides. Across a unit of layer l two neighbours agree on every earlier layer, so
    brute_force_regions wrote that hyperplane as exactly opposite rows (a, c) and (-a, -c)
    of the two: candidates are regions with opposite copies of one row (domain rows
    excluded), each with at least d vertices on it, whose boxes around those vertices
    meet. A candidate pair is adjacent iff both closures meet the hyperplane in a
    (d-1)-dimensional set (_shared_facet, HiGHS). Keys are frozensets of the two patterns.
    """
    keys = list(regions)
    d, skip = domain.dim, len(domain.b)
    planes: dict[tuple[float, ...], list[tuple[int, int, np.ndarray]]] = {}
    for i, key in enumerate(keys):
        V = _vertices(regions[key])
        for a, c in zip(regions[key].A[skip:], regions[key].b[skip:]):
            on = V[np.abs(V @ a - c) <= FACE_TOL * (np.abs(a).sum() + abs(c))]
            if len(on) < d:  # no facet on this hyperplane
                continue
            side = 1 if a[np.flatnonzero(a)[0]] > 0 else -1
            box = np.array([on.min(axis=0), on.max(axis=0)])
            planes.setdefault(tuple(side * a) + (side * c,), []).append((i, side, box))
    found: dict[frozenset, SharedFacet] = {}
    for plane, members in planes.items():
        for i, side_i, box_i in members:
            for j, side_j, box_j in members:
                if side_i < 0 or side_j > 0 or np.any(box_i[0] > box_j[1] + FACE_TOL) \
                        or np.any(box_j[0] > box_i[1] + FACE_TOL):
                    continue
                ri, rj = regions[keys[i]], regions[keys[j]]
                facet = _shared_facet(np.vstack([ri.A, rj.A]), np.r_[ri.b, rj.b],
                                      np.asarray(plane[:-1]), plane[-1])
                if facet is not None:
                    found[frozenset((keys[i], keys[j]))] = facet
    return found


def _components(n: int, edges: list[tuple[int, int]]) -> np.ndarray:
    """Component label of each of n nodes of a graph (union-find)."""
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in edges:
        parent[root(i)] = root(j)
    return np.array([root(i) for i in range(n)])


def brute_force_betti(regions: dict[tuple[bool, ...], OracleRegion],
                      adjacency: dict[frozenset, SharedFacet], domain, level: float,
                      output: int = 0) -> tuple[int, ...]:
    """Betti numbers (b0, and b1 in 2-D) of U = {F > level} in the open domain (d <= 2),
    F the network's output `output`, from the brute-force regions and their adjacency.

    F is affine on each region, so its extremes on a closed region or facet are at
    vertices. U meets region i iff F > level at a vertex of it; the pieces of two regions
    join iff F > level somewhere on their shared facet (pieces meeting at a point p inside
    the domain also join through the facets around p). In 2-D, b1(U) is the number of
    components of the closed complement K = {F <= level} that stay off the domain's
    boundary (Alexander duality in the open square); pieces of K join across facets where
    F < level somewhere, and reach the boundary at a vertex there with F <= level. Assumes
    generic levels: F = level at no vertex.
    """
    keys = list(regions)
    index = {key: i for i, key in enumerate(keys)}

    def f(i: int, V: np.ndarray) -> np.ndarray:  # F on points V of region i's closure
        return V @ regions[keys[i]].out_M[output] + regions[keys[i]].out_m[output]

    verts = [_vertices(regions[key]) for key in keys]
    F = [f(i, V) for i, V in enumerate(verts)]
    pairs = [(index[p], index[q], f(index[p], facet.vertices))
             for (p, q), facet in ((tuple(e), facet) for e, facet in adjacency.items())]
    up = np.array([v.max() > level for v in F])
    labels = _components(len(keys), [(i, j) for i, j, v in pairs if v.max() > level])
    b0 = len(set(labels[up]))
    if domain.dim == 1:
        return (b0,)
    down = np.array([v.min() < level for v in F])
    labels = _components(len(keys), [(i, j) for i, j, v in pairs if v.min() < level])
    scale = np.abs(domain.A).sum(axis=1) + np.abs(domain.b)
    border = {labels[i] for i in np.flatnonzero(down)
              if np.any(F[i][np.any(np.abs(verts[i] @ domain.A.T - domain.b)
                                    <= FACE_TOL * scale, axis=1)] <= level)}
    return (b0, len(set(labels[down]) - border))


# --- exact rational enumeration in 1-D and 2-D -----------------------------------------------

def _clip(poly, vals, keep_positive: bool):
    """The part of a polygon (or, with two vertices, an interval) where the hyperplane value
    is >= 0 (keep_positive) or <= 0, in exact arithmetic."""
    sign = 1 if keep_positive else -1
    if len(poly[0]) == 1:
        pts = [p for p, f in zip(poly, vals) if sign * f >= 0]
        f0, f1 = vals
        pts.append(tuple(a + f0 / (f0 - f1) * (b - a) for a, b in zip(*poly)))
        return [min(pts), max(pts)]
    out = []
    for i, p in enumerate(poly):
        q, fp, fq = poly[(i + 1) % len(poly)], sign * vals[i], sign * vals[(i + 1) % len(poly)]
        if fp >= 0:
            out.append(p)
        if fp * fq < 0:
            s = fp / (fp - fq)
            out.append(tuple(a + s * (b - a) for a, b in zip(p, q)))
    return out


def _exact_domain(domain) -> list[tuple[Fraction, ...]]:
    """Vertices of a 1-D or 2-D domain {A t < b}: its padded bounding box clipped exactly
    by every row."""
    lo, hi = [_q(v - 1) for v in domain.lo], [_q(v + 1) for v in domain.hi]
    poly = ([(lo[0],), (hi[0],)] if domain.dim == 1 else
            [(lo[0], lo[1]), (hi[0], lo[1]), (hi[0], hi[1]), (lo[0], hi[1])])
    for a, b in zip(domain.A, domain.b):
        vals = [sum(_q(ai) * vi for ai, vi in zip(a, v)) - _q(b) for v in poly]
        if max(vals) > 0 > min(vals):
            poly = _clip(poly, vals, keep_positive=False)
    return poly


def exact_regions(net, domain) -> dict[tuple[bool, ...], list[tuple[Fraction, ...]]]:
    """Activation regions of a network on a 1-D or 2-D domain, computed in exact rational
    arithmetic (every float weight and domain coefficient is converted exactly).

    Layer by layer, each region is split by each hyperplane whose value takes both strict
    signs on its vertices; a hyperplane that is >= 0 with a positive value is on (bit 1),
    otherwise off (bit 0) -- so touching, identically zero, duplicate and concurrent
    hyperplanes are decided exactly. Returns pattern -> vertices (counter-clockwise in 2-D).
    """
    d = domain.dim
    M0 = [[_q(v) for v in row] for row in domain.basis]
    regions = [(_exact_domain(domain), M0, [_q(v) for v in domain.origin], ())]
    for W, bias, act in _layers(net):
        W = [[_q(w) for w in row] for row in W]
        bias = [_q(v) for v in bias]
        shifts = [-_q(c) for c in act.breakpoints]
        out = []
        for poly, M, m, bits in regions:
            P = [[sum(w * M[k][t] for k, w in enumerate(row)) for t in range(d)] for row in W]
            q = [sum(w * m[k] for k, w in enumerate(row)) + b for row, b in zip(W, bias)]
            pieces = [(poly, ())]
            for j in range(len(q)):
                for shift in shifts:
                    nxt = []
                    for piece, pb in pieces:
                        vals = [sum(P[j][t] * v[t] for t in range(d)) + q[j] + shift
                                for v in piece]
                        if max(vals) > 0 > min(vals):
                            nxt += [(_clip(piece, vals, True), pb + (True,)),
                                    (_clip(piece, vals, False), pb + (False,))]
                        else:
                            nxt.append((piece, pb + (max(vals) > 0,)))
                    pieces = nxt
            for piece, pb in pieces:
                out.append((piece, *_exact_post_activation(act, P, q, pb), bits + pb))
        regions = out
    return {bits: poly for poly, _, _, bits in regions}


def _exact_post_activation(act, P, q, bits):
    """Layer output map (M, m) on a piece with the given layer bits, in rationals: each
    unit's piece is its number of set bits."""
    k = len(act.breakpoints)
    s, o = [_q(v) for v in act.slopes], [_q(v) for v in act.offsets]
    piece = [sum(bits[j * k:(j + 1) * k]) for j in range(len(q))]
    return ([[s[i] * v for v in row] for row, i in zip(P, piece)],
            [s[i] * v + o[i] for v, i in zip(q, piece)])


def exact_area(poly) -> Fraction:
    """Shoelace area of a counter-clockwise rational polygon (length of an interval)."""
    if len(poly[0]) == 1:
        return poly[1][0] - poly[0][0]
    n = len(poly)
    return sum(poly[i][0] * poly[(i + 1) % n][1] - poly[(i + 1) % n][0] * poly[i][1]
               for i in range(n)) / 2


def halfspace_box_volume(a, t, lo, hi) -> Fraction:
    """Exact volume of {x in the box [lo, hi] : a . x <= t} for floats a (no zero entry).

    The closed form for the unit cube with positive a, vol = sum over corners v of
    (-1)^|v| (t - a . v)_+^d / (d! prod a), in rationals: x = lo + (hi - lo) y maps the box
    onto it, and y_i -> 1 - y_i turns a negative a_i positive.
    """
    a = [_q(v) for v in a]
    lo, hi = [_q(v) for v in lo], [_q(v) for v in hi]
    w = [top - bottom for bottom, top in zip(lo, hi)]
    c = [ai * wi for ai, wi in zip(a, w)]  # a . x = a . lo + c . y
    t = _q(t) - sum(ai * li for ai, li in zip(a, lo))
    for i, ci in enumerate(c):
        if ci < 0:  # y_i -> 1 - y_i
            t -= ci
            c[i] = -ci
    d = len(c)
    total = Fraction(0)
    for corner in itertools.product((0, 1), repeat=d):
        r = t - sum(ci for ci, k in zip(c, corner) if k)
        if r > 0:
            total += (-1) ** sum(corner) * r ** d
    prod_c, prod_w = Fraction(1), Fraction(1)
    for ci, wi in zip(c, w):
        prod_c *= ci
        prod_w *= wi
    return total / (math.factorial(d) * prod_c) * prod_w


# --- test networks -----------------------------------------------------------------------------

def gaussian_net(arch, activations=None, seed=0, bias_scale=0.5) -> Network:
    """Network with N(0,1)/sqrt(fan_in) weights and N(0, bias_scale^2) biases (generic)."""
    rng = np.random.default_rng(seed)
    Ws = [rng.normal(size=(o, i)) / np.sqrt(i) for i, o in zip(arch[:-1], arch[1:])]
    bs = [bias_scale * rng.normal(size=o) for o in arch[1:]]
    return Network.from_arrays(Ws, bs, activations)


# --- hyperplane arrangements -------------------------------------------------------------------

def zaslavsky_general_position(n: int, d: int) -> int:
    """Regions of n affine hyperplanes in general position in R^d."""
    return sum(comb(n, i) for i in range(d + 1))


def arrangement_vertices(W: np.ndarray, c: np.ndarray) -> np.ndarray:
    """All points where d of the hyperplanes W x + c = 0 meet (general position)."""
    d = W.shape[1]
    pts = [np.linalg.solve(W[list(S)], -c[list(S)])
           for S in itertools.combinations(range(len(c)), d)]
    return np.array(pts)


def line_regions_in_box(W: np.ndarray, c: np.ndarray, lo, hi) -> int:
    """Regions cut from the open rectangle (lo, hi) by lines W x + c = 0, by geometry.

    Euler: 1 + #lines crossing the open rectangle + #crossings inside it. Asserts general
    position there: no crossing within 1e-9 of the boundary, no three lines concurrent.
    """
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    corners = np.array([[lo[0], lo[1]], [hi[0], lo[1]], [hi[0], hi[1]], [lo[0], hi[1]]])
    vals = corners @ W.T + c
    crossing = (vals.max(axis=0) > 1e-9) & (vals.min(axis=0) < -1e-9)
    points = []
    for i, j in itertools.combinations(range(len(c)), 2):
        p = np.linalg.solve(W[[i, j]], -c[[i, j]])
        gap = min(np.min(p - lo), np.min(hi - p))
        assert abs(gap) > 1e-9, "crossing on the rectangle's boundary"
        if gap > 0:
            points.append(p)
    points = np.array(points).reshape(-1, 2)
    for i, p in enumerate(points):
        assert np.all(np.linalg.norm(points[i + 1:] - p, axis=1) > 1e-9), "concurrent lines"
    return 1 + int(crossing.sum()) + len(points)


def flat_meets_open_box(W: np.ndarray, c: np.ndarray, lo, hi) -> bool:
    """Does {W x + c = 0} meet the open box? HiGHS: max s with lo + s <= x <= hi - s."""
    d = len(lo)
    A_ub = np.vstack([np.hstack([-np.eye(d), np.ones((d, 1))]),
                      np.hstack([np.eye(d), np.ones((d, 1))])])
    b_ub = np.r_[-np.asarray(lo, float), np.asarray(hi, float)]
    res = linprog(np.r_[np.zeros(d), -1.0], A_ub=A_ub, b_ub=b_ub,
                  A_eq=np.hstack([W, np.zeros((len(c), 1))]), b_eq=-c,
                  bounds=[(None, None)] * (d + 1), method="highs")
    if res.status == 2:
        return False
    assert res.status == 0, res.message
    assert abs(res.x[-1]) > MARGIN, "flat nearly tangent to the box"
    return res.x[-1] > 0


def general_position_regions_in_box(W: np.ndarray, c: np.ndarray, lo, hi) -> int:
    """Regions of a general-position arrangement in an open box: sum over j <= d of the
    number of j-subsets whose flat meets the box (Zaslavsky), by one LP per subset."""
    d = W.shape[1]
    total = 1
    for j in range(1, d + 1):
        for S in itertools.combinations(range(len(c)), j):
            total += flat_meets_open_box(W[list(S)], c[list(S)], lo, hi)
    return total


def difference_arrangement(n: int, offsets) -> tuple[np.ndarray, np.ndarray]:
    """Hyperplanes x_i - x_j = k (i < j, k in offsets) as rows of W x + c = 0."""
    rows, consts = [], []
    for i, j in itertools.combinations(range(n), 2):
        for k in offsets:
            w = np.zeros(n)
            w[i], w[j] = 1.0, -1.0
            rows.append(w)
            consts.append(-float(k))
    return np.array(rows), np.array(consts)


def one_layer_net(W: np.ndarray, c: np.ndarray) -> Network:
    """The arrangement W x + c = 0 as a ReLU layer with unit output weights."""
    return Network.from_arrays([W, np.ones((1, len(c)))], [c, np.zeros(1)])


# --- Telgarsky sawtooth --------------------------------------------------------------------------

def sawtooth_net(k: int) -> Network:
    """t^k with t(x) = 2 relu(x) - 4 relu(x - 1/2): k hidden layers of (relu(y), relu(y-1/2)),
    the combination 2 h1 - 4 h2 folded into the next layer's weights."""
    first = np.array([[1.0], [1.0]])
    folded = np.array([[2.0, -4.0], [2.0, -4.0]])
    half = np.array([0.0, -0.5])
    Ws = [first] + [folded] * (k - 1) + [np.array([[2.0, -4.0]])]
    bs = [half] * k + [np.zeros(1)]
    return Network.from_arrays(Ws, bs)


def tent_power(x: np.ndarray, k: int) -> np.ndarray:
    """t^k(x) by direct iteration of the tent map 1 - |2x - 1|."""
    for _ in range(k):
        x = 1.0 - np.abs(2.0 * x - 1.0)
    return x


# --- exact linear programming ------------------------------------------------------------------

def _solve_exact(A: list[list[Fraction]], b: list[Fraction]) -> list[Fraction] | None:
    """Gauss-Jordan over the rationals; None if singular."""
    d = len(A)
    M = [row[:] + [rhs] for row, rhs in zip(A, b)]
    for col in range(d):
        piv = next((r for r in range(col, d) if M[r][col] != 0), None)
        if piv is None:
            return None
        M[col], M[piv] = M[piv], M[col]
        for r in range(d):
            if r != col and M[r][col] != 0:
                f = M[r][col] / M[col][col]
                M[r] = [x - f * y for x, y in zip(M[r], M[col])]
    return [M[i][d] / M[i][i] for i in range(d)]


def exact_lp_min(A, b, c) -> Fraction:
    """min c.x over the bounded polytope A x <= b (integers), by exact vertex enumeration."""
    A = [[Fraction(v) for v in row] for row in A]
    b = [Fraction(v) for v in b]
    c = [Fraction(v) for v in c]
    d = len(c)
    best = None
    for S in itertools.combinations(range(len(b)), d):
        x = _solve_exact([A[i] for i in S], [b[i] for i in S])
        if x is None or any(sum(a * v for a, v in zip(row, x)) > rhs for row, rhs in zip(A, b)):
            continue
        val = sum(ci * xi for ci, xi in zip(c, x))
        best = val if best is None else min(best, val)
    assert best is not None, "no vertex: the polytope is empty or unbounded"
    return best


# --- geometry ------------------------------------------------------------------------------------

def shoelace_area(P: np.ndarray) -> float:
    """Signed area of a polygon (positive when counter-clockwise)."""
    x, y = P[:, 0], P[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


def halfspace_volume(A: np.ndarray, b: np.ndarray, inside: np.ndarray) -> float:
    """Volume of the bounded polytope {A x < b} (dimension >= 2) around an interior point,
    by scipy's half-space intersection and Qhull."""
    return float(ConvexHull(HalfspaceIntersection(np.hstack([A, -b[:, None]]),
                                                  inside).intersections).volume)
