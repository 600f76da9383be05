// Source points of the projective image transform, shared by the reference
// and the threaded kernels so that both compute bit-identical positions and
// weights. TensorFlow's formulas (image_ops.h: ProjectiveGenerator and
// MapCoordinate), with its mixed float/int64 arithmetic written out: an
// int64 meeting a float is converted to float first, as C++ does in TF's
// expressions. No FMA (the build has -ffp-contract=off), like TF's.
//
// Internal linkage only (an unnamed namespace, builtins rather than
// <cmath>), as coordinates.h, for the same reason (see its header).
#pragma once

#include <cstdint>

#include "image_transform.h"
#include "prefetch.h"

namespace stn::transform_coord {
namespace {

// Where TF converts floats to int64 (the index maps, floor, round): beyond
// this magnitude (or not finite) the conversion could be undefined, so the
// point samples nothing. float32 holds no fraction there anyway.
constexpr float kMaxMappedMagnitude = 9007199254740992.0f;  // 2^53

// std::floor and std::round (half away from zero) for |v| < 2^53, through
// an int64 conversion: the base ISA has no rounding instruction, and the
// library calls would be most of a pixel's time. Equal to them for every
// such v; a zero keeps its sign, as floorf keeps it.
inline float floor_below_2p53(float v) {
  if (v == 0.0f) return v;
  const float t = static_cast<float>(static_cast<int64_t>(v));  // toward zero
  return t > v ? t - 1.0f : t;
}
inline int64_t round_below_2p53(float v) {
  const int64_t t = static_cast<int64_t>(v);
  const float rest = v - static_cast<float>(t);  // exact: |v| < 2^53
  return rest >= 0.5f ? t + 1 : rest <= -0.5f ? t - 1 : t;
}

// Eigen's scalar_clamp_op: min(max(v, 0), len - 1) with std::max/min's
// comparisons; *slope is 0 when it clamped.
inline float clamp(float v, int64_t len, float* slope) {
  const float hi = static_cast<float>(len - 1);
  if (v < 0.0f) {
    *slope = 0;
    return 0.0f;
  }
  if (hi < v) {
    *slope = 0;
    return hi;
  }
  return v;
}

// 'reflect': [abcd] -> [dcba|abcd|dcba], TF's MapCoordinate<FILL_REFLECT>.
inline float map_reflect(float c, int64_t len, float* slope) {
  if (c < 0.0f) {
    if (len <= 1) {
      *slope = 0;
      c = 0;
    } else {
      const int64_t sz2 = 2 * len;
      if (c < static_cast<float>(sz2))  // always, as in TF
        c = static_cast<float>(sz2 * static_cast<int64_t>(-c / static_cast<float>(sz2))) + c;
      if (c < static_cast<float>(-len)) {
        c = c + static_cast<float>(sz2);
      } else {
        c = -c - 1.0f;
        *slope = -*slope;
      }
    }
  } else if (c > static_cast<float>(len - 1)) {
    if (len <= 1) {
      *slope = 0;
      c = 0;
    } else {
      const int64_t sz2 = 2 * len;
      c -= static_cast<float>(sz2 * static_cast<int64_t>(c / static_cast<float>(sz2)));
      if (c >= static_cast<float>(len)) {
        c = static_cast<float>(sz2) - c - 1.0f;
        *slope = -*slope;
      }
    }
  }
  return clamp(c, len, slope);
}

// 'wrap': [abcd] -> [abcd|abcd|abcd], TF's MapCoordinate<FILL_WRAP> (which
// divides by len - 1 and steps by len, so a point between the last pixel
// and the next period's first is clamped rather than blended).
inline float map_wrap(float c, int64_t len, float* slope) {
  if (c < 0.0f) {
    if (len <= 1) {
      *slope = 0;
      c = 0;
    } else {
      const int64_t sz = len - 1;
      c += static_cast<float>(len * (static_cast<int64_t>(-c / static_cast<float>(sz)) + 1));
    }
  } else if (c > static_cast<float>(len - 1)) {
    if (len <= 1) {
      *slope = 0;
      c = 0;
    } else {
      const int64_t sz = len - 1;
      c -= static_cast<float>(len * static_cast<int64_t>(c / static_cast<float>(sz)));
    }
  }
  return clamp(c, len, slope);
}

// One axis through the fill mode; false when the point samples nothing
// (the pixel is fill_value). *slope: d mapped / d source.
inline bool map_axis(float c, int64_t len, FillMode mode, float* out, float* slope) {
  *slope = 1;
  if (c != c) return false;  // NaN: no defined pixel in TF either
  switch (mode) {
    case FillMode::Reflect:
    case FillMode::Wrap:
      if (!(__builtin_fabsf(c) < kMaxMappedMagnitude)) return false;
      *out = mode == FillMode::Reflect ? map_reflect(c, len, slope) : map_wrap(c, len, slope);
      return true;
    case FillMode::Nearest:
      *out = clamp(c, len, slope);
      return true;
    case FillMode::Constant:
    default:
      // Unmapped: pixels outside the image read fill_value.
      if (!(__builtin_fabsf(c) < kMaxMappedMagnitude)) return false;
      *out = c;
      return true;
  }
}

// Item n's 8 transform parameters (the shared row for every item).
inline const float* transform_of(const TransformShape& s, const float* transforms, int64_t n) {
  return transforms + (s.shared ? 0 : n * kTransformParams);
}

// One output pixel's source: the projection, the mapped point, and what
// the interpolation reads.
struct TransformPoint {
  float k;             // the projection c0 x + c1 y + 1
  float sx, sy;        // the source point (x', y') before the fill mode's map
  float slope_x, slope_y;
  float x, y;          // mapped: in [0, W - 1] x [0, H - 1] but for 'constant'

