"""Enumeration speed on the standard nets: prints a table and writes JSON.

Nets are initialised as PyTorch's nn.Linear does by default (uniform +-1/sqrt(fan_in)),
domain (-1, 1)^d; the 784-64-64-64-10 net is enumerated on a plane through three random
points. Small cases are also counted by plain scipy-linprog splitting (Hanin & Rolnick's
method) and the counts must agree.

    python benchmarks/bench_enumerate.py [--repeat 3] [--workers 1]
        [--out benchmarks/results/enumerate.json]
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from benchjson import STANDARD_NETS, default_out, write_results  # noqa: E402
from scipy_splitting import count_regions  # noqa: E402

import regionkit as rk  # noqa: E402
from regionkit.constructions import torch_default  # noqa: E402

CASES = STANDARD_NETS + [
    ("6-12-12-12-1", [6, 12, 12, 12, 1]),
    ("784-64-64-64-10 plane", [784, 64, 64, 64, 10]),
]
SCIPY_CASES = [("2-8-8-8-1", [2, 8, 8, 8, 1]), ("3-8-8-1", [3, 8, 8, 1])]
# Graph and faces are timed up to this dimension; beyond it runs are in LP form and their
# vertex form costs about 1.5 ms per region to clip (6-12-12-12-1: 38 s against 1.3 s).
MEASURE_MAX_DIM = 4
# Peers measured on this kind of machine, regions per second.
PEERS = {"2-32-32-32-1": 1180 / 0.028, "2-64-64-64-1": 6668 / 0.094,
         "3-16-16-16-1": 1373 / 0.06, "3-32-32-32-1": 20724 / 0.58,
         "4-16-16-16-1": 12836 / 0.23}


def domain_for(arch: list[int], seed: int) -> rk.Domain:
    if arch[0] == 784:
        rng = np.random.default_rng(seed + 1000)
        pts = rng.uniform(0, 1, size=(3, 784))
        return rk.Plane.through(*pts)
    return rk.Box(-1, 1, dim=arch[0])


def best_time(fn, repeat: int):
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def measure_times(rs) -> dict:
    """Seconds for the graph and measures of a fresh result (nothing cached)."""
    out = {}
    t = time.perf_counter()
    g = rs.adjacency()
    rs.volumes()
    rs.boundary_volume()
    out["graph_seconds"] = time.perf_counter() - t
    out["linear_regions"] = g.n_linear
    out["edges"] = int(len(g.i))
    t = time.perf_counter()
    out["f_vector"] = rs.face_counts().tolist()
    out["faces_seconds"] = time.perf_counter() - t
    return out


def enumerate_and_measure(net, dom, repeat: int, workers: int) -> dict:
    """Best of `repeat` runs of each stage; every run enumerates afresh and then measures
    that result, so enumeration and measures are timed under the same conditions."""
    row: dict = {}
    for _ in range(repeat):
        t = time.perf_counter()
        rs = rk.enumerate_regions(net, dom, progress=False, workers=workers)
        secs = time.perf_counter() - t
        if secs < row.get("seconds", float("inf")):
            row.update(regions=rs.n_regions, seconds=secs, regions_per_s=rs.n_regions / secs,
                       engine=rs.kind)
        if rs.dim <= MEASURE_MAX_DIM:
            m = measure_times(rs)
            for key in ("graph_seconds", "faces_seconds"):
                m[key] = min(m[key], row.get(key, float("inf")))
            row.update(m)
    if "graph_seconds" in row:
        row["graph_per_enumeration"] = row["graph_seconds"] / row["seconds"]
        row["faces_per_enumeration"] = row["faces_seconds"] / row["seconds"]
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=default_out("enumerate"))
    ap.add_argument("--workers", type=int, default=1,
                    help="threads per enumeration (default 1: the one-core table; "
                         "benchmarks/bench_scaling.py measures threads)")
    args = ap.parse_args()
    rows = []
    for name, arch in CASES:
        net = torch_default(arch, seed=args.seed)
        dom = domain_for(arch, args.seed)
        row = {"net": name, **enumerate_and_measure(net, dom, args.repeat, args.workers)}
        if name in PEERS:
            row["peer_regions_per_s"] = PEERS[name]
        rows.append(row)
    for name, arch in SCIPY_CASES:
        net = torch_default(arch, seed=args.seed)
        dom = rk.Box(-1, 1, dim=arch[0])
        secs, rs = best_time(lambda: rk.enumerate_regions(net, dom, progress=False,
                                                          workers=args.workers), args.repeat)
        t = time.perf_counter()
        ref = count_regions(list(net.weights), list(net.biases), -1.0, 1.0)
        ref_secs = time.perf_counter() - t
        rows.append({"net": name, "regions": rs.n_regions, "seconds": secs,
                     "regions_per_s": rs.n_regions / secs, "engine": rs.kind,
                     "scipy_regions": ref, "scipy_seconds": ref_secs,
                     "agree": ref == rs.n_regions})
    print(f"{'net':24s} {'regions':>8s} {'seconds':>9s} {'regions/s':>11s} {'peer r/s':>10s}"
          f" {'graph s':>8s} {'/enum':>6s} {'faces s':>8s} {'/enum':>6s} {'scipy-LP':>16s}")
    for r in rows:
        peer = f"{r['peer_regions_per_s']:10.0f}" if "peer_regions_per_s" in r else " " * 10
        ok = "ok" if r.get("agree") else "DIFF"
        ref = (f"{r['scipy_regions']:6d} {r['scipy_seconds']:7.2f}s {ok}"
               if "scipy_regions" in r else "")
        graph = (f"{r['graph_seconds']:8.3f} {r['graph_per_enumeration']:6.2f}"
                 f" {r['faces_seconds']:8.3f} {r['faces_per_enumeration']:6.2f}"
                 if "graph_seconds" in r else " " * 31)
        print(f"{r['net']:24s} {r['regions']:8d} {r['seconds']:9.4f} {r['regions_per_s']:11.0f}"
              f" {peer} {graph} {ref}")
    write_results(args.out, seed=args.seed, workers=args.workers, rows=rows)
    if not all(r.get("agree", True) for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
