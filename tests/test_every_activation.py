"""Every measure on every registered activation, against independent methods.

Parametrised over every named table of the registry (``NAMED``, with non-default parameters
where a table has any), maxout, and CUSTOM: a table defined in this file alone (three
breakpoints, asymmetric slopes, a flat piece and a negative one). Each runs on small seeded
nets on the open box (-1, 1)^d, d = 1, 2, 3: two hidden layers of 3-5 units whose
pre-activations are scaled to reach every piece of the table, then 1 or 3 linear outputs.

The references never call the engine, a RegionSet or the compiled core: brute force over
sign patterns with LPs (tests/oracles.py: regions, their output maps and volumes, faces,
adjacency by LPs on shared hyperplanes, Betti numbers from the regions and their facets,
forward passes written from the tables), Euler's relation, Monte-Carlo volumes, dense
sampling refined by bisection along paths, sampled balls and runs of a sampled line.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import oracles as O
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

import regionkit as rk
from regionkit import trajectory as T
from regionkit.model import activations as A

# f(z) = z/2 + 1/4 below -3/4, flat -1/8 up to 1/4, slope -3/2 up to 1, then slope 2: every
# number a dyadic rational, so the pieces meet exactly.
CUSTOM = rk.PiecewiseLinear(breakpoints=[-0.75, 0.25, 1.0], slopes=[0.5, 0.0, -1.5, 2.0],
                            offsets=[0.25, -0.125, 0.25, -3.25])

ACTIVATIONS = {
    "identity": A.identity(), "relu": A.relu(), "leaky_relu": A.leaky_relu(0.3),
    "hard_tanh": A.hard_tanh(-0.5, 2.0), "relu6": A.relu6(), "hard_sigmoid": A.hard_sigmoid(),
    "clipped_leaky_relu": A.clipped_leaky_relu(-0.2, 1.5), "absolute": A.absolute(),
    "soft_shrink": A.soft_shrink(0.2), "maxout": rk.Maxout(3), "custom": CUSTOM,
}
WIDTHS = {1: (5, 4), 2: (4, 3), 3: (3, 3)}
N_OUT = {1: 3, 2: 1, 3: 3}
CASES = [(name, d) for name in ACTIVATIONS for d in (1, 2, 3)]
CASES_2D = [(name, d) for name, d in CASES if d < 3]

# Tolerances. Exact quantities computed two ways (volumes, facet volumes, output maps,
# distances) agree to rounding: EXACT_RTOL relative, EXACT_ATOL absolute for values near 0.
EXACT_RTOL, EXACT_ATOL = 1e-8, 1e-10
# Monte-Carlo volumes: within MC_SIGMAS binomial standard deviations (plus one sample).
MC_SAMPLES, MC_SIGMAS = 40000, 5.0
# Breakpoints found by bisection on forward passes, stopped at width 1e-12.
BISECT_ATOL = 1e-9
# A ball of radius dist (1 - BALL_IN) keeps the pattern; one of dist (1 + BALL_OUT) leaves it.
BALL_IN, BALL_OUT = 1e-6, 1e-2


def test_every_registered_activation_is_covered():
    assert set(A.NAMED) | {"maxout", "custom"} == set(ACTIVATIONS)
    for name in A.NAMED:
        assert ACTIVATIONS[name].name == name
    assert CUSTOM.name == A.CUSTOM and 0.0 in CUSTOM.slopes and min(CUSTOM.slopes) < 0
    assert A.parse_activation(CUSTOM.spec) == CUSTOM


# --- nets and cached enumerations ----------------------------------------------------------------

def _targets(act, rng, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Ranges the pre-activations of a layer are scaled to: beyond the table's breakpoints on
    both sides by a random margin, so that every piece is reached."""
    c = np.asarray(getattr(act, "breakpoints", ()))
    lo, hi = (c.min(), c.max()) if len(c) else (0.0, 0.0)
    span = max(hi - lo, 1.0)
    return (lo - span * rng.uniform(0.1, 0.6, rows), hi + span * rng.uniform(0.1, 0.6, rows))


