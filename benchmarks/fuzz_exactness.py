"""Fuzz the engine on near-degenerate inputs: nearly parallel units, thin and scaled boxes.

Each case is a one-layer net (ReLU or hard tanh) whose units come in nearly parallel pairs
(weights and biases perturbed by 10^-6 .. 10^-10) on a box that is unit, thin in one
coordinate (width 10^-3 .. 10^-7) or scaled (+-10^-4 .. +-10^6). Checks per case:

* no exception from any method;
* method="auto" and method="lp" give the same pattern set;
* the region volumes of both sum to the box's volume (VOLUME_RTOL);
* every pattern seen in uniform samples of the box is a region, and each region's sampled
  fraction matches its volume (SIGMAS standard errors plus SAMPLE_SLACK).

Prints a table of cases checked and failed per check and writes JSON (benchjson).

    python benchmarks/fuzz_exactness.py --cases 2000
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import traceback

import numpy as np

import regionkit as rk

sys.path.insert(0, os.path.dirname(__file__))
from benchjson import default_out, write_results  # noqa: E402

VOLUME_RTOL = 1e-7
SIGMAS = 5.0
SAMPLE_SLACK = 2e-3
CHECKS = ("exception", "auto_vs_lp", "volume_sum", "sampling")


def make_case(rng: np.random.Generator) -> tuple[rk.Network, rk.Box, str]:
    """A random near-degenerate case and a short description of it."""
    d = int(rng.choice([2, 3, 4, 5, 6]))
    pairs = int(rng.integers(1, 3))
    act = str(rng.choice(["relu", "hard_tanh"]))
    base = rng.integers(-2, 3, size=(pairs, d)).astype(float)
    base[np.all(base == 0, axis=1), 0] = 1.0
    bias = rng.integers(-1, 2, size=pairs).astype(float)
    tiny = 10.0 ** -rng.integers(6, 11, size=(pairs, 1))
    W = np.vstack([base, base + tiny * rng.normal(size=(pairs, d))])
    b = np.concatenate([bias, bias + tiny[:, 0] * rng.normal(size=pairs)])
    kind = str(rng.choice(["unit", "thin", "scaled"]))
    lo, hi = -np.ones(d), np.ones(d)
    if kind == "thin":
        axis = int(rng.integers(d))
        width = 10.0 ** -rng.integers(3, 8)
        lo[axis] = rng.uniform(-1, 1 - width)
        hi[axis] = lo[axis] + width
    elif kind == "scaled":
        scale = 10.0 ** rng.integers(-4, 7)
        lo, hi = lo * scale, hi * scale
        W = W / scale
    net = rk.Network.from_arrays([W, np.ones((1, len(W)))], [b, [0.0]],
                                 activations=[act, "identity"])
    return net, rk.Box(lo, hi), f"{d}-D {act} {2 * pairs} units, {kind} box"


def check(net: rk.Network, box: rk.Box, rng: np.random.Generator,
          samples: int = 2000) -> list[str]:
    """The names of the checks (CHECKS) this case fails."""
    try:
        runs = {m: rk.enumerate_regions(net, box, method=m, workers=1) for m in ("auto", "lp")}
        vols = {m: rs.volumes() for m, rs in runs.items()}
    except Exception:  # a crash on valid input is what this counts
        traceback.print_exc()
        return ["exception"]
    failed = []
    sets = {m: {p.tobytes() for p in rs.pattern_bits()} for m, rs in runs.items()}
    if sets["auto"] != sets["lp"]:
        failed.append("auto_vs_lp")
    if any(abs(v.sum() / box.volume - 1.0) > VOLUME_RTOL for v in vols.values()):
        failed.append("volume_sum")
    rs, vol = runs["auto"], vols["auto"] / box.volume
    seen = net.pattern(box.to_input(box.sample(samples, rng=rng)))
    index = {p.tobytes(): i for i, p in enumerate(rs.pattern_bits())}
    count = np.zeros(rs.n_regions)
    for p in seen:
        i = index.get(p.tobytes())
        if i is None:
            failed.append("sampling")
            return failed
        count[i] += 1
    frac = count / samples
    if np.any(np.abs(frac - vol) > SIGMAS * np.sqrt(vol * (1 - vol) / samples) + SAMPLE_SLACK):
        failed.append("sampling")
    return failed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=500)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=default_out("fuzz_exactness"))
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    failures: dict[str, list[str]] = {c: [] for c in CHECKS}
    start = time.perf_counter()
    for case in range(args.cases):
        net, box, what = make_case(rng)
        for name in check(net, box, rng):
            failures[name].append(f"case {case}: {what}")
    seconds = time.perf_counter() - start
    print(f"{'check':<12} {'checked':>8} {'failed':>7}")
    for name in CHECKS:
        print(f"{name:<12} {args.cases:>8} {len(failures[name]):>7}")
    print(f"{args.cases} cases in {seconds:.1f} s")
    for name in CHECKS:
        for line in failures[name][:5]:
            print(f"  {name}: {line}")
    write_results(args.out, cases=args.cases, seed=args.seed, seconds=seconds,
                  failed={k: len(v) for k, v in failures.items()},
                  examples={k: v[:20] for k, v in failures.items()})


if __name__ == "__main__":
    main()
