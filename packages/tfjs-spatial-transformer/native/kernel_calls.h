// What both front doors share when they call the kernels: addon.cc (N-API,
// Float32Arrays) and tf_ops.cc (TensorFlow ops, TF-held tensors). The names of
// the options, the bound on sizes, the shapes every argument must have, and
// the calls themselves with the rule for empty tensors, so that the two doors
// accept the same arguments and give the same bits. Plain C++: no N-API, no TF.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "grid_sampler.h"

namespace stn {

// Option names, indexed by the enums' values: the addon exports them to JS
// (native.Interpolation, native.Padding) and the TF ops take them as
// attribute values, spelt as lib/kernel_names.ts spells them.
constexpr const char* kInterpolationNames[] = {"bilinear", "nearest"};
constexpr const char* kPaddingNames[] = {"zeros", "border", "reflection"};
constexpr int32_t kInterpolationCount = 2;
constexpr int32_t kPaddingCount = 3;

// The largest element count (and index) a call may have: 2^53 - 1, exact in
// a JS number.
constexpr uint64_t kMaxElements = 9007199254740991ull;

// Product of dims, or -1 when a dim is negative, or the product with zeros
// read as ones (the largest index the kernels form) exceeds kMaxElements.
inline int64_t bounded_element_count(const std::vector<int64_t>& dims) {
  uint64_t count = 1, bound = 1;
  for (int64_t d : dims) {
    if (d < 0) return -1;
    const uint64_t u = static_cast<uint64_t>(d);
    if (__builtin_mul_overflow(bound, u == 0 ? 1 : u, &bound) ||
        bound > kMaxElements)
      return -1;
    count *= u;
  }
  return static_cast<int64_t>(count);
}

inline std::string shape_string(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(dims[i]);
  }
  return s + "]";
}

// The NHWC shapes of a sampler call's arguments.
inline std::vector<int64_t> input_dims(const SamplerShape& s) {
  return {s.n, s.h, s.w, s.c};
}
inline std::vector<int64_t> grid_dims(const SamplerShape& s) {
  return {s.n, s.ho, s.wo, 2};
}
inline std::vector<int64_t> output_dims(const SamplerShape& s) {
  return {s.n, s.ho, s.wo, s.c};
}
inline std::vector<int64_t> theta_dims(int64_t n) { return {n, 2, 3}; }

using GridSampleForwardFn = decltype(&grid_sample_forward);
using GridSampleBackwardFn = decltype(&grid_sample_backward);
using AffineGridFn = decltype(&affine_grid_forward);
using AffineSampleForwardFn = decltype(&affine_sample_forward);
using AffineSampleBackwardFn = decltype(&affine_sample_backward);

// The calls, for arguments of the shapes above whose counts are within
// kMaxElements. An empty output needs no work and may have no data pointer,
// so it is skipped (passed as null to a backward); every output that is not
// empty is fully written, so none needs zeroing first.
inline void call_grid_sample_forward(GridSampleForwardFn kernel,
                                     const SamplerShape& s,
                                     const SamplerOptions& o,
                                     const float* input, const float* grid,
                                     float* output) {
  if (bounded_element_count(output_dims(s)) > 0)
    kernel(s, o, input, grid, output);
}

inline void call_grid_sample_backward(GridSampleBackwardFn kernel,
                                      const SamplerShape& s,
                                      const SamplerOptions& o,
                                      const float* grad_output,
                                      const float* input, const float* grid,
                                      float* grad_input, float* grad_grid) {
  if (bounded_element_count(input_dims(s)) == 0) grad_input = nullptr;
  if (bounded_element_count(grid_dims(s)) == 0) grad_grid = nullptr;
  if (grad_input || grad_grid)
    kernel(s, o, grad_output, input, grid, grad_input, grad_grid);
}

inline void call_affine_grid_forward(AffineGridFn kernel, int64_t n,
                                     int64_t ho, int64_t wo, bool align,
                                     const float* theta, float* grid) {
  if (bounded_element_count({n, ho, wo, 2}) > 0)
    kernel(n, ho, wo, align, theta, grid);
}

// An empty grid still defines gradTheta (zeros).
inline void call_affine_grid_backward(AffineGridFn kernel, int64_t n,
                                      int64_t ho, int64_t wo, bool align,
                                      const float* grad_grid,
                                      float* grad_theta) {
  if (n > 0) kernel(n, ho, wo, align, grad_grid, grad_theta);
}

inline void call_affine_sample_forward(AffineSampleForwardFn kernel,
                                       const SamplerShape& s,
                                       const SamplerOptions& o,
                                       const float* input, const float* theta,
                                       float* output) {
  if (bounded_element_count(output_dims(s)) > 0)
    kernel(s, o, input, theta, output);
}

inline void call_affine_sample_backward(AffineSampleBackwardFn kernel,
                                        const SamplerShape& s,
                                        const SamplerOptions& o,
                                        const float* grad_output,
                                        const float* input, const float* theta,
                                        float* grad_input, float* grad_theta) {
  if (bounded_element_count(input_dims(s)) == 0) grad_input = nullptr;
  if (s.n == 0) grad_theta = nullptr;
  if (grad_input || grad_theta)
    kernel(s, o, grad_output, input, theta, grad_input, grad_theta);
}

}  // namespace stn
