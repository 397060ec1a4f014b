"""Threads: enumerate_regions(workers=...) gives the same regions, bit for bit, on any number.

Every array of the RegionSet is compared between workers = 1, 2 and 4 on random nets of every
activation kind (maxout layers mixed in) and geometry, complete and stopped by max_regions
(the threaded split stops exactly where the serial one does); small batches make even small
frontiers run on several threads. A run stopped by time is checked to be a partition of the
domain whose regions have the network's patterns; repeated runs check for races.
"""
from __future__ import annotations

import json
import os

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import regionkit as rk
from regionkit.cli import main
from regionkit.core import _core
from regionkit.core.frontier import Frontier
from regionkit.core.geometry import Geometry
from regionkit.errors import CoreInputError
from regionkit.model.activations import core_table, relu
from regionkit.regions import engine

FIELDS = ["patterns", "ineq_offsets", "ineq_A", "ineq_b", "ineq_labels", "vertex_offsets",
          "vertices", "incidence_offsets", "incidence", "output_M", "output_m", "depth",
          "interior_points", "chebyshev_radii"]

# A custom continuous table: slopes 0.2, 1, -0.3 meeting at -0.5 and 0.5.
CUSTOM = rk.PiecewiseLinear(breakpoints=[-0.5, 0.5], slopes=[0.2, 1.0, -0.3],
                            offsets=[-0.4, 0.0, 0.65])
ACTIVATIONS = ["relu", "leaky_relu:0.2", "hard_tanh", CUSTOM, "maxout:2"]

# (input dimension, hidden widths, domain, enumerate_regions options): each builds frontiers
# of a few hundred regions, several default batches, in milliseconds.
CASES = [
    (1, [40, 40, 40], rk.Box(-3, 3, dim=1), {}),
    (2, [16, 16, 16], rk.Box(-1, 1, dim=2), {}),
    (3, [10, 10, 10], rk.Box(-1, 1, dim=3), {}),
    (4, [8, 8, 8], rk.Box(-1, 1, dim=4), {}),
    (5, [7, 7, 7], rk.Box(-1, 1, dim=5), {}),
    (3, [10, 10, 10], rk.Box(-1, 1, dim=3), {"method": "lp"}),
]


def make_net(n_in: int, widths: list[int], acts: list, seed: int) -> rk.Network:
    """Gaussian weights (variance 1/fan_in), biases N(0, 0.25); maxout:2 units take two rows."""
    rng = np.random.default_rng(seed)
    Ws, bs, prev = [], [], n_in
    for w, act in zip(widths, acts):
        rows = 2 * w if act == "maxout:2" else w
        Ws.append(rng.normal(size=(rows, prev)) / np.sqrt(prev))
        bs.append(0.5 * rng.normal(size=rows))
        prev = w
    Ws.append(rng.normal(size=(1, prev)))
    bs.append(np.zeros(1))
    return rk.Network.from_arrays(Ws, bs, list(acts) + ["identity"])


def enumerate_with(net, domain, *, workers, batch=engine.BATCH_REGIONS, **kwargs):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(engine, "BATCH_REGIONS", batch)
        return rk.enumerate_regions(net, domain, workers=workers, **kwargs)


def assert_same(a: rk.RegionSet, b: rk.RegionSet) -> None:
    for name in FIELDS:
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None), name
        if x is not None:
            assert x.dtype == y.dtype and x.shape == y.shape, name
            np.testing.assert_array_equal(x, y, err_msg=name)
    assert (a.per_layer, a.stop_reason, a.kind) == (b.per_layer, b.stop_reason, b.kind)


# Layer by layer and depth first sum a region's pre-activations in different orders (depth
# first adds the units a split cut to sums shared by its children), so their floats agree to
# rounding: within COMPOSITION_RTOL of each array's largest magnitude. Integers (patterns,
# offsets, labels, incidences, depths) and counts agree exactly.
COMPOSITION_RTOL = 1e-11


