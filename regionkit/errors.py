"""One exception hierarchy for regionkit, rooted at RegionkitError.

Every error regionkit raises on purpose derives from RegionkitError, and also from the
built-in exception it refines (ValueError for bad input, ImportError for a missing extra,
RuntimeError for a failed computation), so callers can catch either.
"""
from __future__ import annotations

__all__ = [
    "BoundViolation",
    "BoundViolationError",
    "BoundsInputError",
    "CoreInputError",
    "CoreMemoryError",
    "DomainError",
    "IncompleteError",
    "InteriorPointWarning",
    "Interrupted",
    "MemoryBudgetError",
    "MissingExtraError",
    "NetworkError",
    "NetworkFileError",
    "PointsError",
    "RegionkitError",
    "SolverError",
    "SuiteError",
    "TopologyError",
    "UnsupportedLayerError",
]


class RegionkitError(Exception):
    """Base class of every error regionkit raises on purpose.

    Examples
    --------
    >>> import regionkit as rk
    >>> try:
    ...     rk.Box(1, -1)
    ... except rk.RegionkitError as exc:
    ...     print(type(exc).__name__, isinstance(exc, ValueError), exc)
    DomainError True empty box: lo[0]=1.0 is not below hi[0]=-1.0
    """


class NetworkError(RegionkitError, ValueError):
    """A network is malformed: shapes that do not chain, NaN/inf, unknown activations."""


class UnsupportedLayerError(NetworkError):
    """A model holds a layer or operation with no exact piecewise-linear conversion."""


class MissingExtraError(RegionkitError, ImportError):
    """An optional dependency is not installed; the message names the extra to install."""


class DomainError(RegionkitError, ValueError):
    """A domain is empty, unbounded, lower-dimensional or does not match the network."""


class NetworkFileError(RegionkitError, ValueError):
    """A network or result file is missing, unreadable or malformed."""


class PointsError(RegionkitError, ValueError):
    """Query points are not a finite (n, dim) array in the domain's coordinates."""


class SuiteError(RegionkitError, ValueError):
    """A benchmark suite file or results directory is malformed (regionkit.suite)."""


class SolverError(RegionkitError, RuntimeError):
    """The compiled core could not finish a computation.

    Its LP solver could not certify an answer, or clipping a polytope out of a box lost it
    (numerically empty or too thin).
    """


class CoreInputError(RegionkitError, ValueError):
    """Arrays handed to the compiled core do not fit together.

    Shapes, lengths or offsets disagree, or a frontier geometry is asked for what it cannot
    hold.
    """


class CoreMemoryError(RegionkitError, MemoryError):
    """The compiled core ran out of memory; the message says how to ask for less."""


class MemoryBudgetError(RegionkitError, MemoryError):
    """A run refused before it starts: it is expected to need more than max_memory.

    The message gives the estimate, the limit and what to do instead (a slice of the
    inputs, keep="count", max_regions, a smaller box).
    """


class IncompleteError(RegionkitError, RuntimeError):
    """A result that needs every region, asked of a run a budget or Ctrl-C stopped early.

    Parameters
    ----------
    message : str
        What was asked and why it cannot be given.
    stop_reason : str
        The run's stop_reason: 'max_regions', 'time_limit', 'max_memory' or
        'interrupted'.
    """

    def __init__(self, message: str, stop_reason: str) -> None:
        super().__init__(message)
        self.stop_reason = stop_reason


class Interrupted(KeyboardInterrupt):
    """Ctrl-C stopped an enumeration; the partition found so far is kept in ``partial``.

    A KeyboardInterrupt, so that a loop over many runs stops, as Ctrl-C should; catch it to
    keep what was found (``except rk.Interrupted as stop: rs = stop.partial``).

    Parameters
    ----------
    partial : RegionSet
        The regions found before Ctrl-C (``stop_reason == 'interrupted'``), a partition of
        the domain.
    """

    def __init__(self, partial) -> None:
        super().__init__(f"interrupted: {partial.n_regions} regions kept in .partial")
        self.partial = partial


class TopologyError(RegionkitError, RuntimeError):
    """The cells of a partition do not fit together into a complex (numerical degeneracy)."""


class BoundsInputError(RegionkitError, ValueError):
    """Bad input to a bound: negative or non-integer widths, n_in < 1, maxout rank k < 2."""


class BoundViolationError(RegionkitError):
    """A measured count broke a proven upper bound or an exact prediction (strict=True)."""


class BoundViolation(RuntimeWarning):
    """Warning: a measured count broke a proven upper bound or an exact prediction."""


class InteriorPointWarning(RuntimeWarning):
    """Warning: exact arithmetic finds no point with a listed region's pattern (not genuine)."""
