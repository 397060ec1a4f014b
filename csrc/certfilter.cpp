// certify()'s float filter: the fused per-row pass and the whole per-region filter (see
// certfilter.hpp for the bounds).
#include "certfilter.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace rk {
namespace {

constexpr double kSafety = 2.0;

// gamma(n) for n terms plus a constant and one rounding of the sum (as _gamma in certify.py).
inline double gamma_terms(int n) {
  const double k = static_cast<double>(n) + 2.0;
  return k * kUnitRoundoff / (1.0 - k * kUnitRoundoff);
}

}  // namespace

void certify_row_pass(int64_t n, int m, int d, const double* A, const double* C,
                      const double* EA, const double* EC, const double* centre,
                      const double* lo, const double* hi, double tiny, double* vin,
                      double* ein, uint8_t* below, uint8_t* azero) {
  const double gv = kSafety * gamma_terms(d);
  const double gt = kSafety * gamma_terms(d + 1);
  std::vector<double> R(d), ac(d);
  for (int64_t r = 0; r < n; ++r) {
    const double* c = centre + r * d;
    const double* l = lo + r * d;
    const double* h = hi + r * d;
    double sum_c = 0.0, sum_R = 0.0;
    for (int q = 0; q < d; ++q) {
      ac[q] = std::fabs(c[q]);
      R[q] = std::fmax(std::fabs(l[q]), std::fabs(h[q]));
      sum_c += ac[q];
      sum_R += R[q];
    }
    for (int j = 0; j < m; ++j) {
      const size_t k = static_cast<size_t>(r) * m + j;
      const double* a = A + k * d;
      const double cj = C[k];
      double v = cj, av = std::fabs(cj), t = cj, at = std::fabs(cj);
      bool zero = true;
      for (int q = 0; q < d; ++q) {
        const double aq = a[q];
        zero = zero && aq == 0.0;
        v += aq * c[q];
        av += std::fabs(aq) * ac[q];
        t += std::max(aq * l[q], aq * h[q]);  // a NaN in A fails the test at c first
        at += std::fabs(aq) * R[q];
      }
      const double e = gv * av + EA[k] * sum_c + EC[k] + tiny;
      vin[k] = v;
      ein[k] = e;
      below[k] = t + EA[k] * sum_R + EC[k] + gt * at + tiny < 0.0;
      azero[k] = zero;
    }
  }
}

namespace {

// Regions' rows per chunk: hyperplane rows in layer order, then the domain's rows.
struct LayerPrep {
  std::vector<double> Wt, aWt;  // n_in x n_out: W transposed and |W| transposed
  double g = 0.0;               // gamma(n_in)
  int offset = 0;               // first hyperplane of the layer
  int nh = 0;                   // its hyperplanes
};

// A run's products for one layer: pre-activations z = Z^T t + z0 with bounds EZ, Ez.
struct Products {
  std::vector<double> Z;  // dim x n_out
  std::vector<double> z0, EZ, Ez;
};

// A run's map into a layer: h = M^T t + m, bounds EM (each gradient component), Em.
struct MapState {
  std::vector<double> M;  // dim x units
  std::vector<double> m, EM, Em;
};

class Filter {
 public:
  Filter(const std::vector<Layer>& layers, const CertifyDomain& dom,
         const CertifyRegions& regs, const CertifyTuning& tune, CertifyFilterResult& out)
      : layers_(layers), dom_(dom), regs_(regs), tune_(tune), out_(out), d_(dom.dim),
        H_(regs.n_hyperplanes), m_(regs.n_hyperplanes + dom.n_rows) {
    int off = 0;
    for (const Layer& L : layers_) {
      LayerPrep p;
      p.Wt.resize(static_cast<size_t>(L.n_in) * L.n_out);
      p.aWt.resize(p.Wt.size());
      for (int o = 0; o < L.n_out; ++o)
        for (int i = 0; i < L.n_in; ++i) {
          const double w = L.W[static_cast<size_t>(o) * L.n_in + i];
          p.Wt[static_cast<size_t>(i) * L.n_out + o] = w;
          p.aWt[static_cast<size_t>(i) * L.n_out + o] = std::fabs(w);
        }
      p.g = gamma_terms(L.n_in);
      p.offset = off;
      p.nh = hyperplanes_per_unit(L) * L.n_out;
      off += p.nh;
      prep_.push_back(std::move(p));
    }
    prod_.resize(layers_.size());
    state_.resize(layers_.size() + 1);
    A_.resize(static_cast<size_t>(m_) * d_);
    C_.resize(m_);
    EA_.resize(m_);
    EC_.resize(m_);
    present_.resize(m_);
    maybe_zero_.resize(m_);
    vin_.resize(m_);
    ein_.resize(m_);
    cF_.resize(static_cast<size_t>(m_) * d_);
    cnt_.resize(m_);
    below_.resize(m_);
    azero_.resize(m_);
    onv_.assign(m_, 0);
    lu_.resize(static_cast<size_t>(d_) * d_);
    y_.resize(d_);
    for (int q = 0; q < d_; ++q) size_ = std::fmax(size_, dom.hi[q] - dom.lo[q]);
  }

