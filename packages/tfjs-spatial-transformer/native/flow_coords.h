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

// The grid points of `count` consecutive output points of one row, from
// column x: out[kAxes * j + a] from the flow d[kAxes * j + a], along x (a = 0)
// at column x + j, along the other axes at the row's fixed[a]; axes of
// size_minus_1[a] > 0 pixels (the callers take size 1 elsewhere), columns
// below 2^24 (floats count them exactly). flow_grid_coord's operations, lane
// by lane, on 4 points at a time: their 4 * kAxes consecutive floats are
// kAxes vectors of 4 whose axes repeat with period kAxes, so no shuffles are
// needed at any kAxes (the compiler vectorised the 2-D loop alone, and the
// divisions are most of the work).
template <int kAxes>
inline void flow_row(const float* d, int32_t x, int32_t count, const float* fixed, const float* size_minus_1,
                     float* out) {
  typedef float F4 __attribute__((vector_size(16)));
  const F4 two = {2.0f, 2.0f, 2.0f, 2.0f}, half = {0.5f, 0.5f, 0.5f, 0.5f};
  float lanes[3][4 * kAxes];  // the vectors' lanes: index, size, step
  for (int e = 0; e < 4 * kAxes; ++e) {
    const int a = e % kAxes;
    lanes[0][e] = a == 0 ? static_cast<float>(x + e / kAxes) : fixed[a];
    lanes[1][e] = size_minus_1[a];
    lanes[2][e] = a == 0 ? 4.0f : 0.0f;
  }
  F4 index[kAxes], size[kAxes], step[kAxes];
  __builtin_memcpy(index, lanes[0], sizeof index);
  __builtin_memcpy(size, lanes[1], sizeof size);
  __builtin_memcpy(step, lanes[2], sizeof step);
  int32_t j = 0;
  for (; j + 4 <= count; j += 4) {
    for (int v = 0; v < kAxes; ++v) {
      F4 flow;
      __builtin_memcpy(&flow, d + kAxes * j + 4 * v, sizeof flow);
      const F4 coord = two * ((index[v] + flow) / size[v] - half);
      __builtin_memcpy(out + kAxes * j + 4 * v, &coord, sizeof coord);
      index[v] += step[v];
    }
  }
  for (; j < count; ++j) {
    out[kAxes * j] = flow_grid_coord(static_cast<float>(x + j), d[kAxes * j], size_minus_1[0]);
    for (int a = 1; a < kAxes; ++a) out[kAxes * j + a] = flow_grid_coord(fixed[a], d[kAxes * j + a], size_minus_1[a]);
  }
}

// d flow_grid_coord / d d.
inline float flow_grid_scale(int64_t size) {
  return size <= 1 ? 0.0f : 2.0f / static_cast<float>(size - 1);
}

}  // namespace stn
