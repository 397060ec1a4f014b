"""method="exact" against brute force over sign patterns (tests/oracles.py), 1-D to 4-D,
every kind of activation, maxout included; and the thin regions a float engine may merge."""
import numpy as np
import pytest
from oracles import brute_force_regions

import regionkit as rk
from regionkit import Network


def gaussian_net(units, activations, seed=0):
    """N(0,1)/sqrt(fan_in) weights, N(0, 1/4) biases; `units` counts units (a maxout:k
    layer gets k rows per unit)."""
    rng = np.random.default_rng(seed)
    Ws, bs = [], []
    for i, o, act in zip(units[:-1], units[1:], activations):
        rows = o * (int(act.split(":")[1]) if act.startswith("maxout") else 1)
        Ws.append(rng.normal(size=(rows, i)) / np.sqrt(i))
        bs.append(0.5 * rng.normal(size=rows))
    return Network.from_arrays(Ws, bs, activations)



def patterns(rs):
    return {tuple(p) for p in rs.pattern_bits().tolist()}


CASES = [  # (arch, activations, dim, seed)
    ([1, 4, 3, 1], ["relu", "relu", "identity"], 1, 0),
    ([2, 4, 3, 1], ["hard_tanh", "leaky_relu:0.2", "identity"], 2, 1),
    ([2, 3, 1], ["maxout:2", "identity"], 2, 2),
    ([2, 3, 2, 1], ["relu", "maxout:3", "identity"], 2, 3),
    ([3, 4, 1], ["soft_shrink", "identity"], 3, 4),
    ([3, 3, 2, 1], ["relu", "relu", "identity"], 3, 5),
    ([4, 4, 1], ["relu", "identity"], 4, 6),
]


@pytest.mark.parametrize("arch,acts,dim,seed", CASES)
def test_exact_matches_brute_force(arch, acts, dim, seed):
    net = gaussian_net(arch, acts, seed=seed)
    dom = rk.Box(-1, 1, dim=dim)
    rs = rk.enumerate_regions(net, dom, method="exact")
    assert rs.complete and rs.kind == "nd"
    assert patterns(rs) == set(brute_force_regions(net, dom))
    # Interior points have their region's pattern; the certificate agrees.
    assert np.array_equal(rs.locate(rs.interior_points), np.arange(rs.n_regions))
    assert rs.certify().ok


def test_exact_on_a_slice():
    net = gaussian_net([3, 5, 1], ["relu", "identity"], seed=7)
    plane = rk.Plane([0.1, 0, 0], [1, 0, 0.5], [0, 1, -0.3])
    rs = rk.enumerate_regions(net, plane, method="exact")
    assert patterns(rs) == set(brute_force_regions(net, plane))


def test_exact_counts_the_thin_wedges():
    # Two nearly parallel lines crossing inside the box: 4 regions, two of them wedges
    # about 1e-8 thick, which a coarse tolerance merges.
    W = np.array([[1.00000001, -0.999999993], [1, -1]])
    net = rk.Network.from_arrays([W, np.ones((1, 2))], [[-0.5, -0.5], [0.0]])
    dom = rk.Box(-1, 1, dim=2)
    assert rk.enumerate_regions(net, dom, method="exact").n_regions == 4
    assert rk.enumerate_regions(net, dom, tol=1e-6).n_regions == 2


def test_exact_budget_and_errors():
    net = gaussian_net([2, 6, 1], ["relu", "identity"], seed=8)
    part = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2), method="exact", max_regions=3)
    assert part.n_regions == 3 and part.stop_reason == "max_regions" and not part.complete
    with pytest.raises(rk.RegionkitError, match="max_regions"):
        rk.enumerate_regions(net, rk.Box(-1, 1, dim=2), method="exact", max_regions=0)
    with pytest.raises(rk.DomainError):
        rk.enumerate_regions(net, rk.Box(-1, 1, dim=3), method="exact")


def test_exact_degenerate_units_and_tied_pieces():
    # Unit 1 of layer 2 is identically zero (bit off everywhere); the maxout unit has two
    # identical pieces (the lower one wins) and a third.
    net = Network.from_arrays([[[1, 0], [0, 1]], [[1, 1], [0, 0]], [[1, -1], [1, -1], [0.5, 1]],
                               [[1]]],
                              [[0.1, -0.2], [0.3, 0.0], [0.0, 0.0, 0.1], [0.0]],
                              ["relu", "relu", "maxout:3", "identity"])
    dom = rk.Box(-1, 1, dim=2)
    rs = rk.enumerate_regions(net, dom, method="exact")
    assert patterns(rs) == set(brute_force_regions(net, dom))
    cert = rk.enumerate_regions(net, dom).certify()
    assert cert.ok and 3 in cert.degenerate_units
