// Exact Euclidean distances from points to unions of facets of vertex-form regions.
#pragma once
#include <cstdint>

namespace rk {

// Region r: vertices V[voff[r]:voff[r+1]] (d each), rows roff[r]..roff[r+1], incidence words
// inc[ioff[r]:ioff[r+1]] (ceil(rows/64) per vertex). Facet f is the face of region
// f_region[f] on its local row f_row[f], lying in the hyperplane fA[f].t = fb[f] (unit-norm
// fA, used only as a lower bound to prune). out[i] = min over facets of dist(X[i], facet)
// (+inf with no facets).
void facet_distances(int d, const int64_t* voff, const double* V, const int64_t* ioff,
                     const uint64_t* inc, const int64_t* roff, int64_t n_facets,
                     const int64_t* f_region, const int64_t* f_row, const double* fA,
                     const double* fb, int64_t n, const double* X, double* out);

}  // namespace rk
