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

namespace {

// Residual (times the face's extent) above which a direction is taken in vertex order: its
// rounding error is then below ~1e-12 of it.
constexpr double kClearResidual = 1e-4;
// Below this (times the extent) a residual is rounding: the vertices span no more.
constexpr double kRankResidual = 1e-9;

// Up to `want` directions of S in vertex order from residuals above `floor`; the count.
int greedy_basis(const FaceLattice& L, const std::vector<int>& S, int want, double floor,
                 std::vector<double>& B) {
  const int d = L.d;
  B.clear();
  int k = 0;
  std::vector<double> r(d);
  for (size_t idx = 1; idx < S.size() && k < want; ++idx) {
    for (int t = 0; t < d; ++t) r[t] = L.v(S[idx])[t] - L.v(S[0])[t];
    orthogonalise(d, k, B, r.data());
    double n = 0.0;
    for (int t = 0; t < d; ++t) n += r[t] * r[t];
    n = std::sqrt(n);
    if (n <= floor) continue;
    for (int t = 0; t < d; ++t) B.push_back(r[t] / n);
    ++k;
  }
  return k;
}

// Pivoted Gram-Schmidt: each new direction from the vertex farthest from the span so far.
int pivoted_basis(const FaceLattice& L, const std::vector<int>& S, int want, double floor,
                  std::vector<double>& B) {
  const int d = L.d;
  B.clear();
  const size_t n = S.size() > 0 ? S.size() - 1 : 0;
  std::vector<double> R(n * static_cast<size_t>(d));  // residuals of v_i - v_0
  for (size_t i = 0; i < n; ++i)
    for (int t = 0; t < d; ++t) R[i * d + t] = L.v(S[i + 1])[t] - L.v(S[0])[t];
  std::vector<double> r(d);
  int k = 0;
  while (k < want) {
    size_t best = n;
    double best_norm = 0.0;
    for (size_t i = 0; i < n; ++i) {
      double nn = 0.0;
      for (int t = 0; t < d; ++t) nn += R[i * d + t] * R[i * d + t];
      if (nn > best_norm) {
        best_norm = nn;
        best = i;
      }
    }
    if (best == n || std::sqrt(best_norm) <= floor) break;
    // The direction from the vertex itself, orthogonalised afresh against the basis.
    for (int t = 0; t < d; ++t) r[t] = L.v(S[best + 1])[t] - L.v(S[0])[t];
    orthogonalise(d, k, B, r.data());
    double nr = 0.0;
    for (int t = 0; t < d; ++t) nr += r[t] * r[t];
    nr = std::sqrt(nr);
    for (int t = 0; t < d; ++t) B.push_back(r[t] / nr);
    const double* e = B.data() + static_cast<size_t>(k) * d;
    for (size_t i = 0; i < n; ++i) {
      double p = 0.0;
      for (int t = 0; t < d; ++t) p += R[i * d + t] * e[t];
      for (int t = 0; t < d; ++t) R[i * d + t] -= p * e[t];
    }
    ++k;
  }
  return k;
}

}  // namespace

int affine_basis(const FaceLattice& L, const std::vector<int>& S, int want,
                 std::vector<double>& B) {
  // Vertices in order when each direction they give is clear of the span before it; else
  // pivoted Gram-Schmidt. Taking vertices in order down to the rank test's floor, one that
  // rounding (or a 1e-7 shear) puts just off a lower-dimensional span could fill a slot
  // before a genuine direction: an 8-D face with singular values 4.5, 4.4, 2.8, 1.2 got
  // two directions from residuals of 6e-8 and 2e-9, and its distance to the centroid came
  // out 10% wrong.
  const double scale = extent(L, S);
  const int k = greedy_basis(L, S, want, kClearResidual * scale, B);
  return k == want ? k : pivoted_basis(L, S, want, kRankResidual * scale, B);
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
