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
from typing import Any, Iterator, Literal, NamedTuple

import numpy as np

from regionkit.core import _core
from regionkit.core.frontier import Frontier
from regionkit.core.geometry import BOX_VERTEX_MAX_DIM, Geometry, vertex_centroids
from regionkit.errors import CoreMemoryError, Interrupted, RegionkitError, SolverError
from regionkit.model.activations import Maxout, core_table
from regionkit.model.domains import Domain
from regionkit.model.network import Network
from regionkit.model.tolerance import Tolerance
from regionkit.regions import widesplit
from regionkit.regions.arguments import checked_arguments
from regionkit.regions.distributed import connect, depth_first
from regionkit.regions.exact import enumerate_exact
from regionkit.regions.maxout import split_maxout
from regionkit.regions.preflight import MemoryGuard, preflight
from regionkit.regions.regionset import RegionSet
from regionkit.regions.store import RunStore, StoredRegionSet

__all__ = ["CALL_LEAVES", "CALL_SECONDS", "CHUNK_REGIONS", "DFS_BATCH_ROOTS", "DFS_MIN_ROOTS",
           "KEEP_OPTIONS", "MAXOUT_CHUNK_REGIONS", "Keep", "Method", "enumerate_regions",
           "resolve_workers"]

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
# Depth first (csrc/dfs.hpp): the frontier is split layer by layer until it holds this many
# regions (enough that 16 threads claiming roots stay busy to the end of a call; the same
# for any number of threads, so that runs stopped by max_regions do not depend on it), then
# each of its regions (a root) goes through the remaining layers inside the core.
DFS_MIN_ROOTS = 1024
# Threads claim this many roots at a time: a root's subtree is much more work than one split.
DFS_BATCH_ROOTS = 1
# A depth-first call also returns once its roots hold this many leaves (soft: the roots in
# flight finish), so what a call holds before the engine or a store takes it does not grow
# with the threads: about 2.7 KB a 4-D region with keep="regions" (docs/store.md).
CALL_LEAVES = 1 << 15

Method = Literal["auto", "lp", "vertex", "exact"]
Keep = Literal["regions", "patterns", "count"]
KEEP_OPTIONS = ("regions", "patterns", "count")


