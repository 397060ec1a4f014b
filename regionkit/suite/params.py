"""Parameter tables of network kinds, domain kinds and measures: defaults and type checks.

Suite files are checked when they are read, so a misspelt parameter fails before any job
runs; the defaults are filled in so that every parameter shows in the results table and in
the job id.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from regionkit.errors import SuiteError


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
    type: str
    default: Any = REQUIRED
    doc: str = ""


@dataclass(frozen=True)
class Kind:
    """A named kind (of network, domain or measure) with its parameters and its function."""

    name: str
    fn: Callable[..., Any]
    params: dict[str, Param] = field(default_factory=dict)
    doc: str = ""
    form: str = ""                     # domains: "region", "paths" or "points"
    forms: tuple[str, ...] = ()        # measures: the domain forms they accept

    def check(self, values: dict[str, Any], where: str) -> dict[str, Any]:
        """Values with defaults filled in, or a SuiteError naming the bad parameter."""
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
    """A dict of kinds, its registering decorator and its lookup with a helpful error."""
    table: dict[str, Kind] = {}

    def register(name: str, params: dict[str, Param] | None = None, doc: str = "",
                 **extra: Any) -> Callable:
        def deco(fn: Callable) -> Callable:
            table[name] = Kind(name, fn, dict(params or {}), doc, **extra)
            return fn
        return deco

    def get(name: Any) -> Kind:
        if name not in table:
            raise SuiteError(f"unknown {what} {name!r}; known: {', '.join(sorted(table))}")
        return table[name]

    return table, register, get
