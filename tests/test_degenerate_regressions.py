"""One regression test per reproducer of near-degenerate failures: nearly parallel units,
thin and badly scaled boxes (issue: certified exactness, no wrong number and no crash).

Every expected answer is computed here independently of the engine: exact rational
arithmetic in 2-D (oracles.exact_regions), qhull volumes of each pattern's polytope built from
the weights in unit-box coordinates, and uniform sampling.
"""
from __future__ import annotations

import itertools

import numpy as np
import oracles as O
import pytest
from scipy.spatial import ConvexHull, HalfspaceIntersection, QhullError

import regionkit as rk
from regionkit.errors import PointsError, RegionkitError

# Region volumes against qhull: relative to the box's volume (the slivers between nearly
# parallel units are ~1e-10 of it; the big regions agree to ~1e-11).
VOLUME_RTOL = 1e-8
# Sampled fractions against volumes: this many standard errors.
SIGMAS = 5.0


def _one_layer(W, b, act="relu"):
    W = np.asarray(W, dtype=np.float64)
    return rk.Network.from_arrays([W, np.ones((1, W.shape[0]))], [np.asarray(b, float), [0.0]],
                                  activations=[act, "identity"])


def _thin_box(dim, axis, lo, width):
    lo_v, hi_v = -np.ones(dim), np.ones(dim)
    lo_v[axis], hi_v[axis] = lo, lo + width
    return rk.Box(lo_v, hi_v)


def _qhull_volumes(W, b, breaks, box):
    """Pattern -> volume fraction of the box, for a one-layer elementwise net: each pattern's
    polytope {sign (W t + b - c) > 0} cut from the box, in unit-box coordinates u (where the
    box is (-1, 1)^d), measured by qhull; patterns with Chebyshev radius below 1e-3 (the
    slivers, which qhull cannot resolve reliably) are left out."""
    W, b = np.asarray(W, float), np.asarray(b, float)
    c, h = (box.lo + box.hi) / 2, (box.hi - box.lo) / 2
    Wu, bu = W * h, b + W @ c  # z = Wu u + bu
    d = len(c)
    out = {}
    for bits in itertools.product([False, True], repeat=len(b) * len(breaks)):
        rows, rhs = [np.eye(d), -np.eye(d)], [np.ones(d), np.ones(d)]
        for j, (unit, k) in enumerate(itertools.product(range(len(b)), range(len(breaks)))):
            s = 1.0 if bits[j] else -1.0  # s (z - c_k) > 0  <=>  -s Wu u < s (bu - c_k)
            rows.append(-s * Wu[unit][None])
            rhs.append(np.array([s * (bu[unit] - breaks[k])]))
        A, rb = np.vstack(rows), np.concatenate(rhs)
        centre, radius = O.chebyshev_lp(A, rb)
        if radius > 1e-3:
            hs = HalfspaceIntersection(np.hstack([A, -rb[:, None]]), centre)
            try:
                hull = ConvexHull(hs.intersections)
            except QhullError:  # units nearly parallel to a thin axis: vertices 1e-6 apart
                hull = ConvexHull(hs.intersections, qhull_options="QJ Pp")
            out[bits] = hull.volume / 2.0 ** d
    return out


def _check_volumes(rs, box, expected):
    """Volumes sum to the box; every resolvable pattern matches qhull; sampling agrees."""
    vol = rs.volumes() / box.volume
    assert vol.sum() == pytest.approx(1.0, abs=VOLUME_RTOL)
    assert np.all(vol > 0)
    got = {tuple(bool(x) for x in p): v for p, v in zip(rs.pattern_bits(), vol)}
    for bits, v in expected.items():
        assert got[bits] == pytest.approx(v, abs=VOLUME_RTOL)
    T = box.sample(4000, rng=0)
    sampled = rs.network.pattern(box.to_input(T))
    for p, v in zip(rs.pattern_bits(), vol):
        frac = np.mean(np.all(sampled == p, axis=1))
        assert abs(frac - v) <= SIGMAS * np.sqrt(v * (1 - v) / len(T)) + 1e-3


# --- volumes ---------------------------------------------------------------------------------

W5 = [[0, 2, -2, -2, 1],
      [0, 1.9999999991098258, -1.9999999985538022, -2.0000000011274737, 0.9999999998845555]]