def enumerate_regions(net: Network, domain: Domain, tol: Tolerance | float | None = None, *,
                      max_regions: int | None = None, time_limit: float | None = None,
                      progress: bool | None = None, method: Method = "auto",
                      workers: int | None = None, keep: Keep = "regions",
                      max_memory: int | float | str | None = None, certify: bool = False,
                      on_interrupt: Literal["raise", "return"] = "raise",
                      store: str | os.PathLike | None = None, client: Any = None,
                      scheduler: str | None = None) -> RegionSet | StoredRegionSet:
    """Every activation region of `net` inside the open `domain`, layer by layer.

    A pattern bit is set iff its unit's pre-activation exceeds the bit's breakpoint (ReLU:
    z > 0; maxout: set for the winning piece; see regionkit.model.activations); only
    full-dimensional regions count; hyperplanes that only touch a region (within `tol`, see
    regionkit.model.tolerance) split nothing. 1-D domains split by sorted breakpoints, 2-D
    by exact polygon clipping, 3-D to 5-D in vertex form (vertices with their incidences,
    method="vertex"), higher dimensions (or method="lp") by the core's dense LP solver.
    Once the frontier holds DFS_MIN_ROOTS regions, each of its regions goes
    through the remaining layers depth first inside the core: only the final regions are
    held, in the same order and with the same arrays as a layer-by-layer split.

    max_regions / time_limit: the partition being built never holds more than max_regions
    regions and no split runs past time_limit; when either budget is hit, or on Ctrl-C
    (between core calls, every CALL_SECONDS), the run stops cleanly and returns the
    partition found so far (regions a layer did not reach keep their earlier depth, see
    RegionSet.depth) with ``complete=False``. With one worker the partial partition is
    reproducible; with several, the time limit and Ctrl-C stop where the threads were.

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
        whatever their number. Maxout layers' clips run on the threads too (their
        bookkeeping in Python on one); the clipping of a polytope domain runs on one.
    keep : {"regions", "patterns", "count"}, default "regions"
        What the result holds (bytes per region: docs/engine.md): "regions", everything;
        "patterns", each region's pattern and an interior point (its vertex centroid, or
        Chebyshev centre in 1-D and LP form) and the per-layer counts; "count", the counts
        only. Measures that need the regions' geometry refuse the last two.
    max_memory : int, float, str or None
        Resident memory (bytes, or a size such as "2G") the process may hold: a run
        estimated to need more is refused, and a run that reaches it stops cleanly with
        stop_reason "max_memory" (checked after every core call). None: the memory held now
        plus MEMORY_FRACTION of the memory available; 0 or "off": no limit (see
        regionkit.regions.preflight and docs/engine.md).
    certify : bool, default False
        Also prove the result exact (RegionSet.certify, docs/certify.md); the Certificate
        is kept as ``rs.certificate``.
    on_interrupt : {"raise", "return"}, default "raise"
        What Ctrl-C does once the partition found so far is assembled: raise
        regionkit.Interrupted (a KeyboardInterrupt, so that a loop over runs stops) holding
        it in ``.partial``, or return it with ``stop_reason == "interrupted"``.
    store : str or os.PathLike, optional
        A directory to write the regions to, in Parquet shards as the depth-first phase
        finishes them (docs/store.md; needs pyarrow, the "parquet" extra); they are then
        not kept in memory. The same call on the same store resumes a run that was killed
        or stopped (the layers before the depth-first phase are split again), and on a
        complete store only opens it. Not with method="exact" or certify (load() the store
        and certify that).
    client : distributed.Client, optional
        Run the depth-first phase on this Dask cluster (docs/distributed.md; the "dask"
        extra): its roots are cut into tasks, sent to the workers with the network once per
        worker, and the result is the same, bit for bit, as the local run's. With a store,
        the workers write the shards (the store must be a path every worker sees). Not with
        max_regions, time_limit or method="exact"; Ctrl-C cancels the tasks and raises
        KeyboardInterrupt (a store keeps the shards written, and the same call resumes).
        The layers before that phase are split here, on `workers` threads.
    scheduler : str, optional
        A Dask scheduler address ("tcp://host:8786"): as `client`, with a client connected
        for this call and closed after.

    Returns
    -------
    RegionSet or StoredRegionSet
        The regions, with ``complete`` False and ``stop_reason`` set when a budget (or, with
        on_interrupt="return", Ctrl-C) stopped the run; with a store, the store opened
        (RegionSet.open), except for a resumed call stopped before the depth-first phase:
        its own partial result, the store left as it was.

    Raises
    ------
    RegionkitError
        net, domain or tol of the wrong type, max_regions < 1, bad workers, an unknown method,
        keep or on_interrupt; a store with method="exact" or certify; a bad client or
        scheduler, or one with budgets or method="exact".
    MissingExtraError
        If a client or scheduler is given and dask.distributed is not installed.
    Interrupted
        Ctrl-C, with on_interrupt="raise"; its ``partial`` holds the regions found.
    DomainError
        If the domain does not live in the network's input space.
    SolverError
        If the core's LP solver could not certify an answer and the vertex form, which the
        LP form falls back to, cannot hold the domain (over BOX_VERTEX_MAX_DIM dimensions),
        or (method="vertex") hyperplanes are too nearly parallel for the vertex form, which
        method="auto" then leaves for the LP form.
    MemoryBudgetError
        If the run is estimated to need more than max_memory (the message says what to do).
    CoreMemoryError
        If memory ran out while the partial result was being put together.
    StoreError
        If `store` holds another run's results (network, domain, tol, method, keep or
        regionkit version differ) or is not a store.

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
    >>> rk.enumerate_regions(net, rk.Box(-1, 1, dim=2), keep="count").n_regions
    7

    A budget too small for the first layer leaves the domain unsplit:

    >>> part = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2), max_regions=3)
    >>> part.n_regions, part.complete, part.stop_reason
    (1, False, 'max_regions')
    """
    if on_interrupt not in ("raise", "return"):
        raise RegionkitError(f"on_interrupt must be 'raise' or 'return', got {on_interrupt!r}")
    if store is not None and (method == "exact" or certify):
        raise RegionkitError("a store is written by the floating-point methods without "
                             "certify; certify the loaded result: "
                             "RegionSet.open(store).load().certify()")
    distributed = client is not None or scheduler is not None
    if distributed and (method == "exact" or max_regions is not None or time_limit is not None):
        raise RegionkitError("a distributed run (client or scheduler) takes no max_regions, "
                             "time_limit or method='exact'")
    if method == "exact":
        if keep != "regions":
            raise RegionkitError(f"method='exact' keeps every region; keep={keep!r} is not "
                                 "available with it")
        rs = enumerate_exact(net, domain, tol, max_regions=max_regions, time_limit=time_limit)
    else:
        with connect(client, scheduler) as dask_client:
            rs = _enumerate(net, domain, tol, max_regions, time_limit, progress, method,
                            workers, keep, max_memory, store, dask_client)
    if rs.stop_reason == "interrupted":
        if on_interrupt == "raise":
            raise Interrupted(rs)
        return rs
    return _certified(rs) if certify else rs


