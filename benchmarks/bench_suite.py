"""Suite runner: overhead per job, and serial against 2 workers on 100 small jobs.

Overhead: a suite of --tiny-jobs jobs that each count the 2 regions of a one-composition
sawtooth on (0, 1) (a fraction of a millisecond of work), run serially through
regionkit.suite.run_suite, against the same enumerations in a plain loop. The difference per
job is what the runner adds: building the job's network and domain, the row with its
versions and timing, the per-job JSON file and the final table (reported separately).

Throughput: a suite of 100 jobs, each 100 whole lines through the origin and a digits image
in a He-normal 64-32-32-32-10 network (seeds 0..99; Hanin & Rolnick's Fig. 5 measure),
serially, with a process pool of 2 workers, and (when dask.distributed is installed) on a
LocalCluster of 2 worker processes through Client.get_executor(). Every run starts from an
empty results directory; the tables are checked to agree.

    python benchmarks/bench_suite.py [--tiny-jobs 500] [--jobs 100]
        [--out benchmarks/results/suite.json]
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time

import regionkit as rk
from regionkit.constructions import sawtooth
from regionkit.suite import parse_suite, read_table, run_suite, write_table
from regionkit.suite.jobs import VOLATILE
from regionkit.suite.table import comparable

sys.path.insert(0, os.path.dirname(__file__))
from benchjson import default_out, write_results  # noqa: E402


def tiny_suite(n: int) -> dict:
    return {"name": "tiny", "measures": ["counts"], "vars": {},
            "networks": [{"kind": "construction", "construction": "sawtooth",
                          "args": {"k": 1}, "noise_std": 1e-9,
                          "grid": {"noise_seed": list(range(n))}}],
            "domains": [{"kind": "construction"}]}


def lines_suite(n: int) -> dict:
    return {"name": "lines", "measures": ["trajectory"],
            "networks": [{"kind": "he_normal", "arch": [64, 32, 32, 32, 10],
                          "grid": {"seed": list(range(n))}}],
            "domains": [{"kind": "lines", "n": 100, "data": "digits"}]}


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def bench_overhead(n: int, root: str) -> dict:
    suite = parse_suite(tiny_suite(n))
    c = sawtooth(1)
    run_suite(parse_suite(tiny_suite(2)), os.path.join(root, "warm"))  # imports, caches
    plain, _ = timed(lambda: [rk.enumerate_regions(c.network, c.domain, progress=False)
                              .n_regions for _ in range(n)])
    run_secs, result = timed(lambda: run_suite(suite, os.path.join(root, "overhead")))
    rows = read_table(result.table)
    table_secs, _ = timed(lambda: write_table(rows, os.path.join(root, "overhead"), "tiny"))
    job_secs = sum(r["seconds"] for r in rows)
    return {"case": "overhead", "jobs": n, "run_seconds": run_secs,
            "plain_loop_seconds": plain, "job_seconds_inside_workers": job_secs,
            "table_write_seconds": table_secs,
            "overhead_ms_per_job": 1e3 * (run_secs - plain) / n,
            "outside_job_ms_per_job": 1e3 * (run_secs - job_secs) / n}


def bench_throughput(n: int, root: str) -> list[dict]:
    suite = parse_suite(lines_suite(n))
    # Load the digits and sklearn once here: pool workers fork with them, Dask workers
    # load them on their first job (inside the timing, as a real run would).
    run_suite(parse_suite(lines_suite(2)), os.path.join(root, "warm-lines"))
    runs = {"serial": {}, "process pool, 2 workers": {"workers": 2}}
    try:
        import distributed

        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=None)
        runs["dask LocalCluster, 2 workers"] = {"scheduler": cluster.scheduler_address}
    except ImportError:
        cluster = None
    out, tables = [], []
    try:
        for name, kwargs in runs.items():
            d = os.path.join(root, name.replace(" ", "_").replace(",", ""))
            secs, result = timed(lambda: run_suite(suite, d, **kwargs))
            rows = read_table(result.table)
            tables.append(comparable(rows, VOLATILE))
            out.append({"case": name, "jobs": n, "seconds": secs, "jobs_per_s": n / secs,
                        "failed": result.n_failed,
                        "mean_job_seconds": sum(r["seconds"] for r in rows) / n})
    finally:
        if cluster is not None:
            cluster.close()
    for r in out:
        r["speedup"] = out[0]["seconds"] / r["seconds"]
        r["same_table_as_serial"] = tables[out.index(r)] == tables[0]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiny-jobs", type=int, default=500)
    ap.add_argument("--jobs", type=int, default=100)
    ap.add_argument("--out", default=default_out("suite"))
    args = ap.parse_args()
    root = tempfile.mkdtemp(prefix="bench_suite_")
    try:
        over = bench_overhead(args.tiny_jobs, root)
        runs = bench_throughput(args.jobs, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"runner overhead: {over['overhead_ms_per_job']:.2f} ms per job over a plain loop "
          f"({over['jobs']} jobs: {over['run_seconds']:.2f} s against "
          f"{over['plain_loop_seconds']:.2f} s; final table write "
          f"{1e3 * over['table_write_seconds']:.0f} ms)")
    print(f"{'executor':30s} {'jobs':>5s} {'seconds':>8s} {'jobs/s':>7s} {'speedup':>8s}"
          f" {'s/job inside':>12s}  same table")
    for r in runs:
        print(f"{r['case']:30s} {r['jobs']:5d} {r['seconds']:8.2f} {r['jobs_per_s']:7.1f}"
              f" {r['speedup']:8.2f} {r['mean_job_seconds']:12.3f}  "
              f"{'yes' if r['same_table_as_serial'] else 'NO'}")
    write_results(args.out, overhead=over, throughput=runs)


if __name__ == "__main__":
    main()
