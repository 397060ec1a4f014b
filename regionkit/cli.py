"""The regionkit command line: ``regionkit VERB ...``.

Verbs: count, info, graph, line, bounds, plot, betti and suite (regionkit.suite.cli); each
lists its options with ``regionkit VERB --help``; README.md and docs/cli.md show them in use.
``main`` is the console script's entry point; ``python -m regionkit.cli`` runs it too.

Every verb that enumerates takes --time-limit, --max-regions, --max-memory, --progress and
--json, and the exit status says how a run ended: EXIT_OK (0, complete), EXIT_FAILED (1: a
failed suite job, a violated bound under --strict, or a count --certify could not certify),
EXIT_USAGE (2: bad input, named in the message), EXIT_BUDGET (3: a budget stopped the run,
and what was printed is partial and says so, or --max-memory refused it before it started)
and EXIT_INTERRUPTED (130: Ctrl-C). Every file a verb writes is written atomically.

Examples
--------
>>> import json
>>> from click.testing import CliRunner
>>> from regionkit.cli import main
>>> result = CliRunner().invoke(main, ["count", "--example", "2d", "--json"])
>>> result.exit_code, json.loads(result.output)["n_regions"]
(0, 1036)
>>> result = CliRunner().invoke(main, ["count", "--example", "2d", "--max-regions", "100"])
>>> result.exit_code
3
"""
from __future__ import annotations

import json
import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import click
import numpy as np

from regionkit.atomic import atomic_path
from regionkit.errors import IncompleteError, MemoryBudgetError, NetworkFileError, RegionkitError
from regionkit.examples import EXAMPLES, example_network
from regionkit.model.domains import Box, Domain, Polytope
from regionkit.model.network import Network, load_network
from regionkit.regions.engine import enumerate_regions
from regionkit.regions.preflight import parse_size
from regionkit.regions.regionset import RegionSet
from regionkit.regions.store import StoredRegionSet, is_store
from regionkit.suite.cli import suite as suite_commands

__all__ = ["EXIT_BUDGET", "EXIT_FAILED", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE",
           "GRAPHML_BLOCK", "GRAPH_MAX_DIM", "INFO_LINES", "estimate_regions", "exit_code",
           "is_regionset_file", "main"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_BUDGET = 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C

# The graph and measures cost milliseconds per region beyond 4 dimensions (exact face
# recursion), so `count` computes them by default only up to here.
GRAPH_MAX_DIM = 4

# `info` estimates the region count from the patterns along this many random chords of the
# domain (each cut exactly into its pieces): a few milliseconds each.
INFO_LINES = 32


def exit_code(stop_reason: str | None) -> int:
    """The exit status of a run that ended with `stop_reason`.

    Parameters
    ----------
    stop_reason : str or None
        RegionSet.stop_reason: None (complete), 'max_regions', 'time_limit',
        'max_memory' or 'interrupted'.

    Returns
    -------
    int
        EXIT_OK, EXIT_BUDGET or EXIT_INTERRUPTED.

    Examples
    --------
    >>> from regionkit.cli import exit_code
    >>> [exit_code(r) for r in (None, "time_limit", "max_memory", "interrupted")]
    [0, 3, 3, 130]
    """
    if stop_reason is None:
        return EXIT_OK
    return EXIT_INTERRUPTED if stop_reason == "interrupted" else EXIT_BUDGET


class _Main(click.Group):
    """The verbs, with one translation of errors and Ctrl-C into exit statuses."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except IncompleteError as exc:
            click.echo(f"stopped: {exc}", err=True)
            ctx.exit(exit_code(exc.stop_reason))
        except MemoryBudgetError as exc:  # refused before it started: a budget, not bad input
            click.echo(f"refused: {exc}", err=True)
            ctx.exit(EXIT_BUDGET)
        except RegionkitError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(EXIT_USAGE)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)


class _Number(click.ParamType):
    """A finite number, at least (or above) a minimum: refuses nan, inf and negatives."""

    name = "number"

    def __init__(self, minimum: float | None = None, strict: bool = False) -> None:
        self.minimum, self.strict = minimum, strict

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        if isinstance(value, float):
            v = value
        else:
            try:
                v = float(value)
            except (TypeError, ValueError):
                self.fail(f"{value!r} is not a number", param, ctx)
        if not math.isfinite(v):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        if self.minimum is not None and (v <= self.minimum if self.strict else v < self.minimum):
            self.fail(f"{value!r} must be {'>' if self.strict else '>='} {self.minimum:g}",
                      param, ctx)
        return v


SECONDS = _Number(0.0, strict=True)


class _MemorySize(click.ParamType):
    """A memory size (2G, 512M, bytes) or 'off', as enumerate_regions' max_memory takes it."""

    name = "size"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> int | str:
        if isinstance(value, str) and value.strip().lower() == "off":
            return "off"
        try:
            return parse_size(value) or "off"
        except RegionkitError as exc:
            self.fail(str(exc), param, ctx)


def _floats(text: str) -> list[float]:
    try:
        return [float(v) for v in text.split(",")]
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a number or comma-separated numbers") from None


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="regionkit")
def main() -> None:
    """Exact linear regions of piecewise-linear neural networks.

    NET is a network (.npz with W0, b0, W1, b1, ... as Network.save writes it; .onnx; a
    TorchScript .pt/.pth/.ts of an nn.Sequential), a RegionSet file (.npz written by
    RegionSet.save or --save: its network, domain and regions are used as saved) or a
    store directory (count --store: read a shard at a time by count, loaded by the others).

    Exit status: 0 complete, 1 a failed suite job or violated bound (--strict), 2 bad
    input, 3 stopped by --time-limit, --max-regions or --max-memory (the output says what is
    partial) or refused by --max-memory before it started,
    130 interrupted (Ctrl-C).
    """


