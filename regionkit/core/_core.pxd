# The contract between regionkit's Python layer and its C++ core (csrc/).
# Every C++ entry point may throw std::invalid_argument (-> ValueError), std::bad_alloc
# (-> MemoryError) or rk::SolverError (a std::runtime_error -> RuntimeError); `except +`
# translates them and _core.pyx's _translate turns them into CoreInputError, CoreMemoryError
# and SolverError (regionkit.errors).
from libc.stdint cimport int8_t, int64_t, uint8_t, uint64_t
from libcpp cimport bool as cbool
from libcpp.vector cimport vector

cdef extern from "core.hpp" namespace "rk" nogil:
    cdef struct Tolerance:
        double rtol       # relative part, times the magnitude bound of each hyperplane
        double atol       # absolute part
    cdef struct Layer:
        int n_out         # units in this layer
        int n_in          # width of the layer input
        const double* W   # n_out x n_in, row-major
        const double* b   # n_out
        int kind              # ActivationKind (regionkit/model/activations.py)
        int n_breaks          # elementwise: breakpoints of the table
        const double* breaks  # n_breaks, strictly increasing
        const double* slopes  # n_breaks + 1: f = slopes[i] z + offsets[i] on piece i
        const double* offsets # n_breaks + 1
        int pieces            # maxout pieces per unit (1 otherwise)
        cbool partial         # the first units of a wider layer (keep its rows)
    cdef cppclass MapsView:
        int rows          # units per region map
        int dim           # input (slice) dimension
        const double* M   # regions x rows x dim
        const double* m   # regions x rows
        const double* S   # regions x rows, magnitude bounds
        const double* R   # dim: largest |t_i| over the domain
    cdef cppclass Maps:
        int rows          # units per region map
        int dim           # input (slice) dimension
        vector[double] M  # regions x rows x dim
        vector[double] m  # regions x rows
        vector[double] S  # regions x rows, magnitude bounds
    cdef enum ActivationKind:
        ACT_ELEMENTWISE
        ACT_MAXOUT
    int hyperplanes_per_unit(const Layer& L) except +
    const char* vector_kernels_cpp "rk::vector_kernels"()
    void append_child_maps(const Layer& A, const MapsView& parents, const int64_t* parent,
                           const uint8_t* bits, size_t n, Maps& out) except +
    cdef cppclass MaxoutPairScales:
        MaxoutPairScales(int k, int n_in, const double* W, const double* b) except +
        double operator()(int a, int j, const double* S)

cdef extern from "lp.hpp" namespace "rk" nogil:
    cdef cppclass LPWork:
        pass
    int lp_minimize(int d, int m, const double* A, const double* b, const double* c,
                    double* x, double stop_below, double* value, LPWork& work) except +
    double chebyshev_center(int d, int m, const double* A, const double* b, double* x,
                            LPWork& work) except +

cdef extern from "split.hpp" namespace "rk" nogil:
    cdef cppclass Span[T]:           # read-only view of caller-owned memory
        const T* p
        size_t n
    # The frontier geometries: each view's Span fields are the columns of its Geometry, in
    # the order of Geometry.columns (regionkit/core/geometry.py); _core.pyx binds them by it.
    cdef cppclass IntervalsView "rk::Intervals::View":
        Span[double] lo, hi
        Span[int64_t] lab_lo, lab_hi
    cdef cppclass PolygonsView "rk::Polygons::View":
        Span[int64_t] off
        Span[double] xy
        Span[int64_t] lab
        Span[double] row
    cdef cppclass HPolytopesView "rk::HPolytopes::View":
        int dim
        Span[int64_t] off
        Span[double] A, b
        Span[int64_t] lab
        Span[double] center, radius
    cdef cppclass VPolytopesView "rk::VPolytopes::View":
        int dim
        Span[int64_t] voff
        Span[double] V
        Span[int64_t] ioff
        Span[uint64_t] inc
        Span[int64_t] roff
        Span[double] A, b
        Span[int64_t] lab
    cdef cppclass Intervals:
        vector[double] lo, hi            # interval ends
        vector[int64_t] lab_lo, lab_hi   # labels of the hyperplanes at the ends
        size_t count()
    cdef cppclass Polygons:
        vector[int64_t] off              # vertex offsets, regions + 1
        vector[double] xy                # 2 per vertex, counter-clockwise
        vector[int64_t] lab              # label of the edge leaving each vertex
        vector[double] row               # 3 per edge: a0, a1, b with a.x < b
        size_t count()
    cdef cppclass HPolytopes:
        int dim
        vector[int64_t] off              # row offsets, regions + 1
        vector[double] A, b              # unit-norm rows, A x < b
        vector[int64_t] lab              # label of each row
        vector[double] center, radius    # Chebyshev centre and radius
        size_t count()
    cdef cppclass VPolytopes:
        int dim
        vector[int64_t] voff             # vertex offsets, regions + 1
        vector[double] V                 # dim per vertex
        vector[int64_t] ioff             # incidence-word offsets, regions + 1
        vector[uint64_t] inc             # rows each vertex lies on, bit sets
        vector[int64_t] roff             # row offsets, regions + 1
        vector[double] A, b              # unit-norm rows, A x < b
        vector[int64_t] lab              # label of each row
        size_t count()

