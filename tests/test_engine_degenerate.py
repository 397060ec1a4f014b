"""Degenerate units: cases known by hand, and small-integer
networks (riddled with duplicate, opposite, dead, zero, touching and concurrent units)
against exact rational enumeration (tests/oracles.py: exact_regions).

The engine must return exactly the expected set of activation patterns, each once, and the
Chebyshev centre of every region must carry its pattern (evaluated in exact arithmetic: a
unit identically at its threshold on a region is off there, which a float forward pass may
round either way). Every case runs with the default method and with the LP method.
"""
from __future__ import annotations

import itertools

import numpy as np
import oracles as O
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import regionkit as rk

# Every case here also runs the threaded split (conftest.py).
pytestmark = pytest.mark.usefixtures("two_workers")

METHODS = ["auto", "lp"]
SQUARE = rk.Box(-1, 1, dim=2)
INTERVAL = rk.Box(-1, 1, dim=1)
CUBE = rk.Box(-1, 1, dim=3)


def _net(*layers, acts=None) -> rk.Network:
    """Hidden layers (W, b) followed by an identity output summing the last hidden layer."""
    Ws = [np.array(W, dtype=float) for W, _ in layers]
    bs = [np.array(b, dtype=float) for _, b in layers]
    Ws.append(np.ones((1, Ws[-1].shape[0])))
    bs.append(np.zeros(1))
    return rk.Network.from_arrays(Ws, bs, None if acts is None else [*acts, "identity"])


def _patterns(*rows) -> set[tuple[bool, ...]]:
    return {tuple(bool(v) for v in row) for row in rows}


def _quadrants(bits_of) -> set[tuple[bool, ...]]:
    """Patterns over the four open quadrants, bits_of(x > 0, y > 0) -> bit tuple."""
    return {tuple(bool(v) for v in bits_of(px, py)) for px in (0, 1) for py in (0, 1)}


def assert_regions(net, domain, expected: set, method: str) -> rk.RegionSet:
    """Exactly the expected patterns, once each, each carried by its region's centre."""
    rs = rk.enumerate_regions(net, domain, method=method)
    got = [tuple(p) for p in rs.pattern_bits().tolist()]
    assert len(got) == len(set(got)), "a pattern was returned twice"
    assert set(got) == expected
    for centre, pattern in zip(rs.interior_points, got):
        assert O.exact_pattern(net, domain, centre) == pattern
    return rs


