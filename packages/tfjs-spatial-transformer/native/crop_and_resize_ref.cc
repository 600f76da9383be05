// Scalar reference of CropAndResize and its gradients: TensorFlow's CPU
// functors one to one (crop_and_resize_op.cc: CropAndResize,
// CropAndResizeBackpropImage, CropAndResizeBackpropBoxes), the coordinate
// recomputed for every pixel as TF does, with the point rules of
// crop_and_resize.h. The oracle of the threaded kernels; keep it simple
// rather than fast.
#include <algorithm>

#include "crop_and_resize.h"

namespace stn {

using crop_coord::Tap;

void crop_and_resize_forward_ref(const CropShape& s, const CropOptions& o, const float* image,
                                 const float* boxes, const int32_t* box_ind, float* output) {
  const float extrapolation = o.extrapolation_value;
  for (int64_t b = 0; b < s.boxes; ++b) {
    float* out_box = output + b * s.crop_h * s.crop_w * s.c;
    const int64_t n = box_image(s, box_ind, b);
    if (n < 0) {
      std::fill(out_box, out_box + s.crop_h * s.crop_w * s.c, extrapolation);
      continue;
    }
    const float* box = boxes + b * kBoxParams;
    const float y1 = box[0], x1 = box[1], y2 = box[2], x2 = box[3];
    const float height_scale = crop_coord::scale(y1, y2, s.h, s.crop_h);
    const float width_scale = crop_coord::scale(x1, x2, s.w, s.crop_w);
    const float* img = image + n * s.h * s.w * s.c;
    auto at = [&](int64_t y, int64_t x, int64_t d) { return img[(y * s.w + x) * s.c + d]; };
    for (int64_t y = 0; y < s.crop_h; ++y) {
      const Tap ty = crop_coord::tap(crop_coord::source(y1, y2, y, s.h, s.crop_h, height_scale), s.h);
      for (int64_t x = 0; x < s.crop_w; ++x) {
        float* out = out_box + (y * s.crop_w + x) * s.c;
        const Tap tx = crop_coord::tap(crop_coord::source(x1, x2, x, s.w, s.crop_w, width_scale), s.w);
        if (!ty.inside || !tx.inside) {
          std::fill(out, out + s.c, extrapolation);
          continue;
        }
        for (int64_t d = 0; d < s.c; ++d) {
          if (o.method == Interpolation::Nearest) {
            out[d] = at(ty.nearest, tx.nearest, d);
            continue;
          }
          const float top_left = at(ty.lo, tx.lo, d), top_right = at(ty.lo, tx.hi, d);
          const float bottom_left = at(ty.hi, tx.lo, d), bottom_right = at(ty.hi, tx.hi, d);
          const float top = top_left + (top_right - top_left) * tx.lerp;
          const float bottom = bottom_left + (bottom_right - bottom_left) * tx.lerp;
          out[d] = top + (bottom - top) * ty.lerp;
        }
      }
    }
  }
}

namespace {

// TF's CropAndResizeBackpropImage.
void grad_image_ref(const CropShape& s, const CropOptions& o, const float* dy, const float* boxes,
                    const int32_t* box_ind, float* grad_image) {
  std::fill(grad_image, grad_image + s.n * s.h * s.w * s.c, 0.0f);
  for (int64_t b = 0; b < s.boxes; ++b) {
    const int64_t n = box_image(s, box_ind, b);
    if (n < 0) continue;
    const float* box = boxes + b * kBoxParams;
    const float y1 = box[0], x1 = box[1], y2 = box[2], x2 = box[3];
    const float height_scale = crop_coord::scale(y1, y2, s.h, s.crop_h);
    const float width_scale = crop_coord::scale(x1, x2, s.w, s.crop_w);
    float* gimg = grad_image + n * s.h * s.w * s.c;
    auto at = [&](int64_t y, int64_t x, int64_t d) -> float& { return gimg[(y * s.w + x) * s.c + d]; };
    for (int64_t y = 0; y < s.crop_h; ++y) {
      const Tap ty = crop_coord::tap(crop_coord::source(y1, y2, y, s.h, s.crop_h, height_scale), s.h);
      if (!ty.inside) continue;
      for (int64_t x = 0; x < s.crop_w; ++x) {
        const Tap tx = crop_coord::tap(crop_coord::source(x1, x2, x, s.w, s.crop_w, width_scale), s.w);
        if (!tx.inside) continue;
        const float* g = dy + ((b * s.crop_h + y) * s.crop_w + x) * s.c;
        for (int64_t d = 0; d < s.c; ++d) {
          if (o.method == Interpolation::Nearest) {
            at(ty.nearest, tx.nearest, d) += g[d];
            continue;
          }
          const float dtop = (1 - ty.lerp) * g[d];
          at(ty.lo, tx.lo, d) += (1 - tx.lerp) * dtop;
          at(ty.lo, tx.hi, d) += tx.lerp * dtop;
          const float dbottom = ty.lerp * g[d];
          at(ty.hi, tx.lo, d) += (1 - tx.lerp) * dbottom;
          at(ty.hi, tx.hi, d) += tx.lerp * dbottom;
        }
      }
    }
  }
}

// TF's CropAndResizeBackpropBoxes (bilinear; 'nearest' gives zeros).
void grad_boxes_ref(const CropShape& s, const CropOptions& o, const float* dy, const float* image,
                    const float* boxes, const int32_t* box_ind, float* grad_boxes) {
  std::fill(grad_boxes, grad_boxes + s.boxes * kBoxParams, 0.0f);
  if (o.method == Interpolation::Nearest) return;
  const float height_ratio = crop_coord::ratio(s.h, s.crop_h);
  const float width_ratio = crop_coord::ratio(s.w, s.crop_w);
  for (int64_t b = 0; b < s.boxes; ++b) {
    const int64_t n = box_image(s, box_ind, b);
    if (n < 0) continue;
    const float* box = boxes + b * kBoxParams;
    const float y1 = box[0], x1 = box[1], y2 = box[2], x2 = box[3];
    const float height_scale = crop_coord::ratio_scale(y1, y2, height_ratio, s.crop_h);
    const float width_scale = crop_coord::ratio_scale(x1, x2, width_ratio, s.crop_w);
    const float* img = image + n * s.h * s.w * s.c;
    auto at = [&](int64_t y, int64_t x, int64_t d) { return img[(y * s.w + x) * s.c + d]; };
    float* gb = grad_boxes + b * kBoxParams;
    for (int64_t y = 0; y < s.crop_h; ++y) {
      const Tap ty = crop_coord::tap(crop_coord::source(y1, y2, y, s.h, s.crop_h, height_scale), s.h);
      if (!ty.inside) continue;
      for (int64_t x = 0; x < s.crop_w; ++x) {
        const Tap tx = crop_coord::tap(crop_coord::source(x1, x2, x, s.w, s.crop_w, width_scale), s.w);
        if (!tx.inside) continue;
        const float* g = dy + ((b * s.crop_h + y) * s.crop_w + x) * s.c;
        for (int64_t d = 0; d < s.c; ++d) {
          const float top_left = at(ty.lo, tx.lo, d), top_right = at(ty.lo, tx.hi, d);
          const float bottom_left = at(ty.hi, tx.lo, d), bottom_right = at(ty.hi, tx.hi, d);
          float image_grad_y = (1 - tx.lerp) * (bottom_left - top_left) + tx.lerp * (bottom_right - top_right);
          float image_grad_x = (1 - ty.lerp) * (top_right - top_left) + ty.lerp * (bottom_right - bottom_left);
          image_grad_y *= g[d];
          image_grad_x *= g[d];
          crop_coord::add_box_grad(s, y, x, height_ratio, width_ratio, image_grad_y, image_grad_x, gb);
        }
      }
    }
  }
}

}  // namespace

void crop_and_resize_backward_ref(const CropShape& s, const CropOptions& o, const float* dy,
                                  const float* image, const float* boxes, const int32_t* box_ind,
                                  float* grad_image, float* grad_boxes) {
  if (grad_image) grad_image_ref(s, o, dy, boxes, box_ind, grad_image);
  if (grad_boxes) grad_boxes_ref(s, o, dy, image, boxes, box_ind, grad_boxes);
}

}  // namespace stn
