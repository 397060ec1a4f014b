"""The HTML viewer in a real headless Chromium (system chromium + chromedriver, Selenium):
the page loads offline with no console error, draws one filled shape per region, and hovering
a region, or a sliver after zooming in, shows the pattern Network.pattern gives at the
hovered point. Skipped, with the reason, where no browser can be driven."""
import numpy as np
import pytest

import regionkit as rk

pytest.importorskip("plotly", reason="the viewer extra (plotly) is not installed")
import browser  # noqa: E402  (tests/browser.py)

from regionkit.plot.html import HOVER_DISTANCE, to_html  # noqa: E402

if browser.missing():
    pytest.skip(browser.missing(), allow_module_level=True)


def _sliver_net():
    # Lines x2 = 0 and x2 = 0.001 x1 + 0.0005 cross at x1 = -0.5: the wedge between them,
    # at most 0.0015 high, is a sliver; x1 = 0 and x1 + x2 = 0.3 cut the rest.
    W0 = np.array([[0.0, 1.0], [-0.001, 1.0], [1.0, 0.0], [1.0, 1.0]])
    b0 = np.array([0.0, -0.0005, 0.0, -0.3])
    W1 = np.array([[1.0, -2.0, 1.0, 0.5], [0.5, 1.0, -1.0, 1.0], [1.0, 0.0, 0.0, -1.0]])
    return rk.Network.from_arrays([W0, W1, np.array([[1.0, 1.0, -1.0]])],
                                  [b0, np.array([0.1, -0.2, 0.0]), np.zeros(1)])


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    rs = rk.enumerate_regions(_sliver_net(), rk.Box(-1, 1, dim=2))
    path = str(tmp_path_factory.mktemp("viewer") / "regions.html")
    to_html(rs, path)
    driver = browser.start()
    try:
        browser.open_plot(driver, path)
        yield rs, driver
    finally:
        driver.quit()


def _expected_pattern(rs, x, y):
    """The pattern at (x, y) from the network itself, written as the viewer writes it."""
    bits = rs.network.pattern(rs.domain.to_input(np.array([[x, y]])))[0]
    off = rs.network.layer_hyperplane_offsets()
    return " | ".join("".join("1" if b else "0" for b in bits[a:c])
                      for a, c in zip(off[:-1], off[1:]) if c > a)


def _hover_region(rs, driver, r):
    """Hover half a Chebyshev radius right of region r's centre: inside r, and at least that
    far from every region's interior-point marker. Returns the label and the hovered point."""
    c, rad = rs.interior_points[r], rs.chebyshev_radii[r]
    px, py = browser.to_pixels(driver, c[0] + rad / 2, c[1])
    cx, _ = browser.to_pixels(driver, c[0], c[1])
    assert px - cx > 2 * HOVER_DISTANCE, "the region is too small on screen to hover its fill"
    x, y = browser.to_plot(driver, px, py)   # the point under the pixel actually hovered
    assert rs.locate([[x, y]])[0] == r
    labels = browser.hover_labels(driver, px, py)
    assert len(labels) == 1, labels
    return labels[0], (x, y)


def _field(label, name):
    lines = [ln for ln in label.split("\n") if ln.startswith(name + ": ")]
    assert len(lines) == 1, label
    return lines[0][len(name) + 2:]


def test_page_loads_without_console_errors_and_has_one_shape_per_region(page):
    rs, driver = page
    assert browser.console_errors(driver) == []
    traces = driver.execute_script(
        "return document.querySelector('.js-plotly-plot').data"
        ".map(t => [t.name, t.fill || null, t.x.length]);")
    shapes = [t for t in traces if t[1] == "toself"]
    assert [t[0] for t in shapes] == [f"region {r}" for r in range(rs.n_regions)]
    # each shape is its region's polygon, closed
    assert [t[2] for t in shapes] == (np.diff(rs.vertex_offsets) + 1).tolist()
    assert driver.execute_script(
        "return document.querySelectorAll('.js-plotly-plot .scatterlayer .js-fill').length"
    ) == rs.n_regions
    assert traces[-1][:2] == ["interior points", None] and traces[-1][2] == rs.n_regions


def test_hover_shows_the_pattern_at_the_point(page):
    rs, driver = page
    r = int(np.argmax(rs.chebyshev_radii))
    label, (x, y) = _hover_region(rs, driver, r)
    assert label.split("\n")[0] == f"region {r}"
    assert _field(label, "pattern") == _expected_pattern(rs, x, y)
    assert browser.console_errors(driver) == []


def test_zooming_reaches_a_sliver(page):
    rs, driver = page
    r = int(np.argmin(rs.chebyshev_radii))
    c, rad = rs.interior_points[r], rs.chebyshev_radii[r]
    px0, _ = browser.to_pixels(driver, c[0], c[1])
    px1, _ = browser.to_pixels(driver, c[0] + rad, c[1])
    assert px1 - px0 < 1, "the sliver is visible without zooming: no test of zooming"
    driver.execute_script(
        "const g = document.querySelector('.js-plotly-plot');"
        "return Plotly.relayout(g, {'xaxis.range': [arguments[0] - arguments[2],"
        " arguments[0] + arguments[2]], 'yaxis.range': [arguments[1] - arguments[2],"
        " arguments[1] + arguments[2]]});", c[0], c[1], 4 * rad)
    label, (x, y) = _hover_region(rs, driver, r)
    assert label.split("\n")[0] == f"region {r}"
    assert _field(label, "pattern") == _expected_pattern(rs, x, y)
    assert browser.console_errors(driver) == []
