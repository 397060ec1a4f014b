"""regionkit.bounds: every formula against reference values, brute force and the engine."""
from __future__ import annotations

import itertools
import math
import time
import types
import warnings
from fractions import Fraction

import numpy as np
import pytest

import regionkit as rk
from regionkit import bounds as B
from regionkit import constructions as C
from regionkit.constructions import torch_default

# --- reference tables ------------------------------------------------------------------------

# Reference table A3: n0, widths, shallow Σ C(N,j), Montufar LB, Serra LB, Serra UB, 2^N.
# Serra UB equals Montufar 2017 and Raghu in every row but the last.
A3 = [
    (1, [3, 3, 3], 10, 36, 64, 64, 2 ** 9),
    (1, [8, 8, 8], 25, 576, 729, 729, 2 ** 24),
    (2, [4, 4, 4], 79, 176, None, 1331, 4096),
    (2, [8, 8], 137, 592, 925, 1369, 65536),
    (2, [16], 137, 137, 137, 137, 65536),
    (2, [8, 8, 8], 301, 9472, 23125, 50653, 2 ** 24),
    (3, [9, 9], 988, 3510, 8320, 16900, 2 ** 18),
]


@pytest.mark.parametrize("n0, ws, shallow, mont_lb, serra_lb, serra_ub, trivial", A3)
def test_theory_a3_table(n0, ws, shallow, mont_lb, serra_lb, serra_ub, trivial):
    assert B.single_layer_upper(n0, sum(ws)) == shallow
    assert B.montufar_lower(n0, ws) == mont_lb
    assert B.serra_lower(n0, ws) == serra_lb
    assert B.serra_upper(n0, ws) == serra_ub
    assert B.montufar2017_upper(n0, ws) == serra_ub
    assert B.raghu_upper(n0, ws) == serra_ub
    assert B.trivial_upper(sum(ws)) == trivial


def _sig3(v: int) -> str:
    return f"{v:.2e}"


def test_theory_a3_large_rows():
    ws = [64, 64, 64]
    assert B.single_layer_upper(2, 192) == 18529
    assert _sig3(B.montufar_lower(2, ws)) == "2.18e+09"
    assert _sig3(B.serra_lower(2, ws)) == "2.47e+09"
    assert _sig3(B.serra_upper(2, ws)) == "9.01e+09"
    # n0 = 784: Serra < Montufar 2017 = Raghu = 2^192, no lower bound applies.
    assert B.single_layer_upper(784, 192) == 2 ** 192
    assert _sig3(B.serra_upper(784, ws)) == "1.78e+57"
    assert B.montufar2017_upper(784, ws) == B.raghu_upper(784, ws) == 2 ** 192
    assert B.montufar_lower(784, ws) is None and B.serra_lower(784, ws) is None


# Reference table: Serra Thm 1, Montufar 2017, 2^N, Montufar 2014, Serra Thm 6.
BC4 = [
    (1, [3, 4, 5], 120, 120, 4096, 72, 120),
    (2, [2, 2], 11, 16, 16, 4, None),
    (2, [6, 6, 6], 10648, 10648, 262144, 1782, 5632),
    (2, [8, 8, 8], 50653, 50653, 16777216, 9472, 23125),
    (3, [9, 9], 16900, 16900, 262144, 3510, 8320),
    (4, [4, 4, 4], 1634, 4096, 4096, 16, None),
    (5, [3, 3], 42, 64, 64, None, None),
    (784, [11, 11], 2449868, 4194304, 4194304, None, None),
    (784, [8, 14], 600370, 3305216, 4194304, None, None),
    (784, [14, 8], 3913704, 4194304, 4194304, None, None),
]


@pytest.mark.parametrize("n0, ws, serra, mont17, trivial, mont_lb, serra_lb", BC4)
def test_bounds_and_constructions_table(n0, ws, serra, mont17, trivial, mont_lb, serra_lb):
    assert B.serra_upper(n0, ws) == serra
    assert B.montufar2017_upper(n0, ws) == mont17
    assert B.trivial_upper(sum(ws)) == trivial
    assert B.montufar_lower(n0, ws) == mont_lb
    assert B.serra_lower(n0, ws) == serra_lb