def _enumerate(net: Network, domain: Domain, tol: Tolerance | float | None,
               max_regions: int | None, time_limit: float | None, progress: bool | None,
               method: str, workers: int | None, keep: str,
               max_memory: int | float | str | None,
               store: str | os.PathLike | None = None,
               client: Any = None) -> RegionSet | StoredRegionSet:
    """enumerate_regions in floating point, with the checks of its arguments."""
    tol = checked_arguments(net, domain, tol, max_regions)
    if keep not in KEEP_OPTIONS:
        raise RegionkitError(f"keep must be one of {KEEP_OPTIONS}, got {keep!r}")
    threads = resolve_workers(workers)
    geometry = Geometry.choose(domain.dim, method)
    # With a store the final regions go to disk, not memory: what stays is what "count" keeps.
    guard = preflight(net, domain, geometry, keep if store is None else "count", max_regions,
                      max_memory, DFS_MIN_ROOTS)
    began = time.perf_counter()
    run_store = None
    if store is not None:
        run_store = RunStore(store, net, domain, tol, method, keep, geometry)
        if run_store.complete:
            return RegionSet.open(store)
        geometry = run_store.geometry  # an LP-form run that fell back goes on in vertex form
    bar = _progress_bar(progress)
    with _deferred_interrupt() as interrupted:
        try:
            try:
                result = _Run(net, domain, tol, geometry, threads, keep, max_regions,
                              time_limit, guard, run_store, client).execute(bar, interrupted)
            except SolverError:
                # The LP form's solver gave up: the vertex form needs no LP. The vertex form
                # met hyperplanes too nearly parallel for it (a piece with more vertices than
                # its rows allow): the LP form decides each side by a solve.
                other = _fallback(geometry, method, domain.dim)
                if other is None:
                    raise
                if run_store is not None:
                    run_store.restart(other)
                left = None if time_limit is None else time_limit - (time.perf_counter() - began)
                result = _Run(net, domain, tol, other, threads, keep, max_regions,
                              left, guard, run_store, client).execute(bar, interrupted)
        except MemoryError as exc:  # out of memory putting a partial result together
            if isinstance(exc, RegionkitError):
                raise
            raise CoreMemoryError("out of memory (outside the core's splits): lower "
                                  "max_memory, or ask for less (keep=\"count\", a slice, "
                                  "max_regions)") from None
        finally:
            if bar is not None:
                bar.close()
    # With a store, a result comes back only from a resumed call stopped before the roots
    # (the store keeps what earlier calls did).
    return result if run_store is None or result is not None else RegionSet.open(store)


