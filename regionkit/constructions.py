"""Networks with proven region counts, and the random initialisations of the source papers.

Each construction returns the network, the open domain on which its count is proven, and
the count, so an enumeration can be checked against it exactly. The recipes are in
docs/bounds.md and in each function's docstring.

Examples
--------
>>> import regionkit as rk
>>> c = rk.constructions.classic_arrangement("braid", 3)
>>> c.n_regions, rk.enumerate_regions(c.network, c.domain).n_regions
(6, 6)
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

import numpy as np

from regionkit.bounds import general_position_regions
from regionkit.bounds.inputs import check_integer, check_integers, check_widths
from regionkit.errors import BoundsInputError
from regionkit.model.domains import Box, Domain
from regionkit.model.network import Network

__all__ = ["CLASSIC", "Construction", "arrangement_network", "classic_arrangement",
           "classic_hyperplanes", "classic_region_count", "generic_arrangement",
           "generic_hyperplanes", "he_normal", "montufar_folding", "raghu_normal", "sawtooth",
           "serra_1d", "torch_default", "zigzag_tower"]


@dataclass(frozen=True)
class Construction:
    """A network whose number of activation regions on `domain` is proven to be n_regions.

    Parameters
    ----------
    network : Network
        The network.
    domain : Domain
        The open domain on which the count is proven.
    n_regions : int
        The proven number of activation regions on `domain`.
    description : str
        What the construction is, in words.
    n_linear_regions : int or None
        The proven number of linear regions (maximal connected pieces where the network is
        affine) when known, else None.
    """

    network: Network
    domain: Domain
    n_regions: int
    description: str
    n_linear_regions: int | None = None


def _chain(first: tuple[np.ndarray, np.ndarray], hidden: tuple[np.ndarray, np.ndarray],
           readout: np.ndarray, depth: int) -> Network:
    """A first layer, depth-1 copies of a hidden layer, and a linear readout with bias 0."""
    weights = [first[0]] + [hidden[0]] * (depth - 1) + [readout[None, :]]
    biases = [first[1]] + [hidden[1]] * (depth - 1) + [np.zeros(1)]
    return Network.from_arrays(weights, biases)


# --- 1-D compositions ------------------------------------------------------------------------

def zigzag_tower(w: int, k: int) -> Construction:
    """h_w composed k times on (0, 1): w^k regions, each composition one hidden layer of w.

    h_w(x) = w relu(x) + Σ_{i=1}^{w-1} (-1)^i 2w relu(x - i/w) maps every [i/w, (i+1)/w]
    onto [0, 1] (Montúfar et al. 2014 / Arora et al. 2018 style), so the pieces multiply.
    Layer l > 1 reads h_w of the previous layer; units relu(h) with h >= 0 touch zero at the
    valleys without splitting.

    Parameters
    ----------
    w : int
        Pieces of h_w (units per hidden layer), >= 2.
    k : int
        Compositions (hidden layers), >= 1.

    Returns
    -------
    Construction
        On Box(0, 1), with w^k activation and linear regions.

    Raises
    ------
    BoundsInputError
        w or k is not an integer or too small.
    """
    w, k = check_integer("w", w, 2), check_integer("k", k, 1)
    coef = np.array([w] + [(-1) ** i * 2 * w for i in range(1, w)], dtype=float)
    b = -np.arange(w) / w
    net = _chain((np.ones((w, 1)), b), (np.tile(coef, (w, 1)), b), coef, k)
    return Construction(net, Box(0.0, 1.0), w ** k,
                        f"zigzag tower: h_{w} composed {k} times on (0, 1)", w ** k)


def sawtooth(k: int, width: int = 2) -> Construction:
    """Telgarsky's sawtooth t^k on (0, 1), t(x) = 2 relu(x) - 4 relu(x - 1/2): 2^k regions.

    t^k has breakpoints at j/2^k and values alternating 0, 1 there. Each composition is one
    hidden layer: width 2 (units relu(x), relu(x - 1/2)), or width 3 adding 2 relu(x - 1),
    which vanishes on [0, 1] and splits nothing. (The map relu(x) - 2relu(x - 1/2) +
    relu(x - 1) that some texts use maps [0, 1] into [0, 1/2], where it is the identity: 2
    pieces for every k; see docs/bounds.md.)

    Parameters
    ----------
    k : int
        Compositions (hidden layers), >= 1.
    width : {2, 3}
        Units per hidden layer.

    Returns
    -------
    Construction
        On Box(0, 1), with 2^k activation and linear regions.

    Raises
    ------
    BoundsInputError
        k is not an integer >= 1, or width is not 2 or 3.

    Examples
    --------
    >>> import regionkit as rk
    >>> saw = rk.constructions.sawtooth(3)
    >>> saw.network.widths, saw.n_regions
    ([2, 2, 2, 1], 8)
    >>> rk.enumerate_regions(saw.network, saw.domain).n_regions
    8
    """
    k = check_integer("k", k, 1)
    if width == 2:
        tower = zigzag_tower(2, k)
        return Construction(tower.network, tower.domain, 2 ** k,
                            f"Telgarsky sawtooth t^{k} on (0, 1)", 2 ** k)
    if width != 3:
        raise BoundsInputError(f"sawtooth width must be 2 or 3, got {width!r}")
    coef = np.array([2.0, -4.0, 2.0])
    b = np.array([0.0, -0.5, -1.0])
    net = _chain((np.ones((3, 1)), b), (np.tile(coef, (3, 1)), b), coef, k)
    return Construction(net, Box(0.0, 1.0), 2 ** k,
                        f"Telgarsky sawtooth t^{k} on (0, 1), width-3 layers", 2 ** k)


def _serra_zigzag(n: int) -> tuple[list[Fraction], list[Fraction], list[bool], Fraction]:
    """n >= 3 units whose sum is an (n+1)-piece zigzag g: [0,1] -> [0,1], g(0) = 1.

    Pieces of lengths l_p and slopes s_p = (-1)^p / l_p each map onto [0, 1]. Unit i has
    breakpoint t_i = l_1 + ... + l_i and coefficient c_i = s_{i+1} - s_i; it is left-active,
    relu(t_i - x), for i in S and right-active, relu(x - t_i), otherwise. Without a linear
    term the slope before t_1 is -Σ_{i∈S} c_i, which must equal s_1: S = {n} with lengths
    (a, ..., a, 2a, 2a) for odd n, S = {n-1, n} with (2a, a, ..., a, 2a) for even n,
    a = 1/(n+3). Returns (t, c, left_active, offset K = 1 - Σ_{i∈S} c_i t_i).
    """
    a = Fraction(1, n + 3)
    if n % 2:
        lengths, left = [a] * (n - 1) + [2 * a, 2 * a], {n - 1}
    else:
        lengths, left = [2 * a] + [a] * (n - 1) + [2 * a], {n - 2, n - 1}
    slopes = [Fraction((-1) ** (p + 1)) / lp for p, lp in enumerate(lengths)]
    t = list(itertools.accumulate(lengths))[:-1]
    c = [slopes[i + 1] - slopes[i] for i in range(n)]
    K = 1 - sum(c[i] * t[i] for i in left)
    return t, c, [i in left for i in range(n)], K


def serra_1d(widths: Sequence[int]) -> Construction:
    """A 1-input ReLU net with Π_l (n_l + 1) regions on (0, 1): Serra et al.'s exact maximum.

    Serra et al. 2018 (Thm 5) prove Π (n_l + 1) is the maximum for n_0 = 1 and n_l >= 3;
    their weights are not in the retrieved text, so this uses its own recipe (see
    _serra_zigzag): every layer is an (n_l + 1)-piece zigzag mapping each piece onto
    [0, 1], so the pieces multiply. Two units cannot do it, hence n_l >= 3.

    Parameters
    ----------
    widths : sequence of int
        Hidden-layer widths n_1..n_L, each >= 3.

    Returns
    -------
    Construction
        On Box(0, 1), with Π_l (n_l + 1) activation and linear regions.

    Raises
    ------
    BoundsInputError
        widths is empty or has a width below 3.
    """
    ws = check_widths(widths, 3)
    weights, biases = [], []
    prev_c, prev_K = np.ones(1), 0.0  # the previous zigzag g = prev_c . h + prev_K; x itself
    for n in ws:
        t, c, left, K = _serra_zigzag(n)
        sign = np.array([-1.0 if lf else 1.0 for lf in left])
        tt = np.array([float(v) for v in t])
        weights.append(sign[:, None] * prev_c[None, :])
        biases.append(sign * (prev_K - tt))
        prev_c, prev_K = np.array([float(v) for v in c]), float(K)
    weights.append(prev_c[None, :])
    biases.append(np.array([prev_K]))
    count = math.prod(n + 1 for n in ws)
    return Construction(Network.from_arrays(weights, biases), Box(0.0, 1.0), count,
                        f"Serra 1-D maximum for widths {ws} on (0, 1)", count)


# --- arrangements ----------------------------------------------------------------------------

def generic_hyperplanes(m: int, d: int, radius: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """m hyperplanes a_i.y = c_i in general position, every flat meeting |y|_inf < radius.

    Normals on the moment curve a_i = (1, s_i, ..., s_i^{d-1}) and offsets c_i = λ s_i^d at
    distinct Chebyshev nodes s_i: every d normals and every d+1 augmented rows are
    Vandermonde, so the arrangement is generic. λ shrinks every vertex (or, when m < d, the
    nearest point of the intersection of all m) to within radius/2 of 0.

    Parameters
    ----------
    m : int
        Number of hyperplanes, >= 1.
    d : int
        Dimension, >= 1.
    radius : float, default 0.5
        Every flat of the arrangement meets the open cube of this half-width.

    Returns
    -------
    tuple of numpy.ndarray
        (A, c): the (m, d) normals and the (m,) offsets.

    Raises
    ------
    BoundsInputError
        m or d is not an integer >= 1.
    """
    m, d = check_integer("m", m, 1), check_integer("d", d, 1)
    s = np.cos(np.pi * (np.arange(m) + 0.5) / m)
    A = np.vander(s, d, increasing=True)
    r = s ** d
    size = min(m, d)
    far = max(np.max(np.abs(np.linalg.pinv(A[list(S)]) @ r[list(S)]))
              for S in itertools.combinations(range(m), size))
    lam = radius / (2 * far) if far > 0 else 1.0
    return A, lam * r


def arrangement_network(W: np.ndarray, b: np.ndarray, domain: Domain, n_regions: int,
                        description: str) -> Construction:
    """One hidden layer relu(W x + b) read out by Σ h_i: its regions are the arrangement's.

    With distinct hyperplanes and non-zero readout weights, crossing H_i changes the gradient
    by a_i, so linear and activation regions coincide.

    Parameters
    ----------
    W : array_like
        (m, d) normals of the hyperplanes W x + b = 0, distinct hyperplanes.
    b : array_like
        (m,) their offsets.
    domain : Domain
        The domain the count is for.
    n_regions : int
        The arrangement's number of regions on `domain` (the caller's proof).
    description : str
        What the arrangement is, in words.

    Returns
    -------
    Construction
        With n_linear_regions = n_regions.
    """
    W = np.asarray(W, float)
    net = Network.from_arrays([W, np.ones((1, W.shape[0]))], [np.asarray(b, float), np.zeros(1)])
    return Construction(net, domain, n_regions, description, n_regions)


def generic_arrangement(m: int, d: int) -> Construction:
    """m generic hyperplanes in R^d on the box (-1, 1)^d: Σ_{i<=d} C(m, i) regions.

    Every flat of the arrangement (``generic_hyperplanes``) meets (-1/2, 1/2)^d, so the box
    holds all the regions Zaslavsky's count gives for R^d.

    Parameters
    ----------
    m : int
        Number of hyperplanes, >= 1.
    d : int
        Dimension, >= 1.

    Returns
    -------
    Construction
        On Box(-1, 1, dim=d), activation and linear regions alike.

    Raises
    ------
    BoundsInputError
        m or d is not an integer >= 1.
    """
    A, c = generic_hyperplanes(m, d)
    count = general_position_regions(m, d)
    return arrangement_network(A, -c, Box(-1.0, 1.0, dim=d), count,
                               f"{m} generic hyperplanes in R^{d}")


CLASSIC = ("braid", "shi", "catalan", "linial", "threshold", "coordinate")
_DIFFERENCE_OFFSETS = {"braid": (0,), "shi": (0, 1), "catalan": (-1, 0, 1), "linial": (1,)}


def classic_hyperplanes(name: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(W, b) with integer entries of a classic arrangement in R^n, hyperplanes W x + b = 0.

    braid x_i - x_j = 0, Shi x_i - x_j ∈ {0, 1}, Catalan x_i - x_j ∈ {-1, 0, 1}, Linial
    x_i - x_j = 1, threshold x_i + x_j = 0 (all i < j), coordinate x_i = 0.

    Parameters
    ----------
    name : str
        One of CLASSIC.
    n : int
        Dimension: >= 2, or >= 1 for "coordinate".

    Returns
    -------
    tuple of numpy.ndarray
        (W, b): integer normals (one row per hyperplane) and offsets.

    Raises
    ------
    BoundsInputError
        An unknown name or a bad n.
    """
    if name not in CLASSIC:
        raise BoundsInputError(f"unknown arrangement {name!r}; known: {', '.join(CLASSIC)}")
    n = check_integer("n", n, 1 if name == "coordinate" else 2)
    if name == "coordinate":
        return np.eye(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    rows, offsets = [], []
    for i, j in itertools.combinations(range(n), 2):
        a = np.zeros(n, dtype=np.int64)
        a[i], a[j] = 1, (1 if name == "threshold" else -1)
        for c in (0,) if name == "threshold" else _DIFFERENCE_OFFSETS[name]:
            rows.append(a)
            offsets.append(-c)
    return np.array(rows), np.array(offsets, dtype=np.int64)


def _fubini(n: int) -> list[int]:
    """Ordered Bell numbers F_0..F_n (n! [x^n] 1/(2 - e^x))."""
    F = [1]
    for m in range(1, n + 1):
        F.append(sum(math.comb(m, k) * F[m - k] for k in range(1, m + 1)))
    return F


def classic_region_count(name: str, n: int) -> int:
    """Closed-form number of regions in R^n (Stanley's notes; Postnikov & Stanley 2000).

    braid n!, Shi (n+1)^{n-1}, Catalan n! C_n, Linial 2^{-n} Σ_k C(n,k)(k+1)^{n-1}
    (alternating trees), threshold = labelled threshold graphs (n! [x^n] e^x (1-x)/(2-e^x)),
    coordinate 2^n.

    Parameters
    ----------
    name : str
        One of CLASSIC.
    n : int
        Dimension, >= 1.

    Returns
    -------
    int
        The number of regions of the arrangement in R^n.

    Raises
    ------
    BoundsInputError
        An unknown name or n not an integer >= 1.
    """
    n = check_integer("n", n, 1)
    if name == "braid":
        return math.factorial(n)
    if name == "shi":
        return (n + 1) ** (n - 1)
    if name == "catalan":
        return math.factorial(n) * math.comb(2 * n, n) // (n + 1)
    if name == "linial":
        return sum(math.comb(n, k) * (k + 1) ** (n - 1) for k in range(n + 1)) // 2 ** n
    if name == "threshold":
        F = _fubini(n)
        return sum(math.comb(n, k) * (1 - k) * F[n - k] for k in range(n + 1))
    if name == "coordinate":
        return 2 ** n
    raise BoundsInputError(f"unknown arrangement {name!r}; known: {', '.join(CLASSIC)}")


def classic_arrangement(name: str, n: int) -> Construction:
    """A classic arrangement as a one-layer ReLU net, on a box meeting every flat.

    braid, Shi, Catalan and Linial are invariant under x -> x + (1, ..., 1), so they are
    essentialised by x_n := 0 (input dimension n - 1; the regions correspond one to one) on
    the box (-n, n)^{n-1}: every flat has a point with |x_i| <= n - 1, so the box count is
    the count in R^n. threshold and coordinate are central: box (-1, 1)^n.

    Parameters
    ----------
    name : str
        One of CLASSIC.
    n : int
        Dimension of the arrangement: >= 2, or >= 1 for "coordinate".

    Returns
    -------
    Construction
        Its regions' count from ``classic_region_count``, linear regions alike.

    Raises
    ------
    BoundsInputError
        An unknown name or a bad n.
    """
    W, b = classic_hyperplanes(name, n)
    count = classic_region_count(name, n)
    if name in _DIFFERENCE_OFFSETS:
        W, domain = W[:, :-1], Box(-float(n), float(n), dim=n - 1)
        what = f"{name} arrangement for n = {n}, essentialised (x_{n} = 0)"
    else:
        domain, what = Box(-1.0, 1.0, dim=n), f"{name} arrangement in R^{n}"
    return arrangement_network(W, b, domain, count, what)


# --- Montúfar et al. 2014 folding -----------------------------------------------------------

def _fold_layer(n0: int, width: int, p: int, scale: float) -> tuple[np.ndarray, np.ndarray,
                                                                      np.ndarray]:
    """Per coordinate u_r: p units relu(scale u_r), relu(2 scale u_r - (k-1)) for k = 2..p,
    and the fold matrix F with (F h)_r = h_1 - h_2 + h_3 - ...; spare units are dead."""
    W, b, F = np.zeros((width, n0)), np.full(width, -1.0), np.zeros((n0, width))
    for r in range(n0):
        for k in range(p):
            unit = r * p + k
            W[unit, r] = scale if k == 0 else 2 * scale
            b[unit] = -float(k)
            F[r, unit] = (-1.0) ** k
    return W, b, F


def montufar_folding(n_in: int, widths: Sequence[int]) -> Construction:
    """Montúfar et al. 2014's folding net, attaining their lower bound on its box exactly.

    Layers l < L fold each coordinate p_l = ⌊n_l/n_0⌋ times onto [0, 1/2] (layer 1 with
    scale 1 on x ∈ (0, p_1/2)^{n_0}, later layers with scale p_l on u ∈ [0, 1/2]); layer L is
    an arrangement of n_L generic hyperplanes with every flat in (0, 1/2)^{n_0}. So the box
    (0, p_1/2)^{n_0} (or (0, 1/2)^{n_0} when L = 1) has exactly
    Π_{l<L} p_l^{n_0} · Σ_{j<=n_0} C(n_L, j) activation regions. Mirrored cells share affine
    maps, so the number of linear regions is smaller and not claimed (None).

    Parameters
    ----------
    n_in : int
        Input dimension n_0, >= 1.
    widths : sequence of int
        Hidden-layer widths n_1..n_L; the folding layers need n_l >= n_in.

    Returns
    -------
    Construction
        On the box above; n_linear_regions is None.

    Raises
    ------
    BoundsInputError
        Bad n_in or widths, or a folding layer narrower than n_in.
    """
    n0, ws = check_integer("n_in", n_in, 1), check_widths(widths)
    if any(n < n0 for n in ws[:-1]):
        raise BoundsInputError(f"folding layers need n_l >= n_in = {n0}, got widths {ws}")
    weights, biases, F = [], [], np.eye(n0)
    ps = [n // n0 for n in ws[:-1]]
    for li, (n, p) in enumerate(zip(ws[:-1], ps)):
        W, b, F_next = _fold_layer(n0, n, p, 1.0 if li == 0 else float(p))
        weights.append(W @ F)
        biases.append(b)
        F = F_next
    A, c = generic_hyperplanes(ws[-1], n0, radius=0.25)
    weights += [A @ F, np.ones((1, ws[-1]))]
    biases += [-(c + A @ np.full(n0, 0.25)), np.zeros(1)]
    side = ps[0] / 2 if ps else 0.5
    count = math.prod(p ** n0 for p in ps) * general_position_regions(ws[-1], n0)
    return Construction(Network.from_arrays(weights, biases), Box(0.0, side, dim=n0), count,
                        f"Montufar folding, n_in = {n0}, widths {ws}")


# --- random initialisations ------------------------------------------------------------------

def raghu_normal(arch: Sequence[int], sigma_w2: float, sigma_b2: float,
                 seed: "int | np.random.Generator | None" = 0,
                 activations: Sequence[str] | None = None) -> Network:
    """Raghu et al. 2017's initialisation: weights N(0, σ_w²/fan_in), biases N(0, σ_b²).

    Parameters
    ----------
    arch : sequence of int
        Layer sizes [n_in, n_1, ..., n_out], each >= 1.
    sigma_w2, sigma_b2 : float
        σ_w² and σ_b², >= 0.
    seed : int, numpy.random.Generator or None
        A Generator is drawn from, so Monte Carlo loops can share one.
    activations : sequence of str or None
        Activation per layer (as ``Network.from_arrays``); by default ReLU with a linear
        output.

    Returns
    -------
    Network
        The random network.

    Raises
    ------
    BoundsInputError
        Fewer than two sizes, a size below 1, or a negative variance.

    Examples
    --------
    >>> import regionkit as rk
    >>> net = rk.constructions.raghu_normal([2, 8, 8, 1], 2.0, 0.0, seed=0)
    >>> net.widths, net.activation_names()
    ([8, 8, 1], ['relu', 'relu', 'identity'])
    """
    sizes = check_integers("arch", arch, 1)
    if len(sizes) < 2:
        raise BoundsInputError("arch must list the input size and at least one layer")
    if not (sigma_w2 >= 0 and sigma_b2 >= 0):
        raise BoundsInputError(f"variances must be >= 0, got {sigma_w2}, {sigma_b2}")
    rng = np.random.default_rng(seed)
    weights = [rng.normal(0.0, math.sqrt(sigma_w2 / fan_in), size=(fan_out, fan_in))
               for fan_in, fan_out in zip(sizes[:-1], sizes[1:])]
    biases = [rng.normal(0.0, math.sqrt(sigma_b2), size=n) for n in sizes[1:]]
    return Network.from_arrays(weights, biases, activations)


def he_normal(arch: Sequence[int], seed: "int | np.random.Generator | None" = 0,
              bias_var: float = 1e-6, activations: Sequence[str] | None = None) -> Network:
    """He normal weights (variance 2/fan_in) and N(0, bias_var) biases.

    Hanin & Rolnick's initialisation (bias variance 1e-6 "to prevent collapse of regions").

    Parameters
    ----------
    arch : sequence of int
        Layer sizes [n_in, n_1, ..., n_out], each >= 1.
    seed : int, numpy.random.Generator or None
        As for ``raghu_normal``.
    bias_var : float, default 1e-6
        Variance of the biases, >= 0.
    activations : sequence of str or None
        As for ``raghu_normal``.

    Returns
    -------
    Network
        The random network.

    Raises
    ------
    BoundsInputError
        As for ``raghu_normal``.
    """
    return raghu_normal(arch, 2.0, bias_var, seed, activations)


def torch_default(arch: Sequence[int], seed: int = 0,
                  activations: Sequence[str] | None = None) -> Network:
    """Weights and biases uniform in +-1/sqrt(fan_in), as PyTorch's nn.Linear does by default.

    Parameters
    ----------
    arch : sequence of int
        Layer sizes [n_in, n_1, ..., n_out].
    seed : int
        Seeds numpy's generator (not PyTorch's: the draws differ from torch's own).
    activations : sequence of str or None
        As for ``raghu_normal``.

    Returns
    -------
    Network
        The random network.
    """
    rng = np.random.default_rng(seed)
    weights, biases = [], []
    for fan_in, fan_out in zip(arch[:-1], arch[1:]):
        bound = 1.0 / np.sqrt(fan_in)
        weights.append(rng.uniform(-bound, bound, size=(fan_out, fan_in)))
        biases.append(rng.uniform(-bound, bound, size=fan_out))
    return Network.from_arrays(weights, biases, activations)