  void run() {
    const int64_t n = regs_.n;
    out_.ok.assign(n, 0);
    out_.radius.assign(n, std::numeric_limits<double>::infinity());
    std::vector<int64_t> order(n);
    for (int64_t r = 0; r < n; ++r) order[r] = r;
    const size_t H = static_cast<size_t>(H_);
    std::stable_sort(order.begin(), order.end(), [this, H](int64_t a, int64_t b) {
      return H && std::memcmp(bits_of(a), bits_of(b), H) < 0;
    });
    order_ = std::move(order);
    MapState& s0 = state_[0];
    const int n_in = dom_.n_in;
    s0.M.assign(static_cast<size_t>(d_) * n_in, 0.0);
    for (int i = 0; i < n_in; ++i)
      for (int q = 0; q < d_; ++q) s0.M[static_cast<size_t>(q) * n_in + i] = dom_.basis[i * d_ + q];
    s0.m.assign(dom_.origin, dom_.origin + n_in);
    s0.EM.assign(n_in, 0.0);
    s0.Em.assign(n_in, 0.0);
    if (n) descend(0, 0, n);
    // Facets in the order of ids.
    std::vector<size_t> idx(fr_.size());
    for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    std::stable_sort(idx.begin(), idx.end(), [this](size_t a, size_t b) { return fr_[a] < fr_[b]; });
    out_.facet_region.resize(idx.size());
    out_.facet_row.resize(idx.size());
    for (size_t i = 0; i < idx.size(); ++i) {
      out_.facet_region[i] = regs_.ids[fr_[idx[i]]];
      out_.facet_row[i] = fk_[idx[i]];
    }
  }

 private:
  // The bits of the region at position i of ids.
  const uint8_t* bits_of(int64_t i) const {
    return regs_.bits + regs_.ids[i] * static_cast<int64_t>(H_);
  }

  // Regions order_[s..e) share their bits before layer l; state_[l] is their map.
  void descend(size_t l, int64_t s, int64_t e) {
    if (l == layers_.size()) {
      for (int64_t i = s; i < e; ++i) leaf(order_[i]);
      return;
    }
    compose(l);
    const LayerPrep& p = prep_[l];
    int64_t i = s;
    while (i < e) {
      const uint8_t* bi = bits_of(order_[i]) + p.offset;
      int64_t j = i + 1;
      while (j < e && std::memcmp(bits_of(order_[j]) + p.offset, bi, p.nh) == 0) ++j;
      if (next_state(l, bi)) descend(l + 1, i, j);  // else: not a pattern, exact path
      i = j;
    }
  }

  // y += sum_t c[t] x_t over the rows x_t = X + cols[t] * n of a row-major matrix, four at a
  // time (a quarter of the loads and stores of y; any summation order is covered by gamma).
  static void accumulate(double* y, int n, const double* X, const int* cols, const double* c,
                         int count) {
    int t = 0;
    for (; t + 4 <= count; t += 4) {
      const double *x0 = X + static_cast<size_t>(cols[t]) * n, *x1 = X + static_cast<size_t>(cols[t + 1]) * n,
                   *x2 = X + static_cast<size_t>(cols[t + 2]) * n, *x3 = X + static_cast<size_t>(cols[t + 3]) * n;
      const double c0 = c[t], c1 = c[t + 1], c2 = c[t + 2], c3 = c[t + 3];
      for (int o = 0; o < n; ++o) y[o] += (c0 * x0[o] + c1 * x1[o]) + (c2 * x2[o] + c3 * x3[o]);
    }
    for (; t < count; ++t) {
      const double* x = X + static_cast<size_t>(cols[t]) * n;
      const double ct = c[t];
      for (int o = 0; o < n; ++o) y[o] += ct * x[o];
    }
  }

