"""Only the extension list; all metadata lives in pyproject.toml.

REGIONKIT_SANITIZE=thread builds the core with ThreadSanitizer (CI's race check, see .ci/run).
"""
import glob
import os

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

CORE_SOURCES = [
    "regionkit/core/_core.pyx",
    "csrc/lp.cpp",
    "csrc/layer.cpp",
    "csrc/screen.cpp",
    "csrc/split1d.cpp",
    "csrc/split2d.cpp",
    "csrc/splitnd.cpp",
    "csrc/splitvert.cpp",
    "csrc/facelattice.cpp",
    "csrc/measure.cpp",
    "csrc/simplevolume.cpp",
    "csrc/signs.cpp",
    "csrc/facedist.cpp",
    "csrc/certfilter.cpp",
]

SANITIZE = os.environ.get("REGIONKIT_SANITIZE")
SANITIZE_FLAGS = [f"-fsanitize={SANITIZE}", "-g", "-O1"] if SANITIZE else []

extensions = [
    Extension(
        "regionkit.core._core",
        sources=CORE_SOURCES,
        depends=sorted(glob.glob("csrc/*.hpp")),  # a changed header rebuilds the core
        include_dirs=["csrc", numpy.get_include()],
        language="c++",
        extra_compile_args=["-std=c++17", "-O3", "-ffp-contract=off", "-pthread"] + SANITIZE_FLAGS,
        extra_link_args=["-pthread"] + SANITIZE_FLAGS[:1],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    )
]

setup(ext_modules=cythonize(extensions, language_level=3))
