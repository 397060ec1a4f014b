// Frontier geometries and the layer driver shared by the 1-D, 2-D and n-D splitters.
#pragma once
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <vector>

#include "core.hpp"
#include "lp.hpp"
#include "screen.hpp"

namespace rk {

// The region budget of a parallel split (csrc/parallel.hpp), shared by its threads: `used`
// counts the partition being built (children so far plus regions not yet split) plus the
// room threads hold for pieces still to come, and never exceeds `limit`.
struct SharedBudget {
  std::atomic<size_t> used{0};
  size_t limit = 0;
  // Hold `count` more regions if they fit.
  bool take(size_t count) {
    size_t u = used.load(std::memory_order_relaxed);
    do {
      if (limit - u < count) return false;
    } while (!used.compare_exchange_weak(u, u + count, std::memory_order_relaxed));
    return true;
  }
  void give(size_t count) { used.fetch_sub(count, std::memory_order_relaxed); }
};

// A thread takes room from the shared budget at least this many regions at a time, so that
// atomic operations stay rare; near the limit it takes only what a region needs.
constexpr size_t kReserveStep = 64;

// max_total at or above this: no region budget (the parallel split skips its bookkeeping).
constexpr size_t kNoRegionLimit = size_t(1) << 62;

// Limits inside one region's split: a split that would exceed max_pieces or run past the
// hard deadline is abandoned, leaving the region unsplit (the caller stops there).
struct Budget {
  std::chrono::steady_clock::time_point deadline;
  size_t max_pieces = 0;
  // Parallel splits: max_pieces grows on demand, first from `spare` (room this thread
  // holds), then from the shared budget. nullptr: max_pieces is final.
  SharedBudget* shared = nullptr;
  size_t spare = 0;
  bool late = false;  // the clock was read past the deadline
  // Called once per hyperplane and every 64 pieces within one. The piece count is checked
  // every time; the clock (about 8% of a 2-D run when read every call) every 32nd call.
  bool exceeded(size_t pieces) {
    if (!fits(pieces)) return true;
    if ((++calls & 31) != 0) return false;
    late = std::chrono::steady_clock::now() > deadline;
    return late;
  }
  // Whether the region may hold `pieces` (growing max_pieces if it can).
  bool fits(size_t pieces) { return pieces <= max_pieces || grow(pieces); }

 private:
  bool grow(size_t pieces) {
    if (shared == nullptr) return false;
    const size_t need = pieces - max_pieces;
    if (spare < need) {
      const size_t want = need - spare, step = std::max(want, kReserveStep);
      if (shared->take(step)) spare += step;
      else if (shared->take(want)) spare += want;
      else return false;
    }
    spare -= need;
    max_pieces = pieces;
    return true;
  }
  uint32_t calls = 0;
};

// A read-only view of an array the caller owns: the core reads its input frontier in
// place (numpy memory) instead of copying it into vectors.
template <class T>
struct Span {
  const T* p = nullptr;
  size_t n = 0;
  const T& operator[](size_t i) const { return p[i]; }
  const T* begin() const { return p; }
  const T* end() const { return p + n; }
  size_t size() const { return n; }
};

// The order a split emits its pieces in: their bits (one byte per hyperplane) in descending
// lexicographic order, 1 before 0 hyperplane by hyperplane. It is the order of a split that
// replaces each cut piece by its positive then its negative part, so it is the same whether
// a layer is cut in one pass or in two (its first units, then the rest inside each piece),
// and, layer after layer, regions come out in descending lexicographic order of their
// patterns: the canonical order, whatever the traversal (docs/engine.md).
// No sort is needed: the splits keep a cut piece's positive part in its slot and append the
// negative part, and two pieces first differ at the cut that separated them, where the
// positive part has the 1. Linking each negative part right after its positive part keeps
// the pieces in that order as a list.
class PieceOrder {
 public:
  // A split starts from one piece, slot 0.
  void start() { next_.assign(1, kEnd); }
  // The piece in slot i was cut: its negative part went to slot k.
  void cut(size_t i, size_t k) {
    if (next_.size() <= k) next_.resize(k + 1);
    next_[k] = next_[i];
    next_[i] = static_cast<uint32_t>(k);
  }
  // The slots in emission order.
  const std::vector<uint32_t>& slots() {
    order_.clear();
    for (uint32_t i = 0; i != kEnd; i = next_[i]) order_.push_back(i);
    return order_;
  }