def test_lower_bounds_are_none_outside_their_hypotheses():
    assert B.montufar_lower(2, [1, 4]) is None and B.montufar_lower(2, [4, 1]) is None
    assert B.serra_lower(2, [6, 5]) is None and B.serra_lower(2, [6, 6]) == 16 * 22


def test_rank_refined_and_maxout_reference_values():
    assert B.serra_upper(2, [4, 4], ranks=[1, 4]) == 55
    assert B.serra_upper(2, [4, 4], ranks=[4, 4]) == B.serra_upper(2, [4, 4])
    assert B.maxout_upper(2, [3, 3], 3) == 2116


# --- Serra's dynamic program -----------------------------------------------------------------

def _serra_literal(n0, ws, ranks=None):
    """Σ over the index set J of Serra's Theorem 1, enumerated."""
    ranks = ranks or ws
    total = 0
    for js in itertools.product(*[range(n + 1) for n in ws]):
        cap, ok = n0, True
        for j, n, r in zip(js, ws, ranks):
            if j > min(cap, n, r):
                ok = False
                break
            cap = min(cap, n - j)
        if ok:
            total += math.prod(math.comb(n, j) for n, j in zip(ws, js))
    return total


def test_serra_dp_equals_literal_index_set_sum():
    rng = np.random.default_rng(0)
    for _ in range(150):
        ws = [int(v) for v in rng.integers(1, 7, size=rng.integers(1, 5))]
        n0 = int(rng.integers(1, 8))
        ranks = [int(rng.integers(0, w + 1)) for w in ws]
        assert B.serra_upper(n0, ws) == _serra_literal(n0, ws)
        assert B.serra_upper(n0, ws, ranks) == _serra_literal(n0, ws, ranks)


def test_serra_special_cases():
    for n0 in range(1, 6):
        for n in range(1, 12):
            assert B.serra_upper(n0, [n]) == B.general_position_regions(n, n0)
    for ws in ([2, 2], [3, 5, 2], [4, 4, 4, 4]):
        assert B.serra_upper(1, ws) == B.one_dimensional_max(ws) == math.prod(n + 1 for n in ws)
    assert B.serra_upper(1, [1, 3]) == 5  # a width-1 layer stops later splitting
    assert B.serra_upper(1, [3, 1, 3]) == 20


def test_serra_is_instant_for_mnist_inputs():
    start = time.perf_counter()
    value = B.serra_upper(784, [1000] * 10)
    assert time.perf_counter() - start < 2.0
    assert value < B.montufar2017_upper(784, [1000] * 10)


