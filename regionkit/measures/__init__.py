"""Measures of an enumerated region complex: graph, volumes, faces, signs, distances."""