cdef extern from "parallel.hpp" namespace "rk" nogil:
    # Split a frontier by one layer on `workers` threads claiming `batch` regions at a time:
    # the same output whatever their number (split_layer in split.hpp, the serial split, for
    # one).
    size_t split_layer_threads[G, V](const V& inp, const MapsView& maps_in, const Layer& L,
                                     const Tolerance& tol, int64_t label_base,
                                     size_t max_total, double seconds, double hard_seconds,
                                     int workers, size_t batch, G& out, Maps& maps_out,
                                     vector[uint8_t]& bits_out, vector[int64_t]& parent_out,
                                     cbool& aborted, cbool parent_maps) except +

cdef extern from "dfs.hpp" namespace "rk" nogil:
    # Depth first: each root region goes through every remaining layer inside the core.
    cdef enum Keep:
        KEEP_REGIONS      # leaves keep geometry, output map and pattern
        KEEP_PATTERNS     # pattern and an interior point
        KEEP_COUNT        # counts only
    cdef cppclass DfsLayers:
        vector[Layer] L
        vector[int64_t] label_base
        int prefix_bits   # pattern bits of the layers before the roots
        cbool from_parents   # roots' maps from their parents' pre-activations of `from`
        Layer from_ "from"
        const int64_t* parent
        const uint8_t* from_bits
        const int64_t* map_of   # wide first split: root r's maps are entry map_of[r]
        int fixed               # ... and its first `fixed` hyperplanes are decided
        size_t call_leaves      # claim no more roots once those done hold this many leaves

cdef extern from "measure.hpp" namespace "rk" nogil:
    double region_measures(int d, int nv, const double* V, int nf, const uint64_t* inc,
                           double* facet_volume, double* facet_centroid) except +
    void region_faces(int d, int nv, const double* V, int nf, const uint64_t* inc,
                      vector[int]& dims, vector[double]& vols, vector[double]& cents,
                      vector[int]& verts, vector[int]& n_verts) except +

cdef extern from "simplevolume.hpp" namespace "rk" nogil:
    bint is_simple(int d, int nv, int nf, const uint64_t* inc)
    double simple_region_measures(int d, int nv, const double* V, int nf, const uint64_t* inc,
                                  const double* A, double* facet_volume,
                                  double* facet_centroid, double* conditioning) except +
    cdef cppclass FaceOutput:
        vector[int] dims
        vector[double] vols
        vector[double] cents
        vector[int] check
        vector[int] check_rows
    void simple_owned_faces(int d, int nv, const double* V, int nf, const uint64_t* inc,
                            const double* A, const uint8_t* flag, FaceOutput& out) except +

cdef extern from "signs.hpp" namespace "rk" nogil:
    void point_signs(const vector[Layer]& layers, const MapsView& input,
                     const Tolerance& tol, int n, const double* T, const double* D,
                     int8_t* at, int8_t* beyond) except +
    void region_point_signs(const vector[Layer]& layers, const MapsView& input,
                            const Tolerance& tol, int n_regions, const uint8_t* bits,
                            const int64_t* poff, const double* T, int8_t* out) except +

cdef extern from "certfilter.hpp" namespace "rk" nogil:
    void certify_row_pass(int64_t n, int m, int d, const double* A, const double* C,
                          const double* EA, const double* EC, const double* centre,
                          const double* lo, const double* hi, double tiny, double* vin,
                          double* ein, uint8_t* below, uint8_t* azero) except +
    cdef cppclass CertifyDomain:
        int dim, n_in, n_rows
        const double* basis
        const double* origin
        const double* A
        const double* b
        const double* lo
        const double* hi
    cdef cppclass CertifyRegions:
        int64_t n
        const int64_t* ids
        int n_hyperplanes
        const uint8_t* bits
        const int64_t* voff
        const double* V
        const int64_t* ioff
        const double* ineq_A
        const double* ineq_b
        const int64_t* labels
    cdef cppclass CertifyTuning:
        double hint_tol, box_slack, box_grow, tiny
    cdef cppclass CertifyFilterResult:
        vector[uint8_t] ok
        vector[double] radius
        vector[int64_t] facet_region, facet_row
    void certify_filter(const vector[Layer]& layers, const CertifyDomain& dom,
                        const CertifyRegions& regions, const CertifyTuning& tune,
                        CertifyFilterResult& out) except +

cdef extern from "facedist.hpp" namespace "rk" nogil:
    void facet_distances(int d, const int64_t* voff, const double* V, const int64_t* ioff,
                         const uint64_t* inc, const int64_t* roff, int64_t n_facets,
                         const int64_t* f_region, const int64_t* f_row, const double* fA,
                         const double* fb, int64_t n, const double* X, double* out) except +
