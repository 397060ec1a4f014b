// Volumes of simple polytopes (every vertex on exactly d rows), read off bit masks and row
// normals. In a simple polytope every nonempty intersection of facets is a face of the matching
// codimension, so the face lattice needs no rank tests; and inside the flat of rows R the
// distance from c to row l's hyperplane is |a_l.(p - c)| / |a_l projected off span(a_R)| for
// any vertex p on row l, so the cone heights need no vertex bases. Regions in general position are simple; the general
// recursion (measure.cpp) handles the rest.
#pragma once
#include <cstdint>
#include <vector>

namespace rk {

// Most vertices a region may have for the simple path (the width of its vertex masks).
constexpr int SIMPLE_MAX_VERTICES = 128;

// True when every vertex lies on exactly d rows and there are at most SIMPLE_MAX_VERTICES.
bool is_simple(int d, int nv, int nf, const uint64_t* inc);

// As region_measures (measure.hpp) for a simple region, given its rows' normals (A, nf x d):
// returns the d-volume, and per row its facet's volume and centroid.
double simple_region_measures(int d, int nv, const double* V, int nf, const uint64_t* inc,
                              const double* A, double* facet_volume,
                              double* facet_centroid);

}  // namespace rk
