"""Screening of the last layer and shared partial sums in the depth-first core (csrc/dfs.hpp).

Where only the leaves' patterns or counts are kept, the core builds the last splitting layer's
hyperplanes only for the units whose range over the region being split (interval bounds with
margins for rounding) may reach their tolerance, and gives every other hyperplane its side
without a test; trailing layers without hyperplanes (a linear output) are not run at all. So
keep="count" and keep="patterns" must agree with keep="regions" exactly (counts, per-layer
counts, patterns, depths) on every activation and vertex geometry, and where the margins are
thin: integer weights (hyperplanes through vertices, ties everywhere), nearly parallel units,
the smallest tolerance (MIN_RTOL), a large one, an absolute one.
The sums of consecutive roots that share their first units' pieces are taken from each other
(bit for bit): runs whose threads see the roots in other orders must give the same arrays.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_workers import ACTIVATIONS, CUSTOM, assert_equivalent, assert_same, make_net

import regionkit as rk
from regionkit.model.tolerance import MIN_RTOL
from regionkit.regions import engine, widesplit

ELEMENTWISE = ACTIVATIONS[:4]  # screening is for elementwise layers (maxout goes to Python)

# (input dimension, hidden widths, method): the last layer is the widest, so that most of its
# units miss a region.
CASES = [(1, [16, 16, 48], "auto"), (2, [10, 10, 40], "auto"), (3, [7, 7, 24], "auto"),
         (4, [6, 5, 16], "auto"), (3, [7, 7, 24], "lp")]

TOLERANCES = [None, rk.Tolerance(rtol=MIN_RTOL, atol=0.0), rk.Tolerance(rtol=1e-4),
              rk.Tolerance(rtol=1e-10, atol=1e-6)]


def run(net, domain, *, roots=8, workers=1, batch=1, **kwargs):
    """enumerate_regions going depth first once the frontier holds `roots` regions (1 << 62:
    never, nor in two passes: layer by layer)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(engine, "DFS_MIN_ROOTS", roots)
        if roots == 1 << 62:
            mp.setattr(widesplit, "SPLIT_MIN_PIECES", 1 << 62)
        mp.setattr(engine, "DFS_BATCH_ROOTS", batch)
        return rk.enumerate_regions(net, domain, workers=workers, **kwargs)


def assert_kept_agree(net, domain, **kwargs) -> rk.RegionSet:
    """keep="regions", "count" and "patterns", all screened, against the layer-by-layer
    split, which builds and tests every hyperplane (no depth-first phase, no screen)."""
    layered = run(net, domain, roots=1 << 62, **{k: v for k, v in kwargs.items()
                                                 if k not in ("roots", "workers", "batch")})
    full = run(net, domain, **kwargs)
    assert (full.n_regions, full.per_layer) == (layered.n_regions, layered.per_layer)
    np.testing.assert_array_equal(full.patterns, layered.patterns)
    counted = run(net, domain, keep="count", **kwargs)
    kept = run(net, domain, keep="patterns", **kwargs)
    assert (counted.n_regions, counted.per_layer) == (full.n_regions, full.per_layer)
    assert (kept.n_regions, kept.per_layer) == (full.n_regions, full.per_layer)
    np.testing.assert_array_equal(kept.patterns, full.patterns)
    np.testing.assert_array_equal(kept.depth, full.depth)
    return full


def integer_net(n_in: int, widths: list[int], acts: list, seed: int) -> rk.Network:
    """Weights in {-1, 0, 1} and small integer biases: hyperplanes through vertices and
    through each other's crossings, ranges that end exactly at a tolerance."""
    rng = np.random.default_rng(seed)
    Ws, bs, prev = [], [], n_in
    for w in widths:
        Ws.append(rng.integers(-1, 2, size=(w, prev)).astype(float))
        bs.append(rng.integers(-1, 2, size=w).astype(float))
        prev = w
    Ws.append(np.ones((1, prev)))
    bs.append(np.zeros(1))
    return rk.Network.from_arrays(Ws, bs, list(acts) + ["identity"])


