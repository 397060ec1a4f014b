"""Pictures, checked by what they draw: one polygon per region with the region's area, the
linear colouring and boundaries against hand counts and lengths, points inside the view,
the 1-D graph against the network and the trajectory module's breakpoints."""
import math
import sys

import numpy as np
import pytest
from click.testing import CliRunner

mpl = pytest.importorskip("matplotlib")
mpl.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.path import Path  # noqa: E402

import regionkit as rk  # noqa: E402
from regionkit import plot, trajectory  # noqa: E402
from regionkit.cli import main  # noqa: E402
from regionkit.errors import MissingExtraError  # noqa: E402
from regionkit.examples import example_network  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def example_rs():
    return rk.enumerate_regions(example_network("2d"), rk.Box(-1, 1, dim=2))


def _three_lines(out_weights=(1.0, 1.0, 1.0)):
    # Units x, y, x + y - 0.5: three generic lines, all crossings inside (-1, 1)^2, 7 regions.
    W0 = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    b0 = np.array([0.0, 0.0, -0.5])
    return rk.Network.from_arrays([W0, np.array([out_weights])], [b0, np.zeros(1)])


def _artist(ax, gid):
    found = [a for a in ax.get_children() if a.get_gid() == gid]
    assert len(found) == 1, f"{len(found)} artists with gid {gid!r}"
    return found[0]


def _area(P):
    x, y = P[:, 0], P[:, 1]
    return 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def test_partition_draws_every_region_with_its_area(example_rs):
    rs = example_rs
    ax = plot.plot_partition(rs)
    pc = _artist(ax, "regions")
    paths = pc.get_paths()
    assert len(paths) == rs.n_regions == 1036
    polys = [p.vertices for p in paths]
    areas = np.array([_area(P) for P in polys])
    # Areas against the core's exact region volumes; each polygon holds its region's centre.
    np.testing.assert_allclose(areas, rs.volumes(), rtol=1e-9, atol=1e-14)
    assert areas.sum() == pytest.approx(4.0)
    assert all(Path(P).contains_point(c) for P, c in zip(polys, rs.interior_points))
    colours = pc.get_facecolors()
    g = rs.adjacency()
    assert len(g.i) > 0 and np.all(np.any(colours[g.i] != colours[g.j], axis=1))
    assert ax.get_xlim() == (-1.0, 1.0) and ax.get_ylim() == (-1.0, 1.0)
    assert ax.get_title() == "1036 activation regions"
    # Deterministic: the same colours on a second drawing.
    again = _artist(plot.plot_partition(rs), "regions").get_facecolors()
    np.testing.assert_array_equal(again, colours)


def test_linear_colouring_and_boundaries_by_hand():
    # Output weight 0 on the unit y: the line y = 0 splits activation regions but never the
    # affine map. Linear regions: the 4 cells of x = 0 and x + y = 0.5 in the box.
    rs = rk.enumerate_regions(_three_lines((1.0, 0.0, 1.0)), rk.Box(-1, 1, dim=2))
    assert rs.n_regions == 7
    ax = plot.plot_partition(rs, color_by="linear")
    colours = _artist(ax, "regions").get_facecolors()
    lab = rs.linear_regions()
    assert len(np.unique(lab)) == 4
    for k in range(4):  # one colour per linear region...
        assert len(np.unique(colours[lab == k], axis=0)) == 1
    # ...and the 4 (pairwise adjacent but for one corner pair) differ: every cell is told
    # from its neighbours. Cell of each region: (sign x, sign x + y - 0.5).
    c = rs.interior_points
    cell = (c[:, 0] > 0).astype(int) * 2 + (c[:, 0] + c[:, 1] > 0.5)
    assert len(np.unique(cell)) == 4
    assert all((cell[a] == cell[b]) == (lab[a] == lab[b]) for a in range(7) for b in range(7))
    col = {int(cell[r]): tuple(colours[r]) for r in range(7)}
    for a, b in [(0, 1), (0, 2), (1, 3), (2, 3)]:
        assert col[a] != col[b]
    # Boundaries: x = 0 (length 2) and x + y = 0.5 (length 1.5 sqrt 2) cut into 3 pieces each
    # at their crossings, plus the box's perimeter 8; never the line y = 0.
    segs = _artist(ax, "boundaries").get_segments()
    lengths = np.array([np.linalg.norm(s[1] - s[0]) for s in segs])
    assert lengths.sum() == pytest.approx(2 + 1.5 * math.sqrt(2) + 8)

    def on_box_side(s):
        return any(np.allclose(s[:, k], s[0, k]) and np.isclose(abs(s[0, k]), 1.0)
                   for k in (0, 1))

    inner = [s for s in segs if not on_box_side(s)]
    assert len(inner) == 6
    assert not any(np.allclose(s[:, 1], 0.0) for s in inner)
    assert rs.boundary_volume("linear") == pytest.approx(2 + 1.5 * math.sqrt(2))
    assert ax.get_title() == "4 linear regions"


