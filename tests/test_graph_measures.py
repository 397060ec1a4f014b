"""Adjacency, linear regions, volumes and boundary volume against closed forms.

Independent values: hyperplane sections of the box in closed form, the number of adjacent
pairs of a generic arrangement, direct polygon geometry, dense sampling, and hand-built nets.
"""
import itertools
import math

import numpy as np
import pytest

import regionkit as rk
from regionkit.constructions import torch_default

METHODS = {1: ["auto"], 2: ["auto", "lp"], 3: ["auto", "lp"], 4: ["auto", "lp"]}


def one_layer(W, b, out=None):
    W = np.asarray(W, dtype=float)
    out = np.ones((1, W.shape[0])) if out is None else np.asarray(out, float)
    return rk.Network.from_arrays([W, out], [np.asarray(b, float), np.zeros(out.shape[0])])


@pytest.mark.parametrize("n", [2, 3, 4])
def test_coordinate_and_braid_sections(n):
    # Coordinate hyperplanes x_i = 0 (section 2^(n-1) each) and braid hyperplanes x_i = x_j
    # (section 2^(n-1) sqrt 2 each) in [-1, 1]^n; distinct hyperplanes of one hidden layer
    # with nonzero output weights: boundary volume = sum of sections.
    rows = [np.eye(n)[i] for i in range(n)]
    rows += [np.eye(n)[i] - np.eye(n)[j] for i, j in itertools.combinations(range(n), 2)]
    net = one_layer(np.array(rows), np.zeros(len(rows)))
    expected = n * 2 ** (n - 1) + math.comb(n, 2) * 2 ** (n - 1) * math.sqrt(2)
    for method in METHODS[n]:
        rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=n), method=method)
        assert rs.boundary_volume() == pytest.approx(expected, rel=1e-9)
        assert rs.volumes().sum() == pytest.approx(2.0 ** n, rel=1e-12)


@pytest.mark.parametrize("d,m", [(1, 6), (2, 7), (3, 6)])
def test_generic_arrangement_adjacent_pairs(d, m):
    # Generic arrangement with every flat inside the box: m * sum_{i<=d-1} C(m-1, i) pairs
    # (each hyperplane is cut into that many facets by the others).
    rng = np.random.default_rng(d * 10 + m)
    W = rng.normal(size=(m, d))
    b = rng.normal(size=m) * 0.1
    net = one_layer(W, b)
    rs = rk.enumerate_regions(net, rk.Box(-1e3, 1e3, dim=d))
    g = rs.adjacency()
    assert g.unmatched_facets == 0
    assert len(g.i) == m * sum(math.comb(m - 1, i) for i in range(d))
    # general position: adjacent regions differ in exactly one unit
    assert np.all(np.diff(g.flip_offsets) == 1)


def test_relu_minus_relu_is_one_linear_region():
    net = rk.Network.from_arrays([[[1.0], [-1.0]], [[1.0, -1.0]]], [[0.0, 0.0], [0.0]])
    rs = rk.enumerate_regions(net, rk.Box(-1, 1))
    assert rs.n_regions == 2
    assert rs.n_linear_regions == 1
    assert rs.boundary_volume("activation") == 1.0
    assert rs.boundary_volume("linear") == 0.0


@pytest.mark.parametrize("method", ["auto", "lp"])
def test_dead_downstream_unit_hides_a_flip(method):
    # Layer 1: x = 0 and y = 0. Layer 2: one unit relu(-10 - h1 - h2) is dead on the box, and
    # the output reads only that unit: every flip of layer 1 is invisible -> 4 activation
    # regions, 1 linear region; the output weight on a live unit keeps y = 0 visible.
    W0 = np.eye(2)
    W1 = np.array([[-1.0, -1.0], [0.0, 1.0]])
    b1 = np.array([-10.0, 0.0])
    net = rk.Network.from_arrays([W0, W1, np.array([[1.0, 0.0]])], [np.zeros(2), b1, [0.0]])
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2), method=method)
    assert rs.n_regions == 4 and rs.n_linear_regions == 1
    net2 = rk.Network.from_arrays([W0, W1, np.array([[1.0, 1.0]])], [np.zeros(2), b1, [0.0]])
    rs2 = rk.enumerate_regions(net2, rk.Box(-1, 1, dim=2), method=method)
    # y = 0 changes the map (h2 = relu(relu(y))), x = 0 does not: 2 linear regions, and the
    # linear boundary is the segment y = 0 of length 2.
    assert rs2.n_linear_regions == 2
    assert rs2.boundary_volume("linear") == pytest.approx(2.0)
    assert rs2.boundary_volume("activation") == pytest.approx(4.0)


def _polygon_edges_independent(rs):
    """Interior edge lengths from the vertex lists alone: edges shared by two polygons."""
    total = 0.0
    seen = {}
    for r in range(rs.n_regions):
        V = rs.region_vertices(r)
        for k in range(len(V)):
            p, q = V[k], V[(k + 1) % len(V)]
            key = tuple(np.round(np.concatenate([p, q]), 9))
            rkey = tuple(np.round(np.concatenate([q, p]), 9))
            if rkey in seen:
                total += np.linalg.norm(q - p)
            seen[key] = r
    return total


