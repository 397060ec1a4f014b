"""Measures: name -> function(context, options) -> dict of result columns.

A measure declares the domain forms it reads ("region", "paths", "points", see
regionkit.suite.domains) and its options with defaults (set in a suite's [options.NAME]).
The context gives the job's network, its info columns, the built domain and, for region
domains, one shared enumeration (``ctx.regions``), so counts, linear counts, boundary volume
and bounds of one job enumerate once.

New measures register with ``@register(name, forms=..., params=...)`` in any module; a suite
lists that module under ``imports`` so that process-pool and Dask workers import it too.
"""
from __future__ import annotations

import importlib
import math
import re
import warnings
from typing import Any

import numpy as np

from regionkit.errors import SuiteError
from regionkit.suite.params import Kind, Param, registry

__all__ = ["ENUMERATE", "ENUMERATE_PARAMS", "MEASURES", "get", "import_plugins", "job_options",
           "register"]

MEASURES, register, get = registry("measure")

# Options shared by every measure that enumerates (the key of [options.enumerate]).
ENUMERATE = "enumerate"
ENUMERATE_PARAMS = {
    "max_regions": Param("int", None, "stop an enumeration at this many regions"),
    "time_limit": Param("number", None, "stop an enumeration after this many seconds"),
    "rtol": Param("number", None, "relative zero tolerance (default regionkit's 1e-10)"),
    "method": Param("str", "auto", "splitting geometry: auto, lp or vertex"),
}
_ENUMERATE_KIND = Kind(ENUMERATE, lambda: None, ENUMERATE_PARAMS)


def import_plugins(modules: list[str]) -> None:
    """Import the modules a suite lists under `imports` (they register measures).

    Parameters
    ----------
    modules : list of str
        Module names, as ``importlib.import_module`` takes them.

    Raises
    ------
    SuiteError
        A module cannot be imported.
    """
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise SuiteError(f"cannot import the suite's plugin module {name!r}: {exc}") from None


def job_options(measures: tuple[str, ...], options: dict[str, dict[str, Any]]
                ) -> dict[str, dict[str, Any]]:
    """Checked options, defaults filled in, of the given measures.

    Parameters
    ----------
    measures : tuple of str
        Registered measure names.
    options : dict of str to dict
        A suite's [options.NAME] tables by name.

    Returns
    -------
    dict of str to dict
        Every measure's options, and the enumeration's (key ENUMERATE) when one of the
        measures enumerates.

    Raises
    ------
    SuiteError
        An unknown measure, or an unknown, missing or mistyped option.
    """
    out = {m: get(m).check(options.get(m, {}), f"[options.{m}]") for m in measures}
    if any("region" in get(m).forms for m in measures):
        out[ENUMERATE] = _ENUMERATE_KIND.check(options.get(ENUMERATE, {}),
                                               f"[options.{ENUMERATE}]")
    return out


def _per_neuron(value: float, n: int) -> float | None:
    return value / n if n else None


# --- region domains -------------------------------------------------------------------------

@register("counts", forms=("region",),
          doc="activation regions: total, per layer, per neuron and per neuron squared")
def counts(ctx: Any, opts: dict[str, Any]) -> dict[str, Any]:
    rs = ctx.regions
    n = ctx.n_neurons
    return {"n_regions": rs.n_regions, "n_regions_per_layer": [int(c) for c in rs.per_layer],
            "complete": rs.complete, "stop_reason": rs.stop_reason,
            "regions_per_neuron": _per_neuron(rs.n_regions, n),
            "regions_per_neuron_sq": _per_neuron(rs.n_regions, n * n)}


@register("linear_counts", forms=("region",),
          doc="linear regions (maximal connected pieces with one affine map)")
def linear_counts(ctx: Any, opts: dict[str, Any]) -> dict[str, Any]:
    rs = ctx.regions
    return {"n_linear_regions": rs.n_linear_regions if rs.complete else None}


@register("boundary_volume", forms=("region",),
          doc="(d-1)-volume of the activation and linear boundaries, and per unit volume")
