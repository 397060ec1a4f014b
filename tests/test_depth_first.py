"""Depth first: regions run through the remaining layers inside the core (csrc/dfs.hpp).

The depth-first phase must give the layer-by-layer result array by array (same regions, same
order, same patterns and per-layer counts; maps and geometry equal to rounding, as it sums in
another order) for every activation and geometry, and the same result bit for bit on any
number of threads; keep="patterns" and keep="count" must agree with keep="regions" on what they
keep; budgets must leave valid partitions that do not depend on the number of threads.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_workers import (
    ACTIVATIONS,
    CUSTOM,
    assert_equivalent,
    assert_same,
    assert_valid_partition,
    make_net,
)

import regionkit as rk
from regionkit.core import _core
from regionkit.core.frontier import Frontier
from regionkit.core.geometry import Geometry
from regionkit.errors import CoreInputError
from regionkit.model.activations import core_table, relu
from regionkit.regions import engine, widesplit

# (input dimension, hidden widths, method): 1-D to 8-D, a few hundred regions each.
CASES = [(1, [24, 24, 24], "auto"), (2, [12, 12, 12], "auto"), (3, [8, 8, 8], "auto"),
         (4, [6, 6, 6], "auto"), (5, [6, 6, 5], "auto"), (6, [6, 5, 4], "auto"),
         (7, [6, 4, 3], "auto"), (8, [6, 4, 3], "auto"), (3, [8, 8, 8], "lp"),
         (4, [6, 6, 6], "vertex")]


def run(net, domain, *, roots=4, workers=1, batch=1, **kwargs):
    """enumerate_regions going depth first once the frontier holds `roots` regions
    (roots=None: never, the layer-by-layer split, no two-pass split of wide layers either),
    threads claiming `batch` roots."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(engine, "DFS_MIN_ROOTS", 1 << 62 if roots is None else roots)
        if roots is None:
            mp.setattr(widesplit, "SPLIT_MIN_PIECES", 1 << 62)
        mp.setattr(engine, "DFS_BATCH_ROOTS", batch)
        return rk.enumerate_regions(net, domain, workers=workers, **kwargs)


@st.composite
def nets(draw):
    n_in, widths, method = draw(st.sampled_from(CASES))
    elementwise = st.sampled_from(ACTIVATIONS[:4])
    acts = [draw(elementwise), draw(st.sampled_from(ACTIVATIONS)), draw(elementwise)]
    net = make_net(n_in, widths, acts, draw(st.integers(0, 10_000)))
    return net, rk.Box(-1, 1, dim=n_in), method


@settings(max_examples=40)
@given(nets(), st.sampled_from([1, 4, 50]), st.sampled_from([(1, 1), (2, 1), (4, 3)]))
def test_depth_first_equals_layer_by_layer(case, roots, threads):
    net, domain, method = case
    workers, batch = threads
    bfs = run(net, domain, roots=None, method=method)
    dfs = run(net, domain, roots=roots, workers=workers, batch=batch, method=method)
    assert_equivalent(bfs, dfs)
    if workers > 1:
        assert_same(run(net, domain, roots=roots, method=method), dfs)
    counted = run(net, domain, roots=roots, workers=workers, batch=batch, method=method,
                  keep="count")
    assert (counted.n_regions, counted.per_layer, counted.complete) == (
        bfs.n_regions, bfs.per_layer, True)
    kept = run(net, domain, roots=roots, workers=workers, batch=batch, method=method,
               keep="patterns")
    np.testing.assert_array_equal(kept.patterns, bfs.patterns)
    np.testing.assert_array_equal(kept.depth, bfs.depth)
    # Each kept point lies inside its region: the network's pattern there is the region's.
    pattern = net.pattern(domain.to_input(kept.interior_points)).astype(bool)
    np.testing.assert_array_equal(kept.pattern_bits(), pattern)


