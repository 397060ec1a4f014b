"""Optional dependencies (torch, scikit-learn, onnx, ...), imported when a feature needs them."""
from __future__ import annotations

import importlib
from types import ModuleType

from regionkit.errors import MissingExtraError

__all__ = ["require"]


def require(module: str, extra: str, feature: str) -> ModuleType:
    """Import an optional dependency, or say which regionkit extra installs it.

    Parameters
    ----------
    module : str
        Dotted name of the module to import, e.g. "matplotlib.pyplot".
    extra : str
        The regionkit extra that installs it (pip install "regionkit[extra]").
    feature : str
        What needs it, for the error message.

    Returns
    -------
    types.ModuleType
        The imported module.

    Raises
    ------
    MissingExtraError
        If the module cannot be imported; the message names the extra to install.

    Examples
    --------
    >>> from regionkit.optional import require
    >>> require("json", "none", "this example").__name__
    'json'
    >>> require("no_such_module", "plot", "drawing")
    Traceback (most recent call last):
    ...
    regionkit.errors.MissingExtraError: drawing needs the optional package 'no_such_module' ...
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        msg = (f"{feature} needs the optional package {module.split('.')[0]!r} ({exc}); "
               f"install it with: pip install \"regionkit[{extra}]\"")
        raise MissingExtraError(msg) from None
