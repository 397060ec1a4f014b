"""The memory model of the preflight against measured peak memory: prints a table, writes JSON.

Each configuration runs in its own subprocess; its peak resident memory (VmHWM) above the
memory held before enumerating is set beside regionkit.regions.preflight.estimate_memory
fed the exact per-layer counts (so that only the bytes-per-region model is compared) and
the estimate the preflight makes from estimated counts.

    python benchmarks/bench_memory.py [--out benchmarks/results/memory.json]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from benchjson import default_out, write_results  # noqa: E402

import regionkit as rk  # noqa: E402
from regionkit.constructions import torch_default  # noqa: E402
from regionkit.core.geometry import Geometry  # noqa: E402
from regionkit.regions.preflight import estimate_memory  # noqa: E402

CASES = [([2, 64, 64, 64, 1], "regions"), ([2, 128, 128, 1], "regions"),
         ([3, 32, 32, 32, 1], "regions"), ([3, 32, 32, 32, 1], "count"),
         ([4, 40, 1], "regions"), ([5, 16, 16, 1], "regions"), ([8, 12, 12, 1], "patterns"),
         ([12, 12, 1], "regions")]


def child(arch: list[int], keep: str) -> dict:
    net = torch_default(arch, seed=0)
    dom = rk.Box(-1, 1, dim=arch[0])
    with open("/proc/self/status") as f:
        base = [int(x.split()[1]) * 1024 for x in f if x.startswith("VmRSS:")][0]
    rs = rk.enumerate_regions(net, dom, progress=False, keep=keep, max_memory="off")
    with open("/proc/self/status") as f:
        peak = [int(x.split()[1]) * 1024 for x in f if x.startswith("VmHWM:")][0]
    g = Geometry.choose(arch[0], "auto")
    model = estimate_memory(net, dom, g, keep, counts=[float(c) for c in rs.per_layer])
    est = estimate_memory(net, dom, g, keep)
    return {"arch": arch, "keep": keep, "regions": rs.n_regions, "geometry": str(g.value),
            "measured": peak - base, "model_exact_counts": model.bytes,
            "preflight_estimate": est.bytes}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=default_out("memory"))
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child[0]), args.child[1])))
        return
    rows = []
    print(f"{'net':16s} {'keep':>8s} {'geom':>4s} {'regions':>8s} {'measured MB':>11s}"
          f" {'model MB':>9s} {'measured/model':>14s} {'preflight MB':>12s}")
    for arch, keep in CASES:
        out = subprocess.run([sys.executable, __file__, "--child", json.dumps(arch), keep],
                             check=True, capture_output=True, text=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        r["ratio"] = r["measured"] / r["model_exact_counts"]
        rows.append(r)
        print(f"{'-'.join(map(str, arch)):16s} {keep:>8s} {r['geometry']:>4s} {r['regions']:8d}"
              f" {r['measured'] / 2**20:11.1f} {r['model_exact_counts'] / 2**20:9.1f}"
              f" {r['ratio']:14.2f} {r['preflight_estimate'] / 2**20:12.1f}", flush=True)
    write_results(args.out, rows=rows)


if __name__ == "__main__":
    main()
