// Cone-recursion volumes of simple polytopes on vertex bit masks (see simplevolume.hpp).
#include "simplevolume.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace rk {
namespace {

using Mask = unsigned __int128;

inline int lowest(Mask m) {
  const uint64_t lo = static_cast<uint64_t>(m);
  return lo ? __builtin_ctzll(lo) : 64 + __builtin_ctzll(static_cast<uint64_t>(m >> 64));
}

// Calls f(i) for every set bit i of m, in increasing order.
template <class F>
inline void for_bits(Mask m, F&& f) {
  for (int half = 0; half < 2; ++half) {
    uint64_t w = static_cast<uint64_t>(m >> (64 * half));
    while (w) {
      f(64 * half + __builtin_ctzll(w));
      w &= w - 1;
    }
  }
}

// D > 0 fixes the dimension at compile time (unrolled loops); D = 0 reads it from `dyn`.
template <int D>
struct Simple {
  int dyn = 0, nv = 0, nf = 0;
  const double* V = nullptr;
  const double* A = nullptr;
  std::vector<Mask> on;                         // per row: the vertices on it
  std::vector<std::pair<Mask, double>> memo;    // volumes of faces reached more than once
  std::vector<double> Q;                        // orthonormal normals of the current flag
  std::vector<double> c;                        // the region's centroid
  std::vector<double> fv, fc;                   // its facets' volumes and centroids
  double conditioning = 1.0;  // least |n|^2 / |a|^2 of a projected normal (sin^2 of angles)

  int dim() const { return D > 0 ? D : dyn; }
  const double* v(int i) const { return V + static_cast<size_t>(i) * dim(); }

  void centroid(Mask S, double* c) const {
    const int d = dim();
    std::fill(c, c + d, 0.0);
    int n = 0;
    for_bits(S, [&](int i) {
      for (int t = 0; t < d; ++t) c[t] += v(i)[t];
      ++n;
    });
    for (int t = 0; t < d; ++t) c[t] /= n;
  }

  // Longest distance between two of S's vertices (an edge has exactly two).
  double length(Mask S) const {
    const int d = dim();
    const Mask rest = S & (S - 1);
    if ((rest & (rest - 1)) == 0) {  // two vertices
      const double* x = v(lowest(S));
      const double* y = v(lowest(rest));
      double s = 0.0;
      for (int t = 0; t < d; ++t) s += (x[t] - y[t]) * (x[t] - y[t]);
      return std::sqrt(s);
    }
    int idx[SIMPLE_MAX_VERTICES], n = 0;
    for_bits(S, [&](int i) { idx[n++] = i; });
    double best = 0.0;
    for (int p = 0; p < n; ++p)
      for (int q = p + 1; q < n; ++q) {
        double s = 0.0;
        for (int t = 0; t < d; ++t) {
          const double x = v(idx[p])[t] - v(idx[q])[t];
          s += x * x;
        }
        best = std::max(best, s);
      }
    return std::sqrt(best);
  }

  // Removes from n its components along Q's first q rows; returns |n|^2.
  double project_off(double* n, int q) const {
    const int d = dim();
    for (int j = 0; j < q; ++j) {
      const double* e = Q.data() + static_cast<size_t>(j) * d;
      double p = 0.0;
      for (int t = 0; t < d; ++t) p += n[t] * e[t];
      for (int t = 0; t < d; ++t) n[t] -= p * e[t];
    }
    double nn = 0.0;
    for (int t = 0; t < d; ++t) nn += n[t] * n[t];
    return nn;
  }

  // Area of the 2-face S: its edges (the pairs of vertices S shares with a row) are walked
  // into a cycle v0 v1 ... and the area is half the norm of the bivector sum of
  // (v_i - v0) ^ (v_i+1 - v0), all in one plane. Returns -1 if the edges do not form one
  // cycle of two-vertex edges (not a simple polytope's polygon).
  double polygon_area(Mask S) const {
    const int d = dim();
    int eu[SIMPLE_MAX_VERTICES], ew[SIMPLE_MAX_VERTICES], m = 0;
    for (int l = 0; l < nf; ++l) {
      const Mask T = S & on[l];
      if (T == 0 || T == S) continue;
      const Mask rest = T & (T - 1);
      if (rest == 0 || (rest & (rest - 1)) || m == SIMPLE_MAX_VERTICES) return -1.0;
      eu[m] = lowest(T);
      ew[m++] = lowest(rest);
    }
    const int nw = d * (d - 1) / 2;
    if (m < 3 || nw > SIMPLE_MAX_VERTICES) return -1.0;
    double W[SIMPLE_MAX_VERTICES];  // bivector components, (a, b) with a < b
    std::fill(W, W + nw, 0.0);
    const double* o = v(eu[0]);
    int prev = 0, cur = ew[0];
    double p[SIMPLE_MAX_VERTICES];
    for (int t = 0; t < d; ++t) p[t] = v(cur)[t] - o[t];
    for (int step = 1; step < m - 1; ++step) {
      int e = -1;
      for (int f = 0; f < m && e < 0; ++f)
        if (f != prev && (eu[f] == cur || ew[f] == cur)) e = f;
      if (e < 0) return -1.0;
      const int next = eu[e] == cur ? ew[e] : eu[e];
      double q[SIMPLE_MAX_VERTICES];
      for (int t = 0; t < d; ++t) q[t] = v(next)[t] - o[t];
      for (int a = 0, w = 0; a < d; ++a)
        for (int b = a + 1; b < d; ++b, ++w) W[w] += p[a] * q[b] - p[b] * q[a];
      std::copy(q, q + d, p);
      prev = e;
      cur = next;
    }
    // the last edge must close the cycle back to v0
    bool closes = false;
    for (int f = 0; f < m; ++f)
      if (f != prev && ((eu[f] == cur && ew[f] == eu[0]) || (ew[f] == cur && eu[f] == eu[0])))
        closes = true;
    if (!closes) return -1.0;
    double w2 = 0.0;
    for (int w = 0; w < nw; ++w) w2 += W[w] * W[w];
    return 0.5 * std::sqrt(w2);
  }

