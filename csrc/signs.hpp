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

// Signs at points lying in the closures of known regions: points [poff[r], poff[r+1]) lie in
// region r, whose pattern is bits[r * n_hyperplanes ...]. Each layer's affine functions are
// built once per region (the network is continuous, so the region's local maps give the
// true values on its closure), then evaluated at all of the region's points.
void region_point_signs(const std::vector<Layer>& layers, const MapsView& input,
                        const Tolerance& tol, int n_regions, const uint8_t* bits,
                        const int64_t* poff, const double* T, int8_t* out);

}  // namespace rk