  // prod_[l] from state_[l]: one run's pre-activations of layer l with their bounds. Inputs
  // whose map and bounds are all zero (inactive ReLUs) are skipped.
  void compose(size_t l) {
    const Layer& L = layers_[l];
    const LayerPrep& p = prep_[l];
    const MapState& st = state_[l];
    Products& P = prod_[l];
    const int no = L.n_out, ni = L.n_in, d = d_;
    P.Z.assign(static_cast<size_t>(d) * no, 0.0);
    P.z0.assign(L.b, L.b + no);
    P.EZ.assign(no, 0.0);
    P.Ez.resize(no);
    for (int o = 0; o < no; ++o) P.Ez[o] = p.g * std::fabs(L.b[o]);
    // Coefficients of the live inputs: rows 0..d-1 for Z, d for z0, d+1 for EZ, d+2 for Ez.
    live_.clear();
    coef_.resize(static_cast<size_t>(d + 3) * ni);
    for (int i = 0; i < ni; ++i) {
      double mx = 0.0;
      bool any = st.m[i] != 0.0 || st.EM[i] != 0.0 || st.Em[i] != 0.0;
      for (int q = 0; q < d; ++q) {
        const double v = st.M[static_cast<size_t>(q) * ni + i];
        mx = std::max(mx, std::fabs(v));
        any = any || v != 0.0;
      }
      if (!any) continue;
      const size_t t = live_.size();
      live_.push_back(i);
      for (int q = 0; q < d; ++q) coef_[q * static_cast<size_t>(ni) + t] = st.M[static_cast<size_t>(q) * ni + i];
      coef_[d * static_cast<size_t>(ni) + t] = st.m[i];
      coef_[(d + 1) * static_cast<size_t>(ni) + t] = p.g * mx + st.EM[i];
      coef_[(d + 2) * static_cast<size_t>(ni) + t] = p.g * std::fabs(st.m[i]) + st.Em[i];
    }
    const int nl = static_cast<int>(live_.size());
    for (int q = 0; q < d; ++q)
      accumulate(P.Z.data() + static_cast<size_t>(q) * no, no, p.Wt.data(), live_.data(),
                 coef_.data() + q * static_cast<size_t>(ni), nl);
    accumulate(P.z0.data(), no, p.Wt.data(), live_.data(), coef_.data() + d * static_cast<size_t>(ni), nl);
    accumulate(P.EZ.data(), no, p.aWt.data(), live_.data(),
               coef_.data() + (d + 1) * static_cast<size_t>(ni), nl);
    accumulate(P.Ez.data(), no, p.aWt.data(), live_.data(),
               coef_.data() + (d + 2) * static_cast<size_t>(ni), nl);
  }

  // Index (within the unit) of a maxout unit's winning piece, -1 unless exactly one bit.
  static int winner(const uint8_t* ub, int k) {
    int w = -1;
    for (int t = 0; t < k; ++t)
      if (ub[t]) {
        if (w >= 0) return -1;
        w = t;
      }
    return w;
  }

