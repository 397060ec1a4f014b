"""Expectations of a suite ([[expect]] tables): a published value or trend, checked on rows.

Every check selects the successful rows matching ``where`` (column -> value or list of
values), splits them into groups by the ``by`` columns, and passes when every group passes:

* range: ``agg`` (mean, median, min, max, sum) of ``column`` (optionally divided row by row
  by ``divide_by``) lies in [lo, hi] (either may be left out);
* spread: within each group, ``agg`` of ``column`` per value of ``over`` (e.g. per epoch);
  the largest over the smallest is at most ``hi`` (and at least ``lo`` if given);
* shape: ``agg`` of y per value of x has its minimum ("dip": falls, then rises again) or
  its maximum ("peak") strictly inside the range of x;
* slope: least-squares slope of ``agg`` of y per value of x, with log_x / log_y (base 10),
  lies in [lo, hi];
* correlation: Pearson r of ``agg`` of y per value of x is at least ``lo``;
* equal: ``column`` equals ``other`` in every row (within ``rtol`` if given);
* within: ``agg`` of ``column`` lies between ``agg`` of ``lo_column`` and of ``hi_column``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from regionkit.errors import SuiteError

__all__ = ["AGGREGATES", "CHECK_KEYS", "COMMON_KEYS", "MAX_GROUPS_SHOWN", "CheckResult",
           "evaluate", "groups", "key", "label", "per_x", "select", "validate", "values"]

AGGREGATES: dict[str, Callable[[np.ndarray], float]] = {
    "mean": np.mean, "median": np.median, "min": np.min, "max": np.max, "sum": np.sum}
CHECK_KEYS = {
    "range": {"column", "divide_by", "lo", "hi"},
    "spread": {"column", "over", "lo", "hi"},
    "slope": {"x", "y", "log_x", "log_y", "lo", "hi"},
    "correlation": {"x", "y", "log_x", "log_y", "lo"},
    "shape": {"x", "y", "shape"},
    "equal": {"column", "other", "rtol"},
    "within": {"column", "lo_column", "hi_column"},
}
COMMON_KEYS = {"name", "published", "source", "tolerance", "check", "where", "by", "agg"}
MAX_GROUPS_SHOWN = 8


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one expectation, as the report shows it.

    Parameters
    ----------
    name : str
        The expectation's name.
    published : str
        The published value or trend it checks.
    source : str
        Where that is published.
    measured : str
        The measured numbers, per group.
    passed : bool or None
        Whether every group passed; None when there were no rows to check.
    tolerance : str, default ""
        How loosely it is checked, and why.
    """

    name: str
    published: str
    source: str
    measured: str
    passed: bool | None          # None: no rows to check
    tolerance: str = ""

    @property
    def verdict(self) -> str:
        """"PASS", "FAIL" or "NO DATA"."""
        return "NO DATA" if self.passed is None else "PASS" if self.passed else "FAIL"


def validate(expect: dict[str, Any]) -> None:
    """Check that an [[expect]] table is one this module can evaluate.

    Parameters
    ----------
    expect : dict
        The table, as read from the suite file.

    Raises
    ------
    SuiteError
        If its check is unknown, it has keys the check does not take, or its shape or agg
        is invalid.

    Examples
    --------
    >>> from regionkit.suite.checks import validate
    >>> validate({"name": "n", "check": "range", "column": "n", "lo": 1})
    >>> validate({"name": "n", "check": "range", "x": "depth"})
    Traceback (most recent call last):
    ...
    regionkit.errors.SuiteError: [[expect]] 'n': range takes no ['x']
    """
    kind = expect.get("check")
    if kind not in CHECK_KEYS:
        raise SuiteError(f"[[expect]] {expect.get('name')!r}: check must be one of "
                         f"{', '.join(CHECK_KEYS)}, got {kind!r}")
    extra = set(expect) - COMMON_KEYS - CHECK_KEYS[kind]
    if extra:
        raise SuiteError(f"[[expect]] {expect.get('name')!r}: {kind} takes no {sorted(extra)}")
    if kind == "shape" and expect.get("shape") not in ("dip", "peak"):
        raise SuiteError(f"[[expect]] {expect.get('name')!r}: shape must be 'dip' or 'peak'")
    if expect.get("agg", "mean") not in AGGREGATES:
        raise SuiteError(f"agg must be one of {', '.join(AGGREGATES)}")


def key(v: Any) -> Any:
    """A hashable, printable form of a table cell: lists become tuples.

    Parameters
    ----------
    v : object
        A cell.

    Returns
    -------
    object
        `v`, with lists (nested too) turned into tuples.

    Examples
    --------
    >>> from regionkit.suite.checks import key
    >>> key([1, [2, 3]])
    (1, (2, 3))
    """
    return tuple(key(x) for x in v) if isinstance(v, list) else v


