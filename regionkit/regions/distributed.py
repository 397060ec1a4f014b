"""The depth-first phase of an enumeration on a Dask cluster (docs/distributed.md).

The engine splits the first layers itself, breadth first, until the frontier holds its
depth-first roots (regionkit.regions.engine); with a client, the roots go to the cluster
instead of the local threads. They are cut into contiguous root ranges of about equal
estimated work (root_weights, plan_ranges), TASKS_PER_THREAD per worker thread; each range
is one task, which runs its roots through the remaining layers in the compiled core on one
thread (the core releases the GIL, so a worker runs as many tasks at once as it has
threads). A task that has made TASK_REGIONS leaves stops and hands back the roots it did
not reach, which are split in two new tasks. The network, the layers and the run's options
are sent to every worker once (Client.scatter with broadcast); a task's roots are
scattered to one worker (not put in the task graph, which goes through the scheduler).

With a store every task writes its own shards (``roots-I-J.parquet``, regionkit.regions.store)
into the store directory, which every worker must see at the same path, and returns only
counts; without one it returns its leaves' arrays (with keep="count", counts only). Either
way the result is put together in root order, so it equals the local run's bit for bit.
"""
from __future__ import annotations

import contextlib
import gc
import math
import os
import time
from typing import Any, Iterator

import numpy as np

from regionkit.core import _core
from regionkit.core.frontier import Frontier
from regionkit.core.geometry import Geometry
from regionkit.errors import RegionkitError
from regionkit.model.activations import core_table
from regionkit.optional import require
from regionkit.regions.store import ShardWriter

__all__ = ["CONNECT_SECONDS", "TASKS_PER_THREAD", "TASK_CALL_SECONDS", "TASK_REGIONS",
           "connect", "depth_first", "plan_ranges", "root_weights"]

# Ranges per worker thread: enough that dynamic scheduling evens out a poor estimate, few
# enough that the per-task overhead (benchmarks/bench_distributed.py) stays negligible.
TASKS_PER_THREAD = 4
# A task stops once its leaves reach this many and the roots it did not reach become two
# new tasks: this bounds a task's time (about a minute at the rates in docs/distributed.md)
# and, without a store, the leaves it holds and sends back.
TASK_REGIONS = 1 << 20
# Length of one core call inside a task (with a store, one row group of its shard).
TASK_CALL_SECONDS = 1.0
# How long Client(scheduler) waits for the scheduler before giving up.
CONNECT_SECONDS = 10.0
# Roots whose size estimates are computed in one vectorised block (bounds the temporary
# array of roots x vertices x units x dim values).
WEIGHT_BLOCK_ROOTS = 256


def _distributed():
    return require("distributed", "dask", "distributed enumeration")


