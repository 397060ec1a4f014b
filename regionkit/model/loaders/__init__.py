"""Layers of PyTorch, scikit-learn and ONNX models, converted exactly (float64).

Each framework is an optional extra, imported only when its loader runs. Layers that are not
piecewise-linear, or not fixed affine maps at inference, are refused by name. The loaders
return a LayerStack; Network.from_torch, Network.from_sklearn, Network.from_onnx and
load_network turn it into a Network.
"""
from regionkit.model.loaders.layers import LayerStack
from regionkit.model.loaders.onnx import onnx_stack
from regionkit.model.loaders.sklearn import sklearn_stack
from regionkit.model.loaders.torch import torch_stack, torchscript_stack

__all__ = ["LayerStack", "onnx_stack", "sklearn_stack", "torch_stack", "torchscript_stack"]
