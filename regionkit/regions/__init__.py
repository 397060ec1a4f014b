"""Enumeration: the engine that splits a domain layer by layer, and RegionSet, its result."""
from regionkit.regions.engine import enumerate_regions
from regionkit.regions.regionset import RegionSet

__all__ = ["RegionSet", "enumerate_regions"]
