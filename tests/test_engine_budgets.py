"""Budgets, bad input and files.

A run stopped by max_regions or time_limit must still partition the domain: regions found
so far plus the ones the last layer did not reach, each correct for the layers it has been
split by (rs.depth). Bad input raises the documented regionkit error, and results and
networks survive a save/load round trip.
"""
from __future__ import annotations

import time

import numpy as np
import oracles as O
import pytest

import regionkit as rk
from regionkit.constructions import torch_default

# Every case here also runs the threaded split (conftest.py).
pytestmark = pytest.mark.usefixtures("two_workers")


def assert_partition(rs: rk.RegionSet, net: rk.Network, domain: rk.Domain) -> None:
    """Volumes add up to the domain's; each sampled point lies in exactly one region, whose
    pattern agrees with the point's on every layer that region has been split by."""
    if rs.kind == "2d":
        vols = [O.shoelace_area(rs.region_vertices(r)) for r in range(rs.n_regions)]
    else:
        vols = [O.halfspace_volume(*rs.inequalities(r)[:2], rs.interior_points[r])
                for r in range(rs.n_regions)]
    assert min(vols) > 0
    assert sum(vols) == pytest.approx(domain.volume, rel=1e-9)
    t = domain.sample(3000, rng=5)
    owner = np.full(len(t), -1)
    hits = np.zeros(len(t), dtype=int)
    for r in range(rs.n_regions):
        A, b, _ = rs.inequalities(r)
        inside = np.all(t @ A.T < b, axis=1)
        hits += inside
        owner[inside] = r
    assert np.all(hits == 1)
    pattern, _ = O.forward_pattern(net, domain.to_input(t))
    known = net.layer_hyperplane_offsets()[rs.depth[owner]]
    bits = rs.pattern_bits()[owner]
    cols = np.arange(pattern.shape[1])[None, :] < known[:, None]
    assert np.array_equal(bits & cols, pattern & cols)


# --- budgets -------------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["auto", "lp"])
@pytest.mark.parametrize("dim", [2, 3])
@pytest.mark.parametrize("max_regions", [1, 30, 120])
def test_max_regions_stops_with_a_partition(dim, max_regions, method):
    net = O.gaussian_net([dim, 12, 12, 12, 1], seed=dim)
    box = rk.Box(-1, 1, dim=dim)
    full = rk.enumerate_regions(net, box, method=method)
    assert full.n_regions > max_regions
    rs = rk.enumerate_regions(net, box, method=method, max_regions=max_regions)
    assert not rs.complete and rs.stop_reason == "max_regions"
    assert rs.n_regions <= full.n_regions
    assert_partition(rs, net, box)


def test_max_regions_above_the_count_completes():
    net = O.gaussian_net([2, 12, 12, 1], seed=1)
    box = rk.Box(-1, 1, dim=2)
    full = rk.enumerate_regions(net, box)
    rs = rk.enumerate_regions(net, box, max_regions=full.n_regions)
    assert rs.complete and rs.stop_reason is None and rs.n_regions == full.n_regions


@pytest.mark.parametrize("dim, time_limit", [(2, 0.0), (3, 0.0), (3, 0.002)])
def test_time_limit_stops_with_a_partition(dim, time_limit):
    """time_limit=0 stops at once; 2 ms is far below the ~0.1 s the 3-D net needs."""
    net = O.gaussian_net([dim, 32, 32, 32, 1], seed=0)
    box = rk.Box(-1, 1, dim=dim)
    rs = rk.enumerate_regions(net, box, time_limit=time_limit)
    assert not rs.complete and rs.stop_reason == "time_limit"
    assert_partition(rs, net, box)


# --- bad input -------------------------------------------------------------------------------

def _net_from(weights, biases, acts=None):
    return lambda: rk.Network.from_arrays(weights, biases, acts)


@pytest.mark.parametrize("build", [
    pytest.param(_net_from([np.ones((4, 2)), np.ones((1, 3))], [np.zeros(4), np.zeros(1)]),
                 id="shapes-do-not-chain"),
    pytest.param(_net_from([np.ones((4, 2))], [np.zeros(3)]), id="bias-length"),
    pytest.param(_net_from([np.array([[np.nan, 1.0]])], [np.zeros(1)]), id="nan-weight"),
    pytest.param(_net_from([np.ones((1, 2))], [np.array([np.inf])]), id="inf-bias"),
    pytest.param(_net_from([np.ones((2, 2)), np.ones((1, 2))], [np.zeros(2), np.zeros(1)],
                           ["tanh", "identity"]), id="unknown-activation"),
    pytest.param(_net_from([np.ones((2, 2)), np.ones((1, 2))], [np.zeros(2), np.zeros(1)],
                           ["relu"]), id="activation-count"),
    pytest.param(_net_from([], []), id="no-layers"),
])
def test_bad_networks_raise_network_error(build):
    with pytest.raises(rk.NetworkError):
        build()


