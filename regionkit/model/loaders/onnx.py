"""ONNX models as regionkit networks.

The graph must be a chain from its single input to its single output: every node takes the
previous node's output and otherwise only initialisers or Constant outputs (the weights).
Tensors carry a batch axis first, which the conversion drops.
"""
from __future__ import annotations

import math
import os
from typing import Any, Sequence

import numpy as np

from regionkit.errors import NetworkError, NetworkFileError, UnsupportedLayerError
from regionkit.model import activations as A
from regionkit.model.loaders import layers as L
from regionkit.optional import require

__all__ = ["SUPPORTED_OPS", "onnx_stack"]

SUPPORTED_OPS = ("Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Relu", "LeakyRelu", "Clip",
                 "HardSigmoid", "Shrink", "Flatten", "Reshape", "Conv", "MaxPool", "AveragePool",
                 "GlobalAveragePool", "BatchNormalization", "Identity", "Dropout", "Constant")


def onnx_stack(model: Any, input_shape: Sequence[int] | None = None) -> L.LayerStack:
    """The regionkit layers of an ONNX model, in float64.

    Parameters
    ----------
    model : onnx.ModelProto, str or os.PathLike
        The model or its file: a chain of the operators in SUPPORTED_OPS.
    input_shape : sequence of int, optional
        One example's shape without the batch axis; needed only when the graph input
        leaves a non-batch size symbolic.

    Returns
    -------
    LayerStack
        The layers.

    Raises
    ------
    MissingExtraError
        If onnx is not installed.
    NetworkFileError
        A missing or unreadable file.
    UnsupportedLayerError
        An unsupported operator or domain, or a graph that is not a chain.
    NetworkError
        Shapes that do not fit, NaN or infinite weights, or a symbolic input size
        without input_shape.
    """
    onnx = require("onnx", "onnx", "load_onnx")
    proto = model if isinstance(model, onnx.ModelProto) else _read(onnx, model)
    graph = proto.graph
    consts = {t.name: onnx.numpy_helper.to_array(t) for t in graph.initializer}
    inputs = [v for v in graph.input if v.name not in consts]
    if len(inputs) != 1:
        raise UnsupportedLayerError(f"the graph has {len(inputs)} inputs "
                                    f"{[v.name for v in inputs]}; regionkit reads one")
    dims = [d.dim_value if d.HasField("dim_value") else None
            for d in inputs[0].type.tensor_type.shape.dim]
    if input_shape is None:
        if len(dims) < 2 or any(d is None for d in dims[1:]):
            raise NetworkError(f"the graph input {inputs[0].name!r} has shape "
                               f"{['?' if d is None else d for d in dims]}; pass input_shape "
                               "(one example's shape without the batch axis)")
        input_shape = dims[1:]
    batch = dims[0] if dims else None
    used = {name for node in graph.node for name in node.input}
    used |= {v.name for v in graph.output}
    stack = L.LayerStack(input_shape)
    current = inputs[0].name
    for i, node in enumerate(graph.node):
        where = f"node {node.name or '#' + str(i)!r} ({node.op_type})"
        if node.domain not in ("", "ai.onnx"):
            raise UnsupportedLayerError(f"{where}: operators of domain {node.domain!r} are not "
                                        "supported")
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        if node.op_type == "Constant":
            consts[node.output[0]] = _constant(onnx, attrs, where)
            continue
        dynamic = [name for name in node.input if name and name not in consts]
        if not dynamic and node.op_type == "Identity":  # exporters alias weights this way
            consts[node.output[0]] = consts[node.input[0]]
            continue
        if dynamic != [current]:
            raise UnsupportedLayerError(f"{where}: the graph is not a chain (inputs "
                                        f"{list(node.input)}, the chain is at {current!r})")
        if any(name in used for name in node.output[1:]):
            raise UnsupportedLayerError(f"{where}: its optional outputs "
                                        f"{list(node.output[1:])} are used")
        _node(stack, node, attrs, consts, current, batch, where)
        current = node.output[0]
    outputs = [v.name for v in graph.output]
    if outputs != [current]:
        raise UnsupportedLayerError(f"the graph's outputs {outputs} are not the end of the "
                                    f"chain {current!r}")
    return stack


def _read(onnx: Any, path: Any) -> Any:
    p = os.fspath(path)
    if not os.path.exists(p):
        raise NetworkFileError(f"{p}: no such file")
    try:
        return onnx.load(p)
    except Exception as exc:  # protobuf raises its own decode errors
        raise NetworkFileError(f"{p}: not a readable ONNX model ({exc})") from None


def _constant(onnx: Any, attrs: dict[str, Any], where: str) -> np.ndarray:
    if "value" in attrs:
        return onnx.numpy_helper.to_array(attrs["value"])
    for key in ("value_float", "value_floats", "value_int", "value_ints"):
        if key in attrs:
            return np.asarray(attrs[key])
    raise UnsupportedLayerError(f"{where}: only tensor and numeric constants are supported")


