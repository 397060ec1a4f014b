"""Layer-by-layer exact enumeration of activation regions (drives the compiled core)."""
from __future__ import annotations

import contextlib
import math
import numbers
import os
import signal
import sys
import threading
import time
from typing import Iterator, Literal

import numpy as np

from regionkit.core import _core
from regionkit.core.frontier import Frontier
from regionkit.core.geometry import Geometry
from regionkit.errors import RegionkitError
from regionkit.model.activations import Maxout, core_table
from regionkit.model.domains import Domain
from regionkit.model.network import Network
from regionkit.model.tolerance import Tolerance
from regionkit.regions.exact import enumerate_exact
from regionkit.regions.maxout import split_maxout
from regionkit.regions.regionset import RegionSet

__all__ = ["CALL_SECONDS", "CHUNK_REGIONS", "MAXOUT_CHUNK_REGIONS", "Method", "enumerate_regions"]

# Each core call returns after about this long, so progress, budgets and Ctrl-C stay live.
CALL_SECONDS = 0.2
CHUNK_REGIONS = 1 << 15
# Threads claim this many consecutive regions at a time (csrc/parallel.hpp): enough that
# claiming costs nothing measurable, few enough to balance the threads at the end of a call
# and to stop soon after CALL_SECONDS (a batch runs to its end).
BATCH_REGIONS = 64
# Maxout layers are split a whole chunk at a time (see regionkit.regions.maxout): smaller
# chunks keep budgets and Ctrl-C responsive.
MAXOUT_CHUNK_REGIONS = 512

Method = Literal["auto", "lp", "vertex", "exact"]


