// Affine grid of volumes (F.affine_grid, 5-D) in NDHWC: reference and
// threaded paths. The base grid is affine_coords.h's along each axis; the
// backward accumulates each theta entry in double over the grid (row-major
// order) and rounds once. Both paths perform the same operations per
// element, so they agree bit for bit.
#include <omp.h>

#include "affine_coords.h"
#include "volume_sampler.h"

namespace stn {
namespace {

// One grid row (depth k, height i): row[j] = theta (3x4) * (x_j, y_i, z_k, 1).
void forward_row(int64_t k, int64_t i, int64_t od, int64_t ho, int64_t wo, bool align,
                 const float* t, float* row) {
  const float z = affine_base_coord(k, od, align), y = affine_base_coord(i, ho, align);
  for (int64_t j = 0; j < wo; ++j)
    affine_point_3d(t, affine_base_coord(j, wo, align), y, z, row + 3 * j);
}

// One batch item's theta gradient (12 values).
void backward_item(int64_t od, int64_t ho, int64_t wo, bool align, const float* grad_grid,
                   float* grad_theta) {
  double acc[12] = {};
  for (int64_t k = 0; k < od; ++k) {
    const double z = affine_base_coord(k, od, align);
    for (int64_t i = 0; i < ho; ++i) {
      const double y = affine_base_coord(i, ho, align);
      for (int64_t j = 0; j < wo; ++j) {
        const double x = affine_base_coord(j, wo, align);
        const float* g = grad_grid + ((k * ho + i) * wo + j) * 3;
        for (int r = 0; r < 3; ++r) {
          const double gr = g[r];
          acc[4 * r] += gr * x;
          acc[4 * r + 1] += gr * y;
          acc[4 * r + 2] += gr * z;
          acc[4 * r + 3] += gr;
        }
      }
    }
  }
  for (int e = 0; e < 12; ++e) grad_theta[e] = static_cast<float>(acc[e]);
}

}  // namespace

void affine_grid_3d_forward_ref(int64_t n, int64_t od, int64_t ho, int64_t wo, bool align,
                                const float* theta, float* grid) {
  for (int64_t b = 0; b < n; ++b)
    for (int64_t k = 0; k < od; ++k)
      for (int64_t i = 0; i < ho; ++i)
        forward_row(k, i, od, ho, wo, align, theta + 12 * b,
                    grid + ((b * od + k) * ho + i) * wo * 3);
}

void affine_grid_3d_forward(int64_t n, int64_t od, int64_t ho, int64_t wo, bool align,
                            const float* theta, float* grid) {
  const int64_t rows = n * od * ho;
  const int nt = threads_for(rows * wo);
#pragma omp parallel for num_threads(nt) schedule(static)
  for (int64_t r = 0; r < rows; ++r)
    forward_row(r / ho % od, r % ho, od, ho, wo, align, theta + 12 * (r / (od * ho)),
                grid + r * wo * 3);
}

void affine_grid_3d_backward_ref(int64_t n, int64_t od, int64_t ho, int64_t wo, bool align,
                                 const float* grad_grid, float* grad_theta) {
  for (int64_t b = 0; b < n; ++b)
    backward_item(od, ho, wo, align, grad_grid + b * od * ho * wo * 3, grad_theta + 12 * b);
}

void affine_grid_3d_backward(int64_t n, int64_t od, int64_t ho, int64_t wo, bool align,
                             const float* grad_grid, float* grad_theta) {
  const int nt = threads_for(n * od * ho * wo);
#pragma omp parallel for num_threads(nt) schedule(static)
  for (int64_t b = 0; b < n; ++b)
    backward_item(od, ho, wo, align, grad_grid + b * od * ho * wo * 3, grad_theta + 12 * b);
}

}  // namespace stn