  // state_[l + 1] from prod_[l] and the run's bits of layer l; false if not a pattern.
  bool next_state(size_t l, const uint8_t* b) {
    const Layer& L = layers_[l];
    const Products& P = prod_[l];
    MapState& st = state_[l + 1];
    const int no = L.n_out;
    if (L.kind == ACT_MAXOUT) {
      const int k = L.pieces, U = no / k;
      st.M.resize(static_cast<size_t>(d_) * U);
      st.m.resize(U);
      st.EM.resize(U);
      st.Em.resize(U);
      for (int u = 0; u < U; ++u) {
        const int w = winner(b + u * k, k);
        if (w < 0) return false;
        const int a = u * k + w;
        for (int q = 0; q < d_; ++q)
          st.M[static_cast<size_t>(q) * U + u] = P.Z[static_cast<size_t>(q) * no + a];
        st.m[u] = P.z0[a];
        st.EM[u] = P.EZ[a];
        st.Em[u] = P.Ez[a];
      }
      return true;
    }
    const int nb = L.n_breaks;
    const double g2 = gamma_terms(2);
    st.M.resize(static_cast<size_t>(d_) * no);
    st.m.resize(no);
    st.EM.resize(no);
    st.Em.resize(no);
    for (int u = 0; u < no; ++u) {
      int piece = 0;
      for (int t = 0; t < nb; ++t) piece += b[u * nb + t] != 0;
      const double s = L.slopes[piece], o = L.offsets[piece];
      double mx = 0.0;
      for (int q = 0; q < d_; ++q) {
        const double v = s * P.Z[static_cast<size_t>(q) * no + u];
        st.M[static_cast<size_t>(q) * no + u] = v;
        mx = std::max(mx, std::fabs(v));
      }
      st.EM[u] = std::fabs(s) * P.EZ[u] + kUnitRoundoff * mx;
      st.m[u] = s * P.z0[u] + o;
      st.Em[u] = std::fabs(s) * P.Ez[u] + g2 * (std::fabs(s * P.z0[u]) + std::fabs(o));
    }
    return true;
  }

  // Set row j from its gradient (already in A_), constant and raw bounds.
  void finish_row(int j, double c, double ea0, double ec0, bool present, bool strict) {
    C_[j] = c;
    EA_[j] = kSafety * ea0 + tune_.tiny;
    EC_[j] = kSafety * ec0 + tune_.tiny;
    present_[j] = present;
    maybe_zero_[j] = c == 0.0 && ea0 == 0.0 && ec0 == 0.0 && present && !strict;
  }

  // Every row of the region at position i with its bounds, from the products along its path.
  void build_rows(int64_t i) {
    const uint8_t* bits = bits_of(i);
    for (size_t l = 0; l < layers_.size(); ++l) {
      const Layer& L = layers_[l];
      const LayerPrep& p = prep_[l];
      const Products& P = prod_[l];
      const uint8_t* b = bits + p.offset;
      const int no = L.n_out;
      if (L.kind == ACT_MAXOUT) {
        const int k = L.pieces;
        for (int h = 0; h < no; ++h) {
          const int a = h / k * k + winner(b + h / k * k, k);
          const int j = p.offset + h;
          double* row = A_.data() + static_cast<size_t>(j) * d_;
          double mx = 0.0;
          for (int q = 0; q < d_; ++q) {
            row[q] = P.Z[static_cast<size_t>(q) * no + h] - P.Z[static_cast<size_t>(q) * no + a];
            mx = std::max(mx, std::fabs(row[q]));
          }
          const double c = P.z0[h] - P.z0[a];
          finish_row(j, c, P.EZ[h] + P.EZ[a] + kUnitRoundoff * mx,
                     P.Ez[h] + P.Ez[a] + kUnitRoundoff * std::fabs(c),
                     h != a, h % k < a % k);
        }
        continue;
      }
      const int nb = L.n_breaks;
      for (int u = 0; u < no; ++u)
        for (int t = 0; t < nb; ++t) {
          const int j = p.offset + u * nb + t;
          const bool set = b[u * nb + t] != 0;
          const double sg = set ? -1.0 : 1.0;
          double* row = A_.data() + static_cast<size_t>(j) * d_;
          for (int q = 0; q < d_; ++q) row[q] = sg * P.Z[static_cast<size_t>(q) * no + u];
          const double G = P.z0[u] - L.breaks[t];
          finish_row(j, sg * G, P.EZ[u], P.Ez[u] + kUnitRoundoff * std::fabs(G), true, set);
        }
    }
    for (int i = 0; i < dom_.n_rows; ++i) {
      const int j = H_ + i;
      std::copy(dom_.A + static_cast<size_t>(i) * d_, dom_.A + static_cast<size_t>(i + 1) * d_,
                A_.data() + static_cast<size_t>(j) * d_);
      finish_row(j, -dom_.b[i], 0.0, 0.0, true, true);
    }
  }

