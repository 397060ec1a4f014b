# distutils: language = c++
# cython: boundscheck=False, wraparound=False, cdivision=True
"""regionkit's compiled core: one layer of splitting for a whole frontier, the dense LP.

Everything here is private; regionkit.regions.engine validates input and calls these functions.
"""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport int8_t, int64_t, uint8_t, uint64_t
from libcpp cimport bool as cbool
from libcpp.vector cimport vector

from regionkit.errors import SolverError as _SolverError

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
        return L


def _translate(exc):
    if isinstance(exc, RuntimeError) and not isinstance(exc, _SolverError):
        return _SolverError(str(exc))
    return exc


def activation_kinds():
    """The core's ActivationKind values by name (csrc/core.hpp)."""
    return {"ELEMENTWISE": <int>ACT_ELEMENTWISE, "MAXOUT": <int>ACT_MAXOUT}


def hyperplane_count(table):
    """Hyperplanes (pattern bits) per row of W of a layer with this activation table."""
    cdef _Table t = _Table(table)
    cdef const double[:, ::1] W = np.zeros((1, 1))
    cdef const double[::1] b = np.zeros(1)
    return hyperplanes_per_unit(t.layer(W, b))


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


def split_frontier(str kind, dict frontier, dict maps, W, b, table, double rtol, double atol,
                   int64_t label_base, size_t max_total, double seconds,
                   double hard_seconds=np.inf):
    """Split frontier regions of `kind` ('1d', '2d', 'nd', 'vd') by one layer whose
    activation is `table` (regionkit.model.activations.core_table; not maxout).

    Returns (n_done, children, child_maps, bits, parent, aborted); bits has one byte per
    hyperplane; aborted: a region was left unsplit to keep the partition within max_total
    regions or the split within hard_seconds (see split_layer in csrc/split.hpp).
    """
    cdef const double[:, ::1] Wv = np.ascontiguousarray(W, dtype=np.float64)
    cdef const double[::1] bv = np.ascontiguousarray(b, dtype=np.float64)
    cdef _Table t = _Table(table)
    if t.kind == ACT_MAXOUT:
        raise ValueError("maxout layers are split by regionkit.regions.maxout, not by the core")
    cdef Layer L = t.layer(Wv, bv)
    cdef Tolerance tol
    tol.rtol = rtol
    tol.atol = atol
    cdef const double[:, :, ::1] Mv = np.ascontiguousarray(maps["M"], dtype=np.float64)
    cdef const double[:, ::1] mv = np.ascontiguousarray(maps["m"], dtype=np.float64)
    cdef const double[:, ::1] Sv = np.ascontiguousarray(maps["S"], dtype=np.float64)
    cdef const double[::1] Rv = np.ascontiguousarray(maps["R"], dtype=np.float64)
    if not (Mv.shape[0] == mv.shape[0] == Sv.shape[0] and Mv.shape[0] > 0):
        raise ValueError("maps must hold one entry per region, and at least one region")
    cdef MapsView mi
    mi.rows = Mv.shape[1]
    mi.dim = Mv.shape[2]
    mi.M = &Mv[0, 0, 0]
    mi.m = &mv[0, 0]
    mi.S = &Sv[0, 0]
    if Rv.shape[0] != mi.dim:
        raise ValueError("maps['R'] must hold one bound per domain coordinate")
    mi.R = &Rv[0]
    cdef Maps mo
    cdef vector[uint8_t] bits
    cdef vector[int64_t] parent
    cdef size_t done = 0, n = 0
    cdef cbool aborted = False
    cdef Intervals i_out
    cdef Polygons p_out
    cdef HPolytopes h_out
    cdef VPolytopes v_out
    cdef IntervalsView i_in
    cdef PolygonsView p_in
    cdef HPolytopesView h_in
    cdef VPolytopesView v_in
    cdef list keep = []  # the arrays the input views point into
    try:
        if kind == "1d":
            _span(i_in.lo, frontier["lo"], keep); _span(i_in.hi, frontier["hi"], keep)
            _span(i_in.lab_lo, frontier["lab_lo"], keep)
            _span(i_in.lab_hi, frontier["lab_hi"], keep)
            with nogil:
                done = split_layer[Intervals, IntervalsView](
                    i_in, mi, L, tol, label_base, max_total, seconds, hard_seconds, i_out, mo,
                    bits, parent, aborted)
            n = i_out.count()
            children = {"lo": _arr(i_out.lo), "hi": _arr(i_out.hi),
                        "lab_lo": _arr[int64_t](i_out.lab_lo), "lab_hi": _arr[int64_t](i_out.lab_hi)}
        elif kind == "2d":
            _span(p_in.off, frontier["off"], keep); _span(p_in.xy, frontier["xy"], keep)
            _span(p_in.lab, frontier["lab"], keep); _span(p_in.row, frontier["row"], keep)
            with nogil:
                done = split_layer[Polygons, PolygonsView](
                    p_in, mi, L, tol, label_base, max_total, seconds, hard_seconds, p_out, mo,
                    bits, parent, aborted)
            n = p_out.count()
            children = {"off": _arr[int64_t](p_out.off), "xy": _arr(p_out.xy).reshape(-1, 2),
                        "lab": _arr[int64_t](p_out.lab), "row": _arr(p_out.row).reshape(-1, 3)}
        elif kind == "nd":
            h_in.dim = mi.dim
            _span(h_in.off, frontier["off"], keep); _span(h_in.A, frontier["A"], keep)
            _span(h_in.b, frontier["b"], keep); _span(h_in.lab, frontier["lab"], keep)
            _span(h_in.center, frontier["center"], keep)
            _span(h_in.radius, frontier["radius"], keep)
            with nogil:
                done = split_layer[HPolytopes, HPolytopesView](
                    h_in, mi, L, tol, label_base, max_total, seconds, hard_seconds, h_out, mo,
                    bits, parent, aborted)
            n = h_out.count()
            children = {"off": _arr[int64_t](h_out.off), "A": _arr(h_out.A).reshape(-1, mi.dim),
                        "b": _arr(h_out.b), "lab": _arr[int64_t](h_out.lab),
                        "center": _arr(h_out.center).reshape(-1, mi.dim),
                        "radius": _arr(h_out.radius)}
        elif kind == "vd":
            v_in.dim = mi.dim
            _span(v_in.voff, frontier["voff"], keep); _span(v_in.V, frontier["V"], keep)
            _span(v_in.ioff, frontier["ioff"], keep); _span(v_in.inc, frontier["inc"], keep)
            _span(v_in.roff, frontier["roff"], keep); _span(v_in.A, frontier["A"], keep)
            _span(v_in.b, frontier["b"], keep); _span(v_in.lab, frontier["lab"], keep)
            with nogil:
                done = split_layer[VPolytopes, VPolytopesView](
                    v_in, mi, L, tol, label_base, max_total, seconds, hard_seconds, v_out, mo,
                    bits, parent, aborted)
            n = v_out.count()
            children = {"voff": _arr[int64_t](v_out.voff), "V": _arr(v_out.V).reshape(-1, mi.dim),
                        "ioff": _arr[int64_t](v_out.ioff), "inc": _arr[uint64_t](v_out.inc),
                        "roff": _arr[int64_t](v_out.roff), "A": _arr(v_out.A).reshape(-1, mi.dim),
                        "b": _arr(v_out.b), "lab": _arr[int64_t](v_out.lab)}
        else:
            raise ValueError(f"unknown frontier kind {kind!r}")
    except RuntimeError as exc:
        raise _translate(exc) from None
    nh = hyperplanes_per_unit(L) * L.n_out
    mo.rows = L.n_out
    mo.dim = mi.dim
    return (int(done), children, _maps_out(mo, n), _arr[uint8_t](bits).reshape(n, nh),
            _arr[int64_t](parent), bool(aborted))


