// Exact volumes of polytopes in vertex form, by the cone (Lasserre) recursion over faces:
// vol_k(S) = (1/k) * sum over facets T of S of dist(c, aff T) * vol_{k-1}(T), with faces
// found combinatorially from which inequality rows each vertex lies on.
#pragma once
#include <cstdint>
#include <vector>

namespace rk {

// One region: nv vertices (d each), nf rows, inc = per vertex ceil(nf/64) words.
// Writes the region's d-volume, and per row the (d-1)-volume of the facet on it (0 if the
// row is not a facet, or repeats an earlier row's facet) and that facet's centroid.
double region_measures(int d, int nv, const double* V, int nf, const uint64_t* inc,
                       double* facet_volume, double* facet_centroid);

// Every face of one region (its own d-face down to its vertices), each once: appends the
// face's dimension, volume, centroid (d values), and its vertices (indices into V) to
// `verts` with their number to `n_verts`.
void region_faces(int d, int nv, const double* V, int nf, const uint64_t* inc,
                  std::vector<int>& dims, std::vector<double>& vols, std::vector<double>& cents,
                  std::vector<int>& verts, std::vector<int>& n_verts);

}  // namespace rk
