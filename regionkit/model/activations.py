"""Activations: one registry of continuous piecewise-linear tables, and maxout.

An elementwise activation is a table (PiecewiseLinear): breakpoints c_1 < ... < c_k, and on
piece i, c_i < z <= c_{i+1} (c_0 = -inf, c_{k+1} = +inf), f(z) = s_i z + o_i. Each unit adds
one pattern bit per breakpoint, bit j set iff z > c_j, so a unit's bits read 1..1 0..0 and the
number of set bits is its piece. The tables must be continuous: at every breakpoint the two
pieces meet (within CONTINUITY_RTOL), which is what makes the network piecewise-linear.
ReLU, leaky ReLU, hard tanh, ReLU6, hard sigmoid, |z|, soft shrink ... are named tables
(NAMED); any other continuous table is written ``PiecewiseLinear(breakpoints=..., slopes=...,
offsets=...)``.

A maxout layer (max pooling included) with k pieces per unit has k rows of W per unit and
outputs the largest; its pattern is one bit per piece, set for the winner (ties go to the
lowest piece, maxout_winners).

Files store every activation as its ``spec`` string ('relu', 'leaky_relu:0.2',
'hard_tanh:-2.0,3.0', 'maxout:3', 'piecewise_linear:breakpoints=...;slopes=...;offsets=...');
parse_activation reads them back exactly. The compiled core reads the same tables
(core_table; csrc/core.hpp).
"""
from __future__ import annotations

import inspect
import math
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache
from typing import Callable, NamedTuple, Union

import numpy as np

from regionkit.errors import NetworkError

__all__ = ["ALIASES", "Activation", "ActivationKind", "CONTINUITY_RTOL", "CUSTOM", "CoreTable",
           "Maxout", "NAMED", "PiecewiseLinear", "absolute", "clipped_leaky_relu", "core_table",
           "hard_sigmoid", "hard_tanh", "identity", "leaky_relu", "maxout_winners",
           "parse_activation", "relu", "relu6", "soft_shrink"]

# Two pieces meet at a breakpoint c when |(s_a c + o_a) - (s_b c + o_b)| is at most this
# times |s_a c| + |o_a| + |s_b c| + |o_b|: a few rounding errors of the sums, no more.
CONTINUITY_RTOL = 1e-12
# Name of a table not built by a named constructor.
CUSTOM = "piecewise_linear"


# An Enum's call signature is its functional API (names, module, ...), not member lookup:
# the Parameters check is waived for that signature.
class ActivationKind(IntEnum):  # numpydoc ignore=PR01
    """How the core treats a layer; mirrored by ActivationKind in csrc/core.hpp.

    Parameters
    ----------
    value : int
        0 (ELEMENTWISE: a table per unit) or 1 (MAXOUT: the largest of k rows per unit).
    """

    ELEMENTWISE = 0
    MAXOUT = 1


Table = tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]]


def _floats(values: object, what: str) -> tuple[float, ...]:
    """A tuple of finite floats, or a NetworkError naming `what`."""
    try:
        out = tuple(float(v) for v in np.asarray(values, dtype=np.float64).reshape(-1))
    except (TypeError, ValueError):
        raise NetworkError(f"{what} must be numbers, got {values!r}") from None
    if not all(math.isfinite(v) for v in out):
        raise NetworkError(f"{what} must be finite, got {out}")
    return out


