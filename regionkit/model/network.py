"""Networks: a chain of dense affine layers, each followed by a piecewise-linear activation.

Activations come from one registry (regionkit.model.activations): continuous piecewise-linear
tables, one pattern bit per breakpoint, and maxout layers (max pooling included), which have
k affine pieces per unit: W has k*U rows, rows u*k .. u*k+k-1 are unit u's pieces, the layer
outputs U values h_u = max of its pieces, and its activation pattern is one bit per piece,
set for the winning piece (ties go to the lowest piece index).
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from regionkit.atomic import atomic_path
from regionkit.errors import NetworkError, NetworkFileError
from regionkit.model.activations import Activation, Maxout, parse_activation

__all__ = ["Network", "load_network"]


@dataclass(frozen=True, eq=False)
class Network:
    """A chain of dense affine layers, each followed by a piecewise-linear activation.

    Layer l computes z_l = W_l h_{l-1} + b_l and h_l = act_l(z_l), h_0 being the input.
    Build one with from_arrays, which validates the arrays, or with a loader.

    Parameters
    ----------
    weights : tuple of numpy.ndarray
        W_l of shape (n_l, n_{l-1}) (maxout: k rows per unit), read-only float64.
    biases : tuple of numpy.ndarray
        b_l with one entry per row of W_l, read-only float64.
    activations : tuple of PiecewiseLinear or Maxout
        One per layer (regionkit.model.activations).
    """

    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    activations: tuple[Activation, ...]

    @classmethod
    def from_arrays(cls, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray],
                    activations: Sequence[object] | None = None) -> "Network":
        """Build and validate a network.

        Parameters
        ----------
        weights, biases : sequences of arrays
            W_l of shape (n_l, n_(l-1)) (maxout: k rows per unit) and b_l of shape (n_l,).
        activations : sequence, optional
            One per layer: Activation objects (rk.PiecewiseLinear, rk.activations.relu(),
            ...) or specs that parse_activation reads ('relu', 'leaky_relu:0.2',
            'maxout:3'); default relu hidden layers and an identity last layer.

        Returns
        -------
        Network

        Raises
        ------
        NetworkError
            Shapes that do not chain, NaN/inf weights, unknown or malformed activations.

        Examples
        --------
        >>> import regionkit as rk
        >>> net = rk.Network.from_arrays([[[1.0, -1.0], [0.5, 2.0]], [[1.0, 1.0]]],
        ...                              [[0.0, 1.0], [0.0]])
        >>> net, net.n_hyperplanes, net.forward([[1.0, 0.0]]).tolist()
        (Network(2-2-1, activations=['relu', 'identity']), 2, [[2.5]])
        >>> rk.Network.from_arrays(net.weights, net.biases, ["hard_tanh", "identity"])
        Network(2-2-1, activations=['hard_tanh', 'identity'])
        """
        weights = list(weights)
        biases = list(biases)
        if len(weights) == 0:
            raise NetworkError("a network needs at least one layer")
        if len(biases) != len(weights):
            raise NetworkError(f"{len(weights)} weight matrices but {len(biases)} bias vectors")
        if activations is None:
            activations = ["relu"] * (len(weights) - 1) + ["identity"]
        activations = list(activations)
        if len(activations) != len(weights):
            raise NetworkError(
                f"{len(weights)} layers but {len(activations)} activations were given")
        parsed = [parse_activation(a) for a in activations]
        Ws, bs = [], []
        for i, (W, b) in enumerate(zip(weights, biases)):
            try:
                W = np.array(W, dtype=np.float64)
                b = np.array(b, dtype=np.float64)
            except (TypeError, ValueError) as exc:
                raise NetworkError(f"layer {i}: weights/biases are not numeric: {exc}") from None
            if W.ndim != 2:
                raise NetworkError(
                    f"layer {i}: W{i} must be 2-D (n_out, n_in), got shape {W.shape}")
            b = b.reshape(-1) if b.ndim == 2 and 1 in b.shape else b
            if b.ndim != 1 or b.shape[0] != W.shape[0]:
                raise NetworkError(
                    f"layer {i}: b{i} has shape {b.shape} but W{i} has {W.shape[0]} rows")
            if W.shape[0] == 0 or W.shape[1] == 0:
                raise NetworkError(f"layer {i}: W{i} has an empty shape {W.shape}")
            k = parsed[i].rows_per_unit
            if W.shape[0] % k:
                raise NetworkError(f"layer {i}: maxout with {k} pieces needs a multiple of {k} "
                                   f"rows in W{i}, got shape {W.shape}")
            if i > 0 and W.shape[1] != Ws[-1].shape[0] // parsed[i - 1].rows_per_unit:
                raise NetworkError(
                    f"shapes do not chain: W{i} has shape {W.shape}, expecting {W.shape[1]} == "
                    f"{Ws[-1].shape[0] // parsed[i - 1].rows_per_unit} outputs of layer {i - 1} "
                    "(W_l is (n_l, n_(l-1)))")
            if not np.all(np.isfinite(W)):
                raise NetworkError(f"layer {i}: W{i} contains NaN or infinite values")
            if not np.all(np.isfinite(b)):
                raise NetworkError(f"layer {i}: b{i} contains NaN or infinite values")
            W.setflags(write=False)
            b.setflags(write=False)
            Ws.append(W)
            bs.append(b)
        return cls(tuple(Ws), tuple(bs), tuple(parsed))

    @classmethod
    def from_torch(cls, module: object, input_shape: Sequence[int] | None = None) -> "Network":
        """A PyTorch model, converted exactly in float64.

        An nn.Sequential (nested ones too), or a module whose forward torch.fx traces to a
        chain of layers, converted as it computes in eval() mode; the layers read are
        listed in regionkit.model.loaders.torch.SUPPORTED (and docs/loaders.md).

        Parameters
        ----------
        module : torch.nn.Module
            The model.
        input_shape : sequence of int, optional
            One example's shape without the batch axis, e.g. (1, 28, 28); needed when the
            first layer that fixes the input size is not an nn.Linear.

        Returns
        -------
        Network
            The network computing the same function.

        Raises
        ------
        MissingExtraError
            If torch is not installed.
        UnsupportedLayerError
            A layer or call with no exact conversion, or a forward that is not a chain.
        NetworkError
            Shapes that do not fit, NaN or infinite weights, or input_shape missing.
        """
        from regionkit.model.loaders import torch_stack

        return cls.from_arrays(*torch_stack(module, input_shape).arrays())

    @classmethod
    def from_sklearn(cls, model: object) -> "Network":
        """A fitted scikit-learn MLPClassifier or MLPRegressor, converted exactly.

        Parameters
        ----------
        model : sklearn.neural_network.MLPClassifier or MLPRegressor
            Fitted, with activation 'relu' or 'identity'.

        Returns
        -------
        Network
            The network up to its last affine layer: it outputs the logits, before
            softmax / logistic.

        Raises
        ------
        MissingExtraError
            If scikit-learn is not installed.
        UnsupportedLayerError
            Another model class, or another activation.
        NetworkError
            An unfitted model, or NaN or infinite weights.
        """
        from regionkit.model.loaders import sklearn_stack

        return cls.from_arrays(*sklearn_stack(model).arrays())

    @classmethod
    def from_onnx(cls, model: object, input_shape: Sequence[int] | None = None) -> "Network":
        """An ONNX model, converted exactly in float64.

        Parameters
        ----------
        model : onnx.ModelProto, str or os.PathLike
            The model or its file; the graph must be a chain of the operators listed in
            regionkit.model.loaders.onnx.SUPPORTED_OPS (see docs/loaders.md).
        input_shape : sequence of int, optional
            One example's shape without the batch axis; needed only when the graph input
            leaves a non-batch size symbolic.

        Returns
        -------
        Network
            The network computing the same function.

        Raises
        ------
        MissingExtraError
            If onnx is not installed.
        NetworkFileError
            A missing or unreadable file.
        UnsupportedLayerError
            An unsupported operator, or a graph that is not a chain.
        NetworkError
            Shapes that do not fit, NaN or infinite weights, or a symbolic input size
            without input_shape.
        """
        from regionkit.model.loaders import onnx_stack

        return cls.from_arrays(*onnx_stack(model, input_shape).arrays())

    # --- shape -----------------------------------------------------------------------------
    @property
    def n_in(self) -> int:
        """Input dimension: the columns of W_0."""
        return int(self.weights[0].shape[1])

    @property
    def n_out(self) -> int:
        """Output dimension: the width of the last layer."""
        return self.widths[-1]

    @property
    def pieces(self) -> tuple[int, ...]:
        """Rows of W per unit of every layer (maxout k, else 1)."""
        return tuple(a.rows_per_unit for a in self.activations)

    @property
    def widths(self) -> list[int]:
        """Output width of every layer, input excluded (maxout: units, not pieces)."""
        return [int(W.shape[0]) // k for W, k in zip(self.weights, self.pieces)]

    @property
    def hidden_widths(self) -> list[int]:
        """Widths of the layers whose activation splits (those with pattern bits)."""
        return [w for w, a in zip(self.widths, self.activations) if a.bits_per_unit]

    @property
    def has_maxout(self) -> bool:
        """Whether any layer is a maxout layer (max pooling included)."""
        return any(isinstance(a, Maxout) for a in self.activations)

    def require_elementwise(self, feature: str) -> None:
        """Refuse maxout layers in a feature built for elementwise activations only.

        Parameters
        ----------
        feature : str
            What is refused, for the error message.

        Raises
        ------
        NetworkError
            If the network has a maxout (or max-pool) layer.
        """
        if self.has_maxout:
            raise NetworkError(f"{feature} supports elementwise (piecewise-linear table) "
                               "activations; this network has maxout (or max-pool) layers")

    @property
    def n_layers(self) -> int:
        """Number of layers (an affine map and its activation each)."""
        return len(self.weights)

    @property
    def n_hyperplanes(self) -> int:
        """Length of an activation pattern.

        Per unit, one bit per breakpoint of its table (ReLU 1, hard tanh 2), one per piece
        of a maxout unit.
        """
        return int(self.layer_hyperplane_offsets()[-1])

    def layer_hyperplane_offsets(self) -> np.ndarray:
        """Index of each layer's first hyperplane in a pattern.

        Returns
        -------
        numpy.ndarray of int64, shape (n_layers + 1,)
            Layer l's bits are offsets[l] .. offsets[l+1]-1; the last entry is
            n_hyperplanes.
        """
        return self._offsets

    @functools.cached_property
    def _offsets(self) -> np.ndarray:
        """layer_hyperplane_offsets, computed once (read-only: the network is immutable)."""
        counts = [a.bits_per_unit * (W.shape[0] // a.rows_per_unit)
                  for W, a in zip(self.weights, self.activations)]
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        offsets.setflags(write=False)
        return offsets

    def hyperplane_groups(self) -> tuple[np.ndarray, np.ndarray]:
        """The unit each pattern bit belongs to, as (first bit, number of bits).

        Returns
        -------
        start, size : numpy.ndarray of int, shape (n_hyperplanes,)
            The group of every bit: a maxout unit's k bits form one group; an elementwise
            unit's bits (one per breakpoint) are separate hyperplanes, groups of one.
        """
        start = np.arange(self.n_hyperplanes)
        size = np.ones(self.n_hyperplanes, dtype=np.int64)
        for off, W, k in zip(self.layer_hyperplane_offsets(), self.weights, self.pieces):
            if k > 1:
                rows = np.arange(W.shape[0])
                start[off + rows] = off + rows // k * k
                size[off + rows] = k
        return start, size

    def __repr__(self) -> str:
        arch = "-".join(str(w) for w in [self.n_in] + self.widths)
        # A list of specs: a spec's own parameters may hold commas (hard_tanh:-2.0,3.0).
        return f"Network({arch}, activations={self.activation_names()!r})"

    # --- evaluation ------------------------------------------------------------------------
    def activation_names(self) -> list[str]:
        """The activation of every layer as files write it (its spec).

        Returns
        -------
        list of str
            One spec per layer: 'relu', 'leaky_relu:0.2', 'maxout:3', ...
        """
        return [a.spec for a in self.activations]

    def activate(self, layer: int, z: np.ndarray) -> np.ndarray:
        """Layer `layer`'s activation applied to its pre-activations.

        Parameters
        ----------
        layer : int
            Index of the layer.
        z : numpy.ndarray, shape (n, rows of W_layer)
            Its pre-activations.

        Returns
        -------
        numpy.ndarray, shape (n, width of the layer)
            Its outputs h_layer.
        """
        return self.activations[layer](z)

    def as_batch(self, x: np.ndarray) -> np.ndarray:
        """Inputs as a float64 (n, n_in) array.

        Parameters
        ----------
        x : array_like, shape (n, n_in) or (n_in,)
            Inputs; a single input becomes one row.

        Returns
        -------
        numpy.ndarray, shape (n, n_in)
            The inputs as float64.

        Raises
        ------
        NetworkError
            If x does not have n_in coordinates per input.
        """
        X = np.asarray(x, dtype=np.float64)
        X = X.reshape(1, -1) if X.ndim == 1 else X
        if X.ndim != 2 or X.shape[1] != self.n_in:
            raise NetworkError(f"inputs must have shape (n, {self.n_in}), got {np.shape(x)}")
        return X

    def preactivations(self, x: np.ndarray) -> list[np.ndarray]:
        """Pre-activations z_l of every layer.

        Parameters
        ----------
        x : array_like, shape (n, n_in) or (n_in,)
            Inputs.

        Returns
        -------
        list of numpy.ndarray
            Per layer, z_l of shape (n, rows of W_l).

        Raises
        ------
        NetworkError
            If x does not have n_in coordinates per input.
        """
        h = self.as_batch(x)
        out = []
        for i, (W, b) in enumerate(zip(self.weights, self.biases)):
            z = h @ W.T + b
            out.append(z)
            h = self.activate(i, z)
        return out

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Network outputs.

        Parameters
        ----------
        x : array_like, shape (n, n_in) or (n_in,)
            Inputs.

        Returns
        -------
        numpy.ndarray, shape (n, n_out)
            The outputs.

        Raises
        ------
        NetworkError
            If x does not have n_in coordinates per input.
        """
        z = self.preactivations(x)
        return self.activate(self.n_layers - 1, z[-1])

    def pattern(self, x: np.ndarray) -> np.ndarray:
        """Activation patterns of inputs.

        An elementwise unit gives one bit per breakpoint c of its table, z > c (ReLU: z > 0;
        hard tanh: z > -1, z > 1); a maxout unit one bit per piece, set for the winner.

        Parameters
        ----------
        x : array_like, shape (n, n_in) or (n_in,)
            Inputs.

        Returns
        -------
        numpy.ndarray of bool, shape (n, n_hyperplanes)
            The pattern of every input, layer after layer.

        Raises
        ------
        NetworkError
            If x does not have n_in coordinates per input.
        """
        cols = [a.pattern(z) for z, a in zip(self.preactivations(x), self.activations)
                if a.bits_per_unit]
        if not cols:
            return np.zeros((self.as_batch(x).shape[0], 0), dtype=bool)
        return np.concatenate(cols, axis=1)

    # --- files -----------------------------------------------------------------------------
    def to_npz_dict(self) -> dict[str, np.ndarray]:
        """The arrays files store.

        Returns
        -------
        dict of str to numpy.ndarray
            W0, b0, W1, b1, ... and 'activations', the specs (activation_names).
        """
        out: dict[str, np.ndarray] = {}
        for i, (W, b) in enumerate(zip(self.weights, self.biases)):
            out[f"W{i}"] = np.asarray(W)
            out[f"b{i}"] = np.asarray(b)
        out["activations"] = np.array(self.activation_names(), dtype=np.str_)
        return out

    def save(self, path: str | os.PathLike) -> None:
        """Write the network to an .npz file readable by load_network.

        Parameters
        ----------
        path : str or os.PathLike
            The file (.npz is appended to a name without it). It is written atomically:
            a temporary file beside it, renamed over it when complete.
        """
        target = os.fspath(path)
        with atomic_path(target if target.endswith(".npz") else target + ".npz") as tmp:
            np.savez(tmp, **self.to_npz_dict())

    @classmethod
    def from_npz_dict(cls, data: "dict[str, np.ndarray] | np.lib.npyio.NpzFile",
                      source: str = "arrays") -> "Network":
        """A network from arrays named as to_npz_dict names them.

        Parameters
        ----------
        data : mapping of str to numpy.ndarray, or numpy.lib.npyio.NpzFile
            W0, b0, W1, b1, ... and optionally 'activations' (specs; default relu hidden
            layers and an identity last layer).
        source : str, default "arrays"
            Where the arrays come from, for error messages.

        Returns
        -------
        Network
            The network, validated by from_arrays.

        Raises
        ------
        NetworkFileError
            No W0, a missing bias, or arrays that from_arrays refuses.
        """
        keys = set(data.keys())
        n = 0
        while f"W{n}" in keys:
            n += 1
        if n == 0:
            raise NetworkFileError(f"{source}: no arrays named W0, b0, W1, b1, ... found "
                                   f"(keys: {sorted(keys)})")
        missing = [f"b{i}" for i in range(n) if f"b{i}" not in keys]
        if missing:
            raise NetworkFileError(f"{source}: missing bias arrays {missing}")
        acts = None
        if "activations" in keys:
            acts = [str(a) for a in np.asarray(data["activations"]).reshape(-1)]
        try:
            return cls.from_arrays([data[f"W{i}"] for i in range(n)],
                                   [data[f"b{i}"] for i in range(n)], acts)
        except NetworkError as exc:
            raise NetworkFileError(f"{source}: {exc}") from None