@pytest.mark.parametrize("method", ["auto", "lp", "vertex"])
def test_thin_box_nearly_parallel_relu_volumes(method):
    """Was 6917 x the box with every method. Cause: the measures ran in domain coordinates,
    where the 1e-6-thin box made the clip and the cone recursion's tolerances and rank tests
    meaningless; now they run in unit-box coordinates."""
    box = _thin_box(5, 2, 0.18342629069110883, 1e-6)
    rs = rk.enumerate_regions(_one_layer(W5, [2, 2]), box, method=method)
    assert rs.n_regions == 4
    expected = _qhull_volumes(W5, [2, 2], [0.0], box)
    assert len(expected) == 2 and sorted(expected.values()) == pytest.approx(
        [0.18547903772, 0.81452096218], abs=1e-9)
    _check_volumes(rs, box, expected)


def test_thin_box_integer_hard_tanh_volumes():
    """A clean integer 6-D hard-tanh net in a box 1e-6 thin (volumes summed to 1.0148)."""
    W = [[1, 1, 2, 0, 0, 0], [2, -2, 0, -2, 0, 2], [1, -1, 2, 1, 2, -2]]
    b = [0, 1, 1]
    box = _thin_box(6, 2, 0.0, 1e-6)
    net = _one_layer(W, b, "hard_tanh")
    rs = rk.enumerate_regions(net, box)
    _check_volumes(rs, box, _qhull_volumes(W, b, [-1.0, 1.0], box))


W6 = [[0, -1.0000000542803174, 2.0000001650501886, -2.0000000005361445, 0.9999999618158781,
       2.0000000097136916],
      [0, -1, 2, -2, 1, 2]]


@pytest.mark.parametrize("method", ["auto", "lp", "vertex"])
def test_nearly_parallel_hard_tanh_6d(method):
    """Raised SolverError (auto and lp); volumes summed to 1.003 (lp) and 1.0101 (vertex).
    Causes: the LP solver projected the gradient off its active rows once, so with nearly
    parallel rows its steps drifted off them (iteration limit); and the cone recursion took
    facets from incidences that nearly parallel rows share within the tolerance (now
    checked by Minkowski's relation and re-measured from the vertices' hull)."""
    box = rk.Box(-1, 1, dim=6)
    rs = rk.enumerate_regions(_one_layer(W6, [2, 2], "hard_tanh"), box, method=method)
    assert rs.n_regions == 7
    expected = _qhull_volumes(W6, [2, 2], [-1.0, 1.0], box)
    assert len(expected) == 3
    _check_volumes(rs, box, expected)


W4 = [[1.0, 1.0, 1.0, 1.0],
      [1.0000000012563826, 1.00000000154182, 0.9999999993505653, 0.9999999976002973]]
B4 = [-1.0, -1.0000000007576157]


@pytest.mark.parametrize("method", ["auto", "lp"])
def test_divergence_check_remeasures_a_tilted_facet_4d(method):
    """Two hard-tanh units 1e-9 from parallel (4-D fuzz): method="lp" measured the half
    box {x1 + ... + x4 < 0} as 0.519 of the box (volumes summed to 1.019). Its two nearly
    parallel rows share vertices; the cone recursion's facet areas were right (Minkowski's
    sum held) but the distance it took to one facet was not. The divergence theorem over
    the rows disagrees, and the region is re-measured from its vertices' hull."""
    box = rk.Box(-1, 1, dim=4)
    rs = rk.enumerate_regions(_one_layer(W4, B4, "hard_tanh"), box, method=method)
    assert rs.n_regions == 7
    expected = _qhull_volumes(W4, B4, [-1.0, 1.0], box)
    assert sorted(expected.values()) == pytest.approx([1 / 24, 11 / 24, 1 / 2], abs=1e-9)
    _check_volumes(rs, box, expected)


def test_lp_form_volumes_in_1d():
    """method="lp" in 1-D keeps LP-form regions (not intervals): their volumes are lengths,
    with no hull to re-measure them from (the divergence check is for d >= 2)."""
    net = _one_layer([[1.0], [-2.0], [1e-6]], [0.3, 0.1, 0.0])
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=1), method="lp")
    assert not rs.kind.is_interval
    assert sorted(rs.volumes()) == pytest.approx([0.05, 0.3, 0.7, 0.95], abs=1e-12)


# --- the LP form against the vertex paths ----------------------------------------------------

def test_lp_form_finds_the_thin_wedge_2d():
    """method="lp" found 3 regions; exact rational arithmetic finds 4 (the wedge between the
    two nearly parallel lines is 1e-8 wide at the box's edge)."""
    net = _one_layer([[1.00000001, -0.999999993], [1, -1]], [-0.5, -0.5])
    box = rk.Box(-1, 1, dim=2)
    exact = set(O.exact_regions(net, box))
    assert len(exact) == 4
    for method in ("auto", "lp", "vertex"):
        rs = rk.enumerate_regions(net, box, method=method)
        assert {tuple(bool(x) for x in p) for p in rs.pattern_bits()} == exact, method


