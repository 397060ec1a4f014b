"""certify(): passes on ordinary enumerations, fails with the right reason on corrupted ones,
and reports near-degenerate regions; the float filter and the exact path agree."""
import dataclasses
import warnings

import numpy as np
import pytest

import regionkit as rk
from regionkit import Network
from regionkit.regions.certify import certify


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



def small(arch, acts, dim, seed=0, method="auto"):
    return rk.enumerate_regions(gaussian_net(arch, acts, seed=seed), rk.Box(-1, 1, dim=dim),
                                method=method)


NETS = [
    ([1, 6, 6, 1], ["relu", "hard_tanh", "identity"], 1, "auto"),
    ([2, 8, 8, 1], ["relu", "relu", "identity"], 2, "auto"),
    ([2, 8, 8, 1], ["relu", "relu", "identity"], 2, "lp"),
    ([2, 3, 1], ["maxout:3", "identity"], 2, "auto"),
    ([3, 6, 5, 1], ["leaky_relu:0.1", "relu", "identity"], 3, "auto"),
    ([4, 6, 4, 1], ["relu", "relu", "identity"], 4, "auto"),
]


@pytest.mark.parametrize("arch,acts,dim,method", NETS)
def test_certify_passes_on_ordinary_nets(arch, acts, dim, method):
    rs = small(arch, acts, dim, method=method)
    cert = rs.certify()
    assert cert.ok and not cert.failures and cert.n_regions == rs.n_regions
    assert cert.n_facets >= 2 * rs.n_regions
    if method == "auto":  # vertex hints: the float filter settles every region
        assert cert.n_exact == 0


@pytest.mark.parametrize("arch,acts,dim", [
    ([2, 6, 5, 1], ["relu", "relu", "identity"], 2),
    ([2, 3, 3, 1], ["maxout:2", "hard_tanh", "identity"], 2),
    ([3, 5, 4, 1], ["absolute", "relu", "identity"], 3),
    ([4, 5, 1], ["relu6", "identity"], 4),
])
def test_float_filter_and_exact_path_agree(arch, acts, dim):
    rs = small(arch, acts, dim, seed=3)
    fast, slow = rs.certify(), rs.certify(exact=True)
    assert fast.ok and slow.ok and slow.n_exact == rs.n_regions
    assert fast.n_facets == slow.n_facets


def drop(rs, keep):
    """A RegionSet with only the regions `keep` (CSR columns sliced)."""
    o = rs.ineq_offsets
    rows = np.concatenate([np.arange(o[r], o[r + 1]) for r in keep])
    vo = rs.vertex_offsets
    verts = np.concatenate([np.arange(vo[r], vo[r + 1]) for r in keep])
    return dataclasses.replace(
        rs, patterns=rs.patterns[keep], ineq_offsets=np.r_[0, np.cumsum(np.diff(o)[keep])],
        ineq_A=rs.ineq_A[rows], ineq_b=rs.ineq_b[rows], ineq_labels=rs.ineq_labels[rows],
        vertex_offsets=np.r_[0, np.cumsum(np.diff(vo)[keep])], vertices=rs.vertices[verts],
        incidence_offsets=None, incidence=None, output_M=rs.output_M[keep],
        output_m=rs.output_m[keep], depth=rs.depth[keep], _centres=None, _radii=None,
        _index=None)


@pytest.mark.parametrize("exact,dim", [(False, 2), (True, 2), (False, 3)])
def test_a_deleted_region_is_missing(exact, dim):
    rs = small([dim, 5, 4, 1], ["relu", "relu", "identity"], dim, seed=1)
    gone = 3
    cut = drop(rs, [r for r in range(rs.n_regions) if r != gone])
    cert = certify(cut, exact=exact)
    assert not cert.ok and cert.count("missing") == 1 and cert.count("not_genuine") == 0
    miss = cert.failures[0]
    assert miss.pattern == rs.patterns[gone].tobytes().hex()
    assert rs.locate([miss.point])[0] == gone  # the point given lies in the missing region
    assert "method='exact'" in cert.advice


def test_a_duplicated_region_is_doubled():
    rs = small([2, 5, 4, 1], ["relu", "relu", "identity"], 2, seed=1)
    cert = certify(drop(rs, list(range(rs.n_regions)) + [2]))
    assert not cert.ok and cert.count("doubled") == 1 and cert.count("missing") == 0
    assert cert.failures[0].region == rs.n_regions


