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


def betti_numbers(net: Network, domain: Domain, level: float = 0.0, side: Side = "above",
                  output: int = 0, *, tol: Tolerance | float | None = None,
                  method: Method = "auto") -> Betti:
    """Betti numbers b_0..b_{d-1} of {F_output > level} (side="above") or {F_output < level}
    (side="below") within the open domain, exactly (see docs/betti.md), with its Euler
    characteristic and number of bounded components."""
    check_side(side)
    dr = decision_regions(net, domain, level, output, classes=False, tol=tol, method=method)
    return dr.betti_numbers(side)


def class_betti_numbers(net: Network, domain: Domain, *, tol: Tolerance | float | None = None,
                        method: Method = "auto") -> list[Betti]:
    """Betti numbers of every class region {argmax F = c} within the open domain; a
    single-output net is a binary classifier: class 0 is {F < 0}, class 1 is {F > 0}."""
    level = 0.0 if isinstance(net, Network) and net.n_out == 1 else None
    dr = decision_regions(net, domain, level, classes=True, tol=tol, method=method)
    return dr.class_betti_numbers()
