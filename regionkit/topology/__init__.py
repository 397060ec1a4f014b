"""Topology of decision regions: the cell complex, its homology, Betti numbers.

The function ``homology`` is not re-exported here: the name would hide the submodule
regionkit.topology.homology; import it from there.
"""
from regionkit.topology.betti import betti_numbers, class_betti_numbers
from regionkit.topology.cells import CellComplex, cell_complex
from regionkit.topology.decision import (
    DecisionRegions,
    decision_boundary_volume,
    decision_regions,
)
from regionkit.topology.homology import Betti

__all__ = ["Betti", "CellComplex", "DecisionRegions", "betti_numbers", "cell_complex",
           "class_betti_numbers", "decision_boundary_volume", "decision_regions"]