@pytest.mark.parametrize("method", ["lp", "vertex"])
def test_interior_points_are_inside_their_regions(method):
    """Chebyshev centres left their regions (violating rows by ~1e-6 in the thin box): each
    centre must have its region's pattern in exact arithmetic, with a positive radius."""
    box = _thin_box(5, 2, 0.18342629069110883, 1e-6)
    net = _one_layer(W5, [2, 2])
    rs = rk.enumerate_regions(net, box, method=method)
    assert np.all(rs.chebyshev_radii > 0)
    for p, t in zip(rs.pattern_bits(), rs.interior_points):
        assert O.exact_pattern(net, box, t) == tuple(bool(x) for x in p)


def test_interior_points_after_vertex_form_run_3d():
    """rs.interior_points raised SolverError after a successful 3-D run: concurrent and
    nearly parallel planes through one point."""
    rng = np.random.default_rng(3)
    W = rng.normal(size=(6, 3))
    W[3:] = W[:3] * (1 + 1e-9 * rng.normal(size=(3, 1)))
    net = _one_layer(W, np.zeros(6))
    box = rk.Box(-1, 1, dim=3)
    rs = rk.enumerate_regions(net, box)
    assert np.all(rs.chebyshev_radii > 0)
    assert np.all(box.contains(rs.interior_points))
    assert rs.volumes().sum() == pytest.approx(8.0, rel=1e-9)


# --- scale ---------------------------------------------------------------------------------

@pytest.mark.parametrize("dim", [2, 3])
def test_huge_box_volumes_refused_not_inf_or_nan(dim):
    """A +-1e300 box gave a volume sum of inf (2-D) and nan (3-D): float64 cannot hold the
    volumes, so volumes() says so; counts are unaffected."""
    net = _one_layer(np.eye(dim), np.zeros(dim))
    rs = rk.enumerate_regions(net, rk.Box(-1e300, 1e300, dim=dim))
    assert rs.n_regions == 2 ** dim
    with pytest.raises(RegionkitError, match="overflow"):
        rs.volumes()


def test_small_weights_in_a_large_box_faces():
    """Weights near 1e-6 in a box of +-1e6: measures work in the box's scale."""
    net = _one_layer(np.array([[1.0, 0.3], [-0.2, 1.0]]) * 1e-6, [0.1, -0.2])
    box = rk.Box(-1e6, 1e6, dim=2)
    exact = O.exact_regions(net, box)
    rs = rk.enumerate_regions(net, box)
    assert rs.n_regions == len(exact) == 4
    assert rs.face_counts().tolist() == [1, 4, 4]
    areas = {k: float(O.exact_area(v)) for k, v in exact.items()}
    for p, v in zip(rs.pattern_bits(), rs.volumes()):
        assert v == pytest.approx(areas[tuple(bool(x) for x in p)], rel=1e-12)


# --- bad points ----------------------------------------------------------------------------

def test_jacobian_of_nan_point_raises():
    net = _one_layer(np.eye(2), [0, 0])
    with pytest.raises(PointsError, match="not finite"):
        rk.jacobian(net, [[np.nan, 0.0]])
    with pytest.raises(PointsError, match="not finite"):
        rk.distance_to_region_boundary(net, [[np.inf, 0.0]])


# --- nearly tied maxout pieces ---------------------------------------------------------------

def _tied_maxout(delta, g0, g1):
    """Two maxout units of two pieces each, the second piece delta * g_u (and a bias) off."""
    W = np.repeat(np.array([[1.3, -0.7, 2.1], [-0.4, 1.9, 0.6]]), 2, axis=0)
    W[1] += delta * np.asarray(g0)
    W[3] += delta * np.asarray(g1)
    b = np.array([0.5, 0.5 + 0.2 * delta, -0.25, -0.25 - 0.3 * delta])
    net = rk.Network.from_arrays([W, np.ones((1, 2))], [b, [0.0]],
                                 activations=["maxout:2", "identity"])
    return net, W, b


