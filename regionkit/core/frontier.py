"""Columnar frontiers of regions in the three geometries the core splits (1d, 2d, nd)."""
from __future__ import annotations

from typing import Callable

import numpy as np

from regionkit.core import _core
from regionkit.model.activations import core_table, relu

# Per-region arrays of each kind, and its CSR groups: offsets key -> arrays indexed by it.
_PER_REGION = {"1d": ("lo", "hi", "lab_lo", "lab_hi"), "2d": (), "nd": ("center", "radius"),
               "vd": ()}
_GROUPS: dict[str, dict[str, tuple[str, ...]]] = {
    "1d": {},
    "2d": {"off": ("xy", "lab", "row")},
    "nd": {"off": ("A", "b", "lab")},
    "vd": {"voff": ("V",), "ioff": ("inc",), "roff": ("A", "b", "lab")},
}


class Frontier:
    """A set of regions of one kind as the dict of arrays the core reads and writes."""

    def __init__(self, kind: str, data: dict[str, np.ndarray]) -> None:
        self.kind = kind
        self.data = data

    def __len__(self) -> int:
        if self.kind == "1d":
            return len(self.data["lo"])
        return len(self.data[next(iter(_GROUPS[self.kind]))]) - 1

    @classmethod
    def box(cls, kind: str, lo: np.ndarray, hi: np.ndarray) -> "Frontier":
        """The open box (labels: -1-2i for t_i > lo_i, -2-2i for t_i < hi_i)."""
        if kind == "1d":
            return cls("1d", {"lo": np.array([lo[0]]), "hi": np.array([hi[0]]),
                              "lab_lo": np.array([-1]), "lab_hi": np.array([-2])})
        if kind == "vd":
            return cls._box_vertices(lo, hi)
        if kind != "2d":
            raise ValueError("box frontiers are built for 1d, 2d and vd; nd uses inequalities")
        xy = np.array([[lo[0], lo[1]], [hi[0], lo[1]], [hi[0], hi[1]], [lo[0], hi[1]]])
        row = np.array([[0.0, -1.0, -lo[1]], [1.0, 0.0, hi[0]], [0.0, 1.0, hi[1]],
                        [-1.0, 0.0, -lo[0]]])
        return cls("2d", {"off": np.array([0, 4]), "xy": xy, "lab": np.array([-3, -2, -4, -1]),
                          "row": row})

    @classmethod
    def _box_vertices(cls, lo: np.ndarray, hi: np.ndarray) -> "Frontier":
        """All 2^d corners; row 2i is t_i > lo_i, row 2i+1 is t_i < hi_i (labels -1-row)."""
        d = len(lo)
        if d > 20:
            raise ValueError("vertex form is for low dimensions")
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
        return cls("vd", {"voff": np.array([0, 2 ** d]), "V": V,
                          "ioff": np.array([0, inc.size]), "inc": inc.reshape(-1),
                          "roff": np.array([0, 2 * d]), "A": A, "b": b,
                          "lab": -1 - np.arange(2 * d, dtype=np.int64)})

    @classmethod
    def clip(cls, kind: str, lo: np.ndarray, hi: np.ndarray, A: np.ndarray, b: np.ndarray,
             rtol: float, atol: float) -> "Frontier":
        """The polytope {A t < b} inside the box (lo, hi), as one region of `kind`."""
        return cls.clip_many(kind, lo, hi, A, b, np.array([0, len(b)]), rtol, atol)

    @classmethod
    def clip_many(cls, kind: str, lo: np.ndarray, hi: np.ndarray, A: np.ndarray,
                  b: np.ndarray, off: np.ndarray, rtol: float, atol: float) -> "Frontier":
        """Polytope r = {A[off[r]:off[r+1]] t < b[...]} inside the box (lo, hi), as region r.

        Each polytope is cut out of a 1% larger box by the core, one of its rows per pass
        (all polytopes at once): a one-unit ReLU layer b_j - A_j t whose positive side is
        kept. Every facet of region r then lies on one of its rows j and carries label j.
        """
        off = np.asarray(off, dtype=np.int64)
        counts = np.diff(off)
        n = len(counts)
        pad = 0.01 * (hi - lo)
        lo, hi = lo - pad, hi + pad
        R = np.maximum(np.abs(lo), np.abs(hi))
        out = cls.box(kind, lo, hi).take(np.zeros(n, dtype=np.int64))
        owner = np.arange(n)
        for j in range(int(counts.max(initial=0))):
            has = j < counts[owner]
            row = off[owner] + np.minimum(j, counts[owner] - 1)
            M = np.where(has[:, None], -A[row], 0.0)  # polytopes out of rows: 0 t < 1
            m = np.where(has, b[row], 1.0)
            maps = {"M": M[:, None, :], "m": m[:, None],
                    "S": (np.abs(M) @ R + np.abs(m))[:, None], "R": R}
            _, children, _, bits, parent, _ = _core.split_frontier(
                kind, out.data, maps, np.ones((1, 1)), np.zeros(1), core_table(relu()), rtol,
                atol, j, 1 << 62, np.inf)
            inside = np.flatnonzero(bits[:, 0] == 1)
            out, owner = cls(kind, children).take(inside), owner[parent[inside]]
        if not np.array_equal(owner, np.arange(n)):
            raise RuntimeError("internal error: clipping a polytope out of a box did not give "
                               "one region")
        return out

    def take(self, idx: np.ndarray) -> "Frontier":
        """The regions at the given indices, in that order."""
        idx = np.asarray(idx, dtype=np.int64)
        out = {k: self.data[k][idx] for k in _PER_REGION[self.kind]}
        for okey, keys in _GROUPS[self.kind].items():
            off = self.data[okey]
            counts = off[idx + 1] - off[idx]
            new_off = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
            # Concatenated ranges off[i]..off[i+1]: each row's source start plus its rank.
            rows = (np.repeat(off[idx] - new_off[:-1], counts)
                    + np.arange(new_off[-1], dtype=np.int64))
            out[okey] = new_off
            for k in keys:
                out[k] = self.data[k][rows]
        return Frontier(self.kind, out)

    def slice(self, i: int, j: int) -> "Frontier":
        """Regions i..j-1 (cheap: views, offsets rebased)."""
        out = {k: self.data[k][i:j] for k in _PER_REGION[self.kind]}
        for okey, keys in _GROUPS[self.kind].items():
            off = self.data[okey]
            a, b = off[i], off[j]
            out[okey] = off[i:j + 1] - a
            for k in keys:
                out[k] = self.data[k][a:b]
        return Frontier(self.kind, out)

    @classmethod
    def concat(cls, kind: str, parts: list["Frontier"]) -> "Frontier":
        if len(parts) == 1:  # one chunk: nothing to join, no copy
            return parts[0]
        out = {k: np.concatenate([p.data[k] for p in parts]) for k in _PER_REGION[kind]}
        for okey, keys in _GROUPS[kind].items():
            offs, base = [np.zeros(1, np.int64)], 0
            for p in parts:
                offs.append(p.data[okey][1:] + base)
                base += p.data[okey][-1]
            out[okey] = np.concatenate(offs).astype(np.int64)
            for k in keys:
                out[k] = np.concatenate([p.data[k] for p in parts])
        return Frontier(kind, out)

    def relabel_rows(self, fn: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> "Frontier":
        """Apply fn(labels, region of each label) to every label array."""
        out = dict(self.data)
        if self.kind == "1d":
            region = np.arange(len(self))
            for k in ("lab_lo", "lab_hi"):
                out[k] = fn(out[k], region)
            return Frontier(self.kind, out)
        for okey, keys in _GROUPS[self.kind].items():
            if "lab" in keys:
                region = np.repeat(np.arange(len(self)), np.diff(out[okey]))
                out["lab"] = fn(out["lab"], region)
        return Frontier(self.kind, out)

    def relabel(self, fn: Callable[[np.ndarray], np.ndarray]) -> "Frontier":
        """Apply fn to every label array."""
        return self.relabel_rows(lambda lab, region: fn(lab))