def _text(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def _broadcast(c: np.ndarray, shape: tuple[int, ...], where: str) -> np.ndarray:
    """A constant operand broadcast against one example (batch axis of size 1 dropped)."""
    full = (1,) + shape
    try:
        if c.ndim > len(full):
            raise ValueError
        return np.broadcast_to(c.astype(np.float64), full)[0]
    except ValueError:
        raise UnsupportedLayerError(f"{where}: constant of shape {c.shape} does not broadcast "
                                    f"to the tensor {full} without changing it") from None


def _pads(attrs: dict[str, Any], in_spatial: Sequence[int], kernel: Sequence[int],
          strides: Sequence[int], dil: Sequence[int],
          where: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    r = len(in_spatial)
    mode = _text(attrs.get("auto_pad", "NOTSET"))
    if mode == "NOTSET":
        pads = [int(p) for p in attrs.get("pads", [0] * 2 * r)]
        return tuple(pads[:r]), tuple(pads[r:])
    if mode == "VALID":
        return (0,) * r, (0,) * r
    if mode in ("SAME_UPPER", "SAME_LOWER"):
        begin, end = [], []
        for n, k, s, d in zip(in_spatial, kernel, strides, dil):
            total = max(0, (-(-n // s) - 1) * s + (k - 1) * d + 1 - n)
            small, big = total // 2, total - total // 2
            begin.append(small if mode == "SAME_UPPER" else big)
            end.append(big if mode == "SAME_UPPER" else small)
        return tuple(begin), tuple(end)
    raise UnsupportedLayerError(f"{where}: auto_pad={mode!r} is not supported")


def _windows(stack: L.LayerStack, attrs: dict[str, Any], kernel: Sequence[int],
             where: str, default_stride: int = 1) -> L.Windows:
    r = len(kernel)
    if len(stack.shape) != r + 1:
        raise NetworkError(f"{where}: a {r}-D kernel gets one example of shape {stack.shape}")
    strides = [int(s) for s in attrs.get("strides", [default_stride] * r)]
    dil = [int(d) for d in attrs.get("dilations", [1] * r)]
    pb, pe = _pads(attrs, stack.shape[1:], kernel, strides, dil, where)
    return L.sliding_windows(stack.shape[1:], kernel, strides, pb, pe, dil,
                             bool(attrs.get("ceil_mode", 0)))


def _node(stack: L.LayerStack, node: Any, attrs: dict[str, Any], consts: dict[str, np.ndarray],
          current: str, batch: int | None, where: str) -> None:
    op = node.op_type

    def const(i: int, what: str) -> np.ndarray | None:
        name = node.input[i] if len(node.input) > i else ""
        if name and name not in consts:
            raise UnsupportedLayerError(f"{where}: its {what} must be a constant")
        return L.finite(consts[name], f"{where} {what}") if name else None

    if op in ("Gemm", "MatMul"):
        B = const(1, "weight")
        if B.ndim != 2 or node.input[0] != current:
            raise UnsupportedLayerError(f"{where}: only input @ (2-D constant) is supported")
        if op == "Gemm":
            if attrs.get("transA", 0):
                raise UnsupportedLayerError(f"{where}: transA=1 is not supported")
            if len(stack.shape) != 1:
                raise NetworkError(f"{where}: Gemm takes a 2-D tensor, got one example of "
                                   f"shape {stack.shape}")
            W = float(attrs.get("alpha", 1.0)) * (B if attrs.get("transB", 0) else B.T)
            C = const(2, "bias")
            c = (np.zeros(W.shape[0]) if C is None
                 else float(attrs.get("beta", 1.0)) * _broadcast(C, (W.shape[0],), where))
            stack.linear(W, c)
        else:
            stack.linear(B.T, np.zeros(B.shape[1]))
    elif op in ("Add", "Sub", "Mul", "Div"):
        first = node.input[0] == current
        c = _broadcast(const(1 if first else 0, "operand"), stack.shape, where)
        if op == "Add":
            stack.elementwise(1.0, c)
        elif op == "Sub":
            stack.elementwise(1.0, -c) if first else stack.elementwise(-1.0, c)
        elif op == "Mul":
            stack.elementwise(c, 0.0)
        elif not first or np.any(c == 0):
            raise UnsupportedLayerError(f"{where}: only input / (nonzero constant) is supported")
        else:
            stack.elementwise(1.0 / c, 0.0)
    elif op == "Relu":
        stack.activation(A.relu())
    elif op == "LeakyRelu":
        stack.leaky(float(attrs.get("alpha", 0.01)))
    elif op == "HardSigmoid":
        _hard_sigmoid(stack, float(attrs.get("alpha", 0.2)), float(attrs.get("beta", 0.5)))
    elif op == "Shrink":
        lam, bias = float(attrs.get("lambd", 0.5)), float(attrs.get("bias", 0.0))
        if lam != bias or lam <= 0:
            raise UnsupportedLayerError(f"{where}: only Shrink with bias = lambd > 0 (soft "
                                        f"shrink) is continuous; got lambd={lam}, bias={bias}")
        stack.activation(A.soft_shrink(lam))
    elif op == "Clip":
        lo, hi = const(1, "min"), const(2, "max")
        stack.clip(float(lo) if lo is not None else float(attrs.get("min", -np.inf)),
                   float(hi) if hi is not None else float(attrs.get("max", np.inf)))
    elif op == "Flatten":
        axis = int(attrs.get("axis", 1))
        if axis not in (1, 1 - (len(stack.shape) + 1)):
            raise UnsupportedLayerError(f"{where}: axis={axis} merges the batch axis; only "
                                        "axis=1 is supported")
        stack.reshape((stack.size,))
    elif op == "Reshape":
        stack.reshape(_reshape(stack.shape, const(1, "shape"), batch,
                               bool(attrs.get("allowzero", 0)), where))
    elif op == "Conv":
        weight = const(1, "weight")
        bias = const(2, "bias")
        win = _windows(stack, attrs, weight.shape[2:], where)
        stack.affine(*L.conv_affine(weight, np.zeros(weight.shape[0]) if bias is None else bias,
                                    stack.shape, win, int(attrs.get("group", 1))))
    elif op == "MaxPool":
        win = _windows(stack, attrs, [int(k) for k in attrs["kernel_shape"]], where)
        stack.maxpool(*L.maxpool_index(stack.shape, win))
    elif op == "AveragePool":
        win = _windows(stack, attrs, [int(k) for k in attrs["kernel_shape"]], where)
        W, shape = L.avgpool_affine(stack.shape, win, "padded" if attrs.get(
            "count_include_pad", 0) else "valid")
        stack.affine(W, np.zeros(W.shape[0]), shape)
    elif op == "GlobalAveragePool":
        spatial = stack.shape[1:]
        W, shape = L.avgpool_affine(stack.shape, L.adaptive_windows(spatial, (1,) * len(spatial)),
                                    "valid")
        stack.affine(W, np.zeros(W.shape[0]), shape)
    elif op == "BatchNormalization":
        if attrs.get("training_mode", 0):
            raise UnsupportedLayerError(f"{where}: training_mode=1 normalises by batch "
                                        "statistics, which is not a fixed affine map")
        gamma, beta, mean, var = (const(i, w) for i, w in
                                  enumerate(("scale", "bias", "mean", "var"), start=1))
        stack.channelwise(*L.batchnorm_scale(gamma, beta, mean, var,
                                             float(attrs.get("epsilon", 1e-5)), where))
    elif op == "Dropout":
        training = const(2, "training_mode")
        if training is not None and bool(training):
            raise UnsupportedLayerError(f"{where}: dropout in training mode is random")
    elif op != "Identity":
        raise UnsupportedLayerError(f"{where} is not supported; supported operators: "
                                    f"{', '.join(SUPPORTED_OPS)}")


def _hard_sigmoid(stack: L.LayerStack, alpha: float, beta: float) -> None:
    """max(0, min(1, alpha x + beta)). Attributes are float32, so torch's Hardsigmoid exports
    as alpha = float32(1/6), beta = 1/2: read as hard_sigmoid (slope exactly 1/6, the model
    that was exported); other coefficients are an elementwise map and a clip to [0, 1]."""
    if np.float32(alpha) == np.float32(1.0 / 6.0) and beta == 0.5:
        stack.activation(A.hard_sigmoid())
        return
    stack.elementwise(alpha, beta)
    stack.clip(0.0, 1.0)


def _reshape(shape: tuple[int, ...], target: np.ndarray | None, batch: int | None,
             allowzero: bool, where: str) -> tuple[int, ...]:
    """The per-example shape a Reshape produces; its first axis must stay the batch axis."""
    if target is None or target.size == 0:
        raise UnsupportedLayerError(f"{where}: the target shape must be a non-empty constant")
    first, *rest = (int(v) for v in target.reshape(-1))
    if not allowzero:
        rest = [shape[i] if v == 0 and i < len(shape) else v for i, v in enumerate(rest)]
    if first == -1:
        keeps_batch = -1 not in rest
    else:
        keeps_batch = (first == 0 and not allowzero) or (batch is not None and first == batch)
    size = math.prod(shape)
    if keeps_batch and rest.count(-1) <= 1 and all(v > 0 or v == -1 for v in rest):
        known = math.prod(v for v in rest if v != -1)
        if -1 in rest and size % known == 0:
            rest[rest.index(-1)] = size // known
        if math.prod(rest) == size:
            return tuple(rest)
    raise UnsupportedLayerError(f"{where}: reshape of one example {shape} (batch {batch}) to "
                                f"{target.reshape(-1).tolist()} does not keep the batch axis "
                                "first")
