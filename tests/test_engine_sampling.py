"""Point-wise consistency of bigger enumerations with a plain forward pass.

Sampling cannot prove a count, but each check here fails on a real defect: a sampled pattern
missing from the result, a point outside the inequalities of the region with its pattern, an
output map that disagrees with the network, region volumes that do not add up to the domain,
or a Chebyshev ball whose points do not carry the region's pattern.
"""
from __future__ import annotations

import numpy as np
import oracles as O
import pytest
from scipy.spatial import ConvexHull

import regionkit as rk

# Every case here also runs the threaded split (conftest.py).
pytestmark = pytest.mark.usefixtures("two_workers")


def _mnist_like_points(seed: int, n: int = 3) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0, 1, size=(n, 784))


def _hexagon() -> rk.Polytope:
    angles = np.linspace(0, 2 * np.pi, 6, endpoint=False)
    A = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return rk.Polytope(A, np.array([1.0, 0.8, 1.2, 0.9, 1.1, 0.7]))


# (id, architecture, activations, domain factory, method, bias scale)
CASES = [
    ("2-16-16-1-box", [2, 16, 16, 1], None, lambda: rk.Box(-1, 1, dim=2), "auto", 0.5),
    ("2-16-16-1-box-lp", [2, 16, 16, 1], None, lambda: rk.Box(-1, 1, dim=2), "lp", 0.5),
    ("2-12-12-12-2-mixed", [2, 12, 12, 12, 2], ["hard_tanh", "leaky_relu:0.1", "relu", "identity"],
     lambda: rk.Box([-2, -1], [1, 2]), "auto", 0.5),
    ("2-16-16-1-hexagon", [2, 16, 16, 1], None, _hexagon, "auto", 0.5),
    ("3-10-10-1-box", [3, 10, 10, 1], None, lambda: rk.Box(-1, 1, dim=3), "auto", 0.5),
    ("3-10-10-1-box-lp", [3, 10, 10, 1], None, lambda: rk.Box(-1, 1, dim=3), "lp", 0.5),
    ("4-8-8-1-box", [4, 8, 8, 1], None, lambda: rk.Box(-1, 1, dim=4), "auto", 0.5),
    ("784-64-64-64-10-plane", [784, 64, 64, 64, 10], None,
     lambda: rk.Plane.through(*_mnist_like_points(1)), "auto", 0.1),
    ("784-64-64-10-segment", [784, 64, 64, 10], ["hard_tanh", "relu", "identity"],
     lambda: rk.Segment(*(_mnist_like_points(2, 2) * [[4.0], [-3.0]])), "auto", 0.1),
]


def _case(name):
    for case in CASES:
        if case[0] == name:
            _, arch, acts, dom, method, bias_scale = case
            net = O.gaussian_net(arch, acts, seed=len(name), bias_scale=bias_scale)
            domain = dom()
            return net, domain, rk.enumerate_regions(net, domain, method=method)
    raise KeyError(name)


@pytest.fixture(scope="module", params=[c[0] for c in CASES])
def enumerated(request):
    return _case(request.param)


def _region_index(rs: rk.RegionSet) -> dict[bytes, int]:
    return {np.packbits(row).tobytes(): r for r, row in enumerate(rs.pattern_bits())}


def test_sampled_points_lie_in_their_regions(enumerated):
    """Every sampled pattern is enumerated; the point satisfies that region's inequalities
    and the network output equals the region's affine map there (relative 1e-9)."""
    net, domain, rs = enumerated
    assert rs.complete and rs.n_regions > 1
    t = domain.sample(4000 if domain.input_dim > 100 else 20000, rng=0)
    patterns, out = O.forward_pattern(net, domain.to_input(t))
    index = _region_index(rs)
    regions = np.array([index.get(np.packbits(p).tobytes(), -1) for p in patterns])
    assert np.all(regions >= 0), f"{np.sum(regions < 0)} sampled patterns were not enumerated"
    np.testing.assert_array_equal(rs.locate(t), regions)
    for r in np.unique(regions):
        A, b, _ = rs.inequalities(r)
        pts = t[regions == r]
        assert np.max(pts @ A.T - b) <= 1e-12 * (1 + np.abs(b).max())
    pred = np.einsum("noi,ni->no", rs.output_M[regions], t) + rs.output_m[regions]
    np.testing.assert_allclose(pred, out, rtol=1e-9, atol=1e-9 * np.abs(out).max())


def test_chebyshev_balls_carry_the_region_pattern(enumerated):
    """Each region's Chebyshev ball lies inside its (unit-norm) inequalities, and its centre
    and points near the ball's rim have the region's pattern under the forward pass."""
    net, domain, rs = enumerated
    centres, radii = rs.interior_points, rs.chebyshev_radii
    assert np.all(radii > 0)
    for r in range(rs.n_regions):
        A, b, _ = rs.inequalities(r)
        np.testing.assert_allclose(np.linalg.norm(A, axis=1), 1.0, rtol=1e-12)
        assert np.all(A @ centres[r] + radii[r] <= b + 1e-9 * radii[r] + 1e-14)
    bits = rs.pattern_bits()
    rng = np.random.default_rng(1)
    for _ in range(4):
        u = rng.normal(size=centres.shape)
        u /= np.linalg.norm(u, axis=1, keepdims=True)
        pts = centres + 0.9 * radii[:, None] * u
        np.testing.assert_array_equal(O.forward_pattern(net, domain.to_input(pts))[0], bits)
    _, out = O.forward_pattern(net, domain.to_input(centres))
    pred = np.einsum("noi,ni->no", rs.output_M, centres) + rs.output_m
    np.testing.assert_allclose(pred, out, rtol=1e-9, atol=1e-9 * np.abs(out).max())