def test_every_dimension_goes_depth_first():
    for n_in, widths, method in CASES:
        net = make_net(n_in, widths, ["relu", "hard_tanh", CUSTOM], seed=n_in)
        domain = rk.Box(-1, 1, dim=n_in)
        bfs = run(net, domain, roots=None, method=method)
        assert bfs.n_regions > 20, (n_in, bfs.per_layer)
        for roots in (1, 64):
            assert_equivalent(bfs, run(net, domain, roots=roots, workers=2, method=method))


@pytest.mark.parametrize("keep", ["patterns", "count"])
def test_measures_needing_geometry_refuse_with_the_reason(keep, tmp_path):
    net = make_net(2, [8, 8], ["relu", "relu"], seed=3)
    rs = run(net, rk.Box(-1, 1, dim=2), keep=keep)
    assert rs.keep == keep and f"keep='{keep}'" in repr(rs)
    for call in (rs.volumes, rs.adjacency, rs.face_counts, lambda: rs.inequalities(0),
                 lambda: rs.outputs(np.zeros((1, 2)), [0]), lambda: rs.chebyshev_radii):
        with pytest.raises(rk.RegionkitError, match="keep='regions'"):
            call()
    if keep == "count":
        with pytest.raises(rk.RegionkitError, match="keep='patterns'"):
            rs.interior_points
        assert rs.patterns is None and rs.depth is None
    rs.save(tmp_path / "kept.npz")
    back = rk.RegionSet.load(tmp_path / "kept.npz")
    assert (back.keep, back.n_regions, back.per_layer) == (keep, rs.n_regions, rs.per_layer)
    if keep == "patterns":
        np.testing.assert_array_equal(back.patterns, rs.patterns)
        np.testing.assert_array_equal(back.interior_points, rs.interior_points)


def test_bad_keep_is_refused():
    with pytest.raises(rk.RegionkitError, match="keep"):
        rk.enumerate_regions(make_net(2, [3], ["relu"], 0), rk.Box(-1, 1, dim=2), keep="all")


@pytest.mark.parametrize("n_in,widths", [(2, [16, 16, 16]), (4, [8, 8, 8])])
def test_max_regions_in_the_depth_first_phase(n_in, widths):
    """A region budget stops the depth-first phase with the leaves of the roots done and the
    roots not done, whole: a valid partition within the budget, the same on any number of
    threads, and the same counts whatever is kept."""
    net = make_net(n_in, widths, ["relu", "leaky_relu:0.2", "hard_tanh"], seed=n_in)
    domain = rk.Box(-1, 1, dim=n_in)
    full = run(net, domain)
    for cap in np.linspace(full.per_layer[0] + 1, full.n_regions - 1, 5).astype(int).tolist():
        serial = run(net, domain, max_regions=cap)
        assert serial.n_regions <= cap and serial.stop_reason == "max_regions"
        assert_valid_partition(serial, net, domain)
        for workers, batch in ((2, 1), (4, 3)):
            assert_same(serial, run(net, domain, workers=workers, batch=batch, max_regions=cap))
        counted = run(net, domain, max_regions=cap, keep="count")
        assert counted.n_regions == serial.n_regions and counted.stop_reason == "max_regions"


@pytest.mark.parametrize("workers", [1, 2])
def test_time_limit_in_the_depth_first_phase_keeps_a_partition(workers):
    # A wide first pass makes 1 628 roots; the whole run takes about 0.17 s on the 2-core
    # reference machine, on one thread or two: the limit stops it among the roots.
    net = make_net(3, [48, 48, 48], ["relu"] * 3, seed=1)
    domain = rk.Box(-1, 1, dim=3)
    rs = run(net, domain, roots=2, workers=workers, time_limit=0.03)
    assert not rs.complete and rs.stop_reason == "time_limit"
    assert rs.stopped_in["split"] < rs.stopped_in["inputs"] == 1628
    assert_valid_partition(rs, net, domain)


def test_repeated_depth_first_runs_are_identical():
    """No races: 40 runs on four threads equal the serial run."""
    net = make_net(2, [24, 24, 24], ["relu", "hard_tanh", "leaky_relu:0.2"], seed=7)
    domain = rk.Box(-1, 1, dim=2)
    serial = run(net, domain, roots=8)
    for k in range(40):
        assert_same(serial, run(net, domain, roots=8, workers=4, batch=1 + k % 3))


