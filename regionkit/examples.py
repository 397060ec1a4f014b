"""Built-in example networks shipped with the package, and a small trained digits classifier."""
from __future__ import annotations

import warnings
from importlib import resources
from typing import Sequence

import numpy as np

from regionkit.errors import DomainError, NetworkFileError
from regionkit.model.domains import Plane
from regionkit.model.network import Network, load_network
from regionkit.optional import require

__all__ = ["EXAMPLES", "digits_mlp", "example_network", "plane_through_classes"]

EXAMPLES = {
    "2d": "A 2-32-32-32-1 ReLU net, PyTorch nn.Linear default initialisation, seed 0.",
}


def example_network(name: str = "2d") -> Network:
    """Load a shipped example network by name.

    Parameters
    ----------
    name : str, default "2d"
        A key of EXAMPLES.

    Returns
    -------
    Network
        The network.

    Raises
    ------
    NetworkFileError
        If there is no example of that name.

    Examples
    --------
    >>> import regionkit as rk
    >>> from regionkit.examples import example_network
    >>> net = example_network("2d")
    >>> net, rk.enumerate_regions(net, rk.Box(-1, 1, dim=2)).n_regions
    (Network(2-32-32-32-1, activations=['relu', 'relu', 'relu', 'identity']), 1036)
    """
    if name not in EXAMPLES:
        raise NetworkFileError(f"no example named {name!r}; available: {', '.join(EXAMPLES)}")
    path = resources.files("regionkit") / "data" / f"example_{name}.npz"
    with resources.as_file(path) as p:
        return load_network(p)


def digits_mlp(hidden: Sequence[int] = (16, 16), seed: int = 0,
               max_iter: int = 100) -> tuple[Network, np.ndarray, np.ndarray]:
    """A small ReLU MLP trained on scikit-learn's 8x8 digits: a real network on real data.

    Training (adam, random_state=seed) is deterministic and takes about a second; the
    default net classifies about 98% of the images correctly.

    Parameters
    ----------
    hidden : sequence of int, default (16, 16)
        Hidden layer widths.
    seed : int, default 0
        Random state of the training.
    max_iter : int, default 100
        Training epochs (convergence warnings are silenced).

    Returns
    -------
    net : Network
        The trained network; it outputs the 10 class logits (see
        regionkit.model.loaders.sklearn).
    images : numpy.ndarray, shape (1797, 64)
        The images, pixels scaled from 0..16 to [0, 1]: what the network takes.
    labels : numpy.ndarray, shape (1797,)
        Their digits.

    Raises
    ------
    MissingExtraError
        If scikit-learn is not installed (pip install "regionkit[sklearn]").

    Examples
    --------
    >>> from regionkit.examples import digits_mlp
    >>> net, images, labels = digits_mlp(hidden=(8,), max_iter=20)
    >>> net, images.shape, labels.shape
    (Network(64-8-10, activations=['relu', 'identity']), (1797, 64), (1797,))
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
    """The plane through the first image of each of three classes (Hanin & Rolnick's slices).

    Parameters
    ----------
    images : numpy.ndarray, shape (n, n_in)
        Network inputs.
    labels : array_like, shape (n,)
        Their classes.
    classes : sequence of three labels, default (0, 1, 2)
        The classes whose first images the plane goes through.
    half_width : float, optional
        Passed to Plane.through (default: 1.25 x the circumradius).

    Returns
    -------
    Plane
        Plane.through the three images; they are kept in its ``points``.

    Raises
    ------
    DomainError
        If the classes are not three different labels, a class has no image, or the
        images are collinear.

    Examples
    --------
    >>> import numpy as np
    >>> from regionkit.examples import plane_through_classes
    >>> images = np.array([[0.0, 0.0, 0.0], [2.0, 0.0, 0.0], [0.0, 2.0, 0.0]])
    >>> plane = plane_through_classes(images, [5, 7, 9], classes=(5, 7, 9))
    >>> plane.points.tolist() == images.tolist(), plane.origin.tolist()
    (True, [1.0, 1.0, 0.0])
    """
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
