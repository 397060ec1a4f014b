// Forward passes that report hyperplane signs (see signs.hpp).
#include "signs.hpp"

namespace rk {
namespace {

// Prepared copies of the layers (W^T for the layer algebra) and the pattern length.
int prepare_all(std::vector<Layer>& layers, std::vector<LayerStorage>& storage) {
  storage.resize(layers.size());
  int total = 0;
  for (size_t li = 0; li < layers.size(); ++li) {
    prepare_layer(layers[li], storage[li]);
    total += hyperplanes_per_unit(layers[li].act) * layers[li].n_out;
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

}  // namespace

void point_signs(const std::vector<Layer>& layers_in, const MapsView& input,
                 const Tolerance& tol, int n, const double* T, const double* D, int8_t* at,
                 int8_t* beyond) {
  std::vector<Layer> layers(layers_in);
  std::vector<LayerStorage> storage;
  const int H_total = prepare_all(layers, storage);
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
      maps.rows = L.n_out;
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
  const int H_total = prepare_all(layers, storage);
  const int d = input.dim;
  Hyperplanes H;
  Maps maps;
  double v;
  for (int r = 0; r < n_regions; ++r) {
    const uint8_t* rb = bits + static_cast<size_t>(r) * H_total;
    int col = 0;
    for (size_t li = 0; li < layers.size(); ++li) {
      const Layer& L = layers[li];
      if (li == 0) {
        layer_hyperplanes(L, input, 0, tol, H);
      } else {
        const MapsView view{maps.rows, maps.dim, maps.M.data(), maps.m.data(), maps.S.data(),
                            input.R};
        layer_hyperplanes(L, view, 0, tol, H);
      }
      for (int64_t p = poff[r]; p < poff[r + 1]; ++p)
        for (int j = 0; j < H.count; ++j)
          out[static_cast<size_t>(p) * H_total + col + j] =
              sign_at(H, j, T + static_cast<size_t>(p) * d, &v);
      maps.rows = L.n_out;
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