def test_partition_pair_and_lp_form_agree(example_rs):
    left, right = plot.plot_partition_pair(example_rs)
    assert left.figure is right.figure
    assert left.get_title() == "1036 activation regions"
    assert right.get_title() == f"{example_rs.n_linear_regions} linear regions"
    # LP-form regions (no kept vertices) are clipped and ordered: the same areas.
    lp = rk.enumerate_regions(_three_lines(), rk.Box(-1, 1, dim=2), method="lp")
    auto = rk.enumerate_regions(_three_lines(), rk.Box(-1, 1, dim=2))
    assert lp.kind == "nd" and auto.kind == "2d"
    paths = _artist(plot.plot_partition(lp), "regions").get_paths()
    areas = np.array([_area(p.vertices) for p in paths])
    np.testing.assert_allclose(np.sort(areas), np.sort(auto.volumes()), rtol=1e-9)
    assert all(Path(p.vertices).contains_point(c) for p, c in zip(paths, lp.interior_points))


def test_plane_through_marks_its_three_points_inside_the_view():
    rng = np.random.default_rng(3)
    net = rk.Network.from_arrays([rng.normal(size=(12, 10)), rng.normal(size=(1, 12))],
                                 [rng.normal(size=12), np.zeros(1)])
    X = rng.normal(size=(3, 10))
    plane = rk.Plane.through(*X)
    rs = rk.enumerate_regions(net, plane)
    ax = plot.plot_partition(rs)
    pts = _artist(ax, "anchors")
    T = np.column_stack([pts.get_xdata(), pts.get_ydata()])
    assert T.shape == (3, 2)
    # Each is labelled with its argument's name, at the point itself.
    texts = [a for a in ax.get_children() if a.get_gid() == "anchor-labels"]
    assert [t.get_text() for t in texts] == ["$x_a$", "$x_b$", "$x_c$"]
    np.testing.assert_allclose([t.xy for t in texts], T)
    np.testing.assert_allclose(plane.to_input(T), X, atol=1e-9)   # the points themselves
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert np.all((T[:, 0] > x0) & (T[:, 0] < x1) & (T[:, 1] > y0) & (T[:, 1] < y1))
    # Plane.through pads its square, so the view is the square itself.
    assert (x0, x1) == (plane.lo[0], plane.hi[0]) and (y0, y1) == (plane.lo[1], plane.hi[1])
    # Each point lies in the polygon of the region that holds it.
    paths = _artist(ax, "regions").get_paths()
    for t, r in zip(T, rs.locate(T)):
        assert r >= 0 and paths[r].contains_point(t)
    assert ax.get_xlabel() == "s" and ax.get_ylabel() == "t"


def test_points_outside_the_box_widen_the_view():
    rs = rk.enumerate_regions(_three_lines(), rk.Box(-1, 1, dim=2))
    ax = plot.plot_partition(rs, points=[[1.5, 0.0], [0.0, -2.0]])
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert x0 == -1.0 and x1 > 1.5 and y0 < -2.0 and y1 == 1.0
    with pytest.raises(rk.PointsError):
        plot.plot_partition(rs, points=[[1.0, 2.0, 3.0]])


