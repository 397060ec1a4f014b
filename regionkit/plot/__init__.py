"""Pictures of RegionSets (matplotlib, the "plot" extra): figures for a paper.

Each function draws into the Axes it is given (or a new figure) and returns the Axes, with
every drawn element tagged by a gid so its content can be checked: "regions" (one
PolyCollection, one polygon per activation region), "boundaries" (linear-region
boundaries), "output" (the exact output, Gouraud-shaded), "classes" (class pieces),
"decision-boundary", "points", "anchors" and "anchor-labels", "graph" and "breakpoints",
"counts" and "counts-band", "facets" (3-D).

The modules: ``style`` (pyplot, paper_style), ``colours`` (palettes, neighbour-distinct
colouring), ``geometry`` (exact polygons, class pieces and boundaries), ``partition`` (2-D
partitions), ``line`` (1-D graphs), ``counts`` (region counts), ``mesh3d`` (3-D
partitions). Every public name is re-exported here, and ``to_html`` of ``html`` (the
interactive viewer, plotly).
"""
from __future__ import annotations

from regionkit.plot.colours import (
                                    CLASS_COLOURS,
                                    CLASS_TINT,
                                    EDGE_COLOR,
                                    MARKERS,
                                    PALETTE,
                                    QUALITATIVE_MAX,
                                    SAMPLED_COLOURS,
                                    class_colours,
                                    colour_classes,
                                    region_colours,
)
from regionkit.plot.counts import count_bands, plot_counts, plot_layer_counts
from regionkit.plot.geometry import (
                                    GEOMETRY_RTOL,
                                    class_boundaries,
                                    class_functions,
                                    class_pieces,
                                    clip_halfplane,
                                    domain_coordinates,
                                    linear_boundaries,
                                    polygon_area,
                                    region_polygons,
)
from regionkit.plot.html import to_html
from regionkit.plot.line import line_graph, plot_line
from regionkit.plot.mesh3d import boundary_facets, plot_partition_3d
from regionkit.plot.partition import COLOR_BY, draw_anchors, plot_partition, plot_partition_pair
from regionkit.plot.style import (
                                    ANCHOR_NAMES,
                                    OKABE_ITO,
                                    PAPER_RC,
                                    RASTER_THRESHOLD,
                                    paper_style,
                                    pyplot,
)

__all__ = ["ANCHOR_NAMES", "CLASS_COLOURS", "CLASS_TINT", "COLOR_BY", "EDGE_COLOR",
           "GEOMETRY_RTOL", "MARKERS", "OKABE_ITO", "PALETTE", "PAPER_RC", "QUALITATIVE_MAX",
           "RASTER_THRESHOLD", "SAMPLED_COLOURS", "boundary_facets", "class_boundaries",
           "class_colours", "class_functions", "class_pieces", "clip_halfplane",
           "colour_classes", "count_bands", "domain_coordinates", "draw_anchors",
           "line_graph", "linear_boundaries", "paper_style", "plot_counts",
           "plot_layer_counts", "plot_line", "plot_partition", "plot_partition_3d",
           "plot_partition_pair", "polygon_area", "pyplot", "region_colours",
           "region_polygons", "to_html"]