  // Whether a.t + c < 0 (exact within Ea per component, Ec) wherever the d basis rows are
  // <= 0 inside the domain's box: a Farkas certificate (see the header).
  bool farkas(const double* a, double c, double Ea, double Ec, const int64_t* basis) {
    const int d = d_;
    double* LU = lu_.data();
    for (int i = 0; i < d; ++i)  // LU holds B^T: LU[q][i] = A[basis_i][q]
      for (int q = 0; q < d; ++q) LU[q * d + i] = A_[static_cast<size_t>(basis[i]) * d + q];
    double* y = y_.data();
    for (int q = 0; q < d; ++q) y[q] = a[q];
    double det = 1.0;
    for (int col = 0; col < d; ++col) {
      int piv = col;
      for (int i = col + 1; i < d; ++i)
        if (std::fabs(LU[i * d + col]) > std::fabs(LU[piv * d + col])) piv = i;
      if (piv != col) {
        for (int t = 0; t < d; ++t) std::swap(LU[piv * d + t], LU[col * d + t]);
        std::swap(y[piv], y[col]);
        det = -det;
      }
      const double pv = LU[col * d + col];
      det *= pv;
      if (pv == 0.0) return false;
      for (int i = col + 1; i < d; ++i) {
        const double f = LU[i * d + col] / pv;
        for (int t = col; t < d; ++t) LU[i * d + t] -= f * LU[col * d + t];
        y[i] -= f * y[col];
      }
    }
    if (!(std::fabs(det) > 1e-300)) return false;
    for (int i = d - 1; i >= 0; --i) {
      double s = y[i];
      for (int t = i + 1; t < d; ++t) s -= LU[i * d + t] * y[t];
      y[i] = s / LU[i * d + i];
    }
    for (int i = 0; i < d; ++i) y[i] = std::fmax(y[i], 0.0);
    const double g = kSafety * gamma_terms(d + 1);
    double rc = c, sEA = Ea, Erc = Ec, cabs = std::fabs(c);
    for (int i = 0; i < d; ++i) {
      const int64_t bi = basis[i];
      rc -= y[i] * C_[bi];
      sEA += y[i] * EA_[bi];
      Erc += y[i] * EC_[bi];
      cabs += y[i] * std::fabs(C_[bi]);
    }
    Erc += g * cabs;
    double top = rc + Erc + tune_.tiny, rabs = std::fabs(rc);
    for (int q = 0; q < d; ++q) {
      double ra = a[q], yb = 0.0;
      for (int i = 0; i < d; ++i) {
        const double bq = A_[static_cast<size_t>(basis[i]) * d + q];
        ra -= y[i] * bq;
        yb += y[i] * std::fabs(bq);
      }
      const double R = std::fmax(std::fabs(dom_.lo[q]), std::fabs(dom_.hi[q]));
      const double Era = sEA + g * (std::fabs(a[q]) + yb);
      top += std::fmax(ra * dom_.lo[q], ra * dom_.hi[q]) + Era * R;
      rabs += std::fabs(ra) * R;
    }
    top += g * rabs;
    return top < 0.0;
  }

  // A row's value at x with its error bound (as certify_row_pass at the centre).
  void value_at(int j, const double* x, double& v, double& e) const {
    const double* a = A_.data() + static_cast<size_t>(j) * d_;
    double s = C_[j], sa = std::fabs(C_[j]), sx = 0.0;
    for (int q = 0; q < d_; ++q) {
      s += a[q] * x[q];
      sa += std::fabs(a[q]) * std::fabs(x[q]);
      sx += std::fabs(x[q]);
    }
    v = s;
    e = kSafety * gamma_terms(d_) * sa + EA_[j] * sx + EC_[j] + tune_.tiny;
  }

  // The stored rows through each stored vertex of region `id` (tight_, nv x d): false unless
  // every vertex lies on exactly d of them.
  bool vertex_hints(int64_t id, int64_t nv, const double* V) {
    const int d = d_;
    const int64_t i0 = regs_.ioff[id], ni = regs_.ioff[id + 1] - i0;
    tight_.resize(static_cast<size_t>(nv) * d);
    for (int64_t v = 0; v < nv; ++v) {
      int found = 0;
      for (int64_t i = 0; i < ni; ++i) {
        const double* a = regs_.ineq_A + (i0 + i) * d;
        double s = 0.0;
        for (int q = 0; q < d; ++q) s += a[q] * V[v * d + q];
        if (!(std::fabs(s - regs_.ineq_b[i0 + i]) <= tune_.hint_tol)) continue;
        if (found == d) return false;
        const int64_t lab = regs_.labels[i0 + i];
        const int64_t row = lab >= 0 ? lab : H_ - 1 - lab;
        if (row < 0 || row >= m_) return false;
        tight_[v * d + found++] = row;
      }
      if (found != d) return false;
    }
    return true;
  }

