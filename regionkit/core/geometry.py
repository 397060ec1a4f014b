"""The four frontier geometries the core splits, and the one schema of their columns.

A frontier is a dict of flat arrays (columns). Each geometry names its columns here once, in
the order of the fields of its C++ view (csrc/split.hpp): the compiled core binds a frontier
to the view and hands the children back by this schema; Frontier slices, takes and joins by
it; RegionSet reads its inequalities, vertices, incidences and Chebyshev balls through it.
Everything else asks a Geometry what it holds (``has_vertices``...) instead of testing names.

``Geometry`` is a str enum: its values '1d', '2d', 'vd', 'nd' are what RegionSet files store
and what ``rs.kind == "2d"`` compares against.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from typing import Callable, Mapping, NamedTuple

import numpy as np

from regionkit.errors import CoreInputError, RegionkitError

# Highest dimension split in vertex form by default; above it vertex counts grow quickly
# and the LP form is cheaper.
VERTEX_MAX_DIM = 4
# A box in vertex form holds all 2^d corners: beyond this dimension that is too many.
BOX_VERTEX_MAX_DIM = 20

DIM = 0  # Column.width of one value per domain coordinate
REGION = "region"  # Column.by of a column with one entry per region
OFFSETS = "offsets"  # Column.by of a CSR offsets column (one entry per region, plus one)

Data = Mapping[str, np.ndarray]
Rows = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # offsets, A, b, labels


class Column(NamedTuple):
    """One array of a frontier."""

    name: str
    dtype: type  # numpy scalar type the core reads and writes
    by: str = REGION  # REGION, OFFSETS, or the name of the offsets column indexing it
    width: int = 1  # values per entry; DIM: one per domain coordinate

    def per_entry(self, dim: int) -> int:
        """Values per entry in a `dim`-dimensional frontier."""
        return dim if self.width == DIM else self.width


def _offsets(name: str) -> Column:
    return Column(name, np.int64, OFFSETS)


def _words(rows: np.ndarray) -> np.ndarray:
    """uint64 words per vertex for incidence sets over `rows` rows (csrc words_for)."""
    return np.maximum((rows + 63) // 64, 1)


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


class _Incidence(NamedTuple):
    voff: str  # vertex offsets
    ioff: str  # word offsets
    inc: str  # the words: bit j of a vertex's words is set iff it lies on row j
    roff: str  # row offsets


@dataclass(frozen=True)
class _Layout:
    columns: tuple[Column, ...]  # in the order of the C++ view's fields
    dim: int | None  # the fixed domain dimension, None: any
    rows: Callable[[Data], Rows]  # (offsets, A, b, labels): A t < b
    vertices: Callable[[Data], tuple[np.ndarray, np.ndarray]] | None  # (offsets, V)
    box: Callable[[np.ndarray, np.ndarray], dict[str, np.ndarray]] | None
    chebyshev: Callable[[Data], tuple[np.ndarray, np.ndarray]] | None  # (centres, radii)
    incidence: _Incidence | None = None  # columns of the rows' bit sets per vertex
    cyclic: bool = False  # vertices in boundary order (counter-clockwise polygons)

    # Derived once: frontiers are sliced, taken and checked by these on every core call.
    @cached_property
    def per_region(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.by == REGION)

    @cached_property
    def groups(self) -> dict[str, tuple[str, ...]]:
        return {o.name: tuple(c.name for c in self.columns if c.by == o.name)
                for o in self.columns if o.by == OFFSETS}

    @cached_property
    def labels(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.dtype is np.int64 and c.by != OFFSETS)

    @cached_property
    def values(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.by != OFFSETS)


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
                  _vertex_box, None, incidence=_Incidence("voff", "ioff", "inc", "roff")),
    "nd": _Layout((_offsets("off"), Column("A", _F, "off", DIM), Column("b", _F, "off"),
                   Column("lab", _I, "off"), Column("center", _F, REGION, DIM),
                   Column("radius", _F)),
                  None, _lp_rows, None, None, lambda F: (F["center"], F["radius"])),
}


class Geometry(str, Enum):
    """How a frontier stores its regions; compares (and hashes) equal to its value."""

    INTERVALS = "1d"  # 1-D: open intervals (lo, hi) with the labels of their ends
    POLYGONS = "2d"  # 2-D: counter-clockwise polygons, per edge its row and label
    VERTEX = "vd"  # any dimension: vertices, rows and which rows each vertex lies on
    LP = "nd"  # any dimension: rows only, with a Chebyshev centre and radius (LP form)

    def __str__(self) -> str:
        return str(self.value)

    def __hash__(self) -> int:
        return str.__hash__(self)

    @property
    def _layout(self) -> _Layout:
        return _LAYOUTS[self.value]

    # --- schema ------------------------------------------------------------------------
    @property
    def columns(self) -> tuple[Column, ...]:
        """Every column, in the order of the core's view fields."""
        return self._layout.columns

    @property
    def per_region(self) -> tuple[str, ...]:
        """Columns with one entry per region."""
        return self._layout.per_region

    @property
    def groups(self) -> dict[str, tuple[str, ...]]:
        """CSR groups: offsets column -> the columns whose entries it ranges over."""
        return self._layout.groups

    @property
    def label_columns(self) -> tuple[Column, ...]:
        """The columns of hyperplane labels: every int64 column that is not offsets."""
        return self._layout.labels

    @property
    def dim(self) -> int | None:
        """The one domain dimension this geometry holds, or None for any."""
        return self._layout.dim

    # --- what a geometry holds -----------------------------------------------------------
    @property
    def has_vertices(self) -> bool:
        """Regions keep their vertices (all but the LP form)."""
        return self._layout.vertices is not None

    @property
    def has_incidence(self) -> bool:
        """Regions keep which of their rows each vertex lies on (vertex form)."""
        return self._layout.incidence is not None

    @property
    def has_chebyshev(self) -> bool:
        """Regions come with their Chebyshev centre and radius (stored, or closed form)."""
        return self._layout.chebyshev is not None

    @property
    def cyclic_vertices(self) -> bool:
        """Vertices are stored in boundary order (counter-clockwise polygons)."""
        return self._layout.cyclic

    @property
    def is_interval(self) -> bool:
        """Regions are intervals: measures take closed forms, there is no vertex form."""
        return self._layout.dim == 1

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
    def count(self, data: Data) -> int:
        """Number of regions in a frontier of this geometry."""
        first = self.columns[0]
        return len(data[first.name]) - (first.by == OFFSETS)

    def check(self, data: Data, dim: int, partial: bool = False) -> int:
        """Check that a frontier's columns fit together; return its number of regions.

        Parameters
        ----------
        data : mapping of str to array
            The frontier's columns.
        dim : int
            Its domain dimension.
        partial : bool
            Skip the non-offsets columns that are absent.

        Returns
        -------
        int
            The number of regions.

        Raises
        ------
        CoreInputError
            A column is missing or has the wrong length, offsets are not a CSR index into
            their columns, incidence words do not match the rows, or `dim` is not this
            geometry's.
        """
        layout = self._layout
        if layout.dim is not None and dim != layout.dim:
            raise CoreInputError(f"{self.value} frontiers are {layout.dim}-dimensional, got "
                                 f"dimension {dim}")
        missing = [c.name for c in layout.columns if c.name not in data
                   and (not partial or c.by == OFFSETS)]
        if missing:
            raise CoreInputError(f"{self.value} frontier lacks column(s) {missing}")
        first = layout.columns[0].name
        if np.ndim(data[first]) != 1:
            raise CoreInputError(f"{self.value} frontier column {first!r} must be 1-D")
        n = self.count(data)
        totals = {REGION: n}
        for name in layout.groups:
            totals[name] = check_offsets(data[name], n, None, name)
        for c in layout.values:
            if c.name in data:
                size = totals[c.by] * c.per_entry(dim)
                if np.size(data[c.name]) != size:
                    raise CoreInputError(f"{self.value} frontier column {c.name!r} holds "
                                         f"{np.size(data[c.name])} values, expected {size}")
        inc = layout.incidence
        if inc is not None:
            voff, ioff, roff = data[inc.voff], data[inc.ioff], data[inc.roff]
            words = (voff[1:] - voff[:-1]) * _words(roff[1:] - roff[:-1])
            if (ioff[1:] - ioff[:-1] != words).any():
                raise CoreInputError("incidence words must be ceil(rows / 64) per vertex "
                                     "(at least one)")
        return n

    def rows(self, data: Data) -> Rows:
        """(offsets, A, b, labels): region r is A[o[r]:o[r+1]] t < b[...]."""
        return self._layout.rows(data)

    def vertices(self, data: Data) -> tuple[np.ndarray, np.ndarray] | None:
        """(offsets, V): the vertices of every region, None in LP form."""
        get = self._layout.vertices
        return None if get is None else get(data)

    def incidence(self, data: Data) -> tuple[np.ndarray, np.ndarray] | None:
        """(offsets, words): per vertex the bit set of the rows it lies on, in vertex form."""
        inc = self._layout.incidence
        return None if inc is None else (data[inc.ioff].astype(np.int64), data[inc.inc])

    def chebyshev(self, data: Data) -> tuple[np.ndarray, np.ndarray] | None:
        """(centres, radii) of the regions where the frontier holds them, else None."""
        get = self._layout.chebyshev
        return None if get is None else get(data)

    def box(self, lo: np.ndarray, hi: np.ndarray) -> dict[str, np.ndarray]:
        """The columns of the open box (lo, hi) as one region (labels: -1-2i for t_i > lo_i,
        -2-2i for t_i < hi_i).

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


def check_offsets(off: np.ndarray, n: int | None, total: int | None, name: str) -> int:
    """Check a CSR offsets array (n + 1 entries from 0, non-decreasing, ending at `total`);
    return its last entry. None skips the count or the end.

    Raises
    ------
    CoreInputError
        When it is not.
    """
    off = np.asarray(off)
    if off.ndim != 1 or (n is not None and len(off) != n + 1) or len(off) == 0:
        raise CoreInputError(f"{name} must be offsets with one entry per region plus one, got "
                             f"shape {off.shape}" + ("" if n is None else f" for {n} regions"))
    if off[0] != 0 or (off[1:] < off[:-1]).any():
        raise CoreInputError(f"{name} must start at 0 and never decrease")
    if total is not None and off[-1] != total:
        raise CoreInputError(f"{name} ends at {off[-1]}, expected {total}")
    return int(off[-1])
