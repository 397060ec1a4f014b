"""Exact vertex enumeration (rational.vertex_enumeration) against brute force: every
dim-subset of the rows and box sides solved exactly, kept where it satisfies every row."""
from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest

from regionkit.regions.rational import Row, q, vertex_enumeration


def _brute_force(rows, lo, hi):
    """Vertices (as tuples of Fractions) and the rows each lies on, by solving every
    dim-subset of rows and box sides exactly (Cramer-free Gauss-Jordan)."""
    d = len(lo)
    cons = [(list(r.a), r.c) for r in rows]
    for i in range(d):
        e = [Fraction(0)] * d
        e[i] = Fraction(1)
        cons.append(([-x for x in e], Fraction(lo[i])))   # -t_i + lo_i <= 0
        cons.append((e, -Fraction(hi[i])))                # t_i - hi_i <= 0
    found = {}
    for subset in itertools.combinations(range(len(cons)), d):
        M = [list(cons[k][0]) + [-cons[k][1]] for k in subset]
        ok = True
        for col in range(d):  # Gauss-Jordan on the d x (d + 1) system
            piv = next((r for r in range(col, d) if M[r][col] != 0), None)
            if piv is None:
                ok = False
                break
            M[col], M[piv] = M[piv], M[col]
            M[col] = [x / M[col][col] for x in M[col]]
            for r in range(d):
                if r != col and M[r][col] != 0:
                    M[r] = [x - M[r][col] * y for x, y in zip(M[r], M[col])]
        if not ok:
            continue
        v = tuple(M[i][d] for i in range(d))
        if all(sum(a * x for a, x in zip(cons[k][0], v)) + cons[k][1] <= 0
               for k in range(len(cons))):
            found[v] = tuple(sum(a * x for a, x in zip(r.a, v)) + r.c == 0 for r in rows)
    return found


def _random_rows(rng, d, m):
    return [Row(tuple(q(int(x)) for x in rng.integers(-3, 4, size=d)), q(int(rng.integers(-3, 3))),
                k, True) for k in range(m)]


@pytest.mark.parametrize("d, m, seed", [(2, 5, 0), (2, 7, 1), (3, 5, 2), (3, 7, 3), (4, 6, 4),
                                        (4, 8, 5)])
def test_vertices_match_brute_force(d, m, seed):
    rng = np.random.default_rng(seed)
    lo, hi = [-2.0] * d, [2.0] * d
    # the box's sides as rows too, so that the polytope is bounded by its rows
    box = [Row(tuple(q(-1.0 if j == i else 0.0) for j in range(d)), q(lo[i]), -1 - 2 * i, True)
           for i in range(d)] + [
          Row(tuple(q(1.0 if j == i else 0.0) for j in range(d)), q(-hi[i]), -2 - 2 * i, True)
          for i in range(d)]
    for attempt in range(6):
        rows = _random_rows(rng, d, m) + box
        expected = _brute_force(rows, lo, hi)
        got = vertex_enumeration(rows, lo, hi)
        pts = np.array([[float(x) for x in v] for v in expected]).reshape(-1, d)
        if len(pts) == 0 or np.linalg.matrix_rank(pts[1:] - pts[0]) < d:  # empty or flat
            assert got is None
            continue
        V, on = got
        assert {tuple(v) for v in V} == set(expected)
        for v, flags in zip(V, on):
            assert tuple(flags) == expected[tuple(v)]


def test_degenerate_vertices_with_many_rows_through_them():
    """A square pyramid's apex lies on four facets: the combinatorial edge test must not
    invent or lose vertices there."""
    rows = [Row((q(1), q(0), q(1)), q(-1), 0, True), Row((q(-1), q(0), q(1)), q(-1), 1, True),
            Row((q(0), q(1), q(1)), q(-1), 2, True), Row((q(0), q(-1), q(1)), q(-1), 3, True),
            Row((q(0), q(0), q(-1)), q(0), 4, True)]
    V, on = vertex_enumeration(rows, [-1.0, -1.0, 0.0], [1.0, 1.0, 1.0])
    assert sorted(tuple(float(x) for x in v) for v in V) == [
        (-1.0, -1.0, 0.0), (-1.0, 1.0, 0.0), (0.0, 0.0, 1.0), (1.0, -1.0, 0.0), (1.0, 1.0, 0.0)]
    apex = [i for i, v in enumerate(V) if v[2] == 1][0]
    assert on[apex].tolist() == [True, True, True, True, False]


def test_empty_polytope_and_vertex_budget():
    rows = [Row((q(1), q(0)), q(1), 0, True), Row((q(-1), q(0)), q(1), 1, True)]  # x<=-1, x>=1
    assert vertex_enumeration(rows, [-2.0, -2.0], [2.0, 2.0]) is None
    disc = [Row((q(float(np.cos(a))), q(float(np.sin(a)))), q(-1), k, True)
            for k, a in enumerate(np.linspace(0, 2 * np.pi, 40, endpoint=False))]
    assert vertex_enumeration(disc, [-2.0, -2.0], [2.0, 2.0], max_vertices=10) is None
    V, _ = vertex_enumeration(disc, [-2.0, -2.0], [2.0, 2.0])
    assert len(V) == 40


def test_pattern_polytope_of_a_known_region_and_a_missing_one():
    """Region {x > 0, y > 0} of two ReLUs on (-1, 1)^2 is the unit square's corner
    quadrant: vertices (0,0), (1,0), (0,1), (1,1) in t, which are u = t in this box."""
    import regionkit as rk

    net = rk.Network.from_arrays([[[1, 0], [0, 1]], [[1, 1]]], [[0, 0], [0]])
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    r = int(rs.locate([[0.5, 0.5]])[0])
    U, on, A, b, labels = rs.pattern_polytope(r)
    assert sorted(map(tuple, U.tolist())) == [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)]
    assert on.sum(axis=1).tolist() == [2, 2, 2, 2]
    with pytest.raises(rk.RegionkitError, match="region 7 does not exist"):
        rs.pattern_polytope(7)
