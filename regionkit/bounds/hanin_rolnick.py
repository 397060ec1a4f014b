"""Hanin & Rolnick 2019: expected region boundaries of random ReLU nets.

Theorem 3 gives the expected (d-k)-volume of the k-fold boundary of a random ReLU net as an
integral that regionkit estimates by Monte Carlo, so it can be set against exact counts;
Theorem 1 and Corollary 4 are closed-form curves and bounds on that expectation.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike

from regionkit.bounds.inputs import check_integer, check_widths
from regionkit.bounds.layers import require_relu_hidden
from regionkit.errors import BoundsInputError
from regionkit.model.domains import Domain
from regionkit.model.network import Network

__all__ = ["MonteCarloEstimate", "gaussian_c_bias", "gaussian_density", "hanin_rolnick_cor4_lower",
           "hanin_rolnick_cor4_upper", "hanin_rolnick_eta", "hanin_rolnick_regions_1d",
           "hanin_rolnick_volume"]


@dataclass(frozen=True)
class MonteCarloEstimate:
    """mean ± stderr over n_networks independent networks, n_points points each.

    Parameters
    ----------
    mean : float
        Mean of the per-network estimates.
    stderr : float
        Standard error of that mean: the per-network estimates' std (ddof=1) / √n_networks.
    n_networks : int
        Networks sampled.
    n_points : int
        Uniform points of the domain per network.
    """

    mean: float
    stderr: float
    n_networks: int
    n_points: int

    def __str__(self) -> str:
        return f"{self.mean:.6g} ± {self.stderr:.2g}"


def gaussian_density(std: float) -> Callable[[ArrayLike], np.ndarray]:
    """Density of N(0, std²), for hanin_rolnick_volume's bias_density.

    Parameters
    ----------
    std : float
        Standard deviation, > 0.

    Returns
    -------
    callable
        v -> density at v, elementwise on arrays.

    Raises
    ------
    BoundsInputError
        When std is not a positive finite number.

    Examples
    --------
    >>> import regionkit as rk
    >>> round(float(rk.bounds.gaussian_density(1.0)(0.0)), 4)
    0.3989
    """
    std = float(std)
    if not (math.isfinite(std) and std > 0):
        raise BoundsInputError(f"std must be positive, got {std}")
    return lambda v: np.exp(-0.5 * (np.asarray(v) / std) ** 2) / (std * math.sqrt(2 * math.pi))


def _pass(net: Network, X: np.ndarray, U: np.ndarray, zeroed: frozenset
          ) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Per hidden layer: bias-free pre-activations z(x), gradients dz/dt, open (active) masks.

    Units in `zeroed` ((layer, unit) pairs) sit exactly at their threshold: output 0, and
    treated as closed downstream, which is the state of the network on their boundary.
    """
    h, G = X, np.broadcast_to(U, (X.shape[0],) + U.shape)
    zs, grads, opens = [], [], []
    for li, (W, b) in enumerate(zip(net.weights[:-1], net.biases[:-1])):
        z = h @ W.T
        g = np.einsum("ij,pjd->pid", W, G)
        open_ = z + b > 0
        for layer, unit in zeroed:
            if layer == li:
                open_[:, unit] = False
        zs.append(z)
        grads.append(g)
        opens.append(open_)
        h = np.where(open_, z + b, 0.0)
        G = g * open_[:, :, None]
    return zs, grads, opens


def _good(net: Network, opens: list[np.ndarray]) -> list[np.ndarray]:
    """good[l][p, i]: a path of open neurons leads from unit i of layer l to the output."""
    # The linear outputs are always open.
    reach = np.ones((opens[-1].shape[0], net.weights[-1].shape[0]))
    good = []
    for W, open_ in zip(reversed(net.weights[1:]), reversed(opens)):
        g = reach @ (W != 0) > 0
        good.append(g)
        reach = (g & open_).astype(float)
    return good[::-1]


