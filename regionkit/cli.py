"""The regionkit command line: ``regionkit VERB ...``.

Verbs: count, graph, line, bounds, plot, betti and suite (regionkit.suite.cli); each lists
its options with ``regionkit VERB --help``, and README.md shows them in use. ``main`` is the
console script's entry point; ``python -m regionkit.cli`` runs it too.

Examples
--------
>>> import json
>>> from click.testing import CliRunner
>>> from regionkit.cli import main
>>> result = CliRunner().invoke(main, ["count", "--example", "2d", "--json"])
>>> result.exit_code, json.loads(result.output)["n_regions"]
(0, 1036)
"""
from __future__ import annotations

import json
import os
import sys

import click
import numpy as np

from regionkit.errors import RegionkitError
from regionkit.examples import EXAMPLES, example_network
from regionkit.model.domains import Box
from regionkit.model.network import load_network
from regionkit.regions.engine import enumerate_regions
from regionkit.suite.cli import suite as suite_commands

__all__ = ["GRAPH_MAX_DIM", "main"]

# The graph and measures cost milliseconds per region beyond 4 dimensions (exact face
# recursion), so `count` computes them by default only up to here.
GRAPH_MAX_DIM = 4


def _floats(text: str) -> list[float]:
    try:
        return [float(v) for v in text.split(",")]
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a number or comma-separated numbers") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="regionkit")
def main() -> None:
    """Exact linear regions of piecewise-linear neural networks."""


def _net_and_domain(f):
    """Options shared by the verbs that enumerate a network on a domain: a box (default), or
    a slice of the inputs through data points (--plane A B C, --segment A B)."""
    f = click.option("--segment", nargs=2, default=None, metavar="A B",
                     help="The segment from input A to input B (as --plane).")(f)
    f = click.option("--plane", nargs=3, default=None, metavar="A B C",
                     help="The square around three inputs in their plane (Plane.through): "
                          ".npy files or comma-separated numbers.")(f)
    f = click.option("--box", nargs=2, type=str, default=("-1", "1"), show_default=True,
                     metavar="LO HI", help="Open box; scalars broadcast to every input, or "
                     "comma-separated per input.")(f)
    f = click.option("--example", type=click.Choice(sorted(EXAMPLES)), default=None,
                     help="Use a built-in example network instead of NET.")(f)
    return click.argument("net", required=False, type=click.Path(dir_okay=False))(f)


def _load(net: str | None, example: str | None, box: tuple[str, str],
          plane: tuple[str, str, str] | None = None, segment: tuple[str, str] | None = None):
    """The network and the domain the options name."""
    from click.core import ParameterSource

    from regionkit.model.domains import Plane, Segment

    if (net is None) == (example is None):
        raise click.UsageError("give either NET or --example NAME")
    box_given = click.get_current_context().get_parameter_source("box") != \
        ParameterSource.DEFAULT
    if sum([box_given, plane is not None, segment is not None]) > 1:
        raise click.UsageError("give at most one of --box, --plane and --segment")
    network = example_network(example) if example else load_network(net)
    if plane is not None:
        return network, Plane.through(*(_point(p, network.n_in, "--plane") for p in plane))
    if segment is not None:
        return network, Segment(*(_point(p, network.n_in, "--segment") for p in segment))
    lo, hi = _floats(box[0]), _floats(box[1])
    return network, Box(np.array(lo), np.array(hi), dim=network.n_in)


@main.command()
@_net_and_domain
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--max-regions", type=int, default=None,
              help="Never hold more regions than this (the run stops cleanly).")
@click.option("--time-limit", type=float, default=None, help="Stop after this many seconds.")
@click.option("--rtol", type=float, default=None, help="Relative zero tolerance (default 1e-10).")
@click.option("--method", type=click.Choice(["auto", "lp", "vertex", "exact"]), default="auto",
              show_default=True, help="Splitting geometry (see README); exact: rational "
                                      "arithmetic, for small nets.")
@click.option("--certify", "with_certificate", is_flag=True,
              help="Prove the count exact (docs/certify.md); exit status 1 if it fails.")
@click.option("--graph/--no-graph", "with_graph", default=None,
              help="Also report linear regions, adjacent pairs and boundary volume "
                   f"(default: on up to {GRAPH_MAX_DIM} input dimensions, where it is cheap).")
