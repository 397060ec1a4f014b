"""Exact Betti numbers of {F > t} and {F < t} on the standard nets, beside their enumeration
time: prints a table and writes JSON.

Nets are those of bench_enumerate.py (PyTorch's nn.Linear default initialisation, seed 0,
domain (-1, 1)^d). These nets' outputs vary little over the box, so the level t is the median
of F over 4000 uniform points, which puts about half of the box on each side. Columns: the
enumeration of the net alone; the enumeration of the pieces (the net plus its level-set
unit); the cell complex of the pieces; the homology of both sides; their sum, i.e. what
rk.betti_numbers costs for both sides (best of --repeat).

    python benchmarks/bench_betti.py [--repeat 3] [--out benchmarks/results/betti.json]
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

import regionkit as rk
from regionkit.constructions import torch_default

sys.path.insert(0, os.path.dirname(__file__))
from benchjson import STANDARD_NETS as CASES  # noqa: E402
from benchjson import default_out, write_results


def run_once(net: rk.Network, dom: rk.Domain, level: float) -> dict:
    t0 = time.perf_counter()
    dr = rk.decision_regions(net, dom, level=level)
    t1 = time.perf_counter()
    cx = dr.complex()
    t2 = time.perf_counter()
    above, below = dr.betti_numbers("above"), dr.betti_numbers("below")
    t3 = time.perf_counter()
    return {"pieces": dr.n_pieces, "cells": cx.n_cells, "pieces_seconds": t1 - t0,
            "complex_seconds": t2 - t1, "homology_seconds": t3 - t2, "betti_seconds": t3 - t0,
            "above": above.to_dict(), "below": below.to_dict(),
            "boundary_volume": dr.boundary_volume()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=default_out("betti"))
    args = ap.parse_args()
    rows = []
    for name, arch in CASES:
        net = torch_default(arch, seed=args.seed)
        dom = rk.Box(-1, 1, dim=arch[0])
        level = float(np.median(net.forward(dom.sample(4000, args.seed))[:, 0]))
        enum = min(_timed(lambda: rk.enumerate_regions(net, dom, progress=False))
                   for _ in range(args.repeat))
        runs = [run_once(net, dom, level) for _ in range(args.repeat)]
        best = min(runs, key=lambda r: r["betti_seconds"])
        rows.append({"net": name, "level": level,
                     "regions": rk.enumerate_regions(net, dom, progress=False).n_regions,
                     "enumerate_seconds": enum, **best})
    print(f"{'net':14s} {'regions':>8s} {'enum s':>7s} {'pieces':>7s} {'cells':>8s} "
          f"{'pieces s':>8s} {'complex s':>9s} {'homol s':>7s} {'betti s':>8s} "
          f"{'ratio':>6s}  {'b(F > t)':12s} {'b(F < t)':12s}")
    for r in rows:
        print(f"{r['net']:14s} {r['regions']:8d} {r['enumerate_seconds']:7.3f} "
              f"{r['pieces']:7d} {r['cells']:8d} {r['pieces_seconds']:8.3f} "
              f"{r['complex_seconds']:9.3f} {r['homology_seconds']:7.3f} "
              f"{r['betti_seconds']:8.3f} {r['betti_seconds'] / r['enumerate_seconds']:6.1f}  "
              f"{str(tuple(r['above']['betti'])):12s} {str(tuple(r['below']['betti'])):12s}")
    write_results(args.out, seed=args.seed, rows=rows)


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
