// The grid of a displacement field (flow_warp.h), shared by the references
// and the fused paths so that both compute bit-identical grid points.
#pragma once

#include <cstdint>

namespace stn {

// VoxelMorph's normalised coordinate of pixel `index` displaced by `d`
// pixels along an axis of `size` input pixels: 2 * ((index + d) / (size - 1)
// - 0.5), in float32 as written; 0 when size is 1.
inline float flow_grid_coord(float index, float d, float size_minus_1) {
  return 2.0f * ((index + d) / size_minus_1 - 0.5f);
}
inline float flow_grid_coord(int64_t index, float d, int64_t size) {
  if (size <= 1) return 0.0f;
  return flow_grid_coord(static_cast<float>(index), d, static_cast<float>(size - 1));
}

// d flow_grid_coord / d d.
inline float flow_grid_scale(int64_t size) {
  return size <= 1 ? 0.0f : 2.0f / static_cast<float>(size - 1);
}

}  // namespace stn