@pytest.mark.parametrize("delta", [1e-6, 1e-8, 1e-10, 1e-12])
def test_nearly_tied_maxout_faces(delta):
    """Pieces delta apart: the tie planes P_1 = P_0 of the two units cross inside the cube,
    so the complex is 4 regions, 4 facets and 1 edge. Point signs once subtracted the pieces'
    values (~1, each off by ~1e-16) against a pair tolerance ~1e-20, signed the tie planes
    at random, and face_counts matched no faces across them (Euler characteristic 0 and
    regions counted as facets, e.g. [0, 0, 3, 2])."""
    net, _, _ = _tied_maxout(delta, [1.0, 0.5, -0.25], [-0.5, 1.0, 0.75])
    box = rk.Box(-1, 1, dim=3)
    rs = rk.enumerate_regions(net, box)
    assert rs.n_regions == rk.enumerate_regions(net, box, method="exact").n_regions == 4
    assert rs.face_counts().tolist() == [0, 1, 4, 4]
    _check_volumes(rs, box, {})


@pytest.mark.parametrize("delta", [1e-6, 1e-10, 1e-12])
def test_nearly_tied_maxout_volumes(delta):
    """Tie planes parallel to the axes: each region is a box, so its volume is known."""
    net, W, b = _tied_maxout(delta, [1.0, 0.0, 0.0], [0.0, 1.0, 0.0])
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=3))
    # P_1 - P_0 = (W_1 - W_0) x + (b_1 - b_0), both differences exact in floats (Sterbenz):
    # unit 0's piece 1 wins where x0 > c0, unit 1's where x1 > c1.
    c0 = -(b[1] - b[0]) / (W[1, 0] - W[0, 0])
    c1 = -(b[3] - b[2]) / (W[3, 1] - W[2, 1])
    side = {(True, True): (1 - c0) * (1 - c1), (True, False): (1 - c0) * (1 + c1),
            (False, True): (1 + c0) * (1 - c1), (False, False): (1 + c0) * (1 + c1)}
    assert rs.n_regions == 4
    for p, v in zip(rs.pattern_bits(), rs.volumes()):
        assert v == pytest.approx(2 * side[(bool(p[1]), bool(p[3]))], rel=1e-9)


# --- 2-D clipping: no needle from an ill-placed crossing ---------------------------------------

W_NEEDLE = [[1.0, 1.0], [-2.0, 1.0], [-2.0, -2.0], [1.000000000001644, 1.0000000000013607],
            [-1.999999998479438, 1.0000000008827268], [-1.9999985198912897, -2.0000006830694534]]
B_NEEDLE = [-1.0, -1.0, -1.0, -0.9999999999996242, -0.9999999992218537, -1.0000000499925947]


def test_2d_clip_invents_no_needle():
    """Three pairs of nearly parallel |z| units crossing near (-0.5, 0) (2-D fuzz). Units 1
    and 4 cross where the clip can place the vertex only to ~1e-7 along them, and unit 5
    passes 3e-7 from it: the clip cut off a needle (area 3e-23, pattern 0b000110) whose exact
    region is empty. Every region listed must exist exactly; the wedges thinner than the
    tolerance may be left out (docs/certify.md)."""
    net = _one_layer(W_NEEDLE, B_NEEDLE, "absolute")
    box = rk.Box(-1, 1, dim=2)
    rs = rk.enumerate_regions(net, box)
    exact = {p.tobytes() for p in rk.enumerate_regions(net, box, method="exact").pattern_bits()}
    assert {p.tobytes() for p in rs.pattern_bits()} <= exact
    cert = rs.certify()
    assert cert.count("not_genuine") == 0 and cert.count("doubled") == 0
    assert all("thin" in f.detail for f in cert.failures)
    assert rs.volumes().sum() == pytest.approx(box.volume, rel=1e-12)


def test_three_pieces_two_nearly_identical_one_facet():
    """Pieces 1 and 2 of one maxout unit are 1e-9 apart, piece 0 is not (3-D maxout fuzz):
    on the facet where P0 = P2, P1 sits 1e-10 below both, within the wide (0, 1) pair
    tolerance but not the tiny (1, 2) one. Seen from the side where 0 wins, piece 1 read
    as tied; from the other, not: the one facet was counted twice ([0, 0, 2, 2])."""
    W = [[-2.0, 2.0, -1.0],
         [1.9999999990309041, -3.5536300369949237e-10, -1.9999999997145563],
         [2.0000000011749957, -1.9104033436886914e-10, -1.9999999991708741]]
    b = [-7.159569680211972e-12, -5.502472704537716e-10, 7.621261883921339e-11]
    net = rk.Network.from_arrays([W, [[1.0]]], [b, [0.0]], activations=["maxout:3", "identity"])
    box = rk.Box([-0.8201992009781501, 0.0027185439371750775, -0.3948522224053186],
                 [0.05733278759227911, 0.2694767778299428, -0.30586124543016524])
    rs = rk.enumerate_regions(net, box)
    assert rs.n_regions == rk.enumerate_regions(net, box, method="exact").n_regions == 2
    assert rs.face_counts().tolist() == [0, 0, 1, 2]


