// regionkit compiled core: shared types. C++17, no Python headers.
//
// A frontier is a set of convex regions of the (slice) input space, each carrying the
// local affine map h(x) = M x + m of the current layer input. One call splits a whole
// frontier by one layer: the layer's hyperplanes are affine in x inside each region.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

// Hot loops over a layer's units: on x86-64 with GCC, an AVX2 clone is built next to the
// baseline one and picked at load time (portable binaries, full speed where able). Neither
// fuses products into sums (setup.py: -ffp-contract=off), so both give the same bits.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define RK_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define RK_VECTOR_CLONES
#endif

namespace rk {

// The unit roundoff of doubles, 2^-53: rounding errors are counted in units of it.
constexpr double kUnitRoundoff = 1.1102230246251565e-16;

// Raised when the dense LP solver cannot certify an answer (iteration limit, unbounded).
class SolverError : public std::runtime_error {
 public:
  explicit SolverError(const std::string& what) : std::runtime_error(what) {}
};

// How a layer's activation is read; the Python twin is ActivationKind in
// regionkit/model/activations.py (keep the values equal). ELEMENTWISE: a continuous
// piecewise-linear table (Layer::breaks, slopes, offsets). MAXOUT: split in Python
// (regionkit/regions/maxout.py); the core knows it only for point signs and post-activation
// maps: one "hyperplane" slot per piece (pattern bit).
enum ActivationKind : int { ACT_ELEMENTWISE = 0, ACT_MAXOUT = 1 };

// A value v of a hyperplane is "zero" when |v| <= atol + rtol * scale, where scale bounds
// the magnitude of the terms that were summed to produce the hyperplane (see Maps::S).
struct Tolerance {
  double rtol = 1e-10;
  double atol = 0.0;
};

// One dense layer z = W h + b followed by an activation. An elementwise activation is the
// table f(z) = slopes[i] z + offsets[i] on piece i, breaks[i-1] < z <= breaks[i]; unit j has
// one hyperplane z_j = breaks[h] per breakpoint, its bit h set iff z_j > breaks[h].
struct Layer {
  int n_out = 0;
  int n_in = 0;
  const double* W = nullptr;  // n_out x n_in, row-major
  const double* b = nullptr;  // n_out
  const double* Wt = nullptr;     // W transposed (n_in x n_out), filled by prepare_layer
  int kind = ACT_ELEMENTWISE;
  int n_breaks = 0;
  const double* breaks = nullptr;   // n_breaks, strictly increasing
  const double* slopes = nullptr;   // n_breaks + 1
  const double* offsets = nullptr;  // n_breaks + 1
  int pieces = 1;             // maxout: rows u*pieces .. u*pieces+pieces-1 are unit u's
  // The first units of a wider layer, whose pieces the rest of its units split again (the
  // engine's wide first split): the vertex form then keeps the rows a whole layer would,
  // so that the two passes give the one-pass split bit for bit.
  bool partial = false;
};

// Hyperplanes (pattern bits) per row of W: maxout 1 (one per piece), elementwise n_breaks.
int hyperplanes_per_unit(const Layer& L);

// Piece of an elementwise unit from its n_breaks bits: the highest set bit + 1, so that
// breakpoints closer than the tolerance never read an inconsistent pattern.
inline int table_piece(const uint8_t* bits, int n_breaks) {
  for (int h = n_breaks - 1; h >= 0; --h)
    if (bits[h]) return h + 1;
  return 0;
}

// The zero-tolerance scale of the hyperplane P_a - P_j between pieces a and j of a maxout
// unit whose input is bounded by S: |b_a - b_j| + sum_i |W_ai - W_ji| S_i, the magnitude of
// the terms summed to produce it (as Maps::S for any hyperplane). The one formula for the
// engine's maxout split (regionkit/regions/maxout.py, through the compiled module) and for
// point signs (signs.cpp). Built once per unit: only the inputs where two rows differ count.
class MaxoutPairScales {
 public:
  // W: the unit's k rows (k x n_in, row-major), b: its k biases.
  MaxoutPairScales(int k, int n_in, const double* W, const double* b);
  double operator()(int a, int j, const double* S) const {
    const size_t p = a < j ? static_cast<size_t>(a) * k_ + j : static_cast<size_t>(j) * k_ + a;
    double s = db_[p];
    for (size_t t = off_[p]; t < off_[p + 1]; ++t) s += val_[t] * S[idx_[t]];
    return s;
  }

