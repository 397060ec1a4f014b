"""The public surface: docstring examples run, public modules declare __all__, public names
carry numpydoc sections.

The package is walked from ``regionkit.__path__``, so these tests check whichever regionkit
is imported: the in-place build (``python -m pytest`` from the checkout) or an installed
package (``pytest``).
"""
import ast
import doctest
import importlib
import inspect
import pkgutil

import pytest

import regionkit

MODULES = ["regionkit"] + sorted(m.name for m in pkgutil.walk_packages(regionkit.__path__,
                                                                        "regionkit."))
PUBLIC_MODULES = [m for m in MODULES if not any(p.startswith("_") for p in m.split("."))]

# Optional extras whose absence skips a module's examples (import names).
EXTRAS = {
    "regionkit.examples": ("sklearn",),
    "regionkit.plot": ("matplotlib",),
    "regionkit.plot.colours": ("matplotlib",),
    "regionkit.plot.counts": ("matplotlib",),
    "regionkit.plot.geometry": ("matplotlib",),
    "regionkit.plot.line": ("matplotlib",),
    "regionkit.plot.mesh3d": ("matplotlib",),
    "regionkit.plot.partition": ("matplotlib",),
    "regionkit.plot.style": ("matplotlib",),
    "regionkit.suite.data": ("sklearn",),
    "regionkit.suite.training": ("sklearn",),
    "regionkit.model.loaders.onnx": ("onnx",),
    "regionkit.model.loaders.sklearn": ("sklearn",),
    "regionkit.model.loaders.torch": ("torch",),
}
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

# Every public module's public names (its __all__, with the public methods of its classes)
# must have numpydoc docstrings.
NUMPYDOC_MODULES = PUBLIC_MODULES
# numpydoc.validate codes enforced: a docstring with a one-line summary ending in a period,
# every parameter documented (and no unknown ones) with a description, and a described
# Returns section wherever the function returns a value.
NUMPYDOC_CHECKS = {"GL08", "SS01", "SS03", "SS06", "PR01", "PR02", "PR07", "RT01", "RT03"}
# Aliases kept for compatibility document only what they stand for.
ALIAS_PREFIX = "Alias of "


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    for extra in EXTRAS.get(name, ()):
        pytest.importorskip(extra)
    module = importlib.import_module(name)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    report: list[str] = []
    for test in sorted(doctest.DocTestFinder().find(module, name), key=lambda t: t.name):
        runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_public_module_declares_all(name):
    module = importlib.import_module(name)
    names = getattr(module, "__all__", None)
    assert isinstance(names, list) and names, f"{name} has no __all__"
    assert len(set(names)) == len(names), f"{name}.__all__ repeats a name"
    missing = [n for n in names if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names {missing}, which the module lacks"


def _documented(module_name):
    """Import paths of the functions and classes a module exports, with their public
    methods and properties (overrides without a docstring inherit their base's)."""
    module = importlib.import_module(module_name)
    for name in module.__all__:
        obj = getattr(module, name)
        if not (inspect.isfunction(obj) or inspect.isclass(obj)) \
                or obj.__module__ != module_name:
            continue  # constants, re-exports (checked where they are defined)
        yield f"{module_name}.{name}"
        if inspect.isclass(obj):
            for attr, value in vars(obj).items():
                if attr.startswith("_"):
                    continue
                if isinstance(value, (staticmethod, classmethod)):
                    value = value.__func__
                if not (inspect.isfunction(value) or isinstance(value, property)):
                    continue
                if value.__doc__ is None and any(getattr(getattr(base, attr, None), "__doc__",
                                                         None) for base in obj.__mro__[1:]):
                    continue  # an override without a docstring inherits its base's
                yield f"{module_name}.{name}.{attr}"


def _private_only(code, msg):
    """A PR01 error that names only private parameters (underscored dataclass fields such
    as caches, which callers never pass)."""
    if code != "PR01" or "{" not in msg:
        return False
    names = ast.literal_eval(msg[msg.index("{"):msg.rindex("}") + 1])
    return all(n.lstrip("*").startswith("_") for n in names)


def _numpydoc_errors(path):
    validate = pytest.importorskip("numpydoc.validate")
    result = validate.validate(path)
    if (result["docstring"] or "").lstrip().startswith(ALIAS_PREFIX):
        return []
    return [f"{path}: {code} {msg}" for code, msg in result["errors"]
            if code in NUMPYDOC_CHECKS and not _private_only(code, msg)]


@pytest.mark.parametrize("name", NUMPYDOC_MODULES)
def test_numpydoc_sections(name):
    errors = [e for path in _documented(name) for e in _numpydoc_errors(path)]
    assert not errors, "\n".join(errors)


def test_top_level_names_have_numpydoc_sections():
    """regionkit.__all__: the names defined in NUMPYDOC_MODULES."""
    errors = []
    for name in regionkit.__all__:
        obj = getattr(regionkit, name)
        if (inspect.isfunction(obj) or inspect.isclass(obj)) \
                and obj.__module__ in NUMPYDOC_MODULES:
            errors += _numpydoc_errors(f"{obj.__module__}.{obj.__qualname__}")
    assert not errors, "\n".join(errors)
