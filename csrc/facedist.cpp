// Point-to-face distances by the face-lattice recursion (see facedist.hpp):
// dist(x, S) for a k-face S: project x onto aff(S) -> p; if p is on the inner side of every
// facet T of S (within aff S), the distance is |x - p|; otherwise it is the minimum of
// dist(x, T) over the facets T whose inner side p violates (the nearest point of S to p lies
// on such a facet, and |x - y|^2 = |x - p|^2 + |p - y|^2 for y in aff S).
#include "facedist.hpp"

#include "facelattice.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <vector>

namespace rk {
namespace {

double dist2_point(const FaceLattice& R, const double* x, int i) {
  double s = 0.0;
  for (int t = 0; t < R.d; ++t) {
    const double z = x[t] - R.v(i)[t];
    s += z * z;
  }
  return s;
}

// Squared distance from x to the k-face S.
double face_dist2(const FaceLattice& R, const double* x, const std::vector<int>& S, int k) {
  const int d = R.d;
  if (k == 0 || S.size() == 1) {
    double best = std::numeric_limits<double>::infinity();
    for (int i : S) best = std::min(best, dist2_point(R, x, i));
    return best;
  }
  std::vector<double> B;
  const int kk = affine_basis(R, S, k, B);
  if (kk < k) k = kk;  // numerically lower-dimensional: treat it as such
  if (k == 0) return dist2_point(R, x, S[0]);
  // p = projection of x onto aff(S)
  const double* o = R.v(S[0]);
  std::vector<double> p(d), r(d);
  for (int t = 0; t < d; ++t) p[t] = o[t];
  for (int j = 0; j < k; ++j) {
    double c = 0.0;
    for (int t = 0; t < d; ++t) c += (x[t] - o[t]) * B[static_cast<size_t>(j) * d + t];
    for (int t = 0; t < d; ++t) p[t] += c * B[static_cast<size_t>(j) * d + t];
  }
  double h2 = 0.0;
  for (int t = 0; t < d; ++t) h2 += (x[t] - p[t]) * (x[t] - p[t]);
  std::vector<std::vector<int>> facets;
  std::vector<int> rows_of;
  face_facets(R, S, k, facets, rows_of);
  const double tol = 1e-12 * std::max(extent(R, S), 1e-300);
  double best = std::numeric_limits<double>::infinity();
  bool violated = false;
  std::vector<double> BT;
  for (const auto& T : facets) {
    const int kt = affine_basis(R, T, k - 1, BT);
    if (kt != k - 1) continue;  // not a facet of S
    // Inward normal of T within aff(S): a vertex of S off T, minus its part along aff(T).
    double nn = 0.0;
    std::vector<double> n(d);
    for (int i : S) {
      if (std::binary_search(T.begin(), T.end(), i)) continue;
      for (int t = 0; t < d; ++t) r[t] = R.v(i)[t] - R.v(T[0])[t];
      orthogonalise(d, kt, BT, r.data());
      double s = 0.0;
      for (int t = 0; t < d; ++t) s += r[t] * r[t];
      if (s > nn) { nn = s; n = r; }
    }
    if (nn <= 0.0) continue;
    nn = std::sqrt(nn);
    double side = 0.0;
    for (int t = 0; t < d; ++t) side += (p[t] - R.v(T[0])[t]) * n[t] / nn;
    if (side < -tol) {
      violated = true;
      best = std::min(best, face_dist2(R, x, T, k - 1));
    }
  }
  if (!violated) return h2;
  return best;
}

}  // namespace

void facet_distances(int d, const int64_t* voff, const double* V, const int64_t* ioff,
                     const uint64_t* inc, const int64_t* roff, int64_t n_facets,
                     const int64_t* f_region, const int64_t* f_row, const double* fA,
                     const double* fb, int64_t n, const double* X, double* out) {
  if (d < 1) throw std::invalid_argument("facet_distances: dimension must be >= 1");
  std::vector<FaceLattice> regions(n_facets);
  std::vector<std::vector<int>> verts(n_facets);
  for (int64_t f = 0; f < n_facets; ++f) {
    const int64_t r = f_region[f];
    const int nf = static_cast<int>(roff[r + 1] - roff[r]);
    const FaceLattice R(d, static_cast<int>(voff[r + 1] - voff[r]), nf,
                        V + static_cast<size_t>(voff[r]) * d, inc + ioff[r]);
    if (f_row[f] < 0 || f_row[f] >= nf)
      throw std::invalid_argument("facet_distances: facet row out of range");
    regions[f] = R;
    for (int i = 0; i < R.nv; ++i)
      if (R.on(i, static_cast<int>(f_row[f]))) verts[f].push_back(i);
    if (verts[f].empty()) throw std::invalid_argument("facet_distances: facet has no vertices");
  }
  std::vector<double> lb(n_facets);
  std::vector<int64_t> order(n_facets);
  for (int64_t q = 0; q < n; ++q) {
    const double* x = X + static_cast<size_t>(q) * d;
    for (int64_t f = 0; f < n_facets; ++f) {
      double s = -fb[f];
      for (int t = 0; t < d; ++t) s += fA[static_cast<size_t>(f) * d + t] * x[t];
      lb[f] = std::fabs(s);
    }
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return lb[a] < lb[b]; });
    double best = std::numeric_limits<double>::infinity();
    for (int64_t f : order) {
      // the hyperplane distance is a lower bound (slack for its rounding)
      if (lb[f] * (1.0 - 1e-12) > best) break;
      best = std::min(best, std::sqrt(face_dist2(regions[f], x, verts[f], d - 1)));
    }
    out[q] = best;
  }
}

}  // namespace rk
