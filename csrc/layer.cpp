// Per-region layer algebra: pre-activations, hyperplanes and post-activation maps.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <type_traits>

#include "core.hpp"

// The layer algebra is the hot loop in 1-D and 2-D: RK_VECTOR_CLONES (core.hpp) builds AVX2
// and baseline copies of it, and on x86-64 with GCC the blocked kernels also get an AVX-512
// copy (16 vector registers of 8 doubles), taken where the CPU and the OS support it. Every
// copy makes the same sums bit for bit: each lane is one unit's sum in input order, and
// products are never fused into the sums (setup.py builds with -ffp-contract=off, which
// AVX-512's FMA would otherwise allow).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define RK_AVX512 __attribute__((target("avx512f")))
#define RK_HAS_AVX512 1
#else
#define RK_AVX512
#define RK_HAS_AVX512 0
#endif

namespace rk {

int hyperplanes_per_unit(const Layer& L) {
  switch (L.kind) {
    case ACT_MAXOUT: return 1;
    case ACT_ELEMENTWISE: return L.n_breaks;
    default: throw std::invalid_argument("unknown activation kind " + std::to_string(L.kind));
  }
}

MaxoutPairScales::MaxoutPairScales(int k, int n_in, const double* W, const double* b)
    : k_(k), db_(static_cast<size_t>(k) * k, 0.0), off_(static_cast<size_t>(k) * k + 1, 0) {
  for (int a = 0; a < k; ++a)
    for (int j = 0; j < k; ++j) {
      const size_t p = static_cast<size_t>(a) * k + j;
      off_[p] = val_.size();
      if (a >= j) continue;  // pairs are stored once, at a < j
      db_[p] = std::fabs(b[a] - b[j]);
      const double* wa = W + static_cast<size_t>(a) * n_in;
      const double* wj = W + static_cast<size_t>(j) * n_in;
      for (int i = 0; i < n_in; ++i) {
        const double d = std::fabs(wa[i] - wj[i]);
        if (d != 0.0) {
          val_.push_back(d);
          idx_.push_back(i);
        }
      }
    }
  off_.back() = val_.size();
}

void prepare_layer(Layer& L, LayerStorage& st) {
  st.Wt.resize(static_cast<size_t>(L.n_in) * L.n_out);
  for (int j = 0; j < L.n_out; ++j)
    for (int k = 0; k < L.n_in; ++k) {
      const double w = L.W[static_cast<size_t>(j) * L.n_in + k];
      st.Wt[static_cast<size_t>(k) * L.n_out + j] = w;
    }
  L.Wt = st.Wt.data();
}

namespace {

// Vectors of doubles and floats for the blocked kernels below (GCC/Clang vector extension:
// 32 bytes are AVX registers in the AVX2 clone, pairs of SSE registers in the baseline one;
// 64 bytes are AVX-512 registers). Inlined into their callers only, so the vector
// argument-passing ABI never applies.
#pragma GCC diagnostic ignored "-Wpsabi"
typedef double v4d __attribute__((vector_size(32)));
typedef double v8d __attribute__((vector_size(64)));
typedef float v8f __attribute__((vector_size(32)));
typedef float v16f __attribute__((vector_size(64)));

#define RK_INLINE inline __attribute__((always_inline))

template <class V>
constexpr int lanes = sizeof(V) / sizeof(V{}[0]);

template <class V, class T>
RK_INLINE V loadv(const T* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class V, class T>
RK_INLINE void storev(T* p, V v) {
  std::memcpy(p, &v, sizeof v);
}
template <class V>
RK_INLINE V absv(V v) {
  typedef int64_t VI __attribute__((vector_size(sizeof(V))));
  return reinterpret_cast<V>(reinterpret_cast<VI>(v) & (VI{} + INT64_MAX));
}

// Pre-activations of units [j0, j0 + NV lanes) from the active inputs: a register-blocked
// kernel (the accumulators of those units stay in registers while the inputs stream past),
// summing in the order of the inputs as the plain loop does, each term a product then a sum,
// so the values are the same bit for bit. coef holds, per active input a, m_k, S_k and M_k (D
// values). The sums start from the layer's bias (base == nullptr) or from base's partial
// sums. S: the scales s too (else H.s is left as it is).
template <class V, int D, int NV, bool S>
RK_INLINE void compose_units(const Layer& L, const int* active, const double* coef, int na, int j0,
                             const PreActivations* base, PreActivations& H) {
  constexpr int W = lanes<V>;
  const int n_out = L.n_out;
  V q[NV], s[NV], P[D][NV];
  for (int v = 0; v < NV; ++v) {
    if (base == nullptr) {
      q[v] = loadv<V>(L.b + j0 + W * v);
      s[v] = absv(q[v]);
      for (int t = 0; t < D; ++t) P[t][v] = V{};
    } else {
      q[v] = loadv<V>(base->q.data() + j0 + W * v);
      if constexpr (S) s[v] = loadv<V>(base->s.data() + j0 + W * v);
      for (int t = 0; t < D; ++t)
        P[t][v] = loadv<V>(base->Pt.data() + static_cast<size_t>(t) * n_out + j0 + W * v);
    }
  }
  for (int a = 0; a < na; ++a) {
    const double* w = L.Wt + static_cast<size_t>(active[a]) * n_out + j0;
    const double* c = coef + static_cast<size_t>(a) * (D + 2);
    const V mk = V{} + c[0], Sk = V{} + c[1];
    for (int v = 0; v < NV; ++v) {
      const V wv = loadv<V>(w + W * v);
      q[v] += wv * mk;
      if constexpr (S) s[v] += absv(wv) * Sk;
      for (int t = 0; t < D; ++t) P[t][v] += wv * (V{} + c[2 + t]);
    }
  }
  for (int v = 0; v < NV; ++v) {
    storev(H.q.data() + j0 + W * v, q[v]);
    if constexpr (S) storev(H.s.data() + j0 + W * v, s[v]);
    for (int t = 0; t < D; ++t)
      storev(H.Pt.data() + static_cast<size_t>(t) * n_out + j0 + W * v, P[t][v]);
  }
}

// The same sums for one unit j (the units left over by the blocks), any dimension d; its
// weights read from W's row j (contiguous) rather than W^T's column (a stride of n_out).
template <int D, bool S = true>
RK_INLINE void compose_unit(const Layer& L, int d, const int* active, const double* coef, int na,
                            int j, const PreActivations* base, PreActivations& H) {
  const int n_out = L.n_out, dd = D > 0 ? D : d;
  const double* wj = L.W + static_cast<size_t>(j) * L.n_in;
  double q, s = 0.0, P[D > 0 ? D : 1];
  if (base == nullptr) {
    q = L.b[j];
    s = std::fabs(L.b[j]);
  } else {
    q = base->q[j];
    if constexpr (S) s = base->s[j];
  }
  for (int t = 0; t < dd; ++t) {
    double p = base == nullptr ? 0.0 : base->Pt[static_cast<size_t>(t) * n_out + j];
    for (int a = 0; a < na; ++a)
      p += wj[active[a]] * coef[static_cast<size_t>(a) * (dd + 2) + 2 + t];
    if constexpr (D > 0) P[t] = p;
    else H.Pt[static_cast<size_t>(t) * n_out + j] = p;
  }
  for (int a = 0; a < na; ++a) {
    const double w = wj[active[a]];
    const double* c = coef + static_cast<size_t>(a) * (dd + 2);
    q += w * c[0];
    if constexpr (S) s += std::fabs(w) * c[1];
  }
  H.q[j] = q;
  if constexpr (S) H.s[j] = s;
  if constexpr (D > 0)
    for (int t = 0; t < D; ++t) H.Pt[static_cast<size_t>(t) * n_out + j] = P[t];
}

// Units in blocks of NV vectors of V, the rest one by one.
template <class V, int D, int NV, bool S>
RK_INLINE void compose_blocks(const Layer& L, const int* active, const double* coef, int na,
                              const PreActivations* base, PreActivations& H) {
  constexpr int block = NV * lanes<V>;
  int j0 = 0;
  for (; j0 + block <= L.n_out; j0 += block)
    compose_units<V, D, NV, S>(L, active, coef, na, j0, base, H);
  for (; j0 < L.n_out; ++j0) compose_unit<D, S>(L, D, active, coef, na, j0, base, H);
}

// (D + 2) NV accumulators fit the 16 vector registers (AVX2) or half the 32 (AVX-512).
template <int D, bool S>
RK_VECTOR_CLONES void compose_layer(const Layer& L, const int* active, const double* coef,
                                    int na, const PreActivations* base, PreActivations& H) {
  compose_blocks<v4d, D, (D <= 3 ? 2 : 1), S>(L, active, coef, na, base, H);
}
template <int D, bool S>
RK_AVX512 void compose_layer_avx512(const Layer& L, const int* active, const double* coef,
                                    int na, const PreActivations* base, PreActivations& H) {
  compose_blocks<v8d, D, (D <= 3 ? 2 : 1), S>(L, active, coef, na, base, H);
}

// Any dimension: one unit at a time.
RK_VECTOR_CLONES void compose_layer_any(const Layer& L, int d, const int* active,
                                        const double* coef, int na, const PreActivations* base,
                                        PreActivations& H) {
  for (int j = 0; j < L.n_out; ++j) compose_unit<0>(L, d, active, coef, na, j, base, H);
}

// Whether the AVX-512 copies may run: the CPU has AVX-512F, the OS saves its registers, and
// REGIONKIT_NO_AVX512 is unset, empty or "0" (read once, at the first layer).
bool use_avx512() {
#if RK_HAS_AVX512
  static const bool able = [] {
    const char* off = std::getenv("REGIONKIT_NO_AVX512");
    const bool refused = off != nullptr && off[0] != '\0' && std::strcmp(off, "0") != 0;
    return !refused && __builtin_cpu_supports("avx512f");
  }();
  return able;
#else
  return false;
#endif
}

}  // namespace

const char* vector_kernels() {
  if (use_avx512()) return "avx512";
#if RK_HAS_AVX512
  if (__builtin_cpu_supports("avx2")) return "avx2";
#endif
  return "baseline";
}

namespace {

// Units [j0, j0 + NV lanes) of screen_sums_f32, accumulators in registers (as compose_units).
template <class V, int D, int NV>
RK_INLINE void screen_units_f32(const float* Wt, int n_out, const int* active, const float* c,
                                int na, int j0, float* q, float* P) {
  constexpr int W = lanes<V>;
  V qa[NV], Pa[D][NV];
  for (int v = 0; v < NV; ++v) {
    qa[v] = V{};
    for (int t = 0; t < D; ++t) Pa[t][v] = V{};
  }
  for (int a = 0; a < na; ++a) {
    const float* w = Wt + static_cast<size_t>(active[a]) * n_out + j0;
    const float* ca = c + static_cast<size_t>(a) * (D + 1);
    const V m = V{} + ca[0];
    for (int v = 0; v < NV; ++v) {
      const V wv = loadv<V>(w + W * v);
      qa[v] += wv * m;
      for (int t = 0; t < D; ++t) Pa[t][v] += wv * (V{} + ca[1 + t]);
    }
  }
  for (int v = 0; v < NV; ++v) {
    storev(q + j0 + W * v, qa[v]);
    for (int t = 0; t < D; ++t) storev(P + static_cast<size_t>(t) * n_out + j0 + W * v, Pa[t][v]);
  }
}

template <class V, int D, int NV>
RK_INLINE void screen_blocks_f32(const float* Wt, int n_out, const int* active, const float* c,
                                 int na, float* q, float* P) {
  constexpr int block = NV * lanes<V>;
  int j0 = 0;
  for (; j0 + block <= n_out; j0 += block)
    screen_units_f32<V, D, NV>(Wt, n_out, active, c, na, j0, q, P);
  for (; j0 < n_out; ++j0) {
    float qj = 0.0f, Pj[D] = {};
    for (int a = 0; a < na; ++a) {
      const float w = Wt[static_cast<size_t>(active[a]) * n_out + j0];
      const float* ca = c + static_cast<size_t>(a) * (D + 1);
      qj += w * ca[0];
      for (int t = 0; t < D; ++t) Pj[t] += w * ca[1 + t];
    }
    q[j0] = qj;
    for (int t = 0; t < D; ++t) P[static_cast<size_t>(t) * n_out + j0] = Pj[t];
  }
}

// (D + 1) NV accumulators fit the vector registers.
template <int D>
RK_VECTOR_CLONES void screen_layer_f32(const float* Wt, int n_out, const int* active,
                                       const float* c, int na, float* q, float* P) {
  screen_blocks_f32<v8f, D, (D <= 3 ? 2 : 1)>(Wt, n_out, active, c, na, q, P);
}
template <int D>
RK_AVX512 void screen_layer_f32_avx512(const float* Wt, int n_out, const int* active,
                                       const float* c, int na, float* q, float* P) {
  screen_blocks_f32<v16f, D, (D <= 3 ? 2 : 1)>(Wt, n_out, active, c, na, q, P);
}

// f(std::integral_constant<int, d>{}) for 1 <= d <= 8 (kernels with the dimension fixed at
// compile time); false, nothing called, for any other d.
template <class F>
bool with_dim(int d, F&& f) {
  switch (d) {
    case 1: f(std::integral_constant<int, 1>{}); return true;
    case 2: f(std::integral_constant<int, 2>{}); return true;
    case 3: f(std::integral_constant<int, 3>{}); return true;
    case 4: f(std::integral_constant<int, 4>{}); return true;
    case 5: f(std::integral_constant<int, 5>{}); return true;
    case 6: f(std::integral_constant<int, 6>{}); return true;
    case 7: f(std::integral_constant<int, 7>{}); return true;
    case 8: f(std::integral_constant<int, 8>{}); return true;
    default: return false;
  }
}

}  // namespace

void compose_inputs(const Layer& L, int d, const int* active, const double* coef, int na,
                    const PreActivations* base, PreActivations& H, bool scales) {
  H.Pt.resize(static_cast<size_t>(d) * L.n_out);
  H.q.resize(L.n_out);
  H.s.resize(L.n_out);
  auto run = [&](auto dim) {
    constexpr int D = decltype(dim)::value;
    if (use_avx512()) {
      if (scales) compose_layer_avx512<D, true>(L, active, coef, na, base, H);
      else compose_layer_avx512<D, false>(L, active, coef, na, base, H);
    } else {
      if (scales) compose_layer<D, true>(L, active, coef, na, base, H);
      else compose_layer<D, false>(L, active, coef, na, base, H);
    }
  };
  if (!with_dim(d, run)) compose_layer_any(L, d, active, coef, na, base, H);
}

bool screen_sums_f32(const Layer& L, const float* Wt32, int d, const int* active,
                     const double* coef, int na, std::vector<float>& scratch, PreActivations& out,
                     double* error) {
  if (d < 1 || d > 8) return false;
  const int n_out = L.n_out;
  // The rows as floats (m, M_0 .. M_{d-1}), then the sums' q (n_out) and P (d x n_out).
  const size_t width = static_cast<size_t>(d) + 1, rows = static_cast<size_t>(na) * width;
  scratch.resize(rows + static_cast<size_t>(n_out) * width);
  float* c = scratch.data();
  for (int a = 0; a < na; ++a) {
    const double* row = coef + static_cast<size_t>(a) * (d + 2);
    if (!in_float_range(row[0])) return false;
    c[a * width] = static_cast<float>(row[0]);
    for (int t = 0; t < d; ++t) {
      if (!in_float_range(row[2 + t])) return false;
      c[a * width + 1 + t] = static_cast<float>(row[2 + t]);
    }
  }
  float* q = c + rows;
  float* P = q + n_out;
  auto run = [&](auto dim) {
    constexpr int D = decltype(dim)::value;
    if (use_avx512()) screen_layer_f32_avx512<D>(Wt32, n_out, active, c, na, q, P);
    else screen_layer_f32<D>(Wt32, n_out, active, c, na, q, P);
  };
  with_dim(d, run);  // 1 <= d <= 8 (above)
  out.Pt.resize(static_cast<size_t>(d) * n_out);
  out.q.resize(n_out);
  out.s.resize(n_out);
  for (int j = 0; j < n_out; ++j) out.q[j] = L.b[j] + static_cast<double>(q[j]);
  for (size_t i = 0; i < static_cast<size_t>(d) * n_out; ++i) out.Pt[i] = P[i];
  // Each term is rounded three times (W, the row, the product) and each sum na times, in
  // units of 2^-24, then the bias added in double: 2^-23 per step leaves room for the
  // second-order terms. A product that underflows is off by at most 2^-150 (sums whose
  // result is subnormal are exact), in q and in each P_t (times |x_t|).
  error[0] = (na + 4.0) * 0x1p-23;
  error[1] = (na + 4.0) * 0x1p-149;
  return true;
}

void compose_inputs_of(const Layer& L, int d, const int* active, const double* coef, int na,
                       const int* units, int nu, const PreActivations* base, PreActivations& H) {
  H.Pt.resize(static_cast<size_t>(d) * L.n_out);
  H.q.resize(L.n_out);
  H.s.resize(L.n_out);
  auto each = [&](auto dim) {
    for (int u = 0; u < nu; ++u)
      compose_unit<decltype(dim)::value>(L, d, active, coef, na, units[u], base, H);
  };
  if (!with_dim(d, each)) each(std::integral_constant<int, 0>{});
}

void layer_hyperplanes(const Layer& L, const MapsView& in, size_t r, const Tolerance& tol,
                       Hyperplanes& H) {
  const int d = in.dim, n_in = in.rows;
  if (n_in != L.n_in) throw std::invalid_argument("layer input width does not match the maps");
  // Inputs that are exactly zero on the region (inactive ReLUs, S == 0) add nothing.
  const double* M = in.M + r * static_cast<size_t>(n_in) * d;
  const double* m = in.m + r * static_cast<size_t>(n_in);
  const double* S = in.S + r * static_cast<size_t>(n_in);
  H.active.clear();
  H.coef.clear();
  for (int k = 0; k < n_in; ++k) {
    if (S[k] == 0.0) continue;
    H.active.push_back(k);
    H.coef.push_back(m[k]);
    H.coef.push_back(S[k]);
    H.coef.insert(H.coef.end(), M + static_cast<size_t>(k) * d, M + static_cast<size_t>(k + 1) * d);
  }
  compose_inputs(L, d, H.active.data(), H.coef.data(), static_cast<int>(H.active.size()), nullptr,
                 H);
  finish_hyperplanes(L, d, tol, H);
}

void finish_hyperplanes(const Layer& L, int d, const Tolerance& tol, Hyperplanes& H,
                        const int* units, int nu) {
  const int n_out = L.n_out;
  const int per = hyperplanes_per_unit(L);
  const bool all = nu < 0;
  if (all) nu = n_out;
  H.count = per * nu;
  H.dim = d;
  H.partial = L.partial;
  H.a.resize(static_cast<size_t>(H.count) * d);
  H.c.resize(H.count);
  H.eps.resize(H.count);
  // Raw pointers: the stores may not alias the loads, so the loops need not reload them.
  double* __restrict a = H.a.data();
  double* __restrict c = H.c.data();
  double* __restrict eps = H.eps.data();
  const double* Pt = H.Pt.data();
  const double* q = H.q.data();
  const double* s = H.s.data();
  const size_t stride = static_cast<size_t>(n_out);
  for (int h = 0; h < per; ++h) {
    // Hyperplane h of an elementwise unit is z - breaks[h] = 0 (its bit: z > breaks[h]);
    // a maxout piece's slot is z itself.
    const double shift = L.kind == ACT_ELEMENTWISE ? L.breaks[h] : 0.0;
    const double spread = std::fabs(shift);
    for (size_t u = 0; u < static_cast<size_t>(nu); ++u) {
      const size_t j = all ? u : static_cast<size_t>(units[u]);
      const size_t idx = u * per + h;
      for (int t = 0; t < d; ++t) a[idx * d + t] = Pt[t * stride + j];
      c[idx] = q[j] - shift;
      eps[idx] = tol.atol + tol.rtol * (s[j] + spread);
    }
  }
}

namespace {

// Maxout: unit u outputs its winning piece (the set bit among its pieces' bits).
void append_maxout(const Layer& L, const Hyperplanes& H, const uint8_t* bits, const double* R,
                   Maps& out) {
  const int d = H.dim, k = L.pieces, units = L.n_out / k;
  for (int u = 0; u < units; ++u) {
    int w = u * k;
    for (int j = 0; j < k; ++j)
      if (bits[u * k + j]) w = u * k + j;
    double size = 0.0;
    for (int t = 0; t < d; ++t) {
      const double p = H.Pt[static_cast<size_t>(t) * L.n_out + w];
      out.M.push_back(p);
      size += std::fabs(p) * R[t];
    }
    out.m.push_back(H.q[w]);
    out.S.push_back(size + std::fabs(H.q[w]));
  }
}

}  // namespace

void append_post_activation(const Layer& L, const Hyperplanes& H, const uint8_t* bits,
                            const double* R, Maps& out) {
  if (L.kind == ACT_MAXOUT) {
    append_maxout(L, H, bits, R, out);
    return;
  }
  const int d = H.dim, n = L.n_out, nb = L.n_breaks;
  const size_t M0 = out.M.size(), m0 = out.m.size();
  out.M.resize(M0 + static_cast<size_t>(n) * d);
  out.m.resize(m0 + n);
  out.S.resize(m0 + n);
  double* M = out.M.data() + M0;
  for (int j = 0; j < n; ++j)
    post_activation_row(L, H.Pt.data() + j, n, H.q[j], d,
                        table_piece(bits + static_cast<size_t>(j) * nb, nb), R, &out.m[m0 + j],
                        &out.S[m0 + j], M + static_cast<size_t>(j) * d);
}

void append_pre_activation(const Hyperplanes& H, int n_out, Maps& out) {
  const int d = H.dim;
  const size_t M0 = out.M.size();
  out.M.resize(M0 + static_cast<size_t>(n_out) * d);
  for (int j = 0; j < n_out; ++j)
    for (int t = 0; t < d; ++t)
      out.M[M0 + static_cast<size_t>(j) * d + t] = H.Pt[static_cast<size_t>(t) * n_out + j];
  out.m.insert(out.m.end(), H.q.begin(), H.q.begin() + n_out);
  out.S.insert(out.S.end(), H.s.begin(), H.s.begin() + n_out);
}

void append_child_maps(const Layer& A, const MapsView& parents, const int64_t* parent,
                       const uint8_t* bits, size_t n, Maps& out) {
  const int d = parents.dim, units = A.n_out, nb = A.n_breaks;
  if (A.kind != ACT_ELEMENTWISE) throw std::invalid_argument("child maps need an elementwise layer");
  if (parents.rows != units) throw std::invalid_argument("parents' maps do not match the layer");
  const size_t M0 = out.M.size(), m0 = out.m.size();
  out.M.resize(M0 + n * units * d);
  out.m.resize(m0 + n * units);
  out.S.resize(m0 + n * units);
  for (size_t c = 0; c < n; ++c) {
    const size_t p = static_cast<size_t>(parent[c]);
    const double* P = parents.M + p * units * d;
    const double* q = parents.m + p * units;
    const uint8_t* b = bits + c * units * nb;
    for (int j = 0; j < units; ++j) {
      const size_t at = c * units + j;
      post_activation_row(A, P + static_cast<size_t>(j) * d, 1, q[j], d,
                          table_piece(b + static_cast<size_t>(j) * nb, nb), parents.R,
                          &out.m[m0 + at], &out.S[m0 + at], &out.M[M0 + at * d]);
    }
  }
}

}  // namespace rk
