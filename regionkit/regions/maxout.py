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
# Units taken together: the cells one piece wins whole for each of them are copied once per
# block, not once per unit.
MAXOUT_BLOCK_UNITS = 8

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
    pieces = _Pieces(ZM, Zm, W, b, maps, k, tol)
    src = np.arange(n)                                    # chunk region of each current cell
    # Per block of units: each cell's cell before the block (an index into the cells then)
    # and the pieces that won there, one column per unit; traced back once, at the end.
    steps: list[tuple[np.ndarray, np.ndarray]] = []
    current = frontier
    for u0 in range(0, U if k > 1 else 0, MAXOUT_BLOCK_UNITS):  # k == 1: one piece wins
        if len(current) == 0:
            break
        units = range(u0, min(U, u0 + MAXOUT_BLOCK_UNITS))
        # Cells that one piece wins whole for every unit of the block go through it as they
        # are; the others are taken one unit at a time.
        sure = np.stack([pieces.sure_winners(current, src, u) for u in units], axis=1)
        settled = np.flatnonzero((sure >= 0).all(axis=1))
        active = np.flatnonzero((sure < 0).any(axis=1))
        sub, sub_src, sub_steps = current.take(active), src[active], []
        for u in units:
            out = _split_unit(kind, sub, sub_src, u, pieces, label_base, seconds, workers,
                              batch)
            if out is None or len(settled) + len(out[0]) > max_total:
                return _nothing_done(frontier, U, k)
            sub, came = out[0], out[1]
            sub_src = sub_src[came]
            sub_steps.append((came, out[2][:, None]))
        won_sub, cell = _trace_back(sub_steps, len(sub))
        came = np.concatenate([settled, active[cell]])
        steps.append((came, np.concatenate([sure[settled].astype(np.int16), won_sub])))
        current = Frontier.concat(kind, [current.take(settled), sub])
        src = src[came]
    # Each unit's output map is its winning piece's (k == 1, or no cell left: piece 0).
    win = _trace_back(steps, len(src))[0] if steps and len(src) else np.zeros((len(src), U))
    sel = np.arange(U) * k + win.astype(np.int64)
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


class _Pieces:
    """One maxout layer's pieces on the chunk's regions, and what the clips need of them."""

    def __init__(self, ZM: np.ndarray, Zm: np.ndarray, W: np.ndarray, b: np.ndarray,
                 maps: dict[str, np.ndarray], k: int, tol: Tolerance) -> None:
        self.ZM, self.Zm, self.W, self.b, self.maps, self.k, self.tol = ZM, Zm, W, b, maps, k, tol
        # others[a]: the pieces a competes with; want[a]: the clip signs where a wins.
        self.others = np.array([[j for j in range(k) if j != a] for a in range(k)],
                               dtype=np.int64).reshape(k, k - 1)
        self.want = (self.others < np.arange(k)[:, None]).astype(np.uint8)
        # The clip: an identity layer of k - 1 ReLU hyperplanes on each copy's own maps.
        self.clip_layer = (np.eye(k - 1), np.zeros(k - 1), core_table(relu()))

    def scales(self, src: np.ndarray, u: int) -> np.ndarray:
        """Scale of each hyperplane P_a - P_j of unit u on the cells of chunk regions src,
        per ordered pair (a, j) flattened to a * k + j; its zero tolerance is atol + rtol
        scale."""
        rows = slice(u * self.k, (u + 1) * self.k)
        return _core.maxout_pair_scales(self.W[rows], self.b[rows],
                                        self.maps["S"][src]).reshape(-1, self.k * self.k)

    def sure_winners(self, fr: Frontier, src: np.ndarray, u: int,
                     scale: np.ndarray | None = None) -> np.ndarray:
        """_sure_winners of unit u on the cells of fr (from chunk regions src)."""
        if scale is None:
            scale = self.scales(src, u)
        eps = (self.tol.atol + self.tol.rtol * scale).reshape(-1, self.k, self.k)
        return _sure_winners(fr, self.ZM, self.Zm, src, u * self.k, self.k, eps)


def _split_unit(kind: str, current: Frontier, src: np.ndarray, u: int, pieces: _Pieces,
                label_base: int, seconds: float, workers: int,
                batch: int) -> tuple[Frontier, np.ndarray, np.ndarray] | None:
    """Cells `current` (from chunk regions src) split by unit u: the new cells, the cell
    each comes from and the piece that wins it; None if a core call stopped."""
    k, tol, ZM, Zm, others = pieces.k, pieces.tol, pieces.ZM, pieces.Zm, pieces.others
    rows = u * k + np.arange(k)
    scale = pieces.scales(src, u)
    sure = pieces.sure_winners(current, src, u, scale)
    whole = np.flatnonzero(sure >= 0)
    cut = np.flatnonzero(sure < 0)
    if len(cut) == 0:
        return current, whole, sure
    copies = np.repeat(cut, k)
    piece = np.tile(np.arange(k), len(cut))
    r = src[copies]
    top = rows[piece][:, None]                            # (c, 1) the copy's own piece
    rest = rows[others[piece]]                            # (c, k-1) its competitors
    # P_a - P_j > 0 for j < a; for j > a, P_a >= P_j is "P_j - P_a > 0" failing.
    sign = np.where(rest < top, 1.0, -1.0)
    clip_M = sign[:, :, None] * (ZM[r[:, None], top] - ZM[r[:, None], rest])
    clip_m = sign * (Zm[r[:, None], top] - Zm[r[:, None], rest])
    clip_S = scale[copies[:, None], piece[:, None] * k + (rest - u * k)]
    clip_maps = {"M": clip_M, "m": clip_m, "S": clip_S, "R": pieces.maps["R"]}
    done, children, _, bits, parent, aborted = _core.split_frontier(
        kind, current.take(copies).data, clip_maps, *pieces.clip_layer, tol.rtol, tol.atol,
        _NEW, 1 << 62, seconds, seconds,
        workers=workers, batch=batch)
    if aborted or done < len(copies):
        return None
    keep = np.flatnonzero(np.all(bits == pieces.want[piece[parent]], axis=1))
    a = piece[parent[keep]]
    won = _relabel_new_rows(Frontier(kind, children).take(keep), others, a, label_base + u * k)
    return (Frontier.concat(kind, [current.take(whole), won]),
            np.concatenate([whole, copies[parent[keep]]]), np.concatenate([sure[whole], a]))


def _trace_back(steps: list[tuple[np.ndarray, np.ndarray]],
                n: int) -> tuple[np.ndarray, np.ndarray]:
    """The winners of n cells after the last step, one column per unit of every step, and the
    cell each came from before the first; a step is (the cell each cell came from, the
    winners there, one column per unit it took)."""
    cell, cols = np.arange(n), []
    for came, won in reversed(steps):
        cols.append(won[cell])
        cell = came[cell]
    return np.concatenate(cols[::-1], axis=1), cell


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
