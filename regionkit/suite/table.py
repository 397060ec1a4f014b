"""One results table per suite: Parquet through pyarrow (the "parquet" extra), else CSV.

Rows are dicts of Python scalars and lists. In Parquet, lists are list columns; a column
whose values mix kinds (lists and numbers, text and numbers) is stored as JSON text. A CSV
table writes text cells as they are and every other cell as JSON, and keeps a sidecar
``NAME.columns.json`` saying which columns are text, so reading it back gives the same rows
(an empty text cell reads as missing).
"""
from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any, Iterable

from regionkit.errors import SuiteError

__all__ = ["FORMATS", "SUFFIX", "columns_of", "comparable", "find_tables", "have_pyarrow",
           "read_table", "regions_dir", "table_path", "write_table"]

FORMATS = ("auto", "parquet", "csv")
SUFFIX = {"parquet": ".parquet", "csv": ".csv"}


def have_pyarrow() -> bool:
    """Whether pyarrow (the "parquet" extra) can be imported.

    Returns
    -------
    bool
        True if Parquet tables can be written and read.
    """
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True


def columns_of(rows: Iterable[dict[str, Any]]) -> list[str]:
    """The union of the rows' keys, in order of first appearance.

    Parameters
    ----------
    rows : iterable of dict
        Table rows.

    Returns
    -------
    list of str
        The column names.

    Examples
    --------
    >>> from regionkit.suite.table import columns_of
    >>> columns_of([{"a": 1, "b": 2}, {"c": 3, "a": 4}])
    ['a', 'b', 'c']
    """
    seen: dict[str, None] = {}
    for r in rows:
        for k in r:
            seen.setdefault(k, None)
    return list(seen)


def table_path(out_dir: str | os.PathLike, suite: str, fmt: str) -> Path:
    """Where a suite's table of a given format goes.

    Parameters
    ----------
    out_dir : str or os.PathLike
        The results directory.
    suite : str
        The suite's name.
    fmt : {"parquet", "csv"}
        The format.

    Returns
    -------
    pathlib.Path
        out_dir/SUITE.parquet or out_dir/SUITE.csv.
    """
    return Path(out_dir) / f"{suite}{SUFFIX[fmt]}"


def regions_dir(out_dir: str | os.PathLike, suite: str) -> Path:
    """Where a suite's saved RegionSets go.

    Parameters
    ----------
    out_dir : str or os.PathLike
        The results directory.
    suite : str
        The suite's name.

    Returns
    -------
    pathlib.Path
        out_dir/SUITE.regions.
    """
    return Path(out_dir) / f"{suite}.regions"


