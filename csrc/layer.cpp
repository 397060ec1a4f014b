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

int hyperplanes_per_unit(int act) {
  switch (act) {
    case ACT_IDENTITY: return 0;
    case ACT_RELU:
    case ACT_LEAKY_RELU:
    case ACT_MAXOUT: return 1;
    case ACT_HARD_TANH: return 2;
    default: throw std::invalid_argument("unknown activation code " + std::to_string(act));
  }
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
  const int per = hyperplanes_per_unit(L.act);
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
      // Hard tanh: hyperplane 0 is z = -1 (z + 1 > 0), hyperplane 1 is z = +1 (z - 1 > 0).
      const double shift = per == 2 ? (h == 0 ? 1.0 : -1.0) : 0.0;
      H.c[idx] = H.q[j] + shift;
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
  if (L.act == ACT_MAXOUT) {
    append_maxout(L, H, bits, R, out);
    return;
  }
  const int d = H.dim, n = L.n_out;
  const size_t M0 = out.M.size(), m0 = out.m.size();
  out.M.resize(M0 + static_cast<size_t>(n) * d);
  out.m.resize(m0 + n);
  out.S.resize(m0 + n);
  double* M = out.M.data() + M0;
  for (int j = 0; j < n; ++j) {
    double slope = 1.0, offset = 0.0;
    switch (L.act) {
      case ACT_RELU: slope = bits[j] ? 1.0 : 0.0; break;
      case ACT_LEAKY_RELU: slope = bits[j] ? 1.0 : L.slope; break;
      case ACT_HARD_TANH:
        if (bits[2 * j + 1]) {
          slope = 0.0; offset = 1.0;
        } else if (bits[2 * j]) {
          slope = 1.0;
        } else {
          slope = 0.0; offset = -1.0;
        }
        break;
      default: break;
    }
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
