// Forward passes that report hyperplane signs (see signs.hpp).
#include "signs.hpp"

namespace rk {

void point_signs(const std::vector<Layer>& layers_in, const MapsView& input,
                 const Tolerance& tol, int n, const double* T, const double* D, int8_t* at,
                 int8_t* beyond) {
  std::vector<Layer> layers(layers_in);
  std::vector<LayerStorage> storage(layers.size());
  int H_total = 0;
  for (size_t li = 0; li < layers.size(); ++li) {
    prepare_layer(layers[li], storage[li]);
    H_total += hyperplanes_per_unit(layers[li].act) * layers[li].n_out;
  }
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
      if (li > 0) {
        const MapsView view{maps.rows, maps.dim, maps.M.data(), maps.m.data(), maps.S.data(),
                            input.R};
        layer_hyperplanes(L, view, 0, tol, H);
      }
      const Hyperplanes& h = li == 0 ? first : H;
      bits.assign(h.count, 0);
      for (int j = 0; j < h.count; ++j) {
        const double* a = &h.a[static_cast<size_t>(j) * d];
        double v = h.c[j], dv = 0.0;
        for (int k = 0; k < d; ++k) v += a[k] * t[k];
        if (dir)
          for (int k = 0; k < d; ++k) dv += a[k] * dir[k];
        const int8_t s = v > h.eps[j] ? 1 : (v < -h.eps[j] ? -1 : 0);
        const int8_t ds = dv > 0 ? 1 : (dv < 0 ? -1 : 0);
        const int8_t sb = s != 0 ? s : ds;
        at[static_cast<size_t>(p) * H_total + col + j] = s;
        beyond[static_cast<size_t>(p) * H_total + col + j] = sb;
        bits[j] = sb > 0;
      }
      col += h.count;
      maps.rows = L.n_out;
      maps.dim = d;
      maps.M.clear();
      maps.m.clear();
      maps.S.clear();
      append_post_activation(L, h, bits.data(), input.R, maps);
    }
  }
}

}  // namespace rk
