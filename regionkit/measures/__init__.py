"""Measures of an enumerated region complex: graph, volumes, faces, signs, distances.

The function ``faces`` is not re-exported here: the name would hide the submodule
regionkit.measures.faces; import it from there.
"""
from regionkit.measures.boundary import distance_to_complex_boundary
from regionkit.measures.cache import MeasureCache
from regionkit.measures.distance import distance_to_region_boundary, jacobian
from regionkit.measures.faces import FaceListing, Faces, face_listing
from regionkit.measures.facets import FacetTable, facet_table
from regionkit.measures.graph import Adjacency, adjacency
from regionkit.measures.signs import domain_signs, region_signs
from regionkit.measures.vertexform import VertexForm, vertex_form

__all__ = [
    "Adjacency",
    "FaceListing",
    "FacetTable",
    "Faces",
    "MeasureCache",
    "VertexForm",
    "adjacency",
    "distance_to_complex_boundary",
    "distance_to_region_boundary",
    "domain_signs",
    "face_listing",
    "facet_table",
    "jacobian",
    "region_signs",
    "vertex_form",
]
