// Face-lattice helpers (see facelattice.hpp).
#include "facelattice.hpp"

#include <algorithm>
#include <cmath>

namespace rk {

double extent(const FaceLattice& L, const std::vector<int>& S) {
  double s = 0.0;
  for (int i : S)
    for (int t = 0; t < L.d; ++t) s = std::max(s, std::fabs(L.v(i)[t] - L.v(S[0])[t]));
  return s;
}

void orthogonalise(int d, int k, const std::vector<double>& B, double* r) {
  for (int pass = 0; pass < 2; ++pass)
    for (int j = 0; j < k; ++j) {
      double p = 0.0;
      for (int t = 0; t < d; ++t) p += r[t] * B[static_cast<size_t>(j) * d + t];
      for (int t = 0; t < d; ++t) r[t] -= p * B[static_cast<size_t>(j) * d + t];
    }
}

int affine_basis(const FaceLattice& L, const std::vector<int>& S, int want,
                 std::vector<double>& B) {
  const int d = L.d;
  B.clear();
  const double scale = extent(L, S);
  int k = 0;
  std::vector<double> r(d);
  for (size_t idx = 1; idx < S.size() && k < want; ++idx) {
    for (int t = 0; t < d; ++t) r[t] = L.v(S[idx])[t] - L.v(S[0])[t];
    orthogonalise(d, k, B, r.data());
    double n = 0.0;
    for (int t = 0; t < d; ++t) n += r[t] * r[t];
    n = std::sqrt(n);
    if (n <= 1e-9 * scale) continue;
    for (int t = 0; t < d; ++t) B.push_back(r[t] / n);
    ++k;
  }
  return k;
}

double hull_distance(const FaceLattice& L, const std::vector<int>& T, int k,
                     const std::vector<double>& B, const double* c, double* r) {
  for (int t = 0; t < L.d; ++t) r[t] = c[t] - L.v(T[0])[t];
  orthogonalise(L.d, k, B, r);
  double h = 0.0;
  for (int t = 0; t < L.d; ++t) h += r[t] * r[t];
  return std::sqrt(h);
}

void centroid(const FaceLattice& L, const std::vector<int>& S, double* c) {
  std::fill(c, c + L.d, 0.0);
  for (int i : S)
    for (int t = 0; t < L.d; ++t) c[t] += L.v(i)[t];
  for (int t = 0; t < L.d; ++t) c[t] /= static_cast<double>(S.size());
}

void face_facets(const FaceLattice& L, const std::vector<int>& S, int k,
                 std::vector<std::vector<int>>& facets, std::vector<int>& rows_of) {
  facets.clear();
  rows_of.clear();
  std::vector<int> T;
  for (int j = 0; j < L.nf; ++j) {
    T.clear();
    for (int i : S)
      if (L.on(i, j)) T.push_back(i);
    if (T.size() == S.size() || static_cast<int>(T.size()) < k) continue;
    bool dominated = false;
    for (size_t f = 0; f < facets.size() && !dominated; ++f)
      if (std::includes(facets[f].begin(), facets[f].end(), T.begin(), T.end())) dominated = true;
    if (dominated) continue;
    // Drop earlier candidates that T strictly contains.
    size_t w = 0;
    for (size_t f = 0; f < facets.size(); ++f) {
      if (std::includes(T.begin(), T.end(), facets[f].begin(), facets[f].end())) continue;
      facets[w] = facets[f];
      rows_of[w] = rows_of[f];
      ++w;
    }
    facets.resize(w);
    rows_of.resize(w);
    facets.push_back(T);
    rows_of.push_back(j);
  }
}

}  // namespace rk
