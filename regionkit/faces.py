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

from regionkit import _core
from regionkit.signs import region_signs
from regionkit.vertexform import vertex_form


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


def faces(rs) -> Faces:
    """All distinct faces of the complex inside the open domain (cached on the RegionSet)."""
    cached = getattr(rs, "_faces", None)
    if cached is not None:
        return cached
    dom = rs.domain
    if rs.kind == "1d":
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
    keys = region_signs(rs, poff, pts)
    R = np.maximum(np.abs(dom.lo), np.abs(dom.hi))
    slack = dom.b - pts @ dom.A.T
    inside = np.all(slack > rs.tol.rtol * (np.abs(dom.b) + np.abs(dom.A) @ R), axis=1)
    signs = keys[inside]
    dims, vols, pts = dims[inside], vols[inside], pts[inside]
    # Two bit planes (> 0, < 0) per hyperplane: a quarter of the bytes of the int8 signs.
    packed = np.ascontiguousarray(np.concatenate(
        [np.packbits(signs > 0, axis=1), np.packbits(signs < 0, axis=1),
         np.zeros((len(signs), 1), np.uint8)], axis=1))
    _, idx = np.unique(packed.view(np.dtype((np.void, packed.shape[1]))).ravel(),
                       return_index=True)
    out = Faces(dims[idx], vols[idx], pts[idx])
    rs._faces = out
    return out
