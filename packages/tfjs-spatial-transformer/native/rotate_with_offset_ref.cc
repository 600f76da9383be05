// Scalar reference of RotateWithOffset: tfjs-backend-cpu's loop one to one
// (one output element at a time, the source pixel computed again for every
// channel, as tfjs does), with the shared rule of rotate_with_offset_coords.h.
// The oracle of the threaded kernels; keep it simple rather than fast.
#include <algorithm>

#include "rotate_with_offset.h"
#include "rotate_with_offset_coords.h"

namespace stn {

void rotate_with_offset_forward_ref(const RotateShape& s, const Rotation& r, const float* fill,
                                    const float* images, float* output) {
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t y = 0; y < s.h; ++y)
      for (int64_t x = 0; x < s.w; ++x)
        for (int64_t c = 0; c < s.c; ++c) {
          int64_t sx = 0, sy = 0;
          const int64_t at = ((n * s.h + y) * s.w + x) * s.c + c;
          output[at] = rotate_coord::source_pixel(s, r, x, y, &sx, &sy)
                           ? images[((n * s.h + sy) * s.w + sx) * s.c + c]
                           : fill[c];
        }
}

void rotate_with_offset_backward_ref(const RotateShape& s, const Rotation& r, const float* dy,
                                     float* grad_images) {
  std::fill(grad_images, grad_images + s.n * s.h * s.w * s.c, 0.0f);
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t y = 0; y < s.h; ++y)
      for (int64_t x = 0; x < s.w; ++x)
        for (int64_t c = 0; c < s.c; ++c) {
          int64_t sx = 0, sy = 0;
          if (rotate_coord::source_pixel(s, r, x, y, &sx, &sy))
            grad_images[((n * s.h + sy) * s.w + sx) * s.c + c] +=
                dy[((n * s.h + y) * s.w + x) * s.c + c];
        }
}

}  // namespace stn
