"""The checks every enumerator makes of its arguments, in one place."""
from __future__ import annotations

from regionkit.errors import RegionkitError
from regionkit.model.domains import Domain
from regionkit.model.network import Network
from regionkit.model.tolerance import Tolerance

__all__ = ["checked_arguments"]


def checked_arguments(net: Network, domain: Domain, tol: Tolerance | float | None,
                      max_regions: int | None) -> Tolerance:
    """Refuse arguments no enumeration can take; returns the tolerance as a Tolerance.

    Parameters
    ----------
    net : Network
        The network.
    domain : Domain
        The domain, which must live in the network's input space.
    tol : Tolerance, float or None
        The tolerance (Tolerance.coerce).
    max_regions : int or None
        The region budget, at least 1.

    Returns
    -------
    Tolerance
        ``Tolerance.coerce(tol)``.

    Raises
    ------
    RegionkitError
        net or domain of the wrong type, or max_regions < 1.
    DomainError
        The domain does not live in the network's input space.
    """
    if not isinstance(net, Network):
        raise RegionkitError(f"net must be a regionkit.Network, got {type(net).__name__}")
    if not isinstance(domain, Domain):
        raise RegionkitError(f"domain must be a regionkit domain, got {type(domain).__name__}")
    domain.check_network(net.n_in)
    if max_regions is not None and max_regions < 1:
        raise RegionkitError("max_regions must be at least 1")
    return Tolerance.coerce(tol)