def enumerate_regions(net: Network, domain: Domain, tol: Tolerance | float | None = None, *,
                      max_regions: int | None = None, time_limit: float | None = None,
                      progress: bool | None = None, method: Method = "auto",
                      workers: int | None = None, certify: bool = False) -> RegionSet:
    """Every activation region of `net` inside the open `domain`, layer by layer.

    A pattern bit is set iff its unit's pre-activation exceeds the bit's breakpoint (ReLU:
    z > 0; maxout: set for the winning piece; see regionkit.model.activations); only
    full-dimensional regions count; hyperplanes that only touch a region (within `tol`, see
    regionkit.model.tolerance) split nothing. 1-D domains split by sorted breakpoints, 2-D
    by exact polygon clipping, 3-D and 4-D in vertex form (vertices with their incidences,
    method="vertex"), higher dimensions (or method="lp") by the core's dense LP solver.

    max_regions / time_limit: the partition being built never holds more than max_regions
    regions and no split runs past time_limit; when either budget is hit, or on Ctrl-C
    (between core calls, every CALL_SECONDS), the run stops cleanly and returns the
    partition found so far (regions a layer did not reach keep their earlier depth, see
    RegionSet.depth) with ``complete=False``.

    Parameters
    ----------
    net : Network
        The network.
    domain : Domain
        An open box, polytope, plane, segment or slice of its input space.
    tol : Tolerance, float or None, optional
        None: the default Tolerance; a number: that rtol (Tolerance.coerce).
    max_regions : int, optional
        The most regions the partition may hold, >= 1; None: no limit.
    time_limit : float, optional
        Seconds the enumeration may run; None: no limit.
    progress : bool, optional
        Show a progress bar (tqdm): True always, False never, None when stderr is a
        terminal and the run lasts over a second.
    method : {"auto", "lp", "vertex", "exact"}, default "auto"
        The geometry the regions are split in (Geometry.choose); "exact": enumeration in
        rational arithmetic (regionkit.regions.exact), the reference, for small nets.
    workers : int or None
        Threads splitting each layer (the compiled core's, see docs/engine.md): None, every
        core this process may use; 1, the serial split. The result is the same bit for bit
        whatever their number. Maxout layers, split in Python, and the clipping of a
        polytope domain run on one thread.
    certify : bool, default False
        Also prove the result exact (RegionSet.certify, docs/certify.md); the Certificate
        is kept as ``rs.certificate``.

    Returns
    -------
    RegionSet
        The regions, with ``complete`` False and ``stop_reason`` set when a budget or
        Ctrl-C stopped the run.

    Raises
    ------
    RegionkitError
        net, domain or tol of the wrong type, max_regions < 1, bad workers, or an unknown method.
    DomainError
        If the domain does not live in the network's input space.
    SolverError
        If the core's LP solver could not certify an answer.
    CoreMemoryError
        If the core ran out of memory (max_regions bounds what it holds).

    Examples
    --------
    >>> import regionkit as rk
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
    ...                              [[0, 0, 0.5], [0]])
    >>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    >>> rs.n_regions, rs.complete, rs.per_layer
    (7, True, [7, 7])
    >>> rk.enumerate_regions(net, rk.Box(-1, 1, dim=2), method="lp").n_regions
    7
    >>> rk.enumerate_regions(net, rk.Box(-1, 1, dim=2), workers=2).n_regions
    7

    A budget too small for the first layer leaves the domain unsplit:

    >>> part = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2), max_regions=3)
    >>> part.n_regions, part.complete, part.stop_reason
    (1, False, 'max_regions')
    """
    if method == "exact":
        rs = enumerate_exact(net, domain, tol, max_regions=max_regions, time_limit=time_limit)
        return _certified(rs) if certify else rs
    if not isinstance(net, Network):
        raise RegionkitError(f"net must be a regionkit.Network, got {type(net).__name__}")
    if not isinstance(domain, Domain):
        raise RegionkitError(f"domain must be a regionkit domain, got {type(domain).__name__}")
    domain.check_network(net.n_in)
    tol = Tolerance.coerce(tol)
    if max_regions is not None and max_regions < 1:
        raise RegionkitError("max_regions must be at least 1")
    threads = resolve_workers(workers)
    geometry = Geometry.choose(domain.dim, method)
    start = time.perf_counter()
    deadline = math.inf if time_limit is None else start + float(time_limit)
    budget = math.inf if max_regions is None else int(max_regions)

    frontier = Frontier.root(geometry, domain, tol)
    first = domain.input_map()
    radius = first.pop("R")
    maps = {k: v[None] for k, v in first.items()}
    offsets = net.layer_hyperplane_offsets()
    layer_bits: list[np.ndarray] = []
    parents: list[np.ndarray] = []
    per_layer: list[int] = []
    bar = _progress_bar(progress)
    with _deferred_interrupt() as interrupted:
        try:
            for li, (W, b, act) in enumerate(zip(net.weights, net.biases, net.activations)):
                parts, maps_parts, bits_parts, parent_parts = [], [], [], []
                produced, i, n = 0, 0, len(frontier)
                stop_reason = None
                if bar is not None:
                    bar.set_description(f"layer {li + 1}/{net.n_layers}", refresh=False)
                    bar.reset(total=n)
                try:
                    while i < n:
                        now = time.perf_counter()
                        if now >= deadline:
                            stop_reason = "time_limit"
                            break
                        j = min(n, i + (MAXOUT_CHUNK_REGIONS if isinstance(act, Maxout)
                                        else CHUNK_REGIONS))
                        # The partition being built: children so far + this chunk + the rest.
                        cap = budget - produced - (n - j) if budget < math.inf else 1 << 62
                        chunk_maps = {k: v[i:j] for k, v in maps.items()}
                        chunk_maps["R"] = radius
                        if isinstance(act, Maxout):
                            done, ch, ch_maps, bits, parent, aborted = split_maxout(
                                geometry, frontier.slice(i, j), chunk_maps, W, b, act.pieces,
                                tol, int(offsets[li]), cap, float(deadline - now))
                        else:
                            done, ch, ch_maps, bits, parent, aborted = _core.split_frontier(
                                geometry, frontier.slice(i, j).data, chunk_maps, W, b,
                                core_table(act), tol.rtol, tol.atol, int(offsets[li]), int(cap),
                                float(min(CALL_SECONDS, deadline - now)), float(deadline - now),
                                workers=threads, batch=BATCH_REGIONS)
                        parts.append(Frontier(geometry, ch))
                        maps_parts.append(ch_maps)
                        bits_parts.append(bits)
                        parent_parts.append(parent + i)
                        produced += len(parent)
                        i += done
                        if bar is not None:
                            bar.update(done)
                        if aborted:
                            over = time.perf_counter() >= deadline
                            stop_reason = "time_limit" if over else "max_regions"
                            break
                        if interrupted.is_set():
                            stop_reason = "interrupted"
                            break
                except KeyboardInterrupt:  # outside the main thread: no deferred handler
                    stop_reason = "interrupted"
                if stop_reason is not None:
                    # Keep everything: finished children and the regions not reached.
                    nh = int(offsets[li + 1] - offsets[li])
                    done_bits = (np.concatenate(bits_parts) if bits_parts
                                 else np.zeros((0, nh), np.uint8))
                    done_parents = (np.concatenate(parent_parts) if parent_parts
                                    else np.zeros(0, np.int64))
                    partial = (done_bits, done_parents, np.arange(i, n))
                    frontier = Frontier.concat(geometry, parts + [frontier.slice(i, n)])
                    per_layer.append(produced)
                    rs = _assemble(net, domain, tol, frontier, None, layer_bits, parents,
                                   per_layer, start, stop_reason, partial)
                    return _certified(rs) if certify else rs
                frontier = Frontier.concat(geometry, parts)
                maps = (maps_parts[0] if len(maps_parts) == 1 else
                        {k: np.concatenate([mp[k] for mp in maps_parts]) for k in maps_parts[0]})
                layer_bits.append(np.concatenate(bits_parts))
                parents.append(np.concatenate(parent_parts))
                per_layer.append(len(frontier))
        finally:
            if bar is not None:
                bar.close()
    rs = _assemble(net, domain, tol, frontier, maps, layer_bits, parents, per_layer,
                   start, None, None)
    return _certified(rs) if certify else rs


