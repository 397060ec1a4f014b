"""The one object that keeps what the measures of a region complex have computed.

A RegionSet owns one MeasureCache; the measures (vertex form, facet table, graph, faces)
fill its slots on first use and read them afterwards, so a second call costs nothing and
no measure writes private attributes onto the RegionSet.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, TypeVar

T = TypeVar("T")


@dataclass
class MeasureCache:
    """Slots for the measures computed on one region complex (None until first use)."""

    vertex_form: Any = None
    facet_table: Any = None
    graph: Any = None
    faces: Any = None

    def get(self, slot: str, compute: Callable[[], T]) -> T:
        """The value in `slot`, computed by `compute()` and kept on first use."""
        value = getattr(self, slot)
        if value is None:
            value = compute()
            setattr(self, slot, value)
        return value
