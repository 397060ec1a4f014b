// Signs of every network hyperplane at points, with the engine's zero tolerance, and just
// beyond each point along a direction (ties broken by the directional derivative).
#pragma once
#include <cstdint>
#include <vector>

#include "core.hpp"

namespace rk {

// at / beyond: n x n_hyperplanes int8 in {-1, 0, 1}. D may be null (no direction).
void point_signs(const std::vector<Layer>& layers, int n, int n_in, const double* X,
                 const double* D, const double* S0, double rtol, int8_t* at, int8_t* beyond);

}  // namespace rk
