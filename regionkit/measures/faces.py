"""Faces of the region complex: f-vector and Hanin & Rolnick's codimension-k strata.

A face of the complex is identified by the ternary sign vector (-, 0, +) of every network
hyperplane at a relative-interior point: points with one sign vector share one local affine
map and form one relatively open convex cell, so equal vectors mean the same face whichever
region it was seen from. Each region's faces come from the core (vertex form, cone recursion
volumes); faces on the domain's boundary are told apart by the domain rows that vanish there.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from regionkit.core import _core
from regionkit.errors import SolverError
from regionkit.measures.signs import region_signs
from regionkit.measures.vertexform import vertex_form
from regionkit.model.activations import Maxout

__all__ = ["FaceListing", "Faces", "euler_characteristic", "face_listing", "faces", "owned_faces",
           "unique_rows"]


@dataclass(frozen=True)
class Faces:
    """Distinct faces of the complex that lie inside the open domain.

    Parameters
    ----------
    dim : numpy.ndarray of int, shape (n_faces,)
        Dimension of each face.
    volume : numpy.ndarray, shape (n_faces,)
        Its dim-volume (1 for vertices).
    point : numpy.ndarray, shape (n_faces, d)
        A relative-interior point of each face (domain coordinates).
    """

    dim: np.ndarray      # dimension of each face
    volume: np.ndarray   # its dim-volume (1 for vertices)
    point: np.ndarray    # a relative-interior point (domain coordinates)

    def f_vector(self, d: int) -> np.ndarray:
        """Number of faces of each dimension 0..d inside the open domain.

        Parameters
        ----------
        d : int
            Dimension of the complex.

        Returns
        -------
        numpy.ndarray of int, shape (d + 1,)
            Entry k counts the k-dimensional faces.
        """
        return np.bincount(self.dim, minlength=d + 1)

    def strata(self, d: int) -> np.ndarray:
        """Total (d-k)-volume of the faces of codimension k, for k = 0..d.

        Parameters
        ----------
        d : int
            Dimension of the complex.

        Returns
        -------
        numpy.ndarray, shape (d + 1,)
            Entry k is the (d-k)-volume of the codimension-k faces (k = d: vertex count).
        """
        return np.array([self.volume[self.dim == d - k].sum() for k in range(d + 1)])


@dataclass(frozen=True)
class FaceListing:
    """Every face of every region's closure, region by region, domain boundary included.

    A face shared by k regions is listed k times, once from each.

    Parameters
    ----------
    owner : numpy.ndarray of int, shape (n,)
        Region whose closure the face was listed from.
    dim : numpy.ndarray of int, shape (n,)
        Dimension of the face.
    volume : numpy.ndarray, shape (n,)
        Its dim-volume (1 for vertices).
    point : numpy.ndarray, shape (n, d)
        A relative-interior point (domain coordinates).
    positive : numpy.ndarray of uint8
        np.packbits rows: bit h is set when hyperplane h is > 0 on the face.
    negative : numpy.ndarray of uint8
        np.packbits rows: bit h is set when hyperplane h is < 0 on the face.
    on_domain : numpy.ndarray of bool, shape (n, domain rows)
        The domain inequalities that vanish on the face.
    """

    owner: np.ndarray      # region whose closure the face was listed from
    dim: np.ndarray
    volume: np.ndarray
    point: np.ndarray      # a relative-interior point (domain coordinates)
    positive: np.ndarray   # np.packbits rows: hyperplane h is > 0 on the face
    negative: np.ndarray   # np.packbits rows: hyperplane h is < 0 on the face
    on_domain: np.ndarray  # (n, domain rows) bool: the domain inequalities that vanish there


def unique_rows(*planes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of packed bit planes placed side by side.

    Parameters
    ----------
    *planes : numpy.ndarray of uint8, shape (n, w_i)
        Bit planes with the same number of rows.

    Returns
    -------
    first : numpy.ndarray of int64
        Index of one row of each distinct value, in the order of the values.
    inverse : numpy.ndarray of int64, shape (n,)
        inverse[i] is the position in `first` of row i's value.

    Examples
    --------
    >>> import numpy as np
    >>> from regionkit.measures.faces import unique_rows
    >>> a = np.array([[1], [2], [1]], dtype=np.uint8)
    >>> b = np.array([[0], [0], [0]], dtype=np.uint8)
    >>> first, inverse = unique_rows(a, b)
    >>> len(first), inverse.tolist()
    (2, [0, 1, 0])
    """
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


