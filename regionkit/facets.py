"""Facets of every region: which inequality rows are facets, their volumes and centroids.

All later measures (region volumes, adjacency, boundary volume) read this one table, built
exactly from each geometry: interval ends in 1-D, polygon edges in 2-D, the core's cone
recursion on vertex-form regions in higher dimensions (LP-form regions are first turned into
vertex form by clipping the domain's box with their rows in the core).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from regionkit import _core
from regionkit.network import ACTIVATION_CODES


@dataclass(frozen=True)
class FacetTable:
    """Per region: volume. Per inequality row (aligned with rs.ineq_*): facet data."""

    region_volume: np.ndarray   # (n_regions,)
    facet_volume: np.ndarray    # (n_rows,), 0 where the row is not a facet (or repeats one)
    facet_point: np.ndarray     # (n_rows, dim), a relative-interior point of the facet
    row_region: np.ndarray      # (n_rows,), the region each row belongs to


def facet_table(rs) -> FacetTable:
    """Build (once, cached on the RegionSet) the facet table of a RegionSet."""
    cached = getattr(rs, "_facet_table", None)
    if cached is not None:
        return cached
    off = rs.ineq_offsets
    row_region = np.repeat(np.arange(rs.n_regions), np.diff(off))
    if rs.kind == "1d":
        lo, hi = rs.vertices[0::2, 0], rs.vertices[1::2, 0]
        vol = hi - lo
        fvol = np.ones(len(row_region))
        fpt = rs.vertices.copy()
    elif rs.kind == "2d":
        vol, fvol, fpt = _polygon_measures(rs.vertices, off)
    elif rs.kind == "vd":
        vol, fvol, fpt = _core.vertex_form_measures(rs.vertex_offsets, rs.vertices,
                                                    rs.incidence_offsets, rs.incidence, off)
    else:
        vol, fvol, fpt = _lp_form_measures(rs)
    table = FacetTable(np.asarray(vol), np.asarray(fvol), np.asarray(fpt), row_region)
    rs._facet_table = table
    return table


def _polygon_measures(xy: np.ndarray, off: np.ndarray):
    """Shoelace areas, edge lengths and edge midpoints of CCW polygons (CSR)."""
    n = len(off) - 1
    idx = np.arange(len(xy))
    region = np.repeat(np.arange(n), np.diff(off))
    nxt = idx + 1
    nxt[off[1:] - 1] = off[:-1]  # wrap around within each polygon
    p, q = xy, xy[nxt]
    cross = p[:, 0] * q[:, 1] - p[:, 1] * q[:, 0]
    area = 0.5 * np.bincount(region, weights=cross, minlength=n)
    return area, np.linalg.norm(q - p, axis=1), 0.5 * (p + q)


def _lp_form_measures(rs):
    """Vertex form of each LP-form region by clipping the domain box with its rows."""
    from regionkit.frontier import Frontier

    d = rs.dim
    pad = 0.01 * (rs.domain.hi - rs.domain.lo)
    box = Frontier.box("vd", rs.domain.lo - pad, rs.domain.hi + pad)
    maps = {"M": np.eye(d)[None], "m": np.zeros((1, d)),
            "S": np.maximum(np.abs(rs.domain.lo), np.abs(rs.domain.hi))[None] + pad[None]}
    off = rs.ineq_offsets
    vol = np.zeros(rs.n_regions)
    fvol = np.zeros(off[-1])
    fpt = np.zeros((off[-1], d))
    for r in range(rs.n_regions):
        A, b = rs.ineq_A[off[r]:off[r + 1]], rs.ineq_b[off[r]:off[r + 1]]
        _, ch, _, bits, _ = _core.split_frontier(
            "vd", box.data, maps, -A, b, ACTIVATION_CODES["relu"], 0.0, rs.tol.rtol,
            rs.tol.atol, 0, 1 << 30, np.inf)
        inside = np.flatnonzero(bits.all(axis=1))
        piece = Frontier("vd", ch).take(inside[:1]).data
        v, pf, pc = _core.vertex_form_measures(piece["voff"], piece["V"], piece["ioff"],
                                               piece["inc"], piece["roff"])
        vol[r] = v[0]
        rows = piece["lab"]  # the region's row index behind each facet of the piece
        keep = rows >= 0
        fvol[off[r] + rows[keep]] = pf[keep]
        fpt[off[r] + rows[keep]] = pc[keep]
    return vol, fvol, fpt
