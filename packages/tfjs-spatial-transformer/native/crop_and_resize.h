// TensorFlow's CropAndResize (tfjs's tf.image.cropAndResize) and its two
// gradients (TF's CropAndResizeGradImage and CropAndResizeGradBoxes). Plain
// C++, no N-API.
//
// Semantics are TensorFlow's, operation for operation and in float32 as TF
// rounds (tensorflow/core/kernels/image/crop_and_resize_op.cc): box b =
// [y1, x1, y2, x2] (normalised) of image box_ind[b] is sampled at
//   in_y = y1 (H-1) + y scale_y,  scale_y = (y2-y1)(H-1)/(crop_h-1),
// or, when crop_h == 1, in_y = 0.5 (y1+y2)(H-1) (computed in double, as TF
// does); x likewise. A point outside [0, H-1] x [0, W-1] is
// extrapolation_value; 'bilinear' lerps between floor and ceil (TF's order:
// top, bottom, then between them), 'nearest' reads round(in) (half away from
// zero).
//
// Gradients: grad_image is TF's scatter (bilinear or nearest); grad_boxes is
// TF's bilinear boxes gradient, whose sample points use TF's own scale
// ((y2-y1) * ((H-1)/(crop_h-1)), which may differ from the forward's in the
// last bit); 'nearest' gives the boxes zero (TF's op rejects it), as
// gridSample does. Points outside add nothing.
//
// Our additions, where TF errors or reads out of bounds: a NaN or infinite
// coordinate is a point outside (extrapolation_value, no gradient) — TF
// rejects non-finite boxes; a box whose index is outside [0, N) gives
// extrapolation_value and no gradient (callers reject it first, as TF does);
// indices are clamped to the image, which matters only beyond 2^24 pixels,
// where float(H-1) may round above H-1.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "grid_sampler.h"  // Scratch
#include "vocabulary.h"    // Interpolation

namespace stn {

struct CropShape {
  int64_t n, h, w, c;        // image
  int64_t boxes;             // boxes [boxes, 4], box_ind [boxes]
  int64_t crop_h, crop_w;    // output [boxes, crop_h, crop_w, c]
};

struct CropOptions {
  Interpolation method;  // Bilinear or Nearest (callers reject Bicubic)
  float extrapolation_value;
};

constexpr int64_t kBoxParams = 4;

namespace crop_coord {

// TF's scale of the forward and of grad_image: (b - a) * (size - 1) / (crop - 1).
inline float scale(float a, float b, int64_t size, int64_t crop) {
  return crop > 1 ? (b - a) * static_cast<float>(size - 1) / static_cast<float>(crop - 1) : 0.0f;
}

// TF's scale of grad_boxes: (b - a) * ratio, ratio = (size - 1) / (crop - 1).
inline float ratio(int64_t size, int64_t crop) {
  return crop > 1 ? static_cast<float>(size - 1) / static_cast<float>(crop - 1) : 0.0f;
}
inline float ratio_scale(float a, float b, float ratio, int64_t crop) {
  return crop > 1 ? (b - a) * ratio : 0.0f;
}

// The source coordinate of crop row (column) i of edges a, b.
inline float source(float a, float b, int64_t i, int64_t size, int64_t crop, float scale) {
  if (crop > 1) return a * static_cast<float>(size - 1) + static_cast<float>(i) * scale;
  return static_cast<float>(0.5 * static_cast<double>(a + b) * static_cast<double>(size - 1));
}

// A source coordinate's pixels: lo = floor, hi = ceil, lerp = in - lo,
// nearest = round (half away from zero).
struct Tap {
  int64_t lo, hi, nearest;
  float lerp;
  bool inside;
};

// inside is false (and nothing else is set) outside [0, size - 1], for NaN too.
inline Tap tap(float in, int64_t size) {
  Tap t{};
  t.inside = in >= 0.0f && in <= static_cast<float>(size - 1);
  if (!t.inside) return t;
  const int64_t last = size - 1;
  t.lo = std::min(static_cast<int64_t>(std::floor(in)), last);
  t.hi = std::min(static_cast<int64_t>(std::ceil(in)), last);
  t.nearest = std::min(static_cast<int64_t>(std::round(in)), last);
  t.lerp = in - static_cast<float>(t.lo);
  return t;
}

// Adds one element's d/d(in_y) and d/d(in_x) at crop pixel (y, x) to the
// box's gradient [y1, x1, y2, x2], as TF does (in double when a crop side is 1).
inline void add_box_grad(const CropShape& s, int64_t y, int64_t x, float height_ratio, float width_ratio,
                         float grad_y, float grad_x, float* grad_box) {
  if (s.crop_h > 1) {
    grad_box[0] += grad_y * (static_cast<float>(s.h - 1) - static_cast<float>(y) * height_ratio);
    grad_box[2] += grad_y * (static_cast<float>(y) * height_ratio);
  } else {
    grad_box[0] += grad_y * 0.5 * static_cast<double>(s.h - 1);
    grad_box[2] += grad_y * 0.5 * static_cast<double>(s.h - 1);
  }
  if (s.crop_w > 1) {
    grad_box[1] += grad_x * (static_cast<float>(s.w - 1) - static_cast<float>(x) * width_ratio);
    grad_box[3] += grad_x * (static_cast<float>(x) * width_ratio);
  } else {
    grad_box[1] += grad_x * 0.5 * static_cast<double>(s.w - 1);
    grad_box[3] += grad_x * 0.5 * static_cast<double>(s.w - 1);
  }
}

}  // namespace crop_coord

// The image a box samples, or -1 for an index outside [0, n).
inline int64_t box_image(const CropShape& s, const int32_t* box_ind, int64_t b) {
  const int64_t i = box_ind[b];
  return i >= 0 && i < s.n ? i : -1;
}

// output [boxes, crop_h, crop_w, c] from image [n, h, w, c], boxes [boxes, 4]
// and box_ind [boxes].
void crop_and_resize_forward_ref(const CropShape& s, const CropOptions& o, const float* image,
                                 const float* boxes, const int32_t* box_ind, float* output);
size_t crop_and_resize_forward_scratch(const CropShape& s);
void crop_and_resize_forward(const CropShape& s, const CropOptions& o, const float* image,
                             const float* boxes, const int32_t* box_ind, float* output,
                             Scratch scratch);

// grad_image [n, h, w, c] and grad_boxes [boxes, 4] (either may be null: not
// computed; image is read only for grad_boxes), both overwritten.
void crop_and_resize_backward_ref(const CropShape& s, const CropOptions& o, const float* dy,
                                  const float* image, const float* boxes, const int32_t* box_ind,
                                  float* grad_image, float* grad_boxes);
size_t crop_and_resize_backward_scratch(const CropShape& s, bool grad_image, bool grad_boxes);
void crop_and_resize_backward(const CropShape& s, const CropOptions& o, const float* dy,
                              const float* image, const float* boxes, const int32_t* box_ind,
                              float* grad_image, float* grad_boxes, Scratch scratch);

}  // namespace stn