@pytest.mark.parametrize("build", [
    pytest.param(lambda: rk.Box(1, 1, dim=2), id="empty-box"),
    pytest.param(lambda: rk.Box([0, 1], [1, 0]), id="inverted-box"),
    pytest.param(lambda: rk.Polytope([[1, 0], [0, 1]], [1, 1]), id="unbounded-polytope"),
    pytest.param(lambda: rk.Polytope([[1, 0], [-1, 0], [0, 1], [0, -1]], [1e-12, 1e-12, 1, 1]),
                 id="flat-polytope"),
    pytest.param(lambda: rk.Polytope([[1, 0], [-1, 0], [0, 1], [0, -1]], [1, -2, 1, 1]),
                 id="empty-polytope"),
    pytest.param(lambda: rk.Plane.through([0, 0, 0], [1, 1, 1], [3, 3, 3]), id="collinear"),
    pytest.param(lambda: rk.Segment([1, 2], [1, 2]), id="point-segment"),
    pytest.param(lambda: rk.enumerate_regions(O.gaussian_net([3, 2, 1]),
                                              rk.Box(-1, 1, dim=2)), id="dimension-mismatch"),
    pytest.param(lambda: rk.enumerate_regions(O.gaussian_net([3, 2, 1]),
                                              rk.Plane(np.zeros(4), np.eye(4)[0], np.eye(4)[1])),
                 id="slice-dimension-mismatch"),
])
def test_bad_domains_raise_domain_error(build):
    with pytest.raises(rk.DomainError):
        build()


@pytest.mark.parametrize("kwargs", [{"method": "simplex"}, {"max_regions": 0}, {"tol": 0.5},
                                    {"tol": -1e-9}])
def test_bad_options_raise_regionkit_error(kwargs):
    with pytest.raises(rk.RegionkitError):
        rk.enumerate_regions(O.gaussian_net([2, 3, 1]), rk.Box(-1, 1, dim=2), **kwargs)


def test_malformed_files_raise_network_file_error(tmp_path):
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a zip archive")
    np.savez(tmp_path / "no_bias.npz", W0=np.ones((2, 2)))
    np.savez(tmp_path / "no_weights.npz", foo=np.ones(2))
    np.savez(tmp_path / "bad_shapes.npz", W0=np.ones((3, 2)), b0=np.zeros(3),
             W1=np.ones((1, 2)), b1=np.zeros(1))
    for name in ("garbage", "no_bias", "no_weights", "bad_shapes", "missing"):
        with pytest.raises(rk.NetworkFileError):
            rk.load_network(tmp_path / f"{name}.npz")
    for name in ("garbage", "no_bias", "missing"):
        with pytest.raises(rk.NetworkFileError):
            rk.RegionSet.load(tmp_path / f"{name}.npz")


# --- files -----------------------------------------------------------------------------------

def _plane5():
    return rk.Plane.through(*np.random.default_rng(3).normal(size=(3, 5)))


@pytest.mark.parametrize("arch, domain_factory, kwargs", [
    pytest.param([2, 8, 8, 1], lambda: rk.Box([-1, -2], [2, 1]), {}, id="box2"),
    pytest.param([2, 8, 8, 1], lambda: rk.Polytope([[1, 1], [-1, 0], [0, -1]], [1, 1, 1]), {},
                 id="polytope"),
    pytest.param([5, 8, 8, 1], lambda: rk.Segment(np.zeros(5), np.ones(5)), {}, id="segment"),
    pytest.param([5, 8, 8, 1], _plane5, {}, id="plane"),
    pytest.param([3, 8, 8, 1], lambda: rk.Box(-1, 1, dim=3), {}, id="box3"),
    pytest.param([3, 8, 8, 1], lambda: rk.Box(-1, 1, dim=3), {"method": "lp"}, id="box3-lp"),
    pytest.param([2, 12, 12, 1], lambda: rk.Box(-1, 1, dim=2), {"max_regions": 20},
                 id="incomplete"),
])
def test_regionset_round_trip(tmp_path, arch, domain_factory, kwargs):
    net = O.gaussian_net(arch, ["leaky_relu:0.25", "hard_tanh", "identity"], seed=4)
    domain = domain_factory()
    rs = rk.enumerate_regions(net, domain, **kwargs)
    rs.save(tmp_path / "rs.npz")
    back = rk.RegionSet.load(tmp_path / "rs.npz")
    assert (back.n_regions, back.per_layer, back.stop_reason, back.kind) == \
        (rs.n_regions, rs.per_layer, rs.stop_reason, rs.kind)
    for name in ("patterns", "ineq_offsets", "ineq_A", "ineq_b", "ineq_labels",
                 "interior_points", "chebyshev_radii", "output_M", "output_m", "depth"):
        np.testing.assert_array_equal(getattr(back, name), getattr(rs, name), err_msg=name)
    assert type(back.domain) is type(domain)
    t = domain.sample(200, rng=0)
    np.testing.assert_array_equal(back.domain.to_input(t), domain.to_input(t))
    np.testing.assert_array_equal(back.locate(t), rs.locate(t))
    for W, W2 in zip(back.network.weights, net.weights):
        np.testing.assert_array_equal(W, W2)
    assert back.network.activations == net.activations


