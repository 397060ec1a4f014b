"""certify() time against enumeration time, 2-D to 4-D: prints a table and writes JSON.

Nets: PyTorch's nn.Linear default initialisation (seed 0) on (-1, 1)^d, the small nets
below plus, with --standard, the standard benchmark nets. Columns: regions, enumeration
time (one thread, best of --repeat), certify() time (float filter, best of --repeat), their
ratio (the issue's target: at most 3 in 2-D, 10 in 3-D and 4-D), regions settled in exact
arithmetic, and certify(exact=True) time for the nets where --exact-max-regions allows it.

Both run on one thread: the enumeration with workers=1, certify() with its BLAS pinned to
one thread (set below, before numpy loads; its matrix products are small, and on a busy
machine BLAS threads cost more than they give).

    python benchmarks/bench_certify.py [--repeat 3] [--standard] [--clock cpu] [--out ...]
"""
from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import regionkit as rk  # noqa: E402
from regionkit.constructions import torch_default  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from benchjson import STANDARD_NETS, default_out, write_results  # noqa: E402

SMALL_NETS = [
    ("2-16-16-1", [2, 16, 16, 1]),
    ("3-12-12-1", [3, 12, 12, 1]),
    ("4-10-10-1", [4, 10, 10, 1]),
]


CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def _best(fn, repeat: int, clock: str = "wall") -> tuple[float, object]:
    now = CLOCKS[clock]
    best, out = float("inf"), None
    for _ in range(repeat):
        t = now()
        out = fn()
        best = min(best, now() - t)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--standard", action="store_true", help="Also the standard nets.")
    ap.add_argument("--exact-max-regions", type=int, default=400,
                    help="Time certify(exact=True) on nets with at most this many regions.")
    ap.add_argument("--clock", choices=tuple(CLOCKS), default="wall",
                    help="wall time, or this process's CPU time (steadier on a shared "
                         "machine; both sides run on one thread).")
    ap.add_argument("--out", default=default_out("certify"))
    args = ap.parse_args()
    rows = []
    for name, arch in SMALL_NETS + (STANDARD_NETS if args.standard else []):
        net = torch_default(arch, seed=args.seed)
        dom = rk.Box(-1, 1, dim=arch[0])
        enum, rs = _best(lambda: rk.enumerate_regions(net, dom, progress=False, workers=1),
                         args.repeat, args.clock)
        cert_s, cert = _best(lambda: rs.certify(), args.repeat, args.clock)
        exact_s = None
        if rs.n_regions <= args.exact_max_regions:
            exact_s, _ = _best(lambda: rs.certify(exact=True), 1)
        rows.append({"net": name, "dim": arch[0], "regions": rs.n_regions,
                     "enumerate_seconds": enum, "certify_seconds": cert_s,
                     "ratio": cert_s / enum, "ok": cert.ok, "exact_regions": cert.n_exact,
                     "facets": cert.n_facets, "certify_exact_seconds": exact_s})
    print(f"{'net':14s} {'regions':>8s} {'enum s':>8s} {'certify s':>9s} {'ratio':>7s} "
          f"{'ok':>3s} {'exact':>6s} {'exact=True s':>12s}")
    for r in rows:
        ex = "-" if r["certify_exact_seconds"] is None else f"{r['certify_exact_seconds']:.2f}"
        print(f"{r['net']:14s} {r['regions']:8d} {r['enumerate_seconds']:8.4f} "
              f"{r['certify_seconds']:9.3f} {r['ratio']:7.1f} {str(r['ok'])[0]:>3s} "
              f"{r['exact_regions']:6d} {ex:>12s}")
    write_results(args.out, seed=args.seed, clock=args.clock, rows=rows)


if __name__ == "__main__":
    main()
