// tfjs's RotateWithOffset (tf.image.rotateWithOffset), forward and the
// image's gradient. Plain C++, no N-API.
//
// Semantics are tfjs-backend-cpu's kernel, operation for operation (the op
// has no TensorFlow counterpart; that kernel is its definition): for output
// pixel (x, y) of item n, in float64,
//   x' = round((x - cx) cos - (y - cy) sin + cx),
//   y' = round((x - cx) sin + (y - cy) cos + cy),
// with round JavaScript's Math.round (ties toward +infinity: -0.5 gives 0,
// 2.5 gives 3, where std::round would give -1 and 3); the output is pixel
// (x', y') of the same item when it lies in the image, else the channel's
// fill value. The caller passes cos, sin and the centre (cx, cy) = (W *
// center_x, H * center_y) as JavaScript computed them (Math.cos, Math.sin:
// V8's and libm's may differ in the last bit), so every pixel's source is
// the one tfjs computes, ties included. NaN or infinite parameters give
// sources outside the image: the whole output is the fill.
//
// Why not a coordinate source of the Transform kernels
// (image_transform.h): those compute TensorFlow's float32 projective points
// and round half away from zero, with one fill value; this op needs float64
// points, Math.round and a fill value per channel. The two share only
// "copy the source pixel, else fill" and its scatter, a few lines each.
//
// Gradient with respect to the image: each output pixel's dy added to the
// pixel it read (filled pixels give nothing); the angle and the centre are
// attributes in tfjs (no gradient), and under nearest rounding the output is
// piecewise constant in them anyway.
#pragma once

#include <cstdint>

namespace stn {

struct RotateShape {
  int64_t n, h, w, c;  // images and output [N,H,W,C]
};

// The rotation as tfjs-backend-cpu computes it, in float64.
struct Rotation {
  double cos, sin;  // Math.cos(radians), Math.sin(radians)
  double cx, cy;    // W * center_x, H * center_y
};
constexpr int64_t kRotationParams = 4;  // cos, sin, cx, cy

// output [N,H,W,C] from images [N,H,W,C]; fill [C]: each channel's value
// outside the image.
void rotate_with_offset_forward_ref(const RotateShape& s, const Rotation& r, const float* fill,
                                    const float* images, float* output);
void rotate_with_offset_forward(const RotateShape& s, const Rotation& r, const float* fill,
                                const float* images, float* output);

// grad_images [N,H,W,C] (overwritten) from dy [N,H,W,C].
void rotate_with_offset_backward_ref(const RotateShape& s, const Rotation& r, const float* dy,
                                     float* grad_images);
void rotate_with_offset_backward(const RotateShape& s, const Rotation& r, const float* dy,
                                 float* grad_images);

}  // namespace stn