def calibrated_net(act, d: int, seed: int) -> rk.Network:
    """Gaussian layers whose units are rescaled so that their range on sampled points of
    the box is the _targets range; a Gaussian linear output layer."""
    rng = np.random.default_rng(seed)
    corners = np.array(np.meshgrid(*[[-1.0, 1.0]] * d)).reshape(d, -1).T
    h = np.vstack([rng.uniform(-1, 1, size=(2000, d)), corners])
    Ws, bs = [], []
    for w in WIDTHS[d]:
        rows = w * act.rows_per_unit
        W, b = rng.normal(size=(rows, h.shape[1])), rng.normal(size=rows)
        z = h @ W.T + b
        lo, hi = _targets(act, rng, rows)
        scale = (hi - lo) / (z.max(axis=0) - z.min(axis=0))
        W, b = scale[:, None] * W, scale * (b - z.min(axis=0)) + lo
        Ws.append(W)
        bs.append(b)
        h = act(h @ W.T + b)
    Ws.append(rng.normal(size=(N_OUT[d], h.shape[1])))
    bs.append(rng.normal(size=N_OUT[d]))
    return rk.Network.from_arrays(Ws, bs, [act] * len(WIDTHS[d]) + ["identity"])


@dataclass(frozen=True)
class Case:
    net: rk.Network
    box: rk.Box
    rs: rk.RegionSet
    ref: dict  # pattern -> oracles.OracleRegion
    seed: int


@lru_cache(maxsize=None)
def case(name: str, d: int) -> Case:
    """The first seed whose brute force is decidable, enumerated (cached across tests)."""
    box = rk.Box(-1, 1, dim=d)
    first = 1000 * d + 20 * list(ACTIVATIONS).index(name)
    for seed in range(first, first + 20):
        net = calibrated_net(ACTIVATIONS[name], d, seed)
        try:
            ref = O.brute_force_regions(net, box)
        except O.AmbiguousOracle:
            continue
        return Case(net, box, rk.enumerate_regions(net, box), ref, seed)
    raise AssertionError("no seed gave a network the oracle can decide")


@lru_cache(maxsize=None)
def oracle_adjacency(name: str, d: int) -> dict:
    c = case(name, d)
    return O.brute_force_adjacency(c.ref, c.box)


def patterns(rs: rk.RegionSet) -> list[tuple[bool, ...]]:
    return [tuple(row) for row in rs.pattern_bits().tolist()]


# --- regions, maps, faces, strata ----------------------------------------------------------------

@pytest.mark.parametrize("name,d", CASES)
def test_regions_and_maps_match_brute_force(name, d):
    c = case(name, d)
    rs, ref, net = c.rs, c.ref, c.net
    assert rs.complete
    got = patterns(rs)
    assert len(set(got)) == len(got) == rs.n_regions and set(got) == set(ref)
    if name == "identity":
        assert rs.n_regions == 1 and net.n_hyperplanes == 0
    else:  # the first layer's units reach every piece (maxout: some units)
        first = np.array(got)[:, :net.layer_hyperplane_offsets()[1]]
        if name == "maxout":  # winners per unit; a piece can lose everywhere
            winners = first.reshape(len(got), -1, 3).any(axis=0).sum(axis=1)
            assert winners.sum() > len(winners)
        else:
            assert first.any(axis=0).all() and (~first).any(axis=0).all()
    for r, p in enumerate(got):
        np.testing.assert_allclose(rs.output_M[r], ref[p].out_M, rtol=EXACT_RTOL,
                                   atol=EXACT_ATOL)
        np.testing.assert_allclose(rs.output_m[r], ref[p].out_m, rtol=EXACT_RTOL,
                                   atol=EXACT_ATOL)
    bits, out = O.forward_pattern(net, c.box.to_input(rs.interior_points))
    np.testing.assert_array_equal(bits, rs.pattern_bits())
    np.testing.assert_allclose(rs.outputs(rs.interior_points, np.arange(rs.n_regions)), out,
                               rtol=EXACT_RTOL, atol=EXACT_ATOL)