def test_bound_ordering_on_random_architectures():
    rng = np.random.default_rng(1)
    for _ in range(200):
        ws = [int(v) for v in rng.integers(1, 13, size=rng.integers(1, 5))]
        n0 = int(rng.integers(1, 6))
        serra = B.serra_upper(n0, ws)
        assert serra <= B.montufar2017_upper(n0, ws) <= B.raghu_upper(n0, ws)
        assert B.raghu_upper(n0, ws) <= B.trivial_upper(sum(ws))
        assert B.raghu_upper(n0, ws, hard_tanh=True) == B.raghu_upper(n0, [2 * n for n in ws])
        for lower in (B.montufar_lower(n0, ws), B.serra_lower(n0, ws)):
            assert lower is None or lower <= serra
        if len(ws) > 1 and ws[0] % 2 == 0 and len(set(ws[1:])) == 1 and ws[1] >= 2:
            assert B.serra_arora_lower(n0, ws[0] // 2, ws[1], len(ws)) <= serra
        assert B.maxout_upper(n0, ws, 2) == B.montufar2017_upper(n0, ws)


def test_arora_and_maxout_formulas():
    assert B.arora_lower(2, 4, 3, 3) == 2 * (1 + 3) * 9
    assert B.serra_arora_lower(2, 4, 3, 3) == 2 * (1 + 3) * 16
    assert B.maxout_single_layer_upper(2, 3, 3) == min(1 + 27 + math.comb(27, 2), 27)
    assert B.maxout_single_layer_upper(1, 10, 2) == 1 + 40  # the sum starts at j = 0
    assert B.maxout_single_layer_upper(3, 10, 2) == 2 ** 10
    assert B.maxout_single_layer_lower(2, 5, 3) == 9
    assert B.maxout_deep_lower(2, 3, 3) == 3 ** 4
    assert B.maxout_upper(2, [2], 4) == 1 + 12 + 66
    for k in (2, 3, 4):  # the deep construction stays under Serra's maxout bound
        for L in (1, 2, 3):
            assert B.maxout_deep_lower(2, L, k) <= B.maxout_upper(2, [2] * L, k)


@pytest.mark.parametrize("call", [
    lambda: B.serra_upper(0, [3]),
    lambda: B.serra_upper(2, [3, -1]),
    lambda: B.serra_upper(2, [3, 0]),
    lambda: B.serra_upper(2, []),
    lambda: B.serra_upper(2, "33"),
    lambda: B.serra_upper(2, [2.5]),
    lambda: B.serra_upper(True, [2]),
    lambda: B.serra_upper(2, [3, 3], ranks=[4, 1]),
    lambda: B.serra_upper(2, [3, 3], ranks=[1]),
    lambda: B.montufar2017_upper(-1, [3]),
    lambda: B.maxout_upper(2, [3], 1),
    lambda: B.maxout_single_layer_upper(2, 3, 0),
    lambda: B.arora_lower(2, 3, 1, 2),
    lambda: B.general_position_bounded(3, 0),
    lambda: B.trivial_upper(-2),
])
def test_bad_input_is_a_clear_error(call):
    with pytest.raises(B.BoundsInputError) as info:
        call()
    assert isinstance(info.value, rk.RegionkitError) and isinstance(info.value, ValueError)


def test_widths_accept_numpy():
    assert B.serra_upper(np.int64(2), np.array([8, 8])) == 1369


# --- arrangements ----------------------------------------------------------------------------

def _poly(coeffs_high_first):
    return tuple(reversed(coeffs_high_first))


def _falling(n):
    """Coefficients (ascending) of q(q-1)...(q-n+1)."""
    p = [1]
    for r in range(n):
        p = [(p[i - 1] if i else 0) - r * (p[i] if i < len(p) else 0) for i in range(len(p) + 1)]
    return tuple(p)


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_braid_characteristic_polynomial(n):
    W, b = C.classic_hyperplanes("braid", n)
    chi = B.characteristic_polynomial(W, b)
    assert chi.coeffs == _falling(n)
    assert B.zaslavsky(W, b) == (math.factorial(n), 0)
    assert chi.rank == n - 1


@pytest.mark.parametrize("n", [2, 3, 4])
def test_shi_characteristic_polynomial(n):
    W, b = C.classic_hyperplanes("shi", n)
    chi = B.characteristic_polynomial(W, b)
    assert all(chi(q) == q * (q - n) ** (n - 1) for q in range(-3, 9))
    assert B.zaslavsky(W, b) == ((n + 1) ** (n - 1), (n - 1) ** (n - 1))


@pytest.mark.parametrize("n", [2, 3, 4])
def test_catalan_characteristic_polynomial(n):
    W, b = C.classic_hyperplanes("catalan", n)
    chi = B.characteristic_polynomial(W, b)
    assert all(chi(q) == q * math.prod(q - n - i for i in range(1, n)) for q in range(-3, 9))
    catalan = math.comb(2 * n, n) // (n + 1)
    assert B.zaslavsky(W, b) == (math.factorial(n) * catalan,
                                 math.factorial(n) * math.comb(2 * n - 2, n - 1) // n)


def test_linial_threshold_coordinate_polynomials():
    W, b = C.classic_hyperplanes("linial", 4)
    assert B.characteristic_polynomial(W, b).coeffs == (0,) + _poly([1, -6, 15, -14])
    W, b = C.classic_hyperplanes("linial", 5)
    assert B.characteristic_polynomial(W, b).coeffs == (0,) + _poly([1, -10, 45, -100, 90])
    assert B.zaslavsky(W, b) == (246, 26)
    W, b = C.classic_hyperplanes("threshold", 5)
    assert B.characteristic_polynomial(W, b).coeffs == _poly([1, -10, 45, -105, 120, -51])
    W, b = C.classic_hyperplanes("coordinate", 4)
    assert B.characteristic_polynomial(W, b).coeffs == _poly([1, -4, 6, -4, 1])
    assert B.zaslavsky(W, b) == (16, 0)


def _whitney(W, b):
    """χ by Whitney's formula: Σ over consistent subsets (-1)^|B| t^(d - rank B)."""
    W, b = np.asarray(W, float), np.asarray(b, float)
    m, d = W.shape
    coeffs = [0] * (d + 1)
    for size in range(m + 1):
        for S in itertools.combinations(range(m), size):
            A = W[list(S)].reshape(len(S), d)
            r = np.linalg.matrix_rank(A) if S else 0
            if S and np.linalg.matrix_rank(np.c_[A, b[list(S)]]) > r:
                continue
            coeffs[d - r] += (-1) ** size
    return tuple(coeffs)


def test_poset_equals_whitney_on_degenerate_integer_arrangements():
    rng = np.random.default_rng(2)
    for _ in range(25):
        d = int(rng.integers(1, 4))
        m = int(rng.integers(1, 8))
        W = rng.integers(-1, 2, size=(m, d))
        W[~W.any(axis=1), 0] = 1  # no zero rows
        b = rng.integers(-1, 2, size=m)  # many parallel, duplicate and concurrent planes
        assert B.characteristic_polynomial(W, b).coeffs == _whitney(W, b)


def test_exact_fractions_and_floats_agree_on_degenerate_lines():
    # Three lines through (1/3, 1/7): concurrent, so 6 regions, not 7.
    p = (Fraction(1, 3), Fraction(1, 7))
    normals = [(1, 2), (3, -1), (-2, 5)]
    W = [[Fraction(a), Fraction(c)] for a, c in normals]
    b = [-(a * p[0] + c * p[1]) for a, c in normals]
    assert B.zaslavsky(W, b).regions == 6
    Wf, bf = np.array(W, float), np.array([float(v) for v in b])
    assert B.zaslavsky(Wf, bf).regions == 6  # float mode: the tolerance sees concurrency
    assert B.zaslavsky(Wf, bf + [0, 0, 1e-3]).regions == 7


@pytest.mark.parametrize("m, d", [(5, 1), (6, 2), (9, 2), (7, 3), (3, 3), (2, 3)])
def test_generic_arrangements_match_general_position(m, d):
    rng = np.random.default_rng(m * 10 + d)
    W, b = rng.normal(size=(m, d)), rng.normal(size=m)
    regions, bounded = B.zaslavsky(W, b)
    assert regions == B.general_position_regions(m, d)
    assert bounded == B.general_position_bounded(m, d)
    f = B.face_counts(W, b)
    assert f[d] == regions
    assert f[d - 1] == m * B.general_position_regions(m - 1, d - 1)
    assert sum((-1) ** k * v for k, v in enumerate(f)) == (-1) ** d  # Euler, R^d


def _lines_meeting_square(W, b):
    """Lines w.x + c = 0 meeting the open square (-1, 1)^2: the corners straddle them."""
    return sum(1 for w, c in zip(W, b)
               if len({np.sign(w @ v + c) for v in itertools.product([-1, 1], repeat=2)}) > 1)


def test_face_counts_in_a_box_satisfy_euler_and_adjacency():
    rng = np.random.default_rng(3)
    W, b = rng.normal(size=(10, 2)), rng.normal(size=10) * 0.7
    f = B.face_counts(W, b, box=(-1, 1))
    assert sum((-1) ** k * v for k, v in enumerate(f)) == 1  # the open square is a 2-cell
    assert f[2] == B.zaslavsky(W, b, box=(-1, 1)).regions
    # Generic 2-D: every vertex inside splits its two lines, so edges = lines + 2 vertices.
    assert f[1] == _lines_meeting_square(W, b) + 2 * f[0]


def test_box_count_against_direct_2d_formula():
    rng = np.random.default_rng(4)
    W, b = rng.normal(size=(12, 2)), rng.normal(size=12) * 0.8
    lines = _lines_meeting_square(W, b)
    verts = 0
    for i, j in itertools.combinations(range(12), 2):
        x = np.linalg.solve(W[[i, j]], -b[[i, j]])
        verts += bool(np.all(np.abs(x) < 1))
    assert B.zaslavsky(W, b, box=(-1, 1)) == (1 + lines + verts, None)


def test_flats_touching_the_box_boundary_do_not_count():
    # x = 1 is a face and x + y = 2 only touches the corner (1, 1); y = 0 and x = y cross
    # at the origin: 1 + 2 lines + 1 vertex.
    W = [[1, 0], [0, 1], [1, 1], [1, -1]]
    b = [-1, 0, -2, 0]
    assert B.zaslavsky(W, b, box=(-1, 1)).regions == 4


def test_box_count_equals_engine_on_one_layer_nets():
    rng = np.random.default_rng(5)
    for d, m in ((1, 9), (2, 14), (2, 30), (3, 10)):
        W, b = rng.normal(size=(m, d)), rng.normal(size=m) * 0.6
        net = rk.Network.from_arrays([W, rng.normal(size=(1, m))], [b, np.zeros(1)])
        rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=d))
        assert B.zaslavsky(W, b, box=(-1, 1)).regions == rs.n_regions
        assert B.zaslavsky(W, b, box=rk.Box(-1, 1, dim=d)).regions == rs.n_regions


