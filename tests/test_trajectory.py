"""regionkit.trajectory against independent methods.

Each check compares with something the module does not use: closed forms (the tent map's
dyadic breakpoints, one-layer crossings -b_i / (w_i . u), products of affine maps, a rotating
half-plane's 2s labellings), plain forward passes sampled densely and refined by bisection,
polygonal approximations of image lengths, or the zero-bias ReLU variance identity
E|D W v|^2 = (sigma_w^2 / 2) |v|^2. Segments, lines and polylines are cut by the engine's
1-D core, so comparing them with enumerate_regions checks how the pieces are assembled; the
forward-pass checks beside those comparisons are the independent ones.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad

import regionkit as rk
from regionkit import trajectory as T

ACTS = {"relu": None, "leaky": ["leaky_relu:0.2"] * 2 + ["identity"],
        "hard_tanh": ["hard_tanh"] * 2 + ["identity"], "mixed": ["hard_tanh", "relu", "identity"]}


def gaussian_net(arch, activations=None, seed=0, bias=0.5, sigma_w=1.0):
    """N(0, sigma_w^2 / fan_in) weights, N(0, bias^2) biases: generic positions."""
    rng = np.random.default_rng(seed)
    Ws = [sigma_w * rng.normal(size=(o, i)) / np.sqrt(i) for i, o in zip(arch[:-1], arch[1:])]
    bs = [bias * rng.normal(size=o) for o in arch[1:]]
    return rk.Network.from_arrays(Ws, bs, activations)


def sawtooth(k):
    """t^k, t(x) = 2 relu(x) - 4 relu(x - 1/2), one hidden layer per composition."""
    folded = np.array([[2.0, -4.0], [2.0, -4.0]])
    Ws = [np.array([[1.0], [1.0]])] + [folded] * (k - 1) + [np.array([[2.0, -4.0]])]
    return rk.Network.from_arrays(Ws, [np.array([0.0, -0.5])] * k + [np.zeros(1)])


def bisect_changes(net, curve, a, b, pa, pb, width=1e-12):
    """Pattern changes in (a, b) located by bisection on forward passes."""
    if b - a <= width:
        return [0.5 * (a + b)]
    m = 0.5 * (a + b)
    pm = net.pattern(curve(np.array([m])))[0]
    out = []
    if np.any(pm != pa):
        out += bisect_changes(net, curve, a, m, pa, pm, width)
    if np.any(pm != pb):
        out += bisect_changes(net, curve, m, b, pm, pb, width)
    return out


def sampled_breakpoints(net, curve, lo, hi, n):
    """Every pattern change on a grid of n points, each refined by bisection."""
    t = np.linspace(lo, hi, n)
    P = net.pattern(curve(t))
    found = []
    for i in np.flatnonzero(np.any(P[1:] != P[:-1], axis=1)):
        found += bisect_changes(net, curve, t[i], t[i + 1], P[i], P[i + 1])
    return np.array(found), (hi - lo) / (n - 1)


def assert_patterns_by_forward_pass(net, tr):
    assert np.array_equal(tr.patterns, net.pattern(tr.points(tr.midpoints())))


# --- A2: the tent map ---------------------------------------------------------------------------

@pytest.mark.parametrize("k", range(1, 11))
def test_sawtooth_has_2_to_the_k_pieces(k):
    tr = T.segment(sawtooth(k), [0.0], [1.0])
    assert tr.n_pieces == tr.n_patterns == 2 ** k
    assert np.allclose(tr.breakpoints, np.arange(1, 2 ** k) / 2 ** k, rtol=0, atol=1e-14)
    # each piece of t^k runs between 0 and 1, so the image has length 2^k
    assert tr.lengths.output == pytest.approx(2.0 ** k, rel=1e-12)


# --- one hidden layer: closed-form crossings (B1) -------------------------------------------------

@pytest.mark.parametrize("act,thresholds", [("relu", [0.0]), ("leaky_relu:0.3", [0.0]),
                                            ("hard_tanh", [-1.0, 1.0])])
def test_one_layer_line_breakpoints_are_the_crossings(act, thresholds):
    net = gaussian_net([6, 25, 1], [act, "identity"], seed=3)
    rng = np.random.default_rng(4)
    x0, u = rng.normal(size=6), rng.normal(size=6)
    tr = T.line(net, x0, u)
    W, b = net.weights[0], net.biases[0]
    expected = np.sort(np.concatenate([(c - W @ x0 - b) / (W @ u) for c in thresholds]))
    assert tr.n_pieces == len(expected) + 1 == tr.n_patterns
    assert np.allclose(tr.breakpoints, expected, rtol=1e-12, atol=1e-12)
    assert tr.lo[0] == -np.inf and tr.hi[-1] == np.inf
    assert_patterns_by_forward_pass(net, tr)
    assert tr.transitions.total == len(expected)  # every unit crosses once per threshold


def test_cauchy_breakpoint_count_on_a_segment_of_a_line():
    """B1: t* = -b/(w.u) is Cauchy(0, gamma), so the expected number of crossings in [a, b]
    is n/pi (atan(b/gamma) - atan(a/gamma))."""
    n_in, n, sw, sb, reps = 50, 200, math.sqrt(2.0), 1.0, 30
    rng = np.random.default_rng(5)
    u = rng.normal(size=n_in)
    gamma = sb * math.sqrt(n_in) / (sw * np.linalg.norm(u))
    a, b = 0.2 * gamma, 3.0 * gamma
    counts = []
    for r in range(reps):
        net = gaussian_net([n_in, n, 1], seed=100 + r, bias=sb, sigma_w=sw)
        counts.append(T.segment(net, a * u, b * u).n_pieces - 1)
    expected = n / math.pi * (math.atan(b / gamma) - math.atan(a / gamma))
    se = np.std(counts, ddof=1) / math.sqrt(reps)
    assert abs(np.mean(counts) - expected) < 3 * se + 0.5


# --- A4: segments agree with the compiled 1-D engine ---------------------------------------------

@pytest.mark.parametrize("name,arch,acts,scale", [
    ("relu", [4, 16, 16, 16, 1], None, 2.0),
    ("leaky", [3, 12, 12, 2], ACTS["leaky"], 2.0),
    ("hard_tanh", [3, 12, 12, 1], ACTS["hard_tanh"], 3.0),
    ("mnist-like", [784, 64, 64, 10], ACTS["mixed"], 1.0),
])
def test_segment_agrees_with_engine(name, arch, acts, scale):
    net = gaussian_net(arch, acts, seed=len(name), bias=0.3)
    rng = np.random.default_rng(len(name))
    x0, x1 = scale * rng.normal(size=(2, arch[0]))
    tr = T.segment(net, x0, x1)
    rs = rk.enumerate_regions(net, rk.Segment(x0, x1), progress=False)
    order = np.argsort(rs.vertices.reshape(-1, 2)[:, 0])
    ends = rs.vertices.reshape(-1, 2)[order]
    assert tr.n_pieces == rs.n_regions == tr.n_patterns
    assert np.allclose(tr.lo, ends[:, 0], rtol=0, atol=1e-9)
    assert np.allclose(tr.hi, ends[:, 1], rtol=0, atol=1e-9)
    assert np.array_equal(tr.patterns, rs.pattern_bits()[order])
    assert tr.transitions.total >= tr.n_pieces - 1
    assert_patterns_by_forward_pass(net, tr)


def test_whole_line_has_no_breakpoint_beyond_the_extreme_ones():
    net = gaussian_net([5, 20, 20, 20, 1], ACTS["mixed"][:1] * 2 + ["relu", "identity"], seed=8)
    rng = np.random.default_rng(9)
    x0, u = rng.normal(size=(2, 5))
    tr = T.line(net, x0, u)
    inner = rk.enumerate_regions(net, rk.Segment(tr.points(tr.lo[1] - 1.0)[0],
                                                 tr.points(tr.hi[-2] + 1.0)[0]), progress=False)
    assert inner.n_regions == tr.n_pieces
    far = tr.points(np.array([tr.lo[1] - 10.0 ** e for e in range(0, 9)]
                             + [tr.hi[-2] + 10.0 ** e for e in range(0, 9)]))
    P = net.pattern(far)
    assert np.array_equal(P[:9], np.repeat(tr.patterns[:1], 9, axis=0))
    assert np.array_equal(P[9:], np.repeat(tr.patterns[-1:], 9, axis=0))


# --- arcs and circles against dense sampling refined by bisection ---------------------------------

@pytest.mark.parametrize("kind", ["arc", "circle"])
@pytest.mark.parametrize("name,arch,acts", [
    ("relu", [3, 10, 10, 1], None),
    ("hard_tanh", [4, 8, 8, 1], ACTS["hard_tanh"]),
    ("leaky", [6, 10, 10, 2], ACTS["leaky"]),
])
def test_arcs_agree_with_sampling_and_bisection(kind, name, arch, acts):
    net = gaussian_net(arch, acts, seed=len(name) + len(kind), bias=0.5)
    rng = np.random.default_rng(len(name))
    x0, x1 = 2.0 * rng.normal(size=(2, arch[0]))
    tr = getattr(T, kind)(net, x0, x1)
    found, step = sampled_breakpoints(net, tr.points, 0.0, 1.0, 200001)
    exact = tr.breakpoints
    widths = np.diff(np.r_[exact, exact[:1] + 1.0] if kind == "circle" else np.r_[0, exact, 1])
    assert widths.min() > 3 * step, "oracle invalid: a piece is narrower than the grid"
    assert len(found) == len(exact)  # no missed piece, no extra piece
    assert np.allclose(np.sort(found), exact, rtol=0, atol=1e-9)
    assert_patterns_by_forward_pass(net, tr)
    assert tr.n_patterns == len(np.unique(tr.patterns, axis=0)) <= tr.n_pieces


def test_deep_hard_tanh_keeps_thin_pieces():
    """Depth 8: tolerance scales that compound |W| through the layers (about 5x per layer
    here) would merge this segment's piece of width 1.2e-6. On a segment a pattern never
    recurs (convex regions), so sampling refined by bisection finds every change."""
    net = gaussian_net([20] + [30] * 8 + [1], ["hard_tanh"] * 8 + ["identity"], seed=2,
                       bias=0.3, sigma_w=math.sqrt(2))
    x0, x1 = np.random.default_rng(2).normal(size=(2, 20))
    tr = T.segment(net, x0, x1)
    found, _ = sampled_breakpoints(net, tr.points, 0.0, 1.0, 20001)
    assert np.diff(np.r_[0.0, tr.breakpoints, 1.0]).min() < 2e-6
    assert len(found) == tr.n_pieces - 1
    assert np.allclose(found, tr.breakpoints, rtol=0, atol=1e-9)
    arc = T.arc(net, x0, x1)
    found, step = sampled_breakpoints(net, arc.points, 0.0, 1.0, 200001)
    assert len(found) == arc.n_pieces - 1
    assert np.allclose(found, arc.breakpoints, rtol=0, atol=1e-9)
    assert_patterns_by_forward_pass(net, arc)


def test_arc_can_reenter_a_region():
    """A one-unit ReLU layer and a circle crossing its hyperplane twice: 2 pieces, 2 patterns;
    an arc that enters and leaves a half-plane: 3 pieces, 2 patterns."""
    net = rk.Network.from_arrays([np.array([[1.0, 0.0]]), np.ones((1, 1))],
                                 [np.array([0.5]), np.zeros(1)])
    circ = T.circle(net, [1.0, 0.0], [0.0, 1.0])
    assert (circ.n_pieces, circ.n_patterns) == (2, 2)
    assert circ.transitions.per_neuron[0].tolist() == [2]
    assert np.allclose(circ.breakpoints, [1 / 3, 2 / 3])  # cos(2 pi t) = -1/2
    start = rk.Network.from_arrays([np.array([[0.0, 1.0]]), np.ones((1, 1))],
                                   [np.zeros(1), np.zeros(1)])  # sin(2 pi t) > 0: starts on it
    circ = T.circle(start, [1.0, 0.0], [0.0, 1.0])
    assert circ.n_pieces == 2 and circ.transitions.per_neuron[0].tolist() == [2]
    assert np.allclose(circ.breakpoints, [0.0, 0.5], atol=1e-15)
    # x1 + x2 = sqrt(2) sin(th + pi/4) on the quarter circle exceeds 1.2 in the middle only
    net2 = rk.Network.from_arrays([np.array([[1.0, 1.0]]), np.ones((1, 1))],
                                  [np.array([-1.2]), np.zeros(1)])
    tr = T.arc(net2, [1.0, 0.0], [0.0, 1.0])
    s = math.asin(1.2 / math.sqrt(2))
    expected = np.array([s - math.pi / 4, 3 * math.pi / 4 - s]) / (math.pi / 2)
    assert (tr.n_pieces, tr.n_patterns) == (3, 2)
    assert np.allclose(tr.breakpoints, expected, rtol=0, atol=1e-14)
    found, _ = sampled_breakpoints(net2, tr.points, 0.0, 1.0, 2001)
    assert np.allclose(found, expected, atol=1e-9)


# --- transitions on closed curves (A4) -----------------------------------------------------------

@pytest.mark.parametrize("acts", [None, ACTS["hard_tanh"], ACTS["leaky"], ACTS["mixed"]])
def test_transitions_on_closed_curves_are_even(acts):
    net = gaussian_net([5, 16, 16, 1], acts, seed=11, bias=0.5, sigma_w=2.0)
    rng = np.random.default_rng(12)
    circ = T.circle(net, *(2.0 * rng.normal(size=(2, 5))))
    poly = T.polyline(net, 2.0 * rng.normal(size=(6, 5)), closed=True)
    for tr in (circ, poly):
        assert_patterns_by_forward_pass(net, tr)
        assert all(np.all(t % 2 == 0) for t in tr.transitions.per_neuron)
        assert tr.transitions.total >= tr.n_pieces
        # transitions are the state changes between cyclically consecutive pieces
        S = np.concatenate(tr.states, axis=1).astype(int)
        assert tr.transitions.total == np.abs(S - np.roll(S, 1, axis=0)).sum()


def test_hard_tanh_unit_has_three_states():
    net = rk.Network.from_arrays([np.array([[1.0]]), np.array([[1.0]])], [np.zeros(1), np.zeros(1)],
                                 ["hard_tanh", "identity"])
    tr = T.segment(net, [-2.0], [2.0])
    assert tr.states[0][:, 0].tolist() == [-1, 0, 1]
    assert tr.transitions.per_neuron[0].tolist() == [2]
    assert tr.patterns.tolist() == [[False, False], [True, False], [True, True]]
    assert tr.lengths.output == pytest.approx(2.0, rel=1e-14)


def test_polyline_joins_segments_and_reenters():
    net = gaussian_net([4, 12, 12, 1], seed=13)
    rng = np.random.default_rng(14)
    a, b = 2.0 * rng.normal(size=(2, 4))
    seg = T.segment(net, a, b)
    back = T.polyline(net, [a, b, a])  # out and back: every region twice but the last
    assert back.n_pieces == 2 * seg.n_pieces - 1
    assert back.n_patterns == seg.n_patterns
    assert np.allclose(back.breakpoints, np.r_[seg.breakpoints, 2.0 - seg.breakpoints[::-1]])
    assert np.all(back.transitions.per_neuron[0] % 2 == 0)
    assert back.lengths.output == pytest.approx(2 * seg.lengths.output, rel=1e-12)
    pts = 2.0 * rng.normal(size=(4, 4))
    poly = T.polyline(net, pts)
    cut = [rk.enumerate_regions(net, rk.Segment(p, q), progress=False)
           for p, q in zip(pts, pts[1:])]
    inner = sum(r.n_regions - 1 for r in cut)
    joints = sum(int(np.any(net.pattern(pts[i:i + 1] + 1e-9 * (pts[i] - pts[i - 1]))
                            != net.pattern(pts[i:i + 1] + 1e-9 * (pts[i + 1] - pts[i]))))
                 for i in (1, 2))
    assert poly.n_pieces == inner + joints + 1
    assert_patterns_by_forward_pass(net, poly)


# --- trajectory length ------------------------------------------------------------------------

def test_length_through_an_affine_map_is_exact():
    rng = np.random.default_rng(15)
    Ws = [rng.normal(size=(7, 5)), rng.normal(size=(6, 7)), rng.normal(size=(3, 6))]
    net = rk.Network.from_arrays(Ws, [rng.normal(size=w.shape[0]) for w in Ws],
                                 ["identity"] * 3)
    M = Ws[2] @ Ws[1] @ Ws[0]
    x0, x1 = rng.normal(size=(2, 5))
    seg = T.segment(net, x0, x1)
    assert seg.n_pieces == 1
    assert seg.lengths.output == pytest.approx(np.linalg.norm(M @ (x1 - x0)), rel=1e-13)
    assert seg.lengths.pre[1] == pytest.approx(np.linalg.norm(Ws[1] @ Ws[0] @ (x1 - x0)), rel=1e-13)
    assert T.line(net, x0, x1 - x0).lengths.output == np.inf
    a, b = M @ x0, M @ x1
    circ = T.circle(net, x0, x1)  # an ellipse: quadrature of |-a sin + b cos| 2 pi
    ref, err = quad(lambda th: np.linalg.norm(-a * np.sin(th) + b * np.cos(th)), 0, 2 * np.pi,
                    epsabs=1e-13, epsrel=1e-13, limit=200)
    assert abs(circ.lengths.output - ref) <= circ.lengths.error + err + 1e-12 * ref
    assert circ.lengths.error < 1e-9 * ref


@pytest.mark.parametrize("kind", ["segment", "arc"])
def test_lengths_of_every_layer_match_polygons(kind):
    net = gaussian_net([5, 16, 16, 2], ACTS["mixed"], seed=16)
    rng = np.random.default_rng(17)
    x0, x1 = 2.0 * rng.normal(size=(2, 5))
    tr = getattr(T, kind)(net, x0, x1)
    # affine on the pieces of a segment: the polygon through the breakpoints is exact; on arcs
    # a fine polygon with a vertex at every breakpoint has error O(step^2)
    t = np.r_[0.0, tr.breakpoints, 1.0]
    if kind == "arc":
        t = np.union1d(t, np.linspace(0.0, 1.0, 200001))
    Z = net.preactivations(tr.points(t))
    for li, z in enumerate(Z):
        h = net.activate(li, z)
        for got, img in ((tr.lengths.pre[li], z), (tr.lengths.post[li], h)):
            poly = np.linalg.norm(np.diff(img, axis=0), axis=1).sum()
            assert got == pytest.approx(poly, rel=1e-12 if kind == "segment" else 1e-8)
    assert tr.lengths.input == pytest.approx(np.linalg.norm(np.diff(tr.points(t), axis=0),
                                                            axis=1).sum(), rel=1e-8)


def test_zero_bias_relu_length_growth_is_sigma_over_sqrt2():
    """B5: E|D W v|^2 = (sigma_w^2 / 2)|v|^2 for zero-bias Gaussian ReLU layers of equal width,
    so the per-layer length ratio is sigma_w / sqrt(2), less a Jensen gap of about 5 / (8 k).
    Layer 1 changes the width (n_in -> k) and is left out; the standard error is taken over
    nets, since the layers of one net are correlated."""
    k, depth, nets, n_in = 128, 4, 30, 32
    rng = np.random.default_rng(18)
    for sigma2 in (1.0, 4.0):
        per_net = []
        for s in range(nets):
            net = gaussian_net([n_in] + [k] * depth + [1], seed=200 + s, bias=0.0,
                               sigma_w=math.sqrt(sigma2))
            x0, x1 = rng.normal(size=(2, n_in))
            per_net.append(np.mean(T.segment(net, x0, x1).lengths.growth[1:depth]))
        expected = math.sqrt(sigma2 / 2) * (1 - 5 / (8 * k))
        se = np.std(per_net, ddof=1) / math.sqrt(nets)
        assert se < 0.01 * expected
        assert abs(np.mean(per_net) - expected) < 3 * se


# --- batch tables ----------------------------------------------------------------------------

@pytest.mark.parametrize("kind", T.KINDS)
def test_table_rows_match_single_paths(kind):
    net = gaussian_net([6, 12, 12, 2], ACTS["mixed"], seed=19)
    rng = np.random.default_rng(20)
    A, B = 2.0 * rng.normal(size=(2, 7, 6))
    rows = T.table(net, kind, A, B, chunk=3)
    assert rows["path"].tolist() == list(range(7))
    for i in range(7):
        tr = getattr(T, kind)(net, A[i], B[i])
        assert rows["n_pieces"][i] == tr.n_pieces and rows["n_patterns"][i] == tr.n_patterns
        assert rows["transitions"][i] == tr.transitions.total
        assert rows["transitions_1"][i] == tr.transitions.per_layer[0]
        assert rows["output_transitions"][i] == tr.transitions.output
        assert rows["length_post_2"][i] == pytest.approx(tr.lengths.post[1], rel=1e-12)
        assert rows["length_out"][i] == pytest.approx(tr.lengths.output, rel=1e-12)


def test_random_lines_at_init_have_about_one_piece_per_neuron():
    """B2 (H&R Fig. 5 at initialisation): He normal, bias variance 1e-6, lines through the
    origin and a data-like point: pieces / neurons close to 1 (prototype 1.008 for [32]x3)."""
    rng = np.random.default_rng(21)
    arch = [100, 32, 32, 32, 10]
    Ws = [rng.normal(size=(o, i)) * math.sqrt(2 / i) for i, o in zip(arch[:-1], arch[1:])]
    net = rk.Network.from_arrays(Ws, [1e-3 * rng.normal(size=o) for o in arch[1:]])
    rows = T.random_lines(net, 200, rng.uniform(0, 1, size=(50, 100)), rng=22)
    assert np.all(rows["n_patterns"] == rows["n_pieces"])
    assert np.all(rows["transitions"] >= rows["n_pieces"] - 1)
    assert abs(rows["n_pieces"].mean() / 96 - 1.0) < 0.1


# --- dichotomies -------------------------------------------------------------------------------

@pytest.mark.parametrize("s", [1, 5, 40, 70])
def test_dichotomies_of_a_rotating_halfplane(s):
    """One linear unit, zero bias: (cos t w0 + sin t w1).x is a rotating half-plane through the
    origin in 2-D, which realises exactly 2s labellings of s points in general position."""
    rng = np.random.default_rng(s)
    net = rk.Network.from_arrays([rng.normal(size=(1, 4))], [np.zeros(1)], ["identity"])
    d = T.dichotomies(net, rng.normal(size=(s, 4)), rng=0)
    assert d.n_dichotomies == 2 * s == d.label_flips == len(d.breakpoints)
    assert len({tuple(r) for r in d.labellings}) == d.n_dichotomies


@pytest.mark.parametrize("layer", [0, 1, 2])
def test_dichotomies_agree_with_sampled_sweep(layer):
    net = gaussian_net([5, 10, 10, 1], ACTS["hard_tanh"], seed=23, bias=0.0, sigma_w=2.0)
    rng = np.random.default_rng(24)
    X = rng.normal(size=(6, 5))
    W0 = net.weights[layer]
    W1 = rng.normal(size=W0.shape)
    d = T.dichotomies(net, X, layer, W1)

    H = X if layer == 0 else net.activate(layer - 1, net.preactivations(X)[layer - 1])

    def labels(t):
        """Output signs (len(t), s) by a plain forward pass with the swept weights."""
        t = np.atleast_1d(t)[:, None, None]
        h = np.cos(t) * (H @ W0.T) + np.sin(t) * (H @ W1.T) + net.biases[layer]
        for li in range(layer, net.n_layers):
            if li > layer:
                h = h @ net.weights[li].T + net.biases[li]
            h = net.activate(li, h)
        return h[..., 0] > 0

    grid = np.linspace(0, 2 * np.pi, 100001)
    L = labels(grid)
    flips = []
    for i in np.flatnonzero(np.any(L[1:] != L[:-1], axis=1)):
        a, b = grid[i], grid[i + 1]
        for _ in range(40):
            m = 0.5 * (a + b)
            a, b = (m, b) if np.array_equal(labels(m)[0], L[i]) else (a, m)
        flips.append(0.5 * (a + b))
    assert np.diff(np.r_[d.breakpoints, d.breakpoints[0] + 2 * np.pi]).min() > 3 * grid[1]
    assert np.allclose(d.breakpoints, flips, atol=1e-9)
    assert d.n_dichotomies == len(np.unique(L, axis=0))
    assert d.label_flips == len(flips)


# --- every path kind and activation against dense sampling ---------------------------------------

def oracle_net(kind, d, seed):
    """Small generic nets of every activation kind on d inputs (Gaussian, biases 0.5)."""
    rng = np.random.default_rng(seed)
    if kind == "maxout":  # 8 maxout units of 3 pieces, then relu
        Ws = [rng.normal(size=(24, d)) / np.sqrt(d), rng.normal(size=(10, 8)) / np.sqrt(8),
              rng.normal(size=(2, 10)) / np.sqrt(10)]
        acts = ["maxout:3", "relu", "identity"]
    else:
        acts = {"relu": ["relu", "relu", "identity"],
                "leaky": ["leaky_relu:0.2", "leaky_relu:0.2", "identity"],
                "hard_tanh": ["hard_tanh", "hard_tanh", "identity"],
                "identity_middle": ["relu", "identity", "hard_tanh", "identity"]}[kind]
        arch = [d] + [10] * (len(acts) - 1) + [2]
        Ws = [rng.normal(size=(o, i)) * np.sqrt(2.0 / i) for i, o in zip(arch[:-1], arch[1:])]
    return rk.Network.from_arrays(Ws, [0.5 * rng.normal(size=W.shape[0]) for W in Ws], acts)


def unit_pieces(net, X):
    """Per layer, the piece of its activation each unit is on, from plain forward passes."""
    out = []
    for z, act, k in zip(net.preactivations(X), net.activations, net.pieces):
        if act.name == "maxout":
            out.append(z.reshape(z.shape[0], -1, k).argmax(axis=2))
        elif act.name == "hard_tanh":
            out.append((z > -1).astype(int) + (z > 1))
        elif act.name == "identity":
            out.append(np.zeros((z.shape[0], 0), dtype=int))
        else:
            out.append((z > 0).astype(int))
    return out


def polygon_lengths(net, X):
    """Lengths of the polygons through the images of X at every layer, pre and post."""
    pre, post = [], []
    for li, z in enumerate(net.preactivations(X)):
        pre.append(np.linalg.norm(np.diff(z, axis=0), axis=1).sum())
        post.append(np.linalg.norm(np.diff(net.activate(li, z), axis=0), axis=1).sum())
    return np.array(pre), np.array(post)


PATH_KINDS = ["segment", "line", "polyline", "closed_polyline", "arc", "circle"]


# arcs need two independent inputs; d = 784 for one net kind only (time)
SAMPLED_CASES = [(net, path, d) for net in ["relu", "leaky", "hard_tanh", "maxout",
                                            "identity_middle"]
                 for path in PATH_KINDS for d in (1, 5, 60, 784)
                 if not (d == 1 and path in ("arc", "circle", "closed_polyline"))
                 and (d < 784 or net == "identity_middle")]


@pytest.mark.parametrize("net_kind,path,d", SAMPLED_CASES)
def test_paths_agree_with_dense_sampling(net_kind, path, d):
    """Breakpoints, patterns, states, per-unit transitions, distinct patterns and every
    layer's image length against forward passes sampled densely along the path (pattern
    changes refined by bisection, polygons through the images)."""
    seed = 7 * d + len(net_kind) + len(path)
    net = oracle_net(net_kind, d, seed)
    rng = np.random.default_rng(seed)
    x0, x1 = 1.5 * rng.normal(size=(2, d))
    closed = path in ("circle", "closed_polyline")
    if path == "segment":
        tr = T.segment(net, x0, x1)
    elif path == "line":
        tr = T.line(net, x0, x1)
    elif path in ("polyline", "closed_polyline"):
        tr = T.polyline(net, 1.5 * rng.normal(size=(4, d)), closed=closed)
    else:
        tr = getattr(T, path)(net, x0, x1)
    # the sampled window: the path's parameter range, or for a whole line its breakpoints
    # and one unit beyond
    lo, hi = ((tr.lo[1] - 1.0, tr.hi[-2] + 1.0) if path == "line"
              else (0.0, tr.period if closed else 3.0 if path == "polyline" else 1.0))
    # a grid point at every polyline vertex: inside a leg patterns never recur (convex
    # regions), so bisection finds every change; arcs can re-enter a region between two
    # grid points unless every piece is wider than the grid
    arcs = path in ("arc", "circle")
    found, step = sampled_breakpoints(net, tr.points, lo, hi, 120001 if arcs else 24001)
    exact = tr.breakpoints
    if path == "line":
        assert tr.lo[0] == -np.inf and tr.hi[-1] == np.inf
    if arcs:
        ends = np.r_[lo, exact, hi] if not closed else np.r_[exact, exact[:1] + tr.period]
        assert np.diff(ends).min() > 3 * step, "oracle invalid: a piece is narrower than the grid"
    assert len(found) == len(exact) and np.allclose(found, exact, rtol=0, atol=1e-9)
    # patterns and states at an interior point of every piece
    X = tr.points(tr.midpoints())
    assert np.array_equal(tr.patterns, net.pattern(X))
    assert tr.n_patterns == len(np.unique(tr.patterns, axis=0))
    pieces = unit_pieces(net, X)
    for li, (act, p) in enumerate(zip(net.activations, pieces)):
        assert np.array_equal(tr.states[li], p - 1 if act.name == "hard_tanh" else p)
        step_ = (np.roll(p, -1, axis=0) - p)[: None if closed else -1]
        expected = (step_ != 0).sum(axis=0) if act.name == "maxout" else np.abs(step_).sum(axis=0)
        got = tr.transitions.per_neuron[li]
        assert np.array_equal(got, expected if act.name != "identity" else np.zeros_like(got))
    # image lengths: polygons through the breakpoints (exact on affine pieces), with a fine
    # grid on arcs
    if path == "line":
        far = tr.points(np.array([lo - 1.0, lo, hi, hi + 1.0]))
        pre, post = polygon_lengths(net, far[:2]), polygon_lengths(net, far[2:])
        assert np.array_equal(np.isinf(tr.lengths.pre), (pre[0] > 0) | (post[0] > 0))
        assert np.array_equal(np.isinf(tr.lengths.post), (pre[1] > 0) | (post[1] > 0))
        return
    t = np.union1d(np.r_[lo, exact, hi], np.arange(0.0, hi + 1.0) if "polyline" in path
                   else [])
    if arcs:
        t = np.union1d(t, np.linspace(lo, hi, 120001))
    pre, post = polygon_lengths(net, tr.points(t))
    rel = 1e-7 if arcs else 1e-11
    assert np.allclose(tr.lengths.pre, pre, rtol=rel, atol=0)
    assert np.allclose(tr.lengths.post, post, rtol=rel, atol=0)


def test_identity_layer_keeps_patterns_aligned():
    """Regression: an identity layer before a ReLU layer once shifted the states by a layer,
    so patterns had no columns where Network.pattern has one."""
    rng = np.random.default_rng(31)
    net = rk.Network.from_arrays([rng.normal(size=(3, 2)), rng.normal(size=(1, 3)),
                                  rng.normal(size=(1, 1))],
                                 [rng.normal(size=3), rng.normal(size=1), np.zeros(1)],
                                 ["identity", "relu", "identity"])
    for tr in (T.line(net, [0.0, 0.0], [1.0, 0.3]), T.circle(net, [3.0, 0.0], [0.0, 3.0])):
        assert tr.patterns.shape == (tr.n_pieces, 1)
        assert_patterns_by_forward_pass(net, tr)
        assert [s.shape[1] for s in tr.states] == [0, 1, 0]
    assert T.line(net, [0.0, 0.0], [1.0, 0.3]).patterns.tolist() in ([[False], [True]],
                                                                       [[True], [False]])


def test_tol_joins_breakpoints_closer_than_the_engines_resolution():
    """Two hyperplanes 1e-7 apart along the path: the engine's rule resolves them at the
    default rtol and joins them (a simultaneous transition) when rtol * scale / |slope|,
    about 1.5 rtol here, exceeds their distance. Floats and Tolerance objects both work."""
    gap = 1e-7
    seg_net = rk.Network.from_arrays([np.ones((2, 1)), np.ones((1, 2))],
                                     [np.array([-0.5, -0.5 - gap]), np.zeros(1)])
    th = np.array([0.5, 0.5 + gap])  # units -sin(th_j) x1 + cos(th_j) x2 change sign at th_j
    arc_net = rk.Network.from_arrays([np.stack([-np.sin(th), np.cos(th)], axis=1),
                                      np.ones((1, 2))], [np.zeros(2), np.zeros(1)])
    cases = [(lambda tol: T.segment(seg_net, [0.0], [1.0], tol=tol), 1.0),
             (lambda tol: T.arc(arc_net, [1.0, 0.0], [0.0, 1.0], tol=tol), 2 / np.pi)]
    for cut, unit in cases:
        fine, coarse = cut(None), cut(rk.Tolerance(rtol=1e-6))
        assert fine.n_pieces == 3 and np.allclose(np.diff(fine.breakpoints), gap * unit,
                                                  rtol=1e-6)
        assert coarse.n_pieces == 2 and cut(1e-6).n_pieces == 2
        assert fine.transitions.total == coarse.transitions.total == 2
    rs = rk.enumerate_regions(seg_net, rk.Segment([0.0], [1.0]), tol=1e-6, progress=False)
    assert rs.n_regions == 2


# --- bad input ---------------------------------------------------------------------------------

def test_clear_errors():
    net = gaussian_net([3, 4, 1])
    with pytest.raises(rk.DomainError, match="coincide"):
        T.segment(net, [1, 2, 3], [1, 2, 3])
    with pytest.raises(rk.DomainError, match="NaN"):
        T.segment(net, [1, np.nan, 3], [0, 0, 0])
    with pytest.raises(rk.DomainError, match="network takes 3"):
        T.line(net, [1, 2], [0, 1])
    with pytest.raises(rk.DomainError, match="zero vector"):
        T.line(net, [1, 2, 3], [0, 0, 0])
    with pytest.raises(rk.DomainError, match="linearly dependent"):
        T.arc(net, [1, 2, 3], [2, 4, 6])
    with pytest.raises(rk.DomainError, match="two points"):
        T.polyline(net, [[1, 2, 3]])
    with pytest.raises(rk.DomainError, match="coincide"):
        T.polyline(net, [[1, 2, 3], [1, 2, 3], [0, 0, 0]])
    with pytest.raises(rk.DomainError, match="numeric"):
        T.circle(net, "abc", [0, 0, 1])
    with pytest.raises(rk.RegionkitError, match="kind"):
        T.table(net, "spiral", np.ones((2, 3)), np.zeros((2, 3)))
    with pytest.raises(rk.DomainError, match="rows"):
        T.table(net, "segment", np.ones((2, 3)), np.zeros((3, 3)))
    with pytest.raises(rk.NetworkError, match="layer"):
        T.dichotomies(net, np.ones((2, 3)), layer=5)
    with pytest.raises(rk.NetworkError, match="shape"):
        T.dichotomies(net, np.ones((2, 3)), layer=0, W1=np.ones((2, 2)))
    with pytest.raises(rk.RegionkitError, match="Network"):
        T.segment("net.npz", [0, 0, 0], [1, 1, 1])