def _certified(rs: RegionSet) -> RegionSet:
    """rs with its Certificate attached as rs.certificate."""
    rs.certificate = rs.certify()
    return rs


def resolve_workers(workers: int | None) -> int:
    """The number of threads `workers` asks for: None, every core this process may use.

    Parameters
    ----------
    workers : int or None
        A positive integer, or None.

    Returns
    -------
    int
        At least 1.

    Raises
    ------
    RegionkitError
        `workers` is not a positive integer or None.
    """
    if workers is None:
        try:
            return len(os.sched_getaffinity(0))
        except AttributeError:  # no affinity masks on this platform
            return os.cpu_count() or 1
    if isinstance(workers, bool) or not isinstance(workers, numbers.Integral) or workers < 1:
        raise RegionkitError(f"workers must be a positive integer or None, got {workers!r}")
    return int(workers)


@contextlib.contextmanager
def _deferred_interrupt() -> Iterator[threading.Event]:
    """Turn Ctrl-C into a flag checked between core calls, so the bookkeeping of a finished
    call is never cut in half; outside the main thread signals cannot be caught and a
    KeyboardInterrupt is handled where it lands."""
    flag = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: flag.set())
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


def _progress_bar(progress: bool | None):
    if progress is False or (progress is None and not sys.stderr.isatty()):
        return None
    from tqdm.auto import tqdm

    return tqdm(total=0, delay=0.0 if progress else 1.0, unit="region", leave=False)


def _assemble(net: Network, domain: Domain, tol: Tolerance, frontier: Frontier,
              maps: dict[str, np.ndarray] | None, layer_bits: list[np.ndarray],
              parents: list[np.ndarray], per_layer: list[int], start: float,
              stop_reason: str | None,
              partial: tuple[np.ndarray, np.ndarray, np.ndarray] | None) -> RegionSet:
    """Trace parent links back to full patterns and build the RegionSet.

    partial = (bits, parent, unreached) of a layer that stopped early: its children come
    first in `frontier`, then the unreached regions of the previous frontier.
    """
    n = len(frontier)
    offsets = net.layer_hyperplane_offsets()
    patterns = np.zeros((n, net.n_hyperplanes), dtype=np.uint8)
    depth = np.full(n, len(layer_bits), dtype=np.int64)
    idx = np.arange(n)  # ancestor of each final region in the frontier being traced
    if partial is not None:
        pbits, pparent, unreached = partial
        li = len(layer_bits)
        patterns[:len(pparent), offsets[li]:offsets[li + 1]] = pbits
        depth[:len(pparent)] = li + 1
        idx = np.concatenate([pparent, unreached]).astype(np.int64)
    for li in range(len(layer_bits) - 1, -1, -1):
        patterns[:, offsets[li]:offsets[li + 1]] = layer_bits[li][idx]
        idx = parents[li][idx]
    if maps is not None:
        out_M, out_m = maps["M"], maps["m"]
    else:
        out_M = np.full((n, net.n_out, domain.dim), np.nan)
        out_m = np.full((n, net.n_out), np.nan)
    return RegionSet.from_frontier(
        network=net, domain=domain, tol=tol, frontier=frontier, patterns=patterns,
        output_M=out_M, output_m=out_m, per_layer=per_layer, depth=depth,
        seconds=time.perf_counter() - start, stop_reason=stop_reason)
