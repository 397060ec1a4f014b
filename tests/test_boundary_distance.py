"""RegionSet.distance_to_complex_boundary against independent methods.

1-D: nearest breakpoint -b/w by brute force. 2-D: brute-force point-to-segment distances over
the polygon edges with network labels, and closed forms for a net whose linear boundary is a
single line. 3-D: dense sampling of the facet polygons, closed forms, and the slack of the
rows at interior points.
"""
import numpy as np
import pytest

import regionkit as rk
from regionkit.errors import PointsError, RegionkitError
from regionkit.measures import boundary


def one_layer(W, b, out=None):
    W = np.asarray(W, dtype=float)
    out = np.ones((1, W.shape[0])) if out is None else np.asarray(out, float)
    return rk.Network.from_arrays([W, out], [np.asarray(b, float), np.zeros(out.shape[0])])


def random_net(dims, seed):
    rng = np.random.default_rng(seed)
    Ws = [rng.normal(size=(dims[k + 1], dims[k])) for k in range(len(dims) - 1)]
    bs = [rng.normal(size=dims[k + 1]) * 0.3 for k in range(len(dims) - 1)]
    return rk.Network.from_arrays(Ws, bs)


def dead_unit_net(d):
    """Layer 1: h_i = relu(x_i). Layer 2: relu(-10 - sum h) (dead) and relu(h_d + 1) (live,
    reads h_d only). Activation boundary: the coordinate hyperplanes; linear: x_d = 0."""
    W2 = np.zeros((2, d))
    W2[0] = -1.0
    W2[1, d - 1] = 1.0
    return rk.Network.from_arrays([np.eye(d), W2, np.ones((1, 2))],
                                  [np.zeros(d), np.array([-10.0, 1.0]), np.zeros(1)])


def seg_dist(X, a, b):
    ab = b - a
    t = np.clip(((X - a) @ ab) / (ab @ ab), 0.0, 1.0)
    return np.linalg.norm(X - (a + t[:, None] * ab), axis=1)


def polygon_edge_distances(rs, X):
    best = np.full(len(X), np.inf)
    for r in range(rs.n_regions):
        V = rs.region_vertices(r)
        lab = rs.inequalities(r)[2]
        for k in range(len(V)):
            if lab[k] >= 0:  # edge k runs from vertex k to vertex k + 1
                best = np.minimum(best, seg_dist(X, V[k], V[(k + 1) % len(V)]))
    return best


def test_1d_nearest_breakpoint():
    rng = np.random.default_rng(0)
    w, b = rng.normal(size=9), rng.normal(size=9)
    net = one_layer(w[:, None], b, rng.uniform(0.5, 1.5, size=(1, 9)))
    rs = rk.enumerate_regions(net, rk.Box(-2, 2))
    assert rs.kind == "1d"
    bp = -b / w
    bp = bp[(bp > -2) & (bp < 2)]
    X = rng.uniform(-2, 2, size=(500, 1))
    want = np.abs(X - bp[None, :]).min(axis=1)
    for kind in ("activation", "linear"):  # one layer, positive outputs: every kink counts
        np.testing.assert_allclose(rs.distance_to_complex_boundary(X, kind), want, atol=1e-12)
    d = rs.distance_to_complex_boundary(rs.interior_points)
    assert np.all(np.isfinite(d)) and np.all(d > 0)


@pytest.mark.parametrize("method", ["auto", "lp"])
def test_2d_against_polygon_edges(method):
    net = random_net([2, 7, 5, 1], 3)
    box = rk.Box(-1, 1, dim=2)
    ref = rk.enumerate_regions(net, box)
    assert ref.kind == "2d"
    rs = ref if method == "auto" else rk.enumerate_regions(net, box, method="lp")
    assert rs.n_regions == ref.n_regions
    X = np.random.default_rng(1).uniform(-1, 1, size=(400, 2))
    got = rs.distance_to_complex_boundary(X)
    np.testing.assert_allclose(got, polygon_edge_distances(ref, X), atol=1e-9)
    d = rs.distance_to_complex_boundary(rs.interior_points)
    assert np.all(np.isfinite(d)) and np.all(d > 0)
    # the linear boundary is a subset of the activation boundary
    assert np.all(rs.distance_to_complex_boundary(X, "linear") >= got - 1e-12)


@pytest.mark.parametrize("d,method", [(2, "auto"), (2, "lp"), (3, "auto"), (3, "lp")])
def test_dead_unit_linear_boundary(d, method):
    rs = rk.enumerate_regions(dead_unit_net(d), rk.Box(-1, 1, dim=d), method=method)
    assert rs.n_regions == 2 ** d
    X = np.random.default_rng(d).uniform(-1, 1, size=(300, d))
    np.testing.assert_allclose(rs.distance_to_complex_boundary(X, "linear"), np.abs(X[:, -1]),
                               atol=1e-12)
    np.testing.assert_allclose(rs.distance_to_complex_boundary(X, "activation"),
                               np.abs(X).min(axis=1), atol=1e-12)
    if d == 2 and method == "auto":
        np.testing.assert_allclose(rs.distance_to_complex_boundary(X),
                                   polygon_edge_distances(rs, X), atol=1e-12)


