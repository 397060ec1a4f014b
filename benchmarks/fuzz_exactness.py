"""Fuzz the engine on near-degenerate inputs, family by family (FAMILIES):

* parallel: units in nearly parallel pairs (weights and biases 10^-6 .. 10^-10 apart);
* integer: integer weights (coincident, parallel, concurrent hyperplanes, dead and constant
  units), every table activation, 1-D to 8-D, one or two hidden layers;
* maxout_tied: maxout units whose pieces differ by 10^-12 .. 10^-6 or tie exactly;
* scaled: weights scaled by 10^-8 .. 10^8;

each on a box that is unit, thin in one coordinate (width 10^-3 .. 10^-7), scaled
(+-10^-4 .. +-10^6, the weights scaled back) or off-centre. Checks per case:

* no exception other than a documented RegionkitError from any method (those are tallied
  as 'refused', not failed: e.g. face_counts() refusing faces a sliver thinner than the
  tolerance makes unreadable);
* method="auto" and method="lp" give the same pattern set; with --exact, method="auto"
  lists no pattern that method="exact" lacks (invented) and misses none (missed);
* certify() passes on the default enumeration; the Euler characteristic of face_counts()
  is 1 (2-D to 4-D). A run that merged regions thinner than its tolerance (certify() fails
  with thin 'missing' regions only, as docs/certify.md allows) counts under *_thin;
* the region volumes of both sum to the box's volume (VOLUME_RTOL);
* every pattern seen in uniform samples of the box is a region, and each region's sampled
  fraction matches its volume (SIGMAS standard errors plus SAMPLE_SLACK).

Prints a table of cases checked and failed per check and writes JSON (benchjson).

    python benchmarks/fuzz_exactness.py --cases 2000 [--family F] [--exact]
    python benchmarks/fuzz_exactness.py --seed S --family F --case C   # rerun one failure
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import traceback

import numpy as np

import regionkit as rk
from regionkit.regions.rational import RationalNet, q

sys.path.insert(0, os.path.dirname(__file__))
from benchjson import default_out, write_results  # noqa: E402

VOLUME_RTOL = 1e-9  # the issue target: region volumes sum to the box within this
SIGMAS = 5.0
SAMPLE_SLACK = 2e-3
# method="exact" (Python rationals, a few exact LPs per region) is the oracle on nets up to
# this many hyperplanes; larger ones are checked against lp, sampling and certify() only.
EXACT_MAX_HYPERPLANES = 8
# *_thin: the run merged regions thinner than its tolerance (certify() fails with 'missing'
# thin regions only), which docs/certify.md allows; counted apart from real failures.
CHECKS = ("refused", "exception", "auto_vs_lp", "auto_vs_lp_thin", "invented", "missed",
          "missed_thin", "volume_sum", "sampling", "certify", "certify_thin", "euler",
          "euler_thin")
FAMILIES = ("parallel", "integer", "maxout_tied", "scaled")
TABLES = ("relu", "leaky_relu", "hard_tanh", "relu6", "hard_sigmoid", "clipped_leaky_relu",
          "absolute", "soft_shrink")


def _box(rng: np.random.Generator, d: int) -> tuple[np.ndarray, np.ndarray, str, float]:
    """Unit, thin, scaled or off-centre box: (lo, hi, kind, scale the weights divide by)."""
    kind = str(rng.choice(["unit", "thin", "scaled", "offcentre"]))
    lo, hi, scale = -np.ones(d), np.ones(d), 1.0
    if kind == "thin":
        axis = int(rng.integers(d))
        width = 10.0 ** -rng.integers(3, 8)
        lo[axis] = rng.uniform(-1, 1 - width)
        hi[axis] = lo[axis] + width
    elif kind == "scaled":
        scale = 10.0 ** rng.integers(-4, 7)
        lo, hi = lo * scale, hi * scale
    elif kind == "offcentre":
        lo = rng.uniform(-1, 0.5, size=d)
        hi = lo + rng.uniform(0.05, 1.5, size=d)
    return lo, hi, kind, scale


def _parallel(rng: np.random.Generator):
    """Nearly parallel pairs of units (weights and biases 1e-6 .. 1e-10 apart)."""
    d = int(rng.choice([2, 3, 4, 5, 6]))
    pairs = int(rng.integers(1, 3))
    act = str(rng.choice(["relu", "hard_tanh"]))
    base = rng.integers(-2, 3, size=(pairs, d)).astype(float)
    base[np.all(base == 0, axis=1), 0] = 1.0
    bias = rng.integers(-1, 2, size=pairs).astype(float)
    tiny = 10.0 ** -rng.integers(6, 11, size=(pairs, 1))
    W = np.vstack([base, base + tiny * rng.normal(size=(pairs, d))])
    b = np.concatenate([bias, bias + tiny[:, 0] * rng.normal(size=pairs)])
    lo, hi, kind, scale = _box(rng, d)
    if kind == "offcentre":
        kind = "unit"
        lo, hi = -np.ones(d), np.ones(d)
    net = rk.Network.from_arrays([W / scale, np.ones((1, len(W)))], [b, [0.0]],
                                 activations=[act, "identity"])
    return net, rk.Box(lo, hi), f"parallel {d}-D {act} {2 * pairs} units, {kind} box"


def _integer(rng: np.random.Generator):
    """Integer weights: coincident, parallel and concurrent hyperplanes, dead and constant
    units, any table activation, 1-D to 8-D, one or two hidden layers."""
    d = int(rng.integers(1, 9))
    act = str(rng.choice(TABLES))
    width = int(rng.integers(1, 4 if d > 4 else 5))
    W1 = rng.integers(-2, 3, size=(width, d)).astype(float)
    b1 = rng.integers(-2, 3, size=width).astype(float)
    if width > 1 and rng.random() < 0.5:  # a coincident or parallel copy
        W1[-1] = W1[0] * rng.choice([1, 2, -1])
        b1[-1] = b1[0] * rng.choice([1, 2]) if rng.random() < 0.5 else b1[0] + 1
    Ws, bs, acts = [W1], [b1], [act]
    if rng.random() < 0.4:
        Ws.append(rng.integers(-2, 3, size=(2, width)).astype(float))
        bs.append(rng.integers(-1, 2, size=2).astype(float))
        acts.append(str(rng.choice(TABLES)))
    lo, hi, kind, scale = _box(rng, d)
    Ws[0] = Ws[0] / scale
    Ws.append(np.ones((1, len(bs[-1]))))
    bs.append(np.zeros(1))
    net = rk.Network.from_arrays(Ws, bs, activations=acts + ["identity"])
    shape = "-".join(str(len(b)) for b in bs)
    return net, rk.Box(lo, hi), f"integer {d}-D {shape} {acts}, {kind} box"


def _maxout_tied(rng: np.random.Generator):
    """A maxout layer whose pieces are nearly tied: each unit's pieces differ by 1e-12 .. 1e-6
    (or tie exactly)."""
    d = int(rng.integers(1, 5))
    k = int(rng.integers(2, 4))
    units = int(rng.integers(1, 3))
    base = rng.integers(-2, 3, size=(units, d)).astype(float)
    bias = rng.integers(-1, 2, size=units).astype(float)
    W = np.repeat(base, k, axis=0)
    b = np.repeat(bias, k)
    tiny = np.where(rng.random((units * k, 1)) < 0.2, 0.0,
                    10.0 ** -rng.integers(6, 13, size=(units * k, 1)))
    W = W + tiny * rng.normal(size=W.shape)
    b = b + tiny[:, 0] * rng.normal(size=len(b))
    if rng.random() < 0.5:  # an independent piece keeps the count interesting
        W[0] = rng.integers(-2, 3, size=d)
    lo, hi, kind, scale = _box(rng, d)
    net = rk.Network.from_arrays([W / scale, np.ones((1, units))], [b, [0.0]],
                                 activations=[f"maxout:{k}", "identity"])
    return net, rk.Box(lo, hi), f"maxout_tied {d}-D {units}x{k} pieces, {kind} box"


def _scaled(rng: np.random.Generator):
    """Random weights scaled by 1e-8 .. 1e8 (the box scaled the other way or not at all)."""
    d = int(rng.integers(1, 6))
    width = int(rng.integers(2, 5))
    act = str(rng.choice(TABLES))
    s = 10.0 ** rng.integers(-8, 9)
    W = rng.normal(size=(width, d)) * s
    b = rng.normal(size=width) * s * (rng.random() < 0.7)
    lo, hi, kind, scale = _box(rng, d)
    net = rk.Network.from_arrays([W / scale, np.ones((1, width))], [b, [0.0]],
                                 activations=[act, "identity"])
    return net, rk.Box(lo, hi), f"scaled {d}-D {act} {width} units x{s:g}, {kind} box"


_MAKERS = {"parallel": _parallel, "integer": _integer, "maxout_tied": _maxout_tied,
           "scaled": _scaled}


def make_case(rng: np.random.Generator, family: str = "parallel"
              ) -> tuple[rk.Network, rk.Box, str]:
    """A random near-degenerate case of one family (FAMILIES) and a short description."""
    return _MAKERS[family](rng)


def check(net: rk.Network, box: rk.Box, rng: np.random.Generator,
          samples: int = 2000, exact: bool = False) -> list[str]:
    """The names of the checks (CHECKS) this case fails.

    A RegionkitError is a documented refusal, not a failure; any other exception is. With
    `exact`, nets up to EXACT_MAX_HYPERPLANES hyperplanes are also compared with
    method="exact"; certify() runs on the default enumeration either way.
    """
    try:
        runs = {m: rk.enumerate_regions(net, box, method=m, workers=1) for m in ("auto", "lp")}
        vols = {m: rs.volumes() for m, rs in runs.items()}
    except rk.RegionkitError:
        return ["refused"]
    except Exception:  # a crash on valid input is what this counts
        traceback.print_exc()
        return ["exception"]
    failed = []
    sets = {m: {p.tobytes() for p in rs.pattern_bits()} for m, rs in runs.items()}
    cert, thin = None, False
    try:
        # Failures the documented convention allows: regions thinner than the tolerance
        # merged into a neighbour (certify says 'missing ... thin' and nothing else).
        cert = runs["auto"].certify()
        thin = not cert.ok and all(_is_thin_missing(f) for f in cert.failures)
        if not cert.ok:
            failed.append("certify_thin" if thin else "certify")
        if exact and net.n_hyperplanes <= EXACT_MAX_HYPERPLANES:
            ex = {p.tobytes() for p in
                  rk.enumerate_regions(net, box, method="exact").pattern_bits()}
            if sets["auto"] - ex:
                failed.append("invented")
            if ex - sets["auto"]:
                failed.append("missed_thin" if thin else "missed")
        if 2 <= box.dim <= 4:
            f = runs["auto"].face_counts()
            if int(sum((-1) ** (box.dim - i) * int(c) for i, c in enumerate(f))) != 1:
                failed.append("euler_thin" if thin else "euler")
    except rk.RegionkitError:
        failed.append("refused")
    except Exception:
        traceback.print_exc()
        failed.append("exception")
    if sets["auto"] != sets["lp"]:
        # Allowed: each region one method lists and the other lacks is one the other's
        # certificate reports missing and thin (merged, as docs/certify.md allows).
        allowed = (_thin_missing(runs["auto"], cert, sets["lp"] - sets["auto"])
                   and _thin_missing(runs["lp"], None, sets["auto"] - sets["lp"]))
        failed.append("auto_vs_lp_thin" if allowed else "auto_vs_lp")
    if any(abs(v.sum() / box.volume - 1.0) > VOLUME_RTOL for v in vols.values()):
        failed.append("volume_sum")
    rs, vol = runs["auto"], np.clip(vols["auto"] / box.volume, 0.0, 1.0)
    t = box.sample(samples, rng=rng)
    seen = net.pattern(box.to_input(t))
    index = {p.tobytes(): i for i, p in enumerate(rs.pattern_bits())}
    count = np.zeros(rs.n_regions)
    exact_net = None
    for p, tk in zip(seen, t):
        i = index.get(p.tobytes())
        if i is None:
            # A unit constant at its breakpoint on a region reads either side in floats
            # (its pre-activation rounds to +-1e-16): the sample's exact pattern decides.
            exact_net = exact_net or RationalNet(net, box)
            i = index.get(np.array(exact_net.pattern([q(v) for v in tk])).tobytes())
        if i is None:
            failed.append("sampling")
            return failed
        count[i] += 1
    frac = count / samples
    if np.any(np.abs(frac - vol) > SIGMAS * np.sqrt(vol * (1 - vol) / samples) + SAMPLE_SLACK):
        failed.append("sampling")
    return failed


def _is_thin_missing(failure) -> bool:
    """A certificate failure that docs/certify.md allows: a region thinner than the tolerance
    merged into a neighbour."""
    return failure.kind == "missing" and "thin" in failure.detail


def _thin_missing(rs: rk.RegionSet, cert, patterns: set[bytes]) -> bool:
    """Whether rs's certificate (cert, or computed) reports every pattern in `patterns`
    (pattern_bits bytes) as a missing thin region."""
    if not patterns:
        return True
    try:
        cert = cert or rs.certify()
    except rk.RegionkitError:
        return False
    thin = {f.pattern for f in cert.failures if _is_thin_missing(f)}
    return {np.packbits(np.frombuffer(p, bool), bitorder="little").tobytes().hex()
            for p in patterns} <= thin


def run_case(seed: int, case: int, family: str, samples: int, exact: bool
             ) -> tuple[str, list[str]]:
    """One case, seeded by (seed, case) so any failure reruns alone: (description, failed)."""
    rng = np.random.default_rng([seed, case])
    net, box, what = make_case(rng, family)
    return what, check(net, box, rng, samples=samples, exact=exact)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=500)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--family", choices=FAMILIES + ("all",), default="all",
                    help="One family, or all of them in turn.")
    ap.add_argument("--samples", type=int, default=2000)
    ap.add_argument("--exact", action="store_true",
                    help=f"Also compare with method='exact' (nets up to "
                         f"{EXACT_MAX_HYPERPLANES} hyperplanes).")
    ap.add_argument("--case", type=int, default=None, help="Rerun this one case only.")
    ap.add_argument("--checkpoint", type=int, default=100,
                    help="Print and write the tallies every this many cases (0: at the end).")
    ap.add_argument("--out", default=default_out("fuzz_exactness"))
    args = ap.parse_args()
    families = FAMILIES if args.family == "all" else (args.family,)
    cases = [args.case] if args.case is not None else range(args.cases)
    failures: dict[str, list[str]] = {c: [] for c in CHECKS}
    tried = {f: 0 for f in families}
    slowest: list[tuple[float, str]] = []  # (seconds, case): a hang shows here first
    start = time.perf_counter()

    def report(done: int) -> None:
        seconds = time.perf_counter() - start
        print(f"{'check':<14} {'checked':>8} {'failed':>7}")
        for name in CHECKS:
            print(f"{name:<14} {done:>8} {len(failures[name]):>7}")
        print(f"{done} cases ({tried}) in {seconds:.1f} s; slowest: "
              + ", ".join(f"{t:.1f} s ({c})" for t, c in slowest[:3]))
        for name in CHECKS:
            for line in failures[name][:10]:
                print(f"  {name}: {line}")
        write_results(args.out, cases=done, seed=args.seed, seconds=seconds, families=tried,
                      failed={k: len(v) for k, v in failures.items()},
                      examples={k: v[:50] for k, v in failures.items()},
                      slowest=[{"seconds": t, "case": c} for t, c in slowest])

    for done, case in enumerate(cases, 1):
        family = families[case % len(families)]
        tried[family] += 1
        t = time.perf_counter()
        what, failed = run_case(args.seed, case, family, args.samples, args.exact)
        slowest = sorted(slowest + [(time.perf_counter() - t,
                                     f"--seed {args.seed} --family {family} --case {case}")],
                         reverse=True)[:10]
        for name in failed:
            failures[name].append(f"--seed {args.seed} --family {family} --case {case}: {what}")
        if args.checkpoint and done % args.checkpoint == 0 and done < len(cases):
            report(done)  # a long run can be read (or stopped) before its end
    report(len(cases))

if __name__ == "__main__":
    main()
