"""The activation registry: named tables against numpy formulas, specs that round-trip, bad
tables refused, and new tables counted exactly (brute force and independent face counts)."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import oracles as O
import pytest

import regionkit as rk
from regionkit.core import _core
from regionkit.errors import CoreInputError, NetworkError, NetworkFileError
from regionkit.model import activations as A

# A table no module defines: three breakpoints, slopes of both signs, a flat last piece;
# dyadic values, so the pieces meet exactly.
ZIGZAG = rk.PiecewiseLinear(breakpoints=[-0.75, 0.25, 1.0], slopes=[0.25, -0.5, 1.5, 0.0],
                            offsets=[0.5, -0.0625, -0.5625, 0.9375])


def _shrink(z, lam):
    return np.where(z > lam, z - lam, np.where(z < -lam, z + lam, 0.0))


# (activation, the same function written with numpy)
FORMULAS = [
    (A.identity(), lambda z: z),
    (A.relu(), lambda z: np.maximum(z, 0.0)),
    (A.leaky_relu(), lambda z: np.where(z > 0, z, 0.01 * z)),
    (A.leaky_relu(-0.3), lambda z: np.where(z > 0, z, -0.3 * z)),
    (A.hard_tanh(), lambda z: np.clip(z, -1.0, 1.0)),
    (A.hard_tanh(-2.0, 3.0), lambda z: np.clip(z, -2.0, 3.0)),
    (A.relu6(), lambda z: np.minimum(np.maximum(z, 0.0), 6.0)),
    (A.hard_sigmoid(), lambda z: np.minimum(np.maximum(z + 3.0, 0.0), 6.0) / 6.0),
    (A.clipped_leaky_relu(0.1, 4.0), lambda z: np.where(z < 0, 0.1 * z, np.minimum(z, 4.0))),
    (A.absolute(), np.abs),
    (A.soft_shrink(), lambda z: _shrink(z, 0.5)),
    (A.soft_shrink(1.25), lambda z: _shrink(z, 1.25)),
    (ZIGZAG, lambda z: np.interp(z, [-10.0, -0.75, 0.25, 1.0, 10.0],
                                 [-2.0, 0.3125, -0.1875, 0.9375, 0.9375])),
]


@pytest.mark.parametrize("act,formula", FORMULAS, ids=[a.spec[:24] for a, _ in FORMULAS])
def test_values_slopes_and_bits_match_numpy(act, formula):
    c = np.asarray(act.breakpoints)
    z = np.concatenate([np.linspace(-9, 9, 721), c, c - 1e-9, c + 1e-9])
    np.testing.assert_allclose(act(z), formula(z), rtol=1e-15, atol=1e-15)
    # local slope: a difference from below, where no breakpoint lies within it
    h = 1e-6
    gap = np.min(np.abs(z[:, None] - c[None, :]), axis=1, initial=np.inf)
    ok = (gap > 2 * h) | (gap == 0)
    np.testing.assert_allclose(act.slope_at(z)[ok], (formula(z) - formula(z - h))[ok] / h,
                               atol=1e-6)
    bits = act.pattern(z[:, None])
    assert bits.shape == (len(z), len(c))
    np.testing.assert_array_equal(bits, z[:, None] > c[None, :])
    np.testing.assert_array_equal(act.piece(z), bits.sum(axis=1))
    assert act.bits_per_unit == len(c) and act.rows_per_unit == 1
    assert act.thresholds == act.breakpoints
    assert act.kind == A.ActivationKind.ELEMENTWISE


def test_breakpoint_belongs_to_the_piece_below():
    assert A.relu().pattern(np.zeros((1, 1))).tolist() == [[False]]
    assert A.hard_tanh().pattern(np.array([[-1.0, 1.0]])).tolist() == [[False, False,
                                                                        True, False]]
    assert A.leaky_relu(0.2).slope_at(np.array([0.0]))[0] == 0.2
    assert A.identity().is_identity and not A.relu().is_identity


def test_maxout_values_bits_and_winner_ties():
    z = np.array([[1.0, 3.0, 3.0, -1.0, -2.0, -1.0]])
    m = rk.Maxout(3)
    assert m(z).tolist() == [[3.0, -1.0]]
    assert m.pattern(z).tolist() == [[False, True, False, True, False, False]]
    assert A.maxout_winners(z, 3).tolist() == [[1, 3]]
    assert (m.bits_per_unit, m.rows_per_unit, m.spec, m.kind) == (3, 3, "maxout:3",
                                                                  A.ActivationKind.MAXOUT)


# --- specs -------------------------------------------------------------------------------------

SPECS = {
    "relu": A.relu(), "identity": A.identity(), "linear": A.identity(), "none": A.identity(),
    "leaky_relu": A.leaky_relu(0.01), "leakyrelu:0.2": A.leaky_relu(0.2),
    "leaky_relu:0.2": A.leaky_relu(0.2), "hard_tanh": A.hard_tanh(),
    "hardtanh": A.hard_tanh(), "hard_tanh:-2,3": A.hard_tanh(-2, 3),
    "soft_shrink:0.5": A.soft_shrink(), "soft_shrink:0.7": A.soft_shrink(0.7),
    "relu6": A.relu6(), "hard_sigmoid": A.hard_sigmoid(), "absolute": A.absolute(),
    "clipped_leaky_relu:0.1,2": A.clipped_leaky_relu(0.1, 2.0), "maxout:3": rk.Maxout(3),
    "Hard-Tanh": A.hard_tanh(),
}


@pytest.mark.parametrize("spec", sorted(SPECS))
def test_parse_accepts_names_aliases_and_parameters(spec):
    act = A.parse_activation(spec)
    assert act == SPECS[spec]
    assert A.parse_activation(act.spec) == act
    assert A.parse_activation(act) is act


def test_specs_of_named_and_custom_tables_round_trip_exactly():
    assert A.leaky_relu(0.2).spec == "leaky_relu:0.2"
    assert A.hard_tanh(-2, 3).spec == "hard_tanh:-2.0,3.0"
    assert A.hard_tanh().spec == "hard_tanh" and A.relu().spec == "relu"
    assert A.parse_activation(("leaky_relu", 0.2)) == A.leaky_relu(0.2)
    assert A.parse_activation(("hard_tanh", -2, 3)) == A.hard_tanh(-2, 3)
    assert A.parse_activation(("maxout", 4)) == rk.Maxout(4)
    third = rk.PiecewiseLinear([1 / 3], [0.1, 1 / 7], [0.0, 0.1 / 3 - 1 / 21])
    for act in (ZIGZAG, third, A.leaky_relu(1 / 3), A.soft_shrink(0.1)):
        back = A.parse_activation(act.spec)
        assert back == act and back.spec == act.spec
    assert ZIGZAG.spec.startswith("piecewise_linear:breakpoints=-0.75,0.25,1.0;slopes=")
    assert set(A.NAMED) == {"identity", "relu", "leaky_relu", "hard_tanh", "relu6",
                            "hard_sigmoid", "clipped_leaky_relu", "absolute", "soft_shrink"}


def test_network_save_and_load_keep_every_activation(tmp_path):
    acts = [ZIGZAG, A.soft_shrink(0.3), "hard_tanh:-2,3", A.relu6(), rk.Maxout(2),
            A.leaky_relu(0.2), A.identity()]
    rng = np.random.default_rng(0)
    widths = [3, 4, 4, 3, 3, 4, 3, 2]
    Ws = [rng.normal(size=(o * (2 if a == rk.Maxout(2) else 1), i))
          for i, o, a in zip(widths[:-1], widths[1:], acts)]
    net = rk.Network.from_arrays(Ws, [rng.normal(size=W.shape[0]) for W in Ws], acts)
    net.save(tmp_path / "net.npz")
    back = rk.load_network(tmp_path / "net.npz")
    assert back.activations == net.activations
    assert back.activation_names() == net.activation_names()
    X = rng.normal(size=(50, 3)) * 3
    np.testing.assert_array_equal(back.forward(X), net.forward(X))
    np.testing.assert_array_equal(back.pattern(X), net.pattern(X))
    assert repr(net).endswith(f"activations={net.activation_names()!r})")


def test_old_npz_activation_strings_still_load(tmp_path):
    rng = np.random.default_rng(1)
    arrays = {"W0": rng.normal(size=(3, 2)), "b0": rng.normal(size=3),
              "W1": rng.normal(size=(6, 3)), "b1": rng.normal(size=6),
              "W2": rng.normal(size=(2, 2)), "b2": rng.normal(size=2),
              "W3": rng.normal(size=(2, 2)), "b3": rng.normal(size=2),
              "W4": rng.normal(size=(1, 2)), "b4": rng.normal(size=1)}
    old = ["relu", "maxout:3", "leaky_relu:0.2", "hard_tanh", "identity"]
    np.savez(tmp_path / "old.npz", activations=np.array(old, dtype="U32"), **arrays)
    net = rk.load_network(tmp_path / "old.npz")
    assert net.activations == (A.relu(), rk.Maxout(3), A.leaky_relu(0.2), A.hard_tanh(),
                               A.identity())
    assert net.activation_names() == old


def test_repr_lists_activations_in_layer_order():
    net = O.gaussian_net([2, 3, 3, 1], ["relu", "hard_tanh", "identity"])
    assert repr(net) == "Network(2-3-3-1, activations=['relu', 'hard_tanh', 'identity'])"


# --- bad tables --------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs,message", [
    ({"breakpoints": [0.0], "slopes": [0.0, 1.0], "offsets": [0.0, 0.5]}, "discontinuous"),
    ({"breakpoints": [0.0, 1.0], "slopes": [0.0, 1.0, 0.0], "offsets": [0.0, 0.0, 1.0 + 1e-9]},
     "discontinuous"),
    ({"breakpoints": [1.0, 0.0], "slopes": [0.0, 1.0, 0.0], "offsets": [0.0, 0.0, 1.0]},
     "strictly increasing"),
    ({"breakpoints": [0.0, 0.0], "slopes": [0.0, 1.0, 0.0], "offsets": [0.0, 0.0, 0.0]},
     "strictly increasing"),
    ({"breakpoints": [np.nan], "slopes": [0.0, 1.0], "offsets": [0.0, 0.0]}, "finite"),
    ({"breakpoints": [0.0], "slopes": [0.0, np.inf], "offsets": [0.0, 0.0]}, "finite"),
    ({"breakpoints": [0.0], "slopes": [0.0, 1.0, 2.0], "offsets": [0.0, 0.0]}, "3 slopes"),
    ({"breakpoints": [0.0], "slopes": [1.0], "offsets": [0.0]}, "need 2 slopes"),
    ({"breakpoints": ["a"], "slopes": [0.0, 1.0], "offsets": [0.0, 0.0]}, "must be numbers"),
    ({"breakpoints": [0.0], "slopes": [0.0, 2.0], "offsets": [0.0, 0.0], "name": "relu"},
     "does not match relu"),
    ({"breakpoints": [0.0], "slopes": [0.0, 1.0], "offsets": [0.0, 0.0], "name": "swish"},
     "unknown activation name"),
])
def test_bad_tables_are_refused_by_name(kwargs, message):
    with pytest.raises(NetworkError, match=message):
        rk.PiecewiseLinear(**kwargs)


@pytest.mark.parametrize("spec,message", [
    ("swish", "registered: identity, relu, leaky_relu"), ("leaky_relu:1", "!= 1"),
    ("leaky_relu:nan", "finite"), ("hard_tanh:2,1", "lo < hi"), ("soft_shrink:0", "> 0"),
    ("clipped_leaky_relu:0.1,-1", "cap > 0"), ("relu:1", "takes 0 parameter"),
    ("hard_tanh:1,2,3", "takes 2 parameter"), ("leaky_relu:x", "must be numbers"),
    ("maxout", "maxout:k"), ("maxout:0", "maxout:k"), ("maxout:2.5", "maxout:k"),
    ("piecewise_linear:breakpoints=0;slopes=0,1", "needs breakpoints, slopes and offsets"),
    ("piecewise_linear:breakpoints=0;slopes=0,1;offsets=0,1", "discontinuous"),
    ("piecewise_linear:knots=0", "custom table reads"), (3, "must be a name"),
])
def test_bad_specs_are_refused_by_name(spec, message):
    with pytest.raises(NetworkError, match=re.escape(message)):
        A.parse_activation(spec)


def test_bad_activation_in_a_file_names_the_file(tmp_path):
    np.savez(tmp_path / "bad.npz", W0=np.ones((1, 1)), b0=np.zeros(1),
             activations=np.array(["soft_shrink:-1"]))
    with pytest.raises(NetworkFileError, match="bad.npz.*soft_shrink needs lambda > 0"):
        rk.load_network(tmp_path / "bad.npz")


# --- the core's view ---------------------------------------------------------------------------

def test_activation_kinds_agree_with_the_core():
    assert _core.activation_kinds() == {k.name: int(k) for k in A.ActivationKind}
    header = (Path(__file__).parents[1] / "csrc" / "core.hpp").read_text()
    found = dict(re.findall(r"ACT_(\w+) = (\d+)", header))
    assert {k: int(v) for k, v in found.items()} == {k.name: int(k) for k in A.ActivationKind}


@pytest.mark.parametrize("act", [a for a, _ in FORMULAS] + [rk.Maxout(1), rk.Maxout(4)],
                         ids=lambda a: a.spec[:24])
def test_core_counts_the_same_hyperplanes(act):
    per_row = _core.hyperplane_count(A.core_table(act))
    assert per_row * act.rows_per_unit == act.bits_per_unit


def test_maxout_pair_scales_are_the_documented_formula():
    rng = np.random.default_rng(3)
    W, b, S = rng.normal(size=(4, 6)), rng.normal(size=4), rng.uniform(0, 2, size=(5, 6))
    W[1, 2] = W[0, 2]  # rows that agree on an input contribute nothing there
    got = _core.maxout_pair_scales(W, b, S)
    want = (np.abs(W[:, None, :] - W[None, :, :]) * S[:, None, None, :]).sum(axis=3) \
        + np.abs(b[:, None] - b[None, :])
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=0)
    np.testing.assert_array_equal(got, got.transpose(0, 2, 1))


def _sure_winners_by_numpy(off, X, ZM, Zm, src, first, k, eps):
    """The reference: every piece's value at every vertex, each candidate checked in full."""
    out = np.full(len(src), -1)
    for i, s in enumerate(src):
        V = X[off[i]:off[i + 1]]
        if len(V) == 0:
            continue
        vals = V @ ZM[s, first:first + k].T + Zm[s, first:first + k]      # (vertices, k)
        for a in range(k):
            D = vals[:, [a]] - vals                                        # P_a - P_j
            lower = np.arange(k) < a
            ok = np.where(lower, D > eps[i, a], D >= -eps[i, a])
            ok[:, a] = True
            if ok.all():
                out[i] = a
                break
    return out


