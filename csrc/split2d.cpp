// 2-D splitting by exact convex polygon clipping (no LP).
#include <algorithm>
#include <cmath>

#include "split.hpp"

namespace rk {
namespace {

// The rounding errors of a piece's coordinates below which a side left by a cut is a sliver
// that may not exist (see Polygons::split).
constexpr double kSliverRoundoffs = 1024.0;

// Side of a hyperplane over a vertex list: bit 1 = some value > eps, bit 2 = some < -eps.
inline int classify(const std::vector<double>& xy, const double* a, double c, double eps,
                    std::vector<double>& val) {
  const size_t n = xy.size() / 2;
  val.resize(n);
  int flags = 0;
  for (size_t i = 0; i < n; ++i) {
    const double v = a[0] * xy[2 * i] + a[1] * xy[2 * i + 1] + c;
    val[i] = v;
    if (v > eps) flags |= 1;
    else if (v < -eps) flags |= 2;
  }
  return flags;
}

inline int sgn(double v, double eps) { return v > eps ? 1 : (v < -eps ? -1 : 0); }

// Whether a convex polygon is at most `sliver` thick, its thickness being twice its area over
// its perimeter, which lies between its inradius and its width (each edge's triangle to the
// incentre has area >= r * edge / 2; the polygon fits in a strip of its width and twice its
// diameter is at most its perimeter). Coordinates are taken relative to the first vertex, so
// a needle far from the origin keeps its area's digits. The L1 perimeter is at least the
// Euclidean one, so a polygon that clears the sliver by it (with room for the rounding of
// either sum) is not thin, and the edges' lengths (hypot) are measured only for the others.
inline bool is_thin(const std::vector<double>& xy, double sliver) {
  const size_t n = xy.size() / 2;
  if (n < 3) return true;
  auto edge = [&](size_t i, double& dx, double& dy, double& cross) {
    const size_t k = (i + 1) % n;
    const double xi = xy[2 * i] - xy[0], yi = xy[2 * i + 1] - xy[1];
    const double xk = xy[2 * k] - xy[0], yk = xy[2 * k + 1] - xy[1];
    dx = xk - xi;
    dy = yk - yi;
    cross = xi * yk - xk * yi;
  };
  double area2 = 0.0, perimeter1 = 0.0, dx, dy, cross;
  for (size_t i = 0; i < n; ++i) {
    edge(i, dx, dy, cross);
    area2 += cross;
    perimeter1 += std::fabs(dx) + std::fabs(dy);
  }
  area2 = std::fabs(area2);
  if (area2 > sliver * perimeter1 * (1.0 + 1e-9)) return false;
  double perimeter = 0.0;
  for (size_t i = 0; i < n; ++i) {
    edge(i, dx, dy, cross);
    perimeter += std::hypot(dx, dy);
  }
  return !(perimeter > 0.0) || area2 / perimeter <= sliver;
}

// Keep the part of `p` where sign * (a.x + c) >= 0; the cut edge gets `cut_row`, `cut_lab`.
void clip(const Polygons::Piece& p, const std::vector<double>& val, double eps, int sign,
          const double* cut_row, int64_t cut_lab, Polygons::Piece& q) {
  q.xy.clear();
  q.row.clear();
  q.lab.clear();
  const size_t n = p.lab.size();
  auto emit = [&](double x, double y, const double* row, int64_t lab) {
    q.xy.push_back(x);
    q.xy.push_back(y);
    q.row.insert(q.row.end(), row, row + 3);
    q.lab.push_back(lab);
  };
  for (size_t i = 0; i < n; ++i) {
    const size_t k = (i + 1) % n;
    const int si = sign * sgn(val[i], eps), sk = sign * sgn(val[k], eps);
    const double* erow = &p.row[3 * i];
    if (si >= 0) {
      if (si == 0 && sk < 0) emit(p.xy[2 * i], p.xy[2 * i + 1], cut_row, cut_lab);
      else emit(p.xy[2 * i], p.xy[2 * i + 1], erow, p.lab[i]);
    }
    if (si * sk < 0) {
      const double t = val[i] / (val[i] - val[k]);
      const double x = p.xy[2 * i] + t * (p.xy[2 * k] - p.xy[2 * i]);
      const double y = p.xy[2 * i + 1] + t * (p.xy[2 * k + 1] - p.xy[2 * i + 1]);
      if (si > 0) emit(x, y, cut_row, cut_lab);
      else emit(x, y, erow, p.lab[i]);
    }
  }
}

}  // namespace

bool Polygons::split(const View& in, size_t r, const Hyperplanes& H, int64_t label_base,
                     Polygons& out, std::vector<uint8_t>& bits, Scratch& s,
                     Budget& budget) {
  const int nh = H.count;
  if (s.pieces.empty()) s.pieces.resize(1);
  size_t npieces = 1;
  s.order.start();
  Piece& root = s.pieces[0];
  const size_t b0 = in.off[r], b1 = in.off[r + 1];
  root.xy.assign(in.xy.begin() + 2 * b0, in.xy.begin() + 2 * b1);
  root.row.assign(in.row.begin() + 3 * b0, in.row.begin() + 3 * b1);
  root.lab.assign(in.lab.begin() + b0, in.lab.begin() + b1);
  // Every hyperplane against the region first; only those that cut it, in order, below.
  const std::vector<uint8_t>& side = s.side;
  sides_of_region(2, root.xy.data(), b1 - b0, H, s.box, s.side, root.bits, [&](int j) {
    return classify(root.xy, &H.a[2 * j], H.c[j], H.eps[j], s.val);
  });
  for (int j = 0; j < nh; ++j) {
    if (side[j] != 3) continue;
    if (budget.exceeded(npieces)) return false;
    const double* a = &H.a[2 * j];
    const double c = H.c[j], eps = H.eps[j];
    const double nrm = std::hypot(a[0], a[1]);
    const double pos_row[3] = {-a[0] / nrm, -a[1] / nrm, c / nrm};
    const double neg_row[3] = {a[0] / nrm, a[1] / nrm, -c / nrm};
    const size_t current = npieces;
    for (size_t i = 0; i < current; ++i) {
      if ((i & 63) == 63 && budget.exceeded(npieces)) return false;
      const int f = classify(s.pieces[i].xy, a, c, eps, s.val);
      if (f != 3) {
        s.pieces[i].bits[j] = f == 1;
        continue;
      }
      clip(s.pieces[i], s.val, eps, +1, pos_row, label_base + j, s.tmp_pos);
      clip(s.pieces[i], s.val, eps, -1, neg_row, label_base + j, s.tmp_neg);
      // A cut that leaves one side thinner than kSliverRoundoffs rounding errors of the
      // piece's coordinates splits nothing: the piece goes whole to the other side. Where two
      // hyperplanes at an angle theta cross, the clip places the vertex only to about
      // u M / theta along them (M: the coordinates' magnitude; the values it interpolates
      // between are a few eps apart, each off by a few u M |a|), so a third hyperplane passing
      // that close may be on either side of the exact crossing, and the needle it cuts off
      // is at most (u M / theta) long and theta times that wide: a few u M thick. Its
      // pattern may have no exact region (2-D fuzz: a needle 1e-17 thick in the unit box,
      // area 3e-23, empty in exact arithmetic). Anything that thin is far below the
      // tolerance (rtol = 1e-10 by default), where regions may be merged (docs/certify.md).
      double M = 0.0;
      for (const double x : s.pieces[i].xy) M = std::fmax(M, std::fabs(x));
      const double sliver = kSliverRoundoffs * kUnitRoundoff * M;
      const bool thin_pos = is_thin(s.tmp_pos.xy, sliver);
      const bool thin_neg = is_thin(s.tmp_neg.xy, sliver);
      if (thin_pos != thin_neg) {
        s.pieces[i].bits[j] = thin_neg;
        continue;
      }
      if (s.pieces.size() <= npieces) s.pieces.resize(npieces + 1);
      s.order.cut(i, npieces);
      Piece& np = s.pieces[npieces++];
      np.bits = s.pieces[i].bits;
      np.bits[j] = 0;
      std::swap(np.xy, s.tmp_neg.xy);
      std::swap(np.row, s.tmp_neg.row);
      std::swap(np.lab, s.tmp_neg.lab);
      Piece& pp = s.pieces[i];
      pp.bits[j] = 1;
      std::swap(pp.xy, s.tmp_pos.xy);
      std::swap(pp.row, s.tmp_pos.row);
      std::swap(pp.lab, s.tmp_pos.lab);
    }
  }
  if (!budget.fits(npieces)) return false;
  for (const uint32_t i : s.order.slots()) {
    const Piece& p = s.pieces[i];
    out.xy.insert(out.xy.end(), p.xy.begin(), p.xy.end());
    out.row.insert(out.row.end(), p.row.begin(), p.row.end());
    out.lab.insert(out.lab.end(), p.lab.begin(), p.lab.end());
    out.off.push_back(static_cast<int64_t>(out.lab.size()));
    bits.insert(bits.end(), p.bits.begin(), p.bits.end());
  }
  return true;
}

}  // namespace rk
