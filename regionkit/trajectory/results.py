"""The result classes of regionkit.trajectory: pieces, transitions, lengths, dichotomies."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from regionkit.model.network import Network

__all__ = ["LENGTH_RTOL", "Dichotomies", "Lengths", "Trajectory", "Transitions", "representative"]

# Relative rounding error of a length assembled from layer values: sums of up to ~10^4
# products each rounded at 2.2e-16, with margin.
LENGTH_RTOL = 1e-12


@dataclass(frozen=True)
class Transitions:
    """Neuron transitions along a path (Raghu et al. section 2.1).

    ``per_neuron[l][i]`` counts how often unit i of layer l switches linear piece: for a
    table, one per breakpoint crossed (ReLU and leaky ReLU off <-> on; hard tanh between
    -1, linear and +1, a direct jump -1 <-> +1 across a linear zone thinner than the
    tolerance counting two); maxout from one winning piece to another. Identity layers
    never transition. On closed paths the step back to the start
    is included, so every count is even.

    Parameters
    ----------
    per_neuron : tuple of numpy.ndarray
        Per layer, the transitions of each of its units.
    """

    per_neuron: tuple[np.ndarray, ...]

    @property
    def per_layer(self) -> np.ndarray:
        """T^(d): transitions summed over each layer's units."""
        return np.array([int(t.sum()) for t in self.per_neuron], dtype=np.int64)

    @property
    def output(self) -> int:
        """Transitions of the output layer's units (0 when the output layer is linear)."""
        return int(self.per_neuron[-1].sum())

    @property
    def total(self) -> int:
        """Transitions of all units."""
        return int(sum(int(t.sum()) for t in self.per_neuron))


@dataclass(frozen=True)
class Lengths:
    """Length of the image of the path at every layer (Raghu et al. section 2.2).

    Unbounded pieces with a non-constant image give ``inf``.

    Parameters
    ----------
    input : float
        The path's own length.
    pre, post : numpy.ndarray
        (n_layers,) ``pre[l]`` is the length of z_l(x(t)), ``post[l]`` of h_l = act(z_l).
    error : float
        A bound on the absolute error of every entry: rounding for lines and polylines,
        plus the elliptic-integral evaluation for arcs.
    """

    input: float
    pre: np.ndarray
    post: np.ndarray
    error: float

    @property
    def output(self) -> float:
        """Length of the network's output image, ``post[-1]``."""
        return float(self.post[-1])

    @property
    def growth(self) -> np.ndarray:
        """Per-layer ratios post[l] / post[l-1] (post[-1] := input): Raghu's Fig. 13c,d."""
        before = np.r_[self.input, self.post[:-1]]
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.post / before


