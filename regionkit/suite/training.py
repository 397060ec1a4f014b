"""Training checkpoints on the digits data set, as Hanin & Rolnick train (section 3).

Their networks start from He normal weights with N(0, 1e-6) biases and train with Adam at
learning rate 1e-3 on softmax cross-entropy. scikit-learn's MLPClassifier cannot start from
that initialisation (it draws Glorot-uniform weights and biases itself), so this is a small
numpy implementation of the same recipe: deterministic for a given seed, a few milliseconds
per epoch for the widths the suites use, and fractional epochs (checkpoints inside the first
epoch, as in their Fig. 5a) are a number of minibatch steps.
"""
from __future__ import annotations

import functools
import math
from typing import Sequence

import numpy as np

from regionkit.constructions import he_normal
from regionkit.errors import SuiteError
from regionkit.model.network import Network
from regionkit.suite.data import digits

__all__ = ["ADAM_BETAS", "ADAM_EPS", "accuracy", "train_digits"]

ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8


def accuracy(net: Network, X: np.ndarray, y: np.ndarray) -> float:
    """The fraction of images whose largest output is their label.

    Parameters
    ----------
    net : Network
        A classifier (one output per class).
    X : numpy.ndarray, shape (n, n_in)
        Images.
    y : numpy.ndarray of int, shape (n,)
        Labels.

    Returns
    -------
    float
        The accuracy, in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> import regionkit as rk
    >>> from regionkit.suite.training import accuracy
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1]]], [[0, 0]])
    >>> accuracy(net, np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 1.0]]), np.array([0, 1, 1]))
    0.6666666666666666
    """
    return float(np.mean(net.forward(X).argmax(axis=1) == y))


@functools.lru_cache(maxsize=64)
def train_digits(hidden: tuple[int, ...], seed: int, epochs: float, lr: float = 1e-3,
                 batch: int = 32, bias_var: float = 1e-6) -> Network:
    """A 64-hidden-10 ReLU net after some epochs of Adam on the digits training images.

    Weights start He normal with N(0, bias_var) biases (regionkit.constructions.he_normal
    with `seed`); minibatches follow a permutation per epoch drawn from seed + 1. Results
    are cached per argument tuple.

    Parameters
    ----------
    hidden : tuple of int
        Hidden layer widths.
    seed : int
        Seed of the initialisation (and, plus one, of the minibatch order).
    epochs : float
        Training epochs; fractions are a number of minibatch steps, 0 returns the
        initialisation.
    lr : float, default 1e-3
        Adam's learning rate.
    batch : int, default 32
        Minibatch size.
    bias_var : float, default 1e-6
        Variance of the initial biases.

    Returns
    -------
    Network
        The trained network (10 identity outputs, the class logits).

    Raises
    ------
    SuiteError
        If a width, epochs, batch or lr is invalid.
    MissingExtraError
        If scikit-learn (the digits) is not installed.

    Examples
    --------
    >>> from regionkit.suite.data import digits
    >>> from regionkit.suite.training import accuracy, train_digits
    >>> start, trained = train_digits((16,), 0, epochs=0), train_digits((16,), 0, epochs=2)
    >>> train_x, train_y, test_x, test_y = digits()
    >>> trained, accuracy(trained, test_x, test_y) > accuracy(start, test_x, test_y)
    (Network(64-16-10, activations=['relu', 'identity']), True)
    """
    if not hidden or any(int(w) < 1 for w in hidden):
        raise SuiteError(f"hidden widths must be positive, got {list(hidden)}")
    if not (epochs >= 0 and math.isfinite(epochs)):
        raise SuiteError(f"epochs must be a finite number >= 0, got {epochs}")
    if batch < 1 or lr <= 0:
        raise SuiteError(f"batch must be >= 1 and lr > 0, got {batch}, {lr}")
    X, y, _, _ = digits()
    init = he_normal([X.shape[1], *hidden, 10], seed=seed, bias_var=bias_var)
    params = [np.array(W) for W in init.weights] + [np.array(b) for b in init.biases]
    n_layers = len(init.weights)
    steps_per_epoch = math.ceil(len(X) / batch)
    total = int(round(epochs * steps_per_epoch))
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    rng = np.random.default_rng(seed + 1)
    b1, b2 = ADAM_BETAS
    order = np.arange(len(X))
    for step in range(total):
        i = step % steps_per_epoch
        if i == 0:
            order = rng.permutation(len(X))
        idx = order[i * batch:(i + 1) * batch]
        grads = _gradients(params[:n_layers], params[n_layers:], X[idx], y[idx])
        t = step + 1
        for p, g, mp, vp in zip(params, grads, m, v):
            mp *= b1
            mp += (1 - b1) * g
            vp *= b2
            vp += (1 - b2) * g * g
            p -= lr * (mp / (1 - b1 ** t)) / (np.sqrt(vp / (1 - b2 ** t)) + ADAM_EPS)
    return Network.from_arrays(params[:n_layers], params[n_layers:])


def _gradients(Ws: Sequence[np.ndarray], bs: Sequence[np.ndarray], x: np.ndarray,
               y: np.ndarray) -> list[np.ndarray]:
    """Gradients of the mean softmax cross-entropy: weights first, then biases."""
    hs = [x]
    for W, b in zip(Ws[:-1], bs[:-1]):
        hs.append(np.maximum(hs[-1] @ W.T + b, 0.0))
    z = hs[-1] @ Ws[-1].T + bs[-1]
    z -= z.max(axis=1, keepdims=True)
    g = np.exp(z)
    g /= g.sum(axis=1, keepdims=True)
    g[np.arange(len(y)), y] -= 1.0
    g /= len(y)
    gW: list[np.ndarray] = [np.empty(0)] * len(Ws)
    gb: list[np.ndarray] = [np.empty(0)] * len(Ws)
    for li in range(len(Ws) - 1, -1, -1):
        gW[li], gb[li] = g.T @ hs[li], g.sum(axis=0)
        if li:
            g = (g @ Ws[li]) * (hs[li] > 0)
    return gW + gb
