// Dense displacement fields (VoxelMorph's SpatialTransformer): each output
// pixel samples the input at its own position plus the flow, in pixels.
//
// flow [N,Ho,Wo,2] holds (dx, dy) (volumes: [N,Do,Ho,Wo,3], (dx, dy, dz)),
// the grid's component order. Output pixel (i, j) reads the input where
// grid_sample with align_corners reads the normalised coordinate
//   x = 2 * ((j + dx) / (W - 1) - 0.5)   (likewise y with i, H; z with k, D),
// computed in float32 as written (flow_coords.h) -- VoxelMorph's grid, value
// for value; along an axis of size 1 the coordinate is 0 (its one pixel).
// So flow_warp equals grid_sample (align_corners = true) of that grid bit for
// bit, and grad_flow is its grid gradient times 2 / (W - 1). The fused paths
// compute each grid point when they need it and never store the grid. The
// flow's batch is N (no batch-shared flows). The references are that
// unfused composition; scratch rules as in grid_sampler.h.
#pragma once

#include <cstdint>

#include "grid_sampler.h"
#include "volume_sampler.h"

namespace stn {

// s: the input and the flow's spatial size (ho, wo); s.shared must be false.
// Only o.mode and o.padding are read: align_corners is true by definition.
size_t flow_warp_ref_scratch(const SamplerShape& s);  // forward and backward
void flow_warp_forward_ref(const SamplerShape& s, const SamplerOptions& o, const float* input,
                           const float* flow, float* output, Scratch scratch);
void flow_warp_forward(const SamplerShape& s, const SamplerOptions& o, const float* input,
                       const float* flow, float* output);
size_t flow_warp_backward_scratch(const SamplerShape& s, bool grad_input);
void flow_warp_backward_ref(const SamplerShape& s, const SamplerOptions& o,
                            const float* grad_output, const float* input, const float* flow,
                            float* grad_input, float* grad_flow, Scratch scratch);
void flow_warp_backward(const SamplerShape& s, const SamplerOptions& o,
                        const float* grad_output, const float* input, const float* flow,
                        float* grad_input, float* grad_flow, Scratch scratch);

// Volumes: flow [N,Do,Ho,Wo,3]; modes as gridSample3d's.
size_t flow_warp_3d_ref_scratch(const VolumeShape& s);
void flow_warp_3d_forward_ref(const VolumeShape& s, const SamplerOptions& o, const float* input,
                              const float* flow, float* output, Scratch scratch);
void flow_warp_3d_forward(const VolumeShape& s, const SamplerOptions& o, const float* input,
                          const float* flow, float* output);
size_t flow_warp_3d_backward_scratch(const VolumeShape& s, bool grad_input);
void flow_warp_3d_backward_ref(const VolumeShape& s, const SamplerOptions& o,
                               const float* grad_output, const float* input, const float* flow,
                               float* grad_input, float* grad_flow, Scratch scratch);
void flow_warp_3d_backward(const VolumeShape& s, const SamplerOptions& o,
                           const float* grad_output, const float* input, const float* flow,
                           float* grad_input, float* grad_flow, Scratch scratch);

}  // namespace stn
