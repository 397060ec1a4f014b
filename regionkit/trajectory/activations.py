"""How each layer's activation acts on a unit, read from the activation registry.

The trajectory code works from pattern bits (regionkit.trajectory.counts) and from the
layers' activation tables (regionkit.model.activations), indexed by the piece each unit is on
(``counts.layer_pieces``): on the j-th piece of z (j = breakpoints exceeded) an elementwise
unit outputs ``slopes[j] * z + offsets[j]``; a maxout unit outputs its winning piece.
"""
from __future__ import annotations

import numpy as np

from regionkit.model.activations import Activation, ActivationKind, maxout_winners

__all__ = ["is_maxout", "piece_bits", "pieces_at", "post_differences", "post_values"]


def is_maxout(act: Activation) -> bool:
    """Whether the layer's units output the largest of their affine pieces."""
    return act.kind == ActivationKind.MAXOUT


def _winner_rows(act: Activation, piece: np.ndarray) -> np.ndarray:
    """Rows of a maxout layer's pre-activations that units on pieces ``piece`` output."""
    return np.arange(piece.shape[1]) * act.pieces + piece


def post_values(act: Activation, z: np.ndarray, piece: np.ndarray) -> np.ndarray:
    """The layer's outputs for pre-activations z (n, rows) with units on pieces ``piece``."""
    if is_maxout(act):
        return np.take_along_axis(z, _winner_rows(act, piece), axis=1)
    return np.asarray(act.slopes)[piece] * z + np.asarray(act.offsets)[piece]


def post_differences(act: Activation, dz: np.ndarray, piece: np.ndarray) -> np.ndarray:
    """Changes of the outputs for changes dz of the pre-activations on fixed pieces."""
    if is_maxout(act):
        return np.take_along_axis(dz, _winner_rows(act, piece), axis=1)
    return np.asarray(act.slopes)[piece] * dz


def pieces_at(act: Activation, z: np.ndarray) -> np.ndarray:
    """(n, units) piece every unit is on at pre-activations z, as ``Network.pattern``
    decides: breakpoints exceeded (z > c), or the winning piece, ties to the lowest."""
    if is_maxout(act):
        return maxout_winners(z, act.pieces) - act.pieces * np.arange(z.shape[1] // act.pieces)
    return act.piece(z)


def piece_bits(act: Activation, piece: np.ndarray) -> np.ndarray:
    """The pattern bits of units on pieces ``piece``: z > c_i per breakpoint, or one-hot on
    a maxout unit's winner."""
    n = piece.shape[0]
    if is_maxout(act):
        return (piece[:, :, None] == np.arange(act.pieces)).reshape(n, -1)
    return (piece[:, :, None] > np.arange(len(act.breakpoints))).reshape(n, -1)
