// General-dimension splitting in vertex form (see VPolytopes in split.hpp).
#include <cmath>
#include <string>

#include "split.hpp"

namespace rk {
namespace {

using Piece = VPolytopes::Piece;

// The edge search counts shared rows with popcount: on x86-64 with GCC, build a clone with
// the popcnt instruction next to the baseline one and pick at load time.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define RK_POPCNT_CLONES __attribute__((target_clones("popcnt", "default")))
#else
#define RK_POPCNT_CLONES
#endif

inline int words_for(int rows) { return rows > 0 ? (rows + 63) / 64 : 1; }

// Values of a.x + c at the vertices; returns bit 1 if some > eps, bit 2 if some < -eps.
int classify(int d, int nv, const double* V, const double* a, double c, double eps,
             std::vector<double>& val, std::vector<int>& sign) {
  val.resize(nv);
  sign.resize(nv);
  int flags = 0;
  for (int i = 0; i < nv; ++i) {
    const double* v = V + static_cast<size_t>(i) * d;
    double x = c;
    for (int t = 0; t < d; ++t) x += a[t] * v[t];
    val[i] = x;
    sign[i] = x > eps ? 1 : (x < -eps ? -1 : 0);
    if (sign[i] > 0) flags |= 1;
    else if (sign[i] < 0) flags |= 2;
  }
  return flags;
}

void add_vertex(Piece& q, int d, const double* v, const uint64_t* inc, int in_words,
                int new_bit) {
  q.V.insert(q.V.end(), v, v + d);
  const size_t base = q.inc.size();
  q.inc.resize(base + q.words, 0);
  for (int w = 0; w < in_words && w < q.words; ++w) q.inc[base + w] = inc[w];
  if (new_bit >= 0) q.inc[base + new_bit / 64] |= uint64_t(1) << (new_bit % 64);
  ++q.nv;
}

// Drop rows on which fewer than d vertices lie (they cannot be facets) and re-pack bits.
void prune_rows(Piece& q, int d, VPolytopes::Scratch& s) {
  s.count.assign(q.nf, 0);
  for (size_t w = 0; w < q.inc.size(); ++w) {
    const int base = static_cast<int>(w % q.words) * 64;
    for (uint64_t bitsw = q.inc[w]; bitsw; bitsw &= bitsw - 1) ++s.count[base + __builtin_ctzll(bitsw)];
  }
  s.remap.assign(q.nf, -1);
  int kept = 0;
  for (int f = 0; f < q.nf; ++f)
    if (s.count[f] >= d) s.remap[f] = kept++;
  if (kept == q.nf) return;
  const int words = words_for(kept);
  std::vector<uint64_t> inc(static_cast<size_t>(q.nv) * words, 0);
  for (int i = 0; i < q.nv; ++i)  // the set bits only: a vertex lies on a few rows
    for (int w = 0; w < q.words; ++w)
      for (uint64_t bw = q.inc[static_cast<size_t>(i) * q.words + w]; bw; bw &= bw - 1) {
        const int g = s.remap[w * 64 + __builtin_ctzll(bw)];
        if (g >= 0) inc[static_cast<size_t>(i) * words + g / 64] |= uint64_t(1) << (g % 64);
      }
  for (int f = 0; f < q.nf; ++f) {
    const int g = s.remap[f];
    if (g < 0 || g == f) continue;
    for (int t = 0; t < d; ++t) q.A[static_cast<size_t>(g) * d + t] = q.A[static_cast<size_t>(f) * d + t];
    q.b[g] = q.b[f];
    q.lab[g] = q.lab[f];
  }
  q.A.resize(static_cast<size_t>(kept) * d);
  q.b.resize(kept);
  q.lab.resize(kept);
  q.inc.swap(inc);
  q.nf = kept;
  q.words = words;
}

// The edges (i, j) from a positive to a negative vertex of p (signs in s.sign), into s.edges
// as pairs, in order of i then j. (i, j) is an edge iff no third vertex lies on every row
// that both lie on. When one of them is simple (on exactly d rows, then independent ones) and
// they share d - 1 rows, those rows meet in a line whose intersection with the polytope is a
// face with two vertices, i and j: an edge, so the search for a third vertex is skipped.
RK_POPCNT_CLONES void find_edges(const Piece& p, int d, VPolytopes::Scratch& s) {
  const int W = p.words;
  s.rows_on.resize(p.nv);
  s.negative.clear();
  for (int i = 0; i < p.nv; ++i) {
    int rows = 0;
    for (int w = 0; w < W; ++w) rows += __builtin_popcountll(p.inc[static_cast<size_t>(i) * W + w]);
    s.rows_on[i] = rows;
    if (s.sign[i] < 0) s.negative.push_back(i);
  }
  s.edges.clear();
  // Whether positive i and negative j, on `common` rows in common (at least d - 1), make an
  // edge: yes if that is d - 1 and one of them is simple, else if no third vertex lies on
  // all of those rows.
  auto adjacent = [&](int i, int j, int common) {
    if (common == d - 1 && (s.rows_on[i] == d || s.rows_on[j] == d)) return true;
    const uint64_t* ii = &p.inc[static_cast<size_t>(i) * W];
    const uint64_t* jj = &p.inc[static_cast<size_t>(j) * W];
    for (int k = 0; k < p.nv; ++k) {
      if (k == i || k == j) continue;
      const uint64_t* kk = &p.inc[static_cast<size_t>(k) * W];
      bool contains = true;
      for (int w = 0; w < W; ++w)
        if (ii[w] & jj[w] & ~kk[w]) {
          contains = false;
          break;
        }
      if (contains) return false;
    }
    return true;
  };
  if (W == 1) {  // at most 64 rows (the common case): the negative vertices' words in a row
    s.negative_inc.resize(s.negative.size());
    for (size_t k = 0; k < s.negative.size(); ++k) s.negative_inc[k] = p.inc[s.negative[k]];
    const uint64_t* nw = s.negative_inc.data();
    const size_t nn = s.negative.size();
    for (int i = 0; i < p.nv; ++i) {
      if (s.sign[i] <= 0) continue;
      const uint64_t wi = p.inc[i];
      for (size_t k = 0; k < nn; ++k) {
        const int common = __builtin_popcountll(wi & nw[k]);
        if (common < d - 1 || !adjacent(i, s.negative[k], common)) continue;
        s.edges.push_back(i);
        s.edges.push_back(s.negative[k]);
      }
    }
    return;
  }
  for (int i = 0; i < p.nv; ++i) {
    if (s.sign[i] <= 0) continue;
    const uint64_t* ii = &p.inc[static_cast<size_t>(i) * W];
    for (const int j : s.negative) {
      const uint64_t* jj = &p.inc[static_cast<size_t>(j) * W];
      int common = 0;
      for (int w = 0; w < W; ++w) common += __builtin_popcountll(ii[w] & jj[w]);
      if (common < d - 1 || !adjacent(i, j, common)) continue;
      s.edges.push_back(i);
      s.edges.push_back(j);
    }
  }
}

// Cut p by a.x + c = 0 into pos (> 0) and neg (< 0) children; s.val / s.sign hold the
// vertex values from classify.
void cut(const Piece& p, int d, const double* a, double c, int64_t label,
         VPolytopes::Scratch& s, Piece& pos, Piece& neg) {
  double nrm = 0.0;
  for (int t = 0; t < d; ++t) nrm += a[t] * a[t];
  nrm = std::sqrt(nrm);
  const int f = p.nf;  // index of the new row in both children
  for (Piece* q : {&pos, &neg}) {
    const double sg = q == &pos ? 1.0 : -1.0;
    q->nv = 0;
    q->nf = p.nf + 1;
    q->words = words_for(q->nf);
    q->V.clear();
    q->inc.clear();
    q->A.assign(p.A.begin(), p.A.end());
    q->b.assign(p.b.begin(), p.b.end());
    q->lab.assign(p.lab.begin(), p.lab.end());
    for (int t = 0; t < d; ++t) q->A.push_back(-sg * a[t] / nrm);
    q->b.push_back(sg * c / nrm);
    q->lab.push_back(label);
  }
  const int W = p.words;
  s.z.resize(W);
  for (int i = 0; i < p.nv; ++i) {
    const double* v = &p.V[static_cast<size_t>(i) * d];
    const uint64_t* inc = &p.inc[static_cast<size_t>(i) * W];
    if (s.sign[i] >= 0) add_vertex(pos, d, v, inc, W, s.sign[i] == 0 ? f : -1);
    if (s.sign[i] <= 0) add_vertex(neg, d, v, inc, W, s.sign[i] == 0 ? f : -1);
  }
  // New vertices on the edges (i, j) from a positive to a negative vertex.
  find_edges(p, d, s);
  std::vector<double> x(d);
  for (size_t e = 0; e < s.edges.size(); e += 2) {
    const int i = s.edges[e], j = s.edges[e + 1];
    const uint64_t* ii = &p.inc[static_cast<size_t>(i) * W];
    const uint64_t* jj = &p.inc[static_cast<size_t>(j) * W];
    for (int w = 0; w < W; ++w) s.z[w] = ii[w] & jj[w];
    const double t = s.val[i] / (s.val[i] - s.val[j]);
    const double* vi = &p.V[static_cast<size_t>(i) * d];
    const double* vj = &p.V[static_cast<size_t>(j) * d];
    for (int u = 0; u < d; ++u) x[u] = vi[u] + t * (vj[u] - vi[u]);
    add_vertex(pos, d, x.data(), s.z.data(), W, f);
    add_vertex(neg, d, x.data(), s.z.data(), W, f);
  }
}

// McMullen's upper bound theorem: the most vertices a d-polytope with n facets has, in
// double (it only has to be compared).
double max_vertices(int n, int d) {
  auto binomial = [](double top, int k) {
    double c = 1.0;
    for (int i = 1; i <= k; ++i) c *= (top - k + i) / i;
    return top < k ? 0.0 : c;
  };
  const int h = d / 2;
  return binomial(n - (d + 1) / 2, h) + binomial(n - h - 1, (d + 1) / 2 - 1);
}

// A cut's piece with more vertices than any polytope with its rows (and the 2d sides of a
// box, a margin: pruned rows may return as float copies) has holds float copies of vertices
// (hyperplanes nearly parallel, crossing within the tolerance), and later cuts multiply
// them: a 4-D net with units 1e-9 from parallel took 24 GB in one split. The split stops
// there; the engine runs the LP form instead. (Without the margin, a few LP-form regions
// the fuzz measured right, copies and all, were refused.)
void check_vertex_count(const Piece& q, int d) {
  const int n = q.nf + 2 * d;
  if (q.nv > max_vertices(n, d))
    throw SolverError("vertex split: a piece with " + std::to_string(q.nv) + " vertices, more "
                      "than any " + std::to_string(d) + "-polytope with " + std::to_string(n) +
                      " facets has: hyperplanes too nearly parallel for the vertex form");
}

// Whether the vertex centroid of p (summed and divided as dfs.hpp's interior_point does) is
// strictly inside every row of p. Where nearly parallel hyperplanes cross, rounding moves
// their crossings by up to u M / theta, and a piece made of such vertices may be a sliver
// that exact arithmetic finds empty; its centroid then lies outside one of its own rows
// (tests/test_degenerate_regressions.py). A genuine region's centroid is strictly inside, so
// failing this means the piece is thinner than floats can place: it is dropped, as a region
// thinner than the tolerance is (docs/certify.md).
bool centroid_inside(const Piece& p, int d, std::vector<double>& x) {
  x.assign(d, 0.0);
  for (int i = 0; i < p.nv; ++i)
    for (int t = 0; t < d; ++t) x[t] += p.V[static_cast<size_t>(i) * d + t];
  for (int t = 0; t < d; ++t) x[t] /= static_cast<double>(p.nv);
  for (int f = 0; f < p.nf; ++f) {
    double slack = p.b[f];
    for (int t = 0; t < d; ++t) slack -= p.A[static_cast<size_t>(f) * d + t] * x[t];
    if (!(slack > 0.0)) return false;
  }
  return true;
}

}  // namespace

bool VPolytopes::split(const View& in, size_t r, const Hyperplanes& H, int64_t label_base,
                       VPolytopes& out, std::vector<uint8_t>& bits, Scratch& s,
                       Budget& budget) {
  const int d = in.dim, nh = H.count;
  out.dim = d;
  if (s.pieces.empty()) s.pieces.resize(1);
  size_t npieces = 1;
  s.order.start();
  Piece& root = s.pieces[0];
  root.nv = static_cast<int>(in.voff[r + 1] - in.voff[r]);
  root.nf = static_cast<int>(in.roff[r + 1] - in.roff[r]);
  root.words = root.nv ? static_cast<int>((in.ioff[r + 1] - in.ioff[r]) / root.nv) : 1;
  root.V.assign(in.V.begin() + in.voff[r] * d, in.V.begin() + in.voff[r + 1] * d);
  root.inc.assign(in.inc.begin() + in.ioff[r], in.inc.begin() + in.ioff[r + 1]);
  root.A.assign(in.A.begin() + in.roff[r] * d, in.A.begin() + in.roff[r + 1] * d);
  root.b.assign(in.b.begin() + in.roff[r], in.b.begin() + in.roff[r + 1]);
  root.lab.assign(in.lab.begin() + in.roff[r], in.lab.begin() + in.roff[r + 1]);
  // Every hyperplane against the region first; only those that cut it, in order, below.
  const std::vector<uint8_t>& side = s.side;
  sides_of_region(d, root.V.data(), static_cast<size_t>(root.nv), H, s.box, s.side, root.bits,
                  [&](int j) {
                    return classify(d, root.nv, root.V.data(), &H.a[static_cast<size_t>(j) * d],
                                    H.c[j], H.eps[j], s.val, s.sign);
                  });
  for (int j = 0; j < nh; ++j) {
    if (side[j] != 3) continue;
    if (budget.exceeded(npieces)) return false;
    const double* a = &H.a[static_cast<size_t>(j) * d];
    const double c = H.c[j], eps = H.eps[j];
    const size_t current = npieces;
    for (size_t i = 0; i < current; ++i) {
      if ((i & 63) == 63 && budget.exceeded(npieces)) return false;
      const int f = classify(d, s.pieces[i].nv, s.pieces[i].V.data(), a, c, eps, s.val, s.sign);
      if (f != 3) {
        s.pieces[i].bits[j] = f == 1;
        continue;
      }
      cut(s.pieces[i], d, a, c, label_base + j, s, s.tmp_pos, s.tmp_neg);
      check_vertex_count(s.tmp_pos, d);
      check_vertex_count(s.tmp_neg, d);
      s.tmp_pos.bits = s.pieces[i].bits;
      s.tmp_pos.bits[j] = 1;
      s.tmp_neg.bits = s.pieces[i].bits;
      s.tmp_neg.bits[j] = 0;
      if (s.pieces.size() <= npieces) s.pieces.resize(npieces + 1);
      s.order.cut(i, npieces);
      std::swap(s.pieces[i], s.tmp_pos);
      std::swap(s.pieces[npieces++], s.tmp_neg);
    }
  }
  if (!budget.fits(npieces)) return false;
  for (const uint32_t i : s.order.slots()) {
    Piece& p = s.pieces[i];
    // Once per layer: redundant rows are harmless in between (and a partial layer's pieces
    // keep them, as the one-pass split of the whole layer would). So is the centroid test,
    // which then sees the same pieces and rows in one pass or two.
    if (!H.partial) {
      if (!centroid_inside(p, d, s.x)) continue;
      prune_rows(p, d, s);
    }
    out.V.insert(out.V.end(), p.V.begin(), p.V.end());
    out.voff.push_back(out.voff.back() + p.nv);
    out.inc.insert(out.inc.end(), p.inc.begin(), p.inc.end());
    out.ioff.push_back(static_cast<int64_t>(out.inc.size()));
    out.A.insert(out.A.end(), p.A.begin(), p.A.end());
    out.b.insert(out.b.end(), p.b.begin(), p.b.end());
    out.lab.insert(out.lab.end(), p.lab.begin(), p.lab.end());
    out.roff.push_back(static_cast<int64_t>(out.b.size()));
    bits.insert(bits.end(), p.bits.begin(), p.bits.end());
  }
  return true;
}

}  // namespace rk