def test_core_rejects_bad_depth_first_input():
    root = Frontier.root(Geometry.POLYGONS, rk.Box(-1, 1, dim=2), rk.Tolerance())
    maps = {"M": np.eye(2)[None], "m": np.zeros((1, 2)), "S": np.ones((1, 2)),
            "R": np.ones(2)}
    layer = (np.eye(2), np.zeros(2), core_table(relu()), 0)
    prefix = np.zeros((1, 0), np.uint8)
    args = (1e-10, 0.0, 1 << 62, 1.0)
    with pytest.raises(CoreInputError, match="keep"):
        _core.expand_roots(Geometry.POLYGONS, root.data, maps, [layer], prefix, "all", *args)
    with pytest.raises(CoreInputError, match="at least one layer"):
        _core.expand_roots(Geometry.POLYGONS, root.data, maps, [], prefix, "regions", *args)
    with pytest.raises(CoreInputError, match="prefix"):
        _core.expand_roots(Geometry.POLYGONS, root.data, maps, [layer],
                           np.zeros((2, 0), np.uint8), "regions", *args)
    wide = (np.eye(3), np.zeros(3), core_table(relu()), 0)
    with pytest.raises(CoreInputError, match="do not take"):
        _core.expand_roots(Geometry.POLYGONS, root.data, maps, [wide], prefix, "regions", *args)
    with pytest.raises(CoreInputError, match="call_leaves"):
        _core.expand_roots(Geometry.POLYGONS, root.data, maps, [layer], prefix, "count", *args,
                           call_leaves=0)
    done, leaves, *_ = _core.expand_roots(Geometry.POLYGONS, root.data, maps, [layer], prefix,
                                          "count", *args)
    assert (done, leaves) == (1, 4)


def _calls(monkeypatch, net, domain, call_leaves, workers):
    """(the result, (roots done, leaves) of every depth-first core call) with CALL_LEAVES
    set to call_leaves."""
    calls, expand = [], _core.expand_roots

    def spy(*args, **kwargs):
        out = expand(*args, **kwargs)
        calls.append(out[:2])
        return out
    monkeypatch.setattr(engine, "CALL_LEAVES", call_leaves)
    monkeypatch.setattr(engine._core, "expand_roots", spy)
    return run(net, domain, roots=4, workers=workers), calls


@pytest.mark.parametrize("n_in", [2, 3])
def test_a_call_returns_once_its_roots_hold_call_leaves(monkeypatch, n_in):
    """A depth-first call stops claiming roots at CALL_LEAVES leaves: one thread overshoots
    by at most its last root; the result does not depend on where the calls end."""
    net, domain = make_net(n_in, [8, 8, 8], ["relu"] * 3, 3), rk.Box(-1, 1, dim=n_in)
    whole, _ = _calls(monkeypatch, net, domain, 1 << 40, 1)
    single, per_root = _calls(monkeypatch, net, domain, 1, 1)
    assert all(done == 1 for done, _ in per_root)  # one root a call
    biggest = max(leaves for _, leaves in per_root)
    capped, calls = _calls(monkeypatch, net, domain, 30, 1)
    assert len(calls) > 1 and all(leaves < 30 + biggest for _, leaves in calls)
    threaded, _ = _calls(monkeypatch, net, domain, 30, 2)
    for rs in (single, capped, threaded):
        assert_same(whole, rs)