@contextlib.contextmanager
def connect(client: Any = None, scheduler: str | None = None) -> Iterator[Any]:
    """The Dask client an enumeration runs on (None: a local run).

    `client` itself, or a client connected to `scheduler` for the duration of the block
    and closed after.

    Parameters
    ----------
    client : distributed.Client or None
        A connected client.
    scheduler : str or None
        A scheduler address such as "tcp://host:8786".

    Yields
    ------
    distributed.Client or None
        The client; None when neither is given.

    Raises
    ------
    RegionkitError
        Both are given, `client` is not a distributed.Client, `scheduler` is not a string,
        or the scheduler cannot be reached within CONNECT_SECONDS.
    MissingExtraError
        If dask.distributed is not installed (the "dask" extra).
    """
    if client is None and scheduler is None:
        yield None
        return
    if client is not None and scheduler is not None:
        raise RegionkitError("give a Dask client or a scheduler address, not both")
    distributed = _distributed()
    if client is not None:
        if not isinstance(client, distributed.Client):
            raise RegionkitError(f"client must be a distributed.Client, got "
                                 f"{type(client).__name__}")
        if client.status != "running":
            raise RegionkitError(f"the Dask client is not connected (status {client.status!r})")
        yield client
        return
    if not isinstance(scheduler, str) or not scheduler:
        raise RegionkitError(f"scheduler must be an address such as 'tcp://host:8786', got "
                             f"{scheduler!r}")
    try:
        distributed.comm.parse_address(scheduler, strict=True)
    except ValueError as exc:
        raise RegionkitError(f"scheduler {scheduler!r} is not an address such as "
                             f"'tcp://host:8786' ({exc})") from None
    try:
        own = distributed.Client(scheduler, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        # A Client that failed to connect is left in a reference cycle; collected later,
        # inside another Client's start, its close() deadlocks that start: collect it now.
        gc.collect()
        raise RegionkitError(f"cannot reach the Dask scheduler at {scheduler!r}: {exc}") from None
    try:
        yield own
    finally:
        own.close()


def root_weights(geometry: Geometry, frontier: dict[str, np.ndarray],
                 maps: dict[str, np.ndarray], W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A cheap estimate of each root's share of the work.

    One plus the number of the next layer's units whose hyperplane cuts the root. A unit cuts
    a root when its pre-activation takes both signs on the root's vertices (1-D to 6-D); in LP
    form, which keeps no vertices, when it vanishes inside the root's Chebyshev ball (a lower
    bound on the cuts). The estimate only orders the work; tasks that turn out large are
    split again as they run.

    Parameters
    ----------
    geometry : Geometry
        The roots' geometry.
    frontier : dict of str to numpy.ndarray
        The roots' columns.
    maps : dict of str to numpy.ndarray
        Their affine maps to the layer's input: "M" (n, width, dim) and "m" (n, width).
    W, b : numpy.ndarray
        The next layer's weights (units, width) and biases (units,).

    Returns
    -------
    numpy.ndarray of float64, shape (n,)
        The weights, each >= 1.
    """
    A = np.einsum("uw,nwd->nud", W, maps["M"])  # pre-activation = A x + c on each root
    c = maps["m"] @ W.T + b
    n = len(c)
    cuts = np.zeros(n)
    verts = geometry.vertices(frontier)
    if verts is None:
        centres, radii = geometry.chebyshev(frontier)
        z = np.einsum("nud,nd->nu", A, centres) + c
        cuts = (np.abs(z) < radii[:, None] * np.linalg.norm(A, axis=2)).sum(axis=1)
        return 1.0 + cuts
    off, V = verts
    for i in range(0, n, WEIGHT_BLOCK_ROOTS):
        j = min(n, i + WEIGHT_BLOCK_ROOTS)
        counts = np.diff(off[i:j + 1])
        owner = np.repeat(np.arange(i, j), counts)
        z = np.einsum("vd,vud->vu", V[off[i]:off[j]], A[owner]) + c[owner]
        starts = off[i:j] - off[i]
        hi, lo = np.maximum.reduceat(z, starts), np.minimum.reduceat(z, starts)
        cuts[i:j] = ((hi > 0) & (lo < 0)).sum(axis=1)
    return 1.0 + cuts


def plan_ranges(weights: np.ndarray, todo: list[tuple[int, int]],
                n_tasks: int) -> list[tuple[int, int]]:
    """Cut the root ranges still to do into contiguous ranges of about equal weight.

    Parameters
    ----------
    weights : numpy.ndarray
        Every root's estimated work (root_weights).
    todo : list of (int, int)
        Disjoint root ranges [first, last) to do, in order.
    n_tasks : int
        About how many ranges to make in all (at least one per range to do).

    Returns
    -------
    list of (int, int)
        Non-empty ranges covering `todo` exactly, in order.

    Examples
    --------
    >>> import numpy as np
    >>> plan_ranges(np.ones(8), [(0, 8)], 4)
    [(0, 2), (2, 4), (4, 6), (6, 8)]
    >>> plan_ranges(np.array([1.0, 1, 1, 1, 4, 4]), [(0, 4), (4, 6)], 3)
    [(0, 4), (4, 5), (5, 6)]
    """
    total = float(sum(weights[a:b].sum() for a, b in todo)) or 1.0
    out: list[tuple[int, int]] = []
    for a, b in todo:
        cum = np.cumsum(weights[a:b])
        pieces = max(1, min(b - a, round(n_tasks * float(cum[-1]) / total)))
        cuts = np.searchsorted(cum, cum[-1] * np.arange(1, pieces) / pieces, side="right")
        bounds = np.unique(np.concatenate([[0], cuts, [b - a]]))
        out.extend((a + int(s), a + int(e)) for s, e in zip(bounds[:-1], bounds[1:]) if e > s)
    return out


def _task(job: dict[str, Any], first: int, data: tuple[Any, ...]) -> dict[str, Any]:
    """Run roots first.. through the remaining layers (on a worker): until done or until
    TASK_REGIONS leaves; with a store, write them as shards. `data`: the roots' columns,
    maps and pattern prefixes."""
    roots, maps, prefix = data
    g = Geometry(job["geometry"])
    F = Frontier(g, roots)
    n = len(F)
    writer = None
    if job["store"] is not None:
        writer = ShardWriter(job["store"], g, *job["shape"])
        writer.clear(first, first + n)  # a retried task's earlier attempt
    made = np.zeros(len(job["layers"]), np.int64)
    parts: list[tuple[Any, ...]] = []
    i, n_leaves, began = 0, 0, time.perf_counter()

    def expand(j: int, cap: int) -> tuple[Any, ...]:  # roots i..j-1, at most cap regions
        columns, sub, pre = _roots(F, maps, prefix, i, j)
        # A wide split's roots: their first `fixed` hyperplanes decided, each its own maps
        fixed = (np.arange(j - i), job["fixed"]) if job["fixed"] else None
        return _core.expand_roots(g, columns, sub, job["layers"], pre, job["keep"],
                                  job["rtol"], job["atol"], cap, TASK_CALL_SECONDS, math.inf,
                                  workers=1, fixed=fixed)

    while i < n:
        # Stop once the leaves reach task_regions (the cap counts roots not done, whole).
        done, nl, ch, ch_maps, pats, pts, made_c, full = expand(
            n, max(job["task_regions"] - n_leaves, 0) + n - i)
        if full and not done:  # the next root alone makes more: it is done whole
            done, nl, ch, ch_maps, pats, pts, made_c, _ = expand(i + 1, 1 << 62)
        if done and writer is not None:
            writer.add(first + i, first + i + done, None if ch is None else Frontier(g, ch),
                       ch_maps, pats, pts, made_c, nl)
        elif done:
            parts.append((ch, ch_maps, pats, pts))
        made += np.asarray(made_c, np.int64)
        n_leaves += nl
        i += done
        if full or n_leaves >= job["task_regions"]:
            break
    if writer is not None:
        writer.flush()
    return {"first": first, "done": first + i, "regions": n_leaves, "made": made,
            "parts": parts, "seconds": time.perf_counter() - began}


def depth_first(run: Any, li: int, client: Any, bar: Any, interrupted: Any,
                wide: Any = None) -> Any:
    """The engine's depth-first phase (regionkit.regions.engine._Run) on a Dask cluster.

    Parameters
    ----------
    run : regionkit.regions.engine._Run
        The run, its frontier holding the roots.
    li : int
        The first layer the roots go through (0-based).
    client : distributed.Client
        The cluster.
    bar : tqdm or None
        The progress bar (roots done).
    interrupted : threading.Event
        Set by Ctrl-C: the outstanding tasks are cancelled and KeyboardInterrupt raised
        (a store keeps every shard written; the same call resumes).
    wide : engine._WideRoots, optional
        The roots are instead the pieces of a two-pass split's first pass (regions.
        widesplit): each is shipped with its parent's maps, its first units decided.

    Returns
    -------
    RegionSet or None
        The result; None with a store (the result is in the store).
    """
    distributed = _distributed()
    net, g, store = run.net, run.geometry, run.store
    maps = run._root_maps()
    if wide is None:
        roots, fixed = run.frontier, 0
        bits = run._trace_bits(roots, li)
    else:
        roots, fixed, bits = wide.roots, wide.fixed, wide.bits
        maps = {k: (v if k == "R" else v[wide.parent]) for k, v in maps.items()}
    n = len(roots)
    prefix = np.ascontiguousarray(bits[:, :int(run.offsets[li]) + fixed])
    results: dict[int, dict[str, Any]] = {}
    todo = [(0, n)]
    if store is not None:
        store.claim_roots(li, np.packbits(bits.astype(bool), axis=1, bitorder="little"))
        todo, at = [], 0
        for first, last, regions, made in store.stored_ranges():
            if first > at:
                todo.append((at, first))
            results[first] = {"first": first, "done": last, "regions": regions, "made": made,
                              "parts": []}
            at = last
        if at < n:
            todo.append((at, n))
    weights = root_weights(g, roots.data, maps, net.weights[li], net.biases[li])
    threads = sum(client.nthreads().values()) or 1
    ranges = plan_ranges(weights, todo, threads * TASKS_PER_THREAD) if todo else []
    [job_future] = client.scatter([_job(run, li, fixed)], broadcast=True, hash=False)

    def submit(spans: list[tuple[int, int]]) -> dict[Any, tuple[int, Any]]:
        """Tasks for these root ranges; their roots are scattered to the workers (one call),
        not put in the task graph that goes through the scheduler."""
        data = client.scatter([_roots(roots, maps, prefix, a, b) for a, b in spans],
                              hash=False)
        return {client.submit(_task, job_future, a, d, pure=False,
                              key=f"regionkit-roots-{a}-{b}-{os.urandom(4).hex()}"): (b, d)
                for (a, b), d in zip(spans, data)}

    if bar is not None:
        bar.set_description(f"layers {li + 1}-{net.n_layers}/{net.n_layers} (distributed)",
                            refresh=False)
        bar.reset(total=n)
        bar.update(sum(r["done"] - r["first"] for r in results.values()))
    pending = submit(ranges) if ranges else {}
    try:
        while pending:
            if interrupted.is_set():
                raise KeyboardInterrupt
            for fut in _wait_some(distributed, pending):
                last, _ = pending.pop(fut)  # (the roots' future dropped: freed on the worker)
                out = fut.result()
                results[out["first"]] = out
                if bar is not None:
                    bar.update(out["done"] - out["first"])
                if out["done"] < last:  # too big: the rest in two halves by weight
                    pending.update(submit(plan_ranges(weights, [(out["done"], last)], 2)))
    except BaseException:
        client.cancel(list(pending))
        raise
    finally:
        client.cancel([job_future])
    return _assemble(run, li, roots, [results[k] for k in sorted(results)])


def _job(run: Any, li: int, fixed: int = 0) -> dict[str, Any]:
    """What every task of the run needs (sent to each worker once): the layers li.., the
    hyperplanes of layer li the roots have decided (`fixed`) and the run's options."""
    net, store = run.net, run.store
    layers = [(net.weights[k], net.biases[k], core_table(net.activations[k]),
               int(run.offsets[k])) for k in range(li, net.n_layers)]
    return {"geometry": run.geometry.value, "layers": layers, "keep": run.keep,
            "rtol": run.tol.rtol, "atol": run.tol.atol, "task_regions": TASK_REGIONS,
            "fixed": fixed,
            "store": None if store is None else os.path.abspath(store.path),
            "shape": (run.domain.dim, net.n_out, net.n_layers, run.keep,
                      (net.n_hyperplanes + 7) // 8)}


def _roots(roots: Frontier, maps: dict[str, np.ndarray], prefix: np.ndarray, a: int,
           b: int) -> tuple[Any, ...]:
    """A task's own data: roots a..b-1's columns, affine maps and pattern prefixes."""
    sub = {k: v[a:b] for k, v in maps.items() if k != "R"}
    sub["R"] = maps["R"]
    return roots.slice(a, b).data, sub, prefix[a:b]


def _wait_some(distributed: Any, pending: dict[Any, Any]) -> list[Any]:
    """The pending futures that finished within a fifth of a second (maybe none)."""
    try:
        done, _ = distributed.wait(list(pending), timeout=0.2, return_when="FIRST_COMPLETED")
    except TimeoutError:
        return []
    return list(done)


def _assemble(run: Any, li: int, roots: Frontier, results: list[dict[str, Any]]) -> Any:
    """The tasks' results, in root order, as the local depth-first phase leaves them."""
    g, net = run.geometry, run.net
    made = np.zeros(net.n_layers - li, np.int64)
    for r in results:
        made += np.asarray(r["made"], np.int64)
    n_leaves = sum(int(r["regions"]) for r in results)
    run.per_layer.extend(int(c) for c in made)
    run.maps = None
    if run.store is not None:
        run._store_end(li, roots, len(roots), n_leaves, None)
        return None
    parts = [p for r in results for p in r["parts"]]
    keep_geometry = run.keep == "regions"
    frontier = None
    if keep_geometry:
        frontier = Frontier.concat(g, [Frontier(g, p[0]) for p in parts]
                                   or [roots.slice(0, 0)])
        run.maps = {k: np.concatenate([p[1][k] for p in parts]) for k in ("M", "m")}
    pats = [p[2] for p in parts if p[2] is not None]
    pts = [p[3] for p in parts if p[3] is not None]
    patterns = (np.concatenate(pats) if pats
                else np.zeros((0, (net.n_hyperplanes + 7) // 8), np.uint8))
    points = np.concatenate(pts) if pts else np.zeros((0, run.domain.dim))
    depth = np.full(n_leaves, net.n_layers, np.int64)
    return run._finish(frontier, patterns, points, depth, count=n_leaves)
