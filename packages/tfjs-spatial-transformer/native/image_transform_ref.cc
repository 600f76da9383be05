// Scalar reference of the projective image transform: TensorFlow's
// ProjectiveGenerator one to one (one output element at a time, the source
// point computed again for every channel, as TF's generator does), with the
// shared point rules of image_transform_coords.h. The oracle of the threaded
// kernels; keep it simple rather than fast.
#include <algorithm>

#include "image_transform.h"
#include "image_transform_coords.h"

namespace stn {

using transform_coord::read;
using transform_coord::transform_of;
using transform_coord::TransformPoint;

namespace {

// The value of element (n, y, x, c), as TF's generator computes it.
float element(const TransformShape& s, const TransformOptions& o, const float* images,
              const float* t, int64_t n, int64_t y, int64_t x, int64_t c) {
  TransformPoint p;
  if (!transform_coord::transform_point(t, x, y, s, o, &p)) return o.fill_value;
  const float* img = images + n * s.h * s.w * s.c;
  const float f = o.fill_value;
  if (o.interpolation == Interpolation::Nearest) return read(img, s, p.y0, p.x0, c, f);
  const int64_t x1 = p.x0 + 1, y1 = p.y0 + 1;
  const float v0 = p.wx0 * read(img, s, p.y0, p.x0, c, f) + p.wx1 * read(img, s, p.y0, x1, c, f);
  const float v1 = p.wx0 * read(img, s, y1, p.x0, c, f) + p.wx1 * read(img, s, y1, x1, c, f);
  return p.wy0 * v0 + p.wy1 * v1;
}

}  // namespace

void image_transform_forward_ref(const TransformShape& s, const TransformOptions& o,
                                 const float* images, const float* transforms,
                                 float* output) {
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t y = 0; y < s.ho; ++y)
      for (int64_t x = 0; x < s.wo; ++x)
        for (int64_t c = 0; c < s.c; ++c)
          output[((n * s.ho + y) * s.wo + x) * s.c + c] =
              element(s, o, images, transform_of(s, transforms, n), n, y, x, c);
}

void image_transform_backward_ref(const TransformShape& s, const TransformOptions& o,
                                  const float* dy, const float* images,
                                  const float* transforms, float* grad_images,
                                  float* grad_transforms, Scratch) {
  if (grad_images) std::fill(grad_images, grad_images + s.n * s.h * s.w * s.c, 0.0f);
  const int64_t tn = transform_batch(s);
  double acc[kTransformParams] = {};  // the current transform's gradient
  const float f = o.fill_value;
  for (int64_t n = 0; n < s.n; ++n) {
    const float* t = transform_of(s, transforms, n);
    const float* img = images + n * s.h * s.w * s.c;
    float* gimg = grad_images ? grad_images + n * s.h * s.w * s.c : nullptr;
    for (int64_t y = 0; y < s.ho; ++y) {
      for (int64_t x = 0; x < s.wo; ++x) {
        TransformPoint p;
        if (!transform_coord::transform_point(t, x, y, s, o, &p)) continue;
        const float* g = dy + ((n * s.ho + y) * s.wo + x) * s.c;
        if (o.interpolation == Interpolation::Nearest) {
          if (gimg && transform_coord::inside(s, p.y0, p.x0))
            for (int64_t c = 0; c < s.c; ++c) gimg[(p.y0 * s.w + p.x0) * s.c + c] += g[c];
          continue;  // no gradient for the transform
        }
        const int64_t x1 = p.x0 + 1, y1 = p.y0 + 1;
        float gx = 0, gy = 0;  // dL / d(mapped x, y)
        for (int64_t c = 0; c < s.c; ++c) {
          const float v00 = read(img, s, p.y0, p.x0, c, f), v01 = read(img, s, p.y0, x1, c, f);
          const float v10 = read(img, s, y1, p.x0, c, f), v11 = read(img, s, y1, x1, c, f);
          gx += g[c] * (p.wy0 * (v01 - v00) + p.wy1 * (v11 - v10));
          gy += g[c] * ((p.wx0 * v10 + p.wx1 * v11) - (p.wx0 * v00 + p.wx1 * v01));
          if (!gimg) continue;
          auto add = [&](int64_t yy, int64_t xx, float w) {
            if (transform_coord::inside(s, yy, xx)) gimg[(yy * s.w + xx) * s.c + c] += g[c] * w;
          };
          add(p.y0, p.x0, p.wy0 * p.wx0);
          add(p.y0, x1, p.wy0 * p.wx1);
          add(y1, p.x0, p.wy1 * p.wx0);
          add(y1, x1, p.wy1 * p.wx1);
        }
        transform_coord::add_transform_grad(p, x, y, gx * p.slope_x, gy * p.slope_y, acc);
      }
    }
    // Each transform's gradient once its items are done (a shared one: all).
    if (grad_transforms && (!s.shared || n == s.n - 1)) {
      float* out = grad_transforms + (s.shared ? 0 : n * kTransformParams);
      for (int64_t k = 0; k < kTransformParams; ++k) {
        out[k] = static_cast<float>(acc[k]);
        acc[k] = 0;
      }
    }
  }
  if (grad_transforms && s.n == 0)
    std::fill(grad_transforms, grad_transforms + tn * kTransformParams, 0.0f);
}

}  // namespace stn
