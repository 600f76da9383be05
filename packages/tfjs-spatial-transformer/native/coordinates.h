// Source coordinates of the grid sampler, shared by the reference and the
// threaded kernels so that both compute bit-identical positions and weights.
//
// The per-axis formulas are PyTorch's (ATen/native/GridSampler.h), with the
// same float32 operations in the same order. Two additions make every input
// safe: a coordinate that is not finite after unnormalisation samples nothing
// (the callers check the bool results), and a floored/rounded coordinate is
// compared in float before it is converted to an integer, so a huge finite
// coordinate never reaches an undefined float-to-int conversion.
//
// Internal linkage only: an unnamed namespace, and compiler builtins rather
// than <cmath>/<algorithm>. The ISA units (built with AVX2/AVX-512 flags)
// include this file, and an external inline function they emit out of line
// may be the one copy the linker keeps for the reference and the base kernels
// too; see "Linkage" in grid_sampler_simd.inl's NOTE.
#pragma once

#include <cstdint>

#include "grid_sampler.h"

namespace stn::coord {
namespace {

// [-1, 1] -> pixel index: -1/+1 are the corner pixels' centres when
// align_corners, else the image edges.
inline float unnormalize(float x, int64_t size, bool align_corners) {
  if (align_corners) return ((x + 1) / 2) * static_cast<float>(size - 1);
  return ((x + 1) * static_cast<float>(size) - 1) / 2;
}

// d unnormalize / dx.
inline float unnormalize_grad(int64_t size, bool align_corners) {
  return align_corners ? static_cast<float>(size - 1) / 2
                       : static_cast<float>(size) / 2;
}

// std::min(size - 1, std::max(x, 0)), with std::min/max's comparisons.
inline float clip(float x, int64_t size) {
  const float max = static_cast<float>(size - 1);
  const float low = x < 0.0f ? 0.0f : x;
  return low < max ? low : max;
}

// As clip; the borders count as clipped (gradient 0), as in PyTorch.
inline float clip_set_grad(float x, int64_t size, float* grad) {
  if (x <= 0.0f) {
    *grad = 0;
    return 0;
  }
  const float max = static_cast<float>(size - 1);
  if (x >= max) {
    *grad = 0;
    return max;
  }
  *grad = 1;
  return x;
}

// Parity of floor(x / span), x >= 0. PyTorch converts the floor to int, which
// is undefined for huge x; an integral float's fmod by 2 is exact instead.
inline bool odd_flips(float x, float span) {
  return __builtin_fmodf(__builtin_floorf(x / span), 2.0f) != 0.0f;
}

// Reflects x into [twice_low / 2, twice_high / 2].
inline float reflect(float x, int64_t twice_low, int64_t twice_high) {
  if (twice_low == twice_high) return 0;
  const float min = static_cast<float>(twice_low) / 2;
  const float span = static_cast<float>(twice_high - twice_low) / 2;
  x = __builtin_fabsf(x - min);
  const float extra = __builtin_fmodf(x, span);
  return odd_flips(x, span) ? span - extra + min : extra + min;
}

inline float reflect_set_grad(float x, int64_t twice_low, int64_t twice_high,
                              float* grad) {
  if (twice_low == twice_high) {
    *grad = 0;
    return 0;
  }
  const float min = static_cast<float>(twice_low) / 2;
  const float span = static_cast<float>(twice_high - twice_low) / 2;
  x = x - min;
  float sign = 1;
  if (x < 0) {
    sign = -1;
    x = -x;
  }
  const float extra = __builtin_fmodf(x, span);
  if (odd_flips(x, span)) {
    *grad = -sign;
    return span - extra + min;
  }
  *grad = sign;
  return extra + min;
}

// Source position along one axis (unnormalise, then pad). Returns false when
// the unnormalised coordinate is not finite: the point samples nothing.
// Border and reflection results lie in [0, size - 1].
inline bool source_index(float x, int64_t size, Padding padding,
                         bool align_corners, float* out) {
  float v = unnormalize(x, size, align_corners);
  if (!__builtin_isfinite(v)) return false;
  if (padding == Padding::Border) {
    v = clip(v, size);
  } else if (padding == Padding::Reflection) {
    v = align_corners ? reflect(v, 0, 2 * (size - 1))
                      : reflect(v, -1, 2 * size - 1);
    v = clip(v, size);
  }
  *out = v;
  return true;
}

// As source_index, also giving d position / dx in *grad.
inline bool source_index_set_grad(float x, int64_t size, Padding padding,
                                  bool align_corners, float* out,
                                  float* grad) {
  float g = unnormalize_grad(size, align_corners);
  float v = unnormalize(x, size, align_corners);
  if (!__builtin_isfinite(v)) return false;
  if (padding == Padding::Border) {
    float g_clip;
    v = clip_set_grad(v, size, &g_clip);
    g = g * g_clip;
  } else if (padding == Padding::Reflection) {
    float g_refl, g_clip;
    v = align_corners ? reflect_set_grad(v, 0, 2 * (size - 1), &g_refl)
                      : reflect_set_grad(v, -1, 2 * size - 1, &g_refl);
    v = clip_set_grad(v, size, &g_clip);
    g = g * g_refl * g_clip;
  }
  *out = v;
  *grad = g;
  return true;
}

// True when f (an integral float) lies within one pixel of [0, size): only
// then can it or f + 1 be in bounds, and only then is it converted to int64.
inline bool near_image(float f, int64_t size) {
  return f >= -1.0f && f <= static_cast<float>(size);
}

inline bool in_bounds(int64_t y, int64_t x, int64_t h, int64_t w) {
  return y >= 0 && y < h && x >= 0 && x < w;
}

// The four bilinear neighbours of a source point: the north-west corner
// (x0, y0) and the distances to the cell's sides, as PyTorch computes them
// from the integer corners (dx0 = ix - ix_nw, dx1 = ix_se - ix, ...).
struct BilinearCell {
  int64_t x0, y0;
  float dx0, dx1, dy0, dy1;
  float nw() const { return dx1 * dy1; }
  float ne() const { return dx0 * dy1; }
  float sw() const { return dx1 * dy0; }
  float se() const { return dx0 * dy0; }
};

// Returns false when no neighbour of (ix, iy) can be in bounds.
inline bool bilinear_cell(float ix, float iy, int64_t w, int64_t h,
                          BilinearCell* cell) {
  const float fx = __builtin_floorf(ix);
  const float fy = __builtin_floorf(iy);
  if (!near_image(fx, w) || !near_image(fy, h)) return false;
  cell->x0 = static_cast<int64_t>(fx);
  cell->y0 = static_cast<int64_t>(fy);
  cell->dx0 = ix - static_cast<float>(cell->x0);
  cell->dx1 = static_cast<float>(cell->x0 + 1) - ix;
  cell->dy0 = iy - static_cast<float>(cell->y0);
  cell->dy1 = static_cast<float>(cell->y0 + 1) - iy;
  return true;
}

// Nearest pixel (round half to even); false when it is out of bounds.
inline bool nearest_pixel(float ix, float iy, int64_t w, int64_t h,
                          int64_t* x, int64_t* y) {
  const float rx = __builtin_nearbyintf(ix);
  const float ry = __builtin_nearbyintf(iy);
  if (!near_image(rx, w) || !near_image(ry, h)) return false;
  *x = static_cast<int64_t>(rx);
  *y = static_cast<int64_t>(ry);
  return in_bounds(*y, *x, h, w);
}


// Bicubic (PyTorch's bicubic convolution, A = -0.75: UpSample.h's
// get_cubic_upsample_coefficients and GridSampler.h's
// get_cubic_coefficients_grad, the same float operations in the same order).
constexpr float kCubicA = -0.75f;

inline float cubic_convolution1(float x) {  // |x| <= 1
  return ((kCubicA + 2) * x - (kCubicA + 3)) * x * x + 1;
}

inline float cubic_convolution2(float x) {  // 1 < |x| < 2
  return ((kCubicA * x - 5 * kCubicA) * x + 8 * kCubicA) * x - 4 * kCubicA;
}

// The weights of the taps at -1, 0, 1, 2 from the cell's corner, t in [0, 1].
inline void cubic_coefficients(float t, float c[4]) {
  c[0] = cubic_convolution2(t + 1.0f);
  c[1] = cubic_convolution1(t);
  const float u = 1.0f - t;
  c[2] = cubic_convolution1(u);
  c[3] = cubic_convolution2(u + 1.0f);
}

// d c[k] / d t, written as PyTorch writes it: d/dx of the kernel at x = k - 1 - t.
inline void cubic_coefficients_grad(float t, float g[4]) {
  const float a = kCubicA;
  float x = -1 - t;
  g[0] = (-3 * a * x - 10 * a) * x - 8 * a;
  x = -t;
  g[1] = (-3 * (a + 2) * x - 2 * (a + 3)) * x;
  x = 1 - t;
  g[2] = (3 * (a + 2) * x - 2 * (a + 3)) * x;
  x = 2 - t;
  g[3] = (3 * a * x - 10 * a) * x + 8 * a;
}

// The padding applied to one tap's (integral) coordinate, as PyTorch's
// get_value_bounded does (compute_coordinates, then truncation to an index).
// False when the tap reads nothing (zeros padding, outside the image); the
// range is checked in float first, so a huge coordinate is never converted.
inline bool cubic_tap(float x, int64_t size, Padding padding,
                      bool align_corners, int64_t* index) {
  if (padding == Padding::Border) {
    x = clip(x, size);
  } else if (padding == Padding::Reflection) {
    x = align_corners ? reflect(x, 0, 2 * (size - 1))
                      : reflect(x, -1, 2 * size - 1);
    x = clip(x, size);
  } else if (!(x >= 0.0f && x <= static_cast<float>(size))) {
    return false;
  }
  *index = static_cast<int64_t>(x);
  return *index >= 0 && *index < size;
}

// One axis of a bicubic source point: the four taps (their indices, whether
// they read anything) and their weights. PyTorch unnormalises without the
// padding (the padding applies to each tap instead), so the gradient
// multiplier is unnormalize_grad alone.
struct CubicAxis {
  int64_t index[4] = {0, 0, 0, 0};
  bool in[4];
  float coeff[4];
  float coeff_grad[4];  // filled by cubic_axis_set_grad only
};

// False when the unnormalised coordinate is not finite (samples nothing).
// Tap k sits at floor(v) + (k - 1), rounded once, as in PyTorch's vectorised
// kernel.
inline bool cubic_axis(float x, int64_t size, Padding padding,
                       bool align_corners, CubicAxis* a) {
  const float v = unnormalize(x, size, align_corners);
  if (!__builtin_isfinite(v)) return false;
  const float f = __builtin_floorf(v);
  cubic_coefficients(v - f, a->coeff);
  for (int k = 0; k < 4; ++k)
    a->in[k] = cubic_tap(f + static_cast<float>(k - 1), size, padding,
                         align_corners, &a->index[k]);
  return true;
}

inline bool cubic_axis_set_grad(float x, int64_t size, Padding padding,
                                bool align_corners, CubicAxis* a) {
  if (!cubic_axis(x, size, padding, align_corners, a)) return false;
  const float v = unnormalize(x, size, align_corners);
  cubic_coefficients_grad(v - __builtin_floorf(v), a->coeff_grad);
  return true;
}

}  // namespace
}  // namespace stn::coord