@pytest.mark.parametrize("k", [2, 3, 5])
def test_maxout_sure_winners_match_vertex_values(k):
    rng = np.random.default_rng(k)
    n, d, rows, n_src = 40, 3, 4 * k, 3
    counts = rng.integers(0, 6, size=n)
    off = np.concatenate([[0], np.cumsum(counts)])
    X = rng.uniform(-1, 1, size=(off[-1], d)) * 0.2
    ZM, Zm = rng.normal(size=(n_src, rows, d)), rng.normal(size=(n_src, rows))
    Zm[1, k:2 * k] = Zm[1, k]                                # tied pieces: the lowest wins
    ZM[1, k:2 * k] = ZM[1, k]
    src = rng.integers(0, n_src, size=n)
    eps = rng.uniform(0, 0.05, size=(n, k, k))
    for first in (0, k):
        got = _core.maxout_sure_winners(off, X, ZM, Zm, src, first, k, eps)
        want = _sure_winners_by_numpy(off, X, ZM, Zm, src, first, k, eps)
        np.testing.assert_array_equal(got, want)
        assert (got >= 0).any() and (got < 0).any()
    # At the tolerance exactly (one vertex, symmetric tolerances as the scales are):
    # P_0 - P_1 = -eps lets piece 0 win (j > a: not below -eps); P_1 - P_0 = eps does not
    # make piece 1 win (j < a: strictly above eps).
    def winner(vals, pairs):
        at = np.zeros((1, k, k))
        for (a, j), e in pairs.items():
            at[0, a, j] = at[0, j, a] = e
        Zm1 = np.full((1, k), -1.0)
        Zm1[0, :len(vals)] = vals
        return _core.maxout_sure_winners(np.array([0, 1]), np.zeros((1, d)),
                                         np.zeros((1, k, d)), Zm1, np.zeros(1, np.int64), 0,
                                         k, at)[0]
    assert winner([0.0, 0.5], {(0, 1): 0.5}) == 0
    if k > 2:
        assert winner([0.0, 0.5, 0.25], {(0, 1): 0.5}) == -1
    with pytest.raises(CoreInputError, match="do not match"):
        _core.maxout_sure_winners(off, X, ZM, Zm, src, 3 * k + 1, k, eps)
    with pytest.raises(CoreInputError, match="bad source"):
        _core.maxout_sure_winners(off, X, ZM, Zm, src + n_src, 0, k, eps)