def assert_equivalent(a: rk.RegionSet, b: rk.RegionSet) -> None:
    for name in FIELDS:
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None), name
        if x is None:
            continue
        assert x.dtype == y.dtype and x.shape == y.shape, name
        if np.issubdtype(x.dtype, np.floating) and x.size:
            scale = COMPOSITION_RTOL * max(1.0, float(np.abs(x).max()))
            np.testing.assert_allclose(x, y, rtol=0, atol=scale, err_msg=name)
        else:
            np.testing.assert_array_equal(x, y, err_msg=name)
    assert (a.per_layer, a.stop_reason, a.kind) == (b.per_layer, b.stop_reason, b.kind)


def threaded_layers(net: rk.Network, rs: rk.RegionSet, batch: int) -> int:
    """Layers the core split on several threads: those given two batches of regions or more
    (a maxout layer's clips of their copies)."""
    return sum(n >= 2 * batch and act.bits_per_unit > 0
               for n, act in zip(rs.per_layer[:-1], net.activations[1:]))


def assert_valid_partition(rs: rk.RegionSet, net: rk.Network, domain: rk.Domain) -> None:
    """Each region's pattern is the network's at its interior point on every layer that split
    it; the volumes add up to the domain's."""
    known = net.layer_hyperplane_offsets()[rs.depth]
    cols = np.arange(net.n_hyperplanes)[None, :] < known[:, None]
    pattern = net.pattern(domain.to_input(rs.interior_points)).astype(np.uint8)
    np.testing.assert_array_equal(rs.pattern_bits() & cols, pattern & cols)
    assert rs.volumes().sum() == pytest.approx(domain.volume, rel=1e-9)


@st.composite
def nets(draw):
    case = draw(st.sampled_from(range(len(CASES))))
    n_in, widths, domain, kwargs = CASES[case]
    # Elementwise first and last hidden layers (the core splits those); any in between.
    elementwise = st.sampled_from(ACTIVATIONS[:4])
    acts = [draw(elementwise), draw(st.sampled_from(ACTIVATIONS)), draw(elementwise)]
    net = make_net(n_in, widths, acts, draw(st.integers(0, 10_000)))
    return net, domain, kwargs


@settings(max_examples=60)
@given(nets(), st.sampled_from([3, engine.BATCH_REGIONS]))
def test_workers_give_the_same_regions(case, batch):
    net, domain, kwargs = case
    serial = enumerate_with(net, domain, workers=1, **kwargs)
    assert serial.complete
    for workers in (2, 4):
        assert_same(serial, enumerate_with(net, domain, workers=workers, batch=batch, **kwargs))
    if batch == 3:
        assert threaded_layers(net, serial, batch) >= 1


@pytest.mark.parametrize("case", range(len(CASES)), ids=[
    f"{c[0]}d-{c[3].get('method', 'auto')}" for c in CASES])
def test_max_regions_stops_where_the_serial_split_does(case):
    n_in, widths, domain, kwargs = CASES[case]
    net = make_net(n_in, widths, ["relu", "hard_tanh", CUSTOM], seed=case)
    full = enumerate_with(net, domain, workers=1, **kwargs)
    for cap in np.linspace(1, full.n_regions - 1, 6).astype(int).tolist():
        serial = enumerate_with(net, domain, workers=1, max_regions=cap, **kwargs)
        for workers, batch in ((2, 3), (4, 3), (4, engine.BATCH_REGIONS)):
            rs = enumerate_with(net, domain, workers=workers, batch=batch, max_regions=cap,
                                **kwargs)
            assert rs.n_regions <= cap and rs.stop_reason == "max_regions"
            assert_same(serial, rs)
        if n_in <= 4:
            assert_valid_partition(serial, net, domain)