def nearly_parallel_net(n_in: int, widths: list[int], acts: list, seed: int,
                        angle: float) -> rk.Network:
    """Each unit of the last layer has a twin `angle` away (in weights and bias): pairs of
    hyperplanes that meet far away, or within a tolerance of each other across a region."""
    net = make_net(n_in, widths, acts, seed)
    Ws = [np.array(W) for W in net.weights]
    bs = [np.array(b) for b in net.biases]
    half = widths[-1] // 2
    rng = np.random.default_rng(seed + 1)
    Ws[-2][half:2 * half] = Ws[-2][:half] * (1 + angle * rng.normal(size=(half, 1)))
    Ws[-2][half:2 * half] += angle * rng.normal(size=(half, Ws[-2].shape[1]))
    bs[-2][half:2 * half] = bs[-2][:half] + angle * rng.normal(size=half)
    return rk.Network.from_arrays(Ws, bs, net.activations)


@pytest.mark.parametrize("n_in,widths,method", CASES)
@pytest.mark.parametrize("act", ELEMENTWISE, ids=str)
def test_screened_leaves_equal_the_full_split(n_in, widths, method, act):
    net = make_net(n_in, widths, ["relu", act, act], seed=n_in)
    full = assert_kept_agree(net, rk.Box(-1, 1, dim=n_in), method=method)
    assert full.n_regions > full.per_layer[1]  # the last layer splits regions


@pytest.mark.parametrize("tol", TOLERANCES, ids=repr)
@pytest.mark.parametrize("n_in,widths,method", CASES[:4])
def test_screening_at_the_edges_of_the_tolerance(n_in, widths, method, tol):
    domain = rk.Box(-1, 1, dim=n_in)
    for acts in (["relu"] * 3, ["hard_tanh", "relu", CUSTOM]):
        assert_kept_agree(integer_net(n_in, widths, acts, seed=7), domain, tol=tol,
                          method=method)
        for angle in (1e-6, 1e-11):
            net = nearly_parallel_net(n_in, widths, acts, seed=5, angle=angle)
            assert_kept_agree(net, domain, tol=tol, method=method)


@pytest.mark.parametrize("scales", [(1e-30,) * 4, (1e-14, 1e-14, 1e-16, 1.0), (1e14,) * 4,
                                    (1e30,) * 4, (1e-23, 1e-23, 1e30, 1.0)], ids=str)
@pytest.mark.parametrize("n_in,widths,method", CASES[:4])
def test_single_precision_screen_at_any_scale(n_in, widths, method, scales):
    """The screen's shared sums are single precision (screen_sums_f32): at 1e14 a layer their
    products pass the float range (3.4e38) and the units must be built, not decided; with
    rows of 1e-28 and weights of 1e-17 the products are subnormal (a bound without its
    underflow term fails here); at 1e+-30, or with rows of 1e-46 and weights of 1e30 (a
    float holds no such row), the inputs are outside [2^-100, 2^100] and the sums are made
    in double.
    A ReLU net whose layer l has its weights scaled by c_l and its biases by c_0 .. c_l has
    the same partition (positive homogeneity)."""
    net = make_net(n_in, widths, ["relu"] * 3, seed=3)
    cum = np.cumprod(scales)
    scaled = rk.Network.from_arrays([W * c for W, c in zip(net.weights, scales)],
                                    [b * c for b, c in zip(net.biases, cum)], net.activations)
    domain = rk.Box(-1, 1, dim=n_in)
    ref = run(net, domain, keep="count", method=method)
    full = assert_kept_agree(scaled, domain, method=method)
    assert (full.n_regions, full.per_layer) == (ref.n_regions, ref.per_layer)


@pytest.mark.parametrize("n_in,widths", [(5, [6, 5, 14]), (6, [5, 4, 12]), (7, [5, 4, 12]),
                                         (8, [5, 4, 12])])
@pytest.mark.parametrize("scale", [1.0, 1e14])
def test_screen_in_five_to_eight_dimensions(n_in, widths, scale):
    """The vertex form's screen (single-precision sums of 5 to 8 gradient terms a unit)
    against the layer-by-layer split; at 1e14 a layer the sums overflow."""
    net = make_net(n_in, widths, ["relu", "leaky_relu:0.1", "relu"], seed=n_in)
    cum = np.cumprod([scale] * 4)
    scaled = rk.Network.from_arrays([W * scale for W in net.weights],
                                    [b * c for b, c in zip(net.biases, cum)], net.activations)
    full = assert_kept_agree(scaled, rk.Box(-1, 1, dim=n_in), method="vertex")
    assert full.n_regions > full.per_layer[1]


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(CASES), st.sampled_from(ELEMENTWISE), st.sampled_from(TOLERANCES),
       st.integers(0, 10_000), st.sampled_from([1, 8, 64]))
