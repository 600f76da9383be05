// Threaded CropAndResize and its gradients: the reference's per-pixel rules
// (crop_and_resize.h), with each box's column taps computed once (scratch
// [boxes, crop_w]) instead of once per row, the two source rows hoisted, and
// the channel loop specialised for 1, 3 and 4 channels.
//
// Bitwise: every output equals the reference bit for bit, at any thread
// count. The forward splits crop rows over threads; grad_image runs one task
// per band of image rows, which replays its image's boxes in the reference's
// order and keeps the writes landing in its rows (no atomics, no scratch);
// grad_boxes one task per box, accumulating in the reference's order.
#include <omp.h>

#include <algorithm>

#include "crop_and_resize.h"

namespace stn {

using crop_coord::Tap;

namespace {

// The column taps of every box: the forward's scale, or grad_boxes' (ratio).
void column_taps(const CropShape& s, const float* boxes, bool ratio_scale, int nt, Tap* taps) {
  const float ratio = crop_coord::ratio(s.w, s.crop_w);
#pragma omp parallel for num_threads(nt) schedule(static)
  for (int64_t b = 0; b < s.boxes; ++b) {
    const float x1 = boxes[b * kBoxParams + 1], x2 = boxes[b * kBoxParams + 3];
    const float scale = ratio_scale ? crop_coord::ratio_scale(x1, x2, ratio, s.crop_w)
                                    : crop_coord::scale(x1, x2, s.w, s.crop_w);
    for (int64_t x = 0; x < s.crop_w; ++x)
      taps[b * s.crop_w + x] = crop_coord::tap(crop_coord::source(x1, x2, x, s.w, s.crop_w, scale), s.w);
  }
}

// The row tap of crop row y of box b, with the forward's scale.
Tap row_tap(const CropShape& s, const float* boxes, int64_t b, int64_t y) {
  const float y1 = boxes[b * kBoxParams], y2 = boxes[b * kBoxParams + 2];
  return crop_coord::tap(
      crop_coord::source(y1, y2, y, s.h, s.crop_h, crop_coord::scale(y1, y2, s.h, s.crop_h)), s.h);
}

// Crop row y of box b. C > 0: the channel count, known at compile time.
template <int C>
void forward_row(const CropShape& s, const CropOptions& o, const float* image, const float* boxes,
                 const int32_t* box_ind, const Tap* taps, int64_t b, int64_t y, float* out) {
  const int64_t c = C > 0 ? C : s.c;
  const float extrapolation = o.extrapolation_value;
  const int64_t n = box_image(s, box_ind, b);
  const Tap ty = n < 0 ? Tap{} : row_tap(s, boxes, b, y);
  if (!ty.inside) {
    std::fill(out, out + s.crop_w * c, extrapolation);
    return;
  }
  const float* img = image + n * s.h * s.w * c;
  const Tap* tx = taps + b * s.crop_w;
  if (o.method == Interpolation::Nearest) {
    const float* r = img + ty.nearest * s.w * c;
    for (int64_t x = 0; x < s.crop_w; ++x, out += c) {
      if (!tx[x].inside) {
        std::fill(out, out + c, extrapolation);
      } else {
        const float* p = r + tx[x].nearest * c;
        std::copy(p, p + c, out);
      }
    }
    return;
  }
  const float* r0 = img + ty.lo * s.w * c;
  const float* r1 = img + ty.hi * s.w * c;
  const float yl = ty.lerp;
  for (int64_t x = 0; x < s.crop_w; ++x, out += c) {
    if (!tx[x].inside) {
      std::fill(out, out + c, extrapolation);
      continue;
    }
    const float xl = tx[x].lerp;
    const float *tl = r0 + tx[x].lo * c, *tr = r0 + tx[x].hi * c;
    const float *bl = r1 + tx[x].lo * c, *br = r1 + tx[x].hi * c;
    for (int64_t d = 0; d < c; ++d) {
      const float top = tl[d] + (tr[d] - tl[d]) * xl;
      const float bottom = bl[d] + (br[d] - bl[d]) * xl;
      out[d] = top + (bottom - top) * yl;
    }
  }
}

template <int C>
void forward_rows(const CropShape& s, const CropOptions& o, const float* image, const float* boxes,
                  const int32_t* box_ind, const Tap* taps, float* output, int nt) {
  const int64_t rows = s.boxes * s.crop_h;
#pragma omp parallel for num_threads(nt) schedule(static)
  for (int64_t r = 0; r < rows; ++r)
    forward_row<C>(s, o, image, boxes, box_ind, taps, r / s.crop_h, r % s.crop_h,
                   output + r * s.crop_w * s.c);
}

// Rows [r0, r1) of image n's grad_image: the scatter of its boxes in box
// order, keeping only the writes that land in those rows. Every element thus
// receives the reference's additions in the reference's order, whatever the
// band.
void grad_image_band(const CropShape& s, const CropOptions& o, const float* dy, const float* boxes,
                     const int32_t* box_ind, const Tap* taps, int64_t n, int64_t r0, int64_t r1,
                     float* gimg) {
  const int64_t c = s.c;
  std::fill(gimg + r0 * s.w * c, gimg + r1 * s.w * c, 0.0f);
  auto in_band = [&](int64_t row) { return row >= r0 && row < r1; };
  for (int64_t b = 0; b < s.boxes; ++b) {
    if (box_image(s, box_ind, b) != n) continue;
    const Tap* tx = taps + b * s.crop_w;
    for (int64_t y = 0; y < s.crop_h; ++y) {
      const Tap ty = row_tap(s, boxes, b, y);
      if (!ty.inside) continue;
      const float* g = dy + (b * s.crop_h + y) * s.crop_w * c;
      if (o.method == Interpolation::Nearest) {
        if (!in_band(ty.nearest)) continue;
        float* r = gimg + ty.nearest * s.w * c;
        for (int64_t x = 0; x < s.crop_w; ++x, g += c) {
          if (!tx[x].inside) continue;
          float* p = r + tx[x].nearest * c;
          for (int64_t d = 0; d < c; ++d) p[d] += g[d];
        }
        continue;
      }
      const bool top = in_band(ty.lo), bottom = in_band(ty.hi);
      if (!top && !bottom) continue;
      float* r0p = gimg + ty.lo * s.w * c;
      float* r1p = gimg + ty.hi * s.w * c;
      const float yl = ty.lerp;
      for (int64_t x = 0; x < s.crop_w; ++x, g += c) {
        if (!tx[x].inside) continue;
        const float xl = tx[x].lerp;
        float *tl = r0p + tx[x].lo * c, *tr = r0p + tx[x].hi * c;
        float *bl = r1p + tx[x].lo * c, *br = r1p + tx[x].hi * c;
        for (int64_t d = 0; d < c; ++d) {
          if (top) {
            const float dtop = (1 - yl) * g[d];
            tl[d] += (1 - xl) * dtop;
            tr[d] += xl * dtop;
          }
          if (bottom) {
            const float dbottom = yl * g[d];
            bl[d] += (1 - xl) * dbottom;
            br[d] += xl * dbottom;
          }
        }
      }
    }
  }
}

// grad_boxes of box b (bilinear), with grad_boxes' own scale (taps: its columns).
void grad_box(const CropShape& s, const float* dy, const float* image, const float* boxes,
              const int32_t* box_ind, const Tap* taps, int64_t b, float* gb) {
  std::fill(gb, gb + kBoxParams, 0.0f);
  const int64_t n = box_image(s, box_ind, b);
  if (n < 0) return;
  const int64_t c = s.c;
  const float height_ratio = crop_coord::ratio(s.h, s.crop_h);
  const float width_ratio = crop_coord::ratio(s.w, s.crop_w);
  const float y1 = boxes[b * kBoxParams], y2 = boxes[b * kBoxParams + 2];
  const float height_scale = crop_coord::ratio_scale(y1, y2, height_ratio, s.crop_h);
  const float* img = image + n * s.h * s.w * c;
  const Tap* tx = taps + b * s.crop_w;
  for (int64_t y = 0; y < s.crop_h; ++y) {
    const Tap ty = crop_coord::tap(crop_coord::source(y1, y2, y, s.h, s.crop_h, height_scale), s.h);
    if (!ty.inside) continue;
    const float* g = dy + (b * s.crop_h + y) * s.crop_w * c;
    const float* r0 = img + ty.lo * s.w * c;
    const float* r1 = img + ty.hi * s.w * c;
    for (int64_t x = 0; x < s.crop_w; ++x, g += c) {
      if (!tx[x].inside) continue;
      const float xl = tx[x].lerp, yl = ty.lerp;
      const float *tl = r0 + tx[x].lo * c, *tr = r0 + tx[x].hi * c;
      const float *bl = r1 + tx[x].lo * c, *br = r1 + tx[x].hi * c;
      for (int64_t d = 0; d < c; ++d) {
        float grad_y = (1 - xl) * (bl[d] - tl[d]) + xl * (br[d] - tr[d]);
        float grad_x = (1 - yl) * (tr[d] - tl[d]) + yl * (br[d] - bl[d]);
        grad_y *= g[d];
        grad_x *= g[d];
        crop_coord::add_box_grad(s, y, x, height_ratio, width_ratio, grad_y, grad_x, gb);
      }
    }
  }
}

size_t taps_bytes(const CropShape& s) {
  return static_cast<size_t>(s.boxes * s.crop_w) * sizeof(Tap);
}

}  // namespace

size_t crop_and_resize_forward_scratch(const CropShape& s) { return taps_bytes(s); }

void crop_and_resize_forward(const CropShape& s, const CropOptions& o, const float* image,
                             const float* boxes, const int32_t* box_ind, float* output,
                             Scratch scratch) {
  if (scratch.bytes < crop_and_resize_forward_scratch(s)) return;
  Tap* taps = static_cast<Tap*>(scratch.data);
  const int nt = threads_for(s.boxes * s.crop_h * s.crop_w * std::max<int64_t>(s.c, 1));
  column_taps(s, boxes, false, nt, taps);
  switch (s.c) {
    case 1: return forward_rows<1>(s, o, image, boxes, box_ind, taps, output, nt);
    case 3: return forward_rows<3>(s, o, image, boxes, box_ind, taps, output, nt);
    case 4: return forward_rows<4>(s, o, image, boxes, box_ind, taps, output, nt);
    default: return forward_rows<0>(s, o, image, boxes, box_ind, taps, output, nt);
  }
}

size_t crop_and_resize_backward_scratch(const CropShape& s, bool grad_image, bool grad_boxes) {
  return (grad_image ? taps_bytes(s) : 0) + (grad_boxes ? taps_bytes(s) : 0);
}

void crop_and_resize_backward(const CropShape& s, const CropOptions& o, const float* dy,
                              const float* image, const float* boxes, const int32_t* box_ind,
                              float* grad_image, float* grad_boxes, Scratch scratch) {
  if (scratch.bytes < crop_and_resize_backward_scratch(s, grad_image != nullptr, grad_boxes != nullptr))
    return;
  Tap* taps = static_cast<Tap*>(scratch.data);
  const int nt = threads_for(s.boxes * s.crop_h * s.crop_w * std::max<int64_t>(s.c, 1));
  if (grad_image) {
    column_taps(s, boxes, false, nt, taps);
    // One task per band of image rows; fewer images than threads (the usual
    // detection case: many boxes of one image) get several bands each.
    const int64_t bands = s.n >= nt ? 1 : std::min<int64_t>(s.h, (4 * nt + s.n - 1) / s.n);
    const int64_t band_rows = (s.h + bands - 1) / bands;
    const int64_t item = s.h * s.w * s.c;
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
    for (int64_t task = 0; task < s.n * bands; ++task) {
      const int64_t n = task / bands, r0 = std::min(s.h, task % bands * band_rows);
      grad_image_band(s, o, dy, boxes, box_ind, taps, n, r0, std::min(s.h, r0 + band_rows),
                      grad_image + n * item);
    }
    taps += s.boxes * s.crop_w;
  }
  if (!grad_boxes) return;
  if (o.method == Interpolation::Nearest) {
    std::fill(grad_boxes, grad_boxes + s.boxes * kBoxParams, 0.0f);
    return;
  }
  column_taps(s, boxes, true, nt, taps);
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
  for (int64_t b = 0; b < s.boxes; ++b)
    grad_box(s, dy, image, boxes, box_ind, taps, b, grad_boxes + b * kBoxParams);
}

}  // namespace stn
