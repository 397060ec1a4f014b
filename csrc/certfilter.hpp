// The per-row pass of certify()'s float filter (regionkit/regions/certify.py), fused.
//
// Each region r has m float rows g_j(t) = A[r,j] . t + C[r,j] whose exact counterparts differ
// by at most EA[r,j] in every gradient component and EC[r,j] in the constant (bounds that
// already carry the filter's safety factor). For every row this computes, in one pass:
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
//  * azero: 1 when every component of A is exactly zero.
//
// Comparisons of a float sum against 0 are sound because rounding is monotone: a computed
// sum is < 0 only if the exact sum of the computed terms is < 0.
#pragma once

#include <cstdint>
#include <vector>

#include "core.hpp"

namespace rk {

// A (n, m, d), C, EA, EC (n, m) row-major; centre, lo, hi (n, d). Outputs (n, m).
void certify_row_pass(int64_t n, int m, int d, const double* A, const double* C,
                      const double* EA, const double* EC, const double* centre,
                      const double* lo, const double* hi, double tiny, double* vin,
                      double* ein, uint8_t* below, uint8_t* azero);

// The whole float filter of certify() (certify.py's docstring and docs/certify.md state the
// proofs; this follows them step by step).
//
// Rows with bounds. Regions are sorted by pattern, so regions sharing their bits up to a
// layer form a run, and the run's local map h = M t + m (M: dim x units) and its bounds (EM
// per unit, every gradient component of the exact map within EM of M; Em for m) are composed
// once for the run. A layer of fan-in n composes
//   Z = M W^T, z0 = m W^T + b, EZ = (g max_q |M_q| + EM) |W|^T, Ez = (g |m| + Em) |W|^T + g |b|,
// g = gamma(n) (Higham's bound for n terms in any order; units whose outgoing map is exactly
// zero, inactive ReLUs, contribute nothing and are skipped). An elementwise unit u with
// breakpoints c_t has one row per breakpoint, sign (z_u - c_t) with sign -1 on a set bit,
// bounds EZ_u and Ez_u + u |z0_u - c_t|; its next map is s Z_u, s z0_u + o for its piece's
// slope s and offset o (piece = number of set bits), EM = |s| EZ + u max_q |s Z_qu|, Em = |s|
// Ez + gamma(2) (|s z0| + |o|). A maxout unit's row for piece h is P_h - P_a (a its winner;
// the winner has no row) with bounds EZ_h + EZ_a + u max |A|, Ez_h + Ez_a + u |C|; its map is
// the winner's. The domain's rows A t - b are exact. Every bound is then multiplied by the
// safety factor 2 and raised by `tiny`.
//
// Per region: its stored rows through each stored vertex (residual below hint_tol; hints
// only, every use below is proven) must be exactly d per vertex, else the region goes to
// exact arithmetic. With c the centroid of its stored vertices and the box [bl, bh] around
// them (grown by box_slack x the domain's size + box_grow x the region's extent):
//  1. every live row (not a maxout winner's, not identically zero) is proven negative at c
//     (certify_row_pass); a region with an identically zero row, or whose stored vertex hints
//     name a row that is not live, is left to exact arithmetic;
//  2. each side of the box is proven by a Farkas certificate (rows basis: the tight rows of
//     the first vertex at which the side's coordinate is extreme), so the region lies in it;
//  3. for every row k named by a vertex hint (a facet), a point `out` just beyond the
//     centroid of its vertices, inside the box, has row k proven positive, and each row j
//     that is not proven negative on the whole box is proven to stay negative where the
//     segment c -> out crosses row k: g_k(out) g_j(c) - g_k(c) g_j(out) < 0 with its bound;
//  4. every other such row j gets a Farkas certificate (basis: the tight rows of the stored
//     vertex maximising the row).
// A Farkas certificate for a.t + c < 0 on the region: y = max(0, B^-T a) for the basis rows B
// (any y >= 0 is valid), then the residual (a - y B).t + (c - y C_B), with all its bounds
// (including the domain box radius R for t), is shown negative over the domain's box.
//
// Regions that pass are settled: ok = 1, their radius (the least distance from c to a live
// row's zero set, -(g_j(c) + e_j) / |A_j|, a lower bound of the inradius; only used to pick
// the regions reported as thin, never in a proof) and facets (their rows k, in increasing
// order) are returned.
// A region that fails any step (ok = 0) goes to exact arithmetic; so does a maxout unit
// without exactly one winning bit.
struct CertifyDomain {
  int dim = 0;
  int n_in = 0;
  const double* basis = nullptr;   // n_in x dim: input x = basis t + origin
  const double* origin = nullptr;  // n_in
  int n_rows = 0;                  // the domain's rows A t <= b
  const double* A = nullptr;       // n_rows x dim
  const double* b = nullptr;       // n_rows
  const double* lo = nullptr;      // dim: the domain's bounding box
  const double* hi = nullptr;      // dim
};

// The regions to check, from a RegionSet's arrays (CSR over every region it holds).
struct CertifyRegions {
  int64_t n = 0;                   // regions to check
  const int64_t* ids = nullptr;    // n: their indices in the RegionSet
  int n_hyperplanes = 0;
  const uint8_t* bits = nullptr;   // all regions x n_hyperplanes, 0/1
  const int64_t* voff = nullptr;   // stored vertices of region r: voff[r] .. voff[r+1]-1
  const double* V = nullptr;       // vertices x dim
  const int64_t* ioff = nullptr;   // stored rows of region r: ioff[r] .. ioff[r+1]-1
  const double* ineq_A = nullptr;  // rows x dim: ineq_A t <= ineq_b
  const double* ineq_b = nullptr;
  const int64_t* labels = nullptr;  // hyperplane h >= 0, or -1 - domain row
};

struct CertifyTuning {
  double hint_tol = 0.0;
  double box_slack = 1e-6;
  double box_grow = 1e-3;
  double tiny = 1e-290;
};

struct CertifyFilterResult {
  std::vector<uint8_t> ok;            // n, in the order of ids
  std::vector<double> radius;         // n (meaningful where ok)
  std::vector<int64_t> facet_region;  // facets of the settled regions (RegionSet indices),
                                      // in the order of ids
  std::vector<int64_t> facet_row;
};

void certify_filter(const std::vector<Layer>& layers, const CertifyDomain& dom,
                    const CertifyRegions& regions, const CertifyTuning& tune,
                    CertifyFilterResult& out);

}  // namespace rk