def face_listing(rs, regions: tuple[int, int] | None = None) -> FaceListing:
    """Faces of every region's closure (or of a range of regions) with their sign vectors.

    Parameters
    ----------
    rs : RegionSet
        The enumeration.
    regions : tuple of int, optional
        Only the regions lo..hi-1 (a chunk: memory in proportion to its faces); default all.

    Returns
    -------
    FaceListing
        Every face of every region's closure, with the signs of the hyperplanes computed
        with the owning region's own local maps (owner: the region's index in `rs`).

    Examples
    --------
    >>> import regionkit as rk
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
    ...                              [[0, 0, 0.5], [0]])
    >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    >>> from regionkit.measures.faces import face_listing
    >>> fl = face_listing(rs)
    >>> len(fl.owner), int((fl.dim == 2).sum()), len(face_listing(rs, (2, 4)).owner)
    (63, 7, 16)
    """
    lo, hi = (0, rs.n_regions) if regions is None else regions
    if rs.kind.is_interval:
        left, right = rs.vertices[2 * lo:2 * hi:2, 0], rs.vertices[2 * lo + 1:2 * hi:2, 0]
        n = len(left)
        owner = np.concatenate([np.arange(n)] * 3)
        dims = np.concatenate([np.ones(n, np.int64), np.zeros(2 * n, np.int64)])
        vols = np.concatenate([right - left, np.ones(2 * n)])
        pts = np.concatenate([(left + right) / 2, left, right])[:, None]
        order = np.argsort(owner, kind="stable")
        owner, dims, vols, pts = owner[order], dims[order], vols[order], pts[order]
    else:
        vf = vertex_form(rs)
        scale = float(np.max(vf.half))
        v0, v1, i0, r0 = vf.voff[lo], vf.voff[hi], vf.ioff[lo], vf.roff[lo]
        owner, dims, vols, pts, verts, n_verts = _core.vertex_form_faces(
            vf.voff[lo:hi + 1] - v0, vf.centred_vertices()[v0:v1] / scale,
            vf.ioff[lo:hi + 1] - i0, vf.inc[i0:vf.ioff[hi]], vf.roff[lo:hi + 1] - r0)
        vols, pts = _unscale(vols, dims, scale), vf.centre + scale * pts
    # Sign vectors with each owning region's local maps (faces come grouped by region).
    poff = np.concatenate([[0], np.cumsum(np.bincount(owner, minlength=hi - lo))])
    if rs.kind.is_interval:
        signs = region_signs(rs, poff, pts, lo)
        on_domain = _on_domain(rs, pts)
    else:
        signs, on_domain = _signs_by_vertices(rs, vf, lo, hi, owner, dims, verts, n_verts)
        if rs.network.has_maxout:
            # A maxout unit's bits name the winning piece, not a side: read those hyperplanes
            # at the face's point.
            maxout = ~_elementwise(rs.network)
            signs[:, maxout] = region_signs(rs, poff, pts, lo)[:, maxout]
    # Two bit planes (> 0, < 0) per hyperplane: a quarter of the bytes of the int8 signs.
    positive, negative = np.packbits(signs > 0, axis=1), np.packbits(signs < 0, axis=1)
    del signs
    return FaceListing(owner + lo, dims, vols, pts, positive, negative, on_domain)


def _on_domain(rs, T: np.ndarray) -> np.ndarray:
    """(n, domain rows) bool: the domain inequalities that vanish at each point of T, within
    the tolerance."""
    dom = rs.domain
    slack = dom.b - T @ dom.A.T
    return slack <= rs.tol.rtol * (np.abs(dom.b) + np.abs(dom.A) @ dom.box_radius)


