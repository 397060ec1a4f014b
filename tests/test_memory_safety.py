"""Memory safety (regionkit.regions.preflight): the preflight refuses what cannot fit, the
guard stops a run cleanly at max_memory, and no run dies with a raw MemoryError."""
from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np
import pytest
from click.testing import CliRunner
from subprocesses import NEUTRAL_CWD, child_env

import regionkit as rk
from regionkit.cli import EXIT_BUDGET, main
from regionkit.constructions import torch_default
from regionkit.errors import MemoryBudgetError
from regionkit.regions.preflight import (
    estimate_counts,
    parse_size,
    resolve_max_memory,
    upper_bound_counts,
)

# The machine had 23 GB, all of which the 64-input default box took: refused below.
DIGITS_LIMIT = "16G"
REFUSAL_SECONDS = 2.0
# estimate_counts against exact counts: the first layer within these factors (it tests
# flats near one point of each, so it undercounts, more in higher dimensions: 0.73 in
# 4-D), every layer within ESTIMATE_FACTOR either way (nets of 2-4 inputs).
FIRST_LAYER_RANGE = (0.6, 1.1)
ESTIMATE_FACTOR = 8.0
# The guard checks after each core call (CALL_SECONDS): what one call adds on top.
GUARD_SLACK_MB = 150


@pytest.fixture(scope="module")
def digits_net() -> rk.Network:
    pytest.importorskip("sklearn")
    from regionkit.examples import digits_mlp

    return digits_mlp()[0]


def test_digits_default_box_is_refused_fast(digits_net):
    start = time.perf_counter()
    with pytest.raises(MemoryBudgetError) as info:
        rk.enumerate_regions(digits_net, rk.Box(-1, 1, dim=64), max_memory=DIGITS_LIMIT)
    assert time.perf_counter() - start < REFUSAL_SECONDS
    text = str(info.value)
    assert "--plane" in text and 'keep="count"' in text and "max_memory" in text
    assert isinstance(info.value, MemoryError) and isinstance(info.value, rk.RegionkitError)


def test_cli_refuses_the_digits_default_box(digits_net, tmp_path):
    path = str(tmp_path / "digits.npz")
    digits_net.save(path)
    result = CliRunner().invoke(main, ["count", path, "--max-memory", DIGITS_LIMIT])
    assert result.exit_code == EXIT_BUDGET
    assert "refused" in result.output and "--plane" in result.output


def test_a_slice_of_the_digits_net_is_not_refused(digits_net):
    _, images, _ = __import__("regionkit.examples", fromlist=["x"]).digits_mlp()
    plane = rk.Plane.through(images[0], images[1], images[2])
    rs = rk.enumerate_regions(digits_net, plane, max_memory=DIGITS_LIMIT, keep="count")
    assert rs.complete and rs.n_regions > 1


def test_cli_says_when_the_budget_left_the_domain_whole():
    result = CliRunner().invoke(main, ["count", "--example", "2d", "--max-regions", "3"])
    assert result.exit_code == EXIT_BUDGET
    assert "activation regions: 1" in result.output and "layer 1" in result.output
    assert "--plane" in result.output


_GUARD_SCRIPT = """
import json, sys
import regionkit as rk
import regionkit.regions.engine as engine
from regionkit.constructions import torch_default
from regionkit.regions.preflight import MemoryGuard, resident_memory
limit = resident_memory() + int(sys.argv[1]) * 2**20
# The guard alone (the preflight would refuse this budget): the run must stop at it.
engine.preflight = lambda *args, **kwargs: MemoryGuard(limit)
net = torch_default([2, 256, 256, 256, 1], seed=0)
rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2), progress=False, workers=1)
with open("/proc/self/status") as f:
    peak = [int(l.split()[1]) * 1024 for l in f if l.startswith("VmHWM:")][0]
print(json.dumps({"stop_reason": rs.stop_reason, "n": rs.n_regions, "limit": limit,
                  "peak": peak, "volume": float(rs.volumes().sum())}))
"""


def _python(script: str, *args: str, preexec=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", script, *args], capture_output=True,
                          text=True, env=child_env(), cwd=NEUTRAL_CWD, preexec_fn=preexec,
                          timeout=300)