def test_big_box_contains_every_region_of_a_generic_arrangement():
    rng = np.random.default_rng(6)
    W, b = rng.normal(size=(8, 2)), rng.normal(size=8)
    net = rk.Network.from_arrays([W, np.ones((1, 8))], [b, np.zeros(1)])
    rs = rk.enumerate_regions(net, rk.Box(-1e3, 1e3, dim=2))
    assert rs.n_regions == B.zaslavsky(W, b).regions == B.general_position_regions(8, 2)


def test_characteristic_polynomial_str_and_call():
    W, b = C.classic_hyperplanes("braid", 3)
    chi = B.characteristic_polynomial(W, b)
    assert str(chi) == "1*t^3 -3*t^2 +2*t"
    assert chi(-1) == -6 and chi.dim == 3


def test_arrangement_input_errors():
    with pytest.raises(B.BoundsInputError):
        B.zaslavsky([[0, 0], [1, 0]], [1, 0])  # a zero row is not a hyperplane
    with pytest.raises(B.BoundsInputError):
        B.zaslavsky([[1, 0]], [1, 2])
    with pytest.raises(B.BoundsInputError):
        B.zaslavsky([[1, 0]], [1], box=(1, -1))
    with pytest.raises(B.BoundsInputError):
        B.zaslavsky([[np.nan, 0]], [1])