 private:
  static constexpr uint32_t kEnd = UINT32_MAX;
  std::vector<uint32_t> next_, order_;
};

// Column kinds, for the geometries' zip (joining the batches of a parallel split): CSR
// offsets (rebased when appended) and plain values.
struct OffsetsColumn {};
struct ValuesColumn {};

// Labels name the hyperplane behind a facet: >= 0 is a global network hyperplane index,
// < 0 is domain facet -1-k.

// 1-D regions: open intervals (lo, hi) of the slice parameter.
struct Intervals {
  std::vector<double> lo, hi;
  std::vector<int64_t> lab_lo, lab_hi;
  size_t count() const { return lo.size(); }
  // f(column, o's column, kind) for each column, in Geometry.columns order.
  template <class F>
  void zip(const Intervals& o, F&& f) {
    f(lo, o.lo, ValuesColumn{});
    f(hi, o.hi, ValuesColumn{});
    f(lab_lo, o.lab_lo, ValuesColumn{});
    f(lab_hi, o.lab_hi, ValuesColumn{});
  }
  struct Scratch {
    std::vector<double> root;
    std::vector<int> order, group;
    std::vector<uint8_t> fixed_bit;
  };
  struct View {
    Span<double> lo, hi;
    Span<int64_t> lab_lo, lab_hi;
    size_t count() const { return lo.size(); }
  };
  static bool split(const View& in, size_t r, const Hyperplanes& H, int64_t label_base,
                    Intervals& out, std::vector<uint8_t>& bits, Scratch& s,
                    Budget& budget);
};

// 2-D regions: convex polygons, vertices counter-clockwise; edge i runs from vertex i to
// i+1 and lies on row i (a0 x + a1 y < b, unit normal) with label lab[i].
struct Polygons {
  std::vector<int64_t> off{0};
  std::vector<double> xy;
  std::vector<int64_t> lab;
  std::vector<double> row;
  size_t count() const { return off.size() - 1; }
  // f(column, o's column, kind) for each column, in Geometry.columns order.
  template <class F>
  void zip(const Polygons& o, F&& f) {
    f(off, o.off, OffsetsColumn{});
    f(xy, o.xy, ValuesColumn{});
    f(lab, o.lab, ValuesColumn{});
    f(row, o.row, ValuesColumn{});
  }
  struct Piece {
    std::vector<double> xy, row;
    std::vector<int64_t> lab;
    std::vector<uint8_t> bits;
  };
  struct Scratch {
    std::vector<Piece> pieces;
    PieceOrder order;  // the emission order of the pieces
    std::vector<double> val, box;
    std::vector<uint8_t> side;  // each hyperplane's side of the parent (classify's flags)
    Piece tmp_pos, tmp_neg;
  };
  struct View {
    Span<int64_t> off;
    Span<double> xy;
    Span<int64_t> lab;
    Span<double> row;
    size_t count() const { return off.size() - 1; }
  };
  static bool split(const View& in, size_t r, const Hyperplanes& H, int64_t label_base,
                    Polygons& out, std::vector<uint8_t>& bits, Scratch& s,
                    Budget& budget);
};

// General dimension: H-polytopes {A x < b} (unit-norm rows) with a Chebyshev centre each.
struct HPolytopes {
  int dim = 0;
  std::vector<int64_t> off{0};
  std::vector<double> A, b;
  std::vector<int64_t> lab;
  std::vector<double> center, radius;
  size_t count() const { return off.size() - 1; }
  // f(column, o's column, kind) for each column, in Geometry.columns order.
  template <class F>
  void zip(const HPolytopes& o, F&& f) {
    f(off, o.off, OffsetsColumn{});
    f(A, o.A, ValuesColumn{});
    f(b, o.b, ValuesColumn{});
    f(lab, o.lab, ValuesColumn{});
    f(center, o.center, ValuesColumn{});
    f(radius, o.radius, ValuesColumn{});
  }
  struct Piece {
    std::vector<double> A, b, x;
    std::vector<int64_t> lab;
    std::vector<uint8_t> bits;
  };
  struct Scratch {
    std::vector<Piece> pieces;
    PieceOrder order;  // the emission order of the pieces
    std::vector<double> box_lo, box_hi, wpos, wneg, c, x;
    LPWork lp;
  };
  struct View {
    int dim = 0;
    Span<int64_t> off;
    Span<double> A, b;
    Span<int64_t> lab;
    Span<double> center, radius;
    size_t count() const { return off.size() - 1; }
  };
  static bool split(const View& in, size_t r, const Hyperplanes& H, int64_t label_base,
                    HPolytopes& out, std::vector<uint8_t>& bits, Scratch& s,
                    Budget& budget);
};

// General dimension, vertex form (double description): each region keeps its vertices, its
// inequality rows and which rows each vertex lies on. A hyperplane's exact range over a
// region is its range over the vertices, so no LP is needed; new vertices appear on the
// edges it crosses, found by the combinatorial adjacency test on the incidence sets.
struct VPolytopes {
  int dim = 0;
  std::vector<int64_t> voff{0};  // vertex offsets, regions + 1
  std::vector<double> V;         // dim per vertex
  std::vector<int64_t> ioff{0};  // incidence-word offsets, regions + 1
  std::vector<uint64_t> inc;     // per vertex, ceil(rows / 64) words: rows the vertex is on
  std::vector<int64_t> roff{0};  // row offsets, regions + 1
  std::vector<double> A, b;      // unit-norm rows, A x < b
  std::vector<int64_t> lab;
  size_t count() const { return voff.size() - 1; }
  // f(column, o's column, kind) for each column, in Geometry.columns order.
  template <class F>
  void zip(const VPolytopes& o, F&& f) {
    f(voff, o.voff, OffsetsColumn{});
    f(V, o.V, ValuesColumn{});
    f(ioff, o.ioff, OffsetsColumn{});
    f(inc, o.inc, ValuesColumn{});
    f(roff, o.roff, OffsetsColumn{});
    f(A, o.A, ValuesColumn{});
    f(b, o.b, ValuesColumn{});
    f(lab, o.lab, ValuesColumn{});
  }
  struct Piece {
    int nv = 0, nf = 0, words = 1;
    std::vector<double> V, A, b;
    std::vector<uint64_t> inc;
    std::vector<int64_t> lab;
    std::vector<uint8_t> bits;
  };
  struct Scratch {
    std::vector<Piece> pieces;
    PieceOrder order;  // the emission order of the pieces
    std::vector<double> val, box, x;
    std::vector<uint8_t> side;  // each hyperplane's side of the parent (classify's flags)
    std::vector<int> sign;
    Piece tmp_pos, tmp_neg;
    std::vector<uint64_t> z;
    std::vector<int> count, remap;
    std::vector<int> rows_on, negative, edges;  // the edge search of a cut
    std::vector<uint64_t> negative_inc;         // the negative vertices' rows (one word)
  };
  struct View {
    int dim = 0;
    Span<int64_t> voff;
    Span<double> V;
    Span<int64_t> ioff;
    Span<uint64_t> inc;
    Span<int64_t> roff;
    Span<double> A, b;
    Span<int64_t> lab;
    size_t count() const { return voff.size() - 1; }
  };
  static bool split(const View& in, size_t r, const Hyperplanes& H, int64_t label_base,
                    VPolytopes& out, std::vector<uint8_t>& bits, Scratch& s,
                    Budget& budget);
};

// Split region r of `in` by layer L (its W^T tables prepared), appending its children, their
// post-activation maps (or, parent_maps: region r's pre-activations of L, one entry, from which
// append_child_maps makes the children's maps when they are needed), layer bits (one byte
// per hyperplane) and parent index r. False, with nothing appended, if the budget or the
// deadline stopped it.
template <class Geo, class View>
bool split_region(const View& in, const MapsView& maps_in, const Layer& L, const Tolerance& tol,
                  int64_t label_base, size_t r, Geo& out, Maps& maps_out,
                  std::vector<uint8_t>& bits_out, std::vector<int64_t>& parent_out,
                  Hyperplanes& H, typename Geo::Scratch& scratch, Budget& budget,
                  bool parent_maps) {
  const size_t before = out.count();
  layer_hyperplanes(L, maps_in, r, tol, H);
  const size_t bits_before = bits_out.size();
  if (!Geo::split(in, r, H, label_base, out, bits_out, scratch, budget)) return false;
  if (parent_maps) append_pre_activation(H, L.n_out, maps_out);
  for (size_t k = before; k < out.count(); ++k) {
    if (parent_maps) {
      parent_out.push_back(static_cast<int64_t>(r));
      continue;
    }
    append_post_activation(L, H, bits_out.data() + bits_before + (k - before) * H.count,
                           maps_in.R, maps_out);
    parent_out.push_back(static_cast<int64_t>(r));
  }
  return true;
}

// The bounding box of nv vertices (d coordinates each, V row-major): its centre, then its
// half-widths, d values each (what box_sides and the depth-first screen read).
inline void vertex_bounds(int d, const double* V, size_t nv, double* box) {
  for (int t = 0; t < d; ++t) {
    double lo = V[t], hi = V[t];
    for (size_t v = 1; v < nv; ++v) {
      lo = std::min(lo, V[v * d + t]);
      hi = std::max(hi, V[v * d + t]);
    }
    box[t] = 0.5 * (lo + hi);
    box[d + t] = 0.5 * (hi - lo);
  }
}

// Each hyperplane of H against a region (nv vertices V, d coordinates each) about to be split:
// side[j] = the flags of exact(j) (bit 1: some vertex above eps, bit 2: some below -eps),
// the box test (box_sides) deciding first where it can, and bits[j] = 1 where the region is
// above. Most hyperplanes miss a region: its pieces take those bits from it, and only the
// hyperplanes with side 3 are cut by.
template <class Exact>
void sides_of_region(int d, const double* V, size_t nv, const Hyperplanes& H,
                     std::vector<double>& box, std::vector<uint8_t>& side,
                     std::vector<uint8_t>& bits, Exact&& exact) {
  box.resize(2 * static_cast<size_t>(d));
  vertex_bounds(d, V, nv, box.data());
  side.resize(H.count);
  box_sides(d, box.data(), box.data() + d, H.a.data(), H.c.data(), H.eps.data(), H.count,
            side.data());
  bits.resize(H.count);
  for (int j = 0; j < H.count; ++j) {
    if (side[j] == 0) side[j] = static_cast<uint8_t>(exact(j));
    bits[j] = side[j] == 1;
  }
}

inline std::chrono::steady_clock::time_point deadline_after(
    std::chrono::steady_clock::time_point start, double seconds) {
  using clock = std::chrono::steady_clock;
  return start + std::chrono::duration_cast<clock::duration>(
                     std::chrono::duration<double>(std::min(seconds, 1e9)));
}

// Split regions of `in` by layer L, in order, until all are done or `seconds` have passed
// (a soft limit, checked between regions; at least one region is attempted). The partition
// being built (children so far plus regions not yet reached) never exceeds max_total
// regions, and no split runs past hard_seconds: a region whose split would break either
// is left unsplit and `aborted` is set. Appends children, their post-activation maps, their
// layer bits (one byte per hyperplane) and parent index. Returns the regions processed.
template <class Geo, class View = typename Geo::View>
size_t split_layer(const View& in, const MapsView& maps_in, Layer L, const Tolerance& tol,
                   int64_t label_base, size_t max_total, double seconds, double hard_seconds,
                   Geo& out, Maps& maps_out, std::vector<uint8_t>& bits_out,
                   std::vector<int64_t>& parent_out, bool& aborted, bool parent_maps = false) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  Budget budget;
  budget.deadline = deadline_after(start, hard_seconds);
  Hyperplanes H;
  LayerStorage storage;
  prepare_layer(L, storage);
  typename Geo::Scratch scratch;
  maps_out.rows = L.n_out;
  maps_out.dim = maps_in.dim;
  const size_t n = in.count();
  const size_t entries = parent_maps ? n : 2 * n;  // children: at least as many as regions
  maps_out.M.reserve(entries * static_cast<size_t>(L.n_out) * maps_in.dim);
  maps_out.m.reserve(entries * static_cast<size_t>(L.n_out));
  maps_out.S.reserve(entries * static_cast<size_t>(L.n_out));
  aborted = false;
  size_t r = 0;
  for (; r < n; ++r) {
    if (r > 0 && (r & 7) == 0 &&
        std::chrono::duration<double>(clock::now() - start).count() > seconds)
      break;
    const size_t others = out.count() + (n - r - 1);  // the partition besides r's pieces
    if (others >= max_total) {
      aborted = true;
      break;
    }
    budget.max_pieces = max_total - others;
    if (!split_region(in, maps_in, L, tol, label_base, r, out, maps_out, bits_out, parent_out,
                      H, scratch, budget, parent_maps)) {
      aborted = true;
      break;
    }
  }
  return r;
}

}  // namespace rk