def test_2d_boundary_matches_shared_edges_and_areas():
    net = torch_default([2, 12, 12, 1], seed=4)
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    # Activation regions of a ReLU net meet face to face here (generic weights), so every
    # interior edge appears in two polygons with reversed orientation.
    assert rs.boundary_volume() == pytest.approx(_polygon_edges_independent(rs), rel=1e-7)
    x, y = rs.vertices[:, 0], rs.vertices[:, 1]
    assert rs.volumes().sum() == pytest.approx(4.0, rel=1e-12)
    assert np.all(rs.volumes() > 0)
    assert x.min() >= -1 and x.max() <= 1 and y.min() >= -1 and y.max() <= 1


@pytest.mark.parametrize("arch", [[2, 10, 10, 1], [3, 8, 8, 1], [4, 6, 6, 1]])
def test_volumes_match_sampling_and_methods_agree(arch):
    net = torch_default(arch, seed=7)
    dom = rk.Box(-1, 1, dim=arch[0])
    results = [rk.enumerate_regions(net, dom, method=m) for m in ("auto", "lp")]
    vols = [rs.volumes() for rs in results]
    order = [np.argsort([p.tobytes() for p in rs.patterns]) for rs in results]
    assert np.allclose(vols[0][order[0]], vols[1][order[1]], rtol=1e-8, atol=1e-14)
    bvs = [rs.boundary_volume() for rs in results]
    assert bvs[0] == pytest.approx(bvs[1], rel=1e-8)
    # Monte Carlo: fraction of samples per region ~ volume / domain volume.
    rs = results[0]
    pts = dom.sample(40000, rng=1)
    counts = np.bincount(rs.locate(pts), minlength=rs.n_regions)
    frac = vols[0] / dom.volume
    expected = frac * len(pts)
    z = (counts - expected) / np.sqrt(np.maximum(expected, 1.0))
    assert np.max(np.abs(z)) < 6.0


@pytest.mark.parametrize("arch", [[2, 16, 16, 1], [3, 10, 10, 1], [5, 6, 6, 1]])
def test_graph_edges_seen_from_both_sides(arch):
    net = torch_default(arch, seed=2)
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=arch[0]))
    g = rs.adjacency()
    assert g.unmatched_facets == 0
    # every edge joins patterns differing in exactly one unit (generic weights)
    assert np.all(np.diff(g.flip_offsets) == 1)
    # the graph of a convex domain's subdivision is connected
    G = rs.adjacency_graph()
    import networkx as nx
    assert nx.is_connected(G)
    assert G.number_of_edges() == len(g.i)


def test_boundary_count_in_1d_is_number_of_breakpoints():
    net = torch_default([1, 8, 8, 1], seed=3)
    rs = rk.enumerate_regions(net, rk.Box(-1, 1))
    assert rs.boundary_volume() == rs.n_regions - 1
    assert rs.volumes().sum() == pytest.approx(2.0)


def test_adjacency_needs_complete_run():
    net = torch_default([2, 16, 16, 1], seed=2)
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2), max_regions=3)
    with pytest.raises(rk.RegionkitError, match="complete"):
        rs.adjacency()


@pytest.mark.parametrize("case", ["random-2d", "random-3d", "duplicates", "opposite",
                                  "coincident-deep"])
def test_fast_neighbours_agree_with_geometric_crossing(case):
    from regionkit.measures.graph import adjacency

    if case.startswith("random"):
        d = int(case[-2])
        net = torch_default([d, 10, 10, 1], seed=21)
    else:
        W0 = np.array([[1.0, 0.3], [0.2, -1.0], [0.7, 0.7]])
        b0 = np.array([0.1, -0.2, 0.05])
        if case == "duplicates":
            W0, b0 = np.vstack([W0, W0[:1]]), np.r_[b0, b0[:1]]
        elif case == "opposite":
            W0, b0 = np.vstack([W0, -W0[:1]]), np.r_[b0, -b0[:1]]
        W1 = np.vstack([np.eye(len(b0))[0], np.ones(len(b0))])  # unit 0 coincides with h0
        net = rk.Network.from_arrays([W0, W1, np.ones((1, 2))], [b0, [0.0, -0.3], [0.0]])
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=net.n_in))
    fast, slow = adjacency(rs), adjacency(rs, fast=False)
    assert fast.unmatched_facets == slow.unmatched_facets == 0
    assert np.array_equal(fast.i, slow.i) and np.array_equal(fast.j, slow.j)
    assert np.allclose(fast.facet_volume, slow.facet_volume)