def sampled_facet_distances(rs, X, rng, per_facet=400):
    """Min distance from X to dense samples of every network-labelled facet polygon."""
    best = np.full(len(X), np.inf)
    for r in range(rs.n_regions):
        V = rs.region_vertices(r)
        A, b, lab = rs.inequalities(r)
        for a, c, h in zip(A, b, lab):
            if h < 0:
                continue
            F = V[np.abs(V @ a - c) < 1e-9]
            if len(F) < 3:
                continue
            W = rng.dirichlet(np.full(len(F), 0.3), size=per_facet)
            P = np.vstack([W @ F, F, (F + np.roll(F, 1, axis=0)) / 2])
            dist = np.sqrt(((X[:, None, :] - P[None]) ** 2).sum(axis=2)).min(axis=1)
            best = np.minimum(best, dist)
    return best


@pytest.mark.parametrize("method", ["auto", "lp"])
def test_3d_against_sampled_facets(method):
    net = random_net([3, 6, 4, 1], 5)
    box = rk.Box(-1, 1, dim=3)
    ref = rk.enumerate_regions(net, box)  # vertex form: keeps the vertices
    assert ref.kind == "vd"
    rs = ref if method == "auto" else rk.enumerate_regions(net, box, method="lp")
    assert rs.n_regions == ref.n_regions
    rng = np.random.default_rng(7)
    X = rng.uniform(-1, 1, size=(60, 3))
    got = rs.distance_to_complex_boundary(X)
    sampled = sampled_facet_distances(ref, X, rng)
    assert np.all(got <= sampled + 1e-9)
    assert np.all(sampled - got < 0.05)
    assert np.all(rs.distance_to_complex_boundary(X, "linear") >= got - 1e-12)


@pytest.mark.parametrize("method", ["auto", "lp"])
def test_3d_interior_points_and_row_slacks(method):
    net = random_net([3, 8, 1], 11)
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=3), method=method)
    d = rs.distance_to_complex_boundary(rs.interior_points)
    assert np.all(np.isfinite(d)) and np.all(d > 0)
    hits = 0
    for r in range(rs.n_regions):
        A, b, lab = rs.inequalities(r)
        x = rs.interior_points[r]
        net_rows = lab >= 0
        slack = (b - A @ x)[net_rows]
        assert d[r] <= slack.min() + 1e-12
        k = int(np.argmin(slack))
        p = x + slack[k] * A[net_rows][k]  # projection onto that row's hyperplane
        if np.all(A @ p <= b + 1e-9):      # lands on the facet: the bound is attained
            assert d[r] == pytest.approx(slack[k], abs=1e-12)
            hits += 1
    assert hits > 0


def test_errors():
    net = random_net([2, 12, 12, 1], 2)
    box = rk.Box(-1, 1, dim=2)
    partial = rk.enumerate_regions(net, box, max_regions=20)
    assert not partial.complete
    with pytest.raises(RegionkitError, match="complete"):
        partial.distance_to_complex_boundary(np.zeros((1, 2)))
    rs = rk.enumerate_regions(net, box)
    for bad in (np.zeros(2), np.zeros((3, 3)), np.zeros((2, 1, 2)), [[np.nan, 0.0]], "x"):
        with pytest.raises(RegionkitError, match="points"):
            rs.distance_to_complex_boundary(bad)
    with pytest.raises(RegionkitError, match="kind"):
        rs.distance_to_complex_boundary(np.zeros((1, 2)), kind="both")
    assert rs.distance_to_complex_boundary(np.zeros((0, 2))).shape == (0,)


def test_points_outside_the_domain_are_refused():
    """Outside the domain the hyperplanes go on past the enumerated facets, so a distance to
    those facets would not be the distance to the nearest boundary: refused. Points on the
    domain's boundary (corners included) are inside."""
    net = one_layer([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0])
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    np.testing.assert_allclose(rs.distance_to_complex_boundary([[1.0, 1.0], [-1.0, 0.5]]),
                               [1.0, 0.5])
    # 1.5 from the box, but 0 from the hyperplane x0 = 0 that goes on through it
    for bad in ([[0.0, 2.5]], [[0.3, 0.3], [1.0 + 1e-6, 0.0]]):
        with pytest.raises(PointsError, match="outside the domain"):
            rs.distance_to_complex_boundary(bad)
    rs1 = rk.enumerate_regions(one_layer([[1.0]], [0.25]), rk.Box(-1, 1))
    with pytest.raises(PointsError, match="outside the domain"):
        rs1.distance_to_complex_boundary([[-1.5]])


def test_single_region_has_no_boundary():
    net = one_layer([[1.0, 0.0]], [5.0])
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    assert rs.n_regions == 1
    assert np.all(np.isinf(rs.distance_to_complex_boundary(np.zeros((3, 2)))))


def test_old_name_is_an_alias():
    net = random_net([2, 8, 8, 1], 3)
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    X = np.random.default_rng(4).uniform(-1, 1, size=(40, 2))
    assert "Alias of distance_to_complex_boundary" in rk.RegionSet.distance_to_boundary.__doc__
    assert "Alias of distance_to_complex_boundary" in boundary.distance_to_boundary.__doc__
    for kind in boundary.KINDS:
        want = rs.distance_to_complex_boundary(X, kind)
        np.testing.assert_array_equal(rs.distance_to_boundary(X, kind), want)
        np.testing.assert_array_equal(boundary.distance_to_boundary(rs, X, kind), want)
        np.testing.assert_array_equal(boundary.distance_to_complex_boundary(rs, X, kind), want)
