"""The one tolerance object every count depends on.

A hyperplane value v = a.x + c inside a region is treated as zero when
``|v| <= atol + rtol * scale``, where ``scale = sum_k |W_jk| S_k + |b_j|`` is the size of the
terms summed to produce the unit's pre-activation and S_k bounds the layer input |h_k| over
the domain's box (from the region's local affine map). Rounding errors of double arithmetic
are about ``depth * width * 2.2e-16 * scale``, so the default ``rtol = 1e-10`` leaves a
margin of about 10^3 for nets of a few layers of a thousand units, while resolving regions
far thinner than any the peers resolve in float32. (A bound compounded through all earlier
layers would grow like the product of |W| over the depth and merge genuine thin regions of
deep nets, so each layer restarts from the actual size of its input.) A hyperplane whose
values on a region are all within the tolerance does not split it (it touches or is
identically zero there).

The tolerance cannot be smaller than the rounding itself: with ``rtol`` below ``MIN_RTOL`` the
rounding errors, not the network, decide the sign of a hyperplane that passes exactly through
a vertex or along a facet (common with integer or symmetric weights), and a float count may
include regions that do not exist (a 3-7-7-1 net with weights in {-1, 0, 1}: 145 regions in LP
form at rtol = 0 for the 109 of exact arithmetic; every such net we tried was right from
rtol = 1e-15 on). ``method="exact"`` counts every full-dimensional region, however thin,
with no tolerance at all.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from regionkit.errors import RegionkitError

__all__ = ["DEFAULT_ATOL", "DEFAULT_RTOL", "MIN_RTOL", "Tolerance"]

DEFAULT_RTOL = 1e-10
DEFAULT_ATOL = 0.0
# The smallest rtol accepted: about 450 unit roundoffs (a layer of a few hundred inputs sums
# that many rounded terms); see the module notes.
MIN_RTOL = 1e-13


@dataclass(frozen=True)
class Tolerance:
    """Relative (to the magnitude bound of each hyperplane) and absolute zero tolerance.

    A hyperplane value v is zero when ``|v| <= atol + rtol * scale`` (see the module notes).

    Parameters
    ----------
    rtol : float, default DEFAULT_RTOL
        Relative tolerance, at least MIN_RTOL (1e-13) and below 1e-2.
    atol : float, default DEFAULT_ATOL
        Absolute tolerance, >= 0.

    Raises
    ------
    RegionkitError
        If a tolerance is negative, not finite, rtol is below the rounding errors of double
        arithmetic (MIN_RTOL) or too coarse to count regions.

    Examples
    --------
    >>> import regionkit as rk
    >>> rk.Tolerance()
    Tolerance(rtol=1e-10, atol=0.0)
    >>> rk.Tolerance(rtol=-1)
    Traceback (most recent call last):
    ...
    regionkit.errors.RegionkitError: Tolerance.rtol must be a finite number >= 0, got -1
    """

    rtol: float = DEFAULT_RTOL
    atol: float = DEFAULT_ATOL

    def __post_init__(self) -> None:
        for name in ("rtol", "atol"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0):
                raise RegionkitError(f"Tolerance.{name} must be a finite number >= 0, got {v!r}")
        if self.rtol < MIN_RTOL:
            raise RegionkitError(
                f"Tolerance.rtol={self.rtol} is below MIN_RTOL={MIN_RTOL}: rounding errors of "
                "double arithmetic would decide the signs of hyperplanes through vertices and "
                "the count could include regions that do not exist; use method='exact' to "
                "count every region, however thin, in exact arithmetic")
        if self.rtol >= 1e-2:
            raise RegionkitError(f"Tolerance.rtol={self.rtol} is too coarse to count regions")

    @classmethod
    def saved(cls, rtol: float, atol: float) -> "Tolerance":
        """The Tolerance of a saved result, rtol raised to MIN_RTOL where it was below.

        Versions before MIN_RTOL took any rtol >= 0; the measures computed from now on use
        the raised one.

        Parameters
        ----------
        rtol, atol : float
            As saved.

        Returns
        -------
        Tolerance
        """
        return cls(max(float(rtol), MIN_RTOL), float(atol))

    @classmethod
    def coerce(cls, tol: "Tolerance | float | None") -> "Tolerance":
        """The Tolerance a `tol` argument stands for.

        Parameters
        ----------
        tol : Tolerance, float or None
            None: the defaults; a number: that rtol with the default atol; a Tolerance:
            itself.

        Returns
        -------
        Tolerance
            The tolerance to use.

        Raises
        ------
        RegionkitError
            If `tol` is of another type, or a number that is not a valid rtol.

        Examples
        --------
        >>> from regionkit.model.tolerance import Tolerance
        >>> Tolerance.coerce(1e-8)
        Tolerance(rtol=1e-08, atol=0.0)
        """
        if tol is None:
            return cls()
        if isinstance(tol, Tolerance):
            return tol
        if isinstance(tol, (int, float)):
            return cls(rtol=float(tol))
        raise RegionkitError(f"tol must be a Tolerance, a float or None, got {type(tol).__name__}")
