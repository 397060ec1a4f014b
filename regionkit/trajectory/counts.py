"""From the pieces of paths and their pattern bits to what a trajectory reports: joined
pieces, distinct patterns, per-unit transitions and per-layer unit states.

Everything here reads only pattern bits and their layout (``Layout``, from the network's
``layer_hyperplane_offsets``, ``hyperplane_groups`` and ``widths``): a unit's bits are
contiguous; an elementwise unit with m thresholds has m bits (z > c_1, ..., z > c_m), so
the number it has set is the piece of the activation it is on; a maxout unit (a group of
more than one bit) has one bit per piece, set for the winner.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from regionkit.model.network import Network

__all__ = ["Counted", "Layout", "Pieces", "count", "layer_pieces", "per_layer", "states"]


@dataclass(frozen=True)
class Layout:
    """Where every layer's units keep their bits in a pattern.

    Parameters
    ----------
    offsets : numpy.ndarray
        Layer l's bits are ``offsets[l]:offsets[l + 1]``, ``bits / widths[l]`` per unit in
        unit order.
    widths : tuple of int
        Units per layer.
    grouped : tuple of bool
        True for maxout layers (one-hot groups).
    """

    offsets: np.ndarray
    widths: tuple[int, ...]
    grouped: tuple[bool, ...]

    @classmethod
    def of(cls, net: Network) -> "Layout":
        """The layout of a network's patterns.

        Parameters
        ----------
        net : Network
            The network.

        Returns
        -------
        Layout
            Its bit offsets, widths and maxout layers.
        """
        off = net.layer_hyperplane_offsets()
        _, size = net.hyperplane_groups()
        return cls(off, tuple(net.widths),
                   tuple(bool(off[li + 1] > off[li] and size[off[li]] > 1)
                         for li in range(net.n_layers)))

    def per_unit(self, li: int) -> int:
        """Bits per unit of a layer.

        Parameters
        ----------
        li : int
            The layer's index.

        Returns
        -------
        int
            Its bits per unit (0 for identity layers).
        """
        return int(self.offsets[li + 1] - self.offsets[li]) // self.widths[li]

    def bit_units(self) -> tuple[np.ndarray, np.ndarray]:
        """The unit of every bit, and which units are maxout units.

        Returns
        -------
        tuple of (numpy.ndarray, numpy.ndarray)
            The unit (numbered over all layers) of every bit; per unit, whether it is a
            maxout unit, where a change of winner flips two bits.
        """
        first = np.r_[0, np.cumsum(self.widths)]
        unit = np.empty(int(self.offsets[-1]), dtype=np.int64)
        halve = np.zeros(int(first[-1]), dtype=bool)
        for li in range(len(self.widths)):
            lo, hi = self.offsets[li], self.offsets[li + 1]
            unit[lo:hi] = first[li] + np.arange(hi - lo) // max(1, self.per_unit(li))
            halve[first[li]:first[li + 1]] = self.grouped[li]
        return unit, halve


@dataclass
class Pieces:
    """Pieces of a batch of paths, sorted by (path, lo), with their patterns (P, H) bools.

    Neighbours of one path may share a pattern where independent cuts meet (engine windows,
    polyline vertices, the start of a closed path); ``count`` joins them.

    Parameters
    ----------
    path : numpy.ndarray
        (P,) path index of every piece.
    lo, hi : numpy.ndarray
        (P,) parameter intervals.
    bits : numpy.ndarray
        (P, H) pattern bits.
    """

    path: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    bits: np.ndarray


@dataclass
class Counted:
    """Joined pieces (one period's worth on closed paths) with per-path counts.

    Parameters
    ----------
    path, lo, hi, bits : numpy.ndarray
        The joined pieces, as in ``Pieces``.
    n_pieces, n_patterns : numpy.ndarray
        (n_paths,) pieces and distinct patterns per path.
    per_neuron : numpy.ndarray
        (n_paths, sum of net.widths) transitions of every unit.
    """

    path: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    bits: np.ndarray
    n_pieces: np.ndarray
    n_patterns: np.ndarray
    per_neuron: np.ndarray  # (n_paths, sum of net.widths)


def count(layout: Layout, pc: Pieces, n_paths: int, closed: bool, period: float) -> Counted:
    """Join neighbours of equal pattern; count pieces, distinct patterns and transitions.

    A unit transitions when its piece of the activation changes: one transition per bit
    that flips (a hard-tanh jump -1 -> +1 flips two), one per change of a maxout winner (two
    bits flip). On closed paths the step from the last piece back to the first counts too,
    and the piece through the start is kept once, starting a period early.

    Parameters
    ----------
    layout : Layout
        Where the units' bits lie.
    pc : Pieces
        The pieces of the paths.
    n_paths : int
        Number of paths.
    closed : bool
        Whether the paths are closed.
    period : float
        Their period (read only when closed).

    Returns
    -------
    Counted
        The joined pieces and the counts.
    """
    bits, path = pc.bits, pc.path
    keep = np.ones(path.shape[0], dtype=bool)
    keep[1:] = (path[1:] != path[:-1]) | np.any(bits[1:] != bits[:-1], axis=1)
    starts = np.flatnonzero(keep)
    ends = np.r_[starts[1:], path.shape[0]] - 1
    path, lo, hi, bits = path[starts], pc.lo[starts], pc.hi[ends], bits[starts]
    n_pieces = np.bincount(path, minlength=n_paths)
    first = np.cumsum(n_pieces) - n_pieces
    last = first + n_pieces - 1
    flips = np.zeros(bits.shape, dtype=np.int64)
    flips[:-1] = bits[1:] != bits[:-1]
    flips[last] = bits[first] != bits[last] if closed else 0
    unit, halve = layout.bit_units()
    per_bit = np.add.reduceat(flips, first, axis=0)
    per_neuron = np.zeros((n_paths, halve.shape[0]), dtype=np.int64)
    np.add.at(per_neuron.T, unit, per_bit.T)
    per_neuron[:, halve] //= 2
    if closed:
        wrap = (n_pieces > 1) & np.all(bits[first] == bits[last], axis=1)
        lo[first[wrap]] = lo[last[wrap]] - period
        drop = np.zeros(path.shape[0], dtype=bool)
        drop[last[wrap]] = True
        path, lo, hi, bits = path[~drop], lo[~drop], hi[~drop], bits[~drop]
        n_pieces = n_pieces - wrap
    packed = np.packbits(bits, axis=1)
    key = np.ascontiguousarray(np.hstack([path[:, None].view(np.uint8).reshape(len(path), -1),
                                          packed]))
    _, idx = np.unique(key.view(np.dtype((np.void, key.shape[1]))).ravel(), return_index=True)
    n_patterns = np.bincount(path[idx], minlength=n_paths)
    return Counted(path, lo, hi, bits, n_pieces, n_patterns, per_neuron)


def layer_pieces(layout: Layout, bits: np.ndarray) -> list[np.ndarray]:
    """Per layer, the piece of its activation every unit is on.

    Parameters
    ----------
    layout : Layout
        Where the units' bits lie.
    bits : numpy.ndarray
        (n, H) patterns.

    Returns
    -------
    list of numpy.ndarray
        (n, width) per layer: the number of thresholds exceeded (0 on identity layers), or
        a maxout unit's winning piece.
    """
    out = []
    for li, w in enumerate(layout.widths):
        m = layout.per_unit(li)
        if m == 0:
            out.append(np.zeros((bits.shape[0], w), dtype=np.int64))
            continue
        per = bits[:, layout.offsets[li]:layout.offsets[li + 1]].reshape(-1, w, m)
        out.append(per.argmax(axis=2) if layout.grouped[li]
                   else per.sum(axis=2, dtype=np.int64))
    return out


def states(layout: Layout, bits: np.ndarray) -> tuple[np.ndarray, ...]:
    """Raghu's unit states per layer.

    Parameters
    ----------
    layout : Layout
        Where the units' bits lie.
    bits : numpy.ndarray
        (n, H) patterns.

    Returns
    -------
    tuple of numpy.ndarray
        (n, width) int8 per layer: the activation's piece numbered from -(m // 2) for m
        thresholds (ReLU 0, 1; hard tanh -1, 0, +1); maxout: the winning piece; no columns
        for identity layers.
    """
    out = []
    for li, piece in enumerate(layer_pieces(layout, bits)):
        m = layout.per_unit(li)
        shift = 0 if layout.grouped[li] else m // 2
        out.append((piece if m else piece[:, :0]) - shift)
    return tuple(s.astype(np.int8) for s in out)


def per_layer(layout: Layout, per_neuron: np.ndarray) -> tuple[np.ndarray, ...]:
    """Split one path's per-unit transition counts by layer.

    Parameters
    ----------
    layout : Layout
        Gives the layers' widths.
    per_neuron : numpy.ndarray
        (sum of widths,) transitions of every unit.

    Returns
    -------
    tuple of numpy.ndarray
        The counts of each layer's units.
    """
    return tuple(np.split(per_neuron.astype(np.int64), np.cumsum(layout.widths)[:-1]))
