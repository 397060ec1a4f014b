"""A run with a store against the same run in memory: throughput, peak memory, store size.

Each configuration runs in its own subprocess (its peak resident memory, VmHWM, is its own):
enumerate_regions in memory (keep="regions"), the same with store= (leaves written to Parquet
shards as they are finished, not kept), then RegionSet.open on the store with a count, a
streamed volume sum, and load() of everything. The region counts must agree. Nets are
initialised as PyTorch's nn.Linear does by default (regionkit.constructions.torch_default,
seed 0), domain (-1, 1)^d. --keep sets what both runs keep (the stream reads the patterns
where the store holds no regions); --modes which configurations run. The 10^7-region net
(4-80-80-80-1, 1.46 x 10^7 regions) cannot keep its regions in memory: --keep patterns
for both, or --keep regions --modes store,stream.

    python benchmarks/bench_store.py [--nets 2-256-256-256-1,5-20-20-20-1] [--workers 2]
        [--keep regions|patterns|count] [--modes memory,store,stream,load]
        [--out benchmarks/results/store.json]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from benchjson import default_out, write_results  # noqa: E402

import regionkit as rk  # noqa: E402
from regionkit.constructions import torch_default  # noqa: E402

# 9 x 10^4, 1.9 x 10^5 and 8.2 x 10^5 regions; not run by default: 1.46 x 10^7.
NETS = {"2-256-256-256-1": [2, 256, 256, 256, 1], "5-20-20-20-1": [5, 20, 20, 20, 1],
        "4-40-40-40-1": [4, 40, 40, 40, 1]}
LARGE_NETS = {"4-80-80-80-1": [4, 80, 80, 80, 1]}
MODES = ("memory", "store", "stream", "load")


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM), in MiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def child(name: str, mode: str, workers: int, path: str, keep: str) -> dict:
    """One configuration, in this process."""
    arch = {**NETS, **LARGE_NETS}[name]
    net, dom = torch_default(arch, seed=0), rk.Box(-1, 1, dim=arch[0])
    t = time.perf_counter()
    if mode == "memory":
        n = rk.enumerate_regions(net, dom, progress=False, workers=workers,
                                 keep=keep).n_regions
        extra = {"keep": keep}
    elif mode == "store":
        n = rk.enumerate_regions(net, dom, progress=False, workers=workers, keep=keep,
                                 store=path).n_regions
        size = sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path))
        extra = {"keep": keep, "store_mb": size / 2**20,
                 "shards": len(rk.RegionSet.open(path).files)}
    elif mode == "stream":
        stored = rk.RegionSet.open(path)
        if keep == "regions":
            n, extra = stored.n_regions, {"volume_sum": stored.volume_sum()}
        else:  # no geometry: the patterns, read column by column
            n, extra = len(stored.patterns()), {}
    else:  # load
        n = rk.RegionSet.open(path).load().n_regions
        extra = {}
    seconds = time.perf_counter() - t
    return dict(net=name, mode=mode, regions=n, seconds=seconds,
                regions_per_s=n / seconds, peak_mb=peak_rss_mb(), **extra)


def main() -> None:
    """Run every configuration in a subprocess, print the table, write the JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nets", default=",".join(NETS))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default=default_out("store"))
    ap.add_argument("--keep", choices=("regions", "patterns", "count"), default="regions",
                    help="what the in-memory run keeps")
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        name, mode, workers, path, keep = args.child
        print(json.dumps(child(name, mode, int(workers), path, keep)))
        return
    modes = args.modes.split(",")
    if not set(modes) <= set(MODES):
        ap.error(f"--modes: choose from {', '.join(MODES)}")
    rows = []
    print(f"{'net':18} {'mode':7} {'regions':>9} {'s':>7} {'regions/s':>10} {'peak MB':>8} "
          f"{'store MB':>8}")
    for name in args.nets.split(","):
        tmp = tempfile.mkdtemp(prefix="bench_store_")
        path = os.path.join(tmp, "run.rks")
        try:
            for mode in modes:
                out = subprocess.run([sys.executable, __file__, "--child", name, mode,
                                      str(args.workers), path, args.keep], check=True,
                                     capture_output=True, text=True).stdout
                row = json.loads(out.strip().splitlines()[-1])
                rows.append(row)
                print(f"{name:18} {mode:7} {row['regions']:>9} {row['seconds']:>7.2f} "
                      f"{row['regions_per_s']:>10.0f} {row['peak_mb']:>8.0f} "
                      f"{row.get('store_mb', float('nan')):>8.1f}")
        finally:
            shutil.rmtree(tmp)
        counts = {r["regions"] for r in rows if r["net"] == name}
        assert len(counts) == 1, f"{name}: region counts differ: {counts}"
    write_results(args.out, rows=rows, workers=args.workers, keep=args.keep,
                  load=os.getloadavg())


if __name__ == "__main__":
    main()
