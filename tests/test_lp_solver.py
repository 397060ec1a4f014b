"""The core's dense active-set LP solver against scipy's HiGHS and exact rational answers.

regionkit.core._core.lp_min(A, b, c, x0, stop_below) minimises c.x over A x <= b from a feasible
x0; _core.chebyshev gives Chebyshev centres and radii of CSR-stored regions. Every count in
more than two dimensions rests on these answers, so they are checked on random, degenerate
and exactly solvable instances.
"""
from __future__ import annotations

import itertools

import numpy as np
import oracles as O
import pytest
from scipy.optimize import linprog

from regionkit.core import _core


def _normalise(A: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = np.linalg.norm(A, axis=1)
    return A / n[:, None], b / n


def _random_instance(rng: np.random.Generator, d: int, m: int):
    """Unit rows around a known interior point x0, bounded by a box of 2d rows among the m."""
    x0 = rng.normal(size=d)
    A = rng.normal(size=(m - 2 * d, d))
    A /= np.linalg.norm(A, axis=1, keepdims=True)
    E = np.vstack([np.eye(d), -np.eye(d)])
    A = np.vstack([A, E])
    b = A @ x0 + np.r_[rng.uniform(0.05, 1.0, size=m - 2 * d), rng.uniform(1.0, 2.0, size=2 * d)]
    return A, b, rng.normal(size=d), x0


def _highs_min(A, b, c) -> float:
    res = linprog(c, A_ub=A, b_ub=b, bounds=[(None, None)] * len(c), method="highs")
    assert res.status == 0, res.message
    return float(res.fun)


def _assert_optimal(A, b, c, x0, expected: float, rel: float = 1e-9) -> np.ndarray:
    status, x, value = _core.lp_min(A, b, c, x0)
    assert status == "optimal"
    assert value == pytest.approx(expected, rel=rel, abs=rel)
    assert value == pytest.approx(float(c @ x), rel=1e-12, abs=1e-12)
    assert np.max(A @ x - b) <= 1e-12 * (1 + np.abs(b).max())
    return x


def test_random_instances_match_highs():
    rng = np.random.default_rng(0)
    for _ in range(60):
        d = int(rng.integers(2, 9))
        A, b, c, x0 = _random_instance(rng, d, int(rng.integers(max(10, 2 * d + 1), 61)))
        _assert_optimal(A, b, c, x0, _highs_min(A, b, c))


@pytest.mark.parametrize("d", [2, 3, 4, 5, 6])
def test_many_hyperplanes_through_the_optimal_vertex(d):
    """20 hyperplanes through the origin (a pointed cone around w) plus a box; the objective
    is a negative combination of some normals, so the minimum 0 sits at the origin where
    all 20 constraints are active."""
    rng = np.random.default_rng(d)
    w = rng.normal(size=d)
    w /= np.linalg.norm(w)
    N = rng.normal(size=(20, d))
    N -= np.outer(N @ w + rng.uniform(0.1, 1.0, size=20), w)  # every n.w < 0
    N /= np.linalg.norm(N, axis=1, keepdims=True)
    A = np.vstack([N, np.eye(d), -np.eye(d)])
    b = np.r_[np.zeros(20), 2.0 * np.ones(2 * d)]
    for k in range(3):
        c = -rng.uniform(0.1, 1.0, size=20) * (rng.uniform(size=20) < 0.4 + 0.2 * k) @ N
        assert _highs_min(A, b, c) == pytest.approx(0.0, abs=1e-9)
        _assert_optimal(A, b, c, 0.5 * w, 0.0, rel=1e-12)


def test_duplicated_rows_do_not_change_the_optimum():
    rng = np.random.default_rng(1)
    for d in (2, 4, 6):
        A, b, c, x0 = _random_instance(rng, d, 30)
        expected = _highs_min(A, b, c)
        idx = rng.permutation(np.repeat(np.arange(len(b)), 3))
        _assert_optimal(A[idx], b[idx], c, x0, expected)


@pytest.mark.parametrize("d", range(2, 9))
def test_cross_polytope_vertices_with_many_active_rows(d):
    """{x : s.x <= 1 for all s in {-1, 1}^d}: each vertex +-e_i lies on 2^(d-1) facets.
    The minimum of c.x is -max|c_i| (at a vertex); starts include the origin, a vertex and
    a point next to one."""
    S, b = _normalise(np.array(list(itertools.product([-1.0, 1.0], repeat=d))), np.ones(2 ** d))
    e = np.eye(d)
    objectives = [-e[0], np.ones(d), -e[0] + 1e-3 * np.arange(d) / d,
                  np.random.default_rng(d).normal(size=d)]
    for c in objectives:
        for x0 in (np.zeros(d), -e[0], 0.999 * e[1]):
            _assert_optimal(S, b, c, x0, -np.abs(c).max(), rel=1e-12)


def test_small_integer_instances_match_exact_vertex_enumeration():
    """Integer rows in -3..3 (much degeneracy), box |x_i| <= 4: the optimum equals the exact
    rational minimum over all vertices (fractions.Fraction) to 1e-12."""
    rng = np.random.default_rng(2)
    for _ in range(40):
        d = int(rng.integers(2, 4))
        A = rng.integers(-3, 4, size=(int(rng.integers(3, 8)), d))
        A = np.vstack([A[np.any(A != 0, axis=1)], np.eye(d, dtype=int), -np.eye(d, dtype=int)])
        b = np.r_[rng.integers(1, 5, size=len(A) - 2 * d), 4 * np.ones(2 * d, dtype=int)]
        c = rng.integers(-3, 4, size=d)
        if not c.any():
            continue
        exact = float(O.exact_lp_min(A.tolist(), b.tolist(), c.tolist()))
        An, bn = _normalise(A.astype(float), b.astype(float))
        for x0 in (np.zeros(d), rng.uniform(-0.2, 0.2, size=d)):
            _assert_optimal(An, bn, c.astype(float), x0, exact, rel=1e-12)


def test_stop_below_returns_a_feasible_point_below_the_threshold():
    rng = np.random.default_rng(3)
    for _ in range(20):
        d = int(rng.integers(2, 9))
        A, b, c, x0 = _random_instance(rng, d, 40)
        best = _highs_min(A, b, c)
        threshold = 0.5 * (c @ x0 + best)
        status, x, value = _core.lp_min(A, b, c, x0, threshold)
        assert status == "stopped"
        assert value < threshold and value == pytest.approx(c @ x, abs=1e-12)
        assert np.max(A @ x - b) <= 1e-12
        # Below the optimum the threshold is never reached; above the start it is at once.
        assert _core.lp_min(A, b, c, x0, best - 1.0)[0] == "optimal"
        status, x, _ = _core.lp_min(A, b, c, x0, c @ x0 + 1.0)
        assert status == "stopped" and np.array_equal(x, x0)


def test_unbounded_problem_is_reported():
    A = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    b = np.array([1.0, 1.0, 1.0])
    assert _core.lp_min(A, b, np.array([1.0, 0.3]), np.zeros(2))[0] == "unbounded"


def test_chebyshev_matches_highs():
    """Radii of CSR-stored regions equal HiGHS's; the returned balls lie inside."""
    rng = np.random.default_rng(4)
    for d in (2, 3, 5):
        blocks = [_random_instance(rng, d, int(rng.integers(2 * d + 1, 30))) for _ in range(6)]
        off = np.cumsum([0] + [len(blk[1]) for blk in blocks])
        A = np.vstack([blk[0] for blk in blocks])
        b = np.concatenate([blk[1] for blk in blocks])
        centres, radii = _core.chebyshev(off, A, b, np.stack([blk[3] for blk in blocks]))
        for r, (Ar, br, _, _) in enumerate(blocks):
            assert radii[r] == pytest.approx(O.chebyshev_lp(Ar, br)[1], rel=1e-9)
            assert np.all(Ar @ centres[r] + radii[r] <= br + 1e-12)


# --- regressions: dependent entering rows (they used to raise SolverError) --------------------

_E = np.array([1.0, 0.001, 0.002, 0.003])
# A region met while enumerating the 4-D cross-polytope net of test_engine_degenerate's degenerate
# edge regression: the four rows of +-0.5 entries meet along a line (rank 3), a degenerate edge.
_CHEB_A = np.vstack([[0, 1, 0, 0], [.5, -.5, .5, .5], [.5, -.5, .5, -.5], [.5, .5, -.5, -.5],
                     [.5, .5, -.5, .5], [-.5, -.5, -.5, .5], [-.5, -.5, -.5, -.5],
                     -_E / np.linalg.norm(_E)])
_CHEB_B = np.array([1.2, -.5, -.5, .5, .5, -.5, -.5, 0.0])


def test_regression_cross_polytope_vertex_with_many_tight_rows():
    """A cross-polytope vertex with 2^(d-1) tight rows (d = 6)."""
    d = 6
    S, b = _normalise(np.array(list(itertools.product([-1.0, 1.0], repeat=d))), np.ones(2 ** d))
    c = np.array([-1000.0, -2.0, -3.0, 1.0, -1.0, -1.0])
    _assert_optimal(S, b, c, np.zeros(d), -1000.0, rel=1e-12)


def test_regression_chebyshev_on_degenerate_edge():
    """Chebyshev centre of a region whose rows meet along a degenerate edge."""
    x0 = np.array([-0.00104, 1.1003, 0.1003, 0.0000016])
    assert np.all(_CHEB_A @ x0 < _CHEB_B)
    _, radii = _core.chebyshev(np.array([0, 8]), _CHEB_A, _CHEB_B, x0[None])
    assert radii[0] == pytest.approx(O.chebyshev_lp(_CHEB_A, _CHEB_B)[1], rel=1e-9)
