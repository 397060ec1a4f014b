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


def _sign_vector_faces(rs):
    """The faces as the sign-vector path finds them (every face from every region, matched)."""
    from regionkit.measures.faces import Faces, face_listing, unique_rows

    fl = face_listing(rs)
    inside = ~fl.on_domain.any(axis=1)
    idx, _ = unique_rows(fl.positive[inside], fl.negative[inside])
    return Faces(fl.dim[inside][idx], fl.volume[inside][idx], fl.point[inside][idx])


def _by_point(faces, k):
    """Volumes and points of the k-faces, in the order of their (rounded) points."""
    sel = faces.dim == k
    pts, vol = faces.point[sel], faces.volume[sel]
    order = np.lexsort(np.round(pts, 9).T[::-1])
    return vol[order], pts[order]


@pytest.mark.parametrize("arch,acts,method", [
    ([2, 12, 12, 1], None, "auto"), ([3, 8, 8, 1], None, "auto"), ([3, 8, 8, 1], None, "lp"),
    ([4, 6, 6, 1], None, "auto"), ([5, 5, 5, 1], None, "auto"),
    ([2, 8, 8, 1], ["hard_tanh", "hard_tanh", "identity"], "auto"),
    ([3, 6, 6, 1], ["leaky_relu:0.2", "relu", "identity"], "auto")])
def test_owned_faces_match_sign_vector_matching(arch, acts, method):
    # Two independent ways to the distinct faces: each face from the one region that owns
    # it, against every face from every region matched by its sign vector.
    from regionkit.measures.faces import owned_faces

    net = torch_default(arch, seed=5, activations=acts)
    if acts is not None:  # steeper, so hard tanh saturates inside the box
        net = rk.Network.from_arrays([3 * w for w in net.weights], list(net.biases), acts)
    d = arch[0]
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=d), method=method)
    fast, slow = owned_faces(rs), _sign_vector_faces(rs)
    assert fast is not None
    assert fast.f_vector(d).tolist() == slow.f_vector(d).tolist()
    for k in range(d + 1):
        (fv, fp), (sv, sp) = _by_point(fast, k), _by_point(slow, k)
        np.testing.assert_allclose(fp, sp, atol=1e-9)
        np.testing.assert_allclose(fv, sv, rtol=1e-9, atol=1e-15)


def test_owned_faces_refuse_degenerate_complexes():
    # Three lines through one point, and a unit repeated: the owned-faces premise fails, and
    # the sign-vector path gives the closed forms.
    from regionkit.measures.faces import owned_faces

    W = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, -1.0]])
    net = rk.Network.from_arrays([W, np.ones((1, 3))], [np.zeros(3), [0.0]])
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    assert owned_faces(rs) is None
    assert rs.face_counts().tolist() == [1, 6, 6]
    W = np.array([[1.0, 0.3], [1.0, 0.3], [0.2, 1.0]])
    net = rk.Network.from_arrays([W, np.ones((1, 3))], [np.zeros(3), [0.0]])
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    assert owned_faces(rs) is None
    assert rs.face_counts().tolist() == [1, 4, 4]
