"""Data for suites: scikit-learn's 8x8 digits (the project's stand-in for MNIST) and noise.

The digits are scaled from 0..16 to [0, 1] and split once, by a fixed permutation, into
1500 training and 297 test images, so every process of a run sees the same split.
"""
from __future__ import annotations

import functools

import numpy as np

from regionkit.errors import SuiteError
from regionkit.optional import require

DIGITS_SPLIT_SEED = 0
DIGITS_TEST = 297
SOURCES = ("digits", "digits-test", "digits-gaussian", "normal", "uniform")


@functools.lru_cache(maxsize=1)
def digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(train images, train labels, test images, test labels); images (n, 64) in [0, 1]."""
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
    """n points of a data source as network inputs (n, n_in).

    "digits" / "digits-test": images drawn at random (without replacement while there are
    enough); "digits-gaussian": normal with the componentwise mean and variance of the
    training images (Hanin & Rolnick's section 3.2 points); "normal": standard normal;
    "uniform": uniform in [0, 1]^n_in.
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
    """(images, labels) of "digits" (training) or "digits-test"."""
    train_x, train_y, test_x, test_y = digits()
    if source == "digits":
        return train_x, train_y
    if source == "digits-test":
        return test_x, test_y
    raise SuiteError(f"labelled images come from 'digits' or 'digits-test', got {source!r}")


def _digits_images(source: str) -> np.ndarray:
    train_x, _, test_x, _ = digits()
    return test_x if source == "digits-test" else train_x