 private:
  int k_;
  std::vector<double> db_, val_;
  std::vector<size_t> off_;
  std::vector<int> idx_;
};

// Read-only view of local affine maps (arrays owned by the caller), laid out as Maps, and
// R, the largest |t_i| over the domain for each domain coordinate i.
struct MapsView {
  int rows = 0;
  int dim = 0;
  const double* M = nullptr;
  const double* m = nullptr;
  const double* S = nullptr;
  const double* R = nullptr;
};

// Local affine maps h(x) = M x + m, one per region, rows x dim each. S[i] bounds |h_i| over
// the domain's bounding box (sum_t |M_it| R_t + |m_i|); the next layer's tolerance scale is
// sum_k |W_jk| S_k + |b_j|, the size of the terms summed to produce z_j. (Bounding the terms
// of every earlier layer instead would compound like the product of |W| over the depth and
// merge genuine thin regions of deep nets.)
struct Maps {
  int rows = 0;
  int dim = 0;
  std::vector<double> M, m, S;
  size_t count() const { return rows ? m.size() / static_cast<size_t>(rows) : 0; }
};

// A layer's pre-activations z = P x + q on a region (P stored transposed, dim x units), with
// s bounding the magnitude of the terms summed to produce each z (its zero-tolerance scale).
struct PreActivations {
  std::vector<double> Pt, q, s;
};

// The hyperplanes a.x + c = 0 of one layer inside one region, with their zero tolerances,
// and the pre-activations they came from (kept to build the next maps).
struct Hyperplanes : PreActivations {
  int count = 0;
  int dim = 0;
  bool partial = false;  // Layer::partial of the layer they came from
  std::vector<double> a, c, eps;
  // Scratch of layer_hyperplanes: the inputs nonzero on the region and their coefficients.
  std::vector<int> active;
  std::vector<double> coef;
};

// Storage for W^T; points L.Wt into it.
struct LayerStorage {
  std::vector<double> Wt;
};
void prepare_layer(Layer& L, LayerStorage& storage);

// Fill H with the layer's hyperplanes for region r of `in`.
void layer_hyperplanes(const Layer& L, const MapsView& in, size_t r, const Tolerance& tol,
                       Hyperplanes& H);

// Pre-activations of layer L into H from its inputs' affine maps, given as rows: input
// active[a] (a < na) is h = M x + m with |h| <= S, coef[a (d + 2) ..] = m, S, M_0 .. M_{d-1}.
// The sums start from L's bias, or (base != nullptr) from base: partial sums over other inputs.
// scales = false: H.s is not summed (its values are left unspecified); above 8-D it always is.
void compose_inputs(const Layer& L, int d, const int* active, const double* coef, int na,
                    const PreActivations* base, PreActivations& H, bool scales = true);

// The vector kernels compose_inputs and screen_sums_f32 run on this CPU: "avx512", "avx2" or
// "baseline". Each gives the same sums bit for bit (no fused multiply-adds); environment
// variable REGIONKIT_NO_AVX512=1 keeps the AVX-512 ones off.
const char* vector_kernels();

// Whether x is 0 or of a magnitude in [2^-100, 2^100]: a float holds it to a relative 2^-24,
// and products of two such floats are either exact to that or overflow (not finite) or
// underflow by less than 2^-149 (the bounds of screen_sums_f32).
inline bool in_float_range(double x) {
  const double a = std::fabs(x);
  return a == 0.0 || (a >= 0x1p-100 && a <= 0x1p100);
}

// Approximate sums of L's pre-activations (q and Pt of `out`; its s left unspecified) over
// the same inputs as compose_inputs, from the bias, in single precision (Wt32: W^T as floats),
// for a screen only: at any x with |x_t| <= R_t, q + Pt.x is within
// error[0] sum_k |W_jk| S_k + error[1] (1 + sum_t |x_t|) of the exact value; an overflow
// leaves a value that is not finite. False (nothing done) unless 1 <= d <= 8 and every row
// value is in_float_range (the caller checks W). scratch: the caller's.
bool screen_sums_f32(const Layer& L, const float* Wt32, int d, const int* active,
                     const double* coef, int na, std::vector<float>& scratch, PreActivations& out,
                     double* error);

// The same sums for units[0 .. nu) of L only (the others of H untouched), from base's (or,
// base == nullptr, from the bias): the values compose_inputs gives them, bit for bit.
void compose_inputs_of(const Layer& L, int d, const int* active, const double* coef, int na,
                       const int* units, int nu, const PreActivations* base, PreActivations& H);

// Fill H's hyperplanes (a, c, eps) from its pre-activations (Pt, q, s) of layer L in dimension
// d: of every unit (nu < 0), or of units[0 .. nu) only, in that order.
void finish_hyperplanes(const Layer& L, int d, const Tolerance& tol, Hyperplanes& H,
                        const int* units = nullptr, int nu = -1);

// The post-activation map of an elementwise unit on `piece`, from its pre-activation
// z = P x + q (P's d coefficients at P[0], P[stride], ...): h = M x + m with |h| <= S over
// the domain's box (R as in MapsView).
inline void post_activation_row(const Layer& L, const double* P, size_t stride, double q, int d,
                                int piece, const double* R, double* m, double* S, double* M) {
  const double slope = L.slopes[piece], offset = L.offsets[piece];
  double size = 0.0;  // bound of |z| over the domain's box
  for (int t = 0; t < d; ++t) {
    const double p = P[static_cast<size_t>(t) * stride];
    M[t] = slope * p;
    size += std::fabs(p) * R[t];
  }
  *m = slope * q + offset;
  *S = std::fabs(slope) * (size + std::fabs(q)) + std::fabs(offset);
}

// The post-activation maps of children, each from its parent's pre-activations of layer A
// (`parents`, one entry of A.n_out rows per parent region, laid out as maps: M = P) and its
// bits of layer A: what the layer's split would have appended for the child, bit for bit.
void append_child_maps(const Layer& A, const MapsView& parents, const int64_t* parent,
                       const uint8_t* bits, size_t n, Maps& out);

// Append the post-activation map of a piece whose hyperplane bits are `bits`; R as in MapsView.
void append_post_activation(const Layer& L, const Hyperplanes& H, const uint8_t* bits,
                            const double* R, Maps& out);

// Append H's pre-activations as one maps entry (M = P, m = q, S = s): a parent's, from which
// append_child_maps gives its children's maps.
void append_pre_activation(const Hyperplanes& H, int n_out, Maps& out);

// Sign of a hyperplane on a region: split, non-negative with a positive part, or never > 0.
enum Side : int { SIDE_NONPOS = 0, SIDE_POS = 1, SIDE_SPLIT = 2 };

}  // namespace rk
