// The per-row pass of certify()'s float filter (regionkit/regions/certify.py), fused.
//
// Each region r has m float rows g_j(t) = A[r,j] . t + C[r,j] whose exact counterparts differ
// by at most EA[r,j] in every gradient component and EC[r,j] in the constant (bounds that
// already carry the filter's safety factor). For every row this computes, in one pass over
// A (the Python filter made ~40 passes with temporaries):
//
//  * vin, ein: the row's float value at the region's centre c and a bound on its error:
//      |exact g_j(c) - vin| <= ein, with
//      ein = 2 gamma(d) (sum_q |A_q c_q| + |C|) + EA sum_q |c_q| + EC + tiny,
//    gamma(n) = (n + 2) u / (1 - (n + 2) u) (Higham's bound for a dot product of n terms, in
//    any summation order, plus the constant and one rounding of the sum); the factor 2 covers
//    the rounding of ein itself; `tiny` covers underflow;
//  * below: 1 when the row is proven negative on the whole box [lo, hi]:
//      top = C + sum_q max(A_q lo_q, A_q hi_q) + EA sum_q R_q + EC
//            + 2 gamma(d + 1) (|C| + sum_q |A_q| R_q) + tiny < 0,   R_q = max(|lo_q|, |hi_q|),
//    an upper bound of the exact row over the box: the float maximum of the float row plus
//    the rounding of its d + 1 terms and the distance to the exact row;
//  * margin: -(vin + ein) / (|A| (1 + 1e-12)), the distance from c to the float row's zero
//    set when the row is proven negative at c; +inf for a row with A = 0 (certify() uses it
//    only to pick the regions whose thinness it reports, never in a proof);
//  * azero: 1 when every component of A is exactly zero.
//
// Comparisons of a float sum against 0 are sound because rounding is monotone: a computed
// sum is < 0 only if the exact sum of the computed terms is < 0.
#pragma once

#include <cstdint>

namespace rk {

// A (n, m, d), C, EA, EC (n, m) row-major; centre, lo, hi (n, d). Outputs (n, m).
void certify_row_pass(int64_t n, int m, int d, const double* A, const double* C,
                      const double* EA, const double* EC, const double* centre,
                      const double* lo, const double* hi, double tiny, double* vin,
                      double* ein, uint8_t* below, double* margin, uint8_t* azero);

}  // namespace rk