# --- check -----------------------------------------------------------------------------------

def _rows(table):
    return {r.name: r for r in table.rows}


def test_check_one_layer_net_has_exact_row_matching():
    net = torch_default([2, 12, 1], seed=1)
    table = B.check(rk.enumerate_regions(net, rk.Box(-1, 1, dim=2)))
    rows = _rows(table)
    assert rows["Zaslavsky on the domain"].activation_status == "matches"
    assert rows["Serra Thm 1"].value == 79 and not table.violations
    assert "Zaslavsky on the domain" in str(table) and "| Serra Thm 1 |" in table.to_markdown()


def test_check_sawtooth_and_serra_1d_are_tight_where_proven():
    c = C.serra_1d([3, 4])
    rows = _rows(B.check(rk.enumerate_regions(c.network, c.domain)))
    assert rows["Serra Thm 1"].activation_status == "tight"
    assert rows["1-D max prod(n_l+1)"].activation_status == "tight"
    assert rows["shallow sum C(N,j) (false for deep nets)"].kind == "reference"
    c = C.sawtooth(5)
    rows = _rows(B.check(rk.enumerate_regions(c.network, c.domain)))
    assert rows["shallow sum C(N,j) (false for deep nets)"].activation_status == "reached"
    assert "Serra Thm 1, rank-refined" not in rows  # ranks [1, 1, ...] change nothing in 1-D


def test_check_rank_refined_row_for_rank_deficient_layers():
    rng = np.random.default_rng(9)
    W1 = np.outer(rng.normal(size=4), [1.0, 2.0])  # rank 1: parallel lines
    net = rk.Network.from_arrays([W1, rng.normal(size=(4, 4)), np.ones((1, 4))],
                                 [rng.normal(size=4), rng.normal(size=4), np.zeros(1)])
    assert B.layer_ranks(net) == [1, 4]
    table = B.check(rk.enumerate_regions(net, rk.Box(-2, 2, dim=2)), strict=True)
    assert _rows(table)["Serra Thm 1, rank-refined"].value == 55


