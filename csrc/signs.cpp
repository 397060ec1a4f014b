// Forward passes that report hyperplane signs (see signs.hpp).
#include "signs.hpp"

#include <algorithm>
#include <cmath>

namespace rk {

void point_signs(const std::vector<Layer>& layers, int n, int n_in, const double* X,
                 const double* D, const double* S0, double rtol, int8_t* at, int8_t* beyond) {
  int width = n_in, H = 0;
  for (const Layer& L : layers) {
    width = std::max(width, L.n_out);
    H += hyperplanes_per_unit(L.act) * L.n_out;
  }
  std::vector<double> h(width), dh(width), S(width), z(width), dz(width), sc(width);
  for (int p = 0; p < n; ++p) {
    std::copy(X + static_cast<size_t>(p) * n_in, X + static_cast<size_t>(p + 1) * n_in, h.begin());
    if (D) std::copy(D + static_cast<size_t>(p) * n_in, D + static_cast<size_t>(p + 1) * n_in, dh.begin());
    else std::fill(dh.begin(), dh.end(), 0.0);
    std::copy(S0, S0 + n_in, S.begin());
    int8_t* a = at + static_cast<size_t>(p) * H;
    int8_t* bo = beyond + static_cast<size_t>(p) * H;
    int col = 0;
    for (const Layer& L : layers) {
      for (int j = 0; j < L.n_out; ++j) {
        const double* w = L.W + static_cast<size_t>(j) * L.n_in;
        double zj = L.b[j], dzj = 0.0, sj = std::fabs(L.b[j]);
        for (int k = 0; k < L.n_in; ++k) {
          zj += w[k] * h[k];
          sj += std::fabs(w[k]) * S[k];
        }
        if (D)
          for (int k = 0; k < L.n_in; ++k) dzj += w[k] * dh[k];
        z[j] = zj;
        dz[j] = dzj;
        sc[j] = sj;
      }
      for (int j = 0; j < L.n_out; ++j) {
        double slope = 1.0, offset = 0.0;
        if (L.act != ACT_IDENTITY) {
          const int per = hyperplanes_per_unit(L.act);
          int8_t side[2] = {0, 0};
          for (int t = 0; t < per; ++t) {
            const double thr = per == 2 ? (t == 0 ? -1.0 : 1.0) : 0.0;
            const double v = z[j] - thr, tol = rtol * (sc[j] + std::fabs(thr));
            const int8_t s = v > tol ? 1 : (v < -tol ? -1 : 0);
            const int8_t ds = dz[j] > 0 ? 1 : (dz[j] < 0 ? -1 : 0);
            a[col] = s;
            side[t] = bo[col] = s != 0 ? s : ds;
            ++col;
          }
          if (L.act == ACT_HARD_TANH) {
            if (side[1] > 0) { slope = 0.0; offset = 1.0; }
            else if (side[0] <= 0) { slope = 0.0; offset = -1.0; }
          } else if (side[0] <= 0) {
            slope = L.act == ACT_LEAKY_RELU ? L.slope : 0.0;
          }
        }
        h[j] = slope * z[j] + offset;
        dh[j] = slope * dz[j];
        S[j] = std::fabs(slope) * sc[j] + std::fabs(offset);
      }
    }
  }
}

}  // namespace rk
