"""Thread scaling and memory of the enumeration: prints a table and writes JSON.

Regions, seconds and regions/s at workers = 1, 2 and every core this process may use (keep=
"regions"), the speed-up and parallel efficiency (speed-up / workers) against one worker, and
the peak resident memory (VmHWM) with the bytes per region above the memory of the process
before enumerating; then keep="patterns" and keep="count" on every core, for their memory.
Every configuration runs in its own subprocess, so that its peak memory is its own, and is
timed best of --repeat runs; the region counts must agree. Nets are initialised as PyTorch's
nn.Linear does by default (regionkit.constructions.torch_default, seed 0), domain (-1, 1)^d.
--nets standard: the small set (seconds on 2 cores); --nets issue: the large nets of the
scaling targets (minutes on 16 cores); --nets wide: wide first layers (10^5 to 10^6 regions,
seconds each on 2 cores); --nets maxout: maxout first layers (make_net); --nets width: 2-D
nets of width 64, 128 and 256, with each one's cost per region against width 64's (run it
with --workers 1 for the one-thread width target). Other processes
loading the machine lower the speed-up: the JSON records the load average.

    python benchmarks/bench_scaling.py [--nets standard|issue|wide|maxout|width|all] [--repeat 3]
        [--workers 1,2,16] [--out benchmarks/results/scaling.json]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from benchjson import STANDARD_NETS, default_out, write_results  # noqa: E402

import regionkit as rk  # noqa: E402
from regionkit.constructions import torch_default  # noqa: E402
from regionkit.regions.engine import resolve_workers  # noqa: E402

SMALL = STANDARD_NETS + [("5-20-20-20-1", [5, 20, 20, 20, 1]),
                         ("6-16-16-16-1", [6, 16, 16, 16, 1])]
# The nets of the scaling targets: 10^4 to 6 x 10^5 regions each.
LARGE = [("2-128-128-128-1", [2, 128, 128, 128, 1]), ("2-256-256-256-1", [2, 256, 256, 256, 1]),
         ("3-64-64-64-1", [3, 64, 64, 64, 1]), ("4-32-32-32-1", [4, 32, 32, 32, 1]),
         ("4-40-40-40-1", [4, 40, 40, 40, 1]), ("5-20-20-20-1", [5, 20, 20, 20, 1]),
         ("6-16-16-16-1", [6, 16, 16, 16, 1])]
# Wide first layers, split in two passes (regions/widesplit.py): 10^5 to 10^6 regions.
WIDE = [("3-128-8-1", [3, 128, 8, 1]), ("4-64-16-1", [4, 64, 16, 1]),
        ("3-256-16-1", [3, 256, 16, 1]), ("2-2048-8-1", [2, 2048, 8, 1])]
# A maxout first layer (units x pieces, Gaussian weights, seed fixed) then ReLU layers: its
# clips of every region copy run on the threads.
MAXOUT = [("2-mx3.128-64-64-1", [2, (128, 3), 64, 64, 1]),
          ("3-mx3.48-32-1", [3, (48, 3), 32, 1]), ("4-mx2.32-24-1", [4, (32, 2), 24, 1]),
          ("6-mx2.24-6-1", [6, (24, 2), 6, 1])]
# 2-D nets of growing width: the cost per region against width 64's (the width target).
WIDTH = [("2-64-64-64-1", [2, 64, 64, 64, 1]), ("2-128-128-128-1", [2, 128, 128, 128, 1]),
         ("2-256-256-256-1", [2, 256, 256, 256, 1])]
CASES = dict(SMALL + LARGE + WIDE + MAXOUT + WIDTH)
SETS = {"standard": [n for n, _ in SMALL], "issue": [n for n, _ in LARGE],
        "wide": [n for n, _ in WIDE], "maxout": [n for n, _ in MAXOUT],
        "width": [n for n, _ in WIDTH], "all": list(CASES)}


def make_net(arch: list, seed: int) -> rk.Network:
    """torch_default for ReLU nets; a (units, pieces) entry is a maxout layer with weights
    N(0, 1/fan_in) and biases N(0, 0.01), the ReLU layers after it He-normal."""
    if all(isinstance(w, int) for w in arch):
        return torch_default(arch, seed=seed)
    rng = np.random.default_rng(seed)
    Ws, bs, acts, prev = [], [], [], arch[0]
    for w in arch[1:]:
        units, k = w if isinstance(w, tuple) else (w, 1)
        Ws.append(rng.normal(size=(units * k, prev)) * np.sqrt((1 if k > 1 else 2) / prev))
        bs.append(0.1 * rng.normal(size=units * k))
        acts.append(f"maxout:{k}" if k > 1 else "relu")
        prev = units
    acts[-1] = "identity"
    return rk.Network.from_arrays(Ws, bs, acts)


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM), in MiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def rss_mb() -> float:
    """This process's resident memory now (VmRSS), in MiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def child(name: str, workers: int, keep: str, repeat: int, seed: int) -> dict:
    """Best of `repeat` enumerations of net `name` on `workers` threads, in this process."""
    arch = CASES[name]
    net = make_net(arch, seed)
    dom = rk.Box(-1, 1, dim=arch[0])
    options = {} if keep == "regions" else {"keep": keep}  # older versions: regions only
    base = rss_mb()
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        rs = rk.enumerate_regions(net, dom, progress=False, workers=workers, **options)
        best = min(best, time.perf_counter() - t)
        if repeat > 1:
            del rs
            rs = None
    if rs is None:  # the last run's result, for its count
        rs = rk.enumerate_regions(net, dom, progress=False, workers=workers, **options)
    peak = peak_rss_mb()
    return {"regions": rs.n_regions, "seconds": best, "engine": str(rs.kind),
            "peak_rss_mb": peak, "bytes_per_region": (peak - base) * 2**20 / rs.n_regions}


