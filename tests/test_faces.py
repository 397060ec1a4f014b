"""f-vectors and codimension strata against closed forms and the Euler characteristic."""
import math

import numpy as np
import pytest

import regionkit as rk
from regionkit.constructions import torch_default


def generic_faces(m: int, d: int, k: int) -> int:
    """k-faces of a generic arrangement of m hyperplanes in R^d: C(m, d-k) flats of
    dimension k, each cut by the other m-d+k hyperplanes into sum_{i<=k} C(m-d+k, i)."""
    return math.comb(m, d - k) * sum(math.comb(m - d + k, i) for i in range(k + 1))


@pytest.mark.parametrize("d,m,method", [(1, 5, "auto"), (2, 6, "auto"), (2, 6, "lp"),
                                        (3, 5, "auto"), (3, 5, "lp"), (4, 5, "auto")])
def test_generic_arrangement_f_vector(d, m, method):
    rng = np.random.default_rng(100 + 10 * d + m)
    W, b = rng.normal(size=(m, d)), 0.1 * rng.normal(size=m)
    net = rk.Network.from_arrays([W, np.ones((1, m))], [b, [0.0]])
    rs = rk.enumerate_regions(net, rk.Box(-1e3, 1e3, dim=d), method=method)  # every flat inside
    f = rs.face_counts()
    assert f.tolist() == [generic_faces(m, d, k) for k in range(d + 1)]
    strata = rs.codim_volumes()
    assert strata[d] == math.comb(m, d)           # vertices
    assert strata[0] == pytest.approx(2e3 ** d)   # the domain


@pytest.mark.parametrize("arch,method", [([2, 12, 12, 1], "auto"), ([3, 8, 8, 1], "auto"),
                                         ([3, 8, 8, 1], "lp"), ([4, 5, 5, 1], "auto"),
                                         ([2, 8, 8, 8, 1], "auto")])
def test_euler_characteristic_of_open_domain(arch, method):
    # Faces inside an open d-ball: sum_k (-1)^k f_k = (-1)^d (compactly supported Euler
    # characteristic), whatever the net; and the top count is the number of regions.
    net = torch_default(arch, seed=11)
    d = arch[0]
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=d), method=method)
    f = rs.face_counts()
    assert sum((-1) ** k * f[k] for k in range(d + 1)) == (-1) ** d
    assert f[d] == rs.n_regions
    strata = rs.codim_volumes()
    assert strata[0] == pytest.approx(2.0 ** d)
    assert strata[1] == pytest.approx(rs.boundary_volume(), rel=1e-9)


def test_hard_tanh_and_leaky_faces():
    for acts in (["hard_tanh", "hard_tanh", "identity"], ["leaky_relu:0.2", "relu", "identity"]):
        net = torch_default([2, 8, 8, 1], seed=4, activations=acts)
        net = rk.Network.from_arrays([3 * w for w in net.weights], list(net.biases), acts)
        rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
        f = rs.face_counts()
        assert f[0] - f[1] + f[2] == 1 and f[2] == rs.n_regions
