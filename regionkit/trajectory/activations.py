"""How each layer's activation acts on a unit, read from the activation registry.

The trajectory code works from pattern bits (regionkit.trajectory.counts) and from the
layers' activation tables (regionkit.model.activations), indexed by the piece each unit is on
(``counts.layer_pieces``): on the j-th piece of z (j = breakpoints exceeded) an elementwise
unit outputs ``slopes[j] * z + offsets[j]``; a maxout unit outputs its winning piece.
"""
from __future__ import annotations

import numpy as np

from regionkit.model.activations import Activation, Maxout, maxout_winners

__all__ = ["piece_bits", "pieces_at", "post_differences", "post_values"]


def _winner_rows(act: Activation, piece: np.ndarray) -> np.ndarray:
    """Rows of a maxout layer's pre-activations that units on pieces ``piece`` output."""
    return np.arange(piece.shape[1]) * act.pieces + piece


def post_values(act: Activation, z: np.ndarray, piece: np.ndarray) -> np.ndarray:
    """The layer's outputs for pre-activations z with every unit on a given piece.

    Parameters
    ----------
    act : Activation
        The layer's activation.
    z : numpy.ndarray
        (n, rows) pre-activations: one row per unit, ``pieces`` rows per maxout unit.
    piece : numpy.ndarray
        (n, units) piece of every unit (``pieces_at`` or ``counts.layer_pieces``).

    Returns
    -------
    numpy.ndarray
        (n, units) outputs: ``slopes[j] * z + offsets[j]`` on piece j, or the maxout unit's
        row ``piece``.
    """
    if isinstance(act, Maxout):
        return np.take_along_axis(z, _winner_rows(act, piece), axis=1)
    return np.asarray(act.slopes)[piece] * z + np.asarray(act.offsets)[piece]


def post_differences(act: Activation, dz: np.ndarray, piece: np.ndarray) -> np.ndarray:
    """Changes of the outputs for changes dz of the pre-activations on fixed pieces.

    Parameters
    ----------
    act : Activation
        The layer's activation.
    dz : numpy.ndarray
        (n, rows) changes of the pre-activations.
    piece : numpy.ndarray
        (n, units) piece of every unit.

    Returns
    -------
    numpy.ndarray
        (n, units) changes of the outputs (the offsets cancel).
    """
    if isinstance(act, Maxout):
        return np.take_along_axis(dz, _winner_rows(act, piece), axis=1)
    return np.asarray(act.slopes)[piece] * dz


def pieces_at(act: Activation, z: np.ndarray) -> np.ndarray:
    """The piece every unit is on at pre-activations z, as ``Network.pattern`` decides.

    Parameters
    ----------
    act : Activation
        The layer's activation.
    z : numpy.ndarray
        (n, rows) pre-activations.

    Returns
    -------
    numpy.ndarray
        (n, units) pieces: the number of breakpoints exceeded (z > c), or a maxout unit's
        winning piece, ties to the lowest.
    """
    if isinstance(act, Maxout):
        return maxout_winners(z, act.pieces) - act.pieces * np.arange(z.shape[1] // act.pieces)
    return act.piece(z)


def piece_bits(act: Activation, piece: np.ndarray) -> np.ndarray:
    """The pattern bits of units on given pieces.

    Parameters
    ----------
    act : Activation
        The layer's activation.
    piece : numpy.ndarray
        (n, units) piece of every unit.

    Returns
    -------
    numpy.ndarray
        (n, units * bits per unit) bools: z > c_i per breakpoint, or one-hot on a maxout
        unit's winner.
    """
    n = piece.shape[0]
    if isinstance(act, Maxout):
        return (piece[:, :, None] == np.arange(act.pieces)).reshape(n, -1)
    return (piece[:, :, None] > np.arange(len(act.breakpoints))).reshape(n, -1)
