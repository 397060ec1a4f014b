"""Domain kinds a suite can name, in three forms the measures choose from.

* "region": a regionkit Domain to enumerate (box, plane through three points, the proven
  domain of a construction);
* "paths": many lines or arcs, measured with regionkit.trajectory;
* "points": a point cloud, measured without enumeration (distance to the boundary).

Random choices use the domain's own seed, so every network of a suite sees the same lines,
arcs, planes and points.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from regionkit.errors import DomainError, SuiteError
from regionkit.model.domains import Box, Plane
from regionkit.model.network import Network
from regionkit.suite import data
from regionkit.suite.params import Param, registry

__all__ = ["DATA", "KINDS", "SEED", "Paths", "Points", "build", "data_points", "get_kind",
           "register"]

KINDS, register, get_kind = registry("domain kind")

DATA = Param("str", "digits", "data source: " + ", ".join(data.SOURCES))
SEED = Param("int", 0, "seed of the random choices")


@dataclass(frozen=True)
class Paths:
    """Paths of one trajectory kind, as regionkit.trajectory.table takes them.

    Parameters
    ----------
    kind : {"line", "arc", "circle"}
        The kind of path.
    a, b : numpy.ndarray, shape (n, n_in)
        Per path, the two points (or point and direction) that define it.
    """

    kind: str           # "line", "arc" or "circle"
    a: np.ndarray
    b: np.ndarray


@dataclass(frozen=True)
class Points:
    """A point cloud, measured without enumeration.

    Parameters
    ----------
    X : numpy.ndarray, shape (n, n_in)
        Network inputs.
    """

    X: np.ndarray


def build(spec: dict[str, Any], net: Network, construction: Any) -> Any:
    """Build the domain of a suite's domain spec for one network.

    Parameters
    ----------
    spec : dict
        A domain spec: "kind" and its parameters.
    net : Network
        The network it is built for.
    construction : object or None
        The network's construction, for kind "construction".

    Returns
    -------
    Domain, Paths or Points
        The kind's form: "region", "paths" or "points".

    Raises
    ------
    SuiteError
        If the kind is unknown or its parameters do not fit the network.
    DomainError
        If the domain is degenerate (e.g. coinciding data points).

    Examples
    --------
    >>> import regionkit as rk
    >>> from regionkit.suite.domains import build
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1]], [[1, 1]]], [[0, 0], [0]])
    >>> build({"kind": "box", "lo": -1.0, "hi": 1.0}, net, None)
    Box(lo=[-1.0, -1.0], hi=[1.0, 1.0])
    >>> build({"kind": "points", "n": 5, "data": "uniform", "seed": 0}, net, None).X.shape
    (5, 2)
    """
    kind = get_kind(spec["kind"])
    params = {k: v for k, v in spec.items() if k not in ("name", "kind", "save_regions")}
    return kind.fn(net=net, construction=construction, **params)


@register("box", {"lo": Param("number_or_list", -1.0), "hi": Param("number_or_list", 1.0)},
          doc="the open box (lo, hi)^n_in (scalars broadcast)", form="region")
def _box(lo: Any, hi: Any, net: Network, construction: Any) -> Box:
    return Box(np.asarray(lo, float), np.asarray(hi, float), dim=net.n_in)


@register("construction", {}, doc="the domain on which a construction's count is proven",
          form="region")
def _construction(net: Network, construction: Any) -> Any:
    if construction is None:
        raise SuiteError("domain 'construction' needs a network of kind 'construction'")
    return construction.domain


@register("plane", {"data": DATA, "classes": Param("list", [0, 1, 2]), "seed": SEED,
                    "half_width_factor": Param("number", 1.25)},
          doc="square in the plane of three points, centred at their circumcentre, half width "
              "half_width_factor x circumradius (Hanin & Rolnick section 3.3); from digits, "
              "one random image of each of the three classes", form="region")
def _plane(data: str, classes: list[int], seed: int, half_width_factor: float, net: Network,
           construction: Any) -> Plane:
    rng = np.random.default_rng(seed)
    if data in ("digits", "digits-test"):
        X, y = _labelled(data, net.n_in)
        if len(classes) != 3 or len(set(classes)) != 3:
            raise SuiteError(f"classes must name three different labels, got {classes}")
        picks = []
        for c in classes:
            where = np.flatnonzero(y == c)
            if where.size == 0:
                raise DomainError(f"no image has label {c!r}")
            picks.append(X[rng.choice(where)])
    else:
        picks = list(data_points(data, 3, net.n_in, rng))
    centre = Plane.through(*picks).origin  # the circumcentre
    radius = float(np.linalg.norm(picks[0] - centre))
    return Plane.through(*picks, half_width=half_width_factor * radius)


@register("lines", {"n": Param("int", 100), "through": Param("str", "origin"), "data": DATA,
                    "seed": SEED},
          doc="whole lines through the origin and a data point (through = 'origin') or "
              "through two data points ('pairs'), as Hanin & Rolnick section 3.1",
          form="paths")
def _lines(n: int, through: str, data: str, seed: int, net: Network,
           construction: Any) -> Paths:
    rng = np.random.default_rng(seed)
    if through == "origin":
        D = data_points(data, n, net.n_in, rng)
        if np.any(~np.any(D, axis=1)):
            raise DomainError("a data point is the origin: no line through both")
        return Paths("line", np.zeros_like(D), D)
    if through != "pairs":
        raise SuiteError(f"through must be 'origin' or 'pairs', got {through!r}")
    A, B = data_points(data, n, net.n_in, rng), data_points(data, n, net.n_in, rng)
    if np.any(~np.any(B - A, axis=1)):
        raise DomainError("two chosen data points coincide: no line through them")
    return Paths("line", A, B - A)


@register("arcs", {"n": Param("int", 20), "data": Param("str", "normal", DATA.doc),
                   "scale": Param("number", 1.0), "closed": Param("bool", False),
                   "seed": SEED},
          doc="Raghu et al.'s arcs cos(pi t/2) x0 + sin(pi t/2) x1 between random points "
              "(closed = true: whole great circles), scaled by `scale`", form="paths")
def _arcs(n: int, data: str, scale: float, closed: bool, seed: int, net: Network,
          construction: Any) -> Paths:
    rng = np.random.default_rng(seed)
    A = scale * data_points(data, n, net.n_in, rng)
    B = scale * data_points(data, n, net.n_in, rng)
    return Paths("circle" if closed else "arc", A, B)


@register("points", {"n": Param("int", 10000),
                     "data": Param("str", "digits-gaussian", DATA.doc), "seed": SEED},
          doc="a point cloud (Hanin & Rolnick section 3.2: 10 000 points normal with the "
              "data's componentwise mean and variance)", form="points")
def _points(n: int, data: str, seed: int, net: Network, construction: Any) -> Points:
    return Points(data_points(data, n, net.n_in, np.random.default_rng(seed)))


def data_points(source: str, n: int, n_in: int, rng: np.random.Generator) -> np.ndarray:
    """n points of a data source as network inputs (regionkit.suite.data.points).

    Parameters
    ----------
    source : str
        One of regionkit.suite.data.SOURCES.
    n : int
        Number of points, at least 1.
    n_in : int
        The network's number of inputs.
    rng : numpy.random.Generator
        The random choices.

    Returns
    -------
    numpy.ndarray, shape (n, n_in)
        The points.

    Raises
    ------
    SuiteError
        If n < 1, the source is unknown, or its images do not fit n_in.
    """
    if n < 1:
        raise SuiteError(f"n must be at least 1, got {n}")
    return data.points(source, n, n_in, rng)


def _labelled(source: str, n_in: int) -> tuple[np.ndarray, np.ndarray]:
    X, y = data.labelled_digits(source)
    if X.shape[1] != n_in:
        raise SuiteError(f"digits images have {X.shape[1]} pixels but the network takes "
                         f"{n_in} inputs")
    return X, y