def test_line_graph_is_the_network_with_trajectory_breakpoints():
    rng = np.random.default_rng(1)
    net = rk.Network.from_arrays([rng.normal(size=(10, 4)), rng.normal(size=(10, 10)),
                                  rng.normal(size=(2, 10))],
                                 [rng.normal(size=10), rng.normal(size=10), np.zeros(2)])
    x0, x1 = rng.normal(size=4), rng.normal(size=4)
    seg = rk.Segment(x0, x1)
    rs = rk.enumerate_regions(net, seg)
    ax = plot.plot_line(rs, output=1)
    graph, marks = _artist(ax, "graph"), _artist(ax, "breakpoints")
    t, y = graph.get_xdata(), graph.get_ydata()
    tr = trajectory.segment(net, x0, x1)
    # Breakpoints from the trajectory module (no engine), one marker each.
    np.testing.assert_allclose(marks.get_xdata(), tr.breakpoints, atol=1e-12)
    assert len(marks.get_xdata()) == rs.n_regions - 1 == len(tr.breakpoints) > 3
    np.testing.assert_allclose(t, np.concatenate([[0.0], tr.breakpoints, [1.0]]), atol=1e-12)
    # The polyline is the network: at its corners and (linear in between) at the midpoints.
    np.testing.assert_allclose(y, net.forward(seg.to_input(t[:, None]))[:, 1], atol=1e-9)
    mid = (t[1:] + t[:-1]) / 2
    np.testing.assert_allclose((y[1:] + y[:-1]) / 2,
                               net.forward(seg.to_input(mid[:, None]))[:, 1], atol=1e-9)
    np.testing.assert_allclose(marks.get_ydata(), y[1:-1])
    assert ax.get_ylabel() == "output 1"
    # Segment.through's two data points sit on the graph at the network's values there.
    rs = rk.enumerate_regions(net, rk.Segment.through(x0, x1))
    ax = plot.plot_line(rs)
    pts = _artist(ax, "anchors")
    assert [a.get_text() for a in ax.get_children()
            if a.get_gid() == "anchor-labels"] == ["$x_a$", "$x_b$"]
    np.testing.assert_allclose(pts.get_xdata(), [0.25 / 1.5, 1.25 / 1.5])
    np.testing.assert_allclose(pts.get_ydata(), net.forward(np.stack([x0, x1]))[:, 0],
                               atol=1e-9)
    with pytest.raises(rk.PointsError, match="outside"):
        plot.plot_line(rs, points=[x0 + 2 * (x1 - x0)])


def test_line_graph_linear_breakpoints_by_hand():
    # relu(x) + 0 relu(x - 0.5) on (-1, 1): activation breakpoints 0 and 0.5, only 0 a kink.
    net = rk.Network.from_arrays([np.array([[1.0], [1.0]]), np.array([[1.0, 0.0]])],
                                 [np.array([0.0, -0.5]), np.zeros(1)])
    rs = rk.enumerate_regions(net, rk.Box(-1, 1))
    act = _artist(plot.plot_line(rs), "breakpoints")
    np.testing.assert_allclose(act.get_xdata(), [0.0, 0.5])
    ax = plot.plot_line(rs, breakpoints="linear")
    np.testing.assert_allclose(_artist(ax, "breakpoints").get_xdata(), [0.0])
    np.testing.assert_allclose(_artist(ax, "graph").get_ydata(), [0.0, 0.0, 0.5, 1.0])
    assert ax.get_xlabel() == "x"
    with pytest.raises(rk.RegionkitError, match="breakpoints must be"):
        plot.plot_line(rs, breakpoints="kinks")
    with pytest.raises(rk.RegionkitError, match="output must be"):
        plot.plot_line(rs, output=1)


