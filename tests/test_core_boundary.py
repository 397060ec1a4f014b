"""The compiled core's boundary: the geometry schema it splits by, the errors it raises, its stub.

Every entry point of regionkit.core._core is fed input that does not fit together and must
answer with one regionkit error (CoreInputError for bad input, SolverError when the solver
fails, CoreMemoryError when memory runs out), never a crash or a bare builtin. The frontier
geometries compare equal to their saved names, and the core hands back exactly the columns
of their schema.
"""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import regionkit as rk
from regionkit.core import _core
from regionkit.core.frontier import Frontier
from regionkit.core.geometry import DIM, OFFSETS, REGION, Geometry
from regionkit.errors import CoreInputError, CoreMemoryError, RegionkitError, SolverError
from regionkit.examples import example_network
from regionkit.measures.signs import _core_net
from regionkit.model.activations import Maxout, core_table, relu

DIMS = {Geometry.INTERVALS: 1, Geometry.POLYGONS: 2, Geometry.VERTEX: 3, Geometry.LP: 3}
ALLOWLIST = Path(__file__).resolve().parents[1] / "regionkit/core/stubtest-allowlist.txt"


def _root(g: Geometry) -> Frontier:
    d = DIMS[g]
    return Frontier.root(g, rk.Box(-1, 1, dim=d), rk.Tolerance())


def _maps(n: int, d: int) -> dict[str, np.ndarray]:
    """Identity input maps of n regions in d dimensions (d units)."""
    return {"M": np.tile(np.eye(d), (n, 1, 1)), "m": np.zeros((n, d)), "S": np.ones((n, d)),
            "R": np.ones(d)}


def _split(g, frontier, maps, W, b):
    """One ReLU layer through the core, the way the engine calls it."""
    return _core.split_frontier(g, frontier, maps, W, b, core_table(relu()), 1e-10,
                                0.0, 0, 1 << 62, 10.0)


# --- the geometry abstraction ---------------------------------------------------------------
def test_geometry_is_its_saved_name():
    for g, name in [(Geometry.INTERVALS, "1d"), (Geometry.POLYGONS, "2d"),
                    (Geometry.VERTEX, "vd"), (Geometry.LP, "nd")]:
        assert g == name and Geometry(name) is g and str(g) == name and f"{g}" == name
        assert hash(g) == hash(name) and {name: 1}[g] == 1 and g in {name}
        assert json.loads(json.dumps({"kind": g}))["kind"] == name
        assert g.upper() == name.upper() and g.count(name) == 1  # still a str


def test_choose_follows_the_dimension_rule():
    want = {("auto", 1): "1d", ("auto", 2): "2d", ("auto", 3): "vd", ("auto", 4): "vd",
            ("auto", 5): "vd", ("auto", 6): "vd", ("auto", 7): "nd", ("vertex", 1): "1d",
            ("vertex", 2): "2d",
            ("vertex", 7): "vd", ("lp", 1): "nd", ("lp", 2): "nd", ("lp", 3): "nd"}
    for (method, dim), name in want.items():
        assert Geometry.choose(dim, method) == name
    with pytest.raises(RegionkitError, match="method"):
        Geometry.choose(2, "simplex")


def test_what_each_geometry_holds():
    held = {g: (g.has_vertices, g.has_incidence, g.has_chebyshev, g.cyclic_vertices,
                g.is_interval) for g in Geometry}
    assert held == {Geometry.INTERVALS: (True, False, True, False, True),
                    Geometry.POLYGONS: (True, False, False, True, False),
                    Geometry.VERTEX: (True, True, False, False, False),
                    Geometry.LP: (False, False, True, False, False)}


