"""Markdown report of a results directory: per suite, its expectations checked (PASS/FAIL
with the measured numbers), its plots (PNG, matplotlib), the plotted numbers as tables, and
the failed jobs with their errors.

Plots ([[plots]] tables of a suite):
* line: mean of ``y`` against ``x``, with a band from the least to the greatest value
  where several rows (seeds) share an x, one line per value of the ``by`` columns; log_x /
  log_y; ``hlines`` draws reference values; the plotted numbers follow as a table unless
  table = false;
* hist: the list column ``column`` (histogram counts) summed over rows per ``by`` value and
  normalised, on the bin edges of the list column ``edges``;
* partitions: the saved RegionSets (domains with save_regions = true) of the selected rows
  drawn with regionkit.plot, one panel per row, titled by the ``by`` columns.
"""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from regionkit.atomic import atomic_path, write_text
from regionkit.errors import MissingExtraError, SuiteError
from regionkit.suite import checks
from regionkit.suite.table import find_tables, read_table, regions_dir

__all__ = ["MAX_PANELS", "PLOT_COMMON", "PLOT_KEYS", "plot_section", "suite_section",
           "validate_plot", "write_report"]

PLOT_KEYS = {
    "line": {"x", "y", "log_x", "log_y", "hlines", "xlabel", "ylabel", "table"},
    "hist": {"column", "edges", "xlabel"},
    "partitions": {"max_panels"},
}
PLOT_COMMON = {"kind", "title", "where", "by"}
MAX_PANELS = 8


def validate_plot(plot: dict[str, Any]) -> None:
    """Check that a [[plots]] table is one the report can draw.

    Parameters
    ----------
    plot : dict
        The table, as read from the suite file.

    Raises
    ------
    SuiteError
        If its kind is unknown or it has keys the kind does not take.

    Examples
    --------
    >>> from regionkit.suite.report import validate_plot
    >>> validate_plot({"kind": "line", "x": "depth", "y": "n_regions"})
    >>> validate_plot({"kind": "pie"})
    Traceback (most recent call last):
    ...
    regionkit.errors.SuiteError: [[plots]] kind must be one of line, hist, partitions, got 'pie'
    """
    kind = plot.get("kind")
    if kind not in PLOT_KEYS:
        raise SuiteError(f"[[plots]] kind must be one of {', '.join(PLOT_KEYS)}, got {kind!r}")
    extra = set(plot) - PLOT_COMMON - PLOT_KEYS[kind]
    if extra:
        raise SuiteError(f"[[plots]] {plot.get('title')!r}: {kind} takes no {sorted(extra)}")


def write_report(results_dir: str | os.PathLike, output: str | os.PathLike | None = None,
                 plots: bool = True) -> Path:
    """Write the Markdown report of every suite table in a results directory.

    Parameters
    ----------
    results_dir : str or os.PathLike
        The results directory.
    output : str or os.PathLike, optional
        The Markdown file (default results_dir/report.md); plots go to plots/ beside it.
    plots : bool, default True
        Draw the plots (skipped, with a note, when matplotlib is missing).

    Returns
    -------
    pathlib.Path
        The report written.

    Raises
    ------
    SuiteError
        If the directory is missing or holds no suite table, or a suite's expectations or
        plots are invalid.

    Examples
    --------
    >>> import tempfile
    >>> from regionkit.suite import parse_suite, run_suite, write_report
    >>> suite = parse_suite({"name": "tiny", "measures": ["counts"],
    ...                      "networks": [{"kind": "torch_default", "arch": [2, 8, 1]}],
    ...                      "domains": [{"kind": "box"}],
    ...                      "expect": [{"name": "some regions", "check": "range",
    ...                                  "column": "n_regions", "lo": 2}]})
    >>> with tempfile.TemporaryDirectory() as out:
    ...     _ = run_suite(suite, out, fmt="csv")
    ...     text = write_report(out, plots=False).read_text()
    >>> "| some regions |  | all: 20 | **PASS** |" in text
    True
    """
    import regionkit

    res = Path(results_dir)
    if not res.is_dir():
        raise SuiteError(f"{res}: no such results directory")
    tables = find_tables(res)
    if not tables:
        raise SuiteError(f"{res}: no suite tables (.parquet or .csv) to report on")
    out = Path(output) if output is not None else res / "report.md"
    plot_dir = out.parent / "plots"
    plt = _pyplot() if plots else None
    when = datetime.now(timezone.utc).isoformat(timespec="seconds")
    lines = ["# regionkit suite report", "",
             f"Results in `{res}`, reported {when} with regionkit {regionkit.__version__}."]
    if plots and plt is None:
        lines += ["", 'Plots skipped: matplotlib is not installed (pip install '
                  '"regionkit[plot]").']
    for name, path in tables.items():
        rows = read_table(path)
        spec_path = res / f"{name}.suite.json"
        spec = json.loads(spec_path.read_text()) if spec_path.exists() else {"name": name}
        lines += [""] + suite_section(spec, rows, res, out.parent, plot_dir, plt, path.name)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text(out, "\n".join(lines) + "\n")
    return out