def test_a_flipped_pattern_is_not_genuine_and_leaves_its_region_missing():
    rs = small([2, 5, 4, 1], ["relu", "relu", "identity"], 2, seed=1)
    bits = rs.pattern_bits()
    listed = {tuple(b) for b in bits.tolist()}
    # The first region and bit whose flip gives a pattern not listed.
    r, h = next((r, h) for r in range(rs.n_regions) for h in range(bits.shape[1])
                if tuple(np.logical_xor(bits[r], np.arange(bits.shape[1]) == h)) not in listed)
    bits[r, h] = not bits[r, h]
    flipped = dataclasses.replace(
        rs, patterns=np.packbits(bits, axis=1, bitorder="little"), _index=None)
    cert = certify(flipped)
    kinds = {(f.kind, f.region) for f in cert.failures}
    assert ("not_genuine", r) in kinds
    assert cert.count("missing") >= 1


def test_near_degenerate_report_on_nearly_parallel_units():
    W = np.array([[1.00000001, -0.999999993], [1, -1]])
    net = rk.Network.from_arrays([W, np.ones((1, 2))], [[-0.5, -0.5], [0.0]])
    dom = rk.Box(-1, 1, dim=2)
    rs = rk.enumerate_regions(net, dom)
    cert = rs.certify()
    assert cert.ok and rs.n_regions == 4
    assert len(cert.near_degenerate) == 2
    assert np.all(rs.chebyshev_radii[cert.near_degenerate] < 1e-6)
    # A coarse tolerance merges the wedges: the certificate says what is missing and why.
    merged = rk.enumerate_regions(net, dom, tol=1e-6, certify=True)
    cert = merged.certificate
    assert merged.n_regions == 2 and not cert.ok and cert.count("missing") == 2
    assert all("thin" in f.detail for f in cert.failures)
    assert rk.enumerate_regions(net, dom, method="exact", certify=True).certificate.ok


def test_degenerate_units_are_reported():
    # Unit 1 of layer 2 reads only unit 0 of layer 1 with weight 0 and bias 0: identically
    # zero, so it never switches.
    net = rk.Network.from_arrays([[[1, 0], [0, 1]], [[1, 1], [0, 0]], [[1, 1]]],
                                 [[0.1, -0.2], [0.3, 0.0], [0.0]])
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    cert = rs.certify()
    assert cert.ok and cert.degenerate_units == [3]


def test_bad_near():
    rs = small([2, 3, 1], ["relu", "identity"], 2)
    with pytest.raises(rk.RegionkitError, match="near"):
        rs.certify(near=2.0)


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), "1", True])
def test_bad_time_limit(bad):
    rs = small([2, 3, 1], ["relu", "identity"], 2)
    with pytest.raises(rk.RegionkitError, match="time_limit"):
        rs.certify(time_limit=bad)


def test_time_limit_leaves_the_regions_it_did_not_reach_unchecked(monkeypatch):
    rs = small([2, 6, 5, 1], ["relu", "relu", "identity"], 2, seed=3)
    full = rs.certify(exact=True)
    assert full.ok and full.n_exact == rs.n_regions and not full.unchecked
    assert rs.certify(exact=True, time_limit=600).to_dict() | {"seconds": 0} == \
        full.to_dict() | {"seconds": 0}
    # A clock that ticks one second per reading: the check stops after a few regions.
    import regionkit.regions.certify as cmod
    ticks = iter(range(10 ** 6))
    monkeypatch.setattr(cmod.time, "perf_counter", lambda: float(next(ticks)))
    cert = rs.certify(exact=True, time_limit=4.5)
    assert not cert.ok and not cert.failures
    assert 0 < cert.n_exact < rs.n_regions
    assert cert.unchecked == list(range(cert.n_exact, rs.n_regions))  # the rest, in order
    assert "time_limit" in cert.advice and "unchecked" in cert.summary()
    assert cert.to_dict()["unchecked"] == cert.unchecked
    assert set(cert.near_degenerate) <= set(range(cert.n_exact))


def test_cli_count_certify():
    import json

    from click.testing import CliRunner

    from regionkit.cli import main

    res = CliRunner().invoke(main, ["count", "--example", "2d", "--certify", "--json",
                                    "--no-graph"])
    assert res.exit_code == 0, res.output
    cert = json.loads(res.output)["certificate"]
    assert cert["ok"] and cert["missing"] == 0 and cert["n_regions"] > 100
    res = CliRunner().invoke(main, ["count", "--example", "2d", "--certify", "--no-graph"])
    assert res.exit_code == 0 and "CERTIFIED exact" in res.output


def test_cli_count_certify_fails_on_merged_thin_wedges(tmp_path):
    from click.testing import CliRunner

    from regionkit.cli import EXIT_FAILED, main

    W = np.array([[1.00000001, -0.999999993], [1, -1]])
    path = str(tmp_path / "wedges.npz")
    rk.Network.from_arrays([W, np.ones((1, 2))], [[-0.5, -0.5], [0.0]]).save(path)
    res = CliRunner().invoke(main, ["count", path, "--box", "-1", "1", "--rtol", "1e-6",
                                    "--certify"])
    assert res.exit_code == EXIT_FAILED, res.output
    assert "NOT CERTIFIED" in res.output and "missing 2" in res.output
    res = CliRunner().invoke(main, ["count", path, "--box", "-1", "1", "--method", "exact",
                                    "--certify"])
    assert res.exit_code == 0 and "activation regions: 4" in res.output


