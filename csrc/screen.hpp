// The interval arithmetic of the depth-first screen (csrc/dfs.hpp screen_units): loops over a
// layer's units, each on its own arrays, which the compiler vectorizes.
#pragma once
#include <cstdint>

#include "core.hpp"

namespace rk {

// Each of n units' affine sums q_j + sum_t Pt[t n + j] x_t over the box |x_t - cx_t| <= hw_t:
// its range [vmin_j, vmax_j] and a bound mag_j on the magnitude of its terms.
void box_ranges(int n, int d, const double* q, const double* Pt, const double* cx,
                const double* hw, double* vmin, double* vmax, double* mag);

// Adds to each unit j the term w_j h of an input h in [range[0], range[1]] with |h| <= range[2]
// (into s) and terms of magnitude up to range[3] (into mag).
void add_interval_term(int n, const double* w, const double* range, double* vmin, double* vmax,
                       double* s, double* mag);

// Widens each range by e0 s_j + e1 (the error of sums that were not exact).
void widen_ranges(int n, double e0, double e1, const double* s, double* vmin, double* vmax,
                  double* mag);

// Which hyperplanes z_j = breaks[h] (h < per) each unit's range decides: decided[j per + h] =
// 1 where the range clears breaks[h] upwards by its margin, atol + rtol (s_j + |breaks[h]|) +
// roundoff (mag_j + s_j + |breaks[h]|); open[j] = 1 where some hyperplane of unit j is not
// cleared on either side, or the range is not finite (other decided bits of an open unit are
// unspecified).
void decide_units(int n, int per, const double* breaks, double atol, double rtol,
                  double roundoff, const double* vmin, const double* vmax, const double* s,
                  const double* mag, uint8_t* decided, uint8_t* open);

// A split's cheap test before its exact one: the bounding box of a region's vertices (centre
// and half-widths, d values each) bounds a hyperplane's values a.x + c over them. sides[j] =
// 1 where the whole box is above eps_j, 2 where it is below -eps_j, each with room for the
// rounding of both evaluations ((8 + 4 d) machine epsilons of the terms' magnitude), so
// that the exact test at the vertices would say so too; 0 where the box does not decide.
// Rows a are d values each.
void box_sides(int d, const double* centre, const double* half, const double* a,
               const double* c, const double* eps, int n, uint8_t* sides);

}  // namespace rk