@pytest.mark.parametrize("name,d", CASES)
def test_faces_and_strata(name, d):
    c = case(name, d)
    rs = c.rs
    f = rs.face_counts()
    assert f.tolist() == O.brute_force_faces(c.ref, c.box).tolist()
    assert f[d] == rs.n_regions
    # The open faces partition the open box: Euler characteristic with compact supports
    assert sum((-1) ** k * int(n) for k, n in enumerate(f)) == (-1) ** d
    strata = rs.codim_volumes()
    assert strata[0] == pytest.approx(2.0 ** d, rel=EXACT_RTOL)
    assert strata[d] == f[0]
    facets = sum(facet.volume for facet in oracle_adjacency(name, d).values())
    assert strata[1] == pytest.approx(facets, rel=EXACT_RTOL, abs=EXACT_ATOL)
    assert rs.boundary_volume() == pytest.approx(facets, rel=EXACT_RTOL, abs=EXACT_ATOL)


# --- graph and linear regions --------------------------------------------------------------------

@pytest.mark.parametrize("name,d", CASES)
def test_graph_and_linear_regions_match_brute_force(name, d):
    c = case(name, d)
    rs, ref = c.rs, c.ref
    want = oracle_adjacency(name, d)
    g = rs.adjacency()
    assert g.unmatched_facets == 0
    got = patterns(rs)
    edges = {frozenset((got[i], got[j])): v for i, j, v in zip(g.i, g.j, g.facet_volume)}
    assert len(edges) == len(g.i) and set(edges) == set(want)
    for e, facet in want.items():
        assert edges[e] == pytest.approx(facet.volume, rel=EXACT_RTOL, abs=EXACT_ATOL)

    def same_map(p, q):
        M, N = ref[p].out_M, ref[q].out_M
        return np.abs(M - N).max() <= EXACT_RTOL * max(np.abs(M).max(), np.abs(N).max(), 1.0)

    for i, j, changes in zip(g.i, g.j, g.map_changes):
        assert bool(changes) == (not same_map(got[i], got[j]))
    # linear regions: components of the oracle's graph kept to edges where the map is equal
    index = {p: r for r, p in enumerate(got)}
    keep = [tuple(index[p] for p in e) for e in want if same_map(*e)]
    rows, cols = np.array(keep, dtype=int).reshape(-1, 2).T
    n, labels = connected_components(coo_matrix((np.ones(len(rows)), (rows, cols)),
                                                shape=(rs.n_regions,) * 2), directed=False)
    assert rs.n_linear_regions == n
    mine = rs.linear_regions()
    assert len({(a, b) for a, b in zip(mine, labels)}) == n  # the same partition


# --- volumes -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,d", CASES)
def test_volumes_match_polytopes_and_monte_carlo(name, d):
    c = case(name, d)
    rs = c.rs
    vol = rs.volumes()
    assert vol.sum() == pytest.approx(2.0 ** d, rel=EXACT_RTOL)
    got = patterns(rs)
    exact = np.array([O.region_volume(c.ref[p]) for p in got])
    np.testing.assert_allclose(vol, exact, rtol=EXACT_RTOL, atol=EXACT_ATOL)
    rng = np.random.default_rng(c.seed)
    bits, _ = O.forward_pattern(c.net, rng.uniform(-1, 1, size=(MC_SAMPLES, d)))
    index = {p: r for r, p in enumerate(got)}
    hits = np.bincount([index[tuple(row)] for row in bits.tolist()], minlength=rs.n_regions)
    p = vol / 2.0 ** d
    sigma = np.sqrt(p * (1 - p) / MC_SAMPLES)
    assert np.all(np.abs(hits / MC_SAMPLES - p) <= MC_SIGMAS * sigma + 1.0 / MC_SAMPLES)


