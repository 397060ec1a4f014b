"""Tiny but genuine regions: tolerances are relative, so thin slivers and tiny cells count.

Counts come from closed forms (Zaslavsky's formula in general position inside the box:
1 + #lines meeting the box + #intersection points inside it).
"""
import json

import numpy as np
import pytest

import regionkit as rk
from regionkit.errors import RegionkitError
from regionkit.model.tolerance import MIN_RTOL

METHODS_2D = ["auto", "lp"]


def one_layer(W, b):
    W = np.asarray(W, dtype=float)
    return rk.Network.from_arrays([W, np.ones((1, W.shape[0]))], [np.asarray(b, float), [0.0]])


@pytest.mark.parametrize("method", METHODS_2D)
@pytest.mark.parametrize("width", [1e-6, 1e-8, 1e-9])
def test_thin_sliver_between_parallel_lines(method, width):
    # x = 0.3 and x = 0.3 + width, and y = 0.1: 2 * 3 = 6 regions in (-1, 1)^2.
    net = one_layer([[1, 0], [1, 0], [0, 1]], [-0.3, -(0.3 + width), -0.1])
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2), method=method)
    assert rs.n_regions == 6
    assert np.isclose(np.sort(rs.chebyshev_radii)[0], width / 2, rtol=1e-6)


@pytest.mark.parametrize("method", METHODS_2D)
@pytest.mark.parametrize("side", [1e-4, 1e-6])
def test_tiny_triangle(method, side):
    # Three lines bounding a triangle of area ~ side^2 near (0.2, 0.3): generic, all three
    # intersection points inside the box -> 1 + 3 + 3 = 7 regions.
    c = np.array([0.2, 0.3])
    normals = np.array([[0.0, 1.0], [1.0, -1.0], [-1.0, -0.3]])
    offsets = -(normals @ c) + np.array([side, side, side]) * [1, 1, 1]
    net = one_layer(normals, offsets)
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2), method=method)
    assert rs.n_regions == 7
    assert rs.chebyshev_radii.min() < side


@pytest.mark.parametrize("method", ["auto", "lp"])
def test_tiny_simplex_3d(method):
    # Four planes around a tiny tetrahedron at c; generic arrangement, every intersection
    # point inside the box: 1 + 4 + C(4,2) + C(4,3) = 15 regions.
    rng = np.random.default_rng(3)
    c = np.array([0.1, -0.2, 0.3])
    normals = rng.normal(size=(4, 3))
    offsets = -(normals @ c) + 1e-5
    net = one_layer(normals, offsets)
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=3), method=method)
    assert rs.n_regions == 15


def test_deep_hard_tanh_thin_piece_survives_the_engine_tolerance():
    # Regression: a tolerance scale compounded through the layers (|W| summed at every depth)
    # acted like rtol ~ 1e-3 at depth 8 and merged a genuine piece 1.2e-6 wide (352 instead
    # of 353 regions). Independent count: dense sampling of the forward pass, refined by
    # bisection (on a segment a pattern never recurs, so every change is a breakpoint).
    rng = np.random.default_rng(2)
    arch = [20] + [30] * 8 + [1]
    Ws = [np.sqrt(2) * rng.normal(size=(o, i)) / np.sqrt(i) for i, o in zip(arch[:-1], arch[1:])]
    bs = [0.3 * rng.normal(size=o) for o in arch[1:]]
    net = rk.Network.from_arrays(Ws, bs, ["hard_tanh"] * 8 + ["identity"])
    x0, x1 = np.random.default_rng(2).normal(size=(2, 20))
    rs = rk.enumerate_regions(net, rk.Segment(x0, x1))
    t = np.linspace(0, 1, 20001)
    pats = net.pattern(x0 + t[:, None] * (x1 - x0))
    changes = np.flatnonzero(np.any(pats[1:] != pats[:-1], axis=1))
    n_breaks = 0
    for c in changes:  # count distinct breakpoints inside each sampling step by bisection
        lo, hi = t[c], t[c + 1]
        stack = [(lo, hi)]
        while stack:
            a, b = stack.pop()
            pa = net.pattern(x0 + a * (x1 - x0))[0]
            pb = net.pattern(x0 + b * (x1 - x0))[0]
            if np.array_equal(pa, pb):
                continue
            if b - a < 1e-12:
                n_breaks += 1
                continue
            m = 0.5 * (a + b)
            stack += [(a, m), (m, b)]
    assert rs.n_regions == n_breaks + 1
    widths = np.diff(rs.vertices[:, 0].reshape(-1, 2), axis=1)
    assert widths.min() < 2e-6


# --- the smallest tolerance --------------------------------------------------------------------

def integer_net(seed: int) -> rk.Network:
    """3-7-7-1 ReLU, weights and biases in {-1, 0, 1}: hyperplanes through vertices, along
    facets and through each other's crossings."""
    rng = np.random.default_rng(seed)
    sizes = [3, 7, 7, 1]
    Ws = [rng.integers(-1, 2, size=(sizes[i + 1], sizes[i])).astype(float) for i in range(3)]
    bs = [rng.integers(-1, 2, size=sizes[i + 1]).astype(float) for i in range(3)]
    return rk.Network.from_arrays(Ws, bs, ["relu", "relu", "identity"])


@pytest.mark.parametrize("rtol", [0.0, 1e-16, MIN_RTOL / 2])
def test_a_tolerance_below_the_rounding_is_refused(rtol):
    with pytest.raises(RegionkitError, match="below MIN_RTOL.*method='exact'"):
        rk.Tolerance(rtol=rtol)
    with pytest.raises(RegionkitError, match="below MIN_RTOL"):
        rk.enumerate_regions(integer_net(1), rk.Box(-1, 1, dim=3), tol=rtol)


@pytest.mark.parametrize("seed", [1, 3, 12, 15, 28])
@pytest.mark.parametrize("method", ["lp", "auto"])
def test_the_smallest_tolerance_counts_integer_nets_exactly(seed, method):
    # At rtol = 0 these gave 145, 73, 82, 61 (LP form) and 148 (vertex form) regions for the
    # 109, 49, 59, 42 and 147 of exact arithmetic.
    net, box = integer_net(seed), rk.Box(-1, 1, dim=3)
    exact = rk.enumerate_regions(net, box, method="exact").n_regions
    got = rk.enumerate_regions(net, box, method=method, tol=rk.Tolerance(rtol=MIN_RTOL))
    assert got.n_regions == exact


def test_a_result_saved_below_the_smallest_tolerance_loads_with_it(tmp_path):
    rs = rk.enumerate_regions(integer_net(1), rk.Box(-1, 1, dim=3))
    path = tmp_path / "old.npz"
    rs.save(path)
    with np.load(path, allow_pickle=False) as z:
        data = {k: z[k] for k in z.files}
    meta = json.loads(str(data["meta"]))
    meta["rtol"] = 0.0  # as a version that took any rtol >= 0 wrote it
    data["meta"] = np.array(json.dumps(meta))
    np.savez(path, **data)
    back = rk.RegionSet.load(path)
    assert back.tol == rk.Tolerance(rtol=MIN_RTOL) and back.n_regions == rs.n_regions