@pytest.mark.parametrize("g", list(Geometry))
def test_core_returns_the_schema_columns(g):
    # Cut the domain (-1, 1)^d by t_0 = 0: two children with exactly the schema's columns,
    # dtypes and shapes, which Frontier slices, takes and joins back.
    fr = _root(g)
    d = DIMS[g]
    W = np.eye(d)[:1]
    done, ch, ch_maps, bits, parent, aborted = _split(g, fr.data, _maps(1, d), W, np.zeros(1))
    assert (done, aborted, parent.tolist(), sorted(bits[:, 0])) == (1, False, [0, 0], [0, 1])
    assert list(ch) == [c.name for c in g.columns]
    for c in g.columns:
        assert ch[c.name].dtype == c.dtype
        assert ch[c.name].shape[1:] == (() if c.width == 1 else
                                        (d,) if c.width == DIM else (c.width,))
    assert set(g.per_region) | set(g.groups) | {k for v in g.groups.values() for k in v} \
        == set(ch)
    kids = Frontier(g, ch)
    assert len(kids) == 2
    again = Frontier.concat(g, [kids.slice(1, 2), kids.take(np.array([0]))])
    back = Frontier.concat(g, [again.slice(1, 2), again.slice(0, 1)])
    for k in ch:
        np.testing.assert_array_equal(back.data[k], ch[k])
    # The children split again (the core checks them): t_{d-1} = 1/2 cuts both halves, in
    # 1-D only (0, 1).
    done, ch2, _, _, parent2, _ = _split(g, again.data, _maps(2, d), np.eye(d)[-1:],
                                         -0.5 * np.ones(1))
    assert done == 2 and len(Frontier(g, ch2)) == len(parent2) == (3 if d == 1 else 4)


def test_schema_roles_are_consistent():
    for g in Geometry:
        offsets = {c.name for c in g.columns if c.by == OFFSETS}
        for c in g.columns:
            assert c.by in (REGION, OFFSETS) or c.by in offsets
            assert c.width == DIM or c.width >= 1
        assert {c.name for c in g.label_columns} <= {"lab", "lab_lo", "lab_hi"}


@pytest.mark.parametrize("method,name", [("auto", "2d"), ("lp", "nd")])
def test_regionset_kind_round_trips(tmp_path, method, name):
    net = example_network("2d")
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2), method=method)
    assert rs.kind == name and isinstance(rs.kind, Geometry)
    assert rs.summary()["kind"] == name and type(rs.summary()["kind"]) is str
    rs.save(tmp_path / "rs.npz")
    with np.load(tmp_path / "rs.npz") as z:
        assert json.loads(str(z["meta"]))["kind"] == name  # the file holds the plain name
    back = rk.RegionSet.load(tmp_path / "rs.npz")
    assert back.kind is Geometry(name) and back.n_regions == rs.n_regions
    np.testing.assert_allclose(back.volumes(), rs.volumes())


def test_lp_form_has_no_box_and_vertex_form_no_huge_box():
    with pytest.raises(CoreInputError, match="inequalities"):
        Frontier.box(Geometry.LP, -np.ones(3), np.ones(3))
    with pytest.raises(CoreInputError, match="vertex form"):
        Frontier.box(Geometry.VERTEX, -np.ones(21), np.ones(21))


def test_lost_clip_is_a_solver_error():
    # An empty polytope (t < -2 inside (-1, 1)) cannot be clipped into one region.
    with pytest.raises(SolverError, match="empty"):
        Frontier.clip(Geometry.POLYGONS, -np.ones(2), np.ones(2), np.array([[1.0, 0.0]]),
                      np.array([-2.0]), 1e-10, 0.0)


# --- every wrapper answers bad input with a regionkit error ----------------------------------
def test_every_entry_point_translates_errors():
    public = [n for n, f in vars(_core).items() if not n.startswith("_") and callable(f)
              and not isinstance(f, type) and f.__module__ == _core.__name__]
    assert len(public) == 18
    for name in public:
        assert getattr(getattr(_core, name), "__wrapped__", None) is not None, name


def test_translation_of_builtin_failures():
    def fail(exc):
        def core_entry():
            raise exc
        return _core._translate(core_entry)

    with pytest.raises(CoreMemoryError, match="max_regions"):
        fail(MemoryError())()
    with pytest.raises(CoreInputError, match="core_entry: bad"):
        fail(ValueError("bad"))()
    with pytest.raises(CoreInputError, match="core_entry: off"):
        fail(CoreInputError("off"))()
    with pytest.raises(TypeError):
        fail(TypeError("not an array"))()
    with pytest.raises(SolverError, match="LP"):
        fail(RuntimeError("LP failed"))()
    assert issubclass(CoreMemoryError, MemoryError) and issubclass(CoreInputError, ValueError)


def test_hyperplane_count_unknown_activation():
    with pytest.raises(CoreInputError, match="activation"):
        _core.hyperplane_count((99, [], [1.0], [0.0], 1))