@pytest.mark.parametrize("geometry,n_in", [(Geometry.POLYGONS, 2), (Geometry.VERTEX, 3)])
def test_maps_from_the_parents_are_the_splits_maps(geometry, n_in):
    """A layer that may go depth first keeps its parents' pre-activations instead of its
    regions' maps: child_maps makes the split's maps from them bit for bit, and roots
    expanded from them give the leaves of roots given their maps."""
    net = make_net(n_in, [10, 8, 6], ["hard_tanh", "relu", CUSTOM], seed=n_in)
    domain = rk.Box(-1, 1, dim=n_in)
    root = Frontier.root(geometry, domain, rk.Tolerance())
    maps = domain.input_map()
    R = maps.pop("R")
    maps = {k: v[None] for k, v in maps.items()}
    args = (1e-10, 0.0, 0, 1 << 62, 10.0)
    layer0 = (net.weights[0], net.biases[0], core_table(net.activations[0]))
    split = _core.split_frontier(geometry, root.data, {**maps, "R": R}, *layer0, *args)
    lazy = _core.split_frontier(geometry, root.data, {**maps, "R": R}, *layer0, *args,
                                parent_maps=True)
    _, children, child_maps, bits, parent, _ = split
    assert lazy[2]["M"].shape[0] == 1 and len(lazy[4]) == len(parent) > 10
    for k in ("M", "m", "S"):
        np.testing.assert_array_equal(
            _core.child_maps({**lazy[2], "R": R}, parent, bits, *layer0)[k], child_maps[k])
    offsets = net.layer_hyperplane_offsets()
    layers = [(net.weights[k], net.biases[k], core_table(net.activations[k]), int(offsets[k]))
              for k in range(1, net.n_layers)]
    prefix = bits.copy()
    given = _core.expand_roots(geometry, children, {**child_maps, "R": R}, layers, prefix,
                               "regions", 1e-10, 0.0, 1 << 62, 10.0, workers=2, batch=3)
    made = _core.expand_roots(geometry, children, {**lazy[2], "R": R}, layers, prefix,
                              "regions", 1e-10, 0.0, 1 << 62, 10.0, workers=2, batch=3,
                              source=(*layer0, parent, bits))
    assert given[:2] == made[:2] and given[6] == made[6]
    for part in (2, 3):
        for k in given[part]:
            np.testing.assert_array_equal(made[part][k], given[part][k], err_msg=k)
    np.testing.assert_array_equal(made[4], given[4])
    with pytest.raises(CoreInputError, match="parent index"):
        _core.child_maps({**lazy[2], "R": R}, parent + 1, bits, *layer0)


def test_cli_count_keep_and_a_depth_first_stop(monkeypatch):
    import json

    from click.testing import CliRunner

    from regionkit.cli import EXIT_BUDGET, main

    runner = CliRunner()
    full = json.loads(runner.invoke(main, ["count", "--example", "2d", "--json"]).stdout)
    for keep in ("patterns", "count"):
        res = runner.invoke(main, ["count", "--example", "2d", "--keep", keep, "--json"])
        assert res.exit_code == 0, res.output
        out = json.loads(res.stdout)
        assert (out["n_regions"], out["keep"], out["graph"]) == (full["n_regions"], keep,
                                                                  "not asked")
    res = runner.invoke(main, ["count", "--example", "2d", "--keep", "count", "--graph"])
    assert res.exit_code == 2 and "--keep regions" in res.output
    monkeypatch.setattr(engine, "DFS_MIN_ROOTS", 4)
    res = runner.invoke(main, ["count", "--example", "2d", "--max-regions", "600"])
    assert res.exit_code == EXIT_BUDGET
    line = next(t for t in res.output.splitlines() if t.startswith("per layer:"))
    assert "layers 2-4 incomplete, run depth first" in line and line.split()[2] == "161"


@pytest.mark.parametrize("n_in", [5, 6, 7, 8])
def test_vertex_form_in_high_dimensions_against_lp_and_brute_force(n_in):
    """The vertex form (default up to 5-D, on request above) and the LP form find the same
    regions as brute force over sign patterns, depth first on two threads."""
    from oracles import brute_force_regions

    net = make_net(n_in, [5, 4], ["relu", "hard_tanh"], seed=n_in)
    domain = rk.Box(-1, 1, dim=n_in)
    truth = set(brute_force_regions(net, domain))
    assert len(truth) > 10
    for method in ("vertex", "lp"):
        rs = run(net, domain, roots=2, workers=2, method=method)
        assert rs.kind == ("vd" if method == "vertex" else "nd")
        assert {tuple(p) for p in rs.pattern_bits().tolist()} == truth
        assert rs.n_regions == len(truth)
