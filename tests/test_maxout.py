"""Maxout layers (and max pooling in their form): brute force, closed forms, graph, budgets."""
from __future__ import annotations

import numpy as np
import oracles as O
import pytest
from test_betti import by_rank, closure_euler, nerve_betti
from test_engine_bruteforce import assert_matches_brute_force

import regionkit as rk
from regionkit.errors import NetworkError
from regionkit.measures.graph import adjacency
from regionkit.regions import maxout


def maxout_net(n_in: int, units: int, k: int, tail: list[int], seed: int,
               tail_act: str = "relu") -> rk.Network:
    """One maxout layer of `units` units with k pieces, then dense `tail_act` layers."""
    rng = np.random.default_rng(seed)
    Ws = [rng.normal(size=(units * k, n_in))]
    bs = [rng.normal(size=units * k) * 0.5]
    acts = [f"maxout:{k}"]
    prev = units
    for w in tail:
        Ws.append(rng.normal(size=(w, prev)) / np.sqrt(prev))
        bs.append(rng.normal(size=w) * 0.3)
        acts.append(tail_act)
        prev = w
    Ws.append(rng.normal(size=(1, prev)))
    bs.append(np.zeros(1))
    return rk.Network.from_arrays(Ws, bs, acts + ["identity"])


CASES = [
    ("1d-k3", 1, 4, 3, [3], lambda: rk.Box(-2, 2, dim=1)),
    ("2d-k2", 2, 4, 2, [3], lambda: rk.Box(-1, 1, dim=2)),
    ("2d-k3", 2, 3, 3, [3], lambda: rk.Box([-1.0, -0.5], [1.5, 1.0])),
    ("2d-k4", 2, 3, 4, [], lambda: rk.Box(-1, 1, dim=2)),
    ("3d-k3", 3, 3, 3, [2], lambda: rk.Box(-1, 1, dim=3)),
    ("4d-k2", 4, 3, 2, [2], lambda: rk.Box(-1, 1, dim=4)),
    ("plane5-k3", 5, 3, 3, [2], lambda: rk.Plane.through(*np.eye(5)[:3] * 2)),
]


@pytest.mark.parametrize("name, n_in, units, k, tail, domain", CASES,
                         ids=[c[0] for c in CASES])
@pytest.mark.parametrize("method", ["auto", "lp"])
def test_maxout_matches_brute_force(name, n_in, units, k, tail, domain, method):
    net = maxout_net(n_in, units, k, tail, seed=len(name) + 10 * k)
    assert_matches_brute_force(net, domain(), method)


def test_maxout_after_relu_matches_brute_force():
    """A maxout layer deeper in the net splits each region by its own local pieces."""
    rng = np.random.default_rng(5)
    net = rk.Network.from_arrays(
        [rng.normal(size=(4, 2)), rng.normal(size=(6, 4)), rng.normal(size=(1, 2))],
        [rng.normal(size=4) * 0.5, rng.normal(size=6) * 0.5, np.zeros(1)],
        ["relu", "maxout:3", "identity"])
    for method in ("auto", "lp"):
        assert_matches_brute_force(net, rk.Box(-1, 1, dim=2), method)


@pytest.mark.parametrize("d", [1, 2, 3])
def test_two_piece_maxout_is_the_arrangement_of_piece_differences(d):
    """max(P_0, P_1) switches exactly on P_1 - P_0 = 0: a one-layer maxout:2 net has the
    regions, graph and measures of the ReLU layer with rows W_1 - W_0."""
    rng = np.random.default_rng(d)
    W, b = rng.normal(size=(10, d)), rng.normal(size=10) * 0.5
    mx = rk.Network.from_arrays([W, np.ones((1, 5))], [b, [0.0]], ["maxout:2", "identity"])
    relu = rk.Network.from_arrays([W[1::2] - W[0::2], np.ones((1, 5))], [b[1::2] - b[0::2], [0]])
    box = rk.Box(-1, 1, dim=d)
    a, r = rk.enumerate_regions(mx, box), rk.enumerate_regions(relu, box)
    assert a.n_regions == r.n_regions
    # Pattern bit 1 of maxout unit u (piece 1 wins) is relu unit u's bit.
    got = np.unpackbits(a.patterns, axis=1, count=10, bitorder="little")[:, 1::2]
    want = np.unpackbits(r.patterns, axis=1, count=5, bitorder="little")
    assert {tuple(p) for p in got.tolist()} == {tuple(p) for p in want.tolist()}
    np.testing.assert_allclose(np.sort(a.volumes()), np.sort(r.volumes()), rtol=1e-12)
    assert len(a.adjacency().i) == len(r.adjacency().i)
    assert a.adjacency().unmatched_facets == 0
    assert a.boundary_volume() == pytest.approx(r.boundary_volume(), rel=1e-12)
    np.testing.assert_array_equal(a.face_counts(), r.face_counts())
    np.testing.assert_allclose(a.codim_volumes(), r.codim_volumes(), rtol=1e-12)


