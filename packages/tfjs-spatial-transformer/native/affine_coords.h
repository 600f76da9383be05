// The base grid of F.affine_grid, shared by the affine grid generator and the
// fused affine sampler so that both compute bit-identical grid points.
#pragma once

#include <cstdint>

namespace stn {

// Element i of ATen's _linspace_from_neg_one: linspace(-1, 1, steps) by
// linspace's two-sided scalar formula in float32, then * (steps - 1) / steps
// when !align_corners.
inline float affine_base_coord(int64_t i, int64_t steps, bool align_corners) {
  if (steps <= 1) return 0.0f;
  const float start = -1.0f, end = 1.0f;
  const float step = (end - start) / static_cast<float>(steps - 1);
  float v = i < steps / 2 ? start + step * static_cast<float>(i)
                          : end - step * static_cast<float>(steps - i - 1);
  if (!align_corners)
    v = v * static_cast<float>(steps - 1) / static_cast<float>(steps);
  return v;
}

// One grid point: theta (2x3, row-major) * (x, y, 1), summed in this order.
inline void affine_point(const float* t, float x, float y, float* out) {
  out[0] = t[0] * x + t[1] * y + t[2];
  out[1] = t[3] * x + t[4] * y + t[5];
}

// One volume grid point: theta (3x4, row-major) * (x, y, z, 1), summed in
// this order.
inline void affine_point_3d(const float* t, float x, float y, float z, float* out) {
  for (int r = 0; r < 3; ++r) {
    const float* row = t + 4 * r;
    out[r] = row[0] * x + row[1] * y + row[2] * z + row[3];
  }
}

}  // namespace stn