# --- distances -----------------------------------------------------------------------------------

def _ball_directions(d: int) -> np.ndarray:
    """Unit vectors: +-1 in 1-D, 720 on the circle, 4000 on a Fibonacci sphere."""
    if d == 1:
        return np.array([[1.0], [-1.0]])
    if d == 2:
        a = np.linspace(0, 2 * np.pi, 720, endpoint=False)
        return np.stack([np.cos(a), np.sin(a)], axis=1)
    k = np.arange(4000) + 0.5
    z, phi = 1 - 2 * k / 4000, np.pi * (1 + 5 ** 0.5) * k
    r = np.sqrt(1 - z ** 2)
    return np.stack([r * np.cos(phi), r * np.sin(phi), z], axis=1)


@pytest.mark.parametrize("name,d", CASES)
def test_distances_match_regions_and_balls(name, d):
    c = case(name, d)
    rs, net, ref = c.rs, c.net, c.ref
    X = np.random.default_rng(c.seed + 1).uniform(-0.95, 0.95, size=(60, d))
    dist = rk.distance_to_region_boundary(net, X)
    bits, _ = O.forward_pattern(net, X)
    skip = len(c.box.b)
    # exact: the nearest hyperplane row of the brute-force region (domain rows dropped)
    want = []
    for x, p in zip(X, bits.tolist()):
        Ar, br = ref[tuple(p)].A[skip:], ref[tuple(p)].b[skip:]
        want.append(np.min((br - Ar @ x) / np.linalg.norm(Ar, axis=1), initial=np.inf))
    want = np.array(want)
    if name == "identity":
        assert np.all(np.isinf(dist)) and np.all(np.isinf(rs.distance_to_complex_boundary(X)))
        return
    np.testing.assert_allclose(dist, want, rtol=EXACT_RTOL, atol=EXACT_ATOL)
    # the enumerated region's rows, and the complex's boundary: equal where the nearest
    # point of the region's boundary is inside the box, never nearer elsewhere
    inside = dist < 1 - np.abs(X).max(axis=1) - EXACT_ATOL
    assert inside.sum() >= 10
    regions = rs.locate(X)
    for x, r, dx, ok in zip(X, regions, dist, inside):
        Ar, br, labels = rs.inequalities(r)
        rows = labels >= 0
        mine = np.min((br[rows] - Ar[rows] @ x) / np.linalg.norm(Ar[rows], axis=1))
        assert mine >= dx * (1 - EXACT_RTOL) - EXACT_ATOL
        if ok:
            assert mine == pytest.approx(dx, rel=EXACT_RTOL, abs=EXACT_ATOL)
    dc = rs.distance_to_complex_boundary(X)
    assert np.all(dc >= dist * (1 - EXACT_RTOL) - EXACT_ATOL)
    np.testing.assert_allclose(dc[inside], dist[inside], rtol=EXACT_RTOL, atol=EXACT_ATOL)
    # sampled balls: the pattern holds inside radius dist, and changes just beyond it
    U = _ball_directions(d)
    for x, p, dx in list(zip(X, bits, dist))[:12]:
        inner, _ = O.forward_pattern(net, x + dx * (1 - BALL_IN) * U)
        outer, _ = O.forward_pattern(net, x + dx * (1 + BALL_OUT) * U)
        assert np.all(inner == p) and np.any(outer != p)


# --- trajectories --------------------------------------------------------------------------------

def _bisect(net, curve, a, b, pa, pb, width=1e-12):
    """Pattern changes in (a, b), located by bisection on forward passes."""
    if b - a <= width:
        return [0.5 * (a + b)]
    m = 0.5 * (a + b)
    pm = O.forward_pattern(net, curve(np.array([m])))[0][0]
    out = []
    if np.any(pm != pa):
        out += _bisect(net, curve, a, m, pa, pm, width)
    if np.any(pm != pb):
        out += _bisect(net, curve, m, b, pm, pb, width)
    return out