CASES = {
    # Duplicates: the same hyperplane twice (once scaled) splits once.
    "duplicate": (_net(([[1, 0], [0, 1], [1, 0], [3, 0]], [0, 0, 0, 0])), SQUARE,
                  _quadrants(lambda x, y: (x, y, x, x))),
    # Opposite units relu(t), relu(-t): one hyperplane, complementary bits.
    "opposite-1d": (_net(([[1], [-1]], [0, 0])), INTERVAL, _patterns((1, 0), (0, 1))),
    "opposite-2d": (_net(([[1, 0], [-1, 0], [0, 1]], [0, 0, 0])), SQUARE,
                    _quadrants(lambda x, y: (x, 1 - x, y))),
    # Dead units: constant sign on the domain, no split.
    "dead": (_net(([[1, 0], [1, 0], [0, 1]], [5, -5, 0])), SQUARE,
             _patterns((1, 0, 0), (1, 0, 1))),
    # Units identically zero: inactive (z > 0 is false), never split; hard tanh in (-1, 1).
    "zero-relu": (_net(([[1], [0]], [0, 0])), INTERVAL, _patterns((1, 0), (0, 0))),
    "zero-leaky": (_net(([[0, 0], [0, 1]], [0, 0]), acts=["leaky_relu:0.3"]), SQUARE,
                   _patterns((0, 1), (0, 0))),
    "zero-hard-tanh": (_net(([[0, 0], [1, 0]], [0, 0]), acts=["hard_tanh"]), SQUARE,
                       _patterns((1, 0, 1, 0))),
    # Hyperplanes touching the open domain only at a corner or along a face.
    "corner-2d": (_net(([[1, 1], [-1, -1], [1, 1]], [-2, -2, 2])), SQUARE, _patterns((0, 0, 1))),
    "face-2d": (_net(([[1, 0], [0, 1], [0, -1]], [-1, 1, -1])), SQUARE, _patterns((0, 1, 0))),
    "endpoint-1d": (_net(([[1], [1]], [-1, 1])), INTERVAL, _patterns((0, 1))),
    "corner-face-3d": (_net(([[1, 1, 1], [0, 0, 1], [1, 0, 0]], [-3, 1, 0])), CUBE,
                       _patterns((0, 1, 0), (0, 1, 1))),
    # Hard tanh: z = x reaches +-1 only at the boundary; z = 2x has two parallel breaks.
    "hard-tanh-boundary": (_net(([[1], [2]], [0, 0]), acts=["hard_tanh"]), INTERVAL,
                           _patterns((1, 0, 0, 0), (1, 0, 1, 0), (1, 0, 1, 1))),
    # A second-layer unit h1 - h2 = x whose zero set is a first-layer boundary.
    "deep-coincident": (_net(([[1, 0], [-1, 0], [0, 1]], [0, 0, 0]), ([[1, -1, 0]], [0])),
                        SQUARE, _quadrants(lambda x, y: (x, 1 - x, y, x))),
    # Deep units |x| and -|x| touch 0 at a kink without changing sign.
    "deep-touch-1d": (_net(([[1], [-1]], [0, 0]), ([[1, 1], [-1, -1]], [0, 0])), INTERVAL,
                      _patterns((1, 0, 1, 0), (0, 1, 1, 0))),
    "deep-touch-2d": (_net(([[1, 0], [-1, 0], [0, 1], [0, -1]], [0, 0, 0, 0]),
                           ([[1, 1, 1, 1]], [0])), SQUARE,
                      _quadrants(lambda x, y: (x, 1 - x, y, 1 - y, 1))),
    # relu(x) + relu(y) is identically zero on the third quadrant: inactive there, no split.
    "deep-zero-on-region": (_net(([[1, 0], [0, 1]], [0, 0]), ([[1, 1]], [0])), SQUARE,
                            _quadrants(lambda x, y: (x, y, x or y))),
    # Three exactly concurrent lines: 6 regions, not 7.
    "concurrent": (_net(([[1, 0], [0, 1], [1, 1]], [0, 0, 0])), SQUARE,
                   {p for p in itertools.product([True, False], repeat=3)
                    if p not in {(True, True, False), (False, False, True)}}),
}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", list(CASES))
def test_degenerate_units(name, method):
    net, domain, expected = CASES[name]
    assert_regions(net, domain, expected, method)


def test_polytope_facet_hyperplane_splits_nothing():
    """Units along the facets of a triangle domain (either orientation) split nothing."""
    tri = rk.Polytope([[-1, 0], [0, -1], [1, 1]], [0, 0, 1])  # x > 0, y > 0, x + y < 1
    net = _net(([[1, 1], [1, 0], [-1, 0]], [-1, 0, 0]))
    for method in METHODS:
        assert_regions(net, tri, _patterns((0, 1, 0)), method)


@pytest.mark.parametrize("method", METHODS)
def test_nearly_concurrent_lines_keep_their_tiny_triangle(method):
    """x = 0, y = 0 and x + y = -1e-6 cut a triangle of area 5e-13 (inradius
    1e-6 (2 - sqrt 2) / 2): relative tolerances must keep it, giving 7 regions."""
    delta = 1e-6
    net = _net(([[1, 0], [0, 1], [1, 1]], [0, 0, delta]))
    expected = {p for p in itertools.product([True, False], repeat=3) if p != (True, True, False)}
    rs = assert_regions(net, SQUARE, expected, method)
    tiny = [tuple(p) for p in rs.pattern_bits().tolist()].index((False, False, True))
    assert rs.chebyshev_radii[tiny] == pytest.approx(delta * (2 - np.sqrt(2)) / 2, rel=1e-6)
    if rs.kind == "2d":
        assert O.shoelace_area(rs.region_vertices(tiny)) == pytest.approx(delta**2 / 2, rel=1e-6)


