"""regionkit: exact linear regions of piecewise-linear neural networks."""
from regionkit import bounds, constructions, trajectory
from regionkit.errors import (
                              DomainError,
                              NetworkError,
                              NetworkFileError,
                              PointsError,
                              RegionkitError,
                              SolverError,
)
from regionkit.measures.distance import distance_to_boundary, jacobian
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
    "Box", "Domain", "DomainError", "Maxout", "Network", "NetworkError", "NetworkFileError",
    "PiecewiseLinear", "Plane", "PointsError",
    "Polytope", "RegionSet", "RegionkitError", "Segment", "Slice", "SolverError", "Tolerance",
    "activations", "bounds", "constructions", "trajectory", "distance_to_boundary",
    "enumerate_regions", "jacobian",
    "load_network", "__version__",
    "Betti", "DecisionRegions", "betti_numbers", "class_betti_numbers",
    "decision_boundary_volume", "decision_regions",
]
