"""The HTML viewer without a browser: every region's hover data checked against the network
and the polygons (patterns from Network.pattern, maps evaluated against Network.forward, areas
by the shoelace formula, neighbours by stepping across each side), the page's content and
self-containment, atomic writes, errors, the CLI, and that nothing imports matplotlib."""
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner
from subprocesses import NEUTRAL_CWD, child_env

import regionkit as rk
from regionkit.cli import main
from regionkit.errors import DomainError, IncompleteError, MissingExtraError, RegionkitError
from regionkit.examples import example_network
from regionkit.plot import html, region_polygons

# Offset (domain units) used to step from a side's midpoint into the region across it: far
# below the smallest side of the 3-line arrangement used here (0.5), far above rounding.
STEP = 1e-6


def _three_lines():
    # Units x1, x2, x1 - x2 + 0.5 (integer weights): 7 regions in (-1, 1)^2.
    return rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
                                  [[0, 0, 0.5], [0]])


@pytest.fixture(scope="module")
def rs():
    return rk.enumerate_regions(_three_lines(), rk.Box(-1, 1, dim=2))


def _fields(text):
    """name -> value of a hover text's "name: value" lines (the first line is the title)."""
    lines = text.replace("<b>", "").replace("</b>", "").split("<br>")
    return lines[0], dict(ln.split(": ", 1) for ln in lines[1:] if ": " in ln)


def _shoelace(P):
    x, y = P[:, 0], P[:, 1]
    return 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def _neighbours_by_stepping(rs, r, P):
    """Regions found just outside the midpoint of each side of r's polygon (inside the box)."""
    found = set()
    for a, b in zip(P, np.roll(P, -1, axis=0)):
        mid, d = (a + b) / 2, b - a
        out = mid + STEP * np.array([d[1], -d[0]]) / np.linalg.norm(d)  # ccw: right is out
        if np.all(np.abs(out) < 1):
            found.add(int(rs.locate([out])[0]))
    return found


def test_hover_data_of_every_region_checked_independently(rs):
    texts, polys = html.hover_texts(rs), region_polygons(rs)
    assert len(texts) == rs.n_regions == 7
    for r, (text, P) in enumerate(zip(texts, polys)):
        title, f = _fields(text)
        assert title == f"region {r}"
        c = np.array([float(v) for v in f["interior point"].strip("()").split(",")])
        assert rs.locate([c])[0] == r
        bits = rs.network.pattern(c[None])[0]
        assert f["pattern"] == "".join("1" if b else "0" for b in bits)
        assert float(f["area"]) == pytest.approx(_shoelace(P), rel=1e-5)
        # the printed map (integer coefficients here, printed exactly) is the network's
        expr = text.split("<br>")[4].split(" = ", 1)[1].replace("·", "*")
        for t in (c, (c + P[0]) / 2):
            assert eval(expr, {"x1": t[0], "x2": t[1]}) == pytest.approx(
                rs.network.forward(t[None])[0, 0], abs=1e-12)
        ids = f[f"neighbours ({len(_neighbours_by_stepping(rs, r, P))})"]
        assert {int(k) for k in ids.split(", ")} == _neighbours_by_stepping(rs, r, P)
        assert int(f["linear region"]) == rs.linear_regions()[r]


def test_plane_slices_name_their_coordinates():
    net = rk.constructions.torch_default([3, 6, 6, 1], seed=2)
    plane = rk.Plane.through([0.0, 0.0, 0.0], [1.0, 0.5, 0.0], [0.0, 1.0, 1.0])
    rs = rk.enumerate_regions(net, plane)
    for r, text in enumerate(html.hover_texts(rs)):
        _, f = _fields(text)
        c = np.array([float(v) for v in f["interior point"].strip("()").split(",")])
        x = rs.domain.to_input(c[None])
        bits = net.pattern(x)[0]
        off = net.layer_hyperplane_offsets()
        assert f["pattern"] == " | ".join("".join("1" if b else "0" for b in bits[a:e])
                                          for a, e in zip(off[:-1], off[1:]) if e > a)
        head, expr = text.split("<br>")[4].split(" = ", 1)
        assert head == "F(s, t)"   # 4 significant digits per coefficient
        assert eval(expr.replace("·", "*"), {"s": c[0], "t": c[1]}) == pytest.approx(
            net.forward(x)[0, 0], rel=2e-3, abs=2e-3)


def test_long_layers_wrap_and_long_lists_are_cut(monkeypatch):
    net = rk.constructions.torch_default([2, 40, 3, 6], seed=1)
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    monkeypatch.setattr(html, "MAX_NEIGHBOURS_SHOWN", 2)
    pats, text = html.pattern_strings(rs), html.hover_texts(rs)[0]
    lines = text.split("<br>")
    layers = pats[0].split(" | ")
    assert [len(b) for b in layers] == [40, 3] and len(pats[0]) > html.PATTERN_LINE_BITS
    start = lines.index("pattern: " + layers[0][:html.PATTERN_LINE_BITS])
    assert lines[start + 1:start + 3] == [layers[0][html.PATTERN_LINE_BITS:] + " |", layers[1]]
    assert [ln[:3] for ln in lines if ln.startswith("F")] == ["F1(", "F2(", "F3(", "F4("]
    assert "... 2 more outputs" in lines
    n = len(html._neighbours(rs)[0])
    assert n > 2 and lines[-1].endswith(f", ... ({n - 2} more)")