def suite_section(spec: dict[str, Any], rows: list[dict[str, Any]], res: Path, base: Path,
                  plot_dir: Path, plt: Any, table_name: str) -> list[str]:
    """The report's section for one suite: summary, expectations, plots, failed jobs.

    Parameters
    ----------
    spec : dict
        The resolved suite (NAME.suite.json), or just its name.
    rows : list of dict
        Its table rows.
    res : pathlib.Path
        The results directory.
    base : pathlib.Path
        The report's directory (image links are relative to it).
    plot_dir : pathlib.Path
        Where images go.
    plt : module or None
        matplotlib.pyplot, or None to draw nothing.
    table_name : str
        The table's file name, for the summary.

    Returns
    -------
    list of str
        Markdown lines.

    Raises
    ------
    SuiteError
        If an expectation or plot is invalid.
    """
    name = spec.get("name", "suite")
    ok = [r for r in rows if r.get("status") == "ok"]
    failed = [r for r in rows if r.get("status") != "ok"]
    secs = sum(float(r.get("seconds") or 0.0) for r in rows)
    profile = f", profile `{spec['profile']}`" if spec.get("profile") else ""
    lines = [f"## {spec.get('title', name)}", "",
             f"Suite `{name}`{profile}: {len(rows)} jobs, {len(ok)} ok, {len(failed)} failed, "
             f"{secs:.1f} s of job time; table `{table_name}`."]
    if spec.get("source"):
        lines += ["", f"Source: {spec['source']}."]
    if spec.get("description"):
        lines += ["", str(spec["description"]).strip()]
    versions = sorted({(k, r[k]) for r in ok for k in r if k.startswith("version.") and r[k]})
    if versions:
        lines += ["", "Versions: " + ", ".join(f"{k[8:]} {v}" for k, v in versions) + "."]
    results = [checks.evaluate(e, rows) for e in spec.get("expect", [])]
    if results:
        lines += ["", "### Expectations", "", "| expectation | published | measured | result |",
                  "|---|---|---|---|"]
        for c in results:
            lines.append(f"| {_md(c.name)} | {_md(c.published)} | {_md(c.measured)} | "
                         f"**{c.verdict}** |")
        notes = [c for c in results if c.tolerance]
        if notes:
            lines += [""] + [f"- *{_md(c.name)}*: {_md(c.tolerance)}" for c in notes]
    for i, plot in enumerate(spec.get("plots", []), start=1):
        lines += [""] + plot_section(plot, rows, name, i, res, base, plot_dir, plt)
    if failed:
        lines += ["", "### Failed jobs", "", "| job | network | domain | error |",
                  "|---|---|---|---|"]
        for r in failed:
            lines.append(f"| `{r.get('job_id')}` | {_md(_params(r, 'net.'))} | "
                         f"{_md(_params(r, 'dom.'))} | {_md(str(r.get('error')))} |")
    return lines


def _params(row: dict[str, Any], prefix: str) -> str:
    return ", ".join(f"{k[len(prefix):]}={v}" for k, v in row.items()
                     if k.startswith(prefix) and v is not None and k != prefix + "name")


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _pyplot():
    try:
        from regionkit.plot import pyplot
    except ImportError:
        return None
    try:
        return pyplot("Agg")
    except MissingExtraError:
        return None


def plot_section(plot: dict[str, Any], rows: list[dict[str, Any]], suite: str, i: int,
                 res: Path, base: Path, plot_dir: Path, plt: Any) -> list[str]:
    """Markdown for one plot: the image (when matplotlib is there) and its numbers.

    Parameters
    ----------
    plot : dict
        A [[plots]] table.
    rows : list of dict
        The suite's table rows.
    suite : str
        The suite's name.
    i : int
        The plot's number in the suite (names the image).
    res : pathlib.Path
        The results directory (saved RegionSets are read from it).
    base : pathlib.Path
        The report's directory (image links are relative to it).
    plot_dir : pathlib.Path
        Where images go.
    plt : module or None
        matplotlib.pyplot, or None to draw nothing.

    Returns
    -------
    list of str
        Markdown lines: a heading, the image link if drawn, and the plotted numbers.

    Raises
    ------
    SuiteError
        If the plot table is invalid.
    """
    validate_plot(plot)
    kind = plot["kind"]
    title = str(plot.get("title", f"{suite} plot {i}"))
    selected = checks.select(rows, plot.get("where"))
    by = plot.get("by")
    lines = [f"### {title}"]
    if not selected:
        return lines + ["", "No rows to plot."]
    image = plot_dir / f"{suite}-{i}.png"
    if kind == "line":
        series = {checks.label(g, by): checks.per_x(grows, plot["x"], plot["y"], "mean")
                  + (_std_per_x(grows, plot["x"], plot["y"]),
                     checks.per_x(grows, plot["x"], plot["y"], "min")[1],
                     checks.per_x(grows, plot["x"], plot["y"], "max")[1])
                  for g, grows in checks.groups(selected, by).items()}
        if plot.get("table", True):
            lines += ["", *_line_table(plot, series)]
        drawn = plt is not None and _draw_line(plt, plot, series, title, image)
    elif kind == "hist":
        drawn = plt is not None and _draw_hist(plt, plot, selected, by, title, image)
    else:
        drawn = plt is not None and _draw_partitions(plt, plot, selected, by, title, res,
                                                     suite, image)
    if drawn:
        lines[1:1] = ["", f"![{_md(title)}]({os.path.relpath(image, base)})"]
    return lines


