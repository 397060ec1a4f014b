"""Closed-form bounds on the number of regions of ReLU, hard tanh and maxout networks.

Each function is one formula of a source paper, evaluated exactly in Python ints from the
architecture alone. Upper bounds bound activation regions, hence linear regions too; lower
bounds are lower bounds on the maximum over weights, so a given network may have fewer.
"""
from __future__ import annotations

import itertools
import math
from typing import Sequence

from regionkit.bounds.arrangements import binomial_sum
from regionkit.bounds.inputs import check_integer, check_integers, check_widths
from regionkit.errors import BoundsInputError

__all__ = ["arora_lower", "arrangement_product", "maxout_deep_lower", "maxout_single_layer_lower",
           "maxout_single_layer_upper", "maxout_upper", "montufar2017_upper", "montufar_lower",
           "one_dimensional_max", "raghu_upper", "serra_arora_lower", "serra_lower", "serra_upper",
           "single_layer_upper", "trivial_upper"]


def arrangement_product(n_in: int, hyperplanes: Sequence[int]) -> int:
    """Π_l Σ_{i <= n_in} C(m_l, i): every region cut again by each layer's m_l hyperplanes.

    The argument of Raghu et al. 2017, Thm 1, for layers of any piecewise-linear activation
    (inputs already checked).

    Parameters
    ----------
    n_in : int
        Input dimension n_0, >= 1.
    hyperplanes : sequence of int
        m_l, the hyperplanes of each splitting layer, >= 0.

    Returns
    -------
    int
        An upper bound on the number of activation regions.
    """
    return math.prod(binomial_sum(m, n_in) for m in hyperplanes)


def _dimension_caps(n0: int, ws: list[int]) -> list[int]:
    """d_l = min(n_0, n_1, ..., n_l) for every hidden layer l."""
    return list(itertools.accumulate([n0] + ws, min))[1:]


# --- ReLU (and one- or two-breakpoint activations) ---------------------------------------

def trivial_upper(n_units: int, n_hard_tanh_units: int = 0) -> int:
    """2^N (one on/off bit per ReLU unit) times 3^M (three states per hard tanh unit).

    Parameters
    ----------
    n_units : int
        N, the number of ReLU (or leaky ReLU) units, >= 0.
    n_hard_tanh_units : int, optional
        M, the number of hard tanh units, >= 0.

    Returns
    -------
    int
        2^N 3^M, the number of activation patterns: an upper bound on the regions.

    Raises
    ------
    BoundsInputError
        When a count is negative or not an integer.

    Examples
    --------
    >>> import regionkit as rk
    >>> rk.bounds.trivial_upper(3, 1)
    24
    """
    return 2 ** check_integer("n_units", n_units, 0) * 3 ** check_integer(
        "n_hard_tanh_units", n_hard_tanh_units, 0)


def single_layer_upper(n_in: int, n_units: int) -> int:
    """Σ_{j=0}^{n_in} C(N, j): the exact maximum for ONE hidden layer of N units (Zaslavsky).

    The tutorial "Neural Network Expressivity" states it as a "global upper bound" for N
    neurons in any depth: that is FALSE for deep nets (the Telgarsky sawtooth has 2^k
    regions from 2k units in 1-D, above 2k + 1). Use it only for one hidden layer, or as the
    "shallow net with the same N" reference.

    Parameters
    ----------
    n_in : int
        Input dimension n_0, >= 1.
    n_units : int
        N, the number of hidden units, >= 0.

    Returns
    -------
    int
        The most regions one hidden layer of N units can cut R^{n_in} into.

    Raises
    ------
    BoundsInputError
        When n_in < 1, n_units < 0 or either is not an integer.

    Examples
    --------
    >>> import regionkit as rk
    >>> rk.bounds.single_layer_upper(2, 6)
    22
    """
    return binomial_sum(check_integer("n_units", n_units, 0), check_integer("n_in", n_in, 1))


