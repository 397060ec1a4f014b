"""Many paths of one kind, one table row per path: ``table`` and H&R's ``random_lines``."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from regionkit.errors import DomainError, RegionkitError
from regionkit.model.network import Network
from regionkit.model.tolerance import Tolerance
from regionkit.trajectory import affine, arcs
from regionkit.trajectory.counts import Layout, Pieces, count
from regionkit.trajectory.inputs import check_independent, check_net, rows

__all__ = ["BATCH_PIECES", "KINDS", "random_lines", "table"]

# Final arc pieces per pass over the layers: measured fastest (arrays stay in cache) for
# 100-wide depth-8 hard-tanh arcs.
BATCH_PIECES = 4096
KINDS = ("segment", "line", "arc", "circle")


def table(net: Network, kind: str, a: Any, b: Any, *, tol: Tolerance | float | None = None,
          chunk: int | None = None) -> np.ndarray:
    """One row per path for many paths of one kind.

    Parameters
    ----------
    net : Network
        The network.
    kind : {"segment", "line", "arc", "circle"}
        "segment": a[i] -> b[i]; "line": through a[i] with direction b[i]; "arc" and
        "circle": x0 = a[i], x1 = b[i].
    a, b : array_like
        (k, n_in) arrays with the same number of rows.
    tol : Tolerance, float or None
        Zero tolerance; a float is rtol.
    chunk : int or None
        Arcs and circles go through the layers ``chunk`` paths at a time (numpy over their
        pieces); by default as many as give about BATCH_PIECES pieces. Segments and lines
        take one engine call per path (per window of a line) whatever ``chunk`` is.

    Returns
    -------
    numpy.ndarray
        A structured array (``pandas.DataFrame(t)`` reads it as is) with columns path,
        n_pieces, n_patterns, transitions (all units), output_transitions, transitions_d
        (layer d = net.weights[d - 1]), length_in, length_pre_d, length_post_d, length_out
        and length_error.

    Raises
    ------
    RegionkitError
        An unknown kind, a bad chunk, or net not a Network.
    DomainError
        Rows of the wrong size or number, coinciding segment ends, zero directions,
        linearly dependent arc vectors.

    Examples
    --------
    Two arcs through relu(x) + relu(y): the first crosses y = 0, the second stays in the
    quadrant where both units are on.

    >>> import regionkit as rk
    >>> net = rk.Network.from_arrays([[[1, 0], [0, 1]], [[1, 1]]], [[0, 0], [0]])
    >>> t = rk.trajectory.table(net, "arc", [[1, -1], [1, 0]], [[1, 1], [0, 1]])
    >>> t["n_pieces"].tolist(), t["transitions_1"].tolist()
    ([2, 1], [1, 0])
    """
    check_net(net)
    tol = Tolerance.coerce(tol)
    if kind not in KINDS:
        raise RegionkitError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if chunk is not None and not (isinstance(chunk, int) and chunk >= 1):
        raise RegionkitError(f"chunk must be a positive integer or None, got {chunk!r}")
    A, B = rows("a", a, net.n_in), rows("b", b, net.n_in)
    if A.shape[0] != B.shape[0]:
        raise DomainError(f"a has {A.shape[0]} rows but b has {B.shape[0]}")
    if kind == "segment" and np.any(np.all(A == B, axis=1)):
        raise DomainError("a segment's endpoints coincide")
    if kind == "line" and np.any(~np.any(B, axis=1)):
        raise DomainError("a line's direction is the zero vector")
    if kind in ("segment", "line"):
        out = _affine_rows(net, kind, A, B, tol)
    else:
        check_independent(A, B, tol)
        parts, i, size = [], 0, chunk or 1
        while i < A.shape[0]:
            parts.append(_arc_rows(net, kind, A[i:i + size], B[i:i + size], tol))
            i += size
            if chunk is None:  # size the next group by the pieces per path seen so far
                size = max(1, int(BATCH_PIECES / max(1.0, parts[-1]["n_pieces"].mean())))
        out = np.concatenate(parts) if parts else np.zeros(0, dtype=_dtype(net))
    out["path"] = np.arange(out.shape[0])
    return out


def _dtype(net: Network) -> np.dtype:
    L = range(1, net.n_layers + 1)
    return np.dtype([("path", np.int64), ("n_pieces", np.int64), ("n_patterns", np.int64),
                     ("transitions", np.int64), ("output_transitions", np.int64)]
                    + [(f"transitions_{d}", np.int64) for d in L] + [("length_in", np.float64)]
                    + [(f"length_pre_{d}", np.float64) for d in L]
                    + [(f"length_post_{d}", np.float64) for d in L]
                    + [("length_out", np.float64), ("length_error", np.float64)])


def _affine_rows(net: Network, kind: str, A: np.ndarray, B: np.ndarray,
                 tol: Tolerance) -> np.ndarray:
    """Segments a[i] -> b[i] or lines through a[i] along b[i], one engine cut per path."""
    n, prep = A.shape[0], affine.Prepared.of(net)
    cuts, lengths = [], np.zeros((n, 2 * net.n_layers + 2))
    for i in range(n):
        u = B[i] - A[i] if kind == "segment" else B[i]
        cut = (affine.window(net, A[i], u, 0.0, 1.0, tol) if kind == "segment"
               else affine.line(net, A[i], u, tol))
        inp, pre, post, err = affine.lengths(prep, A[i], u, cut)
        lengths[i] = np.r_[inp, pre, post, err]
        cuts.append(cut)
    path = np.repeat(np.arange(n), [c[0].shape[0] for c in cuts])
    pc = (Pieces(path, *(np.concatenate([c[j] for c in cuts]) for j in range(3))) if n
          else Pieces(path, np.zeros(0), np.zeros(0), np.zeros((0, net.n_hyperplanes), bool)))
    L = net.n_layers
    return _rows(net, pc, n, False, lengths[:, 0], lengths[:, 1:L + 1],
                 lengths[:, L + 1:2 * L + 1], lengths[:, -1])


def _arc_rows(net: Network, kind: str, A: np.ndarray, B: np.ndarray,
              tol: Tolerance) -> np.ndarray:
    closed = kind == "circle"
    run = arcs.propagate(arcs.ArcPieces.start(A, B, arcs.TWO_PI if closed else 0.5 * math.pi),
                         arcs.network_layers(net), A.shape[0], tol)
    return _rows(net, run.pieces, A.shape[0], closed, run.input_len, run.pre, run.post,
                 run.error)


def _rows(net: Network, pc: Pieces, n: int, closed: bool, length_in: np.ndarray,
          pre: np.ndarray, post: np.ndarray, error: np.ndarray) -> np.ndarray:
    out = np.zeros(n, dtype=_dtype(net))
    if n == 0:
        return out
    c = count(Layout.of(net), pc, n, closed, arcs.TWO_PI)
    out["n_pieces"], out["n_patterns"] = c.n_pieces, c.n_patterns
    out["length_in"], out["length_error"], out["length_out"] = length_in, error, post[:, -1]
    first = np.r_[0, np.cumsum(net.widths)]
    for d in range(1, net.n_layers + 1):
        out[f"transitions_{d}"] = c.per_neuron[:, first[d - 1]:first[d]].sum(axis=1)
        out[f"length_pre_{d}"], out[f"length_post_{d}"] = pre[:, d - 1], post[:, d - 1]
    out["transitions"] = c.per_neuron.sum(axis=1)
    out["output_transitions"] = out[f"transitions_{net.n_layers}"]
    return out


def random_lines(net: Network, n_lines: int, data: Any = None, *, through: str = "origin",
                 rng: np.random.Generator | int | None = None,
                 tol: Tolerance | float | None = None,
                 chunk: int | None = None) -> np.ndarray:
    """Whole lines as Hanin & Rolnick draw them (section 3.1), one table row per line.

    Parameters
    ----------
    net : Network
        The network.
    n_lines : int
        Number of lines, >= 1.
    data : array_like or None
        (k, n_in) points; standard normal vectors when None.
    through : {"origin", "pairs"}
        "origin": the line through 0 and a random row of ``data``; "pairs": the line
        through two distinct random rows.
    rng : numpy.random.Generator, int or None
        Draws the lines (and the default data).
    tol : Tolerance, float or None
        Zero tolerance; a float is rtol.
    chunk : int or None
        As for ``table``.

    Returns
    -------
    numpy.ndarray
        Columns as in ``table``.

    Raises
    ------
    RegionkitError
        A bad n_lines or through, or net not a Network.
    DomainError
        Data with a zero row (through="origin") or duplicate rows (through="pairs").
    """
    check_net(net)
    if not (isinstance(n_lines, (int, np.integer)) and n_lines >= 1):
        raise RegionkitError(f"n_lines must be a positive integer, got {n_lines!r}")
    if through not in ("origin", "pairs"):
        raise RegionkitError(f"through must be 'origin' or 'pairs', got {through!r}")
    rng = np.random.default_rng(rng)
    X = (rng.standard_normal((max(2, n_lines), net.n_in)) if data is None
         else rows("data", data, net.n_in))
    if through == "origin":
        D = X[rng.integers(0, X.shape[0], n_lines)]
        if np.any(~np.any(D, axis=1)):
            raise DomainError("data contains the zero vector: no line through it and the origin")
        return table(net, "line", np.zeros_like(D), D, tol=tol, chunk=chunk)
    if X.shape[0] < 2:
        raise DomainError("through='pairs' needs at least two data points")
    i = rng.integers(0, X.shape[0], n_lines)
    j = (i + rng.integers(1, X.shape[0], n_lines)) % X.shape[0]
    if np.any(~np.any(X[j] - X[i], axis=1)):
        raise DomainError("data contains duplicate points: no line through a pair of them")
    return table(net, "line", X[i], X[j] - X[i], tol=tol, chunk=chunk)
