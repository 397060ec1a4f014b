"""Child Python processes that import the regionkit these tests import.

Run from a checkout with an in-place build, the tests import the checkout; run as CI does
(`pytest` against the installed package), they import site-packages, and a child started in
the checkout would import the unbuilt source tree instead. Children therefore start in a
neutral directory with the imported package's parent first on PYTHONPATH.
"""
import os
import tempfile

import regionkit

PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(regionkit.__file__)))
NEUTRAL_CWD = tempfile.gettempdir()


def child_env(**extra: str) -> dict:
    """os.environ with PYTHONPATH leading to the imported regionkit, plus `extra`."""
    path = PACKAGE_PARENT + os.pathsep + os.environ.get("PYTHONPATH", "")
    return dict(os.environ, PYTHONPATH=path, **extra)
