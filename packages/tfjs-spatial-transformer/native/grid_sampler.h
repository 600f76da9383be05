// Plain C++ API of the spatial-transformer kernels (no N-API here).
//
// Layout is tfjs's NHWC: input [N,H,W,C], grid [N,Ho,Wo,2] holding (x, y) in
// normalised [-1, 1] coordinates (x along the width), output [N,Ho,Wo,C].
// Semantics are PyTorch's F.grid_sample / F.affine_grid, value for value, with
// one deliberate difference: a source coordinate that is not finite after
// unnormalisation (NaN, +-Inf, or a float32 overflow) samples nothing: its
// output is 0 and its gradients are 0, in every mode and padding.
//
// Every entry point has a scalar reference (`*_ref`), PyTorch's formulas one
// to one, kept as the oracle for the threaded/SIMD paths. Kernels never throw:
// the caller (addon.cc) checks sizes before calling.
#pragma once

#include <cstdint>

#include "vocabulary.h"  // Interpolation, Padding, Isa

namespace stn {

struct SamplerShape {
  int64_t n, h, w, c;  // input
  int64_t ho, wo;      // output (grid) spatial size
};

struct SamplerOptions {
  Interpolation mode;
  Padding padding;
  bool align_corners;
};

// output[n,ho,wo,c] = input sampled at grid[n,ho,wo,:].
void grid_sample_forward_ref(const SamplerShape& s, const SamplerOptions& o,
                             const float* input, const float* grid,
                             float* output);
void grid_sample_forward(const SamplerShape& s, const SamplerOptions& o,
                         const float* input, const float* grid, float* output);

// Gradients of sum(grad_output * output). grad_input ([N,H,W,C]) and grad_grid
// ([N,Ho,Wo,2]) may each be null: that gradient is then not computed. Both are
// fully overwritten (no need to zero them first).
void grid_sample_backward_ref(const SamplerShape& s, const SamplerOptions& o,
                              const float* grad_output, const float* input,
                              const float* grid, float* grad_input,
                              float* grad_grid);
void grid_sample_backward(const SamplerShape& s, const SamplerOptions& o,
                          const float* grad_output, const float* input,
                          const float* grid, float* grad_input,
                          float* grad_grid);

// grid[n,i,j,:] = theta[n] (2x3) * (x_j, y_i, 1), where x, y are PyTorch's
// base-grid linspaces for the given align_corners.
void affine_grid_forward_ref(int64_t n, int64_t ho, int64_t wo,
                             bool align_corners, const float* theta,
                             float* grid);
void affine_grid_forward(int64_t n, int64_t ho, int64_t wo, bool align_corners,
                         const float* theta, float* grid);
// grad_theta[n] = sum_ij grad_grid[n,i,j,:] (x) (x_j, y_i, 1); overwritten.
void affine_grid_backward_ref(int64_t n, int64_t ho, int64_t wo,
                              bool align_corners, const float* grad_grid,
                              float* grad_theta);
void affine_grid_backward(int64_t n, int64_t ho, int64_t wo,
                          bool align_corners, const float* grad_grid,
                          float* grad_theta);

// Fused affine sampler: grid_sample of the affine grid of theta ([N,2,3]),
// the grid computed on the fly (never stored) with affine_grid's operations,
// so the forward equals grid_sample_forward(affine_grid_forward(theta)) bit
// for bit. grad_input ([N,H,W,C]) and grad_theta ([N,2,3]) may each be null;
// both are overwritten.
void affine_sample_forward_ref(const SamplerShape& s, const SamplerOptions& o,
                               const float* input, const float* theta,
                               float* output);
void affine_sample_forward(const SamplerShape& s, const SamplerOptions& o,
                           const float* input, const float* theta,
                           float* output);
void affine_sample_backward_ref(const SamplerShape& s, const SamplerOptions& o,
                                const float* grad_output, const float* input,
                                const float* theta, float* grad_input,
                                float* grad_theta);
void affine_sample_backward(const SamplerShape& s, const SamplerOptions& o,
                            const float* grad_output, const float* input,
                            const float* theta, float* grad_input,
                            float* grad_theta);

// Threads used by the non-reference kernels; n < 1 restores the default (the
// machine's cores).
void set_num_threads(int n);
int get_num_threads();

// Instruction sets of the non-reference kernels (dispatch.cc; names in
// vocabulary.h).
Isa best_isa();         // the best this CPU supports
Isa get_isa();          // the one in use (best_isa(), or lower: STN_ISA, set_isa)
bool set_isa(Isa isa);  // false (and no change) when isa > best_isa()

}  // namespace stn
