"""The input side: networks and their activations, domains, tolerances, model loaders."""