  // The float filter for the region at position i of ids (see the header).
  void leaf(int64_t i) {
    const int d = d_;
    const int64_t id = regs_.ids[i];
    const int64_t v0 = regs_.voff[id], nv = regs_.voff[id + 1] - v0;
    if (nv <= 0) return;
    const double* V = regs_.V + v0 * d;
    if (!vertex_hints(id, nv, V)) return;
    const int64_t* T = tight_.data();
    build_rows(i);
    centre_.assign(d, 0.0);
    vlo_.assign(V, V + d);
    vhi_.assign(V, V + d);
    for (int64_t v = 0; v < nv; ++v)
      for (int q = 0; q < d; ++q) {
        const double x = V[v * d + q];
        centre_[q] += x;
        vlo_[q] = std::min(vlo_[q], x);
        vhi_[q] = std::max(vhi_[q], x);
      }
    double extent = 0.0;
    for (int q = 0; q < d; ++q) {
      centre_[q] /= static_cast<double>(nv);
      extent = std::max(extent, vhi_[q] - vlo_[q]);
    }
    const double sigma = tune_.box_slack * size_ + tune_.box_grow * extent;
    bl_.resize(d);
    bh_.resize(d);
    for (int q = 0; q < d; ++q) {
      bl_[q] = vlo_[q] - sigma;
      bh_[q] = vhi_[q] + sigma;
      if (!(centre_[q] >= bl_[q] && centre_[q] <= bh_[q])) return;
    }
    certify_row_pass(1, m_, d, A_.data(), C_.data(), EA_.data(), EC_.data(), centre_.data(),
                     bl_.data(), bh_.data(), tune_.tiny, vin_.data(), ein_.data(),
                     below_.data(), azero_.data());
    // Facet rows (named by a vertex hint) with the sum of their vertices.
    facets_.clear();
    for (int64_t v = 0; v < nv; ++v)
      for (int q = 0; q < d; ++q) {
        const int64_t k = T[v * d + q];
        if (!onv_[k]) {
          onv_[k] = 1;
          facets_.push_back(static_cast<int>(k));
          std::fill(cF_.begin() + k * d, cF_.begin() + (k + 1) * d, 0.0);
          cnt_[k] = 0;
        }
        for (int t = 0; t < d; ++t) cF_[k * d + t] += V[v * d + t];
        ++cnt_[k];
      }
    const bool settled = check(nv, V, T, sigma);
    for (int k : facets_) onv_[k] = 0;
    if (!settled) return;
    std::sort(facets_.begin(), facets_.end());
    out_.ok[i] = 1;
    out_.radius[i] = radius_;
    for (int k : facets_) {
      fr_.push_back(i);
      fk_.push_back(k);
    }
  }

