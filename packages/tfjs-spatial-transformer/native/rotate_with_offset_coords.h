// The source pixel of RotateWithOffset, shared by the reference and the
// threaded kernels so that both read the same pixels. tfjs-backend-cpu's
// float64 expressions in its order of operations; no FMA (the build has
// -ffp-contract=off), as JavaScript has none.
//
// Internal linkage only (an unnamed namespace, no <cmath>), as
// image_transform_coords.h, for the same reason (see coordinates.h).
#pragma once

#include <cstdint>

#include "rotate_with_offset.h"

namespace stn::rotate_coord {
namespace {

// Math.round(v) as a pixel index in [0, len); false when it is not one (v
// NaN, infinite, or rounding outside). Math.round(v) is ceil(v), less one
// when ceil(v) - v > 0.5 (V8 computes it so); every step is exact for the
// |v| < len + 1 < 2^53 it is reached with.
inline bool round_index(double v, int64_t len, int64_t* index) {
  if (!(v >= -0.5 && v < static_cast<double>(len))) return false;
  const int64_t t = static_cast<int64_t>(v);  // toward zero
  const int64_t ceil = static_cast<double>(t) < v ? t + 1 : t;
  const int64_t i = static_cast<double>(ceil) - 0.5 > v ? ceil - 1 : ceil;
  if (i >= len) return false;  // v in [len - 0.5, len)
  *index = i;
  return true;
}

// The pixel output (x, y) reads, or false when it is the fill.
inline bool source_pixel(const RotateShape& s, const Rotation& r, int64_t x, int64_t y,
                         int64_t* sx, int64_t* sy) {
  const double dx = static_cast<double>(x) - r.cx, dy = static_cast<double>(y) - r.cy;
  const double fx = dx * r.cos - dy * r.sin;
  const double fy = dx * r.sin + dy * r.cos;
  return round_index(fx + r.cx, s.w, sx) && round_index(fy + r.cy, s.h, sy);
}

}  // namespace
}  // namespace stn::rotate_coord
