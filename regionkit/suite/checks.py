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
    name: str
    published: str
    source: str
    measured: str
    passed: bool | None          # None: no rows to check
    tolerance: str = ""

    @property
    def verdict(self) -> str:
        return "NO DATA" if self.passed is None else "PASS" if self.passed else "FAIL"


def validate(expect: dict[str, Any]) -> None:
    """Raise SuiteError for an [[expect]] table this module cannot evaluate."""
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
    """A hashable, printable form of a cell (lists become tuples)."""
    return tuple(key(x) for x in v) if isinstance(v, list) else v


def select(rows: list[dict[str, Any]], where: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Successful rows whose columns match `where` (a value, or a list of accepted values)."""
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
    """Rows split by the values of the `by` columns, in order of first appearance."""
    out: dict[tuple, list[dict]] = {}
    for r in rows:
        out.setdefault(tuple(key(r.get(c)) for c in by or []), []).append(r)
    return out


def values(rows: list[dict[str, Any]], column: str) -> np.ndarray:
    """The column's non-missing values as floats."""
    return np.array([float(r[column]) for r in rows if r.get(column) is not None])


def per_x(rows: list[dict[str, Any]], x: str, y: str, agg: str) -> tuple[np.ndarray, np.ndarray]:
    """(sorted distinct x, agg of y at each x)."""
    xs = sorted({float(r[x]) for r in rows if r.get(x) is not None and r.get(y) is not None})
    ys = [AGGREGATES[agg](values([r for r in rows if r.get(x) is not None
                                  and float(r[x]) == v], y)) for v in xs]
    return np.array(xs), np.array(ys, dtype=float)


def label(group: tuple, by: list[str] | None) -> str:
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
    """Check one expectation against a suite's rows."""
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
