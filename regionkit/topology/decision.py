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
from typing import TYPE_CHECKING, Callable, Literal

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

__all__ = ["DecisionRegions", "Side", "check_side", "class_winners", "decision_boundary_volume",
           "decision_regions", "split_network"]

Side = Literal["above", "below"]


def split_network(net: Network, level: float | None, output: int,
                  classes: bool) -> tuple[Network, np.ndarray]:
    """The network followed by one ReLU layer whose units are the decision boundaries.

    Parameters
    ----------
    net : Network
        The network.
    level : float or None
        Add the unit F_output - level (None: no level unit).
    output : int
        Which output the level applies to.
    classes : bool
        Add the units F_i - F_j for every pair i < j of outputs.

    Returns
    -------
    split : Network
        `net` with the extra layer.
    pairs : numpy.ndarray of int64, shape (n_pairs, 2)
        The (i, j) of each pair unit, in order after the level unit.

    Examples
    --------
    >>> import regionkit as rk
    >>> from regionkit.topology.decision import split_network
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1]], [[1, 0], [0, 1]]], [[0, 0], [0, 0]])
    >>> split, pairs = split_network(net, 0.5, 0, True)
    >>> split, pairs.tolist()
    (Network(2-2-2-2, activations=['relu', 'identity', 'relu']), [[0, 1]])
    """
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
    """Check a `side` argument.

    Parameters
    ----------
    side : object
        Should be "above" or "below".

    Raises
    ------
    RegionkitError
        If it is neither.
    """
    if side not in ("above", "below"):
        raise RegionkitError(f"side must be 'above' or 'below', got {side!r}")


def class_winners(pair_signs: np.ndarray, pairs: np.ndarray, n_classes: int) -> np.ndarray:
    """Which class beats every other, from the signs of the pairwise differences.

    Parameters
    ----------
    pair_signs : numpy.ndarray, shape (n, n_pairs)
        Sign (-1, 0, 1) of F_i - F_j for each pair.
    pairs : numpy.ndarray of int, shape (n_pairs, 2)
        The (i, j) of each pair.
    n_classes : int
        Number of outputs.

    Returns
    -------
    numpy.ndarray of bool, shape (n, n_classes)
        True where F_c > F_j for every other class j (a tie beats nothing).

    Examples
    --------
    >>> import numpy as np
    >>> from regionkit.topology.decision import class_winners
    >>> class_winners(np.array([[1], [-1], [0]]), np.array([[0, 1]]), 2).tolist()
    [[True, False], [False, True], [False, False]]
    """
    win = np.ones((len(pair_signs), n_classes), dtype=bool)
    for k, (i, j) in enumerate(pairs):
        win[:, i] &= pair_signs[:, k] > 0
        win[:, j] &= pair_signs[:, k] < 0
    return win