def test_keep_patterns_is_certified_exactly_and_keep_count_is_refused():
    net = gaussian_net([2, 5, 4, 1], ["relu", "relu", "identity"], seed=1)
    dom = rk.Box(-1, 1, dim=2)
    cert = rk.enumerate_regions(net, dom, keep="patterns", certify=True).certificate
    assert cert.ok and cert.n_exact == cert.n_regions
    with pytest.raises(rk.RegionkitError, match="keep"):
        rk.enumerate_regions(net, dom, keep="count").certify()
    with pytest.raises(rk.RegionkitError, match="keep"):
        rk.enumerate_regions(net, dom, method="exact", keep="count")


def test_row_pass_bounds_hold_exactly():
    """The compiled row pass (csrc/certfilter.hpp) against exact rational arithmetic: the
    value at the centre is within its bound, and a row said to be negative on the box has
    an exact maximum over the box below 0. Rows built to cancel (terms ~1e8 summing to ~1)
    and rows whose box maximum sits within rounding of 0 exercise the bounds."""
    from fractions import Fraction as Fr

    from regionkit.core import _core
    from regionkit.errors import CoreInputError
    rng = np.random.default_rng(3)
    n, m, d = 40, 12, 3
    A = rng.normal(size=(n, m, d)) * 10.0 ** rng.integers(-3, 9, size=(n, m, 1))
    centre = rng.uniform(-1, 1, size=(n, d))
    C = -(A * centre[:, None, :]).sum(axis=2) + rng.normal(size=(n, m))  # cancelling rows
    lo, hi = centre - 0.01, centre + 0.01
    # rows whose float maximum over the box is -1 ulp-ish: the bound must decide
    top = C + np.maximum(A * lo[:, None, :], A * hi[:, None, :]).sum(axis=2)
    C[:, :3] -= top[:, :3] + 1e-300
    EA, EC = np.zeros((n, m)), np.zeros((n, m))
    vin, ein, below, azero = _core.certify_row_bounds(A, C, EA, EC, centre, lo, hi, 1e-290)
    assert not azero.any() and np.all(ein > 0)
    hits = 0
    for r in range(n):
        cq = [Fr(float(x)) for x in centre[r]]
        for j in range(m):
            a = [Fr(float(x)) for x in A[r, j]]
            exact = Fr(float(C[r, j])) + sum(x * y for x, y in zip(a, cq))
            assert abs(exact - Fr(float(vin[r, j]))) <= Fr(float(ein[r, j]))
            if below[r, j]:
                hits += 1
                worst = Fr(float(C[r, j])) + sum(max(x * Fr(float(lo[r, q])),
                                                     x * Fr(float(hi[r, q])))
                                                 for q, x in enumerate(a))
                assert worst < 0
    assert hits > 0
    with pytest.raises(CoreInputError, match="shape"):
        _core.certify_row_bounds(A, C[:, :2], EA, EC, centre, lo, hi, 1e-290)


