// Cone-decomposition volumes of vertex-form polytopes (see measure.hpp).
#include "measure.hpp"

#include "facelattice.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace rk {
namespace {

// The lattice plus a memo: faces are shared (a ridge lies in two facets, ...), so volumes
// are remembered by vertex set.
struct Ctx : FaceLattice {
  std::map<std::vector<int>, double> memo;
  Ctx(int d_, int nv_, int nf_, const double* V_, const uint64_t* inc_)
      : FaceLattice(d_, nv_, nf_, V_, inc_) {}
};

// Monotone in the angle of (u, w) over [0, 2 pi), without trigonometry: 0..4 around the
// unit diamond. Sorting by it orders a convex polygon's vertices as atan2 would.
inline double diamond_angle(double u, double w) {
  if (w >= 0) return u >= 0 ? w / (u + w) : 1.0 - u / (w - u);
  return u < 0 ? 2.0 - w / (-u - w) : 3.0 + u / (u - w);
}

// Area of the 2-face S given an orthonormal basis B of its plane (2 rows) and its centroid:
// vertices sorted by angle about the centroid, then the shoelace formula (convex, so the
// angular order is the boundary order).
double polygon_area(const FaceLattice& L, const std::vector<int>& S,
                    const std::vector<double>& B, const double* c) {
  std::vector<std::pair<double, std::pair<double, double>>> pts;
  pts.reserve(S.size());
  for (int i : S) {
    double u = 0.0, w = 0.0;
    for (int t = 0; t < L.d; ++t) {
      const double x = L.v(i)[t] - c[t];
      u += x * B[t];
      w += x * B[L.d + t];
    }
    pts.push_back({(u == 0.0 && w == 0.0) ? 0.0 : diamond_angle(u, w), {u, w}});
  }
  std::sort(pts.begin(), pts.end());
  double twice = 0.0;
  for (size_t a = 0; a < pts.size(); ++a) {
    const auto& p = pts[a].second;
    const auto& q = pts[(a + 1) % pts.size()].second;
    twice += p.first * q.second - p.second * q.first;
  }
  return 0.5 * std::fabs(twice);
}

double polygon_area(const FaceLattice& L, const std::vector<int>& S) {
  std::vector<double> B, c(L.d);
  if (affine_basis(L, S, 2, B) < 2) return 0.0;
  centroid(L, S, c.data());
  return polygon_area(L, S, B, c.data());
}

// k-volume of the k-face S. With `facet_volume` / `facet_centroid` (top level only), also
// record each facet's (k-1)-volume and centroid under the first row that gives it.
double face_volume(Ctx& cx, const std::vector<int>& S, int k,
                   double* facet_volume = nullptr, double* facet_centroid = nullptr) {
  if (k == 0) return 1.0;
  if (k == 2 && !facet_volume) return polygon_area(cx, S);
  // Only faces of dimension <= d-2 are shared between the faces that recurse into them.
  const bool memo = !facet_volume && k >= 3 && k <= cx.d - 2;
  if (memo) {
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
    const double h = hull_distance(cx, T, k - 1, B, c.data(), r.data());
    double fv;
    if (facet_volume) {  // top level: the facet's centroid is wanted anyway
      double* fc = facet_centroid + static_cast<size_t>(rows_of[f]) * cx.d;
      centroid(cx, T, fc);
      fv = k - 1 == 2 ? polygon_area(cx, T, B, fc) : face_volume(cx, T, k - 1);
      facet_volume[rows_of[f]] = fv;
    } else {
      fv = face_volume(cx, T, k - 1);
    }
    total += h * fv;
  }
  if (memo) cx.memo.emplace(S, total / k);
  return total / k;
}

}  // namespace

double region_measures(int d, int nv, const double* V, int nf, const uint64_t* inc,
                       double* facet_volume, double* facet_centroid) {
  Ctx cx(d, nv, nf, V, inc);
  std::vector<int> S(nv);
  for (int i = 0; i < nv; ++i) S[i] = i;
  std::fill(facet_volume, facet_volume + nf, 0.0);
  std::fill(facet_centroid, facet_centroid + static_cast<size_t>(nf) * d, 0.0);
  return face_volume(cx, S, d, facet_volume, facet_centroid);
}

void region_faces(int d, int nv, const double* V, int nf, const uint64_t* inc,
                  std::vector<int>& dims, std::vector<double>& vols,
                  std::vector<double>& cents, std::vector<int>& verts,
                  std::vector<int>& n_verts) {
  // Top-down: the faces of each dimension, each once, with the facets of every face;
  // bottom-up: each face's volume once, by the cone formula from its facets' volumes.
  FaceLattice L(d, nv, nf, V, inc);
  std::vector<std::vector<std::vector<int>>> faces(d + 1);
  std::vector<std::vector<std::vector<int>>> sub(d + 1);  // sub[k][i]: facets in faces[k-1]
  std::vector<std::vector<std::vector<double>>> basis(d + 1);  // of each face, found once
  faces[d].emplace_back(nv);
  for (int i = 0; i < nv; ++i) faces[d][0][i] = i;
  std::vector<double> B;
  std::vector<std::vector<int>> facets;
  std::vector<int> rows_of;
  for (int k = d; k >= 1; --k) {
    std::map<std::vector<int>, int> index;
    sub[k].resize(faces[k].size());
    for (size_t i = 0; i < faces[k].size(); ++i) {
      face_facets(L, faces[k][i], k, facets, rows_of);
      for (auto& T : facets) {
        if (affine_basis(L, T, k - 1, B) != k - 1) continue;
        auto it = index.emplace(T, static_cast<int>(faces[k - 1].size()));
        if (it.second) {
          faces[k - 1].push_back(T);
          basis[k - 1].push_back(B);
        }
        sub[k][i].push_back(it.first->second);
      }
    }
  }
  std::vector<std::vector<double>> vol(d + 1), cen(d + 1);
  std::vector<double> r(d);
  for (int k = 0; k <= d; ++k) {
    vol[k].assign(faces[k].size(), 1.0);
    cen[k].resize(faces[k].size() * static_cast<size_t>(d));
    for (size_t i = 0; i < faces[k].size(); ++i) {
      double* c = cen[k].data() + i * d;
      centroid(L, faces[k][i], c);
      if (k == 0) continue;
      double total = 0.0;
      for (int j : sub[k][i])
        total += hull_distance(L, faces[k - 1][j], k - 1, basis[k - 1][j], c, r.data()) *
                 vol[k - 1][j];
      vol[k][i] = total / k;
    }
  }
  for (int k = d; k >= 0; --k) {
    dims.insert(dims.end(), faces[k].size(), k);
    vols.insert(vols.end(), vol[k].begin(), vol[k].end());
    cents.insert(cents.end(), cen[k].begin(), cen[k].end());
    for (const auto& S : faces[k]) {
      verts.insert(verts.end(), S.begin(), S.end());
      n_verts.push_back(static_cast<int>(S.size()));
    }
  }
}

}  // namespace rk
