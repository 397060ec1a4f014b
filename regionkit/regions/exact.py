"""method="exact": enumeration in rational arithmetic, the reference for every other path.

Every float of the network and the domain is taken exactly (regionkit.regions.rational).
The search starts from the region just beyond the domain's exact centre along e_1, e_2, ...
(lexicographically, so it is full-dimensional) and walks across facets: each region's
facets come from exact LPs, and the region across a facet is the exact pattern just beyond
a relative-interior point of it. The regions' facet graph is connected, so the walk finds
every full-dimensional region, however thin; no tolerance is involved. For small nets: a
region costs a few exact LPs in Python.
"""
from __future__ import annotations

import math
import time
from collections import deque

import numpy as np

from regionkit.core.frontier import chebyshev_balls
from regionkit.core.geometry import Geometry
from regionkit.errors import SolverError
from regionkit.model.domains import Domain
from regionkit.model.network import Network
from regionkit.model.tolerance import Tolerance
from regionkit.regions.arguments import checked_arguments
from regionkit.regions.rational import RationalNet, facets, interior_point, q
from regionkit.regions.regionset import RegionSet

__all__ = ["enumerate_exact"]


def enumerate_exact(net: Network, domain: Domain, tol: Tolerance | float | None = None, *,
                    max_regions: int | None = None,
                    time_limit: float | None = None) -> RegionSet:
    """Every full-dimensional activation region, in exact rational arithmetic.

    Parameters
    ----------
    net : Network
        The network.
    domain : Domain
        An open box, polytope, plane, segment or slice of its input space.
    tol : Tolerance, float or None, optional
        Kept on the RegionSet for the measures computed later; the enumeration uses none.
    max_regions : int, optional
        Stop after this many regions (>= 1); None: no limit.
    time_limit : float, optional
        Seconds the enumeration may run; None: no limit.

    Returns
    -------
    RegionSet
        In LP form (kind 'nd'): each region's facets as unit-norm float rows, its Chebyshev
        centre, its output map; ``complete`` False when a budget stopped the search.

    Raises
    ------
    RegionkitError
        net or domain of the wrong type, or max_regions < 1.
    DomainError
        If the domain does not live in the network's input space.

    Examples
    --------
    >>> import regionkit as rk
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
    ...                              [[0, 0, 0.5], [0]])
    >>> enumerate_exact(net, rk.Box(-1, 1, dim=2)).n_regions
    7
    """
    tol = checked_arguments(net, domain, tol, max_regions)
    start = time.perf_counter()
    deadline = math.inf if time_limit is None else start + float(time_limit)
    budget = math.inf if max_regions is None else int(max_regions)
    ex = RationalNet(net, domain)
    d = domain.dim
    centre, _ = interior_point(ex.domain_rows)
    if centre is None:
        raise SolverError("the domain has no interior point in exact arithmetic")
    units = [[q(1) if i == j else q(0) for i in range(d)] for j in range(d)]
    first = ex.pattern(centre, units)
    hints = {first: centre}
    queue = deque([first])
    found: dict[tuple[bool, ...], tuple] = {}
    stop_reason = None
    while queue:
        if len(found) >= budget:
            stop_reason = "max_regions"
            break
        if time.perf_counter() >= deadline:
            stop_reason = "time_limit"
            break
        pat = queue.popleft()
        built = ex.rows(pat)
        point = None
        if built is not None:
            rows, out = built
            point, _ = interior_point(rows, [hints.pop(pat)])
        if point is None:  # the pattern just beyond a point is always full-dimensional
            raise SolverError(f"exact enumeration reached an empty pattern {pat}")
        fac = facets(rows, point)
        found[pat] = (rows, fac, out)
        for f in fac:
            if any(rows[j].label < 0 for j in f.rows):
                continue
            nb = ex.pattern(f.point, [rows[f.rows[0]].a])
            if nb not in found and nb not in hints:
                hints[nb] = f.point
                queue.append(nb)
    return _regionset(net, domain, tol, found, start, stop_reason)


def _regionset(net: Network, domain: Domain, tol: Tolerance, found: dict, start: float,
               stop_reason: str | None) -> RegionSet:
    n, d = len(found), domain.dim
    pats = np.array(list(found), dtype=bool).reshape(n, net.n_hyperplanes)
    offsets, A, b, labels, inside = [0], [], [], [], []
    out_M = np.zeros((n, net.n_out, d))
    out_m = np.zeros((n, net.n_out))
    for r, (rows, fac, (M, m)) in enumerate(found.values()):
        for f in fac:
            row = rows[f.rows[0]]
            a = np.array([float(x) for x in row.a])
            norm = float(np.linalg.norm(a))
            A.append(a / norm)
            b.append(-float(row.c) / norm)
            labels.append(row.label)
        offsets.append(len(A))
        inside.append(np.mean([[float(x) for x in f.point] for f in fac], axis=0))
        out_M[r] = [[float(x) for x in mr] for mr in M]
        out_m[r] = [float(x) for x in m]
    ineq_offsets = np.array(offsets, np.int64)
    ineq_A = np.array(A, np.float64).reshape(-1, d)
    ineq_b = np.array(b, np.float64)
    start_points = np.array(inside, np.float64).reshape(n, d)
    centres, radii = (chebyshev_balls(ineq_offsets, ineq_A, ineq_b, start_points,
                                      (domain.lo, domain.hi)) if n
                      else (np.zeros((0, d)), np.zeros(0)))
    offs = net.layer_hyperplane_offsets()
    per_layer = [len({p[:offs[li + 1]].tobytes() for p in pats}) for li in range(net.n_layers)]
    packed = np.packbits(pats, axis=1, bitorder="little")
    return RegionSet(network=net, domain=domain, tol=tol, kind=Geometry.LP, patterns=packed,
                     ineq_offsets=ineq_offsets, ineq_A=ineq_A, ineq_b=ineq_b,
                     ineq_labels=np.array(labels, np.int64), _centres=centres, _radii=radii,
                     vertex_offsets=None, vertices=None, incidence_offsets=None,
                     incidence=None, output_M=out_M, output_m=out_m, per_layer=per_layer,
                     depth=np.full(n, net.n_layers, np.int64),
                     seconds=time.perf_counter() - start, stop_reason=stop_reason)
