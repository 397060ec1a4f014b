"""The compiled core (regionkit.core._core) and the frontier geometries it splits."""
import importlib.util as _util

if _util.find_spec("regionkit.core._core") is None:
    # A source checkout imported before its C++ core is built: say how to build it, instead
    # of the circular-import error that importing the missing module would end in.
    raise ImportError(
        "regionkit's compiled core (regionkit.core._core) is not built: this looks like an "
        "unbuilt source tree. Build it with `pip install .` (then run from outside the "
        "checkout, so that the installed package is imported) or, to use the checkout in "
        "place, `python setup.py build_ext --inplace`.")

from regionkit.core.frontier import Frontier  # noqa: E402
from regionkit.core.patternindex import PatternIndex  # noqa: E402

__all__ = ["Frontier", "PatternIndex"]