  // k-volume of the k-face S, whose flat is cut out by the q = d - k rows whose unit normals,
  // orthonormalised, are Q's first q rows; c_out, if given, receives S's centroid. At the top
  // (facet_volume set) the cone apex is the centroid and every facet's volume and centroid is
  // recorded under its row; below, the apex is S's first vertex, so the facets through it
  // (height 0) are skipped.
  double volume(Mask S, int k, double* c_out, double* facet_volume = nullptr,
                double* facet_centroid = nullptr) {
    const int d = dim();
    if (c_out) centroid(S, c_out);
    if (k == 1) return length(S);
    const bool memo_it = k <= d - 2;
    if (memo_it)
      for (const auto& e : memo)
        if (e.first == S) return e.second;
    if (k == 2 && !facet_volume) {
      const double area = polygon_area(S);
      if (area >= 0.0) {
        if (memo_it) memo.emplace_back(S, area);
        return area;
      }
    }
    const bool top = facet_volume != nullptr;
    const int apex = top ? -1 : lowest(S);
    const double* c = top ? c_out : v(apex);
    const int q = d - k;
    double* n = Q.data() + static_cast<size_t>(q) * d;
    double total = 0.0;
    for (int l = 0; l < nf; ++l) {
      const Mask T = S & on[l];
      if (T == 0 || T == S || (!top && ((on[l] >> apex) & 1))) continue;
      const double* a = A + static_cast<size_t>(l) * d;
      const double* p = v(lowest(T));  // on row l: the height from differences of vertices
      std::copy(a, a + d, n);          // stays accurate on tiny regions
      double aa = 0.0, ac = 0.0;
      for (int t = 0; t < d; ++t) {
        aa += a[t] * a[t];
        ac += a[t] * (p[t] - c[t]);
      }
      double nn = project_off(n, q);
      if (nn < 0.25 * aa) nn = project_off(n, q);  // cancellation: once more is enough
      if (nn == 0.0) continue;  // cannot happen in a simple polytope; guards the division
      // A height through a normal projected off nearly parallel rows loses 1e-16 / angle.
      conditioning = std::min(conditioning, nn / aa);
      const double inv = 1.0 / std::sqrt(nn);
      if (k > 3)  // polygons and edges below need no normal
        for (int t = 0; t < d; ++t) n[t] *= inv;
      const double h = std::fabs(ac) * inv;
      const double fv =
          volume(T, k - 1, top ? facet_centroid + static_cast<size_t>(l) * d : nullptr);
      if (top) facet_volume[l] = fv;
      total += h * fv;
    }
    total /= k;
    if (memo_it) memo.emplace_back(S, total);
    return total;
  }
};

}  // namespace

bool is_simple(int d, int nv, int nf, const uint64_t* inc) {
  if (nv > SIMPLE_MAX_VERTICES) return false;
  const int words = nf > 0 ? (nf + 63) / 64 : 1;
  for (int i = 0; i < nv; ++i) {
    int bits = 0;
    for (int w = 0; w < words; ++w)
      bits += __builtin_popcountll(inc[static_cast<size_t>(i) * words + w]);
    if (bits != d) return false;
  }
  return true;
}

