"""Networks from PyTorch, scikit-learn and ONNX models, converted exactly (float64).

Each framework is an optional extra, imported only when its loader runs. Layers that are not
piecewise-linear, or not fixed affine maps at inference, are refused by name.
"""
from regionkit.loaders.onnx import load_onnx
from regionkit.loaders.sklearn import from_sklearn
from regionkit.loaders.torch import from_torch

__all__ = ["from_sklearn", "from_torch", "load_onnx"]
