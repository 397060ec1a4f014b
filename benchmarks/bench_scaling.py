"""Thread scaling of the enumeration on the standard nets: prints a table and writes JSON.

Regions, seconds and regions/s at workers = 1, 2 and every core this process may use, the
speed-up and parallel efficiency (speed-up / workers) against one worker, and the peak
resident memory (VmHWM). Every configuration runs in its own subprocess, so that its peak
memory is its own, and is timed best of --repeat runs; the region counts must agree. Nets
are initialised as PyTorch's nn.Linear does by default, domain (-1, 1)^d. Other processes
loading the machine lower the speed-up: the JSON records the load average.

    python benchmarks/bench_scaling.py [--repeat 3] [--out benchmarks/results/scaling.json]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from benchjson import STANDARD_NETS, default_out, write_results  # noqa: E402

import regionkit as rk  # noqa: E402
from regionkit.constructions import torch_default  # noqa: E402
from regionkit.regions.engine import resolve_workers  # noqa: E402

CASES = STANDARD_NETS + [("5-20-20-20-1", [5, 20, 20, 20, 1]),
                         ("6-16-16-16-1", [6, 16, 16, 16, 1])]


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM), in MiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def child(name: str, workers: int, repeat: int, seed: int) -> dict:
    """Best of `repeat` enumerations of net `name` on `workers` threads, in this process."""
    arch = dict(CASES)[name]
    net = torch_default(arch, seed=seed)
    dom = rk.Box(-1, 1, dim=arch[0])
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        rs = rk.enumerate_regions(net, dom, progress=False, workers=workers)
        best = min(best, time.perf_counter() - t)
    return {"regions": rs.n_regions, "seconds": best, "engine": str(rs.kind),
            "peak_rss_mb": peak_rss_mb()}


def run_child(name: str, workers: int, repeat: int, seed: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", name, str(workers),
                          "--repeat", str(repeat), "--seed", str(seed)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=default_out("scaling"))
    ap.add_argument("--child", nargs=2, metavar=("NET", "WORKERS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], int(args.child[1]), args.repeat, args.seed)))
        return
    cores = resolve_workers(None)
    counts = sorted({1, 2, cores})
    rows = []
    print(f"{'net':14s} {'engine':>6s} {'workers':>7s} {'regions':>8s} {'seconds':>9s}"
          f" {'regions/s':>10s} {'speed-up':>8s} {'effic.':>6s} {'peak MiB':>8s} {'load':>5s}")
    for name, _ in CASES:
        base = None
        for workers in counts:
            load = os.getloadavg()[0]
            row = {"net": name, "workers": workers, "load_average_1min": load,
                   **run_child(name, workers, args.repeat, args.seed)}
            base = base or row
            row["regions_per_s"] = row["regions"] / row["seconds"]
            row["speedup"] = base["seconds"] / row["seconds"]
            row["efficiency"] = row["speedup"] / workers
            row["agree"] = row["regions"] == base["regions"]
            rows.append(row)
            print(f"{name:14s} {row['engine']:>6s} {workers:7d} {row['regions']:8d}"
                  f" {row['seconds']:9.4f} {row['regions_per_s']:10.0f} {row['speedup']:8.2f}"
                  f" {row['efficiency']:6.2f} {row['peak_rss_mb']:8.1f} {load:5.2f}"
                  + ("" if row["agree"] else "  DIFFERENT COUNT"), flush=True)
    write_results(args.out, seed=args.seed, repeat=args.repeat, cores=cores, rows=rows)
    if not all(r["agree"] for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
