"""Shared checks for the loader tests: a forward pass of converted layers written from the
layer spec (maxout included), independent of regionkit.Network."""
from __future__ import annotations

import numpy as np

import regionkit as rk

# Max abs error allowed between a converted network and the framework's own float64 forward.
EXACT = 1e-9


def table_forward(act, z: np.ndarray) -> np.ndarray:
    """A continuous piecewise-linear table read as data and evaluated as its first piece plus
    one hinge per breakpoint: s_0 z + o_0 + sum_j (s_j - s_(j-1)) max(z - c_j, 0)."""
    s, c = act.slopes, act.breakpoints
    out = s[0] * z + act.offsets[0]
    for j, cj in enumerate(c, start=1):
        out = out + (s[j] - s[j - 1]) * np.maximum(z - cj, 0.0)
    return out


def forward_arrays(weights, biases, activations, X: np.ndarray) -> np.ndarray:
    """h_l = act_l(W_l h_(l-1) + b_l); a maxout layer (act.pieces) takes the max of each
    unit's k consecutive rows."""
    h = np.asarray(X, dtype=np.float64)
    for W, b, act in zip(weights, biases, activations):
        z = h @ np.asarray(W).T + b
        if isinstance(act, rk.activations.Maxout):
            h = z.reshape(z.shape[0], -1, act.pieces).max(axis=2)
        else:
            h = table_forward(act, z)
    return h


def assert_matches(stack, X: np.ndarray, reference: np.ndarray) -> None:
    """The converted layers (own forward pass) and the Network built from them both
    reproduce the framework's outputs within EXACT."""
    flat = X.reshape(X.shape[0], -1)
    ref = reference.reshape(X.shape[0], -1)
    err = np.abs(forward_arrays(*stack.arrays(), flat) - ref).max()
    assert err <= EXACT, f"layers differ from the framework by {err:.3g}"
    err = np.abs(rk.Network.from_arrays(*stack.arrays()).forward(flat) - ref).max()
    assert err <= EXACT, f"Network differs from the framework by {err:.3g}"
