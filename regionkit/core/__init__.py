"""The compiled core (regionkit.core._core) and the frontier geometries it splits."""