def boundary_volume(ctx: Any, opts: dict[str, Any]) -> dict[str, Any]:
    rs = ctx.regions
    if not rs.complete:
        return {"boundary_volume": None, "linear_boundary_volume": None,
                "domain_volume": rs.domain.volume, "boundary_density": None,
                "boundary_density_per_neuron": None}
    act, lin = rs.boundary_volume("activation"), rs.boundary_volume("linear")
    density = lin / rs.domain.volume
    return {"boundary_volume": act, "linear_boundary_volume": lin,
            "domain_volume": rs.domain.volume, "boundary_density": density,
            "boundary_density_per_neuron": _per_neuron(density, ctx.n_neurons)}


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


@register("bounds", forms=("region",), params={"linear": Param("bool", True)},
          doc="every bound of regionkit.bounds beside the measured counts")
def bounds(ctx: Any, opts: dict[str, Any]) -> dict[str, Any]:
    from regionkit import bounds as B

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", B.BoundViolation)  # recorded in the columns instead
        table = B.check(ctx.regions, linear=opts["linear"] and ctx.regions.complete)
    uppers = [r.value for r in table.rows if r.kind in ("upper", "exact")]
    least = min(uppers) if uppers else None
    out: dict[str, Any] = {"bounds_violations": len(table.violations),
                           "bounds_tight": ",".join(r.name for r in table.rows
                                                    if r.activation_status == B.TIGHT) or None,
                           "least_upper_bound": None if least is None else float(least),
                           "fraction_of_least_upper": (None if not least
                                                       else table.n_activation / least)}
    for r in table.rows:
        slug = _slug(r.name)
        out[f"bound.{slug}"] = float(r.value) if r.value < 10 ** 300 else None
        out[f"bound_status.{slug}"] = r.activation_status
    return out


@register("betti", forms=("region",),
          params={"level": Param("number", 0.0, "the decision set is {F_output > level}"),
                  "side": Param("str", "above", "above: {F > level}; below: {F < level}"),
                  "output": Param("int", 0, "output index"),
                  "classes": Param("bool", False, "Betti numbers of every class region "
                                   "{argmax F = c} instead")},
          doc="exact Betti numbers of the decision set (regionkit.topology.betti), Bianchini & "
              "Scarselli's B(S) = their sum")
def betti(ctx: Any, opts: dict[str, Any]) -> dict[str, Any]:
    from regionkit.topology.betti import betti_numbers, class_betti_numbers

    enum = ctx.job.options.get(ENUMERATE, {})
    kw = {"tol": enum.get("rtol"), "method": enum.get("method", "auto")}
    if opts["classes"]:
        per_class = class_betti_numbers(ctx.network, ctx.domain, **kw)
        return {"class_betti": [list(b.betti) for b in per_class],
                "class_betti_total": sum(b.total for b in per_class)}
    b = betti_numbers(ctx.network, ctx.domain, opts["level"], opts["side"], opts["output"], **kw)
    return {"betti": list(b.betti), "betti_0": b.betti[0], "betti_total": b.total,
            "euler": b.euler, "bounded_components": b.bounded_components}


# --- point clouds ---------------------------------------------------------------------------

@register("distances", forms=("points",),
          params={"hist_lo": Param("number", -6.0, "lowest log10 distance of the histogram"),
                  "hist_hi": Param("number", 1.0, "highest log10 distance"),
                  "hist_bins": Param("int", 28, "number of histogram bins")},
          doc="exact distance from each point to its activation region's boundary "
              "(Hanin & Rolnick section 3.2): mean, x #neurons, and log10 histogram")
def distances(ctx: Any, opts: dict[str, Any]) -> dict[str, Any]:
    from regionkit.measures.distance import distance_to_region_boundary

    d = distance_to_region_boundary(ctx.network, ctx.domain.X)
    d = d[np.isfinite(d)]
    if d.size == 0:
        raise SuiteError("no point has a finite distance to a region boundary")
    logd = np.log10(np.maximum(d, np.finfo(float).tiny))
    edges = np.linspace(opts["hist_lo"], opts["hist_hi"], opts["hist_bins"] + 1)
    hist = np.histogram(np.clip(logd, edges[0], edges[-1]), bins=edges)[0]
    p01, p99 = np.percentile(logd, [1, 99])
    mean = float(d.mean())
    return {"n_points": int(d.size), "dist_mean": mean, "dist_median": float(np.median(d)),
            "dist_mean_x_neurons": mean * ctx.n_neurons, "log10_dist_mean": float(logd.mean()),
            "log10_dist_std": float(logd.std()), "log10_dist_p01": float(p01),
            "log10_dist_p99": float(p99), "log10_dist_span": float(p99 - p01),
            "log10_dist_hist": hist.tolist(), "log10_dist_edges": edges.tolist()}


