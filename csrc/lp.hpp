// Small dense LP solver for min c.x s.t. A x <= b, started from a feasible point.
//
// Primal active-set method: move along the projected negative gradient until a constraint
// blocks, add it; at a vertex of the active set, drop a constraint with negative multiplier.
// Bland's smallest-index rule on both choices prevents cycling at degenerate vertices.
// Rows of A should have unit norm (the region code keeps them so).
#pragma once
#include <cstddef>
#include <vector>

namespace rk {

enum LPStatus : int { LP_OPTIMAL = 0, LP_STOPPED = 1, LP_UNBOUNDED = 2, LP_ITERLIMIT = 3 };

struct LPWork {
  std::vector<int> active;      // indices of active constraints
  std::vector<double> Q;        // orthonormal basis of active normals, k x d
  std::vector<double> R;        // A_active = R Q, lower triangular k x k
  std::vector<double> p, g, lam, tmp;
  std::vector<char> is_active;  // per row: free, active, or parked (dependent on the active rows)
};

// Minimise c.x over {A x <= b} from feasible x (overwritten with the last iterate).
// Stops early with LP_STOPPED as soon as c.x < stop_below. `value` receives c.x.
int lp_minimize(int d, int m, const double* A, const double* b, const double* c, double* x,
                double stop_below, double* value, LPWork& work);

// Chebyshev centre of {A x <= b} (unit-norm rows) from a feasible x: centre in x, radius returned.
double chebyshev_center(int d, int m, const double* A, const double* b, double* x,
                        LPWork& work);

}  // namespace rk
