"""Time and peak memory of the measures at scale: adjacency, face counts, boundary volume and
the Betti numbers of both sides of a level set; prints a table and writes JSON.

Each measure runs in a fresh child process: the child enumerates the net (or, for "betti",
its pieces with rk.decision_regions), resets its peak resident set (VmHWM, through
/proc/self/clear_refs), runs the measure and reports the seconds and VmHWM, so "peak MB" is
the most the process held while measuring, the regions it measures included. Nets are those
of bench_enumerate.py plus 4-32-32-32-1 (--big); PyTorch default initialisation, seed 0,
box (-1, 1)^d; the level is the median of F over 4000 uniform points, as in bench_betti.py.
--repo runs another checkout (e.g. the main branch, for before/after numbers); --cap-gb
limits each child's address space, so a measure that needs more fails rather than swapping.

    python benchmarks/bench_measures.py [--big] [--repo PATH] [--out FILE]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap

sys.path.insert(0, os.path.dirname(__file__))
from benchjson import STANDARD_NETS, default_out, write_results  # noqa: E402

BIG = ("4-32-32-32-1", [4, 32, 32, 32, 1])
MEASURES = ["adjacency", "face_counts", "boundary_volume", "betti"]

CHILD = textwrap.dedent("""
    import json, resource, sys, time
    import numpy as np
    import regionkit as rk
    from regionkit.constructions import torch_default

    arch, measure = json.loads(sys.argv[1]), sys.argv[2]
    net = torch_default(arch, seed=0)
    dom = rk.Box(-1, 1, dim=arch[0])

    def hwm():
        with open("/proc/self/status") as f:
            return next(int(l.split()[1]) for l in f if l.startswith("VmHWM")) / 1024

    t = time.perf_counter()
    if measure == "betti":
        level = float(np.median(net.forward(dom.sample(4000, 0))[:, 0]))
        dr = rk.decision_regions(net, dom, level=level, progress=False)
        n = dr.n_pieces
    else:
        rs = rk.enumerate_regions(net, dom, progress=False)
        n = rs.n_regions
    setup = time.perf_counter() - t
    held = hwm()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    t = time.perf_counter()
    if measure == "betti":
        value = [list(dr.betti_numbers(s).betti) for s in ("above", "below")]
        value.append(dr.boundary_volume())
    elif measure == "adjacency":
        value = int(len(rs.adjacency().i))
    elif measure == "face_counts":
        value = rs.face_counts().tolist()
    else:
        value = rs.boundary_volume("activation")
    seconds = time.perf_counter() - t
    print(json.dumps({"regions": n, "setup_seconds": setup, "setup_peak_mb": held,
                      "seconds": seconds, "peak_mb": hwm(), "value": value}))
""")


def run_child(repo: str, arch: list[int], measure: str, cap_gb: float | None) -> dict:
    env = dict(os.environ, PYTHONPATH=os.path.abspath(repo))
    pre = None
    if cap_gb:
        import resource

        cap = int(cap_gb * 2 ** 30)

        def pre() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    proc = subprocess.run([sys.executable, "-c", CHILD, json.dumps(arch), measure], env=env,
                          capture_output=True, text=True, preexec_fn=pre, cwd="/")
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return {"failed": last[:200]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--big", action="store_true", help="Also 4-32-32-32-1 (minutes).")
    ap.add_argument("--only-big", action="store_true", help="Only 4-32-32-32-1.")
    ap.add_argument("--measures", default=",".join(MEASURES))
    ap.add_argument("--repo", default=os.path.join(os.path.dirname(__file__), ".."),
                    help="Checkout whose regionkit (built in place) is measured.")
    ap.add_argument("--cap-gb", type=float, default=None,
                    help="Address-space limit of each child, GiB.")
    ap.add_argument("--out", default=default_out("measures"))
    args = ap.parse_args()
    nets = [BIG] if args.only_big else STANDARD_NETS + ([BIG] if args.big else [])
    rows = []
    print(f"{'net':14s} {'measure':16s} {'regions':>8s} {'setup s':>8s} {'setup MB':>9s} "
          f"{'measure s':>9s} {'peak MB':>8s}  value")
    for name, arch in nets:
        for measure in args.measures.split(","):
            r = {"net": name, "measure": measure,
                 **run_child(args.repo, arch, measure, args.cap_gb)}
            rows.append(r)
            if "failed" in r:
                print(f"{name:14s} {measure:16s} FAILED: {r['failed']}", flush=True)
                continue
            print(f"{name:14s} {measure:16s} {r['regions']:8d} {r['setup_seconds']:8.2f} "
                  f"{r['setup_peak_mb']:9.0f} {r['seconds']:9.2f} {r['peak_mb']:8.0f}  "
                  f"{r['value']}", flush=True)
    write_results(args.out, repo=os.path.abspath(args.repo), cap_gb=args.cap_gb, rows=rows)


if __name__ == "__main__":
    main()
