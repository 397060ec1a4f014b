"""The input side: networks and their activations, domains, tolerances, model loaders."""
from regionkit.model.domains import Box, Domain, Plane, Polytope, Segment, Slice
from regionkit.model.network import Network, load_network
from regionkit.model.tolerance import Tolerance

__all__ = ["Box", "Domain", "Network", "Plane", "Polytope", "Segment", "Slice", "Tolerance",
           "load_network"]