def lp_min(A, b, c, x0, double stop_below=-np.inf):
    """Minimise c.x over A x <= b from feasible x0 with the core's dense solver.

    Returns (status name, x, value). For tests and diagnostics.
    """
    cdef const double[:, ::1] Av = np.ascontiguousarray(A, dtype=np.float64)
    cdef const double[::1] bv = np.ascontiguousarray(b, dtype=np.float64)
    cdef const double[::1] cv = np.ascontiguousarray(c, dtype=np.float64)
    x = np.array(x0, dtype=np.float64, copy=True)
    cdef double[::1] xv = x
    cdef double value = 0.0
    cdef int status
    cdef LPWork work
    cdef int d = Av.shape[1], m = Av.shape[0]
    try:
        with nogil:
            status = lp_minimize(d, m, &Av[0, 0], &bv[0], &cv[0], &xv[0], stop_below, &value,
                                 work)
    except RuntimeError as exc:
        raise _translate(exc) from None
    return LP_STATUS[status], x, value


def chebyshev(off, A, b, centers):
    """Chebyshev centre and radius of each region {A x < b} (CSR rows), from feasible points."""
    cdef const int64_t[::1] ov = np.ascontiguousarray(off, dtype=np.int64)
    cdef const double[:, ::1] Av = np.ascontiguousarray(A, dtype=np.float64)
    cdef const double[::1] bv = np.ascontiguousarray(b, dtype=np.float64)
    out = np.array(centers, dtype=np.float64, copy=True, order="C")
    cdef double[:, ::1] xv = out
    radii = np.empty(out.shape[0], dtype=np.float64)
    cdef double[::1] rv = radii
    cdef LPWork work
    cdef Py_ssize_t r
    cdef int d = Av.shape[1]
    try:
        with nogil:
            for r in range(xv.shape[0]):
                rv[r] = chebyshev_center(d, <int>(ov[r + 1] - ov[r]), &Av[ov[r], 0], &bv[ov[r]],
                                         &xv[r, 0], work)
    except RuntimeError as exc:
        raise _translate(exc) from None
    return out, radii


