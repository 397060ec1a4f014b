"""regionkit.constructions: every proven count, confirmed by the engine and by brute force."""
from __future__ import annotations

import math

import numpy as np
import pytest

import regionkit as rk
from regionkit import bounds as B
from regionkit import constructions as C
from regionkit.constructions import torch_default

GRID = 100_003
# Sample points (i + OFFSET)/GRID: an irrational-looking offset keeps them off every
# breakpoint of the constructions (dyadic or small-denominator rationals, 1/2 included).
OFFSET = (3 - 5 ** 0.5) / 2


def _grid_pieces(net: rk.Network, cells: int = GRID) -> int:
    """Affine pieces of a 1-D net on (0, 1) from slopes on a fine grid.

    A cell holding a breakpoint has a mixed slope and stands alone, so pieces are the maximal
    runs of >= 2 cells with one slope; exact when every piece spans >= 3 cells.
    """
    x = np.linspace(0.0, 1.0, cells + 1)
    y = net.forward(x[:, None])[:, 0]
    s = np.diff(y) * cells
    same = np.isclose(s[1:], s[:-1], rtol=1e-7, atol=1e-9)
    starts = same & np.r_[True, ~same[:-1]]  # first pair of each run of equal slopes
    return int(starts.sum())


def _grid_regions(net: rk.Network, cells: int = GRID) -> int:
    """Activation regions of a 1-D net on (0, 1): runs of equal patterns at sample points
    (a line crosses each region once; exact when every region holds a sample point)."""
    x = (np.arange(cells) + OFFSET) / cells
    p = net.pattern(x[:, None])
    return int(1 + np.any(p[1:] != p[:-1], axis=1).sum())


def _engine_linear_1d(rs: rk.RegionSet) -> int:
    slopes = rs.output_M[np.argsort(rs.interior_points[:, 0]), 0, 0]
    return int(1 + np.sum(~np.isclose(slopes[1:], slopes[:-1], rtol=1e-9, atol=1e-12)))


def _confirm_1d(c: C.Construction) -> None:
    rs = rk.enumerate_regions(c.network, c.domain)
    assert rs.complete and rs.n_regions == c.n_regions
    assert _grid_regions(c.network) == c.n_regions
    assert _engine_linear_1d(rs) == c.n_linear_regions == _grid_pieces(c.network)


# --- 1-D ---------------------------------------------------------------------------------

@pytest.mark.parametrize("k", [1, 2, 5, 8])
@pytest.mark.parametrize("width", [2, 3])
def test_sawtooth_has_2_to_the_k_pieces(k, width):
    c = C.sawtooth(k, width=width)
    assert c.n_regions == 2 ** k and c.network.hidden_widths == [width] * k
    _confirm_1d(c)


def test_sawtooth_breakpoints_and_values():
    k = 6
    net = C.sawtooth(k).network
    x = np.arange(2 ** k + 1) / 2 ** k
    assert np.allclose(net.forward(x[:, None])[:, 0], np.arange(2 ** k + 1) % 2)


def test_s1_triangle_map_is_wrong_regression():
    """The tutorial's tau(x) = relu(x) - 2relu(x - 1/2) + relu(x - 1) gives 2 pieces for every k."""
    coef, b = np.array([1.0, -2.0, 1.0]), np.array([0.0, -0.5, -1.0])
    for k in (1, 3, 6):
        net = rk.Network.from_arrays([np.ones((3, 1))] + [np.tile(coef, (3, 1))] * (k - 1)
                                     + [coef[None]], [b] * k + [np.zeros(1)])
        assert rk.enumerate_regions(net, rk.Box(0, 1)).n_regions == 2
        assert _grid_pieces(net) == 2


@pytest.mark.parametrize("w, k", [(3, 4), (4, 3), (5, 2), (2, 7)])
def test_zigzag_tower_has_w_to_the_k_pieces(w, k):
    c = C.zigzag_tower(w, k)
    assert c.n_regions == w ** k
    _confirm_1d(c)


def test_zigzag_2_is_the_sawtooth():
    a, b = C.zigzag_tower(2, 4).network, C.sawtooth(4).network
    assert all(np.array_equal(u, v) for u, v in zip(a.weights + a.biases, b.weights + b.biases))


@pytest.mark.parametrize("widths", [[3], [3, 3], [4, 4], [3, 4, 5], [3, 3, 3, 3], [6, 7]])
def test_serra_1d_attains_the_exact_maximum(widths):
    c = C.serra_1d(widths)
    assert c.n_regions == math.prod(n + 1 for n in widths) == B.serra_upper(1, widths)
    _confirm_1d(c)
    y = c.network.forward(np.array([[0.0], [1.0]]))[:, 0]
    assert np.all((y > -1e-12) & (y < 1 + 1e-12))  # the zigzags map [0, 1] into [0, 1]


def test_serra_1d_table_row_is_tight_in_check():
    c = C.serra_1d([3, 4, 5])
    row = next(r for r in B.check(rk.enumerate_regions(c.network, c.domain)).rows
               if r.name == "Serra Thm 1")
    assert row.value == 120 and row.activation_status == "tight"


# --- Montufar folding ----------------------------------------------------------------------

@pytest.mark.parametrize("n0, widths", [(2, [4, 4, 3]), (1, [3, 3, 3]), (3, [3, 3]),
                                        (2, [6, 4]), (2, [5]), (2, [4, 5, 4, 2])])
