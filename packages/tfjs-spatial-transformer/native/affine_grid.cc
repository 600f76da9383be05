// Affine grid (F.affine_grid, 2-D) in NHWC: reference and threaded paths.
//
// The base grid is ATen's _linspace_from_neg_one computed value for value in
// float32 (linspace's two-sided scalar formula, then * (steps - 1) / steps
// when !align_corners). Each grid point is (t00 * x + t01 * y) + t02, summed
// in that order. The backward accumulates each theta entry in double over the
// grid (row-major order) and rounds once to float. Both paths perform the
// same operations per element, so they agree bit for bit.
#include <omp.h>

#include "affine_coords.h"
#include "grid_sampler.h"

namespace stn {
namespace {

// One grid row: grid_row[j] = theta (2x3) * (x_j, y_i, 1).
void forward_row(int64_t i, int64_t ho, int64_t wo, bool align_corners,
                 const float* t, float* grid_row) {
  const float y = affine_base_coord(i, ho, align_corners);
  for (int64_t j = 0; j < wo; ++j) {
    const float x = affine_base_coord(j, wo, align_corners);
    affine_point(t, x, y, grid_row + 2 * j);
  }
}

// One batch item's theta gradient (6 values).
void backward_item(int64_t ho, int64_t wo, bool align_corners,
                   const float* grad_grid, float* grad_theta) {
  double acc[6] = {0, 0, 0, 0, 0, 0};
  for (int64_t i = 0; i < ho; ++i) {
    const double y = affine_base_coord(i, ho, align_corners);
    for (int64_t j = 0; j < wo; ++j) {
      const double x = affine_base_coord(j, wo, align_corners);
      const float* g = grad_grid + (i * wo + j) * 2;
      for (int r = 0; r < 2; ++r) {
        const double gr = g[r];
        acc[3 * r] += gr * x;
        acc[3 * r + 1] += gr * y;
        acc[3 * r + 2] += gr;
      }
    }
  }
  for (int k = 0; k < 6; ++k) grad_theta[k] = static_cast<float>(acc[k]);
}

}  // namespace

void affine_grid_forward_ref(int64_t n, int64_t ho, int64_t wo,
                             bool align_corners, const float* theta,
                             float* grid) {
  for (int64_t b = 0; b < n; ++b)
    for (int64_t i = 0; i < ho; ++i)
      forward_row(i, ho, wo, align_corners, theta + 6 * b,
                  grid + (b * ho + i) * wo * 2);
}

void affine_grid_forward(int64_t n, int64_t ho, int64_t wo, bool align_corners,
                         const float* theta, float* grid) {
  const int64_t rows = n * ho;
  const int nt = threads_for(rows * wo);
#pragma omp parallel for num_threads(nt) schedule(static)
  for (int64_t r = 0; r < rows; ++r)
    forward_row(r % ho, ho, wo, align_corners, theta + 6 * (r / ho),
                grid + r * wo * 2);
}

void affine_grid_backward_ref(int64_t n, int64_t ho, int64_t wo,
                              bool align_corners, const float* grad_grid,
                              float* grad_theta) {
  for (int64_t b = 0; b < n; ++b)
    backward_item(ho, wo, align_corners, grad_grid + b * ho * wo * 2,
                  grad_theta + 6 * b);
}

void affine_grid_backward(int64_t n, int64_t ho, int64_t wo,
                          bool align_corners, const float* grad_grid,
                          float* grad_theta) {
  const int nt = threads_for(n * ho * wo);
#pragma omp parallel for num_threads(nt) schedule(static)
  for (int64_t b = 0; b < n; ++b)
    backward_item(ho, wo, align_corners, grad_grid + b * ho * wo * 2,
                  grad_theta + 6 * b);
}

}  // namespace stn
