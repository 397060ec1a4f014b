// Cone-decomposition volumes of vertex-form polytopes (see measure.hpp).
#include "measure.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace rk {
namespace {

struct Ctx {
  int d, nv, nf, words;
  const double* V;
  const uint64_t* inc;
  // Faces are shared (a ridge lies in two facets, ...): memoise volumes by vertex set.
  std::map<std::vector<int>, double> memo;
  bool on(int vertex, int row) const {
    return (inc[static_cast<size_t>(vertex) * words + row / 64] >> (row % 64)) & 1;
  }
  const double* v(int i) const { return V + static_cast<size_t>(i) * d; }
};

// Orthonormal basis (rows of B, up to `want` vectors) of the directions spanned by S.
int affine_basis(const Ctx& cx, const std::vector<int>& S, int want, std::vector<double>& B) {
  const int d = cx.d;
  B.clear();
  double scale = 0.0;
  for (int i : S)
    for (int t = 0; t < d; ++t) scale = std::max(scale, std::fabs(cx.v(i)[t] - cx.v(S[0])[t]));
  int k = 0;
  std::vector<double> r(d);
  for (size_t idx = 1; idx < S.size() && k < want; ++idx) {
    for (int t = 0; t < d; ++t) r[t] = cx.v(S[idx])[t] - cx.v(S[0])[t];
    for (int pass = 0; pass < 2; ++pass)
      for (int j = 0; j < k; ++j) {
        double p = 0.0;
        for (int t = 0; t < d; ++t) p += r[t] * B[static_cast<size_t>(j) * d + t];
        for (int t = 0; t < d; ++t) r[t] -= p * B[static_cast<size_t>(j) * d + t];
      }
    double n = 0.0;
    for (int t = 0; t < d; ++t) n += r[t] * r[t];
    n = std::sqrt(n);
    if (n <= 1e-9 * scale) continue;
    for (int t = 0; t < d; ++t) B.push_back(r[t] / n);
    ++k;
  }
  return k;
}

void centroid(const Ctx& cx, const std::vector<int>& S, double* c) {
  std::fill(c, c + cx.d, 0.0);
  for (int i : S)
    for (int t = 0; t < cx.d; ++t) c[t] += cx.v(i)[t];
  for (int t = 0; t < cx.d; ++t) c[t] /= static_cast<double>(S.size());
}

// Facets of the k-face S: the maximal sets S ∩ (vertices on row j) with >= k vertices.
// rows_of[f] receives the first row giving facet f.
void face_facets(const Ctx& cx, const std::vector<int>& S, int k,
                 std::vector<std::vector<int>>& facets, std::vector<int>& rows_of) {
  facets.clear();
  rows_of.clear();
  std::vector<int> T;
  for (int j = 0; j < cx.nf; ++j) {
    T.clear();
    for (int i : S)
      if (cx.on(i, j)) T.push_back(i);
    if (T.size() == S.size() || static_cast<int>(T.size()) < k) continue;
    bool dominated = false;
    for (size_t f = 0; f < facets.size() && !dominated; ++f) {
      if (std::includes(facets[f].begin(), facets[f].end(), T.begin(), T.end())) dominated = true;
    }
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

// k-volume of the k-face S. With `facet_volume` / `facet_centroid` (top level only), also
// record each facet's (k-1)-volume and centroid under the first row that gives it.
double face_volume(Ctx& cx, const std::vector<int>& S, int k,
                   double* facet_volume = nullptr, double* facet_centroid = nullptr) {
  if (k == 0) return 1.0;
  if (!facet_volume && k >= 2) {
    auto it = cx.memo.find(S);
    if (it != cx.memo.end()) return it->second;
  }
  if (k == 1) {
    // The two extreme vertices of a 1-face.
    double best = 0.0;
    for (size_t a = 0; a < S.size(); ++a)
      for (size_t b = a + 1; b < S.size(); ++b) {
        double s = 0.0;
        for (int t = 0; t < cx.d; ++t) {
          const double x = cx.v(S[a])[t] - cx.v(S[b])[t];
          s += x * x;
        }
        best = std::max(best, std::sqrt(s));
      }
    return best;
  }
  std::vector<double> c(cx.d), B;
  centroid(cx, S, c.data());
  std::vector<std::vector<int>> facets;
  std::vector<int> rows_of;
  face_facets(cx, S, k, facets, rows_of);
  double total = 0.0;
  std::vector<double> r(cx.d);
  for (size_t f = 0; f < facets.size(); ++f) {
    const auto& T = facets[f];
    if (affine_basis(cx, T, k - 1, B) != k - 1) continue;  // not a (k-1)-face
    for (int t = 0; t < cx.d; ++t) r[t] = c[t] - cx.v(T[0])[t];
    for (int j = 0; j < k - 1; ++j) {
      double p = 0.0;
      for (int t = 0; t < cx.d; ++t) p += r[t] * B[static_cast<size_t>(j) * cx.d + t];
      for (int t = 0; t < cx.d; ++t) r[t] -= p * B[static_cast<size_t>(j) * cx.d + t];
    }
    double h = 0.0;
    for (int t = 0; t < cx.d; ++t) h += r[t] * r[t];
    const double fv = face_volume(cx, T, k - 1);
    if (facet_volume) {
      facet_volume[rows_of[f]] = fv;
      centroid(cx, T, facet_centroid + static_cast<size_t>(rows_of[f]) * cx.d);
    }
    total += std::sqrt(h) * fv;
  }
  if (!facet_volume && k >= 2) cx.memo.emplace(S, total / k);
  return total / k;
}

}  // namespace

double region_measures(int d, int nv, const double* V, int nf, const uint64_t* inc,
                       double* facet_volume, double* facet_centroid) {
  Ctx cx{d, nv, nf, nf > 0 ? (nf + 63) / 64 : 1, V, inc, {}};
  std::vector<int> S(nv);
  for (int i = 0; i < nv; ++i) S[i] = i;
  std::fill(facet_volume, facet_volume + nf, 0.0);
  std::fill(facet_centroid, facet_centroid + static_cast<size_t>(nf) * d, 0.0);
  return face_volume(cx, S, d, facet_volume, facet_centroid);
}

void region_faces(int d, int nv, const double* V, int nf, const uint64_t* inc,
                  std::vector<int>& dims, std::vector<double>& vols,
                  std::vector<double>& cents) {
  Ctx cx{d, nv, nf, nf > 0 ? (nf + 63) / 64 : 1, V, inc, {}};
  std::vector<std::vector<int>> level(1, std::vector<int>(nv));
  for (int i = 0; i < nv; ++i) level[0][i] = i;
  std::vector<double> c(d), B;
  std::vector<std::vector<int>> facets;
  std::vector<int> rows_of;
  for (int k = d; k >= 1; --k) {
    std::set<std::vector<int>> next;
    for (const auto& S : level) {
      dims.push_back(k);
      vols.push_back(face_volume(cx, S, k));
      centroid(cx, S, c.data());
      cents.insert(cents.end(), c.begin(), c.end());
      face_facets(cx, S, k, facets, rows_of);
      for (const auto& T : facets)
        if (affine_basis(cx, T, k - 1, B) == k - 1) next.insert(T);
    }
    level.assign(next.begin(), next.end());
  }
  for (const auto& S : level) {  // the vertices
    dims.push_back(0);
    vols.push_back(1.0);
    cents.insert(cents.end(), cx.v(S[0]), cx.v(S[0]) + d);
  }
}

}  // namespace rk
