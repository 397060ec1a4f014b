"""Which bounds apply to a network on a domain, and their values.

A bound is proven for one family of activations (ReLU, tables of any number of breakpoints,
maxout of one rank): the family is read from the splitting layers' shapes, never from names.
"""
from __future__ import annotations

import math

import numpy as np

from regionkit.bounds.arrangements import general_position_regions, zaslavsky
from regionkit.bounds.formulas import (
    arrangement_product,
    maxout_single_layer_upper,
    maxout_upper,
    montufar2017_upper,
    montufar_lower,
    one_dimensional_max,
    raghu_upper,
    serra_arora_lower,
    serra_lower,
    serra_upper,
    single_layer_upper,
    trivial_upper,
)
from regionkit.bounds.layers import SplittingLayer, splitting_layers
from regionkit.model.domains import Domain
from regionkit.model.network import Network

__all__ = ["CHECK_MAX_FLATS", "applicable_bounds"]

# check() adds the exact Zaslavsky count of a one-layer net only up to this many flats (the
# poset is built in pure Python).
CHECK_MAX_FLATS = 5000

# (name, kind, value, source) of one bound; kind: 'upper', 'exact', 'lower' or 'reference'.
Row = tuple[str, str, int, str]


def _relu_rows(n0: int, layers: list[SplittingLayer]) -> list[Row]:
    ws = [layer.units for layer in layers]
    ranks = [int(np.linalg.matrix_rank(layer.W)) for layer in layers]
    L, N = len(ws), sum(ws)
    serra, refined = serra_upper(n0, ws), serra_upper(n0, ws, ranks)
    rows = [("Serra Thm 1", "upper", serra, "Serra et al. 2018")]
    if refined < serra:
        rows.append(("Serra Thm 1, rank-refined", "upper", refined,
                     "Serra et al. 2018, rank remark"))
    rows.append(("Montufar 2017", "upper", montufar2017_upper(n0, ws), "Montufar 2017"))
    if n0 == 1:
        rows.append(("1-D max prod(n_l+1)", "upper", one_dimensional_max(ws),
                     "Serra et al. 2018, Thm 5"))
    rows.append(("Raghu product", "upper", raghu_upper(n0, ws), "Raghu et al. 2017, Thm 1"))
    rows.append(("2^N", "upper", trivial_upper(N), "trivial"))
    if L > 1:
        rows.append(("shallow sum C(N,j) (false for deep nets)", "reference",
                     single_layer_upper(n0, N), "Zaslavsky 1975; valid for one hidden layer only"))
    for name, value, src in (("Montufar 2014", montufar_lower(n0, ws), "Montufar et al. 2014"),
                             ("Serra Thm 6", serra_lower(n0, ws), "Serra et al. 2018")):
        if value is not None:
            rows.append((name, "lower", value, src))
    if L > 1 and ws[0] % 2 == 0 and len(set(ws[1:])) == 1 and ws[1] >= 2:
        rows.append(("Serra Thm 7 (Arora-type)", "lower",
                     serra_arora_lower(n0, ws[0] // 2, ws[1], L), "Serra et al. 2018"))
    return rows


def _breakpoint_rows(n0: int, layers: list[SplittingLayer]) -> list[Row]:
    """Hard tanh, leaky ReLU, other tables and mixed elementwise nets: Raghu's product and
    the number of activation patterns, the product over units of their pieces (2^N 3^M
    when every unit has one or two breakpoints)."""
    states = [layer.states_per_unit for layer in layers for _ in range(layer.units)]
    patterns = ("2^N 3^M (M hard tanh units)" if set(states) <= {2, 3}
                else "product of pieces per unit")
    return [("Raghu product (T n_l hyperplanes)", "upper",
             arrangement_product(n0, [layer.n_hyperplanes for layer in layers]),
             "Raghu et al. 2017"),
            (patterns, "upper", math.prod(states), "trivial")]


def _maxout_rows(n0: int, layers: list[SplittingLayer]) -> list[Row]:
    """Bounds for nets with maxout layers: Serra's Thm 8 and Montufar's one-layer bound when
    every splitting layer is maxout of one rank k; always the product over layers of the
    regions of an arrangement of their hyperplanes (a maxout unit's argmax cells are unions
    of the cells of its k(k-1)/2 piece differences, a hard tanh unit has 2, others 1)."""
    rows = [("product of layer arrangements", "upper",
             arrangement_product(n0, [layer.n_hyperplanes for layer in layers]),
             "Raghu et al. 2017, Thm 1 argument")]
    ranks = {layer.pieces for layer in layers}
    if all(layer.maxout for layer in layers) and len(ranks) == 1:
        k = ranks.pop()
        if k >= 2:
            units = [layer.units for layer in layers]
            rows.insert(0, ("Serra Thm 8 (maxout)", "upper", maxout_upper(n0, units, k),
                            "Serra et al. 2018"))
            if len(layers) == 1:
                rows.insert(1, ("Montufar 2014, one maxout layer", "upper",
                                maxout_single_layer_upper(n0, units[0], k),
                                "Montufar et al. 2014"))
    return rows


def applicable_bounds(network: Network, domain: Domain) -> list[Row]:
    """(name, kind, value, source) of every bound that applies to this network and domain.

    Bounds use n0 = the domain's dimension. ReLU nets get the ReLU bounds, nets with maxout
    layers the maxout bounds, other elementwise nets the breakpoint bounds; a net with one
    elementwise splitting layer also gets the exact Zaslavsky count on the domain (up to
    CHECK_MAX_FLATS flats).

    Parameters
    ----------
    network : Network
        The network; its splitting layers choose the bounds and give their arguments.
    domain : Domain
        Its domain, in the network's input space; n0 is its dimension.

    Returns
    -------
    list of (str, str, int, str)
        One (name, kind, value, source) per bound, kind 'upper', 'exact', 'lower' or
        'reference'; a network without a splitting layer gets the one exact row 1.
    """
    layers = splitting_layers(network, domain)
    if not layers:
        return [("affine network", "exact", 1, "no splitting layer")]
    n0 = domain.dim
    if any(layer.maxout for layer in layers):
        return _maxout_rows(n0, layers)
    if all(layer.is_relu for layer in layers):
        rows = _relu_rows(n0, layers)
    else:
        rows = _breakpoint_rows(n0, layers)
    if len(layers) == 1:
        W, b = layers[0].hyperplanes()
        if general_position_regions(len(W), n0) <= CHECK_MAX_FLATS:
            rows.insert(0, ("Zaslavsky on the domain", "exact",
                            zaslavsky(W, b, domain, exact=False).regions if len(W) else 1,
                            "Zaslavsky 1975, flats meeting the domain"))
    return rows