def _net_and_domain(f: Callable) -> Callable:
    """Options shared by the verbs that read a network on a domain: a box (default), or a
    slice of the inputs through data points (--plane A B C, --segment A B)."""
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
    return click.argument("net", required=False, type=click.Path())(f)


def _budgets(f: Callable) -> Callable:
    """Options shared by the verbs that enumerate: budgets, progress bar, JSON output."""
    f = click.option("--progress/--no-progress", default=None,
                     help="Progress bar on stderr (default: on a TTY).")(f)
    f = click.option("--time-limit", type=SECONDS, default=None, metavar="SECONDS",
                     help="Stop after this many seconds (exit status 3).")(f)
    f = click.option("--max-regions", type=click.IntRange(min=1), default=None, metavar="N",
                     help="Never hold more regions than this (stops cleanly, exit status 3).")(f)
    f = click.option("--max-memory", type=_MemorySize(), default=None, metavar="SIZE",
                     help="Resident memory the run may use, e.g. 2G or 512M; 'off': no "
                          "limit (default: 80% of the memory available). A run estimated "
                          "to need more is refused; one that reaches it stops cleanly "
                          "(exit status 3).")(f)
    return click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")(f)


@dataclass
class _Source:
    """What NET and the domain options name: a network and domain, and the regions when NET
    is a RegionSet file or a store."""

    network: Network
    domain: Domain
    regions: RegionSet | StoredRegionSet | None


def is_regionset_file(path: str) -> bool:
    """Whether `path` is an .npz file written by RegionSet.save (not a network file).

    Parameters
    ----------
    path : str
        A file name.

    Returns
    -------
    bool
        True for an existing .npz file holding a RegionSet's 'meta' and 'patterns'.

    Raises
    ------
    NetworkFileError
        An .npz file numpy cannot read.
    """
    if not path.lower().endswith(".npz") or not os.path.isfile(path):
        return False
    try:
        with np.load(path, allow_pickle=False) as z:
            return "meta" in z.files and "patterns" in z.files
    except Exception as exc:  # numpy raises several types for corrupt files
        raise NetworkFileError(f"{path}: not a readable .npz file ({exc})") from None


def _source(net: str | None, example: str | None, box: tuple[str, str],
            plane: tuple[str, str, str] | None = None,
            segment: tuple[str, str] | None = None) -> _Source:
    """The network, domain (and saved regions) the arguments name."""
    from click.core import ParameterSource

    from regionkit.model.domains import Plane, Segment

    if (net is None) == (example is None):
        raise click.UsageError("give either NET or --example NAME")
    box_given = click.get_current_context().get_parameter_source("box") != \
        ParameterSource.DEFAULT
    if sum([box_given, plane is not None, segment is not None]) > 1:
        raise click.UsageError("give at most one of --box, --plane and --segment")
    stored = net is not None and is_store(net)
    if net is not None and (stored or is_regionset_file(net)):
        if box_given or plane is not None or segment is not None:
            raise click.UsageError(f"{net} is a RegionSet {'store' if stored else 'file'}: "
                                   "it carries its own domain (drop --box, --plane and "
                                   "--segment)")
        rs = RegionSet.open(net) if stored else RegionSet.load(net)
        return _Source(rs.network, rs.domain, rs)
    network = example_network(example) if example else load_network(net)
    if plane is not None:
        domain: Domain = Plane.through(*(_point(p, network.n_in, "--plane") for p in plane))
    elif segment is not None:
        domain = Segment(*(_point(p, network.n_in, "--segment") for p in segment))
    else:
        domain = Box(np.array(_floats(box[0])), np.array(_floats(box[1])), dim=network.n_in)
    return _Source(network, domain, None)


def _regions(src: _Source, max_regions: int | None, time_limit: float | None,
             progress: bool | None, max_memory: int | str | None = None,
             **options: Any) -> RegionSet:
    """The saved regions (a store loaded whole), or a fresh enumeration within the budgets."""
    if isinstance(src.regions, StoredRegionSet):
        return src.regions.load()
    if src.regions is not None:
        return src.regions
    return enumerate_regions(src.network, src.domain, on_interrupt="return",
                             max_regions=max_regions, time_limit=time_limit, progress=progress,
                             max_memory=max_memory, **options)


def _layer_note(rs: RegionSet) -> dict[str, Any]:
    """Where a stopped run stopped: the 1-based layer it was splitting (through
    stopped_layer_last when it ran regions depth first through several), how many of the
    regions entering it had been split, and how many regions the last of them made."""
    where = rs.stopped_in
    if rs.complete or where is None:
        return {"stopped_layer": None}
    return {"stopped_layer": where["first_layer"], "stopped_layer_last": where["last_layer"],
            "stopped_layer_split": where["split"], "stopped_layer_inputs": where["inputs"],
            "stopped_layer_regions": rs.per_layer[where["last_layer"] - 1]}


