"""Network kinds a suite can name: random initialisations, constructions, files, checkpoints.

Each kind builds (network, info, construction) from its parameters: `info` holds columns for
the results table (a checkpoint's accuracy, a construction's proven count), `construction`
the regionkit.constructions result whose proven domain the "construction" domain uses.
Every kind also takes noise_std / noise_seed: Gaussian noise added to every weight and bias
after building (Hanin & Rolnick's Fig. 3 perturbation).
"""
from __future__ import annotations

import os
from typing import Any

import numpy as np

from regionkit import constructions
from regionkit.errors import SuiteError
from regionkit.model.network import Network, load_network
from regionkit.suite.params import Param, registry

__all__ = ["ARCH", "CONSTRUCTIONS", "KINDS", "NOISE", "SEED", "build", "describe", "get_kind",
           "register"]

KINDS, register, get_kind = registry("network kind")

ARCH = Param("list", doc="layer sizes [n_in, n_1, ..., n_out]")
SEED = Param("int", 0, "random seed")
NOISE = {"noise_std": Param("number", 0.0, "std of Gaussian noise added to weights and biases"),
         "noise_seed": Param("int", 0, "seed of that noise")}
CONSTRUCTIONS = {
    "sawtooth": constructions.sawtooth,
    "zigzag_tower": constructions.zigzag_tower,
    "serra_1d": constructions.serra_1d,
    "montufar_folding": constructions.montufar_folding,
    "generic_arrangement": constructions.generic_arrangement,
    "classic_arrangement": constructions.classic_arrangement,
}


def build(spec: dict[str, Any], base_dir: str = ".") -> tuple[Network, dict[str, Any], Any]:
    """Build the network of a suite's network spec.

    Parameters
    ----------
    spec : dict
        A network spec: "kind" and its parameters, with the noise_std / noise_seed
        perturbation every kind takes.
    base_dir : str, default "."
        Directory relative file paths start from.

    Returns
    -------
    network : Network
        The network, with Gaussian noise added when noise_std > 0.
    info : dict
        Columns for the results table (a checkpoint's accuracy, a construction's proven
        counts).
    construction : object or None
        The regionkit.constructions result, for kind "construction".

    Raises
    ------
    SuiteError
        If the kind is unknown or its parameters are invalid.

    Examples
    --------
    >>> from regionkit.suite.networks import build
    >>> net, info, c = build({"kind": "construction", "construction": "sawtooth",
    ...                       "args": {"k": 3}})
    >>> net
    Network(1-2-2-2-1, activations=['relu', 'relu', 'relu', 'identity'])
    >>> info["proven_regions"], c.domain
    (8, Box(lo=[0.0], hi=[1.0]))
    """
    kind = get_kind(spec["kind"])
    params = {k: v for k, v in spec.items() if k not in ("name", "kind") and k not in NOISE}
    net, info, construction = kind.fn(base_dir=base_dir, **params)
    if spec.get("noise_std", 0.0):
        rng = np.random.default_rng(spec.get("noise_seed", 0))
        std = float(spec["noise_std"])
        net = Network.from_arrays([W + rng.normal(0.0, std, W.shape) for W in net.weights],
                                  [b + rng.normal(0.0, std, b.shape) for b in net.biases],
                                  net.activation_names())
    return net, info, construction


def _activations(activation: str, arch: list[int]) -> list[str]:
    return [activation] * (len(arch) - 2) + ["identity"]


def _arch(arch: Any) -> list[int]:
    if (not isinstance(arch, list) or len(arch) < 2
            or not all(isinstance(n, int) and n >= 1 for n in arch)):
        raise SuiteError(f"arch must list at least two positive layer sizes, got {arch!r}")
    return arch


@register("he_normal", {"arch": ARCH, "seed": SEED,
                        "bias_var": Param("number", 1e-6, "bias variance"),
                        "activation": Param("str", "relu"), **NOISE},
          doc="He normal weights (variance 2/fan_in), N(0, bias_var) biases (Hanin & Rolnick)")
def _he_normal(arch: list[int], seed: int, bias_var: float, activation: str,
               base_dir: str) -> tuple[Network, dict, None]:
    arch = _arch(arch)
    return constructions.he_normal(arch, seed, bias_var, _activations(activation, arch)), {}, None