def representative(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A parameter inside every piece.

    Parameters
    ----------
    lo, hi : numpy.ndarray
        The pieces' parameter intervals; an end may be infinite.

    Returns
    -------
    numpy.ndarray
        The midpoint; one unit (relative) inside an unbounded end; 0 on the whole line.
    """
    with np.errstate(invalid="ignore"):
        mid = 0.5 * (lo + hi)
        mid = np.where(np.isinf(lo) & np.isfinite(hi), hi - 1.0 - np.abs(hi), mid)
        mid = np.where(np.isfinite(lo) & np.isinf(hi), lo + 1.0 + np.abs(lo), mid)
    return np.where(np.isinf(lo) & np.isinf(hi), 0.0, mid)


@dataclass(frozen=True, eq=False)
class Trajectory:
    """A path cut into its pieces: maximal parameter intervals of one activation pattern.

    Made by ``segment``, ``line``, ``polyline``, ``arc`` and ``circle``.

    Parameters
    ----------
    kind : str
        "segment", "line", "polyline", "arc" or "circle".
    network : Network
        The network.
    lo, hi : numpy.ndarray
        ``lo[i] < hi[i]`` bound piece i in the path's own parameter t, in path order. On a
        closed path the piece through the start point wraps: its ``lo`` is negative (one
        period earlier).
    states : tuple of numpy.ndarray
        ``states[l]`` is (n_pieces, n_l): a table's piece 0..m numbered from -(m // 2) for m
        breakpoints ({0, 1} for ReLU, {-1, 0, 1} for hard tanh), the winning piece 0..k-1
        for maxout; no columns for identity layers.
    patterns : numpy.ndarray
        (n_pieces, n_hyperplanes) bools: each piece's activation pattern as
        ``Network.pattern`` gives it.
    n_patterns : int
        Distinct patterns: n_pieces on lines and segments (Raghu's Corollary 1), fewer when
        a polyline or an arc re-enters a region.
    transitions : Transitions
        Neuron transitions along the path.
    lengths : Lengths
        Image lengths at every layer.
    closed : bool
        Whether the path is closed (polyline with closed=True, circle).
    seconds : float
        Time taken.
    curve : callable
        Parameters t (array) to network inputs x(t), as ``points``.
    period : float
        The parameter's period on closed paths; inf otherwise.
    """

    kind: str
    network: Network
    lo: np.ndarray
    hi: np.ndarray
    states: tuple[np.ndarray, ...]
    patterns: np.ndarray  # (n_pieces, n_hyperplanes) bools in the convention of Network.pattern
    n_patterns: int
    transitions: Transitions
    lengths: Lengths
    closed: bool
    seconds: float
    curve: Callable[[np.ndarray], np.ndarray] = field(repr=False)
    period: float = field(default=math.inf, repr=False)

    @property
    def n_pieces(self) -> int:
        """Number of pieces."""
        return int(self.lo.shape[0])

    @property
    def breakpoints(self) -> np.ndarray:
        """Parameters where the pattern changes, sorted (on closed paths within [0, period))."""
        if self.closed:
            return np.sort(np.mod(self.lo, self.period)) if self.n_pieces > 1 else self.lo[:0]
        return self.lo[1:].copy()

    def midpoints(self) -> np.ndarray:
        """A parameter inside every piece.

        Returns
        -------
        numpy.ndarray
            (n_pieces,) midpoints; one unit (relative) inside an unbounded end; within
            [0, period) on closed paths.
        """
        t = representative(self.lo, self.hi)
        return np.mod(t, self.period) if self.closed else t

    def points(self, t: np.ndarray) -> np.ndarray:
        """Network inputs on the path.

        Parameters
        ----------
        t : array_like
            Path parameters.

        Returns
        -------
        numpy.ndarray
            x(t), shape (len(t), n_in).
        """
        return self.curve(np.atleast_1d(np.asarray(t, dtype=np.float64)))

    def summary(self) -> dict[str, Any]:
        """The trajectory's numbers, ready for JSON.

        Returns
        -------
        dict
            kind, n_pieces, n_patterns, closed, breakpoints, transitions (total, output,
            per_layer), lengths (input, pre, post, output, error; an infinite length is
            None), architecture and seconds.
        """
        def num(v: float) -> float | None:
            return float(v) if math.isfinite(v) else None

        L = self.lengths
        return {"kind": self.kind, "n_pieces": self.n_pieces, "n_patterns": self.n_patterns,
                "closed": self.closed, "breakpoints": [float(b) for b in self.breakpoints],
                "transitions": {"total": self.transitions.total,
                                "output": self.transitions.output,
                                "per_layer": self.transitions.per_layer.tolist()},
                "lengths": {"input": num(L.input), "pre": [num(v) for v in L.pre],
                            "post": [num(v) for v in L.post], "output": num(L.output),
                            "error": num(L.error)},
                "architecture": [self.network.n_in] + self.network.widths,
                "seconds": self.seconds}


@dataclass(frozen=True)
class Dichotomies:
    """Sign labellings of s fixed inputs while one layer's weights sweep a great circle.

    Made by ``dichotomies``.

    Parameters
    ----------
    labellings : numpy.ndarray
        (n_dichotomies, s) bools: the distinct labellings (output > 0) in order of first
        appearance.
    breakpoints : numpy.ndarray
        The sweep angles t in [0, 2 pi) where some label flips, sorted.
    label_flips : int
        Single-input label flips (a closed sweep, so it is even).
    transitions : int
        Neuron transitions of the swept layer and above, summed over the inputs.
    """

    labellings: np.ndarray
    breakpoints: np.ndarray
    label_flips: int
    transitions: int

    @property
    def n_dichotomies(self) -> int:
        """Number of distinct labellings."""
        return int(self.labellings.shape[0])
