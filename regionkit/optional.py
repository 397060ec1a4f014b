"""Optional dependencies (torch, scikit-learn, onnx, ...), imported when a feature needs them."""
from __future__ import annotations

import importlib
from types import ModuleType

from regionkit.errors import MissingExtraError


def require(module: str, extra: str, feature: str) -> ModuleType:
    """Import `module`, or say which regionkit extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        msg = (f"{feature} needs the optional package {module.split('.')[0]!r} ({exc}); "
               f"install it with: pip install \"regionkit[{extra}]\"")
        raise MissingExtraError(msg) from None
