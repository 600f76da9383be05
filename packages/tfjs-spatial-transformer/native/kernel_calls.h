// What both front doors share when they call the kernels: addon.cc (N-API,
// Float32Arrays) and tf_ops.cc (TensorFlow ops, TF-held tensors). The bound on
// sizes, the shapes every argument must have, the scratch memory, and the
// calls themselves with the rule for empty tensors, so that the two doors
// accept the same arguments and give the same bits. Plain C++: no N-API, no
// TF. The option names are vocabulary.h's.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "crop_and_resize.h"
#include "grid_sampler.h"
#include "flow_warp.h"
#include "image_transform.h"
#include "max_pool_grad.h"
#include "rotate_with_offset.h"
#include "volume_sampler.h"

namespace stn {

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

// The NHWC shapes of a sampler call's arguments; the grid and theta have
// batch grid_batch(s) (1 when one transform serves the whole batch).
inline std::vector<int64_t> input_dims(const SamplerShape& s) {
  return {s.n, s.h, s.w, s.c};
}
inline std::vector<int64_t> grid_dims(const SamplerShape& s) {
  return {grid_batch(s), s.ho, s.wo, 2};
}
inline std::vector<int64_t> output_dims(const SamplerShape& s) {
  return {s.n, s.ho, s.wo, s.c};
}
inline std::vector<int64_t> theta_dims(int64_t n) { return {n, 2, 3}; }

// The sampler's shape for an input [N,H,W,C], an output Ho x Wo and a grid
// (theta) of batch grid_n: shared when grid_n is 1 and N is not. A grid_n
// that is neither N nor 1 gives grid_dims() with N, which the caller's shape
// check then rejects.
inline SamplerShape sampler_shape(const std::vector<int64_t>& input, int64_t ho,
                                  int64_t wo, int64_t grid_n) {
  return {input[0], input[1], input[2], input[3], ho, wo,
          grid_n == 1 && input[0] != 1};
}

// The NDHWC shapes of a volume sampler call's arguments (as above, one more
// spatial axis; theta is 3x4).
inline std::vector<int64_t> input_dims(const VolumeShape& s) {
  return {s.n, s.d, s.h, s.w, s.c};
}
inline std::vector<int64_t> grid_dims(const VolumeShape& s) {
  return {grid_batch(s), s.od, s.ho, s.wo, 3};
}
inline std::vector<int64_t> output_dims(const VolumeShape& s) {
  return {s.n, s.od, s.ho, s.wo, s.c};
}
inline std::vector<int64_t> theta_3d_dims(int64_t n) { return {n, 3, 4}; }

// As sampler_shape, for an input [N,D,H,W,C] and an output Do x Ho x Wo.
inline VolumeShape volume_shape(const std::vector<int64_t>& input, int64_t od, int64_t ho,
                                int64_t wo, int64_t grid_n) {
  return {input[0], input[1], input[2], input[3], input[4], od, ho, wo,
          grid_n == 1 && input[0] != 1};
}

// A failed scratch allocation: the front door reports it (a RangeError, a
// TF ResourceExhausted) naming the op and `bytes`.
struct OutOfScratchMemory {
  size_t bytes;
};

// STN_SCRATCH_LIMIT_BYTES (tests): a scratch allocation above it fails as if
// the memory were exhausted. Read on every call.
inline size_t scratch_limit() {
  const char* v = std::getenv("STN_SCRATCH_LIMIT_BYTES");
  if (v == nullptr || *v == '\0') return SIZE_MAX;
  return static_cast<size_t>(std::strtoull(v, nullptr, 10));
}

// The scratch memory of one kernel call, allocated before the kernel runs
// (kernels never allocate); throws OutOfScratchMemory.
class ScratchMemory {
 public:
  explicit ScratchMemory(size_t bytes) : bytes_(bytes) {
    if (bytes == 0) return;
    if (bytes <= scratch_limit())
      data_.reset(new (std::nothrow) double[(bytes + sizeof(double) - 1) / sizeof(double)]);
    if (!data_) throw OutOfScratchMemory{bytes};
  }
  Scratch get() const { return {data_.get(), bytes_}; }