@click.option("--save", "save_path", type=click.Path(dir_okay=False), default=None,
              help="Write the RegionSet to this .npz file.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a TTY).")
@click.option("--workers", type=click.IntRange(min=1), default=None, metavar="N",
              help="Threads splitting each layer (default: every core; 1: serial). The "
                   "regions do not depend on it.")
def count(net: str | None, example: str | None, box: tuple[str, str],
          plane: tuple[str, str, str] | None, segment: tuple[str, str] | None, as_json: bool,
          max_regions: int | None, time_limit: float | None, rtol: float | None, method: str,
          with_certificate: bool, with_graph: bool | None, save_path: str | None,
          progress: bool | None, workers: int | None) -> None:
    """Count the activation regions of NET (.npz with W0, b0, W1, b1, ..., or .onnx) in a
    box, or in a plane or segment through data points."""
    try:
        network, domain = _load(net, example, box, plane, segment)
        rs = enumerate_regions(network, domain, tol=rtol, max_regions=max_regions,
                               time_limit=time_limit, progress=progress, method=method,
                               workers=workers)
        if save_path:
            rs.save(save_path)
    except RegionkitError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    summary = rs.summary()
    if with_graph is None:
        with_graph = domain.dim <= GRAPH_MAX_DIM
    if rs.complete and with_graph:
        g = rs.adjacency()
        summary.update(n_linear_regions=g.n_linear, adjacency_edges=int(len(g.i)),
                       boundary_volume=rs.boundary_volume("activation"),
                       linear_boundary_volume=rs.boundary_volume("linear"))
    else:
        summary.update(n_linear_regions=None, adjacency_edges=None, boundary_volume=None,
                       linear_boundary_volume=None)
    cert = rs.certify() if with_certificate else None
    if cert is not None:
        summary["certificate"] = cert.to_dict()
    if as_json:
        click.echo(json.dumps(summary))
        sys.exit(0 if cert is None or cert.ok else 1)
    arch = "-".join(str(w) for w in summary["architecture"])
    click.echo(f"network:            {arch} ({', '.join(network.activation_names())})")
    click.echo(f"domain:             {domain!r}")
    click.echo(f"activation regions: {rs.n_regions}" + ("" if rs.complete else
               f"  (INCOMPLETE: stopped by {rs.stop_reason}; a lower bound)"))
    if summary["n_linear_regions"] is not None:
        click.echo(f"linear regions:     {summary['n_linear_regions']}")
        click.echo(f"adjacent pairs:     {summary['adjacency_edges']}")
        click.echo(f"boundary volume:    {summary['boundary_volume']:.6g} "
                   f"(linear: {summary['linear_boundary_volume']:.6g})")
    click.echo(f"per layer:          {' '.join(str(c) for c in rs.per_layer)}")
    click.echo(f"time:               {rs.seconds:.3f} s")
    if cert is not None:
        click.echo(cert.summary())
        sys.exit(0 if cert.ok else 1)


@main.command()
@_net_and_domain
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="GraphML file to write.")
def graph(net: str | None, example: str | None, box: tuple[str, str],
          plane: tuple[str, str, str] | None, segment: tuple[str, str] | None,
          output: str) -> None:
    """Write the region adjacency graph of NET on a box (or slice) as GraphML."""
    import networkx as nx

    try:
        network, domain = _load(net, example, box, plane, segment)
        rs = enumerate_regions(network, domain, progress=None)
        G = rs.adjacency_graph()
    except RegionkitError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    # GraphML holds scalars only: lists become comma-separated strings.
    for _, data in G.nodes(data=True):
        data["interior_point"] = ",".join(repr(v) for v in data["interior_point"])
    for _, _, data in G.edges(data=True):
        data["neurons"] = ",".join(str(v) for v in data["neurons"])
    nx.write_graphml(G, output)
    click.echo(f"wrote {output}: {G.number_of_nodes()} regions, {G.number_of_edges()} edges, "
               f"{rs.n_linear_regions} linear regions")


def _point(text: str, n_in: int, what: str) -> np.ndarray:
    """A point given as comma-separated numbers (one number broadcasts) or an .npy file."""
    if text.endswith(".npy") or os.path.exists(text):
        try:
            x = np.load(text, allow_pickle=False).astype(np.float64).reshape(-1)
        except (OSError, ValueError) as exc:
            raise click.BadParameter(f"cannot read {text}: {exc}", param_hint=what) from None
    else:
        x = np.array(_floats(text))
    return np.full(n_in, x[0]) if x.size == 1 and n_in > 1 else x


