"""Memory safety of an enumeration: the memory budget, the preflight and the guard.

Before a run, `preflight` estimates the memory it needs (an estimate of the region count
layer by layer, times a model of the bytes each region holds, see docs/engine.md "Memory
budget") and refuses with a MemoryBudgetError a run that would not fit in ``max_memory``.
During the run, the engine asks a `MemoryGuard` after every core call (every CALL_SECONDS)
whether the process's resident memory has passed ``max_memory``, and stops cleanly with
``stop_reason="max_memory"`` if so.
"""
from __future__ import annotations

import math
import os
import re
import resource
from dataclasses import dataclass

import numpy as np

from regionkit.core.geometry import Geometry
from regionkit.errors import MemoryBudgetError, RegionkitError
from regionkit.model.activations import Maxout
from regionkit.model.domains import Domain
from regionkit.model.network import Network
from regionkit.regions import widesplit

__all__ = ["ESTIMATE_POINTS", "ESTIMATE_SUBSETS", "MEMORY_FRACTION", "PEAK_FACTOR",
           "PROJECTION_STEPS",
           "MemoryEstimate", "MemoryGuard", "available_memory", "estimate_counts",
           "estimate_memory", "parse_size", "preflight", "resident_memory",
           "resolve_max_memory", "upper_bound_counts"]

# max_memory=None: the resident memory now plus this fraction of the memory still available
# (MemAvailable, the cgroup's memory.max and the address-space rlimit, the least of them):
# the rest is left to the system and to the transient copies a guard checks too late for.
MEMORY_FRACTION = 0.8
# The largest resident memory of a layer-by-layer split over the bytes its regions hold
# (parent and children frontiers, maps, the chunks joined at the end of a layer); measured
# by benchmarks/bench_memory.py: 1.5-2.4 (docs/engine.md "Memory budget").
PEAK_FACTOR = 2.0
# The first layer splits the whole domain in one core call, which the guard cannot stop:
# when that split's proven worst case holds less than this fraction of the memory left, the
# run needs no estimate (the guard stops the rest in time), and small runs pay nothing for
# the preflight (its estimate costs about 13 ms).
FIRST_SPLIT_FRACTION = 0.1
# The count estimate: this many uniform points of the domain, and per point and per number
# j of hyperplanes this many random j-subsets of a layer's hyperplanes (see estimate_counts).
ESTIMATE_POINTS = 16
ESTIMATE_SUBSETS = 48
# Rounds of alternating projection onto a flat and the domain's box (estimate_counts).
PROJECTION_STEPS = 12
# Bytes a vertex-form region holds per corner of a d-cube (it holds about 2^d vertices with
# their incidences, and its rows): measured 65-69 from 3-D to 5-D after one layer.
_VERTEX_BYTES_PER_CORNER = 68
# A 2-D polygon: 48 bytes a vertex (xy, label, row), 4-6 vertices, measured 200-300 bytes.
_POLYGON_BYTES = 200
_INTERVAL_BYTES = 32
_SIZE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)


def parse_size(text: str | int | float) -> int:
    """A memory size in bytes from a number or a string such as '512M', '2G' or '1.5GiB'.

    Parameters
    ----------
    text : str, int or float
        Bytes, or a number with a suffix K, M, G or T (powers of 1024; 'B', 'iB' allowed).

    Returns
    -------
    int
        Bytes.

    Raises
    ------
    RegionkitError
        Not a size.

    Examples
    --------
    >>> from regionkit.regions.preflight import parse_size
    >>> parse_size("2G"), parse_size("512m"), parse_size(1000)
    (2147483648, 536870912, 1000)
    """
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        if not math.isfinite(text) or text < 0:
            raise RegionkitError(f"a memory size must be a finite number >= 0, got {text!r}")
        return int(text)
    m = _SIZE.match(str(text))
    if m is None:
        raise RegionkitError(f"not a memory size: {text!r} (examples: 2G, 512M, 1.5GiB)")
    scale = 1024 ** "_kmgt".index(m.group(2).lower() or "_")
    return int(float(m.group(1)) * scale)


