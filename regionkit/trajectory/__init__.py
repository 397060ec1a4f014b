"""Exact trajectories through a network: segments, lines, polylines, arcs, great circles.

Raghu et al. measure expressivity along a one-dimensional path x(t): the pieces it is cut
into, its distinct activation patterns, neuron transitions and the length of its image at
every layer; Hanin & Rolnick count the pieces of whole lines through MNIST space. Both
sampled or split slowly. Here every number is exact:

* segments, whole lines and polylines are affine slices, cut by the engine's 1-D core
  (``enumerate_regions`` on a ``Slice``; regionkit.trajectory.affine);
* arcs, circles and weight sweeps are cut at closed-form crossings with the engine's
  algebra and tolerance rule (regionkit.trajectory.arcs);
* pieces, patterns, transitions and unit states follow from the pattern bits
  (regionkit.trajectory.counts); image lengths from the per-piece affine maps.

Modules: ``results`` (result classes), ``paths`` (single paths), ``tables`` (many paths,
one row each), ``dichotomies``; ``activations`` is the one place that reads how a layer's
activation acts.
"""
from regionkit.trajectory.affine import LINE_DOUBLINGS
from regionkit.trajectory.arcs import ELLIPE_ERR
from regionkit.trajectory.dichotomies import dichotomies
from regionkit.trajectory.paths import arc, circle, line, polyline, segment
from regionkit.trajectory.results import LENGTH_RTOL, Dichotomies, Lengths, Trajectory, Transitions
from regionkit.trajectory.tables import BATCH_PIECES, KINDS, random_lines, table

__all__ = ["segment", "line", "polyline", "arc", "circle", "table", "random_lines",
           "dichotomies", "KINDS", "Trajectory", "Transitions", "Lengths", "Dichotomies",
           "LENGTH_RTOL", "ELLIPE_ERR", "BATCH_PIECES", "LINE_DOUBLINGS"]
