// Per-region layer algebra: pre-activations, hyperplanes and post-activation maps.
#include <cmath>

#include "core.hpp"

namespace rk {

int hyperplanes_per_unit(int act) {
  switch (act) {
    case ACT_IDENTITY: return 0;
    case ACT_RELU:
    case ACT_LEAKY_RELU: return 1;
    case ACT_HARD_TANH: return 2;
    default: throw std::invalid_argument("unknown activation code " + std::to_string(act));
  }
}

void layer_hyperplanes(const Layer& L, const Maps& in, size_t r, const Tolerance& tol,
                       Hyperplanes& H) {
  const int d = in.dim, n_in = in.rows, n_out = L.n_out;
  if (n_in != L.n_in) throw std::invalid_argument("layer input width does not match the maps");
  const double* M = in.M.data() + r * static_cast<size_t>(n_in) * d;
  const double* m = in.m.data() + r * static_cast<size_t>(n_in);
  const double* S = in.S.data() + r * static_cast<size_t>(n_in);
  H.P.assign(static_cast<size_t>(n_out) * d, 0.0);
  H.q.assign(n_out, 0.0);
  H.s.assign(n_out, 0.0);
  for (int j = 0; j < n_out; ++j) {
    const double* w = L.W + static_cast<size_t>(j) * n_in;
    double* Pj = &H.P[static_cast<size_t>(j) * d];
    double qj = L.b[j], sj = std::fabs(L.b[j]);
    for (int k = 0; k < n_in; ++k) {
      const double wk = w[k];
      if (wk == 0.0) continue;
      const double* Mk = M + static_cast<size_t>(k) * d;
      for (int t = 0; t < d; ++t) Pj[t] += wk * Mk[t];
      qj += wk * m[k];
      sj += std::fabs(wk) * S[k];
    }
    H.q[j] = qj;
    H.s[j] = sj;
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
      std::copy(&H.P[static_cast<size_t>(j) * d], &H.P[static_cast<size_t>(j + 1) * d],
                &H.a[static_cast<size_t>(idx) * d]);
      // Hard tanh: hyperplane 0 is z = -1 (z + 1 > 0), hyperplane 1 is z = +1 (z - 1 > 0).
      const double shift = per == 2 ? (h == 0 ? 1.0 : -1.0) : 0.0;
      H.c[idx] = H.q[j] + shift;
      H.eps[idx] = tol.atol + tol.rtol * (H.s[j] + std::fabs(shift));
    }
  }
}

void append_post_activation(const Layer& L, const Hyperplanes& H, const uint8_t* bits,
                            Maps& out) {
  const int d = H.dim;
  for (int j = 0; j < L.n_out; ++j) {
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
    const double* Pj = &H.P[static_cast<size_t>(j) * d];
    for (int t = 0; t < d; ++t) out.M.push_back(slope * Pj[t]);
    out.m.push_back(slope * H.q[j] + offset);
    out.S.push_back(std::fabs(slope) * H.s[j] + std::fabs(offset));
  }
}

}  // namespace rk
