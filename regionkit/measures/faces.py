"""Faces of the region complex: f-vector and Hanin & Rolnick's codimension-k strata.

A face of the complex is identified by the ternary sign vector (-, 0, +) of every network
hyperplane at a relative-interior point: points with one sign vector share one local affine
map and form one relatively open convex cell, so equal vectors mean the same face whichever
region it was seen from. Each region's faces come from the core (vertex form, cone recursion
volumes); faces on the domain's boundary are told apart by the domain rows that vanish there.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from regionkit.core import _core
from regionkit.measures.signs import region_signs
from regionkit.measures.vertexform import vertex_form


@dataclass(frozen=True)
class Faces:
    """Distinct faces of the complex that lie inside the open domain."""

    dim: np.ndarray      # dimension of each face
    volume: np.ndarray   # its dim-volume (1 for vertices)
    point: np.ndarray    # a relative-interior point (domain coordinates)

    def f_vector(self, d: int) -> np.ndarray:
        """Number of faces of each dimension 0..d inside the open domain."""
        return np.bincount(self.dim, minlength=d + 1)

    def strata(self, d: int) -> np.ndarray:
        """Total (d-k)-volume of the codimension-k faces, k = 0..d (k = d: vertex count)."""
        return np.array([self.volume[self.dim == d - k].sum() for k in range(d + 1)])


@dataclass(frozen=True)
class FaceListing:
    """Every face of every region's closure, region by region (a face shared by k regions is
    listed k times, once from each), faces on the domain's boundary included."""

    owner: np.ndarray      # region whose closure the face was listed from
    dim: np.ndarray
    volume: np.ndarray
    point: np.ndarray      # a relative-interior point (domain coordinates)
    positive: np.ndarray   # np.packbits rows: hyperplane h is > 0 on the face
    negative: np.ndarray   # np.packbits rows: hyperplane h is < 0 on the face
    on_domain: np.ndarray  # (n, domain rows) bool: the domain inequalities that vanish there


def unique_rows(*planes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first, inverse) for the rows of the packed bit planes side by side: `first` holds
    the first row of each distinct value, inverse[i] the index in `first` of row i's value."""
    packed = np.concatenate(planes, axis=1)
    n, w = packed.shape
    words = np.ascontiguousarray(np.concatenate(
        [packed, np.zeros((n, -w % 8), np.uint8)], axis=1)).view(np.uint64)
    order = np.lexsort(words.T[::-1]) if words.shape[1] else np.arange(n)
    ordered = words[order]
    new = np.ones(n, dtype=bool)
    new[1:] = np.any(ordered[1:] != ordered[:-1], axis=1)
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return order[new], inverse


def face_listing(rs) -> FaceListing:
    """Faces of every region's closure with their sign vectors (each region's own maps)."""
    dom = rs.domain
    if rs.kind.is_interval:
        lo, hi = rs.vertices[0::2, 0], rs.vertices[1::2, 0]
        n = len(lo)
        owner = np.concatenate([np.arange(n)] * 3)
        dims = np.concatenate([np.ones(n, np.int64), np.zeros(2 * n, np.int64)])
        vols = np.concatenate([hi - lo, np.ones(2 * n)])
        pts = np.concatenate([(lo + hi) / 2, lo, hi])[:, None]
        order = np.argsort(owner, kind="stable")
        owner, dims, vols, pts = owner[order], dims[order], vols[order], pts[order]
    else:
        vf = vertex_form(rs)
        owner, dims, vols, pts = _core.vertex_form_faces(vf.voff, vf.V, vf.ioff, vf.inc, vf.roff)
    # Sign vectors with each owning region's local maps (faces come grouped by region).
    poff = np.concatenate([[0], np.cumsum(np.bincount(owner, minlength=rs.n_regions))])
    signs = region_signs(rs, poff, pts)
    R = dom.box_radius
    slack = dom.b - pts @ dom.A.T
    on_domain = slack <= rs.tol.rtol * (np.abs(dom.b) + np.abs(dom.A) @ R)
    # Two bit planes (> 0, < 0) per hyperplane: a quarter of the bytes of the int8 signs.
    return FaceListing(owner, dims, vols, pts, np.packbits(signs > 0, axis=1),
                       np.packbits(signs < 0, axis=1), on_domain)


def faces(rs) -> Faces:
    """All distinct faces of the complex inside the open domain (cached on the RegionSet).

    Generic complexes take the owned-faces path (each face listed by one region, nothing to
    match); any region that is not simple, or a vertex where the hyperplanes vanishing are
    not exactly its rows', sends the whole set down the sign-vector path, which lists every
    face from every region and matches them by their sign vectors.
    """
    return rs.measure_cache.get("faces", lambda: _faces(rs))


def _faces(rs) -> Faces:
    out = owned_faces(rs)
    if out is None:
        fl = face_listing(rs)
        inside = ~fl.on_domain.any(axis=1)
        idx, _ = unique_rows(fl.positive[inside], fl.negative[inside])
        out = Faces(fl.dim[inside][idx], fl.volume[inside][idx], fl.point[inside][idx])
    return out


def owned_faces(rs) -> Faces | None:
    """Faces inside the open domain, each from the one region on the positive side of all
    its hyperplanes (simple_owned_faces in csrc/simplevolume.hpp), or None when the premise
    fails: a region is not simple, or at a checked vertex the vanishing hyperplanes are not
    exactly its rows' (then a hyperplane could contain a face without bounding its region,
    or fail to cross the others there). Every vertex of the complex, interior or on the
    domain's boundary, is checked from one region. Maxout nets (several hyperplanes per
    piece pair) and 1-D runs are left to the sign-vector path.
    """
    if rs.kind.is_interval or "maxout" in rs.network.activations or rs.n_regions == 0:
        return None
    vf = vertex_form(rs)
    labels = vf.rows(rs.ineq_labels)
    region = np.repeat(np.arange(rs.n_regions), np.diff(vf.roff))
    positive = rs.pattern_bits()[region, np.maximum(labels, 0)]
    flag = np.where(labels < 0, 2, np.where(positive, 1, 0)).astype(np.uint8)
    got = _core.vertex_form_owned_faces(vf.voff, vf.V, vf.ioff, vf.inc, vf.roff,
                                        vf.rows(rs.ineq_A), flag)
    if got is None:
        return None
    _, dims, vols, cents, check, check_rows = got
    owner = np.searchsorted(vf.voff, check, side="right") - 1
    poff = np.concatenate([[0], np.cumsum(np.bincount(owner, minlength=rs.n_regions))])
    signs = region_signs(rs, poff, vf.V[check])
    lab = labels[check_rows]
    unit = lab >= 0
    on_rows = np.take_along_axis(signs, np.maximum(lab, 0), axis=1) == 0
    if not (np.all(on_rows | ~unit)
            and np.array_equal(np.count_nonzero(signs == 0, axis=1), unit.sum(axis=1))):
        return None
    f = np.bincount(dims, minlength=rs.dim + 1)
    # Open cells partitioning an open convex set: Euler characteristic (-1)^d.
    if np.dot(f, (-1) ** np.arange(rs.dim + 1)) != (-1) ** rs.dim:
        return None
    return Faces(dims, vols, cents)
