"""The HTML viewer (regionkit.plot.to_html) against the number of regions: seconds to build
the page, its size, and in headless Chromium the seconds to draw it and to redraw after a zoom
(Plotly.relayout to the middle quarter). Prints a table and writes JSON; the basis of
regionkit.plot.html.MAX_REGIONS.

Nets: PyTorch's nn.Linear default initialisation, seed 0, on (-1, 1)^2. Needs the viewer
extra, selenium and the system's chromium + chromedriver (tests/browser.py drives them).

    python benchmarks/bench_viewer.py [--repeat 2] [--out benchmarks/results/viewer.json]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import regionkit as rk
from regionkit.constructions import torch_default
from regionkit.plot import html

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tests"))
import browser  # noqa: E402  (tests/browser.py)
from benchjson import default_out, write_results  # noqa: E402

CASES = [[2, 16, 16, 1], [2, 32, 32, 1], [2, 32, 32, 32, 1], [2, 48, 48, 48, 1],
         [2, 64, 64, 64, 1]]
ZOOM = "return Plotly.relayout(document.querySelector('.js-plotly-plot'), " \
       "{'xaxis.range': [-0.25, 0.25], 'yaxis.range': [-0.25, 0.25]}).then(() => 0);"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--out", default=default_out("viewer"))
    args = ap.parse_args()
    if browser.missing():
        sys.exit(f"cannot run: {browser.missing()}")
    rows = []
    driver = browser.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for arch in CASES:
                rs = rk.enumerate_regions(torch_default(arch, seed=0), rk.Box(-1, 1, dim=2))
                path = os.path.join(tmp, "regions.html")
                t0 = time.perf_counter()
                html.to_html(rs, path, max_regions=rs.n_regions)
                build = time.perf_counter() - t0
                draw, zoom = [], []
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    browser.open_plot(driver, path)
                    draw.append(time.perf_counter() - t0)
                    t0 = time.perf_counter()
                    driver.execute_script(ZOOM)
                    zoom.append(time.perf_counter() - t0)
                rows.append({"net": "-".join(map(str, arch)), "regions": rs.n_regions,
                             "build_seconds": build, "megabytes": os.path.getsize(path) / 1e6,
                             "draw_seconds": min(draw), "zoom_seconds": min(zoom),
                             "console_errors": len(browser.console_errors(driver))})
    finally:
        driver.quit()
    print(f"{'net':<16}{'regions':>8}{'build s':>9}{'MB':>7}{'draw s':>8}{'zoom s':>8}"
          f"{'errors':>8}")
    for r in rows:
        print(f"{r['net']:<16}{r['regions']:>8}{r['build_seconds']:>9.2f}{r['megabytes']:>7.2f}"
              f"{r['draw_seconds']:>8.2f}{r['zoom_seconds']:>8.2f}{r['console_errors']:>8}")
    write_results(args.out, max_regions=html.MAX_REGIONS, rows=rows)


if __name__ == "__main__":
    main()
