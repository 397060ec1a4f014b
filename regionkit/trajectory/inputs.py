"""Validation of the networks, points and directions the trajectory functions take."""
from __future__ import annotations

from typing import Any

import numpy as np

from regionkit.errors import DomainError, RegionkitError
from regionkit.model.network import Network
from regionkit.model.tolerance import Tolerance

__all__ = ["check_independent", "check_net", "rows", "vector"]


def check_net(net: Network) -> None:
    """Check that net is a Network.

    Parameters
    ----------
    net : Network
        The argument to check.

    Raises
    ------
    RegionkitError
        Anything else.
    """
    if not isinstance(net, Network):
        raise RegionkitError(f"net must be a regionkit.Network, got {type(net).__name__}")


def vector(name: str, v: Any, n: int) -> np.ndarray:
    """A finite float vector of n entries.

    Parameters
    ----------
    name : str
        The argument's name, for the error message.
    v : array_like
        The argument.
    n : int
        The entries it must have.

    Returns
    -------
    numpy.ndarray
        v flattened to float64.

    Raises
    ------
    DomainError
        Not numeric, not n entries, or not finite.
    """
    try:
        a = np.array(v, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise DomainError(f"{name} must be numeric, got {v!r}") from None
    if a.shape[0] != n:
        raise DomainError(f"{name} has {a.shape[0]} entries but the network takes {n} inputs")
    if not np.all(np.isfinite(a)):
        raise DomainError(f"{name} contains NaN or infinite values")
    return a


def rows(name: str, v: Any, n: int) -> np.ndarray:
    """A finite float (k, n) array; a single vector is one row.

    Parameters
    ----------
    name : str
        The argument's name, for the error message.
    v : array_like
        The argument.
    n : int
        The columns it must have.

    Returns
    -------
    numpy.ndarray
        v as a (k, n) float64 array.

    Raises
    ------
    DomainError
        Not numeric, of another shape, or not finite.
    """
    try:
        a = np.array(v, dtype=np.float64)
    except (TypeError, ValueError):
        raise DomainError(f"{name} must be numeric") from None
    a = a.reshape(1, -1) if a.ndim == 1 else a
    if a.ndim != 2 or a.shape[1] != n:
        raise DomainError(f"{name} must have shape (k, {n}) for a network with {n} inputs, "
                          f"got {np.shape(v)}")
    if not np.all(np.isfinite(a)):
        raise DomainError(f"{name} contains NaN or infinite values")
    return a


def check_independent(x0: np.ndarray, x1: np.ndarray, tol: Tolerance) -> None:
    """Check that the vectors of every arc are linearly independent.

    An arc of dependent vectors is a segment traversed twice.

    Parameters
    ----------
    x0, x1 : numpy.ndarray
        (k, n) the arcs' vectors.
    tol : Tolerance
        Dependent means a singular value at most rtol times the larger one.

    Raises
    ------
    DomainError
        Naming the first arc whose vectors are dependent.
    """
    sv = np.linalg.svd(np.stack([x0, x1], axis=1), compute_uv=False)
    bad = np.flatnonzero(sv[:, 1] <= tol.rtol * sv[:, 0])
    if bad.size:
        raise DomainError(f"x0 and x1 of arc {int(bad[0])} are linearly dependent: the arc "
                          "degenerates to a segment (use segment or line)")
