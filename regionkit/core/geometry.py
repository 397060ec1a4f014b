"""The four frontier geometries the core splits, and the one schema of their columns.

A frontier is a dict of flat arrays (columns). Each geometry names its columns here once, in
the order of the fields of its C++ view (csrc/split.hpp): the compiled core checks a frontier
against this schema, binds it to the view and hands the children back by it; Frontier
slices, takes and joins by it; RegionSet reads its inequalities, vertices, incidences and
Chebyshev balls through it.
Everything else asks a Geometry what it holds (``has_vertices``...) instead of testing names.

``Geometry`` is a str enum: its values '1d', '2d', 'vd', 'nd' are what RegionSet files store
and what ``rs.kind == "2d"`` compares against.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import Callable, Mapping, NamedTuple

import numpy as np

from regionkit.errors import CoreInputError, RegionkitError

__all__ = ["BOX_VERTEX_MAX_DIM", "Column", "DIM", "Geometry", "OFFSETS", "REGION", "VERTEX_MAX_DIM",
           "vertex_centroids"]

# Highest dimension split in vertex form by default; above it vertex counts grow quickly
# and the LP form is cheaper. Measured (one thread, torch-default nets seed 0, keep="count",
# process time; session 6, after the simple-edge test, the popcount edge search and the
# set-bit prune): vertex form over LP form 4.0x faster on 6-12-12-12-1, 3.5x on
# 6-16-16-16-1, 2.7x on 6-8-8-8-8-1, 2.1x on 6-24-24-1, 2.0x on 6-16-16-1, 1.2x on 6-32-1;
# 0.83x on 7-10-10-10-1, 0.72x on 7-12-12-1, 0.24x on 8-8-8-8-1.
VERTEX_MAX_DIM = 6
# A box in vertex form holds all 2^d corners: beyond this dimension that is too many.
BOX_VERTEX_MAX_DIM = 20

DIM = 0  # Column.width of one value per domain coordinate
REGION = "region"  # Column.by of a column with one entry per region
OFFSETS = "offsets"  # Column.by of a CSR offsets column (one entry per region, plus one)

Data = Mapping[str, np.ndarray]
Rows = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # offsets, A, b, labels


class Column(NamedTuple):
    """One array of a frontier.

    Parameters
    ----------
    name : str
        Its key in the frontier's dict.
    dtype : type
        The numpy scalar type the core reads and writes.
    by : str, default REGION
        What indexes it: REGION (one entry per region), OFFSETS (it is a CSR offsets
        column, one entry per region plus one), or the name of its offsets column.
    width : int, default 1
        Values per entry; DIM: one per domain coordinate.
    """

    name: str
    dtype: type  # numpy scalar type the core reads and writes
    by: str = REGION  # REGION, OFFSETS, or the name of the offsets column indexing it
    width: int = 1  # values per entry; DIM: one per domain coordinate


def vertex_centroids(offsets: np.ndarray, vertices: np.ndarray) -> np.ndarray:
    """The mean of each region's vertices (CSR): a strictly interior point of a convex region.

    Parameters
    ----------
    offsets : numpy.ndarray of int, shape (n_regions + 1,)
        Where each region's vertices start.
    vertices : numpy.ndarray, shape (n_vertices, dim)
        The vertices.

    Returns
    -------
    numpy.ndarray, shape (n_regions, dim)
        The centroids.

    Examples
    --------
    >>> vertex_centroids(np.array([0, 3]), np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]]))
    array([[1., 1.]])
    """
    if len(offsets) < 2:
        return np.zeros((0, vertices.shape[1] if vertices.ndim == 2 else 0))
    return np.add.reduceat(vertices, offsets[:-1], axis=0) / np.diff(offsets)[:, None]


def _offsets(name: str) -> Column:
    return Column(name, np.int64, OFFSETS)


# --- what differs in code, geometry by geometry ---------------------------------------------
def _interval_box(lo: np.ndarray, hi: np.ndarray) -> dict[str, np.ndarray]:
    return {"lo": np.array([lo[0]]), "hi": np.array([hi[0]]),
            "lab_lo": np.array([-1]), "lab_hi": np.array([-2])}


def _polygon_box(lo: np.ndarray, hi: np.ndarray) -> dict[str, np.ndarray]:
    xy = np.array([[lo[0], lo[1]], [hi[0], lo[1]], [hi[0], hi[1]], [lo[0], hi[1]]])
    row = np.array([[0.0, -1.0, -lo[1]], [1.0, 0.0, hi[0]], [0.0, 1.0, hi[1]],
                    [-1.0, 0.0, -lo[0]]])
    return {"off": np.array([0, 4]), "xy": xy, "lab": np.array([-3, -2, -4, -1]), "row": row}


def _vertex_box(lo: np.ndarray, hi: np.ndarray) -> dict[str, np.ndarray]:
    """All 2^d corners; row 2i is t_i > lo_i, row 2i+1 is t_i < hi_i (labels -1-row)."""
    d = len(lo)
    if d > BOX_VERTEX_MAX_DIM:
        raise CoreInputError(f"a {d}-dimensional box in vertex form would hold 2^{d} corners; "
                             f"vertex form is for up to {BOX_VERTEX_MAX_DIM} dimensions")
    corners = (np.arange(2 ** d)[:, None] >> np.arange(d)) & 1  # 1 = at hi
    V = np.where(corners == 1, hi, lo).astype(np.float64)
    rows = 2 * np.arange(d) + corners  # the row each corner lies on, per coordinate
    words = (2 * d + 63) // 64
    inc = np.zeros((2 ** d, words), dtype=np.uint64)
    for i in range(d):
        np.bitwise_or.at(inc, (np.arange(2 ** d), rows[:, i] // 64),
                         np.left_shift(np.uint64(1), (rows[:, i] % 64).astype(np.uint64)))
    A = np.zeros((2 * d, d))
    b = np.zeros(2 * d)
    A[2 * np.arange(d), np.arange(d)], b[0::2] = -1.0, -lo
    A[2 * np.arange(d) + 1, np.arange(d)], b[1::2] = 1.0, hi
    return {"voff": np.array([0, 2 ** d]), "V": V, "ioff": np.array([0, inc.size]),
            "inc": inc.reshape(-1), "roff": np.array([0, 2 * d]), "A": A, "b": b,
            "lab": -1 - np.arange(2 * d, dtype=np.int64)}


def _interval_rows(F: Data) -> Rows:
    lo, hi = F["lo"], F["hi"]
    n = len(lo)
    return (np.arange(0, 2 * n + 1, 2, dtype=np.int64), np.tile([[-1.0], [1.0]], (n, 1)),
            np.stack([-lo, hi], axis=1).reshape(-1),
            np.stack([F["lab_lo"], F["lab_hi"]], axis=1).reshape(-1))


def _polygon_rows(F: Data) -> Rows:
    return F["off"].astype(np.int64), F["row"][:, :2], F["row"][:, 2], F["lab"]


def _vertex_rows(F: Data) -> Rows:
    return F["roff"], F["A"], F["b"], F["lab"]


def _lp_rows(F: Data) -> Rows:
    return F["off"], F["A"], F["b"], F["lab"]


def _interval_vertices(F: Data) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = F["lo"], F["hi"]
    return (np.arange(0, 2 * len(lo) + 1, 2, dtype=np.int64),
            np.stack([lo, hi], axis=1).reshape(-1, 1))


def _interval_chebyshev(F: Data) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = F["lo"], F["hi"]
    return ((lo + hi) / 2)[:, None], (hi - lo) / 2


@dataclass(frozen=True)
class _Layout:
    columns: tuple[Column, ...]  # in the order of the C++ view's fields
    dim: int | None  # the fixed domain dimension, None: any
    rows: Callable[[Data], Rows]  # (offsets, A, b, labels): A t < b
    vertices: Callable[[Data], tuple[np.ndarray, np.ndarray]] | None  # (offsets, V)
    box: Callable[[np.ndarray, np.ndarray], dict[str, np.ndarray]] | None
    chebyshev: Callable[[Data], tuple[np.ndarray, np.ndarray]] | None  # (centres, radii)
    incidence: tuple[str, str, str, str] | None = None  # see Geometry.incidence_columns
    cyclic: bool = False  # vertices in boundary order (counter-clockwise polygons)


_F, _I, _U = np.float64, np.int64, np.uint64
_LAYOUTS: dict[str, _Layout] = {
    "1d": _Layout((Column("lo", _F), Column("hi", _F), Column("lab_lo", _I),
                   Column("lab_hi", _I)),
                  1, _interval_rows, _interval_vertices, _interval_box, _interval_chebyshev),
    "2d": _Layout((_offsets("off"), Column("xy", _F, "off", 2), Column("lab", _I, "off"),
                   Column("row", _F, "off", 3)),
                  2, _polygon_rows, lambda F: (F["off"].astype(np.int64), F["xy"]),
                  _polygon_box, None, cyclic=True),
    "vd": _Layout((_offsets("voff"), Column("V", _F, "voff", DIM), _offsets("ioff"),
                   Column("inc", _U, "ioff"), _offsets("roff"), Column("A", _F, "roff", DIM),
                   Column("b", _F, "roff"), Column("lab", _I, "roff")),
                  None, _vertex_rows, lambda F: (F["voff"].astype(np.int64), F["V"]),
                  _vertex_box, None, incidence=("voff", "ioff", "inc", "roff")),
    "nd": _Layout((_offsets("off"), Column("A", _F, "off", DIM), Column("b", _F, "off"),
                   Column("lab", _I, "off"), Column("center", _F, REGION, DIM),
                   Column("radius", _F)),
                  None, _lp_rows, None, None, lambda F: (F["center"], F["radius"])),
}


# An Enum's call signature is its functional API (names, module, ...), not member lookup:
# the Parameters check is waived for that signature.
class Geometry(str, Enum):  # numpydoc ignore=PR01
    """How a frontier stores its regions; compares (and hashes) equal to its value.

    Parameters
    ----------
    value : str
        '1d', '2d', 'vd' or 'nd': ``Geometry("2d") is Geometry.POLYGONS``.

    Attributes
    ----------
    columns : tuple of Column
        Every column, in the order of the core's view fields.
    per_region : tuple of str
        Columns with one entry per region.
    groups : mapping of str to tuple of str
        CSR groups: offsets column -> the columns whose entries it ranges over.
    label_columns : tuple of Column
        The columns of hyperplane labels: every int64 column that is not offsets.
    dim : int or None
        The one domain dimension this geometry holds, None for any.
    has_vertices : bool
        Regions keep their vertices (all but the LP form).
    has_incidence : bool
        Regions keep which of their rows each vertex lies on (vertex form).
    has_chebyshev : bool
        Regions come with their Chebyshev centre and radius (stored, or closed form).
    incidence_columns : tuple of 4 str, or None
        In vertex form (vertex offsets, word offsets, words, row offsets): a vertex's words
        are ceil(rows / 64) uint64 (at least one), bit j set iff it lies on row j.
    cyclic_vertices : bool
        Vertices are stored in boundary order (counter-clockwise polygons).
    is_interval : bool
        Regions are intervals: measures take closed forms, there is no vertex form.
    """

    INTERVALS = "1d"  # 1-D: open intervals (lo, hi) with the labels of their ends
    POLYGONS = "2d"  # 2-D: counter-clockwise polygons, per edge its row and label
    VERTEX = "vd"  # any dimension: vertices, rows and which rows each vertex lies on
    LP = "nd"  # any dimension: rows only, with a Chebyshev centre and radius (LP form)

    columns: tuple[Column, ...]
    per_region: tuple[str, ...]
    groups: Mapping[str, tuple[str, ...]]
    label_columns: tuple[Column, ...]
    dim: int | None
    has_vertices: bool
    has_incidence: bool
    has_chebyshev: bool
    incidence_columns: tuple[str, str, str, str] | None
    cyclic_vertices: bool
    is_interval: bool
    _layout: _Layout

    def __init__(self, value: str) -> None:
        # Plain attributes, read on every core call and frontier slice.
        layout = self._layout = _LAYOUTS[value]
        cols = self.columns = layout.columns
        self.per_region = tuple(c.name for c in cols if c.by == REGION)
        self.groups = MappingProxyType({o.name: tuple(c.name for c in cols if c.by == o.name)
                                        for o in cols if o.by == OFFSETS})
        self.label_columns = tuple(c for c in cols if c.dtype is np.int64 and c.by != OFFSETS)
        self.dim = layout.dim
        self.has_vertices = layout.vertices is not None
        self.has_incidence = layout.incidence is not None
        self.has_chebyshev = layout.chebyshev is not None
        self.incidence_columns = layout.incidence
        self.cyclic_vertices = layout.cyclic
        self.is_interval = layout.dim == 1

    def __str__(self) -> str:
        return str(self.value)

    def __hash__(self) -> int:
        return str.__hash__(self)

    @classmethod
    def choose(cls, dim: int, method: str) -> "Geometry":
        """The geometry an enumeration of a `dim`-dimensional domain runs in.

        Parameters
        ----------
        dim : int
            Dimension of the domain.
        method : {"auto", "lp", "vertex"}
            "lp" forces the LP form, "vertex" the vertex form (intervals and polygons in 1-D
            and 2-D); "auto" takes intervals, polygons, then the vertex form up to
            VERTEX_MAX_DIM dimensions and the LP form above.

        Returns
        -------
        Geometry

        Raises
        ------
        RegionkitError
            Unknown method.

        Examples
        --------
        >>> Geometry.choose(3, "auto")
        <Geometry.VERTEX: 'vd'>
        """
        if method not in ("auto", "lp", "vertex"):
            raise RegionkitError(f"method must be 'auto', 'lp' or 'vertex', got {method!r}")
        if method == "lp":
            return cls.LP
        if dim == 1:
            return cls.INTERVALS
        if dim == 2:
            return cls.POLYGONS
        return cls.VERTEX if method == "vertex" or dim <= VERTEX_MAX_DIM else cls.LP

    # --- reading and building frontiers ---------------------------------------------------
    def n_regions(self, data: Data) -> int:
        """Number of regions in a frontier of this geometry.

        Parameters
        ----------
        data : mapping of str to numpy.ndarray
            The frontier's columns.

        Returns
        -------
        int
            Its number of regions.
        """
        first = self.columns[0]
        return len(data[first.name]) - (first.by == OFFSETS)

    def rows(self, data: Data) -> Rows:
        """The inequalities of every region.

        Parameters
        ----------
        data : mapping of str to numpy.ndarray
            The frontier's columns.

        Returns
        -------
        offsets, A, b, labels : numpy.ndarray
            Region r is A[o[r]:o[r+1]] t < b[o[r]:o[r+1]]; labels[k] names the hyperplane
            of row k.
        """
        return self._layout.rows(data)

    def vertices(self, data: Data) -> tuple[np.ndarray, np.ndarray] | None:
        """The vertices of every region.

        Parameters
        ----------
        data : mapping of str to numpy.ndarray
            The frontier's columns.

        Returns
        -------
        tuple of numpy.ndarray, or None
            (offsets, V): region r's vertices are V[o[r]:o[r+1]]; None in LP form.
        """
        get = self._layout.vertices
        return None if get is None else get(data)

    def incidence(self, data: Data) -> tuple[np.ndarray, np.ndarray] | None:
        """Per vertex, the bit set of the region's rows it lies on.

        Parameters
        ----------
        data : mapping of str to numpy.ndarray
            The frontier's columns.

        Returns
        -------
        tuple of numpy.ndarray, or None
            (offsets, words) in vertex form (see incidence_columns), else None.
        """
        if self.incidence_columns is None:
            return None
        _, ioff, inc, _ = self.incidence_columns
        return data[ioff].astype(np.int64), data[inc]

    def chebyshev(self, data: Data) -> tuple[np.ndarray, np.ndarray] | None:
        """The Chebyshev balls of the regions, where the frontier holds them.

        Parameters
        ----------
        data : mapping of str to numpy.ndarray
            The frontier's columns.

        Returns
        -------
        tuple of numpy.ndarray, or None
            (centres, radii) in 1-D (closed form) and LP form (stored), else None.
        """
        get = self._layout.chebyshev
        return None if get is None else get(data)

    def box(self, lo: np.ndarray, hi: np.ndarray) -> dict[str, np.ndarray]:
        """The columns of the open box (lo, hi) as one region.

        Its sides are labelled -1-2i (t_i > lo_i) and -2-2i (t_i < hi_i).

        Parameters
        ----------
        lo, hi : array_like, shape (dim,)
            The box's corners.

        Returns
        -------
        dict of str to numpy.ndarray
            The frontier's columns.

        Raises
        ------
        CoreInputError
            In LP form (it starts from the domain's own inequalities), or a vertex-form box
            of more than BOX_VERTEX_MAX_DIM dimensions.
        """
        build = self._layout.box
        if build is None:
            raise CoreInputError("LP-form frontiers start from the domain's inequalities, "
                                 "not from a box")
        return build(np.asarray(lo, np.float64), np.asarray(hi, np.float64))
