"""RegionSet: the columnar result of an enumeration, the currency of every later stage."""
from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from regionkit.atomic import atomic_path
from regionkit.core.frontier import Frontier, chebyshev_balls
from regionkit.core.geometry import Geometry, vertex_centroids
from regionkit.core.patternindex import PatternIndex
from regionkit.errors import (
    IncompleteError,
    InteriorPointWarning,
    NetworkFileError,
    RegionkitError,
    SolverError,
)
from regionkit.measures import boundary
from regionkit.measures.cache import MeasureCache
from regionkit.measures.faces import Faces, euler_characteristic, faces
from regionkit.measures.facets import facet_table
from regionkit.measures.graph import Adjacency, adjacency
from regionkit.model.domains import Domain
from regionkit.model.network import Network
from regionkit.model.tolerance import Tolerance
from regionkit.regions.exactfaces import EXACT_FACES_MAX_WORK, exact_faces, exact_faces_work
from regionkit.regions.store import StoredRegionSet

if TYPE_CHECKING:
    import networkx as nx
    from scipy import sparse

    from regionkit.regions.certify import Certificate

__all__ = ["FORMAT_VERSION", "RegionSet"]

FORMAT_VERSION = 1


@dataclass(eq=False)
class RegionSet:
    """Every activation region of a network on a domain, as columns.

    Coordinates are those of the domain (t-space; for slices, map with domain.to_input).
    Region r:
      * pattern: bit h of ``patterns[r]`` (packed, little bit order) is 1 iff hyperplane h
        (one per breakpoint of a unit's activation table: ReLU z > 0, hard tanh z > -1 and
        z > 1; one per maxout piece) is positive on r;
      * inequalities ``ineq_A[o[r]:o[r+1]] t < ineq_b[...]`` (unit-norm rows; labels >= 0
        name network hyperplanes, label -1-k names domain inequality k);
      * ``interior_points[r]`` (its Chebyshev centre) and ``chebyshev_radii[r]`` (in 2-D and
        vertex form computed on first use: counting does not pay for the LPs);
      * its vertices (CSR; counter-clockwise in 2-D) in 1-D to 4-D (vertex form), and in
        vertex form which rows each vertex lies on (``incidence``: ceil(rows/64) uint64
        words per vertex, CSR by ``incidence_offsets``);
      * the affine output map ``F(t) = output_M[r] @ t + output_m[r]`` on r.

    enumerate_regions and load build it.

    Parameters
    ----------
    network : Network
        The network enumerated.
    domain : Domain
        The domain, whose coordinates everything is in.
    tol : Tolerance
        The enumeration's tolerance.
    kind : Geometry or str
        How the regions were split: '1d', '2d', 'vd' (vertex form) or 'nd' (LP form).
    patterns : numpy.ndarray of uint8, shape (n_regions, ceil(n_hyperplanes / 8))
        Packed patterns.
    ineq_offsets, ineq_A, ineq_b, ineq_labels : numpy.ndarray
        The inequalities of every region (CSR).
    vertex_offsets, vertices : numpy.ndarray or None
        The vertices of every region (CSR); None in LP form.
    incidence_offsets, incidence : numpy.ndarray or None
        In vertex form, the rows each vertex lies on (CSR); else None.
    output_M, output_m : numpy.ndarray
        The output map of every region, shapes (n_regions, n_out, dim) and
        (n_regions, n_out); all NaN when the run stopped early.
    per_layer : list of int
        Regions after each layer (a layer that stopped early: the children it made).
    depth : numpy.ndarray of int, shape (n_regions,)
        The layers that split each region (n_layers when complete).
    seconds : float
        Wall time of the enumeration.
    stop_reason : str or None
        None for a complete run, else 'max_regions', 'time_limit', 'max_memory' or
        'interrupted'.
    keep : {'regions', 'patterns', 'count'}
        What the enumeration kept (enumerate_regions): with 'patterns' the geometry, output
        maps and inequalities are None and interior_points are vertex centroids; with
        'count' only the counts remain (patterns and depth None too).
    count : int or None
        The number of regions when no patterns were kept.
    stopped_in : dict or None
        Where a stopped run stopped: ``first_layer`` to ``last_layer`` (1-based) were being
        split (one layer, or the layers a depth-first phase runs regions through), and
        ``split`` of the ``inputs`` regions entering first_layer had gone through them.
    certificate : Certificate or None
        The exactness certificate, when enumerate_regions(certify=True) made one.
    measure_cache : MeasureCache
        The measures computed so far.
    """

    network: Network
    domain: Domain
    tol: Tolerance
    kind: Geometry  # compares equal to its value: '1d', '2d', 'vd' or 'nd'
    patterns: np.ndarray | None
    ineq_offsets: np.ndarray | None
    ineq_A: np.ndarray | None
    ineq_b: np.ndarray | None
    ineq_labels: np.ndarray | None
    vertex_offsets: np.ndarray | None
    vertices: np.ndarray | None
    incidence_offsets: np.ndarray | None
    incidence: np.ndarray | None
    output_M: np.ndarray | None
    output_m: np.ndarray | None
    per_layer: list[int]
    depth: np.ndarray | None
    seconds: float
    stop_reason: str | None = None
    keep: str = "regions"
    count: int | None = None
    stopped_in: dict[str, int] | None = None
    certificate: Certificate | None = None
    _centres: np.ndarray | None = field(default=None, repr=False)
    _radii: np.ndarray | None = field(default=None, repr=False)
    _points_checked: bool = field(default=False, repr=False)
    _index: PatternIndex | None = field(default=None, repr=False)
    measure_cache: MeasureCache = field(default_factory=MeasureCache, repr=False)

    def __post_init__(self) -> None:
        self.kind = Geometry(self.kind)  # files and callers may give the plain name
        if self.keep not in ("regions", "patterns", "count"):
            raise RegionkitError(f"unknown keep {self.keep!r}")

    # --- construction ----------------------------------------------------------------------
    @classmethod
    def from_frontier(cls, *, network: Network, domain: Domain, tol: Tolerance,
                      frontier: Frontier, patterns: np.ndarray, output_M: np.ndarray,
                      output_m: np.ndarray, per_layer: list[int], depth: np.ndarray,
                      seconds: float, stop_reason: str | None,
                      stopped_in: dict[str, int] | None = None) -> "RegionSet":
        """The RegionSet of an enumeration's last frontier.

        Parameters
        ----------
        network : Network
            The network enumerated.
        domain : Domain
            The domain.
        tol : Tolerance
            The enumeration's tolerance.
        frontier : Frontier
            The final regions.
        patterns : numpy.ndarray of uint8, shape (n_regions, ceil(n_hyperplanes / 8))
            Their patterns, packed (little bit order).
        output_M, output_m : numpy.ndarray
            Their output maps.
        per_layer : list of int
            Regions after each layer.
        depth : numpy.ndarray of int, shape (n_regions,)
            The layers that split each region.
        seconds : float
            Wall time of the enumeration.
        stop_reason : str or None
            Why the run stopped early, None if it did not.
        stopped_in : dict or None
            Where it stopped (see the class).

        Returns
        -------
        RegionSet
            The regions, with the frontier's inequalities, vertices, incidences and
            Chebyshev balls where it holds them.
        """
        g, F = frontier.geometry, frontier.data
        ineq_offsets, ineq_A, ineq_b, labels = g.rows(F)
        voff, verts = g.vertices(F) or (None, None)
        ioff, inc = g.incidence(F) or (None, None)
        interior, radii = g.chebyshev(F) or (None, None)  # else computed on first use
        return cls(network=network, domain=domain, tol=tol, kind=g, patterns=patterns,
                   ineq_offsets=np.asarray(ineq_offsets, np.int64), ineq_A=np.asarray(ineq_A),
                   ineq_b=np.asarray(ineq_b), ineq_labels=np.asarray(labels, np.int64),
                   _centres=interior, _radii=radii,
                   vertex_offsets=voff, vertices=verts, incidence_offsets=ioff, incidence=inc,
                   output_M=output_M, output_m=output_m,
                   per_layer=list(per_layer), depth=depth, seconds=float(seconds),
                   stop_reason=stop_reason, stopped_in=stopped_in)

    @classmethod
    def without_geometry(cls, *, network: Network, domain: Domain, tol: Tolerance,
                         kind: Geometry, keep: str, count: int, patterns: np.ndarray | None,
                         interior_points: np.ndarray | None, depth: np.ndarray | None,
                         per_layer: list[int], seconds: float, stop_reason: str | None,
                         stopped_in: dict[str, int] | None = None) -> "RegionSet":
        """The result of an enumeration that kept patterns (keep='patterns') or counts only.

        Parameters
        ----------
        network, domain, tol, kind, per_layer, seconds, stop_reason, stopped_in
            As for the constructor.
        keep : {'patterns', 'count'}
            What was kept.
        count : int
            The number of regions.
        patterns : numpy.ndarray or None
            Packed patterns (keep='patterns').
        interior_points : numpy.ndarray or None
            A strictly interior point of each region (keep='patterns').
        depth : numpy.ndarray or None
            The layers that split each region (keep='patterns').

        Returns
        -------
        RegionSet
            A RegionSet whose geometry columns are None.
        """
        return cls(network=network, domain=domain, tol=tol, kind=kind, patterns=patterns,
                   ineq_offsets=None, ineq_A=None, ineq_b=None, ineq_labels=None,
                   vertex_offsets=None, vertices=None, incidence_offsets=None, incidence=None,
                   output_M=None, output_m=None, per_layer=list(per_layer), depth=depth,
                   seconds=float(seconds), stop_reason=stop_reason, keep=keep, count=count,
                   stopped_in=stopped_in, _centres=interior_points)

    @property
    def interior_points(self) -> np.ndarray:
        """The Chebyshev centre of every region (n_regions, dim).

        With keep='patterns', a strictly interior point (the vertex centroid in 2-D and vertex
        form). LP-form regions (method='lp', 5-D and up), whose rows the solver saw only in
        floats, have their centres checked on first use (verify_interior_points: the
        region's pattern there, with the engine's margin); one that fails is replaced by an
        exact interior point, and a region exact arithmetic finds no point for raises an
        InteriorPointWarning (it is not genuine: certify() says more).
        """
        self.require_kept("patterns", "interior points")
        if self._centres is None:
            self._chebyshev()
        if (not self._points_checked and self.keep == "regions" and self.vertices is None
                and not self.kind.is_interval):
            from regionkit.regions.certify import verify_interior_points

            self._centres, empty = verify_interior_points(self, self._centres)
            self._points_checked = True
            if len(empty):
                warnings.warn(f"{len(empty)} region(s) have no interior point in exact "
                              f"arithmetic (first: region {int(empty[0])}): they are not "
                              "genuine; rs.certify() lists them, method='exact' counts "
                              "exactly", InteriorPointWarning, stacklevel=2)
        return self._centres

    @property
    def chebyshev_radii(self) -> np.ndarray:
        """The radius of the largest ball inside every region."""
        self.require_kept("regions", "Chebyshev radii")
        if self._radii is None:
            self._chebyshev()
        return self._radii

    def _chebyshev(self) -> None:
        """One small LP per region (the core's solver), started at its vertex centroid."""
        start = vertex_centroids(self.vertex_offsets, self.vertices)
        self._centres, self._radii = chebyshev_balls(self.ineq_offsets, self.ineq_A,
                                                     self.ineq_b, start,
                                                     (self.domain.lo, self.domain.hi))

    # --- summary ---------------------------------------------------------------------------
    @property
    def n_regions(self) -> int:
        """Number of activation regions (a lower bound when the run is incomplete)."""
        return int(self.count if self.patterns is None else self.patterns.shape[0])

    @property
    def complete(self) -> bool:
        """Whether the enumeration ran to the end (no budget hit, no interrupt)."""
        return self.stop_reason is None

    def require_complete(self, feature: str) -> None:
        """Refuse `feature` on a run that a budget or Ctrl-C stopped early.

        Measures of the complex (its graph, boundary, faces, cells) need every region: on a
        partial run they would be wrong, not approximate.

        Parameters
        ----------
        feature : str
            What needs the complete enumeration, named in the message.

        Raises
        ------
        IncompleteError
            If the run stopped early; the message names the reason, and the error's
            stop_reason is the run's.
        """
        self.require_kept("regions", feature)
        if not self.complete:
            raise IncompleteError(f"{feature} needs a complete enumeration (this run stopped "
                                  f"early: {self.stop_reason}); rerun with a larger max_regions "
                                  "or time_limit", str(self.stop_reason))

    def require_kept(self, what: str, feature: str) -> None:
        """Refuse `feature` on a run that did not keep `what` (enumerate_regions' keep).

        Parameters
        ----------
        what : {'regions', 'patterns'}
            What the feature reads: the regions' geometry and maps, or their patterns.
        feature : str
            What needs it, named in the message.

        Raises
        ------
        RegionkitError
            If the run kept less than `what`.
        """
        order = ("count", "patterns", "regions")
        if order.index(self.keep) < order.index(what):
            needs = "geometry" if what == "regions" else "patterns"
            raise RegionkitError(f"{feature} needs the regions' {needs}, which this run did "
                                 f"not keep (keep={self.keep!r}); rerun enumerate_regions "
                                 f"with keep={what!r}")

    @property
    def dim(self) -> int:
        """Dimension of the domain's coordinates."""
        return self.domain.dim

    def __len__(self) -> int:
        return self.n_regions

    def __repr__(self) -> str:
        state = "complete" if self.complete else f"INCOMPLETE ({self.stop_reason})"
        kept = "" if self.keep == "regions" else f", keep={self.keep!r}"
        return (f"RegionSet({self.n_regions} activation regions of {self.network!r} on "
                f"{self.domain!r}, per layer {self.per_layer}, {state}{kept}, "
                f"{self.seconds:.3g} s)")

    def summary(self) -> dict[str, Any]:
        """JSON-ready scalars: counts, completeness, time.

        Returns
        -------
        dict of str
            n_regions, per_layer, complete, stop_reason, seconds, dim, kind and
            architecture (input and layer widths).

        Examples
        --------
        >>> import regionkit as rk
        >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
        ...                              [[0, 0, 0.5], [0]])
        >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
        >>> rs.summary()["n_regions"], rs.summary()["architecture"]
        (7, [2, 3, 1])
        """
        return {"n_regions": self.n_regions, "per_layer": [int(c) for c in self.per_layer],
                "complete": self.complete, "stop_reason": self.stop_reason,
                "seconds": self.seconds, "dim": self.dim, "kind": self.kind.value,
                "keep": self.keep,
                "architecture": [self.network.n_in] + self.network.widths}

    # --- per-region access -----------------------------------------------------------------
    def pattern_bits(self) -> np.ndarray:
        """The patterns, unpacked.

        Returns
        -------
        numpy.ndarray of bool, shape (n_regions, n_hyperplanes)
            Bit h of region r is set iff hyperplane h is positive on r.
        """
        self.require_kept("patterns", "pattern_bits")
        H = self.network.n_hyperplanes
        return np.unpackbits(self.patterns, axis=1, count=H, bitorder="little").astype(bool)

    def inequalities(self, r: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The inequalities of one region.

        Parameters
        ----------
        r : int
            The region.

        Returns
        -------
        A, b, labels : numpy.ndarray
            Region r is A t < b (unit-norm rows); labels >= 0 name network hyperplanes,
            -1-k domain inequality k.

        Examples
        --------
        >>> import regionkit as rk
        >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
        ...                              [[0, 0, 0.5], [0]])
        >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
        >>> r = int(rs.locate([[0.5, 0.5]])[0])
        >>> A, b, labels = rs.inequalities(r)
        >>> sorted(labels.tolist()), len(rs.region_vertices(r))
        ([-4, -2, 0, 1, 2], 5)
        """
        self.require_kept("regions", "inequalities")
        a, b = self.ineq_offsets[r], self.ineq_offsets[r + 1]
        return self.ineq_A[a:b], self.ineq_b[a:b], self.ineq_labels[a:b]

    def region_vertices(self, r: int) -> np.ndarray:
        """The vertices of one region (counter-clockwise in 2-D).

        Parameters
        ----------
        r : int
            The region.

        Returns
        -------
        numpy.ndarray, shape (n_vertices, dim)
            Its vertices.

        Raises
        ------
        RegionkitError
            In LP form, which keeps no vertices.
        """
        self.require_kept("regions", "region_vertices")
        if self.vertices is None:
            raise RegionkitError("vertices are kept only by the 1-D, 2-D and vertex-form "
                                 "engines (method='lp' keeps inequalities only)")
        return self.vertices[self.vertex_offsets[r]:self.vertex_offsets[r + 1]]

    def locate(self, t: np.ndarray) -> np.ndarray:
        """Index of the region whose pattern each point has.

        Points on a boundary get the pattern of the > 0 convention, which may be no region's.

        Parameters
        ----------
        t : array_like, shape (n, dim) or (dim,)
            Points in domain coordinates.

        Returns
        -------
        numpy.ndarray of int64, shape (n,)
            The region of each point, -1 if none has its pattern.

        Examples
        --------
        >>> import regionkit as rk
        >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
        ...                              [[0, 0, 0.5], [0]])
        >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
        >>> r = rs.locate([[0.5, 0.5]])
        >>> rs.pattern_bits()[r].astype(int), rs.outputs([[0.5, 0.5]], r)
        (array([[1, 1, 1]]), array([[1.]]))
        """
        t = np.atleast_2d(np.asarray(t, dtype=np.float64))
        pats = np.packbits(self.network.pattern(self.domain.to_input(t)), axis=1,
                           bitorder="little")
        return self.pattern_index().lookup(pats)

    def pattern_index(self) -> PatternIndex:
        """The region of each packed pattern (built once, cached).

        Returns
        -------
        PatternIndex
            The index of the patterns.
        """
        if self._index is None:
            self.require_kept("patterns", "the pattern index")
            self._index = PatternIndex(self.patterns)
        return self._index

    def outputs(self, t: np.ndarray, regions: np.ndarray) -> np.ndarray:
        """Network outputs at points, evaluated with the affine maps of given regions.

        Parameters
        ----------
        t : array_like, shape (n, dim) or (dim,)
            Points in domain coordinates.
        regions : array_like of int, shape (n,)
            The region whose map each point is evaluated with.

        Returns
        -------
        numpy.ndarray, shape (n, n_out)
            output_M[r] @ t + output_m[r] per point.
        """
        self.require_kept("regions", "outputs")
        t = np.atleast_2d(np.asarray(t, dtype=np.float64))
        regions = np.asarray(regions, dtype=np.int64)
        return np.einsum("noi,ni->no", self.output_M[regions], t) + self.output_m[regions]

    # --- graph and measures (regionkit.measures) -----------------------------------------
    def volumes(self) -> np.ndarray:
        """Exact k-volume of every region, in domain coordinates.

        Returns
        -------
        numpy.ndarray, shape (n_regions,)
            Region volumes; they sum to the domain's volume (lengths in 1-D, areas in 2-D).

        Raises
        ------
        RegionkitError
            If the volumes overflow float64 (a box like +-1e300 in 2-D).
        SolverError
            If a nearly degenerate region's facets cannot be read consistently and it has
            too many vertices to be measured from its convex hull instead (docs/engine.md).

        Examples
        --------
        >>> import regionkit as rk
        >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
        ...                              [[0, 0, 0.5], [0]])
        >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
        >>> float(rs.volumes().sum())
        4.0
        """
        self.require_kept("regions", "volumes")
        vol = facet_table(self).region_volume
        if not np.all(np.isfinite(vol)):
            raise RegionkitError(f"region volumes overflow float64 in the domain "
                                 f"{self.domain!r}; use a smaller box")
        return vol

    def adjacency(self) -> Adjacency:
        """Edges between regions whose closures share a (d-1)-face inside the open domain.

        Computed once and cached (regionkit.measures.graph.adjacency).

        Returns
        -------
        regionkit.measures.graph.Adjacency
            Edges (i < j) with the shared facet's volume, whether the affine map changes
            across it, the hyperplanes that flip, and the linear-region labels.

        Raises
        ------
        RegionkitError
            If the enumeration stopped early.

        Examples
        --------
        >>> import regionkit as rk
        >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
        ...                              [[0, 0, 0.5], [0]])
        >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
        >>> len(rs.adjacency().i)
        9
        """
        return adjacency(self)

    @property
    def n_linear_regions(self) -> int:
        """Number of linear regions: maximal connected unions with one affine map."""
        return self.adjacency().n_linear

    def linear_regions(self) -> np.ndarray:
        """Linear region label of every activation region.

        Returns
        -------
        numpy.ndarray of int, shape (n_regions,)
            Labels 0 .. n_linear_regions - 1.

        Raises
        ------
        RegionkitError
            If the enumeration stopped early.

        Examples
        --------
        >>> import regionkit as rk
        >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
        ...                              [[0, 0, 0.5], [0]])
        >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
        >>> rs.n_regions, rs.n_linear_regions, len(set(rs.linear_regions()))
        (7, 4, 4)
        """
        return self.adjacency().linear_labels

    def adjacency_matrix(self) -> sparse.csr_matrix:
        """Symmetric sparse adjacency matrix whose entries are shared facet volumes.

        Returns
        -------
        scipy.sparse.csr_matrix, shape (n_regions, n_regions)
            Entry (i, j) is the (d-1)-volume of the facet regions i and j share.

        Raises
        ------
        RegionkitError
            If the enumeration stopped early.

        Examples
        --------
        >>> import regionkit as rk
        >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
        ...                              [[0, 0, 0.5], [0]])
        >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
        >>> rs.adjacency_matrix().nnz
        18
        """
        from scipy import sparse

        g = self.adjacency()
        n = self.n_regions
        m = sparse.coo_matrix((g.facet_volume, (g.i, g.j)), shape=(n, n))
        return (m + m.T).tocsr()

    def adjacency_graph(self) -> nx.Graph:
        """The region adjacency graph as a networkx.Graph.

        Returns
        -------
        networkx.Graph
            One node per activation region, with attributes pattern (hex of the packed
            bits), interior_point, volume and linear_region; one edge per shared facet, with
            facet_volume, neurons (indices of the hyperplanes that flip) and map_changes.

        Raises
        ------
        RegionkitError
            If the enumeration stopped early.

        Examples
        --------
        >>> import regionkit as rk
        >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
        ...                              [[0, 0, 0.5], [0]])
        >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
        >>> G = rs.adjacency_graph()
        >>> G.number_of_nodes(), G.number_of_edges()
        (7, 9)
        """
        import networkx as nx

        g = self.adjacency()
        vol = self.volumes()
        G = nx.Graph()
        for r in range(self.n_regions):
            G.add_node(r, pattern=self.patterns[r].tobytes().hex(),
                       interior_point=self.interior_points[r].tolist(), volume=float(vol[r]),
                       linear_region=int(g.linear_labels[r]))
        for e in range(len(g.i)):
            G.add_edge(int(g.i[e]), int(g.j[e]), facet_volume=float(g.facet_volume[e]),
                       neurons=g.flip_index[g.flip_offsets[e]:g.flip_offsets[e + 1]].tolist(),
                       map_changes=bool(g.map_changes[e]))
        return G

    def boundary_volume(self, kind: str = "activation") -> float:
        """Total (d-1)-volume of the boundaries between regions inside the open domain.

        Parameters
        ----------
        kind : {"activation", "linear"}
            "activation": every shared facet once; "linear": only facets across which the
            affine map changes (Hanin & Rolnick's B_N).

        Returns
        -------
        float
            The volume, in domain coordinates; in 1-D the number of breakpoints.

        Raises
        ------
        RegionkitError
            If `kind` is unknown or the enumeration stopped early.

        Examples
        --------
        >>> import regionkit as rk
        >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
        ...                              [[0, 0, 0.5], [0]])
        >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
        >>> round(rs.boundary_volume("activation"), 4), rs.boundary_volume("linear")
        (6.1213, 4.0)
        """
        g = self.adjacency()
        if kind == "activation":
            return float(g.facet_volume.sum())
        if kind == "linear":
            return float(g.facet_volume[g.map_changes].sum())
        raise RegionkitError(f"kind must be 'activation' or 'linear', got {kind!r}")

    def distance_to_complex_boundary(self, points: np.ndarray,
                                     kind: str = "activation") -> np.ndarray:
        """Exact distance from each point to the boundary of this enumerated complex.

        Parameters
        ----------
        points : array_like, shape (n, dim)
            Points of the closed domain, in its own coordinates.
        kind : {"activation", "linear"}
            "activation": every facet shared by two activation regions; "linear": only the
            facets across which the affine map changes.

        Returns
        -------
        numpy.ndarray, shape (n,)
            Euclidean distance in domain coordinates; +inf if the boundary is empty.

        Raises
        ------
        PointsError
            If the points are not a finite (n, dim) array, or one lies outside the closed
            domain (outside it the network's hyperplanes go on past the enumerated facets).
        RegionkitError
            If `kind` is unknown or the enumeration stopped early.

        See Also
        --------
        regionkit.distance_to_region_boundary : distance from each point to the boundary of
            its own activation region, from the network alone (no enumeration).

        Examples
        --------
        >>> import regionkit as rk
        >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
        ...                              [[0, 0, 0.5], [0]])
        >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
        >>> rs.distance_to_complex_boundary([[-0.5, 0.5]], kind="linear")
        array([0.5])
        """
        return boundary.distance_to_complex_boundary(self, points, kind)

    def distance_to_boundary(self, points: np.ndarray, kind: str = "activation") -> np.ndarray:
        """Alias of distance_to_complex_boundary, kept for compatibility.

        Parameters
        ----------
        points : array_like, shape (n, dim)
            Points in the domain's own coordinates.
        kind : {"activation", "linear"}
            Which boundary.

        Returns
        -------
        numpy.ndarray, shape (n,)
            self.distance_to_complex_boundary(points, kind).
        """
        return self.distance_to_complex_boundary(points, kind)

    def face_counts(self) -> np.ndarray:
        """f-vector of the region complex inside the open domain.

        Returns
        -------
        numpy.ndarray of int, shape (dim + 1,)
            Entry k is the number of k-dimensional faces (vertices, edges, ..., the regions
            themselves) that lie inside the open domain.

        Raises
        ------
        SolverError
            If regions thinner than the tolerance have a vertex form floats cannot read,
            so the faces found do not form a partition, and the exact face listing cannot
            stand in: the net is too large or has maxout layers, or the run merged thin
            regions into neighbours (docs/certify.md).

        Examples
        --------
        >>> import regionkit as rk
        >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
        ...                              [[0, 0, 0.5], [0]])
        >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
        >>> rs.face_counts()
        array([3, 9, 7])
        """
        self.require_kept("regions", "face_counts")
        return self._faces().f_vector(self.dim)

    def codim_volumes(self) -> np.ndarray:
        """Hanin & Rolnick's strata: the volume of the faces of each codimension.

        Returns
        -------
        numpy.ndarray, shape (dim + 1,)
            Entry k is the total (d-k)-volume of the faces of codimension k inside the open
            domain (k = 0: the domain's volume; k = 1: the activation boundary volume;
            k = d: the number of vertices).

        Raises
        ------
        SolverError
            As face_counts.

        Examples
        --------
        >>> import regionkit as rk
        >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
        ...                              [[0, 0, 0.5], [0]])
        >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
        >>> rs.codim_volumes().round(4)
        array([4.    , 6.1213, 3.    ])
        """
        self.require_kept("regions", "codim_volumes")
        return self._faces().strata(self.dim)

    def _faces(self) -> Faces:
        """The complex's faces in floats (regionkit.measures.faces), or, where those do not
        form a partition (slivers thinner than the tolerance), in exact arithmetic for small
        elementwise nets (regionkit.regions.exactfaces)."""
        try:
            return faces(self)
        except SolverError as err:
            if self.network.has_maxout:
                why = "a maxout net has no exact face listing"
            elif (work := exact_faces_work(self)) > EXACT_FACES_MAX_WORK:
                why = (f"the exact face listing would take {work} solves (at most "
                       f"EXACT_FACES_MAX_WORK = {EXACT_FACES_MAX_WORK})")
            else:
                exact = self.measure_cache.get("exact_faces", lambda: exact_faces(self))
                if euler_characteristic(exact.f_vector(self.dim)) == (-1) ** self.dim:
                    return exact
                why = ("the exact face listing is no partition either: the run merged "
                       "regions thinner than its tolerance into neighbours (rs.certify() "
                       "lists them as missing; method='exact' enumerates them)")
            raise SolverError(f"{err}; {why}. rs.certify() reports the near-degenerate "
                              f"regions; face counts and codimension volumes are refused "
                              f"rather than given wrong") from None

    def pattern_polytope(self, r: int, max_vertices: int = 2048
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                    np.ndarray] | None:
        """Region r's closure from every row of its pattern, vertices found exactly.

        The rows are composed in exact arithmetic and the vertices enumerated in it
        (rational.vertex_enumeration), then rounded once: what the measures fall back on
        for a region whose float vertices contradict each other (regionkit.measures.facets).

        Parameters
        ----------
        r : int
            The region (of a complete run).
        max_vertices : int, default 2048
            Give up (None) past this many vertices in flight.

        Returns
        -------
        tuple of numpy.ndarray or None
            U (n_vertices, dim): the vertices in the coordinates u = (t - (lo + hi) / 2) /
            ((hi - lo) / 2) of the domain's bounding box (lo, hi), rounded from the exact
            ones; on (n_vertices, m): the rows each lies on; A (m, dim), b (m,) and labels
            (m,): the rows, the region being A t <= b, in the order of the network's
            hyperplanes, then the domain's (label -1-k). None where the region is flat or
            past max_vertices.

        Raises
        ------
        RegionkitError
            If region r does not exist, or the run kept no regions.

        Examples
        --------
        >>> import regionkit as rk
        >>> net = rk.Network.from_arrays([[[1, 0], [0, 1]], [[1, 1]]], [[0, 0], [0]])
        >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
        >>> U, on, A, b, labels = rs.pattern_polytope(0)
        >>> sorted(map(tuple, U.tolist())), labels.tolist()
        ([(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)], [0, 1, -1, -2, -3, -4])
        """
        self.require_kept("regions", "pattern polytopes")
        if not 0 <= r < self.n_regions:
            raise RegionkitError(f"pattern_polytope: region {r} does not exist (this "
                                 f"RegionSet has regions 0 to {self.n_regions - 1})")
        from regionkit.regions.rational import RationalNet, q, vertex_enumeration

        ex = self.measure_cache.get("rational_net", lambda: RationalNet(self.network,
                                                                        self.domain))
        bits = np.unpackbits(self.patterns[r], count=self.network.n_hyperplanes,
                             bitorder="little").astype(bool)  # region r's only
        got = ex.rows(bits)
        rows = got[0] if got is not None else ex.domain_rows
        lo, hi = self.domain.lo, self.domain.hi
        found = vertex_enumeration(rows, lo, hi, max_vertices)
        if found is None:
            return None
        V, on = found
        centre = [(q(a) + q(c)) / 2 for a, c in zip(lo, hi)]
        half = [(q(c) - q(a)) / 2 for a, c in zip(lo, hi)]
        U = np.array([[float((x - m) / h) for x, m, h in zip(v, centre, half)] for v in V])
        A = np.array([[float(x) for x in row.a] for row in rows]).reshape(-1, self.dim)
        return (U, on, A, np.array([-float(row.c) for row in rows]),
                np.array([row.label for row in rows], dtype=np.int64))

    def certify(self, *, near: float = 1e-6, exact: bool = False,
                time_limit: float | None = None) -> Certificate:
        """Prove in exact arithmetic that these regions are the partition (docs/certify.md).

        Parameters
        ----------
        near : float, default 1e-6
            Regions with inradius below near times the domain's largest side are reported
            as near-degenerate.
        exact : bool, default False
            Check every region in rational arithmetic, without the float filter.
        time_limit : float, optional
            Seconds the check may run; the regions it leaves are listed in
            Certificate.unchecked and the certificate does not hold. None: no limit.

        Returns
        -------
        regionkit.regions.certify.Certificate
            ok, counts, failing regions with reasons, near-degenerate regions, degenerate
            units, time.

        Examples
        --------
        >>> import regionkit as rk
        >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
        ...                              [[0, 0, 0.5], [0]])
        >>> rk.enumerate_regions(net, rk.Box(-1, 1, dim=2)).certify().ok
        True
        """
        from regionkit.regions.certify import certify

        return certify(self, near=near, exact=exact, time_limit=time_limit)

    # --- files -----------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Write everything, network and domain included, to one .npz file.

        Parameters
        ----------
        path : str or os.PathLike
            The file (.npz is appended to a name without it). It is written atomically:
            a temporary file beside it, renamed over it when complete.

        Examples
        --------
        >>> import os, tempfile
        >>> import regionkit as rk
        >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
        ...                              [[0, 0, 0.5], [0]])
        >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     rs.save(os.path.join(tmp, "rs.npz"))
        ...     rk.RegionSet.load(os.path.join(tmp, "rs.npz")).n_regions
        7
        """
        arrays: dict[str, np.ndarray] = {}
        for k, v in self.network.to_npz_dict().items():
            arrays[f"net_{k}"] = v
        for k, v in self.domain.to_dict().items():
            arrays[f"dom_{k}"] = np.asarray(v)
        if self.keep == "regions":
            arrays["interior_points"] = self.interior_points
            arrays["chebyshev_radii"] = self.chebyshev_radii
        elif self.keep == "patterns":
            arrays["interior_points"] = self.interior_points
        for k in ("patterns", "ineq_offsets", "ineq_A", "ineq_b", "ineq_labels", "output_M",
                  "output_m", "depth", "vertex_offsets", "vertices", "incidence_offsets",
                  "incidence"):
            if getattr(self, k) is not None:
                arrays[k] = getattr(self, k)
        meta = {"format": FORMAT_VERSION, "kind": self.kind.value, "per_layer": self.per_layer,
                "seconds": self.seconds, "stop_reason": self.stop_reason,
                "rtol": self.tol.rtol, "atol": self.tol.atol, "keep": self.keep,
                "count": self.n_regions, "stopped_in": self.stopped_in}
        arrays["meta"] = np.array(json.dumps(meta))
        target = os.fspath(path)
        with atomic_path(target if target.endswith(".npz") else target + ".npz") as tmp:
            np.savez_compressed(tmp, **arrays)

    @classmethod
    def open(cls, path: str | os.PathLike) -> StoredRegionSet:
        """Open a store written by enumerate_regions(..., store=path), lazily.

        Parameters
        ----------
        path : str or os.PathLike
            The store directory.

        Returns
        -------
        StoredRegionSet
            Counts at once, regions a shard at a time (iter_chunks), everything on load().

        Raises
        ------
        StoreError
            If `path` is not a store, or its run did not finish or stop cleanly.

        Examples
        --------
        >>> import os, tempfile
        >>> import regionkit as rk
        >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
        ...                              [[0, 0, 0.5], [0]])
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     _ = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2), store=tmp + "/run.rks")
        ...     stored = rk.RegionSet.open(tmp + "/run.rks")
        ...     stored.n_regions, stored.load().n_regions
        (7, 7)
        """
        return StoredRegionSet(path, cls)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "RegionSet":
        """Read a file written by save().

        Parameters
        ----------
        path : str or os.PathLike
            The file.

        Returns
        -------
        RegionSet
            The regions, network and domain as saved.

        Raises
        ------
        NetworkFileError
            A missing or unreadable file, or not a RegionSet file of this format.
        """
        p = os.fspath(path)
        try:
            with np.load(p, allow_pickle=False) as z:
                data = {k: z[k] for k in z.files}
        except FileNotFoundError:
            raise NetworkFileError(f"{p}: no such file") from None
        except Exception as exc:
            raise NetworkFileError(f"{p}: not a readable RegionSet file ({exc})") from None
        if "meta" not in data:
            raise NetworkFileError(f"{p}: not a RegionSet file (no 'meta' entry)")
        meta = json.loads(str(data["meta"]))
        if meta.get("format") != FORMAT_VERSION:
            raise NetworkFileError(f"{p}: unsupported RegionSet format {meta.get('format')}")
        net = Network.from_npz_dict({k[4:]: v for k, v in data.items() if k.startswith("net_")},
                                    source=p)
        dom = Domain.from_dict({k[4:]: v for k, v in data.items() if k.startswith("dom_")})
        return cls(network=net, domain=dom, tol=Tolerance.saved(meta["rtol"], meta["atol"]),
                   kind=meta["kind"], patterns=data.get("patterns"),
                   ineq_offsets=data.get("ineq_offsets"), ineq_A=data.get("ineq_A"),
                   ineq_b=data.get("ineq_b"), ineq_labels=data.get("ineq_labels"),
                   _centres=data.get("interior_points"), _radii=data.get("chebyshev_radii"),
                   vertex_offsets=data.get("vertex_offsets"), vertices=data.get("vertices"),
                   incidence_offsets=data.get("incidence_offsets"),
                   incidence=data.get("incidence"),
                   output_M=data.get("output_M"), output_m=data.get("output_m"),
                   per_layer=list(meta["per_layer"]), depth=data.get("depth"),
                   seconds=float(meta["seconds"]), stop_reason=meta["stop_reason"],
                   keep=meta.get("keep", "regions"), count=meta.get("count"),
                   stopped_in=meta.get("stopped_in"))
