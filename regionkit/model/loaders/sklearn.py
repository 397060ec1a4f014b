"""scikit-learn multilayer perceptrons as regionkit networks.

The returned network ends at the last affine layer: its outputs are the logits, before
out_activation_ (softmax over classes, logistic for binary or multilabel targets). Those are
monotone per output, so they refine no region; the predicted class is the largest logit (the
sign of the single logit for a binary classifier: class 1 iff logit > 0).
"""
from __future__ import annotations

from typing import Any

from regionkit.errors import NetworkError, UnsupportedLayerError
from regionkit.model import activations as A
from regionkit.model.loaders import layers as L
from regionkit.optional import require

__all__ = ["sklearn_stack"]


def sklearn_stack(model: Any) -> L.LayerStack:
    """The layers of a fitted MLPClassifier or MLPRegressor with relu or identity units.

    Parameters
    ----------
    model : sklearn.neural_network.MLPClassifier or MLPRegressor
        Fitted, with activation 'relu' or 'identity'.

    Returns
    -------
    LayerStack
        Its layers, up to the logits (before out_activation_).

    Raises
    ------
    MissingExtraError
        If scikit-learn is not installed.
    UnsupportedLayerError
        Another model class, or another activation.
    NetworkError
        An unfitted model, or NaN or infinite weights.
    """
    require("sklearn", "sklearn", "from_sklearn")
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    if not isinstance(model, (MLPClassifier, MLPRegressor)):
        raise UnsupportedLayerError(f"from_sklearn reads MLPClassifier and MLPRegressor, got "
                                    f"{type(model).__name__}")
    if not hasattr(model, "coefs_"):
        raise NetworkError(f"the {type(model).__name__} is not fitted (no coefs_)")
    if model.activation not in ("relu", "identity"):
        raise UnsupportedLayerError(
            f"{type(model).__name__}(activation={model.activation!r}) is not piecewise-linear; "
            "regionkit reads activation='relu' or 'identity'")
    activation = A.relu() if model.activation == "relu" else A.identity()
    stack = L.LayerStack((model.coefs_[0].shape[0],))
    n = len(model.coefs_)
    for i, (coef, intercept) in enumerate(zip(model.coefs_, model.intercepts_)):
        stack.linear(L.finite(coef, f"coefs_[{i}]").T, L.finite(intercept, f"intercepts_[{i}]"))
        if i < n - 1:
            stack.activation(activation)
    return stack