@register("raghu_normal", {"n_in": Param("int", doc="input size"),
                           "width": Param("int", doc="width k of every hidden layer"),
                           "depth": Param("int", doc="number of hidden layers"),
                           "n_out": Param("int", 1), "sigma_w2": Param("number"),
                           "sigma_b2": Param("number", 0.0), "seed": SEED,
                           "activation": Param("str", "relu"), **NOISE},
          doc="Raghu et al.: weights N(0, sigma_w2/fan_in), biases N(0, sigma_b2)")
def _raghu_normal(n_in: int, width: int, depth: int, n_out: int, sigma_w2: float,
                  sigma_b2: float, seed: int, activation: str,
                  base_dir: str) -> tuple[Network, dict, None]:
    arch = _arch([n_in] + [width] * depth + [n_out])
    net = constructions.raghu_normal(arch, sigma_w2, sigma_b2, seed,
                                     _activations(activation, arch))
    return net, {}, None


@register("torch_default", {"arch": ARCH, "seed": SEED, "activation": Param("str", "relu"),
                            **NOISE},
          doc="weights and biases uniform in +-1/sqrt(fan_in), as torch.nn.Linear")
def _torch_default(arch: list[int], seed: int, activation: str,
                   base_dir: str) -> tuple[Network, dict, None]:
    arch = _arch(arch)
    return constructions.torch_default(arch, seed, _activations(activation, arch)), {}, None


@register("construction", {"construction": Param("str", doc=", ".join(CONSTRUCTIONS)),
                           "args": Param("table", doc="keyword arguments of the construction"),
                           **NOISE},
          doc="a network with a proven region count (regionkit.constructions)")
def _construction(construction: str, args: dict[str, Any],
                  base_dir: str) -> tuple[Network, dict, Any]:
    if construction not in CONSTRUCTIONS:
        raise SuiteError(f"unknown construction {construction!r}; known: "
                         f"{', '.join(CONSTRUCTIONS)}")
    try:
        c = CONSTRUCTIONS[construction](**args)
    except TypeError as exc:
        raise SuiteError(f"construction {construction}: {exc}") from None
    info = {"proven_regions": int(c.n_regions), "proven_linear_regions":
            None if c.n_linear_regions is None else int(c.n_linear_regions)}
    info.update({f"arg.{k}": v for k, v in args.items()})  # columns to plot against
    return c.network, info, c


@register("file", {"path": Param("str", doc=".npz network file, relative to the suite file"),
                   **NOISE},
          doc="a network saved with Network.save (W0, b0, W1, b1, ... and activations)")
def _file(path: str, base_dir: str) -> tuple[Network, dict, None]:
    return load_network(os.path.join(base_dir, path)), {}, None


@register("digits_mlp", {"hidden": Param("list", doc="hidden widths"), "seed": SEED,
                         "epoch": Param("number", 0.0, "checkpoint, in epochs (fractions ok)"),
                         "lr": Param("number", 1e-3), "batch": Param("int", 32),
                         "bias_var": Param("number", 1e-6), **NOISE},
          doc="a 64-hidden-10 ReLU net trained with Adam on the digits (He normal start)")
def _digits_mlp(hidden: list[int], seed: int, epoch: float, lr: float, batch: int,
                bias_var: float, base_dir: str) -> tuple[Network, dict, None]:
    from regionkit.suite.data import digits
    from regionkit.suite.training import accuracy, train_digits

    if not all(isinstance(w, int) for w in hidden):
        raise SuiteError(f"hidden must list integer widths, got {hidden!r}")
    net = train_digits(tuple(hidden), seed, epoch, lr, batch, bias_var)
    train_x, train_y, test_x, test_y = digits()
    return net, {"train_accuracy": accuracy(net, train_x, train_y),
                 "test_accuracy": accuracy(net, test_x, test_y)}, None


def describe(net: Network) -> dict[str, Any]:
    """The columns every job records about its network.

    Parameters
    ----------
    net : Network
        The network.

    Returns
    -------
    dict
        arch, n_in, activations, n_hidden_layers, n_neurons and n_params.

    Examples
    --------
    >>> import regionkit as rk
    >>> from regionkit.suite.networks import describe
    >>> describe(rk.Network.from_arrays([[[1, 0], [0, 1]], [[1, 1]]], [[0, 0], [0]]))["arch"]
    '2-2-1'
    """
    hidden = net.hidden_widths
    return {"arch": "-".join(str(w) for w in [net.n_in] + net.widths), "n_in": net.n_in,
            "activations": ",".join(sorted(set(net.activation_names()))),
            "n_hidden_layers": len(hidden), "n_neurons": int(sum(hidden)),
            "n_params": int(sum(W.size + b.size for W, b in zip(net.weights, net.biases)))}