def test_montufar_folding_attains_its_bound_on_the_box(n0, widths):
    c = C.montufar_folding(n0, widths)
    assert c.n_linear_regions is None
    rs = rk.enumerate_regions(c.network, c.domain)
    assert rs.complete and rs.n_regions == c.n_regions
    if min(widths) >= n0:
        assert c.n_regions == B.montufar_lower(n0, widths)
    # Sampling sees no more patterns than exist.
    t = c.domain.sample(20_000, rng=0)
    assert len(np.unique(np.packbits(c.network.pattern(t), axis=1), axis=0)) <= c.n_regions


def test_montufar_folding_1d_by_brute_force():
    c = C.montufar_folding(1, [3, 4, 3])
    scaled = rk.Network.from_arrays([c.network.weights[0] * 1.5] + list(c.network.weights[1:]),
                                    c.network.biases)  # (0, 3/2) -> (0, 1)
    assert _grid_regions(scaled) == c.n_regions == 3 * 4 * 4


# --- arrangements --------------------------------------------------------------------------

@pytest.mark.parametrize("name, n", [(name, n) for name in C.CLASSIC for n in (2, 3, 4)]
                         + [("linial", 5), ("shi", 5)])
def test_classic_arrangements_as_networks(name, n):
    c = C.classic_arrangement(name, n)
    rs = rk.enumerate_regions(c.network, c.domain)
    assert rs.n_regions == c.n_regions == C.classic_region_count(name, n)
    # The poset count on the construction's box agrees (every flat meets it).
    W, b = c.network.weights[0], c.network.biases[0]
    assert B.zaslavsky(W, b, box=c.domain).regions == c.n_regions


def test_classic_closed_forms_against_stanley_table():
    table = {"braid": [2, 6, 24, 120, 720, 5040], "shi": [3, 16, 125, 1296, 16807, 262144],
             "catalan": [4, 30, 336, 5040, 95040, 2162160],
             "linial": [2, 7, 36, 246, 2104, 21652], "threshold": [2, 8, 46, 332, 2874]}
    for name, values in table.items():
        assert [C.classic_region_count(name, n) for n in range(2, 2 + len(values))] == values
    assert C.classic_region_count("coordinate", 5) == 32


@pytest.mark.parametrize("m, d", [(6, 2), (12, 2), (7, 3), (3, 3), (1, 2), (10, 1)])
def test_generic_arrangement(m, d):
    c = C.generic_arrangement(m, d)
    assert rk.enumerate_regions(c.network, c.domain).n_regions == c.n_regions
    W, b = c.network.weights[0], c.network.biases[0]
    assert B.zaslavsky(W, b) == (c.n_regions, B.general_position_bounded(m, d))
    assert B.zaslavsky(W, b, box=(-0.5, 0.5)).regions == c.n_regions  # every flat inside


def test_essentialised_catalan_bounded_regions_by_engine():
    """Regions whose closure lies inside the open box are the bounded ones: n! C_{n-1}."""
    c = C.classic_arrangement("catalan", 3)
    rs = rk.enumerate_regions(c.network, c.domain)
    inner = sum(1 for r in range(rs.n_regions)
                if np.all(np.abs(rs.region_vertices(r)) < 3 - 1e-9))
    assert inner == 12


def test_engine_linear_counts_match_proven_ones():
    if not hasattr(rk.RegionSet, "n_linear_regions"):
        pytest.skip("RegionSet.n_linear_regions (issue 3) is not available")
    for c in (C.sawtooth(5), C.serra_1d([3, 4]), C.classic_arrangement("catalan", 3),
              C.generic_arrangement(7, 3), C.classic_arrangement("threshold", 4)):
        assert rk.enumerate_regions(c.network, c.domain).n_linear_regions == c.n_linear_regions


# --- random initialisations ----------------------------------------------------------------

def test_random_initialisations_are_seeded_and_scaled():
    a = C.raghu_normal([400, 500, 1], 4.0, 0.25, seed=5)
    b = C.raghu_normal([400, 500, 1], 4.0, 0.25, seed=5)
    assert np.array_equal(a.weights[0], b.weights[0])
    assert not np.array_equal(a.weights[0], C.raghu_normal([400, 500, 1], 4.0, 0.25, 6).weights[0])
    assert abs(a.weights[0].var() * 400 / 4.0 - 1) < 0.02
    assert abs(a.biases[0].var() / 0.25 - 1) < 0.15
    he = C.he_normal([300, 400, 2], seed=1)
    assert abs(he.weights[0].var() * 300 / 2.0 - 1) < 0.02 and he.biases[0].std() < 3e-3
    assert he.activation_names() == ["relu", "identity"]
    t = torch_default([300, 400, 1], seed=2)
    bound = 1 / np.sqrt(300)
    assert np.abs(t.weights[0]).max() <= bound and np.abs(t.weights[0]).max() > 0.99 * bound
    rng = np.random.default_rng(0)  # a shared Generator advances between draws
    assert not np.array_equal(C.he_normal([2, 3, 1], rng).weights[0],
                              C.he_normal([2, 3, 1], rng).weights[0])


@pytest.mark.parametrize("call", [
    lambda: C.sawtooth(0),
    lambda: C.sawtooth(3, width=4),
    lambda: C.zigzag_tower(1, 3),
    lambda: C.serra_1d([2, 3]),
    lambda: C.serra_1d([]),
    lambda: C.montufar_folding(2, [1, 3]),
    lambda: C.montufar_folding(0, [3]),
    lambda: C.classic_arrangement("foo", 3),
    lambda: C.classic_arrangement("braid", 1),
    lambda: C.generic_arrangement(0, 2),
    lambda: C.raghu_normal([3], 1.0, 1.0),
    lambda: C.raghu_normal([3, 2], -1.0, 1.0),
])
def test_bad_construction_input(call):
    with pytest.raises(rk.RegionkitError):
        call()
