"""The gallery (docs/gallery/make_gallery.py): every figure builds, and one property of each
is checked against an independent computation; docs/gallery.md is what the script writes."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

mpl = pytest.importorskip("matplotlib")
mpl.use("Agg")
pytest.importorskip("PIL")
import matplotlib.pyplot as plt  # noqa: E402

from regionkit import plot  # noqa: E402
from regionkit.measures.faces import faces  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "docs" / "gallery" / "make_gallery.py"
# Drawn values against Network.forward: equal up to float error.
TOL = 1e-9


@pytest.fixture(scope="module")
def gallery():
    spec = importlib.util.spec_from_file_location("make_gallery", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _artist(ax, gid):
    found = [a for a in ax.get_children() if a.get_gid() == gid]
    assert len(found) == 1, f"{len(found)} artists with gid {gid!r}"
    return found[0]


def check_output_value(d):
    mesh = _artist(d["ax"], "output")
    tri = mesh._triangulation           # TriMesh keeps its triangulation (no public getter)
    V = np.stack([tri.x, tri.y], axis=1)
    np.testing.assert_allclose(mesh.get_array(), d["rs"].network.forward(V)[:, 0], atol=TOL)


def check_binary_classes(d):
    segs = _artist(d["ax"], "decision-boundary").get_segments()
    pts = np.concatenate([np.linspace(s[0], s[1], 5) for s in segs])
    np.testing.assert_allclose(d["rs"].network.forward(pts)[:, 0], d["level"], atol=TOL)


def check_three_classes(d):
    pc = _artist(d["ax"], "classes")
    colours = plot.class_colours(3, plot.CLASS_TINT)
    X = np.random.default_rng(5).uniform(-1, 1, size=(300, 2))
    want = np.argmax(d["rs"].network.forward(X), axis=1)
    for path, face in zip(pc.get_paths(), pc.get_facecolors()):
        cls = int(np.argmin(np.abs(colours - face).sum(axis=1)))
        inside = path.contains_points(X, radius=-1e-9) & path.contains_points(X, radius=1e-9)
        assert np.all(want[inside] == cls)


def check_activation_and_linear(d):
    colours = _artist(d["axes"][1], "regions").get_facecolors()
    lab = d["rs"].linear_regions()
    for k in np.unique(lab):
        assert len(np.unique(colours[lab == k], axis=0)) == 1


def check_plane_through_data(d):
    pts = _artist(d["ax"], "anchors")
    T = np.column_stack([pts.get_xdata(), pts.get_ydata()])
    np.testing.assert_allclose(d["rs"].domain.to_input(T), d["X"], atol=TOL)


def check_segment_through_data(d):
    g = _artist(d["ax"], "graph")
    x = d["rs"].domain.to_input(np.asarray(g.get_xdata())[:, None])
    np.testing.assert_allclose(g.get_ydata(), d["rs"].network.forward(x)[:, 0], atol=TOL)


def check_mesh_3d(d):
    d["ax"].figure.canvas.draw()        # 3-D collections project their paths when drawn
    facets, _ = plot.boundary_facets(d["rs"])
    assert len(_artist(d["ax"], "facets").get_paths()) == len(facets)

    def area(F):
        c = F.mean(axis=0)
        return 0.5 * sum(np.linalg.norm(np.cross(F[k] - c, F[(k + 1) % len(F)] - c))
                         for k in range(len(F)))

    fc = faces(d["rs"])
    assert sum(area(F) for F in facets) == pytest.approx(fc.volume[fc.dim == 2].sum(),
                                                         rel=1e-9)


def check_counts_depth_width(d):
    left, right = d["axes"]
    bands = [a for ax in (left, right) for a in ax.collections if a.get_gid() == "counts-band"]
    assert len(bands) == len(d["runs"]) == 4
    for band, runs in zip(bands, d["runs"].values()):
        V = band.get_paths()[0].vertices
        ax = left if band.axes is left else right
        x = np.array([len(r.network.hidden_widths) if ax is left else r.network.hidden_widths[0]
                      for r in runs])
        n = np.array([r.n_regions for r in runs])
        for v in np.unique(x):
            ys = V[np.isclose(V[:, 0], v), 1]
            assert ys.min() == n[x == v].min() and ys.max() == n[x == v].max()


def test_every_figure_builds_with_its_property(gallery, tmp_path):
    checked = {f.__name__ for f in gallery.FIGURES}
    assert checked == {n[len("check_"):] for n in globals() if n.startswith("check_")}
    for f in gallery.FIGURES:
        fig, data = f()
        globals()[f"check_{f.__name__}"](data)
        path = tmp_path / f"{f.__name__}.png"
        gallery.save_png(fig, path)
        plt.close(fig)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (ROOT / "docs" / "img" / "gallery" / path.name).is_file()


def test_gallery_page_is_what_the_script_writes(gallery):
    assert (ROOT / "docs" / "gallery.md").read_text() == gallery.gallery_markdown()
