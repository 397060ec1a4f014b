// Per-region layer algebra: pre-activations, hyperplanes and post-activation maps.
#include <cmath>

#include "core.hpp"

// The layer algebra is the hot loop in 1-D and 2-D; on x86-64 with GCC, build an AVX2 clone
// next to the baseline one and pick at load time (portable binaries, full speed where able).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define RK_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define RK_VECTOR_CLONES
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
  st.absWt.resize(st.Wt.size());
  for (int j = 0; j < L.n_out; ++j)
    for (int k = 0; k < L.n_in; ++k) {
      const double w = L.W[static_cast<size_t>(j) * L.n_in + k];
      st.Wt[static_cast<size_t>(k) * L.n_out + j] = w;
      st.absWt[static_cast<size_t>(k) * L.n_out + j] = std::fabs(w);
    }
  L.Wt = st.Wt.data();
  L.absWt = st.absWt.data();
}

RK_VECTOR_CLONES void layer_hyperplanes(const Layer& L, const MapsView& in, size_t r,
                                        const Tolerance& tol, Hyperplanes& H) {
  const int d = in.dim, n_in = in.rows, n_out = L.n_out;
  if (n_in != L.n_in) throw std::invalid_argument("layer input width does not match the maps");
  const double* M = in.M + r * static_cast<size_t>(n_in) * d;
  const double* m = in.m + r * static_cast<size_t>(n_in);
  const double* S = in.S + r * static_cast<size_t>(n_in);
  // Column sweep over inputs with W^T rows contiguous: skips inputs that are exactly zero
  // on the region (inactive ReLUs, S == 0) and lets the compiler vectorise over units.
  H.Pt.assign(static_cast<size_t>(d) * n_out, 0.0);
  H.q.assign(L.b, L.b + n_out);
  H.s.resize(n_out);
  for (int j = 0; j < n_out; ++j) H.s[j] = std::fabs(L.b[j]);
  for (int k = 0; k < n_in; ++k) {
    if (S[k] == 0.0) continue;
    const double* wk = L.Wt + static_cast<size_t>(k) * n_out;
    const double* awk = L.absWt + static_cast<size_t>(k) * n_out;
    const double mk = m[k], Sk = S[k];
    double* q = H.q.data();
    double* s = H.s.data();
    for (int j = 0; j < n_out; ++j) {
      q[j] += wk[j] * mk;
      s[j] += awk[j] * Sk;
    }
    for (int t = 0; t < d; ++t) {
      const double Mkt = M[static_cast<size_t>(k) * d + t];
      if (Mkt == 0.0) continue;
      double* Pt = H.Pt.data() + static_cast<size_t>(t) * n_out;
      for (int j = 0; j < n_out; ++j) Pt[j] += wk[j] * Mkt;
    }
  }
  const int per = hyperplanes_per_unit(L);
  H.count = per * n_out;
  H.dim = d;
  H.a.resize(static_cast<size_t>(H.count) * d);
  H.c.resize(H.count);
  H.eps.resize(H.count);
  for (int j = 0; j < n_out; ++j) {
    for (int h = 0; h < per; ++h) {
      const int idx = j * per + h;
      for (int t = 0; t < d; ++t)
        H.a[static_cast<size_t>(idx) * d + t] = H.Pt[static_cast<size_t>(t) * n_out + j];
      // Hyperplane h of an elementwise unit is z - breaks[h] = 0 (its bit: z > breaks[h]);
      // a maxout piece's slot is z itself.
      const double shift = L.kind == ACT_ELEMENTWISE ? L.breaks[h] : 0.0;
      H.c[idx] = H.q[j] - shift;
      H.eps[idx] = tol.atol + tol.rtol * (H.s[j] + std::fabs(shift));
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
  for (int j = 0; j < n; ++j) {
    const int piece = table_piece(bits + static_cast<size_t>(j) * nb, nb);
    const double slope = L.slopes[piece], offset = L.offsets[piece];
    double size = 0.0;  // bound of |z_j| over the domain's box
    for (int t = 0; t < d; ++t) {
      const double p = H.Pt[static_cast<size_t>(t) * n + j];
      M[static_cast<size_t>(j) * d + t] = slope * p;
      size += std::fabs(p) * R[t];
    }
    out.m[m0 + j] = slope * H.q[j] + offset;
    out.S[m0 + j] = std::fabs(slope) * (size + std::fabs(H.q[j])) + std::fabs(offset);
  }
}

}  // namespace rk