def _exact_hull_volume(V: np.ndarray) -> float:
    """Volume of the convex hull of V in exact rational arithmetic over a Delaunay
    triangulation (qhull only chooses the simplices; every determinant is exact)."""
    from fractions import Fraction

    from scipy.spatial import Delaunay

    d = V.shape[1]
    total = Fraction(0)
    for simplex in Delaunay(V).simplices:
        P = [[Fraction(x) for x in V[i]] for i in simplex]
        M = [[P[j][t] - P[0][t] for t in range(d)] for j in range(1, d + 1)]
        det = Fraction(1)
        for i in range(d):  # Gaussian elimination, exact
            p = next((r for r in range(i, d) if M[r][i] != 0), None)
            if p is None:
                det = Fraction(0)
                break
            if p != i:
                M[i], M[p], det = M[p], M[i], -det
            det *= M[i][i]
            for r in range(i + 1, d):
                f = M[r][i] / M[i][i]
                M[r] = [M[r][c] - f * M[i][c] for c in range(d)]
        total += abs(det) / math.factorial(d)
    return float(total)


@pytest.mark.parametrize("arch", [[2, 12, 12, 1], [3, 10, 10, 1], [4, 8, 8, 1], [5, 6, 5, 1]])
def test_simple_region_volumes_agree_with_the_general_recursion(arch):
    # Simple regions (every vertex on d rows) take the normal-based recursion; the general,
    # vertex-basis recursion must give the same volumes, facet volumes and centroids.
    from regionkit.core import _core
    from regionkit.measures.vertexform import vertex_form

    net = torch_default(arch, seed=sum(arch))
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=arch[0]))
    vf = vertex_form(rs)
    fast = _core.vertex_form_measures(vf.voff, vf.V, vf.ioff, vf.inc, vf.roff,
                                      rs.ineq_A[vf.row_map])
    general = _core.vertex_form_measures(vf.voff, vf.V, vf.ioff, vf.inc, vf.roff)
    words = np.maximum(1, (np.diff(vf.roff) + 63) // 64)
    assert np.all(words == 1)
    bits = np.array([bin(int(x)).count("1") for x in vf.inc])
    simple = np.add.reduceat(bits != arch[0], vf.voff[:-1]) == 0
    assert simple.mean() > 0.9  # the fast path is what is being tested
    for x, y in zip(fast, general):
        np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-15)
    assert fast[0].sum() == pytest.approx(2.0 ** arch[0], rel=1e-12)


def test_simple_region_volumes_against_exact_rational_hulls():
    # Independent: the volume of the hull of each region's vertices, in exact arithmetic.
    from regionkit.measures.vertexform import vertex_form

    rng = np.random.default_rng(3)
    for arch in ([3, 10, 10, 1], [4, 8, 8, 1]):
        net = torch_default(arch, seed=7)
        rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=arch[0]))
        vf = vertex_form(rs)
        vol = rs.volumes()
        small = np.argsort(vol)[:3]  # slivers test the accuracy of the heights
        for r in list(small) + list(rng.choice(rs.n_regions, 5, replace=False)):
            exact = _exact_hull_volume(vf.V[vf.voff[r]:vf.voff[r + 1]])
            assert vol[r] == pytest.approx(exact, rel=1e-9, abs=1e-18)


@pytest.mark.parametrize("d", [2, 3, 4])
def test_clip_many_matches_qhull(d):
    # Many polytopes clipped out of a box at once (how LP-form regions get their vertex form)
    # against scipy's HalfspaceIntersection + ConvexHull. As in a RegionSet, each polytope's
    # rows include the domain box (the core clips a 1% larger one); one has only those.
    from scipy.spatial import ConvexHull, HalfspaceIntersection

    from regionkit.core import _core
    from regionkit.core.frontier import Frontier

    rng = np.random.default_rng(d)
    lo, hi = -np.ones(d), np.ones(d)
    box_A, box_b = np.vstack([np.eye(d), -np.eye(d)]), np.concatenate([hi, -lo])
    As, bs = [], []
    for k in [0, 3, 6, 9]:
        A = rng.normal(size=(k, d))
        A /= np.linalg.norm(A, axis=1, keepdims=True)
        As.append(np.vstack([A.reshape(k, d), box_A]))
        bs.append(np.concatenate([rng.uniform(0.2, 0.9, size=k), box_b]))
    off = np.concatenate([[0], np.cumsum([len(b) for b in bs])])
    F = Frontier.clip_many("vd", lo, hi, np.concatenate(As), np.concatenate(bs), off, 1e-9,
                           1e-12).data
    vol, _, _ = _core.vertex_form_measures(F["voff"], F["V"], F["ioff"], F["inc"], F["roff"],
                                           F["A"])
    assert len(vol) == len(bs)
    for r in range(len(bs)):
        H = np.hstack([As[r], -bs[r][:, None]])
        pts = HalfspaceIntersection(H, np.zeros(d)).intersections
        assert vol[r] == pytest.approx(ConvexHull(pts).volume, rel=1e-9)
        lab = F["lab"][F["roff"][r]:F["roff"][r + 1]]
        assert np.all((lab >= 0) & (lab < len(bs[r])))  # every facet is one of its own rows
