"""Trajectory speed: exact pieces per second next to sampling at 10^5 points per path.

Cases (Hanin & Rolnick's lines, Raghu et al.'s arcs):
  * whole lines through the origin and a data-like point (uniform in [0, 1]^784) in a
    784-64-64-64-10 ReLU net, He normal weights, bias variance 1e-6 (Hanin & Rolnick);
  * circular arcs x(t) = cos(pi t / 2) x0 + sin(pi t / 2) x1 between random normal vectors
    through a 100-wide depth-8 hard-tanh net, weights N(0, sigma_w^2 / 100) with
    sigma_w^2 = 2, biases N(0, 0.01) (Raghu et al.);
  * segments in the same 784-64-64-64-10 net, by regionkit.trajectory.table (one engine
    call per segment, plus transitions and per-layer lengths) and by the bare
    enumerate_regions call per segment (the compiled 1-D engine alone).

The sampling count is the seeds' method: the pattern at 10^5 evenly spaced points of the
path (for a whole line, of the window spanned by its exact breakpoints plus 10 %), pieces =
1 + pattern changes between neighbours. It runs on the first --sample-paths paths; the exact
count of the same paths is printed beside it.

    python benchmarks/bench_trajectory.py [--lines 1000] [--arcs 1000] [--sample-paths 20]
        [--out benchmarks/results/trajectory.json]
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time

import numpy as np

import regionkit as rk
from regionkit import trajectory as T

sys.path.insert(0, os.path.dirname(__file__))
from benchjson import default_out, write_results  # noqa: E402

SAMPLE_POINTS = 100_000
SAMPLE_BLOCK = 10_000  # points per forward pass: 10^4 x 784 doubles = 63 MB


def line_net(seed: int) -> rk.Network:
    rng = np.random.default_rng(seed)
    arch = [784, 64, 64, 64, 10]
    Ws = [rng.normal(size=(o, i)) * math.sqrt(2.0 / i) for i, o in zip(arch[:-1], arch[1:])]
    return rk.Network.from_arrays(Ws, [1e-3 * rng.normal(size=o) for o in arch[1:]])


def arc_net(seed: int, sigma_w2: float = 2.0) -> rk.Network:
    rng = np.random.default_rng(seed)
    arch = [100] + [100] * 8 + [1]
    Ws = [rng.normal(size=(o, i)) * math.sqrt(sigma_w2 / i) for i, o in zip(arch[:-1], arch[1:])]
    return rk.Network.from_arrays(Ws, [0.1 * rng.normal(size=o) for o in arch[1:]],
                                  ["hard_tanh"] * 8 + ["identity"])


def sampled_pieces(net: rk.Network, curve, lo: float, hi: float) -> int:
    """1 + pattern changes between neighbours of SAMPLE_POINTS evenly spaced points."""
    t = np.linspace(lo, hi, SAMPLE_POINTS)
    changes, prev = 0, None
    for i in range(0, SAMPLE_POINTS, SAMPLE_BLOCK):
        P = net.pattern(curve(t[i:i + SAMPLE_BLOCK]))
        if prev is not None:
            P = np.vstack([prev, P])
        changes += int(np.any(P[1:] != P[:-1], axis=1).sum())
        prev = P[-1:]
    return changes + 1


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def sampling_columns(net, trajectories, window) -> dict:
    """Sample the given single-path results; compare with their exact piece counts."""
    secs, sampled, exact = 0.0, 0, 0
    for tr in trajectories:
        lo, hi, n_exact = window(tr)
        s, count = timed(lambda: sampled_pieces(net, tr.points, lo, hi))
        secs += s
        sampled += count
        exact += n_exact
    n = len(trajectories)
    return {"sampled_paths": n, "sample_points": SAMPLE_POINTS,
            "sampled_seconds_per_path": secs / max(n, 1), "sampled_pieces": sampled,
            "exact_pieces_same_paths": exact,
            "sampled_pieces_per_s": sampled / secs if secs else float("nan")}


def line_window(tr: T.Trajectory) -> tuple[float, float, int]:
    """The exact breakpoints' span plus 10 %, and the exact pieces meeting it."""
    bp = tr.breakpoints
    pad = 0.1 * max(bp[-1] - bp[0], 1e-12)
    return bp[0] - pad, bp[-1] + pad, tr.n_pieces