@pytest.mark.parametrize("d", [2, 3])
def test_units_past_one_block_are_the_arrangement_of_piece_differences(d):
    """21 maxout:2 units take three blocks of MAXOUT_BLOCK_UNITS (8): the cells one piece
    wins whole for a block skip its clips, the others take its units one at a time."""
    assert maxout.MAXOUT_BLOCK_UNITS == 8
    rng = np.random.default_rng(10 + d)
    W, b = rng.normal(size=(42, d)), rng.normal(size=42) * 0.5
    mx = rk.Network.from_arrays([W, np.ones((1, 21))], [b, [0.0]], ["maxout:2", "identity"])
    relu = rk.Network.from_arrays([W[1::2] - W[0::2], np.ones((1, 21))],
                                  [b[1::2] - b[0::2], [0.0]])
    box = rk.Box(-1, 1, dim=d)
    a, r = rk.enumerate_regions(mx, box), rk.enumerate_regions(relu, box)
    got = np.unpackbits(a.patterns, axis=1, count=42, bitorder="little")[:, 1::2]
    want = np.unpackbits(r.patterns, axis=1, count=21, bitorder="little")
    assert a.n_regions == r.n_regions > 50
    assert {tuple(p) for p in got.tolist()} == {tuple(p) for p in want.tolist()}


@pytest.mark.parametrize("block", [1, 3, 64])
def test_the_partition_does_not_depend_on_the_block_of_units(monkeypatch, block):
    net, box = maxout_net(2, 20, 3, [4], seed=5), rk.Box(-1, 1, dim=2)
    ref = rk.enumerate_regions(net, box)
    monkeypatch.setattr(maxout, "MAXOUT_BLOCK_UNITS", block)
    rs = rk.enumerate_regions(net, box)
    assert rs.n_regions == ref.n_regions and rs.per_layer == ref.per_layer
    order, ref_order = np.lexsort(rs.patterns.T), np.lexsort(ref.patterns.T)
    np.testing.assert_array_equal(rs.patterns[order], ref.patterns[ref_order])
    np.testing.assert_allclose(rs.output_M[order], ref.output_M[ref_order], rtol=0,
                               atol=1e-12)
    np.testing.assert_allclose(rs.volumes()[order], ref.volumes()[ref_order], rtol=1e-9)
    X = np.random.default_rng(0).uniform(-1, 1, size=(2000, 2))
    assert (rs.locate(X) >= 0).all()
    np.testing.assert_array_equal(rs.patterns[rs.locate(X)],
                                  np.packbits(O.forward_pattern(net, X)[0], axis=1,
                                              bitorder="little"))


def test_identical_pieces_tie_to_the_lowest_index():
    """Max pooling over a window repeating one input (padding) has identical pieces: the
    first copy always wins and nothing is split by the copies."""
    sel = np.array([[1.0, 0], [0, 1], [1, 0]])  # unit 0: max(x0, x1, x0)
    net = rk.Network.from_arrays([sel, [[1.0]]], [np.zeros(3), [0.0]], ["maxout:3", "identity"])
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    assert rs.n_regions == 2
    bits = np.unpackbits(rs.patterns, axis=1, count=3, bitorder="little")
    assert sorted(map(tuple, bits.tolist())) == [(0, 1, 0), (1, 0, 0)]
    X = np.random.default_rng(0).uniform(-1, 1, size=(200, 2))
    np.testing.assert_array_equal(net.pattern(X), O.forward_pattern(net, X)[0])


