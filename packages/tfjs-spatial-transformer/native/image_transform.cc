// Threaded projective image transform: the reference's per-pixel rules
// (image_transform_coords.h), computed once per output pixel and reused
// across its contiguous NHWC channels, output rows split over OpenMP
// threads. The forward's rows are the active ISA's vector rows
// (image_transform_simd.inl) where it has them, else pixel by pixel here.
//
// Bitwise: the forward equals the reference bit for bit, and so does
// grad_images (each batch item's scatter runs in the reference's pixel
// order, one task per item: no atomics, no scratch). grad_transforms is
// accumulated per output row in double (scratch [N*Ho,8]) and the rows are
// added in order, so it is the same for any thread count, and differs from
// the reference's single running sum by double rounding only.
#include <omp.h>

#include <algorithm>

#include "grid_sampler_rows.h"
#include "image_transform.h"
#include "image_transform_coords.h"

namespace stn {

using transform_coord::read;
using transform_coord::transform_of;
using transform_coord::TransformPoint;

namespace {

// Output row y of item n, pixel by pixel (no vector rows for this ISA).
void forward_row(const TransformShape& s, const TransformOptions& o, const float* img,
                 const float* t, int64_t y, float* out) {
  const int64_t distance = transform_coord::prefetch_distance(s, t);
  const int64_t next_row = o.interpolation == Interpolation::Bilinear ? s.w * s.c * 4 : 0;
  for (int64_t x = 0; x < s.wo; ++x, out += s.c) {
    TransformPoint p;
    const bool ok = transform_coord::transform_point(t, x, y, s, o, &p);
    if (ok && transform_coord::inside(s, p.y0, p.x0))
      prefetch::ahead(img + (p.y0 * s.w + p.x0) * s.c, distance, next_row);
    transform_coord::sample_point(s, o, img, ok, p, out);
  }
}

// Row y of item n: scatters into gimg (the item's grad_images, or null) and
// writes the row's transform gradient to acc[8] (or null).
void backward_row(const TransformShape& s, const TransformOptions& o, const float* dy,
                  const float* images, const float* transforms, int64_t n, int64_t y,
                  float* gimg, double* acc) {
  const float* t = transform_of(s, transforms, n);
  const float* img = images + n * s.h * s.w * s.c;
  const float f = o.fill_value;
  if (acc) std::fill(acc, acc + kTransformParams, 0.0);
  for (int64_t x = 0; x < s.wo; ++x) {
    TransformPoint p;
    if (!transform_coord::transform_point(t, x, y, s, o, &p)) continue;
    const float* g = dy + ((n * s.ho + y) * s.wo + x) * s.c;
    if (o.interpolation == Interpolation::Nearest) {
      if (gimg && transform_coord::inside(s, p.y0, p.x0))
        for (int64_t c = 0; c < s.c; ++c) gimg[(p.y0 * s.w + p.x0) * s.c + c] += g[c];
      continue;
    }
    const int64_t x1 = p.x0 + 1, y1 = p.y0 + 1;
    const bool in00 = transform_coord::inside(s, p.y0, p.x0), in01 = transform_coord::inside(s, p.y0, x1),
               in10 = transform_coord::inside(s, y1, p.x0), in11 = transform_coord::inside(s, y1, x1);
    const float w00 = p.wy0 * p.wx0, w01 = p.wy0 * p.wx1, w10 = p.wy1 * p.wx0, w11 = p.wy1 * p.wx1;
    float gx = 0, gy = 0;
    for (int64_t c = 0; c < s.c; ++c) {
      const float v00 = read(img, s, p.y0, p.x0, c, f), v01 = read(img, s, p.y0, x1, c, f);
      const float v10 = read(img, s, y1, p.x0, c, f), v11 = read(img, s, y1, x1, c, f);
      if (acc) {
        gx += g[c] * (p.wy0 * (v01 - v00) + p.wy1 * (v11 - v10));
        gy += g[c] * ((p.wx0 * v10 + p.wx1 * v11) - (p.wx0 * v00 + p.wx1 * v01));
      }
      if (!gimg) continue;
      // The reference's order: (y0,x0), (y0,x1), (y1,x0), (y1,x1).
      if (in00) gimg[(p.y0 * s.w + p.x0) * s.c + c] += g[c] * w00;
      if (in01) gimg[(p.y0 * s.w + x1) * s.c + c] += g[c] * w01;
      if (in10) gimg[(y1 * s.w + p.x0) * s.c + c] += g[c] * w10;
      if (in11) gimg[(y1 * s.w + x1) * s.c + c] += g[c] * w11;
    }
    if (acc) transform_coord::add_transform_grad(p, x, y, gx * p.slope_x, gy * p.slope_y, acc);
  }
}

}  // namespace

void image_transform_forward(const TransformShape& s, const TransformOptions& o,
                             const float* images, const float* transforms,
                             float* output) {
  const int64_t rows = s.n * s.ho;
  const int nt = threads_for(rows * s.wo * std::max<int64_t>(s.c, 1));
  const TransformForwardRow vector_row = isa_kernels().transform_row(s, o);
#pragma omp parallel for num_threads(nt) schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t n = r / s.ho;
    const float* img = images + n * s.h * s.w * s.c;
    const float* t = transform_of(s, transforms, n);
    float* out = output + r * s.wo * s.c;
    if (vector_row) {
      vector_row(s, o, img, t, r % s.ho, out);
    } else {
      forward_row(s, o, img, t, r % s.ho, out);
    }
  }
}