def _domain_volume(domain: rk.Domain) -> float:
    """Volume of {A t < b} by scipy's half-space intersection (independent of regionkit)."""
    if domain.dim == 1:
        return float(domain.hi[0] - domain.lo[0])
    return O.halfspace_volume(domain.A, domain.b, O.chebyshev_lp(domain.A, domain.b)[0])


def test_region_volumes_sum_to_domain_volume(enumerated):
    """1-D lengths tile the interval; 2-D shoelace areas (counter-clockwise vertices) and
    3-D/4-D hull volumes are positive and sum to the domain's volume (relative 1e-9)."""
    net, domain, rs = enumerated
    if domain.dim == 1:
        iv = np.array([rs.region_vertices(r)[:, 0] for r in range(rs.n_regions)])
        iv = iv[np.argsort(iv[:, 0])]
        assert np.all(iv[:, 1] > iv[:, 0])
        np.testing.assert_array_equal(iv[1:, 0], iv[:-1, 1])
        assert (iv[0, 0], iv[-1, 1]) == (domain.lo[0], domain.hi[0])
        return
    if rs.kind == "2d":
        vols = np.array([O.shoelace_area(rs.region_vertices(r)) for r in range(rs.n_regions)])
    else:
        vols = np.array([O.halfspace_volume(*rs.inequalities(r)[:2], rs.interior_points[r])
                         for r in range(rs.n_regions)])
    assert np.all(vols > 0)
    assert vols.sum() == pytest.approx(_domain_volume(domain), rel=1e-9)


def test_region_vertices_are_the_vertices_of_the_inequalities(enumerated):
    """Where vertices are kept: they lie in each region's closure (A v <= b up to rounding);
    in 2-D every row is an edge (tight at a vertex); in 3-D and 4-D the hull of the vertices
    has the volume of the inequalities' polytope."""
    _, _, rs = enumerated
    if rs.vertices is None:
        pytest.skip("vertices are not kept for this geometry")
    for r in range(rs.n_regions):
        A, b, _ = rs.inequalities(r)
        V = rs.region_vertices(r)
        slack = b[None, :] - V @ A.T
        assert slack.min() >= -1e-12 * (1 + np.abs(b).max())
        if rs.dim == 2:
            assert np.all(np.abs(slack).min(axis=0) <= 1e-12 * (1 + np.abs(b).max()))
        elif rs.dim > 2:
            assert ConvexHull(V).volume == pytest.approx(
                O.halfspace_volume(A, b, rs.interior_points[r]), rel=1e-9)


def test_k_dimensional_slice_equals_the_composed_network(tmp_path):
    # A 3-D slice t -> origin + U t of a 10-input net is the net whose first layer is
    # (W0 U, W0 origin + b0) on the box: same patterns, same volumes, and a save/load trip.
    rng = np.random.default_rng(5)
    W0, b0 = rng.normal(size=(8, 10)), rng.normal(size=8)
    W1, b1 = rng.normal(size=(6, 8)), rng.normal(size=6)
    W2, b2 = rng.normal(size=(1, 6)), rng.normal(size=1)
    origin, U = rng.normal(size=10), rng.normal(size=(10, 3))
    net = rk.Network.from_arrays([W0, W1, W2], [b0, b1, b2])
    composed = rk.Network.from_arrays([W0 @ U, W1, W2], [W0 @ origin + b0, b1, b2])
    sl = rk.Slice(origin, U, -1.0, 1.0)
    a = rk.enumerate_regions(net, sl)
    b = rk.enumerate_regions(composed, rk.Box(-1, 1, dim=3))
    assert {p.tobytes() for p in a.patterns} == {p.tobytes() for p in b.patterns}
    assert a.volumes().sum() == pytest.approx(8.0)
    t = sl.sample(500, rng=1)
    assert np.all(a.locate(t) >= 0)
    a.save(tmp_path / "slice.npz")
    back = rk.RegionSet.load(tmp_path / "slice.npz")
    assert isinstance(back.domain, rk.Slice) and back.n_regions == a.n_regions
    assert np.allclose(back.domain.basis, U)
    with pytest.raises(rk.DomainError, match="dependent"):
        rk.Slice(origin, np.stack([U[:, 0], 2 * U[:, 0]], axis=1))


def test_data_points_of_planes_and_segments_survive_save_and_load(tmp_path):
    """Plane.through / Segment.through keep their data points (pictures mark them), also
    in a RegionSet written to disk and read back."""
    rng = np.random.default_rng(4)
    net = rk.Network.from_arrays([rng.normal(size=(6, 5)), rng.normal(size=(1, 6))],
                                 [rng.normal(size=6), np.zeros(1)])
    pts = rng.normal(size=(3, 5))
    for dom in (rk.Plane.through(*pts), rk.Segment.through(pts[0], pts[1])):
        rs = rk.enumerate_regions(net, dom)
        rs.save(tmp_path / "rs.npz")
        back = rk.RegionSet.load(tmp_path / "rs.npz")
        np.testing.assert_array_equal(back.domain.points, dom.points)
        assert back.n_regions == rs.n_regions
    plain = rk.Plane(pts[0], pts[1], pts[2])
    assert "points" not in plain.to_dict()
