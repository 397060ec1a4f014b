// Dense primal active-set LP solver (see lp.hpp).
#include "lp.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core.hpp"

namespace rk {
namespace {

// Row states in LPWork::is_active.
constexpr char FREE = 0, ACTIVE = 1, PARKED = 2;

inline double dot(const double* u, const double* v, int d) {
  double s = 0.0;
  for (int i = 0; i < d; ++i) s += u[i] * v[i];
  return s;
}

// Rebuild Q (orthonormal) and R (A_active = R Q) from the active rows by Gram-Schmidt
// (twice, for stability). Returns false if the rows are numerically dependent.
bool rebuild_basis(int d, const double* A, LPWork& w) {
  const int k = static_cast<int>(w.active.size());
  w.Q.assign(static_cast<size_t>(k) * d, 0.0);
  w.R.assign(static_cast<size_t>(k) * k, 0.0);
  for (int i = 0; i < k; ++i) {
    const double* a = A + static_cast<size_t>(w.active[i]) * d;
    double* qi = &w.Q[static_cast<size_t>(i) * d];
    std::copy(a, a + d, qi);
    for (int pass = 0; pass < 2; ++pass) {
      for (int j = 0; j < i; ++j) {
        const double* qj = &w.Q[static_cast<size_t>(j) * d];
        double r = dot(qi, qj, d);
        w.R[static_cast<size_t>(i) * k + j] += r;
        for (int t = 0; t < d; ++t) qi[t] -= r * qj[t];
      }
    }
    double nrm = std::sqrt(dot(qi, qi, d));
    double anrm = std::sqrt(dot(a, a, d));
    if (nrm <= 1e-13 * anrm) return false;
    for (int t = 0; t < d; ++t) qi[t] /= nrm;
    w.R[static_cast<size_t>(i) * k + i] = nrm;
  }
  return true;
}

// Append active row `idx` to the basis: one Gram-Schmidt step (twice) against Q.
bool append_basis(int d, const double* A, int idx, LPWork& w) {
  const int k = static_cast<int>(w.active.size());  // idx already pushed: k-1 old rows
  const int old = k - 1;
  // R grows from old x old to k x k (row-major, lower triangular).
  std::vector<double>& R = w.tmp;
  R.assign(static_cast<size_t>(k) * k, 0.0);
  for (int i = 0; i < old; ++i)
    for (int j = 0; j <= i; ++j) R[static_cast<size_t>(i) * k + j] = w.R[static_cast<size_t>(i) * old + j];
  w.Q.resize(static_cast<size_t>(k) * d);
  const double* a = A + static_cast<size_t>(idx) * d;
  double* qi = &w.Q[static_cast<size_t>(old) * d];
  std::copy(a, a + d, qi);
  for (int pass = 0; pass < 2; ++pass) {
    for (int j = 0; j < old; ++j) {
      const double* qj = &w.Q[static_cast<size_t>(j) * d];
      const double r = dot(qi, qj, d);
      R[static_cast<size_t>(old) * k + j] += r;
      for (int t = 0; t < d; ++t) qi[t] -= r * qj[t];
    }
  }
  const double nrm = std::sqrt(dot(qi, qi, d));
  if (nrm <= 1e-13 * std::sqrt(dot(a, a, d))) {
    w.Q.resize(static_cast<size_t>(old) * d);
    return false;
  }
  for (int t = 0; t < d; ++t) qi[t] /= nrm;
  R[static_cast<size_t>(old) * k + old] = nrm;
  w.R.swap(R);
  return true;
}

}  // namespace

int lp_minimize(int d, int m, const double* A, const double* b, const double* c, double* x,
                double stop_below, double* value, LPWork& w) {
  w.active.clear();
  w.is_active.assign(m, FREE);
  w.Q.clear();
  w.R.clear();
  w.p.assign(d, 0.0);
  w.g.assign(d, 0.0);
  const double cnorm = std::sqrt(dot(c, c, d));
  double val = dot(c, x, d);
  *value = val;
  if (val < stop_below) return LP_STOPPED;
  if (cnorm == 0.0) return LP_OPTIMAL;
  const int max_iter = 50 * (m + d) + 100;
  for (int iter = 0; iter < max_iter; ++iter) {
    const int k = static_cast<int>(w.active.size());
    // g = component of c orthogonal to the active normals; move along p = -g. Projected
    // twice: when c is nearly a combination of the active normals (nearly parallel rows), g
    // is a small difference of large terms and one pass leaves it an error of ~1e-16 |c|
    // along the normals, which tilts p off the active rows by ~1e-16 |c| / |g| and drifts
    // the iterate off them over a long step; the second pass leaves ~1e-16 |g|.
    std::copy(c, c + d, w.g.begin());
    for (int pass = 0; pass < 2; ++pass) {
      for (int j = 0; j < k; ++j) {
        const double* qj = &w.Q[static_cast<size_t>(j) * d];
        double r = dot(w.g.data(), qj, d);
        for (int t = 0; t < d; ++t) w.g[t] -= r * qj[t];
      }
    }
    double gnorm = std::sqrt(dot(w.g.data(), w.g.data(), d));
    if (gnorm <= 1e-12 * cnorm) {
      if (k == 0) return LP_OPTIMAL;
      // Multipliers: c + A_W^T lam = 0  <=>  R^T lam = -Q c  (R lower triangular).
      w.tmp.assign(k, 0.0);
      for (int j = 0; j < k; ++j) w.tmp[j] = -dot(&w.Q[static_cast<size_t>(j) * d], c, d);
      w.lam.assign(k, 0.0);
      for (int i = k - 1; i >= 0; --i) {
        double s = w.tmp[i];
        for (int j = i + 1; j < k; ++j) s -= w.R[static_cast<size_t>(j) * k + i] * w.lam[j];
        w.lam[i] = s / w.R[static_cast<size_t>(i) * k + i];
      }
      // Bland: drop the smallest constraint index with a negative multiplier.
      int drop = -1;
      for (int j = 0; j < k; ++j) {
        if (w.lam[j] < -1e-12 * cnorm && (drop < 0 || w.active[j] < w.active[drop])) drop = j;
      }
      if (drop < 0) return LP_OPTIMAL;
      w.is_active[w.active[drop]] = FREE;
      w.active.erase(w.active.begin() + drop);
      for (char& state : w.is_active)
        if (state == PARKED) state = FREE;
      if (!rebuild_basis(d, A, w)) throw SolverError("LP: active constraints became dependent");
      continue;
    }
    for (int t = 0; t < d; ++t) w.p[t] = -w.g[t];
    // Ratio test, ties broken by the smallest index (Bland).
    double best = std::numeric_limits<double>::infinity();
    int enter = -1;
    for (int i = 0; i < m; ++i) {
      if (w.is_active[i] != FREE) continue;
      const double* ai = A + static_cast<size_t>(i) * d;
      double ap = dot(ai, w.p.data(), d);
      if (ap <= 1e-13 * gnorm * std::sqrt(dot(ai, ai, d))) continue;
      double slack = b[i] - dot(ai, x, d);
      if (slack < 0.0) slack = 0.0;
      double alpha = slack / ap;
      if (alpha < best) {
        best = alpha;
        enter = i;
      }
    }
    if (enter < 0) return LP_UNBOUNDED;
    for (int t = 0; t < d; ++t) x[t] += best * w.p[t];
    val = dot(c, x, d);
    *value = val;
    if (val < stop_below) return LP_STOPPED;
    if (static_cast<int>(w.active.size()) >= d) {
      // Cannot happen with exact arithmetic (p would be zero); recover by restarting the basis.
      throw SolverError("LP: more than d active constraints");
    }
    w.active.push_back(enter);
    w.is_active[enter] = ACTIVE;
    if (!append_basis(d, A, enter, w)) {
      // The row is (numerically) a combination of the active rows, so moving along any
      // direction that keeps those tight keeps it tight too: set it aside until the active
      // set shrinks (degenerate vertices with more than d tight rows, pencils of rows).
      w.active.pop_back();
      w.is_active[enter] = PARKED;
    }
  }
  return LP_ITERLIMIT;
}

double chebyshev_center(int d, int m, const double* A, const double* b, double* x,
                        LPWork& w) {
  // Variables (x, r): rows [a_i, |a_i|] (x, r) <= b_i and -r <= 0; minimise -r.
  const int D = d + 1;
  std::vector<double> A2(static_cast<size_t>(m + 1) * D, 0.0), b2(m + 1, 0.0), c2(D, 0.0), y(D);
  for (int i = 0; i < m; ++i) {
    const double* ai = A + static_cast<size_t>(i) * d;
    double nrm = std::sqrt(dot(ai, ai, d));
    double inv = nrm > 0 ? 1.0 / nrm : 0.0;
    for (int t = 0; t < d; ++t) A2[static_cast<size_t>(i) * D + t] = ai[t] * inv;
    A2[static_cast<size_t>(i) * D + d] = nrm > 0 ? 1.0 : 0.0;
    b2[i] = b[i] * inv;
  }
  A2[static_cast<size_t>(m) * D + d] = -1.0;
  c2[d] = -1.0;
  std::copy(x, x + d, y.begin());
  y[d] = 0.0;
  double value = 0.0;
  int status = lp_minimize(D, m + 1, A2.data(), b2.data(), c2.data(), y.data(),
                           -std::numeric_limits<double>::infinity(), &value, w);
  if (status != LP_OPTIMAL) throw SolverError("Chebyshev LP did not converge (region unbounded?)");
  std::copy(y.begin(), y.begin() + d, x);
  return y[d];
}

}  // namespace rk
