// Threaded RotateWithOffset: the reference's per-pixel rule
// (rotate_with_offset_coords.h), computed once per output pixel and reused
// across its contiguous NHWC channels; the forward prefetches rows ahead
// (prefetch.h).
//
// Bitwise: the forward (output rows split over OpenMP threads) equals the
// reference bit for bit, and so does grad_images: each batch item's scatter
// runs in the reference's pixel order, one task per item (no atomics, no
// scratch; a single image is one task).
#include <omp.h>

#include <algorithm>

#include "grid_sampler.h"  // threads_for
#include "prefetch.h"
#include "rotate_with_offset.h"
#include "rotate_with_offset_coords.h"

namespace stn {

void rotate_with_offset_forward(const RotateShape& s, const Rotation& r, const float* fill,
                                const float* images, float* output) {
  const int64_t rows = s.n * s.h, c_count = s.c;
  const int nt = threads_for(rows * s.w * std::max<int64_t>(c_count, 1));
  // One output row down moves the source by (-sin, cos).
  const int64_t distance = prefetch::rows_ahead(-r.sin, r.cos, s.w, c_count);
#pragma omp parallel for num_threads(nt) schedule(static)
  for (int64_t row = 0; row < rows; ++row) {
    const int64_t n = row / s.h, y = row % s.h;
    const float* img = images + n * s.h * s.w * c_count;
    float* out = output + row * s.w * c_count;
    for (int64_t x = 0; x < s.w; ++x, out += c_count) {
      int64_t sx = 0, sy = 0;
      const float* src = fill;
      if (rotate_coord::source_pixel(s, r, x, y, &sx, &sy)) {
        src = img + (sy * s.w + sx) * c_count;
        prefetch::ahead(src, distance, 0);
      }
      for (int64_t c = 0; c < c_count; ++c) out[c] = src[c];  // a few channels: no memmove call
    }
  }
}

void rotate_with_offset_backward(const RotateShape& s, const Rotation& r, const float* dy,
                                 float* grad_images) {
  const int64_t item = s.h * s.w * s.c, c_count = s.c;
  const int nt = threads_for(s.n * item);
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
  for (int64_t n = 0; n < s.n; ++n) {
    float* gimg = grad_images + n * item;
    const float* g = dy + n * item;
    std::fill(gimg, gimg + item, 0.0f);
    for (int64_t y = 0; y < s.h; ++y)
      for (int64_t x = 0; x < s.w; ++x, g += c_count) {
        int64_t sx = 0, sy = 0;
        if (!rotate_coord::source_pixel(s, r, x, y, &sx, &sy)) continue;
        float* at = gimg + (sy * s.w + sx) * c_count;
        for (int64_t c = 0; c < c_count; ++c) at[c] += g[c];
      }
  }
}

}  // namespace stn
