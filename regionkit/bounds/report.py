"""check(): a RegionSet's measured counts beside every bound that applies to its network.

A measured count above a proven upper bound, or different from an exact count, means a bug
in the engine, the bound or the tolerances; check makes it loud (a warning, or an error with
strict=True) instead of leaving it in a table.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

from regionkit.bounds.applicable import applicable_bounds
from regionkit.bounds.layers import network_label
from regionkit.errors import BoundViolation, BoundViolationError

__all__ = ["BoundRow", "BoundsTable", "check"]

HOLDS, TIGHT, VIOLATED, MATCHES, INFO, REACHED, UNKNOWN = (
    "holds", "tight", "VIOLATED", "matches", "info", "reached", "holds so far")


@dataclass(frozen=True)
class BoundRow:
    """One bound beside the measured counts.

    Parameters
    ----------
    name : str
        The bound's name.
    kind : str
        'upper', 'exact', 'lower' or 'reference'.
    value : int
        The bound's value.
    source : str
        Where the bound is proven.
    activation_status : str
        How the activation-region count sits against it: 'holds', 'tight', 'VIOLATED',
        'matches', 'holds so far' (incomplete run), 'reached' or 'info' (lower and
        reference rows).
    linear_status : str or None
        The same for the linear-region count; None for exact rows or when linear regions
        were not counted.
    """

    name: str
    kind: str
    value: int
    source: str
    activation_status: str
    linear_status: str | None

    @property
    def violated(self) -> bool:
        """Whether a measured count breaks the bound."""
        return VIOLATED in (self.activation_status, self.linear_status)


def _status(kind: str, value: int, measured: int, complete: bool) -> str:
    """How a measured count (a lower bound on the truth when incomplete) sits against value."""
    if kind in ("lower", "reference"):
        return REACHED if measured >= value else INFO
    if measured > value or (kind == "exact" and complete and measured != value):
        return VIOLATED
    if not complete:
        return UNKNOWN
    if kind == "exact":
        return MATCHES
    return TIGHT if measured == value else HOLDS


def _fmt(v: int) -> str:
    """Exact up to 15 digits, then d.ddde+NN (exact ints can exceed the float range)."""
    s = str(v)
    return s if len(s) <= 15 else f"{s[0]}.{s[1:4]}e+{len(s) - 1}"


@dataclass(frozen=True)
class BoundsTable:
    """Every bound that applies to a network on a domain, beside its measured region counts.

    Parameters
    ----------
    architecture : str
        The network's label (see network_label).
    domain : str
        The domain's repr.
    n0 : int
        The domain's dimension, the input dimension of the bounds.
    n_activation : int
        Measured activation regions.
    n_linear : int or None
        Measured linear regions; None when not counted.
    complete : bool
        Whether the enumeration finished; if not, the counts are lower bounds.
    rows : tuple of BoundRow
        One row per applicable bound.
    """

    architecture: str
    domain: str
    n0: int
    n_activation: int
    n_linear: int | None
    complete: bool
    rows: tuple[BoundRow, ...]

    @property
    def violations(self) -> list[BoundRow]:
        """The rows whose bound a measured count breaks."""
        return [r for r in self.rows if r.violated]

    def _cells(self) -> tuple[list[str], list[list[str]]]:
        head = ["bound", "kind", "value", "activation"]
        if self.n_linear is not None:
            head.append("linear")
        body = []
        for r in self.rows:
            cells = [r.name, r.kind, _fmt(r.value), r.activation_status]
            if self.n_linear is not None:
                cells.append(r.linear_status or "-")
            body.append(cells)
        return head, body

    def _header(self) -> str:
        lin = "" if self.n_linear is None else f", {self.n_linear} linear regions"
        state = "" if self.complete else " (INCOMPLETE run: counts are lower bounds)"
        return (f"{self.architecture} on {self.domain} (n0 = {self.n0}): "
                f"{self.n_activation} activation regions{lin}{state}")

    def __str__(self) -> str:
        head, body = self._cells()
        widths = [max(len(row[i]) for row in [head] + body) for i in range(len(head))]
        lines = [self._header(), "  ".join(h.ljust(w) for h, w in zip(head, widths))]
        lines.append("  ".join("-" * w for w in widths))
        lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in body]
        return "\n".join(lines)

    def to_markdown(self) -> str:
        """The table as GitHub markdown, under its one-line header.

        Returns
        -------
        str
            The header line, a blank line, then the markdown table.
        """
        head, body = self._cells()
        lines = [self._header(), "", "| " + " | ".join(head) + " |",
                 "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(row) + " |" for row in body]
        return "\n".join(lines)


def check(region_set: Any, strict: bool = False, linear: bool = True) -> BoundsTable:
    """Every bound that applies to the network, beside the measured counts of `region_set`.

    Bounds use n0 = the domain's dimension (a slice composes an affine map into layer 1).
    ReLU nets get Serra, Montúfar, Raghu, 2^N and the lower bounds; hard tanh, leaky ReLU
    and other tables the Raghu product and 2^N 3^M (the product of the units' pieces when
    a table has more than two breakpoints); maxout nets the product of layer arrangements
    and Serra's maxout bound; a net with one elementwise splitting layer also gets the exact
    Zaslavsky count on the domain. The counts of an incomplete run are lower bounds on the
    truth, so they can break an upper bound but never "match" an exact count.

    Parameters
    ----------
    region_set : RegionSet
        Anything with network, domain, n_regions, complete and (optionally)
        n_linear_regions, a number or a method.
    strict : bool, optional
        Raise instead of warning when a measured count breaks a bound.
    linear : bool, optional
        Show and check the linear-region count; False skips it, since computing it needs
        the region adjacency graph.

    Returns
    -------
    BoundsTable
        Printable (str, to_markdown()); .violations lists the broken rows.

    Raises
    ------
    BoundViolationError
        With strict=True, when a measured count is above an upper bound or differs from an
        exact count (otherwise a BoundViolation warning).

    Examples
    --------
    >>> import regionkit as rk
    >>> net = rk.Network.from_arrays([[[1.0], [-1.0]], [[1.0, 1.0]]], [[0.5, 0.5], [0.0]])
    >>> table = rk.bounds.check(rk.enumerate_regions(net, rk.Box(-1, 1)))
    >>> [(r.name, r.kind, r.value, r.activation_status) for r in table.rows[:2]]
    [('Zaslavsky on the domain', 'exact', 3, 'matches'), ('Serra Thm 1', 'upper', 3, 'tight')]
    """
    net, domain = region_set.network, region_set.domain
    complete = bool(region_set.complete)
    n_act = int(region_set.n_regions)
    n_lin = getattr(region_set, "n_linear_regions", None) if linear else None
    n_lin = n_lin() if callable(n_lin) else n_lin
    n_lin = None if n_lin is None else int(n_lin)
    rows = tuple(BoundRow(name, kind, value, src, _status(kind, value, n_act, complete),
                          None if kind == "exact" or n_lin is None
                          else _status(kind, value, n_lin, complete))
                 for name, kind, value, src in applicable_bounds(net, domain))
    table = BoundsTable(network_label(net), repr(domain), domain.dim, n_act, n_lin, complete,
                        rows)
    if table.violations:
        msg = ("measured region counts break proven bounds (a bug in the engine, the bound "
               "or the tolerances):\n" + "\n".join(
                   f"  {r.name} = {r.value}: measured {n_act} activation"
                   + ("" if n_lin is None else f", {n_lin} linear") for r in table.violations))
        if strict:
            raise BoundViolationError(msg)
        warnings.warn(msg, BoundViolation, stacklevel=2)
    return table
