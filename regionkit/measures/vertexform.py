"""Every region of a RegionSet in vertex form: vertices, rows, and which rows hold each vertex.

Polygons (2-D) get their incidence from the edge order; vertex-form runs keep theirs; LP-form
regions are clipped out of the domain's box by their own rows in the core. The measures
(facet volumes, faces) all work on this one representation.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from regionkit.core.frontier import Frontier
from regionkit.core.geometry import Geometry
from regionkit.errors import RegionkitError

__all__ = ["SLIVER_CLIP_RTOL", "VertexForm", "unit_box", "unit_halfspaces", "vertex_form"]

# An LP-form run keeps regions its LPs proved genuine however thin; a region thinner than the
# engine's tolerance vanishes when clipped with it (volumes() used to refuse the whole run),
# so such regions are clipped once more with this tolerance (~45 rounding errors of the unit
# box): on the fuzz's 6-D slivers (volumes 1e-19 to 3e-10 of the box) clips with 1e-14 and
# with 0 agreed to 1e-6 of each volume.
SLIVER_CLIP_RTOL = 1e-14


@dataclass(frozen=True)
class VertexForm:
    """Every region's vertices, rows, and the rows each vertex lies on, as CSR arrays.

    Parameters
    ----------
    voff : numpy.ndarray, shape (n_regions + 1,)
        Vertex offsets: region r's vertices are V[voff[r]:voff[r + 1]].
    V : numpy.ndarray, shape (n_vertices, dim)
        The vertices.
    ioff : numpy.ndarray, shape (n_regions + 1,)
        Offsets of each region's incidence words.
    inc : numpy.ndarray of uint64
        Per vertex, ceil(rows / 64) words whose bits mark the region rows it lies on.
    roff : numpy.ndarray, shape (n_regions + 1,)
        Row offsets of the vertex-form rows.
    row_map : numpy.ndarray
        Index into ``rs.ineq_*`` of each vertex-form row.
    all_rows : bool, default False
        Whether row_map is the identity (2-D and vertex-form runs).
    centre, half : numpy.ndarray, shape (dim,), optional
        The domain's bounding box as centre +- half: the unit-box coordinates
        u = (t - centre) / half in which the measures compute (unit_box).
    centre_err : numpy.ndarray, shape (dim,), optional
        The rounding error of centre (the box's midpoint is centre + centre_err exactly):
        subtracted too, the box's sides map onto u = +-1 to the last bit (unit_box).
    U : numpy.ndarray, shape (n_vertices, dim), optional
        The vertices in unit-box coordinates where they were computed there (LP-form runs):
        mapped to t and back they would move by 1e-16 |centre| / half.
    """

    voff: np.ndarray     # vertex offsets (n_regions + 1)
    V: np.ndarray        # vertices (n_vertices, dim)
    ioff: np.ndarray     # incidence-word offsets (n_regions + 1)
    inc: np.ndarray      # uint64 words: rows each vertex lies on
    roff: np.ndarray     # row offsets (n_regions + 1)
    row_map: np.ndarray  # index into rs.ineq_* of each vertex-form row
    all_rows: bool = False  # row_map is the identity (2-D and vertex-form runs)
    centre: np.ndarray | None = None  # the domain's box is centre +- half
    half: np.ndarray | None = None
    centre_err: np.ndarray | float = 0.0
    U: np.ndarray | None = None

    def centred_vertices(self) -> np.ndarray:
        """The vertices less the box's midpoint, its rounding error taken out.

        Returns
        -------
        numpy.ndarray, shape (n_vertices, dim)
            V - (centre + centre_err): exact for a vertex on the box's side, where V - centre
            is (Sterbenz's lemma); half * U where the vertices were computed in u.
        """
        if self.U is not None:
            return self.U * self.half
        return (self.V - self.centre) - self.centre_err

    def centre_values(self, A: np.ndarray) -> np.ndarray:
        """The rows A at the box's midpoint, its rounding error included.

        Parameters
        ----------
        A : numpy.ndarray, shape (n_rows, dim)
            Rows in domain coordinates.

        Returns
        -------
        numpy.ndarray, shape (n_rows,)
            A (centre + centre_err).
        """
        return A @ self.centre + A @ np.broadcast_to(self.centre_err, A.shape[1:])

    def unit_vertices(self) -> np.ndarray:
        """The vertices in unit-box coordinates u = (t - centre) / half.

        Returns
        -------
        numpy.ndarray, shape (n_vertices, dim)
            Every vertex, the domain's bounding box mapped onto (-1, 1)^dim.
        """
        return self.U if self.U is not None else self.centred_vertices() / self.half

    def unit_rows(self, A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Unit-norm rows of the vertex-form regions in unit-box coordinates.

        Parameters
        ----------
        A : numpy.ndarray, shape (n_rows, dim)
            Unit-norm rows in domain coordinates, one per vertex-form row.

        Returns
        -------
        numpy.ndarray, shape (n_rows, dim)
            The rows of the same half-spaces in u, normalised.
        numpy.ndarray, shape (n_rows,)
            log |half * a|: a facet on row a with (d-1)-volume F in u has volume
            F * prod(half) / |half * a| in t (a logarithm: the norm may overflow).
        """
        Au, norm, top = _scaled_rows(A, self.half)
        return Au / norm[:, None], np.log(norm) + np.log(top)

    def rows(self, values: np.ndarray) -> np.ndarray:
        """Per-row values of the RegionSet taken to the vertex-form rows.

        Parameters
        ----------
        values : numpy.ndarray
            One entry per row of the RegionSet (``rs.ineq_*`` order).

        Returns
        -------
        numpy.ndarray
            The entries of the vertex-form rows, in their order.
        """
        return values if self.all_rows else values[self.row_map]


def unit_box(domain) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centre and half-widths of a domain's bounding box, without overflow.

    Measures compute in u = (t - centre) / half, where the box is (-1, 1)^dim: their
    tolerances and rank tests are relative to the region, whatever the box's scale and
    aspect ratio (a box 1e-6 thin in one coordinate, or +-1e300). half is exact where
    lo and hi are within a factor 2 (Sterbenz's lemma); the midpoint is not always a
    float, and its rounding, 1e-16 |centre|, is 1e-9 of a box 1e-7 wide at 0.6 (1-D
    volumes came out 1e-9 short): it is returned too, and subtracted
    (VertexForm.centred_vertices).

    Parameters
    ----------
    domain : Domain
        The domain.

    Returns
    -------
    tuple of numpy.ndarray, shape (dim,)
        centre, half and centre_err, with t = centre + centre_err + half * u.
    """
    lo, hi = domain.lo / 2, domain.hi / 2
    centre = lo + hi
    # Knuth's two-sum: lo + hi = centre + err exactly.
    b = centre - lo
    err = (lo - (centre - b)) + (hi - b)
    return centre, hi - lo, np.where(np.isfinite(err), err, 0.0)


def unit_halfspaces(A: np.ndarray, b: np.ndarray, centre: np.ndarray, half: np.ndarray,
                    err: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The half-spaces A t < b in unit-box coordinates, rows of unit norm.

    Parameters
    ----------
    A : numpy.ndarray, shape (m, dim)
        Rows in domain coordinates.
    b : numpy.ndarray, shape (m,)
        Their offsets.
    centre, half, err : numpy.ndarray, shape (dim,)
        The box, as unit_box gives it.

    Returns
    -------
    tuple of numpy.ndarray
        Au (m, dim) and bu (m,) with A t < b  <=>  Au u < bu.
    """
    Au, norm, top = _scaled_rows(A, half)
    with np.errstate(over="ignore", invalid="ignore"):
        # Subtract, then scale: b / top rounds by 1e-16 |b| / top, 1e-9 of a box 1e-7 wide
        # at 0.6. Scaled first only where that overflows (a +-1e300 box).
        bu = (b - A @ centre - A @ err) / top
        bu = np.where(np.isfinite(bu), bu, b / top - A @ (centre / top) - A @ (err / top))
    return Au / norm[:, None], bu / norm


def _scaled_rows(A: np.ndarray, half: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Rows A in u = (t - centre) / half, scaled by 1 / max(half) so that they cannot
    overflow, their norms, and max(half)."""
    top = float(np.max(half))
    Au = A * (half / top)
    return Au, np.linalg.norm(Au, axis=1), top


def vertex_form(rs) -> VertexForm:
    """The vertex form of a RegionSet, built once and kept in its measure cache.

    Parameters
    ----------
    rs : RegionSet
        A 2-D, vertex-form or LP-form enumeration (1-D regions are intervals).

    Returns
    -------
    VertexForm
        Polygons (2-D) get their incidence from the edge order, vertex-form runs keep
        theirs, LP-form regions are clipped out of the domain's box by the core.

    Raises
    ------
    ValueError
        For a 1-D RegionSet.

    Examples
    --------
    >>> import regionkit as rk
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
    ...                              [[0, 0, 0.5], [0]])
    >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    >>> from regionkit.measures.vertexform import vertex_form
    >>> vf = vertex_form(rs)
    >>> len(vf.voff) - 1, vf.V.shape
    (7, (28, 2))
    """
    return rs.measure_cache.get("vertex_form", lambda: _vertex_form(rs))


def _vertex_form(rs) -> VertexForm:
    if rs.kind.is_interval:
        raise RegionkitError("1-D regions are intervals: they have no vertex form (the "
                             "measures take closed forms)")
    centre, half, err = unit_box(rs.domain)
    if rs.kind.has_incidence:
        return VertexForm(rs.vertex_offsets, rs.vertices, rs.incidence_offsets, rs.incidence,
                          rs.ineq_offsets, np.arange(rs.ineq_offsets[-1]), True, centre, half,
                          err)
    if rs.kind.cyclic_vertices:
        return _polygons(rs, centre, half, err)
    return _clip_lp_form(rs, centre, half, err)


def _polygons(rs, centre: np.ndarray, half: np.ndarray, err: np.ndarray) -> VertexForm:
    """Vertex k of a counter-clockwise polygon lies on its edges k-1 and k."""
    off = rs.vertex_offsets
    counts = np.diff(off)
    words = (counts + 63) // 64
    ioff = np.concatenate([[0], np.cumsum(counts * words)]).astype(np.int64)
    inc = np.zeros(ioff[-1], dtype=np.uint64)
    region = np.repeat(np.arange(rs.n_regions), counts)
    local = np.arange(len(region)) - off[region]
    prev = np.where(local == 0, counts[region] - 1, local - 1)
    base = ioff[region] + (local * words[region])
    for row in (local, prev):
        np.bitwise_or.at(inc, base + row // 64,
                         np.left_shift(np.uint64(1), (row % 64).astype(np.uint64)))
    return VertexForm(off, rs.vertices, ioff, inc, off, np.arange(off[-1]), True, centre, half,
                      err)


def _clip_lp_form(rs, centre: np.ndarray, half: np.ndarray, err: np.ndarray) -> VertexForm:
    """Clip in unit-box coordinates, where the vertex split's tolerances are relative to
    the region (in a box 1e-6 thin, clipping in t lost and merged vertices: volumes came
    out thousands of times the box's), then map the vertices back."""
    off = rs.ineq_offsets
    Au, bu = unit_halfspaces(rs.ineq_A, rs.ineq_b, centre, half, err)
    one = np.ones(rs.dim)
    F = Frontier.clip_many(Geometry.VERTEX, -one, one, Au, bu, off,
                           rs.tol.rtol, rs.tol.atol, sliver_rtol=SLIVER_CLIP_RTOL).data
    region = np.repeat(np.arange(rs.n_regions), np.diff(F["roff"]))
    # every row comes from the region's own rows
    return VertexForm(F["voff"], (centre + half * F["V"]) + err, F["ioff"], F["inc"],
                      F["roff"], (off[region] + F["lab"]).astype(np.int64), False, centre, half,
                      err, F["V"])
