// Depth-first enumeration: each region of a frontier (a "root") goes through all remaining
// elementwise layers inside the core, and only the final regions (leaves) come out.
//
// Memory: a thread holds one root's path, the children of each region on it (one Level per
// layer), so the working set is bounded by threads x depth x children of one split, not by
// the size of a layer; per-layer maps never leave the core. What a leaf keeps is the
// caller's choice (Keep). Order: leaves come out root by root and, within a root, in the
// order a layer-by-layer split would give them (children of a region in split order, the
// regions of a layer in their parents' order), so the result equals the breadth-first one
// bit for bit, whatever the number of threads.
#pragma once
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <exception>
#include <memory>
#include <type_traits>
#include <vector>

#include "parallel.hpp"
#include "screen.hpp"
#include "split.hpp"

namespace rk {

// What a leaf keeps: everything (geometry, output map, pattern), its pattern and an interior
// point, or nothing but the counts.
enum Keep : int { KEEP_REGIONS = 0, KEEP_PATTERNS = 1, KEEP_COUNT = 2 };

// The layers a root goes through, prepared once per call (W^T tables, bit offsets).
struct DfsLayers {
  std::vector<Layer> L;
  std::vector<LayerStorage> storage;
  std::vector<int64_t> label_base;  // global index of each layer's first hyperplane
  std::vector<int> nh;              // hyperplanes per layer
  // Of the last splitting layer, where it is screened (screen_units): the 1-norm of each row
  // of W, and W^T as floats (screen_sums_f32; empty where a weight is out of float range).
  std::vector<double> screen_l1;
  std::vector<float> screen_wt32;
  std::vector<int> bit_off;         // first bit of each layer in the full pattern
  int prefix_bits = 0;              // bits of the layers before the roots (given per root)
  int total_bits = 0;
  // Roots given by their parents (from_parents): the maps hold one entry per parent region,
  // its pre-activations of layer `from` (append_pre_activation), and root r's post-activation
  // map is that of entry parent[r] on the pieces of its bits of `from` (nh(from) per root):
  // the maps a layer-by-layer split would have made, computed when the root is expanded.
  bool from_parents = false;
  Layer from;
  const int64_t* parent = nullptr;
  const uint8_t* from_bits = nullptr;
  // Roots from a wide first split (the first units of L[0] only): root r's maps are entry
  // map_of[r] (its region before L[0]), and the first `fixed` hyperplanes of L[0] are
  // decided, their bits in the root's prefix after the earlier layers' prefix_bits.
  const int64_t* map_of = nullptr;
  int fixed = 0;
  // A call claims no more roots once the roots it has done hold this many leaves (soft: the
  // batches in flight run to their end), so that what one call returns, and the memory it
  // holds, does not grow with the threads or the time limit.
  size_t call_leaves = static_cast<size_t>(-1);
  size_t prefix_stride() const { return static_cast<size_t>(prefix_bits + fixed); }
  // The layers up to the last one with hyperplanes (at least one).
  int splitting_depth() const {
    int k = depth();
    while (k > 1 && nh[k - 1] == 0) --k;
    return k;
  }
  // Whether the last of those may be screened (screen_units): elementwise layers of at most
  // 31 breakpoints (pieces are tracked in a 32-bit set).
  bool screenable() const {
    for (const Layer& layer : L)
      if (layer.kind != ACT_ELEMENTWISE || layer.n_breaks > 31) return false;
    return true;
  }
  int depth() const { return static_cast<int>(L.size()); }
  size_t pattern_bytes() const { return (static_cast<size_t>(total_bits) + 7) / 8; }
  // Fill the tables; L, label_base and prefix_bits set by the caller.
  void prepare() {
    storage.resize(L.size());
    nh.clear();
    bit_off.clear();
    int off = prefix_bits;
    for (size_t d = 0; d < L.size(); ++d) {
      prepare_layer(L[d], storage[d]);
      nh.push_back(hyperplanes_per_unit(L[d]) * L[d].n_out);
      bit_off.push_back(off);
      off += nh.back();
    }
    total_bits = off;
    const int S = splitting_depth();
    screen_l1.clear();
    screen_wt32.clear();
    if (S >= 2 && screenable()) {
      const Layer& B = L[S - 1];
      screen_l1.assign(B.n_out, 0.0);
      for (int j = 0; j < B.n_out; ++j)
        for (int k = 0; k < B.n_in; ++k)
          screen_l1[j] += std::fabs(B.W[static_cast<size_t>(j) * B.n_in + k]);
      const std::vector<double>& Wt = storage[S - 1].Wt;
      if (std::all_of(Wt.begin(), Wt.end(), in_float_range))
        screen_wt32.assign(Wt.begin(), Wt.end());
    }
  }
};

template <class T>
Span<T> span_of(const std::vector<T>& v) {
  Span<T> s;
  s.p = v.data();
  s.n = v.size();
  return s;
}

// Pack n bytes of 0 or 1 into bits, bit h of byte h / 8 from byte h (numpy's little bit
// order); out is zeroed. Eight bytes at a time: the product moves byte k's low bit to bit
// 56 + k, and the bits never meet, so nothing carries.
inline void pack_bits(const uint8_t* in, size_t n, uint8_t* out) {
  size_t h = 0;
  for (; h + 8 <= n; h += 8) {
    uint64_t x;
    std::memcpy(&x, in + h, 8);
    out[h >> 3] = static_cast<uint8_t>(((x & 0x0101010101010101ULL) * 0x0102040810204080ULL) >> 56);
  }
  for (; h < n; ++h)
    if (in[h]) out[h >> 3] |= static_cast<uint8_t>(1u << (h & 7));
}

// A geometry's own vectors as the view a split reads.
inline Intervals::View view_of(const Intervals& g) {
  Intervals::View v;
  v.lo = span_of(g.lo);
  v.hi = span_of(g.hi);
  v.lab_lo = span_of(g.lab_lo);
  v.lab_hi = span_of(g.lab_hi);
  return v;
}
inline Polygons::View view_of(const Polygons& g) {
  Polygons::View v;
  v.off = span_of(g.off);
  v.xy = span_of(g.xy);
  v.lab = span_of(g.lab);
  v.row = span_of(g.row);
  return v;
}
inline HPolytopes::View view_of(const HPolytopes& g) {
  HPolytopes::View v;
  v.dim = g.dim;
  v.off = span_of(g.off);
  v.A = span_of(g.A);
  v.b = span_of(g.b);
  v.lab = span_of(g.lab);
  v.center = span_of(g.center);
  v.radius = span_of(g.radius);
  return v;
}
inline VPolytopes::View view_of(const VPolytopes& g) {
  VPolytopes::View v;
  v.dim = g.dim;
  v.voff = span_of(g.voff);
  v.V = span_of(g.V);
  v.ioff = span_of(g.ioff);
  v.inc = span_of(g.inc);
  v.roff = span_of(g.roff);
  v.A = span_of(g.A);
  v.b = span_of(g.b);
  v.lab = span_of(g.lab);
  return v;
}

// A strictly interior point of region k: the interval's midpoint, the vertex centroid (2-D,
// vertex form) or the Chebyshev centre (LP form).
inline void interior_point(const Intervals& g, size_t k, std::vector<double>& out) {
  out.push_back(0.5 * (g.lo[k] + g.hi[k]));
}
inline void vertex_centroid(const std::vector<int64_t>& off, const std::vector<double>& V,
                            int d, size_t k, std::vector<double>& out) {
  const size_t first = out.size();
  out.resize(first + d, 0.0);
  const int64_t a = off[k], b = off[k + 1];
  for (int64_t v = a; v < b; ++v)
    for (int t = 0; t < d; ++t) out[first + t] += V[static_cast<size_t>(v) * d + t];
  for (int t = 0; t < d; ++t) out[first + t] /= static_cast<double>(b - a);
}
inline void interior_point(const Polygons& g, size_t k, std::vector<double>& out) {
  vertex_centroid(g.off, g.xy, 2, k, out);
}
inline void interior_point(const VPolytopes& g, size_t k, std::vector<double>& out) {
  vertex_centroid(g.voff, g.V, g.dim, k, out);
}
inline void interior_point(const HPolytopes& g, size_t k, std::vector<double>& out) {
  out.insert(out.end(), g.center.begin() + k * g.dim, g.center.begin() + (k + 1) * g.dim);
}

// The bounding box of region k (centre then half-widths, d values each), from its vertices;
// false in the LP form, whose regions keep none.
inline bool region_box(const Intervals::View& g, size_t k, int, double* box) {
  const double ends[2] = {g.lo[k], g.hi[k]};
  vertex_bounds(1, ends, 2, box);
  return true;
}
inline bool region_box(const Polygons::View& g, size_t k, int, double* box) {
  vertex_bounds(2, g.xy.p + 2 * g.off[k], static_cast<size_t>(g.off[k + 1] - g.off[k]), box);
  return true;
}
inline bool region_box(const VPolytopes::View& g, size_t k, int d, double* box) {
  vertex_bounds(d, g.V.p + static_cast<size_t>(g.voff[k]) * d,
                static_cast<size_t>(g.voff[k + 1] - g.voff[k]), box);
  return true;
}
inline bool region_box(const HPolytopes::View&, size_t, int, double*) { return false; }

// The labels of the pieces of g from piece `first` on, each passed to f (a split's labels).
template <class F>
void each_label(Intervals& g, size_t first, F&& f) {
  for (size_t k = first; k < g.lo.size(); ++k) {
    f(g.lab_lo[k]);
    f(g.lab_hi[k]);
  }
}
template <class F>
void each_label(Polygons& g, size_t first, F&& f) {
  for (size_t k = static_cast<size_t>(g.off[first]); k < g.lab.size(); ++k) f(g.lab[k]);
}
template <class F>
void each_label(VPolytopes& g, size_t first, F&& f) {
  for (size_t k = static_cast<size_t>(g.roff[first]); k < g.lab.size(); ++k) f(g.lab[k]);
}
template <class F>
void each_label(HPolytopes& g, size_t first, F&& f) {
  for (size_t k = static_cast<size_t>(g.off[first]); k < g.lab.size(); ++k) f(g.lab[k]);
}

template <class Geo>
void clear_geo(Geo& g) {
  g.zip(g, [](auto& v, const auto&, auto kind) {
    v.clear();
    if constexpr (std::is_same_v<decltype(kind), OffsetsColumn>) v.push_back(0);
  });
}

inline void clear_maps(Maps& mp, int rows, int dim) {
  mp.rows = rows;
  mp.dim = dim;
  mp.M.clear();
  mp.m.clear();
  mp.S.clear();
}

// The children of the region being expanded at one depth of a thread's path. They keep no
// maps: their layer's pre-activations on the parent (z) and their own bits give each child's
// post-activation map, and the next layer's pre-activations on the children share every term
// but those of the units the split cut (whose piece differs among the children). Those shared
// sums (base) are made once, when the first child is expanded; each child adds its cut units.
// So the next layer costs one full composition per split, not per child, and a level holds
// its children's geometry and bits only.
template <class Geo>
struct Level {
  Geo geo;
  std::vector<uint8_t> bits;
  PreActivations z;     // this layer's pre-activations on the parent region
  PreActivations base;  // the next layer's sums over the units not cut
  std::vector<int> cut, kept;  // the units the split cut, and the others
  bool based = false;
  size_t next = 0;  // the next child to expand
  // Regions whose z comes from the same source (>= 0: the first level of roots from one wide
  // split's parent) have the same rows for the same pieces: their shared sums are taken up
  // from each other's (prefix_compose).
  int64_t source = -1;
  // Screening of the last layer (keep != regions, vertex geometries): the region's bounding
  // box (boxed), the units of the next layer whose hyperplanes may cut one of the children
  // (may_cut), and the bit every other hyperplane has in all of them (decided).
  bool boxed = false, screened = false;
  // base holds single-precision sums (screen_sums_f32), within approx[0] s_j + approx[1]
  // (1 + sum_t |x_t|) of the exact ones, until the screen makes those of the units it leaves
  // open exact.
  bool approx = false;
  double approx_error[2] = {0.0, 0.0};
  std::vector<double> box;  // centre (dim values), then half-widths
  std::vector<int> may_cut;
  std::vector<uint8_t> decided;
};

// Sums of a layer over its inputs, kept after each chunk of inputs, to be taken up by the next
// sums over inputs from the same source (same rows for the same key). See prefix_compose.
struct PrefixSums {
  int64_t source = -1;
  std::vector<uint8_t> keys;
  std::vector<PreActivations> sums;  // over the inputs of chunks 0 .. c, for each c
  size_t chunk = 0;
};

// A thread's scratch for the levels' shared sums and screens.
struct DfsScratch {
  std::vector<uint8_t> is_cut, keys, open;
  std::vector<double> cut_range, vmin, vmax, s, mag;
  std::vector<float> f32;  // screen_sums_f32's
  PrefixSums root_prefix, base_prefix;  // the roots' sums, the first level's shared sums
};

// The post-activation rows (m, S, M) of units `units` of layer A on the pieces `bits` gives
// them, into H.active and H.coef, leaving out units that are zero on the domain (S == 0), as
// layer_hyperplanes does, and those with skip[j] set.
// P and q: the layer's pre-activations, unit j's coefficient t at P[j unit_step + t stride].
template <class Units>
void post_activation_rows(const Layer& A, const double* P, size_t unit_step, size_t stride,
                          const double* q, int d, const double* R, const uint8_t* bits,
                          const Units& units, size_t count, Hyperplanes& H,
                          const uint8_t* skip = nullptr) {
  const int nb = A.n_breaks;
  const size_t width = 2 + static_cast<size_t>(d);
  H.active.resize(count);
  H.coef.resize(count * width);
  size_t na = 0;
  for (size_t u = 0; u < count; ++u) {
    const int j = units(u);
    if (skip != nullptr && skip[j]) continue;
    double* row = H.coef.data() + na * width;
    post_activation_row(A, P + j * unit_step, stride, q[j], d,
                        table_piece(bits + static_cast<size_t>(j) * nb, nb), R, row, row + 1,
                        row + 2);
    if (row[1] != 0.0) H.active[na++] = j;
  }
  H.active.resize(na);
  H.coef.resize(na * width);
}

// B's pre-activations into `out` from `units` inputs whose rows come from `source` (-1: a
// source no other sums share), input j's row fixed by keys[j] (its piece; cut units: none):
// rows(u0, u1) puts the rows of inputs u0 .. u1 - 1 in H.active and H.coef. The sums run over
// the inputs in order, chunk by chunk (at most 32 chunks of at least 16 inputs), and those of
// the chunks before the first input whose key differs from the previous call's, from the same
// source, are taken from it: the same sums, bit for bit. Consecutive regions in canonical
// order share their first units' pieces (2-D, width 256: about 60% of the inputs).
template <class Rows>
void prefix_compose(const Layer& B, int d, int64_t source, const uint8_t* keys, size_t units,
                    Rows&& rows, PrefixSums& ps, Hyperplanes& H, PreActivations& out) {
  const size_t chunk = std::max<size_t>(16, (units + 31) / 32);
  const size_t chunks = std::max<size_t>(1, (units + chunk - 1) / chunk);
  size_t valid = 0;
  if (source >= 0 && ps.source == source && ps.chunk == chunk && ps.keys.size() == units) {
    const size_t same =
        static_cast<size_t>(std::mismatch(keys, keys + units, ps.keys.begin()).first - keys);
    valid = std::min(chunks, same / chunk);
  }
  ps.sums.resize(chunks);
  for (size_t c = valid; c < chunks; ++c) {
    const size_t u0 = std::min(units, c * chunk), u1 = std::min(units, u0 + chunk);
    rows(u0, u1);
    compose_inputs(B, d, H.active.data(), H.coef.data(), static_cast<int>(H.active.size()),
                   c == 0 ? nullptr : &ps.sums[c - 1], ps.sums[c]);
  }
  ps.source = source;
  ps.chunk = chunk;
  ps.keys.assign(keys, keys + units);
  const PreActivations& all = ps.sums.back();
  out.Pt.assign(all.Pt.begin(), all.Pt.end());
  out.q.assign(all.q.begin(), all.q.end());
  out.s.assign(all.s.begin(), all.s.end());
}

// out[h] |= a[h] != b[h] for h < n (the arrays apart: a loop the compiler vectorizes).
inline void or_differences(const uint8_t* __restrict a, const uint8_t* __restrict b, int n,
                           uint8_t* __restrict out) {
  for (size_t h = 0; h < static_cast<size_t>(n); ++h)
    out[h] |= static_cast<uint8_t>(a[h] ^ b[h]);
}

// Level lv's cut units and the next layer B's sums over the others (lv holds layer A's split);
// without their scales s if not `scales` and lv.source < 0 (H then holds the kept units' rows),
// and then, given B's W^T as floats (Wt32), in single precision (lv.approx: screen_units makes
// the sums it needs exact).
template <class Geo>
void make_base(const Layer& A, const Layer& B, int d, const double* R, Level<Geo>& lv,
               DfsScratch& ws, Hyperplanes& H, bool scales = true,
               const float* Wt32 = nullptr) {
  std::vector<uint8_t>& is_cut = ws.is_cut;
  const int nb = A.n_breaks, nh = A.n_out * nb;
  const uint8_t* first = lv.bits.data();
  // The hyperplanes whose bit differs among the children, then folded in place into their
  // units (unit j reads bytes j nb .. and writes byte j).
  is_cut.assign(nh, 0);
  uint8_t* cut = is_cut.data();
  for (size_t c = 1; c < lv.geo.count(); ++c) or_differences(first, first + c * nh, nh, cut);
  if (nb > 1)
    for (int j = 0; j < A.n_out; ++j) {
      uint8_t any = 0;
      for (int h = 0; h < nb; ++h) any |= cut[j * nb + h];
      cut[j] = any;
    }
  is_cut.resize(A.n_out);
  lv.cut.resize(A.n_out);
  lv.kept.resize(A.n_out);
  size_t ncut = 0, nkept = 0;
  for (int j = 0; j < A.n_out; ++j) {  // without branches: which list is a coin toss
    const size_t c = is_cut[j] != 0;
    lv.cut[ncut] = j;
    lv.kept[nkept] = j;
    ncut += c;
    nkept += 1 - c;
  }
  lv.cut.resize(ncut);
  lv.kept.resize(nkept);
  lv.approx = false;
  if (lv.source < 0) {
    post_activation_rows(A, lv.z.Pt.data(), 1, A.n_out, lv.z.q.data(), d, R, first,
                         [&](size_t u) { return lv.kept[u]; }, lv.kept.size(), H);
    const int na = static_cast<int>(H.active.size());
    lv.approx = !scales && Wt32 != nullptr &&
                screen_sums_f32(B, Wt32, d, H.active.data(), H.coef.data(), na, ws.f32, lv.base,
                                lv.approx_error);
    if (!lv.approx)
      compose_inputs(B, d, H.active.data(), H.coef.data(), na, nullptr, lv.base, scales);
  } else {  // rows shared with other regions' (see Level::source): sums taken up where equal
    std::vector<uint8_t>& keys = ws.keys;
    keys.resize(A.n_out);
    for (int j = 0; j < A.n_out; ++j)
      keys[j] = is_cut[j] ? 255 : static_cast<uint8_t>(table_piece(first + j * nb, nb));
    prefix_compose(B, d, lv.source, keys.data(), static_cast<size_t>(A.n_out),
                   [&](size_t u0, size_t u1) {
                     post_activation_rows(A, lv.z.Pt.data(), 1, A.n_out, lv.z.q.data(), d, R,
                                          first, [&](size_t u) { return static_cast<int>(u0 + u); },
                                          u1 - u0, H, is_cut.data());
                   },
                   ws.base_prefix, H, lv.base);
  }
  lv.based = true;
}

// Rounding errors (units of the magnitude of the terms involved) a screened hyperplane must
// clear its tolerance by, besides 4 per cut unit and dimension: those of the child's sums over
// the cut units, of its values at the vertices, of vertices a few ulps outside the box, and of
// the screen's own interval sums, with room to spare.
constexpr double SCREEN_ROUNDOFFS = 64.0;

// Level lv's screen of the next layer B, the last (after make_base): the range of each unit's
// pre-activation over lv.box, for any child, is its shared sums' range there plus, for each cut
// unit, its weight times the range of that unit's output under the pieces the children give
// it; a hyperplane whose range clears its largest tolerance over the children (and the
// rounding of the child's own sums and values) is on one side in every child, where the
// child's split would find it, and gets that bit without being built. Units with any other
// hyperplane may cut and are built, child by child.
template <class Geo>
void screen_units(const Layer& A, const Layer& B, int d, const double* R, const Tolerance& tol,
                  Level<Geo>& lv, DfsScratch& scratch, const Hyperplanes& kept_rows,
                  const double* B_l1) {
  std::vector<double>& cut_range = scratch.cut_range;
  const int nA = A.n_out, nbA = A.n_breaks, nB = B.n_out, per = B.n_breaks;
  const double* cx = lv.box.data();
  const double* hw = cx + d;
  const size_t ncut = lv.cut.size();
  // Per cut unit: the range of its output (hmin, hmax), the largest S a child gives it, and a
  // bound on the magnitude of its output's terms.
  cut_range.assign(4 * ncut, 0.0);
  const size_t nh = static_cast<size_t>(nA) * nbA, children = lv.geo.count();
  for (size_t u = 0; u < ncut; ++u) {
    const int k = lv.cut[u];
    double zc = lv.z.q[k], zr = 0.0, size = 0.0, zmag = std::fabs(lv.z.q[k]);
    for (int t = 0; t < d; ++t) {
      const double p = lv.z.Pt[static_cast<size_t>(t) * nA + k];
      zc += p * cx[t];
      zr += std::fabs(p) * hw[t];
      size += std::fabs(p) * R[t];
      zmag += std::fabs(p) * (std::fabs(cx[t]) + hw[t]);
    }
    double hmin = INFINITY, hmax = -INFINITY, smax = 0.0, hmag = 0.0;
    uint32_t seen = 0;  // pieces met (a unit has at most 32: tables are small)
    for (size_t c = 0; c < children; ++c) {
      const int p = table_piece(lv.bits.data() + c * nh + static_cast<size_t>(k) * nbA, nbA);
      if (seen >> p & 1u) continue;
      seen |= 1u << p;
      const double slope = A.slopes[p], offset = A.offsets[p];
      const double v0 = slope * (zc - zr) + offset, v1 = slope * (zc + zr) + offset;
      hmin = std::min(hmin, std::min(v0, v1));
      hmax = std::max(hmax, std::max(v0, v1));
      smax = std::max(smax, std::fabs(slope) * (size + std::fabs(lv.z.q[k])) + std::fabs(offset));
      hmag = std::max(hmag, std::fabs(slope) * zmag + std::fabs(offset));
    }
    double* cr = cut_range.data() + 4 * u;
    cr[0] = hmin;
    cr[1] = hmax;
    cr[2] = smax;
    cr[3] = hmag;
  }
  const double roundoff =
      (SCREEN_ROUNDOFFS + 4.0 * (static_cast<double>(ncut) + d)) * kUnitRoundoff;
  // Each unit's range [vmin, vmax], largest s and magnitude: its shared sums' over the box,
  // then each cut unit's term (a row of W^T, read front to back).
  std::vector<double>& vmin = scratch.vmin;
  std::vector<double>& vmax = scratch.vmax;
  std::vector<double>& s = scratch.s;
  std::vector<double>& mag = scratch.mag;
  vmin.resize(nB);
  vmax.resize(nB);
  mag.resize(nB);
  if (B_l1 == nullptr) {
    s.assign(lv.base.s.begin(), lv.base.s.begin() + nB);
  } else {  // base.s not summed: bound it by |b_j| + |W_j|_1 max_k S_k over the kept rows
    double smax = 0.0;
    const size_t width = 2 + static_cast<size_t>(d);
    for (size_t a = 0; a < kept_rows.active.size(); ++a)
      smax = std::max(smax, kept_rows.coef[a * width + 1]);
    s.resize(nB);
    for (int j = 0; j < nB; ++j) s[j] = std::fabs(B.b[j]) + B_l1[j] * smax;
  }
  box_ranges(nB, d, lv.base.q.data(), lv.base.Pt.data(), cx, hw, vmin.data(), vmax.data(),
             mag.data());
  for (size_t u = 0; u < ncut; ++u)
    add_interval_term(nB, B.Wt + static_cast<size_t>(lv.cut[u]) * nB, cut_range.data() + 4 * u,
                      vmin.data(), vmax.data(), s.data(), mag.data());
  if (lv.approx) {  // single-precision shared sums: widened by their error bound
    double reach = 1.0;  // 1 + sum_t |x_t| over the box
    for (int t = 0; t < d; ++t) reach += std::fabs(cx[t]) + hw[t];
    widen_ranges(nB, lv.approx_error[0], lv.approx_error[1] * reach, s.data(), vmin.data(),
                 vmax.data(), mag.data());
  }
  lv.decided.resize(static_cast<size_t>(nB) * per);
  std::vector<uint8_t>& open = scratch.open;
  open.resize(nB);
  decide_units(nB, per, B.breaks, tol.atol, tol.rtol, roundoff, vmin.data(), vmax.data(),
               s.data(), mag.data(), lv.decided.data(), open.data());
  lv.may_cut.resize(nB);
  size_t nopen = 0;
  for (int j = 0; j < nB; ++j) {
    lv.may_cut[nopen] = j;
    nopen += open[j];
  }
  lv.may_cut.resize(nopen);
  // The units built get their shared sums exact, scales included (base.s was not summed;
  // base.q and base.Pt may be single-precision sums), as compose_inputs gives them.
  if (B_l1 != nullptr)
    compose_inputs_of(B, d, kept_rows.active.data(), kept_rows.coef.data(),
                      static_cast<int>(kept_rows.active.size()), lv.may_cut.data(),
                      static_cast<int>(lv.may_cut.size()), nullptr, lv.base);
  lv.approx = false;
  lv.screened = true;
}

// After a split of a screened level's child by layer B (only the hyperplanes of units
// lv.may_cut, `per` each): the pieces' bits made whole in `full` (the decided bits, then the
// split's; nh per piece) and, with `labels`, the labels the split gave those hyperplanes
// (label_base + their place among the built ones) renamed to theirs, pieces [first, ...) of g.
template <class Geo>
void unscreen(const Level<Geo>& lv, int per, int nh, int64_t label_base,
              const std::vector<uint8_t>& compact, std::vector<uint8_t>& full, Geo& g,
              size_t first, bool labels) {
  const size_t n = g.count() - first, built = lv.may_cut.size() * per;
  full.resize(n * nh);
  for (size_t k = 0; k < n; ++k) {
    uint8_t* whole = full.data() + k * nh;
    std::copy(lv.decided.begin(), lv.decided.end(), whole);
    const uint8_t* part = compact.data() + k * built;
    for (size_t u = 0; u < lv.may_cut.size(); ++u)
      std::copy(part + u * per, part + (u + 1) * per,
                whole + static_cast<size_t>(lv.may_cut[u]) * per);
  }
  if (!labels) return;
  each_label(g, first, [&](int64_t& lab) {
    const int64_t h = lab - label_base;
    if (h >= 0 && static_cast<size_t>(h) < built)
      lab = label_base + static_cast<int64_t>(lv.may_cut[h / per]) * per + h % per;
  });
}

// H = layer B's hyperplanes on child c of level lv (which holds layer A's split); with
// `screen` (B is the last layer, and only the leaves' bits are kept) and a box, only those of
// lv.may_cut, in that order (lv.decided gives the others' bits), and, with all_sums, every
// unit's pre-activations (the maps the next layer needs). B_l1: the 1-norms of B's rows and
// B_wt32: B's W^T as floats (nullptr: in double), both read only where B is screened.
template <class Geo>
void child_hyperplanes(const Layer& A, const Layer& B, const double* B_l1, const float* B_wt32,
                       int d, const double* R, const Tolerance& tol, Level<Geo>& lv, size_t c,
                       bool screen, bool all_sums, DfsScratch& ws, Hyperplanes& H) {
  if (!lv.based) {
    // A screened level's shared sums leave out their scales, summed for the units kept only
    // (unless every unit's sums are wanted: all_sums).
    const bool screened = screen && lv.boxed;
    const bool scales = !screened || lv.source >= 0 || all_sums;
    make_base(A, B, d, R, lv, ws, H, scales, screened ? B_wt32 : nullptr);
    lv.screened = false;
    if (screened) screen_units(A, B, d, R, tol, lv, ws, H, scales ? nullptr : B_l1);
  }
  const uint8_t* bits = lv.bits.data() + c * static_cast<size_t>(A.n_out) * A.n_breaks;
  post_activation_rows(A, lv.z.Pt.data(), 1, A.n_out, lv.z.q.data(), d, R, bits,
                       [&](size_t u) { return lv.cut[u]; }, lv.cut.size(), H);
  if (lv.screened) {
    const int nu = static_cast<int>(lv.may_cut.size());
    if (all_sums)
      compose_inputs(B, d, H.active.data(), H.coef.data(), static_cast<int>(H.active.size()),
                     &lv.base, H);
    else
      compose_inputs_of(B, d, H.active.data(), H.coef.data(), static_cast<int>(H.active.size()),
                        lv.may_cut.data(), nu, &lv.base, H);
    finish_hyperplanes(B, d, tol, H, lv.may_cut.data(), nu);
    return;
  }
  compose_inputs(B, d, H.active.data(), H.coef.data(), static_cast<int>(H.active.size()),
                 &lv.base, H);
  finish_hyperplanes(B, d, tol, H);
}

// A new split's children in lv: their layer's pre-activations on the parent move in from H.
template <class Geo>
void keep_parent(Level<Geo>& lv, Hyperplanes& H) {
  lv.z.Pt.swap(H.Pt);
  lv.z.q.swap(H.q);
  lv.z.s.swap(H.s);
  lv.based = false;
  lv.next = 0;
}

// The leaves of a batch of consecutive roots [start, start + done), and what they made.
template <class Geo>
struct DfsBatch {
  size_t start = 0, size = 0, done = 0;
  int stop = BATCH_RAN;
  size_t bound = 0;  // BATCH_BUDGET: the leaves root start + done was allowed
  Geo geo;           // KEEP_REGIONS
  Maps maps;         // KEEP_REGIONS: the output maps
  std::vector<uint8_t> packed;  // KEEP_REGIONS, KEEP_PATTERNS: pattern_bytes() per leaf
  std::vector<double> points;   // KEEP_PATTERNS: an interior point per leaf
  size_t leaves = 0;
  std::vector<int64_t> made;  // regions each DFS layer made, over the roots done
};

// f(mine, theirs, kind) for every vector of two batches' outputs, in a fixed order.
template <class Geo, class F>
void zip_batches(DfsBatch<Geo>& a, const DfsBatch<Geo>& b, F&& f) {
  f(a.maps.M, b.maps.M, ValuesColumn{});
  f(a.maps.m, b.maps.m, ValuesColumn{});
  f(a.maps.S, b.maps.S, ValuesColumn{});
  a.geo.zip(b.geo, f);
  f(a.packed, b.packed, ValuesColumn{});
  f(a.points, b.points, ValuesColumn{});
}

// One thread's path and scratch.
template <class Geo>
struct DfsThread {
  std::vector<Level<Geo>> level;
  Level<Geo> leaf;  // KEEP_PATTERNS, KEEP_COUNT: the last split's children, read, dropped
  Hyperplanes H;
  DfsScratch ds;
  std::vector<uint8_t> full_bits;  // a screened split's bits, every hyperplane's
  typename Geo::Scratch scratch;
  std::vector<uint8_t> path;       // the unpacked pattern of the path being expanded
  std::vector<size_t> sizes;       // the batch's vector sizes before a root, to roll back
  std::vector<int64_t> made;
};

// Run root r of `in` through every layer of `layers`, appending its leaves to `out`.
// `prefix` holds the root's pattern bits of the earlier layers (prefix_bits bytes, one per
// bit), then those of its decided hyperplanes (layers.fixed). `split_budget` carries the hard deadline; `leaf_budget` the leaves the root may
// make (max_pieces, grown from a shared budget when it has one). False, with `out` as it
// was, if either stopped it; split_budget.late tells which.
template <class Geo, class View>
bool expand_root(const View& in, const MapsView& maps_in, const DfsLayers& layers,
                 const Tolerance& tol, const uint8_t* prefix, int keep, size_t r,
                 DfsBatch<Geo>& out, DfsThread<Geo>& w, Budget& split_budget,
                 Budget& leaf_budget) {
  // Layers after the last one with hyperplanes (a linear output layer) split nothing; where
  // the leaves keep no maps they are not run, and their counts are the leaves'.
  const int depth = layers.depth();
  const int D = keep == KEEP_REGIONS ? depth : layers.splitting_depth();
  const int dim = maps_in.dim;
  const double* R = maps_in.R;
  w.level.resize(D > 1 ? D - 1 : 0);
  w.path.assign(layers.total_bits, 0);
  std::copy(prefix, prefix + layers.prefix_bits, w.path.begin());
  w.made.assign(depth, 0);
  w.sizes.clear();
  zip_batches(out, out, [&](auto& v, const auto&, auto) { w.sizes.push_back(v.size()); });
  const size_t leaves_before = out.leaves;
  size_t leaves = 0;
  auto rollback = [&]() {
    size_t i = 0;
    zip_batches(out, out, [&](auto& v, const auto&, auto) { v.resize(w.sizes[i++]); });
    out.leaves = leaves_before;
    return false;
  };
  // Split region `idx` of `view` by the last layer (its hyperplanes in w.H, those of
  // screen->may_cut only if `screen` is given) into the leaves.
  auto split_last = [&](const auto& view, size_t idx, const Level<Geo>* screen) {
    const int d = D - 1;
    Level<Geo>& lf = w.leaf;
    Geo& g = keep == KEEP_REGIONS ? out.geo : lf.geo;
    if (keep != KEEP_REGIONS) clear_geo(g);
    lf.bits.clear();
    const size_t before = g.count();
    if (!Geo::split(view, idx, w.H, layers.label_base[d], g, lf.bits, w.scratch, split_budget))
      return false;
    const size_t n_new = g.count() - before;
    leaves += n_new;
    w.made[d] += static_cast<int64_t>(n_new);
    if (!leaf_budget.fits(leaves)) return false;
    if (keep == KEEP_COUNT) return true;
    const int nh = layers.nh[d];
    const size_t bytes = layers.pattern_bytes();
    const uint8_t* leaf_bits = lf.bits.data();
    if (screen != nullptr) {
      unscreen(*screen, layers.L[d].n_breaks, nh, layers.label_base[d], lf.bits, w.full_bits, g,
               before, keep == KEEP_REGIONS);
      leaf_bits = w.full_bits.data();
    }
    for (size_t k = 0; k < n_new; ++k) {
      const uint8_t* bits = leaf_bits + k * nh;
      if (keep == KEEP_REGIONS) append_post_activation(layers.L[d], w.H, bits, R, out.maps);
      std::copy(bits, bits + nh, w.path.begin() + layers.bit_off[d]);
      if (keep != KEEP_COUNT) {
        const size_t at = out.packed.size();
        out.packed.resize(at + bytes, 0);
        pack_bits(w.path.data(), static_cast<size_t>(layers.total_bits), out.packed.data() + at);
      }
      if (keep == KEEP_PATTERNS) interior_point(g, before + k, out.points);
    }
    return true;
  };
  if (layers.from_parents) {
    const Layer& A = layers.from;
    const size_t units = static_cast<size_t>(A.n_out), p = static_cast<size_t>(layers.parent[r]);
    const uint8_t* bits = layers.from_bits + r * units * A.n_breaks;
    w.ds.keys.resize(units);
    for (size_t j = 0; j < units; ++j)
      w.ds.keys[j] = static_cast<uint8_t>(table_piece(bits + j * A.n_breaks, A.n_breaks));
    prefix_compose(layers.L[0], dim, static_cast<int64_t>(p), w.ds.keys.data(), units,
                   [&](size_t u0, size_t u1) {
                     post_activation_rows(A, maps_in.M + p * units * dim, dim, 1,
                                          maps_in.m + p * units, dim, R, bits,
                                          [&](size_t u) { return static_cast<int>(u0 + u); },
                                          u1 - u0, w.H);
                   },
                   w.ds.root_prefix, w.H, w.H);
    finish_hyperplanes(layers.L[0], dim, tol, w.H);
  } else {
    layer_hyperplanes(layers.L[0], maps_in, layers.map_of ? layers.map_of[r] : r, tol, w.H);
    // Decided hyperplanes (a wide first split's): constant planes on the root's side, so no
    // split tests them again and each piece reads the root's bit.
    for (int h = 0; h < layers.fixed; ++h) {
      std::fill_n(w.H.a.begin() + static_cast<size_t>(h) * dim, dim, 0.0);
      w.H.c[h] = prefix[layers.prefix_bits + h] ? 1.0 : -1.0;
      w.H.eps[h] = 0.0;
    }
  }
  // The last layer with hyperplanes, L[S - 1], is screened (screen_units) where the regions
  // have vertices and the layers are elementwise with few pieces; where maps are kept, every
  // unit's pre-activations are still made, the hyperplanes and their tests only for some.
  const int S = layers.splitting_depth();
  const bool screen = S >= 2 && layers.screenable();
  auto box_level = [&](Level<Geo>& lv, const auto& view, size_t idx) {
    lv.box.resize(2 * static_cast<size_t>(dim));
    lv.boxed = screen && region_box(view, idx, dim, lv.box.data());
  };
  if (D == 1) {
    if (!split_last(in, r, nullptr)) return rollback();
  } else {
    Level<Geo>& top = w.level[0];
    clear_geo(top.geo);
    top.bits.clear();
    if (!Geo::split(in, r, w.H, layers.label_base[0], top.geo, top.bits, w.scratch,
                    split_budget))
      return rollback();
    keep_parent(top, w.H);
    top.source = layers.map_of != nullptr ? layers.map_of[r] : -1;
    if (S == 2) box_level(top, in, r);
    w.made[0] += static_cast<int64_t>(top.geo.count());
    int d = 0;  // the depth of the level whose children are being expanded
    for (;;) {
      Level<Geo>& lv = w.level[d];
      if (lv.next == lv.geo.count()) {
        if (d == 0) break;
        --d;
        continue;
      }
      const size_t c = lv.next++;
      const int nh = layers.nh[d];
      std::copy(lv.bits.begin() + c * nh, lv.bits.begin() + (c + 1) * nh,
                w.path.begin() + layers.bit_off[d]);
      child_hyperplanes(layers.L[d], layers.L[d + 1], layers.screen_l1.data(),
                        layers.screen_wt32.empty() ? nullptr : layers.screen_wt32.data(), dim,
                        R, tol, lv, c, screen && d + 2 == S, keep == KEEP_REGIONS, w.ds, w.H);
      const auto view = view_of(lv.geo);
      const Level<Geo>* screened = d + 2 == S && lv.screened ? &lv : nullptr;
      if (d + 2 == D) {
        if (!split_last(view, c, screened)) return rollback();
        continue;
      }
      Level<Geo>& nx = w.level[d + 1];
      clear_geo(nx.geo);
      nx.bits.clear();
      if (!Geo::split(view, c, w.H, layers.label_base[d + 1], nx.geo, nx.bits, w.scratch,
                      split_budget))
        return rollback();
      if (screened != nullptr) {
        unscreen(*screened, layers.L[d + 1].n_breaks, layers.nh[d + 1], layers.label_base[d + 1],
                 nx.bits, w.full_bits, nx.geo, 0, true);
        nx.bits.swap(w.full_bits);
      }
      keep_parent(nx, w.H);
      if (d + 3 == S) box_level(nx, view, c);
      w.made[d + 1] += static_cast<int64_t>(nx.geo.count());
      ++d;
    }
  }
  out.leaves = leaves_before + leaves;
  for (int d = D; d < depth; ++d) w.made[d] = static_cast<int64_t>(leaves);
  if (out.made.size() < static_cast<size_t>(depth)) out.made.resize(depth, 0);
  for (int d = 0; d < depth; ++d) out.made[d] += w.made[d];
  return true;
}

// Append batches [1, count) to batch 0, in order (join_batches: up to `workers` threads).
template <class Geo>
void join_dfs_batches(std::vector<std::unique_ptr<DfsBatch<Geo>>>& batches, size_t count,
                      int workers) {
  DfsBatch<Geo>& out = *batches[0];
  for (size_t k = 1; k < count; ++k) {
    const DfsBatch<Geo>& b = *batches[k];
    out.leaves += b.leaves;
    if (out.made.size() < b.made.size()) out.made.resize(b.made.size(), 0);
    for (size_t d = 0; d < b.made.size(); ++d) out.made[d] += b.made[d];
  }
  join_batches(batches, count, workers);
}

// Run roots of `in`, in order, through every layer of `layers` on `workers` threads
// claiming `batch` roots at a time, until all are done, `seconds` have passed or the roots
// done hold layers.call_leaves leaves (soft, checked between batches; one worker: between
// roots). `prefix`: prefix_bits bytes per root.
// The partition (leaves of the roots done plus the roots not done) never holds more than
// max_total regions, and no split runs past hard_seconds: a root that would break either is
// left whole, and `aborted` is set. Returns the roots done; `result` holds their leaves.
// Budget stops are those of one worker (as split_layer_threads: a root refused room that
// other threads held is run again alone with the serial allowance).
template <class Geo, class View = typename Geo::View>
size_t expand_roots(const View& in, const MapsView& maps_in, DfsLayers& layers,
                    const Tolerance& tol, const uint8_t* prefix, int keep, size_t max_total,
                    double seconds, double hard_seconds, int workers, size_t batch,
                    DfsBatch<Geo>& result, bool& aborted) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const auto deadline = deadline_after(start, hard_seconds);
  layers.prepare();
  const size_t n = in.count();
  if (workers <= 1) batch = n;
  const size_t n_batches = batch ? (n + batch - 1) / batch : 0;
  const bool bounded = max_total < kNoRegionLimit;
  SharedBudget shared;
  shared.used = n;
  shared.limit = max_total;
  BatchClaims claims(n, batch, seconds, start);
  std::atomic<size_t> leaves_done{0};  // leaves of the roots done so far (call_leaves)
  std::vector<std::unique_ptr<DfsBatch<Geo>>> batches(n_batches);
  std::vector<std::exception_ptr> errors(n_batches);
  const size_t pb = layers.prefix_stride();
  aborted = false;
  if (n > max_total) {  // the roots alone are over the budget: nothing can be split
    aborted = true;
    return 0;
  }