namespace {

// The thread's Simple<D>, set up for one region (its buffers are reused from region to region).
template <int D>
Simple<D>& setup(int d, int nv, const double* V, int nf, const uint64_t* inc, const double* A) {
  static thread_local Simple<D> s;
  s.dyn = d;
  s.nv = nv;
  s.nf = nf;
  s.V = V;
  s.A = A;
  s.on.assign(nf, 0);
  s.memo.clear();
  s.conditioning = 1.0;
  s.Q.resize(static_cast<size_t>(d) * d);
  s.c.resize(d);
  const int words = nf > 0 ? (nf + 63) / 64 : 1;
  for (int i = 0; i < nv; ++i)
    for (int w = 0; w < words; ++w) {
      uint64_t x = inc[static_cast<size_t>(i) * words + w];
      while (x) {
        s.on[64 * w + __builtin_ctzll(x)] |= Mask(1) << i;
        x &= x - 1;
      }
    }
  return s;
}

inline Mask all_vertices(int nv) {
  return nv == SIMPLE_MAX_VERTICES ? ~Mask(0) : (Mask(1) << nv) - 1;
}

template <int D>
double measure_simple(int d, int nv, const double* V, int nf, const uint64_t* inc,
                      const double* A, double* facet_volume, double* facet_centroid,
                      double* conditioning) {
  Simple<D>& s = setup<D>(d, nv, V, nf, inc, A);
  std::fill(facet_volume, facet_volume + nf, 0.0);
  std::fill(facet_centroid, facet_centroid + static_cast<size_t>(nf) * d, 0.0);
  const double vol = s.volume(all_vertices(nv), d, s.c.data(), facet_volume, facet_centroid);
  if (conditioning) *conditioning = s.conditioning;
  return vol;
}

// Depth-first over increasing sets R of OWNED rows: every nonempty intersection of them is a
// face of codimension |R| (simple polytope), reached once. Faces whose containing rows are
// all owned are appended; faces of dimension 3..d-2 get Q set from R for the cone recursion.
template <int D>
struct OwnedFaces {
  Simple<D>& s;
  const uint8_t* flag;
  double region_volume;
  const double* facet_volume;
  FaceOutput& out;
  int rows[64];

  void visit(Mask S, int q, int start) {
    const int d = s.dim(), k = d - q;
    double vol;
    if (k == d) {
      vol = region_volume;
    } else if (k == d - 1) {
      vol = facet_volume[rows[0]];
    } else if (k == 0) {
      vol = 1.0;
    } else if (k == 1) {
      vol = s.length(S);
    } else {
      vol = k == 2 ? s.polygon_area(S) : -1.0;
      if (vol < 0.0) {
        for (int j = 0; j < q; ++j) {  // the flat's orthonormal normals
          double* e = s.Q.data() + static_cast<size_t>(j) * d;
          const double* a = s.A + static_cast<size_t>(rows[j]) * d;
          std::copy(a, a + d, e);
          s.project_off(e, j);
          const double nn = std::sqrt(s.project_off(e, j));
          for (int t = 0; t < d; ++t) e[t] /= nn;
        }
        vol = s.volume(S, k, nullptr);
      }
    }
    out.dims.push_back(k);
    out.vols.push_back(vol);
    const size_t at = out.cents.size();
    out.cents.resize(at + d);
    s.centroid(S, out.cents.data() + at);
    if (k == 0) return;
    for (int l = start; l < s.nf; ++l) {
      if (flag[l] != OWNED_ROW) continue;
      const Mask T = S & s.on[l];
      if (T == 0 || T == S) continue;
      rows[q] = l;
      visit(T, q + 1, l + 1);
    }
  }
};

template <int D>
void owned_simple(int d, int nv, const double* V, int nf, const uint64_t* inc, const double* A,
                  const uint8_t* flag, FaceOutput& out) {
  Simple<D>& s = setup<D>(d, nv, V, nf, inc, A);
  s.fv.resize(nf);
  s.fc.resize(static_cast<size_t>(nf) * d);
  const double vol = s.volume(all_vertices(nv), d, s.c.data(), s.fv.data(), s.fc.data());
  OwnedFaces<D>{s, flag, vol, s.fv.data(), out, {}}.visit(all_vertices(nv), 0, 0);
  // Vertices whose rows are all owned or the domain's: checked by the caller.
  for (int i = 0; i < nv; ++i) {
    bool all = true;
    for (int l = 0; l < nf && all; ++l)
      if (((s.on[l] >> i) & 1) && flag[l] == OTHER_ROW) all = false;
    if (!all) continue;
    out.check.push_back(i);
    for (int l = 0; l < nf; ++l)
      if ((s.on[l] >> i) & 1) out.check_rows.push_back(l);
  }
}

// fn(std::integral_constant<int, D>) with D = d for 2 <= d <= 5 (unrolled loops), else 0.
template <class Fn>
auto by_dimension(int d, Fn&& fn) {
  switch (d) {
    case 2: return fn(std::integral_constant<int, 2>{});
    case 3: return fn(std::integral_constant<int, 3>{});
    case 4: return fn(std::integral_constant<int, 4>{});
    case 5: return fn(std::integral_constant<int, 5>{});
    default: return fn(std::integral_constant<int, 0>{});
  }
}

}  // namespace

double simple_region_measures(int d, int nv, const double* V, int nf, const uint64_t* inc,
                              const double* A, double* facet_volume, double* facet_centroid,
                              double* conditioning) {
  return by_dimension(d, [&](auto D) {
    return measure_simple<D.value>(d, nv, V, nf, inc, A, facet_volume, facet_centroid,
                                   conditioning);
  });
}

void simple_owned_faces(int d, int nv, const double* V, int nf, const uint64_t* inc,
                        const double* A, const uint8_t* flag, FaceOutput& out) {
  if (d > 64) throw std::invalid_argument("owned faces are listed up to 64 dimensions");
  by_dimension(d, [&](auto D) { owned_simple<D.value>(d, nv, V, nf, inc, A, flag, out); });
}

}  // namespace rk