def test_wrong_dimension_is_a_clear_error(example_rs):
    with pytest.raises(rk.DomainError, match="draws 1-D"):
        plot.plot_line(example_rs)
    rs1 = rk.enumerate_regions(_three_lines(), rk.Segment([-1, -1], [1, 1]))
    with pytest.raises(rk.DomainError, match="draws 2-D"):
        plot.plot_partition(rs1)


def test_incomplete_run_is_drawn_and_refused_where_needed():
    rs = rk.enumerate_regions(example_network("2d"), rk.Box(-1, 1, dim=2), max_regions=50)
    assert not rs.complete
    ax = plot.plot_partition(rs)
    assert len(_artist(ax, "regions").get_paths()) == rs.n_regions
    assert "incomplete" in ax.get_title()
    with pytest.raises(rk.RegionkitError, match="complete"):
        plot.plot_partition(rs, color_by="linear")


def test_colour_classes_never_match_across_an_edge():
    # A 20-clique needs 20 colours: more than the 16 of the palette.
    i, j = np.triu_indices(20, 1)
    cls = plot.colour_classes(20, i, j, 16)
    assert len(set(cls.tolist())) == 20
    pal = plot.colours._palette(plot.PALETTE, 20)
    assert len(np.unique(pal[cls], axis=0)) == 20
    rng = np.random.default_rng(0)
    i, j = rng.integers(0, 200, size=(2, 800))
    cls = plot.colour_classes(200, i, j, 6)
    assert np.all(cls[i[i != j]] != cls[j[i != j]])
    np.testing.assert_array_equal(cls, plot.colour_classes(200, i, j, 6))


