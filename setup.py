"""Only the extension list; all metadata lives in pyproject.toml."""
import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

CORE_SOURCES = [
    "regionkit/core/_core.pyx",
    "csrc/lp.cpp",
    "csrc/layer.cpp",
    "csrc/split1d.cpp",
    "csrc/split2d.cpp",
    "csrc/splitnd.cpp",
    "csrc/splitvert.cpp",
    "csrc/facelattice.cpp",
    "csrc/measure.cpp",
    "csrc/simplevolume.cpp",
    "csrc/signs.cpp",
    "csrc/facedist.cpp",
]

extensions = [
    Extension(
        "regionkit.core._core",
        sources=CORE_SOURCES,
        include_dirs=["csrc", numpy.get_include()],
        language="c++",
        extra_compile_args=["-std=c++17", "-O3", "-pthread"],
        extra_link_args=["-pthread"],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    )
]

setup(ext_modules=cythonize(extensions, language_level=3))
