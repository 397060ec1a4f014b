"""PyTorch models as regionkit networks.

An nn.Sequential (nested ones too) is read layer by layer; any other module is traced with
torch.fx and must be a chain: each step takes the previous step's output only. Weights are
read in float64. The model is converted as it computes in eval() mode: batch norm uses its
running statistics and dropout is the identity.
"""
from __future__ import annotations

import inspect
import os
from typing import Any, Sequence

import numpy as np

from regionkit.errors import NetworkError, NetworkFileError, UnsupportedLayerError
from regionkit.model import activations as A
from regionkit.model.loaders import layers as L
from regionkit.optional import require

__all__ = ["SUPPORTED", "TORCHSCRIPT_CHECK_RTOL", "TORCHSCRIPT_SUFFIXES", "torch_stack",
           "torchscript_stack"]

SUPPORTED = ("Linear, Conv1d/2d/3d, AvgPool1d/2d/3d, AdaptiveAvgPool1d/2d/3d, MaxPool1d/2d/3d, "
             "BatchNorm1d/2d/3d, Flatten, ReLU, LeakyReLU, Hardtanh, ReLU6, Hardsigmoid, "
             "Softshrink, Identity, Dropout (and torch.relu, F.relu, F.leaky_relu, F.hardtanh, "
             "F.relu6, F.hardsigmoid, F.softshrink, torch.flatten, Tensor.relu, Tensor.flatten "
             "in a traced forward)")


def torch_stack(module: Any, input_shape: Sequence[int] | None = None) -> L.LayerStack:
    """The regionkit layers of a torch module (as in eval mode), in float64.

    Parameters
    ----------
    module : torch.nn.Module
        An nn.Sequential, or a module whose forward torch.fx traces to a chain of the
        layers and calls listed in SUPPORTED.
    input_shape : sequence of int, optional
        One example's shape without the batch axis, e.g. (1, 28, 28); needed when the
        first layer that fixes the input size is not an nn.Linear.

    Returns
    -------
    LayerStack
        The layers.

    Raises
    ------
    MissingExtraError
        If torch is not installed.
    UnsupportedLayerError
        A layer or call not in SUPPORTED, or a forward that is not a chain.
    NetworkError
        Not a module, shapes that do not fit, NaN or infinite weights, or input_shape
        missing.
    """
    torch = require("torch", "torch", "from_torch")
    if not isinstance(module, torch.nn.Module):
        raise NetworkError(f"from_torch needs a torch.nn.Module, got {type(module).__name__}")
    steps = _steps(torch, module, "")
    stack = L.LayerStack(_input_shape(torch, steps, input_shape))
    for name, m in steps:
        _convert(torch, stack, name, m)
    return stack


# File names read as TorchScript (torch.jit.script(model).save(path), or torch.jit.trace).
TORCHSCRIPT_SUFFIXES = (".pt", ".pth", ".ts")

# A TorchScript model is rebuilt as eager modules from the settings the file keeps; on random
# inputs the rebuilt model must give the file's own outputs (both float32) to this relative
# accuracy, or a setting was not readable (traced files inline some) and the file is refused.
TORCHSCRIPT_CHECK_RTOL = 1e-5