def test_check_hard_tanh_gets_hard_tanh_bounds():
    net = C.raghu_normal([2, 5, 5, 1], 4.0, 0.5, seed=3,
                         activations=["hard_tanh", "hard_tanh", "identity"])
    table = B.check(rk.enumerate_regions(net, rk.Box(-2, 2, dim=2)))
    rows = _rows(table)
    assert "Serra Thm 1" not in rows
    assert rows["2^N 3^M (M hard tanh units)"].value == 3 ** 10
    assert rows["Raghu product (T n_l hyperplanes)"].value == B.raghu_upper(2, [5, 5], True)
    assert not table.violations


def test_check_slices_use_the_slice_dimension():
    net = C.he_normal([20, 8, 8, 1], seed=4)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 20))
    seg = B.check(rk.enumerate_regions(net, rk.Segment(x[0], x[1])))
    assert seg.n0 == 1 and _rows(seg)["Serra Thm 1"].value == 81
    plane = B.check(rk.enumerate_regions(net, rk.Plane.through(*x)))
    assert plane.n0 == 2 and _rows(plane)["Serra Thm 1"].value == B.serra_upper(2, [8, 8])


def _fake(rs, n_regions, n_linear=None, complete=True):
    return types.SimpleNamespace(network=rs.network, domain=rs.domain, n_regions=n_regions,
                                 complete=complete, n_linear_regions=n_linear)


def test_violation_warns_loudly_and_strict_raises():
    c = C.serra_1d([3, 3])
    rs = rk.enumerate_regions(c.network, c.domain)
    with pytest.warns(B.BoundViolation, match="Serra Thm 1"):
        table = B.check(_fake(rs, 17))
    assert table.violations and "VIOLATED" in str(table)
    with pytest.raises(B.BoundViolationError):
        B.check(_fake(rs, 17), strict=True)
    assert issubclass(B.BoundViolationError, rk.RegionkitError)
    with pytest.warns(B.BoundViolation):  # the linear count is checked too
        B.check(_fake(rs, 16, n_linear=20))


def test_one_layer_exact_mismatch_is_a_violation():
    net = torch_default([2, 6, 1], seed=2)
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    with pytest.raises(B.BoundViolationError, match="Zaslavsky"):
        B.check(_fake(rs, rs.n_regions - 1), strict=True)


def test_check_linear_column_and_incomplete_runs():
    c = C.serra_1d([3, 3])
    rs = rk.enumerate_regions(c.network, c.domain)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = B.check(_fake(rs, 16, n_linear=16))
        assert table.n_linear == 16 and "linear" in table.to_markdown()
        assert _rows(table)["Serra Thm 1"].linear_status == "tight"
        table = B.check(_fake(rs, 12, complete=False))
    assert _rows(table)["Serra Thm 1"].activation_status == "holds so far"
    assert "INCOMPLETE" in str(table)
    assert "linear" not in B.check(_fake(rs, 16)).to_markdown().splitlines()[2]


def test_splitting_layers_describe_each_activation():
    """Identity layers compose into the next layer; each layer's hyperplanes are where its
    units bend, checked against the pre-activations of points on them."""
    from regionkit.bounds.layers import splitting_layers
    rng = np.random.default_rng(11)
    Ws = [rng.normal(size=(3, 2)), rng.normal(size=(3, 3)), rng.normal(size=(4, 3)),
          rng.normal(size=(6, 4)), rng.normal(size=(2, 3)), rng.normal(size=(1, 2))]
    bs = [rng.normal(size=len(W)) for W in Ws]
    acts = ["identity", "hard_tanh", "leaky_relu:0.3", "maxout:2", "relu", "identity"]
    net = rk.Network.from_arrays(Ws, bs, acts)
    layers = splitting_layers(net)
    assert [L.name for L in layers] == ["hard_tanh", "leaky_relu:0.3", "maxout:2", "relu"]
    assert [L.units for L in layers] == [3, 4, 3, 2]
    assert [L.n_hyperplanes for L in layers] == [6, 4, 3, 2]
    assert [L.states_per_unit for L in layers] == [3, 2, 2, 2]
    assert [L.is_relu for L in layers] == [False, False, False, True]
    assert [L.zeroes for L in layers] == [True, False, False, True]
    np.testing.assert_allclose(layers[0].W, Ws[1] @ Ws[0])  # the identity layer composed in
    np.testing.assert_allclose(layers[0].b, Ws[1] @ bs[0] + bs[1])
    W, b = layers[0].hyperplanes()
    for i, (w, c) in enumerate(zip(W, b)):  # a point on each hyperplane: z_unit = -1 or 1
        x = -c * w / (w @ w)
        assert np.isclose(net.preactivations(x[None])[1][0, i % 3], -1.0 if i < 3 else 1.0)
    assert B.layer_ranks(net) == [2, 3, 4, 2]  # the composed 3x2 map, then 4x3, 6x4, 2x3