  int64_t x0, y0;      // bilinear: floor; nearest: the rounded pixel
  // bilinear: x_ceil - x, x - x_floor, ...; 0 under 'nearest', which never
  // reads them (GCC cannot see that through the run-time interpolation).
  float wx0 = 0, wx1 = 0, wy0 = 0, wy1 = 0;
};

// False when the pixel is fill_value (k == 0, or the map says so).
inline bool transform_point(const float* t, int64_t ox, int64_t oy, const TransformShape& s,
                            const TransformOptions& o, TransformPoint* p) {
  if (s.h == 0 || s.w == 0) return false;  // no pixel to read
  const float fx = static_cast<float>(ox), fy = static_cast<float>(oy);
  p->sx = t[0] * fx + t[1] * fy + t[2];
  p->sy = t[3] * fx + t[4] * fy + t[5];
  if (t[6] == 0.0f && t[7] == 0.0f) {
    p->k = 1.0f;  // exactly what TF computes, and dividing by it is exact
  } else {
    p->k = t[6] * fx + t[7] * fy + 1.0f;
    if (p->k == 0.0f) return false;
    p->sx = p->sx / p->k;
    p->sy = p->sy / p->k;
  }
  if (!map_axis(p->sx, s.w, o.fill_mode, &p->x, &p->slope_x) ||
      !map_axis(p->sy, s.h, o.fill_mode, &p->y, &p->slope_y))
    return false;
  if (o.interpolation == Interpolation::Nearest) {
    // std::round: half away from zero.
    p->x0 = round_below_2p53(p->x);
    p->y0 = round_below_2p53(p->y);
    return true;
  }
  const float xf = floor_below_2p53(p->x), yf = floor_below_2p53(p->y);
  p->x0 = static_cast<int64_t>(xf);
  p->y0 = static_cast<int64_t>(yf);
  p->wx0 = (xf + 1.0f) - p->x;
  p->wx1 = p->x - xf;
  p->wy0 = (yf + 1.0f) - p->y;
  p->wy1 = p->y - yf;
  return true;
}

// TF's read_with_fill_value: the pixel, or fill_value outside the image.
inline float read(const float* img, const TransformShape& s, int64_t y, int64_t x, int64_t c,
                  float fill) {
  return y >= 0 && y < s.h && x >= 0 && x < s.w ? img[(y * s.w + x) * s.c + c] : fill;
}

inline bool inside(const TransformShape& s, int64_t y, int64_t x) {
  return y >= 0 && y < s.h && x >= 0 && x < s.w;
}

// The C channels of one output pixel whose source point is p (ok: what
// transform_point returned; false gives fill_value): the reference's values,
// with the four corners read directly when all are inside the image. The
// threaded kernel's scalar path and the vector rows' other lanes.
inline void sample_point(const TransformShape& s, const TransformOptions& o, const float* img,
                         bool ok, const TransformPoint& p, float* out) {
  const int64_t nc = s.c;
  const float f = o.fill_value;
  if (!ok || (o.interpolation == Interpolation::Nearest && !inside(s, p.y0, p.x0))) {
    for (int64_t c = 0; c < nc; ++c) out[c] = f;
    return;
  }
  if (o.interpolation == Interpolation::Nearest) {
    const float* src = img + (p.y0 * s.w + p.x0) * nc;
    for (int64_t c = 0; c < nc; ++c) out[c] = src[c];
    return;
  }
  const int64_t x1 = p.x0 + 1, y1 = p.y0 + 1;
  if (p.x0 >= 0 && p.y0 >= 0 && x1 < s.w && y1 < s.h) {  // the usual case: all four inside
    const float* r0 = img + (p.y0 * s.w + p.x0) * nc;
    const float* r1 = r0 + s.w * nc;
    for (int64_t c = 0; c < nc; ++c) {
      const float v0 = p.wx0 * r0[c] + p.wx1 * r0[c + nc];
      const float v1 = p.wx0 * r1[c] + p.wx1 * r1[c + nc];
      out[c] = p.wy0 * v0 + p.wy1 * v1;
    }
    return;
  }
  for (int64_t c = 0; c < nc; ++c) {
    const float v0 = p.wx0 * read(img, s, p.y0, p.x0, c, f) + p.wx1 * read(img, s, p.y0, x1, c, f);
    const float v1 = p.wx0 * read(img, s, y1, p.x0, c, f) + p.wx1 * read(img, s, y1, x1, c, f);
    out[c] = p.wy0 * v0 + p.wy1 * v1;
  }
}

// The forward rows' prefetch distance (prefetch.h): one output row down
// moves the source by (a1, b1).
inline int64_t prefetch_distance(const TransformShape& s, const float* t) {
  return prefetch::rows_ahead(t[1], t[4], s.w, s.c);
}

// Adds the gradient of one pixel with respect to its source point (gx, gy
// = dL/dx', dL/dy', already through the map's slopes) to the 8 parameters.
inline void add_transform_grad(const TransformPoint& p, int64_t ox, int64_t oy, float gx,
                               float gy, double* acc) {
  const double x = static_cast<double>(ox), y = static_cast<double>(oy);
  const double inv_k = 1.0 / static_cast<double>(p.k);
  const double dx = gx * inv_k, dy = gy * inv_k;
  // A clamped axis (slope 0) may have an infinite source: it adds nothing.
  const double dk = -((dx != 0 ? dx * p.sx : 0.0) + (dy != 0 ? dy * p.sy : 0.0));
  acc[0] += dx * x;
  acc[1] += dx * y;
  acc[2] += dx;
  acc[3] += dy * x;
  acc[4] += dy * y;
  acc[5] += dy;
  acc[6] += dk * x;
  acc[7] += dk * y;
}

}  // namespace
}  // namespace stn::transform_coord
