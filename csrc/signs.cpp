// Forward passes that report hyperplane signs (see signs.hpp).
#include "signs.hpp"

#include <algorithm>
#include <cmath>

namespace rk {

void point_signs(const std::vector<Layer>& layers, int n, int d, const double* X,
                 const double* D, const double* R, const double* first_scale, double rtol,
                 int8_t* at, int8_t* beyond) {
  int width = d, H = 0;
  for (const Layer& L : layers) {
    width = std::max(width, L.n_out);
    H += hyperplanes_per_unit(L.act) * L.n_out;
  }
  // Per point: values h, directional derivatives dh, local Jacobian J (width x d) and the
  // magnitude bound S of each unit over the domain box, as the engine keeps them.
  std::vector<double> h(width), dh(width), S(width), z(width), dz(width), sc(width);
  std::vector<double> J(static_cast<size_t>(width) * d), Jz(static_cast<size_t>(width) * d);
  for (int p = 0; p < n; ++p) {
    const double* x = X + static_cast<size_t>(p) * d;
    std::copy(x, x + d, h.begin());
    if (D) std::copy(D + static_cast<size_t>(p) * d, D + static_cast<size_t>(p + 1) * d, dh.begin());
    else std::fill(dh.begin(), dh.end(), 0.0);
    std::fill(J.begin(), J.end(), 0.0);
    for (int t = 0; t < d; ++t) {
      J[static_cast<size_t>(t) * d + t] = 1.0;
      S[t] = R[t];
    }
    int8_t* a = at + static_cast<size_t>(p) * H;
    int8_t* bo = beyond + static_cast<size_t>(p) * H;
    int col = 0;
    for (size_t li = 0; li < layers.size(); ++li) {
      const Layer& L = layers[li];
      for (int j = 0; j < L.n_out; ++j) {
        const double* w = L.W + static_cast<size_t>(j) * L.n_in;
        double zj = L.b[j], dzj = 0.0, sj = std::fabs(L.b[j]);
        double* Jj = &Jz[static_cast<size_t>(j) * d];
        std::fill(Jj, Jj + d, 0.0);
        for (int k = 0; k < L.n_in; ++k) {
          zj += w[k] * h[k];
          sj += std::fabs(w[k]) * S[k];
          for (int t = 0; t < d; ++t) Jj[t] += w[k] * J[static_cast<size_t>(k) * d + t];
        }
        if (D)
          for (int k = 0; k < L.n_in; ++k) dzj += w[k] * dh[k];
        z[j] = zj;
        dz[j] = dzj;
        sc[j] = li == 0 && first_scale ? first_scale[j] : sj;
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
        // |z_j| over the box from its local map z = Jz t + (z - Jz.x), as in the engine.
        const double* Jj = &Jz[static_cast<size_t>(j) * d];
        double size = 0.0, c = z[j];
        for (int t = 0; t < d; ++t) {
          size += std::fabs(Jj[t]) * R[t];
          c -= Jj[t] * x[t];
        }
        h[j] = slope * z[j] + offset;
        dh[j] = slope * dz[j];
        S[j] = std::fabs(slope) * (size + std::fabs(c)) + std::fabs(offset);
        for (int t = 0; t < d; ++t) J[static_cast<size_t>(j) * d + t] = slope * Jj[t];
      }
    }
  }
}

}  // namespace rk
