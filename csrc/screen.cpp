// The depth-first screen's interval loops (see screen.hpp): RK_VECTOR_CLONES (core.hpp).
#include "screen.hpp"

#include <algorithm>
#include <cmath>

namespace rk {
namespace {

RK_VECTOR_CLONES void box_ranges_clones(int n, int d, const double* __restrict q,
                                        const double* __restrict Pt, const double* cx,
                                        const double* hw, double* __restrict vmin,
                                        double* __restrict vmax, double* __restrict mag) {
  const size_t units = static_cast<size_t>(n);
  for (size_t j = 0; j < units; ++j) {
    vmin[j] = q[j];
    vmax[j] = q[j];
    mag[j] = std::fabs(q[j]);
  }
  for (int t = 0; t < d; ++t) {
    const double* __restrict P = Pt + static_cast<size_t>(t) * units;
    const double c = cx[t], h = hw[t], far = std::fabs(c) + h;
    for (size_t j = 0; j < units; ++j) {
      vmin[j] += P[j] * c - std::fabs(P[j]) * h;
      vmax[j] += P[j] * c + std::fabs(P[j]) * h;
      mag[j] += std::fabs(P[j]) * far;
    }
  }
}

RK_VECTOR_CLONES void add_interval_term_clones(int n, const double* __restrict w,
                                               const double* range, double* __restrict vmin,
                                               double* __restrict vmax, double* __restrict s,
                                               double* __restrict mag) {
  const double lo = range[0], hi = range[1], size = range[2], reach = range[3];
  for (size_t j = 0; j < static_cast<size_t>(n); ++j) {
    const double lo_term = w[j] * lo, hi_term = w[j] * hi;
    vmin[j] += std::min(lo_term, hi_term);
    vmax[j] += std::max(lo_term, hi_term);
    s[j] += std::fabs(w[j]) * size;
    mag[j] += std::fabs(w[j]) * reach;
  }
}

RK_VECTOR_CLONES void widen_ranges_clones(int n, double e0, double e1,
                                          const double* __restrict s, double* __restrict vmin,
                                          double* __restrict vmax, double* __restrict mag) {
  for (size_t j = 0; j < static_cast<size_t>(n); ++j) {
    const double err = e0 * s[j] + e1;
    vmin[j] -= err;
    vmax[j] += err;
    mag[j] += err;
  }
}

RK_VECTOR_CLONES void decide_units_clones(int n, int per, const double* breaks, double atol,
                                          double rtol, double roundoff,
                                          const double* __restrict vmin,
                                          const double* __restrict vmax,
                                          const double* __restrict s,
                                          const double* __restrict mag,
                                          uint8_t* __restrict decided, uint8_t* __restrict open) {
  const size_t units = static_cast<size_t>(n), stride = static_cast<size_t>(per);
  for (size_t j = 0; j < units; ++j)  // not finite (infinite or NaN): open
    open[j] = static_cast<uint8_t>(!(std::fabs(vmin[j]) < HUGE_VAL) ||
                                   !(std::fabs(vmax[j]) < HUGE_VAL));
  for (int h = 0; h < per; ++h) {
    const double shift = breaks[h], spread = std::fabs(shift);
    for (size_t j = 0; j < units; ++j) {
      const double clear = atol + rtol * (s[j] + spread) + roundoff * (mag[j] + s[j] + spread);
      const bool up = vmin[j] - shift > clear, down = vmax[j] - shift < -clear;
      decided[j * stride + h] = static_cast<uint8_t>(up);
      open[j] |= static_cast<uint8_t>(!(up || down));
    }
  }
}

template <int D>
inline void box_sides_fixed(int dim, const double* __restrict centre,
                            const double* __restrict half, const double* __restrict a,
                            const double* __restrict c, const double* __restrict eps, int n,
                            uint8_t* __restrict sides) {
  const size_t d = D > 0 ? D : static_cast<size_t>(dim);
  const double slack = (8.0 + 4.0 * static_cast<double>(d)) * 2.0 * kUnitRoundoff;
  for (size_t j = 0; j < static_cast<size_t>(n); ++j) {
    const double* aj = a + j * d;
    double v = c[j], reach = 0.0, mag = std::fabs(c[j]);
    for (size_t t = 0; t < d; ++t) {
      const double at = std::fabs(aj[t]);
      v += aj[t] * centre[t];
      reach += at * half[t];
      mag += at * (std::fabs(centre[t]) + half[t]);
    }
    const double room = reach + slack * mag;
    // eps >= 0, so at most one holds.
    sides[j] = static_cast<uint8_t>(static_cast<int>(v - room > eps[j]) |
                                    static_cast<int>(v + room < -eps[j]) << 1);
  }
}

RK_VECTOR_CLONES void box_sides_clones(int d, const double* centre, const double* half,
                                       const double* a, const double* c, const double* eps,
                                       int n, uint8_t* sides) {
  switch (d) {
    case 2: box_sides_fixed<2>(d, centre, half, a, c, eps, n, sides); break;
    case 3: box_sides_fixed<3>(d, centre, half, a, c, eps, n, sides); break;
    case 4: box_sides_fixed<4>(d, centre, half, a, c, eps, n, sides); break;
    default: box_sides_fixed<0>(d, centre, half, a, c, eps, n, sides); break;
  }
}

}  // namespace

// The clones above have internal linkage: an exported function with clones is an IFUNC symbol
// that the dynamic loader resolves among the module's ordinary relocations, before the ones
// its resolver may call through (ThreadSanitizer's instrumented resolvers crashed there);
// internal ones are resolved last. So the module exports plain calls to them.
void box_ranges(int n, int d, const double* q, const double* Pt, const double* cx,
                const double* hw, double* vmin, double* vmax, double* mag) {
  box_ranges_clones(n, d, q, Pt, cx, hw, vmin, vmax, mag);
}

void add_interval_term(int n, const double* w, const double* range, double* vmin, double* vmax,
                       double* s, double* mag) {
  add_interval_term_clones(n, w, range, vmin, vmax, s, mag);
}

void widen_ranges(int n, double e0, double e1, const double* s, double* vmin, double* vmax,
                  double* mag) {
  widen_ranges_clones(n, e0, e1, s, vmin, vmax, mag);
}

void decide_units(int n, int per, const double* breaks, double atol, double rtol,
                  double roundoff, const double* vmin, const double* vmax, const double* s,
                  const double* mag, uint8_t* decided, uint8_t* open) {
  decide_units_clones(n, per, breaks, atol, rtol, roundoff, vmin, vmax, s, mag, decided, open);
}

void box_sides(int d, const double* centre, const double* half, const double* a,
               const double* c, const double* eps, int n, uint8_t* sides) {
  box_sides_clones(d, centre, half, a, c, eps, n, sides);
}

}  // namespace rk