# --- paths ----------------------------------------------------------------------------------

@register("trajectory", forms=("paths",),
          doc="pieces, transitions and image lengths along lines or arcs (regionkit.trajectory),"
              " means over the paths; lists are per hidden layer")
def trajectory(ctx: Any, opts: dict[str, Any]) -> dict[str, Any]:
    from regionkit import trajectory as T

    net, paths = ctx.network, ctx.domain
    tab = T.table(net, paths.kind, paths.a, paths.b)
    hidden = [d for d, act in enumerate(net.activations, start=1) if act.bits_per_unit]
    pieces = tab["n_pieces"].astype(float)
    trans = [float(tab[f"transitions_{d}"].mean()) for d in hidden]
    lengths = [_finite(tab[f"length_post_{d}"].mean()) for d in hidden]
    ratios = [b / a for a, b in zip(lengths[:-1], lengths[1:]) if a and b]
    out = {"n_paths": int(len(tab)), "pieces_mean": float(pieces.mean()),
           "pieces_std": float(pieces.std()),
           "pieces_per_neuron": _per_neuron(float(pieces.mean()), ctx.n_neurons),
           "patterns_mean": float(tab["n_patterns"].mean()),
           "transitions_mean": float(tab["transitions"].mean()),
           "transitions_last": trans[-1] if trans else 0.0,
           "transitions_per_layer": trans, "length_in": _finite(tab["length_in"].mean()),
           "length_last": lengths[-1] if lengths else None, "length_per_layer": lengths,
           "length_growth": (float(np.exp(np.mean(np.log(ratios))))
                             if ratios and len(ratios) == len(lengths) - 1 else None)}
    return out


def _finite(v: float) -> float | None:
    return float(v) if math.isfinite(v) else None


@register("growth_bounds", forms=("paths",),
          doc="Raghu et al.'s per-layer length growth bounds (their Theorem 3) for a "
              "raghu_normal network, beside sigma_w/sqrt(2) for zero-bias ReLU")
def growth_bounds(ctx: Any, opts: dict[str, Any]) -> dict[str, Any]:
    spec = ctx.job.network
    if spec["kind"] != "raghu_normal":
        raise SuiteError("growth_bounds needs a raghu_normal network (it reads sigma_w2, "
                         "sigma_b2 and width)")
    k, sw = int(spec["width"]), math.sqrt(spec["sigma_w2"])
    act, zero_bias = spec["activation"], spec["sigma_b2"] == 0
    # E|W d| = sigma_w sqrt(2/k) Gamma((k+1)/2) / Gamma(k/2) |d| for W ~ N(0, sigma_w^2/k)
    # and activations with |phi'| <= 1 only shrink it: an upper bound on the expected ratio.
    upper = sw * math.sqrt(2.0 / k) * math.exp(math.lgamma((k + 1) / 2) - math.lgamma(k / 2))
    lower = None
    if zero_bias and act == "relu":
        lower = sw / math.sqrt(2) * (math.sqrt(k / (2 * (k + 1))) - math.sqrt(k) / 2 ** k)
    elif zero_bias and act == "hard_tanh" and sw >= 1:
        lower = (((2 * math.pi) ** -0.25 * math.sqrt(sw * k)
                  / math.sqrt(sw * math.sqrt(2 * math.pi) + (k - 1))
                  - math.sqrt(k) * (1 - 1 / sw) ** (k - 1)) / math.sqrt(2))
    return {"growth_upper": upper, "growth_lower": lower,
            "growth_relu_expected": sw / math.sqrt(2) if act == "relu" and zero_bias else None}
