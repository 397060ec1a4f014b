"""regionkit: exact linear regions of piecewise-linear neural networks.

Build or load a Network, pick a Domain, enumerate its activation regions into a RegionSet,
then measure them (graph, linear regions, volumes, faces, distances, Betti numbers, bounds).

Examples
--------
Three ReLU units x > 0, y > 0 and x - y + 0.5 > 0 cut the open square into 7 activation
regions; the third unit does not reach the output, so they merge into 4 linear regions.

>>> import regionkit as rk
>>> net = rk.Network.from_arrays([[[1, 0], [0, 1], [1, -1]], [[1, 1, 0]]],
...                              [[0, 0, 0.5], [0]])
>>> rs = rk.enumerate_regions(net, rk.Box(-1, 1, dim=2))
>>> rs.n_regions, rs.n_linear_regions
(7, 4)
>>> rs.distance_to_complex_boundary([[-0.5, 0.5]], kind="linear")
array([0.5])
>>> rk.distance_to_region_boundary(net, [[-0.5, 0.5]]).round(4)
array([0.3536])
"""
from regionkit import bounds, constructions, plot, trajectory
from regionkit.errors import (
    DomainError,
    IncompleteError,
    Interrupted,
    NetworkError,
    NetworkFileError,
    PointsError,
    RegionkitError,
    SolverError,
)
from regionkit.measures.boundary import distance_to_complex_boundary
from regionkit.measures.distance import (
    distance_to_boundary,
    distance_to_region_boundary,
    jacobian,
)
from regionkit.model import activations
from regionkit.model.activations import Maxout, PiecewiseLinear
from regionkit.model.domains import Box, Domain, Plane, Polytope, Segment, Slice
from regionkit.model.network import Network, load_network
from regionkit.model.tolerance import Tolerance
from regionkit.regions.engine import enumerate_regions
from regionkit.regions.regionset import RegionSet
from regionkit.topology.betti import Betti, betti_numbers, class_betti_numbers
from regionkit.topology.decision import DecisionRegions, decision_boundary_volume, decision_regions

__version__ = "0.1.0"

__all__ = [
    "Betti",
    "Box",
    "DecisionRegions",
    "Domain",
    "DomainError",
    "IncompleteError",
    "Interrupted",
    "Maxout",
    "Network",
    "NetworkError",
    "NetworkFileError",
    "PiecewiseLinear",
    "Plane",
    "PointsError",
    "Polytope",
    "RegionSet",
    "RegionkitError",
    "Segment",
    "Slice",
    "SolverError",
    "Tolerance",
    "__version__",
    "activations",
    "betti_numbers",
    "bounds",
    "class_betti_numbers",
    "constructions",
    "decision_boundary_volume",
    "decision_regions",
    "distance_to_boundary",
    "distance_to_complex_boundary",
    "distance_to_region_boundary",
    "enumerate_regions",
    "jacobian",
    "load_network",
    "plot",
    "trajectory",
]
