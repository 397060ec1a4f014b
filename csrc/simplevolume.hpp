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
// returns the d-volume, and per row its facet's volume and centroid; `conditioning`, if not
// null, receives the least |n|^2 / |a|^2 of a row's normal a projected off a face's rows (the
// squared sine of the smallest angle the recursion divided by: its heights lose about
// 1e-16 / sine).
double simple_region_measures(int d, int nv, const double* V, int nf, const uint64_t* inc,
                              const double* A, double* facet_volume, double* facet_centroid,
                              double* conditioning = nullptr);

// Row flags for simple_owned_faces.
constexpr uint8_t OTHER_ROW = 0;   // a hyperplane row on whose negative side the region lies
constexpr uint8_t OWNED_ROW = 1;   // a hyperplane row on whose positive side the region lies
constexpr uint8_t DOMAIN_ROW = 2;  // a row of the domain

struct FaceOutput {
  std::vector<int> dims;        // per face: dimension,
  std::vector<double> vols;     //   volume (1 for a vertex),
  std::vector<double> cents;    //   centroid (d values)
  std::vector<int> check;       // local indices of the vertices whose rows are owned/domain
  std::vector<int> check_rows;  //   and their d rows each (local indices)
};

// The faces of a simple region that it owns: those whose containing rows are all OWNED_ROW
// (the region itself included). Around a relative-interior point of a face where exactly its
// own hyperplanes vanish, transversally, the regions realise every sign combination of them,
// so exactly one region owns each interior face of the complex, and no face needs matching
// across regions. The caller must check that premise at the vertices listed in `check`.
void simple_owned_faces(int d, int nv, const double* V, int nf, const uint64_t* inc,
                        const double* A, const uint8_t* flag, FaceOutput& out);

}  // namespace rk