# --- exact counts of networks with new tables --------------------------------------------------

NEW_TABLES = {"zigzag": ZIGZAG, "soft_shrink": A.soft_shrink(0.3), "relu6": A.relu6(),
              "absolute": A.absolute(), "mixed": None}


def _net(d: int, name: str, seed: int) -> rk.Network:
    """Two hidden layers of 3 and 3 (3-D: 2) units; relu6 nets get weights scaled so that 6
    is crossed."""
    act = NEW_TABLES[name]
    acts = ([ZIGZAG, A.soft_shrink(0.3), A.identity()] if act is None
            else [act, act, A.identity()])
    rng = np.random.default_rng(seed)
    scale = 8.0 if name == "relu6" else 1.0
    w = 2 if d == 3 else 3
    Ws = [scale * rng.normal(size=(3, d)), rng.normal(size=(w, 3)) / np.sqrt(3),
          rng.normal(size=(1, w))]
    bs = [scale * 0.5 * rng.normal(size=3), 0.5 * rng.normal(size=w), np.zeros(1)]
    if name == "relu6":
        bs[1] = bs[1] + 3.0
    return rk.Network.from_arrays(Ws, bs, acts)


@pytest.mark.parametrize("d", [1, 2, 3])
@pytest.mark.parametrize("name", sorted(NEW_TABLES))
def test_new_tables_match_brute_force_and_face_oracle(d, name):
    dom = rk.Box(-1.2, 1.2, dim=d)
    for seed in range(20):
        net = _net(d, name, 10 * d + seed)
        try:
            ref = O.brute_force_regions(net, dom)
            faces = O.brute_force_faces(ref, dom)
        except O.AmbiguousOracle:
            continue
        break
    else:
        pytest.fail("no seed gave a network the oracle can decide")
    rs = rk.enumerate_regions(net, dom)
    assert rs.complete
    got = [tuple(row) for row in rs.pattern_bits().tolist()]
    assert len(set(got)) == len(got) and set(got) == set(ref)
    assert len(ref) >= 4 * d  # several pieces of every unit are reached
    offsets = net.layer_hyperplane_offsets()
    assert rs.per_layer == [len({p[:offsets[li + 1]] for p in ref})
                            for li in range(net.n_layers)]
    for r, pattern in enumerate(got):
        region = ref[pattern]
        np.testing.assert_allclose(rs.output_M[r], region.out_M, rtol=0, atol=1e-10)
        np.testing.assert_allclose(rs.output_m[r], region.out_m, rtol=0, atol=1e-10)
    # the engine's patterns are Network.pattern at interior points, and the forward pass
    # is the region's map there
    X = dom.to_input(rs.interior_points)
    np.testing.assert_array_equal(net.pattern(X), rs.pattern_bits().astype(bool))
    np.testing.assert_allclose(net.forward(X), rs.outputs(rs.interior_points,
                                                         np.arange(rs.n_regions)), atol=1e-12)
    pattern, out = O.forward_pattern(net, X)
    np.testing.assert_array_equal(pattern, net.pattern(X))
    np.testing.assert_allclose(out, net.forward(X), rtol=1e-13, atol=1e-13)
    assert rs.face_counts().tolist() == faces.tolist()


