"""Shared checks for the loader tests: a forward pass of converted layers written from the
layer spec (maxout included), independent of regionkit.Network."""
from __future__ import annotations

import numpy as np

import regionkit as rk

# Max abs error allowed between a converted network and the framework's own float64 forward.
EXACT = 1e-9


def forward_arrays(weights, biases, activations, X: np.ndarray) -> np.ndarray:
    """h_l = act_l(W_l h_(l-1) + b_l); 'maxout:k' takes the max of each unit's k consecutive
    rows."""
    h = np.asarray(X, dtype=np.float64)
    for W, b, act in zip(weights, biases, activations):
        z = h @ np.asarray(W).T + b
        name, _, param = act.partition(":")
        if name == "relu":
            h = np.maximum(z, 0.0)
        elif name == "leaky_relu":
            h = np.where(z > 0, z, float(param) * z)
        elif name == "hard_tanh":
            h = np.clip(z, -1.0, 1.0)
        elif name == "maxout":
            h = z.reshape(z.shape[0], -1, int(param)).max(axis=2)
        else:
            assert name == "identity", act
            h = z
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
