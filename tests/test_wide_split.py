"""Two-pass splits of wide layers (regions.widesplit) and the canonical region order.

A frontier too small to go depth first, split by a layer whose general-position bound
exceeds SPLIT_MIN_PIECES, is split by the layer's first units only and the pieces go depth
first through the rest: the result must be the one-pass result (same regions in the same
order, same patterns, per-layer counts, rows and labels; floats to rounding, as depth first
sums the next layer's maps in another order), on any number of threads and for every `keep`;
budgets must leave valid partitions. Regions come out in descending lexicographic order of
their patterns (2-D and up, elementwise layers), whichever way they were split.
"""
from __future__ import annotations

import numpy as np
import pytest
from test_workers import (
    ACTIVATIONS,
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
from regionkit.model.activations import core_table
from regionkit.regions import engine, widesplit

# (input dimension, hidden widths, method): the first layer alone exceeds a 64-piece first
# split in every case; a few thousand regions each.
CASES = [(2, [40, 12], "auto"), (3, [16, 8], "auto"), (4, [10, 6], "auto"),
         (5, [8, 5], "auto"), (3, [14, 6, 6], "vertex")]


def run(net, domain, *, max_pieces, workers=1, **kwargs):
    """enumerate_regions with two-pass splits from `max_pieces` (None: one pass only)."""
    with pytest.MonkeyPatch.context() as mp:
        # A first pass of at most max_pieces (both bounds), or none at all.
        mp.setattr(widesplit, "SPLIT_MIN_PIECES", 1 << 62 if max_pieces is None else max_pieces)
        mp.setattr(widesplit, "SPLIT_MAX_PIECES", 1 << 62 if max_pieces is None else max_pieces)
        return rk.enumerate_regions(net, domain, workers=workers, **kwargs)


def descending(patterns: np.ndarray) -> bool:
    """Whether packed patterns (little bit order) are in strictly descending lexicographic
    order of their bits, hyperplane by hyperplane."""
    bits = np.unpackbits(patterns, axis=1, bitorder="little")
    rows = [bytes(r) for r in bits]
    return all(a > b for a, b in zip(rows, rows[1:]))


@pytest.mark.parametrize("act", ACTIVATIONS[:4], ids=str)
@pytest.mark.parametrize("n_in, widths, method", CASES)
def test_two_passes_equal_one_pass(n_in, widths, method, act):
    net = make_net(n_in, widths, [act] * len(widths), seed=n_in)
    box = rk.Box(-1, 1, dim=n_in)
    one = run(net, box, max_pieces=None, method=method)
    assert widesplit.first_units(1, widths[0], net.activations[0].bits_per_unit, n_in) is None \
        or one.n_regions > 64
    two = run(net, box, max_pieces=64, method=method)
    assert_equivalent(one, two)
    assert_same(two, run(net, box, max_pieces=64, method=method, workers=2))
    assert descending(one.patterns) and descending(two.patterns)
    for keep in ("patterns", "count"):
        kept = run(net, box, max_pieces=64, method=method, workers=2, keep=keep)
        assert kept.n_regions == two.n_regions and kept.per_layer == two.per_layer
        if keep == "patterns":
            np.testing.assert_array_equal(kept.patterns, two.patterns)


def test_the_first_pass_is_taken_and_bounded(monkeypatch):
    """The first pass splits by as many first units as the bound allows, and the pieces it
    hands to the depth-first phase are at most SPLIT_MAX_PIECES."""
    seen = []
    real = _core.expand_roots

    def spy(geometry, frontier, maps, layers, prefix, *args, **kwargs):
        seen.append((len(prefix), kwargs.get("fixed")))
        return real(geometry, frontier, maps, layers, prefix, *args, **kwargs)

    monkeypatch.setattr(_core, "expand_roots", spy)
    monkeypatch.setattr(widesplit, "SPLIT_MIN_PIECES", 500)
    monkeypatch.setattr(widesplit, "SPLIT_MAX_PIECES", 500)
    net = make_net(3, [30, 6], ["relu", "relu"], seed=1)
    rk.enumerate_regions(net, rk.Box(-1, 1, dim=3))
    roots, fixed = seen[0]
    assert fixed is not None and fixed[1] == widesplit.first_units(1, 30, 1, 3)
    assert 1 < roots <= 500 and len(fixed[0]) == roots


def test_arrangement_bound_is_zaslavskys_general_position_count():
    # n lines in general position cut the plane into 1 + n + C(n, 2) regions; n planes in
    # space into 1 + n + C(n, 2) + C(n, 3); fewer hyperplanes than dimensions: 2^n.
    assert [widesplit.arrangement_bound(n, 2) for n in range(5)] == [1, 2, 4, 7, 11]
    assert widesplit.arrangement_bound(4, 3) == 15 and widesplit.arrangement_bound(3, 8) == 8
    assert widesplit.first_units(1, 10, 1, 2) is None


def test_the_first_pass_size():
    """At least SPLIT_MIN_PIECES pieces; more only while the rest of the layer would cut each
    into over ROOT_MAX_PIECES; at most SPLIT_MAX_PIECES (general-position bounds)."""
    def pieces(regions, k, per, dim):
        return regions * widesplit.arrangement_bound(k * per, dim)

    lo, hi, share = (widesplit.SPLIT_MIN_PIECES, widesplit.SPLIT_MAX_PIECES,
                     widesplit.ROOT_MAX_PIECES)
    # A whole layer within the lower bound: one pass.
    assert pieces(1, 64, 1, 2) <= lo and widesplit.first_units(1, 64, 1, 2) is None
    # 256 lines in 2-D: the most units within the lower bound leave 8 pieces a root.
    k = widesplit.first_units(1, 256, 1, 2)
    assert pieces(1, k, 1, 2) <= lo < pieces(1, k + 1, 1, 2)
    assert pieces(1, 256, 1, 2) <= share * pieces(1, k, 1, 2)
    # 256 planes in 3-D: each root would take hundreds, so up to the upper bound.
    k = widesplit.first_units(1, 256, 1, 3)
    assert pieces(1, 256, 1, 3) > share * pieces(1, k, 1, 3)
    assert pieces(1, k, 1, 3) <= hi < pieces(1, k + 1, 1, 3)
    # In between: the first units whose pieces leave at most ROOT_MAX_PIECES a root.
    k = widesplit.first_units(1, 64, 1, 4)
    assert lo < pieces(1, k, 1, 4) <= hi
    assert pieces(1, 64, 1, 4) <= share * pieces(1, k, 1, 4)
    assert pieces(1, 64, 1, 4) > share * pieces(1, k - 1, 1, 4)
    # Several regions and breakpoints count as such.
    k = widesplit.first_units(3, 1000, 2, 3)
    assert pieces(3, k, 2, 3) <= hi < pieces(3, k + 1, 2, 3)


@pytest.mark.parametrize("n_in", [2, 3, 4])
def test_region_order_is_descending_lexicographic(n_in):
    """Layer by layer, depth first or in two passes, regions come out in the same order."""
    net = make_net(n_in, [12, 10, 8], ["relu", "hard_tanh", "leaky_relu:0.2"], seed=7)
    box = rk.Box(-1, 1, dim=n_in)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(engine, "DFS_MIN_ROOTS", 1 << 62)
        bfs = run(net, box, max_pieces=None)
    assert descending(bfs.patterns)
    np.testing.assert_array_equal(bfs.patterns, run(net, box, max_pieces=32).patterns)


@pytest.mark.parametrize("workers", [1, 2])
def test_budgets_in_a_two_pass_split_leave_valid_partitions(workers):
    """Under a region budget the stop is valid and the same on any number of threads
    (the first pass runs on one thread then: a threaded split may refuse what one allows).
    The wide layer is the second: its first pass splits a frontier of many regions."""
    net = make_net(2, [16, 40, 8], ["relu", "leaky_relu:0.2", "hard_tanh"], seed=3)
    box = rk.Box(-1, 1, dim=2)
    full = run(net, box, max_pieces=4096)
    for cap in (5, 300, full.n_regions // 3, full.n_regions - 1):  # 5: the first pass stops
        rs = run(net, box, max_pieces=4096, workers=workers, max_regions=cap)
        assert rs.stop_reason == "max_regions" and rs.n_regions <= cap
        assert_valid_partition(rs, net, box)
        assert len({p.tobytes() for p in rs.patterns}) == rs.n_regions
        assert_same(rs, run(net, box, max_pieces=4096, workers=4, max_regions=cap))
    rs = run(net, box, max_pieces=4096, workers=workers, time_limit=0.0)
    assert rs.stop_reason == "time_limit"
    assert_valid_partition(rs, net, box)


@pytest.mark.parametrize("keep", ["regions", "patterns"])
def test_a_store_keeps_a_two_pass_run_and_resumes_it(tmp_path, monkeypatch, keep):
    """With a store the wide layer goes in two passes too: the store equals the in-memory
    run, a budget stop stores the pieces not done (with their first units' bits), and
    resuming ends where an uninterrupted run does."""
    pytest.importorskip("pyarrow")
    from test_store import assert_stored

    from regionkit.regions import store

    monkeypatch.setattr(engine, "CHUNK_REGIONS", 4)
    monkeypatch.setattr(store, "SHARD_REGIONS", 1)
    net = make_net(3, [24, 8], ["relu", "hard_tanh"], seed=3)
    box = rk.Box(-1, 1, dim=3)
    ref = run(net, box, max_pieces=64, keep=keep)
    assert_equivalent(run(net, box, max_pieces=None), run(net, box, max_pieces=64))
    stored = run(net, box, max_pieces=64, keep=keep, store=tmp_path / "s")
    assert len(stored.files) > 3
    assert_stored(ref, stored)
    # Budgets under and over the first pass's pieces: the same roots whatever the budget,
    # so a resumed run without it finds the store's.
    for cap in (5, ref.n_regions // 2):
        part = run(net, box, max_pieces=64, keep=keep, max_regions=cap)
        assert part.depth.min() == 0  # the domain, or first-pass pieces, kept whole
        s2 = tmp_path / f"s{cap}"
        assert_stored(part, run(net, box, max_pieces=64, keep=keep, max_regions=cap,
                                store=s2))
        assert_stored(ref, run(net, box, max_pieces=64, keep=keep, store=s2))


def test_core_rejects_bad_fixed_hyperplanes():
    net = make_net(2, [6], ["relu"], seed=0)
    box = rk.Box(-1, 1, dim=2)
    frontier = Frontier.root(Geometry.POLYGONS, box, rk.Tolerance()).data
    maps = {k: (v if k == "R" else v[None]) for k, v in box.input_map().items()}
    layers = [(net.weights[0], net.biases[0], core_table(net.activations[0]), 0)]
    prefix = np.zeros((1, 2), np.uint8)
    args = (Geometry.POLYGONS, frontier, maps, layers, prefix, "count", 1e-10, 0.0, 100, 1.0)
    _core.expand_roots(*args, fixed=(np.array([0]), 2))  # well formed
    for fixed, match in (((np.array([0]), 7), "at most"), ((np.array([5]), 1), "out of range")):
        with pytest.raises(CoreInputError, match=match):
            _core.expand_roots(*args, fixed=fixed)
    source = (net.weights[0], net.biases[0], core_table(net.activations[0]), np.array([0]), prefix)
    with pytest.raises(CoreInputError, match="together"):
        _core.expand_roots(*args, source=source, fixed=(np.array([0]), 1))