def test_layer_counts_and_counts_against_depth():
    rng = np.random.default_rng(2)
    results = []
    for depth in (1, 2, 3):
        W = [rng.normal(size=(6, 2))] + [rng.normal(size=(6, 6)) for _ in range(depth - 1)]
        net = rk.Network.from_arrays(W + [rng.normal(size=(1, 6))],
                                     [rng.normal(size=6) for _ in W] + [np.zeros(1)])
        results.append(rk.enumerate_regions(net, rk.Box(-2, 2, dim=2)))
    ax = plot.plot_layer_counts(results)
    lines = [a for a in ax.get_children() if a.get_gid() == "counts"]
    assert [list(ln.get_ydata()) for ln in lines] == [r.per_layer for r in results]
    assert [ln.get_label() for ln in lines] == ["2-6-1", "2-6-6-1", "2-6-6-6-1"]
    ax = plot.plot_counts(results, by="depth", linear=True)
    np.testing.assert_array_equal(_artist(ax, "counts").get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(_artist(ax, "counts").get_ydata(),
                                  [r.n_regions for r in results])
    np.testing.assert_array_equal(_artist(ax, "linear-counts").get_ydata(),
                                  [r.n_linear_regions for r in results])
    assert ax.get_xlabel() == "hidden layers"
    # Three nets of width 6: one mean point, and a band from the least to the greatest count.
    ax = plot.plot_counts(results, by="width")
    n = [r.n_regions for r in results]
    np.testing.assert_array_equal(_artist(ax, "counts").get_xdata(), [6])
    np.testing.assert_allclose(_artist(ax, "counts").get_ydata(), [np.mean(n)])
    band = _artist(ax, "counts-band").get_paths()[0].vertices
    assert band[:, 1].min() == min(n) and band[:, 1].max() == max(n)
    ax = plot.plot_counts([30, 10, 20], by=[3, 1, 2], xlabel="width")
    np.testing.assert_array_equal(_artist(ax, "counts").get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(_artist(ax, "counts").get_ydata(), [10, 20, 30])
    with pytest.raises(rk.RegionkitError, match="sequence"):
        plot.plot_counts([1, 2], by="depth")


def test_counts_mark_incomplete_runs_as_lower_bounds():
    net = example_network("2d")
    full = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    cut = rk.enumerate_regions(net, rk.Box(-2, 2, dim=2), max_regions=100)
    ax = plot.plot_counts([full, cut], by=[1.0, 2.0])
    low = _artist(ax, "lower-bounds")
    assert list(low.get_xdata()) == [2.0] and list(low.get_ydata()) == [cut.n_regions]


def _write_points(tmp_path, X):
    paths = []
    for k, x in enumerate(X):
        p = tmp_path / f"p{k}.npy"
        np.save(p, x)
        paths.append(str(p))
    return paths


def _is_png(path):
    data = path.read_bytes()
    return len(data) > 1000 and data[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_plot_verbs(tmp_path, example_rs):
    runner = CliRunner()
    out = tmp_path / "pair.png"
    res = runner.invoke(main, ["plot", "--example", "2d", "--pair", "-o", str(out),
                               "--dpi", "40"])
    assert res.exit_code == 0, res.output
    assert _is_png(out) and "1036 activation regions" in res.output
    img = plt.imread(out)
    assert img.shape[:2] == (200, 400)       # 10 x 5 inches at 40 dpi
    # Content: the verb draws plot_partition_pair of the same run.
    left, right = plot.plot_partition_pair(example_rs)
    assert len(_artist(left, "regions").get_paths()) == 1036

    rng = np.random.default_rng(4)
    net = rk.Network.from_arrays([rng.normal(size=(8, 6)), rng.normal(size=(1, 8))],
                                 [rng.normal(size=8), np.zeros(1)])
    net_path = tmp_path / "n6.npz"
    net.save(net_path)
    X = rng.normal(size=(3, 6))
    a, b, c = _write_points(tmp_path, X)
    res = runner.invoke(main, ["plot", str(net_path), "--plane", a, b, c, "--linear",
                               "-o", str(tmp_path / "plane.png"), "--dpi", "30"])
    assert res.exit_code == 0, res.output
    rs = rk.enumerate_regions(net, rk.Plane.through(*X))
    assert _is_png(tmp_path / "plane.png")
    assert f"{rs.n_regions} activation regions, {rs.n_linear_regions} linear" in res.output
    res = runner.invoke(main, ["plot", str(net_path), "--segment", a, "0", "-o",
                               str(tmp_path / "seg.png"), "--dpi", "30"])
    assert res.exit_code == 0, res.output
    rs = rk.enumerate_regions(net, rk.Segment(X[0], np.zeros(6)))
    assert _is_png(tmp_path / "seg.png") and f"{rs.n_regions} activation" in res.output


def test_cli_plot_errors(tmp_path, monkeypatch):
    runner = CliRunner()
    out = str(tmp_path / "x.png")
    res = runner.invoke(main, ["plot", "--example", "2d", "--box", "0", "1", "--segment",
                               "0", "1", "-o", out])
    assert res.exit_code == 2 and "at most one of" in res.output
    res = runner.invoke(main, ["plot", "--example", "2d", "--segment", "0", "1", "--pair",
                               "-o", out])
    assert res.exit_code == 2 and "--pair draws 2-D" in res.output
    rng = np.random.default_rng(5)
    net = rk.Network.from_arrays([rng.normal(size=(4, 3)), np.ones((1, 4))],
                                 [np.zeros(4), np.zeros(1)])
    net.save(tmp_path / "n3.npz")
    res = runner.invoke(main, ["plot", str(tmp_path / "n3.npz"), "-o", out])
    assert res.exit_code == 2 and "--plane A B C or --segment A B" in res.output
    res = runner.invoke(main, ["plot", "--example", "2d", "-o", str(tmp_path / "x.nope")])
    assert res.exit_code == 2 and "cannot write" in res.output
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    res = runner.invoke(main, ["plot", "--example", "2d", "-o", out])
    assert res.exit_code == 2 and 'pip install "regionkit[plot]"' in res.output
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(MissingExtraError, match=r"regionkit\[plot\]"):
        plot.plot_partition(rk.enumerate_regions(_three_lines(), rk.Box(-1, 1, dim=2)))


# --- figures for a paper: classes, decision boundaries, output shading, vector output, 3-D ---
# Values compared with Network.forward agree to DRAW_TOL (the maps are exact; float error).
DRAW_TOL = 1e-9


@pytest.fixture(scope="module")
def binary_rs():
    net = rk.constructions.torch_default([2, 12, 12, 1], seed=3)
    return rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))


def _piece_class(pieces, cls, pts):
    """The class of the piece holding each point (-1 if none or on a piece's edge)."""
    out = np.full(len(pts), -1)
    for P, c in zip(pieces, cls):
        inside = Path(P).contains_points(pts, radius=-1e-9) & Path(P).contains_points(
            pts, radius=1e-9)
        out[inside] = c
    return out


def test_class_pieces_and_decision_boundary_against_the_engine(binary_rs):
    rs, net, level = binary_rs, binary_rs.network, 0.175   # about the median output
    pieces, region, cls = plot.class_pieces(rs, level=level)
    # The engine's own split of the regions by {F = level} (topology.decision_regions).
    dr = rk.decision_regions(net, rs.domain, level=level)
    vol = dr.regions.volumes()
    areas = np.array([plot.polygon_area(P) for P in pieces])
    assert len(np.unique(cls)) == 2
    for c, side in ((0, -1), (1, 1)):
        assert areas[cls == c].sum() == pytest.approx(vol[dr.side == side].sum(), rel=1e-9)
    assert len(pieces) == dr.n_pieces
    # Sampled points: the piece holding each is of the point's class.
    X = np.random.default_rng(0).uniform(-1, 1, size=(400, 2))
    got = _piece_class(pieces, cls, X)
    want = (net.forward(X)[:, 0] > level).astype(int)
    assert np.all(got[got >= 0] == want[got >= 0]) and np.mean(got >= 0) > 0.95
    # The boundary: its length is the engine's, every point of it is on {F = level} and in
    # its region, and it separates points of the two classes.
    segs, seg_region, pairs = plot.class_boundaries(rs, level=level)
    lengths = np.linalg.norm(segs[:, 1] - segs[:, 0], axis=1)
    assert lengths.sum() == pytest.approx(rk.decision_boundary_volume(net, rs.domain, level),
                                          rel=1e-9)
    w = np.linspace(0, 1, 7)[:, None, None]
    on = (segs[None, :, 0] * (1 - w) + segs[None, :, 1] * w).reshape(-1, 2)
    np.testing.assert_allclose(net.forward(on)[:, 0], level, atol=DRAW_TOL)
    polys = plot.region_polygons(rs)
    mids = segs.mean(axis=1)
    assert all(Path(polys[r]).contains_point(m, radius=1e-9) or
               Path(polys[r]).contains_point(m, radius=-1e-9) for r, m in zip(seg_region, mids))
    assert np.all(pairs == [0, 1])
    ax = plot.plot_partition(rs, color_by="class", level=level)
    assert len(_artist(ax, "decision-boundary").get_segments()) == len(segs)
    assert len(_artist(ax, "classes").get_paths()) == len(pieces)
    assert len(_artist(ax, "regions").get_paths()) == rs.n_regions
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["F ≤ 0.175", "F > 0.175",
                                                                   "F = 0.175"]


def test_argmax_classes_and_their_boundaries():
    rng = np.random.default_rng(7)
    net = rk.Network.from_arrays([rng.normal(size=(10, 2)), rng.normal(size=(3, 10))],
                                 [0.5 * rng.normal(size=10), 0.3 * rng.normal(size=3)])
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    pieces, _, cls = plot.class_pieces(rs)
    dr = rk.decision_regions(net, rs.domain, level=None)
    vol = dr.regions.volumes()
    areas = np.array([plot.polygon_area(P) for P in pieces])
    for c in range(3):
        assert areas[cls == c].sum() == pytest.approx(vol[dr.label == c].sum(), rel=1e-9,
                                                      abs=1e-12)
    X = rng.uniform(-1, 1, size=(400, 2))
    got = _piece_class(pieces, cls, X)
    want = np.argmax(net.forward(X), axis=1)
    assert np.all(got[got >= 0] == want[got >= 0])
    segs, _, pairs = plot.class_boundaries(rs)
    assert len(segs) > 0
    on = segs.mean(axis=1)
    F = net.forward(on)
    i, j = pairs[:, 0], pairs[:, 1]
    k = np.arange(len(on))
    np.testing.assert_allclose(F[k, i], F[k, j], atol=DRAW_TOL)      # on the tie F_i = F_j
    assert np.all(F[k, i] >= F.max(axis=1) - DRAW_TOL)              # ...where both are max
    ax = plot.plot_partition(rs, color_by="class")
    assert _artist(ax, "decision-boundary").get_label() == "class boundary"


def test_output_shading_is_the_network(binary_rs):
    rs, net = binary_rs, binary_rs.network
    ax = plot.plot_partition(rs, color_by="output")
    mesh = _artist(ax, "output")
    tri = mesh._triangulation       # TriMesh keeps its triangulation (no public getter)
    assert len(tri.triangles) == sum(len(P) - 2 for P in plot.region_polygons(rs))
    # Each triangle's corners take the network's values; Gouraud shading is linear in the
    # triangle, and so is the network inside one region: the centroid is exact too.
    V = np.stack([tri.x[tri.triangles], tri.y[tri.triangles]], axis=-1)
    F = net.forward(V.reshape(-1, 2))[:, 0].reshape(-1, 3)
    np.testing.assert_allclose(np.asarray(mesh.get_array())[tri.triangles], F, atol=DRAW_TOL)
    np.testing.assert_allclose(F.mean(axis=1), net.forward(V.mean(axis=1))[:, 0],
                               atol=DRAW_TOL)
    cbar = [a for a in ax.figure.axes if a.get_gid() == "colorbar"]
    assert len(cbar) == 1
    assert mesh.norm.vmin == pytest.approx(F.min()) and mesh.norm.vmax == pytest.approx(F.max())


def test_points_by_class_have_markers_and_a_legend(binary_rs):
    X = np.random.default_rng(1).uniform(-1, 1, size=(30, 2))
    y = np.arange(30) % 3
    ax = plot.plot_partition(binary_rs, points=X, classes=y, class_names=["a", "b", "c"],
                             boundary=False)
    lines = [a for a in ax.lines if a.get_gid() == "points"]
    assert len(lines) == 3 and len({ln.get_marker() for ln in lines}) == 3
    for c, ln in enumerate(lines):
        np.testing.assert_allclose(np.column_stack([ln.get_xdata(), ln.get_ydata()]),
                                   X[y == c])
        assert tuple(ln.get_markerfacecolor()) == tuple(plot.class_colours(3)[c])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["data: a", "data: b",
                                                                   "data: c"]
    with pytest.raises(rk.PointsError, match="one non-negative integer per point"):
        plot.plot_partition(binary_rs, points=X, classes=y[:5])
    with pytest.raises(rk.PointsError, match="give points"):
        plot.plot_partition(binary_rs, classes=y)
    with pytest.raises(rk.RegionkitError, match="color_by must be one of"):
        plot.plot_partition(binary_rs, color_by="value")
    with pytest.raises(rk.RegionkitError, match="output must be in 0..0"):
        plot.plot_partition(binary_rs, color_by="output", output=1)


def test_vector_output_rasterises_dense_collections(binary_rs, monkeypatch):
    import io

    def saved(ax, fmt):
        buf = io.BytesIO()
        ax.figure.savefig(buf, format=fmt)
        return buf.getvalue()

    ax = plot.plot_partition(binary_rs, color_by="class")
    assert binary_rs.n_regions <= plot.RASTER_THRESHOLD
    assert not _artist(ax, "regions").get_rasterized()
    pdf = saved(ax, "pdf")
    assert pdf.startswith(b"%PDF") and b"/Subtype /Image" not in pdf
    # Above the threshold the region collections become images inside the vector file; the
    # decision boundary stays a vector path.
    monkeypatch.setattr("regionkit.plot._axes.RASTER_THRESHOLD", 10)
    ax = plot.plot_partition(binary_rs, color_by="class")
    assert _artist(ax, "regions").get_rasterized() and _artist(ax, "classes").get_rasterized()
    assert not _artist(ax, "decision-boundary").get_rasterized()
    assert b"/Subtype /Image" in saved(ax, "pdf")
    assert b"<image" in saved(ax, "svg")
    ax = plot.plot_partition(binary_rs, rasterized=False)
    assert not _artist(ax, "regions").get_rasterized()


def test_paper_style_is_a_context():
    before = dict(plt.rcParams)
    with plot.paper_style() as rc:
        assert plt.rcParams["pdf.fonttype"] == 42 and plt.rcParams["font.size"] == 8.0
        cycle = [c["color"] for c in plt.rcParams["axes.prop_cycle"]]
        assert cycle == list(plot.OKABE_ITO) and rc["savefig.dpi"] == 300
    assert plt.rcParams["font.size"] == before["font.size"]
    with pytest.raises(rk.RegionkitError, match="no matplotlib rc parameter"):
        with plot.paper_style({"font.sise": 9}):
            pass


def test_3d_mesh_facets_against_the_faces():
    from regionkit.measures.faces import faces

    # One layer: a hyperplane arrangement, whose every interior 2-face is one drawn facet.
    rng = np.random.default_rng(2)
    net = rk.Network.from_arrays([rng.normal(size=(5, 3)), np.ones((1, 5))],
                                 [0.3 * rng.normal(size=5), np.zeros(1)])
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=3))
    ax = plot.plot_partition_3d(rs)
    ax.figure.canvas.draw()          # 3-D collections project their paths when drawn
    drawn = _artist(ax, "facets")
    facets, h = plot.boundary_facets(rs)
    fc = faces(rs)
    assert len(drawn.get_paths()) == len(facets) == int(np.sum(fc.dim == 2)) > 5
    # Each facet lies on its hyperplane W_h x + b_h = 0.
    W, b = net.weights[0], net.biases[0]
    for F, k in zip(facets, h):
        np.testing.assert_allclose(F @ W[k] + b[k], 0.0, atol=DRAW_TOL)
    # Deeper: bent hyperplanes; the drawn area is the area of the interior 2-faces.
    net = rk.constructions.torch_default([3, 6, 6, 1], seed=0)
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=3))
    facets, _ = plot.boundary_facets(rs)
    fc = faces(rs)
    area = sum(_area3(F) for F in facets)
    assert area == pytest.approx(fc.volume[fc.dim == 2].sum(), rel=1e-9)
    with pytest.raises(rk.DomainError, match="draws 3-D"):
        plot.plot_partition_3d(rk.enumerate_regions(net, rk.Plane.through(*np.eye(3))))


def _area3(F):
    c = F.mean(axis=0)
    return 0.5 * sum(np.linalg.norm(np.cross(F[k] - c, F[(k + 1) % len(F)] - c))
                     for k in range(len(F)))


def test_cli_plot_colourings(tmp_path):
    runner = CliRunner()
    out = tmp_path / "cls.pdf"
    res = runner.invoke(main, ["plot", "--example", "2d", "--color-by", "class", "--level",
                               "0.1", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_bytes().startswith(b"%PDF") and "1036 activation regions" in res.output
    res = runner.invoke(main, ["plot", "--example", "2d", "--color-by", "output", "-o",
                               str(tmp_path / "out.png"), "--dpi", "30"])
    assert res.exit_code == 0, res.output
    assert _is_png(tmp_path / "out.png")
    res = runner.invoke(main, ["plot", "--example", "2d", "--pair", "--color-by", "class",
                               "-o", str(out)])
    assert res.exit_code == 2 and "--color-by and --boundary" in res.output
    res = runner.invoke(main, ["plot", "--example", "2d", "--linear", "--color-by", "output",
                               "-o", str(out)])
    assert res.exit_code == 2 and "disagree" in res.output