def _subset_integrand(net: Network, X: np.ndarray, U: np.ndarray, subset: tuple,
                      bias_density: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Y_{z_1..z_k}(x) = ||J|| Π ρ(b_z = -z(x)) 1{all good} with the k units at threshold."""
    zs, grads, opens = _pass(net, X, U, frozenset(subset))
    good = _good(net, opens)
    J = np.stack([grads[li][:, i, :] for li, i in subset], axis=1)
    norm = np.sqrt(np.clip(np.linalg.det(J @ np.swapaxes(J, 1, 2)), 0.0, None))
    dens = np.prod([bias_density(-zs[li][:, i]) for li, i in subset], axis=0)
    ok = np.all([good[li][:, i] for li, i in subset], axis=0)
    return norm * dens * ok


def hanin_rolnick_volume(sample_network: Callable[[np.random.Generator], Network],
                         bias_density: Callable[[np.ndarray], np.ndarray], domain: Domain,
                         k: int = 1, *, n_networks: int = 64, n_points: int = 256,
                         seed: int | np.random.Generator | None = 0) -> MonteCarloEstimate:
    """Monte Carlo estimate of E[vol_{d-k}(B_{N,k} ∩ K)] by Hanin & Rolnick 2019, Theorem 3.

    E = Σ_{distinct units z_1..z_k} ∫_K E[ ||J_{z_1..z_k}(x)|| ρ(b_{z_1}..b_{z_k} at the
    values putting the units at threshold) 1{each z_j good at x} ] dx, where J is the k x d
    Jacobian of the bias-free pre-activations and z is good when a path of open neurons
    leads from it to the output. Estimated as vol(K) times the mean over uniform points and
    sampled networks; the units z_j are put exactly at threshold (output 0) for the
    downstream pass, which is the network's state on their boundary. With regionkit's sign
    convention relu(W h + b), unit z is at threshold when b_z = -z(x). k = d gives the
    expected number of vertices, and for d = 1 the expected number of breakpoints of the
    linear regions (regions = breakpoints + 1 on an interval). Slices work in their own
    coordinates (lengths in t).

    Parameters
    ----------
    sample_network : callable
        rng -> one network with ReLU hidden layers and a linear output layer.
    bias_density : callable
        Density of every hidden bias (iid), evaluated elementwise on arrays.
    domain : Domain
        The set K.
    k : int, optional
        Codimension of the boundary, 1 <= k <= domain.dim.
    n_networks : int, optional
        Networks sampled, >= 2 (the standard error is over networks).
    n_points : int, optional
        Uniform points of K per network, >= 1.
    seed : int or Generator or None, optional
        Seed of the generator passed to sample_network and used for the points.

    Returns
    -------
    MonteCarloEstimate
        Mean and standard error of the volume.

    Raises
    ------
    BoundsInputError
        On bad k, n_networks, n_points, or a sampled network that is not ReLU with a linear
        output layer.

    Examples
    --------
    >>> import regionkit as rk
    >>> def sample(rng):
    ...     return rk.Network.from_arrays([rng.normal(size=(3, 1)), rng.normal(size=(1, 3))],
    ...                                   [rng.normal(size=3), [0.0]])
    >>> est = rk.bounds.hanin_rolnick_volume(sample, rk.bounds.gaussian_density(1.0),
    ...                                      rk.Box(-1, 1), n_networks=4, n_points=16)
    >>> est.n_networks, est.n_points, est.mean > 0
    (4, 16, True)
    """
    k = check_integer("k", k, 1)
    if k > domain.dim:
        raise BoundsInputError(f"k = {k} exceeds the domain dimension {domain.dim}")
    R = check_integer("n_networks", n_networks, 2)
    P = check_integer("n_points", n_points, 1)
    rng = np.random.default_rng(seed)
    U = np.asarray(domain.basis, float)
    per_net = np.empty(R)
    for r in range(R):
        net = sample_network(rng)
        require_relu_hidden(net, "Hanin & Rolnick's Theorem 3")
        domain.check_network(net.n_in)
        X = domain.to_input(domain.sample(P, rng))
        units = [(li, i) for li, W in enumerate(net.weights[:-1]) for i in range(W.shape[0])]
        total = sum(_subset_integrand(net, X, U, s, bias_density).mean()
                    for s in itertools.combinations(units, k))
        per_net[r] = domain.volume * total
    return MonteCarloEstimate(float(per_net.mean()), float(per_net.std(ddof=1) / math.sqrt(R)),
                              R, P)


def hanin_rolnick_regions_1d(n_neurons: int, length: float, breakpoints: int = 1,
                             constant: float = 1.0) -> float:
    """Theorem 1 (informal): E[#regions in I] ≈ constant · |I| · T · #neurons.

    A curve to plot measured counts against, not a bound. |I| is the length of an input
    interval (not a training-set size, as Hu et al.'s survey "Model complexity of deep
    learning" misreads it).

    Parameters
    ----------
    n_neurons : int
        Number of neurons, >= 0.
    length : float
        |I|, the length of the input interval.
    breakpoints : int, optional
        T, breakpoints of the activation (1 for ReLU, 2 for hard tanh).
    constant : float, optional
        Stands for the C_grad·C_bias product the informal statement hides.

    Returns
    -------
    float
        constant · length · breakpoints · n_neurons, the approximate expected region count.

    Raises
    ------
    BoundsInputError
        When n_neurons < 0, breakpoints < 1 or either is not an integer.

    Examples
    --------
    >>> import regionkit as rk
    >>> rk.bounds.hanin_rolnick_regions_1d(10, 0.5, breakpoints=2)
    10.0
    """
    n = check_integer("n_neurons", n_neurons, 0)
    T = check_integer("breakpoints", breakpoints, 1)
    return float(constant) * float(length) * T * n


def hanin_rolnick_cor4_upper(n_neurons: int, k: int, c_grad: float, c_bias: float) -> float:
    """Corollary 4, eq. (9): E[vol_{d-k}(B_{N,k} ∩ K)]/vol(K) <= C(N, k) (C_grad C_bias)^k.

    Parameters
    ----------
    n_neurons : int
        N, >= 0.
    k : int
        Codimension, >= 1.
    c_grad, c_bias : float
        The constants C_grad and C_bias of the theorem (see gaussian_c_bias).

    Returns
    -------
    float
        The upper bound on E[vol_{d-k}(B_{N,k} ∩ K)]/vol(K).

    Raises
    ------
    BoundsInputError
        When n_neurons < 0, k < 1 or either is not an integer.

    Examples
    --------
    >>> import regionkit as rk
    >>> rk.bounds.hanin_rolnick_cor4_upper(4, 2, 1.0, 2.0)
    24.0
    """
    n, k = check_integer("n_neurons", n_neurons, 0), check_integer("k", k, 1)
    return math.comb(n, k) * (float(c_grad) * float(c_bias)) ** k


def hanin_rolnick_cor4_lower(n_neurons: int, k: int, c_bias_min: float) -> float:
    """Corollary 4, eq. (10): C(N, k) c_bias^k <= E[vol_{d-k}(B_{N,k} ∩ K)]/vol(K).

    Parameters
    ----------
    n_neurons : int
        N, >= 0.
    k : int
        Codimension, >= 1.
    c_bias_min : float
        c_bias = inf_{|b| <= η} ρ_b(b) (see hanin_rolnick_eta).

    Returns
    -------
    float
        The lower bound on E[vol_{d-k}(B_{N,k} ∩ K)]/vol(K).

    Raises
    ------
    BoundsInputError
        When n_neurons < 0, k < 1 or either is not an integer.

    Examples
    --------
    >>> import regionkit as rk
    >>> rk.bounds.hanin_rolnick_cor4_lower(4, 1, 0.5)
    2.0
    """
    n, k = check_integer("n_neurons", n_neurons, 0), check_integer("k", k, 1)
    return math.comb(n, k) * float(c_bias_min) ** k


def hanin_rolnick_eta(sup_norm_sq: float, n_in: int, bias_vars: Sequence[float],
                      widths: Sequence[int], c_prime: float) -> float:
    """η = (sup_K ||x||²/n_in + Σ_j σ²_{b_j}) exp(C' Σ_j 1/n_j), as printed in Corollary 4.

    Dimensionally a square root of the bracket may be intended (Hanin & Rolnick 2019 is unclear);
    this is the printed formula.

    Parameters
    ----------
    sup_norm_sq : float
        sup_K ||x||².
    n_in : int
        Input dimension, >= 1.
    bias_vars : sequence of float
        Bias variance of every layer.
    widths : sequence of int
        Hidden widths n_1..n_L, each >= 1.
    c_prime : float
        The constant C'.

    Returns
    -------
    float
        η, the bias range over which Corollary 4's c_bias takes the infimum.

    Raises
    ------
    BoundsInputError
        On bad n_in or widths.

    Examples
    --------
    >>> import regionkit as rk
    >>> rk.bounds.hanin_rolnick_eta(4.0, 2, [0.5, 0.5], [10, 10], 0.0)
    3.0
    """
    n0, ws = check_integer("n_in", n_in, 1), check_widths(widths)
    return (float(sup_norm_sq) / n0 + float(sum(bias_vars))) * math.exp(
        float(c_prime) * sum(1.0 / n for n in ws))


def gaussian_c_bias(std: float) -> float:
    """C_bias = sup ρ = 1/(σ √(2π)) for N(0, σ²) biases (≈ 398.9 at H&R's σ² = 1e-6).

    Parameters
    ----------
    std : float
        σ, > 0.

    Returns
    -------
    float
        1/(σ √(2π)), the maximum of the N(0, σ²) density.

    Raises
    ------
    BoundsInputError
        When std is not a positive finite number.

    Examples
    --------
    >>> import regionkit as rk
    >>> round(rk.bounds.gaussian_c_bias(1e-3), 1)
    398.9
    """
    return float(gaussian_density(std)(0.0))