@main.command("line")
@click.argument("net", type=click.Path(dir_okay=False))
@click.option("--from", "x_from", required=True, metavar="X0",
              help="Start point: comma-separated numbers (one broadcasts) or an .npy file.")
@click.option("--to", "x_to", required=True, metavar="X1", help="End point, as X0.")
@click.option("--arc", is_flag=True,
              help="Raghu's arc cos(pi t/2) X0 + sin(pi t/2) X1 instead of the segment.")
@click.option("--whole", is_flag=True,
              help="The whole line through X0 and X1 (every breakpoint on R).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--rtol", type=float, default=None, help="Relative zero tolerance (default 1e-10).")
def line_cmd(net: str, x_from: str, x_to: str, arc: bool, whole: bool, as_json: bool,
             rtol: float | None) -> None:
    """Cut the segment (or arc, or whole line) from X0 to X1 into the pieces of NET."""
    from regionkit import trajectory

    try:
        if arc and whole:
            raise click.UsageError("--arc and --whole exclude each other")
        network = load_network(net)
        x0 = _point(x_from, network.n_in, "--from")
        x1 = _point(x_to, network.n_in, "--to")
        if arc:
            tr = trajectory.arc(network, x0, x1, tol=rtol)
        elif whole:
            tr = trajectory.line(network, x0, x1 - x0, tol=rtol)
        else:
            tr = trajectory.segment(network, x0, x1, tol=rtol)
    except RegionkitError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    summary = tr.summary()
    if as_json:
        click.echo(json.dumps(summary))
        return
    lengths = tr.lengths

    def fmt(v: float) -> str:
        return f"{v:.6g}"

    arch = "-".join(str(w) for w in summary["architecture"])
    click.echo(f"network:        {arch} ({', '.join(network.activation_names())})")
    click.echo(f"path:           {tr.kind}, t in {'R' if whole else '[0, 1]'}")
    click.echo(f"pieces:         {tr.n_pieces}")
    click.echo(f"patterns:       {tr.n_patterns}")
    click.echo(f"transitions:    {tr.transitions.total} (per layer "
               f"{' '.join(str(t) for t in tr.transitions.per_layer)}; output "
               f"{tr.transitions.output})")
    click.echo(f"length in:      {fmt(lengths.input)}")
    click.echo(f"length pre:     {' '.join(fmt(v) for v in lengths.pre)}")
    click.echo(f"length post:    {' '.join(fmt(v) for v in lengths.post)}"
               + (f"  (error <= {lengths.error:.2g})" if arc else ""))
    click.echo(f"time:           {tr.seconds:.3f} s")


@main.command("bounds")
@_net_and_domain
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON rows.")
@click.option("--markdown", is_flag=True, help="Print the table as Markdown.")
@click.option("--strict", is_flag=True, help="Exit with status 1 if a proven bound is violated.")
def bounds_cmd(net: str | None, example: str | None, box: tuple[str, str],
               plane: tuple[str, str, str] | None, segment: tuple[str, str] | None,
               as_json: bool, markdown: bool, strict: bool) -> None:
    """Every bound that applies to NET, beside its measured region counts on a box (or
    slice)."""
    from regionkit import bounds

    try:
        network, domain = _load(net, example, box, plane, segment)
        rs = enumerate_regions(network, domain, progress=None)
        table = bounds.check(rs)
    except RegionkitError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps({"n_regions": table.n_activation,
                               "n_linear_regions": table.n_linear,
                               "rows": [{"bound": r.name, "kind": r.kind, "value": str(r.value),
                                         "activation": r.activation_status,
                                         "linear": r.linear_status} for r in table.rows]}))
    else:
        click.echo(table.to_markdown() if markdown else str(table))
    if strict and table.violations:
        sys.exit(1)


@main.command("plot")
@_net_and_domain
@click.option("--linear", is_flag=True, help="Colour by linear region (2-D); mark only the "
              "breakpoints where the affine map changes (1-D).")
