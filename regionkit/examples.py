"""Built-in example networks shipped with the package."""
from __future__ import annotations

import warnings
from importlib import resources
from typing import Sequence

import numpy as np

from regionkit.errors import DomainError, NetworkFileError
from regionkit.model.domains import Plane
from regionkit.model.network import Network, load_network
from regionkit.optional import require

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


def digits_mlp(hidden: Sequence[int] = (16, 16), seed: int = 0,
               max_iter: int = 100) -> tuple[Network, np.ndarray, np.ndarray]:
    """A small ReLU MLP trained on scikit-learn's 8x8 digits: a real network on real data.

    Pixels are scaled from 0..16 to [0, 1]; the returned images (1797, 64) are what the
    network takes, with labels (1797,). Training (adam, random_state=seed) is deterministic
    and takes about half a second; the default net classifies about 98% of the images
    correctly. The network outputs the 10 class logits (see regionkit.model.loaders.sklearn).
    """
    require("sklearn", "sklearn", "digits_mlp")
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier


    images, labels = load_digits(return_X_y=True)
    images = images / 16.0
    clf = MLPClassifier(hidden_layer_sizes=tuple(hidden), max_iter=max_iter, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(images, labels)
    return Network.from_sklearn(clf), images, labels


def plane_through_classes(images: np.ndarray, labels: np.ndarray,
                          classes: Sequence[int] = (0, 1, 2),
                          half_width: float | None = None) -> Plane:
    """Plane.through the first image of each of three classes (Hanin & Rolnick's slices)."""
    if len(classes) != 3 or len(set(classes)) != 3:
        raise DomainError(f"give three different classes, got {tuple(classes)}")
    labels = np.asarray(labels)
    picks = []
    for c in classes:
        where = np.flatnonzero(labels == c)
        if where.size == 0:
            raise DomainError(f"no image has label {c!r}")
        picks.append(np.asarray(images)[where[0]])
    return Plane.through(*picks, half_width=half_width)