def write_table(rows: list[dict[str, Any]], out_dir: str | os.PathLike, suite: str,
                fmt: str = "auto") -> Path:
    """Write rows as a suite's table, replacing a table in the other format.

    Parameters
    ----------
    rows : list of dict
        Rows of Python scalars and lists.
    out_dir : str or os.PathLike
        The results directory (created if needed).
    suite : str
        The suite's name.
    fmt : {"auto", "parquet", "csv"}
        "auto": Parquet when pyarrow is installed, else CSV.

    Returns
    -------
    pathlib.Path
        The table written.

    Raises
    ------
    SuiteError
        If the format is unknown, or Parquet is asked for without pyarrow.

    Examples
    --------
    >>> import tempfile
    >>> from regionkit.suite.table import read_table, write_table
    >>> rows = [{"n": 3, "arch": "2-8-1", "per_layer": [3, 5]}, {"n": None, "arch": "x"}]
    >>> with tempfile.TemporaryDirectory() as out:
    ...     path = write_table(rows, out, "demo", "csv")
    ...     print(path.name, read_table(path))
    demo.csv [{'n': 3, 'arch': '2-8-1', 'per_layer': [3, 5]},
              {'n': None, 'arch': 'x', 'per_layer': None}]
    """
    if fmt not in FORMATS:
        raise SuiteError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if fmt == "auto":
        fmt = "parquet" if have_pyarrow() else "csv"
    elif fmt == "parquet" and not have_pyarrow():
        raise SuiteError('Parquet tables need pyarrow: pip install "regionkit[parquet]" '
                         "(or use the CSV format)")
    path = table_path(out_dir, suite, fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    cols = columns_of(rows)
    if fmt == "parquet":
        _write_parquet(rows, cols, tmp)
    else:
        _write_csv(rows, cols, tmp)
    os.replace(tmp, path)
    for other in SUFFIX:
        if other != fmt:
            table_path(out_dir, suite, other).unlink(missing_ok=True)
    if fmt == "parquet":
        _sidecar(path).unlink(missing_ok=True)
    return path


def _kind(v: Any) -> str:
    if isinstance(v, list):
        return "list"
    if isinstance(v, str):
        return "str"
    if isinstance(v, bool):
        return "bool"
    return "number"


def _write_parquet(rows: list[dict[str, Any]], cols: list[str], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = {}
    for c in cols:
        values = [r.get(c) for r in rows]
        kinds = {_kind(v) for v in values if v is not None}
        if len(kinds) > 1:
            values = [None if v is None else json.dumps(v) for v in values]
        arrays[c] = pa.array(values)
    pq.write_table(pa.table(arrays), path)


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name.rsplit(".", 1)[0] + ".columns.json")


def _write_csv(rows: list[dict[str, Any]], cols: list[str], path: Path) -> None:
    text = {c: all(isinstance(r.get(c), str) or r.get(c) is None for r in rows) for c in cols}
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for r in rows:
            w.writerow(["" if r.get(c) is None else r[c] if text[c] else json.dumps(r[c])
                        for c in cols])
    with open(_sidecar(path.with_name(path.name[:-len(".tmp")])), "w") as f:
        json.dump({"text_columns": [c for c in cols if text[c]]}, f)


def read_table(path: str | os.PathLike) -> list[dict[str, Any]]:
    """The rows of a table written by write_table.

    Parameters
    ----------
    path : str or os.PathLike
        A .parquet or .csv table (a CSV table needs its NAME.columns.json sidecar).

    Returns
    -------
    list of dict
        The rows, every column present (None where missing).

    Raises
    ------
    SuiteError
        If the file is missing or not a table, its sidecar is missing, or Parquet is read
        without pyarrow.
    """
    p = Path(path)
    if not p.exists():
        raise SuiteError(f"{p}: no such table")
    if p.suffix == ".parquet":
        if not have_pyarrow():
            raise SuiteError(f"{p}: reading Parquet needs pyarrow: "
                             'pip install "regionkit[parquet]"')
        import pyarrow.parquet as pq

        return pq.read_table(p).to_pylist()
    if p.suffix != ".csv":
        raise SuiteError(f"{p}: a results table is .parquet or .csv")
    try:
        with open(_sidecar(p)) as f:
            text = set(json.load(f)["text_columns"])
    except (OSError, ValueError, KeyError):
        raise SuiteError(f"{p}: its column sidecar {_sidecar(p).name} is missing or "
                         "unreadable") from None
    with open(p, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        cols = next(reader, [])
        return [{c: (None if cell == "" else cell if c in text else json.loads(cell))
                 for c, cell in zip(cols, line)} for line in reader]


def find_tables(out_dir: str | os.PathLike) -> dict[str, Path]:
    """Every table in a results directory.

    Parameters
    ----------
    out_dir : str or os.PathLike
        The results directory.

    Returns
    -------
    dict of str to pathlib.Path
        Suite name to its table, in name order.
    """
    out: dict[str, Path] = {}
    for p in sorted(Path(out_dir).iterdir()):
        if p.suffix in (".parquet", ".csv") and p.is_file():
            out[p.stem] = p
    return out


def comparable(rows: list[dict[str, Any]], drop: Iterable[str]) -> list[dict[str, Any]]:
    """Rows made comparable: every column present (None where missing) but `drop`.

    Parameters
    ----------
    rows : list of dict
        Table rows with an "index" column.
    drop : iterable of str
        Columns to leave out (e.g. jobs.VOLATILE).

    Returns
    -------
    list of dict
        The rows in job-index order.

    Examples
    --------
    >>> from regionkit.suite.table import comparable
    >>> comparable([{"index": 1, "n": 2, "seconds": 0.1}, {"index": 0, "m": 1}], ["seconds"])
    [{'index': 0, 'n': None, 'm': 1}, {'index': 1, 'n': 2, 'm': None}]
    """
    cols = [c for c in columns_of(rows) if c not in set(drop)]
    return [{c: r.get(c) for c in cols} for r in sorted(rows, key=lambda r: r["index"])]
