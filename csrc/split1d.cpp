// 1-D splitting by sorted breakpoints.
#include <algorithm>
#include <cmath>

#include "split.hpp"

namespace rk {

bool Intervals::split(const View& in, size_t r, const Hyperplanes& H, int64_t label_base,
                      Intervals& out, std::vector<uint8_t>& bits, Scratch& s, Budget& budget) {
  const double lo = in.lo[r], hi = in.hi[r];
  const int nh = H.count;
  s.root.assign(nh, 0.0);
  s.fixed_bit.assign(nh, 0);
  s.order.clear();
  for (int j = 0; j < nh; ++j) {
    const double a = H.a[j], c = H.c[j], eps = H.eps[j];
    const double vlo = a * lo + c, vhi = a * hi + c;
    if ((vlo > eps && vhi < -eps) || (vlo < -eps && vhi > eps)) {
      s.root[j] = lo + (hi - lo) * (vlo / (vlo - vhi));
      s.order.push_back(j);
    } else {
      // Never below -eps: active iff it exceeds eps somewhere; otherwise never above eps.
      s.fixed_bit[j] = (std::max(vlo, vhi) > eps) && std::min(vlo, vhi) >= -eps ? 1 : 0;
    }
  }
  std::sort(s.order.begin(), s.order.end(), [&](int i, int j) {
    return s.root[i] < s.root[j] || (s.root[i] == s.root[j] && i < j);
  });
  // Merge breakpoints closer than the geometric tolerance eps/|a| of either hyperplane.
  s.group.assign(nh, -1);
  std::vector<int> rep;  // representative hyperplane of each group
  std::vector<double> pos;
  for (int j : s.order) {
    const double delta = H.eps[j] / std::fabs(H.a[j]);
    if (!pos.empty()) {
      const int pj = rep.back();
      const double pdelta = H.eps[pj] / std::fabs(H.a[pj]);
      if (s.root[j] - pos.back() <= std::max(delta, pdelta)) {
        s.group[j] = static_cast<int>(pos.size()) - 1;
        continue;
      }
    }
    s.group[j] = static_cast<int>(pos.size());
    pos.push_back(s.root[j]);
    rep.push_back(j);
  }
  const int k = static_cast<int>(pos.size());
  if (budget.exceeded(static_cast<size_t>(k) + 1)) return false;
  for (int p = 0; p <= k; ++p) {
    out.lo.push_back(p == 0 ? lo : pos[p - 1]);
    out.hi.push_back(p == k ? hi : pos[p]);
    out.lab_lo.push_back(p == 0 ? in.lab_lo[r] : label_base + rep[p - 1]);
    out.lab_hi.push_back(p == k ? in.lab_hi[r] : label_base + rep[p]);
    for (int j = 0; j < nh; ++j) {
      if (s.group[j] < 0) {
        bits.push_back(s.fixed_bit[j]);
      } else {
        const bool right = p > s.group[j];
        bits.push_back(H.a[j] > 0 ? right : !right);
      }
    }
  }
  return true;
}

}  // namespace rk
