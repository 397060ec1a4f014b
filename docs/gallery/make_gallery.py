"""Build the figure gallery: docs/img/gallery/*.png and docs/gallery.md (the code beside each).

    python docs/gallery/make_gallery.py [OUT_DIR]

Every figure is a function below returning its Figure and what it was drawn from; the
gallery page shows each function's source, so the page and the pictures never drift apart.
tests/test_gallery.py runs every function (Agg backend) and checks one property of each
figure against an independent computation; it also checks that docs/gallery.md is what
gallery_markdown() writes.
"""
from __future__ import annotations

import inspect
import sys
from pathlib import Path

import numpy as np

import regionkit as rk
from regionkit import plot

ROOT = Path(__file__).resolve().parents[2]
PNG_DPI = 110      # small PNGs for the docs; a paper would save PDF (vector)
PNG_COLOURS = 256  # the saved PNGs are quantised to this many colours to stay small


def output_value():
    """The exact output, shaded linearly inside each region, with the decision boundary."""
    net = rk.constructions.torch_default([2, 12, 12, 1], seed=3)
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    with plot.paper_style():
        fig, ax = plot.pyplot().subplots(figsize=(3.4, 3.0), layout="compressed")
        plot.plot_partition(rs, ax, color_by="output", level=0.175)
    return fig, {"rs": rs, "ax": ax}


def binary_classes():
    """Class pieces {F <= t} and {F > t}, cut exactly; data points by class, with a legend."""
    net = rk.constructions.torch_default([2, 12, 12, 1], seed=3)
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    X = np.random.default_rng(0).uniform(-1, 1, size=(40, 2))
    y = (net.forward(X)[:, 0] > 0.175).astype(int)
    with plot.paper_style():
        fig, ax = plot.pyplot().subplots(figsize=(3.4, 3.6), layout="compressed")
        plot.plot_partition(rs, ax, color_by="class", level=0.175, points=X, classes=y)
    return fig, {"rs": rs, "ax": ax, "level": 0.175}


def three_classes():
    """argmax of three outputs: the class regions and the boundaries F_i = F_j = max F."""
    rng = np.random.default_rng(37)
    net = rk.Network.from_arrays([rng.normal(size=(10, 2)), rng.normal(size=(3, 10))],
                                 [0.5 * rng.normal(size=10), 0.3 * rng.normal(size=3)])
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
    with plot.paper_style():
        fig, ax = plot.pyplot().subplots(figsize=(3.4, 3.4), layout="compressed")
        plot.plot_partition(rs, ax, color_by="class")
    return fig, {"rs": rs, "ax": ax}


def activation_and_linear():
    """Activation regions (neighbours differ) beside linear regions (one colour per map)."""
    rng = np.random.default_rng(24)
    net = rk.Network.from_arrays(
        [rng.normal(size=(8, 2)), rng.normal(size=(8, 8)) / 2, rng.normal(size=(1, 8))],
        [0.5 * rng.normal(size=8), 0.5 * rng.normal(size=8) - 0.7, np.zeros(1)])
    rs = rk.enumerate_regions(net, rk.Box(-2, 2, dim=2))
    with plot.paper_style():
        fig, axes = plot.pyplot().subplots(1, 2, figsize=(6.8, 3.2), layout="compressed")
        plot.plot_partition_pair(rs, axes)
    return fig, {"rs": rs, "axes": axes}


def plane_through_data():
    """A plane through three inputs of a 10-input net, the three labelled where they lie."""
    rng = np.random.default_rng(3)
    net = rk.Network.from_arrays([rng.normal(size=(12, 10)), rng.normal(size=(2, 12))],
                                 [rng.normal(size=12), np.zeros(2)])
    X = rng.normal(size=(3, 10))
    rs = rk.enumerate_regions(net, rk.Plane.through(*X))
    with plot.paper_style():
        fig, ax = plot.pyplot().subplots(figsize=(3.4, 3.4), layout="compressed")
        plot.plot_partition(rs, ax, color_by="class")
    return fig, {"rs": rs, "ax": ax, "X": X}


