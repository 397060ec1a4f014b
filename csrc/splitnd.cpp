// General-dimension splitting with the dense LP solver: the sign at an interior point
// gives one side for free; one early-stopping LP decides the other; a bounding box of the
// region, computed once per layer when it pays, skips most hyperplanes without any LP.
#include <cmath>
#include <limits>

#include "split.hpp"

namespace rk {
namespace {

struct Classified {
  int side;
  bool pos_from_lp, neg_from_lp;
};

// Decide the side of a.x + c on {A x <= b} (m rows) with interior point x0.
Classified classify(int d, int m, const double* A, const double* b, const double* x0,
                    const double* box_lo, const double* box_hi, const double* a, double c,
                    double eps, HPolytopes::Scratch& s) {
  double v0 = c;
  for (int t = 0; t < d; ++t) v0 += a[t] * x0[t];
  bool can_neg = true, can_pos = true;
  if (box_lo) {
    double lo = c, hi = c;
    for (int t = 0; t < d; ++t) {
      const double mid = 0.5 * (box_lo[t] + box_hi[t]), half = 0.5 * (box_hi[t] - box_lo[t]);
      lo += a[t] * mid - std::fabs(a[t]) * half;
      hi += a[t] * mid + std::fabs(a[t]) * half;
    }
    can_neg = lo < -eps;
    can_pos = hi > eps;
  }
  bool has_pos = v0 > eps, has_neg = v0 < -eps;
  Classified out{SIDE_NONPOS, false, false};
  double value = 0.0;
  if (!has_neg && can_neg) {
    s.x.assign(x0, x0 + d);
    int st = lp_minimize(d, m, A, b, a, s.x.data(), -c - eps, &value, s.lp);
    if (st == LP_STOPPED) {
      has_neg = true;
      out.neg_from_lp = true;
      s.wneg = s.x;
    } else if (st != LP_OPTIMAL) {
      throw SolverError("LP failed while deciding a split (status " + std::to_string(st) + ")");
    }
  }
  if (!has_pos && can_pos) {
    s.c.resize(d);
    for (int t = 0; t < d; ++t) s.c[t] = -a[t];
    s.x.assign(x0, x0 + d);
    int st = lp_minimize(d, m, A, b, s.c.data(), s.x.data(), c - eps, &value, s.lp);
    if (st == LP_STOPPED) {
      has_pos = true;
      out.pos_from_lp = true;
      s.wpos = s.x;
    } else if (st != LP_OPTIMAL) {
      throw SolverError("LP failed while deciding a split (status " + std::to_string(st) + ")");
    }
  }
  out.side = has_pos && has_neg ? SIDE_SPLIT : (has_pos ? SIDE_POS : SIDE_NONPOS);
  return out;
}

// Move x0 towards witness w (value vw on the wanted side) to a point whose value lies
// halfway between the hyperplane (or x0's own value, if on the same side) and vw.
void interior_towards(int d, double* x0, const std::vector<double>& w, const double* a,
                      double c) {
  double v0 = c, vw = c;
  for (int t = 0; t < d; ++t) {
    v0 += a[t] * x0[t];
    vw += a[t] * w[t];
  }
  const double base = (v0 > 0) == (vw > 0) ? v0 : 0.0;
  const double target = 0.5 * (base + vw);
  const double tt = (target - v0) / (vw - v0);
  for (int t = 0; t < d; ++t) x0[t] += tt * (w[t] - x0[t]);
}

void append_row(HPolytopes::Piece& p, int d, const double* a, double sign, double c,
                int64_t lab) {
  // Row for sign * (a.x + c) > 0, i.e. -sign*a.x < sign*c, normalised.
  double nrm = 0.0;
  for (int t = 0; t < d; ++t) nrm += a[t] * a[t];
  nrm = std::sqrt(nrm);
  for (int t = 0; t < d; ++t) p.A.push_back(-sign * a[t] / nrm);
  p.b.push_back(sign * c / nrm);
  p.lab.push_back(lab);
}

}  // namespace

bool HPolytopes::split(const View& in, size_t r, const Hyperplanes& H, int64_t label_base,
                       HPolytopes& out, std::vector<uint8_t>& bits, Scratch& s,
                       Budget& budget) {
  const int d = in.dim, nh = H.count;
  out.dim = d;
  const size_t r0 = in.off[r], r1 = in.off[r + 1];
  const int m0 = static_cast<int>(r1 - r0);
  if (s.pieces.empty()) s.pieces.resize(1);
  size_t npieces = 1;
  s.order.start();
  Piece& root = s.pieces[0];
  root.A.assign(in.A.begin() + r0 * d, in.A.begin() + r1 * d);
  root.b.assign(in.b.begin() + r0, in.b.begin() + r1);
  root.lab.assign(in.lab.begin() + r0, in.lab.begin() + r1);
  root.x.assign(in.center.begin() + r * d, in.center.begin() + (r + 1) * d);
  root.bits.assign(nh, 0);
  // Bounding box by 2d LPs, when the hyperplanes outnumber them.
  const double* blo = nullptr;
  const double* bhi = nullptr;
  if (2 * d < nh) {
    s.box_lo.resize(d);
    s.box_hi.resize(d);
    std::vector<double> e(d, 0.0);
    double value;
    for (int t = 0; t < d; ++t) {
      for (int sign = -1; sign <= 1; sign += 2) {
        e.assign(d, 0.0);
        e[t] = sign < 0 ? 1.0 : -1.0;
        s.x = root.x;
        int st = lp_minimize(d, m0, root.A.data(), root.b.data(), e.data(), s.x.data(),
                             -std::numeric_limits<double>::infinity(), &value, s.lp);
        if (st != LP_OPTIMAL) throw SolverError("LP failed on a region's bounding box");
        if (sign < 0) s.box_lo[t] = s.x[t];
        else s.box_hi[t] = s.x[t];
      }
    }
    blo = s.box_lo.data();
    bhi = s.box_hi.data();
  }
  const std::vector<double> parent_A(root.A), parent_b(root.b), parent_x(root.x);
  for (int j = 0; j < nh; ++j) {
    if (budget.exceeded(npieces)) return false;
    const double* a = &H.a[static_cast<size_t>(j) * d];
    const double c = H.c[j], eps = H.eps[j];
    if (npieces > 1) {
      // One decision on the parent settles the hyperplane for every piece if it misses.
      Classified pc = classify(d, m0, parent_A.data(), parent_b.data(), parent_x.data(), blo,
                               bhi, a, c, eps, s);
      if (pc.side != SIDE_SPLIT) {
        for (size_t i = 0; i < npieces; ++i) s.pieces[i].bits[j] = pc.side == SIDE_POS;
        continue;
      }
    }
    const size_t current = npieces;
    for (size_t i = 0; i < current; ++i) {
      if ((i & 63) == 63 && budget.exceeded(npieces)) return false;
      Piece& p = s.pieces[i];
      const int m = static_cast<int>(p.b.size());
      Classified pc = classify(d, m, p.A.data(), p.b.data(), p.x.data(), blo, bhi, a, c, eps, s);
      if (pc.side != SIDE_SPLIT) {
        p.bits[j] = pc.side == SIDE_POS;
        continue;
      }
      if (s.pieces.size() <= npieces) s.pieces.resize(npieces + 1);
      s.order.cut(i, npieces);
      Piece& q = s.pieces[npieces++];
      Piece& pp = s.pieces[i];  // re-fetch: resize may have moved it
      q.A = pp.A;
      q.b = pp.b;
      q.lab = pp.lab;
      q.bits = pp.bits;
      q.x = pp.x;
      q.bits[j] = 0;
      pp.bits[j] = 1;
      if (pc.neg_from_lp) interior_towards(d, q.x.data(), s.wneg, a, c);
      if (pc.pos_from_lp) interior_towards(d, pp.x.data(), s.wpos, a, c);
      append_row(pp, d, a, +1.0, c, label_base + j);
      append_row(q, d, a, -1.0, c, label_base + j);
    }
  }
  if (!budget.fits(npieces)) return false;
  for (const uint32_t i : s.order.slots()) {
    Piece& p = s.pieces[i];
    const int m = static_cast<int>(p.b.size());
    const double rad = chebyshev_center(d, m, p.A.data(), p.b.data(), p.x.data(), s.lp);
    out.A.insert(out.A.end(), p.A.begin(), p.A.end());
    out.b.insert(out.b.end(), p.b.begin(), p.b.end());
    out.lab.insert(out.lab.end(), p.lab.begin(), p.lab.end());
    out.off.push_back(static_cast<int64_t>(out.b.size()));
    out.center.insert(out.center.end(), p.x.begin(), p.x.end());
    out.radius.push_back(rad);
    bits.insert(bits.end(), p.bits.begin(), p.bits.end());
  }
  return true;
}

}  // namespace rk
