// References of the displacement-field warps (flow_warp.h): the unfused
// composition -- VoxelMorph's grid stored in scratch, the sampler's
// reference, the grid gradient scaled -- as the oracle of the fused paths.
#include "flow_coords.h"
#include "flow_warp.h"

namespace stn {
namespace {

SamplerOptions aligned(const SamplerOptions& o) { return {o.mode, o.padding, true}; }

// The scratch of a reference: the grid and its gradient, `floats` each.
struct GridPair {
  float* grid;
  float* grad;
  GridPair(Scratch s, int64_t floats)
      : grid(static_cast<float*>(s.data)), grad(grid ? grid + floats : nullptr) {}
  static size_t bytes(int64_t floats) { return static_cast<size_t>(2 * floats) * sizeof(float); }
};

int64_t flow_floats(const SamplerShape& s) { return s.n * s.ho * s.wo * 2; }
int64_t flow_floats(const VolumeShape& s) { return s.n * s.od * s.ho * s.wo * 3; }

void fill_grid(const SamplerShape& s, const float* flow, float* grid) {
  for (int64_t p = 0; p < s.n * s.ho * s.wo; ++p) {
    grid[2 * p] = flow_grid_coord(p % s.wo, flow[2 * p], s.w);
    grid[2 * p + 1] = flow_grid_coord(p / s.wo % s.ho, flow[2 * p + 1], s.h);
  }
}

void fill_grid(const VolumeShape& s, const float* flow, float* grid) {
  for (int64_t p = 0; p < s.n * s.od * s.ho * s.wo; ++p) {
    grid[3 * p] = flow_grid_coord(p % s.wo, flow[3 * p], s.w);
    grid[3 * p + 1] = flow_grid_coord(p / s.wo % s.ho, flow[3 * p + 1], s.h);
    grid[3 * p + 2] = flow_grid_coord(p / (s.wo * s.ho) % s.od, flow[3 * p + 2], s.d);
  }
}

}  // namespace

size_t flow_warp_ref_scratch(const SamplerShape& s) { return GridPair::bytes(flow_floats(s)); }

void flow_warp_forward_ref(const SamplerShape& s, const SamplerOptions& o, const float* input,
                           const float* flow, float* output, Scratch scratch) {
  if (scratch.bytes < flow_warp_ref_scratch(s)) return;
  const GridPair w(scratch, flow_floats(s));
  fill_grid(s, flow, w.grid);
  grid_sample_forward_ref(s, aligned(o), input, w.grid, output);
}

void flow_warp_backward_ref(const SamplerShape& s, const SamplerOptions& o,
                            const float* grad_output, const float* input, const float* flow,
                            float* grad_input, float* grad_flow, Scratch scratch) {
  if (scratch.bytes < flow_warp_ref_scratch(s)) return;
  const GridPair w(scratch, flow_floats(s));
  fill_grid(s, flow, w.grid);
  grid_sample_backward_ref(s, aligned(o), grad_output, input, w.grid, grad_input,
                           grad_flow ? w.grad : nullptr, Scratch{});
  if (!grad_flow) return;
  const float sx = flow_grid_scale(s.w), sy = flow_grid_scale(s.h);
  for (int64_t p = 0; p < s.n * s.ho * s.wo; ++p) {
    grad_flow[2 * p] = w.grad[2 * p] * sx;
    grad_flow[2 * p + 1] = w.grad[2 * p + 1] * sy;
  }
}

size_t flow_warp_3d_ref_scratch(const VolumeShape& s) { return GridPair::bytes(flow_floats(s)); }

void flow_warp_3d_forward_ref(const VolumeShape& s, const SamplerOptions& o, const float* input,
                              const float* flow, float* output, Scratch scratch) {
  if (scratch.bytes < flow_warp_3d_ref_scratch(s)) return;
  const GridPair w(scratch, flow_floats(s));
  fill_grid(s, flow, w.grid);
  grid_sample_3d_forward_ref(s, aligned(o), input, w.grid, output);
}

void flow_warp_3d_backward_ref(const VolumeShape& s, const SamplerOptions& o,
                               const float* grad_output, const float* input, const float* flow,
                               float* grad_input, float* grad_flow, Scratch scratch) {
  if (scratch.bytes < flow_warp_3d_ref_scratch(s)) return;
  const GridPair w(scratch, flow_floats(s));
  fill_grid(s, flow, w.grid);
  grid_sample_3d_backward_ref(s, aligned(o), grad_output, input, w.grid, grad_input,
                              grad_flow ? w.grad : nullptr);
  if (!grad_flow) return;
  const float scale[3] = {flow_grid_scale(s.w), flow_grid_scale(s.h), flow_grid_scale(s.d)};
  for (int64_t e = 0; e < flow_floats(s); ++e) grad_flow[e] = w.grad[e] * scale[e % 3];
}

}  // namespace stn