@dataclass(frozen=True)
class PiecewiseLinear:
    """A continuous piecewise-linear activation, as a table.

    Piece i (0..k) is f(z) = slopes[i] z + offsets[i] on breakpoints[i-1] < z <=
    breakpoints[i]; a unit's pattern bit j is set iff z > breakpoints[j].

    Parameters
    ----------
    breakpoints : sequence of float
        c_1 < ... < c_k, finite, strictly increasing (empty: an affine activation).
    slopes, offsets : sequence of float
        k + 1 each, finite; the pieces must meet at every breakpoint.
    name, params : str, tuple of float
        Set by the named constructors (relu(), hard_tanh(-2, 3), ...) so that the spec
        names them; a custom table keeps the defaults.

    Raises
    ------
    NetworkError
        Wrong lengths, NaN or infinite values, breakpoints not strictly increasing, pieces
        that do not meet at a breakpoint, or a name whose table differs.

    Examples
    --------
    >>> f = PiecewiseLinear(breakpoints=[0.0, 1.0], slopes=[0.5, 2.0, 0.0],
    ...                     offsets=[0.0, 0.0, 2.0])
    >>> f(np.array([-2.0, 0.5, 3.0])).tolist()
    [-1.0, 1.0, 2.0]
    """

    breakpoints: tuple[float, ...]
    slopes: tuple[float, ...]
    offsets: tuple[float, ...]
    name: str = CUSTOM
    params: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        label = self.name if self.name == CUSTOM else f"{self.name} table"
        c = _floats(self.breakpoints, f"{label} breakpoints")
        s = _floats(self.slopes, f"{label} slopes")
        o = _floats(self.offsets, f"{label} offsets")
        params = _floats(self.params, f"{self.name} parameters")
        for key, value in (("breakpoints", c), ("slopes", s), ("offsets", o),
                           ("params", params)):
            object.__setattr__(self, key, value)
        if len(s) != len(c) + 1 or len(o) != len(c) + 1:
            raise NetworkError(f"{label}: {len(c)} breakpoints need {len(c) + 1} slopes and "
                               f"offsets, got {len(s)} slopes and {len(o)} offsets")
        for i in range(1, len(c)):
            if not c[i - 1] < c[i]:
                raise NetworkError(f"{label}: breakpoints must be strictly increasing, got "
                                   f"{c[i - 1]!r} then {c[i]!r}")
        for i, ci in enumerate(c):
            left, right = s[i] * ci + o[i], s[i + 1] * ci + o[i + 1]
            size = abs(s[i] * ci) + abs(o[i]) + abs(s[i + 1] * ci) + abs(o[i + 1])
            if abs(left - right) > CONTINUITY_RTOL * size:
                raise NetworkError(
                    f"{label} is discontinuous at breakpoint {ci!r}: the piece below gives "
                    f"{left!r}, the piece above {right!r}")
        if self.name == CUSTOM:
            if params:
                raise NetworkError(f"a custom {CUSTOM} table takes no params, got {params}")
        elif self.name not in _TABLES:
            raise NetworkError(f"unknown activation name {self.name!r}; registered: "
                               f"{', '.join(_TABLES)} (or {CUSTOM!r} for a custom table)")
        elif (c, s, o) != _table(self.name, params):
            raise NetworkError(f"the table given does not match {self.name}{params}; leave "
                               f"name unset for a custom table")

    # --- the registry's common interface -------------------------------------------------
    @property
    def kind(self) -> ActivationKind:
        """ActivationKind.ELEMENTWISE: the table applies to every unit on its own."""
        return ActivationKind.ELEMENTWISE

    @property
    def bits_per_unit(self) -> int:
        """Pattern bits (hyperplanes) per unit: one per breakpoint."""
        return len(self.breakpoints)

    @property
    def rows_per_unit(self) -> int:
        """Rows of W per unit: one."""
        return 1

    @property
    def spec(self) -> str:
        """The string files store, which parse_activation reads back exactly.

        'relu', 'leaky_relu:0.2', 'hard_tanh:-2.0,3.0', or for a custom table
        'piecewise_linear:breakpoints=...;slopes=...;offsets=...' (repr floats).
        """
        if self.name == CUSTOM:
            parts = (f"{key}={','.join(repr(v) for v in getattr(self, key))}"
                     for key in ("breakpoints", "slopes", "offsets"))
            return f"{CUSTOM}:{';'.join(parts)}"
        if not self.params or self.params == _defaults(self.name):
            return self.name
        return f"{self.name}:{','.join(repr(p) for p in self.params)}"

    @property
    def is_identity(self) -> bool:
        """f(z) = z: no breakpoints, slope 1, offset 0."""
        return not self.breakpoints and self.slopes == (1.0,) and self.offsets == (0.0,)

    @property
    def thresholds(self) -> tuple[float, ...]:
        """The values of z where the unit's pattern changes: its breakpoints."""
        return self.breakpoints

    def piece(self, z: np.ndarray) -> np.ndarray:
        """Piece index of every entry of z: the number of breakpoints below it.

        Parameters
        ----------
        z : numpy.ndarray
            Pre-activations, any shape.

        Returns
        -------
        numpy.ndarray of int
            Same shape as z; at a breakpoint, the piece below.
        """
        return np.searchsorted(np.asarray(self.breakpoints), z, side="left")

    def __call__(self, z: np.ndarray) -> np.ndarray:
        """f(z), entry by entry."""
        if self.is_identity:
            return z
        i = self.piece(z)
        return np.asarray(self.slopes)[i] * z + np.asarray(self.offsets)[i]

    def slope_at(self, z: np.ndarray) -> np.ndarray:
        """Local slope at every entry of z.

        Parameters
        ----------
        z : numpy.ndarray
            Pre-activations, any shape.

        Returns
        -------
        numpy.ndarray
            Same shape as z; at a breakpoint, the slope of the piece below.
        """
        return np.asarray(self.slopes)[self.piece(z)]

    def pattern(self, z: np.ndarray) -> np.ndarray:
        """Pattern bits of a layer's pre-activations.

        Parameters
        ----------
        z : numpy.ndarray, shape (n, units)
            Pre-activations of n inputs.

        Returns
        -------
        numpy.ndarray of bool, shape (n, units * k)
            With k breakpoints, unit u's bits are at u*k .. u*k+k-1, bit j set iff
            z_u > breakpoints[j].
        """
        z = np.asarray(z)
        return (z[:, :, None] > np.asarray(self.breakpoints)).reshape(z.shape[0], -1)


