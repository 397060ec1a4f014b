"""Splitting a frontier by a maxout layer (max pooling included), on top of the core.

A maxout unit u with pieces P_0..P_{k-1} (affine on each region) selects piece a on the
convex cell {P_a > P_j for j < a, P_a >= P_j for j > a}: the maximum, ties to the lowest
index. Units are taken one at a time. For unit u every region is copied once per piece a and
clipped by the k-1 hyperplanes P_a - P_j with the core's ordinary ReLU split (per-copy input
maps make the same layer mean different hyperplanes in each copy); the child whose signs are
(+ for j < a, not + for j > a) is the cell of a, any others are dropped. Each hyperplane
P_a - P_j gets the tolerance the engine would give it as a hyperplane of its own: scale
sum_k |W_ak - W_jk| S_k + |b_a - b_j| (the core's maxout_pair_scales, the formula point
signs use too), so identical pieces tie exactly and the lower wins.

A facet of a maxout cell on P_a = P_j carries the label of piece j's bit: across it, unit
u's winner changes from a to j (regionkit.measures.graph uses this).
"""
from __future__ import annotations

import numpy as np

from regionkit.core import _core
from regionkit.core.frontier import Frontier
from regionkit.model.activations import core_table, relu
from regionkit.model.tolerance import Tolerance

__all__ = ["split_maxout"]

# Labels the core gives the new rows of a clip call: _NEW + q for the q-th clipping row.
_NEW = 1 << 40

# What _core.split_frontier returns: (n_done, children, child_maps, bits, parent, aborted).
_Split = tuple[int, dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray, np.ndarray, bool]


def split_maxout(kind: str, frontier: Frontier, maps: dict[str, np.ndarray], W: np.ndarray,
                 b: np.ndarray, k: int, tol: Tolerance, label_base: int, max_total: float,
                 seconds: float, workers: int = 1, batch: int = 64) -> _Split:
    """Split every region of `frontier` by one maxout layer.

    All or nothing: when the split would produce more than max_total regions or a core
    call would run past `seconds`, no region is split (n_done = 0, aborted = True).

    Parameters
    ----------
    kind : Geometry or str
        The frontier's geometry.
    frontier : Frontier
        The regions to split.
    maps : dict of str to numpy.ndarray
        The layer's input on every region, as _core.split_frontier takes it: x = M t + m
        ("M", "m"), "S" bounding |x_i| and "R" the domain's box radius.
    W, b : numpy.ndarray
        The layer: rows u*k .. u*k+k-1 are unit u's pieces.
    k : int
        Pieces per unit.
    tol : Tolerance
        Tolerance of the hyperplanes P_a - P_j.
    label_base : int
        The layer's first pattern bit: a facet on P_a = P_j of unit u gets label
        label_base + u*k + j.
    max_total : float
        The most regions the split may produce.
    seconds : float
        Time limit of each core call.
    workers : int, default 1
        Threads of each core call (the output does not depend on them).
    batch : int, default 64
        Consecutive regions a thread claims at a time.

    Returns
    -------
    tuple
        (n_done, children, child_maps, bits, parent, aborted), as _core.split_frontier
        returns it: the regions split, the children's columns and output maps, their bits
        (one byte per piece, set for the winner), the region each child comes from, and
        whether the split was abandoned.
    """
    n = len(frontier)
    U = W.shape[0] // k
    ZM = np.matmul(W, maps["M"])                          # pieces' gradients per region
    Zm = maps["m"] @ W.T + b                              # and offsets
    src = np.arange(n)                                    # chunk region of each current cell
    # Per unit taken: each cell's cell before it (an index into the previous cells) and the
    # piece that won there; the winners are traced back once, at the end.
    steps: list[tuple[np.ndarray, np.ndarray]] = []
    current = frontier
    # others[a]: the pieces a competes with; want[a]: the clip signs where a wins.
    others = np.array([[j for j in range(k) if j != a] for a in range(k)],
                      dtype=np.int64).reshape(k, k - 1)
    want = (others < np.arange(k)[:, None]).astype(np.uint8)
    eye = np.eye(k - 1)
    for u in range(U):
        if k == 1 or len(current) == 0:  # one piece wins alone / nothing left to split
            break
        rows = u * k + np.arange(k)
        # Scale of each hyperplane P_a - P_j, per region and ordered pair (a, j), flattened
        # to a * k + j; its zero tolerance is atol + rtol scale.
        scale = _core.maxout_pair_scales(W[rows], b[rows], maps["S"][src]).reshape(-1, k * k)
        sure = _sure_winners(current, ZM, Zm, src, u * k, k,
                             (tol.atol + tol.rtol * scale).reshape(-1, k, k))
        whole = np.flatnonzero(sure >= 0)
        cut = np.flatnonzero(sure < 0)
        copies = np.repeat(cut, k)
        piece = np.tile(np.arange(k), len(cut))
        r = src[copies]
        top = rows[piece][:, None]                        # (c, 1) the copy's own piece
        rest = rows[others[piece]]                        # (c, k-1) its competitors
        # P_a - P_j > 0 for j < a; for j > a, P_a >= P_j is "P_j - P_a > 0" failing.
        sign = np.where(rest < top, 1.0, -1.0)
        clip_M = sign[:, :, None] * (ZM[r[:, None], top] - ZM[r[:, None], rest])
        clip_m = sign * (Zm[r[:, None], top] - Zm[r[:, None], rest])
        clip_S = scale[copies[:, None], piece[:, None] * k + (rest - u * k)]
        clip_maps = {"M": clip_M, "m": clip_m, "S": clip_S, "R": maps["R"]}
        parts, came, won = [current.take(whole)], [whole], [sure[whole]]
        if len(cut):
            done, children, _, bits, parent, aborted = _core.split_frontier(
                kind, current.take(copies).data, clip_maps, eye, np.zeros(k - 1),
                core_table(relu()), tol.rtol, tol.atol, _NEW, 1 << 62, seconds, seconds,
                workers=workers, batch=batch)
            if aborted or done < len(copies):
                return _nothing_done(frontier, U, k)
            keep = np.flatnonzero(np.all(bits == want[piece[parent]], axis=1))
            a = piece[parent[keep]]
            parts.append(_relabel_new_rows(Frontier(kind, children).take(keep), others, a,
                                           label_base + u * k))
            came.append(copies[parent[keep]])
            won.append(a)
        index = np.int32 if len(current) < 2**31 else np.int64  # the step's own cells
        current = Frontier.concat(kind, parts)
        steps.append((np.concatenate(came).astype(index), np.concatenate(won).astype(np.int16)))
        src = src[steps[-1][0]]
        if len(current) > max_total:
            return _nothing_done(frontier, U, k)
    # Each unit's output map is its winning piece's (units not taken: piece 0, k == 1).
    win = np.zeros((len(src), U), dtype=np.int64)
    cell = np.arange(len(src))
    for u in range(len(steps) - 1, -1, -1):
        win[:, u] = steps[u][1][cell]
        cell = steps[u][0][cell]
    sel = np.arange(U) * k + win
    flat = src[:, None] * ZM.shape[1] + sel               # (cell, unit) -> row of ZM, Zm
    out_M = ZM.reshape(-1, ZM.shape[2])[flat]
    out_m = Zm.reshape(-1)[flat]
    bits = np.zeros((len(src), U * k), dtype=np.uint8)
    np.put_along_axis(bits, sel, 1, axis=1)
    S = np.abs(out_m)                                     # |m| + sum_t |M_t| R_t, as the core
    for t in range(out_M.shape[2]):
        S += np.abs(out_M[..., t]) * maps["R"][t]
    child_maps = {"M": out_M, "m": out_m, "S": S}
    return n, current.data, child_maps, bits, src, False