def _signs_by_vertices(rs, vf, lo: int, hi: int, owner: np.ndarray, dims: np.ndarray,
                       verts: np.ndarray, n_verts: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Each face's sign on every hyperplane, 0 where the face lies on it, else the side its
    region lies on (the region's pattern; right for elementwise hyperplanes only, a maxout
    bit is not a side); and the domain rows it lies on.

    A face lies on a row when every vertex of it does. On its region's own rows, domain rows
    included, a vertex lies by the region's incidence, the same incidence its face lattice
    was built from; on any other hyperplane (a duplicate of a row, one through a vertex, a
    unit constant at its breakpoint on the whole region) within the tolerance. Read at the
    face's centroid, or at its vertices with the tolerance on every row, a facet of a sliver
    between two nearly parallel hyperplanes lies on both, and a sliver's closure on the
    domain's boundary: their sign vectors merged with other faces' (Euler characteristics
    came out wrong).
    """
    v0, v1 = vf.voff[lo], vf.voff[hi]
    on = region_signs(rs, vf.voff[lo:hi + 1] - v0, vf.V[v0:v1], lo) == 0
    on_dom = _on_domain(rs, vf.V[v0:v1])
    vertex, label, held = _own_rows(vf, lo, hi, vf.rows(rs.ineq_labels))
    unit = label >= 0
    on[vertex[unit], label[unit]] = held[unit]
    on_dom[vertex[~unit], -1 - label[~unit]] = held[~unit]
    starts = np.concatenate([[0], np.cumsum(n_verts)[:-1]])
    on_all = np.logical_and.reduceat(on[verts], starts, axis=0)
    on_domain = np.logical_and.reduceat(on_dom[verts], starts, axis=0)
    on_domain[dims == rs.dim] = False  # a region's vertices may all be on the boundary
    above = np.unpackbits(rs.patterns[lo + owner], axis=1, count=rs.network.n_hyperplanes,
                          bitorder="little").astype(bool)
    return np.where(on_all, 0, np.where(above, 1, -1)).astype(np.int8), on_domain


def _own_rows(vf, lo: int, hi: int, labels: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (vertex, row of its region) pair of regions lo..hi-1: the vertex (from
    vf.voff[lo]), the row's label (`labels`: hyperplane >= 0, domain row k as -1-k), and
    whether the incidence puts the vertex on the row."""
    voff = vf.voff[lo:hi + 1] - vf.voff[lo]
    roff = vf.roff[lo:hi + 1]
    n_rows = np.diff(roff)
    vreg = np.repeat(np.arange(hi - lo), np.diff(voff))
    per = n_rows[vreg]
    vertex = np.repeat(np.arange(len(vreg)), per)
    j = np.arange(len(vertex)) - np.repeat(np.cumsum(per) - per, per)
    region = vreg[vertex]
    words = (n_rows[region] + 63) // 64
    word = vf.inc[vf.ioff[lo:hi + 1][region] + (vertex - voff[region]) * words + j // 64]
    held = (word >> (j % 64).astype(np.uint64)) & np.uint64(1) == 1
    return vertex, labels[roff[region] + j], held


def _elementwise(net) -> np.ndarray:
    """Whether each hyperplane belongs to an elementwise layer (its bit is its sign)."""
    off = net.layer_hyperplane_offsets()
    out = np.zeros(net.n_hyperplanes, bool)
    for li, act in enumerate(net.activations):
        out[off[li]:off[li + 1]] = not isinstance(act, Maxout)
    return out


def faces(rs) -> Faces:
    """All distinct faces of the complex inside the open domain, kept in the measure cache.

    Generic complexes take the owned-faces path (each face listed by one region, nothing to
    match); any region that is not simple, or a vertex where the hyperplanes vanishing are
    not exactly its rows', sends the whole set down the sign-vector path, which lists every
    face from every region and matches them by their sign vectors.

    Parameters
    ----------
    rs : RegionSet
        The enumeration.

    Returns
    -------
    Faces
        One entry per distinct face.

    Examples
    --------
    >>> import regionkit as rk
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
    ...                              [[0, 0, 0.5], [0]])
    >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    >>> from regionkit.measures.faces import faces
    >>> faces(rs).f_vector(2)
    array([3, 9, 7])
    """
    return rs.measure_cache.get("faces", lambda: _faces(rs))


def _faces(rs) -> Faces:
    out = owned_faces(rs)
    if out is None:
        fl = face_listing(rs)
        inside = ~fl.on_domain.any(axis=1)
        idx, _ = unique_rows(fl.positive[inside], fl.negative[inside])
        out = Faces(fl.dim[inside][idx], fl.volume[inside][idx], fl.point[inside][idx])
    chi = euler_characteristic(out.f_vector(rs.dim))
    if chi == (-1) ** rs.dim:
        return out
    # Open cells partitioning the open domain must give (-1)^d; a wrong count is not given
    # out (RegionSet.face_counts redoes small elementwise nets in exact arithmetic).
    raise SolverError(
        f"the faces found (f-vector {out.f_vector(rs.dim).tolist()}) have alternating "
        f"sum {chi}, not {(-1) ** rs.dim} as the faces of a partition of the open domain "
        f"must: a region thinner than the tolerance (rtol={rs.tol.rtol:g}) has a "
        f"degenerate vertex form, so its faces cannot be read in floating point")


def euler_characteristic(f: np.ndarray) -> int:
    """The alternating sum f_0 - f_1 + f_2 - ... of an f-vector.

    It is (-1)^d for the open faces of a partition of an open d-dimensional convex domain.

    Parameters
    ----------
    f : numpy.ndarray of int, shape (d + 1,)
        Number of faces of each dimension.

    Returns
    -------
    int
        The alternating sum.

    Examples
    --------
    >>> import numpy as np
    >>> euler_characteristic(np.array([3, 9, 7]))
    1
    """
    return int(np.dot(f, (-1) ** np.arange(len(f))))


def owned_faces(rs, check_euler: bool = True) -> Faces | None:
    """Faces inside the open domain, each listed by one owning region, when that is exact.

    Each face comes from the one region on the positive side of all its hyperplanes
    (simple_owned_faces in csrc/simplevolume.hpp). The premise fails when a region is not
    simple, or at a checked vertex the vanishing hyperplanes are not exactly its rows' (then
    a hyperplane could contain a face without bounding its region, or fail to cross the
    others there). Every vertex of the complex, interior or on the domain's boundary, is
    checked from one region. Maxout nets (several hyperplanes per piece pair), affine nets
    (no hyperplane: the domain is the one face) and 1-D runs are left to the sign-vector
    path.

    Parameters
    ----------
    rs : RegionSet
        The enumeration.
    check_euler : bool, default True
        Also check that the faces' alternating count is (-1)^d, as open cells partitioning
        the open domain must; False for a chunk of the regions (the caller checks the sum
        over the chunks).

    Returns
    -------
    Faces or None
        The faces, or None when the premise fails (use the sign-vector path).
    """
    if (rs.kind.is_interval or rs.network.has_maxout or rs.n_regions == 0
            or rs.network.n_hyperplanes == 0):
        return None
    vf = vertex_form(rs)
    labels = vf.rows(rs.ineq_labels)
    region = np.repeat(np.arange(rs.n_regions), np.diff(vf.roff))
    positive = rs.pattern_bits()[region, np.maximum(labels, 0)]
    flag = np.where(labels < 0, 2, np.where(positive, 1, 0)).astype(np.uint8)
    scale = float(np.max(vf.half))
    got = _core.vertex_form_owned_faces(vf.voff, vf.centred_vertices() / scale, vf.ioff, vf.inc,
                                        vf.roff, vf.rows(rs.ineq_A), flag)
    if got is None:
        return None
    _, dims, vols, cents, check, check_rows = got
    vols, cents = _unscale(vols, dims, scale), vf.centre + scale * cents
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
    if check_euler and euler_characteristic(f) != (-1) ** rs.dim:
        return None
    return Faces(dims, vols, cents)


def _unscale(vols: np.ndarray, dims: np.ndarray, scale: float) -> np.ndarray:
    """Face volumes measured in (t - centre) / scale, back in t: a k-face's times scale^k.

    The core's rank and length tests are then relative to the box, whatever its size (a
    box of +-1e6 with weights near 1e-6 read faces wrong in t); one scale for every
    coordinate keeps the rows' unit normals, so the map is exact for faces of any
    dimension (see regionkit.measures.vertexform.unit_box)."""
    with np.errstate(over="ignore"):
        return np.asarray(vols) * np.exp(np.asarray(dims) * math.log(scale))
