// TensorFlow's projective image transform (ImageProjectiveTransformV3, which
// tfjs's tf.image.transform names 'Transform'), forward and gradients. Plain
// C++, no N-API.
//
// Semantics are TensorFlow's, operation for operation
// (tensorflow/core/kernels/image/image_ops.h): for output pixel (x, y) of
// item n, with t = transforms[n, or 0 when shared] = [a0 a1 a2 b0 b1 b2 c0 c1],
//   k = c0 x + c1 y + 1;  k == 0: the pixel is fill_value;
//   source (x', y') = ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k),
// in pixel coordinates (pixel centres at integers). Each axis is then mapped
// by the fill mode (image_transform_coords.h: TF's index maps, which differ
// from the grid sampler's paddings: 'wrap' has period len but folds by
// len - 1, 'reflect' repeats the edge pixel, both clamp to [0, len - 1];
// 'constant' leaves the point as it is). 'nearest' reads pixel round(x'),
// round(y') (half away from zero); 'bilinear' blends the four pixels around
// it in TF's order; a pixel outside the image reads fill_value, so a point
// less than a pixel outside blends the edge with fill_value. That is what
// the TensorFlow the tests check against does (2.21.0 under tfjs-node 4.22
// here); TensorFlow's newer sources read fill_value for every point outside
// [0, len - 1].
//
// Our one addition: a source coordinate TF would turn into an undefined
// float-to-integer conversion (NaN in any mode; +-Inf or |x'| >= 2^53 but
// under 'nearest', which clamps first) makes the pixel fill_value, with
// zero gradients.
//
// Gradients (bilinear; 'nearest' gives the image its scatter and the
// transforms zero, as gridSample does): of sum(dy * output), with respect to
// the images and to the 8 transform parameters, through the fill mode's map
// (slope +-1 inside, 0 where it clamps) and the projection. fill_value gets
// no gradient. A shared transform's gradient is the sum over the batch.
#pragma once

#include <cstdint>

#include "grid_sampler.h"  // Scratch
#include "vocabulary.h"    // Interpolation, FillMode

namespace stn {

struct TransformShape {
  int64_t n, h, w, c;  // images
  int64_t ho, wo;      // output spatial size
  bool shared = false;  // transforms has batch 1, for every item
};

struct TransformOptions {
  Interpolation interpolation;  // Bilinear or Nearest (callers reject Bicubic)
  FillMode fill_mode;
  float fill_value;
};

// The batch size of transforms ([N or 1, 8]).
inline int64_t transform_batch(const TransformShape& s) { return s.shared ? 1 : s.n; }
constexpr int64_t kTransformParams = 8;

// output [N,Ho,Wo,C] from images [N,H,W,C] and transforms [N or 1,8].
void image_transform_forward_ref(const TransformShape& s, const TransformOptions& o,
                                 const float* images, const float* transforms,
                                 float* output);
void image_transform_forward(const TransformShape& s, const TransformOptions& o,
                             const float* images, const float* transforms,
                             float* output);

// grad_images [N,H,W,C] and grad_transforms [N or 1,8] (either may be null:
// not computed), both overwritten. The reference needs no scratch.
size_t image_transform_backward_scratch(const TransformShape& s, bool grad_transforms);
void image_transform_backward_ref(const TransformShape& s, const TransformOptions& o,
                                  const float* dy, const float* images,
                                  const float* transforms, float* grad_images,
                                  float* grad_transforms, Scratch scratch);
void image_transform_backward(const TransformShape& s, const TransformOptions& o,
                              const float* dy, const float* images,
                              const float* transforms, float* grad_images,
                              float* grad_transforms, Scratch scratch);

}  // namespace stn
