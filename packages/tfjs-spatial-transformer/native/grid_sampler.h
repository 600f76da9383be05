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
// to one, kept as the oracle for the threaded/SIMD paths. Kernels never throw
// and never allocate: the caller (addon.cc) checks sizes and allocates the
// scratch memory a kernel needs (its *_scratch function says how much)
// before calling, so running out of memory is an error there, before any work.
//
// One transform for the whole batch: with SamplerShape::shared the grid (or
// theta) has batch size 1 and serves every batch item, as if it were tiled N
// times (never materialised); its gradient is the sum over the batch, added
// in batch order.
#pragma once

#include <cstdint>

#include "vocabulary.h"  // Interpolation, Padding, Isa

namespace stn {

struct SamplerShape {
  int64_t n, h, w, c;  // input
  int64_t ho, wo;      // output (grid) spatial size
  bool shared = false;  // grid / theta has batch 1, for every item
};

// Caller-allocated scratch memory: `bytes` bytes at `data`, aligned for
// double. A kernel given less than its *_scratch size does nothing.
struct Scratch {
  void* data = nullptr;
  size_t bytes = 0;
};

// The batch size of the grid (or theta): 1 when shared, else N.
inline int64_t grid_batch(const SamplerShape& s) { return s.shared ? 1 : s.n; }

struct SamplerOptions {
  Interpolation mode;
  Padding padding;
  bool align_corners;
};

// output[n,ho,wo,c] = input sampled at grid[n (0 when shared),ho,wo,:].
void grid_sample_forward_ref(const SamplerShape& s, const SamplerOptions& o,
                             const float* input, const float* grid,
                             float* output);
void grid_sample_forward(const SamplerShape& s, const SamplerOptions& o,
                         const float* input, const float* grid, float* output);

// Gradients of sum(grad_output * output). grad_input ([N,H,W,C]) and grad_grid
// ([N or 1,Ho,Wo,2]) may each be null: that gradient is then not computed.
// Both are fully overwritten (no need to zero them first).
size_t grid_sample_backward_scratch(const SamplerShape& s, bool grad_input);
void grid_sample_backward_ref(const SamplerShape& s, const SamplerOptions& o,
                              const float* grad_output, const float* input,
                              const float* grid, float* grad_input,
                              float* grad_grid, Scratch scratch);
void grid_sample_backward(const SamplerShape& s, const SamplerOptions& o,
                          const float* grad_output, const float* input,
                          const float* grid, float* grad_input,
                          float* grad_grid, Scratch scratch);

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

// Fused affine sampler: grid_sample of the affine grid of theta ([N or 1,2,3]),
// the grid computed on the fly (never stored) with affine_grid's operations,
// so the forward equals grid_sample_forward(affine_grid_forward(theta)) bit
// for bit. grad_input ([N,H,W,C]) and grad_theta ([N or 1,2,3]) may each be
// null; both are overwritten. The references are that unfused composition.
size_t affine_sample_forward_scratch(const SamplerShape& s);
size_t affine_sample_backward_scratch(const SamplerShape& s, bool grad_input,
                                      bool grad_theta);
size_t affine_sample_ref_scratch(const SamplerShape& s);  // forward and backward
void affine_sample_forward_ref(const SamplerShape& s, const SamplerOptions& o,
                               const float* input, const float* theta,
                               float* output, Scratch scratch);
void affine_sample_forward(const SamplerShape& s, const SamplerOptions& o,
                           const float* input, const float* theta,
                           float* output, Scratch scratch);
void affine_sample_backward_ref(const SamplerShape& s, const SamplerOptions& o,
                                const float* grad_output, const float* input,
                                const float* theta, float* grad_input,
                                float* grad_theta, Scratch scratch);
void affine_sample_backward(const SamplerShape& s, const SamplerOptions& o,
                            const float* grad_output, const float* input,
                            const float* theta, float* grad_input,
                            float* grad_theta, Scratch scratch);

// Threads used by the non-reference kernels; n < 1 restores the default (the
// machine's cores).
void set_num_threads(int n);
int get_num_threads();
// Threads for a kernel call producing `work` output elements: 1 when the
// call is too small to gain from threads, else get_num_threads().
int threads_for(int64_t work);

// Instruction sets of the non-reference kernels (dispatch.cc; names in
// vocabulary.h).
Isa best_isa();         // the best this CPU supports
Isa get_isa();          // the one in use (best_isa(), or lower: STN_ISA, set_isa)
bool set_isa(Isa isa);  // false (and no change) when isa > best_isa()

}  // namespace stn
