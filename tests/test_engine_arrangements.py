"""Counts with closed forms or independent geometric counts.

Hyperplane arrangements are one-hidden-layer ReLU nets (one unit per hyperplane, output
weights 1): the activation regions are exactly the arrangement's regions in the domain.
"""
from __future__ import annotations

import itertools
from math import comb, factorial

import numpy as np
import oracles as O
import pytest
from scipy.linalg import null_space

import regionkit as rk

# Every case here also runs the threaded split (conftest.py).
pytestmark = pytest.mark.usefixtures("two_workers")

METHODS = ["auto", "lp"]


def _random_arrangement(n: int, d: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.normal(size=n)


def _enclosing_box(W: np.ndarray, c: np.ndarray) -> rk.Box:
    """An open box strictly containing every vertex of the arrangement."""
    V = O.arrangement_vertices(W, c)
    pad = 0.1 * (V.max(axis=0) - V.min(axis=0)) + 0.1
    return rk.Box(V.min(axis=0) - pad, V.max(axis=0) + pad)


# --- general position: Zaslavsky -------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("n, d, seed", [(7, 1, 0), (10, 2, 1), (16, 2, 2), (8, 3, 3),
                                        (7, 4, 4)])
def test_zaslavsky_count_in_enclosing_box(n, d, seed, method):
    """A box containing every vertex meets every region of R^d: sum_{i<=d} C(n, i)."""
    W, c = _random_arrangement(n, d, seed)
    rs = rk.enumerate_regions(O.one_layer_net(W, c), _enclosing_box(W, c), method=method)
    assert rs.n_regions == O.zaslavsky_general_position(n, d)


@pytest.mark.parametrize("n, seed", [(10, 1), (16, 2)])
def test_bounded_regions_in_enclosing_box(n, seed):
    """Bounded regions of n lines in general position: C(n-1, 2); they are the regions with
    no vertex on the box boundary."""
    W, c = _random_arrangement(n, 2, seed)
    box = _enclosing_box(W, c)
    rs = rk.enumerate_regions(O.one_layer_net(W, c), box)
    bounded = 0
    for r in range(rs.n_regions):
        V = rs.region_vertices(r)
        bounded += bool(np.all((V > box.lo + 1e-9) & (V < box.hi - 1e-9)))
    assert bounded == comb(n - 1, 2)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("seed", [10, 11, 12])
def test_lines_in_small_box_match_geometric_count(seed, method):
    """In (-1, 1)^2 only some lines and crossings fall inside: 1 + #lines crossing the open
    square + #crossings inside it, computed by direct geometry."""
    W, c = _random_arrangement(14, 2, seed)
    c *= 0.7
    expected = O.line_regions_in_box(W, c, [-1, -1], [1, 1])
    assert expected < O.zaslavsky_general_position(14, 2)  # the box must actually cut
    rs = rk.enumerate_regions(O.one_layer_net(W, c), rk.Box(-1, 1, dim=2), method=method)
    assert rs.n_regions == expected


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("n, d, seed", [(8, 3, 20), (6, 4, 21)])
def test_planes_in_small_box_match_subset_count(n, d, seed, method):
    """In a box: sum over j <= d of the j-subsets whose flat meets the open box (one LP
    per subset)."""
    W, c = _random_arrangement(n, d, seed)
    c *= 0.8
    expected = O.general_position_regions_in_box(W, c, -np.ones(d), np.ones(d))
    assert expected < O.zaslavsky_general_position(n, d)
    rs = rk.enumerate_regions(O.one_layer_net(W, c), rk.Box(-1, 1, dim=d), method=method)
    assert rs.n_regions == expected


# --- braid, Shi, Catalan -------------------------------------------------------------------------

def _catalan(n: int) -> int:
    return comb(2 * n, n) // (n + 1)


ARRANGEMENTS = {
    # name: (offsets k of x_i - x_j = k, closed-form count for n, box half-width for n)
    "braid": ([0], factorial, lambda n: 1.0),
    "shi": ([0, 1], lambda n: (n + 1) ** (n - 1), lambda n: 2.0 * n),
    "catalan": ([-1, 0, 1], lambda n: factorial(n) * _catalan(n), lambda n: 2.0 * n),
}
# Box half-widths: braid regions are cones at 0. Shi and Catalan regions are prisms along
# (1,...,1) over an essential arrangement in {sum x = 0} whose vertices satisfy
# |x_i - x_j| <= n - 1, hence |x_i| <= n - 1 there, strictly inside (-2n, 2n)^n; every
# region of that section has a vertex, so every region of R^n meets the box.


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("n", [3, 4, 5])
@pytest.mark.parametrize("name", list(ARRANGEMENTS))
def test_classic_arrangement_counts(name, n, method):
    offsets, count, half_width = ARRANGEMENTS[name]
    W, c = O.difference_arrangement(n, offsets)
    rs = rk.enumerate_regions(O.one_layer_net(W, c), rk.Box(-half_width(n), half_width(n),
                                                                  dim=n), method=method)
    assert rs.n_regions == count(n)


