"""The layer sums' vector kernels (csrc/layer.cpp) give the same sums on every CPU.

The core sums pre-activations with an AVX-512 copy of its blocked kernels where the CPU has
AVX-512, else an AVX2 or baseline one. Each lane is one unit's sum in input order and no
product is fused into a sum, so every copy must give the same bits: a result must not depend
on the machine that computed it. Where this CPU has AVX-512, a child process with
REGIONKIT_NO_AVX512=1 (the AVX2 or baseline kernels) must give the same arrays as this one,
maps included; a fused multiply-add in either copy changes their last bits.
"""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from oracles import gaussian_net
from subprocesses import NEUTRAL_CWD, child_env
from test_workers import COMPOSITION_RTOL

import regionkit as rk
from regionkit.core import _core

TESTS = os.path.dirname(os.path.abspath(__file__))

# (input dimension, hidden widths, activations, seed): widths that are not multiples of the
# kernels' blocks (16 units of 8 lanes, 8 of 4), so blocks and leftover units both run.
CASES = [
    (1, [37, 29, 41], "relu", 1),
    (2, [37, 29, 41], "relu", 2),
    (2, [21, 19, 23], "leaky_relu", 3),
    (3, [13, 11, 17], "hardtanh", 4),
    (4, [12, 9, 12], "relu", 5),
    (6, [12, 10], "relu", 6),
    (8, [12, 9], "relu", 7),
]
ARRAYS = ["patterns", "output_M", "output_m", "vertices", "ineq_A", "ineq_b"]


def results() -> dict[str, np.ndarray]:
    """Every case's arrays and counts for keep="regions", "patterns" and "count"."""
    out = {}
    for d, widths, act, seed in CASES:
        net = gaussian_net([d, *widths, 1], [act] * len(widths) + ["identity"], seed=seed)
        box = rk.Box(-np.ones(d), np.ones(d))
        for keep in ("regions", "patterns", "count"):
            rs = rk.enumerate_regions(net, box, keep=keep, workers=1)
            key = f"{d}-{seed}-{keep}"
            out[f"{key}-per_layer"] = np.array(rs.per_layer)
            for name in ARRAYS:
                value = getattr(rs, name)
                if value is not None:
                    out[f"{key}-{name}"] = value
            if keep == "patterns":
                out[f"{key}-points"] = rs.interior_points
    return out


def save(path: str) -> None:
    """Write results() to `path` (the child process's side)."""
    np.savez(path, kernels=np.array(_core.vector_kernels()), **results())


def test_kernel_names():
    assert _core.vector_kernels() in ("avx512", "avx2", "baseline")


def test_the_kernels_maps_are_the_networks():
    """Whatever copy runs here: each region's output map at its interior point is the
    network's forward pass there (numpy, an independent evaluation), to COMPOSITION_RTOL of
    the outputs' magnitude (sums in another order)."""
    for d, widths, act, seed in CASES:
        net = gaussian_net([d, *widths, 1], [act] * len(widths) + ["identity"], seed=seed)
        rs = rk.enumerate_regions(net, rk.Box(-np.ones(d), np.ones(d)), workers=1)
        X = rs.interior_points
        mapped = np.einsum("rod,rd->ro", rs.output_M, X) + rs.output_m
        forward = net.forward(X)
        tol = COMPOSITION_RTOL * max(1.0, float(np.abs(forward).max()))
        np.testing.assert_allclose(mapped, forward, rtol=0, atol=tol)


@pytest.mark.skipif(_core.vector_kernels() != "avx512",
                    reason="this CPU runs one kernel copy only (no AVX-512 to compare with)")
def test_avx512_kernels_match_the_others_bit_for_bit(tmp_path):
    path = str(tmp_path / "child.npz")
    env = child_env(REGIONKIT_NO_AVX512="1")
    env["PYTHONPATH"] += os.pathsep + TESTS
    subprocess.run([sys.executable, "-c", f"import test_vector_kernels as t; t.save({path!r})"],
                   cwd=NEUTRAL_CWD, env=env, check=True, timeout=300)
    child = np.load(path)
    assert str(child["kernels"]) in ("avx2", "baseline")
    mine = results()
    assert sorted(mine) == sorted(k for k in child.files if k != "kernels")
    for key, value in mine.items():
        np.testing.assert_array_equal(value, child[key], err_msg=key)