@pytest.mark.parametrize("workers", [2, 4])
@pytest.mark.parametrize("time_limit", [0.0, 0.003])
def test_time_limit_keeps_a_partition(workers, time_limit):
    net = make_net(3, [32, 32, 32], ["relu"] * 3, seed=1)  # about 0.1 s in all
    domain = rk.Box(-1, 1, dim=3)
    rs = enumerate_with(net, domain, workers=workers, batch=4, time_limit=time_limit)
    assert not rs.complete and rs.stop_reason == "time_limit"
    assert_valid_partition(rs, net, domain)


def test_repeated_runs_are_identical():
    """No races: 100 runs on four threads, with large and small batches, some under a region
    budget, all equal to the serial run."""
    net = make_net(2, [32, 32, 32], ["relu", "leaky_relu:0.2", "hard_tanh"], seed=7)
    domain = rk.Box(-1, 1, dim=2)
    full = enumerate_with(net, domain, workers=1)
    capped = enumerate_with(net, domain, workers=1, max_regions=full.n_regions // 2)
    assert threaded_layers(net, full, engine.BATCH_REGIONS) >= 2
    for run in range(100):
        batch = engine.BATCH_REGIONS if run % 2 else 4
        if run % 5 == 0:
            assert_same(capped, enumerate_with(net, domain, workers=4, batch=batch,
                                               max_regions=full.n_regions // 2))
        else:
            assert_same(full, enumerate_with(net, domain, workers=4, batch=batch))


@pytest.mark.parametrize("workers", [0, -1, True, False, 1.5, "2", [2]])
def test_bad_workers_raise(workers):
    with pytest.raises(rk.RegionkitError, match="workers"):
        rk.enumerate_regions(make_net(2, [3], ["relu"], 0), rk.Box(-1, 1, dim=2),
                             workers=workers)


def test_workers_default_to_every_usable_core():
    assert engine.resolve_workers(None) == len(os.sched_getaffinity(0))
    assert engine.resolve_workers(np.int64(3)) == 3


@pytest.mark.parametrize("bad", [{"workers": 0}, {"batch": 0}])
def test_core_rejects_bad_thread_options(bad):
    root = Frontier.root(Geometry.POLYGONS, rk.Box(-1, 1, dim=2), rk.Tolerance())
    maps = {"M": np.eye(2)[None], "m": np.zeros((1, 2)), "S": np.ones((1, 2)),
            "R": np.ones(2)}
    with pytest.raises(CoreInputError, match="at least 1"):
        _core.split_frontier(Geometry.POLYGONS, root.data, maps, np.eye(2), np.zeros(2),
                             core_table(relu()), 1e-10, 0.0, 0, 1 << 62, 1.0, **bad)


def test_cli_count_workers(tmp_path):
    runner = CliRunner()
    out = {}
    for workers in ("1", "3"):
        res = runner.invoke(main, ["count", "--example", "2d", "--workers", workers, "--json"])
        assert res.exit_code == 0, res.output
        out[workers] = json.loads(res.output)
        out[workers].pop("seconds")
    assert out["1"] == out["3"]
    res = runner.invoke(main, ["count", "--example", "2d", "--workers", "0"])
    assert res.exit_code == 2 and "--workers" in res.output


@pytest.mark.parametrize("method", ["auto", "lp"])
def test_maxout_clips_on_threads_give_the_same_regions(method):
    """A maxout layer's clip of every region copy runs on the threads: same regions, bit for
    bit, on 1, 2 and 4 of them, with batches small enough that each clip is shared."""
    net = make_net(2, [10, 6, 6], ["relu", "maxout:2", "hard_tanh"], seed=3)
    domain = rk.Box(-1, 1, dim=2)
    serial = enumerate_with(net, domain, workers=1, batch=3, method=method)
    assert serial.per_layer[0] >= 6  # the maxout layer is given two batches or more
    for workers in (2, 4):
        assert_same(serial, enumerate_with(net, domain, workers=workers, batch=3,
                                           method=method))
