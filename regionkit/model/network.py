"""Networks: a chain of dense affine layers, each followed by a piecewise-linear activation.

Maxout layers (and max pooling, which is maxout over selected inputs) have k affine pieces
per unit: W has k*U rows, rows u*k .. u*k+k-1 are unit u's pieces, the layer outputs U values
h_u = max of its pieces, and its activation pattern is one bit per piece, set for the
winning piece (ties go to the lowest piece index).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from regionkit.errors import NetworkError, NetworkFileError

# Activation name -> core code.
# Maxout layers are split in Python on top of the core (regionkit.regions.maxout); the core knows
# them (code 4) only for point signs and maps.
ACTIVATION_CODES = {"identity": 0, "relu": 1, "leaky_relu": 2, "hard_tanh": 3, "maxout": 4}
# Pattern bits per row of W: identity 0, relu/leaky 1, hard tanh 2, maxout 1 per piece.
HYPERPLANES_PER_UNIT = {"identity": 0, "relu": 1, "leaky_relu": 1, "hard_tanh": 2, "maxout": 1}
ACTIVATIONS = tuple(ACTIVATION_CODES)
DEFAULT_LEAKY_SLOPE = 0.01


def _parse_activation(spec: object) -> tuple[str, float, int]:
    """'relu', 'leaky_relu:0.2', ('leaky_relu', 0.2), 'maxout:3' -> (name, slope, pieces)."""
    if isinstance(spec, tuple) and len(spec) == 2:
        name, param = spec
    elif isinstance(spec, str):
        name, _, param = spec.strip().partition(":")
        param = param or None
    else:
        raise NetworkError(f"activation must be a name such as 'relu', got {spec!r}")
    name = str(name).strip().lower().replace("-", "_")
    aliases = {"linear": "identity", "none": "identity", "hardtanh": "hard_tanh",
               "leakyrelu": "leaky_relu"}
    name = aliases.get(name, name)
    if name not in ACTIVATIONS:
        raise NetworkError(f"unknown activation {spec!r}; supported: {', '.join(ACTIVATIONS)} "
                           "(maxout as 'maxout:k')")
    if name == "maxout":
        try:
            k = int(str(param))
        except ValueError:
            k = 0
        if param is None or k < 1 or str(k) != str(param).strip():
            raise NetworkError(f"maxout needs its number of pieces, as 'maxout:k' with k >= 1, "
                               f"got {spec!r}")
        return name, 0.0, k
    slope = (float(param) if param is not None
             else (DEFAULT_LEAKY_SLOPE if name == "leaky_relu" else 0.0))
    if name == "leaky_relu" and not (np.isfinite(slope) and slope != 1.0):
        raise NetworkError(f"leaky_relu slope must be finite and != 1, got {slope}")
    return name, slope if name == "leaky_relu" else 0.0, 1


def maxout_winners(z: np.ndarray, k: int) -> np.ndarray:
    """Row of z (a maxout layer's pieces, (n, U k)) that wins in every unit, (n, U); ties go
    to the lowest piece index."""
    return np.argmax(z.reshape(z.shape[0], -1, k), axis=2) + k * np.arange(z.shape[1] // k)


def apply_activation(name: str, slope: float, z: np.ndarray, pieces: int = 1) -> np.ndarray:
    """The activation `name` applied to pre-activations z (n, width); maxout takes the max of
    each unit's `pieces` consecutive columns."""
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, slope * z)
    if name == "hard_tanh":
        return np.clip(z, -1.0, 1.0)
    if name == "maxout":
        return z.reshape(z.shape[0], -1, pieces).max(axis=2)
    return z


def activation_slopes(name: str, slope: float, z: np.ndarray) -> np.ndarray:
    """Local slope of the activation at z, with the > 0 convention at the kinks."""
    if name == "maxout":
        raise NetworkError("maxout units have no elementwise slope")
    if name == "relu":
        return (z > 0).astype(float)
    if name == "leaky_relu":
        return np.where(z > 0, 1.0, slope)
    if name == "hard_tanh":
        return ((z > -1) & (z <= 1)).astype(float)
    return np.ones_like(z)


