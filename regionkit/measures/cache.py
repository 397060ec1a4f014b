"""The one object that keeps what the measures of a region complex have computed.

A RegionSet owns one MeasureCache; the measures (vertex form, facet table, graph, faces)
fill its slots on first use and read them afterwards, so a second call costs nothing and
no measure writes private attributes onto the RegionSet.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, TypeVar

__all__ = ["MeasureCache"]

T = TypeVar("T")


@dataclass
class MeasureCache:
    """Slots for the measures computed on one region complex (None until first use).

    Parameters
    ----------
    vertex_form : VertexForm, optional
        regionkit.measures.vertexform.vertex_form's result.
    facet_table : FacetTable, optional
        regionkit.measures.facets.facet_table's result.
    graph : Adjacency, optional
        regionkit.measures.graph.adjacency's result.
    faces : Faces, optional
        regionkit.measures.faces.faces's result.
    exact_faces : Faces, optional
        regionkit.regions.exactfaces.exact_faces's result (where the float faces fail).
    rational_net : RationalNet, optional
        The network and domain in exact arithmetic (RegionSet.pattern_polytope).
    """

    vertex_form: Any = None
    facet_table: Any = None
    graph: Any = None
    faces: Any = None
    exact_faces: Any = None
    rational_net: Any = None

    def get(self, slot: str, compute: Callable[[], T]) -> T:
        """The value in a slot, computed and kept on first use.

        Parameters
        ----------
        slot : str
            One of the field names.
        compute : callable
            Called without arguments when the slot is empty; its result fills the slot.

        Returns
        -------
        object
            The slot's value.

        Examples
        --------
        >>> from regionkit.measures.cache import MeasureCache
        >>> cache = MeasureCache()
        >>> cache.get("graph", lambda: "computed"), cache.get("graph", lambda: "again")
        ('computed', 'computed')
        """
        value = getattr(self, slot)
        if value is None:
            value = compute()
            setattr(self, slot, value)
        return value