# --- small-integer networks against exact rational enumeration --------------------------------

SMALL_INT = st.integers(-2, 2)


def _int_vector(draw, n: int) -> np.ndarray:
    return np.array(draw(st.lists(SMALL_INT, min_size=n, max_size=n)), dtype=float)


@st.composite
def integer_cases(draw):
    """(net, domain, method): weights and biases in -2..2 on an integer box, segment or
    plane, so that every degeneracy is exact and common."""
    dim = draw(st.sampled_from([1, 2]))
    sliced = draw(st.booleans())
    n_in = dim + (draw(st.integers(1, 2)) if sliced else 0)
    widths = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    arch = [n_in, *widths, 1]
    weights = [_int_vector(draw, i * o).reshape(o, i) for i, o in zip(arch[:-1], arch[1:])]
    biases = [_int_vector(draw, o) for o in arch[1:]]
    acts = [draw(st.sampled_from(["relu", "leaky_relu:0.25", "hard_tanh"])) for _ in widths]
    net = rk.Network.from_arrays(weights, biases, [*acts, "identity"])
    lo = -np.array(draw(st.lists(st.integers(1, 2), min_size=dim, max_size=dim)), dtype=float)
    hi = np.array(draw(st.lists(st.integers(1, 2), min_size=dim, max_size=dim)), dtype=float)
    if not sliced:
        domain = rk.Box(lo, hi)
    else:
        origin = _int_vector(draw, n_in)
        basis = np.stack([_int_vector(draw, n_in) for _ in range(dim)], axis=1)
        assume(np.linalg.matrix_rank(basis) == dim)
        domain = (rk.Segment(origin, origin + basis[:, 0]) if dim == 1 else
                  rk.Plane(origin, basis[:, 0], basis[:, 1], lo, hi))
    return net, domain, draw(st.sampled_from(METHODS))


@settings(max_examples=150)
@given(integer_cases())
def test_integer_networks_match_exact_rational_enumeration(case):
    """Same pattern set as exact clipping; in 1-D and 2-D clipping runs, each region's
    length or area equals the exact one."""
    net, domain, method = case
    exact = O.exact_regions(net, domain)
    rs = assert_regions(net, domain, set(exact), method)
    if rs.kind in ("1d", "2d"):
        for r, pattern in enumerate(rs.pattern_bits().tolist()):
            V = rs.region_vertices(r)
            size = V[1, 0] - V[0, 0] if rs.kind == "1d" else O.shoelace_area(V)
            assert size == pytest.approx(float(O.exact_area(exact[tuple(pattern)])), rel=1e-9)


# --- regression: dependent entering rows at degenerate edges -----------------------------------

# Four hyperplanes s.x = 1 of the 4-D cross-polytope whose normals have rank 3 meet along the
# line e1 + R (0, 1, 1, 0); a fifth unit cuts near them. The LP solver used to give up on a
# region at that degenerate edge ("LP: entering constraint is dependent"); it now parks rows
# that depend on the active set.
_PENCIL = np.array([[1, -1, 1, -1], [1, -1, 1, 1], [1, 1, -1, -1], [1, 1, -1, 1]], dtype=float)
_CROSS4 = np.array(list(itertools.product([-1.0, 1.0], repeat=4)))
_CUT = np.array([[1.0, 0.001, 0.002, 0.003]])


@pytest.mark.parametrize("normals, method", [(_PENCIL, "lp"), (_CROSS4, "auto")],
                         ids=["pencil-lp", "cross-polytope-auto"])
def test_regression_dependent_entering_row_at_degenerate_edge(normals, method):
    net = _net((np.vstack([normals, _CUT]), np.r_[-np.ones(len(normals)), 0.0]))
    box = rk.Box(-1.2, 1.2, dim=4)
    rs = rk.enumerate_regions(net, box, method=method)
    index = {tuple(p) for p in rs.pattern_bits().tolist()}
    pattern, _ = O.forward_pattern(net, box.to_input(box.sample(5000, rng=0)))
    assert {tuple(p) for p in pattern.tolist()} <= index
