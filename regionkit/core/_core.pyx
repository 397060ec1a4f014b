# distutils: language = c++
# cython: boundscheck=False, wraparound=False, cdivision=True
"""regionkit's compiled core: one layer of splitting for a whole frontier, the dense LP.

Everything here is private: regionkit.core.frontier, regionkit.regions and regionkit.measures
call these functions. Every entry point checks that its arrays fit together before the C++
reads them, and leaves with regionkit errors only (see _translate).
"""
import functools

import numpy as np
cimport numpy as cnp
from libc.stdint cimport int8_t, int64_t, uint8_t, uint64_t
from libcpp cimport bool as cbool
from libcpp.vector cimport vector

from regionkit.core.geometry import DIM as _DIM, OFFSETS as _OFFSETS, REGION as _REGION, Geometry
from regionkit.errors import CoreInputError, CoreMemoryError, RegionkitError, SolverError

cnp.import_array()

LP_STATUS = {0: "optimal", 1: "stopped", 2: "unbounded", 3: "iteration limit"}


ctypedef fused scalar:
    double
    int
    int64_t
    uint64_t
    uint8_t


cdef class _Owner:
    """Keeps a std::vector alive for the numpy array that views its memory."""
    cdef vector[double] d
    cdef vector[int] i
    cdef vector[int64_t] l
    cdef vector[uint64_t] u
    cdef vector[uint8_t] b


cdef object _arr(vector[scalar]& v):
    """A 1-D numpy array of the matching dtype that takes over v's memory (v is left
    empty): no copy, and no fresh pages to fault in."""
    cdef _Owner owner = _Owner()
    cdef cnp.npy_intp n = v.size()
    cdef void* data
    cdef int typenum
    if scalar is double:
        owner.d.swap(v)
        data, typenum = owner.d.data(), cnp.NPY_FLOAT64
    elif scalar is int64_t:
        owner.l.swap(v)
        data, typenum = owner.l.data(), cnp.NPY_INT64
    elif scalar is int:
        owner.i.swap(v)
        data, typenum = owner.i.data(), cnp.NPY_INT
    elif scalar is uint64_t:
        owner.u.swap(v)
        data, typenum = owner.u.data(), cnp.NPY_UINT64
    else:
        owner.b.swap(v)
        data, typenum = owner.b.data(), cnp.NPY_UINT8
    if n == 0:
        return np.empty(0, dtype=cnp.PyArray_TypeObjectFromType(typenum))
    out = cnp.PyArray_SimpleNewFromData(1, &n, typenum, data)
    cnp.set_array_base(out, owner)
    return out


ctypedef fused spanned:
    double
    int64_t
    uint64_t


cdef void _span(Span[spanned]& s, object arr, list keep):
    """Point s at arr's memory (made contiguous of s's dtype if needed; kept alive by keep)."""
    if spanned is double:
        a = np.ascontiguousarray(arr, dtype=np.float64).reshape(-1)
    elif spanned is int64_t:
        a = np.ascontiguousarray(arr, dtype=np.int64).reshape(-1)
    else:
        a = np.ascontiguousarray(arr, dtype=np.uint64).reshape(-1)
    keep.append(a)
    cdef const spanned[::1] v = a
    s.n = v.shape[0]
    s.p = &v[0] if s.n else NULL


cdef dict _maps_out(Maps& mp, size_t n):
    return {
        "M": _arr(mp.M).reshape(n, mp.rows, mp.dim),
        "m": _arr(mp.m).reshape(n, mp.rows),
        "S": _arr(mp.S).reshape(n, mp.rows),
    }


cdef class _Table:
    """A layer's activation as the core reads it, from the tuple (kind, breaks, slopes,
    offsets, pieces) of regionkit.model.activations.core_table; keeps the arrays alive."""
    cdef int kind
    cdef int pieces
    cdef const double[::1] breaks
    cdef const double[::1] slopes
    cdef const double[::1] offsets

    def __init__(self, table):
        kind, breaks, slopes, offsets, pieces = table
        if kind not in (ACT_ELEMENTWISE, ACT_MAXOUT):
            raise ValueError(f"unknown activation kind {kind!r}")
        self.kind = kind
        self.pieces = pieces
        self.breaks = np.ascontiguousarray(breaks, dtype=np.float64)
        self.slopes = np.ascontiguousarray(slopes, dtype=np.float64)
        self.offsets = np.ascontiguousarray(offsets, dtype=np.float64)
        if (self.slopes.shape[0] != self.breaks.shape[0] + 1
                or self.offsets.shape[0] != self.breaks.shape[0] + 1 or self.pieces < 1):
            raise ValueError("an activation table needs n + 1 slopes and offsets for n "
                             "breakpoints, and pieces >= 1")

    cdef Layer layer(self, const double[:, ::1] W, const double[::1] b):
        """The core's Layer for W, b (views the caller keeps alive) with this activation."""
        cdef Layer L
        L.n_out = W.shape[0]
        L.n_in = W.shape[1]
        L.W = &W[0, 0]
        L.b = &b[0]
        L.kind = self.kind
        L.n_breaks = self.breaks.shape[0]
        L.breaks = &self.breaks[0] if L.n_breaks else NULL
        L.slopes = &self.slopes[0]
        L.offsets = &self.offsets[0]
        L.pieces = self.pieces
        L.partial = False
        return L


