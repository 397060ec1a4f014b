// certify()'s fused per-row float pass (see certfilter.hpp for the bounds).
#include "certfilter.hpp"

#include <cmath>
#include <limits>
#include <vector>

namespace rk {
namespace {

constexpr double kU = 1.1102230246251565e-16;  // 2^-53, the unit roundoff
constexpr double kSafety = 2.0;

// gamma(n) for n terms plus a constant and one rounding of the sum (as _gamma in certify.py).
inline double gamma_terms(int n) {
  const double k = static_cast<double>(n) + 2.0;
  return k * kU / (1.0 - k * kU);
}

}  // namespace

void certify_row_pass(int64_t n, int m, int d, const double* A, const double* C,
                      const double* EA, const double* EC, const double* centre,
                      const double* lo, const double* hi, double tiny, double* vin,
                      double* ein, uint8_t* below, double* margin, uint8_t* azero) {
  const double gv = kSafety * gamma_terms(d);
  const double gt = kSafety * gamma_terms(d + 1);
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> R(d), ac(d);
  for (int64_t r = 0; r < n; ++r) {
    const double* c = centre + r * d;
    const double* l = lo + r * d;
    const double* h = hi + r * d;
    double sum_c = 0.0, sum_R = 0.0;
    for (int q = 0; q < d; ++q) {
      ac[q] = std::fabs(c[q]);
      R[q] = std::fmax(std::fabs(l[q]), std::fabs(h[q]));
      sum_c += ac[q];
      sum_R += R[q];
    }
    for (int j = 0; j < m; ++j) {
      const size_t k = static_cast<size_t>(r) * m + j;
      const double* a = A + k * d;
      const double cj = C[k];
      double v = cj, av = std::fabs(cj), t = cj, at = std::fabs(cj), nn = 0.0;
      bool zero = true;
      for (int q = 0; q < d; ++q) {
        const double aq = a[q];
        zero = zero && aq == 0.0;
        v += aq * c[q];
        av += std::fabs(aq) * ac[q];
        t += std::fmax(aq * l[q], aq * h[q]);
        at += std::fabs(aq) * R[q];
        nn += aq * aq;
      }
      const double e = gv * av + EA[k] * sum_c + EC[k] + tiny;
      vin[k] = v;
      ein[k] = e;
      below[k] = t + EA[k] * sum_R + EC[k] + gt * at + tiny < 0.0;
      margin[k] = nn > 0.0 ? -(v + e) / (std::sqrt(nn) * (1.0 + 1e-12)) : inf;
      azero[k] = zero;
    }
  }
}

}  // namespace rk
