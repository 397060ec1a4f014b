"""Data for suites: scikit-learn's 8x8 digits (the project's stand-in for MNIST) and noise.

The digits are scaled from 0..16 to [0, 1] and split once, by a fixed permutation, into
1500 training and 297 test images, so every process of a run sees the same split.
"""
from __future__ import annotations

import functools

import numpy as np

from regionkit.errors import SuiteError
from regionkit.optional import require

__all__ = ["DIGITS_SPLIT_SEED", "DIGITS_TEST", "SOURCES", "digits", "labelled_digits", "points"]

DIGITS_SPLIT_SEED = 0
DIGITS_TEST = 297
SOURCES = ("digits", "digits-test", "digits-gaussian", "normal", "uniform")


@functools.lru_cache(maxsize=1)
def digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The digits, split once into training and test images (cached, read-only).

    Returns
    -------
    train_images : numpy.ndarray, shape (1500, 64)
        Pixels in [0, 1].
    train_labels : numpy.ndarray, shape (1500,)
        Their digits.
    test_images : numpy.ndarray, shape (297, 64)
        Pixels in [0, 1].
    test_labels : numpy.ndarray, shape (297,)
        Their digits.

    Raises
    ------
    MissingExtraError
        If scikit-learn is not installed.

    Examples
    --------
    >>> from regionkit.suite.data import digits
    >>> [a.shape for a in digits()]
    [(1500, 64), (1500,), (297, 64), (297,)]
    """
    require("sklearn", "sklearn", "the digits data set")
    from sklearn.datasets import load_digits

    images, labels = load_digits(return_X_y=True)
    images = images / 16.0
    perm = np.random.default_rng(DIGITS_SPLIT_SEED).permutation(len(images))
    test, train = perm[:DIGITS_TEST], perm[DIGITS_TEST:]
    out = (images[train], labels[train], images[test], labels[test])
    for a in out:
        a.setflags(write=False)  # shared by every job of the process
    return out


def points(source: str, n: int, n_in: int, rng: np.random.Generator) -> np.ndarray:
    """n points of a data source as network inputs.

    Parameters
    ----------
    source : str
        "digits" / "digits-test": images drawn at random (without replacement while there
        are enough); "digits-gaussian": normal with the componentwise mean and variance of
        the training images (Hanin & Rolnick's section 3.2 points); "normal": standard
        normal; "uniform": uniform in [0, 1]^n_in.
    n : int
        Number of points.
    n_in : int
        The network's number of inputs (64 for the digits).
    rng : numpy.random.Generator
        The random choices.

    Returns
    -------
    numpy.ndarray, shape (n, n_in)
        The points.

    Raises
    ------
    SuiteError
        If the source is unknown or its images do not have n_in pixels.
    MissingExtraError
        If a digits source is asked for without scikit-learn.

    Examples
    --------
    >>> import numpy as np
    >>> from regionkit.suite.data import points
    >>> points("uniform", 4, 3, np.random.default_rng(0)).shape
    (4, 3)
    """
    if source not in SOURCES:
        raise SuiteError(f"unknown data {source!r}; known: {', '.join(SOURCES)}")
    if source.startswith("digits"):
        X = _digits_images(source)
        if X.shape[1] != n_in:
            raise SuiteError(f"digits images have 64 pixels but the network takes {n_in} "
                             "inputs")
        if source == "digits-gaussian":
            return rng.normal(X.mean(axis=0), X.std(axis=0), size=(n, n_in))
        return X[rng.choice(len(X), size=n, replace=n > len(X))]
    if source == "normal":
        return rng.standard_normal((n, n_in))
    return rng.uniform(0.0, 1.0, size=(n, n_in))


def labelled_digits(source: str) -> tuple[np.ndarray, np.ndarray]:
    """The images and labels of a labelled digits source.

    Parameters
    ----------
    source : {"digits", "digits-test"}
        The training or the test split.

    Returns
    -------
    images : numpy.ndarray, shape (n, 64)
        Pixels in [0, 1].
    labels : numpy.ndarray, shape (n,)
        Their digits.

    Raises
    ------
    SuiteError
        For any other source.
    """
    train_x, train_y, test_x, test_y = digits()
    if source == "digits":
        return train_x, train_y
    if source == "digits-test":
        return test_x, test_y
    raise SuiteError(f"labelled images come from 'digits' or 'digits-test', got {source!r}")


def _digits_images(source: str) -> np.ndarray:
    train_x, _, test_x, _ = digits()
    return test_x if source == "digits-test" else train_x