@dataclass(frozen=True)
class Maxout:
    """A maxout layer: each unit outputs the largest of its `pieces` consecutive rows of W.

    Max pooling is one (its rows select the pooled entries). One pattern bit per piece, set
    for the winner; ties go to the lowest piece.

    Parameters
    ----------
    pieces : int
        Rows of W per unit, >= 1.

    Raises
    ------
    NetworkError
        pieces is not an integer >= 1.

    Examples
    --------
    >>> z = np.array([[1.0, 3.0, 5.0, 4.0]])  # two units of two pieces
    >>> Maxout(2)(z).tolist(), Maxout(2).pattern(z).tolist()
    ([[3.0, 5.0]], [[False, True, True, False]])
    """

    pieces: int
    name = "maxout"  # a class attribute, not a field

    def __post_init__(self) -> None:
        k = self.pieces
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise NetworkError(f"maxout needs its number of pieces, an integer >= 1, got {k!r}")
        object.__setattr__(self, "pieces", int(k))

    @property
    def kind(self) -> ActivationKind:
        """ActivationKind.MAXOUT: each unit takes the largest of its rows."""
        return ActivationKind.MAXOUT

    @property
    def bits_per_unit(self) -> int:
        """One bit per piece."""
        return self.pieces

    @property
    def rows_per_unit(self) -> int:
        """One row of W per piece."""
        return self.pieces

    @property
    def spec(self) -> str:
        """The string files store: 'maxout:k'."""
        return f"maxout:{self.pieces}"

    @property
    def is_identity(self) -> bool:
        """False: a maxout layer is never the identity."""
        return False

    def __call__(self, z: np.ndarray) -> np.ndarray:
        """The largest piece of every unit: (n, units * k) -> (n, units)."""
        return z.reshape(z.shape[0], -1, self.pieces).max(axis=2)

    def pattern(self, z: np.ndarray) -> np.ndarray:
        """Pattern bits of a layer's pieces.

        Parameters
        ----------
        z : numpy.ndarray, shape (n, units * k)
            The pieces of n inputs, unit u's at columns u*k .. u*k+k-1.

        Returns
        -------
        numpy.ndarray of bool, shape (n, units * k)
            Set for each unit's winning piece (see maxout_winners).
        """
        onehot = np.zeros(z.shape, dtype=bool)
        np.put_along_axis(onehot, maxout_winners(z, self.pieces), True, axis=1)
        return onehot


Activation = Union[PiecewiseLinear, Maxout]


