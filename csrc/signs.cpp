// Forward passes that report hyperplane signs (see signs.hpp).
#include "signs.hpp"

#include <cmath>

namespace rk {
namespace {

// Pair scales of every unit of a maxout layer (none for other layers).
using UnitScales = std::vector<MaxoutPairScales>;

// Prepared copies of the layers (W^T for the layer algebra), the maxout pair scales and the
// pattern length.
int prepare_all(std::vector<Layer>& layers, std::vector<LayerStorage>& storage,
                std::vector<UnitScales>& scales) {
  storage.resize(layers.size());
  scales.assign(layers.size(), UnitScales());
  int total = 0;
  for (size_t li = 0; li < layers.size(); ++li) {
    Layer& L = layers[li];
    prepare_layer(L, storage[li]);
    total += hyperplanes_per_unit(L) * L.n_out;
    if (L.kind != ACT_MAXOUT) continue;
    for (int r0 = 0; r0 < L.n_out; r0 += L.pieces)
      scales[li].emplace_back(L.pieces, L.n_in, L.W + static_cast<size_t>(r0) * L.n_in,
                              L.b + r0);
  }
  return total;
}

// Sign of hyperplane j of H at point t, within its tolerance.
inline int8_t sign_at(const Hyperplanes& H, int j, const double* t, double* value) {
  const int d = H.dim;
  const double* a = &H.a[static_cast<size_t>(j) * d];
  double v = H.c[j];
  for (int k = 0; k < d; ++k) v += a[k] * t[k];
  *value = v;
  return v > H.eps[j] ? 1 : (v < -H.eps[j] ? -1 : 0);
}

// A maxout layer's pieces at t. The winner is the piece the engine's clips give the point
// (regionkit/regions/maxout.py: a beats lower pieces by more than the pair tolerance, from
// MaxoutPairScales, and is not beaten by more than it by higher ones; the first maximum if
// the tolerance is not transitive there). `at`: +1 for a winner without ties, 0 for the
// winner and every piece within the pair tolerance of it, -1 for the rest. `beyond` (if not
// null): the tied piece growing fastest along dir wins (ties to the lowest index), +1 for it
// and -1 for the rest.
//
// Each comparison evaluates the hyperplane P_a - P_j itself, (W_a - W_j) . x + (b_a - b_j)
// at the layer's input x = M t + m (`in`), as the engine's split does, never the difference
// of the two pieces' values: nearly tied pieces (rows 1e-10 apart) have values near 1 that
// differ by 1e-10, so that difference would carry a rounding error (~1e-16) far above the
// pair tolerance (rtol times the pair's own scale, ~1e-20) and sign a point on a tie
// hyperplane at random (faces seen from either side no longer matched).
void maxout_signs(const Layer& L, const UnitScales& scales, const MapsView& in,
                  const Tolerance& tol, const double* t, const double* dir, int8_t* at,
                  int8_t* beyond) {
  const int d = in.dim, k = L.pieces, units = L.n_out / k, n_in = L.n_in;
  std::vector<double> x(n_in), xd(dir ? n_in : 0);
  for (int i = 0; i < n_in; ++i) {
    const double* Mi = in.M + static_cast<size_t>(i) * d;
    double v = in.m[i], dv = 0.0;
    for (int q = 0; q < d; ++q) {
      v += Mi[q] * t[q];
      if (dir) dv += Mi[q] * dir[q];
    }
    x[i] = v;
    if (dir) xd[i] = dv;
  }
  std::vector<char> tied(k);
  for (int u = 0; u < units; ++u) {
    const int r0 = u * k;
    auto pair_eps = [&](int a, int j) { return tol.atol + tol.rtol * scales[u](a, j, in.S); };
    // P_a - P_j at t (or its derivative along dir, with xd).
    auto diff = [&](int a, int j, const std::vector<double>& z, bool bias) {
      const double* Wa = L.W + static_cast<size_t>(r0 + a) * n_in;
      const double* Wj = L.W + static_cast<size_t>(r0 + j) * n_in;
      double v = bias ? L.b[r0 + a] - L.b[r0 + j] : 0.0;
      for (int i = 0; i < n_in; ++i) v += (Wa[i] - Wj[i]) * z[i];
      return v;
    };
    int first_max = 0;
    for (int j = 1; j < k; ++j)
      if (diff(j, first_max, x, true) > 0) first_max = j;
    int w = -1;
    for (int a = 0; a < k && w < 0; ++a) {
      bool wins = true;
      for (int j = 0; j < k && wins; ++j) {
        if (j == a) continue;
        const double e = pair_eps(a, j);
        const double v = diff(a, j, x, true);
        wins = j < a ? v > e : -v <= e;
      }
      if (wins) w = a;
    }
    if (w < 0) w = first_max;
    for (int j = 0; j < k; ++j)
      tied[j] = j == w || std::fabs(diff(w, j, x, true)) <= pair_eps(w, j);
    // Ties within pair tolerances are not transitive: a piece within the (wide) tolerance of
    // the winner but clearly below another tied piece (a nearly identical one, whose pair
    // tolerance is tiny) is not at the maximum, whichever tied piece the point's side made
    // the winner. Dropping it makes both sides of a face read the same signs.
    bool any_tie = false;
    for (int j = 0; j < k; ++j) {
      if (!tied[j] || j == w) continue;
      for (int i = 0; i < k && tied[j]; ++i)
        if (i != j && tied[i] && diff(i, j, x, true) > pair_eps(i, j)) tied[j] = 0;
      any_tie = any_tie || tied[j];
    }
    int best = w;
    if (any_tie && dir)
      for (int j = 0; j < k; ++j) {
        if (!tied[j] || j == best) continue;
        const double g = diff(j, best, xd, false);
        if (g > 0 || (g == 0 && j < best)) best = j;
      }
    for (int j = 0; j < k; ++j) {
      at[r0 + j] = !tied[j] ? -1 : (any_tie ? 0 : 1);
      if (beyond) beyond[r0 + j] = j == best ? 1 : -1;
    }
  }
}

}  // namespace

void point_signs(const std::vector<Layer>& layers_in, const MapsView& input,
                 const Tolerance& tol, int n, const double* T, const double* D, int8_t* at,
                 int8_t* beyond) {
  std::vector<Layer> layers(layers_in);
  std::vector<LayerStorage> storage;
  std::vector<UnitScales> scales;
  const int H_total = prepare_all(layers, storage, scales);
  const int d = input.dim;
  // The first layer's hyperplanes are the same affine functions for every point.
  Hyperplanes first, H;
  if (!layers.empty()) layer_hyperplanes(layers[0], input, 0, tol, first);
  Maps maps;
  std::vector<uint8_t> bits;
  for (int p = 0; p < n; ++p) {
    const double* t = T + static_cast<size_t>(p) * d;
    const double* dir = D ? D + static_cast<size_t>(p) * d : nullptr;
    int col = 0;
    for (size_t li = 0; li < layers.size(); ++li) {
      const Layer& L = layers[li];
      const MapsView view = li == 0 ? input : MapsView{maps.rows, maps.dim, maps.M.data(),
                                                       maps.m.data(), maps.S.data(), input.R};
      if (li > 0) layer_hyperplanes(L, view, 0, tol, H);
      const Hyperplanes& h = li == 0 ? first : H;
      bits.assign(h.count, 0);
      if (L.kind == ACT_MAXOUT) {
        int8_t* a = at + static_cast<size_t>(p) * H_total + col;
        int8_t* b = beyond + static_cast<size_t>(p) * H_total + col;
        maxout_signs(L, scales[li], view, tol, t, dir, a, b);
        for (int j = 0; j < h.count; ++j) bits[j] = b[j] > 0;
      }
      for (int j = 0; j < h.count && L.kind != ACT_MAXOUT; ++j) {
        double v, dv = 0.0;
        const int8_t s = sign_at(h, j, t, &v);
        if (dir)
          for (int k = 0; k < d; ++k) dv += h.a[static_cast<size_t>(j) * d + k] * dir[k];
        const int8_t ds = dv > 0 ? 1 : (dv < 0 ? -1 : 0);
        const int8_t sb = s != 0 ? s : ds;
        at[static_cast<size_t>(p) * H_total + col + j] = s;
        beyond[static_cast<size_t>(p) * H_total + col + j] = sb;
        bits[j] = sb > 0;
      }
      col += h.count;
      maps.rows = L.n_out / L.pieces;
      maps.dim = d;
      maps.M.clear();
      maps.m.clear();
      maps.S.clear();
      append_post_activation(L, h, bits.data(), input.R, maps);
    }
  }
}

void region_point_signs(const std::vector<Layer>& layers_in, const MapsView& input,
                        const Tolerance& tol, int n_regions, const uint8_t* bits,
                        const int64_t* poff, const double* T, int8_t* out) {
  std::vector<Layer> layers(layers_in);
  std::vector<LayerStorage> storage;
  std::vector<UnitScales> scales;
  const int H_total = prepare_all(layers, storage, scales);
  const int d = input.dim;
  Hyperplanes H, first;  // the first layer's are every region's: computed once
  if (!layers.empty()) layer_hyperplanes(layers[0], input, 0, tol, first);
  Maps maps;
  double v;
  for (int r = 0; r < n_regions; ++r) {
    if (poff[r] == poff[r + 1]) continue;  // no points here
    const uint8_t* rb = bits + static_cast<size_t>(r) * H_total;
    int col = 0;
    for (size_t li = 0; li < layers.size(); ++li) {
      const Layer& L = layers[li];
      const MapsView view = li == 0 ? input : MapsView{maps.rows, maps.dim, maps.M.data(),
                                                       maps.m.data(), maps.S.data(), input.R};
      if (li == 0)
        H = first;
      else
        layer_hyperplanes(L, view, 0, tol, H);
      for (int64_t p = poff[r]; p < poff[r + 1]; ++p) {
        const double* t = T + static_cast<size_t>(p) * d;
        int8_t* o = out + static_cast<size_t>(p) * H_total + col;
        if (L.kind == ACT_MAXOUT) {
          maxout_signs(L, scales[li], view, tol, t, nullptr, o, nullptr);
          continue;
        }
        for (int j = 0; j < H.count; ++j) o[j] = sign_at(H, j, t, &v);
      }
      maps.rows = L.n_out / L.pieces;
      maps.dim = d;
      maps.M.clear();
      maps.m.clear();
      maps.S.clear();
      append_post_activation(L, H, rb + col, input.R, maps);
      col += H.count;
    }
  }
}

}  // namespace rk