def _plotted(page):
    """The data a page hands Plotly.newPlot (after the div's id)."""
    m = re.search(r'Plotly\.newPlot\(\s*"[^"]*",\s*', page)
    return json.JSONDecoder().raw_decode(page, m.end())[0]


def test_page_holds_every_region_and_needs_no_network(rs, tmp_path):
    pytest.importorskip("plotly")
    path = tmp_path / "regions.html"
    html.to_html(rs, path, title="seven regions")
    page = path.read_text(encoding="utf-8")
    assert os.listdir(tmp_path) == ["regions.html"]
    data = _plotted(page)
    shapes = [t for t in data if t.get("fill") == "toself"]
    assert [t["name"] for t in shapes] == [f"region {r}" for r in range(7)]
    assert [t["text"] for t in shapes] == html.hover_texts(rs)
    for t, P in zip(shapes, region_polygons(rs)):
        assert np.allclose(np.c_[t["x"], t["y"]], np.vstack([P, P[:1]]))
    assert data[-1]["hovertext"] == html.hover_texts(rs)
    assert np.allclose(np.c_[data[-1]["x"], data[-1]["y"]], rs.interior_points)
    assert "seven regions" in page
    assert not re.search(r"<script[^>]*\bsrc=", page), "a script is loaded from elsewhere"
    assert not re.search(r"<link[^>]*\bhref=", page)
    assert len(page) > 3_000_000    # plotly.js itself is in the page


def test_writes_are_atomic(rs, tmp_path, monkeypatch):
    pytest.importorskip("plotly")
    path = tmp_path / "regions.html"
    path.write_text("old")

    def fail(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(OSError, match="disk full"):
        html.to_html(rs, path)
    assert os.listdir(tmp_path) == ["regions.html"] and path.read_text() == "old"


def test_bad_input_is_refused(rs, tmp_path):
    with pytest.raises(RegionkitError, match=r"\.html or \.htm"):
        html.to_html(rs, tmp_path / "regions.png")
    with pytest.raises(RegionkitError, match="does not exist"):
        html.to_html(rs, tmp_path / "nowhere" / "regions.html")
    with pytest.raises(RegionkitError, match="takes a RegionSet"):
        html.html_page([1, 2])
    with pytest.raises(RegionkitError, match="max_regions=5"):
        html.html_page(rs, max_regions=5)
    line = rk.enumerate_regions(rk.Network.from_arrays([[[1]], [[1]]], [[0], [0]]),
                                rk.Box(-1, 1))
    with pytest.raises(DomainError, match="plot_line"):
        html.to_html(line, tmp_path / "line.html")
    cube = rk.enumerate_regions(rk.Network.from_arrays([[[1, 0, 0]], [[1]]], [[0], [0]]),
                                rk.Box(-1, 1, dim=3))
    with pytest.raises(DomainError, match="2-D RegionSets; this one lives on a 3-D"):
        html.html_page(cube)
    big = rk.enumerate_regions(example_network("2d"), rk.Box(-1, 1, dim=2),
                               max_regions=50)
    with pytest.raises(IncompleteError):
        html.html_page(big)
    assert os.listdir(tmp_path) == []


def test_missing_plotly_names_the_extra(rs, monkeypatch):
    monkeypatch.setitem(sys.modules, "plotly", None)
    monkeypatch.setitem(sys.modules, "plotly.io", None)
    with pytest.raises(MissingExtraError, match=r'pip install "regionkit\[viewer\]"'):
        html.html_page(rs)


def test_cli_writes_the_viewer_and_nothing_imports_matplotlib(tmp_path):
    pytest.importorskip("plotly")
    out = tmp_path / "regions.html"
    code = ("import sys\n"
            "from regionkit.cli import main\n"
            f"main(['plot', '--example', '2d', '-o', {str(out)!r}, '--json'], "
            "standalone_mode=False)\n"
            "print('matplotlib' in sys.modules)\n")
    res = subprocess.run([sys.executable, "-c", code], cwd=NEUTRAL_CWD, env=child_env(),
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    report, imported = res.stdout.strip().split("\n")
    assert json.loads(report)["n_regions"] == 1036 and imported == "False"
    data = _plotted(out.read_text(encoding="utf-8"))
    assert sum(t.get("fill") == "toself" for t in data) == 1036
    refused = CliRunner().invoke(main, ["plot", "--example", "2d", "--pair", "-o",
                                        str(tmp_path / "pair.html")])
    assert refused.exit_code == 2 and "--pair, --linear, --color-by" in refused.output