def maxout_winners(z: np.ndarray, k: int) -> np.ndarray:
    """The winning row of every maxout unit; ties go to the lowest piece index.

    Parameters
    ----------
    z : ndarray (n, U k)
        A maxout layer's pieces, unit u's at columns u k .. u k + k - 1.
    k : int
        Pieces per unit.

    Returns
    -------
    ndarray (n, U)
        The column of z that wins in each unit.
    """
    return np.argmax(z.reshape(z.shape[0], -1, k), axis=2) + k * np.arange(z.shape[1] // k)


# --- named tables ------------------------------------------------------------------------------

def _leaky_table(a: float = 0.01) -> Table:
    if a == 1.0:
        raise NetworkError("leaky_relu slope must be != 1 (slope 1 is the identity)")
    return (0.0,), (a, 1.0), (0.0, 0.0)


def _hard_tanh_table(lo: float = -1.0, hi: float = 1.0) -> Table:
    if not lo < hi:
        raise NetworkError(f"hard_tanh needs lo < hi, got lo={lo!r}, hi={hi!r}")
    return (lo, hi), (0.0, 1.0, 0.0), (lo, 0.0, hi)


def _clipped_leaky_table(a: float = 0.01, cap: float = 6.0) -> Table:
    if not cap > 0:
        raise NetworkError(f"clipped_leaky_relu needs cap > 0, got {cap!r}")
    return (0.0, cap), (a, 1.0, 0.0), (0.0, 0.0, cap)


def _soft_shrink_table(lam: float = 0.5) -> Table:
    if not lam > 0:
        raise NetworkError(f"soft_shrink needs lambda > 0, got {lam!r}")
    return (-lam, lam), (1.0, 0.0, 1.0), (lam, 0.0, -lam)


# Name -> table builder; every builder's defaults are those of the named constructor.
_TABLES: dict[str, Callable[..., Table]] = {
    "identity": lambda: ((), (1.0,), (0.0,)),
    "relu": lambda: ((0.0,), (0.0, 1.0), (0.0, 0.0)),
    "leaky_relu": _leaky_table,
    "hard_tanh": _hard_tanh_table,
    "relu6": lambda: ((0.0, 6.0), (0.0, 1.0, 0.0), (0.0, 0.0, 6.0)),
    "hard_sigmoid": lambda: ((-3.0, 3.0), (0.0, 1.0 / 6.0, 0.0), (0.0, 0.5, 1.0)),
    "clipped_leaky_relu": _clipped_leaky_table,
    "absolute": lambda: ((0.0,), (-1.0, 1.0), (0.0, 0.0)),
    "soft_shrink": _soft_shrink_table,
}


def _defaults(name: str) -> tuple[float, ...]:
    return tuple(float(p.default) for p in inspect.signature(_TABLES[name]).parameters.values())


def _table(name: str, params: tuple[float, ...]) -> Table:
    """The table of a named activation with the given parameters (NetworkError if wrong)."""
    builder = _TABLES[name]
    names = list(inspect.signature(builder).parameters)
    if len(params) > len(names):
        raise NetworkError(f"{name} takes {len(names)} parameter(s) ({', '.join(names)}), got "
                           f"{len(params)}: {params}")
    c, s, o = builder(*params)
    return tuple(map(float, c)), tuple(map(float, s)), tuple(map(float, o))


def _named(name: str, *params: float) -> PiecewiseLinear:
    values = _floats(params, f"{name} parameters")
    full = values + _defaults(name)[len(values):]
    return PiecewiseLinear(*_table(name, full), name=name, params=full)


def identity() -> PiecewiseLinear:
    """f(z) = z: no pattern bits.

    Returns
    -------
    PiecewiseLinear
        The table with no breakpoints, slope 1 and offset 0.
    """
    return _named("identity")


def relu() -> PiecewiseLinear:
    """max(z, 0); one bit, z > 0.

    Returns
    -------
    PiecewiseLinear
        Breakpoint 0, slopes (0, 1), offsets (0, 0).

    Examples
    --------
    >>> f = relu()
    >>> f.spec, f.bits_per_unit, f(np.array([-2.0, 3.0])).tolist()
    ('relu', 1, [0.0, 3.0])
    """
    return _named("relu")


def leaky_relu(a: float = 0.01) -> PiecewiseLinear:
    """z for z > 0, a z below; one bit, z > 0.

    Parameters
    ----------
    a : float
        Slope below 0, finite and != 1 (slope 1 is the identity).

    Returns
    -------
    PiecewiseLinear
        Breakpoint 0, slopes (a, 1), offsets (0, 0).

    Raises
    ------
    NetworkError
        a is not finite or equals 1.
    """
    return _named("leaky_relu", a)


def hard_tanh(lo: float = -1.0, hi: float = 1.0) -> PiecewiseLinear:
    """min(max(z, lo), hi); two bits, z > lo and z > hi.

    Parameters
    ----------
    lo, hi : float
        The clip range, finite, lo < hi.

    Returns
    -------
    PiecewiseLinear
        Breakpoints (lo, hi), slopes (0, 1, 0), offsets (lo, 0, hi).

    Raises
    ------
    NetworkError
        lo >= hi or a bound is not finite.

    Examples
    --------
    >>> hard_tanh(-2, 3)(np.array([-5.0, 0.5, 5.0])).tolist()
    [-2.0, 0.5, 3.0]
    """
    return _named("hard_tanh", lo, hi)


def relu6() -> PiecewiseLinear:
    """min(max(z, 0), 6); two bits, z > 0 and z > 6.

    Returns
    -------
    PiecewiseLinear
        Breakpoints (0, 6), slopes (0, 1, 0), offsets (0, 0, 6).
    """
    return _named("relu6")


def hard_sigmoid() -> PiecewiseLinear:
    """torch's Hardsigmoid, relu6(z + 3) / 6; two bits, z > -3 and z > 3.

    Returns
    -------
    PiecewiseLinear
        Breakpoints (-3, 3), slopes (0, 1/6, 0), offsets (0, 1/2, 1).
    """
    return _named("hard_sigmoid")


def clipped_leaky_relu(a: float = 0.01, cap: float = 6.0) -> PiecewiseLinear:
    """a z below 0, z on (0, cap], cap above; two bits, z > 0 and z > cap.

    Parameters
    ----------
    a : float
        Slope below 0, finite.
    cap : float
        The output's upper bound, finite, > 0.

    Returns
    -------
    PiecewiseLinear
        Breakpoints (0, cap), slopes (a, 1, 0), offsets (0, 0, cap).

    Raises
    ------
    NetworkError
        cap <= 0 or a value is not finite.
    """
    return _named("clipped_leaky_relu", a, cap)


def absolute() -> PiecewiseLinear:
    """|z|; one bit, z > 0.

    Returns
    -------
    PiecewiseLinear
        Breakpoint 0, slopes (-1, 1), offsets (0, 0).
    """
    return _named("absolute")


def soft_shrink(lam: float = 0.5) -> PiecewiseLinear:
    """torch's Softshrink: z - lam above lam, z + lam below -lam, 0 between.

    Two bits, z > -lam and z > lam.

    Parameters
    ----------
    lam : float
        The half-width of the dead zone, finite, > 0.

    Returns
    -------
    PiecewiseLinear
        Breakpoints (-lam, lam), slopes (1, 0, 1), offsets (lam, 0, -lam).

    Raises
    ------
    NetworkError
        lam <= 0 or not finite.
    """
    return _named("soft_shrink", lam)


NAMED: dict[str, Callable[..., PiecewiseLinear]] = {
    "identity": identity, "relu": relu, "leaky_relu": leaky_relu, "hard_tanh": hard_tanh,
    "relu6": relu6, "hard_sigmoid": hard_sigmoid, "clipped_leaky_relu": clipped_leaky_relu,
    "absolute": absolute, "soft_shrink": soft_shrink,
}
ALIASES = {"linear": "identity", "none": "identity", "hardtanh": "hard_tanh",
           "leakyrelu": "leaky_relu"}


# --- specs -------------------------------------------------------------------------------------

def _registered() -> str:
    return f"{', '.join(NAMED)}, maxout (as 'maxout:k'), {CUSTOM} (a custom table)"


def _parse_custom(spec: str, body: str) -> PiecewiseLinear:
    fields: dict[str, tuple[float, ...]] = {}
    for part in body.split(";"):
        key, eq, values = part.partition("=")
        key = key.strip()
        if not eq or key not in ("breakpoints", "slopes", "offsets") or key in fields:
            raise NetworkError(f"a custom table reads '{CUSTOM}:breakpoints=c1,...;"
                               f"slopes=s0,...;offsets=o0,...', got {spec!r}")
        try:
            fields[key] = tuple(float(v) for v in values.split(",") if v.strip())
        except ValueError:
            raise NetworkError(f"{spec!r}: {key} must be numbers") from None
    if len(fields) != 3:
        raise NetworkError(f"{spec!r}: a custom table needs breakpoints, slopes and offsets")
    return PiecewiseLinear(fields["breakpoints"], fields["slopes"], fields["offsets"])


def parse_activation(spec: object) -> Activation:
    """An Activation from an object, a spec string or a (name, *params) tuple.

    Parameters
    ----------
    spec : Activation, str or tuple
        An Activation is returned as is; strings are 'relu', 'leaky_relu:0.2',
        'hard_tanh:-2,3', 'maxout:3', a custom table's spec, or the aliases 'linear',
        'none', 'hardtanh', 'leakyrelu'; tuples are ('leaky_relu', 0.2), ('maxout', 3).

    Returns
    -------
    PiecewiseLinear or Maxout
        The activation the spec names.

    Raises
    ------
    NetworkError
        Unknown names (the message lists the registered ones) or bad parameters.

    Examples
    --------
    >>> parse_activation("hard_tanh:-2,3").spec
    'hard_tanh:-2.0,3.0'
    """
    if isinstance(spec, (PiecewiseLinear, Maxout)):
        return spec
    if isinstance(spec, tuple) and spec and isinstance(spec[0], str):
        name, params = spec[0], list(spec[1:])
    elif isinstance(spec, str):
        name, _, text = spec.strip().partition(":")
        if name.strip().lower() == CUSTOM:
            return _parse_custom(spec, text)
        params = [p for p in text.split(",")] if text.strip() else []
    else:
        raise NetworkError(f"activation must be a name such as 'relu' or an Activation, got "
                           f"{spec!r}")
    key = name.strip().lower().replace("-", "_")
    key = ALIASES.get(key, key)
    if key == "maxout":
        try:
            k = int(str(params[0]).strip()) if len(params) == 1 else 0
        except ValueError:
            k = 0
        if k < 1 or str(k) != str(params[0]).strip():
            raise NetworkError(f"maxout needs its number of pieces, as 'maxout:k' with k >= 1, "
                               f"got {spec!r}")
        return Maxout(k)
    if key not in NAMED:
        raise NetworkError(f"unknown activation {spec!r}; registered: {_registered()}")
    try:
        values = [float(p) for p in params]
    except (TypeError, ValueError):
        raise NetworkError(f"activation {spec!r}: parameters must be numbers") from None
    return _named(key, *values)


# --- the core's view ---------------------------------------------------------------------------

class CoreTable(NamedTuple):
    """An activation as the compiled core's Layer reads it (see csrc/core.hpp).

    Parameters
    ----------
    kind : int
        The ActivationKind value.
    breaks, slopes, offsets : numpy.ndarray
        The table as read-only float64 arrays (a maxout layer's: the identity's).
    pieces : int
        Rows of W per unit (maxout k, else 1).
    """

    kind: int
    breaks: np.ndarray
    slopes: np.ndarray
    offsets: np.ndarray
    pieces: int


@lru_cache(maxsize=256)
def core_table(act: Activation) -> CoreTable:
    """The compiled core's layer arguments for an activation (the one bridge to the core).

    Parameters
    ----------
    act : PiecewiseLinear or Maxout
        The activation of a layer.

    Returns
    -------
    CoreTable
        kind, the table as read-only float64 arrays (maxout: an empty table) and the rows
        of W per unit; cached per activation.
    """
    table: Table = (((), (1.0,), (0.0,)) if isinstance(act, Maxout)
                    else (act.breakpoints, act.slopes, act.offsets))
    c, s, o = (np.array(v, dtype=np.float64) for v in table)
    for a in (c, s, o):
        a.setflags(write=False)
    return CoreTable(int(act.kind), c, s, o, act.rows_per_unit)