def _translate(fn):
    """Make `fn` leave with one regionkit error for every failure.

    Cython turns C++ exceptions into builtin ones (``except +``): std::invalid_argument
    into ValueError, std::bad_alloc into MemoryError, other std::exceptions (rk::SolverError
    among them) into RuntimeError. Those, and the checks of arrays that do not fit, leave as
    CoreInputError, CoreMemoryError and SolverError named after the entry point.
    """
    @functools.wraps(fn)
    def entry(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            raise _regionkit_error(fn.__name__, exc) from None
    return entry


def _regionkit_error(str where, exc):
    if isinstance(exc, RegionkitError) and not isinstance(exc, CoreInputError):
        return exc
    if isinstance(exc, MemoryError):
        return CoreMemoryError(
            f"{where}: the compiled core ran out of memory ({exc or 'bad_alloc'}); enumerate "
            "a smaller domain or a smaller network, or pass max_regions (or time_limit) to "
            "stop early")
    if isinstance(exc, (ValueError, IndexError, OverflowError, KeyError)):
        return CoreInputError(f"{where}: {exc}")
    if isinstance(exc, RuntimeError):
        return SolverError(f"{where}: {exc}")
    return exc  # TypeError: an argument of the wrong kind, raised as Python does


def _c(arr, dtype, int ndim, str name):
    """arr as a C-contiguous array of dtype with ndim dimensions (CoreInputError if not)."""
    a = np.ascontiguousarray(arr, dtype=dtype)
    if a.ndim != ndim:
        raise CoreInputError(f"{name} must be {ndim}-D, got shape {a.shape}")
    return a


def _points(arr, int d, str name):
    """arr as a C-contiguous (n, d) float64 array of points (any shape with d | size)."""
    a = np.asarray(arr, dtype=np.float64)
    if d < 1 or a.size % d:
        raise CoreInputError(f"{name} must hold {d} coordinates per point, got shape {a.shape}")
    return np.ascontiguousarray(a.reshape(-1, d))


cdef int64_t _check_offsets(cnp.ndarray off, Py_ssize_t n, int64_t total, str name) except -1:
    """The last entry of CSR offsets `off` (int64, C-contiguous): n + 1 entries (any number
    if n < 0) from 0, never decreasing, ending at total (anywhere if total < 0)."""
    cdef Py_ssize_t m = cnp.PyArray_SIZE(off), i
    cdef const int64_t* p = <const int64_t*>cnp.PyArray_DATA(off)
    cdef bint ok = off.ndim == 1 and m > 0 and (n < 0 or m == n + 1)
    if not ok:
        raise CoreInputError(f"{name} must be offsets with one entry per region plus one, got "
                             f"shape {np.shape(off)}" + (f" for {n} regions" if n >= 0 else ""))
    ok = p[0] == 0
    for i in range(m - 1):
        ok = ok and p[i + 1] >= p[i]
    if not ok:
        raise CoreInputError(f"{name} must start at 0 and never decrease")
    if total >= 0 and p[m - 1] != total:
        raise CoreInputError(f"{name} ends at {p[m - 1]}, expected {total}")
    return p[m - 1]


cdef Py_ssize_t _check_frontier(object geometry, list arrays, int dim) except -1:
    """The number of regions of a frontier, given as flat C-contiguous arrays of the schema's
    dtypes in Geometry.columns order (None: not given; offsets must be): CoreInputError
    naming the first column that does not fit its offsets or the region count."""
    cdef tuple columns = geometry.columns
    cdef Py_ssize_t n, k, i, expected
    cdef int64_t words
    cdef const int64_t* vo
    cdef const int64_t* io
    cdef const int64_t* ro
    if geometry.dim is not None and geometry.dim != dim:
        raise CoreInputError(f"{geometry} frontiers are {geometry.dim}-dimensional, got "
                             f"dimension {dim}")
    n = len(arrays[0]) - (columns[0].by == _OFFSETS)
    ends = {_REGION: n}  # entries of the columns indexed by each offsets column
    for k, col in enumerate(columns):
        if col.by == _OFFSETS:
            ends[col.name] = _check_offsets(arrays[k], n, -1, col.name)
    for k, col in enumerate(columns):
        if col.by != _OFFSETS and arrays[k] is not None:
            expected = ends[col.by] * (dim if col.width == _DIM else col.width)
            if len(arrays[k]) != expected:
                raise CoreInputError(f"{geometry} frontier column {col.name!r} holds "
                                     f"{len(arrays[k])} values, expected {expected}")
    if geometry.incidence_columns is not None:
        index = {col.name: k for k, col in enumerate(columns)}
        voff, ioff, _, roff = geometry.incidence_columns
        vo = <const int64_t*>cnp.PyArray_DATA(arrays[index[voff]])
        io = <const int64_t*>cnp.PyArray_DATA(arrays[index[ioff]])
        ro = <const int64_t*>cnp.PyArray_DATA(arrays[index[roff]])
        for i in range(n):
            words = max((ro[i + 1] - ro[i] + 63) // 64, 1)
            if io[i + 1] - io[i] != (vo[i + 1] - vo[i]) * words:
                raise CoreInputError(f"region {i} has {io[i + 1] - io[i]} incidence words, "
                                     "expected ceil(rows / 64) (at least one) per vertex")
    return n


@_translate
def activation_kinds():
    """The core's ActivationKind values by name (csrc/core.hpp)."""
    return {"ELEMENTWISE": <int>ACT_ELEMENTWISE, "MAXOUT": <int>ACT_MAXOUT}


@_translate
def vector_kernels():
    """The vector kernels the layer sums run on here: 'avx512', 'avx2' or 'baseline' (each
    gives the same sums bit for bit; REGIONKIT_NO_AVX512=1 turns the AVX-512 ones off)."""
    return vector_kernels_cpp().decode()


@_translate
def hyperplane_count(table):
    """Hyperplanes (pattern bits) per row of W of a layer with this activation table."""
    cdef _Table t = _Table(table)
    cdef const double[:, ::1] W = np.zeros((1, 1))
    cdef const double[::1] b = np.zeros(1)
    return hyperplanes_per_unit(t.layer(W, b))


@_translate
def maxout_pair_scales(W, b, S):
    """Zero-tolerance scales of the hyperplanes P_a - P_j between the pieces of one maxout
    unit (its k rows of W and b) on n regions whose layer input is bounded by S (n, n_in):
    (n, k, k), symmetric, 0 on the diagonal; see MaxoutPairScales in csrc/core.hpp."""
    cdef const double[:, ::1] Wv = np.ascontiguousarray(W, dtype=np.float64)
    cdef const double[::1] bv = np.ascontiguousarray(b, dtype=np.float64)
    cdef const double[:, ::1] Sv = np.ascontiguousarray(S, dtype=np.float64)
    cdef int k = Wv.shape[0], n_in = Wv.shape[1], a, j
    cdef Py_ssize_t n = Sv.shape[0], r
    if bv.shape[0] != k or Sv.shape[1] != n_in or k == 0 or n_in == 0:
        raise ValueError("maxout_pair_scales: W (k, n_in), b (k,) and S (n, n_in) do not match")
    out = np.zeros((n, k, k), dtype=np.float64)
    cdef double[:, :, ::1] ov = out
    cdef MaxoutPairScales* scales = new MaxoutPairScales(k, n_in, &Wv[0, 0], &bv[0])
    try:
        with nogil:
            for r in range(n):
                for a in range(k):
                    for j in range(k):
                        if j != a:
                            ov[r, a, j] = scales[0](a, j, &Sv[r, 0])
    finally:
        del scales
    return out


@_translate
def maxout_sure_winners(off, X, ZM, Zm, src, int first, int k, eps):
    """Per region i (vertices X[off[i]:off[i+1]]), the piece a of the maxout unit whose rows
    are first .. first + k - 1 that wins at every vertex by its tolerance: P_a - P_j >
    eps[i, a, j] for j < a and P_a - P_j >= -eps[i, a, j] for j > a (then the clips keep the
    whole region for a and drop it for every other piece), the lowest such a; -1 where none
    does (the clips decide) or the region has no vertex. ZM (n_src, rows, d) and Zm (n_src,
    rows): every piece's map on each source region; region i's is src[i]'s."""
    cdef const int64_t[::1] ov = np.ascontiguousarray(off, dtype=np.int64)
    cdef const double[:, ::1] Xv = np.ascontiguousarray(X, dtype=np.float64)
    cdef const double[:, :, ::1] Mv = np.ascontiguousarray(ZM, dtype=np.float64)
    cdef const double[:, ::1] mv = np.ascontiguousarray(Zm, dtype=np.float64)
    cdef const int64_t[::1] sv = np.ascontiguousarray(src, dtype=np.int64)
    cdef const double[:, :, ::1] ev = np.ascontiguousarray(eps, dtype=np.float64)
    cdef Py_ssize_t n = sv.shape[0], i, v
    cdef int d = Xv.shape[1], a, j, t
    cdef int64_t s
    cdef double val, diff
    if (ov.shape[0] != n + 1 or Mv.shape[0] != mv.shape[0] or Mv.shape[1] != mv.shape[1]
            or Mv.shape[2] != d or ev.shape[0] != n or ev.shape[1] != k or ev.shape[2] != k
            or k < 1 or first < 0 or first + k > Mv.shape[1]):
        raise ValueError("maxout_sure_winners: off (n + 1), X (V, d), ZM (n_src, rows, d), "
                         "Zm (n_src, rows), src (n) and eps (n, k, k) do not match")
    for i in range(n):
        if not (0 <= sv[i] < Mv.shape[0]) or ov[i] > ov[i + 1] or ov[i] < 0:
            raise ValueError(f"maxout_sure_winners: region {i} has a bad source or offsets")
    if ov[n] > Xv.shape[0]:
        raise ValueError("maxout_sure_winners: the offsets run past the vertices")
    out = np.full(n, -1, dtype=np.int64)
    cdef int64_t[::1] wv = out
    cdef vector[double] vals = vector[double](k)
    cdef vector[uint8_t] ok = vector[uint8_t](k)
    with nogil:
        for i in range(n):
            if ov[i] == ov[i + 1]:
                continue
            s = sv[i]
            for a in range(k):
                ok[a] = 1
            for v in range(ov[i], ov[i + 1]):
                for a in range(k):
                    val = 0.0
                    for t in range(d):
                        val += Mv[s, first + a, t] * Xv[v, t]
                    vals[a] = val + mv[s, first + a]
                for a in range(k):
                    if not ok[a]:
                        continue
                    for j in range(k):
                        diff = vals[a] - vals[j]
                        if (j < a and not diff > ev[i, a, j]) or (j > a and not diff >= -ev[i, a, j]):
                            ok[a] = 0
                            break
            for a in range(k):
                if ok[a]:
                    wv[i] = a
                    break
    return out


cdef extern from *:
    """
    // A geometry's input view and its output side by side: one split_layer call serves all.
    template <class Geo> struct rk_split_job { typename Geo::View in; Geo out; };
    """
    cdef cppclass IntervalsJob "rk_split_job<rk::Intervals>":
        IntervalsView inp "in"
        Intervals out
    cdef cppclass PolygonsJob "rk_split_job<rk::Polygons>":
        PolygonsView inp "in"
        Polygons out
    cdef cppclass HPolytopesJob "rk_split_job<rk::HPolytopes>":
        HPolytopesView inp "in"
        HPolytopes out
    cdef cppclass VPolytopesJob "rk_split_job<rk::VPolytopes>":
        VPolytopesView inp "in"
        VPolytopes out

ctypedef fused Job:
    IntervalsJob
    PolygonsJob
    HPolytopesJob
    VPolytopesJob

cdef extern from *:
    """
    // expand_roots (csrc/dfs.hpp) with the leaves' geometry moved into job.out and the rest
    // into the caller's vectors.
    template <class Geo>
    size_t rk_expand(rk_split_job<Geo>& job, const rk::MapsView& mi, rk::DfsLayers& layers,
                     const rk::Tolerance& tol, const uint8_t* prefix, int keep,
                     size_t max_total, double seconds, double hard_seconds, int workers,
                     size_t batch, rk::Maps& maps, std::vector<uint8_t>& packed,
                     std::vector<double>& points, size_t& leaves, std::vector<int64_t>& made,
                     bool& aborted) {
      rk::DfsBatch<Geo> out;
      const size_t done = rk::expand_roots<Geo>(job.in, mi, layers, tol, prefix, keep,
                                                max_total, seconds, hard_seconds, workers,
                                                batch, out, aborted);
      job.out = std::move(out.geo);
      maps = std::move(out.maps);
      packed = std::move(out.packed);
      points = std::move(out.points);
      leaves = out.leaves;
      made = std::move(out.made);
      return done;
    }
    """
    size_t expand_i "rk_expand"(IntervalsJob& job, const MapsView& mi, DfsLayers& layers,
                     const Tolerance& tol, const uint8_t* prefix, int keep, size_t max_total,
                     double seconds, double hard_seconds, int workers, size_t batch,
                     Maps& maps, vector[uint8_t]& packed, vector[double]& points,
                     size_t& leaves, vector[int64_t]& made, cbool& aborted) except + nogil
    size_t expand_p "rk_expand"(PolygonsJob& job, const MapsView& mi, DfsLayers& layers,
                     const Tolerance& tol, const uint8_t* prefix, int keep, size_t max_total,
                     double seconds, double hard_seconds, int workers, size_t batch,
                     Maps& maps, vector[uint8_t]& packed, vector[double]& points,
                     size_t& leaves, vector[int64_t]& made, cbool& aborted) except + nogil
    size_t expand_h "rk_expand"(HPolytopesJob& job, const MapsView& mi, DfsLayers& layers,
                     const Tolerance& tol, const uint8_t* prefix, int keep, size_t max_total,
                     double seconds, double hard_seconds, int workers, size_t batch,
                     Maps& maps, vector[uint8_t]& packed, vector[double]& points,
                     size_t& leaves, vector[int64_t]& made, cbool& aborted) except + nogil
    size_t expand_v "rk_expand"(VPolytopesJob& job, const MapsView& mi, DfsLayers& layers,
                     const Tolerance& tol, const uint8_t* prefix, int keep, size_t max_total,
                     double seconds, double hard_seconds, int workers, size_t batch,
                     Maps& maps, vector[uint8_t]& packed, vector[double]& points,
                     size_t& leaves, vector[int64_t]& made, cbool& aborted) except + nogil


cdef class _Columns:
    """Where a geometry's columns live in C++, in Geometry.columns order: per column its
    input Span and its output vector, so that one loop binds a frontier to the view (no
    copy) and one loop hands the children back (taking over the vectors' memory)."""
    cdef list schema          # (name, dtype) per column, to check against Geometry.columns
    cdef vector[void*] spans
    cdef vector[void*] vecs
    cdef int* dim             # the view's dimension field, NULL where it has none


cdef void _add(_Columns c, str name, Span[spanned]* s, vector[spanned]* v):
    if spanned is double:
        c.schema.append((name, np.float64))
    elif spanned is int64_t:
        c.schema.append((name, np.int64))
    else:
        c.schema.append((name, np.uint64))
    c.spans.push_back(s)
    c.vecs.push_back(v)


cdef _Columns _columns(Job& job):
    """The one place where the schema's column names meet the fields of csrc/split.hpp."""
    cdef _Columns c = _Columns()
    c.schema = []
    c.dim = NULL
    if Job is IntervalsJob:
        _add[double](c, "lo", &job.inp.lo, &job.out.lo)
        _add[double](c, "hi", &job.inp.hi, &job.out.hi)
        _add[int64_t](c, "lab_lo", &job.inp.lab_lo, &job.out.lab_lo)
        _add[int64_t](c, "lab_hi", &job.inp.lab_hi, &job.out.lab_hi)
    elif Job is PolygonsJob:
        _add[int64_t](c, "off", &job.inp.off, &job.out.off)
        _add[double](c, "xy", &job.inp.xy, &job.out.xy)
        _add[int64_t](c, "lab", &job.inp.lab, &job.out.lab)
        _add[double](c, "row", &job.inp.row, &job.out.row)
    elif Job is HPolytopesJob:
        c.dim = &job.inp.dim
        _add[int64_t](c, "off", &job.inp.off, &job.out.off)
        _add[double](c, "A", &job.inp.A, &job.out.A)
        _add[double](c, "b", &job.inp.b, &job.out.b)
        _add[int64_t](c, "lab", &job.inp.lab, &job.out.lab)
        _add[double](c, "center", &job.inp.center, &job.out.center)
        _add[double](c, "radius", &job.inp.radius, &job.out.radius)
    else:
        c.dim = &job.inp.dim
        _add[int64_t](c, "voff", &job.inp.voff, &job.out.voff)
        _add[double](c, "V", &job.inp.V, &job.out.V)
        _add[int64_t](c, "ioff", &job.inp.ioff, &job.out.ioff)
        _add[uint64_t](c, "inc", &job.inp.inc, &job.out.inc)
        _add[int64_t](c, "roff", &job.inp.roff, &job.out.roff)
        _add[double](c, "A", &job.inp.A, &job.out.A)
        _add[double](c, "b", &job.inp.b, &job.out.b)
        _add[int64_t](c, "lab", &job.inp.lab, &job.out.lab)
    return c


cdef Py_ssize_t _bind(_Columns c, object geometry, dict frontier, int dim,
                      list keep) except -1:
    """Point the view's Spans at the frontier's arrays (kept alive by keep, in schema order)
    and check that they fit together; returns the number of regions."""
    cdef tuple columns = geometry.columns
    if c.schema != [(col.name, col.dtype) for col in columns]:
        raise SolverError("internal error: the core's view fields do not match the schema")
    missing = [col.name for col in columns if col.name not in frontier]
    if missing:
        raise CoreInputError(f"{geometry} frontier lacks column(s) {missing}")
    if c.dim != NULL:
        c.dim[0] = dim
    for k, col in enumerate(columns):
        if col.dtype is np.float64:
            _span((<Span[double]*>c.spans[k])[0], frontier[col.name], keep)
        elif col.dtype is np.int64:
            _span((<Span[int64_t]*>c.spans[k])[0], frontier[col.name], keep)
        else:
            _span((<Span[uint64_t]*>c.spans[k])[0], frontier[col.name], keep)
    return _check_frontier(geometry, keep, dim)


cdef dict _take(_Columns c, tuple columns, int dim):
    """The output's columns as numpy arrays that own the vectors' memory."""
    cdef dict out = {}
    for k, col in enumerate(columns):
        if col.dtype is np.float64:
            a = _arr((<vector[double]*>c.vecs[k])[0])
        elif col.dtype is np.int64:
            a = _arr[int64_t]((<vector[int64_t]*>c.vecs[k])[0])
        else:
            a = _arr[uint64_t]((<vector[uint64_t]*>c.vecs[k])[0])
        out[col.name] = (a if col.width == 1 else
                         a.reshape(-1, dim if col.width == _DIM else col.width))
    return out


cdef tuple _split(Job& job, object geometry, dict frontier, Py_ssize_t n_maps,
                  const MapsView& mi, const Layer& L, const Tolerance& tol, int64_t label_base,
                  size_t max_total, double seconds, double hard_seconds, int workers,
                  size_t batch, Maps& mo, vector[uint8_t]& bits, vector[int64_t]& parent,
                  cbool& aborted, cbool parent_maps):
    """Split the frontier's regions (one map each, n_maps) by layer L on `workers` threads
    claiming `batch` regions at a time (split_layer_threads in csrc/parallel.hpp); returns
    (regions done, children count, children columns)."""
    cdef _Columns c = _columns(job)
    cdef list keep = []  # the arrays the input view points into
    cdef Py_ssize_t n = _bind(c, geometry, frontier, mi.dim, keep)
    if n != n_maps:
        raise CoreInputError(f"the frontier holds {n} regions, the maps {n_maps}")
    cdef size_t done
    with nogil:
        done = split_layer_threads(job.inp, mi, L, tol, label_base, max_total, seconds,
                                   hard_seconds, workers, batch, job.out, mo, bits, parent,
                                   aborted, parent_maps)
    return done, job.out.count(), _take(c, geometry.columns, mi.dim)


cdef Py_ssize_t _maps_view(dict maps, MapsView& mi, list keep) except -1:
    """Point `mi` at the arrays of a maps dict (M, m, S per region, and R), kept alive by
    `keep`; returns the number of regions."""
    missing = [k for k in ("M", "m", "S", "R") if k not in maps]
    if missing:
        raise CoreInputError(f"maps lacks {missing}")
    cdef const double[:, :, ::1] Mv = _c(maps["M"], np.float64, 3, "maps['M']")
    cdef const double[:, ::1] mv = _c(maps["m"], np.float64, 2, "maps['m']")
    cdef const double[:, ::1] Sv = _c(maps["S"], np.float64, 2, "maps['S']")
    cdef const double[::1] Rv = _c(maps["R"], np.float64, 1, "maps['R']")
    if not (Mv.shape[0] == mv.shape[0] == Sv.shape[0] and Mv.shape[0] > 0
            and Mv.shape[1] == mv.shape[1] == Sv.shape[1]):
        raise CoreInputError("maps must hold one (M, m, S) per region, and at least one region")
    keep.extend([Mv, mv, Sv, Rv])
    mi.rows = Mv.shape[1]
    mi.dim = Mv.shape[2]
    mi.M = &Mv[0, 0, 0]
    mi.m = &mv[0, 0]
    mi.S = &Sv[0, 0]
    if Rv.shape[0] != mi.dim:
        raise CoreInputError("maps['R'] must hold one bound per domain coordinate")
    mi.R = &Rv[0]
    return Mv.shape[0]


@_translate
def split_frontier(geometry, dict frontier, dict maps, W, b, table, double rtol, double atol,
                   int64_t label_base, size_t max_total, double seconds,
                   double hard_seconds=np.inf, int workers=1, int batch=64,
                   cbool parent_maps=False, cbool partial=False):
    """Split the regions of a frontier (columns as in Geometry.columns) by one layer whose
    activation is `table` (regionkit.model.activations.core_table; not maxout), on
    `workers` threads claiming `batch` consecutive regions at a time (the output depends on
    neither).

    Returns (n_done, children, child_maps, bits, parent, aborted); bits has one byte per
    hyperplane; aborted: a region was left unsplit to keep the partition within max_total
    regions or the split within hard_seconds (see split_layer in csrc/split.hpp and
    split_layer_threads in csrc/parallel.hpp). With parent_maps, child_maps holds instead one
    entry per region split, its pre-activations of this layer (M = P, m = q, S = the zero-
    tolerance scale): child_maps() makes the children's maps from them, bit for bit, and
    expand_roots(source=...) takes them as they are. partial: W, b are the first units of a
    wider layer, whose pieces expand_roots(fixed=...) splits by the rest (the vertex form
    keeps the rows the whole layer's split would).
    """
    if workers < 1 or batch < 1:
        raise CoreInputError(f"workers and batch must be at least 1, got {workers}, {batch}")
    if type(geometry) is not Geometry:
        geometry = Geometry(geometry)
    cdef const double[:, ::1] Wv = _c(W, np.float64, 2, "W")
    cdef const double[::1] bv = _c(b, np.float64, 1, "b")
    cdef _Table t = _Table(table)
    if t.kind == ACT_MAXOUT:
        raise ValueError("maxout layers are split by regionkit.regions.maxout, not by the core")
    cdef Layer L = t.layer(Wv, bv)
    L.partial = partial
    cdef Tolerance tol
    tol.rtol = rtol
    tol.atol = atol
    cdef MapsView mi
    cdef list keep_alive = []
    cdef Py_ssize_t n_maps = _maps_view(maps, mi, keep_alive)
    if Wv.shape[1] != mi.rows or bv.shape[0] != Wv.shape[0]:
        raise CoreInputError(f"W {Wv.shape[0], Wv.shape[1]} and b ({bv.shape[0]},) do not "
                             f"take the maps' {mi.rows} units")
    cdef Maps mo
    cdef vector[uint8_t] bits
    cdef vector[int64_t] parent
    cdef size_t done = 0, n = 0
    cdef cbool aborted = False
    cdef IntervalsJob i_job
    cdef PolygonsJob p_job
    cdef HPolytopesJob h_job
    cdef VPolytopesJob v_job
    if geometry is Geometry.INTERVALS:  # the one switch from a geometry to its C++ types
        done, n, children = _split(i_job, geometry, frontier, n_maps, mi, L, tol, label_base,
                                   max_total, seconds, hard_seconds, workers, batch, mo, bits,
                                   parent, aborted, parent_maps)
    elif geometry is Geometry.POLYGONS:
        done, n, children = _split(p_job, geometry, frontier, n_maps, mi, L, tol, label_base,
                                   max_total, seconds, hard_seconds, workers, batch, mo, bits,
                                   parent, aborted, parent_maps)
    elif geometry is Geometry.LP:
        done, n, children = _split(h_job, geometry, frontier, n_maps, mi, L, tol, label_base,
                                   max_total, seconds, hard_seconds, workers, batch, mo, bits,
                                   parent, aborted, parent_maps)
    else:
        done, n, children = _split(v_job, geometry, frontier, n_maps, mi, L, tol, label_base,
                                   max_total, seconds, hard_seconds, workers, batch, mo, bits,
                                   parent, aborted, parent_maps)
    nh = hyperplanes_per_unit(L) * L.n_out
    mo.rows = L.n_out
    mo.dim = mi.dim
    return (int(done), children, _maps_out(mo, done if parent_maps else n),
            _arr[uint8_t](bits).reshape(n, nh), _arr[int64_t](parent), bool(aborted))


@_translate
def child_maps(dict parents, parent, bits, W, b, table):
    """The post-activation maps of children from their parents' pre-activations (as
    split_frontier(parent_maps=True) returns them, with "R"), the index of each child's parent
    and each child's bits of that layer (one byte per hyperplane): the maps the layer's split
    would have returned, bit for bit (append_child_maps in csrc/layer.cpp)."""
    cdef MapsView pv
    cdef list alive = []
    cdef Py_ssize_t n_parents = _maps_view(parents, pv, alive)
    cdef const double[:, ::1] Wv = _c(W, np.float64, 2, "W")
    cdef const double[::1] bv = _c(b, np.float64, 1, "b")
    cdef _Table t = _Table(table)
    cdef Layer A = t.layer(Wv, bv)
    cdef const int64_t[::1] par = _c(parent, np.int64, 1, "parent")
    cdef const uint8_t[:, ::1] bt = _c(bits, np.uint8, 2, "bits")
    cdef size_t n = par.shape[0]
    if bt.shape[0] != <Py_ssize_t>n or bt.shape[1] != hyperplanes_per_unit(A) * A.n_out:
        raise CoreInputError(f"bits {bt.shape[0], bt.shape[1]} do not match {n} children of "
                             f"a layer of {A.n_out} units")
    if n and (np.min(parent) < 0 or np.max(parent) >= n_parents):
        raise CoreInputError("a parent index is out of range")
    cdef Maps mo
    with nogil:
        if n:
            append_child_maps(A, pv, &par[0], &bt[0, 0], n, mo)
    mo.rows = A.n_out
    mo.dim = pv.dim
    return _maps_out(mo, n)


KEEP = {"regions": KEEP_REGIONS, "patterns": KEEP_PATTERNS, "count": KEEP_COUNT}


@_translate
def expand_roots(geometry, dict frontier, dict maps, list layers, prefix, str keep,
                 double rtol, double atol, size_t max_total, double seconds,
                 double hard_seconds=np.inf, int workers=1, int batch=4, source=None,
                 fixed=None, call_leaves=None):
    """Run each region of a frontier (a root) through every layer of `layers`, depth first
    (expand_roots in csrc/dfs.hpp), on `workers` threads claiming `batch` roots at a time.

    layers: (W, b, table, label_base) per layer, elementwise tables only; prefix: the roots'
    pattern bits of the layers before them (n_roots x bits, one byte per bit); keep:
    'regions', 'patterns' or 'count'. Returns (roots done, leaves, leaf columns, output maps,
    packed patterns, interior points, regions made per layer, aborted); columns and maps are
    None unless keep='regions', patterns None for keep='count', points None unless
    keep='patterns'. The leaves come out in the order of a layer-by-layer split, whatever
    `workers` and `batch`. source=(W, b, table, parent, bits): `maps` holds the roots'
    parents' pre-activations of that layer (split_frontier(parent_maps=True)); root r's map
    is made from entry parent[r] and its bits of the layer when the root is expanded.
    fixed=(parent, n): the roots are pieces of a split by the first units of layers[0]
    (split_frontier(partial=True)): root r's maps are entry parent[r] of `maps`, and prefix
    ends with its bits of the first n hyperplanes of layers[0], which are not tested again.
    call_leaves: return once the roots done hold this many leaves (soft: the batches of roots
    in flight run to their end), like `seconds`; None for no such limit.
    """
    if workers < 1 or batch < 1:
        raise CoreInputError(f"workers and batch must be at least 1, got {workers}, {batch}")
    if call_leaves is not None and call_leaves < 1:
        raise CoreInputError(f"call_leaves must be at least 1, got {call_leaves}")
    if keep not in KEEP:
        raise CoreInputError(f"keep must be one of {sorted(KEEP)}, got {keep!r}")
    if not layers:
        raise CoreInputError("expand_roots needs at least one layer")
    if type(geometry) is not Geometry:
        geometry = Geometry(geometry)
    cdef MapsView mi
    cdef list alive = []
    cdef Py_ssize_t n_maps = _maps_view(maps, mi, alive)
    cdef DfsLayers dl
    cdef _Table t
    cdef const double[:, ::1] Wv
    cdef const double[::1] bv
    cdef const int64_t[::1] par
    cdef const uint8_t[:, ::1] fb
    cdef const int64_t[::1] mo_of
    cdef int width = mi.rows, bits = 0, n_fixed = 0
    if source is not None and fixed is not None:
        raise CoreInputError("source and fixed cannot be given together")
    if fixed is not None:
        map_of, n_fixed = fixed
        mo_of = _c(map_of, np.int64, 1, "parent")
        if mo_of.shape[0] and (np.min(map_of) < 0 or np.max(map_of) >= n_maps):
            raise CoreInputError("a parent index is out of range")
        alive.append(mo_of)
        dl.map_of = &mo_of[0] if mo_of.shape[0] else NULL
        n_maps = mo_of.shape[0]
    if source is not None:
        W, b, table, parent, from_bits = source
        Wv = _c(W, np.float64, 2, "W")
        bv = _c(b, np.float64, 1, "b")
        t = _Table(table)
        dl.from_ = t.layer(Wv, bv)
        if t.kind == ACT_MAXOUT or dl.from_.n_out != mi.rows:
            raise CoreInputError("source must be the elementwise layer of the parents' maps")
        par = _c(parent, np.int64, 1, "parent")
        fb = _c(from_bits, np.uint8, 2, "bits")
        if fb.shape[0] != par.shape[0] or fb.shape[1] != dl.from_.n_out * dl.from_.n_breaks:
            raise CoreInputError("source bits must hold one row of the layer's bits per root")
        if par.shape[0] and (np.min(parent) < 0 or np.max(parent) >= n_maps):
            raise CoreInputError("a parent index is out of range")
        alive.extend([Wv, bv, t, par, fb])
        dl.from_parents = True
        dl.parent = &par[0] if par.shape[0] else NULL
        dl.from_bits = &fb[0, 0] if fb.shape[0] and fb.shape[1] else NULL
        n_maps = par.shape[0]
    for W, b, table, base in layers:
        Wv = _c(W, np.float64, 2, "W")
        bv = _c(b, np.float64, 1, "b")
        t = _Table(table)
        if t.kind == ACT_MAXOUT:
            raise CoreInputError("maxout layers are split by regionkit.regions.maxout")
        if Wv.shape[1] != width or bv.shape[0] != Wv.shape[0]:
            raise CoreInputError(f"W {Wv.shape[0], Wv.shape[1]} and b ({bv.shape[0]},) do not "
                                 f"take the previous {width} units")
        width = Wv.shape[0]
        alive.extend([Wv, bv, t])
        dl.L.push_back(t.layer(Wv, bv))
        dl.label_base.push_back(base)
        bits += hyperplanes_per_unit(dl.L.back()) * width
    cdef const uint8_t[:, ::1] pv = _c(prefix, np.uint8, 2, "prefix")
    if pv.shape[0] != n_maps:
        raise CoreInputError(f"prefix holds {pv.shape[0]} roots, the maps {n_maps}")
    first = hyperplanes_per_unit(dl.L[0]) * dl.L[0].n_out
    if not 0 <= n_fixed <= min(first, pv.shape[1]):
        raise CoreInputError(f"fixed must decide at most the first layer's {first} "
                             f"hyperplanes, within the prefix; got {n_fixed}")
    dl.fixed = n_fixed
    if call_leaves is not None:
        dl.call_leaves = call_leaves
    dl.prefix_bits = pv.shape[1] - n_fixed
    cdef const uint8_t* pp = &pv[0, 0] if pv.shape[0] * pv.shape[1] else NULL
    cdef Tolerance tol
    tol.rtol = rtol
    tol.atol = atol
    cdef int k = KEEP[keep]
    cdef Maps mo
    cdef vector[uint8_t] packed
    cdef vector[double] points
    cdef vector[int64_t] made
    cdef size_t leaves = 0, done = 0
    cdef cbool aborted = False
    cdef IntervalsJob i_job
    cdef PolygonsJob p_job
    cdef HPolytopesJob h_job
    cdef VPolytopesJob v_job
    if geometry is Geometry.INTERVALS:  # the one switch from a geometry to its C++ types
        done, children = _expand(i_job, geometry, frontier, n_maps, mi, dl, tol, pp, k,
                                 max_total, seconds, hard_seconds, workers, batch, mo, packed,
                                 points, leaves, made, aborted)
    elif geometry is Geometry.POLYGONS:
        done, children = _expand(p_job, geometry, frontier, n_maps, mi, dl, tol, pp, k,
                                 max_total, seconds, hard_seconds, workers, batch, mo, packed,
                                 points, leaves, made, aborted)
    elif geometry is Geometry.LP:
        done, children = _expand(h_job, geometry, frontier, n_maps, mi, dl, tol, pp, k,
                                 max_total, seconds, hard_seconds, workers, batch, mo, packed,
                                 points, leaves, made, aborted)
    else:
        done, children = _expand(v_job, geometry, frontier, n_maps, mi, dl, tol, pp, k,
                                 max_total, seconds, hard_seconds, workers, batch, mo, packed,
                                 points, leaves, made, aborted)
    maps_out = patterns = pts = None
    if k == KEEP_REGIONS:
        mo.rows = dl.L.back().n_out
        mo.dim = mi.dim
        maps_out = _maps_out(mo, leaves)
    if k != KEEP_COUNT:
        patterns = _arr[uint8_t](packed).reshape(leaves, (dl.prefix_bits + bits + 7) // 8)
    if k == KEEP_PATTERNS:
        pts = _arr(points).reshape(leaves, mi.dim)
    made_list = [int(x) for x in made] if made.size() else [0] * len(layers)
    return (int(done), int(leaves), children, maps_out, patterns, pts, made_list, bool(aborted))


cdef tuple _expand(Job& job, object geometry, dict frontier, Py_ssize_t n_maps,
                   const MapsView& mi, DfsLayers& dl, const Tolerance& tol, const uint8_t* pp,
                   int k, size_t max_total, double seconds, double hard_seconds, int workers,
                   size_t batch, Maps& mo, vector[uint8_t]& packed, vector[double]& points,
                   size_t& leaves, vector[int64_t]& made, cbool& aborted):
    """Bind the roots' frontier to the job's view and run expand_roots (csrc/dfs.hpp);
    returns (roots done, the leaves' columns or None unless keep is KEEP_REGIONS)."""
    cdef _Columns c = _columns(job)
    cdef list columns = []  # the frontier's arrays the view points into, in schema order
    cdef Py_ssize_t n = _bind(c, geometry, frontier, mi.dim, columns)
    if n != n_maps:
        raise CoreInputError(f"the frontier holds {n} regions, the maps {n_maps}")
    cdef size_t done
    with nogil:
        if Job is IntervalsJob:
            done = expand_i(job, mi, dl, tol, pp, k, max_total, seconds, hard_seconds,
                            workers, batch, mo, packed, points, leaves, made, aborted)
        elif Job is PolygonsJob:
            done = expand_p(job, mi, dl, tol, pp, k, max_total, seconds, hard_seconds,
                            workers, batch, mo, packed, points, leaves, made, aborted)
        elif Job is HPolytopesJob:
            done = expand_h(job, mi, dl, tol, pp, k, max_total, seconds, hard_seconds,
                            workers, batch, mo, packed, points, leaves, made, aborted)
        else:
            done = expand_v(job, mi, dl, tol, pp, k, max_total, seconds, hard_seconds,
                            workers, batch, mo, packed, points, leaves, made, aborted)
    return done, (_take(c, geometry.columns, mi.dim) if k == KEEP_REGIONS else None)


@_translate
def lp_min(A, b, c, x0, double stop_below=-np.inf):
    """Minimise c.x over A x <= b from feasible x0 with the core's dense solver.

    Returns (status name, x, value). For tests and diagnostics.
    """
    cdef const double[:, ::1] Av = _c(A, np.float64, 2, "A")
    cdef const double[::1] bv = _c(b, np.float64, 1, "b")
    cdef const double[::1] cv = _c(c, np.float64, 1, "c")
    x = _c(np.array(x0, dtype=np.float64, copy=True), np.float64, 1, "x0")
    cdef double[::1] xv = x
    cdef double value = 0.0
    cdef int status
    cdef LPWork work
    cdef int d = Av.shape[1], m = Av.shape[0]
    if d < 1 or bv.shape[0] != m or cv.shape[0] != d or xv.shape[0] != d:
        raise CoreInputError(f"A {m, d} needs b ({m},), c ({d},) and x0 ({d},) with d >= 1; "
                             f"got b {bv.shape[0]}, c {cv.shape[0]}, x0 {xv.shape[0]}")
    with nogil:
        status = lp_minimize(d, m, &Av[0, 0], &bv[0], &cv[0], &xv[0], stop_below, &value,
                             work)
    return LP_STATUS[status], x, value


@_translate
def chebyshev(off, A, b, centers):
    """Chebyshev centre and radius of each region {A x < b} (CSR rows), from feasible points."""
    cdef const double[:, ::1] Av = _c(A, np.float64, 2, "A")
    cdef const double[::1] bv = _c(b, np.float64, 1, "b")
    out = _c(np.array(centers, dtype=np.float64, copy=True, order="C"), np.float64, 2,
             "centers")
    if Av.shape[1] < 1 or bv.shape[0] != Av.shape[0] or out.shape[1] != Av.shape[1]:
        raise CoreInputError(f"A {Av.shape[0], Av.shape[1]} needs b ({Av.shape[0]},) and "
                             f"centers (n, {Av.shape[1]}); got b {bv.shape[0]}, centers "
                             f"{out.shape}")
    off = _c(off, np.int64, 1, "off")
    _check_offsets(off, out.shape[0], Av.shape[0], "off")
    cdef const int64_t[::1] ov = off
    cdef double[:, ::1] xv = out
    radii = np.empty(out.shape[0], dtype=np.float64)
    cdef double[::1] rv = radii
    cdef LPWork work
    cdef Py_ssize_t r
    cdef int d = Av.shape[1]
    with nogil:
        for r in range(xv.shape[0]):
            rv[r] = chebyshev_center(d, <int>(ov[r + 1] - ov[r]), &Av[ov[r], 0], &bv[ov[r]],
                                     &xv[r, 0], work)
    return out, radii


cdef class _VertexForm:
    """Typed views of a vertex form's arrays: vertex, incidence-word and row offsets, the
    vertices and the incidence words (see regionkit/measures/vertexform.py), checked
    against the vertex-form schema (Geometry.VERTEX)."""
    cdef const int64_t[::1] vo
    cdef const int64_t[::1] io
    cdef const int64_t[::1] ro
    cdef const double[:, ::1] V
    cdef const uint64_t[::1] inc

    def __init__(self, voff, V, ioff, inc, roff):
        V = _c(V, np.float64, 2, "V")
        if V.shape[1] < 1:
            raise CoreInputError("V must hold at least one coordinate per vertex")
        given = {"voff": _c(voff, np.int64, 1, "voff"), "V": V.reshape(-1),
                 "ioff": _c(ioff, np.int64, 1, "ioff"), "inc": _c(inc, np.uint64, 1, "inc"),
                 "roff": _c(roff, np.int64, 1, "roff")}
        _check_frontier(Geometry.VERTEX,
                        [given.get(col.name) for col in Geometry.VERTEX.columns], V.shape[1])
        self.vo, self.io, self.ro, self.V, self.inc = (given["voff"], given["ioff"],
                                                       given["roff"], V, given["inc"])


@_translate
def vertex_form_measures(voff, V, ioff, inc, roff, A=None, conditioning=None):
    """Exact volume of each vertex-form region, and per row its facet volume and centroid.

    A holds the rows' normals, aligned with roff: given it, simple regions take the
    normal-based recursion (simplevolume.hpp); without it, and for the other regions, the
    general one (measure.hpp). A row that is not a facet (or repeats an earlier row's facet)
    gets volume 0. conditioning, a float64 array of one entry per region, receives for the
    regions the normal-based recursion measured the least squared sine it divided by (1
    for the others).
    """
    cdef _VertexForm f = _VertexForm(voff, V, ioff, inc, roff)
    cdef const int64_t[::1] vo = f.vo, io = f.io, ro = f.ro
    cdef const double[:, ::1] Vv = f.V
    cdef const uint64_t[::1] iv = f.inc
    cdef Py_ssize_t n = vo.shape[0] - 1, r
    cdef int d = Vv.shape[1], nv, nf
    cdef bint normals = A is not None
    cdef const double[:, ::1] Av = _c(A if normals else np.zeros((ro[n], d)), np.float64, 2,
                                      "A")
    if Av.shape[0] != ro[n] or Av.shape[1] != d:
        raise CoreInputError("A must hold one normal of the vertices' dimension per region row")
    volumes = np.zeros(n, dtype=np.float64)
    facet_volume = np.zeros(ro[n], dtype=np.float64)
    facet_centroid = np.zeros((ro[n], d), dtype=np.float64)
    cdef double[::1] vol = volumes
    cdef double[::1] fv = facet_volume
    cdef double[:, ::1] fc = facet_centroid
    cdef double[::1] cond = (conditioning if conditioning is not None
                             else np.ones(n, dtype=np.float64))
    if cond.shape[0] != n:
        raise CoreInputError("conditioning must hold one entry per region")
    cond[:] = 1.0
    with nogil:
        for r in range(n):
            if ro[r + 1] == ro[r]:
                continue
            nv = <int>(vo[r + 1] - vo[r])
            nf = <int>(ro[r + 1] - ro[r])
            if normals and is_simple(d, nv, nf, &iv[io[r]]):
                vol[r] = simple_region_measures(d, nv, &Vv[vo[r], 0], nf, &iv[io[r]],
                                                &Av[ro[r], 0], &fv[ro[r]], &fc[ro[r], 0],
                                                &cond[r])
            else:
                vol[r] = region_measures(d, nv, &Vv[vo[r], 0], nf, &iv[io[r]], &fv[ro[r]],
                                         &fc[ro[r], 0])
    return volumes, facet_volume, facet_centroid


@_translate
def vertex_form_owned_faces(voff, V, ioff, inc, roff, A, flag):
    """The faces each simple vertex-form region owns (see simple_owned_faces in
    csrc/simplevolume.hpp), or None if some region is not simple.

    flag: per row 0 (other), 1 (owned) or 2 (domain). Returns (owner, dims, volumes,
    centroids, check_vertices, check_rows): the vertices to check, as indices into V, and
    their d rows each, as indices into the rows.
    """
    cdef _VertexForm f = _VertexForm(voff, V, ioff, inc, roff)
    cdef const int64_t[::1] vo = f.vo, io = f.io, ro = f.ro
    cdef const double[:, ::1] Vv = f.V
    cdef const uint64_t[::1] iv = f.inc
    cdef const double[:, ::1] Av = _c(A, np.float64, 2, "A")
    cdef const uint8_t[::1] fl = _c(flag, np.uint8, 1, "flag")
    cdef Py_ssize_t n = vo.shape[0] - 1, r
    cdef int d = Vv.shape[1], nv, nf
    if Av.shape[0] != ro[n] or fl.shape[0] != ro[n] or Av.shape[1] != d:
        raise CoreInputError("A and flag must hold one entry per region row (A: one normal "
                             "of the vertices' dimension)")
    cdef FaceOutput out
    cdef vector[int64_t] owner, check_vertex, check_row
    cdef size_t before, before_check, i
    cdef bint simple = True
    with nogil:
        for r in range(n):
            nv = <int>(vo[r + 1] - vo[r])
            nf = <int>(ro[r + 1] - ro[r])
            if nf == 0 or not is_simple(d, nv, nf, &iv[io[r]]):
                simple = False
                break
            before = out.dims.size()
            before_check = out.check.size()
            simple_owned_faces(d, nv, &Vv[vo[r], 0], nf, &iv[io[r]], &Av[ro[r], 0], &fl[ro[r]],
                               out)
            owner.insert(owner.end(), out.dims.size() - before, r)
            for i in range(before_check, out.check.size()):
                check_vertex.push_back(vo[r] + out.check[i])
            for i in range(before_check * d, out.check_rows.size()):
                check_row.push_back(ro[r] + out.check_rows[i])
    if not simple:
        return None
    return (_arr[int64_t](owner), _arr[int](out.dims).astype(np.int64), _arr(out.vols),
            _arr(out.cents).reshape(-1, d), _arr[int64_t](check_vertex),
            _arr[int64_t](check_row).reshape(-1, d))


@_translate
def vertex_form_faces(voff, V, ioff, inc, roff):
    """Every face of every vertex-form region: (region, dimension, volume, centroid,
    vertices, number of vertices) arrays; a face's vertices index V (faces in order, their
    vertices one after another).

    Faces shared by several regions appear once per region.
    """
    cdef _VertexForm f = _VertexForm(voff, V, ioff, inc, roff)
    cdef const int64_t[::1] vo = f.vo, io = f.io, ro = f.ro
    cdef const double[:, ::1] Vv = f.V
    cdef const uint64_t[::1] iv = f.inc
    cdef Py_ssize_t n = vo.shape[0] - 1, r
    cdef int d = Vv.shape[1]
    cdef vector[int] dims
    cdef vector[double] vols, cents
    cdef vector[int64_t] owner
    cdef vector[int] verts, n_verts
    cdef size_t before, first, i
    with nogil:
        for r in range(n):
            before = dims.size()
            first = verts.size()
            region_faces(d, <int>(vo[r + 1] - vo[r]), &Vv[vo[r], 0], <int>(ro[r + 1] - ro[r]),
                         &iv[io[r]], dims, vols, cents, verts, n_verts)
            owner.insert(owner.end(), dims.size() - before, r)
            for i in range(first, verts.size()):
                verts[i] += vo[r]
    return (_arr[int64_t](owner), _arr[int](dims).astype(np.int64), _arr(vols),
            _arr(cents).reshape(-1, d), _arr[int](verts).astype(np.int64),
            _arr[int](n_verts).astype(np.int64))


cdef class _NetView:
    """The C++ view of a network's layers and of the input map of a domain (owns the arrays)."""
    cdef vector[Layer] layers
    cdef MapsView view
    cdef Tolerance tol
    cdef object keep

    def __init__(self, layers, dict input_map, double rtol, double atol):
        cdef const double[:, ::1] Wv
        cdef const double[::1] bv
        cdef _Table t
        self.keep = []
        self.n_hyperplanes = 0
        for W, b, table in layers:
            Wv = np.ascontiguousarray(W, dtype=np.float64)
            bv = np.ascontiguousarray(b, dtype=np.float64)
            t = _Table(table)
            self.keep.append((Wv, bv, t))
            self.layers.push_back(t.layer(Wv, bv))
            self.n_hyperplanes += hyperplanes_per_unit(self.layers.back()) * Wv.shape[0]
        cdef const double[:, ::1] Mv = np.ascontiguousarray(input_map["M"], dtype=np.float64)
        cdef const double[::1] mv = np.ascontiguousarray(input_map["m"], dtype=np.float64)
        cdef const double[::1] Sv = np.ascontiguousarray(input_map["S"], dtype=np.float64)
        cdef const double[::1] Rv = np.ascontiguousarray(input_map["R"], dtype=np.float64)
        self.keep.append((Mv, mv, Sv, Rv))
        self.view.rows = Mv.shape[0]
        self.view.dim = Mv.shape[1]
        self.view.M = &Mv[0, 0]
        self.view.m = &mv[0]
        self.view.S = &Sv[0]
        self.view.R = &Rv[0]
        self.tol.rtol = rtol
        self.tol.atol = atol

    cdef public int n_hyperplanes


@_translate
def signs_at_points(layers, dict input_map, T, D, double rtol, double atol):
    """Hyperplane signs at points T (domain coordinates) and just beyond them along D.

    layers: list of (W, b, core_table(activation)); input_map: the network input as an
    affine map of the domain coordinates, {"M": (n_in, d), "m": (n_in,), "S": (n_in,),
    "R": (d,)}, as the engine's first maps. D may be None. Returns two (n, n_hyperplanes)
    int8 arrays in {-1, 0, 1}; see csrc/signs.hpp.
    """
    cdef _NetView nv = _NetView(layers, input_map, rtol, atol)
    cdef int d = nv.view.dim
    cdef const double[:, ::1] Tv = _points(T, d, "T")
    cdef const double[:, ::1] Dv
    cdef const double* dptr = NULL
    cdef int n = Tv.shape[0]
    if D is not None:
        Dv = _points(D, d, "D")
        if Dv.shape[0] != n:
            raise CoreInputError("D must hold one direction per point")
        dptr = &Dv[0, 0] if n else NULL
    at = np.zeros((n, nv.n_hyperplanes), dtype=np.int8)
    beyond = np.zeros((n, nv.n_hyperplanes), dtype=np.int8)
    cdef int8_t[:, ::1] av = at
    cdef int8_t[:, ::1] bo = beyond
    if n == 0 or nv.n_hyperplanes == 0:
        return at, beyond
    with nogil:
        point_signs(nv.layers, nv.view, nv.tol, n, &Tv[0, 0], dptr, &av[0, 0], &bo[0, 0])
    return at, beyond


@_translate
def signs_in_regions(layers, dict input_map, bits, poff, T, double rtol, double atol):
    """Hyperplane signs at points T grouped by region (CSR poff), each region's pattern in
    bits (n_regions, n_hyperplanes) of 0/1; see region_point_signs in csrc/signs.hpp."""
    cdef _NetView nv = _NetView(layers, input_map, rtol, atol)
    cdef int d = nv.view.dim
    cdef const uint8_t[:, ::1] bv = _c(bits, np.uint8, 2, "bits")
    cdef const double[:, ::1] Tv = _points(T, d, "T")
    cdef int n_regions = bv.shape[0]
    if bv.shape[1] != nv.n_hyperplanes:
        raise CoreInputError(f"bits must hold {nv.n_hyperplanes} bits (the layers' "
                             f"hyperplanes) per region, got {bv.shape[1]}")
    poff = _c(poff, np.int64, 1, "poff")
    _check_offsets(poff, n_regions, Tv.shape[0], "poff")
    cdef const int64_t[::1] pv = poff
    out = np.zeros((Tv.shape[0], nv.n_hyperplanes), dtype=np.int8)
    cdef int8_t[:, ::1] ov = out
    if Tv.shape[0] == 0 or nv.n_hyperplanes == 0:
        return out
    with nogil:
        region_point_signs(nv.layers, nv.view, nv.tol, n_regions, &bv[0, 0], &pv[0],
                           &Tv[0, 0], &ov[0, 0])
    return out


@_translate
def certify_row_bounds(A, C, EA, EC, centre, lo, hi, double tiny):
    """certify()'s float pass over every row of every region at once (csrc/certfilter.hpp):
    rows A (n, m, d) . t + C (n, m) exact within EA, EC; returns (vin, ein, below,
    azero), each (n, m): the value and its error bound at the region's centre, whether the
    row is proven negative on the box [lo, hi], whether A is 0."""
    cdef const double[:, :, ::1] Av = _c(A, np.float64, 3, "A")
    cdef int64_t n = Av.shape[0]
    cdef int m = Av.shape[1], d = Av.shape[2]
    cdef const double[:, ::1] Cv = _c(C, np.float64, 2, "C")
    cdef const double[:, ::1] EAv = _c(EA, np.float64, 2, "EA")
    cdef const double[:, ::1] ECv = _c(EC, np.float64, 2, "EC")
    cdef const double[:, ::1] cv = _c(centre, np.float64, 2, "centre")
    cdef const double[:, ::1] lv = _c(lo, np.float64, 2, "lo")
    cdef const double[:, ::1] hv = _c(hi, np.float64, 2, "hi")
    for name, arr, shape in (("C", Cv, (n, m)), ("EA", EAv, (n, m)), ("EC", ECv, (n, m)),
                             ("centre", cv, (n, d)), ("lo", lv, (n, d)), ("hi", hv, (n, d))):
        if (arr.shape[0], arr.shape[1]) != shape:
            raise CoreInputError(f"{name} must have shape {shape}, got "
                                 f"{(arr.shape[0], arr.shape[1])}")
    vin = np.empty((n, m), dtype=np.float64)
    ein = np.empty((n, m), dtype=np.float64)
    below = np.empty((n, m), dtype=np.uint8)
    azero = np.empty((n, m), dtype=np.uint8)
    cdef double[:, ::1] vv = vin, ev = ein
    cdef uint8_t[:, ::1] bv = below, zv = azero
    if n > 0 and m > 0 and d > 0:
        with nogil:
            certify_row_pass(n, m, d, &Av[0, 0, 0], &Cv[0, 0], &EAv[0, 0], &ECv[0, 0],
                             &cv[0, 0], &lv[0, 0], &hv[0, 0], tiny, &vv[0, 0], &ev[0, 0],
                             &bv[0, 0], &zv[0, 0])
    return vin, ein, below.view(bool), azero.view(bool)


@_translate
def certify_float_filter(layers, dict input_map, DA, Db, lo, hi, ids, bits, voff, V, ioff,
                         ineq_A, ineq_b, labels, double hint_tol, double box_slack,
                         double box_grow, double tiny):
    """certify()'s float filter (csrc/certfilter.hpp) for the regions `ids` of a RegionSet.

    layers: list of (W, b, core_table(activation)); input_map: the domain's input map (only
    "M" and "m" are read); DA, Db: the domain's rows DA t <= Db; lo, hi: its bounding box;
    bits (n_regions, n_hyperplanes) 0/1; voff, V: the stored vertices (CSR); ioff, ineq_A,
    ineq_b, labels: the stored rows (CSR). Returns (ok, radius, facet_region, facet_row): per
    id whether the float bounds settle it and a lower bound of its inradius; the settled
    regions' facets (RegionSet index, row: hyperplane, or n_hyperplanes + domain row).
    """
    cdef _NetView nv = _NetView(layers, input_map, 0.0, 0.0)
    cdef int d = nv.view.dim
    cdef const double[:, ::1] Av = _c(DA, np.float64, 2, "DA")
    cdef const double[::1] bv = _c(Db, np.float64, 1, "Db")
    cdef const double[::1] lv = _c(lo, np.float64, 1, "lo")
    cdef const double[::1] hv = _c(hi, np.float64, 1, "hi")
    cdef const int64_t[::1] idv = _c(ids, np.int64, 1, "ids")
    cdef const uint8_t[:, ::1] bits_v = _c(bits, np.uint8, 2, "bits")
    cdef const double[:, ::1] Vv = _points(V, d, "V")
    cdef const double[:, ::1] IAv = _points(ineq_A, d, "ineq_A")
    cdef const double[::1] ibv = _c(ineq_b, np.float64, 1, "ineq_b")
    cdef const int64_t[::1] labv = _c(labels, np.int64, 1, "labels")
    cdef int64_t n = idv.shape[0], n_regions = bits_v.shape[0]
    if (Av.shape[1] != d or bv.shape[0] != Av.shape[0] or lv.shape[0] != d
            or hv.shape[0] != d):
        raise CoreInputError(f"the domain's rows DA (m, {d}), Db (m,) and box lo, hi ({d},) "
                             "must fit the input map")
    if bits_v.shape[1] != nv.n_hyperplanes:
        raise CoreInputError(f"bits must hold {nv.n_hyperplanes} bits (the layers' "
                             f"hyperplanes) per region, got {bits_v.shape[1]}")
    if ibv.shape[0] != IAv.shape[0] or labv.shape[0] != IAv.shape[0]:
        raise CoreInputError("ineq_A, ineq_b and labels must hold one entry per stored row")
    if n and (np.min(ids) < 0 or np.max(ids) >= n_regions):
        raise CoreInputError(f"ids must name regions 0..{n_regions - 1}")
    voff = _c(voff, np.int64, 1, "voff")
    ioff = _c(ioff, np.int64, 1, "ioff")
    _check_offsets(voff, n_regions, Vv.shape[0], "voff")
    _check_offsets(ioff, n_regions, IAv.shape[0], "ioff")
    cdef const int64_t[::1] vo = voff, io = ioff
    cdef CertifyDomain dom
    dom.dim = d
    dom.n_in = nv.view.rows
    dom.basis = nv.view.M
    dom.origin = nv.view.m
    dom.n_rows = Av.shape[0]
    dom.A = &Av[0, 0] if Av.shape[0] else NULL
    dom.b = &bv[0] if Av.shape[0] else NULL
    dom.lo = &lv[0]
    dom.hi = &hv[0]
    cdef CertifyRegions regs
    regs.n = n
    regs.ids = &idv[0] if n else NULL
    regs.n_hyperplanes = nv.n_hyperplanes
    regs.bits = &bits_v[0, 0] if n_regions and nv.n_hyperplanes else NULL
    regs.voff = &vo[0]
    regs.V = &Vv[0, 0] if Vv.shape[0] else NULL
    regs.ioff = &io[0]
    regs.ineq_A = &IAv[0, 0] if IAv.shape[0] else NULL
    regs.ineq_b = &ibv[0] if IAv.shape[0] else NULL
    regs.labels = &labv[0] if IAv.shape[0] else NULL
    cdef CertifyTuning tune
    tune.hint_tol = hint_tol
    tune.box_slack = box_slack
    tune.box_grow = box_grow
    tune.tiny = tiny
    cdef CertifyFilterResult res
    with nogil:
        certify_filter(nv.layers, dom, regs, tune, res)
    return (_arr[uint8_t](res.ok).view(bool), _arr(res.radius),
            _arr[int64_t](res.facet_region), _arr[int64_t](res.facet_row))


@_translate
def vertex_form_facet_distances(voff, V, ioff, inc, roff, f_region, f_row, fA, fb, X):
    """Exact distance from each point X[i] to the union of the given facets.

    Facet f is the face of vertex-form region f_region[f] on its local row f_row[f], in the
    hyperplane fA[f].t = fb[f] (unit-norm rows). +inf where there are no facets.
    """
    cdef _VertexForm f = _VertexForm(voff, V, ioff, inc, roff)
    cdef const int64_t[::1] vo = f.vo, io = f.io, ro = f.ro
    cdef const double[:, ::1] Vv = f.V
    cdef const uint64_t[::1] iv = f.inc
    cdef const int64_t[::1] fr = _c(f_region, np.int64, 1, "f_region")
    cdef const int64_t[::1] fw = _c(f_row, np.int64, 1, "f_row")
    cdef const double[:, ::1] A = _c(fA, np.float64, 2, "fA")
    cdef const double[::1] b = _c(fb, np.float64, 1, "fb")
    cdef const double[:, ::1] Xv = _c(X, np.float64, 2, "X")
    cdef int d = Vv.shape[1]
    cdef int64_t nf = fr.shape[0], n = Xv.shape[0]
    if Xv.shape[1] != d or A.shape[0] != nf or b.shape[0] != nf or fw.shape[0] != nf \
            or A.shape[1] != d:
        raise CoreInputError(f"X (n, {d}) and one fA ({d} values), fb, f_row per facet "
                             f"(f_region: {nf} facets) must fit together")
    if nf and (np.min(fr) < 0 or np.max(fr) >= vo.shape[0] - 1):
        raise CoreInputError(f"f_region must name regions 0..{vo.shape[0] - 2}")
    result = np.full(n, np.inf, dtype=np.float64)
    cdef double[::1] out = result
    if n == 0 or nf == 0:
        return result
    with nogil:
        facet_distances(d, &vo[0], &Vv[0, 0], &io[0], &iv[0], &ro[0], nf, &fr[0], &fw[0],
                        &A[0, 0], &b[0], n, &Xv[0, 0], &out[0])
    return result