@pytest.mark.parametrize("name", ["zigzag", "mixed"])
def test_new_tables_match_exact_rational_regions(name):
    dom = rk.Box(-1.2, 1.2, dim=2)
    net = _net(2, name, 5)
    exact = O.exact_regions(net, dom)
    rs = rk.enumerate_regions(net, dom)
    assert {tuple(row) for row in rs.pattern_bits().tolist()} == {
        tuple(int(b) for b in bits) for bits in exact}
    areas = {tuple(int(b) for b in bits): float(O.exact_area(poly))
             for bits, poly in exact.items()}
    for r, row in enumerate(rs.pattern_bits().tolist()):
        assert rs.volumes()[r] == pytest.approx(areas[tuple(row)], rel=1e-9)


def test_distance_to_boundary_uses_every_breakpoint():
    """In 1-D the distance to the region's boundary is the distance to the nearest
    breakpoint of the table crossed by z = w x + b."""
    net = rk.Network.from_arrays([[[2.0]], [[1.0]]], [[0.5], [0.0]], [ZIGZAG, "identity"])
    x = np.linspace(-2, 2, 41)[:, None] + 0.013
    kinks = (np.array(ZIGZAG.breakpoints) - 0.5) / 2.0
    want = np.abs(x - kinks[None, :]).min(axis=1)
    np.testing.assert_allclose(rk.distance_to_boundary(net, x), want, rtol=1e-12)
    slopes = np.asarray(ZIGZAG.slopes)[ZIGZAG.piece(2 * x[:, 0] + 0.5)]
    np.testing.assert_allclose(rk.jacobian(net, x)[:, 0, 0], 2 * slopes)
