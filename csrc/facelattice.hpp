// A polytope in vertex form seen as a face lattice: faces are sets of vertex indices, found
// combinatorially from which inequality rows each vertex lies on. Shared by the volume
// recursion (measure.cpp) and the point-to-face distances (facedist.cpp).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace rk {

struct FaceLattice {
  int d = 0;                       // ambient dimension
  int nv = 0;                      // vertices
  int nf = 0;                      // rows
  int words = 1;                   // uint64 words per vertex in inc
  const double* V = nullptr;       // nv x d
  const uint64_t* inc = nullptr;   // nv x words: bit j = vertex lies on row j
  FaceLattice() = default;
  FaceLattice(int d_, int nv_, int nf_, const double* V_, const uint64_t* inc_)
      : d(d_), nv(nv_), nf(nf_), words(nf_ > 0 ? (nf_ + 63) / 64 : 1), V(V_), inc(inc_) {}
  bool on(int vertex, int row) const {
    return (inc[static_cast<size_t>(vertex) * words + row / 64] >> (row % 64)) & 1;
  }
  const double* v(int i) const { return V + static_cast<size_t>(i) * d; }
};

// Largest coordinate difference between S's vertices and its first vertex.
double extent(const FaceLattice& L, const std::vector<int>& S);

// Remove from r (d values) its components along the k orthonormal rows of B.
void orthogonalise(int d, int k, const std::vector<double>& B, double* r);

// Orthonormal basis (rows of B, up to `want`) of the directions spanned by S; returns its size.
int affine_basis(const FaceLattice& L, const std::vector<int>& S, int want,
                 std::vector<double>& B);

void centroid(const FaceLattice& L, const std::vector<int>& S, double* c);

// Distance from c to the affine hull of face T, given an orthonormal basis B (k rows) of its
// directions; r is d values of scratch.
double hull_distance(const FaceLattice& L, const std::vector<int>& T, int k,
                     const std::vector<double>& B, const double* c, double* r);

// Facets of the k-face S (sorted vertex list): the maximal sets S ∩ (vertices on row j) with
// at least k vertices; rows_of[f] is the first row giving facet f. Callers keep those of
// affine dimension k - 1.
void face_facets(const FaceLattice& L, const std::vector<int>& S, int k,
                 std::vector<std::vector<int>>& facets, std::vector<int>& rows_of);

}  // namespace rk