def arc_window(tr: T.Trajectory) -> tuple[float, float, int]:
    return 0.0, 1.0, tr.n_pieces


def bench_lines(n: int, n_sample: int, seed: int) -> dict:
    net = line_net(seed)
    data = np.random.default_rng(seed + 1).uniform(0, 1, size=(n, 784))
    secs, rows = timed(lambda: T.table(net, "line", np.zeros_like(data), data))
    pieces = int(rows["n_pieces"].sum())
    singles = [T.line(net, np.zeros(784), d) for d in data[:n_sample]]
    return {"case": "784-64-64-64-10 relu, whole lines", "paths": n, "pieces": pieces,
            "seconds": secs, "pieces_per_s": pieces / secs, "paths_per_s": n / secs,
            "pieces_per_neuron": pieces / n / 192,
            **sampling_columns(net, singles, line_window)}


def bench_arcs(n: int, n_sample: int, seed: int) -> dict:
    net = arc_net(seed)
    X0, X1 = np.random.default_rng(seed + 2).normal(size=(2, n, 100))
    secs, rows = timed(lambda: T.table(net, "arc", X0, X1))
    pieces = int(rows["n_pieces"].sum())
    singles = [T.arc(net, a, b) for a, b in zip(X0[:n_sample], X1[:n_sample])]
    return {"case": "100x8 hard tanh, arcs", "paths": n, "pieces": pieces, "seconds": secs,
            "pieces_per_s": pieces / secs, "paths_per_s": n / secs,
            "mean_transitions": float(rows["transitions"].mean()),
            "distinct_patterns_per_piece": float(rows["n_patterns"].sum() / pieces),
            **sampling_columns(net, singles, arc_window)}


def bench_segments(n: int, seed: int) -> dict:
    net = line_net(seed)
    A, B = np.random.default_rng(seed + 3).uniform(0, 1, size=(2, n, 784))
    secs, rows = timed(lambda: T.table(net, "segment", A, B))
    eng_secs, counts = timed(lambda: [rk.enumerate_regions(net, rk.Segment(a, b),
                                                           progress=False).n_regions
                                      for a, b in zip(A, B)])
    pieces = int(rows["n_pieces"].sum())
    return {"case": "784-64-64-64-10 relu, segments", "paths": n, "pieces": pieces,
            "seconds": secs, "pieces_per_s": pieces / secs, "paths_per_s": n / secs,
            "engine_seconds": eng_secs, "engine_pieces_per_s": sum(counts) / eng_secs,
            "agree": counts == rows["n_pieces"].tolist()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=1000)
    ap.add_argument("--arcs", type=int, default=1000)
    ap.add_argument("--segments", type=int, default=200)
    ap.add_argument("--sample-paths", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=default_out("trajectory"))
    args = ap.parse_args()
    rows = [bench_lines(args.lines, args.sample_paths, args.seed),
            bench_arcs(args.arcs, args.sample_paths, args.seed),
            bench_segments(args.segments, args.seed)]
    print(f"{'case':36s} {'paths':>6s} {'pieces':>8s} {'seconds':>8s} {'pieces/s':>9s}"
          f" | {'sampled (10^5 pts)':>18s} {'exact':>6s} {'s/path':>7s} {'pieces/s':>9s}")
    for r in rows:
        left = (f"{r['case']:36s} {r['paths']:6d} {r['pieces']:8d} {r['seconds']:8.2f}"
                f" {r['pieces_per_s']:9.0f}")
        if "sampled_pieces" in r:
            right = (f"{r['sampled_pieces']:18d} {r['exact_pieces_same_paths']:6d}"
                     f" {r['sampled_seconds_per_path']:7.3f} {r['sampled_pieces_per_s']:9.0f}")
        else:
            right = (f"engine: {r['engine_seconds']:.2f} s, {r['engine_pieces_per_s']:.0f}"
                     f" pieces/s, counts {'agree' if r['agree'] else 'DIFFER'}")
        print(f"{left} | {right}")
    write_results(args.out, seed=args.seed, rows=rows)


if __name__ == "__main__":
    main()