size_t image_transform_backward_scratch(const TransformShape& s, bool grad_transforms) {
  return grad_transforms ? static_cast<size_t>(s.n * s.ho * kTransformParams) * sizeof(double) : 0;
}

void image_transform_backward(const TransformShape& s, const TransformOptions& o,
                              const float* dy, const float* images,
                              const float* transforms, float* grad_images,
                              float* grad_transforms, Scratch scratch) {
  if (scratch.bytes < image_transform_backward_scratch(s, grad_transforms != nullptr)) return;
  double* partials = grad_transforms ? static_cast<double*>(scratch.data) : nullptr;
  const int64_t item = s.h * s.w * s.c;
  const int nt = threads_for(s.n * s.ho * s.wo * std::max<int64_t>(s.c, 1));
  auto partial = [&](int64_t r) { return partials ? partials + r * kTransformParams : nullptr; };
  if (grad_images) {
    // One task per item: its scatter in the reference's order.
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
    for (int64_t n = 0; n < s.n; ++n) {
      float* gimg = grad_images + n * item;
      std::fill(gimg, gimg + item, 0.0f);
      for (int64_t y = 0; y < s.ho; ++y)
        backward_row(s, o, dy, images, transforms, n, y, gimg, partial(n * s.ho + y));
    }
  } else if (partials) {
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int64_t r = 0; r < s.n * s.ho; ++r)
      backward_row(s, o, dy, images, transforms, r / s.ho, r % s.ho, nullptr, partial(r));
  }
  if (!grad_transforms) return;
  // Each transform's rows in order (a shared one: every item's rows in turn).
  const int64_t tn = transform_batch(s);
  const int64_t rows_each = tn > 0 ? s.n * s.ho / tn : 0;
  for (int64_t t = 0; t < tn; ++t) {
    double acc[kTransformParams] = {};
    for (int64_t i = 0; i < rows_each; ++i)
      for (int64_t k = 0; k < kTransformParams; ++k)
        acc[k] += partials[(t * rows_each + i) * kTransformParams + k];
    for (int64_t k = 0; k < kTransformParams; ++k)
      grad_transforms[t * kTransformParams + k] = static_cast<float>(acc[k]);
  }
}

}  // namespace stn