  auto work = [&]() {
    DfsThread<Geo> w;
    Budget split_budget, leaf_budget;
    split_budget.deadline = deadline;
    split_budget.max_pieces = kNoRegionLimit;
    leaf_budget.deadline = deadline;
    leaf_budget.shared = bounded ? &shared : nullptr;
    for (size_t s; leaves_done.load(std::memory_order_relaxed) < layers.call_leaves &&
                   (s = claims.claim()) < n;) {
      const size_t k = s / batch;
      try {
        batches[k] = std::make_unique<DfsBatch<Geo>>();
        DfsBatch<Geo>& b = *batches[k];
        b.start = s;
        b.size = std::min(batch, n - s);
        b.made.assign(layers.depth(), 0);
        clear_maps(b.maps, layers.L.back().n_out, maps_in.dim);
        for (; b.done < b.size && claims.before_stop(s + b.done); ++b.done) {
          if (b.done > 0 && batch == n &&
              (std::chrono::duration<double>(clock::now() - start).count() > seconds ||
               b.leaves >= layers.call_leaves))
            break;  // one worker: the soft limits between roots
          const size_t r = s + b.done;
          leaf_budget.max_pieces = bounded ? 1 : max_total;  // the root itself is counted
          const size_t leaves_before = b.leaves;
          const bool ok = expand_root(in, maps_in, layers, tol, prefix + r * pb, keep, r, b, w,
                                      split_budget, leaf_budget);
          if (bounded)
            leaf_budget.spare += leaf_budget.max_pieces - (ok ? b.leaves - leaves_before : 1);
          if (ok) {
            leaves_done.fetch_add(b.leaves - leaves_before, std::memory_order_relaxed);
          } else {
            b.stop = split_budget.late ? BATCH_LATE : BATCH_BUDGET;
            b.bound = leaf_budget.max_pieces;
            claims.stop(r);
            break;
          }
        }
      } catch (...) {
        errors[k] = std::current_exception();
        claims.stop(s + (batches[k] ? batches[k]->done : 0));
      }
    }
    shared.give(leaf_budget.spare);
  };

  run_threads(static_cast<int>(std::min<size_t>(std::max(workers, 1), n_batches)), work);

  size_t count = 0, bound = 0;
  int stop = BATCH_RAN;
  const size_t done = done_prefix(batches, errors, count, stop, bound);
  if (count == 0) return 0;
  join_dfs_batches(batches, count, workers);
  result = std::move(*batches[0]);
  batches[0].reset();
  if (done == n) return done;
  if (stop == BATCH_BUDGET && clock::now() <= deadline) {
    // What one worker allows root `done`: max_total less the rest of the partition.
    const size_t allowed = max_total - (result.leaves + (n - done - 1));
    if (bound < allowed) {
      DfsThread<Geo> w;
      Budget split_budget, leaf_budget;
      split_budget.deadline = deadline;
      split_budget.max_pieces = kNoRegionLimit;
      leaf_budget.deadline = deadline;
      leaf_budget.max_pieces = allowed;
      if (expand_root(in, maps_in, layers, tol, prefix + done * pb, keep, done, result, w,
                      split_budget, leaf_budget))
        return done + 1;
    }
  }
  aborted = stop != BATCH_RAN;
  return done;
}

}  // namespace rk