  // Steps 1-4 of the header for the current region (rows, row pass and facets_ ready).
  bool check(int64_t nv, const double* V, const int64_t* T, double sigma) {
    const int d = d_, m = m_;
    near_.clear();
    radius_ = std::numeric_limits<double>::infinity();
    for (int j = 0; j < m; ++j) {
      if (azero_[j] && maybe_zero_[j]) return false;  // a unit identically at its threshold
      if (!present_[j]) {
        if (onv_[j]) return false;
        continue;
      }
      const double gap = -(vin_[j] + ein_[j]);
      if (!(gap > 0.0)) return false;
      if (!below_[j]) near_.push_back(j);
      // The least distance from c to a live row's zero set, gap / |A| (the square root
      // only for rows that can win: |A|_2 <= |A|_1).
      const double* a = A_.data() + static_cast<size_t>(j) * d;
      double l1 = 0.0;
      for (int q = 0; q < d; ++q) l1 += std::fabs(a[q]);
      if (l1 == 0.0 || gap >= radius_ * l1) continue;
      double nn = 0.0;
      for (int q = 0; q < d; ++q) nn += a[q] * a[q];
      radius_ = std::min(radius_, gap / (std::sqrt(nn) * (1.0 + 1e-12)));
    }
    // The box's sides.
    unit_.assign(d, 0.0);
    for (int q = 0; q < d; ++q)
      for (int side = 0; side < 2; ++side) {
        const double ext = side == 0 ? vhi_[q] : vlo_[q];
        int64_t at = 0;
        while (at < nv && V[at * d + q] != ext) ++at;
        if (at == nv) return false;
        unit_[q] = side == 0 ? 1.0 : -1.0;
        const bool good = farkas(unit_.data(), side == 0 ? -bh_[q] : bl_[q], 0.0, 0.0, T + at * d);
        unit_[q] = 0.0;
        if (!good) return false;
      }
    // Facets: a point just beyond each facet's vertex centroid, and the crossings.
    const double g2 = kSafety * gamma_terms(2);
    out_pt_.resize(d);
    for (int k : facets_) {
      const double* cF = cF_.data() + static_cast<size_t>(k) * d;
      double smax = 0.0;
      for (int q = 0; q < d; ++q)
        smax = std::max(smax, std::fabs(cF[q] / static_cast<double>(cnt_[k]) - centre_[q]));
      const double eps = std::min(1.0, sigma / (2.0 * std::max(smax, 1e-300)));
      for (int q = 0; q < d; ++q) {
        const double c = cF[q] / static_cast<double>(cnt_[k]);
        out_pt_[q] = c + eps * (c - centre_[q]);
        if (!(out_pt_[q] >= bl_[q] && out_pt_[q] <= bh_[q])) return false;
      }
      double gko, eko;
      value_at(k, out_pt_.data(), gko, eko);
      if (!(gko - eko > 0.0)) return false;
      const double gki = vin_[k], eki = ein_[k];
      for (int j : near_) {
        if (j == k) continue;
        double vo, eo;
        value_at(j, out_pt_.data(), vo, eo);
        if (vo + eo < 0.0) continue;  // negative at both ends: negative at the crossing
        const double vi = vin_[j], ei = ein_[j];
        const double N = gko * vi - gki * vo;
        const double Nerr = std::fabs(gko) * ei + eko * std::fabs(vi) + eko * ei +
                            std::fabs(gki) * eo + eki * std::fabs(vo) + eki * eo +
                            g2 * (std::fabs(gko * vi) + std::fabs(gki * vo)) + tune_.tiny;
        if (!(N + Nerr < 0.0)) return false;
      }
    }
    // Rows near the region that are no facets: a Farkas certificate each.
    for (int j : near_) {
      if (onv_[j]) continue;
      const double* a = A_.data() + static_cast<size_t>(j) * d;
      int64_t best = 0;
      double top = -std::numeric_limits<double>::infinity();
      for (int64_t v = 0; v < nv; ++v) {
        double s = 0.0;
        for (int q = 0; q < d; ++q) s += V[v * d + q] * a[q];
        if (s > top) {
          top = s;
          best = v;
        }
      }
      if (!farkas(a, C_[j], EA_[j], EC_[j], T + best * d)) return false;
    }
    return true;
  }

  const std::vector<Layer>& layers_;
  const CertifyDomain& dom_;
  const CertifyRegions& regs_;
  const CertifyTuning& tune_;
  CertifyFilterResult& out_;
  const int d_, H_, m_;
  double size_ = 0.0;
  double radius_ = 0.0;  // the current region's, set by check()
  std::vector<LayerPrep> prep_;
  std::vector<Products> prod_;
  std::vector<MapState> state_;
  std::vector<int64_t> order_, fr_, fk_;
  // One region's rows and scratch.
  std::vector<double> A_, C_, EA_, EC_, vin_, ein_, cF_;
  std::vector<uint8_t> present_, maybe_zero_, below_, azero_, onv_;
  std::vector<int64_t> tight_, cnt_;
  std::vector<int> facets_, near_, live_;
  std::vector<double> coef_;
  std::vector<double> centre_, vlo_, vhi_, bl_, bh_, out_pt_, unit_;
  std::vector<double> lu_, y_;
};

}  // namespace

void certify_filter(const std::vector<Layer>& layers, const CertifyDomain& dom,
                    const CertifyRegions& regions, const CertifyTuning& tune,
                    CertifyFilterResult& out) {
  Filter(layers, dom, regions, tune, out).run();
}

}  // namespace rk
