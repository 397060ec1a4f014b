// Signs of every network hyperplane at points, with the engine's zero tolerance, and just
// beyond each point along a direction (ties broken by the directional derivative).
#pragma once
#include <cstdint>
#include <vector>

#include "core.hpp"

namespace rk {

// X, D: n x d points and directions in domain coordinates (the domain's affine map composed
// into the first layer); R: largest |t_i| over the domain. at / beyond: n x n_hyperplanes
// int8 in {-1, 0, 1}. D may be null (no direction). first_scale, if not null, replaces the
// magnitude bound of the first layer's units (the engine's bound of the uncomposed sum).
void point_signs(const std::vector<Layer>& layers, int n, int d, const double* X,
                 const double* D, const double* R, const double* first_scale, double rtol,
                 int8_t* at, int8_t* beyond);

}  // namespace rk