def sampled_breakpoints(net, curve, lo: float, hi: float, n: int) -> tuple[np.ndarray, float]:
    """Every pattern change seen on a grid of n points, refined by bisection; the step."""
    t = np.linspace(lo, hi, n)
    P = O.forward_pattern(net, curve(t))[0]
    found = []
    for i in np.flatnonzero(np.any(P[1:] != P[:-1], axis=1)):
        found += _bisect(net, curve, t[i], t[i + 1], P[i], P[i + 1])
    return np.array(found), (hi - lo) / (n - 1)


def polygon_lengths(net, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lengths of the polygons through the images of X, every layer, pre and post."""
    values = O.layer_values(net, X)
    return (np.array([np.linalg.norm(np.diff(z, axis=0), axis=1).sum() for z, _, _ in values]),
            np.array([np.linalg.norm(np.diff(h, axis=0), axis=1).sum() for _, h, _ in values]))


def check_pieces(net, tr, window: tuple[float, float], n: int) -> None:
    """Breakpoints, patterns, unit states and per-unit transitions of a trajectory against
    forward passes sampled along its path. On a straight path a pattern never recurs
    (regions are convex), so bisection finds every change; an arc can re-enter a region
    between two grid points unless every piece is wider than the grid."""
    found, step = sampled_breakpoints(net, tr.points, *window, n)
    exact = tr.breakpoints
    if tr.kind == "arc":
        assert np.diff(np.r_[window[0], exact, window[1]]).min() > 3 * step, \
            "oracle invalid: a piece is narrower than the grid"
    assert len(found) == len(exact)
    np.testing.assert_allclose(found, exact, rtol=0, atol=BISECT_ATOL)
    X = tr.points(tr.midpoints())
    bits, _ = O.forward_pattern(net, X)
    np.testing.assert_array_equal(tr.patterns, bits)
    assert tr.n_patterns == len(np.unique(bits, axis=0))
    for li, (act, (_, _, piece)) in enumerate(zip(net.activations, O.layer_values(net, X))):
        change = np.diff(piece, axis=0)
        if isinstance(act, rk.Maxout):
            assert np.array_equal(tr.states[li], piece)
            want = (change != 0).sum(axis=0)
        elif act.breakpoints:  # pieces numbered from -(k // 2): hard tanh -1, 0, 1
            assert np.array_equal(tr.states[li], piece - len(act.breakpoints) // 2)
            want = np.abs(change).sum(axis=0)
        else:  # no breakpoints: no states, no transitions
            assert tr.states[li].shape == (tr.n_pieces, 0)
            want = np.zeros(piece.shape[1], dtype=int)
        assert np.array_equal(tr.transitions.per_neuron[li], want)


@pytest.mark.parametrize("name,d", CASES)
def test_trajectories_match_dense_sampling(name, d):
    c = case(name, d)
    net = c.net
    x0, x1 = np.random.default_rng(c.seed + 2).uniform(-1, 1, size=(2, d))
    seg = T.segment(net, x0, x1)
    check_pieces(net, seg, (0.0, 1.0), 20001)
    assert seg.n_patterns == seg.n_pieces  # regions are convex: a segment never re-enters
    t = np.r_[0.0, seg.breakpoints, 1.0]  # the images are affine between breakpoints
    pre, post = polygon_lengths(net, seg.points(t))
    np.testing.assert_allclose(seg.lengths.pre, pre, rtol=1e-10)
    np.testing.assert_allclose(seg.lengths.post, post, rtol=1e-10)
    assert seg.lengths.input == pytest.approx(np.linalg.norm(x1 - x0), rel=1e-12)

    line = T.line(net, x0, x1 - x0)
    window = ((line.lo[1] - 1.0, line.hi[-2] + 1.0) if line.n_pieces > 1 else (-5.0, 5.0))
    check_pieces(net, line, window, 20001)
    assert line.n_patterns == line.n_pieces
    far = 10.0 ** np.arange(7)  # the unbounded end pieces keep their patterns far out
    for ts, p in ((window[0] - far, line.patterns[0]), (window[1] + far, line.patterns[-1])):
        assert np.all(O.forward_pattern(net, line.points(ts))[0] == p)

    if d >= 2:
        arc = T.arc(net, x0, x1)
        check_pieces(net, arc, (0.0, 1.0), 40001)
        t = np.union1d(np.r_[0.0, arc.breakpoints, 1.0], np.linspace(0, 1, 40001))
        pre, post = polygon_lengths(net, arc.points(t))
        np.testing.assert_allclose(arc.lengths.pre, pre, rtol=1e-7)
        np.testing.assert_allclose(arc.lengths.post, post, rtol=1e-7)


# --- Betti numbers, bounds, pictures -------------------------------------------------------------

@pytest.mark.parametrize("name,d", CASES_2D)
def test_betti_numbers_match_brute_force(name, d):
    """At levels halfway between two values the net takes near its 30, 50 and 70 percent
    quantiles (never a plateau's value), against the Betti numbers assembled from the
    brute-force regions and facets (b1 by Alexander duality), and in 1-D against the runs
    of a fine grid above the level.

    A cubical complex of a sampled grid (gudhi) is no reference here: on the hard tanh net
    at the 30 percent level a wedge of {F <= level} thinner than a cell reaches the box's
    side, and gudhi on grids of 200, 400 and 1600 cells a side reports a hole that is not
    there."""
    c = case(name, d)
    net = c.net
    grid = np.linspace(-1, 1, 200001)[1:-1, None] if d == 1 else c.box.sample(4000, rng=0)
    F = O.forward_pattern(net, grid)[1][:, 0]
    values = np.unique(F)
    for q in (0.5, 0.3, 0.7):
        i = int(q * (len(values) - 1))
        level = float(values[i:i + 2].mean())
        betti = rk.betti_numbers(net, c.box, level).betti
        assert betti == O.brute_force_betti(c.ref, oracle_adjacency(name, d), c.box, level)
        if d == 1:
            above = F > level
            assert betti == (int(np.sum(above[1:] & ~above[:-1]) + above[0]),)


@pytest.mark.parametrize("name,d", CASES)
def test_bounds_hold(name, d):
    table = rk.bounds.check(case(name, d).rs, strict=True)
    assert not table.violations and table.rows


@pytest.mark.parametrize("name,d", CASES_2D)
def test_plots_draw_every_region(name, d):
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    from matplotlib.path import Path

    from regionkit import plot

    c = case(name, d)
    rs = c.rs
    try:
        if d == 1:
            ax = plot.plot_line(rs)
            graph = [a for a in ax.get_lines() if a.get_gid() == "graph"][0]
            x, y = graph.get_xdata(), graph.get_ydata()
            assert len(x) == rs.n_regions + 1  # one piece per region
            np.testing.assert_allclose(np.sort(np.diff(x)),
                                       np.sort([O.region_volume(r) for r in c.ref.values()]),
                                       rtol=EXACT_RTOL, atol=EXACT_ATOL)
            np.testing.assert_allclose(y, O.forward_pattern(c.net, x[:, None])[1][:, 0],
                                       rtol=EXACT_RTOL, atol=EXACT_ATOL)
            return
        ax = plot.plot_partition(rs)
        polys = [p.vertices for p in
                 [a for a in ax.collections if a.get_gid() == "regions"][0].get_paths()]
        assert len(polys) == rs.n_regions  # one patch per region
        areas = np.array([abs(O.shoelace_area(P)) for P in polys])
        np.testing.assert_allclose(areas, [O.region_volume(c.ref[p]) for p in patterns(rs)],
                                   rtol=EXACT_RTOL, atol=EXACT_ATOL)
        assert all(Path(P).contains_point(x) for P, x in zip(polys, rs.interior_points))
        plot.plot_partition(rs, color_by="linear")
    finally:
        plot.pyplot("Agg").close("all")