def _std_per_x(rows: list[dict[str, Any]], x: str, y: str) -> np.ndarray:
    xs, _ = checks.per_x(rows, x, y, "mean")
    return np.array([np.std(checks.values([r for r in rows if r.get(x) is not None
                                           and float(r[x]) == v], y)) for v in xs])


def _line_table(plot: dict[str, Any], series: dict[str, tuple]) -> list[str]:
    x, y = plot["x"], plot["y"]
    out = [f"| series | {x} | mean {y} | std |", "|---|---|---|---|"]
    for name, (xs, ys, sd, _, _) in series.items():
        out += [f"| {_md(name)} | {a:g} | {b:.4g} | {s:.2g} |" for a, b, s in zip(xs, ys, sd)]
    return out


def _save(plt: Any, fig: Any, image: Path) -> bool:
    image.parent.mkdir(parents=True, exist_ok=True)
    try:
        with atomic_path(image) as tmp:
            fig.savefig(tmp, dpi=100)
    finally:
        plt.close(fig)
    return True


def _draw_line(plt: Any, plot: dict[str, Any], series: dict[str, tuple], title: str,
               image: Path) -> bool:
    fig, ax = plt.subplots(figsize=(6.0, 4.0), layout="constrained")
    for name, (xs, ys, _, lo, hi) in series.items():
        line, = ax.plot(xs, ys, marker="o", markersize=3, label=name)
        if np.any(hi > lo):      # the spread over rows (seeds) at each x
            ax.fill_between(xs, lo, hi, color=line.get_color(), alpha=0.2, linewidth=0)
    for v in plot.get("hlines", []):
        ax.axhline(v, color="0.4", linestyle="--", linewidth=0.8)
    if plot.get("log_x"):
        ax.set_xscale("log")
    if plot.get("log_y"):
        ax.set_yscale("log")
    ax.set_xlabel(plot.get("xlabel", plot["x"]))
    ax.set_ylabel(plot.get("ylabel", plot["y"]))
    ax.set_title(title, fontsize=10)
    if len(series) > 1:
        ax.legend(fontsize=7)
    return _save(plt, fig, image)


def _draw_hist(plt: Any, plot: dict[str, Any], rows: list[dict[str, Any]],
               by: list[str] | None, title: str, image: Path) -> bool:
    fig, ax = plt.subplots(figsize=(6.0, 4.0), layout="constrained")
    for g, grows in checks.groups(rows, by).items():
        counts = np.sum([r[plot["column"]] for r in grows if r.get(plot["column"])], axis=0)
        edges = np.asarray(grows[0][plot["edges"]], dtype=float)
        if np.sum(counts) == 0:
            continue
        ax.stairs(counts / np.sum(counts), edges, label=checks.label(g, by))
    ax.set_xlabel(plot.get("xlabel", plot["column"]))
    ax.set_ylabel("fraction of points")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7)
    return _save(plt, fig, image)


def _draw_partitions(plt: Any, plot: dict[str, Any], rows: list[dict[str, Any]],
                     by: list[str] | None, title: str, res: Path, suite: str,
                     image: Path) -> bool:
    from regionkit.plot import plot_partition
    from regionkit.regions.regionset import RegionSet

    files = [(r, regions_dir(res, suite) / f"{r['job_id']}.npz") for r in rows]
    files = [(r, f) for r, f in files if f.exists()][:int(plot.get("max_panels", MAX_PANELS))]
    if not files:
        return False
    cols = min(4, len(files))
    nrows = -(-len(files) // cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(3.2 * cols, 3.3 * nrows),
                             layout="constrained", squeeze=False)
    for ax in axes.flat[len(files):]:
        ax.set_axis_off()
    for ax, (r, f) in zip(axes.flat, files):
        rs = RegionSet.load(f)
        plot_partition(rs, ax=ax, title=False, linewidth=0.2)
        name = ", ".join(f"{c.split('.')[-1]}={r.get(c)}" for c in by or [])
        ax.set_title(f"{name}\n{rs.n_regions} regions", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(title, fontsize=10)
    return _save(plt, fig, image)