def test_outputs_and_patterns_agree_with_the_forward_pass():
    net = maxout_net(2, 5, 3, [4], seed=3)
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    X = np.random.default_rng(1).uniform(-1, 1, size=(3000, 2))
    regions = rs.locate(X)
    assert np.all(regions >= 0)
    np.testing.assert_allclose(rs.outputs(X, regions), net.forward(X), rtol=0, atol=1e-12)
    pattern, out = O.forward_pattern(net, X)
    np.testing.assert_array_equal(net.pattern(X), pattern)
    np.testing.assert_allclose(net.forward(X), out, rtol=1e-13, atol=1e-13)
    assert rs.volumes().sum() == pytest.approx(4.0, rel=1e-12)
    assert rs.adjacency().unmatched_facets == 0
    assert rs.n_linear_regions <= rs.n_regions


@pytest.mark.parametrize("d, units, k, tail, seed", [
    (2, 4, 3, [4], 1), (2, 5, 4, [], 4), (3, 3, 3, [3], 2), (3, 4, 2, [], 5)])
def test_faces_graph_and_betti_of_maxout_nets(d, units, k, tail, seed):
    """Point signs know maxout (ties between pieces are zeros): the open domain's Euler
    characteristic from the f-vector, the facet-crossing graph equal to the fast one, and
    Betti numbers of decision sets agreeing three ways (duality, GF(2) ranks, gudhi nerve
    of the closed pieces)."""
    base = maxout_net(d, units, k, tail, seed)
    net = rk.Network.from_arrays([3 * w for w in base.weights], [3 * b for b in base.biases],
                                 base.activation_names())
    dom = rk.Box(-1, 1, dim=d)
    rs = rk.enumerate_regions(net, dom)
    f = rs.face_counts()
    assert sum((-1) ** i * f[i] for i in range(d + 1)) == (-1) ** d
    fast, slow = adjacency(rs), adjacency(rs, fast=False)
    assert slow.unmatched_facets == 0
    assert set(zip(fast.i, fast.j)) == set(zip(slow.i, slow.j))
    level = float(np.median(net.forward(dom.sample(3000, seed))[:, 0]))
    dr = rk.decision_regions(net, dom, level=level)
    for side in ("above", "below"):
        b = dr.betti_numbers(side)
        assert b.betti == by_rank(dr, side) == nerve_betti(dr, side)
        assert b.euler == closure_euler(dr, side)


def test_measured_counts_respect_the_maxout_bounds():
    """Serra's Thm 8, Montufar's one-layer bound and the arrangement product hold for random
    maxout nets, one and two maxout layers, ranks 2-4 (strict: a violation raises)."""
    rng = np.random.default_rng(11)
    for trial in range(12):
        d, k = int(rng.integers(1, 4)), int(rng.integers(2, 5))
        widths = [int(w) for w in rng.integers(2, 6, size=int(rng.integers(1, 3)))]
        Ws, bs, prev = [], [], d
        for w in widths:
            Ws.append(rng.normal(size=(w * k, prev)))
            bs.append(rng.normal(size=w * k) * 0.5)
            prev = w
        net = rk.Network.from_arrays(Ws + [np.ones((1, prev))], bs + [np.zeros(1)],
                                     [f"maxout:{k}"] * len(widths) + ["identity"])
        rs = rk.enumerate_regions(net, rk.Box(-2, 2, dim=d))
        table = rk.bounds.check(rs, strict=True)
        names = {r.name for r in table.rows}
        assert "Serra Thm 8 (maxout)" in names
        assert ("Montufar 2014, one maxout layer" in names) == (len(widths) == 1)


def test_budget_keeps_a_valid_partition():
    net = maxout_net(2, 8, 3, [8], seed=4)
    full = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    part = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2), max_regions=full.n_regions // 2)
    assert not part.complete and part.n_regions <= full.n_regions // 2
    assert part.volumes().sum() == pytest.approx(4.0, rel=1e-12)


def test_save_load_and_shapes(tmp_path):
    net = maxout_net(3, 4, 3, [2], seed=1)
    assert net.widths == [4, 2, 1] and net.n_hyperplanes == 12 + 2
    net.save(tmp_path / "m.npz")
    back = rk.load_network(tmp_path / "m.npz")
    assert back.activations == net.activations and back.pieces == net.pieces
    X = np.random.default_rng(0).normal(size=(10, 3))
    np.testing.assert_array_equal(back.forward(X), net.forward(X))


