"""Distributed enumeration on a LocalCluster against the same run on local threads.

For each net (PyTorch-default initialisation, seed 0, box (-1, 1)^d) and each mode (keep=
"count"; keep="regions" returned to the client; keep="regions" written to a store by the
workers): the wall time of enumerate_regions with workers=2 (local threads) and with
client= a LocalCluster of 2 worker processes of 1 thread each (the same 2 cores), the
number of tasks, the bytes pickled per task (its roots, scattered to a worker; its entry in
the task graph; its result), and the bytes of the job sent once to every worker. Every
distributed result must equal the local one (count and per-layer counts; patterns for
keep="regions").

The per-task overhead is measured two ways: (a) the same tasks' roots scattered to a task that
does nothing, wall time / tasks (the cluster's task throughput on its 2 processes, shipping
included), the round trip of one such task and of one without roots (medians of
ROUND_TRIPS), and the wall time / task of BARE_TASKS tasks without roots submitted at once
(the scheduling cost alone); (b) (distributed wall - local wall) / tasks for each run.
"task s" is the sum of the tasks' own time in the core (and writing shards).

    python benchmarks/bench_distributed.py [--nets 3-32-32-32-1,...] [--repeats 1]
        [--out benchmarks/results/distributed.json]
"""
from __future__ import annotations

import argparse
import os
import pickle
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
import numpy as np  # noqa: E402
from benchjson import default_out, write_results  # noqa: E402
from distributed import Client, LocalCluster, wait  # noqa: E402

import regionkit as rk  # noqa: E402
from regionkit.constructions import torch_default  # noqa: E402
from regionkit.regions import distributed as dist  # noqa: E402

# 2.8 x 10^4, 1.9 x 10^5 and 8.2 x 10^5 regions, with the modes each runs (keep="regions"
# returned whole only where it fits in memory twice over).
NETS = {"3-32-32-32-1": ([3, 32, 32, 32, 1], ("count", "regions", "store")),
        "5-20-20-20-1": ([5, 20, 20, 20, 1], ("count", "store")),
        "4-40-40-40-1": ([4, 40, 40, 40, 1], ("count",))}
ROUND_TRIPS = 20
BARE_TASKS = 200


def warm() -> None:
    """Import on a worker what its first task would (pyarrow's import is seconds)."""
    import pyarrow.parquet  # noqa: F401

    import regionkit.regions.distributed  # noqa: F401


def noop(job, first, data):
    """A task with a depth-first task's arguments that does nothing."""
    return first


class Recorder:
    """Wraps the client's submit and scatter and the client-side assembly to record what
    each run ships: each task's roots (scattered) and graph arguments, the job (broadcast
    once), the tasks' results."""

    def __init__(self, client: Client) -> None:
        self.client, self.submit, self.scatter = client, client.submit, client.scatter
        self.assemble = dist._assemble
        self.args: list = []
        self.arg_bytes: list[int] = []
        self.graph_bytes: list[int] = []
        self.result_bytes: list[int] = []
        self.task_seconds: list[float] = []
        self.job_bytes = 0

    def __enter__(self) -> "Recorder":
        def submit(fn, *args, **kwargs):
            self.graph_bytes.append(len(pickle.dumps((fn, args[1]), protocol=5)))
            return self.submit(fn, *args, **kwargs)

        def scatter(data, **kwargs):
            if kwargs.get("broadcast"):
                self.job_bytes = len(pickle.dumps(data, protocol=5))
            else:
                self.args.extend(data)
                self.arg_bytes.extend(len(pickle.dumps(d, protocol=5)) for d in data)
            return self.scatter(data, **kwargs)

        def assemble(run, li, roots, results):
            ran = [r for r in results if "seconds" in r]  # not the shards found in a store
            self.result_bytes = [len(pickle.dumps(r, protocol=5)) for r in ran]
            self.task_seconds = [r["seconds"] for r in ran]
            return self.assemble(run, li, roots, results)

        self.client.submit, self.client.scatter, dist._assemble = submit, scatter, assemble
        return self

    def __exit__(self, *exc) -> None:
        del self.client.submit, self.client.scatter
        dist._assemble = self.assemble


def timed(fn, repeats: int):
    """The best wall time of `repeats` calls, and the last result."""
    best, out = float("inf"), None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def empty_tasks(client: Client, args: list) -> tuple[float, float, float, float]:
    """(a): wall time per task of the recorded tasks' arguments sent to noop, the median
    round trip of one such task and of one with no roots, and the wall time per task of
    BARE_TASKS tasks with no roots submitted at once."""
    [job] = client.scatter([{}], broadcast=True, hash=False)
    t = time.perf_counter()
    data = client.scatter(args, hash=False)
    wait([client.submit(noop, job, k, d, pure=False) for k, d in enumerate(data)])
    per_task = (time.perf_counter() - t) / len(args)
    trips = []
    for _ in range(ROUND_TRIPS):
        t = time.perf_counter()
        [d] = client.scatter([args[0]], hash=False)
        client.submit(noop, job, 0, d, pure=False).result()
        trips.append(time.perf_counter() - t)
    bare = []
    for _ in range(ROUND_TRIPS):
        t = time.perf_counter()
        client.submit(noop, job, 0, None, pure=False).result()
        bare.append(time.perf_counter() - t)
    t = time.perf_counter()
    wait([client.submit(noop, job, k, None, pure=False) for k in range(BARE_TASKS)])
    throughput = (time.perf_counter() - t) / BARE_TASKS
    return per_task, statistics.median(trips), statistics.median(bare), throughput


