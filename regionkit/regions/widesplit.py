"""Which layers the engine splits in two passes, so that no single split holds a million regions.

Splitting a region by a layer of n hyperplanes in d dimensions can make up to
sum_{i <= d} C(n, i) pieces (the count of n hyperplanes in general position), and one core
call holds all of them: 2.8 million for 256 units in 3-D, whatever `keep` asks for. Where
the frontier is still too small to go depth first (the engine's DFS_MIN_ROOTS) and that
bound, summed over the frontier, exceeds SPLIT_MIN_PIECES, the engine splits the frontier
by the layer's first units only (first_units says how many), and runs each piece depth
first, on every thread, through the rest of the layer and the layers after it.

The result is the one-pass result bit for bit: the splits emit their pieces in descending
lexicographic order of their bits (csrc/split.hpp, PieceOrder), which is the same in one pass
or two, and the first pass keeps the inequality rows the one-pass split would. Polygons and
the vertex form only: the LP form's Chebyshev centres depend on the pass.
"""
from __future__ import annotations

from math import comb

from regionkit.core.geometry import Geometry
from regionkit.model.activations import Maxout
from regionkit.model.network import Network

__all__ = ["ROOT_MAX_PIECES", "SPLIT_MAX_PIECES", "SPLIT_MIN_PIECES", "arrangement_bound",
           "first_units", "layer_units"]

# How big the first pass is, by the general-position bound of its pieces. It is one split
# of the frontier, on one thread, and each of its hyperplanes meets every piece made so far,
# so it should be small: at least SPLIT_MIN_PIECES (about 900 to 1 700 roots on the
# benchmark nets, enough to share among 16 threads), more only while each root would take
# more than ROOT_MAX_PIECES of the layer's pieces (a root that the rest of a wide layer cuts
# into hundreds of pieces splits slowly: every cut meets every piece), and never more than
# SPLIT_MAX_PIECES (a few MB of geometry). One thread, keep="count": 2-256^3 0.25 s and
# 3-64^3 0.29 s with a first pass of 2^15 against 0.18 and 0.26 s with 2^12; 3-256-16-1 and
# 2-2048-8-1 2.2 and 1.2 s with 2^15 against 4.3 and 1.6 s with 2^12.
SPLIT_MIN_PIECES = 1 << 12
SPLIT_MAX_PIECES = 1 << 15
ROOT_MAX_PIECES = 32


def arrangement_bound(hyperplanes: int, dim: int) -> int:
    """Regions of `hyperplanes` hyperplanes in general position in R^dim (Zaslavsky).

    The most regions any arrangement of that many hyperplanes makes.

    Parameters
    ----------
    hyperplanes : int
        How many hyperplanes.
    dim : int
        The dimension.

    Returns
    -------
    int
        sum_{i <= dim} C(hyperplanes, i).

    Examples
    --------
    >>> arrangement_bound(3, 2)
    7
    """
    return sum(comb(hyperplanes, i) for i in range(min(dim, hyperplanes) + 1))


def first_units(regions: int, units: int, per_unit: int, dim: int) -> int | None:
    """How many first units of a layer the first pass of a two-pass split cuts by.

    None when the whole layer's split of `regions` regions fits SPLIT_MIN_PIECES: then it
    is split in one pass. Otherwise the most units whose pieces fit SPLIT_MIN_PIECES, or
    more while the rest of the layer would cut each piece into over ROOT_MAX_PIECES, within
    SPLIT_MAX_PIECES (all by the general-position bound).

    Parameters
    ----------
    regions : int
        Regions of the frontier the layer splits.
    units : int
        The layer's units.
    per_unit : int
        Hyperplanes per unit (breakpoints of its activation).
    dim : int
        The input (slice) dimension.

    Returns
    -------
    int or None
        How many of the first units the first pass splits by (at least one).

    Examples
    --------
    >>> first_units(1, 64, 1, 2)  # 2081 regions at most: one pass
    >>> first_units(1, 256, 1, 2)  # 32 897 at most: 90 first (4 096), 8 a piece after
    90
    >>> first_units(1, 256, 1, 3)  # 2 796 417 at most: 58 first (32 509)
    58
    """
    if per_unit == 0:
        return None
    whole = regions * arrangement_bound(units * per_unit, dim)
    if whole <= SPLIT_MIN_PIECES:
        return None

    def pieces(k: int) -> int:
        return regions * arrangement_bound(k * per_unit, dim)

    k = 1
    while k + 1 < units and pieces(k + 1) <= SPLIT_MIN_PIECES:
        k += 1
    while k + 1 < units and whole > ROOT_MAX_PIECES * pieces(k) \
            and pieces(k + 1) <= SPLIT_MAX_PIECES:
        k += 1
    return k


def layer_units(net: Network, geometry: Geometry, li: int, regions: int, dim: int
                ) -> int | None:
    """The units of layer li the engine's first pass splits `regions` regions by, or None.

    Two passes need the depth-first phase from layer li on (every layer from li elementwise)
    and a geometry whose pieces are the same in one pass or two (polygons, vertex form);
    then first_units decides. The engine and the memory preflight both ask this.

    Parameters
    ----------
    net : Network
        The network.
    geometry : Geometry
        The run's geometry.
    li : int
        The layer (0-based).
    regions : int
        Regions of the frontier layer li splits.
    dim : int
        The input (slice) dimension.

    Returns
    -------
    int or None
        As first_units; None also where two passes do not apply.
    """
    if geometry not in (Geometry.POLYGONS, Geometry.VERTEX) or any(
            isinstance(a, Maxout) for a in net.activations[li:]):
        return None
    return first_units(max(1, regions), net.weights[li].shape[0],
                       net.activations[li].bits_per_unit, dim)