def segment_through_data():
    """The exact output along a segment through two inputs, its breakpoints, the two labelled."""
    rng = np.random.default_rng(1)
    net = rk.Network.from_arrays([rng.normal(size=(10, 4)), rng.normal(size=(10, 10)),
                                  rng.normal(size=(1, 10))],
                                 [rng.normal(size=10), rng.normal(size=10), np.zeros(1)])
    x0, x1 = rng.normal(size=4), rng.normal(size=4)
    rs = rk.enumerate_regions(net, rk.Segment.through(x0, x1))
    with plot.paper_style():
        fig, ax = plot.pyplot().subplots(layout="constrained")   # paper_style's 3.4 x 2.6 in
        plot.plot_line(rs, ax)
    return fig, {"rs": rs, "ax": ax}


def mesh_3d():
    """A 3-input net: the boundaries between its regions as a mesh, coloured by layer."""
    net = rk.constructions.torch_default([3, 5, 5, 1], seed=0)
    rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=3))
    with plot.paper_style({"figure.figsize": (3.4, 3.2)}):
        ax = plot.plot_partition_3d(rs)
    return ax.figure, {"rs": rs, "ax": ax}


def counts_depth_width():
    """Region counts against depth and width, the mean over 5 seeds with its min-max band."""
    seeds = range(5)
    drawn = {}
    with plot.paper_style():
        fig, (left, right) = plot.pyplot().subplots(1, 2, figsize=(6.8, 2.6),
                                                    layout="constrained")
        for width in (4, 8):
            runs = [rk.enumerate_regions(rk.constructions.torch_default(
                        [2] + [width] * depth + [1], seed=s), rk.Box(-1, 1, dim=2))
                    for depth in (1, 2, 3, 4) for s in seeds]
            plot.plot_counts(runs, by="depth", ax=left, label=f"width {width}")
            drawn[f"width {width}"] = runs
        for depth in (1, 2):
            runs = [rk.enumerate_regions(rk.constructions.torch_default(
                        [2] + [width] * depth + [1], seed=s), rk.Box(-1, 1, dim=2))
                    for width in (2, 4, 6, 8) for s in seeds]
            label = f"{depth} hidden layer" + "s" * (depth > 1)
            plot.plot_counts(runs, by="width", ax=right, label=label)
            drawn[label] = runs
    return fig, {"axes": (left, right), "runs": drawn}


FIGURES = [output_value, binary_classes, three_classes, activation_and_linear,
           plane_through_data, segment_through_data, mesh_3d, counts_depth_width]


def save_png(fig, path: Path) -> None:
    """Save a figure as a small PNG (PNG_DPI, quantised to PNG_COLOURS), atomically."""
    from PIL import Image

    from regionkit.atomic import atomic_path

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp_png = path.with_suffix(".full.png")
    fig.savefig(tmp_png, dpi=PNG_DPI)
    with Image.open(tmp_png) as img:
        small = img.convert("RGB").quantize(PNG_COLOURS)
    tmp_png.unlink()
    with atomic_path(path) as tmp:
        small.save(tmp, format="PNG", optimize=True)


def gallery_markdown() -> str:
    """The text of docs/gallery.md: each figure, its docstring and its code."""
    out = ["# Gallery", "",
           "Figures for a paper, made by `docs/gallery/make_gallery.py` (CI runs it: "
           "`tests/test_gallery.py` builds every figure and checks one property of each "
           "against an independent computation). Each is drawn in `plot.paper_style()`; "
           "save to PDF for a paper (`fig.savefig(\"f.pdf\")`: vector, fonts embedded). "
           "The PNGs here are reduced for the web.", "",
           "```python", "import numpy as np", "import regionkit as rk",
           "from regionkit import plot", "```"]
    for f in FIGURES:
        doc = inspect.getdoc(f)
        out += ["", f"## {f.__name__.replace('_', ' ').capitalize()}", "",
                f"![{doc}](img/gallery/{f.__name__}.png)", "", doc, "", "```python",
                inspect.getsource(f).rstrip(), "```"]
    return "\n".join(out) + "\n"


def main(out_dir: Path) -> list[Path]:
    """Draw every figure into out_dir/NAME.png; return the paths."""
    plt = plot.pyplot("Agg")
    paths = []
    for f in FIGURES:
        fig, _ = f()
        path = out_dir / f"{f.__name__}.png"
        save_png(fig, path)
        plt.close(fig)
        paths.append(path)
    return paths


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "img" / "gallery"
    for p in main(target):
        print(p)
    if len(sys.argv) == 1:
        from regionkit.atomic import write_text

        write_text(ROOT / "docs" / "gallery.md", gallery_markdown())
        print(ROOT / "docs" / "gallery.md")
