"""Tiny but genuine regions: tolerances are relative, so thin slivers and tiny cells count.

Counts come from closed forms (Zaslavsky's formula in general position inside the box:
1 + #lines meeting the box + #intersection points inside it).
"""
import numpy as np
import pytest

import regionkit as rk

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
