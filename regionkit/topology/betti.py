"""Betti numbers of a network's decision sets, from the network and the domain: the
enumeration, the decision regions and their homology (regionkit.topology.homology) in one
call each."""
from __future__ import annotations

from regionkit.model.domains import Domain
from regionkit.model.network import Network
from regionkit.model.tolerance import Tolerance
from regionkit.regions.engine import Method
from regionkit.topology.decision import Side, check_side, decision_regions
from regionkit.topology.homology import Betti

__all__ = ["betti_numbers", "class_betti_numbers"]


def betti_numbers(net: Network, domain: Domain, level: float = 0.0, side: Side = "above",
                  output: int = 0, *, tol: Tolerance | float | None = None,
                  method: Method = "auto") -> Betti:
    """Exact Betti numbers of a decision set {F > level} or {F < level} in the open domain.

    Enumerates the pieces of the domain cut by the level set and computes the homology of
    their cell complex (see docs/betti.md); nothing is sampled.

    Parameters
    ----------
    net : Network
        The network; F is its output `output`.
    domain : Domain
        The open domain the set is intersected with.
    level : float, default 0.0
        The level.
    side : {"above", "below"}
        "above": {F_output > level}; "below": {F_output < level}.
    output : int, default 0
        Which output is F.
    tol : Tolerance, float or None
        Zero tolerance of the enumeration (see Tolerance.coerce).
    method : {"auto", "lp", "vertex"}
        Splitting geometry of the enumeration (see enumerate_regions).

    Returns
    -------
    Betti
        b_0..b_{d-1} with the Euler characteristic and the number of bounded components.

    Raises
    ------
    RegionkitError
        If `side`, `level` or the network is invalid, or the enumeration stops early.
    NetworkError
        If `output` is not an output index.
    TopologyError
        If the cells do not fit together into a complex (numerical degeneracy).

    Examples
    --------
    F = |x| + |y| on the open square: {F > 0.5} is a ring (one component, one hole).

    >>> import regionkit as rk
    >>> net = rk.Network.from_arrays([[[1, 0], [-1, 0], [0, 1], [0, -1]], [[1, 1, 1, 1]]],
    ...                              [[0, 0, 0, 0], [0]])
    >>> box = rk.Box(-1, 1, dim=2)
    >>> rk.betti_numbers(net, box, level=0.5).betti
    (1, 1)
    >>> rk.betti_numbers(net, box, level=0.5, side="below").betti
    (1, 0)
    """
    check_side(side)
    dr = decision_regions(net, domain, level, output, classes=False, tol=tol, method=method)
    return dr.betti_numbers(side)


def class_betti_numbers(net: Network, domain: Domain, *, tol: Tolerance | float | None = None,
                        method: Method = "auto") -> list[Betti]:
    """Exact Betti numbers of every class region {argmax F = c} in the open domain.

    A single-output net is a binary classifier: class 0 is {F < 0}, class 1 is {F > 0}.

    Parameters
    ----------
    net : Network
        The network.
    domain : Domain
        The open domain the class regions are intersected with.
    tol : Tolerance, float or None
        Zero tolerance of the enumeration (see Tolerance.coerce).
    method : {"auto", "lp", "vertex"}
        Splitting geometry of the enumeration (see enumerate_regions).

    Returns
    -------
    list of Betti
        One per class, in class order.

    Raises
    ------
    RegionkitError
        If the network is invalid or the enumeration stops early.
    TopologyError
        If the cells do not fit together into a complex (numerical degeneracy).

    Examples
    --------
    >>> import regionkit as rk
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1]], [[1, 0], [0, 1]]], [[0, 0], [0, 0]])
    >>> [b.betti for b in rk.class_betti_numbers(net, rk.Box(-1, 1, dim=2))]
    [(1, 0), (1, 0)]
    """
    level = 0.0 if isinstance(net, Network) and net.n_out == 1 else None
    dr = decision_regions(net, domain, level, classes=True, tol=tol, method=method)
    return dr.class_betti_numbers()