 private:
  size_t bytes_;
  std::unique_ptr<double[]> data_;
};

// The kernels a front door calls, with the scratch each needs: the threaded
// ones (both doors), or the scalar references (the addon's `reference`).
struct FastKernels {
  static constexpr auto grid_forward = &grid_sample_forward;
  static constexpr auto grid_backward = &grid_sample_backward;
  static size_t grid_backward_scratch(const SamplerShape& s, bool grad_input) {
    return grid_sample_backward_scratch(s, grad_input);
  }
  static constexpr auto affine_grid_forward = &stn::affine_grid_forward;
  static constexpr auto affine_grid_backward = &stn::affine_grid_backward;
  static constexpr auto affine_forward = &affine_sample_forward;
  static constexpr auto affine_backward = &affine_sample_backward;
  static size_t affine_forward_scratch(const SamplerShape& s) {
    return affine_sample_forward_scratch(s);
  }
  static size_t affine_backward_scratch(const SamplerShape& s, bool gi, bool gt) {
    return affine_sample_backward_scratch(s, gi, gt);
  }
  static constexpr auto volume_forward = &grid_sample_3d_forward;
  static constexpr auto volume_backward = &grid_sample_3d_backward;
  static size_t volume_backward_scratch(const VolumeShape& s, bool grad_input) {
    return grid_sample_3d_backward_scratch(s, grad_input);
  }
  static constexpr auto affine_grid_3d_forward = &stn::affine_grid_3d_forward;
  static constexpr auto affine_grid_3d_backward = &stn::affine_grid_3d_backward;
  static constexpr auto affine_3d_forward = &affine_sample_3d_forward;
  static constexpr auto affine_3d_backward = &affine_sample_3d_backward;
  static size_t affine_3d_forward_scratch(const VolumeShape& s) {
    return affine_sample_3d_forward_scratch(s);
  }
  static size_t affine_3d_backward_scratch(const VolumeShape& s, bool gi, bool gt) {
    return affine_sample_3d_backward_scratch(s, gi, gt);
  }
  // Displacement fields, 2-D (SamplerShape) and volumes (VolumeShape).
  static size_t flow_forward_scratch(const SamplerShape&) { return 0; }
  static size_t flow_forward_scratch(const VolumeShape&) { return 0; }
  static void flow_forward(const SamplerShape& s, const SamplerOptions& o, const float* in,
                           const float* flow, float* out, Scratch) {
    flow_warp_forward(s, o, in, flow, out);
  }
  static void flow_forward(const VolumeShape& s, const SamplerOptions& o, const float* in,
                           const float* flow, float* out, Scratch) {
    flow_warp_3d_forward(s, o, in, flow, out);
  }
  static size_t flow_backward_scratch(const SamplerShape& s, bool gi) {
    return flow_warp_backward_scratch(s, gi);
  }
  static size_t flow_backward_scratch(const VolumeShape& s, bool gi) {
    return flow_warp_3d_backward_scratch(s, gi);
  }
  static void flow_backward(const SamplerShape& s, const SamplerOptions& o, const float* go,
                            const float* in, const float* flow, float* gi, float* gf, Scratch sc) {
    flow_warp_backward(s, o, go, in, flow, gi, gf, sc);
  }
  static void flow_backward(const VolumeShape& s, const SamplerOptions& o, const float* go,
                            const float* in, const float* flow, float* gi, float* gf, Scratch sc) {
    flow_warp_3d_backward(s, o, go, in, flow, gi, gf, sc);
  }
  static constexpr auto transform_forward = &image_transform_forward;
  static constexpr auto transform_backward = &image_transform_backward;
  static size_t transform_backward_scratch(const TransformShape& s, bool gt) {
    return image_transform_backward_scratch(s, gt);
  }
  static constexpr auto rotate_forward = &rotate_with_offset_forward;
  static constexpr auto rotate_backward = &rotate_with_offset_backward;
  static constexpr auto pool_backward = &max_pool_grad;
  static constexpr auto crop_forward = &crop_and_resize_forward;
  static size_t crop_forward_scratch(const CropShape& s) { return crop_and_resize_forward_scratch(s); }
  static constexpr auto crop_backward = &crop_and_resize_backward;
  static size_t crop_backward_scratch(const CropShape& s, bool gi, bool gb) {
    return crop_and_resize_backward_scratch(s, gi, gb);
  }
};

struct ReferenceKernels {
  static constexpr auto grid_forward = &grid_sample_forward_ref;
  static constexpr auto grid_backward = &grid_sample_backward_ref;
  static size_t grid_backward_scratch(const SamplerShape&, bool) { return 0; }
  static constexpr auto affine_grid_forward = &affine_grid_forward_ref;
  static constexpr auto affine_grid_backward = &affine_grid_backward_ref;
  static constexpr auto affine_forward = &affine_sample_forward_ref;
  static constexpr auto affine_backward = &affine_sample_backward_ref;
  static size_t affine_forward_scratch(const SamplerShape& s) {
    return affine_sample_ref_scratch(s);
  }
  static size_t affine_backward_scratch(const SamplerShape& s, bool, bool) {
    return affine_sample_ref_scratch(s);
  }
  static constexpr auto volume_forward = &grid_sample_3d_forward_ref;
  static void volume_backward(const VolumeShape& s, const SamplerOptions& o, const float* gout,
                              const float* input, const float* grid, float* ginp, float* ggrid,
                              Scratch) {
    grid_sample_3d_backward_ref(s, o, gout, input, grid, ginp, ggrid);
  }
  static size_t volume_backward_scratch(const VolumeShape&, bool) { return 0; }
  static constexpr auto affine_grid_3d_forward = &affine_grid_3d_forward_ref;
  static constexpr auto affine_grid_3d_backward = &affine_grid_3d_backward_ref;
  static constexpr auto affine_3d_forward = &affine_sample_3d_forward_ref;
  static constexpr auto affine_3d_backward = &affine_sample_3d_backward_ref;
  static size_t affine_3d_forward_scratch(const VolumeShape& s) {
    return affine_sample_3d_ref_scratch(s);
  }
  static size_t affine_3d_backward_scratch(const VolumeShape& s, bool, bool) {
    return affine_sample_3d_ref_scratch(s);
  }
  static size_t flow_forward_scratch(const SamplerShape& s) { return flow_warp_ref_scratch(s); }
  static size_t flow_forward_scratch(const VolumeShape& s) { return flow_warp_3d_ref_scratch(s); }
  static void flow_forward(const SamplerShape& s, const SamplerOptions& o, const float* in,
                           const float* flow, float* out, Scratch sc) {
    flow_warp_forward_ref(s, o, in, flow, out, sc);
  }
  static void flow_forward(const VolumeShape& s, const SamplerOptions& o, const float* in,
                           const float* flow, float* out, Scratch sc) {
    flow_warp_3d_forward_ref(s, o, in, flow, out, sc);
  }
  static size_t flow_backward_scratch(const SamplerShape& s, bool) { return flow_warp_ref_scratch(s); }
  static size_t flow_backward_scratch(const VolumeShape& s, bool) { return flow_warp_3d_ref_scratch(s); }
  static void flow_backward(const SamplerShape& s, const SamplerOptions& o, const float* go,
                            const float* in, const float* flow, float* gi, float* gf, Scratch sc) {
    flow_warp_backward_ref(s, o, go, in, flow, gi, gf, sc);
  }
  static void flow_backward(const VolumeShape& s, const SamplerOptions& o, const float* go,
                            const float* in, const float* flow, float* gi, float* gf, Scratch sc) {
    flow_warp_3d_backward_ref(s, o, go, in, flow, gi, gf, sc);
  }
  static constexpr auto transform_forward = &image_transform_forward_ref;
  static constexpr auto transform_backward = &image_transform_backward_ref;
  static size_t transform_backward_scratch(const TransformShape&, bool) { return 0; }
  static constexpr auto rotate_forward = &rotate_with_offset_forward_ref;
  static constexpr auto rotate_backward = &rotate_with_offset_backward_ref;
  static constexpr auto pool_backward = &max_pool_grad_ref;
  static void crop_forward(const CropShape& s, const CropOptions& o, const float* image,
                           const float* boxes, const int32_t* box_ind, float* output, Scratch) {
    crop_and_resize_forward_ref(s, o, image, boxes, box_ind, output);
  }
  static size_t crop_forward_scratch(const CropShape&) { return 0; }
  static void crop_backward(const CropShape& s, const CropOptions& o, const float* dy,
                            const float* image, const float* boxes, const int32_t* box_ind,
                            float* grad_image, float* grad_boxes, Scratch) {
    crop_and_resize_backward_ref(s, o, dy, image, boxes, box_ind, grad_image, grad_boxes);
  }
  static size_t crop_backward_scratch(const CropShape&, bool, bool) { return 0; }
};

// The calls, for arguments of the shapes above whose counts are within
// kMaxElements. An empty output needs no work and may have no data pointer,
// so it is skipped (passed as null to a backward); every output that is not
// empty is fully written, so none needs zeroing first. Scratch is allocated
// only when there is work.
template <class K>
void call_grid_sample_forward(const SamplerShape& s, const SamplerOptions& o,
                              const float* input, const float* grid,
                              float* output) {
  if (bounded_element_count(output_dims(s)) > 0)
    K::grid_forward(s, o, input, grid, output);
}

template <class K>
void call_grid_sample_backward(const SamplerShape& s, const SamplerOptions& o,
                               const float* grad_output, const float* input,
                               const float* grid, float* grad_input,
                               float* grad_grid) {
  if (bounded_element_count(input_dims(s)) == 0) grad_input = nullptr;
  if (bounded_element_count(grid_dims(s)) == 0) grad_grid = nullptr;
  if (!grad_input && !grad_grid) return;
  const ScratchMemory scratch(K::grid_backward_scratch(s, grad_input != nullptr));
  K::grid_backward(s, o, grad_output, input, grid, grad_input, grad_grid,
                   scratch.get());
}

template <class K>
void call_affine_grid_forward(int64_t n, int64_t ho, int64_t wo, bool align,
                              const float* theta, float* grid) {
  if (bounded_element_count({n, ho, wo, 2}) > 0)
    K::affine_grid_forward(n, ho, wo, align, theta, grid);
}

// An empty grid still defines gradTheta (zeros).
template <class K>
void call_affine_grid_backward(int64_t n, int64_t ho, int64_t wo, bool align,
                               const float* grad_grid, float* grad_theta) {
  if (n > 0) K::affine_grid_backward(n, ho, wo, align, grad_grid, grad_theta);
}

template <class K>
void call_affine_sample_forward(const SamplerShape& s, const SamplerOptions& o,
                                const float* input, const float* theta,
                                float* output) {
  if (bounded_element_count(output_dims(s)) == 0) return;
  const ScratchMemory scratch(K::affine_forward_scratch(s));
  K::affine_forward(s, o, input, theta, output, scratch.get());
}

template <class K>
void call_affine_sample_backward(const SamplerShape& s, const SamplerOptions& o,
                                 const float* grad_output, const float* input,
                                 const float* theta, float* grad_input,
                                 float* grad_theta) {
  if (bounded_element_count(input_dims(s)) == 0) grad_input = nullptr;
  if (grid_batch(s) == 0) grad_theta = nullptr;
  if (!grad_input && !grad_theta) return;
  const ScratchMemory scratch(
      K::affine_backward_scratch(s, grad_input != nullptr, grad_theta != nullptr));
  K::affine_backward(s, o, grad_output, input, theta, grad_input, grad_theta,
                     scratch.get());
}

template <class K>
void call_grid_sample_3d_forward(const VolumeShape& s, const SamplerOptions& o,
                                 const float* input, const float* grid, float* output) {
  if (bounded_element_count(output_dims(s)) > 0) K::volume_forward(s, o, input, grid, output);
}

template <class K>
void call_grid_sample_3d_backward(const VolumeShape& s, const SamplerOptions& o,
                                  const float* grad_output, const float* input,
                                  const float* grid, float* grad_input, float* grad_grid) {
  if (bounded_element_count(input_dims(s)) == 0) grad_input = nullptr;
  if (bounded_element_count(grid_dims(s)) == 0) grad_grid = nullptr;
  if (!grad_input && !grad_grid) return;
  const ScratchMemory scratch(K::volume_backward_scratch(s, grad_input != nullptr));
  K::volume_backward(s, o, grad_output, input, grid, grad_input, grad_grid, scratch.get());
}

template <class K>
void call_affine_grid_3d_forward(int64_t n, int64_t od, int64_t ho, int64_t wo, bool align,
                                 const float* theta, float* grid) {
  if (bounded_element_count({n, od, ho, wo, 3}) > 0)
    K::affine_grid_3d_forward(n, od, ho, wo, align, theta, grid);
}

// An empty grid still defines gradTheta (zeros).
template <class K>
void call_affine_grid_3d_backward(int64_t n, int64_t od, int64_t ho, int64_t wo, bool align,
                                  const float* grad_grid, float* grad_theta) {
  if (n > 0) K::affine_grid_3d_backward(n, od, ho, wo, align, grad_grid, grad_theta);
}

template <class K>
void call_affine_sample_3d_forward(const VolumeShape& s, const SamplerOptions& o,
                                   const float* input, const float* theta, float* output) {
  if (bounded_element_count(output_dims(s)) == 0) return;
  const ScratchMemory scratch(K::affine_3d_forward_scratch(s));
  K::affine_3d_forward(s, o, input, theta, output, scratch.get());
}

template <class K>
void call_affine_sample_3d_backward(const VolumeShape& s, const SamplerOptions& o,
                                    const float* grad_output, const float* input,
                                    const float* theta, float* grad_input, float* grad_theta) {
  if (bounded_element_count(input_dims(s)) == 0) grad_input = nullptr;
  if (grid_batch(s) == 0) grad_theta = nullptr;
  if (!grad_input && !grad_theta) return;
  const ScratchMemory scratch(
      K::affine_3d_backward_scratch(s, grad_input != nullptr, grad_theta != nullptr));
  K::affine_3d_backward(s, o, grad_output, input, theta, grad_input, grad_theta, scratch.get());
}

// Displacement fields (Shape: SamplerShape or VolumeShape; the flow has the
// grid's dims, batch N).
template <class K, class Shape>
void call_flow_warp_forward(const Shape& s, const SamplerOptions& o, const float* input,
                            const float* flow, float* output) {
  if (bounded_element_count(output_dims(s)) == 0) return;
  const ScratchMemory scratch(K::flow_forward_scratch(s));
  K::flow_forward(s, o, input, flow, output, scratch.get());
}

template <class K, class Shape>
void call_flow_warp_backward(const Shape& s, const SamplerOptions& o, const float* grad_output,
                             const float* input, const float* flow, float* grad_input,
                             float* grad_flow) {
  if (bounded_element_count(input_dims(s)) == 0) grad_input = nullptr;
  if (bounded_element_count(grid_dims(s)) == 0) grad_flow = nullptr;
  if (!grad_input && !grad_flow) return;
  const ScratchMemory scratch(K::flow_backward_scratch(s, grad_input != nullptr));
  K::flow_backward(s, o, grad_output, input, flow, grad_input, grad_flow, scratch.get());
}

// The projective image transform's shapes: images [N,H,W,C], transforms
// [N or 1,8], output [N,Ho,Wo,C].
inline std::vector<int64_t> transform_images_dims(const TransformShape& s) {
  return {s.n, s.h, s.w, s.c};
}
inline std::vector<int64_t> transform_params_dims(const TransformShape& s) {
  return {transform_batch(s), kTransformParams};
}
inline std::vector<int64_t> transform_output_dims(const TransformShape& s) {
  return {s.n, s.ho, s.wo, s.c};
}

template <class K>
void call_image_transform_forward(const TransformShape& s, const TransformOptions& o,
                                  const float* images, const float* transforms,
                                  float* output) {
  if (bounded_element_count(transform_output_dims(s)) > 0)
    K::transform_forward(s, o, images, transforms, output);
}

// An empty output still defines grad_transforms (zeros).
template <class K>
void call_image_transform_backward(const TransformShape& s, const TransformOptions& o,
                                   const float* dy, const float* images,
                                   const float* transforms, float* grad_images,
                                   float* grad_transforms) {
  if (bounded_element_count(transform_images_dims(s)) == 0) grad_images = nullptr;
  if (transform_batch(s) == 0) grad_transforms = nullptr;
  if (!grad_images && !grad_transforms) return;
  const ScratchMemory scratch(K::transform_backward_scratch(s, grad_transforms != nullptr));
  K::transform_backward(s, o, dy, images, transforms, grad_images, grad_transforms,
                        scratch.get());
}

// RotateWithOffset's shapes: images, output and their gradients [N,H,W,C],
// the fill [C].
inline std::vector<int64_t> rotate_dims(const RotateShape& s) { return {s.n, s.h, s.w, s.c}; }

template <class K>
void call_rotate_with_offset_forward(const RotateShape& s, const Rotation& r, const float* fill,
                                     const float* images, float* output) {
  if (bounded_element_count(rotate_dims(s)) > 0) K::rotate_forward(s, r, fill, images, output);
}

template <class K>
void call_rotate_with_offset_backward(const RotateShape& s, const Rotation& r, const float* dy,
                                      float* grad_images) {
  if (bounded_element_count(rotate_dims(s)) > 0) K::rotate_backward(s, r, dy, grad_images);
}

// MaxPoolGrad's shapes: input and grad_input [N,H,W,C], dy [N,out_h,out_w,C].
inline std::vector<int64_t> pool_input_dims(const PoolShape& s) { return {s.n, s.h, s.w, s.c}; }
inline std::vector<int64_t> pool_output_dims(const PoolShape& s) { return {s.n, s.out_h, s.out_w, s.c}; }

template <class K>
void call_max_pool_grad(const PoolShape& s, const float* input, const float* dy, float* grad_input) {
  if (bounded_element_count(pool_input_dims(s)) > 0) K::pool_backward(s, input, dy, grad_input);
}

// CropAndResize's shapes: image [N,H,W,C], boxes [B,4], box_ind [B], output
// [B,crop_h,crop_w,C]. box_ind's values are checked by the caller.
inline std::vector<int64_t> crop_image_dims(const CropShape& s) { return {s.n, s.h, s.w, s.c}; }
inline std::vector<int64_t> crop_boxes_dims(const CropShape& s) { return {s.boxes, kBoxParams}; }
inline std::vector<int64_t> crop_output_dims(const CropShape& s) {
  return {s.boxes, s.crop_h, s.crop_w, s.c};
}

template <class K>
void call_crop_and_resize_forward(const CropShape& s, const CropOptions& o, const float* image,
                                  const float* boxes, const int32_t* box_ind, float* output) {
  if (bounded_element_count(crop_output_dims(s)) == 0) return;
  const ScratchMemory scratch(K::crop_forward_scratch(s));
  K::crop_forward(s, o, image, boxes, box_ind, output, scratch.get());
}

// An empty output still defines both gradients (zeros).
template <class K>
void call_crop_and_resize_backward(const CropShape& s, const CropOptions& o, const float* dy,
                                   const float* image, const float* boxes, const int32_t* box_ind,
                                   float* grad_image, float* grad_boxes) {
  if (bounded_element_count(crop_image_dims(s)) == 0) grad_image = nullptr;
  if (s.boxes == 0) grad_boxes = nullptr;
  if (!grad_image && !grad_boxes) return;
  const ScratchMemory scratch(
      K::crop_backward_scratch(s, grad_image != nullptr, grad_boxes != nullptr));
  K::crop_backward(s, o, dy, image, boxes, box_ind, grad_image, grad_boxes, scratch.get());
}

}  // namespace stn