def resident_memory() -> int:
    """This process's resident memory now (from /proc/self/statm: cheap).

    Returns
    -------
    int
        Bytes; 0 where /proc is missing.
    """
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _read_int(path: str) -> int | None:
    try:
        with open(path) as f:
            text = f.read().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None  # 'max': no limit


def available_memory() -> int | None:
    """Memory this process may still take, in bytes.

    The least of MemAvailable, the cgroup's room (memory.max - memory.current) and the
    address space left under RLIMIT_AS (ulimit -v).

    Returns
    -------
    int or None
        Bytes; None when nothing could be read.
    """
    room = []
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    room.append(int(line.split()[1]) * 1024)
    except OSError:
        pass
    limit = _read_int("/sys/fs/cgroup/memory.max")
    if limit is not None:
        room.append(max(0, limit - (_read_int("/sys/fs/cgroup/memory.current") or 0)))
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        try:
            with open("/proc/self/statm") as f:
                size = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
            # Only part of an address space becomes resident: threads reserve stacks and
            # arenas. The RSS counts against max_memory, so the room is what is left of it.
            room.append(max(0, soft - size))
        except (OSError, ValueError, IndexError):
            pass
    return min(room) if room else None


def resolve_max_memory(max_memory: int | float | str | None) -> int | None:
    """The resident-memory limit in bytes that `max_memory` asks for.

    Parameters
    ----------
    max_memory : int, float, str or None
        None: the resident memory now plus MEMORY_FRACTION of available_memory(); 0, "0" or
        "off": no limit; a number of bytes or a size string (parse_size).

    Returns
    -------
    int or None
        Bytes, or None for no limit.

    Raises
    ------
    RegionkitError
        Not a size.

    Examples
    --------
    >>> from regionkit.regions.preflight import resolve_max_memory
    >>> resolve_max_memory("off"), resolve_max_memory("1G")
    (None, 1073741824)
    """
    if max_memory is None:
        room = available_memory()
        return None if room is None else resident_memory() + int(MEMORY_FRACTION * room)
    if isinstance(max_memory, str) and max_memory.strip().lower() == "off":
        return None
    limit = parse_size(max_memory)
    return limit or None


class MemoryGuard:
    """Asked by the engine after every core call: has the process passed its memory limit.

    Parameters
    ----------
    limit : int
        Resident bytes (RSS) the process may hold.

    Examples
    --------
    >>> from regionkit.regions.preflight import MemoryGuard
    >>> MemoryGuard(1 << 50).exceeded(), MemoryGuard(1).exceeded()
    (False, True)
    """

    def __init__(self, limit: int) -> None:
        self.limit = int(limit)

    def exceeded(self) -> bool:
        """Whether the resident memory is at or over the limit.

        Returns
        -------
        bool
            True once RSS >= limit.
        """
        return resident_memory() >= self.limit


def upper_bound_counts(net: Network, dim: int) -> list[int]:
    """A proven upper bound on the regions after each layer, in a `dim`-dimensional domain.

    Inside a region the H hyperplanes of the next layer (one per breakpoint of each unit;
    a maxout unit of k pieces: its k(k-1)/2 pairwise ties) form an arrangement, which cuts
    it into at most sum_{j <= dim} C(H, j) pieces; the bound is the product over layers.

    Parameters
    ----------
    net : Network
        The network.
    dim : int
        The domain's dimension.

    Returns
    -------
    list of int
        Cumulative bounds, one per layer.

    Examples
    --------
    >>> import regionkit as rk
    >>> from regionkit.regions.preflight import upper_bound_counts
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
    ...                              [[0, 0, 0.5], [0]])
    >>> upper_bound_counts(net, 2)  # 7 regions after layer 1, 7 after layer 2
    [7, 7]
    """
    out, total = [], 1
    for H in _layer_hyperplanes(net):
        total *= sum(math.comb(H, j) for j in range(min(dim, H) + 1))
        out.append(total)
    return out