def test_lp_interior_points_are_checked_repaired_and_flagged():
    """LP-form centres are checked on first use: a point of another region is replaced by an
    exact interior point; a pattern with no region (exact LP) raises InteriorPointWarning."""
    from regionkit.errors import InteriorPointWarning
    from regionkit.regions.certify import verify_interior_points
    rs = small([2, 5, 4, 1], ["relu", "relu", "identity"], 2, seed=1, method="lp")
    assert rs.vertices is None
    box, n = rs.domain, rs.n_regions
    perm = np.roll(np.arange(n), 1)
    points, empty = verify_interior_points(rs, rs.interior_points[perm])
    assert empty.size == 0
    np.testing.assert_array_equal(rs.network.pattern(box.to_input(points)), rs.pattern_bits())
    # a flipped bit whose region is empty (certify calls it not genuine)
    bits = rs.pattern_bits()
    listed = {tuple(b) for b in bits.tolist()}
    r, h = next((r, h) for r in range(n) for h in range(bits.shape[1])
                if tuple(np.logical_xor(bits[r], np.arange(bits.shape[1]) == h)) not in listed)
    bits[r, h] = not bits[r, h]
    flipped = dataclasses.replace(rs, patterns=np.packbits(bits, axis=1, bitorder="little"),
                                  _index=None, _points_checked=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = flipped.interior_points[r]
    flagged = [w for w in caught if issubclass(w.category, InteriorPointWarning)]
    if ("not_genuine", r) in {(f.kind, f.region) for f in certify(flipped).failures}:
        assert len(flagged) == 1 and f"region {r}" in str(flagged[0].message)
    else:  # the flip names another genuine region: its point is found instead
        assert not flagged
        assert np.array_equal(rs.network.pattern(box.to_input(got[None]))[0], bits[r])


@pytest.mark.parametrize("cap", [1, 40, 120])
def test_interior_points_of_a_stopped_lp_run_are_checked_to_their_depth(cap):
    """A region of a stopped run has the bits of its first `depth` layers only: its point is
    checked (and an exact one found) against those, with no false InteriorPointWarning."""
    from regionkit.errors import InteriorPointWarning
    net = Network.from_arrays(
        [np.random.default_rng(5).normal(size=s) for s in ((10, 3), (10, 10), (1, 10))],
        [np.random.default_rng(6).normal(size=s) * 0.5 for s in (10, 10, 1)],
        ["relu", "hard_tanh", "identity"])
    box = rk.Box(-1, 1, dim=3)
    rs = rk.enumerate_regions(net, box, method="lp", workers=1, max_regions=cap)
    assert rs.stop_reason == "max_regions" and rs.depth.min() < net.n_layers
    with warnings.catch_warnings():
        warnings.simplefilter("error", InteriorPointWarning)
        points = rs.interior_points
    decided = np.arange(net.n_hyperplanes) < net.layer_hyperplane_offsets()[rs.depth][:, None]
    got = net.pattern(box.to_input(points)).astype(bool)
    np.testing.assert_array_equal(got & decided, rs.pattern_bits() & decided)


def _filter_inputs(rs):
    from regionkit.model.activations import core_table
    net, dom = rs.network, rs.domain
    layers = [(W, b, core_table(a)) for W, b, a in zip(net.weights, net.biases, net.activations)]
    return (layers, dom.input_map(), dom.A, dom.b, dom.lo, dom.hi)


def test_compiled_filter_is_independent_of_region_order_and_checks_its_input():
    """The compiled filter (csrc/certfilter.hpp) groups regions by pattern itself: any order of
    the ids settles the same regions with the same facets; a region named twice is settled
    twice; bad ids, bits or offsets are CoreInputErrors."""
    from regionkit.core import _core
    from regionkit.errors import CoreInputError
    rs = small([3, 6, 5, 1], ["relu", "hard_tanh", "identity"], 3, seed=2)
    head = _filter_inputs(rs)
    bits = rs.pattern_bits().view(np.uint8)
    tail = (rs.vertex_offsets, rs.vertices, rs.ineq_offsets, rs.ineq_A, rs.ineq_b,
            rs.ineq_labels, 1e-9 * 3, 1e-6, 1e-3, 1e-290)
    n = rs.n_regions
    ok, rad, fr, fk = _core.certify_float_filter(*head, np.arange(n), bits, *tail)
    assert ok.all() and np.all(rad > 0) and len(fr) == rs.certify().n_facets
    perm = np.random.default_rng(0).permutation(n)
    ok2, rad2, fr2, fk2 = _core.certify_float_filter(*head, perm, bits, *tail)
    np.testing.assert_array_equal(ok2, ok[perm])
    np.testing.assert_allclose(rad2, rad[perm], rtol=1e-12)
    assert sorted(zip(fr2.tolist(), fk2.tolist())) == sorted(zip(fr.tolist(), fk.tolist()))
    assert fr2.tolist() == sorted(fr2.tolist(), key=lambda r: np.flatnonzero(perm == r)[0])
    ok3, _, fr3, _ = _core.certify_float_filter(*head, np.array([1, 1]), bits, *tail)
    assert ok3.tolist() == [True, True] and len(fr3) == 2 * np.count_nonzero(fr == 1)
    with pytest.raises(CoreInputError, match="ids"):
        _core.certify_float_filter(*head, np.array([n]), bits, *tail)
    with pytest.raises(CoreInputError, match="bits"):
        _core.certify_float_filter(*head, np.arange(n), bits[:, 1:], *tail)
    with pytest.raises(CoreInputError, match="voff"):
        _core.certify_float_filter(*head, np.arange(n), bits, rs.vertex_offsets[:-1],
                                   *tail[1:])


def test_compiled_filter_leaves_a_region_with_a_moved_vertex_to_exact_arithmetic():
    """A stored vertex moved off its rows (the hints no longer name d rows through it): the
    filter does not settle its region, and certify() still proves the partition in exact
    arithmetic."""
    rs = small([2, 6, 5, 1], ["relu", "relu", "identity"], 2, seed=3)
    V = rs.vertices.copy()
    V[rs.vertex_offsets[4]] += 1e-3
    moved = dataclasses.replace(rs, vertices=V, _centres=None, _radii=None, _index=None)
    cert = moved.certify()
    assert cert.ok and cert.n_exact == 1
