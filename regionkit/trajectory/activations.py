"""How each layer's activation acts on a unit, as a piecewise-linear table.

``layer_tables`` is the one place in regionkit.trajectory that reads a network's
activations. Everything else works from pattern bits (regionkit.trajectory.counts) and from
these tables, indexed by the piece each unit is on (``counts.layer_pieces``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from regionkit.model.network import Network


@dataclass(frozen=True)
class Table:
    """One layer's activation: on the j-th piece of z (j = thresholds exceeded) a unit outputs
    ``slopes[j] * z + offsets[j]``; a maxout layer (``pieces`` > 1) outputs each unit's
    largest piece instead and has no thresholds."""

    thresholds: tuple[float, ...]
    slopes: np.ndarray
    offsets: np.ndarray
    pieces: int = 1

    @property
    def maxout(self) -> bool:
        return self.pieces > 1


RELU = Table((0.0,), np.array([0.0, 1.0]), np.zeros(2))
IDENTITY = Table((), np.ones(1), np.zeros(1))


def layer_tables(net: Network) -> list[Table]:
    """The table of every layer (reads ``net.activations``, ``net.slopes``, ``net.pieces``)."""
    out = []
    for act, slope, k in zip(net.activations, net.slopes, net.pieces):
        if act == "maxout":
            out.append(Table((), np.ones(1), np.zeros(1), k))
        elif act == "relu":
            out.append(RELU)
        elif act == "leaky_relu":
            out.append(Table((0.0,), np.array([slope, 1.0]), np.zeros(2)))
        elif act == "hard_tanh":
            out.append(Table((-1.0, 1.0), np.array([0.0, 1.0, 0.0]),
                             np.array([-1.0, 0.0, 1.0])))
        else:
            out.append(IDENTITY)
    return out


def post_values(table: Table, z: np.ndarray, piece: np.ndarray) -> np.ndarray:
    """The layer's outputs for pre-activations z (n, rows) with units on pieces ``piece``."""
    if table.maxout:
        rows = np.arange(piece.shape[1]) * table.pieces + piece
        return np.take_along_axis(z, rows, axis=1)
    return table.slopes[piece] * z + table.offsets[piece]


def post_differences(table: Table, dz: np.ndarray, piece: np.ndarray) -> np.ndarray:
    """Changes of the outputs for changes dz of the pre-activations on fixed pieces."""
    if table.maxout:
        rows = np.arange(piece.shape[1]) * table.pieces + piece
        return np.take_along_axis(dz, rows, axis=1)
    return table.slopes[piece] * dz


def pieces_at(table: Table, z: np.ndarray) -> np.ndarray:
    """(n, units) piece every unit is on at pre-activations z, as ``Network.pattern``
    decides: thresholds exceeded (z > c), or the winning piece, ties to the lowest."""
    if table.maxout:
        return z.reshape(z.shape[0], -1, table.pieces).argmax(axis=2)
    piece = np.zeros(z.shape, dtype=np.int64)
    for c in table.thresholds:
        piece += z > c
    return piece


def piece_bits(table: Table, piece: np.ndarray) -> np.ndarray:
    """The pattern bits of units on pieces ``piece``: z > c_i per threshold, or one-hot on
    a maxout unit's winner."""
    n = piece.shape[0]
    if table.maxout:
        return (piece[:, :, None] == np.arange(table.pieces)).reshape(n, -1)
    return (piece[:, :, None] > np.arange(len(table.thresholds))).reshape(n, -1)
