"""Built-in example networks shipped with the package."""
from __future__ import annotations

from importlib import resources

from regionkit.errors import NetworkFileError
from regionkit.network import Network, load_network

EXAMPLES = {
    "2d": "A 2-32-32-32-1 ReLU net, PyTorch nn.Linear default initialisation, seed 0.",
}


def example_network(name: str = "2d") -> Network:
    """Load a shipped example network by name (see EXAMPLES)."""
    if name not in EXAMPLES:
        raise NetworkFileError(f"no example named {name!r}; available: {', '.join(EXAMPLES)}")
    path = resources.files("regionkit") / "data" / f"example_{name}.npz"
    with resources.as_file(path) as p:
        return load_network(p)