@click.option("--pair", is_flag=True, help="2-D: activation and linear regions side by side.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Image file to write (.png, .svg, .pdf, ...).")
@click.option("--dpi", type=int, default=100, show_default=True)
def plot_cmd(net: str | None, example: str | None, box: tuple[str, str],
             plane: tuple[str, str, str] | None, segment: tuple[str, str] | None, linear: bool,
             pair: bool, output: str, dpi: int) -> None:
    """Draw NET's regions on a 2-D box or plane, or its graph along a segment or 1-D box."""
    from regionkit import plot

    try:
        network, domain = _load(net, example, box, plane, segment)
        if domain.dim > 2:
            raise click.UsageError(f"the network has {network.n_in} inputs: draw a slice of "
                                   "them with --plane A B C or --segment A B")
        if pair and domain.dim != 2:
            raise click.UsageError("--pair draws 2-D partitions (--box of a 2-input net or "
                                   "--plane)")
        plt = plot.pyplot("Agg")
        rs = enumerate_regions(network, domain, progress=None)
        if domain.dim == 1:
            ax = plot.plot_line(rs, breakpoints="linear" if linear else "activation")
        elif pair:
            ax, _ = plot.plot_partition_pair(rs)
        else:
            ax = plot.plot_partition(rs, color_by="linear" if linear else "region")
    except RegionkitError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    try:
        ax.figure.savefig(output, dpi=dpi)
    except (OSError, ValueError) as exc:  # unwritable path, unknown image format
        click.echo(f"error: cannot write {output}: {exc}", err=True)
        sys.exit(2)
    finally:
        plt.close(ax.figure)
    click.echo(f"wrote {output}: {rs.n_regions} activation regions, "
               f"{rs.n_linear_regions} linear regions")


@main.command("betti")
@_net_and_domain
@click.option("--level", type=float, default=0.0, show_default=True,
              help="Level t: the sets {F > t} and {F < t}.")
@click.option("--output", "output", type=int, default=0, show_default=True,
              help="Which output F is (multi-output nets).")
@click.option("--classes", is_flag=True,
              help="Also the class regions {argmax F = c} (a single output: the signs of F).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--rtol", type=float, default=None, help="Relative zero tolerance (default 1e-10).")
@click.option("--method", type=click.Choice(["auto", "lp", "vertex"]), default="auto",
              show_default=True, help="Splitting geometry (see README).")
def betti_cmd(net: str | None, example: str | None, box: tuple[str, str],
              plane: tuple[str, str, str] | None, segment: tuple[str, str] | None,
              level: float, output: int, classes: bool, as_json: bool, rtol: float | None,
              method: str) -> None:
    """Exact Betti numbers of {F > t} and {F < t} (and class regions) of NET in an open box
    (or slice)."""
    import time

    from regionkit.topology.decision import decision_regions

    start = time.perf_counter()
    try:
        network, domain = _load(net, example, box, plane, segment)
        dr = decision_regions(network, domain, level, output, classes=False, tol=rtol,
                              method=method)
        sides = {s: dr.betti_numbers(s) for s in ("above", "below")}
        volume = dr.boundary_volume()
        per_class = []
        if classes:
            cr = (dr if network.n_out == 1 and level == 0.0 else
                  decision_regions(network, domain, 0.0 if network.n_out == 1 else None,
                                   classes=True, tol=rtol, method=method))
            per_class = cr.class_betti_numbers()
    except RegionkitError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    seconds = time.perf_counter() - start
    if as_json:
        out = {"pieces": dr.n_pieces, "level": level, "output": output,
               "above": sides["above"].to_dict(), "below": sides["below"].to_dict(),
               "boundary_volume": volume if np.isfinite(volume) else "inf",
               "seconds": seconds}
        if classes:
            out["classes"] = [b.to_dict() for b in per_class]
        click.echo(json.dumps(out))
        return
    arch = "-".join(str(w) for w in [network.n_in] + network.widths)
    click.echo(f"network:          {arch} ({', '.join(network.activation_names())})")
    click.echo(f"domain:           {domain!r} (open)")
    click.echo(f"pieces:           {dr.n_pieces}")
    for b in [sides["above"], sides["below"], *per_class]:
        click.echo(f"{b.description + ':':17s} b = ({', '.join(map(str, b.betti))})"
                   f"{',' if len(b.betti) == 1 else ''}  euler {b.euler}  bounded components "
                   f"{b.bounded_components}")
    click.echo(f"level set volume: {volume:.6g}")
    click.echo(f"time:             {seconds:.3f} s")


main.add_command(suite_commands)


if __name__ == "__main__":
    main()
