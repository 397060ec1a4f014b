"""Decision regions: the activation regions split by an output's level set and by the
pairwise differences of the outputs, so that each piece lies on one side of {F = level} and
has one class order.

Inside an activation region every output is affine, so the level set F_o = level and the
ties F_i = F_j are hyperplanes there: the network followed by one extra ReLU layer whose
units are F_o - level and F_i - F_j (i < j) has exactly these pieces as its activation
regions, and the engine enumerates them exactly. Pieces may be finer than the sets they make
up; the topology (regionkit.topology.betti) only needs each piece to lie in one set.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

from regionkit.errors import NetworkError, RegionkitError
from regionkit.measures.signs import region_signs
from regionkit.model.domains import Domain
from regionkit.model.network import Network
from regionkit.model.tolerance import Tolerance
from regionkit.regions.engine import Method, enumerate_regions
from regionkit.regions.regionset import RegionSet
from regionkit.topology.cells import CellComplex, cell_complex

if TYPE_CHECKING:
    from regionkit.topology.homology import Betti

Side = Literal["above", "below"]


def split_network(net: Network, level: float | None, output: int,
                  classes: bool) -> tuple[Network, np.ndarray]:
    """`net` followed by the ReLU layer of units F_output - level (if level is not None) and
    F_i - F_j for i < j (if classes); returns it with the (i, j) of the pair units."""
    n = net.n_out
    rows, bias = [], []
    if level is not None:
        rows.append(np.eye(n)[output])
        bias.append(-float(level))
    pairs = np.array([(i, j) for i in range(n) for j in range(i + 1, n)] if classes else [],
                     dtype=np.int64).reshape(-1, 2)
    for i, j in pairs:
        rows.append(np.eye(n)[i] - np.eye(n)[j])
        bias.append(0.0)
    split = Network.from_arrays([*net.weights, np.array(rows)], [*net.biases, np.array(bias)],
                                [*net.activation_names(), "relu"])
    return split, pairs


def check_side(side: object) -> None:
    if side not in ("above", "below"):
        raise RegionkitError(f"side must be 'above' or 'below', got {side!r}")


def class_winners(pair_signs: np.ndarray, pairs: np.ndarray, n_classes: int) -> np.ndarray:
    """(n, n_classes) bool: class c beats every other class (F_c > F_j) given the signs of
    F_i - F_j for the pairs (i, j)."""
    win = np.ones((len(pair_signs), n_classes), dtype=bool)
    for k, (i, j) in enumerate(pairs):
        win[:, i] &= pair_signs[:, k] > 0
        win[:, j] &= pair_signs[:, k] < 0
    return win


@dataclass(eq=False)
class DecisionRegions:
    """The pieces of the domain: activation regions of `net` cut by its decision boundaries.

    ``regions`` is the RegionSet of the split network (`net` plus one ReLU layer, see
    split_network): its regions are the pieces, their last pattern bits the sides. Per piece,
    ``side`` is +1 where F_output > level, -1 where F_output < level, 0 where F_output equals
    the level on the whole piece (None without a level); ``label`` is the class argmax F_c,
    -1 where two outputs tie on the whole piece (None without the class split).
    """

    network: Network
    regions: RegionSet
    level: float | None
    output: int
    pairs: np.ndarray
    side: np.ndarray | None
    label: np.ndarray | None
    _complex: CellComplex | None = field(default=None, repr=False)

    @property
    def n_pieces(self) -> int:
        return self.regions.n_regions

    @property
    def dim(self) -> int:
        return self.regions.dim

    def __repr__(self) -> str:
        what = [] if self.level is None else [f"F_{self.output} vs {self.level:g}"]
        what += ["classes"] if len(self.pairs) else []
        return (f"DecisionRegions({self.n_pieces} pieces of {self.network!r} on "
                f"{self.regions.domain!r}, split by {' and '.join(what)})")

    def _split_hyperplanes(self) -> np.ndarray:
        off = self.regions.network.layer_hyperplane_offsets()
        return np.arange(off[-2], off[-1])

    def complex(self) -> CellComplex:
        """The cell complex of the pieces (cached), checked to subdivide the domain."""
        if self._complex is None:
            cx = cell_complex(self.regions)
            cx.check(self.dim)
            self._complex = cx
        return self._complex

    def _level_signs(self) -> np.ndarray:
        if self.level is None:
            raise RegionkitError("these decision regions were split without a level "
                                 "(level=None): no level set")
        return self.complex().signs(self._split_hyperplanes()[:1])[:, 0]

    def set_cells(self, side: Side) -> np.ndarray:
        """Cells (bool mask) whose union is {F_output > level} (side="above") or
        {F_output < level} (side="below") within the open domain."""
        check_side(side)
        s = self._level_signs()
        return (s == (1 if side == "above" else -1)) & ~self.complex().boundary

    def class_cells(self, c: int) -> np.ndarray:
        """Cells (bool mask) whose union is {argmax F = c} (F_c above every other output)
        within the open domain."""
        if not len(self.pairs):
            raise RegionkitError("these decision regions were split without the class "
                                 "differences (classes=False, or a single output)")
        cx = self.complex()
        first = 0 if self.level is None else 1
        sgn = cx.signs(self._split_hyperplanes()[first:])
        return class_winners(sgn, self.pairs, self.network.n_out)[:, c] & ~cx.boundary

    def betti_numbers(self, side: Side = "above") -> "Betti":
        """Betti numbers of {F_output > level} (or < for side="below") in the open domain."""
        from regionkit.topology.homology import homology

        op = ">" if side == "above" else "<"
        return homology(self.complex(), self.set_cells(side), self.dim,
                        f"{{F_{self.output} {op} {self.level:g}}}")

    def class_betti_numbers(self) -> "list[Betti]":
        """Betti numbers of every class region {argmax F = c}; a single-output net (split at
        level 0) is a binary classifier: class 0 is {F < 0}, class 1 is {F > 0}."""
        from regionkit.topology.homology import homology

        if self.network.n_out == 1:
            if self.level != 0.0:
                raise RegionkitError("a single-output net's classes are the signs of F: "
                                     "split it at level 0")
            return [self.betti_numbers("below"), self.betti_numbers("above")]
        return [homology(self.complex(), self.class_cells(c), self.dim, f"{{argmax F = {c}}}")
                for c in range(self.network.n_out)]

    def boundary_volume(self) -> float:
        """(d-1)-volume of {F_output = level} inside the open domain (in 1-D: the number of
        points); infinite when F_output equals the level on a piece of positive volume."""
        s = self._level_signs()
        cx = self.complex()
        if np.any(s[cx.dim == self.dim] == 0):
            return math.inf
        on = (s == 0) & (cx.dim == self.dim - 1) & ~cx.boundary
        return float(cx.volume[on].sum())


def decision_regions(net: Network, domain: Domain, level: float | None = 0.0, output: int = 0,
                     *, classes: bool | None = None, tol: Tolerance | float | None = None,
                     method: Method = "auto", progress: bool | None = None) -> DecisionRegions:
    """Split every activation region of `net` on `domain` by the level set F_output = level
    (level=None: no level split) and, for classes=True (default: when the net has several
    outputs), by every tie F_i = F_j, into the pieces of {F > level}, {F < level} and the
    class regions {argmax F = c}. Exact: enumerated by the engine (tol, method, progress as
    in enumerate_regions)."""
    if not isinstance(net, Network):
        raise RegionkitError(f"net must be a regionkit.Network, got {type(net).__name__}")
    if not (isinstance(output, (int, np.integer)) and 0 <= output < net.n_out):
        raise NetworkError(f"output must be an output index 0..{net.n_out - 1}, got {output!r}")
    if level is not None and not (isinstance(level, (int, float, np.floating))
                                  and math.isfinite(level)):
        raise RegionkitError(f"level must be a finite number or None, got {level!r}")
    classes = net.n_out > 1 if classes is None else bool(classes) and net.n_out > 1
    if level is None and not classes:
        raise RegionkitError("nothing to split by: give a level, or classes=True on a net "
                             "with several outputs")
    split, pairs = split_network(net, level, int(output), classes)
    rs = enumerate_regions(split, domain, tol=tol, method=method, progress=progress)
    if not rs.complete:
        raise RegionkitError(f"the enumeration stopped early ({rs.stop_reason})")
    sgn = region_signs(rs, np.arange(rs.n_regions + 1), rs.interior_points)
    off = split.layer_hyperplane_offsets()
    sgn = sgn[:, off[-2]:off[-1]]
    side = None if level is None else sgn[:, 0].copy()
    label = None
    if classes:
        win = class_winners(sgn[:, 0 if level is None else 1:], pairs, net.n_out)
        label = np.where(win.any(axis=1), np.argmax(win, axis=1), -1)
    return DecisionRegions(net, rs, None if level is None else float(level), int(output),
                           pairs, side, label)


def decision_boundary_volume(net: Network, domain: Domain, level: float = 0.0, output: int = 0,
                             *, tol: Tolerance | float | None = None,
                             method: Method = "auto") -> float:
    """(d-1)-volume of the level set {F_output = level} inside the open domain, exactly (in
    1-D the number of its points; infinite if F_output equals the level on a set of positive
    volume)."""
    return decision_regions(net, domain, level, output, classes=False, tol=tol,
                            method=method).boundary_volume()