cdef class _VertexForm:
    """Typed views of a vertex form's arrays: vertex, incidence-word and row offsets, the
    vertices and the incidence words (see regionkit/vertexform.py)."""
    cdef const int64_t[::1] vo
    cdef const int64_t[::1] io
    cdef const int64_t[::1] ro
    cdef const double[:, ::1] V
    cdef const uint64_t[::1] inc

    def __init__(self, voff, V, ioff, inc, roff):
        self.vo = np.ascontiguousarray(voff, dtype=np.int64)
        self.io = np.ascontiguousarray(ioff, dtype=np.int64)
        self.ro = np.ascontiguousarray(roff, dtype=np.int64)
        self.V = np.ascontiguousarray(V, dtype=np.float64)
        self.inc = np.ascontiguousarray(inc, dtype=np.uint64)


def vertex_form_measures(voff, V, ioff, inc, roff, A=None):
    """Exact volume of each vertex-form region, and per row its facet volume and centroid.

    A holds the rows' normals, aligned with roff: given it, simple regions take the
    normal-based recursion (simplevolume.hpp); without it, and for the other regions, the
    general one (measure.hpp). A row that is not a facet (or repeats an earlier row's facet)
    gets volume 0.
    """
    cdef _VertexForm f = _VertexForm(voff, V, ioff, inc, roff)
    cdef const int64_t[::1] vo = f.vo, io = f.io, ro = f.ro
    cdef const double[:, ::1] Vv = f.V
    cdef const uint64_t[::1] iv = f.inc
    cdef Py_ssize_t n = vo.shape[0] - 1, r
    cdef int d = Vv.shape[1], nv, nf
    cdef bint normals = A is not None
    cdef const double[:, ::1] Av = np.ascontiguousarray(
        A if normals else np.zeros((ro[n], d)), dtype=np.float64)
    if Av.shape[0] != ro[n] or (ro[n] and Av.shape[1] != d):
        raise ValueError("A must hold one normal of the vertices' dimension per region row")
    volumes = np.zeros(n, dtype=np.float64)
    facet_volume = np.zeros(ro[n], dtype=np.float64)
    facet_centroid = np.zeros((ro[n], d), dtype=np.float64)
    cdef double[::1] vol = volumes
    cdef double[::1] fv = facet_volume
    cdef double[:, ::1] fc = facet_centroid
    with nogil:
        for r in range(n):
            if ro[r + 1] == ro[r]:
                continue
            nv = <int>(vo[r + 1] - vo[r])
            nf = <int>(ro[r + 1] - ro[r])
            if normals and is_simple(d, nv, nf, &iv[io[r]]):
                vol[r] = simple_region_measures(d, nv, &Vv[vo[r], 0], nf, &iv[io[r]],
                                                &Av[ro[r], 0], &fv[ro[r]], &fc[ro[r], 0])
            else:
                vol[r] = region_measures(d, nv, &Vv[vo[r], 0], nf, &iv[io[r]], &fv[ro[r]],
                                         &fc[ro[r], 0])
    return volumes, facet_volume, facet_centroid


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
    cdef const double[:, ::1] Av = np.ascontiguousarray(A, dtype=np.float64)
    cdef const uint8_t[::1] fl = np.ascontiguousarray(flag, dtype=np.uint8)
    cdef Py_ssize_t n = vo.shape[0] - 1, r
    cdef int d = Vv.shape[1], nv, nf
    if Av.shape[0] != ro[n] or fl.shape[0] != ro[n] or (ro[n] and Av.shape[1] != d):
        raise ValueError("A and flag must hold one entry per region row")
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