def run_child(name: str, workers: int, keep: str, repeat: int, seed: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", name, str(workers), keep,
                          "--repeat", str(repeat), "--seed", str(seed)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def print_width_costs(rows: list[dict]) -> None:
    """Microseconds per region of each net, and their ratio to the first net's, per keep and
    number of workers (recorded in the rows as cost_ratio)."""
    first: dict[tuple, float] = {}
    print(f"\n{'net':16s} {'keep':>8s} {'workers':>7s} {'us/region':>9s} {'x first':>7s}")
    for row in rows:
        cost = row["seconds"] / row["regions"]
        key = (row["keep"], row["workers"])
        row["cost_ratio"] = cost / first.setdefault(key, cost)
        print(f"{row['net']:16s} {row['keep']:>8s} {row['workers']:7d} {cost * 1e6:9.2f}"
              f" {row['cost_ratio']:7.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=default_out("scaling"))
    ap.add_argument("--nets", choices=sorted(SETS), default="standard")
    ap.add_argument("--workers", help="comma-separated thread counts (default: 1, 2, all)")
    ap.add_argument("--keeps", default="regions,patterns,count",
                    help="what to keep; all but 'regions' run on every core only")
    ap.add_argument("--child", nargs=3, metavar=("NET", "WORKERS", "KEEP"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        name, workers, keep = args.child
        print(json.dumps(child(name, int(workers), keep, args.repeat, args.seed)))
        return
    cores = resolve_workers(None)
    counts = (sorted({int(w) for w in args.workers.split(",")}) if args.workers
              else sorted({1, 2, cores}))
    keeps = args.keeps.split(",")
    rows = []
    print(f"{'net':16s} {'engine':>6s} {'keep':>8s} {'workers':>7s} {'regions':>8s}"
          f" {'seconds':>9s} {'regions/s':>10s} {'speed-up':>8s} {'effic.':>6s}"
          f" {'peak MiB':>8s} {'B/region':>8s} {'load':>5s}")
    for name in SETS[args.nets]:
        base = None
        runs = [("regions", w) for w in counts if "regions" in keeps]
        runs += [(k, counts[-1]) for k in keeps if k != "regions"]
        for keep, workers in runs:
            load = os.getloadavg()[0]
            row = {"net": name, "keep": keep, "workers": workers, "load_average_1min": load,
                   **run_child(name, workers, keep, args.repeat, args.seed)}
            base = base or row
            row["regions_per_s"] = row["regions"] / row["seconds"]
            # Against the fewest workers (one, unless --workers says otherwise).
            row["speedup"] = base["seconds"] / row["seconds"]
            row["efficiency"] = row["speedup"] * base["workers"] / workers
            row["agree"] = row["regions"] == base["regions"]
            rows.append(row)
            print(f"{name:16s} {row['engine']:>6s} {keep:>8s} {workers:7d} {row['regions']:8d}"
                  f" {row['seconds']:9.4f} {row['regions_per_s']:10.0f} {row['speedup']:8.2f}"
                  f" {row['efficiency']:6.2f} {row['peak_rss_mb']:8.1f}"
                  f" {row['bytes_per_region']:8.0f} {load:5.2f}"
                  + ("" if row["agree"] else "  DIFFERENT COUNT"), flush=True)
    if args.nets == "width":
        print_width_costs(rows)
    write_results(args.out, seed=args.seed, repeat=args.repeat, cores=cores, nets=args.nets,
                  rows=rows)
    if not all(r["agree"] for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