def _sure_winners(fr: Frontier, ZM: np.ndarray, Zm: np.ndarray, src: np.ndarray, first: int,
                  k: int, eps: np.ndarray) -> np.ndarray:
    """The piece that wins on the whole of each region, or -1 where the clip must decide.

    The core decides a hyperplane's side from its values at a region's vertices (1-D, 2-D
    and vertex form), so piece a wins the whole region when at every vertex
    P_a - P_j > eps for j < a and P_a - P_j >= -eps for j > a: then every clip of a keeps
    the region whole on its side and every other piece's clip drops it. LP-form regions
    have no vertices and are always clipped. ZM, Zm: every piece's map on each source region
    (region i's is src[i]'s); the unit's pieces are rows first .. first + k - 1.
    """
    n = len(src)
    if not fr.geometry.has_vertices or n == 0:
        return np.full(n, -1, dtype=np.int64)
    off, X = fr.geometry.vertices(fr.data)
    return _core.maxout_sure_winners(off, X, ZM, Zm, src, first, k, eps)


def _nothing_done(frontier: Frontier, U: int, k: int) -> _Split:
    empty = frontier.take(np.zeros(0, np.int64))
    return (0, empty.data, {}, np.zeros((0, U * k), np.uint8), np.zeros(0, np.int64), True)


def _relabel_new_rows(fr: Frontier, others: np.ndarray, piece: np.ndarray,
                      unit_base: int) -> Frontier:
    """Rows the clip added (labels _NEW + q) get the label of competitor j's bit."""
    competitor = others[piece]

    def relabel(lab: np.ndarray, region: np.ndarray) -> np.ndarray:
        new = lab >= _NEW
        out = lab.copy()
        out[new] = unit_base + competitor[region[new], lab[new] - _NEW]
        return out

    return fr.relabel_rows(relabel)
