"""certify(): an exact proof that a RegionSet is the activation partition of its domain.

Three checks, all exact (docs/certify.md):

1. genuine: every region has a point where all of its rows (regionkit.regions.rational) are
   strictly negative, so a neighbourhood of it has the region's pattern;
2. complete: every facet of every region lies on the domain's boundary or is crossed into a
   listed region. Crossing a facet at a point of its relative interior flips exactly the
   bits whose rows vanish there, and the region across has that very facet (on its zero
   set the pieces either side meet, so the two regions' other rows agree there); a
   missing region would leave a facet with nothing across it, so if every facet has its
   neighbour listed, the closures cover the domain. Patterns listed twice are reported;
3. the near-degenerate regions (inradius below `near` times the domain's size) and the
   exactly degenerate units (a hyperplane identically at its threshold on a region) are
   reported.

Speed: the regions' rows are first computed in floats with rigorous error bounds, in the
compiled core (csrc/certfilter.hpp; maps are composed once per run of regions sharing the
bits of their first layers; every dot product of n terms is off by at most gamma(n) times
the sum of its absolute terms, Higham's bound, which holds in any summation order), and a
float test is used only where its bound proves the exact answer: strict margins at the
centroid of the stored vertices; a box around the stored vertices whose sides are proven
by Farkas certificates (multipliers y >= 0 on stored rows, valid for any y >= 0), so rows
negative on the whole box are no facets; for each stored facet, a segment from the
centroid across the facet whose crossing point is strictly inside every other row (then
it is in the facet's relative interior); a Farkas certificate for each remaining row. A
region any of these cannot settle -- degenerate units, coincident hyperplanes, margins
below the rounding error, LP-form RegionSets without vertices -- is checked in exact
rational arithmetic instead (exact LPs for its facets). docs/certify.md has the details.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from regionkit.core import _core
from regionkit.errors import RegionkitError
from regionkit.measures.signs import domain_signs
from regionkit.model.activations import Maxout, core_table
from regionkit.regions.rational import BACKEND, RationalNet, facets, interior_point, q

__all__ = ["Certificate", "Failure", "NEAR_DEGENERATE_RTOL", "certify", "verify_interior_points"]

# A region is reported near-degenerate when its inradius is below this fraction of the
# domain's bounding-box diameter (its largest side).
NEAR_DEGENERATE_RTOL = 1e-6
# Float bounds (computed in csrc/certfilter.cpp, with the unit roundoff 2**-53 and a safety
# factor 2 on every bound) get this absolute floor for underflow (each product or sum of
# subnormals is off by at most 2**-1074).
_TINY = 1e-290
# Stored vertices lie on a stored row (a hint only, every use is proven) when the residual
# is below this times the domain's size.
_HINT_RTOL = 1e-9
# The box around a region's stored vertices reaches this fraction of the domain's size
# beyond them (its sides are proven, so any slack is sound; a little keeps the proofs easy).
_BOX_SLACK = 1e-6
# ... plus this fraction of the region's own extent: rows negative on the whole box need
# no further proof, and the points beyond each facet stay inside it.
_BOX_GROW = 1e-3


@dataclass(frozen=True)
class Failure:
    """One way a RegionSet differs from the exact partition.

    Parameters
    ----------
    kind : str
        'missing' (a region of the exact partition that is not listed), 'doubled' (a
        pattern listed more than once) or 'not_genuine' (a listed pattern whose region is
        empty or lower-dimensional, or that is no pattern at all).
    region : int
        The listed region involved: for 'missing', the region whose facet leads to it.
    pattern : str
        The pattern concerned, as hex of its packed bits (little bit order).
    point : tuple of float
        'missing': a point of the missing region (domain coordinates, rounded to floats);
        otherwise empty.
    detail : str
        A sentence saying what was found.
    """

    kind: str
    region: int
    pattern: str
    point: tuple[float, ...]
    detail: str


@dataclass
class Certificate:
    """The result of certify().

    Parameters
    ----------
    ok : bool
        True when the RegionSet is exactly the partition: every region genuine, no
        pattern twice, nothing missing.
    n_regions : int
        Regions listed.
    n_facets : int
        Facets checked (boundary facets included).
    n_exact : int
        Regions settled in exact rational arithmetic (the others by float tests whose
        error bounds prove the exact answer).
    failures : list of Failure
        What is missing, doubled or not genuine.
    near_degenerate : list of int
        Regions whose inradius is below `near` times the domain's size.
    degenerate_units : list of int
        Hyperplanes identically at their threshold on some region (a unit that cannot
        switch there).
    backend : str
        The rational arithmetic used: 'flint' or 'fractions'.
    seconds : float
        Wall time of the check.
    complete_run : bool
        Whether the enumeration certified ran to its end.
    unchecked : list of int
        Regions left unchecked when the check ran out of its time_limit (then ok is
        False: nothing is proven about them or their neighbours across their facets).
    """

    ok: bool
    n_regions: int
    n_facets: int
    n_exact: int
    failures: list[Failure] = field(default_factory=list)
    near_degenerate: list[int] = field(default_factory=list)
    degenerate_units: list[int] = field(default_factory=list)
    backend: str = BACKEND
    seconds: float = 0.0
    complete_run: bool = True
    unchecked: list[int] = field(default_factory=list)

    def count(self, kind: str) -> int:
        """Number of failures of one kind.

        Parameters
        ----------
        kind : str
            'missing', 'doubled' or 'not_genuine'.

        Returns
        -------
        int
            How many failures have that kind.
        """
        return sum(f.kind == kind for f in self.failures)

    @property
    def advice(self) -> str:
        """What to run when the certificate fails ('' when it holds)."""
        if self.ok:
            return ""
        if self.unchecked and not self.failures:
            return (f"the check ran out of its time_limit with {len(self.unchecked)} regions "
                    "unchecked; rerun certify() with more time (time_limit=None: no limit)")
        if not self.complete_run:
            return ("the enumeration stopped early; rerun it without a budget, or count "
                    "exactly with enumerate_regions(net, domain, method='exact')")
        return ("count exactly with enumerate_regions(net, domain, method='exact') (small "
                "nets), or enumerate again with a smaller tolerance (tol=...)")

    def summary(self) -> str:
        """A few lines for people: verdict, counts, failures, advice.

        Returns
        -------
        str
            The summary.
        """
        head = "CERTIFIED exact" if self.ok else "NOT CERTIFIED"
        lines = [f"{head}: {self.n_regions} regions, {self.n_facets} facets checked "
                 f"({self.n_exact} regions in exact arithmetic, {self.backend}), "
                 f"{self.seconds:.3g} s",
                 f"missing {self.count('missing')}, doubled {self.count('doubled')}, "
                 f"not genuine {self.count('not_genuine')}; near-degenerate regions "
                 f"{len(self.near_degenerate)}, degenerate units {len(self.degenerate_units)}"]
        if self.unchecked:
            lines.append(f"time_limit reached: {len(self.unchecked)} regions unchecked")
        for f in self.failures[:10]:
            lines.append(f"  {f.kind}: region {f.region}: {f.detail}")
        if len(self.failures) > 10:
            lines.append(f"  ... and {len(self.failures) - 10} more")
        if self.advice:
            lines.append(f"instead: {self.advice}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form.

        Returns
        -------
        dict of str
            Every field, failures as dicts.
        """
        return {"ok": self.ok, "n_regions": self.n_regions, "n_facets": self.n_facets,
                "n_exact": self.n_exact, "missing": self.count("missing"),
                "doubled": self.count("doubled"), "not_genuine": self.count("not_genuine"),
                "failures": [f.__dict__ for f in self.failures],
                "near_degenerate": list(self.near_degenerate),
                "degenerate_units": list(self.degenerate_units), "backend": self.backend,
                "seconds": self.seconds, "complete_run": self.complete_run,
                "unchecked": list(self.unchecked), "advice": self.advice}