def _layer_hyperplanes(net: Network) -> list[int]:
    counts = []
    for W, act in zip(net.weights, net.activations):
        if isinstance(act, Maxout):
            k = act.pieces
            counts.append(W.shape[0] // k * (k * (k - 1) // 2))
        else:
            counts.append(W.shape[0] * len(act.breakpoints))
    return counts


def _local_layers(net: Network, domain: Domain, x: np.ndarray):
    """For each layer, at the domain points x (domain coordinates): the layer's hyperplanes
    as affine functions of t, A (n, H, dim) and c (n, H), of the region around each point."""
    J = np.broadcast_to(domain.basis, (len(x),) + domain.basis.shape).copy()  # d input / d t
    a = domain.to_input(x)
    for W, b, act in zip(net.weights, net.biases, net.activations):
        z = a @ W.T + b
        Jz = np.einsum("hi,nik->nhk", W, J)
        cz = z - np.einsum("nhk,nk->nh", Jz, x)  # z = Jz t + cz
        if isinstance(act, Maxout):
            k = act.pieces
            n, rows = z.shape
            i, j = np.triu_indices(k, 1)
            zu, Ju, cu = (z.reshape(n, -1, k), Jz.reshape(n, -1, k, x.shape[1]),
                          cz.reshape(n, -1, k))
            yield ((Ju[:, :, i] - Ju[:, :, j]).reshape(n, -1, x.shape[1]),
                   (cu[:, :, i] - cu[:, :, j]).reshape(n, -1))
            win = np.argmax(zu, axis=2)
            a = np.take_along_axis(zu, win[:, :, None], 2)[:, :, 0]
            J = np.take_along_axis(Ju, win[:, :, None, None], 2)[:, :, 0]
        else:
            c = np.asarray(act.breakpoints, dtype=np.float64)
            yield (np.repeat(Jz, len(c), axis=1),
                   (cz[:, :, None] - c).reshape(len(x), -1))
            piece = np.searchsorted(c, z, side="left")
            slope = np.asarray(act.slopes, dtype=np.float64)[piece]
            a = act(z)
            J = slope[:, :, None] * Jz


def estimate_counts(net: Network, domain: Domain, points: int = ESTIMATE_POINTS,
                    subsets: int = ESTIMATE_SUBSETS, seed: int = 0) -> list[float]:
    """Estimate the regions after each layer, from the flats of each layer's hyperplanes.

    The H hyperplanes a layer draws inside a region R, in general position, cut it into
    sum_{j=0}^{dim} N_j pieces, N_j the number of j-subsets whose flat meets R (Zaslavsky's
    theorem restricted to a convex set). For each of `points` uniform points x of the
    domain, with R the region of the layers before around x, N_j is estimated from
    `subsets` random j-subsets as C(H, j) times the fraction whose flat meets R, tested at
    the flat's point nearest x (a sufficient test: it undercounts flats that meet R away from
    x). A layer multiplies the count by the mean number of pieces; since x falls in large
    regions more often, which have more pieces, and the nearest-point test undercounts, the
    two errors pull apart (tests compare it with exact counts).

    Parameters
    ----------
    net : Network
        The network.
    domain : Domain
        The domain.
    points : int, default ESTIMATE_POINTS
        Points of the domain.
    subsets : int, default ESTIMATE_SUBSETS
        Subsets per point and per j.
    seed : int, default 0
        Seed of the points and subsets.

    Returns
    -------
    list of float
        Estimated regions after each layer (may be inf for astronomically many).

    Examples
    --------
    >>> import regionkit as rk
    >>> from regionkit.regions.preflight import estimate_counts
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
    ...                              [[0, 0, 0.5], [0]])
    >>> [round(c) for c in estimate_counts(net, rk.Box(-1, 1, dim=2))]  # exact: 7, 7
    [7, 7]
    """
    rng = np.random.default_rng(seed)
    x = domain.sample(points, rng)
    pattern = np.asarray(net.pattern(domain.to_input(x)))
    offsets = net.layer_hyperplane_offsets()
    dim = domain.dim
    total, out = 1.0, []
    for li, (A, c) in enumerate(_local_layers(net, domain, x)):
        H = A.shape[1]
        pieces, misses = np.ones(len(x)), 0
        for j in range(1, min(dim, H) + 1):
            if H == 0:
                break
            idx = np.argsort(rng.random((len(x), subsets, H)), axis=2)[:, :, :j]
            n_i = np.arange(len(x))[:, None, None]
            Aj, cj = A[n_i, idx], c[n_i, idx]  # (n, s, j, dim), (n, s, j)
            G = Aj @ np.swapaxes(Aj, 2, 3)  # Gram matrices of the subsets
            ok = _well_conditioned(G)
            y = np.broadcast_to(x[:, None, :], (len(x), subsets, dim)).copy()
            if ok.any():
                y[ok] = _onto_flat_in_box(Aj[ok], cj[ok], y[ok], domain.lo, domain.hi)
            inside = ok & _same_region(net, domain, y, pattern, int(offsets[li]))
            if not inside.any():
                misses += 1
                if misses == 2:  # flats of more hyperplanes meet regions still less often
                    break
            else:
                misses = 0
            pieces += math.comb(H, j) * inside.mean(axis=1)
        total *= float(np.mean(pieces))
        out.append(total)
    return out


def _onto_flat_in_box(A: np.ndarray, c: np.ndarray, y: np.ndarray, lo: np.ndarray,
                      hi: np.ndarray) -> np.ndarray:
    """A point of each flat {t : A t + c = 0} near y, pulled into the box (lo, hi) by
    alternating projections onto the flat and the box (PROJECTION_STEPS rounds, ending on
    the flat): inside the box whenever the flat meets it well inside."""
    Ginv = np.linalg.inv(A @ np.swapaxes(A, 1, 2))
    P = np.swapaxes(A, 1, 2) @ Ginv  # (m, dim, j)
    margin = 1e-9 * (hi - lo)
    for step in range(PROJECTION_STEPS):
        if step:
            y = np.clip(y, lo + margin, hi - margin)
        y = y - (P @ ((A @ y[..., None])[..., 0] + c)[..., None])[..., 0]
    return y


def _well_conditioned(G: np.ndarray) -> np.ndarray:
    """Gram matrices of independent rows (a flat that exists, of the right dimension)."""
    d = np.sqrt(np.einsum("...ii->...i", G))
    with np.errstate(divide="ignore", invalid="ignore"):
        Gn = G / (d[..., :, None] * d[..., None, :])
        sign, logdet = np.linalg.slogdet(Gn)
    return (sign > 0) & (logdet > math.log(1e-12)) & np.all(d > 0, axis=-1)


def _same_region(net: Network, domain: Domain, y: np.ndarray, pattern: np.ndarray,
                 bits: int) -> np.ndarray:
    """Whether the points y (n, s, dim) lie in the domain and in the region of the points'
    pattern over the first `bits` hyperplanes (those of the layers before)."""
    n, s, dim = y.shape
    flat = y.reshape(-1, dim)
    inside = domain.contains(flat).reshape(n, s)
    if bits:
        py = np.asarray(net.pattern(domain.to_input(flat)))[:, :bits].reshape(n, s, bits)
        inside &= np.all(py == pattern[:, None, :bits], axis=2)
    return inside


def _region_bytes(geometry: Geometry, dim: int, domain_rows: int, hyperplanes: int) -> float:
    """Bytes one region's geometry holds (model of the measurements in docs/engine.md)."""
    if geometry is Geometry.INTERVALS:
        return _INTERVAL_BYTES
    if geometry is Geometry.POLYGONS:
        return _POLYGON_BYTES
    if geometry is Geometry.VERTEX:
        return _VERTEX_BYTES_PER_CORNER * 2.0 ** dim
    # LP form: every row of the domain and one per hyperplane met so far (at least dim + 1
    # of them cut a region), 8 (dim + 2) bytes each, and the Chebyshev ball.
    rows = domain_rows + min(hyperplanes, dim + 1)
    return rows * 8.0 * (dim + 2) + 8.0 * (dim + 3)


@dataclass(frozen=True)
class MemoryEstimate:
    """What preflight expects a run to hold.

    Parameters
    ----------
    counts : list of float
        Estimated regions after each layer (estimate_counts, capped by max_regions).
    upper : list of int
        Proven upper bounds on them (upper_bound_counts).
    bytes : float
        Estimated peak bytes of the run above the memory held now.
    layer : int
        The 1-based layer at whose split the peak is expected.
    """

    counts: list[float]
    upper: list[int]
    bytes: float
    layer: int


def estimate_memory(net: Network, domain: Domain, geometry: Geometry, keep: str,
                    max_regions: int | None = None, counts: list[float] | None = None,
                    min_roots: int = 1024) -> MemoryEstimate:
    """Estimate the peak memory an enumeration holds above what the process holds now.

    The layers are split one at a time until the frontier holds `min_roots` regions (the
    engine's DFS_MIN_ROOTS) or a maxout layer is to come; each such split holds the parent
    and child frontiers, each region with its geometry and its per-layer map (width x
    (dim + 2) doubles), times PEAK_FACTOR; a layer split in two passes (regions.widesplit)
    holds at most SPLIT_MAX_PIECES roots. Then the roots go depth first and only the final
    regions are held, with what `keep` asks: "regions", the geometry, output map and packed
    pattern; "patterns", the packed pattern and an interior point; "count", nothing.

    Parameters
    ----------
    net : Network
        The network.
    domain : Domain
        The domain.
    geometry : Geometry
        The geometry the run splits in.
    keep : str
        "regions", "patterns" or "count".
    max_regions : int, optional
        The run's region budget: no frontier holds more.
    counts : list of float, optional
        Regions after each layer; default estimate_counts(net, domain).
    min_roots : int, default 1024
        Regions from which the run goes depth first.

    Returns
    -------
    MemoryEstimate
        The estimate.

    Examples
    --------
    >>> import regionkit as rk
    >>> from regionkit.core.geometry import Geometry
    >>> from regionkit.regions.preflight import estimate_memory
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
    ...                              [[0, 0, 0.5], [0]])
    >>> est = estimate_memory(net, rk.Box(-1, 1, dim=2), Geometry.POLYGONS, "regions")
    >>> 0 < est.bytes < 1e5
    True
    """
    dim = domain.dim
    upper = upper_bound_counts(net, dim)
    raw = estimate_counts(net, domain) if counts is None else list(counts)
    cap = math.inf if max_regions is None else float(max_regions)
    est = [min(float(c), float(u), cap) for c, u in zip(raw, upper)]
    hyper = np.cumsum(_layer_hyperplanes(net))
    widths = [W.shape[0] for W in net.weights]
    dfs_from = net.n_layers
    while dfs_from > 0 and not isinstance(net.activations[dfs_from - 1], Maxout):
        dfs_from -= 1
    domain_rows = len(domain.b)
    held_prev = _region_bytes(geometry, dim, domain_rows, 0) + 8.0 * len(domain.origin) * (
        dim + 2)
    n_prev, peak, peak_layer, li = 1.0, 0.0, 1, 0
    wide = False
    while li < net.n_layers and not (li >= dfs_from and n_prev >= min_roots):
        if widesplit.layer_units(net, geometry, li, int(n_prev), dim) is not None:
            wide = True  # the first units' pieces go depth first
            break
        held = (_region_bytes(geometry, dim, domain_rows, int(hyper[li]))
                + 8.0 * widths[li] * (dim + 2))
        split = PEAK_FACTOR * (n_prev * held_prev + est[li] * held)
        if split > peak:
            peak, peak_layer = split, li + 1
        n_prev, held_prev, li = est[li], held, li + 1
    if li < net.n_layers:  # depth first from layer li: the roots, then the final regions
        pattern = math.ceil(int(hyper[-1]) / 8)
        leaf = {"count": 0.0, "patterns": pattern + 8.0 * (dim + 1),
                "regions": (_region_bytes(geometry, dim, domain_rows, int(hyper[-1]))
                            + 8.0 * net.n_out * (dim + 1) + pattern + 8.0)}[keep]
        roots = min(float(widesplit.SPLIT_MAX_PIECES), est[li]) if wide else n_prev
        dfs = roots * held_prev + est[-1] * leaf
        if dfs > peak:
            peak, peak_layer = dfs, net.n_layers
    return MemoryEstimate(counts=est, upper=upper, bytes=peak, layer=peak_layer)


def _mb(n: float) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


def preflight(net: Network, domain: Domain, geometry: Geometry, keep: str,
              max_regions: int | None, max_memory: int | float | str | None,
              min_roots: int = 1024) -> MemoryGuard | None:
    """Refuse a run whose estimated memory exceeds max_memory; else the guard of the run.

    A run whose first split (one core call, which the guard cannot stop) holds at most
    FIRST_SPLIT_FRACTION of the memory left even in the proven worst case needs no estimate:
    the guard stops it cleanly if it grows past max_memory later. Otherwise the proven upper
    bound is tried: a run that fits even then needs no estimate.

    Parameters
    ----------
    net : Network
        The network.
    domain : Domain
        The domain.
    geometry : Geometry
        The geometry the run splits in.
    keep : str
        What the run keeps.
    max_regions : int or None
        The run's region budget.
    max_memory : int, float, str or None
        As resolve_max_memory.
    min_roots : int, default 1024
        Regions from which the run goes depth first (the engine's DFS_MIN_ROOTS).

    Returns
    -------
    MemoryGuard or None
        The guard the engine asks after each core call; None with no limit.

    Raises
    ------
    MemoryBudgetError
        The run is expected to need more than max_memory; the message gives the estimate,
        the limit and what to do.

    Examples
    --------
    >>> import regionkit as rk
    >>> from regionkit.core.geometry import Geometry
    >>> from regionkit.regions.preflight import preflight
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
    ...                              [[0, 0, 0.5], [0]])
    >>> preflight(net, rk.Box(-1, 1, dim=2), Geometry.POLYGONS, "regions", None, "off") is None
    True
    """
    limit = resolve_max_memory(max_memory)
    if limit is None:
        return None
    now = resident_memory()
    upper = upper_bound_counts(net, domain.dim)
    dim = domain.dim
    pieces = float(upper[0])
    if widesplit.layer_units(net, geometry, 0, 1, dim) is not None:
        pieces = min(pieces, float(widesplit.SPLIT_MAX_PIECES))
    first = pieces * (_region_bytes(geometry, dim, len(domain.b), _layer_hyperplanes(net)[0])
                        + 8.0 * net.weights[0].shape[0] * (dim + 2))
    if PEAK_FACTOR * first <= FIRST_SPLIT_FRACTION * (limit - now):
        return MemoryGuard(limit)
    if estimate_memory(net, domain, geometry, keep, max_regions, [float(u) for u in upper],
                       min_roots).bytes + now <= limit:
        return MemoryGuard(limit)
    est = estimate_memory(net, domain, geometry, keep, max_regions, None, min_roots)
    if est.bytes + now > limit:
        counts = ", ".join(f"{c:.3g}" for c in est.counts)
        sliced = domain.dim < net.n_in
        remedies = [] if sliced else [
            f"enumerate a slice of the {net.n_in} inputs (--plane A B C or --segment A B; "
            "Plane.through, Segment)", "a smaller box"]
        remedies += ['keep="count" (--keep count) or keep="patterns", which hold less per '
                     "region" if keep != "count" else None,
                     "max_regions= (--max-regions N) to stop early with a partial result",
                     "max_memory= (--max-memory SIZE, 'off' to skip this check) if the "
                     "estimate is wrong"]
        raise MemoryBudgetError(
            f"this run is estimated to need {_mb(est.bytes)} (peak at layer {est.layer}; "
            f"estimated regions per layer: {counts}) on top of the {_mb(now)} held now, over "
            f"max_memory = {_mb(limit)}. Try: " + "; ".join(r for r in remedies if r) + ".")
    return MemoryGuard(limit)
