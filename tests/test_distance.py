"""Distance to the activation-region boundary and Jacobians against independent methods."""
import numpy as np
import pytest

import regionkit as rk
from regionkit.constructions import torch_default
from regionkit.measures import distance as distance_module
from regionkit.measures.distance import distance_to_region_boundary, jacobian


def _first_change(net, x, u, t_max, steps=400):
    """Smallest t with pattern(x + t u) != pattern(x): scan, then bisect (independent)."""
    p0 = net.pattern(x[None])[0]
    ts = np.linspace(0, t_max, steps + 1)[1:]
    pats = net.pattern(x[None] + ts[:, None] * u[None])
    diff = np.flatnonzero(np.any(pats != p0, axis=1))
    if len(diff) == 0:
        return np.inf
    hi = ts[diff[0]]
    lo = ts[diff[0] - 1] if diff[0] > 0 else 0.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if np.array_equal(net.pattern((x + mid * u)[None])[0], p0):
            lo = mid
        else:
            hi = mid
    return hi


@pytest.mark.parametrize("acts", [None, ["leaky_relu:0.1", "leaky_relu:0.1", "identity"],
                                  ["hard_tanh", "hard_tanh", "identity"]])
def test_distance_equals_ray_shooting_minimum_2d(acts):
    net = torch_default([2, 12, 12, 1], seed=5, activations=acts)
    if acts and acts[0] == "hard_tanh":
        net = rk.Network.from_arrays([3 * w for w in net.weights], list(net.biases), acts)
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(5, 2))
    d = distance_to_region_boundary(net, X)
    angles = np.linspace(0, 2 * np.pi, 360, endpoint=False)  # 1 - cos(0.5 deg) < 4e-5
    U = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    for x, dx in zip(X, d):
        shots = [_first_change(net, x, u, 3 * dx) for u in U]
        assert min(shots) == pytest.approx(dx, rel=1e-4)  # resolution of the fan of rays
        assert min(shots) >= dx * (1 - 1e-9)


def test_distance_784_inputs_matches_explicit_gradients():
    net = torch_default([784, 32, 32, 10], seed=1)
    rng = np.random.default_rng(2)
    X = rng.uniform(0, 1, size=(20, 784))
    d = distance_to_region_boundary(net, X)
    # Explicit per-unit gradients through the full Jacobian (a different computation).
    for x, dx in zip(X, d):
        h, J, best = x, np.eye(784), np.inf
        for W, b, act in zip(net.weights, net.biases, net.activations):
            z, Jz = W @ h + b, W @ J
            relu = act.name == "relu"
            if relu:
                g = np.linalg.norm(Jz, axis=1)
                best = min(best, np.min(np.abs(z)[g > 0] / g[g > 0]))
            k = (z > 0).astype(float) if relu else np.ones_like(z)
            h, J = k * z, k[:, None] * Jz
        assert dx == pytest.approx(best, rel=1e-9)
        # a ball of radius 0.999 d keeps the pattern in random directions
        u = rng.normal(size=(64, 784))
        u /= np.linalg.norm(u, axis=1, keepdims=True)
        assert np.all(net.pattern(x + 0.999 * dx * u) == net.pattern(x[None]))


def test_distance_matches_region_rows():
    # In a region away from the domain boundary, the nearest unit hyperplane is one of the
    # region's own facet rows: the distance is the smallest slack of those rows.
    net = torch_default([3, 10, 10, 1], seed=9)
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=3))
    X = rs.interior_points
    d = distance_to_region_boundary(net, X)
    for r, (x, dx) in enumerate(zip(X, d)):
        A, b, lab = rs.inequalities(r)
        slack = b - A @ x
        domain_slack = slack[lab < 0].min() if np.any(lab < 0) else np.inf
        if domain_slack > slack[lab >= 0].min():
            assert dx == pytest.approx(slack[lab >= 0].min(), rel=1e-7, abs=1e-12)
        assert dx <= slack[lab >= 0].min() * (1 + 1e-9)


def test_jacobian_matches_region_maps_and_finite_differences():
    net = torch_default([2, 16, 16, 3], seed=3)
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    J = jacobian(net, rs.interior_points)
    assert np.allclose(J, rs.output_M, rtol=1e-10, atol=1e-12)
    x = rs.interior_points[:5]
    h = 1e-7 * rs.chebyshev_radii[:5, None]
    fd = (net.forward(x + h * [1, 0]) - net.forward(x)) / h
    assert np.allclose(J[:5, :, 0], fd, rtol=1e-5, atol=1e-6)


def test_old_name_is_an_alias():
    net = torch_default([2, 8, 8, 1], seed=4)
    X = np.random.default_rng(1).uniform(-1, 1, size=(50, 2))
    assert rk.distance_to_region_boundary is distance_to_region_boundary
    assert rk.distance_to_boundary is distance_module.distance_to_boundary
    assert "Alias of distance_to_region_boundary" in rk.distance_to_boundary.__doc__
    np.testing.assert_array_equal(rk.distance_to_boundary(net, X),
                                  distance_to_region_boundary(net, X))
