"""Columnar frontiers of regions in the three geometries the core splits (1d, 2d, nd)."""
from __future__ import annotations

from typing import Callable

import numpy as np

# Per-region arrays of each kind, and CSR groups (offset key -> per-row arrays).
_PER_REGION = {"1d": ("lo", "hi", "lab_lo", "lab_hi"), "2d": (), "nd": ("center", "radius")}
_ROWS = {"1d": (), "2d": ("xy", "lab", "row"), "nd": ("A", "b", "lab")}


class Frontier:
    """A set of regions of one kind as the dict of arrays the core reads and writes."""

    def __init__(self, kind: str, data: dict[str, np.ndarray]) -> None:
        self.kind = kind
        self.data = data

    def __len__(self) -> int:
        if self.kind == "1d":
            return len(self.data["lo"])
        return len(self.data["off"]) - 1

    @classmethod
    def box(cls, kind: str, lo: np.ndarray, hi: np.ndarray) -> "Frontier":
        """The open box (labels: -1-2i for t_i > lo_i, -2-2i for t_i < hi_i)."""
        if kind == "1d":
            return cls("1d", {"lo": np.array([lo[0]]), "hi": np.array([hi[0]]),
                              "lab_lo": np.array([-1]), "lab_hi": np.array([-2])})
        if kind != "2d":
            raise ValueError("box frontiers are built for 1d and 2d; nd uses inequalities")
        xy = np.array([[lo[0], lo[1]], [hi[0], lo[1]], [hi[0], hi[1]], [lo[0], hi[1]]])
        row = np.array([[0.0, -1.0, -lo[1]], [1.0, 0.0, hi[0]], [0.0, 1.0, hi[1]],
                        [-1.0, 0.0, -lo[0]]])
        return cls("2d", {"off": np.array([0, 4]), "xy": xy, "lab": np.array([-3, -2, -4, -1]),
                          "row": row})

    def take(self, idx: np.ndarray) -> "Frontier":
        """The regions at the given indices, in that order."""
        idx = np.asarray(idx, dtype=np.int64)
        out = {k: self.data[k][idx] for k in _PER_REGION[self.kind]}
        if _ROWS[self.kind]:
            off = self.data["off"]
            counts = off[idx + 1] - off[idx]
            rows = (np.concatenate([np.arange(off[i], off[i + 1]) for i in idx])
                    if len(idx) else np.zeros(0, np.int64))
            out["off"] = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
            for k in _ROWS[self.kind]:
                out[k] = self.data[k][rows]
        return Frontier(self.kind, out)

    def slice(self, i: int, j: int) -> "Frontier":
        """Regions i..j-1 (cheap: views, offsets rebased)."""
        out = {k: self.data[k][i:j] for k in _PER_REGION[self.kind]}
        if _ROWS[self.kind]:
            off = self.data["off"]
            a, b = off[i], off[j]
            out["off"] = off[i:j + 1] - a
            for k in _ROWS[self.kind]:
                out[k] = self.data[k][a:b]
        return Frontier(self.kind, out)

    @classmethod
    def concat(cls, kind: str, parts: list["Frontier"]) -> "Frontier":
        out = {k: np.concatenate([p.data[k] for p in parts]) for k in _PER_REGION[kind]}
        if _ROWS[kind]:
            offs, base = [np.zeros(1, np.int64)], 0
            for p in parts:
                offs.append(p.data["off"][1:] + base)
                base += p.data["off"][-1]
            out["off"] = np.concatenate(offs).astype(np.int64)
            for k in _ROWS[kind]:
                out[k] = np.concatenate([p.data[k] for p in parts])
        return Frontier(kind, out)

    def relabel(self, fn: Callable[[np.ndarray], np.ndarray]) -> "Frontier":
        """Apply fn to every label array."""
        out = dict(self.data)
        for k in ("lab", "lab_lo", "lab_hi"):
            if k in out:
                out[k] = fn(out[k])
        return Frontier(self.kind, out)
