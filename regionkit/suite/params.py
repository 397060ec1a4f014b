"""Parameter tables of network kinds, domain kinds and measures: defaults and type checks.

Suite files are checked when they are read, so a misspelt parameter fails before any job
runs; the defaults are filled in so that every parameter shows in the results table and in
the job id.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from regionkit.errors import SuiteError

__all__ = ["REQUIRED", "TYPES", "Kind", "Param", "registry"]


class _Required:
    def __repr__(self) -> str:
        return "required"


REQUIRED = _Required()

# Expected type by name; "number" accepts ints and floats, "list" any TOML array.
TYPES: dict[str, Callable[[Any], bool]] = {
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "str": lambda v: isinstance(v, str),
    "bool": lambda v: isinstance(v, bool),
    "list": lambda v: isinstance(v, list),
    "table": lambda v: isinstance(v, dict),
    "number_or_list": lambda v: isinstance(v, (int, float, list)) and not isinstance(v, bool),
}


@dataclass(frozen=True)
class Param:
    """One parameter of a kind: its type name, default and documentation.

    Parameters
    ----------
    type : str
        A key of TYPES ("int", "number", "str", "bool", "list", "table", "number_or_list").
    default : object, default REQUIRED
        The value when a suite leaves the parameter out; REQUIRED makes it mandatory.
    doc : str, default ""
        One line for the documentation and error messages.
    """

    type: str
    default: Any = REQUIRED
    doc: str = ""


@dataclass(frozen=True)
class Kind:
    """A named kind (of network, domain or measure) with its parameters and its function.

    Parameters
    ----------
    name : str
        The name suites use.
    fn : callable
        Builds the network or domain, or computes the measure.
    params : dict of str to Param
        The parameters fn takes from a suite.
    doc : str, default ""
        One line for the documentation.
    form : str, default ""
        Domain kinds: "region", "paths" or "points".
    forms : tuple of str, default ()
        Measures: the domain forms they accept.
    """

    name: str
    fn: Callable[..., Any]
    params: dict[str, Param] = field(default_factory=dict)
    doc: str = ""
    form: str = ""                     # domains: "region", "paths" or "points"
    forms: tuple[str, ...] = ()        # measures: the domain forms they accept

    def check(self, values: dict[str, Any], where: str) -> dict[str, Any]:
        """Check a suite's values for this kind and fill in the defaults.

        Parameters
        ----------
        values : dict
            Parameter name to value, as the suite gives them.
        where : str
            Where they come from, for error messages (e.g. "[[networks]] entry 'a'").

        Returns
        -------
        dict
            Every parameter with its value; "number" parameters as floats.

        Raises
        ------
        SuiteError
            If a parameter is unknown, missing or of the wrong type.

        Examples
        --------
        >>> from regionkit.suite.params import Kind, Param
        >>> kind = Kind("demo", print, {"n": Param("int"), "scale": Param("number", 1.0)})
        >>> kind.check({"n": 3}, "example")
        {'n': 3, 'scale': 1.0}
        >>> kind.check({"n": 3, "size": 2}, "example")
        Traceback (most recent call last):
        ...
        regionkit.errors.SuiteError: example: demo takes no parameter ['size']; parameters: ...
        """
        extra = set(values) - set(self.params)
        if extra:
            raise SuiteError(f"{where}: {self.name} takes no parameter {sorted(extra)}; "
                             f"parameters: {sorted(self.params) or 'none'}")
        out = {}
        for key, p in self.params.items():
            if key not in values:
                if p.default is REQUIRED:
                    raise SuiteError(f"{where}: {self.name} needs the parameter {key!r} "
                                     f"({p.doc or p.type})")
                out[key] = p.default
                continue
            v = values[key]
            if not TYPES[p.type](v) and not (v is None and p.default is None):
                raise SuiteError(f"{where}: {self.name} parameter {key!r} must be "
                                 f"{p.type.replace('_', ' ')}, got {v!r}")
            out[key] = float(v) if p.type == "number" else v
        return out


def registry(what: str) -> tuple[dict[str, Kind], Callable[..., Callable], Callable[[str], Kind]]:
    """A table of kinds, the decorator that registers one, and a lookup with a helpful error.

    Parameters
    ----------
    what : str
        What the kinds are, for error messages (e.g. "network kind").

    Returns
    -------
    table : dict of str to Kind
        The registered kinds by name.
    register : callable
        ``register(name, params=None, doc="", **extra)`` returns a decorator that
        registers the decorated function as Kind(name, fn, params, doc, **extra).
    get : callable
        ``get(name)`` returns the Kind, or raises SuiteError listing the known names.

    Examples
    --------
    >>> from regionkit.suite.params import Param, registry
    >>> KINDS, register, get = registry("shape")
    >>> @register("square", {"side": Param("number")}, doc="a square")
    ... def square(side):
    ...     return side * side
    >>> get("square").fn(**get("square").check({"side": 3}, "example"))
    9.0
    >>> get("circle")
    Traceback (most recent call last):
    ...
    regionkit.errors.SuiteError: unknown shape 'circle'; known: square
    """
    table: dict[str, Kind] = {}

    def register(name: str, params: dict[str, Param] | None = None, doc: str = "",
                 **extra: Any) -> Callable:
        """Decorator registering its function as the kind `name` (see registry)."""
        def deco(fn: Callable) -> Callable:
            table[name] = Kind(name, fn, dict(params or {}), doc, **extra)
            return fn
        return deco

    def get(name: Any) -> Kind:
        """The kind called `name`, or a SuiteError listing the known ones."""
        if name not in table:
            raise SuiteError(f"unknown {what} {name!r}; known: {', '.join(sorted(table))}")
        return table[name]

    return table, register, get