def load_network(path: str | os.PathLike,
                 input_shape: Sequence[int] | None = None) -> Network:
    """Load a network from an .npz file, an .onnx model or a TorchScript file.

    Parameters
    ----------
    path : str or os.PathLike
        An .npz file holding W0, b0, W1, b1, ... and optionally 'activations' (as
        Network.save writes it), the network of a RegionSet.save file, an .onnx model (read
        by Network.from_onnx), or a TorchScript file of an nn.Sequential (.pt, .pth or .ts,
        as torch.jit.script(model).save writes it; read by
        regionkit.model.loaders.torch.torchscript_stack).
    input_shape : sequence of int, optional
        ONNX and TorchScript only: one example's shape without the batch axis, for models
        whose first layer does not fix the input size.

    Returns
    -------
    Network
        The network.

    Raises
    ------
    NetworkFileError
        A missing, unreadable or malformed file.
    NetworkError
        From Network.from_onnx or torchscript_stack: unsupported operators or layers,
        shapes that do not fit.
    MissingExtraError
        An .onnx file when onnx is not installed, a TorchScript file when torch is not.

    Examples
    --------
    >>> import os, tempfile
    >>> import regionkit as rk
    >>> net = rk.Network.from_arrays([[[1.0, -1.0]], [[2.0]]], [[0.5], [0.0]])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     net.save(os.path.join(tmp, "net.npz"))
    ...     rk.load_network(os.path.join(tmp, "net.npz"))
    Network(2-1-1, activations=['relu', 'identity'])
    """
    p = os.fspath(path)
    if not os.path.exists(p):
        raise NetworkFileError(f"{p}: no such file")
    if p.lower().endswith(".onnx"):
        return Network.from_onnx(p, input_shape)
    from regionkit.model.loaders.torch import TORCHSCRIPT_SUFFIXES, torchscript_stack

    if p.lower().endswith(TORCHSCRIPT_SUFFIXES):
        return Network.from_arrays(*torchscript_stack(p, input_shape).arrays())
    try:
        with np.load(p, allow_pickle=False) as data:
            if "W0" not in data.files and "net_W0" in data.files:  # a RegionSet.save file
                return Network.from_npz_dict({k[4:]: data[k] for k in data.files
                                              if k.startswith("net_")}, source=p)
            return Network.from_npz_dict(data, source=p)
    except NetworkFileError:
        raise
    except Exception as exc:  # numpy raises several types for corrupt files
        raise NetworkFileError(f"{p}: not a readable .npz network file ({exc})") from None
