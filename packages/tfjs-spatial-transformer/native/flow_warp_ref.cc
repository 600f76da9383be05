// References of the displacement-field warps (flow_warp.h): the unfused
// composition -- VoxelMorph's grid stored in scratch, the sampler's
// reference, the grid gradient scaled -- as the oracle of the fused paths.
// One template serves both ranks; the overloads below say what differs.
#include "flow_coords.h"
#include "flow_warp.h"

namespace stn {
namespace {

// Per rank: the grid's components, the output points, the index of point p
// along axis a (x, y, z) and the input's size along it, and the sampler's
// references.
constexpr int components(const SamplerShape&) { return 2; }
constexpr int components(const VolumeShape&) { return 3; }
int64_t points(const SamplerShape& s) { return s.n * s.ho * s.wo; }
int64_t points(const VolumeShape& s) { return s.n * s.od * s.ho * s.wo; }
int64_t index(const SamplerShape& s, int64_t p, int a) { return a == 0 ? p % s.wo : p / s.wo % s.ho; }
int64_t index(const VolumeShape& s, int64_t p, int a) {
  return a == 0 ? p % s.wo : a == 1 ? p / s.wo % s.ho : p / (s.wo * s.ho) % s.od;
}
int64_t size(const SamplerShape& s, int a) { return a == 0 ? s.w : s.h; }
int64_t size(const VolumeShape& s, int a) { return a == 0 ? s.w : a == 1 ? s.h : s.d; }
void sample_ref(const SamplerShape& s, const SamplerOptions& o, const float* input,
                const float* grid, float* output) {
  grid_sample_forward_ref(s, o, input, grid, output);
}
void sample_ref(const VolumeShape& s, const SamplerOptions& o, const float* input,
                const float* grid, float* output) {
  grid_sample_3d_forward_ref(s, o, input, grid, output);
}
void sample_backward_ref(const SamplerShape& s, const SamplerOptions& o, const float* grad_output,
                         const float* input, const float* grid, float* grad_input, float* grad_grid) {
  grid_sample_backward_ref(s, o, grad_output, input, grid, grad_input, grad_grid, Scratch{});
}
void sample_backward_ref(const VolumeShape& s, const SamplerOptions& o, const float* grad_output,
                         const float* input, const float* grid, float* grad_input, float* grad_grid) {
  grid_sample_3d_backward_ref(s, o, grad_output, input, grid, grad_input, grad_grid);
}

SamplerOptions aligned(const SamplerOptions& o) { return {o.mode, o.padding, true}; }

template <class Shape>
int64_t flow_floats(const Shape& s) { return points(s) * components(s); }

// The scratch of a reference: the grid and its gradient, `floats` each.
struct GridPair {
  float* grid;
  float* grad;
  GridPair(Scratch s, int64_t floats)
      : grid(static_cast<float*>(s.data)), grad(grid ? grid + floats : nullptr) {}
  static size_t bytes(int64_t floats) { return static_cast<size_t>(2 * floats) * sizeof(float); }
};

template <class Shape>
void fill_grid(const Shape& s, const float* flow, float* grid) {
  const int k = components(s);
  for (int64_t p = 0; p < points(s); ++p)
    for (int a = 0; a < k; ++a) grid[k * p + a] = flow_grid_coord(index(s, p, a), flow[k * p + a], size(s, a));
}

template <class Shape>
void forward_ref(const Shape& s, const SamplerOptions& o, const float* input, const float* flow,
                 float* output, Scratch scratch) {
  if (scratch.bytes < GridPair::bytes(flow_floats(s))) return;
  const GridPair w(scratch, flow_floats(s));
  fill_grid(s, flow, w.grid);
  sample_ref(s, aligned(o), input, w.grid, output);
}

template <class Shape>
void backward_ref(const Shape& s, const SamplerOptions& o, const float* grad_output,
                  const float* input, const float* flow, float* grad_input, float* grad_flow,
                  Scratch scratch) {
  if (scratch.bytes < GridPair::bytes(flow_floats(s))) return;
  const GridPair w(scratch, flow_floats(s));
  fill_grid(s, flow, w.grid);
  sample_backward_ref(s, aligned(o), grad_output, input, w.grid, grad_input,
                      grad_flow ? w.grad : nullptr);
  if (!grad_flow) return;
  const int k = components(s);
  for (int64_t e = 0; e < flow_floats(s); ++e) grad_flow[e] = w.grad[e] * flow_grid_scale(size(s, int(e % k)));
}

}  // namespace

size_t flow_warp_ref_scratch(const SamplerShape& s) { return GridPair::bytes(flow_floats(s)); }

void flow_warp_forward_ref(const SamplerShape& s, const SamplerOptions& o, const float* input,
                           const float* flow, float* output, Scratch scratch) {
  forward_ref(s, o, input, flow, output, scratch);
}

void flow_warp_backward_ref(const SamplerShape& s, const SamplerOptions& o,
                            const float* grad_output, const float* input, const float* flow,
                            float* grad_input, float* grad_flow, Scratch scratch) {
  backward_ref(s, o, grad_output, input, flow, grad_input, grad_flow, scratch);
}

size_t flow_warp_3d_ref_scratch(const VolumeShape& s) { return GridPair::bytes(flow_floats(s)); }

void flow_warp_3d_forward_ref(const VolumeShape& s, const SamplerOptions& o, const float* input,
                              const float* flow, float* output, Scratch scratch) {
  forward_ref(s, o, input, flow, output, scratch);
}

void flow_warp_3d_backward_ref(const VolumeShape& s, const SamplerOptions& o,
                               const float* grad_output, const float* input, const float* flow,
                               float* grad_input, float* grad_flow, Scratch scratch) {
  backward_ref(s, o, grad_output, input, flow, grad_input, grad_flow, scratch);
}

}  // namespace stn