def serra_upper(n_in: int, widths: Sequence[int], ranks: Sequence[int] | None = None) -> int:
    """Serra, Tjandraatmadja & Ramalingam 2018, Theorem 1 (L = number of hidden layers).

    Σ_{(j_1..j_L) ∈ J} Π_l C(n_l, j_l), J = {0 <= j_l <= min(n_0, n_1-j_1, ..., n_{l-1}-j_{l-1},
    n_l)}, evaluated without enumerating J by the dynamic program over the dimension cap c:
    f(L+1, c) = 1, f(l, c) = Σ_{j <= min(c, n_l)} C(n_l, j) f(l+1, min(c, n_l - j)).

    Parameters
    ----------
    n_in : int
        Input dimension n_0 (or a slice's dimension), >= 1.
    widths : sequence of int
        Hidden widths n_1..n_L, each >= 1.
    ranks : sequence of int, optional
        rank(W_l) per hidden layer (see layer_ranks): the rank-refined variant as Serra
        state it, j_l also capped by rank(W_l) (the dimension passed on is still
        min(c, n_l - j_l)).

    Returns
    -------
    int
        An upper bound on the number of activation regions.

    Raises
    ------
    BoundsInputError
        On bad integers, no hidden layer, or ranks of another length or above a width.

    Examples
    --------
    >>> import regionkit as rk
    >>> rk.bounds.serra_upper(2, [3, 3])
    40
    >>> rk.bounds.serra_upper(2, [4, 4], ranks=[1, 4])
    55
    """
    n0, ws = check_integer("n_in", n_in, 1), check_widths(widths)
    caps = ws if ranks is None else _ranks(ranks, ws)
    top = max(ws)
    f = [1] * (top + 1)  # f[c] for the layers after the current one
    for n, cap in zip(reversed(ws), reversed(caps)):
        f = _serra_layer(f, n, cap, top)
    return f[min(n0, top)]


def _serra_layer(g: list[int], n: int, cap: int, top: int) -> list[int]:
    """f[c] = Σ_{j <= min(c, cap)} C(n, j) g[min(c, n - j)] for c = 0..top, in O(top + n).

    Terms with j <= n - c all use g[c]; the others use g[n - j]: two prefix sums.
    """
    comb = [math.comb(n, j) for j in range(cap + 1)]
    S = list(itertools.accumulate(comb))
    P = [0, *itertools.accumulate(comb[j] * g[n - j] for j in range(cap + 1))]
    f = []
    for c in range(top + 1):
        hi = min(c, cap)
        split = min(hi, n - c)  # the last j with n - j >= c (negative when c > n)
        first = g[c] * S[split] if split >= 0 else 0
        f.append(first + P[hi + 1] - P[max(split, -1) + 1])
    return f


def _ranks(ranks: Sequence[int], widths: list[int]) -> list[int]:
    out = check_integers("ranks", ranks, 0)
    if len(out) != len(widths):
        raise BoundsInputError(f"ranks must give one rank per hidden layer ({len(widths)})")
    bad = [i for i, (r, n) in enumerate(zip(out, widths)) if r > n]
    if bad:
        raise BoundsInputError(f"ranks[{bad[0]}] = {out[bad[0]]} exceeds the layer width")
    return out


def montufar2017_upper(n_in: int, widths: Sequence[int]) -> int:
    """Montúfar 2017: Π_l Σ_{j <= d_l} C(n_l, j), d_l = min(n_0, n_1, ..., n_l).

    Parameters
    ----------
    n_in : int
        Input dimension n_0, >= 1.
    widths : sequence of int
        Hidden widths n_1..n_L, each >= 1.

    Returns
    -------
    int
        An upper bound on the number of activation regions.

    Raises
    ------
    BoundsInputError
        On bad integers or no hidden layer.

    Examples
    --------
    >>> import regionkit as rk
    >>> rk.bounds.montufar2017_upper(2, [3, 3])
    49
    """
    n0, ws = check_integer("n_in", n_in, 1), check_widths(widths)
    return math.prod(binomial_sum(n, d) for n, d in zip(ws, _dimension_caps(n0, ws)))


def raghu_upper(n_in: int, widths: Sequence[int], hard_tanh: bool = False) -> int:
    """Raghu et al. 2017, Thm 1 made explicit: Π_l Σ_{i <= n_0} C(T n_l, i) activation patterns.

    The proof cuts every region by a fresh arrangement of the layer's T n_l hyperplanes
    (T = 1 for ReLU or leaky ReLU, T = 2 for hard tanh: w.x + b = ±1); equal widths k and
    depth n give (Σ_{i<=m} C(k, i))^n. Valid for any one- or two-breakpoint activation.

    Parameters
    ----------
    n_in : int
        Input dimension n_0, >= 1.
    widths : sequence of int
        Hidden widths n_1..n_L, each >= 1.
    hard_tanh : bool, optional
        T = 2 hyperplanes per unit instead of 1.

    Returns
    -------
    int
        An upper bound on the number of activation regions.

    Raises
    ------
    BoundsInputError
        On bad integers or no hidden layer.

    Examples
    --------
    >>> import regionkit as rk
    >>> rk.bounds.raghu_upper(2, [3, 3])
    49
    >>> rk.bounds.raghu_upper(2, [3, 3], hard_tanh=True)
    484
    """
    n0, ws = check_integer("n_in", n_in, 1), check_widths(widths)
    t = 2 if hard_tanh else 1
    return arrangement_product(n0, [t * n for n in ws])


