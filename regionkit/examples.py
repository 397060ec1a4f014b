"""Built-in example networks shipped with the package, and the initialisation they use."""
from __future__ import annotations

from importlib import resources
from typing import Sequence

import numpy as np

from regionkit.errors import NetworkFileError
from regionkit.network import Network, load_network

EXAMPLES = {
    "2d": "A 2-32-32-32-1 ReLU net, PyTorch nn.Linear default initialisation, seed 0.",
}


def torch_default_init(arch: Sequence[int], seed: int = 0,
                       activations: Sequence[str] | None = None) -> Network:
    """Weights and biases uniform in +-1/sqrt(fan_in), as PyTorch's nn.Linear does by default."""
    rng = np.random.default_rng(seed)
    weights, biases = [], []
    for fan_in, fan_out in zip(arch[:-1], arch[1:]):
        bound = 1.0 / np.sqrt(fan_in)
        weights.append(rng.uniform(-bound, bound, size=(fan_out, fan_in)))
        biases.append(rng.uniform(-bound, bound, size=fan_out))
    return Network.from_arrays(weights, biases, activations)


def example_network(name: str = "2d") -> Network:
    """Load a shipped example network by name (see EXAMPLES)."""
    if name not in EXAMPLES:
        raise NetworkFileError(f"no example named {name!r}; available: {', '.join(EXAMPLES)}")
    path = resources.files("regionkit") / "data" / f"example_{name}.npz"
    with resources.as_file(path) as p:
        return load_network(p)