def _unsplit_note(rs: RegionSet) -> str | None:
    """Why a stopped run holds the domain whole: its budget ran out inside the first split."""
    where = rs.stopped_in
    if rs.complete or where is None or where["first_layer"] != 1 or where["split"] > 0:
        return None
    what = {"max_regions": "--max-regions", "max_memory": "--max-memory",
            "time_limit": "--time-limit"}.get(rs.stop_reason, rs.stop_reason)
    return (f"the budget ({what}) ran out while layer 1 split the domain, so the domain is "
            "left whole and the count above says nothing: the first layer alone needs more. "
            f"Raise {what}, or ask for less: a slice of the inputs (--plane A B C, --segment "
            "A B), a smaller box, --keep count")


def _per_layer_text(rs: RegionSet) -> str:
    note = _layer_note(rs)
    counts = [str(c) for c in rs.per_layer]
    if note["stopped_layer"] is None:
        return " ".join(counts)
    first, last = note["stopped_layer"], note["stopped_layer_last"]
    for k in range(first - 1, last):
        counts[k] += "*"
    if first == last:
        return (f"{' '.join(counts)}  (* layer {first} incomplete: "
                f"{note['stopped_layer_split']} of its {note['stopped_layer_inputs']} input "
                f"regions split so far)")
    return (f"{' '.join(counts)}  (* layers {first}-{last} incomplete, run depth first: "
            f"{note['stopped_layer_split']} of the {note['stopped_layer_inputs']} regions "
            f"entering layer {first} through them so far)")


def _write(path: str, writer: Callable[[str], None]) -> None:
    """Write a file atomically; Ctrl-C or an error leaves any old file as it was."""
    try:
        with atomic_path(path) as tmp:
            writer(tmp)
    except KeyboardInterrupt:
        click.echo(f"interrupted while writing {path}: not written (an old file is unchanged)",
                   err=True)
        sys.exit(EXIT_INTERRUPTED)
    except (OSError, ValueError) as exc:  # unwritable path, unknown image format
        click.echo(f"error: cannot write {path}: {exc}", err=True)
        sys.exit(EXIT_USAGE)