def torchscript_stack(path: str | os.PathLike,
                      input_shape: Sequence[int] | None = None) -> L.LayerStack:
    """The regionkit layers of a TorchScript file holding an nn.Sequential, in float64.

    The file's modules are rebuilt as the torch.nn classes they were saved from (weights,
    buffers and settings read from the file), converted as torch_stack converts them, and
    the rebuilt model is checked against the file's own forward on random inputs.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by ``torch.jit.script(model).save(path)`` (or a traced model),
        where model is an nn.Sequential (nested ones too) of the layers in SUPPORTED.
    input_shape : sequence of int, optional
        As for torch_stack.

    Returns
    -------
    LayerStack
        The layers.

    Raises
    ------
    MissingExtraError
        If torch is not installed.
    NetworkFileError
        Not a TorchScript file, settings the file does not keep, or a rebuilt model whose
        outputs differ from the file's.
    UnsupportedLayerError
        A top-level module that is not an nn.Sequential, or a layer not in SUPPORTED.
    """
    torch = require("torch", "torch", "reading TorchScript files")
    p = os.fspath(path)
    try:
        scripted = torch.jit.load(p, map_location="cpu")
    except Exception as exc:  # torch raises RuntimeError, ValueError, ... on foreign files
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise NetworkFileError(
            f"{p}: not a TorchScript file ({first}); save a model with "
            "torch.jit.script(model).save(path), or its weights as .npz with "
            "Network.from_torch(model).save(path)") from None
    if scripted.original_name != "Sequential":
        raise UnsupportedLayerError(
            f"{p}: the TorchScript model is a {scripted.original_name}, not an nn.Sequential; "
            "load the Python model and use Network.from_torch(model) instead")
    eager = _rebuild(torch, scripted, p).eval()
    stack = torch_stack(eager, input_shape)
    scripted.eval()
    x = torch.randn((64, *stack.input_shape), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        want, got = scripted(x), eager(x)
    scale = 1.0 + float(want.abs().max())
    if want.shape != got.shape or float((want - got).abs().max()) > TORCHSCRIPT_CHECK_RTOL * scale:
        raise NetworkFileError(f"{p}: the model rebuilt from the file's modules does not "
                               "compute the file's outputs (a setting the file does not keep, "
                               "as in traced models); save it with torch.jit.script")
    return stack


def _rebuild(torch: Any, m: Any, where: str) -> Any:
    """The eager torch.nn module a loaded TorchScript module was saved from."""
    name = m.original_name
    if name == "Sequential":
        return torch.nn.Sequential(*[_rebuild(torch, c, f"{where}:{n}")
                                     for n, c in m.named_children()])
    cls = getattr(torch.nn, name, None)
    if not (isinstance(cls, type) and issubclass(cls, torch.nn.Module)) or not any(
            issubclass(cls, k) for ks in _kinds(torch).values() for k in ks):
        raise UnsupportedLayerError(f"{where}: {name} is not supported; supported: {SUPPORTED}")
    state = m.state_dict()
    kwargs: dict[str, Any] = {}
    for arg in list(inspect.signature(cls.__init__).parameters.values())[1:]:
        if arg.name in ("device", "dtype", "inplace") or arg.kind in (arg.VAR_POSITIONAL,
                                                                       arg.VAR_KEYWORD):
            continue
        if arg.name == "bias":
            kwargs["bias"] = state.get("bias") is not None
        elif arg.name in ("in_features", "out_features") and "weight" in state:
            kwargs[arg.name] = int(state["weight"].shape[arg.name == "in_features"])
        elif hasattr(m, arg.name):
            kwargs[arg.name] = getattr(m, arg.name)
        elif arg.default is inspect.Parameter.empty:
            raise NetworkFileError(f"{where}: {name}'s setting {arg.name!r} is not in the file "
                                   "(a traced model?); save it with torch.jit.script")
    try:
        module = cls(**kwargs)
        module.load_state_dict(state)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise NetworkFileError(f"{where}: cannot rebuild {name} from the file ({exc})") from None
    return module


# Kinds of elementwise activation modules (each becomes a named table).
ELEMENTWISE = ("relu", "relu6", "hardtanh", "leaky", "hardsigmoid", "softshrink")


# --- the chain of layers ---------------------------------------------------------------------

def _kinds(torch: Any) -> dict[str, tuple[type, ...]]:
    nn = torch.nn
    return {
        "linear": (nn.Linear,),
        "conv": (nn.Conv1d, nn.Conv2d, nn.Conv3d),
        "avgpool": (nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d),
        "adaptive": (nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d),
        "maxpool": (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d),
        "batchnorm": (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d),
        "flatten": (nn.Flatten,),
        "relu6": (nn.ReLU6,),  # before hardtanh: ReLU6 is a Hardtanh
        "hardtanh": (nn.Hardtanh,),
        "relu": (nn.ReLU,),
        "leaky": (nn.LeakyReLU,),
        "hardsigmoid": (nn.Hardsigmoid,),
        "softshrink": (nn.Softshrink,),
        "noop": (nn.Identity, nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d,
                 nn.AlphaDropout),
    }


def _kind(torch: Any, m: Any) -> str | None:
    for kind, classes in _kinds(torch).items():
        if isinstance(m, classes):
            return kind
    return None


def _steps(torch: Any, module: Any, prefix: str) -> list[tuple[str, Any]]:
    """(name, leaf module) in the order the model applies them."""
    if isinstance(module, torch.nn.Sequential):
        out: list[tuple[str, Any]] = []
        for name, child in module.named_children():
            out += _steps(torch, child, f"{prefix}{name}.")
        return out
    name = prefix.rstrip(".") or type(module).__name__
    if _kind(torch, module) is not None or type(module).__module__.startswith("torch."):
        return [(name, module)]  # torch's own unsupported classes are refused by _convert
    return _traced(torch, module, prefix)


def _traced(torch: Any, module: Any, prefix: str) -> list[tuple[str, Any]]:
    where = prefix.rstrip(".") or type(module).__name__
    try:
        gm = torch.fx.symbolic_trace(module)
    except Exception as exc:  # fx raises many kinds on data-dependent Python
        raise UnsupportedLayerError(
            f"{where}: {type(module).__name__} is not an nn.Sequential and torch.fx could not "
            f"trace its forward ({type(exc).__name__}: {exc})") from None
    modules = dict(gm.named_modules())
    steps: list[tuple[str, Any]] = []
    current = None
    for node in gm.graph.nodes:
        if node.op == "placeholder":
            if current is not None:
                raise UnsupportedLayerError(f"{where}: forward takes more than one input")
            current = node
            continue
        if node.op == "output":
            if node.args[0] is not current:
                raise UnsupportedLayerError(f"{where}: forward does not return the last step")
            break
        if node.all_input_nodes != [current] or len(current.users) != 1:
            raise UnsupportedLayerError(
                f"{where}: forward is not a chain of layers (step {node.name!r} uses "
                f"{[n.name for n in node.all_input_nodes]}, the chain is at {current.name!r})")
        if node.op == "call_module":
            steps += _steps(torch, modules[node.target], f"{prefix}{node.target}.")
        else:
            steps.append((f"{prefix}{node.name}", _functional(torch, node, where)))
        current = node
    return steps


def _functional(torch: Any, node: Any, where: str) -> Any:
    """The nn module equivalent to a traced function or method call."""
    nn, F = torch.nn, torch.nn.functional
    params, kw = list(node.args[1:]), dict(node.kwargs)

    def arg(i: int, key: str, default: Any) -> Any:
        return params[i] if len(params) > i else kw.get(key, default)

    target = node.target
    if node.op == "call_method":
        table = {"relu": lambda: nn.ReLU(),
                 "flatten": lambda: nn.Flatten(arg(0, "start_dim", 0), arg(1, "end_dim", -1))}
        what = f"Tensor.{target}"
    elif node.op == "call_function":
        table = {torch.relu: lambda: nn.ReLU(), F.relu: lambda: nn.ReLU(),
                 F.relu6: lambda: nn.ReLU6(),
                 F.leaky_relu: lambda: nn.LeakyReLU(arg(0, "negative_slope", 0.01)),
                 F.hardtanh: lambda: nn.Hardtanh(arg(0, "min_val", -1.0), arg(1, "max_val", 1.0)),
                 F.hardsigmoid: lambda: nn.Hardsigmoid(),
                 F.softshrink: lambda: nn.Softshrink(arg(0, "lambd", 0.5)),
                 torch.flatten: lambda: nn.Flatten(arg(0, "start_dim", 0), arg(1, "end_dim", -1))}
        what = getattr(target, "__name__", str(target))
    else:
        table, what = {}, f"{node.op} {target}"
    make = table.get(target)
    if make is None:
        raise UnsupportedLayerError(f"{where}: step {node.name!r} calls {what}, which is not "
                                    f"supported; supported: {SUPPORTED}")
    return make()


def _input_shape(torch: Any, steps: list[tuple[str, Any]],
                 input_shape: Sequence[int] | None) -> tuple[int, ...]:
    if input_shape is not None:
        try:
            return tuple(int(d) for d in input_shape)
        except (TypeError, ValueError):
            msg = f"input_shape must be a sequence of sizes, got {input_shape!r}"
            raise NetworkError(msg) from None
    for name, m in steps:
        kind = _kind(torch, m)
        if kind is None:
            _refuse(name, m)
        if kind == "linear":
            return (int(m.in_features),)
        if kind not in ELEMENTWISE and kind != "noop":
            raise NetworkError(f"{name} ({type(m).__name__}) needs the input shape: pass "
                               "input_shape, one example's shape without the batch axis, "
                               "e.g. from_torch(model, input_shape=(1, 28, 28))")
    raise NetworkError("no layer fixes the input size: pass input_shape")


def _refuse(name: str, m: Any) -> None:
    raise UnsupportedLayerError(f"{name}: {type(m).__name__} is not supported; "
                                f"supported: {SUPPORTED}")


# --- one layer -------------------------------------------------------------------------------

def _array(t: Any, what: str) -> np.ndarray:
    return L.finite(t.detach().cpu().double().numpy(), what)


def _tuple(v: Any, r: int) -> tuple[int, ...]:
    return tuple(int(x) for x in v) if isinstance(v, (tuple, list)) else (int(v),) * r


def _spatial_rank(torch: Any, kind: str, m: Any) -> int:
    """1, 2 or 3: the position of m's class in its kind's (1d, 2d, 3d) classes."""
    return next(i for i, cls in enumerate(_kinds(torch)[kind], start=1) if isinstance(m, cls))


def _expect_rank(stack: L.LayerStack, r: int, what: str) -> None:
    if len(stack.shape) != r + 1:
        raise NetworkError(f"{what} takes one example of shape (C, {r} spatial sizes), "
                           f"got {stack.shape}")


def _convert(torch: Any, stack: L.LayerStack, name: str, m: Any) -> None:
    kind = _kind(torch, m)
    what = f"{name} ({type(m).__name__})"
    if kind is None:
        _refuse(name, m)
    elif kind == "linear":
        W = _array(m.weight, f"{what} weight")
        b = _array(m.bias, f"{what} bias") if m.bias is not None else np.zeros(W.shape[0])
        stack.linear(W, b)
    elif kind == "conv":
        r = _spatial_rank(torch, kind, m)
        _expect_rank(stack, r, what)
        if m.padding_mode != "zeros":
            raise UnsupportedLayerError(f"{what}: padding_mode={m.padding_mode!r} is not "
                                        "supported (only 'zeros')")
        k, dil = _tuple(m.kernel_size, r), _tuple(m.dilation, r)
        if isinstance(m.padding, str):  # 'valid' or 'same' (extra padding goes at the end)
            total = [d * (kk - 1) if m.padding == "same" else 0 for kk, d in zip(k, dil)]
            pb = tuple(t // 2 for t in total)
            pe = tuple(t - p for t, p in zip(total, pb))
        else:
            pb = pe = _tuple(m.padding, r)
        win = L.sliding_windows(stack.shape[1:], k, _tuple(m.stride, r), pb, pe, dil)
        weight = _array(m.weight, f"{what} weight")
        bias = (_array(m.bias, f"{what} bias") if m.bias is not None
                else np.zeros(weight.shape[0]))
        stack.affine(*L.conv_affine(weight, bias, stack.shape, win, int(m.groups)))
    elif kind == "avgpool":
        r = _spatial_rank(torch, kind, m)
        _expect_rank(stack, r, what)
        k = _tuple(m.kernel_size, r)
        stride, pad = _tuple(m.stride or k, r), _tuple(m.padding, r)
        override = getattr(m, "divisor_override", None)
        divisor = override or ("padded" if m.count_include_pad else "valid")
        win = L.sliding_windows(stack.shape[1:], k, stride, pad, pad, (1,) * r, m.ceil_mode)
        W, shape = L.avgpool_affine(stack.shape, win, divisor)
        stack.affine(W, np.zeros(W.shape[0]), shape)
    elif kind == "adaptive":
        r = _spatial_rank(torch, kind, m)
        _expect_rank(stack, r, what)
        size = m.output_size if isinstance(m.output_size, (tuple, list)) else (m.output_size,) * r
        size = tuple(int(s) if s is not None else n for s, n in zip(size, stack.shape[1:]))
        W, shape = L.avgpool_affine(stack.shape, L.adaptive_windows(stack.shape[1:], size),
                                    "valid")
        stack.affine(W, np.zeros(W.shape[0]), shape)
    elif kind == "maxpool":
        r = _spatial_rank(torch, kind, m)
        _expect_rank(stack, r, what)
        if m.return_indices:
            raise UnsupportedLayerError(f"{what}: return_indices=True is not supported")
        k = _tuple(m.kernel_size, r)
        pad = _tuple(m.padding, r)
        win = L.sliding_windows(stack.shape[1:], k, _tuple(m.stride or k, r), pad, pad,
                                _tuple(m.dilation, r), m.ceil_mode)
        stack.maxpool(*L.maxpool_index(stack.shape, win))
    elif kind == "batchnorm":
        if m.running_mean is None:
            raise UnsupportedLayerError(f"{what}: track_running_stats=False normalises by batch "
                                        "statistics, which is not a fixed affine map")
        r = _spatial_rank(torch, kind, m)
        if not (len(stack.shape) == r + 1 or (r == 1 and len(stack.shape) == 1)):
            raise NetworkError(f"{what} does not take one example of shape {stack.shape}")
        C = int(m.num_features)
        gamma = _array(m.weight, f"{what} weight") if m.weight is not None else np.ones(C)
        beta = _array(m.bias, f"{what} bias") if m.bias is not None else np.zeros(C)
        stack.channelwise(*L.batchnorm_scale(
            gamma, beta, _array(m.running_mean, f"{what} running_mean"),
            _array(m.running_var, f"{what} running_var"), float(m.eps), what))
    elif kind == "flatten":
        full = (1,) + stack.shape
        n = len(full)
        s, e = int(m.start_dim), int(m.end_dim)
        s, e = s + n if s < 0 else s, e + n if e < 0 else e
        if not 1 <= s <= e < n:
            raise UnsupportedLayerError(f"{what}: start_dim={m.start_dim}, end_dim={m.end_dim} "
                                        "do not flatten axes after the batch axis")
        merged = full[:s] + (int(np.prod(full[s:e + 1])),) + full[e + 1:]
        stack.reshape(merged[1:])
    elif kind == "relu":
        stack.activation(A.relu())
    elif kind == "relu6":
        stack.activation(A.relu6())
    elif kind == "hardtanh":
        stack.clip(float(m.min_val), float(m.max_val))
    elif kind == "leaky":
        stack.leaky(float(m.negative_slope))
    elif kind == "hardsigmoid":
        stack.activation(A.hard_sigmoid())
    elif kind == "softshrink":
        stack.activation(A.soft_shrink(float(m.lambd)))
