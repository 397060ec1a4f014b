"""Exact conversions of feed-forward layers into regionkit's dense layers, shared by the loaders.

Layers act on the flattened tensor of one example (batch axis dropped, C order, as torch and
ONNX lay tensors out), so flatten and reshape change only the recorded shape. Linear layers,
convolutions, average pooling and batch norm in inference form are affine maps x -> W x + b
(sparse while the model is read); LayerStack composes consecutive affine maps into one,
W2 (W1 x + b1) + b2 = (W2 W1) x + (W2 b1 + b2), so a regionkit layer ends at each activation
and batch norm folds into its neighbours. Elementwise activations become the named tables
of regionkit.model.activations (ReLU6 -> relu6, clip to [lo, hi] -> hard_tanh(lo, hi), ...);
max pooling takes the maximum of k selected entries: a maxout layer (Maxout(k)) whose pieces
are the selected rows of the affine map before it (rows of the identity when an activation
precedes it).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence, Union

import numpy as np
from scipy import sparse

from regionkit.errors import NetworkError
from regionkit.model import activations as act

__all__ = ["LayerStack", "Matrix", "Windows", "adaptive_windows", "avgpool_affine",
           "batchnorm_scale", "conv_affine", "finite", "maxpool_index", "sliding_windows"]

Matrix = Union[np.ndarray, sparse.csr_array]


def finite(a: object, what: str) -> np.ndarray:
    """A float64 copy of a weight array, refused when it holds NaN or infinite values.

    Parameters
    ----------
    a : array_like
        The weights.
    what : str
        Their name, for the error message.

    Returns
    -------
    numpy.ndarray
        A float64 copy of a.

    Raises
    ------
    NetworkError
        If a holds NaN or infinite values.
    """
    arr = np.array(a, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise NetworkError(f"{what} contains NaN or infinite values")
    return arr


# --- windows of convolutions and pooling ------------------------------------------------------

@dataclass(frozen=True)
class Windows:
    """Sliding windows over the spatial axes of a (C, *spatial) tensor.

    Output positions p (P of them) and kernel slots q (K) are in row-major order.

    Parameters
    ----------
    out_spatial : tuple of int
        Output positions per spatial axis.
    index : numpy.ndarray of int64, shape (P, K)
        The flat spatial input index under slot q of position p.
    valid : numpy.ndarray of bool, shape (P, K)
        Whether the slot lies in the input rather than in the padding.
    padded : numpy.ndarray of int, shape (P,)
        The slots inside the padded input (the divisor of an average pool that counts
        padding).
    """

    out_spatial: tuple[int, ...]
    index: np.ndarray
    valid: np.ndarray
    padded: np.ndarray


def _combine(per_dim: Sequence[tuple[np.ndarray, np.ndarray]],
             in_spatial: Sequence[int]) -> Windows:
    """Windows from per-axis slot positions pos (n_d, k_d) and in-padded-input flags."""
    r = len(per_dim)
    out = tuple(pos.shape[0] for pos, _ in per_dim)
    ks = tuple(pos.shape[1] for pos, _ in per_dim)
    index, valid, padded = np.zeros((1,) * 2 * r, np.int64), True, True
    for d, (pos, inpad) in enumerate(per_dim):
        shape = [1] * 2 * r
        shape[d], shape[r + d] = out[d], ks[d]
        inside = (pos >= 0) & (pos < in_spatial[d])
        stride = math.prod(in_spatial[d + 1:])
        index = index + (np.clip(pos, 0, in_spatial[d] - 1) * stride).reshape(shape)
        valid = valid & inside.reshape(shape)
        padded = padded & inpad.reshape(shape)
    P, K = math.prod(out), math.prod(ks)
    full = out + ks
    return Windows(out, np.broadcast_to(index, full).reshape(P, K),
                   np.broadcast_to(valid, full).reshape(P, K),
                   np.broadcast_to(padded, full).reshape(P, K).sum(axis=1))


def sliding_windows(in_spatial: Sequence[int], kernel: Sequence[int], stride: Sequence[int],
                    pads_begin: Sequence[int], pads_end: Sequence[int],
                    dilation: Sequence[int], ceil_mode: bool = False) -> Windows:
    """Windows of a convolution or pooling layer (torch and ONNX conventions agree).

    n = floor or ceil((L + pb + pe - dil (k - 1) - 1) / s) + 1 outputs per axis; with
    ceil_mode a last window that would start in the end padding is dropped.

    Parameters
    ----------
    in_spatial : sequence of int
        The input's size L per spatial axis.
    kernel, stride, dilation : sequence of int
        k, s and dil per axis, each >= 1.
    pads_begin, pads_end : sequence of int
        Zero padding pb before and pe after the input per axis, >= 0.
    ceil_mode : bool, default False
        Round the number of outputs up instead of down.

    Returns
    -------
    Windows
        The windows of every output position.

    Raises
    ------
    NetworkError
        A size below 1, a negative padding, or a window larger than the padded input.
    """
    per_dim = []
    for d, L in enumerate(in_spatial):
        k, s, pb, pe, dil = kernel[d], stride[d], pads_begin[d], pads_end[d], dilation[d]
        if min(k, s, dil) < 1 or min(pb, pe) < 0:
            raise NetworkError(f"axis {d}: kernel {k}, stride {s}, dilation {dil} must be >= 1 "
                               f"and padding ({pb}, {pe}) >= 0")
        span = L + pb + pe - dil * (k - 1) - 1
        if span < 0:
            raise NetworkError(f"axis {d}: the window ({k} with dilation {dil}) is larger than "
                               f"the padded input ({L} + {pb} + {pe})")
        n = (-(-span // s) if ceil_mode else span // s) + 1
        if ceil_mode and (n - 1) * s >= L + pb:
            n -= 1
        pos = np.arange(n)[:, None] * s - pb + np.arange(k)[None, :] * dil
        per_dim.append((pos, pos < L + pe))
    return _combine(per_dim, in_spatial)


def adaptive_windows(in_spatial: Sequence[int], out_spatial: Sequence[int]) -> Windows:
    """Windows of adaptive pooling: output i of n covers [floor(i L / n), ceil((i+1) L / n)).

    Parameters
    ----------
    in_spatial : sequence of int
        The input's size L per spatial axis.
    out_spatial : sequence of int
        The output's size n per spatial axis.

    Returns
    -------
    Windows
        The windows of every output position (no padding).
    """
    per_dim = []
    for L, n in zip(in_spatial, out_spatial):
        i = np.arange(n)
        start, end = i * L // n, -(-(i + 1) * L // n)
        pos = start[:, None] + np.arange(int((end - start).max()))[None, :]
        pos = np.where(pos < end[:, None], pos, -1)
        per_dim.append((pos, pos >= 0))
    return _combine(per_dim, in_spatial)


# --- affine layers ----------------------------------------------------------------------------

def conv_affine(weight: np.ndarray, bias: np.ndarray, in_shape: Sequence[int], win: Windows,
                groups: int) -> tuple[sparse.csr_array, np.ndarray, tuple[int, ...]]:
    """A convolution as an affine map: W[(o, p), (c, index[p, q])] = weight[o, c', q].

    Parameters
    ----------
    weight : numpy.ndarray, shape (n_out, C / groups, *kernel)
        The kernels.
    bias : numpy.ndarray, shape (n_out,)
        One bias per output channel.
    in_shape : sequence of int
        The input's shape (C, *spatial).
    win : Windows
        The layer's windows (sliding_windows).
    groups : int
        Channel groups: output channel o reads input group o // (n_out / groups).

    Returns
    -------
    W : scipy.sparse.csr_array, shape (n_out * P, C * L)
        The linear part, on flattened tensors.
    b : numpy.ndarray, shape (n_out * P,)
        The bias of every output entry.
    out_shape : tuple of int
        (n_out, *win.out_spatial).

    Raises
    ------
    NetworkError
        If the weight's channels and groups do not fit the input's channels.
    """
    n_out, Cg = weight.shape[:2]
    C, L = in_shape[0], math.prod(in_shape[1:])
    if groups < 1 or n_out % groups or C != Cg * groups:
        raise NetworkError(f"convolution weight {weight.shape} with {groups} groups does not "
                           f"fit an input with {C} channels")
    P, K = win.index.shape
    full = (n_out, Cg, P, K)
    o = np.arange(n_out)[:, None, None, None]
    cin = (o // (n_out // groups)) * Cg + np.arange(Cg)[None, :, None, None]
    rows = np.broadcast_to(o * P + np.arange(P)[None, None, :, None], full)
    cols = np.broadcast_to(cin * L + win.index[None, None], full)
    vals = np.broadcast_to(weight.reshape(n_out, Cg, 1, K), full)
    keep = np.broadcast_to(win.valid[None, None], full)
    W = sparse.csr_array((vals[keep], (rows[keep], cols[keep])), shape=(n_out * P, C * L))
    return W, np.repeat(bias, P), (n_out, *win.out_spatial)


def avgpool_affine(in_shape: Sequence[int], win: Windows,
                   divisor: str | float) -> tuple[sparse.csr_array, tuple[int, ...]]:
    """Average pooling as a linear map on flattened tensors.

    Parameters
    ----------
    in_shape : sequence of int
        The input's shape (C, *spatial).
    win : Windows
        The pooling windows.
    divisor : {"valid", "padded"} or float
        What each window's sum is divided by: its slots in the input ("valid"), its slots
        in the padded input ("padded"), or a number (torch's divisor_override).

    Returns
    -------
    W : scipy.sparse.csr_array, shape (C * P, C * L)
        The map.
    out_shape : tuple of int
        (C, *win.out_spatial).

    Raises
    ------
    NetworkError
        If a divisor is not positive (a window lies entirely in the padding).
    """
    C, L = in_shape[0], math.prod(in_shape[1:])
    P, K = win.index.shape
    if divisor == "valid":
        div = win.valid.sum(axis=1).astype(np.float64)
    elif divisor == "padded":
        div = win.padded.astype(np.float64)
    else:
        div = np.full(P, float(divisor))
    if np.any(div <= 0):
        raise NetworkError("an average-pool window lies entirely in the padding")
    full = (C, P, K)
    c = np.arange(C)[:, None, None]
    rows = np.broadcast_to(c * P + np.arange(P)[None, :, None], full)
    cols = np.broadcast_to(c * L + win.index[None], full)
    vals = np.broadcast_to((1.0 / div)[None, :, None], full)
    keep = np.broadcast_to(win.valid[None], full)
    W = sparse.csr_array((vals[keep], (rows[keep], cols[keep])), shape=(C * P, C * L))
    return W, (C, *win.out_spatial)


def maxpool_index(in_shape: Sequence[int], win: Windows) -> tuple[np.ndarray, tuple[int, ...]]:
    """Max pooling as a selection of flat input indices.

    Slots in the padding repeat the window's first input slot, so every output has K pieces.

    Parameters
    ----------
    in_shape : sequence of int
        The input's shape (C, *spatial).
    win : Windows
        The pooling windows.

    Returns
    -------
    index : numpy.ndarray of int, shape (C * P, K)
        The flat input entries each output takes the maximum of.
    out_shape : tuple of int
        (C, *win.out_spatial).

    Raises
    ------
    NetworkError
        If a window lies entirely in the padding.
    """
    C, L = in_shape[0], math.prod(in_shape[1:])
    if not np.all(win.valid.any(axis=1)):
        raise NetworkError("a max-pool window lies entirely in the padding")
    first = win.index[np.arange(win.index.shape[0]), np.argmax(win.valid, axis=1)]
    idx = np.where(win.valid, win.index, first[:, None])
    return ((np.arange(C)[:, None, None] * L + idx[None]).reshape(-1, idx.shape[1]),
            (C, *win.out_spatial))


def batchnorm_scale(gamma: np.ndarray, beta: np.ndarray, mean: np.ndarray, var: np.ndarray,
                    eps: float, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Inference batch norm (x - mean) / sqrt(var + eps) * gamma + beta as x * scale + shift.

    Parameters
    ----------
    gamma, beta, mean, var : numpy.ndarray, shape (C,)
        Weight, bias, running mean and running variance per channel.
    eps : float
        The variance's regulariser.
    what : str
        The layer's name, for the error message.

    Returns
    -------
    scale, shift : numpy.ndarray, shape (C,)
        The per-channel affine map.

    Raises
    ------
    NetworkError
        If var + eps is not positive.
    """
    denom = var + eps
    if np.any(denom <= 0):
        raise NetworkError(f"{what}: running variance + eps is not positive")
    scale = gamma / np.sqrt(denom)
    return scale, beta - mean * scale


# --- the stack --------------------------------------------------------------------------------

class LayerStack:
    """Regionkit layers read so far from a model, and the shape of the tensor they produce.

    Affine maps accumulate in a pending map (None: the identity) until an activation or a
    max pool closes a layer with it.

    Parameters
    ----------
    input_shape : sequence of int
        One example's shape, without the batch axis.

    Raises
    ------
    NetworkError
        If input_shape is empty or holds a size below 1.
    """

    def __init__(self, input_shape: Sequence[int]) -> None:
        shape = tuple(int(d) for d in input_shape)
        if not shape or min(shape) < 1:
            raise NetworkError(f"input shape must be positive sizes, got {tuple(input_shape)}")
        self.input_shape = shape
        self.shape = shape
        self.weights: list[np.ndarray] = []
        self.biases: list[np.ndarray] = []
        self.activations: list[act.Activation] = []
        self._W: Matrix | None = None
        self._b = np.zeros(self.size)

    @property
    def size(self) -> int:
        """Number of entries of the current tensor."""
        return math.prod(self.shape)

    # affine maps
    def affine(self, W: Matrix, b: np.ndarray, shape: Sequence[int]) -> None:
        """Apply x -> W x + b to the flattened tensor.

        Parameters
        ----------
        W : numpy.ndarray or scipy.sparse.csr_array, shape (prod(shape), size)
            The linear part.
        b : numpy.ndarray, shape (prod(shape),)
            The offset.
        shape : sequence of int
            The shape of the result.

        Raises
        ------
        NetworkError
            If W and b do not take the current tensor to that shape.
        """
        shape = tuple(int(d) for d in shape)
        if W.shape != (math.prod(shape), self.size) or b.shape != (W.shape[0],):
            raise NetworkError(f"affine map {W.shape} (bias {b.shape}) does not take the "
                               f"{self.shape} tensor to {shape}")
        self._W = W if self._W is None else W @ self._W
        self._b = W @ self._b + b
        self.shape = shape

    def linear(self, W: np.ndarray, b: np.ndarray) -> None:
        """A dense layer on the last axis (torch Linear, ONNX MatMul/Gemm).

        Parameters
        ----------
        W : numpy.ndarray, shape (n_out, n_in)
            The weights; n_in is the size of the tensor's last axis.
        b : numpy.ndarray, shape (n_out,)
            The bias.

        Raises
        ------
        NetworkError
            If n_in is not the size of the last axis.
        """
        if W.shape[1] != self.shape[-1]:
            raise NetworkError(f"a layer with {W.shape[1]} inputs gets a tensor of shape "
                               f"{self.shape}")
        m = self.size // self.shape[-1]
        big = W if m == 1 else sparse.kron(sparse.diags_array(np.ones(m)), W, format="csr")
        self.affine(big, np.tile(b, m), self.shape[:-1] + (W.shape[0],))

    def elementwise(self, scale: np.ndarray, shift: np.ndarray) -> None:
        """Apply x -> x * scale + shift, entry by entry.

        Parameters
        ----------
        scale, shift : array_like
            Broadcast over the current tensor.
        """
        s = np.broadcast_to(np.asarray(scale, np.float64), self.shape).reshape(-1)
        t = np.broadcast_to(np.asarray(shift, np.float64), self.shape).reshape(-1)
        if np.all(s == 1.0) and not np.any(t):
            return
        self.affine(sparse.diags_array(s, format="csr"), t, self.shape)

    def channelwise(self, scale: np.ndarray, shift: np.ndarray) -> None:
        """Apply x -> x * scale[c] + shift[c] on channel c, the first axis (batch norm).

        Parameters
        ----------
        scale, shift : numpy.ndarray, shape (C,)
            One value per channel.

        Raises
        ------
        NetworkError
            If scale does not have one entry per channel.
        """
        if scale.shape != (self.shape[0],):
            raise NetworkError(f"{scale.shape[0]} channels but the tensor has shape {self.shape}")
        spatial = (1,) * (len(self.shape) - 1)
        self.elementwise(scale.reshape(-1, *spatial), shift.reshape(-1, *spatial))

    def reshape(self, shape: Sequence[int]) -> None:
        """Give the current tensor a new shape; its entries keep their C order.

        Parameters
        ----------
        shape : sequence of int
            The new shape, with as many entries as the tensor.

        Raises
        ------
        NetworkError
            If the sizes differ or one is below 1.
        """
        shape = tuple(int(d) for d in shape)
        if math.prod(shape) != self.size or min(shape, default=1) < 1:
            raise NetworkError(f"cannot reshape a tensor of shape {self.shape} to {shape}")
        self.shape = shape

    # piecewise-linear units
    def activation(self, activation: act.Activation) -> None:
        """Close a layer with an elementwise activation.

        Parameters
        ----------
        activation : PiecewiseLinear
            A table of regionkit.model.activations; one without breakpoints is affine and
            folds into the pending map instead.

        Raises
        ------
        NetworkError
            If the activation is not elementwise.
        """
        if activation.kind != act.ActivationKind.ELEMENTWISE:
            raise NetworkError(f"{activation.spec} is not an elementwise activation")
        if not activation.bits_per_unit:
            self.elementwise(activation.slopes[0], activation.offsets[0])
            return
        self._close(activation)

    def leaky(self, a: float) -> None:
        """Close a layer with a leaky ReLU.

        Parameters
        ----------
        a : float
            The slope below 0; slope 1 is the identity, which folds into the pending map.
        """
        self.activation(act.identity() if a == 1.0 else act.leaky_relu(a))

    def clip(self, lo: float, hi: float) -> None:
        """Close a layer with min(max(x, lo), hi).

        The table is relu for [0, inf), relu6 for [0, 6], hard_tanh(lo, hi) for other
        finite ends and a one-breakpoint table for other one-sided clips; (-inf, inf)
        changes nothing.

        Parameters
        ----------
        lo, hi : float
            The clip range, possibly infinite, lo < hi.

        Raises
        ------
        NetworkError
            If lo >= hi.
        """
        lo, hi = float(lo), float(hi)
        if not lo < hi:
            raise NetworkError(f"clip needs min < max, got min={lo}, max={hi}")
        if math.isinf(lo) and math.isinf(hi):
            return
        if (lo, hi) in ((0.0, math.inf), (0.0, 6.0)):
            self.activation(act.relu() if math.isinf(hi) else act.relu6())
        elif math.isinf(hi):        # max(x, lo)
            self.activation(act.PiecewiseLinear((lo,), (0.0, 1.0), (lo, 0.0)))
        elif math.isinf(lo):        # min(x, hi)
            self.activation(act.PiecewiseLinear((hi,), (1.0, 0.0), (0.0, hi)))
        else:
            self.activation(act.hard_tanh(lo, hi))

    def maxpool(self, index: np.ndarray, out_shape: Sequence[int]) -> None:
        """Close a Maxout(k) layer: the maxima over groups of k entries.

        Parameters
        ----------
        index : numpy.ndarray of int, shape (U, k)
            The flat entries of the tensor each of the U outputs takes the maximum of.
        out_shape : sequence of int
            The output's shape, U entries.

        Raises
        ------
        NetworkError
            If index does not have one row per output entry.
        """
        out_shape = tuple(int(d) for d in out_shape)
        if index.shape[0] != math.prod(out_shape):
            raise NetworkError(f"{index.shape[0]} pooled outputs for output shape {out_shape}")
        self._close(act.Maxout(index.shape[1]), index.reshape(-1))
        self.shape = out_shape
        self._b = np.zeros(self.size)

    def _pending(self, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The pending affine map as dense (W, b), restricted to `rows` if given."""
        b = self._b if rows is None else self._b[rows]
        if self._W is None:
            if rows is None:
                return np.eye(self.size), b.copy()
            onehot = np.zeros((rows.shape[0], self.size))
            onehot[np.arange(rows.shape[0]), rows] = 1.0
            return onehot, b.copy()
        W = self._W if rows is None else self._W[rows]
        return (W.toarray() if sparse.issparse(W) else np.array(W)), b.copy()

    def _close(self, activation: act.Activation, rows: np.ndarray | None = None) -> None:
        W, b = self._pending(rows)
        self.weights.append(W)
        self.biases.append(b)
        self.activations.append(activation)
        self._W, self._b = None, np.zeros(self.size)

    # results
    def arrays(self) -> tuple[list[np.ndarray], list[np.ndarray], list[act.Activation]]:
        """The layers read so far, as Network.from_arrays takes them.

        Returns
        -------
        weights, biases, activations : list
            Dense W_l, b_l and the activation of every layer; a pending affine map (or an
            empty stack) becomes a last identity layer.
        """
        Ws, bs, acts = list(self.weights), list(self.biases), list(self.activations)
        if self._W is not None or not Ws:
            W, b = self._pending()
            Ws.append(W)
            bs.append(b)
            acts.append(act.identity())
        return Ws, bs, acts