@pytest.mark.parametrize("g", list(Geometry))
def test_split_frontier_bad_frontiers(g):
    fr, d = _root(g), DIMS[g]
    W, b = np.eye(d)[:1], np.zeros(1)
    cases = {
        "lacks": {k: v for k, v in fr.data.items() if k != g.columns[-1].name},
        "values": {**fr.data, g.columns[1].name: fr.data[g.columns[1].name][:-1]},
        "more": {**fr.data, g.columns[-1].name: np.repeat(fr.data[g.columns[-1].name], 2)},
    }
    for off in g.groups:
        cases["ends " + off] = {**fr.data, off: fr.data[off] + 1}
        cases["falls " + off] = {**fr.data, off: fr.data[off][::-1]}
    for why, data in cases.items():
        with pytest.raises(CoreInputError):
            _split(g, data, _maps(1, d), W, b)
    with pytest.raises(CoreInputError, match="regions"):  # two maps, one region
        _split(g, fr.data, _maps(2, d), W, b)
    with pytest.raises(CoreInputError, match="W"):  # W takes d + 1 units
        _split(g, fr.data, _maps(1, d), np.ones((1, d + 1)), b)
    with pytest.raises(CoreInputError, match="W"):  # b of the wrong length
        _split(g, fr.data, _maps(1, d), W, np.zeros(2))
    with pytest.raises(CoreInputError, match="R"):
        _split(g, fr.data, {**_maps(1, d), "R": np.ones(d + 1)}, W, b)
    with pytest.raises(CoreInputError, match="maps"):
        _split(g, fr.data, {"M": np.eye(d)[None]}, W, b)
    with pytest.raises(CoreInputError, match="M"):
        _split(g, fr.data, {**_maps(1, d), "M": np.eye(d)}, W, b)
    with pytest.raises(CoreInputError, match="maxout"):
        _core.split_frontier(g, fr.data, _maps(1, d), W, b, core_table(Maxout(2)), 1e-10, 0.0,
                             0, 1 << 62, 10.0)


def test_split_frontier_bad_geometry_and_dimension():
    fr = _root(Geometry.POLYGONS)
    with pytest.raises(CoreInputError, match="3d"):
        _split("3d", fr.data, _maps(1, 2), np.eye(2), np.zeros(2))
    with pytest.raises(CoreInputError, match="2-dimensional"):
        _split(Geometry.POLYGONS, fr.data, _maps(1, 3), np.eye(3), np.zeros(3))


def test_split_frontier_bad_incidence_words():
    fr = _root(Geometry.VERTEX)
    data = {**fr.data, "ioff": np.array([0, 4]), "inc": fr.data["inc"][:4]}
    with pytest.raises(CoreInputError, match="incidence"):
        _split(Geometry.VERTEX, data, _maps(1, 3), np.eye(3), np.zeros(3))


def test_lp_min_bad_shapes():
    A, b, c, x0 = np.eye(2), np.ones(2), np.ones(2), np.zeros(2)
    assert _core.lp_min(-A, b, c, x0)[0] == "optimal"
    for args in [(A, np.ones(3), c, x0), (A, b, np.ones(3), x0), (A, b, c, np.zeros(1)),
                 (np.ones(2), b, c, x0), (np.zeros((2, 0)), b, np.zeros(0), np.zeros(0))]:
        with pytest.raises(CoreInputError):
            _core.lp_min(*args)


def test_chebyshev_bad_shapes_and_unbounded():
    A = np.vstack([np.eye(2), -np.eye(2)])
    b, off, x = np.ones(4), np.array([0, 4]), np.zeros((1, 2))
    _, r = _core.chebyshev(off, A, b, x)
    assert r[0] == pytest.approx(1.0)
    for args in [(np.array([0, 5]), A, b, x), (np.array([0, 2, 4]), A, b, x),
                 (np.array([1, 4]), A, b, x), (off, A, np.ones(3), x),
                 (off, A, b, np.zeros((1, 3))), (np.array([[0, 4]]), A, b, x)]:
        with pytest.raises(CoreInputError):
            _core.chebyshev(*args)
    with pytest.raises(SolverError, match="unbounded"):
        _core.chebyshev(np.array([0, 1]), np.array([[1.0, 0.0]]), np.ones(1), x)