@pytest.mark.parametrize("spec", ["maxout", "maxout:0", "maxout:2.5", "maxout:x"])
def test_bad_maxout_specs_are_refused(spec):
    with pytest.raises(NetworkError, match="maxout"):
        rk.Network.from_arrays([np.ones((4, 2)), np.ones((1, 2))], [np.zeros(4), [0.0]],
                               [spec, "identity"])


def test_maxout_shapes_must_chain_on_units():
    with pytest.raises(NetworkError, match="multiple of 3"):
        rk.Network.from_arrays([np.ones((4, 2)), np.ones((1, 2))], [np.zeros(4), [0.0]],
                               ["maxout:3", "identity"])
    with pytest.raises(NetworkError, match="do not chain"):
        rk.Network.from_arrays([np.ones((6, 2)), np.ones((1, 6))], [np.zeros(6), [0.0]],
                               ["maxout:3", "identity"])


@pytest.mark.parametrize("d, seed", [(2, 1), (2, 2), (3, 3)])
def test_distance_and_jacobian_of_maxout_nets(d, seed):
    """The Gram forward pass (no enumeration) against the face-lattice distances of the
    enumerated regions, and Jacobians against the regions' own affine maps."""
    net = maxout_net(d, 4, 3, [3], seed)
    X = np.random.default_rng(seed).uniform(-1, 1, size=(300, d))
    rs = rk.enumerate_regions(net, rk.Box(-6, 6, dim=d))
    ref = rs.distance_to_boundary(X, kind="activation")
    np.testing.assert_allclose(rk.distance_to_boundary(net, X), ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(rk.jacobian(net, X), rs.output_M[rs.locate(X)], rtol=0,
                               atol=1e-12)


@pytest.mark.parametrize("d, units, k, tail, seed", [
    (2, 4, 3, [4], 1), (3, 5, 2, [3], 2), (2, 3, 4, [], 3), (4, 4, 3, [3], 4)])
def test_trajectories_of_maxout_nets(d, units, k, tail, seed):
    """Along a segment: the engine's 1-D enumeration gives the same pieces, breakpoints and
    patterns; per-unit transitions are the changes of each unit's winner between them; the
    output length is the total variation of the output. Along an arc: a dense sampling
    sees no pattern change the arc misses."""
    net = maxout_net(d, units, k, tail, seed)
    rng = np.random.default_rng(seed)
    x0, x1 = rng.normal(size=d), rng.normal(size=d)
    tr = rk.trajectory.segment(net, x0, x1)
    rs = rk.enumerate_regions(net, rk.Segment(x0, x1))
    order = np.argsort(rs.interior_points[:, 0])
    pats = np.unpackbits(rs.patterns[order], axis=1, count=net.n_hyperplanes,
                         bitorder="little").astype(bool)
    assert tr.n_pieces == rs.n_regions
    np.testing.assert_allclose(tr.breakpoints, np.sort(rs.vertices[0::2, 0])[1:], atol=1e-12)
    np.testing.assert_array_equal(tr.patterns, pats)
    winners = pats[:, :units * k].reshape(len(pats), units, k).argmax(axis=2)
    np.testing.assert_array_equal(tr.transitions.per_neuron[0],
                                  np.sum(winners[1:] != winners[:-1], axis=0))
    t = np.r_[0.0, tr.breakpoints, 1.0]
    F = net.forward(x0 + t[:, None] * (x1 - x0))[:, 0]
    assert tr.lengths.output == pytest.approx(np.abs(np.diff(F)).sum(), rel=1e-12)
    arc = rk.trajectory.arc(net, x0, x1)
    P = net.pattern(arc.points(np.linspace(arc.lo[0], arc.hi[-1], 50001)))
    assert arc.n_pieces >= 1 + np.sum(np.any(P[1:] != P[:-1], axis=1))


def test_dichotomies_refuse_maxout():
    net = maxout_net(2, 3, 2, [], seed=0)
    with pytest.raises(NetworkError, match="maxout"):
        rk.trajectory.dichotomies(net, np.zeros((3, 2)))