def test_network_round_trip(tmp_path):
    net = O.gaussian_net([3, 5, 4, 4, 2], ["leaky_relu:0.3", "hard_tanh", "relu", "identity"],
                         seed=9)
    net.save(tmp_path / "net.npz")
    back = rk.load_network(tmp_path / "net.npz")
    assert back.activations == net.activations
    assert back.activation_names() == ["leaky_relu:0.3", "hard_tanh", "relu", "identity"]
    for a, b in zip(back.weights + back.biases, net.weights + net.biases):
        np.testing.assert_array_equal(a, b)
    X = np.random.default_rng(0).normal(size=(100, 3))
    np.testing.assert_array_equal(back.forward(X), net.forward(X))


@pytest.mark.parametrize("method", ["lp", "auto"])
def test_time_limit_is_kept_inside_a_single_large_split(method):
    # One root region cut by a wide first layer (107 683 regions): the split must honour the
    # budget (it used to run to completion, ~6 s, ignoring time_limit). The LP form splits
    # the layer in one call, so it stops inside that split with the root whole; the vertex
    # form cuts by the first units first (widesplit) and runs the pieces depth first, so it
    # may stop in either pass: the leaves of the pieces done, the other pieces whole.
    rng = np.random.default_rng(0)
    W, c = rng.normal(size=(24, 6)), 0.5 * rng.normal(size=24)
    net = rk.Network.from_arrays([W, np.ones((1, 24))], [c, np.zeros(1)])
    start = time.perf_counter()
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=6), time_limit=0.05, method=method)
    assert time.perf_counter() - start < 2.0
    assert not rs.complete and rs.stop_reason == "time_limit"
    if method == "lp":
        assert rs.n_regions == 1 and rs.depth.tolist() == [0]
    else:
        assert 1 <= rs.n_regions < 107_683 and set(rs.depth.tolist()) <= {0, 2}
        assert rs.stopped_in["first_layer"] == 1


@pytest.mark.parametrize("cap", [1, 5, 40, 100])
def test_max_regions_caps_the_partition(cap):
    net = torch_default([2, 12, 12, 12, 1], seed=0)
    full = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2), max_regions=cap)
    assert full.n_regions > 100
    assert rs.n_regions <= cap and not rs.complete and rs.stop_reason == "max_regions"
    assert rs.volumes().sum() == pytest.approx(4.0)  # still a partition of the domain


@pytest.mark.parametrize("on_interrupt", ["raise", "return"])
def test_ctrl_c_keeps_a_partition(on_interrupt):
    # SIGINT half-way through: the run raises rk.Interrupted (a KeyboardInterrupt, so a loop
    # stops) holding what it found, or returns it; either way marked interrupted, and the
    # regions still tile the domain (volumes sum to the box's; every point has one owner).
    import os
    import signal
    import threading

    net = torch_default([3, 96, 96, 96, 1], seed=0)  # about 3 s on 2 cores: stopped well before
    before = signal.getsignal(signal.SIGINT)
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    try:
        if on_interrupt == "raise":
            with pytest.raises(KeyboardInterrupt) as stop:
                rk.enumerate_regions(net, rk.Box(-1, 1, dim=3))
            assert isinstance(stop.value, rk.Interrupted)
            rs = stop.value.partial
        else:
            rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=3), on_interrupt="return")
    finally:
        timer.cancel()
    assert not rs.complete and rs.stop_reason == "interrupted"
    assert rs.volumes().sum() == pytest.approx(8.0)
    assert signal.getsignal(signal.SIGINT) is before  # the previous handler is back


def test_bad_on_interrupt_is_refused():
    with pytest.raises(rk.RegionkitError, match="on_interrupt"):
        rk.enumerate_regions(torch_default([2, 3, 1], seed=0), rk.Box(-1, 1, dim=2),
                             on_interrupt="ignore")