def vertex_form_faces(voff, V, ioff, inc, roff):
    """Every face of every vertex-form region: (region, dimension, volume, centroid) arrays.

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
    cdef size_t before
    with nogil:
        for r in range(n):
            before = dims.size()
            region_faces(d, <int>(vo[r + 1] - vo[r]), &Vv[vo[r], 0], <int>(ro[r + 1] - ro[r]),
                         &iv[io[r]], dims, vols, cents)
            owner.insert(owner.end(), dims.size() - before, r)
    return (_arr[int64_t](owner), _arr[int](dims).astype(np.int64), _arr(vols),
            _arr(cents).reshape(-1, d))


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


def signs_at_points(layers, dict input_map, T, D, double rtol, double atol):
    """Hyperplane signs at points T (domain coordinates) and just beyond them along D.

    layers: list of (W, b, core_table(activation)); input_map: the network input as an
    affine map of the domain coordinates, {"M": (n_in, d), "m": (n_in,), "S": (n_in,),
    "R": (d,)}, as the engine's first maps. D may be None. Returns two (n, n_hyperplanes)
    int8 arrays in {-1, 0, 1}; see csrc/signs.hpp.
    """
    cdef _NetView nv = _NetView(layers, input_map, rtol, atol)
    cdef int d = nv.view.dim
    cdef const double[:, ::1] Tv = np.ascontiguousarray(np.reshape(T, (-1, d)), dtype=np.float64)
    cdef const double[:, ::1] Dv
    cdef const double* dptr = NULL
    cdef int n = Tv.shape[0]
    if D is not None:
        Dv = np.ascontiguousarray(np.reshape(D, (-1, d)), dtype=np.float64)
        if Dv.shape[0] != n:
            raise ValueError("D must hold one direction per point")
        dptr = &Dv[0, 0] if n else NULL
    at = np.zeros((n, nv.n_hyperplanes), dtype=np.int8)
    beyond = np.zeros((n, nv.n_hyperplanes), dtype=np.int8)
    cdef int8_t[:, ::1] av = at
    cdef int8_t[:, ::1] bo = beyond
    if n == 0 or nv.n_hyperplanes == 0:
        return at, beyond
    try:
        with nogil:
            point_signs(nv.layers, nv.view, nv.tol, n, &Tv[0, 0], dptr, &av[0, 0], &bo[0, 0])
    except RuntimeError as exc:
        raise _translate(exc) from None
    return at, beyond


def signs_in_regions(layers, dict input_map, bits, poff, T, double rtol, double atol):
    """Hyperplane signs at points T grouped by region (CSR poff), each region's pattern in
    bits (n_regions, n_hyperplanes) of 0/1; see region_point_signs in csrc/signs.hpp."""
    cdef _NetView nv = _NetView(layers, input_map, rtol, atol)
    cdef int d = nv.view.dim
    cdef const uint8_t[:, ::1] bv = np.ascontiguousarray(bits, dtype=np.uint8)
    cdef const int64_t[::1] pv = np.ascontiguousarray(poff, dtype=np.int64)
    cdef const double[:, ::1] Tv = np.ascontiguousarray(np.reshape(T, (-1, d)), dtype=np.float64)
    cdef int n_regions = bv.shape[0]
    if bv.shape[1] != nv.n_hyperplanes or pv.shape[0] != n_regions + 1 \
            or pv[n_regions] != Tv.shape[0]:
        raise ValueError("bits, poff and T do not match")
    out = np.zeros((Tv.shape[0], nv.n_hyperplanes), dtype=np.int8)
    cdef int8_t[:, ::1] ov = out
    if Tv.shape[0] == 0 or nv.n_hyperplanes == 0:
        return out
    try:
        with nogil:
            region_point_signs(nv.layers, nv.view, nv.tol, n_regions, &bv[0, 0], &pv[0],
                               &Tv[0, 0], &ov[0, 0])
    except RuntimeError as exc:
        raise _translate(exc) from None
    return out


def vertex_form_facet_distances(voff, V, ioff, inc, roff, f_region, f_row, fA, fb, X):
    """Exact distance from each point X[i] to the union of the given facets.

    Facet f is the face of vertex-form region f_region[f] on its local row f_row[f], in the
    hyperplane fA[f].t = fb[f] (unit-norm rows). +inf where there are no facets.
    """
    cdef _VertexForm f = _VertexForm(voff, V, ioff, inc, roff)
    cdef const int64_t[::1] vo = f.vo, io = f.io, ro = f.ro
    cdef const double[:, ::1] Vv = f.V
    cdef const uint64_t[::1] iv = f.inc
    cdef const int64_t[::1] fr = np.ascontiguousarray(f_region, dtype=np.int64)
    cdef const int64_t[::1] fw = np.ascontiguousarray(f_row, dtype=np.int64)
    cdef const double[:, ::1] A = np.ascontiguousarray(fA, dtype=np.float64)
    cdef const double[::1] b = np.ascontiguousarray(fb, dtype=np.float64)
    cdef const double[:, ::1] Xv = np.ascontiguousarray(X, dtype=np.float64)
    cdef int d = Vv.shape[1]
    cdef int64_t nf = fr.shape[0], n = Xv.shape[0]
    if Xv.shape[1] != d or A.shape[0] != nf or b.shape[0] != nf or fw.shape[0] != nf \
            or (nf and A.shape[1] != d):
        raise ValueError("vertex_form_facet_distances: inconsistent shapes")
    result = np.full(n, np.inf, dtype=np.float64)
    cdef double[::1] out = result
    if n == 0 or nf == 0:
        return result
    with nogil:
        facet_distances(d, &vo[0], &Vv[0, 0], &io[0], &iv[0], &ro[0], nf, &fr[0], &fw[0],
                        &A[0, 0], &b[0], n, &Xv[0, 0], &out[0])
    return result
