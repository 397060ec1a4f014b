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
    """`value` as a Python int when it is an integer (not a bool) >= minimum.

    Parameters
    ----------
    name : str
        The argument's name, for the error message.
    value : Any
        The value to check.
    minimum : int
        The smallest value allowed.

    Returns
    -------
    int
        `value` as a Python int.

    Raises
    ------
    BoundsInputError
        When value is a bool, not an integer, or below minimum.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise BoundsInputError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise BoundsInputError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def check_integers(name: str, values: Any, minimum: int) -> list[int]:
    """A sequence of integers >= minimum (a string is not a sequence of integers).

    Parameters
    ----------
    name : str
        The argument's name; item i is reported as name[i].
    values : iterable of int
        The values to check.
    minimum : int
        The smallest value allowed for every item.

    Returns
    -------
    list of int
        The values as Python ints, in order.

    Raises
    ------
    BoundsInputError
        When values is a string, bytes or not iterable, or an item fails check_integer.
    """
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise BoundsInputError(f"{name} must be a sequence of integers, got {values!r}")
    return [check_integer(f"{name}[{i}]", v, minimum) for i, v in enumerate(values)]


def check_widths(widths: Any, minimum: int = 1) -> list[int]:
    """Hidden-layer widths n_1..n_L: at least one layer, each width >= minimum.

    Parameters
    ----------
    widths : sequence of int
        The widths n_1..n_L.
    minimum : int, optional
        The smallest width allowed.

    Returns
    -------
    list of int
        The widths as Python ints.

    Raises
    ------
    BoundsInputError
        When widths is empty or not a sequence of integers >= minimum.
    """
    ws = check_integers("widths", widths, minimum)
    if not ws:
        raise BoundsInputError("widths must list at least one hidden layer")
    return ws