W_SLIVERS = [[0.0, -2.0, 2.0, -1.0, 0.0], [0.0, -1.0, -2.0, -2.0, 1.0],
             [9.206022496103769e-10, -1.9999999997712563, 2.000000000098374, -1.000000000486808,
              -3.577569753611483e-10],
             [-1.7319956287954918e-06, -0.9999999363073935, -2.0000001961288554,
              -1.9999984038121708, 0.9999992933722188]]
B_SLIVERS = [1.0, 0.0, 1.0000000009332841, 9.744285797295593e-08]


@pytest.mark.parametrize("workers", [1, 2])
def test_vertex_form_invents_no_crossing_of_slivers_5d(workers):
    """Units 0 and 2 are 1e-9 from parallel, units 1 and 3 1e-6 (5-D hard tanh fuzz, seed
    308). Each pair bounds a genuine sliver; the vertex form's float crossings of the two
    slivers made a region (pattern 0x5f) that exact arithmetic finds empty, its vertex
    centroid outside one of its rows by 1e-10. Pieces whose centroid is not strictly inside
    are dropped: every region listed is genuine; the one exact region thinner than floats
    place (0xdf, inradius 1e-10) may be left out, as docs/certify.md allows."""
    net = _one_layer(W_SLIVERS, B_SLIVERS, "hard_tanh")
    box = rk.Box(-1, 1, dim=5)
    rs = rk.enumerate_regions(net, box, method="vertex", workers=workers)
    exact = {p.tobytes() for p in rk.enumerate_regions(net, box, method="exact").pattern_bits()}
    got = {p.tobytes() for p in rs.pattern_bits()}
    assert got <= exact and len(exact) == 45 and len(got) >= 44
    cert = rs.certify()
    assert cert.count("not_genuine") == 0 and cert.count("doubled") == 0
    assert all(f.kind == "missing" and "thin" in f.detail for f in cert.failures)
    assert rs.volumes().sum() == pytest.approx(box.volume, rel=1e-9)


# Two ReLU units 1e-7 apart in angle in 6-D (the fuzz's seed 45, case 244): the vertex-form
# run's cuts let vertices within the tolerance of a hyperplane lie on it, every region broke
# Minkowski's relation and qhull's hull measured them with a sum 2.6e-9 off the box. Each
# unit's side is a half-space cut from the box, whose volume has a closed form.
NEAR_PARALLEL_6D = (
    [[2.0, 1.0, -2.0, 2.0, 1.0, 1.0],
     [2.000000120670899, 1.000000032956001, -2.0000001183336638, 2.0000000703858634,
      0.9999998605059348, 1.0000002109222854]],
    [-1.0, -1.0000000404673157])
# Volumes against the closed form, relative to the box (the target).
EXACT_VOLUME_RTOL = 1e-9


@pytest.mark.parametrize("method", ["auto", "lp"])
def test_near_parallel_6d_volumes_match_closed_form(method):
    W, b = NEAR_PARALLEL_6D
    box = rk.Box(-1, 1, dim=6)
    rs = rk.enumerate_regions(_one_layer(W, b), box, method=method)
    vol = rs.volumes() / box.volume
    assert rs.n_regions == 4
    assert vol.sum() == pytest.approx(1.0, abs=EXACT_VOLUME_RTOL)
    bits = rs.pattern_bits()
    for unit in range(2):  # unit on: W t + b > 0, the complement of W t <= -b
        off = O.halfspace_box_volume(W[unit], -b[unit], box.lo, box.hi) / (2 ** 6)
        assert vol[bits[:, unit]].sum() == pytest.approx(1 - float(off), abs=EXACT_VOLUME_RTOL)


def test_thin_offset_box_lp_volume_to_the_last_bits():
    """A 1-D box 1e-7 wide at 0.6 (the fuzz's seed 45, 'scaled' case 123): LP-form regions
    were clipped in unit-box coordinates whose centre rounds by 1e-16 |centre|, and the
    interval came out 1.1e-9 short of the box."""
    net = _one_layer([[-20.406344578755224], [-63.91837171539879], [77.96196356790391]],
                     [99.49120027507446, -8.059246711274158, -23.80208378941793],
                     act="hard_tanh")
    box = rk.Box([0.5991086570717978], [0.5991087570717978])
    for method in ("auto", "lp"):
        rs = rk.enumerate_regions(net, box, method=method)
        assert rs.volumes().sum() / box.volume == pytest.approx(1.0, abs=1e-14)
