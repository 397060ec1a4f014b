// Signs of every network hyperplane at points, and just beyond each point along a direction
// (ties broken by the directional derivative), computed with the engine's own layer algebra
// so that a point the engine would place on a hyperplane is placed on it here too.
#pragma once
#include <cstdint>
#include <vector>

#include "core.hpp"

namespace rk {

// input: the network input as an affine map of the domain coordinates (one "region": rows
// n_in, dim d, with R). T, D: n x d points and directions (D may be null). at / beyond:
// n x n_hyperplanes int8 in {-1, 0, 1}.
void point_signs(const std::vector<Layer>& layers, const MapsView& input, const Tolerance& tol,
                 int n, const double* T, const double* D, int8_t* at, int8_t* beyond);

}  // namespace rk
