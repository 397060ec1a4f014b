"""Reference: neuron-by-neuron splitting with scipy's linprog (Hanin & Rolnick's method).

Deliberately plain: each region is an H-polytope; each unit of the next layer is tested
with one LP per side (maximise the slack of the strict inequality). Used by the benchmark
to time the obvious approach and to cross-check the engine's counts.
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import linprog

SLACK_MIN = 1e-9


def _side_feasible(A: np.ndarray, b: np.ndarray, a: np.ndarray, c: float) -> bool:
    """Is {A x < b, a.x + c > 0} non-empty? Max s: A x + s|A| <= b, -a x + s|a| <= c."""
    rows = np.vstack([A, -a])
    rhs = np.concatenate([b, [c]])
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    k = A.shape[1]
    res = linprog(np.r_[np.zeros(k), -1.0], A_ub=np.hstack([rows, norms]), b_ub=rhs,
                  bounds=[(None, None)] * k + [(None, 1.0)], method="highs")
    return res.status == 0 and -res.fun > SLACK_MIN


def count_regions(weights, biases, lo: float, hi: float) -> int:
    """Activation regions of a ReLU net (identity last layer) on the open box (lo, hi)^d."""
    d = weights[0].shape[1]
    A0 = np.vstack([-np.eye(d), np.eye(d)])
    b0 = np.r_[-np.full(d, lo), np.full(d, hi)]
    # region: (A, b, M, m) with the current layer input h = M x + m
    regions = [(A0, b0, np.eye(d), np.zeros(d))]
    for W, bias in zip(weights[:-1], biases[:-1]):
        new = []
        for A, b, M, m in regions:
            P, q = W @ M, W @ m + bias
            pieces = [(A, b, np.zeros(len(q), bool))]
            for j in range(len(q)):
                nxt = []
                for PA, Pb, bits in pieces:
                    pos = _side_feasible(PA, Pb, P[j], q[j])
                    neg = _side_feasible(PA, Pb, -P[j], -q[j])
                    if pos and neg:
                        bp = bits.copy()
                        bp[j] = True
                        nxt.append((np.vstack([PA, -P[j]]), np.r_[Pb, q[j]], bp))
                        nxt.append((np.vstack([PA, P[j]]), np.r_[Pb, -q[j]], bits))
                    else:
                        if pos:
                            bits = bits.copy()
                            bits[j] = True
                        nxt.append((PA, Pb, bits))
                pieces = nxt
            for PA, Pb, bits in pieces:
                D = bits.astype(float)
                new.append((PA, Pb, D[:, None] * P, D * q))
        regions = new
    return len(regions)
