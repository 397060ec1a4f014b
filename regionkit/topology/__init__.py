"""Topology of decision regions: the cell complex, its homology, Betti numbers."""