def test_leaky_relu_with_zero_slope_gets_the_relu_bounds():
    relu = C.raghu_normal([2, 5, 4, 1], 2.0, 0.5, seed=5)
    leaky = rk.Network.from_arrays(relu.weights, relu.biases,
                                   ["leaky_relu:0", "leaky_relu:0", "identity"])
    box = rk.Box(-2, 2, dim=2)
    t_relu = B.check(rk.enumerate_regions(relu, box), strict=True)
    t_leaky = B.check(rk.enumerate_regions(leaky, box), strict=True)
    assert [(r.name, r.value, r.activation_status) for r in t_leaky.rows] == \
        [(r.name, r.value, r.activation_status) for r in t_relu.rows]
    assert "Serra Thm 1" in _rows(t_leaky)


def test_public_names_are_exported():
    assert len(set(B.__all__)) == len(B.__all__)
    assert all(hasattr(B, name) for name in B.__all__)
    assert {"check", "serra_upper", "zaslavsky", "layer_ranks", "hanin_rolnick_volume",
            "BoundsInputError", "TIGHT", "CHECK_MAX_FLATS"} <= set(B.__all__)


@pytest.mark.parametrize("seed", range(6))
def test_random_nets_never_exceed_upper_bounds(seed):
    rng = np.random.default_rng(seed)
    d = int(rng.integers(1, 4))
    widths = [int(v) for v in rng.integers(1, 7, size=rng.integers(1, 4))]
    act = ["relu", "leaky_relu", "hard_tanh"][seed % 3]
    net = C.raghu_normal([d] + widths + [1], 6.0, 1.0, seed=seed,
                         activations=[act] * len(widths) + ["identity"])
    rs = rk.enumerate_regions(net, rk.Box(-3, 3, dim=d))
    table = B.check(rs, strict=True)
    assert rs.n_regions <= min(r.value for r in table.rows if r.kind == "upper")
    assert all(a <= b for a, b in zip(rs.per_layer, rs.per_layer[1:]))


# --- Hanin & Rolnick -------------------------------------------------------------------------

def test_hr_one_layer_1d_matches_cauchy_formula():
    # w, b ~ N(0, 1): the breakpoint -b/w is standard Cauchy.
    n, lo, hi = 5, -1.0, 2.0
    est = B.hanin_rolnick_volume(lambda rng: C.raghu_normal([1, n, 1], 1.0, 1.0, seed=rng),
                                 B.gaussian_density(1.0), rk.Box(lo, hi), n_networks=200,
                                 n_points=200, seed=1)
    exact = n * (math.atan(hi) - math.atan(lo)) / math.pi
    assert abs(est.mean - exact) < 4 * est.stderr
    assert est.stderr < 0.1 and "±" in str(est)


def test_hr_deep_1d_matches_exact_linear_breakpoints():
    arch = [1, 6, 6, 6, 1]

    def sample(rng):
        return C.raghu_normal(arch, 2.0, 0.5, seed=rng)

    est = B.hanin_rolnick_volume(sample, B.gaussian_density(math.sqrt(0.5)), rk.Box(-1, 1),
                                 n_networks=150, n_points=150, seed=2)
    rng = np.random.default_rng(7)
    counts = []
    for _ in range(600):
        rs = rk.enumerate_regions(sample(rng), rk.Box(-1, 1))
        slopes = rs.output_M[np.argsort(rs.interior_points[:, 0]), 0, 0]
        counts.append(np.sum(~np.isclose(slopes[1:], slopes[:-1], rtol=1e-9, atol=1e-12)))
    se = math.hypot(est.stderr, np.std(counts) / math.sqrt(len(counts)))
    assert abs(est.mean - np.mean(counts)) < 4 * se