class _Meter:
    """Progress bar (tqdm) and time limit of what a verb computes from the regions.

    The limit is the verb's --time-limit, counted from the verb's start (an enumeration
    before uses part of it); it is checked as each step or chunk ends, and when it has
    passed the verb stops with IncompleteError (exit status 3) before printing or writing
    any result, so no partial number is presented as complete.
    """

    def __init__(self, what: str, time_limit: float | None, progress: bool | None,
                 total: int = 0, unit: str = "region") -> None:
        self.what, self.time_limit = what, time_limit
        self.deadline = None if time_limit is None else time.monotonic() + time_limit
        self.done, self.total = 0, total
        show = progress if progress is not None else sys.stderr.isatty()
        self.bar = None
        if show:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, desc=what, unit=unit, leave=False)

    def remaining(self) -> float | None:
        """Seconds left of the limit (None: no limit), at least a millisecond."""
        return None if self.deadline is None else max(self.deadline - time.monotonic(), 1e-3)

    def start(self, total: int, desc: str | None = None) -> None:
        """Begin a step of `total` units (resets the bar)."""
        self.done, self.total = 0, total
        if self.bar is not None:
            self.bar.reset(total=total)
        self.describe(desc or self.what)

    def describe(self, desc: str) -> None:
        """Name the step under way on the bar."""
        if self.bar is not None:
            self.bar.set_description(desc)

    def __call__(self, n: int = 1) -> None:
        """Count n units done, then check the limit."""
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
        self.check()

    def check(self) -> None:
        """Stop with IncompleteError if the time limit has passed."""
        if self.deadline is not None and time.monotonic() > self.deadline:
            self.close()
            raise IncompleteError(
                f"--time-limit ({self.time_limit:g} s) reached while computing {self.what} "
                f"({self.done} of {self.total} done): no result was printed or written",
                "time_limit")

    def close(self) -> None:
        """Remove the bar."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None


@main.command()
@_net_and_domain
@_budgets
@click.option("--rtol", type=_Number(0.0), default=None,
              help="Relative zero tolerance (default 1e-10, at least 1e-13).")
@click.option("--method", type=click.Choice(["auto", "lp", "vertex", "exact"]), default="auto",
              show_default=True, help="Splitting geometry (see README); exact: rational "
                                      "arithmetic, for small nets.")
@click.option("--certify", "with_certificate", is_flag=True,
              help="Prove the count exact (docs/certify.md); exit status 1 if it fails.")
@click.option("--graph/--no-graph", "with_graph", default=None,
              help="Also report linear regions, adjacent pairs and boundary volume "
                   f"(default: on up to {GRAPH_MAX_DIM} input dimensions, where it is cheap).")
@click.option("--save", "save_path", type=click.Path(dir_okay=False), default=None,
              help="Write the RegionSet to this .npz file (atomically; a stopped run is "
                   "saved as stopped).")
@click.option("--workers", type=click.IntRange(min=1), default=None, metavar="N",
              help="Threads splitting each layer (default: every core; 1: serial). The "
                   "regions do not depend on it.")
@click.option("--keep", type=click.Choice(["regions", "patterns", "count"]), default="regions",
              show_default=True,
              help="What the run holds: every region's geometry and map, only patterns and "
                   "interior points, or only the counts (least memory; no --graph).")
@click.option("--store", "store_path", type=click.Path(file_okay=False), default=None,
              help="Write the regions to this directory as they are finished (Parquet "
                   "shards, not kept in memory); the same command on it again resumes a "
                   "killed or stopped run, or reads a finished one (docs/store.md).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Run the depth-first phase on this Dask scheduler (tcp://host:8786; "
                   "docs/distributed.md); the regions do not depend on it.")
def count(net: str | None, example: str | None, box: tuple[str, str],
          plane: tuple[str, str, str] | None, segment: tuple[str, str] | None, as_json: bool,
          max_regions: int | None, max_memory: int | str | None, time_limit: float | None,
          progress: bool | None, rtol: float | None, method: str, with_certificate: bool,
          with_graph: bool | None, save_path: str | None, workers: int | None,
          keep: str, store_path: str | None, scheduler: str | None) -> None:
    """Count the activation regions of NET in a box, or in a plane or segment through data
    points (or report a saved RegionSet or store)."""
    src = _source(net, example, box, plane, segment)
    if store_path is not None and src.regions is not None:
        raise click.UsageError(f"{net} holds regions already: --store writes a new run")
    if keep != "regions" and src.regions is None:
        if with_graph:
            raise click.UsageError("--graph needs the regions' geometry: use --keep regions")
        with_graph = False
    if isinstance(src.regions, StoredRegionSet) or store_path is not None:
        # Streamed: counts from the manifest; the graph (asked for) loads every shard.
        rs = src.regions if store_path is None else enumerate_regions(
            src.network, src.domain, max_regions=max_regions, time_limit=time_limit,
            progress=progress, tol=rtol, method=method, workers=workers, keep=keep,
            max_memory=max_memory, store=store_path, on_interrupt="return",
            scheduler=scheduler)
        if with_graph and rs.keep != "regions":
            raise click.UsageError(f"--graph needs the regions' geometry; this store kept "
                                   f"{rs.keep!r}")
        if (with_graph or with_certificate) and rs.complete:
            rs = rs.load()
        with_graph = bool(with_graph)
    else:
        rs = _regions(src, max_regions, time_limit, progress, max_memory, tol=rtol,
                      method=method, workers=workers,
                      **({} if src.regions is not None else {"keep": keep,
                                                             "scheduler": scheduler}))
    code = exit_code(rs.stop_reason)
    if src.regions is not None and code == EXIT_INTERRUPTED:
        code = EXIT_BUDGET  # a saved run that Ctrl-C stopped: partial, but not interrupted now
    summary = rs.summary()
    summary.update(_layer_note(rs))
    summary["note"] = _unsplit_note(rs)
    if with_graph is None:
        with_graph = src.domain.dim <= GRAPH_MAX_DIM and rs.keep == "regions"
    summary.update(n_linear_regions=None, adjacency_edges=None, boundary_volume=None,
                   linear_boundary_volume=None)
    graph_note = None
    if not rs.complete:
        graph_note = "not computed: the run is incomplete"
    elif with_graph:
        try:
            g = rs.adjacency()
            summary.update(n_linear_regions=g.n_linear, adjacency_edges=int(len(g.i)),
                           boundary_volume=rs.boundary_volume("activation"),
                           linear_boundary_volume=rs.boundary_volume("linear"))
        except KeyboardInterrupt:  # keep the count: report it, then exit as interrupted
            graph_note = "not computed: interrupted"
            code = EXIT_INTERRUPTED
    summary["graph"] = graph_note or ("computed" if with_graph else "not asked")
    cert = rs.certify() if with_certificate else None
    if cert is not None:
        summary["certificate"] = cert.to_dict()
        if not cert.ok and code == EXIT_OK:
            code = EXIT_FAILED
    if as_json:
        click.echo(json.dumps(summary))
    else:
        arch = "-".join(str(w) for w in summary["architecture"])
        click.echo(f"network:            {arch} ({', '.join(src.network.activation_names())})")
        click.echo(f"domain:             {src.domain!r}")
        click.echo(f"activation regions: {rs.n_regions}" + ("" if rs.complete else
                   f"  (INCOMPLETE: stopped by {rs.stop_reason}; a lower bound)"))
        if summary["n_linear_regions"] is not None:
            click.echo(f"linear regions:     {summary['n_linear_regions']}")
            click.echo(f"adjacent pairs:     {summary['adjacency_edges']}")
            click.echo(f"boundary volume:    {summary['boundary_volume']:.6g} "
                       f"(linear: {summary['linear_boundary_volume']:.6g})")
        elif with_graph:
            click.echo(f"graph:              {graph_note}")
        click.echo(f"per layer:          {_per_layer_text(rs)}")
        click.echo(f"time:               {rs.seconds:.3f} s")
        if summary["note"]:
            click.echo(f"note: {summary['note']}")
        if cert is not None:
            click.echo(cert.summary())
    if save_path:
        whole = rs if isinstance(rs, RegionSet) else rs.load()
        _write(save_path if save_path.endswith(".npz") else save_path + ".npz", whole.save)
    sys.exit(code)


@main.command()
@_net_and_domain
@_budgets
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="GraphML file to write.")
def graph(net: str | None, example: str | None, box: tuple[str, str],
          plane: tuple[str, str, str] | None, segment: tuple[str, str] | None, as_json: bool,
          max_regions: int | None, max_memory: int | str | None, time_limit: float | None,
          progress: bool | None,
          output: str) -> None:
    """Write the region adjacency graph of NET on a box (or slice), or of a stored run:
    GraphML, or with an .npz OUTPUT the compact arrays (GRAPH_NPZ_ARRAYS; a tenth of the
    GraphML's size or less)."""
    meter = _Meter("the adjacency graph", time_limit, progress, total=3, unit="step")
    try:
        src = _source(net, example, box, plane, segment)
        meter.start(3, "regions")
        if isinstance(src.regions, StoredRegionSet):   # streamed, never loaded whole
            rs: Any = src.regions
            meter()
            meter.describe("adjacency (a shard at a time)")
            g = rs.adjacency()
            nodes = (rs.patterns(), rs.interior_points(), rs.volumes())
        else:
            rs = _regions(src, max_regions, meter.remaining(), progress, max_memory)
            rs.require_complete("the adjacency graph")
            meter()
            meter.describe("adjacency")
            g = rs.adjacency()
            nodes = (rs.patterns, rs.interior_points, rs.volumes())
        meter()
        meter.describe(f"writing {output}")
        if output.lower().endswith(".npz"):
            arrays = {"i": g.i, "j": g.j, "facet_volume": g.facet_volume,
                      "map_changes": g.map_changes, "flip_offsets": g.flip_offsets,
                      "flip_index": g.flip_index, "linear_labels": g.linear_labels,
                      "patterns": nodes[0], "interior_points": nodes[1], "volumes": nodes[2]}
            _write(output, lambda tmp: _save_npz(tmp, arrays))
        else:
            _write(output, lambda tmp: _write_graphml(tmp, *nodes, g))
        meter()
    finally:
        meter.close()
    if as_json:
        click.echo(json.dumps({"output": output, "n_regions": int(rs.n_regions),
                               "n_edges": int(len(g.i)),
                               "n_linear_regions": g.n_linear}))
    else:
        click.echo(f"wrote {output}: {rs.n_regions} regions, {len(g.i)} "
                   f"edges, {g.n_linear} linear regions")


_GRAPHML_HEAD = (
    "<?xml version='1.0' encoding='utf-8'?>\n"
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
    'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n')
_GRAPHML_EDGE_KEYS = (
    '  <key id="d6" for="edge" attr.name="map_changes" attr.type="boolean" />\n'
    '  <key id="d5" for="edge" attr.name="neurons" attr.type="string" />\n'
    '  <key id="d4" for="edge" attr.name="facet_volume" attr.type="double" />\n')
_GRAPHML_NODE_KEYS = (
    '  <key id="d3" for="node" attr.name="linear_region" attr.type="long" />\n'
    '  <key id="d2" for="node" attr.name="volume" attr.type="double" />\n'
    '  <key id="d1" for="node" attr.name="interior_point" attr.type="string" />\n'
    '  <key id="d0" for="node" attr.name="pattern" attr.type="string" />\n'
    '  <graph edgedefault="undirected">\n')
# Nodes or edges formatted at a time by _write_graphml (bounds the text held).
GRAPHML_BLOCK = 1 << 14


def _write_graphml(path: str, patterns: np.ndarray, points: np.ndarray, vol: np.ndarray,
                   g: Any) -> None:
    """RegionSet.adjacency_graph as networkx.write_graphml writes it (lists as
    comma-separated strings), byte for byte, but a block of nodes or edges at a time
    instead of a networkx graph of every region: its memory is the regions' own."""
    n = len(patterns)
    with open(path, "w", encoding="utf-8") as f:
        f.write(_GRAPHML_HEAD + (_GRAPHML_EDGE_KEYS if len(g.i) else "") + _GRAPHML_NODE_KEYS)
        for lo in range(0, n, GRAPHML_BLOCK):
            f.write("".join(
                f'    <node id="{r}">\n'
                f'      <data key="d0">{patterns[r].tobytes().hex()}</data>\n'
                f'      <data key="d1">{",".join(map(repr, points[r].tolist()))}</data>\n'
                f'      <data key="d2">{float(vol[r])!r}</data>\n'
                f'      <data key="d3">{int(g.linear_labels[r])}</data>\n    </node>\n'
                for r in range(lo, min(lo + GRAPHML_BLOCK, n))))
        off, idx = g.flip_offsets, g.flip_index
        for lo in range(0, len(g.i), GRAPHML_BLOCK):
            f.write("".join(
                f'    <edge source="{int(g.i[e])}" target="{int(g.j[e])}">\n'
                f'      <data key="d4">{float(g.facet_volume[e])!r}</data>\n'
                f'      <data key="d5">{",".join(map(str, idx[off[e]:off[e + 1]].tolist()))}'
                f'</data>\n'
                f'      <data key="d6">{bool(g.map_changes[e])}</data>\n    </edge>\n'
                for e in range(lo, min(lo + GRAPHML_BLOCK, len(g.i)))))
        f.write("  </graph>\n</graphml>\n")


def _save_npz(path: str, arrays: dict[str, np.ndarray]) -> None:
    """np.savez_compressed to exactly `path` (numpy would append .npz to a temp name)."""
    with open(path, "wb") as f:
        np.savez_compressed(f, **arrays)


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
@click.option("--rtol", type=_Number(0.0), default=None,
              help="Relative zero tolerance (default 1e-10).")
def line_cmd(net: str, x_from: str, x_to: str, arc: bool, whole: bool, as_json: bool,
             rtol: float | None) -> None:
    """Cut the segment (or arc, or whole line) from X0 to X1 into the pieces of NET (exact,
    in one pass: no enumeration, so no budgets)."""
    from regionkit import trajectory

    if arc and whole:
        raise click.UsageError("--arc and --whole exclude each other")
    network = RegionSet.load(net).network if is_regionset_file(net) else load_network(net)
    x0 = _point(x_from, network.n_in, "--from")
    x1 = _point(x_to, network.n_in, "--to")
    if arc:
        tr = trajectory.arc(network, x0, x1, tol=rtol)
    elif whole:
        tr = trajectory.line(network, x0, x1 - x0, tol=rtol)
    else:
        tr = trajectory.segment(network, x0, x1, tol=rtol)
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
@_budgets
@click.option("--markdown", is_flag=True, help="Print the table as Markdown.")
@click.option("--strict", is_flag=True, help="Exit with status 1 if a proven bound is violated.")
def bounds_cmd(net: str | None, example: str | None, box: tuple[str, str],
               plane: tuple[str, str, str] | None, segment: tuple[str, str] | None,
               as_json: bool, max_regions: int | None, max_memory: int | str | None,
               time_limit: float | None, progress: bool | None, markdown: bool,
               strict: bool) -> None:
    """Every bound that applies to NET, beside its measured region counts on a box (or
    slice); a stopped run's counts are lower bounds, checked as such. A store is read
    from its manifest (no region is loaded): its activation count only, since the linear
    count needs the adjacency graph (regionkit graph)."""
    from regionkit import bounds

    src = _source(net, example, box, plane, segment)
    if isinstance(src.regions, StoredRegionSet):
        rs: Any = src.regions
        table = bounds.check(rs, linear=False)
    else:
        rs = _regions(src, max_regions, time_limit, progress, max_memory)
        table = bounds.check(rs)
    if as_json:
        click.echo(json.dumps({"n_regions": table.n_activation,
                               "n_linear_regions": table.n_linear,
                               "complete": rs.complete, "stop_reason": rs.stop_reason,
                               "rows": [{"bound": r.name, "kind": r.kind, "value": str(r.value),
                                         "activation": r.activation_status,
                                         "linear": r.linear_status} for r in table.rows]}))
    else:
        click.echo(table.to_markdown() if markdown else str(table))
    if strict and table.violations:
        sys.exit(EXIT_FAILED)
    sys.exit(exit_code(rs.stop_reason) if src.regions is None else EXIT_OK)


@main.command("plot")
@_net_and_domain
@_budgets
@click.option("--linear", is_flag=True, help="Colour by linear region (2-D); mark only the "
              "breakpoints where the affine map changes (1-D).")
@click.option("--pair", is_flag=True, help="2-D: activation and linear regions side by side.")
@click.option("--color-by", type=click.Choice(["region", "linear", "output", "class"]),
              default=None, help="2-D colouring: neighbouring regions differ (default), "
              "linear regions, the exact output value (with a colour bar), or the class "
              "(sides of F = LEVEL for one output, argmax for several).")
@click.option("--boundary/--no-boundary", default=None,
              help="2-D: draw the decision boundary F = LEVEL or the class boundaries "
              "(default with --color-by output or class).")
@click.option("--level", type=_Number(), default=0.0, show_default=True,
              help="The level of the decision boundary F = LEVEL.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Image file to write (.png, .svg, .pdf, ...), or .html: an interactive "
              "offline page (pip install \".[viewer]\").")
@click.option("--dpi", type=click.IntRange(min=1), default=100, show_default=True)
def plot_cmd(net: str | None, example: str | None, box: tuple[str, str],
             plane: tuple[str, str, str] | None, segment: tuple[str, str] | None,
             as_json: bool, max_regions: int | None, max_memory: int | str | None,
             time_limit: float | None, progress: bool | None, linear: bool, pair: bool,
             color_by: str | None, boundary: bool | None, level: float, output: str,
             dpi: int) -> None:
    """Draw NET's regions on a 2-D box or plane, or its graph along a segment or 1-D box;
    an .html OUTPUT is the interactive viewer of a 2-D one."""
    from regionkit import plot
    from regionkit.plot import html as plot_html

    src = _source(net, example, box, plane, segment)
    if src.domain.dim > 2:
        raise click.UsageError(f"the network has {src.network.n_in} inputs: draw a slice of "
                               "them with --plane A B C or --segment A B")
    if pair and src.domain.dim != 2:
        raise click.UsageError("--pair draws 2-D partitions (--box of a 2-input net or "
                               "--plane)")
    if (color_by is not None or boundary) and (pair or src.domain.dim != 2):
        raise click.UsageError("--color-by and --boundary draw one 2-D partition (not "
                               "--pair, --segment or a 1-D box)")
    if color_by is not None and linear and color_by != "linear":
        raise click.UsageError(f"--linear and --color-by {color_by} disagree")
    viewer = plot_html.is_html_path(output)   # the interactive viewer: plotly, no matplotlib
    if viewer and (pair or linear or color_by is not None or boundary is not None):
        raise click.UsageError("--pair, --linear, --color-by and --boundary choose pictures; "
                               "the HTML viewer shows activation regions, each with its "
                               "linear region")
    meter = _Meter("the plot", time_limit, progress, total=3, unit="step")
    try:
        meter.describe("regions")
        rs = _regions(src, max_regions, meter.remaining(), progress, max_memory)
        rs.require_complete("a plot")
        meter()
        meter.describe("drawing")
        if viewer:
            page = plot_html.html_page(rs)
            meter()
            meter.describe(f"writing {output}")
            _write(output, lambda tmp: Path(tmp).write_text(page, encoding="utf-8"))
        else:
            plt = plot.pyplot("Agg")
            if src.domain.dim == 1:
                ax = plot.plot_line(rs, breakpoints="linear" if linear else "activation")
            elif pair:
                ax, _ = plot.plot_partition_pair(rs)
            else:
                colour = color_by or ("linear" if linear else "region")
                ax = plot.plot_partition(rs, color_by=colour, boundary=boundary, level=level)
            try:
                meter()
                meter.describe(f"writing {output}")
                _write(output, lambda tmp: ax.figure.savefig(tmp, dpi=dpi))
            finally:
                plt.close(ax.figure)
        meter()
    finally:
        meter.close()
    if as_json:
        click.echo(json.dumps({"output": output, "n_regions": rs.n_regions,
                               "n_linear_regions": rs.n_linear_regions}))
    else:
        click.echo(f"wrote {output}: {rs.n_regions} activation regions, "
                   f"{rs.n_linear_regions} linear regions")


@main.command("betti")
@_net_and_domain
@_budgets
@click.option("--level", type=_Number(), default=0.0, show_default=True,
              help="Level t: the sets {F > t} and {F < t}.")
@click.option("--output", "output", type=click.IntRange(min=0), default=0, show_default=True,
              help="Which output F is (multi-output nets).")
@click.option("--classes", is_flag=True,
              help="Also the class regions {argmax F = c} (a single output: the signs of F).")
@click.option("--rtol", type=_Number(0.0), default=None,
              help="Relative zero tolerance (default 1e-10).")
@click.option("--method", type=click.Choice(["auto", "lp", "vertex"]), default="auto",
              show_default=True, help="Splitting geometry (see README).")
def betti_cmd(net: str | None, example: str | None, box: tuple[str, str],
              plane: tuple[str, str, str] | None, segment: tuple[str, str] | None,
              as_json: bool, max_regions: int | None, max_memory: int | str | None,
              time_limit: float | None, progress: bool | None, level: float, output: int,
              classes: bool, rtol: float | None, method: str) -> None:
    """Exact Betti numbers of {F > t} and {F < t} (and class regions) of NET in an open box
    (or slice), or of the network and domain of a stored run (a RegionSet file or store).

    --time-limit covers the whole verb: the enumeration of the pieces, then their cell
    complex (checked after each chunk of pieces) and the homology of each set."""
    from regionkit.topology.decision import decision_regions

    start = time.perf_counter()
    meter = _Meter("the cell complex", time_limit, progress, unit="piece")
    src = _source(net, example, box, plane, segment)
    network, domain = src.network, src.domain
    budgets = {"max_regions": max_regions, "progress": progress, "max_memory": max_memory,
               "tol": rtol, "method": method}
    try:
        dr = decision_regions(network, domain, level, output, classes=False,
                              time_limit=meter.remaining(), **budgets)
        meter.start(dr.n_pieces, "cell complex")
        dr.complex(meter)
        sides = {}
        for s in ("above", "below"):
            sides[s] = dr.betti_numbers(s)
            meter.check()
        volume = dr.boundary_volume()
        # One output: the class regions are the signs of F, the sides above when the level
        # is 0.
        same = classes and network.n_out == 1 and level == 0.0
        per_class = []
        if classes and not same:
            cr = decision_regions(network, domain, 0.0 if network.n_out == 1 else None,
                                  classes=True, time_limit=meter.remaining(), **budgets)
            meter.start(cr.n_pieces, "class cell complex")
            cr.complex(meter)
            per_class = cr.class_betti_numbers()
            meter.check()
    finally:
        meter.close()
    seconds = time.perf_counter() - start
    if as_json:
        out = {"pieces": dr.n_pieces, "level": level, "output": output,
               "above": sides["above"].to_dict(), "below": sides["below"].to_dict(),
               "boundary_volume": volume if np.isfinite(volume) else "inf",
               "seconds": seconds}
        if classes:
            out["classes"] = ([sides["below"].to_dict(), sides["above"].to_dict()] if same
                              else [b.to_dict() for b in per_class])
        click.echo(json.dumps(out))
        return
    arch = "-".join(str(w) for w in [network.n_in] + network.widths)

    def show(b: Any) -> None:
        click.echo(f"  {b.description + ':':17s} b = ({', '.join(map(str, b.betti))})"
                   f"{',' if len(b.betti) == 1 else ''}  euler {b.euler}  bounded components "
                   f"{b.bounded_components}")

    click.echo(f"network:          {arch} ({', '.join(network.activation_names())})")
    click.echo(f"domain:           {domain!r} (open)")
    click.echo(f"pieces:           {dr.n_pieces}")
    click.echo(f"level sets (output {output}, level {level:g}):")
    for b in (sides["above"], sides["below"]):
        show(b)
    if same:
        click.echo("class regions:    one output: the classes are {F > 0} and {F < 0}, above")
    elif classes:
        click.echo("class regions (argmax F = c):" if network.n_out > 1 else
                   "class regions (one output: the signs of F, level 0):")
        for b in per_class:
            show(b)
    click.echo(f"level set volume: {volume:.6g}")
    click.echo(f"time:             {seconds:.3f} s")


def _chords(domain: Domain, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """End points (domain coordinates) of n random chords: through a uniform point, in a
    uniform direction, extended to the domain's bounding box (for a polytope: between two
    uniform points, which stay inside as it is convex)."""
    p = domain.sample(n, rng)
    if isinstance(domain, Polytope):
        return p, domain.sample(n, rng)
    u = rng.standard_normal((n, domain.dim))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        a, b = (domain.lo - p) / u, (domain.hi - p) / u
    t_lo = np.max(np.where(u != 0, np.minimum(a, b), -np.inf), axis=1)
    t_hi = np.min(np.where(u != 0, np.maximum(a, b), np.inf), axis=1)
    return p + t_lo[:, None] * u, p + t_hi[:, None] * u


def estimate_regions(network: Network, domain: Domain, n_lines: int = INFO_LINES,
                     seed: int = 0) -> dict[str, Any]:
    """Estimate a network's region count on a domain from the patterns along random chords.

    Each chord is cut exactly into its pieces (regionkit.trajectory.segment); every distinct
    pattern seen is an activation region, so their number is a lower bound on the count.
    The estimate adds the Chao2 correction for regions not seen (from how many patterns were
    seen on exactly one and exactly two chords): an estimate, not a bound.

    Parameters
    ----------
    network : Network
        The network.
    domain : Domain
        The domain (its chords are drawn in its own coordinates).
    n_lines : int, default INFO_LINES
        Number of chords.
    seed : int, default 0
        Seed of the chords.

    Returns
    -------
    dict
        'n_lines', 'seen' (distinct patterns: a lower bound), 'estimate' (Chao2, rounded)
        and the pattern bytes seen under 'patterns' (a set).

    Examples
    --------
    >>> import regionkit as rk
    >>> from regionkit.cli import estimate_regions
    >>> from regionkit.examples import example_network
    >>> est = estimate_regions(example_network("2d"), rk.Box(-1, 1, dim=2), n_lines=4)
    >>> 0 < est["seen"] <= est["estimate"], est["seen"] <= 1036
    (True, True)
    """
    from regionkit import trajectory

    rng = np.random.default_rng(seed)
    t0, t1 = _chords(domain, n_lines, rng)
    hits: dict[bytes, int] = {}
    for a, b in zip(domain.to_input(t0), domain.to_input(t1)):
        tr = trajectory.segment(network, a, b)
        for key in {np.packbits(p).tobytes() for p in network.pattern(tr.points(tr.midpoints()))}:
            hits[key] = hits.get(key, 0) + 1
    q1 = sum(1 for c in hits.values() if c == 1)
    q2 = sum(1 for c in hits.values() if c == 2)
    chao2 = len(hits) + (n_lines - 1) / n_lines * q1 * (q1 - 1) / (2 * (q2 + 1))
    return {"n_lines": n_lines, "seen": len(hits), "estimate": int(round(chao2)),
            "patterns": set(hits)}


@main.command("info")
@_net_and_domain
@click.option("--lines", type=click.IntRange(min=1), default=INFO_LINES, show_default=True,
              help="Random chords of the domain behind the estimate.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the chords.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def info_cmd(net: str | None, example: str | None, box: tuple[str, str],
             plane: tuple[str, str, str] | None, segment: tuple[str, str] | None,
             lines: int, seed: int, as_json: bool) -> None:
    """NET's layers, activations and inputs, the theoretical bounds on its region count on
    the domain, and an estimate of that count (never an enumeration)."""
    from regionkit.bounds.applicable import applicable_bounds

    src = _source(net, example, box, plane, segment)
    network, domain = src.network, src.domain
    rows = applicable_bounds(network, domain)
    est = estimate_regions(network, domain, lines, seed)
    layers = [{"layer": i + 1, "width": int(w), "activation": a}
              for i, (w, a) in enumerate(zip(network.widths, network.activation_names()))]
    saved = None if src.regions is None else {
        "n_regions": src.regions.n_regions, "complete": src.regions.complete,
        "stop_reason": src.regions.stop_reason}
    if as_json:
        click.echo(json.dumps({
            "architecture": [network.n_in] + list(network.widths), "layers": layers,
            "n_in": network.n_in, "domain": repr(domain), "domain_dim": domain.dim,
            "n_hyperplanes": network.n_hyperplanes,
            "bounds": [{"bound": n, "kind": k, "value": str(v), "source": s}
                       for n, k, v, s in rows],
            "estimate": {k: v for k, v in est.items() if k != "patterns"},
            "saved_regions": saved}))
        return
    arch = "-".join(str(w) for w in [network.n_in] + network.widths)
    click.echo(f"network:      {arch}, {network.n_in} inputs, {network.n_hyperplanes} pattern "
               "bits")
    for layer in layers:
        click.echo(f"  layer {layer['layer']}: {layer['width']:5d} units  {layer['activation']}")
    click.echo(f"domain:       {domain!r} ({domain.dim}-D)")
    if saved is not None:
        click.echo(f"saved run:    {saved['n_regions']} activation regions" +
                   ("" if saved["complete"] else f" (INCOMPLETE: {saved['stop_reason']})"))
    click.echo(f"bounds on the region count (theory, n0 = {domain.dim}):")
    for name, kind, value, source in rows:
        text = str(value) if len(str(value)) <= 24 else f"{float(value):.3e}"
        kind = "lower*" if kind == "lower" else kind
        click.echo(f"  {kind:9s} {text:>24s}  {name} ({source})")
    if any(kind == "lower" for _, kind, _, _ in rows):
        click.echo("  * lower bounds on the largest count over all weights, not on this net's")
    click.echo(f"ESTIMATE (not an enumeration; {est['n_lines']} random chords, seed {seed}):")
    click.echo(f"  regions seen:     {est['seen']} (a lower bound)")
    click.echo(f"  estimated count:  {est['estimate']} (Chao2 from how often each was seen)")


main.add_command(suite_commands)


if __name__ == "__main__":
    main()