def _hex(bits: np.ndarray) -> str:
    return np.packbits(np.asarray(bits, bool), bitorder="little").tobytes().hex()


def _flips(net, patterns: np.ndarray, region: np.ndarray, k: np.ndarray) -> np.ndarray:
    """The packed patterns across facets on hyperplane rows k of the given regions: the bit
    flipped (a table unit), or the unit's winner handed to k's piece (maxout)."""
    H = net.n_hyperplanes
    out = patterns[region]
    maxout = np.zeros(H, bool)
    start = np.zeros(H, np.int64)
    width = np.ones(H, np.int64)
    offs = net.layer_hyperplane_offsets()
    for li, act in enumerate(net.activations):
        if isinstance(act, Maxout):
            h = np.arange(offs[li], offs[li + 1])
            start[h] = offs[li] + (h - offs[li]) // act.pieces * act.pieces
            width[h] = act.pieces
            maxout[h] = True
    flip = ~maxout[k]
    rows = np.flatnonzero(flip)
    out[rows, k[rows] // 8] ^= np.left_shift(1, k[rows] % 8).astype(np.uint8)
    rows = np.flatnonzero(~flip)
    if len(rows):
        b = np.unpackbits(out[rows], axis=1, count=H, bitorder="little").astype(bool)
        kr = k[rows]
        cols = np.arange(H)
        b[(cols >= start[kr][:, None]) & (cols < (start[kr] + width[kr])[:, None])] = False
        b[np.arange(len(rows)), kr] = True
        out[rows] = np.packbits(b, axis=1, bitorder="little")
    return out


def certify(rs, *, near: float = NEAR_DEGENERATE_RTOL, exact: bool = False,
            time_limit: float | None = None) -> Certificate:
    """Prove in exact arithmetic that `rs` is the activation partition of its domain.

    Parameters
    ----------
    rs : RegionSet
        The enumeration to check (any method; complete or not).
    near : float, default NEAR_DEGENERATE_RTOL
        Regions whose inradius is below near times the domain's largest side are reported
        as near-degenerate.
    exact : bool, default False
        Check every region in exact rational arithmetic, without the float filter (slower;
        the answer is the same).
    time_limit : float, optional
        Seconds the check may run (checked between regions of the exact path, which can
        take long on nearly degenerate nets); the regions left are listed in
        Certificate.unchecked and the certificate does not hold. None: no limit.

    Returns
    -------
    Certificate
        ok, counts, the failures with their reasons, the near-degenerate regions and the
        degenerate units, the time taken.

    Raises
    ------
    RegionkitError
        If near is not a number in [0, 1), time_limit is not a positive number, or the run
        kept counts only (keep='count'; with keep='patterns' every region is checked in
        exact arithmetic).

    Examples
    --------
    >>> import regionkit as rk
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
    ...                              [[0, 0, 0.5], [0]])
    >>> cert = certify(rk.enumerate_regions(net, rk.Box(-1, 1, dim=2)))
    >>> cert.ok, cert.n_regions, cert.n_facets
    (True, 7, 28)
    """
    if not isinstance(near, (int, float)) or not 0 <= near < 1:
        raise RegionkitError(f"near must be a number in [0, 1), got {near!r}")
    if time_limit is not None and not (isinstance(time_limit, (int, float))
                                       and not isinstance(time_limit, bool)
                                       and time_limit > 0 and not math.isnan(time_limit)):
        raise RegionkitError(f"time_limit must be a positive number of seconds or None, "
                             f"got {time_limit!r}")
    rs.require_kept("patterns", "certify")
    start = time.perf_counter()
    deadline = math.inf if time_limit is None else start + float(time_limit)
    net, domain = rs.network, rs.domain
    n = rs.n_regions
    H = net.n_hyperplanes
    bits = rs.pattern_bits()
    index = rs.pattern_index()
    failures: list[Failure] = []
    size = float(np.max(domain.hi - domain.lo))
    scale = float(np.max(np.maximum(np.abs(domain.lo), np.abs(domain.hi)))) + size
    # Doubled patterns: the first copy stands for the pattern, the others fail.
    packed = np.ascontiguousarray(rs.patterns)
    keys = packed.view(np.dtype((np.void, packed.shape[1]))).reshape(-1)
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    owner = first[inverse]
    for r in np.flatnonzero(owner != np.arange(n)).tolist():
        failures.append(Failure("doubled", r, rs.patterns[r].tobytes().hex(), (),
                                f"pattern listed again (first as region {int(owner[r])})"))
    todo = np.flatnonzero(owner == np.arange(n))
    across_r: list[np.ndarray] = []  # float path: regions and their neighbours' patterns
    across_p: list[np.ndarray] = []
    found: list[tuple[int, Any, np.ndarray]] = []  # exact path: (region, point, bits)
    radius = np.full(n, np.inf)
    degenerate: set[int] = set()
    n_facets = 0
    slow: list[int] = todo.tolist()
    if not exact and rs.vertices is not None:  # LP form keeps no vertices to guide floats
        layers = [(W, b, core_table(act))
                  for W, b, act in zip(net.weights, net.biases, net.activations)]
        ids = todo
        ok, rad, fr, fk = _core.certify_float_filter(
            layers, domain.input_map(), domain.A, domain.b, domain.lo, domain.hi, ids,
            bits.view(np.uint8), rs.vertex_offsets, rs.vertices, rs.ineq_offsets, rs.ineq_A,
            rs.ineq_b, rs.ineq_labels, _HINT_RTOL * scale, _BOX_SLACK, _BOX_GROW, _TINY)
        slow = ids[~ok].tolist()
        radius[ids[ok]] = rad[ok]
        n_facets += len(fr)
        inner = fk < H
        across_r.append(fr[inner])
        across_p.append(_flips(net, packed, fr[inner], fk[inner]))
    cache: list[RationalNet] = []

    def exact_net() -> RationalNet:  # converts every weight once, when first needed
        if not cache:
            cache.append(RationalNet(net, domain))
        return cache[0]

    centres = None
    unchecked: list[int] = []
    for i, r in enumerate(slow):
        if time.perf_counter() > deadline:
            unchecked = slow[i:]
            break
        out = exact_net().rows(bits[r])
        if out is None:
            failures.append(Failure("not_genuine", r, rs.patterns[r].tobytes().hex(), (),
                                    "not a pattern: a maxout unit without exactly one "
                                    "winning piece"))
            continue
        rws = out[0]
        bad = [rw for rw in rws if not any(rw.a) and (rw.c > 0 or (rw.c == 0 and rw.strict))]
        if bad:
            failures.append(Failure("not_genuine", r, rs.patterns[r].tobytes().hex(), (),
                                    f"empty: hyperplane {bad[0].label} is constant on the "
                                    "wrong side of its threshold"))
            continue
        degenerate.update(rw.label for rw in rws if not any(rw.a) and rw.c == 0)
        if centres is None:
            centres = rs.interior_points
        point, margin = interior_point(rws, [[q(x) for x in centres[r]]])
        if point is None:
            failures.append(Failure("not_genuine", r, rs.patterns[r].tobytes().hex(), (),
                                    "empty or lower-dimensional: no point makes every row "
                                    "strictly negative (exact LP)"))
            continue
        radius[r] = _radius(rws, point)
        for f in facets(rws, point):
            n_facets += 1
            if any(rws[j].label < 0 for j in f.rows):
                continue
            nb = np.array(exact_net().pattern(f.point, [rws[f.rows[0]].a]), bool)
            found.append((r, f.point, nb))
    # Look every neighbour up; a pattern not listed is a missing region.
    exact_nb = np.array([nb for _, _, nb in found], bool).reshape(-1, H)
    pats = np.concatenate(across_p + [np.packbits(exact_nb, axis=1, bitorder="little")
                                      .reshape(-1, packed.shape[1])])
    owners = np.concatenate(across_r + [np.array([r for r, _, _ in found], np.int64)])
    points = [None] * (len(pats) - len(found)) + [p for _, p, _ in found]
    if len(pats):
        hit = index.lookup(pats)
        seen: set[bytes] = set()
        for j in np.flatnonzero(hit < 0):
            key = pats[j].tobytes()
            if key in seen:
                continue
            seen.add(key)
            nb = np.unpackbits(pats[j], count=H, bitorder="little").astype(bool)
            failures.append(_missing(exact_net(), int(owners[j]), nb, points[j], size, near))
    # The certified margin at the interior point bounds the inradius from below; regions
    # it does not clear are judged by their Chebyshev radius.
    left = set(unchecked)
    near_list = [r for r in todo[radius[todo] < near * size].tolist() if r not in left]
    if near_list and rs.keep == "regions":
        cheb = rs.chebyshev_radii
        near_list = [r for r in near_list if cheb[r] < near * size]
    elif near_list:  # no stored geometry: the exact LP's margin, a lower bound of the radius
        near_list = [r for r in near_list if _lp_margin(exact_net(), bits[r]) < near * size]
    return Certificate(ok=not failures and not unchecked, n_regions=n, n_facets=n_facets,
                       n_exact=len(slow) - len(unchecked), failures=failures,
                       near_degenerate=near_list,
                       degenerate_units=sorted(int(h) for h in degenerate if 0 <= h < H),
                       seconds=time.perf_counter() - start, complete_run=rs.complete,
                       unchecked=unchecked)


def _lp_margin(ex: RationalNet, bits: np.ndarray) -> float:
    """The largest L1-weighted margin of a region (exact LP), a lower bound of its inradius."""
    out = ex.rows(bits)
    return 0.0 if out is None else float(interior_point(out[0])[1])


def _radius(rows, point) -> float:
    """Distance from an exact interior point to the nearest row (a lower bound of the
    inradius), in floats."""
    best = np.inf
    for rw in rows:
        if any(rw.a):
            a = np.array([float(x) for x in rw.a])
            best = min(best, float(-(sum(x * y for x, y in zip(rw.a, point)) + rw.c))
                       / float(np.linalg.norm(a)))
    return best


def _missing(ex: RationalNet, region: int, nb: np.ndarray, point, size: float,
             near: float) -> Failure:
    """A Failure for a neighbour pattern not listed, with a point of it and its thickness."""
    out = ex.rows(nb)
    p = None
    if out is not None:
        rws = out[0]
        p, _ = interior_point(rws, [point] if point is not None else [])
    if p is None:  # cannot happen for a genuine neighbour; say so rather than guess
        return Failure("missing", region, _hex(nb), (),
                       "the pattern across a facet is not listed (no interior point found)")
    r = _radius(rws, p)
    thin = (f"; it is thin (inradius about {r:.3g} < {near:g} x domain size): regions "
            "thinner than the enumeration's tolerance may be merged into a neighbour"
            if r < near * size else f"; inradius about {r:.3g}")
    return Failure("missing", region, _hex(nb), tuple(float(x) for x in p),
                   f"the region across one of its facets (pattern {_hex(nb)}) is not "
                   f"listed{thin}")


def verify_interior_points(rs, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Check that each region's interior point has the region's pattern, with a margin.

    A point passes when its float pattern is the region's and every hyperplane is farther
    from its threshold than the engine's tolerance (regionkit.measures.signs, which also
    breaks maxout ties the engine's way). A point that fails is checked in exact arithmetic
    (every row of the region strictly negative there); if it fails that too, an exact
    interior point is solved for (an exact LP) and rounded to floats. What exact arithmetic
    finds no point for is no region at all.

    Parameters
    ----------
    rs : RegionSet
        A RegionSet that keeps its regions.
    points : numpy.ndarray, shape (n_regions, dim)
        A point of each region (domain coordinates), e.g. its Chebyshev centre.

    Returns
    -------
    points : numpy.ndarray, shape (n_regions, dim)
        The points, those that failed replaced by exact ones (rounded).
    empty : numpy.ndarray of int64
        Regions with no interior point in exact arithmetic (not genuine).

    Examples
    --------
    >>> import numpy as np
    >>> import regionkit as rk
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1]], [[1, 1]]], [[0, 0], [0]])
    >>> box = rk.Box(-1, 1, dim=2)
    >>> rs = rk.enumerate_regions(net, box, method="lp")
    >>> bad = rs.interior_points[[1, 0, 2, 3]]  # regions 0 and 1 swap points
    >>> points, empty = verify_interior_points(rs, bad)
    >>> bool(np.all(net.pattern(box.to_input(points)) == rs.pattern_bits())), empty.tolist()
    (True, [])
    """
    net, domain = rs.network, rs.domain
    P = np.array(points, dtype=np.float64)
    bits = rs.pattern_bits()
    empty: list[int] = []
    if not len(P) or net.n_hyperplanes == 0:
        return P, np.zeros(0, np.int64)
    at, _ = domain_signs(net, domain, P, None, rs.tol)
    pattern = net.pattern(domain.to_input(P)).astype(bool)
    # A stopped run's region at depth k has bits of its first k layers only.
    depth = np.full(len(P), net.n_layers) if rs.depth is None else np.asarray(rs.depth)
    decided = np.arange(net.n_hyperplanes) < net.layer_hyperplane_offsets()[depth][:, None]
    suspect = np.flatnonzero(np.any((pattern != bits) & decided, axis=1)
                             | np.any((at != np.where(bits, 1, -1)) & decided, axis=1))
    if len(suspect):
        ex = RationalNet(net, domain)
        for r in suspect:
            out = ex.rows(bits[r], int(depth[r]))
            point = None if out is None else interior_point(out[0], [[q(x) for x in P[r]]])[0]
            if point is None:
                empty.append(int(r))
            else:
                P[r] = [float(x) for x in point]
    return P, np.array(empty, np.int64)