@dataclass(frozen=True, eq=False)
class Network:
    """Layers z_l = W_l h_{l-1} + b_l, h_l = act_l(z_l); W_l has shape (n_l, n_{l-1})."""

    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    activations: tuple[str, ...]
    slopes: tuple[float, ...]
    pieces: tuple[int, ...] = ()   # pieces per unit of each layer (maxout k, else 1)

    def __post_init__(self) -> None:
        if not self.pieces:
            object.__setattr__(self, "pieces", (1,) * len(self.weights))

    @classmethod
    def from_arrays(cls, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray],
                    activations: Sequence[object] | None = None) -> "Network":
        """Build and validate a network; default activations: relu hidden, identity last."""
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
        parsed = [_parse_activation(a) for a in activations]
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
            k = parsed[i][2]
            if W.shape[0] % k:
                raise NetworkError(f"layer {i}: maxout with {k} pieces needs a multiple of {k} "
                                   f"rows in W{i}, got shape {W.shape}")
            if i > 0 and W.shape[1] != Ws[-1].shape[0] // parsed[i - 1][2]:
                raise NetworkError(
                    f"shapes do not chain: W{i} has shape {W.shape}, expecting {W.shape[1]} == "
                    f"{Ws[-1].shape[0] // parsed[i - 1][2]} outputs of layer {i - 1} "
                    "(W_l is (n_l, n_(l-1)))")
            if not np.all(np.isfinite(W)):
                raise NetworkError(f"layer {i}: W{i} contains NaN or infinite values")
            if not np.all(np.isfinite(b)):
                raise NetworkError(f"layer {i}: b{i} contains NaN or infinite values")
            W.setflags(write=False)
            b.setflags(write=False)
            Ws.append(W)
            bs.append(b)
        return cls(tuple(Ws), tuple(bs), tuple(p[0] for p in parsed), tuple(p[1] for p in parsed),
                   tuple(p[2] for p in parsed))

    @classmethod
    def from_torch(cls, module: object, input_shape: Sequence[int] | None = None) -> "Network":
        """A PyTorch nn.Sequential (or a plain chain traced by torch.fx), converted exactly;
        input_shape (one example, no batch axis) is needed for conv and pooling layers.
        See regionkit.model.loaders and docs/loaders.md."""
        from regionkit.model.loaders import torch_stack

        return cls.from_arrays(*torch_stack(module, input_shape).arrays())

    @classmethod
    def from_sklearn(cls, model: object) -> "Network":
        """A fitted scikit-learn MLPClassifier / MLPRegressor (relu or identity hidden
        units); the network outputs the logits, before softmax / logistic."""
        from regionkit.model.loaders import sklearn_stack

        return cls.from_arrays(*sklearn_stack(model).arrays())

    @classmethod
    def from_onnx(cls, model: object, input_shape: Sequence[int] | None = None) -> "Network":
        """An ONNX model (onnx.ModelProto or a path), converted exactly; input_shape only for
        graphs whose input leaves a non-batch size symbolic. See docs/loaders.md."""
        from regionkit.model.loaders import onnx_stack

        return cls.from_arrays(*onnx_stack(model, input_shape).arrays())

    # --- shape -----------------------------------------------------------------------------
    @property
    def n_in(self) -> int:
        return int(self.weights[0].shape[1])

    @property
    def n_out(self) -> int:
        return self.widths[-1]

    @property
    def widths(self) -> list[int]:
        """Output width of every layer, input excluded (maxout: units, not pieces)."""
        return [int(W.shape[0]) // k for W, k in zip(self.weights, self.pieces)]

    @property
    def hidden_widths(self) -> list[int]:
        """Widths of the layers whose activation splits (all but identity layers)."""
        return [w for w, a in zip(self.widths, self.activations) if a != "identity"]

    @property
    def has_maxout(self) -> bool:
        return "maxout" in self.activations

    def require_elementwise(self, feature: str) -> None:
        """Refuse maxout layers in a feature built for elementwise activations only."""
        if self.has_maxout:
            raise NetworkError(f"{feature} supports relu, leaky_relu, hard_tanh and identity "
                               "layers; this network has maxout (or max-pool) layers")

    @property
    def n_layers(self) -> int:
        return len(self.weights)

    @property
    def n_hyperplanes(self) -> int:
        """Length of an activation pattern: one bit per ReLU/leaky unit, two per hard tanh."""
        return int(self.layer_hyperplane_offsets()[-1])

    def layer_hyperplane_offsets(self) -> np.ndarray:
        """Index of each layer's first hyperplane in a pattern (length n_layers + 1)."""
        counts = [HYPERPLANES_PER_UNIT[a] * W.shape[0]
                  for W, a in zip(self.weights, self.activations)]
        return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    def hyperplane_groups(self) -> tuple[np.ndarray, np.ndarray]:
        """(first bit, bits) of the unit each pattern bit belongs to: one bit per ReLU/leaky
        unit, k per maxout unit; a hard tanh unit's two bits are separate hyperplanes."""
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
        acts = ",".join(sorted(set(self.activation_names())))
        return f"Network({arch}, activations={acts})"

    # --- evaluation ------------------------------------------------------------------------
    def activation_names(self) -> list[str]:
        """Activation of every layer as written in files: 'leaky_relu:0.2', 'maxout:3'."""
        return [f"leaky_relu:{s!r}" if a == "leaky_relu" else f"maxout:{k}" if a == "maxout"
                else a for a, s, k in zip(self.activations, self.slopes, self.pieces)]

    def activate(self, layer: int, z: np.ndarray) -> np.ndarray:
        """Layer `layer`'s activation applied to its pre-activations z."""
        return apply_activation(self.activations[layer], self.slopes[layer], z,
                                self.pieces[layer])

    def as_batch(self, x: np.ndarray) -> np.ndarray:
        """Inputs as a float (n, n_in) array; a single input becomes one row."""
        X = np.asarray(x, dtype=np.float64)
        X = X.reshape(1, -1) if X.ndim == 1 else X
        if X.ndim != 2 or X.shape[1] != self.n_in:
            raise NetworkError(f"inputs must have shape (n, {self.n_in}), got {np.shape(x)}")
        return X

    def preactivations(self, x: np.ndarray) -> list[np.ndarray]:
        """Pre-activations z_l of every layer for a batch of inputs (n, n_in)."""
        h = self.as_batch(x)
        out = []
        for i, (W, b) in enumerate(zip(self.weights, self.biases)):
            z = h @ W.T + b
            out.append(z)
            h = self.activate(i, z)
        return out

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Network output for a batch of inputs (n, n_in) -> (n, n_out)."""
        z = self.preactivations(x)
        return self.activate(self.n_layers - 1, z[-1])

    def pattern(self, x: np.ndarray) -> np.ndarray:
        """Activation pattern (n, n_hyperplanes) of bools; a unit is active iff z > 0.

        Hard tanh units give two bits, (z > -1, z > 1); maxout units one bit per piece, set
        for the winner.
        """
        cols = []
        for z, a, k in zip(self.preactivations(x), self.activations, self.pieces):
            if a == "maxout":
                onehot = np.zeros(z.shape, dtype=bool)
                np.put_along_axis(onehot, maxout_winners(z, k), True, axis=1)
                cols.append(onehot)
            elif a in ("relu", "leaky_relu"):
                cols.append(z > 0)
            elif a == "hard_tanh":
                both = np.empty((z.shape[0], 2 * z.shape[1]), dtype=bool)
                both[:, 0::2] = z > -1
                both[:, 1::2] = z > 1
                cols.append(both)
        if not cols:
            return np.zeros((self.as_batch(x).shape[0], 0), dtype=bool)
        return np.concatenate(cols, axis=1)

    # --- files -----------------------------------------------------------------------------
    def to_npz_dict(self) -> dict[str, np.ndarray]:
        """Arrays W0, b0, W1, b1, ... and 'activations' (names, 'leaky_relu:slope')."""
        out: dict[str, np.ndarray] = {}
        for i, (W, b) in enumerate(zip(self.weights, self.biases)):
            out[f"W{i}"] = np.asarray(W)
            out[f"b{i}"] = np.asarray(b)
        out["activations"] = np.array(self.activation_names(), dtype="U32")
        return out

    def save(self, path: str | os.PathLike) -> None:
        """Write the network to an .npz file readable by load_network."""
        np.savez(path, **self.to_npz_dict())

    @classmethod
    def from_npz_dict(cls, data: "dict[str, np.ndarray] | np.lib.npyio.NpzFile",
                      source: str = "arrays") -> "Network":
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
    """Load a network from an .npz file holding W0, b0, W1, b1, ... (and optional
    activations), or from an .onnx model (Network.from_onnx; input_shape only
    for graphs whose input leaves a non-batch size symbolic)."""
    p = os.fspath(path)
    if not os.path.exists(p):
        raise NetworkFileError(f"{p}: no such file")
    if p.lower().endswith(".onnx"):
        return Network.from_onnx(p, input_shape)
    try:
        with np.load(p, allow_pickle=False) as data:
            return Network.from_npz_dict(data, source=p)
    except NetworkFileError:
        raise
    except Exception as exc:  # numpy raises several types for corrupt files
        raise NetworkFileError(f"{p}: not a readable .npz network file ({exc})") from None