@dataclass(eq=False)
class DecisionRegions:
    """The pieces of the domain: activation regions of a network cut by its decision boundaries.

    Built by decision_regions.

    Parameters
    ----------
    network : Network
        The network.
    regions : RegionSet
        The enumeration of the split network (see split_network): its regions are the
        pieces, their last pattern bits the sides.
    level : float or None
        The level of the level-set split (None: no level split).
    output : int
        The output the level applies to.
    pairs : numpy.ndarray of int, shape (n_pairs, 2)
        The output pairs (i, j) of the class split (empty without it).
    side : numpy.ndarray of int, shape (n_pieces,), or None
        Per piece, +1 where F_output > level, -1 where F_output < level, 0 where F_output
        equals the level on the whole piece (None without a level).
    label : numpy.ndarray of int, shape (n_pieces,), or None
        Per piece, the class argmax F_c, -1 where two outputs tie on the whole piece (None
        without the class split).
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
        """Number of pieces (regions of the split network)."""
        return self.regions.n_regions

    @property
    def dim(self) -> int:
        """Dimension of the domain."""
        return self.regions.dim

    def __repr__(self) -> str:
        what = [] if self.level is None else [f"F_{self.output} vs {self.level:g}"]
        what += ["classes"] if len(self.pairs) else []
        return (f"DecisionRegions({self.n_pieces} pieces of {self.network!r} on "
                f"{self.regions.domain!r}, split by {' and '.join(what)})")

    def _split_hyperplanes(self) -> np.ndarray:
        off = self.regions.network.layer_hyperplane_offsets()
        return np.arange(off[-2], off[-1])

    def complex(self, progress: Callable[[int], None] | None = None) -> CellComplex:
        """The cell complex of the pieces, checked to subdivide the domain (cached).

        Parameters
        ----------
        progress : callable, optional
            Called with the number of pieces of each chunk as it is built (cell_complex);
            it may raise to stop (a budget).

        Returns
        -------
        CellComplex
            Every face of every piece's closure once.

        Raises
        ------
        TopologyError
            If the cells do not subdivide the domain.
        """
        if self._complex is None:
            cx = cell_complex(self.regions, progress)
            cx.check(self.dim)
            self._complex = cx
        return self._complex

    def _level_signs(self) -> np.ndarray:
        if self.level is None:
            raise RegionkitError("these decision regions were split without a level "
                                 "(level=None): no level set")
        return self.complex().signs(self._split_hyperplanes()[:1])[:, 0]

    def set_cells(self, side: Side) -> np.ndarray:
        """Cells whose union is {F_output > level} or {F_output < level} in the open domain.

        Parameters
        ----------
        side : {"above", "below"}
            "above": {F_output > level}; "below": {F_output < level}.

        Returns
        -------
        numpy.ndarray of bool, shape (n_cells,)
            A mask over the cells of complex().

        Raises
        ------
        RegionkitError
            If `side` is invalid or the pieces were split without a level.
        """
        check_side(side)
        s = self._level_signs()
        return (s == (1 if side == "above" else -1)) & ~self.complex().boundary

    def class_cells(self, c: int) -> np.ndarray:
        """Cells whose union is the class region {argmax F = c} in the open domain.

        Parameters
        ----------
        c : int
            The class (output index); F_c must exceed every other output.

        Returns
        -------
        numpy.ndarray of bool, shape (n_cells,)
            A mask over the cells of complex().

        Raises
        ------
        RegionkitError
            If the pieces were split without the class differences.
        """
        if not len(self.pairs):
            raise RegionkitError("these decision regions were split without the class "
                                 "differences (classes=False, or a single output)")
        cx = self.complex()
        first = 0 if self.level is None else 1
        sgn = cx.signs(self._split_hyperplanes()[first:])
        return class_winners(sgn, self.pairs, self.network.n_out)[:, c] & ~cx.boundary

    def betti_numbers(self, side: Side = "above") -> "Betti":
        """Betti numbers of {F_output > level} (or < for side="below") in the open domain.

        Parameters
        ----------
        side : {"above", "below"}
            Which side of the level.

        Returns
        -------
        Betti
            The set's Betti numbers, Euler characteristic and bounded components.

        Raises
        ------
        RegionkitError
            If `side` is invalid or the pieces were split without a level.
        TopologyError
            If the cells do not fit together into a complex.
        """
        from regionkit.topology.homology import homology

        op = ">" if side == "above" else "<"
        return homology(self.complex(), self.set_cells(side), self.dim,
                        f"{{F_{self.output} {op} {self.level:g}}}")

    def class_betti_numbers(self) -> "list[Betti]":
        """Betti numbers of every class region {argmax F = c} in the open domain.

        A single-output net (split at level 0) is a binary classifier: class 0 is {F < 0},
        class 1 is {F > 0}.

        Returns
        -------
        list of Betti
            One per class.

        Raises
        ------
        RegionkitError
            If the pieces lack the split the classes need.
        TopologyError
            If the cells do not fit together into a complex.
        """
        from regionkit.topology.homology import homology

        if self.network.n_out == 1:
            if self.level != 0.0:
                raise RegionkitError("a single-output net's classes are the signs of F: "
                                     "split it at level 0")
            return [self.betti_numbers("below"), self.betti_numbers("above")]
        return [homology(self.complex(), self.class_cells(c), self.dim, f"{{argmax F = {c}}}")
                for c in range(self.network.n_out)]

    def boundary_volume(self) -> float:
        """The (d-1)-volume of the level set {F_output = level} inside the open domain.

        Returns
        -------
        float
            The volume (in 1-D the number of points); inf when F_output equals the level on
            a piece of positive volume.

        Raises
        ------
        RegionkitError
            If the pieces were split without a level.
        """
        s = self._level_signs()
        cx = self.complex()
        if np.any(s[cx.dim == self.dim] == 0):
            return math.inf
        on = (s == 0) & (cx.dim == self.dim - 1) & ~cx.boundary
        return float(cx.volume[on].sum())


def decision_regions(net: Network, domain: Domain, level: float | None = 0.0, output: int = 0,
                     *, classes: bool | None = None, tol: Tolerance | float | None = None,
                     method: Method = "auto", progress: bool | None = None,
                     max_regions: int | None = None,
                     time_limit: float | None = None,
                     max_memory: int | float | str | None = None) -> DecisionRegions:
    """Split the activation regions by the decision boundaries, exactly.

    Every activation region of `net` on `domain` is cut by the level set F_output = level
    and by every tie F_i = F_j into the pieces of {F > level}, {F < level} and the class
    regions {argmax F = c}, enumerated by the engine.

    Parameters
    ----------
    net : Network
        The network.
    domain : Domain
        The open domain.
    level : float or None, default 0.0
        The level (None: no level split).
    output : int, default 0
        Which output the level applies to.
    classes : bool, optional
        Split by the ties F_i = F_j (default: when the net has several outputs).
    tol : Tolerance, float or None
        Zero tolerance (see Tolerance.coerce).
    method : {"auto", "lp", "vertex"}
        Splitting geometry (see enumerate_regions).
    progress : bool, optional
        Show a progress bar (default: on a terminal).
    max_regions, time_limit : int or float, optional
        Budgets of the enumeration (see enumerate_regions); a run they stop raises
        IncompleteError.
    max_memory : int, float, str or None, optional
        Memory budget of the enumeration (enumerate_regions).

    Returns
    -------
    DecisionRegions
        The pieces with their sides and class labels.

    Raises
    ------
    RegionkitError
        If the network or level is invalid, or there is nothing to split by.
    IncompleteError
        If the enumeration stops early (a budget, or Ctrl-C).
    NetworkError
        If `output` is not an output index.

    Examples
    --------
    >>> import regionkit as rk
    >>> net = rk.Network.from_arrays([[[1, 0], [-1, 0], [0, 1], [0, -1]], [[1, 1, 1, 1]]],
    ...                              [[0, 0, 0, 0], [0]])
    >>> box = rk.Box(-1, 1, dim=2)
    >>> dr = rk.decision_regions(net, box, level=0.5)
    >>> dr.n_pieces, dr.side.tolist()
    (8, [1, -1, 1, -1, 1, -1, 1, -1])
    >>> dr.betti_numbers("above").betti, round(dr.boundary_volume(), 6)
    ((1, 1), 2.828427)
    """
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
    rs = enumerate_regions(split, domain, tol=tol, method=method, progress=progress,
                           max_regions=max_regions, time_limit=time_limit,
                           max_memory=max_memory)
    rs.require_complete("decision regions")
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
    """Exact (d-1)-volume of the level set {F_output = level} inside the open domain.

    Parameters
    ----------
    net : Network
        The network.
    domain : Domain
        The open domain.
    level : float, default 0.0
        The level.
    output : int, default 0
        Which output.
    tol : Tolerance, float or None
        Zero tolerance (see Tolerance.coerce).
    method : {"auto", "lp", "vertex"}
        Splitting geometry (see enumerate_regions).

    Returns
    -------
    float
        The volume (in 1-D the number of points); inf if F_output equals the level on a set
        of positive volume.

    Raises
    ------
    RegionkitError
        If the network or level is invalid or the enumeration stops early.
    NetworkError
        If `output` is not an output index.

    Examples
    --------
    The level set |x| + |y| = 0.5 is a diamond of side 0.5 sqrt(2).

    >>> import regionkit as rk
    >>> net = rk.Network.from_arrays([[[1, 0], [-1, 0], [0, 1], [0, -1]], [[1, 1, 1, 1]]],
    ...                              [[0, 0, 0, 0], [0]])
    >>> box = rk.Box(-1, 1, dim=2)
    >>> round(rk.decision_boundary_volume(net, box, level=0.5), 12)
    2.828427124746
    """
    return decision_regions(net, domain, level, output, classes=False, tol=tol,
                            method=method).boundary_volume()
