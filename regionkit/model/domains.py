"""Input domains: open boxes and polytopes, and affine slices of a higher-dimensional input.

Every domain lives in its own coordinates t in R^k (k = ``dim``) and maps into the network's
input space by x = origin + basis @ t; a native domain has origin 0 and basis I. The engine
composes that map into the first layer, so a 784-input network on a plane is a 2-D problem.
"""
from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
from scipy.optimize import linprog

from regionkit.errors import DomainError

__all__ = ["FLATNESS_RTOL", "Box", "Domain", "Plane", "Polytope", "Segment", "Slice"]

# A polytope is rejected as lower-dimensional when its Chebyshev radius is below this
# fraction of its bounding-box diameter.
FLATNESS_RTOL = 1e-9


def _vector(name: str, v: Any, n: int | None = None) -> np.ndarray:
    try:
        a = np.array(v, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise DomainError(f"{name} must be numeric, got {v!r}") from None
    if n is not None and a.shape[0] == 1 and n > 1:
        a = np.full(n, a[0])
    if n is not None and a.shape[0] != n:
        raise DomainError(f"{name} must have {n} entries, got {a.shape[0]}")
    if not np.all(np.isfinite(a)):
        raise DomainError(f"{name} contains NaN or infinite values")
    return a


class Domain:
    """Base class of the domains: an open convex set in its own coordinates t.

    Subclasses set the attributes below; the network sees x = origin + basis @ t.

    Attributes
    ----------
    dim : int
        Dimension k of the domain's coordinates.
    origin : numpy.ndarray, shape (input_dim,)
        Network input at t = 0.
    basis : numpy.ndarray, shape (input_dim, dim)
        Linear part of the map from t to network inputs.
    A, b : numpy.ndarray
        The open domain is {t : A t < b}, rows of A of unit norm.
    lo, hi : numpy.ndarray, shape (dim,)
        Bounding box of the domain in t-space.
    """

    dim: int
    origin: np.ndarray
    basis: np.ndarray
    A: np.ndarray
    b: np.ndarray
    lo: np.ndarray  # bounding box in t-space
    hi: np.ndarray

    @property
    def input_dim(self) -> int:
        """Dimension of the network input space the domain lives in."""
        return int(self.origin.shape[0])

    @property
    def is_slice(self) -> bool:
        """Whether the domain is an affine slice of a higher-dimensional input space."""
        return False

    def to_input(self, t: np.ndarray) -> np.ndarray:
        """Map domain coordinates to network inputs.

        Parameters
        ----------
        t : array_like, shape (..., dim)
            Points in the domain's coordinates.

        Returns
        -------
        numpy.ndarray, shape (..., input_dim)
            origin + basis @ t for each point.

        Examples
        --------
        >>> import regionkit as rk
        >>> seg = rk.Segment([0, 0, 0], [2, 2, 2])
        >>> seg.to_input([[0.5]]).tolist()
        [[1.0, 1.0, 1.0]]
        """
        t = np.asarray(t, dtype=np.float64)
        return self.origin + t @ self.basis.T

    def contains(self, t: np.ndarray) -> np.ndarray:
        """Whether points lie in the open domain.

        Parameters
        ----------
        t : array_like, shape (n, dim) or (dim,)
            Points in the domain's coordinates.

        Returns
        -------
        numpy.ndarray of bool, shape (n,)
            True where A t < b holds strictly.

        Examples
        --------
        >>> import regionkit as rk
        >>> rk.Box(-1, 1, dim=2).contains([[0, 0], [1, 0]]).tolist()
        [True, False]
        """
        t = np.atleast_2d(np.asarray(t, dtype=np.float64))
        return np.all(t @ self.A.T < self.b, axis=1)

    def sample(self, n: int, rng: np.random.Generator | int | None = None) -> np.ndarray:
        """Uniform random points of the open domain, by rejection from its bounding box.

        Parameters
        ----------
        n : int
            Number of points.
        rng : numpy.random.Generator, int or None
            Generator or seed (numpy.random.default_rng).

        Returns
        -------
        numpy.ndarray, shape (n, dim)
            Points in the domain's coordinates.

        Examples
        --------
        >>> import regionkit as rk
        >>> T = rk.Box(-1, 1, dim=2).sample(5, rng=0)
        >>> T.shape, bool(rk.Box(-1, 1, dim=2).contains(T).all())
        ((5, 2), True)
        """
        rng = np.random.default_rng(rng)
        out: list[np.ndarray] = []
        count = 0
        while count < n:
            t = rng.uniform(self.lo, self.hi, size=(max(2 * (n - count), 16), self.dim))
            t = t[self.contains(t)]
            out.append(t)
            count += len(t)
        return np.concatenate(out)[:n]

    @property
    def box_radius(self) -> np.ndarray:
        """Largest |t_i| over the bounding box, per coordinate: where tolerance scales start."""
        return np.maximum(np.abs(self.lo), np.abs(self.hi))

    def input_map(self) -> dict[str, np.ndarray]:
        """The network input as an affine map of the domain coordinates, as the core takes it.

        Returns
        -------
        dict of str to numpy.ndarray
            "M" and "m" with x = M t + m; "S" bounding |x_i| over the bounding box; "R" the
            box_radius.
        """
        R = self.box_radius
        return {"M": self.basis.copy(), "m": self.origin.copy(),
                "S": np.abs(self.origin) + np.abs(self.basis) @ R, "R": R}

    def check_network(self, n_in: int) -> None:
        """Check that the domain lives in a network's input space.

        Parameters
        ----------
        n_in : int
            The network's number of inputs.

        Raises
        ------
        DomainError
            If input_dim differs from n_in.
        """
        if self.input_dim != n_in:
            what = "slice lives in" if self.is_slice else "domain has"
            raise DomainError(f"the {what} {self.input_dim} input dimensions but the network "
                              f"takes {n_in} inputs")

    @property
    def volume(self) -> float:
        """k-volume of the domain in its own coordinates."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, np.ndarray]:
        """The arrays that rebuild the domain (from_dict), as RegionSet files store them.

        Returns
        -------
        dict of str to numpy.ndarray
            "kind" names the class; the other entries are its constructor's arguments.
        """
        raise NotImplementedError

    @staticmethod
    def from_dict(d: dict[str, np.ndarray]) -> "Domain":
        """Rebuild a domain from the arrays of to_dict.

        Parameters
        ----------
        d : dict of str to array_like
            Output of to_dict (or the matching entries of a RegionSet file).

        Returns
        -------
        Domain
            A domain equal to the one saved.

        Raises
        ------
        DomainError
            If the kind is unknown or the arrays do not make a valid domain.

        Examples
        --------
        >>> import regionkit as rk
        >>> rk.Domain.from_dict(rk.Box(0, 1, dim=2).to_dict())
        Box(lo=[0.0, 0.0], hi=[1.0, 1.0])
        """
        kind = str(np.asarray(d["kind"]))
        cls = {"box": Box, "polytope": Polytope, "segment": Segment, "plane": Plane,
               "slice": Slice}.get(kind)
        if cls is None:
            raise DomainError(f"unknown domain kind {kind!r}")
        domain = cls._from_dict(d)
        if "points" in d:  # the data points of Segment.through / Plane.through
            domain.points = np.asarray(d["points"], dtype=np.float64)
        return domain

    def _with_points(self, d: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        points = getattr(self, "points", None)
        return d if points is None else {**d, "points": np.asarray(points)}


def _box_rows(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inequalities of the open box: for each i, -t_i < -lo_i then t_i < hi_i."""
    k = lo.shape[0]
    A = np.zeros((2 * k, k))
    b = np.zeros(2 * k)
    for i in range(k):
        A[2 * i, i], b[2 * i] = -1.0, -lo[i]
        A[2 * i + 1, i], b[2 * i + 1] = 1.0, hi[i]
    return A, b


class _BoxShaped(Domain):
    def _set_box(self, lo: np.ndarray, hi: np.ndarray) -> None:
        if np.any(hi <= lo):
            bad = int(np.argmax(hi <= lo))
            raise DomainError(f"empty box: lo[{bad}]={lo[bad]} is not below hi[{bad}]={hi[bad]}")
        self.lo, self.hi = lo, hi
        self.dim = lo.shape[0]
        self.A, self.b = _box_rows(lo, hi)

    @property
    def volume(self) -> float:
        return float(np.prod(self.hi - self.lo))


class Box(_BoxShaped):
    """The open box (lo, hi) of the network's input space.

    Parameters
    ----------
    lo, hi : float or array_like
        Lower and upper corners; a scalar broadcasts to every coordinate.
    dim : int, optional
        Number of coordinates; by default the length of the longer of lo and hi.

    Raises
    ------
    DomainError
        If the corners are not finite numbers of a matching length, lo >= hi somewhere, or
        dim is not a positive integer.

    Examples
    --------
    >>> import regionkit as rk
    >>> box = rk.Box(-1, 1, dim=2)
    >>> box, box.volume
    (Box(lo=[-1.0, -1.0], hi=[1.0, 1.0]), 4.0)
    """

    def __init__(self, lo: Any, hi: Any, dim: int | None = None) -> None:
        lo_a, hi_a = _vector("lo", lo), _vector("hi", hi)
        if dim is not None and (isinstance(dim, bool) or not isinstance(dim, numbers.Integral)
                                or dim < 1):
            raise DomainError(f"dim must be a positive integer, got {dim!r}")
        n = int(dim) if dim is not None else max(lo_a.size, hi_a.size)
        self._set_box(_vector("lo", lo_a, n), _vector("hi", hi_a, n))
        self.origin = np.zeros(n)
        self.basis = np.eye(n)

    def __repr__(self) -> str:
        return f"Box(lo={self.lo.tolist()}, hi={self.hi.tolist()})"

    def to_dict(self) -> dict[str, np.ndarray]:
        return {"kind": np.array("box"), "lo": self.lo, "hi": self.hi}

    @classmethod
    def _from_dict(cls, d: dict[str, np.ndarray]) -> "Box":
        return cls(d["lo"], d["hi"])


class Polytope(Domain):
    """The open polytope {x : A x < b} of the network's input space.

    Parameters
    ----------
    A : array_like, shape (m, k)
        Inequality normals (rows are scaled to unit norm, with b).
    b : array_like, shape (m,)
        Right-hand sides.

    Attributes
    ----------
    center : numpy.ndarray, shape (k,)
        Centre of the largest ball inside the polytope (its Chebyshev centre).
    radius : float
        Radius of that ball.

    Raises
    ------
    DomainError
        If A or b is malformed or not finite, a row of A is zero, or the polytope is empty,
        unbounded or not full-dimensional (see FLATNESS_RTOL).

    Examples
    --------
    >>> import regionkit as rk
    >>> triangle = rk.Polytope([[-1, 0], [0, -1], [1, 1]], [0, 0, 1])
    >>> triangle, round(triangle.volume, 12)
    (Polytope(3 inequalities in 2 dimensions), 0.5)
    """

    def __init__(self, A: Any, b: Any) -> None:
        A = np.array(A, dtype=np.float64)
        if A.ndim != 2 or A.shape[0] == 0:
            raise DomainError(f"A must be a non-empty 2-D array, got shape {A.shape}")
        b = _vector("b", b, A.shape[0])
        if not np.all(np.isfinite(A)):
            raise DomainError("A contains NaN or infinite values")
        norms = np.linalg.norm(A, axis=1)
        if np.any(norms == 0):
            raise DomainError(f"row {int(np.argmin(norms))} of A is zero")
        k = A.shape[1]
        self.dim = k
        self.A, self.b = A / norms[:, None], b / norms
        self.origin = np.zeros(k)
        self.basis = np.eye(k)
        lo, hi = np.empty(k), np.empty(k)
        for i in range(k):
            for sign, store in ((1.0, lo), (-1.0, hi)):
                c = np.zeros(k)
                c[i] = sign
                res = linprog(c, A_ub=self.A, b_ub=self.b, bounds=[(None, None)] * k,
                              method="highs")
                if res.status == 2:
                    raise DomainError("empty polytope: A x < b has no solution")
                if res.status == 3:
                    raise DomainError(f"unbounded polytope: coordinate {i} is unbounded")
                if res.status != 0:
                    raise DomainError(f"could not check the polytope: {res.message}")
                store[i] = res.x[i]
        self.lo, self.hi = lo, hi
        # Chebyshev ball: max r s.t. A x + r <= b (rows have unit norm).
        c = np.zeros(k + 1)
        c[-1] = -1.0
        res = linprog(c, A_ub=np.hstack([self.A, np.ones((A.shape[0], 1))]), b_ub=self.b,
                      bounds=[(None, None)] * k + [(0, None)], method="highs")
        radius = float(res.x[-1]) if res.status == 0 else 0.0
        diameter = float(np.linalg.norm(hi - lo))
        if radius <= FLATNESS_RTOL * max(diameter, 1e-300):
            raise DomainError("the polytope is not full-dimensional (its interior is empty)")
        self.center = res.x[:k]
        self.radius = radius

    def __repr__(self) -> str:
        return f"Polytope({self.A.shape[0]} inequalities in {self.dim} dimensions)"

    @property
    def volume(self) -> float:
        if self.dim == 1:
            return float(self.hi[0] - self.lo[0])
        from scipy.spatial import ConvexHull, HalfspaceIntersection

        hs = HalfspaceIntersection(np.hstack([self.A, -self.b[:, None]]), self.center)
        return float(ConvexHull(hs.intersections).volume)

    def to_dict(self) -> dict[str, np.ndarray]:
        return {"kind": np.array("polytope"), "A": self.A, "b": self.b}

    @classmethod
    def _from_dict(cls, d: dict[str, np.ndarray]) -> "Polytope":
        return cls(d["A"], d["b"])


class Segment(_BoxShaped):
    """The open segment x(t) = x0 + t (x1 - x0), t in (0, 1), of the input space.

    Parameters
    ----------
    x0, x1 : array_like, shape (n_in,)
        The end points (network inputs).

    Raises
    ------
    DomainError
        If the end points are not finite, differ in length, or coincide.

    Examples
    --------
    >>> import regionkit as rk
    >>> rk.Segment([0, 0, 0], [3, 4, 0])
    Segment(in R^3, length=5)
    """

    def __init__(self, x0: Any, x1: Any) -> None:
        x0 = _vector("x0", x0)
        x1 = _vector("x1", x1, x0.shape[0])
        if np.array_equal(x0, x1):
            raise DomainError("Segment endpoints coincide: the segment is a point")
        self.x0, self.x1 = x0, x1
        self.origin = x0
        self.basis = (x1 - x0)[:, None]
        self._set_box(np.zeros(1), np.ones(1))

    @classmethod
    def through(cls, xa: Any, xb: Any, extend: float = 0.25) -> "Segment":
        """The segment through two data points, extended beyond both.

        Parameters
        ----------
        xa, xb : array_like, shape (n_in,)
            The data points.
        extend : float, default 0.25
            How far the segment goes beyond each point, as a fraction of their distance.

        Returns
        -------
        Segment
            The segment; xa and xb sit at t = extend / (1 + 2 extend) and (1 + extend) /
            (1 + 2 extend) and are kept in its ``points``.

        Raises
        ------
        DomainError
            If the points are malformed or coincide, or extend is negative or not finite.

        Examples
        --------
        >>> import regionkit as rk
        >>> seg = rk.Segment.through([0, 0], [2, 0], extend=0.5)
        >>> seg.x0.tolist(), seg.x1.tolist()
        ([-1.0, 0.0], [3.0, 0.0])
        """
        xa = _vector("xa", xa)
        xb = _vector("xb", xb, xa.shape[0])
        e = float(extend)
        if not (math.isfinite(e) and e >= 0):
            raise DomainError(f"extend must be a finite number >= 0, got {extend}")
        seg = cls(xa - e * (xb - xa), xb + e * (xb - xa))
        seg.points = np.stack([xa, xb])
        return seg

    @property
    def is_slice(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"Segment(in R^{self.input_dim}, length={float(np.linalg.norm(self.basis)):.4g})"

    def to_dict(self) -> dict[str, np.ndarray]:
        return self._with_points({"kind": np.array("segment"), "x0": self.x0, "x1": self.x1})

    @classmethod
    def _from_dict(cls, d: dict[str, np.ndarray]) -> "Segment":
        return cls(d["x0"], d["x1"])


class Plane(_BoxShaped):
    """The rectangle x(s, t) = origin + s u + t v, (s, t) in (lo, hi), of the input space.

    Parameters
    ----------
    origin : array_like, shape (n_in,)
        Network input at s = t = 0.
    u, v : array_like, shape (n_in,)
        Independent directions.
    lo, hi : float or array_like of 2 floats, default -1 and 1
        Bounds of (s, t); a scalar applies to both.

    Raises
    ------
    DomainError
        If n_in < 2, the vectors are malformed, u and v are dependent, or lo >= hi.

    Examples
    --------
    >>> import regionkit as rk
    >>> rk.Plane([0, 0, 0], [1, 0, 0], [0, 1, 0])
    Plane(in R^3, square [-1.0, -1.0] .. [1.0, 1.0])
    """

    def __init__(self, origin: Any, u: Any, v: Any, lo: Any = -1.0, hi: Any = 1.0) -> None:
        origin = _vector("origin", origin)
        n = origin.shape[0]
        if n < 2:
            raise DomainError("a Plane needs an input space of dimension >= 2")
        u = _vector("u", u, n)
        v = _vector("v", v, n)
        basis = np.stack([u, v], axis=1)
        sv = np.linalg.svd(basis, compute_uv=False)
        if sv[-1] <= 1e-12 * sv[0]:
            raise DomainError("Plane directions u and v are linearly dependent")
        self.origin, self.basis = origin, basis
        self._set_box(_vector("lo", lo, 2), _vector("hi", hi, 2))

    @classmethod
    def through(cls, xa: Any, xb: Any, xc: Any, half_width: float | None = None) -> "Plane":
        """The square centred at the circumcentre of three points, in their plane.

        Hanin & Rolnick's planes (section 3.3). u and v are an orthonormal basis of the
        plane, so lengths in (s, t) are input-space lengths.

        Parameters
        ----------
        xa, xb, xc : array_like, shape (n_in,)
            Three data points, not collinear; kept in the plane's ``points``.
        half_width : float, optional
            Half the side of the square; default 1.25 x the circumradius, so that all three
            points lie inside.

        Returns
        -------
        Plane
            The square.

        Raises
        ------
        DomainError
            If the points are malformed, two coincide or all three are collinear, or
            half_width is not positive.

        Examples
        --------
        >>> import regionkit as rk
        >>> plane = rk.Plane.through([0, 0, 0], [2, 0, 0], [0, 2, 0])
        >>> plane.origin.tolist(), float(plane.hi[0])
        ([1.0, 1.0, 0.0], 1.7677669529663689)
        """
        xa = _vector("xa", xa)
        xb = _vector("xb", xb, xa.shape[0])
        xc = _vector("xc", xc, xa.shape[0])
        e1, e2 = xb - xa, xc - xa
        n1 = np.linalg.norm(e1)
        if n1 == 0:
            raise DomainError("Plane.through: xa and xb coincide")
        u = e1 / n1
        w = e2 - (e2 @ u) * u
        nw = np.linalg.norm(w)
        if nw <= 1e-12 * max(np.linalg.norm(e2), 1e-300):
            raise DomainError("Plane.through: the three points are collinear")
        v = w / nw
        # Circumcentre in plane coordinates of (0,0), (n1, 0), (p, q).
        p, q = float(e2 @ u), float(e2 @ v)
        cx = n1 / 2.0
        cy = (p * p + q * q - n1 * p) / (2.0 * q)
        centre = xa + cx * u + cy * v
        radius = math.hypot(cx, cy)
        hw = 1.25 * radius if half_width is None else float(half_width)
        if not (math.isfinite(hw) and hw > 0):
            raise DomainError(f"half_width must be positive, got {half_width}")
        plane = cls(centre, u, v, -hw, hw)
        plane.points = np.stack([xa, xb, xc])
        return plane

    @property
    def is_slice(self) -> bool:
        return True

    def __repr__(self) -> str:
        return (f"Plane(in R^{self.input_dim}, square {self.lo.tolist()} .. {self.hi.tolist()})")

    def to_dict(self) -> dict[str, np.ndarray]:
        return self._with_points({"kind": np.array("plane"), "origin": self.origin,
                                  "u": self.basis[:, 0], "v": self.basis[:, 1],
                                  "lo": self.lo, "hi": self.hi})

    @classmethod
    def _from_dict(cls, d: dict[str, np.ndarray]) -> "Plane":
        return cls(d["origin"], d["u"], d["v"], d["lo"], d["hi"])


class Slice(_BoxShaped):
    """A k-dimensional affine slice x(t) = origin + basis @ t, t in the open box (lo, hi).

    Segment and Plane are the k = 1, 2 cases with their own parametrisations.

    Parameters
    ----------
    origin : array_like, shape (n_in,)
        Network input at t = 0.
    basis : array_like, shape (n_in, k)
        Independent columns, k <= n_in.
    lo, hi : float or array_like of k floats, default -1 and 1
        Bounds of t; a scalar applies to every coordinate.

    Raises
    ------
    DomainError
        If the arrays are malformed or not finite, the columns are dependent, or lo >= hi.

    Examples
    --------
    >>> import regionkit as rk
    >>> rk.Slice([0, 0, 0, 0], [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0]], 0, 1)
    Slice(3-D in R^4)
    """

    def __init__(self, origin: Any, basis: Any, lo: Any = -1.0, hi: Any = 1.0) -> None:
        origin = _vector("origin", origin)
        try:
            U = np.array(basis, dtype=np.float64)
        except (TypeError, ValueError):
            raise DomainError(f"basis must be numeric, got {basis!r}") from None
        if U.ndim != 2 or U.shape[0] != origin.shape[0] or U.shape[1] < 1:
            raise DomainError(f"basis must have shape ({origin.shape[0]}, k), got {U.shape}")
        if not np.all(np.isfinite(U)):
            raise DomainError("basis contains NaN or infinite values")
        k = U.shape[1]
        if k > origin.shape[0]:
            raise DomainError(f"a {k}-dimensional slice does not fit in R^{origin.shape[0]}")
        sv = np.linalg.svd(U, compute_uv=False)
        if sv[-1] <= 1e-12 * sv[0]:
            raise DomainError("Slice basis columns are linearly dependent")
        self.origin, self.basis = origin, U
        self._set_box(_vector("lo", lo, k), _vector("hi", hi, k))

    @property
    def is_slice(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"Slice({self.dim}-D in R^{self.input_dim})"

    def to_dict(self) -> dict[str, np.ndarray]:
        return {"kind": np.array("slice"), "origin": self.origin, "basis": self.basis,
                "lo": self.lo, "hi": self.hi}

    @classmethod
    def _from_dict(cls, d: dict[str, np.ndarray]) -> "Slice":
        return cls(d["origin"], d["basis"], d["lo"], d["hi"])
