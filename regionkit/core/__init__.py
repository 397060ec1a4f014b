"""The compiled core (regionkit.core._core) and the frontier geometries it splits."""
from regionkit.core.frontier import Frontier
from regionkit.core.patternindex import PatternIndex

__all__ = ["Frontier", "PatternIndex"]