def montufar_lower(n_in: int, widths: Sequence[int]) -> int | None:
    """Montúfar et al. 2014: (Π_{l<L} ⌊n_l/n_0⌋^{n_0}) Σ_{j<=n_0} C(n_L, j) regions exist.

    A lower bound on the maximum over weights.

    Parameters
    ----------
    n_in : int
        Input dimension n_0, >= 1.
    widths : sequence of int
        Hidden widths n_1..n_L, each >= 1.

    Returns
    -------
    int or None
        A number of regions that some choice of weights reaches; None when its
        hypothesis n_l >= n_0 fails.

    Raises
    ------
    BoundsInputError
        On bad integers or no hidden layer.

    Examples
    --------
    >>> import regionkit as rk
    >>> rk.bounds.montufar_lower(2, [4, 4])
    44
    """
    n0, ws = check_integer("n_in", n_in, 1), check_widths(widths)
    if min(ws) < n0:
        return None
    return math.prod((n // n0) ** n0 for n in ws[:-1]) * binomial_sum(ws[-1], n0)


def serra_lower(n_in: int, widths: Sequence[int]) -> int | None:
    """Serra et al. 2018, Thm 6: (Π_{l<L} (⌊n_l/n_0⌋ + 1)^{n_0}) Σ_{j<=n_0} C(n_L, j).

    A lower bound on the maximum over weights.

    Parameters
    ----------
    n_in : int
        Input dimension n_0, >= 1.
    widths : sequence of int
        Hidden widths n_1..n_L, each >= 1.

    Returns
    -------
    int or None
        A number of regions that some choice of weights reaches; None when its
        hypothesis n_l >= 3 n_0 fails.

    Raises
    ------
    BoundsInputError
        On bad integers or no hidden layer.

    Examples
    --------
    >>> import regionkit as rk
    >>> rk.bounds.serra_lower(2, [6, 6])
    352
    """
    n0, ws = check_integer("n_in", n_in, 1), check_widths(widths)
    if min(ws) < 3 * n0:
        return None
    return math.prod((n // n0 + 1) ** n0 for n in ws[:-1]) * binomial_sum(ws[-1], n0)


def one_dimensional_max(widths: Sequence[int]) -> int:
    """Π_l (n_l + 1): an upper bound on the regions of a ReLU net with a 1-D input.

    Montúfar 2017's bound with d_l = 1; the exact maximum when every n_l >= 3 (Serra et al.
    2018, Thm 5; see constructions.serra_1d).

    Parameters
    ----------
    widths : sequence of int
        Hidden widths n_1..n_L, each >= 1.

    Returns
    -------
    int
        The bound; the exact maximum over weights when every n_l >= 3.

    Raises
    ------
    BoundsInputError
        On bad integers or no hidden layer.

    Examples
    --------
    >>> import regionkit as rk
    >>> rk.bounds.one_dimensional_max([3, 4])
    20
    """
    return math.prod(n + 1 for n in check_widths(widths))


def _arora_count(n_in: int, m: int, w: int, n_layers: int, base_plus: int) -> int:
    n0 = check_integer("n_in", n_in, 1)
    m, w = check_integer("m", m, 1), check_integer("w", w, 2)
    L = check_integer("n_layers", n_layers, 1)
    return 2 * binomial_sum(m - 1, n0 - 1) * (w + base_plus) ** (L - 1)


def arora_lower(n_in: int, m: int, w: int, n_layers: int) -> int:
    """Arora et al. 2018, Thm 2.11(i): 2 Σ_{j<n_0} C(m-1, j) w^{L-1} regions exist.

    Architecture: a first layer of 2m units (a zonotope) and L-1 layers of w units.

    Parameters
    ----------
    n_in : int
        Input dimension n_0, >= 1.
    m : int
        Half the first layer's width, >= 1.
    w : int
        Width of the later layers, >= 2.
    n_layers : int
        L, the number of hidden layers, >= 1.

    Returns
    -------
    int
        A number of regions that some choice of weights reaches.

    Raises
    ------
    BoundsInputError
        When an argument is below its minimum or not an integer.

    Examples
    --------
    >>> import regionkit as rk
    >>> rk.bounds.arora_lower(2, 4, 3, 3)
    72
    """
    return _arora_count(n_in, m, w, n_layers, 0)


def serra_arora_lower(n_in: int, m: int, w: int, n_layers: int) -> int:
    """Serra et al. 2018, Thm 7: 2 Σ_{j<n_0} C(m-1, j) (w+1)^{L-1} regions exist.

    Arora's construction improved, same architecture (2m units, then L-1 layers of w units).

    Parameters
    ----------
    n_in : int
        Input dimension n_0, >= 1.
    m : int
        Half the first layer's width, >= 1.
    w : int
        Width of the later layers, >= 2.
    n_layers : int
        L, the number of hidden layers, >= 1.

    Returns
    -------
    int
        A number of regions that some choice of weights reaches.

    Raises
    ------
    BoundsInputError
        When an argument is below its minimum or not an integer.

    Examples
    --------
    >>> import regionkit as rk
    >>> rk.bounds.serra_arora_lower(2, 4, 3, 3)
    128
    """
    return _arora_count(n_in, m, w, n_layers, 1)


# --- maxout ------------------------------------------------------------------------------

def maxout_upper(n_in: int, widths: Sequence[int], k: int) -> int:
    """Serra et al. 2018, Thm 8: Π_l Σ_{j <= d_l} C(k(k-1)/2 · n_l, j) for rank-k maxout.

    L layers of n_l rank-k maxout units, d_l = min(n_0, ..., n_l). Equals montufar2017_upper
    for k = 2.

    Parameters
    ----------
    n_in : int
        Input dimension n_0, >= 1.
    widths : sequence of int
        Maxout units per layer n_1..n_L, each >= 1.
    k : int
        Pieces per unit, >= 2.

    Returns
    -------
    int
        An upper bound on the number of activation regions.

    Raises
    ------
    BoundsInputError
        On bad integers, no hidden layer or k < 2.

    Examples
    --------
    >>> import regionkit as rk
    >>> rk.bounds.maxout_upper(2, [3, 3], 3)
    2116
    """
    n0, ws, k = check_integer("n_in", n_in, 1), check_widths(widths), check_integer("k", k, 2)
    pairs = k * (k - 1) // 2
    return math.prod(binomial_sum(pairs * n, d) for n, d in zip(ws, _dimension_caps(n0, ws)))


def maxout_single_layer_upper(n_in: int, n_units: int, k: int) -> int:
    """Montúfar et al. 2014: min{Σ_{j=0}^{n_0} C(k² m, j), k^m} for m rank-k maxout units.

    One layer of m maxout units of rank k. Hu et al.'s survey starts the sum at j = 1; j = 0 is
    correct (and the larger bound).

    Parameters
    ----------
    n_in : int
        Input dimension n_0, >= 1.
    n_units : int
        m, the number of maxout units, >= 1.
    k : int
        Pieces per unit, >= 2.

    Returns
    -------
    int
        An upper bound on the number of activation regions.

    Raises
    ------
    BoundsInputError
        When an argument is below its minimum or not an integer.

    Examples
    --------
    >>> import regionkit as rk
    >>> rk.bounds.maxout_single_layer_upper(1, 10, 2)
    41
    """
    n0, m = check_integer("n_in", n_in, 1), check_integer("n_units", n_units, 1)
    k = check_integer("k", k, 2)
    return min(binomial_sum(k * k * m, n0), k ** m)


def maxout_single_layer_lower(n_in: int, n_units: int, k: int) -> int:
    """Montúfar et al. 2014: one layer of m rank-k maxout units reaches k^{min(n_0, m)}.

    Parameters
    ----------
    n_in : int
        Input dimension n_0, >= 1.
    n_units : int
        m, the number of maxout units, >= 1.
    k : int
        Pieces per unit, >= 2.

    Returns
    -------
    int
        A number of regions that some choice of weights reaches.

    Raises
    ------
    BoundsInputError
        When an argument is below its minimum or not an integer.

    Examples
    --------
    >>> import regionkit as rk
    >>> rk.bounds.maxout_single_layer_lower(2, 5, 3)
    9
    """
    n0, m = check_integer("n_in", n_in, 1), check_integer("n_units", n_units, 1)
    return check_integer("k", k, 2) ** min(n0, m)


def maxout_deep_lower(n_in: int, n_layers: int, k: int) -> int:
    """Montúfar et al. 2014, Thm 8: L layers of width n_0 and rank k reach k^{L-1} k^{n_0}.

    Parameters
    ----------
    n_in : int
        Input dimension n_0 (also the width of every layer), >= 1.
    n_layers : int
        L, the number of maxout layers, >= 1.
    k : int
        Pieces per unit, >= 2.

    Returns
    -------
    int
        A number of regions that some choice of weights reaches.

    Raises
    ------
    BoundsInputError
        When an argument is below its minimum or not an integer.

    Examples
    --------
    >>> import regionkit as rk
    >>> rk.bounds.maxout_deep_lower(2, 3, 3)
    81
    """
    n0, L = check_integer("n_in", n_in, 1), check_integer("n_layers", n_layers, 1)
    return check_integer("k", k, 2) ** (L - 1 + n0)
