"""The engine against brute force over all sign patterns (tests/oracles.py, scipy HiGHS).

For tiny generic networks the brute force finds every full-dimensional activation region
with a clear margin, so the engine must return exactly the same SET of patterns, once each,
with the same per-layer counts, the same Chebyshev radii and the same affine output maps.
"""
from __future__ import annotations

import numpy as np
import oracles as O
import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

import regionkit as rk

# Every case here also runs the threaded split (conftest.py).
pytestmark = pytest.mark.usefixtures("two_workers")

MIXED = ["hard_tanh", "leaky_relu:0.2", "relu", "identity"]


def _hexagon() -> rk.Polytope:
    """An irregular hexagon around (0.1, -0.2) whose rows are not normalised."""
    angles = np.linspace(0, 2 * np.pi, 6, endpoint=False) + 0.3
    scales = np.array([1.0, 2.0, 0.5, 1.5, 1.0, 3.0])
    A = np.stack([np.cos(angles), np.sin(angles)], axis=1) * scales[:, None]
    return rk.Polytope(A, A @ np.array([0.1, -0.2]) + scales * 0.9)


def _simplex3() -> rk.Polytope:
    """A 3-simplex with vertices around the origin."""
    A = np.array([[-1.0, 0, 0], [0, -1.0, 0], [0, 0, -1.0], [1.0, 1.0, 1.0]])
    return rk.Polytope(A, [0.8, 0.9, 0.7, 1.1])


def _plane4() -> rk.Plane:
    rng = np.random.default_rng(7)
    return rk.Plane(rng.normal(size=4) * 0.3, rng.normal(size=4), rng.normal(size=4),
                    [-0.8, -1.1], [0.9, 0.7])


def _plane_through5() -> rk.Plane:
    rng = np.random.default_rng(8)
    return rk.Plane.through(*rng.normal(size=(3, 5)))


def _segment3() -> rk.Segment:
    return rk.Segment([-1.2, 0.5, 0.3], [1.1, -0.7, 0.9])


# (id, architecture, activations, domain factory)
CASES = [
    ("box1-relu", [1, 4, 4, 1], None, lambda: rk.Box(-1.5, 2.0, dim=1)),
    ("box1-hardtanh", [1, 3, 3, 1], ["hard_tanh", "hard_tanh", "identity"],
     lambda: rk.Box(-2.0, 2.0, dim=1)),
    ("box2-relu", [2, 5, 4, 1], None, lambda: rk.Box([-1.0, -0.5], [1.5, 1.0])),
    ("box2-leaky", [2, 4, 4, 1], ["leaky_relu:0.2", "leaky_relu", "identity"],
     lambda: rk.Box(-1, 1, dim=2)),
    ("box2-hardtanh", [2, 4, 3, 1], ["hard_tanh", "hard_tanh", "identity"],
     lambda: rk.Box(-1.5, 1.5, dim=2)),
    ("box2-mixed", [2, 3, 3, 3, 2], MIXED, lambda: rk.Box(-1, 1, dim=2)),
    ("box3-relu", [3, 4, 4, 1], None, lambda: rk.Box(-1, 1, dim=3)),
    ("box3-mixed", [3, 3, 3, 2, 1], MIXED, lambda: rk.Box([-1, -2, -1], [1, 1, 2])),
    ("box4-relu", [4, 5, 3, 1], None, lambda: rk.Box(-1, 1, dim=4)),
    ("box4-hardtanh", [4, 3, 2, 1], ["hard_tanh", "leaky_relu:-0.5", "identity"],
     lambda: rk.Box(-1, 1, dim=4)),
    ("hexagon-relu", [2, 5, 4, 1], None, _hexagon),
    ("hexagon-mixed", [2, 3, 3, 3, 1], MIXED, _hexagon),
    ("simplex3-relu", [3, 5, 3, 1], None, _simplex3),
    ("segment3-mixed", [3, 4, 3, 3, 1], MIXED, _segment3),
    ("plane4-relu", [4, 5, 4, 1], None, _plane4),
    ("plane-through5-mixed", [5, 4, 3, 3, 1], MIXED, _plane_through5),
]


def assert_matches_brute_force(net: rk.Network, domain: rk.Domain, method: str) -> None:
    """Same pattern set, no duplicates, same per-layer counts, radii and output maps."""
    ref = O.brute_force_regions(net, domain)
    rs = rk.enumerate_regions(net, domain, method=method)
    assert rs.complete
    bits = rs.pattern_bits()
    got = [tuple(row) for row in bits.tolist()]
    assert len(set(got)) == len(got), "the engine returned a pattern twice"
    assert set(got) == set(ref)
    # Regions after layer l = distinct prefixes of the final patterns through that layer.
    offsets = net.layer_hyperplane_offsets()
    prefixes = [len({p[:offsets[li + 1]] for p in ref}) for li in range(net.n_layers)]
    assert rs.per_layer == prefixes
    for r, pattern in enumerate(got):
        region = ref[pattern]
        assert rs.chebyshev_radii[r] == pytest.approx(region.radius, rel=1e-7, abs=1e-9)
        centre = rs.interior_points[r]
        assert np.all(region.A @ centre < region.b), "interior point outside its region"
        scale = 1.0 + np.abs(region.out_M).max() + np.abs(region.out_m).max()
        np.testing.assert_allclose(rs.output_M[r], region.out_M, rtol=0, atol=1e-10 * scale)
        np.testing.assert_allclose(rs.output_m[r], region.out_m, rtol=0, atol=1e-10 * scale)


@pytest.mark.parametrize(
    "arch, acts, domain_factory, method",
    [pytest.param(arch, acts, dom, m, id=f"{name}-{m}")
     for name, arch, acts, dom in CASES for m in ("auto", "lp")])
def test_matches_brute_force(arch, acts, domain_factory, method):
    net = O.gaussian_net(arch, acts, seed=sum(arch) + len(acts or []))
    assert_matches_brute_force(net, domain_factory(), method)


def test_network_pattern_matches_reference_forward_pass():
    """Network.pattern / forward (used by locate) agree with the spec-written forward pass."""
    net = O.gaussian_net([3, 4, 4, 3, 2], MIXED, seed=3)
    X = np.random.default_rng(0).normal(size=(500, 3)) * 2
    pattern, out = O.forward_pattern(net, X)
    np.testing.assert_array_equal(net.pattern(X), pattern)
    np.testing.assert_allclose(net.forward(X), out, rtol=1e-13, atol=1e-13)


ACTIVATIONS = st.sampled_from(["relu", "leaky_relu:0.2", "leaky_relu:-0.3", "hard_tanh"])


@st.composite
def small_nets(draw):
    """(network, domain, method): 1-4 inputs, 1-3 hidden layers of width 1-4, Gaussian."""
    n_in = draw(st.integers(1, 4))
    widths = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    acts = [draw(ACTIVATIONS) for _ in widths] + ["identity"]
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    lo = -rng.uniform(0.5, 2.0, size=n_in)
    hi = rng.uniform(0.5, 2.0, size=n_in)
    method = draw(st.sampled_from(["auto", "lp"]))
    net = O.gaussian_net([n_in, *widths, 1], acts, seed=seed)
    return net, rk.Box(lo, hi), method


@settings(max_examples=40)
@given(small_nets())
def test_hypothesis_small_nets_match_brute_force(case):
    net, domain, method = case
    try:
        assert_matches_brute_force(net, domain, method)
    except O.AmbiguousOracle:
        reject()