def test_guard_stops_at_max_memory_with_a_partition():
    out = _python(_GUARD_SCRIPT, "30")
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res["stop_reason"] == "max_memory"
    assert res["volume"] == pytest.approx(4.0, rel=1e-9)  # the regions tile the box
    assert res["peak"] <= res["limit"] + GUARD_SLACK_MB * 2**20


_ULIMIT_SCRIPT = """
import regionkit as rk
from regionkit.examples import digits_mlp
net = digits_mlp()[0]
try:
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=64), max_memory="off", progress=False,
                              workers=1)
    print("stopped", rs.stop_reason, rs.n_regions)
except rk.RegionkitError as exc:
    print("error", type(exc).__name__)
"""


def test_address_space_limit_never_gives_a_raw_memory_error():
    pytest.importorskip("sklearn")
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    out = _python(_ULIMIT_SCRIPT, preexec=limit)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    assert out.stdout.startswith(("stopped max_memory", "error CoreMemoryError"))


@pytest.mark.parametrize("arch", [[2, 16, 16, 1], [3, 16, 16, 1], [3, 24, 24, 1],
                                  [4, 12, 12, 1]])
def test_estimate_against_exact_counts(arch):
    net = torch_default(arch, seed=1)
    dom = rk.Box(-1, 1, dim=arch[0])
    exact = rk.enumerate_regions(net, dom, keep="count", max_memory="off").per_layer
    est = estimate_counts(net, dom)
    upper = upper_bound_counts(net, arch[0])
    assert all(e <= u for e, u in zip(exact, upper))  # a proven bound
    lo, hi = FIRST_LAYER_RANGE
    assert lo <= est[0] / exact[0] <= hi
    ratios = np.array(est) / np.array(exact)
    assert np.all((ratios >= 1 / ESTIMATE_FACTOR) & (ratios <= ESTIMATE_FACTOR)), ratios


def test_sizes():
    assert parse_size("1.5G") == 3 * 2**29 and parse_size("10k") == 10240
    assert resolve_max_memory(0) is None and resolve_max_memory("OFF") is None
    assert resolve_max_memory(None) > 0
    for bad in ("lots", "-1G", -5, float("nan")):
        with pytest.raises(rk.RegionkitError):
            parse_size(bad)
    with pytest.raises(rk.RegionkitError):
        rk.enumerate_regions(torch_default([2, 4, 1]), rk.Box(-1, 1, dim=2), max_memory="x")


_NEAR_PARALLEL_SCRIPT = """
import numpy as np
import regionkit as rk
rng = np.random.default_rng(3)
W1 = rng.normal(size=(12, 4))
W1[1::2] = W1[0::2] + 1e-9 * rng.normal(size=(6, 4))
b1 = rng.normal(size=12) * 0.3
b1[1::2] = b1[0::2] + 1e-9 * rng.normal(size=6)
net = rk.Network.from_arrays([W1, rng.normal(size=(12, 12)), rng.normal(size=(1, 12))],
                             [b1, rng.normal(size=12) * 0.3, [0.0]])
box = rk.Box(-1, 1, dim=4)
auto = rk.enumerate_regions(net, box, workers=1)
lp = rk.enumerate_regions(net, box, method="lp", workers=1)
same = bool(np.array_equal(np.sort(auto.patterns, axis=0), np.sort(lp.patterns, axis=0)))
try:
    rk.enumerate_regions(net, box, method="vertex", workers=1)
    vertex = "ran"
except rk.SolverError as exc:
    vertex = "SolverError" if "too nearly parallel" in str(exc) else str(exc)
print(auto.n_regions, lp.n_regions, same, vertex)
"""


def test_near_parallel_units_do_not_exhaust_memory_in_the_vertex_form():
    """Six pairs of units 1e-9 from parallel, then a 12-unit layer, in 4-D: the vertex
    form's cuts multiplied float copies of crossings (24 GB, then the kernel's OOM kill).
    A piece with more vertices than McMullen's bound for its rows now stops the vertex split
    (SolverError) and method="auto" runs the LP form: the same regions, in 2 GB."""
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    out = _python(_NEAR_PARALLEL_SCRIPT, preexec=limit)
    assert out.returncode == 0, out.stderr
    n_auto, n_lp, same, vertex = out.stdout.split()
    assert n_auto == n_lp and same == "True" and vertex == "SolverError"