def run_one(client: Client, name: str, mode: str, repeats: int, tmp: str) -> dict:
    arch = NETS[name][0]
    net, dom = torch_default(arch, seed=0), rk.Box(-1, 1, dim=arch[0])
    keep = "count" if mode == "count" else "regions"
    paths = iter(range(10 ** 6))

    def call(**kw):
        store = os.path.join(tmp, f"{name}-{next(paths)}") if mode == "store" else None
        return rk.enumerate_regions(net, dom, keep=keep, progress=False, store=store, **kw)

    local_s, ref = timed(lambda: call(workers=2), repeats)
    with Recorder(client) as rec:
        dist_s, got = timed(lambda: call(client=client), repeats)
    assert (got.n_regions, got.per_layer) == (ref.n_regions, ref.per_layer), name
    if keep == "regions":
        a = ref.patterns if mode == "regions" else ref.load().patterns
        b = got.patterns if mode == "regions" else got.load().patterns
        assert np.array_equal(a, b), name
    tasks = len(rec.graph_bytes) // repeats
    per_task, trip, bare, throughput = empty_tasks(client, rec.args[-tasks:])
    return dict(net=name, mode=mode, regions=ref.n_regions, local_s=local_s,
                distributed_s=dist_s, tasks=tasks,
                arg_bytes_per_task=float(np.mean(rec.arg_bytes[-tasks:])),
                graph_bytes_per_task=float(np.mean(rec.graph_bytes[-tasks:])),
                result_bytes_per_task=float(np.mean(rec.result_bytes)) if rec.result_bytes
                else 0.0,
                job_bytes_per_worker=rec.job_bytes,
                overhead_empty_ms=1e3 * per_task, round_trip_ms=1e3 * trip,
                bare_round_trip_ms=1e3 * bare, bare_per_task_ms=1e3 * throughput,
                task_compute_s=float(sum(rec.task_seconds)),
                overhead_diff_ms=1e3 * (dist_s - local_s) / tasks,
                local_regions_per_s=ref.n_regions / local_s,
                distributed_regions_per_s=ref.n_regions / dist_s)


def main() -> None:
    """Start the cluster, run every net and mode, print the table, write the JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nets", default=",".join(NETS))
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--out", default=default_out("distributed"))
    args = ap.parse_args()
    cluster = LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                           dashboard_address=None)
    client = Client(cluster)
    client.run(warm)
    tmp = tempfile.mkdtemp(prefix="bench_distributed_")
    rows = []
    print(f"{'net':16} {'mode':7} {'regions':>8} {'local s':>8} {'dask s':>7} {'tasks':>5} "
          f"{'roots kB':>8} {'graph B':>7} {'res kB':>7} {'job kB':>7} {'empty ms':>8} "
          f"{'trip ms':>7} "
          f"{'bare ms':>7} {'bare/t':>6} {'diff ms':>7} {'task s':>6}")
    try:
        for name in args.nets.split(","):
            for mode in NETS[name][1]:
                r = run_one(client, name, mode, args.repeats, tmp)
                rows.append(r)
                print(f"{name:16} {mode:7} {r['regions']:>8} {r['local_s']:>8.3f} "
                      f"{r['distributed_s']:>7.3f} {r['tasks']:>5} "
                      f"{r['arg_bytes_per_task'] / 1e3:>8.1f} "
                      f"{r['graph_bytes_per_task']:>7.0f} "
                      f"{r['result_bytes_per_task'] / 1e3:>7.1f} "
                      f"{r['job_bytes_per_worker'] / 1e3:>7.1f} {r['overhead_empty_ms']:>8.2f} "
                      f"{r['round_trip_ms']:>7.2f} {r['bare_round_trip_ms']:>7.2f} "
                      f"{r['bare_per_task_ms']:>6.2f} "
                      f"{r['overhead_diff_ms']:>7.2f} {r['task_compute_s']:>6.2f}")
    finally:
        client.close()
        cluster.close()
        shutil.rmtree(tmp)
    write_results(args.out, rows=rows, cluster="LocalCluster(n_workers=2, processes=True, "
                  "threads_per_worker=1)", local_workers=2, repeats=args.repeats)


if __name__ == "__main__":
    main()