def select(rows: list[dict[str, Any]], where: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The successful rows whose columns match a selection.

    Parameters
    ----------
    rows : list of dict
        Table rows.
    where : dict or None
        Column to a value, or to a list of accepted values (None: every successful row).

    Returns
    -------
    list of dict
        The rows with status "ok" that match.

    Examples
    --------
    >>> rows = [{"status": "ok", "depth": 1, "n": 4.0}, {"status": "ok", "depth": 2, "n": 9.0},
    ...         {"status": "ok", "depth": 2, "n": 11.0}, {"status": "error", "depth": 3}]
    >>> from regionkit.suite.checks import select
    >>> [r["n"] for r in select(rows, {"depth": [2, 3]})]
    [9.0, 11.0]
    """
    out = []
    for r in rows:
        if r.get("status") != "ok":
            continue
        ok = True
        for col, want in (where or {}).items():
            accepted = [key(w) for w in want] if isinstance(want, list) else [key(want)]
            ok = ok and key(r.get(col)) in accepted
        if ok:
            out.append(r)
    return out


def groups(rows: list[dict[str, Any]], by: list[str] | None) -> dict[tuple, list[dict]]:
    """Rows split by the values of some columns, in order of first appearance.

    Parameters
    ----------
    rows : list of dict
        Table rows.
    by : list of str or None
        The columns (None or empty: one group).

    Returns
    -------
    dict of tuple to list of dict
        The values of the `by` columns (as key gives them) to the rows that have them.

    Examples
    --------
    >>> rows = [{"status": "ok", "depth": 1, "n": 4.0}, {"status": "ok", "depth": 2, "n": 9.0},
    ...         {"status": "ok", "depth": 2, "n": 11.0}, {"status": "error", "depth": 3}]
    >>> from regionkit.suite.checks import groups
    >>> {g: len(rs) for g, rs in groups(rows, ["depth"]).items()}
    {(1,): 1, (2,): 2, (3,): 1}
    """
    out: dict[tuple, list[dict]] = {}
    for r in rows:
        out.setdefault(tuple(key(r.get(c)) for c in by or []), []).append(r)
    return out


def values(rows: list[dict[str, Any]], column: str) -> np.ndarray:
    """A column's non-missing values as floats.

    Parameters
    ----------
    rows : list of dict
        Table rows.
    column : str
        The column.

    Returns
    -------
    numpy.ndarray
        Its values, rows without one left out.
    """
    return np.array([float(r[column]) for r in rows if r.get(column) is not None])


def per_x(rows: list[dict[str, Any]], x: str, y: str, agg: str) -> tuple[np.ndarray, np.ndarray]:
    """An aggregate of one column at each distinct value of another.

    Parameters
    ----------
    rows : list of dict
        Table rows.
    x, y : str
        The columns; rows missing either are left out.
    agg : str
        A key of AGGREGATES.

    Returns
    -------
    xs : numpy.ndarray
        The distinct values of x, sorted.
    ys : numpy.ndarray
        The aggregate of y at each.

    Examples
    --------
    >>> rows = [{"status": "ok", "depth": 1, "n": 4.0}, {"status": "ok", "depth": 2, "n": 9.0},
    ...         {"status": "ok", "depth": 2, "n": 11.0}, {"status": "error", "depth": 3}]
    >>> from regionkit.suite.checks import per_x
    >>> [a.tolist() for a in per_x(rows, "depth", "n", "mean")]
    [[1.0, 2.0], [4.0, 10.0]]
    """
    xs = sorted({float(r[x]) for r in rows if r.get(x) is not None and r.get(y) is not None})
    ys = [AGGREGATES[agg](values([r for r in rows if r.get(x) is not None
                                  and float(r[x]) == v], y)) for v in xs]
    return np.array(xs), np.array(ys, dtype=float)


def label(group: tuple, by: list[str] | None) -> str:
    """A group's name for reports: "col=value, ..." or "all".

    Parameters
    ----------
    group : tuple
        The values of the `by` columns (a key of groups()).
    by : list of str or None
        The columns.

    Returns
    -------
    str
        The name.

    Examples
    --------
    >>> from regionkit.suite.checks import label
    >>> label((2, 0.5), ["depth", "lr"]), label((), None)
    ('depth=2, lr=0.5', 'all')
    """
    return ", ".join(f"{c}={_fmt_key(v)}" for c, v in zip(by or [], group)) or "all"


def _fmt_key(v: Any) -> str:
    if isinstance(v, tuple):
        return "[" + ",".join(_fmt_key(x) for x in v) + "]"
    return f"{v:g}" if isinstance(v, float) else str(v)


def _fmt(v: float) -> str:
    return "nan" if not math.isfinite(v) else f"{v:.4g}"


def _in(v: float, lo: float | None, hi: float | None) -> bool:
    return math.isfinite(v) and (lo is None or v >= lo) and (hi is None or v <= hi)


def evaluate(expect: dict[str, Any], rows: list[dict[str, Any]]) -> CheckResult:
    """Check one expectation against a suite's rows (see the module notes for the checks).

    Parameters
    ----------
    expect : dict
        An [[expect]] table.
    rows : list of dict
        The suite's table rows.

    Returns
    -------
    CheckResult
        The verdict with the measured numbers per group.

    Raises
    ------
    SuiteError
        If the expectation is invalid (see validate).

    Examples
    --------
    >>> rows = [{"status": "ok", "depth": 1, "n": 4.0}, {"status": "ok", "depth": 2, "n": 9.0},
    ...         {"status": "ok", "depth": 2, "n": 11.0}, {"status": "error", "depth": 3}]
    >>> from regionkit.suite.checks import evaluate
    >>> result = evaluate({"name": "growth", "check": "slope", "x": "depth", "y": "n",
    ...                    "lo": 0}, rows)
    >>> result.verdict, result.measured
    ('PASS', 'all: 6')
    """
    validate(expect)
    kind, agg = expect["check"], expect.get("agg", "mean")
    by = expect.get("by")
    lo, hi = expect.get("lo"), expect.get("hi")
    parts, verdicts = [], []
    for g, grows in groups(select(rows, expect.get("where")), by).items():
        if kind == "equal":
            a, b = expect["column"], expect["other"]
            pairs = [(r.get(a), r.get(b)) for r in grows]
            rtol = float(expect.get("rtol", 0.0))
            bad = [(x, y) for x, y in pairs if x is None or y is None
                   or abs(float(x) - float(y)) > rtol * abs(float(y))]
            verdicts.append(not bad)
            parts.append(f"{label(g, by)}: {len(pairs) - len(bad)}/{len(pairs)} equal"
                         + (f" (e.g. {bad[0][0]} vs {bad[0][1]})" if bad else ""))
            continue
        if kind == "range":
            col = expect["column"]
            if "divide_by" in expect:
                v = np.array([float(r[col]) / float(r[expect["divide_by"]]) for r in grows
                              if r.get(col) is not None and r.get(expect["divide_by"])])
            else:
                v = values(grows, col)
            if v.size == 0:
                continue
            stat = float(AGGREGATES[agg](v))
            verdicts.append(_in(stat, lo, hi))
            parts.append(f"{label(g, by)}: {_fmt(stat)}")
        elif kind == "within":
            stats = [float(AGGREGATES[agg](values(grows, c))) if values(grows, c).size
                     else math.nan for c in (expect["column"], expect["lo_column"],
                                             expect["hi_column"])]
            if not math.isfinite(stats[0]):
                continue
            verdicts.append(_in(stats[0], stats[1], stats[2]))
            parts.append(f"{label(g, by)}: {_fmt(stats[1])} <= {_fmt(stats[0])} <= "
                         f"{_fmt(stats[2])}")
        elif kind == "spread":
            over, col = expect["over"], expect["column"]
            per = groups([r for r in grows if r.get(col) is not None], [over])
            ys = np.array([AGGREGATES[agg](values(rs_, col)) for rs_ in per.values()])
            if ys.size == 0:
                continue
            ratio = float(ys.max() / ys.min()) if ys.min() > 0 else math.inf
            verdicts.append(_in(ratio, lo, hi))
            parts.append(f"{label(g, by)}: {_fmt(ys.min())}..{_fmt(ys.max())} "
                         f"(x{_fmt(ratio)})")
        elif kind == "shape":
            xs, ys = per_x(grows, expect["x"], expect["y"], agg)
            if ys.size < 3:
                continue
            at = int(np.argmin(ys) if expect["shape"] == "dip" else np.argmax(ys))
            verdicts.append(0 < at < ys.size - 1)
            parts.append(f"{label(g, by)}: " + " ".join(f"{_fmt(v)}" for v in ys)
                         + f" ({'min' if expect['shape'] == 'dip' else 'max'} at "
                         f"{expect['x']}={xs[at]:g})")
        else:  # slope, correlation
            xs, ys = per_x(grows, expect["x"], expect["y"], agg)
            if expect.get("log_x"):
                xs = np.log10(xs)
            if expect.get("log_y"):
                ys = np.log10(ys)
            if xs.size < 2 or not (np.all(np.isfinite(xs)) and np.all(np.isfinite(ys))):
                continue
            if kind == "slope":
                stat = float(np.polyfit(xs, ys, 1)[0])
            else:
                stat = float(np.corrcoef(xs, ys)[0, 1]) if np.std(ys) > 0 else math.nan
            verdicts.append(_in(stat, lo, hi if kind == "slope" else None))
            parts.append(f"{label(g, by)}: {_fmt(stat)}")
    shown = parts[:MAX_GROUPS_SHOWN] + ([f"... {len(parts) - MAX_GROUPS_SHOWN} more"]
                                        if len(parts) > MAX_GROUPS_SHOWN else [])
    return CheckResult(str(expect.get("name", kind)), str(expect.get("published", "")),
                       str(expect.get("source", "")), "; ".join(shown) or "no rows",
                       all(verdicts) if verdicts else None, str(expect.get("tolerance", "")))
