"""Validation of the integer arguments of the bounds (and of the constructions).

Bounds are exact integer formulas: a width of 2.5, a bool or a negative count is a caller's
mistake, reported as a BoundsInputError that names the argument, never silently rounded.
"""
from __future__ import annotations

import numbers
from typing import Any, Iterable

from regionkit.errors import BoundsInputError

__all__ = ["check_integer", "check_integers", "check_widths"]


def check_integer(name: str, value: Any, minimum: int) -> int:
    """`value` as a Python int when it is an integer (not a bool) >= minimum."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise BoundsInputError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise BoundsInputError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def check_integers(name: str, values: Any, minimum: int) -> list[int]:
    """A sequence of integers >= minimum (a string is not a sequence of integers)."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise BoundsInputError(f"{name} must be a sequence of integers, got {values!r}")
    return [check_integer(f"{name}[{i}]", v, minimum) for i, v in enumerate(values)]


def check_widths(widths: Any, minimum: int = 1) -> list[int]:
    """Hidden-layer widths n_1..n_L: at least one layer, each width >= minimum."""
    ws = check_integers("widths", widths, minimum)
    if not ws:
        raise BoundsInputError("widths must list at least one hidden layer")
    return ws
