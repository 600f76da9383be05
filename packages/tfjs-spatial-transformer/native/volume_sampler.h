// Plain C++ API of the volume (3-D) kernels: PyTorch's 5-D F.grid_sample and
// F.affine_grid, in tfjs's channels-last layout.
//
// input [N,D,H,W,C], grid [N or 1,Do,Ho,Wo,3] holding (x, y, z) in normalised
// [-1, 1] coordinates (x along the width, z along the depth), output
// [N,Do,Ho,Wo,C]. Modes: bilinear (trilinear, PyTorch's name) and nearest;
// PyTorch has no 5-D bicubic, and these kernels reject it (the callers check).
// The same rules as grid_sampler.h: a non-finite source coordinate samples
// nothing (output 0, gradients 0); kernels never throw and never allocate
// (the *_scratch function says what the caller must give); a shared grid
// (batch 1) serves every item, its gradient summed over the batch in batch
// order.
#pragma once

#include <cstdint>

#include "grid_sampler.h"  // Scratch, SamplerOptions

namespace stn {

struct VolumeShape {
  int64_t n, d, h, w, c;  // input
  int64_t od, ho, wo;     // output (grid) spatial size
  bool shared = false;    // grid / theta has batch 1, for every item
};

inline int64_t grid_batch(const VolumeShape& s) { return s.shared ? 1 : s.n; }

// True for the modes the volume kernels implement.
inline bool volume_mode_supported(Interpolation mode) {
  return mode == Interpolation::Bilinear || mode == Interpolation::Nearest;
}

// output[n,z,y,x,c] = input sampled at grid[n (0 when shared),z,y,x,:].
void grid_sample_3d_forward_ref(const VolumeShape& s, const SamplerOptions& o,
                                const float* input, const float* grid,
                                float* output);
void grid_sample_3d_forward(const VolumeShape& s, const SamplerOptions& o,
                            const float* input, const float* grid,
                            float* output);

// Gradients of sum(grad_output * output); grad_input ([N,D,H,W,C]) and
// grad_grid ([N or 1,Do,Ho,Wo,3]) may each be null (not computed); both are
// overwritten. The threaded path's grad_grid equals the reference's bit for
// bit; its grad_input is a block-ordered sum (volume_sampler.cc's NOTE),
// the same bits for any thread count.
size_t grid_sample_3d_backward_scratch(const VolumeShape& s, bool grad_input);
void grid_sample_3d_backward_ref(const VolumeShape& s, const SamplerOptions& o,
                                 const float* grad_output, const float* input,
                                 const float* grid, float* grad_input,
                                 float* grad_grid);
void grid_sample_3d_backward(const VolumeShape& s, const SamplerOptions& o,
                             const float* grad_output, const float* input,
                             const float* grid, float* grad_input,
                             float* grad_grid, Scratch scratch);

// grid[n,k,i,j,:] = theta[n] (3x4) * (x_j, y_i, z_k, 1), the base-grid
// linspaces of affine_coords.h; the threaded path equals the reference bit
// for bit.
void affine_grid_3d_forward_ref(int64_t n, int64_t od, int64_t ho, int64_t wo,
                                bool align_corners, const float* theta,
                                float* grid);
void affine_grid_3d_forward(int64_t n, int64_t od, int64_t ho, int64_t wo,
                            bool align_corners, const float* theta,
                            float* grid);
// grad_theta[n] = sum grad_grid[n,k,i,j,:] (x) (x_j, y_i, z_k, 1), in double,
// rounded once; overwritten.
void affine_grid_3d_backward_ref(int64_t n, int64_t od, int64_t ho, int64_t wo,
                                 bool align_corners, const float* grad_grid,
                                 float* grad_theta);
void affine_grid_3d_backward(int64_t n, int64_t od, int64_t ho, int64_t wo,
                             bool align_corners, const float* grad_grid,
                             float* grad_theta);

// Fused affine sampler of volumes: grid_sample_3d of the affine grid of
// theta ([N or 1,3,4]), each grid point computed when it is needed with
// affine_grid_3d's operations (never stored), so the forward equals the
// unfused composition bit for bit; grad_theta is accumulated per output row
// in double, the rows then added in order (equal to the composition's to
// rounding). grad_input and grad_theta may each be null; both are
// overwritten. The references are the unfused composition.
size_t affine_sample_3d_forward_scratch(const VolumeShape& s);
size_t affine_sample_3d_backward_scratch(const VolumeShape& s, bool grad_input, bool grad_theta);
size_t affine_sample_3d_ref_scratch(const VolumeShape& s);  // forward and backward
void affine_sample_3d_forward_ref(const VolumeShape& s, const SamplerOptions& o,
                                  const float* input, const float* theta, float* output,
                                  Scratch scratch);
void affine_sample_3d_forward(const VolumeShape& s, const SamplerOptions& o, const float* input,
                              const float* theta, float* output, Scratch scratch);
void affine_sample_3d_backward_ref(const VolumeShape& s, const SamplerOptions& o,
                                   const float* grad_output, const float* input,
                                   const float* theta, float* grad_input, float* grad_theta,
                                   Scratch scratch);
void affine_sample_3d_backward(const VolumeShape& s, const SamplerOptions& o,
                               const float* grad_output, const float* input, const float* theta,
                               float* grad_input, float* grad_theta, Scratch scratch);

}  // namespace stn