def _cube():
    """The vertex form of the cube (-1, 1)^3 as the vertex-form functions take it."""
    F = Frontier.box(Geometry.VERTEX, -np.ones(3), np.ones(3)).data
    return [F["voff"], F["V"], F["ioff"], F["inc"], F["roff"]], F["A"]


def _bad_vertex_forms():
    (voff, V, ioff, inc, roff), _ = _cube()
    return {"roff length": [voff, V, ioff, inc, np.array([0, 6, 6])],
            "V 1-D": [voff, V.reshape(-1), ioff, inc, roff],
            "voff end": [np.array([0, 9]), V, ioff, inc, roff],
            "words": [voff, V, np.array([0, 16]), np.zeros(16, np.uint64), roff],
            "decreasing": [voff, V, ioff, inc, np.array([6, 0])]}


def test_vertex_form_functions_bad_input():
    vf, A = _cube()
    vol, _, _ = _core.vertex_form_measures(*vf, A)
    assert vol[0] == pytest.approx(8.0)
    assert _core.vertex_form_faces(*vf)[1].tolist().count(0) == 8
    flag = np.full(6, 2, np.uint8)
    assert _core.vertex_form_owned_faces(*vf, A, flag) is not None
    X = np.zeros((1, 3))
    fa = (np.array([0]), np.array([1]), A[1:2], np.ones(1), X)
    assert _core.vertex_form_facet_distances(*vf, *fa)[0] == pytest.approx(1.0)
    for why, bad in _bad_vertex_forms().items():
        for call in (lambda: _core.vertex_form_measures(*bad),
                     lambda: _core.vertex_form_faces(*bad),
                     lambda: _core.vertex_form_owned_faces(*bad, A, flag),
                     lambda: _core.vertex_form_facet_distances(*bad, *fa)):
            with pytest.raises(CoreInputError):
                call()
    with pytest.raises(CoreInputError, match="A"):
        _core.vertex_form_measures(*vf, A[:5])
    with pytest.raises(CoreInputError, match="flag"):
        _core.vertex_form_owned_faces(*vf, A, flag[:5])
    bad_facets = {"f_region": (np.array([1]),) + fa[1:],
                  "row": (fa[0], np.array([6])) + fa[2:],
                  "X": fa[:4] + (np.zeros((1, 2)),),
                  "fb": fa[:3] + (np.ones(2), X)}
    for why, args in bad_facets.items():
        with pytest.raises(CoreInputError):
            _core.vertex_form_facet_distances(*vf, *args)


def test_signs_bad_input():
    net = example_network("2d")
    dom = rk.Box(-1, 1, dim=2)
    layers, first = _core_net(net, dom)
    T = np.zeros((3, 2))
    at, _ = _core.signs_at_points(layers, first, T, None, 1e-10, 0.0)
    assert at.shape == (3, net.n_hyperplanes)
    with pytest.raises(CoreInputError, match="T"):
        _core.signs_at_points(layers, first, np.zeros(5), None, 1e-10, 0.0)
    with pytest.raises(CoreInputError, match="D"):
        _core.signs_at_points(layers, first, T, np.zeros((2, 2)), 1e-10, 0.0)
    with pytest.raises(CoreInputError, match="width"):  # the layer takes 3 inputs, not 2
        _core.signs_at_points([(np.ones((2, 3)), np.zeros(2)) + tuple(layers[0][2:])], first,
                              T, None, 1e-10, 0.0)
    bits = np.zeros((1, net.n_hyperplanes), np.uint8)
    for args in [(bits, np.array([0, 2]), T), (bits, np.array([0, 3, 3]), T),
                 (bits[:, 1:], np.array([0, 3]), T), (bits, np.array([3, 0]), T[:0])]:
        with pytest.raises(CoreInputError):
            _core.signs_in_regions(layers, first, *args, 1e-10, 0.0)


# --- the stub matches the compiled module -----------------------------------------------------
@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed")
def test_stub_matches_compiled_module(tmp_path):
    # Outside the checkout, on the regionkit this test imported (installed or in place).
    env = {**os.environ, "PYTHONPATH": str(Path(rk.__file__).resolve().parents[1])}
    out = subprocess.run([sys.executable, "-m", "mypy.stubtest", "regionkit.core._core",
                          "--allowlist", str(ALLOWLIST)], cwd=tmp_path, env=env,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