def test_screening_property(case, act, tol, seed, roots):
    n_in, widths, method = case
    net = make_net(n_in, widths, [act, "relu", act], seed)
    assert_kept_agree(net, rk.Box(-1, 1, dim=n_in), tol=tol, method=method, roots=roots)


@pytest.mark.parametrize("keep", ["regions", "patterns", "count"])
def test_shared_sums_do_not_depend_on_which_roots_a_thread_ran(keep):
    """Roots from one parent (depth first from the second layer) and roots of a wide first
    split (two passes) take sums from the root a thread ran before: one thread, and four
    threads claiming one root at a time, see other predecessors and give the same arrays."""
    net = make_net(2, [40, 30, 30], ["relu", "leaky_relu:0.2", "relu"], seed=11)
    domain = rk.Box(-1, 1, dim=2)
    for wide in (False, True):
        with pytest.MonkeyPatch.context() as mp:
            if wide:  # 40 lines in 2-D: up to 821 regions, over the bound: two passes
                mp.setattr(widesplit, "SPLIT_MIN_PIECES", 200)
                mp.setattr(widesplit, "SPLIT_MAX_PIECES", 200)
            serial = run(net, domain, roots=16, keep=keep)
            for workers, batch in ((4, 1), (2, 3)):
                other = run(net, domain, roots=16, workers=workers, batch=batch, keep=keep)
                if keep == "regions":
                    assert_same(serial, other)
                assert (other.n_regions, other.per_layer) == (serial.n_regions,
                                                              serial.per_layer)
                if keep == "patterns":
                    np.testing.assert_array_equal(other.patterns, serial.patterns)
                    np.testing.assert_array_equal(other.interior_points, serial.interior_points)
        if keep == "regions":
            plain = run(net, domain, roots=1 << 62)  # layer by layer: no shared sums
            assert plain.per_layer == serial.per_layer
            np.testing.assert_array_equal(plain.patterns, serial.patterns)


def test_a_linear_output_layer_is_not_run_for_counts():
    """Trailing layers without hyperplanes make no split: their count is the leaves'."""
    net = make_net(3, [8, 8], ["relu", "hard_tanh"], seed=2)
    full = run(net, rk.Box(-1, 1, dim=3))
    counted = run(net, rk.Box(-1, 1, dim=3), keep="count")
    assert counted.per_layer[-1] == counted.per_layer[-2] == full.n_regions


def test_units_within_the_tolerance_keep_the_split_s_bit():
    """Units of the last layer whose values stay within their tolerance of zero (bit 0: never
    beyond it) or just past it (bit 1): a screen without its margins would guess them."""
    net = make_net(2, [10, 10, 30], ["relu"] * 3, seed=4)
    Ws = [np.array(W) for W in net.weights]
    bs = [np.array(b) for b in net.biases]
    extra_W = np.zeros((4, 10))
    extra_W[3, 0] = 1e-8  # a tiny slope on top of a bias within the tolerance
    extra_b = np.array([5e-7, -5e-7, 2e-6, 5e-7])
    Ws[2] = np.vstack([Ws[2], extra_W])
    bs[2] = np.concatenate([bs[2], extra_b])
    Ws[3] = np.hstack([Ws[3], np.ones((1, 4))])
    net = rk.Network.from_arrays(Ws, bs, net.activations)
    tol = rk.Tolerance(rtol=1e-10, atol=1e-6)
    full = assert_kept_agree(net, rk.Box(-1, 1, dim=2), tol=tol)
    last = full.pattern_bits()[:, -4:]
    np.testing.assert_array_equal(last, np.tile([False, False, True, False], (len(last), 1)))


@pytest.mark.parametrize("n_in,widths,method", CASES)
def test_screened_last_layer_keeping_its_maps(n_in, widths, method):
    """A net ending in a layer with hyperplanes (no linear output): the screened split is the
    leaves' own and keep="regions" keeps its maps and labels, as layer by layer does."""
    rng = np.random.default_rng(n_in)
    Ws, bs, prev = [], [], n_in
    for w in widths:
        Ws.append(rng.normal(size=(w, prev)) / np.sqrt(prev))
        bs.append(0.5 * rng.normal(size=w))
        prev = w
    net = rk.Network.from_arrays(Ws, bs, ["relu", "hard_tanh", "leaky_relu:0.2"])
    domain = rk.Box(-1, 1, dim=n_in)
    layered = run(net, domain, roots=1 << 62, method=method)
    assert_equivalent(layered, assert_kept_agree(net, domain, method=method, workers=2))