@pytest.mark.parametrize("name", list(ARRANGEMENTS))
def test_classic_arrangements_on_a_plane_slice(name):
    """n = 3 on the plane {sum x = 0} (a 2-D Plane domain in R^3): same counts."""
    offsets, count, half_width = ARRANGEMENTS[name]
    W, c = O.difference_arrangement(3, offsets)
    B = null_space(np.ones((1, 3)))
    plane = rk.Plane(np.zeros(3), B[:, 0], B[:, 1], -half_width(3), half_width(3))
    assert rk.enumerate_regions(O.one_layer_net(W, c), plane).n_regions == count(3)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", list(ARRANGEMENTS))
def test_classic_arrangements_folded_into_three_dimensions(name, method):
    """n = 4 with the section {sum x = 0} folded into the first layer: a 3-D problem."""
    offsets, count, half_width = ARRANGEMENTS[name]
    W, c = O.difference_arrangement(4, offsets)
    B = null_space(np.ones((1, 4)))
    rs = rk.enumerate_regions(O.one_layer_net(W @ B, c),
                              rk.Box(-half_width(4), half_width(4), dim=3), method=method)
    assert rs.n_regions == count(4)


@pytest.mark.parametrize("method", METHODS)
def test_braid_patterns_are_the_total_orders(method):
    """Each braid region is a total order of the coordinates: bit (i, j) is x_i > x_j."""
    n = 4
    W, c = O.difference_arrangement(n, [0])
    rs = rk.enumerate_regions(O.one_layer_net(W, c), rk.Box(-1, 1, dim=n), method=method)
    expected = {tuple(perm.index(i) > perm.index(j) for i, j in itertools.combinations(range(n), 2))
                for perm in itertools.permutations(range(n))}
    assert {tuple(p) for p in rs.pattern_bits().tolist()} == expected


# --- Telgarsky sawtooth --------------------------------------------------------------------------

def test_sawtooth_construction_is_the_tent_power():
    """The folded network computes t^k (checked by dense evaluation before trusting it)."""
    x = np.linspace(0, 1, 4097)[:, None]
    for k in range(1, 11):
        _, out = O.forward_pattern(O.sawtooth_net(k), x)
        np.testing.assert_allclose(out[:, 0], O.tent_power(x[:, 0], k), atol=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_sawtooth_has_2_to_the_k_regions(method):
    """Exactly 2^k regions (2^l after hidden layer l), breakpoints j/2^k, and the pieces are
    2^k distinct linear pieces: slopes alternate +-2^k, values alternate 0 and 1."""
    for k in range(1, 11):
        rs = rk.enumerate_regions(O.sawtooth_net(k), rk.Box(0, 1, dim=1), method=method)
        assert rs.n_regions == 2 ** k
        assert rs.per_layer == [2 ** (layer + 1) for layer in range(k)] + [2 ** k]
        order = np.argsort(rs.interior_points[:, 0])
        ends = np.array([rs.region_vertices(r)[:, 0] if rs.kind == "1d" else
                         _interval_from_inequalities(rs, r) for r in order])
        grid = np.arange(2 ** k + 1) / 2 ** k
        np.testing.assert_allclose(ends[:, 0], grid[:-1], atol=1e-12)
        np.testing.assert_allclose(ends[:, 1], grid[1:], atol=1e-12)
        slopes = rs.output_M[order, 0, 0]
        np.testing.assert_allclose(slopes, 2.0 ** k * (-1.0) ** np.arange(2 ** k), rtol=1e-12)
        left = rs.output_M[order, 0, 0] * ends[:, 0] + rs.output_m[order, 0]
        np.testing.assert_allclose(left, np.arange(2 ** k) % 2, atol=1e-9)


def _interval_from_inequalities(rs: rk.RegionSet, r: int) -> np.ndarray:
    """(lo, hi) of a 1-D region from its rows a t < b (a = +-1 after normalisation)."""
    A, b, _ = rs.inequalities(r)
    a = A[:, 0]
    return np.array([np.max(-b[a < 0] / -a[a < 0]), np.min(b[a > 0] / a[a > 0])])