class _Run:
    """One enumeration's state: the frontier of the layers split so far (breadth first), the
    parent links and layer bits that give its patterns, then the depth-first phase."""

    def __init__(self, net: Network, domain: Domain, tol: Tolerance, geometry: Geometry,
                 threads: int, keep: str, max_regions: int | None,
                 time_limit: float | None, guard: MemoryGuard | None = None,
                 store: RunStore | None = None, client: Any = None) -> None:
        self.guard, self.client = guard, client
        self.net, self.domain, self.tol, self.geometry = net, domain, tol, geometry
        self.threads, self.keep, self.store = threads, keep, store
        self.final_frontier: Frontier | None = None  # what _finish made its RegionSet of
        self.start = time.perf_counter()
        self.deadline = math.inf if time_limit is None else self.start + float(time_limit)
        self.budget = math.inf if max_regions is None else int(max_regions)
        self.offsets = net.layer_hyperplane_offsets()
        self.frontier = Frontier.root(geometry, domain, tol)
        first = domain.input_map()
        self.radius = first.pop("R")
        self.maps: dict[str, np.ndarray] | None = {k: v[None] for k, v in first.items()}
        # Not None: self.maps holds, instead of the frontier's maps, its parents' pre-
        # activations of this layer (one entry per parent), which give the maps on demand
        # (_materialize) or go to the depth-first phase as they are. A wide layer's maps
        # (rows x dim doubles per region) are then never all in memory.
        self.maps_layer: int | None = None
        self.layer_bits: list[np.ndarray] = []
        self.parents: list[np.ndarray] = []
        self.per_layer: list[int] = []
        # The trailing run of elementwise layers can go depth first (maxout splits in Python).
        self.dfs_from = net.n_layers
        while self.dfs_from > 0 and not isinstance(net.activations[self.dfs_from - 1], Maxout):
            self.dfs_from -= 1

    def execute(self, bar, interrupted: threading.Event) -> RegionSet | None:
        """Split layer by layer until the frontier is large enough to share among the
        threads, then run its regions through the remaining layers depth first (with a
        store: the result is in the store and None is returned, see _stored)."""
        for li in range(self.net.n_layers):
            if li >= self.dfs_from and len(self.frontier) >= DFS_MIN_ROOTS:
                if self.client is not None:  # on a Dask cluster (regions.distributed)
                    return depth_first(self, li, self.client, bar, interrupted)
                return self._depth_first(li, bar, interrupted)
            units = widesplit.layer_units(self.net, self.geometry, li, len(self.frontier),
                                          self.domain.dim)
            if units is not None:
                wide = self._first_pass(li, units)
                if wide is not None and self.client is not None:
                    return depth_first(self, li, self.client, bar, interrupted, wide)
                if wide is not None:
                    return self._depth_first(li, bar, interrupted, wide)
            stopped = self._split_layer(li, bar, interrupted)
            if stopped is not None:
                return self._stored(stopped)
        if self.keep == "regions":
            self._materialize()
        else:
            self.maps = None
        return self._stored(self._finish(
            self.frontier, self._trace(self.frontier, len(self.layer_bits)), None,
            np.full(len(self.frontier), self.net.n_layers, np.int64)))

    def _stored(self, rs: RegionSet) -> RegionSet | None:
        """A result computed without the depth-first phase, written whole to the store
        (None); returned when the store keeps an earlier call's roots instead."""
        if self.store is not None and self.store.write_whole(rs, self.final_frontier):
            return None
        return rs

    def _now_or_stop(self) -> tuple[float, str | None]:
        now = time.perf_counter()
        return now, ("time_limit" if now >= self.deadline else None)

    def _chunk_maps(self, i: int, j: int) -> dict[str, np.ndarray]:
        if self.maps_layer is not None:  # the parents' pre-activations: all of them
            return {**self.maps, "R": self.radius}
        chunk = {k: v[i:j] for k, v in self.maps.items()}
        chunk["R"] = self.radius
        return chunk

    def _layer_args(self, li: int) -> tuple:
        return self.net.weights[li], self.net.biases[li], core_table(self.net.activations[li])

    def _materialize(self) -> None:
        """Make the frontier's maps from its parents' pre-activations, if that is what
        self.maps holds (the maps the split would have returned, bit for bit)."""
        if self.maps_layer is None:
            return
        li, self.maps_layer = self.maps_layer, None
        self.maps = _core.child_maps({**self.maps, "R": self.radius}, self.parents[li],
                                     self.layer_bits[li], *self._layer_args(li))

    def _root_maps(self) -> dict[str, np.ndarray]:
        """Every region's map (made from the parents' pre-activations if need be), with R:
        what the distributed phase ships with its roots."""
        self._materialize()
        return self._chunk_maps(0, len(self.frontier))

    def _roots_source(self, i: int, j: int) -> tuple | None:
        """expand_roots' source for roots i..j when self.maps holds their parents'."""
        if self.maps_layer is None:
            return None
        li = self.maps_layer
        return (*self._layer_args(li), self.parents[li][i:j], self.layer_bits[li][i:j])

    def _split_layer(self, li: int, bar, interrupted: threading.Event) -> RegionSet | None:
        """Split the frontier by layer li (breadth first); a RegionSet if the run stopped."""
        W, b, act = self.net.weights[li], self.net.biases[li], self.net.activations[li]
        self._materialize()
        # Layers that can go depth first keep their parents' pre-activations, not maps.
        parent_maps = li >= self.dfs_from
        parts, maps_parts, bits_parts, parent_parts = [], [], [], []
        produced, i, n = 0, 0, len(self.frontier)
        stop_reason = None
        _bar_layer(bar, f"layer {li + 1}/{self.net.n_layers}", n)
        try:
            while i < n:
                now, stop_reason = self._now_or_stop()
                if stop_reason:
                    break
                j = min(n, i + (MAXOUT_CHUNK_REGIONS if isinstance(act, Maxout)
                                else CHUNK_REGIONS))
                # The partition being built: children so far + this chunk + the rest.
                cap = self.budget - produced - (n - j) if self.budget < math.inf else 1 << 62
                if isinstance(act, Maxout):
                    done, ch, ch_maps, bits, parent, aborted = split_maxout(
                        self.geometry, self.frontier.slice(i, j), self._chunk_maps(i, j), W, b,
                        act.pieces, self.tol, int(self.offsets[li]), cap,
                        float(self.deadline - now), workers=self.threads, batch=BATCH_REGIONS)
                else:
                    done, ch, ch_maps, bits, parent, aborted = _core.split_frontier(
                        self.geometry, self.frontier.slice(i, j).data, self._chunk_maps(i, j),
                        W, b, core_table(act), self.tol.rtol, self.tol.atol,
                        int(self.offsets[li]), int(cap),
                        float(min(CALL_SECONDS, self.deadline - now)),
                        float(self.deadline - now), workers=self.threads, batch=BATCH_REGIONS,
                        parent_maps=parent_maps)
                parts.append(Frontier(self.geometry, ch))
                maps_parts.append(ch_maps)
                bits_parts.append(bits)
                parent_parts.append(parent + i)
                produced += len(parent)
                i += done
                if bar is not None:
                    bar.update(done)
                stop_reason = self._why_stopped(aborted, interrupted)
                if stop_reason:
                    break
        except KeyboardInterrupt:  # outside the main thread: no deferred handler
            stop_reason = "interrupted"
        except MemoryError:  # the core's std::bad_alloc (CoreMemoryError) or numpy's
            stop_reason = "max_memory"
        if stop_reason is not None:
            # Keep everything: finished children and the regions not reached.
            nh = int(self.offsets[li + 1] - self.offsets[li])
            self.layer_bits.append(np.concatenate(bits_parts) if bits_parts
                                   else np.zeros((0, nh), np.uint8))
            self.parents.append(np.concatenate(parent_parts) if parent_parts
                                else np.zeros(0, np.int64))
            self.per_layer.append(produced)
            children = Frontier.concat(self.geometry, parts or [self.frontier.slice(0, 0)])
            unreached = self.frontier.slice(i, n)
            patterns = np.concatenate([self._trace(children, li + 1),
                                       self._trace(unreached, li, first=i)])
            depth = np.concatenate([np.full(len(children), li + 1, np.int64),
                                    np.full(n - i, li, np.int64)])
            return self._finish(Frontier.concat(self.geometry, [children, unreached]),
                                patterns, None, depth, stop_reason,
                                stopped_in=_stopped_in(li + 1, li + 1, i, n))
        self.frontier = Frontier.concat(self.geometry, parts)
        self.maps = (maps_parts[0] if len(maps_parts) == 1 else
                     {k: np.concatenate([mp[k] for mp in maps_parts]) for k in maps_parts[0]})
        self.layer_bits.append(np.concatenate(bits_parts))
        self.parents.append(np.concatenate(parent_parts))
        self.per_layer.append(len(self.frontier))
        self.maps_layer = li if parent_maps else None
        return None

    def _first_pass(self, li: int, units: int) -> _WideRoots | None:
        """Split the frontier by the first `units` units of layer li: the roots the depth-
        first phase runs through the rest of the layer (None if the deadline or the budget
        stopped it)."""
        W, b, table = self._layer_args(li)
        maps = self._root_maps()
        now = time.perf_counter()
        # Under a region budget on one thread, so that it stops (or not) whatever the threads
        # (a threaded split may refuse what one thread allows: _split_layer retries those).
        done, ch, _, bits, parent, aborted = _core.split_frontier(
            self.geometry, self.frontier.data, maps, W[:units], b[:units], table,
            self.tol.rtol, self.tol.atol, int(self.offsets[li]),
            int(min(self.budget, 1 << 62)), math.inf, float(self.deadline - now),
            workers=self.threads if self.budget == math.inf else 1,
            batch=1, parent_maps=True, partial=True)
        if aborted or done < len(self.frontier):
            return None  # past the budget or deadline: _split_layer stops as a split does
        fixed = bits.shape[1]
        prefix = self._trace_bits(self.frontier, li)[parent]
        prefix[:, self.offsets[li]:self.offsets[li] + fixed] = bits
        return _WideRoots(Frontier(self.geometry, ch), parent, fixed, prefix)

    def _why_stopped(self, aborted: bool, interrupted: threading.Event) -> str | None:
        if aborted:
            return "time_limit" if time.perf_counter() >= self.deadline else "max_regions"
        if self.guard is not None and self.guard.exceeded():
            return "max_memory"
        if interrupted.is_set():
            return "interrupted"
        return None

    def _depth_first(self, li: int, bar, interrupted: threading.Event,
                     wide: _WideRoots | None = None) -> RegionSet | None:
        """Run every region of the frontier (a root) through layers li.. inside the core;
        with a store, hand the leaves to it (a resumed run starts at its first root not
        done) and return None. `wide`: the roots are instead the pieces of the frontier's
        split by the first units of layer li (_first_pass)."""
        net, g = self.net, self.geometry
        layers = [(net.weights[k], net.biases[k], core_table(net.activations[k]),
                   int(self.offsets[k])) for k in range(li, net.n_layers)]
        roots = self.frontier if wide is None else wide.roots
        n = len(roots)
        bits = self._trace_bits(roots, li) if wide is None else wide.bits
        fixed = 0 if wide is None else wide.fixed
        prefix = np.ascontiguousarray(bits[:, :int(self.offsets[li]) + fixed])
        leaves, maps_parts, pattern_parts, point_parts = [], [], [], []
        made = np.zeros(len(layers), np.int64)
        n_leaves, i, stop_reason = 0, 0, None
        if self.store is not None:
            i, n_leaves, made = self.store.begin_roots(li, _packed(bits))
        _bar_layer(bar, f"layers {li + 1}-{net.n_layers}/{net.n_layers} (depth first)", n)
        if bar is not None and i:  # the roots a resumed run's store holds
            bar.update(i)
        try:
            while i < n:
                now, stop_reason = self._now_or_stop()
                if stop_reason:
                    break
                j = min(n, i + CHUNK_REGIONS)
                cap = self.budget - n_leaves - (n - j) if self.budget < math.inf else 1 << 62
                if wide is None:
                    maps, source, of = self._chunk_maps(i, j), self._roots_source(i, j), None
                else:  # every parent's maps; the roots name theirs
                    maps, source = self._chunk_maps(0, len(self.frontier)), None
                    of = (wide.parent[i:j], fixed)
                done, nl, ch, ch_maps, pats, pts, made_c, aborted = _core.expand_roots(
                    g, roots.slice(i, j).data, maps, layers, prefix[i:j],
                    self.keep, self.tol.rtol, self.tol.atol, int(cap),
                    float(min(CALL_SECONDS, self.deadline - now)), float(self.deadline - now),
                    workers=self.threads, batch=DFS_BATCH_ROOTS, source=source, fixed=of,
                    call_leaves=CALL_LEAVES)
                if self.store is not None:
                    if done:
                        self.store.add(i, i + done, None if ch is None else Frontier(g, ch),
                                       ch_maps, pats, pts, made_c, nl)
                else:
                    if ch is not None:
                        leaves.append(Frontier(g, ch))
                        maps_parts.append(ch_maps)
                    for dst, part in ((pattern_parts, pats), (point_parts, pts)):
                        if part is not None:
                            dst.append(part)
                # Let go of this call's leaves before the next call makes its own.
                ch = ch_maps = pats = pts = None
                made += made_c
                n_leaves += nl
                i += done
                if bar is not None:  # roots done; regions made, and their rate on all threads
                    bar.update(done)
                    rate = n_leaves / max(time.perf_counter() - self.start, 1e-9)
                    bar.set_postfix(regions=n_leaves, regions_per_s=f"{rate:.3g}", refresh=False)
                stop_reason = self._why_stopped(aborted, interrupted)
                if stop_reason:
                    break
        except KeyboardInterrupt:  # outside the main thread: no deferred handler
            stop_reason = "interrupted"
        except MemoryError:  # the core's std::bad_alloc (CoreMemoryError) or numpy's
            stop_reason = "max_memory"
        self.per_layer.extend(int(c) for c in made)
        self.maps, self.maps_layer = None, None
        if self.store is not None:
            self._store_end(li, roots, i, n_leaves, stop_reason, bits)
            return None
        depth = np.full(n_leaves, net.n_layers, np.int64)
        keep_geometry = self.keep == "regions"
        # A stopped run's roots not done follow its leaves, whole: one join copies both.
        unreached = roots.slice(i, n)
        parts = leaves + [unreached] if stop_reason else leaves
        frontier = Frontier.concat(g, parts or [unreached]) if keep_geometry else None
        patterns = (np.concatenate(pattern_parts) if pattern_parts
                    else np.zeros((0, (net.n_hyperplanes + 7) // 8), np.uint8))
        points = np.concatenate(point_parts) if point_parts else np.zeros((0, self.domain.dim))
        if stop_reason is None:
            if keep_geometry:
                self.maps = {k: np.concatenate([mp[k] for mp in maps_parts]) for k in ("M", "m")}
            return self._finish(frontier, patterns, points, depth, count=n_leaves)
        # Stopped: the leaves of the roots done, then the roots not done, whole (above).
        # A wide split's roots not done keep their bits of layer li's first units, which
        # tell siblings apart (their depth is li: layer li did not finish them).
        patterns = np.concatenate([patterns, _packed(bits[i:n])])
        if self.keep == "patterns":
            points = np.concatenate([points, _inner_points(unreached)])
        depth = np.concatenate([depth, np.full(n - i, li, np.int64)])
        return self._finish(frontier, patterns, points, depth, stop_reason,
                            count=n_leaves + n - i,
                            stopped_in=_stopped_in(li + 1, net.n_layers, i, n))

    def _store_end(self, li: int, roots: Frontier, i: int, n_leaves: int,
                   stop_reason: str | None, bits: np.ndarray | None = None) -> None:
        """Close the store: a stopped run's roots not done go whole into its tail, with
        their pattern `bits` (a wide split's first units' included; default traced)."""
        n, tail, stopped_in = len(roots), None, None
        if stop_reason is not None:
            unreached = roots.slice(i, n)
            packed = (self._trace(unreached, li, first=i) if bits is None
                      else _packed(bits[i:n]))
            tail = (packed, np.full(n - i, li, np.int64),
                    unreached if self.keep == "regions" else None,
                    _inner_points(unreached) if self.keep == "patterns" else None)
            stopped_in = _stopped_in(li + 1, self.net.n_layers, i, n)
        self.store.finish(self.per_layer, time.perf_counter() - self.start, stop_reason,
                          stopped_in, n_leaves + (n - i if stop_reason else 0), tail)

    def _trace(self, frontier: Frontier, layers: int, first: int = 0) -> np.ndarray:
        """Packed patterns of regions first.. of the frontier after `layers` layers."""
        return _packed(self._trace_bits(frontier, layers, first))

    def _trace_bits(self, frontier: Frontier, layers: int, first: int = 0) -> np.ndarray:
        """The patterns of regions first.. of the frontier after `layers` layers, one byte
        per hyperplane: their layer bits, traced back through the parent links (later bits
        zero)."""
        n = len(frontier)
        offsets = self.offsets
        bits = np.zeros((n, self.net.n_hyperplanes), dtype=np.uint8)
        idx = np.arange(first, first + n)
        for li in range(layers - 1, -1, -1):
            bits[:, offsets[li]:offsets[li + 1]] = self.layer_bits[li][idx]
            idx = self.parents[li][idx]
        return bits

    def _finish(self, frontier: Frontier | None, patterns: np.ndarray,
                points: np.ndarray | None, depth: np.ndarray, stop_reason: str | None = None,
                count: int | None = None,
                stopped_in: dict[str, int] | None = None) -> RegionSet:
        n_out, dim = self.net.n_out, self.domain.dim
        if self.maps is not None and stop_reason is None:
            out_M, out_m = self.maps["M"], self.maps["m"]
        else:
            n = len(frontier) if frontier is not None else 0
            out_M, out_m = np.full((n, n_out, dim), np.nan), np.full((n, n_out), np.nan)
        seconds = time.perf_counter() - self.start
        self.final_frontier = frontier
        common = dict(network=self.net, domain=self.domain, tol=self.tol,
                      per_layer=self.per_layer, seconds=seconds, stop_reason=stop_reason,
                      stopped_in=stopped_in)
        if self.keep == "regions":
            return RegionSet.from_frontier(frontier=frontier, patterns=patterns, output_M=out_M,
                                           output_m=out_m, depth=depth, **common)
        if frontier is not None:  # split breadth first to the end: drop what was not asked for
            count = len(frontier)
            if self.keep == "patterns":
                points = _inner_points(frontier)
        return RegionSet.without_geometry(
            kind=self.geometry, keep=self.keep, count=int(count),
            patterns=patterns if self.keep == "patterns" else None,
            interior_points=points if self.keep == "patterns" else None,
            depth=depth if self.keep == "patterns" else None, **common)


class _WideRoots(NamedTuple):
    """The first pass of a two-pass split (_Run._first_pass): its pieces (the roots), the
    frontier region each lies in, the hyperplanes it decided and the roots' pattern bits."""
    roots: Frontier
    parent: np.ndarray
    fixed: int
    bits: np.ndarray


def _packed(bits: np.ndarray) -> np.ndarray:
    """Patterns as RegionSet keeps them: one bit per hyperplane, little bit order."""
    return np.packbits(bits.astype(bool), axis=1, bitorder="little")


def _stopped_in(first: int, last: int, split: int, inputs: int) -> dict[str, int]:
    """RegionSet.stopped_in: layers first..last (1-based) were running when the run stopped,
    `split` of the `inputs` regions entering layer `first` had gone through them."""
    return {"first_layer": first, "last_layer": last, "split": split, "inputs": inputs}


def _inner_points(frontier: Frontier) -> np.ndarray:
    """A strictly interior point of each region: its Chebyshev centre where the geometry
    keeps one (1-D, LP form), else its vertex centroid (as the core's depth-first phase)."""
    g, F = frontier.geometry, frontier.data
    cheb = g.chebyshev(F)
    if cheb is not None:
        return cheb[0]
    return vertex_centroids(*g.vertices(F))


def _bar_layer(bar, description: str, total: int) -> None:
    if bar is not None:
        bar.set_description(description, refresh=False)
        bar.reset(total=total)


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


def _fallback(geometry: Geometry, method: str, dim: int) -> Geometry | None:
    """The geometry a run goes on in when its own raised SolverError, or None."""
    if geometry is Geometry.LP and dim <= BOX_VERTEX_MAX_DIM:
        return Geometry.VERTEX
    if geometry is Geometry.VERTEX and method == "auto":
        return Geometry.LP
    return None


def _progress_bar(progress: bool | None):
    if progress is False or (progress is None and not sys.stderr.isatty()):
        return None
    from tqdm.auto import tqdm

    return tqdm(total=0, delay=0.0 if progress else 1.0, unit="region", leave=False)
