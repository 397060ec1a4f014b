"""Columnar frontiers: regions of one geometry as the dict of arrays the core splits."""
from __future__ import annotations

from typing import Callable

import numpy as np

from regionkit.core import _core
from regionkit.core.geometry import REGION, Geometry
from regionkit.errors import SolverError
from regionkit.model.activations import core_table, relu
from regionkit.model.domains import Domain, Polytope
from regionkit.model.tolerance import Tolerance

__all__ = ["Frontier", "chebyshev_balls"]


def chebyshev_balls(off: np.ndarray, A: np.ndarray, b: np.ndarray, start: np.ndarray,
                    box: tuple[np.ndarray, np.ndarray] | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Chebyshev centre and radius of each region {A t < b} (CSR rows), never a SolverError.

    The core's dense solver runs first; a region it cannot certify (iteration limit at a
    degenerate vertex, dependent active rows) is solved again by scipy's HiGHS, inside the
    domain's bounding box where one is given: a region keeps only the rows that hold at
    least dim of its vertices, and where a sliver's box sides hold fewer the rest can leave
    it unbounded (a 4-D sliver 1e-9 thin in a box 1e-4 thin: HiGHS said "unbounded"). A
    region HiGHS finds no ball in either keeps its start point with radius 0: it is thinner
    than the solvers resolve (rs.certify() reports it).

    Parameters
    ----------
    off : numpy.ndarray of int64, shape (n + 1,)
        Region r's rows are off[r] .. off[r+1]-1.
    A : numpy.ndarray, shape (m, dim)
        Unit-norm rows.
    b : numpy.ndarray, shape (m,)
        Their offsets.
    start : numpy.ndarray, shape (n, dim)
        A feasible point of each region.
    box : tuple of numpy.ndarray, optional
        Corners (lo, hi) of a box that holds every region (the domain's bounding box).

    Returns
    -------
    tuple of numpy.ndarray
        Centres (n, dim) and radii (n,).

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[-1.0, 0.0], [1.0, 0.0], [0.0, -1.0], [0.0, 1.0]])
    >>> c, r = chebyshev_balls(np.array([0, 4]), A, np.array([0.0, 2.0, 0.0, 1.0]),
    ...                        np.array([[0.5, 0.5]]))
    >>> float(r[0])
    0.5
    """
    try:
        return _core.chebyshev(off, A, b, start)
    except SolverError:
        pass
    from scipy.optimize import linprog

    n, d = start.shape
    centres, radii = np.array(start, dtype=np.float64, copy=True), np.zeros(n)
    bounds = [(None, None)] * d if box is None else list(zip(box[0], box[1]))
    for r in range(n):
        rows = slice(off[r], off[r + 1])
        try:
            c, rad = _core.chebyshev(np.array([0, off[r + 1] - off[r]]), A[rows], b[rows],
                                     start[r:r + 1])
            centres[r], radii[r] = c[0], rad[0]
            continue
        except SolverError:
            pass
        res = linprog(np.r_[np.zeros(d), -1.0], A_ub=np.hstack([A[rows], np.ones((off[r + 1]
                      - off[r], 1))]), b_ub=b[rows], bounds=bounds + [(0, None)],
                      method="highs")
        if res.status == 0:
            centres[r], radii[r] = res.x[:d], res.x[d]
    return centres, radii


class Frontier:
    """Regions of one geometry, as the dict of arrays the core reads and writes.

    Parameters
    ----------
    geometry : Geometry or str
        How the regions are stored.
    data : dict of str to numpy.ndarray
        The columns named by geometry.columns.
    """

    def __init__(self, geometry: Geometry | str, data: dict[str, np.ndarray]) -> None:
        self.geometry = geometry if type(geometry) is Geometry else Geometry(geometry)
        self.data = data

    def __len__(self) -> int:
        return self.geometry.n_regions(self.data)

    @classmethod
    def root(cls, geometry: Geometry, domain: Domain, tol: Tolerance) -> "Frontier":
        """The domain itself as a one-region frontier.

        LP form keeps the domain's own inequalities (label -1-k for inequality k) with their
        Chebyshev ball; the other geometries start from the domain's box, cut down to a
        polytope domain by its rows (row j labelled -1-j).

        Parameters
        ----------
        geometry : Geometry
            The frontier's geometry.
        domain : Domain
            The domain.
        tol : Tolerance
            Tolerance of the clipping of a polytope domain.

        Returns
        -------
        Frontier
            One region.

        Raises
        ------
        SolverError
            A polytope domain was lost in clipping (numerically empty or too thin).
        """
        if not geometry.has_vertices:
            A, b = domain.A, domain.b
            centre = getattr(domain, "center", (domain.lo + domain.hi) / 2)
            centre, radius = _core.chebyshev(np.array([0, len(b)]), A, b, centre[None])
            return cls(geometry, {"off": np.array([0, len(b)], dtype=np.int64), "A": A,
                                  "b": b, "lab": -1 - np.arange(len(b), dtype=np.int64),
                                  "center": centre, "radius": radius})
        if not isinstance(domain, Polytope):
            return cls.box(geometry, domain.lo, domain.hi)
        # Every facet of the clipped piece lies on polytope row j: domain label -1-j.
        piece = cls.clip(geometry, domain.lo, domain.hi, domain.A, domain.b, tol.rtol,
                         tol.atol)
        return piece.relabel(lambda lab: -1 - lab)

    @classmethod
    def box(cls, geometry: Geometry, lo: np.ndarray, hi: np.ndarray) -> "Frontier":
        """The open box (lo, hi) as one region (see Geometry.box).

        Parameters
        ----------
        geometry : Geometry
            The frontier's geometry.
        lo, hi : numpy.ndarray, shape (dim,)
            The box's corners.

        Returns
        -------
        Frontier
            One region; its sides are labelled -1-2i (t_i > lo_i) and -2-2i (t_i < hi_i).

        Raises
        ------
        CoreInputError
            In LP form, or a vertex-form box of more than BOX_VERTEX_MAX_DIM dimensions.
        """
        return cls(geometry, Geometry(geometry).box(lo, hi))

    @classmethod
    def clip(cls, geometry: Geometry, lo: np.ndarray, hi: np.ndarray, A: np.ndarray,
             b: np.ndarray, rtol: float, atol: float) -> "Frontier":
        """The polytope {A t < b} inside the box (lo, hi), as one region (see clip_many).

        Parameters
        ----------
        geometry : Geometry
            The frontier's geometry (not LP form).
        lo, hi : numpy.ndarray, shape (dim,)
            The box's corners.
        A : numpy.ndarray, shape (m, dim)
            The polytope's rows.
        b : numpy.ndarray, shape (m,)
            Their offsets.
        rtol, atol : float
            The core's tolerances for the clipping hyperplanes.

        Returns
        -------
        Frontier
            One region; a facet on row j is labelled j.

        Raises
        ------
        SolverError
            The polytope came out as no region or several.
        """
        return cls.clip_many(geometry, lo, hi, A, b, np.array([0, len(b)]), rtol, atol)

    @classmethod
    def clip_many(cls, geometry: Geometry, lo: np.ndarray, hi: np.ndarray, A: np.ndarray,
                  b: np.ndarray, off: np.ndarray, rtol: float, atol: float,
                  sliver_rtol: float | None = None) -> "Frontier":
        """Polytope r = {A[off[r]:off[r+1]] t < b[...]} inside the box (lo, hi), as region r.

        Each polytope is cut out of a 1% larger box by the core, one of its rows per pass
        (all polytopes at once): a one-unit ReLU layer b_j - A_j t whose positive side is
        kept. Every facet of region r then lies on one of its rows j and carries label j.

        Parameters
        ----------
        geometry : Geometry
            The frontier's geometry (not LP form).
        lo, hi : numpy.ndarray, shape (dim,)
            The box's corners.
        A : numpy.ndarray, shape (m, dim)
            The rows of every polytope.
        b : numpy.ndarray, shape (m,)
            Their offsets.
        off : array_like of int, shape (n + 1,)
            Polytope r's rows are off[r] .. off[r+1]-1.
        rtol, atol : float
            The core's tolerances for the clipping hyperplanes.
        sliver_rtol : float, optional
            Clip the polytopes that `rtol` lost (thinner than it) once more with this
            relative tolerance; default: no second pass.

        Returns
        -------
        Frontier
            n regions, region r the polytope r.

        Raises
        ------
        SolverError
            A polytope came out as no region or several (numerically empty or too thin for
            the tolerance).
        """
        off = np.asarray(off, dtype=np.int64)
        n = len(off) - 1
        out, owner = cls._clip_rows(geometry, lo, hi, A, b, off, rtol, atol)
        lost = np.setdiff1d(np.arange(n), owner)
        if len(lost) and sliver_rtol is not None:
            rows = np.concatenate([np.arange(off[r], off[r + 1]) for r in lost])
            again, got = cls._clip_rows(geometry, lo, hi, A[rows], b[rows],
                                        np.concatenate([[0], np.cumsum(np.diff(off)[lost])]),
                                        sliver_rtol, atol)
            owner = np.concatenate([owner, lost[got]])
            order = np.argsort(owner, kind="stable")
            out, owner = cls.concat(geometry, [out, again]).take(order), owner[order]
        if not np.array_equal(owner, np.arange(n)):
            lost = np.setdiff1d(np.arange(n), owner)
            raise SolverError(f"clipping {n} polytope(s) out of a box gave {len(owner)} regions"
                              f" (polytopes with no region: {lost[:10].tolist()}): empty, or "
                              "thinner than the tolerance")
        return out

    @classmethod
    def _clip_rows(cls, geometry: Geometry, lo: np.ndarray, hi: np.ndarray, A: np.ndarray,
                   b: np.ndarray, off: np.ndarray, rtol: float, atol: float
                   ) -> tuple["Frontier", np.ndarray]:
        """clip_many's passes: the regions, and the polytope each came from (in order)."""
        counts = np.diff(off)
        n = len(counts)
        pad = 0.01 * (hi - lo)
        lo, hi = lo - pad, hi + pad
        R = np.maximum(np.abs(lo), np.abs(hi))
        out = cls.box(geometry, lo, hi).take(np.zeros(n, dtype=np.int64))
        owner = np.arange(n)
        for j in range(int(counts.max(initial=0))):
            if len(owner) == 0:  # every polytope lost
                break
            has = j < counts[owner]
            row = off[owner] + np.minimum(j, counts[owner] - 1)
            M = np.where(has[:, None], -A[row], 0.0)  # polytopes out of rows: 0 t < 1
            m = np.where(has, b[row], 1.0)
            maps = {"M": M[:, None, :], "m": m[:, None],
                    "S": (np.abs(M) @ R + np.abs(m))[:, None], "R": R}
            _, children, _, bits, parent, _ = _core.split_frontier(
                out.geometry, out.data, maps, np.ones((1, 1)), np.zeros(1), core_table(relu()),
                rtol, atol, j, 1 << 62, np.inf)
            inside = np.flatnonzero(bits[:, 0] == 1)
            # (a piece with more vertices than its rows allow, float copies that the next
            # passes would multiply, stops the core's vertex split: SolverError)
            out, owner = cls(geometry, children).take(inside), owner[parent[inside]]
        return out, owner

    def take(self, idx: np.ndarray) -> "Frontier":
        """The regions at the given indices, in that order.

        Parameters
        ----------
        idx : array_like of int
            Region indices, repeats allowed.

        Returns
        -------
        Frontier
            Copies of those regions.
        """
        idx = np.asarray(idx, dtype=np.int64)
        out = {k: self.data[k][idx] for k in self.geometry.per_region}
        for okey, keys in self.geometry.groups.items():
            off = self.data[okey]
            counts = off[idx + 1] - off[idx]
            new_off = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
            # Concatenated ranges off[i]..off[i+1]: each row's source start plus its rank.
            rows = (np.repeat(off[idx] - new_off[:-1], counts)
                    + np.arange(new_off[-1], dtype=np.int64))
            out[okey] = new_off
            for k in keys:
                out[k] = self.data[k][rows]
        return Frontier(self.geometry, out)

    def slice(self, i: int, j: int) -> "Frontier":
        """Regions i..j-1 (cheap: views, offsets rebased).

        Parameters
        ----------
        i, j : int
            The first region and one past the last.

        Returns
        -------
        Frontier
            The regions, as views of this frontier's arrays.
        """
        out = {k: self.data[k][i:j] for k in self.geometry.per_region}
        for okey, keys in self.geometry.groups.items():
            off = self.data[okey]
            a, b = off[i], off[j]
            out[okey] = off[i:j + 1] - a
            for k in keys:
                out[k] = self.data[k][a:b]
        return Frontier(self.geometry, out)

    @classmethod
    def concat(cls, geometry: Geometry, parts: list["Frontier"]) -> "Frontier":
        """The regions of every part, in order.

        Parameters
        ----------
        geometry : Geometry
            The geometry of every part.
        parts : list of Frontier
            The frontiers to join.

        Returns
        -------
        Frontier
            Their regions (the part itself when there is one).
        """
        if len(parts) == 1:  # one chunk: nothing to join, no copy
            return parts[0]
        geometry = Geometry(geometry)
        out = {k: np.concatenate([p.data[k] for p in parts]) for k in geometry.per_region}
        for okey, keys in geometry.groups.items():
            offs, base = [np.zeros(1, np.int64)], 0
            for p in parts:
                offs.append(p.data[okey][1:] + base)
                base += p.data[okey][-1]
            out[okey] = np.concatenate(offs).astype(np.int64)
            for k in keys:
                out[k] = np.concatenate([p.data[k] for p in parts])
        return Frontier(geometry, out)

    def relabel_rows(self, fn: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> "Frontier":
        """Apply fn(labels, region of each label) to every label array.

        Parameters
        ----------
        fn : callable
            Takes a label array and the region index of each label; returns new labels.

        Returns
        -------
        Frontier
            The same regions with the new labels.
        """
        out = dict(self.data)
        for c in self.geometry.label_columns:
            n = len(self)
            region = (np.arange(n) if c.by == REGION
                      else np.repeat(np.arange(n), np.diff(out[c.by])))
            out[c.name] = fn(out[c.name], region)
        return Frontier(self.geometry, out)

    def relabel(self, fn: Callable[[np.ndarray], np.ndarray]) -> "Frontier":
        """Apply fn to every label array.

        Parameters
        ----------
        fn : callable
            Takes a label array; returns new labels.

        Returns
        -------
        Frontier
            The same regions with the new labels.
        """
        return self.relabel_rows(lambda lab, region: fn(lab))