def test_hr_units_are_at_threshold_when_judging_goodness():
    """x -> z = relu(x + b1) -> z' = relu(10 z + b2) -> z', biases N(0, 1) on (-1, 1).

    On z's boundary z = 0, so z' is open iff b2 > 0: z's breakpoints count half the time,
    although z' is open much more often at a typical x. z' breakpoints always count.
    """
    from scipy.integrate import quad
    from scipy.stats import norm

    def sample(rng):
        return rk.Network.from_arrays([[[1.0]], [[10.0]], [[1.0]]],
                                      [rng.normal(size=1), rng.normal(size=1), [0.0]])

    est = B.hanin_rolnick_volume(sample, B.gaussian_density(1.0), rk.Box(-1, 1),
                                 n_networks=2000, n_points=40, seed=3)
    z_term = (norm.cdf(1) - norm.cdf(-1)) / 2
    z2_term = quad(lambda b2: norm.pdf(b2) * (norm.cdf(1 - b2 / 10) - norm.cdf(-1 - b2 / 10)),
                   -np.inf, 0)[0]
    assert abs(est.mean - (z_term + z2_term)) < 4 * est.stderr


def _box_clip_length(w, c):
    """Length of the line w.x + c = 0 inside the square (-1, 1)^2."""
    pts = []
    for axis in (0, 1):
        for side in (-1.0, 1.0):
            if abs(w[1 - axis]) > 1e-15:
                other = -(c + w[axis] * side) / w[1 - axis]
                if abs(other) <= 1:
                    p = np.zeros(2)
                    p[axis], p[1 - axis] = side, other
                    pts.append(p)
    return max((np.linalg.norm(p - q) for p in pts for q in pts), default=0.0)


def test_hr_one_layer_2d_edges_and_vertices():
    n = 4

    def sample(rng):
        return C.raghu_normal([2, n, 1], 2.0, 0.5, seed=rng)

    box = rk.Box(-1, 1, dim=2)
    rho = B.gaussian_density(math.sqrt(0.5))
    length = B.hanin_rolnick_volume(sample, rho, box, k=1, n_networks=150, n_points=100, seed=3)
    verts = B.hanin_rolnick_volume(sample, rho, box, k=2, n_networks=150, n_points=100, seed=4)
    rng = np.random.default_rng(8)
    L, V = [], []
    for _ in range(3000):
        net = sample(rng)
        W, b = net.weights[0], net.biases[0]
        L.append(sum(_box_clip_length(w, c) for w, c in zip(W, b)))
        V.append(sum(bool(np.all(np.abs(np.linalg.solve(W[[i, j]], -b[[i, j]])) < 1))
                     for i, j in itertools.combinations(range(n), 2)))
    for est, exact in ((length, L), (verts, V)):
        se = math.hypot(est.stderr, np.std(exact) / math.sqrt(len(exact)))
        assert abs(est.mean - np.mean(exact)) < 4 * se


def test_hr_curves_and_input_errors():
    assert B.hanin_rolnick_regions_1d(100, 0.5, breakpoints=2) == 100.0
    assert B.hanin_rolnick_cor4_upper(10, 2, 1.0, 2.0) == 45 * 4.0
    assert B.hanin_rolnick_cor4_lower(10, 1, 0.5) == 5.0
    assert abs(B.gaussian_c_bias(1e-3) - 398.942) < 1e-3
    assert abs(B.hanin_rolnick_eta(4.0, 2, [0.5, 0.5], [10, 10], 0.0) - 3.0) < 1e-12
    relu_out = lambda rng: C.raghu_normal([1, 3, 1], 1, 1, seed=rng,  # noqa: E731
                                          activations=["relu", "relu"])
    with pytest.raises(B.BoundsInputError):
        B.hanin_rolnick_volume(relu_out, B.gaussian_density(1), rk.Box(0, 1), n_networks=2)
    with pytest.raises(B.BoundsInputError):
        B.hanin_rolnick_volume(relu_out, B.gaussian_density(1), rk.Box(0, 1), k=2)
    with pytest.raises(B.BoundsInputError):
        B.gaussian_density(0.0)
