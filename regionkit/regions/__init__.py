"""Enumeration: the engine that splits a domain layer by layer, and RegionSet, its result."""
