"""Headless Chromium for the HTML viewer's tests and benchmark: the system's chromium and
chromedriver (Debian: apt-get install chromium chromium-driver), driven by Selenium.

Selenium Manager's downloads are never used: the driver is started from the chromedriver on
PATH, and the browser from the first of BROWSERS found.
"""
from __future__ import annotations

import importlib.util
import shutil

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
# Seconds to wait for plotly to draw a page.
DRAW_TIMEOUT = 30.0


def missing() -> str | None:
    """Why no browser can be driven here (a skip reason), or None."""
    if importlib.util.find_spec("selenium") is None:
        return "selenium is not installed (pip install \".[test]\")"
    if not any(shutil.which(b) for b in BROWSERS):
        return f"no Chromium browser on PATH (looked for {', '.join(BROWSERS)}; Debian: " \
               "apt-get install chromium chromium-driver)"
    if shutil.which("chromedriver") is None:
        return "no chromedriver on PATH (Debian: apt-get install chromium-driver)"
    return None


def start(width: int = 1000, height: int = 900):
    """A headless Chromium WebDriver that records the page's console messages."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = next(shutil.which(b) for b in BROWSERS if shutil.which(b))
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={width},{height}"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=opts, service=Service(shutil.which("chromedriver")))


def open_plot(driver, path: str) -> None:
    """Load a viewer page and wait until plotly has drawn it."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get("file://" + path)
    WebDriverWait(driver, DRAW_TIMEOUT).until(lambda d: d.execute_script(
        "const g = document.querySelector('.js-plotly-plot');"
        "return !!(g && g._fullLayout && g.querySelector('.main-svg'));"))


def console_errors(driver) -> list[dict]:
    """The console messages of level SEVERE (uncaught errors, failed loads) so far."""
    return [m for m in driver.get_log("browser") if m["level"] == "SEVERE"]


# The plot div, its place in the viewport and its axes, for the coordinate scripts below.
_AXES = ("const g = document.querySelector('.js-plotly-plot'), r = g.getBoundingClientRect();"
         "const xa = g._fullLayout.xaxis, ya = g._fullLayout.yaxis;")


def to_pixels(driver, x: float, y: float) -> tuple[int, int]:
    """The viewport pixel of a point in plot coordinates (rounded)."""
    px, py = driver.execute_script(
        _AXES + "return [r.left + xa._offset + xa.l2p(arguments[0]),"
        "                r.top + ya._offset + ya.l2p(arguments[1])];", x, y)
    return round(px), round(py)


def to_plot(driver, px: int, py: int) -> tuple[float, float]:
    """The point in plot coordinates under a viewport pixel."""
    x, y = driver.execute_script(
        _AXES + "return [xa.p2l(arguments[0] - r.left - xa._offset),"
        "                ya.p2l(arguments[1] - r.top - ya._offset)];", px, py)
    return float(x), float(y)


def hover_labels(driver, px: int, py: int) -> list[str]:
    """Move the mouse to a viewport pixel; the hover labels shown there, lines joined by \\n."""
    from selenium.webdriver.common.actions.action_builder import ActionBuilder
    from selenium.webdriver.support.ui import WebDriverWait

    actions = ActionBuilder(driver)
    actions.pointer_action.move_to_location(px, py)
    actions.perform()
    script = ("return Array.from(document.querySelectorAll('.hoverlayer .hovertext'))"
              ".map(h => Array.from(h.querySelectorAll('text.nums tspan.line'))"
              ".map(t => t.textContent).join('\\n'));")
    return WebDriverWait(driver, 5.0).until(lambda d: d.execute_script(script))
