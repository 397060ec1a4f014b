"""What each layer of a network contributes to the bounds: the one place that reads activations.

The bounds depend on a layer's activation only through its shape as a piecewise-linear
function: where a unit bends (breakpoints), the slopes between the bends, or the number of
maxout pieces. This module turns a network into that description (SplittingLayer), so the
rest of the package never looks at activations. It reads, and is the only module of
regionkit.bounds to read, the activation tables (regionkit.model.activations): their
breakpoints and slopes, or a maxout layer's pieces.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from regionkit.errors import BoundsInputError
from regionkit.model.activations import Activation, ActivationKind, relu
from regionkit.model.domains import Domain
from regionkit.model.network import Network

__all__ = ["SplittingLayer", "layer_ranks", "network_label", "require_relu_hidden",
           "splitting_layers"]


@dataclass(frozen=True)
class SplittingLayer:
    """A layer whose activation cuts the domain, in the domain's coordinates.

    Parameters
    ----------
    W, b : ndarray
        Pre-activation map z = W t + b of the layer as a function of the domain's
        coordinates t (earlier identity layers and a slice's map composed in; later layers
        see the previous splitting layer's outputs). A maxout layer has units * pieces rows.
    pieces : int
        Affine pieces per unit: k for maxout, 1 for an elementwise activation.
    breakpoints : tuple of float
        Pre-activation values where an elementwise unit changes slope: (0,) for ReLU and
        leaky ReLU, (-1, 1) for hard tanh; () for maxout.
    slopes : tuple of float
        Slope of each linear piece of an elementwise activation, left to right: (0, 1) for
        ReLU, (a, 1) for leaky ReLU, (0, 1, 0) for hard tanh; () for maxout.
    maxout : bool
        Whether each unit outputs the maximum of its pieces.
    name : str
        The activation as written in network files ('relu', 'maxout:3'), for messages.
    """

    W: np.ndarray
    b: np.ndarray
    pieces: int
    breakpoints: tuple[float, ...]
    slopes: tuple[float, ...]
    maxout: bool
    name: str

    @property
    def units(self) -> int:
        """Number of units: rows of W divided by pieces."""
        return self.W.shape[0] // self.pieces

    @property
    def hyperplanes_per_unit(self) -> int:
        """Number of hyperplanes whose arrangement refines one unit's states.

        One per breakpoint, or the k(k-1)/2 pairwise differences of a maxout unit's pieces.
        """
        if self.maxout:
            return self.pieces * (self.pieces - 1) // 2
        return len(self.breakpoints)

    @property
    def n_hyperplanes(self) -> int:
        """Number of hyperplanes of the layer: units times hyperplanes_per_unit."""
        return self.units * self.hyperplanes_per_unit

    @property
    def states_per_unit(self) -> int:
        """Activation states of one unit: pieces of its activation (2 ReLU, 3 hard tanh)."""
        return self.pieces if self.maxout else len(self.breakpoints) + 1

    @property
    def zeroes(self) -> bool:
        """Whether some piece of the activation is constant (ReLU, hard tanh).

        Units there pass on nothing, so the layer's image can lose dimensions; a leaky ReLU
        keeps full rank.
        """
        return 0.0 in self.slopes

    @property
    def is_relu(self) -> bool:
        """Whether the activation is ReLU up to an affine change of its output.

        One breakpoint and a constant side: the activation of Serra's and Montúfar's bounds.
        """
        return not self.maxout and len(self.breakpoints) == 1 and self.zeroes

    def hyperplanes(self) -> tuple[np.ndarray, np.ndarray]:
        """The elementwise layer's hyperplanes z_i = t, for every unit i and breakpoint t.

        All units for the first breakpoint, then the next; rows with zero weights dropped.

        Returns
        -------
        tuple of ndarray
            (W, b): hyperplane j is W[j] t + b[j] = 0 in the domain's coordinates t.
        """
        W = np.vstack([self.W] * len(self.breakpoints))
        b = np.concatenate([self.b - t for t in self.breakpoints])
        live = W.any(axis=1)
        return W[live], b[live]


def _shape(act: Activation) -> tuple[tuple[float, ...], tuple[float, ...], bool]:
    """(breakpoints, slopes, maxout) of an activation."""
    if act.kind == ActivationKind.MAXOUT:
        return (), (), True
    return tuple(act.breakpoints), tuple(act.slopes), False


def splitting_layers(network: Network, domain: Domain | None = None) -> list[SplittingLayer]:
    """Every layer whose activation splits, as seen from the domain.

    Identity layers are composed into the next layer and a slice map x = origin + U t into
    the first, so the first entry is the arrangement that cuts the domain.

    Parameters
    ----------
    network : Network
        The network.
    domain : Domain, optional
        Its domain; None means R^{n_in} in input coordinates.

    Returns
    -------
    list of SplittingLayer
        In network order; empty for an affine network.

    Examples
    --------
    >>> import regionkit as rk
    >>> from regionkit.bounds.layers import splitting_layers
    >>> net = rk.Network.from_arrays([[[1.0], [-1.0]], [[1.0, 1.0]]], [[0.0, 1.0], [0.0]],
    ...                              ["hard_tanh", "identity"])
    >>> [(L.units, L.breakpoints, L.n_hyperplanes) for L in splitting_layers(net)]
    [(2, (-1.0, 1.0), 4)]
    """
    if domain is None:
        M, m = np.eye(network.n_in), np.zeros(network.n_in)
    else:
        M, m = np.asarray(domain.basis, float), np.asarray(domain.origin, float)
    out = []
    for W, b, act, k, name in zip(network.weights, network.biases, network.activations,
                                  network.pieces, network.activation_names()):
        M, m = W @ M, W @ m + b
        breakpoints, slopes, maxout = _shape(act)
        if breakpoints or maxout:
            out.append(SplittingLayer(M, m, k, breakpoints, slopes, maxout, name))
            M, m = np.eye(W.shape[0] // k), np.zeros(W.shape[0] // k)
    return out


def layer_ranks(network: Network, domain: Domain | None = None) -> list[int]:
    """Rank of each splitting layer's weights, for serra_upper(..., ranks=...).

    Identity layers are composed into the next layer, and a slice domain's map into the
    first, so the ranks are those of the maps that actually cut the domain.

    Parameters
    ----------
    network : Network
        The network.
    domain : Domain, optional
        Its domain; None means R^{n_in}.

    Returns
    -------
    list of int
        One rank per splitting layer.

    Examples
    --------
    >>> import regionkit as rk
    >>> net = rk.Network.from_arrays([[[1, 2], [2, 4]], [[1, 1]]], [[0, 1], [0]])
    >>> rk.bounds.layer_ranks(net)
    [1]
    """
    return [int(np.linalg.matrix_rank(L.W)) for L in splitting_layers(network, domain)]


def require_relu_hidden(network: Network, feature: str) -> None:
    """Refuse a network unless its hidden layers are ReLU and its output layer is linear.

    Parameters
    ----------
    network : Network
        The network to check.
    feature : str
        What needs a ReLU network, named in the error message.

    Raises
    ------
    BoundsInputError
        Naming `feature` and the network's activations.
    """
    shapes = [_shape(a) for a in network.activations]
    last_bends = shapes[-1][0] or shapes[-1][2]
    if last_bends or any(s != _shape(relu()) for s in shapes[:-1]):
        raise BoundsInputError(f"{feature} needs ReLU hidden layers and a linear output "
                               f"layer, got {network.activation_names()}")


def network_label(network: Network) -> str:
    """'2-12-1 (identity,relu)': the architecture and the set of activations, for tables.

    Parameters
    ----------
    network : Network
        The network.

    Returns
    -------
    str
        The input dimension and the layer widths joined by '-', then the distinct
        activation names, sorted, in parentheses.

    Examples
    --------
    >>> import regionkit as rk
    >>> net = rk.Network.from_arrays([[[1.0], [-1.0]], [[1.0, 1.0]]], [[0.5, 0.5], [0.0]])
    >>> rk.bounds.layers.network_label(net)
    '1-2-1 (identity,relu)'
    """
    arch = "-".join(str(w) for w in [network.n_in] + network.widths)
    return f"{arch} ({','.join(sorted(set(network.activation_names())))})"
